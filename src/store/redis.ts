import { Redis } from 'ioredis';
import type { Logger } from '../log.js';

export type { Redis } from 'ioredis';

export interface CreateRedisOptions {
  /** Connection errors are logged here (rate-limited to state changes); without it they are swallowed. */
  logger?: Logger;
}

/**
 * A Redis client tuned to fail fast when Redis is down instead of hanging callers.
 *
 * - `lazyConnect: false`: connect at once, so a dead Redis shows at startup (and in /health).
 * - `enableOfflineQueue: true` (default) with `maxRetriesPerRequest: 1`: commands issued before the first
 *   connect, or during a blip, wait for one reconnect attempt; if that fails they reject with
 *   MaxRetriesPerRequestError (well under a second for "connection refused") rather than queueing forever.
 *   We keep the offline queue because turning it off makes every command sent before "ready" fail,
 *   which would force every module to await readiness first.
 * - `connectTimeout: 2000`: an unreachable (blackholed) host fails in 2 s, not the default 10 s.
 * - `commandTimeout: 2000`: a command with no reply in 2 s rejects (a hung Redis, not a dead one).
 * - The client keeps reconnecting in the background with backoff capped at 1 s, so a queued command waits
 *   at most about 1 s plus connect time, and Redis coming back heals the client.
 */
export function createRedis(url: string, options: CreateRedisOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // A Redis that accepts the connection and then hangs must not hang a REGISTER or a call.
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  let lastError: string | undefined;
  redis.on('error', (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    options.logger?.warn({ err }, 'redis connection error');
  });
  redis.on('ready', () => {
    if (lastError !== undefined) options.logger?.info('redis connection restored');
    lastError = undefined;
  });
  return redis;
}

/** True when the client is connected and ready for commands (no round trip). */
export function redisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}

/** Deletes every key under `prefix` (SCAN + UNLINK in batches, never KEYS); returns how many. Tests and benches clean up with it. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) n += await redis.unlink(...found);
  } while (cursor !== '0');
  return n;
}

/** The one key builder every module uses: `prefix + parts.join(':')`, e.g. `hl:agent:1001`. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }
}
