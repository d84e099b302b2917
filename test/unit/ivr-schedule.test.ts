import { describe, expect, it } from 'vitest';
import {
  checkSchedule,
  localTime,
  scheduleState,
  WEEKDAYS,
  type ScheduleDef,
  type ScheduleState,
  type Weekday,
} from '../../src/ivr/schedule.js';

const at = (iso: string): Date => new Date(iso);
const open = (closesAt?: string): ScheduleState => (closesAt === undefined ? { open: true } : { open: true, closesAt: at(closesAt) });
function closed(opensAt?: string, holiday?: string): ScheduleState {
  const state: ScheduleState = { open: false };
  if (holiday !== undefined) state.holiday = holiday;
  if (opensAt !== undefined) state.opensAt = at(opensAt);
  return state;
}

function days(list: readonly Weekday[], ranges: string[]): Partial<Record<Weekday, string[]>> {
  return Object.fromEntries(list.map((d) => [d, ranges]));
}
const MON_FRI: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

/** Madrid office: Mon-Thu 08:00-18:00, Fri 08:00-15:00, Sunday explicitly [] (January = CET, UTC+1). */
const office: ScheduleDef = {
  timezone: 'Europe/Madrid',
  hours: { ...days(['mon', 'tue', 'wed', 'thu'], ['08:00-18:00']), fri: ['08:00-15:00'], sun: [] },
};
const lunchBreak: ScheduleDef = { timezone: 'Europe/Madrid', hours: { mon: ['09:00-13:00', '15:00-19:00'] } };
const lateFriday: ScheduleDef = { timezone: 'Europe/Madrid', hours: { fri: ['20:00-24:00'] } };
const acrossMidnight: ScheduleDef = { timezone: 'Europe/Madrid', hours: { fri: ['20:00-24:00'], sat: ['00:00-02:00'] } };
const allDay = (timezone: string, holidays?: ScheduleDef['holidays']): ScheduleDef => ({
  timezone,
  hours: days(WEEKDAYS, ['00:00-24:00']),
  ...(holidays === undefined ? {} : { holidays }),
});
const weekdays = (timezone: string, ranges = ['08:00-18:00']): ScheduleDef => ({ timezone, hours: days(MON_FRI, ranges) });
const christmas = (timezone: string): ScheduleDef => ({
  ...weekdays(timezone),
  holidays: [{ date: '2026-12-24', name: 'Christmas Eve', hours: ['09:00-13:00'] }, { date: '--12-25', name: 'Christmas' }],
});
const madridSunday = (ranges: string[]): ScheduleDef => ({ timezone: 'Europe/Madrid', hours: { sun: ranges } });
const madridWeekend: ScheduleDef = { timezone: 'Europe/Madrid', hours: days(['sat', 'sun'], ['09:00-14:00']) };
const nySunday = (ranges: string[]): ScheduleDef => ({ timezone: 'America/New_York', hours: { sun: ranges } });

describe('localTime', () => {
  it('2026-01-12T07:00Z in Madrid → Monday 08:00 (minute 480)', () => {
    expect(localTime(at('2026-01-12T07:00:00Z'), 'Europe/Madrid')).toStrictEqual({ date: '2026-01-12', weekday: 'mon', minutes: 480 });
  });

  it('local midnight is minute 0 of the next day (no "24" hour)', () => {
    expect(localTime(at('2026-01-12T23:00:00Z'), 'Europe/Madrid')).toStrictEqual({ date: '2026-01-13', weekday: 'tue', minutes: 0 });
    expect(localTime(at('2026-01-13T04:59:59Z'), 'America/New_York')).toStrictEqual({ date: '2026-01-12', weekday: 'mon', minutes: 1439 });
  });

  it('2026-12-24T20:00+08:00 is 20:00 Singapore, 13:00 Madrid, 07:00 New York, 02:00 next day in Kiritimati', () => {
    const instant = at('2026-12-24T20:00:00+08:00');
    expect(localTime(instant, 'Asia/Singapore')).toStrictEqual({ date: '2026-12-24', weekday: 'thu', minutes: 1200 });
    expect(localTime(instant, 'Europe/Madrid')).toStrictEqual({ date: '2026-12-24', weekday: 'thu', minutes: 780 });
    expect(localTime(instant, 'America/New_York')).toStrictEqual({ date: '2026-12-24', weekday: 'thu', minutes: 420 });
    expect(localTime(instant, 'Pacific/Kiritimati')).toStrictEqual({ date: '2026-12-25', weekday: 'fri', minutes: 120 });
  });

  it('Madrid 2026-03-29 jumps from 01:59 CET to 03:00 CEST at 01:00Z', () => {
    expect(localTime(at('2026-03-29T00:59:00Z'), 'Europe/Madrid').minutes).toBe(119);
    expect(localTime(at('2026-03-29T01:00:00Z'), 'Europe/Madrid').minutes).toBe(180);
  });

  it('Madrid 2026-10-25 shows 02:30 twice (CEST at 00:30Z, CET at 01:30Z)', () => {
    expect(localTime(at('2026-10-25T00:30:00Z'), 'Europe/Madrid')).toStrictEqual({ date: '2026-10-25', weekday: 'sun', minutes: 150 });
    expect(localTime(at('2026-10-25T01:30:00Z'), 'Europe/Madrid')).toStrictEqual({ date: '2026-10-25', weekday: 'sun', minutes: 150 });
  });

  it('WEEKDAYS lists mon..sun in order', () => {
    expect(WEEKDAYS).toStrictEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  });
});

