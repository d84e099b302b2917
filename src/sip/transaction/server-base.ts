/**
 * Common part of the INVITE and non-INVITE server transactions: where
 * responses go, the responses kept for retransmission, the optional TU
 * callbacks.
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Destination } from '../transport/types.js';
import { Transaction } from './transaction.js';
import type { ServerTransactionUser, TransactionContext } from './types.js';

export abstract class ServerTransactionBase<S extends string> extends Transaction<S> {
  /** Callbacks for transaction failures; set by the TU after `onRequest`. */
  user: ServerTransactionUser = {};
  /** Most recent provisional response sent (resent on request retransmissions in "proceeding"). */
  protected lastProvisional: SipResponse | undefined;
  /** The final response sent, once there is one. */
  protected finalResponse: SipResponse | undefined;

  protected constructor(
    id: string,
    request: SipRequest,
    /** Where the request came from (keeps `connectionId` for connection-oriented transports). */
    readonly source: Destination,
    /** Where responses go (§18.2.2, RFC 3581): see `responseDestination`. */
    responseDestination: Destination,
    ctx: TransactionContext,
    initial: S,
  ) {
    super(id, request, responseDestination, ctx, initial);
  }

  /** Arm the initial timers (called once by the layer, before the TU sees the request). */
  abstract start(): void;

  /**
   * Send a response from the TU. Returns false (and sends nothing) when the
   * state does not allow it, e.g. a second final response or after termination.
   */
  abstract respond(response: SipResponse): boolean;

  /** A retransmission of the request that created the transaction. */
  abstract receiveRequest(request: SipRequest): void;

  /** The final response if any, else the last provisional one. */
  get lastResponse(): SipResponse | undefined {
    return this.finalResponse ?? this.lastProvisional;
  }

  protected refuse(response: SipResponse): false {
    this.ctx.logger.warn(
      { txn: this.id, kind: this.kind, state: this.current, status: response.status },
      'SIP response not allowed in this transaction state; not sent',
    );
    return false;
  }

  protected notifyTransportError(error: Error): void {
    try {
      this.user.onTransportError?.(error);
    } catch (e) {
      this.ctx.tuError(this, e);
    }
  }

  protected notifyTerminated(): void {
    try {
      this.user.onTerminated?.();
    } catch (e) {
      this.ctx.tuError(this, e);
    }
  }
}
