-- The outbox trigger's seq_sequence argument names a sequence that the
-- trigger advances with nextval_internal(), which checks no privilege
-- (issue 12, item 2).  The table's owner must have USAGE or UPDATE on it,
-- checked on every row: a producer that attaches the trigger to a TEMP
-- table of its own cannot exhaust a sequence it has no rights on.
\set SHOW_CONTEXT never
SET goodgo_events.unknown_event_types = allow;
CREATE SEQUENCE public.invoice_no;
CREATE ROLE seq_producer IN ROLE goodgo_events_producer;
CREATE ROLE seq_group;
CREATE FUNCTION pg_temp.env() RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('schemaVersion', 1, 'eventId', goodgo_events.uuid_v7(),
		'eventType', 'invoice.issued', 'occurredAt', '2026-01-02T03:04:05Z', 'producer', 'test',
		'traceId', repeat('ab', 16), 'payload', '{}'::jsonb)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.env() TO seq_producer;

SET ROLE seq_producer;
CREATE TEMP TABLE steal (e jsonb NOT NULL, n bigint);
CREATE TRIGGER v BEFORE INSERT ON steal FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=e', 'seq=n', 'seq_sequence=public.invoice_no');
-- No right on the sequence: refused before it is advanced.
INSERT INTO steal (e) SELECT pg_temp.env() FROM generate_series(1, 1000);
\echo :LAST_ERROR_SQLSTATE
SELECT nextval('public.invoice_no');
RESET ROLE;
SELECT last_value, is_called FROM public.invoice_no;

-- SELECT alone is not enough (nextval() asks for USAGE or UPDATE).
GRANT SELECT ON SEQUENCE public.invoice_no TO seq_producer;
SET ROLE seq_producer;
INSERT INTO steal (e) VALUES (pg_temp.env());
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- USAGE, or UPDATE, of the table's owner: allowed.
GRANT USAGE ON SEQUENCE public.invoice_no TO seq_producer;
SET ROLE seq_producer;
INSERT INTO steal (e) VALUES (pg_temp.env()) RETURNING n;
RESET ROLE;
REVOKE USAGE ON SEQUENCE public.invoice_no FROM seq_producer;
GRANT UPDATE ON SEQUENCE public.invoice_no TO seq_producer;
SET ROLE seq_producer;
INSERT INTO steal (e) VALUES (pg_temp.env()) RETURNING n;
RESET ROLE;
REVOKE UPDATE ON SEQUENCE public.invoice_no FROM seq_producer;

-- Through a role membership, and taken away again with it: the check is made
-- per row, not cached with the trigger's configuration (a change of
-- membership sends no invalidation of the table or the sequence).
GRANT USAGE ON SEQUENCE public.invoice_no TO seq_group;
GRANT seq_group TO seq_producer;
SET ROLE seq_producer;
INSERT INTO steal (e) VALUES (pg_temp.env()) RETURNING n;
RESET ROLE;
REVOKE seq_group FROM seq_producer;
SET ROLE seq_producer;
INSERT INTO steal (e) VALUES (pg_temp.env()) RETURNING n;
\echo :LAST_ERROR_SQLSTATE
-- An identity column's own sequence needs no grant (as in core).
CREATE TEMP TABLE own_seq (e jsonb NOT NULL, n bigint GENERATED ALWAYS AS IDENTITY);
CREATE TRIGGER v BEFORE INSERT ON own_seq FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=e', 'seq=n');
INSERT INTO own_seq (e) VALUES (pg_temp.env()), (pg_temp.env()) RETURNING n;
DROP TABLE steal, own_seq;
RESET ROLE;
SELECT last_value AS invoice_no_last_value FROM public.invoice_no;

DROP FUNCTION pg_temp.env();
DROP SEQUENCE public.invoice_no;
DROP ROLE seq_producer;
DROP ROLE seq_group;
