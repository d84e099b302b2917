/**
 * The RFC 4475 / RFC 5118 torture messages (../shared/corpus/sip-torture,
 * outside this repo) through the message layer: the verdict the manifest asks
 * for, the fields its notes single out, and no throw under either framing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  SipRequest,
  SipResponse,
  parseDatagram,
  parseStream,
  parseUri,
  uriEquals,
  validateRequest,
  type ParseOutcome,
  type SipMessage,
} from '../../src/sip/message/index.js';

interface Entry {
  file: string;
  rfc: string;
  section: string;
  name: string;
  expect: 'valid' | 'invalid' | 'valid-parse';
  note: string;
}

const CORPUS = new URL('../../../shared/corpus/sip-torture/', import.meta.url);

function loadManifest(): { entries: Entry[] } | { reason: string } {
  let text: string;
  try {
    text = readFileSync(new URL('manifest.json', CORPUS), 'utf8');
  } catch (err) {
    return { reason: `no torture corpus at ${CORPUS.pathname} (${(err as Error).message})` };
  }
  try {
    const entries = JSON.parse(text) as Entry[];
    if (!Array.isArray(entries) || entries.length === 0) return { reason: 'torture corpus manifest is empty' };
    return { entries };
  } catch (err) {
    return { reason: `torture corpus manifest does not parse (${(err as Error).message})` };
  }
}

const loaded = loadManifest();

function read(file: string): Buffer {
  return readFileSync(new URL(file, CORPUS));
}

/** File name without folder and extension: "rfc4475/wsinv.dat" → "wsinv". */
function shortName(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.dat$/, '');
}

function describeOutcome(o: ParseOutcome): string {
  return o.kind === 'error' ? `error ${o.code} (${o.reason})` : o.kind;
}

function datagramMessage(buf: Buffer): SipMessage {
  const out = parseDatagram(buf);
  if (out.kind !== 'message') throw new Error(`expected a message, got ${describeOutcome(out)}`);
  return out.message;
}

function datagramRequest(buf: Buffer): SipRequest {
  const m = datagramMessage(buf);
  if (!(m instanceof SipRequest)) throw new Error('expected a request');
  return m;
}

function datagramResponse(buf: Buffer): SipResponse {
  const m = datagramMessage(buf);
  if (!(m instanceof SipResponse)) throw new Error('expected a response');
  return m;
}

/** Everything parseStream yields for the bytes fed in chunks of `chunk` bytes (Infinity: all at once). */
function streamAll(buf: Buffer, chunk: number): { messages: SipMessage[]; outcomes: ParseOutcome[]; rest: Buffer } {
  let buffer = Buffer.alloc(0);
  const messages: SipMessage[] = [];
  const outcomes: ParseOutcome[] = [];
  const step = Number.isFinite(chunk) ? chunk : buf.length || 1;
  for (let off = 0; off < buf.length; off += step) {
    buffer = Buffer.concat([buffer, buf.subarray(off, off + step)]);
    while (buffer.length > 0) {
      const out = parseStream(buffer);
      outcomes.push(out);
      if (out.kind === 'incomplete') break;
      if (out.kind === 'error') return { messages, outcomes, rest: buffer };
      if (out.kind === 'message') messages.push(out.message);
      buffer = buffer.subarray(out.consumed);
    }
  }
  return { messages, outcomes, rest: buffer };
}

function hosts(m: SipMessage): (string | undefined)[] {
  return m.vias.map((v) => v?.host);
}

/**
 * What the server does with an invalid message, per the manifest note:
 * `parse` = a parse error with this code; a number = the request is refused
 * with that status by validateRequest; `drop-response` = a response that is a
 * parse error or whose CSeq does not parse; `accept` = let through.
 */
type Verdict = { parse: string } | { refuse: number; code?: string } | 'drop-response' | 'accept';