describe('scheduleState: weekly hours (Madrid office, January = UTC+1)', () => {
  it.each<[string, string, ScheduleState]>([
    ['Monday 07:59 → closed, opens 08:00', '2026-01-12T06:59:00Z', closed('2026-01-12T07:00:00Z')],
    ['Monday 08:00 → open (start inclusive), closes 18:00', '2026-01-12T07:00:00Z', open('2026-01-12T17:00:00Z')],
    ['Monday 17:59:59 → open, closes 18:00', '2026-01-12T16:59:59Z', open('2026-01-12T17:00:00Z')],
    ['Monday 18:00 → closed (end exclusive), opens Tuesday 08:00', '2026-01-12T17:00:00Z', closed('2026-01-13T07:00:00Z')],
    ['Friday 14:59 → open, closes at the shorter Friday end 15:00', '2026-01-16T13:59:00Z', open('2026-01-16T14:00:00Z')],
    ['Friday 15:00 → closed over the weekend, opens Monday 08:00', '2026-01-16T14:00:00Z', closed('2026-01-19T07:00:00Z')],
    ['Saturday 12:00 (day missing) → closed, opens Monday 08:00', '2026-01-17T11:00:00Z', closed('2026-01-19T07:00:00Z')],
    ['Sunday 12:00 (day []) → closed, opens Monday 08:00', '2026-01-18T11:00:00Z', closed('2026-01-19T07:00:00Z')],
  ])('%s', (_name, instant, expected) => {
    expect(scheduleState(office, at(instant))).toStrictEqual(expected);
  });

  it.each<[string, string, ScheduleState]>([
    ['12:59:30 → open, closes exactly 13:00:00', '2026-01-12T11:59:30Z', open('2026-01-12T12:00:00Z')],
    ['13:00 → closed for lunch, opens 15:00', '2026-01-12T12:00:00Z', closed('2026-01-12T14:00:00Z')],
    ['14:59 → still at lunch, opens 15:00', '2026-01-12T13:59:00Z', closed('2026-01-12T14:00:00Z')],
    ['15:00 → open again, closes 19:00', '2026-01-12T14:00:00Z', open('2026-01-12T18:00:00Z')],
    ['19:00 → closed, opens next Monday 09:00', '2026-01-12T18:00:00Z', closed('2026-01-19T08:00:00Z')],
  ])('lunch break 09:00-13:00 + 15:00-19:00: Monday %s', (_name, instant, expected) => {
    expect(scheduleState(lunchBreak, at(instant))).toStrictEqual(expected);
  });

  it('Friday 20:00-24:00: 23:59:59 → open, closes at local midnight; Saturday 00:00 → closed', () => {
    expect(scheduleState(lateFriday, at('2026-01-16T22:59:59Z'))).toStrictEqual(open('2026-01-16T23:00:00Z'));
    expect(scheduleState(lateFriday, at('2026-01-16T23:00:00Z'))).toStrictEqual(closed('2026-01-23T19:00:00Z'));
  });

  it('Friday 20:00-24:00 + Saturday 00:00-02:00 is one opening: closesAt Saturday 02:00, not midnight', () => {
    expect(scheduleState(acrossMidnight, at('2026-01-16T22:30:00Z'))).toStrictEqual(open('2026-01-17T01:00:00Z'));
    expect(scheduleState(acrossMidnight, at('2026-01-16T23:00:00Z'))).toStrictEqual(open('2026-01-17T01:00:00Z'));
  });

  it('open around the clock → open, no closesAt', () => {
    expect(scheduleState(allDay('Europe/Madrid'), at('2026-01-14T03:00:00Z'))).toStrictEqual(open());
  });

  it('no hours at all → closed, no opensAt', () => {
    expect(scheduleState({ timezone: 'Europe/Madrid', hours: {} }, at('2026-01-14T10:00:00Z'))).toStrictEqual(closed());
  });

  it('14-day horizon: next opening 13 d 23 h or exactly 14 d away → opensAt; 14 d 1 h away → undefined', () => {
    const mondayHour: ScheduleDef = { timezone: 'Europe/Madrid', hours: { mon: ['09:00-10:00'] }, holidays: ['2026-01-19'] };
    expect(scheduleState(mondayHour, at('2026-01-12T09:00:00Z'))).toStrictEqual(closed('2026-01-26T08:00:00Z'));
    const twoHolidays: ScheduleDef = { ...mondayHour, holidays: ['2026-01-12', '2026-01-19'] };
    expect(scheduleState(twoHolidays, at('2026-01-12T08:00:00Z'))).toStrictEqual(closed('2026-01-26T08:00:00Z', '2026-01-12'));
    expect(scheduleState(twoHolidays, at('2026-01-12T07:00:00Z'))).toStrictEqual(closed(undefined, '2026-01-12'));
  });
});

