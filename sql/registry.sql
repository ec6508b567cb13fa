-- The event-type registry: names, versions, modes, pinned settings, the
-- cache, privileges.  Output shows properties and counts, never timestamps.

\set VERBOSITY default

-- Start from a fresh install: tests that ran before in this database may
-- have emptied schema_documents or registered types of their own.
SET client_min_messages = warning;
DROP EXTENSION goodgo_events CASCADE;
CREATE EXTENSION goodgo_events;
SET client_min_messages = notice;

-- Objects and their labels.
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'goodgo_events'::regnamespace
   AND p.proname IN ('register_event_type', 'set_event_type_mode', 'validate_payload')
 ORDER BY p.proname COLLATE "C";
SELECT c.relname, x.cond
  FROM pg_extension e,
       LATERAL unnest(e.extconfig, e.extcondition) AS x(reloid, cond)
  JOIN pg_class c ON c.oid = x.reloid
 WHERE e.extname = 'goodgo_events'
   AND c.relname IN ('event_types', 'event_type_versions', 'schema_documents')
 ORDER BY c.relname COLLATE "C";
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = 'goodgo_events_admin';

-- CREATE EXTENSION registered the bundled contracts, each as version 1 of
-- the type its file is named after, with the file's schema and pinned
-- settings; the shared documents they $ref are registered too.
SELECT t.event_type, t.current_version, t.mode, t.bundled, v.version, v.bundled AS version_bundled,
       v.dialect, v.format_assertion, v.schema = b.schema AS schema_is_the_file
  FROM goodgo_events.event_types t
  JOIN goodgo_events.event_type_versions v USING (event_type)
  JOIN goodgo_events.bundled_schemas b ON b.name = t.event_type
 ORDER BY t.event_type COLLATE "C";
SELECT b.name, d.schema = b.schema AS registered_as_document
  FROM goodgo_events.bundled_schemas b
  LEFT JOIN goodgo_events.schema_documents d ON d.uri = b.uri
 WHERE b.name NOT LIKE '%.%'
 ORDER BY b.name COLLATE "C";

-- The bundled types validate through the shared definitions they $ref.
SELECT goodgo_events.validate_payload('payment.completed', '{
	"paymentId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8d",
	"orderId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8e",
	"payerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8f",
	"sellerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c90",
	"amount": {"amountMinor": 150000, "currency": "VND"},
	"gateway": "vnpay", "gatewayTransactionRef": "VNP14250001", "method": "card",
	"completedAt": "2026-11-27T04:40:00.123Z"}') AS validated_by;
SELECT goodgo_events.validate_payload('payment.completed', '{
	"paymentId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8d",
	"orderId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8e",
	"payerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8f",
	"sellerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c90",
	"amount": {"amountMinor": 1500.5, "currency": "vnd"},
	"gateway": "vnpay", "gatewayTransactionRef": "VNP14250001", "method": "card",
	"completedAt": "2026-11-27T04:40:00+07:00", "cardNumber": "4111111111111111"}');

-- Names: dotted lower case, at least two parts.
SELECT goodgo_events.register_event_type('payment', '{}');
SELECT goodgo_events.register_event_type('Payment.completed', '{}');
SELECT goodgo_events.register_event_type('payment.', '{}');
SELECT goodgo_events.register_event_type('payment..completed', '{}');
SELECT goodgo_events.register_event_type('1payment.completed', '{}');
SELECT goodgo_events.register_event_type('payment.completed-late', '{}');
SELECT goodgo_events.register_event_type('', '{}');
SELECT goodgo_events.register_event_type('a.' || repeat('b', 254), '{}');
SELECT goodgo_events.register_event_type(NULL, '{}');
SELECT goodgo_events.register_event_type('order.placed', NULL);
SELECT goodgo_events.register_event_type('order.placed', '{}', NULL);
SELECT goodgo_events.register_event_type('order.placed', '{}', 'strict');
-- nothing was stored by the failures
SELECT count(*) FROM goodgo_events.event_types WHERE NOT bundled;

-- An invalid schema is refused with the place of the fault.
SELECT goodgo_events.register_event_type('order.placed',
	'{"type": "object", "properties": {"total": {"type": 12}}}');
