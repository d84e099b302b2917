/**
 * One scripted morning (Friday 15 March 2024, Europe/Berlin, UTC+1) in two
 * queues — sales (SL 20 s) and support (SL 30 s) — with every figure worked
 * out by hand below. Used by the records test and the live-vs-history test.
 *
 * T = 09:00:00 local = 08:00:00Z. Agents a1 and a2 log in at 08:55, out at 17:00.
 *
 *   call  queue    caller      enters   what happens
 *   c1    sales    +4930111    T        a1 answers after 12 s; talk 120 s with a 20 s hold at 30 s; wrap-up 15 s
 *   c2    sales    +4930222    T+60     a2 answers after 20 s (exactly the SL); talk 60 s; wrap-up 10 s
 *   c3    sales    +4930333    T+120    abandons after 3 s (a short abandon: threshold 5 s)
 *   c4    sales    +4930444    T+180    abandons after 40 s
 *   c5    sales    +4930111    T+300    a1 answers after 25 s; talk 30 s; a1 transfers it (c1's caller called again)
 *   c6    support  +4930666    T+400    overflows to sales after 45 s; a2 answers 10 s later (wait 55 s); talk 100 s
 *   c7    support  anonymous   T+3600   times out after 90 s
 *   c8    sales    +4930888    T+3700   a1 answers after 5 s; talk 50 s; its server died before the summary
 *
 * sales visits: c1 c2 c3 c4 c5 c6(2nd) c8 → offered 7
 *   answered 5 (c1 c2 c5 c6 c8); within 20 s: c1 12, c2 20, c8 5 → 3
 *   abandoned 2 (c3 c4), short 1 (c3)
 *   SL = 3 ÷ 7 = 42.857… → 42.9 %; abandon rate = (2 − 1) ÷ (7 − 1) = 16.666… → 16.7 %
 *   ASA = (12 + 20 + 25 + 55 + 5) ÷ 5 = 23.4 s; longest wait 55 s (c6)
 *   talk 120 + 60 + 30 + 100 + 50 = 360 s; hold 20 s; wrap 15 + 10 = 25 s → AHT 405 ÷ 5 = 81 s
 *   transfers 1 (c5); FCR: c1 is followed by c5 from the same number → 4 of 5 → 80 %
 * support visits: c6(1st) overflowed after 45 s, c7 timed out after 90 s → offered 2, overflowed 2,
 *   SL 0 ÷ 2 = 0 %, abandon rate 0 %, ASA none, longest wait 90 s
 *
 * a1 in the 09:00–10:00 hour: logged in all of it (3600 s); handling c1 (on call 140 s + wrap 15 s)
 *   and c5 (30 s) = 185 s; idle 3415 s → occupancy = utilisation = 185 ÷ 3600 = 5.1 %;
 *   answered 2; AHT (155 + 30) ÷ 2 = 92.5 s
 */
import type { ScriptedCall, ScriptOptions } from './scripted-calls.js';

export const TZ = 'Europe/Berlin';
export const DAY = Date.parse('2024-03-15T00:00:00+01:00');
export const T = Date.parse('2024-03-15T09:00:00+01:00');
const S = 1000;

export const SL_SECONDS: Record<string, number> = { sales: 20, support: 30 };

export const CALLS: ScriptedCall[] = [
  { callId: 'c1', queue: 'sales', caller: '+4930111', at: T, ivrMs: 8 * S, answer: { agent: 'a1', afterMs: 12 * S, talkMs: 120 * S, hold: { atMs: 30 * S, forMs: 20 * S }, wrapMs: 15 * S } },
  { callId: 'c2', queue: 'sales', caller: '+4930222', at: T + 60 * S, answer: { agent: 'a2', afterMs: 20 * S, talkMs: 60 * S, wrapMs: 10 * S, agentHangs: true } },
  { callId: 'c3', queue: 'sales', caller: '+4930333', at: T + 120 * S, abandon: { afterMs: 3 * S } },
  { callId: 'c4', queue: 'sales', caller: '+4930444', at: T + 180 * S, abandon: { afterMs: 40 * S } },
  { callId: 'c5', queue: 'sales', caller: '+4930111', at: T + 300 * S, answer: { agent: 'a1', afterMs: 25 * S, talkMs: 30 * S, transfer: true } },
  { callId: 'c6', queue: 'support', caller: '+4930666', at: T + 400 * S, overflow: { afterMs: 45 * S, to: 'sales', then: { answer: { agent: 'a2', afterMs: 10 * S, talkMs: 100 * S } } } },
  { callId: 'c7', queue: 'support', caller: 'anonymous', at: T + 3600 * S, timeout: { afterMs: 90 * S } },
  { callId: 'c8', queue: 'sales', caller: '+4930888', at: T + 3700 * S, answer: { agent: 'a1', afterMs: 5 * S, talkMs: 50 * S }, noSummary: true },
];

export const AGENTS: ScriptOptions['agents'] = [
  { id: 'a1', from: T - 5 * 60 * S, until: Date.parse('2024-03-15T17:00:00+01:00') },
  { id: 'a2', from: T - 5 * 60 * S, until: Date.parse('2024-03-15T17:00:00+01:00') },
];

/** The figures the comment above works out. */
export const EXPECTED = {
  sales: {
    offered: 7,
    answered: 5,
    answeredWithinSl: 3,
    abandoned: 2,
    shortAbandoned: 1,
    overflowed: 0,
    serviceLevelPct: 42.9,
    abandonRatePct: 16.7,
    asaMs: 23_400,
    longestWaitMs: 55_000,
    ahtMs: 81_000,
    talkMs: 360_000,
    holdMs: 20_000,
    wrapMs: 25_000,
    transfers: 1,
    fcrPct: 80,
  },
  support: { offered: 2, answered: 0, answeredWithinSl: 0, abandoned: 0, overflowed: 2, serviceLevelPct: 0, abandonRatePct: 0, asaMs: null, longestWaitMs: 90_000 },
  a1Hour9: { staffedMs: 3_600_000, handlingMs: 185_000, idleMs: 3_415_000, pausedMs: 0, occupancyPct: 5.1, utilisationPct: 5.1, answered: 2, ahtMs: 92_500 },
} as const;
