/**
 * The SIP torture corpus (RFC 4475 + RFC 5118, ../shared/corpus/sip-torture,
 * outside the repo) thrown at the running server as raw bytes:
 *   (a) UDP, one file = one datagram;
 *   (b) TCP, a fresh connection, the file written whole;
 *   (c) TCP, a fresh connection, the file written 5 bytes at a time.
 * Every answer is read back and its status checked against what the manifest
 * (and the RFC) asks of a UAS; after every message the server must still
 * answer OPTIONS with 200 over UDP and over TCP.
 *
 * Where UDP answers go. The transport layer refuses malformed requests
 * statelessly and answers to the packet's source. Everything else is answered
 * by a server transaction, which sends to the top Via's `received` (stamped
 * with our real address, 127.0.0.1, since the corpus Vias name other hosts)
 * and to the Via's `rport` if any, else its sent-by port, else 5060
 * (src/sip/transaction/matching.ts `responseDestination`, RFC 3261 §18.2.2).
 * So each datagram is sent from a socket bound to <that port> (5060 for most
 * files; 5050, 6050, 19823 for a few) on a loopback address of this run's own
 * (127.x.y.z: the whole 127/8 is loopback on Linux, so a SIP phone or sipp
 * holding 127.0.0.1:5060 is no obstacle); both kinds of answer then come back
 * to the socket we sent from. If no such socket can be bound (another OS, or
 * the port is taken), the file is sent from a free port and an answer that
 * never arrives is reported, not failed; TCP still checks it strictly
 * (answers go back on the connection). UDP retransmissions of a final answer
 * (Timer G) are counted once.
 *
 * Two corpus messages with the same branch, sent-by and method are the same
 * server transaction (RFC 3261 §17.2.3) while it lives: the second would be
 * absorbed as a retransmission. The server runs with short timers (T1 = 20 ms,
 * so transactions live ≤ 64·T1 ≈ 1.3 s) and the test waits that long before
 * reusing a transaction key.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket as TcpSocket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatagram, parseStream, SipRequest, SipResponse, BRANCH_COOKIE } from '../../src/sip/message/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

// ── corpus ──────────────────────────────────────────────────────────────────

interface ManifestEntry {
  file: string;
  rfc: '4475' | '5118';
  section: string;
  name: string;
  expect: 'valid' | 'invalid' | 'valid-parse';
  note: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS_DIR = resolve(REPO_ROOT, '..', 'shared', 'corpus', 'sip-torture');

function loadManifest(): ManifestEntry[] | undefined {
  const path = resolve(CORPUS_DIR, 'manifest.json');
  if (!existsSync(path)) {
    console.warn(`torture-wire: SIP torture corpus not found at ${CORPUS_DIR} (expected ../shared/corpus/sip-torture next to the repo); skipping`);
    return undefined;
  }
  const entries = JSON.parse(readFileSync(path, 'utf8')) as ManifestEntry[];
  const missing = entries.filter((e) => !existsSync(resolve(CORPUS_DIR, e.file)));
  if (missing.length > 0) {
    console.warn(`torture-wire: ${missing.length} corpus files listed in manifest.json are missing (${missing[0]!.file}…); skipping`);
    return undefined;
  }
  return entries;
}

const MANIFEST = loadManifest();
const baseName = (file: string): string => file.replace(/^.*\//, '').replace(/\.dat$/, '');

// ── what each message must get ──────────────────────────────────────────────

type Mode = 'UDP' | 'TCP' | 'TCP in 5-byte chunks';

interface Spec {
  /** The final answers required (in any order: over TCP async answers may overtake): each the set of acceptable codes. */
  answers?: number[][];
  /** No answer at all is also acceptable (the RFC allows dropping, or the server drops what it cannot answer). */
  maySilent?: boolean;
  /** Must not be answered at all (responses, junk). */
  silent?: boolean;
  /** TCP: the server must close the connection (framing lost, or an incomplete message timed out). */
  closes?: boolean;
  /** Extra checks on the first final answer. */
  check?: (res: SipResponse) => void;
  /** For the scenario name. */
  label: string;
}

