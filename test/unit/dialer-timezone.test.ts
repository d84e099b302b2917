/** A contact's time zone: its own field, else from the number (issue 9). */
import { describe, expect, it } from 'vitest';
import { AMBIGUOUS_AREA_CODES, NANP_AREA_ZONES, timeZoneFor, validTimeZone } from '../../src/dialer/lists/timezone.js';
import { CANADIAN_AREA_CODES } from '../../src/dialer/lists/e164.js';

describe('timeZoneFor: the contact field', () => {
  it('a valid IANA name in the field wins over the number: Berlin number, field America/New_York', () => {
    expect(timeZoneFor('+49301234567', 'America/New_York')).toEqual({ tz: 'America/New_York', source: 'field' });
  });
  it('the field is case-insensitive and comes back in canonical case', () => {
    expect(timeZoneFor('+49301234567', ' europe/paris ')).toEqual({ tz: 'Europe/Paris', source: 'field' });
  });
  it('an invalid field (Mars/Olympus, "+01:00", "EST", "CET") falls back to the number', () => {
    for (const bad of ['Mars/Olympus', '+01:00', 'EST', 'CET', 'Berlin']) {
      expect(timeZoneFor('+49301234567', bad)).toEqual({ tz: 'Europe/Berlin', source: 'number' });
    }
  });
  it('an empty field is ignored', () => {
    expect(timeZoneFor('+49301234567', '')).toEqual({ tz: 'Europe/Berlin', source: 'number' });
  });
  it('an invalid field and an unknown zone from the number → unknown', () => {
    expect(timeZoneFor('+61293744000', 'nowhere').tz).toBeUndefined();
  });
  it('UTC is accepted', () => {
    expect(validTimeZone('UTC')).toBe('UTC');
  });
});

describe('timeZoneFor: from the number', () => {
  it('a single-zone country maps directly: DE → Europe/Berlin, GB → Europe/London, IN → Asia/Kolkata', () => {
    expect(timeZoneFor('+49301234567')).toEqual({ tz: 'Europe/Berlin', source: 'number' });
    expect(timeZoneFor('+442079460958').tz).toBe('Europe/London');
    expect(timeZoneFor('+919876543210').tz).toBe('Asia/Kolkata');
  });
  it('San Francisco 415 → America/Los_Angeles, Chicago 312 → America/Chicago, El Paso 915 → America/Denver', () => {
    expect(timeZoneFor('+14155550134').tz).toBe('America/Los_Angeles');
    expect(timeZoneFor('+13125550134').tz).toBe('America/Chicago');
    expect(timeZoneFor('+19155550134').tz).toBe('America/Denver');
  });
  it('Canada: Toronto 416, Vancouver 604, Calgary 403, Regina 306, Halifax 902', () => {
    expect(timeZoneFor('+14165550199').tz).toBe('America/Toronto');
    expect(timeZoneFor('+16045550100').tz).toBe('America/Vancouver');
    expect(timeZoneFor('+14035550100').tz).toBe('America/Edmonton');
    expect(timeZoneFor('+13065550100').tz).toBe('America/Regina');
    expect(timeZoneFor('+19025550100').tz).toBe('America/Halifax');
  });
  it('an area code that spans zones (850 Florida panhandle) → unknown with the reason', () => {
    const r = timeZoneFor('+18505550100');
    expect(r.tz).toBeUndefined();
    expect('reason' in r && r.reason).toMatch(/850 spans zones/);
  });
  it('an area code not in the table (206 Seattle) → unknown', () => {
    const r = timeZoneFor('+12065550100');
    expect(r.tz).toBeUndefined();
    expect('reason' in r && r.reason).toMatch(/not in the zone table/);
  });
  it('multi-zone countries without a rule → unknown: Russia, Brazil, Australia, Mexico', () => {
    for (const n of ['+74951234567', '+5511912345678', '+61293744000', '+525512345678']) {
      expect(timeZoneFor(n).tz).toBeUndefined();
    }
  });
  it('Spain: Canary fixed line 928 → Atlantic/Canary, Madrid 91 → Europe/Madrid; Azores 296 → Atlantic/Azores', () => {
    expect(timeZoneFor('+34928123456').tz).toBe('Atlantic/Canary');
    expect(timeZoneFor('+34912345678').tz).toBe('Europe/Madrid');
    expect(timeZoneFor('+351296123456').tz).toBe('Atlantic/Azores');
    expect(timeZoneFor('+351211234567').tz).toBe('Europe/Lisbon');
  });
  it('a string that is not E.164 → unknown', () => {
    expect(timeZoneFor('hello').tz).toBeUndefined();
  });
});

describe('the zone tables', () => {
  it('every zone in the NANP table is a valid IANA name on this Node', () => {
    for (const tz of new Set(NANP_AREA_ZONES.values())) expect(validTimeZone(tz), tz).toBeDefined();
  });
  it('every single-zone country result is valid too', () => {
    for (const n of ['+49301234567', '+380441234567', '+541112345678', '+6491234567']) {
      const tz = timeZoneFor(n).tz;
      expect(tz && validTimeZone(tz), n).toBeTruthy();
    }
  });
  it('no area code is both mapped and ambiguous; every Canadian geographic code in the table is Canadian', () => {
    for (const code of AMBIGUOUS_AREA_CODES.keys()) expect(NANP_AREA_ZONES.has(code), code).toBe(false);
    const canadianZones = new Set(['America/Toronto', 'America/Vancouver', 'America/Edmonton', 'America/Regina', 'America/Winnipeg', 'America/Halifax', 'America/Moncton']);
    for (const [code, tz] of NANP_AREA_ZONES) {
      if (canadianZones.has(tz)) expect(CANADIAN_AREA_CODES.has(code), code).toBe(true);
    }
  });
  it('covers the ten most populous states: at least 150 US area codes', () => {
    const us = [...NANP_AREA_ZONES.keys()].filter((c) => !CANADIAN_AREA_CODES.has(c));
    expect(us.length).toBeGreaterThanOrEqual(150);
  });
});
