/**
 * Today's queue figures (src/cti/queue-stats.ts). DayCounters is pure: a
 * hand-computed journal in, exact figures out. QueueDayStats reads the ACD
 * journal stream of a real Redis (entries written with XADD in the fields
 * the ACD's Lua journal() writes) under a unique prefix, with an injected
 * clock; its keys are deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AcdStore } from '../../src/acd/store/acd-store.js';
import { AcdKeys } from '../../src/acd/store/keys.js';
import type { JournalEvent, JournalEventName } from '../../src/acd/types.js';
import { DayCounters, QueueDayStats, startOfDay } from '../../src/cti/queue-stats.js';
import { RedisKeys } from '../../src/store/redis.js';

const SL: Record<string, number> = { sales: 20, support: 30 };
const slSeconds = (q: string): number => SL[q] ?? 20;

let n = 0;
function ev(event: JournalEventName, queue: string | undefined, data: Record<string, string> = {}): JournalEvent {
  n += 1;
  return { id: `1700000000000-${n}`, event, time: 1_700_000_000_000, ...(queue === undefined ? {} : { queue }), callId: `c${n}`, data };
}

/**
 * sales (SL 20 s): 6 entered; answered after 10, 20 (at the threshold) and 21 s; 1 abandoned; 1 timed out; 1 still waiting.
 *   finished 3 + 1 + 1 = 5, within SL 2 → 40 %; ASA (10 + 20 + 21) / 3 = 17 s.
 * support (SL 30 s): 7 entered; answered after 25 (within 30, not within 20), 30 (at the threshold) and 33 s;
 *   1 abandoned; 1 pressed a key; 1 overflowed; 1 still waiting; a ring-no-answer that counts nowhere.
 *   finished 3 + 1 + 2 = 6, within SL 2 → 33.3 %; ASA (25 + 30 + 33) / 3 = 29.333 s → 29333 ms.
 */
function fixture(): JournalEvent[] {
  return [
    ...Array.from({ length: 6 }, () => ev('ENTERQUEUE', 'sales')),
    ...Array.from({ length: 7 }, () => ev('ENTERQUEUE', 'support')),
    ev('CONNECT', 'sales', { holdtime: '10' }),
    ev('RINGNOANSWER', 'support', { ringtime: '15' }),
    ev('CONNECT', 'support', { holdtime: '25' }),
    ev('CONNECT', 'sales', { holdtime: '20' }),
    ev('ABANDON', 'sales', { waittime: '40' }),
    ev('CONNECT', 'support', { holdtime: '30' }),
    ev('EXITWITHTIMEOUT', 'sales', { waittime: '300' }),
    ev('CONNECT', 'sales', { holdtime: '21' }),
    ev('ABANDON', 'support', { waittime: '5' }),
    ev('EXITWITHKEY', 'support', { key: '1' }),
    ev('OVERFLOW', 'support', { waittime: '60' }),
    ev('CONNECT', 'support', { holdtime: '33' }),
    // no queue: ignored by every queue
    ev('CONNECT', undefined, { holdtime: '1' }),
    ev('ENTERQUEUE', ''),
    ev('ABANDON', ''),
    ev('PAUSE', undefined, { reason: 'lunch' }),
    // events of other kinds in a queue count nowhere
    ev('COMPLETECALLER', 'sales', { holdtime: '10', calltime: '100' }),
    ev('TRANSFER', 'support', {}),
  ];
}

const EMPTY = { offered: 0, answered: 0, abandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, asaMs: null };

