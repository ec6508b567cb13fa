-- The transactional outbox: table, validating trigger, emit(), relay claim/ack.
--
-- Design (see doc/outbox.md):
--  * goodgo_events.outbox is append-only and LIST-partitioned by generation
--    (a ring of three: outbox_g0..outbox_g2).  Consuming never writes to a row.
--  * A relay position is one row per (relay, part): the snapshot that ended
--    the last completed window.  A window is the set of rows whose inserting
--    transaction is visible in a new pg_current_snapshot() and not in the
--    previous one (PgQ's rule), ordered by seq; committed-late rows with a
--    lower seq land in a later window, never get skipped.
--  * Batches are recorded (one row per batch, not per event), so a re-claim
--    before ack returns exactly the same rows, and replay can re-deliver them.
--  * Retention: outbox_rotate() switches the generation and TRUNCATEs the
--    oldest one only when every relay position passed all its rows and no
--    writer still holds it.

-- Generation counter: the current generation is last_value % 3.  A sequence,
-- not a table row, so a switch is seen at once by every inserter, whatever
-- its snapshot (a REPEATABLE READ producer would keep reading an old row).
CREATE SEQUENCE goodgo_events.outbox_gen MINVALUE 0 START 0;
SELECT nextval('goodgo_events.outbox_gen');
GRANT SELECT ON SEQUENCE goodgo_events.outbox_gen TO PUBLIC;
COMMENT ON SEQUENCE goodgo_events.outbox_gen IS
	'outbox generation counter; the current generation (partition) is last_value % 3';

-- VOLATILE like the sequence it reads (which also lets the default inline it).
CREATE FUNCTION goodgo_events.outbox_current_gen() RETURNS smallint
	LANGUAGE sql VOLATILE STRICT PARALLEL RESTRICTED
	RETURN (pg_sequence_last_value('goodgo_events.outbox_gen'::regclass) % 3)::smallint;
COMMENT ON FUNCTION goodgo_events.outbox_current_gen() IS
	'generation (outbox partition 0..2) that new outbox rows go to';

CREATE SEQUENCE goodgo_events.outbox_seq;
COMMENT ON SEQUENCE goodgo_events.outbox_seq IS
	'insertion sequence of outbox rows; drawn by the validating trigger, never by the producer';
-- Restored rows keep their seq: events inserted after a restore must draw
-- higher ones (the trigger also moves it past every restored row).
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_seq', '');

CREATE TABLE goodgo_events.outbox (
	gen			smallint NOT NULL DEFAULT goodgo_events.outbox_current_gen(),
	seq			bigint NOT NULL DEFAULT 0,
	txid		xid8 NOT NULL DEFAULT '0',
	part		integer NOT NULL DEFAULT 0,
	event_id	uuid NOT NULL,
	event_type	text NOT NULL,
	aggregate_id text,
	stream		text NOT NULL,
	envelope	jsonb NOT NULL,
	schema_version integer,
	findings	jsonb,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (seq, gen),
	UNIQUE (event_id, gen)
) PARTITION BY LIST (gen);
COMMENT ON TABLE goodgo_events.outbox IS
	'append-only transactional outbox; rows are validated on insert and removed only by generation rotation';
COMMENT ON COLUMN goodgo_events.outbox.gen IS 'generation (partition of the ring of three), from outbox_current_gen()';
COMMENT ON COLUMN goodgo_events.outbox.seq IS 'insertion order, set by the trigger; orders rows inside a window';
COMMENT ON COLUMN goodgo_events.outbox.txid IS 'inserting transaction, set by the trigger; decides the window a row falls in';
COMMENT ON COLUMN goodgo_events.outbox.part IS 'relay partition: hash of aggregate_id (else of event_id) mod outbox_partitions()';
COMMENT ON COLUMN goodgo_events.outbox.event_id IS 'envelope eventId (UUIDv7), unique within a generation';
COMMENT ON COLUMN goodgo_events.outbox.event_type IS 'envelope eventType';
COMMENT ON COLUMN goodgo_events.outbox.aggregate_id IS 'optional ordering key: events of one aggregate keep their order';
COMMENT ON COLUMN goodgo_events.outbox.stream IS 'target stream, derived by the trigger from the event type and partition';
COMMENT ON COLUMN goodgo_events.outbox.envelope IS 'the validated event envelope';
COMMENT ON COLUMN goodgo_events.outbox.schema_version IS 'version of the event type''s schema that validated the payload, set by the trigger; NULL when none did (mode off, or an unknown type let through)';
COMMENT ON COLUMN goodgo_events.outbox.findings IS 'warn mode: why the payload would have been rejected (jsonschema_errors output units), set by the trigger; NULL otherwise';
COMMENT ON COLUMN goodgo_events.outbox.created_at IS 'start of the inserting transaction (not its commit time)';

CREATE INDEX outbox_part_txid ON goodgo_events.outbox (part, txid);
COMMENT ON INDEX goodgo_events.outbox_part_txid IS
	'opens claim windows: the txids of one partition from the previous snapshot''s xmax on';

CREATE TABLE goodgo_events.outbox_g0 PARTITION OF goodgo_events.outbox FOR VALUES IN (0);
CREATE TABLE goodgo_events.outbox_g1 PARTITION OF goodgo_events.outbox FOR VALUES IN (1);
CREATE TABLE goodgo_events.outbox_g2 PARTITION OF goodgo_events.outbox FOR VALUES IN (2);
COMMENT ON TABLE goodgo_events.outbox_g0 IS 'outbox generation 0 (ring of three; TRUNCATEd by outbox_rotate())';
COMMENT ON TABLE goodgo_events.outbox_g1 IS 'outbox generation 1 (ring of three; TRUNCATEd by outbox_rotate())';
COMMENT ON TABLE goodgo_events.outbox_g2 IS 'outbox generation 2 (ring of three; TRUNCATEd by outbox_rotate())';

-- The triggers.  Arguments are key=value: the column names (defaults shown in
-- doc/outbox.md), the sequence for seq, and the number of relay partitions.
CREATE FUNCTION goodgo_events.outbox_validate() RETURNS trigger
	AS 'MODULE_PATHNAME', 'goodgo_outbox_validate'
	LANGUAGE C;
COMMENT ON FUNCTION goodgo_events.outbox_validate() IS
	'BEFORE INSERT row trigger: checks the envelope and payload, sets seq, txid, part, event_id, event_type and stream';

CREATE FUNCTION goodgo_events.outbox_append_only() RETURNS trigger
	AS 'MODULE_PATHNAME', 'goodgo_outbox_append_only'
	LANGUAGE C;
COMMENT ON FUNCTION goodgo_events.outbox_append_only() IS
	'trigger refusing UPDATE, DELETE and TRUNCATE of an outbox unless goodgo_events.outbox_maintenance is on';

CREATE TRIGGER outbox_validate BEFORE INSERT ON goodgo_events.outbox
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.outbox_validate('partitions=1', 'seq_sequence=goodgo_events.outbox_seq');
CREATE TRIGGER outbox_append_only BEFORE UPDATE OR DELETE ON goodgo_events.outbox
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.outbox_append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON goodgo_events.outbox
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON goodgo_events.outbox_g0
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON goodgo_events.outbox_g1
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON goodgo_events.outbox_g2
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_append_only();
COMMENT ON TRIGGER outbox_validate ON goodgo_events.outbox IS
	'validates every event and sets its derived columns (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_append_only ON goodgo_events.outbox IS
	'refuses UPDATE and DELETE of events (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_no_truncate ON goodgo_events.outbox IS
	'refuses TRUNCATE outside outbox_rotate() (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_no_truncate ON goodgo_events.outbox_g0 IS
	'refuses TRUNCATE outside outbox_rotate() (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_no_truncate ON goodgo_events.outbox_g1 IS
	'refuses TRUNCATE outside outbox_rotate() (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_no_truncate ON goodgo_events.outbox_g2 IS
	'refuses TRUNCATE outside outbox_rotate() (ENABLE ALWAYS)';
-- Fire even under session_replication_role = replica.
ALTER TABLE goodgo_events.outbox ENABLE ALWAYS TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox ENABLE ALWAYS TRIGGER outbox_append_only;
ALTER TABLE goodgo_events.outbox ENABLE ALWAYS TRIGGER outbox_no_truncate;
ALTER TABLE goodgo_events.outbox_g0 ENABLE ALWAYS TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox_g1 ENABLE ALWAYS TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox_g2 ENABLE ALWAYS TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox_g0 ENABLE ALWAYS TRIGGER outbox_append_only;
ALTER TABLE goodgo_events.outbox_g1 ENABLE ALWAYS TRIGGER outbox_append_only;
ALTER TABLE goodgo_events.outbox_g2 ENABLE ALWAYS TRIGGER outbox_append_only;
ALTER TABLE goodgo_events.outbox_g0 ENABLE ALWAYS TRIGGER outbox_no_truncate;
ALTER TABLE goodgo_events.outbox_g1 ENABLE ALWAYS TRIGGER outbox_no_truncate;
ALTER TABLE goodgo_events.outbox_g2 ENABLE ALWAYS TRIGGER outbox_no_truncate;

-- pg_dump keeps the events (the partitions hold the rows: marking the parent
-- would dump none) and the generation counter.
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_g0', '');
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_g1', '');
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_g2', '');
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_gen', '');

-- The number N of relay partitions: its source of truth is outbox_config
-- (kept by pg_dump); the validating trigger gets it as an argument so that
-- no row pays a lookup.  A restore recreates the extension's trigger with
-- the default argument: outbox_after_restore() puts them in agreement again.
CREATE TABLE goodgo_events.outbox_config (
	singleton	boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	partitions	integer NOT NULL DEFAULT 1 CHECK (partitions BETWEEN 1 AND 1024)
);
COMMENT ON TABLE goodgo_events.outbox_config IS
	'outbox settings kept by pg_dump: the number of relay partitions (no row: the defaults)';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_config', '');

CREATE FUNCTION goodgo_events.outbox_partitions() RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN coalesce((SELECT c.partitions FROM goodgo_events.outbox_config c), 1);
COMMENT ON FUNCTION goodgo_events.outbox_partitions() IS
	'number N of relay partitions of goodgo_events.outbox (rows go to hash(aggregate_id) mod N)';

CREATE FUNCTION goodgo_events.outbox_trigger_partitions() RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN (SELECT substr(a, 12)::integer
			  FROM pg_catalog.pg_trigger t,
				   LATERAL unnest(string_to_array(encode(t.tgargs, 'escape'), '\000')) AS a
			 WHERE t.tgrelid = 'goodgo_events.outbox'::regclass
			   AND t.tgname = 'outbox_validate' AND a LIKE 'partitions=%');
COMMENT ON FUNCTION goodgo_events.outbox_trigger_partitions() IS
	'number of partitions the validating trigger of goodgo_events.outbox computes with';

CREATE FUNCTION goodgo_events.outbox_set_trigger(n integer) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DROP TRIGGER outbox_validate ON goodgo_events.outbox;
	EXECUTE format('CREATE TRIGGER outbox_validate BEFORE INSERT ON goodgo_events.outbox FOR EACH ROW '
				   'EXECUTE FUNCTION goodgo_events.outbox_validate(%L, %L)',
				   'partitions=' || n, 'seq_sequence=goodgo_events.outbox_seq');
	COMMENT ON TRIGGER outbox_validate ON goodgo_events.outbox IS
		'validates every event and sets its derived columns (ENABLE ALWAYS)';
	ALTER TABLE goodgo_events.outbox ENABLE ALWAYS TRIGGER outbox_validate;
	ALTER TABLE goodgo_events.outbox_g0 ENABLE ALWAYS TRIGGER outbox_validate;
	ALTER TABLE goodgo_events.outbox_g1 ENABLE ALWAYS TRIGGER outbox_validate;
	ALTER TABLE goodgo_events.outbox_g2 ENABLE ALWAYS TRIGGER outbox_validate;
END $$;
COMMENT ON FUNCTION goodgo_events.outbox_set_trigger(integer) IS
	'recreate the validating trigger of goodgo_events.outbox for n partitions (internal)';

-- Change N while the outbox is empty and no relay has a position yet
-- (changing it later would move aggregates between partitions: a migration).
CREATE FUNCTION goodgo_events.outbox_set_partitions(n integer) RETURNS void
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
COMMENT ON FUNCTION goodgo_events.outbox_set_partitions(integer) IS
	'set the number N of relay partitions; only while the outbox is empty and no relay has a position';

-- A restore recreates the validating trigger (CREATE EXTENSION) with the
-- default number of partitions, then restores outbox_config: this trigger
-- on outbox_config gives the validating trigger the restored N, so nothing
-- is left to do after pg_restore.  (Restored events keep their partition:
-- the validating trigger keeps restored rows as dumped.)  It runs with the
-- rights of whoever writes outbox_config: its owner, or a superuser.
CREATE FUNCTION goodgo_events.outbox_config_sync() RETURNS trigger
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

-- Since 1.2 there is nothing to do after pg_restore: restored events keep
-- their partition, and outbox_config_sync gives the trigger the restored N.
-- Kept for scripts written for 1.1, and for a restore with
-- --disable-triggers (which skips outbox_config_sync): puts the validating
-- trigger in agreement with outbox_config.  Moves no event; returns 0.
CREATE FUNCTION goodgo_events.outbox_after_restore() RETURNS bigint
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

-- Producer: emit().
CREATE FUNCTION goodgo_events.emit(event_type text, payload jsonb,
								   aggregate_id text DEFAULT NULL,
								   producer text DEFAULT NULL,
								   trace_id text DEFAULT NULL,
								   occurred_at timestamptz DEFAULT NULL)
	RETURNS uuid
	AS 'MODULE_PATHNAME', 'goodgo_emit'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION goodgo_events.emit(text, jsonb, text, text, text, timestamptz) IS
	'build an envelope (eventId uuid_v7(), occurredAt now in UTC) and insert it into goodgo_events.outbox; returns the eventId';

-- Relay side.

CREATE TABLE goodgo_events.relay_positions (
	relay		text NOT NULL,
	part		integer NOT NULL,
	snap		pg_snapshot NOT NULL,
	win_snap	pg_snapshot,
	win_seqs	bigint[],
	win_pos		integer NOT NULL DEFAULT 0,
	batch_seq	bigint NOT NULL DEFAULT 0,
	open_batch_id bigint,
	last_batch_id bigint NOT NULL DEFAULT 0,
	last_acked_at timestamptz,
	origin		text NOT NULL,
	win_after	bigint NOT NULL DEFAULT 0,
	win_capped	boolean NOT NULL DEFAULT false,
	PRIMARY KEY (relay, part)
);
COMMENT ON TABLE goodgo_events.relay_positions IS
	'one row per (relay, partition): the snapshot ending the last completed window, the open window and batch';
COMMENT ON COLUMN goodgo_events.relay_positions.win_after IS
	'the open window''s rows up to this seq were delivered in earlier slices (a window is cut in slices of at most goodgo_events.relay_window_max_events seqs)';
COMMENT ON COLUMN goodgo_events.relay_positions.win_capped IS
	'win_seqs is a slice of the open window that stopped at the cap: more rows of the same window follow it';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.relay_positions', '');
-- Stored uncompressed: every claim and every peek reads the open window's
-- seqs, and decompressing a 200,000-event window (650 kB of pglz) took
-- about 1 ms each time, where reading it plain takes 0.3 ms.
ALTER TABLE goodgo_events.relay_positions ALTER COLUMN win_seqs SET STORAGE EXTERNAL;

CREATE TABLE goodgo_events.relay_batches (
	relay		text NOT NULL,
	part		integer NOT NULL,
	batch_id	bigint NOT NULL,
	prev_snap	pg_snapshot NOT NULL,
	cur_snap	pg_snapshot NOT NULL,
	seqs		bigint[] NOT NULL,
	n_window	integer NOT NULL,
	n_redrive	integer NOT NULL,
	window_done boolean NOT NULL,
	claimed_at	timestamptz NOT NULL,
	acked_at	timestamptz,
	PRIMARY KEY (relay, part, batch_id)
);
COMMENT ON TABLE goodgo_events.relay_batches IS
	'history of batches (one row per batch): makes re-claims and replays return the same rows';
-- Stored uncompressed: a batch's seqs are written once per claim, and pglz
-- over them cost more than the bytes it saves (8 bytes per event).
ALTER TABLE goodgo_events.relay_batches ALTER COLUMN seqs SET STORAGE EXTERNAL;

CREATE TABLE goodgo_events.relay_failures (
	relay		text NOT NULL,
	part		integer NOT NULL,
	seq			bigint NOT NULL,
	attempts	integer NOT NULL,
	first_failed_at timestamptz NOT NULL,
	last_failed_at timestamptz NOT NULL,
	last_error	text,
	PRIMARY KEY (relay, part, seq)
);
COMMENT ON TABLE goodgo_events.relay_failures IS
	'failed publish attempts of events not yet dead letters';

CREATE TABLE goodgo_events.dead_letters (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	relay		text NOT NULL,
	part		integer NOT NULL,
	seq			bigint NOT NULL,
	event_id	uuid NOT NULL,
	event_type	text NOT NULL,
	aggregate_id text,
	stream		text NOT NULL,
	envelope	jsonb NOT NULL,
	attempts	integer NOT NULL,
	last_error	text,
	first_failed_at timestamptz NOT NULL,
	dead_at		timestamptz NOT NULL DEFAULT now(),
	redrive_requested_at timestamptz,
	redrive_batch_id bigint,
	redriven_at timestamptz,
	schema_version integer
);
CREATE INDEX dead_letters_redrive ON goodgo_events.dead_letters (relay, part, id)
	WHERE redrive_requested_at IS NOT NULL AND redriven_at IS NULL;
COMMENT ON INDEX goodgo_events.dead_letters_redrive IS
	'dead letters waiting to be redriven, per relay and partition';
CREATE INDEX dead_letters_seq ON goodgo_events.dead_letters (relay, part, seq);
COMMENT ON INDEX goodgo_events.dead_letters_seq IS
	'dead letters of an event: relay_replay leaves out what a batch did not publish, a redrive takes the newest';
COMMENT ON TABLE goodgo_events.dead_letters IS
	'events a relay could not publish after goodgo_events.relay_max_attempts attempts, with the error; redrive_dead_letter() re-queues them';
COMMENT ON COLUMN goodgo_events.dead_letters.schema_version IS
	'the outbox row''s schema_version (the payload''s version), so that a redriven event is published with it again';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.dead_letters', '');
-- ... and its identity sequence: restored rows keep their ids, so without
-- the counter the next dead letter after a restore would collide with one.
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.dead_letters_id_seq', '');

CREATE TABLE goodgo_events.relay_batch_redrives (
	relay		text NOT NULL,
	part		integer NOT NULL,
	batch_id	bigint NOT NULL,
	dead_letter_id bigint NOT NULL,
	PRIMARY KEY (relay, part, batch_id, dead_letter_id)
);
COMMENT ON TABLE goodgo_events.relay_batch_redrives IS
	'redriven dead letters delivered in a batch (so a re-claim or replay of that batch returns them again)';

-- Advisory lock key of (relay, part): classid = hash of the relay name.
CREATE FUNCTION goodgo_events.relay_lock_key(relay text) RETURNS integer
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN hashtext('goodgo_events.relay:' || relay);
COMMENT ON FUNCTION goodgo_events.relay_lock_key(text) IS
	'first key of the session advisory lock fencing a relay''s partitions (the second is the partition)';

CREATE FUNCTION goodgo_events.relay_lock(relay text, part integer) RETURNS boolean
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	RETURN pg_try_advisory_lock(goodgo_events.relay_lock_key(relay), part);
COMMENT ON FUNCTION goodgo_events.relay_lock(text, integer) IS
	'try to become the leader of (relay, part) for this session; false when another session leads it';

CREATE FUNCTION goodgo_events.relay_unlock(relay text, part integer) RETURNS boolean
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	RETURN pg_advisory_unlock(goodgo_events.relay_lock_key(relay), part);
COMMENT ON FUNCTION goodgo_events.relay_unlock(text, integer) IS
	'give up the leadership of (relay, part) (also released at disconnect)';

-- Raise 55P03 unless this session leads (relay, part); check the partition.
CREATE FUNCTION goodgo_events.relay_check_leader(relay text, part integer) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $$
DECLARE
	n integer := goodgo_events.outbox_partitions();
BEGIN
	IF relay IS NULL OR relay = '' THEN
		RAISE EXCEPTION 'relay name must not be empty'
			USING ERRCODE = '22023', DETAIL = 'A relay position is kept per relay name and partition.';
	END IF;
	IF goodgo_events.outbox_trigger_partitions() IS DISTINCT FROM n THEN
		RAISE EXCEPTION 'outbox partitions are not in agreement'
			USING ERRCODE = '55000',
				  DETAIL = format('outbox_config says %s partitions, the validating trigger computes with %s.',
								  n, goodgo_events.outbox_trigger_partitions()),
				  HINT = 'After a restore, call goodgo_events.outbox_after_restore().';
	END IF;
	IF part IS NULL OR part < 0 OR part >= n THEN
		RAISE EXCEPTION 'outbox partition % does not exist', part
			USING ERRCODE = '22023', DETAIL = format('The outbox has %s partitions, numbered from 0.', n);
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
				    WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted
					  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
					  AND l.classid = (goodgo_events.relay_lock_key(relay)::bigint & 4294967295)::oid
					  AND l.objid = part::oid AND l.objsubid = 2) THEN
		RAISE EXCEPTION 'relay "%" does not lead outbox partition %', relay, part
			USING ERRCODE = '55P03',
				  DETAIL = 'Claim, ack and nack need the partition''s advisory lock.',
				  HINT = 'Call goodgo_events.relay_lock() first.';
	END IF;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_check_leader(text, integer) IS
	'raise 55P03 unless this session holds the advisory lock of (relay, part)';

