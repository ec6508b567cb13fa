-- Hostile input: deep nesting, huge numbers, bad Unicode escapes, \u0000,
-- cyclic $ref, regexes built to backtrack.  Each case must end in a clean
-- error or the correct answer, within the statement timeout below, and the
-- backend must live on (checked at the end: same backend, same postmaster).
-- Inputs too big for a regression file (100 MB strings, 100,000-deep text)
-- are in test/suites/hostile.sh.
SET search_path = goodgo_events, public;
SET statement_timeout = '60s';
SELECT pg_backend_pid() AS backend_pid, pg_postmaster_start_time() AS postmaster_start \gset

-- SQLSTATE and message of an error, or the answer.
CREATE FUNCTION pg_temp.try(schema jsonb, instance jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN goodgo_events.jsonschema_is_valid(schema, instance)::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Nested arrays/objects, n deep, built as text.
CREATE FUNCTION pg_temp.deep_array(n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT repeat('[', n) || repeat(']', n) $$;
CREATE FUNCTION pg_temp.deep_object(n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT repeat('{"a":', n) || '1' || repeat('}', n) $$;

--
-- 1. Nesting.  100,000 deep does not get past PostgreSQL's own JSON parser
-- (stack depth, SQLSTATE 54001), for an instance, a schema or an envelope.
--
-- (terse: the hint names max_stack_depth's value, which sanitizer builds raise)
\set VERBOSITY terse
SELECT pg_temp.deep_array(100000)::jsonb;
SELECT goodgo_events.envelope_errors(pg_temp.deep_object(100000)::jsonb);
SELECT goodgo_events.jsonschema_is_valid(pg_temp.deep_object(100000)::jsonb, '1');
SELECT goodgo_events.json_matches_schema('{}', pg_temp.deep_array(100000)::json);
\set VERBOSITY default
-- As deep as the parser goes (10,000): walked by keywords that look into
-- every level without recursion in the schema: a correct answer.
SELECT pg_temp.try('{"items": {"type": "array"}}', pg_temp.deep_array(10000)::jsonb) AS items_array,
	   pg_temp.try('{"type": "array", "maxItems": 1}', pg_temp.deep_array(10000)::jsonb) AS top_only,
	   pg_temp.try('{"contains": {"type": "array"}}', pg_temp.deep_array(10000)::jsonb) AS contains_array,
	   pg_temp.try('{"const": 1}', pg_temp.deep_array(10000)::jsonb) AS const_deep,
	   pg_temp.try('{"enum": [[]]}', pg_temp.deep_array(10000)::jsonb) AS enum_deep,
	   pg_temp.try('{"uniqueItems": true}', ('[' || pg_temp.deep_array(10000) || ',' || pg_temp.deep_array(9999) || ']')::jsonb) AS unique_deep;
-- A schema that recurses with the instance ("items": {"$ref": "#"}) follows
-- it 10,000 levels down: the stack check stops it with a clean error.
SELECT pg_temp.try('{"items": {"$ref": "#"}}', pg_temp.deep_array(10000)::jsonb) AS ref_10000;
SELECT pg_temp.try('{"items": {"$ref": "#"}}', pg_temp.deep_array(1000)::jsonb) AS ref_1000;
SELECT pg_temp.try('{"additionalProperties": {"$ref": "#"}, "type": ["object", "integer"]}',
				   pg_temp.deep_object(1000)::jsonb) AS object_ref_1000;
SELECT pg_temp.try('{"additionalProperties": {"$ref": "#"}, "type": "object"}',
				   pg_temp.deep_object(1000)::jsonb) AS object_ref_1000_bad_leaf;
-- A schema 10,000 levels deep: the compiler's stack check.
SELECT pg_temp.try(('{' || repeat('"items": {', 10000) || repeat('}', 10000) || '}')::jsonb, '[]') AS deep_schema;
SELECT pg_temp.try(('{' || repeat('"items": {', 500) || repeat('}', 500) || '}')::jsonb,
				   pg_temp.deep_array(600)::jsonb) AS schema_500;
-- Envelope with a 10,000-deep payload: the envelope check looks only at the
-- envelope; the payload is the registry's business.
SELECT jsonb_array_length(goodgo_events.envelope_errors(jsonb_build_object(
	'schemaVersion', 1,
	'eventId', '018f3b8e-7c1a-7def-8abc-0123456789ab',
	'eventType', 'payment.completed',
	'occurredAt', '2026-11-27T05:00:00Z',
	'producer', 'api',
	'traceId', repeat('0', 32),
	'payload', pg_temp.deep_object(10000)::jsonb))) AS envelope_errors_deep_payload;
SELECT count(*) AS envelope_errors_deep_envelope
  FROM jsonb_array_elements(goodgo_events.envelope_errors(pg_temp.deep_object(10000)::jsonb));
-- The registry validating a deep payload against a bundled schema.
SELECT goodgo_events.validate_payload('payment.completed', pg_temp.deep_object(10000)::jsonb);

--
-- 2. Numbers beyond double precision: 1e400, 400-digit integers, extreme
-- exponents.  Compared exactly (numeric), never through a float.
--
SELECT pg_temp.try('{"maximum": 1e308}', '1e400') AS max_1e308,
	   pg_temp.try('{"minimum": 1e400}', '1e401') AS min_1e400,
	   pg_temp.try('{"exclusiveMaximum": 1e400}', '1e400') AS exclmax_equal,
	   pg_temp.try('{"const": 1e400}', '10e399') AS const_same_value,
	   pg_temp.try('{"enum": [1e400]}', '1e401') AS enum_other_value,
	   pg_temp.try('{"type": "integer"}', '1e400') AS int_1e400,
	   pg_temp.try('{"type": "integer"}', '1e-400') AS int_1e_minus_400;
SELECT pg_temp.try('{"type": "integer"}', ('1' || repeat('0', 400))::jsonb) AS int_400_digits,
	   pg_temp.try('{"type": "integer"}', ('1' || repeat('0', 400) || '.0')::jsonb) AS int_400_digits_dot0,
	   pg_temp.try('{"type": "integer"}', ('1' || repeat('0', 400) || '.5')::jsonb) AS not_int_400_digits,
	   pg_temp.try('{"multipleOf": 3}', ('1' || repeat('0', 400))::jsonb) AS mult3_of_1e400,
	   pg_temp.try('{"multipleOf": 3}', repeat('3', 400)::jsonb) AS mult3_of_333,
	   pg_temp.try(('{"maximum": ' || repeat('9', 400) || '}')::jsonb, ('1' || repeat('0', 400))::jsonb) AS max_400_nines;
SELECT pg_temp.try('{"multipleOf": 1e-400}', '1') AS mult_tiny,
	   pg_temp.try('{"multipleOf": 1e-16383}', '1e131071') AS mult_extreme,
	   pg_temp.try('{"multipleOf": 7}', '1e131071') AS mult7_extreme,
	   pg_temp.try('{"maximum": 1e-16383}', '1e131071') AS max_extreme,
	   pg_temp.try('{"multipleOf": 0.3}', ('0.' || repeat('3', 16000))::jsonb) AS mult_long_fraction;
-- Bounds outside numeric never reach us: the input function refuses them.
SELECT '1e1000000'::jsonb;
-- maxLength with a 400-digit bound: a number too large for a count is a
-- bound no string can exceed, not an error or a wrapped integer.
SELECT pg_temp.try(('{"maxLength": ' || repeat('9', 400) || '}')::jsonb, '"abc"') AS maxlength_huge,
	   pg_temp.try(('{"minLength": ' || repeat('9', 400) || '}')::jsonb, '"abc"') AS minlength_huge,
	   pg_temp.try(('{"maxItems": 1e400}')::jsonb, '[1]') AS maxitems_1e400,
	   pg_temp.try(('{"minProperties": 1e400}')::jsonb, '{}') AS minproperties_1e400;

--
-- 3. Unicode escapes and \u0000.  jsonb cannot hold \u0000 or a lone
-- surrogate: the input function refuses them (22P05, 22P02), for an
-- instance, a schema and the json variant alike.
--
SELECT '"\u0000"'::jsonb;
SELECT '"\ud800"'::jsonb;
SELECT '"\udc00\ud800"'::jsonb;
SELECT '"\uZZZZ"'::jsonb;
SELECT goodgo_events.json_matches_schema('{"maxLength": 1}', '"\u0000"');
SELECT goodgo_events.json_matches_schema('{"pattern": "^a\u0000$"}', '"a"');
SELECT goodgo_events.json_matches_schema('{"properties": {"a\u0000b": {}}}', '{}');
SELECT goodgo_events.json_matches_schema('{"type": "string"}', '"\ud800x"');
SELECT goodgo_events.envelope_errors('{"payload": {"a": "\u0000"}}'::json::jsonb);
-- What does get through: a well-formed surrogate pair (one code point),
-- non-characters and U+FFFD, counted as one character each.
SELECT pg_temp.try('{"maxLength": 1}', '"\ud83d\ude00"') AS pair_is_one,
	   pg_temp.try('{"minLength": 2}', '"\ud83d\ude00"') AS pair_not_two,
	   pg_temp.try('{"maxLength": 1}', '"\uffff"') AS nonchar,
	   pg_temp.try('{"pattern": "^.$"}', '"\ufffd"') AS replacement_char,
	   pg_temp.try('{"pattern": "^\\ud83d\\ude00$"}', '"\ud83d\ude00"') AS pattern_pair,
	   pg_temp.try('{"pattern": "^\\ud83d$"}', '"\ud83d\ude00"') AS pattern_lone_high,
	   pg_temp.try('{"format": "email"}', '"a\u0001@b.c"') AS control_email,
	   pg_temp.try('{"format": "hostname"}', '"a\u200bb.com"') AS zwsp_hostname;

--
-- 4. Cyclic $ref: refused with a clean error when the cycle never moves
-- into the instance, validated when it does.
--
SELECT pg_temp.try('{"$ref": "#"}', '1') AS self;
SELECT pg_temp.try('{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}', '1') AS two_cycle;
SELECT pg_temp.try('{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}', '1') AS allof_cycle;
SELECT pg_temp.try('{"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/b"}]}, "b": {"not": {"$ref": "#/$defs/a"}}}, "$ref": "#/$defs/a"}', '1') AS not_cycle;
SELECT pg_temp.try('{"$dynamicAnchor": "n", "$ref": "#", "items": {"$dynamicRef": "#n"}}', '[]') AS dynamic_cycle;
-- A cycle in a branch the instance never reaches is not walked.
SELECT pg_temp.try('{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "properties": {"x": {"$ref": "#/$defs/a"}}}', '{}') AS unreached,
	   pg_temp.try('{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "properties": {"x": {"$ref": "#/$defs/a"}}}', '{"x": 1}') AS reached;
-- Recursion that consumes the instance is fine (a linked list 500 long).
SELECT pg_temp.try('{"type": "object", "properties": {"next": {"$ref": "#"}}}',
				   (repeat('{"next":', 500) || '{}' || repeat('}', 500))::jsonb) AS list_500;
-- Documents that refer to each other through the registry.
BEGIN;
SELECT goodgo_events.register_schema('urn:hostile:a', '{"$ref": "urn:hostile:b"}');
SELECT goodgo_events.register_schema('urn:hostile:b', '{"$ref": "urn:hostile:a"}');
SELECT pg_temp.try('{"$ref": "urn:hostile:a"}', '1') AS cross_document_cycle;
SELECT goodgo_events.register_schema('urn:hostile:c', '{"items": {"$ref": "urn:hostile:d"}}');
SELECT goodgo_events.register_schema('urn:hostile:d', '{"type": "array", "items": {"$ref": "urn:hostile:c"}}');
SELECT pg_temp.try('{"$ref": "urn:hostile:c"}', '[[[[]]]]') AS cross_document_recursion,
	   pg_temp.try('{"$ref": "urn:hostile:c"}', '[[[1]]]') AS cross_document_recursion_bad;
ROLLBACK;

--
-- 5. Regexes built to backtrack, on long input.  The translation gives
-- PostgreSQL's engine (a DFA-based hybrid) or our linear fast path, so none
-- of these is exponential.
--
SELECT pg_temp.try('{"pattern": "(a+)+$"}', to_jsonb(repeat('a', 100000) || 'b')) AS nested_plus,
	   pg_temp.try('{"pattern": "^(a+)+$"}', to_jsonb(repeat('a', 100000) || 'b')) AS nested_plus_anchored,
	   pg_temp.try('{"pattern": "^(a|a)*$"}', to_jsonb(repeat('a', 100000) || 'b')) AS alternation,
	   pg_temp.try('{"pattern": "^(a|aa)+$"}', to_jsonb(repeat('a', 100000))) AS overlapping,
	   pg_temp.try('{"pattern": "(x+x+)+y"}', to_jsonb(repeat('x', 100000))) AS classic,
	   pg_temp.try('{"pattern": "a{200,255}c"}', to_jsonb(repeat('a', 1000000))) AS bounded_repeat,
	   pg_temp.try('{"pattern": "^(\\w+\\s?)*$"}', to_jsonb(repeat('word ', 20000) || '!')) AS words;
-- Backreferences force a backtracking engine: a back-reference to a group
-- that may not have matched is refused (valid ECMA-262 that we cannot run:
-- 0A000), a simple one runs on short input.
SELECT pg_temp.try('{"pattern": "^(a*)*\\1$"}', '"aaaab"') AS backref_refused;
SELECT pg_temp.try('{"pattern": "^(a+)\\1$"}', to_jsonb(repeat('a', 2000))) AS backref_even,
	   pg_temp.try('{"pattern": "^(a+)\\1$"}', to_jsonb(repeat('a', 2001))) AS backref_odd;
-- Patterns that are themselves hostile: deep groups, huge counts.  Huge
-- counts are valid ECMA-262 that we cannot run (0A000); 100,000 nested groups
-- stop the parser at 128 before it can tell valid from invalid (22023).
SELECT pg_temp.try(jsonb_build_object('pattern', repeat('(', 100000) || repeat(')', 100000)), '"x"') AS deep_groups;
SELECT pg_temp.try(jsonb_build_object('pattern', repeat('(?:a', 100) || repeat(')', 100)), '"a"') AS groups_100;
SELECT pg_temp.try('{"pattern": "a{1000000}"}', '"a"') AS huge_count;
SELECT pg_temp.try('{"pattern": "a{99999999999999999999}"}', '"a"') AS overflowing_count;
SELECT pg_temp.try(jsonb_build_object('pattern', repeat('a{255}', 2000)), '"a"') AS long_product;
SELECT pg_temp.try('{"format": "regex"}', to_jsonb(repeat('(', 100000))) AS regex_format_deep;
-- A backreference the engine must try at every split is quadratic (this
-- one takes about 25 s to answer false): the statement timeout stops it,
-- because the engine checks for interrupts, and the backend goes on.
SET statement_timeout = '200ms';
SELECT goodgo_events.jsonschema_is_valid('{"pattern": "^(a+)\\1$"}', to_jsonb(repeat('a', 100001)));
RESET statement_timeout;

-- The backend that ran all of this is still the same one, and the server
-- was not restarted.
SELECT pg_backend_pid() = :backend_pid AS same_backend,
	   pg_postmaster_start_time() = :'postmaster_start' AS same_postmaster;
