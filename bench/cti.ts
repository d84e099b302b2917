/**
 * `npm run bench:cti`: CTI event-stream benchmark. The real server (a child
 * process, npm start's node flags) with BENCH_AGENTS agents (default 1,000:
 * ids 5000, 5001, …, generated passwords) and one API key per supervisor
 * (BENCH_SUPERVISORS, default 20, scope events:read): config/bench-cti.yaml
 * plus those, written to a temp file. Fresh Redis prefix (deleted afterwards),
 * temp DATA_DIR (PGlite; deleted), no queues, no rtpengine.
 *
 * Subscribers: every agent gets its own token (POST /v1/auth/token with its id
 * and password, BENCH_CONCURRENCY logins at a time, default 20), opens
 * GET /v1/events (subprotocols hotline.v1 + bearer.<token>) and subscribes to
 * its own agent only ({agents:[id]}); every supervisor trades its API key for
 * a token and subscribes to everything ({all:true}). They run in a
 * worker_thread (BENCH_WORKER=1, the default) so the publisher's pacing and the
 * receivers' timestamps do not wait for each other; BENCH_WORKER=0 runs them
 * on the main thread beside the publisher.
 *
 * Load: BENCH_RATE events/s (default 500) for BENCH_SECONDS (default 30),
 * paced every BENCH_BATCH_MS (default 4 ms: the events due by then), each
 * through the real path, EventStream.publish (publish.lua: XADD to the key the
 * server tails). Agents take turns (a shuffled round robin, so each gets the
 * same share, evenly spaced); each event flips its agent between agent.busy
 * (on-call, cause answer, a callId) and agent.ready (available, cause
 * wrap-up-done). `time` (ISO, ms) is set just before the XADD and is the
 * publish time: delivery latency = the subscriber's Date.now() when the
 * message arrives − `time`, so it has 1 ms resolution and includes the XADD,
 * the server's XREAD tail, fan-out, the WebSocket and the client's frame
 * handling. Every delivery's latency is kept (p50/p99/max). A probe in the
 * subscribers' thread tails the stream itself (XREAD BLOCK, as the server
 * does) and times each entry the same way: probe_* is the floor Redis, the
 * bench and the host's scheduling give without the server in between, and
 * server_hop_* (each delivery's arrival − the probe's arrival of that event,
 * same thread and clock) what the server's tail, fan-out and WebSocket add.
 *
 * Checks: each agent subscriber must get exactly the events published for its
 * agent, each supervisor every event. lost = expected deliveries − distinct
 * expected deliveries received; duplicates = an event id a subscriber got
 * again; foreign = an agent subscriber got another agent's event; unexpected
 * = an event nobody published (none expected: the config has no queues and no
 * agent logs in); disconnected = subscribers the server closed during the run.
 * Drain: after the last XADD is acknowledged, wait until every expected
 * delivery arrived (then 500 ms more, for late duplicates) or 2 s pass with
 * nothing new (cap 60 s).
 *
 * Figures: events_per_s is achieved (events / publish window). Over the
 * publish window, in % of one core: server_cpu_pct (/proc/<pid>/stat),
 * bench_cpu_pct (this process, worker included), redis_cpu_pct (INFO cpu),
 * other_cpu_pct (the rest of the host: a build or tests running beside skews
 * latency); server_rss_mb (/proc/<pid>/status VmRSS) at the end. Event-loop
 * lag (perf_hooks monitorEventLoopDelay with a 10 ms timer: how late it fired)
 * of the publisher's thread and of the subscribers' thread: *_loop_lag_*_ms.
 *
 * Prints ONE JSON line on stdout; progress and a comparison with the targets
 * (p99 < 20 ms, lost 0) on stderr. Exit 0 when it ran, whatever the figures.
 * Env: BENCH_AGENTS, BENCH_SUPERVISORS, BENCH_RATE, BENCH_SECONDS,
 * BENCH_BATCH_MS, BENCH_CONCURRENCY, BENCH_WORKER ("1"/"0"), BENCH_QUIET ("25,60":
 * before publishing, wait up to 60 s for other processes to use < 25 % of a
 * core), REDIS_URL, LOG_LEVEL (the server's; default warn), BENCH_SERVER_FLAGS
 * (extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { parse as parseYaml } from 'yaml';
import { CtiKeys, EventStream } from '../src/cti/events/stream.js';
import type { NewEvent } from '../src/cti/events/types.js';
import { createRedis, deletePrefix, RedisKeys } from '../src/store/redis.js';
import { CpuMeter, HostCpuMeter, forwardOutput, freePort, log, makeTempDir, removeTempDir, runBenchmark, sleep, startChild, stopChild, waitForHealth } from './proc.js';

const HOST = '127.0.0.1';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASE_CONFIG = join(ROOT, 'config', 'bench-cti.yaml');
/** The same node flags as `npm start` (package.json). */
const NODE_FLAGS = ['--max-semi-space-size=64'];
const FIRST_AGENT_ID = 5000;
const TENANT = 'default';
const TARGET_P99_MS = 20;
const WORKER_ROLE = 'bench-cti-subscribers';

