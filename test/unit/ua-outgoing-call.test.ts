/**
 * OutgoingCall (src/sip/ua/outgoing-call.ts, RFC 3261 §13.2, §9.1) driven
 * through a fake UaContext whose invite() captures the transaction handlers,
 * so the test plays the network's part response by response.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutgoingCall, type OutgoingCallOptions } from '../../src/sip/ua/outgoing-call.js';
import type { ClientTxnHandlers, RequestResult, UaContext } from '../../src/sip/ua/context.js';
import type { EndReason } from '../../src/sip/ua/session.js';
import { createResponse, parseDatagram, parseUri, serialize, SipRequest, SipResponse } from '../../src/sip/message/index.js';
import type { SipUri } from '../../src/sip/message/uri.js';
import type { Destination, TransportProtocol } from '../../src/sip/transport/types.js';

// ── fake context ─────────────────────────────────────────────────────────────

interface Invite {
  req: SipRequest;
  dest: Destination;
  handlers: ClientTxnHandlers;
  aborted: boolean;
}

interface SentRequest {
  req: SipRequest;
  dest: Destination;
  resolve: (r: RequestResult) => void;
}

class FakeContext implements UaContext {
  readonly timers = { T1: 500, T2: 4000 };
  readonly logger = undefined;
  readonly invites: Invite[] = [];
  readonly requests: SentRequest[] = [];
  readonly stateless: { message: SipRequest | SipResponse; dest: Destination }[] = [];
  readonly dialogs = new Map<string, unknown>();
  /** Everything that left, in order: "INVITE", "ACK", "CANCEL", "BYE"… */
  readonly log: string[] = [];

  viaFor(protocol: TransportProtocol, branch: string): string {
    return `SIP/2.0/${protocol} 198.51.100.1:5060;branch=${branch}`;
  }
  contactFor(_protocol: TransportProtocol, user?: string): string {
    return `<sip:${user ?? 'hotline'}@198.51.100.1:5060>`;
  }
  resolve(uri: SipUri | undefined): Promise<Destination> {
    if (uri === undefined) return Promise.reject(new Error('no uri'));
    return Promise.resolve({ protocol: 'UDP', address: uri.host, port: uri.port ?? 5060 });
  }
  request(req: SipRequest, dest: Destination): Promise<RequestResult> {
    this.log.push(req.method);
    return new Promise((resolve) => this.requests.push({ req, dest, resolve }));
  }
  invite(req: SipRequest, dest: Destination, handlers: ClientTxnHandlers): { abort(): void } {
    this.log.push(req.method);
    const entry: Invite = { req, dest, handlers, aborted: false };
    this.invites.push(entry);
    return {
      abort: () => {
        entry.aborted = true;
      },
    };
  }
  sendStateless(message: SipRequest | SipResponse, dest: Destination): void {
    this.log.push(message instanceof SipRequest ? message.method : String(message.status));
    this.stateless.push({ message, dest });
  }
  rememberDialog(key: string, session: unknown): void {
    this.dialogs.set(key, session);
  }
  forgetDialog(key: string): void {
    this.dialogs.delete(key);
  }
  optionsResponse(req: SipRequest): SipResponse {
    return createResponse(req, 200);
  }

  acks(): SipRequest[] {
    return this.stateless.map((s) => s.message).filter((m): m is SipRequest => m instanceof SipRequest && m.method === 'ACK');
  }
  sent(method: string): SentRequest[] {
    return this.requests.filter((r) => r.req.method === method);
  }
}

// ── fixtures ─────────────────────────────────────────────────────────────────

const TRUNK: Destination = { protocol: 'UDP', address: '203.0.113.5', port: 5060 };
const OFFER = Buffer.from('v=0\r\no=hotline 1 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n');
const ANSWER = 'v=0\r\no=carol 1 1 IN IP4 203.0.113.9\r\ns=-\r\nc=IN IP4 203.0.113.9\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n';

function options(extra: Partial<OutgoingCallOptions> = {}): OutgoingCallOptions {
  return {
    target: parseUri('sip:+15551234@trunk.example.net')!,
    destination: TRUNK,
    from: { uri: parseUri('sip:hotline@example.org')!, params: new Map() },
    sdp: OFFER,
    ...extra,
  };
}

