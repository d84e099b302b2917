/**
 * Report intervals (src/reports/core/intervals.ts) on a zone's wall clock.
 * Expected instants are written in UTC and worked out by hand from the zone's
 * offset, noted beside each: Europe/Berlin is UTC+1 (CET) in winter and UTC+2
 * (CEST) in summer, switching on 2024-03-31 at 02:00 CET → 03:00 CEST
 * (01:00 UTC) and back on 2024-10-27 at 03:00 CEST → 02:00 CET (01:00 UTC);
 * Asia/Kolkata is UTC+5:30 and Asia/Kathmandu UTC+5:45 all year.
 */
import { describe, expect, it } from 'vitest';
import { INTERVAL_SIZES, intervalsBetween, intervalStart, isTimeZone, nextInterval, offsetAt, wallClock, type IntervalSize } from '../../src/reports/core/intervals.js';

const H = 3_600_000;
const M = 60_000;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);
const BERLIN = 'Europe/Berlin';
const KOLKATA = 'Asia/Kolkata';

describe('intervalStart / nextInterval on an ordinary day (Berlin, CET = UTC+1)', () => {
  // 2024-03-15 13:47:12.345 CET = 12:47:12.345 UTC
  const t = utc(2024, 3, 15, 12, 47, 12, 345);

  it.each([
    // 15m: 13:45 CET = 12:45Z, next 14:00 CET = 13:00Z
    ['15m', utc(2024, 3, 15, 12, 45), utc(2024, 3, 15, 13, 0)],
    // 30m: 13:30 CET = 12:30Z, next 13:00Z
    ['30m', utc(2024, 3, 15, 12, 30), utc(2024, 3, 15, 13, 0)],
    // hour: 13:00 CET = 12:00Z, next 13:00Z
    ['hour', utc(2024, 3, 15, 12, 0), utc(2024, 3, 15, 13, 0)],
    // day: 2024-03-15 00:00 CET = 2024-03-14 23:00Z, next 2024-03-16 00:00 CET = 2024-03-15 23:00Z
    ['day', utc(2024, 3, 14, 23, 0), utc(2024, 3, 15, 23, 0)],
  ] as const)('13:47:12.345 CET, %s → the hand-computed start and next start', (size, start, next) => {
    expect(intervalStart(t, size, BERLIN)).toBe(start);
    expect(nextInterval(start, size, BERLIN)).toBe(next);
  });

  it('an instant exactly on a boundary starts its own interval; 1 ms before belongs to the previous one', () => {
    const b = utc(2024, 3, 15, 12, 0); // 13:00 CET
    for (const size of ['15m', '30m', 'hour'] as const) expect(intervalStart(b, size, BERLIN)).toBe(b);
    expect(intervalStart(b - 1, '15m', BERLIN)).toBe(b - 15 * M);
    expect(intervalStart(b - 1, 'hour', BERLIN)).toBe(b - H);
    const midnight = utc(2024, 3, 14, 23); // 2024-03-15 00:00 CET
    expect(intervalStart(midnight, 'day', BERLIN)).toBe(midnight);
    expect(intervalStart(midnight - 1, 'day', BERLIN)).toBe(utc(2024, 3, 13, 23));
  });

  it('the same instant in UTC → buckets an hour apart from Berlin for day (local midnight differs)', () => {
    expect(intervalStart(t, 'day', 'UTC')).toBe(utc(2024, 3, 15));
    expect(intervalStart(t, 'day', BERLIN)).toBe(utc(2024, 3, 15) - H);
  });
});

