/**
 * Outbound pacing: given the live figures of a campaign, how many calls to
 * place now. Pure: figures in, a number out; the dialer engine and the
 * simulation (bench/dialer.ts) call the same function.
 *
 *   preview      0: the agent looks at the contact and dials it (or skips)
 *   progressive  one call per free agent: free agents − calls in flight
 *   power        a fixed ratio of lines per free agent
 *   predictive   dial ahead of agents who are about to be free, as far as the
 *                abandon target allows (below)
 *
 * Predictive, in one interval of `horizonMs` (about the time a call takes to
 * be answered):
 *   - agents free then: F = available + Binomial(busy, q), q = P(a busy
 *     agent's remaining handling ends within the horizon) = 1 − e^(−horizon/meanHandle)
 *     (remaining handling taken as exponential with the mean handling time);
 *   - live answers from n calls in flight: A ~ Binomial(n, p), p the measured
 *     answer rate (a prior until enough attempts);
 *   - abandons: the answers no agent takes, E[max(0, A − F)];
 *   n is the largest number of calls in flight whose expected abandons stay
 *   within `budget × E[A]`. The budget is the abandon target, tightened as the
 *   measured rolling rate approaches it (at 80 % of the target the budget
 *   halves; at the target it is zero, so pacing falls back to progressive
 *   before the legal line is crossed).
 * Always capped by the trunk's free lines and the calls-per-second limit.
 */
export type DialMode = 'preview' | 'progressive' | 'power' | 'predictive';

export interface PacingInput {
  mode: DialMode;
  /** Agents of the campaign ready now (available in the ACD). */
  available: number;
  /** Agents on a call or in wrap-up (they will be free again). */
  busy: number;
  /** Calls dialled and not yet answered or given up. */
  inFlight: number;
  /** Live answers ÷ attempts, measured (0..1); `attempts` tells how much to trust it. */
  answerRate: number;
  attempts: number;
  /** Mean talk + wrap-up of the campaign's calls, ms. */
  meanHandleMs: number;
  /** The abandon rate so far (rolling 30 days), % of live answers; and the limit, % (default 3). */
  abandonPct: number;
  targetAbandonPct: number;
  /** power mode: lines per free agent. */
  ratio?: number;
  /** The horizon: about how long a call rings before it is answered, ms (default 15 s). */
  horizonMs?: number;
  /** Lines still free on the trunk, and calls that may still be started this second. */
  linesFree: number;
  cpsLeft: number;
}

export interface PacingDecision {
  dial: number;
  /** What bounded it: mode, target, lines, cps, none. */
  limit: 'mode' | 'abandon-target' | 'lines' | 'cps' | 'no-agents';
  /** Predictive: the calls in flight the target allows (before subtracting those in flight). */
  allowedInFlight?: number;
}

/** Before this many attempts the answer rate is blended with a cautious prior. */
const ANSWER_RATE_PRIOR = { rate: 0.2, attempts: 50 };
const MAX_IN_FLIGHT = 1000;

/** The abandon budget (fraction of live answers) left by the measured rate. */
export function abandonBudget(abandonPct: number, targetPct: number): number {
  if (targetPct <= 0 || abandonPct >= targetPct) return 0;
  const used = abandonPct / targetPct;
  // full budget while well below the target, halved at 80 % of it, zero at it
  const scale = used <= 0.5 ? 1 : used <= 0.8 ? 1 - ((used - 0.5) / 0.3) * 0.5 : 0.5 * ((1 - used) / 0.2);
  return (targetPct / 100) * scale;
}

/** P(X = k) for X ~ Binomial(n, p), for every k, computed in a stable way. */
export function binomial(n: number, p: number): number[] {
  const out = new Array<number>(n + 1).fill(0);
  if (p <= 0) {
    out[0] = 1;
    return out;
  }
  if (p >= 1) {
    out[n] = 1;
    return out;
  }
  // log-space start, then the ratio recurrence
  let logP = n * Math.log1p(-p);
  out[0] = Math.exp(logP);
  for (let k = 1; k <= n; k++) {
    logP += Math.log((n - k + 1) / k) + Math.log(p) - Math.log1p(-p);
    out[k] = Math.exp(logP);
  }
  return out;
}

/** E[max(0, A − F)] and E[A] for A ~ Bin(n, p) answers and F = available + Bin(busy, q) free agents. */
export function expectedAbandons(n: number, p: number, available: number, busy: number, q: number): { abandons: number; answers: number } {
  const a = binomial(n, p);
  const f = binomial(busy, q);
  let abandons = 0;
  // both distributions have their mass in a few dozen terms: the negligible ones are skipped
  for (let i = available + 1; i <= n; i++) {
    const pa = a[i]!;
    if (pa < 1e-12) continue;
    for (let j = 0; j <= busy && available + j < i; j++) {
      const pf = f[j]!;
      if (pf >= 1e-12) abandons += pa * pf * (i - available - j);
    }
  }
  return { abandons, answers: n * p };
}

function capped(dial: number, input: PacingInput, limit: PacingDecision['limit']): PacingDecision {
  const want = Math.max(0, Math.floor(dial));
  if (want > input.linesFree && input.linesFree <= input.cpsLeft) return { dial: Math.max(0, input.linesFree), limit: 'lines' };
  if (want > input.cpsLeft) return { dial: Math.max(0, input.cpsLeft), limit: 'cps' };
  return { dial: want, limit };
}

export function pace(input: PacingInput): PacingDecision {
  const { available, busy, inFlight } = input;
  switch (input.mode) {
    case 'preview':
      return { dial: 0, limit: 'mode' };
    case 'progressive':
      return capped(available - inFlight, input, available === 0 ? 'no-agents' : 'mode');
    case 'power':
      return capped(Math.floor(available * (input.ratio ?? 2)) - inFlight, input, available === 0 ? 'no-agents' : 'mode');
    case 'predictive': {
      if (available + busy === 0) return { dial: 0, limit: 'no-agents' };
      const w = Math.min(1, input.attempts / ANSWER_RATE_PRIOR.attempts);
      const p = Math.min(1, Math.max(0.01, w * input.answerRate + (1 - w) * ANSWER_RATE_PRIOR.rate));
      const q = busy === 0 ? 0 : 1 - Math.exp(-(input.horizonMs ?? 15_000) / Math.max(1000, input.meanHandleMs));
      const budget = abandonBudget(input.abandonPct, input.targetAbandonPct);
      // never fewer than progressive: a free agent always gets a call to wait on
      let n = Math.max(available, inFlight);
      if (budget > 0) {
        for (let next = n + 1; next <= MAX_IN_FLIGHT; next++) {
          const e = expectedAbandons(next, p, available, busy, q);
          if (e.abandons > budget * e.answers) break;
          n = next;
        }
      }
      const limit = budget > 0 ? 'abandon-target' : 'mode';
      return { ...capped(n - inFlight, input, limit), allowedInFlight: n };
    }
  }
}
