/**
 * Staffing maths for one queue and one interval, pure (no I/O):
 *
 * - Erlang C (M/M/N): Poisson arrivals, exponential handle times, N agents,
 *   callers wait as long as it takes.
 * - Erlang A (M/M/N+M, Palm's model): the same, but each waiting caller hangs
 *   up after an exponential patience of mean `patienceSeconds`.
 *
 * Service level is "answered within T ÷ offered", the definition our reports
 * use: a caller answered at once is within T; in Erlang A a caller who hangs up
 * (even before T) is not. docs/staffing.md has the formulas and assumptions.
 */

export type StaffingErrorCode = 'STAFFING_INVALID_INPUT' | 'STAFFING_TOO_LARGE' | 'STAFFING_NO_HISTORY';

/** STAFFING_INVALID_INPUT: a bad number; STAFFING_TOO_LARGE: beyond what we compute in reasonable time; STAFFING_NO_HISTORY: no history source. */
export class StaffingError extends Error {
  override readonly name = 'StaffingError';
  constructor(
    readonly code: StaffingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type StaffingModel = 'erlang-c' | 'erlang-a';

export interface IntervalLoad {
  /** Calls offered in the interval (may be fractional: a forecast mean). */
  callsPerInterval: number;
  intervalSeconds: number;
  /** Average handle time (talk, hold and wrap-up). */
  ahtSeconds: number;
}

export interface ErlangCInput extends IntervalLoad {
  agents: number;
  /** The service-level threshold T. */
  slSeconds: number;
}

export interface ErlangCFigures {
  trafficErlangs: number;
  /** P(an arriving caller finds every agent busy). */
  pWait: number;
  /** P(answered within T), 0..1. */
  serviceLevel: number;
  /** Mean wait over all callers; Infinity when agents ≤ traffic. */
  asaSeconds: number;
  /** Traffic ÷ agents, at most 1. */
  occupancy: number;
}

export interface ErlangAInput extends ErlangCInput {
  /** Mean time a caller waits before hanging up. */
  patienceSeconds: number;
}

export interface ErlangAFigures {
  pWait: number;
  /** P(an arriving caller hangs up before an agent answers). */
  pAbandon: number;
  /** P(answered within T) over every arrival: abandoned callers are not within T. */
  serviceLevel: number;
  /** Mean wait of the answered callers (those answered at once count as 0); Infinity when nobody is answered. */
  asaSeconds: number;
  /** Carried load (answered calls × AHT) ÷ agents. */
  occupancy: number;
  /** Mean number of callers waiting, E[Lq]. */
  meanQueueLength: number;
}

export interface AgentsNeededInput extends IntervalLoad {
  slSeconds: number;
  /** In (0, 1), e.g. 0.8. */
  targetServiceLevel: number;
  /** In (0, 1]; default 1 (no cap). */
  maxOccupancy?: number;
  model?: StaffingModel;
  /** Required for erlang-a. */
  patienceSeconds?: number;
}

export interface AgentsNeeded {
  model: StaffingModel;
  agents: number;
  trafficErlangs: number;
  pWait: number;
  /** 0 under Erlang C (nobody hangs up). */
  pAbandon: number;
  serviceLevel: number;
  asaSeconds: number;
  occupancy: number;
}

/** Traffic above this many Erlangs is refused (the searches are linear in the agents). */
const MAX_TRAFFIC = 1_000_000;
/** Relative mass left out when truncating the Erlang A chain and the uniformisation's Poisson sum. */
const TAIL_EPS = 1e-15;
/** Erlang A: at most this many waiting-caller states, and this much uniformisation work. */
const MAX_QUEUE_STATES = 1_000_000;
const MAX_UNIFORM_WORK = 50_000_000;
/** Floating-point slack when comparing against the targets. */
const SLACK = 1e-12;

function invalid(message: string): never {
  throw new StaffingError('STAFFING_INVALID_INPUT', message);
}

function finite(name: string, v: number, min: number, minInclusive: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`${name} must be a finite number (got ${String(v)})`);
  if (minInclusive ? v < min : v <= min) invalid(`${name} must be ${minInclusive ? 'at least' : 'more than'} ${min} (got ${v})`);
}

function checkAgents(agents: number): void {
  if (!Number.isInteger(agents) || agents < 0) invalid(`agents must be a whole number ≥ 0 (got ${String(agents)})`);
}

function checkLoad(load: IntervalLoad): number {
  finite('callsPerInterval', load.callsPerInterval, 0, true);
  finite('intervalSeconds', load.intervalSeconds, 0, false);
  finite('ahtSeconds', load.ahtSeconds, 0, false);
  const a = (load.callsPerInterval * load.ahtSeconds) / load.intervalSeconds;
  if (a > MAX_TRAFFIC) throw new StaffingError('STAFFING_TOO_LARGE', `traffic of ${a.toFixed(0)} Erlangs is more than the ${MAX_TRAFFIC} we compute`);
  return a;
}

/** Erlang B (blocking probability of N lines offered A Erlangs), by the stable recurrence B(n) = A·B(n−1) / (n + A·B(n−1)). */
export function erlangB(agents: number, trafficErlangs: number): number {
  checkAgents(agents);
  finite('trafficErlangs', trafficErlangs, 0, true);
  let b = 1;
  for (let n = 1; n <= agents; n++) b = (trafficErlangs * b) / (n + trafficErlangs * b);
  return b;
}

/** C from B: N·B / (N − A(1 − B)); 1 when N ≤ A (the queue never empties). */
function cFromB(n: number, a: number, b: number): number {
  return n <= a ? 1 : (n * b) / (n - a * (1 - b));
}

/** Erlang C: P(an arriving caller waits) with N agents offered A Erlangs; 1 when N ≤ A. */
export function erlangC(agents: number, trafficErlangs: number): number {
  return cFromB(agents, trafficErlangs, erlangB(agents, trafficErlangs));
}

function cFigures(n: number, a: number, c: number, ahtSeconds: number, slSeconds: number): ErlangCFigures {
  if (a === 0) return { trafficErlangs: 0, pWait: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0 };
  if (n <= a) return { trafficErlangs: a, pWait: 1, serviceLevel: 0, asaSeconds: Infinity, occupancy: n === 0 ? 0 : 1 };
  return {
    trafficErlangs: a,
    pWait: c,
    serviceLevel: 1 - c * Math.exp((-(n - a) * slSeconds) / ahtSeconds),
    asaSeconds: (c * ahtSeconds) / (n - a),
    occupancy: a / n,
  };
}

export function erlangCFigures(input: ErlangCInput): ErlangCFigures {
  const a = checkLoad(input);
  checkAgents(input.agents);
  finite('slSeconds', input.slSeconds, 0, true);
  return cFigures(input.agents, a, erlangC(input.agents, a), input.ahtSeconds, input.slSeconds);
}

// ---------------------------------------------------------------------------
// Erlang A

function logAddExp(x: number, y: number): number {
  if (x === -Infinity) return y;
  const hi = Math.max(x, y);
  return hi + Math.log1p(Math.exp(Math.min(x, y) - hi));
}

/**
 * Stationary distribution of the birth–death chain on n = callers in the system:
 * birth λ, death min(n, N)μ + max(n − N, 0)θ. The weights are built in logs (they
 * reach A^N/N!). Truncation: the death rate grows with n, so λ/d(n) falls and the
 * weights are unimodal; we stop at the first n ≥ N where r = λ/d(n+1) < 1 and the
 * geometric bound on everything beyond, w(n)·r/(1 − r), is below TAIL_EPS of the
 * total. Undefined when that takes more than MAX_QUEUE_STATES waiting states.
 */
function stationary(n: number, lambda: number, mu: number, theta: number): Float64Array | undefined {
  const logW: number[] = [0];
  let logSum = 0;
  const death = (k: number): number => Math.min(k, n) * mu + Math.max(k - n, 0) * theta;
  for (let k = 1; ; k++) {
    const lw = (logW[k - 1] ?? 0) + Math.log(lambda / death(k));
    logW.push(lw);
    logSum = logAddExp(logSum, lw);
    if (k < n) continue;
    const r = lambda / death(k + 1);
    if (r < 1 && lw + Math.log(r / (1 - r)) < Math.log(TAIL_EPS) + logSum) break;
    if (k - n > MAX_QUEUE_STATES) return undefined;
  }
  const pi = new Float64Array(logW.length);
  for (let k = 0; k < logW.length; k++) pi[k] = Math.exp((logW[k] ?? 0) - logSum);
  return pi;
}

/** Smallest k ≥ x at which the Poisson(x) mass beyond k is below TAIL_EPS (geometric bound on the tail). */
function poissonCutoff(x: number): number {
  if (x === 0) return 0;
  let logP = -x;
  for (let k = 1; ; k++) {
    logP += Math.log(x / k);
    const r = x / (k + 1);
    if (k > x && logP + Math.log(r / (1 - r)) < Math.log(TAIL_EPS)) return k;
  }
}

/**
 * P(a caller who finds q callers ahead, all N agents busy, is answered within T),
 * for q = 0 … maxQ. Its time to an agent is a sum of exponential stages with rates
 * a_j = Nμ + jθ (j = q … 0: an agent frees or someone ahead hangs up), racing its
 * own Exp(θ) patience. Uniformisation at Λ = a_maxQ + θ: a discrete chain that from
 * stage j moves on with a_j/Λ, hangs up with θ/Λ, stays otherwise; P = Σ_k
 * Poisson(k; ΛT)·P(answered within k steps), the Poisson sum cut at a mass of
 * TAIL_EPS. A caller needs q + 1 steps, so stages beyond the cut are 0.
 * Undefined when the work is above MAX_UNIFORM_WORK.
 */
function answeredWithin(n: number, mu: number, theta: number, maxQ: number, t: number): Float64Array | undefined {
  const out = new Float64Array(maxQ + 1);
  if (t === 0 || n === 0) return out;
  const rate = n * mu + (maxQ + 1) * theta;
  const x = rate * t;
  const kMax = poissonCutoff(x);
  const m = Math.min(maxQ + 1, kMax);
  if (m * kMax > MAX_UNIFORM_WORK) return undefined;
  const advance = new Float64Array(m);
  const stay = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const a = n * mu + j * theta;
    advance[j] = a / rate;
    stay[j] = Math.max(0, 1 - (a + theta) / rate);
  }
  const h = new Float64Array(m); // P(answered within k steps | stage j)
  let logP = -x;
  for (let k = 1; k <= kMax; k++) {
    logP += Math.log(x / k);
    const w = Math.exp(logP);
    // in place, high j first: h_k(j) = advance·h_{k−1}(j−1) + stay·h_{k−1}(j), with h(−1) = 1
    for (let j = Math.min(k, m) - 1; j >= 0; j--) {
      h[j] = (advance[j] ?? 0) * (j === 0 ? 1 : (h[j - 1] ?? 0)) + (stay[j] ?? 0) * (h[j] ?? 0);
      out[j] = (out[j] ?? 0) + w * (h[j] ?? 0);
    }
  }
  return out;
}

