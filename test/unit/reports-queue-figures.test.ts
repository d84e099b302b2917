/**
 * A queue's figures (src/reports/core/queue-figures.ts) over hand-made
 * segments. Each fixture lists its visits with their waits and handling
 * times; the expected figures are worked out by hand in the comment above.
 * Thresholds: service level 20 s in sales, 30 s in support; short abandon 5 s.
 */
import { describe, expect, it } from 'vitest';
import type { JournalEventName } from '../../src/acd/types.js';
import { mean, pct, QueueTally, queueFigures, type QueueFigures } from '../../src/reports/core/queue-figures.js';
import { buildSegments, type QueueLogEvent, type QueueSegment } from '../../src/reports/core/segments.js';

const T0 = Date.UTC(2024, 2, 15, 9, 0, 0);
const S = 1000;
const SL: Record<string, number> = { sales: 20 * S, support: 30 * S };
const OPTS = { slMs: (q: string): number => SL[q] ?? 20 * S, shortAbandonMs: 5 * S };

type SegOpts = Partial<Omit<QueueSegment, 'callId' | 'queue' | 'outcome' | 'waitMs'>> & { ended?: boolean };

/**
 * A visit that waited `waitS` seconds. Answered ones are answered at entry + wait and, unless
 * `ended: false`, left 1 s after the talk + hold (the exact leftAt does not matter to the figures).
 */
function seg(callId: string, queue: string, outcome: QueueSegment['outcome'], waitS: number, o: SegOpts = {}): QueueSegment {
  const { ended = true, ...rest } = o;
  const waitMs = Math.round(waitS * S);
  const s: QueueSegment = { callId, seq: 0, queue, enteredAt: T0, waitStartAt: T0, outcome, waitMs, transferred: false, talkMs: 0, holdMs: 0, wrapMs: 0, ...rest };
  if (outcome === 'answered') {
    s.answeredAt = T0 + waitMs;
    s.agentId ??= 'a1';
    if (ended) s.leftAt = T0 + waitMs + s.talkMs + s.holdMs + S;
  } else if (outcome !== 'waiting') s.leftAt = T0 + waitMs;
  return s;
}

/*
 * sales (SL 20 s, short abandon 5 s), 14 visits:
 *   c1  answered  wait 12 s      talk 100 s, hold 10 s, wrap 20 s   caller did not call again (repeatCall false)
 *   c2  answered  wait 20 s      talk 200 s, hold 0,    wrap 30 s   called again (repeatCall true)
 *   c3  answered  wait 20.001 s  talk 50 s,  hold 5 s,  wrap 0      transferred; anonymous (repeatCall undefined)
 *   c4  answered  wait 8 s       still talking (no leftAt; talk so far 40 s)  repeatCall false
 *   c5  abandoned wait 3 s   (short: 3 < 5)
 *   c6  abandoned wait 5 s   (not short: 5 is not < 5)
 *   c7  abandoned wait 45 s
 *   c8  timeout   wait 300 s
 *   c9  exit-key  wait 15 s
 *   c10 empty     wait 0
 *   c11 overflowed wait 60 s (to support, below)
 *   c12 lost      wait 7 s
 *   c13, c14 waiting
 *
 *   offered 14; waiting 2; finished 14 − 2 = 12
 *   answered 4 (c1–c4); within SL (≤ 20 000 ms): c1 12 000, c2 20 000, c4 8 000 = 3 (c3 20 001 > 20 000)
 *   abandoned 3 (c5, c6, c7); short 1 (c5)
 *   overflowed 4 (c8 timeout, c9 key, c10 empty, c11 overflow); lost 1 (c12)
 *     check: 4 answered + 3 abandoned + 4 overflowed + 1 lost = 12 = finished
 *   SL % = 3 ÷ 12 = 25.0
 *   abandon rate % = (3 − 1) ÷ (12 − 1) = 2 ÷ 11 = 18.18… → 18.2
 *   ASA = (12 000 + 20 000 + 20 001 + 8 000) ÷ 4 = 60 001 ÷ 4 = 15 000.25 → 15 000 ms
 *   AHT over handled (ended) c1, c2, c3: (100+10+20) + (200+0+30) + (50+5+0) = 130 + 230 + 55 = 415 s ÷ 3
 *       = 138 333.33 → 138 333 ms (c4's 40 s so far is not in it)
 *   talk 100+200+50 = 350 s; hold 10+0+5 = 15 s; wrap 20+30+0 = 50 s
 *   longest wait: c8 300 s = 300 000 ms
 *   transfers 1 (c3)
 *   FCR: known number c1 (resolved), c2 (called again), c4 (resolved) → 2 ÷ 3 = 66.66… → 66.7
 *
 * support (SL 30 s), 3 visits:
 *   c11 answered  wait 85 s (60 s in sales + 25 s here: the chain's wait)  talk 60 s
 *   c20 answered  wait 30 s (exactly the threshold)                         talk 90 s, wrap 10 s
 *   c21 answered  wait 31 s                                                 talk 30 s
 *   offered 3, finished 3, answered 3, within SL 1 (c20) → 1 ÷ 3 = 33.3 %
 *   abandon rate 0 ÷ 3 = 0.0; ASA (85 + 30 + 31) ÷ 3 = 146 000 ÷ 3 = 48 666.67 → 48 667 ms
 *   AHT (60 + 100 + 30) ÷ 3 = 190 000 ÷ 3 = 63 333.33 → 63 333 ms; longest 85 000; FCR null (no numbers known)
 */
