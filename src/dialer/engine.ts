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
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Call } from '../calls/call.js';
import { DialError } from '../calls/dial.js';
import type { QueueCalls } from '../calls/queue-call.js';
import { bullConnection, within } from '../store/bull.js';
import type { RedisKeys } from '../store/redis.js';
import { minutesOf, type Campaign } from './campaign.js';
import type { CampaignStore, StoredContact } from './campaign-store.js';
import { FINAL, mayDial, type CallingRules, type Disposition } from './compliance.js';
import type { DncList } from './dnc.js';
import { pace } from './pacing.js';
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
  placeCall(number: string, run: (call: Call) => Promise<void>, opts: { ringTimeoutMs: number }): Promise<Call>;
  prompt(name: string): string;
  /** Trunk capacity and calls per second. */
  lines: number;
  cps: number;
  /** At least 15 s. */
  ringTimeoutMs: number;
  /** A person answered with no agent within this is given the safe-harbor message (default 2 s). */
  safeHarborMs: number;
  /** The campaign queue's wrap-up, for the handling time pacing expects. */
  wrapUpMs(queue: string): number;
  tickMs?: number;
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

  constructor(private readonly opts: DialerEngineOptions) {
    this.now = opts.now ?? Date.now;
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
      const stale = await this.opts.redis.zrangebyscore(this.k('leases', c.id), '-inf', this.now() - LEASE_MS);
      for (const id of stale) {
        await this.opts.redis.multi().zrem(this.k('leases', c.id), id).zadd(this.opts.store.keys.ready(c.id), 'NX', this.now(), id).exec();
      }
    }
  }

  /** One pacing pass over the running campaigns (public for tests). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const c of await this.opts.store.list()) if (c.status === 'running') await this.paceCampaign(c);
    } catch (err) {
      this.opts.logger?.warn({ err, code: 'DIALER_STORE_UNAVAILABLE' }, 'dialer tick skipped');
    } finally {
      this.ticking = false;
    }
  }

  private rules(c: Campaign): CallingRules {
    return { windowStartMin: minutesOf(c.window.start), windowEndMin: minutesOf(c.window.end), minGapMs: c.minGapMinutes * 60_000, maxAttempts: c.maxAttempts };
  }

  private async paceCampaign(c: Campaign): Promise<void> {
    // one instance paces a campaign per tick
    const mine = await this.opts.redis.set(this.k('tick', c.id), '1', 'PX', Math.max(200, (this.opts.tickMs ?? 1000) - 50), 'NX');
    if (mine !== 'OK') return;
    const now = this.now();
    const a = this.opts.agents(c.queue);
    const count = (...states: string[]): number => states.reduce((n, s) => n + (a[s] ?? 0), 0);
    const available = count('available');
    const busy = count('reserved', 'ringing', 'on-call', 'on-call-outbound', 'wrap-up');
    // every contact being dialled holds a lease (any instance): that is what is in flight
    const inFlight = await this.opts.redis.zcard(this.k('leases', c.id));
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
      linesFree: this.opts.lines - inFlight,
      cpsLeft: this.opts.cps,
    });
    if (d.dial <= 0) return;
    const candidates = await this.opts.redis.zrangebyscore(this.opts.store.keys.ready(c.id), '-inf', now, 'LIMIT', 0, d.dial * 4);
    let placed = 0;
    for (const contactId of candidates) {
      if (placed >= d.dial) break;
      // the claim: whoever removes it from the line dials it
      const [[, removed]] = (await this.opts.redis.multi().zrem(this.opts.store.keys.ready(c.id), contactId).zadd(this.k('leases', c.id), now, contactId).exec()) as [[Error | null, number], unknown];
      if (removed !== 1) {
        await this.opts.redis.zrem(this.k('leases', c.id), contactId);
        continue;
      }
      const contact = await this.opts.store.contact(c.id, contactId);
      if (contact === undefined) {
        await this.opts.redis.zrem(this.k('leases', c.id), contactId);
        continue;
      }
      const v = mayDial({ ...contact, tz: contact.tz }, now, this.rules(c), await this.opts.dnc.blocked(contact.e164, c.id));
      if (!v.ok) {
        await this.release(c.id, contactId, v.nextAllowedAt);
        continue;
      }
      const attempt = contact.attempts + 1;
      await this.queue.add('attempt', { campaignId: c.id, contactId, attempt }, { jobId: `${c.id}.${contactId}.${attempt}`, removeOnComplete: 1000, removeOnFail: 1000, attempts: 1 });
      placed += 1;
    }
  }

  /** Out of the lease; back in line at `at` (undefined: not again). */
  private async release(campaignId: string, contactId: string, at: number | undefined): Promise<void> {
    const m = this.opts.redis.multi().zrem(this.k('leases', campaignId), contactId);
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
    let disposition: Disposition = 'failed';
    let live = false;
    let connected = false;
    let handleMs: number | undefined;
    let c: Campaign | undefined;
    let contact: StoredContact | undefined;
    try {
      c = await this.opts.store.get(campaignId);
      contact = await this.opts.store.contact(campaignId, contactId);
      if (c === undefined || contact === undefined) return 'gone';
      const campaign = c;
      const dialled: StoredContact = { ...contact, attempts: attempt, lastAttemptAt: this.now() };
      await this.opts.store.saveContact(campaignId, dialled);
      contact = dialled;
      await this.opts.stats.attempted(campaignId);
      // placeCall hands the answered call to `run` and returns at once: the attempt ends with the call
      let finished: Promise<void> = Promise.resolve();
      const handle = async (call: Call): Promise<void> => {
        live = true;
        for (const [k, v] of Object.entries({ ...campaign.variables, ...dialled.fields })) call.variables.set(k, v);
        call.variables.set('campaign_id', campaign.id);
        call.variables.set('contact_id', dialled.id);
        let safeHarbor = false;
        const timer = setTimeout(() => {
          if (call.state === 'connected' || call.isEnded()) return;
          // nobody free within the safe-harbor time: the message, then goodbye
          safeHarbor = true;
          void (async () => {
            await call.caller.endpoint?.play([this.opts.prompt('no-agent')]).catch(() => undefined);
            if (!call.isEnded()) await call.end('no-agent');
          })();
        }, this.opts.safeHarborMs);
        const ended = new Promise<void>((r) => (call.isEnded() ? r() : call.once('ended', () => r())));
        const result = await this.opts.queueCalls.run(call, { queue: campaign.queue, priority: 9 });
        clearTimeout(timer);
        if (result === 'connected' && !safeHarbor) {
          connected = true;
          disposition = 'answered';
          await ended;
          handleMs = Math.max(0, (call.endedAt ?? this.now()) - (call.connectedAt ?? this.now())) + this.opts.wrapUpMs(campaign.queue);
        } else disposition = 'abandoned';
        await ended;
      };
      try {
        await this.opts.placeCall(
          dialled.e164,
          (call) => {
            finished = handle(call);
            return finished;
          },
          { ringTimeoutMs: Math.max(15_000, this.opts.ringTimeoutMs) },
        );
        await finished;
      } catch (err) {
        const reason = err instanceof DialError ? err.reason : 'failed';
        disposition = reason === 'busy' ? 'busy' : reason === 'no-answer' || reason === 'cancelled' ? 'no-answer' : 'failed';
      }
      return disposition;
    } finally {
      if (c !== undefined && contact !== undefined) await this.settle(c, contact, disposition, { live, connected, ...(handleMs === undefined ? {} : { handleMs }) }).catch((err: unknown) => log?.error({ err, code: 'DIALER_STORE_UNAVAILABLE' }, 'attempt outcome not stored'));
      // the campaign or the contact was deleted meanwhile: nothing to put back, but the lease goes
      else await this.release(campaignId, contactId, undefined).catch(() => undefined);
      log?.info({ disposition }, 'dialer attempt');
    }
  }

  private async settle(c: Campaign, contact: StoredContact, d: Disposition, o: { live: boolean; connected: boolean; handleMs?: number }): Promise<void> {
    const now = this.now();
    await this.opts.store.saveContact(c.id, { ...contact, lastDisposition: d });
    await this.opts.stats.finished(c.id, d, now, o);
    const retryMin = d === 'busy' ? c.retry.busy : d === 'no-answer' ? c.retry.noAnswer : d === 'machine' ? c.retry.machine : c.retry.failed;
    const again = FINAL.has(d) || contact.attempts >= c.maxAttempts ? undefined : now + retryMin * 60_000;
    await this.release(c.id, contact.id, again);
  }
}
