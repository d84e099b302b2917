/**
 * The CDR of one call (src/reports/core/cdr.ts) from its summary, its queue
 * events and its agents' state changes. Times are seconds after T0
 * (09:00:00 UTC, 15 March 2024); each expected figure is worked out in the
 * comment above its test. Short-abandon threshold 5 s.
 */
import { describe, expect, it } from 'vitest';
import type { JournalEventName } from '../../src/acd/types.js';
import { buildCdr, overlap, wrapUpMs, type AgentStateEvent, type CallSummary, type Cdr, type CdrBuild } from '../../src/reports/core/cdr.js';
import type { QueueLogEvent } from '../../src/reports/core/segments.js';

const T0 = Date.UTC(2024, 2, 15, 9, 0, 0);
const S = 1000;
const at = (s: number): number => T0 + Math.round(s * S);
const OPTS = { shortAbandonMs: 5 * S };

function ev(event: JournalEventName, s: number, queue: string, agentId?: string, data: Record<string, string> = {}): QueueLogEvent {
  return { event, time: at(s), queue, callId: 'c1', ...(agentId === undefined ? {} : { agentId }), data };
}

function st(agentId: string, s: number, from: string, to: string, callId = 'c1'): AgentStateEvent {
  return { agentId, at: at(s), from, to, callId };
}

/** c1's summary: in the IVR from −10 s, ended at 115 s; a test overrides what differs. */
function summary(o: Partial<CallSummary> = {}): CallSummary {
  return {
    v: 1,
    callId: 'c1',
    direction: 'inbound',
    caller: '+4930111',
    dialed: '+4930999',
    startedAt: at(-10),
    endedAt: at(115),
    endCause: 'caller-hangup',
    ivrPath: ['welcome', 'menu:1'],
    variables: { lang: 'de' },
    legs: [],
    holds: [],
    transfers: [],
    recordingIds: [],
    outcomes: [],
    ...o,
  };
}

const build = (s: CallSummary | undefined, events: QueueLogEvent[], changes: AgentStateEvent[] = []): CdrBuild => buildCdr(s, events, changes, OPTS);
const cdrOf = (s: CallSummary | undefined, events: QueueLogEvent[], changes: AgentStateEvent[] = []): Cdr => {
  const cdr = build(s, events, changes).cdr;
  if (cdr === undefined) throw new Error('no CDR');
  return cdr;
};

