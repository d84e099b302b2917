/**
 * The queue verb: a caller waits in an ACD queue with music and position
 * announcements, the agents the ACD reserves are rung, the first to answer
 * is bridged, and when the call ends the agent gets wrap-up. Callers who
 * must leave (max wait, no agents, emergency) go to the queue's overflow
 * target: another queue (keeping their place in time), voicemail, a
 * callback request, or a polite hangup.
 *
 *   enqueue ─▶ waiting (music, announcements) ─offer─▶ ringing agent(s) ─answer─▶ connected ─end─▶ complete (wrap-up)
 *                 │  ▲                                   │ no answer / rejected
 *                 │  └───────────── back to its place ◀──┘
 *                 └─ hangup: ABANDON · overflow: EXITWITHTIMEOUT / EXITEMPTY / OVERFLOW
 */
import type { Logger } from 'pino';
import type { Call } from './call.js';
import type { Leg } from './leg.js';
import { DialError } from './dial.js';
import type { QueueConfig } from '../config/acd-schema.js';
import type { AcdService, OverflowDecision, OverflowReason } from '../acd/service/acd-service.js';
import type { LeaveEvent } from '../acd/store/acd-store.js';
import { announceMinutes } from '../acd/core/ewt.js';
import { numberPrompt } from '../acd/prompts.js';
import { snapshotDialog } from './orphan-bye.js';
import type { Requirement } from '../config/acd-schema.js';
import type { QueueAnnouncer } from '../ivr/types.js';

export interface QueueCallDeps {
  acd: AcdService;
  dial(call: Call, agentId: string, signal: AbortSignal, ringTimeoutMs: number): Promise<Leg>;
  prompt(name: string): string;
  queues: ReadonlyMap<string, QueueConfig>;
  defaultRingTimeoutMs: number;
  /** Whether a party is one of our agents (a transfer target the ACD must see as busy). */
  isAgent(id: string): boolean;
  /** Record a message for a mailbox (voicemail overflow). */
  voicemail(call: Call, mailbox: string): Promise<void>;
  logger?: Logger;
}

export interface QueueRequest {
  queue: string;
  priority?: number;
  /** Who may take the call, instead of the queue's requirement (IVR skills from variables). */
  requirement?: Requirement;
  /** Keys that take the caller out of the queue (EXITWITHKEY); the run resolves 'exit-key' with `key`. */
  exitKeys?: readonly string[];
  /** Music files instead of the queue's. */
  music?: readonly string[];
  /** Announcements instead of the queue's position/wait prompts (the IVR's, in the caller's language). */
  announcer?: QueueAnnouncer;
  /**
   * Aborting takes the caller out of the queue (EXITWITHTIMEOUT, reason `withdrawn`) unless an agent is
   * connected already: phones that ring stop, and the run resolves 'withdrawn'. The call stays up (the
   * dialer's safe-harbor message follows).
   */
  signal?: AbortSignal;
}

export type QueueResult = 'connected' | 'overflowed' | 'abandoned' | 'failed' | 'exit-key' | 'withdrawn';

export interface QueueRun {
  result: QueueResult;
  /** The key pressed, for 'exit-key'. */
  key?: string;
  /** When the caller entered the queue (ms since epoch): their place, kept by a callback. */
  enqueuedAt?: number;
}

/** Routes the ACD's events to the queue sessions of this instance's calls. */
export class QueueCalls {
  private readonly sessions = new Map<string, QueueSession>();

  constructor(private readonly deps: QueueCallDeps) {
    deps.acd.on('offer', (offer) => {
      const session = this.sessions.get(offer.callId);
      if (session !== undefined) return session.offer(offer.agents);
      // nobody here rings for this call any more (it just ended): give the agents back at once
      for (const a of offer.agents) void deps.acd.offerFailed(offer.callId, a, 'withdrawn').catch(() => undefined);
    });
    deps.acd.on('withdraw', (callId, agentId) => this.sessions.get(callId)?.withdraw(agentId));
    deps.acd.on('overflow', (callId, decision) => this.sessions.get(callId)?.overflow(decision));
    deps.acd.on('evicted', (callId) => void this.sessions.get(callId)?.evicted());
  }

