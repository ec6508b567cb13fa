-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i12relay] relay_lag(relay, part): the age of the oldest unacknowledged committed event
-- (goodgo-relay's lag metric; issue 12, item 13).
-- How far behind a relay is: the age of the oldest committed event of (relay,
-- part) it has not acknowledged, 0 when there is none.  It grows while the
-- relay is stuck (Redis down, a poison batch), where the age of the last
-- published event would freeze.  Cheap at any backlog: it reads the first
-- unacknowledged row of the open window, the committed row with the lowest
-- txid after the window (index outbox_part_txid, LIMIT 1) and the rows of
-- the transactions the window's snapshot saw in progress; no count.  Ages
-- are from created_at (the inserting transaction's start).
CREATE FUNCTION goodgo_events.relay_lag(relay text, part integer) RETURNS interval
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $$
DECLARE
	p goodgo_events.relay_positions;
	cur pg_snapshot := pg_current_snapshot();
	s pg_snapshot;
	oldest timestamptz;
	t timestamptz;
	xs xid8[];
BEGIN
	SELECT * INTO p FROM goodgo_events.relay_positions rp
	 WHERE rp.relay OPERATOR(pg_catalog.=) relay_lag.relay AND rp.part OPERATOR(pg_catalog.=) relay_lag.part;
	IF NOT FOUND THEN
		-- Never claimed: every committed event of the partition is pending.
		SELECT o.created_at INTO oldest FROM goodgo_events.outbox o
		 WHERE o.part OPERATOR(pg_catalog.=) relay_lag.part AND pg_catalog.pg_visible_in_snapshot(o.txid, cur)
		 ORDER BY o.txid LIMIT 1;
		RETURN coalesce(pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) oldest, interval '0');
	END IF;
	IF p.win_snap IS NOT NULL THEN
		-- The open window: its rows up to win_pos are acknowledged.
		SELECT o.created_at INTO oldest FROM goodgo_events.outbox o
		 WHERE o.seq OPERATOR(pg_catalog.=) p.win_seqs[p.win_pos + 1] LIMIT 1;
		s := p.win_snap;
	ELSE
		s := p.snap;
	END IF;
	SELECT o.created_at INTO t FROM goodgo_events.outbox o
	 WHERE o.part OPERATOR(pg_catalog.=) relay_lag.part
	   AND o.txid OPERATOR(pg_catalog.>=) pg_catalog.pg_snapshot_xmax(s)
	   AND pg_catalog.pg_visible_in_snapshot(o.txid, cur)
	 ORDER BY o.txid LIMIT 1;
	oldest := least(oldest, t);
	-- (an array variable, not a subquery, so that the planner probes the
	-- index for each txid instead of scanning the partition; usually empty)
	xs := ARRAY(SELECT pg_catalog.pg_snapshot_xip(s));
	IF pg_catalog.cardinality(xs) OPERATOR(pg_catalog.>) 0 THEN
		SELECT min(o.created_at) INTO t FROM goodgo_events.outbox o
		 WHERE o.part OPERATOR(pg_catalog.=) relay_lag.part
		   AND o.txid OPERATOR(pg_catalog.=) ANY (xs)
		   AND pg_catalog.pg_visible_in_snapshot(o.txid, cur);
		oldest := least(oldest, t);
	END IF;
	RETURN coalesce(pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) oldest, interval '0');
END $$;
COMMENT ON FUNCTION goodgo_events.relay_lag(text, integer) IS
	'age of the oldest committed event of (relay, part) not acknowledged yet, 0 when none (grows while the relay is stuck)';
ALTER FUNCTION goodgo_events.relay_lag(text, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON FUNCTION goodgo_events.relay_lag(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.relay_lag(text, integer) TO goodgo_events_relay;

-- [i12relay] relay_nack: goodgo_events.relay_max_attempts = 0 means never a
-- dead letter (per-aggregate order is kept; the partition waits instead).
CREATE OR REPLACE FUNCTION goodgo_events.relay_nack(relay text, part integer, batch_id bigint, seq bigint, error text)
	RETURNS boolean
	LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$
DECLARE
	p goodgo_events.relay_positions;
	r record;
	a integer;
	-- A relay's session may never have loaded the library (it calls only SQL
	-- functions), and then the GUC is undefined unless set explicitly: fall
	-- back to its documented default rather than failing every nack.
	maxa integer := coalesce(nullif(current_setting('goodgo_events.relay_max_attempts', true), ''), '5')::integer;
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	SELECT * INTO p FROM goodgo_events.relay_positions rp
	 WHERE rp.relay = relay_nack.relay AND rp.part = relay_nack.part FOR UPDATE;
	IF NOT FOUND OR p.open_batch_id IS DISTINCT FROM batch_id THEN
		RAISE EXCEPTION 'batch % of relay "%" partition % is not open', batch_id, relay, part
			USING ERRCODE = '22023', DETAIL = 'Only events of the batch returned by the last claim can be reported as failed.';
	END IF;
	-- Only this event's row is read (relay_rows given just its seq when it
	-- is one of the window's), not the whole batch: a chunk with many failed
	-- entries makes one nack per entry.
	SELECT * INTO r
	  FROM goodgo_events.relay_rows(relay, part, batch_id,
			CASE WHEN EXISTS (SELECT 1 FROM goodgo_events.relay_batches rb
							   WHERE rb.relay = relay_nack.relay AND rb.part = relay_nack.part
								 AND rb.batch_id = relay_nack.batch_id AND relay_nack.seq = ANY (rb.seqs))
				 THEN ARRAY[relay_nack.seq] ELSE '{}'::bigint[] END) x
	 WHERE x.seq = relay_nack.seq LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'event with seq % is not in batch % of relay "%" partition %', seq, batch_id, relay, part
			USING ERRCODE = '22023', DETAIL = 'A failure can only be reported for an event of the open batch.';
	END IF;
	INSERT INTO goodgo_events.relay_failures AS f (relay, part, seq, attempts, first_failed_at, last_failed_at, last_error)
		VALUES (relay, part, seq, 1, clock_timestamp(), clock_timestamp(), error)
	ON CONFLICT ON CONSTRAINT relay_failures_pkey DO UPDATE
		SET attempts = f.attempts + 1, last_failed_at = clock_timestamp(), last_error = error
	RETURNING f.attempts INTO a;
	-- relay_max_attempts = 0: never a dead letter.  The batch stays open and
	-- is retried, so no later event of the partition overtakes this one.
	IF maxa <= 0 OR a < maxa THEN
		RETURN false;
	END IF;
	INSERT INTO goodgo_events.dead_letters
		(relay, part, seq, event_id, event_type, aggregate_id, stream, envelope, attempts, last_error, first_failed_at)
	SELECT relay_nack.relay, relay_nack.part, relay_nack.seq, r.event_id, r.event_type, r.aggregate_id,
		   r.stream, r.envelope, a, relay_nack.error, f.first_failed_at
	  FROM goodgo_events.relay_failures f
	 WHERE f.relay = relay_nack.relay AND f.part = relay_nack.part AND f.seq = relay_nack.seq;
	DELETE FROM goodgo_events.relay_failures f
	 WHERE f.relay = relay_nack.relay AND f.part = relay_nack.part AND f.seq = relay_nack.seq;
	RETURN true;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_nack(text, integer, bigint, bigint, text) IS
	'record a failed publish of one event of the open batch; true when it became a dead letter (then ack the batch); never with relay_max_attempts = 0';
ALTER FUNCTION goodgo_events.relay_nack(text, integer, bigint, bigint, text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
