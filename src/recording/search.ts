/**
 * Finding recordings: by start time, caller number (exact or prefix), agent,
 * queue, disposition (from the call's CDR: LEFT JOIN, as the CDR may not be
 * written yet) and duration, newest first with keyset pagination. Every query
 * is narrowed by who asks (a {@link RecordingVisibility}) in the SQL itself, so
 * a row the principal may not hear is never read out of the database.
 *
 * The cursor is opaque to clients: base64url of `<started_at in µs since the
 * epoch>~<id>`, the last row of the page; the next page is everything strictly
 * after it in (started_at DESC, id DESC) order.
 */
import type { RecordingVisibility } from '../cti/auth/principal.js';
import { DbError, type Db } from '../store/db.js';
import type { RecordingStatus } from './store.js';

import { CDR_DISPOSITIONS as DISPOSITIONS, type Disposition } from '../reports/core/cdr.js';

export { DISPOSITIONS, type Disposition };

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

export interface RecordingFilter {
  /** started_at ≥ from. */
  from?: Date;
  /** started_at < to. */
  to?: Date;
  /** The caller's number, exactly. */
  caller?: string;
  /** Caller numbers starting with this. */
  callerPrefix?: string;
  agentId?: string;
  /** A queue id, or `voicemail:<mailbox>`. */
  queue?: string;
  disposition?: Disposition;
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Also rows whose audio the retention policy deleted (default: not). */
  includePurged?: boolean;
}

export interface PageRequest {
  /** 1…200, default 50. */
  limit?: number;
  cursor?: string;
}

export interface RecordingHit {
  id: string;
  callId: string;
  callerNumber: string;
  agentId: string | null;
  queue: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  durationMs: number;
  sizeBytes: number;
  format: string;
  channels: number;
  status: RecordingStatus;
  /** The call's CDR disposition; null while the CDR is not written. */
  disposition: string | null;
  purgedAt: Date | null;
  purgeReason: string | null;
  /** Where the audio is (never shown to clients). */
  filePath: string;
}

