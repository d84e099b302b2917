/**
 * `npm run bench:acd`: ACD routing benchmark. Loads 10,000 agents (each with
 * 1–200 of 200 skills, proficiency 1–5, maxConcurrentOffers 1) and 1,000
 * waiting callers over 50 queues (1–2 required skills at min 1–3; strategies
 * longest-idle, skill-best, fewest-calls, round-robin, random, weighted-random,
 * linear) into Redis through the real AcdStore (Lua scripts), under a unique
 * key prefix that is deleted afterwards (SCAN + UNLINK). About 70 % of the
 * agents log in paused, so ~3,000 are available. An AcdView is built from the
 * same profiles and queues and the store's snapshot().
 *
 * Measured loop (BENCH_SECONDS, default 30, after BENCH_WARMUP_SECONDS of the
 * same loop unmeasured, default 2), one decision at a time, alternating:
 *   (a) call arrives → pick agent: a random waiting call, view.pickAgentForCall,
 *       then store.reserve (the atomic Lua check-and-set round trip);
 *   (b) agent freed → pick call: a random available agent, view.pickCallForAgent,
 *       then store.reserve of that call for that agent.
 * A decision's time is the view pick plus the reserve round trip
 * (process.hrtime.bigint; the Redis part includes ioredis encoding, the
 * loopback network, the Lua script and reply parsing). A pick that finds
 * nobody is a decision without a reservation (`no_match`; `no_match_agent_freed`
 * of them in (b): an agent with few skills qualifies for no waiting call), still
 * timed. `reserve_failed`: the store refused a pick (a stale view; expected 0).
 * call_arrives_* and agent_freed_* split the decision time by kind.
 * Untimed after each reservation, the steady state is restored: store.release
 * (cause 'withdrawn', not a miss: agent back to available, call back to
 * waiting in its place), then the agent and entry records are read back
 * (GET, GET) and applied to the view.
 *
 * decisions_per_s = decisions / the summed decision times: the rate one
 * sequential decision loop sustains (the undo is not a decision).
 * wall_decisions_per_s = decisions / the loop's wall time, undo included.
 * Latencies are in µs: p50/p99/max of the decision time, pick_p99_us of the
 * view part alone, redis_p99_us of the reserve round trip alone (decisions
 * that reserved). Over the measured loop, in % of one core: node_cpu_pct (this
 * process), redis_cpu_pct (INFO cpu), other_cpu_pct (the rest of the host:
 * another tenant's build or tests skews latency; BENCH_QUIET "25,60" waits up
 * to 60 s before measuring for it to fall under 25 %), steal_pct; and
 * redis_script_us, Redis's own time per script call (reserve and release
 * alike, INFO commandstats: includes other clients' EVALSHAs on a shared Redis).
 *
 * What runs where: this one Node process does the view work and the Redis I/O
 * (node flags as `npm start`: --max-semi-space-size=64); Redis is its own
 * process, not started by us (REDIS_URL, default redis://127.0.0.1:6379).
 * With 2+ CPUs and taskset available the benchmark re-runs itself pinned to
 * the last CPU (as bench:sip and bench:media pin the system under test), so
 * Node, its GC threads included, gets exactly one core and Redis is left the
 * rest; BENCH_PIN=0 turns that off (Node and Redis may then share a core).
 *
 * Prints ONE JSON line on stdout; progress on stderr. Env: BENCH_SECONDS,
 * BENCH_WARMUP_SECONDS, BENCH_PIN ("1"/"0"), BENCH_QUIET, BENCH_SEED, REDIS_URL.
 * An interrupted run (Ctrl-C) leaves its keys (prefix `bench:acd:<hex>:`) behind.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { AcdView } from '../src/acd/core/index.js';
import { AcdStore } from '../src/acd/store/acd-store.js';
import { AcdKeys } from '../src/acd/store/keys.js';
import type { AgentProfile, QueueConfig, Strategy } from '../src/acd/types.js';
import { createRedis, deletePrefix, RedisKeys } from '../src/store/redis.js';
import { HostCpuMeter, exited, log, runBenchmark, sleep, startChild } from './proc.js';

const AGENTS = 10_000;
const SKILLS = 200;
const QUEUES = 50;
const CALLS = 1_000;
const AVAILABLE_SHARE = 0.3;
const STRATEGIES: readonly Strategy[] = ['longest-idle', 'skill-best', 'fewest-calls', 'round-robin', 'random', 'weighted-random', 'linear'];
/** In-flight store calls while loading (ioredis pipelines them on its one connection). */
const LOAD_CONCURRENCY = 256;
/** The same node flags as `npm start` (package.json). */
const NODE_FLAGS = ['--max-semi-space-size=64'];
/** Set in the re-run child: the CPU it is pinned to ('' when not pinned). */
const CHILD_ENV = 'BENCH_ACD_CHILD_CPU';