const INVALID: Record<string, Verdict> = {
  badinv01: { refuse: 400, code: 'SIP_BAD_VIA' },
  clerr: { parse: 'SIP_BODY_TRUNCATED' },
  ncl: { parse: 'SIP_BAD_CONTENT_LENGTH' },
  scalar02: { refuse: 400, code: 'SIP_BAD_CSEQ' },
  scalarlg: 'drop-response',
  quotbal: { refuse: 400, code: 'SIP_BAD_TO' },
  ltgtruri: { parse: 'SIP_BAD_START_LINE' },
  lwsruri: { parse: 'SIP_BAD_START_LINE' },
  lwsstart: { parse: 'SIP_BAD_START_LINE' },
  trws: { parse: 'SIP_BAD_START_LINE' },
  escruri: { refuse: 400, code: 'SIP_BAD_REQUEST_URI' },
  baddate: 'accept', // the note allows ignoring a bad Date
  regbadct: { refuse: 400, code: 'SIP_BAD_CONTACT' },
  badaspec: { refuse: 400, code: 'SIP_BAD_TO' },
  baddn: { refuse: 400 },
  badvers: { parse: 'SIP_BAD_VERSION' },
  mismatch01: { refuse: 400, code: 'SIP_CSEQ_MISMATCH' },
  mismatch02: { refuse: 400, code: 'SIP_CSEQ_MISMATCH' },
  bigcode: 'drop-response',
  'ipv6-bad': { refuse: 400 },
  'ipv6-bug-abnf-3-colons': { refuse: 400 },
};

/** The parse/validation outcome the notes require for valid-parse messages (default: parses and validates). */
const VALID_PARSE: Record<string, Verdict> = {
  insuf: { refuse: 400, code: 'SIP_MISSING_HEADER' },
  unkscm: { refuse: 416, code: 'SIP_UNSUPPORTED_URI_SCHEME' },
  novelsc: { refuse: 416, code: 'SIP_UNSUPPORTED_URI_SCHEME' },
  multi01: { refuse: 400, code: 'SIP_DUPLICATE_HEADER' },
  mcl01: { parse: 'SIP_BAD_CONTENT_LENGTH' },
};

function checkVerdict(buf: Buffer, verdict: Verdict): void {
  const out = parseDatagram(buf);
  if (verdict === 'accept') {
    const req = datagramRequest(buf);
    expect(validateRequest(req)).toBeUndefined();
  } else if (verdict === 'drop-response') {
    if (out.kind === 'error') {
      expect(out.partial).toBeUndefined();
      return;
    }
    expect(out.kind).toBe('message');
    if (out.kind !== 'message') return;
    expect(out.message).toBeInstanceOf(SipResponse);
    expect(out.message.cseq).toBeUndefined();
  } else if ('parse' in verdict) {
    expect(describeOutcome(out)).toMatch(new RegExp(`^error ${verdict.parse} `));
  } else {
    expect(out.kind, describeOutcome(out)).toBe('message');
    if (out.kind !== 'message') return;
    expect(out.message).toBeInstanceOf(SipRequest);
    const refusal = validateRequest(out.message as SipRequest);
    expect(refusal?.status).toBe(verdict.refuse);
    if (verdict.code !== undefined) expect(refusal?.code).toBe(verdict.code);
  }
}

