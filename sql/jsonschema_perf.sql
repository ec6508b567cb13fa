-- JSON Schema validator: the fast paths (hashed enums, hashed uniqueItems,
-- error text built only when errors are collected) give the answers of the
-- plain ones.
SET search_path = goodgo_events, public;

-- An enum of 8 values or more is looked up by hash: JSON equality still
-- decides (1 = 1.0 = 1e0, keys in any order, true is not 1, "1" is not 1).
CREATE TEMP TABLE big_enum AS SELECT '{"enum": [
	1, 100000000000000000000, 2.5, "a", "1", null, true,
	{"x": 1, "y": [1, {"z": [3]}]}, [1, [2, [3, [4]]]], [], {}
]}'::jsonb AS s;
SELECT i AS instance, jsonschema_is_valid(s, i) AS big, jsonschema_is_valid('{"enum": [1, "a"]}', i) AS small
  FROM big_enum, unnest(ARRAY[
	'1', '1.0', '1e0', '1.000000000000000000001', '100000000000000000000', '1e20', '100000000000000000000.0',
	'2.50', '2.6', '-1', '"a"', '"b"', '"1"', 'null', 'true', 'false', '0',
	'{"y": [1.0, {"z": [3.0]}], "x": 1}', '{"y": [1, {"z": [4]}], "x": 1}', '{"x": 1}',
	'[1, [2, [3, [4.0]]]]', '[1, [2, [3, [5]]]]', '[1, [2, [3]]]', '[]', '{}', '[[]]'
]::jsonb[]) i;
-- an instance whose type no value has, and a deep one: false, no error
SELECT jsonschema_is_valid(s, '{"a": "b"}') AS obj,
	   jsonschema_is_valid(s, (repeat('[', 5000) || repeat(']', 5000))::jsonb) AS deep
  FROM big_enum;
-- duplicate values in the enum, and a big enum of objects only
SELECT jsonschema_is_valid('{"enum": [1, 1.0, 2, 3, 4, 5, 6, 7, 8, 1e0]}', '1.00') AS dup_values,
	   jsonschema_is_valid((SELECT jsonb_build_object('enum', jsonb_agg(jsonb_build_object('k', g, 'v', ARRAY[g, g + 1])))
							  FROM generate_series(1, 300) g), '{"v": [150, 151], "k": 150.0}') AS objects_in,
	   jsonschema_is_valid((SELECT jsonb_build_object('enum', jsonb_agg(jsonb_build_object('k', g, 'v', ARRAY[g, g + 1])))
							  FROM generate_series(1, 300) g), '{"v": [150, 152], "k": 150}') AS objects_out;
-- the error unit is the same as for a small enum
SELECT * FROM jsonb_array_elements(jsonschema_errors((SELECT s FROM big_enum), '{"p": 3}'));

-- uniqueItems hashes items (small integers without numeric calls, the
-- rest as numeric does, containers below two levels by kind and size)
SELECT a AS instance, jsonschema_is_valid('{"uniqueItems": true}', a) AS unique_items
  FROM unnest(ARRAY[
	'[1, 1.0]', '[1, "1"]', '[1, true]', '[0, -0]', '[0.1, 0.10]', '[1e20, 100000000000000000000]',
	'[1e20, 100000000000000000001]', '[12345678901234567, 12345678901234567.0]',
	'[{"a": [[1]]}, {"a": [[1.0]]}]', '[{"a": [[1]]}, {"a": [[2]]}]',
	'[[[[1]]], [[[1]]]]', '[[[[1]]], [[[2]]]]', '[[[[1]]], [[[1, 2]]]]',
	'[null, false, 0, "", [], {}]', '[null, false, 0, "", [], {}, []]',
	'["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "a"]'
]::jsonb[]) a;
-- past 12 items, a hash table: the same answers
SELECT n, jsonschema_is_valid('{"uniqueItems": true}', a) AS distinct_items,
	   jsonschema_is_valid('{"uniqueItems": true}', a || '[1.0]') AS one_as_1_0,
	   jsonschema_is_valid('{"uniqueItems": true}', a || '[[[["x"]]]]') AS deep_twice,
	   jsonschema_is_valid('{"uniqueItems": true}', a || '[[[["y"]]]]') AS deep_other
  FROM generate_series(11, 14) n,
	   LATERAL (SELECT jsonb_agg(g) || '[[[["x"]]], "s", {"k": null}]' AS a FROM generate_series(1, n - 3) g) t;