-- What a relay position's origin is compared with: it must stay the same
-- through pg_upgrade (which gives the cluster a new system identifier) and
-- change through pg_dump/restore (transaction ids and seqs of a dump mean
-- nothing in the database it is restored into).  pg_upgrade carries every
-- table's files over and, from PostgreSQL 15 on, keeps database OIDs; pg_dump
-- dumps no row of this table (it is not a configuration table) and the
-- restore's CREATE EXTENSION writes a new one, with the system identifier of
-- the cluster restored into.  So the token is the system identifier of the
-- cluster the extension was created (or updated to 1.2) in, and the identity
-- is the token and the database's OID: a restore into another database or
-- cluster, or a copy by CREATE DATABASE ... TEMPLATE, has a new identity, a
-- pg_upgraded database keeps its own.
CREATE TABLE goodgo_events.database_token (
	one			boolean PRIMARY KEY DEFAULT true CHECK (one),
	token		text NOT NULL
);
COMMENT ON TABLE goodgo_events.database_token IS
	'one row, never dumped: the system identifier the extension was created under; with the database OID, the identity relay positions belong to (kept by pg_upgrade, new after a restore)';
INSERT INTO goodgo_events.database_token (token)
	SELECT c.system_identifier::text FROM pg_catalog.pg_control_system() c;

