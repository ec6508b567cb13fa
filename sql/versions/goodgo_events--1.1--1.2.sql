-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i12outbox] outbox fixes of issue 12: rotation and set_partitions refuse
-- REPEATABLE READ/SERIALIZABLE, a restore keeps every row as dumped and
-- needs no step after it, the sequences user rows depend on are dumped,
-- claim windows are bounded, outbox_stats ages are never negative.
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.dead_letters_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_seq', '');
CREATE OR REPLACE FUNCTION goodgo_events.outbox_set_partitions(n integer) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF n < 1 OR n > 1024 THEN
		RAISE EXCEPTION 'invalid number of outbox partitions %', n
			USING ERRCODE = '22023', DETAIL = 'The number of partitions is an integer from 1 to 1024.';
	END IF;
	-- The check below must see every event committed before the lock was
	-- granted: a REPEATABLE READ or SERIALIZABLE transaction reads with the
	-- snapshot of its first statement, taken before the lock, and would miss
	-- a writer that committed in between.
	IF current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
		RAISE EXCEPTION 'cannot change the number of outbox partitions in a % transaction',
				upper(current_setting('transaction_isolation'))
			USING ERRCODE = '0A000',
				  DETAIL = 'Its check that the outbox is empty needs a snapshot taken after it locked the outbox; this transaction''s snapshot is older and misses events committed since.',
				  HINT = 'Call goodgo_events.outbox_set_partitions() in a READ COMMITTED transaction.';
	END IF;
	LOCK TABLE goodgo_events.outbox IN SHARE ROW EXCLUSIVE MODE;
	-- No relay may create its position meanwhile either.
	LOCK TABLE goodgo_events.relay_positions IN SHARE ROW EXCLUSIVE MODE;
	IF EXISTS (SELECT 1 FROM goodgo_events.outbox) OR EXISTS (SELECT 1 FROM goodgo_events.relay_positions) THEN
		RAISE EXCEPTION 'cannot change the number of outbox partitions'
			USING ERRCODE = '55000',
				  DETAIL = 'The outbox holds events or relays have positions: aggregates would change partition.',
				  HINT = 'Drain the outbox, rotate its generations away and reset the relays first.';
	END IF;
	-- (outbox_config_sync then gives the validating trigger n.)
	INSERT INTO goodgo_events.outbox_config (partitions) VALUES (n)
	ON CONFLICT (singleton) DO UPDATE SET partitions = excluded.partitions;
END $$;
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
	-- The checks below must see every row committed before the generation's
	-- lock was granted (a writer holds it until it ends).  A REPEATABLE READ
	-- or SERIALIZABLE transaction reads with the snapshot of its first
	-- statement, taken before the lock: a writer that committed in between
	-- would be invisible to them and its events truncated.
	IF current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
		RAISE EXCEPTION 'cannot rotate the outbox in a % transaction',
				upper(current_setting('transaction_isolation'))
			USING ERRCODE = '0A000',
				  DETAIL = 'Its checks need a snapshot taken after it locked the generation; this transaction''s snapshot is older and misses events committed since.',
				  HINT = 'Call goodgo_events.outbox_rotate() in a READ COMMITTED transaction, e.g. on its own.';
	END IF;
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
CREATE OR REPLACE FUNCTION goodgo_events.outbox_config_sync() RETURNS trigger
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n integer := goodgo_events.outbox_partitions();
BEGIN
	IF goodgo_events.outbox_trigger_partitions() IS DISTINCT FROM n THEN
		PERFORM goodgo_events.outbox_set_trigger(n);
	END IF;
	RETURN NULL;
END $$;
COMMENT ON FUNCTION goodgo_events.outbox_config_sync() IS
	'statement trigger of outbox_config: gives the validating trigger of goodgo_events.outbox the number of partitions outbox_config now says (internal)';
CREATE TRIGGER outbox_config_sync AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON goodgo_events.outbox_config
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_config_sync();
COMMENT ON TRIGGER outbox_config_sync ON goodgo_events.outbox_config IS
	'keeps the validating trigger''s number of partitions equal to outbox_config''s, also when pg_restore writes it (ENABLE ALWAYS)';
ALTER TABLE goodgo_events.outbox_config ENABLE ALWAYS TRIGGER outbox_config_sync;
CREATE OR REPLACE FUNCTION goodgo_events.outbox_after_restore() RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n integer := goodgo_events.outbox_partitions();
BEGIN
	LOCK TABLE goodgo_events.outbox IN SHARE ROW EXCLUSIVE MODE;
	IF goodgo_events.outbox_trigger_partitions() IS DISTINCT FROM n THEN
		PERFORM goodgo_events.outbox_set_trigger(n);
	END IF;
	RETURN 0;
END $$;
COMMENT ON FUNCTION goodgo_events.outbox_after_restore() IS
	'not needed since 1.2 (restored events keep their partition, outbox_config_sync fixes the trigger); puts the validating trigger in agreement with outbox_config; returns 0';
ALTER TABLE goodgo_events.relay_positions
	ADD COLUMN win_after bigint NOT NULL DEFAULT 0,
	ADD COLUMN win_capped boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN goodgo_events.relay_positions.win_after IS
	'the open window''s rows up to this seq were delivered in earlier slices (a window is cut in slices of at most goodgo_events.relay_window_max_events seqs)';
COMMENT ON COLUMN goodgo_events.relay_positions.win_capped IS
	'win_seqs is a slice of the open window that stopped at the cap: more rows of the same window follow it';
CREATE FUNCTION goodgo_events.relay_window_max_events() RETURNS integer
	AS 'MODULE_PATHNAME', 'goodgo_relay_window_max_events'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION goodgo_events.relay_window_max_events() IS
	'the most seqs one claim window slice holds: goodgo_events.relay_window_max_events (internal)';
CREATE OR REPLACE FUNCTION goodgo_events.relay_reset(relay text, part integer, start text DEFAULT 'beginning')
	RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	s pg_snapshot;
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	IF start = 'beginning' THEN
		s := '1:1:';
	ELSIF start = 'now' THEN
		s := pg_current_snapshot();
	ELSE
		RAISE EXCEPTION 'invalid relay start "%"', start
			USING ERRCODE = '22023', DETAIL = 'The start must be "beginning" or "now".';
	END IF;
	INSERT INTO goodgo_events.relay_positions AS p (relay, part, snap, origin)
		VALUES (relay, part, s, goodgo_events.database_identity())
	ON CONFLICT ON CONSTRAINT relay_positions_pkey DO UPDATE
		SET snap = s, win_snap = NULL, win_seqs = NULL, win_pos = 0, win_after = 0, win_capped = false,
			open_batch_id = NULL,
			batch_seq = greatest(p.batch_seq, p.last_batch_id),
			origin = goodgo_events.database_identity();
	DELETE FROM goodgo_events.relay_batches b WHERE b.relay = relay_reset.relay AND b.part = relay_reset.part;
	DELETE FROM goodgo_events.relay_batch_redrives x WHERE x.relay = relay_reset.relay AND x.part = relay_reset.part;
	-- Redriven dead letters of a batch never acked are queued again.
	UPDATE goodgo_events.dead_letters d SET redrive_batch_id = NULL
	 WHERE d.relay = relay_reset.relay AND d.part = relay_reset.part
	   AND d.redrive_batch_id IS NOT NULL AND d.redriven_at IS NULL;
END $$;
ALTER FUNCTION goodgo_events.relay_reset(text, integer, text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
CREATE OR REPLACE FUNCTION goodgo_events.relay_claim_batch(relay text, part integer, max_events integer,
												OUT batch bigint, OUT seqs bigint[])
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	p goodgo_events.relay_positions;
	ws bigint[];
	cur pg_snapshot;
	fresh boolean;
	n bigint;
	nred integer;
	bid bigint;
	-- The most seqs one slice of a window holds (see below).
	wmax integer := goodgo_events.relay_window_max_events();
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
		fresh := ws IS NULL;
		IF fresh THEN
			-- Open the next window: the rows whose transaction is visible in a
			-- new snapshot and not in the previous one, in seq order.  The scan
			-- touches only txids from the previous snapshot's xmax on, plus
			-- those it listed as in progress, so an old open transaction
			-- elsewhere does not widen it.  The window's seqs are kept (one
			-- array per window, not a write per event), so each batch of a
			-- large window costs its own size, not the window's.
			IF p.win_snap IS NULL THEN
				p.win_snap := pg_current_snapshot();
				p.win_after := 0;
			END IF;
			-- A window is taken in slices of at most wmax seqs, the lowest
			-- first: one array must stay far below the 1 GB limit of a value
			-- (134 million seqs), or a huge backlog would jam the partition.
			-- The rest of the window waits for the next slice, taken with the
			-- same snapshot from the seq after this slice's last (win_after),
			-- so every row of the window is delivered once, in seq order,
			-- and rows committed later still fall into a later window.
			cur := p.win_snap;
			p.win_pos := 0;
			IF p.win_after = 0 THEN
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
					 ORDER BY o.seq
					 LIMIT wmax + 1);
			ELSE
				-- A later slice: the same rows, read in seq order from the
				-- primary keys after the last slice (the scan by txid would
				-- read the whole rest of the window again for every slice).
				ws := ARRAY(
					SELECT x.seq FROM goodgo_events.outbox x
					 WHERE x.seq > p.win_after AND x.part = p.part
					   AND pg_visible_in_snapshot(x.txid, cur)
					   AND NOT pg_visible_in_snapshot(x.txid, p.snap)
					 ORDER BY x.seq
					 LIMIT wmax + 1);
			END IF;
			p.win_capped := cardinality(ws) > wmax;
			IF p.win_capped THEN
				ws := ws[1 : wmax];
			END IF;
		END IF;
		n := coalesce(cardinality(ws), 0) - p.win_pos;
		EXIT WHEN n > 0 OR fresh;
		IF p.win_capped THEN
			-- The open slice is used up: the next slice of the same window.
			p.win_after := ws[cardinality(ws)];
		ELSE
			-- The open window is used up: close it and open the next one.
			p.snap := p.win_snap;
			p.win_snap := NULL;
		END IF;
		ws := NULL;
	END LOOP;

	SELECT count(*) INTO nred FROM goodgo_events.dead_letters d
	 WHERE d.relay = p.relay AND d.part = p.part
	   AND d.redrive_requested_at IS NOT NULL AND d.redriven_at IS NULL AND d.redrive_batch_id IS NULL;

	IF n = 0 AND nred = 0 THEN
		-- Nothing committed in the window: move the position past it.
		UPDATE goodgo_events.relay_positions rp
		   SET snap = p.win_snap, win_snap = NULL, win_seqs = NULL, win_pos = 0, win_after = 0,
			   win_capped = false
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
			   win_after = p.win_after, win_capped = p.win_capped,
			   batch_seq = bid, open_batch_id = bid
		 WHERE rp.relay = p.relay AND rp.part = p.part;
	ELSE
		UPDATE goodgo_events.relay_positions rp
		   SET batch_seq = bid, open_batch_id = bid
		 WHERE rp.relay = p.relay AND rp.part = p.part;
	END IF;
	batch := bid;
