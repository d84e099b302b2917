/**
 * E.164 normalisation for contact lists (issue 9): a phone number as a person typed it, plus the list's
 * default country, becomes `+<country code><national significant number>`, or a coded refusal.
 *
 * No libphonenumber: a table of ~55 countries with their calling code, national trunk prefix and a sane
 * range for the national significant number (NSN) length. It checks plausibility, not allocation.
 *
 * Rules:
 * - `+…` is international. So is the default country's international prefix (`011` in NANP, `0011` in
 *   Australia, `010` in Japan) and, everywhere, `00` (`0049 30 …` with default US is Germany).
 * - Otherwise the number is national to the default country; a leading trunk prefix is dropped
 *   (`0` in DE/GB/FR…, `1` in NANP, `8` in Russia, `06` in Hungary). Countries without a trunk prefix
 *   (IT, ES, DK…) keep every digit (Italian fixed lines keep their `0`).
 * - `+49 (0)30 …`: after a country code whose trunk prefix is `0`, a leading `0` is dropped.
 * - Separators allowed: spaces, `-`, `.`, `/`, `(`, `)`; a `+` only first. Letters (vanity numbers),
 *   anything else: NUMBER_INVALID_CHARS.
 * - Extensions (`x123`, `ext. 5`, `extension 12`, `#12` at the end) are STRIPPED, not rejected: the dialer
 *   calls the main number and the agent sees the extension (returned as `extension`, the importer puts it
 *   in the screen-pop fields). Rejecting would lose reachable contacts; dialling it is not automatic.
 * - NANP (+1): NXX-NXX-XXXX — area code and exchange start with 2-9, and an N11 area code is refused.
 */

export type NumberErrorCode =
  | 'NUMBER_EMPTY'
  | 'NUMBER_INVALID_CHARS'
  | 'NUMBER_TOO_SHORT'
  | 'NUMBER_TOO_LONG'
  | 'NUMBER_UNKNOWN_COUNTRY'
  | 'NUMBER_INVALID';

export type NormalizeResult =
  | { ok: true; e164: string; country: string; extension?: string }
  | { ok: false; code: NumberErrorCode; message: string };

export interface CountryInfo {
  /** ISO 3166 alpha-2 */
  readonly iso: string;
  /** country calling code, digits */
  readonly cc: string;
  /** national trunk prefix, '' when none */
  readonly trunk: string;
  /** NSN length range (digits after the country code) */
  readonly min: number;
  readonly max: number;
  /** international call prefix, when not '00' */
  readonly idd?: string;
}