  /** Puts the caller in the queue; resolves once connected to an agent or out of the queue. */
  async run(call: Call, req: QueueRequest): Promise<QueueResult> {
    return (await this.runWithKeys(call, req)).result;
  }

  /** Like run, and says which exit key the caller pressed. */
  async runWithKeys(call: Call, req: QueueRequest): Promise<QueueRun> {
    // a caller who left one queue with a key may be in the next one by the time the first session lets go
    const session: QueueSession = new QueueSession(call, this.deps, () => this.sessions.get(call.id) === session && this.sessions.delete(call.id));
    this.sessions.set(call.id, session);
    const result = await session.start(req);
    return { result, ...(session.exitKey === undefined ? {} : { key: session.exitKey }), ...(session.enqueuedAt === undefined ? {} : { enqueuedAt: session.enqueuedAt }) };
  }

  get active(): number {
    return this.sessions.size;
  }
}

function callerNumber(call: Call): string | undefined {
  return call.caller.party === '' ? undefined : call.caller.party;
}

const LEAVE_EVENT: Record<OverflowReason, LeaveEvent> = {
  'max-wait': 'EXITWITHTIMEOUT',
  'no-agents': 'EXITEMPTY',
  emergency: 'OVERFLOW',
  'max-length': 'OVERFLOW',
};

class QueueSession {
  private queue!: QueueConfig;
  private priority = 0;
  private readonly rings = new Map<string, AbortController>();
  private announcer: NodeJS.Timeout | undefined;
  private announcing: AbortController | undefined;
  private settled = false;
  private connectedAgent: string | undefined;
  private resolve!: (r: QueueResult) => void;
  private req: QueueRequest = { queue: '' };
  exitKey: string | undefined;
  enqueuedAt: number | undefined;
  private readonly done = new Promise<QueueResult>((r) => (this.resolve = r));
  private readonly log: Logger | undefined;

  constructor(
    private readonly call: Call,
    private readonly deps: QueueCallDeps,
    private readonly release: () => unknown,
  ) {
    this.log = call.log ?? deps.logger;
  }

  async start(req: QueueRequest): Promise<QueueResult> {
    const queue = this.deps.queues.get(req.queue);
    if (queue === undefined) {
      this.release();
      return 'failed';
    }
    this.queue = queue;
    this.req = req;
    this.priority = req.priority ?? 0;
    this.call.once('ended', (cause) => void this.onEnded(cause));
    if ((req.exitKeys?.length ?? 0) > 0) this.call.on('dtmf', this.onDigit);
    try {
      const caller = callerNumber(this.call);
      const outcome = await this.deps.acd.enqueue({
        callId: this.call.id,
        queue: queue.id,
        priority: req.priority ?? 0,
        variables: Object.fromEntries(this.call.variables),
        ...(caller === undefined ? {} : { caller }),
        ...(req.requirement === undefined ? {} : { requirement: req.requirement }),
      });
      if (outcome.status === 'refused') {
        this.log?.info({ queue: queue.id, reason: outcome.reason }, 'queue refused the caller');
        void this.runTarget({ reason: outcome.reason, target: outcome.target }, false);
        return await this.done;
      }
      this.enqueuedAt = outcome.entry.enqueuedAt;
      this.log?.info({ queue: queue.id, position: outcome.position }, 'caller queued');
      this.call.noteQueued(queue.id, outcome.position, outcome.entry.priority);
      // kept while the caller is with the ACD, so another instance can hang up if this one dies
      void snapshotDialog(this.call.caller.session)
        .then((d) => (d === undefined || this.call.isEnded() ? undefined : this.deps.acd.store.saveDialog(this.call.id, d)))
        .catch((err: unknown) => this.log?.warn({ err }, 'caller dialog not kept for crash recovery'));
      if (this.call.isEnded()) {
        await this.onEnded(this.call.endCause ?? 'caller-hangup');
        return await this.done;
      }
      this.startWaiting();
      if (req.signal !== undefined) {
        if (req.signal.aborted) void this.leaveWithdrawn();
        else req.signal.addEventListener('abort', () => void this.leaveWithdrawn(), { once: true });
      }
    } catch (err) {
      this.log?.error({ err, queue: queue.id }, 'could not queue the caller');
      await this.call.caller.endpoint?.play([this.deps.prompt('queue-closed')]).catch(() => undefined);
      this.finish('failed');
      await this.call.end('failed');
    }
    return this.done;
  }

