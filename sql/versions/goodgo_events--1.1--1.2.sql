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
