/**
 * The softphone page and outbound campaigns, in real Chromium (its clock in
 * America/New_York, so the callback time is the browser's local time): agent
 * 1002 works a preview campaign made through the CTI API. Next shows Anna's
 * fields; Skip puts her back in line (after the campaign's gap); Next again
 * finds nobody due, then (the gap passed) Anna again; Dial rings the page's
 * JsSIP phone, the agent answers in the page and the server dials Anna, a
 * sipp customer on the trunk. During the call the "Campaign contact" card
 * books a callback in two hours with outcome "sale" ("will apply when the
 * call ends"); when the customer hangs up the contact is in line at that
 * instant with disposition callback. Then a disposition the server refuses
 * shows the API's own message.
 *
 * Screenshots go to test-output/ (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Config, QueueConfig } from '../../src/config/schema.js';
import { CampaignStore } from '../../src/dialer/campaign-store.js';
import { RedisKeys } from '../../src/store/redis.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, skipReason } from '../support/browser.js';
import { freePort, mediaPorts } from '../support/ports.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable } from '../support/sipp.js';

const PCAPS = '/usr/share/sip-tester';
const OUT = resolve('test-output');
const TZ = 'America/New_York';
const ANNA = '+14155550100';
const reason =
  skipReason() ??
  (sippAvailable() ? undefined : 'sipp not found (apt-get install sip-tester)') ??
  (existsSync(`${PCAPS}/g711a.pcap`) ? undefined : `sipp's pcaps not found in ${PCAPS}`) ??
  (existsSync('/usr/bin/rtpengine') ? undefined : 'rtpengine not found (apt-get install rtpengine-daemon)');
if (reason !== undefined) console.warn(`skipping the softphone campaign test: ${reason}`);

/** The campaign's queue: 1002 works it. */
function outboundQueue(): QueueConfig {
  return {
    id: 'outbound',
    name: 'Outbound',
    requirement: { allOf: [], anyOf: [] },
    members: ['1002'],
    strategy: 'longest-idle',
    priority: 0,
    maxWaitSeconds: 120,
    maxLength: 0,
    serviceLevelSeconds: 20,
    ringTimeoutSeconds: 30,
    announcements: { music: 'hold-music', positionEverySeconds: 0, estimatedWait: false },
    escalation: [],
    overflow: {},
  };
}

