/**
 * Live and historical figures agree: the scripted morning of
 * test/support/fixture-day.ts goes through the real ACD store; the wallboard's
 * counters (QueueDayStats reading the Redis journal) and the historical
 * report (ReportService over PostgreSQL after the records worker) must give
 * the same service level, ASA and abandon figures — and the ones worked out
 * by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueDayStats } from '../../src/cti/queue-stats.js';
import { ReportService } from '../../src/reports/report-service.js';
import { recordsEnv, type RecordsEnv } from '../support/records-env.js';
import { runScript } from '../support/scripted-calls.js';
import { AGENTS, CALLS, DAY, EXPECTED, SL_SECONDS, TZ } from '../support/fixture-day.js';

let env: RecordsEnv;
let reports: ReportService;
const EVENING = DAY + 18 * 3_600_000;

beforeAll(async () => {
  env = await recordsEnv();
  await runScript(CALLS, { store: env.store, callLog: env.callLog, agents: AGENTS });
  await env.ingester().runOnce();
  reports = new ReportService(() => env.db, {
    timeZone: TZ,
    shortAbandonMs: 5000,
    fcrDays: 7,
    slMs: (q) => (SL_SECONDS[q] ?? 20) * 1000,
    queues: ['sales', 'support'],
  });
});
afterAll(async () => {
  await env.close();
});

describe('live wallboard vs historical report, one scripted morning', () => {
  it('the day report → every queue figure as worked out by hand', async () => {
    const rows = await reports.queueReport({ from: new Date(DAY), to: new Date(DAY + 24 * 3_600_000), interval: 'day' });
    expect(rows.map((r) => [r.queue, r.intervalStart])).toEqual([
      ['sales', new Date(DAY).toISOString()],
      ['support', new Date(DAY).toISOString()],
    ]);
    expect(rows[0]).toMatchObject(EXPECTED.sales);
    expect(rows[1]).toMatchObject(EXPECTED.support);
  });

  it('live counters at 18:00 the same day → the same offered, answered, abandoned, abandon rate, SL and ASA as the report', async () => {
    const live = new QueueDayStats(env.store, (q) => SL_SECONDS[q] ?? 20, { timeZone: TZ, shortAbandonMs: 5000, now: () => EVENING });
    await live.refresh();
    const history = await reports.queueReport({ from: new Date(DAY), to: new Date(DAY + 24 * 3_600_000), interval: 'day' });
    for (const queue of ['sales', 'support'] as const) {
      const h = history.find((r) => r.queue === queue)!;
      const l = live.today(queue);
      expect(l, queue).toStrictEqual({
        offered: h.offered,
        answered: h.answered,
        abandoned: h.abandoned,
        shortAbandoned: h.shortAbandoned,
        answeredWithinSl: h.answeredWithinSl,
        serviceLevelPct: h.serviceLevelPct,
        abandonRatePct: h.abandonRatePct,
        asaMs: h.asaMs,
      });
    }
    expect(live.today('sales')).toMatchObject({ serviceLevelPct: 42.9, abandonRatePct: 16.7, asaMs: 23_400, abandoned: 2 });
  });

  it('hourly intervals add up to the day; the 09:00 hour holds c1–c6, the 10:00 hour c7 and c8', async () => {
    const hours = await reports.queueReport({ from: new Date(DAY), to: new Date(DAY + 24 * 3_600_000), interval: 'hour', queues: ['sales'] });
    expect(hours).toHaveLength(24);
    expect(hours.reduce((n, r) => n + r.offered, 0)).toBe(7);
    const nine = hours.find((r) => r.intervalStart === new Date(DAY + 9 * 3_600_000).toISOString())!;
    const ten = hours.find((r) => r.intervalStart === new Date(DAY + 10 * 3_600_000).toISOString())!;
    // 09:00: c1 c2 c3 c4 c5 c6 → within 20 s: c1 c2 → 2 of 6 = 33.3 %; 10:00: c8 within → 100 %
    expect(nine).toMatchObject({ offered: 6, answered: 4, answeredWithinSl: 2, serviceLevelPct: 33.3 });
    expect(ten).toMatchObject({ offered: 1, answered: 1, answeredWithinSl: 1, serviceLevelPct: 100 });
  });

  it("a1's 09:00 hour → staffed, handling, idle, occupancy, utilisation and AHT as worked out by hand", async () => {
    const rows = await reports.agentReport({ from: new Date(DAY), to: new Date(DAY + 24 * 3_600_000), interval: 'hour', agents: ['a1'] });
    const nine = rows.find((r) => r.intervalStart === new Date(DAY + 9 * 3_600_000).toISOString());
    expect(nine).toMatchObject({ agentId: 'a1', ...EXPECTED.a1Hour9 });
    // logged in 08:55 → 17:00: 5 minutes in the 08:00 hour, whole hours after, nothing from 17:00
    expect(rows.find((r) => r.intervalStart === new Date(DAY + 8 * 3_600_000).toISOString())).toMatchObject({ staffedMs: 300_000 });
    expect(rows.some((r) => r.intervalStart === new Date(DAY + 17 * 3_600_000).toISOString())).toBe(false);
  });

  it('the staffing history of sales → offered and AHT per half hour', async () => {
    const rows = await reports.queueIntervals({ queue: 'sales', from: new Date(DAY), to: new Date(DAY + 24 * 3_600_000), intervalMinutes: 30 });
    expect(rows).toHaveLength(48);
    const at9 = rows.find((r) => r.intervalStart === new Date(DAY + 9 * 3_600_000).toISOString());
    // 09:00–09:30: c1 c2 c3 c4 c5 c6 (answered: c1 155 s, c2 70 s, c5 30 s, c6 100 s → 88.75 s)
    expect(at9).toEqual({ intervalStart: new Date(DAY + 9 * 3_600_000).toISOString(), offered: 6, ahtSeconds: 88.75 });
  });
});
