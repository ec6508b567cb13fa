-- goodgo_events 1.0 -> 1.1.  Every change to sql/objects/ since 1.0, in the
-- order it was made; test/suites/upgrade.sh checks that 1.0 updated with
-- this script equals a fresh install of 1.1.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.1'" to load this file. \quit

-- jsonb_text (src/jsonb_text.c), new in 1.1.
CREATE FUNCTION goodgo_events.jsonb_text(jsonb)
RETURNS text
AS 'MODULE_PATHNAME', 'goodgo_jsonb_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION goodgo_events.jsonb_text(jsonb) IS
	'the JSON text of a jsonb value, byte for byte what jsonb::text prints (same separators, key order, escapes and numbers), several times faster';
