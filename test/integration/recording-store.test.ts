/**
 * The recordings metadata store against a real PostgreSQL (a unique schema per test, dropped after)
 * and against PGlite in a temp dir: migrations, inserts, and the spool that keeps metadata safe
 * while the database is down.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../support/server.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import { RecordingStore, type RecordingMeta } from '../../src/recording/store.js';
import { DbError, openDb, type Db } from '../../src/store/db.js';
import { freePort } from '../support/ports.js';

// ---- which PostgreSQL ----

const PG_CANDIDATES = process.env.TEST_DATABASE_URL
  ? [process.env.TEST_DATABASE_URL]
  : [TEST_DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

async function reachablePgUrl(): Promise<string> {
  const failures: string[] = [];
  for (const url of PG_CANDIDATES) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return url;
    } catch (err) {
      failures.push(`${url}: ${(err as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`no PostgreSQL reachable for the tests:\n${failures.join('\n')}`);
}

const PG_URL = await reachablePgUrl();
const PG_PORT = Number(new URL(PG_URL).port || 5432);

// ---- per-test resources, cleaned up afterwards ----

const dbs: Db[] = [];
const stores: RecordingStore[] = [];
const schemas: string[] = [];
const dirs: string[] = [];
const servers: Server[] = [];

function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hotline-${label}-`));
  dirs.push(dir);
  return dir;
}

function newSchema(): string {
  const schema = `t_rec_${randomUUID().replace(/-/g, '')}`;
  schemas.push(schema);
  return schema;
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
  for (const db of dbs.splice(0)) await db.close();
  for (const srv of servers.splice(0)) srv.close();
  if (schemas.length > 0) {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    for (const schema of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function captureLogger(): { logger: Logger; lines: () => { msg: string }[] } {
  const raw: string[] = [];
  const logger = createLogger('debug', { destination: { write: (s: string) => void raw.push(s) } });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as { msg: string }) };
}

function track<T extends Db | RecordingStore>(x: T): T {
  if (x instanceof RecordingStore) stores.push(x);
  else dbs.push(x);
  return x;
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function meta(overrides: Partial<RecordingMeta> = {}): RecordingMeta {
  const started = new Date(Date.now() - 65_000);
  started.setMilliseconds(123);
  return {
    id: randomUUID(),
    callId: `call-${randomUUID()}`,
    legs: [
      { role: 'caller', legId: 'leg-a', sipCallId: 'a84b4c76e66710@pc33.example.com' },
      { role: 'agent', legId: 'leg-b', sipCallId: '1j9FpLxk3uxtm8tn@agent.example.com' },
    ],
    callerNumber: '+15551230001',
    agentId: '1001',
    queue: 'support',
    startedAt: started,
    answeredAt: new Date(started.getTime() + 5_000),
    endedAt: new Date(started.getTime() + 65_000),
    durationMs: 60_000,
    filePath: '/var/lib/hotline/recordings/2024/01/x.wav',
    sizeBytes: 1_920_044,
    format: 'wav/pcm16/8000/2ch',
    channels: 2,
    checksumSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    status: 'complete',
    ...overrides,
  };
}

async function countRows(db: Db, id: string): Promise<number> {
  const { rows } = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM recordings WHERE id = $1', [id]);
  return Number(rows[0]!.n);
}

function spoolFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

// ---- the same scenarios on both backends ----

interface Backend {
  /** Opens the database for this test; every call in one test reaches the same database. */
  open: (logger?: Logger) => Promise<Db>;
}

const backends: [string, () => Backend][] = [
  [
    'postgres',
    () => {
      const schema = newSchema();
      const dataDir = tempDir('pgdata');
      return {
        open: async (logger) => track(await openDb({ url: PG_URL, dataDir, schema, ...(logger ? { logger } : {}) })),
      };
    },
  ],
  [
    'pglite',
    () => {
      const dataDir = tempDir('pglite');
      return { open: async (logger) => track(await openDb({ dataDir, ...(logger ? { logger } : {}) })) };
    },
  ],
];

