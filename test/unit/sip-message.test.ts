/**
 * SIP message layer (src/sip/message): parsing, framing, header access,
 * serialisation, URIs, validation and response building.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  REASONS,
  SipRequest,
  SipResponse,
  bareHost,
  canonicalHeaderName,
  createResponse,
  formatNameAddr,
  formatUri,
  formatVia,
  normalizeHeaderName,
  parseCSeq,
  parseDatagram,
  parseHostPort,
  parseNameAddr,
  parseStream,
  parseUri,
  parseVia,
  serialize,
  uriEquals,
  uriHost,
  validateRequest,
  type ParseOutcome,
  type SipMessage,
} from '../../src/sip/message/index.js';

// ---------------------------------------------------------------------------
// helpers

type ErrorOutcome = Extract<ParseOutcome, { kind: 'error' }>;

const SDP =
  'v=0\r\n' +
  'o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n' +
  's=-\r\n' +
  'c=IN IP4 192.0.2.101\r\n' +
  't=0 0\r\n' +
  'm=audio 49172 RTP/AVP 0\r\n' +
  'a=rtpmap:0 PCMU/8000\r\n';

const BASE_HEADERS = [
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
];

/** Start line + header lines + blank line + body, CRLF line ends. */
function wire(startLine: string, headers: readonly string[], body: string | Buffer = ''): Buffer {
  const head = Buffer.from([startLine, ...headers].join('\r\n') + '\r\n\r\n', 'utf8');
  return Buffer.concat([head, typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/** A well-formed INVITE with an SDP body and a correct Content-Length. */
function inviteBytes(extraHeaders: readonly string[] = [], body: string | Buffer = SDP): Buffer {
  const len = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  return wire(
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    [...BASE_HEADERS, ...extraHeaders, 'Content-Type: application/sdp', `Content-Length: ${len}`],
    body,
  );
}

function describeOutcome(o: ParseOutcome): string {
  return o.kind === 'error' ? `error ${o.code} (${o.reason})` : o.kind;
}

function parseMessage(input: string | Buffer): SipMessage {
  const out = parseDatagram(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  if (out.kind !== 'message') throw new Error(`expected a message, got ${describeOutcome(out)}`);
  return out.message;
}

function parseRequest(input: string | Buffer): SipRequest {
  const m = parseMessage(input);
  if (!(m instanceof SipRequest)) throw new Error('expected a request');
  return m;
}

function parseResponse(input: string | Buffer): SipResponse {
  const m = parseMessage(input);
  if (!(m instanceof SipResponse)) throw new Error('expected a response');
  return m;
}

function datagramError(input: string | Buffer): ErrorOutcome {
  const out = parseDatagram(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  if (out.kind !== 'error') throw new Error(`expected an error, got ${out.kind}`);
  return out;
}

function baseRequest(): SipRequest {
  return parseRequest(inviteBytes());
}

/**
 * What a TCP connection does with its buffer: parse messages off the front
 * until the parser wants more bytes; CRLF keep-alives are consumed.
 */
class StreamFeeder {
  buffer: Buffer = Buffer.alloc(0);
  readonly messages: SipMessage[] = [];
  keepalives = 0;
  error: ErrorOutcome | undefined;

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length > 0 && this.error === undefined) {
      const out = parseStream(this.buffer);
      if (out.kind === 'incomplete') return;
      if (out.kind === 'error') {
        this.error = out;
        return;
      }
      if (out.kind === 'keepalive') this.keepalives++;
      else this.messages.push(out.message);
      expect(out.consumed).toBeGreaterThan(0);
      this.buffer = this.buffer.subarray(out.consumed);
    }
  }
}

function viaHosts(m: SipMessage): (string | undefined)[] {
  return m.vias.map((v) => v?.host);
}

// ---------------------------------------------------------------------------

describe('header names', () => {
  it('maps every compact form to its long name (RFC 3261 §7.3.3 and extensions)', () => {
    const m = parseRequest(
      wire('INVITE sip:bob@biloxi.example.com SIP/2.0', [
        'v: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
        'f: <sip:alice@a.example.com>;tag=1',
        't: <sip:bob@biloxi.example.com>',
        'i: compact@call',
        'm: <sip:alice@10.0.0.1>',
        'c: application/sdp',
        's: a subject',
        'k: 100rel',
        'e: gzip',
        'o: presence',
        'r: <sip:carol@c.example.com>',
        'u: refer',
        'x: 1800',
        'l: 0',
        'CSeq: 1 INVITE',
      ]),
    );
    expect(m.headers.map((h) => h.name)).toEqual([
      'via',
      'from',
      'to',
      'call-id',
      'contact',
      'content-type',
      'subject',
      'supported',
      'content-encoding',
      'event',
      'refer-to',
      'allow-events',
      'session-expires',
      'content-length',
      'cseq',
    ]);
    expect(m.callId).toBe('compact@call');
    expect(m.get('Content-Type')).toBe('application/sdp');
    expect(m.get('Subject')).toBe('a subject');
    expect(m.get('Supported')).toBe('100rel');
    expect(m.topVia?.host).toBe('h.example.com');
    expect(m.fromTag).toBe('1');
    expect(m.contacts[0]?.uri.host).toBe('10.0.0.1');
    // compact names also work as lookup keys, in either case
    expect(m.get('I')).toBe('compact@call');
    expect(m.get('m')).toBe('<sip:alice@10.0.0.1>');
    expect(validateRequest(m)).toBeUndefined();
  });

  it('serialises compact names in their long canonical spelling', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h.example.com SIP/2.0', ['v: SIP/2.0/UDP h;branch=z9hG4bK1', 'i: x@y', 'l: 0']),
    );
    const text = serialize(m).toString('utf8');
    expect(text).toContain('\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n');
    expect(text).toContain('\r\nCall-ID: x@y\r\n');
    expect(text).toMatch(/\r\nContent-Length: 0\r\n\r\n$/);
  });

  it('treats header names case-insensitively', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h.example.com SIP/2.0', [
        'vIa: SIP/2.0/UDP h;branch=z9hG4bK1',
        'CALL-ID: upper',
        'cseq: 7 OPTIONS',
        'MaX-fOrWaRdS: 70',
      ]),
    );
    expect(m.get('call-id')).toBe('upper');
    expect(m.get('Call-Id')).toBe('upper');
    expect(m.get('CSEQ')).toBe('7 OPTIONS');
    expect(m.get('max-forwards')).toBe('70');
    expect(m.has('VIA')).toBe(true);
    expect(m.count('Via')).toBe(1);
  });

  it('normalises and canonicalises names', () => {
    expect(normalizeHeaderName('V')).toBe('via');
    expect(normalizeHeaderName('Content-LENGTH')).toBe('content-length');
    expect(normalizeHeaderName('q')).toBe('q'); // not a compact form: kept
    expect(canonicalHeaderName('call-id')).toBe('Call-ID');
    expect(canonicalHeaderName('cseq')).toBe('CSeq');
    expect(canonicalHeaderName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalHeaderName('content-type')).toBe('Content-Type');
    expect(canonicalHeaderName('x-custom-header')).toBe('X-Custom-Header');
  });

  it('handles header names that are Object.prototype keys', () => {
    expect(canonicalHeaderName('constructor')).toBe('Constructor');
    expect(canonicalHeaderName('tostring')).toBe('Tostring');
    expect(canonicalHeaderName('__proto__')).toBe('__proto__');
    const m = parseRequest(wire('OPTIONS sip:h SIP/2.0', ['constructor: a', 'toString: b', '__proto__: c', 'hasOwnProperty: d']));
    const bytes = serialize(m);
    expect(bytes.toString()).toContain('\r\nConstructor: a\r\nTostring: b\r\n__proto__: c\r\nHasownproperty: d\r\n');
    expect(parseMessage(bytes).headers).toEqual([...m.headers, { name: 'content-length', value: '0' }]);
  });

  it('allows whitespace between the header name and the colon', () => {
    const m = parseRequest(wire('OPTIONS sip:h SIP/2.0', ['Via  : SIP/2.0/UDP h;branch=z9hG4bK1', 'TO :<sip:a@b>']));
    expect(m.get('via')).toBe('SIP/2.0/UDP h;branch=z9hG4bK1');
    expect(m.to?.uri.user).toBe('a');
  });
});