SELECT goodgo_events.register_event_type('order.placed', '[1, 2]');
SELECT count(*) FROM goodgo_events.event_types WHERE event_type = 'order.placed';

-- Version 1, then the same schema again (no-op), then a change (version 2),
-- then the first schema again (version 3: numbers are never reused).
SELECT goodgo_events.register_event_type('order.placed',
	'{"type": "object", "required": ["order_id"], "properties": {"order_id": {"type": "string"}}}') AS v;
SELECT goodgo_events.register_event_type('order.placed',
	'{"properties": {"order_id": {"type": "string"}}, "required": ["order_id"], "type": "object"}') AS same_v;
SELECT count(*) AS versions FROM goodgo_events.event_type_versions WHERE event_type = 'order.placed';
-- (the versions below break consumers on purpose: no compatibility check for
-- this type; sql/registry_compat.sql tests the check)
SELECT goodgo_events.set_event_type_compatibility('order.placed', 'NONE');
SELECT goodgo_events.register_event_type('order.placed',
	'{"type": "object", "required": ["order_id", "total"],
	  "properties": {"order_id": {"type": "string"}, "total": {"type": "integer", "minimum": 0}},
	  "additionalProperties": false}') AS v;
SELECT goodgo_events.register_event_type('order.placed',
	'{"type": "object", "required": ["order_id"], "properties": {"order_id": {"type": "string"}}}') AS v;
SELECT version, schema->'required' AS required, dialect, format_assertion, bundled,
       registered_by = current_user AS by_me
  FROM goodgo_events.event_type_versions WHERE event_type = 'order.placed'
 ORDER BY version;
SELECT event_type, current_version, mode, bundled, updated_at >= created_at AS updated_later
  FROM goodgo_events.event_types WHERE event_type = 'order.placed';
-- History is append-only.
UPDATE goodgo_events.event_type_versions SET schema = '{}' WHERE event_type = 'order.placed' AND version = 1;

-- Validation follows the current version (3: only order_id required).
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": "o-1"}') AS validated_by;
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": 42}');
SELECT goodgo_events.validate_payload('order.placed', '{}');
-- Back to the stricter schema: a fourth version, seen at once by this session.
SELECT goodgo_events.register_event_type('order.placed',
	'{"type": "object", "required": ["order_id", "total"],
	  "properties": {"order_id": {"type": "string"}, "total": {"type": "integer", "minimum": 0}},
	  "additionalProperties": false}') AS v;
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": "o-1"}');
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": "o-1", "total": -5, "secret": "x"}');
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": "o-1", "total": 500}') AS validated_by;

-- A registration rolled back is forgotten, also by this session's cache.
BEGIN;
SELECT goodgo_events.register_event_type('order.placed', 'true') AS v;
SELECT goodgo_events.validate_payload('order.placed', '{"anything": 1}') AS validated_by;
ROLLBACK;
SELECT goodgo_events.validate_payload('order.placed', '{"anything": 1}');
SELECT max(version) FROM goodgo_events.event_type_versions WHERE event_type = 'order.placed';
-- The same for a registration rolled back to a savepoint.
BEGIN;
SAVEPOINT before_registration;
SELECT goodgo_events.register_event_type('order.placed', 'true') AS v;
SELECT goodgo_events.validate_payload('order.placed', '{"anything": 1}') AS validated_by;
ROLLBACK TO SAVEPOINT before_registration;
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": "o-1", "total": 1}') AS validated_by;
SELECT goodgo_events.validate_payload('order.placed', '{"anything": 1}');
COMMIT;

-- Modes.  The same schema with another mode changes only the mode.
SELECT goodgo_events.register_event_type('order.placed',
	'{"type": "object", "required": ["order_id", "total"],
	  "properties": {"order_id": {"type": "string"}, "total": {"type": "integer", "minimum": 0}},
	  "additionalProperties": false}', 'warn') AS v;
