/**
 * Header names: RFC 3261 §7.3.3 compact forms and the canonical spelling we
 * use when serialising. Internally every header name is lower-case long form.
 */

const COMPACT: Record<string, string> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

/** Lower-case long form of a header name as found on the wire. */
export function normalizeHeaderName(raw: string): string {
  const lower = raw.toLowerCase();
  if (lower.length === 1 && Object.hasOwn(COMPACT, lower)) return COMPACT[lower]!;
  return lower;
}

const canonicalCache = new Map<string, string>();

/** The spelling we put on the wire for a normalised name ("call-id" → "Call-ID"). */
export function canonicalHeaderName(name: string): string {
  // own properties only: a header named "constructor" or "__proto__" must not hit Object.prototype
  if (Object.hasOwn(CANONICAL, name)) return CANONICAL[name]!;
  let cached = canonicalCache.get(name);
  if (cached === undefined) {
    cached = name
      .split('-')
      .map((part) => (part.length === 0 ? part : part[0]!.toUpperCase() + part.slice(1)))
      .join('-');
    if (canonicalCache.size < 1000) canonicalCache.set(name, cached);
  }
  return cached;
}

/**
 * Headers whose values are comma-separated lists that RFC 3261 §7.3.1 lets a
 * sender combine onto one line. Only these are split; others (Authorization,
 * Date, unknown headers) keep commas as data.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'allow-events',
  'content-encoding',
  'in-reply-to',
]);
