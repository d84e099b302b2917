/**
 * The dialer engine: every second, for each running campaign, the pacing
 * decides how many calls to place; that many contacts whose turn it is and
 * whom the rules allow (compliance.ts, the DNC lists) become attempt jobs
 * (BullMQ, rate-limited to the trunk's calls per second, at most `lines` at
 * once), and a worker on any instance places each one:
 *
 *   claim the attempt (SET NX: a job retried after a crash finds it taken and
 *   never dials the contact twice) → count the attempt on the contact → ring
 *   for at least 15 s →
 *     answered → the contact's and the campaign's variables on the call, the
 *                customer queued (top priority) for the campaign's agents in
 *                the ACD, so no agent is booked twice with inbound; nobody
 *                within the safe-harbor time → the safe-harbor message,
 *                hang-up, disposition abandoned
 *     not answered → busy / no-answer / failed
 *   → statistics, and the contact back in line at the retry time (a final
 *   disposition or its last attempt ends it).
 *
 * A contact being dialled is held in a lease set (so two instances never take
 * it); a lease older than an hour (its instance died mid-call) returns it to
 * the line at start.
 */
import { mkdir } from 'node:fs/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Call } from '../calls/call.js';
import { DialError } from '../calls/dial.js';
import type { QueueCalls } from '../calls/queue-call.js';
import { bullConnection, within } from '../store/bull.js';
import type { RedisKeys } from '../store/redis.js';
import { minutesOf, type Campaign } from './campaign.js';
import { withoutCallback, type CampaignStore, type StoredContact } from './campaign-store.js';
import { dispositionOfDial, FINAL, mayDial, type CallingRules, type Disposition } from './compliance.js';
import type { DncList } from './dnc.js';
import { pace } from './pacing.js';
import { PreviewDesk } from './preview.js';
import type { TrunkPacer } from './trunk-pacer.js';
import { runAnswered, type AnsweredDeps, type AnsweredOutcome } from './answered.js';
import type { AmdOptions } from './amd/detector.js';
import type { OutboundEvent, OutboundEventSink } from './events.js';
import type { CampaignStats } from './stats.js';

export const ATTEMPTS_QUEUE = 'dialer-attempts';
const LEASE_MS = 3_600_000;

interface AttemptJob {
  campaignId: string;
  contactId: string;
  attempt: number;
}

export interface DialerEngineOptions {
  store: CampaignStore;
  dnc: DncList;
  stats: CampaignStats;
  redis: Redis;
  keys: RedisKeys;
  redisUrl: string;
  bullPrefix: string;
  /** Agents by state in a queue (the ACD view). */
  agents(queue: string): Record<string, number>;
  queueCalls: Pick<QueueCalls, 'run'>;
  placeCall(number: string, run: (call: Call) => Promise<void>, opts: { ringTimeoutMs: number; callerId?: string }): Promise<Call>;
  prompt(name: string): string;
  /** A campaign's text (safe-harbor, machine message) spoken into a WAV, cached. */
  speak(text: string): Promise<string>;
  /** The detector's scratch recordings. */
  scratchDir: string;
  /** Detector constants (tests, tuning). */
  amd?: AmdOptions;
  /** outbound.* events (the CTI publisher). */
  onEvent?: OutboundEventSink;
  /** Trunk capacity and calls per second. */
  lines: number;
  cps: number;
  /** Calls per second across instances, shared with the callbacks. */
  pacer?: TrunkPacer;
  /** At least 15 s. */
  ringTimeoutMs: number;
  /** A person answered with no agent within this is given the safe-harbor message (default 2 s). */
  safeHarborMs: number;
  /** The campaign queue's wrap-up, for the handling time pacing expects. */
  wrapUpMs(queue: string): number;
  tickMs?: number;
  /** How long a previewed contact stays the agent's (default 5 min). */
  previewHoldMs?: number;
  /** A preview held too long went back in line (the agent's busy state can end). */
  onPreviewExpired?: (agentId: string) => void;
  now?: () => number;
  logger?: Logger;
}

