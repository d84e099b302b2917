/**
 * The agent's side of outbound campaigns (the softphone page uses these):
 *
 *   GET  /v1/campaigns/:id/contacts/:contactId              one contact: fields, attempts, dispositions
 *   POST /v1/campaigns/:id/contacts/:contactId/disposition  the agent's disposition: completed, callback (at a time), dnc, wrong-number
 *   POST /v1/campaigns/:id/preview                          preview mode: the next contact, held for this agent
 *   POST /v1/campaigns/:id/preview/:contactId/dial          dial it (the agent's phone rings first, then the contact's)
 *   POST /v1/campaigns/:id/preview/:contactId/skip          not now: back in line after the campaign's gap
 *
 * An agent sees and disposes only the contacts it talked to (or previews);
 * a supervisor, those of its teams' agents; calls:control any.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../http/errors.js';
import type { CtiContext } from '../context.js';
import { requireScope } from '../auth/hooks.js';
import { hasScope, supervises, type Principal } from '../auth/principal.js';
import { CallControl } from '../call-control.js';
import { setAgentDisposition } from '../../dialer/agent-disposition.js';
import { DialerError, type StoredContact } from '../../dialer/campaign-store.js';
import type { DialerEngine } from '../../dialer/engine.js';

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' });
const Params = Type.Object({ id: Id });
const ContactParams = Type.Object({ id: Id, contactId: Type.String({ minLength: 1, maxLength: 128 }) });

const DispositionBody = Type.Object(
  {
    disposition: Type.Union([Type.Literal('completed'), Type.Literal('callback'), Type.Literal('dnc'), Type.Literal('wrong-number')], {
      description: 'completed: done with this contact; callback: call again at callbackAt; dnc: never again (added to the do-not-call list); wrong-number: not this person',
    }),
    outcome: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "One of the campaign's outcomes (sale, not-interested…)" })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    callbackAt: Type.Optional(Type.String({ format: 'date-time', description: 'For a callback: when (the calling window still applies)' })),
  },
  { additionalProperties: false },
);

const ContactView = Type.Object(
  {
    id: Type.String(),
    campaignId: Type.String(),
    number: Type.String({ description: 'E.164' }),
    timeZone: Type.Optional(Type.String()),
    fields: Type.Record(Type.String(), Type.String()),
    attempts: Type.Integer({ minimum: 0 }),
    lastDisposition: Type.Optional(Type.String()),
    lastAttemptAt: Type.Optional(Type.String({ format: 'date-time' })),
    callbackAt: Type.Optional(Type.String({ format: 'date-time' })),
    lastAgentId: Type.Optional(Type.String()),
    lastCallId: Type.Optional(Type.String()),
    agentDisposition: Type.Optional(
      Type.Object({
        disposition: Type.String(),
        outcome: Type.Optional(Type.String()),
        note: Type.Optional(Type.String()),
        by: Type.String(),
        at: Type.String({ format: 'date-time' }),
      }),
    ),
    /** The campaign's outcomes, for the agent's form. */
    outcomes: Type.Array(Type.String()),
  },
  { $id: 'CampaignContact', additionalProperties: false },
);

const err = { $ref: 'ErrorBody#' };
const errors = { 400: err, 401: err, 403: err, 404: err, 409: err, 422: err, 503: err };

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function view(campaignId: string, c: StoredContact, outcomes: readonly string[]): Static<typeof ContactView> {
  const ad = c.agentDisposition;
  const v: Record<string, unknown> = {
    id: c.id,
    campaignId,
    number: c.e164,
    timeZone: c.tz,
    fields: c.fields,
    attempts: c.attempts,
    lastDisposition: c.lastDisposition,
    lastAttemptAt: iso(c.lastAttemptAt),
    callbackAt: iso(c.callbackAt),
    lastAgentId: c.lastAgentId,
    lastCallId: c.lastCallId,
    agentDisposition: ad === undefined ? undefined : { disposition: ad.disposition, outcome: ad.outcome, note: ad.note, by: ad.by, at: iso(ad.at) },
    outcomes: [...outcomes],
  };
  return JSON.parse(JSON.stringify(v)) as Static<typeof ContactView>; // drops the undefined
}