describe('scheduleState: time zones', () => {
  const instant = at('2026-12-24T20:00:00+08:00'); // 12:00Z, a Thursday everywhere below
  it('2026-12-24T20:00+08:00 with Mon-Fri 08:00-18:00 → closed in Singapore (20:00), opens Friday 08:00 SGT', () => {
    expect(scheduleState(weekdays('Asia/Singapore'), instant)).toStrictEqual(closed('2026-12-25T00:00:00Z'));
  });
  it('same instant → open in Madrid (13:00), closes 18:00 CET', () => {
    expect(scheduleState(weekdays('Europe/Madrid'), instant)).toStrictEqual(open('2026-12-24T17:00:00Z'));
  });
  it('same instant → closed in New York (07:00), opens 08:00 EST', () => {
    expect(scheduleState(weekdays('America/New_York'), instant)).toStrictEqual(closed('2026-12-24T13:00:00Z'));
  });
});

describe('scheduleState: holidays', () => {
  it('Christmas Eve 20:00 in Singapore → closed (holiday hours 09:00-13:00), opens Monday 28th 08:00 SGT', () => {
    expect(scheduleState(christmas('Asia/Singapore'), at('2026-12-24T20:00:00+08:00'))).toStrictEqual(
      closed('2026-12-28T00:00:00Z', 'Christmas Eve'),
    );
  });

  it('Christmas Eve 08:30 in Singapore → closed although weekly hours say open, opens 09:00', () => {
    expect(scheduleState(christmas('Asia/Singapore'), at('2026-12-24T08:30:00+08:00'))).toStrictEqual(
      closed('2026-12-24T01:00:00Z', 'Christmas Eve'),
    );
  });

  it('Christmas Eve 10:00 in Singapore → open, closes at the holiday end 13:00 (not 18:00)', () => {
    expect(scheduleState(christmas('Asia/Singapore'), at('2026-12-24T10:00:00+08:00'))).toStrictEqual(open('2026-12-24T05:00:00Z'));
  });

  it('Christmas Eve in Madrid: 12:59 → open; 13:00 → closed (holiday end exclusive)', () => {
    expect(scheduleState(christmas('Europe/Madrid'), at('2026-12-24T11:59:00Z'))).toStrictEqual(open('2026-12-24T12:00:00Z'));
    expect(scheduleState(christmas('Europe/Madrid'), at('2026-12-24T12:00:00Z'))).toStrictEqual(
      closed('2026-12-28T07:00:00Z', 'Christmas Eve'),
    );
  });

  it('recurring --12-25 closes a 24/7 line on Christmas 2026 and 2027, reopening at local midnight', () => {
    const line = allDay('Europe/Madrid', [{ date: '--12-25', name: 'Christmas' }]);
    expect(scheduleState(line, at('2026-12-25T09:00:00Z'))).toStrictEqual(closed('2026-12-25T23:00:00Z', 'Christmas'));
    expect(scheduleState(line, at('2027-12-25T09:00:00Z'))).toStrictEqual(closed('2027-12-25T23:00:00Z', 'Christmas'));
    expect(scheduleState(line, at('2027-12-26T09:00:00Z'))).toStrictEqual(open());
  });

  it('24/7 line → open until the holiday starts: closesAt is local midnight before --12-25', () => {
    const line = allDay('Europe/Madrid', ['--12-25']);
    expect(scheduleState(line, at('2026-12-20T09:00:00Z'))).toStrictEqual(open('2026-12-24T23:00:00Z'));
  });

  it('holidays match the local date: Christmas starts at 16:00Z on the 24th in Singapore', () => {
    const line = allDay('Asia/Singapore', ['--12-25']);
    expect(scheduleState(line, at('2026-12-24T15:59:00Z'))).toStrictEqual(open('2026-12-24T16:00:00Z'));
    expect(scheduleState(line, at('2026-12-24T16:00:00Z'))).toStrictEqual(closed('2026-12-25T16:00:00Z', '2026-12-25'));
  });

  it('a holiday without a name reports its local date, for plain and recurring entries', () => {
    const instant = at('2026-05-01T10:00:00Z'); // Friday
    expect(scheduleState({ ...weekdays('Europe/Madrid'), holidays: ['2026-05-01'] }, instant)).toStrictEqual(
      closed('2026-05-04T06:00:00Z', '2026-05-01'),
    );
    expect(scheduleState({ ...weekdays('Europe/Madrid'), holidays: [{ date: '--05-01' }] }, instant)).toStrictEqual(
      closed('2026-05-04T06:00:00Z', '2026-05-01'),
    );
  });

  it('holiday hours [] → closed all day', () => {
    const def: ScheduleDef = { ...weekdays('Europe/Madrid'), holidays: [{ date: '2026-05-01', name: 'Labour Day', hours: [] }] };
    expect(scheduleState(def, at('2026-05-01T10:00:00Z'))).toStrictEqual(closed('2026-05-04T06:00:00Z', 'Labour Day'));
  });

  it('an exact date wins over a recurring one: --12-24 closed, but 2026-12-24 open 09:00-13:00', () => {
    const def: ScheduleDef = { ...weekdays('Europe/Madrid'), holidays: ['--12-24', { date: '2026-12-24', hours: ['09:00-13:00'] }] };
    expect(scheduleState(def, at('2026-12-24T09:00:00Z'))).toStrictEqual(open('2026-12-24T12:00:00Z'));
    expect(scheduleState(def, at('2027-12-24T09:00:00Z'))).toStrictEqual(closed('2027-12-27T07:00:00Z', '2027-12-24'));
  });

  it('a holiday on a closed weekday still reports the holiday', () => {
    const def: ScheduleDef = { ...weekdays('Europe/Madrid'), holidays: [{ date: '2026-12-26', name: 'St Stephen' }] };
    expect(scheduleState(def, at('2026-12-26T10:00:00Z'))).toStrictEqual(closed('2026-12-28T07:00:00Z', 'St Stephen'));
  });
});

