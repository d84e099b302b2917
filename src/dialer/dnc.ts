/**
 * Do-not-call lists in Redis: one global set and one per campaign, of E.164
 * numbers (normalise before adding; see lists/e164.ts). Checked at dial time
 * in one round trip for both lists, so a number added a second before the
 * attempt is not dialled. A contact who asks is added with one call
 * (`add`), and when and why is kept beside it for the audit.
 *
 * Keys: `<prefix>dnc:global`, `<prefix>dnc:campaign:<id>` (sets) and
 * `<prefix>dnc:meta` (hash: `<scope>|<number>` → JSON {at, reason}).
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis.js';

export type DncScope = { kind: 'global' } | { kind: 'campaign'; campaignId: string };

const E164 = /^\+[1-9]\d{6,14}$/;

/** DNC_NUMBER_INVALID: not an E.164 number (normalise it first). */
export class DncError extends Error {
  override readonly name = 'DncError';
  readonly code = 'DNC_NUMBER_INVALID';
}

export class DncList {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(scope: DncScope): string {
    return scope.kind === 'global' ? this.keys.key('dnc', 'global') : this.keys.key('dnc', 'campaign', scope.campaignId);
  }

  private tag(scope: DncScope, e164: string): string {
    return `${scope.kind === 'global' ? 'global' : `campaign:${scope.campaignId}`}|${e164}`;
  }

  /** Adds the number (idempotent); true when it was not on the list yet. */
  async add(e164: string, scope: DncScope, reason: string, now = Date.now()): Promise<boolean> {
    if (!E164.test(e164)) throw new DncError(`not an E.164 number: ${JSON.stringify(e164)}`);
    const [[, added]] = (await this.redis
      .multi()
      .sadd(this.key(scope), e164)
      .hsetnx(this.keys.key('dnc', 'meta'), this.tag(scope, e164), JSON.stringify({ at: new Date(now).toISOString(), reason }))
      .exec()) as [[Error | null, number], [Error | null, number]];
    return added === 1;
  }

  async remove(e164: string, scope: DncScope): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().srem(this.key(scope), e164).hdel(this.keys.key('dnc', 'meta'), this.tag(scope, e164)).exec()) as [[Error | null, number], [Error | null, number]];
    return removed === 1;
  }

  /** On the global list, or on this campaign's. */
  async blocked(e164: string, campaignId: string): Promise<boolean> {
    const [[, g], [, c]] = (await this.redis.multi().sismember(this.key({ kind: 'global' }), e164).sismember(this.key({ kind: 'campaign', campaignId }), e164).exec()) as [
      [Error | null, number],
      [Error | null, number],
    ];
    return g === 1 || c === 1;
  }

  /** When and why the number was added to that list. */
  async entry(e164: string, scope: DncScope): Promise<{ at: string; reason: string } | undefined> {
    const raw = await this.redis.hget(this.keys.key('dnc', 'meta'), this.tag(scope, e164));
    return raw === null ? undefined : (JSON.parse(raw) as { at: string; reason: string });
  }

  async size(scope: DncScope): Promise<number> {
    return this.redis.scard(this.key(scope));
  }
}
