/**
 * The view's indexed routing against a straightforward reference: random
 * worlds (agents with random skills, states, idle times, calls taken, misses
 * and offers; queues with every strategy, members, priorities and escalation;
 * callers with priorities, overrides, earlier offers and owners), changed
 * over several epochs so the incremental indexes (lazy heap deletion,
 * compaction, the round's set-aside agents) are exercised too.
 *
 * The reference knows nothing of the view's internals: it applies the
 * definitions (qualifies, effectiveRequirement, skillScore, rankAgents /
 * firstAgent, compareForAgent) to the whole world by brute force. For the
 * deterministic strategies the answers must be identical; for random and
 * weighted-random the view's pick must be one the reference would allow.
 */
import { describe, expect, it } from 'vitest';
import {
  AcdView,
  compareForAgent,
  effectiveRequirement,
  firstAgent,
  qualifies,
  rankAgents,
  skillScore,
  type Candidate,
  type Offer,
} from '../../src/acd/core/index.js';
import type { AgentLive, AgentProfile, AgentState, QueueConfig, QueueEntry, Requirement, Strategy } from '../../src/acd/types.js';
import { AGENT_STATES } from '../../src/acd/types.js';
import { entry, lcg, live, profile, queue } from './acd-core-fixtures.js';

const SKILLS = ['fr', 'de', 'en', 'billing', 'tech'];
const DETERMINISTIC: readonly Strategy[] = ['longest-idle', 'fewest-calls', 'skill-best', 'linear', 'round-robin', 'ringall'];
const RANDOM: readonly Strategy[] = ['random', 'weighted-random'];
const OFFERABLE: ReadonlySet<AgentState> = new Set(['available', 'reserved', 'ringing']);

type Rng = () => number;

const noDraw: Rng = () => {
  throw new Error('a deterministic strategy drew a random number');
};

/** The world as the test knows it, mirrored into the view. */
class World {
  readonly profiles: AgentProfile[];
  readonly queues: QueueConfig[];
  readonly agents = new Map<string, AgentLive>();
  readonly entries = new Map<string, QueueEntry>();
  readonly lastOffered = new Map<string, string>();
  readonly view: AcdView;
  private nextCall = 0;
  private nextSeq = 1000;

  constructor(
    private readonly rng: Rng,
    readonly retryMs: number,
    size: { agents: number; queues: number; calls: number },
    strategies: readonly Strategy[],
  ) {
    const int = (n: number): number => Math.floor(rng() * n);
    const tiedOrders = rng() < 0.3;
    this.profiles = Array.from({ length: size.agents }, (_, i) => {
      const skills: Record<string, number> = {};
      for (const s of SKILLS) if (rng() < 0.5) skills[s] = 1 + int(5);
      return profile(`a${i}`, skills, { order: tiedOrders ? int(size.agents >> 2) : i, maxConcurrentOffers: rng() < 0.2 ? 2 + int(2) : 1 });
    });
    this.queues = Array.from({ length: size.queues }, (_, q) => {
      const members =
        rng() < 0.3 ? [...new Set(Array.from({ length: 1 + int(size.agents) }, () => `a${int(size.agents + 3)}`))] : undefined;
      const escalation: QueueConfig['escalation'] = [];
      const steps = int(3);
      for (let k = 0; k < steps; k++) {
        const r = rng();
        escalation.push({
          afterSeconds: 10 + int(60),
          ...(r < 0.4 ? { minProficiency: 1 + int(3) } : {}),
          ...(r >= 0.4 && r < 0.7 ? { dropSkills: [SKILLS[int(SKILLS.length)]!] } : {}),
          ...(r >= 0.7 ? { requirement: this.randomRequirement() } : {}),
        });
      }
      return queue({
        id: `q${q}`,
        strategy: strategies[int(strategies.length)]!,
        priority: int(3),
        requirement: this.randomRequirement(),
        escalation,
        ...(members === undefined ? {} : { members }),
      });
    });
    this.view = new AcdView(this.profiles, this.queues, { retryAfterMissMs: retryMs });
    for (const p of this.profiles) if (rng() < 0.9) this.setAgent(p.id, 1);
    for (let c = 0; c < size.calls; c++) this.addCall();
  }

