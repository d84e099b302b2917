/**
 * Wire → model. Two framings (RFC 3261 §18.3):
 *  - datagram: one message per datagram; Content-Length, when present, cuts the
 *    body (surplus bytes are discarded) and a shorter body is an error;
 *  - stream: Content-Length is mandatory and frames the next message.
 * Never throws: the outcome says what happened and how many bytes it used.
 */
import { SipMessage, SipRequest, SipResponse, type Header } from './message.js';
import { normalizeHeaderName } from './header-names.js';
import { isUtf8 } from 'node:buffer';
import { isToken, trimLws } from './grammar.js';

export type ParseErrorCode =
  | 'SIP_BAD_START_LINE'
  | 'SIP_BAD_HEADER'
  | 'SIP_BAD_CONTENT_LENGTH'
  | 'SIP_BODY_TRUNCATED'
  | 'SIP_MESSAGE_TOO_LARGE'
  | 'SIP_BAD_VERSION'
  | 'SIP_BAD_ENCODING';

export type ParseOutcome =
  | { kind: 'message'; message: SipMessage; consumed: number }
  /** stream framing only: wait for more bytes */
  | { kind: 'incomplete' }
  /** stream framing only: leading CRLFs (keep-alive) of this many bytes */
  | { kind: 'keepalive'; consumed: number }
  | {
      kind: 'error';
      code: ParseErrorCode;
      reason: string;
      /**
       * The request as far as it was understood, when its start line and headers
       * parsed: enough to answer 400 (or 505) with the right Via/From/To/Call-ID/CSeq.
       */
      partial?: SipRequest;
      /** stream framing: framing is lost and the connection should be closed */
      fatal: boolean;
    };

export interface ParseLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxHeaderBytes: 64 * 1024, maxBodyBytes: 1024 * 1024 };

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

function skipLeadingCrlf(buf: Buffer, from: number): number {
  let i = from;
  while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  return i;
}

/** Find the end of the header section: returns [index of separator, separator length]. */
function findHeaderEnd(buf: Buffer, start: number): [number, number] {
  const crlf = buf.indexOf(CRLFCRLF, start);
  const lf = buf.indexOf(LFLF, start);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return [crlf, 4];
  if (lf >= 0) return [lf, 2];
  return [-1, 0];
}

interface Head {
  message: SipMessage;
  contentLength?: number;
  contentLengthError?: string;
}

type HeadResult = { ok: true; head: Head } | { ok: false; code: ParseErrorCode; reason: string; partial?: SipRequest };

function parseHead(text: string): HeadResult {
  const lines = text.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const { headers, malformed } = parseHeaderLines(lines);
  let message: SipMessage;
  if (startLine.startsWith('SIP/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const m = /^SIP\/(\d+\.\d+) (\d{3}) (.*)$/s.exec(startLine);
    if (m === null) return { ok: false, code: 'SIP_BAD_START_LINE', reason: 'Malformed Status-Line' };
    if (m[1] !== '2.0') return { ok: false, code: 'SIP_BAD_VERSION', reason: 'Unsupported SIP version' };
    const status = Number(m[2]);
    if (status < 100 || status > 699) return { ok: false, code: 'SIP_BAD_START_LINE', reason: 'Status code out of range' };
    message = new SipResponse(status, m[3]!);
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version (exactly one SP each)
    const parts = startLine.split(' ');
    const method = parts[0] ?? '';
    // A request whose start line is broken can still be answered 400 from its headers.
    const partial = (): SipRequest | undefined => {
      if (!isToken(method)) return undefined;
      const req = new SipRequest(method, parts[1] ?? '');
      req.headers = headers;
      return req;
    };
    if (parts.length !== 3) return { ok: false, code: 'SIP_BAD_START_LINE', reason: 'Malformed Request-Line', partial: partial() };
    const [, uri, version] = parts as [string, string, string];
    if (!isToken(method) || uri.length === 0 || uri.startsWith('<') || !/^SIP\/\d+\.\d+$/i.test(version))
      return { ok: false, code: 'SIP_BAD_START_LINE', reason: 'Malformed Request-Line', partial: partial() };
    if (version.toUpperCase() !== 'SIP/2.0') return { ok: false, code: 'SIP_BAD_VERSION', reason: 'Version Not Supported', partial: partial() };
    message = new SipRequest(method, uri);
  }
  message.headers = headers;
  if (malformed) return { ok: false, code: 'SIP_BAD_HEADER', reason: 'Malformed header line', partial: partialOf(message) };
  const head: Head = { message };
  const lengths = headers.filter((h) => h.name === 'content-length').map((h) => trimLws(h.value));
  if (lengths.length > 0) {
    const first = lengths[0]!;
    if (!/^[0-9]{1,10}$/.test(first)) head.contentLengthError = 'Malformed Content-Length';
    else if (lengths.some((l) => l !== first)) head.contentLengthError = 'Conflicting Content-Length values';
    else head.contentLength = Number(first);
  }
  return { ok: true, head };
}

/**
 * Header lines after the start line, with folded continuation lines joined.
 * Lines that are not headers are skipped and reported, so the rest can still
 * be used to answer the request.
 */
function parseHeaderLines(lines: string[]): { headers: Header[]; malformed: boolean } {
  const headers: Header[] = [];
  let malformed = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    const c = line.charCodeAt(0);
    if (c === 0x20 || c === 0x09) {
      const last = headers[headers.length - 1];
      if (last === undefined) malformed = true;
      else last.value = trimLws(last.value + ' ' + trimLws(line));
      continue;
    }
    const colon = line.indexOf(':');
    const rawName = colon <= 0 ? '' : line.slice(0, colon).trimEnd();
    if (!isToken(rawName)) {
      malformed = true;
      continue;
    }
    headers.push({ name: normalizeHeaderName(rawName), value: trimLws(line.slice(colon + 1)) });
  }
  return { headers, malformed };
}

