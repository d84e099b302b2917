import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse } from '../../src/sip/message/index.js';
import type { NonInviteServerTransaction } from '../../src/sip/transaction/index.js';
import { request, setup, source } from './transaction-fixtures.js';

function incoming(ctx: ReturnType<typeof setup>, spec: Parameters<typeof request>[0] = {}, src = source()) {
  const req = request({ method: 'BYE', toTag: 'uas-tag', ...spec });
  ctx.layer.receiveRequest(req, src);
  const txn = ctx.requests.at(-1)?.txn as NonInviteServerTransaction | undefined;
  if (txn?.kind !== 'nist') throw new Error('expected a non-INVITE server transaction');
  return { req, txn };
}

describe('non-INVITE server transaction', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('NIST: retransmitted request in trying → absorbed, nothing sent, no 100 Trying ever', () => {
    const ctx = setup();
    const { txn } = incoming(ctx);
    expect(txn.state).toBe('trying');
    ctx.layer.receiveRequest(request({ method: 'BYE', toTag: 'uas-tag' }), source());
    vi.advanceTimersByTime(60_000);
    expect(ctx.net.sent).toHaveLength(0);
    expect(ctx.requests).toHaveLength(1);
    expect(txn.state).toBe('trying');
    expect(ctx.layer.stats().absorbed).toBe(1);
  });

  it('NIST: retransmitted request in proceeding → last provisional resent', () => {
    const ctx = setup();
    const { req, txn } = incoming(ctx, { method: 'REGISTER', toTag: undefined });
    txn.respond(createResponse(req, 100));
    expect(txn.state).toBe('proceeding');
    ctx.layer.receiveRequest(request({ method: 'REGISTER' }), source());
    expect(ctx.net.responses(100)).toHaveLength(2);
    expect(ctx.layer.stats().retransmissions).toBe(1);
  });

  it('NIST: retransmitted request in completed → last response resent, Timer J (64*T1) → terminated', () => {
    const ctx = setup();
    const { req, txn } = incoming(ctx);
    const onTerminated = vi.fn();
    txn.user = { onTerminated };
    txn.respond(createResponse(req, 100));
    expect(txn.respond(createResponse(req, 200))).toBe(true);
    expect(txn.state).toBe('completed');
    ctx.layer.receiveRequest(request({ method: 'BYE', toTag: 'uas-tag' }), source());
    expect(ctx.net.responses(200)).toHaveLength(2);
    expect(txn.respond(createResponse(req, 500))).toBe(false);
    vi.advanceTimersByTime(31_999);
    expect(txn.state).toBe('completed');
    vi.advanceTimersByTime(1);
    expect(txn.state).toBe('terminated');
    expect(onTerminated).toHaveBeenCalledTimes(1);
    expect(ctx.layer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // after Timer J a retransmission is a new request for the TU
    ctx.layer.receiveRequest(request({ method: 'BYE', toTag: 'uas-tag' }), source());
    expect(ctx.requests).toHaveLength(2);
  });

  it('NIST over TCP: Timer J is 0 → terminated right after the final response; responses reuse the connection', () => {
    const ctx = setup();
    const tcp = source('TCP', { connectionId: 'conn-3' });
    const { req, txn } = incoming(ctx, { transport: 'TCP' }, tcp);
    txn.respond(createResponse(req, 200));
    expect(ctx.net.sent[0]!.dest).toEqual(tcp);
    vi.advanceTimersByTime(0);
    expect(txn.state).toBe('terminated');
    expect(ctx.layer.size).toBe(0);
  });

  it('NIST: final straight from trying → completed', () => {
    const ctx = setup();
    const { req, txn } = incoming(ctx, { method: 'OPTIONS', toTag: undefined });
    txn.respond(createResponse(req, 200, undefined, 'x'));
    expect(txn.state).toBe('completed');
    expect(txn.respond(createResponse(req, 100))).toBe(false);
  });
});
