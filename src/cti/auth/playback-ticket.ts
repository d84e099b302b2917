/**
 * Playback tickets: a browser's `<audio src>` cannot send an Authorization
 * header, so the page trades its bearer token for a short-lived URL
 * (`POST /v1/recordings/:id/playback`). A ticket is an HS256 JWT signed with
 * the CTI secret (@fastify/jwt), bound to one recording id and to the
 * principal that asked; the audio route accepts it instead of a token for
 * that recording only, and audits with the ticket's principal.
 *
 * A ticket is not a bearer token: its claims are `typ`, `rid`, `sub`,
 * `tenant` and the principal's scopes under `p`, so `TokenIssuer.verify`
 * (which wants top-level `scopes`) refuses it, and a bearer token (no `typ`)
 * is refused here.
 */
import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/jwt';
import type { Config, CtiScope } from '../../config/schema.js';
import { ApiError } from '../../http/errors.js';
import type { Principal } from './principal.js';

export const TICKET_TYPE = 'hotline.playback';
export const DEFAULT_TICKET_TTL_SECONDS = 300;

interface TicketClaims {
  typ: string;
  rid: string;
  sub: string;
  tenant: string;
  p: { scopes: CtiScope[]; agentId?: string; teams: string[] };
  exp?: number;
}

export interface IssuedTicket {
  ticket: string;
  expiresAt: string;
}

export class PlaybackTickets {
  private readonly agents: Set<string>;

  constructor(
    private readonly app: FastifyInstance,
    private readonly config: Config,
    private readonly ttlSeconds: number = DEFAULT_TICKET_TTL_SECONDS,
  ) {
    this.agents = new Set(config.agents.map((a) => a.id));
  }

  /** A ticket for `recordingId`, acting as `p`. */
  issue(p: Principal, recordingId: string): IssuedTicket {
    const claims: TicketClaims = {
      typ: TICKET_TYPE,
      rid: recordingId,
      sub: p.sub,
      tenant: p.tenant,
      p: { scopes: [...p.scopes], teams: [...p.teams], ...(p.agentId === undefined ? {} : { agentId: p.agentId }) },
    };
    const ticket = this.app.jwt.sign({ ...claims }, { expiresIn: this.ttlSeconds });
    return { ticket, expiresAt: new Date(Date.now() + this.ttlSeconds * 1000).toISOString() };
  }

  /** The principal of a ticket for `recordingId`. Throws CTI_TICKET_INVALID / CTI_TICKET_EXPIRED / CTI_TENANT_FORBIDDEN (401/403). */
  verify(ticket: string, recordingId: string): Principal {
    let claims: Partial<TicketClaims>;
    try {
      claims = this.app.jwt.verify<Partial<TicketClaims>>(ticket);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.includes('EXPIRED')) throw new ApiError('CTI_TICKET_EXPIRED', 'The playback ticket has expired: ask for a new one');
      throw new ApiError('CTI_TICKET_INVALID', 'The playback ticket is not valid');
    }
    const inner = claims.p;
    if (claims.typ !== TICKET_TYPE || typeof claims.sub !== 'string' || typeof claims.tenant !== 'string' || typeof inner !== 'object' || inner === null || !Array.isArray(inner.scopes))
      throw new ApiError('CTI_TICKET_INVALID', 'Not a playback ticket');
    if (claims.rid !== recordingId) throw new ApiError('CTI_TICKET_INVALID', 'The playback ticket is for another recording');
    if (claims.tenant !== this.config.cti.tenant) throw new ApiError('CTI_TENANT_FORBIDDEN', 'The ticket belongs to another tenant');
    if (inner.agentId !== undefined && !this.agents.has(inner.agentId)) throw new ApiError('CTI_TICKET_INVALID', 'The agent no longer exists');
    return {
      sub: claims.sub,
      tenant: claims.tenant,
      scopes: inner.scopes,
      teams: Array.isArray(inner.teams) ? inner.teams : [],
      ...(typeof inner.agentId === 'string' ? { agentId: inner.agentId } : {}),
    };
  }
}