  randomRequirement(): Requirement {
    const int = (n: number): number => Math.floor(this.rng() * n);
    const pick = (n: number): Requirement['allOf'] =>
      [...new Set(Array.from({ length: n }, () => SKILLS[int(SKILLS.length)]!))].map((skill) => (this.rng() < 0.2 ? { skill } : { skill, min: 1 + int(5) }));
    return { allOf: pick(int(3)), anyOf: pick(int(3)) };
  }

  callIds(): string[] {
    return [...this.entries.keys()];
  }

  /** A new random copy of the agent. */
  setAgent(id: string, version: number): void {
    const rng = this.rng;
    const int = (n: number): number => Math.floor(rng() * n);
    const r = rng();
    const state: AgentState = r < 0.45 ? 'available' : r < 0.55 ? 'ringing' : r < 0.6 ? 'reserved' : AGENT_STATES[int(AGENT_STATES.length)]!;
    const calls = this.callIds();
    const offers: string[] = [];
    if (state !== 'available' || rng() < 0.15) {
      const n = state === 'available' ? 1 : int(3);
      for (let k = 0; k < n; k++) offers.push(calls.length > 0 && rng() < 0.5 ? calls[int(calls.length)]! : `elsewhere${int(5)}`);
    }
    const prev = this.agents.get(id);
    const a = live(id, {
      state,
      // often unchanged, so a free agent stays in its heaps; small ranges, so ties are common
      idleSince: prev !== undefined && rng() < 0.5 ? prev.idleSince : int(20),
      callsTaken: prev !== undefined && rng() < 0.5 ? prev.callsTaken : int(4),
      offers: [...new Set(offers)],
      ...(rng() < 0.25 ? { lastMissAt: int(150_000) } : {}),
      ...(rng() < 0.1 ? { pendingLogout: true } : {}),
      version,
    });
    this.agents.set(id, a);
    expect(this.view.applyAgent(a)).toBe(true);
  }

  addCall(): void {
    const id = `c${this.nextCall++}`;
    this.setEntry(id, 1, this.nextSeq++);
  }

  setEntry(callId: string, version: number, seq: number): void {
    const rng = this.rng;
    const int = (n: number): number => Math.floor(rng() * n);
    const r = rng();
    const state: QueueEntry['state'] = r < 0.75 ? 'waiting' : r < 0.9 ? 'offered' : 'connected';
    const agents = rng() < 0.3 ? [`a${int(this.profiles.length)}`] : [];
    const e = entry(callId, rng() < 0.03 ? 'nowhere' : `q${int(this.queues.length)}`, {
      priority: [0, 0, 0, 5, 9][int(5)]!,
      enqueuedAt: int(120_000),
      seq,
      state,
      agents,
      owner: rng() < 0.5 ? 'i1' : 'i2',
      version,
      ...(rng() < 0.15 ? { requirement: this.randomRequirement() } : {}),
    });
    this.entries.set(callId, e);
    expect(this.view.applyEntry(e)).toBe(true);
  }

  /** Random changes: agents, callers (moved, offered, removed, new), round-robin memory. */
  mutate(): void {
    const rng = this.rng;
    const int = (n: number): number => Math.floor(rng() * n);
    for (const p of this.profiles) if (rng() < 0.3) this.setAgent(p.id, (this.agents.get(p.id)?.version ?? 0) + 1);
    for (const e of [...this.entries.values()]) {
      const r = rng();
      if (r < 0.1) {
        this.entries.delete(e.callId);
        this.view.removeEntry(e.callId, e.version);
      } else if (r < 0.3) this.setEntry(e.callId, e.version + 1, e.seq);
    }
    for (let k = int(4); k > 0; k--) this.addCall();
    for (const q of this.queues) {
      if (rng() < 0.5) {
        const id = rng() < 0.9 ? `a${int(this.profiles.length)}` : 'stranger';
        this.lastOffered.set(q.id, id);
        this.view.setLastOffered(q.id, id);
      }
    }
  }

  // ── the reference ───────────────────────────────────────────────────

  queueOf(e: QueueEntry): QueueConfig | undefined {
    return this.queues.find((q) => q.id === e.queue);
  }

  offerable(p: AgentProfile): AgentLive | undefined {
    const a = this.agents.get(p.id);
    return a !== undefined && !a.pendingLogout && OFFERABLE.has(a.state) && a.offers.length < p.maxConcurrentOffers ? a : undefined;
  }

