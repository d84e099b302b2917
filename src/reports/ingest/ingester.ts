/**
 * Copies the three Redis journals into PostgreSQL and rebuilds the records
 * of every call a batch touched:
 *
 *   acd:journal   (queue events)        → queue_log
 *   acd:statelog  (agent state changes) → agent_state_log
 *   calls:log     (call summaries)      → call_log
 *                                        → cdrs, cdr_legs, queue_segments (buildCdr)
 *
 * One batch is one transaction, under an advisory lock: the raw rows, the
 * rebuilt records and the new checkpoints land together or not at all. The
 * checkpoints live in the same database, so a PostgreSQL outage only delays
 * records (the streams keep the entries, up to their MAXLEN of a million),
 * and a crash after the commit but before the job is acknowledged replays a
 * batch that inserts nothing new and rebuilds the same records.
 */
import type { Redis } from 'ioredis';
import type { AcdStore } from '../../acd/store/acd-store.js';
import type { JournalEvent, StateLogEntry } from '../../acd/types.js';
import type { Logger } from '../../log.js';
import { DbError, type Db, type DbTx } from '../../store/db.js';
import { buildCdr, type AgentStateEvent, type CallSummary } from '../core/cdr.js';
import type { QueueLogEvent } from '../core/segments.js';
import type { CallLog } from '../records/call-log.js';
import * as SQL from './sql.js';
import { compareIds } from '../../cti/events/stream.js';
import { cdrRow, legRows, segmentRows } from './rows.js';

export type IngestSource = 'acd:journal' | 'acd:statelog' | 'calls:log';

interface Batch {
  journal: JournalEvent[];
  states: StateLogEntry[];
  calls: { id: string; summary: CallSummary | undefined }[];
  checkpoints: ReadonlyMap<string, string>;
}

const EMPTY: Batch = { journal: [], states: [], calls: [], checkpoints: new Map() };

/**
 * JSON for a jsonb/text parameter: PostgreSQL refuses the NUL character in both (22P05), and
 * a call variable or caller name may carry one; it is dropped (in keys too).
 */
export function pgJson(value: unknown): string {
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1');
}

export interface IngestResult {
  queueEvents: number;
  stateChanges: number;
  summaries: number;
  /** Calls whose records were rebuilt. */
  calls: number;
}

export interface IngesterOptions {
  db: () => Db | undefined;
  acd: AcdStore;
  callLog: CallLog;
  shortAbandonMs: number;
  /** Entries per stream per transaction. */
  batchSize?: number;
  /** For the streams' health (trimmed past a checkpoint, reset): checked once per run when given. */
  redis?: Redis;
  logger?: Logger;
}

export class RecordsIngester {
  private readonly batch: number;

  constructor(private readonly opts: IngesterOptions) {
    this.batch = opts.batchSize ?? 500;
  }

  /** Everything new, in batches, until the streams are drained. Rejects (DB_UNAVAILABLE…) when it cannot go on. */
  async runOnce(): Promise<IngestResult> {
    await this.checkStreams();
    const total: IngestResult = { queueEvents: 0, stateChanges: 0, summaries: 0, calls: 0 };
    for (;;) {
      const r = await this.oneBatch();
      total.queueEvents += r.queueEvents;
      total.stateChanges += r.stateChanges;
      total.summaries += r.summaries;
      total.calls += r.calls;
      if (r.queueEvents < this.batch && r.stateChanges < this.batch && r.summaries < this.batch) return total;
    }
  }

  private readonly alerted = new Set<string>();

