/**
 * Sends the queued webhook deliveries: one signed POST of the event JSON per
 * attempt. Any instance's worker may take any job; BullMQ lets one worker
 * hold a job at a time.
 *
 *   2xx                   delivered
 *   410 Gone              the receiver is gone for good: the webhook is made
 *                         inactive (no more deliveries, this one not retried)
 *   anything else, a network error or the timeout
 *                         thrown: BullMQ retries with exponential backoff
 *                         (cti.webhooks.backoffMs, doubling) up to
 *                         cti.webhooks.attempts, then the job stays failed
 *
 * Redirects are not followed (a 3xx is a failure): the URL registered is
 * the one signed deliveries go to. A job whose webhook was deleted or made
 * inactive since it was queued completes without a request.
 *
 * Delivery is at least once: an instance that dies during a POST leaves the
 * job stalled, and BullMQ gives it to another worker, which sends it again
 * with the same Idempotency-Key. Deliveries of different events run
 * concurrently, so they may arrive out of order: receivers order by the
 * event id (or time), not by arrival.
 *
 * Logs carry webhookId and eventId, never the body (it holds call variables).
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { WebhookRegistry } from './registry.js';
import { signatureHeaders } from './sign.js';
import { bullConnection, QUEUE_NAME, within, type DeliveryJob, type DeliveryResult } from './jobs.js';

export const USER_AGENT = 'hotline-webhooks/1';

export interface WebhookWorkerOptions {
  /** For BullMQ's own (blocking) connection. */
  redisUrl: string;
  registry: WebhookRegistry;
  settings: Config['cti']['webhooks'];
  logger?: Logger;
  /** Deliveries in flight at once on this instance. */
  concurrency?: number;
}

/** Why a request did not get a response, in a few words (for the job's error and the log). */
function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (typeof cause?.code === 'string') return `network error: ${cause.code}`;
    if (typeof cause?.message === 'string') return `network error: ${cause.message}`;
    return `network error: ${err.message}`;
  }
  return 'network error';
}

export class WebhookWorker {
  private readonly worker: Worker<DeliveryJob, DeliveryResult>;
  private running: Promise<void> | undefined;
  private lastError: string | undefined;
  /** Successful deliveries by this worker. */
  delivered = 0;

  constructor(private readonly opts: WebhookWorkerOptions) {
    this.worker = new Worker<DeliveryJob, DeliveryResult>(QUEUE_NAME, (job) => this.deliver(job), {
      connection: bullConnection(opts.redisUrl, true),
      prefix: opts.registry.keys.bullPrefix(),
      concurrency: opts.concurrency ?? 10,
      autorun: false,
    });
    this.worker.on('error', (err: Error) => {
      if (err.message === this.lastError) return;
      this.lastError = err.message;
      opts.logger?.warn({ err, code: 'CTI_WEBHOOKS_UNAVAILABLE' }, 'webhook worker: redis error');
    });
    this.worker.on('failed', (job: Job<DeliveryJob, DeliveryResult> | undefined, err: Error) => {
      if (job === undefined) return;
      const finalAttempt = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!finalAttempt) return;
      opts.logger?.warn(
        { webhookId: job.data.webhookId, eventId: job.data.eventId, attempts: job.attemptsMade, error: err.message, code: 'CTI_WEBHOOK_GAVE_UP' },
        'webhook delivery given up',
      );
    });
  }

  start(): void {
    if (this.running !== undefined) return;
    this.running = this.worker.run().catch((err: unknown) => this.opts.logger?.error({ err }, 'webhook worker stopped'));
  }

  /**
   * Stop taking jobs; the ones in flight finish (each is bounded by the
   * timeout). BullMQ's close does not return while Redis is unreachable: after
   * a grace period the stop goes on without it (the process is exiting).
   */
  async stop(): Promise<void> {
    const closed = await within(this.opts.settings.timeoutMs + 2000, this.worker.close().then(() => this.running));
    if (!closed) this.opts.logger?.warn({ code: 'CTI_WEBHOOKS_UNAVAILABLE' }, 'webhook worker did not close in time (redis unreachable?): going on');
    this.running = undefined;
  }

  /** One attempt of one delivery (BullMQ's processor; public for tests). */
  async deliver(job: Pick<Job<DeliveryJob>, 'data' | 'attemptsMade'>): Promise<DeliveryResult> {
    const { webhookId, eventId, eventType, body } = job.data;
    const log = { webhookId, eventId, eventType, attempt: job.attemptsMade + 1 };
    const hook = await this.opts.registry.get(webhookId);
    if (hook === undefined || !hook.active) {
      this.opts.logger?.debug(log, 'webhook delivery dropped: the webhook was deleted or is inactive');
      return { skipped: hook === undefined ? 'deleted' : 'inactive' };
    }
    const { timeoutMs } = this.opts.settings;
    let res: Response;
    try {
      res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          ...signatureHeaders({ secret: hook.secret, webhookId, eventId, eventType, body, timestamp: Math.floor(Date.now() / 1000) }),
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const why = describe(err, timeoutMs);
      this.opts.logger?.info({ ...log, error: why }, 'webhook delivery attempt failed');
      throw new Error(why, { cause: err });
    }
    // the response body is not needed; free the connection
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) {
      this.delivered += 1;
      this.opts.logger?.debug({ ...log, status: res.status }, 'webhook delivered');
      return { status: res.status };
    }
    if (res.status === 410) {
      await this.opts.registry.deactivate(webhookId);
      this.opts.logger?.warn({ ...log, status: 410, code: 'CTI_WEBHOOK_GONE' }, 'webhook receiver answered 410 Gone: webhook deactivated');
      throw new UnrecoverableError('HTTP 410 Gone: webhook deactivated');
    }
    this.opts.logger?.info({ ...log, status: res.status }, 'webhook delivery attempt refused');
    throw new Error(`HTTP ${res.status}`);
  }
}

