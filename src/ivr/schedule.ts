// IVR `schedule` node: decides whether the call center is open at an instant,
// from weekly opening hours and holidays in the schedule's IANA time zone, and
// when that next changes. Pure: the instant is passed in, nothing is read or
// written; time-zone maths goes through Intl.DateTimeFormat only (src/time).

import { offsetAt, wallClock, zoneFormatter } from '../time/wall-clock.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = Object.freeze(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** "HH:MM-HH:MM", 24 h, end > start, "24:00" allowed as end. Several ranges per day. */
export interface HolidayDef {
  /** YYYY-MM-DD, or --MM-DD for every year (an exact date wins over a recurring one). */
  date: string;
  name?: string;
  /** Open ranges that day instead of closed all day. */
  hours?: string[];
}

export interface ScheduleDef {
  /** IANA, e.g. "Europe/Madrid". */
  timezone: string;
  /** A day missing or [] = closed. */
  hours: Partial<Record<Weekday, string[]>>;
  /** A plain string is a date: closed all day. */
  holidays?: (string | HolidayDef)[];
}

/** `path` is a JSON pointer relative to the definition, e.g. "/hours/mon/0", "/holidays/2/date". */
export interface ScheduleIssue {
  path: string;
  message: string;
}

/** `holiday` is the holiday's name, else its local date (YYYY-MM-DD). */
export type ScheduleState = { open: true; closesAt?: Date } | { open: false; holiday?: string; opensAt?: Date };

const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;
const HORIZON_MS = 14 * DAY_MINUTES * MINUTE_MS;
const SUNDAY_FIRST: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const RANGE_RE = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RECURRING_RE = /^--(\d{2})-(\d{2})$/;
const HOLIDAY_KEYS: ReadonlySet<string> = new Set(['date', 'name', 'hours']);

/** Open for local minutes in [start, end). */
interface Range {
  start: number;
  end: number;
}

// ---------------------------------------------------------------------------
// Wall clock: src/time/wall-clock.ts

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function weekdayOf(year: number, month: number, day: number): Weekday {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return SUNDAY_FIRST[d.getUTCDay()] ?? 'sun';
}

interface LocalParts {
  date: string;
  weekday: Weekday;
  minutes: number;
  /** ms past the local minute. */
  subMinuteMs: number;
}

function localParts(ms: number, timezone: string): LocalParts {
  if (!Number.isFinite(ms)) throw new RangeError('schedule: invalid Date');
  const c = wallClock(ms, timezone);
  return {
    date: `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}`,
    weekday: weekdayOf(c.year, c.month, c.day),
    minutes: c.hour * 60 + c.minute,
    subMinuteMs: c.second * 1000 + (((ms % 1000) + 1000) % 1000),
  };
}

/** Local parts of an instant in a tz (exported for tests and for the simulator's output). */
export function localTime(at: Date, timezone: string): { date: string; weekday: Weekday; minutes: number } {
  const { date, weekday, minutes } = localParts(at.getTime(), timezone);
  return { date, weekday, minutes };
}

// ---------------------------------------------------------------------------
// Parsing

function parseClock(hh: string, mm: string, allow24: boolean): number | undefined {
  const h = Number(hh);
  const m = Number(mm);
  if (m > 59) return undefined;
  if (h < 24) return h * 60 + m;
  return allow24 && h === 24 && m === 0 ? DAY_MINUTES : undefined;
}

/** A parsed range, or an error message. */
function parseRange(text: unknown): Range | string {
  if (typeof text !== 'string') return 'range must be a string "HH:MM-HH:MM"';
  const match = RANGE_RE.exec(text);
  if (match === null) return `bad range "${text}", expected "HH:MM-HH:MM"`;
  const [, h1 = '', m1 = '', h2 = '', m2 = ''] = match;
  const start = parseClock(h1, m1, false);
  if (start === undefined) return `bad start time in "${text}"`;
  const end = parseClock(h2, m2, true);
  if (end === undefined) return `bad end time in "${text}"`;
  if (end <= start) return `end must be after start in "${text}"`;
  return { start, end };
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function isValidDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const lengths = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (lengths[month - 1] ?? 0);
}

/** An error message for a holiday date, or undefined when valid. */
function dateProblem(date: unknown): string | undefined {
  if (typeof date !== 'string') return 'date must be a string "YYYY-MM-DD" or "--MM-DD"';
  const exact = DATE_RE.exec(date);
  if (exact !== null) {
    const [, y = '', m = '', d = ''] = exact;
    return isValidDay(Number(y), Number(m), Number(d)) ? undefined : `no such date "${date}"`;
  }
  const recurring = RECURRING_RE.exec(date);
  if (recurring !== null) {
    const [, m = '', d = ''] = recurring;
    return isValidDay(2000, Number(m), Number(d)) ? undefined : `no such date "${date}"`;
  }
  return `bad date "${date}", expected "YYYY-MM-DD" or "--MM-DD"`;
}

