/**
 * An agent's figures per interval, from its state timeline (the agent state
 * log) and the queue visits it answered. Definitions (docs/reports.md):
 *
 *   staffed        time logged in (any state but logged-out)
 *   handling       on-call, on-call-outbound and wrap-up: talking, holding, after-call work
 *   idle           available, reserved or ringing: ready for (or being offered) a call
 *   paused         not ready, any reason
 *   occupancy %    handling ÷ (handling + idle) × 100: of the time it was ready to work, how much it worked
 *   utilisation %  handling ÷ staffed × 100: of the time logged in, how much it worked
 *   answered, AHT  visits it answered in the interval (by answer time); AHT = (talk + hold + wrap) ÷ handled
 *
 * A state that spans interval boundaries is split across them. Pure.
 */
import type { AgentState } from '../../acd/types.js';
import { nextInterval, intervalStart, type IntervalSize } from './intervals.js';
import { mean, pct } from './queue-figures.js';
import type { QueueSegment } from './segments.js';

export interface StateChange {
  agentId: string;
  at: number;
  to: AgentState;
}

export interface AgentIntervalFigures {
  agentId: string;
  intervalStart: number;
  staffedMs: number;
  handlingMs: number;
  idleMs: number;
  pausedMs: number;
  occupancyPct: number | null;
  utilisationPct: number | null;
  answered: number;
  transfers: number;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  ahtMs: number | null;
}

const HANDLING = new Set<AgentState>(['on-call', 'on-call-outbound', 'wrap-up']);
const IDLE = new Set<AgentState>(['available', 'reserved', 'ringing']);

interface Acc {
  staffed: number;
  handling: number;
  idle: number;
  paused: number;
  answered: number;
  transfers: number;
  handled: number;
  talk: number;
  hold: number;
  wrap: number;
}

const empty = (): Acc => ({ staffed: 0, handling: 0, idle: 0, paused: 0, answered: 0, transfers: 0, handled: 0, talk: 0, hold: 0, wrap: 0 });

export interface AgentFigureInput {
  from: number;
  to: number;
  size: IntervalSize;
  timeZone: string;
  /** Each agent's state at `from` (absent: logged out). */
  initial: ReadonlyMap<string, AgentState>;
  /** Changes with from ≤ at < to, in time order. */
  changes: readonly StateChange[];
  /** Visits answered (by anyone: filtered to agents here) with answeredAt in [from, to). */
  segments: Iterable<QueueSegment>;
}

export function agentFigures(input: AgentFigureInput): AgentIntervalFigures[] {
  const { from, to, size, timeZone } = input;
  const acc = new Map<string, Map<number, Acc>>();
  const bucket = (agentId: string, start: number): Acc => {
    let perAgent = acc.get(agentId);
    if (perAgent === undefined) acc.set(agentId, (perAgent = new Map<number, Acc>()));
    let a = perAgent.get(start);
    if (a === undefined) perAgent.set(start, (a = empty()));
    return a;
  };
  /** Adds [a, b) in `state` to the agent's intervals. */
  const spend = (agentId: string, state: AgentState, a: number, b: number): void => {
    if (state === 'logged-out' || b <= a) return;
    for (let s = intervalStart(a, size, timeZone); s < b; s = nextInterval(s, size, timeZone)) {
      const e = nextInterval(s, size, timeZone);
      const part = Math.min(b, e) - Math.max(a, s);
      if (part <= 0) continue;
      const x = bucket(agentId, s);
      x.staffed += part;
      if (HANDLING.has(state)) x.handling += part;
      else if (IDLE.has(state)) x.idle += part;
      else x.paused += part;
    }
  };

  const current = new Map<string, { state: AgentState; since: number }>();
  for (const [agentId, state] of input.initial) current.set(agentId, { state, since: from });
  for (const c of input.changes) {
    if (c.at < from || c.at >= to) continue;
    const cur = current.get(c.agentId);
    if (cur !== undefined) spend(c.agentId, cur.state, cur.since, c.at);
    current.set(c.agentId, { state: c.to, since: c.at });
  }
  for (const [agentId, cur] of current) spend(agentId, cur.state, cur.since, to);

  for (const s of input.segments) {
    if (s.outcome !== 'answered' || s.agentId === undefined || s.answeredAt === undefined) continue;
    if (s.answeredAt < from || s.answeredAt >= to) continue;
    const x = bucket(s.agentId, intervalStart(s.answeredAt, size, timeZone));
    x.answered += 1;
    if (s.transferred) x.transfers += 1;
    if (s.leftAt !== undefined) {
      x.handled += 1;
      x.talk += s.talkMs;
      x.hold += s.holdMs;
      x.wrap += s.wrapMs;
    }
  }

  const out: AgentIntervalFigures[] = [];
  for (const [agentId, perAgent] of [...acc].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [start, x] of [...perAgent].sort(([a], [b]) => a - b)) {
      out.push({
        agentId,
        intervalStart: start,
        staffedMs: x.staffed,
        handlingMs: x.handling,
        idleMs: x.idle,
        pausedMs: x.paused,
        occupancyPct: pct(x.handling, x.handling + x.idle),
        utilisationPct: pct(x.handling, x.staffed),
        answered: x.answered,
        transfers: x.transfers,
        talkMs: x.talk,
        holdMs: x.hold,
        wrapMs: x.wrap,
        ahtMs: mean(x.talk + x.hold + x.wrap, x.handled),
      });
    }
  }
  return out;
}
