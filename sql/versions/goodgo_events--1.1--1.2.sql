-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i16compat] contract evolution: the compatibility checker (issue 16)
CREATE FUNCTION goodgo_events.jsonschema_compatibility(old jsonb, new jsonb, compatibility text,
		policy text DEFAULT 'STRICT') RETURNS jsonb
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_compatibility';
COMMENT ON FUNCTION goodgo_events.jsonschema_compatibility(jsonb, jsonb, text, text) IS
	'BACKWARD (new readers accept every old value), FORWARD (old readers accept every new value) or FULL, under STRICT or LENIENT (readers ignore undeclared properties): {"compatible", "findings"}; compatible only when proven, findings with a checked witness when refuted';