END $$;
CREATE OR REPLACE FUNCTION goodgo_events.relay_ack_batch(relay text, part integer, batch_id bigint) RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	p record;
	b record;
BEGIN
	SELECT rp.relay, rp.part, rp.open_batch_id, rp.last_batch_id INTO p
	  FROM goodgo_events.relay_positions rp
	 WHERE rp.relay = relay_ack_batch.relay AND rp.part = relay_ack_batch.part FOR UPDATE;
	IF FOUND AND p.open_batch_id IS DISTINCT FROM batch_id AND batch_id <= p.last_batch_id THEN
		RETURN 0;				-- acked already
	END IF;
	IF NOT FOUND OR p.open_batch_id IS DISTINCT FROM batch_id THEN
		RAISE EXCEPTION 'batch % of relay "%" partition % is not open', batch_id, relay, part
			USING ERRCODE = '22023', DETAIL = 'Only the batch returned by the last claim can be acknowledged.';
	END IF;
	UPDATE goodgo_events.relay_batches rb SET acked_at = clock_timestamp()
	 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = p.open_batch_id
	RETURNING rb.batch_id, rb.acked_at, rb.window_done, rb.n_window, rb.n_redrive,
			  rb.seqs[cardinality(rb.seqs)] AS last_seq INTO b;
	IF b.n_redrive > 0 THEN
		UPDATE goodgo_events.dead_letters d SET redriven_at = clock_timestamp()
		 WHERE d.relay = p.relay AND d.part = p.part AND d.redrive_batch_id = b.batch_id
		   AND d.redriven_at IS NULL;
	END IF;
	-- Failed attempts of the batch's events are forgotten (checked first:
	-- usually there are none, and then the batch's seqs are not read).
	IF EXISTS (SELECT 1 FROM goodgo_events.relay_failures f WHERE f.relay = p.relay AND f.part = p.part) THEN
		DELETE FROM goodgo_events.relay_failures f
		 USING goodgo_events.relay_batches rb
		 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = b.batch_id
		   AND f.relay = p.relay AND f.part = p.part AND f.seq = ANY (rb.seqs);
	END IF;
	-- A batch that ends a slice cut at the cap ends only that slice: the
	-- window stays open, its next slice starts after the batch's last seq.
	UPDATE goodgo_events.relay_positions rp
	   SET open_batch_id = NULL, last_batch_id = b.batch_id, last_acked_at = b.acked_at,
		   snap = CASE WHEN b.window_done AND NOT rp.win_capped THEN rp.win_snap ELSE rp.snap END,
		   win_snap = CASE WHEN b.window_done AND NOT rp.win_capped THEN NULL ELSE rp.win_snap END,
		   win_seqs = CASE WHEN b.window_done THEN NULL ELSE rp.win_seqs END,
		   win_pos = CASE WHEN b.window_done THEN 0 ELSE rp.win_pos + b.n_window END,
		   win_after = CASE WHEN NOT b.window_done THEN rp.win_after
							WHEN rp.win_capped THEN coalesce(b.last_seq, rp.win_after) ELSE 0 END,
		   win_capped = CASE WHEN b.window_done THEN false ELSE rp.win_capped END
	 WHERE rp.relay = p.relay AND rp.part = p.part;
	RETURN b.n_window + b.n_redrive;
END $$;
CREATE OR REPLACE VIEW goodgo_events.outbox_stats AS
SELECT p.relay, p.part, p.last_batch_id, p.last_acked_at, p.open_batch_id,
	   pend.n AS pending_estimate,
	   CASE WHEN pend.oldest IS NOT NULL
			THEN greatest(clock_timestamp() - pend.oldest, interval '0') END AS oldest_pending_age,
	   jsonb_build_object('0', pg_total_relation_size('goodgo_events.outbox_g0'),
						  '1', pg_total_relation_size('goodgo_events.outbox_g1'),
						  '2', pg_total_relation_size('goodgo_events.outbox_g2')) AS generation_bytes,
	   goodgo_events.outbox_current_gen() AS current_gen,
	   (SELECT CASE WHEN min(a.xact_start) IS NOT NULL
					THEN greatest(clock_timestamp() - min(a.xact_start), interval '0') END
		  FROM pg_catalog.pg_stat_activity a
		 WHERE a.pid <> pg_backend_pid()
		   AND (a.backend_xid IS NOT NULL OR a.backend_xmin IS NOT NULL)) AS oldest_xact_age
  FROM goodgo_events.relay_positions p,
	   LATERAL (SELECT count(*) AS n, min(o.created_at) AS oldest
				  FROM goodgo_events.outbox o
				 WHERE o.part = p.part
				   AND (o.txid >= pg_snapshot_xmax(p.snap)
						OR o.txid = ANY (ARRAY(SELECT pg_snapshot_xip(p.snap))))
				   AND NOT pg_visible_in_snapshot(o.txid, p.snap)) pend;
-- [i15compat] pg_jsonschema compatibility (goodgo_events_compat), IMMUTABLE
-- forms, and the refusal of an unknown $schema (issue 15).

-- IMMUTABLE JSON Schema validation (src/jsonschema/pgjsonschema.c): forms that
-- resolve no registered document and read no GUC, for index expressions,
-- generated columns and CHECK constraints, and the pg_jsonschema-compatible
-- API in the schema goodgo_events_compat.

-- goodgo_events: the dialect of a schema without $schema and the format
-- assertion are arguments.  Four arguments, no defaults: the two-argument
-- STABLE forms keep resolving untyped literals as before.
CREATE FUNCTION goodgo_events.jsonschema_is_valid(schema jsonb, instance jsonb, draft text,
												  format_assertion boolean) RETURNS boolean
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_is_valid_fixed';
COMMENT ON FUNCTION goodgo_events.jsonschema_is_valid(jsonb, jsonb, text, boolean) IS
	'does the instance match the JSON Schema, with no registered document, the draft (when the schema has no $schema) and format assertion given: IMMUTABLE';

CREATE FUNCTION goodgo_events.jsonschema_errors(schema jsonb, instance jsonb, draft text,
												format_assertion boolean) RETURNS jsonb
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_errors_fixed';
COMMENT ON FUNCTION goodgo_events.jsonschema_errors(jsonb, jsonb, text, boolean) IS
	'the "basic" output units of jsonschema_errors, with no registered document, the draft and format assertion given: IMMUTABLE';

-- goodgo_events_compat: pg_jsonschema's names and signatures, json ones
-- included, in a schema of their own so that no schema has json and jsonb
-- overloads of one name and arity (an untyped literal would be ambiguous).
-- Draft 2020-12 unless $schema says otherwise; format asserted.
CREATE SCHEMA goodgo_events_compat;
COMMENT ON SCHEMA goodgo_events_compat IS
	'goodgo_events: pg_jsonschema-compatible JSON Schema API (put it in search_path for code written against pg_jsonschema)';

CREATE FUNCTION goodgo_events_compat.json_matches_schema(schema json, instance json) RETURNS boolean
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_json_matches_schema';
COMMENT ON FUNCTION goodgo_events_compat.json_matches_schema(json, json) IS
	'pg_jsonschema: does the json instance match the schema (IMMUTABLE: no registered document, format asserted)';

CREATE FUNCTION goodgo_events_compat.jsonb_matches_schema(schema json, instance jsonb) RETURNS boolean
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonb_matches_schema';
COMMENT ON FUNCTION goodgo_events_compat.jsonb_matches_schema(json, jsonb) IS
	'pg_jsonschema: does the jsonb instance match the schema (IMMUTABLE: no registered document, format asserted)';

-- Both catch an invalid schema in a subtransaction: PARALLEL UNSAFE.
CREATE FUNCTION goodgo_events_compat.jsonschema_is_valid(schema json) RETURNS boolean
	LANGUAGE c IMMUTABLE STRICT PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonschema_is_valid';
COMMENT ON FUNCTION goodgo_events_compat.jsonschema_is_valid(json) IS
	'pg_jsonschema: is the schema valid (metaschema, regexes, references within the document; an unknown $schema is false)';

CREATE FUNCTION goodgo_events_compat.jsonschema_validation_errors(schema json, instance json) RETURNS text[]
	LANGUAGE c IMMUTABLE STRICT PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonschema_validation_errors';
COMMENT ON FUNCTION goodgo_events_compat.jsonschema_validation_errors(json, json) IS
	'pg_jsonschema: why the instance fails, "<JSON Pointer>: <message>" per failure (never instance values); an invalid schema gives its error as the one element';