describe('buildCdr: an answered call, every field', () => {
  /*
   * c1: IVR from −10 s; enters sales at 0 s; a1 answers at 15 s; one hold 40–50 s; caller hangs up at 115 s.
   * a1: ringing 12 s, on-call 15 s, wrap-up 115 s, available 145 s (all on c1).
   *   wait 15 s; hold = [40, 50) ∩ [15, 115) = 10 s; talk = (115 − 15) − 10 = 90 s
   *   wrap = 145 − 115 = 30 s; duration = 115 − (−10) = 125 s
   */
  const events = [
    ev('ENTERQUEUE', 0, 'sales', undefined, { caller: '+4930111' }),
    ev('CONNECT', 15, 'sales', 'a1'),
    ev('COMPLETECALLER', 115, 'sales', 'a1'),
  ];
  const changes = [st('a1', 12, 'available', 'ringing'), st('a1', 15, 'ringing', 'on-call'), st('a1', 115, 'on-call', 'wrap-up'), st('a1', 145, 'wrap-up', 'available')];
  const legs = [
    { legId: 'l1', role: 'caller', party: '+4930111', startedAt: at(-10), answeredAt: at(-10), endedAt: at(115), endCause: 'caller-hangup' },
    { legId: 'l2', role: 'agent', party: 'a1', startedAt: at(12), answeredAt: at(15), endedAt: at(115), endCause: 'caller-hangup' },
  ];
  const sum = summary({ connectedAt: at(15), holds: [{ from: at(40), to: at(50) }], legs, recordingIds: ['r1'] });

  it('answered after 15 s, 10 s hold, 30 s wrap-up → answered; talk 90 s, hold 10 s, wrap 30 s, duration 125 s', () => {
    expect(cdrOf(sum, events, changes)).toStrictEqual({
      callId: 'c1',
      direction: 'inbound',
      callerNumber: '+4930111',
      dialedNumber: '+4930999',
      startedAt: at(-10),
      answeredAt: at(15),
      endedAt: at(115),
      durationMs: 125_000,
      ivrPath: ['welcome', 'menu:1'],
      variables: { lang: 'de' },
      queues: ['sales'],
      agents: ['a1'],
      queue: 'sales',
      agentId: 'a1',
      waitMs: 15_000,
      talkMs: 90_000,
      holdMs: 10_000,
      wrapMs: 30_000,
      disposition: 'answered',
      shortAbandon: false,
      endCause: 'caller-hangup',
      transfers: 0,
      recordingIds: ['r1'],
    });
  });

  it('the build also returns the visit with talk, hold and wrap filled in, and the summary legs', () => {
    const b = build(sum, events, changes);
    expect(b.segments).toHaveLength(1);
    expect(b.segments[0]).toMatchObject({ outcome: 'answered', waitMs: 15_000, talkMs: 90_000, holdMs: 10_000, wrapMs: 30_000 });
    expect(b.legs).toStrictEqual(legs);
  });

  it('same inputs twice → deep-equal CDRs and segments; the inputs are not changed', () => {
    const before = structuredClone({ sum, events, changes });
    const one = build(sum, events, changes);
    const two = build(sum, events, changes);
    expect(two).toStrictEqual(one);
    expect({ sum, events, changes }).toStrictEqual(before);
  });

  it('agent state changes in another order → the same CDR (wrap-up is measured on the agent timeline)', () => {
    expect(cdrOf(sum, events, [...changes].reverse())).toStrictEqual(cdrOf(sum, events, changes));
  });
});