const REGISTER_CHALLENGE: Spec = {
  answers: [[401]],
  check: (res) => expect(res.get('www-authenticate')).toMatch(/^Digest /i),
  label: '401 challenge (the registrar authenticates first)',
};
const OPTIONS_OK: Spec = { answers: [[200]], label: '200 OK' };
const UNKNOWN_USER: Spec = { answers: [[404]], label: '404 Not Found (unknown user)' };
const NO_DIALOG: Spec = { answers: [[481]], label: '481 (no such dialog)' };
const DROPPED_RESPONSE: Spec = { silent: true, label: 'response dropped silently' };
const BAD_REQUEST: Spec = { answers: [[400]], label: '400 Bad Request' };
/** A broken Request-Line: the request is still answered 400 from its headers (RFC 4475 §3.1.2.7–10). */
const BAD_REQUEST_LINE: Spec = { answers: [[400]], label: '400 Bad Request (answered from its headers)' };
const BAD_REQUEST_LINE_TCP: Spec = { ...BAD_REQUEST_LINE, closes: true, label: '400 Bad Request, connection closed' };

/** Per file (base name): the spec over UDP and (if different) over TCP. */
const SPECS: Record<string, { udp: Spec; tcp?: Spec }> = {
  // RFC 4475 §3.1.1 valid messages
  wsinv: { udp: { ...NO_DIALOG, label: '481 (To carries a tag: in-dialog request for no dialog)' } },
  intmeth: { udp: { answers: [[501]], label: '501 Not Implemented (unknown method)' } },
  esc01: { udp: UNKNOWN_USER },
  escnull: { udp: REGISTER_CHALLENGE },
  esc02: { udp: { answers: [[501]], label: '501 Not Implemented (RE%47IST%45R is not REGISTER)' } },
  lwsdisp: { udp: OPTIONS_OK },
  longreq: { udp: UNKNOWN_USER },
  dblreq: {
    udp: { ...REGISTER_CHALLENGE, label: '401 to the REGISTER only (trailing INVITE discarded)' },
    tcp: {
      // The INVITE (to an unknown user) has a Content-Length 5 bytes short, so 'C\r\n\r\n' follows
      // as junk and the connection is then closed.
      answers: [[401], [404]],
      label: 'two answers: 401 to the REGISTER and one to the INVITE framed after it',
    },
  },
  semiuri: { udp: OPTIONS_OK },
  transports: { udp: OPTIONS_OK },
  mpart01: { udp: { answers: [[405]], label: '405 (no MESSAGE outside a dialog), body framed by Content-Length' } },
  unreason: { udp: DROPPED_RESPONSE },
  noreason: { udp: DROPPED_RESPONSE },
  // RFC 4475 §3.1.2 invalid messages
  badinv01: { udp: BAD_REQUEST },
  clerr: {
    udp: BAD_REQUEST,
    tcp: { silent: true, closes: true, label: 'no answer, connection closed when the body never arrives' },
  },
  ncl: { udp: BAD_REQUEST, tcp: { ...BAD_REQUEST, closes: true, label: '400 Bad Request and connection closed' } },
  scalar02: { udp: { ...BAD_REQUEST, label: '400 Bad Request (CSeq overflow)' } },
  scalarlg: { udp: DROPPED_RESPONSE },
  quotbal: { udp: BAD_REQUEST },
  ltgtruri: { udp: BAD_REQUEST_LINE, tcp: BAD_REQUEST_LINE_TCP },
  lwsruri: { udp: BAD_REQUEST_LINE, tcp: BAD_REQUEST_LINE_TCP },
  lwsstart: { udp: BAD_REQUEST_LINE, tcp: BAD_REQUEST_LINE_TCP },
  trws: { udp: BAD_REQUEST_LINE, tcp: BAD_REQUEST_LINE_TCP },
  escruri: { udp: BAD_REQUEST },
  // Date is not used by a UAS: ignoring it is allowed, so the INVITE goes on (404) or is refused (400).
  baddate: { udp: { answers: [[400, 404]], label: '404 (bad Date ignored) or 400' } },
  regbadct: { udp: BAD_REQUEST },
  badaspec: { udp: BAD_REQUEST },
  baddn: { udp: BAD_REQUEST },
  badvers: {
    udp: { answers: [[505]], label: '505 Version Not Supported' },
    tcp: { answers: [[505]], closes: true, label: '505 Version Not Supported, connection closed' },
  },
  mismatch01: { udp: BAD_REQUEST },
  mismatch02: { udp: { answers: [[400, 501]], label: '400 Bad Request (or 501)' } },
  bigcode: { udp: DROPPED_RESPONSE },
  // RFC 4475 §3.2–3.4 valid-parse messages
  badbranch: { udp: { answers: [[200, 400]], label: '200 (or a stateless 400)' } },
  insuf: { udp: { ...BAD_REQUEST, label: '400 Bad Request (no Call-ID, From, To)' } },
  unkscm: { udp: { answers: [[416]], label: '416 Unsupported URI Scheme' } },
  novelsc: { udp: { answers: [[416]], label: '416 Unsupported URI Scheme' } },
  unksm2: { udp: { ...BAD_REQUEST, label: '400 (a To AOR must be a SIP URI)' } },
  bext01: {
    udp: {
      answers: [[420]],
      check: (res) => {
        const unsupported = res.getAll('unsupported').map((t) => t.trim());
        expect(unsupported).toEqual(expect.arrayContaining(['nothingSupportsThis', 'nothingSupportsThisEither']));
      },
      label: '420 Bad Extension with Unsupported listing both Require tags',
    },
  },
  invut: {
    udp: {
      answers: [[415]],
      check: (res) => expect(res.get('accept')).toMatch(/application\/sdp/i),
      label: '415 Unsupported Media Type with Accept',
    },
  },
  regaut01: { udp: { ...REGISTER_CHALLENGE, label: '401 Digest challenge (unknown Authorization scheme ignored)' } },
  multi01: { udp: BAD_REQUEST },
  mcl01: { udp: BAD_REQUEST, tcp: { ...BAD_REQUEST, closes: true, label: '400 Bad Request and connection closed' } },
  bcast: { udp: DROPPED_RESPONSE },
  zeromf: { udp: { ...OPTIONS_OK, label: '200 OK (an endpoint ignores Max-Forwards 0)' } },
  cparam01: { udp: REGISTER_CHALLENGE },
  cparam02: { udp: REGISTER_CHALLENGE },
  regescrt: { udp: REGISTER_CHALLENGE },
  sdp01: { udp: { answers: [[406]], label: '406 Not Acceptable' } },
  inv2543: {
    // Parsed and matched the RFC 2543 way, no Contact needed (the From URI is the remote target):
    // it is an ordinary INVITE to an unknown user.
    udp: { ...UNKNOWN_USER, label: 'accepted as RFC 2543 INVITE → 404 Not Found (unknown user)' },
    tcp: { ...BAD_REQUEST, closes: true, label: '400 Bad Request (no Content-Length on a stream), connection closed' },
  },
  // RFC 5118
  'ipv6-good': { udp: REGISTER_CHALLENGE },
  'ipv6-bad': { udp: BAD_REQUEST },
  'port-ambiguous': { udp: REGISTER_CHALLENGE },
  'port-unambiguous': { udp: REGISTER_CHALLENGE },
  'via-received-param-with-delim': { udp: NO_DIALOG },
  'via-received-param-no-delim': { udp: OPTIONS_OK },
  'ipv6-in-sdp': { udp: UNKNOWN_USER },
  'mult-ip-in-header': { udp: NO_DIALOG },
  'mult-ip-in-sdp': { udp: UNKNOWN_USER },
  'ipv4-mapped-ipv6': { udp: UNKNOWN_USER },
  // Robustness lets it be read as 2001:db8::192.0.2.1 (then 200); strictness says 400.
  'ipv6-bug-abnf-3-colons': { udp: { answers: [[400, 200]], label: '400 Bad Request (or 200 if read robustly)' } },
  'ipv6-correct-abnf-2-colons': { udp: OPTIONS_OK },
};