-- The jsonschema type: a schema checked once, stored as canonical text.
CREATE TYPE goodgo_events_compat.jsonschema;
CREATE FUNCTION goodgo_events_compat.jsonschema_in(cstring) RETURNS goodgo_events_compat.jsonschema
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_in';
CREATE FUNCTION goodgo_events_compat.jsonschema_out(goodgo_events_compat.jsonschema) RETURNS cstring
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_out';
CREATE FUNCTION goodgo_events_compat.jsonschema_recv(internal) RETURNS goodgo_events_compat.jsonschema
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_recv';
CREATE FUNCTION goodgo_events_compat.jsonschema_send(goodgo_events_compat.jsonschema) RETURNS bytea
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_send';
CREATE TYPE goodgo_events_compat.jsonschema (
	INPUT = goodgo_events_compat.jsonschema_in,
	OUTPUT = goodgo_events_compat.jsonschema_out,
	RECEIVE = goodgo_events_compat.jsonschema_recv,
	SEND = goodgo_events_compat.jsonschema_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended,
	CATEGORY = 'U'
);
COMMENT ON TYPE goodgo_events_compat.jsonschema IS
	'pg_jsonschema: a JSON Schema checked when it is made, stored as canonical JSON text (keys sorted, no white space, 1.0 as 1)';

CREATE FUNCTION goodgo_events_compat.jsonschema_from_json(schema json) RETURNS goodgo_events_compat.jsonschema
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_from_json';
CREATE FUNCTION goodgo_events_compat.jsonschema_from_jsonb(schema jsonb) RETURNS goodgo_events_compat.jsonschema
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_from_jsonb';
CREATE CAST (json AS goodgo_events_compat.jsonschema)
	WITH FUNCTION goodgo_events_compat.jsonschema_from_json(json);
CREATE CAST (jsonb AS goodgo_events_compat.jsonschema)
	WITH FUNCTION goodgo_events_compat.jsonschema_from_jsonb(jsonb);

CREATE FUNCTION goodgo_events_compat.jsonschema_eq(goodgo_events_compat.jsonschema, goodgo_events_compat.jsonschema)
	RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_eq';
CREATE FUNCTION goodgo_events_compat.jsonschema_ne(goodgo_events_compat.jsonschema, goodgo_events_compat.jsonschema)
	RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_ne';
CREATE FUNCTION goodgo_events_compat.jsonschema_hash(goodgo_events_compat.jsonschema)
	RETURNS integer LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_hash';
CREATE OPERATOR goodgo_events_compat.= (
	LEFTARG = goodgo_events_compat.jsonschema,
	RIGHTARG = goodgo_events_compat.jsonschema,
	FUNCTION = goodgo_events_compat.jsonschema_eq,
	COMMUTATOR = OPERATOR(goodgo_events_compat.=),
	NEGATOR = OPERATOR(goodgo_events_compat.<>),
	RESTRICT = eqsel,
	JOIN = eqjoinsel,
	HASHES
);
CREATE OPERATOR goodgo_events_compat.<> (
	LEFTARG = goodgo_events_compat.jsonschema,
	RIGHTARG = goodgo_events_compat.jsonschema,
	FUNCTION = goodgo_events_compat.jsonschema_ne,
	COMMUTATOR = OPERATOR(goodgo_events_compat.<>),
	NEGATOR = OPERATOR(goodgo_events_compat.=),
	RESTRICT = neqsel,
	JOIN = neqjoinsel
);
CREATE OPERATOR CLASS goodgo_events_compat.jsonschema_hash_ops
	DEFAULT FOR TYPE goodgo_events_compat.jsonschema USING hash AS
	OPERATOR 1 goodgo_events_compat.= (goodgo_events_compat.jsonschema, goodgo_events_compat.jsonschema),
	FUNCTION 1 goodgo_events_compat.jsonschema_hash(goodgo_events_compat.jsonschema);

-- The compiled-schema functions: the compiled form is kept per call site
-- and in the backend cache.
CREATE FUNCTION goodgo_events_compat.json_matches_compiled_schema(schema goodgo_events_compat.jsonschema, instance json)
	RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_json_matches_compiled_schema';
CREATE FUNCTION goodgo_events_compat.jsonb_matches_compiled_schema(schema goodgo_events_compat.jsonschema, instance jsonb)
	RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonb_matches_compiled_schema';
CREATE FUNCTION goodgo_events_compat.json_validation_errors_compiled(schema goodgo_events_compat.jsonschema, instance json)
	RETURNS text[] LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_json_validation_errors_compiled';
CREATE FUNCTION goodgo_events_compat.jsonb_validation_errors_compiled(schema goodgo_events_compat.jsonschema, instance jsonb)
	RETURNS text[] LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonb_validation_errors_compiled';
-- pg_jsonschema's README names the json form jsonschema_validation_errors_compiled
-- (its code, json_validation_errors_compiled): both, so either works.
CREATE FUNCTION goodgo_events_compat.jsonschema_validation_errors_compiled(schema goodgo_events_compat.jsonschema, instance json)
	RETURNS text[] LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_json_validation_errors_compiled';

GRANT USAGE ON SCHEMA goodgo_events_compat TO PUBLIC;

-- From 1.2 on, a "$schema" that is none of the five drafts, and no bundled or
-- registered document (followed to a draft), is refused (22023) instead of
-- read as the default draft.  Say which registered types and documents that
-- now refuses, so they can be fixed (register the metaschema, or name a
-- draft) before their next event or compile.
DO $$
DECLARE
	r record;
	n integer := 0;
BEGIN
	FOR r IN
		WITH docs AS (
			SELECT 'event type ' || pg_catalog.quote_literal(v.event_type) || ' version ' || v.version AS what,
				   v.schema OPERATOR(pg_catalog.->>) '$schema' AS meta
			  FROM goodgo_events.event_type_versions v
			  JOIN goodgo_events.event_types t
				ON t.event_type OPERATOR(pg_catalog.=) v.event_type
			   AND t.current_version OPERATOR(pg_catalog.=) v.version
			 WHERE pg_catalog.jsonb_typeof(v.schema) OPERATOR(pg_catalog.=) 'object'
			UNION ALL
			SELECT 'schema document ' || pg_catalog.quote_literal(d.uri),
				   d.schema OPERATOR(pg_catalog.->>) '$schema'
			  FROM goodgo_events.schema_documents d
			 WHERE pg_catalog.jsonb_typeof(d.schema) OPERATOR(pg_catalog.=) 'object')
		SELECT what, meta FROM docs
		 WHERE meta IS NOT NULL
		   AND pg_catalog.rtrim(meta, '#') OPERATOR(pg_catalog.<>) ALL (ARRAY[
				'https://json-schema.org/draft/2020-12/schema',
				'https://json-schema.org/draft/2019-09/schema',
				'http://json-schema.org/draft-07/schema',
				'http://json-schema.org/draft-06/schema',
				'http://json-schema.org/draft-04/schema'])
		   AND meta OPERATOR(pg_catalog.!~) '^https://json-schema\.org/draft/20(19-09|20-12)/meta/[a-z-]+#?$'
		   AND NOT EXISTS (SELECT 1 FROM goodgo_events.schema_documents d
							WHERE d.uri OPERATOR(pg_catalog.=) pg_catalog.rtrim(meta, '#')
							   OR d.schema_id OPERATOR(pg_catalog.=) pg_catalog.rtrim(meta, '#'))
		 ORDER BY 1
	LOOP
		RAISE WARNING 'goodgo_events 1.2 refuses the JSON Schema of % (22023): unknown metaschema "%"',
			r.what, pg_catalog.left(r.meta, 200)
			USING HINT = 'Register that metaschema with goodgo_events.register_schema(), or set "$schema" to one of the drafts 2020-12, 2019-09, 7, 6 or 4.';
		n := n + 1;
	END LOOP;
	IF n > 0 THEN
		-- (a NOTICE would not show: extension scripts run with client_min_messages = warning)
		RAISE WARNING 'goodgo_events 1.2: % registered schema(s) name an unknown "$schema" (see the warnings above)', n;
	END IF;
END
$$;
-- [i12ext] issue 12, item 1: no PL/pgSQL of the extension resolves names
-- through its caller's search_path (the C side needs no SQL change).
ALTER FUNCTION goodgo_events.relay_claim_batch(text, integer, integer)
	SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_batch(text, integer, bigint)
	SET search_path = pg_catalog, pg_temp;
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
-- [i14pg] database_identity() survives pg_upgrade: a token in a table that
-- pg_dump does not dump (sql/objects/50_outbox.sql).  The token is this
-- cluster's system identifier, so positions written under 1.1 keep their
-- identity through the update (update before pg_upgrade, not after).
CREATE TABLE goodgo_events.database_token (
	one			boolean PRIMARY KEY DEFAULT true CHECK (one),
	token		text NOT NULL
);
COMMENT ON TABLE goodgo_events.database_token IS
	'one row, never dumped: the system identifier the extension was created under; with the database OID, the identity relay positions belong to (kept by pg_upgrade, new after a restore)';
INSERT INTO goodgo_events.database_token (token)
	SELECT c.system_identifier::text FROM pg_catalog.pg_control_system() c;
CREATE OR REPLACE FUNCTION goodgo_events.database_identity() RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN (SELECT coalesce((SELECT t.token FROM goodgo_events.database_token t),
							c.system_identifier::text) || '/' || d.oid
			  FROM pg_catalog.pg_control_system() c, pg_catalog.pg_database d
			 WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database());
COMMENT ON FUNCTION goodgo_events.database_identity() IS
	'the token of goodgo_events.database_token and this database''s OID: kept by pg_upgrade; a relay position restored from a dump (another database or cluster) is re-initialised';

-- [i16compat] contract evolution: the compatibility checker (issue 16)
CREATE FUNCTION goodgo_events.jsonschema_compatibility(old jsonb, new jsonb, compatibility text,
		policy text DEFAULT 'STRICT') RETURNS jsonb
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_compatibility';
COMMENT ON FUNCTION goodgo_events.jsonschema_compatibility(jsonb, jsonb, text, text) IS
	'BACKWARD (new readers accept every old value), FORWARD (old readers accept every new value) or FULL, under STRICT or LENIENT (readers ignore undeclared properties): {"compatible", "findings"}; compatible only when proven, findings with a checked witness when refuted';
