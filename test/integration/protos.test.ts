/**
 * PROTOS c07-sip (OUSPG): 4,527 INVITE test cases, from ../shared/corpus/
 * protos-c07-sip (outside the repo, GPL test data, never copied in), thrown
 * at the running server over UDP. Each case file is a template of two
 * length-prefixed PDUs ("<len> <INVITE>" "<len> <teardown>", see SOURCE.txt);
 * the placeholders are filled the way the PROTOS tool did: To = an unknown
 * user here (so the valid case gets 404 and no call stays up), From / Via =
 * our socket, fresh branch and Call-ID, Content-Length computed, CANCEL as the
 * teardown.
 *
 * Per case, from one socket, one case after another: the INVITE; up to 50 ms
 * for its final answer (answered like a UAC would: ACK for a 3xx–6xx, so the
 * server's INVITE transaction completes); then the CANCEL, and up to 20 ms for
 * its answer. The server runs in this process, so its transport counters tell
 * when it has taken a datagram in: a message it drops costs a few ms of
 * waiting, not the full 50. INVITE PDUs too big for one UDP datagram (81 cases carry
 * 65–287 kB of junk) go over a fresh TCP connection instead.
 *
 * Pass: no uncaught exception or unhandled rejection anywhere in the process
 * (the server runs in it), case 0000000 gets its 404, no case gets a 2xx, and
 * afterwards the server still answers OPTIONS over UDP and TCP with 200 and
 * case 0000000 again with 404. Counts (answered / unanswered, by status) are
 * printed; no response is kept, so memory stays flat.
 *
 * Datagrams are sent from a loopback address of this run's own (127.x.y.z,
 * Linux) so that answers a mangled Via sends to "our address, port 5060"
 * never land on a SIP phone or sipp listening on 127.0.0.1:5060.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatagram, parseStream, SipResponse, BRANCH_COOKIE } from '../../src/sip/message/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS_DIR = resolve(REPO_ROOT, '..', 'shared', 'corpus', 'protos-c07-sip');
const EXPECTED_CASES = 4527;

function listCases(): string[] | undefined {
  if (!existsSync(CORPUS_DIR)) {
    console.warn(`protos: PROTOS c07-sip corpus not found at ${CORPUS_DIR} (expected ../shared/corpus/protos-c07-sip next to the repo); skipping`);
    return undefined;
  }
  const cases = readdirSync(CORPUS_DIR)
    .filter((f) => /^[0-9]{7}$/.test(f))
    .sort();
  if (cases.length !== EXPECTED_CASES) {
    console.warn(`protos: found ${cases.length} case files in ${CORPUS_DIR}, expected ${EXPECTED_CASES}; skipping`);
    return undefined;
  }
  return cases;
}

const CASES = listCases();

const HOST = '127.0.0.1';
const ALIAS = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 253)}`;
const MAX_DATAGRAM = 65_507;
/** Longest wait for an answer to the INVITE, and to the CANCEL. */
const INVITE_WAIT_MS = 50;
const CANCEL_WAIT_MS = 20;
/** Once the server has taken the datagram in (its counters moved) and not answered: how long an answer may still take. */
const GRACE_MS = 4;
const RUN = randomBytes(4).toString('hex');

// ── templates ───────────────────────────────────────────────────────────────

/** The two PDUs of a case file: "<decimal length> <bytes>" twice. */
function splitPdus(file: Buffer): [Buffer, Buffer] {
  const pdus: Buffer[] = [];
  let at = 0;
  while (at < file.length && pdus.length < 2) {
    const space = file.indexOf(0x20, at);
    const len = Number(file.toString('latin1', at, space));
    if (space < 0 || !Number.isSafeInteger(len) || space + 1 + len > file.length) throw new Error('bad PDU length prefix');
    pdus.push(file.subarray(space + 1, space + 1 + len));
    at = space + 1 + len;
  }
  if (pdus.length !== 2) throw new Error('expected two PDUs');
  return [pdus[0]!, pdus[1]!];
}

/** Fill the placeholders (latin1 keeps every byte as is); Content-Length last, from the real body. */
function fill(pdu: Buffer, vars: Record<string, string>): Buffer {
  let text = pdu.toString('latin1');
  for (const [name, value] of Object.entries(vars)) text = text.split(`<${name}>`).join(value);
  const sep = text.indexOf('\r\n\r\n');
  const body = sep < 0 ? 0 : Buffer.byteLength(text, 'latin1') - (sep + 4);
  text = text.split('<Content-Length>').join(String(body));
  return Buffer.from(text, 'latin1');
}

