/**
 * Who is asking: the claims of a CTI token, and the pure rules of what they
 * may see and do. Every REST route and every WebSocket subscription goes
 * through these; nothing else decides access.
 *
 *   agent:self     its own state and the calls it is on; its own events
 *   supervisor     the agents of the teams it supervises, their calls and events; queue figures
 *   calls:control  any call (integrators: click-to-dial, transfers, variables)
 *   events:read    every event
 *   recordings:read  every recording of the tenant (an integrator's archive, QA tool)
 *   admin          everything, webhooks and IVR reloads included
 */
import type { CtiScope } from '../../config/schema.js';

export interface Principal {
  /** `agent:<id>` or `key:<id>`. */
  sub: string;
  tenant: string;
  scopes: readonly CtiScope[];
  /** The agent the token was issued to (agent tokens). */
  agentId?: string;
  /** Teams supervised (supervisor scope). */
  teams: readonly string[];
}

/** What the claims say about an agent: its teams. */
export type TeamsOf = (agentId: string) => readonly string[] | undefined;

export function hasScope(p: Principal, scope: CtiScope): boolean {
  return p.scopes.includes(scope) || p.scopes.includes('admin');
}

/** May `p` read or change this agent's state? */
export function mayActOnAgent(p: Principal, agentId: string, teamsOf: TeamsOf): boolean {
  if (hasScope(p, 'admin')) return true;
  if (p.agentId === agentId && hasScope(p, 'agent:self')) return true;
  if (hasScope(p, 'supervisor')) return supervises(p, agentId, teamsOf);
  return false;
}

export function supervises(p: Principal, agentId: string, teamsOf: TeamsOf): boolean {
  if (hasScope(p, 'admin')) return true;
  if (!hasScope(p, 'supervisor')) return false;
  const teams = teamsOf(agentId) ?? [];
  return teams.some((t) => p.teams.includes(t));
}

/** May `p` control a call whose agents (the one it is with, or being offered to) are `agents`? */
export function mayControlCall(p: Principal, agents: readonly string[], teamsOf: TeamsOf): boolean {
  if (hasScope(p, 'calls:control')) return true;
  if (p.agentId !== undefined && hasScope(p, 'agent:self') && agents.includes(p.agentId)) return true;
  return agents.some((a) => supervises(p, a, teamsOf));
}

/** A subscription's filter, as the client sends it. */
export interface EventFilter {
  agents?: readonly string[];
  queues?: readonly string[];
  all?: boolean;
}

/**
 * Is the filter allowed at all for `p`? Returns the reason when not. An agent
 * may follow only itself; a supervisor its teams' agents and any queue;
 * events:read anything.
 */
export function filterRefusal(p: Principal, f: EventFilter, teamsOf: TeamsOf): string | undefined {
  if (hasScope(p, 'events:read')) return undefined;
  if (f.all === true && !hasScope(p, 'supervisor')) return 'all events need the supervisor or events:read scope';
  for (const a of f.agents ?? []) {
    if (teamsOf(a) === undefined) return `no agent ${a}`;
    if (!(p.agentId === a && hasScope(p, 'agent:self')) && !supervises(p, a, teamsOf)) return `agent ${a} is not yours`;
  }
  if ((f.queues?.length ?? 0) > 0 && !hasScope(p, 'supervisor')) return 'queue events need the supervisor or events:read scope';
  return undefined;
}

/** The agents an event is about (for matching and visibility). */
export interface EventParties {
  agentId?: string;
  fromAgentId?: string;
  queue?: string;
}

/**
 * May `p` see this event (checked for each event, whatever the filter said)?
 * Agent events and call events with an agent are visible to that agent and
 * its supervisors; queue-level events (no agent) to supervisors.
 */
export function maySee(p: Principal, e: EventParties, teamsOf: TeamsOf): boolean {
  if (hasScope(p, 'events:read')) return true;
  const agents = [e.agentId, e.fromAgentId].filter((a): a is string => a !== undefined);
  if (agents.length === 0) return hasScope(p, 'supervisor');
  return agents.some((a) => (p.agentId === a && hasScope(p, 'agent:self')) || supervises(p, a, teamsOf));
}

/** Does the event match the filter (visibility aside)? */
export function matches(f: EventFilter, e: EventParties): boolean {
  if (f.all === true) return true;
  if (f.agents !== undefined && ((e.agentId !== undefined && f.agents.includes(e.agentId)) || (e.fromAgentId !== undefined && f.agents.includes(e.fromAgentId)))) return true;
  return f.queues !== undefined && e.queue !== undefined && f.queues.includes(e.queue);
}

/**
 * May `p` hear (list, play, download) a recording whose agent is `agentId`?
 * recordings:read (and admin) every one; an agent its own; a supervisor those
 * of its teams' agents, and recordings with no agent (voicemail, a caller who
 * never reached anyone), as it sees queue-level events.
 */
export function mayHearRecording(p: Principal, agentId: string | null, teamsOf: TeamsOf): boolean {
  if (hasScope(p, 'recordings:read')) return true;
  if (agentId === null) return hasScope(p, 'supervisor');
  if (p.agentId === agentId && hasScope(p, 'agent:self')) return true;
  return supervises(p, agentId, teamsOf);
}

/**
 * Which recordings `p` may hear, as a filter a search applies (the same rule as
 * {@link mayHearRecording}, for every agent at once): all of them, those of
 * `agents` (plus those with no agent when `unassigned`), or none.
 */
export type RecordingVisibility =
  | { readonly kind: 'all' }
  | { readonly kind: 'some'; readonly agents: readonly string[]; readonly unassigned: boolean }
  | { readonly kind: 'none' };

/** `knownAgents`: every configured agent id (a recording of an agent no longer configured is recordings:read's only). */
export function recordingVisibility(p: Principal, knownAgents: readonly string[], teamsOf: TeamsOf): RecordingVisibility {
  if (hasScope(p, 'recordings:read')) return { kind: 'all' };
  const candidates = p.agentId === undefined ? knownAgents : [...new Set([...knownAgents, p.agentId])];
  const agents = candidates.filter((a) => mayHearRecording(p, a, teamsOf));
  const unassigned = mayHearRecording(p, null, teamsOf);
  if (agents.length === 0 && !unassigned) return { kind: 'none' };
  return { kind: 'some', agents, unassigned };
}

/** Does the filter admit a recording of `agentId`? (What the SQL of a search does, for tests and single rows.) */
export function visibilityAdmits(v: RecordingVisibility, agentId: string | null): boolean {
  if (v.kind === 'all') return true;
  if (v.kind === 'none') return false;
  return agentId === null ? v.unassigned : v.agents.includes(agentId);
}
