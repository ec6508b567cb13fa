-- jsonb_text(jsonb) (src/jsonb_text.c): the same bytes as jsonb::text.
-- Every case shows the text and whether it equals the cast's, so a
-- difference fails here even where both print something plausible.
\set VERBOSITY terse

CREATE FUNCTION pg_temp.same(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT goodgo_events.jsonb_text(j) = j::text $$;

-- Containers, separators, top-level scalars of every type.
SELECT goodgo_events.jsonb_text(j) AS text, pg_temp.same(j)
  FROM (VALUES ('{}'::jsonb), ('[]'), ('{"a": {}}'), ('[[]]'), ('[{}, [], [[]], {"a": []}]'),
			   ('{"a": 1, "b": [1, 2, 3], "c": {"d": null, "e": true, "f": false}}'),
			   ('[1, "two", 3.0, null, true, false, {"k": "v"}]'),
			   ('null'), ('true'), ('false'), ('0'), ('-1.5'), ('""'), ('"top"'),
			   ('[null]'), ('{"": ""}'), ('{"": {"": {"": []}}}')) v(j);

-- NULL in, NULL out (STRICT), like the cast.
SELECT goodgo_events.jsonb_text(NULL) IS NULL AS null_is_null;

-- Keys in jsonb's stored order (shorter first, then bytes), and a duplicate
-- key keeps its last value.
SELECT goodgo_events.jsonb_text(j) AS text, pg_temp.same(j)
  FROM (VALUES ('{"bb": 1, "a": 2, "ab": 3, "b": 4, "": 5, "é": 6, "B": 7, "aaa": 8}'::jsonb),
			   ('{"a": 1, "a": 2}'), ('{"k": {"x": 1}, "k": [2]}'),
			   ('{"z": 1, "y": {"b": 1, "a": 2}, "x": [{"d": 1, "c": 2}]}')) v(j);

-- Every control byte 0x01..0x1f alone in a string, then as a key: \b \t \n
-- \f \r by name, the others as \u00xx in lower-case hex.
SELECT b, goodgo_events.jsonb_text(j) AS text, pg_temp.same(j),
	   pg_temp.same(jsonb_build_object(chr(b), chr(b))) AS same_as_key
  FROM generate_series(1, 31) b, to_jsonb(chr(b)) j
 ORDER BY b;

-- All of them in one string, and the printable bytes that are or are not
-- escaped: quote and backslash are; '/', DEL, non-ASCII and 4-byte UTF-8 are
-- copied as they are.
SELECT goodgo_events.jsonb_text(j) AS text, pg_temp.same(j)
  FROM (SELECT to_jsonb(string_agg(chr(b), '' ORDER BY b)) FROM generate_series(1, 31) b
		UNION ALL VALUES (to_jsonb('say "hi"'::text)), (to_jsonb('back\slash\\'::text)),
			   ('"a/b\/c"'), (to_jsonb(chr(127))), ('"é ñ ü ß"'), ('"日本語"'), ('"😀 𝄞 \ud83d\ude00"'),
			   ('"\"\\\b\f\n\r\t"'), ('"tab\there"'), (to_jsonb(E'\u00e9\n\u20ac"'::text)),
			   ('{"key \"q\"": "v\\"}')) v(j);

-- Strings of every length from 0 to 40 with an escape at every position,
-- and runs of escapes: the 8-byte scan meets the escape in each lane of a
-- word, at a word's end and in the tail.
SELECT count(*) AS strings, count(*) FILTER (WHERE pg_temp.same(j)) AS same
  FROM generate_series(0, 40) len, generate_series(0, 40) pos,
	   (VALUES ('"'), ('\'), (chr(1)), (chr(31)), (E'\n'), ('é'), ('😀')) e(c),
	   to_jsonb(repeat('x', pos) || e.c || repeat('y', len - pos)) j
 WHERE pos <= len;
SELECT count(*) AS strings, count(*) FILTER (WHERE pg_temp.same(j)) AS same
  FROM generate_series(0, 40) len, (VALUES ('"'), (chr(2)), ('a'), (E'\t')) e(c),
	   to_jsonb(repeat(e.c, len)) j;

-- Long strings: far beyond any chunk, and text six times the binary size
-- (the output buffer grows past its first size).
SELECT length(goodgo_events.jsonb_text(j)) AS len, pg_temp.same(j)
  FROM (VALUES (to_jsonb(repeat('abcdefghij', 100000))),
			   (to_jsonb(repeat(chr(1), 100000))),
			   (to_jsonb(repeat('ab"cd\e' || chr(10) || 'fé😀', 20000))),
			   (jsonb_build_object(repeat(chr(30), 5000), repeat('\', 5000))),
			   ((SELECT jsonb_agg(repeat(chr(1 + i % 31), i % 50)) FROM generate_series(1, 3000) i))) v(j);

-- A large value that is stored compressed and out of line (detoasted first).
CREATE TEMP TABLE big AS
SELECT (SELECT jsonb_object_agg('k' || i, repeat('v', i % 100) || chr(1 + i % 31)) FROM generate_series(1, 20000) i) AS j;
SELECT pg_column_size(j) < octet_length(j::text) / 4 AS compressed, pg_temp.same(j) FROM big;

-- Numbers, as numeric_out prints them.
SELECT n, goodgo_events.jsonb_text(j) AS text, pg_temp.same(j)
  FROM (VALUES ('0'), ('-0'), ('0.0'), ('-0.0'), ('0e10'), ('1.0'), ('1.50'), ('-1.50'), ('1E+2'),
			   ('1.5e-3'), ('2.50E3'), ('123456789012345678901234567890'),
			   ('-123456789012345678901234567890.0987654321'), ('0.000001'), ('0.00001'), ('0.0001'),
			   ('0.001'), ('0.9999'), ('1.0001'), ('9999'), ('10000'), ('10001'), ('99999999'),
			   ('100000000'), ('100000001'), ('12345.6789'), ('1234.56789'), ('0.12345'),
			   ('10000.00001'), ('-9999.9999'), ('1e-20'), ('1e20'), ('100'), ('1000'), ('7'),
			   ('-1'), ('-12'), ('-123'), ('-1234'), ('-9999'), ('10'), ('99'), ('-10000'),
			   ('9223372036854775807'), ('9223372036854775806'), ('9223372036854775808'),
			   ('-9223372036854775808'), ('-9223372036854775807'), ('-9223372036854775809'),
			   ('18446744073709551616'), ('2147483647'), ('-2147483648'), ('32767'), ('-32768'))
		v(n), LATERAL (SELECT n::jsonb) s(j);

-- Far beyond int64, in either direction: 401 digits, one line each.
SELECT n, goodgo_events.jsonb_text(j) AS text, pg_temp.same(j)
  FROM (VALUES ('1e400'), ('-1e-400')) v(n), LATERAL (SELECT n::jsonb) s(j) \gx

-- Numbers that come from SQL values, with their display scale.
SELECT goodgo_events.jsonb_text(j) AS text, pg_temp.same(j)
  FROM (VALUES (to_jsonb(1::numeric(20, 10))), (to_jsonb(round(1 / 3::numeric, 50))),
			   (to_jsonb(2::numeric / 3)), (to_jsonb((-32768)::int2)), (to_jsonb(2147483647)),
			   (to_jsonb((-9223372036854775808)::int8)), (to_jsonb(1.5::float8)), (to_jsonb(1e30::float8)),
			   (to_jsonb('NaN'::numeric)), (to_jsonb('-Infinity'::numeric)), (to_jsonb(0.1::float4)),
			   (to_jsonb(1000000::numeric * 1000000))) v(j);
-- 10^131071 with display scale 16, spelled out: power() gives it another
-- display scale from 17 on.
SELECT length(goodgo_events.jsonb_text(j)) AS len, pg_temp.same(j)
  FROM (SELECT ('1' || repeat('0', 131071) || '.' || repeat('0', 16))::numeric) b(big),
	   LATERAL (VALUES (to_jsonb(big)), (to_jsonb(round(power(10::numeric, -16000), 16383))),
			   (to_jsonb(-big + round(power(10::numeric, -16000), 16383)))) v(j);

-- Numbers from a table column (stored with a short varlena header).
CREATE TEMP TABLE nums (x numeric);
INSERT INTO nums VALUES (0), (-1.25), (12345678.000), (0.00000001), (99999999999999999999.99);
SELECT goodgo_events.jsonb_text(to_jsonb(x)) AS text, pg_temp.same(to_jsonb(x)),
	   pg_temp.same(jsonb_build_object('x', x, 'a', jsonb_build_array(x, x))) AS same_nested
  FROM nums ORDER BY x;

-- Deep nesting: 10,000 levels parse at the default max_stack_depth.
SELECT length(goodgo_events.jsonb_text(j)) AS len, pg_temp.same(j)
  FROM (VALUES ((repeat('[', 10000) || repeat(']', 10000))::jsonb),
			   ((repeat('{"a": [', 5000) || '1' || repeat(']}', 5000))::jsonb)) v(j);

-- 30,000 levels need a deeper stack to build; once stored, both the cast and
-- jsonb_text print them at the default limit (neither recurses).
SET max_stack_depth = '6MB';
CREATE TEMP TABLE deep AS SELECT (repeat('[', 30000) || '"x"' || repeat(']', 30000))::jsonb AS j;
RESET max_stack_depth;
SELECT length(goodgo_events.jsonb_text(j)) AS len, pg_temp.same(j) FROM deep;

-- A million levels: the input itself fails, for the cast and for jsonb_text
-- alike, with the stack depth error (no crash).
SELECT (repeat('[', 1000000) || repeat(']', 1000000))::jsonb::text IS NULL;
SELECT goodgo_events.jsonb_text((repeat('[', 1000000) || repeat(']', 1000000))::jsonb) IS NULL;

-- A realistic envelope, and jsonb_text over a column.
SELECT goodgo_events.jsonb_text(j) AS text, pg_temp.same(j)
  FROM (VALUES (jsonb_build_object('schemaVersion', 1, 'eventId', '0190a6e4-6c1d-7a3e-9f2b-3c4d5e6f7a8b',
			   'eventType', 'payment.completed', 'occurredAt', '2026-01-02T03:04:05.678Z', 'producer', 'api',
			   'traceId', repeat('ab', 16), 'payload', jsonb_build_object('paymentId', 'pay_1',
			   'amount', jsonb_build_object('value', 1999, 'currency', 'EUR'), 'items',
			   jsonb_build_array(jsonb_build_object('sku', 'SKU-1', 'qty', 1, 'price', 9.99)))))) v(j);
SELECT count(*) AS rows, count(*) FILTER (WHERE pg_temp.same(j)) AS same
  FROM (SELECT jsonb_build_object('i', i, 'f', i / 7.0, 's', repeat(chr(1 + i % 126), i % 20),
			   'a', jsonb_build_array(i, -i, i * 1e-5, i::text)) AS j
		  FROM generate_series(1, 5000) i) s;

-- The function's labels.
SELECT provolatile, proisstrict, proparallel, prorettype::regtype
  FROM pg_proc WHERE oid = 'goodgo_events.jsonb_text(jsonb)'::regprocedure;
