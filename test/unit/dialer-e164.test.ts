/** E.164 normalisation of contact-list numbers (issue 9). */
import { describe, expect, it } from 'vitest';
import { COUNTRIES, countryOfE164, normalizeNumber } from '../../src/dialer/lists/e164.js';

function ok(raw: string, country: string): string {
  const r = normalizeNumber(raw, country);
  if (!r.ok) throw new Error(`${raw} (${country}): ${r.code} ${r.message}`);
  return r.e164;
}
function code(raw: string, country: string): string {
  const r = normalizeNumber(raw, country);
  return r.ok ? `ok ${r.e164}` : r.code;
}

describe('normalizeNumber: Germany', () => {
  it('German number written +49 30 1234567 → +49301234567', () => {
    expect(ok('+49 30 1234567', 'DE')).toBe('+49301234567');
  });
  it('German number written 0049 30 1234567 with default country US → +49301234567', () => {
    expect(ok('0049 30 1234567', 'US')).toBe('+49301234567');
  });
  it('German national number (030) 123-4567 with default DE: trunk 0 dropped → +49301234567', () => {
    expect(ok('(030) 123-4567', 'DE')).toBe('+49301234567');
  });
  it('German number written +49 (0)30 1234567: the (0) is dropped', () => {
    expect(ok('+49 (0)30 1234567', 'DE')).toBe('+49301234567');
  });
  it('German mobile 0171/1234567 with default de (lower case) → +491711234567 and country DE', () => {
    expect(normalizeNumber('0171/1234567', 'de')).toEqual({ ok: true, e164: '+491711234567', country: 'DE' });
  });
});

describe('normalizeNumber: NANP', () => {
  it('US number written (415) 555-0134 → +14155550134, country US', () => {
    expect(normalizeNumber('(415) 555-0134', 'US')).toEqual({ ok: true, e164: '+14155550134', country: 'US' });
  });
  it('US number written 1-415-555-0134 → +14155550134 (trunk 1 dropped)', () => {
    expect(ok('1-415-555-0134', 'US')).toBe('+14155550134');
  });
  it('US number written 415.555.0134 and +1 415 555 0134 → the same E.164', () => {
    expect(ok('415.555.0134', 'US')).toBe('+14155550134');
    expect(ok('+1 415 555 0134', 'DE')).toBe('+14155550134');
  });
  it('US international prefix 011 from a US list: 011 44 20 7946 0958 → +442079460958', () => {
    expect(ok('011 44 20 7946 0958', 'US')).toBe('+442079460958');
  });
  it('a Toronto number on a US list is reported as country CA', () => {
    expect(normalizeNumber('416-555-0199', 'US')).toMatchObject({ ok: true, country: 'CA' });
  });
  it('area code starting with 0 or 1 → NUMBER_INVALID', () => {
    expect(code('(015) 555-0134', 'US')).toBe('NUMBER_INVALID');
    expect(code('+1 115 555 0134', 'US')).toBe('NUMBER_INVALID');
  });
  it('exchange starting with 0 or 1 → NUMBER_INVALID', () => {
    expect(code('(415) 055-0134', 'US')).toBe('NUMBER_INVALID');
    expect(code('(415) 155-0134', 'US')).toBe('NUMBER_INVALID');
  });
  it('N11 area code (911) → NUMBER_INVALID', () => {
    expect(code('(911) 555-0134', 'US')).toBe('NUMBER_INVALID');
  });
  it('nine digits → NUMBER_TOO_SHORT, twelve → NUMBER_TOO_LONG', () => {
    expect(code('415 555 013', 'US')).toBe('NUMBER_TOO_SHORT');
    expect(code('+1 415 555 01345', 'US')).toBe('NUMBER_TOO_LONG');
  });
});

