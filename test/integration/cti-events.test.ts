/**
 * The CTI guard and event stream against the real server and Redis: tokens
 * and their refusals, scope per subscription, origin allowlist, resume from
 * the last event id (across a dropped connection and a server restart), and
 * a slow client cut off without holding anyone else up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSigner } from 'fast-jwt';
import { startTestServer, type TestServer } from '../support/server.js';
import type { NewEvent } from '../../src/cti/events/types.js';

interface Msg {
  op: string;
  code?: string;
  subscription?: string;
  replayed?: number;
  event?: { id: string; type: string; agentId?: string; tenant: string; [k: string]: unknown };
}

class Client {
  readonly msgs: Msg[] = [];
  closed: { code: number; reason: string } | undefined;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.msgs.push(JSON.parse((d as Buffer).toString()) as Msg));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }
  events(): NonNullable<Msg['event']>[] {
    return this.msgs.flatMap((m) => (m.op === 'event' && m.event !== undefined ? [m.event] : []));
  }
  send(o: object): void {
    this.ws.send(JSON.stringify(o));
  }
  async subscribe(subscription: string, filter: object, since?: string): Promise<Msg> {
    this.send({ op: 'subscribe', subscription, filter, ...(since === undefined ? {} : { since }) });
    await expect.poll(() => this.msgs.find((m) => m.subscription === subscription && (m.op === 'subscribed' || m.op === 'error')), { timeout: 5000 }).toBeDefined();
    return this.msgs.find((m) => m.subscription === subscription && (m.op === 'subscribed' || m.op === 'error'))!;
  }
  close(): void {
    this.ws.close();
  }
}

function connect(port: number, token: string | undefined, headers: Record<string, string> = {}): Promise<Client> {
  const protocols = token === undefined ? ['hotline.v1'] : ['hotline.v1', `bearer.${token}`];
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/events`, protocols, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new Client(ws)));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new Error(`${res.statusCode} ${body}`)));
    });
    ws.once('error', reject);
  });
}

const agentEvent = (agentId: string, tenant: string, extra: Record<string, string> = {}): NewEvent => ({
  type: 'agent.busy',
  time: new Date().toISOString(),
  tenant,
  agentId,
  state: 'on-call',
  since: new Date().toISOString(),
  cause: 'test',
  ...extra,
});

describe('CTI auth and event stream', () => {
  let t: TestServer;
  const auth = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestServer({ configure: (c) => void (c.cti.allowedOrigins = ['https://crm.example.com']) });
  });
  afterAll(async () => t?.stop());

  it('GET /docs/json → OpenAPI 3 with the CTI routes and every event type as a schema; GET /v1/events/catalogue lists the same types', async () => {
    const doc = (await t.server.http.inject({ method: 'GET', url: '/docs/json' })).json<{ openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/v1/auth/token', '/v1/agents/{agentId}/ready', '/v1/queues/{queueId}/calls']) expect(Object.keys(doc.paths)).toContain(path);
    const catalogue = (await t.server.http.inject({ method: 'GET', url: '/v1/events/catalogue' })).json<{ types: string[] }>();
    expect(catalogue.types).toEqual(expect.arrayContaining(['call.offered', 'call.delivered', 'call.established', 'call.cleared', 'agent.notReady', 'queue.stats']));
    const schemaNames = Object.keys(doc.components.schemas).join(' ');
    for (const type of catalogue.types) expect(schemaNames).toContain(type);
    expect((await t.server.http.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('no token, a forged token, an expired token or another tenant → 401/403 with a coded error, and nothing happens', async () => {
    const before = t.server.acd.agent('1001')?.state;
    const none = await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/ready' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'CTI_UNAUTHENTICATED' } });

    const forged = createSigner({ key: 'not-the-server-secret-0123456789abcdef' })({ sub: 'key:admin', tenant: 'test', scopes: ['admin'], teams: [] });
    expect((await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/ready', headers: auth(forged) })).json()).toMatchObject({ error: { code: 'CTI_UNAUTHENTICATED' } });

    const expired = t.server.http.jwt.sign({ sub: 'agent:1001', tenant: 'test', scopes: ['agent:self'], agentId: '1001', teams: [], iat: Math.floor(Date.now() / 1000) - 120, exp: Math.floor(Date.now() / 1000) - 60 });
    const late = await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/ready', headers: auth(expired) });
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ error: { code: 'CTI_TOKEN_EXPIRED' } });

    const other = await t.server.http.inject({ method: 'POST', url: '/v1/auth/token', payload: { apiKey: 'test-other-tenant-key-0123456789' } });
    expect(other.statusCode).toBe(200);
    const foreign = await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/login', headers: auth(other.json<{ token: string }>().token) });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ error: { code: 'CTI_TENANT_FORBIDDEN' } });

    const badPassword = await t.server.http.inject({ method: 'POST', url: '/v1/auth/token', payload: { agentId: '1001', password: 'wrong' } });
    expect(badPassword.statusCode).toBe(401);
    expect(badPassword.json()).toMatchObject({ error: { code: 'CTI_BAD_CREDENTIALS' } });
    const badBody = await t.server.http.inject({ method: 'POST', url: '/v1/auth/token', payload: { agentId: 1001 } });
    expect(badBody.statusCode).toBe(400);
    expect(t.server.acd.agent('1001')?.state).toBe(before);
  });

  it('agent 1003 changes only itself: its token on 1001 → 403 CTI_FORBIDDEN; supervisor 1004 (team east) may ready 1001 but not 1003', async () => {
    const carol = await t.token('1003');
    const res = await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/login', headers: auth(carol) });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'CTI_FORBIDDEN' } });
    expect(t.server.acd.agent('1001')?.state ?? 'logged-out').toBe('logged-out');

    const dave = await t.token('1004');
    expect((await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/login', headers: auth(dave) })).statusCode).toBe(200);
    expect((await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/not-ready', headers: auth(dave), payload: { reason: 'coaching' } })).json()).toMatchObject({ state: 'paused', reason: 'coaching' });
    expect((await t.server.http.inject({ method: 'POST', url: '/v1/agents/1003/login', headers: auth(dave) })).statusCode).toBe(403);
    const list = await t.server.http.inject({ method: 'GET', url: '/v1/agents', headers: auth(dave) });
    expect(list.json<{ agents: { id: string }[] }>().agents.map((a) => a.id)).toEqual(['1001', '1002']);
    expect((await t.server.http.inject({ method: 'GET', url: '/v1/agents', headers: auth(carol) })).statusCode).toBe(403);
    // wrap-up done while paused is not a transition the ACD allows
    const wrong = await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/wrap-up-done', headers: auth(dave) });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json()).toMatchObject({ error: { code: 'CTI_INVALID_STATE' } });
    expect((await t.server.http.inject({ method: 'POST', url: '/v1/agents/1001/logout', headers: auth(dave) })).json()).toMatchObject({ state: 'logged-out' });
  });

  it('browser page from an origin not allowed → 403 CTI_ORIGIN_FORBIDDEN (REST and WebSocket); the allowed origin gets CORS headers', async () => {
    const token = await t.token('crm');
    const evil = await t.server.http.inject({ method: 'GET', url: '/v1/queues', headers: { ...auth(token), origin: 'https://evil.example' } });
    expect(evil.statusCode).toBe(403);
    expect(evil.json()).toMatchObject({ error: { code: 'CTI_ORIGIN_FORBIDDEN' } });
    const good = await t.server.http.inject({ method: 'GET', url: '/v1/queues', headers: { ...auth(token), origin: 'https://crm.example.com' } });
    expect(good.statusCode).toBe(200);
    expect(good.headers['access-control-allow-origin']).toBe('https://crm.example.com');
    const preflight = await t.server.http.inject({ method: 'OPTIONS', url: '/v1/queues', headers: { origin: 'https://crm.example.com', 'access-control-request-method': 'GET' } });
    expect(preflight.statusCode).toBe(204);
    await expect(connect(t.httpPort, token, { origin: 'https://evil.example' })).rejects.toThrow(/403 .*CTI_ORIGIN_FORBIDDEN/);
    await expect(connect(t.httpPort, undefined)).rejects.toThrow(/401 .*CTI_UNAUTHENTICATED/);
  });

  it('agent 1002 subscribes to 1001 or to all → CTI_FORBIDDEN per subscription; its own filter works and sees only its own events', async () => {
    const c = await connect(t.httpPort, await t.token('1002'));
    expect(await c.subscribe('other', { agents: ['1001'] })).toMatchObject({ op: 'error', code: 'CTI_FORBIDDEN' });
    expect(await c.subscribe('all', { all: true })).toMatchObject({ op: 'error', code: 'CTI_FORBIDDEN' });
    expect(await c.subscribe('q', { queues: ['sales'] })).toMatchObject({ op: 'error', code: 'CTI_FORBIDDEN' });
    expect(await c.subscribe('me', { agents: ['1002'] })).toMatchObject({ op: 'subscribed' });
    await t.server.events.stream.publish(agentEvent('1001', 'test'));
    await t.server.events.stream.publish(agentEvent('1002', 'test'));
    await expect.poll(() => c.events().length).toBe(1);
    expect(c.events()[0]).toMatchObject({ agentId: '1002', tenant: 'test' });
    c.send({ op: 'nonsense' });
    await expect.poll(() => c.msgs.some((m) => m.op === 'error' && m.code === 'BAD_REQUEST')).toBe(true);
    c.close();
  });

  it('client drops while events happen and reconnects with its last event id → gets exactly what it missed, in order, then live ones', async () => {
    const token = await t.token('reader');
    const a = await connect(t.httpPort, token);
    await a.subscribe('s', { agents: ['1003'] });
    await t.server.events.stream.publish(agentEvent('1003', 'test', { cause: 'one' }));
    await expect.poll(() => a.events().length).toBe(1);
    const last = a.events()[0]!.id;
    a.close();
    for (const cause of ['two', 'three', 'four']) await t.server.events.stream.publish(agentEvent('1003', 'test', { cause }));
    await t.server.events.stream.publish(agentEvent('1001', 'test', { cause: 'not-for-this-filter' }));
    const b = await connect(t.httpPort, token);
    expect(await b.subscribe('s', { agents: ['1003'] }, last)).toMatchObject({ op: 'subscribed', replayed: 3 });
    await t.server.events.stream.publish(agentEvent('1003', 'test', { cause: 'five' }));
    await expect.poll(() => b.events().map((e) => e.cause)).toEqual(['two', 'three', 'four', 'five']);
    b.close();
  });

  it('slow client stops reading → disconnected with 4008 once over the buffer limit; a fast client on the same server gets every event', async () => {
    const token = await t.token('reader');
    const slow = await connect(t.httpPort, token);
    const fast = await connect(t.httpPort, token);
    await slow.subscribe('s', { all: true });
    await fast.subscribe('s', { all: true });
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const padding = 'x'.repeat(2000);
    const n = 6000;
    const already = fast.events().length;
    for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => t.server.events.stream.publish(agentEvent('1001', 'test', { cause: `bulk-${i + k}`, padding }))));
    await expect.poll(() => fast.events().length - already, { timeout: 15_000 }).toBe(n);
    socket.resume();
    await expect.poll(() => slow.closed, { timeout: 10_000 }).toMatchObject({ code: 4008 });
    expect(slow.events().length).toBeLessThan(n);
    fast.close();
  });
});

describe('CTI events across a server restart', () => {
  it('supervisor client loses its server; events published before the stop are replayed by the new server from the last id it saw', async () => {
    const first = await startTestServer();
    let second: TestServer | undefined;
    try {
      const token = await first.token('reader');
      const a = await connect(first.httpPort, token);
      await a.subscribe('s', { agents: ['1002'] });
      await first.server.http.inject({ method: 'POST', url: '/v1/agents/1002/login', headers: { authorization: `Bearer ${await first.token('admin')}` } });
      await expect.poll(() => a.events().map((e) => e.type)).toEqual(['agent.loggedOn', 'agent.ready']);
      const last = a.events()[1]!.id;
      a.close();
      await first.server.http.inject({ method: 'POST', url: '/v1/agents/1002/not-ready', headers: { authorization: `Bearer ${await first.token('admin')}` }, payload: { reason: 'lunch' } });
      await first.server.events.publisher.drain();
      await first.server.stop();

      second = await startTestServer({ env: { REDIS_PREFIX: first.prefix } });
      const b = await connect(second.httpPort, await second.token('reader'));
      expect(await b.subscribe('s', { agents: ['1002'] }, last)).toMatchObject({ op: 'subscribed', replayed: 1 });
      expect(b.events()[0]).toMatchObject({ type: 'agent.notReady', reason: 'lunch', agentId: '1002' });
      b.close();
    } finally {
      await second?.stop();
      await first.stop().catch(() => undefined);
    }
  });
});
