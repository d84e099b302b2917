/**
 * Agents: log in and out, ready, not ready with a reason, wrap-up done, the
 * current state, and (supervisors) the list. `me` stands for the token's own
 * agent. An agent may change only itself; a supervisor its teams' agents.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../http/errors.js';
import type { CtiContext } from '../context.js';
import { principalOf, requireScope } from '../auth/hooks.js';
import { hasScope, mayActOnAgent, supervises } from '../auth/principal.js';
import { acdCall } from '../acd-errors.js';
import type { AgentLive } from '../../acd/types.js';

const AgentParams = Type.Object({ agentId: Type.String({ pattern: '^[A-Za-z0-9_.+*#-]{1,64}$' }) });
const NotReadyBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9 _.-]+$' }) }, { additionalProperties: false });

export const AgentView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    teams: Type.Array(Type.String()),
    skills: Type.Record(Type.String(), Type.Integer()),
    state: Type.String(),
    reason: Type.Optional(Type.String()),
    since: Type.String({ format: 'date-time' }),
    callId: Type.Optional(Type.String()),
    wrapUntil: Type.Optional(Type.String({ format: 'date-time' })),
    callsTaken: Type.Integer(),
  },
  { $id: 'Agent' },
);
export type AgentViewT = Static<typeof AgentView>;

const err = { $ref: 'ErrorBody#' };
const errors = { 401: err, 403: err, 404: err, 409: err, 503: err };

export function agentRoutes(ctx: CtiContext) {
  const profiles = new Map(ctx.config.agents.map((a) => [a.id, a]));

  const view = (id: string, live: AgentLive | undefined): AgentViewT => {
    const p = profiles.get(id)!;
    return {
      id,
      name: p.name,
      teams: [...p.teams],
      skills: { ...p.skills },
      state: live?.state ?? 'logged-out',
      ...(live?.reason === undefined ? {} : { reason: live.reason }),
      since: new Date(live?.since ?? 0).toISOString(),
      ...(live?.call === undefined ? {} : { callId: live.call }),
      ...(live?.wrapUntil === undefined ? {} : { wrapUntil: new Date(live.wrapUntil).toISOString() }),
      callsTaken: live?.callsTaken ?? 0,
    };
  };

  /** The agent of the route, after the access check (404 for an unknown id, 403 for someone else's). */
  const target = (request: FastifyRequest<{ Params: Static<typeof AgentParams> }>): string => {
    const p = principalOf(request);
    const id = request.params.agentId === 'me' ? p.agentId : request.params.agentId;
    if (id === undefined) throw new ApiError('CTI_AGENT_NOT_FOUND', '"me" needs an agent token');
    if (!profiles.has(id)) throw new ApiError('CTI_AGENT_NOT_FOUND', `No agent ${id}`);
    if (!mayActOnAgent(p, id, ctx.teamsOf)) throw new ApiError('CTI_FORBIDDEN', `Agent ${id} is not yours`);
    return id;
  };

  return (app: FastifyInstance): void => {
    app.get('/v1/agents', { schema: { tags: ['agents'], summary: 'Agents and their state (supervisors: their teams)', response: { 200: Type.Object({ agents: Type.Array(AgentView) }), ...errors } } }, (request) => {
      const p = requireScope(request, 'supervisor', 'events:read', 'calls:control');
      const all = hasScope(p, 'events:read') || hasScope(p, 'calls:control');
      const agents = [...profiles.keys()].filter((id) => all || supervises(p, id, ctx.teamsOf)).map((id) => view(id, ctx.acd.agent(id)));
      return { agents };
    });
    app.get<{ Params: Static<typeof AgentParams> }>('/v1/agents/:agentId', { schema: { tags: ['agents'], summary: 'One agent', params: AgentParams, response: { 200: AgentView, ...errors } } }, (request) => {
      const id = target(request);
      return view(id, ctx.acd.agent(id));
    });
    const action = (path: string, summary: string, run: (id: string, body: unknown) => Promise<AgentLive>, body?: typeof NotReadyBody): void => {
      app.post<{ Params: Static<typeof AgentParams> }>(
        `/v1/agents/:agentId/${path}`,
        { schema: { tags: ['agents'], summary, params: AgentParams, ...(body === undefined ? {} : { body }), response: { 200: AgentView, ...errors } } },
        async (request) => {
          const id = target(request);
          const live = await acdCall(() => run(id, request.body));
          return view(id, live);
        },
      );
    };
    action('login', 'Log in: ready for calls, or paused with {"reason"}', (id, b) => {
      const reason = (b as { reason?: string } | undefined)?.reason;
      return ctx.acd.login(id, reason === undefined ? {} : { pausedReason: reason });
    }, Type.Union([Type.Partial(NotReadyBody), Type.Null()]) as unknown as typeof NotReadyBody);
    action('logout', 'Log out (after the current call, if on one)', (id) => ctx.acd.logout(id));
    action('ready', 'Available for calls', (id) => ctx.acd.ready(id));
    action('not-ready', 'Paused with a reason (break, lunch, training…)', (id, b) => ctx.acd.pause(id, (b as Static<typeof NotReadyBody>).reason), NotReadyBody);
    action('wrap-up-done', 'After-call work finished: available again', (id) => ctx.acd.wrapUpDone(id));
  };
}
