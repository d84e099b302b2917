/**
 * The retention policy: a recording's audio is deleted once it is older (by
 * its start) than its queue's `recording.retentionDays`, else the global
 * `recording.retentionDays`; 0 or unset means keep for ever. Voicemail rows
 * (queue `voicemail:<mailbox>`) and rows without a queue follow the global
 * setting. The row stays, marked `purged_at` / `purge_reason`, and the purge
 * is audited (principal `system:retention`).
 *
 * One pass (`runOnce`): the expired rows are selected in SQL, oldest first, in
 * batches; for each the file is deleted (one already gone is fine), then the
 * row is marked and the audit row written in one transaction, only if the row
 * was not marked meanwhile — so passes are idempotent, several instances may
 * run at once, and a crash between the file delete and the row update is
 * repaired by the next pass (the row is still unmarked; its file is already
 * gone). A file that cannot be deleted (permissions…) leaves its row unmarked
 * for the next pass. With `roots`, a row pointing outside them is never
 * deleted (logged): the database alone cannot make this process remove
 * arbitrary files. With `instanceId`, a pass purges only the recordings this
 * instance stored (each instance has its own data dir, so only it can delete them).
 *
 * `start()` runs a pass after `initialDelayMs`, then every `intervalMs` after
 * the previous pass ended. A pass that fails (database down) is logged as a
 * warning with its code and simply tried again next time; nothing escapes the
 * timer.
 */
import { rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Logger } from '../log.js';
import { DbError, type Db } from '../store/db.js';
import { insertAudit } from './audit.js';

export const RETENTION_PRINCIPAL = 'system:retention';

/** Days to keep audio: per queue id (0: for ever), and for every other row (0: for ever). */
export interface RetentionPolicy {
  defaultDays: number;
  queues: Readonly<Record<string, number>>;
}

/** The policy of a config: `recording.retentionDays` and each queue's `recording.retentionDays`. */
export function retentionPolicy(config: {
  recording: { retentionDays?: number };
  queues: readonly { id: string; recording?: { retentionDays?: number } }[];
}): RetentionPolicy {
  const queues: Record<string, number> = {};
  for (const q of config.queues) if (q.recording?.retentionDays !== undefined) queues[q.id] = q.recording.retentionDays;
  return { defaultDays: config.recording.retentionDays ?? 0, queues };
}

/** The timer functions a pass is scheduled with (tests pass fakes). */
export interface RetentionTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RecordingRetentionOptions {
  /** The current database, or undefined while it is down. */
  db: () => Db | undefined;
  policy: RetentionPolicy;
  /** Written into the purge audit rows. */
  tenant?: string;
  /**
   * This instance: only rows it stored (recordings.stored_by), and rows from before that column,
   * are purged here. Every instance has its own data dir, so a file recorded elsewhere is not on
   * this disk: "already gone" would mark it purged while its audio lives on.
   */
  instanceId?: string;
  /** Only files under these directories are deleted (unset: any path a row names). */
  roots?: readonly string[];
  logger?: Logger;
  /** Between the end of one pass and the next; default 1 h. */
  intervalMs?: number;
  /** Before the first pass after start(); default 60 s. */
  initialDelayMs?: number;
  /** Rows per SELECT; default 500. */
  batchSize?: number;
  timers?: RetentionTimers;
}

export interface RetentionResult {
  /** Rows marked purged in this pass. */
  purged: number;
  /** …of which the file was already gone. */
  alreadyMissing: number;
  /** Rows left for the next pass (file could not be deleted, or outside the roots). */
  failed: number;
}

interface ExpiredRow {
  id: string;
  file_path: string;
  queue: string | null;
  days: number | string;
  from_queue: boolean;
  started_us: string | number;
}

/**
 * Expired, not yet purged rows after the keyset (started_at, id), oldest first. $1/$2: queue ids and
 * their days; $3: default days; $4: now; $5/$6: keyset (µs, id) or nulls; $7: batch size.
 */
const SELECT_EXPIRED = `WITH policy(queue, days) AS (SELECT * FROM unnest($1::text[], $2::int[]))
SELECT r.id, r.file_path, r.queue, COALESCE(p.days, $3::int) AS days, (p.days IS NOT NULL) AS from_queue,
  (extract(epoch FROM r.started_at) * 1000000)::bigint AS started_us
FROM recordings r LEFT JOIN policy p ON p.queue = r.queue
WHERE r.purged_at IS NULL
  AND COALESCE(p.days, $3::int) > 0
  AND r.started_at < $4::timestamptz - make_interval(days => COALESCE(p.days, $3::int))
  AND ($5::bigint IS NULL OR (r.started_at, r.id) > ('epoch'::timestamptz + $5::bigint * interval '1 microsecond', $6::text))
  AND ($8::text IS NULL OR r.stored_by = $8::text OR r.stored_by IS NULL)
ORDER BY r.started_at, r.id
LIMIT $7`;

