/**
 * GET /v1/recordings/:id/audio and its tickets, against a real PostgreSQL
 * and real WAV files: whole file 200, single ranges 206, unsatisfiable 416,
 * several ranges 200, ?download=1; an audit row (principal, tenant, bytes,
 * address) for every response with audio and none without; an audit that
 * cannot be written stops the audio (503, no bytes). Playback tickets: valid,
 * expired, for another recording, tampered with, used as a bearer token.
 * And who may read the audit trail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { startRecordingsApp, wavBytes, type RecordingsApp } from '../support/recordings.js';
import { DbError, type Db } from '../../src/store/db.js';

interface AuditDbRow {
  recording_id: string;
  action: string;
  principal: string;
  tenant: string | null;
  byte_range: string | null;
  remote: string | null;
}

const CALLER = '+15559876543';

describe('recording audio, ranges, audit and tickets', () => {
  let h: RecordingsApp;
  let rec: Awaited<ReturnType<RecordingsApp['addRecording']>>;
  let audio: Buffer;
  let size: number;

  const auth = (who: string): Record<string, string> => ({ authorization: `Bearer ${h.token(who)}` });
  const fetchAudio = (who: string | undefined, query = '', headers: Record<string, string> = {}, recordingId = rec.id) =>
    h.app.inject({ method: 'GET', url: `/v1/recordings/${recordingId}/audio${query}`, headers: { ...(who === undefined ? {} : auth(who)), ...headers } });
  const auditRows = async (recordingId = rec.id): Promise<AuditDbRow[]> =>
    (await h.db.query<AuditDbRow>('SELECT recording_id, action, principal, tenant, byte_range, remote FROM recording_audit WHERE recording_id = $1 ORDER BY id', [recordingId])).rows;
  const playback = async (who: string, recordingId = rec.id) => h.app.inject({ method: 'POST', url: `/v1/recordings/${recordingId}/playback`, headers: auth(who) });
  const ticketUrl = async (who: string, recordingId = rec.id): Promise<string> => {
    const res = await playback(who, recordingId);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ url: string }>().url;
  };

  beforeEach(async () => {
    h = await startRecordingsApp();
    audio = wavBytes(1500);
    size = audio.length;
    rec = await h.addRecording({ agentId: '1001', callerNumber: CALLER, audio });
  });
  afterEach(async () => {
    await h.close();
  });

  it('the whole file: 200 audio/wav, Accept-Ranges bytes, the exact bytes, inline, not cached; one listen audited with the principal, tenant, bytes and address', async () => {
    const res = await fetchAudio('1001');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-length']).toBe(String(size));
    expect(res.headers['content-disposition']).toBe(`inline; filename="${rec.id}.wav"`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-range']).toBeUndefined();
    expect(res.rawPayload.equals(audio)).toBe(true);
    expect(await auditRows()).toEqual([{ recording_id: rec.id, action: 'listen', principal: 'agent:1001', tenant: 'test', byte_range: `0-${size - 1}/${size}`, remote: '127.0.0.1' }]);
  });

  it('single ranges a-b, a- and -n: 206 with Content-Range and just those bytes, each audited with its range', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, size - 1],
      ['bytes=-44', size - 44, size - 1],
      ['bytes=2000-999999', 2000, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await fetchAudio('1001', '', { range });
      expect(res.statusCode, range).toBe(206);
      expect(res.headers['content-range'], range).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers['content-length'], range).toBe(String(end - start + 1));
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.rawPayload.equals(audio.subarray(start, end + 1)), range).toBe(true);
    }
    expect((await auditRows()).map((r) => r.byte_range)).toEqual(cases.map(([, s, e]) => `${s}-${e}/${size}`));
  });

  it('an unsatisfiable range: 416 with Content-Range bytes */size, no audio and no audit row', async () => {
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0', 'bytes=500-100']) {
      const res = await fetchAudio('1001', '', { range });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${size}`);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_RANGE_NOT_SATISFIABLE');
    }
    expect(await auditRows()).toEqual([]);
  });

  it('several ranges, another unit or garbage: the whole file with 200', async () => {
    for (const range of ['bytes=0-9,20-29', 'items=0-9', 'bytes=x-y']) {
      const res = await fetchAudio('1001', '', { range });
      expect(res.statusCode, range).toBe(200);
      expect(res.rawPayload.equals(audio)).toBe(true);
    }
  });

  it('?download=1: an attachment named <id>.wav, audited as a download (with its range)', async () => {
    const res = await fetchAudio('1001', '?download=1', { range: 'bytes=0-43' });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${rec.id}.wav"`);
    const whole = await fetchAudio('1001', '?download=true');
    expect(whole.statusCode).toBe(200);
    expect((await auditRows()).map((r) => [r.action, r.byte_range])).toEqual([
      ['download', `0-43/${size}`],
      ['download', `0-${size - 1}/${size}`],
    ]);
  });

  it('the audit insert fails (database unavailable for it): 503 CTI_RECORDING_AUDIT_FAILED and not one byte of audio', async () => {
    const real = h.db;
    const auditDown: Db = {
      kind: real.kind,
      close: () => real.close(),
      transaction: (fn) => real.transaction(fn),
      query: <R>(sql: string, params?: unknown[]) => {
        if (sql.includes('INSERT INTO recording_audit')) return Promise.reject(new DbError('DB_UNAVAILABLE', 'connection refused'));
        return real.query<R>(sql, params);
      },
    };
    h.setDb(auditDown);
    const res = await fetchAudio('1001');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_RECORDING_AUDIT_FAILED');
    expect(res.rawPayload.includes(audio.subarray(0, 12))).toBe(false);
    h.setDb(real);
    expect(await auditRows()).toEqual([]);
  });

  it('the audit table refuses the row (a real database error): 503 as well, nothing sent', async () => {
    await h.db.query('ALTER TABLE recording_audit RENAME TO recording_audit_gone');
    const res = await fetchAudio('1001', '', { range: 'bytes=0-99' });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_RECORDING_AUDIT_FAILED');
    await h.db.query('ALTER TABLE recording_audit_gone RENAME TO recording_audit');
    expect((await fetchAudio('1001')).statusCode).toBe(200);
  });

  it('database down altogether: 503 CTI_RECORDINGS_UNAVAILABLE before anything is looked at', async () => {
    h.setDb(undefined);
    const res = await fetchAudio('1001');
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_RECORDINGS_UNAVAILABLE');
  });

  it('scope: another agent gets 404 (as for no recording), a supervisor of the team 200 (audited as itself), calls:control 403, no token 401', async () => {
    const other = await fetchAudio('1003');
    expect(other.statusCode).toBe(404);
    expect(other.json<{ error: { code: string } }>().error.code).toBe('CTI_RECORDING_NOT_FOUND');
    expect((await fetchAudio('1002')).statusCode).toBe(404);
    expect((await fetchAudio('crm')).statusCode).toBe(403);
    const anon = await fetchAudio(undefined);
    expect(anon.statusCode).toBe(401);
    expect(anon.json<{ error: { code: string } }>().error.code).toBe('CTI_UNAUTHENTICATED');
    expect((await fetchAudio('other-tenant')).statusCode).toBe(403);
    const sup = await fetchAudio('1004', '', { range: 'bytes=0-9' });
    expect(sup.statusCode).toBe(206);
    const admin = await fetchAudio('admin', '', { range: 'bytes=10-19' });
    expect(admin.statusCode).toBe(206);
    expect((await auditRows()).map((r) => r.principal)).toEqual(['agent:1004', 'key:admin']);
  });

  it('a purged recording: 410 CTI_RECORDING_PURGED for audio and for a ticket, nothing audited', async () => {
    await h.db.query(`UPDATE recordings SET purged_at = now(), purge_reason = 'retention:default:30d' WHERE id = $1`, [rec.id]);
    const res = await fetchAudio('1001');
    expect(res.statusCode).toBe(410);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_RECORDING_PURGED');
    expect((await playback('1001')).statusCode).toBe(410);
    expect(await auditRows()).toEqual([]);
  });

  it('the row says complete but the file is gone: 404 CTI_RECORDING_FILE_MISSING and a warning with the recording id, never the caller number', async () => {
    await rm(rec.filePath);
    const res = await fetchAudio('1001');
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_RECORDING_FILE_MISSING');
    const warn = h.logs().find((l) => l.code === 'CTI_RECORDING_FILE_MISSING');
    expect(warn).toMatchObject({ level: 40, recordingId: rec.id });
    expect(JSON.stringify(h.logs())).not.toContain(CALLER);
    expect(await auditRows()).toEqual([]);
  });

  it('HEAD is not served (it would audit a listen without bytes)', async () => {
    const res = await h.app.inject({ method: 'HEAD', url: `/v1/recordings/${rec.id}/audio`, headers: auth('1001') });
    expect(res.statusCode).toBe(404);
    expect(await auditRows()).toEqual([]);
  });

  it('over a real socket: a browser-style open-ended range streams the file', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/v1/recordings/${rec.id}/audio`, { headers: { ...auth('1001'), range: 'bytes=0-' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-${size - 1}/${size}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(audio)).toBe(true);
  });

  describe('playback tickets', () => {
    it('POST …/playback gives a URL with a ticket good for about 5 minutes; the URL plays without any Authorization header and is audited as the asker', async () => {
      const res = await playback('1004');
      expect(res.statusCode).toBe(200);
      const body = res.json<{ url: string; expiresAt: string }>();
      expect(body.url).toMatch(new RegExp(`^/v1/recordings/${rec.id}/audio\\?ticket=[A-Za-z0-9._-]+$`));
      const ttl = Date.parse(body.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(290_000);
      expect(ttl).toBeLessThanOrEqual(300_000);
      const audioRes = await h.app.inject({ method: 'GET', url: body.url, headers: { range: 'bytes=0-99' } });
      expect(audioRes.statusCode).toBe(206);
      expect(audioRes.rawPayload.equals(audio.subarray(0, 100))).toBe(true);
      const dl = await h.app.inject({ method: 'GET', url: `${body.url}&download=1` });
      expect(dl.statusCode).toBe(200);
      expect(dl.headers['content-disposition']).toBe(`attachment; filename="${rec.id}.wav"`);
      expect((await auditRows()).map((r) => [r.action, r.principal, r.tenant])).toEqual([
        ['listen', 'agent:1004', 'test'],
        ['download', 'agent:1004', 'test'],
      ]);
    });

    it('no ticket for a recording one may not hear (404), nor without a token (401)', async () => {
      expect((await playback('1003')).statusCode).toBe(404);
      expect((await h.app.inject({ method: 'POST', url: `/v1/recordings/${rec.id}/playback` })).statusCode).toBe(401);
    });

    it('a ticket for one recording does not open another, even one its principal may hear', async () => {
      const second = await h.addRecording({ agentId: '1001', audio: wavBytes(200) });
      const url = await ticketUrl('1001');
      const ticket = new URL(url, 'http://x').searchParams.get('ticket')!;
      const res = await fetchAudio(undefined, `?ticket=${ticket}`, {}, second.id);
      expect(res.statusCode).toBe(401);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_TICKET_INVALID');
      expect(await auditRows(second.id)).toEqual([]);
    });

    it('a tampered ticket (claims rewritten, or the signature changed) is refused 401 CTI_TICKET_INVALID', async () => {
      const second = await h.addRecording({ agentId: '1003', audio: wavBytes(200) });
      const ticket = new URL(await ticketUrl('1001'), 'http://x').searchParams.get('ticket')!;
      const [head, payload, sig] = ticket.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, rid: second.id, p: { scopes: ['admin'], teams: [] } })).toString('base64url')}.${sig}`;
      const flipped = `${head}.${payload}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
      for (const [t, id] of [
        [forged, second.id],
        [flipped, rec.id],
        ['garbage', rec.id],
      ] as const) {
        const res = await fetchAudio(undefined, `?ticket=${encodeURIComponent(t)}`, {}, id);
        expect(res.statusCode).toBe(401);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('CTI_TICKET_INVALID');
      }
      expect(await auditRows(second.id)).toEqual([]);
    });

    it('a ticket is not a bearer token, and a bearer token is not a ticket', async () => {
      const ticket = new URL(await ticketUrl('1001'), 'http://x').searchParams.get('ticket')!;
      const asBearer = await h.app.inject({ method: 'GET', url: '/v1/recordings', headers: { authorization: `Bearer ${ticket}` } });
      expect(asBearer.statusCode).toBe(401);
      const asAudioBearer = await h.app.inject({ method: 'GET', url: `/v1/recordings/${rec.id}/audio`, headers: { authorization: `Bearer ${ticket}` } });
      expect(asAudioBearer.statusCode).toBe(401);
      const tokenAsTicket = await fetchAudio(undefined, `?ticket=${h.token('1001')}`);
      expect(tokenAsTicket.statusCode).toBe(401);
      expect(tokenAsTicket.json<{ error: { code: string } }>().error.code).toBe('CTI_TICKET_INVALID');
    });

    it('an expired ticket is refused 401 CTI_TICKET_EXPIRED', async () => {
      const short = await startRecordingsApp({ ticketTtlSeconds: 1 });
      try {
        const r = await short.addRecording({ agentId: '1001', audio: wavBytes(200) });
        const res = await short.app.inject({ method: 'POST', url: `/v1/recordings/${r.id}/playback`, headers: { authorization: `Bearer ${short.token('1001')}` } });
        const url = res.json<{ url: string }>().url;
        expect((await short.app.inject({ method: 'GET', url })).statusCode).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 2100));
        const late = await short.app.inject({ method: 'GET', url });
        expect(late.statusCode).toBe(401);
        expect(late.json<{ error: { code: string } }>().error.code).toBe('CTI_TICKET_EXPIRED');
      } finally {
        await short.close();
      }
    });
  });

  describe('GET /v1/recordings/:id/audit', () => {
    it('admin and the team’s supervisor read who listened, newest first; an agent is refused 403; a supervisor of another team gets 404', async () => {
      expect((await fetchAudio('1001', '', { range: 'bytes=0-9' })).statusCode).toBe(206);
      expect((await fetchAudio('1004', '?download=1')).statusCode).toBe(200);
      const res = await h.app.inject({ method: 'GET', url: `/v1/recordings/${rec.id}/audit`, headers: auth('admin') });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ recordingId: string; entries: { action: string; principal: string; byteRange: string | null; remote: string | null; at: string }[] }>();
      expect(body.recordingId).toBe(rec.id);
      expect(body.entries.map((e) => [e.action, e.principal, e.byteRange])).toEqual([
        ['download', 'agent:1004', `0-${size - 1}/${size}`],
        ['listen', 'agent:1001', `0-9/${size}`],
      ]);
      expect(body.entries[0]?.remote).toBe('127.0.0.1');
      expect((await h.app.inject({ method: 'GET', url: `/v1/recordings/${rec.id}/audit`, headers: auth('1004') })).statusCode).toBe(200);
      expect((await h.app.inject({ method: 'GET', url: `/v1/recordings/${rec.id}/audit`, headers: auth('1001') })).statusCode).toBe(403);
      const west = await h.addRecording({ agentId: '1003', audio: wavBytes(100) });
      expect((await h.app.inject({ method: 'GET', url: `/v1/recordings/${west.id}/audit`, headers: auth('1004') })).statusCode).toBe(404);
    });
  });
});
