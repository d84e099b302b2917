/**
 * The ACD as a running service: the pure core (../core) decides who gets
 * which call from a view of the live state; the Redis store (../store)
 * applies each decision atomically; the `changes` stream keeps every
 * instance's view current. This instance rings only agents for calls it
 * owns (their media lives here) and tells its calls layer through events.
 *
 *   caller ──enqueue──▶ store ──changes──▶ view ──plan──▶ reserve ──▶ 'offer'
 *                                                   ▲                    │ ring
 *   agent answers / misses / caller leaves ─────────┴──── answered / offerFailed / leave
 */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AcdConfig, QueueConfig } from '../../config/acd-schema.js';
import { AcdError } from '../errors.js';
import { AcdView } from '../core/view.js';
import { effectiveRequirement, escalated, qualifies } from '../core/requirement.js';
import { estimatedWaitMs } from '../core/ewt.js';
import { entryRefused, overflowDue } from '../core/overflow.js';
import type { AgentLive, AgentProfile, AgentState, AgentStateChange, OverflowTarget, QueueEntry, Requirement } from '../types.js';
import { AcdStore, type Change, type CompleteEvent, type LeaveEvent } from '../store/acd-store.js';
import { AcdKeys } from '../store/keys.js';
import type { RedisKeys } from '../../store/redis.js';
import { ChangeFollower } from './follower.js';

export type OverflowReason = 'max-wait' | 'emergency' | 'no-agents' | 'max-length';
export interface OverflowDecision {
  reason: OverflowReason;
  target: OverflowTarget;
}

export type AcdEvents = {
  /** A call this instance owns has agents reserved: ring them now. */
  offer: [offer: { callId: string; queue: string; agents: string[] }];
  /** Stop ringing this agent for this call (caller left, agent logged out, answered elsewhere, reservation expired). */
  withdraw: [callId: string, agentId: string];
  /** A waiting caller of this instance must leave its queue for `target`. */
  overflow: [callId: string, decision: OverflowDecision];
  /** A caller whose instance (and media) died was removed from its queue. */
  lost: [entry: QueueEntry];
  /** A caller this instance still holds was removed from its queue by another instance (it took this one for dead). */
  evicted: [callId: string];
  /** Any agent's state changed, on any instance. */
  agent: [change: AgentStateChange];
};

export type EnqueueOutcome =
  | { status: 'queued'; position: number; entry: QueueEntry }
  | { status: 'refused'; reason: OverflowReason; target: OverflowTarget };

/** A move: also 'busy' when the caller is being offered to an agent right now (nothing changed). */
export type MoveOutcome = EnqueueOutcome | { status: 'busy' };

export interface EnqueueRequest {
  callId: string;
  queue: string;
  priority?: number;
  caller?: string;
  variables?: Readonly<Record<string, string>>;
  requirement?: Requirement;
}

export interface AcdServiceOptions {
  redis: Redis;
  keys: RedisKeys;
  instanceId: string;
  agents: readonly AgentProfile[];
  queues: readonly QueueConfig[];
  settings: AcdConfig;
  logger?: Logger;
  now?: () => number;
  rng?: () => number;
  /** Housekeeping period: heartbeat, sweep, overflow and escalation checks. */
  tickMs?: number;
  /** Handle time assumed while a queue has none recorded. */
  defaultHandleMs?: number;
}

export interface QueueStats {
  queue: string;
  waiting: number;
  longestWaitMs: number;
  agents: Record<AgentState, number>;
  emergency: boolean;
}