describe('folded (multi-line) header values', () => {
  it('joins continuation lines starting with SP or HTAB', () => {
    const m = parseRequest(
      wire('INVITE sip:bob@b.example.com SIP/2.0', [
        'Subject: first',
        '  second',
        '\tthird',
        'Via: SIP  /   2.0',
        ' /UDP',
        '    192.0.2.2;branch=390skdjuw',
        'cseq: 0009',
        '  INVITE',
        'From: "J" <sip:j@example.com>',
        '  ;',
        '  tag = 98asjd8',
        'Route:',
        ' <sip:services.example.com;lr>',
      ]),
    );
    expect(m.get('subject')).toBe('first second third');
    expect(m.topVia).toMatchObject({ protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.2' });
    expect(m.topVia?.params.get('branch')).toBe('390skdjuw');
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.fromTag).toBe('98asjd8');
    expect(m.get('route')).toBe('<sip:services.example.com;lr>');
  });

  it('accepts LF-only line ends', () => {
    const m = parseRequest('OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nSubject: a\n b\nContent-Length: 2\n\nhi');
    expect(m.get('subject')).toBe('a b');
    expect(m.body.toString()).toBe('hi');
  });

  it('refuses a continuation line with no header before it', () => {
    expect(datagramError(wire('OPTIONS sip:h SIP/2.0', [' folded: first'])).code).toBe('SIP_BAD_HEADER');
  });

  it('refuses header lines without a colon or with a non-token name', () => {
    expect(datagramError(wire('OPTIONS sip:h SIP/2.0', ['NoColonHere'])).code).toBe('SIP_BAD_HEADER');
    expect(datagramError(wire('OPTIONS sip:h SIP/2.0', [': value'])).code).toBe('SIP_BAD_HEADER');
    expect(datagramError(wire('OPTIONS sip:h SIP/2.0', ['Bad Name: value'])).code).toBe('SIP_BAD_HEADER');
  });
});

describe('header values', () => {
  it('keeps Unicode spaces, BOMs and NULs in values (only SP/HTAB is LWS)', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h SIP/2.0', ['X-Nbsp: \u00a0padded\u00a0', 'X-Bom: \ufeff\u4e2d\u6587', 'X-Nul: a\u0000b']),
    );
    expect(m.get('x-nbsp')).toBe('\u00a0padded\u00a0');
    expect(m.get('x-bom')).toBe('\ufeff\u4e2d\u6587');
    expect(m.get('x-nul')).toBe('a\u0000b');
  });

  it('does not split commas in headers that are not lists', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h SIP/2.0', [
        'Date: Sat, 13 Nov 2010 23:29:00 GMT',
        'Authorization: Digest username="a", realm="b", nonce="c"',
        'Allow: INVITE, ACK,BYE',
      ]),
    );
    expect(m.getAll('date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
    expect(m.getAll('authorization')).toHaveLength(1);
    expect(m.getAll('allow')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(m.get('allow')).toBe('INVITE');
  });

  it('keeps an empty header value', () => {
    const m = parseRequest(wire('OPTIONS sip:h SIP/2.0', ['Subject:', 's :']));
    expect(m.getAll('subject')).toEqual(['', '']);
  });
});

describe('quoted strings and display names', () => {
  it('resolves escaped quotes and backslashes in a quoted display name', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h SIP/2.0', [
        'From: "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>;tag=98asjd8',
        'Contact: "Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33',
      ]),
    );
    expect(m.from?.displayName).toBe('J Rosenberg \\"');
    expect(m.fromTag).toBe('98asjd8');
    const c = m.contacts[0];
    expect(c?.displayName).toBe('Quoted string ""');
    expect(c?.params.get('newparam')).toBe('newvalue');
    expect(c?.params.get('secondparam')).toBeNull();
    expect(c?.params.get('q')).toBe('0.33');
  });

  it('does not split a list header on a comma inside quotes or angle brackets', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h SIP/2.0', ['Contact: "Bell, Alexander" <sip:a@b.com>, <sip:c@d.com;x=1>;q=0.5']),
    );
    expect(m.getAll('contact')).toEqual(['"Bell, Alexander" <sip:a@b.com>', '<sip:c@d.com;x=1>;q=0.5']);
    expect(m.contacts.map((c) => c?.displayName)).toEqual(['Bell, Alexander', undefined]);
  });

  it('reads a token display name with no space before <', () => {
    expect(parseNameAddr('caller<sip:caller@example.com>;tag=323')?.displayName).toBe('caller');
    expect(parseNameAddr('Bob  Smith <sip:b@c>')?.displayName).toBe('Bob Smith');
  });

  it('refuses unterminated quotes and non-token unquoted display names', () => {
    expect(parseNameAddr('"Mr. J. User <sip:j.user@example.com>')).toBeUndefined();
    expect(parseNameAddr('Bell, Alexander <sip:a.g.bell@example.com>')).toBeUndefined();
    expect(parseNameAddr('"a\\" <sip:a@b>')).toBeUndefined();
    expect(parseNameAddr('< sip:t.watson@example.org >')).toBeUndefined();
    expect(parseNameAddr('<sip:a@b')).toBeUndefined();
  });

  it('formats a display name that parses back to the same value', () => {
    const na = parseNameAddr('"say \\"hi\\" \\\\ bye" <sip:a@b.com>;tag=x')!;
    expect(na.displayName).toBe('say "hi" \\ bye');
    const again = parseNameAddr(formatNameAddr(na));
    expect(again).toEqual(na);
  });

  it('treats ;params after an addr-spec as header params, and refuses ? , in it', () => {
    const na = parseNameAddr('sip:user@host.example.com;unknownparam;tag=1')!;
    expect(na.uri.params.size).toBe(0);
    expect([...na.params.keys()]).toEqual(['unknownparam', 'tag']);
    const inside = parseNameAddr('<sip:user@host.example.com;unknownparam>')!;
    expect(inside.uri.params.has('unknownparam')).toBe(true);
    expect(inside.params.size).toBe(0);
    expect(parseNameAddr('sip:user@example.com?Route=%3Csip:sip.example.com%3E')).toBeUndefined();
    expect(parseNameAddr('*')?.wildcard).toBe(true);
  });
});