CREATE FUNCTION goodgo_events.jsonschema_objects_closed(schema jsonb) RETURNS boolean
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_objects_closed';
COMMENT ON FUNCTION goodgo_events.jsonschema_objects_closed(jsonb) IS
	'is every object the schema describes closed (additionalProperties false or a schema, unevaluatedProperties false), also through $ref: what makes the LENIENT compatibility policy sound';

ALTER TABLE goodgo_events.event_types
	ADD COLUMN compatibility text NOT NULL DEFAULT 'FULL_TRANSITIVE'
		CONSTRAINT event_types_compatibility_check
		CHECK (compatibility IN ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD',
								 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE')),
	ADD COLUMN policy text NOT NULL DEFAULT 'LENIENT'
		CONSTRAINT event_types_policy_check CHECK (policy IN ('STRICT', 'LENIENT'));
COMMENT ON COLUMN goodgo_events.event_types.compatibility IS
	'how a new version is checked against the earlier ones (jsonschema_compatibility): NONE, BACKWARD, FORWARD, FULL, against the latest or (_TRANSITIVE) every earlier version';
COMMENT ON COLUMN goodgo_events.event_types.policy IS
	'STRICT: consumers validate with the writer schema; LENIENT: they ignore undeclared properties (applied only to closed schemas of an enforce type, else STRICT)';
ALTER TABLE goodgo_events.event_type_versions ADD COLUMN compat_report jsonb;
COMMENT ON COLUMN goodgo_events.event_type_versions.compat_report IS
	'when an admin registered an incompatible version anyway: the override reason, the mode and the findings; NULL otherwise';

CREATE OR REPLACE FUNCTION goodgo_events.event_types_merge_bundled()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE goodgo_events.event_types t
	   SET current_version = NEW.current_version, mode = NEW.mode, bundled = NEW.bundled,
		   created_at = NEW.created_at, updated_at = NEW.updated_at,
		   compatibility = NEW.compatibility, policy = NEW.policy
	 WHERE t.event_type = NEW.event_type AND t.bundled;
	IF FOUND THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

DROP FUNCTION goodgo_events.register_event_type(text, jsonb, text);
CREATE FUNCTION goodgo_events.register_event_type(event_type text, schema jsonb, mode text DEFAULT 'enforce',
												  override_reason text DEFAULT NULL)
RETURNS integer
LANGUAGE C
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'goodgo_register_event_type';
COMMENT ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) IS
	'goodgo_events: register an event type, or a new version of its payload schema (the same schema again changes nothing but the mode), refused when incompatible with the type''s compatibility mode unless override_reason is given; returns the current version';
REVOKE ALL ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) TO goodgo_events_admin;