  memberOrder(q: QueueConfig): Map<string, number> {
    return q.members === undefined ? new Map(this.profiles.map((p) => [p.id, p.order])) : new Map(q.members.map((id, i) => [id, i]));
  }

  /** The agents a waiting call may be offered now: the free ones, else the multi-offer pool. */
  pool(e: QueueEntry, q: QueueConfig, now: number, taken: ReadonlyMap<string, number>): Candidate[] {
    const req = effectiveRequirement(q, e, now);
    const free: Candidate[] = [];
    const busy: Candidate[] = [];
    for (const p of this.profiles) {
      const a = this.offerable(p);
      if (a === undefined) continue;
      const load = a.offers.length + (taken.get(p.id) ?? 0);
      if (load >= p.maxConcurrentOffers) continue;
      if (q.members !== undefined && !q.members.includes(p.id)) continue;
      if (!qualifies(p.skills, req)) continue;
      if (a.offers.includes(e.callId) || e.agents.includes(p.id)) continue;
      if (a.lastMissAt !== undefined && now - a.lastMissAt < this.retryMs) continue;
      const c = { profile: p, live: a, score: skillScore(p.skills, req) };
      (a.state === 'available' && load === 0 ? free : busy).push(c);
    }
    return free.length > 0 ? free : busy;
  }

  /** pickAgentForCall by definition; for random strategies, `allowed` lists every acceptable single pick. */
  pickAgent(callId: string, now: number, taken: ReadonlyMap<string, number>, last: string | undefined): { agents: string[]; allowed?: Set<string> } {
    const e = this.entries.get(callId);
    const q = e === undefined ? undefined : this.queueOf(e);
    if (e === undefined || q === undefined || e.state !== 'waiting') return { agents: [] };
    const pool = this.pool(e, q, now, taken);
    if (pool.length === 0) return { agents: [] };
    const ctx = { rng: noDraw, memberOrder: this.memberOrder(q), lastOffered: last };
    if (RANDOM.includes(q.strategy)) return { agents: [], allowed: new Set(pool.map((c) => c.profile.id)) };
    if (q.strategy === 'ringall') return { agents: rankAgents('ringall', pool, ctx).map((c) => c.profile.id) };
    return { agents: [firstAgent(q.strategy, pool, ctx)!.profile.id] };
  }

  /** Waiting callers of known queues, in global order (ties by call id). */
  globalOrder(): QueueEntry[] {
    const waiting = [...this.entries.values()].filter((e) => e.state === 'waiting' && this.queueOf(e) !== undefined);
    const choice = (e: QueueEntry) => ({ entry: e, queuePriority: this.queueOf(e)!.priority });
    return waiting.sort((a, b) => compareForAgent(choice(a), choice(b)) || (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0));
  }

  pickCall(agentId: string, now: number): string | undefined {
    const p = this.profiles.find((x) => x.id === agentId);
    const a = p === undefined ? undefined : this.offerable(p);
    if (p === undefined || a === undefined) return undefined;
    for (const e of this.globalOrder()) {
      const q = this.queueOf(e)!;
      if (q.members !== undefined && !q.members.includes(agentId)) continue;
      if (a.offers.includes(e.callId) || e.agents.includes(agentId)) continue;
      if (qualifies(p.skills, effectiveRequirement(q, e, now))) return e.callId;
    }
    return undefined;
  }

  /**
   * Checks a dispatch round of the view call by call: each call must get
   * what the reference gives it after the agents the view's earlier offers
   * of the round took (random strategies: any agent the reference allows).
   */
  checkPlan(offers: readonly Offer[], now: number): void {
    const byCall = new Map(offers.map((o) => [o.callId, o.agents]));
    const taken = new Map<string, number>();
    const roundLast = new Map<string, string>();
    let matched = 0;
    for (const e of this.globalOrder()) {
      const ref = this.pickAgent(e.callId, now, taken, roundLast.get(e.queue) ?? this.lastOffered.get(e.queue));
      const got = byCall.get(e.callId) ?? [];
      if (ref.allowed !== undefined) {
        expect(got).toHaveLength(1);
        expect(ref.allowed.has(got[0]!)).toBe(true);
      } else expect(got).toEqual(ref.agents);
      if (got.length === 0) continue;
      matched++;
      for (const id of got) taken.set(id, (taken.get(id) ?? 0) + 1);
      roundLast.set(e.queue, got[got.length - 1]!);
    }
    expect(matched).toBe(offers.length);
  }

