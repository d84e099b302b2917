/**
 * Queue segments (src/reports/core/segments.ts): ACD journal events in, one
 * segment per queue visit out. Every fixture is a hand-written journal with
 * explicit times (seconds after T0, 09:00:00 UTC on 15 March 2024) and the
 * expected segment worked out by hand in the comment above it.
 */
import { describe, expect, it } from 'vitest';
import type { JournalEventName } from '../../src/acd/types.js';
import { buildSegments, SegmentBuilder, type QueueLogEvent, type QueueSegment } from '../../src/reports/core/segments.js';

const T0 = Date.UTC(2024, 2, 15, 9, 0, 0);
/** T0 + s seconds. */
const at = (s: number): number => T0 + Math.round(s * 1000);

function ev(event: JournalEventName, s: number, queue: string | undefined, callId: string | undefined, more: { agentId?: string; data?: Record<string, string> } = {}): QueueLogEvent {
  return {
    event,
    time: at(s),
    ...(queue === undefined ? {} : { queue }),
    ...(callId === undefined ? {} : { callId }),
    ...(more.agentId === undefined ? {} : { agentId: more.agentId }),
    data: more.data ?? {},
  };
}

/** The segment fields every fresh segment has; a test spreads its own over these. */
function base(callId: string, queue: string, enteredS: number): QueueSegment {
  return { callId, seq: 0, queue, enteredAt: at(enteredS), waitStartAt: at(enteredS), outcome: 'waiting', waitMs: 0, transferred: false, talkMs: 0, holdMs: 0, wrapMs: 0 };
}