const round1 = (n: number): number => Math.round(n * 10) / 10;

function envNumber(name: string, fallback: number, min: number, integer = true): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
  return n;
}

/** Numbers appended to a growing Float64Array. */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  at(i: number): number {
    return this.data[i]!;
  }
  /** Nearest-rank p50 / p99 and the max (0s when empty). */
  summary(): { p50: number; p99: number; max: number; mean: number } {
    const s = this.data.slice(0, this.length).sort();
    if (s.length === 0) return { p50: 0, p99: 0, max: 0, mean: 0 };
    const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
    let sum = 0;
    for (const x of s) sum += x;
    return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]!, mean: round1(sum / s.length) };
  }
}

/** monitorEventLoopDelay's timer period; what it records is each period's length, so this much is not lag. */
const LOOP_RESOLUTION_MS = 10;
const loopMonitor = (): IntervalHistogram => monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });

/** p99 and max event-loop lag (the timer's lateness beyond its period), in ms. */
function lag(h: IntervalHistogram): { p99_ms: number; max_ms: number } {
  const late = (ns: number): number => round1(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS));
  return { p99_ms: late(h.percentile(99)), max_ms: late(h.max) };
}

// ── the subscribers (main thread or worker) ─────────────────────────────

interface SubscriberSpec {
  kind: 'agent' | 'supervisor';
  /** agent: its id and password; supervisor: its API key. */
  agentId?: string;
  password?: string;
  apiKey?: string;
}

interface PoolInit {
  httpPort: number;
  /** The probe: Redis and the stream key it tails beside the server. */
  redisUrl: string;
  streamKey: string;
  specs: SubscriberSpec[];
  concurrency: number;
}

interface OpenResult {
  opened: number;
  seconds: number;
  token_p99_ms: number;
}

interface Progress {
  received: number;
  /** Date.now() of the last event message. */
  lastAt: number;
  disconnected: number;
}

/** What the publisher put in the stream: ids in order and, for each, the agent (index into the agent specs). */
interface Published {
  ids: string[];
  agents: number[];
}

interface Verification {
  expected: number;
  deliveries: number;
  distinct: number;
  lost: number;
  duplicates: number;
  foreign: number;
  unexpected: number;
  disconnected: number;
  /** Subscribers that lost at least one event. */
  subscribers_losing: number;
  latency: { p50: number; p99: number; max: number; mean: number };
  /** The same latency seen by a plain XREAD BLOCK tail in the subscribers' thread: Redis and scheduling, no server. */
  probe: { p50: number; p99: number; max: number; mean: number; events: number };
  /** Per delivery: its arrival − the probe's arrival of the same event (same thread, same clock): what the server's hop adds. */
  hop: { p50: number; p99: number; max: number; mean: number };
  loop: { p99_ms: number; max_ms: number };
}

/** The operations the bench drives, the same in-thread or in the worker. */
interface PoolApi {
  open(): Promise<OpenResult>;
  progress(): Promise<Progress>;
  /** Start (true) or stop (false) the latency and loop-delay measurement window. */
  measure(on: boolean): Promise<void>;
  verify(published: Published): Promise<Verification>;
  close(): Promise<void>;
}

