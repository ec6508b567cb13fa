-- goodgo_events.relay_max_attempts = 0: a failing event never becomes a dead
-- letter.  relay_nack keeps counting its attempts and returns false, the
-- batch stays open (the relay retries it), so no later event of its
-- partition (of its aggregate) is delivered ahead of it.  Any other value
-- dead-letters at that many attempts.
\set SHOW_CONTEXT never
SET goodgo_events.unknown_event_types = allow;

-- The range: 0 to 1000 (once the library is loaded; a session that never
-- loaded it, like a relay's, reads the setting as text in relay_nack).
SELECT goodgo_events.uuid_v7() IS NOT NULL AS library_loaded;
SET goodgo_events.relay_max_attempts = -1;
SET goodgo_events.relay_max_attempts = 0;
SHOW goodgo_events.relay_max_attempts;

-- Two events of one aggregate; the relay starts right before them.
SELECT goodgo_events.emit('nack.test', '{"n": 0}', 'nack-agg') AS e0 \gset
SELECT part AS np FROM goodgo_events.outbox WHERE event_id = :'e0' \gset
SELECT goodgo_events.relay_lock('mx', :np);
SELECT goodgo_events.relay_reset('mx', :np, 'now');
SELECT goodgo_events.emit('nack.test', '{"n": 1}', 'nack-agg') AS e1 \gset
SELECT goodgo_events.emit('nack.test', '{"n": 2}', 'nack-agg') AS e2 \gset
SELECT batch_id AS b, seq AS s1 FROM goodgo_events.relay_claim('mx', :np, 10) WHERE event_id = :'e1' \gset

-- Twelve failed attempts of the first one: never a dead letter.
SELECT count(*) FILTER (WHERE goodgo_events.relay_nack('mx', :np, :b, :s1, 'WRONGTYPE x')) AS dead_after_12
  FROM generate_series(1, 12);
SELECT attempts, last_error FROM goodgo_events.relay_failures WHERE relay = 'mx';
SELECT count(*) AS dead_letters FROM goodgo_events.dead_letters WHERE relay = 'mx';
-- The batch is still open: the same two events come again, in order, with
-- the attempts so far.
SELECT ord, event_id = :'e1' AS is_e1, event_id = :'e2' AS is_e2, attempts
  FROM goodgo_events.relay_claim('mx', :np, 10) ORDER BY ord;

-- A 13th attempt after that re-claim: still not.
SELECT goodgo_events.relay_nack('mx', :np, :b, :s1, 'WRONGTYPE x') AS dead_13;

-- Back to a limit: the next attempt (the 14th, past 3) makes it a dead letter.
SET goodgo_events.relay_max_attempts = 3;
SELECT goodgo_events.relay_nack('mx', :np, :b, :s1, 'WRONGTYPE x') AS dead_14;
SELECT attempts, last_error FROM goodgo_events.dead_letters WHERE relay = 'mx';
SELECT goodgo_events.relay_ack('mx', :np, :b) > 0 AS acked;
SELECT goodgo_events.relay_forget('mx') >= 0 AS forgotten;
RESET goodgo_events.relay_max_attempts;
