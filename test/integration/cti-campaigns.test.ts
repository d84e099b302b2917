/**
 * Campaign management and do-not-call through the CTI REST API of a real
 * server (its Redis prefix): create, the lifecycle, a CSV list streamed in
 * with its validation report, a contact who asks not to be called, and a
 * campaign's figures (GET /v1/campaigns/:id/stats).
 */
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueSchema } from '../../src/config/acd-schema.js';
import type { QueueConfig } from '../../src/config/schema.js';
import { DncList } from '../../src/dialer/dnc.js';
import { CampaignStats } from '../../src/dialer/stats.js';
import { RedisKeys } from '../../src/store/redis.js';
import { startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
const tokens = new Map<string, string>();
const queue = (id: string): QueueConfig => Value.Default(QueueSchema, { id, name: id }) as QueueConfig;

beforeAll(async () => {
  t = await startTestServer({ configure: (c) => void (c.queues = [queue('sales')]) });
  for (const who of ['admin', 'crm', 'reader', '1001', '1004']) tokens.set(who, await t.token(who));
}, 60_000);
afterAll(async () => {
  await t.stop();
});

const req = (method: 'GET' | 'POST' | 'DELETE', url: string, who: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.server.http.inject({ method, url, headers: { authorization: `Bearer ${tokens.get(who) ?? ''}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) });
const code = (res: { json: <T>() => T }): string | undefined => res.json<{ error?: { code?: string } }>().error?.code;

const spring = { id: 'spring', name: 'Spring renewals', queue: 'sales', callerId: '+4930555000', mode: 'predictive', defaultCountry: 'DE' };

describe('campaigns', () => {
  it('a supervisor creates a campaign → 201, a draft with every default; the same id again → 409; an unknown queue → 400', async () => {
    const res = await req('POST', '/v1/campaigns', '1004', spring);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'spring', status: 'draft', maxAttempts: 5, minGapMinutes: 240, targetAbandonPct: 3, window: { start: '08:00', end: '21:00' }, amd: { enabled: false, action: 'agent' } });
    expect(code(await req('POST', '/v1/campaigns', '1004', spring))).toBe('CTI_CAMPAIGN_EXISTS');
    expect(code(await req('POST', '/v1/campaigns', '1004', { ...spring, id: 'other', queue: 'nope' }))).toBe('CTI_CAMPAIGN_INVALID');
    expect((await req('POST', '/v1/campaigns', '1004', { ...spring, id: 'x', targetAbandonPct: 5 })).statusCode).toBe(400);
  });

  it('an agent may not create one; an integrator with events:read may list but not start', async () => {
    expect(code(await req('POST', '/v1/campaigns', '1001', { ...spring, id: 'mine' }))).toBe('CTI_FORBIDDEN');
    expect((await req('GET', '/v1/campaigns', 'reader')).json<{ campaigns: { id: string }[] }>().campaigns.map((c) => c.id)).toEqual(['spring']);
    expect(code(await req('POST', '/v1/campaigns/spring/start', 'reader'))).toBe('CTI_FORBIDDEN');
  });

  it('a CSV list streamed in → the report (bad numbers, duplicates, unknown zones) and the contacts in the campaign; a second list adds only the new ones', async () => {
    const csv = [
      'phone,first_name,timezone,account',
      '030 1234567,Anna,,A-1', // Berlin, from the number
      '+49 89 7654321,Bernd,,A-2',
      '0049 30 1234567,Anna again,,A-3', // the same number as line 2
      'not a number,Cara,,A-4',
      '+1 415 555 0134,Dan,America/Los_Angeles,A-5',
    ].join('\r\n');
    const res = await req('POST', '/v1/campaigns/spring/contacts', 'crm', csv, { 'content-type': 'text/csv' });
    expect(res.statusCode).toBe(200);
    const report = res.json<{ rows: number; accepted: number; rejected: number; duplicates: number; added: number; alreadyInCampaign: number; byCode: Record<string, number> }>();
    expect(report).toMatchObject({ rows: 5, accepted: 3, rejected: 2, duplicates: 1, added: 3, alreadyInCampaign: 0 });
    expect(report.byCode.DUPLICATE).toBe(1);
    const one = (await req('GET', '/v1/campaigns/spring', '1004')).json<{ contacts: { contacts: number; ready: number } }>();
    expect(one.contacts).toEqual({ contacts: 3, ready: 3 });
    const again = await req('POST', '/v1/campaigns/spring/contacts', 'crm', 'phone\n+49 30 1234567\n+49 40 1112223\n', { 'content-type': 'text/csv' });
    expect(again.json()).toMatchObject({ accepted: 2, added: 1, alreadyInCampaign: 1 });
    expect((await req('GET', '/v1/campaigns/spring', '1004')).json<{ contacts: { contacts: number } }>().contacts.contacts).toBe(4);
  });

  it('a list that is not CSV → 415; an unterminated quote → 400 CTI_CONTACTS_INVALID with the line', async () => {
    expect((await req('POST', '/v1/campaigns/spring/contacts', 'crm', '{"phone":1}', { 'content-type': 'application/json' })).statusCode).toBe(415);
    const bad = await req('POST', '/v1/campaigns/spring/contacts', 'crm', 'phone,name\n+4930999,"open\n', { 'content-type': 'text/csv' });
    expect(bad.statusCode).toBe(400);
    expect(code(bad)).toBe('CTI_CONTACTS_INVALID');
  });

  it('the lifecycle: draft → running → paused → running → stopped; nothing starts a stopped campaign (409)', async () => {
    await req('POST', '/v1/campaigns', '1004', { ...spring, id: 'life' });
    for (const [action, status] of [
      ['start', 'running'],
      ['pause', 'paused'],
      ['start', 'running'],
      ['stop', 'stopped'],
    ] as const) {
      const res = await req('POST', `/v1/campaigns/life/${action}`, '1004');
      expect(res.json<{ status: string }>().status, action).toBe(status);
    }
    expect(code(await req('POST', '/v1/campaigns/life/start', '1004'))).toBe('CTI_INVALID_STATE');
    expect(code(await req('POST', '/v1/campaigns/life/pause', '1004'))).toBe('CTI_INVALID_STATE');
    expect(code(await req('POST', '/v1/campaigns/nope/start', '1004'))).toBe('CTI_CAMPAIGN_NOT_FOUND');
  });
});

describe('do-not-call', () => {
  it('an agent adds the number of a contact who asks → 201 (normalised to E.164); again → 200, not added; the DNC list blocks it for every campaign', async () => {
    const res = await req('POST', '/v1/dnc', '1001', { number: '(030) 765-4321', defaultCountry: 'DE' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ number: '+49307654321', list: 'global', added: true });
    expect((await req('POST', '/v1/dnc', '1001', { number: '+49 30 7654321' })).json()).toMatchObject({ added: false });
    const dnc = new DncList(t.server.redis, new RedisKeys(t.prefix));
    expect(await dnc.blocked('+49307654321', 'spring')).toBe(true);
    expect(await dnc.blocked('+49307654321', 'any-other')).toBe(true);
  });

  it('a campaign’s own list; an unknown campaign → 404; a number that is none → 400 CTI_NUMBER_INVALID', async () => {
    expect((await req('POST', '/v1/dnc', '1004', { number: '+4940111222', campaignId: 'spring', reason: 'asked' })).json()).toEqual({ number: '+4940111222', list: 'spring', added: true });
    expect(code(await req('POST', '/v1/dnc', '1004', { number: '+4940111222', campaignId: 'nope' }))).toBe('CTI_CAMPAIGN_NOT_FOUND');
    expect(code(await req('POST', '/v1/dnc', '1004', { number: 'call me maybe' }))).toBe('CTI_NUMBER_INVALID');
  });
});

interface StatsBody {
  campaignId: string;
  status: string;
  mode: string;
  queue: string;
  attempts: number;
  liveAnswers: number;
  connected: number;
  abandoned: number;
  abandonPct30d: number;
  dispositions: Record<string, number>;
  contacts: { total: number; waiting: number; dialing: number; done: number };
  agents: Record<string, number>;
  occupancyPct: number;
  today: { liveAnswers: number; abandoned: number };
}
const stats = async (id: string, who = '1004'): Promise<StatsBody> => {
  const res = await req('GET', `/v1/campaigns/${id}/stats`, who);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<StatsBody>();
};

describe('campaign stats', () => {
  it('a new campaign → all figures 0, no contacts; a CSV of 3 contacts → 3 in total, 3 waiting, none dialling or done', async () => {
    expect((await req('POST', '/v1/campaigns', '1004', { ...spring, id: 'summer', name: 'Summer offers' })).statusCode).toBe(201);
    expect(await stats('summer')).toEqual({
      campaignId: 'summer',
      status: 'draft',
      mode: 'predictive',
      queue: 'sales',
      attempts: 0,
      liveAnswers: 0,
      connected: 0,
      abandoned: 0,
      abandonPct30d: 0,
      dispositions: {},
      contacts: { total: 0, waiting: 0, dialing: 0, done: 0 },
      agents: expect.objectContaining({ available: 0, busy: 0 }) as Record<string, number>,
      occupancyPct: 0,
      today: { attempts: 0, liveAnswers: 0, abandoned: 0 },
    });
    const csv = 'phone,name\n+49 30 2000001,A\n+49 30 2000002,B\n+49 30 2000003,C\n';
    expect((await req('POST', '/v1/campaigns/summer/contacts', 'crm', csv, { 'content-type': 'text/csv' })).json()).toMatchObject({ added: 3 });
    expect((await stats('summer')).contacts).toEqual({ total: 3, waiting: 3, dialing: 0, done: 0 });
  });

  it('an unknown campaign → 404 CTI_CAMPAIGN_NOT_FOUND; an agent → 403 CTI_FORBIDDEN; an integrator with events:read may read them', async () => {
    const missing = await req('GET', '/v1/campaigns/nope/stats', '1004');
    expect(missing.statusCode).toBe(404);
    expect(code(missing)).toBe('CTI_CAMPAIGN_NOT_FOUND');
    const agent = await req('GET', '/v1/campaigns/summer/stats', '1001');
    expect(agent.statusCode).toBe(403);
    expect(code(agent)).toBe('CTI_FORBIDDEN');
    expect((await stats('summer', 'reader')).campaignId).toBe('summer');
  });

  it('4 attempts: answered and connected, abandoned, busy, no answer → 2 live answers, 1 connected, 1 abandoned, abandon 50 % over 30 days and today; one contact being dialled, one done', async () => {
    const figures = new CampaignStats(t.server.redis, new RedisKeys(t.prefix));
    const now = Date.now();
    for (let i = 0; i < 4; i += 1) await figures.attempted('summer', now);
    await figures.finished('summer', 'answered', now, { live: true, connected: true, handleMs: 95_000 });
    await figures.finished('summer', 'abandoned', now, { live: true, connected: false });
    await figures.finished('summer', 'busy', now, { live: false, connected: false });
    await figures.finished('summer', 'no-answer', now, { live: false, connected: false });
    // what the engine does with the contacts: one taken to be dialled (its lease), one finished (out of the line)
    const keys = new RedisKeys(t.prefix);
    const ready = keys.key('dialer', 'ready', 'summer');
    const [first, second] = await t.server.redis.zrange(ready, '0', '1');
    await t.server.redis.multi().zrem(ready, first!, second!).zadd(keys.key('dialer', 'leases', 'summer'), now, first!).exec();

    const s = await stats('summer');
    expect(s).toMatchObject({ attempts: 4, liveAnswers: 2, connected: 1, abandoned: 1, abandonPct30d: 50, today: { attempts: 4, liveAnswers: 2, abandoned: 1 } });
    expect(s.dispositions).toEqual({ answered: 1, abandoned: 1, busy: 1, 'no-answer': 1 });
    expect(s.contacts).toEqual({ total: 3, waiting: 1, dialing: 1, done: 1 });
  });

  it("the queue's agents: 1001 and 1002 ready → occupancy 0 %; 1001 on an outbound call → 50 %; 1001 in wrap-up still counts busy; both logged out → 0 % again", async () => {
    const { acd } = t.server;
    const occupancy = async (): Promise<[number, number, number]> => {
      const s = await stats('summer');
      return [s.agents.available ?? -1, s.agents.busy ?? -1, s.occupancyPct];
    };
    for (const id of ['1001', '1002']) {
      await acd.login(id);
      await acd.ready(id);
    }
    await expect.poll(occupancy).toEqual([2, 0, 0]);
    await acd.startOutbound('1001', 'summer');
    await expect.poll(occupancy).toEqual([1, 1, 50]);
    expect((await stats('summer')).agents['on-call-outbound']).toBe(1);
    await acd.endOutbound('1001');
    await expect.poll(async () => (await stats('summer')).agents['wrap-up']).toBe(1);
    expect(await occupancy()).toEqual([1, 1, 50]);
    for (const id of ['1001', '1002']) await acd.logout(id, 'logout', { force: true });
    await expect.poll(occupancy).toEqual([0, 0, 0]);
  });
});
