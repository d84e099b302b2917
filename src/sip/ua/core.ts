/**
 * The user-agent core (RFC 3261 §8, §12, §13): sits on the transaction layer,
 * keeps the dialog table, routes each request to the session it belongs to or
 * to the application, and answers what the application does not handle
 * (OPTIONS, 481, 405, 501, 420, 415). The application never touches
 * transactions: it gets IncomingCall objects and places OutgoingCalls.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { SipRequest, SipResponse, type SipMessage } from '../message/message.js';
import { createResponse } from '../message/build.js';
import { detach } from '../message/serializer.js';
import { bareHost, type SipUri } from '../message/uri.js';
import { dialogId } from '../dialog/dialog.js';
import { TransactionLayer } from '../transaction/manager.js';
import type { ServerTransaction } from '../transaction/manager.js';
import type { TransportLayer } from '../transport/layer.js';
import { TransportError, type Destination, type TransportProtocol } from '../transport/types.js';
import type { ClientTxnHandlers, RequestResult, UaContext, UaTimers } from './context.js';
import { IncomingCall } from './incoming-call.js';
import { OutgoingCall, type OutgoingCallOptions } from './outgoing-call.js';
import type { Session } from './session.js';
import { TypedEmitter } from './typed-emitter.js';

/** Methods accepted outside a dialog (MESSAGE is taken only inside one). */
export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE, REGISTER';
const KNOWN_METHODS = new Set(ALLOW.split(', ').concat(['PRACK', 'SUBSCRIBE', 'PUBLISH', 'MESSAGE']));
/** Option tags we implement (Require checks, §8.2.2.3). */
const SUPPORTED_EXTENSIONS = new Set<string>(['path', 'outbound']);

export interface UaHandlers {
  /** A new INVITE outside any dialog. The handler must answer or reject it (or let CANCEL end it). */
  onInvite(call: IncomingCall): void;
  /** REGISTER; without a handler the core answers 405. */
  onRegister?(req: SipRequest, source: Destination): Promise<SipResponse>;
}

export interface UaCoreOptions {
  transports: TransportLayer;
  handlers: UaHandlers;
  userAgent: string;
  timers?: Partial<UaTimers & { T4: number }>;
  logger?: Logger;
}

export type UaCoreEvents = {
  /** A new incoming call, before the application handler sees it (observers: CTI, tests). */
  incoming: [call: IncomingCall];
  /** A call this server placed. */
  outgoing: [call: OutgoingCall];
};

export class UserAgentCore extends TypedEmitter<UaCoreEvents> implements UaContext {
  readonly transactions: TransactionLayer;
  readonly timers: UaTimers;
  readonly logger: Logger | undefined;
  private readonly dialogs = new Map<string, Session>();
  /** Every session not yet ended, with or without a dialog. */
  private readonly live = new Set<Session>();
  private readonly pending = new Map<ServerTransaction, IncomingCall>();
  /**
   * INVITEs being handled or recently ended, by Call-ID, From-tag and CSeq
   * (merged-request detection, §8.2.2.2), with the time the key expires.
   */
  private readonly inviteKeys = new Map<string, number>();
  private lastSweep = 0;
  private accepting = true;

  constructor(private readonly opts: UaCoreOptions) {
    super();
    this.logger = opts.logger;
    this.timers = { T1: opts.timers?.T1 ?? 500, T2: opts.timers?.T2 ?? 4000 };
    this.transactions = new TransactionLayer({
      send: (m, d) => opts.transports.send(m, d),
      timers: { T1: this.timers.T1, T2: this.timers.T2, T4: opts.timers?.T4 ?? 5000 },
      onRequest: (req, txn, source) => this.onRequest(req, txn, source),
      onStray: (res) => this.onStray(res),
      logger: opts.logger,
    });
  }

  /** Entry point from the transport layer. */
  receive(message: SipMessage, source: Destination): void {
    if (message instanceof SipRequest) this.transactions.receiveRequest(message, source);
    else if (message instanceof SipResponse) this.transactions.receiveResponse(message, source);
  }

  /** Sessions not yet ended (calls ringing, up, or being torn down). */
  get sessionCount(): number {
    return this.live.size;
  }

  /** Stop taking new calls (INVITE → 503); in-dialog traffic goes on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** End every session: unanswered calls get 503, answered ones BYE, our own unanswered ones CANCEL. */
  async endAll(): Promise<void> {
    await Promise.allSettled([...this.live].map((s) => s.terminate('shutdown')));
  }

