-- goodgo_events 1.0 -> 1.1: every change to sql/objects/ (and schemas/)
-- since 1.0.  test/suites/upgrade.sh checks that 1.0 updated with this
-- script equals a fresh install of 1.1, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.1'" to load this file. \quit

-- Fix: a claim with max_events near 2^31 in a window already begun failed
-- with "integer out of range" (win_pos + max_events overflowed).
CREATE OR REPLACE FUNCTION goodgo_events.relay_claim_batch(relay text, part integer, max_events integer,
												OUT batch bigint, OUT seqs bigint[])
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	p goodgo_events.relay_positions;
	ws bigint[];
	cur pg_snapshot;
	fresh boolean;
	n bigint;
	nred integer;
	bid bigint;
BEGIN
	IF max_events < 1 THEN
		RAISE EXCEPTION 'max_events must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('The value given was %s.', max_events);
	END IF;
	SELECT * INTO p FROM goodgo_events.relay_positions rp
	 WHERE rp.relay = relay_claim_batch.relay AND rp.part = relay_claim_batch.part FOR UPDATE;
	IF NOT FOUND OR p.origin <> goodgo_events.database_identity() THEN
		IF FOUND THEN
			RAISE WARNING 'relay position of "%" partition % comes from another database', relay, part
				USING DETAIL = 'Transaction ids and seqs of a restored dump mean nothing here: every retained event will be delivered again, with higher batch ids.';
		END IF;
		PERFORM goodgo_events.relay_reset(relay, part, 'beginning');
		SELECT * INTO p FROM goodgo_events.relay_positions rp
		 WHERE rp.relay = relay_claim_batch.relay AND rp.part = relay_claim_batch.part FOR UPDATE;
	END IF;

	-- Deterministic retry: an open batch is returned again, unchanged.
	IF p.open_batch_id IS NOT NULL THEN
		batch := p.open_batch_id;
		SELECT rb.seqs INTO seqs FROM goodgo_events.relay_batches rb
		 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = p.open_batch_id;
		RETURN;
	END IF;

	-- The window's seqs, read (and decompressed) once: an array variable
	-- holds them expanded, where each use of p.win_seqs would fetch and
	-- decompress the whole array again.
	ws := p.win_seqs;
	FOR attempt IN 1..2 LOOP
		fresh := p.win_snap IS NULL;
		IF fresh THEN
			-- Open the next window: the rows whose transaction is visible in a
			-- new snapshot and not in the previous one, in seq order.  The scan
			-- touches only txids from the previous snapshot's xmax on, plus
			-- those it listed as in progress, so an old open transaction
			-- elsewhere does not widen it.  The window's seqs are kept (one
			-- array per window, not a write per event), so each batch of a
			-- large window costs its own size, not the window's.
			cur := pg_current_snapshot();
			p.win_snap := cur;
			p.win_pos := 0;
			ws := ARRAY(
				SELECT o.seq
				  FROM (SELECT x.seq, x.txid FROM goodgo_events.outbox x
						 WHERE x.part = p.part AND x.txid >= pg_snapshot_xmax(p.snap)
						   AND x.txid < pg_snapshot_xmax(cur)
						UNION ALL
						SELECT x.seq, x.txid FROM goodgo_events.outbox x
						 WHERE x.part = p.part
						   AND x.txid = ANY (ARRAY(SELECT pg_snapshot_xip(p.snap)))) o
				 WHERE pg_visible_in_snapshot(o.txid, cur)
				   AND NOT pg_visible_in_snapshot(o.txid, p.snap)
				 ORDER BY o.seq);
		END IF;
		n := coalesce(cardinality(ws), 0) - p.win_pos;
		EXIT WHEN n > 0 OR fresh;
		-- The open window is used up: close it and open the next one.
		p.snap := p.win_snap;
		p.win_snap := NULL;
		ws := NULL;
	END LOOP;

	SELECT count(*) INTO nred FROM goodgo_events.dead_letters d
	 WHERE d.relay = p.relay AND d.part = p.part
	   AND d.redrive_requested_at IS NOT NULL AND d.redriven_at IS NULL AND d.redrive_batch_id IS NULL;

	IF n = 0 AND nred = 0 THEN
		-- Nothing committed in the window: move the position past it.
		UPDATE goodgo_events.relay_positions rp
		   SET snap = p.win_snap, win_snap = NULL, win_seqs = NULL, win_pos = 0
		 WHERE rp.relay = p.relay AND rp.part = p.part;
		RETURN;
	END IF;

	bid := greatest(p.batch_seq, p.last_batch_id) + 1;
	-- (least: win_pos + max_events may not fit in an integer)
	seqs := coalesce(ws[p.win_pos + 1 : p.win_pos + least(n, max_events)::integer], '{}');
	INSERT INTO goodgo_events.relay_batches
		(relay, part, batch_id, prev_snap, cur_snap, seqs, n_window, n_redrive, window_done, claimed_at)
	VALUES (p.relay, p.part, bid, p.snap, p.win_snap, seqs,
			least(n, max_events), 0, n <= max_events, clock_timestamp());
	IF nred > 0 AND n < max_events THEN
		WITH r AS (SELECT d.id FROM goodgo_events.dead_letters d
					WHERE d.relay = p.relay AND d.part = p.part AND d.redrive_requested_at IS NOT NULL
					  AND d.redriven_at IS NULL AND d.redrive_batch_id IS NULL
					ORDER BY d.id LIMIT max_events - n)
		UPDATE goodgo_events.dead_letters d SET redrive_batch_id = bid FROM r WHERE d.id = r.id;
		GET DIAGNOSTICS nred = ROW_COUNT;
		INSERT INTO goodgo_events.relay_batch_redrives (relay, part, batch_id, dead_letter_id)
		SELECT d.relay, d.part, bid, d.id FROM goodgo_events.dead_letters d
		 WHERE d.relay = p.relay AND d.part = p.part AND d.redrive_batch_id = bid;
		UPDATE goodgo_events.relay_batches rb SET n_redrive = nred
		 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = bid;
	END IF;
	IF fresh THEN
		UPDATE goodgo_events.relay_positions rp
		   SET snap = p.snap, win_snap = p.win_snap, win_seqs = ws, win_pos = p.win_pos,
			   batch_seq = bid, open_batch_id = bid
		 WHERE rp.relay = p.relay AND rp.part = p.part;
	ELSE
		UPDATE goodgo_events.relay_positions rp
		   SET batch_seq = bid, open_batch_id = bid
		 WHERE rp.relay = p.relay AND rp.part = p.part;
	END IF;
	batch := bid;
