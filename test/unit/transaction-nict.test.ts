import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REMOTE, clientHandlers, outgoing, responseTo, setup } from './transaction-fixtures.js';

const TCP = { protocol: 'TCP' as const, address: '198.51.100.7', port: 5060, connectionId: 'c1' };

/** Times (ms) at which the request went out, from the fake clock. */
function sendTimes(count: () => number, until: number, step = 100): number[] {
  const times: number[] = [];
  let seen = count();
  for (let t = step; t <= until; t += step) {
    vi.advanceTimersByTime(step);
    const c = count();
    if (c > seen) times.push(t);
    seen = c;
  }
  return times;
}

describe('non-INVITE client transaction', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('NICT over UDP: no response → Timer E retransmits at 0.5, 1.5, 3.5, 7.5 s then every T2 (4 s); Timer F → onTimeout(408) at 32 s', () => {
    const { net, layer } = setup();
    const h = clientHandlers();
    const txn = layer.createClientTransaction(outgoing({ method: 'OPTIONS' }), REMOTE, h);
    expect(txn.kind).toBe('nict');
    expect(txn.state).toBe('trying');
    const times = sendTimes(() => net.requests('OPTIONS').length, 31_900);
    expect(times).toEqual([500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
    expect(h.onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(h.onTimeout).toHaveBeenCalledTimes(1);
    expect(h.onTimeout.mock.calls[0]![0].status).toBe(408);
    expect(h.onTimeout.mock.calls[0]![0].cseq?.method).toBe('OPTIONS');
    expect(txn.state).toBe('terminated');
    expect(h.onTerminated).toHaveBeenCalledTimes(1);
    expect(layer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('NICT over UDP: 1xx → proceeding, to TU; Timer E then retransmits every T2; Timer F still applies', () => {
    const { net, layer } = setup();
    const h = clientHandlers();
    const req = outgoing({ method: 'REGISTER' });
    const txn = layer.createClientTransaction(req, REMOTE, h);
    vi.advanceTimersByTime(600); // one retransmission at 0.5 s, E now 1 s → next at 1.5 s
    layer.receiveResponse(responseTo(req, 100), REMOTE);
    expect(txn.state).toBe('proceeding');
    expect(h.onResponse).toHaveBeenCalledTimes(1);
    const times = sendTimes(() => net.requests('REGISTER').length, 31_900 - 600);
    // 1.5 s (armed in trying), then T2 steps: 5.5, 9.5, … 29.5 (relative to 0.6 s start)
    expect(times.map((t) => t + 600)).toEqual([1500, 5500, 9500, 13_500, 17_500, 21_500, 25_500, 29_500]);
    vi.advanceTimersByTime(100);
    expect(h.onTimeout).toHaveBeenCalledTimes(1);
  });

  it('NICT over TCP: no E retransmissions, Timer F → timeout', () => {
    const { net, layer } = setup();
    const h = clientHandlers();
    layer.createClientTransaction(outgoing({ method: 'BYE', transport: 'TCP' }), TCP, h);
    vi.advanceTimersByTime(31_999);
    expect(net.requests('BYE')).toHaveLength(1);
    expect(h.onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(h.onTimeout).toHaveBeenCalledTimes(1);
    expect(layer.size).toBe(0);
  });

  it('NICT over UDP: 200 → completed, to TU once; retransmitted 200 absorbed; Timer K (T4 = 5 s) → terminated', () => {
    const { net, layer, strays } = setup();
    const h = clientHandlers();
    const req = outgoing({ method: 'BYE' });
    const txn = layer.createClientTransaction(req, REMOTE, h);
    layer.receiveResponse(responseTo(req, 200), REMOTE);
    expect(txn.state).toBe('completed');
    layer.receiveResponse(responseTo(req, 200), REMOTE);
    layer.receiveResponse(responseTo(req, 180), REMOTE);
    expect(h.onResponse).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(4999);
    expect(txn.state).toBe('completed');
    expect(net.requests('BYE')).toHaveLength(1); // Timer E stopped
    vi.advanceTimersByTime(1);
    expect(txn.state).toBe('terminated');
    expect(h.onTerminated).toHaveBeenCalledTimes(1);
    layer.receiveResponse(responseTo(req, 200), REMOTE);
    expect(strays).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('NICT over UDP: final from proceeding → completed; 404 passed up', () => {
    const { layer } = setup();
    const h = clientHandlers();
    const req = outgoing({ method: 'MESSAGE' });
    const txn = layer.createClientTransaction(req, REMOTE, h);
    layer.receiveResponse(responseTo(req, 100), REMOTE);
    layer.receiveResponse(responseTo(req, 404), REMOTE);
    expect(txn.state).toBe('completed');
    expect(h.onResponse.mock.calls.map((c) => c[0].status)).toEqual([100, 404]);
  });

  it('NICT over TCP: 200 → Timer K is 0 → terminated', () => {
    const { layer } = setup();
    const h = clientHandlers();
    const req = outgoing({ method: 'BYE', transport: 'TCP' });
    const txn = layer.createClientTransaction(req, TCP, h);
    layer.receiveResponse(responseTo(req, 200), TCP);
    expect(h.onResponse).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(0);
    expect(txn.state).toBe('terminated');
    expect(layer.size).toBe(0);
  });
});
