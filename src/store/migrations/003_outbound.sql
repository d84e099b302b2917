-- Outbound campaigns: a call an answering machine took has its own CDR disposition.
ALTER TABLE cdrs DROP CONSTRAINT IF EXISTS cdrs_disposition_check;
ALTER TABLE cdrs ADD CONSTRAINT cdrs_disposition_check
  CHECK (disposition IN ('answered', 'abandoned', 'overflowed', 'voicemail', 'callback', 'transferred', 'ivr', 'lost', 'failed', 'machine'));
