/**
 * Today's queue figures (src/cti/queue-stats.ts), counted by the report core
 * (segments, then a QueueTally per queue). DayCounters is pure: a
 * hand-written journal — every call with its own id across its events, every
 * event with its time — in, exact figures out. QueueDayStats reads the ACD
 * journal stream of a real Redis (entries written with XADD in the fields the
 * ACD's Lua journal() writes) under a unique prefix, with an injected clock
 * and the Europe/Berlin time zone (so nothing depends on the machine's zone);
 * its keys are deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AcdStore } from '../../src/acd/store/acd-store.js';
import { AcdKeys } from '../../src/acd/store/keys.js';
import type { JournalEvent, JournalEventName } from '../../src/acd/types.js';
import { DayCounters, QueueDayStats } from '../../src/cti/queue-stats.js';
import { deletePrefix, RedisKeys } from '../../src/store/redis.js';

const SL: Record<string, number> = { sales: 20, support: 30 };
const slSeconds = (q: string): number => SL[q] ?? 20;
const S = 1000;

/** 09:00:00 UTC, 15 March 2024; events are stamped T0 + s seconds. */
const T0 = Date.UTC(2024, 2, 15, 9, 0, 0);
let n = 0;
function ev(event: JournalEventName, s: number, queue: string | undefined, callId: string | undefined, agentId?: string, data: Record<string, string> = {}): JournalEvent {
  n += 1;
  const time = T0 + Math.round(s * S);
  return { id: `${time}-${n}`, event, time, ...(queue === undefined ? {} : { queue }), ...(callId === undefined ? {} : { callId }), ...(agentId === undefined ? {} : { agentId }), data };
}

/*
 * sales (SL 20 s), 6 callers (seconds after T0):
 *   s1 enter 0,  answered 10 (a1)           → wait 10 s, within
 *   s2 enter 5,  answered 25 (a2)           → wait 20 s, exactly the threshold: within
 *   s3 enter 10, abandons 50                → abandoned
 *   s4 enter 15, times out 315              → finished, not answered
 *   s5 enter 20, answered 41 (a1)           → wait 21 s, not within
 *   s6 enter 25                             → still waiting
 *   offered 6; finished 6 − 1 = 5; within 2 → 2 ÷ 5 = 40.0 %; ASA (10 + 20 + 21) ÷ 3 = 17 s = 17 000 ms
 * support (SL 30 s), 7 callers:
 *   p1 enter 0, rings a2 without answer 15, answered 25 (a3) → wait 25 s, within 30
 *   p2 enter 2, answered 32 (a4)             → wait 30 s, exactly the threshold: within
 *   p3 enter 4, answered 37 (a2)             → wait 33 s, not within
 *   p4 enter 6, abandons 11                  → abandoned (5 s)
 *   p5 enter 8, presses a key 20             → finished, not answered
 *   p6 enter 10, overflows to voicemail 70   → finished, not answered (no ENTERQUEUE after it)
 *   p7 enter 12                              → still waiting
 *   offered 7; finished 6; within 2 → 2 ÷ 6 = 33.33 → 33.3 %; ASA (25 + 30 + 33) ÷ 3 = 29.333 s → 29 333 ms
 * abandon rate (short threshold 5 s): sales 1 ÷ 5 = 20.0 % (s3 waited 40 s); support 1 ÷ 6 = 16.7 % (p4 waited
 *   exactly 5 s: not under the threshold, so not a short abandon)
 * Noise that counts nowhere: events without a queue or call id, a CONNECT of a call never seen entering (x1),
 * agent events, the calls' COMPLETECALLER/TRANSFER.
 */
