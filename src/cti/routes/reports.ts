/**
 * Historical reports and call records (docs/reports.md has the definitions):
 *
 *   GET /v1/reports/queues   per queue and interval: offered, answered, SL, ASA, AHT, abandon rate, FCR…
 *   GET /v1/reports/agents   per agent and interval: occupancy, utilisation, answered, AHT…
 *   GET /v1/cdrs             call records, newest first, paginated
 *
 * JSON by default; `format=csv` (or `Accept: text/csv`) gives CSV with a
 * header row. Queue reports are for supervisors and integrators; an agent
 * sees its own agent report and call records, a supervisor its teams'.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../http/errors.js';
import { DbError } from '../../store/db.js';
import type { CtiContext } from '../context.js';
import { principalOf, requireScope } from '../auth/hooks.js';
import { hasScope, supervises, type Principal } from '../auth/principal.js';
import { INTERVAL_SIZES } from '../../reports/core/intervals.js';
import { ReportError, type AgentReportRow, type QueueReportRow } from '../../reports/report-service.js';
import { CdrSearchError } from '../../reports/cdr-search.js';
import { toCsv } from '../../reports/csv.js';
import { CDR_DISPOSITIONS as DISPOSITIONS } from '../../reports/core/cdr.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_.+*#-]{1,64}$' });
const IdList = Type.String({ pattern: '^[A-Za-z0-9_.+*#-]{1,64}(,[A-Za-z0-9_.+*#-]{1,64})*$', description: 'Comma-separated ids' });
const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv for CSV; default JSON (or CSV when Accept is text/csv)' }));

const ReportQuerySchema = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'Start (inclusive), ISO 8601' }),
    to: Type.String({ format: 'date-time', description: 'End (exclusive), ISO 8601' }),
    interval: Type.Union(INTERVAL_SIZES.map((s) => Type.Literal(s)), { default: 'hour' }),
    format: Format,
  },
  { additionalProperties: false },
);
const QueueReportQuery = Type.Composite([ReportQuerySchema, Type.Object({ queue: Type.Optional(IdList) })], { additionalProperties: false });
const AgentReportQuery = Type.Composite([ReportQuerySchema, Type.Object({ agent: Type.Optional(IdList) })], { additionalProperties: false });

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const QueueRow = Type.Object(
  {
    queue: Type.String(),
    intervalStart: Type.String({ format: 'date-time' }),
    serviceLevelSeconds: Type.Integer(),
    offered: Type.Integer(),
    answered: Type.Integer(),
    answeredWithinSl: Type.Integer(),
    abandoned: Type.Integer(),
    shortAbandoned: Type.Integer(),
    overflowed: Type.Integer(),
    lost: Type.Integer(),
    waiting: Type.Integer(),
    transfers: Type.Integer(),
    serviceLevelPct: Nullable(Type.Number()),
    abandonRatePct: Nullable(Type.Number()),
    asaMs: Nullable(Type.Number()),
    ahtMs: Nullable(Type.Number()),
    talkMs: Type.Number(),
    holdMs: Type.Number(),
    wrapMs: Type.Number(),
    longestWaitMs: Nullable(Type.Number()),
    fcrPct: Nullable(Type.Number()),
  },
  { $id: 'QueueReportRow', additionalProperties: false },
);
const AgentRow = Type.Object(
  {
    agentId: Type.String(),
    intervalStart: Type.String({ format: 'date-time' }),
    staffedMs: Type.Number(),
    handlingMs: Type.Number(),
    idleMs: Type.Number(),
    pausedMs: Type.Number(),
    occupancyPct: Nullable(Type.Number()),
    utilisationPct: Nullable(Type.Number()),
    answered: Type.Integer(),
    transfers: Type.Integer(),
    talkMs: Type.Number(),
    holdMs: Type.Number(),
    wrapMs: Type.Number(),
    ahtMs: Nullable(Type.Number()),
  },
  { $id: 'AgentReportRow', additionalProperties: false },
);

const CdrQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    caller: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+*#._-]{1,64}$' })),
    agent: Type.Optional(Id),
    queue: Type.Optional(Id),
    disposition: Type.Optional(Type.Union(DISPOSITIONS.map((d) => Type.Literal(d)))),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

const Str = Type.String();
const NStr = Type.Union([Type.String(), Type.Null()]);
const NTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const CdrSchema = Type.Object(
  {
    callId: Str,
    direction: Str,
    callerNumber: Str,
    dialedNumber: NStr,
    startedAt: Type.String({ format: 'date-time' }),
    answeredAt: NTime,
    endedAt: NTime,
    durationMs: Type.Number(),
    ivrPath: Type.Array(Str),
    variables: Type.Record(Str, Str),
    queues: Type.Array(Str),
    agents: Type.Array(Str),
    queue: NStr,
    agentId: NStr,
    waitMs: Type.Number(),
    talkMs: Type.Number(),
    holdMs: Type.Number(),
    wrapMs: Type.Number(),
    disposition: Type.Union(DISPOSITIONS.map((d) => Type.Literal(d))),
    shortAbandon: Type.Boolean(),
    endCause: NStr,
    transfers: Type.Integer(),
    recordingIds: Type.Array(Str),
    legs: Type.Array(Type.Object({ legId: Str, role: Str, party: Str, startedAt: Type.String({ format: 'date-time' }), answeredAt: NTime, endedAt: NTime, endCause: NStr })),
  },
  { $id: 'Cdr', additionalProperties: false },
);

const err = { $ref: 'ErrorBody#' };
const errors = { 400: err, 401: err, 403: err, 503: err };

/** Report/CDR failures as coded API errors. */
function apiError(e: unknown): never {
  if (e instanceof ReportError || e instanceof CdrSearchError) throw new ApiError('CTI_REPORT_QUERY_INVALID', e.message);
  if (e instanceof DbError && e.code === 'DB_UNAVAILABLE') throw new ApiError('CTI_REPORTS_UNAVAILABLE', 'The records database is unreachable: try again');
  throw e;
}

