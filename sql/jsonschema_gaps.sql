-- Gaps found by tests the official suite does not have yet (issue 15, part 2),
-- and the refusal of an unknown $schema (part 1).
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

---------------------------------------------------------------- relative-json-pointer
-- index manipulation (draft-bhutton-relative-json-pointer-00, cited by
-- 2020-12): valid in 2020-12 only; 2019-09 cites draft-handrews-02, which
-- has no index manipulation, and so do drafts 7 and earlier.
SELECT v, jsonschema_is_valid('{"$schema": "https://json-schema.org/draft/2020-12/schema", "format": "relative-json-pointer"}', to_jsonb(v)) AS d2020,
          jsonschema_is_valid('{"$schema": "https://json-schema.org/draft/2019-09/schema", "format": "relative-json-pointer"}', to_jsonb(v)) AS d2019,
          jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "format": "relative-json-pointer"}', to_jsonb(v)) AS d7
  FROM unnest(ARRAY['0+1', '0+1/foo', '0-0', '1-2/bar', '2+3#', '0', '1/a',
                    '0+01', '0+', '0-', '+1', '0+1+2', '0--1', '01+1', '0+1##']) v;

---------------------------------------------------------------- email address literals
-- RFC 5321: the "IPv6:" tag is case-insensitive, and Snum = 1*3DIGIT (value
-- at most 255) allows leading zeros, also in an IPv6 literal's IPv4 tail;
-- idn-email the same.
SELECT v, jsonschema_is_valid('{"format": "email"}', to_jsonb(v)) AS email,
          jsonschema_is_valid('{"format": "idn-email"}', to_jsonb(v)) AS idn_email
  FROM unnest(ARRAY['a@[ipv6:::1]', 'a@[IPV6:::1]', 'a@[IpV6:1::2:3]', 'user@[01.0.0.1]',
                    'user@[001.002.003.004]', 'a@[IPv6:::ffff:01.2.3.4]',
                    'user@[256.0.0.1]', 'user@[0001.0.0.1]', 'user@[1.2.3]', 'a@[IPv7:::1]',
                    'a@[ipv6:1::2::3]', 'é@[ipv6:::1]', 'é@[01.0.0.1]']) v;
-- the ipv4 format itself still refuses leading zeros (RFC 2673 dotted-quad)
SELECT jsonschema_is_valid('{"format": "ipv4"}', '"01.0.0.1"') AS ipv4_leading_zero;

---------------------------------------------------------------- patterns without the u flag
-- krakend's pattern (SchemaStore): "\&" and "\%" are identity escapes only
-- without the "u" flag (ECMA-262 Annex B).  Drafts before 2020-12 fall back
-- to that grammar where the Unicode one fails; 2020-12 refuses it.
SELECT v, jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#",
                                "pattern": "^\\/[^\\*\\?\\&\\%]*(\\/\\*)?$"}', to_jsonb(v)) AS krakend_d7
  FROM unnest(ARRAY['/', '/foo/bar', '/foo/*', '/a&b', '/a%b', '/a?b', '/a*b', 'foo', '/foo/*x']) v;
SELECT pg_temp.err('{"$schema": "https://json-schema.org/draft/2020-12/schema",
                     "pattern": "^\\/[^\\*\\?\\&\\%]*(\\/\\*)?$"}', '"/"') AS krakend_2020;
-- the same in draft 6, draft 4 and 2019-09, and in patternProperties
SELECT jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-06/schema#", "pattern": "^a\\&b$"}', '"a&b"') AS d6,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-04/schema#", "pattern": "^a\\%b$"}', '"a%b"') AS d4,
       jsonschema_is_valid('{"$schema": "https://json-schema.org/draft/2019-09/schema", "pattern": "^a\\&b$"}', '"a&b"') AS d2019,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "patternProperties": {"^x\\&": {"type": "integer"}},
                             "additionalProperties": false}', '{"x&1": 1}') AS pp_d7,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "patternProperties": {"^x\\&": {"type": "integer"}}}',
                           '{"x&1": "no"}') AS pp_d7_applies;
