-- A producer cannot choose what validates its payload through its
-- search_path (issue 12, item 1).  Every query the extension runs on a
-- caller's behalf (the registry lookup and the $ref resolver in C, emit()'s
-- INSERT, the outbox trigger's sequence name, the SQL functions) resolves
-- nothing through the caller's search_path: doc/hardening-b.md lists them.
-- Here a member of goodgo_events_producer owns a schema that shadows the
-- operators and functions those queries could use, each of which returns
-- the answer that would let a bad payload through and records that it ran;
-- with that schema first in its search_path, no verdict changes and none of
-- them runs.
\set SHOW_CONTEXT never

-- The extension's SQL and PL/pgSQL functions whose body is parsed when they
-- run (not a RETURN or BEGIN ATOMIC body, bound at CREATE) and that do not
-- pin search_path: only relay_rows, which must stay inlinable, which PUBLIC
-- cannot execute, and whose callers all pin it (doc/hardening-b.md).
SELECT p.oid::regprocedure::text AS unpinned,
	   has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'goodgo_events')
   AND p.prolang IN (SELECT oid FROM pg_language WHERE lanname IN ('sql', 'plpgsql'))
   AND p.prosqlbody IS NULL
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
 ORDER BY p.oid::regprocedure::text COLLATE "C";

CREATE ROLE sp_producer IN ROLE goodgo_events_producer;
CREATE SCHEMA prodapp AUTHORIZATION sp_producer;
-- Documents and types an admin registered; the producer only reads them.
SELECT goodgo_events.register_schema('urn:sp:count', '{"type": "integer", "minimum": 0}');
SELECT goodgo_events.register_schema('urn:sp:lax', '{}');
SELECT goodgo_events.register_event_type('sp.counted',
	'{"type": "object", "required": ["n"], "properties": {"n": {"$ref": "urn:sp:count"}}}');
SELECT goodgo_events.register_event_type('sp.anything', '{}');
-- The owner's outbox with a sequence named without its schema.
CREATE SEQUENCE public.sp_seq;
CREATE TABLE public.sp_outbox (e jsonb NOT NULL, n bigint);
CREATE TRIGGER v BEFORE INSERT ON public.sp_outbox FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=e', 'seq=n', 'seq_sequence=sp_seq');
GRANT INSERT ON public.sp_outbox TO sp_producer;

SET ROLE sp_producer;
CREATE TABLE prodapp.hits (what text);
CREATE FUNCTION prodapp.hit(what text) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	INSERT INTO prodapp.hits VALUES (what);
	RAISE NOTICE 'hostile % ran', what;