/**
 * Headers must be UTF-8 (RFC 3261 §7.3.1, TEXT-UTF8). Bytes that are not would
 * come back altered (and three times larger) in any answer that copies them,
 * so such a request is refused with 400.
 */
function parseHeadBytes(buf: Buffer, start: number, end: number): HeadResult {
  const bytes = buf.subarray(start, end);
  const res = parseHead(bytes.toString('utf8'));
  if (!res.ok || isUtf8(bytes)) return res;
  return { ok: false, code: 'SIP_BAD_ENCODING', reason: 'Header section is not UTF-8', partial: partialOf(res.head.message) };
}

function partialOf(m: SipMessage): SipRequest | undefined {
  return m instanceof SipRequest ? m : undefined;
}

/** Parse one UDP datagram (or WebSocket message: RFC 7118 frames are whole messages). */
export function parseDatagram(buf: Buffer, limits: ParseLimits = DEFAULT_LIMITS): ParseOutcome {
  const start = skipLeadingCrlf(buf, 0);
  if (start === buf.length) return { kind: 'keepalive', consumed: buf.length };
  const [end, sepLen] = findHeaderEnd(buf, start);
  const headEnd = end < 0 ? buf.length : end;
  if (headEnd - start > limits.maxHeaderBytes)
    return { kind: 'error', code: 'SIP_MESSAGE_TOO_LARGE', reason: 'Header section too large', fatal: true };
  const res = parseHeadBytes(buf, start, headEnd);
  if (!res.ok) return { kind: 'error', code: res.code, reason: res.reason, partial: res.partial, fatal: true };
  const { message, contentLength, contentLengthError } = res.head;
  if (contentLengthError !== undefined)
    return { kind: 'error', code: 'SIP_BAD_CONTENT_LENGTH', reason: contentLengthError, partial: partialOf(message), fatal: true };
  const bodyStart = end < 0 ? buf.length : end + sepLen;
  const available = buf.length - bodyStart;
  if (contentLength !== undefined && contentLength > available)
    return { kind: 'error', code: 'SIP_BODY_TRUNCATED', reason: 'Content-Length larger than body', partial: partialOf(message), fatal: true };
  const len = contentLength ?? available;
  if (len > limits.maxBodyBytes)
    return { kind: 'error', code: 'SIP_MESSAGE_TOO_LARGE', reason: 'Body too large', partial: partialOf(message), fatal: true };
  if (len > 0) message.body = Buffer.from(buf.subarray(bodyStart, bodyStart + len));
  return { kind: 'message', message, consumed: buf.length };
}

/** Parse the next message from a stream buffer (TCP). */
export function parseStream(buf: Buffer, limits: ParseLimits = DEFAULT_LIMITS): ParseOutcome {
  const start = skipLeadingCrlf(buf, 0);
  if (start > 0) return { kind: 'keepalive', consumed: start };
  const [end, sepLen] = findHeaderEnd(buf, start);
  if (end < 0 ? buf.length > limits.maxHeaderBytes : end - start > limits.maxHeaderBytes)
    return { kind: 'error', code: 'SIP_MESSAGE_TOO_LARGE', reason: 'Header section too large', fatal: true };
  if (end < 0) return { kind: 'incomplete' };
  const res = parseHeadBytes(buf, start, end);
  if (!res.ok) return { kind: 'error', code: res.code, reason: res.reason, partial: res.partial, fatal: true };
  const { message, contentLength, contentLengthError } = res.head;
  if (contentLengthError !== undefined)
    return { kind: 'error', code: 'SIP_BAD_CONTENT_LENGTH', reason: contentLengthError, partial: partialOf(message), fatal: true };
  if (contentLength === undefined)
    return { kind: 'error', code: 'SIP_BAD_CONTENT_LENGTH', reason: 'Content-Length required on a stream', partial: partialOf(message), fatal: true };
  if (contentLength > limits.maxBodyBytes)
    return { kind: 'error', code: 'SIP_MESSAGE_TOO_LARGE', reason: 'Body too large', partial: partialOf(message), fatal: true };
  const bodyStart = end + sepLen;
  if (buf.length - bodyStart < contentLength) return { kind: 'incomplete' };
  if (contentLength > 0) message.body = Buffer.from(buf.subarray(bodyStart, bodyStart + contentLength));
  return { kind: 'message', message, consumed: bodyStart + contentLength };
}
