/**
 * A scripted day of calls through the real ACD store (its Lua scripts, under
 * a test prefix, with explicit clock values) and the real call log: what the
 * server writes for each call, without SIP or media, so a test can run a
 * whole day in a second and know every figure by hand.
 *
 * Every call's actions become timed steps, run in time order (ties in the
 * order written), so calls interleave as they would live. The script must be
 * possible: an agent answering must be free at that moment.
 */
import type { AcdStore } from '../../src/acd/store/acd-store.js';
import type { CallSummary } from '../../src/reports/core/cdr.js';
import type { CallLog } from '../../src/reports/records/call-log.js';

/** `wrapDone`: the agent ends the wrap-up itself ("wrap-up done") at wrapMs, instead of the ACD's sweep at its end. */
export type Handling = { agent: string; afterMs: number; talkMs: number; hold?: { atMs: number; forMs: number }; wrapMs?: number; wrapDone?: boolean; transfer?: boolean; agentHangs?: boolean };

export interface ScriptedCall {
  callId: string;
  queue: string;
  caller: string;
  /** When the caller enters the queue. */
  at: number;
  /** Time in the IVR before queueing (the call starts at at − ivrMs). */
  ivrMs?: number;
  answer?: Handling;
  abandon?: { afterMs: number };
  timeout?: { afterMs: number };
  /** Overflow to another queue after afterMs, then what happens there. */
  overflow?: { afterMs: number; to: string; then: Pick<ScriptedCall, 'answer' | 'abandon' | 'timeout'> };
  /** Leave no summary (the server died): only the queue side exists. */
  noSummary?: boolean;
}

interface Step {
  at: number;
  n: number;
  run: () => Promise<unknown>;
}

export interface ScriptOptions {
  store: AcdStore;
  callLog: CallLog;
  /** Agents logged in (available) at this time, logged out at `until`. */
  agents: { id: string; from: number; until: number; pauses?: { at: number; forMs: number; reason: string }[] }[];
}

export async function runScript(calls: readonly ScriptedCall[], opts: ScriptOptions): Promise<CallSummary[]> {
  const { store, callLog } = opts;
  const steps: Step[] = [];
  let n = 0;
  const step = (at: number, run: () => Promise<unknown>): void => {
    steps.push({ at, n: n++, run });
  };
  for (const a of opts.agents) {
    step(a.from, () => store.agentState(a.id, 'available', 'login', a.from));
    for (const p of a.pauses ?? []) {
      step(p.at, () => store.agentState(a.id, 'paused', 'pause', p.at, { reason: p.reason }));
      step(p.at + p.forMs, () => store.agentState(a.id, 'available', 'ready', p.at + p.forMs));
    }
    step(a.until, () => store.agentState(a.id, 'logged-out', 'logout', a.until, { force: true }));
  }
  const summaries: CallSummary[] = [];

  for (const c of calls) {
    const startedAt = c.at - (c.ivrMs ?? 0);
    const summary: CallSummary = {
      v: 1,
      callId: c.callId,
      direction: 'inbound',
      caller: c.caller,
      dialed: '100',
      startedAt,
      endedAt: startedAt,
      endCause: 'caller-hangup',
      ivrPath: ['start', 'menu', 'queue'],
      variables: { account: `acct-${c.callId}` },
      legs: [{ legId: `${c.callId}-caller`, role: 'caller', party: c.caller, startedAt, answeredAt: startedAt }],
      holds: [],
      transfers: [],
      recordingIds: [],
      outcomes: [],
    };
    step(c.at, () => store.enqueue({ callId: c.callId, queue: c.queue, priority: 0, owner: 'script', maxLength: 0, caller: c.caller }, c.at));
    const outcome = (o: Pick<ScriptedCall, 'answer' | 'abandon' | 'timeout'>, queue: string, since: number): void => {
      if (o.answer !== undefined) {
        const h = o.answer;
        const ringAt = since + h.afterMs - 3000;
        const answerAt = since + h.afterMs;
        step(Math.max(since, ringAt), async () => {
          await store.reserve(c.callId, queue, [{ id: h.agent, maxOffers: 1 }], Math.max(since, ringAt));
          await store.ring(c.callId, h.agent, 60_000, Math.max(since, ringAt));
        });
        step(answerAt, () => store.answer(c.callId, h.agent, queue, answerAt));
        const endAt = answerAt + h.talkMs + (h.hold?.forMs ?? 0);
        // a wrap-up the agent ends itself is set longer (10 min) than it takes
        const wrapSetMs = h.wrapDone === true ? 600_000 : (h.wrapMs ?? 0);
        step(endAt, () => store.complete(c.callId, h.transfer === true ? 'TRANSFER' : h.agentHangs === true ? 'COMPLETEAGENT' : 'COMPLETECALLER', wrapSetMs, {}, endAt));
        if (h.wrapDone === true) {
          const doneAt = endAt + (h.wrapMs ?? 0);
          step(doneAt, () => store.agentState(h.agent, 'available', 'wrap-up-done', doneAt, { onlyFrom: ['wrap-up'] }));
        } else if ((h.wrapMs ?? 0) > 0) step(endAt + h.wrapMs!, () => store.sweep(endAt + h.wrapMs!));
        if (h.hold !== undefined) summary.holds.push({ from: answerAt + h.hold.atMs, to: answerAt + h.hold.atMs + h.hold.forMs });
        if (h.transfer === true) summary.transfers.push({ kind: 'blind', at: endAt, to: '5551234', fromAgentId: h.agent });
        summary.connectedAt ??= answerAt;
        summary.legs.push({ legId: `${c.callId}-${h.agent}`, role: 'agent', party: h.agent, startedAt: answerAt - 3000, answeredAt: answerAt, endedAt: endAt, endCause: 'hangup-remote' });
        summary.endedAt = endAt;
        summary.endCause = h.agentHangs === true ? 'agent-hangup' : 'caller-hangup';
      } else if (o.abandon !== undefined) {
        const t = since + o.abandon.afterMs;
        step(t, () => store.leave(c.callId, 'ABANDON', {}, t));
        summary.endedAt = t;
      } else if (o.timeout !== undefined) {
        const t = since + o.timeout.afterMs;
        step(t, () => store.leave(c.callId, 'EXITWITHTIMEOUT', { reason: 'max-wait', target: 'hangup' }, t));
        summary.endedAt = t + 4000;
        summary.endCause = 'no-agent';
      }
    };
    if (c.overflow !== undefined) {
      const t = c.at + c.overflow.afterMs;
      const to = c.overflow.to;
      step(t, () => store.move(c.callId, to, 'max-wait', 0, t));
      outcome(c.overflow.then, to, t);
    } else outcome(c, c.queue, c.at);
    if (c.noSummary !== true) summaries.push(summary);
  }
  steps.sort((a, b) => a.at - b.at || a.n - b.n);
  for (const s of steps) await s.run();
  for (const s of summaries) callLog.append(s);
  await callLog.flush();
  return summaries;
}
