/**
 * Next week's calls for one queue, by interval, from its own history: a naive
 * seasonal mean. For each local weekday and time-of-day slot, the forecast is
 * the mean over the past `weeks` weeks of the calls offered in that weekday and
 * slot (a week without a row for it counts as 0 calls), and the AHT is the
 * call-weighted mean of those rows' AHTs. No trend, no holidays, no growth.
 *
 * Weekdays and slots are on the wall clock of `timeZone` (IANA), through
 * Intl.DateTimeFormat. Across a daylight-saving change the skipped local slots
 * get no row and the repeated ones get two, each with the slot's forecast.
 * Pure: no I/O.
 */
import { agentsNeeded, StaffingError, type StaffingModel } from './erlang.js';
import { isTimeZone, wallClock } from '../../time/wall-clock.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type IntervalMinutes = 15 | 30 | 60;

/** By JavaScript's getUTCDay() (0 = Sunday). */
const WEEKDAY_BY_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface HistoryRow {
  /** ISO instant the interval starts. */
  intervalStart: string;
  offered: number;
  /** Mean handle time of the interval's calls; null when none was handled. */
  ahtSeconds: number | null;
}

export interface ForecastOptions {
  /** First local day of the forecast week, YYYY-MM-DD. */
  from: string;
  /** How many weeks before `from` the history covers (the mean's divisor). */
  weeks: number;
  intervalMinutes: IntervalMinutes;
  timeZone: string;
}

export interface ForecastRow {
  /** ISO instant (UTC) the interval starts. */
  intervalStart: string;
  /** Local date, YYYY-MM-DD. */
  date: string;
  weekday: Weekday;
  /** Local time of day, HH:MM. */
  slot: string;
  forecastCalls: number;
  /** Call-weighted mean AHT of the slot's history; null when it has none. */
  ahtSeconds: number | null;
}

interface Local {
  date: string;
  weekday: Weekday;
  minutes: number;
}

function invalid(message: string): never {
  throw new StaffingError('STAFFING_INVALID_INPUT', message);
}

/** Checks an IANA time-zone name (throws STAFFING_INVALID_INPUT). */
export function checkTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) invalid(`unknown time zone ${JSON.stringify(timeZone)} (an IANA name, e.g. Europe/Berlin)`);
}

function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) invalid(`not a date: ${JSON.stringify(date)} (YYYY-MM-DD)`);
  return ms / 86_400_000;
}

function dateOf(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return dateOf(dayNumber(date) + days);
}

