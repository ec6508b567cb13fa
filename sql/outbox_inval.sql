-- The outbox trigger's cached configuration survives a relcache invalidation
-- processed in the middle of a trigger call (issue 12, item 6).  Such an
-- invalidation arrives whenever another session commits a GRANT, an ANALYZE
-- or DDL on the table, its root or its sequence, and RegistryValidatePayload
-- accepts invalidations.  The callback used to free the cache while the call
-- still read it (conf->partitions, conf->name); it now only marks it stale.
-- goodgo_events.test_invalidate_in_validation (internal, superuser-only)
-- processes such an invalidation inside every validation.  A cassert build
-- (test/sanitize-server.sh) wipes freed memory, so the old code produced
-- garbage stream names and partitions here; this build checks the rows are
-- the same as without the invalidation.
SET goodgo_events.unknown_event_types = allow;
SELECT goodgo_events.register_event_type('inval.checked',
	'{"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}');
SELECT goodgo_events.register_event_type('inval.warned',
	'{"type": "object", "required": ["n"], "properties": {"n": {"type": "string"}}}', 'warn');

CREATE FUNCTION pg_temp.env(etype text, n int) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('schemaVersion', 1, 'eventId', goodgo_events.uuid_v7(),
		'eventType', etype, 'occurredAt', '2026-01-02T03:04:05Z', 'producer', 'test',
		'traceId', repeat('ab', 16), 'payload', jsonb_build_object('n', n))
$$;

-- Two identical partitioned outboxes (the trigger fires on the partitions,
-- names the stream after the root), with their own sequences.
CREATE SEQUENCE inval_seq_a;
CREATE SEQUENCE inval_seq_b;
CREATE TABLE inval_a (g int NOT NULL DEFAULT 0, seq bigint, txid xid8, part int, event_id uuid,
	event_type text, aggregate_id text, stream text, envelope jsonb NOT NULL,
	schema_version int, findings jsonb) PARTITION BY LIST (g);
CREATE TABLE inval_a0 PARTITION OF inval_a FOR VALUES IN (0);
CREATE TABLE inval_b (LIKE inval_a INCLUDING DEFAULTS) PARTITION BY LIST (g);
CREATE TABLE inval_b0 PARTITION OF inval_b FOR VALUES IN (0);
CREATE TRIGGER v BEFORE INSERT ON inval_a FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('partitions=7', 'seq_sequence=inval_seq_a', 'name=twin');
CREATE TRIGGER v BEFORE INSERT ON inval_b FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('partitions=7', 'seq_sequence=inval_seq_b', 'name=twin');

-- The same 300 envelopes (valid, warn-mode findings, unknown type) into both,
-- with the invalidation inside every validation for inval_a only.
CREATE TEMP TABLE inval_envs AS
SELECT i, pg_temp.env((ARRAY['inval.checked', 'inval.warned', 'inval.unknown'])[1 + i % 3], i) AS e
  FROM generate_series(1, 300) i;
SET client_min_messages = error;	-- 100 warn-mode WARNINGs
SET goodgo_events.test_invalidate_in_validation = on;
INSERT INTO inval_a (envelope, aggregate_id) SELECT e, 'agg-' || (i % 37) FROM inval_envs ORDER BY i;
-- one row per statement too: the cached configuration is reused across calls
INSERT INTO inval_a (envelope, aggregate_id) SELECT e, 'one' FROM inval_envs WHERE i = 1;
INSERT INTO inval_a (envelope, aggregate_id) SELECT e, 'one' FROM inval_envs WHERE i = 2;
RESET goodgo_events.test_invalidate_in_validation;
INSERT INTO inval_b (envelope, aggregate_id) SELECT e, 'agg-' || (i % 37) FROM inval_envs ORDER BY i;
INSERT INTO inval_b (envelope, aggregate_id) SELECT e, 'one' FROM inval_envs WHERE i = 1;
INSERT INTO inval_b (envelope, aggregate_id) SELECT e, 'one' FROM inval_envs WHERE i = 2;
RESET client_min_messages;

-- Every derived column is what the undisturbed trigger derived.
SELECT count(*) AS rows_a, count(DISTINCT part) AS parts, count(DISTINCT stream) AS streams,
	   count(*) FILTER (WHERE findings IS NOT NULL) AS with_findings,
	   count(*) FILTER (WHERE schema_version IS NULL) AS unvalidated,
	   min(seq) AS min_seq, max(seq) AS max_seq,
	   bool_and(stream ~ '^goodgo:inval:\{twin:0[0-6]\}$') AS streams_ok
  FROM inval_a;
SELECT count(*) AS differences
  FROM ((SELECT seq, part, event_id, event_type, aggregate_id, stream, schema_version, findings FROM inval_a
		 EXCEPT ALL
		 SELECT seq, part, event_id, event_type, aggregate_id, stream, schema_version, findings FROM inval_b)
		UNION ALL
		(SELECT seq, part, event_id, event_type, aggregate_id, stream, schema_version, findings FROM inval_b
		 EXCEPT ALL
		 SELECT seq, part, event_id, event_type, aggregate_id, stream, schema_version, findings FROM inval_a)) d;

-- The hook is for superusers only.
CREATE ROLE inval_nobody;
SET ROLE inval_nobody;
SET goodgo_events.test_invalidate_in_validation = on;
RESET ROLE;
DROP ROLE inval_nobody;

DROP TABLE inval_a, inval_b;
DROP SEQUENCE inval_seq_a, inval_seq_b;
DELETE FROM goodgo_events.event_type_versions WHERE event_type LIKE 'inval.%';
DELETE FROM goodgo_events.event_types WHERE event_type LIKE 'inval.%';