SELECT current_version, mode FROM goodgo_events.event_types WHERE event_type = 'order.placed';
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": "o-1", "total": -5}') AS validated_by;
SELECT goodgo_events.set_event_type_mode('order.placed', 'off');
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": 1}') AS validated_by;
SELECT goodgo_events.set_event_type_mode('order.placed', 'enforce');
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": 1, "total": 1}');
SELECT goodgo_events.set_event_type_mode('order.placed', 'loud');
SELECT goodgo_events.set_event_type_mode('order.shipped', 'warn');
SELECT goodgo_events.set_event_type_mode('order.placed', NULL);
SELECT count(*) AS versions FROM goodgo_events.event_type_versions WHERE event_type = 'order.placed';

-- Nothing of a validation outlives it: after a warm-up, thousands of
-- validations (valid, and failing in warn mode) leave the registry's cache
-- contexts exactly as large as they were.
SET client_min_messages = error;
SELECT goodgo_events.set_event_type_mode('order.placed', 'warn');
SELECT count(goodgo_events.validate_payload('order.placed', '{"order_id": "o", "total": -1}'))
  FROM generate_series(1, 10);
SELECT sum(total_bytes) AS cache_bytes, count(*) AS cache_contexts
  FROM pg_backend_memory_contexts WHERE name LIKE 'goodgo_events registry%' \gset
SELECT count(goodgo_events.validate_payload('order.placed',
		CASE WHEN g % 2 = 0 THEN '{"order_id": "o", "total": -1}' ELSE '{"order_id": "o", "total": 1}' END::jsonb))
  FROM generate_series(1, 5000) g;
SELECT sum(total_bytes) = :cache_bytes AS cache_did_not_grow, count(*) = :cache_contexts AS same_contexts
  FROM pg_backend_memory_contexts WHERE name LIKE 'goodgo_events registry%';
SELECT goodgo_events.set_event_type_mode('order.placed', 'enforce');
SET client_min_messages = notice;

-- Unknown event types: rejected, unless a superuser allows them.
SELECT goodgo_events.validate_payload('order.shipped', '{}');
SET goodgo_events.unknown_event_types = 'allow';
SELECT goodgo_events.validate_payload('order.shipped', '{}') IS NULL AS unvalidated;
-- registering it is seen by the next validation, though the type was cached as unknown
SELECT goodgo_events.register_event_type('order.shipped', '{"type": "object", "required": ["carrier"]}') AS v;
SELECT goodgo_events.validate_payload('order.shipped', '{}');
-- past the 1024 unknown types a backend remembers, lookups still answer right
SELECT count(goodgo_events.validate_payload('probe.n' || g, '{}')) AS validated
  FROM generate_series(1, 1100) g;
SELECT goodgo_events.register_event_type('probe.n1100', '{"required": ["x"]}') AS v;
SELECT goodgo_events.validate_payload('probe.n1100', '{}');
RESET goodgo_events.unknown_event_types;
SELECT goodgo_events.validate_payload('order.nonexistent', '{}');
-- a name longer than any registered one is simply unknown
DO $$
BEGIN
	PERFORM goodgo_events.validate_payload('a.' || repeat('b', 300), '{}');
EXCEPTION WHEN undefined_object THEN
	RAISE NOTICE 'long name: %', SQLSTATE;
END
$$;

-- The dialect is pinned at registration, from $schema when it names one.
SELECT goodgo_events.register_event_type('order.cancelled',
	'{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}') AS v;
SELECT goodgo_events.register_event_type('order.refunded',
	'{"$schema": "https://json-schema.org/draft/2019-09/schema", "type": "object"}') AS v;
SELECT goodgo_events.register_event_type('order.returned', '{"type": "object"}') AS v;
SELECT event_type, version, dialect, format_assertion
  FROM goodgo_events.event_type_versions
 WHERE event_type IN ('order.cancelled', 'order.refunded', 'order.returned')
 ORDER BY event_type COLLATE "C";

-- Format assertion is pinned: a producer session that turns it off does not
-- weaken the check of a type registered with it on, and the other way round.
SELECT goodgo_events.register_event_type('order.scheduled',
	'{"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}}') AS v;
SET goodgo_events.json_schema_format_assertion = off;
SELECT goodgo_events.validate_payload('order.scheduled', '{"at": "2026-02-30T10:00:00Z"}');
-- registering the same schema under other settings is a new version
SELECT goodgo_events.register_event_type('order.scheduled',
	'{"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}}') AS v;