  /** The reference round for one owner (deterministic strategies only). */
  plan(now: number, owner: string | undefined): Offer[] {
    const taken = new Map<string, number>();
    const roundLast = new Map<string, string>();
    const out: Offer[] = [];
    for (const e of this.globalOrder()) {
      const { agents } = this.pickAgent(e.callId, now, taken, roundLast.get(e.queue) ?? this.lastOffered.get(e.queue));
      if (agents.length === 0) continue;
      for (const id of agents) taken.set(id, (taken.get(id) ?? 0) + 1);
      roundLast.set(e.queue, agents[agents.length - 1]!);
      if (owner === undefined || e.owner === owner) out.push({ callId: e.callId, agents });
    }
    return out;
  }
}

/** Every routing question the view answers, checked against the reference at `now`. */
function checkAll(w: World, now: number, rng: Rng, deterministic: boolean): { offered: number; picked: number } {
  let offered = 0;
  let picked = 0;
  for (const id of [...w.callIds(), 'unknown']) {
    const e = w.entries.get(id);
    const q = e === undefined ? undefined : w.queueOf(e);
    const random = q !== undefined && RANDOM.includes(q.strategy);
    const ref = w.pickAgent(id, now, new Map(), w.lastOffered.get(e?.queue ?? ''));
    const got = w.view.pickAgentForCall(id, now, random ? rng : noDraw);
    if (ref.allowed !== undefined) {
      expect(got).toHaveLength(1);
      expect(ref.allowed.has(got[0]!), `${id} (${q?.strategy}) got ${got[0]}`).toBe(true);
    } else expect(got, `${id} (${q?.strategy})`).toEqual(ref.agents);
    if (got.length > 0) offered++;
  }
  for (const p of [...w.profiles, profile('stranger')]) {
    const got = w.view.pickCallForAgent(p.id, now);
    expect(got, `agent ${p.id}`).toBe(w.pickCall(p.id, now));
    if (got !== undefined) picked++;
  }
  if (deterministic) {
    for (const owner of [undefined, 'i1', 'i2']) expect(w.view.plan(now, noDraw, owner)).toEqual(w.plan(now, owner));
  } else w.checkPlan(w.view.plan(now, rng), now);
  return { offered, picked };
}

describe('indexed routing equals the reference', () => {
  it('deterministic strategies: the same answers, in random worlds changing over time', () => {
    let offered = 0;
    let picked = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const rng = lcg(seed);
      const w = new World(rng, rng() < 0.5 ? 0 : 5_000, { agents: 10 + Math.floor(rng() * 40), queues: 2 + Math.floor(rng() * 5), calls: 5 + Math.floor(rng() * 30) }, DETERMINISTIC);
      for (let epoch = 0; epoch < 8; epoch++) {
        const now = Math.floor(rng() * 150_000);
        const n = checkAll(w, now, rng, true);
        offered += n.offered;
        picked += n.picked;
        w.mutate();
      }
    }
    // the worlds are not degenerate: plenty of calls found agents and agents found calls
    expect(offered).toBeGreaterThan(1_000);
    expect(picked).toBeGreaterThan(1_000);
  });

  it('every strategy, random ones included: each pick is one the definitions allow', () => {
    for (let seed = 1000; seed < 1100; seed++) {
      const rng = lcg(seed);
      const w = new World(rng, rng() < 0.5 ? 0 : 5_000, { agents: 10 + Math.floor(rng() * 40), queues: 2 + Math.floor(rng() * 5), calls: 5 + Math.floor(rng() * 30) }, [...DETERMINISTIC, ...RANDOM, ...RANDOM]);
      for (let epoch = 0; epoch < 8; epoch++) {
        checkAll(w, Math.floor(rng() * 150_000), rng, false);
        w.mutate();
      }
    }
  });

  it('a larger world, long-lived: heaps compact and stay correct over many changes', () => {
    const rng = lcg(77);
    const w = new World(rng, 5_000, { agents: 300, queues: 8, calls: 60 }, DETERMINISTIC);
    for (let epoch = 0; epoch < 40; epoch++) {
      checkAll(w, Math.floor(rng() * 150_000), rng, true);
      w.mutate();
    }
  });
});

