/**
 * Historical reports over the records in PostgreSQL: per interval (15 min,
 * 30 min, hour, day), per queue and per agent. The database only selects
 * rows; every figure is computed by the pure core (src/reports/core), the
 * same code the live wallboard counts with.
 */
import type { AgentState } from '../acd/types.js';
import { DbError, type Db } from '../store/db.js';
import { agentFigures, type AgentIntervalFigures, type StateChange } from './core/agent-figures.js';
import { intervalsBetween, intervalStart, type IntervalSize } from './core/intervals.js';
import { QueueTally, type QueueFigures } from './core/queue-figures.js';
import type { QueueSegment, SegmentOutcome } from './core/segments.js';
import { ms, STREAM_ORDER } from './ingest/sql.js';

export interface ReportSettings {
  timeZone: string;
  shortAbandonMs: number;
  fcrDays: number;
  /** The queue's service-level threshold in ms. */
  slMs: (queue: string) => number;
  /** Queues to show even on intervals without calls. */
  queues: readonly string[];
}

export interface ReportQuery {
  from: Date;
  to: Date;
  interval: IntervalSize;
  queues?: readonly string[];
  agents?: readonly string[];
}

export interface QueueReportRow extends QueueFigures {
  queue: string;
  intervalStart: string;
  serviceLevelSeconds: number;
}

export interface AgentReportRow extends Omit<AgentIntervalFigures, 'intervalStart'> {
  intervalStart: string;
}

/** REPORT_RANGE_INVALID: from ≥ to; REPORT_RANGE_TOO_LARGE: more intervals than one report holds. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
  constructor(
    readonly code: 'REPORT_RANGE_INVALID' | 'REPORT_RANGE_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

export const MAX_INTERVALS = 10_000;

interface SegmentRow {
  call_id: string;
  seq: number;
  queue: string;
  caller_number: string | null;
  entered: number;
  left_t: number | null;
  outcome: SegmentOutcome;
  wait_ms: string | number;
  agent_id: string | null;
  answered: number | null;
  talk_ms: string | number;
  hold_ms: string | number;
  wrap_ms: string | number;
  transferred: boolean;
  repeat_call: boolean | null;
}

/** The columns of a queue visit; `fcrDays` is the SQL for the first-contact window in days (a parameter, or 0 for none). */
const segmentColumns = (fcrDays: string): string => `s.call_id, s.seq, s.queue, s.caller_number, ${ms('s.entered_at')} AS entered, ${ms('s.left_at')} AS left_t, s.outcome, s.wait_ms,
  s.agent_id, ${ms('s.answered_at')} AS answered, s.talk_ms, s.hold_ms, s.wrap_ms, s.transferred,
  CASE WHEN s.outcome <> 'answered' OR s.caller_number IS NULL OR s.caller_number IN ('', 'anonymous') THEN NULL
    ELSE EXISTS (SELECT 1 FROM cdrs c WHERE c.caller_number = s.caller_number AND c.call_id <> s.call_id AND c.direction = 'inbound'
      AND c.started_at > s.entered_at AND c.started_at <= s.entered_at + make_interval(days => ${fcrDays})) END AS repeat_call`;

function toSegment(r: SegmentRow): QueueSegment {
  const s: QueueSegment = {
    callId: r.call_id,
    seq: r.seq,
    queue: r.queue,
    enteredAt: Math.round(r.entered),
    waitStartAt: Math.round(r.entered),
    outcome: r.outcome,
    waitMs: Number(r.wait_ms),
    transferred: r.transferred,
    talkMs: Number(r.talk_ms),
    holdMs: Number(r.hold_ms),
    wrapMs: Number(r.wrap_ms),
  };
  if (r.caller_number !== null) s.callerNumber = r.caller_number;
  if (r.left_t !== null) s.leftAt = Math.round(r.left_t);
  if (r.agent_id !== null) s.agentId = r.agent_id;
  if (r.answered !== null) s.answeredAt = Math.round(r.answered);
  if (r.repeat_call !== null) s.repeatCall = r.repeat_call;
  return s;
}

export class ReportService {
  constructor(
    private readonly db: () => Db | undefined,
    readonly settings: ReportSettings,
  ) {}

  private requireDb(): Db {
    const db = this.db();
    if (db === undefined) throw new DbError('DB_UNAVAILABLE', 'reports: the database is not connected');
    return db;
  }

  private intervals(q: ReportQuery): number[] {
    const from = q.from.getTime();
    const to = q.to.getTime();
    if (!(from < to)) throw new ReportError('REPORT_RANGE_INVALID', '`from` must be before `to`');
    const approx = (to - from) / ({ '15m': 900_000, '30m': 1_800_000, hour: 3_600_000, day: 86_400_000 } as const)[q.interval];
    if (approx > MAX_INTERVALS + 2) throw new ReportError('REPORT_RANGE_TOO_LARGE', `at most ${MAX_INTERVALS} intervals per report: use a larger interval or a shorter range`);
    return intervalsBetween(from, to, q.interval, this.settings.timeZone);
  }

