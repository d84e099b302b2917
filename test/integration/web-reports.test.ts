/**
 * The reports page served by the server, in real Chromium, over a known day:
 * the scripted morning of test/support/fixture-day.ts (Friday 15 March 2024,
 * Europe/Berlin; figures worked out by hand there), plus one call on the
 * Saturday (c9, below, for the several-days totals), goes through the
 * server's own ACD store and call log, and its records ingester copies it
 * into the server's PostgreSQL schema. Then:
 *
 *   - agent 1002 (no supervisor scope) is refused with the API's coded error;
 *   - supervisor 1004 picks 15 March, per hour: the 09:00 row of sales, the
 *     day totals (the API's day row), the SVG charts, the CSV download; it
 *     sees no agent rows (a1 and a2 are not in the team it supervises);
 *   - an admin API key sees a1 and a2 in the agents table;
 *   - 14–16 March per day: summed counts, SL recomputed, the means per day;
 *   - a range too large for 15-minute intervals: the coded error is shown.
 *
 * Screenshots go to test-output/ (printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Value } from '@sinclair/typebox/value';
import { QueueSchema } from '../../src/config/acd-schema.js';
import type { Config, QueueConfig } from '../../src/config/schema.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchPage, skipReason } from '../support/browser.js';
import { runScript, type ScriptedCall } from '../support/scripted-calls.js';
import { AGENTS, CALLS, DAY, EXPECTED, SL_SECONDS, TZ } from '../support/fixture-day.js';

const OUT = resolve('test-output');
const reason = skipReason();
if (reason !== undefined) console.warn(`skipping the reports page test: ${reason}`);

/** A queue with every default of the schema applied, as the config loader would. */
const queue = (id: string, name: string): QueueConfig => Value.Default(QueueSchema, { id, name, serviceLevelSeconds: SL_SECONDS[id] }) as QueueConfig;

async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

/**
 * Saturday 16 March: a1 works 08:55–17:00 and answers one sales call at 10:00
 * after 10 s (talk 60 s, wrap-up 5 s): sales that day offered 1, answered 1
 * within 20 s (SL 100 %), ASA 10 s, AHT 65 s, FCR 100 % (a new number).
 */
const SATURDAY = Date.parse('2024-03-16T00:00:00+01:00');
const C9: ScriptedCall = { callId: 'c9', queue: 'sales', caller: '+4930999', at: SATURDAY + 10 * 3_600_000, answer: { agent: 'a1', afterMs: 10_000, talkMs: 60_000, wrapMs: 5_000 } };
const A1_SATURDAY = { id: 'a1', from: SATURDAY + 8 * 3_600_000 + 55 * 60_000, until: SATURDAY + 17 * 3_600_000 };

interface AgentRow {
  agentId: string;
  occupancyPct: number | null;
  utilisationPct: number | null;
  answered: number;
  ahtMs: number | null;
}

