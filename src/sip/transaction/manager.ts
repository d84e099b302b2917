/**
 * The transaction layer (RFC 3261 §17): owns every live transaction, matches
 * incoming requests and responses to them, creates server transactions for
 * new requests, and tells the TU about the rest.
 *
 *   transport --receiveRequest-->  [server map] --new--> onRequest(req, txn, source)
 *                                       |  ACK for 2xx --> onRequest(ack, undefined, source)
 *                                       +-- retransmission: absorbed by the transaction
 *   transport --receiveResponse--> [client map] --match--> txn.receiveResponse
 *                                       +-- no match --> onStray(res, source)
 *   TU --createClientTransaction--> ICT / NICT (request sent at once)
 */
import type { CSeq, SipRequest, SipResponse, Via } from '../message/index.js';
import type { Destination, SendFn } from '../transport/types.js';
import { InviteClientTransaction } from './client-invite.js';
import { NonInviteClientTransaction } from './client-non-invite.js';
import { detach } from '../message/serializer.js';
import { clientKey, hasCookie, responseDestination, serverKey } from './matching.js';
import { InviteServerTransaction } from './server-invite.js';
import { NonInviteServerTransaction } from './server-non-invite.js';
import { resolveTimers, type TimerConfig } from './timers.js';
import {
  SILENT_LOGGER,
  type ClientTransactionHandlers,
  type Counters,
  type TransactionContext,
  type TransactionKind,
  type TransactionLogger,
  type TransactionRef,
  type TransactionStats,
} from './types.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface TransactionLayerOptions {
  send: SendFn;
  timers?: Partial<TimerConfig>;
  /**
   * A new request with its new server transaction; ACKs that are not absorbed
   * by an INVITE server transaction (ACKs for 2xx) come with `txn` undefined.
   */
  onRequest: (req: SipRequest, txn: ServerTransaction | undefined, source: Destination) => void;
  /** A response no client transaction matches (e.g. a 2xx retransmitted after Timer M). */
  onStray: (res: SipResponse, source: Destination) => void;
  logger?: TransactionLogger;
}