  /** Queue visits that entered a queue in [from, to). */
  async segments(from: Date, to: Date, queues?: readonly string[]): Promise<QueueSegment[]> {
    const { rows } = await this.requireDb().query<SegmentRow>(
      `SELECT ${segmentColumns('$3::int')} FROM queue_segments s WHERE s.entered_at >= $1 AND s.entered_at < $2
         AND ($4::jsonb IS NULL OR s.queue IN (SELECT jsonb_array_elements_text($4::jsonb)))
       ORDER BY s.entered_at, s.call_id, s.seq`,
      [from, to, this.settings.fcrDays, queues === undefined || queues.length === 0 ? null : JSON.stringify(queues)],
    );
    return rows.map(toSegment);
  }

  /** Per queue and interval (every interval of the range, zeros where nothing happened), ordered by queue then time. */
  async queueReport(q: ReportQuery): Promise<QueueReportRow[]> {
    const starts = this.intervals(q);
    const segments = await this.segments(q.from, q.to, q.queues);
    const queues = new Set(q.queues !== undefined && q.queues.length > 0 ? q.queues : this.settings.queues);
    for (const s of segments) if (q.queues === undefined || q.queues.length === 0) queues.add(s.queue);
    const tallies = new Map<string, QueueTally>();
    const tally = (queue: string, start: number): QueueTally => {
      const k = `${queue}\u0000${start}`;
      let t = tallies.get(k);
      if (t === undefined) tallies.set(k, (t = new QueueTally(this.settings.slMs(queue), this.settings.shortAbandonMs)));
      return t;
    };
    for (const s of segments) tally(s.queue, intervalStart(s.enteredAt, q.interval, this.settings.timeZone)).add(s);
    const out: QueueReportRow[] = [];
    for (const queue of [...queues].sort()) {
      for (const start of starts) {
        out.push({ queue, intervalStart: new Date(start).toISOString(), serviceLevelSeconds: Math.round(this.settings.slMs(queue) / 1000), ...tally(queue, start).figures() });
      }
    }
    return out;
  }

  /** Per agent and interval where the agent was logged in or answered a call. */
  async agentReport(q: ReportQuery): Promise<AgentReportRow[]> {
    this.intervals(q);
    const db = this.requireDb();
    const agents = q.agents === undefined || q.agents.length === 0 ? null : JSON.stringify(q.agents);
    const inAgents = (n: number): string => `($${n}::jsonb IS NULL OR agent_id IN (SELECT jsonb_array_elements_text($${n}::jsonb)))`;
    const [initial, changes, segments] = await Promise.all([
      db.query<{ agent_id: string; to_state: AgentState }>(
        `SELECT DISTINCT ON (agent_id) agent_id, to_state FROM agent_state_log WHERE at < $1 AND ${inAgents(2)}
         ORDER BY agent_id, at DESC, split_part(stream_id, '-', 1)::bigint DESC, split_part(stream_id, '-', 2)::bigint DESC`,
        [q.from, agents],
      ),
      db.query<{ agent_id: string; t: number; to_state: AgentState }>(
        `SELECT agent_id, ${ms('at')} AS t, to_state FROM agent_state_log WHERE at >= $1 AND at < $2 AND ${inAgents(3)} ORDER BY at, ${STREAM_ORDER}`,
        [q.from, q.to, agents],
      ),
      db.query<SegmentRow>(
        `SELECT ${segmentColumns('0')} FROM queue_segments s WHERE s.answered_at >= $1 AND s.answered_at < $2
           AND ($3::jsonb IS NULL OR s.agent_id IN (SELECT jsonb_array_elements_text($3::jsonb)))`,
        [q.from, q.to, agents],
      ),
    ]);
    const rows = agentFigures({
      from: q.from.getTime(),
      to: q.to.getTime(),
      size: q.interval,
      timeZone: this.settings.timeZone,
      initial: new Map(initial.rows.map((r) => [r.agent_id, r.to_state])),
      changes: changes.rows.map((r): StateChange => ({ agentId: r.agent_id, at: Math.round(r.t), to: r.to_state })),
      segments: segments.rows.map(toSegment),
    });
    return rows.map((r) => ({ ...r, intervalStart: new Date(r.intervalStart).toISOString() }));
  }

  /** Offered calls and AHT per interval of one queue (the staffing forecast's history). */
  async queueIntervals(q: { queue: string; from: Date; to: Date; intervalMinutes: 15 | 30 | 60 }): Promise<{ intervalStart: string; offered: number; ahtSeconds: number | null }[]> {
    const interval: IntervalSize = q.intervalMinutes === 15 ? '15m' : q.intervalMinutes === 30 ? '30m' : 'hour';
    const rows = await this.queueReport({ from: q.from, to: q.to, interval, queues: [q.queue] });
    return rows.map((r) => ({ intervalStart: r.intervalStart, offered: r.offered, ahtSeconds: r.ahtMs === null ? null : r.ahtMs / 1000 }));
  }
}