describe('IPv6 references (RFC 5118)', () => {
  it('parses bracketed IPv6 in the Request-URI, Via sent-by, received and Contact', () => {
    const m = parseRequest(
      wire('REGISTER sip:[2001:db8::10]:5070 SIP/2.0', [
        'Via: SIP/2.0/UDP [2001:db8::9:1]:6050;received=2001:db8::9:255;branch=z9hG4bKas3',
        'Via: SIP/2.0/TCP [2001:db8::9:255];branch=z9hG4bK451jj;received=[2001:db8::9:1]',
        'From: <sip:user@example.com>;tag=1',
        'To: <sip:user@example.com>',
        'Call-ID: v6',
        'CSeq: 1 REGISTER',
        'Contact: "Caller" <sip:caller@[2001:db8::9:1]>',
      ]),
    );
    expect(m.uri).toMatchObject({ scheme: 'sip', host: '[2001:db8::10]', port: 5070 });
    const [v1, v2] = m.vias;
    expect(v1).toMatchObject({ host: '[2001:db8::9:1]', port: 6050 });
    expect(v1?.params.get('received')).toBe('2001:db8::9:255');
    expect(v1?.params.get('branch')).toBe('z9hG4bKas3');
    expect(v2).toMatchObject({ host: '[2001:db8::9:255]', transport: 'TCP' });
    expect(v2?.port).toBeUndefined();
    expect(v2?.params.get('received')).toBe('[2001:db8::9:1]');
    expect(m.contacts[0]?.uri.host).toBe('[2001:db8::9:1]');
    expect(validateRequest(m)).toBeUndefined();
  });

  it('reads the whole bracket as the address when the port looks like a group', () => {
    expect(parseUri('sip:[2001:db8::10:5070]')).toMatchObject({ host: '[2001:db8::10:5070]' });
    expect(parseUri('sip:[2001:db8::10:5070]')?.port).toBeUndefined();
    expect(parseUri('sip:[2001:db8::10]:5070')).toMatchObject({ host: '[2001:db8::10]', port: 5070 });
  });

  it('refuses unbracketed or broken IPv6 hosts', () => {
    expect(parseUri('sip:2001:db8::10')).toBeUndefined();
    expect(parseUri('sip:[2001:db8:::192.0.2.1]')).toBeUndefined();
    expect(parseUri('sip:[2001:db8::10')).toBeUndefined();
    expect(parseUri('sip:[nothex]')).toBeUndefined();
    expect(parseUri('sip:[2001:db8::192.0.2.1]')?.host).toBe('[2001:db8::192.0.2.1]');
    expect(parseUri('sip:[::ffff:192.0.2.10]:19823')).toMatchObject({ host: '[::ffff:192.0.2.10]', port: 19823 });
  });

  it('converts between bracketed and bare hosts', () => {
    expect(bareHost('[2001:db8::1]')).toBe('2001:db8::1');
    expect(bareHost('example.com')).toBe('example.com');
    expect(uriHost('2001:db8::1')).toBe('[2001:db8::1]');
    expect(uriHost('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('Via lists', () => {
  it('keeps order of several Via values on one line', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h SIP/2.0', ['Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2 ,SIP/2.0/TLS c.example.com']),
    );
    expect(viaHosts(m)).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
    expect(m.vias.map((v) => v?.transport)).toEqual(['UDP', 'TCP', 'TLS']);
    expect(m.vias[1]?.port).toBe(5061);
    expect(m.get('via')).toBe('SIP/2.0/UDP a.example.com;branch=z9hG4bK1');
  });

  it('keeps order of Via values across several lines, mixed with combined lines and compact names', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h SIP/2.0', [
        'Via: SIP/2.0/UDP a;branch=z9hG4bK1',
        'From: <sip:x@y>;tag=1',
        'v: SIP/2.0/UDP b;branch=z9hG4bK2, SIP/2.0/UDP c;branch=z9hG4bK3',
        'VIA: SIP/2.0/UDP d;branch=z9hG4bK4',
      ]),
    );
    expect(viaHosts(m)).toEqual(['a', 'b', 'c', 'd']);
    expect(m.getAll('via')).toHaveLength(4);
    expect(m.count('via')).toBe(3);
  });

  it('removeFirst("via") on a combined line removes only its first element', () => {
    const m = parseRequest(
      wire('OPTIONS sip:h SIP/2.0', [
        'Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2,SIP/2.0/UDP c;branch=z9hG4bK3',
        'Call-ID: keep-position',
        'Via: SIP/2.0/UDP d;branch=z9hG4bK4',
      ]),
    );
    expect(m.topVia?.host).toBe('a'); // fill the cache first: removeFirst must invalidate it
    m.removeFirst('via');
    expect(viaHosts(m)).toEqual(['b', 'c', 'd']);
    expect(m.headers.map((h) => h.name)).toEqual(['via', 'call-id', 'via']);
    m.removeFirst('v');
    expect(viaHosts(m)).toEqual(['c', 'd']);
    m.removeFirst('via');
    expect(viaHosts(m)).toEqual(['d']);
    expect(m.headers.map((h) => h.name)).toEqual(['call-id', 'via']);
    m.removeFirst('via');
    expect(m.vias).toEqual([]);
    expect(m.topVia).toBeUndefined();
    m.removeFirst('via'); // nothing left: no-op
    expect(m.headers.map((h) => h.name)).toEqual(['call-id']);
  });

  it('prepend puts a new Via on top, before combined lines', () => {
    const m = parseRequest(wire('OPTIONS sip:h SIP/2.0', ['Call-ID: c', 'Via: SIP/2.0/UDP b, SIP/2.0/UDP c']));
    expect(viaHosts(m)).toEqual(['b', 'c']);
    m.prepend('via', formatVia({ protocol: 'SIP/2.0', transport: 'TCP', host: '[::1]', port: 5060, params: new Map([['branch', 'z9hG4bKnew'], ['rport', null]]) }));
    expect(viaHosts(m)).toEqual(['[::1]', 'b', 'c']);
    expect(m.get('via')).toBe('SIP/2.0/TCP [::1]:5060;branch=z9hG4bKnew;rport');
    expect(m.headers[0]?.name).toBe('call-id');
  });

  it('parses sent-protocol with LWS around slashes, and unknown transports', () => {
    expect(parseVia('SIP  /   2.0 /UDP    192.0.2.2;branch=390skdjuw')).toMatchObject({ protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.2' });
    expect(parseVia('sip/2.0/unknown t.example.com;branch=z9hG4bK1')).toMatchObject({ protocol: 'SIP/2.0', transport: 'UNKNOWN' });
    expect(parseVia('SIP/2.0/SCTP 192.0.2.1:5080 ; branch = z9hG4bK9ikj8 ')?.params.get('branch')).toBe('z9hG4bK9ikj8');
    expect(parseVia('SIP/2.0/UDP')).toBeUndefined();
    expect(parseVia('SIP/2.0 h')).toBeUndefined();
    expect(parseVia('SIP/2.0/UDP h;;')).toBeUndefined();
    expect(parseVia('SIP/2.0/UDP h:99999')).toBeUndefined();
    expect(parseVia('')).toBeUndefined();
  });

  it('marks a malformed element as undefined without losing the others', () => {
    const m = parseRequest(wire('OPTIONS sip:h SIP/2.0', ['Via: SIP/2.0/UDP a;branch=z9hG4bK1, garbage, SIP/2.0/UDP c']));
    expect(viaHosts(m)).toEqual(['a', undefined, 'c']);
  });
});

