/** Requirements: who qualifies, how well (score), and how escalation loosens them while a caller waits. */
import { describe, expect, it } from 'vitest';
import { effectiveRequirement, nextEscalationAt, qualifies, skillScore, stepsDue } from '../../src/acd/core/index.js';
import { queue, req } from './acd-core-fixtures.js';

describe('qualifies', () => {
  it('every allOf skill must be at its minimum (default 1)', () => {
    const r = req({ billing: 3, fr: undefined });
    expect(qualifies({ billing: 3, fr: 1 }, r)).toBe(true);
    expect(qualifies({ billing: 2, fr: 5 }, r)).toBe(false);
    expect(qualifies({ billing: 5 }, r)).toBe(false);
  });

  it('a non-empty anyOf needs at least one of its skills at its minimum', () => {
    const r = req({}, { fr: 4, de: 2 });
    expect(qualifies({ de: 2 }, r)).toBe(true);
    expect(qualifies({ fr: 3, de: 1 }, r)).toBe(false);
    expect(qualifies({}, r)).toBe(false);
  });

  it('an empty requirement admits any agent, even one without skills', () => {
    expect(qualifies({}, req())).toBe(true);
  });

  it('a skill named like an Object property ("constructor") is not mistaken for a proficiency', () => {
    expect(qualifies({}, req({ constructor: 1 }))).toBe(false);
    expect(skillScore({ fr: 2 }, req({ toString: 1, fr: 1 }))).toBe(2);
  });
});

describe('skillScore', () => {
  it('sums the proficiencies over the named skills (allOf and anyOf, each once)', () => {
    const r = req({ billing: 1, fr: 1 }, { fr: 1, vip: 1 });
    expect(skillScore({ billing: 4, fr: 3, vip: 2, sales: 5 }, r)).toBe(9);
    expect(skillScore({ billing: 1 }, r)).toBe(1);
  });

  it('for an empty requirement, the agent’s best proficiency, 1 without skills', () => {
    expect(skillScore({ a: 2, b: 4 }, req())).toBe(4);
    expect(skillScore({}, req())).toBe(1);
  });
});

describe('escalation', () => {
  const support = queue({
    id: 'support',
    requirement: req({ billing: 4, fr: 3 }, { vip: 5 }),
    escalation: [
      { afterSeconds: 30, minProficiency: 1 },
      { afterSeconds: 60, dropSkills: ['fr'] },
    ],
  });
  const caller = { enqueuedAt: 1_000_000 };

  it('before the first step the base requirement applies unchanged', () => {
    expect(effectiveRequirement(support, caller, 1_029_999)).toEqual(support.requirement);
  });

  it('after 30 s the requirement drops to proficiency 1 and the junior agent gets the call', () => {
    const junior = { billing: 1, fr: 1, vip: 1 };
    expect(qualifies(junior, effectiveRequirement(support, caller, 1_029_999))).toBe(false);
    const r = effectiveRequirement(support, caller, 1_030_000);
    expect(r).toEqual(req({ billing: 1, fr: 1 }, { vip: 1 }));
    expect(qualifies(junior, r)).toBe(true);
  });

  it('steps are cumulative: after 60 s both the lowered minimums and the dropped skill apply', () => {
    expect(effectiveRequirement(support, caller, 1_060_000)).toEqual(req({ billing: 1 }, { vip: 1 }));
  });

  it('minProficiency only lowers: a minimum already below it stays, a missing one stays 1', () => {
    const q = queue({ id: 'q', requirement: req({ a: 5, b: 2, c: undefined }), escalation: [{ afterSeconds: 10, minProficiency: 3 }] });
    expect(effectiveRequirement(q, { enqueuedAt: 0 }, 10_000)).toEqual(req({ a: 3, b: 2, c: undefined }));
  });

  it('a replacing step swaps the whole requirement, and later steps loosen the replacement', () => {
    const q = queue({
      id: 'q',
      requirement: req({ fr: 5 }),
      escalation: [
        { afterSeconds: 20, requirement: req({ en: 4, sales: 2 }) },
        { afterSeconds: 40, minProficiency: 2, dropSkills: ['sales'] },
      ],
    });
    expect(effectiveRequirement(q, { enqueuedAt: 0 }, 25_000)).toEqual(req({ en: 4, sales: 2 }));
    expect(effectiveRequirement(q, { enqueuedAt: 0 }, 40_000)).toEqual(req({ en: 2 }));
  });

  it('the IVR’s override is the base the steps loosen', () => {
    const r = effectiveRequirement(support, { enqueuedAt: 0, requirement: req({ de: 5 }) }, 31_000);
    expect(r).toEqual(req({ de: 1 }));
  });

  it('dropping every anyOf skill lifts the anyOf condition', () => {
    const q = queue({ id: 'q', requirement: req({}, { vip: 5 }), escalation: [{ afterSeconds: 5, dropSkills: ['vip'] }] });
    const r = effectiveRequirement(q, { enqueuedAt: 0 }, 5_000);
    expect(r).toEqual(req());
    expect(qualifies({}, r)).toBe(true);
  });

  it('steps listed out of order still apply in time order', () => {
    const q = queue({
      id: 'q',
      requirement: req({ fr: 5 }),
      escalation: [
        { afterSeconds: 60, requirement: req({ en: 5 }) },
        { afterSeconds: 30, minProficiency: 2 },
      ],
    });
    expect(effectiveRequirement(q, { enqueuedAt: 0 }, 30_000)).toEqual(req({ fr: 2 }));
    // the replacement comes last, so its minimum is not lowered by the earlier step
    expect(effectiveRequirement(q, { enqueuedAt: 0 }, 60_000)).toEqual(req({ en: 5 }));
    expect(stepsDue(q, { enqueuedAt: 0 }, 45_000)).toBe(1);
  });

  it('nextEscalationAt gives the time of the next step not yet applied, undefined after the last', () => {
    expect(nextEscalationAt(support, caller, 1_000_000)).toBe(1_030_000);
    expect(nextEscalationAt(support, caller, 1_030_000)).toBe(1_060_000);
    expect(nextEscalationAt(support, caller, 1_059_999)).toBe(1_060_000);
    expect(nextEscalationAt(support, caller, 1_060_000)).toBeUndefined();
    expect(nextEscalationAt(queue({ id: 'plain' }), caller, 0)).toBeUndefined();
  });

  it('does not alter the queue’s configured requirement', () => {
    const before = JSON.stringify(support.requirement);
    effectiveRequirement(support, caller, 2_000_000);
    expect(JSON.stringify(support.requirement)).toBe(before);
  });
});
