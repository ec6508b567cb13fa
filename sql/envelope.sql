-- The event envelope v1: domain goodgo_events.event_envelope and
-- goodgo_events.envelope_errors().  The corpus comparison with the generic
-- validator and python jsonschema is test/suites/envelope_reference.sh.

\set env '{"schemaVersion": 1, "eventId": "01890a5d-ac96-774b-bcce-b302099a8057", "eventType": "payment.completed", "occurredAt": "2024-02-29T10:15:30.123Z", "producer": "api", "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "payload": {"paymentId": "p"}}'

-- Findings as rows, in the order the check reports them.
CREATE FUNCTION pg_temp.findings(envelope jsonb)
RETURNS TABLE (keyword text, instance text, error text)
LANGUAGE sql AS $$
	SELECT f->>'keywordLocation', f->>'instanceLocation', f->>'error'
	  FROM jsonb_array_elements(goodgo_events.envelope_errors(envelope)) WITH ORDINALITY AS t(f, n)
	 ORDER BY n
$$;

-- A valid envelope passes the domain and has no findings.
SELECT (:'env'::jsonb::goodgo_events.event_envelope) IS NOT NULL AS accepted,
       goodgo_events.envelope_errors(:'env') AS errors;

-- The domain on a table column: good rows go in, a bad one is refused with
-- the precise message, not core's generic check-constraint one.
CREATE TABLE envelope_test (id int PRIMARY KEY, envelope goodgo_events.event_envelope NOT NULL);
INSERT INTO envelope_test VALUES (1, :'env');
INSERT INTO envelope_test VALUES (2, :'env'::jsonb - 'traceId');
INSERT INTO envelope_test VALUES (3, :'env'::jsonb || '{"eventId": "01890A5D-AC96-774B-BCCE-B302099A8057"}');
UPDATE envelope_test SET envelope = envelope::jsonb || '{"producer": ""}' WHERE id = 1;
SELECT id, envelope::jsonb = :'env'::jsonb AS unchanged FROM envelope_test ORDER BY id;

-- NULL passes a domain check (as for any domain); envelope_errors is strict.
SELECT NULL::jsonb::goodgo_events.event_envelope IS NULL AS null_passes,
       goodgo_events.envelope_errors(NULL) IS NULL AS errors_of_null;

-- Not an object: one finding at the root, whatever else is wrong.
SELECT * FROM pg_temp.findings('[]');
SELECT * FROM pg_temp.findings('"payment.completed"');
SELECT * FROM pg_temp.findings('null');
SELECT * FROM pg_temp.findings('42');
SELECT '[{"schemaVersion": 1}]'::jsonb::goodgo_events.event_envelope;

-- Missing keys: one finding per key, in the schema's order.
SELECT * FROM pg_temp.findings('{}');
SELECT * FROM pg_temp.findings(:'env'::jsonb - 'payload' - 'eventId');
SELECT (:'env'::jsonb - 'occurredAt' - 'producer' - 'schemaVersion' - 'eventType')
       ::goodgo_events.event_envelope;

-- Unknown keys: each named by its JSON Pointer (~ and / escaped), the
-- value never shown.
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"aggregateId": "secret-value", "a/b~c": 1, "": 2}');
SELECT (:'env'::jsonb || '{"customerEmail": "someone@example.com"}')::goodgo_events.event_envelope;

-- schemaVersion: the integer 1 (1.0 is the same number, as JSON Schema says).
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"schemaVersion": 1.0}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"schemaVersion": 1e0}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"schemaVersion": 2}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"schemaVersion": 1.5}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"schemaVersion": "1"}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"schemaVersion": true}');
SELECT (:'env'::jsonb || '{"schemaVersion": 2}')::goodgo_events.event_envelope;

-- eventId: lowercase canonical UUIDv7 (version nibble 7, variant 10xx).
SELECT v AS event_id, goodgo_events.envelope_errors(:'env'::jsonb || jsonb_build_object('eventId', v)) = '[]' AS valid
  FROM (VALUES ('01890a5d-ac96-774b-bcce-b302099a8057'),
               ('01890a5d-ac96-774b-8cce-b302099a8057'),
               ('01890a5d-ac96-774b-acce-b302099a8057'),
               ('01890a5d-ac96-774b-9cce-b302099a8057'),
               ('01890a5d-ac96-474b-bcce-b302099a8057'),
               ('01890a5d-ac96-774b-ccce-b302099a8057'),
               ('01890a5d-ac96-774b-7cce-b302099a8057'),
               ('01890A5D-AC96-774B-BCCE-B302099A8057'),
               ('01890a5dac96774bbcceb302099a8057'),
               ('{01890a5d-ac96-774b-bcce-b302099a8057}'),
               ('01890a5d-ac96-774b-bcce-b302099a805'),
               ('01890a5d-ac96-774b-bcce-b302099a80577'),
               ('01890a5d_ac96-774b-bcce-b302099a8057'),
               ('01890a5d-ac96-774b-bcce-b302099a805g'),
               ('')) AS t(v);
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"eventId": "01890a5d-ac96-474b-bcce-b302099a8057"}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"eventId": 42}');
SELECT (:'env'::jsonb || '{"eventId": "not-a-uuid"}')::goodgo_events.event_envelope;

