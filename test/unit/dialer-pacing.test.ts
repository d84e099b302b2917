/**
 * The dialer's pacing (src/dialer/pacing.ts): pure figures in, calls to place
 * out. Expected values worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { abandonBudget, binomial, expectedAbandons, pace, type PacingInput } from '../../src/dialer/pacing.js';

const base: PacingInput = {
  mode: 'predictive',
  available: 5,
  busy: 45,
  inFlight: 0,
  answerRate: 0.3,
  attempts: 1000,
  meanHandleMs: 195_000,
  abandonPct: 0,
  targetAbandonPct: 3,
  linesFree: 200,
  cpsLeft: 100,
};

describe('binomial and expected abandons', () => {
  it('Bin(4, 0.5) → 1/16, 4/16, 6/16, 4/16, 1/16; every row sums to 1', () => {
    expect(binomial(4, 0.5).map((x) => Math.round(x * 16 * 1e9) / 1e9)).toEqual([1, 4, 6, 4, 1]);
    for (const [n, p] of [[10, 0.3], [200, 0.3], [50, 0.07], [1, 0.99]] as const) {
      expect(binomial(n, p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    expect(binomial(3, 0)).toEqual([1, 0, 0, 0]);
    expect(binomial(3, 1)).toEqual([0, 0, 0, 1]);
  });

  it('2 calls at p 0.5, 1 free agent, none busy → abandons = P(both answer) × 1 = 0.25 of 1 expected answer', () => {
    const e = expectedAbandons(2, 0.5, 1, 0, 0);
    expect(e.abandons).toBeCloseTo(0.25, 12);
    expect(e.answers).toBe(1);
  });

  it('2 calls at p 0.5, no free agent, 1 busy freeing with q 0.5 → 0.5 × E[A] + 0.5 × E[max(0, A − 1)] = 0.5 + 0.125 = 0.625', () => {
    expect(expectedAbandons(2, 0.5, 0, 1, 0.5).abandons).toBeCloseTo(0.625, 12);
  });
});

describe('abandon budget: pacing slows before the target is crossed', () => {
  it('well below the target → the whole target; at 80 % of it → half; at or above it → nothing', () => {
    expect(abandonBudget(0, 3)).toBeCloseTo(0.03, 12);
    expect(abandonBudget(1.5, 3)).toBeCloseTo(0.03, 12);
    expect(abandonBudget(2.4, 3)).toBeCloseTo(0.015, 12);
    expect(abandonBudget(2.7, 3)).toBeCloseTo(0.0075, 12);
    expect(abandonBudget(3, 3)).toBe(0);
    expect(abandonBudget(4, 3)).toBe(0);
  });

  it('the budget never grows as the measured rate rises', () => {
    let last = Infinity;
    for (let r = 0; r <= 3.2; r += 0.05) {
      const b = abandonBudget(r, 3);
      expect(b).toBeLessThanOrEqual(last + 1e-15);
      last = b;
    }
  });
});

describe('pace', () => {
  it('preview → never dials (the agent does)', () => {
    expect(pace({ ...base, mode: 'preview' })).toEqual({ dial: 0, limit: 'mode' });
  });

  it('progressive: 5 free agents, 2 calls ringing → 3 more; no free agent → none', () => {
    expect(pace({ ...base, mode: 'progressive', inFlight: 2 })).toEqual({ dial: 3, limit: 'mode' });
    expect(pace({ ...base, mode: 'progressive', available: 0 })).toEqual({ dial: 0, limit: 'no-agents' });
  });

  it('power at 3 lines per free agent: 5 free, 4 in flight → 11', () => {
    expect(pace({ ...base, mode: 'power', ratio: 3, inFlight: 4 })).toEqual({ dial: 11, limit: 'mode' });
  });

  it('predictive dials ahead of progressive while the target allows, and no further than its own abandon model', () => {
    const d = pace(base);
    expect(d.limit).toBe('abandon-target');
    expect(d.allowedInFlight).toBeGreaterThan(base.available);
    const n = d.allowedInFlight!;
    const q = 1 - Math.exp(-15_000 / 195_000);
    const at = expectedAbandons(n, 0.3, 5, 45, q);
    const past = expectedAbandons(n + 1, 0.3, 5, 45, q);
    expect(at.abandons).toBeLessThanOrEqual(0.03 * at.answers);
    expect(past.abandons).toBeGreaterThan(0.03 * past.answers);
  });

  it('predictive at the abandon target → falls back to progressive (one call per free agent)', () => {
    expect(pace({ ...base, abandonPct: 3 })).toMatchObject({ dial: 5, allowedInFlight: 5 });
  });

  it('predictive with the rate near the target dials fewer than with none used', () => {
    const relaxed = pace({ ...base, abandonPct: 0 }).allowedInFlight!;
    const tight = pace({ ...base, abandonPct: 2.7 }).allowedInFlight!;
    expect(tight).toBeLessThan(relaxed);
    expect(tight).toBeGreaterThanOrEqual(base.available);
  });

  it('few attempts yet → the answer rate leans on a cautious prior (20 %), so the first minutes dial less than a lucky 90 % suggests', () => {
    const lucky = pace({ ...base, answerRate: 0.9, attempts: 5 }).allowedInFlight!;
    const proven = pace({ ...base, answerRate: 0.9, attempts: 500 }).allowedInFlight!;
    expect(lucky).toBeGreaterThan(proven);
  });

  it('the trunk and the calls-per-second limit cap every mode', () => {
    expect(pace({ ...base, mode: 'progressive', linesFree: 2 })).toEqual({ dial: 2, limit: 'lines' });
    expect(pace({ ...base, mode: 'power', ratio: 3, cpsLeft: 4 })).toEqual({ dial: 4, limit: 'cps' });
    expect(pace({ ...base, mode: 'power', linesFree: -3 }).dial).toBe(0);
  });

  it('no agents logged in → predictive places nothing', () => {
    expect(pace({ ...base, available: 0, busy: 0 })).toEqual({ dial: 0, limit: 'no-agents' });
  });
});