function fixture(): QueueSegment[] {
  return [
    seg('c1', 'sales', 'answered', 12, { talkMs: 100 * S, holdMs: 10 * S, wrapMs: 20 * S, repeatCall: false }),
    seg('c2', 'sales', 'answered', 20, { talkMs: 200 * S, wrapMs: 30 * S, repeatCall: true }),
    seg('c3', 'sales', 'answered', 20.001, { talkMs: 50 * S, holdMs: 5 * S, transferred: true }),
    seg('c4', 'sales', 'answered', 8, { talkMs: 40 * S, ended: false, repeatCall: false }),
    seg('c5', 'sales', 'abandoned', 3),
    seg('c6', 'sales', 'abandoned', 5),
    seg('c7', 'sales', 'abandoned', 45),
    seg('c8', 'sales', 'timeout', 300),
    seg('c9', 'sales', 'exit-key', 15),
    seg('c10', 'sales', 'empty', 0),
    seg('c11', 'sales', 'overflowed', 60),
    seg('c12', 'sales', 'lost', 7),
    seg('c13', 'sales', 'waiting', 0),
    seg('c14', 'sales', 'waiting', 0),
    seg('c11', 'support', 'answered', 85, { seq: 1, enteredAt: T0 + 60 * S, talkMs: 60 * S }),
    seg('c20', 'support', 'answered', 30, { talkMs: 90 * S, wrapMs: 10 * S, agentId: 'a2' }),
    seg('c21', 'support', 'answered', 31, { talkMs: 30 * S, agentId: 'a2' }),
  ];
}

const NONE: QueueFigures = {
  offered: 0,
  answered: 0,
  answeredWithinSl: 0,
  abandoned: 0,
  shortAbandoned: 0,
  overflowed: 0,
  lost: 0,
  waiting: 0,
  transfers: 0,
  serviceLevelPct: null,
  abandonRatePct: null,
  asaMs: null,
  ahtMs: null,
  talkMs: 0,
  holdMs: 0,
  wrapMs: 0,
  longestWaitMs: null,
  fcrPct: null,
};

describe('queueFigures: the two-queue fixture', () => {
  it('sales: 14 visits of every outcome → SL 25.0 %, abandon rate 18.2 %, ASA 15000, AHT 138333, longest 300000, FCR 66.7 %', () => {
    expect(queueFigures(fixture(), OPTS).get('sales')).toStrictEqual({
      offered: 14,
      answered: 4,
      answeredWithinSl: 3,
      abandoned: 3,
      shortAbandoned: 1,
      overflowed: 4,
      lost: 1,
      waiting: 2,
      transfers: 1,
      serviceLevelPct: 25,
      abandonRatePct: 18.2,
      asaMs: 15_000,
      ahtMs: 138_333,
      talkMs: 350_000,
      holdMs: 15_000,
      wrapMs: 50_000,
      longestWaitMs: 300_000,
      fcrPct: 66.7,
    });
  });

  it('support (SL 30 s): the overflowed-in call keeps its 85 s wait; 30 s exactly is within → SL 33.3 %, ASA 48667, AHT 63333', () => {
    expect(queueFigures(fixture(), OPTS).get('support')).toStrictEqual({
      ...NONE,
      offered: 3,
      answered: 3,
      answeredWithinSl: 1,
      serviceLevelPct: 33.3,
      abandonRatePct: 0,
      asaMs: 48_667,
      ahtMs: 63_333,
      talkMs: 180_000,
      holdMs: 0,
      wrapMs: 10_000,
      longestWaitMs: 85_000,
    });
  });

  it('one entry per queue that has visits, none for others', () => {
    const figures = queueFigures(fixture(), OPTS);
    expect([...figures.keys()].sort()).toStrictEqual(['sales', 'support']);
    expect(figures.get('billing')).toBeUndefined();
  });

  it('the SL threshold is asked per queue: each queue gets its own', () => {
    const asked: string[] = [];
    queueFigures(fixture(), { ...OPTS, slMs: (q) => (asked.push(q), OPTS.slMs(q)) });
    expect(asked.sort()).toStrictEqual(['sales', 'support']);
  });
});