/** What a datetime-local input shows for `ms` in `timeZone` ("2025-06-01T14:05"). */
function localInput(ms: number, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** Until src/app.ts passes CtiContext.sipWsPort, /v1/web/config answers the config's port (0 in tests): point it at the bound one. */
async function useBoundSipWsPort(t: TestServer): Promise<void> {
  const cfg = (await (await fetch(`http://127.0.0.1:${t.httpPort}/v1/web/config`)).json()) as { sipWsUrl: string };
  if (new URL(cfg.sipWsUrl).port !== String(t.wsPort)) t.config.sip.wsPort = t.wsPort;
}

describe.skipIf(reason !== undefined)('the softphone page works a preview campaign: preview, dial, disposition', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let store: CampaignStore;
  let trunkPort: number;
  /** The callback booked in the first test (ms). */
  let callbackAt = 0;
  const pageLog: string[] = [];

  const state = (id: string): string | undefined => t.server.acd.agent(id)?.state;
  const text = async (testid: string): Promise<string> => ((await page.getByTestId(testid).textContent()) ?? '').trim();
  const attr = async (testid: string, name: string): Promise<string | null> => page.getByTestId(testid).getAttribute(name);
  const visible = (testid: string): Promise<boolean> => page.getByTestId(testid).isVisible();
  const field = async (table: string, name: string): Promise<string | null> => page.locator(`#${table} tr[data-field="${name}"] td`).nth(1).textContent();
  const variable = async (name: string): Promise<string | null> => page.locator(`#call-variables tr[data-var="${name}"] td`).nth(1).textContent();
  const fail = (what: string): string => `${what}\n--- page console ---\n${pageLog.slice(-40).join('\n')}`;
  const api = async (method: 'GET' | 'POST', url: string, payload?: string | object, headers: Record<string, string> = {}) =>
    t.server.http.inject({ method, url, headers: { authorization: `Bearer ${await t.token('admin')}`, ...headers }, ...(payload === undefined ? {} : { payload }) });
  const readyAt = async (contactId: string): Promise<number | null> => {
    const s = await t.server.redis.zscore(store.keys.ready('spring'), contactId);
    return s === null ? null : Number(s);
  };
  const shot = async (name: string): Promise<void> => {
    mkdirSync(OUT, { recursive: true });
    const path = join(OUT, name);
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${path}`);
  };

  beforeAll(async () => {
    trunkPort = await freePort();
    const ngPort = await freePort();
    const { min, max } = mediaPorts().rtpengine;
    t = await startTestServer({
      acdTickMs: 200,
      configure: (c: Config) => {
        c.media.rtpengine = { enabled: true, spawn: true, ng: `127.0.0.1:${ngPort}`, interface: '127.0.0.1', portMin: min, portMax: max };
        c.queues = [outboundQueue()];
        // the wrap-up lasts until the agent ends it: the card is still there for the second test
        c.acd = { ...c.acd, defaultWrapUpSeconds: 600, hotlineMenu: {}, hotlineDefaultQueue: 'outbound' };
        c.trunk = { uri: `sip:127.0.0.1:${trunkPort}`, match: '^\\+?[0-9]{5,15}$' };
      },
    });
    await useBoundSipWsPort(t);
    store = new CampaignStore(t.server.redis, new RedisKeys(t.prefix));

    const created = await api('POST', '/v1/campaigns', {
      id: 'spring',
      name: 'Spring offer',
      queue: 'outbound',
      callerId: '+14155550999',
      mode: 'preview',
      window: { start: '00:00', end: '23:59' },
      minGapMinutes: 1,
      outcomes: ['sale', 'not-interested'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const csv = 'phone,timezone,first_name,plan\n+1 415 555 0100,UTC,Anna,gold\n';
    expect((await api('POST', '/v1/campaigns/spring/contacts', csv, { 'content-type': 'text/csv' })).json()).toMatchObject({ accepted: 1, added: 1 });
    expect((await api('POST', '/v1/campaigns/spring/start')).json()).toMatchObject({ status: 'running' });

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 20_000 });
    page = await (await browser.newContext({ viewport: { width: 1200, height: 1400 }, timezoneId: TZ })).newPage();
    page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`));
  }, 90_000);
  afterAll(async () => {
    if (pageLog.length > 0 && process.env.HARNESS_DEBUG === '1') console.log(pageLog.join('\n'));
    await browser?.close();
    await t?.stop();
  });

  it("preview campaign: Next shows Anna's fields; Skip → back in line; Next again → Dial → the page's phone rings and is answered, the trunk customer answers; a callback in 2 h with outcome sale saved during the call applies when the customer hangs up", async () => {
    await page.goto(`http://127.0.0.1:${t.httpPort}/softphone`);
    await page.getByTestId('agent-id').fill('1002');
    await page.getByTestId('password').fill(t.agentPassword('1002'));
    await page.getByTestId('login-button').click();
    await expect.poll(() => attr('sip-status', 'data-status'), { timeout: 15_000, message: fail('phone registered') }).toBe('registered');
    await expect.poll(() => state('1002'), { timeout: 10_000 }).toBe('paused');
    await expect.poll(() => attr('cti-status', 'data-status')).toBe('live');
    // an agent token may not list campaigns (403): the campaign id is typed
    expect(await visible('preview-campaign')).toBe(true);
    expect(await visible('preview-campaign-select')).toBe(false);
    expect(await visible('campaign-card')).toBe(false);

    // Next: Anna, held for 1002
    await page.getByTestId('preview-campaign').fill('spring');
    await page.getByTestId('btn-preview-next').click();
    await expect.poll(() => text('preview-number'), { timeout: 5000, message: fail('previewed contact') }).toBe(ANNA);
    expect(await field('preview-fields', 'first_name')).toBe('Anna');
    expect(await field('preview-fields', 'plan')).toBe('gold');
    expect(await text('preview-attempts')).toContain('0 attempts');
    expect(await page.getByTestId('btn-preview-dial').isEnabled()).toBe(true);
    expect(await readyAt(ANNA)).toBeNull();
    await shot('softphone-campaign-1-preview.png');

    // Skip: back in line after the campaign's gap (1 min), not counted as an attempt
    await page.getByTestId('btn-preview-skip').click();
    await expect.poll(() => visible('preview-contact')).toBe(false);
    expect(await text('preview-message')).toContain('Skipped');
    const back = (await readyAt(ANNA)) ?? 0;
    expect(back - Date.now()).toBeGreaterThan(30_000);
    expect(back - Date.now()).toBeLessThan(70_000);
    expect((await store.contact('spring', ANNA))?.attempts).toBe(0);

    // Next again: nobody is due (204)
    await page.getByTestId('btn-preview-next').click();
    await expect.poll(() => text('preview-message'), { timeout: 5000 }).toBe('No contact due');
    expect(await visible('preview-contact')).toBe(false);

    // the gap has passed (the test moves Anna's turn to now rather than wait a minute): Next → Anna again
    await t.server.redis.zadd(store.keys.ready('spring'), Date.now() - 1000, ANNA);
    await page.getByTestId('btn-preview-next').click();
    await expect.poll(() => text('preview-number'), { timeout: 5000 }).toBe(ANNA);

    // Dial: the page's phone rings first (the usual incoming call), the agent answers; then the customer's
    const customer = runSipp({
      target: `127.0.0.1:${t.sipPort}`,
      scenario: 'trunk-customer.xml',
      service: ANNA,
      localPort: trunkPort,
      timeoutSec: 60,
      keys: { audio_pcap: `${PCAPS}/g711a.pcap` },
      extra: ['-mp', String(await freePort()), '-d', '15000'],
    });
    await new Promise((r) => setTimeout(r, 300));
    await page.getByTestId('btn-preview-dial').click();
    await expect.poll(() => attr('call-popup', 'data-call-state'), { timeout: 15_000, message: fail('the phone rings for the preview dial') }).toBe('ringing');
    expect(await text('call-caller')).toContain(ANNA);
    expect(state('1002')).toBe('on-call-outbound');
    await page.getByTestId('btn-answer').click();
    await expect.poll(() => attr('call-popup', 'data-call-state'), { timeout: 15_000, message: fail('talking') }).toBe('talking');
    await expect.poll(() => text('preview-message'), { timeout: 15_000, message: fail('dial answered') }).toBe(`Connected to ${ANNA}`);

    // the campaign call's variables (REST) bring the contact card
    await expect.poll(() => visible('campaign-card'), { timeout: 10_000, message: fail('campaign card') }).toBe(true);
    await expect.poll(() => variable('contact_id'), { timeout: 5000 }).toBe(ANNA);
    expect(await variable('campaign_id')).toBe('spring');
    expect(await variable('first_name')).toBe('Anna');
    await expect.poll(() => field('campaign-contact-fields', 'first_name'), { timeout: 5000 }).toBe('Anna');
    expect(await text('campaign-contact-number')).toBe(ANNA);
    expect(await text('campaign-contact-info')).toContain('1 attempt');
    expect(await page.locator('#disposition-outcome option').allTextContents()).toEqual(['— none —', 'sale', 'not-interested']);
    const callId = await attr('call-popup', 'data-call-id');
    expect(callId).toBeTruthy();
    expect(t.server.calls.calls.get(callId!)?.agentLeg?.party).toBe('1002');

    // callback in two hours, outcome sale: saved during the call, it waits for the call's end
    expect(await visible('callback-at')).toBe(false);
    await page.getByTestId('disposition-callback').check();
    expect(await visible('callback-at')).toBe(true);
    callbackAt = Math.ceil((Date.now() + 2 * 3_600_000) / 60_000) * 60_000;
    await page.getByTestId('callback-at').fill(localInput(callbackAt, TZ));
    await page.getByTestId('disposition-outcome').selectOption('sale');
    await page.getByTestId('disposition-note').fill('Wants the gold plan; call after lunch');
    await page.getByTestId('btn-disposition-save').click();
    await expect.poll(() => text('disposition-message'), { timeout: 5000, message: fail('disposition saved') }).toBe('Saved — will apply when the call ends');
    expect(await attr('disposition-message', 'data-kind')).toBe('ok');
    expect(await readyAt(ANNA)).toBeNull();
    expect((await store.contact('spring', ANNA))?.lastDisposition).toBeUndefined();
    await shot('softphone-campaign-2-disposition.png');

    // the customer hangs up: the attempt settles with the agent's callback, at the instant the page gave
    const run = await customer;
    if (run.code !== 0) console.error(run.errors || run.stderr);
    expect(run.code, 'trunk customer sipp').toBe(0);
    await expect.poll(() => attr('call-popup', 'data-call-state'), { timeout: 10_000 }).toBe('ended');
    await expect.poll(() => state('1002'), { timeout: 10_000 }).toBe('wrap-up');
    await expect.poll(async () => (await store.contact('spring', ANNA))?.lastDisposition, { timeout: 10_000 }).toBe('callback');
    expect(await readyAt(ANNA)).toBe(callbackAt);
    expect(await store.contact('spring', ANNA)).toMatchObject({
      attempts: 1,
      lastAgentId: '1002',
      lastCallId: callId,
      callbackAt,
      agentDisposition: { disposition: 'callback', outcome: 'sale', note: 'Wants the gold plan; call after lunch', by: '1002', callbackAt },
    });
    // wrap-up: the card stays
    expect(await visible('campaign-card')).toBe(true);
    await shot('softphone-campaign-3-wrap-up.png');
  }, 120_000);

  it("a disposition the server refuses (callback with no time) shows the API's message on the page", async () => {
    // still in wrap-up after the first test's call, its card on screen
    expect(state('1002')).toBe('wrap-up');
    expect(await visible('campaign-card')).toBe(true);
    await page.getByTestId('disposition-callback').check();
    await page.getByTestId('callback-at').fill('');
    await page.getByTestId('btn-disposition-save').click();
    await expect.poll(() => text('disposition-message'), { timeout: 5000, message: fail('refusal shown') }).toBe('a callback needs callbackAt');
    expect(await attr('disposition-message', 'data-kind')).toBe('error');
    // refused: the contact is as the first disposition left it
    expect(await readyAt(ANNA)).toBe(callbackAt);
    expect((await store.contact('spring', ANNA))?.agentDisposition).toMatchObject({ disposition: 'callback', outcome: 'sale' });
    await shot('softphone-campaign-4-refused.png');

    // wrap-up done: the call leaves the screen, and the card (saved) with it
    await page.getByTestId('btn-wrap-up-done').click();
    await expect.poll(() => state('1002')).toBe('available');
    await expect.poll(() => page.getByTestId('call-popup').isHidden(), { timeout: 5000 }).toBe(true);
    await expect.poll(() => visible('campaign-card')).toBe(false);
  }, 30_000);
});