function aFigures(n: number, lambda: number, mu: number, theta: number, t: number): ErlangAFigures | undefined {
  if (lambda === 0) return { pWait: 0, pAbandon: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0, meanQueueLength: 0 };
  const pi = stationary(n, lambda, mu, theta);
  if (pi === undefined) return undefined;
  const maxQ = pi.length - 1 - n;
  const within = answeredWithin(n, mu, theta, Math.max(maxQ, 0), t);
  if (within === undefined) return undefined;
  let pWait = 0;
  let pAbandon = 0;
  let answeredWait = 0; // E[wait; answered]
  let sl = 0;
  let busy = 0;
  let lq = 0;
  let stageTimes = 0; // Σ_{j=0..q} 1/(a_j + θ)
  for (let k = 0; k < pi.length; k++) {
    const p = pi[k] ?? 0;
    busy += p * Math.min(k, n);
    if (k < n) {
      sl += p;
      continue;
    }
    const q = k - n;
    pWait += p;
    lq += p * q;
    if (n === 0) {
      pAbandon += p;
      continue;
    }
    // the stage factors a_j/(a_j + θ) telescope: P(answered) = Nμ / (Nμ + (q+1)θ)
    const answered = (n * mu) / (n * mu + (q + 1) * theta);
    stageTimes += 1 / (n * mu + (q + 1) * theta);
    pAbandon += p * (1 - answered);
    answeredWait += p * answered * stageTimes;
    sl += p * (within[q] ?? 0);
  }
  const pAnswered = 1 - pAbandon;
  // the sums can overshoot 1 by rounding
  return {
    pWait: Math.min(1, pWait),
    pAbandon: Math.min(1, pAbandon),
    serviceLevel: Math.min(1, sl),
    asaSeconds: pAnswered > 0 && n > 0 ? answeredWait / pAnswered : Infinity,
    occupancy: n === 0 ? 0 : Math.min(1, busy / n),
    meanQueueLength: lq,
  };
}

