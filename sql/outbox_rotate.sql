-- PL/pgSQL line numbers in CONTEXT lines would make this file fragile
\set SHOW_CONTEXT never
-- outbox_rotate() forgets the acked batches whose events it truncated, and
-- keeps the batches of the generations it retains (they serve relay_replay).
SET goodgo_events.unknown_event_types = allow;
SET client_min_messages = warning;

-- One relay only: every other position would hold the rotation back.
SELECT count(goodgo_events.relay_forget(r.relay)) >= 0 AS others_forgotten
  FROM (SELECT DISTINCT relay FROM goodgo_events.relay_positions) r;
SELECT bool_and(goodgo_events.relay_lock('rot', p)) AS leading
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
-- drain: claim and ack batches of at most 2 events on every partition.
CREATE FUNCTION pg_temp.drain() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	p int;
	b bigint;
	n bigint := 0;
BEGIN
	FOR p IN 0 .. goodgo_events.outbox_partitions() - 1 LOOP
		LOOP
			SELECT max(c.batch_id) INTO b FROM goodgo_events.relay_claim('rot', p, 2) c;
			EXIT WHEN b IS NULL;
			n := n + goodgo_events.relay_ack('rot', p, b);
		END LOOP;
	END LOOP;
	RETURN n;
END $$;
SELECT pg_temp.drain() > 0 AS drained_what_was_there;

-- Generation A holds what was there; B and C get 5 events each, of one
-- aggregate (one partition: 3 batches of at most 2).
SELECT goodgo_events.outbox_current_gen() AS gen_a \gset
SELECT goodgo_events.outbox_rotate() AS switched_to_b;
SELECT count(goodgo_events.emit('rotate.test', jsonb_build_object('n', g), 'rot-agg')) FROM generate_series(1, 5) g;
SELECT pg_temp.drain() AS drained_b;
SELECT goodgo_events.outbox_rotate() AS switched_to_c;
SELECT count(goodgo_events.emit('rotate.test', jsonb_build_object('n', g), 'rot-agg')) FROM generate_series(6, 10) g;
SELECT pg_temp.drain() AS drained_c;
SELECT count(*) AS batches_before FROM goodgo_events.relay_batches WHERE relay = 'rot' \gset

-- This rotation truncates A: its batches go, those of B and C stay.
SELECT goodgo_events.outbox_rotate() AS truncated_a;
SELECT goodgo_events.outbox_current_gen() = :gen_a AS back_at_a,
	   count(*) AS retained, count(*) FILTER (WHERE gen = :gen_a) AS left_in_a
  FROM goodgo_events.outbox;
SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM goodgo_events.outbox o WHERE o.seq = ANY (b.seqs)))
		   AS batches_of_gone_events,
	   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM goodgo_events.outbox o WHERE o.seq = ANY (b.seqs)))
		   AS batches_of_retained_events,
	   count(*) < :batches_before AS some_forgotten
  FROM goodgo_events.relay_batches b WHERE b.relay = 'rot';
-- The retained batches still replay whole.
SELECT count(*) AS replayed
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p,
	   goodgo_events.relay_replay('rot', p, 1::bigint) r;
SELECT goodgo_events.relay_forget('rot') > 0 AS forgot;
SELECT bool_and(goodgo_events.relay_unlock('rot', p)) AS unlocked
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
