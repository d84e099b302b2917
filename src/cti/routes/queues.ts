/**
 * Queues: live figures (waiting, longest wait, agents by state, today's
 * service level and ASA) and the callers waiting, with place and estimated
 * wait. For supervisors and integrators; callers' numbers only with
 * `events:read` or `calls:control` (an integrator's CRM), not on a wallboard.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../http/errors.js';
import type { CtiContext } from '../context.js';
import { requireScope } from '../auth/hooks.js';
import { hasScope } from '../auth/principal.js';
import { QueueTodaySchema } from '../events/types.js';

const QueueParams = Type.Object({ queueId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

export const QueueView = Type.Object(
  {
    queue: Type.String(),
    name: Type.String(),
    waiting: Type.Integer(),
    longestWaitMs: Type.Integer(),
    agents: Type.Record(Type.String(), Type.Integer()),
    emergency: Type.Boolean(),
    serviceLevelSeconds: Type.Integer(),
    today: QueueTodaySchema,
  },
  { $id: 'Queue' },
);

const WaitingCall = Type.Object({
  callId: Type.String(),
  position: Type.Integer(),
  priority: Type.Integer(),
  state: Type.String(),
  waitedMs: Type.Integer(),
  estimatedWaitMs: Type.Optional(Type.Integer()),
  caller: Type.Optional(Type.String()),
  variables: Type.Record(Type.String(), Type.String()),
});

const err = { $ref: 'ErrorBody#' };

export function queueRoutes(ctx: CtiContext) {
  const queues = new Map(ctx.config.queues.map((q) => [q.id, q]));

  const view = (id: string): Static<typeof QueueView> => {
    const q = queues.get(id)!;
    return { ...ctx.acd.queueStats(id), name: q.name, serviceLevelSeconds: q.serviceLevelSeconds, today: ctx.today.today(id) };
  };

  return (app: FastifyInstance): void => {
    app.get('/v1/queues', { schema: { tags: ['queues'], summary: 'Every queue, live', response: { 200: Type.Object({ queues: Type.Array(QueueView) }), 401: err, 403: err } } }, async (request) => {
      requireScope(request, 'supervisor', 'events:read', 'calls:control');
      await ctx.today.refresh().catch(() => undefined);
      return { queues: [...queues.keys()].map(view) };
    });
    app.get<{ Params: Static<typeof QueueParams> }>(
      '/v1/queues/:queueId',
      { schema: { tags: ['queues'], summary: 'One queue, live', params: QueueParams, response: { 200: QueueView, 401: err, 403: err, 404: err } } },
      async (request) => {
        requireScope(request, 'supervisor', 'events:read', 'calls:control');
        if (!queues.has(request.params.queueId)) throw new ApiError('CTI_QUEUE_NOT_FOUND', `No queue ${request.params.queueId}`);
        await ctx.today.refresh().catch(() => undefined);
        return view(request.params.queueId);
      },
    );
    app.get<{ Params: Static<typeof QueueParams> }>(
      '/v1/queues/:queueId/calls',
      {
        schema: {
          tags: ['queues'],
          summary: 'Callers waiting, in order, with position and estimated wait',
          params: QueueParams,
          response: { 200: Type.Object({ queue: Type.String(), calls: Type.Array(WaitingCall) }), 401: err, 403: err, 404: err },
        },
      },
      (request) => {
        const p = requireScope(request, 'supervisor', 'events:read', 'calls:control');
        const id = request.params.queueId;
        if (!queues.has(id)) throw new ApiError('CTI_QUEUE_NOT_FOUND', `No queue ${id}`);
        const withNumbers = hasScope(p, 'events:read') || hasScope(p, 'calls:control');
        const calls = ctx.acd.waitingCalls(id).map(({ caller, ...c }) => ({
          ...c,
          ...(withNumbers && caller !== undefined ? { caller } : {}),
          variables: { ...(ctx.acd.view.entry(c.callId)?.variables ?? {}) },
        }));
        return { queue: id, calls };
      },
    );
  };
}
