/**
 * Agent figures per interval (src/reports/core/agent-figures.ts): a state
 * timeline and answered visits in, per agent per interval staffed / handling
 * / idle / paused time, occupancy, utilisation and handling figures out.
 * Times are Europe/Berlin wall clock (15 March 2024, CET = UTC+1) unless a
 * test says otherwise; expected values are worked out in the comments.
 */
import { describe, expect, it } from 'vitest';
import type { AgentState } from '../../src/acd/types.js';
import { agentFigures, type AgentIntervalFigures, type StateChange } from '../../src/reports/core/agent-figures.js';
import type { QueueSegment } from '../../src/reports/core/segments.js';

const BERLIN = 'Europe/Berlin';
const S = 1000;
const M = 60_000;
const H = 3_600_000;
/** 2024-03-15 hh:mm:ss CET as an instant (CET = UTC+1). */
const cet = (h: number, m = 0, s = 0): number => Date.UTC(2024, 2, 15, h - 1, m, s);

const change = (agentId: string, at: number, to: AgentState): StateChange => ({ agentId, at, to });

function answered(callId: string, agentId: string, answeredAt: number, o: Partial<QueueSegment> & { ended?: boolean } = {}): QueueSegment {
  const { ended = true, ...rest } = o;
  return {
    callId,
    seq: 0,
    queue: 'sales',
    enteredAt: answeredAt - 10 * S,
    waitStartAt: answeredAt - 10 * S,
    outcome: 'answered',
    waitMs: 10 * S,
    agentId,
    answeredAt,
    transferred: false,
    talkMs: 0,
    holdMs: 0,
    wrapMs: 0,
    ...(ended ? { leftAt: answeredAt + 60 * S } : {}),
    ...rest,
  };
}

const zero = { answered: 0, transfers: 0, talkMs: 0, holdMs: 0, wrapMs: 0, ahtMs: null };

