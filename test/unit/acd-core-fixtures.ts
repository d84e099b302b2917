/**
 * Concise fixtures for the ACD core tests: agents, live states, queues
 * (every schema default filled in), callers, requirements and a seeded rng.
 */
import type { AgentLive, AgentProfile, QueueConfig, QueueEntry, Requirement } from '../../src/acd/types.js';
import type { Candidate } from '../../src/acd/core/index.js';

type Levels = Record<string, number | undefined>;

/** A requirement from skill → min maps (undefined min: the default 1). */
export function req(allOf: Levels = {}, anyOf: Levels = {}): Requirement {
  const list = (m: Levels): Requirement['allOf'] =>
    Object.entries(m).map(([skill, min]) => (min === undefined ? { skill } : { skill, min }));
  return { allOf: list(allOf), anyOf: list(anyOf) };
}

export function queue(over: Partial<QueueConfig> & { id: string }): QueueConfig {
  return {
    name: over.id,
    requirement: { allOf: [], anyOf: [] },
    strategy: 'longest-idle',
    priority: 0,
    maxWaitSeconds: 600,
    maxLength: 0,
    serviceLevelSeconds: 20,
    announcements: { positionEverySeconds: 30, estimatedWait: true },
    escalation: [],
    overflow: {},
    ...over,
  };
}

/** Agents in config order: `profiles({ a: { fr: 5 }, b: {} })` gives a (order 0), b (order 1). */
export function profiles(skillsById: Record<string, Record<string, number>>, over: Partial<AgentProfile> = {}): AgentProfile[] {
  return Object.entries(skillsById).map(([id, skills], order) => profile(id, skills, { order, ...over }));
}

export function profile(id: string, skills: Record<string, number> = {}, over: Partial<AgentProfile> = {}): AgentProfile {
  return { id, name: id, skills, teams: [], maxConcurrentOffers: 1, autoLogin: false, order: 0, ...over };
}

export function live(id: string, over: Partial<AgentLive> = {}): AgentLive {
  return { id, state: 'available', since: 0, idleSince: 0, offers: [], callsTaken: 0, misses: 0, version: 1, ...over };
}

let seqCounter = 0;
/** A waiting caller; `seq` increases with each call unless given. */
export function entry(callId: string, queueId: string, over: Partial<QueueEntry> = {}): QueueEntry {
  seqCounter++;
  return {
    callId,
    queue: queueId,
    priority: 0,
    enqueuedAt: 0,
    seq: seqCounter,
    state: 'waiting',
    agents: [],
    owner: 'i1',
    origPosition: 1,
    variables: {},
    version: 1,
    ...over,
  };
}

/** A strategy candidate with the fields the strategies read. */
export function cand(id: string, order: number, over: { idleSince?: number; callsTaken?: number; score?: number } = {}): Candidate {
  return {
    profile: profile(id, {}, { order }),
    live: live(id, { idleSince: over.idleSince ?? 0, callsTaken: over.callsTaken ?? 0 }),
    score: over.score ?? 0,
  };
}

export const ids = (cs: readonly Candidate[]): string[] => cs.map((c) => c.profile.id);

/** A deterministic rng in [0, 1): a 32-bit LCG (Numerical Recipes constants). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

/** An rng replaying fixed values (for exact expectations). */
export function fixed(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}