describe.skipIf(reason !== undefined)('the reports page in Chromium over a scripted day', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let pageLog: string[] = [];
  const fail = (what: string): string => `${what}\n--- page console ---\n${pageLog.slice(-40).join('\n')}`;

  const text = async (testid: string, col?: string): Promise<string> => {
    const base = page.getByTestId(testid);
    return ((await (col === undefined ? base : base.locator(`[data-col="${col}"]`)).textContent()) ?? '').trim();
  };
  const cells = async (testid: string, cols: string[]): Promise<Record<string, string>> =>
    Object.fromEntries(await Promise.all(cols.map(async (c) => [c, await text(testid, c)] as const)));
  /** page-side code as strings: the test project has no DOM types */
  const count = (selector: string): Promise<number> => page.evaluate<number>(`document.querySelectorAll(${JSON.stringify(selector)}).length`);
  const attr = (selector: string, name: string): Promise<string | null> =>
    page.evaluate<string | null>(`document.querySelector(${JSON.stringify(selector)})?.getAttribute(${JSON.stringify(name)}) ?? null`);

  const openAs = async (who: { agentId: string } | { apiKey: string }): Promise<void> => {
    await page.goto(`http://127.0.0.1:${t.httpPort}/reports`);
    await expect.poll(() => attr('body', 'data-ready')).toBe('true');
    if ('agentId' in who) {
      await page.getByTestId('agent-id').fill(who.agentId);
      await page.getByTestId('password').fill(t.agentPassword(who.agentId));
      await page.getByTestId('login-button').click();
    } else {
      await page.locator('details.key-login summary').click();
      await page.getByTestId('api-key').fill(who.apiKey);
      await page.getByTestId('key-button').click();
    }
  };
  /** Fill the form and show; resolves once the page says the report is drawn. */
  const show = async (from: string, to: string, interval: string): Promise<void> => {
    await expect.poll(() => page.getByTestId('report-view').isVisible(), { message: fail('report view') }).toBe(true);
    await page.getByTestId('from-date').fill(from);
    await page.getByTestId('to-date').fill(to);
    await page.getByTestId('interval').selectOption(interval);
    await page.getByTestId('show-button').click();
    const range = from === to ? from : `${from} to ${to}`;
    await expect.poll(async () => `${await attr('#results', 'data-state')} ${await text('report-status')}`, { timeout: 10_000, message: fail(`report ${range}`) }).toMatch(new RegExp(`^ready ${range}, per ${interval}`));
  };
  const download = async (testid: string): Promise<{ name: string; body: string }> => {
    const [d] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.getByTestId(testid).click()]);
    const path = await d.path();
    return { name: d.suggestedFilename(), body: readFileSync(path, 'utf8') };
  };
  const agentReport = async (): Promise<AgentRow[]> => {
    const res = await fetch(`http://127.0.0.1:${t.httpPort}/v1/reports/agents?from=${new Date(DAY).toISOString()}&to=${new Date(DAY + 24 * 3_600_000).toISOString()}&interval=day`, {
      headers: { authorization: `Bearer ${await t.token('admin')}` },
    });
    return ((await res.json()) as { rows: AgentRow[] }).rows;
  };

  beforeAll(async () => {
    t = await startTestServer({
      configure: (c: Config) => {
        c.queues = [queue('sales', 'Sales'), queue('support', 'Support')];
        c.reports.timeZone = TZ;
      },
    });
    // the script drives the ACD store with 2024 clock values: the server's own ACD loop (real-time sweeps of
    // wrap-ups, routing to free agents) must not act on them meanwhile
    await t.server.acd.stop();
    await runScript([...CALLS, C9], { store: t.server.acd.store, callLog: t.server.records.callLog, agents: [...AGENTS, A1_SATURDAY] });
    await t.server.records.ingester.runOnce();
    ({ browser, page, log: pageLog } = await launchPage({ width: 1400, height: 900, acceptDownloads: true }));
  }, 60_000);
  afterAll(async () => {
    if (process.env.HARNESS_DEBUG === '1') console.log(pageLog.join('\n'));
    await browser?.close();
    await t?.stop();
  });

  it('GET /reports: the page with the strict CSP; its script is on the allowlist', async () => {
    const res = await fetch(`http://127.0.0.1:${t.httpPort}/reports`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/web/reports.js"></script>');
    expect(html).not.toMatch(/<script>|<style|style="/);
    const js = await fetch(`http://127.0.0.1:${t.httpPort}/web/reports.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).not.toMatch(/\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write/);
  });

  it('agent 1002 (no supervisor scope) → refused, with the API error code and message', async () => {
    await openAs({ agentId: '1002' });
    await expect.poll(() => text('login-error'), { message: fail('login error') }).toMatch(/^CTI_FORBIDDEN: Needs scope supervisor.*needs a supervisor login/);
    expect(await page.getByTestId('report-view').isHidden()).toBe(true);
  });

  it('supervisor 1004, 15 March per hour → the 09:00 row of sales, the day totals (SL 42.9 %, ASA 23.4 s), bar and service-level charts, a CSV download; no agent rows (a1 and a2 are not its team)', async () => {
    await openAs({ agentId: '1004' });
    await expect.poll(() => page.getByTestId('report-view').isVisible(), { message: fail('report view') }).toBe(true);
    expect(await text('tz')).toBe(TZ);
    expect(await text('who')).toBe('Supervisor 1004 · east');
    // today's report on the call center's clock by default, every queue picked
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    expect(await page.getByTestId('from-date').inputValue()).toBe(today);
    expect(await count('#queue-picker input:checked')).toBe(2);

    await show('2024-03-15', '2024-03-15', 'hour');
    // 09:00: c1 c2 c3 c4 c5 c6 → 6 offered, 4 answered, 2 abandoned; within 20 s c1 and c2 → 2 of 6
    expect(await cells('row-sales-09:00', ['offered', 'answered', 'abandoned', 'sl', 'transfers'])).toEqual({ offered: '6', answered: '4', abandoned: '2', sl: '33.3', transfers: '1' });
    expect(await cells('row-sales-10:00', ['offered', 'answered', 'sl', 'asa'])).toEqual({ offered: '1', answered: '1', sl: '100.0', asa: '5.0' });
    // only the hours with calls are rows (hide-empty is on by default)
    expect(await count('[data-testid="table-sales"] tbody tr')).toBe(2);
    // the day totals: the API's day row, as worked out by hand in the fixture
    const s = EXPECTED.sales;
    expect(await cells('total-sales', ['offered', 'answered', 'abandoned', 'sl', 'abandonRate', 'asa', 'aht', 'longest', 'transfers', 'fcr'])).toEqual({
      offered: String(s.offered),
      answered: String(s.answered),
      abandoned: String(s.abandoned),
      sl: '42.9',
      abandonRate: '16.7',
      asa: '23.4',
      aht: '81.0',
      longest: '00:55',
      transfers: '1',
      fcr: '80.0',
    });
    expect(await page.getByTestId('total-sales').locator('th').textContent()).toBe('Day total');
    expect(await text('kpi-sales-sl')).toBe('42.9 %');
    expect(await text('kpi-sales-asa')).toBe('23.4 s');
    expect(await attr('[data-testid="kpi-sales-sl"]', 'class')).toBe('value');
    expect(await page.getByTestId('kpi-sales-sl').locator('..').getAttribute('class')).toBe('kpi alert');
    // support: two overflows, nothing answered
    expect(await cells('total-support', ['offered', 'answered', 'sl', 'asa', 'longest'])).toEqual({ offered: '2', answered: '0', sl: '0.0', asa: '—', longest: '01:30' });

    // the charts: inline SVG with a title and label; bars per series, the SL points and the target line
    const volume = '[data-testid="chart-sales-volume"]';
    expect(await attr(volume, 'role')).toBe('img');
    expect(await attr(volume, 'aria-label')).toBe('Sales: offered, answered and abandoned calls per hour');
    expect(await page.evaluate<string>(`document.querySelector('${volume} > title').textContent`)).toBe('Sales: offered, answered and abandoned calls per hour');
    expect(await count(`${volume} rect.bar`)).toBe(5); // 09:00 offered, answered, abandoned; 10:00 offered, answered
    const nine = new Date(DAY + 9 * 3_600_000).toISOString();
    expect(await attr(`${volume} rect[data-series="offered"][data-interval="${nine}"]`, 'data-value')).toBe('6');
    expect(await attr(`${volume} rect[data-series="abandoned"][data-interval="${nine}"]`, 'data-value')).toBe('2');
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('${volume} .axis-title')].map((e) => e.textContent)`)).toEqual([`Interval start (${TZ})`, 'Calls']);
    const sl = '[data-testid="chart-sales-sl"]';
    expect(await attr(sl, 'aria-label')).toBe('Sales: service level % per hour against the 80 % target');
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('${sl} circle.point')].map((e) => e.getAttribute('data-value'))`)).toEqual(['33.3', '100']);
    expect(await count(`${sl} circle.point.below`)).toBe(1);
    expect(await attr(`${sl} line.target`, 'data-target')).toBe('80');
    expect(await count('[data-testid="chart-support-volume"] rect.bar')).toBe(2); // offered only: c6 at 09:06, c7 at 10:00
    expect(await count('svg.chart-svg')).toBe(4);

    // a1 and a2 are nobody's team: this supervisor sees no agent rows
    expect(await count('#agents-table tbody tr')).toBe(0);
    expect(await text('agents-note')).toMatch(/^No agent of yours/);

    const csv = await download('csv-queues');
    expect(csv.name).toBe('queues-hour-2024-03-15.csv');
    expect(csv.body.startsWith('queue,intervalStart,serviceLevelSeconds,offered,answered,answeredWithinSl,abandoned')).toBe(true);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 2 * 24); // a header, 24 hours of each queue
    expect(lines.find((l) => l.startsWith(`sales,${nine},`))).toMatch(/^sales,[^,]+,20,6,4,2,2,/);
    await shot(page, 'reports-1-supervisor-day-by-hour.png');
    expect(pageLog.filter((l) => /Content Security Policy|pageerror/.test(l))).toEqual([]);
  }, 60_000);

  it('an admin API key → the agents table has a1 and a2 for the day (occupancy, utilisation, answered, AHT as the API), and the agents CSV', async () => {
    const key = t.config.cti.apiKeys.find((k) => k.id === 'admin')!.key;
    await openAs({ apiKey: key });
    await show('2024-03-15', '2024-03-15', 'hour');
    expect(await text('who')).toBe('API key · admin');
    const api = await agentReport();
    expect(api.map((r) => r.agentId)).toEqual(['a1', 'a2']);
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('#agents-table tbody tr')].map((r) => r.getAttribute('data-agent'))`)).toEqual(['a1', 'a2']);
    for (const r of api) {
      const f = (v: number | null, d = 1): string => (v === null ? '—' : v.toFixed(d));
      expect(await cells(`agent-${r.agentId}`, ['day', 'occupancy', 'utilisation', 'answered', 'aht'])).toEqual({
        day: 'Fri 2024-03-15',
        occupancy: f(r.occupancyPct),
        utilisation: f(r.utilisationPct),
        answered: String(r.answered),
        aht: r.ahtMs === null ? '—' : (r.ahtMs / 1000).toFixed(1),
      });
    }
    // by hand: a1 answered c1 (155 s handled), c5 (30 s), c8 (50 s) → 78.3 s; a2 c2 (70 s) and c6 (100 s) → 85.0 s
    expect(await cells('agent-a1', ['answered', 'aht', 'transfers'])).toEqual({ answered: '3', aht: '78.3', transfers: '1' });
    expect(await cells('agent-a2', ['answered', 'aht'])).toEqual({ answered: '2', aht: '85.0' });
    expect(await text('agent-a1', 'staffed')).toBe('8:05:00'); // 08:55 to 17:00

    const csv = await download('csv-agents');
    expect(csv.name).toBe('agents-hour-2024-03-15.csv');
    expect(csv.body.startsWith('agentId,intervalStart,staffedMs,handlingMs,idleMs,pausedMs,occupancyPct,utilisationPct')).toBe(true);
    const nine = new Date(DAY + 9 * 3_600_000).toISOString();
    // a1's 09:00 hour, as worked out by hand in the fixture
    const a1 = EXPECTED.a1Hour9;
    expect(csv.body.split('\r\n').find((l) => l.startsWith(`a1,${nine},`))).toBe(`a1,${nine},${a1.staffedMs},${a1.handlingMs},${a1.idleMs},${a1.pausedMs},${a1.occupancyPct},${a1.utilisationPct},${a1.answered},1,150000,20000,15000,${a1.ahtMs}`);
    await shot(page, 'reports-2-admin-agents.png');
  }, 60_000);

  it('14–16 March per day → the totals line sums the counts and recomputes SL and abandon rate; ASA, AHT and FCR (calls on two days) are left to the days; a1 gets a total row and two day rows', async () => {
    await show('2024-03-14', '2024-03-16', 'day');
    expect(await count('[data-testid="table-sales"] tbody tr')).toBe(2); // the 14th had no calls
    expect(await cells('row-sales-Fri 2024-03-15', ['offered', 'sl', 'asa'])).toEqual({ offered: '7', sl: '42.9', asa: '23.4' });
    expect(await cells('row-sales-Sat 2024-03-16', ['offered', 'sl', 'asa', 'aht', 'fcr', 'longest'])).toEqual({ offered: '1', sl: '100.0', asa: '10.0', aht: '65.0', fcr: '100.0', longest: '00:10' });
    expect(await page.getByTestId('total-sales').locator('th').textContent()).toBe('Total, 3 days');
    // 8 offered, within 20 s c1 c2 c8 c9 → 4 of 8 = 50 %; abandon rate (2 − 1) ÷ (8 − 1) = 14.3 %
    expect(await cells('total-sales', ['offered', 'answered', 'abandoned', 'sl', 'abandonRate', 'asa', 'aht', 'fcr', 'longest', 'transfers'])).toEqual({
      offered: '8',
      answered: '6',
      abandoned: '2',
      sl: '50.0',
      abandonRate: '14.3',
      asa: 'per day',
      aht: 'per day',
      fcr: 'per day',
      longest: '00:55',
      transfers: '1',
    });
    expect(await text('kpi-sales-sl')).toBe('50.0 %');
    expect(await text('kpi-sales-asa')).toBe('per day');
    expect(await text('note-sales')).toMatch(/cannot be added up/);
    // support had calls on the 15th only: its means are that day's (null: nothing answered)
    expect(await cells('total-support', ['offered', 'sl', 'asa', 'longest'])).toEqual({ offered: '2', sl: '0.0', asa: '—', longest: '01:30' });
    expect(await text('note-support')).not.toMatch(/cannot be added up/);
    // the day axis of the chart: one group per day
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="chart-sales-volume"] .x-axis text')].map((e) => e.textContent)`)).toEqual(['03-14', '03-15', '03-16']);
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="chart-sales-sl"] circle.point')].map((e) => e.getAttribute('data-value'))`)).toEqual(['42.9', '100']);
    // a1 worked both days: a total row (times summed, occupancy and utilisation recomputed, AHT per day), then the days
    expect(await page.getByTestId('agent-a1').getAttribute('class')).toBe('total');
    // 15th: handling 235 s (c1 155, c5 30, c8 50); 16th: 65 s → 300 s of 16:10:00 staffed = 0.5 %
    expect(await cells('agent-a1', ['day', 'staffed', 'handling', 'occupancy', 'utilisation', 'answered', 'aht'])).toEqual({
      day: '2 days',
      staffed: '16:10:00',
      handling: '05:00',
      occupancy: '0.5',
      utilisation: '0.5',
      answered: '4',
      aht: 'per day',
    });
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll('#agents-table tr.sub[data-agent="a1"] [data-col="aht"]')].map((e) => e.textContent)`)).toEqual(['78.3', '65.0']);
    expect(await page.getByTestId('agent-a2').getAttribute('class')).toBe(''); // the 15th only
    await shot(page, 'reports-3-three-days-per-day.png');
  }, 60_000);

  it('a year in 15-minute intervals → the API refuses it; the page shows the code and the message', async () => {
    await page.getByTestId('from-date').fill('2023-01-01');
    await page.getByTestId('to-date').fill('2023-12-31');
    await page.getByTestId('interval').selectOption('15m');
    await page.getByTestId('show-button').click();
    await expect.poll(() => page.getByTestId('report-error').isVisible(), { timeout: 10_000, message: fail('error shown') }).toBe(true);
    expect(await text('report-error-code')).toBe('CTI_REPORT_QUERY_INVALID');
    expect(await text('report-error-message')).toMatch(/at most 10000 intervals/);
    expect(await attr('#results', 'data-state')).toBe('error');
    // the end before the start: said by the page, before any request
    await page.getByTestId('to-date').fill('2022-12-31');
    await page.getByTestId('show-button').click();
    await expect.poll(() => text('report-error-message')).toBe('The last day is before the first day');
    expect(await text('report-error-code')).toBe('ERROR');
    await shot(page, 'reports-4-error.png');
  }, 60_000);
});
