/**
 * The CTI access rules (src/cti/auth/principal.ts): who may act on which
 * agent, control which call, subscribe to which filter and see which event.
 * Fixture: agents 1001 and 1002 are in team east, 1003 in team west; any
 * other id is not an agent.
 */
import { describe, expect, it } from 'vitest';
import type { CtiScope } from '../../src/config/schema.js';
import { filterRefusal, hasScope, matches, mayActOnAgent, mayControlCall, maySee, supervises, type Principal, type TeamsOf } from '../../src/cti/auth/principal.js';

const TEAMS: Record<string, readonly string[]> = { '1001': ['east'], '1002': ['east'], '1003': ['west'] };
const teamsOf: TeamsOf = (id) => TEAMS[id];

const principal = (sub: string, scopes: CtiScope[], extra: Partial<Principal> = {}): Principal => ({ sub, tenant: 't', scopes, teams: [], ...extra });

const agent1001 = principal('agent:1001', ['agent:self'], { agentId: '1001' });
const agent1003 = principal('agent:1003', ['agent:self'], { agentId: '1003' });
const supervisorEast = principal('agent:1004', ['agent:self', 'supervisor'], { agentId: '1004', teams: ['east'] });
const admin = principal('key:admin', ['admin']);
const integrator = principal('key:crm', ['calls:control']);
const reader = principal('key:r', ['events:read']);
/** Supervisor scope in the token, but the agent:self scope missing: its agentId alone gives nothing. */
const bareAgentId = principal('agent:1001', ['supervisor'], { agentId: '1001', teams: ['west'] });

describe('hasScope', () => {
  it('an agent token has agent:self and not supervisor', () => {
    expect(hasScope(agent1001, 'agent:self')).toBe(true);
    expect(hasScope(agent1001, 'supervisor')).toBe(false);
  });

  it('admin implies every scope', () => {
    for (const s of ['agent:self', 'supervisor', 'calls:control', 'events:read', 'admin'] as const) expect(hasScope(admin, s)).toBe(true);
  });

  it('calls:control does not imply events:read or admin', () => {
    expect(hasScope(integrator, 'calls:control')).toBe(true);
    expect(hasScope(integrator, 'events:read')).toBe(false);
    expect(hasScope(integrator, 'admin')).toBe(false);
  });
});

describe('mayActOnAgent', () => {
  it('agent 1001 acts on itself → allowed', () => {
    expect(mayActOnAgent(agent1001, '1001', teamsOf)).toBe(true);
  });

  it('agent 1001 acts on agent 1002 of its own team → refused (agents are not supervisors)', () => {
    expect(mayActOnAgent(agent1001, '1002', teamsOf)).toBe(false);
  });

  it('supervisor of team east acts on agent 1002 of team east → allowed', () => {
    expect(mayActOnAgent(supervisorEast, '1002', teamsOf)).toBe(true);
  });

  it('supervisor of team east acts on agent 1003 of team west → refused', () => {
    expect(mayActOnAgent(supervisorEast, '1003', teamsOf)).toBe(false);
  });

  it('supervisor of team east acts on itself (1004, in no team) → allowed through agent:self', () => {
    expect(mayActOnAgent(supervisorEast, '1004', teamsOf)).toBe(true);
  });

  it('admin acts on any agent, even one that is not in the claims → allowed', () => {
    expect(mayActOnAgent(admin, '1003', teamsOf)).toBe(true);
    expect(mayActOnAgent(admin, '9999', teamsOf)).toBe(true);
  });

  it('integrator with calls:control only acts on agent 1001 → refused', () => {
    expect(mayActOnAgent(integrator, '1001', teamsOf)).toBe(false);
  });

  it('a token naming agent 1001 but without agent:self acts on 1001 → refused (west supervisor, 1001 is east)', () => {
    expect(mayActOnAgent(bareAgentId, '1001', teamsOf)).toBe(false);
  });
});

describe('supervises', () => {
  it('supervisor of team east supervises 1001 and 1002, not 1003 nor an unknown agent', () => {
    expect(supervises(supervisorEast, '1001', teamsOf)).toBe(true);
    expect(supervises(supervisorEast, '1002', teamsOf)).toBe(true);
    expect(supervises(supervisorEast, '1003', teamsOf)).toBe(false);
    expect(supervises(supervisorEast, '9999', teamsOf)).toBe(false);
  });

  it('teams in the token without the supervisor scope supervise nobody', () => {
    const notSupervisor = principal('agent:1005', ['agent:self'], { agentId: '1005', teams: ['east'] });
    expect(supervises(notSupervisor, '1001', teamsOf)).toBe(false);
  });

  it('admin supervises everyone', () => {
    expect(supervises(admin, '1003', teamsOf)).toBe(true);
  });
});