  /**
   * A stream whose oldest entry is newer than its checkpoint was trimmed (MAXLEN) past it: the
   * entries in between, if any, are gone (a database outage longer than the streams hold). One
   * whose newest id is older than its checkpoint was reset or restored from an old backup: its
   * entries are skipped until their ids pass the checkpoint. Both are logged as errors, once.
   */
  private async checkStreams(): Promise<void> {
    const redis = this.opts.redis;
    const db = this.opts.db();
    if (redis === undefined || db === undefined) return;
    const keys: [IngestSource, string][] = [
      ['acd:journal', this.opts.acd.keys.journal()],
      ['acd:statelog', this.opts.acd.keys.statelog()],
      ['calls:log', this.opts.callLog.key],
    ];
    try {
      const checkpoints = new Map((await db.query<{ source: string; last_id: string }>(SQL.READ_CHECKPOINTS)).rows.map((r) => [r.source, r.last_id]));
      for (const [source, key] of keys) {
        const last = checkpoints.get(source);
        if (last === undefined) continue;
        const info = await redis.xinfo('STREAM', key).catch(() => undefined);
        if (!Array.isArray(info)) continue;
        const field = (name: string): unknown => info[info.indexOf(name) + 1];
        const first = field('first-entry');
        const firstId = Array.isArray(first) && typeof first[0] === 'string' ? first[0] : undefined;
        const lastGenerated = field('last-generated-id');
        const problem =
          firstId !== undefined && compareIds(firstId, last) > 0 ? 'RECORDS_GAP' : typeof lastGenerated === 'string' && compareIds(lastGenerated, last) < 0 ? 'RECORDS_STREAM_RESET' : undefined;
        const tag = `${source}:${problem ?? ''}`;
        if (problem === undefined) {
          for (const t of [...this.alerted]) if (t.startsWith(`${source}:`)) this.alerted.delete(t);
        } else if (!this.alerted.has(tag)) {
          this.alerted.add(tag);
          this.opts.logger?.error(
            { source, checkpoint: last, firstId, lastGenerated, code: problem },
            problem === 'RECORDS_GAP' ? 'journal trimmed past the records checkpoint: entries may be missing from the records' : 'journal is older than the records checkpoint (reset or restored?): new entries are skipped until they pass it',
          );
        }
      }
    } catch {
      // the health check never stops a run: the run itself reports what is down
    }
  }

  private async oneBatch(): Promise<IngestResult> {
    const db = this.opts.db();
    if (db === undefined) throw new DbError('DB_UNAVAILABLE', 'records: the database is not connected');
    let read: Batch | undefined;
    try {
      return await db.transaction(async (tx) => {
        await tx.query(SQL.LOCK);
        read = await this.read(tx);
        return this.apply(tx, read);
      });
    } catch (err) {
      // PostgreSQL refused something in the batch (not an outage): find it entry by entry
      if (!(err instanceof DbError) || err.code !== 'DB_QUERY_FAILED' || read === undefined) throw err;
      this.opts.logger?.warn({ err, code: 'RECORDS_BATCH_REFUSED' }, 'records batch refused: ingesting it entry by entry');
      return this.oneByOne(db, read);
    }
  }

  /** What is new in each stream after its checkpoint (read under the lock). */
  private async read(tx: DbTx): Promise<Batch> {
    const checkpoints = new Map((await tx.query<{ source: string; last_id: string }>(SQL.READ_CHECKPOINTS)).rows.map((r) => [r.source, r.last_id]));
    const after = (s: IngestSource): string => checkpoints.get(s) ?? '-';
    const exclusive = (id: string): string => (id === '-' ? '-' : `(${id}`);
    const [journal, states, calls] = await Promise.all([
      this.opts.acd.journal(exclusive(after('acd:journal')), this.batch),
      this.opts.acd.stateLog(exclusive(after('acd:statelog')), this.batch),
      this.opts.callLog.read(after('calls:log'), this.batch),
    ]);
    return { journal, states, calls, checkpoints };
  }

