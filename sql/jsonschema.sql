-- JSON Schema validator: keywords, output units, errors, GUCs, cache, cycles.
SET search_path = goodgo_events, public;

-- SQLSTATE, message and detail of an error, or "no error".
CREATE FUNCTION pg_temp.err(schema jsonb, instance jsonb DEFAULT 'null') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	d text;
BEGIN
	PERFORM goodgo_events.jsonschema_is_valid(schema, instance);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM || ' | ' || d;
END
$$;

-- The output units of an instance, one per row.
CREATE FUNCTION pg_temp.units(schema jsonb, instance jsonb)
RETURNS TABLE (instance_location text, keyword_location text, error text, absolute text)
LANGUAGE sql AS $$
	SELECT e->>'instanceLocation', e->>'keywordLocation', e->>'error', e->>'absoluteKeywordLocation'
	  FROM jsonb_array_elements(goodgo_events.jsonschema_errors(schema, instance)) e
$$;

-- Functions exist with the agreed signatures and labels.
SELECT p.oid::regprocedure AS function, provolatile, proisstrict, proparallel
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE nspname = 'goodgo_events' AND proname ~ '(schema|json)'
 ORDER BY p.oid::regprocedure::text COLLATE "C";

-- Defaults of the GUCs (once the library is loaded).
SELECT jsonschema_is_valid('true', 'null') AS loaded;
SHOW goodgo_events.default_json_schema_draft;
SHOW goodgo_events.json_schema_format_assertion;

---------------------------------------------------------------- keywords
-- type, with integers as numbers whose fraction is zero
SELECT left(v::text, 12) AS v, jsonschema_is_valid('{"type": "integer"}', v) AS integer,
       jsonschema_is_valid('{"type": ["number", "null"]}', v) AS number_or_null
  FROM unnest(ARRAY['1', '1.0', '1.5', '-0', '1e400', 'null', '"1"', 'true', '[]', '{}']::jsonb[]) v;

-- const/enum use JSON equality: 1 = 1.0, key order irrelevant, false <> 0
SELECT jsonschema_is_valid('{"const": {"a": [1, {"b": 2.0}], "c": null}}', '{"c": null, "a": [1.00, {"b": 2}]}') AS const_equal,
       jsonschema_is_valid('{"const": [false]}', '[0]') AS false_is_not_zero,
       jsonschema_is_valid('{"enum": [1, true, "x"]}', '1.0') AS enum_one,
       jsonschema_is_valid('{"enum": [1, "x"]}', 'true') AS enum_true;

-- numbers: exact decimals, huge values, small-integer fast path and numeric path
SELECT jsonschema_is_valid('{"multipleOf": 0.1}', '0.3') AS decimal_multiple,
       jsonschema_is_valid('{"multipleOf": 0.0001}', '0.00751') AS not_multiple,
       jsonschema_is_valid('{"multipleOf": 3}', '123456789012345678901234567890') AS big_multiple,
       jsonschema_is_valid('{"maximum": 1e308}', '1e400') AS huge_over_max,
       jsonschema_is_valid('{"exclusiveMinimum": 0}', '0.0000000000000000000001') AS tiny_positive,
       jsonschema_is_valid('{"minimum": 2.5}', '2') AS int_below_decimal;

-- string lengths count code points, not bytes
SELECT jsonschema_is_valid('{"maxLength": 2}', '"éé"') AS two_code_points,
       jsonschema_is_valid('{"minLength": 3}', '"éé"') AS too_short,
       jsonschema_is_valid('{"minLength": 1}', '"💩"') AS astral;

-- uniqueItems compares by JSON equality
SELECT jsonschema_is_valid('{"uniqueItems": true}', '[1, 1.0]') AS one_and_one_point_zero,
       jsonschema_is_valid('{"uniqueItems": true}', '[{"a":1,"b":2}, {"b":2,"a":1}]') AS same_objects,
       jsonschema_is_valid('{"uniqueItems": true}', '[0, false, [0], [false]]') AS distinct_values;