function tooLarge(input: { agents: number; patienceSeconds: number }): never {
  throw new StaffingError(
    'STAFFING_TOO_LARGE',
    `Erlang A with ${input.agents} agents and ${input.patienceSeconds} s patience: the queue grows beyond what we compute (far too few agents for callers that patient)`,
  );
}

export function erlangAFigures(input: ErlangAInput): ErlangAFigures {
  checkLoad(input);
  checkAgents(input.agents);
  finite('slSeconds', input.slSeconds, 0, true);
  finite('patienceSeconds', input.patienceSeconds, 0, false);
  const lambda = input.callsPerInterval / input.intervalSeconds;
  const f = aFigures(input.agents, lambda, 1 / input.ahtSeconds, 1 / input.patienceSeconds, input.slSeconds);
  return f ?? tooLarge(input);
}

// ---------------------------------------------------------------------------
// Agents needed

function checkTargets(input: AgentsNeededInput): { target: number; maxOccupancy: number; model: StaffingModel } {
  finite('slSeconds', input.slSeconds, 0, true);
  const target = input.targetServiceLevel;
  if (typeof target !== 'number' || !(target > 0 && target < 1)) invalid(`targetServiceLevel must be a fraction strictly between 0 and 1, e.g. 0.8 (got ${String(target)})`);
  const maxOccupancy = input.maxOccupancy ?? 1;
  if (typeof maxOccupancy !== 'number' || !(maxOccupancy > 0 && maxOccupancy <= 1)) invalid(`maxOccupancy must be a fraction in (0, 1] (got ${String(maxOccupancy)})`);
  const model = input.model ?? 'erlang-c';
  if (model !== 'erlang-c' && model !== 'erlang-a') invalid(`model must be erlang-c or erlang-a (got ${String(model)})`);
  if (model === 'erlang-a') {
    if (input.patienceSeconds === undefined) invalid('erlang-a needs patienceSeconds (the mean time callers wait before hanging up)');
    finite('patienceSeconds', input.patienceSeconds, 0, false);
  }
  return { target, maxOccupancy, model };
}

