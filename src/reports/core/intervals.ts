/**
 * Report intervals: 15 minutes, 30 minutes, an hour or a day, on the wall
 * clock of the call center's time zone (an IANA name, e.g. Europe/Berlin).
 * A day is local midnight to midnight, so it is 23 or 25 hours long across a
 * daylight-saving change; quarter-hours and hours follow the local clock.
 */
import { offsetAt, wallClock, type WallClock } from '../../time/wall-clock.js';

export type IntervalSize = '15m' | '30m' | 'hour' | 'day';

export const INTERVAL_SIZES: readonly IntervalSize[] = ['15m', '30m', 'hour', 'day'];

const MINUTES: Record<Exclude<IntervalSize, 'day'>, number> = { '15m': 15, '30m': 30, hour: 60 };

export { isTimeZone, offsetAt, wallClock, type WallClock } from '../../time/wall-clock.js';

/**
 * The instant a local wall-clock time happens: the earlier one when it happens twice (clocks
 * going back), the first instant after the gap when it does not happen at all (clocks going
 * forward at that time: some zones change at midnight, so a day may start at 01:00).
 */
function instantOf(w: Omit<WallClock, 'second'>, timeZone: string): number {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const first = guess - offsetAt(guess, timeZone);
  const second = guess - offsetAt(first, timeZone);
  const shows = (t: number): boolean => {
    const c = wallClock(t, timeZone);
    return c.year === w.year && c.month === w.month && c.day === w.day && c.hour === w.hour && c.minute === w.minute;
  };
  const exact = [first, second].filter(shows);
  return exact.length > 0 ? Math.min(...exact) : Math.max(first, second);
}

/** Start of the interval containing `ms`. */
export function intervalStart(ms: number, size: IntervalSize, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  if (size === 'day') return instantOf({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0 }, timeZone);
  const m = MINUTES[size];
  const minuteOfDay = w.hour * 60 + w.minute;
  const floored = minuteOfDay - (minuteOfDay % m);
  // sub-hour intervals: step back from `ms` itself, so the repeated hour of a DST change stays two intervals
  return ms - (((ms % 1000) + 1000) % 1000) - w.second * 1000 - (minuteOfDay - floored) * 60_000;
}

/** Start of the interval after the one starting at `start`. */
export function nextInterval(start: number, size: IntervalSize, timeZone: string): number {
  if (size !== 'day') return start + MINUTES[size] * 60_000;
  // a day is 23–25 h: land in the next local day and floor to its midnight
  return intervalStart(start + 26 * 3_600_000, 'day', timeZone);
}

/** Every interval start s with from < s's end and s < to (the intervals [from, to) touches); none when from ≥ to. */
export function intervalsBetween(from: number, to: number, size: IntervalSize, timeZone: string): number[] {
  const out: number[] = [];
  if (from >= to) return out;
  for (let s = intervalStart(from, size, timeZone); s < to; s = nextInterval(s, size, timeZone)) out.push(s);
  return out;
}