describe('mayControlCall', () => {
  it('integrator with calls:control controls a call with any agent, or with none', () => {
    expect(mayControlCall(integrator, ['1003'], teamsOf)).toBe(true);
    expect(mayControlCall(integrator, [], teamsOf)).toBe(true);
  });

  it('agent 1001 controls the call it is on → allowed; a call with 1002 only → refused', () => {
    expect(mayControlCall(agent1001, ['1001'], teamsOf)).toBe(true);
    expect(mayControlCall(agent1001, ['1002'], teamsOf)).toBe(false);
  });

  it('agent 1001 controls a call offered to 1002 and to itself → allowed', () => {
    expect(mayControlCall(agent1001, ['1002', '1001'], teamsOf)).toBe(true);
  });

  it('supervisor of team east controls a call of 1002 → allowed; of 1003 → refused; of 1003 and 1001 → allowed', () => {
    expect(mayControlCall(supervisorEast, ['1002'], teamsOf)).toBe(true);
    expect(mayControlCall(supervisorEast, ['1003'], teamsOf)).toBe(false);
    expect(mayControlCall(supervisorEast, ['1003', '1001'], teamsOf)).toBe(true);
  });

  it('a call with no agent yet → only calls:control or admin may control it', () => {
    expect(mayControlCall(agent1001, [], teamsOf)).toBe(false);
    expect(mayControlCall(supervisorEast, [], teamsOf)).toBe(false);
    expect(mayControlCall(admin, [], teamsOf)).toBe(true);
  });

  it('events:read alone controls no call', () => {
    expect(mayControlCall(reader, ['1001'], teamsOf)).toBe(false);
  });
});

describe('filterRefusal', () => {
  it('events:read subscribes to all, to any queue and to any agent id (even unknown) → allowed', () => {
    expect(filterRefusal(reader, { all: true }, teamsOf)).toBeUndefined();
    expect(filterRefusal(reader, { queues: ['sales'] }, teamsOf)).toBeUndefined();
    expect(filterRefusal(reader, { agents: ['1003', '9999'] }, teamsOf)).toBeUndefined();
  });

  it('agent 1001 subscribes to itself → allowed', () => {
    expect(filterRefusal(agent1001, { agents: ['1001'] }, teamsOf)).toBeUndefined();
  });

  it('agent 1001 subscribes to agent 1002 → refused with the reason', () => {
    expect(filterRefusal(agent1001, { agents: ['1001', '1002'] }, teamsOf)).toBe('agent 1002 is not yours');
  });

  it('agent 1001 subscribes to all → refused: all needs supervisor or events:read', () => {
    expect(filterRefusal(agent1001, { all: true }, teamsOf)).toBe('all events need the supervisor or events:read scope');
  });

  it('agent 1001 subscribes to queue sales → refused: queues need supervisor', () => {
    expect(filterRefusal(agent1001, { agents: ['1001'], queues: ['sales'] }, teamsOf)).toBe('queue events need the supervisor or events:read scope');
  });

  it('agent 1001 with an empty queue list → allowed (no queue asked for)', () => {
    expect(filterRefusal(agent1001, { agents: ['1001'], queues: [] }, teamsOf)).toBeUndefined();
  });

  it('supervisor of team east subscribes to all, to queues and to its team → allowed', () => {
    expect(filterRefusal(supervisorEast, { all: true }, teamsOf)).toBeUndefined();
    expect(filterRefusal(supervisorEast, { queues: ['sales', 'support'] }, teamsOf)).toBeUndefined();
    expect(filterRefusal(supervisorEast, { agents: ['1001', '1002'] }, teamsOf)).toBeUndefined();
  });

  it('supervisor 1004, itself in no team of the claims, subscribes to itself → "no agent 1004" (existence is checked first)', () => {
    expect(filterRefusal(supervisorEast, { agents: ['1001', '1004'] }, teamsOf)).toBe('no agent 1004');
  });

  it('supervisor of team east subscribes to agent 1003 of team west → refused with the reason', () => {
    expect(filterRefusal(supervisorEast, { agents: ['1002', '1003'] }, teamsOf)).toBe('agent 1003 is not yours');
  });

  it('anyone but events:read subscribing to an unknown agent 9999 → "no agent 9999" (before "not yours")', () => {
    expect(filterRefusal(agent1001, { agents: ['9999'] }, teamsOf)).toBe('no agent 9999');
    expect(filterRefusal(supervisorEast, { agents: ['9999'] }, teamsOf)).toBe('no agent 9999');
    expect(filterRefusal(admin, { agents: ['9999'] }, teamsOf)).toBeUndefined();
  });

  it('integrator with calls:control only subscribes to all → refused', () => {
    expect(filterRefusal(integrator, { all: true }, teamsOf)).toBe('all events need the supervisor or events:read scope');
  });

  it('all:false is not "all": agent 1001 with {all:false, agents:[1001]} → allowed', () => {
    expect(filterRefusal(agent1001, { all: false, agents: ['1001'] }, teamsOf)).toBeUndefined();
  });
});

