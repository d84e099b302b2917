/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2).
 *
 *            request from TU: request sent, Timer E (UDP only), Timer F
 *                                  |
 *   Timer E fires:           +-----v------+   Timer F fires: 408 to TU (onTimeout)
 *   request resent, +--------|            |-----------------------------------+
 *   E = min(2E, T2) +------->|   trying   |                                   |
 *                            +------------+                                   |
 *                    1xx to TU |        | 200-699 to TU                       |
 *                              v        |                                     |
 *   Timer E fires:   +------------+     |    Timer F fires: 408 to TU         |
 *   request resent,  |            |-----|-------------------------------------+
 *   E = T2           | proceeding |     |                                     |
 *   1xx to TU        |            |     |                                     |
 *                    +------------+     |                                     |
 *              200-699 to TU |          |                                     |
 *                            v          v                                     |
 *   response         +----------------------+                                 |
 *   retransmissions  |      completed       |                                 |
 *   absorbed         |      (Timer K)       |                                 |
 *                    +----------------------+                                 |
 *                            | Timer K fires (0 s if reliable)                |
 *                            v                                                |
 *                    +------------+                                           |
 *                    | terminated | <-----------------------------------------+
 *                    +------------+
 *
 * Transport error (a rejected send) in any state: inform TU, -> terminated.
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Destination } from '../transport/types.js';
import { ClientTransactionBase } from './client-base.js';
import { doubleCapped, timerE, timerF, timerK, type TimerHandle } from './timers.js';
import type { ClientTransactionHandlers, TransactionContext } from './types.js';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const ALLOWED: Readonly<Record<NonInviteClientState, readonly NonInviteClientState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class NonInviteClientTransaction extends ClientTransactionBase<NonInviteClientState> {
  readonly kind = 'nict' as const;
  private E: TimerHandle | undefined;
  private F: TimerHandle | undefined;
  private K: TimerHandle | undefined;
  private intervalE = 0;

  constructor(id: string, request: SipRequest, destination: Destination, handlers: ClientTransactionHandlers, ctx: TransactionContext) {
    super(id, request, destination, handlers, ctx, 'trying');
  }

  start(): void {
    const cfg = this.ctx.config;
    if (!this.reliable) {
      this.intervalE = timerE(cfg);
      this.E = setTimeout(this.onTimerE, this.intervalE);
    }
    this.F = setTimeout(this.onTimerF, timerF(cfg));
    this.transmit(this.request, false);
  }

  receiveResponse(response: SipResponse): void {
    switch (this.current) {
      case 'trying':
      case 'proceeding':
        if (response.status < 200) {
          if (this.current === 'trying') this.transition('proceeding');
        } else {
          this.transition('completed');
        }
        this.deliver(response);
        return;
      case 'completed':
      case 'terminated':
        // Retransmitted responses are absorbed (§17.1.2.2).
        return;
    }
  }

  abort(): void {
    if (this.current !== 'terminated') this.transition('terminated');
  }

  private transition(to: NonInviteClientState): void {
    if (!ALLOWED[this.current].includes(to)) throw new Error(`NICT ${this.id}: invalid transition ${this.current} -> ${to}`);
    this.current = to;
    switch (to) {
      case 'completed':
        this.clearTimers();
        this.K = setTimeout(this.onTimerK, timerK(this.ctx.config, this.reliable));
        break;
      case 'terminated':
        this.finish();
        break;
      case 'trying':
      case 'proceeding':
        // Timers E and F keep running in "proceeding".
        break;
    }
  }

  protected clearTimers(): void {
    clearTimeout(this.E);
    clearTimeout(this.F);
    clearTimeout(this.K);
    this.E = this.F = this.K = undefined;
  }

  /** Timer E: retransmit; doubling up to T2 in "trying", T2 in "proceeding". */
  private readonly onTimerE = (): void => {
    this.E = undefined;
    if (this.current !== 'trying' && this.current !== 'proceeding') return;
    this.transmit(this.request, true);
    const cfg = this.ctx.config;
    this.intervalE = this.current === 'trying' ? doubleCapped(cfg, this.intervalE) : cfg.T2;
    this.E = setTimeout(this.onTimerE, this.intervalE);
  };

  /** Timer F: no final response; 408 to the TU. */
  private readonly onTimerF = (): void => {
    this.F = undefined;
    if (this.current !== 'trying' && this.current !== 'proceeding') return;
    this.notifyTimeout();
    this.transition('terminated');
  };

  /** Timer K: done absorbing retransmitted responses. */
  private readonly onTimerK = (): void => {
    this.K = undefined;
    if (this.current === 'completed') this.transition('terminated');
  };
}