function fixture(): JournalEvent[] {
  return [
    ev('ENTERQUEUE', 0, 'sales', 's1', undefined, { caller: '+4930101' }),
    ev('ENTERQUEUE', 0, 'support', 'p1'),
    ev('ENTERQUEUE', 2, 'support', 'p2'),
    ev('ENTERQUEUE', 4, 'support', 'p3'),
    ev('ENTERQUEUE', 5, 'sales', 's2'),
    ev('ENTERQUEUE', 6, 'support', 'p4'),
    ev('ENTERQUEUE', 8, 'support', 'p5'),
    ev('CONNECT', 10, 'sales', 's1', 'a1', { holdtime: '10' }),
    ev('ENTERQUEUE', 10, 'sales', 's3'),
    ev('ENTERQUEUE', 10, 'support', 'p6'),
    ev('ABANDON', 11, 'support', 'p4', undefined, { waittime: '5' }),
    ev('ENTERQUEUE', 12, 'support', 'p7'),
    ev('ENTERQUEUE', 15, 'sales', 's4'),
    ev('RINGNOANSWER', 15, 'support', 'p1', 'a2', { ringtime: '15' }),
    ev('ENTERQUEUE', 20, 'sales', 's5'),
    ev('EXITWITHKEY', 20, 'support', 'p5', undefined, { key: '1' }),
    ev('CONNECT', 25, 'sales', 's2', 'a2'),
    ev('CONNECT', 25, 'support', 'p1', 'a3'),
    ev('ENTERQUEUE', 25, 'sales', 's6'),
    ev('CONNECT', 32, 'support', 'p2', 'a4'),
    ev('CONNECT', 37, 'support', 'p3', 'a2'),
    ev('CONNECT', 41, 'sales', 's5', 'a1'),
    ev('ABANDON', 50, 'sales', 's3'),
    ev('OVERFLOW', 70, 'support', 'p6', undefined, { to: 'voicemail' }),
    ev('COMPLETECALLER', 100, 'sales', 's1', 'a1'),
    ev('TRANSFER', 200, 'support', 'p1', 'a3'),
    ev('EXITWITHTIMEOUT', 315, 'sales', 's4'),
    // counts nowhere
    ev('CONNECT', 3, 'sales', 'x1', 'a9', { holdtime: '1' }),
    ev('CONNECT', 4, undefined, 'x2', 'a9'),
    ev('ENTERQUEUE', 5, '', 'x3'),
    ev('ENTERQUEUE', 5, 'sales', undefined),
    ev('ABANDON', 6, '', 'x3'),
    ev('PAUSE', 7, undefined, undefined, 'a1', { reason: 'lunch' }),
  ];
}

const EMPTY = { offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, abandonRatePct: null, asaMs: null };

