/**
 * Structured forms of the headers the stack itself reads: name-addr headers
 * (From, To, Contact, Route, Record-Route, Refer-To), Via and CSeq.
 * Parsers return undefined on malformed input; they never throw.
 */
import { formatParams, isToken, isWs, parseBoundedInt, parseParams, quote, splitOutside, unquote, type Params } from './grammar.js';
import { formatUri, parseHostPort, parseUri, type SipUri } from './uri.js';

export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  params: Params;
  /** `*` in a REGISTER Contact. */
  wildcard?: boolean;
}

export interface Via {
  /** e.g. "SIP/2.0" */
  protocol: string;
  /** Upper-case transport: UDP, TCP, TLS, WS, WSS, SCTP or an unknown token. */
  transport: string;
  host: string;
  port?: number;
  params: Params;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** CSeq numbers must fit 32 bits (RFC 3261 §8.1.1.5). */
export const MAX_CSEQ = 0xffffffff;

export function parseNameAddr(value: string): NameAddr | undefined {
  const v = value.trim();
  if (v === '*') return { uri: { scheme: '*', host: '', params: new Map() }, params: new Map(), wildcard: true };
  const lt = findUnquoted(v, '<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    if (gt < 0) return undefined;
    const display = v.slice(0, lt).trim();
    const uri = parseUri(v.slice(lt + 1, gt));
    if (uri === undefined) return undefined;
    const na: NameAddr = { uri, params: new Map() };
    if (display.length > 0) {
      const name = parseDisplayName(display);
      if (name === undefined) return undefined;
      na.displayName = name;
    }
    const after = v.slice(gt + 1).trim();
    if (after.length > 0) {
      if (after[0] !== ';') return undefined;
      const params = parseParams(splitOutside(after.slice(1), ';'));
      if (params === undefined) return undefined;
      na.params = params;
    }
    return na;
  }
  // addr-spec form: params after the URI belong to the header, and the URI
  // may not carry ';', '?' or ',' (RFC 3261 §20.10).
  const parts = splitOutside(v, ';');
  const uriText = parts[0] ?? '';
  if (/[\s?,]/.test(uriText)) return undefined;
  const uri = parseUri(uriText);
  if (uri === undefined) return undefined;
  const params = parseParams(parts.slice(1));
  if (params === undefined) return undefined;
  return { uri, params };
}

function findUnquoted(s: string, ch: string): number {
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === ch) return i;
  }
  return -1;
}

function parseDisplayName(s: string): string | undefined {
  if (s[0] === '"') return unquote(s);
  // *(token LWS): tokens separated by whitespace
  const words = s.split(/[ \t]+/);
  return words.every(isToken) ? words.join(' ') : undefined;
}

export function formatNameAddr(na: NameAddr): string {
  if (na.wildcard === true) return '*';
  const display = na.displayName !== undefined && na.displayName.length > 0 ? quote(na.displayName) + ' ' : '';
  return `${display}<${formatUri(na.uri)}>${formatParams(na.params)}`;
}

export function parseVia(value: string): Via | undefined {
  const parts = splitOutside(value, ';');
  const sent = parts[0] ?? '';
  // sent-protocol: name / version / transport, LWS allowed around '/'
  const m = /^([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+(.+)$/.exec(
    sent,
  );
  if (m === null) return undefined;
  const hostport = parseHostPort(m[4]!.trim());
  if (hostport === undefined) return undefined;
  const params = parseParams(parts.slice(1));
  if (params === undefined) return undefined;
  const via: Via = {
    protocol: `${m[1]!.toUpperCase()}/${m[2]!}`,
    transport: m[3]!.toUpperCase(),
    host: hostport.host,
    params,
  };
  if (hostport.port !== undefined) via.port = hostport.port;
  return via;
}

export function formatVia(via: Via): string {
  const port = via.port !== undefined ? `:${via.port}` : '';
  return `${via.protocol}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

export function parseCSeq(value: string): CSeq | undefined {
  const v = value.trim();
  let i = 0;
  while (i < v.length && v[i]! >= '0' && v[i]! <= '9') i++;
  if (i === 0 || !isWs(v[i])) return undefined;
  const seq = parseBoundedInt(v.slice(0, i), MAX_CSEQ);
  const method = v.slice(i).trim();
  if (seq === undefined || !isToken(method)) return undefined;
  return { seq, method };
}

/** The magic cookie of RFC 3261 branches. */
export const BRANCH_COOKIE = 'z9hG4bK';