describe('agentFigures: two agents over 09:00–10:00 in quarter hours', () => {
  /*
   * a1 (available at 09:00):
   *   09:00 available · 09:10 ringing · 09:10:20 on-call (c1) · 09:20 wrap-up · 09:21 paused · 09:40 available · 09:50 logged out
   *   09:00–09:15  available 600 s, ringing 20 s, on-call 09:10:20–09:15 = 280 s
   *                staffed 900 s, handling 280, idle 620, paused 0 → occupancy 280 ÷ 900 = 31.1 %, utilisation 280 ÷ 900 = 31.1 %
   *   09:15–09:30  on-call 300 s, wrap-up 60 s, paused 09:21–09:30 = 540 s
   *                staffed 900, handling 360, idle 0, paused 540 → occupancy 360 ÷ 360 = 100.0 %, utilisation 360 ÷ 900 = 40.0 %
   *   09:30–09:45  paused 600 s, available 300 s → staffed 900, idle 300, paused 600 → occupancy 0 ÷ 300 = 0.0, utilisation 0.0
   *   09:45–10:00  available 09:45–09:50 = 300 s, then logged out → staffed 300, idle 300 → 0.0, 0.0
   *   c1 answered 09:10:20 (the 09:00 quarter): talk 540 s, hold 40 s, wrap 60 s → AHT 640 000 ms
   *   c6 answered by a1 at 10:00:00 = `to` → outside the report, not counted.
   *
   * a2 (logged out at 09:00):
   *   09:20 available · 09:25 on-call-outbound · 09:35 available · 09:44:50 ringing · 09:44:59 on-call (c2)
   *   · 09:45:30 available · 09:55 ringing · 09:55:05 on-call (c3, still talking at 10:00)
   *   09:15–09:30  available 300 s, outbound 300 s → staffed 600, handling 300, idle 300 → 50.0 %, 50.0 %
   *   09:30–09:45  outbound 300, available 590, ringing 9, on-call 1 → staffed 900, handling 301, idle 599
   *                → occupancy 301 ÷ 900 = 33.44 → 33.4 %, utilisation 33.4 %
   *   09:45–10:00  on-call 30, available 570, ringing 5, on-call 295 → staffed 900, handling 325, idle 575
   *                → 325 ÷ 900 = 36.11 → 36.1 %, 36.1 %
   *   c2 answered 09:44:59 (the 09:30 quarter), transferred, talk 31 s → answered 1, transfers 1, AHT 31 000
   *   c3 answered 09:55:05 (the 09:45 quarter), still talking (no leftAt) → answered 1, AHT null, talk 0
   *
   * a3 answered c4 at 08:59 (before `from`) → not counted; no states → no rows.
   * a4 has no states in the report but answered c5 at 09:30 → a row for 09:30 with staffed 0, occupancy and
   *   utilisation null, answered 1, talk 120 s → AHT 120 000.
   * An abandoned visit (c7, even one naming a1, the agent it rang) → nothing.
   */
  const rows = agentFigures({
    from: cet(9),
    to: cet(10),
    size: '15m',
    timeZone: BERLIN,
    initial: new Map<string, AgentState>([
      ['a1', 'available'],
      ['a2', 'logged-out'],
    ]),
    changes: [
      change('a1', cet(9, 10), 'ringing'),
      change('a1', cet(9, 10, 20), 'on-call'),
      change('a1', cet(9, 20), 'wrap-up'),
      change('a2', cet(9, 20), 'available'),
      change('a1', cet(9, 21), 'paused'),
      change('a2', cet(9, 25), 'on-call-outbound'),
      change('a2', cet(9, 35), 'available'),
      change('a1', cet(9, 40), 'available'),
      change('a2', cet(9, 44, 50), 'ringing'),
      change('a2', cet(9, 44, 59), 'on-call'),
      change('a2', cet(9, 45, 30), 'available'),
      change('a1', cet(9, 50), 'logged-out'),
      change('a2', cet(9, 55), 'ringing'),
      change('a2', cet(9, 55, 5), 'on-call'),
    ],
    segments: [
      answered('c4', 'a3', cet(8, 59), { talkMs: 30 * S }),
      answered('c1', 'a1', cet(9, 10, 20), { leftAt: cet(9, 20), talkMs: 540 * S, holdMs: 40 * S, wrapMs: 60 * S }),
      answered('c5', 'a4', cet(9, 30), { talkMs: 120 * S }),
      answered('c2', 'a2', cet(9, 44, 59), { leftAt: cet(9, 45, 30), transferred: true, talkMs: 31 * S }),
      answered('c3', 'a2', cet(9, 55, 5), { ended: false }),
      answered('c6', 'a1', cet(10), { talkMs: 10 * S }),
      { callId: 'c7', seq: 0, queue: 'sales', enteredAt: cet(9, 5), waitStartAt: cet(9, 5), outcome: 'abandoned', leftAt: cet(9, 6), waitMs: 60 * S, agentId: 'a1', transferred: false, talkMs: 0, holdMs: 0, wrapMs: 0 },
    ],
  });
  const row = (agentId: string, start: number): AgentIntervalFigures | undefined => rows.find((r) => r.agentId === agentId && r.intervalStart === start);

  it('rows sorted by agent then interval; only intervals the agent was staffed in or answered in', () => {
    expect(rows.map((r) => [r.agentId, (r.intervalStart - cet(9)) / M])).toStrictEqual([
      ['a1', 0],
      ['a1', 15],
      ['a1', 30],
      ['a1', 45],
      ['a2', 15],
      ['a2', 30],
      ['a2', 45],
      ['a4', 30],
    ]);
  });

  it('a1 09:00: on-call from 09:10:20 split at 09:15 (280 s here) → occupancy = utilisation = 31.1 %; c1 answered, AHT 640 s', () => {
    expect(row('a1', cet(9))).toStrictEqual({
      agentId: 'a1',
      intervalStart: cet(9),
      staffedMs: 900 * S,
      handlingMs: 280 * S,
      idleMs: 620 * S,
      pausedMs: 0,
      occupancyPct: 31.1,
      utilisationPct: 31.1,
      answered: 1,
      transfers: 0,
      talkMs: 540 * S,
      holdMs: 40 * S,
      wrapMs: 60 * S,
      ahtMs: 640 * S,
    });
  });

  it('a1 09:15: 360 s handling and 540 s paused → occupancy 100.0 % (pauses are not ready time), utilisation 40.0 %', () => {
    expect(row('a1', cet(9, 15))).toStrictEqual({
      agentId: 'a1',
      intervalStart: cet(9, 15),
      staffedMs: 900 * S,
      handlingMs: 360 * S,
      idleMs: 0,
      pausedMs: 540 * S,
      occupancyPct: 100,
      utilisationPct: 40,
      ...zero,
    });
  });

  it('a1 09:30 and 09:45: paused then available, logged out at 09:50 → staffed 900 s and 300 s, occupancy 0.0 %', () => {
    expect(row('a1', cet(9, 30))).toStrictEqual({ agentId: 'a1', intervalStart: cet(9, 30), staffedMs: 900 * S, handlingMs: 0, idleMs: 300 * S, pausedMs: 600 * S, occupancyPct: 0, utilisationPct: 0, ...zero });
    expect(row('a1', cet(9, 45))).toStrictEqual({ agentId: 'a1', intervalStart: cet(9, 45), staffedMs: 300 * S, handlingMs: 0, idleMs: 300 * S, pausedMs: 0, occupancyPct: 0, utilisationPct: 0, ...zero });
  });

  it('a2 logs in at 09:20: outbound calls count as handling → 09:15 50.0 %/50.0 %', () => {
    expect(row('a2', cet(9, 15))).toStrictEqual({ agentId: 'a2', intervalStart: cet(9, 15), staffedMs: 600 * S, handlingMs: 300 * S, idleMs: 300 * S, pausedMs: 0, occupancyPct: 50, utilisationPct: 50, ...zero });
  });

  it('a2 09:30: answered c2 at 09:44:59 (1 s of its talk here) and transferred it → occupancy 33.4 %, transfers 1, AHT 31 s', () => {
    expect(row('a2', cet(9, 30))).toStrictEqual({
      agentId: 'a2',
      intervalStart: cet(9, 30),
      staffedMs: 900 * S,
      handlingMs: 301 * S,
      idleMs: 599 * S,
      pausedMs: 0,
      occupancyPct: 33.4,
      utilisationPct: 33.4,
      answered: 1,
      transfers: 1,
      talkMs: 31 * S,
      holdMs: 0,
      wrapMs: 0,
      ahtMs: 31 * S,
    });
  });

  it('a2 09:45: c3 still in talk at the end → answered 1 but AHT null; the open on-call state runs to `to`', () => {
    expect(row('a2', cet(9, 45))).toStrictEqual({ agentId: 'a2', intervalStart: cet(9, 45), staffedMs: 900 * S, handlingMs: 325 * S, idleMs: 575 * S, pausedMs: 0, occupancyPct: 36.1, utilisationPct: 36.1, ...zero, answered: 1 });
  });

  it('a4 answered a call but has no state in the report → staffed 0, occupancy and utilisation null', () => {
    expect(row('a4', cet(9, 30))).toStrictEqual({
      agentId: 'a4',
      intervalStart: cet(9, 30),
      staffedMs: 0,
      handlingMs: 0,
      idleMs: 0,
      pausedMs: 0,
      occupancyPct: null,
      utilisationPct: null,
      ...zero,
      answered: 1,
      talkMs: 120 * S,
      ahtMs: 120 * S,
    });
  });

  it('answers before `from` (a3) or at `to` (a1, c6) → not counted', () => {
    expect(rows.some((r) => r.agentId === 'a3')).toBe(false);
    expect(rows.filter((r) => r.agentId === 'a1').reduce((n, r) => n + r.answered, 0)).toBe(1);
  });

  /* The staffed time adds up: a1 900 × 3 + 300 = 3000 s = 09:00–09:50; a2 600 + 900 + 900 = 2400 s = 09:20–10:00. */
  it('per agent, the interval parts add up to the time logged in', () => {
    const staffed = (a: string): number => rows.filter((r) => r.agentId === a).reduce((n, r) => n + r.staffedMs, 0);
    expect(staffed('a1')).toBe(50 * M);
    expect(staffed('a2')).toBe(40 * M);
    for (const r of rows) expect(r.handlingMs + r.idleMs + r.pausedMs).toBe(r.staffedMs);
  });
});

