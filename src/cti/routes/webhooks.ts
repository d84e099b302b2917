/**
 * Webhooks (admin): register a URL for event types (or "*"), list, read,
 * delete, and see the recent deliveries. The signing secret is shown once,
 * in the answer to the registration. Deliveries: src/cti/webhooks/worker.ts;
 * signatures: src/cti/webhooks/sign.ts.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError } from '../../http/errors.js';
import type { CtiContext } from '../context.js';
import { requireScope } from '../auth/hooks.js';
import { MAX_SECRET_LENGTH, MAX_URL_LENGTH, MIN_SECRET_LENGTH, viewOf, WebhookInvalid, type Webhook } from '../webhooks/registry.js';

const WebhookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const CreateBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: MAX_URL_LENGTH, description: 'http:// or https:// URL the events are POSTed to' }),
    events: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64, description: 'Event types (GET /v1/events/catalogue), or ["*"] for all' }),
    secret: Type.Optional(Type.String({ minLength: MIN_SECRET_LENGTH, maxLength: MAX_SECRET_LENGTH, description: 'HMAC key; generated when absent' })),
  },
  { additionalProperties: false },
);

const WebhookFields = {
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  /** False once the receiver answered 410 Gone: no more deliveries. */
  active: Type.Boolean({ description: 'False once the receiver answered 410 Gone: no more deliveries' }),
};
export const WebhookView = Type.Object(WebhookFields, { $id: 'Webhook' });
const CreatedView = Type.Object({ ...WebhookFields, secret: Type.String({ description: 'Shown once: keep it to verify X-Hotline-Signature' }) });

const DeliveryView = Type.Object({
  eventId: Type.String(),
  eventType: Type.String(),
  state: Type.String({ description: 'waiting, delayed (a retry is due), active, completed, failed' }),
  attemptsMade: Type.Integer(),
  status: Type.Optional(Type.Integer({ description: 'HTTP status of the successful attempt' })),
  lastError: Type.Optional(Type.String()),
  queuedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
});
const DeliveriesQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })) });

const err = { $ref: 'ErrorBody#' };
const errors = { 401: err, 403: err, 404: err, 503: err };

type Params = { Params: Static<typeof WebhookParams> };

export function webhookRoutes(ctx: CtiContext) {
  const { registry, deliveries } = ctx.webhooks;

  /** Redis (the registry, BullMQ) unreachable is a 503: nothing was changed. */
  const stored = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (e) {
      if (e instanceof WebhookInvalid) throw new ApiError('BAD_REQUEST', e.message);
      if (e instanceof ApiError) throw e;
      ctx.logger.warn({ err: e, code: 'CTI_UNAVAILABLE' }, 'webhooks: redis unavailable');
      throw new ApiError('CTI_UNAVAILABLE', 'Webhook store unavailable: try again');
    }
  };

  const find = async (id: string): Promise<Webhook> => {
    const hook = await stored(() => registry.get(id));
    if (hook === undefined) throw new ApiError('CTI_WEBHOOK_NOT_FOUND', `No webhook ${id}`);
    return hook;
  };

  return (app: FastifyInstance): void => {
    app.post<{ Body: Static<typeof CreateBody> }>(
      '/v1/webhooks',
      { schema: { tags: ['webhooks'], summary: 'Register a webhook (the secret is in this answer only)', body: CreateBody, response: { 201: CreatedView, 400: err, ...errors } } },
      async (request, reply) => {
        requireScope(request, 'admin');
        const hook = await stored(() => registry.create(request.body));
        request.log.info({ webhookId: hook.id, events: hook.events }, 'webhook registered');
        return reply.code(201).send({ ...viewOf(hook), secret: hook.secret });
      },
    );
    app.get('/v1/webhooks', { schema: { tags: ['webhooks'], summary: 'Every webhook (without secrets)', response: { 200: Type.Object({ webhooks: Type.Array(WebhookView) }), ...errors } } }, async (request) => {
      requireScope(request, 'admin');
      return { webhooks: (await stored(() => registry.list())).map(viewOf) };
    });
    app.get<Params>('/v1/webhooks/:id', { schema: { tags: ['webhooks'], summary: 'One webhook (without its secret)', params: WebhookParams, response: { 200: WebhookView, ...errors } } }, async (request) => {
      requireScope(request, 'admin');
      return viewOf(await find(request.params.id));
    });
    app.delete<Params>(
      '/v1/webhooks/:id',
      { schema: { tags: ['webhooks'], summary: 'Delete a webhook; deliveries still queued for it are dropped', params: WebhookParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        requireScope(request, 'admin');
        if (!(await stored(() => registry.delete(request.params.id)))) throw new ApiError('CTI_WEBHOOK_NOT_FOUND', `No webhook ${request.params.id}`);
        request.log.info({ webhookId: request.params.id }, 'webhook deleted');
        return reply.code(204).send();
      },
    );
    app.get<Params & { Querystring: Static<typeof DeliveriesQuery> }>(
      '/v1/webhooks/:id/deliveries',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Recent deliveries, newest first: state, attempts, last error (kept a day when delivered, a week when failed)',
          params: WebhookParams,
          querystring: DeliveriesQuery,
          response: { 200: Type.Object({ deliveries: Type.Array(DeliveryView) }), ...errors },
        },
      },
      async (request) => {
        requireScope(request, 'admin');
        const hook = await find(request.params.id);
        return { deliveries: await stored(() => deliveries.deliveries(hook.id, request.query.limit ?? 50)) };
      },
    );
  };
}