describe('random strategies from the index keep their distributions', () => {
  /** Five agents fr 1..5; `skip` are offered the call already, `resting` just missed one. */
  function setup(strategy: Strategy): AcdView {
    const ps = [1, 2, 3, 4, 5].map((lvl, i) => profile(`p${lvl}`, { fr: lvl }, { order: i }));
    const v = new AcdView(ps, [queue({ id: 'q', strategy, requirement: { allOf: [{ skill: 'fr', min: 1 }], anyOf: [] } })], { retryAfterMissMs: 1_000 });
    for (const p of ps) v.applyAgent(live(p.id));
    v.applyAgent(live('p5', { lastMissAt: 500, version: 2 })); // resting at now = 1000
    v.applyEntry(entry('c1', 'q', { agents: ['p2'] })); // offered to p2 before
    return v;
  }

  it('random: uniform over the free agents who may take the call', () => {
    const v = setup('random');
    const rng = lcg(5);
    const count = new Map<string, number>();
    const N = 30_000;
    for (let i = 0; i < N; i++) {
      const a = v.pickAgentForCall('c1', 1_000, rng)[0]!;
      count.set(a, (count.get(a) ?? 0) + 1);
    }
    expect([...count.keys()].sort()).toEqual(['p1', 'p3', 'p4']);
    for (const id of ['p1', 'p3', 'p4']) expect(count.get(id)! / N).toBeCloseTo(1 / 3, 1.5);
  });

  it('weighted-random: proportional to the score over the free agents who may take the call', () => {
    const v = setup('weighted-random');
    const rng = lcg(6);
    const count = new Map<string, number>();
    const N = 40_000;
    for (let i = 0; i < N; i++) {
      const a = v.pickAgentForCall('c1', 1_000, rng)[0]!;
      count.set(a, (count.get(a) ?? 0) + 1);
    }
    expect([...count.keys()].sort()).toEqual(['p1', 'p3', 'p4']);
    // scores 1 : 3 : 4
    expect(count.get('p1')! / N).toBeCloseTo(1 / 8, 1.5);
    expect(count.get('p3')! / N).toBeCloseTo(3 / 8, 1.5);
    expect(count.get('p4')! / N).toBeCloseTo(4 / 8, 1.5);
  });

  it('when nearly every free agent is excluded (the draw falls back to listing them), still exact', () => {
    for (const strategy of RANDOM) {
      const ps = Array.from({ length: 300 }, (_, i) => profile(`p${i}`, { fr: i === 1 ? 4 : 1 }, { order: i }));
      const v = new AcdView(ps, [queue({ id: 'q', strategy })]);
      for (const p of ps) v.applyAgent(live(p.id));
      // offered to all but p0 (score 1) and p1 (score 4) before
      v.applyEntry(entry('c1', 'q', { agents: ps.slice(2).map((p) => p.id) }));
      const rng = lcg(11);
      const count = new Map<string, number>();
      const N = 20_000;
      for (let i = 0; i < N; i++) {
        const a = v.pickAgentForCall('c1', 0, rng)[0]!;
        count.set(a, (count.get(a) ?? 0) + 1);
      }
      expect([...count.keys()].sort()).toEqual(['p0', 'p1']);
      expect(count.get('p1')! / N).toBeCloseTo(strategy === 'random' ? 1 / 2 : 4 / 5, 1.5);
    }
  });

  it('in a round, agents taken by earlier calls are never drawn again, and the index is whole afterwards', () => {
    for (const strategy of RANDOM) {
      const ps = Array.from({ length: 40 }, (_, i) => profile(`p${i}`, { fr: 1 + (i % 5) }, { order: i }));
      const v = new AcdView(ps, [queue({ id: 'q', strategy })]);
      for (const p of ps) v.applyAgent(live(p.id));
      for (let c = 0; c < 50; c++) v.applyEntry(entry(`c${c}`, 'q', { seq: c }));
      const rng = lcg(9);
      for (let round = 0; round < 5; round++) {
        const offers = v.plan(0, rng);
        expect(offers).toHaveLength(40);
        expect(new Set(offers.map((o) => o.agents[0])).size).toBe(40);
      }
    }
  });
});
