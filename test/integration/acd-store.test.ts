/**
 * The ACD's Redis store (src/acd/store + src/acd/lua) against a real Redis 7:
 * every scenario runs under a unique key prefix with explicit `now` values
 * (no sleeping), and its keys are deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AcdError } from '../../src/acd/errors.js';
import { AcdStore, type AcdStoreOptions, type EnqueueInput } from '../../src/acd/store/acd-store.js';
import { AcdKeys } from '../../src/acd/store/keys.js';
import type { JournalEvent } from '../../src/acd/types.js';
import { createRedis, deletePrefix, RedisKeys, type Redis } from '../../src/store/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const T0 = 1_700_000_000_000;
const Q = 'sales';

// ---- per-test Redis connections and a unique prefix, cleaned up afterwards ----

let clients: Redis[] = [];
let prefix = '';

function connect(url = REDIS_URL): Redis {
  const redis = createRedis(url);
  clients.push(redis);
  return redis;
}

function makeStore(redis: Redis, opts: Partial<Omit<AcdStoreOptions, 'keys'>> = {}): AcdStore {
  return new AcdStore(redis, {
    keys: new AcdKeys(new RedisKeys(prefix)),
    reservationTtlMs: 5000,
    missesBeforePause: 2,
    handleTimeWindow: 50,
    ...opts,
  });
}

beforeEach(() => {
  prefix = `test:acd:${randomUUID()}:`;
});

afterEach(async () => {
  const cleaner = createRedis(REDIS_URL);
  try {
    await deletePrefix(cleaner, prefix);
  } finally {
    await cleaner.quit();
  }
  for (const c of clients.splice(0)) {
    if (c.status === 'ready') await c.quit();
    else c.disconnect();
  }
  clients = [];
});

// ---- helpers ----

interface Ctx {
  redis: Redis;
  store: AcdStore;
  keys: AcdKeys;
}

function setup(opts: Partial<Omit<AcdStoreOptions, 'keys'>> = {}): Ctx {
  const redis = connect();
  const store = makeStore(redis, opts);
  return { redis, store, keys: store.keys };
}

function caller(callId: string, extra: Partial<EnqueueInput> = {}): EnqueueInput {
  return { callId, queue: Q, priority: 0, owner: 'node-a', maxLength: 0, ...extra };
}

async function login(store: AcdStore, agentId: string, now: number): Promise<void> {
  const r = await store.agentState(agentId, 'available', 'login', now);
  expect(r.status).toBe('ok');
  expect(r.agent.state).toBe('available');
}

/** Global write version (every script write bumps it). */
async function version(ctx: Ctx): Promise<string | null> {
  return ctx.redis.get(`${ctx.keys.prefix}version`);
}

async function queueOrder(ctx: Ctx, queue = Q): Promise<string[]> {
  return ctx.redis.zrange(ctx.keys.queue(queue), '0', '-1');
}

async function position(ctx: Ctx, callId: string, queue = Q): Promise<number | undefined> {
  const rank = await ctx.redis.zrank(ctx.keys.queue(queue), callId);
  return rank === null ? undefined : rank + 1;
}

async function events(ctx: Ctx, name?: string): Promise<JournalEvent[]> {
  const all = await ctx.store.journal();
  return name === undefined ? all : all.filter((e) => e.event === name);
}

async function writeCounters(ctx: Ctx): Promise<{ version: string | null; journal: number; changes: number }> {
  return {
    version: await version(ctx),
    journal: await ctx.redis.xlen(ctx.keys.journal()),
    changes: await ctx.redis.xlen(ctx.keys.changes()),
  };
}

/** Login a1, enqueue c1 at T0+1000, reserve + ring at T0+2000. */
async function ringingCall(ctx: Ctx, callId = 'c1', agentId = 'a1'): Promise<void> {
  await login(ctx.store, agentId, T0);
  expect((await ctx.store.enqueue(caller(callId), T0 + 1000)).status).toBe('ok');
  expect(await ctx.store.reserve(callId, Q, [{ id: agentId, maxOffers: 1 }], T0 + 2000)).toEqual({ status: 'ok', agents: [agentId] });
  expect(await ctx.store.ring(callId, agentId, 30_000, T0 + 2000)).toBe(true);
}

/** ringingCall, then the agent answers at T0+12000. */
async function connectedCall(ctx: Ctx, callId = 'c1', agentId = 'a1'): Promise<void> {
  await ringingCall(ctx, callId, agentId);
  const r = await ctx.store.answer(callId, agentId, Q, T0 + 12_000);
  expect(r.ok).toBe(true);
}

async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<AcdError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AcdError);
  expect((err as AcdError).code).toBe(code);
  return err as AcdError;
}

// ---- scenarios ----