-- Contract evolution (issue 16): each new version of a type's schema is
-- checked against the earlier ones (jsonschema_compatibility) in the type's
-- compatibility mode; register_event_type refuses an incompatible version
-- unless an admin gives override_reason, which is kept with the version.
CREATE FUNCTION goodgo_events.dialect_uri(dialect text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE dialect
		WHEN 'draft4' THEN 'http://json-schema.org/draft-04/schema#'
		WHEN 'draft6' THEN 'http://json-schema.org/draft-06/schema#'
		WHEN 'draft7' THEN 'http://json-schema.org/draft-07/schema#'
		WHEN 'draft2019-09' THEN 'https://json-schema.org/draft/2019-09/schema'
		ELSE 'https://json-schema.org/draft/2020-12/schema' END
$$;

COMMENT ON FUNCTION goodgo_events.dialect_uri(text) IS
	'goodgo_events: the metaschema URI of a pinned dialect (draft4 ... draft2020-12)';

CREATE FUNCTION goodgo_events.schema_property_pointers(schema jsonb)
RETURNS TABLE (pointer text, subschema jsonb)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE walk(pointer, subschema) AS (
		SELECT '/properties/' || replace(replace(p.key, '~', '~0'), '/', '~1'), p.value
		  FROM jsonb_each(CASE WHEN jsonb_typeof(schema -> 'properties') = 'object' THEN schema -> 'properties' END) p
		UNION ALL
		SELECT w.pointer || '/properties/' || replace(replace(p.key, '~', '~0'), '/', '~1'), p.value
		  FROM walk w,
			   jsonb_each(CASE WHEN jsonb_typeof(w.subschema -> 'properties') = 'object' THEN w.subschema -> 'properties' END) p
	)
	SELECT walk.pointer, walk.subschema FROM walk
$$;

COMMENT ON FUNCTION goodgo_events.schema_property_pointers(jsonb) IS
	'goodgo_events: every property a schema declares through nested "properties", as a JSON Pointer into the schema, with its subschema';

CREATE FUNCTION goodgo_events.check_event_type_compatibility(event_type text, schema jsonb,
		compatibility text DEFAULT NULL, policy text DEFAULT NULL)
RETURNS TABLE (against_version integer, rule text, effect text, old_path text, new_path text,
			   message text, witness jsonb)
LANGUAGE plpgsql
STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t record;
	v record;
	comp text;
	pol text;
	dir text;
	r jsonb;
	new_schema jsonb;
BEGIN
	IF event_type IS NULL OR schema IS NULL THEN
		RAISE EXCEPTION 'event type and schema must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT et.compatibility, et.policy, et.mode INTO t
	  FROM goodgo_events.event_types et WHERE et.event_type OPERATOR(pg_catalog.=) check_event_type_compatibility.event_type;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'event type "%" is not registered', event_type USING ERRCODE = 'undefined_object';
	END IF;
	comp := coalesce(upper(compatibility), t.compatibility);
	IF comp NOT IN ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE') THEN
		RAISE EXCEPTION 'unknown compatibility "%" for event type "%"', compatibility, event_type
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE.';
	END IF;
	pol := coalesce(upper(policy), t.policy);
	IF pol NOT IN ('STRICT', 'LENIENT') THEN
		RAISE EXCEPTION 'unknown policy "%" for event type "%"', policy, event_type
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use STRICT or LENIENT.';
	END IF;
	IF comp OPERATOR(pg_catalog.=) 'NONE' THEN
		RETURN;
	END IF;
	dir := split_part(comp, '_', 1);
	-- G1: a property an earlier version had and a later one removed is
	-- reserved: it may come back only with the schema it had
	RETURN QUERY
	WITH hist AS (
		SELECT ev.version, pp.pointer, pp.subschema
		  FROM goodgo_events.event_type_versions ev,
			   goodgo_events.schema_property_pointers(ev.schema) pp
		 WHERE ev.event_type OPERATOR(pg_catalog.=) check_event_type_compatibility.event_type),
	latest AS (
		SELECT h.pointer FROM hist h
		 WHERE h.version OPERATOR(pg_catalog.=) (SELECT max(ev.version) FROM goodgo_events.event_type_versions ev
												  WHERE ev.event_type OPERATOR(pg_catalog.=) check_event_type_compatibility.event_type)),
	reserved AS (
		SELECT DISTINCT ON (h.pointer) h.pointer, h.version, h.subschema
		  FROM hist h
		 WHERE NOT EXISTS (SELECT 1 FROM latest l WHERE l.pointer OPERATOR(pg_catalog.=) h.pointer)
		 ORDER BY h.pointer, h.version DESC)
	SELECT r.version, 'G1'::text, 'incomparable'::text, r.pointer, c.pointer,
		   format('property %s was removed after version %s: it may come back only with the schema it had then',
				  r.pointer, r.version),
		   NULL::jsonb
	  FROM reserved r
	  JOIN goodgo_events.schema_property_pointers(schema) c ON c.pointer OPERATOR(pg_catalog.=) r.pointer
	 WHERE c.subschema OPERATOR(pg_catalog.<>) r.subschema;
	-- each schema read in the dialect its version pinned (the new one: what
	-- register_event_type would pin now)
	new_schema := CASE WHEN jsonb_typeof(schema) OPERATOR(pg_catalog.=) 'object' AND NOT schema ? '$schema'
					   THEN schema OPERATOR(pg_catalog.||) jsonb_build_object('$schema',
							goodgo_events.dialect_uri(current_setting('goodgo_events.default_json_schema_draft')))
					   ELSE schema END;
	FOR v IN SELECT ev.version, ev.format_assertion,
					CASE WHEN jsonb_typeof(ev.schema) OPERATOR(pg_catalog.=) 'object' AND NOT ev.schema ? '$schema'
						 THEN ev.schema OPERATOR(pg_catalog.||) jsonb_build_object('$schema', goodgo_events.dialect_uri(ev.dialect))
						 ELSE ev.schema END AS schema
			   FROM goodgo_events.event_type_versions ev
			  WHERE ev.event_type OPERATOR(pg_catalog.=) check_event_type_compatibility.event_type
			  ORDER BY ev.version DESC
	LOOP
		-- a version registered without format assertion let any string through its formats
		IF NOT v.format_assertion AND v.schema::text LIKE '%"format"%' THEN
			RETURN QUERY SELECT v.version, 'S4'::text, 'unknown'::text, ''::text, ''::text,
				'cannot prove: this version was registered without format assertion, its producers were not held to "format"'::text,
				NULL::jsonb;
		END IF;
		-- LENIENT is sound only when producers are held to closed schemas
		r := goodgo_events.jsonschema_compatibility(v.schema, new_schema, dir,
				CASE WHEN pol OPERATOR(pg_catalog.=) 'LENIENT' AND t.mode OPERATOR(pg_catalog.=) 'enforce'
						  AND goodgo_events.jsonschema_objects_closed(v.schema)
						  AND goodgo_events.jsonschema_objects_closed(new_schema)
					 THEN 'LENIENT' ELSE 'STRICT' END);
		RETURN QUERY SELECT v.version, f->>'rule', f->>'effect', f->>'old_path', f->>'new_path',
							f->>'message', f->'witness'
					   FROM jsonb_array_elements(r->'findings') f;
		EXIT WHEN comp NOT LIKE '%\_TRANSITIVE';
	END LOOP;
END
$$;

COMMENT ON FUNCTION goodgo_events.check_event_type_compatibility(text, jsonb, text, text) IS
	'goodgo_events: dry run of the compatibility check register_event_type makes (the type''s mode and policy unless given); no rows means compatible';

CREATE FUNCTION goodgo_events.event_type_compatibility_gate(event_type text, schema jsonb, override_reason text,
		OUT open_schema boolean, OUT compatibility text, OUT against_version integer, OUT detail text,
		OUT report jsonb)
LANGUAGE plpgsql
VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	pol text;
	findings jsonb;
BEGIN
	SELECT et.compatibility, et.policy INTO compatibility, pol
	  FROM goodgo_events.event_types et WHERE et.event_type OPERATOR(pg_catalog.=) event_type_compatibility_gate.event_type;
	open_schema := compatibility OPERATOR(pg_catalog.<>) 'NONE' AND pol OPERATOR(pg_catalog.=) 'LENIENT'
		AND NOT goodgo_events.jsonschema_objects_closed(schema);
	SELECT jsonb_agg(to_jsonb(c) ORDER BY c.against_version DESC), max(c.against_version),
		   string_agg(format('v%s %s %s at %s (new %s): %s%s', c.against_version, c.rule, c.effect,
							 CASE c.old_path WHEN '' THEN '/' ELSE c.old_path END,
							 CASE c.new_path WHEN '' THEN '/' ELSE c.new_path END, c.message,
							 CASE WHEN c.witness IS NULL THEN '' ELSE '; witness ' OPERATOR(pg_catalog.||) c.witness::text END),
					  E'\n' ORDER BY c.against_version DESC)
	  INTO findings, against_version, detail
	  FROM goodgo_events.check_event_type_compatibility(event_type, schema) c;
	IF findings IS NOT NULL THEN
		report := jsonb_build_object('override_reason', override_reason, 'compatibility', compatibility,
									 'findings', findings);
	END IF;
END
$$;

COMMENT ON FUNCTION goodgo_events.event_type_compatibility_gate(text, jsonb, text) IS
	'goodgo_events: internal to register_event_type: the compatibility findings of a new version (report NULL when compatible) and whether its schema has open objects';

CREATE FUNCTION goodgo_events.set_event_type_compatibility(event_type text, compatibility text, policy text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t record;
	comp text := upper(compatibility);
	pol text;
	rank_old integer;
	rank_new integer;
BEGIN
	IF event_type IS NULL OR compatibility IS NULL THEN
		RAISE EXCEPTION 'event type and compatibility must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF comp NOT IN ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE') THEN
		RAISE EXCEPTION 'unknown compatibility "%" for event type "%"', compatibility, event_type
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE.';
	END IF;
	SELECT et.compatibility, et.policy INTO t
	  FROM goodgo_events.event_types et WHERE et.event_type OPERATOR(pg_catalog.=) set_event_type_compatibility.event_type
	   FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'event type "%" is not registered', event_type USING ERRCODE = 'undefined_object';
	END IF;
	pol := coalesce(upper(policy), t.policy);
	IF pol NOT IN ('STRICT', 'LENIENT') THEN
		RAISE EXCEPTION 'unknown policy "%" for event type "%"', policy, event_type
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use STRICT or LENIENT.';
	END IF;
	-- looser: fewer directions, or no longer transitive, or STRICT to LENIENT
	IF NOT ((CASE WHEN comp LIKE 'FULL%' THEN ARRAY['BACKWARD', 'FORWARD'] WHEN comp = 'NONE' THEN '{}'::text[]
				  ELSE ARRAY[split_part(comp, '_', 1)] END) @>
			(CASE WHEN t.compatibility LIKE 'FULL%' THEN ARRAY['BACKWARD', 'FORWARD'] WHEN t.compatibility = 'NONE' THEN '{}'::text[]
				  ELSE ARRAY[split_part(t.compatibility, '_', 1)] END))
	   OR (t.compatibility LIKE '%\_TRANSITIVE' AND comp NOT LIKE '%\_TRANSITIVE')
	   OR (t.policy = 'STRICT' AND pol = 'LENIENT') THEN
		RAISE WARNING 'loosening the compatibility of event type "%" from % % to % %', event_type,
			t.compatibility, t.policy, comp, pol
			USING HINT = 'Versions registered under the looser mode may break consumers of earlier ones.';
	END IF;
	UPDATE goodgo_events.event_types et
	   SET compatibility = comp, policy = pol, bundled = false, updated_at = pg_catalog.now()
	 WHERE et.event_type OPERATOR(pg_catalog.=) set_event_type_compatibility.event_type;
END
$$;

COMMENT ON FUNCTION goodgo_events.set_event_type_compatibility(text, text, text) IS
	'goodgo_events: set the compatibility mode (NONE, BACKWARD[_TRANSITIVE], FORWARD[_TRANSITIVE], FULL[_TRANSITIVE]) and policy (STRICT, LENIENT) new versions of a type are checked in; warns when loosening';

REVOKE ALL ON FUNCTION goodgo_events.event_type_compatibility_gate(text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION goodgo_events.set_event_type_compatibility(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.set_event_type_compatibility(text, text, text) TO goodgo_events_admin;

-- What consumers vendor: the schema of a version, or its reader view (every
-- additionalProperties/unevaluatedProperties false dropped, for a LENIENT
-- type), and every contract as files.
CREATE FUNCTION goodgo_events.jsonschema_reader_view(schema jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE jsonb_typeof(schema)
		WHEN 'object' THEN (
			SELECT coalesce(jsonb_object_agg(k, CASE
				WHEN k IN ('enum', 'const', 'default', 'examples', 'required', '$comment', 'title', 'description') THEN v
				WHEN k IN ('properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas')
					 AND jsonb_typeof(v) = 'object'
					THEN (SELECT coalesce(jsonb_object_agg(k2, goodgo_events.jsonschema_reader_view(v2)), '{}')
							FROM jsonb_each(v) x(k2, v2))
				ELSE goodgo_events.jsonschema_reader_view(v) END), '{}')
			  FROM jsonb_each(schema) e(k, v)
			 WHERE NOT (k IN ('additionalProperties', 'unevaluatedProperties') AND v = 'false'))
		WHEN 'array' THEN (SELECT coalesce(jsonb_agg(goodgo_events.jsonschema_reader_view(e) ORDER BY i), '[]')
			FROM jsonb_array_elements(schema) WITH ORDINALITY a(e, i))
		ELSE schema END
$$;

COMMENT ON FUNCTION goodgo_events.jsonschema_reader_view(jsonb) IS
	'goodgo_events: the schema with every additionalProperties/unevaluatedProperties false dropped: what a LENIENT consumer validates with';

CREATE FUNCTION goodgo_events.event_type_schema(event_type text, version integer DEFAULT NULL,
												reader boolean DEFAULT false)
RETURNS jsonb
LANGUAGE sql
STABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN coalesce(reader, false) AND t.policy = 'LENIENT' AND t.mode = 'enforce'
					 AND goodgo_events.jsonschema_objects_closed(p.pinned)
				THEN goodgo_events.jsonschema_reader_view(p.pinned) ELSE v.schema END
	  FROM goodgo_events.event_types t
	  JOIN goodgo_events.event_type_versions v
		ON v.event_type = t.event_type AND v.version = coalesce($2, t.current_version)
	 CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(v.schema) = 'object' AND NOT v.schema ? '$schema'
									 THEN v.schema || jsonb_build_object('$schema', goodgo_events.dialect_uri(v.dialect))
									 ELSE v.schema END AS pinned) p
	 WHERE t.event_type = $1
$$;

COMMENT ON FUNCTION goodgo_events.event_type_schema(text, integer, boolean) IS
	'goodgo_events: the payload schema of a version (NULL = current); reader => true gives what consumers validate with (the reader view of a LENIENT type); NULL when there is no such version';

CREATE FUNCTION goodgo_events.export_contracts()
RETURNS TABLE (path text, document jsonb)
LANGUAGE sql
STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT f.p, f.d FROM (
		SELECT t.event_type || '/v' || v.version || '.schema.json' AS p,
			   goodgo_events.event_type_schema(t.event_type, v.version, true) AS d
		  FROM goodgo_events.event_types t
		  JOIN goodgo_events.event_type_versions v ON v.event_type = t.event_type
		UNION ALL
		SELECT 'shared/' || regexp_replace(s.uri, '^[a-z]+://', ''), goodgo_events.jsonschema_reader_view(s.schema)
		  FROM goodgo_events.schema_documents s) f
	 ORDER BY f.p COLLATE "C"
$$;

COMMENT ON FUNCTION goodgo_events.export_contracts() IS
	'goodgo_events: the files a consumer repository vendors: <type>/v<N>.schema.json (reader views) and shared/<uri> (reader views) for every registered document, the envelope among them';

CREATE FUNCTION goodgo_events.schema_document_change_check(uri text, schema jsonb, schema_id text)
RETURNS void
LANGUAGE plpgsql
VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	old_doc jsonb;
	v record;
	embedded jsonb;
	r jsonb;
	dir text;
BEGIN
	SELECT d.schema INTO old_doc FROM goodgo_events.schema_documents d
	 WHERE d.uri OPERATOR(pg_catalog.=) schema_document_change_check.uri;
	IF NOT FOUND OR old_doc OPERATOR(pg_catalog.=) schema THEN
		RETURN;
	END IF;
	-- The new document, embedded under the URIs it answers to: those win over
	-- the registered (old) one when the dependent schema is compiled.
	embedded := jsonb_build_object('goodgo_events_document_new', schema OPERATOR(pg_catalog.||) jsonb_build_object('$id', uri));
	IF schema_id IS NOT NULL AND schema_id OPERATOR(pg_catalog.<>) uri THEN
		embedded := embedded OPERATOR(pg_catalog.||)
			jsonb_build_object('goodgo_events_document_new_id', schema OPERATOR(pg_catalog.||) jsonb_build_object('$id', schema_id));
	END IF;
	FOR v IN SELECT ev.event_type, ev.version, et.compatibility, et.policy, et.mode,
					CASE WHEN ev.schema ? '$schema' THEN ev.schema
						 ELSE ev.schema OPERATOR(pg_catalog.||) jsonb_build_object('$schema', goodgo_events.dialect_uri(ev.dialect)) END AS schema
			   FROM goodgo_events.event_type_versions ev
			   JOIN goodgo_events.event_types et ON et.event_type OPERATOR(pg_catalog.=) ev.event_type
			  WHERE et.compatibility OPERATOR(pg_catalog.<>) 'NONE'
				AND jsonb_typeof(ev.schema) OPERATOR(pg_catalog.=) 'object'
				AND (et.compatibility LIKE '%\_TRANSITIVE' OR ev.version OPERATOR(pg_catalog.=) et.current_version)
			  ORDER BY ev.event_type COLLATE "C", ev.version DESC
	LOOP
		dir := split_part(v.compatibility, '_', 1);
		r := goodgo_events.jsonschema_compatibility(v.schema,
				v.schema OPERATOR(pg_catalog.||) jsonb_build_object('definitions',
					coalesce(v.schema -> 'definitions', '{}') OPERATOR(pg_catalog.||) embedded),
				dir,
				CASE WHEN v.policy OPERATOR(pg_catalog.=) 'LENIENT' AND v.mode OPERATOR(pg_catalog.=) 'enforce'
						  AND goodgo_events.jsonschema_objects_closed(v.schema)
					 THEN 'LENIENT' ELSE 'STRICT' END);
		IF NOT (r->>'compatible')::boolean THEN
			RAISE EXCEPTION 'changing schema document "%" breaks version % of event type "%" (%)', uri, v.version,
					v.event_type, v.compatibility
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = (SELECT string_agg(format('%s %s at %s: %s%s', f->>'rule', f->>'effect',
							CASE f->>'new_path' WHEN '' THEN '/' ELSE f->>'new_path' END, f->>'message',
							CASE WHEN f ? 'witness' THEN '; witness ' OPERATOR(pg_catalog.||) (f->'witness')::text ELSE '' END), E'\n')
								FROM jsonb_array_elements(r->'findings') f),
					  HINT = 'Register the changed document under a new URI and refer to it from a new event type, or set the type''s compatibility to NONE.';
		END IF;
	END LOOP;
END
$$;

COMMENT ON FUNCTION goodgo_events.schema_document_change_check(text, jsonb, text) IS
	'goodgo_events: internal to register_schema: a changed shared document must keep every dependent event-type version compatible in its mode (22023 otherwise)';

REVOKE ALL ON FUNCTION goodgo_events.schema_document_change_check(text, jsonb, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION goodgo_events.register_schema(uri text, schema jsonb) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	id text := goodgo_events.jsonschema_check_document(uri, schema);
BEGIN
	-- a changed document must not break the event types that refer to it
	PERFORM goodgo_events.schema_document_change_check(uri, schema, id);
	INSERT INTO goodgo_events.schema_documents AS d (uri, schema_id, schema)
	VALUES (uri, id, schema)
	ON CONFLICT ON CONSTRAINT schema_documents_pkey
	DO UPDATE SET schema_id = EXCLUDED.schema_id, schema = EXCLUDED.schema, registered_at = now();
END
$$;
ALTER FUNCTION goodgo_events.register_schema(text, jsonb) SECURITY DEFINER;

-- Existing types get FULL_TRANSITIVE / LENIENT.  Say which ones will be
-- checked STRICT because their current schema has open objects.
DO $$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT et.event_type, v.schema
			   FROM goodgo_events.event_types et
			   JOIN goodgo_events.event_type_versions v
				 ON v.event_type OPERATOR(pg_catalog.=) et.event_type
				AND v.version OPERATOR(pg_catalog.=) et.current_version
			  ORDER BY et.event_type COLLATE "C"
	LOOP
		BEGIN
			CONTINUE WHEN goodgo_events.jsonschema_objects_closed(t.schema);
		EXCEPTION WHEN OTHERS THEN
			NULL;	-- (a schema that needs its pinned dialect: checked at its next version)
		END;
		RAISE NOTICE 'event type "%": new versions will be checked STRICT (its schema has open objects), FULL_TRANSITIVE', t.event_type
			USING HINT = 'Close its objects (additionalProperties: false) for LENIENT, or choose a mode with set_event_type_compatibility().';
	END LOOP;
END
$$;

-- [lead] dead letters: relay_replay leaves out the events a batch did not
-- publish (they became dead letters there), so that the relay's loss check
-- no longer takes dead letters at the end of the last acked batch for events
-- Redis lost, and no longer publishes them under their original ids (then
-- again when redriven).  A redrive that failed again left a newer dead
-- letter of the same event: only that one can be redriven again.

CREATE INDEX dead_letters_seq ON goodgo_events.dead_letters (relay, part, seq);
COMMENT ON INDEX goodgo_events.dead_letters_seq IS
	'dead letters of an event: relay_replay leaves out what a batch did not publish, a redrive takes the newest';

CREATE OR REPLACE FUNCTION goodgo_events.relay_replay(relay text, part integer, from_batch bigint)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer, replay boolean)
	LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED SET jit = off
	BEGIN ATOMIC
		SELECT r.batch_id, r.ord, r.seq, r.event_id, r.event_type, r.aggregate_id, r.stream,
			   r.envelope, r.attempts, true
		  FROM goodgo_events.relay_batches b,
			   LATERAL goodgo_events.relay_batch_rows(b.relay, b.part, b.batch_id) r
		 WHERE b.relay = relay_replay.relay AND b.part = relay_replay.part
		   AND b.batch_id >= relay_replay.from_batch AND b.acked_at IS NOT NULL
		   -- Not what the batch did not publish: an event that became a
		   -- dead letter in it (a dead letter of its seq newer than the one
		   -- the batch redrove, if any).  The relay's loss check compares
		   -- the stream top with the newest replayed entry, and restores
		   -- what it replays.
		   AND NOT EXISTS (
				SELECT 1 FROM goodgo_events.dead_letters d
				 WHERE d.relay = b.relay AND d.part = b.part AND d.seq = r.seq
				   AND d.id > coalesce((SELECT max(x.dead_letter_id)
										  FROM goodgo_events.relay_batch_redrives x
										  JOIN goodgo_events.dead_letters dx ON dx.id = x.dead_letter_id
										 WHERE x.relay = b.relay AND x.part = b.part
										   AND x.batch_id = b.batch_id AND dx.seq = r.seq), 0))
		 ORDER BY r.batch_id, r.ord;
	END;
COMMENT ON FUNCTION goodgo_events.relay_replay(text, integer, bigint) IS
	're-deliver the retained events of acked batches from batch from_batch on, without those that became dead letters there (replay = true: publish with automatic ids)';

CREATE OR REPLACE FUNCTION goodgo_events.redrive_dead_letter(id bigint) RETURNS boolean
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	BEGIN ATOMIC
		WITH u AS (
			UPDATE goodgo_events.dead_letters d
			   SET redrive_requested_at = clock_timestamp(), redrive_batch_id = NULL, redriven_at = NULL
			 WHERE d.id = redrive_dead_letter.id
			   AND (d.redrive_requested_at IS NULL OR d.redriven_at IS NOT NULL)
			   AND NOT EXISTS (SELECT 1 FROM goodgo_events.dead_letters n
								WHERE n.relay = d.relay AND n.part = d.part AND n.seq = d.seq AND n.id > d.id)
			RETURNING 1)
		SELECT count(*) > 0 FROM u;
	END;
COMMENT ON FUNCTION goodgo_events.redrive_dead_letter(bigint) IS
	're-queue one dead letter: its relay delivers it again in its next batch; false if unknown, queued already, or superseded by a newer dead letter of the same event';

CREATE OR REPLACE FUNCTION goodgo_events.redrive_dead_letters(relay text DEFAULT NULL) RETURNS bigint
	LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
	BEGIN ATOMIC
		WITH u AS (
			UPDATE goodgo_events.dead_letters d
			   SET redrive_requested_at = clock_timestamp(), redrive_batch_id = NULL, redriven_at = NULL
			 WHERE (redrive_dead_letters.relay IS NULL OR d.relay = redrive_dead_letters.relay)
			   AND (d.redrive_requested_at IS NULL OR d.redriven_at IS NOT NULL)
			   -- a redrive that failed again left a newer dead letter: only that one
			   AND NOT EXISTS (SELECT 1 FROM goodgo_events.dead_letters n
								WHERE n.relay = d.relay AND n.part = d.part AND n.seq = d.seq AND n.id > d.id)
			RETURNING 1)
		SELECT count(*) FROM u;
	END;
COMMENT ON FUNCTION goodgo_events.redrive_dead_letters(text) IS
	're-queue every dead letter (of one relay, or all); returns how many';
-- (CREATE OR REPLACE reset what 70_roles.sql gives them)
ALTER FUNCTION goodgo_events.relay_replay(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.redrive_dead_letter(bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.redrive_dead_letters(text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- [lead] shared documents keep their history: schema_document_versions, one
-- row per content a document has had, appended by register_schema.  The
-- documents registered so far become their version 1.
-- Every content a shared document has had, numbered per URI from 1.  The
-- validator reads schema_documents (the current content); this keeps what
-- consumers and auditors need to read events validated against an earlier
-- content.  register_schema appends a row when the content changes; rows are
-- never updated.  pg_dump keeps the rows users made (a bundled document's
-- first content is registered again by CREATE EXTENSION on restore).
CREATE TABLE goodgo_events.schema_document_versions (
	uri				text NOT NULL,
	version			integer NOT NULL CONSTRAINT schema_document_versions_version_check CHECK (version >= 1),
	schema_id		text,
	schema			jsonb NOT NULL,
	registered_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (uri, version)
);
COMMENT ON TABLE goodgo_events.schema_document_versions IS
	'every content a shared schema document has had (register_schema appends one when it changes), numbered per URI from 1; never updated';
COMMENT ON COLUMN goodgo_events.schema_document_versions.uri IS 'the URI the document is registered under';
COMMENT ON COLUMN goodgo_events.schema_document_versions.version IS 'content version, 1, 2, ... per URI';
COMMENT ON COLUMN goodgo_events.schema_document_versions.schema_id IS 'the document''s own $id resolved against uri, when it differs from uri';
COMMENT ON COLUMN goodgo_events.schema_document_versions.schema IS 'the document as registered then';
COMMENT ON COLUMN goodgo_events.schema_document_versions.registered_at IS 'when this content was registered';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.schema_document_versions',
	'WHERE NOT (version = 1 AND EXISTS (SELECT 1 FROM goodgo_events.bundled_schemas b'
	' WHERE b.uri = schema_document_versions.uri AND b.schema = schema_document_versions.schema))');

CREATE FUNCTION goodgo_events.schema_document_versions_immutable() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	RAISE EXCEPTION 'cannot change version % of schema document "%"', OLD.version, OLD.uri
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = 'The history of a shared document is never changed.',
			  HINT = 'Register the new content with goodgo_events.register_schema(); it becomes the next version.';
END
$$;
COMMENT ON FUNCTION goodgo_events.schema_document_versions_immutable() IS
	'goodgo_events: trigger keeping schema_document_versions append-only';
CREATE TRIGGER schema_document_versions_immutable
	BEFORE UPDATE ON goodgo_events.schema_document_versions
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.schema_document_versions_immutable();
REVOKE ALL ON goodgo_events.schema_document_versions FROM PUBLIC;
GRANT SELECT ON goodgo_events.schema_document_versions TO PUBLIC;

INSERT INTO goodgo_events.schema_document_versions (uri, version, schema_id, schema, registered_at)
SELECT d.uri, 1, d.schema_id, d.schema, d.registered_at FROM goodgo_events.schema_documents d;

CREATE OR REPLACE FUNCTION goodgo_events.register_schema(uri text, schema jsonb) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	id text := goodgo_events.jsonschema_check_document(uri, schema);
BEGIN
	-- Concurrent registrations of one URI take turns (the statements after
	-- the lock see what the other committed).
	PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('goodgo_events.register_schema'),
											 pg_catalog.hashtext(uri));
	-- a changed document must not break the event types that refer to it
	PERFORM goodgo_events.schema_document_change_check(uri, schema, id);
	-- A new content (or a first one) is the document's next version; the
	-- same content again is not.
	IF NOT EXISTS (SELECT 1 FROM goodgo_events.schema_documents d
					WHERE d.uri OPERATOR(pg_catalog.=) register_schema.uri
					  AND d.schema OPERATOR(pg_catalog.=) register_schema.schema
					  AND d.schema_id IS NOT DISTINCT FROM id) THEN
		-- (a document with no history, restored from a 1.1 dump: its
		-- current content becomes version 1 first)
		INSERT INTO goodgo_events.schema_document_versions (uri, version, schema_id, schema, registered_at)
		SELECT d.uri, 1, d.schema_id, d.schema, d.registered_at
		  FROM goodgo_events.schema_documents d
		 WHERE d.uri OPERATOR(pg_catalog.=) register_schema.uri
		   AND NOT EXISTS (SELECT 1 FROM goodgo_events.schema_document_versions v
							WHERE v.uri OPERATOR(pg_catalog.=) register_schema.uri);
		INSERT INTO goodgo_events.schema_document_versions (uri, version, schema_id, schema)
		SELECT register_schema.uri, coalesce(max(v.version), 0) OPERATOR(pg_catalog.+) 1, id, register_schema.schema
		  FROM goodgo_events.schema_document_versions v
		 WHERE v.uri OPERATOR(pg_catalog.=) register_schema.uri;
	END IF;
	INSERT INTO goodgo_events.schema_documents AS d (uri, schema_id, schema)
	VALUES (uri, id, schema)
	ON CONFLICT ON CONSTRAINT schema_documents_pkey
	DO UPDATE SET schema_id = EXCLUDED.schema_id, schema = EXCLUDED.schema, registered_at = now();
END
$$;
COMMENT ON FUNCTION goodgo_events.register_schema(text, jsonb) IS
	'store a schema document that any schema can $ref by this URI or by its $id (replaces one registered under the same URI; a changed content is kept as its next version in schema_document_versions)';
ALTER FUNCTION goodgo_events.register_schema(text, jsonb) SECURITY DEFINER;

-- [lead] no foreign key between the registry's configuration tables:
-- pg_restore -j loads their data in parallel, in no set order, and the
-- versions' COPY failed whenever it ran before event_types' (every user
-- version lost).  A trigger keeps the key's RESTRICT.
ALTER TABLE goodgo_events.event_type_versions DROP CONSTRAINT event_type_versions_event_type_fkey;
-- What the foreign key's ON DELETE/UPDATE RESTRICT did (see above).
CREATE FUNCTION goodgo_events.event_types_keep_versions()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.event_type OPERATOR(pg_catalog.=) OLD.event_type THEN
		RETURN NEW;
	END IF;
	IF EXISTS (SELECT 1 FROM goodgo_events.event_type_versions v
				WHERE v.event_type OPERATOR(pg_catalog.=) OLD.event_type) THEN
		RAISE EXCEPTION 'event type "%" has registered versions', OLD.event_type
			USING ERRCODE = 'foreign_key_violation',
				  DETAIL = 'Outbox rows and consumers refer to an event type''s versions by its name and number.',
				  HINT = 'Stop emitting the type instead; its versions stay in the registry.';
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

COMMENT ON FUNCTION goodgo_events.event_types_keep_versions() IS
	'goodgo_events: trigger keeping an event type that has versions from being deleted or renamed';

CREATE TRIGGER event_types_keep_versions
	BEFORE DELETE OR UPDATE OF event_type ON goodgo_events.event_types
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.event_types_keep_versions();


-- [i16relay] the payload's version travels with the event to the stream
-- (issue 16, item 4): relay_rows and every function returning its rows
-- (relay_batch_rows, relay_claim, both relay_ack_claim, relay_peek, both
-- relay_replay) end with schema_version, the outbox row's; dead_letters
-- keeps it (filled by relay_nack), so a redriven event is published with it
-- again.  A function's result type cannot be changed in place: dropped and
-- created again (relay_replay(timestamptz) depends on relay_replay(bigint),
-- which depends on relay_batch_rows: dropped first), then given back their
-- owner-rights settings, privileges and comments of 70_roles.sql.
ALTER TABLE goodgo_events.dead_letters ADD COLUMN schema_version integer;
COMMENT ON COLUMN goodgo_events.dead_letters.schema_version IS
	'the outbox row''s schema_version (the payload''s version), so that a redriven event is published with it again';

DROP FUNCTION goodgo_events.relay_replay(text, integer, timestamptz);
DROP FUNCTION goodgo_events.relay_replay(text, integer, bigint);
DROP FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint);
DROP FUNCTION goodgo_events.relay_claim(text, integer, integer);
DROP FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer);
DROP FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]);
DROP FUNCTION goodgo_events.relay_peek(text, integer, integer);
DROP FUNCTION goodgo_events.relay_rows(text, integer, bigint, bigint[]);

