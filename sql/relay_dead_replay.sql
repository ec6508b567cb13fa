-- What relay_replay gives back is what the batches published: an event that
-- became a dead letter in a batch is not replayed with it.  The relay's loss
-- check (relay/recover.c) compares the top of the streams with the newest
-- replayed entry: with dead letters at the end of the last acked batch it
-- took them for events Redis lost and published them under their original
-- ids (and once more when redriven).  A redrive that fails again leaves a
-- newer dead letter of the event: only that one is redriven again.
\set SHOW_CONTEXT never
SET goodgo_events.unknown_event_types = allow;
SELECT goodgo_events.emit('dlr.test', '{"n": 0}', 'dlr-agg') AS e0 \gset
SELECT part AS np FROM goodgo_events.outbox WHERE event_id = :'e0' \gset
SELECT goodgo_events.relay_lock('dlr', :np);
SELECT goodgo_events.relay_reset('dlr', :np, 'now');
SELECT goodgo_events.emit('dlr.test', '{"n": 1}', 'dlr-agg') AS e1 \gset
SELECT goodgo_events.emit('dlr.test', '{"n": 2}', 'dlr-agg') AS e2 \gset
SELECT goodgo_events.emit('dlr.test', '{"n": 3}', 'dlr-agg') AS e3 \gset

-- Batch 1: e1, e2 published, e3 dead at its first attempt.
SET goodgo_events.relay_max_attempts = 1;
SELECT batch_id AS b1, seq AS s3 FROM goodgo_events.relay_claim('dlr', :np, 10) WHERE event_id = :'e3' \gset
SELECT goodgo_events.relay_nack('dlr', :np, :b1, :s3, 'WRONGTYPE x') AS dead;
SELECT goodgo_events.relay_ack('dlr', :np, :b1) AS acked;
SELECT batch_id = :b1 AS in_b1, ord, envelope->'payload'->>'n' AS n
  FROM goodgo_events.relay_replay('dlr', :np, :b1) ORDER BY batch_id, ord;
-- (the replay by time gives the same)
SELECT count(*) AS by_time FROM goodgo_events.relay_replay('dlr', :np, now() - interval '1 hour');

-- Redriven in batch 2, where it fails again: a second dead letter.
SELECT goodgo_events.redrive_dead_letters('dlr') AS requeued;
SELECT batch_id AS b2, seq AS s3r FROM goodgo_events.relay_claim('dlr', :np, 10) \gset
SELECT :b2 > :b1 AS later_batch, :s3r = :s3 AS same_event;
SELECT goodgo_events.relay_nack('dlr', :np, :b2, :s3, 'WRONGTYPE again') AS dead_again;
SELECT goodgo_events.relay_ack('dlr', :np, :b2) AS acked;
SELECT count(*) AS dead_letter_rows FROM goodgo_events.dead_letters WHERE relay = 'dlr';
-- Neither batch published e3.
SELECT batch_id = :b1 AS in_b1, ord, envelope->'payload'->>'n' AS n
  FROM goodgo_events.relay_replay('dlr', :np, :b1) ORDER BY batch_id, ord;
-- Only the newer dead letter is queued again; the older one cannot be.
SELECT min(id) AS old_dl FROM goodgo_events.dead_letters WHERE relay = 'dlr' \gset
SELECT goodgo_events.redrive_dead_letter(:old_dl) AS old_requeued;
SELECT goodgo_events.redrive_dead_letters('dlr') AS requeued;

-- Batch 3 publishes it: the replay has it there, once.
SELECT batch_id AS b3 FROM goodgo_events.relay_claim('dlr', :np, 10) \gset
SELECT goodgo_events.relay_ack('dlr', :np, :b3) AS acked;
SELECT batch_id = :b1 AS in_b1, batch_id = :b3 AS in_b3, ord, envelope->'payload'->>'n' AS n
  FROM goodgo_events.relay_replay('dlr', :np, :b1) ORDER BY batch_id, ord;
SELECT count(*) FILTER (WHERE redriven_at IS NULL) AS not_redriven,
	   count(*) FILTER (WHERE redrive_requested_at IS NOT NULL AND redriven_at IS NULL) AS queued
  FROM goodgo_events.dead_letters WHERE relay = 'dlr';
SELECT goodgo_events.relay_forget('dlr') >= 0 AS forgotten;
RESET goodgo_events.relay_max_attempts;
