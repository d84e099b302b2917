/**
 * bench:dialer — an 8-hour outbound campaign simulated through the dialer's
 * pacing (src/dialer/pacing.ts) and the ACD's agent state in Redis (the same
 * Lua transitions the server uses: an agent is taken with on-call-outbound
 * only from available, so no call gets an agent twice), on a simulated clock.
 *
 * 50 agents; 30 % of attempts answered by a person, after 5–25 s; the others
 * ring out after 25 s (at least the 15 s the rules ask); talk log-normal with
 * mean 180 s; 15 s wrap-up; a person answered with no agent free within 2 s
 * hears the safe-harbor message and counts as abandoned. Pacing runs every
 * second with the campaign's measured answer rate, handling time and abandon
 * rate, on a 200-line trunk at 10 calls/s. One JSON line per mode:
 *   {"mode", "abandon_pct", "occupancy_pct", "contacts_per_agent_hour", "attempts", "live_answers", "abandoned"}
 * Goal: predictive ≤ 3 % abandoned with occupancy ≥ 85 %; progressive is the baseline.
 * Options: --hours H (default 8), --mode M (one mode only), --seed S.
 */
import { randomUUID } from 'node:crypto';
import { AcdStore } from '../src/acd/store/acd-store.js';
import { AcdKeys } from '../src/acd/store/keys.js';
import { pace, type DialMode } from '../src/dialer/pacing.js';
import { createRedis, deletePrefix, RedisKeys, type Redis } from '../src/store/redis.js';
import { log } from './proc.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const HOURS = Number(opt('hours') ?? 8);
const SEED = Number(opt('seed') ?? 7);
const MODES: DialMode[] = opt('mode') !== undefined ? [opt('mode') as DialMode] : ['progressive', 'power', 'predictive'];
const AGENTS = 50;
const ANSWER_RATE = 0.3;
const RING_OUT_MS = 25_000;
const TALK_MEAN_MS = 180_000;
const TALK_SIGMA = 0.6;
const WRAP_MS = 15_000;
const SAFE_HARBOR_MS = 2000;
const LINES = 200;
const CPS = 10;
const TICK_MS = 1000;
const T0 = Date.UTC(2024, 2, 15, 8, 0, 0);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** A min-heap of timed events. */
class Events {
  private readonly heap: { at: number; n: number; run: () => Promise<void> | void }[] = [];
  private n = 0;
  push(at: number, run: () => Promise<void> | void): void {
    const h = this.heap;
    h.push({ at, n: this.n++, run });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(i, parent)) {
        [h[i], h[parent]] = [h[parent]!, h[i]!];
        i = parent;
      } else break;
    }
  }
  pop(): { at: number; run: () => Promise<void> | void } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined) return undefined;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
  private less(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.at < y.at || (x.at === y.at && x.n < y.n);
  }
}

interface Result {
  mode: DialMode;
  abandon_pct: number;
  occupancy_pct: number;
  contacts_per_agent_hour: number;
  attempts: number;
  live_answers: number;
  abandoned: number;
}

