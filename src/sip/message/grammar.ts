/**
 * Small lexical helpers shared by the header and URI parsers (RFC 3261 §25).
 * All functions are total: they return undefined on malformed input and never throw.
 */

const TOKEN_CHARS = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** RFC 3261 `token`. */
export function isToken(s: string): boolean {
  return TOKEN_CHARS.test(s);
}

export function isWs(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/**
 * Trim LWS (SP, HTAB, CR, LF) from both ends. Unlike String.prototype.trim it
 * keeps other Unicode spaces (NBSP, BOM, U+2028…), which are data in SIP.
 */
export function trimLws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isWs(s[start])) start++;
  while (end > start && isWs(s[end - 1])) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * Split a header value on `sep` where it is not inside a quoted string or
 * `<...>`. Empty elements are kept (as '') so callers can refuse them.
 */
export function splitOutside(value: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') angle++;
    else if (c === '>') angle = Math.max(0, angle - 1);
    else if (c === sep && angle === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/** Remove the surrounding quotes of a quoted-string and resolve quoted-pairs. */
export function unquote(s: string): string | undefined {
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return undefined;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      if (i >= s.length - 1) return undefined;
      out += s[i];
    } else if (c === '"') return undefined;
    else out += c;
  }
  return out;
}

export function quote(s: string): string {
  return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
}

export type Params = Map<string, string | null>;

/**
 * Parse `;name[=value]` generic parameters (the leading `;` already removed
 * by the caller's split). Names are lower-cased; values keep their case and
 * quotes are kept on quoted values (they are data for the application).
 */
export function parseParams(parts: readonly string[]): Params | undefined {
  const params: Params = new Map();
  for (const raw of parts) {
    const eq = raw.indexOf('=');
    const name = (eq < 0 ? raw : raw.slice(0, eq)).trim().toLowerCase();
    if (!isToken(name)) return undefined;
    if (eq < 0) {
      params.set(name, null);
      continue;
    }
    const value = raw.slice(eq + 1).trim();
    if (value.length === 0) return undefined;
    if (value[0] === '"') {
      if (unquote(value) === undefined) return undefined;
    } else if (/[\s"<>,]/.test(value)) {
      // gen-value is a token, host or quoted-string: no whitespace or separators
      return undefined;
    }
    params.set(name, value);
  }
  return params;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** Parse a non-negative decimal integer with an upper bound; leading zeros allowed. */
export function parseBoundedInt(s: string, max: number): number | undefined {
  const t = s.trim();
  if (t.length === 0 || t.length > 20 || !/^[0-9]+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) && n <= max ? n : undefined;
}
