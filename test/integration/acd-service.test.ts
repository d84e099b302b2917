/**
 * The ACD service against the real Redis: several service instances share one
 * key prefix the way several servers share one Redis. A clock we move by hand
 * stands in for time in the scripts and the core (escalation, wrap-up, ttl);
 * the services' own housekeeping runs on short real intervals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createRedis, RedisKeys, type Redis } from '../../src/store/redis.js';
import { AcdService, type AcdEvents } from '../../src/acd/service/acd-service.js';
import type { AgentProfile, QueueConfig } from '../../src/acd/types.js';
import { profile, queue as baseQueue } from '../unit/acd-core-fixtures.js';
import type { AcdConfig } from '../../src/config/acd-schema.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The core tests' queue with no max wait and no announcements (these tests run on a clock moved by hand). */
function queue(q: Partial<QueueConfig> & { id: string }): QueueConfig {
  return baseQueue({ maxWaitSeconds: 0, announcements: { positionEverySeconds: 0, estimatedWait: true }, ...q });
}

function agent(id: string, order: number, skills: Record<string, number> = { support: 3 }): AgentProfile {
  return profile(id, skills, { order });
}

const SETTINGS: AcdConfig = {
  reservationTtlSeconds: 5,
  missesBeforePause: 2,
  defaultWrapUpSeconds: 0,
  retryAfterMissSeconds: 0,
  handleTimeWindow: 50,
  instanceTimeoutSeconds: 3,
  hotlineMenu: {},
};

interface Harness {
  prefix: string;
  clock: { now: number };
  services: AcdService[];
  conns: Redis[];
  start(id: string, opts?: { agents?: AgentProfile[]; queues?: QueueConfig[]; settings?: Partial<AcdConfig> }): Promise<AcdService>;
  /** A crash: timers and connections gone, nothing cleaned up in Redis. */
  crash(s: AcdService): Promise<void>;
}

const harnesses: Harness[] = [];