function specFor(entry: ManifestEntry, mode: Mode): Spec {
  const s = SPECS[baseName(entry.file)];
  if (s === undefined) throw new Error(`no expectation written for ${entry.file}`);
  return mode === 'UDP' ? s.udp : (s.tcp ?? s.udp);
}

// ── the test side of the wire ───────────────────────────────────────────────

const HOST = '127.0.0.1';
/** This run's own loopback address to send torture datagrams from. */
const ALIAS = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 253)}`;
const T1 = 20;
const TCP_INCOMPLETE_MS = 1000;
/** How long to wait for an answer that may not come. */
const QUIET_MS = 300;
/** How long to wait for an answer that must come. */
const ANSWER_MS = 3000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const token = (n = 6) => randomBytes(n).toString('hex');

interface Sent {
  /** Call-ID, top Via branch and host of the message as sent (for telling its answers from strays). */
  callId?: string;
  branch?: string;
  viaHost?: string;
  /** Server transaction key this message makes (RFC 3261 §17.2.3), if it makes one. */
  txnKey?: string;
  invite?: boolean;
  /** UDP: where the server will send answers it sends through a transaction. */
  replyPort?: number;
}

/** What the server will see in this message, read with the server's own parser. */
function describeSent(bytes: Buffer): Sent {
  const out = parseDatagram(bytes);
  if (out.kind !== 'message' || !(out.message instanceof SipRequest)) return {};
  const req = out.message;
  const via = req.topVia;
  const sent: Sent = { callId: req.has('call-id') ? req.callId : undefined };
  if (via === undefined) return sent;
  const branch = via.params.get('branch') ?? undefined;
  sent.branch = branch ?? undefined;
  sent.viaHost = via.host.toLowerCase();
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  sent.invite = method === 'INVITE';
  sent.txnKey = branch?.startsWith(BRANCH_COOKIE) === true ? `${branch}|${sentBy}|${method}` : `2543|${req.callId}|${sentBy}|${method}`;
  sent.replyPort = via.params.has('rport') ? 0 : (via.port ?? 5060);
  return sent;
}

/** An answer to what we sent (not a retransmission meant for an earlier file). */
function answers(sent: Sent, res: SipResponse): boolean {
  if (sent.callId !== undefined && res.callId !== sent.callId) return false;
  const via = res.topVia;
  if (sent.branch !== undefined && via !== undefined && (via.params.get('branch') ?? undefined) !== sent.branch) return false;
  if (sent.viaHost !== undefined && via !== undefined && via.host.toLowerCase() !== sent.viaHost) return false;
  return true;
}

interface Outcome {
  responses: SipResponse[];
  /** Requests or unparseable bytes the server sent us (never expected). */
  junk: number;
  /** TCP: the server closed the connection. */
  closed: boolean;
  /** UDP: answers sent through a transaction could not reach us (reply port not bindable). */
  unobservable: boolean;
}

const finals = (o: Outcome) => o.responses.filter((r) => r.status >= 200);

/** Each status matched to its own required answer, in any order. */
function fits(required: readonly number[][], statuses: readonly number[]): boolean {
  if (required.length !== statuses.length) return false;
  if (required.length === 0) return true;
  const [first, ...rest] = required;
  return statuses.some((st, i) => first!.includes(st) && fits(rest, statuses.filter((_, j) => j !== i)));
}

/** Resolve once `done()` holds (checked on every event) or after `ms`. */
function waitUntil(done: () => boolean, ms: number, poke: (wake: () => void) => void): Promise<void> {
  return new Promise((resolveWait) => {
    const timer = setTimeout(resolveWait, ms);
    const wake = () => {
      if (done()) {
        clearTimeout(timer);
        resolveWait();
      }
    };
    poke(wake);
    wake();
  });
}

async function bindUdp(port: number, address = HOST): Promise<UdpSocket | undefined> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((ok, fail) => {
      socket.once('error', fail);
      socket.bind(port, address, () => {
        socket.off('error', fail);
        ok();
      });
    });
    socket.on('error', () => undefined);
    return socket;
  } catch {
    socket.close();
    return undefined;
  }
}

async function sendUdp(port: number, bytes: Buffer, sent: Sent, wantFinals: number, waitMs: number): Promise<Outcome> {
  const replyPort = sent.replyPort ?? 0;
  let socket = (await bindUdp(replyPort, ALIAS)) ?? (replyPort !== 0 ? await bindUdp(replyPort) : undefined);
  const unobservable = socket === undefined;
  if (unobservable) console.warn(`torture-wire: cannot bind UDP port ${replyPort} on ${ALIAS} or ${HOST}; answers sent through a transaction cannot be observed`);
  socket ??= await bindUdp(0);
  if (socket === undefined) throw new Error('cannot bind a UDP socket');
  const outcome: Outcome = { responses: [], junk: 0, closed: false, unobservable };
  const s = socket;
  try {
    await waitUntil(
      () => wantFinals > 0 && finals(outcome).length >= wantFinals,
      unobservable ? QUIET_MS : waitMs,
      (wake) => {
        s.on('message', (data) => {
          const parsed = parseDatagram(data);
          if (parsed.kind === 'message' && parsed.message instanceof SipResponse) {
            const res = parsed.message;
            const retransmission = outcome.responses.some(
              (r) => r.status === res.status && r.get('to') === res.get('to') && r.get('cseq') === res.get('cseq'),
            );
            if (answers(sent, res) && !retransmission) outcome.responses.push(res);
          } else if (parsed.kind !== 'keepalive') outcome.junk++;
          wake();
        });
        s.send(bytes, port, HOST);
      },
    );
    // a little longer, to catch an answer too many
    await sleep(wantFinals > 0 ? 30 : 0);
  } finally {
    s.close();
  }
  return outcome;
}

async function sendTcp(
  port: number,
  bytes: Buffer,
  chunk: number | undefined,
  wantFinals: number,
  waitMs: number,
  waitClose: boolean,
): Promise<Outcome> {
  const socket: TcpSocket = connect({ host: HOST, port });
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  await new Promise<void>((ok, fail) => {
    socket.once('connect', ok);
    socket.once('error', fail);
  });
  const outcome: Outcome = { responses: [], junk: 0, closed: false, unobservable: false };
  let buffer = Buffer.alloc(0);
  // the server closes only after its answers went out, so a close ends the wait
  const done = () => (waitClose ? outcome.closed : wantFinals === 0 || finals(outcome).length >= wantFinals);
  const limit = waitClose ? TCP_INCOMPLETE_MS + ANSWER_MS : waitMs;
  try {
    await waitUntil(done, limit, (wake) => {
      socket.on('data', (data: Buffer) => {
        buffer = Buffer.concat([buffer, data]);
        for (;;) {
          const parsed = parseStream(buffer);
          if (parsed.kind === 'incomplete') break;
          if (parsed.kind === 'error') {
            outcome.junk++;
            buffer = Buffer.alloc(0);
            break;
          }
          buffer = buffer.subarray(parsed.consumed);
          if (parsed.kind === 'message') {
            if (parsed.message instanceof SipResponse) outcome.responses.push(parsed.message);
            else outcome.junk++;
          }
        }
        wake();
      });
      socket.on('close', () => {
        outcome.closed = true;
        wake();
      });
      void (async () => {
        if (chunk === undefined) socket.write(bytes);
        else
          for (let i = 0; i < bytes.length && !socket.destroyed; i += chunk) {
            socket.write(bytes.subarray(i, i + chunk));
            await new Promise<void>((r) => setImmediate(r));
          }
      })();
    });
    if (!waitClose && wantFinals > 0) await sleep(30);
  } finally {
    socket.destroy();
  }
  return outcome;
}

/** A well-formed OPTIONS from us, for the "still serving" checks. */
function options(protocol: 'UDP' | 'TCP', localPort: number, serverPort: number): Buffer {
  return Buffer.from(
    [
      `OPTIONS sip:probe@${HOST}:${serverPort} SIP/2.0`,
      `Via: SIP/2.0/${protocol} ${HOST}:${localPort};branch=${BRANCH_COOKIE}${token()};rport`,
      'Max-Forwards: 70',
      `From: <sip:prober@${HOST}>;tag=${token(4)}`,
      `To: <sip:probe@${HOST}>`,
      `Call-ID: ${token(10)}@${HOST}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