describe('normalizeNumber: extensions are stripped and returned', () => {
  it('(415) 555-0134 x123 → +14155550134 with extension 123', () => {
    expect(normalizeNumber('(415) 555-0134 x123', 'US')).toEqual({ ok: true, e164: '+14155550134', country: 'US', extension: '123' });
  });
  it('+49 30 1234567 ext. 5 and "extension 12" and "#7" are stripped', () => {
    expect(normalizeNumber('+49 30 1234567 ext. 5', 'DE')).toMatchObject({ e164: '+49301234567', extension: '5' });
    expect(normalizeNumber('030 1234567 extension 12', 'DE')).toMatchObject({ e164: '+49301234567', extension: '12' });
    expect(normalizeNumber('030 1234567#7', 'DE')).toMatchObject({ e164: '+49301234567', extension: '7' });
  });
});

describe('normalizeNumber: refusals', () => {
  it('empty or blank → NUMBER_EMPTY', () => {
    expect(code('', 'US')).toBe('NUMBER_EMPTY');
    expect(code('   ', 'US')).toBe('NUMBER_EMPTY');
    expect(code('()-', 'US')).toBe('NUMBER_EMPTY');
  });
  it('letters (vanity 1-800-FLOWERS) → NUMBER_INVALID_CHARS', () => {
    expect(code('1-800-FLOWERS', 'US')).toBe('NUMBER_INVALID_CHARS');
    expect(code('030 12a4567', 'DE')).toBe('NUMBER_INVALID_CHARS');
  });
  it('a + in the middle → NUMBER_INVALID_CHARS', () => {
    expect(code('030+1234567', 'DE')).toBe('NUMBER_INVALID_CHARS');
  });
  it('unknown calling code +999 → NUMBER_UNKNOWN_COUNTRY', () => {
    expect(code('+999 1234 5678', 'US')).toBe('NUMBER_UNKNOWN_COUNTRY');
  });
  it('German number too short or too long → TOO_SHORT / TOO_LONG', () => {
    expect(code('030 12', 'DE')).toBe('NUMBER_TOO_SHORT');
    expect(code('+49 30 12345678901234', 'DE')).toBe('NUMBER_TOO_LONG');
  });
  it('+49 00… (trunk twice) → NUMBER_INVALID', () => {
    expect(code('+49 (0)030 1234567', 'DE')).toBe('NUMBER_INVALID');
  });
});

describe('normalizeNumber: other countries', () => {
  it('UK national 020 7946 0958 → +442079460958', () => {
    expect(ok('020 7946 0958', 'GB')).toBe('+442079460958');
  });
  it('Italian fixed line keeps its 0: 06 1234 5678 → +390612345678', () => {
    expect(ok('06 1234 5678', 'IT')).toBe('+390612345678');
    expect(ok('+39 06 1234 5678', 'DE')).toBe('+390612345678');
  });
  it('French 01 23 45 67 89 → +33123456789', () => {
    expect(ok('01 23 45 67 89', 'FR')).toBe('+33123456789');
  });
  it('Russian 8 495 123-45-67 → +74951234567 (trunk 8), Kazakh +7 701 … → KZ', () => {
    expect(normalizeNumber('8 495 123-45-67', 'RU')).toMatchObject({ e164: '+74951234567', country: 'RU' });
    expect(normalizeNumber('+7 701 123 4567', 'RU')).toMatchObject({ country: 'KZ' });
  });
  it('Hungarian 06 1 234 5678 → +3612345678 (trunk 06)', () => {
    expect(ok('06 1 234 5678', 'HU')).toBe('+3612345678');
  });
  it('Australian 0011 prefix and national 02 9374 4000', () => {
    expect(ok('0011 49 30 1234567', 'AU')).toBe('+49301234567');
    expect(ok('(02) 9374 4000', 'AU')).toBe('+61293744000');
  });
  it('the table holds at least 40 countries', () => {
    expect(COUNTRIES.size).toBeGreaterThanOrEqual(40);
  });
  it('countryOfE164 reads the country back', () => {
    expect(countryOfE164('+49301234567')).toBe('DE');
    expect(countryOfE164('+16045550100')).toBe('CA');
    expect(countryOfE164('+99912345')).toBeUndefined();
    expect(countryOfE164('not a number')).toBeUndefined();
  });
});
