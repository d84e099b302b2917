import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';

describe('CTI smoke', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ configure: (c) => { c.queues = [{ ...(c.queues[0] as never), }].filter(() => false); } });
  });
  afterAll(async () => t?.stop());

  it('agent logs in over REST → its WebSocket subscription gets agent.loggedOn and agent.ready', async () => {
    const token = await t.token('1001');
    const ws = new WebSocket(`ws://127.0.0.1:${t.httpPort}/v1/events`, ['hotline.v1', `bearer.${token}`]);
    const msgs: { op: string; event?: { type: string } }[] = [];
    ws.on('message', (d) => msgs.push(JSON.parse((d as Buffer).toString())));
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    ws.send(JSON.stringify({ op: 'subscribe', subscription: 's1', filter: { agents: ['1001'] } }));
    await expect.poll(() => msgs.some((m) => m.op === 'subscribed')).toBe(true);
    const res = await t.server.http.inject({ method: 'POST', url: '/v1/agents/me/login', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode, res.body).toBe(200);
    await expect.poll(() => msgs.filter((m) => m.op === 'event').map((m) => m.event?.type)).toEqual(['agent.loggedOn', 'agent.ready']);
    ws.close();
  });
});