-- eventType: dotted lowercase, at least two parts.
SELECT v AS event_type, goodgo_events.envelope_errors(:'env'::jsonb || jsonb_build_object('eventType', v)) = '[]' AS valid
  FROM (VALUES ('payment.completed'), ('kyc.verified'), ('listing.price_changed'),
               ('marketplace.listing.approved'), ('a.b'), ('order2.shipped3'),
               ('payment'), ('Payment.completed'), ('payment.Completed'),
               ('payment..completed'), ('.payment.completed'), ('payment.completed.'),
               ('payment.2completed'), ('_payment.completed'), ('payment-completed'),
               ('payment.completed '), ('payment.complété'), ('')) AS t(v);
SELECT (:'env'::jsonb || '{"eventType": "PaymentCompleted"}')::goodgo_events.event_envelope;

-- occurredAt: an RFC 3339 date-time (format) in UTC written with Z (pattern).
SELECT v AS occurred_at,
       (SELECT string_agg(f->>'keywordLocation', ' ' ORDER BY n)
          FROM jsonb_array_elements(goodgo_events.envelope_errors(:'env'::jsonb || jsonb_build_object('occurredAt', v)))
               WITH ORDINALITY AS t(f, n)) AS failing
  FROM (VALUES ('2024-02-29T10:15:30Z'), ('2024-02-29T10:15:30.1Z'),
               ('2024-02-29T10:15:30.123456789Z'), ('2000-02-29T00:00:00Z'),
               ('1998-12-31T23:59:60Z'), ('2023-02-28T23:59:59Z'),
               ('2023-02-29T10:15:30Z'), ('2024-02-30T10:15:30Z'), ('1900-02-29T00:00:00Z'),
               ('2024-04-31T00:00:00Z'), ('2024-13-01T00:00:00Z'), ('2024-00-10T00:00:00Z'),
               ('2024-01-00T00:00:00Z'), ('2024-01-01T24:00:00Z'), ('2024-01-01T00:60:00Z'),
               ('2024-01-01T00:00:61Z'), ('1998-12-31T23:58:60Z'), ('1998-12-31T22:59:60Z'),
               ('2024-02-29T10:15:30+00:00'), ('2024-02-29T17:15:30+07:00'),
               ('2024-02-29t10:15:30z'), ('2024-02-29 10:15:30Z'), ('2024-02-29T10:15:30.Z'),
               ('2024-02-29T10:15:30'), ('2024-02-29'), ('20240229T101530Z'),
               ('2024-02-29T10:15Z'), ('2024-02-29T10:15:30ZZ'), ('')) AS t(v);
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"occurredAt": "yesterday"}');
SELECT (:'env'::jsonb || '{"occurredAt": "2024-02-30T10:15:30+07:00"}')::goodgo_events.event_envelope;

-- producer: any non-empty string.
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"producer": "kyc-worker"}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"producer": "dịch-vụ-thanh-toán"}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || jsonb_build_object('producer', repeat('x', 100000)));
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"producer": ""}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"producer": null}');
SELECT (:'env'::jsonb || '{"producer": ""}')::goodgo_events.event_envelope;

-- traceId: 32 lowercase hex digits, all zeros allowed.
SELECT v AS trace_id, goodgo_events.envelope_errors(:'env'::jsonb || jsonb_build_object('traceId', v)) = '[]' AS valid
  FROM (VALUES ('4bf92f3577b34da6a3ce929d0e0e4736'), ('00000000000000000000000000000000'),
               ('4BF92F3577B34DA6A3CE929D0E0E4736'), ('4bf92f3577b34da6a3ce929d0e0e473'),
               ('4bf92f3577b34da6a3ce929d0e0e47366'), ('4bf92f3577b34da6a3ce929d0e0e473g'),
               ('4bf92f35-77b3-4da6-a3ce-929d0e0e4736'), ('')) AS t(v);
