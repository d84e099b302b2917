/**
 * The reports and call-record API of a real server (its Redis prefix, its
 * PostgreSQL schema): the scripted morning of test/support/fixture-day.ts
 * goes through the server's own ACD store and call log, its records worker
 * ingests it, and the figures come back over REST as JSON and CSV — with
 * scope checks for agents, supervisors, integrators and other tenants, and
 * coded errors for bad queries and a database that is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { QueueSchema } from '../../src/config/acd-schema.js';
import type { QueueConfig } from '../../src/config/schema.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { runScript } from '../support/scripted-calls.js';
import { AGENTS, CALLS, DAY, EXPECTED, TZ } from '../support/fixture-day.js';

let t: TestServer;
/** A queue with every default of the schema applied, as the config loader would. */
const queue = (id: string, sl: number): QueueConfig => Value.Default(QueueSchema, { id, name: id, serviceLevelSeconds: sl }) as QueueConfig;
const tokens = new Map<string, string>();
const FROM = new Date(DAY).toISOString();
const TO = new Date(DAY + 24 * 3_600_000).toISOString();

beforeAll(async () => {
  t = await startTestServer({
    configure: (c) => {
      c.queues = [queue('sales', 20), queue('support', 30)];
      c.reports.timeZone = TZ;
    },
  });
  // the script drives the ACD store with 2024 clock values: the server's own ACD loop (real-time sweeps of
  // wrap-ups, routing to free agents) must not act on them meanwhile
  await t.server.acd.stop();
  await runScript(CALLS, { store: t.server.acd.store, callLog: t.server.records.callLog, agents: AGENTS });
  await t.server.records.ingester.runOnce();
  for (const who of ['admin', 'reader', 'crm', 'other-tenant', '1001', '1004']) tokens.set(who, await t.token(who));
}, 60_000);
afterAll(async () => {
  await t.stop();
});

/** The coded error of a refused request. */
const code = (res: { json: <T>() => T }): string | undefined => res.json<{ error?: { code?: string } }>().error?.code;