describe.each(backends)('recording store on %s', (kind, backend) => {
  it('runs the migrations once and finds them applied after a restart', async () => {
    const b = backend();
    const log = captureLogger();
    const first = await b.open(log.logger);
    expect(first.kind).toBe(kind);
    const before = await first.query<{ version: number; name: string; applied_at: Date }>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(before.rows.map((r) => [r.version, r.name])).toEqual([
      [1, 'recordings'],
      [2, 'records'],
      [3, 'outbound'],
    ]);
    await first.close();

    const second = await b.open(log.logger);
    const after = await second.query<{ version: number; applied_at: Date }>(
      'SELECT version, applied_at FROM schema_migrations',
    );
    expect(after.rows).toEqual(before.rows.map((r) => ({ version: r.version, applied_at: r.applied_at })));
    // each migration applied once, by the first open
    expect(log.lines().filter((l) => l.msg === 'database migration applied')).toHaveLength(3);
    expect((await second.query('SELECT * FROM recordings')).rows).toEqual([]);
  });

  it('save stores a row that reads back exactly as saved', async () => {
    const db = await backend().open();
    const store = track(new RecordingStore({ db: () => db, spoolDir: tempDir('spool') }));
    const m = meta({ agentId: null, queue: null, answeredAt: null, status: 'failed' });
    const other = meta({ callId: m.callId, startedAt: new Date(m.startedAt.getTime() + 1000) });

    expect(await store.save(m)).toBe('stored');
    expect(await store.save(other)).toBe('stored');

    const row = await store.get(m.id);
    expect(row).toEqual({ ...m, createdAt: expect.any(Date) });
    expect(await store.get(randomUUID())).toBeUndefined();
    expect((await store.findByCall(m.callId)).map((r) => r.id)).toEqual([m.id, other.id]);
    const raw = await db.query<{ legs: unknown }>('SELECT legs FROM recordings WHERE id = $1', [other.id]);
    expect(raw.rows[0]!.legs).toEqual([
      { role: 'caller', leg_id: 'leg-a', sip_call_id: 'a84b4c76e66710@pc33.example.com' },
      { role: 'agent', leg_id: 'leg-b', sip_call_id: '1j9FpLxk3uxtm8tn@agent.example.com' },
    ]);
  });

  it('saving the same id again (a retry after an ambiguous failure) keeps one row', async () => {
    const db = await backend().open();
    const spoolDir = tempDir('spool');
    const store = track(new RecordingStore({ db: () => db, spoolDir }));
    const m = meta();
    expect(await store.save(m)).toBe('stored');
    expect(await store.save({ ...m, callerNumber: '+15559999999' })).toBe('stored');
    expect(await countRows(db, m.id)).toBe(1);
    expect((await store.get(m.id))!.callerNumber).toBe(m.callerNumber);

    // The same record also sitting in the spool (stored, but the process died before deleting it).
    await writeFile(join(spoolDir, `${m.id}.json`), JSON.stringify(m));
    await store.start();
    await until(() => store.pending() === 0 && spoolFiles(spoolDir).length === 0);
    expect(await countRows(db, m.id)).toBe(1);
  });

  it('while the database is down save spools, and the record is stored once it is back', async () => {
    const db = await backend().open();
    const spoolDir = tempDir('spool');
    const live: { db?: Db } = {}; // the database "comes back" when this is set
    const store = track(new RecordingStore({ db: () => live.db, spoolDir, retry: { initialMs: 20, maxMs: 100 } }));
    const m = meta();

    expect(await store.save(m)).toBe('spooled');
    expect(store.pending()).toBe(1);
    expect(spoolFiles(spoolDir)).toEqual([`${m.id}.json`]);
    await new Promise((r) => setTimeout(r, 150)); // a few failed retries
    expect(store.pending()).toBe(1);

    live.db = db;
    await until(() => store.pending() === 0);
    expect(spoolFiles(spoolDir)).toEqual([]);
    expect(await store.get(m.id)).toEqual({ ...m, createdAt: expect.any(Date) });
  });

  it('a spool left by a previous run is stored on start()', async () => {
    const spoolDir = tempDir('spool');
    const previous = new RecordingStore({ db: () => undefined, spoolDir });
    const left = [meta(), meta({ answeredAt: null })];
    for (const m of left) expect(await previous.save(m)).toBe('spooled');
    await previous.stop();
    expect(spoolFiles(spoolDir).sort()).toEqual(left.map((m) => `${m.id}.json`).sort());
    await writeFile(join(spoolDir, `${randomUUID()}.json.123.abcd.tmp`), '{"id":'); // a write cut short by a crash

    const db = await backend().open();
    const store = track(new RecordingStore({ db: () => db, spoolDir }));
    await store.start();
    await until(() => store.pending() === 0);
    expect(spoolFiles(spoolDir)).toEqual([]);
    for (const m of left) expect(await store.get(m.id)).toEqual({ ...m, createdAt: expect.any(Date) });
  });

  it('a row the database rejects is an error, not spooled', async () => {
    const db = await backend().open();
    const spoolDir = tempDir('spool');
    const store = track(new RecordingStore({ db: () => db, spoolDir }));
    await expect(store.save(meta({ channels: 0 }))).rejects.toMatchObject({
      name: 'DbError',
      code: 'DB_QUERY_FAILED',
      sqlState: '23514', // check_violation
    });
    await expect(store.save(meta({ id: 'not-a-uuid' }))).rejects.toMatchObject({ code: 'RECORDING_INVALID' });
    expect(store.pending()).toBe(0);
    expect(spoolFiles(spoolDir)).toEqual([]);
  });
});