describe('QueueTally: service level', () => {
  /* SL 20 s: waits 20 000 ms (= threshold, within) and 20 001 ms (not) → within 1 of 2 finished = 50.0 %; ASA 40 001 ÷ 2 = 20 000.5 → 20 001. */
  it('answered after exactly the threshold (20 s) → within SL; 1 ms more → not', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'answered', 20));
    t.add(seg('c2', 'sales', 'answered', 20.001));
    expect(t.figures()).toMatchObject({ answered: 2, answeredWithinSl: 1, serviceLevelPct: 50, asaMs: 20_001 });
  });

  /* Abandoned (wait 2 s, well within 20 s) is in the denominator but never "within": 1 answered 10 s + 1 abandoned → 1 ÷ 2 = 50.0 %. */
  it('a caller who abandons within the threshold → counts against the service level (in the denominator only)', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'answered', 10));
    t.add(seg('c2', 'sales', 'abandoned', 2));
    expect(t.figures()).toMatchObject({ answeredWithinSl: 1, serviceLevelPct: 50 });
  });

  /* 2 answered within (5 s, 6 s) + 1 still waiting → finished 2 → 2 ÷ 2 = 100.0 % (the waiting one is in neither part). */
  it('callers still waiting → left out of the service level until their outcome is known', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'answered', 5));
    t.add(seg('c2', 'sales', 'answered', 6));
    t.add(seg('c3', 'sales', 'waiting', 0));
    expect(t.figures()).toMatchObject({ offered: 3, waiting: 1, serviceLevelPct: 100, abandonRatePct: 0 });
  });

  /* 1 within (1 s), 2 not (21 s, 60 s) → 1 ÷ 3 = 33.33 → 33.3; 2 within of 3 would be 66.7 (one decimal, rounded). */
  it('service level rounds to one decimal: 1 of 3 → 33.3, 2 of 3 → 66.7', () => {
    const one = new QueueTally(20 * S, 5 * S);
    for (const w of [1, 21, 60]) one.add(seg(`c${w}`, 'sales', 'answered', w));
    expect(one.figures().serviceLevelPct).toBe(33.3);
    const two = new QueueTally(20 * S, 5 * S);
    for (const w of [1, 2, 60]) two.add(seg(`c${w}`, 'sales', 'answered', w));
    expect(two.figures().serviceLevelPct).toBe(66.7);
  });

  /* Only waiting callers: offered 2, finished 0 → SL, abandon rate, ASA, AHT, longest wait all null. */
  it('callers entered but none finished yet → counts, every rate and mean null', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'waiting', 0));
    t.add(seg('c2', 'sales', 'waiting', 0));
    expect(t.figures()).toStrictEqual({ ...NONE, offered: 2, waiting: 2 });
  });

  it('no visits → zero counts and null for every rate and mean', () => {
    expect(new QueueTally(20 * S, 5 * S).figures()).toStrictEqual(NONE);
  });

  /* Only an abandon of 40 s: SL 0 ÷ 1 = 0.0 (not null); abandon rate 1 ÷ 1 = 100.0; ASA null; longest 40 000. */
  it('only a long abandon → service level 0 (not null), abandon rate 100 %, ASA null', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'abandoned', 40));
    expect(t.figures()).toStrictEqual({ ...NONE, offered: 1, abandoned: 1, serviceLevelPct: 0, abandonRatePct: 100, longestWaitMs: 40_000 });
  });
});

