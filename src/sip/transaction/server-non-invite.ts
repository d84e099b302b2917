/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2).
 *
 *                     request received: to TU
 *                                  |
 *   request retransmitted:   +-----v------+
 *   absorbed        +--------|   trying   |
 *                   +------->|            |
 *                            +------------+
 *               1xx from TU: sent |      | 200-699 from TU: sent
 *                                 v      |
 *   request retransmitted: +------------+|
 *   last 1xx resent   +----| proceeding ||
 *   1xx from TU: sent +--->|            ||
 *                          +------------+|
 *        200-699 from TU: sent |         |
 *                              v         v
 *   request retransmitted: +----------------+
 *   final resent      +----|   completed    |
 *   TU responses      +--->|   (Timer J)    |
 *   refused                +----------------+
 *                              | Timer J fires (0 s if reliable)
 *                              v
 *                        +------------+
 *                        | terminated |
 *                        +------------+
 *
 * Transport error (a rejected send) in any state: inform TU, -> terminated.
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import { frozenCopy } from '../message/serializer.js';
import type { Destination } from '../transport/types.js';
import { ServerTransactionBase } from './server-base.js';
import { timerJ, type TimerHandle } from './timers.js';
import type { TransactionContext } from './types.js';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const ALLOWED: Readonly<Record<NonInviteServerState, readonly NonInviteServerState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class NonInviteServerTransaction extends ServerTransactionBase<NonInviteServerState> {
  readonly kind = 'nist' as const;
  private J: TimerHandle | undefined;

  constructor(id: string, request: SipRequest, source: Destination, responseDestination: Destination, ctx: TransactionContext) {
    super(id, request, source, responseDestination, ctx, 'trying');
  }

  start(): void {
    // No timers in "trying": the TU answers, or the client gives up (Timer F).
  }

  respond(response: SipResponse): boolean {
    if (this.current !== 'trying' && this.current !== 'proceeding') return this.refuse(response);
    if (response.status < 200) {
      this.lastProvisional = response;
      if (this.current === 'trying') this.transition('proceeding');
      this.transmit(response, false);
    } else {
      // kept only to answer retransmissions until Timer J: bytes, not the parsed graph
      this.finalResponse = frozenCopy(response);
      this.lastProvisional = undefined;
      this.releaseRequest();
      this.transition('completed');
      this.transmit(this.finalResponse, false);
    }
    return true;
  }

  receiveRequest(_request: SipRequest): void {
    switch (this.current) {
      case 'proceeding':
        if (this.lastProvisional !== undefined) this.transmit(this.lastProvisional, true);
        return;
      case 'completed':
        if (this.finalResponse !== undefined) this.transmit(this.finalResponse, true);
        return;
      case 'trying':
      case 'terminated':
        return;
    }
  }

  abort(): void {
    if (this.current !== 'terminated') this.transition('terminated');
  }

  private transition(to: NonInviteServerState): void {
    if (!ALLOWED[this.current].includes(to)) throw new Error(`NIST ${this.id}: invalid transition ${this.current} -> ${to}`);
    this.current = to;
    switch (to) {
      case 'completed':
        this.J = setTimeout(this.onTimerJ, timerJ(this.ctx.config, this.reliable));
        break;
      case 'terminated':
        this.finish();
        break;
      case 'trying':
      case 'proceeding':
        break;
    }
  }

  protected clearTimers(): void {
    clearTimeout(this.J);
    this.J = undefined;
  }

  /** Timer J: done absorbing request retransmissions. */
  private readonly onTimerJ = (): void => {
    this.J = undefined;
    if (this.current === 'completed') this.transition('terminated');
  };
}