const round1 = (n: number): number => Math.round(n * 10) / 10;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return n;
}

/** A seeded rng in [0, 1) (mulberry32): the same seed gives the same agents, queues and choices. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ── the call center ──────────────────────────────────────────────────────

interface World {
  profiles: AgentProfile[];
  queues: QueueConfig[];
  /** Agents that log in available (the rest log in paused). */
  available: string[];
  paused: string[];
  calls: { callId: string; queue: string; priority: number }[];
}

function buildWorld(rng: () => number): World {
  const int = (n: number): number => Math.floor(rng() * n);
  const skillNames = Array.from({ length: SKILLS }, (_, i) => `skill${i}`);
  const profiles: AgentProfile[] = [];
  const available: string[] = [];
  const paused: string[] = [];
  const pool = [...skillNames];
  for (let a = 0; a < AGENTS; a++) {
    // n distinct skills: a partial Fisher–Yates over the 200 names
    const n = 1 + int(SKILLS);
    const skills: Record<string, number> = {};
    for (let k = 0; k < n; k++) {
      const j = k + int(SKILLS - k);
      const t = pool[k]!;
      pool[k] = pool[j]!;
      pool[j] = t;
      skills[pool[k]!] = 1 + int(5);
    }
    const id = `agent${a}`;
    profiles.push({ id, name: id, skills, teams: [], maxConcurrentOffers: 1, autoLogin: false, order: a });
    (rng() < AVAILABLE_SHARE ? available : paused).push(id);
  }
  const queues: QueueConfig[] = [];
  for (let q = 0; q < QUEUES; q++) {
    const first = int(SKILLS);
    const allOf = [{ skill: skillNames[first]!, min: 1 + int(3) }];
    if (rng() < 0.5) allOf.push({ skill: skillNames[(first + 1 + int(SKILLS - 1)) % SKILLS]!, min: 1 + int(3) });
    queues.push({
      id: `queue${q}`,
      name: `Queue ${q}`,
      requirement: { allOf, anyOf: [] },
      strategy: STRATEGIES[q % STRATEGIES.length]!,
      priority: int(3),
      maxWaitSeconds: 0,
      maxLength: 0,
      serviceLevelSeconds: 20,
      announcements: { positionEverySeconds: 30, estimatedWait: true },
      escalation: [],
      overflow: {},
    });
  }
  const calls = Array.from({ length: CALLS }, (_, c) => ({ callId: `call${c}`, queue: queues[int(QUEUES)]!.id, priority: rng() < 0.1 ? 5 : 0 }));
  return { profiles, queues, available, paused, calls };
}

/** Runs `fn` over `items`, at most `limit` at once. */
async function inPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function load(store: AcdStore, world: World): Promise<void> {
  const now = Date.now();
  const availableSet = new Set(world.available);
  await inPool(world.profiles, LOAD_CONCURRENCY, async (p) => {
    const r = availableSet.has(p.id)
      ? await store.agentState(p.id, 'available', 'login', now)
      : await store.agentState(p.id, 'paused', 'login', now, { reason: 'break' });
    if (r.status !== 'ok') throw new Error(`login of ${p.id}: ${r.status}`);
  });
  // in order, so arrival order (seq) follows the call numbers
  for (const c of world.calls) {
    const r = await store.enqueue({ callId: c.callId, queue: c.queue, priority: c.priority, owner: 'bench', maxLength: 0 }, Date.now());
    if (r.status !== 'ok') throw new Error(`enqueue of ${c.callId}: ${r.status}`);
  }
}