function localOf(ms: number, timeZone: string): Local {
  checkTimeZone(timeZone);
  const w = wallClock(ms, timeZone);
  const date = `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  const weekday = WEEKDAY_BY_DAY[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? 'mon';
  return { date, weekday, minutes: w.hour * 60 + w.minute };
}

/** The weekday of a local date. */
export function weekdayOf(date: string): Weekday {
  return WEEKDAY_BY_DAY[new Date(dayNumber(date) * 86_400_000).getUTCDay()] ?? 'mon';
}

/** The local date of an instant. */
export function localDate(at: Date, timeZone: string): string {
  return localOf(at.getTime(), timeZone).date;
}

const QUARTER_HOUR = 15 * 60_000;

/**
 * Every instant in [first local midnight of `from`, first local midnight of
 * `to`) at which the local clock shows a multiple of `minutes`. Walks UTC in
 * quarter-hours: every zone's offset today is a whole number of quarter-hours.
 */
function localSlots(from: string, to: string, minutes: number, timeZone: string): { ms: number; local: Local }[] {
  const out: { ms: number; local: Local }[] = [];
  const start = dayNumber(from) * 86_400_000 - 14 * 3_600_000; // UTC offsets are within −12 h … +14 h
  const end = dayNumber(to) * 86_400_000 + 12 * 3_600_000;
  for (let ms = start; ms < end; ms += QUARTER_HOUR) {
    const local = localOf(ms, timeZone);
    if (local.date < from || local.date >= to || local.minutes % minutes !== 0) continue;
    out.push({ ms, local });
  }
  return out;
}

/** The first instant of local day `date` (UTC ms): the window bounds for the history query. */
export function localMidnight(date: string, timeZone: string): Date {
  const [first] = localSlots(date, addDays(date, 1), 15, timeZone);
  return new Date(first?.ms ?? dayNumber(date) * 86_400_000);
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function checkOptions(opts: ForecastOptions): void {
  dayNumber(opts.from);
  if (!Number.isInteger(opts.weeks) || opts.weeks < 1) invalid(`weeks must be a whole number ≥ 1 (got ${String(opts.weeks)})`);
  if (![15, 30, 60].includes(opts.intervalMinutes)) invalid(`intervalMinutes must be 15, 30 or 60 (got ${String(opts.intervalMinutes)})`);
  checkTimeZone(opts.timeZone);
}

interface Bucket {
  offered: number;
  ahtWeighted: number;
  ahtCalls: number;
}

/** The 7-day forecast starting at local day `from`, one row per local interval. */
export function forecastWeek(history: readonly HistoryRow[], opts: ForecastOptions): ForecastRow[] {
  checkOptions(opts);
  const { from, weeks, intervalMinutes, timeZone } = opts;
  const windowStart = addDays(from, -7 * weeks);
  const buckets = new Map<string, Bucket>();
  history.forEach((row, i) => {
    const ms = Date.parse(row.intervalStart);
    if (Number.isNaN(ms)) invalid(`history row ${i}: intervalStart is not a time (${JSON.stringify(row.intervalStart)})`);
    if (!Number.isFinite(row.offered) || row.offered < 0) invalid(`history row ${i}: offered must be a number ≥ 0 (got ${String(row.offered)})`);
    if (row.ahtSeconds !== null && !(Number.isFinite(row.ahtSeconds) && row.ahtSeconds >= 0)) invalid(`history row ${i}: ahtSeconds must be ≥ 0 or null (got ${String(row.ahtSeconds)})`);
    const local = localOf(ms, timeZone);
    if (local.date < windowStart || local.date >= from) return;
    const key = `${local.weekday} ${local.minutes - (local.minutes % intervalMinutes)}`;
    const b = buckets.get(key) ?? { offered: 0, ahtWeighted: 0, ahtCalls: 0 };
    b.offered += row.offered;
    if (row.ahtSeconds !== null && row.offered > 0) {
      b.ahtWeighted += row.offered * row.ahtSeconds;
      b.ahtCalls += row.offered;
    }
    buckets.set(key, b);
  });
  return localSlots(from, addDays(from, 7), intervalMinutes, timeZone).map(({ ms, local }) => {
    const b = buckets.get(`${local.weekday} ${local.minutes}`);
    return {
      intervalStart: new Date(ms).toISOString(),
      date: local.date,
      weekday: local.weekday,
      slot: clock(local.minutes),
      forecastCalls: b === undefined ? 0 : b.offered / weeks,
      ahtSeconds: b === undefined || b.ahtCalls === 0 ? null : b.ahtWeighted / b.ahtCalls,
    };
  });
}

/** Call-weighted mean AHT over all of `history` (rows with an AHT and calls); null when there is none. */
export function overallAhtSeconds(history: readonly HistoryRow[]): number | null {
  let weighted = 0;
  let calls = 0;
  for (const r of history) {
    if (r.ahtSeconds === null || !(r.offered > 0)) continue;
    weighted += r.offered * r.ahtSeconds;
    calls += r.offered;
  }
  return calls === 0 ? null : weighted / calls;
}

export interface StaffingTargets {
  intervalMinutes: IntervalMinutes;
  slSeconds: number;
  targetServiceLevel: number;
  maxOccupancy?: number;
  model?: StaffingModel;
  patienceSeconds?: number;
  /** AHT for slots whose history has none (e.g. the queue's overall AHT). */
  fallbackAhtSeconds?: number;
}

export interface StaffedRow extends ForecastRow {
  agents: number;
  serviceLevel: number;
  occupancy: number;
  pAbandon: number;
}

/** Adds the agents needed (and the figures at that staffing) to each forecast row. */
export function staffForecast(rows: readonly ForecastRow[], t: StaffingTargets): StaffedRow[] {
  return rows.map((row) => {
    if (row.forecastCalls === 0) return { ...row, agents: 0, serviceLevel: 1, occupancy: 0, pAbandon: 0 };
    const aht = row.ahtSeconds !== null && row.ahtSeconds > 0 ? row.ahtSeconds : t.fallbackAhtSeconds;
    if (aht === undefined) invalid(`${row.date} ${row.slot}: ${row.forecastCalls} calls forecast but no handle time in the history, and no fallback AHT`);
    const r = agentsNeeded({
      callsPerInterval: row.forecastCalls,
      intervalSeconds: t.intervalMinutes * 60,
      ahtSeconds: aht,
      slSeconds: t.slSeconds,
      targetServiceLevel: t.targetServiceLevel,
      ...(t.maxOccupancy === undefined ? {} : { maxOccupancy: t.maxOccupancy }),
      ...(t.model === undefined ? {} : { model: t.model }),
      ...(t.patienceSeconds === undefined ? {} : { patienceSeconds: t.patienceSeconds }),
    });
    return { ...row, ahtSeconds: aht, agents: r.agents, serviceLevel: r.serviceLevel, occupancy: r.occupancy, pAbandon: r.pAbandon };
  });
}
