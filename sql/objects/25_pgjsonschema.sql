-- IMMUTABLE JSON Schema validation (src/jsonschema/pgjsonschema.c): forms that
-- resolve no registered document and read no GUC, for index expressions,
-- generated columns and CHECK constraints, and the pg_jsonschema-compatible
-- API in the schema goodgo_events_compat.

-- goodgo_events: the dialect of a schema without $schema and the format
-- assertion are arguments.  Four arguments, no defaults: the two-argument
-- STABLE forms keep resolving untyped literals as before.
CREATE FUNCTION goodgo_events.jsonschema_is_valid(schema jsonb, instance jsonb, draft text,
												  format_assertion boolean) RETURNS boolean
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_is_valid_fixed';
COMMENT ON FUNCTION goodgo_events.jsonschema_is_valid(jsonb, jsonb, text, boolean) IS
	'does the instance match the JSON Schema, with no registered document, the draft (when the schema has no $schema) and format assertion given: IMMUTABLE';

CREATE FUNCTION goodgo_events.jsonschema_errors(schema jsonb, instance jsonb, draft text,
												format_assertion boolean) RETURNS jsonb
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_errors_fixed';
COMMENT ON FUNCTION goodgo_events.jsonschema_errors(jsonb, jsonb, text, boolean) IS
	'the "basic" output units of jsonschema_errors, with no registered document, the draft and format assertion given: IMMUTABLE';

-- goodgo_events_compat: pg_jsonschema's names and signatures, json ones
-- included, in a schema of their own so that no schema has json and jsonb
-- overloads of one name and arity (an untyped literal would be ambiguous).
-- Draft 2020-12 unless $schema says otherwise; format asserted.
CREATE SCHEMA goodgo_events_compat;
COMMENT ON SCHEMA goodgo_events_compat IS
	'goodgo_events: pg_jsonschema-compatible JSON Schema API (put it in search_path for code written against pg_jsonschema)';

CREATE FUNCTION goodgo_events_compat.json_matches_schema(schema json, instance json) RETURNS boolean
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_json_matches_schema';
COMMENT ON FUNCTION goodgo_events_compat.json_matches_schema(json, json) IS
	'pg_jsonschema: does the json instance match the schema (IMMUTABLE: no registered document, format asserted)';

CREATE FUNCTION goodgo_events_compat.jsonb_matches_schema(schema json, instance jsonb) RETURNS boolean
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonb_matches_schema';
COMMENT ON FUNCTION goodgo_events_compat.jsonb_matches_schema(json, jsonb) IS
	'pg_jsonschema: does the jsonb instance match the schema (IMMUTABLE: no registered document, format asserted)';

-- Both catch an invalid schema in a subtransaction: PARALLEL UNSAFE.
CREATE FUNCTION goodgo_events_compat.jsonschema_is_valid(schema json) RETURNS boolean
	LANGUAGE c IMMUTABLE STRICT PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonschema_is_valid';
COMMENT ON FUNCTION goodgo_events_compat.jsonschema_is_valid(json) IS
	'pg_jsonschema: is the schema valid (metaschema, regexes, references within the document; an unknown $schema is false)';

CREATE FUNCTION goodgo_events_compat.jsonschema_validation_errors(schema json, instance json) RETURNS text[]
	LANGUAGE c IMMUTABLE STRICT PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonschema_validation_errors';
COMMENT ON FUNCTION goodgo_events_compat.jsonschema_validation_errors(json, json) IS
	'pg_jsonschema: why the instance fails, "<JSON Pointer>: <message>" per failure (never instance values); an invalid schema gives its error as the one element';

-- The jsonschema type: a schema checked once, stored as canonical text.
CREATE TYPE goodgo_events_compat.jsonschema;
CREATE FUNCTION goodgo_events_compat.jsonschema_in(cstring) RETURNS goodgo_events_compat.jsonschema
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_in';
CREATE FUNCTION goodgo_events_compat.jsonschema_out(goodgo_events_compat.jsonschema) RETURNS cstring
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_out';
CREATE FUNCTION goodgo_events_compat.jsonschema_recv(internal) RETURNS goodgo_events_compat.jsonschema
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_recv';
CREATE FUNCTION goodgo_events_compat.jsonschema_send(goodgo_events_compat.jsonschema) RETURNS bytea
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_send';
CREATE TYPE goodgo_events_compat.jsonschema (
	INPUT = goodgo_events_compat.jsonschema_in,
	OUTPUT = goodgo_events_compat.jsonschema_out,
	RECEIVE = goodgo_events_compat.jsonschema_recv,
	SEND = goodgo_events_compat.jsonschema_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended,
	CATEGORY = 'U'
);
COMMENT ON TYPE goodgo_events_compat.jsonschema IS
	'pg_jsonschema: a JSON Schema checked when it is made, stored as canonical JSON text (keys sorted, no white space, 1.0 as 1)';

