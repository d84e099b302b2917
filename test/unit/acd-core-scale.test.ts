/**
 * Routing at call-center scale: 10,000 agents with 1–200 of 200 skills,
 * 1,000 waiting callers over 50 queues. The bounds are generous (CI
 * machines vary); the point is to catch a quadratic or scan-everything slip.
 */
import { describe, expect, it } from 'vitest';
import { AcdView } from '../../src/acd/core/index.js';
import type { AgentProfile, QueueConfig, Requirement } from '../../src/acd/types.js';
import { STRATEGIES } from '../../src/config/acd-schema.js';
import { entry, lcg, live, profile, queue } from './acd-core-fixtures.js';

const AGENTS = 10_000;
const SKILLS = 200;
const QUEUES = 50;
const CALLS = 1_000;

function build(): { view: AcdView; calls: string[]; agentIds: string[] } {
  const rng = lcg(12345);
  const int = (n: number): number => Math.floor(rng() * n);
  const skillName = (i: number): string => `s${i}`;
  const profs: AgentProfile[] = [];
  for (let a = 0; a < AGENTS; a++) {
    const n = 1 + int(SKILLS);
    const skills: Record<string, number> = {};
    for (let k = 0; k < n; k++) skills[skillName(int(SKILLS))] = 1 + int(5);
    profs.push(profile(`a${a}`, skills, { order: a, maxConcurrentOffers: a % 10 === 0 ? 2 : 1 }));
  }
  const queues: QueueConfig[] = [];
  for (let q = 0; q < QUEUES; q++) {
    let requirement: Requirement;
    if (q % 10 === 0) requirement = { allOf: [], anyOf: [] };
    else if (q % 3 === 0) requirement = { allOf: [], anyOf: [{ skill: skillName(int(SKILLS)), min: 3 }, { skill: skillName(int(SKILLS)), min: 4 }] };
    else requirement = { allOf: [{ skill: skillName(int(SKILLS)), min: 1 + int(5) }, { skill: skillName(int(SKILLS)) }], anyOf: [] };
    queues.push(
      queue({
        id: `q${q}`,
        priority: q % 4,
        strategy: STRATEGIES[q % STRATEGIES.length]!,
        requirement,
        ...(q % 7 === 0 ? { members: Array.from({ length: 300 }, (_, i) => `a${(q * 131 + i * 7) % AGENTS}`) } : {}),
        escalation: [{ afterSeconds: 30, minProficiency: 1 }],
      }),
    );
  }
  const view = new AcdView(profs, queues);
  const states = ['available', 'available', 'on-call', 'wrap-up', 'paused', 'ringing'] as const;
  for (let a = 0; a < AGENTS; a++) {
    const state = states[a % states.length]!;
    view.applyAgent(live(`a${a}`, { state, idleSince: int(1_000_000), callsTaken: int(30), offers: state === 'ringing' ? ['elsewhere'] : [] }));
  }
  const calls: string[] = [];
  for (let c = 0; c < CALLS; c++) {
    const id = `c${c}`;
    view.applyEntry(entry(id, `q${int(QUEUES)}`, { seq: c, enqueuedAt: int(60_000), priority: int(10) < 1 ? 5 : 0, owner: `i${c % 3}` }));
    calls.push(id);
  }
  return { view, calls, agentIds: profs.map((p) => p.id) };
}

describe('routing at scale', () => {
  it('10,000 agents, 1,000 callers: pickAgentForCall and pickCallForAgent stay far below a millisecond-scale budget', () => {
    const { view, calls, agentIds } = build();
    const rng = lcg(7);
    const now = 45_000;

    let t0 = performance.now();
    let offered = 0;
    for (const c of calls) offered += view.pickAgentForCall(c, now, rng).length > 0 ? 1 : 0;
    const perCall = (performance.now() - t0) / calls.length;

    t0 = performance.now();
    let picked = 0;
    const sample = agentIds.slice(0, 2_000);
    for (const a of sample) picked += view.pickCallForAgent(a, now) === undefined ? 0 : 1;
    const perAgent = (performance.now() - t0) / sample.length;

    t0 = performance.now();
    const offers = view.plan(now, rng, 'i1');
    const planMs = performance.now() - t0;

    expect(offered).toBeGreaterThan(500);
    expect(picked).toBeGreaterThan(100);
    expect(offers.length).toBeGreaterThan(100);
    const agentsOffered = offers.flatMap((o) => o.agents);
    expect(new Set(offers.map((o) => o.callId)).size).toBe(offers.length);
    // generous: measured well under 1 ms on a laptop; fail only on an order-of-magnitude regression
    expect(perCall).toBeLessThan(5);
    expect(perAgent).toBeLessThan(5);
    expect(planMs).toBeLessThan(10_000);
    expect(agentsOffered.length).toBeGreaterThan(0);
  });
});
