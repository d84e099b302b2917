/**
 * The retention policy (src/recording/retention.ts) against a real PostgreSQL
 * (a schema per test) and real files: per-queue days against the default,
 * 0 = for ever, voicemail and queue-less rows on the default; files deleted,
 * rows marked, purges audited as system:retention; a second pass changes
 * nothing; a file already gone is fine; a crash between the file delete and
 * the row update is repaired by the next pass; the database down is a warning
 * and a retry at the next tick, never an exception out of the timer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRecordingsApp, wavBytes, type RecordingsApp } from '../support/recordings.js';
import { RecordingRetention, retentionPolicy, type RecordingRetentionOptions, type RetentionTimers } from '../../src/recording/retention.js';
import { createLogger } from '../../src/log.js';
import { DbError, type Db } from '../../src/store/db.js';

const DAY = 86_400_000;
const NOW = new Date();
const daysAgo = (d: number): Date => new Date(NOW.getTime() - d * DAY);

interface RowState {
  purged_at: Date | null;
  purge_reason: string | null;
}

/** Timers the test fires by hand. */
function manualTimers(): RetentionTimers & { pending: { fn: () => void; ms: number }[]; fire(): void } {
  const pending: { fn: () => void; ms: number }[] = [];
  return {
    pending,
    setTimeout(fn, ms) {
      const t = { fn, ms };
      pending.push(t);
      return t;
    },
    clearTimeout(h) {
      const i = pending.indexOf(h as { fn: () => void; ms: number });
      if (i >= 0) pending.splice(i, 1);
    },
    fire() {
      const t = pending.shift();
      if (t === undefined) throw new Error('no timer pending');
      t.fn();
    },
  };
}

