/**
 * The supervisor wallboard page served by the server, in real Chromium:
 * supervisor 1004 (team east) watches the sales queue while sipp callers wait
 * in it, abandon, and are answered by 1001's sipp phone; the agents table
 * follows 1001 (and 1002) live. Everything on the page comes from the CTI
 * API: GET /v1/queues and /v1/agents, then the event stream.
 *
 * The Campaigns panel (no sipp needed): outbound campaigns running or
 * paused, with their figures from GET /v1/campaigns/:id/stats, polled.
 *
 * Screenshots go to test-output/ (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable, type SippOptions, type SippRun } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { launchPage, skipReason } from '../support/browser.js';
import { writeSpeechPcap } from '../support/pcap.js';
import { CampaignStats } from '../../src/dialer/stats.js';
import { RedisKeys } from '../../src/store/redis.js';
import type { Config, QueueConfig } from '../../src/config/schema.js';

const PCAPS = '/usr/share/sip-tester';
const OUT = resolve('test-output');
const reason =
  skipReason() ??
  (sippAvailable() ? undefined : 'sipp not found (apt-get install sip-tester)') ??
  (existsSync(`${PCAPS}/dtmf_2833_1.pcap`) ? undefined : `sipp's pcaps not found in ${PCAPS}`);
if (reason !== undefined) console.warn(`skipping the wallboard page test: ${reason}`);

/** Until src/app.ts passes CtiContext.sipWsPort, /v1/web/config answers the config's port (0 in tests): point it at the bound one. */
async function useBoundSipWsPort(t: TestServer): Promise<void> {
  const cfg = (await (await fetch(`http://127.0.0.1:${t.httpPort}/v1/web/config`)).json()) as { sipWsUrl: string };
  if (new URL(cfg.sipWsUrl).port !== String(t.wsPort)) t.config.sip.wsPort = t.wsPort;
}

function salesQueue(): QueueConfig {
  return {
    id: 'sales',
    name: 'Sales',
    requirement: { allOf: [], anyOf: [] },
    members: ['1001'],
    strategy: 'longest-idle',
    priority: 0,
    maxWaitSeconds: 120,
    maxLength: 0,
    serviceLevelSeconds: 20,
    ringTimeoutSeconds: 15,
    wrapUpSeconds: 3,
    announcements: { music: 'hold-music', positionEverySeconds: 0, estimatedWait: false },
    escalation: [],
    overflow: {},
  };
}

async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