CREATE FUNCTION goodgo_events.relay_rows(relay text, part integer, batch bigint, seqs bigint[])
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer,
				  schema_version integer)
	LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
	SELECT $3, (row_number() OVER (ORDER BY k.src, k.seq, k.dl))::integer,
		   o.seq, o.event_id, o.event_type, o.aggregate_id, o.stream, o.envelope,
		   CASE WHEN EXISTS (SELECT 1 FROM goodgo_events.relay_failures f0
							  WHERE f0.relay = $1 AND f0.part = $2)
				THEN coalesce((SELECT f.attempts FROM goodgo_events.relay_failures f
								WHERE f.relay = $1 AND f.part = $2 AND f.seq = o.seq), 0)
				ELSE 0 END,
		   o.schema_version
	  FROM (SELECT 0 AS src, s.seq, 0::bigint AS dl FROM unnest($4) AS s(seq)
			UNION ALL
			SELECT 1, d.seq, d.id
			  FROM goodgo_events.relay_batch_redrives x
			  JOIN goodgo_events.dead_letters d ON d.id = x.dead_letter_id
			 WHERE x.relay = $1 AND x.part = $2 AND x.batch_id = $3
			 ORDER BY 1, 2, 3) k
	 CROSS JOIN LATERAL (
			(SELECT w.seq, w.event_id, w.event_type, w.aggregate_id, w.stream, w.envelope,
					w.schema_version
			   FROM goodgo_events.outbox w WHERE k.src = 0 AND w.seq = k.seq LIMIT 1)
			UNION ALL
			SELECT r.seq, r.event_id, r.event_type, r.aggregate_id, r.stream, r.envelope,
				   r.schema_version
			  FROM goodgo_events.dead_letters r WHERE k.src = 1 AND r.id = k.dl) o
	 ORDER BY k.src, k.seq, k.dl
