/**
 * The rate ramp: run sipp steps at rising call rates against one target until
 * a step fails, judging each step and naming what most likely limited it.
 */
import { CpuMeter, HostCpuMeter, log, sleep } from './proc.js';
import { runStep, type StepFigures, type Target } from './sipp-step.js';

export type { Target } from './sipp-step.js';

export interface RampOptions {
  rates: number[];
  stepSeconds: number;
  /** CPU to pin sipp to (taskset), if any. */
  sippCpu?: number;
  /** Most failed calls a passing step may have, as a fraction of calls. */
  maxFailedRatio: number;
  /** Least achieved/target call rate a passing step must reach. */
  minRateRatio: number;
  /** Optional extra pass condition: p99 INVITE→200 at most this many ms. */
  maxP99Ms?: number;
  /** Before each step, wait (at most quietWaitS) until other processes use less than quietPct % of one core. */
  quietPct: number;
  quietWaitS: number;
}

export interface StepResult extends StepFigures {
  pass: boolean;
  /** Why a step failed: "failed_calls", "rate_not_reached", "p99_too_high" (joined with "+"). */
  reason?: string;
  /** Signs of what limited a failed step: sipp_cpu, server_cpu, sipp_rx_drops, server_rx_drops, host_busy. */
  signs?: string[];
}

/** A process at this % of one core or more counts as saturated (a busy event loop stalls in bursts before 100 %). */
const SATURATED_PCT = 80;
/** Other processes using this much (% of one core) make the host a suspect. */
const BUSY_HOST_PCT = 50;

function judge(step: StepFigures, opts: RampOptions): StepResult {
  const causes: string[] = [];
  if (step.calls === 0 || step.failed / step.calls >= opts.maxFailedRatio) causes.push('failed_calls');
  if (step.achieved_cps < step.rate * opts.minRateRatio || step.calls < step.target_calls) causes.push('rate_not_reached');
  if (opts.maxP99Ms !== undefined && (step.p99_setup_ms ?? Infinity) > opts.maxP99Ms) causes.push('p99_too_high');
  if (causes.length === 0) return { ...step, pass: true };
  const signs: string[] = [];
  if ((step.sipp_cpu_pct ?? 0) >= SATURATED_PCT) signs.push('sipp_cpu');
  if ((step.server_cpu_pct ?? 0) >= SATURATED_PCT) signs.push('server_cpu');
  if ((step.sipp_rx_drops ?? 0) > 0) signs.push('sipp_rx_drops');
  if ((step.server_rx_drops ?? 0) > 0) signs.push('server_rx_drops');
  if ((step.other_cpu_pct ?? 0) + step.steal_pct >= BUSY_HOST_PCT) signs.push('host_busy');
  return { ...step, pass: false, reason: causes.join('+'), signs };
}

/**
 * What stopped a ramp: "rates" (every step passed), "sipp" (the load generator
 * saturated or dropped replies), "server" (the target saturated or dropped
 * requests), "host" (other load on the machine), else "unknown".
 */
export function limitedBy(steps: StepResult[]): string {
  const last = steps[steps.length - 1];
  if (last === undefined || last.pass) return 'rates';
  const signs = last.signs ?? [];
  if (signs.includes('sipp_cpu')) return 'sipp';
  if (signs.includes('server_cpu')) return 'server';
  // Drops while neither process is saturated but others hog the CPUs: the host starved them.
  if (signs.includes('host_busy')) return 'host';
  if (signs.includes('server_rx_drops')) return 'server';
  if (signs.includes('sipp_rx_drops')) return 'sipp';
  return 'unknown';
}

function describe(name: string, s: StepResult): string {
  const verdict = s.pass ? 'PASS' : `FAIL (${s.reason}; signs: ${s.signs?.join(',') || 'none'})`;
  return (
    `${name}: ${s.rate} cps → ${verdict}: achieved ${s.achieved_cps} cps, failed ${s.failed}/${s.calls}, ` +
    `setup p50/p99 ${s.p50_setup_ms ?? '-'}/${s.p99_setup_ms ?? '-'} ms, retrans ${s.retransmissions}, ` +
    `cpu server/sipp/other/steal ${s.server_cpu_pct ?? '-'}/${s.sipp_cpu_pct ?? '-'}/${s.other_cpu_pct ?? '-'}/${s.steal_pct} %, ` +
    `rx drops server/sipp ${s.server_rx_drops ?? '-'}/${s.sipp_rx_drops ?? '-'}`
  );
}

/** Waits until the host is quiet apart from the target (other engineers' builds and tests skew the figures). */
async function waitQuietHost(target: Target, opts: RampOptions): Promise<void> {
  const deadline = Date.now() + opts.quietWaitS * 1000;
  for (;;) {
    const host = new HostCpuMeter();
    const self = new CpuMeter(target.pid);
    host.start();
    self.start();
    await sleep(2000);
    const targetPct = self.stop() ?? 0;
    const { busy_pct, steal_pct } = host.stop();
    const other = Math.round(busy_pct - targetPct + steal_pct);
    if (other < opts.quietPct) return;
    if (Date.now() > deadline) {
      log(`host still busy (other processes ${other} % of a core): running the step anyway`);
      return;
    }
    log(`host busy (other processes ${other} % of a core): waiting for it to calm down`);
    await sleep(3000);
  }
}

/** Steps through `opts.rates` in order, stopping after the first failing step. */
export async function ramp(name: string, target: Target, opts: RampOptions): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  for (const rate of opts.rates) {
    await waitQuietHost(target, opts);
    log(`${name}: ${rate} cps for ${opts.stepSeconds} s …`);
    const step = judge(await runStep(target, rate, opts.stepSeconds, opts.sippCpu), opts);
    steps.push(step);
    log(describe(name, step));
    if (!step.pass) break;
  }
  return steps;
}
