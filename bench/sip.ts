/**
 * `npm run bench:sip`: SIP call-rate benchmark. sipp's built-in `uac` scenario
 * (INVITE → 200 → ACK → BYE → 200, UDP, no media) ramps the call rate against
 * (a) our server (test number `answer`) and (b) a minimal UAS on npm's `sip`
 * package, each a child process. Prints ONE JSON line on stdout; progress on stderr.
 *
 * Env: BENCH_STEP_SECONDS (default 20), BENCH_RATES (comma list of cps),
 * BENCH_TARGETS ("server,sip-pkg"), BENCH_PIN ("1"/"0": pin sipp and the target
 * to separate CPUs with taskset; default on with 2+ CPUs), BENCH_QUIET ("25,300": before
 * each step wait up to 300 s for other processes to use < 25 % of a core),
 * BENCH_MAX_P99_MS (unset: optional extra pass condition on p99 INVITE→200).
 */
import { availableParallelism } from 'node:os';
import { log, runBenchmark } from './proc.js';
import { limitedBy, ramp, type RampOptions, type StepResult } from './sipp-ramp.js';
import { startOurServer, startSipPkgUas, type RunningTarget } from './targets.js';

const DEFAULT_RATES = [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 7000, 8000, 10000, 12000];

function envList(name: string, fallback: string[]): string[] {
  const value = process.env[name]?.trim();
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : fallback;
}

function positiveInts(name: string, values: string[]): number[] {
  const nums = values.map(Number);
  if (nums.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name} must be positive integers, got "${values.join(',')}"`);
  return nums;
}

interface TargetReport {
  cps_max: number;
  failed?: number;
  p99_setup_ms?: number;
  cpu_pct?: number;
  /** What stopped the ramp (see limitedBy). */
  limited_by: string;
  exit_code: number | string;
  stop_ms: number;
  steps: StepResult[];
}

async function bench(name: string, start: () => Promise<RunningTarget>, opts: RampOptions): Promise<TargetReport> {
  const target = await start();
  const steps = await ramp(name, target, opts).catch(async (err: unknown) => {
    await target.stop();
    throw err;
  });
  const t0 = performance.now();
  const exit_code = await target.stop();
  const stop_ms = Math.round(performance.now() - t0);
  log(`${name} stopped in ${stop_ms} ms: exit ${exit_code}`);
  const top = steps.filter((s) => s.pass).pop();
  return {
    cps_max: top?.rate ?? 0,
    failed: top?.failed,
    p99_setup_ms: top?.p99_setup_ms,
    cpu_pct: top?.server_cpu_pct,
    limited_by: limitedBy(steps),
    exit_code,
    stop_ms,
    steps,
  };
}

async function main(): Promise<number> {
  const stepSeconds = positiveInts('BENCH_STEP_SECONDS', envList('BENCH_STEP_SECONDS', ['20']))[0] ?? 20;
  const rates = positiveInts('BENCH_RATES', envList('BENCH_RATES', DEFAULT_RATES.map(String)));
  const which = envList('BENCH_TARGETS', ['server', 'sip-pkg']);
  const cpus = availableParallelism();
  const pin = (process.env.BENCH_PIN ?? (cpus >= 2 ? '1' : '0')) === '1';
  // sipp gets CPU 0, the system under test the last CPU: a core each.
  const [sippCpu, targetCpu] = pin ? [0, cpus - 1] : [undefined, undefined];
  const [quietPct = 25, quietWaitS = 300] = positiveInts('BENCH_QUIET', envList('BENCH_QUIET', ['25', '300']));
  const maxP99Ms = process.env.BENCH_MAX_P99_MS ? positiveInts('BENCH_MAX_P99_MS', [process.env.BENCH_MAX_P99_MS])[0] : undefined;
  const opts: RampOptions = { rates, stepSeconds, sippCpu, maxFailedRatio: 0.001, minRateRatio: 0.95, maxP99Ms, quietPct, quietWaitS };
  log(`rates ${rates.join(',')} cps, ${stepSeconds} s/step, ${cpus} CPUs${pin ? `, sipp on CPU ${sippCpu}, target on CPU ${targetCpu}` : ''}`);

  const server = which.includes('server') ? await bench('server', () => startOurServer(targetCpu), opts) : undefined;
  const sipPkg = which.includes('sip-pkg') ? await bench('sip-pkg', () => startSipPkgUas(targetCpu), opts) : undefined;

  const result = {
    cps_max: server?.cps_max,
    failed: server?.failed,
    p99_setup_ms: server?.p99_setup_ms,
    sip_pkg_cps_max: sipPkg?.cps_max,
    server_cpu_pct: server?.cpu_pct,
    sip_pkg_cpu_pct: sipPkg?.cpu_pct,
    sip_pkg_failed: sipPkg?.failed,
    sip_pkg_p99_setup_ms: sipPkg?.p99_setup_ms,
    limited_by: server?.limited_by,
    sip_pkg_limited_by: sipPkg?.limited_by,
    server_exit_code: server?.exit_code,
    server_stop_ms: server?.stop_ms,
    step_seconds: stepSeconds,
    cpus,
    pinned: pin,
    steps: server?.steps,
    sip_pkg_steps: sipPkg?.steps,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return server === undefined || server.exit_code === 0 ? 0 : 1;
}

runBenchmark(main);