$$;
COMMENT ON FUNCTION goodgo_events.relay_rows(text, integer, bigint, bigint[]) IS
	'the rows of batch batch of (relay, part) with window seqs seqs, then its redriven dead letters, in delivery order (internal)';

CREATE FUNCTION goodgo_events.relay_batch_rows(relay text, part integer, batch bigint)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer,
				  schema_version integer)
	LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	s bigint[];
BEGIN
	SELECT rb.seqs INTO s FROM goodgo_events.relay_batches rb
	 WHERE rb.relay = relay_batch_rows.relay AND rb.part = relay_batch_rows.part
	   AND rb.batch_id = relay_batch_rows.batch;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT * FROM goodgo_events.relay_rows(relay, part, batch, s);
END $$;
COMMENT ON FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint) IS
	'the rows of a recorded batch of (relay, part), in delivery order (same rows every time)';

CREATE FUNCTION goodgo_events.relay_claim(relay text, part integer, max_events integer DEFAULT 1000)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer,
				  schema_version integer)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	c record;
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	c := goodgo_events.relay_claim_batch(relay, part, max_events);
	IF c.batch IS NOT NULL THEN
		RETURN QUERY SELECT * FROM goodgo_events.relay_rows(relay, part, c.batch, c.seqs);
	END IF;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_claim(text, integer, integer) IS
	'claim the next batch of committed events of (relay, part) in commit-visibility order, or the open batch again';