END $$;

-- jsonb_text (src/jsonb_text.c), new in 1.1.
CREATE FUNCTION goodgo_events.jsonb_text(jsonb)
RETURNS text
AS 'MODULE_PATHNAME', 'goodgo_jsonb_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION goodgo_events.jsonb_text(jsonb) IS
	'the JSON text of a jsonb value, byte for byte what jsonb::text prints (same separators, key order, escapes and numbers), several times faster';

-- goodgo-relay overlaps the read of the next batch with the publish of the
-- current one (relay_peek, and relay_ack_claim confirming the peeked rows).
-- Overlap for relays: while Redis takes the open batch, read the rows of the
-- batch that comes after it, then ack and claim with the 6-argument
-- relay_ack_claim, which only confirms them.  Within an open window the next
-- batch is known before the ack: the window's seqs are fixed, so it is the
-- slice after the open batch's, with the next batch id.  relay_peek gives
-- no rows when it cannot be known: no open batch, the open batch ends its
-- window (the next claim opens a new one), or dead letters wait for a
-- redrive (they may join the next batch).  Read-only and without locks: it
-- is a prediction, which relay_ack_claim checks after its claim.
CREATE FUNCTION goodgo_events.relay_peek(relay text, part integer, max_events integer)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope text, attempts integer)
	LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	p goodgo_events.relay_positions;
	b goodgo_events.relay_batches;
	start integer;
	s bigint[];
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	IF max_events < 1 THEN
		RAISE EXCEPTION 'max_events must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('The value given was %s.', max_events);
	END IF;
	SELECT * INTO p FROM goodgo_events.relay_positions rp
	 WHERE rp.relay = relay_peek.relay AND rp.part = relay_peek.part;
	IF NOT FOUND OR p.open_batch_id IS NULL OR p.win_snap IS NULL
	   OR p.origin <> goodgo_events.database_identity() THEN
		RETURN;
	END IF;
	SELECT * INTO b FROM goodgo_events.relay_batches rb
	 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = p.open_batch_id;
	IF NOT FOUND OR b.window_done THEN
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM goodgo_events.dead_letters d
				WHERE d.relay = p.relay AND d.part = p.part AND d.redrive_requested_at IS NOT NULL
				  AND d.redriven_at IS NULL AND d.redrive_batch_id IS NULL) THEN
		RETURN;
	END IF;
	-- What relay_ack_batch then relay_claim_batch will compute.
	start := p.win_pos + b.n_window;
	s := p.win_seqs[start + 1 : start + least(max_events, coalesce(cardinality(p.win_seqs), 0) - start)];
	IF coalesce(cardinality(s), 0) = 0 THEN
		RETURN;
	END IF;
	RETURN QUERY
		SELECT r.batch_id, r.ord, r.seq, r.event_id, r.event_type, r.aggregate_id, r.stream,
			   goodgo_events.jsonb_text(r.envelope), r.attempts
		  FROM goodgo_events.relay_rows(relay, part, greatest(p.batch_seq, b.batch_id) + 1, s) r;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_peek(text, integer, integer) IS
	'the rows the claim after the open batch of (relay, part) will return, when they can be known before its ack (else none); read-only, confirmed by relay_ack_claim(relay, part, ack_batch_id, max_events, peeked_batch_id, peeked_seqs)';