function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  return format === 'csv' || (format === undefined && (request.headers.accept ?? '').split(',')[0]?.trim() === 'text/csv');
}

function sendCsv(reply: FastifyReply, name: string, rows: readonly object[], columns: readonly string[]): string {
  void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
  return toCsv(rows as readonly Record<string, unknown>[], columns);
}

function dates(q: { from: string; to: string }): { from: Date; to: Date } {
  const from = new Date(q.from);
  const to = new Date(q.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new ApiError('CTI_REPORT_QUERY_INVALID', '`from` and `to` must be ISO 8601 date-times');
  return { from, to };
}

const QUEUE_COLUMNS = Object.keys(QueueRow.properties);
const AGENT_COLUMNS = Object.keys(AgentRow.properties);

export function reportRoutes(ctx: CtiContext) {
  const agentIds = ctx.config.agents.map((a) => a.id);
  const mayAll = (p: Principal): boolean => hasScope(p, 'admin') || hasScope(p, 'events:read') || hasScope(p, 'calls:control');
  /** The agents whose reports and records `p` may see; undefined: all. */
  const visibleAgents = (p: Principal): string[] | undefined => {
    if (mayAll(p)) return undefined;
    const mine = agentIds.filter((a) => supervises(p, a, ctx.teamsOf));
    if (p.agentId !== undefined && hasScope(p, 'agent:self') && !mine.includes(p.agentId)) mine.push(p.agentId);
    return mine;
  };

  return (app: FastifyInstance): void => {
    const reports = (): NonNullable<CtiContext['reports']> => {
      if (ctx.reports === undefined) throw new ApiError('CTI_REPORTS_UNAVAILABLE', 'Reports are not available on this server');
      return ctx.reports;
    };

    app.get<{ Querystring: Static<typeof QueueReportQuery> }>(
      '/v1/reports/queues',
      {
        schema: {
          tags: ['reports'],
          summary: 'Per queue and interval: offered, answered, service level, ASA, AHT, abandon rate, FCR (JSON or CSV)',
          querystring: QueueReportQuery,
          response: { 200: Type.Object({ interval: Type.String(), timeZone: Type.String(), rows: Type.Array(QueueRow) }), ...errors },
        },
      },
      async (request, reply) => {
        requireScope(request, 'supervisor', 'events:read', 'calls:control');
        const q = request.query;
        const queues = q.queue?.split(',');
        const rows: QueueReportRow[] = await reports()
          .service.queueReport({ ...dates(q), interval: q.interval, ...(queues === undefined ? {} : { queues }) })
          .catch(apiError);
        if (wantsCsv(request, q.format)) return sendCsv(reply, `queues-${q.interval}`, rows, QUEUE_COLUMNS);
        return { interval: q.interval, timeZone: reports().service.settings.timeZone, rows };
      },
    );

    app.get<{ Querystring: Static<typeof AgentReportQuery> }>(
      '/v1/reports/agents',
      {
        schema: {
          tags: ['reports'],
          summary: 'Per agent and interval: staffed, handling, idle, paused time, occupancy, utilisation, answered, AHT (JSON or CSV)',
          querystring: AgentReportQuery,
          response: { 200: Type.Object({ interval: Type.String(), timeZone: Type.String(), rows: Type.Array(AgentRow) }), ...errors },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const q = request.query;
        const visible = visibleAgents(p);
        const asked = q.agent?.split(',');
        if (visible !== undefined && visible.length === 0) throw new ApiError('CTI_FORBIDDEN', 'Agent reports need the agent:self, supervisor or events:read scope');
        const refused = asked?.find((a) => visible !== undefined && !visible.includes(a));
        if (refused !== undefined) throw new ApiError('CTI_FORBIDDEN', `Agent ${refused} is not yours`);
        const agents = asked ?? visible;
        const rows: AgentReportRow[] = await reports()
          .service.agentReport({ ...dates(q), interval: q.interval, ...(agents === undefined ? {} : { agents }) })
          .catch(apiError);
        if (wantsCsv(request, q.format)) return sendCsv(reply, `agents-${q.interval}`, rows, AGENT_COLUMNS);
        return { interval: q.interval, timeZone: reports().service.settings.timeZone, rows };
      },
    );

    app.get<{ Querystring: Static<typeof CdrQuery> }>(
      '/v1/cdrs',
      {
        schema: {
          tags: ['reports'],
          summary: 'Call records (CDRs with their legs), newest first; `nextCursor` (null on the last page) is the cursor of the following page',
          querystring: CdrQuery,
          response: { 200: Type.Object({ calls: Type.Array(CdrSchema), nextCursor: NStr }), ...errors },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const visible = visibleAgents(p);
        if (visible !== undefined && visible.length === 0) throw new ApiError('CTI_FORBIDDEN', 'Call records need the agent:self, supervisor or events:read scope');
        const q = request.query;
        const toDate = (s: string | undefined): Date | undefined => (s === undefined ? undefined : new Date(s));
        return reports()
          .cdrs.search(
            {
              ...(q.from === undefined ? {} : { from: toDate(q.from)! }),
              ...(q.to === undefined ? {} : { to: toDate(q.to)! }),
              ...(q.caller === undefined ? {} : { caller: q.caller }),
              ...(q.agent === undefined ? {} : { agentId: q.agent }),
              ...(q.queue === undefined ? {} : { queue: q.queue }),
              ...(q.disposition === undefined ? {} : { disposition: q.disposition }),
              ...(visible === undefined ? {} : { agents: visible }),
            },
            { limit: q.limit, ...(q.cursor === undefined ? {} : { cursor: q.cursor }) },
          )
          .catch(apiError);
      },
    );
  };
}
