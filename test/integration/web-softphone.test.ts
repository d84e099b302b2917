/**
 * The agent softphone page served by the server, in real Chromium: agent
 * 1002 logs in (CTI token, JsSIP registers over the SIP WebSocket, ACD login
 * not ready), goes ready, a sipp caller goes through an IVR flow (variables
 * set, a menu digit) into the support queue, the page pops the call with the
 * caller and every variable, the agent answers (audio through rtpengine both
 * ways), holds and retrieves, sends a digit, hangs up, wraps up and is ready
 * again. The ACD state is checked at each step, beside the page's own view.
 * Also: what the server serves under /softphone, /wallboard and /web/.
 *
 * Screenshots go to test-output/ (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { runSipp, sippAvailable } from '../support/sipp.js';
import { freePort, mediaPorts } from '../support/ports.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, skipReason } from '../support/browser.js';
import { writeSpeechPcap } from '../support/pcap.js';
import type { Config, QueueConfig } from '../../src/config/schema.js';
import { webFileCandidates } from '../../src/web/routes.js';

const PCAPS = '/usr/share/sip-tester';
const OUT = resolve('test-output');
const browserReason =
  skipReason() ??
  (sippAvailable() ? undefined : 'sipp not found (apt-get install sip-tester)') ??
  (existsSync(`${PCAPS}/dtmf_2833_2.pcap`) ? undefined : `sipp's pcaps not found in ${PCAPS}`) ??
  (existsSync('/usr/bin/rtpengine') ? undefined : 'rtpengine not found (apt-get install rtpengine-daemon)') ??
  (existsSync('/usr/bin/espeak-ng') ? undefined : 'espeak-ng not found (the IVR flow renders its prompt)');
if (browserReason !== undefined) console.warn(`skipping the softphone page test: ${browserReason}`);

/** Until src/app.ts passes CtiContext.sipWsPort, /v1/web/config answers the config's port (0 in tests): point it at the bound one. */
async function useBoundSipWsPort(t: TestServer): Promise<void> {
  const cfg = (await (await fetch(`http://127.0.0.1:${t.httpPort}/v1/web/config`)).json()) as { sipWsUrl: string };
  if (new URL(cfg.sipWsUrl).port !== String(t.wsPort)) {
    console.warn(`/v1/web/config gave ${cfg.sipWsUrl} (src/app.ts does not pass sipWsPort yet): using config.sip.wsPort = ${t.wsPort}`);
    t.config.sip.wsPort = t.wsPort;
  }
}

/** The flow: account data set, a menu (2: technical support), the support queue. */
const FLOW = `id: websupport
version: 7
start: greet
variables: { brand: example }
nodes:
  greet: { type: set, values: { account: "ACME-4711", customer_tier: gold }, next: main }
  main:
    type: menu
    variable: reason
    prompt: { tts: "For billing, press 1. For technical support, press 2." }
    choices: { "1": billing, "2": technical }
    timeoutSeconds: 6
    maxRetries: 1
    onFailure: technical
  billing: { type: set, values: { topic: billing }, next: queue }
  technical: { type: set, values: { topic: technical }, next: queue }
  queue: { type: queue, queue: support, onFailure: bye }
  bye: { type: hangup }
`;

function supportQueue(): QueueConfig {
  return {
    id: 'support',
    name: 'Support',
    requirement: { allOf: [], anyOf: [] },
    members: ['1002'],
    strategy: 'longest-idle',
    priority: 0,
    maxWaitSeconds: 120,
    maxLength: 0,
    serviceLevelSeconds: 20,
    ringTimeoutSeconds: 30,
    // long enough that the agent ends it with the button, not the clock
    wrapUpSeconds: 600,
    announcements: { music: 'hold-music', positionEverySeconds: 0, estimatedWait: false },
    escalation: [],
    overflow: {},
  };
}

async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 20_000 });
}

async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

