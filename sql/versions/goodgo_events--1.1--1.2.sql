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
