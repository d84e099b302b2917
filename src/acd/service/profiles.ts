/** Config → the core's agent profiles. */
import type { AgentConfig } from '../../config/schema.js';
import type { AgentProfile } from '../types.js';

export function agentProfiles(agents: readonly AgentConfig[]): AgentProfile[] {
  return agents.map((a, order) => ({
    id: a.id,
    name: a.name,
    skills: a.skills,
    teams: a.teams,
    ...(a.wrapUpSeconds === undefined ? {} : { wrapUpSeconds: a.wrapUpSeconds }),
    maxConcurrentOffers: a.maxConcurrentOffers,
    autoLogin: a.autoLogin,
    order,
  }));
}
