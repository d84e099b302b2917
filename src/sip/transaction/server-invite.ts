/**
 * INVITE server transaction (RFC 3261 §17.2.1, with RFC 6026 §7.1's
 * "Accepted" state: 2xx retransmission is the TU's (dialog layer's) job, the
 * transaction only absorbs retransmitted INVITEs while the TU is at it).
 *
 *                   INVITE received: to TU, Timer 100 (200 ms)
 *                                  |
 *   INVITE retransmitted:    +-----v------+  Timer 100 fires: 100 Trying sent
 *   last 1xx resent  +-------|            |<--+
 *                    +------>| proceeding |---+
 *   1xx from TU: sent        |            |
 *                            +------------+
 *      300-699 from TU: sent,   |      |  2xx from TU: sent
 *      Timer G (UDP), Timer H   |      +--------------------------+
 *                               v                                 v
 *   INVITE retransmitted: +------------+                  +------------+  INVITE retransmitted:
 *   final resent     +----|            |                  |            |--+  absorbed
 *   Timer G fires:   |    | completed  |                  |  accepted  |  |  ACK: to TU
 *   final resent,    +--->|            |                  | (Timer L)  |<-+  2xx from TU: sent
 *   G = min(2G, T2)       +------------+                  +------------+
 *           ACK: Timer I     |      | Timer H fires:              |
 *                            v      | TU informed (onTimeout)     | Timer L fires
 *   ACK, INVITE:      +------------+   |                          |
 *   absorbed     +----| confirmed  |   |                          |
 *                +--->| (Timer I)  |   |                          |
 *                     +------------+   |                          |
 *     Timer I fires      |             |                          |
 *     (0 s if reliable)  v             v                          |
 *                     +------------------+                        |
 *                     |    terminated    |<-----------------------+
 *                     +------------------+
 *
 * Transport error (a rejected send) in any state: inform TU, -> terminated.
 */
import { createResponse, type SipRequest, type SipResponse } from '../message/index.js';
import { frozenCopy } from '../message/serializer.js';
import type { Destination } from '../transport/types.js';
import { ServerTransactionBase } from './server-base.js';
import { TIMER_100, doubleCapped, timerG, timerH, timerI, timerL, type TimerHandle } from './timers.js';
import type { TransactionContext } from './types.js';

export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