describe('header access and mutation', () => {
  it('set replaces every value, in place of the first one', () => {
    const m = parseRequest(wire('OPTIONS sip:h SIP/2.0', ['Route: <sip:a>', 'Call-ID: c', 'Route: <sip:b>']));
    m.set('route', '<sip:z>');
    expect(m.headers).toEqual([
      { name: 'route', value: '<sip:z>' },
      { name: 'call-id', value: 'c' },
    ]);
    m.set('x-new', '1');
    expect(m.headers.at(-1)).toEqual({ name: 'x-new', value: '1' });
  });

  it('append, prepend, remove, has and count work on normalised names', () => {
    const m = new SipRequest('OPTIONS', 'sip:h');
    m.append('i', 'c1').append('Record-Route', '<sip:p1;lr>').prepend('record-route', '<sip:p0;lr>');
    expect(m.getAll('record-route')).toEqual(['<sip:p0;lr>', '<sip:p1;lr>']);
    expect(m.has('Call-ID')).toBe(true);
    expect(m.count('record-route')).toBe(2);
    m.remove('RECORD-ROUTE');
    expect(m.has('record-route')).toBe(false);
    expect(m.get('record-route')).toBeUndefined();
    expect(m.getAll('record-route')).toEqual([]);
  });

  it('drops cached structured views when the header changes', () => {
    const m = baseRequest();
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.fromTag).toBe('1928301774');
    expect(m.toTag).toBeUndefined();
    m.set('CSeq', '314160 INVITE');
    m.set('to', '<sip:bob@biloxi.example.com>;tag=b1');
    m.set('f', '<sip:x@y>;tag=z');
    m.append('contact', '<sip:second@h>');
    expect(m.cseq?.seq).toBe(314160);
    expect(m.toTag).toBe('b1');
    expect(m.fromTag).toBe('z');
    expect(m.contacts).toHaveLength(2);
  });

  it('re-parses the Request-URI when uriText changes', () => {
    const m = baseRequest();
    expect(m.uri?.user).toBe('bob');
    m.uriText = 'sip:carol@chicago.example.com';
    expect(m.uri?.user).toBe('carol');
    m.uriText = 'not a uri';
    expect(m.uri).toBeUndefined();
  });
});

describe('datagram framing (UDP, WebSocket)', () => {
  it('cuts surplus bytes after Content-Length', () => {
    const bytes = Buffer.concat([wire('OPTIONS sip:h SIP/2.0', ['Call-ID: c', 'Content-Length: 5'], 'hello'), Buffer.from('JUNK\r\n')]);
    const out = parseDatagram(bytes);
    expect(out.kind).toBe('message');
    if (out.kind !== 'message') return;
    expect(out.message.body.toString()).toBe('hello');
    expect(out.consumed).toBe(bytes.length);
  });

  it('reports a body shorter than Content-Length as SIP_BODY_TRUNCATED with the partial request', () => {
    const err = datagramError(wire('INVITE sip:h SIP/2.0', [...BASE_HEADERS, 'Content-Length: 9999'], SDP));
    expect(err.code).toBe('SIP_BODY_TRUNCATED');
    expect(err.partial?.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(err.partial?.topVia?.params.get('branch')).toBe('z9hG4bK776asdhds');
  });

  it('takes the rest of the datagram as the body when Content-Length is absent', () => {
    const m = parseMessage(wire('INVITE sip:h SIP/2.0', ['Call-ID: c'], SDP));
    expect(m.body.toString()).toBe(SDP);
    const empty = parseMessage(wire('OPTIONS sip:h SIP/2.0', ['Call-ID: c']));
    expect(empty.body.length).toBe(0);
  });

  it('skips leading CRLFs and treats a datagram of CRLFs as a keep-alive', () => {
    const m = parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), inviteBytes()]));
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(parseDatagram(Buffer.from('\r\n\r\n'))).toEqual({ kind: 'keepalive', consumed: 4 });
    expect(parseDatagram(Buffer.alloc(0)).kind).toBe('keepalive');
  });

  it('refuses negative, malformed and conflicting Content-Length', () => {
    for (const cl of ['-999', 'abc', '1 2', '', '12345678901']) {
      const err = datagramError(wire('OPTIONS sip:h SIP/2.0', ['Call-ID: c', `Content-Length: ${cl}`]));
      expect(err.code, cl).toBe('SIP_BAD_CONTENT_LENGTH');
      expect(err.partial?.callId).toBe('c');
    }
    const conflict = datagramError(wire('OPTIONS sip:h SIP/2.0', ['Content-Length: 3', 'l: 5'], 'hello'));
    expect(conflict.code).toBe('SIP_BAD_CONTENT_LENGTH');
    // the same value twice is not a conflict
    expect(parseMessage(wire('OPTIONS sip:h SIP/2.0', ['Content-Length: 5', 'l:  5'], 'hello')).body.toString()).toBe('hello');
  });

  it('enforces header and body size limits', () => {
    const big = wire('OPTIONS sip:h SIP/2.0', ['X-Big: ' + 'a'.repeat(DEFAULT_LIMITS.maxHeaderBytes)]);
    expect(datagramError(big).code).toBe('SIP_MESSAGE_TOO_LARGE');
    const body = wire('OPTIONS sip:h SIP/2.0', ['Content-Length: 10'], '0123456789');
    const out = parseDatagram(body, { maxHeaderBytes: 1000, maxBodyBytes: 9 });
    expect(out.kind === 'error' && out.code).toBe('SIP_MESSAGE_TOO_LARGE');
  });

  it('parses a message without the final blank line as headers only', () => {
    const m = parseMessage('OPTIONS sip:h SIP/2.0\r\nCall-ID: c\r\n');
    expect(m.callId).toBe('c');
    expect(m.body.length).toBe(0);
  });
});