-- Annex B lone braces and "\c" before a non-letter; \p{..} keeps its Unicode
-- meaning in the fallback (here beside an identity escape)
SELECT jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "pattern": "^a{b}$"}', '"a{b}"') AS lone_braces,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "pattern": "^\\c1$"}', '"\\c1"') AS backslash_c,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "pattern": "^\\p{Lu}\\&$"}', '"É&"') AS prop_upper,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "pattern": "^\\p{Lu}\\&$"}', '"é&"') AS prop_lower;
-- a pattern valid with "u" keeps its Unicode meaning in draft 7 ("." is a code point)
SELECT jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "pattern": "^.$"}', '"💩"') AS astral_one_char;
-- what neither grammar accepts is still invalid, with the Unicode grammar's message
SELECT pg_temp.err('{"$schema": "http://json-schema.org/draft-07/schema#", "pattern": "a(b"}') AS unbalanced_d7;
-- the "regex" format stays the Unicode grammar in every draft (the suite's \a test)
SELECT jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "format": "regex"}', '"\\a"') AS regex_format_d7;

---------------------------------------------------------------- Unicode scripts in patterns
-- \p{Script=..}, \p{sc=..}, \p{Script_Extensions=..}, \p{scx=..} run exactly,
-- from tables generated from the Unicode Character Database with the
-- General_Category ones (src/jsonschema/ecma_unicode.h).  Expected answers
-- are node's RegExp with the u flag on the same pairs.
CREATE TEMP TABLE scripts (n int, p text, s text);
INSERT INTO scripts VALUES
  (1, '^\p{Script=Greek}+$', 'αβγ'),
  (2, '^\p{Script=Greek}+$', 'abc'),
  (3, '^\p{sc=Latn}+$', 'Nguyễn'),
  (4, '^\p{sc=Latn}+$', 'Ελλάδα'),
  (5, '^\p{Script=Latin}+$', 'Trần'),
  (6, '^[\p{sc=Latn}\s]+$', 'Phạm Văn Đồng'),
  (7, '^\P{sc=Latn}+$', '日本'),
  (8, '^\p{scx=Hira}$', 'ー'),                 -- U+30FC: Script Common, extensions Hira Kana
  (9, '^\p{sc=Hira}$', 'ー'),
  (10, '^\p{Script_Extensions=Deva}$', U&'\0951'),
  (11, '^\p{Script=Deva}$', U&'\0951'),
  (12, '^\p{sc=Zinh}$', U&'\0951'),             -- Inherited, by its short name
  (13, '^\p{sc=Qaai}$', U&'\0301'),             -- and by its other alias
  (14, '^\p{sc=Zyyy}$', '1'),
  (15, '^\p{Script=Unknown}$', U&'\0378'),
  (16, '^\p{sc=Cyrl}+$', 'Привет'),
  (17, '^[^\p{scx=Arab}]$', U&'\060C'),
  (18, '^\p{sc=Han}$', U&'\+020000'),
  (19, '^\p{sc=Kawi}$', U&'\+011F00');        -- new in Unicode 15.0
SELECT n, p, jsonschema_is_valid(jsonb_build_object('pattern', p), to_jsonb(s)) AS matches
  FROM scripts ORDER BY n;
-- in patternProperties, and as a value check of a Vietnamese name
SELECT jsonschema_is_valid('{"patternProperties": {"^\\p{sc=Grek}": {"type": "integer"}}}', '{"αλφα": "x"}') AS greek_key_checked,
       jsonschema_is_valid('{"properties": {"name": {"pattern": "^[\\p{sc=Latn} ]+$"}}}', '{"name": "Nguyễn Thị Minh Khai"}') AS vietnamese;
