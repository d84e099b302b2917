/**
 * Start the real server in-process for an integration test: test config,
 * free ports, a Redis key prefix of its own (cleaned up on stop), short
 * timers when asked.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { mediaPorts } from './ports.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';

export interface TestServer {
  server: RunningServer;
  config: Config;
  sipPort: number;
  wsPort: number;
  httpPort: number;
  prefix: string;
  /** PostgreSQL schema holding this server's tables (dropped at stop). */
  dbSchema: string;
  dataDir: string;
  agentPassword(id: string): string;
  /** A CTI bearer token: an API key's id from config/test.yaml ('admin', 'crm', 'reader'), or an agent id. */
  token(who: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL for tests; each server gets a schema of its own. `make test`
 * (scripts/ensure-postgres.sh) finds or starts one and writes its URL to
 * .cache/test-database-url; TEST_DATABASE_URL wins; the default is the trust-auth
 * server these machines run.
 */
export const TEST_DATABASE_URL = testDatabaseUrl();

function testDatabaseUrl(): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  try {
    const fromSetup = readFileSync(new URL('../../.cache/test-database-url', import.meta.url), 'utf8').trim();
    if (fromSetup !== '') return fromSetup;
  } catch {
    // not written: make test was not used
  }
  return 'postgres://postgres@127.0.0.1:5432/test';
}

export async function startTestServer(
  opts: StartOptions & { env?: Record<string, string>; file?: string; configure?: (config: Config) => void } = {},
): Promise<TestServer> {
  const prefix = `test:${randomUUID()}:`;
  const dbSchema = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-test-'));
  const config = loadConfig({
    file: opts.file ?? 'config/test.yaml',
    env: {
      SIP_PORT: '0',
      SIP_WS_PORT: '0',
      HTTP_PORT: '0',
      SIP_HOST: '127.0.0.1',
      SIP_PUBLIC_HOST: '127.0.0.1',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: prefix,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATABASE_URL: TEST_DATABASE_URL,
      DATA_DIR: dataDir,
      ...opts.env,
    },
  });
  // projectrtp runs once per test process: each process has a port block of its own
  const ports = mediaPorts();
  config.media.rtpPortMin = ports.rtp.min;
  config.media.rtpPortMax = ports.rtp.max;
  opts.configure?.(config);
  const logger = createLogger(config.log.level);
  const server = await startServer(config, logger, { keepMediaEngine: true, dbSchema, ...opts });
  const address = server.http.server.address();
  const httpPort = address !== null && typeof address === 'object' ? address.port : 0;
  return {
    server,
    config,
    sipPort: server.sip.port('UDP'),
    wsPort: server.sip.port('WS'),
    httpPort,
    prefix,
    dbSchema,
    dataDir,
    agentPassword: (id) => config.agents.find((a) => a.id === id)?.password ?? '',
    async token(who) {
      const key = config.cti.apiKeys.find((k) => k.id === who)?.key;
      const agent = config.agents.find((a) => a.id === who);
      const payload = key !== undefined ? { apiKey: key } : { agentId: who, password: agent?.password ?? '' };
      const res = await server.http.inject({ method: 'POST', url: '/v1/auth/token', payload });
      if (res.statusCode !== 200) throw new Error(`token for ${who}: ${res.statusCode} ${res.body}`);
      return res.json<{ token: string }>().token;
    },
    async stop() {
      const keys = await server.redis.keys(`${prefix}*`).catch(() => [] as string[]);
      if (keys.length > 0) await server.redis.del(...keys).catch(() => 0);
      await server.stop();
      await dropSchema(dbSchema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } catch {
    // a test that stopped the database has nothing to drop
  } finally {
    await client.end().catch(() => undefined);
  }
}
