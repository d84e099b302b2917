/**
 * Property tests for the SIP message layer: serialise/parse round trips of
 * generated messages, and totality (never throw) of the parsers and of every
 * structured getter on arbitrary and mutated input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SipRequest,
  SipResponse,
  createResponse,
  formatNameAddr,
  formatUri,
  formatVia,
  normalizeHeaderName,
  parseCSeq,
  parseDatagram,
  parseNameAddr,
  parseStream,
  parseUri,
  parseVia,
  serialize,
  uriEquals,
  validateRequest,
  type Header,
  type NameAddr,
  type ParseOutcome,
  type SipMessage,
  type SipUri,
  type Via,
} from '../../src/sip/message/index.js';

// ---------------------------------------------------------------------------
// arbitraries

const tokenArb = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,16}$/);

const methodArb = fc.oneof(
  fc.constantFrom('INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'MESSAGE', 'REFER', 'NOTIFY', 'SUBSCRIBE', 'INFO', 'UPDATE', 'PRACK', 'PUBLISH'),
  tokenArb,
);

const hostArb = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
);

const escapedArb = fc.integer({ min: 0, max: 255 }).map((n) => '%' + n.toString(16).padStart(2, '0').toUpperCase());
const fromChars = (chars: string, min: number, max: number): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...chars.split('')) }, { weight: 1, arbitrary: escapedArb }), {
      minLength: min,
      maxLength: max,
    })
    .map((parts) => parts.join(''));

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const UNRESERVED = ALNUM + "-_.!~*'()";
const userArb = fromChars(UNRESERVED + '&=+$,;?/', 1, 12);
const passwordArb = fromChars(UNRESERVED + '&=+$,', 0, 8);
/** URI parameter names must be tokens as well as paramchars. */
const paramNameArb = fc.stringMatching(/^[a-z0-9\-_.!~*']{1,8}$/);
const paramValueArb = fromChars(UNRESERVED + '[]/:&+$', 1, 10);
const uriHeadersArb = fromChars(UNRESERVED + '[]/?:+$=&', 0, 16);

const sipUriArb: fc.Arbitrary<SipUri> = fc
  .record({
    scheme: fc.constantFrom('sip', 'sips'),
    userinfo: fc.option(fc.record({ user: userArb, password: fc.option(passwordArb, { nil: undefined }) }), { nil: undefined }),
    host: hostArb,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.uniqueArray(fc.tuple(paramNameArb, fc.option(paramValueArb, { nil: null })), {
      selector: ([k]) => k,
      maxLength: 4,
    }),
    headers: fc.option(uriHeadersArb, { nil: undefined }),
  })
  .map(({ scheme, userinfo, host, port, params, headers }) => {
    const uri: SipUri = { scheme, host, params: new Map(params) };
    if (userinfo !== undefined) {
      uri.user = userinfo.user;
      if (userinfo.password !== undefined) uri.password = userinfo.password;
    }
    if (port !== undefined) uri.port = port;
    if (headers !== undefined) uri.headers = headers;
    return uri;
  });

const telUriArb: fc.Arbitrary<SipUri> = fc
  .stringMatching(/^\+?[0-9][0-9\-.]{0,14}$/)
  .map((n) => ({ scheme: 'tel', host: '', params: new Map(), opaque: n }));

const uriArb = fc.oneof({ weight: 4, arbitrary: sipUriArb }, { weight: 1, arbitrary: telUriArb });

/** Any text without CR/LF: the full Unicode range (no lone surrogates), and SIP-ish ASCII. */
const lineTextArb = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme-ascii', maxLength: 60 }))
  .map((s) => s.replace(/[\r\n]/g, ''));

/** A header value as stored: no CR/LF and no leading or trailing LWS. */
const headerValueArb = lineTextArb.map((s) => s.replace(/^[ \t]+/, '').replace(/[ \t]+$/, ''));

const headerNameArb = fc
  .oneof(
    fc.constantFrom('Via', 'v', 'From', 'f', 'To', 't', 'Call-ID', 'i', 'CSeq', 'Contact', 'm', 'Max-Forwards', 'Route', 'Record-Route', 'Subject', 's', 'Allow', 'Supported', 'k', 'Content-Type', 'c', 'Authorization', 'Date', 'X-Custom'),
    tokenArb,
  )
  .filter((n) => normalizeHeaderName(n) !== 'content-length');

const headersArb = fc.array(fc.tuple(headerNameArb, headerValueArb), { maxLength: 12 });
const bodyArb = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
);

const requestArb: fc.Arbitrary<SipRequest> = fc
  .record({ method: methodArb, uri: uriArb, headers: headersArb, body: bodyArb })
  .map(({ method, uri, headers, body }) => {
    const m = new SipRequest(method, formatUri(uri));
    for (const [name, value] of headers) m.append(name, value);
    m.body = body;
    return m;
  });

const responseArb: fc.Arbitrary<SipResponse> = fc
  .record({ status: fc.integer({ min: 100, max: 699 }), reason: lineTextArb, headers: headersArb, body: bodyArb })
  .map(({ status, reason, headers, body }) => {
    const m = new SipResponse(status, reason);
    for (const [name, value] of headers) m.append(name, value);
    m.body = body;
    return m;
  });

const messageArb: fc.Arbitrary<SipMessage> = fc.oneof(requestArb, responseArb);

/** Strings built from pieces of SIP syntax, to reach deeper into the parsers than random bytes do. */
const SIP_PIECES = [
  'INVITE', 'REGISTER', 'ACK', ' ', '  ', '\t', '\r\n', '\n', '\r', '\r\n\r\n', '\r\n ', 'SIP/2.0', 'SIP/7.0', 'SIP/2.0 200 OK',
  'sip:', 'sips:', 'tel:', 'user', '@', 'example.com', ':', '5060', '99999', ';', ',', '=', '"', '\\', '<', '>', '[', ']',
  '2001:db8::1', '::', '%', '%41', '%zz', '?', '&', '/', 'UDP', 'Via', 'v', 'From', 'f', 'To', 't', 'Call-ID', 'i', 'CSeq',
  'Contact', 'm', 'Content-Length', 'l', 'Max-Forwards', ': ', '0', '1', '5', '4294967296', '-1', 'tag', 'branch', 'z9hG4bK',
  'received', 'lr', 'transport', '*', '\u0000', '\u00ff', '\ufeff', '\u2028', '\u{1f600}',
];
const sipishArb = fc.array(fc.constantFrom(...SIP_PIECES), { maxLength: 80 }).map((p) => p.join(''));

// ---------------------------------------------------------------------------
// helpers

/** The headers a parsed copy of `m` must have: Content-Length moves to the end with the real length. */
function expectedHeaders(m: SipMessage): Header[] {
  return [
    ...m.headers.filter((h) => h.name !== 'content-length').map((h) => ({ name: h.name, value: h.value })),
    { name: 'content-length', value: String(m.body.length) },
  ];
}

function expectSameMessage(actual: SipMessage, expected: SipMessage): void {
  expect(actual.isRequest).toBe(expected.isRequest);
  if (expected instanceof SipRequest) {
    const req = actual as SipRequest;
    expect(req.method).toBe(expected.method);
    expect(req.uriText).toBe(expected.uriText);
  } else if (expected instanceof SipResponse) {
    const res = actual as SipResponse;
    expect(res.status).toBe(expected.status);
    expect(res.reason).toBe(expected.reason);
  }
  expect(actual.headers).toEqual(expectedHeaders(expected));
  expect(actual.body.equals(expected.body)).toBe(true);
}

function messageOf(out: ParseOutcome): SipMessage {
  if (out.kind !== 'message') throw new Error(`expected a message, got ${out.kind}${out.kind === 'error' ? ' ' + out.code + ': ' + out.reason : ''}`);
  return out.message;
}

const KINDS = ['message', 'incomplete', 'keepalive', 'error'];

/** Checks the outcome's shape and exercises everything a caller may read from it. */
function checkOutcome(out: ParseOutcome, input: Buffer, framing: 'datagram' | 'stream'): void {
  expect(KINDS).toContain(out.kind);
  if (out.kind === 'message' || out.kind === 'keepalive') {
    expect(out.consumed).toBeGreaterThanOrEqual(framing === 'stream' ? 1 : 0);
    expect(out.consumed).toBeLessThanOrEqual(input.length);
  }
  if (framing === 'datagram') expect(out.kind).not.toBe('incomplete');
  if (out.kind === 'message') touchEverything(out.message);
  if (out.kind === 'error') {
    expect(typeof out.code).toBe('string');
    expect(typeof out.fatal).toBe('boolean');
    if (out.partial !== undefined) touchEverything(out.partial);
  }
}

/** Every structured view, validation, a response and re-serialisation: none may throw. */
function touchEverything(m: SipMessage): void {
  void [m.vias, m.topVia, m.from, m.to, m.fromTag, m.toTag, m.cseq, m.contacts, m.callId, m.contentType];
  for (const h of m.headers) {
    m.get(h.name);
    m.getAll(h.name);
  }
  if (m instanceof SipRequest) {
    void m.uri;
    const refusal = validateRequest(m);
    if (refusal !== undefined) {
      expect([400, 416]).toContain(refusal.status);
      expect(refusal.reason.length).toBeGreaterThan(0);
    }
    const res = createResponse(m, refusal?.status ?? 200, undefined, 'tag1');
    void parseDatagram(serialize(res));
  }
  const copy = parseDatagram(serialize(m));
  expect(KINDS).toContain(copy.kind);
}

const INVITE_BODY = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\n';
const INVITE = Buffer.from(
  [
    'INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0',
    'Via: SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bK776asdhds;received=2001:db8::9:255, SIP/2.0/TCP p.example.com;branch=z9hG4bK2',
    'Max-Forwards: 70',
    'To: "Bob \\"B\\"" <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com>;q=0.5, *',
    'Subject: folded',
    ' continuation',
    'Content-Type: application/sdp',
    `Content-Length: ${INVITE_BODY.length}`,
    '',
    INVITE_BODY,
  ].join('\r\n'),
);

type Mutation = { kind: 'flip'; at: number; bit: number } | { kind: 'insert'; at: number; byte: number } | { kind: 'delete'; at: number } | { kind: 'truncate'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0d, 0x0a, 0x20, 0x3a, 0x3b, 0x2c, 0x22, 0x3c, 0x3e, 0x5c, 0x5b, 0x5d, 0x40, 0x25)),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const mu of mutations) {
    const at = b.length === 0 ? 0 : mu.at % (b.length + 1);
    if (mu.kind === 'flip' && at < b.length) b[at] = b[at]! ^ (1 << mu.bit);
    else if (mu.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([mu.byte]), b.subarray(at)]);
    else if (mu.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else if (mu.kind === 'truncate') b = b.subarray(0, at);
  }
  return b;
}

