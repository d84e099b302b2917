/**
 * Unit tests for the IVR's say-number composer: token choice per language, input checks,
 * and property-style loops (seeded) that every said value decodes back to itself and only
 * uses tokens that allTokens pre-renders.
 */
import { describe, expect, it } from 'vitest';
import { SAY_LANGUAGES, SayError, allTokens, sayTokens, tokenText, type SayAs } from '../../src/ivr/say.js';

const TOKEN_NAME = /^[A-Za-z0-9_-]+$/;
const SCALES: Readonly<Record<string, number>> = { million: 1_000_000, millions: 1_000_000, thousand: 1000 };

/** Deterministic PRNG (mulberry32) so the property loops are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

/** A 0..999 group biased towards the edge cases (0, 1, 100, 101, x1). */
function randomGroup(r: () => number): number {
  return pick(r, [0, 1, 21, 100, 101, 121, 200, Math.floor(r() * 1000), Math.floor(r() * 1000)]);
}

function randomNumber(r: () => number): number {
  return randomGroup(r) * 1_000_000 + randomGroup(r) * 1000 + randomGroup(r);
}

/**
 * Reads cardinal tokens back into a number, strictly: per group at most one hundreds token
 * then at most one 1..99 token, scales strictly decreasing, "0" only on its own. A bare
 * scale word counts as one of it ("mil" = 1000).
 */
function decodeCardinal(tokens: readonly string[]): number {
  if (tokens.length === 1 && tokens[0] === '0') return 0;
  let total = 0;
  let group = 0;
  let stage = 0; // 0: group start, 1: after hundreds, 2: after 1..99
  let lastScale = Infinity;
  for (const t of tokens) {
    const hundreds = /^h([1-9])x?$/.exec(t);
    const unit = /^([1-9]\d?)[xf]?$/.exec(t);
    const scale = SCALES[t];
    if (hundreds && stage === 0) {
      group += Number(hundreds[1]) * 100;
      stage = 1;
    } else if (unit && stage < 2) {
      group += Number(unit[1]);
      stage = 2;
    } else if (scale !== undefined && scale < lastScale) {
      total += (group || 1) * scale;
      lastScale = scale;
      group = 0;
      stage = 0;
    } else {
      throw new Error(`bad token ${t} in ${tokens.join(' ')}`);
    }
  }
  return total + group;
}

function sayError(fn: () => unknown): SayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SayError) return err;
    throw err;
  }
  throw new Error('expected a SayError');
}

function expectCode(value: string, as: SayAs, code: SayError['code'], language = 'en'): void {
  const err = sayError(() => sayTokens(value, as, language));
  expect(err.code, `${as} ${JSON.stringify(value)}`).toBe(code);
}

const say = (value: string, language: string, as: SayAs = 'number'): string[] => sayTokens(value, as, language);

describe('en', () => {
  it('en 1234 → one thousand two hundred thirty four', () => {
    expect(say('1234', 'en')).toEqual(['1', 'thousand', 'h2', '34']);
  });
  it('en 2000000 → two million (no plural)', () => {
    expect(say('2000000', 'en')).toEqual(['2', 'million']);
  });
  it('en 105 → one hundred five', () => {
    expect(say('105', 'en')).toEqual(['h1', '5']);
  });
  it('en 0 → zero', () => {
    expect(say('0', 'en')).toEqual(['0']);
  });
  it('en -7 → minus seven', () => {
    expect(say('-7', 'en')).toEqual(['minus', '7']);
  });
  it('en 40 → forty (one token)', () => {
    expect(say('40', 'en')).toEqual(['40']);
  });
  it('en 1000 → one thousand (the one is said)', () => {
    expect(say('1000', 'en')).toEqual(['1', 'thousand']);
  });
  it('en 10200 → ten thousand two hundred', () => {
    expect(say('10200', 'en')).toEqual(['10', 'thousand', 'h2']);
  });
  it('en 1000001 → one million one (empty thousands skipped)', () => {
    expect(say('1000001', 'en')).toEqual(['1', 'million', '1']);
  });
  it('en 999999999 → the largest number', () => {
    expect(say('999999999', 'en')).toEqual(['h9', '99', 'million', 'h9', '99', 'thousand', 'h9', '99']);
  });
  it('en texts: digits for numbers, English words', () => {
    expect(tokenText('34', 'en')).toBe('34');
    expect(tokenText('h2', 'en')).toBe('200');
    expect(tokenText('thousand', 'en')).toBe('thousand');
    expect(tokenText('minus', 'en')).toBe('minus');
    expect(tokenText('point', 'en')).toBe('point');
  });
});