describe('QueueTally: abandons', () => {
  /*
   * Short threshold 5 s: c1 abandons after 3 s (short), c2 after 4.999 s (short), c3 after 5 s (not short), c4 answered 10 s.
   *   abandoned 3, short 2; finished 4 → abandon rate (3 − 2) ÷ (4 − 2) = 1 ÷ 2 = 50.0 %
   *   SL keeps every finished visit: 1 ÷ 4 = 25.0 %
   */
  it('caller abandons after 3 s with short-abandon threshold 5 s → short abandon, left out of the abandon rate', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'abandoned', 3));
    t.add(seg('c2', 'sales', 'abandoned', 4.999));
    t.add(seg('c3', 'sales', 'abandoned', 5));
    t.add(seg('c4', 'sales', 'answered', 10));
    expect(t.figures()).toMatchObject({ abandoned: 3, shortAbandoned: 2, abandonRatePct: 50, serviceLevelPct: 25 });
  });

  /* Only short abandons (1 s, 2 s): (2 − 2) ÷ (2 − 2) → denominator 0 → null; SL 0 ÷ 2 = 0.0. */
  it('only short abandons → abandon rate null (nothing left to rate), service level 0', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'abandoned', 1));
    t.add(seg('c2', 'sales', 'abandoned', 2));
    expect(t.figures()).toMatchObject({ abandoned: 2, shortAbandoned: 2, abandonRatePct: null, serviceLevelPct: 0 });
  });

  /* Short threshold 0: no wait is < 0 → nothing short; 1 abandon (0 s) of 2 finished → 50.0 %. */
  it('short-abandon threshold 0 → no abandon is short', () => {
    const t = new QueueTally(20 * S, 0);
    t.add(seg('c1', 'sales', 'abandoned', 0));
    t.add(seg('c2', 'sales', 'answered', 3));
    expect(t.figures()).toMatchObject({ shortAbandoned: 0, abandonRatePct: 50 });
  });

  /* lost (EXITLOST while waiting, 7 s) and overflowed (60 s): finished, not abandoned → abandon rate 0 ÷ 2 = 0.0; SL 0 ÷ 2 = 0.0. */
  it('lost and overflowed visits → in the denominators, not abandoned', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'lost', 7));
    t.add(seg('c2', 'sales', 'overflowed', 60));
    expect(t.figures()).toStrictEqual({ ...NONE, offered: 2, lost: 1, overflowed: 1, serviceLevelPct: 0, abandonRatePct: 0, longestWaitMs: 60_000 });
  });
});

describe('QueueTally: handling times, transfers, FCR', () => {
  /*
   * c1 ended: talk 61 s, hold 0, wrap 0; c2 ended: talk 62 s → AHT (61 000 + 62 000) ÷ 2 = 61 500.
   * c3 answered, still talking → in answered and ASA, not in AHT or talk.
   * ASA (1 000 + 2 000 + 3 000) ÷ 3 = 2 000.
   */
  it('a call still in talk → counted answered (and in ASA) but not in AHT until its talk ends', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'answered', 1, { talkMs: 61 * S }));
    t.add(seg('c2', 'sales', 'answered', 2, { talkMs: 62 * S }));
    t.add(seg('c3', 'sales', 'answered', 3, { talkMs: 99 * S, ended: false }));
    expect(t.figures()).toMatchObject({ answered: 3, asaMs: 2000, ahtMs: 61_500, talkMs: 123_000 });
  });

  /* AHT mean rounds to the ms: (1 + 2) ms ÷ 2 = 1.5 → 2 (Math.round half up). */
  it('AHT rounds to the ms: 1 ms and 2 ms → 2', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'answered', 0, { talkMs: 1 }));
    t.add(seg('c2', 'sales', 'answered', 0, { talkMs: 2 }));
    expect(t.figures().ahtMs).toBe(2);
  });

  /* 2 of 3 answered visits transferred → transfers 2; an unanswered visit cannot be a transfer. */
  it('answered visits the agent passed on → transfers', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'answered', 1, { transferred: true }));
    t.add(seg('c2', 'sales', 'answered', 1, { transferred: true }));
    t.add(seg('c3', 'sales', 'answered', 1));
    expect(t.figures().transfers).toBe(2);
  });

  /*
   * FCR: c1 false (resolved), c2 false, c3 true, c4 false, anonymous c5 (undefined, left out), abandoned c6 with
   * repeatCall false (not answered: left out) → eligible 4, resolved 3 → 75.0 %.
   */
  it('FCR: of the answered visits with a known number, the share not followed by a repeat call → 75.0 %', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'answered', 1, { repeatCall: false }));
    t.add(seg('c2', 'sales', 'answered', 1, { repeatCall: false }));
    t.add(seg('c3', 'sales', 'answered', 1, { repeatCall: true }));
    t.add(seg('c4', 'sales', 'answered', 1, { repeatCall: false }));
    t.add(seg('c5', 'sales', 'answered', 1));
    t.add(seg('c6', 'sales', 'abandoned', 30, { repeatCall: false }));
    expect(t.figures().fcrPct).toBe(75);
  });

  it('FCR with no known caller numbers → null', () => {
    const t = new QueueTally(20 * S, 5 * S);
    t.add(seg('c1', 'sales', 'answered', 1));
    expect(t.figures().fcrPct).toBeNull();
  });
});

