-- pg_jsonschema compatibility (schema goodgo_events_compat) and the IMMUTABLE
-- forms of goodgo_events.

-- SQLSTATE, message and detail of a statement, or "no error".
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	d text;
BEGIN
	EXECUTE stmt;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' | ' || d, '');
END
$$;

-- Every function of the two schemas with its labels.
SELECT p.oid::regprocedure AS function, provolatile, proisstrict, proparallel
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE nspname = 'goodgo_events_compat'
    OR (nspname = 'goodgo_events' AND proname ~ '^(jsonschema_is_valid|jsonschema_errors|json_matches_schema|jsonb_matches_schema)$')
 ORDER BY p.oid::regprocedure::text COLLATE "C";

-- No name in goodgo_events has json and jsonb overloads of one arity
-- (an untyped literal would be ambiguous).
SELECT proname, pronargs, count(*) AS overloads
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE nspname = 'goodgo_events'
 GROUP BY proname, pronargs
HAVING bool_or('json'::regtype = ANY (proargtypes::oid[]::regtype[]))
   AND bool_or('jsonb'::regtype = ANY (proargtypes::oid[]::regtype[]))
   AND count(*) > 1;

---------------------------------------------------------------- setup 1: pg_jsonschema code
-- The documented one line: goodgo_events_compat in search_path.
SET search_path = goodgo_events_compat, public;

-- pg_jsonschema's README
select json_matches_schema('{"type": "object"}', '{}');
create table customer(
    id serial primary key,
    metadata json,
    check (
        json_matches_schema(
            '{
                "type": "object",
                "properties": {
                    "tags": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "maxLength": 16
                        }
                    }
                }
            }',
            metadata
        )
    )
);
insert into customer(metadata) values ('{"tags": ["vip", "darkmode-ui"]}');
insert into customer(metadata) values ('{"tags": [1, 3]}');
select jsonschema_validation_errors('{"maxLength": 4}', '"123456789"');
drop table customer;

-- untyped literals resolve, each function of pg_jsonschema
SELECT json_matches_schema('{"type": "object"}', '{}') AS json_obj,
       json_matches_schema('{"type": "object"}', '1') AS json_one,
       jsonb_matches_schema('{"type": "object"}', '{}') AS jsonb_obj,
       jsonb_matches_schema('{"type": "object"}', '1') AS jsonb_one,
       jsonschema_is_valid('{"type": "object"}') AS valid_schema,
       jsonschema_is_valid('{"type": "obj"}') AS invalid_schema,
       jsonschema_validation_errors('{"maxLength": 4}', '"foo"') AS no_errors;
-- typed json and jsonb arguments, and a json column
SELECT jsonschema_is_valid('{"type": "object"}'::json) AS typed_json,
       json_matches_schema('{"maxLength": 5}'::json, '"foo"'::json) AS typed_max5,
       jsonb_matches_schema('{"maxLength": 5}'::json, '"foobar"'::jsonb) AS typed_max5_long;
CREATE TEMP TABLE compat_docs (doc json, docb jsonb);
INSERT INTO compat_docs VALUES ('{"a": 1}', '{"a": 1}'), ('[1]', '[1]');
SELECT doc::text, json_matches_schema('{"type": "object"}', doc) AS json_col,
       jsonb_matches_schema('{"type": "object"}', docb) AS jsonb_col,
       jsonschema_is_valid(doc) AS doc_as_schema
  FROM compat_docs ORDER BY 1;
-- exact decimals (pg_jsonschema's arbitrary-precision test)
SELECT json_matches_schema('{"type": "number", "multipleOf": 0.1}', '17.2') AS mult_01,
       json_matches_schema('{"type": "number", "multipleOf": 0.2}', '17.2') AS mult_02,
       json_matches_schema('{"type": "number", "multipleOf": 0.3}', '17.2') AS mult_03;

-- jsonschema_validation_errors: our messages, each with its JSON Pointer,
-- never the instance's values; [] when valid
SELECT jsonschema_validation_errors(
  '{"type": "object", "properties": {"foo": {"type": "string"}, "bar": {"type": "number"},
                                     "baz": {"type": "boolean"}}}',
  '{"foo": 1, "bar": [], "baz": "secret-value"}') AS three;
