/**
 * What follows a contact's answer (src/dialer/answered.ts), AMD off, with a
 * stand-in call and queue: the safe-harbor timer withdraws the customer and
 * plays the message; a queue that will not keep them is the same abandon; an
 * agent in time is answered. Fake timers: no I/O.
 */
import { EventEmitter } from 'node:events';
import { Value } from '@sinclair/typebox/value';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Call } from '../../src/calls/call.js';
import type { QueueRequest, QueueResult } from '../../src/calls/queue-call.js';
import { runAnswered, type AnsweredDeps } from '../../src/dialer/answered.js';
import { CampaignInput, type Campaign } from '../../src/dialer/campaign.js';
import type { OutboundEvent } from '../../src/dialer/events.js';

class FakeCall extends EventEmitter {
  id = 'call-1';
  state = 'ivr';
  variables = new Map<string, string>();
  outcomes = new Set<string>();
  played: string[] = [];
  endCause: string | undefined;
  agentLeg: { party: string } | undefined;
  connectedAt: number | undefined;
  endedAt: number | undefined;
  caller = { endpoint: { play: (files: string[]) => Promise.resolve(void this.played.push(...files)).then(() => 'completed') } };
  isEnded(): boolean {
    return this.endCause !== undefined;
  }
  end(cause: string): Promise<void> {
    this.endCause = cause;
    this.endedAt = Date.now();
    this.emit('ended', cause);
    return Promise.resolve();
  }
}

const campaign = (extra: Partial<Campaign> = {}): Campaign =>
  ({ ...(Value.Default(CampaignInput, { id: 'spring', name: 'Spring', queue: 'sales', callerId: '+14155550999', mode: 'progressive' }) as Campaign), ...extra });
const contact = { id: 'c1', e164: '+14155550101', tz: 'UTC', fields: { first_name: 'Anna' }, attempts: 1 };
const ref = { campaignId: 'spring', contactId: 'c1', attempt: 1, queue: 'sales' };

let events: OutboundEvent[];
const deps = (run: (req: QueueRequest) => Promise<QueueResult>): AnsweredDeps => ({
  queueCalls: { run: (_call, req) => run(req) },
  prompt: (n) => `${n}.wav`,
  speak: (text) => Promise.resolve(`spoken:${text}`),
  safeHarborMs: 2000,
  scratchDir: '/tmp',
  emit: (e) => events.push(e),
  connected: () => Promise.resolve(),
  now: () => Date.now(),
  wrapUpMs: () => 15_000,
});

beforeEach(() => {
  vi.useFakeTimers();
  events = [];
});
afterEach(() => vi.useRealTimers());

describe('after the answer', () => {
  it('nobody connects within 2 s → the queue is told to let go, the campaign text plays, the call ends no-agent; abandoned, live, event outbound.abandoned after 2 s', async () => {
    const call = new FakeCall();
    let signalled = false;
    const run = (req: QueueRequest): Promise<QueueResult> =>
      new Promise((resolve) => req.signal?.addEventListener('abort', () => ((signalled = true), resolve('withdrawn'))));
    const done = runAnswered(call as unknown as Call, campaign({ safeHarborText: 'This is Acme, call us at 555 0100.' }), contact, ref, deps(run));
    await vi.advanceTimersByTimeAsync(1999);
    expect(signalled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const o = await done;
    expect(o).toEqual({ disposition: 'abandoned', live: true, connected: false });
    expect(call.played).toEqual(['spoken:This is Acme, call us at 555 0100.']);
    expect(call.endCause).toBe('no-agent');
    expect(call.variables.get('first_name')).toBe('Anna');
    expect(events.map((e) => e.type)).toEqual(['outbound.answered', 'outbound.abandoned']);
    expect(events[1]).toMatchObject({ waitedMs: 2000 });
  });

  it('the queue refuses the customer at once (closed, full) → the same: the safe-harbor prompt, then no-agent; not left on the line', async () => {
    const call = new FakeCall();
    const o = await runAnswered(call as unknown as Call, campaign(), contact, ref, deps(() => Promise.resolve('failed')));
    expect(o.disposition).toBe('abandoned');
    expect(call.played).toEqual(['safe-harbor.wav']);
    expect(call.endCause).toBe('no-agent');
  });

  it('an agent answers within the time → answered with the agent, handling time = talk + wrap-up; the timer never fires', async () => {
    const call = new FakeCall();
    const run = (req: QueueRequest): Promise<QueueResult> => {
      call.state = 'connected';
      call.agentLeg = { party: '1001' };
      call.connectedAt = Date.now();
      req.signal?.addEventListener('abort', () => expect.fail('withdrawn after connect'));
      return Promise.resolve('connected');
    };
    const done = runAnswered(call as unknown as Call, campaign(), contact, ref, deps(run));
    await vi.advanceTimersByTimeAsync(60_000);
    await call.end('caller-hangup');
    const o = await done;
    expect(o).toMatchObject({ disposition: 'answered', live: true, connected: true, agentId: '1001', handleMs: 75_000 });
    expect(call.played).toEqual([]);
  });
});
