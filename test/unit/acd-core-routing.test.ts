/** Routing questions on the view: which agent for a call, which call for an agent, and a whole dispatch round. */
import { describe, expect, it } from 'vitest';
import { AcdView } from '../../src/acd/core/index.js';
import type { QueueConfig } from '../../src/acd/types.js';
import { entry, fixed, lcg, live, profile, profiles, queue, req } from './acd-core-fixtures.js';

const rng = lcg(2024);

describe('pickAgentForCall', () => {
  const agents = profiles({ ann: { fr: 5 }, bob: { fr: 3 }, cid: { fr: 1 }, dee: { de: 5 } });

  function setup(q: QueueConfig): AcdView {
    const v = new AcdView(agents, [q]);
    v.applyAgent(live('ann', { idleSince: 300 }));
    v.applyAgent(live('bob', { idleSince: 100 }));
    v.applyAgent(live('cid', { idleSince: 50 }));
    v.applyAgent(live('dee', { idleSince: 10 }));
    return v;
  }

  it('offers the longest-idle agent meeting the requirement', () => {
    const v = setup(queue({ id: 'fr', requirement: req({ fr: 3 }) }));
    v.applyEntry(entry('c1', 'fr'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['bob']);
  });

  it('an agent who just missed an offer (busy, no answer) is left alone for the retry delay, then offered again', () => {
    const only = profiles({ ann: { fr: 5 } });
    const v = new AcdView(only, [queue({ id: 'fr' })], { retryAfterMissMs: 5000 });
    v.applyAgent(live('ann', { lastMissAt: 10_000 }));
    v.applyEntry(entry('c1', 'fr'));
    expect(v.pickAgentForCall('c1', 14_999, rng)).toEqual([]);
    expect(v.plan(14_999, rng)).toEqual([]);
    expect(v.pickAgentForCall('c1', 15_000, rng)).toEqual(['ann']);
  });

  it('a call needing French 3 and billing 2 goes only to the agent with both, not to the longer-idle one with one', () => {
    const skilled = profiles({ ann: { fr: 5 }, bob: { fr: 3, billing: 2 }, cid: { billing: 5 }, dee: { fr: 4, billing: 1 } });
    const v = new AcdView(skilled, [queue({ id: 'bill-fr', requirement: req({ fr: 3, billing: 2 }) })]);
    v.applyAgent(live('ann', { idleSince: 1 }));
    v.applyAgent(live('bob', { idleSince: 9 }));
    v.applyAgent(live('cid', { idleSince: 2 }));
    v.applyAgent(live('dee', { idleSince: 3 }));
    v.applyEntry(entry('c1', 'bill-fr'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['bob']);
    expect(v.pickCallForAgent('dee', 0)).toBeUndefined();
    expect(v.pickCallForAgent('bob', 0)).toBe('c1');
  });

  it('after 30 s the requirement drops to proficiency 1 and the junior agent gets the call', () => {
    const v = setup(queue({ id: 'fr', requirement: req({ fr: 3 }), escalation: [{ afterSeconds: 30, minProficiency: 1 }] }));
    v.applyAgent(live('ann', { state: 'on-call', version: 2 }));
    v.applyAgent(live('bob', { state: 'on-call', version: 2 }));
    v.applyEntry(entry('c1', 'fr', { enqueuedAt: 1_000 }));
    expect(v.pickAgentForCall('c1', 30_999, rng)).toEqual([]);
    expect(v.pickAgentForCall('c1', 31_000, rng)).toEqual(['cid']);
  });

  it('only members of a queue with members are offered its calls', () => {
    const v = setup(queue({ id: 'vip', members: ['ann', 'cid'] }));
    v.applyEntry(entry('c1', 'vip'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['cid']);
  });

  it('an expert outside the members list is not offered the queue’s call', () => {
    const v = setup(queue({ id: 'team', members: ['bob', 'cid', 'dee'], requirement: req({ fr: 5 }) }));
    v.applyEntry(entry('c1', 'team'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual([]);
  });

  it('ringall rings an agent with several of the anyOf skills once', () => {
    const mixed = profiles({ both: { fr: 2, de: 2 }, fr: { fr: 1 }, none1: { en: 1 }, none2: { en: 1 }, none3: { en: 1 } });
    const v = new AcdView(mixed, [queue({ id: 'eu', strategy: 'ringall', requirement: req({}, { fr: 1, de: 1 }) })]);
    v.applyAgent(live('both', { idleSince: 1 }));
    v.applyAgent(live('fr', { idleSince: 2 }));
    for (const id of ['none1', 'none2', 'none3']) v.applyAgent(live(id));
    v.applyEntry(entry('c1', 'eu'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['both', 'fr']);
  });

  it('an agent about to log out (pendingLogout) is not offered a call', () => {
    const v = setup(queue({ id: 'fr', requirement: req({ fr: 3 }) }));
    v.applyAgent(live('bob', { idleSince: 100, pendingLogout: true, version: 2 }));
    v.applyEntry(entry('c1', 'fr'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['ann']);
  });

  it('paused, wrap-up and logged-out agents are not offered calls', () => {
    const v = setup(queue({ id: 'fr', requirement: req({ fr: 1 }) }));
    v.applyAgent(live('bob', { state: 'paused', version: 2 }));
    v.applyAgent(live('cid', { state: 'wrap-up', version: 2 }));
    v.applyAgent(live('ann', { state: 'logged-out', version: 2 }));
    v.applyEntry(entry('c1', 'fr'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual([]);
  });

  it('an agent already offered this call is not offered it twice', () => {
    const v = setup(queue({ id: 'fr', requirement: req({ fr: 3 }) }));
    // bob's ring-no-answer left the call's id in his offers for now; ann rang it before (entry.agents)
    v.applyAgent(live('bob', { state: 'ringing', offers: ['c1'], version: 2 }));
    v.applyEntry(entry('c1', 'fr', { agents: ['ann'] }));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual([]);
  });

  it('prefers an available agent over one already ringing with another call (multi-offer)', () => {
    const multi = profiles({ ann: { fr: 5 }, bob: { fr: 3 } }, { maxConcurrentOffers: 2 });
    const v = new AcdView(multi, [queue({ id: 'fr' })]);
    v.applyAgent(live('ann', { state: 'ringing', offers: ['other'], idleSince: 1 }));
    v.applyAgent(live('bob', { state: 'available', idleSince: 999 }));
    v.applyEntry(entry('c1', 'fr'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['bob']);
    v.applyAgent(live('bob', { state: 'on-call', version: 2 }));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['ann']);
    v.applyAgent(live('ann', { state: 'ringing', offers: ['other', 'third'], version: 2 }));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual([]);
  });

  it('ringall offers every qualifying available agent, longest idle first', () => {
    const v = setup(queue({ id: 'fr', strategy: 'ringall', requirement: req({}, { fr: 1 }) }));
    v.applyEntry(entry('c1', 'fr'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['cid', 'bob', 'ann']);
  });

  it('round-robin resumes after the last agent offered (remembered per queue)', () => {
    const v = setup(queue({ id: 'fr', strategy: 'round-robin', members: ['dee', 'cid', 'bob', 'ann'] }));
    v.applyEntry(entry('c1', 'fr'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['dee']);
    v.setLastOffered('fr', 'cid');
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['bob']);
    v.setLastOffered('fr', 'ann');
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['dee']);
  });

  it('round-robin without members follows the config order and skips a busy last agent’s place', () => {
    const v = setup(queue({ id: 'fr', strategy: 'round-robin' }));
    v.applyAgent(live('bob', { state: 'on-call', version: 2 }));
    v.setLastOffered('fr', 'bob');
    v.applyEntry(entry('c1', 'fr'));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['cid']);
  });

  it('skill-best offers the most proficient agent', () => {
    const v = setup(queue({ id: 'fr', strategy: 'skill-best', requirement: req({}, { fr: 1, de: 1 }) }));
    v.applyEntry(entry('c1', 'fr'));
    // ann (fr 5) and dee (de 5) tie on score 5; dee is idle since 10, ann since 300: dee
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual(['dee']);
  });

  it('linear, fewest-calls, random and weighted-random each pick as defined', () => {
    const lin = setup(queue({ id: 'fr', strategy: 'linear', members: ['cid', 'ann'] }));
    lin.applyEntry(entry('c1', 'fr'));
    expect(lin.pickAgentForCall('c1', 0, rng)).toEqual(['cid']);

    const few = setup(queue({ id: 'fr', strategy: 'fewest-calls' }));
    few.applyAgent(live('dee', { callsTaken: 4, idleSince: 10, version: 2 }));
    few.applyAgent(live('cid', { callsTaken: 2, idleSince: 50, version: 2 }));
    few.applyAgent(live('bob', { callsTaken: 2, idleSince: 40, version: 2 }));
    few.applyAgent(live('ann', { callsTaken: 3, version: 2 }));
    few.applyEntry(entry('c1', 'fr'));
    expect(few.pickAgentForCall('c1', 0, rng)).toEqual(['bob']);

    const rnd = setup(queue({ id: 'fr', strategy: 'random', requirement: req({ fr: 1 }) }));
    rnd.applyEntry(entry('c1', 'fr'));
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(rnd.pickAgentForCall('c1', 0, rng)[0]!);
    expect([...seen].sort()).toEqual(['ann', 'bob', 'cid']);

    const wr = setup(queue({ id: 'fr', strategy: 'weighted-random', requirement: req({ fr: 1 }) }));
    wr.applyEntry(entry('c1', 'fr'));
    const count = new Map<string, number>();
    for (let i = 0; i < 9000; i++) {
      const a = wr.pickAgentForCall('c1', 0, rng)[0]!;
      count.set(a, (count.get(a) ?? 0) + 1);
    }
    // scores 5 : 3 : 1
    expect(count.get('ann')! / 9000).toBeCloseTo(5 / 9, 1);
    expect(count.get('cid')! / 9000).toBeCloseTo(1 / 9, 1);
  });

  it('an offered or unknown call gets nobody', () => {
    const v = setup(queue({ id: 'fr' }));
    v.applyEntry(entry('c1', 'fr', { state: 'offered', agents: ['ann'] }));
    expect(v.pickAgentForCall('c1', 0, rng)).toEqual([]);
    expect(v.pickAgentForCall('nope', 0, rng)).toEqual([]);
  });
});

describe('pickCallForAgent', () => {
  const agents = profiles({ ann: { fr: 5, billing: 2 }, bob: { fr: 1 } });
  const sales = queue({ id: 'sales', priority: 0, requirement: req({ fr: 1 }) });
  const support = queue({ id: 'support', priority: 3, requirement: req({ billing: 1 }) });
  const vip = queue({ id: 'vip', priority: 5, members: ['bob'] });

  function setup(): AcdView {
    const v = new AcdView(agents, [sales, support, vip]);
    v.applyAgent(live('ann'));
    v.applyAgent(live('bob'));
    return v;
  }

  it('a higher-priority queue’s caller is served before a VIP caller who waited longer in another queue', () => {
    const v = setup();
    v.applyEntry(entry('sales-vip', 'sales', { priority: 9, enqueuedAt: 0, seq: 1 }));
    v.applyEntry(entry('support-1', 'support', { priority: 0, enqueuedAt: 500, seq: 2 }));
    expect(v.pickCallForAgent('ann', 1_000)).toBe('support-1');
  });

  it('within equal queue priority: call priority, then who waited longest', () => {
    const v = setup();
    v.applyEntry(entry('late', 'sales', { enqueuedAt: 200, seq: 2 }));
    v.applyEntry(entry('early', 'sales', { enqueuedAt: 100, seq: 5 }));
    expect(v.pickCallForAgent('ann', 1_000)).toBe('early');
    v.applyEntry(entry('vip', 'sales', { enqueuedAt: 300, seq: 6, priority: 5 }));
    expect(v.pickCallForAgent('ann', 1_000)).toBe('vip');
  });

  it('skips queues the agent is not a member of, and calls it does not qualify for', () => {
    const v = setup();
    v.applyEntry(entry('v1', 'vip', { seq: 1 }));
    v.applyEntry(entry('s1', 'support', { seq: 2 }));
    v.applyEntry(entry('f1', 'sales', { seq: 3, requirement: req({ fr: 5 }) }));
    expect(v.pickCallForAgent('ann', 0)).toBe('s1');
    expect(v.pickCallForAgent('bob', 0)).toBe('v1');
    v.removeEntry('v1');
    expect(v.pickCallForAgent('bob', 0)).toBeUndefined();
  });

  it('honours escalation at `now`: the junior takes the call once its step is due', () => {
    const q = queue({ id: 'fr', requirement: req({ fr: 4 }), escalation: [{ afterSeconds: 30, minProficiency: 1 }] });
    const v = new AcdView(agents, [q]);
    v.applyAgent(live('bob'));
    v.applyEntry(entry('c1', 'fr', { enqueuedAt: 0 }));
    expect(v.pickCallForAgent('bob', 29_999)).toBeUndefined();
    expect(v.pickCallForAgent('bob', 30_000)).toBe('c1');
  });

  it('offered and connected calls are not picked; an agent not offerable picks nothing', () => {
    const v = setup();
    v.applyEntry(entry('o1', 'sales', { seq: 1, state: 'offered', agents: ['bob'] }));
    v.applyEntry(entry('x1', 'sales', { seq: 2, state: 'connected', agent: 'bob' }));
    expect(v.pickCallForAgent('ann', 0)).toBeUndefined();
    v.applyEntry(entry('w1', 'sales', { seq: 3 }));
    expect(v.pickCallForAgent('ann', 0)).toBe('w1');
    v.applyAgent(live('ann', { state: 'paused', version: 2 }));
    expect(v.pickCallForAgent('ann', 0)).toBeUndefined();
  });
});

describe('plan', () => {
  const agents = profiles({ ann: { fr: 5 }, bob: { fr: 3 }, cid: { de: 3 } });

  it('never gives one agent to two calls in a round', () => {
    const v = new AcdView(agents, [queue({ id: 'fr', requirement: req({ fr: 1 }) })]);
    v.applyAgent(live('ann', { idleSince: 1 }));
    v.applyAgent(live('bob', { idleSince: 2 }));
    for (let i = 1; i <= 3; i++) v.applyEntry(entry(`c${i}`, 'fr', { seq: i }));
    expect(v.plan(0, rng)).toEqual([
      { callId: 'c1', agents: ['ann'] },
      { callId: 'c2', agents: ['bob'] },
    ]);
  });

  it('serves calls in global order: queue priority, then call priority, then wait', () => {
    const v = new AcdView(agents, [queue({ id: 'low', priority: 0 }), queue({ id: 'high', priority: 2 })]);
    v.applyAgent(live('ann'));
    v.applyEntry(entry('old-vip', 'low', { priority: 9, enqueuedAt: 0, seq: 1 }));
    v.applyEntry(entry('new', 'high', { enqueuedAt: 100, seq: 2 }));
    expect(v.plan(1_000, rng)).toEqual([{ callId: 'new', agents: ['ann'] }]);
  });

  it('a call nobody qualifies for does not block later calls', () => {
    const v = new AcdView(agents, [queue({ id: 'q' })]);
    v.applyAgent(live('cid'));
    v.applyEntry(entry('fr-only', 'q', { seq: 1, requirement: req({ fr: 1 }) }));
    v.applyEntry(entry('any', 'q', { seq: 2 }));
    expect(v.plan(0, rng)).toEqual([{ callId: 'any', agents: ['cid'] }]);
  });

  it('with an owner, returns only its calls, but other owners’ earlier calls keep their agents', () => {
    const v = new AcdView(agents, [queue({ id: 'fr', requirement: req({ fr: 1 }) })]);
    v.applyAgent(live('ann', { idleSince: 1 }));
    v.applyAgent(live('bob', { idleSince: 2 }));
    v.applyEntry(entry('theirs', 'fr', { seq: 1, owner: 'i2' }));
    v.applyEntry(entry('mine', 'fr', { seq: 2, owner: 'i1' }));
    v.applyEntry(entry('mine-too', 'fr', { seq: 3, owner: 'i1' }));
    expect(v.plan(0, rng, 'i1')).toEqual([{ callId: 'mine', agents: ['bob'] }]);
    expect(v.plan(0, rng, 'i2')).toEqual([{ callId: 'theirs', agents: ['ann'] }]);
  });

  it('a multi-offer agent takes up to maxConcurrentOffers calls in a round, after the free agents', () => {
    const multi = [...profiles({ ann: { fr: 5 } }, { maxConcurrentOffers: 2 }), ...profiles({ bob: { fr: 3 } }).map((p) => ({ ...p, order: 1 }))];
    const v = new AcdView(multi, [queue({ id: 'fr' })]);
    v.applyAgent(live('ann', { idleSince: 1 }));
    v.applyAgent(live('bob', { idleSince: 2 }));
    for (let i = 1; i <= 4; i++) v.applyEntry(entry(`c${i}`, 'fr', { seq: i }));
    expect(v.plan(0, rng)).toEqual([
      { callId: 'c1', agents: ['ann'] },
      { callId: 'c2', agents: ['bob'] },
      { callId: 'c3', agents: ['ann'] },
    ]);
  });

  it('an agent at maxConcurrentOffers gets no more calls in the round, while other agents are still free', () => {
    const multi = [profile('ann', { fr: 5 }, { maxConcurrentOffers: 2, order: 0 }), profile('bob', { fr: 3 }, { order: 1 }), profile('cid', { de: 3 }, { order: 2 })];
    const v = new AcdView(multi, [queue({ id: 'fr', requirement: req({ fr: 1 }) })]);
    for (const id of ['ann', 'bob', 'cid']) v.applyAgent(live(id));
    for (let i = 1; i <= 4; i++) v.applyEntry(entry(`c${i}`, 'fr', { seq: i }));
    expect(v.plan(0, rng).map((o) => o.agents)).toEqual([['ann'], ['bob'], ['ann']]);
  });

  it('ringall takes every agent it rings for the round', () => {
    const v = new AcdView(agents, [queue({ id: 'all', strategy: 'ringall' })]);
    for (const id of ['ann', 'bob', 'cid']) v.applyAgent(live(id));
    v.applyEntry(entry('c1', 'all', { seq: 1 }));
    v.applyEntry(entry('c2', 'all', { seq: 2 }));
    expect(v.plan(0, rng)).toEqual([{ callId: 'c1', agents: ['ann', 'bob', 'cid'] }]);
  });

  it('round-robin advances within the round', () => {
    const v = new AcdView(agents, [queue({ id: 'rr', strategy: 'round-robin' })]);
    for (const id of ['ann', 'bob', 'cid']) v.applyAgent(live(id));
    v.setLastOffered('rr', 'ann');
    for (let i = 1; i <= 3; i++) v.applyEntry(entry(`c${i}`, 'rr', { seq: i }));
    expect(v.plan(0, rng).map((o) => o.agents[0])).toEqual(['bob', 'cid', 'ann']);
  });

  it('round-robin continues after the agent given to the previous call, even one a requirement singled out', () => {
    const four = profiles({ a: {}, b: {}, c: { fr: 2 }, d: {} });
    const v = new AcdView(four, [queue({ id: 'rr', strategy: 'round-robin' })]);
    for (const id of ['a', 'b', 'c', 'd']) v.applyAgent(live(id));
    v.setLastOffered('rr', 'a');
    v.applyEntry(entry('french', 'rr', { seq: 1, requirement: req({ fr: 1 }) }));
    v.applyEntry(entry('any', 'rr', { seq: 2 }));
    expect(v.plan(0, rng)).toEqual([
      { callId: 'french', agents: ['c'] },
      { callId: 'any', agents: ['d'] },
    ]);
  });

  it('is the same on two instances with the same view and seed (random strategy)', () => {
    const build = (): AcdView => {
      const v = new AcdView(agents, [queue({ id: 'r', strategy: 'random' })]);
      for (const id of ['ann', 'bob', 'cid']) v.applyAgent(live(id));
      for (let i = 1; i <= 2; i++) v.applyEntry(entry(`c${i}`, 'r', { seq: i, owner: i === 1 ? 'i1' : 'i2' }));
      return v;
    };
    const a = build().plan(0, fixed(0.7, 0.1), 'i1');
    const b = build().plan(0, fixed(0.7, 0.1), 'i2');
    expect(a).toEqual([{ callId: 'c1', agents: ['cid'] }]);
    expect(b).toEqual([{ callId: 'c2', agents: ['ann'] }]);
  });
});