export interface SearchPage {
  recordings: RecordingHit[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** RECORDING_QUERY_INVALID: a filter or cursor that cannot mean anything (from after to, garbage cursor…). */
export class RecordingQueryError extends Error {
  override readonly name = 'RecordingQueryError';
  readonly code = 'RECORDING_QUERY_INVALID';
}

interface DbRow {
  id: string;
  call_id: string;
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
  status: string;
  purged_at: Date | string | null;
  purge_reason: string | null;
  disposition: string | null;
  started_us: string | number;
}

const SELECT_SQL = `SELECT r.id, r.call_id, r.caller_number, r.agent_id, r.queue, r.started_at, r.answered_at, r.ended_at,
  r.duration_ms, r.file_path, r.size_bytes, r.format, r.channels, r.status, r.purged_at, r.purge_reason,
  c.disposition, (extract(epoch FROM r.started_at) * 1000000)::bigint AS started_us
FROM recordings r LEFT JOIN cdrs c ON c.call_id = r.call_id`;

/** µs since the epoch back to a timestamptz, exactly (no float seconds). */
const FROM_MICROS = (param: string): string => `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`;

/** Collects WHERE conditions and their `$n` parameters. */
class Where {
  readonly params: unknown[] = [];
  private readonly conds: string[] = [];

  /** Adds a value and returns its placeholder. */
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(cond: string): void {
    this.conds.push(cond);
  }

  sql(): string {
    return this.conds.length === 0 ? '' : ` WHERE ${this.conds.join(' AND ')}`;
  }
}

/** The visibility as SQL on `r.agent_id`. */
function narrow(w: Where, v: RecordingVisibility): void {
  if (v.kind === 'all') return;
  if (v.kind === 'none') {
    w.add('false');
    return;
  }
  const parts = [`r.agent_id = ANY(${w.p([...v.agents])}::text[])`];
  if (v.unassigned) parts.push('r.agent_id IS NULL');
  w.add(`(${parts.join(' OR ')})`);
}

/** `LIKE` pattern for "starts with": the prefix's own % _ \ escaped. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function encodeCursor(startedUs: string, id: string): string {
  return Buffer.from(`${startedUs}~${id}`, 'utf8').toString('base64url');
}

/** The cursor's (µs, id), or a RecordingQueryError. */
export function decodeCursor(cursor: string): { startedUs: string; id: string } {
  const text = /^[A-Za-z0-9_-]{1,700}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  // µs since 1970 fit in 16 digits until the year 2286 (and well inside PostgreSQL's timestamp range)
  const m = /^(-?\d{1,16})~(.{1,200})$/s.exec(text);
  if (m?.[1] === undefined || m[2] === undefined) throw new RecordingQueryError('cursor is not one this server gave out');
  return { startedUs: m[1], id: m[2] };
}

/** Throws RecordingQueryError for a filter that cannot match anything meaningful. */
export function checkFilter(f: RecordingFilter): void {
  const bad = (m: string): never => {
    throw new RecordingQueryError(m);
  };
  for (const [k, d] of [
    ['from', f.from],
    ['to', f.to],
  ] as const) {
    if (d !== undefined && !Number.isFinite(d.getTime())) bad(`${k} is not a valid date`);
  }
  if (f.from !== undefined && f.to !== undefined && f.from.getTime() > f.to.getTime()) bad('from is after to');
  if (f.minDurationMs !== undefined && f.maxDurationMs !== undefined && f.minDurationMs > f.maxDurationMs) bad('minDurationMs is above maxDurationMs');
  if (f.caller !== undefined && f.callerPrefix !== undefined) bad('give caller or callerPrefix, not both');
  if (f.disposition !== undefined && !DISPOSITIONS.includes(f.disposition)) bad(`no disposition ${String(f.disposition)}`);
}

function toDate(v: Date | string): Date {
  return v instanceof Date ? v : new Date(v);
}

function fromRow(r: DbRow): RecordingHit {
  return {
    id: r.id,
    callId: r.call_id,
    callerNumber: r.caller_number,
    agentId: r.agent_id,
    queue: r.queue,
    startedAt: toDate(r.started_at),
    answeredAt: r.answered_at === null ? null : toDate(r.answered_at),
    endedAt: toDate(r.ended_at),
    durationMs: Number(r.duration_ms),
    sizeBytes: Number(r.size_bytes),
    format: r.format,
    channels: Number(r.channels),
    status: r.status === 'failed' ? 'failed' : 'complete',
    disposition: r.disposition,
    purgedAt: r.purged_at === null ? null : toDate(r.purged_at),
    purgeReason: r.purge_reason,
    filePath: r.file_path,
  };
}

export class RecordingSearch {
  constructor(private readonly opts: { db: () => Db | undefined }) {}

  /**
   * One page of the recordings `visibility` admits that match `filter`, newest first.
   * Rejects with a RecordingQueryError (bad filter or cursor) or a DbError.
   */
  async search(filter: RecordingFilter, visibility: RecordingVisibility, page: PageRequest = {}): Promise<SearchPage> {
    checkFilter(filter);
    const limit = page.limit ?? DEFAULT_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new RecordingQueryError(`limit must be 1…${MAX_PAGE}`);
    const w = new Where();
    narrow(w, visibility);
    if (filter.includePurged !== true) w.add('r.purged_at IS NULL');
    if (filter.from !== undefined) w.add(`r.started_at >= ${w.p(filter.from.toISOString())}::timestamptz`);
    if (filter.to !== undefined) w.add(`r.started_at < ${w.p(filter.to.toISOString())}::timestamptz`);
    if (filter.caller !== undefined) w.add(`r.caller_number = ${w.p(filter.caller)}`);
    if (filter.callerPrefix !== undefined) w.add(`r.caller_number LIKE ${w.p(likePrefix(filter.callerPrefix))} ESCAPE '\\'`);
    if (filter.agentId !== undefined) w.add(`r.agent_id = ${w.p(filter.agentId)}`);
    if (filter.queue !== undefined) w.add(`r.queue = ${w.p(filter.queue)}`);
    if (filter.disposition !== undefined) w.add(`c.disposition = ${w.p(filter.disposition)}`);
    if (filter.minDurationMs !== undefined) w.add(`r.duration_ms >= ${w.p(filter.minDurationMs)}`);
    if (filter.maxDurationMs !== undefined) w.add(`r.duration_ms <= ${w.p(filter.maxDurationMs)}`);
    if (page.cursor !== undefined) {
      const { startedUs, id } = decodeCursor(page.cursor);
      w.add(`(r.started_at, r.id) < (${FROM_MICROS(w.p(startedUs))}, ${w.p(id)})`);
    }
    const sql = `${SELECT_SQL}${w.sql()} ORDER BY r.started_at DESC, r.id DESC LIMIT ${w.p(limit + 1)}`;
    const { rows } = await this.requireDb().query<DbRow>(sql, w.params);
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown[shown.length - 1];
    return {
      recordings: shown.map(fromRow),
      nextCursor: more && last !== undefined ? encodeCursor(String(last.started_us), last.id) : null,
    };
  }

  /** The recording `id` if it exists and `visibility` admits it (purged or not), else undefined. Rejects with a DbError. */
  async get(id: string, visibility: RecordingVisibility): Promise<RecordingHit | undefined> {
    const w = new Where();
    w.add(`r.id = ${w.p(id)}`);
    narrow(w, visibility);
    const { rows } = await this.requireDb().query<DbRow>(`${SELECT_SQL}${w.sql()}`, w.params);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  private requireDb(): Db {
    const db = this.opts.db();
    if (db === undefined) throw new DbError('DB_UNAVAILABLE', 'database not available');
    return db;
  }
}