-- names are exact (case, no loose matching), as in ECMA-262: otherwise 22023
SELECT p, jsonschema_is_valid('{"format": "regex"}', to_jsonb(p)) AS format_regex,
       pg_temp.err(jsonb_build_object('pattern', p)) AS compiled
  FROM unnest(ARRAY['\p{Script=Klingon}', '\p{sc=greek}', '\p{scx=}', '\p{Script_Extensions}', '\p{Script}']) p;

---------------------------------------------------------------- unknown $schema
-- An implementation must refuse a schema whose metaschema it does not know:
-- 22023 in the two-argument forms, false in the one-argument form.
SELECT pg_temp.err('{"$schema": "invalid-uri", "type": "string"}', '"x"') AS invalid_uri;
SELECT pg_temp.err('{"$schema": "https://example.com/unknown-meta", "type": "string"}', '"x"') AS unknown_meta;
SELECT jsonschema_is_valid('{"$schema": "invalid-uri", "type": "string"}'::jsonb) AS one_arg_invalid_uri,
       jsonschema_is_valid('{"$schema": "https://example.com/unknown-meta"}'::jsonb) AS one_arg_unknown_meta,
       jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-07/schema"}'::jsonb) AS one_arg_known;
-- a registered metaschema is known: followed to its own $schema
SELECT register_schema('https://example.com/gaps-meta', '{"$schema": "https://json-schema.org/draft/2020-12/schema",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                  "https://json-schema.org/draft/2020-12/vocab/applicator": true,
                  "https://json-schema.org/draft/2020-12/vocab/validation": true},
  "$dynamicAnchor": "meta",
  "allOf": [{"$ref": "https://json-schema.org/draft/2020-12/meta/core"},
            {"$ref": "https://json-schema.org/draft/2020-12/meta/applicator"},
            {"$ref": "https://json-schema.org/draft/2020-12/meta/validation"}]}');
SELECT jsonschema_is_valid('{"$schema": "https://example.com/gaps-meta", "type": "string"}', '"x"') AS registered_meta_string,
       jsonschema_is_valid('{"$schema": "https://example.com/gaps-meta", "type": "string"}', '1') AS registered_meta_number,
       jsonschema_is_valid('{"$schema": "https://example.com/gaps-meta#", "type": "string"}'::jsonb) AS registered_meta_one_arg;
-- a registered document whose own $schema leads nowhere is refused the same
SELECT register_schema('https://example.com/gaps-meta-bad', '{"$schema": "https://json-schema.org/draft/2020-12/schema"}');
UPDATE schema_documents SET schema = '{"$schema": "https://example.com/nowhere"}'
 WHERE uri = 'https://example.com/gaps-meta-bad';
SELECT pg_temp.err('{"$schema": "https://example.com/gaps-meta-bad"}') AS chain_to_unknown;
-- in a registered document reached by $ref, the detail names the document
SELECT register_schema('https://example.com/gaps-doc2', '{"type": "string"}');
UPDATE schema_documents SET schema = '{"$schema": "invalid-uri"}' WHERE uri = 'https://example.com/gaps-doc2';
SELECT pg_temp.err('{"$ref": "https://example.com/gaps-doc2"}') AS in_registered_document;
-- register_schema and register_event_type refuse it too
DO $$
BEGIN
	PERFORM goodgo_events.register_schema('https://example.com/gaps-doc', '{"$schema": "invalid-uri"}');
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'register_schema: % (%)', SQLERRM, SQLSTATE;
END
$$;
DO $$
BEGIN
	PERFORM goodgo_events.register_event_type('gaps.unknown_meta', '{"$schema": "https://example.com/unknown-meta"}');
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'register_event_type: % (%)', SQLERRM, SQLSTATE;
END
$$;
-- the official metaschemas' URIs: with and without the empty fragment
SELECT jsonschema_is_valid('{"$schema": "http://json-schema.org/draft-04/schema#", "type": "string"}', '"x"') AS d4,
       jsonschema_is_valid('{"$schema": "https://json-schema.org/draft/2020-12/schema#", "type": "string"}', '"x"') AS d2020_hash;
DELETE FROM schema_documents WHERE uri LIKE 'https://example.com/gaps-%';