SELECT jsonschema_is_valid('{"uniqueItems": true}', (SELECT jsonb_agg(g % 997) FROM generate_series(1, 997) g)) AS no_dup,
	   jsonschema_is_valid('{"uniqueItems": true}', (SELECT jsonb_agg(g % 997) FROM generate_series(1, 998) g)) AS last_dup,
	   jsonschema_is_valid('{"uniqueItems": true}', (SELECT jsonb_agg(g::text) FROM generate_series(1, 5000) g)) AS strings;

-- errors are built only when collected, and then as before: "not" and "if"
-- leave no units of their own, a failing anyOf keeps its branches' units,
-- a passing oneOf none; type lists are spelt out
SELECT * FROM jsonb_array_elements(jsonschema_errors(
	'{"anyOf": [{"type": "string"}, {"type": ["integer", "null"]}],
	  "not": {"type": "number"}, "if": {"type": "boolean"}, "else": {"type": ["object", "array"]}}', '1.5'));
SELECT jsonschema_errors('{"oneOf": [{"type": "string"}, {"type": "number"}]}', '1.5') AS one_of_passes;

-- equal deep values compare without recursion (the last member of each
-- container is compared in a loop): true, not "stack depth limit exceeded"
SELECT jsonschema_is_valid(jsonb_build_object('const', d), d) AS const_deep_equal,
	   jsonschema_is_valid(jsonb_build_object('enum', jsonb_build_array(1, 2, 3, 4, 5, 6, 7, 8, d)), d) AS enum_deep_equal,
	   jsonschema_is_valid('{"uniqueItems": true}', jsonb_build_array(d, d)) AS unique_deep_twice,
	   jsonschema_is_valid('{"uniqueItems": true}', jsonb_build_array(d, jsonb_build_array(d))) AS unique_deep_other
  FROM (SELECT (repeat('[', 10000) || repeat(']', 10000))::jsonb AS d) t;

-- patterns the fast matcher takes as a combination of programs: anchors in
-- the branches of an alternation (any branch), ^ then positive lookaheads
-- (all of them and the rest, at position 0); the answers are ECMA-262's
SELECT p AS pattern, s AS subject, jsonschema_is_valid(jsonb_build_object('pattern', p), to_jsonb(s)) AS matches
  FROM unnest(ARRAY['(^a$)|(^bc$)', '^(!?[-\w_\s]+)|(\*)$', '^a|b$', 'x|^y', '^(?=[^!*,;]+$)(?=(.*\w)).+$',
					'^(?=.*[0-9])(?=.*[a-z])[a-z0-9]{4,8}$', '^(?=ab)', '(^a$)|', '^(?=(a|b)c)'
	  ]) p,
	   unnest(ARRAY['a', 'bc', 'abc', 'xa', '*', 'x*', '!abc', 'ab!', 'b', 'ba', 'ya', 'ay', 'a1b2', 'abcd', '1234',
					'a1b2c3d4e', 'ab', '', 'ac', 'bcd', 'x']) s
 ORDER BY 1, 2;

-- yes/no mode counts "required" on the matched properties and looks up the
-- required names that are not properties: the answer is the collect mode's
-- (no errors <=> valid) for present, absent and extra names
SELECT i AS instance,
	   jsonschema_is_valid(s, i) AS valid,
	   jsonb_array_length(jsonschema_errors(s, i)) AS errors
  FROM (VALUES ('{"properties": {"a": {}, "bb": {}, "c": true, "dd": {"type": "string"}},
				  "required": ["bb", "a", "zz", "dd", "c"]}'::jsonb)) t(s),
	   unnest(ARRAY[
	'{"a": 1, "bb": 2, "c": 3, "dd": "x", "zz": 4}', '{"a": 1, "bb": 2, "c": 3, "dd": "x"}',
	'{"a": 1, "bb": 2, "dd": "x", "zz": 4}', '{"bb": 2, "c": 3, "dd": "x", "zz": 4, "e": 5}',
	'{"a": 1, "bb": 2, "c": 3, "dd": 1, "zz": 4}', '{"zz": 1}', '{}'
]::jsonb[]) i;

-- anyOf/oneOf branches that "type" alone decides (also through a $ref) are
-- answered without a call: two matching type-only branches still fail oneOf,
-- and annotations of the other branches still reach unevaluatedProperties
SELECT i AS instance,
	   jsonschema_is_valid('{"$defs": {"s": {"type": "string"}, "o": {"type": "object", "required": ["a"]}},
	   "oneOf": [{"$ref": "#/$defs/s"}, {"type": ["string", "null"]}, {"$ref": "#/$defs/o"}]}', i) AS one_of,
	   jsonschema_is_valid('{"$defs": {"o": {"type": "object", "required": ["a"]}},
	   "anyOf": [{"type": "array"}, {"$ref": "#/$defs/o"}, {"type": "integer"}]}', i) AS any_of,
	   jsonschema_is_valid('{"$schema": "https://json-schema.org/draft/2020-12/schema",
	   "anyOf": [{"type": "object"}, {"properties": {"a": true}}], "unevaluatedProperties": false}', i) AS uneval
  FROM unnest(ARRAY['"x"', 'null', '{"a": 1}', '{"b": 1}', '[1]', '1', '1.5']::jsonb[]) i;

-- the fast matcher's ASCII step (a mask per character) and its other
-- characters, with more than 64 positions (several words of state)
SELECT s AS instance,
	   jsonschema_is_valid(jsonb_build_object('pattern', '^(?:[a-c]x|é[0-9]){3}' || repeat('[a-z]', 70) || '$'),
						   to_jsonb(s)) AS matches
  FROM unnest(ARRAY['axbxcx' || repeat('q', 70), 'axé1cx' || repeat('q', 70), 'axé1cx' || repeat('q', 69),
					'axé1cx' || repeat('q', 69) || 'é', 'ax1écx' || repeat('q', 70)]) s;

-- a tagged union: anyOf/oneOf branches told apart by a property with
-- "const" fail on one key lookup when the key holds another value; a branch
-- without the key, or whose const property also has "$ref", still runs whole
SELECT i AS instance,
	   jsonschema_is_valid(s, i) AS valid,
	   jsonb_array_length(jsonschema_errors(s, i)) = 0 AS no_errors
  FROM (VALUES ('{"$defs": {
	"a": {"type": "object", "properties": {"kind": {"const": "a"}, "n": {"type": "integer"}}, "required": ["kind"]},
	"b": {"properties": {"kind": {"const": {"x": [1]}}, "n": {"type": "string"}}},
	"c": {"properties": {"kind": {"$ref": "#/$defs/k", "const": "c"}}}, "k": {"type": "string"}},
	"anyOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}, {"$ref": "#/$defs/c"}],
	"oneOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}, {"type": "array"}]}'::jsonb)) t(s),
	   unnest(ARRAY[
	'{"kind": "a", "n": 1}', '{"kind": "a", "n": "x"}', '{"kind": {"x": [1.0]}, "n": "x"}',
	'{"kind": {"x": [2]}, "n": "x"}', '{"kind": "c"}', '{"kind": 1}', '{"n": 1}', '{"n": "x"}', '[]'
]::jsonb[]) i;

-- The yes/no walk against the collecting one: member types read from the
-- JEntry ("type"-only schemas under properties and additionalProperties),
-- the few named properties of a large object looked up rather than walked
-- (objects of 3 to 12 members: a scan under 9, a binary search above),
-- maps and arrays whose values are checked from their JEntries alone
-- (numbered 200 up), required names that are not
-- properties, dependentRequired, chains of
-- $ref-only schemas (under an allOf).  Every pair must agree, and some
-- answers are shown.
CREATE TEMP TABLE yn_schemas (name text, s jsonb);
INSERT INTO yn_schemas VALUES
	('lookup', '{"properties": {"k03": {"type": "integer"}, "longer_key_name_17": {"type": "string"}}, "required": ["k09"]}'),
	('lookup_false', '{"properties": {"k05": false}}'),
	('merge', '{"properties": {"k00": {"type": "integer"}, "k01": {"type": "integer"}, "k02": {"type": "integer"},
		"k03": {"type": "integer"}, "k04": {"type": "integer"}, "k05": {"type": "integer"},
		"k06": {"type": "integer"}, "k07": {"type": "integer"}, "longer_key_name_17": {"type": "string"}}}'),
	('types', '{"properties": {"k00": {"type": "number"}, "k01": {"type": "string"}, "k02": {"type": ["null", "boolean"]},
		"k03": {"type": "boolean"}, "k04": {"type": "object"}, "k05": {"type": "array"}, "k06": {"type": "number"},
		"k07": {"type": ["boolean", "null"]}}, "additionalProperties": {"type": ["integer", "string", "null", "boolean"]}}'),
	('required', '{"required": ["k00", "k11", "longer_key_name_17"]}'),
	('dependent', '{"$schema": "https://json-schema.org/draft/2020-12/schema",
		"dependentRequired": {"k02": ["k10", "longer_key_name_17"]}}'),
	('refs', '{"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/c"},
		"c": {"properties": {"k04": {"type": "integer"}}}}, "allOf": [{"$ref": "#/definitions/a"}]}'),
	('map_int', '{"additionalProperties": {"type": "integer"}}'),
	('map', '{"additionalProperties": {"type": ["string", "object", "number"]}, "required": ["k02"]}'),
	('items_int', '{"items": {"type": "integer"}}'),
	('items', '{"items": {"type": ["number", "object", "array"]}, "minItems": 4}');