SELECT bool_and(e NOT LIKE '%secret%') AS no_values
  FROM unnest(jsonschema_validation_errors('{"properties": {"p": {"enum": ["a"]}, "q": {"maxLength": 2}}}',
                                           '{"p": "secret1", "q": "secret2"}')) e;
-- an invalid schema: its error is the one element (no exception)
SELECT jsonschema_validation_errors('{"enum": 1}', '"anything"') AS invalid_schema;
SELECT jsonschema_validation_errors('{"pattern": "a("}', '"x"') AS invalid_pattern;

-- unknown $schema: not valid (one argument), refused (22023) elsewhere
SELECT jsonschema_is_valid('{"$schema": "invalid-uri", "type": "string"}') AS invalid_uri,
       jsonschema_is_valid('{"$schema": "https://example.com/unknown-meta", "type": "string"}') AS unknown_meta,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}') AS draft7;
SELECT pg_temp.try($$SELECT json_matches_schema('{"$schema": "invalid-uri"}', '1')$$) AS matches_invalid_uri;
SELECT jsonschema_validation_errors('{"$schema": "https://example.com/unknown-meta"}', '1') AS errors_unknown_meta;
-- an invalid schema in the boolean functions is an error, as in pg_jsonschema
SELECT pg_temp.try($$SELECT jsonb_matches_schema('{"type": "obj"}', '1')$$) AS matches_invalid_schema;

-- the jsonschema type: casts from json and jsonb, canonical output, =, hash
SELECT '{"type":"object"}'::json::jsonschema IS NOT NULL AS from_json,
       '{"type":"object"}'::jsonb::jsonschema IS NOT NULL AS from_jsonb,
       '{"b":1,"a":2}'::jsonschema::text AS canonical,
       '{"b": 1.0, "a": [1.50, "x\"y"], "é": {"d": null, "c": true}}'::jsonschema::text AS canonical_nested,
       '{"type":"string","maxLength":5}'::jsonschema = '{"maxLength":5,"type":"string"}'::jsonschema AS equal,
       '{"maxLength":5}'::jsonschema = '{"maxLength":5.0}'::jsonschema AS equal_numbers,
       '{"maxLength":5}'::jsonschema <> '{"maxLength":6}'::jsonschema AS not_equal,
       jsonschema_hash('{"a":1,"b":2}') = jsonschema_hash('{"b":2, "a":1}') AS same_hash;
SELECT count(*) AS distinct_schemas
  FROM (SELECT s FROM (VALUES ('{"a":1,"b":2}'::jsonschema), ('{"b":2,"a":1}'), ('{"a":1}')) v(s) GROUP BY s) g;
SET enable_mergejoin = off;
SELECT count(*) AS hash_join
  FROM (VALUES ('{"a":1,"b":2}'::jsonschema), ('{"type":"string"}')) x(s)
  JOIN (VALUES ('{"b":2,"a":1}'::jsonschema)) y(s) USING (s);
RESET enable_mergejoin;
SELECT pg_temp.try($$SELECT 'not valid json'::jsonschema$$) AS invalid_json;
SELECT pg_temp.try($$SELECT '{"type": 12}'::jsonschema$$) AS invalid_schema;
SELECT pg_temp.try($$SELECT '{"$schema": "invalid-uri"}'::jsonb::jsonschema$$) AS unknown_schema;
SELECT pg_temp.try($$SELECT '{"pattern": "\\p{Script=Nope}"}'::jsonschema$$) AS unknown_script,
       pg_temp.try($$SELECT '{"pattern": "(?i:a)"}'::jsonschema$$) AS unsupported_pattern;

-- binary form: the canonical text (send), read back through COPY BINARY
-- (receive, which checks the schema again); the file is in the data directory
SELECT jsonschema_send('{"b":1,"a":[1.50]}'::jsonschema) AS sent;
CREATE TEMP TABLE bin_src (s jsonschema);
CREATE TEMP TABLE bin_dst (s jsonschema);
INSERT INTO bin_src VALUES ('{"b":1,"a":[1.50]}'), ('true');
DO $$
DECLARE
	f text := current_setting('data_directory') || '/gg_jsonschema_pgjsonschema.bin';