describe('DST in Europe/Berlin', () => {
  /*
   * 2024-03-31: 00:00 CET = 2024-03-30 23:00Z; 02:00 CET jumps to 03:00 CEST at 01:00Z; the next midnight
   * 2024-04-01 00:00 CEST = 2024-03-31 22:00Z → 22:00 − 23:00 (prev day) = 23 h.
   * Hours: 23 (local 00, 01, 03, 04 … 23); half hours 46; quarter hours 92.
   */
  it('2024-03-31 (spring forward) → the day is 23 h: 23 hours, 46 half hours, 92 quarter hours; local hour 02 does not exist', () => {
    const day = intervalStart(utc(2024, 3, 31, 10), 'day', BERLIN);
    expect(day).toBe(utc(2024, 3, 30, 23));
    const end = nextInterval(day, 'day', BERLIN);
    expect(end).toBe(utc(2024, 3, 31, 22));
    expect(end - day).toBe(23 * H);
    const hours = intervalsBetween(day, end, 'hour', BERLIN);
    expect(hours).toHaveLength(23);
    expect(hours.map((s) => wallClock(s, BERLIN).hour)).toStrictEqual([0, 1, ...Array.from({ length: 21 }, (_, i) => i + 3)]);
    expect(intervalsBetween(day, end, '30m', BERLIN)).toHaveLength(46);
    expect(intervalsBetween(day, end, '15m', BERLIN)).toHaveLength(92);
  });

  /*
   * 2024-10-27: 00:00 CEST = 2024-10-26 22:00Z; 03:00 CEST falls back to 02:00 CET at 01:00Z; the next midnight
   * 2024-10-28 00:00 CET = 2024-10-27 23:00Z → 25 h. Hours: 25 (local 00, 01, 02, 02, 03 … 23); 50; 100.
   */
  it('2024-10-27 (fall back) → the day is 25 h: 25 hours (local 02 twice), 50 half hours, 100 quarter hours', () => {
    const day = intervalStart(utc(2024, 10, 27, 10), 'day', BERLIN);
    expect(day).toBe(utc(2024, 10, 26, 22));
    const end = nextInterval(day, 'day', BERLIN);
    expect(end).toBe(utc(2024, 10, 27, 23));
    expect(end - day).toBe(25 * H);
    const hours = intervalsBetween(day, end, 'hour', BERLIN);
    expect(hours).toHaveLength(25);
    expect(hours.map((s) => wallClock(s, BERLIN).hour)).toStrictEqual([0, 1, 2, 2, ...Array.from({ length: 21 }, (_, i) => i + 3)]);
    expect(intervalsBetween(day, end, '30m', BERLIN)).toHaveLength(50);
    expect(intervalsBetween(day, end, '15m', BERLIN)).toHaveLength(100);
  });

  /* 02:30 CEST = 00:30Z → hour 02:00 CEST = 00:00Z; 02:30 CET = 01:30Z → hour 02:00 CET = 01:00Z: two intervals, both "02:00" local. */
  it('the repeated hour 02:00–03:00 on 2024-10-27 → two separate hour (and quarter-hour) intervals', () => {
    expect(intervalStart(utc(2024, 10, 27, 0, 30), 'hour', BERLIN)).toBe(utc(2024, 10, 27, 0));
    expect(intervalStart(utc(2024, 10, 27, 1, 30), 'hour', BERLIN)).toBe(utc(2024, 10, 27, 1));
    // 02:40 CET = 01:40Z → quarter 02:30 CET = 01:30Z; 02:40 CEST = 00:40Z → 00:30Z
    expect(intervalStart(utc(2024, 10, 27, 1, 40), '15m', BERLIN)).toBe(utc(2024, 10, 27, 1, 30));
    expect(intervalStart(utc(2024, 10, 27, 0, 40), '15m', BERLIN)).toBe(utc(2024, 10, 27, 0, 30));
    // both are in the same (25 h) day
    expect(intervalStart(utc(2024, 10, 27, 1, 40), 'day', BERLIN)).toBe(utc(2024, 10, 26, 22));
    expect(intervalStart(utc(2024, 10, 27, 0, 40), 'day', BERLIN)).toBe(utc(2024, 10, 26, 22));
  });

  /* 01:59:59.999 CET = 00:59:59.999Z → hour 01:00 CET = 00:00Z, next 01:00Z = 03:00 CEST (the gap skipped). */
  it('the last ms before the spring-forward gap → hour 01:00 CET, whose next hour starts at 03:00 CEST', () => {
    const t = utc(2024, 3, 31, 0, 59, 59, 999);
    expect(intervalStart(t, 'hour', BERLIN)).toBe(utc(2024, 3, 31, 0));
    expect(nextInterval(utc(2024, 3, 31, 0), 'hour', BERLIN)).toBe(utc(2024, 3, 31, 1));
    expect(wallClock(utc(2024, 3, 31, 1), BERLIN)).toMatchObject({ hour: 3, minute: 0 });
    expect(intervalStart(t, '15m', BERLIN)).toBe(utc(2024, 3, 31, 0, 45));
  });

  /* The days either side are 24 h: 2024-03-30 (23:00Z on the 29th → 23:00Z on the 30th), 2024-04-01 (22:00Z → 22:00Z). */
  it('the days before and after a DST change → 24 h', () => {
    const before = intervalStart(utc(2024, 3, 30, 12), 'day', BERLIN);
    expect(nextInterval(before, 'day', BERLIN) - before).toBe(24 * H);
    const after = intervalStart(utc(2024, 4, 1, 12), 'day', BERLIN);
    expect(after).toBe(utc(2024, 3, 31, 22));
    expect(nextInterval(after, 'day', BERLIN) - after).toBe(24 * H);
  });

  /* March 2024 in Berlin: 30 days of 24 h and one of 23 h = 743 h → 31 day intervals. */
  it('intervalsBetween over March 2024 → 31 days, 743 hours', () => {
    const from = utc(2024, 2, 29, 23); // 2024-03-01 00:00 CET
    const to = utc(2024, 3, 31, 22); // 2024-04-01 00:00 CEST
    expect(intervalsBetween(from, to, 'day', BERLIN)).toHaveLength(31);
    expect(intervalsBetween(from, to, 'hour', BERLIN)).toHaveLength(743);
  });
});