function isValidTimeZone(timezone: unknown): timezone is string {
  // Newer engines accept "+01:00" offsets; those have no DST rules and are not IANA names.
  if (typeof timezone !== 'string' || timezone === '' || /^[+-]/.test(timezone)) return false;
  try {
    zoneFormatter(timezone);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Validation

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function checkRanges(list: unknown, path: string, issues: ScheduleIssue[]): void {
  if (!Array.isArray(list)) {
    issues.push({ path, message: 'must be a list of "HH:MM-HH:MM" ranges' });
    return;
  }
  const parsed: { range: Range; index: number }[] = [];
  list.forEach((text: unknown, index) => {
    const range = parseRange(text);
    if (typeof range === 'string') issues.push({ path: `${path}/${index}`, message: range });
    else parsed.push({ range, index });
  });
  checkOverlaps(parsed, list, path, issues);
}

function checkOverlaps(parsed: { range: Range; index: number }[], list: unknown[], path: string, issues: ScheduleIssue[]): void {
  const sorted = [...parsed].sort((a, b) => a.range.start - b.range.start || a.index - b.index);
  let latest: { range: Range; index: number } | undefined;
  for (const cur of sorted) {
    if (latest !== undefined && cur.range.start < latest.range.end) {
      const [a, b] = latest.index < cur.index ? [latest, cur] : [cur, latest];
      issues.push({ path: `${path}/${b.index}`, message: `"${String(list[b.index])}" overlaps "${String(list[a.index])}"` });
    }
    if (latest === undefined || cur.range.end > latest.range.end) latest = cur;
  }
}

function checkTimezone(timezone: unknown, issues: ScheduleIssue[]): void {
  if (!isValidTimeZone(timezone)) {
    issues.push({ path: '/timezone', message: `unknown time zone ${JSON.stringify(timezone) ?? 'undefined'}` });
  }
}

function checkHours(hours: unknown, issues: ScheduleIssue[]): void {
  if (!isRecord(hours)) {
    issues.push({ path: '/hours', message: 'hours must be an object keyed by weekday (mon..sun)' });
    return;
  }
  for (const [key, list] of Object.entries(hours)) {
    const path = `/hours/${pointerToken(key)}`;
    if (!(WEEKDAYS as readonly string[]).includes(key)) issues.push({ path, message: `unknown weekday "${key}", expected mon..sun` });
    else if (list !== undefined) checkRanges(list, path, issues);
  }
}

/** Checks one holiday entry; returns its date when valid (for the duplicate check). */
function checkHoliday(entry: unknown, path: string, issues: ScheduleIssue[]): string | undefined {
  if (typeof entry === 'string') return reportDate(entry, path, issues);
  if (!isRecord(entry)) {
    issues.push({ path, message: 'holiday must be a date string or { date, name?, hours? }' });
    return undefined;
  }
  for (const key of Object.keys(entry)) {
    if (!HOLIDAY_KEYS.has(key)) issues.push({ path: `${path}/${pointerToken(key)}`, message: `unknown holiday field "${key}"` });
  }
  if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name === '')) {
    issues.push({ path: `${path}/name`, message: 'name must be a non-empty string' });
  }
  if (entry.hours !== undefined) checkRanges(entry.hours, `${path}/hours`, issues);
  return reportDate(entry.date, `${path}/date`, issues);
}

function reportDate(date: unknown, path: string, issues: ScheduleIssue[]): string | undefined {
  const problem = dateProblem(date);
  if (problem === undefined) return date as string;
  issues.push({ path, message: problem });
  return undefined;
}

function checkHolidays(holidays: unknown, issues: ScheduleIssue[]): void {
  if (holidays === undefined) return;
  if (!Array.isArray(holidays)) {
    issues.push({ path: '/holidays', message: 'holidays must be a list' });
    return;
  }
  const seen = new Map<string, number>();
  holidays.forEach((entry: unknown, index) => {
    const path = `/holidays/${index}`;
    const date = checkHoliday(entry, path, issues);
    if (date === undefined) return;
    const first = seen.get(date);
    if (first === undefined) seen.set(date, index);
    else issues.push({ path: typeof entry === 'string' ? path : `${path}/date`, message: `duplicate holiday ${date}, also /holidays/${first}` });
  });
}