BEGIN
	EXECUTE format('COPY bin_src TO %L (FORMAT binary)', f);
	EXECUTE format('COPY bin_dst FROM %L (FORMAT binary)', f);
END
$$;
SELECT s, s = ANY (SELECT s FROM bin_src) AS same FROM bin_dst;
-- a valid pattern we cannot run: the schema is valid (as in goodgo_events)
SELECT jsonschema_is_valid('{"pattern": "(?i:a)"}') AS unsupported_is_valid;

-- the compiled-schema functions (pg_jsonschema's tests)
SELECT json_matches_compiled_schema('{"type":"string"}'::jsonschema, '"hello"'::json) AS json_hello,
       json_matches_compiled_schema('{"type":"string"}'::jsonschema, '42'::json) AS json_42,
       jsonb_matches_compiled_schema('{"type":"string"}'::jsonschema, '"hello"'::jsonb) AS jsonb_hello,
       jsonb_matches_compiled_schema('{"type":"string"}'::jsonschema, '42'::jsonb) AS jsonb_42;
SELECT json_validation_errors_compiled('{"maxLength":4}'::jsonschema, '"toolong"'::json) AS json_errors,
       json_validation_errors_compiled('{"maxLength":4}'::jsonschema, '"foo"'::json) AS json_none,
       jsonb_validation_errors_compiled('{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}'::jsonschema,
                                        '{"name":42}'::jsonb) AS jsonb_errors;
-- the name pg_jsonschema's README gives the json form
SELECT jsonschema_validation_errors_compiled('{"maxLength":4}'::jsonschema, '"toolong"'::json) AS readme_name;
SELECT count(*) AS reused
  FROM generate_series(1, 100) i
 WHERE jsonb_matches_compiled_schema('{"type":"integer","minimum":0}'::jsonschema, to_jsonb(i));
-- one call site, a different schema per row
WITH data(s, v) AS (VALUES ('{"type":"string"}'::jsonschema, '"hello"'::jsonb),
                           ('{"type":"integer"}'::jsonschema, '42'::jsonb),
                           ('{"type":"integer"}'::jsonschema, '"no"'::jsonb))
SELECT count(*) FILTER (WHERE jsonb_matches_compiled_schema(s, v)) AS matching FROM data;
-- a jsonschema column, and a CHECK constraint
CREATE TEMP TABLE schema_store (id int, s jsonschema);
INSERT INTO schema_store VALUES (1, '{"type":"string","maxLength":5}'), (2, '{"type":"integer","minimum":0}');
SELECT id, s, jsonb_matches_compiled_schema(s, '"hi"') AS hi, jsonb_matches_compiled_schema(s, '42') AS n42,
       jsonb_matches_compiled_schema(s, '-1') AS minus_one
  FROM schema_store ORDER BY id;
CREATE TEMP TABLE test_compiled_check (
	data jsonb,
	CHECK (jsonb_matches_compiled_schema('{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}'::jsonschema, data)));
INSERT INTO test_compiled_check VALUES ('{"name":"alice"}');
SELECT pg_temp.try($$INSERT INTO test_compiled_check VALUES ('{"name":1}')$$) AS check_fails;

-- IMMUTABLE: a generated column and an index expression
CREATE TEMP TABLE gen (doc jsonb, ok boolean GENERATED ALWAYS AS (jsonb_matches_schema('{"required": ["id"]}', doc)) STORED);
INSERT INTO gen (doc) VALUES ('{"id": 1}'), ('{}');
SELECT doc, ok FROM gen ORDER BY doc::text;
CREATE INDEX gen_ok_idx ON gen ((json_matches_schema('{"type": "object", "minProperties": 1}', doc::json)));

-- formats asserted (a difference from pg_jsonschema, documented), and no
-- registered document: the session's settings change nothing
SET goodgo_events.json_schema_format_assertion = off;
SET goodgo_events.default_json_schema_draft = draft4;
SELECT jsonb_matches_schema('{"format": "uuid"}', '"not-a-uuid"') AS format_asserted,
       jsonb_matches_schema('{"prefixItems": [{"type": "string"}]}', '[1]') AS still_2020_12;
RESET goodgo_events.json_schema_format_assertion;
RESET goodgo_events.default_json_schema_draft;

-- both schemas in search_path: the one-argument jsonschema_is_valid is then
-- ambiguous for an untyped literal (json here, jsonb there): the docs say to
-- put goodgo_events_compat alone, or to cast
SET search_path = goodgo_events_compat, goodgo_events, public;
SELECT pg_temp.try($$SELECT jsonschema_is_valid('{}')$$) AS both_untyped;
SELECT jsonschema_is_valid('{}'::json) AS both_json, jsonschema_is_valid('{}'::jsonb) AS both_jsonb,
       json_matches_schema('{}', '{}') AS both_json_matches, jsonb_matches_schema('{}', '{}') AS both_jsonb_matches;

---------------------------------------------------------------- setup 2: goodgo_events alone
SET search_path = goodgo_events;
SELECT jsonschema_is_valid('{"type": "object"}') AS one_arg,
       jsonschema_is_valid('{"type": "object"}', '{}') AS two_args,
       jsonschema_errors('{"type": "object"}', '1') AS errors,
       json_matches_schema('{"type": "object"}', '{}') AS json_matches,
       jsonb_matches_schema('{"type": "object"}', '{}') AS jsonb_matches,
       jsonschema_is_valid('{"type": "object"}', '{}', 'draft2020-12', true) AS four_args,
       jsonschema_errors('{"type": "object"}', '1', 'draft7', false) AS four_args_errors;
SELECT pg_temp.try($$SELECT jsonschema_validation_errors('{}', '{}')$$) AS compat_not_visible;

-- The IMMUTABLE four-argument forms: draft and format from the arguments
-- (the schema's $schema wins), no registered document.
SELECT jsonschema_is_valid('{"format": "uuid"}', '"x"', 'draft2020-12', true) AS format_on,
       jsonschema_is_valid('{"format": "uuid"}', '"x"', 'draft2020-12', false) AS format_off,
       jsonschema_is_valid('{"items": [{"type": "string"}]}', '["a", 1]', 'draft7', true) AS d7_tuple,
       jsonschema_is_valid('{"prefixItems": [{"type": "string"}]}', '[1]', 'draft2020-12', true) AS d2020_prefix,
       jsonschema_is_valid('{"prefixItems": [{"type": "string"}]}', '[1]', 'draft7', true) AS d7_no_prefix,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}]}',
                           '[1]', 'draft2020-12', true) AS schema_wins;