describe('buildSegments: one visit, each outcome', () => {
  /*
   * c1 enters sales at 0 s (caller +4930111), agent a1 answers at 12 s, the caller hangs up at 72 s.
   *   wait 12 − 0 = 12 s = 12000 ms; answeredAt T0+12 s; leftAt T0+72 s; not transferred.
   */
  it('caller answered after 12 s and hangs up at 72 s → answered, wait 12000 ms, left at the hang-up', () => {
    const segs = buildSegments([
      ev('ENTERQUEUE', 0, 'sales', 'c1', { data: { caller: '+4930111', position: '1' } }),
      ev('CONNECT', 12, 'sales', 'c1', { agentId: 'a1', data: { holdtime: '12' } }),
      ev('COMPLETECALLER', 72, 'sales', 'c1', { agentId: 'a1' }),
    ]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), callerNumber: '+4930111', outcome: 'answered', waitMs: 12_000, agentId: 'a1', answeredAt: at(12), leftAt: at(72) }]);
  });

  /* c1: enter 0 s, answer 30 s, the agent hangs up at 90 s → answered, wait 30000, leftAt T0+90 s. */
  it('agent hangs up (COMPLETEAGENT) → answered, left when the agent hung up', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('CONNECT', 30, 'sales', 'c1', { agentId: 'a1' }), ev('COMPLETEAGENT', 90, 'sales', 'c1', { agentId: 'a1' })]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome: 'answered', waitMs: 30_000, agentId: 'a1', answeredAt: at(30), leftAt: at(90) }]);
  });

  /* c1: enter 0 s, answer 5 s, agent transfers at 50 s → answered, transferred, leftAt T0+50 s, wait 5000. */
  it('agent transfers the call on → answered and transferred, left at the transfer', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('CONNECT', 5, 'sales', 'c1', { agentId: 'a1' }), ev('TRANSFER', 50, 'sales', 'c1', { agentId: 'a1' })]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome: 'answered', waitMs: 5000, agentId: 'a1', answeredAt: at(5), leftAt: at(50), transferred: true }]);
  });

  /* c1: enter 10 s, hangs up at 13 s → abandoned, wait 13 − 10 = 3 s = 3000 ms, leftAt T0+13 s, no agent. */
  it('caller hangs up after 3 s → abandoned, wait 3000 ms, no agent, no answer time', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 10, 'sales', 'c1'), ev('ABANDON', 13, 'sales', 'c1', { data: { waittime: '3' } })]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 10), outcome: 'abandoned', waitMs: 3000, leftAt: at(13) }]);
  });

  /*
   * Each unanswered exit: enter 0 s, leave at 40 s → that outcome, wait 40000 ms, leftAt T0+40 s.
   * (OVERFLOW with no ENTERQUEUE after it: overflowed to voicemail/callback/hang-up.)
   */
  it.each([
    ['EXITWITHTIMEOUT', 'timeout'],
    ['EXITWITHKEY', 'exit-key'],
    ['EXITEMPTY', 'empty'],
    ['EXITLOST', 'lost'],
    ['OVERFLOW', 'overflowed'],
  ] as const)('caller leaves unanswered with %s after 40 s → %s, wait 40000 ms', (event, outcome) => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev(event, 40, 'sales', 'c1')]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome, waitMs: 40_000, leftAt: at(40) }]);
  });

  /* c1 entered at 0 s and nothing else yet → waiting, wait 0 (not measured until the outcome), no leftAt. */
  it('caller still in the queue → waiting, wait 0 until it leaves', () => {
    expect(buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1')])).toStrictEqual([base('c1', 'sales', 0)]);
  });

  /* c1: enter 0 s, offered to a1 who does not answer (RINGNOANSWER 15 s), hangs up at 25 s → abandoned, wait 25000. */
  it('ring-no-answer then the caller hangs up at 25 s → abandoned, wait 25000 ms (the ring-no-answer changes nothing)', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('RINGNOANSWER', 15, 'sales', 'c1', { agentId: 'a1' }), ev('ABANDON', 25, 'sales', 'c1')]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome: 'abandoned', waitMs: 25_000, leftAt: at(25) }]);
  });

  /* c1: enter 0 s, answered 8 s, its server dies at 100 s (EXITLOST) → stays answered, wait 8000, leftAt T0+100 s. */
  it('EXITLOST of an answered call (its server died mid-talk) → stays answered, left at the EXITLOST', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('CONNECT', 8, 'sales', 'c1', { agentId: 'a1' }), ev('EXITLOST', 100, 'sales', 'c1')]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome: 'answered', waitMs: 8000, agentId: 'a1', answeredAt: at(8), leftAt: at(100) }]);
  });

  /*
   * c1: enter 0, answer 10, caller hangs up 60 (leftAt 60), then a late TRANSFER at 70 and an ABANDON at 80:
   *   the first end counts: leftAt T0+60 s, not transferred, still answered.
   */
  it('events after the visit ended (a late TRANSFER, an ABANDON) → the first end stands', () => {
    const segs = buildSegments([
      ev('ENTERQUEUE', 0, 'sales', 'c1'),
      ev('CONNECT', 10, 'sales', 'c1', { agentId: 'a1' }),
      ev('COMPLETECALLER', 60, 'sales', 'c1'),
      ev('TRANSFER', 70, 'sales', 'c1'),
      ev('ABANDON', 80, 'sales', 'c1'),
    ]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome: 'answered', waitMs: 10_000, agentId: 'a1', answeredAt: at(10), leftAt: at(60) }]);
  });

  /* c1: enter 0, CONNECT a1 at 10, a second CONNECT a2 at 20 → the first answer stands: a1, wait 10000. */
  it('a second CONNECT for an answered visit → ignored, the first agent and answer time stand', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('CONNECT', 10, 'sales', 'c1', { agentId: 'a1' }), ev('CONNECT', 20, 'sales', 'c1', { agentId: 'a2' })]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome: 'answered', waitMs: 10_000, agentId: 'a1', answeredAt: at(10) }]);
  });

  /* c1: enter 0, ABANDON 4, then a CONNECT at 6 → ignored (the visit is over): abandoned, wait 4000. */
  it('a CONNECT after the caller abandoned → ignored, stays abandoned', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('ABANDON', 4, 'sales', 'c1'), ev('CONNECT', 6, 'sales', 'c1', { agentId: 'a1' })]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome: 'abandoned', waitMs: 4000, leftAt: at(4) }]);
  });

  /* Server clocks: CONNECT stamped 1 s before the ENTERQUEUE (another server) → wait clamped to 0, not −1000. */
  it('a CONNECT stamped before the ENTERQUEUE (clock skew between servers) → wait 0, never negative', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 10, 'sales', 'c1'), ev('CONNECT', 9, 'sales', 'c1', { agentId: 'a1' })]);
    expect(segs[0]).toMatchObject({ outcome: 'answered', waitMs: 0, answeredAt: at(9) });
  });

  it('ENTERQUEUE with an empty caller and a CONNECT with an empty agent → neither field is set', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1', { data: { caller: '' } }), ev('CONNECT', 2, 'sales', 'c1', { agentId: '' })]);
    expect(segs).toStrictEqual([{ ...base('c1', 'sales', 0), outcome: 'answered', waitMs: 2000, answeredAt: at(2) }]);
  });
});

