import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REMOTE, clientHandlers, outgoing, responseTo, setup } from './transaction-fixtures.js';

const TCP = { protocol: 'TCP' as const, address: '198.51.100.7', port: 5060, connectionId: 'c1' };

describe('INVITE client transaction', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ICT over UDP: no response → INVITE retransmitted at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s (Timer A doubling) then Timer B → onTimeout(408) at 32 s', () => {
    const { net, layer } = setup();
    const h = clientHandlers();
    const txn = layer.createClientTransaction(outgoing(), REMOTE, h);
    expect(txn.kind).toBe('ict');
    expect(txn.state).toBe('calling');
    expect(net.requests('INVITE')).toHaveLength(1);
    expect(net.sent[0]!.dest).toEqual(REMOTE);

    const at = [500, 1500, 3500, 7500, 15500, 31500];
    let now = 0;
    at.forEach((t, i) => {
      vi.advanceTimersByTime(t - 1 - now);
      expect(net.requests('INVITE')).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
      now = t;
      expect(net.requests('INVITE')).toHaveLength(i + 2);
    });
    vi.advanceTimersByTime(32_000 - 1 - now);
    expect(h.onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(h.onTimeout).toHaveBeenCalledTimes(1);
    expect(h.onTimeout.mock.calls[0]![0].status).toBe(408);
    expect(h.onTerminated).toHaveBeenCalledTimes(1);
    expect(txn.state).toBe('terminated');
    expect(net.requests('INVITE')).toHaveLength(7);
    expect(layer.stats().retransmissions).toBe(6);
    expect(layer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ICT over TCP: no Timer A retransmissions, Timer B → onTimeout at 64*T1', () => {
    const { net, layer } = setup();
    const h = clientHandlers();
    layer.createClientTransaction(outgoing({ transport: 'TCP' }), TCP, h);
    vi.advanceTimersByTime(31_999);
    expect(net.requests('INVITE')).toHaveLength(1);
    expect(h.onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(h.onTimeout).toHaveBeenCalledTimes(1);
    expect(layer.size).toBe(0);
  });

  it('ICT: configured T1 scales Timers A and B', () => {
    const { net, layer } = setup({ T1: 100 });
    const h = clientHandlers();
    layer.createClientTransaction(outgoing(), REMOTE, h);
    vi.advanceTimersByTime(100);
    expect(net.requests('INVITE')).toHaveLength(2);
    vi.advanceTimersByTime(6300);
    expect(h.onTimeout).toHaveBeenCalledTimes(1);
  });

  it('ICT: 180 → proceeding, passed to TU; Timers A and B stop (the call may ring past 64*T1)', () => {
    const { net, layer } = setup();
    const h = clientHandlers();
    const invite = outgoing();
    const txn = layer.createClientTransaction(invite, REMOTE, h);
    vi.advanceTimersByTime(600);
    layer.receiveResponse(responseTo(invite, 180), REMOTE);
    expect(txn.state).toBe('proceeding');
    expect(h.onResponse).toHaveBeenCalledTimes(1);
    layer.receiveResponse(responseTo(invite, 183), REMOTE);
    expect(h.onResponse).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(120_000);
    expect(net.requests('INVITE')).toHaveLength(2);
    expect(h.onTimeout).not.toHaveBeenCalled();
    expect(txn.state).toBe('proceeding');
    expect(vi.getTimerCount()).toBe(0);
    txn.abort(); // RFC 3261 §9.1: TU gives up 64*T1 after its CANCEL
    expect(h.onTerminated).toHaveBeenCalledTimes(1);
    expect(layer.size).toBe(0);
  });

  it('ICT: 486 → ACK generated with same branch, To from the response, Route copied, CSeq ACK; retransmitted 486 → ACK re-sent, not passed to TU; Timer D (32 s) → terminated', () => {
    const { net, layer, strays } = setup();
    const h = clientHandlers();
    const invite = outgoing({ extra: ['Route: <sip:p1.example.com;lr>', 'Route: <sip:p2.example.com;lr>'], cseq: 7 });
    const txn = layer.createClientTransaction(invite, REMOTE, h);
    layer.receiveResponse(responseTo(invite, 180), REMOTE);
    const busy = responseTo(invite, 486, 'busy-tag');
    layer.receiveResponse(busy, REMOTE);
    expect(txn.state).toBe('completed');
    expect(h.onResponse).toHaveBeenCalledTimes(2);
    expect(h.onResponse.mock.calls[1]![0].status).toBe(486);

    const acks = net.requests('ACK');
    expect(acks).toHaveLength(1);
    const ack = acks[0]!;
    expect(net.sent.at(-1)!.dest).toEqual(REMOTE);
    expect(ack.uriText).toBe(invite.uriText);
    expect(ack.getAll('via')).toEqual([invite.getAll('via')[0]]);
    expect(ack.topVia?.params.get('branch')).toBe('z9hG4bKclient1');
    expect(ack.toTag).toBe('busy-tag');
    expect(ack.get('from')).toBe(invite.get('from'));
    expect(ack.callId).toBe(invite.callId);
    expect(ack.cseq).toEqual({ seq: 7, method: 'ACK' });
    expect(ack.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(ack.body.length).toBe(0);

    layer.receiveResponse(responseTo(invite, 486, 'busy-tag'), REMOTE);
    expect(net.requests('ACK')).toHaveLength(2);
    expect(net.requests('ACK')[1]).toBe(ack);
    expect(h.onResponse).toHaveBeenCalledTimes(2);

    vi.advanceTimersByTime(31_999);
    expect(txn.state).toBe('completed');
    vi.advanceTimersByTime(1);
    expect(txn.state).toBe('terminated');
    expect(layer.size).toBe(0);
    layer.receiveResponse(responseTo(invite, 486, 'busy-tag'), REMOTE);
    expect(strays).toHaveLength(1);
    expect(net.requests('ACK')).toHaveLength(2);
  });

  it('ICT: 486 straight from "calling" stops Timer A and is ACKed', () => {
    const { net, layer } = setup();
    const h = clientHandlers();
    const invite = outgoing();
    layer.createClientTransaction(invite, REMOTE, h);
    layer.receiveResponse(responseTo(invite, 486), REMOTE);
    vi.advanceTimersByTime(10_000);
    expect(net.requests('INVITE')).toHaveLength(1);
    expect(net.requests('ACK')).toHaveLength(1);
  });

  it('ICT over TCP: 603 → ACK sent, Timer D is 0 → terminated at once', () => {
    const { net, layer } = setup();
    const h = clientHandlers();
    const invite = outgoing({ transport: 'TCP' });
    const txn = layer.createClientTransaction(invite, TCP, h);
    layer.receiveResponse(responseTo(invite, 603), TCP);
    expect(net.requests('ACK')).toHaveLength(1);
    expect(net.sent.at(-1)!.dest).toEqual(TCP);
    expect(h.onResponse).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(0);
    expect(txn.state).toBe('terminated');
    expect(layer.size).toBe(0);
  });

  it('ICT: 2xx retransmissions after accepted → each passed to TU (RFC 6026), no ACK by the transaction; Timer M (64*T1) → terminated, later 2xx → onStray', () => {
    const { net, layer, strays } = setup();
    const h = clientHandlers();
    const invite = outgoing();
    const txn = layer.createClientTransaction(invite, REMOTE, h);
    layer.receiveResponse(responseTo(invite, 200), REMOTE);
    expect(txn.state).toBe('accepted');
    layer.receiveResponse(responseTo(invite, 200), REMOTE);
    layer.receiveResponse(responseTo(invite, 200, 'fork-2'), REMOTE);
    expect(h.onResponse).toHaveBeenCalledTimes(3);
    expect(h.onResponse.mock.calls[2]![0].toTag).toBe('fork-2');
    layer.receiveResponse(responseTo(invite, 180), REMOTE);
    layer.receiveResponse(responseTo(invite, 486), REMOTE);
    expect(h.onResponse).toHaveBeenCalledTimes(3);
    expect(net.requests('ACK')).toHaveLength(0);
    expect(net.requests('INVITE')).toHaveLength(1);

    vi.advanceTimersByTime(31_999);
    expect(txn.state).toBe('accepted');
    vi.advanceTimersByTime(1);
    expect(txn.state).toBe('terminated');
    layer.receiveResponse(responseTo(invite, 200), REMOTE);
    expect(strays).toHaveLength(1);
    expect(layer.stats().strays).toBe(1);
  });

  it('ICT: 2xx from proceeding → accepted', () => {
    const { layer } = setup();
    const h = clientHandlers();
    const invite = outgoing();
    const txn = layer.createClientTransaction(invite, REMOTE, h);
    layer.receiveResponse(responseTo(invite, 180), REMOTE);
    layer.receiveResponse(responseTo(invite, 200), REMOTE);
    expect(txn.state).toBe('accepted');
    expect(h.onResponse).toHaveBeenCalledTimes(2);
  });

  it('createClientTransaction refuses ACK, requests without an RFC 3261 branch, bad CSeq and a branch in use', () => {
    const { layer } = setup();
    const h = clientHandlers();
    expect(() => layer.createClientTransaction(outgoing({ method: 'ACK' }), REMOTE, h)).toThrow(/ACK/);
    expect(() => layer.createClientTransaction(outgoing({ branch: null }), REMOTE, h)).toThrow(/branch/);
    expect(() => layer.createClientTransaction(outgoing({ branch: 'legacy1' }), REMOTE, h)).toThrow(/branch/);
    expect(() => layer.createClientTransaction(outgoing({ cseqMethod: '' }), REMOTE, h)).toThrow(/CSeq/);
    layer.createClientTransaction(outgoing(), REMOTE, h);
    expect(() => layer.createClientTransaction(outgoing(), REMOTE, h)).toThrow(/exists/);
    // CANCEL reuses the INVITE's branch: a different transaction (§9.1)
    expect(layer.createClientTransaction(outgoing({ method: 'CANCEL' }), REMOTE, h).kind).toBe('nict');
    expect(layer.stats().live).toEqual({ ict: 1, nict: 1, ist: 0, nist: 0 });
  });
});
