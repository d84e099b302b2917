/**
 * One benchmark step: sipp's built-in `uac` scenario over UDP at a fixed call
 * rate for a fixed time against a target, with sipp's figures (calls, failures,
 * achieved rate, INVITE→200 times) and what the step cost: CPU of sipp, of the
 * target and of everything else on the host, and UDP receive-buffer drops.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CpuMeter, HostCpuMeter, exited, freePort, makeTempDir, removeTempDir, startChild, stopChild, udpDrops } from './proc.js';
import { percentile, readRttFile, readStatFile } from './sipp-stats.js';

export interface Target {
  host: string;
  port: number;
  service: string;
  /** Pid of the process answering the calls (its CPU is measured per step). */
  pid: number;
}

export interface StepFigures {
  rate: number;
  /** Calls the step asked for (rate × seconds). */
  target_calls: number;
  /** Calls sipp started. */
  calls: number;
  successful: number;
  /** Failed calls, plus calls still open when sipp gave up. */
  failed: number;
  failed_pct: number;
  /** Calls started per second until the last one. */
  achieved_cps: number;
  p50_setup_ms?: number;
  /** p99 of INVITE → 200 (sipp's rtd), ms; sipp measures whole ms. */
  p99_setup_ms?: number;
  retransmissions: number;
  /** CPU of the target ("server" under test), of sipp, and of everything else on the host, in % of one core. */
  server_cpu_pct?: number;
  sipp_cpu_pct?: number;
  other_cpu_pct?: number;
  steal_pct: number;
  /** Datagrams the kernel dropped because the target's / sipp's socket receive buffer was full. */
  server_rx_drops?: number;
  sipp_rx_drops?: number;
  sipp_exit: number | string;
}

function sippArgs(target: Target, localPort: number, rate: number, calls: number, seconds: number): string[] {
  // sipp only writes response times in batches of -rtt_freq: pick one that divides the call count.
  const rttFreq = [200, 100, 50, 20, 10, 5, 2, 1].find((f) => calls % f === 0) ?? 1;
  return [
    `${target.host}:${target.port}`,
    ...['-sn', 'uac', '-s', target.service, '-t', 'u1', '-i', target.host, '-p', String(localPort)],
    ...['-r', String(rate), '-rp', '1000', '-m', String(calls), '-l', String(Math.max(rate * 2, 100)), '-d', '0'],
    ...['-recv_timeout', '5000', '-timeout', `${Math.ceil(seconds * 1.5) + 15}s`, '-timeout_error', '-nostdin'],
    // sipp's default 64 KiB socket buffers overflow in bursts at a few thousand cps: ask for 4 MiB (capped by net.core.rmem_max).
    ...['-max_recv_loops', '10000', '-max_sched_loops', '10000', '-buff_size', String(4 << 20)],
    ...['-trace_stat', '-stf', 'stat.csv', '-fd', '1', '-trace_rtt', '-rtt_freq', String(rttFreq)],
  ];
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export async function runStep(target: Target, rate: number, seconds: number, sippCpuPin?: number): Promise<StepFigures> {
  const calls = rate * seconds;
  const dir = makeTempDir('bench-sipp-');
  const localPort = await freePort(target.host);
  try {
    const host = new HostCpuMeter();
    const serverCpu = new CpuMeter(target.pid);
    const serverDrops0 = udpDrops(target.port);
    host.start();
    serverCpu.start();
    const sipp = startChild('sipp', sippArgs(target, localPort, rate, calls, seconds), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], cpu: sippCpuPin });
    let sippErr = '';
    sipp.stderr?.on('data', (chunk: Buffer) => (sippErr = (sippErr + chunk.toString()).slice(-2000)));
    const sippCpu = new CpuMeter(sipp.pid ?? -1);
    sippCpu.start();
    // sipp's socket vanishes with it: keep the last reading.
    let sippDrops: number | undefined;
    const poll = setInterval(() => (sippDrops = udpDrops(localPort) ?? sippDrops), 250);
    // sipp has its own -timeout; this only guards against a wedged sipp.
    const guard = setTimeout(() => void stopChild(sipp, 1000), (seconds * 1.5 + 30) * 1000);
    const sippExit = await exited(sipp);
    clearTimeout(guard);
    clearInterval(poll);
    const sipp_cpu_pct = sippCpu.stop();
    const server_cpu_pct = serverCpu.stop();
    const { busy_pct, steal_pct } = host.stop();
    const serverDrops1 = udpDrops(target.port);

    let totals;
    try {
      totals = readStatFile(join(dir, 'stat.csv'), calls);
    } catch (err) {
      throw new Error(`sipp (exit ${sippExit}) produced no statistics: ${sippErr.trim() || String(err)}`, { cause: err });
    }
    const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
    const setup = rttFile === undefined ? [] : readRttFile(join(dir, rttFile));
    const failed = Math.max(totals.failed, totals.outgoing - totals.successful);
    return {
      rate,
      target_calls: calls,
      calls: totals.outgoing,
      successful: totals.successful,
      failed,
      failed_pct: totals.outgoing > 0 ? Math.round((failed / totals.outgoing) * 1e5) / 1e3 : 100,
      achieved_cps: round1(totals.achievedCps),
      p50_setup_ms: percentile(setup, 50),
      p99_setup_ms: percentile(setup, 99),
      retransmissions: totals.retransmissions,
      server_cpu_pct,
      sipp_cpu_pct,
      other_cpu_pct: round1(Math.max(0, busy_pct - (server_cpu_pct ?? 0) - (sipp_cpu_pct ?? 0))),
      steal_pct,
      server_rx_drops: serverDrops0 !== undefined && serverDrops1 !== undefined ? serverDrops1 - serverDrops0 : undefined,
      sipp_rx_drops: sippDrops,
      sipp_exit: sippExit,
    };
  } finally {
    removeTempDir(dir);
  }
}
