/**
 * bench:records — how fast the records worker turns a day of journals into
 * CDRs, and how long the reports over them take.
 *
 * A synthetic busy day (default 20,000 calls over 10 hours in one queue, 120
 * agents, ~10 % abandoned, talk 60–300 s, wrap-up 10 s) goes through the
 * real ACD Lua scripts and the call log on a fresh Redis prefix; then the
 * real ingester copies it into PostgreSQL (DATABASE_URL, else the local test
 * database, in a schema of its own, dropped after) and the day report and the
 * live counters are computed over it. Prints one JSON line:
 *   {"calls" (CDRs written), "journal_entries", "ingest_s", "calls_per_s", "entries_per_s",
 *    "rebuilds" (CDR rebuilds: a call whose entries span batches is rebuilt in each),
 *    "report_15m_ms", "report_agents_hour_ms", "live_ms", "live_equals_history"}
 * Options: --calls N.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AcdStore } from '../src/acd/store/acd-store.js';
import { AcdKeys } from '../src/acd/store/keys.js';
import { QueueDayStats } from '../src/cti/queue-stats.js';
import type { CallSummary } from '../src/reports/core/cdr.js';
import { RecordsIngester } from '../src/reports/ingest/ingester.js';
import { CallLog } from '../src/reports/records/call-log.js';
import { ReportService } from '../src/reports/report-service.js';
import { openDb } from '../src/store/db.js';
import { createRedis, deletePrefix, RedisKeys } from '../src/store/redis.js';
import { log } from './proc.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const CALLS = flag('calls', 20_000);
const AGENTS = 120;
const TZ = 'UTC';
const DAY = Date.UTC(2024, 2, 15);
const OPEN = DAY + 8 * 3_600_000;
const SPAN = 10 * 3_600_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A small deterministic PRNG: the same day every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function main(): Promise<void> {
  const prefix = `bench:${randomUUID()}:`;
  const schema = `b_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-bench-records-'));
  const redis = createRedis(REDIS_URL);
  const keys = new RedisKeys(prefix);
  const store = new AcdStore(redis, { keys: new AcdKeys(keys), reservationTtlMs: 10_000, missesBeforePause: 3, handleTimeWindow: 50 });
  const callLog = new CallLog(redis, keys);
  const db = await openDb({ url: PG_URL, dataDir, schema });
  try {
    // the day, in time order: each agent is free again at freeAt
    const random = rng(42);
    const freeAt = new Map<string, number>();
    for (let i = 0; i < AGENTS; i++) {
      const id = `a${i}`;
      await store.agentState(id, 'available', 'login', OPEN - 60_000);
      freeAt.set(id, OPEN);
    }
    type Step = { at: number; run: () => Promise<unknown> };
    const steps: Step[] = [];
    log(`scripting ${CALLS} calls through the ACD Lua scripts`);
    for (let n = 0; n < CALLS; n++) {
      const callId = `c${n}`;
      const at = OPEN + Math.floor((n / CALLS) * SPAN);
      const caller = `+49301${String(Math.floor(random() * 50_000)).padStart(5, '0')}`;
      const summary: CallSummary = { v: 1, callId, direction: 'inbound', caller, dialed: '100', startedAt: at - 5000, endedAt: at, endCause: 'caller-hangup', ivrPath: ['menu', 'queue'], variables: {}, legs: [], holds: [], transfers: [], recordingIds: [], outcomes: [] };
      steps.push({ at, run: () => store.enqueue({ callId, queue: 'sales', priority: 0, owner: 'bench', maxLength: 0, caller }, at) });
      const [agent, free] = [...freeAt].reduce((a, b) => (b[1] < a[1] ? b : a));
      const answerAt = Math.max(at + 2000, free + 2000);
      const patience = Math.round(20_000 + random() * 120_000);
      if (answerAt - at > patience || random() < 0.05) {
        const t = at + Math.min(patience, answerAt - at - 1);
        steps.push({ at: t, run: () => store.leave(callId, 'ABANDON', {}, t) });
        summary.endedAt = t;
      } else {
        const talk = Math.round(60_000 + random() * 240_000);
        const end = answerAt + talk;
        steps.push({ at: answerAt, run: async () => {
          const reserved = await store.reserve(callId, 'sales', [{ id: agent, maxOffers: 1 }], answerAt - 1000);
          await store.ring(callId, agent, 60_000, answerAt - 1000);
          const r = await store.answer(callId, agent, 'sales', answerAt);
          if (!r.ok) throw new Error(`bench script: ${agent} could not answer ${callId} (${JSON.stringify(reserved)}, ${JSON.stringify(await store.agent(agent))})`);
        } });
        steps.push({ at: end, run: () => store.complete(callId, 'COMPLETECALLER', 10_000, {}, end) });
        steps.push({ at: end + 10_000, run: () => store.sweep(end + 10_000) });
        freeAt.set(agent, end + 10_000);
        summary.connectedAt = answerAt;
        summary.endedAt = end;
      }
      steps.push({ at: summary.endedAt, run: () => Promise.resolve(callLog.append(summary)) });
    }
    steps.sort((a, b) => a.at - b.at);
    for (const s of steps) await s.run();
    await callLog.flush();
    const entries = (await redis.xlen(store.keys.journal())) + (await redis.xlen(store.keys.statelog())) + (await redis.xlen(callLog.key));

    log(`ingesting ${entries} journal entries`);
    const ingester = new RecordsIngester({ db: () => db, acd: store, callLog, shortAbandonMs: 5000, redis });
    const t0 = performance.now();
    const result = await ingester.runOnce();
    const ingestS = (performance.now() - t0) / 1000;

    const cdrCount = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM cdrs')).rows[0]?.n ?? 0);
    const reports = new ReportService(() => db, { timeZone: TZ, shortAbandonMs: 5000, fcrDays: 7, slMs: () => 20_000, queues: ['sales'] });
    const day = { from: new Date(DAY), to: new Date(DAY + 86_400_000) };
    let t = performance.now();
    await reports.queueReport({ ...day, interval: '15m' });
    const report15 = performance.now() - t;
    t = performance.now();
    await reports.agentReport({ ...day, interval: 'hour' });
    const reportAgents = performance.now() - t;
    const [history] = await reports.queueReport({ ...day, interval: 'day' });
    t = performance.now();
    const live = new QueueDayStats(store, () => 20, { timeZone: TZ, now: () => DAY + 20 * 3_600_000 });
    await live.refresh();
    const liveMs = performance.now() - t;
    const l = live.today('sales');
    const equal = history !== undefined && l.offered === history.offered && l.answered === history.answered && l.abandoned === history.abandoned && l.serviceLevelPct === history.serviceLevelPct && l.asaMs === history.asaMs;
    process.stdout.write(
      `${JSON.stringify({
        calls: cdrCount,
        journal_entries: entries,
        ingest_s: Math.round(ingestS * 100) / 100,
        calls_per_s: Math.round(cdrCount / ingestS),
        rebuilds: result.calls,
        entries_per_s: Math.round(entries / ingestS),
        report_15m_ms: Math.round(report15),
        report_agents_hour_ms: Math.round(reportAgents),
        live_ms: Math.round(liveMs),
        live_equals_history: equal,
        service_level_pct: history?.serviceLevelPct ?? null,
      })}\n`,
    );
  } finally {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await db.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:records failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
