-- Recording metadata: one row per finished (or failed) call recording.
-- id is a UUID chosen by the recorder, so an insert retried after an ambiguous
-- failure (INSERT ... ON CONFLICT (id) DO NOTHING) never duplicates a row.
CREATE TABLE recordings (
  id              text        PRIMARY KEY,
  call_id         text        NOT NULL,
  -- [{ "role": "caller" | "agent" | ..., "leg_id": "...", "sip_call_id": "..." }]
  legs            jsonb       NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(legs) = 'array'),
  caller_number   text        NOT NULL,
  agent_id        text,
  queue           text,
  started_at      timestamptz NOT NULL,
  answered_at     timestamptz,
  ended_at        timestamptz NOT NULL,
  duration_ms     bigint      NOT NULL CHECK (duration_ms >= 0),
  file_path       text        NOT NULL,
  size_bytes      bigint      NOT NULL CHECK (size_bytes >= 0),
  -- e.g. 'wav/pcm16/8000/2ch'
  format          text        NOT NULL,
  channels        smallint    NOT NULL CHECK (channels > 0),
  checksum_sha256 text        NOT NULL,
  status          text        NOT NULL CHECK (status IN ('complete', 'failed')),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX recordings_started_at_idx ON recordings (started_at);
CREATE INDEX recordings_agent_id_idx ON recordings (agent_id, started_at);
CREATE INDEX recordings_call_id_idx ON recordings (call_id);