-- draft 2020-12: $ref beside other keywords; draft 7: $ref overrides its siblings
SELECT jsonschema_is_valid('{"$defs": {"i": {"type": "integer"}}, "$ref": "#/$defs/i", "minimum": 5}', '3') AS d2020,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"i": {"type": "integer"}},
                             "allOf": [{"$ref": "#/definitions/i", "minimum": 5}]}', '3') AS d7;

-- unevaluatedProperties sees through $ref, allOf and passing if/then, not through not
SELECT jsonschema_is_valid(s, '{"a": 1, "b": 2}') AS ab, jsonschema_is_valid(s, '{"a": 1, "c": 2}') AS ac
  FROM (SELECT '{"$defs": {"a": {"properties": {"a": true}}},
                "$ref": "#/$defs/a", "allOf": [{"properties": {"b": true}}],
                "not": {"properties": {"c": false}, "required": ["c"]},
                "unevaluatedProperties": false}'::jsonb AS s) t;

-- prefixItems/items (2020-12) and items/additionalItems (draft 7), with unevaluatedItems
SELECT jsonschema_is_valid('{"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}', '["a", 1, 2]') AS prefix_ok,
       jsonschema_is_valid('{"prefixItems": [{"type": "string"}], "items": false}', '["a", 1]') AS items_false,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}], "additionalItems": false}', '["a", 1]') AS d7_additional,
       jsonschema_is_valid('{"prefixItems": [true], "contains": {"type": "integer"}, "unevaluatedItems": false}', '["a", 1, 2]') AS contains_evaluates;

-- $dynamicRef resolves in the dynamic scope: the outermost "leaf" wins
SELECT jsonschema_is_valid(s, '{"n": {"n": 1}}') AS integer_leaves,
       jsonschema_is_valid(s, '{"n": {"n": "x"}}') AS string_leaf,
       jsonschema_is_valid(s->'$defs'->'tree' || '{"$id": "https://example.com/tree"}', '{"n": {"n": 1}}') AS tree_alone
  FROM (SELECT '{"$id": "https://example.com/root", "$ref": "tree",
                "$defs": {"leaf": {"$dynamicAnchor": "leaf", "type": "integer"},
                          "tree": {"$id": "tree", "$dynamicAnchor": "leaf", "type": "object",
                                   "properties": {"n": {"anyOf": [{"$dynamicRef": "#leaf"}, {"$ref": "#"}]}}}}}'::jsonb AS s) t;

-- an embedded resource with its own $schema follows its own draft
-- (draft 7: $ref makes maxLength be ignored)
SELECT jsonschema_is_valid(s, '{"old": "abc"}') AS embedded_d7, jsonschema_is_valid(s #- '{properties,old,$schema}', '{"old": "abc"}') AS as_2020_12
  FROM (SELECT '{"properties": {"old": {"$schema": "http://json-schema.org/draft-07/schema#", "$id": "https://example.com/old",
                 "allOf": [{"$ref": "#/definitions/s", "maxLength": 1}], "definitions": {"s": {"type": "string"}}}}}'::jsonb AS s) t;

-- dependentRequired/dependentSchemas (2020-12) and dependencies (draft 7)
SELECT jsonschema_is_valid('{"dependentRequired": {"a": ["b"]}}', '{"a": 1}') AS dep_required,
       jsonschema_is_valid('{"dependentSchemas": {"a": {"required": ["c"]}}}', '{"a": 1, "c": 2}') AS dep_schema,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"a": ["b"]}}', '{"a": 1}') AS d7_dependencies;

-- unknown keywords and unknown formats are ignored
SELECT jsonschema_is_valid('{"frobnicate": 3, "format": "no-such-format"}', '"x"') AS ignored;

