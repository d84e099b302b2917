/**
 * `npm run bench:media`: media benchmark. N concurrent bridged G.711 calls with
 * stereo recording through the hotline (number 100: "Hi.", 1 s for a digit,
 * "Hi.", ring agent 1001, bridge, record). One sipp UAC places the callers at a
 * rate and talks (20 ms A-law from a pcap); one sipp UAS, registered as agent
 * 1001, answers every call and talks back. N ramps (BENCH_CALLS); each step
 * holds every call BENCH_HOLD_SECONDS. The server is a child process (same node
 * flags as `npm start`, config/bench-media.yaml, PGlite in a temp DATA_DIR that
 * is deleted afterwards). Prints ONE JSON line on stdout; progress on stderr.
 *
 * Loss: RTP packets the server's endpoints received (projectrtp's in.count,
 * summed over the step's closed endpoints, GET /v1/media/stats) against packets
 * sipp sent (pcap packets × answered calls, both legs; each pcap is shorter than
 * its leg's talk time so it plays out whole); projectrtp's jitter-buffer
 * `dropped` is reported beside it. A step passes when every call was answered
 * and bridged and loss < 0.5 %.
 *
 * CPU: % of one core from /proc/<pid>/stat over the plateau (all N calls up),
 * for the server and for the two sipps (the load generator) separately.
 * Heap: the server's V8 heapUsed after a full collection (--expose-gc, ?gc=1), median over the plateau minus the idle median before the step, per call.
 *
 * Env: BENCH_CALLS (comma list, default 50,100,200,300,500), BENCH_HOLD_SECONDS
 * (default 20), BENCH_RATE (calls/s; default: all N placed within 40 % of the
 * hold time), BENCH_PIN ("1"/"0": sipps on CPU 0, the server on the last CPU;
 * default on with 2+ CPUs), BENCH_QUIET ("25,60": before each step wait up to
 * 60 s for other processes to use < 25 % of a core).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpuMeter, HostCpuMeter, exited, forwardOutput, freePort, log, makeTempDir, removeTempDir, runBenchmark, sleep, startChild, stopChild, waitForHealth } from './proc.js';
import { readStatFile } from './sipp-stats.js';
import { writeRtpPcap } from './pcap.js';

const HOST = '127.0.0.1';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIOS = join(ROOT, 'test', 'sipp');
/** The same node flags as `npm start` (package.json) and bench:sip. */
// npm start's flags, plus --expose-gc so heap is sampled after a collection (GET /v1/media/stats?gc=1)
const NODE_FLAGS = ['--max-semi-space-size=64', '--expose-gc'];
const MAX_LOSS_PCT = 0.5;
const SATURATED_PCT = 80;
const BUSY_HOST_PCT = 50;
const PTIME_MS = 20;

interface MediaStats {
  endpoints: number;
  totals: { opened: number; closed: number; packetsIn: number; packetsOut: number; dropped: number };
  heapUsed: number;
  cpu: { user: number; system: number };
}

interface Server {
  pid: number;
  child: ChildProcess;
  sipPort: number;
  httpPort: number;
}

interface StepResult {
  calls: number;
  rate: number;
  pass: boolean;
  reason?: string;
  signs?: string[];
  answered: number;
  failed: number;
  agent_answered: number;
  /** Most endpoints open at once (2 per bridged call). */
  peak_endpoints: number;
  plateau_s: number;
  sent_packets: number;
  received_packets: number;
  loss_pct: number;
  jitter_dropped: number;
  server_packets_out: number;
  server_cpu_pct?: number;
  sipp_cpu_pct?: number;
  sipp_caller_cpu_pct?: number;
  sipp_agent_cpu_pct?: number;
  other_cpu_pct?: number;
  steal_pct: number;
  heap_idle_kb: number;
  heap_plateau_kb: number;
  heap_kb_per_call: number;
  recordings: number;
  recording_kb_avg: number;
  sipp_exit: (number | string)[];
}

function envList(name: string, fallback: string[]): string[] {
  const value = process.env[name]?.trim();
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : fallback;
}

