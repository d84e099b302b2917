/**
 * The guard in front of every `/v1/*` route: browser origin allowlist (with
 * CORS for the allowed ones), a rate limit per token or address, and the
 * bearer token turned into `request.principal`. A route marked
 * `config: { public: true }` (token issuance, the pages' bootstrap) skips
 * the token check, not the origin check or the rate limit.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../http/errors.js';
import { hasScope, type Principal } from './principal.js';
import { bearerToken, type TokenIssuer } from './tokens.js';
import type { RateLimiter } from './rate-limit.js';
import type { CtiScope } from '../../config/schema.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking (set by the CTI guard on every authenticated /v1 route). */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** No token needed (the guard still checks origin and rate). */
    public?: boolean;
  }
}

export interface GuardOptions {
  issuer: TokenIssuer;
  allowedOrigins: readonly string[];
  limiter: RateLimiter;
}

/** Is a browser's Origin header acceptable: the server's own pages, or a configured origin? */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not a browser (curl, a CRM's server)
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function installGuard(app: FastifyInstance, opts: GuardOptions): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const origin = request.headers.origin;
    if (!originAllowed(origin, request.headers.host, opts.allowedOrigins)) throw new ApiError('CTI_ORIGIN_FORBIDDEN', `Origin ${origin ?? ''} is not allowed`);
    if (origin !== undefined && opts.allowedOrigins.includes(origin)) {
      void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (request.method === 'OPTIONS') {
        void reply
          .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
          .header('access-control-allow-headers', 'authorization, content-type')
          .header('access-control-max-age', '600');
        return reply.code(204).send();
      }
    }
    const token = bearerToken(request.headers.authorization);
    // the WebSocket upgrade carries its token in the subprotocol and is checked by its route
    if (request.routeOptions.config.public === true || isUpgrade(request)) {
      if (!opts.limiter.take(`ip:${request.ip}`)) throw new ApiError('CTI_RATE_LIMITED', 'Too many requests: slow down');
      return;
    }
    const principal = opts.issuer.verify(token);
    if (!opts.limiter.take(principal.sub)) throw new ApiError('CTI_RATE_LIMITED', 'Too many requests: slow down');
    request.principal = principal;
  });
}

function isUpgrade(request: FastifyRequest): boolean {
  return (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The principal of a guarded route (throws if the guard did not run: a wiring bug, not a client error). */
export function principalOf(request: FastifyRequest): Principal {
  const p = request.principal;
  if (p === undefined) throw new ApiError('CTI_UNAUTHENTICATED', 'A bearer token is required');
  return p;
}

/** Throws CTI_FORBIDDEN unless the principal has one of the scopes. */
export function requireScope(request: FastifyRequest, ...scopes: CtiScope[]): Principal {
  const p = principalOf(request);
  if (!scopes.some((s) => hasScope(p, s))) throw new ApiError('CTI_FORBIDDEN', `Needs scope ${scopes.join(' or ')}`);
  return p;
}