  /** Raw rows, rebuilt records and checkpoints of one batch, in the caller's transaction. */
  private async apply(tx: DbTx, { journal, states, calls }: Batch): Promise<IngestResult> {
    if (journal.length + states.length + calls.length === 0) return { queueEvents: 0, stateChanges: 0, summaries: 0, calls: 0 };
    if (journal.length > 0) await tx.query(SQL.INSERT_QUEUE_LOG, [pgJson(journal.map(queueLogRow))]);
    if (states.length > 0) await tx.query(SQL.INSERT_STATE_LOG, [pgJson(states.map(stateLogRow))]);
    const summaries = calls.filter((c): c is { id: string; summary: CallSummary } => c.summary !== undefined);
    if (summaries.length < calls.length) this.opts.logger?.warn({ skipped: calls.length - summaries.length, code: 'RECORDS_SUMMARY_INVALID' }, 'unreadable call summaries skipped');
    if (summaries.length > 0) {
      await tx.query(SQL.INSERT_CALL_LOG, [pgJson(summaries.map((c) => ({ stream_id: c.id, call_id: c.summary.callId, at: c.summary.endedAt, summary: c.summary })))]);
    }

    const touched = new Set<string>();
    for (const e of journal) if (e.callId !== undefined) touched.add(e.callId);
    for (const e of states) if (e.callId !== undefined) touched.add(e.callId);
    for (const c of summaries) touched.add(c.summary.callId);
    const rebuilt = await this.rebuild(tx, [...touched]);

    const next: { source: IngestSource; last_id: string }[] = [];
    if (journal.length > 0) next.push({ source: 'acd:journal', last_id: journal.at(-1)!.id });
    if (states.length > 0) next.push({ source: 'acd:statelog', last_id: states.at(-1)!.id });
    if (calls.length > 0) next.push({ source: 'calls:log', last_id: calls.at(-1)!.id });
    await tx.query(SQL.WRITE_CHECKPOINTS, [JSON.stringify(next)]);
    return { queueEvents: journal.length, stateChanges: states.length, summaries: summaries.length, calls: rebuilt };
  }

  /**
   * The slow path after a refused batch: each entry in a transaction of its own. One that
   * PostgreSQL still refuses is parked in `ingest_rejects` (with the error) and passed, so one
   * bad entry never stops the records of every call after it.
   */
  private async oneByOne(db: Db, batch: Batch): Promise<IngestResult> {
    const total: IngestResult = { queueEvents: 0, stateChanges: 0, summaries: 0, calls: 0 };
    const singles: { source: IngestSource; id: string; alone: Batch; payload: unknown }[] = [
      ...batch.journal.map((e) => ({ source: 'acd:journal' as const, id: e.id, alone: { ...EMPTY, journal: [e] }, payload: e })),
      ...batch.states.map((e) => ({ source: 'acd:statelog' as const, id: e.id, alone: { ...EMPTY, states: [e] }, payload: e })),
      ...batch.calls.map((c) => ({ source: 'calls:log' as const, id: c.id, alone: { ...EMPTY, calls: [c] }, payload: c.summary ?? null })),
    ];
    for (const one of singles) {
      const fresh = (tx: DbTx): Promise<boolean> => this.stillAfterCheckpoint(tx, one.source, one.id);
      try {
        const r = await db.transaction(async (tx) => {
          await tx.query(SQL.LOCK);
          return (await fresh(tx)) ? this.apply(tx, one.alone) : undefined;
        });
        if (r !== undefined) {
          total.queueEvents += r.queueEvents;
          total.stateChanges += r.stateChanges;
          total.summaries += r.summaries;
          total.calls += r.calls;
        }
      } catch (err) {
        if (!(err instanceof DbError) || err.code !== 'DB_QUERY_FAILED') throw err;
        await db.transaction(async (tx) => {
          await tx.query(SQL.LOCK);
          if (!(await fresh(tx))) return;
          await tx.query(SQL.INSERT_REJECT, [one.source, one.id, `${err.sqlState ?? ''} ${err.message}`.trim(), JSON.stringify(one.payload)]);
          await tx.query(SQL.WRITE_CHECKPOINTS, [JSON.stringify([{ source: one.source, last_id: one.id }])]);
        });
        this.opts.logger?.error({ source: one.source, streamId: one.id, sqlState: err.sqlState, code: 'RECORDS_ENTRY_REJECTED' }, 'journal entry refused by the database: parked in ingest_rejects');
      }
    }
    return total;
  }

