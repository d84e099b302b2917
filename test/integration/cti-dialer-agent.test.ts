/**
 * The agent's side of campaigns through the CTI REST API of a real server
 * (its Redis prefix): preview (next, skip), a contact's view, and the agent's
 * disposition with its coded refusals. Dialling a previewed contact with real
 * phones is in web-softphone-campaign.test.ts.
 */
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueSchema } from '../../src/config/acd-schema.js';
import type { QueueConfig } from '../../src/config/schema.js';
import { CampaignStore } from '../../src/dialer/campaign-store.js';
import { DncList } from '../../src/dialer/dnc.js';
import { RedisKeys } from '../../src/store/redis.js';
import { startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
let store: CampaignStore;
const tokens = new Map<string, string>();
const queue = (id: string): QueueConfig => Value.Default(QueueSchema, { id, name: id }) as QueueConfig;

beforeAll(async () => {
  t = await startTestServer({ configure: (c) => void (c.queues = [queue('sales')]) });
  for (const who of ['admin', 'crm', '1001', '1002', '1003', '1004']) tokens.set(who, await t.token(who));
  store = new CampaignStore(t.server.redis, new RedisKeys(t.prefix));
  const always = { start: '00:00', end: '23:59' };
  for (const [id, mode] of [['door', 'preview'], ['auto', 'progressive']] as const) {
    expect((await req('POST', '/v1/campaigns', 'admin', { id, name: id, queue: 'sales', callerId: '+14155550999', mode, window: always, outcomes: ['sale', 'not-interested'] })).statusCode).toBe(201);
    const csv = 'phone,timezone,first_name\n+1 415 555 0101,UTC,Anna\n+1 415 555 0102,UTC,Bob\n';
    expect((await req('POST', `/v1/campaigns/${id}/contacts`, 'admin', csv, { 'content-type': 'text/csv' })).statusCode).toBe(200);
    expect((await req('POST', `/v1/campaigns/${id}/start`, 'admin')).statusCode).toBe(200);
  }
}, 60_000);
afterAll(async () => {
  await t.stop();
});

const req = (method: 'GET' | 'POST', url: string, who: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.server.http.inject({ method, url, headers: { authorization: `Bearer ${tokens.get(who) ?? ''}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) });
const code = (res: { json: <T>() => T }): string | undefined => res.json<{ error?: { code?: string } }>().error?.code;

describe('preview', () => {
  it('agent asks for the next contact → held for them (asked again: the same one), not inbound-ready meanwhile; another agent gets the other contact and may not read this one; skip → back in line, the agent free again', async () => {
    await t.server.acd.login('1001');
    const a = await req('POST', '/v1/campaigns/door/preview', '1001');
    expect(a.statusCode).toBe(200);
    const contact = a.json<{ id: string; fields: Record<string, string>; attempts: number; outcomes: string[] }>();
    expect(contact).toMatchObject({ attempts: 0, outcomes: ['sale', 'not-interested'] });
    expect(['Anna', 'Bob']).toContain(contact.fields.first_name);
    expect((await req('POST', '/v1/campaigns/door/preview', '1001')).json<{ id: string }>().id).toBe(contact.id);
    // no inbound call is offered while the agent reads
    expect(t.server.acd.agent('1001')).toMatchObject({ state: 'on-call-outbound' });
    expect((await req('GET', `/v1/campaigns/door/contacts/${encodeURIComponent(contact.id)}`, '1001')).statusCode).toBe(200);

    const b = await req('POST', '/v1/campaigns/door/preview', '1002');
    expect(b.json<{ id: string }>().id).not.toBe(contact.id);
    expect(code(await req('GET', `/v1/campaigns/door/contacts/${encodeURIComponent(contact.id)}`, '1003'))).toBe('CTI_FORBIDDEN');
    expect(code(await req('POST', `/v1/campaigns/door/preview/${encodeURIComponent(contact.id)}/skip`, '1002'))).toBe('CTI_INVALID_STATE');

    expect((await req('POST', `/v1/campaigns/door/preview/${encodeURIComponent(contact.id)}/skip`, '1001')).statusCode).toBe(204);
    expect(t.server.acd.agent('1001')).toMatchObject({ state: 'available' });
    const at = Number(await t.server.redis.zscore(store.keys.ready('door'), contact.id));
    expect(at - Date.now()).toBeGreaterThan(3.9 * 3_600_000);
    // nobody else due now (Bob's contact is held by 1002): nothing to preview
    expect((await req('POST', '/v1/campaigns/door/preview', '1001')).statusCode).toBe(204);
  });

  it('preview of a progressive campaign → 409; an integrator key (no agent) → 403', async () => {
    expect(code(await req('POST', '/v1/campaigns/auto/preview', '1001'))).toBe('CTI_INVALID_STATE');
    expect(code(await req('POST', '/v1/campaigns/door/preview', 'crm'))).toBe('CTI_FORBIDDEN');
    expect(code(await req('POST', '/v1/campaigns/nope/preview', '1001'))).toBe('CTI_CAMPAIGN_NOT_FOUND');
  });
});

describe('agent dispositions', () => {
  const anna = '+14155550101';
  const url = `/v1/campaigns/auto/contacts/${encodeURIComponent(anna)}/disposition`;

  it('a contact nobody has talked to → 409 CTI_CONTACT_NOT_REACHED; an unknown contact → 404', async () => {
    expect(code(await req('POST', url, 'admin', { disposition: 'completed' }))).toBe('CTI_CONTACT_NOT_REACHED');
    expect(code(await req('POST', '/v1/campaigns/auto/contacts/nobody/disposition', 'admin', { disposition: 'completed' }))).toBe('CTI_CONTACT_NOT_FOUND');
  });

  it("1001 talked to Anna → another team's agent is refused, a callback with no time or an unknown outcome is refused with a code, a callback in 2 h is applied; 1001's supervisor may mark her DNC, and she is on the global list", async () => {
    await t.server.redis.zrem(store.keys.ready('auto'), anna); // the call is over: out of line, as the dialer leaves it
    await store.saveContact('auto', { ...(await store.contact('auto', anna))!, attempts: 1, lastDisposition: 'answered', lastAgentId: '1001', lastCallId: 'call-1' });
    expect(code(await req('POST', url, '1003', { disposition: 'completed' }))).toBe('CTI_FORBIDDEN');
    expect(code(await req('POST', url, '1001', { disposition: 'callback' }))).toBe('CTI_DISPOSITION_INVALID');
    expect(code(await req('POST', url, '1001', { disposition: 'completed', outcome: 'maybe' }))).toBe('CTI_DISPOSITION_INVALID');
    expect((await req('POST', url, '1001', { disposition: 'sold' })).statusCode).toBe(400);

    const at = new Date(Date.now() + 2 * 3_600_000);
    const res = await req('POST', url, '1001', { disposition: 'callback', callbackAt: at.toISOString(), outcome: 'sale', note: 'wants the blue one' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'applied', contact: { lastDisposition: 'callback', callbackAt: at.toISOString(), agentDisposition: { disposition: 'callback', outcome: 'sale', note: 'wants the blue one', by: '1001' } } });
    expect(Number(await t.server.redis.zscore(store.keys.ready('auto'), anna))).toBe(at.getTime());

    const dnc = await req('POST', url, '1004', { disposition: 'dnc' });
    expect(dnc.json()).toMatchObject({ status: 'applied', contact: { lastDisposition: 'dnc' } });
    expect(await t.server.redis.zscore(store.keys.ready('auto'), anna)).toBeNull();
    expect(await new DncList(t.server.redis, new RedisKeys(t.prefix)).blocked(anna, 'door')).toBe(true);
  });
});