async function optionsOverUdp(serverPort: number): Promise<number | undefined> {
  const socket = await bindUdp(0);
  if (socket === undefined) throw new Error('cannot bind a UDP socket');
  try {
    const msg = options('UDP', socket.address().port, serverPort);
    const sent = describeSent(msg);
    let status: number | undefined;
    await waitUntil(() => status !== undefined, ANSWER_MS, (wake) => {
      socket.on('message', (data) => {
        const parsed = parseDatagram(data);
        if (parsed.kind === 'message' && parsed.message instanceof SipResponse && answers(sent, parsed.message) && parsed.message.status >= 200)
          status = parsed.message.status;
        wake();
      });
      socket.send(msg, serverPort, HOST);
    });
    return status;
  } finally {
    socket.close();
  }
}

async function optionsOverTcp(serverPort: number): Promise<number | undefined> {
  // over TCP the answer comes back on the connection, whatever port the Via names
  const out = await sendTcp(serverPort, options('TCP', 5060, serverPort), undefined, 1, ANSWER_MS, false);
  return finals(out)[0]?.status;
}

// ── the run ─────────────────────────────────────────────────────────────────

const MODES: Mode[] = ['UDP', 'TCP', 'TCP in 5-byte chunks'];

interface Row {
  file: string;
  expect: string;
  outcomes: Partial<Record<Mode, string>>;
}