/** Field checks where a manifest note says what matters. */
const FIELDS: Record<string, (buf: Buffer) => void> = {
  wsinv(buf) {
    const m = datagramRequest(buf);
    expect(m.uri?.params.has('unknownparam')).toBe(true);
    expect(Number(m.get('max-forwards'))).toBe(68);
    expect(m.get('max-forwards')).toBe('0068');
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.from?.displayName).toBe('J Rosenberg \\"');
    expect(m.fromTag).toBe('98asjd8');
    expect(m.toTag).toBe('1918181833n');
    expect(m.vias.map((v) => [v?.transport, v?.host, v?.params.get('branch')])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    const contact = m.contacts[0];
    expect(contact?.displayName).toBe('Quoted string ""');
    expect(contact?.params.get('newparam')).toBe('newvalue');
    expect(contact?.params.get('q')).toBe('0.33');
    expect(m.get('subject')).toBe('');
    expect(m.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(m.body.length).toBe(150);
  },
  intmeth(buf) {
    const m = datagramRequest(buf);
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    expect(m.method).toBe(method);
    expect(m.cseq).toEqual({ seq: 139122385, method });
    expect(m.uri?.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(m.uri?.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(m.to?.displayName).toBe('BEL:\u0007 NUL:\u0000 DEL:\u007f');
    expect(m.fromTag).toBe("_token~1'+`*%!-.");
    expect(m.from?.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(m.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    // UTF-8 with its BOM, whole
    expect(m.get("extensionHeader-!.%*+_`'~")).toBe('\ufeff\u5927\u505c\u96fb');
  },
  esc01(buf) {
    const m = datagramRequest(buf);
    expect(m.uri).toMatchObject({ user: 'sips%3Auser%40example.com', host: 'example.net' });
    expect(uriEquals(m.to!.uri, parseUri('sip:user@example.com')!)).toBe(true);
    expect(m.from?.uri.user).toBe('I%20have%20spaces');
    const c = m.contacts[0]!.uri;
    expect(uriEquals(c, parseUri('sip:caller@host5.example.net;lr;name=value%25%34%31')!)).toBe(true);
    expect(c.params.get('n%61me')).toBe('v%61lue%25%34%31');
  },
  escnull(buf) {
    const m = datagramRequest(buf);
    expect(m.to?.uri.user).toBe('null-%00-null');
    const [a, b] = m.contacts;
    expect(a?.uri.user).toBe('%00');
    expect(b?.uri.user).toBe('%00%00');
    expect(uriEquals(a!.uri, b!.uri)).toBe(false);
  },
  esc02(buf) {
    const m = datagramRequest(buf);
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.cseq?.method).toBe('RE%47IST%45R');
    expect(m.from?.displayName).toBe('%Z%45');
    expect(m.topVia?.params.get('branch')).toBe('z9hG4bK209%fzsnel234');
    expect(m.contacts.map((c) => c?.uri.host)).toEqual(['host1.example.com', 'host3.example.com']);
    expect(m.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  },
  lwsdisp(buf) {
    expect(datagramRequest(buf).from?.displayName).toBe('caller');
  },
  longreq(buf) {
    const m = datagramRequest(buf);
    const expected = [...Array.from({ length: 33 }, (_, i) => `sip${33 - i}.example.com`), 'host.example.com'];
    expect(hosts(m)).toEqual(expected);
    expect(m.vias).toHaveLength(34);
    expect(m.topVia?.transport).toBe('TCP');
    expect(m.vias[33]?.params.get('received')).toBe('192.0.2.5');
    expect(m.vias[33]?.params.get('branch')?.length).toBeGreaterThan(100);
    expect(m.to?.displayName).toMatch(/^I have a user name of (extreme){10} proportion$/);
    expect(m.to?.uri.port).toBe(6000);
    expect(m.callId.length).toBeGreaterThan(100);
    expect(m.fromTag?.length).toBeGreaterThan(100);
    expect(m.body.length).toBe(150);
  },
  dblreq(buf) {
    const m = datagramRequest(buf);
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
    for (const chunk of [Infinity, 7]) {
      const { messages, rest } = streamAll(buf, chunk);
      expect(messages.map((x) => (x as SipRequest).method)).toEqual(['REGISTER', 'INVITE']);
      expect(messages[1]?.body.length).toBe(150);
      expect(validateRequest(messages[1] as SipRequest)).toBeUndefined();
      // the file's INVITE body runs a few bytes past its Content-Length: they stay as junk, awaiting more
      expect(rest.length).toBeLessThan(10);
    }
  },
  semiuri(buf) {
    const m = datagramRequest(buf);
    expect(m.uri).toMatchObject({ user: 'user;par=u%40example.net', host: 'example.com' });
    expect(m.uri?.params.size).toBe(0);
    expect(m.getAll('accept')).toEqual([
      'application/sdp',
      'application/pkcs7-mime',
      'multipart/mixed',
      'multipart/signed',
      'message/sip',
      'message/sipfrag',
    ]);
  },
  transports(buf) {
    const m = datagramRequest(buf);
    expect(m.vias.map((v) => v?.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
    expect(m.callId).toBe('transports.kijh4akdnaqjkwendsasfdj');
  },
  mpart01(buf) {
    const m = datagramRequest(buf);
    expect(m.body.length).toBe(553);
    expect(m.body.equals(buf.subarray(buf.length - 553))).toBe(true);
    expect(m.contentType).toBe('multipart/mixed;boundary=7a9cbec02ceef655');
    const { messages } = streamAll(buf, 7);
    expect(messages[0]?.body.equals(m.body)).toBe(true);
  },
  unreason(buf) {
    const r = datagramResponse(buf);
    expect(r.status).toBe(200);
    expect(r.reason).toBe('= 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435');
    expect(r.body.length).toBe(154);
  },
  noreason(buf) {
    const r = datagramResponse(buf);
    expect(r.status).toBe(100);
    expect(r.reason).toBe('');
  },
  clerr(buf) {
    const err = parseDatagram(buf);
    expect(err.kind === 'error' && err.partial?.method).toBe('INVITE'); // enough to answer 400
    expect(parseStream(buf).kind).toBe('incomplete'); // over TCP: wait, then close
  },
  ncl(buf) {
    const out = parseStream(buf);
    expect(out.kind === 'error' && out.fatal).toBe(true);
  },
  badvers(buf) {
    const out = parseDatagram(buf);
    expect(out.kind).toBe('error');
    if (out.kind !== 'error') return;
    expect(out.partial?.method).toBe('OPTIONS');
    expect(out.partial?.callId.length).toBeGreaterThan(0);
    expect(out.partial?.topVia).toBeDefined();
  },
  escruri(buf) {
    const m = datagramRequest(buf);
    expect(m.uri?.headers).toBe('Route=%3Csip:example.com%3E');
    expect(m.has('route')).toBe(false); // never turned into a real Route header
  },
  badbranch(buf) {
    const m = datagramRequest(buf);
    expect(m.topVia?.params.get('branch')).toBe('z9hG4bK');
    expect(m.get('content-length')).toBe('0');
  },
  insuf(buf) {
    const m = datagramRequest(buf);
    expect(m.callId).toBe('');
    expect(m.from).toBeUndefined();
    expect(m.to).toBeUndefined();
  },
  unkscm(buf) {
    expect(datagramRequest(buf).uri).toMatchObject({ scheme: 'nobodyknowsthisscheme', opaque: 'totallyopaquecontent' });
  },
  novelsc(buf) {
    expect(datagramRequest(buf).uri?.scheme).toBe('soap.beep');
  },
  unksm2(buf) {
    const m = datagramRequest(buf);
    expect(m.to?.uri.scheme).toBe('isbn');
    expect(m.from?.uri.scheme).toBe('http');
    expect(m.contacts[0]?.uri.scheme).toBe('name');
  },
  bext01(buf) {
    const m = datagramRequest(buf);
    expect(m.getAll('require')).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
    expect(m.getAll('proxy-require')).toEqual(['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  },
  invut(buf) {
    expect(datagramRequest(buf).contentType).toBe('application/unknownformat');
  },
  regaut01(buf) {
    const m = datagramRequest(buf);
    expect(m.get('authorization')).toMatch(/^NoOneKnowsThisScheme /);
    expect(m.get('content-length')).toBe('0');
  },
  multi01(buf) {
    const m = datagramRequest(buf);
    for (const name of ['call-id', 'to', 'from', 'cseq', 'max-forwards']) expect(m.count(name), name).toBe(2);
  },
  bcast(buf) {
    const r = datagramResponse(buf);
    expect(r.vias[1]?.host).toBe('255.255.255.255');
  },
  zeromf(buf) {
    expect(datagramRequest(buf).get('max-forwards')).toBe('0');
  },
  cparam01(buf) {
    const c = datagramRequest(buf).contacts[0]!;
    expect(c.uri.params.size).toBe(0);
    expect(c.params.has('unknownparam')).toBe(true);
  },
  cparam02(buf) {
    const c = datagramRequest(buf).contacts[0]!;
    expect(c.uri.params.has('unknownparam')).toBe(true);
    expect(c.params.size).toBe(0);
  },
  regescrt(buf) {
    const m = datagramRequest(buf);
    expect(m.contacts[0]?.uri.headers).toBe('Route=%3Csip:sip.example.com%3E');
    expect(m.has('route')).toBe(false);
  },
  sdp01(buf) {
    expect(datagramRequest(buf).get('accept')).toBe('text/nobodyKnowsThis');
  },
  inv2543(buf) {
    const m = datagramRequest(buf);
    expect(m.has('content-length')).toBe(false);
    expect(m.has('max-forwards')).toBe(false);
    expect(m.topVia?.params.has('branch')).toBe(false);
    expect(m.fromTag).toBeUndefined();
    expect(m.body.toString('latin1')).toMatch(/^v=0\r\n[^]*\r\n$/); // runs to the end of the datagram
    const out = parseStream(buf); // no Content-Length on a stream: an error, not a crash
    expect(out.kind === 'error' && out.code).toBe('SIP_BAD_CONTENT_LENGTH');
  },
  'ipv6-good'(buf) {
    const m = datagramRequest(buf);
    expect(m.uri?.host).toBe('[2001:db8::10]');
    expect(m.topVia?.host).toMatch(/^\[2001:db8::/);
    expect(m.contacts[0]?.uri.host).toMatch(/^\[2001:db8::/);
  },
  'ipv6-bad'(buf) {
    expect(datagramRequest(buf).uri).toBeUndefined();
  },
  'port-ambiguous'(buf) {
    const m = datagramRequest(buf);
    expect(m.uri?.host).toBe('[2001:db8::10:5070]');
    expect(m.uri?.port).toBeUndefined();
  },
  'port-unambiguous'(buf) {
    const m = datagramRequest(buf);
    expect(m.uri?.host).toBe('[2001:db8::10]');
    expect(m.uri?.port).toBe(5070);
  },
  'via-received-param-with-delim'(buf) {
    const v = datagramRequest(buf).topVia!;
    expect(v.host).toBe('[2001:db8::9:1]');
    expect(v.params.get('received')).toBe('[2001:db8::9:255]');
    expect(v.params.get('branch')).toBe('z9hG4bKas3-111');
  },
  'via-received-param-no-delim'(buf) {
    const v = datagramRequest(buf).topVia!;
    expect(v.host).toBe('[2001:db8::9:1]');
    expect(v.params.get('received')).toBe('2001:db8::9:255');
    expect(v.params.get('branch')).toBe('z9hG4bKas3');
  },
  'ipv6-in-sdp'(buf) {
    checkShortContentLength(buf, 241, '98/90000\r\n');
  },
  'mult-ip-in-sdp'(buf) {
    checkShortContentLength(buf, 181, '/90000\r\n');
  },
  'ipv4-mapped-ipv6'(buf) {
    checkShortContentLength(buf, 236, '8/90000\r\n');
    const m = datagramRequest(buf);
    expect(m.vias.map((v) => [v?.host, v?.port])).toEqual([
      ['[::ffff:192.0.2.10]', 19823],
      ['[::ffff:192.0.2.2]', undefined],
    ]);
    expect(m.contacts[0]?.uri.host).toBe('[::ffff:192.0.2.2]');
  },
  'mult-ip-in-header'(buf) {
    const m = datagramRequest(buf);
    expect(m.vias.map((v) => [v?.host, v?.port, v?.transport])).toEqual([
      ['[2001:db8::9:1]', 6050, 'UDP'],
      ['192.0.2.1', undefined, 'UDP'],
      ['[2001:db8::9:255]', undefined, 'TCP'],
    ]);
    expect(m.vias[2]?.params.get('received')).toBe('192.0.2.200');
  },
  'ipv6-correct-abnf-2-colons'(buf) {
    expect(datagramRequest(buf).uri?.host).toBe('[2001:db8::192.0.2.1]');
  },
};

/** Content-Length shorter than the body: UDP discards the surplus, TCP leaves it as junk for the next parse. */
function checkShortContentLength(buf: Buffer, length: number, surplus: string): void {
  const m = datagramRequest(buf);
  expect(m.body.length).toBe(length);
  expect(buf.subarray(buf.length - surplus.length).toString('latin1')).toBe(surplus);
  const out = parseStream(buf);
  expect(out.kind).toBe('message');
  if (out.kind !== 'message') return;
  expect(out.consumed).toBe(buf.length - surplus.length);
  expect(out.message.body.equals(m.body)).toBe(true);
}

if ('reason' in loaded) {
  console.warn(`skipping: ${loaded.reason}`);
  describe.skip('SIP torture corpus (RFC 4475, RFC 5118)', () => {
    it('needs ../shared/corpus/sip-torture', () => undefined);
  });
} else {
  const { entries } = loaded;

  describe('SIP torture corpus (RFC 4475, RFC 5118)', () => {
    it('covers every file of the manifest with a verdict', () => {
      expect(entries.length).toBeGreaterThanOrEqual(61);
      for (const e of entries) {
        const name = shortName(e.file);
        if (e.expect === 'invalid') expect(INVALID[name], `no verdict for ${name}`).toBeDefined();
      }
      // every field check refers to a real entry
      const names = new Set(entries.map((e) => shortName(e.file)));
      for (const name of [...Object.keys(FIELDS), ...Object.keys(INVALID), ...Object.keys(VALID_PARSE)])
        expect(names.has(name), name).toBe(true);
    });

    describe.each(entries.map((e) => [`${e.file} (${e.expect}, RFC ${e.rfc} §${e.section})`, e] as const))('%s', (_label, entry) => {
      const name = shortName(entry.file);
      const buf = read(entry.file);

      if (entry.expect === 'valid') {
        it('parses as a datagram and, if a request, validates', () => {
          const m = datagramMessage(buf);
          if (m instanceof SipRequest) expect(validateRequest(m)).toBeUndefined();
          else expect(m.cseq).toBeDefined();
          expect(m.vias.every((v) => v !== undefined)).toBe(true);
        });
      } else if (entry.expect === 'invalid') {
        it(`is refused (${JSON.stringify(INVALID[name])})`, () => {
          checkVerdict(buf, INVALID[name]!);
        });
      } else {
        it(`parses (${JSON.stringify(VALID_PARSE[name] ?? 'and validates')})`, () => {
          const verdict = VALID_PARSE[name];
          if (verdict !== undefined) {
            checkVerdict(buf, verdict);
            return;
          }
          const m = datagramMessage(buf);
          if (m instanceof SipRequest) expect(validateRequest(m)).toBeUndefined();
        });
      }

      const fields = FIELDS[name];
      if (fields !== undefined) it('has the fields the note singles out', () => fields(buf));

      it('never throws through parseStream, fed whole or in 7-byte chunks', () => {
        const whole = streamAll(buf, Infinity);
        const chunked = streamAll(buf, 7);
        for (const out of [...whole.outcomes, ...chunked.outcomes]) expect(['message', 'incomplete', 'keepalive', 'error']).toContain(out.kind);
        // chunking does not change what comes out
        expect(chunked.messages.map((m) => m.headers)).toEqual(whole.messages.map((m) => m.headers));
        expect(chunked.outcomes.at(-1)?.kind).toBe(whole.outcomes.at(-1)?.kind);
        for (const m of whole.messages) {
          void [m.vias, m.from, m.to, m.cseq, m.contacts];
          if (m instanceof SipRequest) validateRequest(m);
        }
      });
    });
  });
}