// iso, calling code, trunk prefix, NSN min, NSN max[, idd]
const ROWS: readonly (readonly [string, string, string, number, number, string?])[] = [
  ['US', '1', '1', 10, 10, '011'], ['CA', '1', '1', 10, 10, '011'],
  ['JM', '1', '1', 10, 10, '011'], ['PR', '1', '1', 10, 10, '011'], ['DO', '1', '1', 10, 10, '011'],
  ['BS', '1', '1', 10, 10, '011'], ['BB', '1', '1', 10, 10, '011'], ['BM', '1', '1', 10, 10, '011'],
  ['TT', '1', '1', 10, 10, '011'],
  ['GB', '44', '0', 9, 10], ['DE', '49', '0', 6, 13], ['FR', '33', '0', 9, 9], ['IT', '39', '', 6, 11],
  ['ES', '34', '', 9, 9], ['PT', '351', '', 9, 9], ['NL', '31', '0', 9, 9], ['BE', '32', '0', 8, 9],
  ['LU', '352', '', 4, 11], ['CH', '41', '0', 9, 9], ['AT', '43', '0', 4, 13], ['DK', '45', '', 8, 8],
  ['SE', '46', '0', 7, 10], ['NO', '47', '', 8, 8], ['FI', '358', '0', 5, 12], ['IE', '353', '0', 7, 9],
  ['PL', '48', '', 9, 9], ['CZ', '420', '', 9, 9], ['SK', '421', '0', 9, 9], ['HU', '36', '06', 8, 9],
  ['RO', '40', '0', 9, 9], ['GR', '30', '', 10, 10], ['TR', '90', '0', 10, 10], ['UA', '380', '0', 9, 9],
  ['RU', '7', '8', 10, 10, '810'], ['KZ', '7', '8', 10, 10, '810'],
  ['IL', '972', '0', 8, 9], ['AE', '971', '0', 8, 9], ['SA', '966', '0', 8, 9], ['EG', '20', '0', 8, 10],
  ['ZA', '27', '0', 9, 9], ['NG', '234', '0', 8, 10], ['KE', '254', '0', 9, 9], ['IN', '91', '0', 10, 10],
  ['PK', '92', '0', 9, 10], ['CN', '86', '0', 9, 11], ['JP', '81', '0', 9, 10, '010'],
  ['KR', '82', '0', 8, 10, '001'], ['HK', '852', '', 8, 8, '001'], ['SG', '65', '', 8, 8, '001'],
  ['MY', '60', '0', 8, 10], ['TH', '66', '0', 8, 9, '001'], ['ID', '62', '0', 8, 12, '001'],
  ['PH', '63', '0', 8, 10], ['VN', '84', '0', 9, 10], ['AU', '61', '0', 9, 9, '0011'],
  ['NZ', '64', '0', 8, 10], ['BR', '55', '0', 10, 11], ['MX', '52', '', 10, 10], ['AR', '54', '0', 10, 11],
  ['CL', '56', '', 9, 9], ['CO', '57', '', 8, 10], ['PE', '51', '0', 8, 9],
];

export const COUNTRIES: ReadonlyMap<string, CountryInfo> = new Map(
  ROWS.map(([iso, cc, trunk, min, max, idd]) => [iso, idd ? { iso, cc, trunk, min, max, idd } : { iso, cc, trunk, min, max }]),
);

/** calling code → the country used for its rules (shared codes: resolved further by `countryOfNsn`) */
const BY_CODE: ReadonlyMap<string, CountryInfo> = (() => {
  const m = new Map<string, CountryInfo>();
  for (const c of COUNTRIES.values()) if (!m.has(c.cc)) m.set(c.cc, c);
  return m;
})();

/** Canadian NANP area codes (geographic and the Canadian non-geographic 600). */
export const CANADIAN_AREA_CODES: ReadonlySet<string> = new Set(
  ('204 226 236 249 250 263 289 306 343 354 365 367 368 382 403 416 418 428 431 437 438 450 468 474 506 514 ' +
    '519 548 579 581 584 587 600 604 613 639 647 672 683 705 709 742 753 778 780 782 807 819 825 867 873 879 ' +
    '902 905 942').split(' '),
);

/** A few Caribbean NANP members; every other +1 number is reported as US. */
const NANP_OTHER: ReadonlyMap<string, string> = new Map([
  ['876', 'JM'], ['658', 'JM'], ['787', 'PR'], ['939', 'PR'], ['809', 'DO'], ['829', 'DO'], ['849', 'DO'],
  ['242', 'BS'], ['246', 'BB'], ['441', 'BM'], ['868', 'TT'],
]);

function countryOfNsn(cc: string, nsn: string, fallback: string): string {
  if (cc === '1') {
    const area = nsn.slice(0, 3);
    if (CANADIAN_AREA_CODES.has(area)) return 'CA';
    return NANP_OTHER.get(area) ?? 'US';
  }
  if (cc === '7') return nsn.startsWith('6') || nsn.startsWith('7') ? 'KZ' : 'RU';
  return fallback;
}

/** The country (ISO alpha-2) of an already normalised E.164 string, or undefined. */
export function countryOfE164(e164: string): string | undefined {
  if (!/^\+\d{2,15}$/.test(e164)) return undefined;
  const digits = e164.slice(1);
  for (let n = 1; n <= 3; n++) {
    const info = BY_CODE.get(digits.slice(0, n));
    if (info) return countryOfNsn(info.cc, digits.slice(n), info.iso);
  }
  return undefined;
}