describe('the web pages and their files, as the server serves them', () => {
  let t: TestServer;
  const base = (): string => `http://127.0.0.1:${t.httpPort}`;

  beforeAll(async () => {
    t = await startTestServer();
    await useBoundSipWsPort(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('GET /softphone and /wallboard: HTML with a CSP that allows only this server’s scripts and ws: connections; every script is a file', async () => {
    for (const path of ['/softphone', '/wallboard']) {
      const res = await fetch(base() + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toMatch(/connect-src 'self' ws: wss:/);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const s of scripts) expect(s).toMatch(/\ssrc="\/web\/[a-z-]+\.js"/);
      expect(html).not.toMatch(/\son[a-z]+=/i); // no inline handlers
    }
  });

  it('GET /web/<file>: the allowlisted scripts and style sheet with their content types and an ETag; anything else, traversal included, is a 404', async () => {
    const types: Record<string, string> = {
      'softphone.js': 'text/javascript; charset=utf-8',
      'wallboard.js': 'text/javascript; charset=utf-8',
      'cti-client.js': 'text/javascript; charset=utf-8',
      'style.css': 'text/css; charset=utf-8',
    };
    for (const [file, type] of Object.entries(types)) {
      const res = await fetch(`${base()}/web/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      const etag = res.headers.get('etag');
      expect(etag).toMatch(/^".+"$/);
      expect((await fetch(`${base()}/web/${file}`, { headers: { 'if-none-match': etag! } })).status).toBe(304);
    }
    for (const path of ['/web/routes.ts', '/web/softphone.html', '/web/..%2Froutes.ts', '/web/%2e%2e%2f%2e%2e%2fpackage.json', '/web/../../package.json', '/web/vendor', '/web/constructor', '/web/__proto__']) {
      const res = await fetch(base() + path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });

  it('GET /web/jssip.js: JsSIP bundled for the browser once (global JsSIP), then the same bytes from memory', async () => {
    const res = await fetch(`${base()}/web/jssip.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const js = await res.text();
    expect(js.length).toBeGreaterThan(100_000);
    expect(js).toMatch(/var JsSIP\s*=/);
    const again = await fetch(`${base()}/web/jssip.js`);
    expect(again.headers.get('etag')).toBe(res.headers.get('etag'));
  });

  it('GET /v1/web/config (no token): the SIP WebSocket on the host the browser used, the bound port, the realm and tenant', async () => {
    const res = await fetch(`${base()}/v1/web/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sipWsUrl: `ws://127.0.0.1:${t.wsPort}`, realm: 'hotline.example', tenant: 'test' });
    const viaName = (await t.server.http.inject({ url: '/v1/web/config', headers: { host: 'pbx.example.test:8080' } })).json<{ sipWsUrl: string }>();
    expect(viaName.sipWsUrl).toBe(`ws://pbx.example.test:${t.wsPort}`);
    const odd = (await t.server.http.inject({ url: '/v1/web/config', headers: { host: 'evil.test/x?y' } })).json<{ sipWsUrl: string }>();
    expect(odd.sipWsUrl).toBe(`ws://${t.config.sip.publicHost}:${t.wsPort}`);
  });

  it('the files are found beside the module, and from dist/src/web in the source tree (tsc does not copy them)', () => {
    expect(webFileCandidates('style.css', 'file:///repo/dist/src/web/routes.js').map((u) => u.pathname)).toEqual(['/repo/dist/src/web/style.css', '/repo/src/web/style.css']);
    expect(webFileCandidates('style.css', 'file:///repo/src/web/routes.ts').map((u) => u.pathname)).toEqual(['/repo/src/web/style.css']);
  });
});

describe.skipIf(browserReason !== undefined)('the softphone page in Chromium with a real call', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let flowsDir: string;
  let speech: string;
  const pageLog: string[] = [];

  const state = (id: string): string | undefined => t.server.acd.agent(id)?.state;
  const text = async (testid: string): Promise<string> => ((await page.getByTestId(testid).textContent()) ?? '').trim();
  const attr = async (testid: string, name: string): Promise<string | null> => page.getByTestId(testid).getAttribute(name);
  const logged = async (type: string): Promise<number> => page.locator(`#event-log li[data-type="${type}"]`).count();
  const variable = async (name: string): Promise<string | null> => page.locator(`#call-variables tr[data-var="${name}"] td`).nth(1).textContent();

  beforeAll(async () => {
    flowsDir = mkdtempSync(join(tmpdir(), 'hotline-web-flows-'));
    writeFileSync(join(flowsDir, 'websupport.yaml'), FLOW);
    const ngPort = await freePort();
    const { min, max } = mediaPorts().rtpengine;
    t = await startTestServer({
      digitTimeoutMs: 3000,
      acdTickMs: 200,
      configure: (c: Config) => {
        c.media.rtpengine = { enabled: true, spawn: true, ng: `127.0.0.1:${ngPort}`, interface: '127.0.0.1', portMin: min, portMax: max };
        c.queues = [supportQueue()];
        c.acd = { ...c.acd, hotlineMenu: {}, hotlineDefaultQueue: 'support' };
        c.ivr = { dir: flowsDir, numbers: { '100': 'websupport' }, watch: false, cacheDir: resolve('data/test-prompts/cache') };
      },
    });
    await useBoundSipWsPort(t);
    speech = join(t.dataDir, 'speech.pcap');
    writeSpeechPcap(speech, join(t.dataDir, 'speech.wav'), 'Hello, my internet connection drops every evening since last week. Can you help me please?');
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
    page = await context.newPage();
    page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`));
  }, 60_000);
  afterAll(async () => {
    if (pageLog.length > 0 && process.env.HARNESS_DEBUG === '1') console.log(pageLog.join('\n'));
    await browser?.close();
    await t?.stop();
    if (flowsDir !== undefined) rmSync(flowsDir, { recursive: true, force: true });
  });

  it('agent logs in on the softphone, goes ready, answers a sipp caller, sees the IVR variables, holds, sends a digit, hangs up and wraps up → back to ready', async () => {
    const fail = (what: string): string => `${what}\n--- page console ---\n${pageLog.slice(-40).join('\n')}`;
    await page.goto(`http://127.0.0.1:${t.httpPort}/softphone`);
    await page.getByTestId('agent-id').fill('1002');
    await page.getByTestId('password').fill(t.agentPassword('1002'));
    await page.getByTestId('login-button').click();

    // phone registered over the SIP WebSocket, logged into the ACD not ready, events live
    await expect.poll(() => attr('sip-status', 'data-status'), { timeout: 15_000, message: fail('phone registered') }).toBe('registered');
    await expect.poll(() => state('1002'), { timeout: 10_000 }).toBe('paused');
    expect(t.server.acd.agent('1002')?.reason).toBe('login');
    await expect.poll(() => attr('agent-state', 'data-state')).toBe('paused');
    await expect.poll(() => attr('cti-status', 'data-status')).toBe('live');
    expect((await t.server.registrar.lookup('1002')).length).toBe(1);
    await shot(page, 'softphone-1-logged-in.png');

    await page.getByTestId('btn-ready').click();
    await expect.poll(() => state('1002')).toBe('available');
    await expect.poll(() => attr('agent-state', 'data-state')).toBe('available');
    await expect.poll(() => logged('agent.ready')).toBeGreaterThan(0);

    // the caller: the flow sets account data, the caller presses 2, the support queue rings 1002
    const caller = runSipp({
      target: `127.0.0.1:${t.sipPort}`,
      scenario: 'acd-caller-until-bye.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 90,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_2.pcap`, audio_pcap: speech },
      extra: ['-mp', String(await freePort())],
    });
    await expect.poll(() => attr('call-popup', 'data-call-state'), { timeout: 20_000, message: fail('incoming call popup') }).toBe('ringing');
    expect(state('1002')).toBe('ringing');
    await expect.poll(() => variable('topic'), { timeout: 5000, message: fail('variables from call.delivered') }).toBe('technical');
    expect(await text('call-caller')).toContain('+15550100');
    expect(await variable('reason')).toBe('2');
    expect(await variable('account')).toBe('ACME-4711');
    expect(await variable('customer_tier')).toBe('gold');
    expect(await variable('brand')).toBe('example');
    expect(await variable('ivr_flow')).toBe('websupport');
    expect(await text('call-queue')).toBe('queue support');
    const callId = await attr('call-popup', 'data-call-id');
    expect(callId).toBeTruthy();
    expect(await page.getByTestId('btn-answer').isEnabled()).toBe(true);
    await shot(page, 'softphone-2-ringing.png');

    await page.getByTestId('btn-answer').click();
    await expect.poll(() => state('1002'), { timeout: 10_000 }).toBe('on-call');
    await expect.poll(() => attr('call-popup', 'data-call-state')).toBe('talking');
    await expect.poll(() => logged('call.established'), { timeout: 5000 }).toBeGreaterThan(0);
    // the call timer runs; audio both ways (the page's getStats counters)
    await expect.poll(() => text('call-timer'), { timeout: 10_000 }).not.toBe('00:00');
    await expect.poll(async () => Number(await attr('call-audio', 'data-packets-in')), { timeout: 10_000, message: fail('audio from the caller') }).toBeGreaterThan(50);
    await expect.poll(async () => Number(await attr('call-audio', 'data-packets-out')), { timeout: 10_000, message: fail('audio to the caller') }).toBeGreaterThan(50);
    await shot(page, 'softphone-3-talking.png');

    // hold and retrieve from the phone (re-INVITE): the server holds the caller and says so
    await page.getByTestId('btn-hold').click();
    await expect.poll(() => t.server.calls.calls.get(callId!)?.state, { timeout: 10_000, message: fail('server hold') }).toBe('held');
    await expect.poll(() => logged('call.held'), { timeout: 5000 }).toBeGreaterThan(0);
    await expect.poll(() => text('btn-hold')).toBe('Retrieve');
    await shot(page, 'softphone-4-held.png');
    await page.getByTestId('btn-hold').click();
    await expect.poll(() => t.server.calls.calls.get(callId!)?.state, { timeout: 10_000 }).toBe('connected');
    await expect.poll(() => logged('call.retrieved'), { timeout: 5000 }).toBeGreaterThan(0);

    // a digit from the keypad (SIP INFO) reaches the server as the agent's
    await page.locator('#keypad button[data-digit="5"]').click();
    await expect.poll(() => page.locator('#event-log li[data-type="call.dtmf"]').first().textContent(), { timeout: 5000, message: fail('call.dtmf') }).toContain('digit 5 from agent');

    // hang up: the caller gets BYE, the agent is in wrap-up with the call still on screen
    await page.getByTestId('btn-hangup').click();
    const run = await caller;
    if (run.code !== 0) console.error(run.errors || run.stderr);
    expect(run.code).toBe(0);
    await expect.poll(() => state('1002'), { timeout: 10_000 }).toBe('wrap-up');
    await expect.poll(() => attr('agent-state', 'data-state')).toBe('wrap-up');
    await expect.poll(() => attr('call-popup', 'data-call-state')).toBe('ended');
    await expect.poll(() => logged('call.cleared'), { timeout: 5000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('btn-wrap-up-done').isEnabled()).toBe(true);
    const frozen = await text('call-timer');
    await new Promise((r) => setTimeout(r, 1200));
    expect(await text('call-timer')).toBe(frozen);
    await shot(page, 'softphone-5-wrap-up.png');

    await page.getByTestId('btn-wrap-up-done').click();
    await expect.poll(() => state('1002')).toBe('available');
    await expect.poll(() => attr('agent-state', 'data-state')).toBe('available');
    await expect.poll(() => page.getByTestId('call-popup').isHidden()).toBe(true);
    for (const type of ['call.delivered', 'call.established', 'call.cleared', 'agent.wrapUp']) expect(await logged(type), type).toBeGreaterThan(0);
    await shot(page, 'softphone-6-ready-again.png');
  }, 120_000);

  it('agent answers the next caller and transfers it to 1003 from the page (REST, or SIP REFER where the route is missing) → 1003’s sipp phone talks with the caller, 1002 wraps up', async () => {
    const fail = (what: string): string => `${what}\n--- page console ---\n${pageLog.slice(-40).join('\n')}`;
    expect(state('1002')).toBe('available');
    const port1003 = await freePort();
    const reg = await runSipp({ target: `127.0.0.1:${t.sipPort}`, scenario: 'register.xml', service: '1003', auth: { username: '1003', password: t.agentPassword('1003') }, localPort: port1003 });
    expect(reg.code, reg.errors).toBe(0);
    const phone1003 = runSipp({ target: `127.0.0.1:${t.sipPort}`, scenario: 'agent-phone-talk.xml', service: '1003', localPort: port1003, timeoutSec: 60, keys: { audio_pcap: speech }, extra: ['-mp', String(await freePort())] });
    // this caller hangs up 12 s after pressing 2 (talking with 1003 by then)
    const caller = runSipp({
      target: `127.0.0.1:${t.sipPort}`,
      scenario: 'acd-caller.xml',
      service: '100',
      localPort: await freePort(),
      timeoutSec: 60,
      keys: { dtmf_pcap: `${PCAPS}/dtmf_2833_2.pcap`, audio_pcap: speech },
      extra: ['-mp', String(await freePort()), '-d', '12000'],
    });
    await expect.poll(() => attr('call-popup', 'data-call-state'), { timeout: 20_000, message: fail('second call rings') }).toBe('ringing');
    const callId = await attr('call-popup', 'data-call-id');
    await page.getByTestId('btn-answer').click();
    await expect.poll(() => state('1002'), { timeout: 10_000 }).toBe('on-call');
    await expect.poll(() => page.getByTestId('btn-transfer').isEnabled()).toBe(true);

    await page.getByTestId('transfer-to').fill('1003');
    await page.getByTestId('btn-transfer').click();
    await expect.poll(() => t.server.calls.calls.get(callId!)?.agentLeg?.party, { timeout: 15_000, message: fail('call with 1003') }).toBe('1003');
    // REST answers 202 ("Transferred to 1003"); over REFER the phone reports the NOTIFY ("Transfer to 1003 accepted")
    await expect.poll(() => text('call-message'), { timeout: 5000 }).toMatch(/^Transfer(red)? to 1003( accepted)?$/);
    await expect.poll(() => state('1002'), { timeout: 10_000 }).toBe('wrap-up');
    await expect.poll(() => attr('call-popup', 'data-call-state')).toBe('ended');
    await shot(page, 'softphone-7-transferred.png');

    const [c, p] = await Promise.all([caller, phone1003]);
    if (c.code !== 0) console.error('caller', c.errors || c.stderr);
    if (p.code !== 0) console.error('1003 phone', p.errors || p.stderr);
    expect(c.code).toBe(0);
    expect(p.code).toBe(0);
    await page.getByTestId('btn-wrap-up-done').click();
    await expect.poll(() => state('1002')).toBe('available');
  }, 90_000);

  it('the event stream drops → the page reconnects and resumes after the last event it saw: the state change it missed is replayed once', async () => {
    expect(state('1002')).toBe('available');
    await expect.poll(() => attr('cti-status', 'data-status')).toBe('live');
    const before = await logged('agent.notReady');
    const wss = (t.server.http as unknown as { websocketServer: { clients: Set<{ terminate(): void }> } }).websocketServer;
    expect(wss.clients.size).toBe(1);
    for (const ws of wss.clients) ws.terminate();
    // while the page has no stream: a supervisor's pause, say
    await t.server.acd.pause('1002', 'meeting');
    await expect.poll(() => logged('stream.resumed'), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('#event-log li[data-type="stream.resumed"]').textContent()).toMatch(/replayed [1-9]/);
    await expect.poll(() => text('agent-state')).toBe('Not ready — meeting');
    expect(await logged('agent.notReady')).toBe(before + 1);
    expect(await attr('cti-status', 'data-status')).toBe('live');
    await page.getByTestId('btn-ready').click();
    await expect.poll(() => state('1002')).toBe('available');
  }, 30_000);

  it('agent takes a lunch break, then logs out → the ACD logs it out, the phone unregisters, the login form is back', async () => {
    await page.getByTestId('not-ready-reason').selectOption('lunch');
    await page.getByTestId('btn-not-ready').click();
    await expect.poll(() => state('1002')).toBe('paused');
    expect(t.server.acd.agent('1002')?.reason).toBe('lunch');
    await expect.poll(() => text('agent-state')).toBe('Not ready — lunch');
    await page.getByTestId('btn-logout').click();
    await expect.poll(() => state('1002')).toBe('logged-out');
    await expect.poll(() => page.getByTestId('login-view').isVisible()).toBe(true);
    await expect.poll(async () => (await t.server.registrar.lookup('1002')).length, { timeout: 10_000 }).toBe(0);
  }, 30_000);

  it('a wrong password is refused on the page, and nothing registers', async () => {
    await page.getByTestId('agent-id').fill('1002');
    await page.getByTestId('password').fill('not-the-password');
    await page.getByTestId('login-button').click();
    await expect.poll(() => text('login-error')).toMatch(/not accepted/);
    expect(await page.getByTestId('agent-view').isHidden()).toBe(true);
    expect((await t.server.registrar.lookup('1002')).length).toBe(0);
    expect(state('1002') ?? 'logged-out').toBe('logged-out');
  }, 20_000);
});
