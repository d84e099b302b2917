/**
 * The per-queue route indexes behind AcdView's common routing questions.
 * Most calls carry their queue's own requirement (no IVR override), so they
 * are answered from these indexes instead of a scan (scan.ts).
 *
 * For every queue and escalation level (the queue's requirement after 0, 1…
 * steps) a route class knows, from construction, which agents qualify
 * (members only, if the queue has members), and keeps, as agents change,
 * the free ones among them (offerable, available, no offer) in the shape
 * the strategy reads its first agent from: a heap for longest-idle,
 * fewest-calls and skill-best (lazy deletion: an entry is stale once its
 * agent's stamp moved on), the qualifying agents in cyclic order for linear
 * and round-robin (first free one wins), a swap-remove set for random and
 * weighted-random (uniform draw; weighted by rejection against the largest
 * weight, exactly proportional), and for ringall (all of them, sorted).
 * Agents being offered another call (the multi-offer pool, used only when
 * no free agent qualifies) are a small set per class.
 *
 * The agent records (and their free/busy/stamp fields) belong to AcdView;
 * RouteIndex reads and updates them in place.
 */
import type { AgentLive, QueueEntry, Requirement } from '../types.js';
import { escalated } from './requirement.js';
import { MIN_WEIGHT, firstAgent, rankAgents, type Candidate, type RankContext } from './strategy.js';
import { AgentHeap, RowSet, type HeapEntry } from './heap.js';
import type { CompiledRequirement, SkillMatrix } from './skill-matrix.js';
import { resting, type AgentRec, type HeapKey, type QueueInfo, type RouteClass } from './records.js';

/**
 * A dispatch round's memory: agents set aside for the rest of the round
 * (taken by an earlier call, or resting after a miss) are put back at its end.
 */
export interface Round {
  taken: Map<number, number>;
  /** Free agents taken in the round still below their maxConcurrentOffers (the multi-offer pool). */
  partlyTaken: Set<number>;
  stashed: [AgentHeap, HeapEntry][];
  suspended: [RowSet, number][];
  /** linear: index in `ordered` before which no agent can be offered anything this round. */
  cursor: Map<RouteClass, number>;
}

export function newRound(): Round {
  return { taken: new Map(), partlyTaken: new Set(), stashed: [], suspended: [], cursor: new Map() };
}

/** Puts back the agents set aside for the round (nothing changed them: a round is synchronous). */
export function endRound(round: Round): void {
  for (const [heap, x] of round.stashed) heap.push(x);
  for (const [set, row] of round.suspended) set.add(row);
}

/** Tries of the rejection sampler before it lists the candidates (it stays exact either way). */
const RANDOM_TRIES = 64;

export class RouteIndex {
  /** `recs`: AcdView's agent records, by row (the same array, filled by its owner). */
  constructor(
    private readonly recs: readonly AgentRec[],
    private readonly matrix: SkillMatrix,
    private readonly retryAfterMissMs: number,
  ) {}

  /**
   * Builds the queues' route classes (one per escalation level) and lists
   * them, and their queues (highest priority first), on the agents who qualify.
   */
  addQueues(infos: readonly QueueInfo[]): void {
    for (const info of infos) {
      const q = info.config;
      for (let level = 0; level <= q.escalation.length; level++) info.classes.push(this.routeClass(info, escalated(q, q.requirement, level)));
    }
    const byPriority = [...infos].sort((a, b) => b.config.priority - a.config.priority);
    for (const info of byPriority) {
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

  /** Moves the agent between its classes' free and busy indexes after a new copy (`rec.live`; `prev` the one before). */
  reindex(rec: AgentRec, prev: AgentLive | undefined, offerable: boolean): void {
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

  /**
   * The agents to offer `e`, a waiting call of `info` whose requirement is at
   * the level of `cls`, from the class's indexes (see AcdView.pickAgentForCall);
   * `round`: within a dispatch round.
   */
  choose(
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
      if (live.offers.includes(e.callId) || e.agents.includes(rec.profile.id) || resting(live, now, this.retryAfterMissMs)) return;
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
    return (round !== undefined && round.taken.has(rec.row)) || resting(rec.live!, now, this.retryAfterMissMs);
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
}