// ── the host: Redis's own CPU and script time, other processes ──────────

/** Redis's CPU seconds so far (INFO cpu: the whole server process). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/** EVALSHA calls and their summed server-side µs so far (INFO commandstats). */
async function scriptStats(redis: Redis): Promise<{ calls: number; usec: number }> {
  const info = await redis.info('commandstats');
  const m = /^cmdstat_evalsha:calls=(\d+),usec=(\d+)/m.exec(info);
  return { calls: Number(m?.[1] ?? 0), usec: Number(m?.[2] ?? 0) };
}

interface HostSample {
  t: number;
  self: NodeJS.CpuUsage;
  redisCpu: number;
  scripts: { calls: number; usec: number };
  host: HostCpuMeter;
}

async function hostSample(redis: Redis): Promise<HostSample> {
  const host = new HostCpuMeter();
  host.start();
  return { t: performance.now(), self: process.cpuUsage(), redisCpu: await redisCpuSeconds(redis), scripts: await scriptStats(redis), host };
}

/** CPU use since `from` in % of one core: this process, Redis, everything else (and steal); Redis's µs per script call. */
async function hostUsage(redis: Redis, from: HostSample) {
  const wallS = (performance.now() - from.t) / 1000;
  const self = process.cpuUsage(from.self);
  const nodePct = ((self.user + self.system) / 1e6 / wallS) * 100;
  const redisPct = (((await redisCpuSeconds(redis)) - from.redisCpu) / wallS) * 100;
  const scripts = await scriptStats(redis);
  const { busy_pct, steal_pct } = from.host.stop();
  const calls = scripts.calls - from.scripts.calls;
  return {
    node_cpu_pct: round1(nodePct),
    redis_cpu_pct: round1(redisPct),
    other_cpu_pct: round1(Math.max(0, busy_pct - nodePct - redisPct)),
    steal_pct,
    redis_script_us: calls > 0 ? round1((scripts.usec - from.scripts.usec) / calls) : 0,
  };
}

/** Waits up to `waitS` for processes other than us and Redis to use < `quietPct` % of a core (a shared host skews latency). */
async function waitQuietHost(redis: Redis, quietPct: number, waitS: number): Promise<void> {
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const from = await hostSample(redis);
    await sleep(2000);
    const { other_cpu_pct, steal_pct } = await hostUsage(redis, from);
    const other = Math.round(other_cpu_pct + steal_pct);
    if (other < quietPct) return;
    if (Date.now() > deadline) {
      log(`host still busy (other processes ${other} % of a core): measuring anyway (see other_cpu_pct)`);
      return;
    }
    log(`host busy (other processes ${other} % of a core): waiting for it to calm down`);
  }
}

// ── the measured loop ────────────────────────────────────────────────────

/** Nanosecond samples, growing as needed. */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(ns: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = ns;
  }
  /** p50, p99 and max in µs (0s when empty); nearest-rank percentiles. */
  summary(): { p50: number; p99: number; max: number; sum: number } {
    const s = this.data.slice(0, this.length).sort();
    if (s.length === 0) return { p50: 0, p99: 0, max: 0, sum: 0 };
    const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! / 1000;
    let sum = 0;
    for (const x of s) sum += x;
    return { p50: round1(at(0.5)), p99: round1(at(0.99)), max: round1(s[s.length - 1]! / 1000), sum };
  }
}

interface Stats {
  total: Samples;
  pick: Samples;
  redis: Samples;
  callArrives: Samples;
  agentFreed: Samples;
  reserved: number;
  noMatch: number;
  /** No match among (b) decisions: the freed agent qualifies for no waiting call. */
  noMatchAgentFreed: number;
  reserveFailed: number;
}