---------------------------------------------------------------- output units
-- every keyword's message; never an instance value
SELECT * FROM pg_temp.units(
 '{"type": "object",
   "required": ["id", "kind"],
   "additionalProperties": false,
   "minProperties": 9, "maxProperties": 1,
   "dependentRequired": {"when": ["then"]},
   "propertyNames": {"maxLength": 6},
   "properties": {
     "id": {"type": "string", "format": "uuid"},
     "when": {"type": "string", "format": "date-time"},
     "code": {"pattern": "^[A-Z]{3}$", "minLength": 4, "maxLength": 2},
     "n": {"minimum": 1, "maximum": -1, "exclusiveMinimum": 1, "exclusiveMaximum": -1, "multipleOf": 7},
     "e": {"enum": [1, 2]}, "c": {"const": "k"},
     "list": {"minItems": 9, "maxItems": 1, "uniqueItems": true, "contains": {"type": "string"},
              "prefixItems": [{"type": "string"}], "items": false},
     "list2": {"contains": {"type": "null"}, "minContains": 2, "maxContains": 0},
     "one": {"oneOf": [{"type": "integer"}, {"minimum": 0}]},
     "any": {"anyOf": [{"type": "string"}, {"type": "null"}]},
     "neg": {"not": {"type": "integer"}},
     "cond": {"if": {"type": "integer"}, "then": {"minimum": 10}, "else": false},
     "f": false
   }}',
 '{"id": "secret-value", "when": "yesterday", "code": "secret", "n": 0, "e": 3, "c": "secret",
   "list": [1, 1, 2], "list2": [null], "one": 5, "any": 5, "neg": 5, "cond": 5, "f": 1, "toolongname": 1}');

-- [] when valid; unevaluated* and a false schema
SELECT jsonschema_errors('{"type": "string"}', '"ok"') AS valid_is_empty;
SELECT * FROM pg_temp.units('{"properties": {"a": true}, "unevaluatedProperties": false, "items": false}', '{"a": 1, "b/c~d": 2}');
SELECT * FROM pg_temp.units('{"prefixItems": [true], "unevaluatedItems": false}', '[1, 2]');
SELECT * FROM pg_temp.units('false', '1');

-- absoluteKeywordLocation appears once a $ref was crossed
SELECT * FROM pg_temp.units(
 '{"$id": "https://example.com/order", "properties": {"total": {"$ref": "money#/$defs/amount"}},
   "$defs": {"m": {"$id": "money", "$defs": {"amount": {"type": "integer", "minimum": 0}}}}}',
 '{"total": -1}');

-- pg_jsonschema-compatible functions
SELECT jsonb_matches_schema('{"type": "object", "required": ["a"]}', '{"a": 1}') AS jsonb_ok,
       jsonb_matches_schema('{"type": "object", "required": ["a"]}', '{"b": 1}') AS jsonb_missing,
       json_matches_schema('{"items": {"type": "integer"}}', '[1, 2, 3]') AS json_ok,
       json_matches_schema('{"items": {"type": "integer"}}', '[1, "2"]') AS json_bad;

---------------------------------------------------------------- GUCs
-- format is asserted by default, annotation only when the GUC is off
SELECT jsonschema_is_valid('{"format": "uuid"}', '"not-a-uuid"') AS uuid_asserted,
       jsonschema_is_valid('{"format": "date-time"}', '"2026-02-30T10:00:00Z"') AS date_time_asserted;
SET goodgo_events.json_schema_format_assertion = off;
SELECT jsonschema_is_valid('{"format": "uuid"}', '"not-a-uuid"') AS uuid_annotation;
RESET goodgo_events.json_schema_format_assertion;

-- the default draft decides for schemas without $schema
SELECT pg_temp.err('{"items": [{"type": "string"}], "additionalItems": false}', '["a", 1]') AS d2020_items_array;
SET goodgo_events.default_json_schema_draft = 'draft7';
SELECT jsonschema_is_valid('{"items": [{"type": "string"}], "additionalItems": false}', '["a", 1]') AS d7_items_array,
       jsonschema_is_valid('{"$schema": "https://json-schema.org/draft/2020-12/schema", "prefixItems": [{"type": "string"}], "items": false}', '["a", 1]') AS schema_wins;
