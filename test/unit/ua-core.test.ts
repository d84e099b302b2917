/**
 * UserAgentCore (src/sip/ua/core.ts, RFC 3261 §8.2, §12, §13): a real
 * TransactionLayer inside the core, a fake TransportLayer that records what
 * would go on the wire, fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALLOW, UserAgentCore, type UaHandlers } from '../../src/sip/ua/core.js';
import type { IncomingCall } from '../../src/sip/ua/incoming-call.js';
import type { EndReason } from '../../src/sip/ua/session.js';
import type { TransportLayer } from '../../src/sip/transport/layer.js';
import type { Destination, TransportProtocol } from '../../src/sip/transport/types.js';
import {
  createResponse,
  parseDatagram,
  parseUri,
  serialize,
  SipRequest,
  SipResponse,
  type SipMessage,
} from '../../src/sip/message/index.js';

// ── fake transport layer ─────────────────────────────────────────────────────

class FakeTransports {
  readonly sent: { message: SipMessage; dest: Destination }[] = [];

  /** Records what goes on the wire, as the peer would read it. */
  send(message: SipMessage, dest: Destination): Promise<void> {
    const out = parseDatagram(serialize(message));
    if (out.kind !== 'message') throw new Error('the core sent something unparseable');
    this.sent.push({ message: out.message, dest });
    return Promise.resolve();
  }
  viaFor(protocol: TransportProtocol, branch: string): string {
    return `SIP/2.0/${protocol} 198.51.100.1:5060;branch=${branch}`;
  }
  contactUri(protocol: TransportProtocol, user?: string): string {
    return `sip:${user ?? 'hotline'}@198.51.100.1:5060${protocol === 'UDP' ? '' : `;transport=${protocol.toLowerCase()}`}`;
  }

  responses(status?: number): SipResponse[] {
    return this.sent.map((s) => s.message).filter((m): m is SipResponse => m instanceof SipResponse && (status === undefined || m.status === status));
  }
  requests(method?: string): SipRequest[] {
    return this.sent.map((s) => s.message).filter((m): m is SipRequest => m instanceof SipRequest && (method === undefined || m.method === method));
  }
  /** Final (non-100) response statuses, in order. */
  statuses(): number[] {
    return this.responses()
      .filter((r) => r.status !== 100)
      .map((r) => r.status);
  }
}

// ── fixtures ─────────────────────────────────────────────────────────────────

const SOURCE: Destination = { protocol: 'UDP', address: '192.0.2.10', port: 5070 };
const SDP = 'v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const ANSWER = Buffer.from('v=0\r\no=hotline 1 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n');

interface Spec {
  method?: string;
  branch?: string;
  callId?: string;
  cseq?: number;
  cseqMethod?: string;
  fromTag?: string;
  toTag?: string;
  contact?: string | null;
  headers?: string[];
  body?: string;
  contentType?: string;
}

/** A request from Alice at 192.0.2.10:5070, parsed from wire text. */
function request(s: Spec = {}): SipRequest {
  const method = s.method ?? 'INVITE';
  const lines = [
    `${method} sip:1000@198.51.100.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5070;branch=${s.branch ?? 'z9hG4bKalice1'}`,
    'Max-Forwards: 70',
    `From: "Alice" <sip:alice@example.com>;tag=${s.fromTag ?? 'alicetag'}`,
    `To: <sip:1000@example.com>${s.toTag !== undefined ? `;tag=${s.toTag}` : ''}`,
    `Call-ID: ${s.callId ?? 'core-1@example.com'}`,
    `CSeq: ${s.cseq ?? 1} ${s.cseqMethod ?? method}`,
  ];
  const contact = s.contact === undefined ? (method === 'INVITE' ? '<sip:alice@192.0.2.10:5070>' : null) : s.contact;
  if (contact !== null) lines.push(`Contact: ${contact}`);
  lines.push(...(s.headers ?? []));
  if (s.body !== undefined) lines.push(`Content-Type: ${s.contentType ?? 'application/sdp'}`);
  const out = parseDatagram(Buffer.from(`${lines.join('\r\n')}\r\n\r\n${s.body ?? ''}`));
  if (out.kind !== 'message' || !(out.message instanceof SipRequest)) throw new Error(`fixture did not parse: ${JSON.stringify(out)}`);
  return out.message;
}

function wire(m: SipMessage): SipMessage {
  const out = parseDatagram(serialize(m));
  if (out.kind !== 'message') throw new Error('did not parse');
  return out.message;
}

