/**
 * The wallboard's Recordings panel in real Chromium: supervisor 1004 (team
 * east) searches (only east's recordings come back, never west's), filters by
 * agent, disposition and caller prefix, plays one — the <audio> element loads
 * it through a playback ticket URL — and downloads one; both are in the
 * audit trail as agent:1004. Recording rows and WAV files are written
 * directly (RecordingStore.save), no calls are made.
 *
 * Screenshots go to test-output/ (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchPage, skipReason } from '../support/browser.js';
import { addCdr, addRecording, wavBytes } from '../support/recordings.js';
import type { Config, QueueConfig } from '../../src/config/schema.js';

const OUT = resolve('test-output');
const reason = skipReason();
if (reason !== undefined) console.warn(`skipping the recordings page test: ${reason}`);

function salesQueue(): QueueConfig {
  return {
    id: 'sales',
    name: 'Sales',
    requirement: { allOf: [], anyOf: [] },
    strategy: 'longest-idle',
    priority: 0,
    maxWaitSeconds: 120,
    maxLength: 0,
    serviceLevelSeconds: 20,
    announcements: { positionEverySeconds: 0, estimatedWait: false },
    escalation: [],
    overflow: {},
  };
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

describe.skipIf(reason !== undefined)('the wallboard Recordings panel in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let pageLog: string[] = [];
  const ids: Record<string, string> = {};

  const audits = async (recordingId: string): Promise<{ action: string; principal: string; byte_range: string }[]> =>
    (await t.server.db()!.query<{ action: string; principal: string; byte_range: string }>('SELECT action, principal, byte_range FROM recording_audit WHERE recording_id = $1 ORDER BY id', [recordingId])).rows;
  // (page-side code as strings: the test project has no DOM types)
  const shownIds = (): Promise<string[]> => page.evaluate<string[]>(`[...document.querySelectorAll('#rec-results tbody tr')].map((r) => r.getAttribute('data-recording'))`);
  const optionValues = (select: string): Promise<string[]> => page.evaluate<string[]>(`[...document.querySelectorAll('${select} option')].map((o) => o.value)`);
  const fail = (what: string): string => `${what}\n--- page console ---\n${pageLog.slice(-40).join('\n')}`;

  beforeAll(async () => {
    t = await startTestServer({
      configure: (c: Config) => {
        c.queues = [salesQueue()];
        c.acd = { ...c.acd, hotlineDefaultQueue: 'sales' };
      },
    });
    const db = t.server.db();
    if (db === undefined) throw new Error('test server has no database');
    const dir = join(t.dataDir, 'recordings');
    mkdirSync(dir, { recursive: true });
    const hour = 3_600_000;
    const add = async (name: string, o: Parameters<typeof addRecording>[2], disposition: string): Promise<void> => {
      const rec = await addRecording(t.server.recordings, dir, o);
      ids[name] = rec.id;
      await addCdr(db, rec.callId, disposition);
    };
    await add('alice', { agentId: '1001', queue: 'sales', callerNumber: '+15551110001', startedAt: new Date(Date.now() - 3 * hour), durationMs: 2000, audio: wavBytes(2000) }, 'answered');
    await add('bob', { agentId: '1002', queue: 'sales', callerNumber: '+15552220002', startedAt: new Date(Date.now() - 2 * hour), durationMs: 1500, audio: wavBytes(1500) }, 'transferred');
    await add('carol', { agentId: '1003', queue: 'sales', callerNumber: '+15551110003', startedAt: new Date(Date.now() - 1 * hour), durationMs: 1000, audio: wavBytes(1000) }, 'answered');

    ({ browser, page, log: pageLog } = await launchPage({ width: 1400, height: 1000, acceptDownloads: true }));
  }, 60_000);
  afterAll(async () => {
    if (process.env.HARNESS_DEBUG === '1') console.log(pageLog.join('\n'));
    await browser?.close();
    await t?.stop();
  });

  it('supervisor 1004 searches: team east’s recordings only (not west’s 1003), newest first; filters by agent + disposition and by caller prefix narrow it', async () => {
    await page.goto(`http://127.0.0.1:${t.httpPort}/wallboard`);
    await page.getByTestId('agent-id').fill('1004');
    await page.getByTestId('password').fill(t.agentPassword('1004'));
    await page.getByTestId('login-button').click();
    await expect.poll(() => page.getByTestId('board-view').isVisible(), { message: fail('board shown') }).toBe(true);
    await expect.poll(() => page.getByTestId('recordings').isVisible()).toBe(true);
    // the filter lists: the supervisor's agents (and itself), the queues
    expect(await optionValues('#rec-agent')).toEqual(['', '1001', '1002', '1004']);
    expect(await optionValues('#rec-queue')).toEqual(['', 'sales']);

    await page.getByTestId('rec-search').click();
    await expect.poll(shownIds, { message: fail('results') }).toEqual([ids.bob, ids.alice]);
    expect(await page.getByTestId(`rec-${ids.alice!}`).locator('.rec-caller').textContent()).toBe('+15551110001');
    expect(await page.getByTestId(`rec-${ids.alice!}`).locator('.rec-disposition').textContent()).toBe('answered');
    expect(await page.getByTestId(`rec-${ids.alice!}`).locator('.rec-duration').textContent()).toBe('00:02');
    expect(await page.getByTestId('rec-message').textContent()).toBe('2 recordings');

    await page.getByTestId('rec-agent').selectOption('1001');
    await page.getByTestId('rec-disposition').selectOption('answered');
    await page.getByTestId('rec-search').click();
    await expect.poll(shownIds).toEqual([ids.alice]);

    await page.getByTestId('rec-agent').selectOption('');
    await page.getByTestId('rec-disposition').selectOption('');
    await page.getByTestId('rec-caller').fill('+1555222*');
    await page.getByTestId('rec-search').click();
    await expect.poll(shownIds).toEqual([ids.bob]);
    await page.getByTestId('rec-caller').fill('+15551110003'); // carol's caller: west, not this supervisor's
    await page.getByTestId('rec-search').click();
    await expect.poll(() => page.getByTestId('rec-message').textContent()).toBe('No recordings match.');
    expect(await shownIds()).toEqual([]);
  }, 60_000);

  it('Play: the <audio> element loads the recording from a ticket URL (duration ≈ 2 s) and the listen is audited as agent:1004; Download saves <id>.wav, audited as a download', async () => {
    await page.getByTestId('rec-caller').fill('');
    await page.getByTestId('rec-search').click();
    await expect.poll(shownIds).toEqual([ids.bob, ids.alice]);

    await page.getByTestId(`rec-play-${ids.alice!}`).click();
    // loadedmetadata: the browser fetched the WAV header through the ticket URL
    // (polled from here: waitForFunction with a string would need 'unsafe-eval', which the page's CSP forbids)
    const player = (): Promise<{ src: string; readyState: number; seconds: number }> =>
      page.evaluate(`(() => { const a = document.getElementById('rec-player'); return { src: a.currentSrc, readyState: a.readyState, seconds: Number.isFinite(a.duration) ? a.duration : 0 }; })()`);
    await expect.poll(async () => { const p = await player(); return p.readyState >= 1 && p.seconds > 0; }, { timeout: 10_000, message: fail('audio loaded') }).toBe(true);
    const { src, seconds } = await player();
    expect(src).toMatch(new RegExp(`/v1/recordings/${ids.alice!}/audio\\?ticket=`));
    expect(seconds).toBeGreaterThan(1.9);
    expect(seconds).toBeLessThan(2.1);
    expect(await page.getByTestId(`rec-${ids.alice!}`).getAttribute('class')).toContain('playing');
    await expect.poll(async () => (await audits(ids.alice!)).length, { message: fail('listen audited') }).toBeGreaterThan(0);
    for (const a of await audits(ids.alice!)) expect(a).toMatchObject({ action: 'listen', principal: 'agent:1004' });
    await shot(page, 'wallboard-recordings-playing.png');

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.getByTestId(`rec-download-${ids.bob!}`).click()]);
    expect(download.suggestedFilename()).toBe(`${ids.bob!}.wav`);
    const saved = await download.path();
    expect(saved).toBeTruthy();
    await expect.poll(async () => (await audits(ids.bob!)).map((a) => [a.action, a.principal])).toEqual([['download', 'agent:1004']]);
    expect((await audits(ids.carol!)).length).toBe(0);
  }, 60_000);

  it('logging out clears the panel and stops the player', async () => {
    await page.getByTestId('btn-logout').click();
    await expect.poll(() => page.getByTestId('login-view').isVisible()).toBe(true);
    expect(await page.getByTestId('recordings').isHidden()).toBe(true);
    expect(await shownIds()).toEqual([]);
    expect(await page.getByTestId('rec-player').getAttribute('src')).toBeNull();
  });
});
