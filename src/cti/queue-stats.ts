/**
 * Today's figures per queue, counted from the ACD journal (the same events
 * the historical reports will read, so live and historical figures agree).
 *
 * Definitions (docs/cti.md):
 *   offered           callers who entered the queue today (ENTERQUEUE)
 *   answered          CONNECT
 *   answeredWithinSl  CONNECT with holdtime ≤ the queue's serviceLevelSeconds
 *   abandoned         ABANDON (caller hung up while waiting)
 *   service level     answeredWithinSl ÷ (answered + abandoned + exited) × 100, where exited counts
 *                     callers who left the queue otherwise (timeout, empty, key, overflow, lost);
 *                     callers still waiting are not in it yet
 *   ASA               mean holdtime of the answered calls
 *
 * `DayCounters` is pure (events in, figures out); `QueueDayStats` reads the
 * journal from the start of the day, then incrementally.
 */
import type { JournalEvent } from '../acd/types.js';
import type { AcdStore } from '../acd/store/acd-store.js';
import type { QueueToday } from './events/types.js';

interface Counts {
  offered: number;
  answered: number;
  answeredWithinSl: number;
  abandoned: number;
  exited: number;
  holdSecondsSum: number;
}

const EXITS = new Set(['EXITWITHTIMEOUT', 'EXITEMPTY', 'EXITWITHKEY', 'EXITLOST', 'OVERFLOW']);

export class DayCounters {
  private readonly counts = new Map<string, Counts>();

  constructor(private readonly slSeconds: (queue: string) => number) {}

  apply(e: JournalEvent): void {
    if (e.queue === undefined || e.queue === '') return;
    let c = this.counts.get(e.queue);
    if (c === undefined) this.counts.set(e.queue, (c = { offered: 0, answered: 0, answeredWithinSl: 0, abandoned: 0, exited: 0, holdSecondsSum: 0 }));
    if (e.event === 'ENTERQUEUE') c.offered += 1;
    else if (e.event === 'CONNECT') {
      const hold = Number(e.data.holdtime ?? 0);
      c.answered += 1;
      c.holdSecondsSum += Number.isFinite(hold) ? hold : 0;
      if (hold <= this.slSeconds(e.queue)) c.answeredWithinSl += 1;
    } else if (e.event === 'ABANDON') c.abandoned += 1;
    else if (EXITS.has(e.event)) c.exited += 1;
  }

  today(queue: string): QueueToday {
    const c = this.counts.get(queue);
    if (c === undefined) return { offered: 0, answered: 0, abandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, asaMs: null };
    const finished = c.answered + c.abandoned + c.exited;
    return {
      offered: c.offered,
      answered: c.answered,
      abandoned: c.abandoned,
      answeredWithinSl: c.answeredWithinSl,
      serviceLevelPct: finished === 0 ? null : Math.round((c.answeredWithinSl / finished) * 1000) / 10,
      asaMs: c.answered === 0 ? null : Math.round((c.holdSecondsSum / c.answered) * 1000),
    };
  }
}

/** Local midnight of the day containing `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export class QueueDayStats {
  private counters: DayCounters;
  private day = 0;
  private lastId = '';
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly store: AcdStore,
    private readonly slSeconds: (queue: string) => number,
    private readonly now: () => number = Date.now,
  ) {
    this.counters = new DayCounters(slSeconds);
  }

  /** Read journal entries since the last refresh (from midnight on a new day). */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const day = startOfDay(this.now());
    if (day !== this.day) {
      this.day = day;
      this.counters = new DayCounters(this.slSeconds);
      // nothing read today yet: the first read starts at midnight, inclusive (an entry at `<midnight>-0` counts)
      this.lastId = '';
    }
    for (;;) {
      const batch = await this.store.journal(this.lastId === '' ? `${day}-0` : `(${this.lastId}`, 1000);
      for (const e of batch) this.counters.apply(e);
      if (batch.length > 0) this.lastId = batch[batch.length - 1]!.id;
      if (batch.length < 1000) return;
    }
  }

  today(queue: string): QueueToday {
    return this.counters.today(queue);
  }
}
