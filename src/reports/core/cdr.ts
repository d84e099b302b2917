/**
 * The CDR of one call, built from what the three journals say about it: the
 * call's summary (written by the server that carried it, when it ended), its
 * queue events and its agents' state changes. Pure and deterministic: the
 * same inputs give the same record, so rebuilding after a replay or a late
 * event (a wrap-up that ends minutes later) changes nothing else.
 *
 * Disposition, the first that applies:
 *   transferred   an agent passed the call on (blind or attended)
 *   answered      an agent answered it
 *   voicemail     the caller left a message
 *   callback      the caller asked to be called back
 *   abandoned     the caller hung up while queued (short abandon: wait < threshold)
 *   overflowed    the queue moved it on (timeout, no agents, key, overflow) and it ended elsewhere
 *   lost          its server died with it (no summary; the ACD closed its queue visit)
 *   ivr           it ended in the IVR (self-service or hang-up) without queueing
 *   failed        set-up failed
 */
import type { CallOutcome } from '../../calls/call.js';
import type { QueueLogEvent, QueueSegment } from './segments.js';
import { buildSegments } from './segments.js';

export interface Period {
  from: number;
  to: number;
}

export interface CallSummaryLeg {
  legId: string;
  role: string;
  /** Agent id or number. */
  party: string;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  endCause?: string;
}

/** What a server knows of a call when it ends (the `calls:log` stream). */
export interface CallSummary {
  v: 1;
  callId: string;
  direction: 'inbound' | 'outbound';
  caller: string;
  dialed?: string;
  startedAt: number;
  connectedAt?: number;
  endedAt: number;
  endCause: string;
  ivrPath: string[];
  variables: Record<string, string>;
  legs: CallSummaryLeg[];
  /** When the caller was on hold or waiting while the agent consulted. */
  holds: Period[];
  transfers: { kind: string; at: number; to: string; fromAgentId?: string }[];
  recordingIds: string[];
  outcomes: CallOutcome[];
}

/** The CDR dispositions (table cdrs' CHECK, migration 003). `machine`: an outbound call an answering machine took. */
export const CDR_DISPOSITIONS = ['answered', 'abandoned', 'overflowed', 'voicemail', 'callback', 'transferred', 'ivr', 'lost', 'failed', 'machine'] as const;
export type Disposition = (typeof CDR_DISPOSITIONS)[number];

export interface AgentStateEvent {
  agentId: string;
  at: number;
  from: string;
  to: string;
  callId?: string;
}

export interface Cdr {
  callId: string;
  direction: 'inbound' | 'outbound';
  callerNumber: string;
  dialedNumber: string | null;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  durationMs: number;
  ivrPath: string[];
  variables: Record<string, string>;
  queues: string[];
  agents: string[];
  /** The last queue it was in, the last agent who had it. */
  queue: string | null;
  agentId: string | null;
  waitMs: number;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  disposition: Disposition;
  shortAbandon: boolean;
  endCause: string | null;
  transfers: number;
  recordingIds: string[];
}

export interface CdrBuild {
  /** Undefined while the call is live (no summary and a queue visit still open). */
  cdr: Cdr | undefined;
  segments: QueueSegment[];
  legs: CallSummaryLeg[];
}

export interface CdrOptions {
  shortAbandonMs: number;
}

/** Milliseconds of `periods` inside [from, to). */
export function overlap(periods: readonly Period[], from: number, to: number): number {
  let sum = 0;
  for (const p of periods) sum += Math.max(0, Math.min(p.to, to) - Math.max(p.from, from));
  return sum;
}

/**
 * The wrap-up an agent did after `callId` (the first one from `after` on): from entering
 * wrap-up on that call to the agent's next state change.
 */
export function wrapUpMs(changes: readonly AgentStateEvent[], agentId: string, callId: string, after = -Infinity): number {
  const mine = changes.filter((c) => c.agentId === agentId).sort((a, b) => a.at - b.at);
  for (let i = 0; i < mine.length; i++) {
    const c = mine[i]!;
    // the first wrap-up after this answer (the same agent may answer the call twice: two visits)
    if (c.to !== 'wrap-up' || c.callId !== callId || c.at < after) continue;
    const end = mine[i + 1];
    return end === undefined ? 0 : end.at - c.at;
  }
  return 0;
}

