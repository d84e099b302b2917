/** Distribution strategies: each one's order on concrete agents, with a seeded rng where chance plays a part. */
import { describe, expect, it } from 'vitest';
import { STRATEGIES } from '../../src/config/acd-schema.js';
import { firstAgent, rankAgents, type Candidate } from '../../src/acd/core/index.js';
import { cand, fixed, ids, lcg } from './acd-core-fixtures.js';

const none = (): number => {
  throw new Error('this strategy must not draw');
};

describe('longest-idle and ringall', () => {
  const agents = [cand('a', 0, { idleSince: 300 }), cand('b', 1, { idleSince: 100 }), cand('c', 2, { idleSince: 200 }), cand('d', 3, { idleSince: 100 })];

  it('the agent idle longest is offered first; equal idle times go by config order', () => {
    expect(ids(rankAgents('longest-idle', agents, { rng: none }))).toEqual(['b', 'd', 'c', 'a']);
  });

  it('ringall rings everybody, longest idle first', () => {
    expect(ids(rankAgents('ringall', agents, { rng: none }))).toEqual(['b', 'd', 'c', 'a']);
  });

  it('the order does not depend on how the candidates arrive', () => {
    expect(ids(rankAgents('longest-idle', [...agents].reverse(), { rng: none }))).toEqual(['b', 'd', 'c', 'a']);
  });
});

describe('fewest-calls', () => {
  it('the agent with the fewest answered calls first; ties go to the longest idle', () => {
    const agents = [cand('a', 0, { callsTaken: 2, idleSince: 5 }), cand('b', 1, { callsTaken: 1, idleSince: 50 }), cand('c', 2, { callsTaken: 1, idleSince: 10 })];
    expect(ids(rankAgents('fewest-calls', agents, { rng: none }))).toEqual(['c', 'b', 'a']);
  });
});

describe('skill-best', () => {
  it('the highest skill score first; equal scores go to the longest idle', () => {
    const agents = [cand('a', 0, { score: 6, idleSince: 9 }), cand('b', 1, { score: 9, idleSince: 9 }), cand('c', 2, { score: 6, idleSince: 1 })];
    expect(ids(rankAgents('skill-best', agents, { rng: none }))).toEqual(['b', 'c', 'a']);
  });
});

describe('linear', () => {
  const agents = [cand('c', 2), cand('a', 0), cand('b', 1)];

  it('always from the top of the config order', () => {
    expect(ids(rankAgents('linear', agents, { rng: none, lastOffered: 'a' }))).toEqual(['a', 'b', 'c']);
  });

  it('the queue’s members order wins over the config order', () => {
    const memberOrder = new Map([
      ['b', 0],
      ['c', 1],
      ['a', 2],
    ]);
    expect(ids(rankAgents('linear', agents, { rng: none, memberOrder }))).toEqual(['b', 'c', 'a']);
  });
});