function positiveInts(name: string, values: string[]): number[] {
  const nums = values.map(Number);
  if (nums.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name} must be positive integers, got "${values.join(',')}"`);
  return nums;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
}

/** A pcap sipp replays (play_pcap_audio): `seconds` of A-law pink noise in 20 ms RTP packets. Returns the packet count. */
function writePcap(file: string, seconds: number): number {
  const payload = execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-t', 'al', '-', 'synth', String(seconds), 'pinknoise', 'vol', '0.3']);
  return writeRtpPcap(file, payload, { pt: 8, ptimeMs: PTIME_MS });
}

let benchToken: string | undefined;

/** GET /v1/media/stats needs the admin scope: the key config/bench-media.yaml gives the benchmark. */
async function adminToken(server: Server): Promise<string> {
  if (benchToken !== undefined) return benchToken;
  const res = await fetch(`http://${HOST}:${server.httpPort}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey: 'bench-media-admin-key-0123456789' }),
  });
  if (res.status !== 200) throw new Error(`POST /v1/auth/token: ${res.status}`);
  benchToken = ((await res.json()) as { token: string }).token;
  return benchToken;
}

async function mediaStats(server: Server, gc = false): Promise<MediaStats> {
  const res = await fetch(`http://${HOST}:${server.httpPort}/v1/media/stats${gc ? '?gc=1' : ''}`, { headers: { authorization: `Bearer ${await adminToken(server)}` } });
  if (res.status !== 200) throw new Error(`GET /v1/media/stats: ${res.status}`);
  return (await res.json()) as MediaStats;
}

/** Our server with config/bench-media.yaml, DATA_DIR `dataDir`, PGlite (DATABASE_URL unset), after GET /health = 200. */
async function startServer(dataDir: string, cpu?: number): Promise<Server> {
  const [sipPort, wsPort, httpPort] = [await freePort(HOST), await freePort(HOST), await freePort(HOST)];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONFIG: 'config/bench-media.yaml',
    SIP_PORT: String(sipPort),
    SIP_WS_PORT: String(wsPort),
    HTTP_PORT: String(httpPort),
    SIP_HOST: HOST,
    DATA_DIR: dataDir,
    REDIS_PREFIX: `bench-media:${randomBytes(4).toString('hex')}:`,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  const child = startChild(process.execPath, [...NODE_FLAGS, 'dist/src/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], cpu });
  forwardOutput(child, 'server');
  if (child.pid === undefined) throw new Error('server did not start');
  const server = { pid: child.pid, child, sipPort, httpPort };
  await waitForHealth(child, `http://${HOST}:${httpPort}/health`, 250);
  await mediaStats(server);
  log(`server up: pid ${child.pid}, sip udp ${HOST}:${sipPort}, http ${httpPort}, data ${dataDir}`);
  return server;
}

function sipp(args: string[], cwd: string, cpu: number | undefined): ChildProcess {
  const child = startChild('sipp', ['-i', HOST, '-t', 'u1', '-nostdin', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], cpu });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-2000)));
  child.once('exit', (code) => code !== 0 && err.trim() !== '' && log(`sipp ${args.find((a) => a.endsWith('.xml')) ?? ''} exit ${code}: ${err.trim()}`));
  return child;
}

async function register(server: Server, agentPort: number, dir: string): Promise<void> {
  const child = sipp(
    [`${HOST}:${server.sipPort}`, '-sf', join(SCENARIOS, 'register.xml'), '-p', String(agentPort), '-m', '1', '-s', '1001', '-au', '1001', '-ap', 'ahx7-plum-41', '-timeout', '10s', '-timeout_error'],
    dir,
    undefined,
  );
  const code = await exited(child);
  if (code !== 0) throw new Error(`agent 1001 did not register (sipp exit ${code})`);
}

async function waitQuietHost(pid: number, quietPct: number, waitS: number): Promise<void> {
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const host = new HostCpuMeter();
    const self = new CpuMeter(pid);
    host.start();
    self.start();
    await sleep(2000);
    const own = self.stop() ?? 0;
    const { busy_pct, steal_pct } = host.stop();
    const other = Math.round(busy_pct - own + steal_pct);
    if (other < quietPct) return;
    if (Date.now() > deadline) {
      log(`host still busy (other processes ${other} % of a core): running the step anyway`);
      return;
    }
    log(`host busy (other processes ${other} % of a core): waiting for it to calm down`);
    await sleep(3000);
  }
}

