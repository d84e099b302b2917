/**
 * An in-memory mirror of the ACD's live state (agents and queued callers, as
 * the store publishes them) that answers routing questions without I/O.
 * It only advises: the store's atomic reservation decides, so a stale view
 * costs a failed reservation, never a double booking.
 *
 * Copies carry a `version`; an older or equal copy is ignored, so replaying
 * an event stream, or receiving events out of order, is harmless. A removed
 * entry leaves a tombstone (its version, the last `tombstones` kept) so a
 * late copy of it does not bring the caller back.
 *
 * "Offerable" agents (available, or reserved/ringing below their
 * maxConcurrentOffers, and not about to log out) are indexed by skill and
 * level; a routing question visits the smallest relevant set (a required
 * skill, the queue's members, or all offerable agents), not every agent,
 * and reads proficiencies from a numbered table (SkillMatrix), not by name.
 * At 10,000 agents with up to 200 skills each this keeps a pick well under
 * a millisecond (test/unit/acd-core-scale.test.ts).
 */
import type { AgentLive, AgentProfile, QueueConfig, QueueEntry, Requirement } from '../types.js';
import { compareEntries, compareForAgent, type AgentChoice } from './ordering.js';
import { effectiveRequirement, escalated, stepsDue } from './requirement.js';
import { firstAgent, rankAgents, type Candidate, type RankContext } from './strategy.js';
import { estimatedWaitMs } from './ewt.js';
import { SkillIndex } from './skill-index.js';
import { SkillMatrix, type CompiledRequirement } from './skill-matrix.js';
import { indexOfSorted, insertSorted, removeSorted } from './sorted.js';

/** One call to offer in a dispatch round, and to whom (several for ringall). */
export interface Offer {
  callId: string;
  agents: string[];
}

export interface AcdViewOptions {
  /** Removed entries remembered against late copies (default 10,000). */
  tombstones?: number;
  /** After a missed offer the agent is not offered again for this long (Asterisk's `retry`); default 0. */
  retryAfterMissMs?: number;
}

/** A configured agent: its row in the skill table and index, and its live copy once seen. */
interface AgentRec {
  row: number;
  profile: AgentProfile;
  /** [skill number, level] pairs, for the index. */
  skills: readonly (readonly [number, number])[];
  live: AgentLive | undefined;
}

interface QueueInfo {
  config: QueueConfig;
  /** Rows of the members, in members order, if the queue restricts them. */
  memberRows: readonly number[] | undefined;
  memberSet: ReadonlySet<number> | undefined;
  /** Rank order: the members' order, else every agent's profile order. */
  memberOrder: ReadonlyMap<string, number>;
  /** The requirement after every escalation step (for "could anyone ever take it"). */
  loosest: Requirement;
}

interface Waiting extends AgentChoice {
  entry: QueueEntry;
}

const byCallId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Queue order, made total by the call id. */
const queueOrder = (a: QueueEntry, b: QueueEntry): number => compareEntries(a, b) || byCallId(a.callId, b.callId);
/** Global order (queue priority, call priority, enqueuedAt, seq), made total by the call id. */
const globalOrder = (a: Waiting, b: Waiting): number => compareForAgent(a, b) || byCallId(a.entry.callId, b.entry.callId);

const OFFERABLE_STATES: ReadonlySet<AgentLive['state']> = new Set(['available', 'reserved', 'ringing']);

export class AcdView {
  private readonly recs: AgentRec[] = [];
  private readonly rowById = new Map<string, number>();
  private readonly matrix: SkillMatrix;
  private readonly queues = new Map<string, QueueInfo>();
  /** Live copies of agents not in the config (kept for reads, never routed). */
  private readonly strangers = new Map<string, AgentLive>();
  /** Offerable agents, by skill. */
  private readonly offerable = new SkillIndex();
  /** Agents not logged out (paused included). */
  private readonly loggedIn = new Set<number>();
  private readonly entriesById = new Map<string, QueueEntry>();
  /** Per queue, waiting and offered entries in queue order. */
  private readonly queued = new Map<string, QueueEntry[]>();
  /** Waiting entries of known queues, in global order. */
  private readonly waitingList: Waiting[] = [];
  private readonly tombstones = new Map<string, number>();
  private readonly maxTombstones: number;
  private readonly retryAfterMissMs: number;
  private readonly lastOffered = new Map<string, string>();
  private readonly handleTimesByQueue = new Map<string, readonly number[]>();
  /** Effective requirement per call, valid for its version and number of steps due. */
  private readonly reqCache = new Map<string, { version: number; due: number; req: Requirement }>();