describe('es', () => {
  it('es 100 → cien (h1)', () => {
    expect(say('100', 'es')).toEqual(['h1']);
    expect(tokenText('h1', 'es')).toBe('cien');
  });
  it('es 101 and 199 → ciento uno, ciento noventa y nueve (h1x)', () => {
    expect(say('101', 'es')).toEqual(['h1x', '1']);
    expect(say('199', 'es')).toEqual(['h1x', '99']);
    expect(tokenText('h1x', 'es')).toBe('ciento');
  });
  it('es 1000 → mil (not uno mil)', () => {
    expect(say('1000', 'es')).toEqual(['thousand']);
    expect(tokenText('thousand', 'es')).toBe('mil');
  });
  it('es 2000 → dos mil', () => {
    expect(say('2000', 'es')).toEqual(['2', 'thousand']);
  });
  it('es 1001 → mil uno', () => {
    expect(say('1001', 'es')).toEqual(['thousand', '1']);
  });
  it('es 1000000 → un millón (combining "1x", singular)', () => {
    expect(say('1000000', 'es')).toEqual(['1x', 'million']);
    expect(tokenText('1x', 'es')).toBe('un');
    expect(tokenText('million', 'es')).toBe('millón');
  });
  it('es 2000000 → dos millones (plural)', () => {
    expect(say('2000000', 'es')).toEqual(['2', 'millions']);
    expect(tokenText('millions', 'es')).toBe('millones');
  });
  it('es 21000000 → veintiún millones', () => {
    expect(say('21000000', 'es')).toEqual(['21x', 'millions']);
    expect(tokenText('21x', 'es')).toBe('veintiún');
  });
  it('es 21 → veintiuno (espeak reads the digits)', () => {
    expect(say('21', 'es')).toEqual(['21']);
    expect(tokenText('21', 'es')).toBe('21');
  });
  it('es 500 → quinientos', () => {
    expect(say('500', 'es')).toEqual(['h5']);
    expect(tokenText('h5', 'es')).toBe('500');
  });
  it('es h2 text → "200"', () => {
    expect(tokenText('h2', 'es')).toBe('200');
  });
  it('es 21000 → veintiún mil', () => {
    expect(say('21000', 'es')).toEqual(['21x', 'thousand']);
  });
  it('es 31000 → treinta y un mil', () => {
    expect(say('31000', 'es')).toEqual(['31x', 'thousand']);
    expect(tokenText('31x', 'es')).toBe('treinta y un');
  });
  it('es 11000 → once mil (11 has no short form)', () => {
    expect(say('11000', 'es')).toEqual(['11', 'thousand']);
  });
  it('es 100000 → cien mil', () => {
    expect(say('100000', 'es')).toEqual(['h1', 'thousand']);
  });
  it('es 101101 → ciento un mil ciento uno', () => {
    expect(say('101101', 'es')).toEqual(['h1x', '1x', 'thousand', 'h1x', '1']);
  });
  it('es 1500000 → un millón quinientos mil', () => {
    expect(say('1500000', 'es')).toEqual(['1x', 'million', 'h5', 'thousand']);
  });
  it('es 3.50 → tres coma cinco cero', () => {
    expect(say('3.50', 'es')).toEqual(['3', 'point', '5', '0']);
    expect(tokenText('point', 'es')).toBe('coma');
  });
  it('es minutes: un minuto, veintiún minutos, cero minutos', () => {
    expect(say('1', 'es', 'minutes')).toEqual(['1x', 'minute']);
    expect(say('21', 'es', 'minutes')).toEqual(['21x', 'minutes']);
    expect(say('0', 'es', 'minutes')).toEqual(['0', 'minutes']);
    expect(tokenText('minute', 'es')).toBe('minuto');
    expect(tokenText('minutes', 'es')).toBe('minutos');
  });
  it('es position 1 → uno (standalone, not un)', () => {
    expect(say('1', 'es', 'position')).toEqual(['1']);
  });
  it('es -5 → menos cinco', () => {
    expect(say('-5', 'es')).toEqual(['minus', '5']);
    expect(tokenText('minus', 'es')).toBe('menos');
  });
});

