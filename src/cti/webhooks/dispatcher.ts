/**
 * Turns the event stream into webhook deliveries. Every instance is one
 * consumer of the stream's consumer group `webhooks`, so each event is read
 * by one instance; it queues one BullMQ job per matching active webhook and
 * only then acknowledges the event:
 *
 *   cti:events ──XREADGROUP (group webhooks, consumer = instance id)──▶ queue jobs <webhookId>.<eventId> ──▶ XACK
 *        ▲                                                                    │
 *        └── XAUTOCLAIM (pending > 30 s: the instance died holding them) ─────┘
 *
 * Nothing is lost when an instance dies between reading and queueing: the
 * event stays pending in the group, and another instance claims it (or the
 * same one reads its own pending entries again when it restarts). Nothing is
 * doubled by a re-read: the job id is the (webhook, event) pair and BullMQ
 * ignores a job id it holds already (completed jobs are kept a day, failed
 * ones a week).
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { decodeEntry } from '../events/stream.js';
import { wantsEvent, type WebhookRegistry } from './registry.js';
import { bullConnection, jobIdFor, QUEUE_NAME, within, type DeliveryJob, type DeliveryResult, type DeliveryView, type WebhookDeliveries } from './jobs.js';

export const GROUP = 'webhooks';

export interface DispatcherOptions {
  /** The server's client (XACK, XAUTOCLAIM, XGROUP; the reads go on a duplicate). */
  redis: Redis;
  /** The event stream's key (EventStream.key). */
  streamKey: string;
  registry: WebhookRegistry;
  /** For BullMQ's own connection. */
  redisUrl: string;
  /** This instance's consumer name in the group (the instance id). */
  consumer: string;
  settings: Config['cti']['webhooks'];
  logger?: Logger;
  /** Claim entries another consumer has held unacknowledged this long. */
  claimIdleMs?: number;
  /** How often to look for such entries. */
  claimEveryMs?: number;
  /** Entries per read. */
  count?: number;
  blockMs?: number;
}

type Entry = [id: string, fields: string[] | null];

const DAY_S = 86_400;

export class WebhookDispatcher implements WebhookDeliveries {
  readonly queue: Queue<DeliveryJob, DeliveryResult>;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** False until the group exists (again: it goes with the stream if that is deleted). */
  private grouped = false;
  private lastError: string | undefined;
  /** Jobs handed to BullMQ (duplicates BullMQ ignored included), entries acknowledged, entries claimed. */
  readonly counts = { queued: 0, acked: 0, claimed: 0 };

  constructor(private readonly opts: DispatcherOptions) {
    this.queue = new Queue<DeliveryJob, DeliveryResult>(QUEUE_NAME, {
      connection: bullConnection(opts.redisUrl, false),
      prefix: opts.registry.keys.bullPrefix(),
    });
    this.queue.on('error', (err: Error) => this.warn(err, 'webhook queue: redis error'));
  }

  /** Join the group (created at the stream's end on the very first start) and start reading. Never throws. */
  async start(): Promise<void> {
    if (this.running !== undefined) return;
    await this.ensureGroup(true).catch((err: unknown) => this.warn(err, 'webhook dispatcher: event stream unavailable at start, retrying'));
    const abort = (this.abort = new AbortController());
    this.running = this.run(abort.signal);
  }

  /** Stop reading (a batch being queued is finished first, for a few seconds at most: what is not acked is read again). */
  async stop(): Promise<void> {
    this.abort?.abort();
    if (this.running !== undefined && !(await within(5000, this.running))) this.opts.logger?.warn({ code: 'CTI_WEBHOOKS_UNAVAILABLE' }, 'webhook dispatcher did not stop in time: going on');
    this.running = undefined;
    await within(2000, this.queue.close());
  }

  /** The webhook's recent deliveries (the events last queued for it), newest first. */
  async deliveries(webhookId: string, limit: number): Promise<DeliveryView[]> {
    const ids = await this.opts.registry.recentEvents(webhookId, limit);
    const views = await Promise.all(
      ids.map(async (eventId): Promise<DeliveryView | undefined> => {
        const job = await this.queue.getJob(jobIdFor(webhookId, eventId));
        if (job === undefined) return undefined; // removed (older than its retention)
        const state = await job.getState();
        const result = job.returnvalue as DeliveryResult | null | undefined;
        return {
          eventId,
          eventType: job.data.eventType,
          state,
          attemptsMade: job.attemptsMade,
          ...(result !== null && result !== undefined && 'status' in result ? { status: result.status } : {}),
          ...(job.failedReason ? { lastError: job.failedReason } : {}),
          queuedAt: new Date(job.timestamp).toISOString(),
          ...(job.finishedOn === undefined ? {} : { finishedAt: new Date(job.finishedOn).toISOString() }),
        };
      }),
    );
    return views.filter((v) => v !== undefined);
  }