describe('agentFigures: splitting across hour boundaries', () => {
  /*
   * Hour intervals, 09:00–12:00; a1 available at 09:00, on-call 09:50 → 11:10, then paused to 12:00.
   *   09:00  available 50 min, on-call 10 min → staffed 60, handling 10, idle 50 → occupancy 10 ÷ 60 = 16.7 %, utilisation 16.7 %
   *   10:00  on-call 60 min → 100.0 %, 100.0 %
   *   11:00  on-call 10 min, paused 50 → handling 10, idle 0 → occupancy 100.0 %, utilisation 10 ÷ 60 = 16.7 %
   */
  it('an 80-minute call from 09:50 to 11:10 → 10 min, 60 min and 10 min of handling in three hour intervals', () => {
    const rows = agentFigures({
      from: cet(9),
      to: cet(12),
      size: 'hour',
      timeZone: BERLIN,
      initial: new Map([['a1', 'available']]),
      changes: [change('a1', cet(9, 50), 'on-call'), change('a1', cet(11, 10), 'paused')],
      segments: [],
    });
    expect(rows.map((r) => [(r.intervalStart - cet(9)) / H, r.staffedMs / M, r.handlingMs / M, r.idleMs / M, r.pausedMs / M, r.occupancyPct, r.utilisationPct])).toStrictEqual([
      [0, 60, 10, 50, 0, 16.7, 16.7],
      [1, 60, 60, 0, 0, 100, 100],
      [2, 60, 10, 0, 50, 100, 16.7],
    ]);
  });

  /* `from` mid-interval (09:40) with hour intervals: the 09:00 row holds only 09:40–10:00 (20 min); 10:00 holds 10:00–10:30 (`to`). */
  it('from and to inside an interval → the first and last rows hold only the part inside [from, to)', () => {
    const rows = agentFigures({ from: cet(9, 40), to: cet(10, 30), size: 'hour', timeZone: BERLIN, initial: new Map([['a1', 'available']]), changes: [], segments: [] });
    expect(rows.map((r) => [r.intervalStart, r.staffedMs])).toStrictEqual([
      [cet(9), 20 * M],
      [cet(10), 30 * M],
    ]);
  });

  /*
   * Changes outside [from, to) are ignored: a change to on-call at 08:00 (before `from`; its effect is `initial`)
   * and one to paused at 10:00 (= `to`). a1 initial available over 09:00–10:00 → idle 60 min, handling 0.
   */
  it('changes before `from` or at `to` → ignored; the initial state covers the report until the first change inside it', () => {
    const rows = agentFigures({
      from: cet(9),
      to: cet(10),
      size: 'hour',
      timeZone: BERLIN,
      initial: new Map([['a1', 'available']]),
      changes: [change('a1', cet(8), 'on-call'), change('a1', cet(10), 'paused')],
      segments: [],
    });
    expect(rows).toStrictEqual([{ agentId: 'a1', intervalStart: cet(9), staffedMs: H, handlingMs: 0, idleMs: H, pausedMs: 0, occupancyPct: 0, utilisationPct: 0, ...zero }]);
  });

  it('an agent logged out all along, or logged out initially with no changes → no rows', () => {
    expect(agentFigures({ from: cet(9), to: cet(10), size: 'hour', timeZone: BERLIN, initial: new Map([['a1', 'logged-out']]), changes: [], segments: [] })).toStrictEqual([]);
  });

  /* Paused the whole hour: staffed 60 min, handling 0, idle 0 → occupancy 0 ÷ 0 → null; utilisation 0 ÷ 60 = 0.0. */
  it('paused for the whole interval → occupancy null (no ready time), utilisation 0 %', () => {
    const [r] = agentFigures({ from: cet(9), to: cet(10), size: 'hour', timeZone: BERLIN, initial: new Map([['a1', 'paused']]), changes: [], segments: [] });
    expect(r).toMatchObject({ staffedMs: H, pausedMs: H, occupancyPct: null, utilisationPct: 0 });
  });

  /*
   * Occupancy vs utilisation with pauses, one hour: on-call 30 min, available 10 min, paused 20 min
   *   occupancy 30 ÷ (30 + 10) = 75.0 %; utilisation 30 ÷ 60 = 50.0 %. Reserved and ringing are idle (ready).
   */
  it('30 min handling, 10 min ready (available/reserved/ringing), 20 min paused → occupancy 75.0 %, utilisation 50.0 %', () => {
    const [r] = agentFigures({
      from: cet(9),
      to: cet(10),
      size: 'hour',
      timeZone: BERLIN,
      initial: new Map([['a1', 'available']]),
      changes: [
        change('a1', cet(9, 6), 'reserved'),
        change('a1', cet(9, 8), 'ringing'),
        change('a1', cet(9, 10), 'on-call'),
        change('a1', cet(9, 35), 'wrap-up'),
        change('a1', cet(9, 40), 'paused'),
      ],
      segments: [],
    });
    expect(r).toMatchObject({ staffedMs: H, handlingMs: 30 * M, idleMs: 10 * M, pausedMs: 20 * M, occupancyPct: 75, utilisationPct: 50 });
  });
});