const MAX_AGENTS = 10_000_000;

function neededErlangC(a: number, input: AgentsNeededInput, target: number, maxOccupancy: number): AgentsNeeded {
  // B by its recurrence up to the first N > A, then one step per candidate
  let n = Math.floor(a) + 1;
  let b = erlangB(n, a);
  for (;;) {
    const f = cFigures(n, a, cFromB(n, a, b), input.ahtSeconds, input.slSeconds);
    if (f.serviceLevel >= target - SLACK && f.occupancy <= maxOccupancy + SLACK) return { model: 'erlang-c', agents: n, ...f, pAbandon: 0 };
    n += 1;
    if (n > MAX_AGENTS) throw new StaffingError('STAFFING_TOO_LARGE', `more than ${MAX_AGENTS} agents would be needed`);
    b = (a * b) / (n + a * b);
  }
}

function neededErlangA(a: number, input: AgentsNeededInput, target: number, maxOccupancy: number, patienceSeconds: number): AgentsNeeded {
  const lambda = input.callsPerInterval / input.intervalSeconds;
  const mu = 1 / input.ahtSeconds;
  const theta = 1 / patienceSeconds;
  const cache = new Map<number, ErlangAFigures | undefined>();
  const at = (n: number): ErlangAFigures | undefined => {
    if (!cache.has(n)) cache.set(n, aFigures(n, lambda, mu, theta, input.slSeconds));
    return cache.get(n);
  };
  // A chain too long to compute means a queue of millions: far from any target, so "not met".
  const meets = (n: number): boolean => {
    const f = at(n);
    return f !== undefined && f.serviceLevel >= target - SLACK && f.occupancy <= maxOccupancy + SLACK;
  };
  // SL rises and occupancy falls with N: double until met, then bisect.
  let hi = 1;
  while (!meets(hi)) {
    hi *= 2;
    if (hi > MAX_AGENTS) throw new StaffingError('STAFFING_TOO_LARGE', `more than ${MAX_AGENTS} agents would be needed`);
  }
  let lo = Math.floor(hi / 2); // not met (or 0)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (meets(mid)) hi = mid;
    else lo = mid;
  }
  const f = at(hi);
  if (f === undefined) return tooLarge({ agents: hi, patienceSeconds });
  return {
    model: 'erlang-a',
    agents: hi,
    trafficErlangs: a,
    pWait: f.pWait,
    pAbandon: f.pAbandon,
    serviceLevel: f.serviceLevel,
    asaSeconds: f.asaSeconds,
    occupancy: f.occupancy,
  };
}

/** The fewest agents that meet the service-level target (and the occupancy cap), with the figures at that staffing. */
export function agentsNeeded(input: AgentsNeededInput): AgentsNeeded {
  const a = checkLoad(input);
  const { target, maxOccupancy, model } = checkTargets(input);
  if (input.callsPerInterval === 0) {
    return { model, agents: 0, trafficErlangs: 0, pWait: 0, pAbandon: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0 };
  }
  if (model === 'erlang-a') return neededErlangA(a, input, target, maxOccupancy, input.patienceSeconds ?? 0);
  return neededErlangC(a, input, target, maxOccupancy);
}
