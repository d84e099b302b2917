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
import type { OutboundEvent } from '../../src/dialer/events.js';
import { setAgentDisposition } from '../../src/dialer/agent-disposition.js';
import { ClickToDialError } from '../../src/calls/manager.js';
import { ApiError } from '../../src/http/errors.js';
import { bullConnection } from '../../src/store/bull.js';
import { createRedis, deletePrefix, RedisKeys, type Redis } from '../../src/store/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;
let keys: RedisKeys;
let engine: DialerEngine | undefined;
let placed: string[];
let events: OutboundEvent[];

beforeEach(() => {
  redis = createRedis(REDIS_URL);
  keys = new RedisKeys(`test:${randomUUID()}:`);
  placed = [];
  events = [];
});
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  await deletePrefix(redis, keys.prefix);
  redis.disconnect();
});

async function setup(available: number, mode: 'progressive' | 'preview' = 'progressive', lines = 10): Promise<{ store: CampaignStore; dnc: DncList; e: DialerEngine }> {
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
    lines,
    cps: 10,
    ringTimeoutMs: 15_000,
    safeHarborMs: 2000,
    wrapUpMs: () => 0,
    speak: (t) => Promise.resolve(t),
    scratchDir: '/tmp',
    onEvent: (ev) => events.push(ev),
    previewHoldMs: 60_000,
  });
  engine = e;
  const input = Value.Default(CampaignInput, { id: 'spring', name: 'Spring', queue: 'sales', callerId: '+14155550999', mode, outcomes: ['sale', 'not-interested'], window: { start: '00:00', end: '23:59' } }) as never;
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

  it('an attempt ends busy → outbound.dialing then outbound.disposition (by the dialer) on the sink, with the contact id and no number field', async () => {
    const { e } = await setup(1);
    await e.attempt({ id: 'x', data: { campaignId: 'spring', contactId: '+14155550102', attempt: 1 } });
    expect(events.map((ev) => ev.type)).toEqual(['outbound.dialing', 'outbound.disposition']);
    expect(events[1]).toMatchObject({ campaignId: 'spring', contactId: '+14155550102', attempt: 1, queue: 'sales', disposition: 'busy', by: 'dialer' });
  });

  it('agent books a callback while the call is still on → kept pending; when the attempt ends the contact is in line at the callback time, not at the dialer retry', async () => {
    const { store, dnc } = await setup(1);
    const stats = new CampaignStats(redis, keys);
    const campaign = await store.require('spring');
    // the attempt in progress: the contact holds a lease and has been dialled once
    await redis.multi().zrem(store.keys.ready('spring'), '+14155550102').zadd(store.keys.leases('spring'), Date.now(), '+14155550102').exec();
    const dialled = { ...(await store.contact('spring', '+14155550102'))!, attempts: 1, lastAgentId: '1001' };
    await store.saveContact('spring', dialled);
    const at = Date.now() + 3 * 3_600_000;
    const r = await setAgentDisposition({ store, dnc, stats, emit: (ev) => events.push(ev) }, campaign, dialled, { disposition: 'callback', callbackAt: at, outcome: 'sale' }, { id: '1001', agentId: '1001' });
    expect(r.status).toBe('pending');
    expect(await redis.zscore(store.keys.ready('spring'), '+14155550102')).toBeNull();
    // the call ends: the dialer would retry in 30 min, the agent's callback wins
    const settled = await store.settle('spring', { ...dialled, lastDisposition: 'answered' }, Date.now() + 30 * 60_000);
    expect(settled.by).toBe('agent');
    expect(Number(await redis.zscore(store.keys.ready('spring'), '+14155550102'))).toBe(at);
    expect(await redis.zscore(store.keys.leases('spring'), '+14155550102')).toBeNull();
    expect(await store.contact('spring', '+14155550102')).toMatchObject({ lastDisposition: 'callback', callbackAt: at, fields: {}, agentDisposition: { disposition: 'callback', outcome: 'sale', by: '1001' } });
    expect(events.at(-1)).toMatchObject({ type: 'outbound.disposition', by: 'agent', disposition: 'callback', agentId: '1001', outcome: 'sale' });
    expect(await redis.hget(keys.key('dialer', 'stats', 'spring'), 'outcome:sale')).toBe('1');
  });

  it('agent marks DNC after the call ended → applied at once: out of line, number on the global DNC list; a bad callback or an unknown outcome is refused with a code', async () => {
    const { store, dnc } = await setup(1);
    const stats = new CampaignStats(redis, keys);
    const campaign = await store.require('spring');
    const done = { ...(await store.contact('spring', '+14155550103'))!, attempts: 1, lastDisposition: 'answered' as const, lastAgentId: '1001' };
    await store.saveContact('spring', done);
    const deps = { store, dnc, stats };
    await expect(setAgentDisposition(deps, campaign, done, { disposition: 'callback' }, { id: '1001' })).rejects.toMatchObject({ code: 'DIALER_DISPOSITION_INVALID' });
    await expect(setAgentDisposition(deps, campaign, done, { disposition: 'callback', callbackAt: Date.now() - 1000 }, { id: '1001' })).rejects.toMatchObject({ code: 'DIALER_DISPOSITION_INVALID' });
    await expect(setAgentDisposition(deps, campaign, done, { disposition: 'completed', outcome: 'maybe' }, { id: '1001' })).rejects.toMatchObject({ code: 'DIALER_DISPOSITION_INVALID' });
    const fresh = (await store.contact('spring', '+14155550101'))!;
    await expect(setAgentDisposition(deps, campaign, fresh, { disposition: 'completed' }, { id: '1001' })).rejects.toMatchObject({ code: 'DIALER_NOT_REACHED' });
    const r = await setAgentDisposition(deps, campaign, done, { disposition: 'dnc' }, { id: '1001' });
    expect(r.status).toBe('applied');
    expect(r.contact.lastDisposition).toBe('dnc');
    expect(await redis.zscore(store.keys.ready('spring'), '+14155550103')).toBeNull();
    expect(await dnc.blocked('+14155550103', 'another-campaign')).toBe(true);
  });

  it('preview: the agent gets a contact held for them (asking again gives the same); skip puts it back after the gap uncounted; the agent phone not answering or the ACD refusing the agent gives the contact back to them uncounted; a dial that is busy counts one attempt, busy', async () => {
    const { store, e } = await setup(1, 'preview');
    await e.tick(); // preview mode places nothing by itself
    expect(await redis.zcard(store.keys.ready('spring'))).toBe(3);
    const first = await e.previewNext('spring', '1001');
    expect(first).toBeDefined();
    expect((await e.previewNext('spring', '1001'))?.id).toBe(first!.id);
    const other = await e.previewNext('spring', '1002');
    expect(other?.id).not.toBe(first!.id);
    await expect(e.previewSkip('spring', '1002', first!.id)).rejects.toMatchObject({ code: 'DIALER_INVALID_STATE' });
    await e.previewSkip('spring', '1001', first!.id);
    expect(Number(await redis.zscore(store.keys.ready('spring'), first!.id)) - Date.now()).toBeGreaterThan(3.9 * 3_600_000);
    expect((await store.contact('spring', first!.id))?.attempts).toBe(0);

    const next = (await e.previewNext('spring', '1001'))!;
    await expect(e.previewDial('spring', '1001', next.id, () => Promise.reject(new ClickToDialError('no-answer', 'agent phone', 'agent')))).rejects.toBeInstanceOf(ClickToDialError);
    expect((await store.contact('spring', next.id))?.attempts).toBe(0);
    expect(await e.isPreviewing('spring', '1001', next.id)).toBe(true);
    // the ACD refuses the agent (in wrap-up): nobody dialled, nothing counted
    await expect(e.previewDial('spring', '1001', next.id, () => Promise.reject(new ApiError('CTI_INVALID_STATE', 'agent 1001 is wrap-up')))).rejects.toBeInstanceOf(ApiError);
    expect((await store.contact('spring', next.id))?.attempts).toBe(0);
    expect(await e.isPreviewing('spring', '1001', next.id)).toBe(true);
    const dialled: string[] = [];
    await expect(
      e.previewDial('spring', '1001', next.id, (n, callerId, variables) => {
        dialled.push(`${n} from ${callerId} for ${variables.campaign_id}/${variables.contact_id}`);
        // as the API route sees it: the click-to-dial's error behind the coded API error
        return Promise.reject(new ApiError('CTI_TARGET_UNREACHABLE', 'busy', undefined, { cause: new ClickToDialError('busy', '486', 'target') }));
      }),
    ).rejects.toBeInstanceOf(ApiError);
    expect(dialled).toEqual([`${next.e164} from +14155550999 for spring/${next.id}`]);
    expect(await store.contact('spring', next.id)).toMatchObject({ attempts: 1, lastDisposition: 'busy' });
    expect(await e.isPreviewing('spring', '1001', next.id)).toBe(false);
    expect(await new CampaignStats(redis, keys).figures('spring', Date.now())).toMatchObject({ attempts: 1, dispositions: { busy: 1 } });
  });

  it('a progressive campaign cannot be previewed (coded refusal)', async () => {
    const { e } = await setup(1);
    await expect(e.previewNext('spring', '1001')).rejects.toMatchObject({ code: 'DIALER_INVALID_STATE' });
  });

  it('a trunk of 2 lines, another campaign already has 2 calls in flight → this campaign places nothing, though 2 agents are free', async () => {
    const { store, e } = await setup(2, 'progressive', 2);
    const input = Value.Default(CampaignInput, { id: 'other', name: 'Other', queue: 'sales', callerId: '+14155550999', mode: 'progressive' }) as never;
    await store.create(input);
    await redis.zadd(store.keys.leases('other'), Date.now(), 'a', Date.now(), 'b');
    await e.tick();
    expect(await redis.zcard(store.keys.ready('spring'))).toBe(3);
    await redis.zrem(store.keys.leases('other'), 'a');
    await redis.del(keys.key('dialer', 'tick', 'sales')); // the next second's tick
    await e.tick();
    expect(await redis.zcard(store.keys.leases('spring'))).toBe(1);
  });

  it('two progressive campaigns on the same queue, one free agent → one call between them, not one each', async () => {
    const { store, e } = await setup(1);
    const input = Value.Default(CampaignInput, { id: 'other', name: 'Other', queue: 'sales', callerId: '+14155550999', mode: 'progressive', window: { start: '00:00', end: '23:59' } }) as never;
    await store.create(input);
    await store.setStatus('other', 'running');
    await store.addContacts('other', [{ id: '+14155550201', e164: '+14155550201', tz: 'UTC', fields: {} }], Date.now() - 1000);
    await e.tick();
    const leased = (await redis.zcard(store.keys.leases('spring'))) + (await redis.zcard(store.keys.leases('other')));
    expect(leased).toBe(1);
  });

  it('a booked callback is spent once dialled → the next attempt keeps the 4 h gap again', async () => {
    const { store, e } = await setup(1);
    const c = (await store.contact('spring', '+14155550102'))!;
    await store.saveContact('spring', { ...c, attempts: 1, lastDisposition: 'callback', callbackAt: Date.now() - 1000 });
    expect(await e.attempt({ id: 'x', data: { campaignId: 'spring', contactId: '+14155550102', attempt: 2 } })).toBe('busy');
    const after = (await store.contact('spring', '+14155550102'))!;
    expect(after).toMatchObject({ attempts: 2, lastDisposition: 'busy' });
    expect(after.callbackAt).toBeUndefined();
  });

  it('preview races: two skips of one hold → one wins, the other is refused; a contact put on the DNC list while previewed is not dialled; the agent hanging up while the contact rings counts the attempt (no-answer)', async () => {
    const { store, dnc, e } = await setup(1, 'preview');
    const a = (await e.previewNext('spring', '1001'))!;
    const skips = await Promise.allSettled([e.previewSkip('spring', '1001', a.id), e.previewSkip('spring', '1001', a.id)]);
    expect(skips.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);

    const b = (await e.previewNext('spring', '1001'))!;
    await dnc.add(b.e164, { kind: 'global' }, 'asked meanwhile');
    const dialled: string[] = [];
    await expect(e.previewDial('spring', '1001', b.id, (n) => (dialled.push(n), Promise.reject(new Error('not reached'))))).rejects.toMatchObject({ code: 'DIALER_INVALID_STATE' });
    expect(dialled).toEqual([]);
    expect(await redis.zscore(store.keys.leases('spring'), b.id)).toBeNull();

    const c = (await e.previewNext('spring', '1001'))!;
    await expect(e.previewDial('spring', '1001', c.id, () => Promise.reject(new ClickToDialError('cancelled', 'agent 1001 hung up before the contact answered', 'agent')))).rejects.toBeInstanceOf(ClickToDialError);
    expect(await store.contact('spring', c.id)).toMatchObject({ attempts: 1, lastDisposition: 'no-answer' });
    expect(await e.isPreviewing('spring', '1001', c.id)).toBe(false);
  });
});