CREATE TEMP TABLE yn_instances AS
SELECT n, variant, (SELECT jsonb_object_agg(k, CASE
		WHEN variant = 'ints' THEN to_jsonb(g)
		WHEN variant = 'halves' THEN to_jsonb(g + 0.5)
		WHEN variant = 'wholes' THEN to_jsonb(g::numeric(10, 1))
		WHEN variant = 'mixed' THEN (ARRAY['1', '"s"', 'null', 'true', '{}', '[1]', '2.5', 'false'])[g % 8 + 1]::jsonb
		ELSE to_jsonb(k) END)
	  FROM (SELECT g, CASE WHEN g = 17 THEN 'longer_key_name_17' ELSE 'k' || lpad(g::text, 2, '0') END AS k
			  FROM generate_series(0, n - 1) g) m) AS i
  FROM generate_series(3, 12) n, unnest(ARRAY['ints', 'halves', 'wholes', 'mixed', 'strings']) variant;
-- and the same objects with the longer key, and arrays of their values
INSERT INTO yn_instances
SELECT n + 100, variant, i || '{"longer_key_name_17": "x"}' FROM yn_instances;
INSERT INTO yn_instances
SELECT n + 200, variant, jsonb_path_query_array(i, '$.*') FROM yn_instances WHERE n < 100;
SELECT count(*) AS pairs,
	   count(*) FILTER (WHERE jsonschema_is_valid(s, i) IS DISTINCT FROM
						(jsonb_array_length(jsonschema_errors(s, i)) = 0)) AS disagree,
	   count(*) FILTER (WHERE jsonschema_is_valid(s, i)) AS valid
  FROM yn_schemas, yn_instances;