const EXTENSION = /\s*(?:ext\.?|extension|x|#)\s*(\d{1,7})\s*$/i;
const ALLOWED = /^\+?[\d\s\-./()]+$/;

function fail(code: NumberErrorCode, message: string): NormalizeResult {
  return { ok: false, code, message };
}

function checkNanp(nsn: string): string | undefined {
  if (!/^[2-9]\d{2}[2-9]\d{6}$/.test(nsn)) {
    return 'NANP number must be NXX-NXX-XXXX (area code and exchange start with 2-9)';
  }
  if (nsn[1] === '1' && nsn[2] === '1') return `N11 (${nsn.slice(0, 3)}) is not an area code`;
  return undefined;
}

/** international digits (after + / IDD) → country + NSN */
function splitInternational(digits: string): { info: CountryInfo; nsn: string } | undefined {
  for (let n = 1; n <= 3; n++) {
    const info = BY_CODE.get(digits.slice(0, n));
    if (info) return { info, nsn: digits.slice(n) };
  }
  return undefined;
}

export function normalizeNumber(raw: string, defaultCountry: string): NormalizeResult {
  let text = raw.trim();
  if (text === '') return fail('NUMBER_EMPTY', 'no number');
  let extension: string | undefined;
  const ext = EXTENSION.exec(text);
  if (ext && ext.index > 0) {
    extension = ext[1];
    text = text.slice(0, ext.index).trim();
  }
  if (!ALLOWED.test(text)) return fail('NUMBER_INVALID_CHARS', `"${raw}" contains characters other than digits and separators`);
  let digits = text.replace(/\D/g, '');
  if (digits === '') return fail('NUMBER_EMPTY', 'no digits');

  const home = COUNTRIES.get(defaultCountry.toUpperCase());
  let info: CountryInfo;
  let nsn: string;
  let international = text.startsWith('+');
  if (!international && home?.idd && digits.startsWith(home.idd)) {
    digits = digits.slice(home.idd.length);
    international = true;
  } else if (!international && digits.startsWith('00')) {
    digits = digits.slice(2);
    international = true;
  }
  if (international) {
    const split = splitInternational(digits);
    if (!split) return fail('NUMBER_UNKNOWN_COUNTRY', `no known country calling code at the start of "${raw}"`);
    info = split.info;
    nsn = split.nsn;
    if (info.trunk === '0' && nsn.startsWith('0')) nsn = nsn.slice(1); // "+49 (0)30 …"
  } else {
    if (!home) return fail('NUMBER_UNKNOWN_COUNTRY', `national number and unknown default country "${defaultCountry}"`);
    info = home;
    nsn = digits;
    // '0…' trunk prefixes always go; a digit trunk ('1' NANP, '8' Russia) only when the number is too long without it dropped
    if (info.trunk !== '' && nsn.startsWith(info.trunk) && (info.trunk.startsWith('0') || nsn.length > info.max)) {
      nsn = nsn.slice(info.trunk.length);
    }
  }
  if (nsn.length < info.min) return fail('NUMBER_TOO_SHORT', `${nsn.length} digits after +${info.cc}, at least ${info.min} expected`);
  if (nsn.length > info.max || info.cc.length + nsn.length > 15) {
    return fail('NUMBER_TOO_LONG', `${nsn.length} digits after +${info.cc}, at most ${info.max} expected`);
  }
  if (info.cc === '1') {
    const why = checkNanp(nsn);
    if (why) return fail('NUMBER_INVALID', why);
  } else if (info.trunk.startsWith('0') && nsn.startsWith('0')) {
    return fail('NUMBER_INVALID', `a number after +${info.cc} cannot start with its trunk prefix 0`);
  }
  const country = countryOfNsn(info.cc, nsn, info.iso);
  const e164 = `+${info.cc}${nsn}`;
  return extension === undefined ? { ok: true, e164, country } : { ok: true, e164, country, extension };
}