  // ── waiting ────────────────────────────────────────────────────────────

  private music(): string[] {
    return this.req.music !== undefined && this.req.music.length > 0 ? [...this.req.music] : [this.deps.prompt(this.queue.announcements.music ?? 'hold-music')];
  }

  /** A caller's key while waiting: an exit key takes them out of the queue, back to whoever queued them. */
  private readonly onDigit = (leg: Leg, digit: string): void => {
    if (leg !== this.call.caller || this.settled || this.connectedAgent !== undefined || this.rings.size > 0) return;
    if (!(this.req.exitKeys ?? []).includes(digit)) return;
    void this.leaveWithKey(digit);
  };

  private async leaveWithKey(key: string): Promise<void> {
    this.stopWaiting();
    this.settled = true;
    this.call.off('dtmf', this.onDigit);
    this.call.playLoop([]);
    try {
      await this.deps.acd.leave(this.call.id, 'EXITWITHKEY', { key });
      await this.deps.acd.store.dropDialog(this.call.id);
    } catch (err) {
      this.log?.warn({ err, code: 'ACD_STORE_UNAVAILABLE' }, 'could not record the caller leaving with a key');
    }
    this.log?.info({ queue: this.queue.id, key }, 'caller left the queue with a key');
    this.exitKey = key;
    this.finish('exit-key');
    this.release();
  }

  /** The one who queued the caller takes them back (QueueRequest.signal): not if an agent already has them. */
  private async leaveWithdrawn(): Promise<void> {
    if (this.settled || this.connectedAgent !== undefined || this.call.isEnded()) return;
    this.stopWaiting();
    this.settled = true;
    this.call.off('dtmf', this.onDigit);
    for (const ring of this.rings.values()) ring.abort();
    this.call.playLoop([]);
    try {
      await this.deps.acd.leave(this.call.id, 'EXITWITHTIMEOUT', { reason: 'withdrawn' });
      await this.deps.acd.store.dropDialog(this.call.id);
    } catch (err) {
      this.log?.warn({ err, code: 'ACD_STORE_UNAVAILABLE' }, 'could not record the caller leaving the queue');
    }
    this.log?.info({ queue: this.queue.id }, 'caller withdrawn from the queue');
    this.finish('withdrawn');
    this.release();
  }

  private startWaiting(): void {
    this.call.playLoop(this.music());
    const a = this.queue.announcements;
    const own = this.req.announcer;
    const every = own !== undefined ? own.everyMs : a.positionEverySeconds * 1000;
    const periodic = a.periodic === undefined ? 0 : a.periodic.everySeconds * 1000;
    if (every > 0) void this.announce(true);
    if (every > 0 || periodic > 0) {
      let elapsed = 0;
      const step = 1000;
      this.announcer = setInterval(() => {
        elapsed += step;
        const position = every > 0 && elapsed % every === 0;
        const prompt = periodic > 0 && elapsed % periodic === 0 ? a.periodic?.prompt : undefined;
        if (position || prompt !== undefined) void this.announce(position, prompt);
      }, step);
    }
  }