describe('scheduleState: DST in Europe/Madrid', () => {
  it('2026-03-29: 07:30Z is 08:30 CET on Saturday (closed) but 09:30 CEST on Sunday (open)', () => {
    expect(scheduleState(madridWeekend, at('2026-03-28T07:30:00Z'))).toStrictEqual(closed('2026-03-28T08:00:00Z'));
    expect(scheduleState(madridWeekend, at('2026-03-29T07:30:00Z'))).toStrictEqual(open('2026-03-29T12:00:00Z'));
  });

  it('2026-03-29: Saturday 15:00 CET → opens Sunday 09:00 CEST = 07:00Z (only 17 h later)', () => {
    expect(scheduleState(madridWeekend, at('2026-03-28T14:00:00Z'))).toStrictEqual(closed('2026-03-29T07:00:00Z'));
  });

  it('2026-03-29: range 01:00-02:30 loses its end in the gap, closes at 03:00 CEST (01:00Z)', () => {
    const def = madridSunday(['01:00-02:30']);
    expect(scheduleState(def, at('2026-03-29T00:30:00Z'))).toStrictEqual(open('2026-03-29T01:00:00Z'));
    expect(scheduleState(def, at('2026-03-29T01:00:00Z'))).toStrictEqual(closed('2026-04-04T23:00:00Z'));
  });

  it('2026-03-29: range 02:30-04:00 starting in the gap opens at 03:00 CEST and closes at 04:00 CEST', () => {
    const def = madridSunday(['02:30-04:00']);
    expect(scheduleState(def, at('2026-03-29T00:00:00Z'))).toStrictEqual(closed('2026-03-29T01:00:00Z'));
    expect(scheduleState(def, at('2026-03-29T01:00:00Z'))).toStrictEqual(open('2026-03-29T02:00:00Z'));
  });

  it('2026-10-25: Saturday 14:00 CEST → opens Sunday 09:00 CET = 08:00Z (20 h later, not 19)', () => {
    expect(scheduleState(madridWeekend, at('2026-10-24T12:00:00Z'))).toStrictEqual(closed('2026-10-25T08:00:00Z'));
    expect(scheduleState(madridWeekend, at('2026-10-25T08:00:00Z'))).toStrictEqual(open('2026-10-25T13:00:00Z'));
  });

  it('2026-10-25: range 02:00-02:30 happens twice (CEST then CET)', () => {
    const def = madridSunday(['02:00-02:30']);
    expect(scheduleState(def, at('2026-10-25T00:10:00Z'))).toStrictEqual(open('2026-10-25T00:30:00Z'));
    expect(scheduleState(def, at('2026-10-25T00:45:00Z'))).toStrictEqual(closed('2026-10-25T01:00:00Z'));
    expect(scheduleState(def, at('2026-10-25T01:00:00Z'))).toStrictEqual(open('2026-10-25T01:30:00Z'));
    expect(scheduleState(def, at('2026-10-25T01:30:00Z'))).toStrictEqual(closed('2026-11-01T01:00:00Z'));
  });
});