SET goodgo_events.default_json_schema_draft = 'draft4';
SELECT jsonschema_is_valid('{"maximum": 5, "exclusiveMaximum": true}', '5') AS d4_exclusive_boolean;
SET goodgo_events.default_json_schema_draft = 'draft6';
SELECT jsonschema_is_valid('{"if": {"type": "string"}, "then": false}', '"x"') AS d6_has_no_if;
SET goodgo_events.default_json_schema_draft = 'draft2019-09';
SELECT jsonschema_is_valid('{"$recursiveAnchor": true, "items": {"$recursiveRef": "#"}, "type": "array"}', '[[[]], []]') AS d2019_recursive,
       jsonschema_is_valid('{"$recursiveAnchor": true, "items": {"$recursiveRef": "#"}, "type": "array"}', '[[[]], [1]]') AS d2019_recursive_bad;
SET goodgo_events.default_json_schema_draft = 'draft5';
RESET goodgo_events.default_json_schema_draft;

---------------------------------------------------------------- invalid schemas
SELECT pg_temp.err('{"type": "strin"}') AS bad_type;
SELECT pg_temp.err('{"properties": {"a": {"minLength": -1}}}') AS negative_length;
SELECT pg_temp.err('{"pattern": "(unclosed"}') AS bad_pattern;
SELECT pg_temp.err('{"patternProperties": {"[a-": true}}') AS bad_pattern_property;
SELECT pg_temp.err('{"$ref": "#/$defs/missing"}') AS missing_pointer;
SELECT pg_temp.err('{"$ref": "https://nowhere.example/x.json"}') AS unknown_document;
SELECT pg_temp.err('{"$ref": "#nosuchanchor"}') AS missing_anchor;
SELECT pg_temp.err('{"allOf": []}') AS empty_allof;
SELECT pg_temp.err('[1]') AS not_a_schema;
-- each draft's own metaschema decides
SELECT pg_temp.err('{"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 1, "exclusiveMaximum": 1}') AS d4_exclusive_number;
SELECT pg_temp.err('{"$id": "https://example.com/a#frag"}') AS id_with_fragment;
SELECT pg_temp.err('{"$anchor": "1bad"}') AS bad_anchor;

-- one-argument form: is the schema itself valid
SELECT s, jsonschema_is_valid(s)
  FROM unnest(ARRAY['{"type": "string"}', 'true', '{"type": 5}', '{"pattern": "("}',
                    '{"$ref": "#/nope"}', '{"minimum": "1"}', '{"$ref": "https://json-schema.org/draft/2020-12/schema"}']::jsonb[]) s;

---------------------------------------------------------------- valid patterns we cannot run
-- A pattern that is valid ECMA-262 but that PostgreSQL's engine cannot run
-- exactly is 0A000 (the schema is valid; we cannot evaluate it), one that is
-- not ECMA-262 at all is 22023.  Per case: the "regex" format (syntax only,
-- so true for every valid pattern), the one-argument jsonschema_is_valid (is
-- the schema valid: true for valid-but-unsupported), and compiling it.
-- Rows 1-3 (Unicode scripts) run exactly since 1.2, from the generated
-- Script/Script_Extensions tables; row 4, an unknown script, is then
-- invalid (22023), as in node.
CREATE TEMP TABLE rx (n int, name text, p text);
INSERT INTO rx VALUES
  (1, 'script', '\p{Script=Greek}'),
  (2, 'script_short_negated', '\P{sc=Latn}'),
  (3, 'script_extensions_in_class', '[\p{scx=Hira}a]'),
  (4, 'unknown_script_value', '\p{Script=Klingon}'),
  (5, 'binary_property', '^\p{Alphabetic}+$'),
  (6, 'emoji', '\p{Emoji}'),
  (7, 'modifier_group', '(?i:abc)'),
  (8, 'modifier_group_minus', '(?-s:a.)'),
  (9, 'bound_above_65025', 'a{70000}'),
  (10, 'min_above_65025', 'a{65026,}'),
  (11, 'huge_bound', 'a{99999999999999999999}'),
  (12, 'forward_backref', '\1(a)'),
  (13, 'backref_other_alternative', '(a)|\1'),
  (14, 'backref_optional_group', '(a)?\1'),
  (15, 'backref_repeated_group', '(a)*\1'),
  (16, 'backref_inside_own_group', '(a\1)'),
  (17, 'named_forward_backref', '\k<x>(?<x>a)'),
  (18, 'backref_in_lookahead', '(a)(?=\1)'),
  (19, 'backref_in_lookbehind', '(a)(?<!\1)b'),
  -- not ECMA-262: 22023 as before
  (20, 'unknown_property', '\p{Letterz}'),
  (21, 'unknown_property_key', '\p{Foo=Greek}'),
  (22, 'unknown_gc_value', '\p{gc=Greek}'),
  (23, 'bad_modifier_flag', '(?x:a)'),
  (24, 'repeated_modifier_flag', '(?ii:a)'),
  (25, 'lone_brace', 'a{'),
  (26, 'bound_out_of_order', 'a{3,2}'),
  (27, 'backref_to_no_group', '(a)\2'),
  (28, 'named_backref_to_no_group', '(?<x>a)\k<y>'),
  (29, 'invalid_escape', '\a'),
  -- supported, for contrast
  (30, 'supported_gc', '^\p{Lu}\p{Ll}+$'),
  (31, 'supported_backref', '^(a)\1$'),
  (32, 'supported_bound', 'a{600}');
