/**
 * Queue segments: one per visit of a call to a queue, built from the ACD
 * journal (queue_log). The live wallboard figures and the historical reports
 * both count these, built by this one class, so the two agree by construction.
 *
 *   ENTERQUEUE ──▶ waiting ──CONNECT──▶ answered ──COMPLETE…, TRANSFER──▶ (left)
 *                    │
 *                    ├─ABANDON──────────▶ abandoned
 *                    ├─OVERFLOW─────────▶ overflowed   (an ENTERQUEUE in the next queue may follow)
 *                    ├─EXITWITHTIMEOUT──▶ timeout
 *                    ├─EXITWITHKEY──────▶ exit-key
 *                    ├─EXITEMPTY────────▶ empty
 *                    └─EXITLOST─────────▶ lost         (answered calls stay answered)
 *
 * Wait is measured in milliseconds from the caller's entry into the first
 * queue of an overflow chain (as the journal's holdtime: a caller moved from
 * one queue to the next has been waiting all along) to the answer, or to
 * leaving unanswered. Pure: events in, segments out.
 */
import type { JournalEvent } from '../../acd/types.js';

export type SegmentOutcome = 'waiting' | 'answered' | 'abandoned' | 'overflowed' | 'timeout' | 'exit-key' | 'empty' | 'lost';

export interface QueueSegment {
  callId: string;
  /** 0 for the first queue of the call, then 1, 2… */
  seq: number;
  queue: string;
  callerNumber?: string;
  enteredAt: number;
  /** Start of the wait (the first queue of an overflow chain). */
  waitStartAt: number;
  outcome: SegmentOutcome;
  /** When the caller left the queue unanswered, or the agent's talk ended. */
  leftAt?: number;
  waitMs: number;
  agentId?: string;
  answeredAt?: number;
  transferred: boolean;
  /**
   * Reports only: whether the same caller number called again within the first-contact window
   * after this call (undefined: anonymous caller, or not looked up).
   */
  repeatCall?: boolean;
  /** Filled in from the call's summary and the agent state log (CDR build); 0 live. */
  talkMs: number;
  holdMs: number;
  wrapMs: number;
}

/** The journal fields a segment needs (JournalEvent, or a queue_log row). */
export type QueueLogEvent = Pick<JournalEvent, 'event' | 'time' | 'queue' | 'callId' | 'agentId' | 'data'>;

const EXIT_OUTCOMES: Partial<Record<string, SegmentOutcome>> = {
  ABANDON: 'abandoned',
  OVERFLOW: 'overflowed',
  EXITWITHTIMEOUT: 'timeout',
  EXITWITHKEY: 'exit-key',
  EXITEMPTY: 'empty',
  EXITLOST: 'lost',
};
const COMPLETIONS = new Set(['COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER', 'EXITLOST']);

/**
 * Incremental: `apply` each journal event in stream order; `segments()` are
 * every visit seen so far (waiting ones included). Events of calls whose
 * ENTERQUEUE was not seen (before the window read) are ignored.
 */
export class SegmentBuilder {
  private readonly all: QueueSegment[] = [];
  /** The call's latest segment. */
  private readonly latest = new Map<string, QueueSegment>();

  apply(e: QueueLogEvent): void {
    const callId = e.callId;
    if (callId === undefined || callId === '' || e.queue === undefined || e.queue === '') return;
    const last = this.latest.get(callId);
    if (e.event === 'ENTERQUEUE') {
      const chained = last !== undefined && last.outcome === 'overflowed' && last.leftAt === e.time;
      const segment: QueueSegment = {
        callId,
        seq: last === undefined ? 0 : last.seq + 1,
        queue: e.queue,
        enteredAt: e.time,
        waitStartAt: chained ? last.waitStartAt : e.time,
        outcome: 'waiting',
        waitMs: 0,
        transferred: false,
        talkMs: 0,
        holdMs: 0,
        wrapMs: 0,
      };
      const caller = e.data.caller;
      if (caller !== undefined && caller !== '') segment.callerNumber = caller;
      this.all.push(segment);
      this.latest.set(callId, segment);
      return;
    }
    if (last === undefined || last.queue !== e.queue) return;
    if (e.event === 'CONNECT' && last.outcome === 'waiting') {
      last.outcome = 'answered';
      last.answeredAt = e.time;
      last.waitMs = Math.max(0, e.time - last.waitStartAt);
      if (e.agentId !== undefined && e.agentId !== '') last.agentId = e.agentId;
      return;
    }
    if (last.outcome === 'answered') {
      if (COMPLETIONS.has(e.event) && last.leftAt === undefined) {
        last.leftAt = e.time;
        last.transferred = e.event === 'TRANSFER';
      }
      return;
    }
    const outcome = EXIT_OUTCOMES[e.event];
    if (outcome !== undefined && last.outcome === 'waiting') {
      last.outcome = outcome;
      last.leftAt = e.time;
      last.waitMs = Math.max(0, e.time - last.waitStartAt);
    }
  }

  segments(): readonly QueueSegment[] {
    return this.all;
  }
}

/** Every segment of these events (one call's, or a whole day's). */
export function buildSegments(events: Iterable<QueueLogEvent>): QueueSegment[] {
  const b = new SegmentBuilder();
  for (const e of events) b.apply(e);
  return [...b.segments()];
}