  /**
   * `first`: create the group at the stream's end (and the stream if need be).
   * Later (the stream was deleted with its group): from the start of what
   * is there, and only once the publisher has made the stream again.
   */
  private async ensureGroup(first: boolean): Promise<void> {
    try {
      if (first) await this.opts.redis.xgroup('CREATE', this.opts.streamKey, GROUP, '$', 'MKSTREAM');
      else await this.opts.redis.xgroup('CREATE', this.opts.streamKey, GROUP, '0');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
    this.grouped = true;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const reader = this.opts.redis.duplicate();
    reader.on('error', () => undefined); // the loop reports what fails
    const stop = (): void => reader.disconnect();
    signal.addEventListener('abort', stop, { once: true });
    const claimEveryMs = this.opts.claimEveryMs ?? 10_000;
    // entries this consumer read and did not acknowledge (a failed batch, or the previous run of this instance) come first
    let ownPending = true;
    let nextClaim = 0;
    try {
      while (!signal.aborted) {
        try {
          if (!this.grouped) await this.ensureGroup(false);
          if (Date.now() >= nextClaim) {
            nextClaim = Date.now() + claimEveryMs;
            await this.claim(signal);
          }
          const rows = await this.read(reader, ownPending ? '0' : '>');
          if (ownPending && rows.length === 0) ownPending = false;
          else await this.handle(rows);
          this.lastError = undefined;
        } catch (err) {
          if (signal.aborted) break;
          if (err instanceof Error && err.message.startsWith('NOGROUP')) this.grouped = false;
          ownPending = true;
          this.warn(err, 'webhook dispatcher: reading or queueing failed, retrying');
          await sleep(1000, signal);
        }
      }
    } finally {
      signal.removeEventListener('abort', stop);
      reader.disconnect();
    }
  }

  private async read(reader: Redis, from: '0' | '>'): Promise<Entry[]> {
    const count = this.opts.count ?? 200;
    // entries of this consumer's own pending list that were trimmed from the stream come back without fields (null)
    const res: [string, Entry[]][] | null =
      from === '>'
        ? await reader.xreadgroup('GROUP', GROUP, this.opts.consumer, 'COUNT', count, 'BLOCK', this.opts.blockMs ?? 1000, 'STREAMS', this.opts.streamKey, '>')
        : await reader.xreadgroup('GROUP', GROUP, this.opts.consumer, 'COUNT', count, 'STREAMS', this.opts.streamKey, '0');
    return res?.[0]?.[1] ?? [];
  }

  /** Take over entries other consumers have held too long (their instance died), and queue them. */
  private async claim(signal: AbortSignal): Promise<void> {
    const idle = this.opts.claimIdleMs ?? 30_000;
    let cursor = '0-0';
    // bounded per pass: a huge backlog is worked through over several passes, reads in between
    for (let pass = 0; pass < 50 && !signal.aborted; pass++) {
      const [next, entries] = (await this.opts.redis.xautoclaim(this.opts.streamKey, GROUP, this.opts.consumer, idle, cursor, 'COUNT', this.opts.count ?? 200)) as [
        string,
        Entry[],
        string[]?,
      ];
      if (entries.length > 0) {
        this.counts.claimed += entries.length;
        this.opts.logger?.info({ claimed: entries.length, consumer: this.opts.consumer }, 'webhook events claimed from a consumer that stopped acknowledging');
        await this.handle(entries);
      }
      if (next === '0-0') return;
      cursor = next;
    }
  }

  /** Queue the deliveries of a batch, then acknowledge it. */
  private async handle(rows: Entry[]): Promise<void> {
    if (rows.length === 0) return;
    const hooks = (await this.opts.registry.list()).filter((h) => h.active);
    const { attempts, backoffMs } = this.opts.settings;
    const jobOpts: JobsOptions = {
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: { age: DAY_S },
      removeOnFail: { age: 7 * DAY_S },
    };
    const jobs: { name: string; data: DeliveryJob; opts: JobsOptions }[] = [];
    for (const [id, fields] of rows) {
      const entry = hooks.length === 0 ? undefined : decodeEntry(id, fields);
      if (entry === undefined) continue; // trimmed from the stream, or not an event: nothing to deliver
      for (const h of hooks) {
        if (!wantsEvent(h, entry.event.type)) continue;
        jobs.push({
          name: entry.event.type,
          data: { webhookId: h.id, eventId: id, eventType: entry.event.type, body: entry.json },
          opts: { ...jobOpts, jobId: jobIdFor(h.id, id) },
        });
      }
    }
    if (jobs.length > 0) {
      await this.queue.addBulk(jobs);
      await this.opts.registry.noteQueued(jobs.map((j) => ({ webhookId: j.data.webhookId, eventId: j.data.eventId })));
      this.counts.queued += jobs.length;
    }
    await this.opts.redis.xack(this.opts.streamKey, GROUP, ...rows.map(([id]) => id));
    this.counts.acked += rows.length;
  }

  /** Logs a failure once until things work again (a Redis outage is one line, not one a second). */
  private warn(err: unknown, msg: string): void {
    const text = err instanceof Error ? err.message : String(err);
    if (text === this.lastError) return;
    this.lastError = text;
    this.opts.logger?.warn({ err, code: 'CTI_WEBHOOKS_UNAVAILABLE' }, msg);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
