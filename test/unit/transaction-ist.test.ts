import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse } from '../../src/sip/message/index.js';
import type { InviteServerTransaction } from '../../src/sip/transaction/index.js';
import { request, setup, source } from './transaction-fixtures.js';

function ist(txn: unknown): InviteServerTransaction {
  const t = txn as InviteServerTransaction | undefined;
  if (t?.kind !== 'ist') throw new Error('expected an INVITE server transaction');
  return t;
}

/** An incoming INVITE, handed to the layer; returns its server transaction. */
function incomingInvite(ctx: ReturnType<typeof setup>, spec: Parameters<typeof request>[0] = {}, src = source()) {
  const invite = request(spec);
  ctx.layer.receiveRequest(invite, src);
  const txn = ist(ctx.requests.at(-1)?.txn);
  return { invite, txn };
}

function ackFor(spec: Parameters<typeof request>[0] = {}) {
  return request({ method: 'ACK', toTag: 'uas-tag', ...spec });
}

describe('INVITE server transaction', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('IST: TU silent for 200 ms → 100 Trying sent (no To tag, Timestamp copied)', () => {
    const ctx = setup();
    const { txn } = incomingInvite(ctx, { extra: ['Timestamp: 54.2'] });
    expect(txn.state).toBe('proceeding');
    vi.advanceTimersByTime(199);
    expect(ctx.net.sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    const trying = ctx.net.responses(100);
    expect(trying).toHaveLength(1);
    expect(trying[0]!.toTag).toBeUndefined();
    expect(trying[0]!.get('timestamp')).toBe('54.2');
    expect(trying[0]!.getAll('via')).toHaveLength(2);
    expect(ctx.net.sent[0]!.dest).toEqual({ protocol: 'UDP', address: '192.0.2.10', port: 5070 });
    expect(txn.state).toBe('proceeding');
    vi.advanceTimersByTime(10_000);
    expect(ctx.net.sent).toHaveLength(1);
  });

  it('IST: TU answers within 200 ms → no 100 Trying', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    vi.advanceTimersByTime(150);
    expect(txn.respond(createResponse(invite, 180, undefined, 'uas-tag'))).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(ctx.net.responses(100)).toHaveLength(0);
    expect(ctx.net.responses(180)).toHaveLength(1);
  });

  it('IST: TU answers synchronously with a final → no 100 Trying', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    txn.respond(createResponse(invite, 200, undefined, 'uas-tag'));
    vi.advanceTimersByTime(1000);
    expect(ctx.net.responses(100)).toHaveLength(0);
  });

  it('IST: retransmitted INVITE in proceeding → last provisional resent (nothing before any provisional)', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    ctx.layer.receiveRequest(request(), source());
    expect(ctx.net.sent).toHaveLength(0);
    txn.respond(createResponse(invite, 180, undefined, 'uas-tag'));
    txn.respond(createResponse(invite, 183, undefined, 'uas-tag'));
    ctx.layer.receiveRequest(request(), source());
    expect(ctx.net.sent.map((s) => (s.message as { status?: number }).status)).toEqual([180, 183, 183]);
    expect(ctx.requests).toHaveLength(1);
    expect(ctx.layer.stats().absorbed).toBe(2);
    expect(ctx.layer.stats().retransmissions).toBe(1);
  });

  it('IST: retransmitted INVITE after Timer 100 → the 100 Trying is resent', () => {
    const ctx = setup();
    incomingInvite(ctx);
    vi.advanceTimersByTime(500);
    ctx.layer.receiveRequest(request(), source());
    expect(ctx.net.responses(100)).toHaveLength(2);
  });

  it('IST over UDP: 486 retransmitted by Timer G (0.5, 1.5, 3.5, 7.5, 11.5 s: doubling up to T2) until ACK, then Timer I (T4) → terminated', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    txn.respond(createResponse(invite, 486, undefined, 'uas-tag'));
    expect(txn.state).toBe('completed');
    const times: number[] = [];
    for (let t = 100; t <= 12_000; t += 100) {
      const before = ctx.net.responses(486).length;
      vi.advanceTimersByTime(100);
      if (ctx.net.responses(486).length > before) times.push(t);
    }
    expect(times).toEqual([500, 1500, 3500, 7500, 11_500]);
    ctx.layer.receiveRequest(ackFor(), source());
    expect(txn.state).toBe('confirmed');
    expect(ctx.requests).toHaveLength(1); // the ACK of a non-2xx is not for the TU
    vi.advanceTimersByTime(20_000);
    expect(ctx.net.responses(486)).toHaveLength(6);
    expect(txn.state).toBe('terminated');
    expect(ctx.layer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('IST: ACK retransmissions and INVITE retransmissions in confirmed are absorbed; Timer I fires at T4', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    txn.respond(createResponse(invite, 404, undefined, 'uas-tag'));
    ctx.layer.receiveRequest(ackFor(), source());
    ctx.net.clear();
    ctx.layer.receiveRequest(ackFor(), source());
    ctx.layer.receiveRequest(request(), source());
    expect(ctx.net.sent).toHaveLength(0);
    expect(ctx.requests).toHaveLength(1);
    vi.advanceTimersByTime(4999);
    expect(txn.state).toBe('confirmed');
    vi.advanceTimersByTime(1);
    expect(txn.state).toBe('terminated');
  });

  it('IST over UDP: no ACK → Timer G retransmits until Timer H at 64*T1 → user.onTimeout, terminated', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    const onTimeout = vi.fn();
    const onTerminated = vi.fn();
    txn.user = { onTimeout, onTerminated };
    txn.respond(createResponse(invite, 480, undefined, 'uas-tag'));
    vi.advanceTimersByTime(31_999);
    // G at 0.5, 1.5, 3.5, 7.5, then every 4 s up to 31.5
    expect(ctx.net.responses(480)).toHaveLength(11);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(onTerminated).toHaveBeenCalledTimes(1);
    expect(txn.state).toBe('terminated');
    expect(ctx.layer.size).toBe(0);
  });

  it('IST over TCP: 486 → no Timer G; retransmitted INVITE → final resent; ACK → Timer I is 0 → terminated', () => {
    const ctx = setup();
    const tcp = source('TCP', { connectionId: 'conn-9' });
    const { invite, txn } = incomingInvite(ctx, { transport: 'TCP' }, tcp);
    txn.respond(createResponse(invite, 486, undefined, 'uas-tag'));
    expect(ctx.net.sent[0]!.dest).toEqual(tcp);
    vi.advanceTimersByTime(10_000);
    expect(ctx.net.responses(486)).toHaveLength(1);
    ctx.layer.receiveRequest(request({ transport: 'TCP' }), tcp);
    expect(ctx.net.responses(486)).toHaveLength(2);
    ctx.layer.receiveRequest(ackFor({ transport: 'TCP' }), tcp);
    expect(txn.state).toBe('confirmed');
    vi.advanceTimersByTime(0);
    expect(txn.state).toBe('terminated');
  });

  it('IST over TCP: no ACK → Timer H still fires at 64*T1', () => {
    const ctx = setup();
    const tcp = source('TCP', { connectionId: 'conn-9' });
    const { invite, txn } = incomingInvite(ctx, { transport: 'TCP' }, tcp);
    const onTimeout = vi.fn();
    txn.user = { onTimeout };
    txn.respond(createResponse(invite, 486, undefined, 'uas-tag'));
    vi.advanceTimersByTime(32_000);
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });

  it('IST: retransmitted INVITE in completed → final resent', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    txn.respond(createResponse(invite, 603, undefined, 'uas-tag'));
    ctx.layer.receiveRequest(request(), source());
    expect(ctx.net.responses(603)).toHaveLength(2);
  });

  it('IST: retransmitted INVITE after 2xx (accepted) → absorbed, nothing sent', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    txn.respond(createResponse(invite, 200, undefined, 'uas-tag'));
    expect(txn.state).toBe('accepted');
    ctx.net.clear();
    ctx.layer.receiveRequest(request(), source());
    ctx.layer.receiveRequest(request(), source());
    expect(ctx.net.sent).toHaveLength(0);
    expect(ctx.requests).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(ctx.net.sent).toHaveLength(0); // no Timer G for 2xx: the TU retransmits
  });

  it('IST: TU retransmits its 2xx through respond() in accepted; Timer L (64*T1) → terminated', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    const ok = createResponse(invite, 200, undefined, 'uas-tag');
    txn.respond(ok);
    vi.advanceTimersByTime(500);
    expect(txn.respond(ok)).toBe(true);
    expect(txn.respond(createResponse(invite, 486, undefined, 'uas-tag'))).toBe(false);
    expect(txn.respond(createResponse(invite, 180, undefined, 'uas-tag'))).toBe(false);
    expect(ctx.net.responses(200)).toHaveLength(2);
    vi.advanceTimersByTime(31_499);
    expect(txn.state).toBe('accepted');
    vi.advanceTimersByTime(1);
    expect(txn.state).toBe('terminated');
    expect(txn.respond(ok)).toBe(false);
    expect(ctx.layer.size).toBe(0);
    // A late INVITE retransmission is now a new transaction (the dialog layer spots it).
    ctx.layer.receiveRequest(request(), source());
    expect(ctx.requests).toHaveLength(2);
  });

  it('IST: ACK matching the INVITE branch in accepted → passed to the TU with txn undefined (RFC 6026)', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    txn.respond(createResponse(invite, 200, undefined, 'uas-tag'));
    ctx.layer.receiveRequest(ackFor(), source());
    expect(ctx.requests).toHaveLength(2);
    expect(ctx.requests[1]!.req.method).toBe('ACK');
    expect(ctx.requests[1]!.txn).toBeUndefined();
    expect(txn.state).toBe('accepted');
  });

  it('IST: ACK for 2xx with its own branch → onRequest(ack, undefined)', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    txn.respond(createResponse(invite, 200, undefined, 'uas-tag'));
    ctx.layer.receiveRequest(ackFor({ branch: 'z9hG4bKack2xx' }), source());
    expect(ctx.requests[1]!.req.method).toBe('ACK');
    expect(ctx.requests[1]!.txn).toBeUndefined();
  });

  it('IST: ACK while still proceeding is absorbed; a second final response is refused', () => {
    const ctx = setup();
    const { invite, txn } = incomingInvite(ctx);
    ctx.layer.receiveRequest(ackFor(), source());
    expect(ctx.requests).toHaveLength(1);
    expect(txn.state).toBe('proceeding');
    expect(txn.respond(createResponse(invite, 486, undefined, 'uas-tag'))).toBe(true);
    expect(txn.respond(createResponse(invite, 500, undefined, 'uas-tag'))).toBe(false);
    expect(txn.lastResponse?.status).toBe(486);
  });
});