describe.skipIf(reason !== undefined)('the wallboard page in Chromium with real callers', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let speech: string;
  let pageLog: string[] = [];

  const sipp = async (o: Omit<SippOptions, 'target'>): Promise<SippRun> =>
    runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
  const expectOk = (run: SippRun, who: string): void => {
    if (run.code !== 0) console.error(who, run.errors || run.stderr || run.stdout);
    expect(run.code, `${who} sipp exit code`).toBe(0);
  };
  const state = (id: string): string | undefined => t.server.acd.agent(id)?.state;
  const metric = async (name: string): Promise<string> => ((await page.getByTestId(`queue-sales-${name}`).textContent()) ?? '').trim();
  const agentState = async (id: string): Promise<string | null> => page.getByTestId(`agent-${id}-state`).getAttribute('data-state');
  const rest = async (who: string, method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`http://127.0.0.1:${t.httpPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${await t.token(who)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** A hotline caller pressing 1 (sales), staying `stayMs` after it, then hanging up. */
  const caller = async (stayMs: number): Promise<SippRun> =>
    sipp({
      scenario: 'acd-caller.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: Math.ceil(stayMs / 1000) + 25,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_1.pcap`, audio_pcap: speech },
      extra: ['-d', String(stayMs)],
    });

  beforeAll(async () => {
    t = await startTestServer({
      digitTimeoutMs: 3000,
      acdTickMs: 200,
      configure: (c: Config) => {
        c.queues = [salesQueue()];
        c.acd = { ...c.acd, hotlineMenu: { '1': 'sales' }, hotlineDefaultQueue: 'sales' };
        c.cti.events.queueStatsSeconds = 2;
      },
    });
    await useBoundSipWsPort(t);
    speech = join(t.dataDir, 'speech.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, I would like to order two more licences for my team, please.');
    ({ browser, page, log: pageLog } = await launchPage({ width: 1400, height: 900 }));
  }, 60_000);
  afterAll(async () => {
    if (process.env.HARNESS_DEBUG === '1') console.log(pageLog.join('\n'));
    await browser?.close();
    await t?.stop();
  });

  it('an agent without the supervisor scope is refused by the wallboard', async () => {
    await page.goto(`http://127.0.0.1:${t.httpPort}/wallboard`);
    await page.getByTestId('agent-id').fill('1002');
    await page.getByTestId('password').fill(t.agentPassword('1002'));
    await page.getByTestId('login-button').click();
    await expect.poll(async () => page.getByTestId('login-error').textContent()).toMatch(/supervisor/);
    expect(await page.getByTestId('board-view').isHidden()).toBe(true);
  });

  it('supervisor 1004 opens the wallboard; a caller waits in sales (1001 on a break) → waiting 1 and the longest wait ticks; the caller hangs up → abandoned 1; 1001 goes ready by REST → its row turns Ready live', async () => {
    const fail = (what: string): string => `${what}\n--- page console ---\n${pageLog.slice(-40).join('\n')}`;
    expect((await rest('1001', 'POST', '/v1/agents/me/login', { reason: 'break' })).status).toBe(200);
    expect(state('1001')).toBe('paused');

    await page.goto(`http://127.0.0.1:${t.httpPort}/wallboard`);
    await page.getByTestId('agent-id').fill('1004');
    await page.getByTestId('password').fill(t.agentPassword('1004'));
    await page.getByTestId('login-button').click();
    await expect.poll(() => page.getByTestId('board-view').isVisible(), { message: fail('board shown') }).toBe(true);
    await expect.poll(() => page.getByTestId('cti-status').getAttribute('data-status')).toBe('live');
    expect(await page.locator('[data-queue="sales"] .queue-name').textContent()).toBe('Sales');
    expect(await metric('waiting')).toBe('0');
    expect(await metric('abandoned')).toBe('0');
    expect(await metric('sl')).toBe('—');
    // team east only: 1001 and 1002, not 1003 (west) nor the supervisor itself
    const rows = await page.locator('#agents tbody tr').all();
    expect(await Promise.all(rows.map((r) => r.getAttribute('data-agent')))).toEqual(['1001', '1002']);
    expect(await agentState('1001')).toBe('paused');
    expect(await page.getByTestId('agent-1001-state').textContent()).toBe('Not ready — break');
    expect(await agentState('1002')).toBe('logged-out');

    const calling = caller(9000);
    await expect.poll(() => metric('waiting'), { timeout: 15_000, message: fail('waiting 1') }).toBe('1');
    await expect.poll(() => metric('longest'), { timeout: 10_000 }).toMatch(/^00:0[2-9]$/);
    await expect.poll(() => page.locator('[data-queue="sales"] .metric-waiting').getAttribute('class')).toContain('busy');
    await shot(page, 'wallboard-1-caller-waiting.png');

    expectOk(await calling, 'caller');
    await expect.poll(() => metric('abandoned'), { timeout: 10_000, message: fail('abandoned 1') }).toBe('1');
    await expect.poll(() => metric('waiting')).toBe('0');
    expect(await metric('longest')).toBe('00:00');
    // abandoned and nothing answered: service level 0 %, below the 80 % target, in red
    await expect.poll(() => metric('sl'), { timeout: 10_000 }).toBe('0%');
    expect(await page.locator('[data-queue="sales"] .metric-sl').getAttribute('class')).toContain('below');

    expect((await rest('1001', 'POST', '/v1/agents/me/ready')).status).toBe(200);
    await expect.poll(() => agentState('1001'), { timeout: 5000, message: fail('1001 ready on the board') }).toBe('available');
    expect(await page.getByTestId('agent-1001-state').textContent()).toBe('Ready');
    await expect.poll(async () => page.getByTestId('agent-1001-time').textContent(), { timeout: 5000 }).toMatch(/^00:0[1-9]$/);
    await shot(page, 'wallboard-2-abandoned-agent-ready.png');
  }, 60_000);

  it("1001's sipp phone answers the next caller → the board shows 1001 on call, then in wrap-up and ready; answered 1, ASA and service level from today's calls", async () => {
    const fail = (what: string): string => `${what}\n--- page console ---\n${pageLog.slice(-40).join('\n')}`;
    // the phone registers (the agent stays ready: logged in by REST, not by the phone)
    const phonePort = await freePort();
    expectOk(await sipp({ scenario: 'register.xml', service: '1001', auth: { username: '1001', password: t.agentPassword('1001') }, localPort: phonePort }), 'register 1001');
    expect(state('1001')).toBe('available');
    const phone = sipp({ scenario: 'agent-phone-talk.xml', service: '1001', localPort: phonePort, timeoutSec: 40, keys: { audio_pcap: speech } });
    await new Promise((r) => setTimeout(r, 300)); // the phone listens
    const calling = caller(5000);

    await expect.poll(() => agentState('1001'), { timeout: 15_000, message: fail('1001 on call') }).toBe('on-call');
    expect(await page.getByTestId('agent-1001-state').textContent()).toBe('On call');
    await expect.poll(() => metric('answered'), { timeout: 5000 }).toBe('1');
    expect(await metric('waiting')).toBe('0');
    await shot(page, 'wallboard-3-agent-on-call.png');

    expectOk(await calling, 'caller');
    expectOk(await phone, '1001 phone');
    await expect.poll(() => agentState('1001'), { timeout: 5000 }).toBe('wrap-up');
    await expect.poll(() => agentState('1001'), { timeout: 10_000 }).toBe('available');
    expect(state('1001')).toBe('available');
    expect(await page.getByTestId('agent-1001-calls').textContent()).toBe('1');
    // one answered within 20 s, one abandoned: 50 %; the ASA is that call's wait
    await expect.poll(() => metric('sl'), { timeout: 10_000 }).toBe('50%');
    expect(await metric('asa')).toMatch(/^00:0\d$/);
    expect(await metric('abandoned')).toBe('1');
    await shot(page, 'wallboard-4-after-answered-call.png');
  }, 60_000);
});

