/**
 * The reference scan behind AcdView's routing: visits every offerable agent
 * who may qualify, from the smallest source (the members, one required
 * skill's agents, the anyOf skills' agents, or all offerable agents), and
 * ranks them with the strategy. Calls with an override requirement (from
 * the IVR) are routed this way; calls carrying their queue's own
 * requirement use the faster route indexes (route-index.ts), which the
 * equivalence tests check against this scan.
 */
import type { QueueEntry, Requirement } from '../types.js';
import { firstAgent, rankAgents, type Candidate, type RankContext } from './strategy.js';
import type { SkillIndex } from './skill-index.js';
import type { CompiledRequirement, SkillMatrix } from './skill-matrix.js';
import { resting, type AgentRec, type QueueInfo } from './records.js';

export class AgentScan {
  /** `recs`: AcdView's agent records, by row; `offerable`: its index of offerable agents. */
  constructor(
    private readonly recs: readonly AgentRec[],
    private readonly matrix: SkillMatrix,
    private readonly offerable: SkillIndex,
    private readonly retryAfterMissMs: number,
  ) {}

  /**
   * The agents to offer `e` now under `requirement` (see AcdView.pickAgentForCall),
   * by visiting every offerable agent who may qualify; `taken`: offers an
   * earlier call of the dispatch round gave each agent.
   */
  choose(
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
      if (resting(live, now, this.retryAfterMissMs)) return;
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
}
