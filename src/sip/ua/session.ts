/**
 * What an INVITE dialog can do once it exists, whichever side created it:
 * hang up, re-INVITE (hold/retrieve), INFO (DTMF), REFER (transfer), NOTIFY,
 * and answer the peer's own in-dialog requests. IncomingCall and OutgoingCall
 * extend this with the set-up half.
 *
 *   state:  setup ──▶ established ──▶ ended
 *              └──────────────────────▲
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import { createResponse } from '../message/build.js';
import { Dialog } from '../dialog/dialog.js';
import { TypedEmitter } from './typed-emitter.js';
import type { UaContext, ServerTxn, RequestResult } from './context.js';
import type { Destination } from '../transport/types.js';

export type SessionState = 'setup' | 'established' | 'ended';

/** Why a session ended, as the call model will record it. */
export type EndReason =
  | 'local-bye'
  | 'remote-bye'
  | 'cancelled'
  | 'rejected'
  | 'failed'
  | 'timeout'
  | 'no-ack'
  | 'transport-error'
  | 'shutdown';

export interface InDialogRequest {
  request: SipRequest;
  /** Answer it; the default when the listener does not is 200 (INFO, NOTIFY) or 488/603 (INVITE, REFER). */
  respond(status: number, opts?: { body?: Buffer; contentType?: string; headers?: Record<string, string> }): void;
}

export type SessionEvents = {
  established: [];
  ended: [reason: EndReason, detail?: { status?: number; reason?: string }];
  /** A re-INVITE or UPDATE carrying an offer (or none). Respond with an answer. */
  reinvite: [req: InDialogRequest];
  info: [req: InDialogRequest];
  refer: [req: InDialogRequest];
  notify: [req: InDialogRequest];
  message: [req: InDialogRequest];
};

const SESSION_TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  setup: ['established', 'ended'],
  established: ['ended'],
  ended: [],
};

export abstract class Session<E extends SessionEvents = SessionEvents> extends TypedEmitter<E> {
  dialog: Dialog | undefined;
  /** Where in-dialog requests go when the peer's Contact cannot be used (WS/TCP flows, NAT). */
  flow: Destination | undefined;
  localSdp: Buffer | undefined;
  remoteSdp: Buffer | undefined;
  private _state: SessionState = 'setup';
  /** The ACK of our last re-INVITE's 2xx. */
  private reinviteAck: { seq: number; ack: SipRequest; dest: Destination } | undefined;
  /** Our 2xx to the peer's re-INVITE, retransmitted until its ACK (§14.2, §13.3.1.4). */
  private reinvite2xx: { seq: number; retransmit: NodeJS.Timeout; giveUp: NodeJS.Timeout } | undefined;
  endReason: EndReason | undefined;

  constructor(protected readonly ctx: UaContext) {
    super();
  }

  get state(): SessionState {
    return this._state;
  }

  get callId(): string {
    return this.dialog?.callId ?? '';
  }

  protected transition(to: SessionState): boolean {
    if (this._state === to) return false;
    if (!SESSION_TRANSITIONS[this._state].includes(to)) return false;
    this._state = to;
    return true;
  }

  protected markEstablished(): void {
    if (this.transition('established')) this.emitLoose('established');
  }

  /** End exactly once: drop from the dialog table, stop timers, tell listeners. */
  protected finish(reason: EndReason, detail?: { status?: number; reason?: string }): void {
    if (!this.transition('ended')) return;
    this.endReason = reason;
    if (this.dialog !== undefined) {
      if (this.dialog.state !== 'terminated') this.dialog.transition('terminated');
      this.ctx.forgetDialog(this.dialog.id);
    }
    this.cleanup();
    this.emitLoose('ended', reason, detail);
  }

  /** Timers of the subclass (which calls super). */
  protected cleanup(): void {
    this.stopReinvite2xx();
  }

  /**
   * End the session whatever its state (hang up, cancel or reject as fits):
   * what an operator's "drop this call" or a shutdown needs.
   */
  abstract terminate(reason: EndReason): Promise<void>;

  /** Hang up an established call with BYE (§15.1.1). Resolves when the BYE got its answer or timed out. */
  async bye(reason: EndReason = 'local-bye'): Promise<RequestResult | undefined> {
    if (this.state !== 'established' || this.dialog === undefined) return undefined;
    this.finish(reason);
    return this.requestInDialog('BYE');
  }

  /**
   * Send an in-dialog request (BYE, INFO, REFER, NOTIFY…) in its own client
   * transaction; resolves with the final response or the failure.
   */
  async requestInDialog(method: string, opts?: { body?: Buffer; contentType?: string; headers?: Record<string, string> }): Promise<RequestResult> {
    const dialog = this.dialog;
    if (dialog === undefined) return { failure: 'transport-error' };
    let dest: Destination;
    try {
      dest = await this.destination();
    } catch {
      return { failure: 'transport-error' };
    }
    const req = dialog.createRequest(method, (branch) => this.ctx.viaFor(dest.protocol, branch));
    for (const [k, v] of Object.entries(opts?.headers ?? {})) req.set(k, v);
    if (opts?.body !== undefined) {
      req.set('content-type', opts.contentType ?? 'application/sdp');
      req.body = opts.body;
    }
    const result = await this.ctx.request(req, dest);
    if (method === 'INVITE') this.afterReinvite(req, result, dest, opts?.body);
    return result;
  }