describe('stream framing (TCP, TLS)', () => {
  it('frames two messages in one buffer by Content-Length', () => {
    const first = inviteBytes();
    const second = wire('BYE sip:alice@pc33.atlanta.example.com SIP/2.0', ['Call-ID: second', 'Content-Length: 0']);
    const buf = Buffer.concat([first, second]);
    const a = parseStream(buf);
    expect(a.kind).toBe('message');
    if (a.kind !== 'message') return;
    expect(a.consumed).toBe(first.length);
    expect(a.message.body.toString()).toBe(SDP);
    const b = parseStream(buf.subarray(a.consumed));
    expect(b.kind).toBe('message');
    if (b.kind !== 'message') return;
    expect((b.message as SipRequest).method).toBe('BYE');
    expect(b.consumed).toBe(second.length);
  });

  it('is incomplete for every proper prefix of a message and complete for the whole', () => {
    const body = Buffer.concat([Buffer.from('\r\n\r\nbinary:'), Buffer.from([0, 1, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0x80])]);
    const full = inviteBytes([], body);
    for (let i = 0; i < full.length; i++) {
      const out = parseStream(full.subarray(0, i));
      if (out.kind !== 'incomplete') throw new Error(`prefix of ${i} bytes gave ${describeOutcome(out)}`);
    }
    const out = parseStream(full);
    expect(out.kind).toBe('message');
    if (out.kind !== 'message') return;
    expect(out.consumed).toBe(full.length);
    expect(out.message.body.equals(body)).toBe(true);
  });

  it('reassembles messages split at every byte offset', () => {
    const one = inviteBytes();
    const two = wire('ACK sip:bob@biloxi.example.com SIP/2.0', ['Call-ID: two', 'CSeq: 314159 ACK', 'Content-Length: 3'], 'xyz');
    const all = Buffer.concat([one, Buffer.from('\r\n\r\n'), two]);
    for (let cut = 1; cut < all.length; cut++) {
      const feeder = new StreamFeeder();
      feeder.push(all.subarray(0, cut));
      feeder.push(all.subarray(cut));
      expect(feeder.error).toBeUndefined();
      expect(feeder.messages.map((m) => m.callId)).toEqual(['a84b4c76e66710@pc33.atlanta.example.com', 'two']);
      expect(feeder.messages[1]?.body.toString()).toBe('xyz');
      expect(feeder.buffer.length).toBe(0);
    }
  });

  it('reassembles a message fed one byte at a time', () => {
    const all = inviteBytes();
    const feeder = new StreamFeeder();
    for (let i = 0; i < all.length; i++) feeder.push(all.subarray(i, i + 1));
    expect(feeder.messages).toHaveLength(1);
    expect(feeder.messages[0]?.body.toString()).toBe(SDP);
  });

  it('requires Content-Length on a stream', () => {
    const out = parseStream(wire('OPTIONS sip:h SIP/2.0', ['Call-ID: no-length']));
    expect(out.kind).toBe('error');
    if (out.kind !== 'error') return;
    expect(out.code).toBe('SIP_BAD_CONTENT_LENGTH');
    expect(out.fatal).toBe(true);
    expect(out.partial?.callId).toBe('no-length');
  });

  it('consumes CRLF keep-alives (RFC 5626 ping and pong)', () => {
    expect(parseStream(Buffer.from('\r\n\r\n'))).toEqual({ kind: 'keepalive', consumed: 4 });
    expect(parseStream(Buffer.from('\r\n'))).toEqual({ kind: 'keepalive', consumed: 2 });
    const buf = Buffer.concat([Buffer.from('\r\n\r\n'), inviteBytes()]);
    const first = parseStream(buf);
    expect(first).toEqual({ kind: 'keepalive', consumed: 4 });
    expect(parseStream(buf.subarray(4)).kind).toBe('message');
    expect(parseStream(Buffer.alloc(0)).kind).toBe('incomplete');
  });

  it('waits for a body that has not all arrived (clerr over TCP)', () => {
    expect(parseStream(wire('INVITE sip:h SIP/2.0', ['Call-ID: c', 'Content-Length: 9999'], SDP)).kind).toBe('incomplete');
  });

  it('enforces the header limit however the bytes arrive', () => {
    const big = wire('OPTIONS sip:h SIP/2.0', ['X-Big: ' + 'a'.repeat(2000), 'Content-Length: 0']);
    const limits = { maxHeaderBytes: 1000, maxBodyBytes: 1000 };
    // in one read (header end present) and in pieces (no header end yet)
    const whole = parseStream(big, limits);
    expect(whole.kind === 'error' && whole.code).toBe('SIP_MESSAGE_TOO_LARGE');
    const prefix = parseStream(big.subarray(0, 1500), limits);
    expect(prefix.kind === 'error' && prefix.code).toBe('SIP_MESSAGE_TOO_LARGE');
    const body = parseStream(wire('OPTIONS sip:h SIP/2.0', ['Content-Length: 2000']), limits);
    expect(body.kind === 'error' && body.code).toBe('SIP_MESSAGE_TOO_LARGE');
  });
});

describe('bodies', () => {
  it('carries every byte value, including NUL, bare CR/LF and CRLFCRLF, unchanged', () => {
    const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n\r\n\n\n\r')]);
    const m = new SipRequest('MESSAGE', 'sip:bob@b.example.com');
    m.append('Call-ID', 'bin').append('Content-Type', 'application/octet-stream');
    m.body = body;
    const bytes = serialize(m);
    expect(bytes.toString('latin1')).toContain(`Content-Length: ${body.length}\r\n\r\n`);
    const viaUdp = parseMessage(bytes);
    expect(viaUdp.body.equals(body)).toBe(true);
    const viaTcp = parseStream(bytes);
    expect(viaTcp.kind === 'message' && viaTcp.message.body.equals(body)).toBe(true);
  });

  it('counts Content-Length in bytes, not characters', () => {
    const m = new SipResponse(200, 'OK');
    m.append('Content-Type', 'text/plain;charset=utf-8');
    m.body = Buffer.from('\u043f\u0440\u0438\u0432\u0435\u0442 \u{1f600}', 'utf8');
    const bytes = serialize(m);
    expect(bytes.toString()).toContain(`Content-Length: ${m.body.length}\r\n`);
    expect(parseResponse(bytes).body.toString('utf8')).toBe('\u043f\u0440\u0438\u0432\u0435\u0442 \u{1f600}');
  });

  it('ignores any Content-Length header in the model and writes the real length', () => {
    const m = new SipRequest('INFO', 'sip:h');
    m.append('Content-Length', '999').append('l', '3');
    m.body = Buffer.from('ab');
    const text = serialize(m).toString();
    expect(text.match(/Content-Length/g)).toHaveLength(1);
    expect(text.endsWith('Content-Length: 2\r\n\r\nab')).toBe(true);
  });

  it('keeps multipart bodies as opaque bytes', () => {
    const body = Buffer.concat([
      Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n'),
      Buffer.from([0x30, 0x82, 0x01, 0x52, 0x0d, 0x0a, 0x0a, 0x0d, 0x00, 0xff]),
      Buffer.from('\r\n--b--\r\n'),
    ]);
    const m = parseMessage(inviteBytes(['MIME-Version: 1.0'], body));
    expect(m.body.equals(body)).toBe(true);
    expect(serialize(m).toString()).toContain('MIME-Version: 1.0\r\n');
  });
});

