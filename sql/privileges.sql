-- Roles and privileges (sql/objects/70_roles.sql): what each role can and
-- cannot do, and a producer's attempts to forge a validated row.
\set SHOW_CONTEXT never
SET client_min_messages = warning;

-- The three roles exist, cannot log in, and are nobody's superusers.
SELECT rolname, rolcanlogin, rolsuper, rolinherit
  FROM pg_roles WHERE rolname LIKE 'goodgo\_events\_%'
 ORDER BY rolname COLLATE "C";

-- Every SECURITY DEFINER function of the extension pins its search_path,
-- and none is executable by PUBLIC.
SELECT p.oid::regprocedure::text AS security_definer,
	   p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'] AS pinned,
	   has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'goodgo_events')
   AND p.prosecdef
 ORDER BY p.oid::regprocedure::text COLLATE "C";

-- No table or sequence of the extension is writable by PUBLIC.
SELECT count(*) AS public_writable
  FROM pg_class c
 WHERE c.relnamespace = 'goodgo_events'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v')
   AND (has_table_privilege('public', c.oid, 'INSERT') OR has_table_privilege('public', c.oid, 'UPDATE')
		OR has_table_privilege('public', c.oid, 'DELETE') OR has_table_privilege('public', c.oid, 'TRUNCATE'));

SELECT goodgo_events.register_event_type('priv.happened',
	'{"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}') AS v;

CREATE ROLE priv_producer IN ROLE goodgo_events_producer;
CREATE ROLE priv_relay IN ROLE goodgo_events_relay;
CREATE ROLE priv_admin IN ROLE goodgo_events_admin;
CREATE ROLE priv_nobody;