const newStats = (): Stats => ({
  total: new Samples(),
  pick: new Samples(),
  redis: new Samples(),
  callArrives: new Samples(),
  agentFreed: new Samples(),
  reserved: 0,
  noMatch: 0,
  noMatchAgentFreed: 0,
  reserveFailed: 0,
});

interface LoopContext {
  store: AcdStore;
  view: AcdView;
  rng: () => number;
  callIds: readonly string[];
  availableIds: readonly string[];
}

/** One decision of kind (a) or (b), timed into `stats`; then, untimed, its reservation undone. */
async function decide(ctx: LoopContext, kind: 'call-arrives' | 'agent-freed', stats: Stats): Promise<void> {
  const { store, view, rng } = ctx;
  const now = Date.now();
  let callId: string | undefined;
  let agentId: string | undefined;
  let queue: string | undefined;
  let reserved = false;

  const t0 = process.hrtime.bigint();
  if (kind === 'call-arrives') {
    callId = ctx.callIds[Math.floor(rng() * ctx.callIds.length)]!;
    agentId = view.pickAgentForCall(callId, now, rng)[0];
  } else {
    agentId = ctx.availableIds[Math.floor(rng() * ctx.availableIds.length)]!;
    callId = view.pickCallForAgent(agentId, now);
  }
  if (callId !== undefined && agentId !== undefined) queue = view.entry(callId)?.queue;
  const t1 = process.hrtime.bigint();
  let t2 = t1;
  if (callId !== undefined && agentId !== undefined && queue !== undefined) {
    const r = await store.reserve(callId, queue, [{ id: agentId, maxOffers: 1 }], now);
    t2 = process.hrtime.bigint();
    reserved = r.status === 'ok';
    if (!reserved) stats.reserveFailed++;
  }
  const total = Number(t2 - t0);
  stats.total.push(total);
  stats.pick.push(Number(t1 - t0));
  (kind === 'call-arrives' ? stats.callArrives : stats.agentFreed).push(total);
  if (t2 !== t1) stats.redis.push(Number(t2 - t1));
  if (queue === undefined) {
    stats.noMatch++;
    if (kind === 'agent-freed') stats.noMatchAgentFreed++;
  }

  if (!reserved || callId === undefined || agentId === undefined || queue === undefined) return;
  // ── untimed: back to the steady state ──
  stats.reserved++;
  view.setLastOffered(queue, agentId);
  await store.release(callId, agentId, 'withdrawn', false, Date.now());
  const [agent, entry] = await Promise.all([store.agent(agentId), store.entry(callId)]);
  if (agent === undefined || agent.state !== 'available') throw new Error(`agent ${agentId} not available after release (${agent?.state})`);
  if (entry === undefined || entry.state !== 'waiting') throw new Error(`call ${callId} not waiting after release (${entry?.state})`);
  view.applyAgent(agent);
  view.applyEntry(entry);
}

/** Alternates (a) and (b) for `seconds`; returns the stats and the loop's wall time (s). */
async function runLoop(ctx: LoopContext, seconds: number): Promise<{ stats: Stats; wallS: number }> {
  const stats = newStats();
  const start = performance.now();
  const end = start + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) await decide(ctx, i % 2 === 0 ? 'call-arrives' : 'agent-freed', stats);
  return { stats, wallS: (performance.now() - start) / 1000 };
}

// ── entry point ──────────────────────────────────────────────────────────

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Re-runs this script in a child: npm start's node flags, pinned to one CPU when asked and possible. */
async function reexec(): Promise<number> {
  const cpus = availableParallelism();
  const wantPin = (process.env.BENCH_PIN ?? (cpus >= 2 ? '1' : '0')) === '1';
  const pin = wantPin && hasTaskset();
  if (wantPin && !pin) log('taskset not found: running unpinned');
  const cpu = pin ? cpus - 1 : undefined;
  const child = startChild(process.execPath, [...NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, [CHILD_ENV]: cpu === undefined ? '' : String(cpu) },
    cpu,
  });
  const code = await exited(child);
  return typeof code === 'number' ? code : 1;
}