describe('DayCounters', () => {
  it('two queues with SL 20 and 30 s → exact offered/answered/abandoned/within SL/SL %/ASA per queue', () => {
    const c = new DayCounters(slSeconds);
    for (const e of fixture()) c.apply(e);
    expect(c.today('sales')).toStrictEqual({ offered: 6, answered: 3, abandoned: 1, answeredWithinSl: 2, serviceLevelPct: 40, asaMs: 17_000 });
    expect(c.today('support')).toStrictEqual({ offered: 7, answered: 3, abandoned: 1, answeredWithinSl: 2, serviceLevelPct: 33.3, asaMs: 29_333 });
  });

  it('a queue with no events → zero counts, null service level and ASA', () => {
    const c = new DayCounters(slSeconds);
    for (const e of fixture()) c.apply(e);
    expect(c.today('billing')).toStrictEqual(EMPTY);
  });

  it('events without a queue (absent or empty) are ignored: the empty queue name has no figures', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', ''));
    c.apply(ev('CONNECT', undefined, { holdtime: '3' }));
    expect(c.today('')).toStrictEqual(EMPTY);
  });

  it('callers entered but none finished yet → offered counts, service level and ASA still null', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 'sales'));
    c.apply(ev('ENTERQUEUE', 'sales'));
    expect(c.today('sales')).toStrictEqual({ offered: 2, answered: 0, abandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, asaMs: null });
  });

  it('holdtime exactly at the threshold (20 s in sales) is within SL; 20.001 s is not', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('CONNECT', 'sales', { holdtime: '20' }));
    c.apply(ev('CONNECT', 'sales', { holdtime: '20.001' }));
    expect(c.today('sales')).toMatchObject({ answered: 2, answeredWithinSl: 1, serviceLevelPct: 50, asaMs: 20_001 });
  });

  it('only abandons → service level 0 (not null), ASA null', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('ENTERQUEUE', 'sales'));
    c.apply(ev('ABANDON', 'sales'));
    expect(c.today('sales')).toStrictEqual({ offered: 1, answered: 0, abandoned: 1, answeredWithinSl: 0, serviceLevelPct: 0, asaMs: null });
  });

  it('EXITEMPTY and EXITLOST count as exited (in the SL denominator), not as abandoned', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('CONNECT', 'sales', { holdtime: '1' }));
    c.apply(ev('EXITEMPTY', 'sales'));
    c.apply(ev('EXITLOST', 'sales'));
    expect(c.today('sales')).toStrictEqual({ offered: 0, answered: 1, abandoned: 0, answeredWithinSl: 1, serviceLevelPct: 33.3, asaMs: 1000 });
  });

  it('service level rounds to one decimal: 2 of 3 → 66.7', () => {
    const c = new DayCounters(slSeconds);
    c.apply(ev('CONNECT', 'sales', { holdtime: '1' }));
    c.apply(ev('CONNECT', 'sales', { holdtime: '2' }));
    c.apply(ev('CONNECT', 'sales', { holdtime: '60' }));
    expect(c.today('sales')).toMatchObject({ serviceLevelPct: 66.7, asaMs: 21_000 });
  });
});

describe('startOfDay', () => {
  it('13:45:10.123 local → 00:00:00.000 local of the same day', () => {
    expect(startOfDay(new Date(2024, 2, 15, 13, 45, 10, 123).getTime())).toBe(new Date(2024, 2, 15).getTime());
  });

  it('midnight itself → itself; 23:59:59.999 → that day; the next ms → the next day', () => {
    const midnight = new Date(2024, 2, 15).getTime();
    expect(startOfDay(midnight)).toBe(midnight);
    const last = new Date(2024, 2, 15, 23, 59, 59, 999).getTime();
    expect(startOfDay(last)).toBe(midnight);
    expect(startOfDay(last + 1)).toBe(new Date(2024, 2, 16).getTime());
  });
});

// ---- QueueDayStats against real Redis ----

