/**
 * The records worker end to end on real Redis and PostgreSQL: a scripted
 * morning (test/support/fixture-day.ts) goes through the real ACD Lua
 * scripts and the call log, the ingester copies the journals into the
 * database and builds CDRs, legs and queue visits. Replays change nothing; a
 * database outage delays records and loses none; the BullMQ worker does the
 * same on its own schedule.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DbError, type Db } from '../../src/store/db.js';
import { RecordsWorker } from '../../src/reports/ingest/worker.js';
import { recordsEnv, REDIS_URL, type RecordsEnv } from '../support/records-env.js';
import { runScript } from '../support/scripted-calls.js';
import { AGENTS, CALLS } from '../support/fixture-day.js';

let env: RecordsEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function scriptedMorning(): Promise<RecordsEnv> {
  env = await recordsEnv();
  await runScript(CALLS, { store: env.store, callLog: env.callLog, agents: AGENTS });
  return env;
}

interface CdrRow {
  call_id: string;
  disposition: string;
  short_abandon: boolean;
  caller_number: string;
  dialed_number: string | null;
  queue: string | null;
  agent_id: string | null;
  queues: string[];
  agents: string[];
  wait_ms: string;
  talk_ms: string;
  hold_ms: string;
  wrap_ms: string;
  transfers: number;
  ivr_path: string[];
  variables: Record<string, string>;
}

async function cdrs(db: Db): Promise<Map<string, CdrRow>> {
  const { rows } = await db.query<CdrRow>('SELECT * FROM cdrs ORDER BY call_id');
  return new Map(rows.map((r) => [r.call_id, r]));
}

/** Everything the worker derived, minus bookkeeping timestamps: to compare two runs. */
async function derived(db: Db): Promise<unknown> {
  const c = await db.query('SELECT * FROM cdrs ORDER BY call_id');
  const l = await db.query('SELECT * FROM cdr_legs ORDER BY leg_id');
  const s = await db.query('SELECT * FROM queue_segments ORDER BY call_id, seq');
  const counts = await db.query(`SELECT (SELECT count(*) FROM queue_log) AS q, (SELECT count(*) FROM agent_state_log) AS a, (SELECT count(*) FROM call_log) AS c`);
  return { cdrs: c.rows.map((r) => ({ ...(r as object), updated_at: undefined })), legs: l.rows, segments: s.rows, counts: counts.rows };
}

