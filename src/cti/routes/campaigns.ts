/**
 * Outbound campaigns and do-not-call, for supervisors and integrators
 * (docs/dialer.md):
 *
 *   POST /v1/campaigns                      create (draft)
 *   GET  /v1/campaigns, /v1/campaigns/:id   list, one (with its contact counts)
 *   GET  /v1/campaigns/:id/stats            its figures: attempts, outcomes, 30-day abandon %, contacts, live occupancy
 *   POST /v1/campaigns/:id/start|pause|stop the lifecycle (409 CTI_INVALID_STATE when it forbids the move)
 *   POST /v1/campaigns/:id/contacts         a CSV list (Content-Type text/csv), streamed: the import report
 *   POST /v1/dnc, DELETE /v1/dnc            a number on (or off) the global or a campaign's do-not-call list;
 *                                           an agent may add the number of a contact who asks, in one call
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../http/errors.js';
import type { CtiContext } from '../context.js';
import { requireScope } from '../auth/hooks.js';
import { CampaignInput, type CampaignStatus } from '../../dialer/campaign.js';
import { DncError } from '../../dialer/dnc.js';
import { dialerError } from './dialer-agent.js';
import { COUNTRIES, normalizeNumber } from '../../dialer/lists/e164.js';
import { importContacts } from '../../dialer/lists/import.js';

const Params = Type.Object({ id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }) });
const UploadQuery = Type.Object(
  {
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    numberColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    timeZoneColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    idColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
const DncBody = Type.Object(
  {
    number: Type.String({ minLength: 1, maxLength: 64 }),
    /** Unset: the global list. */
    campaignId: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' })),
    reason: Type.String({ minLength: 1, maxLength: 256, default: 'asked not to be called' }),
    /** For a number written without its country code. */
    defaultCountry: Type.String({ pattern: '^[A-Z]{2}$', default: 'US' }),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });
/** The queue's agents who count as working a call (the pacing's "busy"). */
const BUSY = ['reserved', 'ringing', 'on-call', 'on-call-outbound', 'wrap-up'] as const;
const AGENT_STATES = ['available', ...BUSY, 'paused', 'logged-out'] as const;

export const CampaignStatsView = Type.Object(
  {
    campaignId: Type.String(),
    status: Type.Union((['draft', 'running', 'paused', 'stopped'] as const satisfies readonly CampaignStatus[]).map((s) => Type.Literal(s))),
    mode: Type.String(),
    queue: Type.String(),
    attempts: Count,
    liveAnswers: Type.Integer({ minimum: 0, description: 'Attempts a person answered' }),
    connected: Type.Integer({ minimum: 0, description: 'Live answers put through to an agent' }),
    abandoned: Type.Integer({ minimum: 0, description: 'Live answers with no agent in time (the safe-harbor message)' }),
    abandonPct30d: Type.Number({ minimum: 0, description: 'Abandoned ÷ live answers over the last 30 days, %, one decimal' }),
    dispositions: Type.Record(Type.String(), Count, { description: 'Attempts per disposition' }),
    contacts: Type.Object(
      {
        total: Count,
        waiting: Type.Integer({ minimum: 0, description: 'In line for a (next) attempt' }),
        dialing: Type.Integer({ minimum: 0, description: 'Taken to be dialled: an attempt in progress' }),
        done: Type.Integer({ minimum: 0, description: 'Neither: finished (final disposition or last attempt made)' }),
      },
      { additionalProperties: false },
    ),
    agents: Type.Object(
      { busy: Type.Integer({ minimum: 0, description: 'reserved + ringing + on-call + on-call-outbound + wrap-up' }), ...Object.fromEntries(AGENT_STATES.map((s) => [s, Count])) },
      { description: "The campaign queue's agents by state, live (the ACD view)" },
    ),
    occupancyPct: Type.Number({
      minimum: 0,
      maximum: 100,
      description: "Live occupancy of the campaign queue's agents: busy ÷ (busy + available) × 100, one decimal; 0 with no agent",
    }),
    today: Type.Object(
      { attempts: Count, liveAnswers: Count, abandoned: Count },
      { additionalProperties: false, description: 'Since 00:00 UTC (the per-day counts the 30-day rate is summed from)' },
    ),
  },
  { $id: 'CampaignStats', additionalProperties: false },
);