describe('responses', () => {
  const RESPONSE_HEADERS = ['Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'CSeq: 35 INVITE', 'Content-Length: 0'];

  it('accepts an empty reason phrase', () => {
    const r = parseResponse(wire('SIP/2.0 100 ', RESPONSE_HEADERS));
    expect(r.status).toBe(100);
    expect(r.reason).toBe('');
    expect(serialize(r).toString().startsWith('SIP/2.0 100 \r\n')).toBe(true);
  });

  it('accepts UTF-8 and odd characters in the reason phrase', () => {
    for (const reason of ['OK', 'Moved =*= \u041f\u0435\u0440\u0435\u043c\u0435\u0449\u0435\u043d', 'line\u2028sep', '  spaced  ']) {
      const r = parseResponse(wire(`SIP/2.0 200 ${reason}`, RESPONSE_HEADERS));
      expect(r.reason).toBe(reason);
      expect(r.cseq).toEqual({ seq: 35, method: 'INVITE' });
    }
  });

  it('refuses status codes out of range or not three digits', () => {
    for (const status of ['099', '700', '999', '4294967301', '20', '2OO']) {
      expect(datagramError(wire(`SIP/2.0 ${status} Weird`, RESPONSE_HEADERS)).code, status).toBe('SIP_BAD_START_LINE');
    }
    expect(parseResponse(wire('SIP/2.0 699 Max', RESPONSE_HEADERS)).status).toBe(699);
  });

  it('refuses other SIP versions', () => {
    const err = datagramError(wire('SIP/3.0 200 OK', RESPONSE_HEADERS));
    expect(err.code).toBe('SIP_BAD_VERSION');
    expect(err.partial).toBeUndefined();
  });

  it('round-trips a response', () => {
    const r = new SipResponse(486, 'Busy Here');
    r.append('Via', 'SIP/2.0/UDP h;branch=z9hG4bK1').append('To', '<sip:b@c>;tag=9');
    const again = parseResponse(serialize(r));
    expect(again.status).toBe(486);
    expect(again.reason).toBe('Busy Here');
    expect(again.toTag).toBe('9');
    expect(again.isRequest).toBe(false);
  });
});

describe('request line', () => {
  it('answers a different SIP version with SIP_BAD_VERSION and the partial request', () => {
    const err = datagramError(wire('OPTIONS sip:t.watson@example.org SIP/7.0', ['Via: SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw', 'Call-ID: badvers.x', 'CSeq: 8 OPTIONS']));
    expect(err.code).toBe('SIP_BAD_VERSION');
    expect(err.partial?.method).toBe('OPTIONS');
    expect(err.partial?.callId).toBe('badvers.x');
    expect(createResponse(err.partial!, 505).get('call-id')).toBe('badvers.x');
  });

  it('accepts the version token in any case', () => {
    expect(parseRequest(wire('OPTIONS sip:h sip/2.0', ['Call-ID: c'])).method).toBe('OPTIONS');
  });

  it('refuses malformed Request-Lines', () => {
    for (const line of [
      'INVITE <sip:user@example.com> SIP/2.0',
      'INVITE sip:user@example.com; lr SIP/2.0',
      'INVITE  sip:user@example.com  SIP/2.0',
      'INVITE sip:user@example.com SIP/2.0 ',
      'INVITE sip:user@example.com',
      'INV(ITE sip:user@example.com SIP/2.0',
      'INVITE sip:user@example.com HTTP/1.1',
      'SIP/2.0',
      '',
    ]) {
      expect(datagramError(wire(line, ['Call-ID: c'])).code, JSON.stringify(line)).toBe('SIP_BAD_START_LINE');
    }
  });

  it('keeps % in method tokens literal', () => {
    const m = parseRequest(wire('RE%47IST%45R sip:registrar.example.com SIP/2.0', ['CSeq: 1 RE%47IST%45R', 'C%6Fntact: <sip:x@y>']));
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.cseq?.method).toBe('RE%47IST%45R');
    expect(m.has('contact')).toBe(false);
    expect(m.get('c%6fntact')).toBe('<sip:x@y>');
  });
});