/** Runs the stream parser over a buffer fed in the given chunks, like a TCP connection. */
function feedStream(chunks: readonly Buffer[]): { messages: SipMessage[]; error?: string; rest: Buffer } {
  let buffer = Buffer.alloc(0);
  const messages: SipMessage[] = [];
  for (const chunk of chunks) {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length > 0) {
      const out = parseStream(buffer);
      checkOutcome(out, buffer, 'stream');
      if (out.kind === 'incomplete') break;
      if (out.kind === 'error') return { messages, error: out.code, rest: buffer };
      if (out.kind === 'message') messages.push(out.message);
      buffer = buffer.subarray(out.consumed);
    }
  }
  return { messages, rest: buffer };
}

function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (buf.length === 0 ? 0 : c % buf.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

// ---------------------------------------------------------------------------

describe('round trip of generated messages', () => {
  it('parseDatagram(serialize(m)) equals m, and serialising again gives the same bytes', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = serialize(m);
        const parsed = messageOf(parseDatagram(bytes));
        expectSameMessage(parsed, m);
        expect(serialize(parsed).equals(bytes)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('parseStream(serialize(m)) equals m and consumes exactly the message', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = serialize(m);
        const out = parseStream(bytes);
        expect(out.kind).toBe('message');
        if (out.kind !== 'message') return;
        expect(out.consumed).toBe(bytes.length);
        expectSameMessage(out.message, m);
      }),
      { numRuns: 300 },
    );
  });

  it('a stream of messages and keep-alives in arbitrary chunks yields the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(messageArb, fc.constantFrom('', '\r\n', '\r\n\r\n')), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (items, cuts) => {
          const all = Buffer.concat(items.flatMap(([m, ka]) => [Buffer.from(ka), serialize(m)]));
          const { messages, error, rest } = feedStream(splitAt(all, cuts));
          expect(error).toBeUndefined();
          expect(rest.length).toBe(0);
          expect(messages).toHaveLength(items.length);
          messages.forEach((got, i) => expectSameMessage(got, items[i]![0]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('parseUri(formatUri(u)) gives u back', () => {
    fc.assert(
      fc.property(uriArb, (u) => {
        const text = formatUri(u);
        const parsed = parseUri(text);
        expect(parsed).toEqual(u);
        expect(formatUri(parsed!)).toBe(text);
        expect(uriEquals(parsed!, u)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('uriEquals is reflexive and symmetric, and ignores scheme/host case and escapes of unreserved characters', () => {
    fc.assert(
      fc.property(sipUriArb, sipUriArb, (a, b) => {
        expect(uriEquals(a, a)).toBe(true);
        expect(uriEquals(a, b)).toBe(uriEquals(b, a));
        const upper = parseUri(formatUri({ ...a, host: a.host.toUpperCase() }).replace(/^sips?/, (s) => s.toUpperCase()))!;
        expect(uriEquals(a, upper)).toBe(true);
        if (a.user !== undefined) {
          // escape every alphanumeric outside the existing %XX escapes
          const user = a.user
            .split(/(%[0-9A-Fa-f]{2})/)
            .map((part, i) => (i % 2 === 1 ? part : part.replace(/[A-Za-z0-9]/g, (c) => '%' + c.charCodeAt(0).toString(16))))
            .join('');
          expect(uriEquals(a, { ...a, user })).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('parseVia(formatVia(v)) and parseNameAddr(formatNameAddr(na)) give the value back', () => {
    const viaArb: fc.Arbitrary<Via> = fc
      .record({
        transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'),
        host: hostArb,
        port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        params: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z0-9\-.!%*_+`'~]{1,8}$/), fc.option(fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~:[\]]{1,12}$/), { nil: null })), { selector: ([k]) => k, maxLength: 4 }),
      })
      .map(({ transport, host, port, params }) => {
        const v: Via = { protocol: 'SIP/2.0', transport, host, params: new Map(params) };
        if (port !== undefined) v.port = port;
        return v;
      });
    const nameAddrArb: fc.Arbitrary<NameAddr> = fc
      .record({
        displayName: fc.option(lineTextArb.filter((s) => s.length > 0), { nil: undefined }),
        uri: uriArb,
        params: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z0-9\-.!%*_+`'~]{1,8}$/), fc.option(tokenArb, { nil: null })), { selector: ([k]) => k, maxLength: 3 }),
      })
      .map(({ displayName, uri, params }) => {
        const na: NameAddr = { uri, params: new Map(params) };
        if (displayName !== undefined) na.displayName = displayName;
        return na;
      });
    fc.assert(
      fc.property(viaArb, nameAddrArb, (v, na) => {
        expect(parseVia(formatVia(v))).toEqual(v);
        expect(parseNameAddr(formatNameAddr(na))).toEqual(na);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parsers are total', () => {
  it('parseDatagram and parseStream never throw on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
        const buf = Buffer.from(bytes);
        checkOutcome(parseDatagram(buf), buf, 'datagram');
        checkOutcome(parseStream(buf), buf, 'stream');
      }),
      { numRuns: 500 },
    );
  });

  it('parseDatagram and parseStream never throw on SIP-like text', () => {
    fc.assert(
      fc.property(sipishArb, fc.array(fc.nat(), { maxLength: 5 }), (text, cuts) => {
        const buf = Buffer.from(text, 'utf8');
        checkOutcome(parseDatagram(buf), buf, 'datagram');
        checkOutcome(parseStream(buf), buf, 'stream');
        feedStream(splitAt(buf, cuts));
      }),
      { numRuns: 1000 },
    );
  });

  it('parseDatagram and parseStream never throw on mutated INVITEs (flips, insertions, deletions, truncations)', () => {
    expect(parseDatagram(INVITE).kind).toBe('message');
    expect(validateRequest(messageOf(parseDatagram(INVITE)) as SipRequest)).toBeUndefined();
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 4 }), (mutations, cuts) => {
        const buf = mutate(INVITE, mutations);
        checkOutcome(parseDatagram(buf), buf, 'datagram');
        checkOutcome(parseStream(buf), buf, 'stream');
        feedStream(splitAt(buf, cuts));
      }),
      { numRuns: 1000 },
    );
  });

  it('structured getters and validateRequest never throw on messages whose headers hold junk', () => {
    const junkValueArb = fc.oneof(sipishArb.map((s) => s.replace(/[\r\n]/g, '')), headerValueArb);
    fc.assert(
      fc.property(
        methodArb,
        fc.oneof(uriArb.map(formatUri), sipishArb.map((s) => s.replace(/[\s]/g, '') || 'x')),
        fc.array(fc.tuple(fc.constantFrom('via', 'from', 'to', 'cseq', 'contact', 'call-id', 'max-forwards', 'route', 'record-route'), junkValueArb), { maxLength: 10 }),
        (method, uriText, headers) => {
          const m = new SipRequest(method, uriText);
          for (const [name, value] of headers) m.append(name, value);
          touchEverything(m);
          const out = parseDatagram(serialize(m));
          checkOutcome(out, serialize(m), 'datagram');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('the header and URI parsers never throw on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(sipishArb, fc.string({ unit: 'binary', maxLength: 60 })), (s) => {
        void [parseUri(s), parseVia(s), parseNameAddr(s), parseCSeq(s)];
      }),
      { numRuns: 1000 },
    );
  });
});