SELECT name,
       jsonschema_is_valid('{"format": "regex"}', to_jsonb(p)) AS format_regex,
       jsonschema_is_valid(jsonb_build_object('pattern', p)) AS schema_valid,
       pg_temp.err(jsonb_build_object('pattern', p)) AS compiled
  FROM rx ORDER BY n;
-- patternProperties: the JSON Pointer names the property name
SELECT name, pg_temp.err(jsonb_build_object('patternProperties', jsonb_build_object(p, true))) AS compiled
  FROM rx WHERE n IN (5, 7, 16, 20) ORDER BY n;
-- a regex too big for the engine once translated (valid ECMA-262)
SELECT pg_temp.err(jsonb_build_object('pattern', repeat('a{255}', 2000))) AS too_complex,
       jsonschema_is_valid(jsonb_build_object('pattern', repeat('a{255}', 2000))) AS schema_valid;
-- the message as the user sees it, with its hint
SELECT jsonschema_is_valid('{"properties": {"name": {"pattern": "^\\p{Alphabetic}+$"}}}', '{"name": "x"}');
-- deep in the schema, in $defs, behind a $ref
SELECT pg_temp.err('{"$defs": {"emoji": {"type": "string", "pattern": "\\p{Emoji}"}}, "items": {"$ref": "#/$defs/emoji"}}') AS in_defs;
-- any real fault of the schema wins over an unsupported pattern, wherever it is
SELECT pg_temp.err('{"pattern": "\\p{Emoji}", "properties": {"a": {"pattern": "("}}}') AS later_bad_regex,
       pg_temp.err('{"pattern": "\\p{Emoji}", "$ref": "#/$defs/missing"}') AS bad_ref,
       pg_temp.err('{"pattern": "\\p{Emoji}", "minLength": -1}') AS bad_keyword;
SELECT s, jsonschema_is_valid(s)
  FROM unnest(ARRAY['{"pattern": "\\p{Emoji}", "properties": {"a": {"pattern": "("}}}',
                    '{"pattern": "\\p{Emoji}", "$ref": "#/$defs/missing"}',
                    '{"pattern": "\\p{Emoji}", "$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a"}']::jsonb[]) s;
-- the first unsupported pattern is the one reported
SELECT pg_temp.err('{"properties": {"a": {"pattern": "(?i:a)"}, "b": {"pattern": "\\p{Emoji}"}}}') AS first_one;
-- every entry point: jsonschema_errors, the pg_jsonschema-compatible pair
DO $$
DECLARE
	st text;