  /** Place a call. */
  call(opts: OutgoingCallOptions): OutgoingCall {
    const call = new OutgoingCall(this, opts);
    this.track(call);
    this.emit('outgoing', call);
    return call.start();
  }

  private track(session: Session): void {
    this.live.add(session);
    session.on('ended', () => this.live.delete(session));
  }

  // ── UaContext ────────────────────────────────────────────────────────────

  viaFor(protocol: TransportProtocol, branch: string): string {
    return this.opts.transports.viaFor(protocol, branch);
  }

  contactFor(protocol: TransportProtocol, user?: string): string {
    return `<${this.opts.transports.contactUri(protocol, user)}>`;
  }

  async resolve(uri: SipUri | undefined): Promise<Destination> {
    if (uri === undefined || uri.opaque !== undefined) throw new TransportError('no routable URI');
    const transport = (uri.params.get('transport') ?? '').toLowerCase();
    const protocol: TransportProtocol = transport === 'tcp' ? 'TCP' : transport === 'ws' ? 'WS' : transport === 'wss' ? 'WSS' : 'UDP';
    if (protocol === 'WS' || protocol === 'WSS') throw new TransportError('a WebSocket peer is reachable only over its own connection');
    const host = bareHost(uri.params.get('maddr') ?? uri.host);
    const address = isIP(host) !== 0 ? host : (await lookup(host)).address;
    return { protocol, address, port: uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060) };
  }

  request(req: SipRequest, dest: Destination, onProvisional?: (res: SipResponse) => void): Promise<RequestResult> {
    return new Promise((resolve) => {
      let final = false;
      const handlers: ClientTxnHandlers = {
        onResponse: (res) => {
          if (res.status < 200) onProvisional?.(res);
          else if (!final) {
            final = true;
            resolve({ response: res });
          } else if (res.status < 300) this.onStray(res); // a re-INVITE's 2xx again: its session ACKs again
        },
        onTimeout: () => resolve({ failure: 'timeout' }),
        onTransportError: () => resolve({ failure: 'transport-error' }),
      };
      this.transactions.createClientTransaction(req, dest, handlers);
    });
  }

  invite(req: SipRequest, dest: Destination, handlers: ClientTxnHandlers): { abort(): void } {
    return this.transactions.createClientTransaction(req, dest, handlers);
  }

  sendStateless(message: SipRequest | SipResponse, dest: Destination): void {
    this.opts.transports.send(message, dest).catch(() => undefined);
  }

  rememberDialog(key: string, session: unknown): void {
    this.dialogs.set(key, session as Session);
  }

  forgetDialog(key: string): void {
    this.dialogs.delete(key);
  }

  optionsResponse(req: SipRequest): SipResponse {
    const res = createResponse(req, 200);
    res.append('allow', ALLOW);
    res.append('accept', 'application/sdp');
    res.append('supported', [...SUPPORTED_EXTENSIONS].join(', '));
    res.append('user-agent', this.opts.userAgent);
    return res;
  }

  // ── dispatch ─────────────────────────────────────────────────────────────

  private onRequest(req: SipRequest, txn: ServerTransaction | undefined, source: Destination): void {
    try {
      this.dispatch(req, txn, source);
    } catch (err) {
      this.logger?.error({ err, callId: req.callId, method: req.method }, 'SIP request handler failed');
      if (txn !== undefined && req.method !== 'ACK') txn.respond(createResponse(req, 500));
    }
  }

  private dispatch(req: SipRequest, txn: ServerTransaction | undefined, source: Destination): void {
    const toTag = req.toTag;
    const fromTag = req.fromTag ?? '';
    if (req.method === 'ACK') {
      // ACK for a 2xx: its own transaction-less request, matched by dialog
      if (toTag !== undefined) this.dialogs.get(dialogId(req.callId, toTag, fromTag))?.handleAck(req);
      return;
    }
    if (txn === undefined) return;
    if (req.method === 'CANCEL') {
      this.onCancel(req, txn);
      return;
    }
    if (toTag !== undefined) {
      const session = this.dialogs.get(dialogId(req.callId, toTag, fromTag));
      if (session === undefined) txn.respond(createResponse(req, 481));
      else session.handleRequest(req, txn);
      return;
    }
    const unsupported = req
      .getAll('require')
      .map((t) => t.trim())
      .filter((t) => t.length > 0 && !SUPPORTED_EXTENSIONS.has(t.toLowerCase()));
    if (unsupported.length > 0) {
      const res = createResponse(req, 420);
      res.append('unsupported', unsupported.join(', '));
      txn.respond(res);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        this.onInvite(req, txn, source);
        return;
      case 'OPTIONS':
        txn.respond(this.optionsResponse(req));
        return;
      case 'REGISTER':
        this.onRegister(req, txn, source);
        return;
      case 'BYE':
      case 'INFO':
      case 'UPDATE':
      case 'PRACK':
        txn.respond(createResponse(req, 481));
        return;
      default: {
        const res = createResponse(req, KNOWN_METHODS.has(req.method) ? 405 : 501);
        res.append('allow', ALLOW);
        txn.respond(res);
      }
    }
  }

  private onInvite(req: SipRequest, txn: ServerTransaction, source: Destination): void {
    if (!this.accepting) {
      const res = createResponse(req, 503, 'Service Unavailable (shutting down)');
      res.append('retry-after', '30');
      txn.respond(res);
      return;
    }
    const type = (req.contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (req.body.length > 0 && type !== 'application/sdp') {
      const res = createResponse(req, 415);
      res.append('accept', 'application/sdp');
      txn.respond(res);
      return;
    }
    const accept = req.getAll('accept');
    if (accept.length > 0 && !accept.some((a) => /^(application\/sdp|application\/\*|\*\/\*)\s*(;|$)/i.test(a.trim()))) {
      const res = createResponse(req, 406);
      res.append('accept', 'application/sdp');
      txn.respond(res);
      return;
    }
    // §8.2.2.2: the same INVITE again (a fork that looped back, or a retransmission
    // arriving after its transaction ended) must not become a second call
    // detached: a key built from substrings would keep the whole INVITE text alive
    const key = detach(`${req.callId}\u0000${req.fromTag ?? ''}\u0000${req.cseq?.seq ?? 0}`);
    const until = this.inviteKeys.get(key);
    if (until !== undefined && until > Date.now()) {
      txn.respond(createResponse(req, 482));
      return;
    }
    this.inviteKeys.set(key, Number.POSITIVE_INFINITY);
    this.sweepInviteKeys();
    const call = new IncomingCall(this, req, source, txn);
    this.track(call);
    this.pending.set(txn, call);
    call.on('ended', () => {
      this.pending.delete(txn);
      // the transaction lives on for Timer L; it must not keep the ended call alive
      txn.user = {};
      // keep the key a while: late retransmissions of this INVITE are still duplicates
      this.inviteKeys.set(key, Date.now() + 64 * this.timers.T1);
    });
    call.on('established', () => this.pending.delete(txn));
    txn.user = {
      onTransportError: () => call.handleTransportError(),
      onTimeout: () => call.handleTransportError(),
    };
    try {
      this.emit('incoming', call);
      this.opts.handlers.onInvite(call);
    } catch (err) {
      // answer 500 through the call itself, so it ends and leaves no session,
      // dialog or merged-request key behind (a no-op if the handler had answered)
      this.logger?.error({ err, callId: req.callId }, 'INVITE handler failed');
      call.reject(500);
    }
  }

  /** Drop expired merged-request keys, at most once a second (Map order = insertion order). */
  private sweepInviteKeys(): void {
    const now = Date.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, until] of this.inviteKeys) if (until <= now) this.inviteKeys.delete(key);
  }

  private onCancel(req: SipRequest, txn: ServerTransaction): void {
    const ist = this.transactions.findInviteForCancel(req);
    if (ist === undefined) {
      txn.respond(createResponse(req, 481));
      return;
    }
    txn.respond(createResponse(req, 200));
    this.pending.get(ist)?.handleCancel();
  }

  private onRegister(req: SipRequest, txn: ServerTransaction, source: Destination): void {
    const handlers = this.opts.handlers;
    if (handlers.onRegister === undefined) {
      const res = createResponse(req, 405);
      res.append('allow', ALLOW);
      txn.respond(res);
      return;
    }
    handlers.onRegister(req, source).then(
      (res) => txn.respond(res),
      (err: unknown) => {
        this.logger?.error({ err, callId: req.callId }, 'registrar failed');
        txn.respond(createResponse(req, 500));
      },
    );
  }

  private onStray(res: SipResponse): void {
    if (res.status < 200 || res.status >= 300 || res.cseq?.method !== 'INVITE') return;
    const key = dialogId(res.callId, res.fromTag ?? '', res.toTag ?? '');
    this.dialogs.get(key)?.handleStray2xx(res);
  }
}