describe('agentFigures across DST days (Europe/Berlin)', () => {
  /* available for the whole local day 2024-03-31 (2024-03-30 23:00Z → 2024-03-31 22:00Z) → one day row of 23 h. */
  it('logged in for the whole of 2024-03-31 → staffed 23 h in one day interval', () => {
    const from = Date.UTC(2024, 2, 30, 23);
    const to = Date.UTC(2024, 2, 31, 22);
    const rows = agentFigures({ from, to, size: 'day', timeZone: BERLIN, initial: new Map([['a1', 'available']]), changes: [], segments: [] });
    expect(rows.map((r) => [r.intervalStart, r.staffedMs])).toStrictEqual([[from, 23 * H]]);
  });

  /* 2024-10-27 (2024-10-26 22:00Z → 2024-10-27 23:00Z) → 25 h. */
  it('logged in for the whole of 2024-10-27 → staffed 25 h in one day interval', () => {
    const from = Date.UTC(2024, 9, 26, 22);
    const to = Date.UTC(2024, 9, 27, 23);
    const rows = agentFigures({ from, to, size: 'day', timeZone: BERLIN, initial: new Map([['a1', 'available']]), changes: [], segments: [] });
    expect(rows.map((r) => [r.intervalStart, r.staffedMs])).toStrictEqual([[from, 25 * H]]);
  });

  /*
   * 2024-10-27, on-call 01:30 CEST (23:30Z on the 26th) to 03:30 CET (02:30Z): 3 h of real time in hour intervals
   *   01:00 CEST (23:00Z) 30 min · 02:00 CEST (00:00Z) 60 min · 02:00 CET (01:00Z) 60 min · 03:00 CET (02:00Z) 30 min
   */
  it('a call through the repeated hour → 30 + 60 + 60 + 30 min in four hour intervals, two of them "02:00"', () => {
    const rows = agentFigures({
      from: Date.UTC(2024, 9, 26, 23),
      to: Date.UTC(2024, 9, 27, 3),
      size: 'hour',
      timeZone: BERLIN,
      initial: new Map([['a1', 'available']]),
      changes: [change('a1', Date.UTC(2024, 9, 26, 23, 30), 'on-call'), change('a1', Date.UTC(2024, 9, 27, 2, 30), 'available')],
      segments: [],
    });
    expect(rows.map((r) => [new Date(r.intervalStart).toISOString(), r.handlingMs / M])).toStrictEqual([
      ['2024-10-26T23:00:00.000Z', 30],
      ['2024-10-27T00:00:00.000Z', 60],
      ['2024-10-27T01:00:00.000Z', 60],
      ['2024-10-27T02:00:00.000Z', 30],
    ]);
  });
});