const MARK_PURGED = `UPDATE recordings SET purged_at = $2::timestamptz, purge_reason = $3
WHERE id = $1 AND purged_at IS NULL RETURNING id`;

export class RecordingRetention {
  private readonly intervalMs: number;
  private readonly initialDelayMs: number;
  private readonly batchSize: number;
  private readonly timers: RetentionTimers;
  private readonly roots: readonly string[] | undefined;
  private timer: unknown;
  private running: Promise<void> | undefined;
  private started = false;

  constructor(private readonly opts: RecordingRetentionOptions) {
    this.intervalMs = opts.intervalMs ?? 3_600_000;
    this.initialDelayMs = opts.initialDelayMs ?? 60_000;
    this.batchSize = opts.batchSize ?? 500;
    this.roots = opts.roots?.map((r) => resolve(r));
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
  }

  /** Is any retention configured at all? (Without, a pass selects nothing.) */
  get enabled(): boolean {
    return this.opts.policy.defaultDays > 0 || Object.values(this.opts.policy.queues).some((d) => d > 0);
  }

  /**
   * One pass at `now`. Rejects with a `DbError` when the database is unavailable (rows done
   * before that stay done); file troubles are counted in `failed`, not thrown.
   */
  async runOnce(now: Date = new Date()): Promise<RetentionResult> {
    const result: RetentionResult = { purged: 0, alreadyMissing: 0, failed: 0 };
    if (!this.enabled) return result;
    const queueIds = Object.keys(this.opts.policy.queues);
    const days = queueIds.map((q) => this.opts.policy.queues[q] ?? 0);
    let after: { us: string; id: string } | undefined;
    for (;;) {
      const { rows } = await this.requireDb().query<ExpiredRow>(SELECT_EXPIRED, [
        queueIds,
        days,
        this.opts.policy.defaultDays,
        now.toISOString(),
        after?.us ?? null,
        after?.id ?? null,
        this.batchSize,
        this.opts.instanceId ?? null,
      ]);
      for (const row of rows) await this.purge(row, now, result);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < this.batchSize) break;
      after = { us: String(last.started_us), id: last.id };
    }
    if (result.purged > 0 || result.failed > 0) this.opts.logger?.info({ ...result }, 'recording retention pass done');
    return result;
  }

  /** Runs a pass after `initialDelayMs`, then every `intervalMs`. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(this.initialDelayMs);
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  // ---- internals ----

  private schedule(ms: number): void {
    if (!this.started) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => {
          const code = err instanceof DbError ? err.code : 'RECORDING_RETENTION_FAILED';
          this.opts.logger?.warn({ err, code, retryInMs: this.intervalMs }, 'recording retention pass failed: tried again next time');
        })
        .finally(() => {
          this.running = undefined;
          this.schedule(this.intervalMs);
        });
    }, ms);
  }

  private async purge(row: ExpiredRow, now: Date, result: RetentionResult): Promise<void> {
    const log = this.opts.logger;
    const file = resolve(row.file_path);
    if (this.roots !== undefined && !this.roots.some((r) => file === r || file.startsWith(r.endsWith(sep) ? r : r + sep))) {
      log?.warn({ recordingId: row.id, code: 'RECORDING_PURGE_OUTSIDE_ROOTS' }, 'recording file is outside the recording directories: not deleted');
      result.failed += 1;
      return;
    }
    let missing = false;
    try {
      await rm(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') missing = true;
      else {
        log?.warn({ err, recordingId: row.id, code: 'RECORDING_PURGE_FILE_FAILED' }, 'recording file could not be deleted: row kept for the next pass');
        result.failed += 1;
        return;
      }
    }
    const reason = `retention:${row.from_queue ? 'queue' : 'default'}:${Number(row.days)}d`;
    const marked = await this.requireDb().transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(MARK_PURGED, [row.id, now.toISOString(), reason]);
      if (rows.length === 0) return false; // another pass (instance) got there first
      await insertAudit(tx, { recordingId: row.id, action: 'purge', principal: RETENTION_PRINCIPAL, tenant: this.opts.tenant ?? null, byteRange: null, remote: null });
      return true;
    });
    if (!marked) return;
    result.purged += 1;
    if (missing) result.alreadyMissing += 1;
    log?.debug({ recordingId: row.id, reason, fileAlreadyGone: missing }, 'recording purged');
  }

  private requireDb(): Db {
    const db = this.opts.db();
    if (db === undefined) throw new DbError('DB_UNAVAILABLE', 'database not available');
    return db;
  }
}
