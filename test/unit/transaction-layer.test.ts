import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse } from '../../src/sip/message/index.js';
import { TransportError, type Destination } from '../../src/sip/transport/types.js';
import { TransactionLayer } from '../../src/sip/transaction/index.js';
import { FakeNetwork, REMOTE, clientHandlers, outgoing, request, responseTo, settle, setup, source } from './transaction-fixtures.js';

describe('transaction layer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('transport errors (RFC 3261 §17.1.4, §17.2.4)', () => {
    it('send rejects → onTransportError and client transaction terminated (ICT and NICT)', async () => {
      const ctx = setup();
      ctx.net.failWith = new TransportError('ECONNREFUSED');
      const ih = clientHandlers();
      const nh = clientHandlers();
      const ict = ctx.layer.createClientTransaction(outgoing(), REMOTE, ih);
      const nict = ctx.layer.createClientTransaction(outgoing({ method: 'OPTIONS', branch: 'z9hG4bKn1' }), REMOTE, nh);
      expect(ih.onTransportError).not.toHaveBeenCalled(); // always asynchronous
      await settle();
      expect(ih.onTransportError).toHaveBeenCalledWith(ctx.net.failWith);
      expect(nh.onTransportError).toHaveBeenCalledTimes(1);
      expect(ih.onTerminated).toHaveBeenCalledTimes(1);
      expect(ict.state).toBe('terminated');
      expect(nict.state).toBe('terminated');
      expect(ctx.layer.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('send throws synchronously → handled like a rejection, never thrown to the caller', async () => {
      const ctx = setup();
      ctx.net.throwWith = new Error('socket closed');
      const h = clientHandlers();
      const txn = ctx.layer.createClientTransaction(outgoing({ method: 'BYE' }), REMOTE, h);
      await settle();
      expect(h.onTransportError).toHaveBeenCalledTimes(1);
      expect(txn.state).toBe('terminated');
    });

    it('a non-Error rejection reaches the TU as a TransportError', async () => {
      const layer = new TransactionLayer({
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        send: () => Promise.reject('EHOSTUNREACH'),
        onRequest: () => undefined,
        onStray: () => undefined,
      });
      const h = clientHandlers();
      layer.createClientTransaction(outgoing({ method: 'BYE' }), REMOTE, h);
      await settle();
      const error = h.onTransportError.mock.calls[0]![0];
      expect(error).toBeInstanceOf(TransportError);
      expect(error.message).toBe('EHOSTUNREACH');
    });

    it('ICT: the ACK for a 486 cannot be sent → onTransportError, terminated', async () => {
      const ctx = setup();
      const h = clientHandlers();
      const invite = outgoing();
      const txn = ctx.layer.createClientTransaction(invite, REMOTE, h);
      await settle();
      ctx.net.failWith = new TransportError('gone');
      ctx.layer.receiveResponse(responseTo(invite, 486), REMOTE);
      expect(txn.state).toBe('completed');
      await settle();
      expect(h.onTransportError).toHaveBeenCalledTimes(1);
      expect(txn.state).toBe('terminated');
      expect(vi.getTimerCount()).toBe(0);
    });

    it('server transactions: a response cannot be sent → user.onTransportError, terminated (IST and NIST)', async () => {
      const ctx = setup();
      ctx.layer.receiveRequest(request(), source());
      ctx.layer.receiveRequest(request({ method: 'OPTIONS' }), source());
      const [ist, nist] = ctx.requests.map((r) => r.txn!);
      const errors: Error[] = [];
      ist!.user = { onTransportError: (e) => errors.push(e) };
      nist!.user = { onTransportError: (e) => errors.push(e) };
      ctx.net.failWith = new TransportError('ICMP unreachable');
      ist!.respond(createResponse(ctx.requests[0]!.req, 486, undefined, 't'));
      nist!.respond(createResponse(ctx.requests[1]!.req, 200, undefined, 't'));
      await settle();
      expect(errors).toHaveLength(2);
      expect(ist!.state).toBe('terminated');
      expect(nist!.state).toBe('terminated');
      expect(ctx.layer.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('IST: the automatic 100 Trying cannot be sent → terminated', async () => {
      const ctx = setup();
      ctx.net.failWith = new TransportError('x');
      ctx.layer.receiveRequest(request(), source());
      vi.advanceTimersByTime(200);
      await settle();
      expect(ctx.requests[0]!.txn!.state).toBe('terminated');
    });
  });

  it('a throwing TU callback is logged and does not break the transaction', () => {
    const logger = { debug: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const net = new FakeNetwork();
    const layer = new TransactionLayer({
      send: net.send,
      logger,
      onRequest: () => {
        throw new Error('TU bug');
      },
      onStray: () => {
        throw new Error('TU bug');
      },
    });
    const invite = outgoing();
    const txn = layer.createClientTransaction(invite, REMOTE, {
      onResponse: () => {
        throw new Error('TU bug');
      },
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    layer.receiveResponse(responseTo(invite, 486), REMOTE);
    expect(txn.state).toBe('completed');
    expect(net.requests('ACK')).toHaveLength(1);
    layer.receiveRequest(request(), source());
    layer.receiveResponse(responseTo(outgoing({ branch: 'z9hG4bKnone' }), 200), REMOTE);
    expect(logger.error).toHaveBeenCalledTimes(3);
    expect(layer.stats().live.ist).toBe(1);
  });

  it('stats: live transactions by kind, retransmissions, strays, dropped, absorbed', () => {
    const ctx = setup();
    const invite = outgoing();
    ctx.layer.createClientTransaction(invite, REMOTE, clientHandlers());
    ctx.layer.createClientTransaction(outgoing({ method: 'BYE', branch: 'z9hG4bKb' }), REMOTE, clientHandlers());
    ctx.layer.receiveRequest(request(), source());
    ctx.layer.receiveRequest(request(), source());
    ctx.layer.receiveRequest(request({ method: 'OPTIONS' }), source());
    vi.advanceTimersByTime(500); // Timer A and Timer E
    ctx.layer.receiveResponse(responseTo(outgoing({ branch: 'z9hG4bKnope' }), 200), REMOTE);
    expect(ctx.layer.stats()).toEqual({
      live: { ict: 1, nict: 1, ist: 1, nist: 1 },
      retransmissions: 2,
      strays: 1,
      dropped: 0,
      absorbed: 1,
    });
  });

  it('after all flows complete and timers fire → no live transactions, no timers left', () => {
    const ctx = setup();
    const udp: Destination = REMOTE;
    // client: INVITE → 486, INVITE → 200 (accepted), BYE → 200, OPTIONS → timeout
    const i1 = outgoing({ branch: 'z9hG4bKi1' });
    const i2 = outgoing({ branch: 'z9hG4bKi2' });
    const bye = outgoing({ method: 'BYE', branch: 'z9hG4bKb1' });
    for (const r of [i1, i2, bye, outgoing({ method: 'OPTIONS', branch: 'z9hG4bKo1' })])
      ctx.layer.createClientTransaction(r, udp, clientHandlers());
    ctx.layer.receiveResponse(responseTo(i1, 180), udp);
    ctx.layer.receiveResponse(responseTo(i1, 486), udp);
    ctx.layer.receiveResponse(responseTo(i2, 200), udp);
    ctx.layer.receiveResponse(responseTo(bye, 200), udp);
    // server: INVITE → 486 + ACK, INVITE → 200, INVITE → 603 without ACK, MESSAGE → 202
    const s1 = request({ branch: 'z9hG4bKs1' });
    const s2 = request({ branch: 'z9hG4bKs2' });
    const s3 = request({ branch: 'z9hG4bKs3' });
    const s4 = request({ method: 'MESSAGE', branch: 'z9hG4bKs4' });
    for (const r of [s1, s2, s3, s4]) ctx.layer.receiveRequest(r, source());
    const txn = (i: number) => ctx.requests[i]!.txn!;
    txn(0).respond(createResponse(s1, 486, undefined, 'a'));
    txn(1).respond(createResponse(s2, 200, undefined, 'b'));
    txn(2).respond(createResponse(s3, 603, undefined, 'c'));
    txn(3).respond(createResponse(s4, 202, undefined, 'd'));
    ctx.layer.receiveRequest(request({ method: 'ACK', branch: 'z9hG4bKs1', toTag: 'a' }), source());
    expect(ctx.layer.size).toBe(8);

    vi.runAllTimers();
    expect(ctx.layer.size).toBe(0);
    expect(ctx.layer.stats().live).toEqual({ ict: 0, nict: 0, ist: 0, nist: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  describe('shutdown and drain', () => {
    it('shutdown() only raises the flag: new requests still get a server transaction', () => {
      const ctx = setup();
      expect(ctx.layer.shuttingDown).toBe(false);
      ctx.layer.shutdown();
      expect(ctx.layer.shuttingDown).toBe(true);
      ctx.layer.receiveRequest(request(), source());
      expect(ctx.requests[0]!.txn?.kind).toBe('ist');
    });

    it('drain() resolves at once when idle, and once the last transaction has its final response (Timer K not waited for)', async () => {
      const ctx = setup();
      await ctx.layer.drain(1000);
      const bye = outgoing({ method: 'BYE' });
      ctx.layer.createClientTransaction(bye, REMOTE, clientHandlers());
      let drained = false;
      void ctx.layer.drain(60_000).then(() => {
        drained = true;
      });
      await vi.advanceTimersByTimeAsync(1000);
      expect(drained).toBe(false); // still waiting for the BYE's answer
      ctx.layer.receiveResponse(responseTo(bye, 200), REMOTE);
      await vi.advanceTimersByTimeAsync(50);
      expect(drained).toBe(true);
      expect(ctx.layer.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('drain(timeout) aborts what is still live when the timeout expires', async () => {
      const ctx = setup();
      const h = clientHandlers();
      const invite = outgoing();
      const ict = ctx.layer.createClientTransaction(invite, REMOTE, h);
      ctx.layer.receiveResponse(responseTo(invite, 180), REMOTE); // proceeding: no timers
      ctx.layer.receiveRequest(request(), source()); // TU never answers
      const done = ctx.layer.drain(5000);
      await vi.advanceTimersByTimeAsync(5000);
      await done;
      expect(ict.state).toBe('terminated');
      expect(h.onTerminated).toHaveBeenCalledTimes(1);
      expect(ctx.requests[0]!.txn!.state).toBe('terminated');
      expect(ctx.layer.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