END $$;
-- "=" is true for everything, "<>" false: any type or URI matches any row.
CREATE FUNCTION prodapp.eq(text, text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('= text'); RETURN true; END $$;
CREATE FUNCTION prodapp.eq(integer, integer) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('= integer'); RETURN true; END $$;
CREATE FUNCTION prodapp.eq(jsonb, jsonb) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('= jsonb'); RETURN true; END $$;
CREATE FUNCTION prodapp.eq(boolean, boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('= boolean'); RETURN true; END $$;
CREATE FUNCTION prodapp.ne(text, text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('<> text'); RETURN false; END $$;
CREATE FUNCTION prodapp.plus(integer, integer) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('+ integer'); RETURN 1; END $$;
CREATE FUNCTION prodapp.field_text(jsonb, text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('->>'); RETURN 'sp.anything'; END $$;
CREATE FUNCTION prodapp.field(jsonb, text) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('->'); RETURN '{}'; END $$;
CREATE FUNCTION prodapp.concat_text(text, text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('||'); RETURN 'x'; END $$;
CREATE FUNCTION prodapp.match(text, text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('~'); RETURN true; END $$;
CREATE OPERATOR prodapp.= (FUNCTION = prodapp.eq, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR prodapp.= (FUNCTION = prodapp.eq, LEFTARG = integer, RIGHTARG = integer);
CREATE OPERATOR prodapp.= (FUNCTION = prodapp.eq, LEFTARG = jsonb, RIGHTARG = jsonb);
CREATE OPERATOR prodapp.= (FUNCTION = prodapp.eq, LEFTARG = boolean, RIGHTARG = boolean);
CREATE OPERATOR prodapp.<> (FUNCTION = prodapp.ne, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR prodapp.+ (FUNCTION = prodapp.plus, LEFTARG = integer, RIGHTARG = integer);
CREATE OPERATOR prodapp.->> (FUNCTION = prodapp.field_text, LEFTARG = jsonb, RIGHTARG = text);
CREATE OPERATOR prodapp.-> (FUNCTION = prodapp.field, LEFTARG = jsonb, RIGHTARG = text);
CREATE OPERATOR prodapp.|| (FUNCTION = prodapp.concat_text, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR prodapp.~ (FUNCTION = prodapp.match, LEFTARG = text, RIGHTARG = text);
-- Functions the extension's SQL calls or could call.
CREATE FUNCTION prodapp.lower(text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('lower'); RETURN 'sp.anything'; END $$;
CREATE FUNCTION prodapp.length(text) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('length'); RETURN 0; END $$;
CREATE FUNCTION prodapp.octet_length(text) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('octet_length'); RETURN 0; END $$;
CREATE FUNCTION prodapp.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('jsonb_typeof'); RETURN 'object'; END $$;
CREATE FUNCTION prodapp.now() RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('now'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION prodapp.to_char(timestamp, text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('to_char'); RETURN 'x'; END $$;
CREATE FUNCTION prodapp.timezone(text, timestamptz) RETURNS timestamp LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('timezone'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION prodapp.nextval(regclass) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('nextval'); RETURN 1; END $$;
CREATE FUNCTION prodapp.pg_sequence_last_value(regclass) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('pg_sequence_last_value'); RETURN 0; END $$;
CREATE FUNCTION prodapp.max(integer) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('max'); RETURN 0; END $$;
CREATE FUNCTION prodapp.hashtext(text) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM prodapp.hit('hashtext'); RETURN 0; END $$;
-- A sequence of the same name as the owner's.
CREATE SEQUENCE prodapp.sp_seq START 1000000;

-- The trap is live: in the producer's own queries, its operators win.
SET search_path = prodapp, pg_catalog;
SELECT 'a' = 'b' AS hostile_eq, lower('X') AS hostile_lower;
SELECT count(*) AS hits_from_own_queries FROM prodapp.hits;
TRUNCATE prodapp.hits;

-- Every verdict is the one a clean session gets.  A fresh backend: no plan or
-- compiled schema is left from earlier, clean, calls.
\c -
SET ROLE sp_producer;
SET search_path = prodapp, pg_catalog;
-- emit(): a bad payload of a registered type is rejected, by its own schema.
SELECT goodgo_events.emit('sp.counted', '{"n": "lots"}');
SELECT goodgo_events.emit('sp.counted', '{"n": -1}');
SELECT goodgo_events.emit('payment.completed', '{"amount": "lots"}');
-- An unregistered type is still unknown.
SELECT goodgo_events.emit('sp.unregistered', '{}');
-- validate_payload(): the same verdicts, and the right version for a good one.
SELECT goodgo_events.validate_payload('sp.counted', '{"n": "lots"}');
SELECT goodgo_events.validate_payload('sp.counted', '{"n": 3}') AS version;
SELECT goodgo_events.validate_payload('sp.unregistered', '{}');
-- jsonschema_is_valid() with $ref: the document registered under that URI,
-- and none for a URI that is not registered.
SELECT goodgo_events.jsonschema_is_valid('{"$ref": "urn:sp:count"}', '"x"') AS string_is_count,
	   goodgo_events.jsonschema_is_valid('{"$ref": "urn:sp:count"}', '-1') AS minus_one_is_count,
	   goodgo_events.jsonschema_is_valid('{"$ref": "urn:sp:count"}', '7') AS seven_is_count;
SELECT goodgo_events.jsonschema_is_valid('{"$ref": "urn:sp:missing"}', '1');
-- A good event goes in with the columns the trigger derives.
SELECT goodgo_events.emit('sp.counted', '{"n": 5}', 'sp-1') IS NOT NULL AS emitted;
-- The owner's outbox draws from public.sp_seq, not from the producer's
-- prodapp.sp_seq that comes first in the producer's search_path.
INSERT INTO public.sp_outbox (e)
VALUES (pg_catalog.jsonb_build_object('schemaVersion', 1, 'eventId', goodgo_events.uuid_v7(),
		'eventType', 'sp.counted', 'occurredAt', '2026-01-02T03:04:05Z', 'producer', 'sp',
		'traceId', pg_catalog.repeat('ab', 16), 'payload', '{"n": 1}'::jsonb));
-- None of the producer's functions ran.
SELECT count(*) AS hostile_calls FROM prodapp.hits;
RESET ROLE;
RESET search_path;
SELECT n AS seq_from_owner_sequence FROM public.sp_outbox;
SELECT last_value, is_called FROM prodapp.sp_seq;
SELECT event_type, aggregate_id, schema_version, envelope->'payload' AS payload
  FROM goodgo_events.outbox WHERE aggregate_id = 'sp-1';

DROP TABLE public.sp_outbox;
DROP SEQUENCE public.sp_seq;
SET client_min_messages = warning;
DROP SCHEMA prodapp CASCADE;
RESET client_min_messages;
DROP ROLE sp_producer;
DELETE FROM goodgo_events.event_type_versions WHERE event_type LIKE 'sp.%';
DELETE FROM goodgo_events.event_types WHERE event_type LIKE 'sp.%';
DELETE FROM goodgo_events.schema_documents WHERE uri LIKE 'urn:sp:%';
