/**
 * The wall clock of an IANA time zone, through Intl (no time-zone database
 * of our own): what a clock in that zone shows at an instant, and the zone's
 * offset from UTC. The IVR's schedules, the reports' intervals and the
 * staffing forecast all read local time through this one module.
 */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's formatter (cached); throws a RangeError for a zone this runtime does not know. */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

/** True when `timeZone` is a zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    zoneFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function wallClock(ms: number, timeZone: string): WallClock {
  const clock: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of zoneFormatter(timeZone).formatToParts(ms)) {
    if (part.type in clock) clock[part.type as keyof WallClock] = Number(part.value);
  }
  // Some ICU/engine combinations render midnight as "24" (same date) despite h23.
  if (clock.hour === 24) clock.hour = 0;
  return clock;
}

/** Local wall clock minus UTC at instant `ms`, in ms (east positive). */
export function offsetAt(ms: number, timeZone: string): number {
  const c = wallClock(ms, timeZone);
  const wallAsUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return wallAsUtc - Math.floor(ms / 1000) * 1000;
}