export class AcdService extends EventEmitter<AcdEvents> {
  readonly store: AcdStore;
  readonly view: AcdView;
  readonly instanceId: string;
  private readonly profiles: Map<string, AgentProfile>;
  private readonly queues: Map<string, QueueConfig>;
  private readonly now: () => number;
  private readonly rng: () => number;
  private readonly log: Logger | undefined;
  private readonly emergency = new Map<string, boolean>();
  private readonly handleTimes = new Map<string, number[]>();
  /** Calls this instance holds (media here); an own entry not in it is a ghost of a previous life. */
  private readonly live = new Set<string>();
  /** Agents this instance is ringing, per call. */
  private readonly ringing = new Map<string, Set<string>>();
  /** Reservations sent and not yet seen back on the stream. */
  private readonly pendingReserve = new Set<string>();
  private readonly overflowing = new Set<string>();
  /** Agents this instance marked busy elsewhere (a transferred leg it holds). */
  private readonly busy = new Set<string>();
  /** Calls this instance is taking out of the ACD itself (leave/complete in flight): their removal is expected. */
  private readonly leaving = new Set<string>();
  /** Per agent, the last record version an `agent` event was emitted for. */
  private readonly emitted = new Map<string, number>();
  private follower: ChangeFollower | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private dispatching = false;
  private again = false;
  private ticking = false;
  private resyncing = false;
  private ticks = 0;
  private stopped = true;
  private closing = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: AcdServiceOptions) {
    super();
    this.instanceId = opts.instanceId;
    this.profiles = new Map(opts.agents.map((a) => [a.id, a]));
    this.queues = new Map(opts.queues.map((q) => [q.id, q]));
    this.now = opts.now ?? Date.now;
    this.rng = opts.rng ?? Math.random;
    this.log = opts.logger?.child({ component: 'acd' });
    this.store = new AcdStore(opts.redis, {
      keys: new AcdKeys(opts.keys),
      reservationTtlMs: opts.settings.reservationTtlSeconds * 1000,
      missesBeforePause: opts.settings.missesBeforePause,
      handleTimeWindow: opts.settings.handleTimeWindow,
    });
    this.view = new AcdView(opts.agents, opts.queues, { retryAfterMissMs: opts.settings.retryAfterMissSeconds * 1000 });
  }

  /** Loads the live state and follows changes; the first tick cleans up callers a previous life of this instance left. */
  async start(opts: { adopt?: readonly string[] } = {}): Promise<void> {
    // calls whose media outlived a restart (an external media server) keep their place
    for (const callId of opts.adopt ?? []) this.live.add(callId);
    const snap = await this.store.snapshot([...this.queues.keys()]);
    for (const agent of snap.agents) this.view.applyAgent(agent);
    for (const entry of snap.entries) this.view.applyEntry(entry);
    for (const [queue, meta] of snap.queues) {
      this.emergency.set(queue, meta.emergency);
      if (meta.lastOffered !== undefined) this.view.setLastOffered(queue, meta.lastOffered);
    }
    await this.refreshHandleTimes();
    await this.store.heartbeat(this.instanceId, this.now());
    this.stopped = false;
    this.follower = new ChangeFollower({
      redis: this.opts.redis.duplicate(),
      key: this.store.keys.changes(),
      from: snap.changesFrom,
      seq: snap.changesSeq,
      onChanges: (changes) => this.onChanges(changes),
      onGap: () => void this.resync(),
      ...(this.log === undefined ? {} : { logger: this.log }),
    });
    this.follower.start();
    // callers a previous life left are reaped on the first tick, once the rest of the server (SIP) is up
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs ?? 1000);
    this.schedule();
  }

  /** After a failed start (Redis down): keep trying in the background. */
  retryStart(delayMs = 2000): void {
    if (this.closing) return;
    this.retryTimer = setTimeout(() => {
      this.start().then(
        () => this.log?.info('ACD state loaded: queueing resumed'),
        () => this.retryStart(Math.min(delayMs * 2, 30_000)),
      );
    }, delayMs);
  }

  get running(): boolean {
    return !this.stopped;
  }

  async stop(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    this.stopped = true;
    clearInterval(this.timer);
    await this.follower?.stop();
    await this.store.forgetInstance(this.instanceId).catch(() => undefined);
  }

  // ── agents ─────────────────────────────────────────────────────────────

  private profile(agentId: string): AgentProfile {
    const p = this.profiles.get(agentId);
    if (p === undefined) throw new AcdError('ACD_AGENT_NOT_FOUND', `no agent ${agentId}`);
    return p;
  }

  private queue(queueId: string): QueueConfig {
    const q = this.queues.get(queueId);
    if (q === undefined) throw new AcdError('ACD_QUEUE_NOT_FOUND', `no queue ${queueId}`);
    return q;
  }

  private async agentState(
    agentId: string,
    to: 'available' | 'paused' | 'logged-out' | 'on-call-outbound' | 'wrap-up',
    cause: string,
    opts: { reason?: string; onlyFrom?: readonly AgentState[]; wrapUpMs?: number; force?: boolean } = {},
  ): Promise<AgentLive> {
    this.profile(agentId);
    const r = await this.store.agentState(agentId, to, cause, this.now(), opts);
    this.view.applyAgent(r.agent);
    if (r.status === 'WRONG_STATE') throw new AcdError('ACD_WRONG_STATE', `agent ${agentId} is ${r.agent.state}`);
    if (r.status !== 'same') this.schedule();
    return r.agent;
  }

  /** Log in, ready for calls (or paused with a reason). */
  login(agentId: string, opts: { pausedReason?: string } = {}): Promise<AgentLive> {
    if (opts.pausedReason !== undefined) return this.agentState(agentId, 'paused', 'login', { reason: opts.pausedReason, onlyFrom: ['logged-out'] });
    return this.agentState(agentId, 'available', 'login', { onlyFrom: ['logged-out', 'available'] });
  }

  /**
   * Log out; offers go back to their queues; during a call, applied when it
   * ends, unless `force` (a supervisor clearing an agent stuck on a call that
   * is gone, e.g. after its instance died): then at once.
   */
  logout(agentId: string, cause = 'logout', opts: { force?: boolean } = {}): Promise<AgentLive> {
    return this.agentState(agentId, 'logged-out', cause, opts.force === true ? { force: true } : {});
  }

  /**
   * Busy elsewhere (a transferred call, a direct call): only an available
   * agent is marked, so a pause is kept. The reason names this instance
   * (`transfer@<id>`), so if it dies holding that leg, housekeeping elsewhere
   * (or this instance's next life) ends the state instead of leaving the
   * agent busy for ever. End it with endBusyElsewhere.
   */
  async busyElsewhere(agentId: string, what: string): Promise<AgentLive> {
    const agent = await this.agentState(agentId, 'on-call-outbound', 'busy-elsewhere', { reason: `${what}@${this.instanceId}`, onlyFrom: ['available'] });
    this.busy.add(agentId);
    return agent;
  }

  /** `wrapUp: false`: straight back to available (nothing was said to anyone: a previewed contact skipped). */
  endBusyElsewhere(agentId: string, opts: { wrapUp?: boolean } = {}): Promise<AgentLive> {
    this.busy.delete(agentId);
    if (opts.wrapUp === false) return this.agentState(agentId, 'wrap-up', 'outbound-end', { wrapUpMs: 0 });
    return this.endOutbound(agentId);
  }

  /** Ready: from paused or wrap-up (ends wrap-up early). */
  ready(agentId: string): Promise<AgentLive> {
    return this.agentState(agentId, 'available', 'ready', { onlyFrom: ['paused', 'wrap-up', 'available'] });
  }

  pause(agentId: string, reason: string): Promise<AgentLive> {
    return this.agentState(agentId, 'paused', 'pause', { reason, onlyFrom: ['available', 'wrap-up', 'paused'] });
  }

  wrapUpDone(agentId: string): Promise<AgentLive> {
    return this.agentState(agentId, 'available', 'wrap-up-done', { onlyFrom: ['wrap-up'] });
  }

  /** A blended agent takes or makes an outbound call (dialer, click-to-dial). */
  startOutbound(agentId: string, campaign = ''): Promise<AgentLive> {
    return this.agentState(agentId, 'on-call-outbound', 'outbound-start', { reason: campaign, onlyFrom: ['available', 'paused'] });
  }

  endOutbound(agentId: string): Promise<AgentLive> {
    const p = this.profile(agentId);
    return this.agentState(agentId, 'wrap-up', 'outbound-end', { wrapUpMs: (p.wrapUpSeconds ?? this.opts.settings.defaultWrapUpSeconds) * 1000 });
  }

  agent(agentId: string): AgentLive | undefined {
    return this.view.agent(agentId);
  }

  // ── callers ────────────────────────────────────────────────────────────

  async enqueue(req: EnqueueRequest): Promise<EnqueueOutcome> {
    const queue = this.queue(req.queue);
    if (this.stopped) throw new AcdError('ACD_STORE_UNAVAILABLE', 'the ACD has not loaded its state (Redis unavailable)');
    const ctx = { emergency: this.emergency.get(queue.id) === true, loggedInEligible: this.view.loggedInEligible(queue.id) };
    const refused = entryRefused(queue, this.view.waiting(queue.id), ctx);
    if (refused !== undefined) return { status: 'refused', ...refused };
    this.live.add(req.callId);
    const r = await this.store.enqueue(
      {
        callId: req.callId,
        queue: queue.id,
        priority: req.priority ?? 0,
        owner: this.instanceId,
        maxLength: queue.maxLength,
        ...(req.caller === undefined ? {} : { caller: req.caller }),
        ...(req.variables === undefined ? {} : { variables: req.variables }),
        ...(req.requirement === undefined ? {} : { requirement: req.requirement }),
      },
      this.now(),
    ).catch((err: unknown) => {
      this.live.delete(req.callId);
      throw err;
    });
    if (r.status !== 'ok' && r.status !== 'EXISTS') {
      this.live.delete(req.callId);
      return refusal(queue, r.status);
    }
    this.view.applyEntry(r.entry);
    this.schedule();
    return { status: 'queued', position: r.position, entry: r.entry };
  }

  /** Overflow to another queue: the caller keeps their original enqueue time. */
  async moveTo(callId: string, queueId: string, reason: OverflowReason): Promise<MoveOutcome> {
    const queue = this.queue(queueId);
    const r = await this.store.move(callId, queue.id, reason, queue.maxLength, this.now()).finally(() => this.overflowing.delete(callId));
    // offered meanwhile (an agent rings): not an overflow after all; the next tick decides again
    if (r.status === 'NOT_WAITING') return { status: 'busy' };
    if (r.status !== 'ok' && r.status !== 'EXISTS') {
      return refusal(queue, r.status);
    }
    this.view.applyEntry(r.entry);
    this.schedule();
    return { status: 'queued', position: r.position, entry: r.entry };
  }

  /** The caller left the queue unanswered (abandon, timeout, overflow, key). */
  async leave(callId: string, event: LeaveEvent, data: Readonly<Record<string, string>> = {}): Promise<void> {
    this.leaving.add(callId);
    try {
      const r = await this.store.leave(callId, event, data, this.now());
      // an agent answered in the same instant: that call is over too, and the caller hung up
      if (r.status === 'CONNECTED') await this.completed(callId, 'COMPLETECALLER', data);
      if (r.status === 'ok') this.schedule();
    } finally {
      // even when Redis failed: no longer live here, so the reaper ends the entry (EXITLOST) instead of a ghost
      this.forget(callId);
      this.leaving.delete(callId);
    }
  }

  /** The INVITE to the agent is out. False: the offer is gone, cancel the INVITE. */
  async ringingAgent(callId: string, agentId: string, ringTimeoutMs: number): Promise<boolean> {
    return this.store.ring(callId, agentId, ringTimeoutMs + 5000, this.now());
  }

  /** The agent answered. False: the offer is gone meanwhile (hang the agent's leg up). */
  async answered(callId: string, agentId: string): Promise<boolean> {
    const entry = this.view.entry(callId);
    const queue = entry?.queue ?? (await this.store.entry(callId))?.queue;
    if (queue === undefined) return false;
    const r = await this.store.answer(callId, agentId, queue, this.now());
    if (!r.ok) return false;
    this.ringing.delete(callId);
    this.schedule();
    return true;
  }

  /**
   * An offer ended unanswered. `rna`/`rejected` count as misses (RINGNOANSWER,
   * auto-pause); an unreachable agent (no phone registered) is logged out if it
   * logs in with its phone (autoLogin), else paused "unreachable".
   */
  async offerFailed(callId: string, agentId: string, cause: 'rna' | 'rejected' | 'unreachable' | 'withdrawn' | 'failed'): Promise<void> {
    this.ringing.get(callId)?.delete(agentId);
    // a failing phone (5xx, no registration) rests like a missed one, so it is not rung again in a tight loop
    const r = await this.store.release(callId, agentId, cause, cause === 'rna' || cause === 'rejected', this.now(), cause === 'failed' || cause === 'unreachable');
    if (cause === 'unreachable' && (r.agentState === 'available' || r.agentState === 'reserved' || r.agentState === 'ringing')) {
      const p = this.profiles.get(agentId);
      if (p?.autoLogin === true) await this.logout(agentId, 'unreachable').catch(() => undefined);
      else await this.pause(agentId, 'unreachable').catch(() => undefined);
    }
    this.schedule();
  }

  /** A connected ACD call ended (or the agent transferred it away): wrap-up for the agent. */
  async completed(callId: string, event: CompleteEvent, data: Readonly<Record<string, string>> = {}): Promise<void> {
    // the stored entry: the view may not have seen the answer yet, and the wrap-up is the answering agent's
    this.leaving.add(callId);
    const entry = await this.store.entry(callId).catch((err: unknown) => {
      this.forget(callId);
      this.leaving.delete(callId);
      throw err;
    });
    const agentId = entry?.agent;
    const queue = entry === undefined ? undefined : this.queues.get(entry.queue);
    const profile = agentId === undefined ? undefined : this.profiles.get(agentId);
    const wrapS = profile?.wrapUpSeconds ?? queue?.wrapUpSeconds ?? this.opts.settings.defaultWrapUpSeconds;
    try {
      await this.store.complete(callId, event, wrapS * 1000, data, this.now());
      this.schedule();
    } finally {
      this.forget(callId);
      this.leaving.delete(callId);
    }
  }

  private forget(callId: string): void {
    this.live.delete(callId);
    this.overflowing.delete(callId);
    this.pendingReserve.delete(callId);
    for (const agentId of this.ringing.get(callId) ?? []) this.emit('withdraw', callId, agentId);
    this.ringing.delete(callId);
  }

  position(callId: string): number | undefined {
    return this.view.position(callId);
  }

  /** Estimated wait of a waiting caller (undefined: nobody staffed to estimate from). */
  estimatedWaitMs(callId: string): number | undefined {
    const entry = this.view.entry(callId);
    const position = this.view.position(callId);
    if (entry === undefined || position === undefined) return undefined;
    const queue = this.queues.get(entry.queue);
    if (queue === undefined) return undefined;
    return estimatedWaitMs({
      position,
      handleTimesMs: this.handleTimes.get(queue.id) ?? [],
      staffed: this.view.staffed(queue.id, effectiveRequirement(queue, entry, this.now())),
      defaultHandleMs: this.opts.defaultHandleMs ?? 180_000,
    });
  }

  /** One of the queue's agents: a member who could take its calls, now or once escalation has widened it. */
  isQueueAgent(queueId: string, agentId: string): boolean {
    const p = this.profiles.get(agentId);
    if (p === undefined || !this.view.isMember(queueId, p.id)) return false;
    const queue = this.queue(queueId);
    return qualifies(p.skills, queue.requirement) || qualifies(p.skills, escalated(queue, queue.requirement, queue.escalation.length));
  }

  queueStats(queueId: string): QueueStats {
    const agents = { 'logged-out': 0, available: 0, reserved: 0, ringing: 0, 'on-call': 0, 'on-call-outbound': 0, 'wrap-up': 0, paused: 0 } as Record<AgentState, number>;
    for (const p of this.profiles.values()) {
      if (!this.isQueueAgent(queueId, p.id)) continue;
      agents[this.view.agent(p.id)?.state ?? 'logged-out'] += 1;
    }
    return {
      queue: queueId,
      waiting: this.view.waiting(queueId),
      longestWaitMs: this.view.longestWaitMs(queueId, this.now()),
      agents,
      emergency: this.emergency.get(queueId) === true,
    };
  }

  /** The callers of a queue in order, with their place and estimated wait (announcements, CTI). */
  waitingCalls(queueId: string): { callId: string; position: number; priority: number; state: string; waitedMs: number; estimatedWaitMs?: number; caller?: string }[] {
    this.queue(queueId);
    const now = this.now();
    return this.view.entries(queueId).map((e, i) => {
      const ewt = this.estimatedWaitMs(e.callId);
      return {
        callId: e.callId,
        position: i + 1,
        priority: e.priority,
        state: e.state,
        waitedMs: Math.max(0, now - e.enqueuedAt),
        ...(ewt === undefined ? {} : { estimatedWaitMs: ewt }),
        ...(e.caller === undefined ? {} : { caller: e.caller }),
      };
    });
  }

  /** The surge switch: while on, new callers and waiting callers go to the queue's onEmergency target. */
  async setEmergency(queueId: string, on: boolean): Promise<void> {
    this.queue(queueId);
    await this.store.setEmergency(queueId, on);
    this.emergency.set(queueId, on);
    if (on) void this.checkOverflow();
  }

  // ── the loop ───────────────────────────────────────────────────────────

  private onChanges(changes: Change[]): void {
    let dispatch = false;
    for (const c of changes) {
      if (c.kind === 'agent') {
        this.view.applyAgent(c.agent);
        dispatch = true;
        // one event per stored version: the view may already hold it (our own write), a replay may repeat it
        if ((this.emitted.get(c.id) ?? -1) >= c.agent.version) continue;
        this.emitted.set(c.id, c.agent.version);
        if (c.from === c.agent.state) continue;
        const change: AgentStateChange = { agentId: c.id, from: c.from, to: c.agent.state, cause: c.cause, at: c.agent.since };
        if (c.agent.reason !== undefined) change.reason = c.agent.reason;
        const callId = c.agent.call ?? c.agent.offers[0];
        if (callId !== undefined) change.callId = callId;
        this.emit('agent', change);
      } else if (c.kind === 'entry') {
        // only a newer copy can withdraw an offer (an older one predates it)
        if (this.view.applyEntry(c.entry)) this.checkWithdrawn(c.entry);
        this.pendingReserve.delete(c.id);
        dispatch = true;
      } else if (c.kind === 'entry-removed') {
        this.view.removeEntry(c.id, c.version);
        this.pendingReserve.delete(c.id);
        const evicted = this.live.has(c.id) && !this.leaving.has(c.id);
        if (this.ringing.has(c.id) || evicted) this.forget(c.id);
        if (evicted) {
          this.log?.warn({ callId: c.id, code: 'ACD_CALL_EVICTED' }, 'a caller of ours was removed by another instance (taken for dead)');
          this.emit('evicted', c.id);
        }
        dispatch = true;
      } else {
        this.emergency.set(c.id, c.emergency);
        if (c.emergency) void this.checkOverflow();
      }
    }
    if (dispatch) this.schedule();
  }

  /** Offers this instance is ringing that the entry no longer holds are withdrawn. */
  private checkWithdrawn(entry: QueueEntry): void {
    const agents = this.ringing.get(entry.callId);
    if (agents === undefined) return;
    for (const agentId of [...agents]) {
      if (entry.agents.includes(agentId) || entry.agent === agentId) continue;
      agents.delete(agentId);
      this.emit('withdraw', entry.callId, agentId);
    }
  }

  /** Coalesces dispatch requests into one round on the next turn of the event loop. */
  schedule(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.dispatch();
    });
  }

  private async dispatch(): Promise<void> {
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = true;
    try {
      for (let round = 0; round < 3; round++) {
        this.again = false;
        const offers = this.view.plan(this.now(), this.rng, this.instanceId);
        for (const offer of offers) {
          if (this.stopped) return;
          if (this.pendingReserve.has(offer.callId) || this.overflowing.has(offer.callId) || !this.live.has(offer.callId)) continue;
          await this.reserve(offer.callId, offer.agents);
        }
        if (!this.again) break;
      }
    } catch (err) {
      this.log?.warn({ err, code: err instanceof AcdError ? err.code : 'ACD_DISPATCH_FAILED' }, 'ACD dispatch failed; retrying on the next change or tick');
    } finally {
      this.dispatching = false;
    }
  }

  private async reserve(callId: string, agentIds: readonly string[]): Promise<void> {
    const entry = this.view.entry(callId);
    if (entry === undefined || agentIds.length === 0) return;
    this.pendingReserve.add(callId);
    const agents = agentIds.map((id) => ({ id, maxOffers: this.profiles.get(id)?.maxConcurrentOffers ?? 1 }));
    const r = await this.store.reserve(callId, entry.queue, agents, this.now()).catch((err: unknown) => {
      this.pendingReserve.delete(callId);
      throw err;
    });
    if (r.status === 'ok') {
      this.ringing.set(callId, new Set(r.agents));
      this.view.setLastOffered(entry.queue, r.agents[0]!);
      this.log?.debug({ callId, queue: entry.queue, agents: r.agents }, 'agents reserved');
      this.emit('offer', { callId, queue: entry.queue, agents: r.agents });
      return;
    }
    this.pendingReserve.delete(callId);
    if (r.status === 'AGENT_UNAVAILABLE') {
      // our view was behind: read those agents back, then plan again
      for (const id of agentIds) {
        const live = await this.store.agent(id);
        if (live !== undefined) this.view.applyAgent(live);
      }
      this.again = true;
    } else if (r.status === 'CALL_NOT_FOUND') {
      this.view.removeEntry(callId);
    } else {
      const fresh = await this.store.entry(callId);
      if (fresh !== undefined && this.view.applyEntry(fresh)) this.checkWithdrawn(fresh);
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const now = this.now();
    try {
      await this.store.heartbeat(this.instanceId, now);
      const swept = await this.store.sweep(now);
      if (swept.returned.length > 0) this.log?.info({ calls: swept.returned }, 'expired reservations returned to their queues');
      if (++this.ticks % 5 === 0) await this.refreshHandleTimes();
      await this.reap();
      await this.checkOverflow();
      this.schedule();
    } catch (err) {
      this.log?.warn({ err, code: err instanceof AcdError ? err.code : 'ACD_TICK_FAILED' }, 'ACD housekeeping failed; retrying next tick');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * The changes stream is capped: a follower cut off long enough (a network
   * partition) finds entries trimmed before it read them (their numbers
   * jump), and its view would drift for good. The view is then rebuilt from
   * a fresh snapshot.
   */
  private async resync(): Promise<void> {
    const follower = this.follower;
    if (follower === undefined || this.resyncing) return;
    this.resyncing = true;
    try {
      this.log?.warn({ code: 'ACD_VIEW_RESYNC', from: follower.position }, 'ACD changes were trimmed before this instance read them: reloading the live state');
      const snap = await this.store.snapshot([...this.queues.keys()]);
      const present = new Set(snap.entries.map((e) => e.callId));
      for (const e of this.view.allEntries()) if (!present.has(e.callId)) this.view.removeEntry(e.callId);
      for (const agent of snap.agents) this.view.applyAgent(agent);
      for (const entry of snap.entries) this.view.applyEntry(entry);
      for (const [queue, meta] of snap.queues) this.emergency.set(queue, meta.emergency);
      follower.resume(snap.changesFrom, snap.changesSeq);
      this.schedule();
    } catch (err) {
      this.log?.warn({ err, code: 'ACD_STORE_UNAVAILABLE' }, 'ACD reload failed; retrying at the next gap');
    } finally {
      this.resyncing = false;
    }
  }

  private async refreshHandleTimes(): Promise<void> {
    for (const q of this.queues.keys()) {
      const times = await this.store.handleTimes(q);
      this.handleTimes.set(q, times);
      this.view.setHandleTimes(q, times);
    }
  }

  /** Waiting callers of this instance that must leave their queue now. */
  private async checkOverflow(): Promise<void> {
    const now = this.now();
    for (const callId of this.live) {
      const entry = this.view.entry(callId);
      if (entry === undefined || entry.state !== 'waiting' || this.overflowing.has(callId) || this.pendingReserve.has(callId)) continue;
      const queue = this.queues.get(entry.queue);
      if (queue === undefined) continue;
      const due = overflowDue(queue, entry, now, { emergency: this.emergency.get(queue.id) === true, loggedInEligible: this.view.loggedInEligible(queue.id) });
      if (due === undefined) continue;
      this.overflowing.add(callId);
      this.emit('overflow', callId, due);
    }
    await Promise.resolve();
  }

  /**
   * Callers whose instance died with their media: this instance's own from a
   * previous life (not live here), or another instance's whose heartbeat
   * stopped. Removed from their queue (EXITLOST), their agents freed or
   * sent to wrap-up, and reported so the SIP dialog can be hung up.
   */
  private async reap(): Promise<void> {
    const now = this.now();
    const timeoutMs = this.opts.settings.instanceTimeoutSeconds * 1000;
    let instances: Map<string, number> | undefined;
    /** Another instance is dead once its heartbeat is older than the timeout (heartbeats read once per round). */
    const otherDead = async (owner: string): Promise<boolean> => {
      instances ??= await this.store.instances();
      const seen = instances.get(owner);
      return seen === undefined || seen < now - timeoutMs;
    };
    for (const entry of this.view.allEntries()) {
      const dead = entry.owner === this.instanceId ? !this.live.has(entry.callId) : await otherDead(entry.owner);
      if (!dead) continue;
      if (entry.state === 'connected') {
        const r = await this.store.complete(entry.callId, 'EXITLOST', 0, { reason: 'media-lost' }, now);
        if (r.status !== 'ok') continue;
      } else {
        const r = await this.store.leave(entry.callId, 'EXITLOST', { reason: 'media-lost' }, now);
        if (r.status !== 'ok') continue;
      }
      this.view.removeEntry(entry.callId);
      this.log?.warn({ callId: entry.callId, queue: entry.queue, owner: entry.owner, code: 'ACD_CALL_LOST' }, 'caller removed: its instance and media are gone');
      this.emit('lost', entry);
    }
    // agents marked busy with a leg held by an instance that is gone (or by our previous life)
    for (const p of this.profiles.values()) {
      const agent = this.view.agent(p.id);
      const owner = agent?.state === 'on-call-outbound' ? /@([^@]+)$/.exec(agent.reason ?? '')?.[1] : undefined;
      if (owner === undefined) continue;
      const dead = owner === this.instanceId ? !this.busy.has(p.id) : await otherDead(owner);
      if (!dead) continue;
      const r = await this.store.agentState(p.id, 'wrap-up', 'leg-lost', now, { onlyFrom: ['on-call-outbound'], wrapUpMs: 0 });
      this.view.applyAgent(r.agent);
      if (r.status === 'ok') this.log?.warn({ agentId: p.id, owner, code: 'ACD_AGENT_RELEASED' }, 'agent freed: the instance holding their call is gone');
    }
  }
}

/** Entry refused by the store (emergency switch on, or the queue full): the queue's target for that. */
function refusal(queue: QueueConfig, status: 'CLOSED' | 'FULL' | 'NOT_WAITING'): EnqueueOutcome {
  const reason: OverflowReason = status === 'FULL' ? 'max-length' : 'emergency';
  const target = (reason === 'max-length' ? queue.overflow.onMaxLength : queue.overflow.onEmergency) ?? { type: 'hangup' as const };
  return { status: 'refused', reason, target };
}
