/**
 * INVITE client transaction (RFC 3261 §17.1.1, with RFC 6026 §8.4's
 * "Accepted" state so that 2xx retransmissions from forking or slow UASs
 * reach the TU instead of being treated as strays).
 *
 *               INVITE from TU: INVITE sent, Timer A (UDP only), Timer B
 *                                  |
 *   Timer A fires:           +-----v------+   Timer B fires: 408 to TU (onTimeout)
 *   INVITE resent, +---------|            |-----------------------------------+
 *   A doubled      +-------->|  calling   |                                   |
 *                            +------------+                                   |
 *                        1xx to TU |  |  | 2xx to TU                          |
 *                                  |  |  +-----------------+                  |
 *                                  v  |                    v                  |
 *   1xx to TU      +---------+------------+  2xx   +------------+             |
 *                  |         | proceeding |------->|  accepted  |-----+       |
 *                  +-------->|            | to TU  |  (Timer M) |<-+  |       |
 *                            +------------+        +------------+  |  |       |
 *             300-699: ACK sent, |  |                   | 2xx to TU |  |       |
 *             response to TU     |  | 300-699 from      +-----------+  |       |
 *                                v  v "calling" too        Timer M fires      |
 *   300-699:       +---------+------------+                           |       |
 *   ACK resent     |         | completed  |                           |       |
 *   (not to TU)    +-------->| (Timer D)  |                           |       |
 *                            +------------+                           |       |
 *                                  | Timer D fires (0 s if reliable)  |       |
 *                                  v                                  |       |
 *                            +------------+ <-------------------------+       |
 *                            | terminated | <---------------------------------+
 *                            +------------+
 *
 * Transport error (a rejected send) in any state: inform TU, -> terminated.
 * Timer B only runs in "calling": once a provisional arrives the INVITE may
 * ring for minutes; the TU ends it with CANCEL (and `abort()` per §9.1).
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Destination } from '../transport/types.js';
import { buildNonSuccessAck } from './ack.js';
import { ClientTransactionBase } from './client-base.js';
import { timerA, timerB, timerD, timerM, type TimerHandle } from './timers.js';
import type { ClientTransactionHandlers, TransactionContext } from './types.js';

export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

const ALLOWED: Readonly<Record<InviteClientState, readonly InviteClientState[]>> = {
  calling: ['proceeding', 'completed', 'accepted', 'terminated'],
  proceeding: ['completed', 'accepted', 'terminated'],
  completed: ['terminated'],
  accepted: ['terminated'],
  terminated: [],
};

export class InviteClientTransaction extends ClientTransactionBase<InviteClientState> {
  readonly kind = 'ict' as const;
  private A: TimerHandle | undefined;
  private B: TimerHandle | undefined;
  private D: TimerHandle | undefined;
  private M: TimerHandle | undefined;
  private intervalA = 0;
  /** The ACK for the 300–699 response, kept to answer its retransmissions. */
  private ack: SipRequest | undefined;

  constructor(id: string, invite: SipRequest, destination: Destination, handlers: ClientTransactionHandlers, ctx: TransactionContext) {
    super(id, invite, destination, handlers, ctx, 'calling');
  }

  start(): void {
    const cfg = this.ctx.config;
    if (!this.reliable) {
      this.intervalA = timerA(cfg);
      this.A = setTimeout(this.onTimerA, this.intervalA);
    }
    this.B = setTimeout(this.onTimerB, timerB(cfg));
    this.transmit(this.request, false);
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.current) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          if (this.current === 'calling') this.transition('proceeding');
        } else if (status < 300) {
          this.transition('accepted');
        } else {
          this.transition('completed');
          this.ack = buildNonSuccessAck(this.request, response);
          this.transmit(this.ack, false);
        }
        this.deliver(response);
        return;
      case 'completed':
        // A retransmitted final: the ACK was lost (§17.1.1.2). Not for the TU.
        if (status >= 300 && this.ack !== undefined) this.transmit(this.ack, true);
        return;
      case 'accepted':
        // RFC 6026 §8.4: every 2xx goes to the TU (it ACKs each one); the rest is discarded.
        if (status >= 200 && status < 300) this.deliver(response);
        return;
      case 'terminated':
        return;
    }
  }

  abort(): void {
    if (this.current !== 'terminated') this.transition('terminated');
  }

  private transition(to: InviteClientState): void {
    if (!ALLOWED[this.current].includes(to)) throw new Error(`ICT ${this.id}: invalid transition ${this.current} -> ${to}`);
    const cfg = this.ctx.config;
    this.clearTimers();
    this.current = to;
    switch (to) {
      case 'completed':
        this.D = setTimeout(this.onTimerD, timerD(cfg, this.reliable));
        break;
      case 'accepted':
        this.M = setTimeout(this.onTimerM, timerM(cfg));
        break;
      case 'terminated':
        this.finish();
        break;
      case 'proceeding':
      case 'calling':
        break;
    }
  }

  protected clearTimers(): void {
    clearTimeout(this.A);
    clearTimeout(this.B);
    clearTimeout(this.D);
    clearTimeout(this.M);
    this.A = this.B = this.D = this.M = undefined;
  }

  /** Timer A: retransmit the INVITE and double the interval (§17.1.1.2). */
  private readonly onTimerA = (): void => {
    this.A = undefined;
    if (this.current !== 'calling') return;
    this.transmit(this.request, true);
    this.intervalA *= 2;
    this.A = setTimeout(this.onTimerA, this.intervalA);
  };

  /** Timer B: no response at all; 408 to the TU. */
  private readonly onTimerB = (): void => {
    this.B = undefined;
    if (this.current !== 'calling') return;
    this.notifyTimeout();
    this.transition('terminated');
  };

  /** Timer D: done absorbing retransmitted final responses. */
  private readonly onTimerD = (): void => {
    this.D = undefined;
    if (this.current === 'completed') this.transition('terminated');
  };

  /** Timer M (RFC 6026): done passing 2xx retransmissions to the TU. */
  private readonly onTimerM = (): void => {
    this.M = undefined;
    if (this.current === 'accepted') this.transition('terminated');
  };
}