BEGIN
	BEGIN
		PERFORM goodgo_events.jsonschema_errors('{"pattern": "\\p{Emoji}"}', '"x"');
	EXCEPTION WHEN OTHERS THEN st := SQLSTATE;
	END;
	RAISE NOTICE 'jsonschema_errors: %', st;
	st := NULL;
	BEGIN
		PERFORM goodgo_events.jsonb_matches_schema('{"pattern": "\\p{Emoji}"}', '"x"');
	EXCEPTION WHEN OTHERS THEN st := SQLSTATE;
	END;
	RAISE NOTICE 'jsonb_matches_schema: %', st;
	st := NULL;
	BEGIN
		PERFORM goodgo_events.json_matches_schema('{"pattern": "\\p{Emoji}"}', '"x"');
	EXCEPTION WHEN OTHERS THEN st := SQLSTATE;
	END;
	RAISE NOTICE 'json_matches_schema: %', st;
	st := NULL;
	BEGIN
		PERFORM goodgo_events.json_matches_schema('{"pattern": "\\p{Script=Greek"}', '"x"');
	EXCEPTION WHEN OTHERS THEN st := SQLSTATE;
	END;
	RAISE NOTICE 'json_matches_schema, unterminated property: %', st;
END
$$;
-- the cached paths: a schema from a column, row after row, fails every time
-- and leaves nothing in the cache
SELECT entries AS entries_before FROM jsonschema_cache_stats() \gset
CREATE TEMP TABLE rx_schemas (s jsonb);
INSERT INTO rx_schemas SELECT '{"pattern": "(?i:abc)"}' FROM generate_series(1, 3);
DO $$
DECLARE
	r record;
	n int := 0;
BEGIN
	FOR r IN SELECT s FROM rx_schemas LOOP
		BEGIN
			PERFORM goodgo_events.jsonschema_is_valid(r.s, '"abc"');
		EXCEPTION WHEN feature_not_supported THEN n := n + 1;
		END;
	END LOOP;
	RAISE NOTICE '% of 3 rows raised 0A000', n;
END
$$;
SELECT entries = :entries_before AS nothing_cached FROM jsonschema_cache_stats();

---------------------------------------------------------------- cycles and depth
-- a schema that refers to itself forever without consuming the instance
SELECT pg_temp.err('{"$ref": "#"}', '1') AS self_ref;
SELECT pg_temp.err('{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}', '1') AS mutual_ref;
-- a recursive schema over a deep instance is fine
SELECT jsonschema_is_valid('{"type": "array", "items": {"$ref": "#"}}',
                           (repeat('[', 1000) || repeat(']', 1000))::jsonb) AS deep_ok,
       jsonschema_is_valid('{"type": "array", "items": {"$ref": "#"}}',
                           (repeat('[', 1000) || '1' || repeat(']', 1000))::jsonb) AS deep_bad;

-- a schema whose evaluation branches 2^39 times can still be canceled (a
-- number meets "minimum" at the bottom: its type alone decides nothing)
SET statement_timeout = '200ms';
SELECT jsonschema_is_valid(s, '1')
  FROM (SELECT jsonb_object_agg('d' || i, jsonb_build_object('oneOf', jsonb_build_array(
                 jsonb_build_object('$ref', '#/$defs/d' || (i + 1)), jsonb_build_object('$ref', '#/$defs/d' || (i + 1))))) AS defs
          FROM generate_series(1, 39) i) t,
       LATERAL (SELECT jsonb_build_object('$defs', defs || '{"d40": {"minimum": 0}}', '$ref', '#/$defs/d1') AS s) u;
-- with {} at the bottom, two branches that pass fail oneOf whatever the
-- instance: the compiler finds that from the types, and yes/no answers at
-- once (the errors still take the walk)
SELECT jsonschema_is_valid(s, '1') AS number, jsonschema_is_valid(s, '"x"') AS string
  FROM (SELECT jsonb_object_agg('d' || i, jsonb_build_object('oneOf', jsonb_build_array(
                 jsonb_build_object('$ref', '#/$defs/d' || (i + 1)), jsonb_build_object('$ref', '#/$defs/d' || (i + 1))))) AS defs
          FROM generate_series(1, 39) i) t,
       LATERAL (SELECT jsonb_build_object('$defs', defs || '{"d40": {}}', '$ref', '#/$defs/d1') AS s) u;
RESET statement_timeout;