  constructor(profiles: readonly AgentProfile[], queues: readonly QueueConfig[], options: AcdViewOptions = {}) {
    this.maxTombstones = options.tombstones ?? 10_000;
    this.retryAfterMissMs = options.retryAfterMissMs ?? 0;
    this.matrix = new SkillMatrix(profiles);
    const profileOrder = new Map<string, number>();
    profiles.forEach((profile, row) => {
      const skills = Object.entries(profile.skills).map(([s, p]) => [this.matrix.skillId(s), p] as const);
      this.recs.push({ row, profile, skills, live: undefined });
      this.rowById.set(profile.id, row);
      profileOrder.set(profile.id, profile.order);
    });
    for (const q of queues) {
      const members = q.members;
      const memberRows = members?.map((id) => this.rowById.get(id)).filter((r): r is number => r !== undefined);
      this.queues.set(q.id, {
        config: q,
        memberRows,
        memberSet: memberRows === undefined ? undefined : new Set(memberRows),
        memberOrder: members === undefined ? profileOrder : new Map(members.map((id, i) => [id, i])),
        loosest: escalated(q, q.requirement, q.escalation.length),
      });
    }
  }

  // ── updates ──────────────────────────────────────────────────────────

  /** Takes an agent's newer copy; false (ignored) when not newer than the one held. */
  applyAgent(live: AgentLive): boolean {
    const row = this.rowById.get(live.id);
    const rec = row === undefined ? undefined : this.recs[row];
    const held = rec === undefined ? this.strangers.get(live.id) : rec.live;
    if (held !== undefined && live.version <= held.version) return false;
    if (rec === undefined) {
      this.strangers.set(live.id, live);
      return true;
    }
    rec.live = live;
    const offerable = !live.pendingLogout && OFFERABLE_STATES.has(live.state) && live.offers.length < rec.profile.maxConcurrentOffers;
    if (offerable) this.offerable.add(rec.row, rec.skills);
    else this.offerable.delete(rec.row, rec.skills);
    if (live.state === 'logged-out') this.loggedIn.delete(rec.row);
    else this.loggedIn.add(rec.row);
    return true;
  }

  /** Takes an entry's newer copy; false when not newer than the one held or its tombstone. */
  applyEntry(entry: QueueEntry): boolean {
    const tomb = this.tombstones.get(entry.callId);
    if (tomb !== undefined && entry.version <= tomb) return false;
    const held = this.entriesById.get(entry.callId);
    if (held !== undefined && entry.version <= held.version) return false;
    if (held !== undefined) this.unlist(held);
    if (tomb !== undefined) this.tombstones.delete(entry.callId);
    this.entriesById.set(entry.callId, entry);
    this.list(entry);
    return true;
  }

  /**
   * Forgets a caller (answered-and-done, abandoned, overflowed…). With a
   * version, a held copy newer than it stays (the removal is stale). Either
   * way a tombstone keeps late copies out. True when an entry was removed.
   */
  removeEntry(callId: string, version?: number): boolean {
    const held = this.entriesById.get(callId);
    if (held !== undefined && version !== undefined && held.version > version) return false;
    if (held !== undefined) {
      this.unlist(held);
      this.entriesById.delete(callId);
    }
    const v = Math.max(version ?? -Infinity, held?.version ?? -Infinity, this.tombstones.get(callId) ?? -Infinity);
    if (v !== -Infinity) this.tombstone(callId, v);
    return held !== undefined;
  }

  /** Round-robin memory: the agent last offered a call of `queue`. */
  setLastOffered(queue: string, agentId: string): void {
    this.lastOffered.set(queue, agentId);
  }

  /** The queue's recent handle times (ms), for the estimated wait. */
  setHandleTimes(queue: string, ms: readonly number[]): void {
    this.handleTimesByQueue.set(queue, [...ms]);
  }

  // ── reads ────────────────────────────────────────────────────────────

  agent(id: string): AgentLive | undefined {
    const row = this.rowById.get(id);
    return row === undefined ? this.strangers.get(id) : this.recs[row]?.live;
  }