describe('round-robin', () => {
  const agents = [cand('a', 0), cand('b', 1), cand('c', 2), cand('d', 3)];

  it('round-robin resumes after the last agent offered', () => {
    expect(ids(rankAgents('round-robin', agents, { rng: none, lastOffered: 'b' }))).toEqual(['c', 'd', 'a', 'b']);
  });

  it('after the last agent in the order it wraps to the first', () => {
    expect(ids(rankAgents('round-robin', agents, { rng: none, lastOffered: 'd' }))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('with no memory it starts from the top', () => {
    expect(ids(rankAgents('round-robin', agents, { rng: none }))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('when the last agent offered is busy now, the next member after its place goes first', () => {
    const memberOrder = new Map(['a', 'b', 'c', 'd'].map((id, i) => [id, i]));
    const free = agents.filter((c) => c.profile.id !== 'b');
    expect(ids(rankAgents('round-robin', free, { rng: none, lastOffered: 'b', memberOrder }))).toEqual(['c', 'd', 'a']);
  });

  it('follows the members order, not the config order', () => {
    const memberOrder = new Map(['d', 'c', 'b', 'a'].map((id, i) => [id, i]));
    expect(ids(rankAgents('round-robin', agents, { rng: none, lastOffered: 'c', memberOrder }))).toEqual(['b', 'a', 'd', 'c']);
  });

  it('an unknown last agent (not a candidate, no member order) starts from the top', () => {
    expect(ids(rankAgents('round-robin', agents, { rng: none, lastOffered: 'zed' }))).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('random', () => {
  const agents = ['a', 'b', 'c', 'd'].map((id, i) => cand(id, i));

  it('is a Fisher–Yates shuffle driven by the rng', () => {
    // i=0: j = 0 + floor(0.5*4) = 2 → c b a d; i=1: j = 1 + floor(0*3) = 1; i=2: j = 2 + floor(0.99*2) = 3 → c b d a
    expect(ids(rankAgents('random', agents, { rng: fixed(0.5, 0, 0.99) }))).toEqual(['c', 'b', 'd', 'a']);
  });

  it('is the same for the same seed and a permutation of all candidates', () => {
    const one = ids(rankAgents('random', agents, { rng: lcg(7) }));
    expect(ids(rankAgents('random', agents, { rng: lcg(7) }))).toEqual(one);
    expect([...one].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('each agent comes first about equally often', () => {
    const rng = lcg(42);
    const firsts = new Map<string, number>();
    for (let i = 0; i < 8000; i++) {
      const f = rankAgents('random', agents, { rng })[0]!.profile.id;
      firsts.set(f, (firsts.get(f) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c', 'd']) expect(firsts.get(id)).toBeGreaterThan(1800);
  });
});

describe('weighted-random', () => {
  const agents = [cand('expert', 0, { score: 9 }), cand('junior', 1, { score: 1 }), cand('unskilled', 2, { score: 0 })];

  it('picks in proportion to the skill score, and a zero score is still picked sometimes', () => {
    const rng = lcg(1);
    const firsts = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const f = rankAgents('weighted-random', agents, { rng })[0]!.profile.id;
      firsts.set(f, (firsts.get(f) ?? 0) + 1);
    }
    // weights 9 : 1 : 0.1 → 89.1 % : 9.9 % : 1 %
    expect(firsts.get('expert')! / n).toBeCloseTo(9 / 10.1, 1);
    expect(firsts.get('junior')! / n).toBeCloseTo(1 / 10.1, 1);
    expect(firsts.get('unskilled')).toBeGreaterThan(0);
  });

  it('draws without replacement: everybody appears once', () => {
    expect(ids(rankAgents('weighted-random', agents, { rng: lcg(3) })).sort()).toEqual(['expert', 'junior', 'unskilled']);
  });

  it('with fixed draws the smallest exponential key over the weight wins', () => {
    // keys: -ln(1-u)/w → expert -ln(0.1)/9 ≈ 0.256, junior -ln(0.9)/1 ≈ 0.105, unskilled -ln(0.5)/0.1 ≈ 6.9
    expect(ids(rankAgents('weighted-random', agents, { rng: fixed(0.9, 0.1, 0.5) }))).toEqual(['junior', 'expert', 'unskilled']);
  });
});

describe('firstAgent', () => {
  it('is rankAgents’ first, for every strategy and the same rng draws', () => {
    const rng = lcg(99);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rng() * 12);
      const agents: Candidate[] = [];
      for (let i = 0; i < n; i++) {
        agents.push(cand(`a${i}`, Math.floor(rng() * 20), { idleSince: Math.floor(rng() * 5), callsTaken: Math.floor(rng() * 3), score: Math.floor(rng() * 4) }));
      }
      const memberOrder = rng() < 0.5 ? new Map(agents.map((c, i) => [c.profile.id, (i * 7) % n])) : undefined;
      const lastOffered = rng() < 0.7 ? `a${Math.floor(rng() * (n + 2))}` : undefined;
      for (const s of STRATEGIES) {
        const seed = Math.floor(rng() * 1e9);
        const ranked = rankAgents(s, agents, { rng: lcg(seed), lastOffered, memberOrder });
        const first = firstAgent(s, agents, { rng: lcg(seed), lastOffered, memberOrder });
        expect(first?.profile.id, `${s} round ${round}`).toBe(ranked[0]?.profile.id);
        expect(ranked).toHaveLength(n);
      }
    }
  });

  it('no candidates, nobody', () => {
    for (const s of STRATEGIES) expect(firstAgent(s, [], { rng: none })).toBeUndefined();
  });

  it('ranks 20,000 candidates quickly (sorting, not quadratic)', () => {
    const rng = lcg(5);
    const agents = Array.from({ length: 20_000 }, (_, i) => cand(`a${i}`, i, { idleSince: Math.floor(rng() * 1e6), score: Math.floor(rng() * 10) }));
    const t0 = performance.now();
    for (const s of STRATEGIES) rankAgents(s, agents, { rng, lastOffered: 'a500' });
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