-- valid instances of 50 objects, 50 with the longer key and 50 arrays, and
-- the objects of 9 members (a scan) and 12 (a binary search) that are valid
SELECT name, count(*) FILTER (WHERE n < 100 AND valid) AS objects,
	   count(*) FILTER (WHERE n BETWEEN 100 AND 199 AND valid) AS longer_key,
	   count(*) FILTER (WHERE n >= 200 AND valid) AS arrays,
	   string_agg(n::text || ':' || variant, ' ' ORDER BY n, variant)
		 FILTER (WHERE n IN (9, 12, 109, 112) AND valid) AS valid_of_9_and_12
  FROM (SELECT name, n, variant, jsonschema_is_valid(s, i) AS valid FROM yn_schemas, yn_instances) t
 GROUP BY name ORDER BY name;

-- What the instance's type alone decides (the compiler's yn_pass/yn_fail):
-- anyOf, oneOf (overlapping number/integer branches), not, if/then/else,
-- enum and const, through $ref and allOf, as maps and as items (read from
-- the JEntries when every type passes or fails), child schemas with
-- only "type" and keywords of one type checked without validate()'s frame,
-- and objects whose schema has only properties, required and
-- additionalProperties true or false walked by check_props_yn().
-- Every pair must agree with the collecting walk.
CREATE TEMP TABLE yn_typed (name text, s jsonb);
INSERT INTO yn_typed VALUES
	('any_of', '{"items": {"anyOf": [{"type": "string"}, {"type": "array"}, {"enum": [null, true]}]},
		"additionalProperties": {"anyOf": [{"type": "integer"}, {"const": null}]}}'),
	('one_of', '{"additionalProperties": {"oneOf": [{"type": "number"}, {"type": "integer"}, {"type": ["string", "null"]}]},
		"items": {"oneOf": [{"type": "number"}, {"type": "integer"}, {"type": ["string", "null"]}]}}'),
	('one_of_refs', '{"$defs": {"o": {"type": "object", "maxProperties": 4}, "s": {"type": "string"}},
		"additionalProperties": {"oneOf": [{"$ref": "#/$defs/s"}, {"$ref": "#/$defs/o"},
			{"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/s"}, {"type": "integer"}]}}]},
		"items": {"oneOf": [{"$ref": "#/$defs/s"}, {"type": "number"}, {"allOf": [{"$ref": "#/$defs/o"}]}]}}'),
	('not', '{"additionalProperties": {"not": {"type": ["object", "boolean"]}},
		"items": {"not": {"anyOf": [{"type": "null"}, {"type": "number", "minimum": 3}]}}}'),
	('if', '{"$defs": {"x": {"allOf": [{"if": {"type": "integer"}, "then": {"maximum": 5},
		"else": {"not": {"type": "string"}}}]}},
		"additionalProperties": {"$ref": "#/$defs/x"}, "items": {"$ref": "#/$defs/x"}}'),
	('if_only', '{"items": {"if": {"type": "string"}, "else": {"type": "number"}},
		"additionalProperties": {"if": {"type": "object"}, "then": false}}'),
	('enum_const', '{"properties": {"k00": {"enum": [null, 0, "k00", 1]},
		"k02": {"anyOf": [{"const": null}, {"const": 2}, {"type": "string"}]}, "k06": {"not": {"enum": [null]}},
		"k03": {"type": ["string", "integer"], "maxLength": 3}}, "items": {"enum": [null, 1, 2, "k00"]}}'),
	('direct', '{"type": ["object", "array"], "properties": {"k01": {"type": ["string", "number"], "minLength": 2, "minimum": 1}},
		"items": {"type": ["integer", "string", "null", "boolean", "object", "array"], "maximum": 10, "maxLength": 3}}'),
	('direct_object', '{"properties": {"k04": {"type": "object", "minProperties": 1}},
		"items": {"type": ["integer", "string", "null", "boolean", "object", "array"], "minProperties": 1}}'),
	('direct_array', '{"properties": {"k05": {"type": "array", "items": {"type": "integer", "minimum": 2}}},
		"items": {"type": ["integer", "string", "null", "boolean", "object", "array"], "maxItems": 0}}'),
	('props_closed', '{"properties": {"k00": {"type": "integer"}, "k01": {"type": ["integer", "string"]}, "k02": true,
		"k04": {"type": "object", "maxProperties": 0}, "k05": {"type": "array", "maxItems": 0}, "k06": {"minimum": 1},
		"k07": false}, "required": ["k01", "k02"], "additionalProperties": false}'),
	('props_open', '{"properties": {"k03": {"type": "integer"}, "k08": {"type": "number", "maximum": 8},
		"k10": {"enum": [10, "k10", null]}, "k11": {"type": ["object", "array", "number"], "minItems": 1},
		"longer_key_name_17": {"type": "string"}}, "required": ["k03"], "additionalProperties": true}');
