-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i14pg] database_identity() survives pg_upgrade: a token in a table that
-- pg_dump does not dump (sql/objects/50_outbox.sql).  The token is this
-- cluster's system identifier, so positions written under 1.1 keep their
-- identity through the update (update before pg_upgrade, not after).
CREATE TABLE goodgo_events.database_token (
	one			boolean PRIMARY KEY DEFAULT true CHECK (one),
	token		text NOT NULL
);
COMMENT ON TABLE goodgo_events.database_token IS
	'one row, never dumped: the system identifier the extension was created under; with the database OID, the identity relay positions belong to (kept by pg_upgrade, new after a restore)';
INSERT INTO goodgo_events.database_token (token)
	SELECT c.system_identifier::text FROM pg_catalog.pg_control_system() c;
CREATE OR REPLACE FUNCTION goodgo_events.database_identity() RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN (SELECT coalesce((SELECT t.token FROM goodgo_events.database_token t),
							c.system_identifier::text) || '/' || d.oid
			  FROM pg_catalog.pg_control_system() c, pg_catalog.pg_database d
			 WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database());
COMMENT ON FUNCTION goodgo_events.database_identity() IS
	'the token of goodgo_events.database_token and this database''s OID: kept by pg_upgrade; a relay position restored from a dump (another database or cluster) is re-initialised';
