/**
 * The records worker's SQL. Rows travel as one JSON array parameter
 * (jsonb_to_recordset), so a batch is one statement whatever its size, on
 * PostgreSQL and PGlite alike. Every insert is ON CONFLICT: a replayed batch
 * changes nothing (raw logs) or writes the same values again (derived rows).
 */

/** Stream order of a '<ms>-<seq>' id (text order would put 10 before 9). */
export const STREAM_ORDER = `split_part(stream_id, '-', 1)::bigint, split_part(stream_id, '-', 2)::bigint`;

/** Epoch milliseconds of a timestamptz column. */
export const ms = (col: string): string => `(extract(epoch from ${col}) * 1000)::float8`;

export const LOCK = `SELECT pg_advisory_xact_lock(hashtext('hotline.records'), 0)`;

export const READ_CHECKPOINTS = `SELECT source, last_id FROM ingest_checkpoints`;
export const READ_CHECKPOINT = `SELECT last_id FROM ingest_checkpoints WHERE source = $1`;

export const INSERT_REJECT = `
INSERT INTO ingest_rejects (source, stream_id, error, payload) VALUES ($1, $2, $3, $4)
ON CONFLICT (source, stream_id) DO NOTHING`;

export const WRITE_CHECKPOINTS = `
INSERT INTO ingest_checkpoints (source, last_id, updated_at)
SELECT r.source, r.last_id, now() FROM jsonb_to_recordset($1::jsonb) AS r(source text, last_id text)
ON CONFLICT (source) DO UPDATE SET last_id = EXCLUDED.last_id, updated_at = EXCLUDED.updated_at`;

export const INSERT_QUEUE_LOG = `
INSERT INTO queue_log (stream_id, at, event, queue, call_id, agent_id, data)
SELECT r.stream_id, to_timestamp(r.at / 1000.0), r.event, NULLIF(r.queue, ''), NULLIF(r.call_id, ''), NULLIF(r.agent_id, ''), r.data
FROM jsonb_to_recordset($1::jsonb) AS r(stream_id text, at float8, event text, queue text, call_id text, agent_id text, data jsonb)
ON CONFLICT DO NOTHING`;

export const INSERT_STATE_LOG = `
INSERT INTO agent_state_log (stream_id, at, agent_id, from_state, to_state, cause, reason, call_id)
SELECT r.stream_id, to_timestamp(r.at / 1000.0), r.agent_id, r.from_state, r.to_state, r.cause, NULLIF(r.reason, ''), NULLIF(r.call_id, '')
FROM jsonb_to_recordset($1::jsonb) AS r(stream_id text, at float8, agent_id text, from_state text, to_state text, cause text, reason text, call_id text)
ON CONFLICT DO NOTHING`;

/** The unique index on call_id keeps the first summary of a call (a retried XADD that did land twice). */
export const INSERT_CALL_LOG = `
INSERT INTO call_log (stream_id, call_id, at, summary)
SELECT r.stream_id, r.call_id, to_timestamp(r.at / 1000.0), r.summary
FROM jsonb_to_recordset($1::jsonb) AS r(stream_id text, call_id text, at float8, summary jsonb)
ON CONFLICT DO NOTHING`;

const CALL_IDS = `(SELECT jsonb_array_elements_text($1::jsonb))`;

export const CALL_QUEUE_EVENTS = `
SELECT call_id, event, ${ms('at')} AS t, queue, agent_id, data FROM queue_log
WHERE call_id IN ${CALL_IDS} ORDER BY ${STREAM_ORDER}`;

export const CALL_SUMMARIES = `SELECT call_id, summary FROM call_log WHERE call_id IN ${CALL_IDS}`;

const ORDER_KEY = (t: string): string => `(split_part(${t}.stream_id, '-', 1)::bigint, split_part(${t}.stream_id, '-', 2)::bigint)`;

/**
 * Each wrap-up on these calls, with the agent's next state change (its end), if there is one
 * yet. `n.at >= w.at` lets the (agent_id, at) index find it without sorting the agent's history.
 */
export const CALL_WRAP_UPS = `
SELECT w.call_id, w.agent_id, ${ms('w.at')} AS t,
  (SELECT ${ms('n.at')} FROM agent_state_log n
    WHERE n.agent_id = w.agent_id AND n.at >= w.at AND ${ORDER_KEY('n')} > ${ORDER_KEY('w')}
    ORDER BY n.at, ${ORDER_KEY('n')} LIMIT 1) AS end_t
FROM agent_state_log w WHERE w.call_id IN ${CALL_IDS} AND w.to_state = 'wrap-up'`;