interface StepOptions {
  holdS: number;
  rate?: number;
  sippCpu?: number;
  callerPcap: string;
  callerPackets: number;
  agentPcap: string;
  agentPackets: number;
  agentPort: number;
  dataDir: string;
}

async function runStep(server: Server, n: number, o: StepOptions): Promise<StepResult> {
  const rate = o.rate ?? Math.max(5, Math.ceil(n / (o.holdS * 0.4)));
  const rampS = n / rate;
  const dir = makeTempDir('bench-media-sipp-');
  try {
    await register(server, o.agentPort, dir);
    // idle heap: median of a few samples, each after a full collection
    const idle: number[] = [];
    for (let i = 0; i < 3; i++) {
      idle.push((await mediaStats(server, true)).heapUsed);
      await sleep(300);
    }
    const before = await mediaStats(server);
    const timeoutS = Math.ceil(rampS + o.holdS * 2 + 60);
    const agentDir = join(dir, 'agent');
    const callerDir = join(dir, 'caller');
    execFileSync('mkdir', ['-p', agentDir, callerDir]);
    const agent = sipp(
      [
        ...['-sf', join(SCENARIOS, 'bench-agent.xml'), '-p', String(o.agentPort), '-mp', String(await freePort(HOST)), '-s', '1001', '-m', String(n)],
        ...['-key', 'audio_pcap', o.agentPcap, '-timeout', `${timeoutS}s`, '-timeout_error', '-max_recv_loops', '10000', '-buff_size', String(4 << 20)],
        ...['-trace_stat', '-stf', 'stat.csv', '-fd', '1'],
      ],
      agentDir,
      o.sippCpu,
    );
    await sleep(300);
    const t0 = performance.now();
    const caller = sipp(
      [
        `${HOST}:${server.sipPort}`,
        ...['-sf', join(SCENARIOS, 'bench-caller.xml'), '-p', String(await freePort(HOST)), '-mp', String(await freePort(HOST)), '-s', '100'],
        ...['-r', String(rate), '-rp', '1000', '-m', String(n), '-l', String(n), '-d', String(o.holdS * 1000)],
        ...['-key', 'audio_pcap', o.callerPcap, '-timeout', `${timeoutS}s`, '-timeout_error', '-max_recv_loops', '10000', '-buff_size', String(4 << 20)],
        ...['-trace_stat', '-stf', 'stat.csv', '-fd', '1'],
      ],
      callerDir,
      o.sippCpu,
    );
    const sippExits = Promise.all([exited(caller), exited(agent)]);

    // Wait for the plateau: every call bridged (2 endpoints each), or give up after the ramp + 15 s.
    let peak = 0;
    const upBy = t0 + (rampS + 15) * 1000;
    for (;;) {
      const s = await mediaStats(server);
      peak = Math.max(peak, s.endpoints);
      if (s.endpoints >= 2 * n || performance.now() > upBy) break;
      await sleep(200);
    }
    // Plateau: until the first calls end (endpoints fall 1 % below the peak), at most hold time.
    const serverCpu = new CpuMeter(server.pid);
    const callerCpu = new CpuMeter(caller.pid ?? -1);
    const agentCpu = new CpuMeter(agent.pid ?? -1);
    const host = new HostCpuMeter();
    for (const m of [serverCpu, callerCpu, agentCpu, host]) m.start();
    const p0 = performance.now();
    const heap: number[] = [];
    for (let sample = 0; ; sample++) {
      // every 4th sample after a full collection: what the calls retain, not garbage waiting for the GC
      const collect = sample % 4 === 0;
      const s = await mediaStats(server, collect);
      if (collect) heap.push(s.heapUsed);
      peak = Math.max(peak, s.endpoints);
      if (s.endpoints < peak * 0.99 || performance.now() - p0 > o.holdS * 1000) break;
      await sleep(250);
    }
    const plateauS = (performance.now() - p0) / 1000;
    const server_cpu_pct = serverCpu.stop();
    const caller_pct = callerCpu.stop();
    const agent_pct = agentCpu.stop();
    const { busy_pct, steal_pct } = host.stop();
    log(`  plateau ${round1(plateauS)} s at ${peak} endpoints (${(performance.now() - t0) / 1000 | 0} s after the first call); waiting for the calls to end`);

    const guard = setTimeout(() => {
      void stopChild(caller, 1000);
      void stopChild(agent, 1000);
    }, (timeoutS + 30) * 1000);
    const sipp_exit = await sippExits;
    clearTimeout(guard);
    // the last BYEs' endpoint closes and the recordings' completion follow the sipps' exits
    let after = await mediaStats(server);
    for (const end = Date.now() + 30_000; after.endpoints > 0 && Date.now() < end; after = await mediaStats(server)) await sleep(250);
    await sleep(1000);
    after = await mediaStats(server);

    const callerStats = readStatFile(join(callerDir, 'stat.csv'), n);
    const agentStats = readStatFile(join(agentDir, 'stat.csv'), n);
    const answered = callerStats.successful;
    const bridged = agentStats.successful;
    const sent = answered * o.callerPackets + bridged * o.agentPackets;
    const received = after.totals.packetsIn - before.totals.packetsIn;
    const loss_pct = sent > 0 ? round3(((sent - received) / sent) * 100) : 100;

    // recordings: count, size, then delete them (the temp dir would otherwise grow by ~320 KB per 20 s call)
    const recDir = join(o.dataDir, 'recordings');
    let recordings = 0;
    let recBytes = 0;
    const walk = (d: string): void => {
      let entries: string[];
      try {
        entries = readdirSync(d);
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (e.endsWith('.wav')) {
          recordings += 1;
          recBytes += st.size;
        }
      }
    };
    walk(recDir);
    rmSync(recDir, { recursive: true, force: true });

    const heapIdle = median(idle);
    const heapPlateau = median(heap);
    const sippPct = caller_pct === undefined || agent_pct === undefined ? undefined : round1(caller_pct + agent_pct);
    const result: StepResult = {
      calls: n,
      rate,
      pass: false,
      answered,
      failed: n - answered,
      agent_answered: bridged,
      peak_endpoints: peak,
      plateau_s: round1(plateauS),
      sent_packets: sent,
      received_packets: received,
      loss_pct,
      jitter_dropped: after.totals.dropped - before.totals.dropped,
      server_packets_out: after.totals.packetsOut - before.totals.packetsOut,
      server_cpu_pct,
      sipp_cpu_pct: sippPct,
      sipp_caller_cpu_pct: caller_pct,
      sipp_agent_cpu_pct: agent_pct,
      other_cpu_pct: round1(Math.max(0, busy_pct - (server_cpu_pct ?? 0) - (sippPct ?? 0))),
      steal_pct,
      heap_idle_kb: Math.round(heapIdle / 1024),
      heap_plateau_kb: Math.round(heapPlateau / 1024),
      heap_kb_per_call: round1((heapPlateau - heapIdle) / 1024 / n),
      recordings,
      recording_kb_avg: recordings > 0 ? Math.round(recBytes / recordings / 1024) : 0,
      sipp_exit,
    };
    return judge(result);
  } finally {
    removeTempDir(dir);
  }
}

