/**
 * Which of the agents able to take a call is offered it first.
 *
 * - longest-idle: smallest `live.idleSince` first; ties by `profile.order`.
 * - fewest-calls: smallest `live.callsTaken`; ties longest idle.
 * - round-robin: the queue's member order (else `profile.order`), cyclic,
 *   starting with the first agent after `lastOffered`; when `lastOffered` is
 *   not a candidate, after the place it holds in that order (if known), else
 *   from the top.
 * - linear: member order (else `profile.order`), always from the top.
 * - random: a uniform Fisher–Yates shuffle driven by `rng`.
 * - weighted-random: drawn without replacement with probability proportional
 *   to the skill score (a score ≤ 0 weighs MIN_WEIGHT, so nobody is excluded).
 * - skill-best: highest skill score first; ties longest idle.
 * - ringall: everybody, longest-idle order (the caller rings them all).
 *
 * Every ordering ends with `profile.order` then the id, so results do not
 * depend on the candidates' input order. `rankAgents` sorts (O(n log n));
 * `firstAgent` returns exactly `rankAgents(...)[0]` (given the same rng
 * state) in O(n), for the usual case where only one agent is offered.
 */
import type { AgentLive, AgentProfile, Strategy } from '../types.js';

export interface Candidate {
  profile: AgentProfile;
  live: AgentLive;
  /** skillScore(profile.skills, requirement); only skill-best and weighted-random read it. */
  score: number;
}

export interface RankContext {
  /** Uniform in [0, 1). */
  rng: () => number;
  /** Round-robin memory: the agent last offered a call of this queue. */
  lastOffered?: string;
  /** The queue's `members` order (agent id → index). */
  memberOrder?: ReadonlyMap<string, number>;
}

/** The weight of a zero score in weighted-random: small, but never excluded. */
export const MIN_WEIGHT = 0.1;

type Cmp = (a: Candidate, b: Candidate) => number;

const byStatic: Cmp = (a, b) => a.profile.order - b.profile.order || (a.profile.id < b.profile.id ? -1 : a.profile.id > b.profile.id ? 1 : 0);
const byIdle: Cmp = (a, b) => a.live.idleSince - b.live.idleSince || byStatic(a, b);
const byCalls: Cmp = (a, b) => a.live.callsTaken - b.live.callsTaken || byIdle(a, b);
const byScore: Cmp = (a, b) => b.score - a.score || byIdle(a, b);

interface Keyed {
  c: Candidate;
  k: number;
}
const byKey = (a: Keyed, b: Keyed): number => a.k - b.k || byStatic(a.c, b.c);
const byKeyIdle = (a: Keyed, b: Keyed): number => a.k - b.k || byIdle(a.c, b.c);

/** Position in the cyclic order: member index, non-members after all members. */
function orderKey(c: Candidate, memberOrder: ReadonlyMap<string, number> | undefined): number {
  if (memberOrder === undefined) return c.profile.order;
  return memberOrder.get(c.profile.id) ?? memberOrder.size + c.profile.order;
}

/** Where `lastOffered` sits in the cyclic order, if known. */
function lastKey(candidates: readonly Candidate[], ctx: RankContext): number | undefined {
  const last = ctx.lastOffered;
  if (last === undefined) return undefined;
  const known = ctx.memberOrder?.get(last);
  if (known !== undefined) return known;
  const c = candidates.find((x) => x.profile.id === last);
  return c === undefined ? undefined : orderKey(c, ctx.memberOrder);
}

/** An exponential variate over the weight: the smallest key wins (Efraimidis–Spirakis). */
function weightedKey(u: number, score: number): number {
  return -Math.log(1 - u) / (score > 0 ? score : MIN_WEIGHT);
}

/** The candidates in offer order (ringall: all of them, to ring at once). */
export function rankAgents(strategy: Strategy, candidates: readonly Candidate[], ctx: RankContext): Candidate[] {
  switch (strategy) {
    case 'ringall':
    case 'longest-idle':
      return [...candidates].sort(byIdle);
    case 'fewest-calls':
      return [...candidates].sort(byCalls);
    case 'skill-best':
      return [...candidates].sort(byScore);
    case 'linear':
      return candidates
        .map((c) => ({ c, k: orderKey(c, ctx.memberOrder) }))
        .sort(byKey)
        .map((x) => x.c);
    case 'round-robin': {
      const sorted = candidates.map((c) => ({ c, k: orderKey(c, ctx.memberOrder) })).sort(byKey);
      const after = lastKey(candidates, ctx);
      const start = after === undefined ? 0 : sorted.findIndex((x) => x.k > after);
      const cut = start < 0 ? 0 : start;
      return [...sorted.slice(cut), ...sorted.slice(0, cut)].map((x) => x.c);
    }
    case 'random': {
      // Forward Fisher–Yates: the first pick uses the first draw (firstAgent relies on it).
      const out = [...candidates];
      for (let i = 0; i < out.length - 1; i++) {
        const j = i + Math.floor(ctx.rng() * (out.length - i));
        const t = out[i]!;
        out[i] = out[j]!;
        out[j] = t;
      }
      return out;
    }
    case 'weighted-random':
      return candidates
        .map((c) => ({ c, k: weightedKey(ctx.rng(), c.score) }))
        .sort(byKeyIdle)
        .map((x) => x.c);
  }
}

function minBy(candidates: readonly Candidate[], cmp: Cmp): Candidate | undefined {
  let best = candidates[0];
  for (let i = 1; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (cmp(c, best!) < 0) best = c;
  }
  return best;
}

function minKeyed(items: Iterable<Keyed>, cmp: (a: Keyed, b: Keyed) => number): Candidate | undefined {
  let best: Keyed | undefined;
  for (const x of items) if (best === undefined || cmp(x, best) < 0) best = x;
  return best?.c;
}

/** `rankAgents(strategy, candidates, ctx)[0]` in O(n) (same rng draws). */
export function firstAgent(strategy: Strategy, candidates: readonly Candidate[], ctx: RankContext): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  switch (strategy) {
    case 'ringall':
    case 'longest-idle':
      return minBy(candidates, byIdle);
    case 'fewest-calls':
      return minBy(candidates, byCalls);
    case 'skill-best':
      return minBy(candidates, byScore);
    case 'linear':
      return minKeyed(
        candidates.map((c) => ({ c, k: orderKey(c, ctx.memberOrder) })),
        byKey,
      );
    case 'round-robin': {
      const after = lastKey(candidates, ctx);
      let first: Keyed | undefined;
      let next: Keyed | undefined;
      for (const c of candidates) {
        const x = { c, k: orderKey(c, ctx.memberOrder) };
        if (first === undefined || byKey(x, first) < 0) first = x;
        if (after !== undefined && x.k > after && (next === undefined || byKey(x, next) < 0)) next = x;
      }
      return (next ?? first)?.c;
    }
    case 'random':
      return candidates.length === 1 ? candidates[0] : candidates[Math.floor(ctx.rng() * candidates.length)];
    case 'weighted-random':
      return minKeyed(
        candidates.map((c) => ({ c, k: weightedKey(ctx.rng(), c.score) })),
        byKeyIdle,
      );
  }
}