-- The system identifier stands in for a missing token, so that a deleted row
-- re-initialises positions rather than comparing them with NULL.
CREATE FUNCTION goodgo_events.database_identity() RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN (SELECT coalesce((SELECT t.token FROM goodgo_events.database_token t),
							c.system_identifier::text) || '/' || d.oid
			  FROM pg_catalog.pg_control_system() c, pg_catalog.pg_database d
			 WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database());
COMMENT ON FUNCTION goodgo_events.database_identity() IS
	'the token of goodgo_events.database_token and this database''s OID: kept by pg_upgrade; a relay position restored from a dump (another database or cluster) is re-initialised';

-- (Re)initialise a position: 'beginning' delivers every retained event,
-- 'now' only events committed from now on.  Keeps the batch counter, so
-- batch ids (and stream entry ids built from them) keep increasing.
CREATE FUNCTION goodgo_events.relay_reset(relay text, part integer, start text DEFAULT 'beginning')
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
COMMENT ON FUNCTION goodgo_events.relay_reset(text, integer, text) IS
	'(re)initialise the position of (relay, part) to ''beginning'' (every retained event) or ''now''; batch ids keep increasing';

-- A relay name that is gone for good would hold retention back forever.
CREATE FUNCTION goodgo_events.relay_forget(relay text) RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	n bigint;
BEGIN
	DELETE FROM goodgo_events.relay_batches b WHERE b.relay = relay_forget.relay;
	DELETE FROM goodgo_events.relay_batch_redrives x WHERE x.relay = relay_forget.relay;
	DELETE FROM goodgo_events.relay_failures f WHERE f.relay = relay_forget.relay;
	DELETE FROM goodgo_events.relay_positions p WHERE p.relay = relay_forget.relay;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_forget(text) IS
	'drop every position of a relay that will not come back (it no longer holds retention back); dead letters stay; returns the number of positions dropped';