const get = (url: string, who: string, headers: Record<string, string> = {}) =>
  t.server.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.get(who) ?? ''}`, ...headers } });

describe('GET /v1/reports/queues', () => {
  it('a day report for an integrator → the hand-computed figures of both queues, with the time zone', async () => {
    const res = await get(`/v1/reports/queues?from=${FROM}&to=${TO}&interval=day`, 'reader');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ timeZone: string; rows: Record<string, unknown>[] }>();
    expect(body.timeZone).toBe(TZ);
    expect(body.rows.find((r) => r.queue === 'sales')).toMatchObject(EXPECTED.sales);
    expect(body.rows.find((r) => r.queue === 'support')).toMatchObject(EXPECTED.support);
  });

  it('format=csv (or Accept: text/csv) → a CSV with a header row and one line per queue and interval', async () => {
    for (const [url, headers] of [
      [`/v1/reports/queues?from=${FROM}&to=${TO}&interval=day&queue=sales&format=csv`, {}],
      [`/v1/reports/queues?from=${FROM}&to=${TO}&interval=day&queue=sales`, { accept: 'text/csv' }],
    ] as const) {
      const res = await get(url, 'admin', headers);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const lines = res.body.trimEnd().split('\r\n');
      expect(lines).toHaveLength(2);
      const head = lines[0]!.split(',');
      const cells = lines[1]!.split(',');
      const at = (name: string): string | undefined => cells[head.indexOf(name)];
      expect(head.slice(0, 4)).toEqual(['queue', 'intervalStart', 'serviceLevelSeconds', 'offered']);
      expect([at('queue'), at('offered'), at('serviceLevelPct'), at('asaMs'), at('abandonRatePct')]).toEqual(['sales', '7', '42.9', '23400', '16.7']);
    }
  });

  it('15-minute intervals → 96 rows per queue; an unknown interval or from after to → 400 with a code', async () => {
    const res = await get(`/v1/reports/queues?from=${FROM}&to=${TO}&interval=15m&queue=support`, 'admin');
    expect(res.json<{ rows: unknown[] }>().rows).toHaveLength(96);
    const bad = await get(`/v1/reports/queues?from=${FROM}&to=${TO}&interval=week`, 'admin');
    expect(bad.statusCode).toBe(400);
    const backwards = await get(`/v1/reports/queues?from=${TO}&to=${FROM}&interval=day`, 'admin');
    expect(backwards.statusCode).toBe(400);
    expect(code(backwards)).toBe('CTI_REPORT_QUERY_INVALID');
    const huge = await get(`/v1/reports/queues?from=2000-01-01T00:00:00Z&to=${TO}&interval=15m`, 'admin');
    expect(code(huge)).toBe('CTI_REPORT_QUERY_INVALID');
  });

  it('an agent, or another tenant → refused, nothing computed', async () => {
    expect(code(await get(`/v1/reports/queues?from=${FROM}&to=${TO}`, '1001'))).toBe('CTI_FORBIDDEN');
    expect(code(await get(`/v1/reports/queues?from=${FROM}&to=${TO}`, 'other-tenant'))).toBe('CTI_TENANT_FORBIDDEN');
    expect((await t.server.http.inject({ method: 'GET', url: `/v1/reports/queues?from=${FROM}&to=${TO}` })).statusCode).toBe(401);
  });
});

describe('GET /v1/reports/agents', () => {
  it("admin → a1's 09:00 hour as worked out by hand", async () => {
    const res = await get(`/v1/reports/agents?from=${FROM}&to=${TO}&interval=hour&agent=a1`, 'admin');
    const rows = res.json<{ rows: Record<string, unknown>[] }>().rows;
    expect(rows.find((r) => r.intervalStart === new Date(DAY + 9 * 3_600_000).toISOString())).toMatchObject({ agentId: 'a1', ...EXPECTED.a1Hour9 });
  });

  it("a supervisor sees only its teams' agents; asking for another agent → 403; an agent only itself", async () => {
    const mine = await get(`/v1/reports/agents?from=${FROM}&to=${TO}&interval=day`, '1004');
    expect(mine.statusCode).toBe(200);
    expect(mine.json<{ rows: { agentId: string }[] }>().rows.map((r) => r.agentId)).toEqual([]);
    expect(code(await get(`/v1/reports/agents?from=${FROM}&to=${TO}&agent=a1`, '1004'))).toBe('CTI_FORBIDDEN');
    expect((await get(`/v1/reports/agents?from=${FROM}&to=${TO}&agent=1001`, '1001')).statusCode).toBe(200);
    expect(code(await get(`/v1/reports/agents?from=${FROM}&to=${TO}&agent=1002`, '1001'))).toBe('CTI_FORBIDDEN');
  });
});

describe('GET /v1/cdrs', () => {
  it('newest first, in pages with a cursor; filters by disposition, queue, caller', async () => {
    const page1 = (await get(`/v1/cdrs?from=${FROM}&to=${TO}&limit=3`, 'crm')).json<{ calls: { callId: string }[]; nextCursor: string | null }>();
    expect(page1.calls.map((c) => c.callId)).toEqual(['c8', 'c7', 'c6']);
    const page2 = (await get(`/v1/cdrs?from=${FROM}&to=${TO}&limit=3&cursor=${page1.nextCursor ?? ''}`, 'crm')).json<{ calls: { callId: string }[]; nextCursor: string | null }>();
    expect(page2.calls.map((c) => c.callId)).toEqual(['c5', 'c4', 'c3']);
    const page3 = (await get(`/v1/cdrs?from=${FROM}&to=${TO}&limit=3&cursor=${page2.nextCursor ?? ''}`, 'crm')).json<{ calls: { callId: string }[]; nextCursor: string | null }>();
    expect(page3.calls.map((c) => c.callId)).toEqual(['c2', 'c1']);
    expect(page3.nextCursor).toBeNull();

    const abandoned = (await get('/v1/cdrs?disposition=abandoned', 'crm')).json<{ calls: { callId: string; shortAbandon: boolean }[] }>();
    expect(abandoned.calls.map((c) => [c.callId, c.shortAbandon])).toEqual([
      ['c4', false],
      ['c3', true],
    ]);
    expect((await get('/v1/cdrs?queue=support', 'crm')).json<{ calls: { callId: string }[] }>().calls.map((c) => c.callId)).toEqual(['c7', 'c6']);
    const c1 = (await get('/v1/cdrs?caller=%2B4930111', 'crm')).json<{ calls: { callId: string; legs: { role: string }[]; ivrPath: string[] }[] }>();
    expect(c1.calls.map((c) => c.callId)).toEqual(['c5', 'c1']);
    expect(c1.calls[1]).toMatchObject({ ivrPath: ['start', 'menu', 'queue'] });
    expect(c1.calls[1]!.legs.map((l) => l.role).sort()).toEqual(['agent', 'caller']);
  });

  it('a supervisor sees only calls of its agents; a forged or out-of-range cursor → 400', async () => {
    expect((await get('/v1/cdrs', '1004')).json<{ calls: unknown[] }>().calls).toEqual([]);
    expect(code(await get('/v1/cdrs?cursor=bm9wZQ', 'crm'))).toBe('CTI_REPORT_QUERY_INVALID');
    // well-formed, but a time no database holds: still a 400, not a 500
    expect(code(await get(`/v1/cdrs?cursor=${Buffer.from('[1e300,"x"]').toString('base64url')}`, 'crm'))).toBe('CTI_REPORT_QUERY_INVALID');
  });
});

describe('database gone', () => {
  it('→ 503 CTI_REPORTS_UNAVAILABLE for reports and records (last: closes the server database)', async () => {
    await t.server.db()?.close();
    expect(code(await get(`/v1/reports/queues?from=${FROM}&to=${TO}`, 'admin'))).toBe('CTI_REPORTS_UNAVAILABLE');
    expect(code(await get('/v1/cdrs', 'admin'))).toBe('CTI_REPORTS_UNAVAILABLE');
  });
});
