import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse } from '../../src/sip/message/index.js';
import type { Destination, TransportProtocol } from '../../src/sip/transport/types.js';
import { clientHandlers, outgoing, request, responseTo, setup, source } from './transaction-fixtures.js';

const STATUS = fc.constantFrom(100, 180, 183, 200, 202, 404, 486, 487, 603);

const command = fc.oneof(
  fc.record({ t: fc.constant('clientResponse' as const), to: fc.constantFrom('ict' as const, 'nict' as const), status: STATUS }),
  fc.record({ t: fc.constant('retransmit' as const), to: fc.constantFrom('ist' as const, 'nist' as const) }),
  fc.record({ t: fc.constant('ack' as const), branch: fc.constantFrom('z9hG4bKsrv1', 'z9hG4bKnew') }),
  fc.record({ t: fc.constant('respond' as const), to: fc.constantFrom('ist' as const, 'nist' as const), status: STATUS }),
  fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
);

/** States in which a transaction legitimately waits for someone else (no timer runs). */
const WAITING = new Set(['ict:proceeding', 'ist:proceeding', 'nist:trying', 'nist:proceeding']);

describe('transaction layer properties', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('any interleaving of responses, retransmissions, ACKs, TU answers and time: maps match states, finals reach the TU once, nothing leaks', () => {
    fc.assert(
      fc.property(fc.constantFrom<TransportProtocol>('UDP', 'TCP', 'WS'), fc.array(command, { maxLength: 40 }), (protocol, commands) => {
        const ctx = setup();
        const remote: Destination = { protocol, address: '198.51.100.7', port: 5060, connectionId: 'c' };
        const src = source(protocol, protocol === 'UDP' ? {} : { connectionId: 'c' });
        const invite = outgoing({ transport: protocol });
        const bye = outgoing({ method: 'BYE', branch: 'z9hG4bKbye', transport: protocol });
        const ih = clientHandlers();
        const nh = clientHandlers();
        const ict = ctx.layer.createClientTransaction(invite, remote, ih);
        const nict = ctx.layer.createClientTransaction(bye, remote, nh);
        const inviteIn = request({ branch: 'z9hG4bKsrv1', transport: protocol });
        const optionsIn = request({ method: 'OPTIONS', branch: 'z9hG4bKsrv2', transport: protocol });
        ctx.layer.receiveRequest(inviteIn, src);
        ctx.layer.receiveRequest(optionsIn, src);
        const ist = ctx.requests[0]!.txn!;
        const nist = ctx.requests[1]!.txn!;
        expect([ist.kind, nist.kind]).toEqual(['ist', 'nist']);
        // Server transactions include new ones created by retransmissions arriving after termination.
        const all = () => [ict, nict, ...ctx.requests.flatMap((r) => (r.txn === undefined ? [] : [r.txn]))];

        for (const c of commands) {
          switch (c.t) {
            case 'clientResponse':
              ctx.layer.receiveResponse(responseTo(c.to === 'ict' ? invite : bye, c.status), remote);
              break;
            case 'retransmit':
              ctx.layer.receiveRequest(request(c.to === 'ist' ? { branch: 'z9hG4bKsrv1', transport: protocol } : { method: 'OPTIONS', branch: 'z9hG4bKsrv2', transport: protocol }), src);
              break;
            case 'ack':
              ctx.layer.receiveRequest(request({ method: 'ACK', branch: c.branch, toTag: 'uas-tag', transport: protocol }), src);
              break;
            case 'respond':
              (c.to === 'ist' ? ist : nist).respond(createResponse(c.to === 'ist' ? inviteIn : optionsIn, c.status, undefined, 'uas-tag'));
              break;
            case 'tick':
              vi.advanceTimersByTime(c.ms);
              break;
          }
          const live = all().filter((t) => t.state !== 'terminated').length;
          expect(ctx.layer.size).toBe(live);
          const s = ctx.layer.stats().live;
          expect(s.ict + s.nict + s.ist + s.nist).toBe(live);
          const ictFinals = ih.onResponse.mock.calls.filter(([r]) => r.status >= 300).length;
          expect(ictFinals).toBeLessThanOrEqual(1);
          expect(nh.onResponse.mock.calls.filter(([r]) => r.status >= 200).length).toBeLessThanOrEqual(1);
        }

        vi.runAllTimers();
        for (const t of all()) if (t.state !== 'terminated') expect(WAITING.has(`${t.kind}:${t.state}`)).toBe(true);
        for (const t of all()) t.abort();
        expect(ctx.layer.size).toBe(0);
        expect(vi.getTimerCount()).toBe(0);
        expect(ih.onTerminated).toHaveBeenCalledTimes(1);
        expect(nh.onTerminated).toHaveBeenCalledTimes(1);
      }),
      { numRuns: 300 },
    );
  });
});
