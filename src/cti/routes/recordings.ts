/**
 * Recordings: search, metadata, the audio (streamed, HTTP range requests,
 * download), playback tickets for the pages' `<audio>` elements, and the
 * audit trail of who listened.
 *
 *   GET  /v1/recordings                 search (newest first, keyset pages)
 *   GET  /v1/recordings/:id             one recording's metadata (purged ones too)
 *   GET  /v1/recordings/:id/audio       the WAV: bearer token or ?ticket=; ?download=1 for an attachment
 *   POST /v1/recordings/:id/playback    a 5-minute ticket URL for that audio
 *   GET  /v1/recordings/:id/audit       who listened / downloaded when (admin, supervisor)
 *
 * Who may hear what is `mayHearRecording` (principal.ts): recordings:read and
 * admin everything, a supervisor its teams' agents' and unassigned ones
 * (voicemail), an agent its own. Searches are narrowed in SQL; a recording the
 * principal may not hear answers 404 CTI_RECORDING_NOT_FOUND, as one that
 * does not exist (its existence is not revealed). A token with none of those
 * scopes gets 403 CTI_FORBIDDEN.
 *
 * Every audio response is audited (principal, tenant, bytes, address) before
 * its first byte; when the audit cannot be written nothing is sent (503).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ApiError } from '../../http/errors.js';
import { describeRange, parseRange } from '../../http/byte-range.js';
import { DbError } from '../../store/db.js';
import { RecordingAudit } from '../../recording/audit.js';
import { DISPOSITIONS, MAX_PAGE, DEFAULT_PAGE, RecordingQueryError, RecordingSearch, type RecordingHit } from '../../recording/search.js';
import type { CtiContext } from '../context.js';
import { principalOf, requireScope } from '../auth/hooks.js';
import { bearerToken } from '../auth/tokens.js';
import { recordingVisibility, type Principal, type RecordingVisibility } from '../auth/principal.js';
import { PlaybackTickets } from '../auth/playback-ticket.js';

/** What the recording routes use of the CTI context. */
export type RecordingRoutesContext = Pick<CtiContext, 'config' | 'logger' | 'teamsOf' | 'issuer' | 'db'>;

export interface RecordingRoutesOptions {
  /** Lifetime of playback tickets; default 300 s. */
  ticketTtlSeconds?: number;
}

const Id = Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' });
const Params = Type.Object({ id: Id });
const Dialable = Type.String({ pattern: '^[A-Za-z0-9_.+*#-]{1,64}$' });
/** A query flag: true/false or 1/0. */
const Flag = (description: string) => Type.Optional(Type.Union([Type.Boolean(), Type.Literal('1'), Type.Literal('0')], { description }));
const isSet = (flag: boolean | '1' | '0' | undefined): boolean => flag === true || flag === '1';

const SearchQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'started at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'started before' })),
    caller: Type.Optional({ ...Dialable, description: "the caller's number, exactly" }),
    callerPrefix: Type.Optional({ ...Dialable, description: 'caller numbers starting with this' }),
    agentId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.+*#-]{1,64}$' })),
    queue: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$', description: 'a queue id, or voicemail:<mailbox>' })),
    disposition: Type.Optional(Type.Union(DISPOSITIONS.map((d) => Type.Literal(d)))),
    minDurationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    maxDurationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    includePurged: Flag('also recordings whose audio retention deleted'),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE })),
    cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,700}$', description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
type SearchQueryT = Static<typeof SearchQuery>;

const AudioQuery = Type.Object(
  {
    download: Flag('answer as an attachment (<id>.wav); audited as a download'),
    ticket: Type.Optional(Type.String({ maxLength: 4096, description: 'a playback ticket (POST …/playback) instead of a bearer token' })),
  },
  { additionalProperties: false },
);
type AudioQueryT = Static<typeof AudioQuery>;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

export const RecordingView = Type.Object(
  {
    id: Type.String(),
    callId: Type.String(),
    callerNumber: Type.String(),
    agentId: Nullable(Type.String()),
    queue: Nullable(Type.String()),
    startedAt: DateTime,
    answeredAt: Nullable(DateTime),
    endedAt: DateTime,
    durationMs: Type.Integer(),
    sizeBytes: Type.Integer(),
    format: Type.String(),
    channels: Type.Integer(),
    status: Type.Union([Type.Literal('complete'), Type.Literal('failed')]),
    disposition: Nullable(Type.String()),
    purged: Type.Boolean(),
    purgedAt: Nullable(DateTime),
    purgeReason: Nullable(Type.String()),
  },
  { $id: 'Recording' },
);
type RecordingViewT = Static<typeof RecordingView>;

const AuditView = Type.Object({
  at: DateTime,
  action: Type.Union([Type.Literal('listen'), Type.Literal('download'), Type.Literal('purge')]),
  principal: Type.String(),
  tenant: Nullable(Type.String()),
  byteRange: Nullable(Type.String()),
  remote: Nullable(Type.String()),
});

