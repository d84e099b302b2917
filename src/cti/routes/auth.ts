/**
 * `POST /v1/auth/token`: an agent's id and password, or an integrator's API
 * key, for a bearer token. `GET /v1/auth/me`: what the token says.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { CtiContext } from '../context.js';
import { principalOf } from '../auth/hooks.js';

const TokenRequest = Type.Union([
  Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
  Type.Object({ apiKey: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
]);

const TokenResponse = Type.Object({
  token: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresAt: Type.String({ format: 'date-time' }),
  tenant: Type.String(),
  scopes: Type.Array(Type.String()),
  agentId: Type.Optional(Type.String()),
  teams: Type.Array(Type.String()),
});

const err = { $ref: 'ErrorBody#' };

export function authRoutes(ctx: CtiContext) {
  return (app: FastifyInstance): void => {
    app.post<{ Body: Static<typeof TokenRequest> }>(
      '/v1/auth/token',
      {
        config: { public: true },
        schema: { tags: ['auth'], summary: 'Get a bearer token', security: [], body: TokenRequest, response: { 200: TokenResponse, 400: err, 401: err, 429: err } },
      },
      (request) => ('apiKey' in request.body ? ctx.issuer.forApiKey(request.body.apiKey) : ctx.issuer.forAgent(request.body.agentId, request.body.password)),
    );
    app.get('/v1/auth/me', { schema: { tags: ['auth'], summary: "The token's claims", response: { 401: err } } }, (request) => principalOf(request));
  };
}
