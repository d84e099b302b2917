/**
 * An INVITE we send (UAC, RFC 3261 §13.2): to an agent's phone or a trunk.
 * Provisional responses are reported, 2xx is ACKed end to end (and every
 * retransmitted 2xx ACKed again), a 401/407 is answered once with digest
 * credentials when we have them, and `cancel()` follows §9.1 (a CANCEL only
 * after a provisional response has arrived).
 *
 *   setup ──2xx──▶ established ──BYE──▶ ended
 *     │ 3xx–6xx / Timer B / CANCEL→487     ▲
 *     └────────────────────────────────────┘
 */
import { SipRequest, type SipResponse } from '../message/message.js';
import { newBranch, randomToken } from '../message/build.js';
import { formatNameAddr, type NameAddr } from '../message/headers.js';
import { formatUri, type SipUri } from '../message/uri.js';
import { Dialog } from '../dialog/dialog.js';
import { Session, type EndReason, type SessionEvents } from './session.js';
import type { UaContext } from './context.js';
import { isReliable, type Destination } from '../transport/types.js';
import { digestAuthorization } from './client-auth.js';

export type OutgoingCallEvents = SessionEvents & {
  progress: [res: SipResponse];
};

export interface OutgoingCallOptions {
  /** Request-URI. */
  target: SipUri;
  /** Where to send it (a registered contact's flow, or the resolved target). */
  destination: Destination;
  from: NameAddr;
  /** To header; defaults to the target. */
  to?: NameAddr;
  sdp?: Buffer;
  headers?: Record<string, string>;
  /** Digest credentials for trunks that challenge. */
  credentials?: { username: string; password: string };
  /** User part of our Contact. */
  contactUser?: string;
  /**
   * `destination` is where the peer's own packets come from (a registration's
   * source): send every in-dialog request there too, not to its Contact.
   */
  symmetric?: boolean;
}

export class OutgoingCall extends Session<OutgoingCallEvents> {
  readonly request: SipRequest;
  readonly destinationHop: Destination;
  private provisionalSeen = false;
  private cancelRequested = false;
  private cancelSent = false;
  private authTried = false;
  private readonly contact: string;

  constructor(
    ctx: UaContext,
    private readonly opts: OutgoingCallOptions,
  ) {
    super(ctx);
    this.destinationHop = opts.destination;
    this.contact = ctx.contactFor(opts.destination.protocol, opts.contactUser);
    // In-dialog requests (ACK, BYE, re-INVITE) go where the INVITE went when the
    // destination is a flow: a connection, or a registered phone's REGISTER source,
    // which reaches it behind NAT where the Contact in its 2xx (a private address)
    // would not. Otherwise (trunks) the remote target from the 2xx is used (§12.2.1.1).
    if (opts.symmetric === true || isReliable(opts.destination.protocol) || opts.destination.connectionId !== undefined)
      this.flow = opts.destination;
    const from: NameAddr = { ...opts.from, params: new Map(opts.from.params) };
    from.params.set('tag', randomToken(6));
    const req = new SipRequest('INVITE', formatUri(opts.target));
    req.append('via', ctx.viaFor(opts.destination.protocol, newBranch()));
    req.append('max-forwards', '70');
    req.append('from', formatNameAddr(from));
    req.append('to', formatNameAddr(opts.to ?? { uri: opts.target, params: new Map() }));
    req.append('call-id', `${randomToken(12)}`);
    req.append('cseq', '1 INVITE');
    req.append('contact', this.contact);
    req.append('allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE');
    for (const [k, v] of Object.entries(opts.headers ?? {})) req.set(k, v);
    if (opts.sdp !== undefined) {
      req.set('content-type', 'application/sdp');
      req.body = opts.sdp;
      this.localSdp = opts.sdp;
    }
    this.request = req;
  }

  /** Send the INVITE. */
  start(): this {
    this.send(this.request);
    return this;
  }

  private current: SipRequest | undefined;
  private transaction: { abort(): void } | undefined;
  private cancelTimer: NodeJS.Timeout | undefined;

  private send(req: SipRequest): void {
    this.current = req;
    // §9.1: a CANCEL waits for a provisional response to *this* INVITE
    this.provisionalSeen = false;
    this.transaction = this.ctx.invite(req, this.destinationHop, {
      onResponse: (res) => this.onResponse(req, res),
      onTimeout: () => this.finish('timeout', { status: 408 }),
      onTransportError: () => this.finish('transport-error', { status: 503 }),
    });
  }

  async terminate(reason: EndReason): Promise<void> {
    if (this.state === 'established') await this.bye(reason);
    else if (this.state === 'setup') this.cancel();
  }

  /** Give up before answer (ring timeout, caller hung up). */
  cancel(): void {
    if (this.state !== 'setup' || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.provisionalSeen) this.sendCancel();
  }

  private sendCancel(): void {
    const invite = this.current;
    // one CANCEL (and one give-up timer) however many provisionals follow
    if (invite === undefined || this.cancelSent) return;
    this.cancelSent = true;
    // §9.1: same Request-URI, Call-ID, To, From, CSeq number and top Via as the INVITE
    const cancel = new SipRequest('CANCEL', invite.uriText);
    cancel.append('via', invite.getAll('via')[0] ?? '');
    cancel.append('max-forwards', '70');
    for (const name of ['from', 'to', 'call-id', 'route'] as const) for (const v of invite.getAll(name)) cancel.append(name, v);
    cancel.append('cseq', `${invite.cseq?.seq ?? 1} CANCEL`);
    void this.ctx.request(cancel, this.destinationHop);
    // §9.1: no final response 64·T1 after the CANCEL → give up on the INVITE transaction
    this.cancelTimer = setTimeout(() => {
      this.transaction?.abort();
      this.finish('cancelled', { status: 487 });
    }, 64 * this.ctx.timers.T1);
  }