describe('DayCounters', () => {
  it('two queues with SL 20 and 30 s → exact offered/answered/abandoned/within SL/SL %/ASA per queue', () => {
    const c = new DayCounters(slSeconds);
    for (const e of fixture()) c.apply(e);
    expect(c.today('sales')).toStrictEqual({ offered: 6, answered: 3, abandoned: 1, shortAbandoned: 0, answeredWithinSl: 2, serviceLevelPct: 40, abandonRatePct: 20, asaMs: 17_000 });
    expect(c.today('support')).toStrictEqual({ offered: 7, answered: 3, abandoned: 1, shortAbandoned: 0, answeredWithinSl: 2, serviceLevelPct: 33.3, abandonRatePct: 16.7, asaMs: 29_333 });
  });

  it('a queue with no events → zero counts, null service level and ASA', () => {
    const c = new DayCounters(slSeconds);
    for (const e of fixture()) c.apply(e);
    expect(c.today('billing')).toStrictEqual(EMPTY);
  });

  it('events without a queue or call id (absent or empty) are ignored: the empty queue name has no figures', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 0, '', 'c1'));
    c.apply(ev('CONNECT', 3, undefined, 'c1', 'a1'));
    c.apply(ev('ENTERQUEUE', 0, 'sales', ''));
    expect(c.today('')).toStrictEqual(EMPTY);
    expect(c.today('sales')).toStrictEqual(EMPTY);
  });

  /* c1 entered before the day was read (no ENTERQUEUE seen): its CONNECT and COMPLETECALLER count nowhere. */
  it('a CONNECT of a call whose ENTERQUEUE was not seen (it entered yesterday) → not counted', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('CONNECT', 10, 'sales', 'c1', 'a1', { holdtime: '30' }));
    c.apply(ev('COMPLETECALLER', 70, 'sales', 'c1', 'a1'));
    expect(c.today('sales')).toStrictEqual(EMPTY);
  });

  it('callers entered but none finished yet → offered counts, service level and ASA still null', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c1'));
    c.apply(ev('ENTERQUEUE', 1, 'sales', 'c2'));
    expect(c.today('sales')).toStrictEqual({ offered: 2, answered: 0, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, abandonRatePct: null, asaMs: null });
  });

  /* c1 waits 20.000 s (within), c2 20.001 s (not) → 1 ÷ 2 = 50.0 %; ASA (20 000 + 20 001) ÷ 2 = 20 000.5 → 20 001. */
  it('wait exactly at the threshold (20 s in sales) is within SL; 20.001 s is not', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c1'));
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c2'));
    c.apply(ev('CONNECT', 20, 'sales', 'c1', 'a1'));
    c.apply(ev('CONNECT', 20.001, 'sales', 'c2', 'a2'));
    expect(c.today('sales')).toStrictEqual({ offered: 2, answered: 2, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 1, serviceLevelPct: 50, abandonRatePct: 0, asaMs: 20_001 });
  });

  /* The wait comes from the event times (ENTERQUEUE 0 → CONNECT 8 = 8 s), not from the CONNECT's rounded holdtime field. */
  it('the wait is measured from the event times, not taken from the journal’s holdtime field', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c1'));
    c.apply(ev('CONNECT', 8, 'sales', 'c1', 'a1', { holdtime: '99' }));
    expect(c.today('sales')).toMatchObject({ answeredWithinSl: 1, asaMs: 8000 });
  });

  /* Abandoned after 4 s: SL 0 ÷ 1 = 0.0 (not null), ASA null. */
  it('only abandons → service level 0 (not null), ASA null', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c1'));
    c.apply(ev('ABANDON', 4, 'sales', 'c1'));
    expect(c.today('sales')).toStrictEqual({ offered: 1, answered: 0, abandoned: 1, shortAbandoned: 1, answeredWithinSl: 0, serviceLevelPct: 0, abandonRatePct: null, asaMs: null });
  });

  /* c1 answered after 1 s, c2 no agents (EXITEMPTY), c3 its server died (EXITLOST): finished 3, within 1 → 33.3 %; abandoned 0. */
  it('EXITEMPTY and EXITLOST count as finished (in the SL denominator), not as abandoned', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c1'));
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c2'));
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c3'));
    c.apply(ev('CONNECT', 1, 'sales', 'c1', 'a1'));
    c.apply(ev('EXITEMPTY', 2, 'sales', 'c2'));
    c.apply(ev('EXITLOST', 3, 'sales', 'c3'));
    expect(c.today('sales')).toStrictEqual({ offered: 3, answered: 1, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 1, serviceLevelPct: 33.3, abandonRatePct: 0, asaMs: 1000 });
  });

  /* Answered after 1, 2 and 60 s: within 2 of 3 = 66.67 → 66.7 %; ASA (1 + 2 + 60) ÷ 3 = 21 s. */
  it('service level rounds to one decimal: 2 of 3 → 66.7', () => {
    const c = new DayCounters(slSeconds);
    for (const [id, wait] of [['c1', 1], ['c2', 2], ['c3', 60]] as const) {
      c.apply(ev('ENTERQUEUE', 0, 'sales', id));
      c.apply(ev('CONNECT', wait, 'sales', id, 'a1'));
    }
    expect(c.today('sales')).toMatchObject({ serviceLevelPct: 66.7, asaMs: 21_000 });
  });

  /*
   * c1 enters sales at 0, overflows to support at 25 s (ENTERQUEUE support at the same ms), answered at 35 s:
   *   sales: offered 1, finished 1 (overflowed), within 0 → 0.0 %, ASA null
   *   support: offered 1, answered 1, wait 35 s (from entering sales) > 30 → within 0 → 0.0 %, ASA 35 000
   */
  it('overflowed from sales to support → offered in both; support counts the whole 35 s wait, so not within its 30 s', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c1'));
    c.apply(ev('OVERFLOW', 25, 'sales', 'c1', undefined, { to: 'support' }));
    c.apply(ev('ENTERQUEUE', 25, 'support', 'c1'));
    c.apply(ev('CONNECT', 35, 'support', 'c1', 'a2'));
    expect(c.today('sales')).toStrictEqual({ offered: 1, answered: 0, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 0, serviceLevelPct: 0, abandonRatePct: 0, asaMs: null });
    expect(c.today('support')).toStrictEqual({ offered: 1, answered: 1, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 0, serviceLevelPct: 0, abandonRatePct: 0, asaMs: 35_000 });
  });

  /*
   * c1 enters sales at 0, presses a key at 30 s, is put back into sales at 30 s and answered at 40 s:
   *   two visits; the second's wait restarts: 10 s (within 20). offered 2, finished 2, within 1 → 50.0 %; ASA 10 000.
   */
  it('re-queued after an exit key → a second visit whose wait restarts (10 s, within SL)', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 0, 'sales', 'c1'));
    c.apply(ev('EXITWITHKEY', 30, 'sales', 'c1', undefined, { key: '2' }));
    c.apply(ev('ENTERQUEUE', 30, 'sales', 'c1'));
    c.apply(ev('CONNECT', 40, 'sales', 'c1', 'a1'));
    expect(c.today('sales')).toStrictEqual({ offered: 2, answered: 1, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 1, serviceLevelPct: 50, abandonRatePct: 0, asaMs: 10_000 });
  });
});