export function dialerError(e: unknown): never {
  if (e instanceof DialerError) {
    switch (e.code) {
      case 'DIALER_CAMPAIGN_NOT_FOUND':
        throw new ApiError('CTI_CAMPAIGN_NOT_FOUND', e.message);
      case 'DIALER_CAMPAIGN_EXISTS':
        throw new ApiError('CTI_CAMPAIGN_EXISTS', e.message);
      case 'DIALER_CONTACT_NOT_FOUND':
        throw new ApiError('CTI_CONTACT_NOT_FOUND', e.message);
      case 'DIALER_DISPOSITION_INVALID':
        throw new ApiError('CTI_DISPOSITION_INVALID', e.message);
      case 'DIALER_NOT_REACHED':
        throw new ApiError('CTI_CONTACT_NOT_REACHED', e.message);
      default:
        throw new ApiError('CTI_INVALID_STATE', e.message);
    }
  }
  throw e;
}

export function dialerAgentRoutes(ctx: CtiContext) {
  const control = new CallControl(ctx);
  return (app: FastifyInstance): void => {
    const dialer = (): NonNullable<CtiContext['dialer']> & { engine: DialerEngine } => {
      const d = ctx.dialer;
      if (d?.engine === undefined) throw new ApiError('CTI_UNAVAILABLE', 'The dialer is not running on this server');
      return { ...d, engine: d.engine };
    };
    /** An agent its own contacts; a supervisor its teams' agents'; calls:control any. */
    const mayHandle = (p: Principal, agentId: string | undefined): boolean =>
      hasScope(p, 'calls:control') || (agentId !== undefined && ((p.agentId === agentId && hasScope(p, 'agent:self')) || supervises(p, agentId, ctx.teamsOf)));
    const agentOf = (p: Principal): string => {
      if (p.agentId === undefined || !hasScope(p, 'agent:self')) throw new ApiError('CTI_FORBIDDEN', 'Preview is for an agent: use an agent token');
      return p.agentId;
    };
    const load = async (id: string, contactId: string) => {
      const d = dialer();
      const campaign = await d.campaigns.require(id).catch(dialerError);
      const contact = await d.campaigns.contact(id, contactId);
      if (contact === undefined) throw new ApiError('CTI_CONTACT_NOT_FOUND', `No contact ${contactId} in campaign ${id}`);
      return { d, campaign, contact };
    };

    app.get<{ Params: Static<typeof ContactParams> }>(
      '/v1/campaigns/:id/contacts/:contactId',
      { schema: { tags: ['campaigns'], summary: 'One contact of a campaign', params: ContactParams, response: { 200: ContactView, ...errors } } },
      async (request) => {
        const p = requireScope(request, 'agent:self', 'supervisor', 'calls:control');
        const { campaign, contact } = await load(request.params.id, request.params.contactId);
        if (!mayHandle(p, contact.lastAgentId) && !(await dialer().engine.isPreviewing(campaign.id, p.agentId, contact.id))) {
          throw new ApiError('CTI_FORBIDDEN', `Contact ${contact.id} was not yours`);
        }
        return view(campaign.id, contact, campaign.outcomes);
      },
    );

    app.post<{ Params: Static<typeof ContactParams>; Body: Static<typeof DispositionBody> }>(
      '/v1/campaigns/:id/contacts/:contactId/disposition',
      {
        schema: {
          tags: ['campaigns'],
          summary: "The agent's disposition of a contact they talked to (during the call or after it)",
          params: ContactParams,
          body: DispositionBody,
          response: { 200: Type.Object({ status: Type.Union([Type.Literal('applied'), Type.Literal('pending')]), contact: ContactView }), ...errors },
        },
      },
      async (request) => {
        const p = requireScope(request, 'agent:self', 'supervisor', 'calls:control');
        const { d, campaign, contact } = await load(request.params.id, request.params.contactId);
        if (!mayHandle(p, contact.lastAgentId)) throw new ApiError('CTI_FORBIDDEN', `Contact ${contact.id} was not yours`);
        // an agent disposes the attempt they talked on, not a later one someone else is making
        if (!hasScope(p, 'calls:control') && !hasScope(p, 'supervisor') && contact.lastAgentAttempt !== undefined && contact.lastAgentAttempt !== contact.attempts) {
          throw new ApiError('CTI_FORBIDDEN', `Contact ${contact.id} has been called again since you talked to them`);
        }
        const b = request.body;
        const callbackAt = b.callbackAt === undefined ? undefined : Date.parse(b.callbackAt);
        const r = await setAgentDisposition(
          { store: d.campaigns, dnc: d.dnc, stats: d.stats, emit: (e) => d.engine.publish(e) },
          campaign,
          contact,
          { disposition: b.disposition, ...(b.outcome === undefined ? {} : { outcome: b.outcome }), ...(b.note === undefined ? {} : { note: b.note }), ...(callbackAt === undefined ? {} : { callbackAt }) },
          { id: p.agentId ?? p.sub, ...(p.agentId === undefined ? {} : { agentId: p.agentId }) },
        ).catch(dialerError);
        request.log.info({ campaignId: campaign.id, contactId: contact.id, disposition: b.disposition, status: r.status }, 'agent disposition');
        return { status: r.status, contact: view(campaign.id, r.contact, campaign.outcomes) };
      },
    );

    const endPreviewBusy = async (agentId: string): Promise<void> => {
      if (ctx.acd.agent(agentId)?.reason?.startsWith('preview@') === true) await ctx.acd.endBusyElsewhere(agentId, { wrapUp: false }).catch(() => undefined);
    };

    app.post<{ Params: Static<typeof Params> }>(
      '/v1/campaigns/:id/preview',
      {
        schema: {
          tags: ['campaigns'],
          summary: 'Preview mode: the next contact for this agent (held for them); 204 when nobody is due',
          params: Params,
          response: { 200: ContactView, 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        const agentId = agentOf(requireScope(request, 'agent:self'));
        const d = dialer();
        const campaign = await d.campaigns.require(request.params.id).catch(dialerError);
        if (!ctx.acd.isQueueAgent(campaign.queue, agentId)) {
          throw new ApiError('CTI_FORBIDDEN', `Agent ${agentId} does not work queue ${campaign.queue}`);
        }
        // no inbound call is offered to an agent reading a contact (a pause is kept); set before the hold, so a skip always finds it
        if (ctx.acd.agent(agentId)?.state === 'available') await ctx.acd.busyElsewhere(agentId, 'preview').catch(() => undefined);
        const contact = await d.engine.previewNext(campaign.id, agentId).catch(async (err: unknown) => {
          await endPreviewBusy(agentId);
          return dialerError(err);
        });
        if (contact === undefined) {
          await endPreviewBusy(agentId);
          return reply.code(204).send(null);
        }
        return view(campaign.id, contact, campaign.outcomes);
      },
    );


    app.post<{ Params: Static<typeof ContactParams> }>(
      '/v1/campaigns/:id/preview/:contactId/skip',
      { schema: { tags: ['campaigns'], summary: 'Not now: the contact goes back in line after the campaign gap', params: ContactParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        const agentId = agentOf(requireScope(request, 'agent:self'));
        await dialer().engine.previewSkip(request.params.id, agentId, request.params.contactId).catch(dialerError);
        await endPreviewBusy(agentId);
        return reply.code(204).send(null);
      },
    );

    app.post<{ Params: Static<typeof ContactParams> }>(
      '/v1/campaigns/:id/preview/:contactId/dial',
      {
        schema: {
          tags: ['campaigns'],
          summary: "Dial the previewed contact: the agent's phone rings, then the contact's; answers once they are bridged",
          params: ContactParams,
          response: { 200: Type.Object({ callId: Type.String(), contactId: Type.String() }), ...errors },
        },
      },
      async (request) => {
        const p = requireScope(request, 'agent:self');
        const agentId = agentOf(p);
        // the preview's busy state ends right before click-to-dial books the agent, so an inbound call has no time to take them
        const call = await dialer()
          .engine.previewDial(request.params.id, agentId, request.params.contactId, async (e164, callerId, variables) => {
            await endPreviewBusy(agentId);
            return control.clickToDial(p, e164, agentId, { callerId, variables });
          })
          .catch(async (err: unknown) => {
            await endPreviewBusy(agentId);
            return dialerError(err);
          });
        return { callId: call.id, contactId: request.params.contactId };
      },
    );
  };
}