/** The response the far end would send to `req`, through the wire format. */
function reply(
  req: SipRequest,
  status: number,
  opts: { toTag?: string | null; contact?: string; body?: string; headers?: Record<string, string> } = {},
): SipResponse {
  const res = createResponse(req, status, undefined, opts.toTag === null ? undefined : (opts.toTag ?? 'caroltag'));
  if (status > 100 && status < 300) res.append('contact', opts.contact ?? '<sip:carol@203.0.113.9:5062>');
  for (const [k, v] of Object.entries(opts.headers ?? {})) res.append(k, v);
  if (opts.body !== undefined) {
    res.append('content-type', 'application/sdp');
    res.body = Buffer.from(opts.body);
  }
  const out = parseDatagram(serialize(res));
  if (out.kind !== 'message' || !(out.message instanceof SipResponse)) throw new Error('reply did not parse');
  return out.message;
}

function setup(extra: Partial<OutgoingCallOptions> = {}) {
  const ctx = new FakeContext();
  const call = new OutgoingCall(ctx, options(extra));
  const ended: { reason: EndReason; detail: { status?: number; reason?: string } | undefined }[] = [];
  const progress: SipResponse[] = [];
  call.on('ended', (reason, detail) => ended.push({ reason, detail }));
  call.on('progress', (res) => progress.push(res));
  call.start();
  const first = ctx.invites[0]!;
  /** Feed a response to the current INVITE transaction. */
  const feed = (res: SipResponse, n = ctx.invites.length - 1): void => ctx.invites[n]!.handlers.onResponse(res);
  return { ctx, call, ended, progress, first, feed };
}

const branchOf = (m: SipRequest): string | null | undefined => m.topVia?.params.get('branch');

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('OutgoingCall: the INVITE', () => {
  it('is sent at once to the destination with a From-tag, Contact, CSeq 1 and the offer', () => {
    const { ctx, first, call } = setup({ headers: { 'X-Campaign': '42' } });
    expect(ctx.invites).toHaveLength(1);
    const inv = first.req;
    expect(inv).toBe(call.request);
    expect(first.dest).toEqual(TRUNK);
    expect(inv.uriText).toBe('sip:+15551234@trunk.example.net');
    expect(inv.fromTag).toMatch(/^[0-9a-f]+$/);
    expect(inv.toTag).toBeUndefined();
    expect(inv.to?.uri.user).toBe('+15551234');
    expect(inv.cseq).toEqual({ seq: 1, method: 'INVITE' });
    expect(inv.get('contact')).toBe('<sip:hotline@198.51.100.1:5060>');
    expect(branchOf(inv)).toMatch(/^z9hG4bK/);
    expect(inv.get('x-campaign')).toBe('42');
    expect(inv.contentType).toBe('application/sdp');
    expect(inv.body.equals(OFFER)).toBe(true);
    expect(call.state).toBe('setup');
  });
});