class Sub {
  ws: WebSocket | undefined;
  /** Event ids received (first time each). */
  readonly seen = new Set<string>();
  duplicates = 0;
  foreign = 0;
  closedByServer = false;
  constructor(readonly spec: SubscriberSpec) {}
}

class SubscriberPool implements PoolApi {
  private readonly subs: Sub[];
  private readonly latency = new Samples();
  private readonly loop = loopMonitor();
  private received = 0;
  private lastAt = 0;
  private closing = false;
  private readonly probeLatency = new Samples();
  /** Event id → Date.now() when the probe read it. */
  private readonly probeAt = new Map<string, number>();
  /** Every delivery: its event id and arrival time. */
  private readonly recvIds: string[] = [];
  private readonly recvAt = new Samples();
  private probeReader: Redis | undefined;

  constructor(private readonly init: PoolInit) {
    this.subs = init.specs.map((s) => new Sub(s));
  }

  /**
   * Tails the stream directly (XREAD BLOCK on its own connection, as the
   * server's fan-out does) and times each entry like a subscriber: the floor
   * that Redis, this thread and the host's scheduling alone give.
   */
  private async probe(): Promise<void> {
    const reader = createRedis(this.init.redisUrl);
    this.probeReader = reader;
    const newest = (await reader.xrevrange(this.init.streamKey, '+', '-', 'COUNT', 1)) as [string, string[]][];
    let last = newest[0]?.[0] ?? '0-0';
    while (!this.closing) {
      const res = await reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', this.init.streamKey, last).catch(() => null);
      const rows = res?.[0]?.[1] ?? [];
      const now = Date.now();
      for (const [id, fields] of rows) {
        last = id;
        const body = fields[fields.indexOf('e') + 1];
        if (body === undefined) continue;
        this.probeAt.set(id, now);
        this.probeLatency.push(now - Date.parse((JSON.parse(body) as { time: string }).time));
      }
    }
  }