CREATE FUNCTION goodgo_events_compat.jsonschema_from_json(schema json) RETURNS goodgo_events_compat.jsonschema
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_from_json';
CREATE FUNCTION goodgo_events_compat.jsonschema_from_jsonb(schema jsonb) RETURNS goodgo_events_compat.jsonschema
	LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_from_jsonb';
CREATE CAST (json AS goodgo_events_compat.jsonschema)
	WITH FUNCTION goodgo_events_compat.jsonschema_from_json(json);
CREATE CAST (jsonb AS goodgo_events_compat.jsonschema)
	WITH FUNCTION goodgo_events_compat.jsonschema_from_jsonb(jsonb);

CREATE FUNCTION goodgo_events_compat.jsonschema_eq(goodgo_events_compat.jsonschema, goodgo_events_compat.jsonschema)
	RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_eq';
CREATE FUNCTION goodgo_events_compat.jsonschema_ne(goodgo_events_compat.jsonschema, goodgo_events_compat.jsonschema)
	RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_ne';
CREATE FUNCTION goodgo_events_compat.jsonschema_hash(goodgo_events_compat.jsonschema)
	RETURNS integer LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_hash';
CREATE OPERATOR goodgo_events_compat.= (
	LEFTARG = goodgo_events_compat.jsonschema,
	RIGHTARG = goodgo_events_compat.jsonschema,
	FUNCTION = goodgo_events_compat.jsonschema_eq,
	COMMUTATOR = OPERATOR(goodgo_events_compat.=),
	NEGATOR = OPERATOR(goodgo_events_compat.<>),
	RESTRICT = eqsel,
	JOIN = eqjoinsel,
	HASHES
);
CREATE OPERATOR goodgo_events_compat.<> (
	LEFTARG = goodgo_events_compat.jsonschema,
	RIGHTARG = goodgo_events_compat.jsonschema,
	FUNCTION = goodgo_events_compat.jsonschema_ne,
	COMMUTATOR = OPERATOR(goodgo_events_compat.<>),
	NEGATOR = OPERATOR(goodgo_events_compat.=),
	RESTRICT = neqsel,
	JOIN = neqjoinsel
);
CREATE OPERATOR CLASS goodgo_events_compat.jsonschema_hash_ops
	DEFAULT FOR TYPE goodgo_events_compat.jsonschema USING hash AS
	OPERATOR 1 goodgo_events_compat.= (goodgo_events_compat.jsonschema, goodgo_events_compat.jsonschema),
	FUNCTION 1 goodgo_events_compat.jsonschema_hash(goodgo_events_compat.jsonschema);

-- The compiled-schema functions: the compiled form is kept per call site
-- and in the backend cache.
CREATE FUNCTION goodgo_events_compat.json_matches_compiled_schema(schema goodgo_events_compat.jsonschema, instance json)
	RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_json_matches_compiled_schema';
CREATE FUNCTION goodgo_events_compat.jsonb_matches_compiled_schema(schema goodgo_events_compat.jsonschema, instance jsonb)
	RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonb_matches_compiled_schema';
CREATE FUNCTION goodgo_events_compat.json_validation_errors_compiled(schema goodgo_events_compat.jsonschema, instance json)
	RETURNS text[] LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_json_validation_errors_compiled';
CREATE FUNCTION goodgo_events_compat.jsonb_validation_errors_compiled(schema goodgo_events_compat.jsonschema, instance jsonb)
	RETURNS text[] LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_jsonb_validation_errors_compiled';
-- pg_jsonschema's README names the json form jsonschema_validation_errors_compiled
-- (its code, json_validation_errors_compiled): both, so either works.
CREATE FUNCTION goodgo_events_compat.jsonschema_validation_errors_compiled(schema goodgo_events_compat.jsonschema, instance json)
	RETURNS text[] LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_compat_json_validation_errors_compiled';
