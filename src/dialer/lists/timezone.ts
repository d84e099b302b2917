/**
 * A contact's time zone (issue 9): the dialer only calls a contact inside calling hours of the
 * contact's own local time, so a contact whose zone is unknown is not called until one is known.
 *
 * Order: a valid IANA name in the contact's own field wins (checked with Intl.DateTimeFormat; offsets
 * such as "+01:00" and abbreviations such as "EST" are not accepted); else the number decides:
 * - a country with one zone maps directly (DE → Europe/Berlin);
 * - Spain and Portugal have an island rule (fixed lines 922/928 → Atlantic/Canary, 292/295/296 →
 *   Atlantic/Azores); their mobiles are taken as mainland;
 * - NANP (+1): the area code table below (the ten most populous US states, all ten Canadian provinces,
 *   a few Caribbean members). An area code that is not in the table, or that spans zones (AMBIGUOUS, e.g.
 *   850 the Florida panhandle), is unknown;
 * - other multi-zone countries (RU, KZ, BR, AU, MX, ID, CL) are unknown.
 */
import { countryOfE164 } from './e164.js';

export type TimeZoneResult = { tz: string; source: 'field' | 'number' } | { tz: undefined; reason: string };

const SINGLE_ZONE: Readonly<Record<string, string>> = {
  GB: 'Europe/London', DE: 'Europe/Berlin', FR: 'Europe/Paris', IT: 'Europe/Rome', NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels', LU: 'Europe/Luxembourg', CH: 'Europe/Zurich', AT: 'Europe/Vienna', DK: 'Europe/Copenhagen',
  SE: 'Europe/Stockholm', NO: 'Europe/Oslo', FI: 'Europe/Helsinki', IE: 'Europe/Dublin', PL: 'Europe/Warsaw',
  CZ: 'Europe/Prague', SK: 'Europe/Bratislava', HU: 'Europe/Budapest', RO: 'Europe/Bucharest', GR: 'Europe/Athens',
  TR: 'Europe/Istanbul', UA: 'Europe/Kyiv', IL: 'Asia/Jerusalem', AE: 'Asia/Dubai', SA: 'Asia/Riyadh',
  EG: 'Africa/Cairo', ZA: 'Africa/Johannesburg', NG: 'Africa/Lagos', KE: 'Africa/Nairobi', IN: 'Asia/Kolkata',
  PK: 'Asia/Karachi', CN: 'Asia/Shanghai', JP: 'Asia/Tokyo', KR: 'Asia/Seoul', HK: 'Asia/Hong_Kong',
  SG: 'Asia/Singapore', MY: 'Asia/Kuala_Lumpur', TH: 'Asia/Bangkok', PH: 'Asia/Manila', VN: 'Asia/Ho_Chi_Minh',
  NZ: 'Pacific/Auckland', AR: 'America/Argentina/Buenos_Aires', CO: 'America/Bogota', PE: 'America/Lima',
};

const ZONE_AREAS: readonly (readonly [string, string])[] = [
  // California
  ['America/Los_Angeles', '209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 747 760 805 818 820 831 840 858 909 916 925 949 951'],
  // Texas (915 El Paso is Mountain)
  ['America/Chicago', '210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979'],
  ['America/Denver', '915'],
  // Florida (850/448 panhandle: AMBIGUOUS)
  ['America/New_York', '239 305 321 324 352 386 407 561 645 656 689 727 728 754 772 786 813 863 904 941 954'],
  // New York
  ['America/New_York', '212 315 329 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934'],
  // Pennsylvania
  ['America/New_York', '215 223 267 272 412 445 484 570 582 610 717 724 814 835 878'],
  // Illinois
  ['America/Chicago', '217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872'],
  // Ohio
  ['America/New_York', '216 220 234 283 326 330 380 419 436 440 513 567 614 740 937'],
  // Georgia
  ['America/New_York', '229 404 470 478 678 706 762 770 912 943'],
  // North Carolina
  ['America/New_York', '252 336 472 704 743 828 910 919 980 984'],
  // Michigan (906 Upper Peninsula: AMBIGUOUS)
  ['America/Detroit', '231 248 269 313 517 586 616 679 734 810 947 989'],
  // Ontario (807 north-west: AMBIGUOUS) and Quebec (418/581/367 include the Magdalen Islands: AMBIGUOUS)
  ['America/Toronto', '226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 905 942'],
  ['America/Toronto', '263 354 438 450 468 514 579 819 873'],
  // British Columbia: 604 is the Lower Mainland; 250/778/236/672 include the Peace River and East Kootenay
  ['America/Vancouver', '604'],
  ['America/Edmonton', '368 403 587 780 825'],
  ['America/Regina', '306 474 639'],
  ['America/Winnipeg', '204 431 584'],
  ['America/Halifax', '782 902'],
  ['America/Moncton', '428 506'],
  // Caribbean
  ['America/Jamaica', '658 876'], ['America/Puerto_Rico', '787 939'], ['America/Santo_Domingo', '809 829 849'],
  ['America/Nassau', '242'], ['America/Barbados', '246'], ['Atlantic/Bermuda', '441'], ['America/Port_of_Spain', '868'],
];

