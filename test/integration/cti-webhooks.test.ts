/**
 * Webhooks end to end: the real server in-process (its dispatcher reads the
 * event stream, its BullMQ worker POSTs), real Redis, a real HTTP receiver
 * on 127.0.0.1. A second dispatcher (and worker) built here against the same
 * Redis prefix stands for another server instance.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { RedisKeys } from '../../src/store/redis.js';
import type { NewEvent } from '../../src/cti/events/types.js';
import { verifySignature } from '../../src/cti/webhooks/sign.js';
import { WebhookKeys, WebhookRegistry } from '../../src/cti/webhooks/registry.js';
import { GROUP, WebhookDispatcher } from '../../src/cti/webhooks/dispatcher.js';
import { WebhookWorker } from '../../src/cti/webhooks/worker.js';
import { jobIdFor, type DeliveryView } from '../../src/cti/webhooks/jobs.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

/** A local HTTP receiver; `status(n)` answers the n-th request (1-based), 200 by default. */
async function receiver(status: (n: number) => number = () => 200): Promise<Receiver> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status(requests.length)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('CTI webhooks', () => {
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    t = await startTestServer({
      configure: (c) => {
        c.cti.webhooks.backoffMs = 50;
        c.cti.webhooks.attempts = 5;
        c.cti.webhooks.timeoutMs = 2000;
      },
    });
    admin = await t.token('admin');
  });
  afterAll(async () => t?.stop());

  const api = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, token = admin) =>
    t.server.http.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload }) });

  const register = async (url: string, events: string[], secret?: string): Promise<{ id: string; secret: string }> => {
    const res = await api('POST', '/v1/webhooks', { url, events, ...(secret === undefined ? {} : { secret }) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; secret: string }>();
  };

  const deliveries = async (id: string): Promise<DeliveryView[]> => {
    const res = await api('GET', `/v1/webhooks/${id}/deliveries`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ deliveries: DeliveryView[] }>().deliveries;
  };

  /** An agent event straight into the event stream (what the publisher writes); its id. */
  const publish = async (type: 'agent.ready' | 'agent.busy', agentId = '1003'): Promise<string> => {
    const now = new Date().toISOString();
    const event = { type, time: now, tenant: t.config.cti.tenant, agentId, state: type === 'agent.ready' ? 'available' : 'on-call', since: now, cause: 'test' } as NewEvent;
    const id = await t.server.events.stream.publish(event);
    if (id === undefined) throw new Error('not published');
    return id;
  };

  /** The stored event, as the stream gives it back to readers. */
  const stored = async (id: string): Promise<string | undefined> => {
    const [before = '0', seq = '0'] = id.split('-');
    const after = seq === '0' ? `${BigInt(before) - 1n}-18446744073709551615` : `${before}-${BigInt(seq) - 1n}`;
    return (await t.server.events.stream.range(after, id, 1))[0]?.json;
  };

  /** Another server instance: its own consumer in the group, same Redis prefix. */
  const otherInstance = (consumer: string, extra: { claimIdleMs?: number; claimEveryMs?: number } = {}) => {
    const registry = new WebhookRegistry(t.server.redis, new WebhookKeys(new RedisKeys(t.prefix)));
    const dispatcher = new WebhookDispatcher({
      redis: t.server.redis,
      streamKey: t.server.events.stream.key,
      registry,
      redisUrl: t.config.redis.url,
      consumer,
      settings: t.config.cti.webhooks,
      ...extra,
    });
    const worker = new WebhookWorker({ redisUrl: t.config.redis.url, registry, settings: t.config.cti.webhooks });
    return { registry, dispatcher, worker, stop: async () => { await dispatcher.stop(); await worker.stop(); } };
  };

  it('webhook for agent.ready → agent 1001 logs in over REST → receiver gets one signed POST whose signature verifies, with Idempotency-Key <id>:<eventId>', async () => {
    const rx = await receiver();
    const hook = await register(rx.url, ['agent.ready']);
    try {
      expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
      const login = await api('POST', '/v1/agents/1001/login');
      expect(login.statusCode, login.body).toBe(200);
      await expect.poll(() => rx.requests.length).toBe(1);
      const [req] = rx.requests;
      const event = JSON.parse(req!.body) as { id: string; type: string; agentId: string };
      expect(event).toMatchObject({ type: 'agent.ready', agentId: '1001' });
      // exactly the stored event, its id included
      expect(req!.body).toBe(await stored(event.id));
      const h = req!.headers;
      expect(h['content-type']).toBe('application/json');
      expect(h['user-agent']).toBe('hotline-webhooks/1');
      expect(h['x-hotline-event-id']).toBe(event.id);
      expect(h['x-hotline-event-type']).toBe('agent.ready');
      expect(h['idempotency-key']).toBe(`${hook.id}:${event.id}`);
      expect(h['x-hotline-timestamp']).toMatch(/^\d{10}$/);
      expect(h['x-hotline-signature']).toMatch(new RegExp(`^t=${String(h['x-hotline-timestamp'])},v1=[0-9a-f]{64}$`));
      expect(verifySignature(hook.secret, h['x-hotline-signature'], req!.body, 300)).toBe(true);
      expect(verifySignature('some-other-secret-000', h['x-hotline-signature'], req!.body, 300)).toBe(false);

      await expect.poll(async () => (await deliveries(hook.id)).map((d) => [d.eventId, d.state, d.attemptsMade, d.status])).toEqual([[event.id, 'completed', 1, 200]]);
      expect(rx.requests).toHaveLength(1);
    } finally {
      await api('POST', '/v1/agents/1001/logout');
      await api('DELETE', `/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });

  it('receiver answers 500 twice then 200 → delivered on the 3rd attempt, once, every attempt signed with the same Idempotency-Key', async () => {
    const rx = await receiver((n) => (n <= 2 ? 500 : 200));
    const hook = await register(rx.url, ['agent.busy'], 'a-secret-of-my-own-choosing');
    expect(hook.secret).toBe('a-secret-of-my-own-choosing');
    try {
      const id = await publish('agent.busy');
      await expect.poll(async () => (await deliveries(hook.id)).map((d) => [d.eventId, d.state, d.attemptsMade, d.status, d.lastError])).toEqual([[id, 'completed', 3, 200, 'HTTP 500']]);
      expect(rx.requests).toHaveLength(3);
      for (const r of rx.requests) {
        expect(r.headers['idempotency-key']).toBe(`${hook.id}:${id}`);
        expect(verifySignature(hook.secret, r.headers['x-hotline-signature'], r.body, 300)).toBe(true);
      }
    } finally {
      await api('DELETE', `/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });

  it('events the webhook did not ask for are not sent: 1002 logs in (loggedOn, ready) and out → only agent.loggedOff arrives', async () => {
    const rx = await receiver();
    const hook = await register(rx.url, ['agent.loggedOff']);
    try {
      expect((await api('POST', '/v1/agents/1002/login')).statusCode).toBe(200);
      expect((await api('POST', '/v1/agents/1002/logout')).statusCode).toBe(200);
      await expect.poll(() => rx.requests.length).toBe(1);
      expect(JSON.parse(rx.requests[0]!.body)).toMatchObject({ type: 'agent.loggedOff', agentId: '1002' });
      // the earlier events were dispatched before the later one: nothing else is coming
      expect((await deliveries(hook.id)).map((d) => d.eventType)).toEqual(['agent.loggedOff']);
    } finally {
      await api('DELETE', `/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });

  it('non-admin token → 403 CTI_FORBIDDEN, no token → 401, bad url / events / secret → 400, unknown id → 404 CTI_WEBHOOK_NOT_FOUND; secrets never listed', async () => {
    const crm = await t.token('crm');
    for (const [method, url] of [['GET', '/v1/webhooks'], ['POST', '/v1/webhooks'], ['GET', '/v1/webhooks/wh_x'], ['DELETE', '/v1/webhooks/wh_x']] as const) {
      const res = await api(method, url, method === 'POST' ? { url: 'https://example.com/h', events: ['*'] } : undefined, crm);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_FORBIDDEN');
    }
    const anon = await t.server.http.inject({ method: 'GET', url: '/v1/webhooks' });
    expect(anon.statusCode).toBe(401);

    const bad: object[] = [
      { url: 'ftp://example.com/h', events: ['*'] },
      { url: 'not a url', events: ['*'] },
      { url: `https://example.com/${'a'.repeat(2048)}`, events: ['*'] },
      { url: 'https://example.com/h', events: [] },
      { url: 'https://example.com/h', events: ['agent.nonsense'] },
      { url: 'https://example.com/h', events: ['*', 'agent.ready'] },
      { url: 'https://example.com/h', events: ['agent.ready', 'agent.ready'] },
      { url: 'https://example.com/h', events: ['*'], secret: 'too-short' },
    ];
    for (const payload of bad) {
      const res = await api('POST', '/v1/webhooks', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('BAD_REQUEST');
    }

    for (const [method, url] of [['GET', '/v1/webhooks/wh_nope'], ['DELETE', '/v1/webhooks/wh_nope'], ['GET', '/v1/webhooks/wh_nope/deliveries']] as const) {
      const res = await api(method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_WEBHOOK_NOT_FOUND');
    }

    const hook = await register('https://example.com/h', ['agent.ready', 'call.cleared']);
    const list = await api('GET', '/v1/webhooks');
    expect(list.statusCode).toBe(200);
    const listed = list.json<{ webhooks: Record<string, unknown>[] }>().webhooks;
    expect(listed.find((w) => w.id === hook.id)).toEqual({ id: hook.id, url: 'https://example.com/h', events: ['agent.ready', 'call.cleared'], createdAt: expect.any(String), active: true });
    expect(list.body).not.toContain(hook.secret);
    const one = await api('GET', `/v1/webhooks/${hook.id}`);
    expect(one.json()).not.toHaveProperty('secret');
    expect((await api('DELETE', `/v1/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/webhooks/${hook.id}`)).statusCode).toBe(404);
  });

  it('410 Gone → webhook marked inactive, that delivery not retried, no more deliveries', async () => {
    const gone = await receiver(() => 410);
    const sentinel = await receiver();
    const hook = await register(gone.url, ['agent.ready']);
    try {
      const first = await publish('agent.ready');
      await expect.poll(async () => (await api('GET', `/v1/webhooks/${hook.id}`)).json<{ active: boolean }>().active).toBe(false);
      await expect.poll(async () => (await deliveries(hook.id)).map((d) => [d.eventId, d.state, d.attemptsMade])).toEqual([[first, 'failed', 1]]);
      expect((await deliveries(hook.id))[0]?.lastError).toContain('410');

      // a second event: the sentinel (same type) gets it, the inactive webhook is not even queued
      const other = await register(sentinel.url, ['agent.ready']);
      const second = await publish('agent.ready');
      await expect.poll(() => sentinel.requests.map((r) => r.headers['x-hotline-event-id'])).toEqual([second]);
      expect((await deliveries(hook.id)).map((d) => d.eventId)).toEqual([first]);
      expect(gone.requests).toHaveLength(1);
      await api('DELETE', `/v1/webhooks/${other.id}`);
    } finally {
      await api('DELETE', `/v1/webhooks/${hook.id}`);
      await gone.close();
      await sentinel.close();
    }
  });

  it('two dispatchers (two consumers in the same group) and two workers → each event delivered once', async () => {
    const rx = await receiver();
    const hook = await register(rx.url, ['agent.busy']);
    const b = otherInstance('instance-b');
    await b.dispatcher.start();
    b.worker.start();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        ids.push(await publish('agent.busy', i % 2 === 0 ? '1003' : '1004'));
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20)); // let both consumers take turns
      }
      await expect.poll(() => rx.requests.length, { timeout: 15_000 }).toBe(ids.length);
      const got = rx.requests.map((r) => String(r.headers['x-hotline-event-id']));
      expect(new Set(got).size).toBe(ids.length);
      expect([...got].sort()).toEqual([...ids].sort());
      await expect.poll(async () => (await deliveries(hook.id)).filter((d) => d.state === 'completed' && d.attemptsMade === 1).length).toBe(ids.length);
      expect(rx.requests).toHaveLength(ids.length);
      // both consumers took part (Redis hands new entries to the blocked readers in turn)
      expect(b.dispatcher.counts.acked).toBeGreaterThan(0);
    } finally {
      await b.stop();
      await api('DELETE', `/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });

  it('an event read but not acked by a consumer that died (after it had even queued the delivery) is claimed by the other, and delivered once', async () => {
    const rx = await receiver();
    const hook = await register(rx.url, ['agent.ready']);
    const key = t.server.events.stream.key;
    const redis = t.server.redis;
    const b = otherInstance('instance-b', { claimIdleMs: 300, claimEveryMs: 100 });
    try {
      // the dying instance reads the event in the same transaction that adds it: no live consumer can get it first
      const now = new Date().toISOString();
      const body = JSON.stringify({ type: 'agent.ready', time: now, tenant: t.config.cti.tenant, agentId: '1004', state: 'available', since: now, cause: 'test' });
      const res = await redis.multi().xadd(key, '*', 'e', body).xreadgroup('GROUP', GROUP, 'instance-dead', 'COUNT', 100, 'STREAMS', key, '>').exec();
      const id = res?.[0]?.[1] as string;
      const pending = async (): Promise<[string, string][]> =>
        ((await redis.xpending(key, GROUP, '-', '+', 100)) as [string, string, number, number][]).map(([e, consumer]) => [e, consumer]);
      expect(await pending()).toContainEqual([id, 'instance-dead']);

      // …and it had queued the delivery before it died (crash between queueing and XACK)
      const json = await stored(id);
      const job = await b.dispatcher.queue.add('agent.ready', { webhookId: hook.id, eventId: id, eventType: 'agent.ready', body: json! }, { jobId: jobIdFor(hook.id, id), attempts: 5, backoff: { type: 'exponential', delay: 50 } });
      await expect.poll(() => rx.requests.length, { timeout: 10_000 }).toBe(1);
      await expect.poll(() => job.getState()).toBe('completed');

      // the other instance claims it once idle long enough, queues it again (BullMQ ignores the known job id) and acks it
      await b.dispatcher.start();
      await expect.poll(async () => (await pending()).filter(([e]) => e === id), { timeout: 10_000 }).toEqual([]);
      expect(b.dispatcher.counts.claimed).toBeGreaterThanOrEqual(1);
      const counts = await b.dispatcher.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      expect(Object.values(counts).reduce((a, n) => a + n, 0)).toBe(0);
      expect(rx.requests.map((r) => r.headers['idempotency-key'])).toEqual([`${hook.id}:${id}`]);
    } finally {
      await b.stop();
      await api('DELETE', `/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });

  it('an event read but not acked by a consumer that died, never queued → the other instance claims and delivers it', async () => {
    const rx = await receiver();
    const hook = await register(rx.url, ['agent.ready']);
    const key = t.server.events.stream.key;
    const b = otherInstance('instance-c', { claimIdleMs: 300, claimEveryMs: 100 });
    try {
      const now = new Date().toISOString();
      const body = JSON.stringify({ type: 'agent.ready', time: now, tenant: t.config.cti.tenant, agentId: '1004', state: 'available', since: now, cause: 'test' });
      const res = await t.server.redis.multi().xadd(key, '*', 'e', body).xreadgroup('GROUP', GROUP, 'instance-dead-2', 'COUNT', 100, 'STREAMS', key, '>').exec();
      const id = res?.[0]?.[1] as string;
      await b.dispatcher.start();
      // (entries other tests' dead consumers left would be claimed too, and go to the webhooks there are now)
      await expect.poll(() => rx.requests.filter((r) => r.headers['x-hotline-event-id'] === id).length, { timeout: 10_000 }).toBe(1);
      const req = rx.requests.find((r) => r.headers['x-hotline-event-id'] === id)!;
      expect(req.body).toBe(await stored(id));
      expect(verifySignature(hook.secret, req.headers['x-hotline-signature'], req.body, 300)).toBe(true);
    } finally {
      await b.stop();
      await api('DELETE', `/v1/webhooks/${hook.id}`);
      await rx.close();
    }
  });
});