  private stopWaiting(): void {
    clearInterval(this.announcer);
    this.announcer = undefined;
    this.announcing?.abort();
    this.announcing = undefined;
  }

  /** Position (and estimated wait), or a periodic prompt, between music. */
  private async announce(position: boolean, prompt?: string): Promise<void> {
    if (this.announcing !== undefined || this.settled || this.rings.size > 0) return;
    const files: string[] = [];
    const own = this.req.announcer;
    if (position && own !== undefined) {
      const pos = this.deps.acd.position(this.call.id);
      const ewt = this.deps.acd.estimatedWaitMs(this.call.id);
      files.push(...own.files(pos, ewt === undefined ? undefined : announceMinutes(ewt)));
    } else if (position) {
      const pos = this.deps.acd.position(this.call.id);
      const n = pos === undefined ? undefined : numberPrompt(pos);
      if (n !== undefined) files.push('queue-position', n, 'queue-in-line');
      const ewt = this.queue.announcements.estimatedWait ? this.deps.acd.estimatedWaitMs(this.call.id) : undefined;
      const m = ewt === undefined ? undefined : numberPrompt(announceMinutes(ewt));
      if (m !== undefined) files.push('queue-wait', m, 'queue-minutes');
    }
    if (prompt !== undefined) files.push(prompt);
    const ep = this.call.caller.endpoint;
    if (files.length === 0 || ep === undefined) return;
    const abort = new AbortController();
    this.announcing = abort;
    this.call.playLoop([]);
    try {
      // the IVR's announcer gives files; the queue's own announcements give prompt names
      await ep.play(files.map((f) => (f.includes('/') ? f : this.deps.prompt(f))), { signal: abort.signal }).catch(() => undefined);
    } finally {
      if (this.announcing === abort) this.announcing = undefined;
      // back to music, also when an offer cut the announcement short (the caller waits on while the agent rings)
      if (!this.settled && !this.call.isEnded() && this.connectedAgent === undefined) this.call.playLoop(this.music());
    }
  }

  // ── offers ─────────────────────────────────────────────────────────────

  offer(agents: readonly string[]): void {
    if (this.settled) {
      for (const a of agents) void this.deps.acd.offerFailed(this.call.id, a, 'withdrawn').catch(() => undefined);
      return;
    }
    this.announcing?.abort();
    if (this.call.state === 'ivr') this.call.transition('offering', 'ring-agent');
    for (const agentId of agents) void this.ring(agentId);
  }

  withdraw(agentId: string): void {
    this.rings.get(agentId)?.abort();
  }

  private ringTimeoutMs(): number {
    return this.queue.ringTimeoutSeconds === undefined ? this.deps.defaultRingTimeoutMs : this.queue.ringTimeoutSeconds * 1000;
  }

