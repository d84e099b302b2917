/** Who is served first: within a queue, and across the queues an agent serves. */
import { describe, expect, it } from 'vitest';
import { compareEntries, compareForAgent } from '../../src/acd/core/index.js';
import { entry } from './acd-core-fixtures.js';

describe('queue order', () => {
  it('VIP caller (priority 5) is served before an earlier normal caller', () => {
    const normal = entry('normal', 'q', { seq: 1, priority: 0 });
    const vip = entry('vip', 'q', { seq: 2, priority: 5 });
    expect([normal, vip].sort(compareEntries).map((e) => e.callId)).toEqual(['vip', 'normal']);
  });

  it('equal priorities are first come, first served', () => {
    const list = [entry('c', 'q', { seq: 30 }), entry('a', 'q', { seq: 10 }), entry('b', 'q', { seq: 20 })];
    expect(list.sort(compareEntries).map((e) => e.callId)).toEqual(['a', 'b', 'c']);
  });

  it('ring-no-answer: caller returned keeps its head position', () => {
    // the head was offered, a later caller arrived meanwhile, the agent did not answer
    const head = entry('head', 'q', { seq: 1, state: 'offered', version: 2 });
    const later = entry('later', 'q', { seq: 2 });
    const returned = { ...head, state: 'waiting' as const, agents: [], version: 3 };
    expect([later, returned].sort(compareEntries).map((e) => e.callId)).toEqual(['head', 'later']);
  });
});

describe('order across queues, for an agent in several', () => {
  const choice = (callId: string, queuePriority: number, over: Parameters<typeof entry>[2]) => ({ entry: entry(callId, 'q', over), queuePriority });

  it('a higher-priority queue goes first, even against a VIP caller who waited longer elsewhere', () => {
    const sales = choice('sales-vip', 0, { priority: 9, enqueuedAt: 0, seq: 1 });
    const support = choice('support', 3, { priority: 0, enqueuedAt: 50, seq: 2 });
    expect([sales, support].sort(compareForAgent).map((c) => c.entry.callId)).toEqual(['support', 'sales-vip']);
  });

  it('same queue priority: call priority, then who entered first, then seq', () => {
    const list = [
      choice('late', 1, { priority: 0, enqueuedAt: 200, seq: 1 }),
      choice('early', 1, { priority: 0, enqueuedAt: 100, seq: 9 }),
      choice('vip', 1, { priority: 2, enqueuedAt: 300, seq: 5 }),
      choice('twin', 1, { priority: 0, enqueuedAt: 100, seq: 8 }),
    ];
    expect(list.sort(compareForAgent).map((c) => c.entry.callId)).toEqual(['vip', 'twin', 'early', 'late']);
  });
});
