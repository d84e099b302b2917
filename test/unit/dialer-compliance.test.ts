/**
 * The dialer's calling rules (src/dialer/compliance.ts): window in the
 * contact's own zone, gap, attempts, DNC, final dispositions, callbacks.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, insideWindow, mayDial, nextWindowOpen, type ContactState } from '../../src/dialer/compliance.js';

const NY = 'America/New_York';
const at = (iso: string): number => Date.parse(iso);
const contact = (o: Partial<ContactState> = {}): ContactState => ({ e164: '+12125550123', tz: NY, attempts: 0, ...o });

describe('the calling window, on the contact’s clock', () => {
  it('New York 08:00 is open, 07:59 is not; 20:59 is open, 21:00 is not (window [08:00, 21:00))', () => {
    // 15 March 2024: EDT, UTC−4
    expect(insideWindow(at('2024-03-15T12:00:00Z'), NY, DEFAULT_RULES)).toBe(true); // 08:00
    expect(insideWindow(at('2024-03-15T11:59:00Z'), NY, DEFAULT_RULES)).toBe(false); // 07:59
    expect(insideWindow(at('2024-03-16T00:59:00Z'), NY, DEFAULT_RULES)).toBe(true); // 20:59
    expect(insideWindow(at('2024-03-16T01:00:00Z'), NY, DEFAULT_RULES)).toBe(false); // 21:00
  });

  it('the same instant is inside for a Berlin contact and outside for a New York one (13:00Z = 14:00 Berlin, 09:00 NY… 06:00Z = 07:00 Berlin, 02:00 NY)', () => {
    expect(mayDial(contact({ tz: 'Europe/Berlin' }), at('2024-03-15T13:00:00Z'), DEFAULT_RULES, false)).toEqual({ ok: true });
    expect(mayDial(contact(), at('2024-03-15T06:00:00Z'), DEFAULT_RULES, false)).toMatchObject({ ok: false, reason: 'outside-window' });
  });

  it('21:30 in New York → next allowed at 08:00 the next morning (12:00Z)', () => {
    expect(mayDial(contact(), at('2024-03-16T01:30:00Z'), DEFAULT_RULES, false)).toEqual({ ok: false, reason: 'outside-window', nextAllowedAt: at('2024-03-16T12:00:00Z') });
    expect(nextWindowOpen(at('2024-03-15T10:00:00Z'), NY, DEFAULT_RULES)).toBe(at('2024-03-15T12:00:00Z')); // 06:00 → 08:00 the same day
  });

  it('across the spring-forward night (10 March 2024, EST→EDT) the window opens at 08:00 local = 12:00Z, not 13:00Z', () => {
    expect(nextWindowOpen(at('2024-03-10T02:00:00Z'), NY, DEFAULT_RULES)).toBe(at('2024-03-10T12:00:00Z'));
  });
});

describe('gap, attempts, DNC, final dispositions, callbacks', () => {
  const noon = at('2024-03-15T16:00:00Z'); // 12:00 in New York
  it('an attempt 1 h ago (gap 4 h) → not before 4 h after it', () => {
    expect(mayDial(contact({ attempts: 1, lastAttemptAt: noon - 3_600_000 }), noon, DEFAULT_RULES, false)).toEqual({ ok: false, reason: 'gap', nextAllowedAt: noon + 3 * 3_600_000 });
  });

  it('the gap ending after the window closes → the next window opening instead', () => {
    const late = at('2024-03-15T23:30:00Z'); // 19:30 NY: gap ends 23:30 NY, outside
    expect(mayDial(contact({ attempts: 1, lastAttemptAt: late }), late + 60_000, DEFAULT_RULES, false)).toEqual({ ok: false, reason: 'gap', nextAllowedAt: at('2024-03-16T12:00:00Z') });
  });

  it('5 attempts made (max 5) → never again; a DNC number → never; answered/dnc/invalid-number → final', () => {
    expect(mayDial(contact({ attempts: 5 }), noon, DEFAULT_RULES, false)).toEqual({ ok: false, reason: 'max-attempts' });
    expect(mayDial(contact(), noon, DEFAULT_RULES, true)).toEqual({ ok: false, reason: 'dnc' });
    for (const d of ['answered', 'dnc', 'invalid-number'] as const) expect(mayDial(contact({ attempts: 1, lastDisposition: d }), noon, DEFAULT_RULES, false)).toEqual({ ok: false, reason: 'final' });
    expect(mayDial(contact({ attempts: 1, lastDisposition: 'busy', lastAttemptAt: noon - 5 * 3_600_000 }), noon, DEFAULT_RULES, false)).toEqual({ ok: true });
  });

  it('no known time zone → not dialled at all', () => {
    expect(mayDial(contact({ tz: undefined }), noon, DEFAULT_RULES, false)).toEqual({ ok: false, reason: 'no-time-zone' });
  });

  it('a callback asked for 14:00 → refused until then, then dialled even inside the gap of the call that booked it', () => {
    const c = contact({ attempts: 1, lastAttemptAt: noon - 600_000, lastDisposition: 'callback', callbackAt: noon + 2 * 3_600_000 });
    expect(mayDial(c, noon, DEFAULT_RULES, false)).toEqual({ ok: false, reason: 'callback-later', nextAllowedAt: noon + 2 * 3_600_000 });
    expect(mayDial(c, noon + 2 * 3_600_000, DEFAULT_RULES, false)).toEqual({ ok: true });
  });
});