CREATE FUNCTION goodgo_events.relay_ack_claim(relay text, part integer, ack_batch_id bigint,
											  max_events integer, peeked_batch_id bigint,
											  peeked_seqs bigint[])
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer)
	LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	c record;
BEGIN
	IF relay IS NULL OR part IS NULL OR ack_batch_id IS NULL OR max_events IS NULL THEN
		RAISE EXCEPTION 'relay, part, ack_batch_id and max_events must not be null'
			USING ERRCODE = '22004';
	END IF;
	PERFORM goodgo_events.relay_check_leader(relay, part);
	IF max_events < 1 THEN
		RAISE EXCEPTION 'max_events must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('The value given was %s.', max_events);
	END IF;
	PERFORM goodgo_events.relay_ack_batch(relay, part, ack_batch_id);
	c := goodgo_events.relay_claim_batch(relay, part, max_events);
	IF c.batch IS NULL THEN
		RETURN;
	END IF;
	IF c.batch = peeked_batch_id AND c.seqs = peeked_seqs
	   AND NOT EXISTS (SELECT 1 FROM goodgo_events.relay_batch_redrives x
						WHERE x.relay = relay_ack_claim.relay AND x.part = relay_ack_claim.part
						  AND x.batch_id = c.batch) THEN
		-- The peeked rows are this batch's rows: confirm, do not send them again.
		batch_id := c.batch;
		ord := 0;
		RETURN NEXT;
		RETURN;
	END IF;
	RETURN QUERY SELECT * FROM goodgo_events.relay_rows(relay, part, c.batch, c.seqs);
END $$;
COMMENT ON FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]) IS
	'relay_ack_claim for a relay that peeked (relay_peek): when the batch claimed is peeked_batch_id with exactly peeked_seqs, returns one row (batch_id, ord 0, the rest NULL) meaning "publish the peeked rows"; otherwise the claimed rows';

ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[])
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_peek(text, integer, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON FUNCTION
	goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]),
	goodgo_events.relay_peek(text, integer, integer)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]),
	goodgo_events.relay_peek(text, integer, integer)
	TO goodgo_events_relay;

-- JIT off for the functions that return a batch's rows (their row estimate
-- passes jit_above_cost; compiling took 13 ms of a 29 ms claim).  search_path
-- is reset and set again so that the settings keep the order of a fresh
-- install (jit before search_path).
ALTER FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint) RESET search_path;
ALTER FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint) SET jit = off;
ALTER FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_claim(text, integer, integer) RESET search_path;
ALTER FUNCTION goodgo_events.relay_claim(text, integer, integer) SET jit = off;
ALTER FUNCTION goodgo_events.relay_claim(text, integer, integer) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer) RESET search_path;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer) SET jit = off;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, bigint) RESET search_path;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, bigint) SET jit = off;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, bigint) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, timestamptz) RESET search_path;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, timestamptz) SET jit = off;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, timestamptz) SET search_path = pg_catalog, pg_temp;

