/**
 * `hotline staffing --from-history` end to end: the scripted morning of
 * test/support/fixture-day.ts is ingested into a PostgreSQL schema, and the
 * real command (a child process, reading the database the config names)
 * forecasts the next Friday from it: 6 sales calls in the 09:00 half hour
 * with a mean handling time of 88.75 s.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { recordsEnv, type RecordsEnv } from '../support/records-env.js';
import { runScript } from '../support/scripted-calls.js';
import { AGENTS, CALLS, TZ } from '../support/fixture-day.js';
import { TEST_DATABASE_URL } from '../support/server.js';

const root = new URL('../../', import.meta.url).pathname;
let env: RecordsEnv;
let dir: string;

beforeAll(async () => {
  env = await recordsEnv();
  await runScript(CALLS, { store: env.store, callLog: env.callLog, agents: AGENTS });
  await env.ingester().runOnce();
  dir = mkdtempSync(join(tmpdir(), 'hotline-staffing-'));
});
afterAll(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

it('history of one Friday → next Friday 09:00–09:30 forecasts 6 calls at AHT 88.75 s and staffs it; quiet slots need 0 agents', async () => {
  const config = parse(readFileSync(join(root, 'config/test.yaml'), 'utf8')) as Record<string, unknown>;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${env.schema}`);
  config.database = { url: url.toString() };
  config.dataDir = dir;
  config.queues = [
    { id: 'sales', name: 'Sales', serviceLevelSeconds: 20 },
    { id: 'support', name: 'Support', serviceLevelSeconds: 30 },
  ];
  config.reports = { timeZone: TZ };
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'staffing', '--from-history', '--queue', 'sales', '--sl-seconds', '20', '--target', '0.8', '--weeks', '1', '--from', '2024-03-18', '--interval-minutes', '30', '--time-zone', TZ, '--config', file, '--json'],
    { cwd: root, timeout: 60_000 },
  );
  const out = JSON.parse(stdout) as { rows: { date: string; slot: string; forecastCalls: number; ahtSeconds: number | null; agents: number }[] };
  const friday9 = out.rows.find((r) => r.date === '2024-03-22' && r.slot === '09:00');
  expect(friday9).toMatchObject({ forecastCalls: 6, ahtSeconds: 88.75 });
  // A = 6 × 88.75 ÷ 1800 = 0.2958 Erlangs. One agent: P(wait) = A = 0.2958,
  // SL = 1 − 0.2958 × e^(−(1 − 0.2958) × 20 ÷ 88.75) = 1 − 0.2958 × 0.8533 = 74.8 % < 80 % → two agents
  expect(friday9!.agents).toBe(2);
  expect(out.rows.find((r) => r.date === '2024-03-22' && r.slot === '12:00')).toMatchObject({ forecastCalls: 0, agents: 0 });
}, 90_000);
