/**
 * GET /v1/recordings and GET /v1/recordings/:id against a real PostgreSQL
 * (a schema per test): every filter, keyset pagination, and the narrowing by
 * who asks — an agent its own, supervisor 1004 team east (1001, 1002), itself
 * and unassigned (voicemail), admin and recordings:read everything; other
 * scopes 403, another tenant 403, no token 401.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingsApp, wavBytes, type RecordingsApp } from '../support/recordings.js';

interface Row {
  id: string;
  agentId: string | null;
  callerNumber: string;
  queue: string | null;
  durationMs: number;
  disposition: string | null;
  purged: boolean;
  startedAt: string;
  [k: string]: unknown;
}
interface Page {
  recordings: Row[];
  nextCursor: string | null;
}

const HOUR = 3_600_000;
const NOW = Date.now();
const at = (hoursAgo: number): Date => new Date(NOW - hoursAgo * HOUR);

describe('recordings search', () => {
  let h: RecordingsApp;
  /** name → recording id */
  const ids = new Map<string, string>();
  const id = (name: string): string => ids.get(name)!;
  const names = (rows: Row[]): string[] => rows.map((r) => [...ids].find(([, v]) => v === r.id)?.[0] ?? r.id);

  const get = async (who: string | undefined, url: string): Promise<{ status: number; body: Page & { error?: { code: string } } & Row }> => {
    const res = await h.app.inject({ method: 'GET', url, headers: who === undefined ? {} : { authorization: `Bearer ${h.token(who)}` } });
    return { status: res.statusCode, body: res.json() };
  };
  const search = async (who: string, query = ''): Promise<string[]> => {
    const res = await get(who, `/v1/recordings${query === '' ? '' : `?${query}`}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return names(res.body.recordings);
  };

  beforeEach(async () => {
    h = await startRecordingsApp({
      configure: (c) => c.cti.apiKeys.push({ id: 'archive', key: 'test-archive-key-0123456789abcdef', scopes: ['recordings:read'] }),
    });
    ids.clear();
    const add = async (name: string, o: Parameters<RecordingsApp['addRecording']>[0], disposition?: string): Promise<void> => {
      const rec = await h.addRecording({ audio: wavBytes(50), ...o });
      ids.set(name, rec.id);
      if (disposition !== undefined) await h.addCdr(rec.callId, disposition);
    };
    await add('purged', { agentId: '1001', queue: 'sales', callerNumber: '+15551110001', startedAt: at(6), durationMs: 20_000 }, 'answered');
    await add('r1', { agentId: '1001', queue: 'sales', callerNumber: '+15551110001', startedAt: at(5), durationMs: 30_000 }, 'answered');
    await add('r2', { agentId: '1002', queue: 'support', callerNumber: '+15551110002', startedAt: at(4), durationMs: 90_000 }, 'transferred');
    await add('r3', { agentId: '1003', queue: 'sales', callerNumber: '+15552220003', startedAt: at(3), durationMs: 10_000 }, 'answered');
    await add('vm', { agentId: null, queue: 'voicemail:sales', callerNumber: '+15551110001', startedAt: at(2), durationMs: 15_000 }, 'voicemail');
    await add('r5', { agentId: '1004', queue: 'support', callerNumber: '+4420000000', startedAt: at(1), durationMs: 60_000 }); // no CDR yet
    await h.db.query(`UPDATE recordings SET purged_at = now(), purge_reason = 'retention:default:1d' WHERE id = $1`, [id('purged')]);
  });
  afterEach(async () => {
    await h.close();
  });

  it('admin sees every recording not purged, newest first, with the CDR disposition (null while no CDR) and no file path', async () => {
    const res = await get('admin', '/v1/recordings');
    expect(res.status).toBe(200);
    expect(names(res.body.recordings)).toEqual(['r5', 'vm', 'r3', 'r2', 'r1']);
    expect(res.body.nextCursor).toBeNull();
    const byName = new Map(res.body.recordings.map((r) => [names([r])[0], r]));
    expect(byName.get('r1')).toMatchObject({ agentId: '1001', queue: 'sales', callerNumber: '+15551110001', durationMs: 30_000, disposition: 'answered', purged: false, purgedAt: null, status: 'complete' });
    expect(byName.get('r5')?.disposition).toBeNull();
    expect(byName.get('vm')).toMatchObject({ agentId: null, disposition: 'voicemail' });
    for (const r of res.body.recordings) expect(r).not.toHaveProperty('filePath');
  });

  it('from / to select on the start time (from inclusive, to exclusive)', async () => {
    expect(await search('admin', `from=${at(4.5).toISOString()}&to=${at(1.5).toISOString()}`)).toEqual(['vm', 'r3', 'r2']);
    const r3 = (await get('admin', `/v1/recordings/${id('r3')}`)).body;
    expect(await search('admin', `from=${encodeURIComponent(r3.startedAt)}&to=${at(2.5).toISOString()}`)).toEqual(['r3']);
    expect(await search('admin', `to=${encodeURIComponent(r3.startedAt)}`)).toEqual(['r2', 'r1']);
  });

  it('caller matches exactly, callerPrefix by prefix, and a LIKE wildcard in the prefix is taken literally', async () => {
    expect(await search('admin', `caller=${encodeURIComponent('+15551110001')}`)).toEqual(['vm', 'r1']);
    expect(await search('admin', `caller=${encodeURIComponent('+1555111')}`)).toEqual([]);
    expect(await search('admin', `callerPrefix=${encodeURIComponent('+1555111')}`)).toEqual(['vm', 'r2', 'r1']);
    expect(await search('admin', `callerPrefix=${encodeURIComponent('+44')}`)).toEqual(['r5']);
    expect(await search('admin', `callerPrefix=${encodeURIComponent('+1555_')}`)).toEqual([]);
  });

  it('agentId, queue (voicemail:<mailbox> too), disposition and duration bounds', async () => {
    expect(await search('admin', 'agentId=1001')).toEqual(['r1']);
    expect(await search('admin', 'queue=sales')).toEqual(['r3', 'r1']);
    expect(await search('admin', 'queue=voicemail:sales')).toEqual(['vm']);
    expect(await search('admin', 'disposition=answered')).toEqual(['r3', 'r1']);
    expect(await search('admin', 'disposition=voicemail')).toEqual(['vm']);
    expect(await search('admin', 'disposition=abandoned')).toEqual([]);
    expect(await search('admin', 'minDurationMs=30000')).toEqual(['r5', 'r2', 'r1']);
    expect(await search('admin', 'maxDurationMs=15000')).toEqual(['vm', 'r3']);
    expect(await search('admin', 'minDurationMs=15000&maxDurationMs=60000')).toEqual(['r5', 'vm', 'r1']);
    expect(await search('admin', 'queue=sales&disposition=answered&minDurationMs=20000')).toEqual(['r1']);
  });

  it('includePurged=true adds the purged rows, marked, with their reason', async () => {
    expect(await search('admin', 'agentId=1001&includePurged=true')).toEqual(['r1', 'purged']);
    const res = await get('admin', '/v1/recordings?agentId=1001&includePurged=true');
    expect(res.body.recordings[1]).toMatchObject({ purged: true, purgeReason: 'retention:default:1d' });
    expect(res.body.recordings[1]?.purgedAt).toEqual(expect.any(String));
  });

  it('keyset pages: limit 2 walks every row once, rows with the same start time included, and the last page has no cursor', async () => {
    const same = at(0.5);
    for (let i = 0; i < 3; i++) {
      const rec = await h.addRecording({ audio: null, agentId: '1002', startedAt: same });
      ids.set(`same${i}`, rec.id);
    }
    const all = await search('admin');
    expect(all).toHaveLength(8);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get('admin', `/v1/recordings?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      expect(res.body.recordings.length).toBeLessThanOrEqual(2);
      seen.push(...names(res.body.recordings));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(all);
    // a filter and the cursor together: the supervisor's pages stay inside its teams
    const sup: string[] = [];
    let c: string | null = null;
    do {
      const res = await get('1004', `/v1/recordings?limit=3${c === null ? '' : `&cursor=${c}`}`);
      sup.push(...names(res.body.recordings));
      c = res.body.nextCursor;
    } while (c !== null);
    expect(sup).toEqual(await search('1004'));
    expect(sup).not.toContain('r3');
  });

  it('bad input is a coded 400: limit above 200 or 0, a date that is not one, an unknown disposition, from after to, caller with callerPrefix, a forged cursor', async () => {
    const bad = async (query: string, code: string): Promise<void> => {
      const res = await get('admin', `/v1/recordings?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error?.code, query).toBe(code);
    };
    await bad('limit=201', 'BAD_REQUEST');
    await bad('limit=0', 'BAD_REQUEST');
    await bad('from=yesterday', 'BAD_REQUEST');
    await bad('disposition=happy', 'BAD_REQUEST');
    await bad('minDurationMs=-1', 'BAD_REQUEST');
    await bad(`caller=${encodeURIComponent("'; DROP TABLE recordings; --")}`, 'BAD_REQUEST');
    await bad(`from=${at(1).toISOString()}&to=${at(2).toISOString()}`, 'CTI_RECORDING_QUERY_INVALID');
    await bad('minDurationMs=5000&maxDurationMs=10', 'CTI_RECORDING_QUERY_INVALID');
    await bad('caller=1&callerPrefix=1', 'CTI_RECORDING_QUERY_INVALID');
    await bad('cursor=bm90LWEtY3Vyc29y', 'CTI_RECORDING_QUERY_INVALID');
    // a well-formed cursor whose time PostgreSQL cannot hold (19 digits of µs): still a 400, not a 500
    await bad(`cursor=${Buffer.from('9999999999999999999~x').toString('base64url')}`, 'CTI_RECORDING_QUERY_INVALID');
    expect(await search('admin')).toHaveLength(5);
  });

  it('agent 1001 sees only its own recordings; asking for another agent’s gives an empty list, not someone else’s rows', async () => {
    expect(await search('1001')).toEqual(['r1']);
    expect(await search('1001', 'agentId=1003')).toEqual([]);
    expect(await search('1001', 'queue=voicemail:sales')).toEqual([]);
    expect(await search('1003')).toEqual(['r3']);
  });

  it('supervisor 1004 (team east) sees 1001, 1002, its own and the voicemail, not west’s 1003', async () => {
    expect(await search('1004')).toEqual(['r5', 'vm', 'r2', 'r1']);
    expect(await search('1004', 'agentId=1003')).toEqual([]);
  });

  it('admin and an integrator key with recordings:read see all; calls:control / events:read keys are refused 403; another tenant 403; no or a bad token 401', async () => {
    expect(await search('archive')).toEqual(['r5', 'vm', 'r3', 'r2', 'r1']);
    const refused = async (who: string | undefined, status: number, code: string, headers?: Record<string, string>): Promise<void> => {
      const res = headers === undefined ? await get(who, '/v1/recordings') : await h.app.inject({ method: 'GET', url: '/v1/recordings', headers }).then((r) => ({ status: r.statusCode, body: r.json() }));
      expect(res.status, String(who)).toBe(status);
      expect(res.body.error?.code).toBe(code);
    };
    await refused('crm', 403, 'CTI_FORBIDDEN');
    await refused('reader', 403, 'CTI_FORBIDDEN');
    await refused('other-tenant', 403, 'CTI_TENANT_FORBIDDEN');
    await refused(undefined, 401, 'CTI_UNAUTHENTICATED');
    await refused(undefined, 401, 'CTI_UNAUTHENTICATED', { authorization: 'Bearer not.a.jwt' });
    expect((await get('crm', `/v1/recordings/${id('r1')}`)).status).toBe(403);
  });

  it('GET /v1/recordings/:id: metadata for those who may hear it; someone else’s answers 404 exactly like an id that does not exist; purged rows keep their metadata', async () => {
    const own = await get('1001', `/v1/recordings/${id('r1')}`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id: id('r1'), agentId: '1001', disposition: 'answered', purged: false });
    const other = await get('1001', `/v1/recordings/${id('r3')}`);
    const none = await get('1001', '/v1/recordings/00000000-0000-4000-8000-000000000000');
    expect(other.status).toBe(404);
    expect(none.status).toBe(404);
    expect(other.body.error?.code).toBe('CTI_RECORDING_NOT_FOUND');
    expect(none.body.error?.code).toBe('CTI_RECORDING_NOT_FOUND');
    expect((await get('1004', `/v1/recordings/${id('vm')}`)).status).toBe(200);
    expect((await get('1004', `/v1/recordings/${id('r3')}`)).status).toBe(404);
    const purged = await get('admin', `/v1/recordings/${id('purged')}`);
    expect(purged.status).toBe(200);
    expect(purged.body).toMatchObject({ purged: true, purgeReason: 'retention:default:1d' });
  });

  it('database down: 503 CTI_RECORDINGS_UNAVAILABLE; back: answers again', async () => {
    h.setDb(undefined);
    const res = await get('admin', '/v1/recordings');
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe('CTI_RECORDINGS_UNAVAILABLE');
    expect((await get('admin', `/v1/recordings/${id('r1')}`)).status).toBe(503);
    h.setDb(h.db);
    expect(await search('admin')).toHaveLength(5);
  });

  it('the OpenAPI document describes the recording routes', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, unknown> }>();
    for (const p of ['/v1/recordings', '/v1/recordings/{id}', '/v1/recordings/{id}/audio', '/v1/recordings/{id}/playback', '/v1/recordings/{id}/audit']) expect(doc.paths).toHaveProperty([p]);
  });
});
