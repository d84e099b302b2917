/**
 * Credentials → tokens → principals. Agents log in with their id and the
 * password they register their phone with; integrators trade an API key.
 * Tokens are HS256 JWTs signed with the shared CTI secret (@fastify/jwt);
 * `verify` is the one place a token becomes a {@link Principal}, for REST
 * and the WebSocket alike.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/jwt';
import type { AgentConfig, Config, CtiScope } from '../../config/schema.js';
import { ApiError } from '../../http/errors.js';
import type { Principal } from './principal.js';

export interface TokenClaims {
  sub: string;
  tenant: string;
  scopes: CtiScope[];
  agentId?: string;
  teams: string[];
  exp?: number;
}

export interface IssuedToken {
  token: string;
  tokenType: 'Bearer';
  expiresAt: string;
  tenant: string;
  scopes: CtiScope[];
  agentId?: string;
  teams: string[];
}

function sameSecret(a: string, b: string): boolean {
  // hash first: equal lengths for timingSafeEqual, and no early exit on length
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The scopes an agent's token carries: itself, and its teams if it supervises any. */
export function agentScopes(agent: AgentConfig): CtiScope[] {
  return agent.supervises.length > 0 ? ['agent:self', 'supervisor'] : ['agent:self'];
}

export class TokenIssuer {
  private readonly agents: Map<string, AgentConfig>;

  constructor(
    private readonly app: FastifyInstance,
    private readonly config: Config,
  ) {
    this.agents = new Map(config.agents.map((a) => [a.id, a]));
  }

  /** Agent login: id + password. */
  forAgent(agentId: string, password: string): IssuedToken {
    const agent = this.agents.get(agentId);
    // compare against something even for an unknown id, so timing does not tell ids apart
    const ok = sameSecret(password, agent?.password ?? '\u0000unknown-agent');
    if (agent === undefined || !ok) throw new ApiError('CTI_BAD_CREDENTIALS', 'Agent id or password not accepted');
    return this.issue({ sub: `agent:${agent.id}`, tenant: this.config.cti.tenant, scopes: agentScopes(agent), agentId: agent.id, teams: [...agent.supervises] });
  }

  /** Integrator: API key. */
  forApiKey(key: string): IssuedToken {
    let found: Config['cti']['apiKeys'][number] | undefined;
    for (const k of this.config.cti.apiKeys) if (sameSecret(key, k.key)) found = k;
    if (found === undefined) throw new ApiError('CTI_BAD_CREDENTIALS', 'API key not accepted');
    return this.issue({ sub: `key:${found.id}`, tenant: found.tenant ?? this.config.cti.tenant, scopes: [...found.scopes], teams: [] });
  }

  private issue(claims: TokenClaims): IssuedToken {
    const ttl = this.config.cti.tokenTtlSeconds;
    const token = this.app.jwt.sign({ ...claims }, { expiresIn: ttl });
    return {
      token,
      tokenType: 'Bearer',
      expiresAt: new Date(Date.now() + ttl * 1000).toISOString(),
      tenant: claims.tenant,
      scopes: claims.scopes,
      ...(claims.agentId === undefined ? {} : { agentId: claims.agentId }),
      teams: claims.teams,
    };
  }

  /** A token → who it is. Throws the coded 401/403 a client should see. */
  verify(token: string | undefined): Principal {
    if (token === undefined || token === '') throw new ApiError('CTI_UNAUTHENTICATED', 'A bearer token is required (POST /v1/auth/token)');
    let claims: TokenClaims;
    try {
      claims = this.app.jwt.verify<TokenClaims>(token);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.includes('EXPIRED')) throw new ApiError('CTI_TOKEN_EXPIRED', 'The token has expired: get a new one');
      throw new ApiError('CTI_UNAUTHENTICATED', 'The token is not valid');
    }
    if (typeof claims.sub !== 'string' || !Array.isArray(claims.scopes) || typeof claims.tenant !== 'string')
      throw new ApiError('CTI_UNAUTHENTICATED', 'The token is not a CTI token');
    if (claims.tenant !== this.config.cti.tenant) throw new ApiError('CTI_TENANT_FORBIDDEN', 'The token belongs to another tenant');
    // an agent removed from the config since the token was issued is out
    if (claims.agentId !== undefined && !this.agents.has(claims.agentId)) throw new ApiError('CTI_UNAUTHENTICATED', 'The agent no longer exists');
    return {
      sub: claims.sub,
      tenant: claims.tenant,
      scopes: claims.scopes,
      teams: Array.isArray(claims.teams) ? claims.teams : [],
      ...(typeof claims.agentId === 'string' ? { agentId: claims.agentId } : {}),
    };
  }
}

/** The bearer token of an Authorization header, or of the WebSocket subprotocol `bearer.<token>`. */
export function bearerToken(authorization: string | undefined, protocols?: string  ): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (m?.[1] !== undefined) return m[1];
  for (const p of (protocols ?? '').split(',')) {
    const t = p.trim();
    if (t.startsWith('bearer.')) return t.slice('bearer.'.length);
  }
  return undefined;
}
