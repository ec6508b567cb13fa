-- PL/pgSQL line numbers in CONTEXT lines would make this file fragile
\set SHOW_CONTEXT never
-- A claim window holds at most goodgo_events.relay_window_max_events seqs:
-- a larger window is taken in slices with the same snapshot, the lowest seqs
-- first, the rest waiting for the next slice.  One window's array then never
-- nears the 1 GB limit of a value (about 134 million seqs), which jammed a
-- partition with a huge backlog.  The bound is tested here with 3.
SET goodgo_events.unknown_event_types = allow;

-- The bound is the superuser's: a relay cannot set it, it has a range.
SELECT goodgo_events.relay_window_max_events();		-- (loads the library)
SHOW goodgo_events.relay_window_max_events;
CREATE ROLE outbox_window_relay IN ROLE goodgo_events_relay;
SET ROLE outbox_window_relay;
SET goodgo_events.relay_window_max_events = 3;
RESET ROLE;
DROP ROLE outbox_window_relay;
SET goodgo_events.relay_window_max_events = 0;
SET goodgo_events.relay_window_max_events = 3;

-- Relay "win" starts now on every partition; 10 events of one aggregate.
SELECT bool_and(goodgo_events.relay_lock('win', p)) AS locked
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
SELECT count(goodgo_events.relay_reset('win', p, 'now')) AS reset
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
SELECT count(goodgo_events.emit('window.tested', jsonb_build_object('n', i), 'win-1')) AS emitted
  FROM generate_series(1, 10) i;
SELECT part AS wp FROM goodgo_events.outbox WHERE aggregate_id = 'win-1' LIMIT 1 \gset

CREATE TEMP TABLE got (batch_id bigint, ord integer, seq bigint, n integer);
-- One claim (up to max_events) and its ack; returns the events' n.
CREATE FUNCTION pg_temp.claim_ack(max_events integer) RETURNS integer[]
LANGUAGE plpgsql AS $$
DECLARE
	ns integer[];
BEGIN
	WITH c AS (
		INSERT INTO got
		SELECT c.batch_id, c.ord, c.seq, (c.envelope->'payload'->>'n')::integer
		  FROM goodgo_events.relay_claim('win', current_setting('my.wp')::integer, max_events) c
		RETURNING *)
	SELECT array_agg(c.n ORDER BY c.ord) INTO ns FROM c;
	PERFORM goodgo_events.relay_ack('win', current_setting('my.wp')::integer,
		(SELECT open_batch_id FROM goodgo_events.relay_position('win', current_setting('my.wp')::integer)));
	RETURN ns;
END $$;
SELECT set_config('my.wp', :'wp', false) IS NOT NULL AS set;

-- Batches of up to 100: each ends with its slice of 3.  The window stays
-- open between slices (window_open).
SELECT pg_temp.claim_ack(100) AS slice_1;
SELECT window_open FROM goodgo_events.relay_position('win', :wp);
SELECT pg_temp.claim_ack(100) AS slice_2;
SELECT pg_temp.claim_ack(100) AS slice_3;
SELECT pg_temp.claim_ack(100) AS slice_4;
SELECT pg_temp.claim_ack(100) AS nothing_left;
SELECT window_open FROM goodgo_events.relay_position('win', :wp);

-- Batches of 2 inside slices of 3: a batch never crosses a slice's end.
SELECT count(goodgo_events.emit('window.tested', jsonb_build_object('n', i), 'win-1')) AS emitted
  FROM generate_series(11, 17) i;
SELECT pg_temp.claim_ack(2) AS b1, pg_temp.claim_ack(2) AS b2, pg_temp.claim_ack(2) AS b3,
	   pg_temp.claim_ack(2) AS b4, pg_temp.claim_ack(2) AS b5, pg_temp.claim_ack(2) AS b6;

-- A re-claim before the ack returns the same batch of a slice.
SELECT count(goodgo_events.emit('window.tested', jsonb_build_object('n', i), 'win-1')) AS emitted
  FROM generate_series(18, 22) i;
SELECT array_agg((c.envelope->'payload'->>'n')::integer ORDER BY c.ord) AS first_claim
  FROM goodgo_events.relay_claim('win', :wp, 100) c;
SELECT pg_temp.claim_ack(100) AS same_again, pg_temp.claim_ack(100) AS next_slice,
	   pg_temp.claim_ack(100) AS none;

-- Every event exactly once, in seq order, across the bounded windows.
SELECT count(*) AS delivered, count(DISTINCT seq) AS distinct_seqs,
	   array_agg(n ORDER BY batch_id, ord) = ARRAY(SELECT generate_series(1, 22))
	   AND array_agg(seq ORDER BY batch_id, ord) = array_agg(seq ORDER BY seq) AS in_order
  FROM (SELECT DISTINCT ON (seq) * FROM got ORDER BY seq, batch_id) g;

RESET goodgo_events.relay_window_max_events;
SELECT count(goodgo_events.relay_unlock('win', p)) AS unlocked
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
SELECT goodgo_events.relay_forget('win') > 0 AS forgotten;