export class DialerEngine {
  private readonly queue: Queue<AttemptJob>;
  private readonly worker: Worker<AttemptJob, Disposition | 'duplicate' | 'gone'>;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private running: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly preview: PreviewDesk;

  constructor(private readonly opts: DialerEngineOptions) {
    this.now = opts.now ?? Date.now;
    this.preview = new PreviewDesk({
      store: opts.store,
      stats: opts.stats,
      dnc: opts.dnc,
      redis: opts.redis,
      ...(opts.pacer === undefined ? {} : { pacer: opts.pacer }),
      key: (campaignId) => this.k('preview', campaignId),
      holdMs: opts.previewHoldMs ?? 300_000,
      now: () => this.now(),
      rules: (c) => this.rules(c),
      claim: (c, contactId, now) => this.claim(c, contactId, now),
      release: (campaignId, contactId, at) => this.release(campaignId, contactId, at),
      settle: (c, contact, o, callId) => this.settle(c, contact, o, callId),
      emit: (e) => this.emit(e),
      wrapUpMs: (queue) => opts.wrapUpMs(queue),
      ...(opts.onPreviewExpired === undefined ? {} : { onExpired: opts.onPreviewExpired }),
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
    });
    this.queue = new Queue<AttemptJob>(ATTEMPTS_QUEUE, { connection: bullConnection(opts.redisUrl, false), prefix: opts.bullPrefix });
    this.worker = new Worker<AttemptJob, Disposition | 'duplicate' | 'gone'>(ATTEMPTS_QUEUE, (job) => this.attempt(job), {
      connection: bullConnection(opts.redisUrl, true),
      prefix: opts.bullPrefix,
      concurrency: opts.lines,
      limiter: { max: opts.cps, duration: 1000 },
      autorun: false,
    });
    const onError = (err: Error): void => opts.logger?.warn({ err, code: 'DIALER_QUEUE_UNAVAILABLE' }, 'dialer queue: redis error');
    this.queue.on('error', onError);
    this.worker.on('error', onError);
  }

  private k(...parts: string[]): string {
    return this.opts.keys.key('dialer', ...parts);
  }