function setup(handlers: Partial<UaHandlers> = {}) {
  const transports = new FakeTransports();
  const calls: IncomingCall[] = [];
  const core = new UserAgentCore({
    transports: transports as unknown as TransportLayer,
    handlers: { onInvite: (call) => calls.push(call), ...handlers },
    userAgent: 'hotline-test',
  });
  const receive = (m: SipMessage, source: Destination = SOURCE): void => core.receive(m, source);
  return { core, transports, calls, receive };
}

function endedOf(call: IncomingCall): EndReason[] {
  const out: EndReason[] = [];
  call.on('ended', (r) => out.push(r));
  return out;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

// ── requests the core answers itself ────────────────────────────────────────

describe('UserAgentCore: requests outside a dialog', () => {
  it('OPTIONS → 200 with Allow/Accept/Supported', () => {
    const { transports, receive } = setup();
    receive(request({ method: 'OPTIONS' }));
    expect(transports.statuses()).toEqual([200]);
    const res = transports.responses(200)[0]!;
    expect(res.getAll('allow')).toEqual(ALLOW.split(', '));
    expect(res.get('accept')).toBe('application/sdp');
    expect(res.getAll('supported')).toEqual(expect.arrayContaining(['path', 'outbound']));
    expect(res.get('user-agent')).toBe('hotline-test');
    expect(res.callId).toBe('core-1@example.com');
    expect(transports.sent[0]!.dest).toEqual(SOURCE);
  });

  it('BYE for an unknown dialog → 481', () => {
    const { transports, receive } = setup();
    receive(request({ method: 'BYE', toTag: 'nosuchtag' }));
    receive(request({ method: 'BYE', branch: 'z9hG4bKbye2' })); // no To-tag at all
    receive(request({ method: 'INFO', toTag: 'nosuchtag', branch: 'z9hG4bKinfo' }));
    expect(transports.statuses()).toEqual([481, 481, 481]);
  });

  it('unknown method → 501 with Allow; known but unsupported (SUBSCRIBE) → 405', () => {
    const { transports, receive } = setup();
    receive(request({ method: 'FROBNICATE' }));
    receive(request({ method: 'SUBSCRIBE', branch: 'z9hG4bKsub' }));
    receive(request({ method: 'REGISTER', branch: 'z9hG4bKreg' })); // no registrar handler
    expect(transports.statuses()).toEqual([501, 405, 405]);
    for (const res of transports.responses()) expect(res.getAll('allow')).toEqual(ALLOW.split(', '));
  });

  it('REGISTER goes to the registrar handler when there is one', async () => {
    const onRegister = vi.fn((req: SipRequest, _source: Destination) => Promise.resolve(createResponse(req, 200)));
    const { transports, receive } = setup({ onRegister });
    receive(request({ method: 'REGISTER' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(onRegister).toHaveBeenCalledTimes(1);
    expect(onRegister.mock.calls[0]![1]).toEqual(SOURCE);
    expect(transports.statuses()).toEqual([200]);
  });

  it('Require: foo → 420 with Unsupported: foo (supported tags pass)', () => {
    const onInvite = vi.fn();
    const { transports, receive } = setup({ onInvite });
    receive(request({ headers: ['Require: foo, path'] }));
    expect(transports.statuses()).toEqual([420]);
    expect(transports.responses(420)[0]!.get('unsupported')).toBe('foo');
    expect(onInvite).not.toHaveBeenCalled();

    receive(request({ method: 'OPTIONS', branch: 'z9hG4bKopt', headers: ['Require: path'] }));
    expect(transports.statuses()).toEqual([420, 200]);
  });

  it('INVITE with a text/plain body → 415 with Accept', () => {
    const onInvite = vi.fn();
    const { transports, receive } = setup({ onInvite });
    receive(request({ body: 'hello', contentType: 'text/plain' }));
    expect(transports.statuses()).toEqual([415]);
    expect(transports.responses(415)[0]!.get('accept')).toBe('application/sdp');
    expect(onInvite).not.toHaveBeenCalled();
  });

  it('INVITE with Accept: text/nobodyKnowsThis → 406', () => {
    const onInvite = vi.fn();
    const { transports, receive } = setup({ onInvite });
    receive(request({ headers: ['Accept: text/nobodyKnowsThis'] }));
    expect(transports.statuses()).toEqual([406]);
    expect(transports.responses(406)[0]!.get('accept')).toBe('application/sdp');
    expect(onInvite).not.toHaveBeenCalled();

    // a wildcard or application/sdp among the accepted types is fine
    receive(request({ branch: 'z9hG4bKacc2', callId: 'core-2', headers: ['Accept: text/html, application/sdp;level=1'] }));
    receive(request({ branch: 'z9hG4bKacc3', callId: 'core-3', headers: ['Accept: */*'] }));
    expect(onInvite).toHaveBeenCalledTimes(2);
  });

  it('RFC 2543 INVITE without Contact → handed to the application (the From URI will be the remote target)', () => {
    const onInvite = vi.fn();
    const { transports, receive } = setup({ onInvite });
    receive(request({ contact: null }));
    expect(transports.statuses()).toEqual([]);
    expect(onInvite).toHaveBeenCalledTimes(1);
  });

  it('stopAccepting() → INVITE gets 503 with Retry-After', () => {
    const onInvite = vi.fn();
    const { core, transports, receive } = setup({ onInvite });
    core.stopAccepting();
    receive(request({ body: SDP }));
    expect(transports.statuses()).toEqual([503]);
    expect(transports.responses(503)[0]!.get('retry-after')).toBe('30');
    expect(onInvite).not.toHaveBeenCalled();
    // everything else still answered
    receive(request({ method: 'OPTIONS', branch: 'z9hG4bKopt' }));
    expect(transports.statuses()).toEqual([503, 200]);
  });
});

// ── INVITE handling ──────────────────────────────────────────────────────────

describe('UserAgentCore: INVITEs and their dialogs', () => {
  it('a new INVITE becomes an IncomingCall for the handler; the transaction retransmission is absorbed', async () => {
    const { transports, calls, receive } = setup();
    receive(request({ body: SDP }));
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.dialed).toBe('1000');
    expect(call.remoteSdp?.toString()).toBe(SDP);
    expect(call.source).toEqual(SOURCE);
    receive(request({ body: SDP })); // same branch: a retransmission
    expect(calls).toHaveLength(1);
    // the handler said nothing for 200 ms: the transaction sends 100 Trying
    await vi.advanceTimersByTimeAsync(200);
    expect(transports.responses(100)).toHaveLength(1);
    call.ringing();
    expect(transports.statuses()).toEqual([180]);
  });

  it('the same INVITE (Call-ID/From-tag/CSeq) arriving as a new transaction while the first is handled → 482', () => {
    const { transports, calls, receive } = setup();
    receive(request({ body: SDP }));
    receive(request({ body: SDP, branch: 'z9hG4bKloop' }));
    expect(calls).toHaveLength(1);
    expect(transports.statuses()).toEqual([482]);
    expect(transports.responses(482)[0]!.topVia?.params.get('branch')).toBe('z9hG4bKloop');
    // another CSeq is another request
    receive(request({ body: SDP, branch: 'z9hG4bKnext', cseq: 2 }));
    expect(calls).toHaveLength(2);
  });

  it('CANCEL for an unknown INVITE → 481; for a pending one → 200 + 487 on the INVITE', () => {
    const { transports, calls, receive } = setup();
    receive(request({ method: 'CANCEL', branch: 'z9hG4bKnope' }));
    expect(transports.statuses()).toEqual([481]);

    receive(request({ body: SDP }));
    const call = calls[0]!;
    const ended = endedOf(call);
    const cancelled = vi.fn();
    call.on('cancel', cancelled);
    call.ringing();
    receive(request({ method: 'CANCEL' })); // same branch as the INVITE (§9.1)
    expect(transports.statuses()).toEqual([481, 180, 200, 487]);
    const [ok, terminated] = transports.responses().slice(-2);
    expect(ok!.cseq).toEqual({ seq: 1, method: 'CANCEL' });
    expect(terminated!.cseq).toEqual({ seq: 1, method: 'INVITE' });
    expect(terminated!.toTag).toBe(call.localTag);
    expect(cancelled).toHaveBeenCalledTimes(1);
    expect(ended).toEqual(['cancelled']);

    // the ACK for the 487 belongs to the INVITE transaction: absorbed
    receive(request({ method: 'ACK', toTag: call.localTag }));
    expect(transports.statuses()).toEqual([481, 180, 200, 487]);
  });

  it('ACK for a 2xx reaches the session via the dialog table', async () => {
    const { core, transports, calls, receive } = setup();
    receive(request({ body: SDP }));
    const call = calls[0]!;
    let acked = false;
    const answered = call.answer(ANSWER).then(() => {
      acked = true;
    });
    expect(transports.statuses()).toEqual([200]);
    const ok = transports.responses(200)[0]!;
    expect(ok.toTag).toBe(call.localTag);
    expect(core.sessionCount).toBe(1);

    await vi.advanceTimersByTimeAsync(500);
    expect(transports.responses(200)).toHaveLength(2); // 2xx retransmitted by the call, through the transaction

    // the 2xx ACK has a branch of its own (§13.2.2.4)
    receive(request({ method: 'ACK', branch: 'z9hG4bKack1', toTag: call.localTag }));
    await answered;
    expect(acked).toBe(true);
    expect(call.state).toBe('established');

    await vi.advanceTimersByTimeAsync(40_000);
    expect(transports.responses(200)).toHaveLength(2); // no more retransmissions
    expect(transports.requests('BYE')).toHaveLength(0);

    // in-dialog BYE: matched by the dialog table, 200, remote-bye
    const ended = endedOf(call);
    receive(request({ method: 'BYE', branch: 'z9hG4bKbye', toTag: call.localTag, cseq: 2 }));
    expect(transports.responses(200)).toHaveLength(3);
    expect(transports.responses(200)[2]!.cseq).toEqual({ seq: 2, method: 'BYE' });
    expect(ended).toEqual(['remote-bye']);
    expect(core.sessionCount).toBe(0);

    // the dialog is gone: a BYE retransmitted as a new transaction now gets 481
    receive(request({ method: 'BYE', branch: 'z9hG4bKbye2', toTag: call.localTag, cseq: 3 }));
    expect(transports.statuses().at(-1)).toBe(481);
  });

  it('an ACK for an unknown dialog is dropped silently', () => {
    const { transports, receive } = setup();
    receive(request({ method: 'ACK', branch: 'z9hG4bKack', toTag: 'nosuch' }));
    expect(transports.sent).toHaveLength(0);
  });

  it('handler that throws → 500, core keeps working', () => {
    let calls = 0;
    let thrown: IncomingCall | undefined;
    const { core, transports, receive } = setup({
      onInvite: (call) => {
        calls++;
        if (calls === 1) {
          thrown = call;
          call.ringing();
          throw new Error('application bug');
        }
        call.reject(486);
      },
    });
    receive(request({ body: SDP }));
    expect(transports.statuses()).toEqual([180, 500]);
    // the failed call does not linger as a session
    expect(thrown?.state).toBe('ended');
    expect(core.sessionCount).toBe(0);

    receive(request({ body: SDP, callId: 'core-2@example.com', branch: 'z9hG4bKsecond' }));
    expect(calls).toBe(2);
    expect(transports.statuses()).toEqual([180, 500, 486]);
    receive(request({ method: 'OPTIONS', branch: 'z9hG4bKopt' }));
    expect(transports.statuses()).toEqual([180, 500, 486, 200]);
  });
});

// ── our own calls through the core ───────────────────────────────────────────

describe('UserAgentCore: outgoing calls', () => {
  it('2xx → ACK on the wire; after Timer M a retransmitted 2xx arrives as a stray and is ACKed again', async () => {
    const { core, transports, receive } = setup();
    const trunk: Destination = { protocol: 'UDP', address: '203.0.113.5', port: 5060 };
    const call = core.call({
      target: parseUri('sip:+15551234@203.0.113.5')!,
      destination: trunk,
      from: { uri: parseUri('sip:hotline@example.org')!, params: new Map() },
      sdp: ANSWER,
    });
    const invite = transports.requests('INVITE')[0]!;
    expect(transports.sent[0]!.dest).toEqual(trunk);

    const ok = createResponse(invite, 200, undefined, 'caroltag');
    ok.append('contact', '<sip:carol@203.0.113.9:5062>');
    receive(wire(ok), trunk);
    expect(call.state).toBe('established');
    await vi.advanceTimersByTimeAsync(0);
    const acks = transports.requests('ACK');
    expect(acks).toHaveLength(1);
    expect(acks[0]!.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(transports.sent.find((s) => s.message === acks[0])!.dest).toEqual({ protocol: 'UDP', address: '203.0.113.9', port: 5062 });

    await vi.advanceTimersByTimeAsync(64 * 500 + 1); // Timer M: the client transaction is gone
    expect(core.transactions.size).toBe(0);
    receive(wire(ok), trunk);
    await vi.advanceTimersByTimeAsync(0);
    expect(transports.requests('ACK')).toHaveLength(2);
  });
});
