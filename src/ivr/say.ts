/**
 * Saying dynamic values (balances, queue positions, wait minutes, digit strings) by
 * concatenating pre-rendered prompt WAVs ("tokens"), like Asterisk's SayNumber.
 *
 * Pure: this module only decides which tokens to play and the text each token's WAV is
 * rendered from (espeak-ng, elsewhere). Tokens are rendered in isolation, so each one is a
 * whole word or number as the language says it at that position: "0".."99" (espeak-ng reads
 * digits in the voice's language), "h1".."h9" for the hundreds, words like "thousand", and a
 * few combining forms where a number changes before a noun (es "un" / "veintiún" before
 * "mil", "millón", "minutos": tokens "1x", "21x"; fr "une" before "minute": "1f"; de "eine"
 * before "Million" / "Minute": "1f").
 */

export type SayAs = 'number' | 'digits' | 'position' | 'minutes';

export type SayErrorCode = 'SAY_NOT_A_NUMBER' | 'SAY_OUT_OF_RANGE';

export class SayError extends Error {
  override readonly name = 'SayError';

  constructor(
    readonly code: SayErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Largest integer part that can be said. */
const MAX_SAY = 999_999_999;

/** Nouns a number can combine with (may change the number's form). */
type Noun = 'thousand' | 'million' | 'minute';

type Word = 'thousand' | 'million' | 'minus' | 'point' | 'minute' | 'minutes' | 'star' | 'pound';

const WORDS: readonly Word[] = ['thousand', 'million', 'minus', 'point', 'minute', 'minutes', 'star', 'pound'];

/** A set of combining forms: token `${n}${suffix}` for each n in texts. */
interface Forms {
  suffix: 'x' | 'f';
  /** 1..99 → text of that number in its combining form. */
  texts: Readonly<Record<number, string>>;
  /** Nouns before which the form replaces the plain number. */
  before: readonly Noun[];
}

interface LanguageRules {
  words: Readonly<Record<Word, string>>;
  /** Text of "millions" (plural); absent: the language says "million" after any count. */
  millions?: string;
  /** Extra hundreds tokens with their text (es "h1" = "cien", "h1x" = "ciento"). */
  hundreds?: Readonly<Record<string, string>>;
  /** "h1x" is said for 101..199 (es "ciento"), "h1" only for exactly 100. */
  hundredCombining: boolean;
  /** 1000 is said "thousand" alone ("mil", "mille", "tausend"), not "one thousand". */
  bareThousand: boolean;
  forms?: Forms;
  /** Whether `n` takes the singular "minute". */
  singular: (n: number) => boolean;
}

const one = (n: number): boolean => n === 1;

const EN: LanguageRules = {
  words: {
    thousand: 'thousand',
    million: 'million',
    minus: 'minus',
    point: 'point',
    minute: 'minute',
    minutes: 'minutes',
    star: 'star',
    pound: 'pound',
  },
  hundredCombining: false,
  bareThousand: false,
  singular: one,
};

const ES: LanguageRules = {
  words: {
    thousand: 'mil',
    million: 'millón',
    minus: 'menos',
    point: 'coma',
    minute: 'minuto',
    minutes: 'minutos',
    star: 'asterisco',
    pound: 'almohadilla',
  },
  millions: 'millones',
  hundreds: { h1: 'cien', h1x: 'ciento' },
  hundredCombining: true,
  bareThousand: true,
  forms: {
    suffix: 'x',
    texts: {
      1: 'un',
      21: 'veintiún',
      31: 'treinta y un',
      41: 'cuarenta y un',
      51: 'cincuenta y un',
      61: 'sesenta y un',
      71: 'setenta y un',
      81: 'ochenta y un',
      91: 'noventa y un',
    },
    before: ['thousand', 'million', 'minute'],
  },
  singular: one,
};

const FR: LanguageRules = {
  words: {
    thousand: 'mille',
    million: 'million',
    minus: 'moins',
    point: 'virgule',
    minute: 'minute',
    minutes: 'minutes',
    star: 'étoile',
    pound: 'dièse',
  },
  millions: 'millions',
  hundredCombining: false,
  bareThousand: true,
  forms: {
    suffix: 'f',
    texts: {
      1: 'une',
      21: 'vingt et une',
      31: 'trente et une',
      41: 'quarante et une',
      51: 'cinquante et une',
      61: 'soixante et une',
      81: 'quatre-vingt-une',
    },
    before: ['minute'],
  },
  // French: 0 and 1 (and anything below 2) take the singular.
  singular: (n) => n < 2,
};

const DE: LanguageRules = {
  words: {
    thousand: 'tausend',
    million: 'Million',
    minus: 'minus',
    point: 'Komma',
    minute: 'Minute',
    minutes: 'Minuten',
    star: 'Stern',
    pound: 'Raute',
  },
  millions: 'Millionen',
  hundredCombining: false,
  bareThousand: true,
  forms: { suffix: 'f', texts: { 1: 'eine' }, before: ['million', 'minute'] },
  singular: one,
};

const RULES: Readonly<Record<string, LanguageRules>> = { en: EN, es: ES, fr: FR, de: DE };

/** Languages with number rules; others fall back to 'en' rules. */
export const SAY_LANGUAGES: readonly string[] = Object.freeze(Object.keys(RULES));

/** Rules for a language code ('es', also 'es-419' / 'ES'); unknown → en. */
function rulesFor(language: string): LanguageRules {
  const base = language.toLowerCase().split(/[-_]/)[0] ?? '';
  return RULES[base] ?? EN;
}

// ---- parsing -------------------------------------------------------------------------------

interface Parsed {
  negative: boolean;
  integer: number;
  /** Fraction digits as written ('' when none). */
  fraction: string;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function parseDecimal(value: string): Parsed {
  const m = DECIMAL.exec(value);
  if (!m) throw new SayError('SAY_NOT_A_NUMBER', `not a decimal number: ${JSON.stringify(value)}`);
  const digits = (m[2] ?? '').replace(/^0+(?=\d)/, '');
  const fraction = m[3] ?? '';
  if (digits.length > 9) throw new SayError('SAY_OUT_OF_RANGE', `above ${MAX_SAY}: ${value}`);
  const integer = Number(digits);
  const zero = integer === 0 && !/[1-9]/.test(fraction);
  return { negative: m[1] === '-' && !zero, integer, fraction };
}

/** A whole number with a lower bound (position ≥ 1, minutes ≥ 0). */
function parseWhole(value: string, min: number): number {
  const p = parseDecimal(value);
  if (p.fraction !== '') throw new SayError('SAY_NOT_A_NUMBER', `not a whole number: ${value}`);
  const n = p.negative ? -p.integer : p.integer;
  if (n < min) throw new SayError('SAY_OUT_OF_RANGE', `below ${min}: ${value}`);
  return n;
}

// ---- composition ---------------------------------------------------------------------------

/** Token for 1..99, in its combining form when followed by `noun` and the language has one. */
function unitToken(n: number, rules: LanguageRules, noun: Noun | undefined): string {
  const forms = rules.forms;
  if (noun && forms && forms.before.includes(noun) && forms.texts[n] !== undefined) return `${n}${forms.suffix}`;
  return String(n);
}

/** Tokens for a group 1..999 (followed by `noun`, if any). */
function groupTokens(n: number, rules: LanguageRules, noun: Noun | undefined): string[] {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const out: string[] = [];
  if (hundreds > 0) out.push(hundreds === 1 && rules.hundredCombining && rest > 0 ? 'h1x' : `h${hundreds}`);
  if (rest > 0) out.push(unitToken(rest, rules, noun));
  return out;
}

function millionTokens(n: number, rules: LanguageRules): string[] {
  const word = n > 1 && rules.millions !== undefined ? 'millions' : 'million';
  return [...groupTokens(n, rules, 'million'), word];
}

function thousandTokens(n: number, rules: LanguageRules): string[] {
  if (n === 1 && rules.bareThousand) return ['thousand'];
  return [...groupTokens(n, rules, 'thousand'), 'thousand'];
}

/** Tokens for a cardinal 0..999,999,999; `noun` is what follows it (for combining forms). */
function cardinalTokens(n: number, rules: LanguageRules, noun?: Noun): string[] {
  if (n === 0) return ['0'];
  const millions = Math.floor(n / 1_000_000);
  const thousands = Math.floor(n / 1000) % 1000;
  const rest = n % 1000;
  return [
    ...(millions > 0 ? millionTokens(millions, rules) : []),
    ...(thousands > 0 ? thousandTokens(thousands, rules) : []),
    ...(rest > 0 ? groupTokens(rest, rules, noun) : []),
  ];
}

function numberTokens(value: string, rules: LanguageRules): string[] {
  const p = parseDecimal(value);
  const out = p.negative ? ['minus'] : [];
  out.push(...cardinalTokens(p.integer, rules));
  if (p.fraction !== '') out.push('point', ...p.fraction.split(''));
  return out;
}

function minutesTokens(value: string, rules: LanguageRules): string[] {
  const n = parseWhole(value, 0);
  return [...cardinalTokens(n, rules, 'minute'), rules.singular(n) ? 'minute' : 'minutes'];
}

const DIGIT_TOKENS: Readonly<Record<string, string | null>> = { '*': 'star', '#': 'pound', '+': null };

function digitTokens(value: string): string[] {
  const out: string[] = [];
  for (const ch of value) {
    const token = /^\d$/.test(ch) ? ch : DIGIT_TOKENS[ch];
    if (token === undefined) throw new SayError('SAY_NOT_A_NUMBER', `not a digit string: ${JSON.stringify(value)}`);
    if (token !== null) out.push(token);
  }
  if (out.length === 0) throw new SayError('SAY_NOT_A_NUMBER', `nothing to say: ${JSON.stringify(value)}`);
  return out;
}

/** The tokens needed to say `value` as `as` in `language` (see the module header). */
export function sayTokens(value: string, as: SayAs, language: string): string[] {
  const rules = rulesFor(language);
  switch (as) {
    case 'number':
      return numberTokens(value, rules);
    case 'position':
      return cardinalTokens(parseWhole(value, 1), rules);
    case 'minutes':
      return minutesTokens(value, rules);
    case 'digits':
      return digitTokens(value);
  }
}

// ---- token texts ---------------------------------------------------------------------------

/** Every token name → its text, for one language. */
function tokenTable(rules: LanguageRules): Map<string, string> {
  const table = new Map<string, string>();
  for (let n = 0; n <= 99; n++) table.set(String(n), String(n));
  for (let h = 1; h <= 9; h++) table.set(`h${h}`, String(h * 100));
  for (const [token, text] of Object.entries(rules.hundreds ?? {})) table.set(token, text);
  const forms = rules.forms;
  if (forms) for (const [n, text] of Object.entries(forms.texts)) table.set(`${n}${forms.suffix}`, text);
  for (const word of WORDS) table.set(word, rules.words[word]);
  if (rules.millions !== undefined) table.set('millions', rules.millions);
  return table;
}

const TABLES = new Map<LanguageRules, Map<string, string>>(
  Object.values(RULES).map((rules) => [rules, tokenTable(rules)]),
);

function tableFor(language: string): Map<string, string> {
  const rules = rulesFor(language);
  return TABLES.get(rules) ?? tokenTable(rules);
}

/** Text to render for `token` in `language`; RangeError for a token the language does not use. */
export function tokenText(token: string, language: string): string {
  const text = tableFor(language).get(token);
  if (text === undefined) throw new RangeError(`unknown say token ${JSON.stringify(token)} for ${language}`);
  return text;
}

/** Every token `language` may need (for pre-rendering). */
export function allTokens(language: string): string[] {
  return [...tableFor(language).keys()];
}