async function simulate(redis: Redis, mode: DialMode): Promise<Result> {
  const keys = new RedisKeys(`bench:dialer:${randomUUID()}:`);
  const store = new AcdStore(redis, { keys: new AcdKeys(keys), reservationTtlMs: 10_000, missesBeforePause: 3, handleTimeWindow: 50 });
  const random = rng(SEED);
  const end = T0 + HOURS * 3_600_000;
  const events = new Events();
  const agents = Array.from({ length: AGENTS }, (_, i) => `ag${i}`);
  /** Agents believed available, longest idle first (the ACD's state decides). */
  const idle: string[] = [...agents];
  let busy = 0;
  let inFlight = 0;
  let attempts = 0;
  let finishedAttempts = 0;
  let liveAnswers = 0;
  let abandoned = 0;
  let connected = 0;
  let handlingMs = 0;
  let handleSum = 0;
  let handled = 0;
  /** Answered calls waiting (≤ 2 s) for an agent: their answer time. */
  const waiting: { at: number; talkMs: number; done: boolean }[] = [];
  let cpsSecond = 0;
  let cpsUsed = 0;

  for (const a of agents) await store.agentState(a, 'available', 'login', T0);

  const talkMs = (): number => {
    // log-normal with mean TALK_MEAN_MS: mu = ln(mean) − σ²/2
    const u1 = Math.max(random(), 1e-12);
    const u2 = random();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.round(Math.exp(Math.log(TALK_MEAN_MS) - (TALK_SIGMA * TALK_SIGMA) / 2 + TALK_SIGMA * z));
  };

  /** Gives the call an agent through the ACD (only an available one can be taken); false when none. */
  const connect = async (now: number, talk: number): Promise<boolean> => {
    while (idle.length > 0) {
      const agent = idle.shift()!;
      const r = await store.agentState(agent, 'on-call-outbound', 'outbound-start', now, { onlyFrom: ['available'] });
      if (r.status !== 'ok') continue; // not available after all: the ACD says no
      busy += 1;
      connected += 1;
      const hangup = now + talk;
      events.push(hangup, async () => {
        await store.agentState(agent, 'wrap-up', 'outbound-end', hangup, { wrapUpMs: WRAP_MS });
        events.push(hangup + WRAP_MS, async () => {
          const { freed } = await store.sweep(hangup + WRAP_MS);
          handlingMs += talk + WRAP_MS;
          handleSum += talk + WRAP_MS;
          handled += 1;
          busy -= freed.length;
          for (const a of freed) await agentFree(a, hangup + WRAP_MS);
        });
      });
      return true;
    }
    return false;
  };

  /** A free agent first takes a person already waiting on the line. */
  const agentFree = async (agent: string, now: number): Promise<void> => {
    idle.push(agent);
    const w = waiting.find((x) => !x.done);
    if (w !== undefined) {
      w.done = true;
      waiting.splice(waiting.indexOf(w), 1);
      await connect(now, w.talkMs);
    }
  };

  const attempt = (now: number): void => {
    attempts += 1;
    inFlight += 1;
    if (random() < ANSWER_RATE) {
      const at = now + 5000 + Math.round(random() * 20_000);
      const talk = talkMs();
      events.push(at, async () => {
        inFlight -= 1;
        finishedAttempts += 1;
        liveAnswers += 1;
        if (await connect(at, talk)) return;
        const w = { at, talkMs: talk, done: false };
        waiting.push(w);
        events.push(at + SAFE_HARBOR_MS, () => {
          if (w.done) return;
          // nobody within 2 s: the safe-harbor message, logged as abandoned
          w.done = true;
          waiting.splice(waiting.indexOf(w), 1);
          abandoned += 1;
        });
      });
    } else {
      events.push(now + RING_OUT_MS, () => {
        inFlight -= 1;
        finishedAttempts += 1;
      });
    }
  };

  const tick = (now: number): void => {
    if (now >= end) return;
    const second = Math.floor(now / 1000);
    if (second !== cpsSecond) {
      cpsSecond = second;
      cpsUsed = 0;
    }
    const d = pace({
      mode,
      available: idle.length,
      busy,
      inFlight,
      answerRate: finishedAttempts === 0 ? 0 : liveAnswers / finishedAttempts,
      attempts: finishedAttempts,
      meanHandleMs: handled === 0 ? TALK_MEAN_MS + WRAP_MS : handleSum / handled,
      abandonPct: liveAnswers === 0 ? 0 : (abandoned / liveAnswers) * 100,
      targetAbandonPct: 3,
      ratio: 3,
      linesFree: LINES - inFlight - busy,
      cpsLeft: CPS - cpsUsed,
    });
    for (let i = 0; i < d.dial; i++) attempt(now);
    cpsUsed += d.dial;
    events.push(now + TICK_MS, () => tick(now + TICK_MS));
  };

  events.push(T0, () => tick(T0));
  for (let e = events.pop(); e !== undefined; e = events.pop()) await e.run();

  await deletePrefix(redis, keys.prefix);
  const staffedMs = AGENTS * HOURS * 3_600_000;
  const round1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    mode,
    abandon_pct: round1(liveAnswers === 0 ? 0 : (abandoned / liveAnswers) * 100),
    occupancy_pct: round1((handlingMs / staffedMs) * 100),
    contacts_per_agent_hour: round1(connected / (AGENTS * HOURS)),
    attempts,
    live_answers: liveAnswers,
    abandoned,
  };
}

async function main(): Promise<void> {
  const redis = createRedis(REDIS_URL);
  try {
    for (const mode of MODES) {
      log(`simulating ${HOURS} h of ${mode} dialing with ${AGENTS} agents`);
      const started = performance.now();
      const r = await simulate(redis, mode);
      log(`${mode}: ${Math.round((performance.now() - started) / 1000)} s`);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    }
  } finally {
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:dialer failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
