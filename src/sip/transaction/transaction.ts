/**
 * What every transaction kind shares: identity, state, guarded sends (a
 * rejected send becomes a transport error, never an unhandled rejection) and
 * one-shot termination that clears timers and leaves the layer's maps.
 */
import { SipRequest, type SipMessage } from '../message/index.js';
import { detach } from '../message/serializer.js';
import { TransportError, isReliable, type Destination } from '../transport/types.js';
import type { TransactionContext, TransactionKind, TransactionRef } from './types.js';

export function toError(e: unknown): Error {
  return e instanceof Error ? e : new TransportError(String(e));
}

export abstract class Transaction<S extends string> implements TransactionRef {
  abstract readonly kind: TransactionKind;
  protected current: S;
  private done = false;
  /** True for TCP, WS and WSS: no retransmission timers, zero wait timers. */
  readonly reliable: boolean;

  protected constructor(
    /** The key under which the layer stores this transaction. */
    readonly id: string,
    /** The request that created the transaction. */
    request: SipRequest,
    /** Where this transaction's messages go (requests for a client, responses for a server). */
    readonly destination: Destination,
    protected readonly ctx: TransactionContext,
    initial: S,
  ) {
    this.current = initial;
    this._request = request;
    this.reliable = isReliable(destination.protocol);
  }

  private _request: SipRequest;

  /** The request that created the transaction (a stub of it once released). */
  get request(): SipRequest {
    return this._request;
  }

  /**
   * Drop the parsed request once the transaction will never read it again
   * (a server transaction after its final response): the TU may long be done
   * with it while the transaction lives on for 32 s absorbing retransmissions.
   */
  protected releaseRequest(): void {
    this._request = new SipRequest(detach(this._request.method), detach(this._request.uriText));
  }

  get state(): S {
    return this.current;
  }

  get isTerminated(): boolean {
    return this.done;
  }

  /**
   * Terminate now: timers cleared, the layer forgets the transaction, the TU
   * hears `onTerminated` only. For RFC 3261 §9.1 (no final response 64*T1
   * after a CANCEL) and for forced shutdown.
   */
  abstract abort(): void;

  protected abstract clearTimers(): void;
  protected abstract notifyTransportError(error: Error): void;
  protected abstract notifyTerminated(): void;

  protected transmit(message: SipMessage, retransmission: boolean): void {
    if (retransmission) this.ctx.counters.retransmissions++;
    let sent: Promise<void>;
    try {
      sent = this.ctx.send(message, this.destination);
    } catch (e) {
      sent = Promise.reject(toError(e));
    }
    void sent.catch(this.onSendRejected);
  }

  private readonly onSendRejected = (e: unknown): void => {
    if (this.done) return;
    const error = toError(e);
    this.ctx.logger.warn({ txn: this.id, kind: this.kind, state: this.current, err: error }, 'SIP transaction transport error');
    this.notifyTransportError(error);
    this.abort();
  };

  /** Final step of every `transition('terminated')`. */
  protected finish(): void {
    if (this.done) return;
    this.done = true;
    this.clearTimers();
    this.ctx.removed(this);
    this.notifyTerminated();
  }
}
