/**
 * An INVITE we received (UAS, RFC 3261 §13.3). The application decides:
 * `ringing()`, `progress(sdp)`, `answer(sdp)` or `reject(code)`. Until then a
 * CANCEL ends it with 487; after `answer` the 2xx is retransmitted
 * (T1 doubling to T2) until the ACK arrives, and a call whose ACK never comes
 * is hung up with BYE after 64·T1 (§13.3.1.4).
 *
 *   setup ──answer──▶ (waiting for ACK) ──ACK──▶ established ──BYE──▶ ended
 *     │ reject / CANCEL / transport error                        ▲
 *     └──────────────────────────────────────────────────────────┘
 */
import type { SipRequest } from '../message/message.js';
import { createResponse, randomToken } from '../message/build.js';
import type { NameAddr } from '../message/headers.js';
import { Dialog } from '../dialog/dialog.js';
import { Session, type EndReason, type SessionEvents } from './session.js';
import type { ServerTxn, UaContext } from './context.js';
import { isReliable, type Destination } from '../transport/types.js';

const SESSION_ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE, MESSAGE';

export type IncomingCallEvents = SessionEvents & {
  /** The caller gave up (CANCEL) before we answered. */
  cancel: [];
};

export interface ResponseOptions {
  sdp?: Buffer;
  headers?: Record<string, string>;
}