-- A well-formed envelope, built without reading anything.
CREATE FUNCTION pg_temp.env(etype text, payload jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('schemaVersion', 1, 'eventId', goodgo_events.uuid_v7(),
		'eventType', etype, 'occurredAt', '2026-01-02T03:04:05Z', 'producer', 'priv',
		'traceId', repeat('cd', 16), 'payload', payload)
$$;

-- The relay starts reading from now: it will see the producer's events only.
SET ROLE priv_relay;
SELECT bool_and(goodgo_events.relay_lock('priv', p)) AS leads_all,
	   count(*) = goodgo_events.outbox_partitions() AS every_partition
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
SELECT count(goodgo_events.relay_reset('priv', p, 'now')) AS reset
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
RESET ROLE;

--
-- Producer: emit and insert envelopes; nothing else.
--
SET ROLE priv_producer;
SELECT goodgo_events.emit('priv.happened', '{"n": 1}', 'agg-1') IS NOT NULL AS emitted;
INSERT INTO goodgo_events.outbox (envelope, aggregate_id)
	VALUES (pg_temp.env('priv.happened', '{"n": 2}'), 'agg-2');
INSERT INTO goodgo_events.outbox (envelope) VALUES (pg_temp.env('priv.happened', '{"n": 3}'));
SELECT goodgo_events.uuid_v7_time(goodgo_events.uuid_v7()) IS NOT NULL AS uuid_ok;
-- validation still applies
SELECT goodgo_events.emit('priv.happened', '{"n": "one"}');
INSERT INTO goodgo_events.outbox (envelope) VALUES ('{"schemaVersion": 1}');
-- forging what the trigger derives: every derived column is refused
INSERT INTO goodgo_events.outbox (envelope, seq) VALUES (pg_temp.env('priv.happened', '{"n": 4}'), 1);
INSERT INTO goodgo_events.outbox (envelope, txid) VALUES (pg_temp.env('priv.happened', '{"n": 4}'), '1');
INSERT INTO goodgo_events.outbox (envelope, schema_version, findings)
	VALUES (pg_temp.env('priv.happened', '{"n": "x"}'), 1, NULL);
INSERT INTO goodgo_events.outbox (envelope, stream) VALUES (pg_temp.env('priv.happened', '{"n": 4}'), 'other');
INSERT INTO goodgo_events.outbox (envelope, event_id, event_type)
	VALUES (pg_temp.env('priv.happened', '{"n": 4}'), goodgo_events.uuid_v7(), 'priv.happened');
INSERT INTO goodgo_events.outbox (envelope, gen) VALUES (pg_temp.env('priv.happened', '{"n": 4}'), 2);
INSERT INTO goodgo_events.outbox (envelope, created_at) VALUES (pg_temp.env('priv.happened', '{"n": 4}'), now() - interval '1 day');
INSERT INTO goodgo_events.outbox (envelope, seq) OVERRIDING SYSTEM VALUE
	VALUES (pg_temp.env('priv.happened', '{"n": 4}'), 1);
-- straight into a generation, around the parent
INSERT INTO goodgo_events.outbox_g0 (envelope) VALUES (pg_temp.env('priv.happened', '{"n": 4}'));
-- changing, removing or reading validated rows
UPDATE goodgo_events.outbox SET schema_version = 1, findings = NULL;
UPDATE goodgo_events.outbox SET envelope = envelope;
DELETE FROM goodgo_events.outbox;
DELETE FROM goodgo_events.outbox_g1;
TRUNCATE goodgo_events.outbox_g2;
SELECT count(*) FROM goodgo_events.outbox;
INSERT INTO goodgo_events.outbox (envelope) VALUES (pg_temp.env('priv.happened', '{"n": 4}')) RETURNING seq;
-- switching the triggers off
SET session_replication_role = replica;
SET goodgo_events.outbox_maintenance = on;
ALTER TABLE goodgo_events.outbox DISABLE TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox_g0 DISABLE TRIGGER ALL;
DROP TRIGGER outbox_validate ON goodgo_events.outbox;
CREATE TABLE goodgo_events.outbox_g3 (LIKE goodgo_events.outbox);
CREATE FUNCTION goodgo_events.emit(text) RETURNS void LANGUAGE sql AS '';
-- the registry and the relay state
INSERT INTO goodgo_events.event_types (event_type, current_version, mode) VALUES ('priv.forged', 1, 'off');
UPDATE goodgo_events.event_types SET mode = 'off' WHERE event_type = 'priv.happened';
INSERT INTO goodgo_events.event_type_versions (event_type, version, schema, dialect, format_assertion)
	VALUES ('priv.happened', 9, 'true', 'draft7', false);
DELETE FROM goodgo_events.schema_documents;
SELECT goodgo_events.register_event_type('priv.happened', 'true');
SELECT goodgo_events.set_event_type_mode('priv.happened', 'off');
SELECT goodgo_events.register_schema('https://schemas.example.com/priv.json', 'true');
INSERT INTO goodgo_events.dead_letters (relay, part, seq, event_id, event_type, stream, envelope, attempts, first_failed_at)
	VALUES ('priv', 0, 1, goodgo_events.uuid_v7(), 'priv.happened', 's', '{}', 1, now());
INSERT INTO goodgo_events.dead_letters (id, relay, part, seq, event_id, event_type, stream, envelope, attempts, first_failed_at)
	OVERRIDING SYSTEM VALUE
	VALUES (1, 'priv', 0, 1, goodgo_events.uuid_v7(), 'priv.happened', 's', '{}', 1, now());
UPDATE goodgo_events.relay_positions SET last_batch_id = 0;
DELETE FROM goodgo_events.relay_batches;
-- the relay API
SELECT goodgo_events.relay_lock('priv2', 0);
SELECT goodgo_events.relay_claim('priv', 0, 10);
SELECT goodgo_events.relay_ack('priv', 0, 1);
SELECT goodgo_events.relay_nack('priv', 0, 1, 1, 'x');
SELECT goodgo_events.relay_reset('priv', 0, 'beginning');
SELECT goodgo_events.relay_replay('priv', 0, 1::bigint);
SELECT goodgo_events.relay_position('priv', 0);
SELECT goodgo_events.relay_forget('priv');
SELECT goodgo_events.outbox_rotate();
SELECT goodgo_events.redrive_dead_letters();
SELECT count(*) FROM goodgo_events.outbox_stats;
RESET ROLE;

-- What the producer wrote: three events, each with the derived columns the
-- trigger set (seq drawn, schema version 1, no findings, its own stream).
SELECT count(*) AS events, count(DISTINCT seq) AS seqs, bool_and(seq > 0) AS seq_drawn,
	   bool_and(schema_version = 1) AS validated_v1, bool_and(findings IS NULL) AS no_findings,
	   bool_and(txid <> '0') AS txid_set, bool_and(stream <> 'other') AS own_stream,
	   bool_and(event_id::text = envelope->>'eventId') AS id_from_envelope
  FROM goodgo_events.outbox WHERE event_type = 'priv.happened';
SELECT mode, current_version FROM goodgo_events.event_types WHERE event_type = 'priv.happened';
SELECT count(*) AS forged_types FROM goodgo_events.event_types WHERE event_type = 'priv.forged';

--
-- Relay: claims, acks, nacks, replays; cannot produce or touch the registry.
--
SET ROLE priv_relay;
CREATE TEMP TABLE priv_claimed AS
SELECT p AS part, c.* FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p,
	   LATERAL goodgo_events.relay_claim('priv', p, 1000) c;
SELECT count(*) AS claimed, count(*) FILTER (WHERE event_type = 'priv.happened') AS of_producer,
	   count(DISTINCT event_id) AS distinct_ids
  FROM priv_claimed;
-- one failed publish, recorded (not yet a dead letter)
SELECT goodgo_events.relay_nack('priv', c.part, c.batch_id, c.seq, 'redis down') AS dead
  FROM priv_claimed c ORDER BY c.seq LIMIT 1;
SELECT sum(goodgo_events.relay_ack('priv', b.part, b.batch_id)) AS acked
  FROM (SELECT DISTINCT part, batch_id FROM priv_claimed) b;
SELECT count(*) FILTER (WHERE x.last_batch_id > 0 AND x.open_batch_id IS NULL)
	   = (SELECT count(DISTINCT part) FROM priv_claimed) AS every_claimed_partition_acked
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p,
	   LATERAL goodgo_events.relay_position('priv', p) x;
SELECT count(*) AS replayed
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p,
	   LATERAL goodgo_events.relay_replay('priv', p, 1::bigint) r;
SELECT count(*) > 0 AS sees_stats FROM goodgo_events.outbox_stats WHERE relay = 'priv';
SELECT goodgo_events.outbox_rotate() IS NOT NULL AS rotate_runs;
-- a partition it does not lead
SELECT goodgo_events.relay_claim('priv-other', 0, 10);
-- cannot produce
SELECT goodgo_events.emit('priv.happened', '{"n": 5}');
INSERT INTO goodgo_events.outbox (envelope) VALUES (pg_temp.env('priv.happened', '{"n": 5}'));
-- cannot read or write the tables behind the API
SELECT count(*) FROM goodgo_events.outbox;
SELECT count(*) FROM goodgo_events.relay_positions;
UPDATE goodgo_events.relay_positions SET open_batch_id = NULL;
INSERT INTO goodgo_events.dead_letters (relay, part, seq, event_id, event_type, stream, envelope, attempts, first_failed_at)
	VALUES ('priv', 0, 1, goodgo_events.uuid_v7(), 'priv.happened', 's', '{}', 1, now());
-- cannot change the registry, redrive or forget
SELECT goodgo_events.register_event_type('priv.happened', 'true');
SELECT goodgo_events.set_event_type_mode('priv.happened', 'off');
UPDATE goodgo_events.event_types SET mode = 'off';
SELECT goodgo_events.register_schema('https://schemas.example.com/priv.json', 'true');
SELECT goodgo_events.redrive_dead_letters('priv');
SELECT goodgo_events.relay_forget('priv');
SELECT goodgo_events.outbox_set_partitions(2);
SELECT bool_and(goodgo_events.relay_unlock('priv', p)) AS unlocked
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
RESET ROLE;
-- the ack cleared the failure the nack recorded
SELECT count(*) AS failures_left FROM goodgo_events.relay_failures WHERE relay = 'priv';

--
-- Admin: the registry and operations; no events, no relaying.
--
SET ROLE priv_admin;
SELECT goodgo_events.set_event_type_mode('priv.happened', 'warn');
SELECT goodgo_events.redrive_dead_letters('priv') AS redriven;
SELECT count(*) AS dead_letters FROM goodgo_events.dead_letters WHERE relay = 'priv';
SELECT count(*) = goodgo_events.outbox_partitions() AS position_per_partition
  FROM goodgo_events.relay_positions WHERE relay = 'priv';
SELECT goodgo_events.emit('priv.happened', '{"n": 6}');
SELECT goodgo_events.relay_lock('priv', 0);
SELECT goodgo_events.relay_claim('priv', 0, 10);
UPDATE goodgo_events.relay_positions SET open_batch_id = NULL;
SELECT goodgo_events.relay_forget('priv') = goodgo_events.outbox_partitions() AS forgot_every_partition;
RESET ROLE;

--
-- PUBLIC: a role with none of the three has no way into the schema; even
-- given USAGE on it, no relay, retention or registry function, no table.
--
SET ROLE priv_nobody;
SELECT goodgo_events.emit('priv.happened', '{"n": 7}');
SELECT goodgo_events.relay_claim('priv', 0, 10);
SELECT count(*) FROM goodgo_events.outbox;
RESET ROLE;
GRANT USAGE ON SCHEMA goodgo_events TO priv_nobody;
SET ROLE priv_nobody;
SELECT goodgo_events.jsonschema_is_valid('{"type": "integer"}', '1') AS can_validate;
SELECT goodgo_events.emit('priv.happened', '{"n": 7}');
INSERT INTO goodgo_events.outbox (envelope) VALUES (pg_temp.env('priv.happened', '{"n": 7}'));
SELECT goodgo_events.relay_lock('priv', 0);
SELECT goodgo_events.relay_claim('priv', 0, 10);
SELECT goodgo_events.relay_replay('priv', 0, now());
SELECT goodgo_events.outbox_rotate();
SELECT goodgo_events.outbox_after_restore();
SELECT goodgo_events.redrive_dead_letter(1);
SELECT goodgo_events.register_event_type('priv.happened', 'true');
SELECT count(*) FROM goodgo_events.dead_letters;
SELECT count(*) FROM goodgo_events.outbox_stats;
RESET ROLE;
REVOKE USAGE ON SCHEMA goodgo_events FROM priv_nobody;

-- goodgo_events_compat (pg_jsonschema's API): pure functions, usable by any
-- role without USAGE on goodgo_events; nobody may create objects there.
SET ROLE priv_nobody;
SET search_path = goodgo_events_compat;
SELECT jsonb_matches_schema('{"type": "integer"}', '1') AS compat_matches,
       jsonschema_is_valid('{"type": "integer"}') AS compat_schema_valid,
       jsonschema_validation_errors('{"type": "integer"}', '"x"') AS compat_errors,
       jsonb_matches_compiled_schema('{"type": "integer"}'::jsonschema, '2') AS compat_compiled;
SELECT goodgo_events.jsonschema_is_valid('{"type": "integer"}', '1', 'draft2020-12', true) AS no_goodgo_events_usage;
CREATE FUNCTION goodgo_events_compat.mine() RETURNS int LANGUAGE sql AS 'SELECT 1';
RESET search_path;
RESET ROLE;
SELECT has_schema_privilege('public', 'goodgo_events_compat', 'USAGE') AS public_usage,
       has_schema_privilege('public', 'goodgo_events_compat', 'CREATE') AS public_create,
       has_schema_privilege('public', 'goodgo_events', 'USAGE') AS public_usage_goodgo_events;

-- Clean up: the events stay (append-only); the type goes back to enforce.
SELECT goodgo_events.set_event_type_mode('priv.happened', 'enforce');
DROP ROLE priv_producer, priv_relay, priv_admin, priv_nobody;
