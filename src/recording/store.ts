/**
 * Recording metadata, stored in the `recordings` table — and never lost when the database is down.
 *
 * `save()` inserts the row; when the database is unreachable it writes the metadata as JSON into
 * the spool directory (temp file + fsync + rename, so a crash leaves either the old state or a
 * whole file) and a background loop retries with exponential backoff until the row is stored,
 * then deletes the spool file. Spool files outlive the process: `start()` picks up what an earlier
 * run left behind. Inserts are `ON CONFLICT (id) DO NOTHING`, so a retry after an ambiguous
 * failure (committed, but the reply was lost) never duplicates a row.
 *
 * A record the database rejects outright (a constraint, bad data) is not retried forever: `save()`
 * throws the `DbError`, and a spooled one is renamed to `<id>.json.rejected` and logged.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { DbError, toDbError, type Db } from '../store/db.js';

export interface RecordingLeg {
  /** e.g. 'caller', 'agent', 'supervisor'. */
  role: string;
  legId: string;
  sipCallId: string;
}

export type RecordingStatus = 'complete' | 'failed';

export interface RecordingMeta {
  /** UUID chosen by the recorder; the primary key. */
  id: string;
  callId: string;
  legs: RecordingLeg[];
  callerNumber: string;
  agentId: string | null;
  queue: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  durationMs: number;
  filePath: string;
  sizeBytes: number;
  /** e.g. 'wav/pcm16/8000/2ch' (see `describeWav`). */
  format: string;
  channels: number;
  checksumSha256: string;
  status: RecordingStatus;
}

export interface RecordingRow extends RecordingMeta {
  createdAt: Date;
}

export interface RecordingStoreOptions {
  /** The current database, or undefined while it is down / not yet opened. Asked on every attempt. */
  db: () => Db | undefined;
  spoolDir: string;
  logger?: Logger;
  /** The instance whose disk holds the files (recordings.stored_by: retention deletes only its own). */
  instanceId?: string;
  /** Backoff between retries of spooled records; default 1 s doubling to 60 s. */
  retry?: { initialMs: number; maxMs: number };
}

/** RECORDING_INVALID: metadata that can never be stored (e.g. an id that is not a UUID). */
export class RecordingStoreError extends Error {
  override readonly name = 'RecordingStoreError';