/** Every problem in the definition (bad tz, bad range text, end <= start, overlapping ranges within a day, bad date like 2026-02-30, duplicate holiday date). Empty array = valid. */
export function checkSchedule(def: ScheduleDef): ScheduleIssue[] {
  const raw: unknown = def;
  if (!isRecord(raw)) return [{ path: '', message: 'schedule must be an object' }];
  const issues: ScheduleIssue[] = [];
  checkTimezone(raw.timezone, issues);
  checkHours(raw.hours, issues);
  checkHolidays(raw.holidays, issues);
  return issues;
}

// ---------------------------------------------------------------------------
// Evaluation

interface HolidayRule {
  label: string | undefined;
  ranges: Range[];
}

interface Compiled {
  timezone: string;
  weekly: Map<Weekday, Range[]>;
  holidays: Map<string, HolidayRule>;
}

interface DayRule {
  ranges: Range[];
  holiday: string | undefined;
}

function compileRanges(list: readonly string[] | undefined): Range[] {
  const ranges: Range[] = [];
  for (const text of list ?? []) {
    const range = parseRange(text);
    if (typeof range !== 'string') ranges.push(range);
  }
  return ranges;
}

function compile(def: ScheduleDef): Compiled {
  const weekly = new Map<Weekday, Range[]>();
  for (const day of WEEKDAYS) weekly.set(day, compileRanges(def.hours[day]));
  const holidays = new Map<string, HolidayRule>();
  for (const entry of def.holidays ?? []) {
    const h = typeof entry === 'string' ? { date: entry } : entry;
    if (!holidays.has(h.date)) holidays.set(h.date, { label: h.name, ranges: compileRanges(h.hours) });
  }
  return { timezone: def.timezone, weekly, holidays };
}

function dayRule(c: Compiled, local: LocalParts): DayRule {
  const holiday = c.holidays.get(local.date) ?? c.holidays.get(`--${local.date.slice(5)}`);
  if (holiday !== undefined) return { ranges: holiday.ranges, holiday: holiday.label ?? local.date };
  return { ranges: c.weekly.get(local.weekday) ?? [], holiday: undefined };
}

function isOpen(ranges: readonly Range[], minutes: number): boolean {
  return ranges.some((r) => r.start <= minutes && minutes < r.end);
}

function isOpenAt(c: Compiled, ms: number): boolean {
  const local = localParts(ms, c.timezone);
  return isOpen(dayRule(c, local).ranges, local.minutes);
}

/** The first range edge after `minutes` in the local day, else local midnight. */
function nextEdge(ranges: readonly Range[], minutes: number): number {
  let edge = DAY_MINUTES;
  for (const r of ranges) {
    if (r.start > minutes && r.start < edge) edge = r.start;
    if (r.end > minutes && r.end < edge) edge = r.end;
  }
  return edge;
}

/** The first minute in (from, to] where the UTC offset differs from the one at `from`, else `to`. */
function clipAtOffsetChange(timezone: string, from: number, to: number): number {
  const offset = offsetAt(from, timezone);
  if (offsetAt(to, timezone) === offset) return to;
  let lo = Math.floor(from / MINUTE_MS);
  let hi = Math.ceil(to / MINUTE_MS);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid * MINUTE_MS, timezone) === offset) lo = mid;
    else hi = mid;
  }
  return hi * MINUTE_MS;
}

/** The next instant after `ms` where the state can change: a range edge, local midnight or a UTC offset change. */
function nextCandidate(c: Compiled, ms: number): number {
  const local = localParts(ms, c.timezone);
  const edge = nextEdge(dayRule(c, local).ranges, local.minutes);
  const target = ms + (edge - local.minutes) * MINUTE_MS - local.subMinuteMs;
  return clipAtOffsetChange(c.timezone, ms, target);
}

function nextChange(c: Compiled, from: number, open: boolean): Date | undefined {
  const limit = from + HORIZON_MS;
  for (let ms = nextCandidate(c, from); ms <= limit; ms = nextCandidate(c, ms)) {
    if (isOpenAt(c, ms) !== open) return new Date(ms);
  }
  return undefined;
}

/** Local wall-clock time of `at` in `def.timezone`, then the rules. Holidays are checked first. opensAt/closesAt: the next change within 14 days, else undefined. Assumes checkSchedule(def) is empty. */
export function scheduleState(def: ScheduleDef, at: Date): ScheduleState {
  const c = compile(def);
  const ms = at.getTime();
  const local = localParts(ms, c.timezone);
  const rule = dayRule(c, local);
  if (isOpen(rule.ranges, local.minutes)) {
    const closesAt = nextChange(c, ms, true);
    return closesAt === undefined ? { open: true } : { open: true, closesAt };
  }
  const state: ScheduleState = { open: false };
  if (rule.holiday !== undefined) state.holiday = rule.holiday;
  const opensAt = nextChange(c, ms, false);
  if (opensAt !== undefined) state.opensAt = opensAt;
  return state;
}
