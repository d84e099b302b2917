/**
 * Who may hear which recording (src/cti/auth/principal.ts): mayHearRecording
 * for one recording, recordingVisibility as the filter a search applies, and
 * the two agreeing for every agent. Fixture as in cti-principal.test.ts:
 * 1001 and 1002 in team east, 1003 in west; 1004 supervises east.
 */
import { describe, expect, it } from 'vitest';
import type { CtiScope } from '../../src/config/schema.js';
import { mayHearRecording, recordingVisibility, visibilityAdmits, type Principal, type TeamsOf } from '../../src/cti/auth/principal.js';
import { parseRange } from '../../src/http/byte-range.js';

const TEAMS: Record<string, readonly string[]> = { '1001': ['east'], '1002': ['east'], '1003': ['west'], '1004': ['west'] };
const teamsOf: TeamsOf = (id) => TEAMS[id];
const KNOWN = Object.keys(TEAMS);

const principal = (sub: string, scopes: CtiScope[], extra: Partial<Principal> = {}): Principal => ({ sub, tenant: 't', scopes, teams: [], ...extra });

const agent1001 = principal('agent:1001', ['agent:self'], { agentId: '1001' });
const supervisorEast = principal('agent:1004', ['agent:self', 'supervisor'], { agentId: '1004', teams: ['east'] });
const admin = principal('key:admin', ['admin']);
const archive = principal('key:qa', ['recordings:read']);
const crm = principal('key:crm', ['calls:control', 'events:read']);
/** Supervisor scope but not agent:self: its own agent id gives it nothing. */
const bareSupervisor = principal('agent:1003', ['supervisor'], { agentId: '1003', teams: ['east'] });

describe('mayHearRecording', () => {
  it('an agent hears its own recordings and nobody else’s, not even a teammate’s, and no voicemail', () => {
    expect(mayHearRecording(agent1001, '1001', teamsOf)).toBe(true);
    expect(mayHearRecording(agent1001, '1002', teamsOf)).toBe(false);
    expect(mayHearRecording(agent1001, '1003', teamsOf)).toBe(false);
    expect(mayHearRecording(agent1001, null, teamsOf)).toBe(false);
  });

  it('a supervisor of east hears east’s agents, itself (it is an agent too) and unassigned recordings, not west’s', () => {
    expect(mayHearRecording(supervisorEast, '1001', teamsOf)).toBe(true);
    expect(mayHearRecording(supervisorEast, '1002', teamsOf)).toBe(true);
    expect(mayHearRecording(supervisorEast, '1004', teamsOf)).toBe(true);
    expect(mayHearRecording(supervisorEast, null, teamsOf)).toBe(true);
    expect(mayHearRecording(supervisorEast, '1003', teamsOf)).toBe(false);
  });

  it('a supervisor without agent:self does not hear its own agent id’s recordings', () => {
    expect(mayHearRecording(bareSupervisor, '1003', teamsOf)).toBe(false);
    expect(mayHearRecording(bareSupervisor, '1001', teamsOf)).toBe(true);
  });

  it('admin and recordings:read hear everything, agents no longer configured and voicemail included', () => {
    for (const p of [admin, archive]) for (const a of ['1001', '1003', 'gone', null]) expect(mayHearRecording(p, a, teamsOf)).toBe(true);
  });

  it('calls:control and events:read give no recordings at all', () => {
    for (const a of ['1001', '1003', null]) expect(mayHearRecording(crm, a, teamsOf)).toBe(false);
  });

  it('a recording of an agent no longer configured is heard only with recordings:read', () => {
    expect(mayHearRecording(supervisorEast, 'gone', teamsOf)).toBe(false);
    expect(mayHearRecording(principal('agent:gone', ['agent:self'], { agentId: 'gone' }), 'gone', teamsOf)).toBe(true);
  });
});

describe('recordingVisibility (the search filter)', () => {
  it('admin and recordings:read: all', () => {
    expect(recordingVisibility(admin, KNOWN, teamsOf)).toEqual({ kind: 'all' });
    expect(recordingVisibility(archive, KNOWN, teamsOf)).toEqual({ kind: 'all' });
  });

  it('an agent: only itself, no unassigned', () => {
    expect(recordingVisibility(agent1001, KNOWN, teamsOf)).toEqual({ kind: 'some', agents: ['1001'], unassigned: false });
  });

  it('supervisor of east: 1001, 1002, itself, and unassigned', () => {
    const v = recordingVisibility(supervisorEast, KNOWN, teamsOf);
    expect(v.kind).toBe('some');
    if (v.kind !== 'some') return;
    expect([...v.agents].sort()).toEqual(['1001', '1002', '1004']);
    expect(v.unassigned).toBe(true);
  });

  it('calls:control / events:read only: none (the route answers 403)', () => {
    expect(recordingVisibility(crm, KNOWN, teamsOf)).toEqual({ kind: 'none' });
  });

  it('for every principal and every agent (known, unknown, none) the filter admits exactly what mayHearRecording allows', () => {
    const everyone = [agent1001, supervisorEast, admin, archive, crm, bareSupervisor, principal('agent:1003', ['agent:self'], { agentId: '1003' })];
    for (const p of everyone) {
      const v = recordingVisibility(p, KNOWN, teamsOf);
      for (const a of [...KNOWN, 'gone', null]) expect(visibilityAdmits(v, a), `${p.sub} / ${String(a)}`).toBe(mayHearRecording(p, a, teamsOf));
    }
  });
});

describe('parseRange (the audio route’s Range header)', () => {
  const size = 1000;
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', { kind: 'partial', start: 100, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=1000-2000', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=50-10', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-9', { kind: 'full' }],
    ['items=0-9', { kind: 'full' }],
    ['bytes=abc', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    // a last byte or suffix longer than any number we hold: cut to the file
    ['bytes=10-99999999999999999999', { kind: 'partial', start: 10, end: 999 }],
    ['bytes=-99999999999999999999', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=99999999999999999999-', { kind: 'unsatisfiable' }],
  ] as const)('%s of 1000 bytes → %o', (header, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it('an empty file satisfies no range', () => {
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange(undefined, 0)).toEqual({ kind: 'full' });
  });
});