describe('createResponse', () => {
  function request(): SipRequest {
    return parseRequest(
      wire('INVITE sip:bob@biloxi.example.com SIP/2.0', [
        'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2',
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1',
        'Record-Route: <sip:p1.example.com;lr>',
        'Max-Forwards: 70',
        'To: Bob <sip:bob@biloxi.example.com>',
        'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
        'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
        'CSeq: 314159 INVITE',
        'Contact: <sip:alice@pc33.atlanta.example.com>',
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(SDP)}`,
      ], SDP),
    );
  }

  it('copies Via (all, in order), From, To, Call-ID and CSeq and nothing else', () => {
    const req = request();
    const res = createResponse(req, 486);
    expect(res.status).toBe(486);
    expect(res.reason).toBe('Busy Here');
    expect(res.headers.map((h) => h.name)).toEqual(['via', 'via', 'to', 'from', 'call-id', 'cseq']);
    expect(res.getAll('via')).toEqual(req.getAll('via'));
    expect(res.get('from')).toBe(req.get('from'));
    expect(res.get('to')).toBe('Bob <sip:bob@biloxi.example.com>');
    expect(res.callId).toBe(req.callId);
    expect(res.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(res.body.length).toBe(0);
    // copies, not shared objects
    res.headers[0]!.value = 'changed';
    expect(req.headers[0]!.value).not.toBe('changed');
  });

  it('adds the To-tag only when the To has none', () => {
    const req = request();
    expect(createResponse(req, 180, undefined, 'as83kd9bs').toTag).toBe('as83kd9bs');
    expect(createResponse(req, 180, undefined, 'as83kd9bs').get('to')).toBe('Bob <sip:bob@biloxi.example.com>;tag=as83kd9bs');
    req.set('to', 'Bob <sip:bob@biloxi.example.com> ; TAG = existing');
    expect(createResponse(req, 200, undefined, 'new').toTag).toBe('existing');
    expect(createResponse(req, 200, undefined, 'new').get('to')).toBe('Bob <sip:bob@biloxi.example.com> ; TAG = existing');
  });

  it('adds no To-tag to 100 Trying or when no tag is given', () => {
    const req = request();
    expect(createResponse(req, 100, undefined, 'x').toTag).toBeUndefined();
    expect(createResponse(req, 200).toTag).toBeUndefined();
  });

  it('is not fooled by ";tag=" inside the display name or the URI', () => {
    const req = request();
    req.set('to', '"Bob;tag=x" <sip:bob@biloxi.example.com;tag=uri>');
    const res = createResponse(req, 200, undefined, 'real');
    expect(res.toTag).toBe('real');
    expect(res.to?.displayName).toBe('Bob;tag=x');
  });

  it('copies Record-Route into 1xx/2xx only', () => {
    const req = request();
    expect(createResponse(req, 180).getAll('record-route')).toEqual(['<sip:p1.example.com;lr>']);
    expect(createResponse(req, 200).has('record-route')).toBe(true);
    expect(createResponse(req, 100).has('record-route')).toBe(false);
    expect(createResponse(req, 404).has('record-route')).toBe(false);
  });

  it('uses the given reason, the standard one or "Unknown"', () => {
    const req = request();
    expect(createResponse(req, 503, 'Service Unavailable (overload)').reason).toBe('Service Unavailable (overload)');
    expect(createResponse(req, 200).reason).toBe(REASONS[200]);
    expect(createResponse(req, 599).reason).toBe('Unknown');
  });

  it('answers a request whose headers do not parse by copying them raw', () => {
    const req = parseRequest(wire('INVITE sip:h SIP/2.0', ['Via: junk', 'From: "unterminated <sip:a@b>', 'To: bad', 'Call-ID: c', 'CSeq: x']));
    const res = createResponse(req, 400, 'Bad Request', 'tag1');
    expect(res.get('from')).toBe('"unterminated <sip:a@b>');
    expect(res.get('to')).toBe('bad;tag=tag1');
    expect(parseResponse(serialize(res)).status).toBe(400);
  });
});

describe('URI parsing', () => {
  it('reads a full SIP URI', () => {
    const u = parseUri('sips:alice:secret@Atlanta.Example.com:5061;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    expect(u).toEqual({
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'Atlanta.Example.com',
      port: 5061,
      params: new Map([
        ['transport', 'TCP'],
        ['lr', null],
        ['maddr', '239.255.255.1'],
      ]),
      headers: 'subject=project%20x&priority=urgent',
    });
  });

  it('lets the user part hold ; and ? (RFC 3261 user-unreserved)', () => {
    const u = parseUri('sip:user;par=u%40example.net@example.com')!;
    expect(u.user).toBe('user;par=u%40example.net');
    expect(u.host).toBe('example.com');
    expect(u.params.size).toBe(0);
    const q = parseUri('sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn\'t-it)@example.com')!;
    expect(q.user).toBe('1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*');
    expect(q.password).toBe('&it+has=1,weird!*pas$wo~d_too.(doesn\'t-it)');
    expect(q.host).toBe('example.com');
  });

  it('keeps escapes as written', () => {
    const u = parseUri('sip:sips%3Auser%40example.com@example.net;n%61me=v%61lue%25%34%31')!;
    expect(u.user).toBe('sips%3Auser%40example.com');
    expect(u.host).toBe('example.net');
    expect(u.params.get('n%61me')).toBe('v%61lue%25%34%31');
    expect(parseUri('sip:null-%00-null@example.com')?.user).toBe('null-%00-null');
    expect(parseUri('sip:bad%zz@example.com')).toBeUndefined();
    expect(parseUri('sip:bad%4@example.com')).toBeUndefined();
  });

  it('accepts ports 1 to 65535 only (port 0 reaches nobody)', () => {
    expect(parseUri('sip:h:0')).toBeUndefined();
    expect(parseUri('sip:h:1')?.port).toBe(1);
    expect(parseUri('sip:h:65535')?.port).toBe(65535);
    expect(parseUri('sip:[::1]:65535')?.port).toBe(65535);
    for (const bad of ['sip:h:65536', 'sip:h:99999', 'sip:h:123456', 'sip:[::1]:70000', 'sip:h:', 'sip:h:-1', 'sip:h:5o60'])
      expect(parseUri(bad), bad).toBeUndefined();
    expect(parseHostPort('example.com:5060')).toEqual({ host: 'example.com', port: 5060 });
    expect(parseHostPort('[2001:db8::1]')).toEqual({ host: '[2001:db8::1]' });
    expect(parseHostPort('[2001:db8::1]5060')).toBeUndefined();
    expect(parseHostPort('-bad.example.com')).toBeUndefined();
  });

  it('lower-cases the scheme and keeps other schemes opaque', () => {
    expect(parseUri('SIP:Alice@Example.COM')).toMatchObject({ scheme: 'sip', user: 'Alice', host: 'Example.COM' });
    expect(parseUri('tel:+1-201-555-0123')).toMatchObject({ scheme: 'tel', opaque: '+1-201-555-0123', host: '' });
    expect(parseUri('nobodyKnowsThisScheme:totallyopaquecontent')).toMatchObject({ scheme: 'nobodyknowsthisscheme', opaque: 'totallyopaquecontent' });
    expect(parseUri('soap.beep://192.0.2.103:3002')).toMatchObject({ scheme: 'soap.beep', opaque: '//192.0.2.103:3002' });
  });

  it('refuses malformed URIs without throwing', () => {
    for (const bad of ['', ':', 'sip', 'sip:', 'sip:@h', 'sip:a@', 'sip:a b@h', 'sip:h;', 'sip:h;=x', 'sip:h;a=', 'sip:h;a=b c', 'sip:h?a b', '<sip:h>', '1sip:h', 'tel:', 'tel:a b', 'sip:h@h@h', 'sip:[]'])
      expect(parseUri(bad), JSON.stringify(bad)).toBeUndefined();
  });

  it('formats a parsed URI back to the same text', () => {
    for (const text of ['sip:alice@atlanta.example.com', 'sips:a:b@[2001:db8::1]:5061;transport=tls;lr?x=y', 'sip:h.example.com;maddr=[::1]', 'tel:+15550123'])
      expect(formatUri(parseUri(text)!)).toBe(text);
  });
});

describe('uriEquals (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string): boolean => {
    const ua = parseUri(a);
    const ub = parseUri(b);
    if (ua === undefined || ub === undefined) throw new Error(`unparsable: ${a} / ${b}`);
    const result = uriEquals(ua, ub);
    expect(uriEquals(ub, ua), `symmetry of ${a} / ${b}`).toBe(result);
    return result;
  };

  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
    ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
  ])('RFC example: %s equals %s', (a, b) => {
    expect(eq(a, b)).toBe(true);
  });

  it.each([
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
  ])('RFC example: %s differs from %s', (a, b) => {
    expect(eq(a, b)).toBe(false);
  });

  it('follows the other §19.1.4 rules', () => {
    expect(eq('sip:alice@a.com', 'sips:alice@a.com')).toBe(false); // SIP vs SIPS
    expect(eq('sip:cal%6Cer@host5.example.net', 'sip:caller@host5.example.net')).toBe(true); // %6C is 'l'
    expect(eq('sip:%00@host5.example.com', 'sip:%00%00@host5.example.com')).toBe(false);
    expect(eq('sip:a%3Bb@h.com', 'sip:a;b@h.com')).toBe(false); // ';' is reserved: its escape is not the same
    expect(eq('sip:a%3bb@h.com', 'sip:a%3Bb@h.com')).toBe(true); // hex case does not matter
    expect(eq('sip:alice:pw@a.com', 'sip:alice@a.com')).toBe(false); // password present in one only
    expect(eq('sip:alice:@a.com', 'sip:alice@a.com')).toBe(false);
    expect(eq('sip:a.com', 'sip:x@a.com')).toBe(false); // user present in one only
    expect(eq('sip:a.com;transport', 'sip:a.com')).toBe(false); // transport present in one only
    expect(eq('sip:a.com;maddr=1.2.3.4', 'sip:a.com;MADDR=1.2.3.4')).toBe(true);
    expect(eq('sip:a.com;ttl=1', 'sip:a.com')).toBe(false);
    expect(eq('sip:a.com;user=phone', 'sip:a.com')).toBe(false);
    expect(eq('sip:a.com;method=INVITE', 'sip:a.com')).toBe(false);
    expect(eq('sip:a.com;foo=1', 'sip:a.com;foo=2')).toBe(false); // other param in both must match
    expect(eq('sip:a.com;foo', 'sip:a.com;foo=1')).toBe(false);
    expect(eq('sip:a.com;lr', 'sip:a.com;LR')).toBe(true);
    expect(eq('sip:a.com?x=1&y=2', 'sip:a.com?y=2')).toBe(false); // every header must appear in both
    expect(eq('sip:[2001:DB8::1]', 'sip:[2001:db8::1]')).toBe(true);
    expect(eq('tel:+1555', 'tel:+1555')).toBe(true);
    expect(eq('tel:+1555', 'tel:+1556')).toBe(false);
  });
});

describe('validateRequest', () => {
  it('accepts a well-formed request', () => {
    expect(validateRequest(baseRequest())).toBeUndefined();
  });

  it.each(['via', 'from', 'to', 'call-id', 'cseq'])('refuses a request missing %s with 400', (name) => {
    const r = baseRequest();
    r.remove(name);
    expect(validateRequest(r)).toMatchObject({ status: 400, code: 'SIP_MISSING_HEADER' });
  });

  it.each([
    ['call-id', 'other@call'],
    ['from', '<sip:eve@e.com>;tag=2'],
    ['to', '<sip:eve@e.com>'],
    ['cseq', '1 INVITE'],
    ['max-forwards', '70'],
    ['content-type', 'text/plain'],
  ])('refuses two %s headers with 400', (name, value) => {
    const r = baseRequest();
    if (!r.has(name)) r.append(name, value);
    r.append(name, value);
    expect(validateRequest(r)).toMatchObject({ status: 400, code: 'SIP_DUPLICATE_HEADER' });
  });

  it('accepts several Via, Contact and Route headers', () => {
    const r = baseRequest();
    r.append('via', 'SIP/2.0/UDP second;branch=z9hG4bK2').append('contact', '<sip:c2@h>').append('route', '<sip:r;lr>').append('route', '<sip:s;lr>');
    expect(validateRequest(r)).toBeUndefined();
  });

  it.each([
    ['call-id', '', 'SIP_BAD_HEADER'],
    ['via', 'SIP/2.0/UDP', 'SIP_BAD_VIA'],
    ['via', 'SIP/2.0/UDP h;branch=z9hG4bK1;;,;,,', 'SIP_BAD_VIA'],
    ['from', '"unterminated <sip:a@b>;tag=1', 'SIP_BAD_FROM'],
    ['to', 'Bell, Alexander <sip:a.g.bell@bell-tel.com>', 'SIP_BAD_TO'],
    ['contact', '<sip:a@b>;;;;', 'SIP_BAD_CONTACT'],
    ['contact', 'sip:user@example.com?Route=%3Csip:sip.example.com%3E', 'SIP_BAD_CONTACT'],
    ['cseq', 'INVITE', 'SIP_BAD_CSEQ'],
    ['cseq', '36893488147419103232 INVITE', 'SIP_BAD_CSEQ'],
    ['cseq', '4294967296 INVITE', 'SIP_BAD_CSEQ'],
    ['cseq', '-1 INVITE', 'SIP_BAD_CSEQ'],
    ['cseq', '1 INVITE extra', 'SIP_BAD_CSEQ'],
    ['cseq', '1 OPTIONS', 'SIP_CSEQ_MISMATCH'],
    ['cseq', '1 invite', 'SIP_CSEQ_MISMATCH'],
    ['max-forwards', 'abc', 'SIP_BAD_HEADER'],
    ['max-forwards', '-1', 'SIP_BAD_HEADER'],
    ['max-forwards', '', 'SIP_BAD_HEADER'],
    ['max-forwards', '7 0', 'SIP_BAD_HEADER'],
  ])('refuses %s: %j with 400 %s', (name, value, code) => {
    const r = baseRequest();
    r.set(name, value);
    expect(validateRequest(r)).toMatchObject({ status: 400, code });
  });

  it('accepts CSeq and Max-Forwards with leading zeros, Max-Forwards absent, 0 or large', () => {
    const r = baseRequest();
    r.set('cseq', '0009 INVITE').set('max-forwards', '0068');
    expect(r.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(validateRequest(r)).toBeUndefined();
    r.set('cseq', '4294967295 INVITE').set('max-forwards', '0');
    expect(validateRequest(r)).toBeUndefined();
    r.remove('max-forwards');
    expect(validateRequest(r)).toBeUndefined();
  });

  it('refuses unknown Request-URI schemes with 416 and accepts sip, sips and tel', () => {
    const r = baseRequest();
    r.uriText = 'nobodyKnowsThisScheme:totallyopaquecontent';
    expect(validateRequest(r)).toMatchObject({ status: 416, code: 'SIP_UNSUPPORTED_URI_SCHEME', reason: 'Unsupported URI Scheme' });
    r.uriText = 'http://example.com/';
    expect(validateRequest(r)?.status).toBe(416);
    for (const ok of ['sips:bob@biloxi.example.com', 'tel:+15550123', 'SIP:bob@biloxi.example.com']) {
      r.uriText = ok;
      expect(validateRequest(r), ok).toBeUndefined();
    }
  });

  it('refuses a malformed Request-URI or one carrying headers with 400', () => {
    const r = baseRequest();
    r.uriText = 'sip:2001:db8::10';
    expect(validateRequest(r)).toMatchObject({ status: 400, code: 'SIP_BAD_REQUEST_URI' });
    r.uriText = 'sip:user@example.com?Route=%3Csip:example.com%3E';
    expect(validateRequest(r)).toMatchObject({ status: 400, code: 'SIP_BAD_REQUEST_URI' });
  });

  it('accepts a wildcard Contact', () => {
    const r = baseRequest();
    r.set('contact', '*');
    expect(validateRequest(r)).toBeUndefined();
  });

  it('puts the detail into the 400 reason phrase', () => {
    const r = baseRequest();
    r.remove('call-id');
    expect(validateRequest(r)?.reason).toMatch(/^Bad Request \(.+\)$/);
  });
});

describe('structured header parsers', () => {
  it('parses CSeq', () => {
    expect(parseCSeq('  0009   INVITE ')).toEqual({ seq: 9, method: 'INVITE' });
    expect(parseCSeq('4294967295 ACK')).toEqual({ seq: 4294967295, method: 'ACK' });
    expect(parseCSeq('4294967296 ACK')).toBeUndefined();
    expect(parseCSeq('1INVITE')).toBeUndefined();
    expect(parseCSeq('')).toBeUndefined();
  });

  it('round-trips Via through format and parse', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx;rport;received=192.0.2.1')!;
    expect(parseVia(formatVia(v))).toEqual(v);
  });
});

describe('malformed input never throws', () => {
  const JUNK = [
    '',
    '\r\n',
    'INVITE',
    'INVITE sip:h SIP/2.0',
    'INVITE sip:h SIP/2.0\r\n\r\n',
    'SIP/2.0',
    'SIP/2.0 200',
    'SIP/2.0 abc OK\r\n\r\n',
    'INVITE sip:h SIP/2.0\r\nVia\r\n\r\n',
    'INVITE sip:h SIP/2.0\r\nVia: \r\nFrom: \r\nTo: \r\nCSeq: \r\nContact: \r\nCall-ID:\r\n\r\n',
    'INVITE sip:h SIP/2.0\r\nVia: ,,,,\r\nContact: ,;,\r\nFrom: <<<>>>\r\nTo: """\r\nCSeq: 1\r\n\r\n',
    'INVITE sip:h SIP/2.0\r\nFrom: "\\\r\nTo: <sip:[::1>\r\nVia: SIP/2.0/UDP [\r\nContact: <sip:h>;q="\r\n\r\n',
    'INVITE \u0000 SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n',
    'INVITE sip:h SIP/2.0\r\nContent-Length: 1e3\r\n\r\n',
    'INVITE sip:h SIP/2.0\r\nl: 0x10\r\n\r\n',
    '\u00ff\u00fe\u0000\u0001',
  ];

  it.each(JUNK.map((s) => [JSON.stringify(s).slice(0, 60), s]))('%s', (_label, text) => {
    const buf = Buffer.from(text, 'latin1');
    for (const out of [parseDatagram(buf), parseStream(buf)]) {
      expect(['message', 'incomplete', 'keepalive', 'error']).toContain(out.kind);
      const m = out.kind === 'message' ? out.message : out.kind === 'error' ? out.partial : undefined;
      if (m === undefined) continue;
      expect(() => {
        void [m.vias, m.topVia, m.from, m.to, m.fromTag, m.toTag, m.cseq, m.contacts, m.callId, m.contentType];
        if (m instanceof SipRequest) {
          void m.uri;
          validateRequest(m);
          serialize(createResponse(m, 400, undefined, 't'));
        }
        serialize(m);
      }).not.toThrow();
    }
  });

  it('handles a Via list with hundreds of thousands of elements', () => {
    const buf = wire('OPTIONS sip:h SIP/2.0', ['Via: ' + ','.repeat(300_000), 'Content-Length: 0']);
    const out = parseDatagram(buf, { maxHeaderBytes: 1_000_000, maxBodyBytes: 1000 });
    expect(out.kind).toBe('message');
    if (out.kind !== 'message') return;
    expect(out.message.vias).toHaveLength(300_001);
    expect(validateRequest(out.message as SipRequest)?.status).toBe(400);
  });
});
