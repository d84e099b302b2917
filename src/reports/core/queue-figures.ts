/**
 * A queue's figures over a set of segments (a day live; an interval in a
 * report). The definitions, also in docs/reports.md:
 *
 *   offered            visits that entered the queue (an overflow counts in both queues)
 *   answered           visits an agent answered
 *   answeredWithinSl   answered with wait ≤ the queue's service-level threshold
 *   abandoned          the caller hung up while waiting or ringing
 *   shortAbandoned     abandoned with wait < the short-abandon threshold (misdials, instant hang-ups)
 *   overflowed         moved on by the queue's rules (overflow, timeout, key, no agents)
 *   finished           offered minus the visits still waiting
 *   service level %    answeredWithinSl ÷ finished × 100 (answered within threshold ÷ offered,
 *                      counted once the call's outcome is known: a caller still waiting is in
 *                      neither part yet)
 *   abandon rate %     (abandoned − shortAbandoned) ÷ (finished − shortAbandoned) × 100
 *   ASA                mean wait of the answered visits
 *   AHT                mean of talk + hold + wrap-up over answered visits whose handling is
 *                      complete (talk ended); hold and wrap-up come from the CDR build
 *   longest wait       the longest wait of any finished visit (answered or not)
 *   transfers          answered visits the agent transferred on
 *   FCR %              first-contact resolution: of the answered visits with a known caller number,
 *                      the share after which that number did not call again within N days
 *
 * Pure: segments and thresholds in, figures out. Percentages have one
 * decimal; times are milliseconds; null where the denominator is 0.
 */
import type { QueueSegment } from './segments.js';

export interface QueueFigureOptions {
  /** The queue's service-level threshold in ms. */
  slMs: (queue: string) => number;
  /** Abandons with a wait under this are "short" (default 5 s). */
  shortAbandonMs: number;
}

export interface QueueFigures {
  offered: number;
  answered: number;
  answeredWithinSl: number;
  abandoned: number;
  shortAbandoned: number;
  overflowed: number;
  lost: number;
  waiting: number;
  transfers: number;
  serviceLevelPct: number | null;
  abandonRatePct: number | null;
  asaMs: number | null;
  ahtMs: number | null;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  longestWaitMs: number | null;
  fcrPct: number | null;
}

const OVERFLOWS = new Set(['overflowed', 'timeout', 'exit-key', 'empty']);

export function pct(part: number, whole: number): number | null {
  return whole <= 0 ? null : Math.round((part / whole) * 1000) / 10;
}

export function mean(sum: number, n: number): number | null {
  return n <= 0 ? null : Math.round(sum / n);
}

/** Accumulates segments of ONE queue. */
export class QueueTally {
  offered = 0;
  answered = 0;
  answeredWithinSl = 0;
  abandoned = 0;
  shortAbandoned = 0;
  overflowed = 0;
  lost = 0;
  waiting = 0;
  transfers = 0;
  private waitSum = 0;
  private handled = 0;
  talkMs = 0;
  holdMs = 0;
  wrapMs = 0;
  private longest: number | null = null;
  private fcrEligible = 0;
  private fcrResolved = 0;

  constructor(
    private readonly slMs: number,
    private readonly shortAbandonMs: number,
  ) {}

  add(s: QueueSegment): void {
    this.offered += 1;
    if (s.outcome === 'waiting') {
      this.waiting += 1;
      return;
    }
    this.longest = Math.max(this.longest ?? 0, s.waitMs);
    if (s.outcome === 'answered') {
      this.answered += 1;
      this.waitSum += s.waitMs;
      if (s.waitMs <= this.slMs) this.answeredWithinSl += 1;
      if (s.transferred) this.transfers += 1;
      if (s.repeatCall !== undefined) {
        this.fcrEligible += 1;
        if (!s.repeatCall) this.fcrResolved += 1;
      }
      if (s.leftAt !== undefined) {
        this.handled += 1;
        this.talkMs += s.talkMs;
        this.holdMs += s.holdMs;
        this.wrapMs += s.wrapMs;
      }
    } else if (s.outcome === 'abandoned') {
      this.abandoned += 1;
      if (s.waitMs < this.shortAbandonMs) this.shortAbandoned += 1;
    } else if (s.outcome === 'lost') this.lost += 1;
    else if (OVERFLOWS.has(s.outcome)) this.overflowed += 1;
  }

  figures(): QueueFigures {
    const finished = this.offered - this.waiting;
    return {
      offered: this.offered,
      answered: this.answered,
      answeredWithinSl: this.answeredWithinSl,
      abandoned: this.abandoned,
      shortAbandoned: this.shortAbandoned,
      overflowed: this.overflowed,
      lost: this.lost,
      waiting: this.waiting,
      transfers: this.transfers,
      serviceLevelPct: pct(this.answeredWithinSl, finished),
      abandonRatePct: pct(this.abandoned - this.shortAbandoned, finished - this.shortAbandoned),
      asaMs: mean(this.waitSum, this.answered),
      ahtMs: mean(this.talkMs + this.holdMs + this.wrapMs, this.handled),
      talkMs: this.talkMs,
      holdMs: this.holdMs,
      wrapMs: this.wrapMs,
      longestWaitMs: this.longest,
      fcrPct: pct(this.fcrResolved, this.fcrEligible),
    };
  }
}

/** Figures per queue over these segments. */
export function queueFigures(segments: Iterable<QueueSegment>, opts: QueueFigureOptions): Map<string, QueueFigures> {
  const tallies = new Map<string, QueueTally>();
  for (const s of segments) {
    let t = tallies.get(s.queue);
    if (t === undefined) tallies.set(s.queue, (t = new QueueTally(opts.slMs(s.queue), opts.shortAbandonMs)));
    t.add(s);
  }
  return new Map([...tallies].map(([q, t]) => [q, t.figures()]));
}
