/**
 * The routing view's internal records: a configured agent, a queue, a route
 * class (who may take a queue's calls at one escalation level) and a waiting
 * call, with the orders on them, and how the agent and queue records are
 * made from the configuration. Shared by view.ts, route-index.ts, scan.ts and
 * entry-book.ts; it imports none of them, so they share it without cycles.
 */
import type { AgentLive, AgentProfile, QueueConfig, QueueEntry, Requirement } from '../types.js';
import { compareEntries, compareForAgent, type AgentChoice } from './ordering.js';
import { escalated } from './requirement.js';
import type { AgentHeap, RowSet } from './heap.js';
import type { CompiledRequirement, SkillMatrix } from './skill-matrix.js';

/** A configured agent: its row in the skill table and index, and its live copy once seen. */
export interface AgentRec {
  row: number;
  profile: AgentProfile;
  /** [skill number, level] pairs, for the index. */
  skills: readonly (readonly [number, number])[];
  live: AgentLive | undefined;
  /** Place in (profile.order, id) order: the strategies' final tie-break, as a number. */
  rank: number;
  /** The route classes the agent qualifies for. */
  classes: RouteClass[];
  /** The queues with a class the agent qualifies for, highest queue priority first. */
  queues: QueueInfo[];
  /** Offerable, available and offered nothing: in its classes' free indexes. */
  free: boolean;
  /** Offerable but not free (offered calls below maxConcurrentOffers, or reserved/ringing). */
  busy: boolean;
  /** Bumped whenever the agent's heap entries go stale (no longer free, or its keys changed). */
  stamp: number;
}

export type HeapKey = 'idle' | 'calls' | 'score';

/**
 * The agents who may take a call of a queue that carries the queue's own
 * requirement after `level` escalation steps, and the free ones among them,
 * indexed for the queue's strategy (built and kept by route-index.ts).
 */
export interface RouteClass {
  req: CompiledRequirement;
  /** 1 for agents meeting `req` (and members, if the queue has members). */
  eligible: Uint8Array;
  /** Eligible agents that are free. */
  freeCount: number;
  /** Eligible agents offerable but not free. */
  busy: Set<number>;
  /** longest-idle (idle), fewest-calls (calls), skill-best (score): free agents, first to offer on top. */
  heap: AgentHeap | undefined;
  heapKey: HeapKey | undefined;
  /** linear, round-robin: eligible agents in cyclic order (order key, then rank), and their order keys. */
  ordered: Int32Array | undefined;
  orderKeys: Float64Array | undefined;
  /** random, weighted-random, ringall: the free eligible agents. */
  freeSet: RowSet | undefined;
  /** weighted-random: the largest weight among eligible agents (the rejection bound). */
  maxWeight: number;
}

export interface QueueInfo {
  config: QueueConfig;
  /** Rows of the members, in members order, if the queue restricts them. */
  memberRows: readonly number[] | undefined;
  memberSet: ReadonlySet<number> | undefined;
  /** Rank order: the members' order, else every agent's profile order. */
  memberOrder: ReadonlyMap<string, number>;
  /** The requirement after every escalation step (for "could anyone ever take it"). */
  loosest: Requirement;
  /** Route classes by escalation level (0: the base requirement). */
  classes: RouteClass[];
  /** Waiting entries without an override requirement, in global order. */
  waiting: Waiting[];
}

export interface Waiting extends AgentChoice {
  entry: QueueEntry;
}

export const byCallId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Queue order, made total by the call id. */
export const queueOrder = (a: QueueEntry, b: QueueEntry): number => compareEntries(a, b) || byCallId(a.callId, b.callId);
/** Global order (queue priority, call priority, enqueuedAt, seq), made total by the call id. */
export const globalOrder = (a: Waiting, b: Waiting): number => compareForAgent(a, b) || byCallId(a.entry.callId, b.entry.callId);

/** Resting after a missed offer: not offered again for `retryAfterMissMs`. */
export function resting(live: AgentLive, now: number, retryAfterMissMs: number): boolean {
  return live.lastMissAt !== undefined && now - live.lastMissAt < retryAfterMissMs;
}

/** The strategies' final tie-break: profile order, then id. */
const staticOrder = (a: AgentProfile, b: AgentProfile): number => a.order - b.order || byCallId(a.id, b.id);

/** The agents' records, by row (their place in `profiles`), ranked by (order, id); not yet live nor in any class. */
export function agentRecords(profiles: readonly AgentProfile[], matrix: SkillMatrix): AgentRec[] {
  const recs: AgentRec[] = profiles.map((profile, row) => {
    const skills = Object.entries(profile.skills).map(([s, p]) => [matrix.skillId(s), p] as const);
    return { row, profile, skills, live: undefined, rank: 0, classes: [], queues: [], free: false, busy: false, stamp: 0 };
  });
  const byRank = recs.map((r) => r.row).sort((a, b) => staticOrder(recs[a]!.profile, recs[b]!.profile));
  byRank.forEach((row, rank) => (recs[row]!.rank = rank));
  return recs;
}

/** A queue's record, its route classes not yet built (RouteIndex.addQueues); `profileOrder`: every agent's profile order, by id. */
export function queueInfo(q: QueueConfig, rowById: ReadonlyMap<string, number>, profileOrder: ReadonlyMap<string, number>): QueueInfo {
  const members = q.members;
  const memberRows = members?.map((id) => rowById.get(id)).filter((r): r is number => r !== undefined);
  return {
    config: q,
    memberRows,
    memberSet: memberRows === undefined ? undefined : new Set(memberRows),
    memberOrder: members === undefined ? profileOrder : new Map(members.map((id, i) => [id, i])),
    loosest: escalated(q, q.requirement, q.escalation.length),
    classes: [],
    waiting: [],
  };
}