describe('buildCdr: dispositions', () => {
  /*
   * Answered in sales (a1, 15 s), blind transfer at 60 s to an outside number; the call goes on to 200 s.
   *   transfers 1 → transferred; talk is the answered visit's: 60 − 15 = 45 s; duration 200 − (−10) = 210 s.
   */
  it('agent passes the call on (summary has a transfer) → transferred, talk only the agent’s 45 s', () => {
    const cdr = cdrOf(summary({ endedAt: at(200), connectedAt: at(15), transfers: [{ kind: 'blind', at: at(60), to: '+4930777', fromAgentId: 'a1' }] }), [
      ev('ENTERQUEUE', 0, 'sales'),
      ev('CONNECT', 15, 'sales', 'a1'),
      ev('TRANSFER', 60, 'sales', 'a1'),
    ]);
    expect(cdr).toMatchObject({ disposition: 'transferred', transfers: 1, talkMs: 45_000, holdMs: 0, durationMs: 210_000, agentId: 'a1', waitMs: 15_000 });
  });

  /* No summary yet, but the journal has the TRANSFER (the visit is closed) → a CDR from the journal: transfers 1 → transferred; ends at 60 s. */
  it('no summary, journal TRANSFER → transferred, counted from the journal', () => {
    const cdr = cdrOf(undefined, [ev('ENTERQUEUE', 0, 'sales'), ev('CONNECT', 15, 'sales', 'a1'), ev('TRANSFER', 60, 'sales', 'a1')]);
    expect(cdr).toMatchObject({ disposition: 'transferred', transfers: 1, startedAt: at(0), endedAt: at(60), durationMs: 60_000, talkMs: 45_000, endCause: null });
  });

  /* An outbound campaign call an answering machine took: never queued, the dialer dropped it or left its message. */
  it('outbound call answered by a machine → machine, no agent, no wait', () => {
    const cdr = cdrOf(summary({ endedAt: at(12), outcomes: ['machine'] }), []);
    expect(cdr).toMatchObject({ disposition: 'machine', answeredAt: null, agents: [], agentId: null, waitMs: 0 });
  });

  /* Overflowed to voicemail after 60 s (OVERFLOW, no ENTERQUEUE after); summary says a message was left → voicemail, wait 60 s. */
  it('caller overflowed to voicemail and left a message → voicemail, wait 60 s, no agent', () => {
    const cdr = cdrOf(summary({ endedAt: at(120), outcomes: ['voicemail'] }), [ev('ENTERQUEUE', 0, 'sales'), ev('OVERFLOW', 60, 'sales', undefined, { to: 'voicemail' })]);
    expect(cdr).toMatchObject({ disposition: 'voicemail', waitMs: 60_000, answeredAt: null, agents: [], agentId: null, queue: 'sales', talkMs: 0, holdMs: 0, wrapMs: 0, shortAbandon: false });
  });

  /* Pressed 1 for a callback at 30 s (EXITWITHKEY) → callback, wait 30 s. */
  it('caller pressed a key to be called back → callback, wait 30 s', () => {
    const cdr = cdrOf(summary({ endedAt: at(40), outcomes: ['callback'] }), [ev('ENTERQUEUE', 0, 'sales'), ev('EXITWITHKEY', 30, 'sales', undefined, { key: '1' })]);
    expect(cdr).toMatchObject({ disposition: 'callback', waitMs: 30_000 });
  });

  /* Abandoned after 12 s (≥ 5 s) → abandoned, not short; wait 12 s; duration 12 − (−10) = 22 s. */
  it('caller hangs up after 12 s in the queue → abandoned, not a short abandon', () => {
    const cdr = cdrOf(summary({ endedAt: at(12) }), [ev('ENTERQUEUE', 0, 'sales'), ev('ABANDON', 12, 'sales')]);
    expect(cdr).toMatchObject({ disposition: 'abandoned', shortAbandon: false, waitMs: 12_000, durationMs: 22_000, answeredAt: null, wrapMs: 0 });
  });

  /* Threshold 5 s: 3 s and 4.999 s are short (< 5); exactly 5 s and 12 s are not. */
  it.each([
    [3, true],
    [4.999, true],
    [5, false],
    [12, false],
  ])('caller abandons after %s s with short-abandon threshold 5 s → shortAbandon %s', (waitS, short) => {
    const cdr = cdrOf(summary({ endedAt: at(waitS) }), [ev('ENTERQUEUE', 0, 'sales'), ev('ABANDON', waitS, 'sales')]);
    expect(cdr).toMatchObject({ disposition: 'abandoned', shortAbandon: short, waitMs: Math.round(waitS * S) });
  });

  /* sales 0 → OVERFLOW 20 → support 20 (chained) → ABANDON 50 → abandoned; wait from the first queue: 50 s; last queue support. */
  it('overflowed from sales to support, then hung up → abandoned, wait 50 s from entering sales, queue support', () => {
    const cdr = cdrOf(summary({ endedAt: at(50) }), [ev('ENTERQUEUE', 0, 'sales'), ev('OVERFLOW', 20, 'sales'), ev('ENTERQUEUE', 20, 'support'), ev('ABANDON', 50, 'support')]);
    expect(cdr).toMatchObject({ disposition: 'abandoned', waitMs: 50_000, queues: ['sales', 'support'], queue: 'support' });
  });

  /* Timed out (300 s), no agents (EXITEMPTY 0 s), pressed a key (20 s), overflowed to hang-up (60 s); no voicemail/callback → overflowed. */
  it.each([
    ['EXITWITHTIMEOUT', 300],
    ['EXITEMPTY', 0],
    ['EXITWITHKEY', 20],
    ['OVERFLOW', 60],
  ] as const)('queue moved the caller on (%s after %s s) and the call ended elsewhere → overflowed', (event, s) => {
    const cdr = cdrOf(summary({ endedAt: at(s + 10) }), [ev('ENTERQUEUE', 0, 'sales'), ev(event, s, 'sales')]);
    expect(cdr).toMatchObject({ disposition: 'overflowed', waitMs: s * S, shortAbandon: false, answeredAt: null });
  });

  /*
   * No summary (its server died), the ACD closed the visit with EXITLOST at 40 s → lost; everything from the journal:
   *   started at the ENTERQUEUE (0 s), ended at the EXITLOST (40 s) → 40 s; caller from the ENTERQUEUE; end cause 'lost'.
   */
  it('server died with the caller in the queue (no summary, EXITLOST at 40 s) → lost, 40 s, from the journal alone', () => {
    expect(cdrOf(undefined, [ev('ENTERQUEUE', 0, 'sales', undefined, { caller: '+4930111' }), ev('EXITLOST', 40, 'sales')])).toStrictEqual({
      callId: 'c1',
      direction: 'inbound',
      callerNumber: '+4930111',
      dialedNumber: null,
      startedAt: at(0),
      answeredAt: null,
      endedAt: at(40),
      durationMs: 40_000,
      ivrPath: [],
      variables: {},
      queues: ['sales'],
      agents: [],
      queue: 'sales',
      agentId: null,
      waitMs: 40_000,
      talkMs: 0,
      holdMs: 0,
      wrapMs: 0,
      disposition: 'lost',
      shortAbandon: false,
      endCause: 'lost',
      transfers: 0,
      recordingIds: [],
    });
  });

  /* Anonymous ENTERQUEUE (no caller) and no summary → callerNumber 'anonymous'. */
  it('lost call whose ENTERQUEUE had no caller number → callerNumber "anonymous"', () => {
    expect(cdrOf(undefined, [ev('ENTERQUEUE', 0, 'sales'), ev('EXITLOST', 5, 'sales')]).callerNumber).toBe('anonymous');
  });

  /* Answered at 8 s, its server died at 100 s (EXITLOST of an answered visit), no summary → still answered; talk 100 − 8 = 92 s. */
  it('server died mid-talk (answered, then EXITLOST, no summary) → answered, talk 92 s to the EXITLOST', () => {
    const cdr = cdrOf(undefined, [ev('ENTERQUEUE', 0, 'sales'), ev('CONNECT', 8, 'sales', 'a1'), ev('EXITLOST', 100, 'sales')]);
    expect(cdr).toMatchObject({ disposition: 'answered', answeredAt: at(8), endedAt: at(100), talkMs: 92_000, waitMs: 8000, agentId: 'a1' });
  });

  /* Only the IVR (no queue events, no agent, never connected) → ivr; talk 0; no queue. */
  it('call ended in the IVR without queueing → ivr, no queue, talk 0', () => {
    const cdr = cdrOf(summary({ endedAt: at(30), ivrPath: ['welcome', 'opening-hours'] }), []);
    expect(cdr).toMatchObject({ disposition: 'ivr', queue: null, queues: [], agentId: null, talkMs: 0, holdMs: 0, waitMs: 0, durationMs: 40_000, endCause: 'caller-hangup' });
  });

  /* Set-up failed: summary with end cause 'failed', nothing else → failed. */
  it('call set-up failed → failed', () => {
    expect(cdrOf(summary({ endedAt: at(-9), endCause: 'failed', ivrPath: [] }), []).disposition).toBe('failed');
  });

  /*
   * Direct to agent a7 (no queue): connected at 5 s, hold 20–30 s, ended 65 s.
   *   answeredAt from the agent leg (5 s); talk (65 − 5) − 10 = 50 s; hold 10 s; wait 0; agent a7.
   */
  it('call put straight through to an agent (no queue) → answered from the agent leg; talk 50 s, hold 10 s', () => {
    const cdr = cdrOf(
      summary({
        connectedAt: at(5),
        endedAt: at(65),
        holds: [{ from: at(20), to: at(30) }],
        legs: [{ legId: 'l2', role: 'agent', party: 'a7', startedAt: at(1), answeredAt: at(5), endedAt: at(65) }],
      }),
      [],
    );
    expect(cdr).toMatchObject({ disposition: 'answered', answeredAt: at(5), agents: ['a7'], agentId: 'a7', queue: null, talkMs: 50_000, holdMs: 10_000, waitMs: 0 });
  });

  it('an agent leg that never answered → not an agent of the call; the call is not answered', () => {
    const cdr = cdrOf(summary({ endedAt: at(30), legs: [{ legId: 'l2', role: 'agent', party: 'a7', startedAt: at(1), endedAt: at(20), endCause: 'no-answer' }] }), []);
    expect(cdr).toMatchObject({ disposition: 'ivr', agents: [], answeredAt: null });
  });
});

