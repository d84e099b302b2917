/**
 * Watches each call while it lives (holds, transfers, recordings) and, when it
 * ends, hands its summary — what only the server that carried it knows: the
 * numbers, the IVR path, the legs — to the call log. The queue side of the
 * record comes from the ACD journal; the records worker joins the two.
 */
import type { Call, CallState } from '../../calls/call.js';
import type { CallSummary, Period } from '../core/cdr.js';

const HOLDING = new Set<CallState>(['held', 'consulting']);

export function watchCall(call: Call, sink: (summary: CallSummary) => void): void {
  const holds: Period[] = [];
  let holdSince: number | undefined;
  const transfers: CallSummary['transfers'] = [];
  const recordingIds: string[] = [];

  call.on('state', (to) => {
    const now = Date.now();
    if (HOLDING.has(to)) holdSince ??= now;
    else if (holdSince !== undefined) {
      holds.push({ from: holdSince, to: now });
      holdSince = undefined;
    }
  });
  call.on('transferred', (kind, from, to) => {
    transfers.push({ kind, at: Date.now(), to: to.party, ...(from?.role === 'agent' ? { fromAgentId: from.party } : {}) });
  });
  call.on('recording', (event, id) => {
    if (event === 'started' && !recordingIds.includes(id)) recordingIds.push(id);
  });
  call.once('ended', () => {
    const endedAt = call.endedAt ?? Date.now();
    if (holdSince !== undefined) holds.push({ from: holdSince, to: endedAt });
    sink(summarize(call, { holds, transfers, recordingIds, endedAt }));
  });
}

export function summarize(call: Call, seen: { holds: Period[]; transfers: CallSummary['transfers']; recordingIds: string[]; endedAt: number }): CallSummary {
  return {
    v: 1,
    callId: call.id,
    direction: call.direction,
    caller: call.caller.party,
    ...(call.dialed === undefined ? {} : { dialed: call.dialed }),
    startedAt: call.startedAt,
    ...(call.connectedAt === undefined ? {} : { connectedAt: call.connectedAt }),
    endedAt: seen.endedAt,
    endCause: call.endCause ?? 'failed',
    ivrPath: [...call.ivrPath],
    variables: Object.fromEntries(call.variables),
    legs: call.legs.map((l) => ({
      legId: l.id,
      role: l.role,
      party: l.party,
      startedAt: l.createdAt,
      ...(l.answeredAt === undefined ? {} : { answeredAt: l.answeredAt }),
      ...(l.endedAt === undefined ? {} : { endedAt: l.endedAt }),
      ...(l.endCause === undefined ? {} : { endCause: l.endCause }),
    })),
    holds: seen.holds,
    transfers: seen.transfers,
    recordingIds: seen.recordingIds,
    outcomes: [...call.outcomes],
  };
}