SELECT count(*) AS pairs,
	   count(*) FILTER (WHERE jsonschema_is_valid(s, i) IS DISTINCT FROM
						(jsonb_array_length(jsonschema_errors(s, i)) = 0)) AS disagree
  FROM yn_typed, yn_instances;
-- each schema passes some instances and fails others
SELECT name, count(*) FILTER (WHERE jsonschema_is_valid(s, i)) AS valid,
	   count(*) FILTER (WHERE NOT jsonschema_is_valid(s, i)) AS invalid
  FROM yn_typed, yn_instances GROUP BY name ORDER BY name;
-- and a few answers, against the same schemas with the types written out
SELECT i AS instance,
	   jsonschema_is_valid('{"items": {"oneOf": [{"type": "number"}, {"type": "integer"}, {"type": ["string", "null"]}]}}', i) AS one_of,
	   jsonschema_is_valid('{"items": {"not": {"anyOf": [{"type": "null"}, {"type": "number", "minimum": 3}]}}}', i) AS not_any,
	   jsonschema_is_valid('{"items": {"if": {"type": "string"}, "else": {"type": "number"}}}', i) AS if_else
  FROM unnest(ARRAY['[1.5, "a", null]', '[1]', '[1.0]', '[2.5, 2]', '[true]', '[[], {}]', '["s", 4]', '[]']::jsonb[]) i;