describe('recording retention', () => {
  let h: RecordingsApp;
  const ids = new Map<string, string>();
  const files = new Map<string, string>();
  const id = (n: string): string => ids.get(n)!;
  const file = (n: string): string => files.get(n)!;
  const logLines: { level: number; msg: string; code?: string }[] = [];
  const logger = createLogger('debug', { destination: { write: (s: string) => void logLines.push(JSON.parse(s) as { level: number; msg: string }) } });

  const policy = { recording: { retentionDays: 30 }, queues: [{ id: 'sales', recording: { retentionDays: 7 } }, { id: 'vip', recording: { retentionDays: 0 } }, { id: 'support' }] };
  const retention = (o: Partial<RecordingRetentionOptions> = {}): RecordingRetention =>
    new RecordingRetention({ db: () => h.db, policy: retentionPolicy(policy), tenant: 'test', roots: [h.dir], logger, ...o });
  const row = async (n: string): Promise<RowState> =>
    (await h.db.query<RowState>('SELECT purged_at, purge_reason FROM recordings WHERE id = $1', [id(n)])).rows[0]!;
  const purgeAudits = async (): Promise<{ recording_id: string; principal: string; tenant: string | null }[]> =>
    (await h.db.query<{ recording_id: string; principal: string; tenant: string | null }>("SELECT recording_id, principal, tenant FROM recording_audit WHERE action = 'purge' ORDER BY id")).rows;
  const add = async (n: string, queue: string | null, ageDays: number, o: { audio?: Buffer | null; filePath?: string } = {}): Promise<void> => {
    const rec = await h.addRecording({ queue, startedAt: daysAgo(ageDays), audio: wavBytes(20), ...o });
    ids.set(n, rec.id);
    files.set(n, rec.filePath);
  };

  beforeEach(async () => {
    h = await startRecordingsApp();
    ids.clear();
    files.clear();
    logLines.length = 0;
    await add('sales8', 'sales', 8);
    await add('sales6', 'sales', 6);
    await add('support31', 'support', 31);
    await add('support20', 'support', 20);
    await add('vip400', 'vip', 400);
    await add('voicemail31', 'voicemail:sales', 31);
    await add('noqueue40', null, 40);
  });
  afterEach(async () => {
    await h.close();
  });

  it('retentionPolicy reads recording.retentionDays and each queue’s recording.retentionDays (unset: the default applies)', () => {
    expect(retentionPolicy(policy)).toEqual({ defaultDays: 30, queues: { sales: 7, vip: 0 } });
    expect(retentionPolicy({ recording: {}, queues: [] })).toEqual({ defaultDays: 0, queues: {} });
  });

  it('one pass: the queue’s days win over the default, 0 keeps for ever, voicemail and queue-less rows follow the default; files deleted, rows marked, purges audited', async () => {
    const result = await retention().runOnce(NOW);
    expect(result).toEqual({ purged: 4, alreadyMissing: 0, failed: 0 });
    for (const n of ['sales8', 'support31', 'voicemail31', 'noqueue40']) {
      expect(existsSync(file(n)), n).toBe(false);
      const r = await row(n);
      expect(r.purged_at?.getTime(), n).toBe(NOW.getTime());
    }
    expect((await row('sales8')).purge_reason).toBe('retention:queue:7d');
    expect((await row('support31')).purge_reason).toBe('retention:default:30d');
    for (const n of ['sales6', 'support20', 'vip400']) {
      expect(existsSync(file(n)), n).toBe(true);
      expect((await row(n)).purged_at, n).toBeNull();
    }
    const audits = await purgeAudits();
    expect(audits.map((a) => a.recording_id).sort()).toEqual(['sales8', 'support31', 'voicemail31', 'noqueue40'].map(id).sort());
    for (const a of audits) expect(a).toMatchObject({ principal: 'system:retention', tenant: 'test' });
    // the purged rows are out of a default search, with their metadata kept
    const res = await h.app.inject({ method: 'GET', url: '/v1/recordings?includePurged=1', headers: { authorization: `Bearer ${h.token('admin')}` } });
    expect(res.json<{ recordings: { purged: boolean }[] }>().recordings.filter((r) => r.purged)).toHaveLength(4);
  });

  it('a second pass is a no-op: nothing purged, no new audit rows, the first purge time kept', async () => {
    const r = retention();
    await r.runOnce(NOW);
    const later = new Date(NOW.getTime() + 60_000);
    expect(await r.runOnce(later)).toEqual({ purged: 0, alreadyMissing: 0, failed: 0 });
    expect(await purgeAudits()).toHaveLength(4);
    expect((await row('sales8')).purged_at?.getTime()).toBe(NOW.getTime());
  });

  it('time moves on: the 6-day-old sales recording goes once it is past 7 days', async () => {
    const r = retention();
    await r.runOnce(NOW);
    expect(await r.runOnce(new Date(NOW.getTime() + 1.5 * DAY))).toEqual({ purged: 1, alreadyMissing: 0, failed: 0 });
    expect(existsSync(file('sales6'))).toBe(false);
  });

  it('a file already gone is fine: the row is marked all the same (counted as already missing)', async () => {
    await add('gone', 'support', 45, { audio: null });
    expect(await retention().runOnce(NOW)).toEqual({ purged: 5, alreadyMissing: 1, failed: 0 });
    expect((await row('gone')).purge_reason).toBe('retention:default:30d');
  });

  it('several instances, each with its own data dir: a pass purges only what its instance stored (and rows from before stored_by), never marks another instance’s recording purged', async () => {
    // sales8 and support31 were recorded on instance B; this pass runs on A (where their files are not)
    await h.db.query(`UPDATE recordings SET stored_by = 'B' WHERE id = ANY($1::text[])`, [[id('sales8'), id('support31')]]);
    await h.db.query(`UPDATE recordings SET stored_by = 'A' WHERE id = $1`, [id('voicemail31')]);
    expect(await retention({ instanceId: 'A' }).runOnce(NOW)).toEqual({ purged: 2, alreadyMissing: 0, failed: 0 });
    expect((await row('sales8')).purged_at).toBeNull();
    expect((await row('support31')).purged_at).toBeNull();
    expect((await row('voicemail31')).purged_at).not.toBeNull();
    expect((await row('noqueue40')).purged_at).not.toBeNull();
    // B's own pass takes its two
    expect(await retention({ instanceId: 'B' }).runOnce(NOW)).toEqual({ purged: 2, alreadyMissing: 0, failed: 0 });
  });

  it('a crash between the file delete and the row update (the database fails then) is repaired by the next pass', async () => {
    const real = h.db;
    let failing = true;
    const flaky: Db = {
      kind: real.kind,
      close: () => real.close(),
      query: (sql, params) => real.query(sql, params),
      transaction: (fn) => (failing ? Promise.reject(new DbError('DB_UNAVAILABLE', 'connection reset')) : real.transaction(fn)),
    };
    const r = retention({ db: () => flaky });
    await expect(r.runOnce(NOW)).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
    // the first expired file (oldest first: noqueue40) is gone, its row unmarked
    expect(existsSync(file('noqueue40'))).toBe(false);
    expect((await row('noqueue40')).purged_at).toBeNull();
    failing = false;
    expect(await r.runOnce(NOW)).toEqual({ purged: 4, alreadyMissing: 1, failed: 0 });
    expect((await row('noqueue40')).purge_reason).toBe('retention:default:30d');
    expect(await purgeAudits()).toHaveLength(4);
  });

  it('a file that cannot be deleted leaves its row for the next pass and the others go on, across batches; a path outside the roots is never deleted', async () => {
    const dirAsFile = join(h.dir, 'not-a-file.wav');
    mkdirSync(dirAsFile);
    await add('undeletable', 'support', 50, { audio: null, filePath: dirAsFile });
    const outside = join(h.dir, '..', `outside-${Date.now()}.wav`);
    await add('outside', 'support', 60, { audio: wavBytes(10), filePath: outside });
    const result = await retention({ batchSize: 2 }).runOnce(NOW);
    expect(result).toEqual({ purged: 4, alreadyMissing: 0, failed: 2 });
    expect((await row('undeletable')).purged_at).toBeNull();
    expect((await row('outside')).purged_at).toBeNull();
    expect(existsSync(outside)).toBe(true);
    expect(logLines.map((l) => l.code)).toEqual(expect.arrayContaining(['RECORDING_PURGE_FILE_FAILED', 'RECORDING_PURGE_OUTSIDE_ROOTS']));
    const { rm } = await import('node:fs/promises');
    await rm(outside, { force: true });
  });

  it('no retention configured (default 0, no queue days): nothing is ever purged', async () => {
    const r = new RecordingRetention({ db: () => h.db, policy: retentionPolicy({ recording: {}, queues: [] }), logger });
    expect(r.enabled).toBe(false);
    expect(await r.runOnce(new Date(NOW.getTime() + 1000 * DAY))).toEqual({ purged: 0, alreadyMissing: 0, failed: 0 });
    expect(existsSync(file('vip400'))).toBe(true);
  });

  it('database down: runOnce rejects DB_UNAVAILABLE; under start() the pass logs a warning with the code and the next tick purges once the database is back', async () => {
    const current: { db: Db | undefined } = { db: undefined };
    await expect(retention({ db: () => current.db }).runOnce(NOW)).rejects.toBeInstanceOf(DbError);

    const timers = manualTimers();
    const r = retention({ db: () => current.db, timers, intervalMs: 1234, initialDelayMs: 5 });
    r.start();
    r.start(); // idempotent
    expect(timers.pending.map((t) => t.ms)).toEqual([5]);
    timers.fire();
    await expect.poll(() => timers.pending.length).toBe(1);
    expect(timers.pending[0]?.ms).toBe(1234);
    const warn = logLines.find((l) => l.code === 'DB_UNAVAILABLE');
    expect(warn?.level).toBe(40);
    expect((await row('sales8')).purged_at).toBeNull();

    current.db = h.db;
    timers.fire();
    await expect.poll(async () => (await row('sales8')).purged_at !== null).toBe(true);
    await expect.poll(() => timers.pending.length).toBe(1);
    await r.stop();
    expect(timers.pending).toHaveLength(0);
    expect(await purgeAudits()).toHaveLength(4);
  });

  it('stop() waits for a pass in progress and nothing is scheduled after it', async () => {
    const timers = manualTimers();
    const r = retention({ timers, initialDelayMs: 0 });
    r.start();
    timers.fire();
    await r.stop();
    expect(timers.pending).toHaveLength(0);
    expect(await purgeAudits()).toHaveLength(4);
  });
});