describe('fr', () => {
  it('fr 1000 → mille (not un mille)', () => {
    expect(say('1000', 'fr')).toEqual(['thousand']);
    expect(tokenText('thousand', 'fr')).toBe('mille');
  });
  it('fr 2000 → deux mille', () => {
    expect(say('2000', 'fr')).toEqual(['2', 'thousand']);
  });
  it('fr 1001 → mille un', () => {
    expect(say('1001', 'fr')).toEqual(['thousand', '1']);
  });
  it('fr 1000000 → un million', () => {
    expect(say('1000000', 'fr')).toEqual(['1', 'million']);
    expect(tokenText('million', 'fr')).toBe('million');
  });
  it('fr 3000000 → trois millions', () => {
    expect(say('3000000', 'fr')).toEqual(['3', 'millions']);
    expect(tokenText('millions', 'fr')).toBe('millions');
  });
  it('fr 80 → quatre-vingts, 200 → deux cents, 9999 → neuf mille neuf cent quatre-vingt-dix-neuf', () => {
    expect(say('80', 'fr')).toEqual(['80']);
    expect(say('200', 'fr')).toEqual(['h2']);
    expect(say('9999', 'fr')).toEqual(['9', 'thousand', 'h9', '99']);
  });
  it('fr minutes: une minute, zéro minute, vingt et une minutes, deux minutes', () => {
    expect(say('1', 'fr', 'minutes')).toEqual(['1f', 'minute']);
    expect(say('0', 'fr', 'minutes')).toEqual(['0', 'minute']);
    expect(say('21', 'fr', 'minutes')).toEqual(['21f', 'minutes']);
    expect(say('2', 'fr', 'minutes')).toEqual(['2', 'minutes']);
    expect(tokenText('1f', 'fr')).toBe('une');
    expect(tokenText('21f', 'fr')).toBe('vingt et une');
  });
  it('fr 71 minutes → soixante et onze minutes (no feminine form)', () => {
    expect(say('71', 'fr', 'minutes')).toEqual(['71', 'minutes']);
  });
  it('fr 21000 → vingt et un mille (masculine before mille)', () => {
    expect(say('21000', 'fr')).toEqual(['21', 'thousand']);
  });
});

describe('de', () => {
  it('de 21 → einundzwanzig (espeak reads the digits)', () => {
    expect(say('21', 'de')).toEqual(['21']);
  });
  it('de 1000 → tausend', () => {
    expect(say('1000', 'de')).toEqual(['thousand']);
    expect(tokenText('thousand', 'de')).toBe('tausend');
  });
  it('de 1234 → tausend zweihundert vierunddreißig', () => {
    expect(say('1234', 'de')).toEqual(['thousand', 'h2', '34']);
  });
  it('de 101 → hundert eins', () => {
    expect(say('101', 'de')).toEqual(['h1', '1']);
  });
  it('de 1000000 → eine Million, 2000000 → zwei Millionen', () => {
    expect(say('1000000', 'de')).toEqual(['1f', 'million']);
    expect(say('2000000', 'de')).toEqual(['2', 'millions']);
    expect(tokenText('1f', 'de')).toBe('eine');
    expect(tokenText('million', 'de')).toBe('Million');
    expect(tokenText('millions', 'de')).toBe('Millionen');
  });
  it('de minutes: eine Minute, zwei Minuten', () => {
    expect(say('1', 'de', 'minutes')).toEqual(['1f', 'minute']);
    expect(say('2', 'de', 'minutes')).toEqual(['2', 'minutes']);
    expect(tokenText('minutes', 'de')).toBe('Minuten');
  });
});