// ---- PostgreSQL only ----

/** A TCP proxy in front of PostgreSQL that can be taken down (dropping every connection) and brought back. */
async function pgProxy(): Promise<{ url: string; down: () => Promise<void>; up: () => Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const up = (): Promise<void> =>
    new Promise((resolve) => {
      const srv = createServer((client) => {
        const upstream = connect(PG_PORT, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server = srv;
      servers.push(srv);
      srv.listen(port, '127.0.0.1', () => resolve());
    });
  const down = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      if (server === undefined) return resolve();
      server.close(() => resolve());
    });
  await up();
  const url = new URL(PG_URL);
  url.port = String(port);
  return { url: url.href, down, up };
}

describe('recording store on postgres only', () => {
  it('instances opening the same fresh schema at once all succeed and migrate once', async () => {
    const schema = newSchema();
    const dataDir = tempDir('pgdata');
    const opened = await Promise.all([1, 2, 3, 4].map(() => openDb({ url: PG_URL, dataDir, schema }).then(track)));
    const { rows } = await opened[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    for (const db of opened) expect(await db.query('SELECT count(*) FROM recordings')).toBeDefined();
  });

  it('openDb at a closed port fails fast with DB_UNAVAILABLE', async () => {
    const started = Date.now();
    const url = 'postgres://postgres@127.0.0.1:1/test';
    const err: unknown = await openDb({ url, dataDir: tempDir('pgdata') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect(err).toMatchObject({ code: 'DB_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a saved record goes to the spool when connections drop and is stored when PostgreSQL is back', async () => {
    const proxy = await pgProxy();
    const log = captureLogger();
    const schema = newSchema();
    const db = track(await openDb({ url: proxy.url, dataDir: tempDir('pgdata'), schema, logger: log.logger }));
    const spoolDir = tempDir('spool');
    const retry = { initialMs: 50, maxMs: 200 };
    const store = track(new RecordingStore({ db: () => db, spoolDir, logger: log.logger, retry }));
    const before = meta();
    expect(await store.save(before)).toBe('stored');

    await proxy.down();
    // The pool's idle connection dies with the proxy: logged, not thrown.
    await until(() => log.lines().some((l) => l.msg === 'postgres idle connection error'));
    const during = meta();
    expect(await store.save(during)).toBe('spooled');
    expect(spoolFiles(spoolDir)).toEqual([`${during.id}.json`]);
    await expect(store.get(during.id)).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });

    await proxy.up();
    await until(() => store.pending() === 0);
    expect(spoolFiles(spoolDir)).toEqual([]);
    expect(await countRows(db, during.id)).toBe(1);
    expect(await countRows(db, before.id)).toBe(1);
    const messages = log.lines().map((l) => l.msg);
    expect(messages).toContain('recording metadata spooled: database unavailable');
    expect(messages).toContain('spooled recording metadata stored');
  });
});
