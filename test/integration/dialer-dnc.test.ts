/**
 * Do-not-call lists (src/dialer/dnc.ts) against a real Redis, under a unique
 * key prefix per test, deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DncError, DncList } from '../../src/dialer/dnc.js';
import { createRedis, RedisKeys, type Redis } from '../../src/store/redis.js';

let redis: Redis;
let keys: RedisKeys;
beforeEach(() => {
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  keys = new RedisKeys(`test:${randomUUID()}:`);
});
afterEach(async () => {
  const found = await redis.keys(`${keys.prefix}*`);
  if (found.length > 0) await redis.del(...found);
  redis.disconnect();
});

describe('do-not-call lists', () => {
  it('a number on the global list is blocked for every campaign; one on a campaign’s list only there', async () => {
    const dnc = new DncList(redis, keys);
    expect(await dnc.add('+4930111111', { kind: 'global' }, 'regulator list')).toBe(true);
    expect(await dnc.add('+4930222222', { kind: 'campaign', campaignId: 'spring' }, 'asked on the call')).toBe(true);
    expect(await dnc.blocked('+4930111111', 'spring')).toBe(true);
    expect(await dnc.blocked('+4930111111', 'autumn')).toBe(true);
    expect(await dnc.blocked('+4930222222', 'spring')).toBe(true);
    expect(await dnc.blocked('+4930222222', 'autumn')).toBe(false);
    expect(await dnc.blocked('+4930333333', 'spring')).toBe(false);
  });

  it('adding twice is one entry, keeping the first time and reason; remove takes it off', async () => {
    const dnc = new DncList(redis, keys);
    const scope = { kind: 'campaign', campaignId: 'spring' } as const;
    expect(await dnc.add('+4930222222', scope, 'asked on the call', Date.parse('2024-03-15T10:00:00Z'))).toBe(true);
    expect(await dnc.add('+4930222222', scope, 'again', Date.parse('2024-03-16T10:00:00Z'))).toBe(false);
    expect(await dnc.size(scope)).toBe(1);
    expect(await dnc.entry('+4930222222', scope)).toEqual({ at: '2024-03-15T10:00:00.000Z', reason: 'asked on the call' });
    expect(await dnc.remove('+4930222222', scope)).toBe(true);
    expect(await dnc.blocked('+4930222222', 'spring')).toBe(false);
    expect(await dnc.entry('+4930222222', scope)).toBeUndefined();
  });

  it('a number not in E.164 → DNC_NUMBER_INVALID, nothing written', async () => {
    const dnc = new DncList(redis, keys);
    await expect(dnc.add('030 1234567', { kind: 'global' }, 'x')).rejects.toBeInstanceOf(DncError);
    await expect(dnc.add('+0301234567', { kind: 'global' }, 'x')).rejects.toMatchObject({ code: 'DNC_NUMBER_INVALID' });
    expect(await redis.keys(`${keys.prefix}*`)).toEqual([]);
  });
});