export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly live: Record<TransactionKind, number> = { ict: 0, nict: 0, ist: 0, nist: 0 };
  private readonly counters: Counters = { retransmissions: 0, strays: 0, dropped: 0, absorbed: 0 };
  private readonly ctx: TransactionContext;
  private readonly onRequest: TransactionLayerOptions['onRequest'];
  private readonly onStray: TransactionLayerOptions['onStray'];
  private readonly logger: TransactionLogger;
  private closing = false;
  private drainWaiters: (() => void)[] = [];

  constructor(options: TransactionLayerOptions) {
    this.onRequest = options.onRequest;
    this.onStray = options.onStray;
    this.logger = options.logger ?? SILENT_LOGGER;
    const logger = this.logger;
    this.ctx = {
      send: options.send,
      config: resolveTimers(options.timers),
      logger,
      counters: this.counters,
      removed: (txn) => this.removed(txn),
      tuError: (txn, error) => logger.error({ txn: txn.id, kind: txn.kind, err: error }, 'SIP transaction user callback threw'),
    };
  }

  get timers(): Readonly<TimerConfig> {
    return this.ctx.config;
  }

  /** True after `shutdown()`: the TU should refuse new requests (e.g. 503 with Retry-After). */
  get shuttingDown(): boolean {
    return this.closing;
  }

  /** Number of live transactions of every kind. */
  get size(): number {
    return this.clients.size + this.servers.size;
  }

  receiveRequest(req: SipRequest, source: Destination): void {
    const via = req.topVia;
    const cseq = req.cseq;
    if (via === undefined || cseq === undefined) {
      this.counters.dropped++;
      this.logger.debug({ method: req.method, callId: req.callId }, 'SIP request without usable Via/CSeq dropped by transaction layer');
      return;
    }
    const method = req.method;
    if (method === 'ACK') {
      const ist = this.matchAck(req, via, cseq);
      if (ist !== undefined && !ist.receiveAck(req)) {
        this.counters.absorbed++;
        return;
      }
      this.deliverRequest(req, undefined, source);
      return;
    }
    const key = serverKey(req, via, cseq, method, req.toTag);
    const existing = this.servers.get(key);
    if (existing !== undefined) {
      this.counters.absorbed++;
      existing.receiveRequest(req);
      return;
    }
    const dest = responseDestination(via, source);
    // the key is built from substrings of the message text: detached, it does
    // not keep that text alive for the transaction's 32 s
    const id = detach(key);
    const txn =
      method === 'INVITE'
        ? new InviteServerTransaction(id, req, source, dest, this.ctx)
        : new NonInviteServerTransaction(id, req, source, dest, this.ctx);
    this.servers.set(id, txn);
    this.live[txn.kind]++;
    txn.start();
    this.deliverRequest(req, txn, source);
  }

  /** The INVITE server transaction a CANCEL targets (§9.2), if it is still live. */
  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    const via = cancel.topVia;
    const cseq = cancel.cseq;
    if (via === undefined || cseq === undefined) return undefined;
    const txn = this.servers.get(serverKey(cancel, via, cseq, 'INVITE', cancel.toTag));
    return txn instanceof InviteServerTransaction ? txn : undefined;
  }

  receiveResponse(res: SipResponse, source: Destination): void {
    const branch = res.topVia?.params.get('branch');
    const cseq = res.cseq;
    if (typeof branch !== 'string' || branch.length === 0 || cseq === undefined) {
      this.counters.dropped++;
      this.logger.debug({ status: res.status, callId: res.callId }, 'SIP response without Via branch or valid CSeq dropped');
      return;
    }
    const txn = this.clients.get(clientKey(branch, cseq.method));
    if (txn !== undefined) {
      txn.receiveResponse(res);
      return;
    }
    this.counters.strays++;
    try {
      this.onStray(res, source);
    } catch (e) {
      this.logger.error({ err: e, status: res.status }, 'SIP onStray threw');
    }
  }

  /**
   * Start a client transaction for `req` (which already carries its top Via
   * with a fresh `newBranch()`); the request is sent at once. Throws for ACK
   * (never a transaction), a missing/RFC 2543 branch, a bad CSeq or a branch
   * already in use.
   */
  createClientTransaction(req: SipRequest, dest: Destination, handlers: ClientTransactionHandlers): ClientTransaction {
    if (req.method === 'ACK') throw new Error('ACK is sent outside client transactions (RFC 3261 §17.1.1.3, §13.2.2.4)');
    const branch = req.topVia?.params.get('branch');
    if (!hasCookie(branch)) throw new Error('Client request needs a top Via with an RFC 3261 branch (newBranch())');
    if (req.cseq === undefined) throw new Error('Client request needs a valid CSeq');
    const key = clientKey(branch, req.method);
    if (this.clients.has(key)) throw new Error(`A client transaction with branch ${branch} and method ${req.method} exists`);
    const id = detach(key);
    const txn =
      req.method === 'INVITE'
        ? new InviteClientTransaction(id, req, dest, handlers, this.ctx)
        : new NonInviteClientTransaction(id, req, dest, handlers, this.ctx);
    this.clients.set(id, txn);
    this.live[txn.kind]++;
    txn.start();
    return txn;
  }

  stats(): TransactionStats {
    return { live: { ...this.live }, ...this.counters };
  }

  /** Flag the layer as closing (see `shuttingDown`); transactions run on normally. */
  shutdown(): void {
    this.closing = true;
  }

  /**
   * Resolves once every transaction has terminated. After `timeoutMs` the
   * ones still live are aborted (timers cleared, `onTerminated` only) and it resolves.
   */
  drain(timeoutMs: number = 64 * this.ctx.config.T1): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        // what is left only absorbs retransmissions (Timers D, I, J, K, L, M): end it now
        for (const txn of [...this.clients.values(), ...this.servers.values()]) txn.abort();
        resolve();
      };
      const timer = setTimeout(() => {
        this.logger.warn({ live: this.unsettled() }, 'SIP transaction drain timed out; aborting live transactions');
        finish();
      }, timeoutMs);
      const poll = setInterval(() => {
        if (this.unsettled() === 0) finish();
      }, 20);
      this.drainWaiters.push(finish);
    });
  }

  /**
   * Transactions that still have work to do for their peer: no final response
   * yet, or (IST) a non-2xx final still being retransmitted until its ACK.
   */
  private unsettled(): number {
    let n = 0;
    for (const txn of this.clients.values()) if (txn.state === 'calling' || txn.state === 'trying' || txn.state === 'proceeding') n++;
    for (const txn of this.servers.values()) if (txn.state === 'trying' || txn.state === 'proceeding' || (txn.kind === 'ist' && txn.state === 'completed')) n++;
    return n;
  }

  private matchAck(ack: SipRequest, via: Via, cseq: CSeq): InviteServerTransaction | undefined {
    if (hasCookie(via.params.get('branch'))) {
      const txn = this.servers.get(serverKey(ack, via, cseq, 'INVITE', undefined));
      return txn instanceof InviteServerTransaction ? txn : undefined;
    }
    // RFC 2543: the ACK's To tag is the one of our response; the INVITE had it
    // only if it was sent within a dialog (§17.2.3).
    const toTag = ack.toTag;
    let txn = toTag === undefined ? undefined : this.servers.get(serverKey(ack, via, cseq, 'INVITE', toTag));
    txn ??= this.servers.get(serverKey(ack, via, cseq, 'INVITE', undefined));
    return txn instanceof InviteServerTransaction && txn.finalToTag === toTag ? txn : undefined;
  }

  private deliverRequest(req: SipRequest, txn: ServerTransaction | undefined, source: Destination): void {
    try {
      this.onRequest(req, txn, source);
    } catch (e) {
      this.logger.error({ err: e, method: req.method, callId: req.callId }, 'SIP onRequest threw');
    }
  }

  private removed(txn: TransactionRef): void {
    const map: Map<string, ClientTransaction | ServerTransaction> =
      txn.kind === 'ict' || txn.kind === 'nict' ? this.clients : this.servers;
    if (map.get(txn.id) !== txn) return;
    map.delete(txn.id);
    this.live[txn.kind]--;
    if (this.size === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}