describe('AcdStore against Redis', () => {
  it('callers enqueue and get positions: a later VIP goes first, equal priorities are FIFO, a second enqueue is EXISTS and writes nothing', async () => {
    const ctx = setup();
    const { store } = ctx;

    const r1 = await store.enqueue(caller('c1', { caller: '+15550001', variables: { lang: 'en' } }), T0);
    expect(r1).toMatchObject({ status: 'ok', position: 1 });
    const r2 = await store.enqueue(caller('c2'), T0 + 1000);
    expect(r2).toMatchObject({ status: 'ok', position: 2 });
    const vip = await store.enqueue(caller('vip', { priority: 5 }), T0 + 2000);
    expect(vip).toMatchObject({ status: 'ok', position: 1 });
    const r3 = await store.enqueue(caller('c3'), T0 + 3000);
    expect(r3).toMatchObject({ status: 'ok', position: 4 });

    expect(await queueOrder(ctx)).toEqual(['vip', 'c1', 'c2', 'c3']);

    const e1 = await store.entry('c1');
    expect(e1).toMatchObject({
      callId: 'c1',
      queue: Q,
      priority: 0,
      enqueuedAt: T0,
      state: 'waiting',
      agents: [],
      owner: 'node-a',
      origPosition: 1,
      caller: '+15550001',
      variables: { lang: 'en' },
    });
    expect((await store.entry('vip'))?.origPosition).toBe(1);
    expect((await store.entry('c2'))!.seq).toBeGreaterThan(e1!.seq);

    // Same call again: EXISTS, its current position, nothing written.
    const before = await writeCounters(ctx);
    const again = await store.enqueue(caller('c1', { priority: 9 }), T0 + 4000);
    expect(again).toMatchObject({ status: 'EXISTS', position: 2 });
    expect(await writeCounters(ctx)).toEqual(before);
    const e1After = await store.entry('c1');
    expect(e1After).toEqual(e1);
    expect(await queueOrder(ctx)).toEqual(['vip', 'c1', 'c2', 'c3']);

    const enters = await events(ctx, 'ENTERQUEUE');
    expect(enters.map((e) => [e.callId, e.data.position, e.data.priority])).toEqual([
      ['c1', '1', '0'],
      ['c2', '2', '0'],
      ['vip', '1', '5'],
      ['c3', '4', '0'],
    ]);
  });

  it('two callers race for one agent: exactly one reservation wins, the loser keeps waiting', async () => {
    const ctx = setup();
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    await store.enqueue(caller('c2'), T0 + 1000);

    const agents = [{ id: 'a1', maxOffers: 1 }];
    const [r1, r2] = await Promise.all([store.reserve('c1', Q, agents, T0 + 2000), store.reserve('c2', Q, agents, T0 + 2000)]);
    const results = { c1: r1, c2: r2 };
    const winners = Object.entries(results).filter(([, r]) => r.status === 'ok');
    const losers = Object.entries(results).filter(([, r]) => r.status === 'AGENT_UNAVAILABLE');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const [winner] = winners[0]!;
    const [loser] = losers[0]!;

    const agent = await store.agent('a1');
    expect(agent).toMatchObject({ state: 'reserved', offers: [winner] });
    expect(await store.entry(winner)).toMatchObject({ state: 'offered', agents: ['a1'] });
    expect(await store.entry(loser)).toMatchObject({ state: 'waiting', agents: [] });
    expect(await ctx.redis.zrange(ctx.keys.reservations(), '0', '-1')).toEqual([winner]);
  });

  it('two instances race for one agent: two connections, two stores, one winner', async () => {
    const redisA = connect();
    const redisB = connect();
    const storeA = makeStore(redisA);
    const storeB = makeStore(redisB);
    await login(storeA, 'a1', T0);
    await storeA.enqueue(caller('c1', { owner: 'node-a' }), T0 + 1000);
    await storeB.enqueue(caller('c2', { owner: 'node-b' }), T0 + 1000);

    const agents = [{ id: 'a1', maxOffers: 1 }];
    const [ra, rb] = await Promise.all([storeA.reserve('c1', Q, agents, T0 + 2000), storeB.reserve('c2', Q, agents, T0 + 2000)]);
    expect([ra.status, rb.status].sort()).toEqual(['AGENT_UNAVAILABLE', 'ok']);
    const winner = ra.status === 'ok' ? 'c1' : 'c2';
    const loser = winner === 'c1' ? 'c2' : 'c1';

    // Both instances see the same truth.
    for (const s of [storeA, storeB]) {
      expect(await s.agent('a1')).toMatchObject({ state: 'reserved', offers: [winner] });
      expect(await s.entry(loser)).toMatchObject({ state: 'waiting', agents: [] });
      expect(await s.entry(winner)).toMatchObject({ state: 'offered', agents: ['a1'] });
    }
  });

  it('ring-no-answer: the caller keeps its place, the agent is available at the back of the idle line; K misses in a row pause the agent', async () => {
    const ctx = setup({ missesBeforePause: 2 });
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    await store.enqueue(caller('c2'), T0 + 1500);

    expect(await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000)).toEqual({ status: 'ok', agents: ['a1'] });
    expect(await store.ring('c1', 'a1', 30_000, T0 + 2100)).toBe(true);
    expect((await store.agent('a1'))?.state).toBe('ringing');

    const released = await store.release('c1', 'a1', 'rna', true, T0 + 20_000);
    expect(released).toEqual({ agentState: 'available', entryState: 'waiting' });

    const entry = await store.entry('c1');
    expect(entry).toMatchObject({ state: 'waiting', agents: [], enqueuedAt: T0 + 1000 });
    expect(entry?.offeredAt).toBeUndefined();
    expect(await position(ctx, 'c1')).toBe(1);
    expect(await position(ctx, 'c2')).toBe(2);
    expect(await ctx.redis.zscore(ctx.keys.reservations(), 'c1')).toBeNull();

    const agent = await store.agent('a1');
    expect(agent).toMatchObject({ state: 'available', misses: 1, idleSince: T0 + 20_000, offers: [] });

    const rna = await events(ctx, 'RINGNOANSWER');
    expect(rna).toHaveLength(1);
    expect(rna[0]).toMatchObject({ queue: Q, callId: 'c1', agentId: 'a1', time: T0 + 20_000 });
    expect(rna[0]!.data).toMatchObject({ cause: 'rna', ringtime: '18' });

    // Second miss in a row: auto-pause.
    expect((await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 21_000)).status).toBe('ok');
    expect(await store.ring('c1', 'a1', 30_000, T0 + 21_000)).toBe(true);
    expect(await store.release('c1', 'a1', 'rna', true, T0 + 40_000)).toEqual({ agentState: 'paused', entryState: 'waiting' });

    expect(await store.agent('a1')).toMatchObject({ state: 'paused', reason: 'missed-calls', misses: 2, offers: [] });
    expect(await position(ctx, 'c1')).toBe(1);
    const pause = await events(ctx, 'PAUSE');
    expect(pause).toHaveLength(1);
    expect(pause[0]).toMatchObject({ agentId: 'a1', time: T0 + 40_000, data: { reason: 'missed-calls' } });
    expect(await events(ctx, 'RINGNOANSWER')).toHaveLength(2);

    // A paused agent is not reservable.
    expect(await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 41_000)).toEqual({ status: 'AGENT_UNAVAILABLE' });
  });

  it('a caller abandons while the agent is ringing: the agent is freed without a miss, the entry is gone, ABANDON is journalled', async () => {
    const ctx = setup();
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c0'), T0 + 500);
    await store.enqueue(caller('c1'), T0 + 1000);
    expect((await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000)).status).toBe('ok');
    expect(await store.ring('c1', 'a1', 30_000, T0 + 2000)).toBe(true);

    const left = await store.leave('c1', 'ABANDON', {}, T0 + 31_000);
    expect(left).toMatchObject({ status: 'ok', position: 2, released: ['a1'] });

    expect(await store.agent('a1')).toMatchObject({ state: 'available', misses: 0, offers: [] });
    expect(await store.entry('c1')).toBeUndefined();
    expect(await ctx.redis.zscore(ctx.keys.queue(Q), 'c1')).toBeNull();
    expect(await ctx.redis.zscore(ctx.keys.reservations(), 'c1')).toBeNull();
    expect(await ctx.redis.sismember(ctx.keys.entries(), 'c1')).toBe(0);
    expect(await queueOrder(ctx)).toEqual(['c0']);

    const abandon = await events(ctx, 'ABANDON');
    expect(abandon).toHaveLength(1);
    expect(abandon[0]).toMatchObject({ queue: Q, callId: 'c1', time: T0 + 31_000 });
    expect(abandon[0]!.data).toMatchObject({ waittime: '30', position: '2', origposition: '2' });
    expect(await events(ctx, 'RINGNOANSWER')).toHaveLength(0);

    // Leaving again: gone.
    expect(await store.leave('c1', 'ABANDON', {}, T0 + 32_000)).toEqual({ status: 'GONE' });
  });

  it('an agent logs out with a call offered: the call goes back to waiting, the agent is logged out', async () => {
    const ctx = setup();
    const { store } = ctx;
    await store.enqueue(caller('c0'), T0);
    await ringingCall(ctx);
    expect(await position(ctx, 'c1')).toBe(2);

    const r = await store.agentState('a1', 'logged-out', 'logout', T0 + 5000);
    expect(r).toMatchObject({ status: 'ok', released: ['c1'] });
    expect(r.agent).toMatchObject({ state: 'logged-out', offers: [] });
    expect(r.agent.loginAt).toBeUndefined();

    expect(await store.agent('a1')).toMatchObject({ state: 'logged-out', offers: [] });
    expect(await store.entry('c1')).toMatchObject({ state: 'waiting', agents: [] });
    expect(await position(ctx, 'c1')).toBe(2);
    expect(await ctx.redis.zscore(ctx.keys.reservations(), 'c1')).toBeNull();

    const logoff = await events(ctx, 'AGENTLOGOFF');
    expect(logoff).toHaveLength(1);
    expect(logoff[0]).toMatchObject({ agentId: 'a1', time: T0 + 5000, data: { logintime: '5', reason: 'logout' } });

    // The withdrawn offer's INVITE must be cancelled: ring says so.
    expect(await store.ring('c1', 'a1', 30_000, T0 + 5100)).toBe(false);
    // Logging out again: nothing to do.
    expect((await store.agentState('a1', 'logged-out', 'logout', T0 + 6000)).status).toBe('same');
  });

  it('answer, complete with wrap-up, and the sweeper ending the wrap-up', async () => {
    const ctx = setup();
    const { store } = ctx;
    await ringingCall(ctx);

    const answered = await store.answer('c1', 'a1', Q, T0 + 12_000);
    expect(answered).toEqual({ ok: true, withdrawnCalls: [], releasedAgents: [] });
    expect(await store.agent('a1')).toMatchObject({ state: 'on-call', callsTaken: 1, call: 'c1', offers: [], misses: 0 });
    expect(await store.entry('c1')).toMatchObject({ state: 'connected', agent: 'a1', agents: [], connectedAt: T0 + 12_000 });
    expect(await ctx.redis.zscore(ctx.keys.queue(Q), 'c1')).toBeNull();
    expect(await ctx.redis.zscore(ctx.keys.reservations(), 'c1')).toBeNull();

    const connect = await events(ctx, 'CONNECT');
    expect(connect).toHaveLength(1);
    expect(connect[0]).toMatchObject({ queue: Q, callId: 'c1', agentId: 'a1', time: T0 + 12_000 });
    expect(connect[0]!.data).toMatchObject({ holdtime: '11', ringtime: '10' });

    // A second answer of the same call: gone.
    expect(await store.answer('c1', 'a1', Q, T0 + 12_500)).toEqual({ ok: false });

    const done = await store.complete('c1', 'COMPLETECALLER', 5000, {}, T0 + 72_000);
    expect(done).toEqual({ status: 'ok', agent: 'a1', agentState: 'wrap-up' });
    expect(await store.agent('a1')).toMatchObject({ state: 'wrap-up', wrapUntil: T0 + 77_000, since: T0 + 72_000 });
    expect(Number(await ctx.redis.zscore(ctx.keys.wrapups(), 'a1'))).toBe(T0 + 77_000);
    expect(await store.entry('c1')).toBeUndefined();
    expect(await ctx.redis.sismember(ctx.keys.entries(), 'c1')).toBe(0);

    const completed = await events(ctx, 'COMPLETECALLER');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ queue: Q, callId: 'c1', agentId: 'a1', data: { holdtime: '11', calltime: '60' } });

    expect(await store.sweep(T0 + 76_999)).toEqual({ returned: [], freed: [] });
    expect((await store.agent('a1'))?.state).toBe('wrap-up');

    expect(await store.sweep(T0 + 77_000)).toEqual({ returned: [], freed: ['a1'] });
    const agent = await store.agent('a1');
    expect(agent).toMatchObject({ state: 'available', idleSince: T0 + 77_000, callsTaken: 1 });
    expect(agent?.wrapUntil).toBeUndefined();
    expect(agent?.call).toBeUndefined();
    expect(await ctx.redis.zscore(ctx.keys.wrapups(), 'a1')).toBeNull();

    // Talk 60 s + wrap-up 5 s.
    expect(await store.handleTimes(Q)).toEqual([65_000]);
    expect(await store.complete('c1', 'COMPLETECALLER', 5000, {}, T0 + 80_000)).toEqual({ status: 'GONE' });
  });

  it('a logout during a call is pending and applies when the call completes', async () => {
    const ctx = setup();
    const { store } = ctx;
    await connectedCall(ctx);

    const r = await store.agentState('a1', 'logged-out', 'logout', T0 + 20_000);
    expect(r.status).toBe('pending');
    expect(r.agent).toMatchObject({ state: 'on-call', pendingLogout: true });
    expect(await store.agent('a1')).toMatchObject({ state: 'on-call', pendingLogout: true, call: 'c1' });
    expect(await events(ctx, 'AGENTLOGOFF')).toHaveLength(0);

    const done = await store.complete('c1', 'COMPLETEAGENT', 5000, {}, T0 + 40_000);
    expect(done).toEqual({ status: 'ok', agent: 'a1', agentState: 'logged-out' });
    const agent = await store.agent('a1');
    expect(agent?.state).toBe('logged-out');
    expect(agent?.pendingLogout).toBeUndefined();
    expect(agent?.call).toBeUndefined();
    expect(agent?.wrapUntil).toBeUndefined();
    expect(await ctx.redis.zscore(ctx.keys.wrapups(), 'a1')).toBeNull();
    const logoff = await events(ctx, 'AGENTLOGOFF');
    expect(logoff).toHaveLength(1);
    expect(logoff[0]).toMatchObject({ agentId: 'a1', time: T0 + 40_000 });
    expect(await events(ctx, 'COMPLETEAGENT')).toHaveLength(1);
  });

  it('an invalid transition rejects with ACD_INVALID_TRANSITION and writes nothing', async () => {
    const ctx = setup();
    const { store } = ctx;

    // on-call → on-call-outbound: the table forbids it.
    await connectedCall(ctx);
    let before = await writeCounters(ctx);
    let agentBefore = await store.agent('a1');
    await rejectsWithCode(store.agentState('a1', 'on-call-outbound', 'outbound-start', T0 + 13_000), 'ACD_INVALID_TRANSITION');
    expect(await writeCounters(ctx)).toEqual(before);
    expect(await store.agent('a1')).toEqual(agentBefore);

    // reserved → paused: the table forbids it too (only ringing may be auto-paused).
    await login(store, 'a2', T0);
    await store.enqueue(caller('c2'), T0 + 14_000);
    expect((await store.reserve('c2', Q, [{ id: 'a2', maxOffers: 1 }], T0 + 14_000)).status).toBe('ok');
    before = await writeCounters(ctx);
    agentBefore = await store.agent('a2');
    expect(agentBefore?.state).toBe('reserved');
    const err = await rejectsWithCode(store.agentState('a2', 'paused', 'pause', T0 + 15_000, { reason: 'break' }), 'ACD_INVALID_TRANSITION');
    expect(err.message).toMatch(/reserved -> paused/);
    expect(await writeCounters(ctx)).toEqual(before);
    expect(await store.agent('a2')).toEqual(agentBefore);
    expect(await store.entry('c2')).toMatchObject({ state: 'offered', agents: ['a2'] });

    // wrap-up is only where an outbound call ends.
    await login(store, 'a3', T0);
    before = await writeCounters(ctx);
    await rejectsWithCode(store.agentState('a3', 'wrap-up', 'outbound-end', T0 + 16_000, { wrapUpMs: 1000 }), 'ACD_INVALID_TRANSITION');
    expect(await writeCounters(ctx)).toEqual(before);
  });

  it('a reservation nobody rings expires: the sweeper returns the call and frees the agent', async () => {
    const ctx = setup({ reservationTtlMs: 5000 });
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    expect((await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000)).status).toBe('ok');
    expect(Number(await ctx.redis.zscore(ctx.keys.reservations(), 'c1'))).toBe(T0 + 7000);

    expect(await store.sweep(T0 + 6999)).toEqual({ returned: [], freed: [] });
    expect((await store.entry('c1'))?.state).toBe('offered');

    expect(await store.sweep(T0 + 2000 + 5000 + 1)).toEqual({ returned: ['c1'], freed: ['a1'] });
    expect(await store.entry('c1')).toMatchObject({ state: 'waiting', agents: [] });
    expect(await position(ctx, 'c1')).toBe(1);
    expect(await store.agent('a1')).toMatchObject({ state: 'available', offers: [], misses: 0 });
    expect(await ctx.redis.zcard(ctx.keys.reservations())).toBe(0);

    // The stalled owner's late ring: the offer is gone.
    expect(await store.ring('c1', 'a1', 30_000, T0 + 8000)).toBe(false);
    expect((await store.agent('a1'))?.state).toBe('available');
    expect(await store.sweep(T0 + 9000)).toEqual({ returned: [], freed: [] });
  });

  it('ringall: three agents rung for one call, the second answers, the others are released', async () => {
    const ctx = setup();
    const { store } = ctx;
    for (const id of ['a1', 'a2', 'a3']) await login(store, id, T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    const agents = ['a1', 'a2', 'a3'].map((id) => ({ id, maxOffers: 1 }));
    expect(await store.reserve('c1', Q, agents, T0 + 2000)).toEqual({ status: 'ok', agents: ['a1', 'a2', 'a3'] });
    expect(await store.entry('c1')).toMatchObject({ state: 'offered', agents: ['a1', 'a2', 'a3'] });
    for (const id of ['a1', 'a2', 'a3']) expect(await store.ring('c1', id, 30_000, T0 + 2000)).toBe(true);

    const answered = await store.answer('c1', 'a2', Q, T0 + 8000);
    expect(answered).toEqual({ ok: true, withdrawnCalls: [], releasedAgents: ['a1', 'a3'] });
    for (const id of ['a1', 'a3']) expect(await store.agent(id)).toMatchObject({ state: 'available', offers: [], misses: 0 });
    expect(await store.agent('a2')).toMatchObject({ state: 'on-call', call: 'c1', callsTaken: 1 });
    expect(await store.entry('c1')).toMatchObject({ state: 'connected', agent: 'a2', agents: [] });

    // The losers' late answers and the owner's release of their legs are harmless.
    expect(await store.answer('c1', 'a1', Q, T0 + 8100)).toEqual({ ok: false });
    expect(await store.release('c1', 'a3', 'answered-elsewhere', false, T0 + 8100)).toEqual({ entryState: 'connected' });
    expect(await events(ctx, 'RINGNOANSWER')).toHaveLength(0);
  });

  it('maxConcurrentOffers 2: one agent offered two calls; answering one returns the other to waiting', async () => {
    const ctx = setup();
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    await store.enqueue(caller('c2'), T0 + 1100);
    await store.enqueue(caller('c3'), T0 + 1200);

    expect(await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000)).toEqual({ status: 'ok', agents: ['a1'] });
    expect(await store.reserve('c2', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000)).toEqual({ status: 'AGENT_UNAVAILABLE' });
    expect(await store.reserve('c2', Q, [{ id: 'a1', maxOffers: 2 }], T0 + 2000)).toEqual({ status: 'ok', agents: ['a1'] });
    expect(await store.reserve('c3', Q, [{ id: 'a1', maxOffers: 2 }], T0 + 2000)).toEqual({ status: 'AGENT_UNAVAILABLE' });
    expect(await store.agent('a1')).toMatchObject({ state: 'reserved', offers: ['c1', 'c2'] });

    expect(await store.ring('c1', 'a1', 30_000, T0 + 2500)).toBe(true);
    expect(await store.ring('c2', 'a1', 30_000, T0 + 2500)).toBe(true);
    expect((await store.agent('a1'))?.state).toBe('ringing');

    const answered = await store.answer('c1', 'a1', Q, T0 + 6000);
    expect(answered).toEqual({ ok: true, withdrawnCalls: ['c2'], releasedAgents: [] });
    expect(await store.agent('a1')).toMatchObject({ state: 'on-call', offers: [], call: 'c1' });
    expect(await store.entry('c2')).toMatchObject({ state: 'waiting', agents: [] });
    expect(await ctx.redis.zscore(ctx.keys.reservations(), 'c2')).toBeNull();
    expect(await queueOrder(ctx)).toEqual(['c2', 'c3']);
    // The withdrawn INVITE's ring is refused.
    expect(await store.ring('c2', 'a1', 30_000, T0 + 6100)).toBe(false);
  });

  it('an emergency-closed queue refuses callers (CLOSED) and a full one too (FULL)', async () => {
    const ctx = setup();
    const { store } = ctx;
    await store.setEmergency(Q, true);
    const before = await writeCounters(ctx);
    expect(await store.enqueue(caller('c1'), T0)).toEqual({ status: 'CLOSED' });
    expect(await writeCounters(ctx)).toEqual(before);
    expect(await store.entry('c1')).toBeUndefined();

    await store.setEmergency(Q, false);
    expect((await store.enqueue(caller('c1', { maxLength: 2 }), T0 + 1000)).status).toBe('ok');
    expect((await store.enqueue(caller('c2', { maxLength: 2 }), T0 + 2000)).status).toBe('ok');
    const full = await writeCounters(ctx);
    expect(await store.enqueue(caller('c3', { maxLength: 2 }), T0 + 3000)).toEqual({ status: 'FULL' });
    expect(await writeCounters(ctx)).toEqual(full);
    expect(await store.entry('c3')).toBeUndefined();
    expect(await queueOrder(ctx)).toEqual(['c1', 'c2']);
    // Another queue is not affected by sales' length.
    expect((await store.enqueue(caller('c3', { queue: 'support', maxLength: 2 }), T0 + 3000)).status).toBe('ok');
  });

  it('overflow moves a waiting caller keeping its enqueue time and arrival order; an offered call cannot move', async () => {
    const ctx = setup();
    const { store } = ctx;
    await store.enqueue(caller('c1'), T0);
    await store.enqueue(caller('late', { queue: 'support' }), T0 + 30_000);
    const original = await store.entry('c1');

    const moved = await store.move('c1', 'support', 'max-wait', 0, T0 + 60_000);
    expect(moved).toMatchObject({ status: 'ok', position: 1 });
    const entry = await store.entry('c1');
    expect(entry).toMatchObject({ queue: 'support', enqueuedAt: T0, seq: original!.seq, state: 'waiting', origPosition: 1 });
    expect(await queueOrder(ctx, Q)).toEqual([]);
    expect(await queueOrder(ctx, 'support')).toEqual(['c1', 'late']);

    const journal = await events(ctx);
    const tail = journal.slice(-2);
    expect(tail.map((e) => e.event)).toEqual(['OVERFLOW', 'ENTERQUEUE']);
    expect(tail[0]).toMatchObject({ queue: Q, callId: 'c1', time: T0 + 60_000, data: { to: 'support', reason: 'max-wait', waittime: '60' } });
    expect(tail[1]).toMatchObject({ queue: 'support', callId: 'c1', data: { position: '1' } });

    // Moving it to where it already is: EXISTS.
    expect(await store.move('c1', 'support', 'max-wait', 0, T0 + 61_000)).toMatchObject({ status: 'EXISTS', position: 1 });

    // An offered call stays put.
    await login(store, 'a1', T0);
    await store.enqueue(caller('c2'), T0 + 62_000);
    expect((await store.reserve('c2', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 62_000)).status).toBe('ok');
    const before = await writeCounters(ctx);
    expect(await store.move('c2', 'support', 'max-wait', 0, T0 + 63_000)).toEqual({ status: 'NOT_WAITING' });
    expect(await writeCounters(ctx)).toEqual(before);
    expect(await store.entry('c2')).toMatchObject({ queue: Q, state: 'offered' });
    expect(await queueOrder(ctx, Q)).toEqual(['c2']);
    // And a call that is gone cannot move either.
    expect(await store.move('nope', 'support', 'max-wait', 0, T0 + 63_000)).toEqual({ status: 'NOT_WAITING' });
  });

  it('Redis down: the store rejects with ACD_STORE_UNAVAILABLE instead of hanging', async () => {
    const dead = connect('redis://127.0.0.1:1');
    const store = makeStore(dead);
    const started = Date.now();
    await rejectsWithCode(store.enqueue(caller('c1'), T0), 'ACD_STORE_UNAVAILABLE');
    await rejectsWithCode(store.agentState('a1', 'available', 'login', T0), 'ACD_STORE_UNAVAILABLE');
    await rejectsWithCode(store.agent('a1'), 'ACD_STORE_UNAVAILABLE');
    await rejectsWithCode(store.sweep(T0), 'ACD_STORE_UNAVAILABLE');
    await rejectsWithCode(AcdStore.readChanges(dead, store.keys.changes(), '0-0', 10), 'ACD_STORE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the changes stream and the snapshot let a view catch up: records with increasing versions', async () => {
    const ctx = setup();
    const { store, redis, keys } = ctx;
    await login(store, 'a1', T0);
    await login(store, 'a2', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    await store.enqueue(caller('c2'), T0 + 1100);
    await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000);
    await store.ring('c1', 'a1', 30_000, T0 + 2000);
    await store.answer('c1', 'a1', Q, T0 + 5000);
    await store.complete('c1', 'COMPLETECALLER', 0, {}, T0 + 9000);
    await store.setEmergency(Q, true);

    const snap = await store.snapshot([Q, 'support']);
    expect(snap.agents.map((a) => [a.id, a.state]).sort()).toEqual([
      ['a1', 'available'],
      ['a2', 'available'],
    ]);
    expect(snap.entries.map((e) => [e.callId, e.state])).toEqual([['c2', 'waiting']]);
    expect(snap.queues.get(Q)).toEqual({ emergency: true, lastOffered: 'a1' });
    expect(snap.queues.get('support')).toEqual({ emergency: false });

    const batch = await AcdStore.readChanges(redis, keys.changes(), '0-0', 1000);
    const changes = batch.changes;
    expect(snap.changesSeq).toBe(batch.entries - 1);
    expect(batch.seqs).toEqual(Array.from({ length: batch.entries - 1 }, (_, i) => i + 1)); // the emergency switch's entry has no number
    expect(batch.lastId).toBe(snap.changesFrom);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(['agent', 'entry', 'entry-removed', 'queue']));
    expect(changes.at(-1)).toMatchObject({ kind: 'queue', id: Q, emergency: true });
    expect(snap.changesFrom).toBe(changes.at(-1)!.streamId);

    const versions = changes.flatMap((c) =>
      c.kind === 'agent' ? [c.agent.version] : c.kind === 'entry' ? [c.entry.version] : c.kind === 'entry-removed' ? [c.version] : [],
    );
    expect(versions.length).toBeGreaterThan(5);
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]!);
    expect(versions.at(-1)).toBe(Number(await redis.get(`${keys.prefix}version`)));

    const removed = changes.find((c) => c.kind === 'entry-removed');
    expect(removed).toMatchObject({ id: 'c1' });
    const ringChange = changes.find((c) => c.kind === 'agent' && c.cause === 'ring');
    expect(ringChange).toMatchObject({ id: 'a1', from: 'reserved', agent: { state: 'ringing' } });

    // The last record of each agent equals the snapshot's copy.
    for (const agent of snap.agents) {
      const last = changes.filter((c) => c.kind === 'agent' && c.id === agent.id).at(-1);
      expect(last?.kind === 'agent' ? last.agent : undefined).toEqual(agent);
    }
    // Nothing after the snapshot point.
    expect(await AcdStore.readChanges(redis, keys.changes(), snap.changesFrom, 1000)).toEqual({ changes: [], lastId: snap.changesFrom, entries: 0, seqs: [] });
    await store.leave('c2', 'EXITWITHTIMEOUT', {}, T0 + 10_000);
    const after = await AcdStore.readChanges(redis, keys.changes(), snap.changesFrom, 1000);
    expect(after.changes).toMatchObject([{ kind: 'entry-removed', id: 'c2' }]);
    expect(after.entries).toBe(1);
  });

  it('journal events carry their time, and ABANDON/CONNECT their queue and call', async () => {
    const ctx = setup();
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    await store.enqueue(caller('c2'), T0 + 1500);
    await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000);
    await store.ring('c1', 'a1', 30_000, T0 + 2000);
    await store.answer('c1', 'a1', Q, T0 + 4000);
    await store.leave('c2', 'ABANDON', { key: '' }, T0 + 9000);
    await store.complete('c1', 'COMPLETECALLER', 0, { note: 'x' }, T0 + 10_000);
    await store.agentState('a1', 'paused', 'pause', T0 + 11_000, { reason: 'lunch' });
    await store.agentState('a1', 'available', 'ready', T0 + 12_000);
    await store.agentState('a1', 'logged-out', 'logout', T0 + 13_000);

    const all = await events(ctx);
    expect(all.map((e) => e.event)).toEqual([
      'AGENTLOGIN',
      'ENTERQUEUE',
      'ENTERQUEUE',
      'CONNECT',
      'ABANDON',
      'COMPLETECALLER',
      'PAUSE',
      'UNPAUSE',
      'AGENTLOGOFF',
    ]);
    for (const e of all) {
      expect(e.id).toMatch(/^\d+-\d+$/);
      expect(Number.isFinite(e.time)).toBe(true);
    }
    expect(all.map((e) => e.time)).toEqual([T0, T0 + 1000, T0 + 1500, T0 + 4000, T0 + 9000, T0 + 10_000, T0 + 11_000, T0 + 12_000, T0 + 13_000]);

    const connect = all.find((e) => e.event === 'CONNECT')!;
    expect(connect).toMatchObject({ queue: Q, callId: 'c1', agentId: 'a1', data: { holdtime: '3', ringtime: '2' } });
    const abandon = all.find((e) => e.event === 'ABANDON')!;
    expect(abandon).toMatchObject({ queue: Q, callId: 'c2', data: { position: '1', origposition: '2', waittime: '8' } });
    expect(abandon.agentId).toBeUndefined();
    expect(all.find((e) => e.event === 'COMPLETECALLER')).toMatchObject({ data: { note: 'x', holdtime: '3', calltime: '6' } });
    expect(all.find((e) => e.event === 'PAUSE')).toMatchObject({ agentId: 'a1', data: { reason: 'lunch' } });
    expect(all.find((e) => e.event === 'UNPAUSE')).toMatchObject({ agentId: 'a1', data: { reason: 'lunch' } });
    expect(all.find((e) => e.event === 'AGENTLOGOFF')).toMatchObject({ agentId: 'a1', data: { logintime: '13' } });

    // Paging from an id.
    const page = await store.journal(all[4]!.id, 2);
    expect(page.map((e) => e.event)).toEqual(['ABANDON', 'COMPLETECALLER']);
  });

  it('a miss on an offer never rung, at the auto-pause threshold: the agent goes available (the table forbids reserved → paused), nothing half-written', async () => {
    const ctx = setup({ missesBeforePause: 1 });
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    expect((await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000)).status).toBe('ok');
    expect((await store.agent('a1'))?.state).toBe('reserved');

    expect(await store.release('c1', 'a1', 'rejected', true, T0 + 3000)).toEqual({ agentState: 'available', entryState: 'waiting' });
    expect(await store.agent('a1')).toMatchObject({ state: 'available', misses: 1, offers: [], idleSince: T0 + 3000 });
    expect(await store.entry('c1')).toMatchObject({ state: 'waiting', agents: [] });
    expect(await events(ctx, 'RINGNOANSWER')).toHaveLength(1);
    expect(await events(ctx, 'PAUSE')).toHaveLength(0);

    // The next miss, rung this time, pauses.
    expect((await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 4000)).status).toBe('ok');
    expect(await store.ring('c1', 'a1', 30_000, T0 + 4000)).toBe(true);
    expect(await store.release('c1', 'a1', 'rna', true, T0 + 24_000)).toEqual({ agentState: 'paused', entryState: 'waiting' });
    expect(await store.agent('a1')).toMatchObject({ state: 'paused', reason: 'missed-calls', misses: 2 });
  });

  it('an agent who pauses while their phone rings gives the call back to the queue', async () => {
    const ctx = setup();
    const { store } = ctx;
    await store.enqueue(caller('c0'), T0);
    await ringingCall(ctx);

    const r = await store.agentState('a1', 'paused', 'pause', T0 + 5000, { reason: 'break' });
    expect(r).toMatchObject({ status: 'ok', released: ['c1'] });
    expect(r.agent).toMatchObject({ state: 'paused', reason: 'break', offers: [], misses: 0 });
    expect(await store.entry('c1')).toMatchObject({ state: 'waiting', agents: [] });
    expect(await position(ctx, 'c1')).toBe(2);
    expect(await ctx.redis.zscore(ctx.keys.reservations(), 'c1')).toBeNull();
    expect(await events(ctx, 'RINGNOANSWER')).toHaveLength(0);

    // The phone still ringing is hung up: its answer is refused, the call can go to someone else.
    expect(await store.answer('c1', 'a1', Q, T0 + 6000)).toEqual({ ok: false });
    await login(store, 'a2', T0);
    expect(await store.reserve('c1', Q, [{ id: 'a2', maxOffers: 1 }], T0 + 6000)).toEqual({ status: 'ok', agents: ['a2'] });
  });

  it('an agent made ready while reserved gives the offer back instead of holding it while available', async () => {
    const ctx = setup();
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    await store.enqueue(caller('c2'), T0 + 1100);
    expect((await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 2000)).status).toBe('ok');

    const r = await store.agentState('a1', 'available', 'ready', T0 + 3000);
    expect(r).toMatchObject({ status: 'ok', released: ['c1'] });
    expect(r.agent).toMatchObject({ state: 'available', offers: [] });
    expect(await store.entry('c1')).toMatchObject({ state: 'waiting', agents: [] });

    // One offer at a time again: c2 gets the agent, c1 then does not.
    expect(await store.reserve('c2', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 4000)).toEqual({ status: 'ok', agents: ['a1'] });
    expect(await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 1 }], T0 + 4000)).toEqual({ status: 'AGENT_UNAVAILABLE' });
    expect(await store.agent('a1')).toMatchObject({ state: 'reserved', offers: ['c2'] });
  });

  it('a logout during an outbound call applies when the call ends, however it ends; asking again writes nothing', async () => {
    const ctx = setup();
    const { store } = ctx;
    for (const id of ['a1', 'a2']) {
      await login(store, id, T0);
      expect((await store.agentState(id, 'on-call-outbound', 'outbound-start', T0 + 1000, { reason: 'renewals' })).agent).toMatchObject({
        state: 'on-call-outbound',
        reason: 'renewals',
      });
      expect((await store.agentState(id, 'logged-out', 'logout', T0 + 2000)).status).toBe('pending');
    }
    const before = await writeCounters(ctx);
    const again = await store.agentState('a1', 'logged-out', 'logout', T0 + 2500);
    expect(again).toMatchObject({ status: 'pending', agent: { state: 'on-call-outbound', pendingLogout: true } });
    expect(await writeCounters(ctx)).toEqual(before);

    // Ended with wrap-up: logged out instead.
    const viaWrapUp = await store.agentState('a1', 'wrap-up', 'outbound-end', T0 + 60_000, { wrapUpMs: 3000 });
    expect(viaWrapUp.agent).toMatchObject({ state: 'logged-out' });
    expect(viaWrapUp.agent.pendingLogout).toBeUndefined();
    expect(await ctx.redis.zscore(ctx.keys.wrapups(), 'a1')).toBeNull();

    // Ended straight to available: logged out too, not left available-but-unreservable.
    const viaReady = await store.agentState('a2', 'available', 'outbound-end', T0 + 61_000);
    expect(viaReady).toMatchObject({ status: 'ok', agent: { state: 'logged-out' } });
    expect(viaReady.agent.pendingLogout).toBeUndefined();
    expect(viaReady.agent.reason).toBeUndefined();

    const logoff = await events(ctx, 'AGENTLOGOFF');
    expect(logoff.map((e) => [e.agentId, e.time, e.data.logintime])).toEqual([
      ['a1', T0 + 60_000, '60'],
      ['a2', T0 + 61_000, '61'],
    ]);
  });

  it('an agent listed twice in one reservation is reserved once', async () => {
    const ctx = setup();
    const { store } = ctx;
    await login(store, 'a1', T0);
    await store.enqueue(caller('c1'), T0 + 1000);
    const r = await store.reserve('c1', Q, [{ id: 'a1', maxOffers: 2 }, { id: 'a1', maxOffers: 2 }], T0 + 2000);
    expect(r).toEqual({ status: 'ok', agents: ['a1'] });
    expect(await store.entry('c1')).toMatchObject({ agents: ['a1'] });
    expect(await store.agent('a1')).toMatchObject({ state: 'reserved', offers: ['c1'] });
  });
});