  profile(id: string): AgentProfile | undefined {
    const row = this.rowById.get(id);
    return row === undefined ? undefined : this.recs[row]?.profile;
  }

  queue(id: string): QueueConfig | undefined {
    return this.queues.get(id)?.config;
  }

  entry(callId: string): QueueEntry | undefined {
    return this.entriesById.get(callId);
  }

  /** Every entry held, connected ones included (a snapshot: safe to remove entries while walking it). */
  allEntries(): QueueEntry[] {
    return [...this.entriesById.values()];
  }

  /** Whether the agent may serve the queue: listed in its members, or any configured agent when it has none. */
  isMember(queueId: string, agentId: string): boolean {
    const info = this.queues.get(queueId);
    const row = this.rowById.get(agentId);
    if (info === undefined || row === undefined) return false;
    return info.memberSet === undefined || info.memberSet.has(row);
  }

  /** The queue's callers not yet connected (waiting and offered), in queue order. */
  entries(queue: string): QueueEntry[] {
    return [...(this.queued.get(queue) ?? [])];
  }

  handleTimes(queue: string): readonly number[] {
    return this.handleTimesByQueue.get(queue) ?? [];
  }

  /**
   * The caller's 1-based place in its queue, counting offered callers ahead
   * too (an offer not answered puts its caller back in its place).
   * Undefined once connected, or unknown.
   */
  position(callId: string): number | undefined {
    const e = this.entriesById.get(callId);
    if (e === undefined) return undefined;
    const list = this.queued.get(e.queue);
    if (list === undefined) return undefined;
    const i = indexOfSorted(list, e, queueOrder);
    return i < 0 ? undefined : i + 1;
  }

  /** Callers in the queue not yet connected (waiting or being offered): they all still hear music. */
  waiting(queue: string): number {
    return this.queued.get(queue)?.length ?? 0;
  }

  /** The longest current wait in the queue (ms), 0 when nobody waits. */
  longestWaitMs(queue: string, now: number): number {
    let oldest = Infinity;
    for (const e of this.queued.get(queue) ?? []) if (e.enqueuedAt < oldest) oldest = e.enqueuedAt;
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }

  /** A call's requirement at `now` (cached per version and escalation step). */
  requirementOf(callId: string, now: number): Requirement | undefined {
    const e = this.entriesById.get(callId);
    const info = e === undefined ? undefined : this.queues.get(e.queue);
    return e === undefined || info === undefined ? undefined : this.requirementFor(info, e, now);
  }

  /**
   * Agents at work for the queue: logged in, not paused, members (if the
   * queue has members), meeting `requirement` (default the queue's). The
   * estimated wait divides by it.
   */
  staffed(queueId: string, requirement?: Requirement): number {
    const info = this.queues.get(queueId);
    if (info === undefined) return 0;
    const req = this.matrix.compile(requirement ?? info.config.requirement);
    let n = 0;
    this.forEachLoggedIn(info, (rec, live) => {
      if (live.state !== 'paused' && this.matrix.qualifies(rec.row, req)) n++;
    });
    return n;
  }

  /**
   * Whether anyone logged in (paused counts) could take a call of this queue
   * under its base requirement or its loosest (every escalation step applied):
   * when not, the queue's "no agents" overflow applies. Time does not change
   * the answer; `_now` is accepted so call sites read alike.
   */
  loggedInEligible(queueId: string, _now?: number): boolean {
    const info = this.queues.get(queueId);
    if (info === undefined) return false;
    const reqs = [info.config.requirement, info.loosest].map((r) => this.matrix.compile(r));
    let found = false;
    this.forEachLoggedIn(info, (rec) => {
      if (!found && reqs.some((r) => this.matrix.qualifies(rec.row, r))) found = true;
    });
    return found;
  }

  /** The estimated wait of a queued caller (ms), undefined when unknown. */
  estimatedWait(callId: string, now: number, defaultHandleMs: number): number | undefined {
    const e = this.entriesById.get(callId);
    const position = this.position(callId);
    const info = e === undefined ? undefined : this.queues.get(e.queue);
    if (e === undefined || position === undefined || info === undefined) return undefined;
    return estimatedWaitMs({
      position,
      handleTimesMs: this.handleTimes(e.queue),
      staffed: this.staffed(e.queue, this.requirementFor(info, e, now)),
      defaultHandleMs,
    });
  }