describe('maySee', () => {
  it('agent 1001 sees an event with agentId 1001, and a transfer from 1001 to 1003', () => {
    expect(maySee(agent1001, { agentId: '1001' }, teamsOf)).toBe(true);
    expect(maySee(agent1001, { agentId: '1003', fromAgentId: '1001' }, teamsOf)).toBe(true);
  });

  it('agent 1001 does not see 1002 events, nor a transfer between 1002 and 1003', () => {
    expect(maySee(agent1001, { agentId: '1002' }, teamsOf)).toBe(false);
    expect(maySee(agent1001, { agentId: '1003', fromAgentId: '1002', queue: 'sales' }, teamsOf)).toBe(false);
  });

  it('agent 1001 does not see queue-level (agent-less) events', () => {
    expect(maySee(agent1001, { queue: 'sales' }, teamsOf)).toBe(false);
    expect(maySee(agent1001, {}, teamsOf)).toBe(false);
  });

  it("supervisor of team east sees its teams' agents and queue events, not team west's agents", () => {
    expect(maySee(supervisorEast, { agentId: '1002', queue: 'sales' }, teamsOf)).toBe(true);
    expect(maySee(supervisorEast, { queue: 'sales' }, teamsOf)).toBe(true);
    expect(maySee(supervisorEast, { agentId: '1003', queue: 'sales' }, teamsOf)).toBe(false);
  });

  it('supervisor of team east sees a transfer from 1003 (west) to 1001 (east)', () => {
    expect(maySee(supervisorEast, { agentId: '1001', fromAgentId: '1003' }, teamsOf)).toBe(true);
  });

  it('events:read and admin see everything; calls:control alone sees nothing', () => {
    expect(maySee(reader, { agentId: '1003' }, teamsOf)).toBe(true);
    expect(maySee(reader, { queue: 'sales' }, teamsOf)).toBe(true);
    expect(maySee(admin, { agentId: '1003' }, teamsOf)).toBe(true);
    expect(maySee(integrator, { agentId: '1003' }, teamsOf)).toBe(false);
    expect(maySee(integrator, { queue: 'sales' }, teamsOf)).toBe(false);
  });

  it('agent 1003 sees its own events although it is in team west', () => {
    expect(maySee(agent1003, { agentId: '1003' }, teamsOf)).toBe(true);
  });
});

describe('matches', () => {
  it('{all:true} matches any event, an agent-less one included', () => {
    expect(matches({ all: true }, { agentId: '1003' })).toBe(true);
    expect(matches({ all: true }, {})).toBe(true);
  });

  it('{agents:[1001]} matches agentId 1001 and fromAgentId 1001, not 1002 nor a queue event', () => {
    expect(matches({ agents: ['1001'] }, { agentId: '1001' })).toBe(true);
    expect(matches({ agents: ['1001'] }, { agentId: '1003', fromAgentId: '1001' })).toBe(true);
    expect(matches({ agents: ['1001'] }, { agentId: '1002', queue: 'sales' })).toBe(false);
    expect(matches({ agents: ['1001'] }, { queue: 'sales' })).toBe(false);
  });

  it('{queues:[sales]} matches any sales event (with or without agent), not support', () => {
    expect(matches({ queues: ['sales'] }, { queue: 'sales' })).toBe(true);
    expect(matches({ queues: ['sales'] }, { queue: 'sales', agentId: '1003' })).toBe(true);
    expect(matches({ queues: ['sales'] }, { queue: 'support' })).toBe(false);
    expect(matches({ queues: ['sales'] }, { agentId: '1001' })).toBe(false);
  });

  it('agents and queues together match either', () => {
    const f = { agents: ['1001'], queues: ['support'] };
    expect(matches(f, { agentId: '1001', queue: 'sales' })).toBe(true);
    expect(matches(f, { agentId: '1002', queue: 'support' })).toBe(true);
    expect(matches(f, { agentId: '1002', queue: 'sales' })).toBe(false);
  });

  it('an empty filter, or all:false, matches nothing', () => {
    expect(matches({}, { agentId: '1001', queue: 'sales' })).toBe(false);
    expect(matches({ agents: [], queues: [] }, { agentId: '1001', queue: 'sales' })).toBe(false);
    expect(matches({ all: false }, { agentId: '1001', queue: 'sales' })).toBe(false);
  });
});