export class IncomingCall extends Session<IncomingCallEvents> {
  readonly localTag = randomToken(6);
  private finalSent = false;
  private retransmitTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private ackWaiters: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    ctx: UaContext,
    readonly request: SipRequest,
    readonly source: Destination,
    private readonly txn: ServerTxn,
  ) {
    super(ctx);
    if (request.body.length > 0 && (request.contentType ?? '').toLowerCase().startsWith('application/sdp'))
      this.remoteSdp = request.body;
    // Connection-bound peers (WS, TCP) and peers that asked for symmetric
    // response routing (rport) get their in-dialog requests over the same path.
    if (isReliable(source.protocol) || request.topVia?.params.has('rport') === true) this.flow = source;
  }

  get from(): NameAddr | undefined {
    return this.request.from;
  }

  get to(): NameAddr | undefined {
    return this.request.to;
  }

  /** The dialed number (Request-URI user). */
  get dialed(): string | undefined {
    return this.request.uri?.user;
  }

  private ensureDialog(state: 'early' | 'confirmed'): Dialog | undefined {
    if (this.dialog === undefined) {
      const contact = this.ctx.contactFor(this.source.protocol);
      const d = Dialog.fromIncoming(this.request, this.localTag, contact, state);
      if (d === undefined) return undefined;
      this.dialog = d;
      this.ctx.rememberDialog(d.id, this);
    } else if (state === 'confirmed' && this.dialog.state === 'early') this.dialog.transition('confirmed');
    return this.dialog;
  }

  private build(status: number, opts?: ResponseOptions, reason?: string): ReturnType<typeof createResponse> {
    const res = createResponse(this.request, status, reason, this.localTag);
    if (status > 100 && status < 300) res.append('contact', this.ctx.contactFor(this.source.protocol));
    // §13.3.1.4: a 2xx to INVITE SHOULD say what we allow
    if (status >= 200 && status < 300) res.append('allow', SESSION_ALLOW);
    for (const [k, v] of Object.entries(opts?.headers ?? {})) res.set(k, v);
    if (opts?.sdp !== undefined) {
      res.set('content-type', 'application/sdp');
      res.body = opts.sdp;
    }
    return res;
  }

  ringing(opts?: ResponseOptions): void {
    this.provisional(180, opts);
  }

  /** 183 Session Progress with early media. */
  progress(sdp: Buffer, opts?: ResponseOptions): void {
    this.provisional(183, { ...opts, sdp });
  }

  private provisional(status: number, opts?: ResponseOptions): void {
    if (this.finalSent || this.state !== 'setup') return;
    this.ensureDialog('early');
    this.txn.respond(this.build(status, opts));
  }

  /**
   * Answer with our SDP. Resolves once the caller's ACK arrives; rejects if it
   * never does (the call is then hung up) or the call ended meanwhile.
   */
  answer(sdp: Buffer | undefined, opts?: ResponseOptions): Promise<void> {
    if (this.finalSent || this.state !== 'setup') return Promise.reject(new Error('SIP_CALL_NOT_ANSWERABLE'));
    const dialog = this.ensureDialog('confirmed');
    if (dialog === undefined) {
      this.reject(400, 'Bad Request (cannot form a dialog)');
      return Promise.reject(new Error('SIP_DIALOG_UNFORMABLE'));
    }
    this.finalSent = true;
    if (sdp !== undefined) this.localSdp = sdp;
    const res = this.build(200, sdp !== undefined ? { ...opts, sdp } : opts);
    this.txn.respond(res);
    const { T1, T2 } = this.ctx.timers;
    if (!isReliable(this.source.protocol)) {
      let interval = T1;
      const again = (): void => {
        this.txn.respond(res);
        interval = Math.min(2 * interval, T2);
        this.retransmitTimer = setTimeout(again, interval);
      };
      this.retransmitTimer = setTimeout(again, interval);
    }
    this.ackTimer = setTimeout(() => this.onAckTimeout(), 64 * T1);
    return new Promise((resolve, reject) => {
      this.ackWaiters = { resolve, reject };
    });
  }

  reject(status: number, reason?: string, opts?: ResponseOptions): void {
    if (this.finalSent || this.state !== 'setup') return;
    this.finalSent = true;
    this.txn.respond(this.build(status, opts, reason));
    this.finish('rejected', { status });
  }

  async terminate(reason: EndReason): Promise<void> {
    if (this.state === 'established') {
      await this.bye(reason);
    } else if (this.state === 'setup' && !this.finalSent) {
      this.reject(reason === 'shutdown' ? 503 : 480);
    } else if (this.state === 'setup') {
      // answered, ACK not yet in: hang up all the same
      this.stopTimers();
      const bye = this.requestInDialog('BYE');
      this.finish(reason);
      await bye;
    }
  }

  /** The core matched a CANCEL to this INVITE (§9.2). */
  handleCancel(): void {
    if (this.finalSent || this.state !== 'setup') return;
    this.finalSent = true;
    this.txn.respond(this.build(487));
    this.emitLoose('cancel');
    this.finish('cancelled');
  }

  override handleAck(req: SipRequest): void {
    super.handleAck(req);
    if (req.cseq?.seq !== this.request.cseq?.seq) return; // the ACK of a re-INVITE's 2xx
    this.stopTimers();
    if (this.state === 'setup' && this.finalSent) {
      // late offer (INVITE without SDP): our offer went in the 200, their answer comes in the ACK (§13.2.1)
      if (req.body.length > 0 && this.remoteSdp === undefined) this.remoteSdp = req.body;
      this.markEstablished();
      this.ackWaiters?.resolve();
      this.ackWaiters = undefined;
    }
  }

  /** The INVITE's server transaction could not send (peer gone). */
  handleTransportError(): void {
    this.finish('transport-error');
  }

  private onAckTimeout(): void {
    this.stopTimers();
    if (this.state !== 'setup') return;
    // §13.3.1.4: no ACK — tear the dialog down with BYE
    void this.requestInDialog('BYE');
    this.finish('no-ack');
  }

  private stopTimers(): void {
    if (this.retransmitTimer) clearTimeout(this.retransmitTimer);
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.retransmitTimer = undefined;
    this.ackTimer = undefined;
  }

  protected override cleanup(): void {
    super.cleanup();
    this.stopTimers();
    if (!this.finalSent) {
      // ended before any final answer (a BYE on the early dialog, §15.1.2):
      // the INVITE still gets one, or its transaction would wait forever
      this.finalSent = true;
      this.txn.respond(this.build(487));
    }
    if (this.ackWaiters !== undefined) {
      this.ackWaiters.reject(new Error(this.endReason === 'no-ack' ? 'SIP_NO_ACK' : 'SIP_CALL_ENDED'));
      this.ackWaiters = undefined;
    }
  }
}