describe('a zone with a 30-minute offset (Asia/Kolkata, UTC+5:30)', () => {
  // 2024-01-01 15:50 IST = 10:20Z
  const t = utc(2024, 1, 1, 10, 20);

  it.each([
    // 15m: 15:45 IST = 10:15Z
    ['15m', utc(2024, 1, 1, 10, 15)],
    // 30m: 15:30 IST = 10:00Z
    ['30m', utc(2024, 1, 1, 10, 0)],
    // hour: 15:00 IST = 09:30Z (an hour on the local clock starts at half past in UTC)
    ['hour', utc(2024, 1, 1, 9, 30)],
    // day: 2024-01-01 00:00 IST = 2023-12-31 18:30Z
    ['day', utc(2023, 12, 31, 18, 30)],
  ] as const)('15:50 IST, %s → the hand-computed start', (size, start) => {
    expect(intervalStart(t, size, KOLKATA)).toBe(start);
  });

  /* A day 18:30Z → 18:30Z: 24 hours each starting at :30 UTC (:00 local), 48 half hours, 96 quarter hours. */
  it('one local day → 24 hour intervals, each at :30 UTC (:00 local); 48 half hours; 96 quarter hours', () => {
    const day = utc(2023, 12, 31, 18, 30);
    const end = nextInterval(day, 'day', KOLKATA);
    expect(end).toBe(utc(2024, 1, 1, 18, 30));
    const hours = intervalsBetween(day, end, 'hour', KOLKATA);
    expect(hours).toHaveLength(24);
    expect(hours.every((s) => new Date(s).getUTCMinutes() === 30 && wallClock(s, KOLKATA).minute === 0)).toBe(true);
    expect(hours.map((s) => wallClock(s, KOLKATA).hour)).toStrictEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(intervalsBetween(day, end, '30m', KOLKATA)).toHaveLength(48);
    expect(intervalsBetween(day, end, '15m', KOLKATA)).toHaveLength(96);
  });

  /* 10:29:59.999Z = 15:59:59.999 IST → hour 09:30Z; 10:30Z = 16:00 IST → hour 10:30Z. */
  it('the hour boundary is 16:00 IST = 10:30Z, not 10:00Z', () => {
    expect(intervalStart(utc(2024, 1, 1, 10, 29, 59, 999), 'hour', KOLKATA)).toBe(utc(2024, 1, 1, 9, 30));
    expect(intervalStart(utc(2024, 1, 1, 10, 30), 'hour', KOLKATA)).toBe(utc(2024, 1, 1, 10, 30));
    expect(intervalStart(utc(2024, 1, 1, 10, 0), 'hour', KOLKATA)).toBe(utc(2024, 1, 1, 9, 30));
  });

  /* Asia/Kathmandu (UTC+5:45), 15:50 NPT = 10:05Z: hour 15:00 = 09:15Z; 30m 15:30 = 09:45Z; 15m 15:45 = 10:00Z; day 00:00 = 18:15Z the day before. */
  it('Asia/Kathmandu (UTC+5:45) → hours at :15 UTC, half hours at :15/:45 UTC', () => {
    const k = 'Asia/Kathmandu';
    const x = utc(2024, 1, 1, 10, 5);
    expect(intervalStart(x, 'hour', k)).toBe(utc(2024, 1, 1, 9, 15));
    expect(intervalStart(x, '30m', k)).toBe(utc(2024, 1, 1, 9, 45));
    expect(intervalStart(x, '15m', k)).toBe(utc(2024, 1, 1, 10, 0));
    expect(intervalStart(x, 'day', k)).toBe(utc(2023, 12, 31, 18, 15));
  });
});

describe('intervalsBetween', () => {
  /* Berlin hours: [12:00Z, 14:00Z) → 12:00Z, 13:00Z (14:00Z is `to`, excluded). */
  it('from and to on boundaries → the intervals from `from` up to, not including, `to`', () => {
    expect(intervalsBetween(utc(2024, 3, 15, 12), utc(2024, 3, 15, 14), 'hour', BERLIN)).toStrictEqual([utc(2024, 3, 15, 12), utc(2024, 3, 15, 13)]);
  });

  /* [12:30Z, 13:00:00.001Z) touches 12:00Z's hour and 13:00Z's (by 1 ms). */
  it('from and to inside intervals → every interval the range touches, the first and the last partly', () => {
    expect(intervalsBetween(utc(2024, 3, 15, 12, 30), utc(2024, 3, 15, 13, 0, 0, 1), 'hour', BERLIN)).toStrictEqual([utc(2024, 3, 15, 12), utc(2024, 3, 15, 13)]);
    expect(intervalsBetween(utc(2024, 3, 15, 12, 10), utc(2024, 3, 15, 12, 50), '15m', BERLIN)).toStrictEqual([
      utc(2024, 3, 15, 12, 0),
      utc(2024, 3, 15, 12, 15),
      utc(2024, 3, 15, 12, 30),
      utc(2024, 3, 15, 12, 45),
    ]);
  });
});