-- 40 nested schema resources in the dynamic scope at once
SELECT jsonschema_is_valid(s, i) AS nested_ok, jsonschema_is_valid(s, jsonb_set(i, ARRAY(SELECT 'a' FROM generate_series(1, 40)), '"x"')) AS nested_bad
  FROM (SELECT (SELECT string_agg(format('{"$id": "https://example.com/r%s/", "properties": {"a": ', n), '' ORDER BY n)
                  FROM generate_series(1, 40) n) || '{"type": "integer"}' || repeat('}}', 40) AS st,
               (repeat('{"a": ', 40) || '1' || repeat('}', 40))::jsonb AS i) t,
       LATERAL (SELECT st::jsonb AS s) u;

---------------------------------------------------------------- register_schema
SELECT register_schema('https://schemas.example.com/money.json',
	'{"$defs": {"amount": {"type": "integer", "minimum": 0}, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}}');
SELECT register_schema('https://schemas.example.com/registered-as',
	'{"$id": "https://schemas.example.com/address.json", "type": "object", "required": ["country"]}');
SELECT uri, schema_id FROM schema_documents WHERE uri LIKE 'https://schemas.example.com/%' ORDER BY uri COLLATE "C";

SELECT jsonschema_is_valid(s, '{"amount": 5, "currency": "KES", "to": {"country": "KE"}}') AS ok,
       jsonschema_is_valid(s, '{"amount": 5, "currency": "kes", "to": {"country": "KE"}}') AS bad_currency,
       jsonschema_is_valid(s, '{"amount": 5, "currency": "KES", "to": {}}') AS bad_address
  FROM (SELECT '{"properties": {"amount": {"$ref": "https://schemas.example.com/money.json#/$defs/amount"},
                                "currency": {"$ref": "https://schemas.example.com/money.json#/$defs/currency"},
                                "to": {"$ref": "https://schemas.example.com/address.json"}}}'::jsonb AS s) t;

-- register_schema checks the document, but refs may point to documents registered later
SELECT register_schema('https://schemas.example.com/later.json', '{"$ref": "https://schemas.example.com/not-yet.json"}');
SELECT pg_temp.err('{"$ref": "https://schemas.example.com/later.json"}', '1') AS not_yet_registered;
SELECT register_schema('https://schemas.example.com/not-yet.json', '{"type": "integer"}');
SELECT jsonschema_is_valid('{"$ref": "https://schemas.example.com/later.json"}', '1') AS now_resolves;

-- a registered document invalid against its metaschema is reported with its URI
INSERT INTO schema_documents (uri, schema) VALUES ('https://schemas.example.com/broken.json', '{"type": 12}');
SELECT pg_temp.err('{"$ref": "https://schemas.example.com/broken.json"}', '1') AS broken_remote;

-- bad registrations
SELECT register_schema('money.json', '{}');
SELECT register_schema('https://schemas.example.com/x.json#frag', '{}');
SELECT register_schema('https://schemas.example.com/x.json', '{"type": "nope"}');
SELECT register_schema('https://schemas.example.com/x.json', '{"pattern": "["}');
-- a valid pattern we cannot run is refused too, as 0A000, before anything is stored
SELECT register_schema('https://schemas.example.com/x.json', '{"$defs": {"w": {"patternProperties": {"^(?i:id)$": true}}}}');
SELECT count(*) AS stored FROM schema_documents WHERE uri = 'https://schemas.example.com/x.json';
-- stored behind register_schema's back, it is named with its document when used
INSERT INTO schema_documents (uri, schema) VALUES ('https://schemas.example.com/greek.json', '{"pattern": "\\p{Emoji}"}');
SELECT pg_temp.err('{"properties": {"name": {"$ref": "https://schemas.example.com/greek.json"}}}') AS unsupported_remote,
       jsonschema_is_valid('{"properties": {"name": {"$ref": "https://schemas.example.com/greek.json"}}}') AS schema_valid;
DELETE FROM schema_documents WHERE uri = 'https://schemas.example.com/greek.json';

