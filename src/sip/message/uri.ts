/**
 * SIP and absolute URIs (RFC 3261 §19.1, RFC 3986 for others, RFC 5118 for IPv6).
 */
import { isIPv6 } from 'node:net';
import { formatParams, parseParams, type Params } from './grammar.js';

export interface SipUri {
  /** Lower-case scheme: sip, sips, tel, or anything else (opaque). */
  scheme: string;
  user?: string;
  password?: string;
  /** Host as written; IPv6 references keep their brackets. Empty for opaque URIs. */
  host: string;
  port?: number;
  params: Params;
  /** Raw `?headers` part (without `?`), kept escaped. */
  headers?: string;
  /** For non-SIP schemes: everything after `scheme:`. */
  opaque?: string;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const USER_CHARS = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const PASSWORD_CHARS = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9\-.]*[A-Za-z0-9.])?$/;
const PARAM_CHARS = /^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;
const HEADERS_CHARS = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$=&]|%[0-9A-Fa-f]{2})*$/;

/** Parse `host[:port]` (IPv6 in brackets). */
export function parseHostPort(s: string): { host: string; port?: number } | undefined {
  let host: string;
  let rest: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return undefined;
    host = s.slice(0, close + 1);
    if (!isIPv6(host.slice(1, -1))) return undefined;
    rest = s.slice(close + 1);
  } else {
    const colon = s.indexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? '' : s.slice(colon);
    if (!HOSTNAME.test(host)) return undefined;
  }
  if (rest.length === 0) return { host };
  if (rest[0] !== ':' || !/^[0-9]{1,5}$/.test(rest.slice(1))) return undefined;
  const port = Number(rest.slice(1));
  return port >= 1 && port <= 65535 ? { host, port } : undefined;
}

export function parseUri(raw: string): SipUri | undefined {
  const colon = raw.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = raw.slice(0, colon);
  if (!SCHEME.test(scheme)) return undefined;
  const lower = scheme.toLowerCase();
  const rest = raw.slice(colon + 1);
  if (lower !== 'sip' && lower !== 'sips') {
    if (rest.length === 0 || /[\s<>"]/.test(rest)) return undefined;
    return { scheme: lower, host: '', params: new Map(), opaque: rest };
  }
  return parseSipUri(lower, rest);
}

function parseSipUri(scheme: string, rest: string): SipUri | undefined {
  const uri: SipUri = { scheme, host: '', params: new Map() };
  let s = rest;
  // userinfo may hold '?' ';' '/', but never a raw '@' (nor may anything after it)
  const at = s.indexOf('@');
  if (at >= 0) {
    const userinfo = s.slice(0, at);
    s = s.slice(at + 1);
    const pc = userinfo.indexOf(':');
    const user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (!USER_CHARS.test(user)) return undefined;
    uri.user = user;
    if (pc >= 0) {
      const password = userinfo.slice(pc + 1);
      if (!PASSWORD_CHARS.test(password)) return undefined;
      uri.password = password;
    }
  }
  const q = s.indexOf('?');
  if (q >= 0) {
    uri.headers = s.slice(q + 1);
    if (!HEADERS_CHARS.test(uri.headers)) return undefined;
    s = s.slice(0, q);
  }
  const semi = s.indexOf(';');
  const hostport = parseHostPort(semi < 0 ? s : s.slice(0, semi));
  if (hostport === undefined) return undefined;
  uri.host = hostport.host;
  if (hostport.port !== undefined) uri.port = hostport.port;
  if (semi >= 0) {
    const parts = s.slice(semi + 1).split(';');
    for (const p of parts) {
      const eq = p.indexOf('=');
      if (!PARAM_CHARS.test(eq < 0 ? p : p.slice(0, eq))) return undefined;
      if (eq >= 0 && !PARAM_CHARS.test(p.slice(eq + 1))) return undefined;
    }
    const params = parseParams(parts);
    if (params === undefined) return undefined;
    uri.params = params;
  }
  return uri;
}

export function formatUri(uri: SipUri): string {
  if (uri.opaque !== undefined) return `${uri.scheme}:${uri.opaque}`;
  let out = uri.scheme + ':';
  if (uri.user !== undefined) {
    out += uri.user;
    if (uri.password !== undefined) out += ':' + uri.password;
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += ':' + uri.port;
  out += formatParams(uri.params);
  if (uri.headers !== undefined) out += '?' + uri.headers;
  return out;
}

/** Host without IPv6 brackets, as the socket layer wants it. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Host as it must appear in a URI or Via (IPv6 bracketed). */
export function uriHost(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

/**
 * Resolve %XX escapes of characters outside the reserved set (and '%'), which
 * are equivalent to their encoding (RFC 3261 §19.1.4); reserved ones stay
 * escaped, with upper-case hex so %3b and %3B compare equal.
 */
function normalizeEscapes(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => {
    const c = String.fromCharCode(parseInt(h, 16));
    return ';/?:@&=+$,%'.includes(c) ? '%' + h.toUpperCase() : c;
  });
}

function optEscaped(s: string | undefined): string | undefined {
  return s === undefined ? undefined : normalizeEscapes(s);
}

/** Parameters with escapes resolved, compared case-insensitively. */
function normalizedParams(params: Params): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [k, v] of params)
    out.set(normalizeEscapes(k).toLowerCase(), v === null ? null : normalizeEscapes(v).toLowerCase());
  return out;
}

/** The `?headers` part as an order-independent key. */
function normalizedHeaders(headers: string | undefined): string {
  if (headers === undefined) return '';
  return headers
    .split('&')
    .filter((h) => h.length > 0)
    .map((h) => normalizeEscapes(h).toLowerCase())
    .sort()
    .join('&');
}

/**
 * RFC 3261 §19.1.4 URI comparison: userinfo case-sensitive, everything else
 * case-insensitive; escapes of unreserved characters equal the characters; a
 * user, password, port or user/ttl/method/maddr/transport parameter present in
 * only one URI makes them differ; other parameters present in both must match;
 * headers must match, ignoring order.
 */
export function uriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (a.opaque !== undefined || b.opaque !== undefined) return a.opaque === b.opaque;
  if (optEscaped(a.user) !== optEscaped(b.user)) return false;
  if (optEscaped(a.password) !== optEscaped(b.password)) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  if (a.port !== b.port) return false;
  const ap = normalizedParams(a.params);
  const bp = normalizedParams(b.params);
  for (const key of ['user', 'ttl', 'method', 'maddr', 'transport']) if (ap.has(key) !== bp.has(key)) return false;
  for (const [k, v] of ap) if (bp.has(k) && bp.get(k) !== v) return false;
  return normalizedHeaders(a.headers) === normalizedHeaders(b.headers);
}
