/**
 * May this contact be dialled now? The rules of an outbound campaign, as a
 * pure function of the contact's history, its time zone and the clock
 * (defaults from the issue, each configurable per campaign):
 *
 *   - only inside the contact's local calling window (08:00–21:00), and never
 *     without a known time zone;
 *   - not twice within the minimum gap (default 4 h) — a scheduled callback
 *     is dialled at its time, not before;
 *   - at most `maxAttempts` attempts (default 5);
 *   - never a number on the global or the campaign's do-not-call list;
 *   - a final disposition (answered and done, DNC, a number that does not
 *     exist) ends the contact.
 *
 * `nextAllowedAt` tells the engine when to look again (the next window
 * opening, the end of the gap), so refused contacts become delayed jobs,
 * not a busy loop.
 */
import { wallClock } from '../time/wall-clock.js';

export interface CallingRules {
  /** Local wall-clock window, minutes after midnight, [start, end). */
  windowStartMin: number;
  windowEndMin: number;
  /** No two attempts closer than this. */
  minGapMs: number;
  maxAttempts: number;
}

export const DEFAULT_RULES: CallingRules = { windowStartMin: 8 * 60, windowEndMin: 21 * 60, minGapMs: 4 * 3_600_000, maxAttempts: 5 };

export const DISPOSITIONS = ['answered', 'busy', 'no-answer', 'machine', 'failed', 'dnc', 'callback', 'invalid-number', 'abandoned'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** The disposition of a call that was not answered, from why the dial ended (DialError's reason). */
export function dispositionOfDial(reason: string): Disposition {
  if (reason === 'busy') return 'busy';
  return reason === 'no-answer' || reason === 'cancelled' ? 'no-answer' : 'failed';
}

/** Dispositions after which the contact is never dialled again by this campaign. */
export const FINAL: ReadonlySet<Disposition> = new Set(['answered', 'dnc', 'invalid-number']);

export interface ContactState {
  e164: string;
  tz: string | undefined;
  attempts: number;
  lastAttemptAt?: number;
  lastDisposition?: Disposition;
  /** A callback the customer asked for: dialled at this time (still inside the window). */
  callbackAt?: number;
}

export type Verdict =
  | { ok: true }
  | { ok: false; reason: 'dnc' | 'final' | 'max-attempts' | 'no-time-zone' | 'outside-window' | 'gap' | 'callback-later'; nextAllowedAt?: number };

export function mayDial(c: ContactState, now: number, rules: CallingRules, onDnc: boolean): Verdict {
  if (onDnc) return { ok: false, reason: 'dnc' };
  if (c.lastDisposition !== undefined && FINAL.has(c.lastDisposition)) return { ok: false, reason: 'final' };
  if (c.attempts >= rules.maxAttempts) return { ok: false, reason: 'max-attempts' };
  if (c.tz === undefined) return { ok: false, reason: 'no-time-zone' };
  if (c.callbackAt !== undefined && now < c.callbackAt) return { ok: false, reason: 'callback-later', nextAllowedAt: c.callbackAt };
  // a callback at its time is what the customer asked for: the gap does not hold it back
  if (c.callbackAt === undefined && c.lastAttemptAt !== undefined && now < c.lastAttemptAt + rules.minGapMs) {
    const at = c.lastAttemptAt + rules.minGapMs;
    return { ok: false, reason: 'gap', nextAllowedAt: insideWindow(at, c.tz, rules) ? at : nextWindowOpen(at, c.tz, rules) };
  }
  if (!insideWindow(now, c.tz, rules)) return { ok: false, reason: 'outside-window', nextAllowedAt: nextWindowOpen(now, c.tz, rules) };
  return { ok: true };
}

function minuteOfDay(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  return w.hour * 60 + w.minute;
}

export function insideWindow(ms: number, tz: string, rules: CallingRules): boolean {
  const m = minuteOfDay(ms, tz);
  return m >= rules.windowStartMin && m < rules.windowEndMin;
}

/** The first minute after `ms` at which the contact's window is open (DST-safe: checked on the zone's clock). */
export function nextWindowOpen(ms: number, tz: string, rules: CallingRules): number {
  let t = Math.floor(ms / 60_000) * 60_000 + 60_000;
  if (insideWindow(t, tz, rules)) return t;
  // jump by local minutes to the window's start, then walk the few minutes a clock change may shift it
  const m = minuteOfDay(t, tz);
  t += (m < rules.windowStartMin ? rules.windowStartMin - m : 1440 - m + rules.windowStartMin) * 60_000;
  for (let i = -120; i <= 180; i++) {
    const c = t + i * 60_000;
    if (c > ms && insideWindow(c, tz, rules) && !insideWindow(c - 60_000, tz, rules)) return c;
  }
  for (let i = 0; i < 48 * 60; i++, t += 60_000) if (insideWindow(t, tz, rules)) return t;
  return t;
}