/** Area codes that span more than one zone: unknown unless the contact's field says. */
export const AMBIGUOUS_AREA_CODES: ReadonlyMap<string, string> = new Map([
  ['850', 'Florida panhandle: Eastern and Central'], ['448', 'Florida panhandle: Eastern and Central'],
  ['906', 'Michigan Upper Peninsula: Eastern and Central'],
  ['807', 'north-western Ontario: Eastern and Central'],
  ['418', 'eastern Quebec: Eastern and Atlantic (Magdalen Islands)'], ['581', 'eastern Quebec: Eastern and Atlantic'],
  ['367', 'eastern Quebec: Eastern and Atlantic'],
  ['250', 'British Columbia: Pacific and Mountain'], ['778', 'British Columbia: Pacific and Mountain'],
  ['236', 'British Columbia: Pacific and Mountain'], ['672', 'British Columbia: Pacific and Mountain'],
  ['709', 'Newfoundland and Labrador: Newfoundland and Atlantic'], ['879', 'Newfoundland and Labrador: Newfoundland and Atlantic'],
  ['867', 'Canadian territories: Pacific to Eastern'],
]);

export const NANP_AREA_ZONES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const [tz, codes] of ZONE_AREAS) for (const code of codes.split(' ')) m.set(code, tz);
  return m;
})();

const IANA_SHAPE = /^(?:UTC|GMT|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+)$/;
const validated = new Map<string, string | null>();

/** A valid IANA zone name (case-insensitive, returned in canonical case) or undefined. Cached. */
export function validTimeZone(name: string): string | undefined {
  const key = name.trim();
  const hit = validated.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let result: string | null = null;
  if (IANA_SHAPE.test(key)) {
    try {
      const resolved = new Intl.DateTimeFormat('en-US', { timeZone: key }).resolvedOptions().timeZone;
      // ICU may canonicalise to an older alias (Europe/Kyiv → Europe/Kiev): keep the caller's name then
      result = resolved.toLowerCase() === key.toLowerCase() ? resolved : key;
    } catch {
      result = null;
    }
  }
  if (validated.size >= 10_000) validated.clear();
  validated.set(key, result);
  return result ?? undefined;
}

function fromNumber(e164: string): TimeZoneResult {
  const country = countryOfE164(e164);
  if (!country) return { tz: undefined, reason: `no known country for ${e164}` };
  const single = SINGLE_ZONE[country];
  if (single) return { tz: single, source: 'number' };
  const nsn = e164.slice(country === 'PT' ? 4 : country === 'ES' ? 3 : 2);
  if (country === 'ES') return { tz: /^92[28]/.test(nsn) ? 'Atlantic/Canary' : 'Europe/Madrid', source: 'number' };
  if (country === 'PT') return { tz: /^29[256]/.test(nsn) ? 'Atlantic/Azores' : 'Europe/Lisbon', source: 'number' };
  if (e164.startsWith('+1')) {
    const area = nsn.slice(0, 3);
    const zone = NANP_AREA_ZONES.get(area);
    if (zone) return { tz: zone, source: 'number' };
    const why = AMBIGUOUS_AREA_CODES.get(area);
    return { tz: undefined, reason: why ? `area code ${area} spans zones (${why})` : `area code ${area} is not in the zone table` };
  }
  return { tz: undefined, reason: `${country} has more than one time zone and no rule for the number` };
}

/**
 * The zone of a contact: its own `field` when that is a valid IANA name, else derived from the number.
 * An invalid field falls back to the number (the importer reports that as TZ_FIELD_INVALID).
 */
export function timeZoneFor(e164: string, field?: string): TimeZoneResult {
  if (field !== undefined && field.trim() !== '') {
    const tz = validTimeZone(field);
    if (tz) return { tz, source: 'field' };
  }
  return fromNumber(e164);
}
