/** When a queue lets a caller go, and where: emergency, no agents, max wait, max length. */
import { describe, expect, it } from 'vitest';
import { entryRefused, maxWaitAt, overflowDue } from '../../src/acd/core/index.js';
import { queue } from './acd-core-fixtures.js';

const normal = { emergency: false, loggedInEligible: true };
const caller = { enqueuedAt: 1_000_000 };

describe('a waiting caller', () => {
  const q = queue({
    id: 'support',
    maxWaitSeconds: 300,
    overflow: { onMaxWait: { type: 'voicemail', mailbox: 'support' }, onEmergency: { type: 'queue', queue: 'emergency' } },
  });

  it('stays until the max wait, then goes to onMaxWait', () => {
    expect(overflowDue(q, caller, 1_299_999, normal)).toBeUndefined();
    expect(overflowDue(q, caller, 1_300_000, normal)).toEqual({ reason: 'max-wait', target: { type: 'voicemail', mailbox: 'support' } });
    expect(maxWaitAt(q, caller)).toBe(1_300_000);
  });

  it('max wait without onMaxWait hangs up', () => {
    const plain = queue({ id: 'plain', maxWaitSeconds: 10 });
    expect(overflowDue(plain, caller, 1_010_000, normal)).toEqual({ reason: 'max-wait', target: { type: 'hangup' } });
  });

  it('maxWaitSeconds 0 means no limit', () => {
    const unlimited = queue({ id: 'u', maxWaitSeconds: 0 });
    expect(overflowDue(unlimited, caller, 1e12, normal)).toBeUndefined();
    expect(maxWaitAt(unlimited, caller)).toBeUndefined();
  });

  it('the emergency switch moves waiting callers at once, before anything else', () => {
    expect(overflowDue(q, caller, 1_000_001, { emergency: true, loggedInEligible: false })).toEqual({
      reason: 'emergency',
      target: { type: 'queue', queue: 'emergency' },
    });
    expect(overflowDue(queue({ id: 'p' }), caller, 1_000_001, { emergency: true, loggedInEligible: true })?.target).toEqual({ type: 'hangup' });
  });

  it('all agents logged out: the caller keeps waiting unless onNoAgents is set', () => {
    const noAgents = { emergency: false, loggedInEligible: false };
    expect(overflowDue(q, caller, 1_000_001, noAgents)).toBeUndefined();
    const withTarget = queue({ id: 'cb', overflow: { onNoAgents: { type: 'callback' } } });
    expect(overflowDue(withTarget, caller, 1_000_001, noAgents)).toEqual({ reason: 'no-agents', target: { type: 'callback' } });
  });
});

describe('a new caller', () => {
  const q = queue({ id: 'sales', maxLength: 3, overflow: { onMaxLength: { type: 'queue', queue: 'overflow' }, onNoAgents: { type: 'voicemail' } } });

  it('is refused when the queue is full, to onMaxLength', () => {
    expect(entryRefused(q, 2, normal)).toBeUndefined();
    expect(entryRefused(q, 3, normal)).toEqual({ reason: 'max-length', target: { type: 'queue', queue: 'overflow' } });
  });

  it('maxLength 0 never refuses; a full queue without onMaxLength hangs up', () => {
    expect(entryRefused(queue({ id: 'open' }), 10_000, normal)).toBeUndefined();
    expect(entryRefused(queue({ id: 'small', maxLength: 1 }), 1, normal)).toEqual({ reason: 'max-length', target: { type: 'hangup' } });
  });

  it('during an emergency every new caller gets the emergency handling, even into a full queue', () => {
    expect(entryRefused(q, 3, { emergency: true, loggedInEligible: true })).toEqual({ reason: 'emergency', target: { type: 'hangup' } });
  });

  it('no eligible agent logged in: refused only when onNoAgents is set', () => {
    expect(entryRefused(q, 0, { emergency: false, loggedInEligible: false })).toEqual({ reason: 'no-agents', target: { type: 'voicemail' } });
    expect(entryRefused(queue({ id: 'patient' }), 0, { emergency: false, loggedInEligible: false })).toBeUndefined();
  });
});