-- The functions that return a batch's rows to their caller (relay_claim,
-- both relay_ack_claim, relay_peek, relay_batch_rows, relay_replay) run with
-- jit = off: the planner's estimate for the rows (an unnest, a lookup per
-- row) passes jit_above_cost, and compiling the plan took 13 ms of a
-- 4,000-event claim's 29 ms (measured with auto_explain), for a query that
-- runs in a few ms.  relay_rows itself has no SET clause, so that it is
-- inlined into them.
-- The rows of a batch (its window seqs, then its redriven dead letters), in
-- delivery order, numbered by ord from 1.  A plain SQL function, not STRICT,
-- so that the planner inlines it into its caller's query: the rows then go
-- straight into the caller's result, not through a second tuplestore.
-- Only the narrow (src, seq) keys are sorted; each row is then fetched by
-- primary key in that order, so neither the sort nor the numbering moves
-- the envelopes around.  A seq whose row is gone (a replay after its
-- generation was truncated) is left out, and the ords of the rest follow.
-- schema_version is the outbox row's (the payload's version, NULL when none
-- validated it; a redriven dead letter keeps it), last so that callers
-- reading the rows by position before it keep working.
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

-- The rows of one recorded batch, in delivery order.
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

-- The bound of a window slice (GUC goodgo_events.relay_window_max_events,
-- superuser only), read in C so that the library defining it is loaded.
CREATE FUNCTION goodgo_events.relay_window_max_events() RETURNS integer
	AS 'MODULE_PATHNAME', 'goodgo_relay_window_max_events'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION goodgo_events.relay_window_max_events() IS
	'the most seqs one claim window slice holds: goodgo_events.relay_window_max_events (internal)';

