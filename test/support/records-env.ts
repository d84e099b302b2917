/**
 * What a records or reports test needs, real and isolated: the ACD store and
 * call log on a unique Redis prefix, a PostgreSQL schema of its own (migrated
 * by openDb), and the records ingester between them. `close()` deletes the
 * keys and drops the schema.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AcdStore } from '../../src/acd/store/acd-store.js';
import { AcdKeys } from '../../src/acd/store/keys.js';
import type { Logger } from '../../src/log.js';
import { RecordsIngester } from '../../src/reports/ingest/ingester.js';
import { CallLog } from '../../src/reports/records/call-log.js';
import { openDb, type Db } from '../../src/store/db.js';
import { createRedis, deletePrefix, RedisKeys, type Redis } from '../../src/store/redis.js';
import { dropSchema, TEST_DATABASE_URL } from './server.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RecordsEnv {
  redis: Redis;
  keys: RedisKeys;
  store: AcdStore;
  callLog: CallLog;
  db: Db;
  schema: string;
  ingester: (opts?: { batchSize?: number; db?: () => Db | undefined; logger?: Logger }) => RecordsIngester;
  close(): Promise<void>;
}

/** `pglite`: the embedded database the server uses without DATABASE_URL, instead of PostgreSQL. */
export async function recordsEnv(opts: { shortAbandonMs?: number; pglite?: boolean } = {}): Promise<RecordsEnv> {
  const prefix = `test:${randomUUID()}:`;
  const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-records-'));
  const redis = createRedis(REDIS_URL);
  const keys = new RedisKeys(prefix);
  const store = new AcdStore(redis, { keys: new AcdKeys(keys), reservationTtlMs: 10_000, missesBeforePause: 3, handleTimeWindow: 50 });
  const callLog = new CallLog(redis, keys);
  const db = opts.pglite === true ? await openDb({ dataDir }) : await openDb({ url: TEST_DATABASE_URL, dataDir, schema });
  return {
    redis,
    keys,
    store,
    callLog,
    db,
    schema,
    ingester: (o = {}) =>
      new RecordsIngester({
        db: o.db ?? (() => db),
        acd: store,
        callLog,
        redis,
        shortAbandonMs: opts.shortAbandonMs ?? 5000,
        ...(o.batchSize === undefined ? {} : { batchSize: o.batchSize }),
        ...(o.logger === undefined ? {} : { logger: o.logger }),
      }),
    async close() {
      await deletePrefix(redis, prefix).catch(() => 0);
      redis.disconnect();
      await db.close();
      if (opts.pglite !== true) await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