describe.skipIf(skipReason() !== undefined)('the Campaigns panel of the wallboard in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let pageLog: string[] = [];

  const rest = async (who: string, method: string, path: string, body?: unknown, type = 'application/json'): Promise<Response> =>
    fetch(`http://127.0.0.1:${t.httpPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${await t.token(who)}`, ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const campaign = async (id: string, name: string, then: 'start' | 'pause' | undefined): Promise<void> => {
    expect((await rest('1004', 'POST', '/v1/campaigns', { id, name, queue: 'sales', callerId: '+4930555000', mode: 'progressive', defaultCountry: 'DE' })).status).toBe(201);
    if (then === undefined) return;
    expect((await rest('1004', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);
    if (then === 'pause') expect((await rest('1004', 'POST', `/v1/campaigns/${id}/pause`)).status).toBe(200);
  };
  const cell = async (id: string, col: string): Promise<string> => ((await page.getByTestId(`campaign-${id}-${col}`).textContent()) ?? '').trim();

  beforeAll(async () => {
    t = await startTestServer({
      configure: (c: Config) => {
        c.queues = [salesQueue()];
        // the figures are written here directly: nothing is dialled
        c.dialer.enabled = false;
      },
    });
    ({ browser, page, log: pageLog } = await launchPage({ width: 1400, height: 900 }));
  }, 60_000);
  afterAll(async () => {
    if (process.env.HARNESS_DEBUG === '1') console.log(pageLog.join('\n'));
    await browser?.close();
    await t?.stop();
  });

  it('campaign with 1 abandon of 2 live answers → stats say 50 %, wallboard shows it red; a paused one without abandons is listed, not red; a draft is not listed; no campaign → no panel', async () => {
    const fail = (what: string): string => `${what}\n--- page console ---\n${pageLog.slice(-40).join('\n')}`;
    await page.goto(`http://127.0.0.1:${t.httpPort}/wallboard`);
    await page.getByTestId('agent-id').fill('1004');
    await page.getByTestId('password').fill(t.agentPassword('1004'));
    await page.getByTestId('login-button').click();
    await expect.poll(() => page.getByTestId('board-view').isVisible(), { message: fail('board shown') }).toBe(true);
    // no campaign yet: no panel (after the first poll has answered)
    await expect.poll(() => page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/v1/campaigns')))).toBe(true);
    expect(await page.getByTestId('campaigns').isHidden()).toBe(true);

    await campaign('winter', 'Winter <b>renewals</b>', 'start');
    await campaign('quiet', 'Quiet one', 'pause');
    await campaign('later', 'Not started', undefined);
    expect((await rest('1004', 'POST', '/v1/campaigns/winter/contacts', 'phone\n+49 30 3000001\n+49 30 3000002\n+49 30 3000003\n', 'text/csv')).status).toBe(200);
    const figures = new CampaignStats(t.server.redis, new RedisKeys(t.prefix));
    const now = Date.now();
    for (let i = 0; i < 3; i += 1) await figures.attempted('winter', now);
    await figures.finished('winter', 'answered', now, { live: true, connected: true, handleMs: 60_000 });
    await figures.finished('winter', 'abandoned', now, { live: true, connected: false });
    await figures.finished('winter', 'no-answer', now, { live: false, connected: false });
    const stats = (await (await rest('1004', 'GET', '/v1/campaigns/winter/stats')).json()) as { abandonPct30d: number; attempts: number };
    expect(stats).toMatchObject({ abandonPct30d: 50, attempts: 3 });

    // the next poll (every 5 s) shows them
    await expect.poll(() => page.getByTestId('campaigns').isVisible(), { timeout: 8000, message: fail('campaigns panel shown') }).toBe(true);
    const rows = await page.locator('#campaigns tbody tr').all();
    expect(await Promise.all(rows.map((r) => r.getAttribute('data-campaign')))).toEqual(['quiet', 'winter']);
    // the name is text, not markup
    expect(await cell('winter', 'name')).toBe('Winter <b>renewals</b>');
    expect(await cell('winter', 'status')).toBe('Running');
    expect(await cell('winter', 'mode')).toBe('progressive');
    expect(await cell('winter', 'attempts')).toBe('3');
    expect(await cell('winter', 'contacts')).toBe('3 / 3');
    expect(await cell('winter', 'abandon')).toBe('50%');
    expect(await page.getByTestId('campaign-winter-abandon').getAttribute('class')).toContain('alert');
    expect(await cell('winter', 'occupancy')).toBe('0%');
    expect(await cell('quiet', 'status')).toBe('Paused');
    expect(await cell('quiet', 'abandon')).toBe('0%');
    expect(await page.getByTestId('campaign-quiet-abandon').getAttribute('class')).not.toContain('alert');
    await shot(page, 'wallboard-5-campaigns.png');

    // stopped campaigns leave the board; with none left, the panel goes
    for (const id of ['winter', 'quiet']) expect((await rest('1004', 'POST', `/v1/campaigns/${id}/stop`)).status).toBe(200);
    await expect.poll(() => page.getByTestId('campaigns').isHidden(), { timeout: 8000, message: fail('campaigns panel hidden') }).toBe(true);
  }, 60_000);
});
