/**
 * Today's figures per queue, live: the ACD journal since local midnight,
 * counted by the same code as the historical reports (src/reports/core:
 * segments, then a QueueTally per queue), so the wallboard and the report
 * for today give the same figures. Definitions in docs/reports.md; in short:
 *   offered           callers who entered the queue today
 *   answered          answered by an agent
 *   answeredWithinSl  answered with a wait ≤ the queue's serviceLevelSeconds
 *   abandoned         hung up while waiting or ringing
 *   service level     answeredWithinSl ÷ (offered − still waiting) × 100
 *   abandon rate      (abandoned − short abandons) ÷ (offered − still waiting − short abandons) × 100
 *   ASA               mean wait of the answered calls
 *
 * `DayCounters` is pure (events in, figures out); `QueueDayStats` reads the
 * journal from the start of the day, then incrementally.
 */
import type { JournalEvent } from '../acd/types.js';
import type { AcdStore } from '../acd/store/acd-store.js';
import { intervalStart, nextInterval } from '../reports/core/intervals.js';
import { QueueTally } from '../reports/core/queue-figures.js';
import { SegmentBuilder } from '../reports/core/segments.js';
import type { QueueToday } from './events/types.js';

export class DayCounters {
  private readonly builder = new SegmentBuilder();

  constructor(
    private readonly slSeconds: (queue: string) => number,
    private readonly shortAbandonMs = 5000,
  ) {}

  apply(e: JournalEvent): void {
    this.builder.apply(e);
  }

  today(queue: string): QueueToday {
    const tally = new QueueTally(this.slSeconds(queue) * 1000, this.shortAbandonMs);
    for (const s of this.builder.segments()) if (s.queue === queue) tally.add(s);
    const f = tally.figures();
    return {
      offered: f.offered,
      answered: f.answered,
      abandoned: f.abandoned,
      shortAbandoned: f.shortAbandoned,
      answeredWithinSl: f.answeredWithinSl,
      serviceLevelPct: f.serviceLevelPct,
      abandonRatePct: f.abandonRatePct,
      asaMs: f.asaMs,
    };
  }
}

/** Stream ids are Redis's clock, event times the servers': read a little before midnight, keep by event time. */
const CLOCK_SKEW_MS = 60_000;

export interface QueueDayStatsOptions {
  /** The reports' time zone: "today" is its local day. Default: the server's. */
  timeZone?: string;
  shortAbandonMs?: number;
  now?: () => number;
}

export class QueueDayStats {
  private counters: DayCounters;
  private day = 0;
  private dayEnd = 0;
  private lastId = '';
  private refreshing: Promise<void> | undefined;
  private readonly timeZone: string;
  private readonly now: () => number;

  constructor(
    private readonly store: AcdStore,
    private readonly slSeconds: (queue: string) => number,
    private readonly opts: QueueDayStatsOptions = {},
  ) {
    this.timeZone = opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    this.now = opts.now ?? Date.now;
    this.counters = new DayCounters(slSeconds, opts.shortAbandonMs);
  }

  /** Read journal entries since the last refresh (from midnight on a new day). */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const now = this.now();
    const day = intervalStart(now, 'day', this.timeZone);
    if (day !== this.day) {
      this.day = day;
      this.dayEnd = nextInterval(day, 'day', this.timeZone);
      this.counters = new DayCounters(this.slSeconds, this.opts.shortAbandonMs);
      this.lastId = '';
    }
    for (;;) {
      const batch = await this.store.journal(this.lastId === '' ? `${Math.max(0, day - CLOCK_SKEW_MS)}-0` : `(${this.lastId}`, 1000);
      for (const e of batch) if (e.time >= this.day && e.time < this.dayEnd) this.counters.apply(e);
      if (batch.length > 0) this.lastId = batch[batch.length - 1]!.id;
      if (batch.length < 1000) return;
    }
  }

  today(queue: string): QueueToday {
    return this.counters.today(queue);
  }
}