  protected override cleanup(): void {
    super.cleanup();
    if (this.cancelTimer) clearTimeout(this.cancelTimer);
    this.cancelTimer = undefined;
  }

  private onResponse(req: SipRequest, res: SipResponse): void {
    if (res.status < 200) {
      if (res.status > 100) {
        this.provisionalSeen = true;
        if (this.dialog === undefined && res.toTag !== undefined) this.adoptDialog(req, res);
        this.emitLoose('progress', res);
      } else this.provisionalSeen = true;
      if (this.cancelRequested) this.sendCancel();
      return;
    }
    if (res.status < 300) {
      this.on2xx(req, res);
      return;
    }
    // a cancelled call is not placed again with credentials
    if ((res.status === 401 || res.status === 407) && !this.authTried && !this.cancelRequested && this.opts.credentials !== undefined) {
      const retry = this.withCredentials(req, res);
      if (retry !== undefined) {
        this.authTried = true;
        this.send(retry);
        return;
      }
    }
    if (this.state === 'setup') this.finish(this.cancelRequested && res.status === 487 ? 'cancelled' : 'rejected', { status: res.status, reason: res.reason });
  }

  private adoptDialog(req: SipRequest, res: SipResponse): void {
    const d = Dialog.fromOutgoing(req, res, this.contact);
    if (d === undefined) return;
    this.dialog = d;
    this.ctx.rememberDialog(d.id, this);
  }

  private on2xx(req: SipRequest, res: SipResponse): void {
    const remoteTag = res.toTag;
    if (this.dialog !== undefined && remoteTag !== undefined && this.dialog.remoteTag !== remoteTag && this.state !== 'setup') {
      // §13.2.2.4: a 2xx from another fork: ACK it and hang that one up
      void this.ackAndByeFork(req, res);
      return;
    }
    if (this.dialog === undefined || this.dialog.remoteTag !== remoteTag) {
      if (this.dialog !== undefined) this.ctx.forgetDialog(this.dialog.id);
      this.dialog = undefined;
      this.adoptDialog(req, res);
    }
    const dialog = this.dialog;
    if (dialog === undefined) return;
    if (dialog.state === 'early') dialog.transition('confirmed');
    dialog.refreshTarget(res);
    if (res.body.length > 0) this.remoteSdp = res.body;
    this.sendAck(req);
    if (this.state === 'setup') {
      this.markEstablished();
      // answered after we asked to cancel: hang up at once (§9.1 race)
      if (this.cancelRequested) void this.bye('cancelled');
    }
  }

  private sendAck(req: SipRequest): void {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    void this.destination().then(
      (dest) => {
        const ack = dialog.createRequest('ACK', (b) => this.ctx.viaFor(dest.protocol, b), req.cseq?.seq);
        if (req.body.length > 0 && this.localSdp === undefined) ack.body = req.body;
        this.ctx.sendStateless(ack, dest);
      },
      () => undefined,
    );
  }

  private async ackAndByeFork(req: SipRequest, res: SipResponse): Promise<void> {
    const d = Dialog.fromOutgoing(req, res, this.contact);
    if (d === undefined) return;
    const dest = await this.ctx.resolve(d.remoteTarget).catch(() => undefined);
    if (dest === undefined) return;
    this.ctx.sendStateless(d.createRequest('ACK', (b) => this.ctx.viaFor(dest.protocol, b), req.cseq?.seq), dest);
    void this.ctx.request(d.createRequest('BYE', (b) => this.ctx.viaFor(dest.protocol, b)), dest);
  }

  /** A retransmitted 2xx after the transaction ended: ACK again (RFC 6026 §8.1 leaves it to the TU). */
  override handleStray2xx(res: SipResponse): void {
    if (this.current !== undefined && res.cseq?.seq === this.current.cseq?.seq) {
      if (this.dialog?.remoteTag === res.toTag) this.sendAck(this.current);
    } else super.handleStray2xx(res);
  }

  private withCredentials(req: SipRequest, res: SipResponse): SipRequest | undefined {
    const creds = this.opts.credentials;
    if (creds === undefined) return undefined;
    const proxy = res.status === 407;
    const challenge = res.get(proxy ? 'proxy-authenticate' : 'www-authenticate');
    if (challenge === undefined) return undefined;
    const header = digestAuthorization(challenge, { ...creds, method: 'INVITE', uri: req.uriText });
    if (header === undefined) return undefined;
    const retry = new SipRequest('INVITE', req.uriText);
    retry.headers = req.headers.map((h) => ({ ...h }));
    retry.body = req.body;
    retry.removeFirst('via');
    retry.prepend('via', this.ctx.viaFor(this.destinationHop.protocol, newBranch()));
    retry.set('cseq', `${(req.cseq?.seq ?? 1) + 1} INVITE`);
    retry.set(proxy ? 'proxy-authorization' : 'authorization', header);
    return retry;
  }
}
