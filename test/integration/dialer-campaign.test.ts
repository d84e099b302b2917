/**
 * A small campaign end to end with real peers: sipp plays the called parties
 * on the trunk (the first answers and talks, the second is busy) and agent
 * 1001's phone (sipp) takes the connected call. The campaign is made, filled
 * and started through the CTI API; the engine paces it (progressive: one call
 * per free agent), places the attempts as BullMQ jobs and records each
 * disposition, the retry of the busy contact and the campaign's figures; the
 * answered call's record is an outbound CDR.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/calls/call.js';
import { CampaignStore } from '../../src/dialer/campaign-store.js';
import { CampaignStats } from '../../src/dialer/stats.js';
import { RedisKeys } from '../../src/store/redis.js';
import { writeSpeechPcap } from '../support/pcap.js';
import { freePort } from '../support/ports.js';
import { adminApi, configureDialerServer, expectSippOk, sippAgainst } from '../support/dialer.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';

const PCAPS = '/usr/share/sip-tester';
const skip = !sippAvailable() || !existsSync(`${PCAPS}/g711a.pcap`);


describe.skipIf(skip)('an outbound campaign with sipp as the called parties and the agent', () => {
  let t: TestServer;
  let trunkPort: number;
  let speech: string;
  const calls: Call[] = [];
  const sipp = (o: Omit<SippOptions, 'target'>): Promise<SippRun> => sippAgainst(t)(o);
  const expectOk = expectSippOk;
  const api = (...a: Parameters<ReturnType<typeof adminApi>>) => adminApi(t)(...a);

  beforeAll(async () => {
    trunkPort = await freePort();
    // the agent is rung when the customer answers: the safe harbor leaves time for a phone to ring
    t = await startTestServer({ acdTickMs: 200, configure: (c) => configureDialerServer(c, trunkPort, { safeHarborSeconds: 6 }) });
    t.server.calls.on('call', (c) => calls.push(c));
    speech = join(t.dataDir, 'speech.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, yes, I am interested in the spring offer, tell me more.');
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('progressive campaign of two contacts → the first answers and talks to 1001 (disposition answered, its fields on the call), the second is busy (retry in 1 min); figures and an outbound CDR', async () => {
    const phonePort = await freePort();
    expectOk(await sipp({ scenario: 'register.xml', service: '1001', auth: { username: '1001', password: t.agentPassword('1001') }, localPort: phonePort }), 'register 1001');
    await expect.poll(() => t.server.acd.agent('1001')?.state, { timeout: 8000 }).toBe('available');

    const created = await api('POST', '/v1/campaigns', { id: 'spring', name: 'Spring', queue: 'sales', callerId: '+14155550999', mode: 'progressive', window: { start: '00:00', end: '23:59' }, retry: { busy: 1 } });
    expect(created.statusCode).toBe(201);
    const csv = 'phone,timezone,first_name\n+1 415 555 0100,UTC,Anna\n+1 415 555 0200,UTC,Bob\n';
    expect((await api('POST', '/v1/campaigns/spring/contacts', csv, { 'content-type': 'text/csv' })).json()).toMatchObject({ accepted: 2, added: 2 });

    // the customers on the trunk, one after the other; 1001's phone answers the connected call
    const customer = sipp({ scenario: 'trunk-customer.xml', service: '+14155550100', localPort: trunkPort, timeoutSec: 60, keys: { audio_pcap: speech }, extra: ['-d', '6000'] });
    const agent = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: phonePort, timeoutSec: 60, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await api('POST', '/v1/campaigns/spring/start')).json()).toMatchObject({ status: 'running' });
    expectOk(await customer, 'customer who answers');
    const busy = sipp({ scenario: 'edge-agent-phone-busy.xml', service: '+14155550200', localPort: trunkPort, timeoutSec: 60 });
    expectOk(await agent, 'agent 1001 phone');
    expectOk(await busy, 'customer who is busy');

    const store = new CampaignStore(t.server.redis, new RedisKeys(t.prefix));
    await expect.poll(async () => (await store.contact('spring', '+14155550200'))?.lastDisposition, { timeout: 10_000 }).toBe('busy');
    expect(await store.contact('spring', '+14155550100')).toMatchObject({ attempts: 1, lastDisposition: 'answered' });
    // the busy one is back in line in about a minute; the answered one is done
    const retryAt = Number(await t.server.redis.zscore(store.keys.ready('spring'), '+14155550200'));
    expect(retryAt - Date.now()).toBeGreaterThan(40_000);
    expect(retryAt - Date.now()).toBeLessThan(70_000);
    expect(await t.server.redis.zscore(store.keys.ready('spring'), '+14155550100')).toBeNull();

    const figures = await new CampaignStats(t.server.redis, new RedisKeys(t.prefix)).figures('spring', Date.now());
    expect(figures).toMatchObject({ attempts: 2, liveAnswers: 1, connected: 1, abandoned: 0, abandonPct30d: 0, dispositions: { answered: 1, busy: 1 } });

    const outbound = calls.find((c) => c.caller.party === '+14155550100');
    expect(outbound?.variables.get('first_name')).toBe('Anna');
    expect(outbound?.variables.get('campaign_id')).toBe('spring');
    expect(outbound?.agentLeg?.party).toBe('1001');

    await t.server.records.ingester.runOnce();
    const cdr = (await t.server.db()?.query<{ direction: string; disposition: string; agent_id: string }>('SELECT direction, disposition, agent_id FROM cdrs WHERE call_id = $1', [outbound!.id]))?.rows[0];
    expect(cdr).toEqual({ direction: 'outbound', disposition: 'answered', agent_id: '1001' });
  }, 90_000);
});