describe('QueueDayStats (real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;
  let store: AcdStore;
  let journalKey: string;
  /** Noon local time, 15 March 2024; moved by the tests. */
  let now: number;
  const DAY = new Date(2024, 2, 15).getTime();
  const clock = (): number => now;

  beforeEach(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    keys = new RedisKeys(`test:${randomUUID()}:`);
    const acdKeys = new AcdKeys(keys);
    store = new AcdStore(redis, { keys: acdKeys, reservationTtlMs: 5000, missesBeforePause: 2, handleTimeWindow: 50 });
    journalKey = acdKeys.journal();
    now = new Date(2024, 2, 15, 12, 0, 0).getTime();
  });

  afterEach(async () => {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await redis.del(...found);
    } while (cursor !== '0');
    redis.disconnect();
  });

  /** XADD one journal entry as the ACD's Lua journal() writes it, at an explicit id ("<ms>-<seq>"). */
  async function journal(id: string, event: JournalEventName, queue: string, data: Record<string, string | number> = {}): Promise<void> {
    const ms = id.split('-')[0]!;
    await redis.xadd(journalKey, id, 'event', event, 'time', ms, 'queue', queue, 'callId', `call-${id}`, 'agentId', '', 'data', JSON.stringify(data));
  }

  it('the journal is read as AcdStore.journal reads it (fields, data values as strings)', async () => {
    await journal(`${DAY + 1000}-0`, 'CONNECT', 'sales', { holdtime: 12 });
    expect(await store.journal('-', 10)).toStrictEqual([{ id: `${DAY + 1000}-0`, event: 'CONNECT', time: DAY + 1000, queue: 'sales', callId: `call-${DAY + 1000}-0`, data: { holdtime: '12' } }]);
  });

  it('refresh twice with more entries in between → each entry counted once', async () => {
    const stats = new QueueDayStats(store, slSeconds, clock);
    await journal(`${DAY + 1000}-0`, 'ENTERQUEUE', 'sales');
    await journal(`${DAY + 1000}-1`, 'ENTERQUEUE', 'sales');
    await journal(`${DAY + 2000}-0`, 'CONNECT', 'sales', { holdtime: 5 });
    await stats.refresh();
    expect(stats.today('sales')).toStrictEqual({ offered: 2, answered: 1, abandoned: 0, answeredWithinSl: 1, serviceLevelPct: 100, asaMs: 5000 });

    await stats.refresh(); // nothing new: unchanged
    expect(stats.today('sales')).toStrictEqual({ offered: 2, answered: 1, abandoned: 0, answeredWithinSl: 1, serviceLevelPct: 100, asaMs: 5000 });

    await journal(`${DAY + 3000}-0`, 'ABANDON', 'sales');
    await journal(`${DAY + 3000}-1`, 'ENTERQUEUE', 'support');
    await journal(`${DAY + 4000}-0`, 'CONNECT', 'support', { holdtime: 40 });
    await stats.refresh();
    expect(stats.today('sales')).toStrictEqual({ offered: 2, answered: 1, abandoned: 1, answeredWithinSl: 1, serviceLevelPct: 50, asaMs: 5000 });
    expect(stats.today('support')).toStrictEqual({ offered: 1, answered: 1, abandoned: 0, answeredWithinSl: 0, serviceLevelPct: 0, asaMs: 40_000 });
  });

  it('more than one batch (2500 entries) → every entry counted once', async () => {
    const stats = new QueueDayStats(store, slSeconds, clock);
    const pipe = redis.pipeline();
    for (let i = 0; i < 2500; i += 1) pipe.xadd(journalKey, `${DAY + 1000 + i}-0`, 'event', 'ENTERQUEUE', 'time', String(DAY + 1000 + i), 'queue', 'sales', 'data', '{}');
    await pipe.exec();
    await stats.refresh();
    expect(stats.today('sales').offered).toBe(2500);
    await stats.refresh();
    expect(stats.today('sales').offered).toBe(2500);
  });

  it('concurrent refreshes share one read: counts once', async () => {
    const stats = new QueueDayStats(store, slSeconds, clock);
    await journal(`${DAY + 1000}-0`, 'ENTERQUEUE', 'sales');
    await Promise.all([stats.refresh(), stats.refresh(), stats.refresh()]);
    expect(stats.today('sales').offered).toBe(1);
  });

  it("entries from before today's midnight (yesterday 23:59:59) are not counted", async () => {
    await journal(`${DAY - 1000}-0`, 'ENTERQUEUE', 'sales');
    await journal(`${DAY - 1}-5`, 'CONNECT', 'sales', { holdtime: 3 });
    await journal(`${DAY + 60_000}-0`, 'ENTERQUEUE', 'sales');
    const stats = new QueueDayStats(store, slSeconds, clock);
    await stats.refresh();
    expect(stats.today('sales')).toStrictEqual({ offered: 1, answered: 0, abandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, asaMs: null });
  });

  it('an entry at exactly midnight (id "<midnight>-0") counts, once', async () => {
    await journal(`${DAY}-0`, 'ENTERQUEUE', 'sales');
    await journal(`${DAY}-1`, 'ENTERQUEUE', 'sales');
    const stats = new QueueDayStats(store, slSeconds, clock);
    await stats.refresh();
    expect(stats.today('sales').offered).toBe(2);
    await stats.refresh();
    expect(stats.today('sales').offered).toBe(2);
  });

  it('a lone entry at exactly midnight counts once over several refreshes', async () => {
    await journal(`${DAY}-0`, 'ENTERQUEUE', 'sales');
    const stats = new QueueDayStats(store, slSeconds, clock);
    await stats.refresh();
    await stats.refresh();
    expect(stats.today('sales').offered).toBe(1);
  });

  it('a new day (clock past midnight) resets the figures and counts only the new day', async () => {
    const stats = new QueueDayStats(store, slSeconds, clock);
    await journal(`${DAY + 1000}-0`, 'ENTERQUEUE', 'sales');
    await journal(`${DAY + 2000}-0`, 'CONNECT', 'sales', { holdtime: 8 });
    await stats.refresh();
    expect(stats.today('sales')).toMatchObject({ offered: 1, answered: 1 });

    const NEXT = new Date(2024, 2, 16).getTime();
    await journal(`${NEXT - 500}-0`, 'ENTERQUEUE', 'sales'); // late yesterday, not read before the day turned
    await journal(`${NEXT + 500}-0`, 'ENTERQUEUE', 'support');
    now = new Date(2024, 2, 16, 0, 0, 1).getTime();
    await stats.refresh();
    expect(stats.today('sales')).toStrictEqual({ offered: 0, answered: 0, abandoned: 0, answeredWithinSl: 0, serviceLevelPct: null, asaMs: null });
    expect(stats.today('support')).toMatchObject({ offered: 1 });
  });
});