RESET goodgo_events.json_schema_format_assertion;
SELECT goodgo_events.validate_payload('order.scheduled', '{"at": "2026-02-30T10:00:00Z"}') AS validated_by;
SELECT version, dialect, format_assertion FROM goodgo_events.event_type_versions
 WHERE event_type = 'order.scheduled' ORDER BY version;

-- The dialect is pinned too: a schema without $schema registered while the
-- default draft is draft7 keeps draft-07 meaning (items as a tuple), though
-- the validating session's default is 2020-12, where it is not even valid.
SET goodgo_events.default_json_schema_draft = 'draft7';
SELECT goodgo_events.register_event_type('order.split',
	'{"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}') AS v;
RESET goodgo_events.default_json_schema_draft;
SELECT goodgo_events.validate_payload('order.split', '[1, "a", true]') AS validated_by;
SELECT goodgo_events.validate_payload('order.split', '["a", 1]');
SELECT goodgo_events.register_event_type('order.split',
	'{"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}') AS v;

-- $ref to a shared document resolves through schema_documents.
SELECT goodgo_events.register_event_type('order.disputed',
	'{"$ref": "https://example.com/nowhere.schema.json"}');
SELECT goodgo_events.register_schema('https://example.com/money.schema.json',
	'{"$id": "https://example.com/money.schema.json", "type": "integer", "minimum": 0}');
SELECT goodgo_events.register_event_type('order.disputed',
	'{"type": "object", "properties": {"amount": {"$ref": "https://example.com/money.schema.json"}}}') AS v;

SELECT goodgo_events.validate_payload('order.disputed', '{"amount": 10}') AS validated_by;
SELECT goodgo_events.validate_payload('order.disputed', '{"amount": -10}');
-- A document changed after registration takes effect at once; one removed
-- makes the stored schema fail to compile, named by version.  (The change
-- breaks consumers of order.disputed on purpose: no compatibility check for
-- it; sql/registry_compat.sql tests the check of a document change.)
SELECT goodgo_events.set_event_type_compatibility('order.disputed', 'NONE');
SELECT goodgo_events.register_schema('https://example.com/money.schema.json',
	'{"$id": "https://example.com/money.schema.json", "type": "integer", "minimum": -100}');
SELECT goodgo_events.validate_payload('order.disputed', '{"amount": -10}') AS validated_by;
DELETE FROM goodgo_events.schema_documents WHERE uri = 'https://example.com/money.schema.json';
SELECT goodgo_events.validate_payload('order.disputed', '{"amount": 10}');

-- A pattern that is valid ECMA-262 but that our engine cannot run is refused
-- at registration as 0A000, not 22023 (the schema is valid), and nothing is
-- stored.  Brought into a registered schema by a document stored behind
-- register_schema's back, it is named by version, for validate_payload and
-- for the outbox trigger alike.
SELECT goodgo_events.register_event_type('order.translated',
	'{"type": "object", "properties": {"title": {"type": "string", "pattern": "^\\p{Emoji}+$"}}}');
SELECT count(*) AS stored FROM goodgo_events.event_types WHERE event_type = 'order.translated';
INSERT INTO goodgo_events.schema_documents (uri, schema)
VALUES ('https://example.com/money.schema.json', '{"type": "integer", "propertyNames": {"pattern": "^(?i:usd)$"}}');
SELECT goodgo_events.validate_payload('order.disputed', '{"amount": 10}');
SELECT goodgo_events.emit('order.disputed', '{"amount": 10}');
SELECT count(*) AS emitted FROM goodgo_events.outbox WHERE event_type = 'order.disputed';
DELETE FROM goodgo_events.schema_documents WHERE uri = 'https://example.com/money.schema.json';