describe('buildSegments: overflow chains and re-entries', () => {
  /*
   * c1 enters sales at 0 s, overflows at 30 s; ENTERQUEUE support at the same ms (30 s) → chained;
   * answered in support at 45 s.
   *   sales:   overflowed, wait 30 − 0 = 30 s = 30000, leftAt 30 s
   *   support: seq 1, enteredAt 30 s, waitStartAt 0 s (the chain's start), wait 45 − 0 = 45 s = 45000
   */
  it('overflow from sales to support at the same ms, answered at 45 s → the wait continues: 45000 ms in support', () => {
    const segs = buildSegments([
      ev('ENTERQUEUE', 0, 'sales', 'c1', { data: { caller: '+4930111' } }),
      ev('OVERFLOW', 30, 'sales', 'c1', { data: { to: 'support', waittime: '30' } }),
      ev('ENTERQUEUE', 30, 'support', 'c1', { data: { caller: '+4930111' } }),
      ev('CONNECT', 45, 'support', 'c1', { agentId: 'a2' }),
      ev('COMPLETECALLER', 100, 'support', 'c1'),
    ]);
    expect(segs).toStrictEqual([
      { ...base('c1', 'sales', 0), callerNumber: '+4930111', outcome: 'overflowed', waitMs: 30_000, leftAt: at(30) },
      { ...base('c1', 'support', 30), seq: 1, waitStartAt: at(0), callerNumber: '+4930111', outcome: 'answered', waitMs: 45_000, agentId: 'a2', answeredAt: at(45), leftAt: at(100) },
    ]);
  });

  /*
   * Three queues: sales 0 → overflow 20 → support 20 → overflow 50 → billing 50 → ABANDON 100.
   *   sales wait 20000; support wait 50 − 0 = 50000; billing wait 100 − 0 = 100000, all waitStartAt T0.
   */
  it('two overflows (sales → support → billing), abandoned at 100 s → every visit measures from 0 s: 20000, 50000, 100000 ms', () => {
    const segs = buildSegments([
      ev('ENTERQUEUE', 0, 'sales', 'c1'),
      ev('OVERFLOW', 20, 'sales', 'c1'),
      ev('ENTERQUEUE', 20, 'support', 'c1'),
      ev('OVERFLOW', 50, 'support', 'c1'),
      ev('ENTERQUEUE', 50, 'billing', 'c1'),
      ev('ABANDON', 100, 'billing', 'c1'),
    ]);
    expect(segs.map((s) => [s.queue, s.seq, s.outcome, s.waitStartAt, s.waitMs])).toStrictEqual([
      ['sales', 0, 'overflowed', at(0), 20_000],
      ['support', 1, 'overflowed', at(0), 50_000],
      ['billing', 2, 'abandoned', at(0), 100_000],
    ]);
  });

  /* OVERFLOW at 30 s, ENTERQUEUE in support 1 ms later → not the same ms, no chain: support's wait starts at 30.001 s. */
  it('ENTERQUEUE 1 ms after the OVERFLOW → not a chain: the wait restarts', () => {
    const segs = buildSegments([
      ev('ENTERQUEUE', 0, 'sales', 'c1'),
      ev('OVERFLOW', 30, 'sales', 'c1'),
      ev('ENTERQUEUE', 30.001, 'support', 'c1'),
      ev('CONNECT', 40.001, 'support', 'c1', { agentId: 'a2' }),
    ]);
    expect(segs[1]).toMatchObject({ seq: 1, enteredAt: at(30.001), waitStartAt: at(30.001), waitMs: 10_000 });
  });

  /*
   * c1 enters sales at 0 s, presses a key at 20 s (EXITWITHKEY: leaves the queue by its own choice),
   * the IVR puts it back into sales at the same ms (20 s); answered at 25 s.
   *   visit 0: exit-key, wait 20000; visit 1: waitStartAt 20 s (restarts), wait 25 − 20 = 5 s = 5000.
   */
  it('re-entry after an exit key at the same ms → the wait restarts: 5000 ms, not 25000', () => {
    const segs = buildSegments([
      ev('ENTERQUEUE', 0, 'sales', 'c1'),
      ev('EXITWITHKEY', 20, 'sales', 'c1', { data: { key: '1' } }),
      ev('ENTERQUEUE', 20, 'sales', 'c1'),
      ev('CONNECT', 25, 'sales', 'c1', { agentId: 'a1' }),
    ]);
    expect(segs).toStrictEqual([
      { ...base('c1', 'sales', 0), outcome: 'exit-key', waitMs: 20_000, leftAt: at(20) },
      { ...base('c1', 'sales', 20), seq: 1, outcome: 'answered', waitMs: 5000, agentId: 'a1', answeredAt: at(25) },
    ]);
  });

  /* Same with a timeout: EXITWITHTIMEOUT at 60 s, back into support at 60 s, answered 70 s → support wait 10000. */
  it('re-entry after a timeout → the wait restarts', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('EXITWITHTIMEOUT', 60, 'sales', 'c1'), ev('ENTERQUEUE', 60, 'support', 'c1'), ev('CONNECT', 70, 'support', 'c1', { agentId: 'a2' })]);
    expect(segs.map((s) => [s.outcome, s.waitStartAt, s.waitMs])).toStrictEqual([
      ['timeout', at(0), 60_000],
      ['answered', at(60), 10_000],
    ]);
  });

  /*
   * Answered in sales (enter 0, answer 15), transferred to support at 60 s (TRANSFER then ENTERQUEUE support at 60):
   * the previous visit was answered, not overflowed → support's wait starts at 60 s; answered 64 s → 4000.
   */
  it('an answered call transferred into another queue → a new visit whose wait starts at the transfer', () => {
    const segs = buildSegments([
      ev('ENTERQUEUE', 0, 'sales', 'c1'),
      ev('CONNECT', 15, 'sales', 'c1', { agentId: 'a1' }),
      ev('TRANSFER', 60, 'sales', 'c1', { agentId: 'a1' }),
      ev('ENTERQUEUE', 60, 'support', 'c1'),
      ev('CONNECT', 64, 'support', 'c1', { agentId: 'a2' }),
    ]);
    expect(segs.map((s) => [s.queue, s.seq, s.outcome, s.transferred, s.waitStartAt, s.waitMs])).toStrictEqual([
      ['sales', 0, 'answered', true, at(0), 15_000],
      ['support', 1, 'answered', false, at(60), 4000],
    ]);
  });
});