function judge(s: StepResult): StepResult {
  const causes: string[] = [];
  if (s.answered < s.calls || s.agent_answered < s.calls) causes.push('calls_not_connected');
  if (s.peak_endpoints < 2 * s.calls) causes.push('not_all_concurrent');
  if (s.loss_pct >= MAX_LOSS_PCT) causes.push('loss');
  if (causes.length === 0) return { ...s, pass: true };
  const signs: string[] = [];
  if ((s.sipp_cpu_pct ?? 0) >= SATURATED_PCT) signs.push('sipp_cpu');
  if ((s.server_cpu_pct ?? 0) >= SATURATED_PCT) signs.push('server_cpu');
  if ((s.other_cpu_pct ?? 0) + s.steal_pct >= BUSY_HOST_PCT) signs.push('host_busy');
  return { ...s, pass: false, reason: causes.join('+'), signs };
}

function limitedBy(steps: StepResult[]): string {
  const last = steps[steps.length - 1];
  if (last === undefined || last.pass) return 'calls';
  const signs = last.signs ?? [];
  if (signs.includes('sipp_cpu')) return 'sipp';
  if (signs.includes('server_cpu')) return 'server';
  if (signs.includes('host_busy')) return 'host';
  return 'unknown';
}

function describe(s: StepResult): string {
  const verdict = s.pass ? 'PASS' : `FAIL (${s.reason}; signs: ${s.signs?.join(',') || 'none'})`;
  return (
    `${s.calls} calls @ ${s.rate} cps → ${verdict}: answered ${s.answered}, bridged ${s.agent_answered}, peak endpoints ${s.peak_endpoints}, ` +
    `loss ${s.loss_pct} % (${s.received_packets}/${s.sent_packets}), jitter dropped ${s.jitter_dropped}, ` +
    `cpu server/sipp/other/steal ${s.server_cpu_pct ?? '-'}/${s.sipp_cpu_pct ?? '-'}/${s.other_cpu_pct ?? '-'}/${s.steal_pct} %, ` +
    `heap ${s.heap_idle_kb}→${s.heap_plateau_kb} KB (${s.heap_kb_per_call} KB/call), recordings ${s.recordings} × ${s.recording_kb_avg} KB`
  );
}