async function bench(): Promise<number> {
  const seconds = envNumber('BENCH_SECONDS', 30, 0.1);
  const warmupS = envNumber('BENCH_WARMUP_SECONDS', 2, 0);
  const seed = envNumber('BENCH_SEED', 1, 0);
  const [quietPct = 25, quietWaitS = 60] = (process.env.BENCH_QUIET ?? '25,60').split(',').map(Number);
  const pinnedCpu = process.env[CHILD_ENV] ? Number(process.env[CHILD_ENV]) : null;
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench:acd:${randomBytes(4).toString('hex')}:`;
  const redis = createRedis(url);
  try {
    await redis.ping();
    const store = new AcdStore(redis, { keys: new AcdKeys(new RedisKeys(prefix)), reservationTtlMs: 10_000, missesBeforePause: 3, handleTimeWindow: 50 });
    const rng = mulberry32(seed);
    const world = buildWorld(rng);
    log(`${AGENTS} agents (${world.available.length} available), ${SKILLS} skills, ${QUEUES} queues, ${CALLS} calls; prefix ${prefix}, pinned CPU ${pinnedCpu ?? 'none'}`);

    const t0 = performance.now();
    await load(store, world);
    const view = new AcdView(world.profiles, world.queues);
    const snap = await store.snapshot(world.queues.map((q) => q.id));
    for (const a of snap.agents) view.applyAgent(a);
    for (const e of snap.entries) view.applyEntry(e);
    for (const [q, meta] of snap.queues) if (meta.lastOffered !== undefined) view.setLastOffered(q, meta.lastOffered);
    const loadS = round3((performance.now() - t0) / 1000);
    const waiting = snap.entries.filter((e) => e.state === 'waiting').length;
    const availableNow = snap.agents.filter((a) => a.state === 'available').length;
    log(`loaded in ${loadS} s: ${snap.agents.length} agents (${availableNow} available), ${waiting} waiting calls`);

    const ctx: LoopContext = { store, view, rng, callIds: world.calls.map((c) => c.callId), availableIds: world.available };
    if (warmupS > 0) {
      log(`warm-up ${warmupS} s …`);
      await runLoop(ctx, warmupS);
    }
    await waitQuietHost(redis, quietPct, quietWaitS);
    log(`measuring ${seconds} s …`);
    const from = await hostSample(redis);
    const { stats, wallS } = await runLoop(ctx, seconds);
    const host = await hostUsage(redis, from);
    const total = stats.total.summary();
    const pick = stats.pick.summary();
    const redisS = stats.redis.summary();
    const decisions = stats.total.length;
    const result = {
      decisions_per_s: total.sum > 0 ? Math.round(decisions / (total.sum / 1e9)) : 0,
      p50_us: total.p50,
      p99_us: total.p99,
      max_us: total.max,
      decisions,
      reserved: stats.reserved,
      no_match: stats.noMatch,
      no_match_agent_freed: stats.noMatchAgentFreed,
      reserve_failed: stats.reserveFailed,
      agents: AGENTS,
      available_agents: availableNow,
      waiting_calls: waiting,
      skills: SKILLS,
      queues: QUEUES,
      load_s: loadS,
      pick_p50_us: pick.p50,
      pick_p99_us: pick.p99,
      redis_p50_us: redisS.p50,
      redis_p99_us: redisS.p99,
      call_arrives_p50_us: stats.callArrives.summary().p50,
      call_arrives_p99_us: stats.callArrives.summary().p99,
      agent_freed_p50_us: stats.agentFreed.summary().p50,
      agent_freed_p99_us: stats.agentFreed.summary().p99,
      wall_decisions_per_s: Math.round(decisions / wallS),
      ...host,
      seconds: round1(wallS),
      warmup_s: warmupS,
      pinned_cpu: pinnedCpu,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } finally {
    const n = await deletePrefix(redis, prefix).catch((err: unknown) => {
      log(`could not delete ${prefix}*: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    });
    log(`deleted ${n} keys under ${prefix}`);
    redis.disconnect();
  }
}

runBenchmark(() => (process.env[CHILD_ENV] === undefined ? reexec() : bench()));