---------------------------------------------------------------- cache
-- a constant schema is compiled once per call site: one miss for 1000 rows
SELECT misses AS m0, hits AS h0 FROM jsonschema_cache_stats() \gset
SELECT count(*) FILTER (WHERE jsonschema_is_valid('{"type": "integer", "minimum": 500}', to_jsonb(i))) FROM generate_series(1, 1000) i;
SELECT misses - :m0 AS new_misses FROM jsonschema_cache_stats();
-- a schema from a column: the backend cache answers rows with the same bytes
CREATE TEMP TABLE docs AS
	SELECT CASE WHEN i % 2 = 0 THEN '{"type": "integer"}' ELSE '{"type": "string"}' END::jsonb AS s, to_jsonb(i) AS v
	  FROM generate_series(1, 100) i;
SELECT misses AS m0, hits AS h0 FROM jsonschema_cache_stats() \gset
SELECT count(*) FILTER (WHERE jsonschema_is_valid(s, v)) FROM docs;
SELECT misses - :m0 AS new_misses, hits - :h0 > 90 AS mostly_hits FROM jsonschema_cache_stats();
-- the cache is bounded
SET goodgo_events.json_schema_cache_size = 2;
SELECT count(*) FILTER (WHERE jsonschema_is_valid(jsonb_build_object('maximum', i), '5')) FROM generate_series(1, 10) i;
SELECT entries FROM jsonschema_cache_stats();
RESET goodgo_events.json_schema_cache_size;
-- ... and in memory: twenty schemas with a hundred properties each do not fit in 64kB
SET goodgo_events.json_schema_cache_memory = '64kB';
SELECT count(*) FILTER (WHERE jsonschema_is_valid(s, '{}'))
  FROM (SELECT (SELECT jsonb_object_agg('p' || k, jsonb_build_object('type', 'integer', 'maximum', k + i))
                  FROM generate_series(1, 100) k) AS props, i
          FROM generate_series(1, 20) i) t,
       LATERAL (SELECT jsonb_build_object('properties', props) AS s) u;
SELECT entries BETWEEN 1 AND 19 AS bounded, bytes <= 65536 OR entries = 1 AS within_memory FROM jsonschema_cache_stats();
RESET goodgo_events.json_schema_cache_memory;
-- register_schema invalidates compiled schemas that used the old document
SELECT epoch AS e0 FROM jsonschema_cache_stats() \gset
SELECT jsonschema_is_valid('{"$ref": "https://schemas.example.com/not-yet.json"}', '"text"') AS before_change;
SELECT register_schema('https://schemas.example.com/not-yet.json', '{"type": "string"}');
SELECT jsonschema_is_valid('{"$ref": "https://schemas.example.com/not-yet.json"}', '"text"') AS after_change;
SELECT epoch > :e0 AS epoch_moved FROM jsonschema_cache_stats();
-- ... in the same statement too, for a schema from a column
SELECT jsonschema_is_valid(s, '"text"') AS from_column
  FROM (VALUES ('{"$ref": "https://schemas.example.com/not-yet.json"}'::jsonb)) v(s);

-- the documents are user data for pg_dump
SELECT extcondition IS NOT NULL AS dumped FROM pg_extension WHERE extname = 'goodgo_events';
DELETE FROM schema_documents WHERE uri LIKE 'https://schemas.example.com/%';

-- A schema passed as a PL/pgSQL parameter is a new value on each call of
-- the same expression (one fn_extra): the call-site cache must compare it,
-- not keep the first call's schema (found by the hostile-input test).
CREATE FUNCTION pg_temp.valid_via_plpgsql(schema jsonb, instance jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	RETURN goodgo_events.jsonschema_is_valid(schema, instance);
END
$$;
SELECT pg_temp.valid_via_plpgsql('{"maximum": 1}', '5') AS max1_of_5,
	   pg_temp.valid_via_plpgsql('{"minimum": 1}', '5') AS min1_of_5,
	   pg_temp.valid_via_plpgsql('{"type": "string"}', '5') AS string_of_5,
	   pg_temp.valid_via_plpgsql('{"type": "integer"}', '5') AS integer_of_5;
-- and a prepared statement's parameter, executed twice
PREPARE valid_with(jsonb) AS SELECT jsonschema_is_valid($1, '5');
EXECUTE valid_with('{"maximum": 1}');
EXECUTE valid_with('{"minimum": 1}');
DEALLOCATE valid_with;