export const UPSERT_CDRS = `
INSERT INTO cdrs (call_id, direction, caller_number, dialed_number, started_at, answered_at, ended_at, duration_ms, ivr_path, variables,
  queues, agents, queue, agent_id, wait_ms, talk_ms, hold_ms, wrap_ms, disposition, short_abandon, end_cause, transfers, recording_ids, updated_at)
SELECT r.call_id, r.direction, r.caller_number, r.dialed_number, to_timestamp(r.started_at / 1000.0), to_timestamp(r.answered_at / 1000.0),
  to_timestamp(r.ended_at / 1000.0), r.duration_ms, r.ivr_path, r.variables, r.queues, r.agents, r.queue, r.agent_id, r.wait_ms, r.talk_ms,
  r.hold_ms, r.wrap_ms, r.disposition, r.short_abandon, r.end_cause, r.transfers, r.recording_ids, now()
FROM jsonb_to_recordset($1::jsonb) AS r(call_id text, direction text, caller_number text, dialed_number text, started_at float8, answered_at float8,
  ended_at float8, duration_ms bigint, ivr_path jsonb, variables jsonb, queues jsonb, agents jsonb, queue text, agent_id text, wait_ms bigint,
  talk_ms bigint, hold_ms bigint, wrap_ms bigint, disposition text, short_abandon boolean, end_cause text, transfers integer, recording_ids jsonb)
ON CONFLICT (call_id) DO UPDATE SET
  direction = EXCLUDED.direction, caller_number = EXCLUDED.caller_number, dialed_number = EXCLUDED.dialed_number, started_at = EXCLUDED.started_at,
  answered_at = EXCLUDED.answered_at, ended_at = EXCLUDED.ended_at, duration_ms = EXCLUDED.duration_ms, ivr_path = EXCLUDED.ivr_path,
  variables = EXCLUDED.variables, queues = EXCLUDED.queues, agents = EXCLUDED.agents, queue = EXCLUDED.queue, agent_id = EXCLUDED.agent_id,
  wait_ms = EXCLUDED.wait_ms, talk_ms = EXCLUDED.talk_ms, hold_ms = EXCLUDED.hold_ms, wrap_ms = EXCLUDED.wrap_ms, disposition = EXCLUDED.disposition,
  short_abandon = EXCLUDED.short_abandon, end_cause = EXCLUDED.end_cause, transfers = EXCLUDED.transfers, recording_ids = EXCLUDED.recording_ids,
  updated_at = EXCLUDED.updated_at`;

export const UPSERT_LEGS = `
INSERT INTO cdr_legs (leg_id, call_id, role, party, started_at, answered_at, ended_at, end_cause)
SELECT r.leg_id, r.call_id, r.role, r.party, to_timestamp(r.started_at / 1000.0), to_timestamp(r.answered_at / 1000.0), to_timestamp(r.ended_at / 1000.0), r.end_cause
FROM jsonb_to_recordset($1::jsonb) AS r(leg_id text, call_id text, role text, party text, started_at float8, answered_at float8, ended_at float8, end_cause text)
ON CONFLICT (leg_id) DO UPDATE SET answered_at = EXCLUDED.answered_at, ended_at = EXCLUDED.ended_at, end_cause = EXCLUDED.end_cause`;

export const UPSERT_SEGMENTS = `
INSERT INTO queue_segments (call_id, seq, queue, caller_number, entered_at, left_at, outcome, wait_ms, agent_id, answered_at, talk_ms, hold_ms, wrap_ms, transferred, short_abandon)
SELECT r.call_id, r.seq, r.queue, r.caller_number, to_timestamp(r.entered_at / 1000.0), to_timestamp(r.left_at / 1000.0), r.outcome, r.wait_ms, r.agent_id,
  to_timestamp(r.answered_at / 1000.0), r.talk_ms, r.hold_ms, r.wrap_ms, r.transferred, r.short_abandon
FROM jsonb_to_recordset($1::jsonb) AS r(call_id text, seq integer, queue text, caller_number text, entered_at float8, left_at float8, outcome text,
  wait_ms bigint, agent_id text, answered_at float8, talk_ms bigint, hold_ms bigint, wrap_ms bigint, transferred boolean, short_abandon boolean)
ON CONFLICT (call_id, seq) DO UPDATE SET
  queue = EXCLUDED.queue, caller_number = EXCLUDED.caller_number, entered_at = EXCLUDED.entered_at, left_at = EXCLUDED.left_at, outcome = EXCLUDED.outcome,
  wait_ms = EXCLUDED.wait_ms, agent_id = EXCLUDED.agent_id, answered_at = EXCLUDED.answered_at, talk_ms = EXCLUDED.talk_ms, hold_ms = EXCLUDED.hold_ms,
  wrap_ms = EXCLUDED.wrap_ms, transferred = EXCLUDED.transferred, short_abandon = EXCLUDED.short_abandon`;