describe('scheduleState: DST in America/New_York', () => {
  const ny = weekdays('America/New_York', ['09:00-17:00']);

  it('13:30Z on Monday: 08:30 EST on 2026-03-02 (closed), 09:30 EDT on 2026-03-09 (open)', () => {
    expect(scheduleState(ny, at('2026-03-02T13:30:00Z'))).toStrictEqual(closed('2026-03-02T14:00:00Z'));
    expect(scheduleState(ny, at('2026-03-09T13:30:00Z'))).toStrictEqual(open('2026-03-09T21:00:00Z'));
  });

  it('spring forward 2026-03-08: Friday 17:00 EST → opens Monday 09:00 EDT = 13:00Z', () => {
    expect(scheduleState(ny, at('2026-03-06T22:00:00Z'))).toStrictEqual(closed('2026-03-09T13:00:00Z'));
  });

  it('fall back 2026-11-01: Friday 17:00 EDT → opens Monday 09:00 EST = 14:00Z', () => {
    expect(scheduleState(ny, at('2026-10-30T21:00:00Z'))).toStrictEqual(closed('2026-11-02T14:00:00Z'));
  });

  it('fall back 2026-11-01: range 01:30-02:00 happens twice (EDT then EST)', () => {
    const def = nySunday(['01:30-02:00']);
    expect(scheduleState(def, at('2026-11-01T05:30:00Z'))).toStrictEqual(open('2026-11-01T06:00:00Z'));
    expect(scheduleState(def, at('2026-11-01T06:00:00Z'))).toStrictEqual(closed('2026-11-01T06:30:00Z'));
    expect(scheduleState(def, at('2026-11-01T06:30:00Z'))).toStrictEqual(open('2026-11-01T07:00:00Z'));
  });

  it('fall back day is 25 h long: a 24/7 line closing for Monday 2026-11-02 closes at 05:00Z', () => {
    const line = allDay('America/New_York', ['2026-11-02']);
    expect(scheduleState(line, at('2026-10-31T12:00:00Z'))).toStrictEqual(open('2026-11-02T05:00:00Z'));
  });
});