-- The claim without its leadership check and without its rows: the open
-- batch, else a new one recorded from the current or the next window.
-- Returns the batch id (NULL when nothing new is committed) and its window
-- seqs.  Shared by relay_claim and relay_ack_claim.
CREATE FUNCTION goodgo_events.relay_claim_batch(relay text, part integer, max_events integer,
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
COMMENT ON FUNCTION goodgo_events.relay_claim_batch(text, integer, integer) IS
	'relay_claim without the leadership check and the rows: the id and window seqs of the open or a new batch (internal)';

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

-- The ack without its leadership check (shared by relay_ack and relay_ack_claim).
CREATE FUNCTION goodgo_events.relay_ack_batch(relay text, part integer, batch_id bigint) RETURNS bigint
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
COMMENT ON FUNCTION goodgo_events.relay_ack_batch(text, integer, bigint) IS
	'relay_ack without the leadership check (internal)';

CREATE FUNCTION goodgo_events.relay_ack(relay text, part integer, batch_id bigint) RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	RETURN goodgo_events.relay_ack_batch(relay, part, batch_id);
END $$;
COMMENT ON FUNCTION goodgo_events.relay_ack(text, integer, bigint) IS
	'mark the open batch of (relay, part) published; returns its number of events, 0 when acked already';

-- One round trip per batch instead of two: ack ack_batch_id, then claim the
-- next batch, in one transaction and under one leadership check.  Exactly
-- relay_ack followed by relay_claim (an ack of a batch acked already is a
-- no-op here too, and the claim then returns the open batch, if any).
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

CREATE FUNCTION goodgo_events.relay_nack(relay text, part integer, batch_id bigint, seq bigint, error text)
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

CREATE FUNCTION goodgo_events.redrive_dead_letter(id bigint) RETURNS boolean
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

CREATE FUNCTION goodgo_events.redrive_dead_letters(relay text DEFAULT NULL) RETURNS bigint
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

CREATE FUNCTION goodgo_events.relay_position(relay text, part integer)
	RETURNS TABLE(last_batch_id bigint, last_acked_at timestamptz, open_batch_id bigint,
				  window_open boolean, same_database boolean)
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	BEGIN ATOMIC
		SELECT p.last_batch_id, p.last_acked_at, p.open_batch_id, p.win_snap IS NOT NULL,
			   p.origin = goodgo_events.database_identity()
		  FROM goodgo_events.relay_positions p
		 WHERE p.relay = relay_position.relay AND p.part = relay_position.part;
	END;
COMMENT ON FUNCTION goodgo_events.relay_position(text, integer) IS
	'position of (relay, part): last acked batch id and time, open batch; no row before its first claim';

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

-- Retention.
CREATE FUNCTION goodgo_events.outbox_rotate(keep interval DEFAULT interval '0') RETURNS boolean
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
COMMENT ON FUNCTION goodgo_events.outbox_rotate(interval) IS
	'switch new inserts to the next generation, TRUNCATEing it first when every relay passed its events, no writer holds it and its newest event is older than keep; false when not possible yet';

-- Stats.  Ages are measured on the clock (clock_timestamp()), not from
-- now(), the start of the reader's transaction: a transaction that began
-- after it (an open one in pg_stat_activity, or a producer whose events
-- are visible by now) would get a negative age.  greatest() keeps them at
-- zero or more whatever the clocks say (NULL
-- when there is nothing to measure).
CREATE VIEW goodgo_events.outbox_stats AS
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
COMMENT ON VIEW goodgo_events.outbox_stats IS
	'per relay and partition: position, pending events and the oldest one''s age, bytes per generation (with indexes), oldest open transaction age';