describe.skipIf(MANIFEST === undefined)('SIP torture corpus (RFC 4475, RFC 5118) on the wire', () => {
  const entries = MANIFEST ?? [];
  let ts: TestServer;
  /** Transaction key → when the server has surely forgotten it. */
  const freeAt = new Map<string, number>();
  const rows = new Map<string, Row>();
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    ts = await startTestServer({ timers: { T1, T2: 4 * T1, T4: 5 * T1 }, tcpIncompleteTimeoutMs: TCP_INCOMPLETE_MS, drainMs: 500 });
  });

  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await ts?.stop();
    const table = [...rows.values()].map((r) => `${r.file.padEnd(34)} ${r.expect.padEnd(12)} ${MODES.map((m) => (r.outcomes[m] ?? '-').padEnd(22)).join(' ')}`);
    console.log(
      [`${'file'.padEnd(34)} ${'expect'.padEnd(12)} ${MODES.map((m) => m.padEnd(22)).join(' ')}`, ...table].join('\n'),
    );
  });

  /**
   * Wait until no live server transaction can still hold this message's key:
   * 64·T1 after its last use over UDP or by an INVITE (Timers H, J), at once
   * for a non-INVITE over TCP (Timer J is 0 on reliable transports).
   */
  async function freeKey(sent: Sent, mode: Mode): Promise<void> {
    if (sent.txnKey === undefined) return;
    const wait = (freeAt.get(sent.txnKey) ?? 0) - Date.now();
    if (wait > 0) await sleep(wait);
    const lifetime = mode === 'UDP' || sent.invite === true ? 64 * T1 + 400 : 50;
    freeAt.set(sent.txnKey, Date.now() + lifetime);
  }

  async function expectStillServing(): Promise<void> {
    expect(await optionsOverUdp(ts.sipPort), 'OPTIONS over UDP afterwards').toBe(200);
    expect(await optionsOverTcp(ts.sipPort), 'OPTIONS over TCP afterwards').toBe(200);
    expect(crashes, 'uncaught exceptions in the server').toEqual([]);
  }

  function record(entry: ManifestEntry, mode: Mode, out: Outcome): void {
    const row = rows.get(entry.file) ?? { file: entry.file, expect: entry.expect, outcomes: {} };
    rows.set(entry.file, row);
    const statuses = out.responses.map((r) => r.status).join('+');
    const text = (statuses.length > 0 ? statuses : out.unobservable ? 'unobservable' : 'no answer') + (out.closed ? ', closed' : '');
    row.outcomes[mode] = text;
  }

  for (const mode of MODES) {
    describe(`over ${mode}`, () => {
      for (const entry of entries) {
        const spec = SPECS[baseName(entry.file)] === undefined ? undefined : specFor(entry, mode);
        const name = `RFC ${entry.rfc} ${baseName(entry.file)} (${entry.expect}) over ${mode} → ${spec?.label ?? '?'} and the server keeps serving`;
        it(name, async () => {
          const s = specFor(entry, mode);
          const bytes = readFileSync(resolve(CORPUS_DIR, entry.file));
          const sent = describeSent(bytes);
          await freeKey(sent, mode);
          const takenBefore = ts.server.sip.stats().transport.received;
          const wanted = s.answers?.length ?? 0;
          const waitMs = wanted > 0 && s.maySilent !== true ? ANSWER_MS : QUIET_MS;
          const out =
            mode === 'UDP'
              ? await sendUdp(ts.sipPort, bytes, sent, wanted, waitMs)
              : await sendTcp(ts.sipPort, bytes, mode === 'TCP' ? undefined : 5, wanted, waitMs, s.closes === true);
          record(entry, mode, out);
          const got = finals(out);
          // one datagram is one message, whatever follows the first one in it (RFC 3261 §18.3)
          if (mode === 'UDP') expect(ts.server.sip.stats().transport.received - takenBefore, 'messages the server took from the datagram').toBe(1);

          expect(out.junk, 'requests or garbage sent back to us').toBe(0);
          // never a 2xx to what the RFC calls invalid
          if (entry.expect === 'invalid') expect(got.filter((r) => r.status < 300)).toEqual([]);
          if (s.silent === true) expect(out.responses.map((r) => r.status), 'no answer at all').toEqual([]);
          const required = s.answers ?? [];
          const silentOk = s.maySilent === true || (out.unobservable && got.length === 0);
          if (required.length > 0 && !(silentOk && got.length === 0)) {
            const seen = got.map((r) => `${r.status} ${r.reason}`);
            expect(
              fits(
                required,
                got.map((r) => r.status),
              ),
              `answers ${JSON.stringify(seen)} should be ${JSON.stringify(required)}`,
            ).toBe(true);
            // a valid request is never refused as malformed
            if (entry.expect === 'valid' && required.length === 1) expect(got[0]!.status).not.toBe(400);
            s.check?.(got[0]!);
          }
          if (s.closes === true && mode !== 'UDP') expect(out.closed, 'server closed the connection').toBe(true);
          await expectStillServing();
        });
      }
    });
  }

  it('after the whole corpus over every transport, the server still answers OPTIONS over UDP and TCP with 200', async () => {
    await expectStillServing();
    const stats = ts.server.sip.stats();
    expect(stats.transport.received).toBeGreaterThan(entries.length * MODES.length);
    expect(stats.transport.refused).toBeGreaterThan(0);
    expect(stats.sessions).toBe(0);
  });
});
