/** The view as a mirror: versions, tombstones, positions, counts, staffing. */
import { describe, expect, it } from 'vitest';
import { AcdView } from '../../src/acd/core/index.js';
import { entry, live, profiles, queue, req } from './acd-core-fixtures.js';

const agents = profiles({ ann: { fr: 5, billing: 3 }, bob: { fr: 2 }, cid: { de: 4 }, dee: { fr: 4 } });
const support = queue({ id: 'support', requirement: req({ fr: 3 }) });
const german = queue({ id: 'german', requirement: req({ de: 1 }), members: ['cid', 'dee'], escalation: [{ afterSeconds: 60, requirement: req({ fr: 4 }) }] });

function view(): AcdView {
  return new AcdView(agents, [support, german]);
}

describe('versions', () => {
  it('a stale agent copy is ignored (replaying the stream is harmless)', () => {
    const v = view();
    expect(v.applyAgent(live('ann', { state: 'on-call', version: 5 }))).toBe(true);
    expect(v.applyAgent(live('ann', { state: 'available', version: 4 }))).toBe(false);
    expect(v.applyAgent(live('ann', { state: 'available', version: 5 }))).toBe(false);
    expect(v.agent('ann')?.state).toBe('on-call');
    expect(v.applyAgent(live('ann', { state: 'wrap-up', version: 6 }))).toBe(true);
    expect(v.agent('ann')?.state).toBe('wrap-up');
  });

  it('a stale entry copy is ignored', () => {
    const v = view();
    const e = entry('c1', 'support', { state: 'offered', agents: ['ann'], version: 3 });
    expect(v.applyEntry(e)).toBe(true);
    expect(v.applyEntry({ ...e, state: 'waiting', agents: [], version: 2 })).toBe(false);
    expect(v.entry('c1')?.state).toBe('offered');
  });

  it('a removed call is not resurrected by a late copy (tombstone), but a newer one comes back', () => {
    const v = view();
    const e = entry('c1', 'support', { version: 4 });
    v.applyEntry(e);
    expect(v.removeEntry('c1')).toBe(true);
    expect(v.applyEntry({ ...e, version: 3 })).toBe(false);
    expect(v.applyEntry({ ...e, version: 4 })).toBe(false);
    expect(v.entry('c1')).toBeUndefined();
    expect(v.waiting('support')).toBe(0);
    expect(v.applyEntry({ ...e, version: 5 })).toBe(true);
    expect(v.position('c1')).toBe(1);
  });

  it('a removal older than the held copy is ignored', () => {
    const v = view();
    v.applyEntry(entry('c1', 'support', { version: 7 }));
    expect(v.removeEntry('c1', 6)).toBe(false);
    expect(v.entry('c1')?.version).toBe(7);
    expect(v.removeEntry('c1', 7)).toBe(true);
    expect(v.entry('c1')).toBeUndefined();
  });

  it('a removal that arrives before the entry keeps the entry out', () => {
    const v = view();
    expect(v.removeEntry('c9', 3)).toBe(false);
    expect(v.applyEntry(entry('c9', 'support', { version: 2 }))).toBe(false);
    expect(v.applyEntry(entry('c9', 'support', { version: 4 }))).toBe(true);
  });

  it('tombstones are bounded: the oldest is forgotten first', () => {
    const v = new AcdView(agents, [support], { tombstones: 2 });
    for (const id of ['x', 'y', 'z']) v.removeEntry(id, 5);
    expect(v.applyEntry(entry('x', 'support', { version: 1 }))).toBe(true);
    expect(v.applyEntry(entry('y', 'support', { version: 1 }))).toBe(false);
    expect(v.applyEntry(entry('z', 'support', { version: 1 }))).toBe(false);
  });
});

describe('queue position and counts', () => {
  it('positions follow priority then arrival, and count offered callers ahead', () => {
    const v = view();
    v.applyEntry(entry('first', 'support', { seq: 1, enqueuedAt: 100, state: 'offered', agents: ['ann'] }));
    v.applyEntry(entry('second', 'support', { seq: 2, enqueuedAt: 200 }));
    v.applyEntry(entry('vip', 'support', { seq: 3, enqueuedAt: 300, priority: 5 }));
    v.applyEntry(entry('talking', 'support', { seq: 0, enqueuedAt: 50, state: 'connected', agent: 'dee' }));
    v.applyEntry(entry('other', 'german', { seq: 4 }));
    expect(v.entries('support').map((e) => e.callId)).toEqual(['vip', 'first', 'second']);
    expect([v.position('vip'), v.position('first'), v.position('second')]).toEqual([1, 2, 3]);
    expect(v.position('talking')).toBeUndefined();
    expect(v.position('other')).toBe(1);
    expect(v.waiting('support')).toBe(3);
    expect(v.longestWaitMs('support', 1_100)).toBe(1_000);
    expect(v.longestWaitMs('empty', 1_100)).toBe(0);
  });

  it('ring-no-answer: caller returned keeps its head position', () => {
    const v = view();
    v.applyEntry(entry('head', 'support', { seq: 1, version: 1 }));
    v.applyEntry(entry('head', 'support', { seq: 1, version: 2, state: 'offered', agents: ['ann'] }));
    v.applyEntry(entry('next', 'support', { seq: 2 }));
    v.applyEntry(entry('head', 'support', { seq: 1, version: 3, state: 'waiting', agents: [] }));
    expect(v.position('head')).toBe(1);
    expect(v.position('next')).toBe(2);
  });

  it('an answered caller leaves the queue order but stays readable until removed', () => {
    const v = view();
    v.applyEntry(entry('a', 'support', { seq: 1 }));
    v.applyEntry(entry('b', 'support', { seq: 2 }));
    v.applyEntry(entry('a', 'support', { seq: 1, state: 'connected', agent: 'ann', version: 2 }));
    expect(v.position('b')).toBe(1);
    expect(v.entry('a')?.agent).toBe('ann');
    expect(v.waiting('support')).toBe(1);
  });

  it('a caller overflowed to another queue (newer copy) moves there', () => {
    const v = view();
    v.applyEntry(entry('a', 'support', { seq: 1 }));
    v.applyEntry(entry('a', 'german', { seq: 1, version: 2 }));
    expect(v.waiting('support')).toBe(0);
    expect(v.entries('german').map((e) => e.callId)).toEqual(['a']);
  });
});