SELECT pg_temp.try($$SELECT goodgo_events.jsonschema_is_valid('{}', '{}', 'draft99', true)$$) AS bad_draft;
SELECT register_schema('https://example.com/compat-money', '{"type": "integer"}');
SELECT jsonschema_is_valid('{"$ref": "https://example.com/compat-money"}', '1') AS stable_resolves;
SELECT pg_temp.try($$SELECT goodgo_events.jsonschema_is_valid('{"$ref": "https://example.com/compat-money"}', '1', 'draft2020-12', true)$$) AS immutable_does_not;
SELECT pg_temp.try($$SELECT goodgo_events_compat.json_matches_schema('{"$ref": "https://example.com/compat-money"}', '1')$$) AS compat_does_not;
DELETE FROM schema_documents WHERE uri = 'https://example.com/compat-money';
-- the bundled metaschemas still resolve
SELECT jsonschema_is_valid('{"$ref": "http://json-schema.org/draft-07/schema#"}', '{"type": "string"}', 'draft2020-12', true) AS bundled_ref;
-- an index expression and a generated column on the goodgo_events forms
CREATE TEMP TABLE imm (doc jsonb,
  valid boolean GENERATED ALWAYS AS (goodgo_events.jsonschema_is_valid('{"required": ["id"]}', doc, 'draft2020-12', true)) STORED);
CREATE INDEX imm_idx ON imm ((goodgo_events.jsonschema_is_valid('{"type": "object"}', doc, 'draft7', false)));
INSERT INTO imm (doc) VALUES ('{"id": 1}'), ('{}'), ('[]');
SELECT doc, valid FROM imm ORDER BY doc::text;
-- the STABLE forms cannot be used there
SELECT pg_temp.try($$CREATE INDEX ON pg_temp.imm ((goodgo_events.jsonschema_is_valid('{"type": "object"}', doc)))$$) AS stable_in_index;
RESET search_path;