CREATE FUNCTION goodgo_events.relay_ack_claim(relay text, part integer, ack_batch_id bigint,
											  max_events integer DEFAULT 1000)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer,
				  schema_version integer)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	c record;
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	-- A bad max_events must not ack anything either.
	IF max_events < 1 THEN
		RAISE EXCEPTION 'max_events must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('The value given was %s.', max_events);
	END IF;
	PERFORM goodgo_events.relay_ack_batch(relay, part, ack_batch_id);
	c := goodgo_events.relay_claim_batch(relay, part, max_events);
	IF c.batch IS NOT NULL THEN
		RETURN QUERY SELECT * FROM goodgo_events.relay_rows(relay, part, c.batch, c.seqs);
	END IF;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer) IS
	'acknowledge batch ack_batch_id of (relay, part), then claim the next batch, in one call (relay_ack then relay_claim)';

CREATE FUNCTION goodgo_events.relay_peek(relay text, part integer, max_events integer)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope text, attempts integer,
				  schema_version integer)
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
			   goodgo_events.jsonb_text(r.envelope), r.attempts, r.schema_version
		  FROM goodgo_events.relay_rows(relay, part, greatest(p.batch_seq, b.batch_id) + 1, s) r;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_peek(text, integer, integer) IS
	'the rows the claim after the open batch of (relay, part) will return, when they can be known before its ack (else none); read-only, confirmed by relay_ack_claim(relay, part, ack_batch_id, max_events, peeked_batch_id, peeked_seqs)';

CREATE FUNCTION goodgo_events.relay_ack_claim(relay text, part integer, ack_batch_id bigint,
											  max_events integer, peeked_batch_id bigint,
											  peeked_seqs bigint[])
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer,
				  schema_version integer)
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

CREATE FUNCTION goodgo_events.relay_replay(relay text, part integer, from_batch bigint)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer, replay boolean,
				  schema_version integer)
	LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED SET jit = off
	BEGIN ATOMIC
		SELECT r.batch_id, r.ord, r.seq, r.event_id, r.event_type, r.aggregate_id, r.stream,
			   r.envelope, r.attempts, true, r.schema_version
		  FROM goodgo_events.relay_batches b,
			   LATERAL goodgo_events.relay_batch_rows(b.relay, b.part, b.batch_id) r
		 WHERE b.relay = relay_replay.relay AND b.part = relay_replay.part
		   AND b.batch_id >= relay_replay.from_batch AND b.acked_at IS NOT NULL
		   -- Not what the batch did not publish: an event that became a
		   -- dead letter in it (a dead letter of its seq newer than the one
		   -- the batch redrove, if any).  The relay's loss check compares
		   -- the stream top with the newest replayed entry, and restores
		   -- what it replays.
		   AND NOT EXISTS (
				SELECT 1 FROM goodgo_events.dead_letters d
				 WHERE d.relay = b.relay AND d.part = b.part AND d.seq = r.seq
				   AND d.id > coalesce((SELECT max(x.dead_letter_id)
										  FROM goodgo_events.relay_batch_redrives x
										  JOIN goodgo_events.dead_letters dx ON dx.id = x.dead_letter_id
										 WHERE x.relay = b.relay AND x.part = b.part
										   AND x.batch_id = b.batch_id AND dx.seq = r.seq), 0))
		 ORDER BY r.batch_id, r.ord;
	END;
COMMENT ON FUNCTION goodgo_events.relay_replay(text, integer, bigint) IS
	're-deliver the retained events of acked batches from batch from_batch on, without those that became dead letters there (replay = true: publish with automatic ids)';

CREATE FUNCTION goodgo_events.relay_replay(relay text, part integer, from_time timestamptz)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer, replay boolean,
				  schema_version integer)
	LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED SET jit = off
	BEGIN ATOMIC
		SELECT r.*
		  FROM goodgo_events.relay_replay(relay_replay.relay, relay_replay.part,
				coalesce((SELECT min(b.batch_id) FROM goodgo_events.relay_batches b
						   WHERE b.relay = relay_replay.relay AND b.part = relay_replay.part
							 AND b.acked_at >= relay_replay.from_time), 9223372036854775807)) r;
	END;
COMMENT ON FUNCTION goodgo_events.relay_replay(text, integer, timestamptz) IS
	're-deliver the retained events of the batches acked at or after from_time (replay = true)';

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
		(relay, part, seq, event_id, event_type, aggregate_id, stream, envelope, attempts, last_error,
		 first_failed_at, schema_version)
	SELECT relay_nack.relay, relay_nack.part, relay_nack.seq, r.event_id, r.event_type, r.aggregate_id,
		   r.stream, r.envelope, a, relay_nack.error, f.first_failed_at, r.schema_version
	  FROM goodgo_events.relay_failures f
	 WHERE f.relay = relay_nack.relay AND f.part = relay_nack.part AND f.seq = relay_nack.seq;
	DELETE FROM goodgo_events.relay_failures f
	 WHERE f.relay = relay_nack.relay AND f.part = relay_nack.part AND f.seq = relay_nack.seq;
	RETURN true;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_nack(text, integer, bigint, bigint, text) IS
	'record a failed publish of one event of the open batch; true when it became a dead letter (then ack the batch); never with relay_max_attempts = 0';

-- (as 70_roles.sql gives them; CREATE OR REPLACE reset relay_nack's)
ALTER FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_claim(text, integer, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[])
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_peek(text, integer, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_nack(text, integer, bigint, bigint, text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, timestamptz)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON FUNCTION
	goodgo_events.relay_rows(text, integer, bigint, bigint[]),
	goodgo_events.relay_batch_rows(text, integer, bigint),
	goodgo_events.relay_claim(text, integer, integer),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]),
	goodgo_events.relay_peek(text, integer, integer),
	goodgo_events.relay_replay(text, integer, bigint),
	goodgo_events.relay_replay(text, integer, timestamptz)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	goodgo_events.relay_claim(text, integer, integer),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]),
	goodgo_events.relay_peek(text, integer, integer),
	goodgo_events.relay_replay(text, integer, bigint),
	goodgo_events.relay_replay(text, integer, timestamptz)
	TO goodgo_events_relay;
-- [i16states] issue 16, item 3: version life cycle (active / deprecated /
-- disabled in event_type_version_states, set_event_type_version_state), the
-- outbox trigger's fallback to older versions (C only), and
-- register_event_type returning an older version whose schema it is given.
-- The life cycle of a version (issue 16): active (no row, or a row saying
-- so), deprecated (the trigger's fallback still matches it, with a WARNING)
-- or disabled (never matched).  Kept apart from event_type_versions, which is
-- never updated; set through set_event_type_version_state().
CREATE TABLE goodgo_events.event_type_version_states (
	event_type		text NOT NULL,
	version			integer NOT NULL,
	state			text NOT NULL
		CONSTRAINT event_type_version_states_state_check
		CHECK (state IN ('active', 'deprecated', 'disabled')),
	changed_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	changed_by		name NOT NULL DEFAULT current_user,
	PRIMARY KEY (event_type, version)
	-- (no foreign key to event_type_versions: pg_restore -j loads the data
	-- of configuration tables in parallel, in no set order; see
	-- event_type_versions.  set_event_type_version_state checks the version.)
);

COMMENT ON TABLE goodgo_events.event_type_version_states IS
	'goodgo_events: the state of a schema version other than the latest (a version without a row is active); write it through set_event_type_version_state()';
COMMENT ON COLUMN goodgo_events.event_type_version_states.state IS
	'active or deprecated: a payload that fails the latest version may still match it (BACKWARD_TRANSITIVE and FULL_TRANSITIVE types; deprecated with a WARNING); disabled: never matched';
COMMENT ON COLUMN goodgo_events.event_type_version_states.changed_at IS 'when the state was last changed';
COMMENT ON COLUMN goodgo_events.event_type_version_states.changed_by IS
	'the role that called set_event_type_version_state() (the SET ROLE role, not the function owner)';

-- every row is the user's: dumped in full (the bundled versions it may
-- refer to come from CREATE EXTENSION)
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.event_type_version_states', '');

CREATE TRIGGER event_type_version_states_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON goodgo_events.event_type_version_states
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.registry_invalidate();

CREATE FUNCTION goodgo_events.set_event_type_version_state(event_type text, version integer, state text)
RETURNS void
LANGUAGE C
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'goodgo_set_event_type_version_state';

COMMENT ON FUNCTION goodgo_events.set_event_type_version_state(text, integer, text) IS
	'goodgo_events: mark a version other than the latest active, deprecated or disabled (what the outbox trigger''s fallback to older versions may match)';

REVOKE ALL ON goodgo_events.event_type_version_states FROM PUBLIC;
GRANT SELECT ON goodgo_events.event_type_version_states TO PUBLIC;
REVOKE ALL ON FUNCTION goodgo_events.set_event_type_version_state(text, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.set_event_type_version_state(text, integer, text) TO goodgo_events_admin;
COMMENT ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) IS
	'goodgo_events: register an event type, or a new version of its payload schema (the schema of the latest version, or of an older one the trigger still accepts, changes nothing but the mode and returns that version), refused when incompatible with the type''s compatibility mode unless override_reason is given; returns the version';
