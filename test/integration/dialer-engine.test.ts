/**
 * The dialer engine's bookkeeping against a real Redis and BullMQ (unique
 * prefix per test): a pacing tick leases contacts and queues one attempt job
 * each, skipping DNC numbers; an attempt whose job runs twice (a worker that
 * died mid-call) dials once. The call itself is the trunk's business: here
 * `placeCall` is a counter that answers busy (the sipp test places real calls).
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import type { Call } from '../../src/calls/call.js';
import { DialError } from '../../src/calls/dial.js';
import { CampaignInput } from '../../src/dialer/campaign.js';
import { CampaignStore } from '../../src/dialer/campaign-store.js';
import { DncList } from '../../src/dialer/dnc.js';
import { ATTEMPTS_QUEUE, DialerEngine } from '../../src/dialer/engine.js';
import { CampaignStats } from '../../src/dialer/stats.js';
import { bullConnection } from '../../src/store/bull.js';
import { createRedis, deletePrefix, RedisKeys, type Redis } from '../../src/store/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;
let keys: RedisKeys;
let engine: DialerEngine | undefined;
let placed: string[];

beforeEach(() => {
  redis = createRedis(REDIS_URL);
  keys = new RedisKeys(`test:${randomUUID()}:`);
  placed = [];
});
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  await deletePrefix(redis, keys.prefix);
  redis.disconnect();
});

async function setup(available: number): Promise<{ store: CampaignStore; dnc: DncList; e: DialerEngine }> {
  const store = new CampaignStore(redis, keys);
  const dnc = new DncList(redis, keys);
  const e = new DialerEngine({
    store,
    dnc,
    stats: new CampaignStats(redis, keys),
    redis,
    keys,
    redisUrl: REDIS_URL,
    bullPrefix: keys.key('bull'),
    agents: () => ({ available }),
    queueCalls: { run: () => Promise.resolve('connected' as const) },
    placeCall: (n: string): Promise<Call> => {
      placed.push(n);
      return Promise.reject(new DialError('busy', '486'));
    },
    prompt: (n) => n,
    lines: 10,
    cps: 10,
    ringTimeoutMs: 15_000,
    safeHarborMs: 2000,
    wrapUpMs: () => 0,
  });
  engine = e;
  const input = Value.Default(CampaignInput, { id: 'spring', name: 'Spring', queue: 'sales', callerId: '+14155550999', mode: 'progressive', window: { start: '00:00', end: '23:59' } }) as never;
  await store.create(input);
  await store.setStatus('spring', 'running');
  const contact = (n: string) => ({ id: n, e164: n, tz: 'UTC', fields: {} });
  await store.addContacts('spring', [contact('+14155550101'), contact('+14155550102'), contact('+14155550103')], Date.now() - 1000);
  return { store, dnc, e };
}

describe('dialer engine', () => {
  it('two free agents, three contacts, one of them on the DNC list → one tick queues two attempts, for the two others; the DNC one is never dialled', async () => {
    const { store, dnc, e } = await setup(2);
    await dnc.add('+14155550101', { kind: 'global' }, 'asked');
    await e.tick();
    const q = new Queue(ATTEMPTS_QUEUE, { connection: bullConnection(REDIS_URL, false), prefix: keys.key('bull') });
    try {
      const jobs = await q.getJobs(['waiting', 'prioritized', 'delayed']);
      expect(jobs.map((j) => j.id).sort()).toEqual(['spring.+14155550102.1', 'spring.+14155550103.1']);
    } finally {
      await q.close();
    }
    // the DNC contact is out of the line for good; the two being dialled are leased, not in the line
    expect(await redis.zcard(store.keys.ready('spring'))).toBe(0);
    expect(await redis.zrange(keys.key('dialer', 'leases', 'spring'), '0', '-1')).toEqual(['+14155550102', '+14155550103']);
  });

  it('an attempt job run twice (a worker died mid-call, BullMQ hands it on) → dialled once; the second run is a duplicate', async () => {
    const { store, e } = await setup(1);
    const job = { id: 'spring.+14155550102.1', data: { campaignId: 'spring', contactId: '+14155550102', attempt: 1 } };
    expect(await e.attempt(job)).toBe('busy');
    expect(await e.attempt(job)).toBe('duplicate');
    expect(placed).toEqual(['+14155550102']);
    expect(await store.contact('spring', '+14155550102')).toMatchObject({ attempts: 1, lastDisposition: 'busy' });
    // busy → back in line after the campaign's busy retry (30 min by default)
    const at = Number(await redis.zscore(store.keys.ready('spring'), '+14155550102'));
    expect(at - Date.now()).toBeGreaterThan(29 * 60_000);
  });

  it('a paused campaign is not paced', async () => {
    const { store, e } = await setup(3);
    await store.setStatus('spring', 'paused');
    await e.tick();
    expect(await redis.zcard(store.keys.ready('spring'))).toBe(3);
  });
});
