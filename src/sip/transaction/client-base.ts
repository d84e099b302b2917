/**
 * Common part of the INVITE and non-INVITE client transactions: the TU
 * handlers and the guarded calls into them.
 */
import { createResponse, type SipRequest, type SipResponse } from '../message/index.js';
import type { Destination } from '../transport/types.js';
import { Transaction } from './transaction.js';
import type { ClientTransactionHandlers, TransactionContext } from './types.js';

export abstract class ClientTransactionBase<S extends string> extends Transaction<S> {
  protected constructor(
    id: string,
    request: SipRequest,
    destination: Destination,
    protected readonly handlers: ClientTransactionHandlers,
    ctx: TransactionContext,
    initial: S,
  ) {
    super(id, request, destination, ctx, initial);
  }

  /** Send the request and arm the initial timers (called once by the layer). */
  abstract start(): void;

  /** A response the layer matched to this transaction (§17.1.3). */
  abstract receiveResponse(response: SipResponse): void;

  protected deliver(response: SipResponse): void {
    try {
      this.handlers.onResponse(response);
    } catch (e) {
      this.ctx.tuError(this, e);
    }
  }

  protected notifyTimeout(): void {
    try {
      this.handlers.onTimeout(createResponse(this.request, 408));
    } catch (e) {
      this.ctx.tuError(this, e);
    }
  }

  protected notifyTransportError(error: Error): void {
    try {
      this.handlers.onTransportError(error);
    } catch (e) {
      this.ctx.tuError(this, e);
    }
  }

  protected notifyTerminated(): void {
    try {
      this.handlers.onTerminated?.();
    } catch (e) {
      this.ctx.tuError(this, e);
    }
  }
}
