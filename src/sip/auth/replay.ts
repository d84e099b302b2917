import { loadLuaScript } from '../../store/lua.js';
import type { Redis } from 'ioredis';

const COMMAND = 'hotlineDigestReplayAccept';
const MAX_NC = 0xffffffff;

type WithReplayCommand = Redis & {
  [COMMAND](key: string, nc: number, ttlMs: number): Promise<number>;
};

export interface ReplayGuardOptions {
  /** Key lifetime when accept() is not given one. Default 300 000 (the default nonce lifetime). */
  ttlMs?: number;
}

/** Enforces strictly increasing nc per nonce (qop) or single use (no qop), across nodes, in Redis. */
export class ReplayGuard {
  readonly ttlMs: number;
  private readonly redis: WithReplayCommand;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    options: ReplayGuardOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 300_000;
    redis.defineCommand(COMMAND, { lua: loadLuaScript('replay.lua', import.meta.url), numberOfKeys: 1 });
    this.redis = redis as WithReplayCommand;
  }

  /**
   * Resolves true if this (nonce, nc) use is fresh and records it; false if it is a replay.
   * `nc` is the integer value of the nc parameter, or 0 when qop is absent.
   * `ttlMs` should be at least the nonce lifetime.
   */
  async accept(nonce: string, nc: number, ttlMs: number = this.ttlMs): Promise<boolean> {
    if (!Number.isInteger(nc) || nc < 0 || nc > MAX_NC) throw new RangeError(`invalid nc: ${nc}`);
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new RangeError(`invalid ttlMs: ${ttlMs}`);
    const result = await this.redis[COMMAND](this.keyPrefix + nonce, nc, ttlMs);
    return result === 1;
  }
}
