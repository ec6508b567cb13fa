-- PL/pgSQL line numbers in CONTEXT lines would make this file fragile
\set SHOW_CONTEXT never
-- pg_restore brings the outbox's rows back through its validating trigger
-- (CREATE EXTENSION created it before the data).  A restored row is kept as
-- dumped, not validated again: the table is the extension's outbox, the row
-- carries the derived columns, and the inserting role has the owner's
-- privileges.  Nothing a producer can supply (column values, its own
-- table with the trigger, COPY) gets a row past validation.
SET goodgo_events.unknown_event_types = reject;
SELECT goodgo_events.register_event_type('lead.restored',
	'{"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}');

CREATE FUNCTION pg_temp.env(id uuid, payload jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('schemaVersion', 1, 'eventId', id,
		'eventType', 'lead.restored', 'occurredAt', '2026-01-02T03:04:05Z', 'producer', 'test',
		'traceId', repeat('ab', 16), 'payload', payload)
$$;

-- What pg_restore does, as the owner (here a superuser): a row as dumped,
-- whose payload does not validate today (it was accepted in warn mode: its
-- findings say why), from another cluster (txid 123456789).  Kept as given,
-- but for its txid, which becomes this transaction's.
INSERT INTO goodgo_events.outbox (gen, seq, txid, part, event_id, event_type, aggregate_id, stream,
								  envelope, schema_version, findings, created_at)
VALUES (goodgo_events.outbox_current_gen(), 5000000, '123456789', 0,
		'01a00000-0000-7000-8000-000000000001', 'lead.restored', 'lead-1', 'goodgo:lead:{outbox:00}',
		pg_temp.env('01a00000-0000-7000-8000-000000000001', '{"name": "no email"}'), 1,
		'[{"error": "must have required property \"email\"", "instanceLocation": ""}]',
		'2026-01-02 03:04:05+00')
RETURNING seq, txid = pg_current_xact_id() AS own_txid, part, event_type, aggregate_id, stream,
		  envelope->'payload' AS payload, schema_version, findings, created_at;
-- New events draw seqs above the restored one.
SELECT goodgo_events.emit('lead.restored', '{"email": "a@b.c"}', 'lead-2') IS NOT NULL AS emitted;
SELECT seq > 5000000 AS above_restored FROM goodgo_events.outbox WHERE aggregate_id = 'lead-2';
-- The same row without what the trigger derives (txid left at its default
-- 0, as every producer's row) is validated like any other.
INSERT INTO goodgo_events.outbox (envelope, aggregate_id)
VALUES (pg_temp.env('01a00000-0000-7000-8000-000000000002', '{"name": "no email"}'), 'lead-3');
-- Derived columns partly filled (no stream): validated too.
INSERT INTO goodgo_events.outbox (seq, txid, part, event_id, event_type, envelope)
VALUES (5000001, '123456789', 0, '01a00000-0000-7000-8000-000000000003', 'lead.restored',
		pg_temp.env('01a00000-0000-7000-8000-000000000003', '{"name": "no email"}'));

-- A producer that fills the derived columns.  Even granted INSERT on every
-- column of the outbox and of a generation table (more than the producer
-- role gives), it is not the owner: its rows are validated, and what the
-- trigger derives replaces what it wrote.
CREATE ROLE outbox_restore_producer IN ROLE goodgo_events_producer;
GRANT INSERT ON goodgo_events.outbox, goodgo_events.outbox_g0, goodgo_events.outbox_g1,
	goodgo_events.outbox_g2 TO outbox_restore_producer;
CREATE SCHEMA outbox_restore_app AUTHORIZATION outbox_restore_producer;
SET ROLE outbox_restore_producer;
SET goodgo_events.unknown_event_types = allow;		-- superuser only
INSERT INTO goodgo_events.outbox (gen, seq, txid, part, event_id, event_type, aggregate_id, stream,
								  envelope, schema_version, findings)
VALUES (goodgo_events.outbox_current_gen(), 6000000, '123456789', 0,
		'01a00000-0000-7000-8000-000000000004', 'lead.restored', 'lead-4', 'goodgo:lead:{outbox:00}',
		pg_temp.env('01a00000-0000-7000-8000-000000000004', '{"name": "no email"}'), 1, NULL);
-- COPY rather than INSERT: the same.
COPY goodgo_events.outbox (seq, txid, part, event_id, event_type, stream, envelope, schema_version) FROM STDIN;
6000001	123456789	0	01a00000-0000-7000-8000-000000000005	lead.restored	goodgo:lead:{outbox:00}	{"eventId": "01a00000-0000-7000-8000-000000000005", "payload": {}, "producer": "test", "traceId": "abababababababababababababababab", "eventType": "lead.restored", "occurredAt": "2026-01-02T03:04:05Z", "schemaVersion": 1}	1
\.
-- A valid payload with forged derived columns: stored, with the trigger's.
INSERT INTO goodgo_events.outbox (gen, seq, txid, part, event_id, event_type, aggregate_id, stream,
								  envelope, schema_version, findings)
VALUES (goodgo_events.outbox_current_gen(), 6000002, '123456789', 3,
		'00000000-0000-0000-0000-000000000000', 'other.type', 'lead-6', 'mine',
		pg_temp.env('01a00000-0000-7000-8000-000000000006', '{"email": "x@y.z"}'), 7, '[]');

-- A producer that attaches the trigger to its own table (it owns it, so it
-- has the owner's privileges there): not the extension's outbox, validated.
CREATE TABLE outbox_restore_app.outbox (gen smallint, seq bigint GENERATED ALWAYS AS IDENTITY,
	txid xid8 NOT NULL DEFAULT '0', part integer, event_id uuid, event_type text, aggregate_id text,
	stream text, envelope jsonb NOT NULL, schema_version integer, findings jsonb, created_at timestamptz);
CREATE TRIGGER v BEFORE INSERT ON outbox_restore_app.outbox FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('partitions=4');
ALTER TABLE outbox_restore_app.outbox ENABLE ALWAYS TRIGGER v;
INSERT INTO outbox_restore_app.outbox (seq, txid, part, event_id, event_type, aggregate_id, stream,
									   envelope, schema_version, findings)
	OVERRIDING SYSTEM VALUE
VALUES (7000000, '123456789', 0, '01a00000-0000-7000-8000-000000000007', 'lead.restored', 'lead-7',
		'goodgo:lead:{outbox:00}',
		pg_temp.env('01a00000-0000-7000-8000-000000000007', '{"name": "no email"}'), 1, '[]');
INSERT INTO outbox_restore_app.outbox (seq, txid, part, event_id, event_type, aggregate_id, stream,
									   envelope, schema_version, findings)
	OVERRIDING SYSTEM VALUE
VALUES (7000001, '123456789', 0, '01a00000-0000-7000-8000-000000000008', 'lead.restored', 'lead-8',
		'goodgo:lead:{outbox:00}',
		pg_temp.env('01a00000-0000-7000-8000-000000000008', '{"email": "x@y.z"}'), 9, '[]')
RETURNING seq < 7000000 AS seq_drawn, txid = pg_current_xact_id() AS own_txid, stream, schema_version, findings;
RESET ROLE;

-- Even a superuser's own table with the trigger: validated (only the
-- extension's outbox is ever restored through it).
INSERT INTO outbox_restore_app.outbox (seq, txid, part, event_id, event_type, aggregate_id, stream,
									   envelope, schema_version, findings)
	OVERRIDING SYSTEM VALUE
VALUES (7000002, '123456789', 0, '01a00000-0000-7000-8000-000000000009', 'lead.restored', 'lead-9',
		'goodgo:lead:{outbox:00}',
		pg_temp.env('01a00000-0000-7000-8000-000000000009', '{"name": "no email"}'), 1, '[]');

-- What is in the outbox now: the restored row as given, the producer's
-- valid event with what the trigger derived, nothing of the rejected ones.
SELECT aggregate_id, seq IN (5000000, 6000002) AS seq_as_written, txid = '123456789' AS foreign_txid,
	   event_id::text = envelope->>'eventId' AS id_ok, event_type,
	   stream LIKE 'goodgo:lead:{outbox:%}' AS stream_ok, schema_version, findings IS NOT NULL AS has_findings
  FROM goodgo_events.outbox WHERE event_type = 'lead.restored' ORDER BY seq;

-- Clean up.
SET goodgo_events.outbox_maintenance = on;
DELETE FROM goodgo_events.outbox WHERE event_type = 'lead.restored';
RESET goodgo_events.outbox_maintenance;
DROP SCHEMA outbox_restore_app CASCADE;
REVOKE ALL ON goodgo_events.outbox, goodgo_events.outbox_g0, goodgo_events.outbox_g1,
	goodgo_events.outbox_g2 FROM outbox_restore_producer;
DROP ROLE outbox_restore_producer;