  /** Another worker may have taken the entry since the batch was read. */
  private async stillAfterCheckpoint(tx: DbTx, source: IngestSource, id: string): Promise<boolean> {
    const { rows } = await tx.query<{ last_id: string }>(SQL.READ_CHECKPOINT, [source]);
    const last = rows[0]?.last_id;
    return last === undefined || compareIds(id, last) > 0;
  }

  /** Rebuilds cdrs, cdr_legs and queue_segments of these calls from what the database now holds. */
  private async rebuild(tx: DbTx, callIds: string[]): Promise<number> {
    if (callIds.length === 0) return 0;
    const ids = JSON.stringify(callIds);
    const events = new Map<string, QueueLogEvent[]>();
    for (const r of (await tx.query<{ call_id: string; event: string; t: number; queue: string | null; agent_id: string | null; data: Record<string, string> }>(SQL.CALL_QUEUE_EVENTS, [ids])).rows) {
      const list = events.get(r.call_id) ?? [];
      list.push({ event: r.event as JournalEvent['event'], time: Math.round(r.t), ...(r.queue === null ? {} : { queue: r.queue }), callId: r.call_id, ...(r.agent_id === null ? {} : { agentId: r.agent_id }), data: r.data });
      events.set(r.call_id, list);
    }
    const summaries = new Map((await tx.query<{ call_id: string; summary: CallSummary }>(SQL.CALL_SUMMARIES, [ids])).rows.map((r) => [r.call_id, r.summary]));
    const wraps = new Map<string, AgentStateEvent[]>();
    for (const r of (await tx.query<{ call_id: string; agent_id: string; t: number; end_t: number | null }>(SQL.CALL_WRAP_UPS, [ids])).rows) {
      const list = wraps.get(r.call_id) ?? [];
      list.push({ agentId: r.agent_id, at: Math.round(r.t), from: 'on-call', to: 'wrap-up', callId: r.call_id });
      if (r.end_t !== null) list.push({ agentId: r.agent_id, at: Math.round(r.end_t), from: 'wrap-up', to: 'available' });
      wraps.set(r.call_id, list);
    }

    const cdrs = [];
    const legs = [];
    const segments = [];
    for (const callId of callIds) {
      const built = buildCdr(summaries.get(callId), events.get(callId) ?? [], wraps.get(callId) ?? [], { shortAbandonMs: this.opts.shortAbandonMs });
      if (built.cdr !== undefined) cdrs.push(cdrRow(built.cdr));
      legs.push(...legRows(callId, built.legs));
      segments.push(...segmentRows(built.segments, this.opts.shortAbandonMs));
    }
    if (cdrs.length > 0) await tx.query(SQL.UPSERT_CDRS, [pgJson(cdrs)]);
    if (legs.length > 0) await tx.query(SQL.UPSERT_LEGS, [pgJson(legs)]);
    if (segments.length > 0) await tx.query(SQL.UPSERT_SEGMENTS, [pgJson(segments)]);
    return cdrs.length;
  }
}

function queueLogRow(e: JournalEvent): Record<string, unknown> {
  return { stream_id: e.id, at: e.time, event: e.event, queue: e.queue ?? '', call_id: e.callId ?? '', agent_id: e.agentId ?? '', data: e.data };
}

function stateLogRow(e: StateLogEntry): Record<string, unknown> {
  return { stream_id: e.id, at: e.time, agent_id: e.agentId, from_state: e.from, to_state: e.to, cause: e.cause, reason: e.reason ?? '', call_id: e.callId ?? '' };
}