describe('buildCdr: disposition precedence', () => {
  it('answered and later sent to voicemail by the agent (no transfer recorded) → answered (answered > voicemail)', () => {
    const cdr = cdrOf(summary({ outcomes: ['voicemail'] }), [ev('ENTERQUEUE', 0, 'sales'), ev('CONNECT', 15, 'sales', 'a1'), ev('COMPLETEAGENT', 40, 'sales', 'a1')]);
    expect(cdr.disposition).toBe('answered');
  });

  it('both voicemail and callback outcomes → voicemail (voicemail > callback)', () => {
    const cdr = cdrOf(summary({ outcomes: ['callback', 'voicemail'] }), [ev('ENTERQUEUE', 0, 'sales'), ev('OVERFLOW', 60, 'sales')]);
    expect(cdr.disposition).toBe('voicemail');
  });

  it('abandoned visit but the caller asked for a callback → callback (callback > abandoned)', () => {
    const cdr = cdrOf(summary({ outcomes: ['callback'] }), [ev('ENTERQUEUE', 0, 'sales'), ev('ABANDON', 30, 'sales')]);
    expect(cdr.disposition).toBe('callback');
  });

  /* The last visit decides among abandoned / lost / overflowed: timeout in sales, then abandoned in support (not chained) → abandoned. */
  it('timed out of sales, then abandoned in support → abandoned (the last visit decides)', () => {
    const cdr = cdrOf(summary(), [ev('ENTERQUEUE', 0, 'sales'), ev('EXITWITHTIMEOUT', 60, 'sales'), ev('ENTERQUEUE', 60, 'support'), ev('ABANDON', 70, 'support')]);
    expect(cdr).toMatchObject({ disposition: 'abandoned', waitMs: 10_000, shortAbandon: false });
  });

  it('pressed a key out of sales, re-queued, then lost with its server (no summary) → lost', () => {
    const cdr = cdrOf(undefined, [ev('ENTERQUEUE', 0, 'sales'), ev('EXITWITHKEY', 20, 'sales'), ev('ENTERQUEUE', 20, 'sales'), ev('EXITLOST', 50, 'sales')]);
    expect(cdr).toMatchObject({ disposition: 'lost', waitMs: 30_000, endedAt: at(50), durationMs: 50_000 });
  });

  /*
   * Answered in sales by a1 (15 s), transferred into support at 60 s, where the caller hangs up after 2 s (62 s):
   * transferred (transferred > abandoned). The 2 s abandon in support is a short abandon of that visit (the queue
   * report counts it), but the call was not abandoned: the CDR's shortAbandon qualifies the abandoned disposition,
   * so it is false here.
   */
  it('answered, transferred into another queue, then a 2 s hang-up there → transferred, and not flagged a short abandon', () => {
    const cdr = cdrOf(summary({ endedAt: at(62), transfers: [{ kind: 'blind', at: at(60), to: 'support', fromAgentId: 'a1' }] }), [
      ev('ENTERQUEUE', 0, 'sales'),
      ev('CONNECT', 15, 'sales', 'a1'),
      ev('TRANSFER', 60, 'sales', 'a1'),
      ev('ENTERQUEUE', 60, 'support'),
      ev('ABANDON', 62, 'support'),
    ]);
    expect(cdr.disposition).toBe('transferred');
    expect(cdr.shortAbandon).toBe(false);
  });
});

