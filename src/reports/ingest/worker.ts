/**
 * Runs the records ingester as a BullMQ job: a job scheduler adds an `ingest`
 * job every `everyMs`, and whichever instance's worker takes it copies what
 * is new. BullMQ hands a job to one worker at a time, and the ingester's
 * advisory lock serialises the rare overlap of two runs, so any number of
 * instances may run this worker.
 *
 * A run that fails (PostgreSQL down: DB_UNAVAILABLE) leaves the checkpoints
 * where they were; the next tick tries again from there. Failures are logged
 * once per change of cause, not once per tick.
 */
import { Queue, Worker } from 'bullmq';
import type { Logger } from '../../log.js';
import { bullConnection, within } from '../../store/bull.js';
import type { IngestResult, RecordsIngester } from './ingester.js';

export const RECORDS_QUEUE = 'records';
const SCHEDULER_ID = 'records-ingest';

export interface RecordsWorkerOptions {
  redisUrl: string;
  /** `keys.key('bull')`: the BullMQ prefix every queue of this server shares. */
  bullPrefix: string;
  ingester: RecordsIngester;
  everyMs: number;
  logger?: Logger;
}

export class RecordsWorker {
  private readonly queue: Queue;
  private readonly worker: Worker<unknown, IngestResult>;
  private running: Promise<void> | undefined;
  private lastError: string | undefined;
  /** Successful runs by this instance's worker. */
  runs = 0;

  constructor(private readonly opts: RecordsWorkerOptions) {
    this.queue = new Queue(RECORDS_QUEUE, { connection: bullConnection(opts.redisUrl, false), prefix: opts.bullPrefix });
    this.worker = new Worker<unknown, IngestResult>(RECORDS_QUEUE, () => this.run(), {
      connection: bullConnection(opts.redisUrl, true),
      prefix: opts.bullPrefix,
      concurrency: 1,
      autorun: false,
    });
    const onError = (err: Error): void => this.noteError(err, 'RECORDS_QUEUE_UNAVAILABLE');
    this.queue.on('error', onError);
    this.worker.on('error', onError);
  }

  private async run(): Promise<IngestResult> {
    try {
      const result = await this.opts.ingester.runOnce();
      this.runs += 1;
      if (this.lastError !== undefined) this.opts.logger?.info('records: ingesting again');
      this.lastError = undefined;
      if (result.calls > 0) this.opts.logger?.debug({ ...result }, 'records ingested');
      return result;
    } catch (err) {
      const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'RECORDS_INGEST_FAILED';
      this.noteError(err instanceof Error ? err : new Error(String(err)), code);
      throw err;
    }
  }

  private noteError(err: Error, code: string): void {
    if (err.message === this.lastError) return;
    this.lastError = err.message;
    this.opts.logger?.warn({ err, code }, 'records not ingested yet: the journals keep them until the next run');
  }

  async start(): Promise<void> {
    if (this.running !== undefined) return;
    await this.schedule();
    this.running = this.worker.run().catch((err: unknown) => this.opts.logger?.error({ err }, 'records worker stopped'));
  }

  /** The scheduler lives in Redis: with Redis down at start, try again until it is there. */
  private async schedule(): Promise<void> {
    try {
      await this.queue.upsertJobScheduler(SCHEDULER_ID, { every: this.opts.everyMs }, { name: 'ingest', opts: { removeOnComplete: 100, removeOnFail: 100 } });
    } catch (err) {
      this.noteError(err instanceof Error ? err : new Error(String(err)), 'RECORDS_QUEUE_UNAVAILABLE');
      this.retry = setTimeout(() => void this.schedule(), 5000);
      this.retry.unref();
    }
  }

  private retry: NodeJS.Timeout | undefined;

  async stop(): Promise<void> {
    clearTimeout(this.retry);
    const closed = await within(10_000, Promise.all([this.worker.close().then(() => this.running), this.queue.close()]));
    if (!closed) this.opts.logger?.warn({ code: 'RECORDS_QUEUE_UNAVAILABLE' }, 'records worker did not close in time (redis unreachable?): going on');
    this.running = undefined;
  }
}