-- Restoring a dump merges a row for a bundled type into the one CREATE
-- EXTENSION made; any other duplicate still fails.
UPDATE goodgo_events.event_types SET bundled = true WHERE event_type = 'order.returned';
INSERT INTO goodgo_events.event_types (event_type, current_version, mode, bundled)
VALUES ('order.returned', 1, 'warn', false);
SELECT event_type, mode, bundled FROM goodgo_events.event_types WHERE event_type = 'order.returned';
INSERT INTO goodgo_events.event_types (event_type, current_version, mode, bundled)
VALUES ('order.returned', 1, 'off', false);
\set VERBOSITY terse
INSERT INTO goodgo_events.event_types (event_type, current_version, mode)
VALUES ('Order.Bad', 1, 'warn');
\set VERBOSITY default

-- The invalidation trigger refuses to run any other way.
CREATE FUNCTION registry_invalidate_misused() RETURNS void
	LANGUAGE C AS 'goodgo_events', 'goodgo_registry_invalidate';
SELECT registry_invalidate_misused();
DROP FUNCTION registry_invalidate_misused();

-- Privileges: producers read, admins register, nobody else writes.
CREATE ROLE registry_producer;
CREATE ROLE registry_admin;
GRANT goodgo_events_admin TO registry_admin;
-- (the schema is usable by the admin role; producers are granted it here)
GRANT USAGE ON SCHEMA goodgo_events TO registry_producer;
SET ROLE registry_producer;
SELECT goodgo_events.register_event_type('order.hacked', 'true');
SELECT goodgo_events.set_event_type_mode('order.placed', 'off');
INSERT INTO goodgo_events.event_types (event_type, current_version) VALUES ('order.hacked', 1);
UPDATE goodgo_events.event_types SET mode = 'off';
DELETE FROM goodgo_events.event_type_versions;
-- nor can they change a shared document a registered schema refers to
SELECT goodgo_events.register_schema('https://schemas.goodgo.example/events/definitions.schema.json', '{}');
SET goodgo_events.unknown_event_types = 'allow';
SELECT count(*) > 0 AS can_read FROM goodgo_events.event_types;
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": "o-9", "total": 9}') AS validated_by;
RESET ROLE;
SET ROLE registry_admin;
SELECT goodgo_events.register_event_type('order.audited', '{"type": "object"}', 'warn') AS v;
SELECT goodgo_events.set_event_type_mode('order.audited', 'enforce');
-- admins register shared documents too, but cannot write the table directly
SELECT goodgo_events.register_schema('https://schemas.example.com/admin-owned.json', '{"type": "string"}');
DELETE FROM goodgo_events.schema_documents WHERE uri = 'https://schemas.example.com/admin-owned.json';
INSERT INTO goodgo_events.event_types (event_type, current_version) VALUES ('order.sneaky', 1);
RESET ROLE;
SELECT count(*) AS admin_documents FROM goodgo_events.schema_documents
 WHERE uri = 'https://schemas.example.com/admin-owned.json';
DELETE FROM goodgo_events.schema_documents WHERE uri = 'https://schemas.example.com/admin-owned.json';
SELECT event_type, mode, v.registered_by
  FROM goodgo_events.event_types t JOIN goodgo_events.event_type_versions v USING (event_type)
 WHERE event_type = 'order.audited';
REVOKE USAGE ON SCHEMA goodgo_events FROM registry_producer;
DROP ROLE registry_producer;
DROP ROLE registry_admin;

-- A type with versions is neither deleted nor renamed (what a foreign key's
-- RESTRICT did: there is none between the registry tables, so that
-- pg_restore -j can load them in any order; test/suites/registry_dump.sh).
DELETE FROM goodgo_events.event_types WHERE event_type = 'order.audited';
UPDATE goodgo_events.event_types SET event_type = 'order.renamed' WHERE event_type = 'order.audited';
UPDATE goodgo_events.event_types SET updated_at = updated_at WHERE event_type = 'order.audited';
SELECT count(*) AS still_there FROM goodgo_events.event_types WHERE event_type = 'order.audited';

-- A backend that has used the registry answers right across DROP and CREATE
-- EXTENSION: the dropped tables' invalidations empty its cache.
SET client_min_messages = warning;
DROP EXTENSION goodgo_events CASCADE;
CREATE EXTENSION goodgo_events;
SET client_min_messages = notice;
SELECT goodgo_events.validate_payload('order.placed', '{"order_id": "o-1", "total": 1}');
SELECT count(*) AS types FROM goodgo_events.event_types;