  private async ring(agentId: string): Promise<void> {
    const abort = new AbortController();
    this.rings.set(agentId, abort);
    const acd = this.deps.acd;
    const callId = this.call.id;
    const ringMs = this.ringTimeoutMs();
    let leg: Leg | undefined;
    try {
      if (!(await acd.ringingAgent(callId, agentId, ringMs))) return;
      if (abort.signal.aborted) throw new DialError('cancelled', 'withdrawn');
      leg = await this.deps.dial(this.call, agentId, abort.signal, ringMs);
      this.rings.delete(agentId);
      if (this.settled || this.call.isEnded() || !(await acd.answered(callId, agentId))) {
        await leg.end('hangup-local');
        return;
      }
      if (this.settled) {
        // withdrawn while the answer was being recorded (leave() completed it for the ACD): the caller is no longer ours to connect
        await leg.end('hangup-local');
        return;
      }
      if (this.call.isEnded()) {
        // the caller hung up while the answer was being recorded: that call is over for the agent too
        await leg.end('hangup-local');
        await acd.completed(callId, 'COMPLETECALLER');
        return;
      }
      this.connect(agentId, leg);
    } catch (err) {
      this.rings.delete(agentId);
      if (leg !== undefined) {
        // answered, but the ACD could not record it (Redis): hang the agent up rather than leave them in silence
        this.log?.warn({ err, agentId, code: 'ACD_STORE_UNAVAILABLE' }, 'answer not recorded; agent leg hung up');
        await leg.end('hangup-local').catch(() => undefined);
        await acd.offerFailed(callId, agentId, 'failed').catch(() => undefined);
        return;
      }
      const reason = err instanceof DialError ? err.reason : 'failed';
      const cause = reason === 'no-answer' ? 'rna' : reason === 'busy' || reason === 'declined' ? 'rejected' : reason === 'unavailable' ? 'unreachable' : reason === 'cancelled' ? 'withdrawn' : 'failed';
      this.log?.info({ agentId, cause }, 'agent offer ended unanswered');
      await acd.offerFailed(callId, agentId, cause).catch((e: unknown) => this.log?.warn({ err: e, agentId }, 'could not release the offer'));
    } finally {
      if (this.rings.get(agentId) === abort) this.rings.delete(agentId);
      // no phone ringing any more and nobody connected: back to waiting (music, announcements)
      if (this.rings.size === 0 && this.connectedAgent === undefined && !this.settled && !this.call.isEnded() && this.call.state === 'offering') {
        this.call.transition('ivr', 'offer-ended');
        if (this.announcer === undefined) this.startWaiting();
      }
    }
  }

  private connect(agentId: string, leg: Leg): void {
    if (this.call.isEnded()) return void leg.end('hangup-local');
    this.stopWaiting();
    for (const [other, ring] of this.rings) if (other !== agentId) ring.abort();
    this.connectedAgent = agentId;
    this.call.addLeg(leg);
    this.call.connect(leg);
    this.call.on('transferred', (kind, from, to) => {
      if (this.connectedAgent !== undefined && !(kind === 'attended' && from === undefined)) {
        const agent = this.connectedAgent;
        this.connectedAgent = undefined;
        void this.deps.acd
          .completed(this.call.id, 'TRANSFER', { kind, target: to.party })
          .catch((err: unknown) => this.log?.warn({ err, agentId: agent }, 'could not complete the transferred call'));
      }
      this.trackTransferTarget(to);
    });
    this.log?.info({ agentId, queue: this.queue.id }, 'caller connected to agent');
    this.finish('connected');
  }

  /**
   * An available agent who takes a transferred call is busy to the ACD until
   * that leg ends (on-call-outbound, then wrap-up), so it is not offered a
   * queue call meanwhile. A paused agent stays paused.
   */
  private trackTransferTarget(leg: Leg): void {
    const agentId = leg.party;
    if (!this.deps.isAgent(agentId) || leg.state === 'ended') return;
    const acd = this.deps.acd;
    acd.busyElsewhere(agentId, 'transfer').then(
      () => {
        const done = (): void => void acd.endBusyElsewhere(agentId).catch((err: unknown) => this.log?.warn({ err, agentId }, 'could not end the transfer leg for the ACD'));
        if (leg.state === 'ended') done();
        else leg.on('state', (to) => to === 'ended' && done());
      },
      // not available (paused, wrap-up, logged out…): the ACD is not routing to them anyway
      () => undefined,
    );
  }

  // ── leaving ────────────────────────────────────────────────────────────

  private async onEnded(cause: string): Promise<void> {
    this.stopWaiting();
    for (const ring of this.rings.values()) ring.abort();
    const acd = this.deps.acd;
    try {
      if (this.connectedAgent !== undefined) {
        this.connectedAgent = undefined;
        await acd.completed(this.call.id, cause === 'caller-hangup' ? 'COMPLETECALLER' : 'COMPLETEAGENT', cause === 'caller-hangup' ? {} : { reason: cause });
      } else if (!this.settled) {
        await acd.leave(this.call.id, 'ABANDON', cause === 'caller-hangup' ? {} : { reason: cause });
      }
      await acd.store.dropDialog(this.call.id);
    } catch (err) {
      this.log?.warn({ err, code: 'ACD_STORE_UNAVAILABLE' }, 'could not record the end of the queued call');
    }
    this.finish('abandoned');
    this.release();
  }