describe('buildCdr: hold and wrap-up across two answered visits', () => {
  /*
   * c1: IVR from −10 s (held by the IVR 5–10 s: outside any answered visit); sales at 0 s, a1 answers at 15 s,
   *     consults (hold 50–55 s), holds again from 58 s while transferring into support at 60 s, a2 answers at 70 s
   *     (the hold ends there), holds 100–104 s; a2 hangs up at 130 s.
   *   visit 1 [15, 60): hold (50–55) 5 s + (58–60) 2 s = 7 s; talk 45 − 7 = 38 s
   *   visit 2 [70, 130): hold (100–104) 4 s (58–70 ends as it starts: 0); talk 60 − 4 = 56 s
   *   hold 5–10 s and 60–70 s: in no answered visit → not counted
   *   CDR: talk 38 + 56 = 94 s; hold 7 + 4 = 11 s; wait of the first answer 15 s
   *   wrap: a1 wrap-up on c9 (−20 s → −15 s: another call, ignored), on c1 60 s → available 62 s = 2 s;
   *         a2 wrap-up on c1 at 130 s, no next change yet → 0 (open) → wrap 2 s.
   *   Later a2 becomes available at 150 s → its wrap is 20 s → rebuilt CDR wrap 22 s.
   */
  const events = [
    ev('ENTERQUEUE', 0, 'sales'),
    ev('CONNECT', 15, 'sales', 'a1'),
    ev('TRANSFER', 60, 'sales', 'a1'),
    ev('ENTERQUEUE', 60, 'support'),
    ev('CONNECT', 70, 'support', 'a2'),
    ev('COMPLETEAGENT', 130, 'support', 'a2'),
  ];
  const sum = summary({
    connectedAt: at(15),
    endedAt: at(130),
    holds: [
      { from: at(5), to: at(10) },
      { from: at(50), to: at(55) },
      { from: at(58), to: at(70) },
      { from: at(100), to: at(104) },
    ],
    transfers: [{ kind: 'blind', at: at(60), to: 'support', fromAgentId: 'a1' }],
  });
  const changes = [
    st('a1', -20, 'on-call', 'wrap-up', 'c9'),
    st('a1', -15, 'wrap-up', 'available', 'c9'),
    st('a1', 15, 'ringing', 'on-call'),
    st('a1', 60, 'on-call', 'wrap-up'),
    st('a1', 62, 'wrap-up', 'available'),
    st('a2', 70, 'ringing', 'on-call'),
    st('a2', 130, 'on-call', 'wrap-up'),
  ];

  it('hold inside each answered visit counts, hold outside them does not → talk 94 s, hold 11 s', () => {
    const b = build(sum, events, changes);
    expect(b.segments.map((s) => [s.queue, s.agentId, s.talkMs, s.holdMs, s.wrapMs])).toStrictEqual([
      ['sales', 'a1', 38_000, 7000, 2000],
      ['support', 'a2', 56_000, 4000, 0],
    ]);
    expect(b.cdr).toMatchObject({
      disposition: 'transferred',
      transfers: 1,
      talkMs: 94_000,
      holdMs: 11_000,
      wrapMs: 2000,
      waitMs: 15_000,
      answeredAt: at(15),
      queues: ['sales', 'support'],
      queue: 'support',
      agents: ['a1', 'a2'],
      agentId: 'a2',
    });
  });

  it('wrap-up still open (no next state change yet) → 0; the later change arrives → rebuilt with the 20 s wrap-up', () => {
    expect(cdrOf(sum, events, changes).wrapMs).toBe(2000);
    expect(cdrOf(sum, events, [...changes, st('a2', 150, 'wrap-up', 'available')]).wrapMs).toBe(22_000);
  });

  /*
   * The same agent answers the call twice: a1 answers in sales at 15 s, transfers it into support at 60 s
   * (wrap-up 60 → 62 s = 2 s), and, being in support too, answers it again at 70 s; hangs up at 130 s
   * (wrap-up 130 → 150 s = 20 s). Each visit has its own wrap-up: 2 s and 20 s → the call's wrap 22 s.
   */
  it('the same agent answers the call in two visits → each visit gets its own wrap-up (2 s + 20 s = 22 s), not the first twice', () => {
    const twice = events.map((e) => (e.agentId === 'a2' ? { ...e, agentId: 'a1' } : e));
    const b = build(sum, twice, [
      st('a1', 15, 'ringing', 'on-call'),
      st('a1', 60, 'on-call', 'wrap-up'),
      st('a1', 62, 'wrap-up', 'available'),
      st('a1', 70, 'ringing', 'on-call'),
      st('a1', 130, 'on-call', 'wrap-up'),
      st('a1', 150, 'wrap-up', 'available'),
    ]);
    expect(b.segments.map((s) => s.wrapMs)).toStrictEqual([2000, 20_000]);
    expect(b.cdr?.wrapMs).toBe(22_000);
  });
});