describe('records: journals → CDRs in PostgreSQL', () => {
  it('a scripted morning → one CDR per call with its disposition, wait, talk, hold, wrap-up and the IVR data', async () => {
    const e = await scriptedMorning();
    const result = await e.ingester().runOnce();
    expect(result.summaries).toBe(7); // c8 left none
    const rows = await cdrs(e.db);
    expect([...rows.keys()]).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8']);
    expect(rows.get('c1')).toMatchObject({ disposition: 'answered', caller_number: '+4930111', dialed_number: '100', queue: 'sales', agent_id: 'a1', wait_ms: '12000', talk_ms: '120000', hold_ms: '20000', wrap_ms: '15000', transfers: 0, ivr_path: ['start', 'menu', 'queue'], variables: { account: 'acct-c1' } });
    expect(rows.get('c2')).toMatchObject({ disposition: 'answered', agent_id: 'a2', wait_ms: '20000', talk_ms: '60000', wrap_ms: '10000' });
    expect(rows.get('c3')).toMatchObject({ disposition: 'abandoned', short_abandon: true, wait_ms: '3000', agent_id: null });
    expect(rows.get('c4')).toMatchObject({ disposition: 'abandoned', short_abandon: false, wait_ms: '40000' });
    expect(rows.get('c5')).toMatchObject({ disposition: 'transferred', transfers: 1, agent_id: 'a1', wait_ms: '25000', talk_ms: '30000' });
    expect(rows.get('c6')).toMatchObject({ disposition: 'answered', queues: ['support', 'sales'], queue: 'sales', agent_id: 'a2', wait_ms: '55000', talk_ms: '100000' });
    expect(rows.get('c7')).toMatchObject({ disposition: 'overflowed', caller_number: 'anonymous', wait_ms: '90000' });
    // no summary: the queue side alone still makes a record
    expect(rows.get('c8')).toMatchObject({ disposition: 'answered', caller_number: '+4930888', dialed_number: null, agent_id: 'a1', talk_ms: '50000' });

    const legs = await e.db.query<{ call_id: string; role: string; party: string }>('SELECT call_id, role, party FROM cdr_legs ORDER BY call_id, role');
    expect(legs.rows.filter((l) => l.call_id === 'c1')).toEqual([
      { call_id: 'c1', role: 'agent', party: 'a1' },
      { call_id: 'c1', role: 'caller', party: '+4930111' },
    ]);
    const seg = await e.db.query<{ call_id: string; seq: number; queue: string; outcome: string; wait_ms: string }>('SELECT call_id, seq, queue, outcome, wait_ms FROM queue_segments WHERE call_id = $1 ORDER BY seq', ['c6']);
    expect(seg.rows).toEqual([
      { call_id: 'c6', seq: 0, queue: 'support', outcome: 'overflowed', wait_ms: '45000' },
      { call_id: 'c6', seq: 1, queue: 'sales', outcome: 'answered', wait_ms: '55000' },
    ]);
    // the raw journals are there verbatim
    const q = await e.db.query<{ n: string }>(`SELECT count(*) AS n FROM queue_log WHERE event = 'ENTERQUEUE'`);
    expect(q.rows[0]?.n).toBe('9');
  });

  it('run again, and again from scratch (checkpoints deleted) → not one row more, every record the same', async () => {
    const e = await scriptedMorning();
    await e.ingester().runOnce();
    const first = await derived(e.db);
    expect(await e.ingester().runOnce()).toEqual({ queueEvents: 0, stateChanges: 0, summaries: 0, calls: 0 });
    await e.db.query('DELETE FROM ingest_checkpoints');
    const replay = await e.ingester({ batchSize: 7 }).runOnce();
    expect(replay.queueEvents).toBeGreaterThan(0);
    expect(await derived(e.db)).toEqual(first);
  });

  it('a summary written twice (a retried XADD that did land) → still one record', async () => {
    const e = await scriptedMorning();
    const entries = await e.callLog.read('-', 1);
    e.callLog.append(entries[0]!.summary!);
    await e.callLog.flush();
    await e.ingester().runOnce();
    const n = await e.db.query<{ n: string }>(`SELECT count(*) AS n FROM call_log WHERE call_id = 'c1'`);
    expect(n.rows[0]?.n).toBe('1');
    expect((await cdrs(e.db)).size).toBe(8);
  });

  it('PostgreSQL down for a while → the runs fail with DB_UNAVAILABLE and move nothing; once it is back every record arrives, once', async () => {
    const e = await scriptedMorning();
    let up = true;
    // the database goes away right after the first batch's transaction
    const failing: Db = {
      kind: e.db.kind,
      query: (sql, params) => e.db.query(sql, params),
      close: () => Promise.resolve(),
      transaction: async (fn) => {
        const r = await e.db.transaction(fn);
        up = false;
        return r;
      },
    };
    await expect(e.ingester({ batchSize: 5, db: () => (up ? failing : undefined) }).runOnce()).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
    await expect(e.ingester({ db: () => undefined }).runOnce()).rejects.toBeInstanceOf(DbError);
    const before = await e.db.query<{ n: string }>('SELECT count(*) AS n FROM queue_log');
    expect(Number(before.rows[0]?.n)).toBe(5);

    up = true;
    await e.ingester({ db: () => (up ? e.db : undefined) }).runOnce();
    expect((await cdrs(e.db)).size).toBe(8);
    const all = await e.db.query<{ n: string }>('SELECT count(*) AS n FROM queue_log');
    expect(Number(all.rows[0]?.n)).toBe(await e.redis.xlen(e.store.keys.journal()));
  });

  it('the connection drops at COMMIT (after every statement of the batch ran) → the transaction rolls back whole: no row, no checkpoint; the next run lands everything once', async () => {
    const e = await scriptedMorning();
    const dropsAtCommit: Db = {
      kind: e.db.kind,
      query: (sql, params) => e.db.query(sql, params),
      close: () => Promise.resolve(),
      transaction: (fn) =>
        e.db.transaction(async (tx) => {
          await fn(tx);
          throw new DbError('DB_UNAVAILABLE', 'connection lost at commit');
        }),
    };
    await expect(e.ingester({ db: () => dropsAtCommit }).runOnce()).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
    const counts = await e.db.query<{ q: string; c: string; k: string }>(
      'SELECT (SELECT count(*) FROM queue_log) AS q, (SELECT count(*) FROM cdrs) AS c, (SELECT count(*) FROM ingest_checkpoints) AS k',
    );
    expect(counts.rows[0]).toEqual({ q: '0', c: '0', k: '0' });
    await e.ingester().runOnce();
    expect((await cdrs(e.db)).size).toBe(8);
  });

  // the agent's wrap-up ends after the call was already recorded: only the state log has news, and the CDR follows
  for (const [how, end] of [
    ['the ACD sweeps it at its end', (e: RecordsEnv, at: number) => e.store.sweep(at)],
    ['the agent presses "wrap-up done"', (e: RecordsEnv, at: number) => e.store.agentState('a1', 'available', 'wrap-up-done', at)],
    ['the agent pauses from wrap-up', (e: RecordsEnv, at: number) => e.store.agentState('a1', 'paused', 'pause', at, { reason: 'lunch' })],
    ['the agent logs out from wrap-up', (e: RecordsEnv, at: number) => e.store.agentState('a1', 'logged-out', 'logout', at)],
  ] as const) {
    it(`a wrap-up that ends after the call was recorded (${how}) → the CDR is rebuilt with it`, async () => {
      const e = (env = await recordsEnv());
      const t = Date.parse('2024-03-15T09:00:00+01:00');
      await e.store.agentState('a1', 'available', 'login', t - 1000);
      await e.store.enqueue({ callId: 'w1', queue: 'sales', priority: 0, owner: 'x', maxLength: 0, caller: '+4930999' }, t);
      await e.store.reserve('w1', 'sales', [{ id: 'a1', maxOffers: 1 }], t + 1000);
      await e.store.ring('w1', 'a1', 60_000, t + 1000);
      await e.store.answer('w1', 'a1', 'sales', t + 5000);
      await e.store.complete('w1', 'COMPLETECALLER', 30_000, {}, t + 65_000);
      await e.ingester().runOnce();
      expect((await cdrs(e.db)).get('w1')).toMatchObject({ disposition: 'answered', talk_ms: '60000', wrap_ms: '0' });
      await end(e, t + 95_000);
      // (a pause or logout also writes its PAUSE / AGENTLOGOFF to the queue log)
      expect(await e.ingester().runOnce()).toMatchObject({ stateChanges: 1, calls: 1 });
      expect((await cdrs(e.db)).get('w1')).toMatchObject({ wrap_ms: '30000' });
    });
  }

  it('an entry the database refuses (a journal time that is no time) → parked in ingest_rejects with the error; every other record still arrives, once', async () => {
    const e = await scriptedMorning();
    const bad = await e.redis.xadd(e.store.keys.journal(), '*', 'event', 'ENTERQUEUE', 'time', 'garbage', 'queue', 'sales', 'callId', 'x1', 'agentId', '', 'data', '{}');
    // and a call after it, whose records must not wait behind it
    const t = Date.parse('2024-03-15T12:00:00+01:00');
    await e.store.enqueue({ callId: 'z1', queue: 'sales', priority: 0, owner: 'x', maxLength: 0, caller: '+4930555' }, t);
    await e.store.leave('z1', 'ABANDON', {}, t + 30_000);
    await e.ingester().runOnce();
    expect((await cdrs(e.db)).size).toBe(9);
    expect((await cdrs(e.db)).get('z1')).toMatchObject({ disposition: 'abandoned', wait_ms: '30000' });
    const rejects = await e.db.query<{ source: string; stream_id: string; error: string }>('SELECT source, stream_id, error FROM ingest_rejects');
    expect(rejects.rows).toEqual([{ source: 'acd:journal', stream_id: bad, error: expect.stringMatching(/^23502 /) }]);
    expect(await e.ingester().runOnce()).toEqual({ queueEvents: 0, stateChanges: 0, summaries: 0, calls: 0 });
  });

  it('a call variable with a NUL character (PostgreSQL cannot store one) → the CDR is written without it', async () => {
    const e = await scriptedMorning();
    const [first] = await e.callLog.read('-', 1);
    e.callLog.append({ ...first!.summary!, callId: 'n1', variables: { note: 'a\u0000b', ['k\u0000']: 'v' } });
    await e.callLog.flush();
    await e.ingester().runOnce();
    expect((await cdrs(e.db)).get('n1')?.variables).toEqual({ note: 'ab', k: 'v' });
  });

  it('the journal trimmed past the checkpoint (an outage longer than the stream holds) → RECORDS_GAP logged as an error, once; what is left is still ingested', async () => {
    const e = await scriptedMorning();
    await e.ingester().runOnce();
    const t = Date.parse('2024-03-15T12:00:00+01:00');
    await e.store.enqueue({ callId: 'z1', queue: 'sales', priority: 0, owner: 'x', maxLength: 0, caller: '+4930555' }, t);
    await e.store.leave('z1', 'ABANDON', {}, t + 30_000);
    const [, newest] = await e.store.journal('-', 100_000).then((j) => j.slice(-2).map((x) => x.id));
    // MAXLEN trimming, as a long outage would do it: z1's ENTERQUEUE is gone unread
    await e.redis.xtrim(e.store.keys.journal(), 'MINID', newest!);
    const lines: { code?: string; level: number }[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as { code?: string; level: number }) });
    const ingester = e.ingester({ logger });
    await ingester.runOnce();
    await ingester.runOnce();
    expect(lines.filter((l) => l.code === 'RECORDS_GAP')).toHaveLength(1);
    expect(lines.find((l) => l.code === 'RECORDS_GAP')?.level).toBe(50);
    const ingested = await e.db.query<{ n: string }>(`SELECT count(*) AS n FROM queue_log WHERE call_id = 'z1'`);
    expect(ingested.rows[0]?.n).toBe('1');
  });

  it('on the embedded PGlite (the server without DATABASE_URL) → the same records as on PostgreSQL', async () => {
    const pg = await scriptedMorning();
    await pg.ingester().runOnce();
    const onPg = await derived(pg.db);
    const lite = await recordsEnv({ pglite: true });
    try {
      await runScript(CALLS, { store: lite.store, callLog: lite.callLog, agents: AGENTS });
      await lite.ingester().runOnce();
      const onLite = (await derived(lite.db)) as { cdrs: Record<string, unknown>[] };
      // node-pg gives bigint columns (the *_ms ones, counts) as strings, PGlite as numbers: compare values
      const numbers = (d: unknown): unknown => JSON.parse(JSON.stringify(d), (k, v: unknown) => ((k.endsWith('_ms') || ['q', 'a', 'c'].includes(k)) && typeof v === 'string' ? Number(v) : v));
      expect(numbers(onLite)).toEqual(numbers(onPg));
      expect(onLite.cdrs).toHaveLength(8);
    } finally {
      await lite.close();
    }
  }, 60_000);

  it('the BullMQ worker ingests on its schedule without being asked', async () => {
    const e = await scriptedMorning();
    const worker = new RecordsWorker({ redisUrl: REDIS_URL, bullPrefix: e.keys.key('bull'), ingester: e.ingester(), everyMs: 200 });
    await worker.start();
    try {
      await expect.poll(async () => (await cdrs(e.db)).size, { timeout: 15_000, interval: 200 }).toBe(8);
      expect(worker.runs).toBeGreaterThan(0);
    } finally {
      await worker.stop();
    }
  });
});