describe('pct and mean', () => {
  it('pct: one decimal, null on a zero denominator', () => {
    expect(pct(1, 3)).toBe(33.3);
    expect(pct(2, 3)).toBe(66.7);
    expect(pct(1, 8)).toBe(12.5);
    expect(pct(0, 5)).toBe(0);
    expect(pct(5, 5)).toBe(100);
    expect(pct(1, 0)).toBeNull();
  });

  it('mean: rounded to the integer, null for no values', () => {
    expect(mean(10, 4)).toBe(3); // 2.5 → 3
    expect(mean(10, 3)).toBe(3); // 3.33 → 3
    expect(mean(0, 0)).toBeNull();
  });
});

describe('queueFigures from a journal', () => {
  const T = (s: number): number => T0 + s * S;
  const e = (event: JournalEventName, s: number, queue: string, callId: string, agentId?: string): QueueLogEvent => ({ event, time: T(s), queue, callId, ...(agentId === undefined ? {} : { agentId }), data: {} });

  /*
   * Journal (seconds after T0):
   *   c1 sales: enter 0, answered 20 (a1), caller hangs up 80                  → answered, wait 20 s (= SL, within)
   *   c2 sales: enter 5, overflows 35 to support, enters support 35, answered 50 → sales: overflowed, wait 30 s
   *                                                                              support: answered, wait 50 − 5 = 45 s
   *   c3 sales: enter 10, abandons 13                                          → abandoned, wait 3 s (short)
   *   c4 sales: enter 20, abandons 32                                          → abandoned, wait 12 s
   *   c5 sales: enter 40                                                       → waiting
   *   c6 support: CONNECT 1 without an ENTERQUEUE                              → ignored
   * sales: offered 5, waiting 1, finished 4; within SL 1 (c1) → 1 ÷ 4 = 25.0 %; abandoned 2, short 1
   *   → abandon rate (2 − 1) ÷ (4 − 1) = 33.3 %; ASA 20 000; overflowed 1; longest wait max(20, 30, 3, 12) = 30 000
   *   AHT: talk is filled in by the CDR build (0 here) → (0) ÷ 1 handled = 0
   * support (SL 30 s): offered 1, answered 1, wait 45 s > 30 → within 0 → SL 0.0 %; ASA 45 000; no handled (no end) → AHT null
   */
  it('a day of four calls through buildSegments → sales SL 25.0 %, abandon rate 33.3 %; support SL 0 % (the overflowed wait counts)', () => {
    const f = queueFigures(
      buildSegments([
        e('ENTERQUEUE', 0, 'sales', 'c1'),
        e('CONNECT', 1, 'support', 'c6', 'a2'),
        e('ENTERQUEUE', 5, 'sales', 'c2'),
        e('ENTERQUEUE', 10, 'sales', 'c3'),
        e('ABANDON', 13, 'sales', 'c3'),
        e('CONNECT', 20, 'sales', 'c1', 'a1'),
        e('ENTERQUEUE', 20, 'sales', 'c4'),
        e('ABANDON', 32, 'sales', 'c4'),
        e('OVERFLOW', 35, 'sales', 'c2'),
        e('ENTERQUEUE', 35, 'support', 'c2'),
        e('ENTERQUEUE', 40, 'sales', 'c5'),
        e('CONNECT', 50, 'support', 'c2', 'a2'),
        e('COMPLETECALLER', 80, 'sales', 'c1', 'a1'),
      ]),
      OPTS,
    );
    expect(f.get('sales')).toStrictEqual({
      ...NONE,
      offered: 5,
      answered: 1,
      answeredWithinSl: 1,
      abandoned: 2,
      shortAbandoned: 1,
      overflowed: 1,
      waiting: 1,
      serviceLevelPct: 25,
      abandonRatePct: 33.3,
      asaMs: 20_000,
      ahtMs: 0,
      longestWaitMs: 30_000,
    });
    expect(f.get('support')).toStrictEqual({ ...NONE, offered: 1, answered: 1, serviceLevelPct: 0, abandonRatePct: 0, asaMs: 45_000, longestWaitMs: 45_000 });
  });
});