-- The open window's seqs are read by every claim and peek: stored
-- uncompressed (pglz decompression of a 200,000-event window took ~1 ms).
ALTER TABLE goodgo_events.relay_positions ALTER COLUMN win_seqs SET STORAGE EXTERNAL;

-- Fix: outbox_rotate forgot the batches of a truncated generation with a
-- query the planner ran as a hash join of every batch with every outbox row
-- of its partition (minutes with 60,000 batches, under the generation's
-- ACCESS EXCLUSIVE lock, which stalled relays and readers of the outbox).
CREATE OR REPLACE FUNCTION goodgo_events.outbox_rotate(keep interval DEFAULT interval '0') RETURNS boolean
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	cur smallint := goodgo_events.outbox_current_gen();
	oldest smallint := ((goodgo_events.outbox_current_gen() + 1) % 3)::smallint;
	tbl regclass := format('goodgo_events.outbox_g%s', oldest)::regclass;
	behind boolean;
	min_seq bigint;
BEGIN
	IF EXISTS (SELECT 1 FROM goodgo_events.outbox o WHERE o.gen = oldest) THEN
		-- No writer may still hold the generation: wait for none, retry later.
		BEGIN
			EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE NOWAIT', tbl);
		EXCEPTION WHEN lock_not_available THEN
			RAISE NOTICE 'outbox generation % is still in use, not rotated', oldest;
			RETURN false;
		END;
		-- Retained for replay at least as long as asked.
		IF (SELECT max(o.created_at) FROM goodgo_events.outbox o WHERE o.gen = oldest) > now() - keep THEN
			RAISE NOTICE 'outbox generation % holds events younger than the retention asked for, not rotated', oldest;
			RETURN false;
		END IF;
		-- Every relay position must have passed every row of it.
		-- (A relay with no position for a row's partition has not passed it.)
		SELECT NOT EXISTS (SELECT 1 FROM goodgo_events.relay_positions)
			OR EXISTS (SELECT 1
						 FROM goodgo_events.outbox o,
							  (SELECT DISTINCT rp.relay FROM goodgo_events.relay_positions rp) r
						WHERE o.gen = oldest
						  AND NOT EXISTS (SELECT 1 FROM goodgo_events.relay_positions p
										   WHERE p.relay = r.relay AND p.part = o.part
											 AND p.origin = goodgo_events.database_identity()
											 AND pg_visible_in_snapshot(o.txid, p.snap)))
		  INTO behind;
		IF behind THEN
			RAISE NOTICE 'outbox generation % holds events a relay has not passed yet, not rotated', oldest;
			RETURN false;
		END IF;
		PERFORM set_config('goodgo_events.outbox_maintenance', 'on', true);
		EXECUTE format('TRUNCATE %s', tbl);
		PERFORM set_config('goodgo_events.outbox_maintenance', 'off', true);
		-- Forget batches whose events are gone (redriven dead letters stay
		-- in dead_letters, but their old batches cannot be replayed whole):
		-- an acked batch whose last seq is below every retained row's.  (A
		-- batch's seqs are in ascending order.  Looking each batch's seqs up
		-- in the outbox instead made the planner hash the outbox by part and
		-- test every row against every batch: minutes with 60,000 batches,
		-- holding the generation's ACCESS EXCLUSIVE lock.  A batch gone
		-- whose seqs straddle a retained one's is forgotten at a later
		-- rotation.)
		SELECT min(o.seq) INTO min_seq FROM goodgo_events.outbox o;
		WITH gone AS (
			DELETE FROM goodgo_events.relay_batches b
			 WHERE b.acked_at IS NOT NULL
			   AND (min_seq IS NULL OR cardinality(b.seqs) = 0
					OR b.seqs[cardinality(b.seqs)] < min_seq)
			RETURNING b.relay, b.part, b.batch_id)
		DELETE FROM goodgo_events.relay_batch_redrives x
		 USING gone g WHERE x.relay = g.relay AND x.part = g.part AND x.batch_id = g.batch_id;
	END IF;
	PERFORM nextval('goodgo_events.outbox_gen');
	RETURN true;
END $$;