-- a reference cycle in place still ends in its error whatever the
-- instance's type, even beside a "type" that would fail it
CREATE FUNCTION pg_temp.outcome(schema jsonb, instance jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	RETURN goodgo_events.jsonschema_is_valid(schema, instance)::text;
EXCEPTION WHEN invalid_parameter_value THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || detail;
END
$$;
SELECT s AS schema, i AS instance, pg_temp.outcome(s, i) AS outcome
  FROM (VALUES ('{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string", "$ref": "#"}'::jsonb),
			   ('{"anyOf": [{"type": "null"}, {"$ref": "#"}]}'),
			   ('{"items": {"oneOf": [{"type": "string"}, {"$ref": "#/items"}]}}')) t(s),
	   unnest(ARRAY['1', '["x"]']::jsonb[]) i;

-- an enum of strings only is binary-searched in a copy sorted as jsonb
-- keys (length, then bytes): against jsonb containment, for enums of 1 to
-- 40 strings of equal and unequal lengths, prefixes, non-ASCII, "" and
-- values of other types
SELECT count(*) AS cases,
	   count(*) FILTER (WHERE jsonschema_is_valid(jsonb_build_object('enum', e), i)
						IS DISTINCT FROM (e @> jsonb_build_array(i))) AS wrong,
	   count(*) FILTER (WHERE e @> jsonb_build_array(i)) AS members
  FROM (SELECT n, (SELECT jsonb_agg(w ORDER BY md5(w))
					 FROM (SELECT (ARRAY['', 'a', 'b', 'ab', 'ba', 'abc', 'abd', 'é', 'ée', 'live', 'daily',
										 'weekly', 'monthly', 'javascript', 'java:maven', 'java:gradle',
										 'ruby:bundler', 'python', 'x', 'yy', 'zzz', 'abcdefgh', 'abcdefgi',
										 'abcdefghijklmnopq', 'abcdefghijklmnopr', '😀', 'a😀', 'k00', 'k01',
										 'k10', 'K00', 'k0', 'k000', 'go:dep', 'go:modules', 'elm', 'docker',
										 'terraform', 'submodules', 'github_actions'])[g] AS w
							 FROM generate_series(1, n) g) ws) AS e
		  FROM generate_series(1, 40) n) es,
	   unnest(ARRAY['""', '"a"', '"ab"', '"abd"', '"abe"', '"é"', '"e"', '"weekly"', '"Weekly"', '"abcdefgh"',
					'"abcdefgj"', '"abcdefghijklmnopr"', '"abcdefghijklmnops"', '"😀"', '"a😀"', '"k00"', '"k0"',
					'"k0000"', '"github_actions"', '"github_action"', '"submodules"', '1', 'null', '["a"]']::jsonb[]) i;

-- minLength/maxLength count code points only where the byte length does
-- not decide (a code point is 1 to 4 bytes): against char_length() on
-- strings of 1-, 2-, 3- and 4-byte characters and mixes of them
SELECT count(*) AS cases,
	   count(*) FILTER (WHERE jsonschema_is_valid(jsonb_build_object('minLength', m, 'maxLength', m + 1), to_jsonb(s))
						IS DISTINCT FROM (char_length(s) BETWEEN m AND m + 1)) AS wrong,
	   count(*) FILTER (WHERE char_length(s) BETWEEN m AND m + 1) AS in_range
  FROM (SELECT repeat(c, r) AS s FROM unnest(ARRAY['a', 'é', '€', '😀', 'a😀', 'é€😀']) c, generate_series(0, 6) r) x,
	   generate_series(0, 12) m;
