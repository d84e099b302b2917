/** Records as the JSON rows the upserts in sql.ts read (snake_case, epoch ms, null for absent). */
import type { Cdr, CallSummaryLeg } from '../core/cdr.js';
import type { QueueSegment } from '../core/segments.js';

export function cdrRow(c: Cdr): Record<string, unknown> {
  return {
    call_id: c.callId,
    direction: c.direction,
    caller_number: c.callerNumber,
    dialed_number: c.dialedNumber,
    started_at: c.startedAt,
    answered_at: c.answeredAt,
    ended_at: c.endedAt,
    duration_ms: c.durationMs,
    ivr_path: c.ivrPath,
    variables: c.variables,
    queues: c.queues,
    agents: c.agents,
    queue: c.queue,
    agent_id: c.agentId,
    wait_ms: c.waitMs,
    talk_ms: c.talkMs,
    hold_ms: c.holdMs,
    wrap_ms: c.wrapMs,
    disposition: c.disposition,
    short_abandon: c.shortAbandon,
    end_cause: c.endCause,
    transfers: c.transfers,
    recording_ids: c.recordingIds,
  };
}

export function legRows(callId: string, legs: readonly CallSummaryLeg[]): Record<string, unknown>[] {
  return legs.map((l) => ({
    leg_id: l.legId,
    call_id: callId,
    role: l.role,
    party: l.party,
    started_at: l.startedAt,
    answered_at: l.answeredAt ?? null,
    ended_at: l.endedAt ?? null,
    end_cause: l.endCause ?? null,
  }));
}

export function segmentRows(segments: readonly QueueSegment[], shortAbandonMs: number): Record<string, unknown>[] {
  return segments.map((s) => ({
    call_id: s.callId,
    seq: s.seq,
    queue: s.queue,
    caller_number: s.callerNumber ?? null,
    entered_at: s.enteredAt,
    left_at: s.leftAt ?? null,
    outcome: s.outcome,
    wait_ms: s.waitMs,
    agent_id: s.agentId ?? null,
    answered_at: s.answeredAt ?? null,
    talk_ms: s.talkMs,
    hold_ms: s.holdMs,
    wrap_ms: s.wrapMs,
    transferred: s.transferred,
    short_abandon: s.outcome === 'abandoned' && s.waitMs < shortAbandonMs,
  }));
}
