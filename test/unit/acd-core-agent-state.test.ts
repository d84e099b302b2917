/** The agent state machine: the table, its reverse (for the Lua scripts) and the guard. */
import { describe, expect, it } from 'vitest';
import { AGENT_STATES } from '../../src/acd/types.js';
import { AGENT_TRANSITIONS, AgentStateError, allowedFrom, assertTransition, canTransition } from '../../src/acd/core/index.js';

describe('agent state machine', () => {
  it('a logged-out agent logs in ready or not ready, and nothing else', () => {
    expect(canTransition('logged-out', 'available')).toBe(true);
    expect(canTransition('logged-out', 'paused')).toBe(true);
    for (const to of ['reserved', 'ringing', 'on-call', 'on-call-outbound', 'wrap-up', 'logged-out'] as const) {
      expect(canTransition('logged-out', to)).toBe(false);
    }
  });

  it('an available agent is reserved before it rings: available → ringing is refused', () => {
    expect(canTransition('available', 'reserved')).toBe(true);
    expect(canTransition('available', 'ringing')).toBe(false);
    expect(canTransition('available', 'on-call')).toBe(false);
  });

  it('a ringing agent answers, misses (back to available), is auto-paused, or takes a further offer', () => {
    expect(AGENT_TRANSITIONS.ringing).toEqual(['on-call', 'ringing', 'available', 'paused', 'logged-out']);
    expect(canTransition('ringing', 'wrap-up')).toBe(false);
  });

  it('a reserved agent may get a further offer but cannot answer before ringing', () => {
    expect(canTransition('reserved', 'reserved')).toBe(true);
    expect(canTransition('reserved', 'on-call')).toBe(false);
    expect(canTransition('reserved', 'paused')).toBe(false);
  });

  it('after a call: wrap-up, straight to available (wrap-up 0 s) or the pending logout', () => {
    expect(canTransition('on-call', 'wrap-up')).toBe(true);
    expect(canTransition('on-call', 'available')).toBe(true);
    expect(canTransition('on-call', 'logged-out')).toBe(true);
    expect(canTransition('on-call', 'paused')).toBe(false);
    expect(canTransition('wrap-up', 'paused')).toBe(true);
    expect(canTransition('wrap-up', 'on-call')).toBe(false);
  });

  it('outbound calls start from available or paused only, and end like inbound ones', () => {
    expect(allowedFrom('on-call-outbound').sort()).toEqual(['available', 'paused']);
    expect(AGENT_TRANSITIONS['on-call-outbound']).toEqual(['wrap-up', 'available', 'logged-out']);
  });

  it('a paused agent may change its reason (paused → paused) but not be reserved', () => {
    expect(canTransition('paused', 'paused')).toBe(true);
    expect(canTransition('paused', 'reserved')).toBe(false);
  });

  it('every state but logged-out can log out', () => {
    for (const s of AGENT_STATES) expect(canTransition(s, 'logged-out')).toBe(s !== 'logged-out');
  });

  it('allowedFrom is the exact reverse of the table (what the Lua scripts receive)', () => {
    for (const to of AGENT_STATES) {
      const expected = AGENT_STATES.filter((from) => AGENT_TRANSITIONS[from].includes(to));
      expect(allowedFrom(to).sort()).toEqual([...expected].sort());
    }
    expect(allowedFrom('ringing').sort()).toEqual(['reserved', 'ringing']);
    expect(allowedFrom('reserved').sort()).toEqual(['available', 'reserved']);
    expect(allowedFrom('available').sort()).toEqual(['logged-out', 'on-call', 'on-call-outbound', 'paused', 'reserved', 'ringing', 'wrap-up']);
  });

  it('allowedFrom returns a copy the caller may change', () => {
    const list = allowedFrom('wrap-up');
    list.push('logged-out');
    expect(allowedFrom('wrap-up')).not.toContain('logged-out');
  });

  it('the guard throws ACD_INVALID_TRANSITION with both states and the agent', () => {
    expect(assertTransition('reserved', 'ringing')).toBe('ringing');
    let err: unknown;
    try {
      assertTransition('wrap-up', 'ringing', 'alice');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentStateError);
    const e = err as AgentStateError;
    expect(e.code).toBe('ACD_INVALID_TRANSITION');
    expect([e.from, e.to, e.agentId]).toEqual(['wrap-up', 'ringing', 'alice']);
    expect(e.message).toContain('wrap-up → ringing');
  });
});