SELECT (:'env'::jsonb || '{"traceId": "4BF92F3577B34DA6A3CE929D0E0E4736"}')::goodgo_events.event_envelope;

-- payload: any object (its contents are the event type's schema's business).
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"payload": {}}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"payload": []}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"payload": "{}"}');
SELECT * FROM pg_temp.findings(:'env'::jsonb || '{"payload": null}');
SELECT (:'env'::jsonb || '{"payload": [1, 2]}')::goodgo_events.event_envelope;

-- Every rule broken at once: the detail lists ten findings and counts the rest.
SELECT count(*) FROM pg_temp.findings('{"schemaVersion": "1", "eventId": 1, "eventType": 1, "occurredAt": 1, "producer": 1, "traceId": 1, "payload": 1, "x1": 1, "x2": 2, "x3": 3, "x4": 4}');
SELECT '{"schemaVersion": "1", "eventId": 1, "eventType": 1, "occurredAt": 1, "producer": 1, "traceId": 1, "payload": 1, "x1": 1, "x2": 2, "x3": 3, "x4": 4}'::jsonb::goodgo_events.event_envelope;

-- A long unknown key is shortened in the detail (the data keeps it whole).
SELECT (:'env'::jsonb || jsonb_build_object(repeat('k', 1000), 1))::goodgo_events.event_envelope;
SELECT length(instance) FROM pg_temp.findings(:'env'::jsonb || jsonb_build_object(repeat('k', 1000), 1));

-- Many unknown keys: all reported as data.
SELECT count(*) FROM pg_temp.findings((SELECT jsonb_object_agg('extra' || i, i) FROM generate_series(1, 10000) i) || :'env'::jsonb);

-- The SQLSTATE a program catches is 23514 (check_violation).
DO $$
BEGIN
	PERFORM '{}'::jsonb::goodgo_events.event_envelope;
EXCEPTION WHEN check_violation THEN
	RAISE NOTICE 'caught check_violation: %', SQLERRM;
END
$$;

-- Catalogue properties the rest of the extension relies on.
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel
  FROM pg_proc p
 WHERE p.pronamespace = 'goodgo_events'::regnamespace
   AND p.proname IN ('event_envelope_check', 'envelope_errors')
 ORDER BY p.proname COLLATE "C";
SELECT typname, format_type(typbasetype, typtypmod) AS base
  FROM pg_type WHERE oid = 'goodgo_events.event_envelope'::regtype;

-- The bundled contracts are valid schemas against the 2020-12 metaschema.
-- (Compiling the payload schemas needs definitions.schema.json registered
-- for their $ref, which is the registry's business.)
SELECT name, uri,
       goodgo_events.jsonschema_is_valid('{"$ref": "https://json-schema.org/draft/2020-12/schema"}', schema) AS valid_schema
  FROM goodgo_events.bundled_schemas ORDER BY name COLLATE "C";

-- The generic validator, on the bundled envelope.schema.json, finds the same
-- (keywordLocation, instanceLocation) pairs as the C check; the corpus of
-- test/suites/envelope_reference.sh does this for 264 cases.
SELECT label,
       (SELECT array_agg(DISTINCT (f->>'keywordLocation') || ' @' || (f->>'instanceLocation'))
          FROM jsonb_array_elements(goodgo_events.envelope_errors(e)) f)
       IS NOT DISTINCT FROM
       (SELECT array_agg(DISTINCT (f->>'keywordLocation') || ' @' || (f->>'instanceLocation'))
          FROM jsonb_array_elements(goodgo_events.jsonschema_errors(
                 (SELECT schema FROM goodgo_events.bundled_schemas WHERE name = 'envelope'), e)) f) AS same_findings,
       goodgo_events.jsonschema_is_valid((SELECT schema FROM goodgo_events.bundled_schemas WHERE name = 'envelope'), e)
       = (goodgo_events.envelope_errors(e) = '[]') AS same_verdict
  FROM (VALUES ('valid', :'env'::jsonb),
               ('not an object', '[1]'),
               ('missing keys', :'env'::jsonb - 'eventId' - 'payload'),
               ('bad values', :'env'::jsonb || '{"schemaVersion": "1", "occurredAt": "2024-02-30T10:15:30+07:00", "producer": ""}'),
               ('wrong types', :'env'::jsonb || '{"eventId": 1, "traceId": null, "payload": []}'),
               ('leap second', :'env'::jsonb || '{"occurredAt": "1998-12-31T23:59:60Z"}')) AS t(label, e);

DROP TABLE envelope_test;
