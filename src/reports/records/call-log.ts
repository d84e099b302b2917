/**
 * The call log: a Redis Stream of call summaries (`<prefix>calls:log`), one
 * entry per finished call, written by the server that carried it and read by
 * the records worker. A summary that cannot be written (Redis down) waits in
 * memory and is retried with backoff; `flush()` at shutdown tries once more.
 * Each entry carries the call id, and the worker keys on it, so a retry that
 * did land twice still makes one record.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import type { RedisKeys } from '../../store/redis.js';
import type { CallSummary } from '../core/cdr.js';

/** Beyond this many unsent summaries the oldest are dropped (logged): memory stays bounded during a long outage. */
const MAX_PENDING = 50_000;
const MAXLEN = 1_000_000;

export interface CallLogEntry {
  id: string;
  summary: CallSummary;
}

export class CallLog {
  readonly key: string;
  private readonly pending: CallSummary[] = [];
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private writing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
    private readonly opts: { logger?: Logger; retry?: { initialMs: number; maxMs: number } } = {},
  ) {
    this.key = keys.key('calls', 'log');
    this.delayMs = opts.retry?.initialMs ?? 500;
  }

  /** Queue a summary for the stream (never throws). */
  append(summary: CallSummary): void {
    if (this.pending.length >= MAX_PENDING) {
      const dropped = this.pending.shift();
      this.opts.logger?.error({ callId: dropped?.callId, code: 'RECORDS_CALL_LOG_OVERFLOW' }, 'call log backlog full: oldest summary dropped');
    }
    this.pending.push(summary);
    void this.write();
  }

  get backlog(): number {
    return this.pending.length;
  }

  private write(): Promise<void> {
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      try {
        await this.redis.xadd(this.key, 'MAXLEN', '~', MAXLEN, '*', 'callId', next.callId, 'summary', JSON.stringify(next));
      } catch (err) {
        this.opts.logger?.warn({ err, callId: next.callId, backlog: this.pending.length, code: 'RECORDS_CALL_LOG_UNAVAILABLE', retryInMs: this.delayMs }, 'call summary not written yet');
        if (!this.stopped && this.timer === undefined) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            void this.write();
          }, this.delayMs);
          this.timer.unref();
        }
        this.delayMs = Math.min(this.delayMs * 2, this.opts.retry?.maxMs ?? 30_000);
        return;
      }
      this.pending.shift();
      this.delayMs = this.opts.retry?.initialMs ?? 500;
    }
  }

  /** One last attempt for what is pending (shutdown). */
  async flush(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.write();
    if (this.pending.length > 0) this.opts.logger?.error({ lost: this.pending.length, code: 'RECORDS_CALL_LOG_UNAVAILABLE' }, 'call summaries not written at shutdown');
  }

  /** Entries after `afterId` ('-' from the start), oldest first. Unreadable entries come back with summary undefined. */
  async read(afterId: string, count: number): Promise<{ id: string; summary: CallSummary | undefined }[]> {
    const rows = await this.redis.xrange(this.key, afterId === '-' ? '-' : `(${afterId}`, '+', 'COUNT', count);
    return rows.map(([id, fields]) => {
      const i = fields.indexOf('summary');
      return { id, summary: i >= 0 ? parseSummary(fields[i + 1]) : undefined };
    });
  }
}

export function parseSummary(json: string | undefined): CallSummary | undefined {
  if (json === undefined) return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const s = v as Partial<CallSummary>;
    if (s.v !== 1 || typeof s.callId !== 'string' || typeof s.startedAt !== 'number' || typeof s.endedAt !== 'number') return undefined;
    return s as CallSummary;
  } catch {
    return undefined;
  }
}