// ---- QueueDayStats against real Redis ----

describe('QueueDayStats (real Redis, Europe/Berlin)', () => {
  const TZ = 'Europe/Berlin';
  let redis: Redis;
  let keys: RedisKeys;
  let store: AcdStore;
  let journalKey: string;
  /** 15 March 2024 00:00 in Berlin (CET, UTC+1) = 14 March 23:00 UTC. */
  const DAY = Date.UTC(2024, 2, 14, 23);
  /** 16 March 2024 00:00 in Berlin. */
  const NEXT = Date.UTC(2024, 2, 15, 23);
  /** Noon in Berlin, 15 March 2024; moved by the tests. */
  let now: number;
  const clock = (): number => now;
  const stats = (): QueueDayStats => new QueueDayStats(store, slSeconds, { timeZone: TZ, now: clock });

  beforeEach(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    keys = new RedisKeys(`test:${randomUUID()}:`);
    const acdKeys = new AcdKeys(keys);
    store = new AcdStore(redis, { keys: acdKeys, reservationTtlMs: 5000, missesBeforePause: 2, handleTimeWindow: 50 });
    journalKey = acdKeys.journal();
    now = Date.UTC(2024, 2, 15, 11);
  });

  afterEach(async () => {
    await deletePrefix(redis, keys.prefix);
    redis.disconnect();
  });

  /**
   * XADD one journal entry as the ACD's Lua journal() writes it, at stream id "<ms>-<seq>"; its event time is
   * `time` (the writing server's clock), by default the id's ms.
   */
  async function journal(ms: number, seq: number, event: JournalEventName, queue: string, callId: string, o: { time?: number; agentId?: string; data?: Record<string, string | number> } = {}): Promise<void> {
    await redis.xadd(journalKey, `${ms}-${seq}`, 'event', event, 'time', String(o.time ?? ms), 'queue', queue, 'callId', callId, 'agentId', o.agentId ?? '', 'data', JSON.stringify(o.data ?? {}));
  }

  it('the journal is read as AcdStore.journal reads it (fields, data values as strings)', async () => {
    await journal(DAY + 1000, 0, 'CONNECT', 'sales', 'c1', { agentId: 'a1', data: { holdtime: 12 } });
    expect(await store.journal('-', 10)).toStrictEqual([{ id: `${DAY + 1000}-0`, event: 'CONNECT', time: DAY + 1000, queue: 'sales', callId: 'c1', agentId: 'a1', data: { holdtime: '12' } }]);
  });

  /*
   * First read: c1 enters sales at +1 s, c2 at +1 s, c1 answered at +6 s (wait 5 s)
   *   → sales offered 2, answered 1, within 1, finished 1 → 100.0 %, ASA 5 000.
   * Second read, nothing new: unchanged. Third read: c2 (entered in the first read) abandons at +8 s; c3 enters support at
   * +8 s and is answered at +48 s (wait 40 s > 30)
   *   → sales offered 2, answered 1, abandoned 1, finished 2 → 1 ÷ 2 = 50.0 %; support 1 answered, 0 within → 0.0 %, ASA 40 000.
   */
  it('refresh twice with more entries in between → each entry counted once; a visit begun in one read ends in the next', async () => {
    const s = stats();
    await journal(DAY + 1000, 0, 'ENTERQUEUE', 'sales', 'c1');
    await journal(DAY + 1000, 1, 'ENTERQUEUE', 'sales', 'c2');
    await journal(DAY + 6000, 0, 'CONNECT', 'sales', 'c1', { agentId: 'a1' });
    await s.refresh();
    expect(s.today('sales')).toStrictEqual({ offered: 2, answered: 1, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 1, serviceLevelPct: 100, abandonRatePct: 0, asaMs: 5000 });

    await s.refresh(); // nothing new: unchanged
    expect(s.today('sales')).toStrictEqual({ offered: 2, answered: 1, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 1, serviceLevelPct: 100, abandonRatePct: 0, asaMs: 5000 });

    await journal(DAY + 8000, 0, 'ABANDON', 'sales', 'c2');
    await journal(DAY + 8000, 1, 'ENTERQUEUE', 'support', 'c3');
    await journal(DAY + 48_000, 0, 'CONNECT', 'support', 'c3', { agentId: 'a2' });
    await s.refresh();
    expect(s.today('sales')).toStrictEqual({ offered: 2, answered: 1, abandoned: 1, shortAbandoned: 0, answeredWithinSl: 1, serviceLevelPct: 50, abandonRatePct: 50, asaMs: 5000 });
    expect(s.today('support')).toStrictEqual({ offered: 1, answered: 1, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 0, serviceLevelPct: 0, abandonRatePct: 0, asaMs: 40_000 });
  });

  /*
   * 2500 callers enter sales (call i at +1 s + i ms), then the first 1200 are answered 4 s after they entered
   * (ids after all the ENTERQUEUEs: the CONNECTs are read in later batches than their ENTERQUEUEs).
   *   offered 2500, answered 1200, every wait 4 000 ms ≤ 20 s → within 1200 of 1200 finished = 100.0 %, ASA 4 000.
   */
  it('more than one batch (3700 entries) → every entry counted once', async () => {
    const s = stats();
    const pipe = redis.pipeline();
    for (let i = 0; i < 2500; i += 1) pipe.xadd(journalKey, `${DAY + 1000 + i}-0`, 'event', 'ENTERQUEUE', 'time', String(DAY + 1000 + i), 'queue', 'sales', 'callId', `c${i}`, 'data', '{}');
    for (let i = 0; i < 1200; i += 1) pipe.xadd(journalKey, `${DAY + 5000 + i}-0`, 'event', 'CONNECT', 'time', String(DAY + 5000 + i), 'queue', 'sales', 'callId', `c${i}`, 'agentId', 'a1', 'data', '{}');
    await pipe.exec();
    await s.refresh();
    const expected = { offered: 2500, answered: 1200, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 1200, serviceLevelPct: 100, abandonRatePct: 0, asaMs: 4000 };
    expect(s.today('sales')).toStrictEqual(expected);
    await s.refresh();
    expect(s.today('sales')).toStrictEqual(expected);
  });

  it('concurrent refreshes share one read: counts once', async () => {
    const s = stats();
    await journal(DAY + 1000, 0, 'ENTERQUEUE', 'sales', 'c1');
    await Promise.all([s.refresh(), s.refresh(), s.refresh()]);
    expect(s.today('sales').offered).toBe(1);
  });

  /*
   * Kept by event time, not stream id (the stream is read from a minute before midnight):
   *   y1 enters at 23:59:50 yesterday (id and time DAY − 10 s) and is answered at 00:00:10 → yesterday's caller: not counted,
   *      its CONNECT neither
   *   t1 id DAY − 20 s, time DAY + 0.5 s (its server's clock 20.5 s ahead of Redis) → today: counted
   *   y2 id DAY + 5 s, time DAY − 2 s (its server's clock behind) → yesterday: not counted
   *   t2 at 00:01:00 → counted
   *   offered 2 (t1, t2), answered 0, nothing finished → SL and ASA null
   */
  it("yesterday's entries (by event time) are not counted, even when read; today's are, even with an earlier stream id", async () => {
    await journal(DAY - 20_000, 0, 'ENTERQUEUE', 'sales', 't1', { time: DAY + 500 });
    await journal(DAY - 10_000, 0, 'ENTERQUEUE', 'sales', 'y1');
    await journal(DAY - 1, 5, 'RINGNOANSWER', 'sales', 'y1', { agentId: 'a1' });
    await journal(DAY + 5000, 0, 'ENTERQUEUE', 'sales', 'y2', { time: DAY - 2000 });
    await journal(DAY + 10_000, 0, 'CONNECT', 'sales', 'y1', { agentId: 'a2' });
    await journal(DAY + 60_000, 0, 'ENTERQUEUE', 'sales', 't2');
    const s = stats();
    await s.refresh();
    expect(s.today('sales')).toStrictEqual({ offered: 2, answered: 0, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, abandonRatePct: null, asaMs: null });
  });

  it('an entry at exactly midnight (id "<midnight>-0") counts, once', async () => {
    await journal(DAY, 0, 'ENTERQUEUE', 'sales', 'c1');
    await journal(DAY, 1, 'ENTERQUEUE', 'sales', 'c2');
    const s = stats();
    await s.refresh();
    expect(s.today('sales').offered).toBe(2);
    await s.refresh();
    expect(s.today('sales').offered).toBe(2);
  });

  it('a lone entry at exactly midnight counts once over several refreshes', async () => {
    await journal(DAY, 0, 'ENTERQUEUE', 'sales', 'c1');
    const s = stats();
    await s.refresh();
    await s.refresh();
    expect(s.today('sales').offered).toBe(1);
  });

  /*
   * Day 1: c1 enters +1 s, answered +9 s → sales offered 1, answered 1.
   * Before the clock passes midnight: c2 enters sales at 23:59:59.5 (late yesterday, not read yet), c3 enters support
   * at 00:00:00.5. The clock moves to 00:00:01 → new day: sales has nothing today (c2 is yesterday's); support 1.
   */
  it('a new day (clock past local midnight) resets the figures and counts only the new day', async () => {
    const s = stats();
    await journal(DAY + 1000, 0, 'ENTERQUEUE', 'sales', 'c1');
    await journal(DAY + 9000, 0, 'CONNECT', 'sales', 'c1', { agentId: 'a1' });
    await s.refresh();
    expect(s.today('sales')).toMatchObject({ offered: 1, answered: 1 });

    await journal(NEXT - 500, 0, 'ENTERQUEUE', 'sales', 'c2');
    await journal(NEXT + 500, 0, 'ENTERQUEUE', 'support', 'c3');
    now = NEXT + 1000;
    await s.refresh();
    expect(s.today('sales')).toStrictEqual(EMPTY);
    expect(s.today('support')).toStrictEqual({ offered: 1, answered: 0, abandoned: 0, shortAbandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, abandonRatePct: null, asaMs: null });
  });

  /*
   * 31 March 2024 in Berlin is 23 h: 2024-03-30 23:00Z → 2024-03-31 22:00Z. Now = 12:00 CEST (10:00Z).
   *   00:00:00.5 CET (23:00:00.5Z on the 30th) → today; 23:59:30 on the 30th (22:59:30Z) → yesterday
   *   23:59:59.999 CEST (21:59:59.999Z) → today; 00:00 on 1 April (22:00Z) → tomorrow
   *   → offered 2
   */
  it('on the 23-hour DST day (2024-03-31) → today is 23:00Z to 22:00Z; entries either side are not counted', async () => {
    now = Date.UTC(2024, 2, 31, 10);
    await journal(Date.UTC(2024, 2, 30, 22, 59, 30), 0, 'ENTERQUEUE', 'sales', 'y1');
    await journal(Date.UTC(2024, 2, 30, 23, 0, 0, 500), 0, 'ENTERQUEUE', 'sales', 't1');
    await journal(Date.UTC(2024, 2, 31, 21, 59, 59, 999), 0, 'ENTERQUEUE', 'sales', 't2');
    await journal(Date.UTC(2024, 2, 31, 22), 0, 'ENTERQUEUE', 'sales', 'n1');
    const s = stats();
    await s.refresh();
    expect(s.today('sales').offered).toBe(2);
  });

  /*
   * The day is the configured zone's: at 11:00Z on 15 March, Asia/Kolkata's day began at 14 March 18:30Z, Berlin's at 23:00Z.
   * An entry at 14 March 20:00Z (01:30 IST on the 15th, 21:00 CET on the 14th) → today in Kolkata, yesterday in Berlin.
   */
  it('the time zone decides the day: an entry at 20:00Z counts for Asia/Kolkata, not for Europe/Berlin', async () => {
    await journal(Date.UTC(2024, 2, 14, 20), 0, 'ENTERQUEUE', 'sales', 'c1');
    const berlin = stats();
    const kolkata = new QueueDayStats(store, slSeconds, { timeZone: 'Asia/Kolkata', now: clock });
    await berlin.refresh();
    await kolkata.refresh();
    expect(berlin.today('sales').offered).toBe(0);
    expect(kolkata.today('sales').offered).toBe(1);
  });
});