describe('languages', () => {
  it('SAY_LANGUAGES lists en, es, fr, de', () => {
    expect([...SAY_LANGUAGES].sort()).toEqual(['de', 'en', 'es', 'fr']);
  });
  it('an unknown language falls back to en rules and texts', () => {
    expect(say('1000', 'it')).toEqual(['1', 'thousand']);
    expect(tokenText('thousand', 'it')).toBe('thousand');
    expect(allTokens('it')).toEqual(allTokens('en'));
  });
  it('a regional or upper-case code uses its base language', () => {
    expect(say('1000', 'es-419')).toEqual(['thousand']);
    expect(say('1000', 'FR')).toEqual(['thousand']);
  });
});

describe('position and minutes', () => {
  it('position 3 → three (cardinal)', () => {
    expect(say('3', 'en', 'position')).toEqual(['3']);
    expect(say('1234', 'en', 'position')).toEqual(['1', 'thousand', 'h2', '34']);
  });
  it('position 0 or negative → SAY_OUT_OF_RANGE', () => {
    expectCode('0', 'position', 'SAY_OUT_OF_RANGE');
    expectCode('-3', 'position', 'SAY_OUT_OF_RANGE');
  });
  it('en minutes: one minute, zero minutes, five minutes', () => {
    expect(say('1', 'en', 'minutes')).toEqual(['1', 'minute']);
    expect(say('0', 'en', 'minutes')).toEqual(['0', 'minutes']);
    expect(say('5', 'en', 'minutes')).toEqual(['5', 'minutes']);
    expect(say('61', 'en', 'minutes')).toEqual(['61', 'minutes']);
  });
  it('minutes negative → SAY_OUT_OF_RANGE', () => {
    expectCode('-1', 'minutes', 'SAY_OUT_OF_RANGE');
  });
  it('a fraction for position or minutes → SAY_NOT_A_NUMBER', () => {
    expectCode('3.5', 'position', 'SAY_NOT_A_NUMBER');
    expectCode('2.0', 'minutes', 'SAY_NOT_A_NUMBER');
  });
});

describe('digits', () => {
  it('digits 12*# → one two star pound', () => {
    expect(say('12*#', 'en', 'digits')).toEqual(['1', '2', 'star', 'pound']);
  });
  it('digits keep leading zeros: 0800 → zero eight zero zero', () => {
    expect(say('0800', 'en', 'digits')).toEqual(['0', '8', '0', '0']);
  });
  it("digits skip '+': +3491 → three four nine one", () => {
    expect(say('+3491', 'es', 'digits')).toEqual(['3', '4', '9', '1']);
  });
  it('digits star/pound texts per language', () => {
    expect(tokenText('star', 'en')).toBe('star');
    expect(tokenText('pound', 'en')).toBe('pound');
    expect(tokenText('star', 'es')).toBe('asterisco');
    expect(tokenText('pound', 'de')).toBe('Raute');
  });
  it('digits with other characters or nothing to say → SAY_NOT_A_NUMBER', () => {
    for (const bad of ['12a', '1 2', '-1', '1.2', '', '+', '٣']) expectCode(bad, 'digits', 'SAY_NOT_A_NUMBER');
  });
});

describe('fractions and negatives', () => {
  it('en 3.50 → three point five zero', () => {
    expect(say('3.50', 'en')).toEqual(['3', 'point', '5', '0']);
  });
  it('en 0.05 → zero point zero five', () => {
    expect(say('0.05', 'en')).toEqual(['0', 'point', '0', '5']);
  });
  it('en -0.5 → minus zero point five', () => {
    expect(say('-0.5', 'en')).toEqual(['minus', '0', 'point', '5']);
  });
  it('en -1234.5 → minus one thousand two hundred thirty four point five', () => {
    expect(say('-1234.5', 'en')).toEqual(['minus', '1', 'thousand', 'h2', '34', 'point', '5']);
  });
  it('en -0 and -0.00 → zero without minus', () => {
    expect(say('-0', 'en')).toEqual(['0']);
    expect(say('-0.00', 'en')).toEqual(['0', 'point', '0', '0']);
  });
  it('en 007 → seven (leading zeros ignored)', () => {
    expect(say('007', 'en')).toEqual(['7']);
  });
  it('fr and de point words', () => {
    expect(tokenText('point', 'fr')).toBe('virgule');
    expect(tokenText('point', 'de')).toBe('Komma');
  });
});

