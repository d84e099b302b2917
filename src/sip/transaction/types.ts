/**
 * Types shared by the transaction classes and the layer that owns them.
 */
import type { SipResponse } from '../message/index.js';
import type { SendFn } from '../transport/types.js';
import type { TimerConfig } from './timers.js';

export type TransactionKind = 'ict' | 'nict' | 'ist' | 'nist';

/** The subset of a pino logger the layer uses. */
export interface TransactionLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;
export const SILENT_LOGGER: TransactionLogger = { debug: noop, warn: noop, error: noop };

/** The transaction user of a client transaction (RFC 3261 §17.1). */
export interface ClientTransactionHandlers {
  /** Every response the TU must see: provisional, the first final, and (ICT) every 2xx. */
  onResponse(response: SipResponse): void;
  /**
   * Timer B (ICT) or F (NICT) fired without a final response. `response` is a
   * 408 synthesised from the request (RFC 3261 §8.1.3.1); handlers may ignore it.
   */
  onTimeout(response: SipResponse): void;
  /** The request, an ACK or a retransmission could not be sent (§17.1.4); the transaction is terminated. */
  onTransportError(error: Error): void;
  /** The transaction reached "terminated" (for whatever reason). */
  onTerminated?(): void;
}

/** Optional callbacks a TU may set on a server transaction (`txn.user = {...}`). */
export interface ServerTransactionUser {
  /** IST only: Timer H fired, the ACK for a 300–699 response never came (§17.2.1). */
  onTimeout?(): void;
  /** A response could not be sent (§17.2.4); the transaction is terminated. */
  onTransportError?(error: Error): void;
  onTerminated?(): void;
}

export interface TransactionStats {
  /** Live (not yet terminated) transactions by kind. */
  live: Record<TransactionKind, number>;
  /** Requests, responses and ACKs sent again (timers A, E, G and replies to retransmissions). */
  retransmissions: number;
  /** Responses matching no client transaction, handed to `onStray`. */
  strays: number;
  /** Messages dropped because they cannot be matched (no Via branch, bad CSeq, no Via). */
  dropped: number;
  /** Requests consumed by an existing server transaction (retransmissions, ACKs of non-2xx). */
  absorbed: number;
}

export interface Counters {
  retransmissions: number;
  strays: number;
  dropped: number;
  absorbed: number;
}

/** Minimal view of a transaction that the layer needs when it terminates. */
export interface TransactionRef {
  readonly id: string;
  readonly kind: TransactionKind;
}

/** What every transaction gets from its layer: one object shared by all of them. */
export interface TransactionContext {
  readonly send: SendFn;
  readonly config: TimerConfig;
  readonly logger: TransactionLogger;
  readonly counters: Counters;
  /** Called exactly once when a transaction terminates. */
  removed(txn: TransactionRef): void;
  /** A TU callback threw: log it, the transaction carries on. */
  tuError(txn: TransactionRef, error: unknown): void;
}