  async open(): Promise<OpenResult> {
    const t0 = performance.now();
    const tokenMs = new Samples();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.subs.length) {
        const sub = this.subs[next++]!;
        const t = performance.now();
        const token = await this.token(sub.spec);
        tokenMs.push(performance.now() - t);
        await this.connect(sub, token);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.init.concurrency, this.subs.length) }, worker));
    this.probe().catch((err: unknown) => log(`probe stopped: ${err instanceof Error ? err.message : String(err)}`));
    return { opened: this.subs.filter((s) => s.ws?.readyState === WebSocket.OPEN).length, seconds: round1((performance.now() - t0) / 1000), token_p99_ms: round1(tokenMs.summary().p99) };
  }

  private async token(spec: SubscriberSpec): Promise<string> {
    const body = spec.kind === 'agent' ? { agentId: spec.agentId, password: spec.password } : { apiKey: spec.apiKey };
    const res = await fetch(`http://${HOST}:${this.init.httpPort}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`POST /v1/auth/token (${spec.agentId ?? 'supervisor'}): ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }

  private connect(sub: Sub, token: string): Promise<void> {
    const agentId = sub.spec.agentId;
    const filter = sub.spec.kind === 'agent' ? { agents: [agentId] } : { all: true };
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${HOST}:${this.init.httpPort}/v1/events`, ['hotline.v1', `bearer.${token}`], { perMessageDeflate: false });
      sub.ws = ws;
      const timer = setTimeout(() => fail(new Error('no "subscribed" within 10 s')), 10_000);
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`subscriber ${agentId ?? 'supervisor'}: ${err.message}`));
      };
      ws.once('open', () => ws.send(JSON.stringify({ op: 'subscribe', subscription: 's1', filter })));
      ws.once('unexpected-response', (_req, res) => fail(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.on('error', (err) => fail(err));
      ws.on('close', (code, reason) => {
        if (this.closing) return;
        sub.closedByServer = true;
        if (settled) log(`subscriber ${agentId ?? 'supervisor'} closed by the server: ${code} ${reason.toString()}`);
        else fail(new Error(`closed: ${code} ${reason.toString()}`));
      });
      ws.on('message', (data: Buffer) => {
        const now = Date.now();
        const m = JSON.parse(data.toString('utf8')) as { op: string; event?: { id: string; time: string; agentId?: string }; code?: string; message?: string };
        if (m.op === 'event' && m.event !== undefined) {
          this.onEvent(sub, m.event, now);
        } else if (m.op === 'subscribed') {
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            resolve();
          }
        } else if (m.op === 'error') {
          fail(new Error(`${m.code}: ${m.message}`));
        }
      });
    });
  }

  private onEvent(sub: Sub, e: { id: string; time: string; agentId?: string }, now: number): void {
    this.received += 1;
    this.lastAt = now;
    this.latency.push(now - Date.parse(e.time));
    this.recvIds.push(e.id);
    this.recvAt.push(now);
    if (sub.spec.kind === 'agent' && e.agentId !== sub.spec.agentId) {
      sub.foreign += 1;
      return;
    }
    if (sub.seen.has(e.id)) sub.duplicates += 1;
    else sub.seen.add(e.id);
  }

  progress(): Promise<Progress> {
    return Promise.resolve({ received: this.received, lastAt: this.lastAt, disconnected: this.subs.filter((s) => s.closedByServer).length });
  }

  measure(on: boolean): Promise<void> {
    if (on) {
      this.loop.reset();
      this.loop.enable();
    } else this.loop.disable();
    return Promise.resolve();
  }

  verify(published: Published): Promise<Verification> {
    const v = { expected: 0, deliveries: this.received, distinct: 0, lost: 0, duplicates: 0, foreign: 0, unexpected: 0, disconnected: 0, subscribers_losing: 0 };
    const byAgent = new Map<number, string[]>();
    published.agents.forEach((a, i) => {
      let list = byAgent.get(a);
      if (list === undefined) byAgent.set(a, (list = []));
      list.push(published.ids[i]!);
    });
    const allIds = new Set(published.ids);
    // the agents' subscribers come first, in the order of the agents the publisher indexes
    let agentIndex = 0;
    for (const s of this.subs) {
      const expected = s.spec.kind === 'agent' ? (byAgent.get(agentIndex++) ?? []) : published.ids;
      let got = 0;
      for (const id of expected) if (s.seen.has(id)) got += 1;
      const expectedSet = s.spec.kind === 'agent' ? new Set(expected) : allIds;
      for (const id of s.seen) if (!expectedSet.has(id)) v.unexpected += 1;
      v.expected += expected.length;
      v.distinct += got;
      v.lost += expected.length - got;
      if (got < expected.length) v.subscribers_losing += 1;
      v.duplicates += s.duplicates;
      v.foreign += s.foreign;
      if (s.closedByServer) v.disconnected += 1;
    }
    const hop = new Samples();
    this.recvIds.forEach((id, i) => {
      const at = this.probeAt.get(id);
      if (at !== undefined) hop.push(this.recvAt.at(i) - at);
    });
    return Promise.resolve({ ...v, latency: this.latency.summary(), hop: hop.summary(), probe: { ...this.probeLatency.summary(), events: this.probeLatency.length }, loop: lag(this.loop) });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.probeReader?.disconnect();
    await Promise.all(
      this.subs.map(
        (s) =>
          new Promise<void>((resolve) => {
            const ws = s.ws;
            if (ws === undefined || ws.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 3000);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(1000, 'bench done');
          }),
      ),
    );
  }
}

type PoolCommand = 'open' | 'progress' | 'measure' | 'verify' | 'close';
interface PoolRequest {
  id: number;
  cmd: PoolCommand;
  arg?: unknown;
}
interface PoolReply {
  id: number;
  result?: unknown;
  error?: string;
}

/** The pool in a worker_thread, driven by messages. */
class WorkerPool implements PoolApi {
  private readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(init: PoolInit) {
    this.worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: WORKER_ROLE, init } });
    this.worker.on('message', (r: PoolReply) => {
      const w = this.waiting.get(r.id);
      this.waiting.delete(r.id);
      if (r.error !== undefined) w?.reject(new Error(r.error));
      else w?.resolve(r.result);
    });
    this.worker.on('error', (err) => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  private call<T>(cmd: PoolCommand, arg?: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, cmd, arg } satisfies PoolRequest);
    });
  }

  open(): Promise<OpenResult> {
    return this.call('open');
  }
  progress(): Promise<Progress> {
    return this.call('progress');
  }
  measure(on: boolean): Promise<void> {
    return this.call('measure', on);
  }
  verify(published: Published): Promise<Verification> {
    return this.call('verify', published);
  }
  async close(): Promise<void> {
    await this.call('close').catch(() => undefined);
    await this.worker.terminate();
  }
}

function runWorker(init: PoolInit): void {
  const pool = new SubscriberPool(init);
  const port = parentPort!;
  port.on('message', (req: PoolRequest) => {
    const run = async (): Promise<unknown> => {
      switch (req.cmd) {
        case 'open':
          return pool.open();
        case 'progress':
          return pool.progress();
        case 'measure':
          return pool.measure(req.arg === true);
        case 'verify':
          return pool.verify(req.arg as Published);
        case 'close':
          return pool.close();
      }
    };
    run().then(
      (result) => port.postMessage({ id: req.id, result } satisfies PoolReply),
      (err: unknown) => port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies PoolReply),
    );
  });
}

// ── the server ───────────────────────────────────────────────────────────

interface Server {
  child: ChildProcess;
  pid: number;
  httpPort: number;
  startMs: number;
}

/** config/bench-cti.yaml plus `agents` agents and `supervisors` events:read API keys, as a JSON config file in `dir`. */
function writeConfig(dir: string, agents: SubscriberSpec[], supervisors: SubscriberSpec[]): string {
  const base = parseYaml(readFileSync(BASE_CONFIG, 'utf8')) as Record<string, unknown> & { cti?: Record<string, unknown> };
  const config = {
    ...base,
    agents: agents.map((a) => ({ id: a.agentId, name: `Bench Agent ${a.agentId}`, password: a.password })),
    cti: { ...base.cti, apiKeys: supervisors.map((s, i) => ({ id: `bench-supervisor-${i + 1}`, key: s.apiKey, scopes: ['events:read'] })) },
  };
  const file = join(dir, 'bench-cti.json');
  writeFileSync(file, JSON.stringify(config, null, 1));
  return file;
}

async function startServer(configFile: string, dataDir: string, prefix: string): Promise<Server> {
  const [sipPort, wsPort, httpPort] = [await freePort(HOST), await freePort(HOST), await freePort(HOST)];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONFIG: configFile,
    SIP_PORT: String(sipPort),
    SIP_WS_PORT: String(wsPort),
    HTTP_PORT: String(httpPort),
    SIP_HOST: HOST,
    DATA_DIR: dataDir,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  delete env.DATABASE_URL;
  const t0 = performance.now();
  const extra = (process.env.BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = startChild(process.execPath, [...NODE_FLAGS, ...extra, 'dist/src/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  forwardOutput(child, 'server');
  if (child.pid === undefined) throw new Error('server did not start');
  await waitForHealth(child, `http://${HOST}:${httpPort}/health`, 50);
  const startMs = Math.round(performance.now() - t0);
  log(`server up in ${startMs} ms: pid ${child.pid}, http ${httpPort}, prefix ${prefix}`);
  return { child, pid: child.pid, httpPort, startMs };
}

/** VmRSS of `pid` in MB (undefined when gone). */
function rssMb(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : round1(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/**
 * Waits up to `waitS` for processes other than the server, us and Redis to use
 * < `quietPct` % of a core (a build or tests running beside skew latency).
 */
async function waitQuietHost(redis: Redis, serverPid: number, quietPct: number, waitS: number): Promise<void> {
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const host = new HostCpuMeter();
    const server = new CpuMeter(serverPid);
    const self0 = process.cpuUsage();
    const redis0 = await redisCpuSeconds(redis);
    const t0 = performance.now();
    host.start();
    server.start();
    await sleep(2000);
    const wallS = (performance.now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    const own = (server.stop() ?? 0) + ((self.user + self.system) / 1e6 / wallS) * 100 + (((await redisCpuSeconds(redis)) - redis0) / wallS) * 100;
    const { busy_pct, steal_pct } = host.stop();
    const other = Math.round(Math.max(0, busy_pct - own) + steal_pct);
    if (other < quietPct) return;
    if (Date.now() > deadline) {
      log(`host still busy (other processes ${other} % of a core): measuring anyway (see other_cpu_pct)`);
      return;
    }
    log(`host busy (other processes ${other} % of a core): waiting for it to calm down`);
  }
}

// ── the publisher ────────────────────────────────────────────────────────

function shuffled(n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

interface PublishResult extends Published {
  seconds: number;
  failed: number;
  /** performance.now() when the last XADD was acknowledged. */
  doneAt: number;
}

/** `rate` events/s for `seconds`, in batches every `batchMs`, through EventStream.publish. */
async function publishLoad(stream: EventStream, agentIds: string[], rate: number, seconds: number, batchMs: number): Promise<PublishResult> {
  const total = Math.round(rate * seconds);
  const order = shuffled(agentIds.length);
  const busy = new Array<boolean>(agentIds.length).fill(false);
  const slots: ({ id: string; agent: number } | undefined)[] = new Array(total);
  const inFlight = new Set<Promise<void>>();
  let failed = 0;
  const publishOne = (seq: number): void => {
    const a = order[seq % order.length]!;
    const agentId = agentIds[a]!;
    busy[a] = !busy[a];
    const time = new Date().toISOString();
    const event: NewEvent = busy[a]
      ? { type: 'agent.busy', time, tenant: TENANT, agentId, state: 'on-call', since: time, cause: 'answer', callId: `bench-call-${seq}` }
      : { type: 'agent.ready', time, tenant: TENANT, agentId, state: 'available', since: time, cause: 'wrap-up-done' };
    const p = stream.publish(event).then(
      (id) => {
        if (id === undefined) failed += 1;
        else slots[seq] = { id, agent: a };
      },
      (err: unknown) => {
        failed += 1;
        if (failed <= 3) log(`publish failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    // every event whose slot (seq / rate) has come
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (sent < due) publishOne(sent++);
    if (sent < total) await sleep(batchMs);
  }
  const publishS = (performance.now() - t0) / 1000;
  await Promise.all(inFlight);
  const doneAt = performance.now();
  const ok = slots.filter((s): s is { id: string; agent: number } => s !== undefined);
  return { ids: ok.map((s) => s.id), agents: ok.map((s) => s.agent), seconds: publishS, failed, doneAt };
}

/** Until every expected delivery arrived (+500 ms for late duplicates), or 2 s with nothing new; at most 60 s. */
async function drain(pool: PoolApi, expected: number, from: number): Promise<{ ms: number; complete: boolean }> {
  let last = await pool.progress();
  let lastChange = performance.now();
  for (;;) {
    await sleep(50);
    const p = await pool.progress();
    if (p.received !== last.received) lastChange = performance.now();
    last = p;
    if (p.received >= expected) {
      const ms = Math.round(performance.now() - from);
      await sleep(500);
      return { ms, complete: true };
    }
    if (performance.now() - lastChange > 2000 || performance.now() - from > 60_000) return { ms: Math.round(performance.now() - from), complete: false };
  }
}

// ── entry point ──────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const agentsN = envNumber('BENCH_AGENTS', 1000, 1);
  const supervisorsN = envNumber('BENCH_SUPERVISORS', 20, 0);
  const rate = envNumber('BENCH_RATE', 500, 1);
  const seconds = envNumber('BENCH_SECONDS', 30, 1);
  const batchMs = envNumber('BENCH_BATCH_MS', 4, 1);
  const concurrency = envNumber('BENCH_CONCURRENCY', 20, 1);
  const inWorker = (process.env.BENCH_WORKER ?? '1') !== '0';
  const [quietPct = 25, quietWaitS = 60] = (process.env.BENCH_QUIET ?? '25,60').split(',').map(Number);
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench-cti:${randomBytes(4).toString('hex')}:`;

  const agents: SubscriberSpec[] = Array.from({ length: agentsN }, (_, i) => ({ kind: 'agent', agentId: String(FIRST_AGENT_ID + i), password: randomBytes(9).toString('base64url') }));
  const supervisors: SubscriberSpec[] = Array.from({ length: supervisorsN }, () => ({ kind: 'supervisor', apiKey: `bench-cti-${randomBytes(18).toString('hex')}` }));
  const dir = makeTempDir('bench-cti-');
  const dataDir = join(dir, 'data');
  const configFile = writeConfig(dir, agents, supervisors);
  log(`${agentsN} agent + ${supervisorsN} supervisor subscribers, ${rate} events/s for ${seconds} s in ${batchMs} ms batches; subscribers ${inWorker ? 'in a worker thread' : 'on the main thread'}`);

  const redis = createRedis(url);
  let server: Server | undefined;
  let pool: PoolApi | undefined;
  try {
    await redis.ping();
    server = await startServer(configFile, dataDir, prefix);
    const init: PoolInit = { httpPort: server.httpPort, redisUrl: url, streamKey: new CtiKeys(new RedisKeys(prefix)).events(), specs: [...agents, ...supervisors], concurrency };
    pool = inWorker ? new WorkerPool(init) : new SubscriberPool(init);
    const opened = await pool.open();
    log(`${opened.opened} subscribers open and subscribed in ${opened.seconds} s (token p99 ${opened.token_p99_ms} ms); server rss ${rssMb(server.pid)} MB`);
    await waitQuietHost(redis, server.pid, quietPct, quietWaitS);

    const stream = new EventStream(redis, new CtiKeys(new RedisKeys(prefix)), { maxLen: 1_000_000 });
    const mainLoop = loopMonitor();
    const serverCpu = new CpuMeter(server.pid);
    const host = new HostCpuMeter();
    const redisCpu0 = await redisCpuSeconds(redis);
    const self0 = process.cpuUsage();
    const w0 = performance.now();
    await pool.measure(true);
    mainLoop.enable();
    serverCpu.start();
    host.start();
    log(`publishing ${rate} events/s for ${seconds} s …`);
    const published = await publishLoad(stream, agents.map((a) => a.agentId!), rate, seconds, batchMs);
    const windowS = (performance.now() - w0) / 1000;
    const server_cpu_pct = serverCpu.stop();
    const hostCpu = host.stop();
    const self = process.cpuUsage(self0);
    const bench_cpu_pct = round1(((self.user + self.system) / 1e6 / windowS) * 100);
    const redis_cpu_pct = round1((((await redisCpuSeconds(redis)) - redisCpu0) / windowS) * 100);
    mainLoop.disable();
    const expected = published.ids.length * (1 + supervisorsN);
    const drained = await drain(pool, expected, published.doneAt);
    await pool.measure(false);
    const server_rss_mb = rssMb(server.pid);
    const v = await pool.verify(published);
    const p = await pool.progress();

    const events_per_s = round1(published.ids.length / published.seconds);
    const result = {
      subscribers: opened.opened,
      events_per_s,
      duration_s: round1(published.seconds),
      deliveries: v.deliveries,
      p50_delivery_ms: v.latency.p50,
      p99_delivery_ms: v.latency.p99,
      max_delivery_ms: v.latency.max,
      lost: v.lost,
      duplicates: v.duplicates,
      foreign: v.foreign,
      server_rss_mb,
      server_cpu_pct,
      expected_deliveries: v.expected,
      mean_delivery_ms: v.latency.mean,
      probe_p50_ms: v.probe.p50,
      probe_p99_ms: v.probe.p99,
      probe_max_ms: v.probe.max,
      server_hop_p50_ms: v.hop.p50,
      server_hop_p99_ms: v.hop.p99,
      server_hop_max_ms: v.hop.max,
      ...(v.unexpected > 0 ? { unexpected: v.unexpected } : {}),
      ...(p.disconnected > 0 ? { disconnected: p.disconnected } : {}),
      ...(published.failed > 0 ? { publish_failed: published.failed } : {}),
      drain_ms: drained.ms,
      bench_cpu_pct,
      redis_cpu_pct,
      other_cpu_pct: round1(Math.max(0, hostCpu.busy_pct - (server_cpu_pct ?? 0) - bench_cpu_pct - redis_cpu_pct)),
      steal_pct: hostCpu.steal_pct,
      publisher_loop_lag_p99_ms: lag(mainLoop).p99_ms,
      publisher_loop_lag_max_ms: lag(mainLoop).max_ms,
      subscriber_loop_lag_p99_ms: v.loop.p99_ms,
      subscriber_loop_lag_max_ms: v.loop.max_ms,
      subscriber_thread: inWorker ? 'worker' : 'main',
      server_start_ms: server.startMs,
      connect_s: opened.seconds,
      agents: agentsN,
      supervisors: supervisorsN,
      target_rate: rate,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);

    const verdict = (ok: boolean): string => (ok ? 'OK  ' : 'MISS');
    log('── summary ──');
    log(`${verdict(v.latency.p99 < TARGET_P99_MS)} p99 delivery ${v.latency.p99} ms (target < ${TARGET_P99_MS} ms); p50 ${v.latency.p50}, max ${v.latency.max} ms`);
    log(`${verdict(v.lost === 0)} lost ${v.lost} of ${v.expected} expected deliveries (target 0)${v.lost > 0 ? ` across ${v.subscribers_losing} subscribers` : ''}; drain ${drained.complete ? 'complete' : 'INCOMPLETE'} ${drained.ms} ms after the last XADD`);
    log(`${verdict(v.duplicates === 0 && v.foreign === 0 && v.unexpected === 0)} duplicates ${v.duplicates}, foreign ${v.foreign}, unexpected ${v.unexpected} (target 0 each)`);
    log(`${verdict(events_per_s >= rate * 0.99 && published.failed === 0)} published ${published.ids.length} events at ${events_per_s}/s (target ${rate}/s), failed ${published.failed}`);
    log(`${verdict(opened.opened === agentsN + supervisorsN && p.disconnected === 0)} subscribers ${opened.opened}/${agentsN + supervisorsN} open, ${p.disconnected} closed by the server during the run`);
    log(`probe (plain XREAD tail in the subscribers' thread, no server): p50 ${v.probe.p50}, p99 ${v.probe.p99}, max ${v.probe.max} ms over ${v.probe.events} events; server hop (delivery − probe arrival of the same event) p50 ${v.hop.p50}, p99 ${v.hop.p99}, max ${v.hop.max} ms`);
    log(
      `cpu % of a core: server ${server_cpu_pct ?? '-'}, bench ${bench_cpu_pct}, redis ${redis_cpu_pct}, other ${result.other_cpu_pct}, steal ${hostCpu.steal_pct}; ` +
        `loop lag p99/max ms: publisher ${result.publisher_loop_lag_p99_ms}/${result.publisher_loop_lag_max_ms}, subscribers ${v.loop.p99_ms}/${v.loop.max_ms}`,
    );
    return 0;
  } finally {
    await pool?.close().catch((err: unknown) => log(`closing subscribers: ${err instanceof Error ? err.message : String(err)}`));
    if (server !== undefined) {
      const t0 = performance.now();
      const code = await stopChild(server.child, 15_000);
      log(`server stopped in ${Math.round(performance.now() - t0)} ms: exit ${code}`);
    }
    const n = await deletePrefix(redis, prefix).catch((err: unknown) => {
      log(`could not delete ${prefix}*: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    });
    log(`deleted ${n} keys under ${prefix}`);
    redis.disconnect();
    removeTempDir(dir);
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === WORKER_ROLE) runWorker((workerData as { init: PoolInit }).init);
else runBenchmark(main);
