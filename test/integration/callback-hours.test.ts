/**
 * Callbacks keep to the customer's calling hours and the trunk's calls per
 * second, like the campaigns (real Redis, unique prefix; the call itself is
 * the trunk's business, here a recorder that answers busy).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcdService } from '../../src/acd/service/acd-service.js';
import type { Call } from '../../src/calls/call.js';
import { CallbackBook } from '../../src/calls/callbacks.js';
import { CallbackDialer } from '../../src/calls/callback-dialer.js';
import { DialError } from '../../src/calls/dial.js';
import type { QueueConfig } from '../../src/config/acd-schema.js';
import { TrunkPacer } from '../../src/dialer/trunk-pacer.js';
import { createRedis, deletePrefix, RedisKeys, type Redis } from '../../src/store/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;
let keys: RedisKeys;

beforeEach(() => {
  redis = createRedis(REDIS_URL);
  keys = new RedisKeys(`test:${randomUUID()}:`);
});
afterEach(async () => {
  await deletePrefix(redis, keys.prefix);
  redis.disconnect();
});

// 2026-07-01 03:30 UTC: 23:30 in New York (EDT), 05:30 in Berlin (CEST), 11:30 in Tokyo
const NOW = Date.UTC(2026, 6, 1, 3, 30);

function dialer(book: CallbackBook, placed: string[], now: () => number): CallbackDialer {
  const acd = {
    queueStats: () => ({ agents: { available: 1, 'wrap-up': 0 } }),
    waitingCalls: () => [],
  } as unknown as AcdService;
  return new CallbackDialer({
    book,
    acd,
    queueCalls: { run: () => Promise.resolve('connected') } as never,
    queues: [{ id: 'support', priority: 0 } as QueueConfig],
    placeCall: (n: string): Promise<Call> => {
      placed.push(n);
      return Promise.reject(new DialError('busy', '486'));
    },
    prompt: (n) => n,
    now,
    retryDelayMs: 120_000,
  });
}

describe('callbacks and calling hours', () => {
  it('a New York customer at 23:30 their time → not called, kept in line for 08:00 New York without counting an attempt; a Tokyo customer behind them (11:30 there) is called first', async () => {
    let now = NOW;
    const book = new CallbackBook({ redis, keys, now: () => now });
    const placed: string[] = [];
    const d = dialer(book, placed, () => now);
    await book.request({ queue: 'support', number: '+12125550100', variables: {}, keptSince: NOW - 60_000 });
    await book.request({ queue: 'support', number: '+81312345678', variables: {}, keptSince: NOW - 30_000 });
    await d.tick();
    await expect.poll(() => placed).toEqual(['+81312345678']);
    const [ny] = await book.first('support', 5);
    expect(ny).toMatchObject({ number: '+12125550100', attempts: 0, notBefore: Date.UTC(2026, 6, 1, 12, 0) });
    // 08:00 in New York: its turn
    now = Date.UTC(2026, 6, 1, 12, 0);
    await new Promise((r) => setTimeout(r, 50)); // the Tokyo attempt settles
    await d.tick();
    await expect.poll(() => placed).toEqual(['+81312345678', '+12125550100']);
  });

  it('a number whose zone is unknown (an area code spanning two zones) → called: they asked for it just now', async () => {
    const book = new CallbackBook({ redis, keys, now: () => NOW });
    const placed: string[] = [];
    await book.request({ queue: 'support', number: '+4930123456', variables: {}, keptSince: NOW });
    await dialer(book, placed, () => NOW).tick();
    // Berlin is at 05:30: outside the window, so it waits…
    expect(placed).toEqual([]);
    const book2 = new CallbackBook({ redis, keys: new RedisKeys(`${keys.prefix}2:`), now: () => NOW });
    await book2.request({ queue: 'support', number: '+18505550100', variables: {}, keptSince: NOW });
    await dialer(book2, placed, () => NOW).tick();
    // …while 850 (the Florida panhandle, Eastern and Central) has no known zone: called
    await expect.poll(() => placed).toEqual(['+18505550100']);
  });
});

describe('trunk calls per second', () => {
  it('a pacer of 2 calls/s shared by two users → the third and fourth calls of a second go in the next one', async () => {
    const a = new TrunkPacer(redis, keys, 2);
    const b = new TrunkPacer(redis, keys, 2);
    // start just after a second boundary, so the four takes begin within one second
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const seconds = await Promise.all([a.take(), b.take(), a.take(), b.take()].map((p) => p.then(() => Math.floor(Date.now() / 1000))));
    const first = Math.min(...seconds);
    expect(seconds.filter((s) => s === first)).toHaveLength(2);
    expect(seconds.filter((s) => s === first + 1)).toHaveLength(2);
  });
});
