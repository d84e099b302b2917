/**
 * The recordings API without the rest of the server: fastify with the CTI
 * base (token guard, JWT, error catalogue) and only the recording routes, on
 * a real PostgreSQL schema of its own; recording rows stored through
 * RecordingStore.save with real WAV files in a temp dir; CDR rows written
 * directly. Tokens straight from the TokenIssuer of config/test.yaml.
 *
 *   const h = await startRecordingsApp();
 *   const rec = await h.addRecording({ agentId: '1001', durationMs: 2000 });
 *   const res = await h.app.inject({ url: `/v1/recordings/${rec.id}/audio`, headers: { authorization: `Bearer ${h.token('1001')}` } });
 *   await h.close();
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger, type Logger } from '../../src/log.js';
import { buildHttpServer } from '../../src/http/server.js';
import { installCtiBase } from '../../src/cti/plugin.js';
import type { TokenIssuer } from '../../src/cti/auth/tokens.js';
import { recordingRoutes } from '../../src/cti/routes/recordings.js';
import { RecordingStore, type RecordingMeta } from '../../src/recording/store.js';
import { openDb, type Db } from '../../src/store/db.js';
import { TEST_DATABASE_URL } from './server.js';

/** A PCM16 WAV of `ms` milliseconds of a 440 Hz tone. */
export function wavBytes(ms: number, opts: { sampleRate?: number; channels?: number } = {}): Buffer {
  const rate = opts.sampleRate ?? 8000;
  const channels = opts.channels ?? 1;
  const frames = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000);
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

export interface NewRecording extends Partial<RecordingMeta> {
  /** The file's bytes; default a WAV of durationMs (2 s); null: no file on disk. */
  audio?: Buffer | null;
}

/** Stores a recording row (and its WAV) through RecordingStore; returns its metadata. */
export async function addRecording(store: RecordingStore, dir: string, o: NewRecording = {}): Promise<RecordingMeta & { audio: Buffer | null }> {
  const id = o.id ?? randomUUID();
  const durationMs = o.durationMs ?? 2000;
  const audio = o.audio === undefined ? wavBytes(durationMs) : o.audio;
  const filePath = o.filePath ?? join(dir, `${id}.wav`);
  if (audio !== null) writeFileSync(filePath, audio);
  const startedAt = o.startedAt ?? new Date(Date.now() - 3_600_000);
  const { audio: _audio, ...rest } = o;
  const meta: RecordingMeta = {
    callId: `call-${id}`,
    legs: [{ role: 'caller', legId: 'leg-a', sipCallId: `${id}@caller` }],
    callerNumber: '+15550000001',
    agentId: '1001',
    queue: 'sales',
    answeredAt: new Date(startedAt.getTime() + 1000),
    endedAt: new Date(startedAt.getTime() + 1000 + durationMs),
    sizeBytes: audio?.length ?? 0,
    format: 'wav/pcm16/8000/1ch',
    channels: 1,
    checksumSha256: '',
    status: 'complete',
    ...rest,
    id,
    durationMs,
    filePath,
    startedAt,
  };
  if ((await store.save(meta)) !== 'stored') throw new Error('recording row was spooled, not stored');
  return { ...meta, audio };
}

export async function addCdr(db: Db, callId: string, disposition: string, callerNumber = '+15550000001'): Promise<void> {
  await db.query(`INSERT INTO cdrs (call_id, direction, caller_number, started_at, disposition) VALUES ($1, 'inbound', $2, now(), $3)`, [callId, callerNumber, disposition]);
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface RecordingsApp {
  app: FastifyInstance;
  config: Config;
  /** The real database (the routes see `wrap(db)` when a wrapper was given). */
  db: Db;
  dir: string;
  store: RecordingStore;
  issuer: TokenIssuer;
  /** A bearer token for an API key id of config/test.yaml or an agent id. */
  token(who: string): string;
  addRecording(o?: NewRecording): Promise<RecordingMeta & { audio: Buffer | null }>;
  addCdr(callId: string, disposition: string): Promise<void>;
  /** Every log line so far, parsed. */
  logs(): LogLine[];
  /** What the routes see as the database from now on (undefined: down). */
  setDb(db: Db | undefined): void;
  close(): Promise<void>;
}

export async function startRecordingsApp(opts: { ticketTtlSeconds?: number; configure?: (c: Config) => void } = {}): Promise<RecordingsApp> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-recordings-'));
  const schema = `t_recapi_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const config = loadConfig({ file: 'config/test.yaml', env: { DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: TEST_DATABASE_URL } });
  opts.configure?.(config);
  const raw: string[] = [];
  const logger: Logger = createLogger('debug', { destination: { write: (s: string) => void raw.push(s) } });
  const db = await openDb({ url: TEST_DATABASE_URL, dataDir: dir, schema });
  let current: Db | undefined = db;
  const store = new RecordingStore({ db: () => db, spoolDir: join(dir, 'spool') });
  const app = buildHttpServer({ logger, health: () => Promise.resolve({}) });
  const issuer = await installCtiBase(app, config, 'recordings-test-secret-0123456789abcdef');
  const teams = new Map(config.agents.map((a) => [a.id, a.teams]));
  await app.register(
    recordingRoutes({ config, logger, issuer, teamsOf: (id) => teams.get(id), db: () => current }, opts.ticketTtlSeconds === undefined ? {} : { ticketTtlSeconds: opts.ticketTtlSeconds }),
  );
  await app.ready();
  return {
    app,
    config,
    db,
    dir,
    store,
    issuer,
    token(who) {
      const key = config.cti.apiKeys.find((k) => k.id === who);
      if (key !== undefined) return issuer.forApiKey(key.key).token;
      const agent = config.agents.find((a) => a.id === who);
      if (agent === undefined) throw new Error(`no API key or agent ${who} in config/test.yaml`);
      return issuer.forAgent(agent.id, agent.password).token;
    },
    addRecording: (o) => addRecording(store, dir, o),
    addCdr: (callId, disposition) => addCdr(db, callId, disposition),
    logs: () => raw.map((l) => JSON.parse(l) as LogLine),
    setDb(d) {
      current = d;
    },
    async close() {
      await app.close();
      await store.stop();
      await db.close();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      try {
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end().catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