describe('interval invariants over DST weeks', () => {
  /* For every instant t: s = intervalStart(t) ≤ t < nextInterval(s); s is its own start; s is on the local grid. */
  it.each([
    [BERLIN, '2024-03-29', utc(2024, 3, 29)],
    [BERLIN, '2024-10-25', utc(2024, 10, 25)],
    [KOLKATA, '2024-03-29', utc(2024, 3, 29)],
    ['America/New_York', '2024-03-09', utc(2024, 3, 9)],
    ['America/New_York', '2024-11-02', utc(2024, 11, 2)],
  ])('%s from %s, every 7 min 13 s for 4 days → each instant inside its interval, starts on the local grid', (tz, _label, from) => {
    for (const size of INTERVAL_SIZES) {
      for (let t = from; t < from + 96 * H; t += 7 * M + 13_001) {
        const s = intervalStart(t, size, tz);
        const e = nextInterval(s, size, tz);
        expect(s <= t && t < e, `${size} ${new Date(t).toISOString()}`).toBe(true);
        expect(intervalStart(s, size, tz)).toBe(s);
        const w = wallClock(s, tz);
        const gridMinutes: Record<IntervalSize, number> = { '15m': 15, '30m': 30, hour: 60, day: 1440 };
        expect((w.hour * 60 + w.minute) % gridMinutes[size]).toBe(0);
        expect(w.second).toBe(0);
      }
    }
  });
});

describe('zones whose DST change is at midnight', () => {
  /*
   * America/Santiago, 2024-09-08: at 00:00 −04 (04:00Z) the clock jumps to 01:00 −03, so local midnight does not
   * exist; the day's first instant is 01:00 −03 = 04:00Z and it ends at 2024-09-09 00:00 −03 = 03:00Z → 23 h.
   * The day before runs 2024-09-07 00:00 −04 = 04:00Z to 04:00Z the next day (24 h).
   */
  it('America/Santiago 2024-09-08 (no local midnight) → the day starts at 01:00 local (04:00Z) and is 23 h', () => {
    const tz = 'America/Santiago';
    const day = intervalStart(utc(2024, 9, 8, 12), 'day', tz);
    expect(day).toBe(utc(2024, 9, 8, 4));
    expect(nextInterval(day, 'day', tz) - day).toBe(23 * H);
  });

  /* 2024-09-07 23:30 −04 = 2024-09-08 03:30Z is in 2024-09-07 (starts 04:00Z on the 7th); that day must contain it. */
  it('America/Santiago 2024-09-07 23:30 local → inside its own day interval (start ≤ t < next start)', () => {
    const tz = 'America/Santiago';
    const t = utc(2024, 9, 8, 3, 30);
    const s = intervalStart(t, 'day', tz);
    expect(s).toBe(utc(2024, 9, 7, 4));
    expect(nextInterval(s, 'day', tz)).toBeGreaterThan(t);
  });
});

describe('offsetAt, wallClock, isTimeZone', () => {
  it('offsets: Berlin +1 h in winter, +2 h in summer; Kolkata +5:30; UTC 0', () => {
    expect(offsetAt(utc(2024, 1, 15), BERLIN)).toBe(H);
    expect(offsetAt(utc(2024, 7, 15), BERLIN)).toBe(2 * H);
    expect(offsetAt(utc(2024, 7, 15, 12, 0, 0, 999), KOLKATA)).toBe(5.5 * H);
    expect(offsetAt(utc(2024, 7, 15), 'UTC')).toBe(0);
  });

  it('wallClock: 2024-10-27 01:30Z in Berlin → 02:30:00 on the 27th (CET, after the fall back)', () => {
    expect(wallClock(utc(2024, 10, 27, 1, 30), BERLIN)).toStrictEqual({ year: 2024, month: 10, day: 27, hour: 2, minute: 30, second: 0 });
    // midnight is hour 0, not 24
    expect(wallClock(utc(2024, 10, 26, 22), BERLIN).hour).toBe(0);
  });

  it('isTimeZone: IANA names known to the runtime → true; anything else → false', () => {
    expect(isTimeZone(BERLIN)).toBe(true);
    expect(isTimeZone(KOLKATA)).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