export function buildCdr(summary: CallSummary | undefined, queueEvents: readonly QueueLogEvent[], agentChanges: readonly AgentStateEvent[], opts: CdrOptions): CdrBuild {
  const segments = buildSegments(queueEvents);
  for (const s of segments) {
    if (s.outcome !== 'answered' || s.answeredAt === undefined) continue;
    const end = s.leftAt ?? summary?.endedAt;
    if (end !== undefined) {
      s.holdMs = overlap(summary?.holds ?? [], s.answeredAt, end);
      s.talkMs = Math.max(0, end - s.answeredAt - s.holdMs);
    }
    if (s.agentId !== undefined) s.wrapMs = wrapUpMs(agentChanges, s.agentId, s.callId, s.answeredAt);
  }
  for (const s of segments) if (s.outcome === 'abandoned') s.wrapMs = 0;
  const legs = summary?.legs ?? [];
  const open = segments.some((s) => s.outcome === 'waiting' || (s.outcome === 'answered' && s.leftAt === undefined));
  if (summary === undefined && (segments.length === 0 || open)) return { cdr: undefined, segments, legs };

  const first = segments[0];
  const last = segments.at(-1);
  const answeredSegs = segments.filter((s) => s.outcome === 'answered');
  const legAgents = legs.filter((l) => l.role === 'agent' && l.answeredAt !== undefined).map((l) => l.party);
  const agents = [...new Set([...answeredSegs.map((s) => s.agentId).filter((a): a is string => a !== undefined), ...legAgents])];
  const transfers = summary?.transfers.length ?? segments.filter((s) => s.transferred).length;
  const answeredAt = answeredSegs[0]?.answeredAt ?? legs.find((l) => l.role === 'agent' && l.answeredAt !== undefined)?.answeredAt ?? null;
  // a visit still waiting when the call's summary says it ended: the caller hung up in the queue
  // (its ABANDON not read yet, or never written by a server that died)
  const lastAbandon = last?.outcome === 'abandoned' || (last?.outcome === 'waiting' && summary !== undefined) ? last : undefined;

  let disposition: Disposition;
  if (transfers > 0 && answeredAt !== null) disposition = 'transferred';
  else if (answeredAt !== null) disposition = 'answered';
  else if (summary?.outcomes.includes('machine') === true) disposition = 'machine';
  else if (summary?.outcomes.includes('voicemail') === true) disposition = 'voicemail';
  else if (summary?.outcomes.includes('callback') === true) disposition = 'callback';
  else if (lastAbandon !== undefined) disposition = 'abandoned';
  else if (last !== undefined && last.outcome === 'lost') disposition = 'lost';
  else if (last !== undefined) disposition = 'overflowed';
  else if (summary === undefined || summary.endCause === 'failed') disposition = 'failed';
  else disposition = 'ivr';

  const endedAt = summary?.endedAt ?? last?.leftAt ?? null;
  const startedAt = summary?.startedAt ?? first?.enteredAt ?? 0;
  const sum = (f: (s: QueueSegment) => number): number => answeredSegs.reduce((n, s) => n + f(s), 0);
  const lastWait = last?.outcome === 'waiting' && summary !== undefined ? Math.max(0, summary.endedAt - last.waitStartAt) : (last?.waitMs ?? 0);
  const waitMs = answeredSegs[0]?.waitMs ?? lastWait;
  const cdr: Cdr = {
    callId: summary?.callId ?? first?.callId ?? '',
    direction: summary?.direction ?? 'inbound',
    callerNumber: summary?.caller ?? first?.callerNumber ?? 'anonymous',
    dialedNumber: summary?.dialed ?? null,
    startedAt,
    answeredAt,
    endedAt,
    durationMs: endedAt === null ? 0 : Math.max(0, endedAt - startedAt),
    ivrPath: summary?.ivrPath ?? [],
    variables: summary?.variables ?? {},
    queues: [...new Set(segments.map((s) => s.queue))],
    agents,
    queue: last?.queue ?? null,
    agentId: agents.at(-1) ?? null,
    waitMs,
    talkMs: answeredSegs.length > 0 ? sum((s) => s.talkMs) : talkWithoutQueue(summary),
    holdMs: answeredSegs.length > 0 ? sum((s) => s.holdMs) : overlap(summary?.holds ?? [], summary?.connectedAt ?? 0, summary?.endedAt ?? 0),
    wrapMs: sum((s) => s.wrapMs),
    disposition,
    shortAbandon: disposition === 'abandoned' && lastAbandon !== undefined && lastWait < opts.shortAbandonMs,
    endCause: summary?.endCause ?? (queueEvents.some((e) => e.event === 'EXITLOST') ? 'lost' : null),
    transfers,
    recordingIds: summary?.recordingIds ?? [],
  };
  return { cdr, segments, legs };
}

/** A call connected without a queue (direct to an agent, IVR transfer): talk from connect to end, less hold. */
function talkWithoutQueue(summary: CallSummary | undefined): number {
  if (summary?.connectedAt === undefined) return 0;
  const total = summary.endedAt - summary.connectedAt;
  return Math.max(0, total - overlap(summary.holds, summary.connectedAt, summary.endedAt));
}