describe('OutgoingCall: responses (§13.2.2)', () => {
  it('180 → progress event and early dialog', () => {
    const { ctx, call, progress, first, feed } = setup();
    feed(reply(first.req, 100, { toTag: null }));
    expect(progress).toHaveLength(0);
    expect(call.dialog).toBeUndefined();

    const ringing = reply(first.req, 180);
    feed(ringing);
    expect(progress).toEqual([ringing]);
    expect(call.dialog?.state).toBe('early');
    expect(call.dialog?.remoteTag).toBe('caroltag');
    expect(call.dialog?.localTag).toBe(first.req.fromTag);
    expect(ctx.dialogs.get(call.dialog!.id)).toBe(call);
    expect(call.state).toBe('setup');
  });

  it('200 → ACK sent (stateless) with the INVITE CSeq and established', async () => {
    const { ctx, call, first, feed, ended } = setup();
    const established = vi.fn();
    call.on('established', established);
    feed(reply(first.req, 180));
    const early = call.dialog;
    feed(reply(first.req, 200, { body: ANSWER }));
    expect(established).toHaveBeenCalledTimes(1);
    expect(call.state).toBe('established');
    expect(call.dialog).toBe(early);
    expect(call.dialog?.state).toBe('confirmed');
    expect(call.remoteSdp?.toString()).toBe(ANSWER);

    await vi.advanceTimersByTimeAsync(0);
    const acks = ctx.acks();
    expect(acks).toHaveLength(1);
    const ack = acks[0]!;
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(ack.uriText).toBe('sip:carol@203.0.113.9:5062');
    expect(ack.callId).toBe(first.req.callId);
    expect(ack.fromTag).toBe(first.req.fromTag);
    expect(ack.toTag).toBe('caroltag');
    expect(branchOf(ack)).not.toBe(branchOf(first.req)); // a 2xx ACK is its own transaction
    expect(ctx.stateless[0]!.dest).toEqual({ protocol: 'UDP', address: '203.0.113.9', port: 5062 });
    expect(ctx.requests).toHaveLength(0);
    expect(ended).toHaveLength(0);
  });

  it('symmetric (a registered phone behind NAT) → ACK and BYE go to the REGISTER source, not the private Contact in the 2xx', async () => {
    const phone: Destination = { protocol: 'UDP', address: '203.0.113.50', port: 40000 };
    const { ctx, call, first, feed } = setup({ destination: phone, symmetric: true });
    feed(reply(first.req, 200, { body: ANSWER, contact: '<sip:1002@192.168.1.10:5060>' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.acks()).toHaveLength(1);
    expect(ctx.stateless[0]!.dest).toEqual(phone);
    void call.bye();
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.sent('BYE')[0]!.dest).toEqual(phone);
  });

  it('retransmitted 200 via handleStray2xx → ACK again', async () => {
    const { ctx, call, first, feed } = setup();
    const ok = reply(first.req, 200, { body: ANSWER });
    feed(ok);
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.acks()).toHaveLength(1);

    call.handleStray2xx(ok);
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.acks()).toHaveLength(2);
    expect(ctx.acks()[1]!.cseq).toEqual({ seq: 1, method: 'ACK' });

    // a stray 2xx of some other dialog is not ours to ACK
    call.handleStray2xx(reply(first.req, 200, { toTag: 'othertag' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.acks()).toHaveLength(2);
  });

  it('486 → ended "rejected" status 486', () => {
    const { ctx, call, first, feed, ended } = setup();
    feed(reply(first.req, 180));
    feed(reply(first.req, 486));
    expect(ended).toEqual([{ reason: 'rejected', detail: { status: 486, reason: 'Busy Here' } }]);
    expect(call.state).toBe('ended');
    expect(ctx.dialogs.size).toBe(0); // the early dialog is dropped
    expect(ctx.stateless).toHaveLength(0); // the transaction ACKs a non-2xx, not us
  });

  it('a 2xx from a second fork after the call is up → ACK and BYE that fork', async () => {
    const { ctx, call, first, feed } = setup();
    feed(reply(first.req, 200));
    await vi.advanceTimersByTimeAsync(0);
    const ours = call.dialog!.id;
    feed(reply(first.req, 200, { toTag: 'forktag', contact: '<sip:dave@203.0.113.77:5064>' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.acks()).toHaveLength(2);
    expect(ctx.acks()[1]!.toTag).toBe('forktag');
    expect(ctx.acks()[1]!.cseq).toEqual({ seq: 1, method: 'ACK' });
    const byes = ctx.sent('BYE');
    expect(byes).toHaveLength(1);
    expect(byes[0]!.req.toTag).toBe('forktag');
    expect(byes[0]!.dest.address).toBe('203.0.113.77');
    expect(call.state).toBe('established');
    expect(call.dialog!.id).toBe(ours);
  });

  it('timeout → ended "timeout"', () => {
    const { call, first, ended } = setup();
    first.handlers.onTimeout();
    expect(ended).toEqual([{ reason: 'timeout', detail: { status: 408 } }]);
    expect(call.state).toBe('ended');
  });

  it('transport error → ended "transport-error"', () => {
    const { first, ended } = setup();
    first.handlers.onTransportError(new Error('ECONNREFUSED'));
    expect(ended[0]?.reason).toBe('transport-error');
  });
});

describe('OutgoingCall: digest challenge (§22.2)', () => {
  const challenge = { 'WWW-Authenticate': 'Digest realm="trunk.example.net", nonce="abc123", algorithm=MD5, qop="auth"' };

  it('401 with credentials → INVITE resent once with Authorization, CSeq+1, new branch; second 401 → rejected', () => {
    const { ctx, call, first, feed, ended } = setup({ credentials: { username: 'hotline', password: 's3cret' } });
    feed(reply(first.req, 401, { headers: challenge }));
    expect(ended).toHaveLength(0);
    expect(ctx.invites).toHaveLength(2);
    const retry = ctx.invites[1]!;
    expect(retry.dest).toEqual(TRUNK);
    const auth = retry.req.get('authorization');
    expect(auth).toMatch(/^Digest /);
    expect(auth).toContain('username="hotline"');
    expect(auth).toContain('realm="trunk.example.net"');
    expect(auth).toContain('nonce="abc123"');
    expect(auth).toContain('uri="sip:+15551234@trunk.example.net"');
    expect(retry.req.cseq).toEqual({ seq: 2, method: 'INVITE' });
    expect(branchOf(retry.req)).toMatch(/^z9hG4bK/);
    expect(branchOf(retry.req)).not.toBe(branchOf(first.req));
    expect(retry.req.getAll('via')).toHaveLength(1);
    expect(retry.req.callId).toBe(first.req.callId);
    expect(retry.req.fromTag).toBe(first.req.fromTag);
    expect(retry.req.body.equals(OFFER)).toBe(true);
    // the original request is untouched
    expect(first.req.has('authorization')).toBe(false);
    expect(first.req.cseq?.seq).toBe(1);

    feed(reply(retry.req, 401, { headers: challenge }));
    expect(ctx.invites).toHaveLength(2);
    expect(ended).toEqual([{ reason: 'rejected', detail: { status: 401, reason: 'Unauthorized' } }]);
    expect(call.state).toBe('ended');
  });

  it('407 → Proxy-Authorization; the answer to the retry establishes the call with ACK CSeq 2', async () => {
    const { ctx, call, first, feed } = setup({ credentials: { username: 'hotline', password: 's3cret' } });
    feed(reply(first.req, 407, { headers: { 'Proxy-Authenticate': 'Digest realm="proxy", nonce="n1"' } }));
    const retry = ctx.invites[1]!;
    expect(retry.req.get('proxy-authorization')).toMatch(/^Digest /);
    expect(retry.req.has('authorization')).toBe(false);
    feed(reply(retry.req, 200));
    expect(call.state).toBe('established');
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.acks()[0]!.cseq).toEqual({ seq: 2, method: 'ACK' });
  });

  it('cancel() after a 401 retry → the CANCEL waits for a provisional to the new INVITE (§9.1)', () => {
    const { ctx, call, first, feed } = setup({ credentials: { username: 'hotline', password: 's3cret' } });
    feed(reply(first.req, 100, { toTag: null }));
    feed(reply(first.req, 401, { headers: challenge }));
    call.cancel();
    expect(ctx.sent('CANCEL')).toHaveLength(0);
    feed(reply(ctx.invites[1]!.req, 180));
    expect(ctx.sent('CANCEL')).toHaveLength(1);
    expect(ctx.sent('CANCEL')[0]!.req.cseq).toEqual({ seq: 2, method: 'CANCEL' });
  });

  it('401 after cancel() → no authenticated retry, the call ends', () => {
    const { ctx, call, first, feed, ended } = setup({ credentials: { username: 'hotline', password: 's3cret' } });
    call.cancel();
    feed(reply(first.req, 401, { headers: challenge }));
    expect(ctx.invites).toHaveLength(1);
    expect(ended[0]).toEqual({ reason: 'rejected', detail: { status: 401, reason: 'Unauthorized' } });
  });

  it('401 without credentials → rejected at once', () => {
    const { ctx, first, feed, ended } = setup();
    feed(reply(first.req, 401, { headers: challenge }));
    expect(ctx.invites).toHaveLength(1);
    expect(ended[0]).toEqual({ reason: 'rejected', detail: { status: 401, reason: 'Unauthorized' } });
  });
});

describe('OutgoingCall: cancel() (§9.1)', () => {
  it('cancel() before any provisional → CANCEL sent only after the 180 arrives', () => {
    const { ctx, call, first, feed } = setup();
    call.cancel();
    expect(ctx.sent('CANCEL')).toHaveLength(0);
    expect(call.state).toBe('setup');
    feed(reply(first.req, 180));
    expect(ctx.sent('CANCEL')).toHaveLength(1);
  });

  it('cancel() after 180 → CANCEL with same branch/Call-ID/CSeq number; 487 → ended "cancelled"', async () => {
    const { ctx, call, first, feed, ended } = setup();
    feed(reply(first.req, 180));
    call.cancel();
    const cancels = ctx.sent('CANCEL');
    expect(cancels).toHaveLength(1);
    const { req: cancel, dest } = cancels[0]!;
    expect(dest).toEqual(TRUNK);
    expect(cancel.uriText).toBe(first.req.uriText);
    expect(cancel.getAll('via')).toEqual(first.req.getAll('via'));
    expect(branchOf(cancel)).toBe(branchOf(first.req));
    expect(cancel.callId).toBe(first.req.callId);
    expect(cancel.get('from')).toBe(first.req.get('from'));
    expect(cancel.get('to')).toBe(first.req.get('to')); // no To-tag: the INVITE's To
    expect(cancel.cseq).toEqual({ seq: 1, method: 'CANCEL' });
    expect(cancel.body.length).toBe(0);

    // cancel() again is a no-op; a later provisional does not send a second CANCEL
    call.cancel();
    feed(reply(first.req, 183));
    expect(ctx.sent('CANCEL')).toHaveLength(1);

    cancels[0]!.resolve({ response: createResponse(cancel, 200) });
    feed(reply(first.req, 487));
    expect(ended).toEqual([{ reason: 'cancelled', detail: { status: 487, reason: 'Request Terminated' } }]);
    expect(ctx.dialogs.size).toBe(0);
    // the 64·T1 give-up timer is gone with the call
    await vi.advanceTimersByTimeAsync(64 * 500);
    expect(first.aborted).toBe(false);
    expect(ended).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancel() after a 100 Trying only → CANCEL at once', () => {
    const { ctx, call, first, feed } = setup();
    feed(reply(first.req, 100, { toTag: null }));
    call.cancel();
    expect(ctx.sent('CANCEL')).toHaveLength(1);
  });

  it('cancel() and no final in 64·T1 → transaction aborted, ended "cancelled"', async () => {
    const { ctx, call, first, feed, ended } = setup();
    feed(reply(first.req, 180));
    call.cancel();
    expect(ctx.sent('CANCEL')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(64 * 500 - 1);
    expect(first.aborted).toBe(false);
    expect(ended).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.aborted).toBe(true);
    expect(ended).toEqual([{ reason: 'cancelled', detail: { status: 487 } }]);
    expect(call.state).toBe('ended');
    expect(ctx.dialogs.size).toBe(0);
  });

  it('200 after cancel() (race) → ACK then BYE', async () => {
    const { ctx, call, first, feed, ended } = setup();
    feed(reply(first.req, 180));
    call.cancel();
    feed(reply(first.req, 200, { body: ANSWER }));
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.log).toEqual(['INVITE', 'CANCEL', 'ACK', 'BYE']);
    const bye = ctx.sent('BYE')[0]!.req;
    expect(bye.callId).toBe(first.req.callId);
    expect(bye.toTag).toBe('caroltag');
    expect(bye.cseq).toEqual({ seq: 2, method: 'BYE' });
    expect(bye.uriText).toBe('sip:carol@203.0.113.9:5062');
    expect(ended).toEqual([{ reason: 'cancelled', detail: undefined }]);
    // no give-up timer left behind
    await vi.advanceTimersByTimeAsync(64 * 500);
    expect(first.aborted).toBe(false);
    expect(ended).toHaveLength(1);
  });

  it('200 after cancel() before any provisional → ACK then BYE, no CANCEL', async () => {
    const { ctx, call, first, feed, ended } = setup();
    call.cancel();
    feed(reply(first.req, 200));
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.log).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(ended[0]?.reason).toBe('cancelled');
  });

  it('cancel() after the call is up does nothing', async () => {
    const { ctx, call, first, feed } = setup();
    feed(reply(first.req, 180));
    feed(reply(first.req, 200));
    call.cancel();
    await vi.advanceTimersByTimeAsync(0);
    expect(ctx.sent('CANCEL')).toHaveLength(0);
    expect(call.state).toBe('established');
  });
});
