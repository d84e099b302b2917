-- Call records (issue 8): the Redis journals copied into PostgreSQL by the records
-- worker, and what is derived from them. Every table written by the worker has a key
-- that a replay hits again (a stream id, a call id, a (call, seq) pair), and every
-- write is INSERT … ON CONFLICT: running the same batch twice changes nothing.

-- The raw journals, verbatim. stream_id is the Redis Stream id '<ms>-<seq>'.
CREATE TABLE queue_log (
  stream_id  text        PRIMARY KEY,
  at         timestamptz NOT NULL,
  event      text        NOT NULL,
  queue      text,
  call_id    text,
  agent_id   text,
  data       jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX queue_log_at_idx ON queue_log (at);
CREATE INDEX queue_log_call_idx ON queue_log (call_id);

CREATE TABLE agent_state_log (
  stream_id  text        PRIMARY KEY,
  at         timestamptz NOT NULL,
  agent_id   text        NOT NULL,
  from_state text        NOT NULL,
  to_state   text        NOT NULL,
  cause      text        NOT NULL,
  reason     text,
  call_id    text
);
CREATE INDEX agent_state_log_agent_idx ON agent_state_log (agent_id, at);
CREATE INDEX agent_state_log_call_idx ON agent_state_log (call_id);

-- One summary per finished call, as the server that carried it wrote it.
CREATE TABLE call_log (
  stream_id  text        PRIMARY KEY,
  call_id    text        NOT NULL,
  at         timestamptz NOT NULL,
  summary    jsonb       NOT NULL CHECK (jsonb_typeof(summary) = 'object')
);
CREATE UNIQUE INDEX call_log_call_idx ON call_log (call_id);

-- The CDR: one row per call, rebuilt from the three logs whenever one of them has news
-- about the call (so a late wrap-up end updates it).
CREATE TABLE cdrs (
  call_id         text        PRIMARY KEY,
  direction       text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  caller_number   text        NOT NULL,
  dialed_number   text,
  started_at      timestamptz NOT NULL,
  answered_at     timestamptz,
  ended_at        timestamptz,
  duration_ms     bigint      NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
  ivr_path        jsonb       NOT NULL DEFAULT '[]'::jsonb,
  variables       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  queues          jsonb       NOT NULL DEFAULT '[]'::jsonb,
  agents          jsonb       NOT NULL DEFAULT '[]'::jsonb,
  queue           text,
  agent_id        text,
  wait_ms         bigint      NOT NULL DEFAULT 0,
  talk_ms         bigint      NOT NULL DEFAULT 0,
  hold_ms         bigint      NOT NULL DEFAULT 0,
  wrap_ms         bigint      NOT NULL DEFAULT 0,
  disposition     text        NOT NULL CHECK (disposition IN ('answered', 'abandoned', 'overflowed', 'voicemail', 'callback', 'transferred', 'ivr', 'lost', 'failed')),
  short_abandon   boolean     NOT NULL DEFAULT false,
  end_cause       text,
  transfers       integer     NOT NULL DEFAULT 0,
  recording_ids   jsonb       NOT NULL DEFAULT '[]'::jsonb,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cdrs_started_at_idx ON cdrs (started_at);
CREATE INDEX cdrs_caller_idx ON cdrs (caller_number, started_at);
CREATE INDEX cdrs_agent_idx ON cdrs (agent_id, started_at);

CREATE TABLE cdr_legs (
  leg_id       text        PRIMARY KEY,
  call_id      text        NOT NULL,
  role         text        NOT NULL,
  party        text        NOT NULL,
  started_at   timestamptz NOT NULL,
  answered_at  timestamptz,
  ended_at     timestamptz,
  end_cause    text
);
CREATE INDEX cdr_legs_call_idx ON cdr_legs (call_id);

-- One row per visit of a call to a queue (an overflow makes a second one): what the
-- queue and agent reports count.
CREATE TABLE queue_segments (
  call_id        text        NOT NULL,
  seq            integer     NOT NULL,
  queue          text        NOT NULL,
  caller_number  text,
  entered_at     timestamptz NOT NULL,
  left_at        timestamptz,
  outcome        text        NOT NULL CHECK (outcome IN ('waiting', 'answered', 'abandoned', 'overflowed', 'timeout', 'exit-key', 'empty', 'lost')),
  wait_ms        bigint      NOT NULL DEFAULT 0,
  agent_id       text,
  answered_at    timestamptz,
  talk_ms        bigint      NOT NULL DEFAULT 0,
  hold_ms        bigint      NOT NULL DEFAULT 0,
  wrap_ms        bigint      NOT NULL DEFAULT 0,
  transferred    boolean     NOT NULL DEFAULT false,
  short_abandon  boolean     NOT NULL DEFAULT false,
  PRIMARY KEY (call_id, seq)
);
CREATE INDEX queue_segments_entered_idx ON queue_segments (entered_at);
CREATE INDEX queue_segments_agent_idx ON queue_segments (agent_id, answered_at);

-- Where the worker is in each Redis stream; written in the same transaction as the rows.
CREATE TABLE ingest_checkpoints (
  source      text        PRIMARY KEY,
  last_id     text        NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Journal entries the database refused even alone (e.g. a character PostgreSQL cannot
-- store): parked here with the error, so the entries after them still get their records.
CREATE TABLE ingest_rejects (
  source      text        NOT NULL,
  stream_id   text        NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  error       text        NOT NULL,
  -- the entry as JSON text (not jsonb: what jsonb refused must still fit)
  payload     text        NOT NULL,
  PRIMARY KEY (source, stream_id)
);

-- Recordings: retention and audit.
ALTER TABLE recordings ADD COLUMN purged_at timestamptz;
ALTER TABLE recordings ADD COLUMN purge_reason text;
-- the instance whose disk holds the file (each has its own data dir): only it can delete it
ALTER TABLE recordings ADD COLUMN stored_by text;
CREATE INDEX recordings_queue_idx ON recordings (queue, started_at);
CREATE INDEX recordings_caller_idx ON recordings (caller_number, started_at);

CREATE TABLE recording_audit (
  id            bigserial   PRIMARY KEY,
  recording_id  text        NOT NULL,
  at            timestamptz NOT NULL DEFAULT now(),
  action        text        NOT NULL CHECK (action IN ('listen', 'download', 'purge')),
  -- who: 'agent:1001', 'apikey:crm', 'system:retention'
  principal     text        NOT NULL,
  tenant        text,
  byte_range    text,
  remote        text
);
CREATE INDEX recording_audit_recording_idx ON recording_audit (recording_id, at);
