/**
 * Calls per second on the trunk, for every instance and every kind of
 * outbound call (campaign attempts, previews, callbacks): a counter per
 * second in Redis. A caller over the limit waits for the next second.
 *
 *   dialer:cps:<epoch second>   INCR, expires after 2 s
 *
 * Redis unreachable: the call goes ahead (the dialer's own BullMQ limiter
 * still bounds campaign attempts); refusing every call while Redis blinks
 * would lose callbacks customers asked for.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { RedisKeys } from '../store/redis.js';

export class TrunkPacer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly cps: number,
    private readonly opts: { now?: () => number; logger?: Logger } = {},
  ) {}

  /** Resolves when this call may be placed; false when `signal` aborted first. */
  async take(signal?: AbortSignal): Promise<boolean> {
    const now = this.opts.now ?? Date.now;
    for (;;) {
      if (signal?.aborted === true) return false;
      const t = now();
      const second = Math.floor(t / 1000);
      const key = this.keys.key('dialer', 'cps', String(second));
      const n = await this.redis
        .multi()
        .incr(key)
        .pexpire(key, 2000)
        .exec()
        .then((r) => Number(r?.[0]?.[1] ?? 0))
        .catch((err: unknown) => {
          this.opts.logger?.warn({ err, code: 'DIALER_STORE_UNAVAILABLE' }, 'trunk pacing unavailable: call placed unpaced');
          return 0;
        });
      if (n <= this.cps) return true;
      await new Promise((r) => setTimeout(r, (second + 1) * 1000 - t + 1));
    }
  }
}
