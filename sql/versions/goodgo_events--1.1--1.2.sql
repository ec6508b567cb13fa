-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i12ext] issue 12, item 1: no PL/pgSQL of the extension resolves names
-- through its caller's search_path (the C side needs no SQL change).
ALTER FUNCTION goodgo_events.relay_claim_batch(text, integer, integer)
	SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_batch(text, integer, bigint)
	SET search_path = pg_catalog, pg_temp;
