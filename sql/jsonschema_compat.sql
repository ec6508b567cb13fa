-- Contract evolution: goodgo_events.jsonschema_compatibility (issue 16).
-- Every pair is checked BACKWARD, FORWARD and FULL under STRICT and LENIENT.
-- A verdict is "ok" (proven compatible) or the findings' rules, each marked
-- "!" when refuted with a witness or "?" when the checker cannot prove it.
-- Every witness is then checked both ways with the validator: valid under the
-- writer, invalid under the reader (the LENIENT reader view drops every
-- additionalProperties/unevaluatedProperties false).
SET search_path = goodgo_events, public;
SET goodgo_events.json_schema_format_assertion = on;

CREATE FUNCTION pg_temp.open_view(s jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE jsonb_typeof(s)
		WHEN 'object' THEN (
			SELECT coalesce(jsonb_object_agg(k, CASE WHEN k IN ('enum', 'const', 'default', 'examples') THEN v
				WHEN k IN ('properties', '$defs', 'definitions', 'patternProperties', 'dependentSchemas') AND jsonb_typeof(v) = 'object'
					THEN (SELECT coalesce(jsonb_object_agg(k2, pg_temp.open_view(v2)), '{}') FROM jsonb_each(v) x(k2, v2))
				ELSE pg_temp.open_view(v) END), '{}')
			  FROM jsonb_each(s) e(k, v)
			 WHERE NOT (k IN ('additionalProperties', 'unevaluatedProperties') AND v = 'false'))
		WHEN 'array' THEN (SELECT coalesce(jsonb_agg(pg_temp.open_view(e) ORDER BY i), '[]')
			FROM jsonb_array_elements(s) WITH ORDINALITY a(e, i))
		ELSE s END
$$;

CREATE FUNCTION pg_temp.verdict(old jsonb, new jsonb, mode text, policy text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN (r->>'compatible')::boolean THEN 'ok'
		ELSE (SELECT string_agg(f->>'rule' || CASE WHEN f ? 'witness' THEN '!' WHEN f->>'effect' = 'unknown' THEN '?' ELSE '' END, ' '
			ORDER BY i) FROM jsonb_array_elements(r->'findings') WITH ORDINALITY x(f, i)) END
	  FROM (SELECT jsonschema_compatibility(old, new, mode, policy) r) s
$$;

CREATE TEMP TABLE pairs (id text PRIMARY KEY, old jsonb NOT NULL, new jsonb NOT NULL);

-- research/schema-evolution.md 5.7, the ten cases
INSERT INTO pairs VALUES
('57.1 open object gains optional note',
 '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["id"]}'),
('57.2 closed object gains optional note',
 '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["id"],"additionalProperties":false}'),
('57.3 new required property with a default',
 '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"},"currency":{"type":"string","default":"VND"}},"required":["id","currency"],"additionalProperties":false}'),
('57.4 amount no longer required',
 '{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"}},"required":["id","amount"],"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"}},"required":["id"],"additionalProperties":false}'),
('57.5 enum gains paypal',
 '{"type":"string","enum":["stripe","adyen"]}', '{"type":"string","enum":["stripe","adyen","paypal"]}'),
('57.6 integer to number',
 '{"type":"integer","minimum":0}', '{"type":"number","minimum":0}'),
('57.7 format uuid added',
 '{"type":"string"}', '{"type":"string","format":"uuid"}'),
('57.8 oneOf gains an overlapping branch',
 '{"oneOf":[{"type":"string"},{"type":"integer"}]}', '{"oneOf":[{"type":"string"},{"type":"integer"},{"type":"number"}]}'),
('57.8b anyOf gains a branch',
 '{"anyOf":[{"type":"string"},{"type":"integer"}]}', '{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"number"}]}'),
('57.9 payer moved to $defs, description added',
 '{"type":"object","properties":{"payer":{"type":"object","properties":{"country":{"type":"string","pattern":"^[A-Z]{2}$"}},"required":["country"],"additionalProperties":false}},"required":["payer"],"additionalProperties":false}',
 '{"type":"object","description":"a payment","properties":{"payer":{"$ref":"#/$defs/Payer"}},"required":["payer"],"additionalProperties":false,"$defs":{"Payer":{"type":"object","properties":{"country":{"type":"string","pattern":"^[A-Z]{2}$"}},"required":["country"],"additionalProperties":false}}}'),
('57.10a v2 to v3: note comes back as integer',
 '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"integer"}},"required":["id"],"additionalProperties":false}'),
('57.10b v1 to v3: note string then integer',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["id"],"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"integer"}},"required":["id"],"additionalProperties":false}');

-- rule catalogue, 5.6
INSERT INTO pairs VALUES
('M1 annotations only',
 '{"type":"string","title":"a","description":"x","examples":["q"],"default":"d","deprecated":false,"$comment":"c"}',
 '{"type":"string","title":"b","description":"y","examples":["r"],"default":"e","deprecated":true,"readOnly":true}'),
('M1 unknown keyword unchanged',
 '{"type":"string","x-owner":"payments"}', '{"type":"string","x-owner":"payments","description":"d"}'),
('G3 unknown keyword changed',
 '{"type":"string","x-owner":"payments"}', '{"type":"string","x-owner":"billing"}'),
('M2 $ref to the same target under another name',
 '{"properties":{"a":{"$ref":"#/$defs/A"}},"$defs":{"A":{"type":"integer"}}}',
 '{"properties":{"a":{"$ref":"#/$defs/Amount"}},"$defs":{"Amount":{"type":"integer"}}}'),
('M2 anchor instead of pointer',
 '{"properties":{"a":{"$ref":"#/$defs/A"}},"$defs":{"A":{"type":"integer"}}}',
 '{"properties":{"a":{"$ref":"#amount"}},"$defs":{"A":{"$anchor":"amount","type":"integer"}}}'),
('M3 draft-07 to 2020-12, same meaning',
 '{"$schema":"http://json-schema.org/draft-07/schema#","type":"array","items":[{"type":"string"}],"additionalItems":false}',
 '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"}],"items":false}'),
('V1 type gains null', '{"type":"string"}', '{"type":["string","null"]}'),
('V2 number to integer', '{"type":"number"}', '{"type":"integer"}'),
('V3 string to integer', '{"type":"string"}', '{"type":"integer"}'),
('V4 const to enum containing it', '{"const":"a"}', '{"enum":["a","b"]}'),
('V4 enum removed', '{"type":"string","enum":["a","b"]}', '{"type":"string"}'),
('V6 enum gains and loses', '{"enum":["a","b"]}', '{"enum":["b","c"]}'),
('S1 minLength lowered, maxLength raised', '{"type":"string","minLength":3,"maxLength":5}', '{"type":"string","minLength":1,"maxLength":9}'),
('S2 maxLength added', '{"type":"string"}', '{"type":"string","maxLength":3}'),
('S3 pattern removed', '{"type":"string","pattern":"^[a-z]+$"}', '{"type":"string"}'),
('S3 pattern changed', '{"type":"string","pattern":"^[a-z]+$"}', '{"type":"string","pattern":"^[a-z0-9]+$"}'),
('S4 format changed', '{"type":"string","format":"date"}', '{"type":"string","format":"date-time"}'),
('N1 minimum lowered', '{"type":"integer","minimum":5}', '{"type":"integer","minimum":1}'),
('N2 exclusiveMaximum added', '{"type":"number","maximum":10}', '{"type":"number","exclusiveMaximum":10}'),
('N exact decimals', '{"type":"number","maximum":0.3}', '{"type":"number","maximum":0.30000000000000004}'),
('N integer exclusive bound is inclusive bound', '{"type":"integer","exclusiveMinimum":0}', '{"type":"integer","minimum":1}'),
('N3 multipleOf 0.02 to 0.01', '{"type":"number","multipleOf":0.02}', '{"type":"number","multipleOf":0.01}'),
('N3 multipleOf 2 to 3', '{"type":"integer","multipleOf":2}', '{"type":"integer","multipleOf":3}'),
('N small integer range against an enum', '{"type":"integer","minimum":1,"maximum":3}', '{"enum":[1,2,3,4]}'),
('O1 optional added to a partially open object (A in P)',
 '{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":{"type":"string"}}',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":["string","null"]}},"additionalProperties":{"type":"string"}}'),
('O2 optional removed, new open',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}}}',
 '{"type":"object","properties":{"id":{"type":"string"}}}'),
('O2 optional removed, new closed',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false}'),
('O3 existing property becomes required',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["note"],"additionalProperties":false}'),
('O5 new required property, old open',
 '{"type":"object","properties":{"id":{"type":"string"}}}',
 '{"type":"object","properties":{"id":{"type":"string"},"zip":{"type":"string"}},"required":["zip"]}'),
('O6 required property removed, new closed',
 '{"type":"object","properties":{"id":{"type":"string"},"zip":{"type":"string"}},"required":["id","zip"],"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}'),
('O7 nested property widened',
 '{"type":"object","properties":{"amount":{"type":"object","properties":{"value":{"type":"integer"}},"required":["value"],"additionalProperties":false}},"required":["amount"],"additionalProperties":false}',
 '{"type":"object","properties":{"amount":{"type":"object","properties":{"value":{"type":"number"}},"required":["value"],"additionalProperties":false}},"required":["amount"],"additionalProperties":false}'),
('O8 additionalProperties false to true',
 '{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":true}'),
('O8 additionalProperties schema widened',
 '{"type":"object","additionalProperties":{"type":"integer"}}', '{"type":"object","additionalProperties":{"type":"number"}}'),
('O9 patternProperties same pattern, widened',
 '{"type":"object","patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false}',
 '{"type":"object","patternProperties":{"^x-":{"type":"number"}},"additionalProperties":false}'),
('O9 patternProperties pattern changed',
 '{"type":"object","patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false}',
 '{"type":"object","patternProperties":{"^y-":{"type":"integer"}},"additionalProperties":false}'),
('O10 maxProperties lowered', '{"type":"object","maxProperties":5}', '{"type":"object","maxProperties":2}'),
('O11 dependentRequired added',
 '{"type":"object","properties":{"card":{"type":"string"},"cvv":{"type":"string"}}}',
 '{"type":"object","properties":{"card":{"type":"string"},"cvv":{"type":"string"}},"dependentRequired":{"card":["cvv"]}}'),
('O12 propertyNames added', '{"type":"object"}', '{"type":"object","propertyNames":{"maxLength":3}}'),
('A1 items widened', '{"type":"array","items":{"type":"integer"}}', '{"type":"array","items":{"type":"number"}}'),
('A1 items added', '{"type":"array"}', '{"type":"array","items":{"type":"string"}}'),
('A2 prefixItems position appended',
 '{"type":"array","prefixItems":[{"type":"string"}],"items":false}',
 '{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}'),
('A3 uniqueItems added', '{"type":"array","items":{"type":"integer"}}', '{"type":"array","items":{"type":"integer"},"uniqueItems":true}'),
('A3 maxItems raised', '{"type":"array","maxItems":2}', '{"type":"array","maxItems":4}'),
('A4 contains added', '{"type":"array"}', '{"type":"array","contains":{"type":"string"}}'),
('C1 allOf conjunct added', '{"allOf":[{"type":"object"}]}', '{"allOf":[{"type":"object"},{"required":["id"]}]}'),
('C2 anyOf branch removed', '{"anyOf":[{"type":"string"},{"type":"null"}]}', '{"anyOf":[{"type":"string"}]}'),
('C3 oneOf gains a disjoint branch', '{"oneOf":[{"type":"string"},{"type":"integer"}]}', '{"oneOf":[{"type":"string"},{"type":"integer"},{"type":"boolean"}]}'),
('C3 oneOf with a discriminator gains a branch',
 '{"oneOf":[{"type":"object","properties":{"kind":{"const":"card"},"last4":{"type":"string"}},"required":["kind","last4"]},{"type":"object","properties":{"kind":{"const":"bank"},"iban":{"type":"string"}},"required":["kind","iban"]}]}',
 '{"oneOf":[{"type":"object","properties":{"kind":{"const":"card"},"last4":{"type":"string"}},"required":["kind","last4"]},{"type":"object","properties":{"kind":{"const":"bank"},"iban":{"type":"string"}},"required":["kind","iban"]},{"type":"object","properties":{"kind":{"const":"wallet"}},"required":["kind"]}]}'),
('C3 oneOf branch widened, sibling unchanged (overlapping types)',
 '{"oneOf":[{"type":"string","maxLength":3},{"type":"string","minLength":5}]}',
 '{"oneOf":[{"type":"string","maxLength":4},{"type":"string","minLength":5}]}'),
('C4 oneOf to anyOf', '{"oneOf":[{"type":"string"},{"minLength":3}]}', '{"anyOf":[{"type":"string"},{"minLength":3}]}'),
('C4 single-branch wrap', '{"type":"string","maxLength":4}', '{"anyOf":[{"type":"string","maxLength":4}]}'),
('C5 not widened', '{"not":{"type":"string"}}', '{"not":{"type":["string","null"]}}'),
('C6 if unchanged, then widened',
 '{"type":"object","if":{"properties":{"kind":{"const":"card"}},"required":["kind"]},"then":{"required":["last4"]}}',
 '{"type":"object","if":{"properties":{"kind":{"const":"card"}},"required":["kind"]},"then":{}}'),
('R1 self-referencing payer.referrer, unchanged',
 '{"$defs":{"Payer":{"type":"object","properties":{"name":{"type":"string"},"referrer":{"$ref":"#/$defs/Payer"}},"additionalProperties":false}},"$ref":"#/$defs/Payer"}',
 '{"$defs":{"P":{"type":"object","properties":{"name":{"type":"string"},"referrer":{"$ref":"#/$defs/P"}},"additionalProperties":false}},"$ref":"#/$defs/P"}'),
('R1 self-referencing payer.referrer, name narrowed',
 '{"$defs":{"Payer":{"type":"object","properties":{"name":{"type":"string"},"referrer":{"$ref":"#/$defs/Payer"}},"additionalProperties":false}},"$ref":"#/$defs/Payer"}',
 '{"$defs":{"Payer":{"type":"object","properties":{"name":{"type":"string","maxLength":10},"referrer":{"$ref":"#/$defs/Payer"}},"additionalProperties":false}},"$ref":"#/$defs/Payer"}'),
('R1 $dynamicRef',
 '{"$dynamicAnchor":"node","type":"object","properties":{"child":{"$dynamicRef":"#node"}}}',
 '{"$dynamicAnchor":"node","type":"object","properties":{"child":{"$dynamicRef":"#node"}}}'),
('B true to {}', 'true', '{}'),
('B false to a string', 'false', '{"type":"string"}'),
('B anything to false', '{"type":"string"}', 'false');

-- LENIENT policy (closed objects): required properties keep their direction
INSERT INTO pairs VALUES
('L3 required property added (closed)',
 '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"},"zip":{"type":"string"}},"required":["id","zip"],"additionalProperties":false}'),
('L4 required property removed entirely (closed)',
 '{"type":"object","properties":{"id":{"type":"string"},"zip":{"type":"string"}},"required":["id","zip"],"additionalProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}'),
('L oneOf with a closed branch, unchanged: the reader view matches both branches',
 '{"type":"object","properties":{"kind":{"oneOf":[{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false},true]}}}',
 '{"type":"object","properties":{"kind":{"oneOf":[{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false},true]}}}'),
('L unevaluatedProperties false, optional added',
 '{"type":"object","properties":{"id":{"type":"string"}},"unevaluatedProperties":false}',
 '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"unevaluatedProperties":false}');

-- the budget: 2^8 alternatives end in "cannot prove", quickly
INSERT INTO pairs
SELECT 'R1 anyOf explosion', s, s
  FROM (SELECT jsonb_build_object('allOf', jsonb_agg(jsonb_build_object('anyOf',
			jsonb_build_array(jsonb_build_object('minimum', g), jsonb_build_object('maximum', g))))) s
		  FROM generate_series(1, 8) g) x;

SELECT count(*) >= 60 AS at_least_60_pairs FROM pairs;

SELECT id, policy,
       pg_temp.verdict(old, new, 'BACKWARD', policy) AS backward,
       pg_temp.verdict(old, new, 'FORWARD', policy) AS forward,
       pg_temp.verdict(old, new, 'FULL', policy) AS full
  FROM pairs, (VALUES ('STRICT'), ('LENIENT')) p(policy)
 ORDER BY id COLLATE "C", policy DESC;

-- FULL is exactly BACKWARD and FORWARD; an identical pair is always compatible
SELECT count(*) AS full_disagrees
  FROM pairs, (VALUES ('STRICT'), ('LENIENT')) p(policy)
 WHERE (jsonschema_compatibility(old, new, 'FULL', policy)->>'compatible')::boolean IS DISTINCT FROM
       ((jsonschema_compatibility(old, new, 'BACKWARD', policy)->>'compatible')::boolean AND
        (jsonschema_compatibility(old, new, 'FORWARD', policy)->>'compatible')::boolean);
SELECT id FROM pairs
 WHERE NOT (jsonschema_compatibility(old, old, 'FULL')->>'compatible')::boolean
    OR NOT (jsonschema_compatibility(new, new, 'FULL', 'LENIENT')->>'compatible')::boolean
 ORDER BY id COLLATE "C";
-- (under LENIENT a schema need not be compatible with itself: opening a closed oneOf
-- branch lets an object match two branches, which the reader then rejects)
SELECT jsonschema_is_valid(s, '{"kind": {"b": 1}}') AS writer_accepts,
       jsonschema_is_valid(pg_temp.open_view(s), '{"kind": {"b": 1}}') AS reader_view_accepts
  FROM pairs, LATERAL (SELECT old AS s) x WHERE id ~ '^L oneOf';

-- every witness, both ways: the writer accepts it, the reader rejects it
CREATE TEMP TABLE witnesses AS
SELECT id, policy, mode, f->>'rule' AS rule, f->'witness' AS witness,
       CASE mode WHEN 'FORWARD' THEN new ELSE old END AS writer,
       CASE WHEN mode = 'FORWARD' THEN old ELSE new END AS reader
  FROM pairs, (VALUES ('STRICT'), ('LENIENT')) p(policy), (VALUES ('BACKWARD'), ('FORWARD')) m(mode),
       jsonb_array_elements(jsonschema_compatibility(old, new, mode, policy)->'findings') f
 WHERE f ? 'witness';
SELECT count(*) AS witnesses,
       count(*) FILTER (WHERE jsonschema_is_valid(writer, witness)) AS writer_accepts,
       count(*) FILTER (WHERE NOT jsonschema_is_valid(CASE policy WHEN 'LENIENT' THEN pg_temp.open_view(reader) ELSE reader END, witness)) AS reader_rejects
  FROM witnesses;
-- the witnesses of the research cases and of some rules
SELECT id, policy, mode, rule, witness FROM witnesses
 WHERE id ~ '^(57|S4|N exact|O3|O5|O8 additionalProperties false|R1 self|A3 unique|G3)' ORDER BY id COLLATE "C", 2 DESC, 3, 4;

-- a whole result: rule, effect, paths in old and new, message, witness
SELECT jsonb_pretty(jsonschema_compatibility(
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"}},"required":["id","amount"],"additionalProperties":false}',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"string"}},"required":["id","amount"],"additionalProperties":false}',
	'FULL'));
-- unknown findings say "cannot prove" and carry no witness
SELECT f->>'rule' AS rule, f->>'effect' AS effect, f ? 'witness' AS has_witness, f->>'message' AS message
  FROM jsonb_array_elements(jsonschema_compatibility('{"type":"string","pattern":"^[a-z]+$"}', '{"type":"string","pattern":"^[a-z0-9]+$"}', 'BACKWARD')->'findings') f;
-- a pattern edit refuted by a candidate value is a refutation, with its witness
SELECT f->>'rule' AS rule, f->>'effect' AS effect, f->'witness' AS witness
  FROM jsonb_array_elements(jsonschema_compatibility('{"type":"string","pattern":"^a"}', '{"type":"string","pattern":"^b"}', 'BACKWARD')->'findings') f;

-- shared documents are reached through the resolver, as the validator does
SELECT register_schema('https://schemas.example/compat-money.json',
	'{"$defs":{"money":{"type":"integer","minimum":0}}}');
SELECT pg_temp.verdict('{"$ref":"https://schemas.example/compat-money.json#/$defs/money"}',
                       '{"type":"number","minimum":0}', 'BACKWARD', 'STRICT') AS via_shared_backward,
       pg_temp.verdict('{"$ref":"https://schemas.example/compat-money.json#/$defs/money"}',
                       '{"type":"number","minimum":0}', 'FORWARD', 'STRICT') AS via_shared_forward;

-- the bundled schemas: each against itself, FULL, both policies, and the time it takes
SELECT b.name, pg_temp.verdict(b.schema, b.schema, 'FULL', 'STRICT') AS strict,
       pg_temp.verdict(b.schema, b.schema, 'FULL', 'LENIENT') AS lenient
  FROM bundled_schemas b ORDER BY 1;

-- errors: an unknown mode or policy, an invalid schema, NULL in NULL out
SELECT jsonschema_compatibility('{}', '{}', 'SIDEWAYS');
SELECT jsonschema_compatibility('{}', '{}', 'FULL', 'LOOSE');
SELECT jsonschema_compatibility('{"type":"strin"}', '{}', 'FULL');
SELECT jsonschema_compatibility('{}', '{}', NULL) IS NULL AS null_mode;
SELECT jsonschema_compatibility('{"type":"string"}', '{"type":"integer"}', 'none') AS none_mode;

-- a huge enum is not run value by value (it was 20 s): within a statement timeout
SET statement_timeout = '5s';
SELECT pg_temp.verdict('{"enum":[1]}', jsonb_build_object('enum', jsonb_agg(g)), 'FULL', 'STRICT') AS one_of_many,
       pg_temp.verdict(jsonb_build_object('enum', jsonb_agg(g)), jsonb_build_object('enum', jsonb_agg(g) || '[0]'), 'BACKWARD', 'STRICT') AS many_in_more
  FROM generate_series(1, 20000) g;
RESET statement_timeout;