  // ── routing ──────────────────────────────────────────────────────────

  /**
   * The agents to offer a waiting call to now: all of them for ringall, else
   * the strategy's first. Available agents come before agents already being
   * offered another call; those serve only when no available agent qualifies.
   */
  pickAgentForCall(callId: string, now: number, rng: () => number): string[] {
    const e = this.entriesById.get(callId);
    if (e === undefined || e.state !== 'waiting') return [];
    const info = this.queues.get(e.queue);
    if (info === undefined) return [];
    return this.choose(info, e, this.requirementFor(info, e, now), undefined, rng, this.lastOffered.get(e.queue), now);
  }

  /** The first waiting call, across the agent's queues in global order, that it may take now. */
  pickCallForAgent(agentId: string, now: number): string | undefined {
    const row = this.rowById.get(agentId);
    const live = row === undefined ? undefined : this.recs[row]?.live;
    if (row === undefined || live === undefined || !this.offerable.has(row)) return undefined;
    for (const { entry: e } of this.waitingList) {
      const info = this.queues.get(e.queue);
      if (info === undefined) continue;
      if (info.memberSet !== undefined && !info.memberSet.has(row)) continue;
      if (live.offers.includes(e.callId) || e.agents.includes(agentId)) continue;
      if (this.matrix.qualifies(row, this.matrix.compile(this.requirementFor(info, e, now)))) return e.callId;
    }
    return undefined;
  }

  /**
   * A dispatch round: waiting calls in global order, each given the agents
   * pickAgentForCall would give it, minus agents an earlier call of this
   * round took (up to their maxConcurrentOffers). With `owner`, only that
   * instance's calls are returned, but every call still takes its agents,
   * so instances planning from the same view do not offer the same agent.
   */
  plan(now: number, rng: () => number, owner?: string): Offer[] {
    const taken = new Map<number, number>();
    const roundLast = new Map<string, string>();
    let left = this.offerable.size;
    const offers: Offer[] = [];
    for (const { entry: e } of this.waitingList) {
      if (left <= 0) break;
      const info = this.queues.get(e.queue);
      if (info === undefined) continue;
      const last = roundLast.get(e.queue) ?? this.lastOffered.get(e.queue);
      const agents = this.choose(info, e, this.requirementFor(info, e, now), taken, rng, last, now);
      if (agents.length === 0) continue;
      for (const id of agents) {
        const rec = this.recs[this.rowById.get(id)!]!;
        const t = (taken.get(rec.row) ?? 0) + 1;
        taken.set(rec.row, t);
        if ((rec.live?.offers.length ?? 0) + t >= rec.profile.maxConcurrentOffers) left--;
      }
      roundLast.set(e.queue, agents[agents.length - 1]!);
      if (owner === undefined || e.owner === owner) offers.push({ callId: e.callId, agents });
    }
    return offers;
  }

  // ── internals ────────────────────────────────────────────────────────

  private requirementFor(info: QueueInfo, e: QueueEntry, now: number): Requirement {
    const due = stepsDue(info.config, e, now);
    const cached = this.reqCache.get(e.callId);
    if (cached !== undefined && cached.version === e.version && cached.due === due) return cached.req;
    const req = effectiveRequirement(info.config, e, now);
    this.reqCache.set(e.callId, { version: e.version, due, req });
    return req;
  }

  private choose(
    info: QueueInfo,
    e: QueueEntry,
    requirement: Requirement,
    taken: ReadonlyMap<number, number> | undefined,
    rng: () => number,
    lastOffered: string | undefined,
    now: number,
  ): string[] {
    const req = this.matrix.compile(requirement);
    if (req.impossible) return [];
    const strategy = info.config.strategy;
    const needScore = strategy === 'skill-best' || strategy === 'weighted-random';
    const free: Candidate[] = [];
    const busy: Candidate[] = [];
    this.forEachCandidate(info, req, (row) => {
      const rec = this.recs[row]!;
      const live = rec.live;
      if (live === undefined || !this.offerable.has(row)) return;
      const load = live.offers.length + (taken?.get(row) ?? 0);
      if (load >= rec.profile.maxConcurrentOffers) return;
      if (info.memberSet !== undefined && !info.memberSet.has(row)) return;
      if (!this.matrix.qualifies(row, req)) return;
      if (live.offers.includes(e.callId) || e.agents.includes(rec.profile.id)) return;
      // a phone that just missed (busy, declined, no answer) is left alone a moment, not rung again at once
      if (live.lastMissAt !== undefined && now - live.lastMissAt < this.retryAfterMissMs) return;
      const c: Candidate = { profile: rec.profile, live, score: needScore ? this.matrix.score(row, req) : 0 };
      if (live.state === 'available' && load === 0) free.push(c);
      else busy.push(c);
    });
    const pool = free.length > 0 ? free : busy;
    if (pool.length === 0) return [];
    const ctx: RankContext = { rng, memberOrder: info.memberOrder, lastOffered };
    if (strategy === 'ringall') return rankAgents(strategy, pool, ctx).map((c) => c.profile.id);
    const first = firstAgent(strategy, pool, ctx);
    return first === undefined ? [] : [first.profile.id];
  }