  constructor(
    readonly code: 'RECORDING_INVALID',
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SPOOL_SUFFIX = '.json';

const INSERT_SQL = `INSERT INTO recordings (
  id, call_id, legs, caller_number, agent_id, queue, started_at, answered_at, ended_at,
  duration_ms, file_path, size_bytes, format, channels, checksum_sha256, status, stored_by
) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (id) DO NOTHING`;

const SELECT_SQL = `SELECT id, call_id, legs, caller_number, agent_id, queue, started_at, answered_at, ended_at,
  duration_ms, file_path, size_bytes, format, channels, checksum_sha256, status, created_at FROM recordings`;

/** A row as pg / PGlite hand it back (bigint may come as a string, timestamps as Date). */
interface DbRow {
  id: string;
  call_id: string;
  legs: unknown;
  caller_number: string;
  agent_id: string | null;
  queue: string | null;
  started_at: Date | string;
  answered_at: Date | string | null;
  ended_at: Date | string;
  duration_ms: number | string;
  file_path: string;
  size_bytes: number | string;
  format: string;
  channels: number | string;
  checksum_sha256: string;
  status: string;
  created_at: Date | string;
}

interface Pending {
  meta: RecordingMeta;
  file: string;
}

export class RecordingStore {
  private readonly pendingById = new Map<string, Pending>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private delayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: RecordingStoreOptions) {
    this.initialMs = opts.retry?.initialMs ?? 1000;
    this.maxMs = Math.max(opts.retry?.maxMs ?? 60_000, this.initialMs);
    this.delayMs = this.initialMs;
  }

  /**
   * Stores `meta`, or spools it for a background retry when the database is unavailable.
   * Rejects with a `DbError` (DB_QUERY_FAILED) when the database refuses the row, and with a
   * `RecordingStoreError` (RECORDING_INVALID) for metadata no retry could store (id not a UUID,
   * invalid Date, negative or fractional number); a failure to write the spool file also rejects.
   */
  async save(meta: RecordingMeta): Promise<'stored' | 'spooled'> {
    validate(meta);
    const failure = await this.tryInsert(meta);
    if (failure === undefined) {
      // The database is back: don't make spooled records wait out their backoff.
      if (this.pendingById.size > 0) this.schedule(0);
      return 'stored';
    }
    if (failure.code !== 'DB_UNAVAILABLE') throw failure;
    const file = await this.spool(meta);
    this.pendingById.set(meta.id, { meta, file });
    this.opts.logger?.warn(
      { recordingId: meta.id, callId: meta.callId, err: failure },
      'recording metadata spooled: database unavailable',
    );
    this.schedule(this.delayMs);
    return 'spooled';
  }

  /** Loads spool files left by an earlier run and starts retrying them (at once). */
  async start(): Promise<void> {
    this.stopped = false;
    await mkdir(this.opts.spoolDir, { recursive: true });
    const names = await readdir(this.opts.spoolDir);
    for (const name of names) {
      const file = join(this.opts.spoolDir, name);
      if (name.endsWith('.tmp')) {
        await rm(file, { force: true }); // a write that never reached its rename
        continue;
      }
      if (!name.endsWith(SPOOL_SUFFIX)) continue;
      const meta = await this.readSpool(file);
      if (meta !== undefined && !this.pendingById.has(meta.id)) this.pendingById.set(meta.id, { meta, file });
    }
    if (this.pendingById.size > 0) {
      this.opts.logger?.info({ pending: this.pendingById.size }, 'recording metadata spool loaded');
      this.schedule(0);
    }
  }

  /** Stops retrying (waiting for an attempt in progress). Spool files stay for the next `start()`. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  /** Records spooled and not yet stored. */
  pending(): number {
    return this.pendingById.size;
  }

  /** The row with `id`, or undefined. Rejects with a `DbError` when the database is unavailable. */
  async get(id: string): Promise<RecordingRow | undefined> {
    const { rows } = await this.requireDb().query<DbRow>(`${SELECT_SQL} WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  /** Every recording of a call, oldest first. Rejects with a `DbError` when the database is unavailable. */
  async findByCall(callId: string): Promise<RecordingRow[]> {
    const { rows } = await this.requireDb().query<DbRow>(
      `${SELECT_SQL} WHERE call_id = $1 ORDER BY started_at, id`,
      [callId],
    );
    return rows.map(fromRow);
  }

  // ---- internals ----

  private requireDb(): Db {
    const db = this.opts.db();
    if (db === undefined) throw new DbError('DB_UNAVAILABLE', 'database not available');
    return db;
  }

  /** Undefined when stored (or already there), else why not. */
  private async tryInsert(meta: RecordingMeta): Promise<DbError | undefined> {
    const db = this.opts.db();
    if (db === undefined) return new DbError('DB_UNAVAILABLE', 'database not available');
    try {
      await db.query(INSERT_SQL, [...toParams(meta), this.opts.instanceId ?? null]);
      return undefined;
    } catch (err) {
      return toDbError(err, 'cannot insert recording');
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.flushing !== undefined) return; // a running flush reschedules itself
    if (this.timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush()
        .catch((err: unknown) => this.opts.logger?.error({ err }, 'recording spool retry crashed'))
        .finally(() => {
          this.flushing = undefined;
          if (this.pendingById.size > 0) this.schedule(this.delayMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One pass over the spooled records; stops at the first "still unavailable" and backs off. */
  private async flush(): Promise<void> {
    for (const [id, entry] of [...this.pendingById]) {
      if (this.stopped) return;
      const failure = await this.tryInsert(entry.meta);
      if (failure?.code === 'DB_UNAVAILABLE') {
        this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
        this.opts.logger?.debug(
          { pending: this.pendingById.size, retryInMs: this.delayMs, err: failure },
          'recording spool retry failed',
        );
        return;
      }
      // A newer save() of the same id may have replaced the entry meanwhile; it shares the file
      // path and is retried on its own (a no-op insert now), so leave the file to it.
      if (this.pendingById.get(id) !== entry) continue;
      if (failure === undefined) {
        await rm(entry.file, { force: true }).catch((err: unknown) => {
          this.opts.logger?.warn({ err, file: entry.file }, 'cannot delete recording spool file');
        });
        this.opts.logger?.info({ recordingId: id }, 'spooled recording metadata stored');
      } else {
        await this.reject(entry.file, failure);
      }
      // Only now, so that pending() === 0 means the spool files are gone too.
      if (this.pendingById.get(id) === entry) this.pendingById.delete(id);
    }
    this.delayMs = this.initialMs;
  }

  private async reject(file: string, err: unknown): Promise<void> {
    this.opts.logger?.error({ err, file }, 'database rejected spooled recording metadata; set aside as .rejected');
    await rename(file, `${file}.rejected`).catch(() => undefined);
  }

  /** Writes `<spoolDir>/<id>.json` atomically and durably; returns its path. */
  private async spool(meta: RecordingMeta): Promise<string> {
    await mkdir(this.opts.spoolDir, { recursive: true });
    const file = join(this.opts.spoolDir, `${meta.id}${SPOOL_SUFFIX}`);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(meta));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    return file;
  }

  /** The metadata in a spool file, or undefined (and the file set aside) when it cannot be parsed. */
  private async readSpool(file: string): Promise<RecordingMeta | undefined> {
    try {
      return parseSpooled(JSON.parse(await readFile(file, 'utf8')));
    } catch (err) {
      await this.reject(file, err);
      return undefined;
    }
  }
}

// ---- mapping ----

function toParams(m: RecordingMeta): unknown[] {
  const legs = m.legs.map((l) => ({ role: l.role, leg_id: l.legId, sip_call_id: l.sipCallId }));
  return [
    m.id,
    m.callId,
    JSON.stringify(legs),
    m.callerNumber,
    m.agentId,
    m.queue,
    m.startedAt.toISOString(),
    m.answeredAt?.toISOString() ?? null,
    m.endedAt.toISOString(),
    m.durationMs,
    m.filePath,
    m.sizeBytes,
    m.format,
    m.channels,
    m.checksumSha256,
    m.status,
  ];
}

function toDate(v: Date | string): Date {
  return v instanceof Date ? v : new Date(v);
}

function fromRow(r: DbRow): RecordingRow {
  return {
    id: r.id,
    callId: r.call_id,
    legs: legsFromDb(r.legs),
    callerNumber: r.caller_number,
    agentId: r.agent_id,
    queue: r.queue,
    startedAt: toDate(r.started_at),
    answeredAt: r.answered_at === null ? null : toDate(r.answered_at),
    endedAt: toDate(r.ended_at),
    durationMs: Number(r.duration_ms),
    filePath: r.file_path,
    sizeBytes: Number(r.size_bytes),
    format: r.format,
    channels: Number(r.channels),
    checksumSha256: r.checksum_sha256,
    status: r.status === 'failed' ? 'failed' : 'complete',
    createdAt: toDate(r.created_at),
  };
}

/** Throws RECORDING_INVALID for metadata no retry could ever store. */
function validate(m: RecordingMeta): void {
  const problems: string[] = [];
  if (!UUID.test(m.id)) problems.push(`id ${m.id} is not a UUID`);
  for (const [key, d] of [
    ['startedAt', m.startedAt],
    ['answeredAt', m.answeredAt],
    ['endedAt', m.endedAt],
  ] as const) {
    if (d !== null && !(d instanceof Date && Number.isFinite(d.getTime()))) problems.push(`${key} is not a valid Date`);
  }
  for (const [key, n] of [
    ['durationMs', m.durationMs],
    ['sizeBytes', m.sizeBytes],
    ['channels', m.channels],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 0) problems.push(`${key} ${n} is not a non-negative integer`);
  }
  if (m.status !== 'complete' && m.status !== 'failed') {
    problems.push(`status ${String(m.status)} is not complete|failed`);
  }
  if (problems.length > 0) {
    throw new RecordingStoreError('RECORDING_INVALID', `recording ${m.id}: ${problems.join('; ')}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`${key} is not a string`);
  return v;
}

/** The `legs` jsonb column (snake_case keys) as RecordingLegs; non-objects are dropped. */
function legsFromDb(v: unknown): RecordingLeg[] {
  if (!Array.isArray(v)) return [];
  const text = (o: Record<string, unknown>, key: string): string => {
    const s = o[key];
    return typeof s === 'string' ? s : '';
  };
  return v
    .filter(isRecord)
    .map((o) => ({ role: text(o, 'role'), legId: text(o, 'leg_id'), sipCallId: text(o, 'sip_call_id') }));
}

/** Rebuilds RecordingMeta from a spool file's JSON (dates as ISO strings). Throws when malformed. */
function parseSpooled(v: unknown): RecordingMeta {
  if (!isRecord(v)) throw new Error('spool file is not a JSON object');
  const nullableStr = (key: string): string | null => (v[key] === null ? null : str(v, key));
  const date = (key: string): Date => {
    const d = new Date(str(v, key));
    if (Number.isNaN(d.getTime())) throw new Error(`${key} is not a date`);
    return d;
  };
  const num = (key: string): number => {
    const n = v[key];
    if (typeof n !== 'number') throw new Error(`${key} is not a number`);
    return n;
  };
  const status = str(v, 'status');
  if (status !== 'complete' && status !== 'failed') throw new Error(`status ${status} is not complete|failed`);
  if (!Array.isArray(v.legs)) throw new Error('legs is not an array');
  return {
    id: str(v, 'id'),
    callId: str(v, 'callId'),
    legs: v.legs.map((l) => {
      if (!isRecord(l)) throw new Error('leg is not an object');
      return { role: str(l, 'role'), legId: str(l, 'legId'), sipCallId: str(l, 'sipCallId') };
    }),
    callerNumber: str(v, 'callerNumber'),
    agentId: nullableStr('agentId'),
    queue: nullableStr('queue'),
    startedAt: date('startedAt'),
    answeredAt: v.answeredAt === null ? null : date('answeredAt'),
    endedAt: date('endedAt'),
    durationMs: num('durationMs'),
    filePath: str(v, 'filePath'),
    sizeBytes: num('sizeBytes'),
    format: str(v, 'format'),
    channels: num('channels'),
    checksumSha256: str(v, 'checksumSha256'),
    status,
  };
}