  /** Another instance took ours for dead and removed the caller: end the call politely rather than leave it on music. */
  async evicted(): Promise<void> {
    if (this.settled && this.connectedAgent === undefined) return;
    this.stopWaiting();
    this.settled = true;
    this.connectedAgent = undefined;
    for (const ring of this.rings.values()) ring.abort();
    this.call.playLoop([]);
    await this.call.caller.endpoint?.play([this.deps.prompt('queue-closed')]).catch(() => undefined);
    this.finish('failed');
    if (!this.call.isEnded()) await this.call.end('failed');
  }

  overflow(decision: OverflowDecision): void {
    if (this.settled) return;
    void this.runTarget(decision, true);
  }

  /** Sends the caller to an overflow target (`queued`: the caller is in a queue to leave first). */
  private async runTarget(decision: OverflowDecision, queued: boolean, depth = 0): Promise<void> {
    const { target, reason } = decision;
    const acd = this.deps.acd;
    const ep = this.call.caller.endpoint;
    try {
      if (target.type === 'queue' && depth < 3) {
        const next = this.deps.queues.get(target.queue);
        if (next === undefined) throw new Error(`overflow queue ${target.queue} missing`);
        const caller = callerNumber(this.call);
        const outcome = queued
          ? await acd.moveTo(this.call.id, next.id, reason)
          : await acd.enqueue({
              callId: this.call.id,
              queue: next.id,
              priority: this.priority,
              variables: Object.fromEntries(this.call.variables),
              ...(caller === undefined ? {} : { caller }),
            });
        // an agent is being rung for the caller right now: no overflow after all
        if (outcome.status === 'busy') return;
        if (outcome.status === 'refused') return await this.runTarget({ reason: outcome.reason, target: outcome.target }, queued, depth + 1);
        this.log?.info({ from: this.queue.id, to: next.id, reason }, 'caller overflowed to another queue');
        this.call.noteQueued(next.id, outcome.position, outcome.entry.priority);
        this.stopWaiting();
        this.queue = next;
        this.startWaiting();
        return;
      }
      this.stopWaiting();
      this.settled = true;
      for (const ring of this.rings.values()) ring.abort();
      if (queued) await acd.leave(this.call.id, LEAVE_EVENT[reason], { reason, target: target.type });
      this.call.playLoop([]);
      this.log?.info({ queue: this.queue.id, reason, target: target.type }, 'caller leaves the queue');
      if (target.type === 'voicemail') {
        await this.deps.voicemail(this.call, target.mailbox ?? this.queue.id);
      } else if (target.type === 'callback') {
        // The request is in the journal (OVERFLOW, target callback); placing the call back is the dialer's.
        this.call.outcomes.add('callback');
        await ep?.play([this.deps.prompt('queue-callback')]).catch(() => undefined);
      } else {
        await ep?.play([this.deps.prompt(reason === 'emergency' ? 'queue-closed' : 'no-agent')]).catch(() => undefined);
      }
      this.finish('overflowed');
      if (!this.call.isEnded()) await this.call.end('no-agent');
    } catch (err) {
      this.log?.error({ err, reason }, 'overflow failed; ending the call politely');
      await ep?.play([this.deps.prompt('queue-closed')]).catch(() => undefined);
      this.finish('failed');
      await this.call.end('failed');
    }
  }

  private finish(result: QueueResult): void {
    if (result !== 'abandoned') this.settled = true;
    this.resolve(result);
  }
}