const err = { $ref: 'ErrorBody#' };
const errors = { 400: err, 401: err, 403: err, 404: err, 409: err, 503: err };
/** A list of a million rows is a few tens of MB. */
const UPLOAD_LIMIT_BYTES = 512 * 1024 * 1024;

export function campaignRoutes(ctx: CtiContext) {
  const queues = new Set(ctx.config.queues.map((q) => q.id));
  return (app: FastifyInstance): void => {
    const dialer = (): NonNullable<CtiContext['dialer']> => {
      if (ctx.dialer === undefined) throw new ApiError('CTI_UNAVAILABLE', 'The dialer is not available on this server');
      return ctx.dialer;
    };
    // a CSV list is read as a stream, never whole into memory
    app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

    app.post<{ Body: Static<typeof CampaignInput> }>(
      '/v1/campaigns',
      { schema: { tags: ['campaigns'], summary: 'Create a campaign (draft)', body: CampaignInput, response: { ...errors } } },
      async (request, reply) => {
        requireScope(request, 'supervisor', 'calls:control');
        if (!queues.has(request.body.queue)) throw new ApiError('CTI_CAMPAIGN_INVALID', `No queue ${request.body.queue}: its agents work the campaign`);
        if (request.body.amd.action === 'message' && request.body.amd.messageText === undefined) throw new ApiError('CTI_CAMPAIGN_INVALID', 'amd.action "message" needs amd.messageText: what the machine records after the beep');
        const c = await dialer().campaigns.create(request.body).catch(dialerError);
        return reply.code(201).send(c);
      },
    );

    app.get('/v1/campaigns', { schema: { tags: ['campaigns'], summary: 'Every campaign', response: { 401: err, 403: err } } }, async (request) => {
      requireScope(request, 'supervisor', 'calls:control', 'events:read');
      return { campaigns: await dialer().campaigns.list() };
    });

    app.get<{ Params: Static<typeof Params> }>(
      '/v1/campaigns/:id',
      { schema: { tags: ['campaigns'], summary: 'One campaign, with its contact counts', params: Params, response: { ...errors } } },
      async (request) => {
        requireScope(request, 'supervisor', 'calls:control', 'events:read');
        const store = dialer().campaigns;
        const c = await store.require(request.params.id).catch(dialerError);
        return { ...c, contacts: await store.counts(c.id) };
      },
    );

    app.get<{ Params: Static<typeof Params> }>(
      '/v1/campaigns/:id/stats',
      {
        schema: {
          tags: ['campaigns'],
          summary: "A campaign's figures: attempts, outcomes, 30-day abandon rate, contacts, its queue's agents and live occupancy",
          params: Params,
          response: { 200: CampaignStatsView, ...errors },
        },
      },
      async (request): Promise<Static<typeof CampaignStatsView>> => {
        requireScope(request, 'supervisor', 'calls:control', 'events:read');
        const { campaigns, stats } = dialer();
        const c = await campaigns.require(request.params.id).catch(dialerError);
        const now = Date.now();
        const [f, today, contacts] = await Promise.all([stats.figures(c.id, now), stats.today(c.id, now), campaigns.contactStates(c.id)]);
        // a campaign whose queue left the config has no agents
        const a: Partial<Record<string, number>> = queues.has(c.queue) ? ctx.acd.queueStats(c.queue).agents : {};
        const count = (...states: readonly string[]): number => states.reduce((n, s) => n + (a[s] ?? 0), 0);
        const busy = count(...BUSY);
        const available = count('available');
        return {
          campaignId: c.id,
          status: c.status,
          mode: c.mode,
          queue: c.queue,
          attempts: f.attempts,
          liveAnswers: f.liveAnswers,
          connected: f.connected,
          abandoned: f.abandoned,
          abandonPct30d: f.abandonPct30d,
          dispositions: f.dispositions,
          contacts,
          agents: { busy, ...Object.fromEntries(AGENT_STATES.map((s) => [s, count(s)])) },
          occupancyPct: busy + available === 0 ? 0 : Math.round((busy / (busy + available)) * 1000) / 10,
          today,
        };
      },
    );

    for (const [action, to] of [
      ['start', 'running'],
      ['pause', 'paused'],
      ['stop', 'stopped'],
    ] as const satisfies readonly (readonly [string, CampaignStatus])[]) {
      app.post<{ Params: Static<typeof Params> }>(
        `/v1/campaigns/:id/${action}`,
        { schema: { tags: ['campaigns'], summary: `${action[0]!.toUpperCase()}${action.slice(1)} the campaign`, params: Params, response: { ...errors } } },
        async (request) => {
          requireScope(request, 'supervisor', 'calls:control');
          return dialer().campaigns.setStatus(request.params.id, to).catch(dialerError);
        },
      );
    }

    app.post<{ Params: Static<typeof Params>; Querystring: Static<typeof UploadQuery>; Body: Readable }>(
      '/v1/campaigns/:id/contacts',
      {
        bodyLimit: UPLOAD_LIMIT_BYTES,
        schema: {
          tags: ['campaigns'],
          summary: 'Add a CSV list of contacts (header row; number, time zone, id and custom columns): the validation report',
          params: Params,
          querystring: UploadQuery,
          response: { ...errors, 415: err },
        },
      },
      async (request) => {
        requireScope(request, 'supervisor', 'calls:control');
        if (!(request.headers['content-type'] ?? '').startsWith('text/csv')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the list as text/csv');
        const { campaigns } = dialer();
        const c = await campaigns.require(request.params.id).catch(dialerError);
        if (c.status === 'stopped') throw new ApiError('CTI_INVALID_STATE', `campaign ${c.id} is stopped`);
        const q = request.query;
        const country = q.defaultCountry ?? c.defaultCountry;
        if (!COUNTRIES.has(country)) throw new ApiError('CTI_CAMPAIGN_INVALID', `No numbering plan for country ${country}`);
        let added = 0;
        const now = Date.now();
        const report = await importContacts(
          request.body,
          {
            defaultCountry: country,
            ...(q.numberColumn === undefined ? {} : { numberColumn: q.numberColumn }),
            ...(q.timeZoneColumn === undefined ? {} : { timeZoneColumn: q.timeZoneColumn }),
            ...(q.idColumn === undefined ? {} : { idColumn: q.idColumn }),
          },
          async (batch) => {
            added += await campaigns.addContacts(c.id, batch, now);
          },
        );
        if (report.fatal !== undefined) throw new ApiError('CTI_CONTACTS_INVALID', `line ${report.fatal.line}: ${report.fatal.message} (${added} contacts added before it)`);
        // already in the campaign from an earlier list: not added again
        return { ...report, added, alreadyInCampaign: report.accepted - added };
      },
    );

    app.post<{ Body: Static<typeof DncBody> }>(
      '/v1/dnc',
      { schema: { tags: ['campaigns'], summary: 'Put a number on the global or a campaign’s do-not-call list', body: DncBody, response: { ...errors } } },
      async (request, reply) => {
        requireScope(request, 'agent:self', 'supervisor', 'calls:control');
        const b = request.body;
        const n = normalizeNumber(b.number, b.defaultCountry);
        if (!n.ok) throw new ApiError('CTI_NUMBER_INVALID', `${n.code}: ${n.message}`);
        if (b.campaignId !== undefined) await dialer().campaigns.require(b.campaignId).catch(dialerError);
        const scope = b.campaignId === undefined ? ({ kind: 'global' } as const) : ({ kind: 'campaign', campaignId: b.campaignId } as const);
        const added = await dialer()
          .dnc.add(n.e164, scope, b.reason)
          .catch((e: unknown) => {
            if (e instanceof DncError) throw new ApiError('CTI_NUMBER_INVALID', e.message);
            throw e;
          });
        return reply.code(added ? 201 : 200).send({ number: n.e164, list: b.campaignId ?? 'global', added });
      },
    );
  };
}