  /** re-INVITE with a new offer (hold: a=sendonly; retrieve: a=sendrecv). Resolves with the final response. */
  reinvite(sdp: Buffer): Promise<RequestResult> {
    return this.requestInDialog('INVITE', { body: sdp });
  }

  private afterReinvite(req: SipRequest, result: RequestResult, dest: Destination, sdp: Buffer | undefined): void {
    const res = result.response;
    const dialog = this.dialog;
    if (res === undefined || dialog === undefined || res.status < 200) return;
    // §13.2.2.4: a 2xx to a re-INVITE is ACKed end to end, like the first one
    if (res.status < 300) {
      if (sdp !== undefined) this.localSdp = sdp;
      if (res.body.length > 0) this.remoteSdp = res.body;
      dialog.refreshTarget(res);
      const ack = dialog.createRequest('ACK', (b) => this.ctx.viaFor(dest.protocol, b), req.cseq?.seq);
      this.ctx.sendStateless(ack, dest);
      // sent again for every retransmission of that 2xx (our ACK may be lost)
      this.reinviteAck = { seq: req.cseq?.seq ?? 0, ack, dest };
    }
  }

  /** Where the next in-dialog request goes. */
  destination(): Promise<Destination> {
    if (this.flow !== undefined) return Promise.resolve(this.flow);
    return this.ctx.resolve(this.dialog?.nextHop());
  }

  /** An in-dialog request from the peer (the core has matched the dialog). */
  handleRequest(req: SipRequest, txn: ServerTxn): void {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    if (!dialog.acceptRemoteSeq(req)) {
      txn.respond(createResponse(req, 500, 'Server Internal Error (CSeq out of order)'));
      return;
    }
    switch (req.method) {
      case 'BYE':
        txn.respond(createResponse(req, 200));
        this.finish('remote-bye');
        return;
      case 'INVITE':
      case 'UPDATE':
        dialog.refreshTarget(req);
        this.dispatch('reinvite', req, txn, 488);
        return;
      case 'INFO':
        this.dispatch('info', req, txn, 200);
        return;
      case 'REFER':
        this.dispatch('refer', req, txn, 603);
        return;
      case 'NOTIFY':
        this.dispatch('notify', req, txn, 200);
        return;
      case 'MESSAGE':
        this.dispatch('message', req, txn, 200);
        return;
      case 'OPTIONS':
        txn.respond(this.ctx.optionsResponse(req));
        return;
      default:
        txn.respond(createResponse(req, 501));
    }
  }

  private dispatch(event: 'reinvite' | 'info' | 'refer' | 'notify' | 'message', req: SipRequest, txn: ServerTxn, fallback: number): void {
    let answered = false;
    const respond: InDialogRequest['respond'] = (status, opts) => {
      if (answered) return;
      answered = true;
      const res = createResponse(req, status);
      if (status >= 200 && status < 300 && (req.method === 'INVITE' || req.method === 'UPDATE'))
        res.append('contact', this.dialog?.localContact ?? '');
      for (const [k, v] of Object.entries(opts?.headers ?? {})) res.set(k, v);
      if (opts?.body !== undefined) {
        res.set('content-type', opts.contentType ?? 'application/sdp');
        res.body = opts.body;
        if (req.method === 'INVITE' || req.method === 'UPDATE') {
          this.localSdp = opts.body;
          if (req.body.length > 0) this.remoteSdp = req.body;
        }
      }
      txn.respond(res);
      if (req.method === 'INVITE' && status >= 200 && status < 300 && txn.reliable !== true) this.retransmitUntilAck(req, res, txn);
    };
    const heard = this.emitLoose(event, { request: req, respond });
    if (!heard) {
      if (event === 'reinvite' && this.localSdp !== undefined) {
        // Nobody drives media yet: keep the session as it is.
        respond(200, { body: this.localSdp });
      } else respond(fallback);
    }
  }

  private retransmitUntilAck(req: SipRequest, res: SipResponse, txn: ServerTxn): void {
    this.stopReinvite2xx();
    const { T1, T2 } = this.ctx.timers;
    let interval = T1;
    const again = (): void => {
      txn.respond(res);
      interval = Math.min(2 * interval, T2);
      if (this.reinvite2xx !== undefined) this.reinvite2xx.retransmit = setTimeout(again, interval);
    };
    this.reinvite2xx = {
      seq: req.cseq?.seq ?? 0,
      retransmit: setTimeout(again, interval),
      // no ACK in 64·T1: the dialog is broken, hang up (§14.2 via §13.3.1.4)
      giveUp: setTimeout(() => {
        this.stopReinvite2xx();
        void this.terminate('no-ack');
      }, 64 * T1),
    };
  }

  private stopReinvite2xx(): void {
    if (this.reinvite2xx === undefined) return;
    clearTimeout(this.reinvite2xx.retransmit);
    clearTimeout(this.reinvite2xx.giveUp);
    this.reinvite2xx = undefined;
  }

  /** The peer's ACK for one of our 2xx reached us. */
  handleAck(req: SipRequest): void {
    if (this.reinvite2xx !== undefined && req.cseq?.seq === this.reinvite2xx.seq) this.stopReinvite2xx();
  }

  /** A 2xx that no longer has a waiting transaction user: the peer did not get our ACK. */
  handleStray2xx(res: SipResponse): void {
    const last = this.reinviteAck;
    if (last !== undefined && res.cseq?.seq === last.seq) this.ctx.sendStateless(last.ack, last.dest);
  }
}