const Playback = Type.Object({
  url: Type.String({ description: '/v1/recordings/:id/audio?ticket=…; add &download=1 for an attachment' }),
  expiresAt: DateTime,
});

const err = { $ref: 'ErrorBody#' };

function view(r: RecordingHit): RecordingViewT {
  return {
    id: r.id,
    callId: r.callId,
    callerNumber: r.callerNumber,
    agentId: r.agentId,
    queue: r.queue,
    startedAt: r.startedAt.toISOString(),
    answeredAt: r.answeredAt?.toISOString() ?? null,
    endedAt: r.endedAt.toISOString(),
    durationMs: r.durationMs,
    sizeBytes: r.sizeBytes,
    format: r.format,
    channels: r.channels,
    status: r.status,
    disposition: r.disposition,
    purged: r.purgedAt !== null,
    purgedAt: r.purgedAt?.toISOString() ?? null,
    purgeReason: r.purgeReason,
  };
}

/** Database trouble as the client should see it; anything else goes on (a bug: 500). */
async function dbCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RecordingQueryError) throw new ApiError('CTI_RECORDING_QUERY_INVALID', e.message);
    if (e instanceof DbError && e.code === 'DB_UNAVAILABLE') throw new ApiError('CTI_RECORDINGS_UNAVAILABLE', 'The recordings database is unreachable: try again');
    throw e;
  }
}

const notFound = (id: string): ApiError => new ApiError('CTI_RECORDING_NOT_FOUND', `No recording ${id}`);