describe('buildSegments: events that belong to no visit', () => {
  /* c9 and c8 have no ENTERQUEUE in the window (they entered before it was read) → no segments at all. */
  it('CONNECT, COMPLETECALLER and ABANDON of calls whose ENTERQUEUE was not seen → ignored, no segments', () => {
    expect(
      buildSegments([ev('CONNECT', 1, 'sales', 'c9', { agentId: 'a1' }), ev('COMPLETECALLER', 50, 'sales', 'c9'), ev('ABANDON', 2, 'sales', 'c8'), ev('EXITLOST', 3, 'sales', 'c7')]),
    ).toStrictEqual([]);
  });

  /* c1 waits in sales; a CONNECT naming support (not the queue it is in) → ignored, c1 still waiting. */
  it('an event naming a queue other than the one the call is in → ignored', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('CONNECT', 5, 'support', 'c1', { agentId: 'a2' })]);
    expect(segs).toStrictEqual([base('c1', 'sales', 0)]);
  });

  it('events without a call id or without a queue (absent or empty), and agent events (PAUSE, AGENTLOGIN) → ignored', () => {
    expect(
      buildSegments([
        ev('ENTERQUEUE', 0, 'sales', undefined),
        ev('ENTERQUEUE', 0, 'sales', ''),
        ev('ENTERQUEUE', 0, undefined, 'c1'),
        ev('ENTERQUEUE', 0, '', 'c2'),
        ev('PAUSE', 0, '', '', { agentId: 'a1', data: { reason: 'lunch' } }),
        ev('AGENTLOGIN', 0, undefined, undefined, { agentId: 'a1' }),
      ]),
    ).toStrictEqual([]);
  });

  /*
   * Interleaved: c1 enters 0, c2 enters 2, c2 answered 5 (a1), c1 abandons 9 →
   *   segments in order of entry: c1 abandoned wait 9000; c2 answered wait 3000.
   */
  it('two calls interleaved → each event goes to its own call; segments in order of entry', () => {
    const segs = buildSegments([ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('ENTERQUEUE', 2, 'sales', 'c2'), ev('CONNECT', 5, 'sales', 'c2', { agentId: 'a1' }), ev('ABANDON', 9, 'sales', 'c1')]);
    expect(segs.map((s) => [s.callId, s.outcome, s.waitMs])).toStrictEqual([
      ['c1', 'abandoned', 9000],
      ['c2', 'answered', 3000],
    ]);
  });
});

describe('SegmentBuilder (incremental)', () => {
  it('applied one event at a time → the same segment is updated in place: waiting, then answered, then left', () => {
    const b = new SegmentBuilder();
    b.apply(ev('ENTERQUEUE', 0, 'sales', 'c1'));
    expect(b.segments().map((s) => s.outcome)).toStrictEqual(['waiting']);
    b.apply(ev('CONNECT', 7, 'sales', 'c1', { agentId: 'a1' }));
    expect(b.segments()).toHaveLength(1);
    expect(b.segments()[0]).toMatchObject({ outcome: 'answered', waitMs: 7000 });
    expect(b.segments()[0]!.leftAt).toBeUndefined();
    b.apply(ev('COMPLETEAGENT', 30, 'sales', 'c1'));
    expect(b.segments()[0]).toMatchObject({ outcome: 'answered', leftAt: at(30) });
  });

  it('the same events through the builder and through buildSegments → equal segments', () => {
    const events = [ev('ENTERQUEUE', 0, 'sales', 'c1'), ev('OVERFLOW', 10, 'sales', 'c1'), ev('ENTERQUEUE', 10, 'support', 'c1'), ev('ABANDON', 12, 'support', 'c1')];
    const b = new SegmentBuilder();
    for (const e of events) b.apply(e);
    expect([...b.segments()]).toStrictEqual(buildSegments(events));
  });
});