const ALLOWED: Readonly<Record<InviteServerState, readonly InviteServerState[]>> = {
  proceeding: ['completed', 'accepted', 'terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  accepted: ['terminated'],
  terminated: [],
};

export class InviteServerTransaction extends ServerTransactionBase<InviteServerState> {
  readonly kind = 'ist' as const;
  private timer100: TimerHandle | undefined;
  private G: TimerHandle | undefined;
  private H: TimerHandle | undefined;
  private I: TimerHandle | undefined;
  private L: TimerHandle | undefined;
  private intervalG = 0;

  constructor(id: string, invite: SipRequest, source: Destination, responseDestination: Destination, ctx: TransactionContext) {
    super(id, invite, source, responseDestination, ctx, 'proceeding');
  }

  start(): void {
    this.timer100 = setTimeout(this.onTimer100, TIMER_100);
  }

  respond(response: SipResponse): boolean {
    const status = response.status;
    switch (this.current) {
      case 'proceeding':
        if (status < 200) {
          clearTimeout(this.timer100);
          this.timer100 = undefined;
          this.lastProvisional = response;
          this.transmit(response, false);
        } else {
          this.finalResponse = frozenCopy(response);
          this.releaseRequest();
          this.lastProvisional = undefined;
          this.transition(status < 300 ? 'accepted' : 'completed');
          this.transmit(this.finalResponse, false);
        }
        return true;
      case 'accepted':
        // RFC 6026 §7.1: the TU retransmits its 2xx through us until ACKed.
        if (status < 200 || status >= 300) return this.refuse(response);
        this.transmit(response, true);
        return true;
      case 'completed':
      case 'confirmed':
      case 'terminated':
        return this.refuse(response);
    }
  }

  receiveRequest(_invite: SipRequest): void {
    switch (this.current) {
      case 'proceeding':
        if (this.lastProvisional !== undefined) this.transmit(this.lastProvisional, true);
        return;
      case 'completed':
        if (this.finalResponse !== undefined) this.transmit(this.finalResponse, true);
        return;
      case 'accepted':
      case 'confirmed':
      case 'terminated':
        // Absorbed (RFC 6026 §7.1 for "accepted").
        return;
    }
  }

  /**
   * An ACK matching this transaction. Returns true when it belongs to the TU:
   * in "accepted" it acknowledges a 2xx (RFC 6026 §7.1). Otherwise it is absorbed.
   */
  receiveAck(_ack: SipRequest): boolean {
    if (this.current === 'completed') this.transition('confirmed');
    return this.current === 'accepted';
  }

  /** To-tag of the final response (RFC 2543 ACK matching, §17.2.3). */
  get finalToTag(): string | undefined {
    return this.finalResponse?.toTag;
  }

  abort(): void {
    if (this.current !== 'terminated') this.transition('terminated');
  }

  private transition(to: InviteServerState): void {
    if (!ALLOWED[this.current].includes(to)) throw new Error(`IST ${this.id}: invalid transition ${this.current} -> ${to}`);
    const cfg = this.ctx.config;
    this.clearTimers();
    this.current = to;
    switch (to) {
      case 'completed':
        if (!this.reliable) {
          this.intervalG = timerG(cfg);
          this.G = setTimeout(this.onTimerG, this.intervalG);
        }
        this.H = setTimeout(this.onTimerH, timerH(cfg));
        break;
      case 'confirmed':
        this.I = setTimeout(this.onTimerI, timerI(cfg, this.reliable));
        break;
      case 'accepted':
        this.L = setTimeout(this.onTimerL, timerL(cfg));
        break;
      case 'terminated':
        this.finish();
        break;
      case 'proceeding':
        break;
    }
  }

  protected clearTimers(): void {
    clearTimeout(this.timer100);
    clearTimeout(this.G);
    clearTimeout(this.H);
    clearTimeout(this.I);
    clearTimeout(this.L);
    this.timer100 = this.G = this.H = this.I = this.L = undefined;
  }

  /** Timer 100: the TU said nothing for 200 ms; send 100 Trying (§17.2.1, §8.2.6.1). */
  private readonly onTimer100 = (): void => {
    this.timer100 = undefined;
    if (this.current !== 'proceeding' || this.lastProvisional !== undefined) return;
    const trying = createResponse(this.request, 100);
    const timestamp = this.request.get('timestamp');
    if (timestamp !== undefined) trying.headers.push({ name: 'timestamp', value: timestamp });
    this.lastProvisional = trying;
    this.transmit(trying, false);
  };

  /** Timer G: resend the 300–699 final response, doubling up to T2. */
  private readonly onTimerG = (): void => {
    this.G = undefined;
    if (this.current !== 'completed' || this.finalResponse === undefined) return;
    this.transmit(this.finalResponse, true);
    this.intervalG = doubleCapped(this.ctx.config, this.intervalG);
    this.G = setTimeout(this.onTimerG, this.intervalG);
  };

  /** Timer H: the ACK never came; transaction failure to the TU. */
  private readonly onTimerH = (): void => {
    this.H = undefined;
    if (this.current !== 'completed') return;
    try {
      this.user.onTimeout?.();
    } catch (e) {
      this.ctx.tuError(this, e);
    }
    this.transition('terminated');
  };

  /** Timer I: done absorbing ACK retransmissions. */
  private readonly onTimerI = (): void => {
    this.I = undefined;
    if (this.current === 'confirmed') this.transition('terminated');
  };

  /** Timer L (RFC 6026): done absorbing INVITE retransmissions after a 2xx. */
  private readonly onTimerL = (): void => {
    this.L = undefined;
    if (this.current === 'accepted') this.transition('terminated');
  };
}
