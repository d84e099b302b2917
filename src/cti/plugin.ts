/**
 * The CTI API on the server's fastify instance: the guard in front of every
 * /v1 route, OpenAPI at /docs, and one plugin per area (auth, agents, calls,
 * queues, events, webhooks, the web pages). Integrators and our own pages
 * use exactly these routes.
 */
import type { FastifyInstance } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import { installGuard } from './auth/hooks.js';
import { RateLimiter } from './auth/rate-limit.js';
import { TokenIssuer } from './auth/tokens.js';
import { EVENT_SCHEMAS, EVENT_TYPES } from './events/types.js';
import { eventsRoute, WS_PROTOCOL } from './routes/events.js';
import { authRoutes } from './routes/auth.js';
import { agentRoutes } from './routes/agents.js';
import { callRoutes } from './routes/calls.js';
import { queueRoutes } from './routes/queues.js';
import { webhookRoutes } from './routes/webhooks.js';
import { recordingRoutes } from './routes/recordings.js';
import { reportRoutes } from './routes/reports.js';
import { campaignRoutes } from './routes/campaigns.js';
import { dialerAgentRoutes } from './routes/dialer-agent.js';
import { webRoutes } from '../web/routes.js';
import type { CtiContext } from './context.js';
import type { Config } from '../config/schema.js';

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: 'ErrorBody', description: 'Every error: a code from the catalogue (docs/cti.md) and a message' },
);

/** The signing secret and JWT plugin, the guard, the docs: before any /v1 route is added. */
export async function installCtiBase(app: FastifyInstance, config: Config, secret: string): Promise<TokenIssuer> {
  await app.register(fastifyJwt, { secret, sign: { algorithm: 'HS256' }, verify: { algorithms: ['HS256'] } });
  const issuer = new TokenIssuer(app, config);
  installGuard(app, { issuer, allowedOrigins: config.cti.allowedOrigins, limiter: new RateLimiter(config.cti.rateLimitPerSecond) });
  await app.register(fastifySwagger, {
    // components named by their $id (event.call.offered, Agent, ErrorBody…), not def-N
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      info: {
        title: 'hotline CTI API',
        version: '1',
        description:
          'REST control and the WebSocket event stream (GET /v1/events, subprotocols "hotline.v1" and "bearer.<token>"). Event payloads are the event.* schemas; the catalogue is also at GET /v1/events/catalogue.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  app.addSchema(ErrorBody);
  for (const s of EVENT_SCHEMAS) app.addSchema(s);
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: config.cti.maxMessageBytes,
      // the bearer.<token> protocol only carries the token; the one we speak is hotline.v1
      handleProtocols: (protocols: Set<string>) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
    },
  });
  return issuer;
}

/** Every CTI area. */
export async function installCtiRoutes(app: FastifyInstance, ctx: CtiContext): Promise<void> {
  await app.register(authRoutes(ctx));
  await app.register(agentRoutes(ctx));
  await app.register(callRoutes(ctx));
  await app.register(queueRoutes(ctx));
  await app.register(webhookRoutes(ctx));
  await app.register(recordingRoutes(ctx));
  await app.register(reportRoutes(ctx));
  await app.register(campaignRoutes(ctx));
  await app.register(dialerAgentRoutes(ctx));
  await app.register(eventsRoute({ issuer: ctx.issuer, fanout: ctx.fanout, teamsOf: ctx.teamsOf, slowClientBytes: ctx.config.cti.events.slowClientBytes }));
  await app.register(webRoutes(ctx));
  app.get('/v1/events/catalogue', { config: { public: true }, schema: { tags: ['events'], summary: 'Every event type and its JSON schema' } }, () => ({
    types: EVENT_TYPES,
    schemas: EVENT_SCHEMAS,
  }));
}
