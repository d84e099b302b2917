/**
 * Next week's forecast from history (src/reports/staffing/forecast.ts): the
 * mean of the same local weekday and slot over the past weeks, on the wall clock
 * of the given time zone, and the agents needed per row. Hand-made history in,
 * hand-computed forecast out.
 */
import { describe, expect, it } from 'vitest';
import { agentsNeeded, StaffingError } from '../../src/reports/staffing/erlang.js';
import {
  addDays,
  forecastWeek,
  localMidnight,
  overallAhtSeconds,
  staffForecast,
  weekdayOf,
  type ForecastOptions,
  type ForecastRow,
  type HistoryRow,
} from '../../src/reports/staffing/forecast.js';

/** Monday 2 March 2026; Berlin is UTC+1 until 29 March. */
const berlin: ForecastOptions = { from: '2026-03-02', weeks: 4, intervalMinutes: 30, timeZone: 'Europe/Berlin' };

const row = (intervalStart: string, offered: number, ahtSeconds: number | null = 180): HistoryRow => ({ intervalStart, offered, ahtSeconds });
const find = <R extends ForecastRow>(rows: readonly R[], date: string, slot: string): R | undefined => rows.find((r) => r.date === date && r.slot === slot);

describe('forecastWeek', () => {
  it('Monday 09:00 Berlin had 10, 20, 30, 40 calls in the last 4 weeks → 25, AHT weighted by calls → 300 s', () => {
    // Mondays 23 Feb, 16 Feb, 9 Feb, 2 Feb; 09:00 Berlin = 08:00Z
    const history = [
      row('2026-02-23T08:00:00Z', 10, 100),
      row('2026-02-16T08:00:00Z', 20, 200),
      row('2026-02-09T08:00:00Z', 30, 300),
      row('2026-02-02T08:00:00Z', 40, 400),
    ];
    const rows = forecastWeek(history, berlin);
    const monday9 = find(rows, '2026-03-02', '09:00');
    expect(monday9).toStrictEqual({ intervalStart: '2026-03-02T08:00:00.000Z', date: '2026-03-02', weekday: 'mon', slot: '09:00', forecastCalls: 25, ahtSeconds: 300 });
  });

  it('a week with no row for the slot counts as 0 calls: 10 + 20 + 30 over 4 weeks → 15', () => {
    const history = [row('2026-02-23T08:00:00Z', 10), row('2026-02-16T08:00:00Z', 20), row('2026-02-02T08:00:00Z', 30)];
    expect(find(forecastWeek(history, berlin), '2026-03-02', '09:00')?.forecastCalls).toBe(15);
  });

  it('slots with no history forecast 0 calls and no AHT', () => {
    const rows = forecastWeek([row('2026-02-23T08:00:00Z', 10)], berlin);
    expect(find(rows, '2026-03-02', '09:30')).toMatchObject({ forecastCalls: 0, ahtSeconds: null });
    expect(find(rows, '2026-03-03', '09:00')).toMatchObject({ forecastCalls: 0, ahtSeconds: null });
  });

  it('a week of 30-minute slots is 7 × 48 = 336 rows from local midnight Monday to Sunday 23:30', () => {
    const rows = forecastWeek([], berlin);
    expect(rows).toHaveLength(336);
    expect(rows[0]).toMatchObject({ intervalStart: '2026-03-01T23:00:00.000Z', date: '2026-03-02', weekday: 'mon', slot: '00:00' });
    expect(rows[335]).toMatchObject({ intervalStart: '2026-03-08T22:30:00.000Z', date: '2026-03-08', weekday: 'sun', slot: '23:30' });
    expect(new Set(rows.map((r) => r.weekday))).toStrictEqual(new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']));
  });

  it('15- and 60-minute intervals: 672 and 168 rows', () => {
    expect(forecastWeek([], { ...berlin, intervalMinutes: 15 })).toHaveLength(672);
    expect(forecastWeek([], { ...berlin, intervalMinutes: 60 })).toHaveLength(168);
  });

  it('buckets by the local weekday: 23:30Z on Monday 23 Feb is Tuesday 00:30 in Berlin', () => {
    const rows = forecastWeek([row('2026-02-23T23:30:00Z', 8)], berlin);
    expect(find(rows, '2026-03-03', '00:30')?.forecastCalls).toBe(2);
    expect(find(rows, '2026-03-02', '23:30')?.forecastCalls).toBe(0);
  });

  it('the same history in New York time lands on other slots (Monday 03:00 EST)', () => {
    const rows = forecastWeek([row('2026-02-23T08:00:00Z', 8)], { ...berlin, timeZone: 'America/New_York' });
    expect(find(rows, '2026-03-02', '03:00')).toMatchObject({ forecastCalls: 2, intervalStart: '2026-03-02T08:00:00.000Z' });
  });

  it('history outside the weeks before `from` is ignored (5 weeks back, or in the forecast week itself)', () => {
    const history = [row('2026-01-26T08:00:00Z', 100), row('2026-03-02T08:00:00Z', 100), row('2026-02-23T08:00:00Z', 4)];
    expect(find(forecastWeek(history, berlin), '2026-03-02', '09:00')?.forecastCalls).toBe(1);
  });

  it('15-minute history rolls up into 60-minute slots: 09:00, 09:15, 09:30, 09:45 sum to the 09:00 hour', () => {
    const history = ['08:00', '08:15', '08:30', '08:45'].map((t, i) => row(`2026-02-23T${t}:00Z`, i + 1, 100 * (i + 1)));
    const r = find(forecastWeek(history, { ...berlin, intervalMinutes: 60, weeks: 1 }), '2026-03-02', '09:00');
    expect(r?.forecastCalls).toBe(10);
    expect(r?.ahtSeconds).toBeCloseTo((1 * 100 + 2 * 200 + 3 * 300 + 4 * 400) / 10, 12);
  });

  it('AHT ignores rows without one (all abandoned): 10 calls at 200 s and 30 calls with null → 200 s', () => {
    const history = [row('2026-02-23T08:00:00Z', 10, 200), row('2026-02-16T08:00:00Z', 30, null)];
    expect(find(forecastWeek(history, berlin), '2026-03-02', '09:00')).toMatchObject({ forecastCalls: 10, ahtSeconds: 200 });
  });

  it('spring forward (Berlin, Sunday 29 March 2026): 02:00 and 02:30 do not exist, so that Sunday has 46 slots', () => {
    const rows = forecastWeek([], { ...berlin, from: '2026-03-23' });
    const sunday = rows.filter((r) => r.date === '2026-03-29');
    expect(sunday).toHaveLength(46);
    expect(sunday.map((r) => r.slot).slice(2, 5)).toStrictEqual(['01:00', '01:30', '03:00']);
    expect(find(rows, '2026-03-29', '03:00')?.intervalStart).toBe('2026-03-29T01:00:00.000Z');
  });

  it('fall back (Berlin, Sunday 25 October 2026): 02:00 and 02:30 happen twice, each with the slot forecast', () => {
    // Sunday 18 October is still summer time (UTC+2): 00:00Z is 02:00 and 01:00Z is 03:00 local
    const history = [row('2026-10-18T00:00:00Z', 8), row('2026-10-18T01:00:00Z', 12)];
    const rows = forecastWeek(history, { ...berlin, from: '2026-10-19', weeks: 1 });
    const sunday = rows.filter((r) => r.date === '2026-10-25');
    expect(sunday).toHaveLength(50);
    const twice = sunday.filter((r) => r.slot === '02:00');
    expect(twice.map((r) => r.intervalStart)).toStrictEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']);
    expect(twice.map((r) => r.forecastCalls)).toStrictEqual([8, 8]);
    expect(find(rows, '2026-10-25', '03:00')?.forecastCalls).toBe(12);
  });

  it('a quarter-hour zone (Kathmandu, UTC+05:45): local midnight Monday is 18:15Z on Sunday', () => {
    const rows = forecastWeek([], { ...berlin, timeZone: 'Asia/Kathmandu' });
    expect(rows[0]).toMatchObject({ intervalStart: '2026-03-01T18:15:00.000Z', slot: '00:00', weekday: 'mon' });
    expect(rows).toHaveLength(336);
  });

  it('a day that starts at 01:00 (Santiago, DST at midnight, Sunday 6 September 2026) has 23 hourly slots from 01:00', () => {
    const rows = forecastWeek([], { from: '2026-09-06', weeks: 1, intervalMinutes: 60, timeZone: 'America/Santiago' });
    const sunday = rows.filter((r) => r.date === '2026-09-06');
    expect(sunday).toHaveLength(23);
    expect(sunday[0]).toMatchObject({ slot: '01:00', intervalStart: '2026-09-06T04:00:00.000Z' });
    expect(localMidnight('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('bad options or rows are STAFFING_INVALID_INPUT', () => {
    const bad: [HistoryRow[], ForecastOptions][] = [
      [[], { ...berlin, timeZone: 'Mars/Olympus' }],
      [[], { ...berlin, from: '2026-02-30' }],
      [[], { ...berlin, from: 'next week' }],
      [[], { ...berlin, weeks: 0 }],
      [[], { ...berlin, weeks: 1.5 }],
      [[], { ...berlin, intervalMinutes: 20 as 30 }],
      [[row('yesterday', 1)], berlin],
      [[row('2026-02-23T08:00:00Z', -1)], berlin],
      [[row('2026-02-23T08:00:00Z', 1, -3)], berlin],
    ];
    for (const [history, opts] of bad) {
      let code: string | undefined;
      try {
        forecastWeek(history, opts);
      } catch (err) {
        code = err instanceof StaffingError ? err.code : 'other';
      }
      expect(code, JSON.stringify(opts)).toBe('STAFFING_INVALID_INPUT');
    }
  });
});

describe('date helpers', () => {
  it('addDays and weekdayOf work on calendar days: 2026-02-28 + 1 = 2026-03-01, a Sunday', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-03-02', -28)).toBe('2026-02-02');
    expect(weekdayOf('2026-03-01')).toBe('sun');
  });

  it('localMidnight: Monday 2 March 2026 starts at 23:00Z the day before in Berlin', () => {
    expect(localMidnight('2026-03-02', 'Europe/Berlin').toISOString()).toBe('2026-03-01T23:00:00.000Z');
  });
});

describe('staffForecast', () => {
  const targets = { intervalMinutes: 30 as const, slSeconds: 20, targetServiceLevel: 0.8 };

  it('100 calls at AHT 180 s in a 30-minute slot → 14 agents (Erlang C, 80/20); empty slots → 0 agents', () => {
    const rows = staffForecast(forecastWeek([row('2026-02-23T08:00:00Z', 100, 180)], { ...berlin, weeks: 1 }), targets);
    expect(find(rows, '2026-03-02', '09:00')).toMatchObject({ forecastCalls: 100, agents: 14, pAbandon: 0 });
    expect(find(rows, '2026-03-02', '09:00')?.serviceLevel).toBeCloseTo(0.88835, 5);
    expect(find(rows, '2026-03-02', '10:00')).toMatchObject({ forecastCalls: 0, agents: 0, serviceLevel: 1, occupancy: 0 });
  });

  it('erlang-a with patience and an occupancy cap passes through to agentsNeeded', () => {
    const t = { ...targets, model: 'erlang-a' as const, patienceSeconds: 120, maxOccupancy: 0.75 };
    const [r] = staffForecast([{ intervalStart: '2026-03-02T08:00:00.000Z', date: '2026-03-02', weekday: 'mon', slot: '09:00', forecastCalls: 100, ahtSeconds: 180 }], t);
    const expected = agentsNeeded({ callsPerInterval: 100, intervalSeconds: 1800, ahtSeconds: 180, slSeconds: 20, targetServiceLevel: 0.8, model: 'erlang-a', patienceSeconds: 120, maxOccupancy: 0.75 });
    expect(r).toMatchObject({ agents: expected.agents, pAbandon: expected.pAbandon, occupancy: expected.occupancy });
    expect(r?.occupancy).toBeLessThanOrEqual(0.75);
  });

  it('a slot with calls but no AHT uses the fallback AHT; without one it is an error naming the slot', () => {
    const rows = forecastWeek([row('2026-02-23T08:00:00Z', 100, null)], { ...berlin, weeks: 1 });
    expect(find(staffForecast(rows, { ...targets, fallbackAhtSeconds: 180 }), '2026-03-02', '09:00')).toMatchObject({ agents: 14, ahtSeconds: 180 });
    expect(() => staffForecast(rows, targets)).toThrow(/2026-03-02 09:00: 100 calls forecast but no handle time/);
  });

  it('overallAhtSeconds: the call-weighted AHT of the whole history, null when none', () => {
    expect(overallAhtSeconds([row('2026-02-23T08:00:00Z', 10, 100), row('2026-02-23T09:00:00Z', 30, 300), row('2026-02-23T10:00:00Z', 5, null)])).toBe(250);
    expect(overallAhtSeconds([row('2026-02-23T08:00:00Z', 5, null)])).toBeNull();
    expect(overallAhtSeconds([])).toBeNull();
  });
});