describe('range and input errors', () => {
  it('999999999 is in range, 1000000000 → SAY_OUT_OF_RANGE', () => {
    expect(say('999999999', 'en')).toHaveLength(8);
    expectCode('1000000000', 'number', 'SAY_OUT_OF_RANGE');
    expectCode('-1000000000', 'number', 'SAY_OUT_OF_RANGE');
    expectCode('1000000000.5', 'number', 'SAY_OUT_OF_RANGE');
    expectCode('1000000000', 'position', 'SAY_OUT_OF_RANGE');
    expectCode('1000000000', 'minutes', 'SAY_OUT_OF_RANGE');
  });
  it('leading zeros do not count towards the range: 0001000 → one thousand', () => {
    expect(say('0000000001000', 'en')).toEqual(['1', 'thousand']);
  });
  it('not decimal numbers → SAY_NOT_A_NUMBER', () => {
    const bad = ['1,234', '', 'abc', '+5', '1.', '.5', ' 5', '5 ', '1e3', '--1', '0x10', 'NaN', 'Infinity', '١٢', '1.2.3'];
    for (const as of ['number', 'position', 'minutes'] as const) {
      for (const value of bad) expectCode(value, as, 'SAY_NOT_A_NUMBER');
    }
  });
  it('SayError is an Error with code, name and the code in its message', () => {
    const err = sayError(() => sayTokens('x', 'number', 'en'));
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SayError');
    expect(err.code).toBe('SAY_NOT_A_NUMBER');
    expect(err.message).toContain('SAY_NOT_A_NUMBER');
  });
});

describe('tokens and texts', () => {
  it('allTokens: 0..99, h1..h9 and the words, unique, valid file names', () => {
    for (const lang of SAY_LANGUAGES) {
      const tokens = allTokens(lang);
      expect(new Set(tokens).size, lang).toBe(tokens.length);
      for (let n = 0; n <= 99; n++) expect(tokens, lang).toContain(String(n));
      for (let h = 1; h <= 9; h++) expect(tokens, lang).toContain(`h${h}`);
      for (const w of ['thousand', 'million', 'minus', 'point', 'minute', 'minutes', 'star', 'pound']) {
        expect(tokens, lang).toContain(w);
      }
      for (const t of tokens) expect(t, lang).toMatch(TOKEN_NAME);
    }
  });
  it('tokenText is a non-empty text for every token of allTokens', () => {
    for (const lang of SAY_LANGUAGES) {
      for (const t of allTokens(lang)) expect(tokenText(t, lang).trim(), `${lang} ${t}`).not.toBe('');
    }
  });
  it('tokenText of a token the language does not use → RangeError', () => {
    for (const [token, lang] of [['millions', 'en'], ['h1x', 'en'], ['100', 'en'], ['05', 'en'], ['1x', 'fr'], ['21f', 'de']]) {
      expect(() => tokenText(token!, lang!), `${lang} ${token}`).toThrow(RangeError);
    }
  });
});

describe('property: 2,000 random values per language (seeded)', () => {
  for (const [i, lang] of SAY_LANGUAGES.entries()) {
    it(`${lang}: numbers decode back to themselves and use only allTokens`, () => {
      const r = rng(1000 + i);
      const known = new Set(allTokens(lang));
      for (let k = 0; k < 2000; k++) {
        const n = randomNumber(r);
        const tokens = say(String(n), lang);
        const unknown = tokens.filter((t) => !known.has(t));
        if (unknown.length > 0) expect(unknown, `${lang} ${n}`).toEqual([]);
        expect(decodeCardinal(tokens), `${lang} ${n}: ${tokens.join(' ')}`).toBe(n);
      }
    });

    it(`${lang}: negatives and fractions, positions, minutes and digits use only allTokens`, () => {
      const r = rng(2000 + i);
      const known = new Set(allTokens(lang));
      for (let k = 0; k < 2000; k++) {
        const n = randomNumber(r);
        const frac = String(Math.floor(r() * 1000)).padStart(3, '0');
        const dial = Array.from({ length: 1 + Math.floor(r() * 15) }, () => pick(r, [...'0123456789*#'])).join('');
        const said = [
          say(`-${n}.${frac}`, lang),
          say(String(n + 1), lang, 'position'),
          say(String(n), lang, 'minutes'),
          say(`+${dial}`, lang, 'digits'),
        ];
        const unknown = said.flat().filter((t) => !known.has(t));
        if (unknown.length > 0) expect(unknown, `${lang} ${n}`).toEqual([]);
        const [fraction, position, minutes, digits] = said as [string[], string[], string[], string[]];
        const point = fraction.indexOf('point');
        expect(fraction.slice(point + 1)).toEqual([...frac]);
        expect(decodeCardinal(fraction.slice(n === 0 && frac === '000' ? 0 : 1, point))).toBe(n);
        expect(decodeCardinal(position)).toBe(n + 1);
        expect(decodeCardinal(minutes.slice(0, -1))).toBe(n);
        const singular = lang === 'fr' ? n < 2 : n === 1;
        expect(minutes.at(-1), `${lang} ${n} minutes`).toBe(singular ? 'minute' : 'minutes');
        expect(digits).toEqual([...dial].map((c) => (c === '*' ? 'star' : c === '#' ? 'pound' : c)));
      }
    });
  }
});