async function main(): Promise<number> {
  const callsList = positiveInts('BENCH_CALLS', envList('BENCH_CALLS', ['50', '100', '200', '300', '500']));
  const holdS = positiveInts('BENCH_HOLD_SECONDS', envList('BENCH_HOLD_SECONDS', ['20']))[0] ?? 20;
  if (holdS < 6) throw new Error('BENCH_HOLD_SECONDS must be at least 6 (a call spends ~3 s in the IVR before it is bridged)');
  const rate = process.env.BENCH_RATE ? positiveInts('BENCH_RATE', [process.env.BENCH_RATE])[0] : undefined;
  const cpus = availableParallelism();
  const pin = (process.env.BENCH_PIN ?? (cpus >= 2 ? '1' : '0')) === '1';
  const [sippCpu, serverCpu] = pin ? [0, cpus - 1] : [undefined, undefined];
  const [quietPct = 25, quietWaitS = 60] = positiveInts('BENCH_QUIET', envList('BENCH_QUIET', ['25', '60']));

  const dataDir = makeTempDir('bench-media-data-');
  const pcapDir = join(dataDir, 'pcap');
  execFileSync('mkdir', ['-p', pcapDir]);
  // The caller talks from its ACK almost to its BYE; the agent is bridged ~3 s after the caller's ACK
  // (prompt, 1 s digit timeout, prompt, ringing), so its pcap is half the hold time: both play out whole.
  const callerPcap = join(pcapDir, 'caller.pcap');
  const agentPcap = join(pcapDir, 'agent.pcap');
  const callerPackets = writePcap(callerPcap, holdS - 1);
  const agentPackets = writePcap(agentPcap, Math.floor(holdS / 2));
  log(
    `calls ${callsList.join(',')}, hold ${holdS} s, pcaps ${callerPackets}/${agentPackets} packets (caller/agent, ${PTIME_MS} ms), ` +
      `${cpus} CPUs${pin ? `, sipps on CPU ${sippCpu}, server on CPU ${serverCpu}` : ''}`,
  );

  const server = await startServer(dataDir, serverCpu);
  const agentPort = await freePort(HOST);
  const steps: StepResult[] = [];
  try {
    for (const n of callsList) {
      await waitQuietHost(server.pid, quietPct, quietWaitS);
      log(`${n} concurrent calls …`);
      const step = await runStep(server, n, { holdS, rate, sippCpu, callerPcap, callerPackets, agentPcap, agentPackets, agentPort, dataDir });
      steps.push(step);
      log(describe(step));
      if (!step.pass) break;
    }
  } finally {
    const t0 = performance.now();
    const code = await stopChild(server.child, 45_000);
    log(`server stopped in ${Math.round(performance.now() - t0)} ms: exit ${code}`);
    removeTempDir(dataDir);
  }
  const top = steps.filter((s) => s.pass).pop();
  const result = {
    max_calls: top?.calls ?? 0,
    loss_pct: top?.loss_pct,
    cpu_pct: top?.server_cpu_pct,
    heap_kb_per_call: top?.heap_kb_per_call,
    sipp_cpu_pct: top?.sipp_cpu_pct,
    jitter_dropped: top?.jitter_dropped,
    limited_by: limitedBy(steps),
    hold_seconds: holdS,
    cpus,
    pinned: pin,
    database: 'pglite',
    steps,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

runBenchmark(main);
