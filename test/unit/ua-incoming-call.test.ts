/**
 * IncomingCall (src/sip/ua/incoming-call.ts, RFC 3261 §13.3) and the
 * in-dialog request handling it inherits from Session, driven through a fake
 * UaContext: no transactions, no sockets, fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IncomingCall } from '../../src/sip/ua/incoming-call.js';
import type { ClientTxnHandlers, RequestResult, ServerTxn, UaContext } from '../../src/sip/ua/context.js';
import type { EndReason, InDialogRequest } from '../../src/sip/ua/session.js';
import { createResponse, parseDatagram, SipRequest, type SipResponse } from '../../src/sip/message/index.js';
import type { SipUri } from '../../src/sip/message/uri.js';
import type { Destination, TransportProtocol } from '../../src/sip/transport/types.js';

// ── fakes ────────────────────────────────────────────────────────────────────

class FakeServerTxn implements ServerTxn {
  readonly responses: SipResponse[] = [];
  respond(res: SipResponse): void {
    this.responses.push(res);
  }
  statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

interface SentRequest {
  req: SipRequest;
  dest: Destination;
  resolve: (r: RequestResult) => void;
}

class FakeContext implements UaContext {
  readonly timers = { T1: 500, T2: 4000 };
  readonly logger = undefined;
  readonly requests: SentRequest[] = [];
  readonly stateless: { message: SipRequest | SipResponse; dest: Destination }[] = [];
  readonly dialogs = new Map<string, unknown>();

  viaFor(protocol: TransportProtocol, branch: string): string {
    return `SIP/2.0/${protocol} 198.51.100.1:5060;branch=${branch}`;
  }
  contactFor(protocol: TransportProtocol, user?: string): string {
    return `<sip:${user ?? 'hotline'}@198.51.100.1:5060${protocol === 'UDP' ? '' : `;transport=${protocol.toLowerCase()}`}>`;
  }
  resolve(uri: SipUri | undefined): Promise<Destination> {
    if (uri === undefined) return Promise.reject(new Error('no uri'));
    return Promise.resolve({ protocol: 'UDP', address: uri.host, port: uri.port ?? 5060 });
  }
  request(req: SipRequest, dest: Destination): Promise<RequestResult> {
    return new Promise((resolve) => this.requests.push({ req, dest, resolve }));
  }
  invite(_req: SipRequest, _dest: Destination, _handlers: ClientTxnHandlers): { abort(): void } {
    throw new Error('not used by IncomingCall');
  }
  sendStateless(message: SipRequest | SipResponse, dest: Destination): void {
    this.stateless.push({ message, dest });
  }
  rememberDialog(key: string, session: unknown): void {
    this.dialogs.set(key, session);
  }
  forgetDialog(key: string): void {
    this.dialogs.delete(key);
  }
  optionsResponse(req: SipRequest): SipResponse {
    const res = createResponse(req, 200);
    res.append('allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS');
    return res;
  }
}

// ── fixtures ─────────────────────────────────────────────────────────────────

function parseRequest(text: string): SipRequest {
  const out = parseDatagram(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
  if (out.kind !== 'message' || !(out.message instanceof SipRequest)) throw new Error(`fixture did not parse: ${JSON.stringify(out)}`);
  return out.message;
}

const OFFER = 'v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const ANSWER = Buffer.from('v=0\r\no=hotline 1 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n');

function invite(transport: 'UDP' | 'TCP' = 'UDP'): SipRequest {
  return parseRequest(`INVITE sip:1000@198.51.100.1 SIP/2.0
Via: SIP/2.0/${transport} 192.0.2.10:5070;branch=z9hG4bKinvite1
Max-Forwards: 70
From: "Alice" <sip:alice@example.com>;tag=alicetag
To: <sip:1000@example.com>
Call-ID: in-1@example.com
CSeq: 1 INVITE
Contact: <sip:alice@192.0.2.10:5070>
Content-Type: application/sdp

${OFFER}`);
}

/** A request from Alice inside the dialog whose To-tag is ours. */
function inDialog(call: IncomingCall, method: string, seq: number, opts: { contact?: string; body?: string } = {}): SipRequest {
  const lines = [
    `${method} sip:hotline@198.51.100.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK${method.toLowerCase()}${seq}`,
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.com>;tag=alicetag',
    `To: <sip:1000@example.com>;tag=${call.localTag}`,
    'Call-ID: in-1@example.com',
    `CSeq: ${seq} ${method}`,
  ];
  if (opts.contact !== undefined) lines.push(`Contact: ${opts.contact}`);
  if (opts.body !== undefined) lines.push('Content-Type: application/sdp');
  return parseRequest(`${lines.join('\n')}\n\n${opts.body ?? ''}`);
}