describe('property: composition rules hold for every value 0..9999 and random millions', () => {
  const values = (seed: number): number[] => {
    const r = rng(seed);
    const big = Array.from({ length: 2000 }, () => randomNumber(r));
    return [...Array.from({ length: 10_000 }, (_, n) => n), ...big];
  };

  it('every language decodes 0..9999 exactly', () => {
    for (const lang of SAY_LANGUAGES) {
      const wrong = Array.from({ length: 10_000 }, (_, n) => n).filter((n) => decodeCardinal(say(String(n), lang)) !== n);
      expect(wrong, lang).toEqual([]);
    }
  });
  it('es, fr, de never say "one thousand"; en always does', () => {
    for (const lang of SAY_LANGUAGES) {
      for (const n of values(3000)) {
        const tokens = say(String(n), lang);
        const i = tokens.indexOf('thousand');
        if (i < 0) continue;
        const bare = i === 0 || SCALES[tokens[i - 1]!] !== undefined;
        if (Math.floor(n / 1000) % 1000 === 1) expect(bare, `${lang} ${n}: ${tokens.join(' ')}`).toBe(lang !== 'en');
        else expect(bare, `${lang} ${n}: ${tokens.join(' ')}`).toBe(false);
      }
    }
  });
  it('es "h1" (cien) only for exactly 100 of a group, "h1x" (ciento) only before 1..99', () => {
    for (const n of values(4000)) {
      const tokens = say(String(n), 'es');
      tokens.forEach((t, i) => {
        const next = tokens[i + 1];
        const unitNext = next !== undefined && /^\d/.test(next);
        if (t === 'h1') expect(unitNext, `${n}: ${tokens.join(' ')}`).toBe(false);
        if (t === 'h1x') expect(unitNext, `${n}: ${tokens.join(' ')}`).toBe(true);
      });
    }
  });
  it('es/fr/de "million" only after a count of one, "millions" after more; en always "million"', () => {
    for (const lang of SAY_LANGUAGES) {
      for (const n of values(5000)) {
        const tokens = say(String(n), lang);
        const millions = Math.floor(n / 1_000_000);
        if (millions === 0) {
          expect(tokens.some((t) => t.startsWith('million')), `${lang} ${n}`).toBe(false);
          continue;
        }
        const expected = lang === 'en' || millions === 1 ? 'million' : 'millions';
        expect(tokens, `${lang} ${n}: ${tokens.join(' ')}`).toContain(expected);
      }
    }
  });
  it('es combining forms ("1x", "21x") appear only right before mil/millón/millones', () => {
    for (const n of values(6000)) {
      const tokens = say(String(n), 'es');
      tokens.forEach((t, i) => {
        const before = tokens[i + 1];
        const combining = /x$/.test(t) && !t.startsWith('h');
        if (combining) expect(SCALES[before ?? ''], `${n}: ${tokens.join(' ')}`).toBeDefined();
        else if (/^[2-9]?1$/.test(t) && before !== undefined) expect(SCALES[before], `${n}: ${tokens.join(' ')}`).toBeUndefined();
      });
    }
  });
});