describe('staffing', () => {
  it('staffed counts members logged in, not paused, meeting the requirement', () => {
    const v = view();
    v.applyAgent(live('ann', { state: 'on-call' }));
    v.applyAgent(live('bob', { state: 'available' })); // fr 2 < 3
    v.applyAgent(live('cid', { state: 'wrap-up' }));
    v.applyAgent(live('dee', { state: 'paused' }));
    expect(v.staffed('support')).toBe(1);
    expect(v.staffed('support', req({ fr: 1 }))).toBe(2);
    expect(v.staffed('german')).toBe(1);
    expect(v.staffed('german', req({ fr: 1 }))).toBe(0); // ann and bob are not members, dee is paused
    expect(v.staffed('nope')).toBe(0);
  });

  it('loggedInEligible counts paused agents and the loosest escalated requirement', () => {
    const v = view();
    expect(v.loggedInEligible('german')).toBe(false);
    v.applyAgent(live('dee', { state: 'paused' })); // fr 4: qualifies only after the 60 s replacement
    expect(v.loggedInEligible('german')).toBe(true);
    v.applyAgent(live('dee', { state: 'logged-out', version: 2 }));
    v.applyAgent(live('ann', { state: 'available' })); // qualifies but not a member
    expect(v.loggedInEligible('german')).toBe(false);
    expect(v.loggedInEligible('support')).toBe(true);
  });

  it('the estimated wait uses position, handle times and staffing', () => {
    const v = view();
    v.applyAgent(live('ann', { state: 'on-call' }));
    v.applyAgent(live('dee', { state: 'on-call' }));
    v.setHandleTimes('support', [100_000, 200_000]);
    for (let i = 1; i <= 3; i++) v.applyEntry(entry(`c${i}`, 'support', { seq: i }));
    expect(v.estimatedWait('c3', 0, 1)).toBe(2 * 150_000);
    expect(v.estimatedWait('c1', 0, 1)).toBe(150_000);
    v.applyAgent(live('ann', { state: 'paused', version: 2 }));
    v.applyAgent(live('dee', { state: 'paused', version: 2 }));
    expect(v.estimatedWait('c1', 0, 1)).toBeUndefined();
  });
});

describe('bookkeeping reads', () => {
  it('isMember: listed members only, everyone configured when the queue has no members', () => {
    const v = view();
    expect(v.isMember('german', 'cid')).toBe(true);
    expect(v.isMember('german', 'ann')).toBe(false);
    expect(v.isMember('support', 'ann')).toBe(true);
    expect(v.isMember('support', 'stranger')).toBe(false);
    expect(v.isMember('nope', 'ann')).toBe(false);
  });

  it('allEntries lists every entry, connected ones included, as a snapshot', () => {
    const v = view();
    v.applyEntry(entry('w', 'support'));
    v.applyEntry(entry('x', 'support', { state: 'connected', agent: 'ann' }));
    const all = v.allEntries();
    for (const e of all) v.removeEntry(e.callId);
    expect(all.map((e) => e.callId).sort()).toEqual(['w', 'x']);
    expect(v.allEntries()).toEqual([]);
  });

  it('an agent missing from the config is mirrored but never routed', () => {
    const v = view();
    expect(v.applyAgent(live('ghost', { version: 2 }))).toBe(true);
    expect(v.applyAgent(live('ghost', { version: 1 }))).toBe(false);
    expect(v.agent('ghost')?.version).toBe(2);
    v.applyEntry(entry('c1', 'support', { requirement: req() }));
    expect(v.pickAgentForCall('c1', 0, () => 0)).toEqual([]);
    expect(v.pickCallForAgent('ghost', 0)).toBeUndefined();
  });

  it('requirementOf gives the escalated requirement at a time', () => {
    const v = view();
    v.applyEntry(entry('g', 'german', { enqueuedAt: 0 }));
    expect(v.requirementOf('g', 59_999)).toEqual(req({ de: 1 }));
    expect(v.requirementOf('g', 60_000)).toEqual(req({ fr: 4 }));
    expect(v.requirementOf('none', 0)).toBeUndefined();
  });
});