  async start(): Promise<void> {
    await mkdir(this.opts.scratchDir, { recursive: true });
    await this.recoverLeases().catch((err: unknown) => this.opts.logger?.warn({ err, code: 'DIALER_STORE_UNAVAILABLE' }, 'dialer leases not checked at start'));
    this.running ??= this.worker.run().catch((err: unknown) => this.opts.logger?.error({ err }, 'dialer worker stopped'));
    this.timer ??= setInterval(() => void this.tick(), this.opts.tickMs ?? 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const closed = await within(10_000, Promise.all([this.worker.close().then(() => this.running), this.queue.close()]));
    if (!closed) this.opts.logger?.warn({ code: 'DIALER_QUEUE_UNAVAILABLE' }, 'dialer did not close in time: going on');
    this.running = undefined;
  }

  /** Contacts whose instance died while dialling them go back in line. */
  private async recoverLeases(): Promise<void> {
    for (const c of await this.opts.store.list()) {
      const stale = await this.opts.redis.zrangebyscore(this.opts.store.keys.leases(c.id), '-inf', this.now() - LEASE_MS);
      for (const id of stale) {
        await this.opts.redis.multi().zrem(this.opts.store.keys.leases(c.id), id).zadd(this.opts.store.keys.ready(c.id), 'NX', this.now(), id).exec();
      }
    }
  }

  /** One pacing pass over the running campaigns (public for tests). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const campaigns = await this.opts.store.list();
      for (const c of campaigns) if (c.mode === 'preview') await this.preview.expire(c);
      // the trunk's lines are shared by every campaign (and instance): what all of them have in flight
      let trunk = 0;
      for (const c of campaigns) trunk += await this.inFlight(c);
      const byQueue = new Map<string, Campaign[]>();
      for (const c of campaigns) if (c.status === 'running') byQueue.set(c.queue, [...(byQueue.get(c.queue) ?? []), c]);
      for (const [queue, group] of byQueue) {
        // one instance paces a queue's campaigns per tick: they share its free agents
        const mine = await this.opts.redis.set(this.k('tick', queue), '1', 'PX', Math.max(200, (this.opts.tickMs ?? 1000) - 50), 'NX');
        if (mine !== 'OK') continue;
        let queueInFlight = 0;
        for (const c of campaigns) if (c.queue === queue) queueInFlight += await this.inFlight(c);
        for (const c of group) {
          const placed = await this.paceCampaign(c, trunk, queueInFlight);
          trunk += placed;
          queueInFlight += placed;
        }
      }
    } catch (err) {
      this.opts.logger?.warn({ err, code: 'DIALER_STORE_UNAVAILABLE' }, 'dialer tick skipped');
    } finally {
      this.ticking = false;
    }
  }

  private rules(c: Campaign): CallingRules {
    return { windowStartMin: minutesOf(c.window.start), windowEndMin: minutesOf(c.window.end), minGapMs: c.minGapMinutes * 60_000, maxAttempts: c.maxAttempts };
  }

  /** A campaign's calls being placed (any instance): its leases, less the contacts agents are only reading. */
  private async inFlight(c: Campaign): Promise<number> {
    const held = c.mode === 'preview' ? await this.preview.heldCount(c.id) : 0;
    return Math.max(0, (await this.opts.redis.zcard(this.opts.store.keys.leases(c.id))) - held);
  }

  /** Returns how many attempts it queued (the caller holds the queue's tick lock). */
  private async paceCampaign(c: Campaign, trunkInFlight: number, queueInFlight: number): Promise<number> {
    const now = this.now();
    const a = this.opts.agents(c.queue);
    const count = (...states: string[]): number => states.reduce((n, s) => n + (a[s] ?? 0), 0);
    const available = count('available');
    const busy = count('reserved', 'ringing', 'on-call', 'on-call-outbound', 'wrap-up');
    // every contact being dialled holds a lease (any instance): the calls in flight for this queue's agents, whichever campaign placed them
    const inFlight = queueInFlight;
    const f = await this.opts.stats.figures(c.id, now);
    const d = pace({
      mode: c.mode,
      available,
      busy,
      inFlight,
      answerRate: f.attempts === 0 ? 0 : f.liveAnswers / f.attempts,
      attempts: f.attempts,
      meanHandleMs: f.handled === 0 ? 180_000 : f.handleMs / f.handled,
      abandonPct: f.abandonPct30d,
      targetAbandonPct: c.targetAbandonPct,
      ratio: c.ratio,
      linesFree: this.opts.lines - trunkInFlight,
      cpsLeft: this.opts.cps,
    });
    if (d.dial <= 0) return 0;
    const candidates = await this.opts.redis.zrangebyscore(this.opts.store.keys.ready(c.id), '-inf', now, 'LIMIT', 0, d.dial * 4);
    let placed = 0;
    for (const contactId of candidates) {
      if (placed >= d.dial) break;
      const contact = await this.claim(c, contactId, now);
      if (contact === undefined) continue;
      const attempt = contact.attempts + 1;
      await this.queue.add('attempt', { campaignId: c.id, contactId, attempt }, { jobId: `${c.id}.${contactId}.${attempt}`, removeOnComplete: 1000, removeOnFail: 1000, attempts: 1 });
      placed += 1;
    }
    return placed;
  }

  /**
   * Takes a contact out of the line into a lease (whoever removes it from the
   * line dials it) and checks the calling rules and the DNC lists: the contact,
   * or undefined (taken by another instance, gone, or refused: then back in
   * line at the time the rules give).
   */
  private async claim(c: Campaign, contactId: string, now: number): Promise<StoredContact | undefined> {
    const keys = this.opts.store.keys;
    const [[, removed]] = (await this.opts.redis.multi().zrem(keys.ready(c.id), contactId).zadd(keys.leases(c.id), now, contactId).exec()) as [[Error | null, number], unknown];
    if (removed !== 1) {
      await this.opts.redis.zrem(keys.leases(c.id), contactId);
      return undefined;
    }
    const contact = await this.opts.store.contact(c.id, contactId);
    if (contact === undefined) {
      await this.opts.redis.zrem(keys.leases(c.id), contactId);
      return undefined;
    }
    const v = mayDial({ ...contact, tz: contact.tz }, now, this.rules(c), await this.opts.dnc.blocked(contact.e164, c.id));
    if (!v.ok) {
      await this.release(c.id, contactId, v.nextAllowedAt);
      return undefined;
    }
    return contact;
  }

  // ── preview (preview.ts): the engine's claim, release and settle, for an agent ──

  /** The contact an agent previews next (see PreviewDesk.next). */
  previewNext(campaignId: string, agentId: string): Promise<StoredContact | undefined> {
    return this.preview.next(campaignId, agentId);
  }

  previewSkip(campaignId: string, agentId: string, contactId: string): Promise<void> {
    return this.preview.skip(campaignId, agentId, contactId);
  }

  previewDial(campaignId: string, agentId: string, contactId: string, dial: (e164: string, callerId: string, variables: Readonly<Record<string, string>>) => Promise<Call>): Promise<Call> {
    return this.preview.dial(campaignId, agentId, contactId, dial);
  }

  isPreviewing(campaignId: string, agentId: string | undefined, contactId: string): Promise<boolean> {
    return this.preview.isHolding(campaignId, agentId, contactId);
  }

  /** Out of the lease; back in line at `at` (undefined: not again). */
  private async release(campaignId: string, contactId: string, at: number | undefined): Promise<void> {
    const m = this.opts.redis.multi().zrem(this.opts.store.keys.leases(campaignId), contactId);
    if (at !== undefined) m.zadd(this.opts.store.keys.ready(campaignId), at, contactId);
    await m.exec();
  }

  /** One attempt (the BullMQ processor; public for tests). */
  async attempt(job: Pick<Job<AttemptJob>, 'data' | 'id'>): Promise<Disposition | 'duplicate' | 'gone'> {
    const { campaignId, contactId, attempt } = job.data;
    const claimed = await this.opts.redis.set(this.k('attempt', `${campaignId}.${contactId}.${attempt}`), String(this.now()), 'EX', 86_400, 'NX');
    if (claimed !== 'OK') {
      // taken before (a worker that died mid-attempt): never dialled twice; the contact waits for its next attempt
      const c = await this.opts.store.get(campaignId);
      await this.release(campaignId, contactId, this.now() + (c?.retry.failed ?? 60) * 60_000);
      return 'duplicate';
    }
    const log = this.opts.logger?.child({ campaignId, contactId, attempt });
    let outcome: AnsweredOutcome = { disposition: 'failed', live: false, connected: false };
    let c: Campaign | undefined;
    let contact: StoredContact | undefined;
    let callId: string | undefined;
    try {
      c = await this.opts.store.get(campaignId);
      contact = await this.opts.store.contact(campaignId, contactId);
      if (c === undefined || contact === undefined) return 'gone';
      const campaign = c;
      // a callback, once dialled, is spent: the gap applies again to the next attempt
      const dialled: StoredContact = { ...withoutCallback(contact), attempts: attempt, lastAttemptAt: this.now() };
      await this.opts.store.saveContact(campaignId, dialled);
      contact = dialled;
      await this.opts.stats.attempted(campaignId, this.now());
      const ref = { campaignId, contactId, attempt, queue: campaign.queue };
      await this.opts.pacer?.take();
      this.emit({ type: 'outbound.dialing', ...ref });
      // placeCall hands the answered call to `run` and returns at once: the attempt ends with the call
      let finished: Promise<void> = Promise.resolve();
      try {
        await this.opts.placeCall(
          dialled.e164,
          (call) => {
            callId = call.id;
            const deps: AnsweredDeps = {
              ...this.answeredDeps(),
              connected: async (agentId, id) => {
                const now = await this.opts.store.contact(campaignId, contactId);
                if (now !== undefined) await this.opts.store.saveContact(campaignId, { ...now, lastAgentId: agentId, lastAgentAttempt: attempt, lastCallId: id });
              },
            };
            finished = runAnswered(call, campaign, dialled, ref, deps).then((o) => {
              outcome = o;
            });
            return finished;
          },
          { ringTimeoutMs: Math.max(15_000, this.opts.ringTimeoutMs), callerId: campaign.callerId },
        );
        await finished;
      } catch (err) {
        outcome = { ...outcome, disposition: dispositionOfDial(err instanceof DialError ? err.reason : 'failed') };
        if (!(err instanceof DialError)) log?.warn({ err }, 'dialer attempt failed');
      }
      return outcome.disposition;
    } finally {
      if (c !== undefined && contact !== undefined) {
        const done = outcome;
        await this.settle(c, contact, done, callId).catch((err: unknown) => log?.error({ err, code: 'DIALER_STORE_UNAVAILABLE' }, 'attempt outcome not stored'));
      }
      // the campaign or the contact was deleted meanwhile: nothing to put back, but the lease goes
      else await this.release(campaignId, contactId, undefined).catch(() => undefined);
      log?.info({ disposition: outcome.disposition, amd: outcome.amd }, 'dialer attempt');
    }
  }

  private answeredDeps(): Omit<AnsweredDeps, 'connected'> {
    return {
      queueCalls: this.opts.queueCalls,
      prompt: (name) => this.opts.prompt(name),
      speak: (text) => this.opts.speak(text),
      safeHarborMs: this.opts.safeHarborMs,
      scratchDir: this.opts.scratchDir,
      ...(this.opts.amd === undefined ? {} : { amd: this.opts.amd }),
      emit: (e) => this.emit(e),
      now: this.now,
      wrapUpMs: (queue) => this.opts.wrapUpMs(queue),
      ...(this.opts.logger === undefined ? {} : { logger: this.opts.logger }),
    };
  }

  /** An outbound event from elsewhere (an agent's disposition) on the same sink. */
  publish(e: OutboundEvent): void {
    this.emit(e);
  }

  private emit(e: OutboundEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch (err) {
      this.opts.logger?.warn({ err }, 'outbound event not published');
    }
  }

  private async settle(c: Campaign, contact: StoredContact, o: AnsweredOutcome, callId: string | undefined): Promise<void> {
    const now = this.now();
    const d = o.disposition;
    const left: StoredContact = { ...contact, lastDisposition: d, ...(o.agentId === undefined ? {} : { lastAgentId: o.agentId }), ...(callId === undefined ? {} : { lastCallId: callId }) };
    // atomically with an agent's disposition for this attempt: theirs (a callback, DNC) decides over the dialer's retry
    await this.opts.store.settle(c.id, left, nextAttemptAt(c, left, d, now));
    await this.opts.stats.finished(c.id, d, now, { live: o.live, connected: o.connected, ...(o.handleMs === undefined ? {} : { handleMs: o.handleMs }) });
    if (o.messageLeft === true) await this.opts.stats.outcome(c.id, 'message-left');
    this.emit({ type: 'outbound.disposition', campaignId: c.id, contactId: contact.id, attempt: contact.attempts, queue: c.queue, disposition: d, by: 'dialer', ...(callId === undefined ? {} : { callId }), ...(o.agentId === undefined ? {} : { agentId: o.agentId }) });
  }
}

/** When the dialer calls a contact again after its own disposition `d` (undefined: never). */
export function nextAttemptAt(c: Campaign, contact: StoredContact, d: Disposition, now: number): number | undefined {
  if (FINAL.has(d) || contact.attempts >= c.maxAttempts) return undefined;
  const retryMin = d === 'busy' ? c.retry.busy : d === 'no-answer' ? c.retry.noAnswer : d === 'machine' ? c.retry.machine : c.retry.failed;
  return now + retryMin * 60_000;
}