describe('checkSchedule', () => {
  const base = (patch: Record<string, unknown>): ScheduleDef => ({ ...weekdays('Europe/Madrid'), ...patch });
  const paths = (def: ScheduleDef): string[] => checkSchedule(def).map((i) => i.path);

  it('every schedule used in these tests is valid', () => {
    const defs = [
      office,
      lunchBreak,
      lateFriday,
      acrossMidnight,
      allDay('Asia/Singapore', ['--12-25']),
      christmas('Asia/Singapore'),
      madridWeekend,
      madridSunday(['02:30-04:00']),
      nySunday(['01:30-02:00']),
      { ...weekdays('Europe/Madrid'), holidays: ['--12-24', { date: '2026-12-24', hours: ['09:00-13:00'] }] },
      { timezone: 'UTC', hours: {} },
    ];
    for (const def of defs) expect(checkSchedule(def)).toStrictEqual([]);
  });

  it.each<[string, unknown]>([
    ['unknown zone', 'Mars/Olympus'],
    ['empty string', ''],
    ['offset instead of a zone', '+01:00'],
    ['not a string', 1],
    ['missing', undefined],
  ])('bad timezone (%s) → /timezone', (_name, timezone) => {
    const issues = checkSchedule(base({ timezone }));
    expect(issues.map((i) => i.path)).toStrictEqual(['/timezone']);
    expect(issues[0]!.message).toMatch(/time zone/);
  });

  it.each([
    ['8:00-18:00'],
    ['08:00 - 18:00'],
    ['08:00–18:00'],
    ['0800-1800'],
    ['08:00-18:00,19:00-20:00'],
    ['25:00-26:00'],
    ['08:60-09:00'],
    ['24:00-24:00'],
    ['08:00-24:01'],
    ['08:00-25:00'],
  ])('bad range text "%s" → /hours/mon/1', (range) => {
    expect(paths(base({ hours: { mon: ['06:00-07:00', range] } }))).toStrictEqual(['/hours/mon/1']);
  });

  it('a range that is not a string → /hours/tue/0', () => {
    expect(paths(base({ hours: { tue: [480] } }))).toStrictEqual(['/hours/tue/0']);
  });

  it.each([['18:00-08:00'], ['09:00-09:00'], ['00:00-00:00']])('end <= start "%s" → /hours/wed/0 with a message saying so', (range) => {
    const issues = checkSchedule(base({ hours: { wed: [range] } }));
    expect(issues.map((i) => i.path)).toStrictEqual(['/hours/wed/0']);
    expect(issues[0]!.message).toMatch(/end must be after start/);
  });

  it('"00:00-24:00" is a valid whole day', () => {
    expect(paths(base({ hours: { wed: ['00:00-24:00'] } }))).toStrictEqual([]);
  });

  it('overlapping ranges → the later entry, whatever the order; touching ranges are fine', () => {
    expect(paths(base({ hours: { thu: ['08:00-12:00', '11:00-14:00'] } }))).toStrictEqual(['/hours/thu/1']);
    expect(paths(base({ hours: { thu: ['11:00-14:00', '08:00-12:00'] } }))).toStrictEqual(['/hours/thu/1']);
    expect(paths(base({ hours: { thu: ['08:00-18:00', '10:00-11:00', '12:00-13:00'] } }))).toStrictEqual(['/hours/thu/1', '/hours/thu/2']);
    expect(paths(base({ hours: { thu: ['09:00-10:00', '09:00-10:00'] } }))).toStrictEqual(['/hours/thu/1']);
    expect(paths(base({ hours: { thu: ['08:00-12:00', '12:00-14:00'] } }))).toStrictEqual([]);
  });

  it('overlap message names both ranges', () => {
    expect(checkSchedule(base({ hours: { thu: ['08:00-12:00', '11:00-14:00'] } }))[0]!.message).toBe('"11:00-14:00" overlaps "08:00-12:00"');
  });

  it('unknown weekday key → /hours/<key>; a day that is not a list → /hours/<day>; hours not an object → /hours', () => {
    expect(paths(base({ hours: { monday: ['08:00-18:00'] } }))).toStrictEqual(['/hours/monday']);
    expect(paths(base({ hours: { a: [], 'x/y': [] } }))).toStrictEqual(['/hours/a', '/hours/x~1y']);
    expect(paths(base({ hours: { fri: '08:00-18:00' } }))).toStrictEqual(['/hours/fri']);
    expect(paths(base({ hours: ['08:00-18:00'] }))).toStrictEqual(['/hours']);
    expect(paths(base({ hours: undefined }))).toStrictEqual(['/hours']);
  });

  it.each([['2026-02-30'], ['2026-02-29'], ['2026-13-01'], ['2026-00-10'], ['2026-04-31'], ['2026-4-1'], ['--02-30'], ['--13-01'], ['12-25'], ['']])(
    'bad holiday date "%s" → /holidays/1 (plain) and /holidays/1/date (object)',
    (date) => {
      expect(paths(base({ holidays: ['2026-01-01', date] }))).toStrictEqual(['/holidays/1']);
      expect(paths(base({ holidays: ['2026-01-01', { date, name: 'X' }] }))).toStrictEqual(['/holidays/1/date']);
    },
  );

  it('leap days: 2028-02-29 and --02-29 are valid, 2100-02-29 is not', () => {
    expect(paths(base({ holidays: ['2028-02-29', '--02-29', '2000-02-29'] }))).toStrictEqual([]);
    expect(paths(base({ holidays: ['2100-02-29'] }))).toStrictEqual(['/holidays/0']);
  });

  it('duplicate holiday date → the second entry, plain or object', () => {
    expect(paths(base({ holidays: ['2026-05-01', { date: '2026-05-01', name: 'Labour Day' }] }))).toStrictEqual(['/holidays/1/date']);
    expect(paths(base({ holidays: ['--12-25', '2026-12-25', '--12-25'] }))).toStrictEqual(['/holidays/2']);
    expect(checkSchedule(base({ holidays: ['--12-25', '--12-25'] }))[0]!.message).toMatch(/duplicate.*\/holidays\/0/);
  });

  it('holiday hours are checked like weekly hours → /holidays/0/hours/<i>', () => {
    const hours = ['09:00-13:00', '12:00-14:00', '9-13', '15:00-14:00'];
    expect(paths(base({ holidays: [{ date: '2026-12-24', hours }] }))).toStrictEqual([
      '/holidays/0/hours/2',
      '/holidays/0/hours/3',
      '/holidays/0/hours/1',
    ]);
    expect(paths(base({ holidays: [{ date: '2026-12-24', hours: '09:00-13:00' }] }))).toStrictEqual(['/holidays/0/hours']);
  });

  it('bad holiday entries: missing date, bad name, unknown field, not an object, holidays not a list', () => {
    expect(paths(base({ holidays: [{ name: 'Nameless' }] }))).toStrictEqual(['/holidays/0/date']);
    expect(paths(base({ holidays: [{ date: '2026-05-01', name: 3 }] }))).toStrictEqual(['/holidays/0/name']);
    expect(paths(base({ holidays: [{ date: '2026-05-01', hour: ['09:00-13:00'] }] }))).toStrictEqual(['/holidays/0/hour']);
    expect(paths(base({ holidays: [20260501] }))).toStrictEqual(['/holidays/0']);
    expect(paths(base({ holidays: '2026-05-01' }))).toStrictEqual(['/holidays']);
  });

  it('reports every problem at once', () => {
    const def = {
      timezone: 'Europe/Madird',
      hours: { mon: ['08:00-18:00', '17:00-19:00'], tue: ['18:00-08:00'], sun: ['8-12'] },
      holidays: ['2026-02-30', '--12-25', { date: '--12-25', hours: ['10:00-24:00'] }],
    } as ScheduleDef;
    expect(paths(def).sort()).toStrictEqual(
      ['/timezone', '/hours/mon/1', '/hours/tue/0', '/hours/sun/0', '/holidays/0', '/holidays/2/date'].sort(),
    );
    for (const issue of checkSchedule(def)) expect(issue.message.length).toBeGreaterThan(0);
  });

  it('a definition that is not an object → one issue at the root', () => {
    expect(paths(null as unknown as ScheduleDef)).toStrictEqual(['']);
  });
});