const UDP_SOURCE: Destination = { protocol: 'UDP', address: '192.0.2.10', port: 5070 };
const TCP_SOURCE: Destination = { protocol: 'TCP', address: '192.0.2.10', port: 40123, connectionId: 'tcp-1' };

function setup(transport: 'UDP' | 'TCP' = 'UDP') {
  const ctx = new FakeContext();
  const txn = new FakeServerTxn();
  const call = new IncomingCall(ctx, invite(transport), transport === 'UDP' ? UDP_SOURCE : TCP_SOURCE, txn);
  const ended: { reason: EndReason; detail: { status?: number; reason?: string } | undefined }[] = [];
  call.on('ended', (reason, detail) => ended.push({ reason, detail }));
  return { ctx, txn, call, ended };
}

/** Answer and let the caller's ACK arrive: an established call. */
async function established(transport: 'UDP' | 'TCP' = 'UDP') {
  const s = setup(transport);
  const answered = s.call.answer(ANSWER);
  s.call.handleAck(inDialog(s.call, 'ACK', 1));
  await answered;
  expect(s.call.state).toBe('established');
  return s;
}

/** Attach handlers at once so a rejection is never "unhandled". */
function outcome(p: Promise<void>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

// ── set-up half ──────────────────────────────────────────────────────────────

describe('IncomingCall: answering (§13.3.1.4)', () => {
  it('keeps the caller, dialed number and offer from the INVITE', () => {
    const { call } = setup();
    expect(call.from?.uri.user).toBe('alice');
    expect(call.dialed).toBe('1000');
    expect(call.remoteSdp?.toString()).toBe(OFFER.replace(/\r?\n/g, '\r\n'));
    expect(call.state).toBe('setup');
    expect(call.flow).toBeUndefined(); // UDP without rport: in-dialog requests go to the Contact
  });

  it('answer over UDP → 200 retransmitted at 0.5, 1.5, 3.5, 7.5 s (T1 doubling to T2 = 4 s) until the ACK, then none', async () => {
    const { ctx, txn, call } = setup();
    const established = vi.fn();
    call.on('established', established);
    const answered = outcome(call.answer(ANSWER));

    expect(txn.statuses()).toEqual([200]);
    const ok = txn.responses[0]!;
    expect(ok.toTag).toBe(call.localTag);
    expect(ok.get('contact')).toBe('<sip:hotline@198.51.100.1:5060>');
    expect(ok.contentType).toBe('application/sdp');
    expect(ok.body.equals(ANSWER)).toBe(true);
    expect(call.dialog?.state).toBe('confirmed');
    expect(ctx.dialogs.get(call.dialog!.id)).toBe(call);

    const counts: number[] = [];
    for (const t of [499, 1, 999, 1, 1999, 1, 3999, 1]) {
      await vi.advanceTimersByTimeAsync(t);
      counts.push(txn.responses.length);
    }
    // 0.499 s, 0.5 s, 1.499 s, 1.5 s, 3.499 s, 3.5 s, 7.499 s, 7.5 s
    expect(counts).toEqual([1, 2, 2, 3, 3, 4, 4, 5]);
    expect(txn.responses.every((r) => r === ok)).toBe(true); // the very same 2xx

    // the interval stays at T2 = 4 s
    await vi.advanceTimersByTimeAsync(4000);
    expect(txn.responses.length).toBe(6); // 11.5 s

    call.handleAck(inDialog(call, 'ACK', 1));
    expect(await answered).toBe('resolved');
    expect(established).toHaveBeenCalledTimes(1);
    expect(call.state).toBe('established');

    await vi.advanceTimersByTimeAsync(120_000);
    expect(txn.responses.length).toBe(6);
    expect(ctx.requests).toHaveLength(0); // no BYE
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answer over TCP → no retransmissions, and in-dialog requests stay on the connection', async () => {
    const { ctx, txn, call } = setup('TCP');
    expect(call.flow).toEqual(TCP_SOURCE);
    const answered = outcome(call.answer(ANSWER));
    expect(txn.responses[0]!.get('contact')).toBe('<sip:hotline@198.51.100.1:5060;transport=tcp>');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(txn.statuses()).toEqual([200]);
    call.handleAck(inDialog(call, 'ACK', 1));
    expect(await answered).toBe('resolved');
    expect(vi.getTimerCount()).toBe(0);

    void call.bye();
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.requests[0]!.dest).toEqual(TCP_SOURCE);
  });

  it('no ACK within 64·T1 → BYE sent, ended "no-ack", answer() promise rejects SIP_NO_ACK', async () => {
    const { ctx, txn, call, ended } = setup();
    const answered = outcome(call.answer(ANSWER));
    const dialogKey = call.dialog!.id;

    await vi.advanceTimersByTimeAsync(64 * 500 - 1);
    expect(ended).toHaveLength(0);
    expect(ctx.requests).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(1);
    expect(await answered).toBe('SIP_NO_ACK');
    expect(ended).toEqual([{ reason: 'no-ack', detail: undefined }]);
    expect(call.state).toBe('ended');
    expect(call.endReason).toBe('no-ack');
    expect(ctx.dialogs.has(dialogKey)).toBe(false);

    expect(ctx.requests).toHaveLength(1);
    const { req: bye, dest } = ctx.requests[0]!;
    expect(bye.method).toBe('BYE');
    expect(bye.uriText).toBe('sip:alice@192.0.2.10:5070');
    expect(bye.fromTag).toBe(call.localTag);
    expect(bye.toTag).toBe('alicetag');
    expect(bye.callId).toBe('in-1@example.com');
    expect(bye.cseq?.method).toBe('BYE');
    expect(dest).toEqual({ protocol: 'UDP', address: '192.0.2.10', port: 5070 });

    // 2xx sent at 0 and retransmitted at 0.5, 1.5, 3.5, then every 4 s up to 31.5 s
    expect(txn.responses.length).toBe(11);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(txn.responses.length).toBe(11);
    ctx.requests[0]!.resolve({ response: createResponse(bye, 200) });
  });

  it('an ACK that arrives after the give-up changes nothing', async () => {
    const { call, ended } = setup();
    const answered = outcome(call.answer(ANSWER));
    await vi.advanceTimersByTimeAsync(64 * 500);
    call.handleAck(inDialog(call, 'ACK', 1));
    expect(call.state).toBe('ended');
    expect(ended).toHaveLength(1);
    expect(await answered).toBe('SIP_NO_ACK');
  });

  it('CANCEL before answer → 487 and "cancel" + ended "cancelled"', async () => {
    const { ctx, txn, call, ended } = setup();
    const cancel = vi.fn();
    call.on('cancel', cancel);
    call.ringing();
    call.handleCancel();
    expect(txn.statuses()).toEqual([180, 487]);
    expect(txn.responses[1]!.toTag).toBe(call.localTag);
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(ended).toEqual([{ reason: 'cancelled', detail: undefined }]);
    expect(ctx.dialogs.size).toBe(0); // the early dialog is gone
    expect(call.dialog?.state).toBe('terminated');

    // too late to answer; a second CANCEL changes nothing
    expect(await outcome(call.answer(ANSWER))).toBe('SIP_CALL_NOT_ANSWERABLE');
    call.handleCancel();
    expect(txn.statuses()).toEqual([180, 487]);
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('CANCEL after the 200 is ignored (the call goes on)', async () => {
    const { txn, call, ended } = setup();
    const answered = outcome(call.answer(ANSWER));
    call.handleCancel();
    expect(txn.statuses()).toEqual([200]);
    call.handleAck(inDialog(call, 'ACK', 1));
    expect(await answered).toBe('resolved');
    expect(ended).toHaveLength(0);
  });

  it('reject(486) → ended "rejected" with status', async () => {
    const { ctx, txn, call, ended } = setup();
    call.reject(486);
    expect(txn.statuses()).toEqual([486]);
    expect(txn.responses[0]!.reason).toBe('Busy Here');
    expect(txn.responses[0]!.toTag).toBe(call.localTag);
    expect(txn.responses[0]!.has('contact')).toBe(false);
    expect(ended).toEqual([{ reason: 'rejected', detail: { status: 486 } }]);
    expect(ctx.dialogs.size).toBe(0);
    // one final response only
    call.reject(603);
    expect(await outcome(call.answer(ANSWER))).toBe('SIP_CALL_NOT_ANSWERABLE');
    expect(txn.statuses()).toEqual([486]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(txn.statuses()).toEqual([486]); // the transaction, not the call, retransmits non-2xx
  });

  it('reject with a reason phrase and extra headers', () => {
    const { txn, call } = setup();
    call.reject(480, 'Temporarily Unavailable (no agents)', { headers: { 'Retry-After': '60' } });
    expect(txn.responses[0]!.reason).toBe('Temporarily Unavailable (no agents)');
    expect(txn.responses[0]!.get('retry-after')).toBe('60');
  });

  it('ringing() creates an early dialog with our To-tag on 180', () => {
    const { ctx, txn, call } = setup();
    call.ringing();
    expect(txn.statuses()).toEqual([180]);
    const ringing = txn.responses[0]!;
    expect(ringing.toTag).toBe(call.localTag);
    expect(ringing.get('contact')).toBe('<sip:hotline@198.51.100.1:5060>');
    expect(call.dialog?.state).toBe('early');
    expect(call.dialog?.localTag).toBe(call.localTag);
    expect(call.dialog?.remoteTag).toBe('alicetag');
    expect(ctx.dialogs.get(call.dialog!.id)).toBe(call);

    // progress with early media: 183 with SDP, same tag; answer confirms the same dialog
    const early = call.dialog;
    call.progress(ANSWER);
    expect(txn.responses[1]!.status).toBe(183);
    expect(txn.responses[1]!.toTag).toBe(call.localTag);
    expect(txn.responses[1]!.body.equals(ANSWER)).toBe(true);
    void outcome(call.answer(ANSWER));
    expect(call.dialog).toBe(early);
    expect(call.dialog?.state).toBe('confirmed');
    expect(txn.responses[2]!.toTag).toBe(call.localTag);
    expect(ctx.dialogs.size).toBe(1);
    // no provisional after the final
    call.ringing();
    expect(txn.statuses()).toEqual([180, 183, 200]);
  });

  it('a transport error on the INVITE transaction ends the call', async () => {
    const { call, ended } = setup();
    const answered = outcome(call.answer(ANSWER));
    call.handleTransportError();
    expect(ended[0]?.reason).toBe('transport-error');
    expect(await answered).toBe('SIP_CALL_ENDED');
    expect(vi.getTimerCount()).toBe(0);
  });
});

// ── in-dialog requests (Session) ─────────────────────────────────────────────

describe('IncomingCall: in-dialog requests (Session.handleRequest)', () => {
  it('BYE on the early dialog (after 180, before answer) → 200 to the BYE and 487 to the INVITE (§15.1.2)', () => {
    const { txn, call, ended } = setup();
    call.ringing();
    const byeTxn = new FakeServerTxn();
    call.handleRequest(inDialog(call, 'BYE', 2), byeTxn);
    expect(byeTxn.statuses()).toEqual([200]);
    expect(txn.statuses()).toEqual([180, 487]);
    expect(ended).toEqual([{ reason: 'remote-bye', detail: undefined }]);
  });

  it('in-dialog BYE → 200 and ended "remote-bye"', async () => {
    const { ctx, call, ended } = await established();
    const key = call.dialog!.id;
    const txn = new FakeServerTxn();
    const bye = inDialog(call, 'BYE', 2);
    call.handleRequest(bye, txn);
    expect(txn.statuses()).toEqual([200]);
    expect(txn.responses[0]!.cseq).toEqual({ seq: 2, method: 'BYE' });
    expect(ended).toEqual([{ reason: 'remote-bye', detail: undefined }]);
    expect(ctx.dialogs.has(key)).toBe(false);
    // our own bye() is now a no-op
    expect(await call.bye()).toBeUndefined();
    expect(ctx.requests).toHaveLength(0);
  });

  it('local bye() → BYE in the dialog, ended "local-bye" at once', async () => {
    const { ctx, call, ended } = await established();
    const result = call.bye();
    expect(ended).toEqual([{ reason: 'local-bye', detail: undefined }]);
    await vi.advanceTimersByTimeAsync(0);
    const sent = ctx.requests[0]!;
    expect(sent.req.method).toBe('BYE');
    expect(sent.req.toTag).toBe('alicetag');
    sent.resolve({ response: createResponse(sent.req, 200) });
    expect((await result)?.response?.status).toBe(200);
  });

  it('re-INVITE with no listener → 200 with our last SDP', async () => {
    const { call } = await established();
    const txn = new FakeServerTxn();
    call.handleRequest(inDialog(call, 'INVITE', 2, { contact: '<sip:alice@192.0.2.99:5080>', body: OFFER }), txn);
    expect(txn.statuses()).toEqual([200]);
    const ok = txn.responses[0]!;
    expect(ok.body.equals(ANSWER)).toBe(true);
    expect(ok.contentType).toBe('application/sdp');
    expect(ok.get('contact')).toBe('<sip:hotline@198.51.100.1:5060>');
    // target refresh
    expect(call.dialog?.remoteTarget.host).toBe('192.0.2.99');
    expect(call.dialog?.remoteTarget.port).toBe(5080);
    expect(call.state).toBe('established');
  });

  it('re-INVITE over UDP (hold) → our 200 is retransmitted (T1 doubling) until its ACK, then no more', async () => {
    const { call } = await established();
    const txn = new FakeServerTxn();
    call.handleRequest(inDialog(call, 'INVITE', 2, { body: OFFER }), txn);
    expect(txn.statuses()).toEqual([200]);
    await vi.advanceTimersByTimeAsync(500);
    expect(txn.statuses()).toEqual([200, 200]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(txn.statuses()).toEqual([200, 200, 200]);
    call.handleAck(inDialog(call, 'ACK', 2));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(txn.statuses()).toHaveLength(3);
    expect(call.state).toBe('established');
  });

  it('re-INVITE answered but never ACKed in 64·T1 → BYE, ended "no-ack"', async () => {
    const { ctx, call, ended } = await established();
    call.handleRequest(inDialog(call, 'INVITE', 2, { body: OFFER }), new FakeServerTxn());
    await vi.advanceTimersByTimeAsync(64 * 500);
    expect(ctx.requests.map((r) => r.req.method)).toEqual(['BYE']);
    expect(ended).toEqual([{ reason: 'no-ack', detail: undefined }]);
  });

  it('our re-INVITE: its 2xx retransmitted (our ACK lost) → the same ACK again', async () => {
    const { ctx, call } = await established();
    const result = call.reinvite(Buffer.from(OFFER));
    await vi.advanceTimersByTimeAsync(0);
    const sent = ctx.requests[0]!;
    const ok = createResponse(sent.req, 200, undefined);
    ok.body = ANSWER;
    sent.resolve({ response: ok });
    await result;
    const acks = (): SipRequest[] => ctx.stateless.map((x) => x.message).filter((m): m is SipRequest => m instanceof SipRequest && m.method === 'ACK');
    expect(acks()).toHaveLength(1);
    expect(acks()[0]!.cseq).toEqual({ seq: sent.req.cseq!.seq, method: 'ACK' });
    call.handleStray2xx(ok);
    expect(acks()).toHaveLength(2);
    expect(acks()[1]).toBe(acks()[0]);
  });

  it('re-INVITE with no listener and no SDP of ours → 488', async () => {
    const s = setup();
    const answered = outcome(s.call.answer(undefined));
    s.call.handleAck(inDialog(s.call, 'ACK', 1));
    expect(await answered).toBe('resolved');
    const txn = new FakeServerTxn();
    s.call.handleRequest(inDialog(s.call, 'INVITE', 2, { body: OFFER }), txn);
    expect(txn.statuses()).toEqual([488]);
  });

  it('re-INVITE with a listener: its answer is sent and becomes our SDP (even asynchronously)', async () => {
    const { call } = await established();
    const held = Buffer.from('v=0\r\na=sendonly\r\n');
    call.on('reinvite', (r: InDialogRequest) => {
      setTimeout(() => r.respond(200, { body: held }), 10);
    });
    const txn = new FakeServerTxn();
    call.handleRequest(inDialog(call, 'INVITE', 2, { body: OFFER }), txn);
    expect(txn.responses).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(txn.statuses()).toEqual([200]);
    expect(call.localSdp?.equals(held)).toBe(true);
  });

  it('INFO → "info" event; unanswered listener → default 200', async () => {
    const { call } = await established();
    // with a listener: it decides the answer, and only its first answer counts
    const seen: SipRequest[] = [];
    const listener = (r: InDialogRequest): void => {
      seen.push(r.request);
      r.respond(202);
      r.respond(500);
    };
    call.on('info', listener);
    const txn1 = new FakeServerTxn();
    const info = inDialog(call, 'INFO', 2);
    call.handleRequest(info, txn1);
    expect(seen).toEqual([info]);
    expect(txn1.statuses()).toEqual([202]);

    // nobody listening → the default 200
    call.off('info', listener);
    const txn2 = new FakeServerTxn();
    call.handleRequest(inDialog(call, 'INFO', 3), txn2);
    expect(txn2.statuses()).toEqual([200]);
  });

  it('REFER with no listener → 603', async () => {
    const { call } = await established();
    const txn = new FakeServerTxn();
    call.handleRequest(inDialog(call, 'REFER', 2), txn);
    expect(txn.statuses()).toEqual([603]);
    expect(call.state).toBe('established');
  });

  it('NOTIFY and MESSAGE default to 200, OPTIONS gets the core answer, an unknown method 501', async () => {
    const { call } = await established();
    const statuses: number[] = [];
    let seq = 2;
    for (const method of ['NOTIFY', 'MESSAGE', 'OPTIONS', 'FOO']) {
      const txn = new FakeServerTxn();
      call.handleRequest(inDialog(call, method, seq++), txn);
      statuses.push(...txn.statuses());
      if (method === 'OPTIONS') expect(txn.responses[0]!.get('allow')).toContain('INVITE');
    }
    expect(statuses).toEqual([200, 200, 200, 501]);
  });

  it('out-of-order CSeq → 500', async () => {
    const { call, ended } = await established();
    const ok = new FakeServerTxn();
    call.handleRequest(inDialog(call, 'INFO', 5), ok);
    expect(ok.statuses()).toEqual([200]);

    for (const seq of [5, 4, 1]) {
      const txn = new FakeServerTxn();
      call.handleRequest(inDialog(call, seq === 1 ? 'BYE' : 'INFO', seq), txn);
      expect(txn.statuses()).toEqual([500]);
      expect(txn.responses[0]!.reason).toMatch(/CSeq/);
    }
    expect(ended).toHaveLength(0); // the stale BYE did not hang up
    expect(call.state).toBe('established');
  });
});