describe('buildCdr: live calls', () => {
  it('no summary and the caller still waiting → no CDR yet (the visit is returned)', () => {
    const b = build(undefined, [ev('ENTERQUEUE', 0, 'sales')]);
    expect(b.cdr).toBeUndefined();
    expect(b.segments.map((s) => s.outcome)).toStrictEqual(['waiting']);
    expect(b.legs).toStrictEqual([]);
  });

  it('no summary and the call answered but not ended → no CDR yet', () => {
    const b = build(undefined, [ev('ENTERQUEUE', 0, 'sales'), ev('CONNECT', 15, 'sales', 'a1')]);
    expect(b.cdr).toBeUndefined();
    expect(b.segments[0]).toMatchObject({ outcome: 'answered', talkMs: 0, holdMs: 0 });
  });

  it('no summary, overflowed and waiting in the next queue → no CDR yet', () => {
    expect(build(undefined, [ev('ENTERQUEUE', 0, 'sales'), ev('OVERFLOW', 20, 'sales'), ev('ENTERQUEUE', 20, 'support')]).cdr).toBeUndefined();
  });

  it('no summary and no queue events → no CDR', () => {
    expect(build(undefined, [])).toStrictEqual({ cdr: undefined, segments: [], legs: [] });
  });

  /* Summary says it ended at 75 s; the journal's COMPLETECALLER is not in yet: talk runs to the summary's end, 75 − 15 = 60 s. */
  it('summary present while the journal has not closed the answered visit → a CDR, talk to the summary’s end (60 s)', () => {
    const cdr = cdrOf(summary({ endedAt: at(75) }), [ev('ENTERQUEUE', 0, 'sales'), ev('CONNECT', 15, 'sales', 'a1')]);
    expect(cdr).toMatchObject({ disposition: 'answered', talkMs: 60_000, endedAt: at(75) });
  });
});

describe('overlap and wrapUpMs', () => {
  /* [0,10) ∩ [5,20) = 5; [12,15) inside = 3; [25,30) outside = 0; [18,22) straddles the end = 2 → 10 s. */
  it('overlap of periods with [from, to) → only the parts inside', () => {
    const p = [
      { from: at(0), to: at(10) },
      { from: at(12), to: at(15) },
      { from: at(25), to: at(30) },
      { from: at(18), to: at(22) },
    ];
    expect(overlap(p, at(5), at(20))).toBe(10_000);
    expect(overlap([], at(0), at(100))).toBe(0);
  });

  it('wrapUpMs: the first wrap-up on that call to the agent’s next change; none, or still open → 0', () => {
    const changes = [st('a1', 10, 'on-call', 'wrap-up'), st('a2', 12, 'available', 'paused'), st('a1', 25, 'wrap-up', 'paused')];
    expect(wrapUpMs(changes, 'a1', 'c1')).toBe(15_000); // 25 − 10 (a2's change at 12 is another agent's)
    expect(wrapUpMs(changes, 'a1', 'c2')).toBe(0);
    expect(wrapUpMs([st('a1', 10, 'on-call', 'wrap-up')], 'a1', 'c1')).toBe(0);
  });
});
