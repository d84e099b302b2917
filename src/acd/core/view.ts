/**
 * An in-memory mirror of the ACD's live state (agents and queued callers, as
 * the store publishes them) that answers routing questions without I/O.
 * It only advises: the store's atomic reservation decides, so a stale view
 * costs a failed reservation, never a double booking.
 *
 * Copies carry a `version`; an older or equal copy is ignored, so replaying
 * an event stream, or receiving events out of order, is harmless. Removed
 * entries leave tombstones against late copies (entry-book.ts).
 *
 * "Offerable" agents (available, or reserved/ringing below their
 * maxConcurrentOffers, and not about to log out) are indexed by skill and
 * level; a routing question visits the smallest relevant set (a required
 * skill, the queue's members, or all offerable agents), not every agent,
 * and reads proficiencies from a numbered table (SkillMatrix), not by name.
 * At 10,000 agents with up to 200 skills each this keeps a pick well under
 * a millisecond (test/unit/acd-core-scale.test.ts).
 *
 * Calls carrying their queue's own requirement are answered from per-queue,
 * per-escalation-level route classes (route-index.ts); calls with an
 * override requirement still scan (scan.ts).
 * pickCallForAgent looks only at the queues the agent qualifies for at some
 * level, each queue's waiting calls in the agents' (global) order.
 */
import type { AgentLive, AgentProfile, QueueConfig, QueueEntry, Requirement } from '../types.js';
import { stepsDue } from './requirement.js';
import { estimatedWaitMs } from './ewt.js';
import { SkillIndex } from './skill-index.js';
import { SkillMatrix } from './skill-matrix.js';
import { agentRecords, globalOrder, queueInfo, type AgentRec, type QueueInfo, type Waiting } from './records.js';
import { RouteIndex, endRound, newRound, type Round } from './route-index.js';
import { AgentScan } from './scan.js';
import { EntryBook } from './entry-book.js';

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

const OFFERABLE_STATES: ReadonlySet<AgentLive['state']> = new Set(['available', 'reserved', 'ringing']);

export class AcdView {
  /** The configured agents, by row. */
  private readonly recs: readonly AgentRec[];
  private readonly rowById = new Map<string, number>();
  private readonly matrix: SkillMatrix;
  private readonly queues = new Map<string, QueueInfo>();
  /** Live copies of agents not in the config (kept for reads, never routed). */
  private readonly strangers = new Map<string, AgentLive>();
  /** Offerable agents, by skill. */
  private readonly offerable = new SkillIndex();
  /** Agents not logged out (paused included). */
  private readonly loggedIn = new Set<number>();
  /** Queued callers: entries, queue and global orders, tombstones. */
  private readonly book: EntryBook;
  /** Per-queue route classes (read and update `recs`): calls carrying their queue's requirement. */
  private readonly routes: RouteIndex;
  /** The reference scan: calls with an override requirement. */
  private readonly scan: AgentScan;
  private readonly lastOffered = new Map<string, string>();
  private readonly handleTimesByQueue = new Map<string, readonly number[]>();

  constructor(profiles: readonly AgentProfile[], queues: readonly QueueConfig[], options: AcdViewOptions = {}) {
    const retryAfterMissMs = options.retryAfterMissMs ?? 0;
    this.matrix = new SkillMatrix(profiles);
    this.recs = agentRecords(profiles, this.matrix);
    for (const rec of this.recs) this.rowById.set(rec.profile.id, rec.row);
    const profileOrder = new Map(profiles.map((p) => [p.id, p.order]));
    for (const q of queues) this.queues.set(q.id, queueInfo(q, this.rowById, profileOrder));
    this.book = new EntryBook(this.queues, options.tombstones ?? 10_000);
    this.routes = new RouteIndex(this.recs, this.matrix, retryAfterMissMs);
    this.scan = new AgentScan(this.recs, this.matrix, this.offerable, retryAfterMissMs);
    this.routes.addQueues([...this.queues.values()]);
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
    this.routes.reindex(rec, held, offerable);
    return true;
  }

  /** Takes an entry's newer copy; false when not newer than the one held or its tombstone. */
  applyEntry(entry: QueueEntry): boolean {
    return this.book.apply(entry);
  }

  /**
   * Forgets a caller (answered-and-done, abandoned, overflowed…). With a
   * version, a held copy newer than it stays (the removal is stale). Either
   * way a tombstone keeps late copies out. True when an entry was removed.
   */
  removeEntry(callId: string, version?: number): boolean {
    return this.book.remove(callId, version);
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
    return this.book.byId.get(callId);
  }

  /** Every entry held, connected ones included (a snapshot: safe to remove entries while walking it). */
  allEntries(): QueueEntry[] {
    return [...this.book.byId.values()];
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
    return [...(this.book.inQueue(queue) ?? [])];
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
    return this.book.position(callId);
  }

  /** Callers in the queue not yet connected (waiting or being offered): they all still hear music. */
  waiting(queue: string): number {
    return this.book.inQueue(queue)?.length ?? 0;
  }

  /** The longest current wait in the queue (ms), 0 when nobody waits. */
  longestWaitMs(queue: string, now: number): number {
    let oldest = Infinity;
    for (const e of this.book.inQueue(queue) ?? []) if (e.enqueuedAt < oldest) oldest = e.enqueuedAt;
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }

  /** A call's requirement at `now` (cached per version and escalation step). */
  requirementOf(callId: string, now: number): Requirement | undefined {
    const e = this.book.byId.get(callId);
    const info = e === undefined ? undefined : this.queues.get(e.queue);
    return e === undefined || info === undefined ? undefined : this.book.requirementFor(info, e, now);
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
    const e = this.book.byId.get(callId);
    const position = this.position(callId);
    const info = e === undefined ? undefined : this.queues.get(e.queue);
    if (e === undefined || position === undefined || info === undefined) return undefined;
    return estimatedWaitMs({
      position,
      handleTimesMs: this.handleTimes(e.queue),
      staffed: this.staffed(e.queue, this.book.requirementFor(info, e, now)),
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
    const e = this.book.byId.get(callId);
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
    for (const w of this.book.overridden) {
      if (best !== undefined && globalOrder(w, best) >= 0) break;
      const e = w.entry;
      const info = this.queues.get(e.queue);
      if (info === undefined || (info.memberSet !== undefined && !info.memberSet.has(rec.row)) || offeredTo(e)) continue;
      if (this.matrix.qualifies(rec.row, this.matrix.compile(this.book.requirementFor(info, e, now)))) {
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
    const round = newRound();
    const taken = round.taken;
    const roundLast = new Map<string, string>();
    let left = this.offerable.size;
    const offers: Offer[] = [];
    try {
      for (const { entry: e } of this.book.waiting) {
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
      endRound(round); // the agents set aside for the round go back
    }
    return offers;
  }

  // ── internals ────────────────────────────────────────────────────────

  /** The agents to offer `e` now (see pickAgentForCall); `round`: within a dispatch round. */
  private choose(info: QueueInfo, e: QueueEntry, round: Round | undefined, rng: () => number, lastOffered: string | undefined, now: number): string[] {
    if (e.requirement === undefined) {
      const cls = info.classes[stepsDue(info.config, e, now)];
      if (cls !== undefined) return this.routes.choose(info, cls, e, round, rng, lastOffered, now);
    }
    return this.scan.choose(info, e, this.book.requirementFor(info, e, now), round?.taken, rng, lastOffered, now);
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
}