// ── helpers ─────────────────────────────────────────────────────────────────

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function bindUdp(address: string): Promise<UdpSocket | undefined> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((ok, fail) => {
      socket.once('error', fail);
      socket.bind(0, address, () => {
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

function optionsRequest(protocol: 'UDP' | 'TCP', localHost: string, localPort: number, serverPort: number): Buffer {
  const t = randomBytes(6).toString('hex');
  return Buffer.from(
    [
      `OPTIONS sip:probe@${HOST}:${serverPort} SIP/2.0`,
      `Via: SIP/2.0/${protocol} ${localHost}:${localPort};branch=${BRANCH_COOKIE}${t};rport`,
      'Max-Forwards: 70',
      `From: <sip:prober@${localHost}>;tag=${t}`,
      `To: <sip:probe@${HOST}>`,
      `Call-ID: probe.${t}@${localHost}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/**
 * Send bytes on a fresh TCP connection; resolve with the final answers seen
 * when `wantFinals` arrived, the connection closed, `settled()` said the
 * server is done with it, or after `ms`.
 */
async function overTcp(port: number, messages: Buffer[], wantFinals: number, ms: number, settled: () => boolean = () => false): Promise<SipResponse[]> {
  const socket = connect({ host: HOST, port });
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  const got: SipResponse[] = [];
  let buffer = Buffer.alloc(0);
  try {
    await new Promise<void>((ok, fail) => {
      socket.once('connect', ok);
      socket.once('error', fail);
    });
    await new Promise<void>((done) => {
      const timer = setTimeout(done, ms);
      const poll = setInterval(() => {
        if (settled()) finish();
      }, 2);
      const finish = () => {
        clearTimeout(timer);
        clearInterval(poll);
        done();
      };
      socket.on('data', (data: Buffer) => {
        buffer = Buffer.concat([buffer, data]);
        for (;;) {
          const parsed = parseStream(buffer);
          if (parsed.kind === 'incomplete') break;
          if (parsed.kind === 'error') {
            buffer = Buffer.alloc(0);
            break;
          }
          buffer = buffer.subarray(parsed.consumed);
          if (parsed.kind === 'message' && parsed.message instanceof SipResponse && parsed.message.status >= 200) got.push(parsed.message);
        }
        if (got.length >= wantFinals) finish();
      });
      socket.on('close', finish);
      for (const m of messages) socket.write(m);
    });
  } finally {
    socket.destroy();
  }
  return got;
}

// ── the run ─────────────────────────────────────────────────────────────────

interface Tally {
  cases: number;
  overTcp: number;
  /** INVITE got a final answer. */
  answered: number;
  /** INVITE got only a provisional answer. */
  provisionalOnly: number;
  /** INVITE got no answer we could see (dropped, or sent where the mangled Via said). */
  unanswered: number;
  inviteStatus: Map<number, number>;
  cancelStatus: Map<number, number>;
  /** Answers arriving for an earlier case (retransmissions, slow answers). */
  late: number;
  twoXx: string[];
  acks: number;
}

const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
const histogram = (m: Map<number, number>) =>
  [...m.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, v]) => `${k}×${v}`)
    .join(' ');

describe.skipIf(CASES === undefined)('PROTOS c07-sip INVITE suite (4,527 cases) over UDP', () => {
  let ts: TestServer;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    ts = await startTestServer({ drainMs: 1000, tcpIncompleteTimeoutMs: 2000 });
  });

  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await ts?.stop();
  });

  it(
    'every case answered or dropped, never a crash; case 0000000 gets 404; the server still answers OPTIONS over UDP and TCP and case 0000000 afterwards',
    async () => {
      const cases = CASES ?? [];
      const serverPort = ts.sipPort;
      const socket = (await bindUdp(ALIAS)) ?? (await bindUdp(HOST));
      if (socket === undefined) throw new Error('cannot bind a UDP socket');
      const localHost = socket.address().address;
      const localPort = socket.address().port;
      const tally: Tally = {
        cases: 0,
        overTcp: 0,
        answered: 0,
        provisionalOnly: 0,
        unanswered: 0,
        inviteStatus: new Map(),
        cancelStatus: new Map(),
        late: 0,
        twoXx: [],
        acks: 0,
      };

      // What the current case has seen, and a wake-up for whoever waits on it.
      let current = { id: '', callId: '', inviteFinal: undefined as SipResponse | undefined, provisional: false, cancelAnswered: false };
      let wake: (() => void) | undefined;
      socket.on('message', (data) => {
        const parsed = parseDatagram(data);
        if (parsed.kind !== 'message' || !(parsed.message instanceof SipResponse)) return;
        const res = parsed.message;
        // Call-ID is "<Call-ID>@<From-Address>" in the templates; cases that mangle it are the current one's
        if (res.callId.startsWith('protos') && !res.callId.startsWith(`${current.callId}@`)) {
          tally.late++;
          return;
        }
        if (res.cseq?.method === 'CANCEL') {
          if (!current.cancelAnswered && res.status >= 200) bump(tally.cancelStatus, res.status);
          current.cancelAnswered ||= res.status >= 200;
        } else if (res.status < 200) current.provisional = true;
        else if (current.inviteFinal === undefined) current.inviteFinal = res;
        else tally.late++; // a retransmitted final
        wake?.();
      });
      const waitFor = (done: () => boolean, ms: number) =>
        new Promise<void>((ok) => {
          if (done()) return ok();
          const timer = setTimeout(() => {
            wake = undefined;
            ok();
          }, ms);
          wake = () => {
            if (!done()) return;
            clearTimeout(timer);
            wake = undefined;
            ok();
          };
        });
      const sendUdp = (bytes: Buffer) =>
        new Promise<void>((ok) => socket.send(bytes, serverPort, HOST, () => ok()));
      /** Datagrams / stream messages the server has taken in (parsed or not). */
      const taken = () => {
        const t = ts.server.sip.stats().transport;
        return t.received + t.dropped;
      };
      /** Send, then wait for `answered()`, or until the server took it in `GRACE_MS` ago without answering, at most `maxMs`. */
      const sendAndSettle = async (bytes: Buffer, answered: () => boolean, maxMs: number) => {
        const before = taken();
        const start = Date.now();
        await sendUdp(bytes);
        let takenAt: number | undefined;
        while (!answered()) {
          const now = Date.now();
          if (now - start >= maxMs) return;
          if (takenAt === undefined && taken() > before) takenAt = now;
          if (takenAt !== undefined && now - takenAt >= GRACE_MS) return;
          await waitFor(answered, 1);
        }
      };

      /** ACK for a 3xx–6xx (RFC 3261 §17.1.1.3): Request-URI, top Via, From, Call-ID of the INVITE, To of the answer. */
      const ackFor = (invite: Buffer, res: SipResponse): Buffer | undefined => {
        const requestLine = invite.toString('latin1', 0, Math.max(0, invite.indexOf('\r\n'))).split(' ');
        const via = res.getAll('via')[0];
        if (requestLine.length !== 3 || via === undefined || res.cseq === undefined) return undefined;
        const lines = [
          `ACK ${requestLine[1]} SIP/2.0`,
          `Via: ${via}`,
          `From: ${res.get('from') ?? ''}`,
          `To: ${res.get('to') ?? ''}`,
          `Call-ID: ${res.callId}`,
          `CSeq: ${res.cseq.seq} ACK`,
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ];
        return Buffer.from(lines.join('\r\n'), 'latin1');
      };

      const runCase = async (id: string, suffix = ''): Promise<SipResponse | undefined> => {
        const [inviteTemplate, teardownTemplate] = splitPdus(readFileSync(resolve(CORPUS_DIR, id)));
        const callId = `protos${id}.${RUN}${suffix}`;
        const vars = {
          To: `protos@${HOST}:${serverPort}`,
          From: `protos-uac@${localHost}:${localPort}`,
          'From-Address': localHost,
          'From-IP': localHost,
          'Local-Port': String(localPort),
          'Branch-ID': `.${RUN}${suffix}`,
          'Call-ID': callId,
          CSeq: '1',
          'Teardown-Method': 'CANCEL',
        };
        const invite = fill(inviteTemplate, vars);
        const teardown = fill(teardownTemplate, vars);
        current = { id, callId, inviteFinal: undefined, provisional: false, cancelAnswered: false };
        tally.cases++;
        if (invite.length > MAX_DATAGRAM) {
          // not sendable as one datagram: the same bytes over TCP, teardown on the same connection
          tally.overTcp++;
          const before = taken();
          let takenAt: number | undefined;
          const settled = () => {
            if (takenAt === undefined && taken() > before) takenAt = Date.now();
            return takenAt !== undefined && Date.now() - takenAt >= 20;
          };
          const got = await overTcp(serverPort, [invite, teardown], 2, 500, settled);
          const inviteAnswer = got.find((r) => r.cseq?.method !== 'CANCEL');
          const cancelAnswer = got.find((r) => r.cseq?.method === 'CANCEL');
          if (cancelAnswer !== undefined) bump(tally.cancelStatus, cancelAnswer.status);
          current.inviteFinal = inviteAnswer;
        } else {
          await sendAndSettle(invite, () => current.inviteFinal !== undefined, INVITE_WAIT_MS);
          const final = current.inviteFinal;
          if (final !== undefined && final.status >= 300) {
            const ack = ackFor(invite, final);
            if (ack !== undefined) {
              tally.acks++;
              await sendUdp(ack);
            }
          }
          await sendAndSettle(teardown, () => current.cancelAnswered, CANCEL_WAIT_MS);
        }
        const final = current.inviteFinal;
        if (final !== undefined) {
          tally.answered++;
          bump(tally.inviteStatus, final.status);
          if (final.status < 300) tally.twoXx.push(id);
        } else if (current.provisional) tally.provisionalOnly++;
        else tally.unanswered++;
        return final;
      };

      const started = Date.now();
      const heapBefore = process.memoryUsage().heapUsed;
      let first: SipResponse | undefined;
      try {
        for (const id of cases) {
          const final = await runCase(id);
          if (id === '0000000') first = final;
        }
        const ms = Date.now() - started;
        const heapAfter = process.memoryUsage().heapUsed;
        const stats = ts.server.sip.stats();
        console.log(
          [
            `PROTOS c07-sip: ${tally.cases} cases in ${(ms / 1000).toFixed(1)} s (${tally.overTcp} too big for UDP, sent over TCP)`,
            `  INVITE answered (final): ${tally.answered}   provisional only: ${tally.provisionalOnly}   no answer seen: ${tally.unanswered}   ACKs sent: ${tally.acks}`,
            `  INVITE final statuses: ${histogram(tally.inviteStatus)}`,
            `  CANCEL final statuses: ${histogram(tally.cancelStatus)}`,
            `  late answers / retransmissions: ${tally.late}`,
            `  server transport: ${JSON.stringify(stats.transport)}`,
            `  server transactions: ${JSON.stringify(stats.transactions)}  sessions: ${stats.sessions}`,
            `  heap used: ${(heapBefore / 2 ** 20).toFixed(0)} MB before, ${(heapAfter / 2 ** 20).toFixed(0)} MB after`,
          ].join('\n'),
        );

        expect(crashes, 'uncaught exceptions / unhandled rejections while the cases ran').toEqual([]);
        expect(tally.cases).toBe(EXPECTED_CASES);
        expect(first?.status, 'case 0000000 (the valid INVITE, to an unknown user)').toBe(404);
        expect(tally.twoXx, 'cases answered 2xx (nothing should accept a call to an unknown user)').toEqual([]);
        expect(tally.answered).toBeGreaterThan(0);
        expect(stats.sessions).toBe(0);

        // still serving: OPTIONS over UDP and TCP, and the valid case again
        const probe = await bindUdp(HOST);
        if (probe === undefined) throw new Error('cannot bind a UDP socket');
        try {
          const answer = new Promise<number | undefined>((ok) => {
            const timer = setTimeout(() => ok(undefined), 3000);
            probe.on('message', (data) => {
              const parsed = parseDatagram(data);
              if (parsed.kind === 'message' && parsed.message instanceof SipResponse && parsed.message.status >= 200) {
                clearTimeout(timer);
                ok(parsed.message.status);
              }
            });
          });
          probe.send(optionsRequest('UDP', HOST, probe.address().port, serverPort), serverPort, HOST);
          expect(await answer, 'OPTIONS over UDP after the run').toBe(200);
        } finally {
          probe.close();
        }
        // over TCP the answer comes back on the connection, whatever port the Via names
        const tcp = await overTcp(serverPort, [optionsRequest('TCP', HOST, 5060, serverPort)], 1, 3000);
        expect(tcp[0]?.status, 'OPTIONS over TCP after the run').toBe(200);
        await sleep(20);
        const again = await runCase('0000000', '.again');
        expect(again?.status, 'case 0000000 again after the run').toBe(404);
        expect(crashes).toEqual([]);
      } finally {
        socket.close();
      }
    },
    180_000,
  );
});
