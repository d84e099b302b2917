/**
 * The CDRs in PostgreSQL, searched: by start time, caller number, agent,
 * queue and disposition, newest first, with keyset pagination (a cursor of
 * the last row's start time and call id), narrowed to the agents a
 * principal may see. Parameterised SQL only.
 */
import { DbError, type Db } from '../store/db.js';
import type { Disposition } from './core/cdr.js';
import { ms } from './ingest/sql.js';

export interface CdrFilter {
  from?: Date;
  to?: Date;
  caller?: string;
  agentId?: string;
  queue?: string;
  disposition?: Disposition;
  /** Only these agents' calls (access); undefined: every call. */
  agents?: readonly string[];
}

export interface CdrView {
  callId: string;
  direction: string;
  callerNumber: string;
  dialedNumber: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationMs: number;
  ivrPath: string[];
  variables: Record<string, string>;
  queues: string[];
  agents: string[];
  queue: string | null;
  agentId: string | null;
  waitMs: number;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  disposition: Disposition;
  shortAbandon: boolean;
  endCause: string | null;
  transfers: number;
  recordingIds: string[];
  legs: { legId: string; role: string; party: string; startedAt: string; answeredAt: string | null; endedAt: string | null; endCause: string | null }[];
}

interface Row {
  call_id: string;
  direction: string;
  caller_number: string;
  dialed_number: string | null;
  started: number;
  answered: number | null;
  ended: number | null;
  duration_ms: string | number;
  ivr_path: string[];
  variables: Record<string, string>;
  queues: string[];
  agents: string[];
  queue: string | null;
  agent_id: string | null;
  wait_ms: string | number;
  talk_ms: string | number;
  hold_ms: string | number;
  wrap_ms: string | number;
  disposition: Disposition;
  short_abandon: boolean;
  end_cause: string | null;
  transfers: number;
  recording_ids: string[];
  legs: { leg_id: string; role: string; party: string; started: number; answered: number | null; ended: number | null; end_cause: string | null }[] | null;
}

export class CdrSearchError extends Error {
  override readonly name = 'CdrSearchError';
  readonly code = 'CDR_QUERY_INVALID';
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(Math.round(t)).toISOString());

function encodeCursor(startedMs: number, callId: string): string {
  return Buffer.from(JSON.stringify([startedMs, callId])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    // a time JavaScript (and PostgreSQL) can hold, and an id of reasonable length
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && Math.abs(v[0] as number) <= 8.64e15 && typeof v[1] === 'string' && v[1].length <= 200) return [v[0] as number, v[1]];
  } catch {
    // fall through
  }
  throw new CdrSearchError('the cursor is not one this server gave out');
}

export class CdrSearch {
  constructor(private readonly db: () => Db | undefined) {}

  async search(f: CdrFilter, page: { limit: number; cursor?: string }): Promise<{ calls: CdrView[]; nextCursor: string | null }> {
    const db = this.db();
    if (db === undefined) throw new DbError('DB_UNAVAILABLE', 'cdrs: the database is not connected');
    if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw new CdrSearchError('`from` must be before `to`');
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.from !== undefined) where.push(`c.started_at >= ${p(f.from)}`);
    if (f.to !== undefined) where.push(`c.started_at < ${p(f.to)}`);
    if (f.caller !== undefined) where.push(`c.caller_number = ${p(f.caller)}`);
    if (f.agentId !== undefined) where.push(`c.agents ? ${p(f.agentId)}`);
    if (f.queue !== undefined) where.push(`c.queues ? ${p(f.queue)}`);
    if (f.disposition !== undefined) where.push(`c.disposition = ${p(f.disposition)}`);
    if (f.agents !== undefined) where.push(`c.agents ?| (SELECT array_agg(a) FROM jsonb_array_elements_text(${p(JSON.stringify(f.agents))}::jsonb) a)`);
    if (page.cursor !== undefined) {
      const [t, id] = decodeCursor(page.cursor);
      where.push(`(c.started_at, c.call_id) < (to_timestamp(${p(t)}::float8 / 1000.0), ${p(id)})`);
    }
    const limit = Math.max(1, Math.min(200, page.limit));
    const { rows } = await db.query<Row>(
      `SELECT c.call_id, c.direction, c.caller_number, c.dialed_number, ${ms('c.started_at')} AS started, ${ms('c.answered_at')} AS answered,
         ${ms('c.ended_at')} AS ended, c.duration_ms, c.ivr_path, c.variables, c.queues, c.agents, c.queue, c.agent_id, c.wait_ms, c.talk_ms,
         c.hold_ms, c.wrap_ms, c.disposition, c.short_abandon, c.end_cause, c.transfers, c.recording_ids,
         (SELECT jsonb_agg(jsonb_build_object('leg_id', l.leg_id, 'role', l.role, 'party', l.party, 'started', ${ms('l.started_at')},
            'answered', ${ms('l.answered_at')}, 'ended', ${ms('l.ended_at')}, 'end_cause', l.end_cause) ORDER BY l.started_at)
          FROM cdr_legs l WHERE l.call_id = c.call_id) AS legs
       FROM cdrs c ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY c.started_at DESC, c.call_id DESC LIMIT ${limit + 1}`,
      params,
    );
    const more = rows.length > limit;
    const calls = rows.slice(0, limit).map(toView);
    const last = rows[limit - 1];
    return { calls, nextCursor: more && last !== undefined ? encodeCursor(Math.round(last.started), last.call_id) : null };
  }
}

function toView(r: Row): CdrView {
  return {
    callId: r.call_id,
    direction: r.direction,
    callerNumber: r.caller_number,
    dialedNumber: r.dialed_number,
    startedAt: iso(r.started)!,
    answeredAt: iso(r.answered),
    endedAt: iso(r.ended),
    durationMs: Number(r.duration_ms),
    ivrPath: r.ivr_path,
    variables: r.variables,
    queues: r.queues,
    agents: r.agents,
    queue: r.queue,
    agentId: r.agent_id,
    waitMs: Number(r.wait_ms),
    talkMs: Number(r.talk_ms),
    holdMs: Number(r.hold_ms),
    wrapMs: Number(r.wrap_ms),
    disposition: r.disposition,
    shortAbandon: r.short_abandon,
    endCause: r.end_cause,
    transfers: r.transfers,
    recordingIds: r.recording_ids,
    legs: (r.legs ?? []).map((l) => ({ legId: l.leg_id, role: l.role, party: l.party, startedAt: iso(l.started)!, answeredAt: iso(l.answered), endedAt: iso(l.ended), endCause: l.end_cause })),
  };
}