  /**
   * Visits a superset of the offerable agents who may meet `req` in the
   * queue, from the smallest source: the members, one allOf skill's agents,
   * the union of the anyOf skills' agents, or every offerable agent.
   * The visitor still checks everything.
   */
  private forEachCandidate(info: QueueInfo, req: CompiledRequirement, visit: (row: number) => void): void {
    const idx = this.offerable;
    let best = idx.size;
    let run = (): void => idx.forEach(visit);
    const members = info.memberRows;
    if (members !== undefined && members.length < best) {
      best = members.length;
      run = () => members.forEach(visit);
    }
    for (let i = 0; i < req.allIds.length; i++) {
      const id = req.allIds[i]!;
      const min = req.allMins[i]!;
      const n = idx.count(id, min);
      if (n < best) {
        best = n;
        run = () => idx.forEachWith(id, min, visit);
      }
    }
    const anyIds = req.anyIds;
    const anyMins = req.anyMins;
    if (anyIds.length > 0) {
      let n = 0;
      for (let i = 0; i < anyIds.length; i++) n += idx.count(anyIds[i]!, anyMins[i]!);
      if (n < best) {
        best = n;
        run = () => {
          for (let k = 0; k < anyIds.length; k++) {
            idx.forEachWith(anyIds[k]!, anyMins[k]!, (row) => {
              // Visit once: skip agents an earlier anyOf skill already led to.
              for (let j = 0; j < k; j++) if (this.matrix.level(row, anyIds[j]!) >= anyMins[j]!) return;
              visit(row);
            });
          }
        };
      }
    }
    if (best > 0) run();
  }

  /** Visits agents not logged out who are members of the queue (if it has members). */
  private forEachLoggedIn(info: QueueInfo, visit: (rec: AgentRec, live: AgentLive) => void): void {
    const members = info.memberRows;
    const source: Iterable<number> = members !== undefined && members.length < this.loggedIn.size ? members : this.loggedIn;
    for (const row of source) {
      if (!this.loggedIn.has(row)) continue;
      if (info.memberSet !== undefined && !info.memberSet.has(row)) continue;
      const rec = this.recs[row];
      if (rec?.live !== undefined) visit(rec, rec.live);
    }
  }

  private list(e: QueueEntry): void {
    if (e.state === 'connected') return;
    let list = this.queued.get(e.queue);
    if (list === undefined) {
      list = [];
      this.queued.set(e.queue, list);
    }
    insertSorted(list, e, queueOrder);
    const info = this.queues.get(e.queue);
    if (e.state === 'waiting' && info !== undefined) insertSorted(this.waitingList, { entry: e, queuePriority: info.config.priority }, globalOrder);
  }

  private unlist(e: QueueEntry): void {
    this.reqCache.delete(e.callId);
    if (e.state === 'connected') return;
    const list = this.queued.get(e.queue);
    if (list !== undefined) {
      removeSorted(list, e, queueOrder);
      if (list.length === 0) this.queued.delete(e.queue);
    }
    const info = this.queues.get(e.queue);
    if (e.state === 'waiting' && info !== undefined) removeSorted(this.waitingList, { entry: e, queuePriority: info.config.priority }, globalOrder);
  }

  private tombstone(callId: string, version: number): void {
    this.tombstones.delete(callId);
    this.tombstones.set(callId, version);
    if (this.tombstones.size > this.maxTombstones) {
      const oldest = this.tombstones.keys().next();
      if (oldest.done !== true) this.tombstones.delete(oldest.value);
    }
  }
}