export function recordingRoutes(ctx: RecordingRoutesContext, opts: RecordingRoutesOptions = {}) {
  const db = ctx.db ?? (() => undefined);
  const search = new RecordingSearch({ db });
  const audit = new RecordingAudit({ db });
  const knownAgents = ctx.config.agents.map((a) => a.id);

  /** Which recordings `p` may hear; CTI_FORBIDDEN when none at all. */
  const visibilityOf = (p: Principal): Exclude<RecordingVisibility, { kind: 'none' }> => {
    const v = recordingVisibility(p, knownAgents, ctx.teamsOf);
    if (v.kind === 'none') throw new ApiError('CTI_FORBIDDEN', 'Needs scope recordings:read, supervisor or agent:self');
    return v;
  };

  /** The recording, if `p` may hear it (purged ones too). */
  const recordingFor = async (p: Principal, id: string): Promise<RecordingHit> => {
    const rec = await dbCall(() => search.get(id, visibilityOf(p)));
    if (rec === undefined) throw notFound(id);
    return rec;
  };

  return (app: FastifyInstance): void => {
    const tickets = new PlaybackTickets(app, ctx.config, opts.ticketTtlSeconds);

    app.get<{ Querystring: SearchQueryT }>(
      '/v1/recordings',
      {
        schema: {
          tags: ['recordings'],
          summary: 'Search recordings (newest first): time range, caller, agent, queue, disposition, duration',
          querystring: SearchQuery,
          response: { 200: Type.Object({ recordings: Type.Array(RecordingView), nextCursor: Nullable(Type.String()) }), 400: err, 401: err, 403: err, 503: err },
        },
      },
      async (request) => {
        const v = visibilityOf(principalOf(request));
        const q = request.query;
        const page = await dbCall(() =>
          search.search(
            {
              ...(q.from === undefined ? {} : { from: new Date(q.from) }),
              ...(q.to === undefined ? {} : { to: new Date(q.to) }),
              ...(q.caller === undefined ? {} : { caller: q.caller }),
              ...(q.callerPrefix === undefined ? {} : { callerPrefix: q.callerPrefix }),
              ...(q.agentId === undefined ? {} : { agentId: q.agentId }),
              ...(q.queue === undefined ? {} : { queue: q.queue }),
              ...(q.disposition === undefined ? {} : { disposition: q.disposition }),
              ...(q.minDurationMs === undefined ? {} : { minDurationMs: q.minDurationMs }),
              ...(q.maxDurationMs === undefined ? {} : { maxDurationMs: q.maxDurationMs }),
              includePurged: isSet(q.includePurged),
            },
            v,
            { limit: q.limit ?? DEFAULT_PAGE, ...(q.cursor === undefined ? {} : { cursor: q.cursor }) },
          ),
        );
        return { recordings: page.recordings.map(view), nextCursor: page.nextCursor };
      },
    );

    app.get<{ Params: Static<typeof Params> }>(
      '/v1/recordings/:id',
      { schema: { tags: ['recordings'], summary: "One recording's metadata", params: Params, response: { 200: RecordingView, 401: err, 403: err, 404: err, 503: err } } },
      async (request) => view(await recordingFor(principalOf(request), request.params.id)),
    );

    app.post<{ Params: Static<typeof Params> }>(
      '/v1/recordings/:id/playback',
      {
        schema: {
          tags: ['recordings'],
          summary: 'A short-lived URL for an <audio> element (no Authorization header needed)',
          params: Params,
          response: { 200: Playback, 401: err, 403: err, 404: err, 410: err, 503: err },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const rec = await recordingFor(p, request.params.id);
        if (rec.purgedAt !== null) throw new ApiError('CTI_RECORDING_PURGED', `Recording ${rec.id} was deleted by the retention policy`);
        const { ticket, expiresAt } = tickets.issue(p, rec.id);
        return { url: `/v1/recordings/${encodeURIComponent(rec.id)}/audio?ticket=${encodeURIComponent(ticket)}`, expiresAt };
      },
    );

    app.get<{ Params: Static<typeof Params> }>(
      '/v1/recordings/:id/audit',
      {
        schema: {
          tags: ['recordings'],
          summary: 'Who listened to / downloaded the recording, newest first (admin, supervisor)',
          params: Params,
          response: { 200: Type.Object({ recordingId: Type.String(), entries: Type.Array(AuditView) }), 401: err, 403: err, 404: err, 503: err },
        },
      },
      async (request) => {
        const p = requireScope(request, 'admin', 'supervisor');
        const rec = await recordingFor(p, request.params.id);
        const rows = await dbCall(() => audit.list(rec.id));
        return {
          recordingId: rec.id,
          entries: rows.map((r) => ({ at: r.at.toISOString(), action: r.action, principal: r.principal, tenant: r.tenant, byteRange: r.byteRange, remote: r.remote })),
        };
      },
    );

    app.get<{ Params: Static<typeof Params>; Querystring: AudioQueryT }>(
      '/v1/recordings/:id/audio',
      {
        // a ticket stands in for the token: the guard lets the request through and the handler checks one or the other
        config: { public: true },
        // HEAD would run the handler (and audit) for no bytes
        exposeHeadRoute: false,
        schema: {
          tags: ['recordings'],
          summary: 'The audio (audio/wav), whole or one byte range; bearer token or ?ticket=',
          description:
            'Accept-Ranges: bytes. Range bytes=a-b, a- or -n → 206 with Content-Range; unsatisfiable → 416 with Content-Range: bytes */size; several ranges → 200 with the whole file. Every response with audio is audited first.',
          params: Params,
          querystring: AudioQuery,
          response: { 400: err, 401: err, 403: err, 404: err, 410: err, 416: err, 429: err, 503: err },
        },
      },
      (request, reply) => serveAudio(request, reply),
    );

    const serveAudio = async (request: FastifyRequest<{ Params: Static<typeof Params>; Querystring: AudioQueryT }>, reply: FastifyReply): Promise<FastifyReply> => {
      const id = request.params.id;
      const ticket = request.query.ticket;
      const p = ticket === undefined ? ctx.issuer.verify(bearerToken(request.headers.authorization)) : tickets.verify(ticket, id);
      const rec = await recordingFor(p, id);
      if (rec.purgedAt !== null) throw new ApiError('CTI_RECORDING_PURGED', `Recording ${id} was deleted by the retention policy`);

      let fh: FileHandle;
      try {
        fh = await open(rec.filePath, 'r');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
        if (rec.status === 'complete') request.log.warn({ recordingId: id, callId: rec.callId, code: 'CTI_RECORDING_FILE_MISSING' }, 'recording file missing on disk');
        throw new ApiError('CTI_RECORDING_FILE_MISSING', `The audio of recording ${id} is not on disk`);
      }
      let streaming = false;
      try {
        const size = (await fh.stat()).size;
        const range = parseRange(request.headers.range, size);
        if (range.kind === 'unsatisfiable') {
          return reply
            .code(416)
            .header('content-range', `bytes */${size}`)
            .header('accept-ranges', 'bytes')
            .send({ error: { code: 'CTI_RANGE_NOT_SATISFIABLE', message: `Range ${request.headers.range ?? ''} is outside the ${size} bytes of the recording` } });
        }
        const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
        const download = isSet(request.query.download);
        try {
          await audit.record({
            recordingId: id,
            action: download ? 'download' : 'listen',
            principal: p.sub,
            tenant: p.tenant,
            byteRange: describeRange(start, end, size),
            remote: request.ip,
          });
        } catch (e) {
          request.log.error({ err: e, recordingId: id, code: 'CTI_RECORDING_AUDIT_FAILED' }, 'recording access could not be audited: nothing sent');
          throw new ApiError('CTI_RECORDING_AUDIT_FAILED', 'The access could not be audited, so the audio is not sent: try again');
        }
        void reply
          .code(range.kind === 'partial' ? 206 : 200)
          .header('accept-ranges', 'bytes')
          .header('content-type', 'audio/wav')
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${id}.wav"`)
          .header('content-length', String(size === 0 ? 0 : end - start + 1));
        if (range.kind === 'partial') void reply.header('content-range', `bytes ${start}-${end}/${size}`);
        if (size === 0) return reply.send(Buffer.alloc(0));
        streaming = true;
        return reply.send(fh.createReadStream({ start, end })); // closes the handle when done or aborted
      } finally {
        if (!streaming) await fh.close().catch(() => undefined);
      }
    };
  };
}
