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
 *
 * Most calls carry their queue's own requirement (no IVR override), so the
 * common questions are answered from per-queue indexes instead of a scan.
 * For every queue and escalation level (the queue's requirement after 0, 1…
 * steps) a "route class" knows, from construction, which agents qualify
 * (members only, if the queue has members), and keeps, as agents change,
 * the free ones among them (offerable, available, no offer) in the shape
 * the strategy reads its first agent from: a heap for longest-idle,
 * fewest-calls and skill-best (lazy deletion: an entry is stale once its
 * agent's stamp moved on), the qualifying agents in cyclic order for linear
 * and round-robin (first free one wins), a swap-remove set for random and
 * weighted-random (uniform draw; weighted by rejection against the largest
 * weight, exactly proportional), and for ringall (all of them, sorted).
 * Agents being offered another call (the multi-offer pool, used only when
 * no free agent qualifies) are a small set per class. Calls with an
 * override requirement still scan.
 * pickCallForAgent looks only at the queues the agent qualifies for at some
 * level, each queue's waiting calls in the agents' (global) order.
 */
import type { AgentLive, AgentProfile, QueueConfig, QueueEntry, Requirement } from '../types.js';
import { compareEntries, compareForAgent, type AgentChoice } from './ordering.js';
import { effectiveRequirement, escalated, stepsDue } from './requirement.js';
import { MIN_WEIGHT, firstAgent, rankAgents, type Candidate, type RankContext } from './strategy.js';
import { estimatedWaitMs } from './ewt.js';
import { AgentHeap, RowSet, type HeapEntry } from './heap.js';
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

type HeapKey = 'idle' | 'calls' | 'score';

/**
 * The agents who may take a call of a queue that carries the queue's own
 * requirement after `level` escalation steps, and the free ones among them,
 * indexed for the queue's strategy.
 */
interface RouteClass {
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

/**
 * A dispatch round's memory: agents set aside for the rest of the round
 * (taken by an earlier call, or resting after a miss) are put back at its end.
 */
interface Round {
  taken: Map<number, number>;
  /** Free agents taken in the round still below their maxConcurrentOffers (the multi-offer pool). */
  partlyTaken: Set<number>;
  stashed: [AgentHeap, HeapEntry][];
  suspended: [RowSet, number][];
  /** linear: index in `ordered` before which no agent can be offered anything this round. */
  cursor: Map<RouteClass, number>;
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
  /** Route classes by escalation level (0: the base requirement). */
  classes: RouteClass[];
  /** Waiting entries without an override requirement, in global order. */
  waiting: Waiting[];
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

/** The strategies' final tie-break: profile order, then id. */
const staticOrder = (a: AgentProfile, b: AgentProfile): number => a.order - b.order || byCallId(a.id, b.id);

/** Tries of the rejection sampler before it lists the candidates (it stays exact either way). */
const RANDOM_TRIES = 64;

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
  /** Waiting entries of known queues with an override requirement, in global order. */
  private readonly overridden: Waiting[] = [];

  constructor(profiles: readonly AgentProfile[], queues: readonly QueueConfig[], options: AcdViewOptions = {}) {
    this.maxTombstones = options.tombstones ?? 10_000;
    this.retryAfterMissMs = options.retryAfterMissMs ?? 0;
    this.matrix = new SkillMatrix(profiles);
    const profileOrder = new Map<string, number>();
    profiles.forEach((profile, row) => {
      const skills = Object.entries(profile.skills).map(([s, p]) => [this.matrix.skillId(s), p] as const);
      this.recs.push({ row, profile, skills, live: undefined, rank: 0, classes: [], queues: [], free: false, busy: false, stamp: 0 });
      this.rowById.set(profile.id, row);
      profileOrder.set(profile.id, profile.order);
    });
    const byRank = this.recs.map((r) => r.row).sort((a, b) => staticOrder(this.recs[a]!.profile, this.recs[b]!.profile));
    byRank.forEach((row, rank) => (this.recs[row]!.rank = rank));
    for (const q of queues) {
      const members = q.members;
      const memberRows = members?.map((id) => this.rowById.get(id)).filter((r): r is number => r !== undefined);
      const info: QueueInfo = {
        config: q,
        memberRows,
        memberSet: memberRows === undefined ? undefined : new Set(memberRows),
        memberOrder: members === undefined ? profileOrder : new Map(members.map((id, i) => [id, i])),
        loosest: escalated(q, q.requirement, q.escalation.length),
        classes: [],
        waiting: [],
      };
      for (let level = 0; level <= q.escalation.length; level++) info.classes.push(this.routeClass(info, escalated(q, q.requirement, level)));
      this.queues.set(q.id, info);
    }
    const infos = [...this.queues.values()].sort((a, b) => b.config.priority - a.config.priority);
    for (const info of infos) {
      const seen = new Uint8Array(this.recs.length);
      for (const cls of info.classes) {
        for (let row = 0; row < this.recs.length; row++) {
          if (cls.eligible[row] !== 1) continue;
          const rec = this.recs[row]!;
          rec.classes.push(cls);
          if (seen[row] === 0) rec.queues.push(info);
          seen[row] = 1;
        }
      }
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
    this.reindex(rec, held, offerable);
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
    return this.choose(info, e, undefined, rng, this.lastOffered.get(e.queue), now);
  }

  /** The first waiting call, across the agent's queues in global order, that it may take now. */
  pickCallForAgent(agentId: string, now: number): string | undefined {
    const row = this.rowById.get(agentId);
    const rec = row === undefined ? undefined : this.recs[row];
    const live = rec?.live;
    if (rec === undefined || live === undefined || !this.offerable.has(rec.row)) return undefined;
    const offeredTo = (e: QueueEntry): boolean => (live.offers.length > 0 && live.offers.includes(e.callId)) || (e.agents.length > 0 && e.agents.includes(agentId));
    let best: Waiting | undefined;
    // calls with their queue's own requirement: only queues the agent qualifies for at some escalation level
    for (const info of rec.queues) {
      if (best !== undefined && info.config.priority < best.queuePriority) break;
      for (const w of info.waiting) {
        if (best !== undefined && globalOrder(w, best) >= 0) break;
        if (info.classes[stepsDue(info.config, w.entry, now)]?.eligible[rec.row] !== 1 || offeredTo(w.entry)) continue;
        best = w;
        break;
      }
    }
    // calls with an override requirement (from the IVR): checked one by one
    for (const w of this.overridden) {
      if (best !== undefined && globalOrder(w, best) >= 0) break;
      const e = w.entry;
      const info = this.queues.get(e.queue);
      if (info === undefined || (info.memberSet !== undefined && !info.memberSet.has(rec.row)) || offeredTo(e)) continue;
      if (this.matrix.qualifies(rec.row, this.matrix.compile(this.requirementFor(info, e, now)))) {
        best = w;
        break;
      }
    }
    return best?.entry.callId;
  }

  /**
   * A dispatch round: waiting calls in global order, each given the agents
   * pickAgentForCall would give it, minus agents an earlier call of this
   * round took (up to their maxConcurrentOffers). With `owner`, only that
   * instance's calls are returned, but every call still takes its agents,
   * so instances planning from the same view do not offer the same agent.
   */
  plan(now: number, rng: () => number, owner?: string): Offer[] {
    const round: Round = { taken: new Map(), partlyTaken: new Set(), stashed: [], suspended: [], cursor: new Map() };
    const taken = round.taken;
    const roundLast = new Map<string, string>();
    let left = this.offerable.size;
    const offers: Offer[] = [];
    try {
      for (const { entry: e } of this.waitingList) {
        if (left <= 0) break;
        const info = this.queues.get(e.queue);
        if (info === undefined) continue;
        const last = roundLast.get(e.queue) ?? this.lastOffered.get(e.queue);
        const agents = this.choose(info, e, round, rng, last, now);
        if (agents.length === 0) continue;
        for (const id of agents) {
          const rec = this.recs[this.rowById.get(id)!]!;
          const t = (taken.get(rec.row) ?? 0) + 1;
          taken.set(rec.row, t);
          const full = (rec.live?.offers.length ?? 0) + t >= rec.profile.maxConcurrentOffers;
          if (full) left--;
          if (rec.free && !full) round.partlyTaken.add(rec.row);
          else round.partlyTaken.delete(rec.row);
        }
        roundLast.set(e.queue, agents[agents.length - 1]!);
        if (owner === undefined || e.owner === owner) offers.push({ callId: e.callId, agents });
      }
    } finally {
      // the agents set aside for the round go back (nothing changed them: plan is synchronous)
      for (const [heap, x] of round.stashed) heap.push(x);
      for (const [set, row] of round.suspended) set.add(row);
    }
    return offers;
  }

  // ── internals ────────────────────────────────────────────────────────

  /** Builds the route class of `info` for calls carrying `requirement` (one escalation level of the queue's own). */
  private routeClass(info: QueueInfo, requirement: Requirement): RouteClass {
    const req = this.matrix.compile(requirement);
    const n = this.recs.length;
    const eligible = new Uint8Array(n);
    const strategy = info.config.strategy;
    let maxWeight = 0;
    const visit = (row: number): void => {
      if (eligible[row] === 1 || !this.matrix.qualifies(row, req)) return;
      eligible[row] = 1;
      if (strategy === 'weighted-random') maxWeight = Math.max(maxWeight, this.weight(row, req));
    };
    if (info.memberRows !== undefined) info.memberRows.forEach(visit);
    else for (let row = 0; row < n; row++) visit(row);
    let ordered: Int32Array | undefined;
    let orderKeys: Float64Array | undefined;
    if (strategy === 'linear' || strategy === 'round-robin') {
      const key = (row: number): number => {
        const p = this.recs[row]!.profile;
        return info.memberOrder.get(p.id) ?? info.memberOrder.size + p.order;
      };
      const rows: number[] = [];
      for (let row = 0; row < n; row++) if (eligible[row] === 1) rows.push(row);
      rows.sort((a, b) => key(a) - key(b) || this.recs[a]!.rank - this.recs[b]!.rank);
      ordered = Int32Array.from(rows);
      orderKeys = Float64Array.from(rows, key);
    }
    const heapKey: HeapKey | undefined =
      strategy === 'longest-idle' ? 'idle' : strategy === 'fewest-calls' ? 'calls' : strategy === 'skill-best' ? 'score' : undefined;
    return {
      req,
      eligible,
      freeCount: 0,
      busy: new Set(),
      heap: heapKey === undefined ? undefined : new AgentHeap(),
      heapKey,
      ordered,
      orderKeys,
      freeSet: strategy === 'random' || strategy === 'weighted-random' || strategy === 'ringall' ? new RowSet() : undefined,
      maxWeight,
    };
  }

  /** weighted-random's weight of an agent: its skill score, MIN_WEIGHT when ≤ 0. */
  private weight(row: number, req: CompiledRequirement): number {
    const score = this.matrix.score(row, req);
    return score > 0 ? score : MIN_WEIGHT;
  }

  private heapEntry(cls: RouteClass, rec: AgentRec, live: AgentLive): HeapEntry {
    const e = { row: rec.row, stamp: rec.stamp, k1: live.idleSince, k2: 0, k3: rec.rank };
    if (cls.heapKey === 'calls') {
      e.k1 = live.callsTaken;
      e.k2 = live.idleSince;
    } else if (cls.heapKey === 'score') {
      e.k1 = -this.matrix.score(rec.row, cls.req);
      e.k2 = live.idleSince;
    }
    return e;
  }

  private fresh(x: HeapEntry): boolean {
    const rec = this.recs[x.row]!;
    return rec.free && rec.stamp === x.stamp;
  }

  /** Moves the agent between its classes' free and busy indexes after a new copy. */
  private reindex(rec: AgentRec, prev: AgentLive | undefined, offerable: boolean): void {
    const live = rec.live!;
    const free = offerable && live.state === 'available' && live.offers.length === 0;
    const busy = offerable && !free;
    const wasFree = rec.free;
    const wasBusy = rec.busy;
    // a free agent whose heap keys moved goes back in with new keys; its old entries go stale
    const rekey = free && (!wasFree || prev === undefined || prev.idleSince !== live.idleSince || prev.callsTaken !== live.callsTaken);
    if (rekey || (wasFree && !free)) rec.stamp++;
    rec.free = free;
    rec.busy = busy;
    if (wasFree === free && wasBusy === busy && !rekey) return;
    for (const cls of rec.classes) {
      if (wasFree !== free) {
        cls.freeCount += free ? 1 : -1;
        if (free) cls.freeSet?.add(rec.row);
        else cls.freeSet?.delete(rec.row);
      }
      if (wasBusy !== busy) {
        if (busy) cls.busy.add(rec.row);
        else cls.busy.delete(rec.row);
      }
      const heap = cls.heap;
      if (rekey && heap !== undefined) {
        heap.push(this.heapEntry(cls, rec, live));
        if (heap.size > 2 * cls.freeCount + 64) heap.compact((x) => this.fresh(x));
      }
    }
  }

  /** Resting after a missed offer: not offered again for retryAfterMissMs. */
  private resting(live: AgentLive, now: number): boolean {
    return live.lastMissAt !== undefined && now - live.lastMissAt < this.retryAfterMissMs;
  }

  private requirementFor(info: QueueInfo, e: QueueEntry, now: number): Requirement {
    const due = stepsDue(info.config, e, now);
    const cached = this.reqCache.get(e.callId);
    if (cached !== undefined && cached.version === e.version && cached.due === due) return cached.req;
    const req = effectiveRequirement(info.config, e, now);
    this.reqCache.set(e.callId, { version: e.version, due, req });
    return req;
  }

  /** The agents to offer `e` now (see pickAgentForCall); `round`: within a dispatch round. */
  private choose(info: QueueInfo, e: QueueEntry, round: Round | undefined, rng: () => number, lastOffered: string | undefined, now: number): string[] {
    if (e.requirement === undefined) {
      const cls = info.classes[stepsDue(info.config, e, now)];
      if (cls !== undefined) return this.chooseIndexed(info, cls, e, round, rng, lastOffered, now);
    }
    return this.chooseByScan(info, e, this.requirementFor(info, e, now), round?.taken, rng, lastOffered, now);
  }

  /** choose() for a call carrying its queue's requirement at one escalation level: from the class's indexes. */
  private chooseIndexed(
    info: QueueInfo,
    cls: RouteClass,
    e: QueueEntry,
    round: Round | undefined,
    rng: () => number,
    lastOffered: string | undefined,
    now: number,
  ): string[] {
    const strategy = info.config.strategy;
    const ctx: RankContext = { rng, memberOrder: info.memberOrder, lastOffered };
    if (strategy === 'ringall' && cls.freeSet !== undefined) {
      const free: Candidate[] = [];
      for (const row of cls.freeSet.rows) {
        const rec = this.recs[row]!;
        if (!this.outForRound(rec, round, now) && !this.offeredThis(rec, e)) free.push({ profile: rec.profile, live: rec.live!, score: 0 });
      }
      if (free.length > 0) return rankAgents(strategy, free, ctx).map((c) => c.profile.id);
    } else if (cls.freeCount > 0) {
      let row: number | undefined;
      if (cls.heap !== undefined) row = this.firstFromHeap(cls.heap, e, round, now);
      else if (cls.freeSet !== undefined) row = this.drawFree(cls, cls.freeSet, strategy === 'weighted-random', e, round, rng, now);
      else if (strategy === 'linear') row = this.firstLinear(cls, e, round, now);
      else if (strategy === 'round-robin') row = this.firstRoundRobin(info, cls, e, round, lastOffered, now);
      if (row !== undefined) return [this.recs[row]!.profile.id];
    }
    // no free agent: agents already being offered another call, below their maxConcurrentOffers
    const needScore = strategy === 'skill-best' || strategy === 'weighted-random';
    const pool: Candidate[] = [];
    const consider = (row: number, load: number): void => {
      const rec = this.recs[row]!;
      const live = rec.live!;
      if (load >= rec.profile.maxConcurrentOffers) return;
      if (live.offers.includes(e.callId) || e.agents.includes(rec.profile.id) || this.resting(live, now)) return;
      pool.push({ profile: rec.profile, live, score: needScore ? this.matrix.score(row, cls.req) : 0 });
    };
    const taken = round?.taken;
    for (const row of cls.busy) consider(row, this.recs[row]!.live!.offers.length + (taken?.get(row) ?? 0));
    // free agents an earlier call of the round took count as busy now
    if (round !== undefined) for (const row of round.partlyTaken) if (cls.eligible[row] === 1) consider(row, round.taken.get(row) ?? 0);
    if (pool.length === 0) return [];
    if (strategy === 'ringall') return rankAgents(strategy, pool, ctx).map((c) => c.profile.id);
    const first = firstAgent(strategy, pool, ctx);
    return first === undefined ? [] : [first.profile.id];
  }

  /** A free agent that may not be offered anything for the rest of the round (or now): taken by an earlier call, or resting. */
  private outForRound(rec: AgentRec, round: Round | undefined, now: number): boolean {
    return (round !== undefined && round.taken.has(rec.row)) || this.resting(rec.live!, now);
  }

  /** A free agent not to be offered this call: it was offered it already. */
  private offeredThis(rec: AgentRec, e: QueueEntry): boolean {
    return e.agents.length > 0 && e.agents.includes(rec.profile.id);
  }

  /** The heap's first free agent who may take `e`; agents passed over go back (at the round's end if out for it). */
  private firstFromHeap(heap: AgentHeap, e: QueueEntry, round: Round | undefined, now: number): number | undefined {
    const aside: HeapEntry[] = [];
    let found: number | undefined;
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      const rec = this.recs[top.row]!;
      if (!rec.free || rec.stamp !== top.stamp) {
        heap.pop(); // stale
        continue;
      }
      const out = this.outForRound(rec, round, now);
      if (out || this.offeredThis(rec, e)) {
        heap.pop();
        if (out && round !== undefined) round.stashed.push([heap, top]);
        else aside.push(top);
        continue;
      }
      found = top.row;
      break;
    }
    for (const x of aside) heap.push(x);
    return found;
  }

  /**
   * A uniform (or score-weighted) draw among the free agents who may take
   * `e`: draws from the whole free set, rejecting those who may not (and,
   * weighted, accepting with probability weight / maxWeight), so each
   * accepted draw is exactly uniform (proportional) over those who may.
   * After RANDOM_TRIES rejections the candidates are listed and drawn from
   * directly, equally exact.
   */
  private drawFree(cls: RouteClass, set: RowSet, weighted: boolean, e: QueueEntry, round: Round | undefined, rng: () => number, now: number): number | undefined {
    for (let i = 0; i < RANDOM_TRIES && set.size > 0; i++) {
      const row = set.rows[Math.floor(rng() * set.size)]!;
      const rec = this.recs[row]!;
      if (weighted && rng() * cls.maxWeight >= this.weight(row, cls.req)) continue;
      if (this.outForRound(rec, round, now)) {
        if (round !== undefined) {
          set.delete(row);
          round.suspended.push([set, row]);
        }
        continue;
      }
      if (this.offeredThis(rec, e)) continue;
      return row;
    }
    const rows: number[] = [];
    const weights: number[] = [];
    let total = 0;
    for (const row of set.rows) {
      const rec = this.recs[row]!;
      if (this.outForRound(rec, round, now) || this.offeredThis(rec, e)) continue;
      rows.push(row);
      if (weighted) {
        const w = this.weight(row, cls.req);
        weights.push(w);
        total += w;
      }
    }
    if (rows.length === 0) return undefined;
    if (!weighted) return rows[Math.floor(rng() * rows.length)];
    let x = rng() * total;
    for (let i = 0; i < rows.length; i++) {
      x -= weights[i]!;
      if (x < 0) return rows[i];
    }
    return rows[rows.length - 1];
  }

  /** linear: the first free agent in member (else config) order who may take `e`. */
  private firstLinear(cls: RouteClass, e: QueueEntry, round: Round | undefined, now: number): number | undefined {
    const ordered = cls.ordered!;
    let cursor = round?.cursor.get(cls) ?? 0;
    let found: number | undefined;
    for (let i = cursor; i < ordered.length; i++) {
      const rec = this.recs[ordered[i]!]!;
      if (!rec.free || this.outForRound(rec, round, now)) {
        if (i === cursor) cursor++; // out for the whole round: later calls start after it
        continue;
      }
      if (this.offeredThis(rec, e)) continue;
      found = rec.row;
      break;
    }
    round?.cursor.set(cls, cursor);
    return found;
  }

  /** round-robin: the first free agent who may take `e`, cyclically after the place of `lastOffered`. */
  private firstRoundRobin(info: QueueInfo, cls: RouteClass, e: QueueEntry, round: Round | undefined, lastOffered: string | undefined, now: number): number | undefined {
    const ordered = cls.ordered!;
    const keys = cls.orderKeys!;
    const n = ordered.length;
    const after = lastOffered === undefined ? undefined : info.memberOrder.get(lastOffered);
    let start = 0;
    if (after !== undefined) {
      // the first place whose key is above `after`
      let hi = n;
      while (start < hi) {
        const mid = (start + hi) >>> 1;
        if (keys[mid]! <= after) start = mid + 1;
        else hi = mid;
      }
    }
    for (let k = 0; k < n; k++) {
      const i = start + k < n ? start + k : start + k - n;
      const rec = this.recs[ordered[i]!]!;
      if (!rec.free || this.outForRound(rec, round, now) || this.offeredThis(rec, e)) continue;
      return rec.row;
    }
    return undefined;
  }

  /** choose() by visiting every offerable agent who may qualify (calls with an override requirement). */
  private chooseByScan(
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
      if (this.resting(live, now)) return;
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
    if (e.state === 'waiting' && info !== undefined) {
      const w: Waiting = { entry: e, queuePriority: info.config.priority };
      insertSorted(this.waitingList, w, globalOrder);
      insertSorted(e.requirement === undefined ? info.waiting : this.overridden, w, globalOrder);
    }
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
    if (e.state === 'waiting' && info !== undefined) {
      const w: Waiting = { entry: e, queuePriority: info.config.priority };
      removeSorted(this.waitingList, w, globalOrder);
      removeSorted(e.requirement === undefined ? info.waiting : this.overridden, w, globalOrder);
    }
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