function harness(defaults: { agents: AgentProfile[]; queues: QueueConfig[] }): Harness {
  const prefix = `test:acd-svc:${randomUUID()}:`;
  const clock = { now: 1_800_000_000_000 };
  const h: Harness = {
    prefix,
    clock,
    services: [],
    conns: [],
    async start(id, opts = {}) {
      const redis = createRedis(REDIS_URL);
      h.conns.push(redis);
      const s = new AcdService({
        redis,
        keys: new RedisKeys(prefix),
        instanceId: id,
        agents: opts.agents ?? defaults.agents,
        queues: opts.queues ?? defaults.queues,
        settings: { ...SETTINGS, ...opts.settings },
        now: () => clock.now,
        rng: () => 0.5,
        tickMs: 50,
      });
      await s.start();
      h.services.push(s);
      return s;
    },
    async crash(s) {
      // stop without forgetting the instance: its heartbeat just stops, as with kill -9
      const forget = s.store.forgetInstance.bind(s.store);
      s.store.forgetInstance = () => Promise.resolve();
      await s.stop();
      s.store.forgetInstance = forget;
    },
  };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    for (const s of h.services) await s.stop().catch(() => undefined);
    const redis = createRedis(REDIS_URL);
    const keys = await redis.keys(`${h.prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    for (const c of h.conns) c.disconnect();
  }
});

/** Resolves with the first matching event (or rejects after `ms`). */
function next<K extends keyof AcdEvents>(s: AcdService, event: K, match: (...args: AcdEvents[K]) => boolean = () => true, ms = 3000): Promise<AcdEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off(event, on as never);
      reject(new Error(`no ${String(event)} within ${ms} ms`));
    }, ms);
    const on = (...args: AcdEvents[K]): void => {
      if (!match(...args)) return;
      clearTimeout(timer);
      s.off(event, on as never);
      resolve(args);
    };
    s.on(event, on as never);
  });
}

const settle = (ms = 200): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A caller `callId` enters `support`; resolves once the service offers it to its agents. */
async function enqueueAndOffer(s: AcdService, callId = 'c1'): Promise<void> {
  const offered = next(s, 'offer', (o) => o.callId === callId);
  await s.enqueue({ callId, queue: 'support' });
  await offered;
}

describe('ACD service with the real Redis', () => {
  it('two instances race for one agent: each has a caller, one agent → only the older caller is offered, the other keeps waiting', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const [s1, s2] = [await h.start('i1'), await h.start('i2')];
    const offers: string[] = [];
    for (const s of [s1, s2]) s.on('offer', (o) => offers.push(o.callId));
    await s1.enqueue({ callId: 'older', queue: 'support' });
    h.clock.now += 1000;
    await s2.enqueue({ callId: 'newer', queue: 'support' });
    await settle(100);
    const offered = next(s1, 'offer');
    await s2.login('a1');
    const [offer] = await offered;
    expect(offer).toEqual({ callId: 'older', queue: 'support', agents: ['a1'] });
    await settle(300);
    expect(offers).toEqual(['older']);
    expect((await s1.store.entry('newer'))?.state).toBe('waiting');
    expect((await s1.store.agent('a1'))?.offers).toEqual(['older']);
  });

  it('ring-no-answer → caller back at the head and offered to the next agent; two misses in a row pause the agent "missed-calls"', async () => {
    const h = harness({ agents: [agent('a1', 0), agent('a2', 1)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    await s.login('a1');
    h.clock.now += 1000;
    await s.login('a2');
    const first = next(s, 'offer');
    await s.enqueue({ callId: 'c1', queue: 'support' });
    expect((await first)[0].agents).toEqual(['a1']); // longest idle
    await s.enqueue({ callId: 'c2', queue: 'support' });
    await next(s, 'offer', (o) => o.callId === 'c2');
    expect(s.position('c1')).toBe(1);

    const again = next(s, 'offer', (o) => o.callId === 'c1');
    await s.ringingAgent('c1', 'a1', 10_000);
    await s.offerFailed('c1', 'a1', 'rna');
    expect(s.position('c1')).toBe(1); // still the head, not behind c2
    // a2 is busy with c2's offer; a1 (misses 1) is available again and gets it back
    expect((await again)[0].agents).toEqual(['a1']);
    await s.ringingAgent('c1', 'a1', 10_000);
    await s.offerFailed('c1', 'a1', 'rna');
    const a1 = await s.store.agent('a1');
    expect(a1).toMatchObject({ state: 'paused', reason: 'missed-calls', misses: 2 });
    const events = (await s.store.journal()).map((e) => e.event);
    expect(events.filter((e) => e === 'RINGNOANSWER')).toHaveLength(2);
    expect(events).toContain('PAUSE');
  });

  it('agent logs out while ringing → withdraw event for that offer, the caller goes to the other agent', async () => {
    const h = harness({ agents: [agent('a1', 0), agent('a2', 1)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    await s.login('a1');
    h.clock.now += 1000;
    const first = next(s, 'offer');
    await s.enqueue({ callId: 'c1', queue: 'support' });
    await first;
    await s.ringingAgent('c1', 'a1', 10_000);
    const withdrawn = next(s, 'withdraw');
    const second = next(s, 'offer', (o) => o.agents[0] === 'a2');
    await s.login('a2');
    await s.logout('a1');
    expect(await withdrawn).toEqual(['c1', 'a1']);
    expect((await second)[0].callId).toBe('c1');
    expect((await s.store.agent('a1'))?.state).toBe('logged-out');
  });

  it('answer, hang up, wrap-up: agent on-call then wrap-up for its seconds, then available (swept on time)', async () => {
    const h = harness({ agents: [{ ...agent('a1', 0), wrapUpSeconds: 20 }], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    const states: string[] = [];
    s.on('agent', (c) => states.push(c.to));
    await s.login('a1');
    await enqueueAndOffer(s);
    await s.ringingAgent('c1', 'a1', 10_000);
    h.clock.now += 4000;
    expect(await s.answered('c1', 'a1')).toBe(true);
    h.clock.now += 60_000;
    await s.completed('c1', 'COMPLETECALLER');
    expect((await s.store.agent('a1'))?.state).toBe('wrap-up');
    h.clock.now += 19_000;
    await settle(200);
    expect((await s.store.agent('a1'))?.state).toBe('wrap-up');
    h.clock.now += 1_000;
    await settle(300);
    expect((await s.store.agent('a1'))?.state).toBe('available');
    await settle(100);
    expect(states).toEqual(['available', 'reserved', 'ringing', 'on-call', 'wrap-up', 'available']);
    const journal = await s.store.journal();
    expect(journal.find((e) => e.event === 'CONNECT')?.data).toMatchObject({ holdtime: '4' });
    expect(journal.find((e) => e.event === 'COMPLETECALLER')?.data).toMatchObject({ holdtime: '4', calltime: '60' });
  });

  it('kill -9 with callers queued → the restarted instance removes the callers whose media died (EXITLOST, no ghost) and keeps the one whose media survived, with its enqueue time and position', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s1 = await h.start('box-1');
    await s1.enqueue({ callId: 'survivor', queue: 'support' });
    h.clock.now += 1000;
    await s1.enqueue({ callId: 'dead', queue: 'support' });
    const before = await s1.store.entry('survivor');
    await h.crash(s1);

    h.clock.now += 30_000;
    const redis = createRedis(REDIS_URL);
    h.conns.push(redis);
    const s2 = new AcdService({
      redis,
      keys: new RedisKeys(h.prefix),
      instanceId: 'box-1',
      agents: [agent('a1', 0)],
      queues: [queue({ id: 'support' })],
      settings: SETTINGS,
      now: () => h.clock.now,
      rng: () => 0.5,
      tickMs: 50,
    });
    h.services.push(s2);
    const lost: string[] = [];
    s2.on('lost', (e) => lost.push(e.callId));
    // an external media server kept "survivor" up: the calls layer adopts it at start
    await s2.start({ adopt: ['survivor'] });
    await expect.poll(() => lost, { timeout: 2000 }).toEqual(['dead']);
    expect(await s2.store.entry('dead')).toBeUndefined();
    const kept = await s2.store.entry('survivor');
    expect(kept).toMatchObject({ state: 'waiting', enqueuedAt: before?.enqueuedAt, seq: before?.seq });
    expect(s2.position('survivor')).toBe(1);
    const exit = (await s2.store.journal()).find((e) => e.event === 'EXITLOST');
    expect(exit).toMatchObject({ callId: 'dead', data: expect.objectContaining({ reason: 'media-lost', waittime: '30' }) as unknown });
    const offered = next(s2, 'offer');
    await s2.login('a1');
    expect((await offered)[0]).toEqual({ callId: 'survivor', queue: 'support', agents: ['a1'] });
  });

  it("another instance dies with a caller it was ringing an agent for → after its heartbeat times out the survivor frees the agent and removes the caller; the survivor's own caller gets the agent", async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s1 = await h.start('i1');
    const s2 = await h.start('i2');
    await s1.login('a1');
    const offered = next(s2, 'offer');
    await s2.enqueue({ callId: 'on-dying', queue: 'support' });
    await offered;
    await s2.ringingAgent('on-dying', 'a1', 10_000);
    h.clock.now += 1000;
    await s1.enqueue({ callId: 'on-survivor', queue: 'support' });
    await h.crash(s2);
    const lost = next(s1, 'lost');
    const mine = next(s1, 'offer', (o) => o.callId === 'on-survivor');
    h.clock.now += 5000; // past instanceTimeoutSeconds (3 s) for i2; i1 keeps beating
    expect((await lost)[0].callId).toBe('on-dying');
    expect((await mine)[0].agents).toEqual(['a1']);
    expect(await s1.store.entry('on-dying')).toBeUndefined();
  });

  it('reservation never confirmed (owner stalled) → expires after reservationTtlSeconds: caller back to waiting, agent available', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    await s.login('a1');
    await enqueueAndOffer(s);
    expect((await s.store.agent('a1'))?.state).toBe('reserved');
    const again = next(s, 'offer');
    h.clock.now += 5001;
    await again; // swept, then dispatched again to the same agent
    const journal = await s.store.journal();
    expect(journal.filter((e) => e.event === 'RINGNOANSWER')).toEqual([]);
  });

  it('escalation: a junior agent (proficiency 1) is not offered the call until the 30 s step lowers the minimum', async () => {
    const q = queue({ id: 'support', requirement: { allOf: [{ skill: 'support', min: 4 }], anyOf: [] }, escalation: [{ afterSeconds: 30, minProficiency: 1 }] });
    const h = harness({ agents: [agent('junior', 0, { support: 1 })], queues: [q] });
    const s = await h.start('i1');
    await s.login('junior');
    const offers: string[] = [];
    s.on('offer', (o) => offers.push(o.callId));
    await s.enqueue({ callId: 'c1', queue: 'support' });
    await settle(200);
    expect(offers).toEqual([]);
    const offered = next(s, 'offer');
    h.clock.now += 30_000;
    expect((await offered)[0].agents).toEqual(['junior']);
  });

  it('position and estimated wait: third caller with two staffed agents and 60 s handle times → position 3, about 120 s', async () => {
    const h = harness({ agents: [agent('a1', 0), agent('a2', 1)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    for (const id of ['a1', 'a2']) {
      await s.login(id);
      await s.startOutbound(id, 'survey');
    }
    // recent handle times of 60 s (answered and completed calls)
    const redis = h.conns[0]!;
    await redis.lpush(`${h.prefix}acd:aht:support`, 60_000, 60_000);
    for (const c of ['c1', 'c2', 'c3']) {
      await s.enqueue({ callId: c, queue: 'support' });
      h.clock.now += 1000;
    }
    await settle(600); // handle times refresh every 5 ticks
    expect(s.position('c3')).toBe(3);
    expect(s.estimatedWaitMs('c3')).toBe(120_000);
    expect(s.waitingCalls('support').map((c) => [c.callId, c.position, c.waitedMs, c.estimatedWaitMs])).toEqual([
      ['c1', 1, 3000, 60_000],
      ['c2', 2, 2000, 60_000],
      ['c3', 3, 1000, 120_000],
    ]);
    expect(s.queueStats('support')).toMatchObject({ waiting: 3, agents: expect.objectContaining({ 'on-call-outbound': 2 }) as unknown });
    // an agent without the queue's skill is not one of its agents
    const other = harness({ agents: [agent('a1', 0), agent('a9', 1, { sales: 5 })], queues: [queue({ id: 'support', requirement: { allOf: [{ skill: 'support' }], anyOf: [] } })] });
    const s9 = await other.start('i9');
    expect(Object.values(s9.queueStats('support').agents).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('emergency switch → waiting callers get overflow (onEmergency target) and a new caller is refused', async () => {
    const q = queue({ id: 'support', overflow: { onEmergency: { type: 'voicemail', mailbox: 'surge' } } });
    const h = harness({ agents: [agent('a1', 0)], queues: [q] });
    const s = await h.start('i1');
    await s.enqueue({ callId: 'c1', queue: 'support' });
    const overflow = next(s, 'overflow');
    await s.setEmergency('support', true);
    expect(await overflow).toEqual(['c1', { reason: 'emergency', target: { type: 'voicemail', mailbox: 'surge' } }]);
    expect(await s.enqueue({ callId: 'c2', queue: 'support' })).toEqual({ status: 'refused', reason: 'emergency', target: { type: 'voicemail', mailbox: 'surge' } });
  });

  it('caller hangs up in the instant the agent answers → leave finds the call connected and completes it (COMPLETECALLER, agent to wrap-up), no ghost', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    await s.login('a1');
    await enqueueAndOffer(s);
    await s.ringingAgent('c1', 'a1', 10_000);
    expect(await s.answered('c1', 'a1')).toBe(true);
    await s.leave('c1', 'ABANDON');
    expect(await s.store.entry('c1')).toBeUndefined();
    expect((await s.store.agent('a1'))?.state).toBe('available'); // wrap-up 0 s in these settings
    expect((await s.store.journal()).filter((e) => e.callId === 'c1').map((e) => e.event)).toEqual(['ENTERQUEUE', 'CONNECT', 'COMPLETECALLER']);
  });

  it('agent answers after the offer was withdrawn (logged out meanwhile) → answered() is false and nothing changes', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    await s.login('a1');
    await enqueueAndOffer(s);
    await s.ringingAgent('c1', 'a1', 10_000);
    await s.logout('a1');
    expect(await s.answered('c1', 'a1')).toBe(false);
    expect(await s.store.entry('c1')).toMatchObject({ state: 'waiting', agents: [] });
    expect((await s.store.agent('a1'))?.state).toBe('logged-out');
  });

  it('overflow of a caller an agent is being rung for → moveTo says busy and nothing moves', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' }), queue({ id: 'other' })] });
    const s = await h.start('i1');
    await s.login('a1');
    await enqueueAndOffer(s);
    expect(await s.moveTo('c1', 'other', 'max-wait')).toEqual({ status: 'busy' });
    expect(await s.store.entry('c1')).toMatchObject({ queue: 'support', state: 'offered' });
  });

  it('a phone that fails (5xx) is not a miss but rests for the retry delay: not rung again at once', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1', { settings: { retryAfterMissSeconds: 5 } });
    await s.login('a1');
    await enqueueAndOffer(s);
    const offers: string[] = [];
    s.on('offer', (o) => offers.push(o.callId));
    await s.offerFailed('c1', 'a1', 'failed');
    await settle(300);
    expect(offers).toEqual([]);
    expect(await s.store.agent('a1')).toMatchObject({ state: 'available', misses: 0, lastMissAt: h.clock.now });
    const again = next(s, 'offer');
    h.clock.now += 5000;
    expect((await again)[0].agents).toEqual(['a1']);
  });

  it('Redis fails as a queued caller hangs up → the call is no longer live here, so the next tick removes the entry (EXITLOST) instead of leaving a ghost', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    await s.enqueue({ callId: 'c1', queue: 'support' });
    const leave = s.store.leave.bind(s.store);
    s.store.leave = () => Promise.reject(new Error('redis blip'));
    await expect(s.leave('c1', 'ABANDON')).rejects.toThrow('redis blip');
    s.store.leave = leave;
    const lost = next(s, 'lost');
    expect((await lost)[0].callId).toBe('c1');
    expect(await s.store.entry('c1')).toBeUndefined();
  });

  it('logout during a call is pending; a forced logout (supervisor clearing a stuck agent) applies at once', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    await s.login('a1');
    await s.startOutbound('a1', 'survey');
    expect(await s.logout('a1')).toMatchObject({ state: 'on-call-outbound', pendingLogout: true });
    expect(await s.logout('a1', 'supervisor', { force: true })).toMatchObject({ state: 'logged-out' });
    expect((await s.store.journal()).at(-1)).toMatchObject({ event: 'AGENTLOGOFF', agentId: 'a1', data: expect.objectContaining({ reason: 'supervisor' }) as unknown });
  });

  it('an instance whose change stream was trimmed past its position (cut off too long) reloads its view from a snapshot, once', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s = await h.start('i1');
    await s.enqueue({ callId: 'c1', queue: 'support' });
    await settle(100);
    let snapshots = 0;
    const snapshot = s.store.snapshot.bind(s.store);
    s.store.snapshot = (q) => {
      snapshots++;
      return snapshot(q);
    };
    // as if cut off while others wrote: its position is now older than what the stream trimmed
    const follower = (s as unknown as { follower: { resume(id: string, seq: number): void; position: string; seq: number } }).follower;
    const [stale, seq] = [follower.position, follower.seq];
    await s.pause('a1', 'break').catch(() => undefined);
    await s.store.agentState('a1', 'paused', 'login', h.clock.now, { reason: 'break' });
    await h.conns[0]!.xtrim(`${h.prefix}acd:changes`, 'MAXLEN', 0);
    follower.resume(stale, seq);
    // the next change shows the jump in numbers
    await s.enqueue({ callId: 'c2', queue: 'support' });
    await expect.poll(() => snapshots, { timeout: 3000 }).toBe(1);
    expect(s.agent('a1')?.state).toBe('paused');
    expect(s.position('c2')).toBe(2);
    await s.enqueue({ callId: 'c3', queue: 'support' });
    await settle(500); // numbers follow on again: no reload loop
    expect(snapshots).toBe(1);
  });

  it('an instance taken for dead while it still holds its caller (a stalled heartbeat) hears about it: evicted, not left playing music to nobody', async () => {
    const h = harness({ agents: [agent('a1', 0)], queues: [queue({ id: 'support' })] });
    const s1 = await h.start('i1');
    const s2 = await h.start('i2');
    await s2.enqueue({ callId: 'c1', queue: 'support' });
    const evicted = next(s2, 'evicted');
    // i2 stalls: its heartbeat stops while it is still running
    const beat = s2.store.heartbeat.bind(s2.store);
    s2.store.heartbeat = () => Promise.resolve();
    h.clock.now += 5000;
    expect((await next(s1, 'lost'))[0].callId).toBe('c1');
    expect(await evicted).toEqual(['c1']);
    s2.store.heartbeat = beat;
  });

  it('an agent marked busy with a transferred leg whose instance dies is freed by the survivor; after a restart, by the same instance', async () => {
    const h = harness({ agents: [agent('a1', 0), agent('a2', 1)], queues: [queue({ id: 'support' })] });
    const s1 = await h.start('i1');
    const s2 = await h.start('i2');
    await s1.login('a1');
    await s1.login('a2');
    await s2.busyElsewhere('a1', 'transfer');
    await s1.busyElsewhere('a2', 'transfer');
    expect((await s1.store.agent('a1'))).toMatchObject({ state: 'on-call-outbound', reason: 'transfer@i2' });
    await h.crash(s2);
    h.clock.now += 5000; // past i2's heartbeat timeout
    await expect.poll(async () => (await s1.store.agent('a1'))?.state, { timeout: 3000 }).toBe('available');
    expect((await s1.store.agent('a2'))?.state).toBe('on-call-outbound'); // i1 is alive and holds a2's leg
    // i1 restarts: its old leg is gone with the process
    await h.crash(s1);
    const again = await h.start('i1');
    await expect.poll(async () => (await again.store.agent('a2'))?.state, { timeout: 3000 }).toBe('available');
  });

  it('Redis down → enqueue rejects with ACD_STORE_UNAVAILABLE within a few seconds, nothing hangs', async () => {
    const redis = createRedis('redis://127.0.0.1:1');
    const s = new AcdService({ redis, keys: new RedisKeys('x:'), instanceId: 'i', agents: [], queues: [queue({ id: 'q' })], settings: SETTINGS });
    await expect(s.start()).rejects.toMatchObject({ code: 'ACD_STORE_UNAVAILABLE' });
    await expect(s.enqueue({ callId: 'c', queue: 'q' })).rejects.toMatchObject({ code: 'ACD_STORE_UNAVAILABLE' });
    await s.stop();
    redis.disconnect();
  });
});
