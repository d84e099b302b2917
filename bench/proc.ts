/**
 * Process plumbing for the benchmark: spawn with optional CPU pinning, remember
 * every child and temp dir so cleanUp() kills/removes them all, read CPU time
 * and UDP drops from /proc, find free ports.
 */
import { spawn, execFileSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Spawns `command args`, pinned to `cpu` with taskset when given; the child is killed if we exit. */
export function startChild(command: string, args: string[], opts: SpawnOptions & { cpu?: number }): ChildProcess {
  const { cpu, ...spawnOpts } = opts;
  const child = cpu === undefined ? spawn(command, args, spawnOpts) : spawn('taskset', ['-c', String(cpu), command, ...args], spawnOpts);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves with the exit code (or signal name) once the child has exited. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
export async function stopChild(child: ChildProcess, graceMs = 8000): Promise<number | string> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const how = await exited(child);
  clearTimeout(timer);
  return how;
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Kills every child still running and removes every temp dir (synchronous: safe in an 'exit' handler). */
export function cleanUp(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) removeTempDir(dir);
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

/** User+system CPU seconds used so far by process `pid` (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/**
 * Samples a process's CPU time every `periodMs` from start() until stop(), so a
 * figure survives the process exiting before stop(). Result: % of one core.
 */
export class CpuMeter {
  private first?: { cpu: number; t: number };
  private last?: { cpu: number; t: number };
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    private readonly periodMs = 500,
  ) {}

  start(): void {
    this.first = this.last = undefined;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.periodMs);
  }

  /** % of one core between the first and last successful samples; undefined without two. */
  stop(): number | undefined {
    clearInterval(this.timer);
    this.sample();
    const { first, last } = this;
    if (first === undefined || last === undefined || last.t <= first.t) return undefined;
    return Math.round(((last.cpu - first.cpu) / ((last.t - first.t) / 1000)) * 1000) / 10;
  }

  private sample(): void {
    try {
      const reading = { cpu: cpuSeconds(this.pid), t: performance.now() };
      this.first ??= reading;
      this.last = reading;
    } catch {
      // The process is gone (or a zombie already reaped): keep the last reading.
    }
  }
}

/** Whole-host CPU times (seconds, all CPUs) from /proc/stat: busy (excluding steal) and steal. */
function hostCpu(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const hz = ticksPerSecond();
  return { busy: (user + nice + system + irq + softirq) / hz, steal: steal / hz };
}

/** Host-wide CPU use between start() and stop(), in % of one core (so up to 100 × CPUs). */
export class HostCpuMeter {
  private t0 = 0;
  private cpu0 = { busy: 0, steal: 0 };
  start(): void {
    this.cpu0 = hostCpu();
    this.t0 = performance.now();
  }
  stop(): { busy_pct: number; steal_pct: number } {
    const cpu = hostCpu();
    const wall = (performance.now() - this.t0) / 1000;
    const pct = (seconds: number): number => Math.round((seconds / wall) * 1000) / 10;
    return { busy_pct: pct(cpu.busy - this.cpu0.busy), steal_pct: pct(cpu.steal - this.cpu0.steal) };
  }
}

/**
 * Datagrams the kernel dropped (receive buffer full) on the UDP socket bound to
 * 127.0.0.1:`port`, from /proc/net/udp; undefined when no such socket exists.
 */
export function udpDrops(port: number): number | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === local) return Number(cols[cols.length - 1]);
  }
  return undefined;
}

const handedOut = new Set<number>();

/** A port free for both TCP and UDP on `host` (both SIP transports listen on it), never the same twice. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const addr = server.address();
        server.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => socket.close(() => resolve(true)));
    });
    if (udpFree && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Poll `url` until it answers 200 (the server's GET /health); throws if `child` exits first or after `timeoutMs`. */
export async function waitForHealth(child: ChildProcess, url: string, pollMs: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited during start-up (${child.exitCode ?? child.signalCode})`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server: GET ${new URL(url).pathname} did not return 200 within ${timeoutMs / 1000} s`);
    await sleep(pollMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Forwards a child's output lines to our stderr (stdout carries only the result), at most `max` of them. */
export function forwardOutput(child: ChildProcess, name: string, max = 20): void {
  let seen = 0;
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => {
      seen += 1;
      if (seen <= max) process.stderr.write(`[${name}] ${line}\n`);
      else if (seen === max + 1) process.stderr.write(`[${name}] (further output suppressed)\n`);
    });
  }
}

/** A benchmark's entry point: run `main`, exit with its code; children are cleaned up on signals, errors and exit. */
export function runBenchmark(main: () => Promise<number>): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const)
    process.on(signal, () => {
      log(`${signal}: stopping`);
      cleanUp();
      process.exit(code);
    });
  process.on('exit', cleanUp);
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      log(`failed: ${err instanceof Error ? err.message : String(err)}`);
      cleanUp();
      process.exitCode = 1;
    },
  );
}
