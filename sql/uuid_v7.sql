-- uuid_v7 family: RFC 9562 version 7 UUIDs.
-- Output is deterministic: generated values are never printed, only their
-- properties; the clock is moved with the internal test GUCs
-- goodgo_events.uuid_v7_test_clock_offset / _fixed.
SET search_path = public, goodgo_events;
SET TimeZone = 'UTC';

-- Catalog: volatility, strictness, parallel labels, comments.
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict,
       p.proparallel, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p
 WHERE p.pronamespace = 'goodgo_events'::regnamespace
   AND p.proname LIKE 'uuid_v7%'
 ORDER BY p.oid::regprocedure::text COLLATE "C";

-- The test clock GUCs (defined when the library loads) are internal:
-- hidden from SHOW ALL and pg_settings, superuser only (tested at the end).
SELECT uuid_v7_floor('2000-01-01+00') IS NOT NULL AS library_loaded;
SHOW goodgo_events.uuid_v7_test_clock_offset;
SHOW goodgo_events.uuid_v7_test_clock_fixed;
SELECT count(*) AS shown_in_show_all
  FROM pg_show_all_settings() WHERE name LIKE 'goodgo_events.uuid_v7_test%';
SELECT name, context FROM pg_settings
 WHERE name LIKE 'goodgo_events.uuid_v7_test%' ORDER BY name COLLATE "C";

---------------------------------------------------------------------------
-- RFC 9562 Appendix A.6.
---------------------------------------------------------------------------
-- The example value decodes to 2022-02-22 19:22:22 UTC (ms precision).
SELECT uuid_v7_time('017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
SELECT uuid_v7_time('017F22E2-79B0-7CC3-98C4-DC0C0C07398F')
     = '2022-02-22 14:22:22-05'::timestamptz AS same_instant_as_rfc_text;
-- With the clock stopped at that instant plus 0xCC3/4096 ms, the generator
-- reproduces the example's 48-bit time, version and 12-bit rand_a exactly.
SET goodgo_events.uuid_v7_test_clock_fixed = on;
SET goodgo_events.uuid_v7_test_clock_offset = '1645557742000.797607421875';
SELECT substr(u::text, 1, 18) AS time_ver_rand_a,
       substr(u::text, 20, 1) IN ('8', '9', 'a', 'b') AS variant_10
  FROM (SELECT uuid_v7() AS u) s;
RESET goodgo_events.uuid_v7_test_clock_fixed;
RESET goodgo_events.uuid_v7_test_clock_offset;
-- The floor of that millisecond: every field but time, version and variant zero.
SELECT uuid_v7_floor('2022-02-22 19:22:22+00');
-- uuid_v7(ts) puts the sub-millisecond part in rand_a: 500 us = 0x800/4096 ms.
SELECT substr(uuid_v7('2022-02-22 19:22:22.0005+00')::text, 1, 18) AS half_ms;
SELECT substr(uuid_v7('2022-02-22 19:22:22.000999+00')::text, 1, 18) AS ms_999_us;

---------------------------------------------------------------------------
-- Version and variant bits, randomness of rand_b (100,000 values).
---------------------------------------------------------------------------
CREATE TEMP TABLE bits AS
  SELECT uuid_v7() AS u FROM generate_series(1, 100000);
SELECT count(*) AS n,
       count(*) FILTER (WHERE substr(u::text, 15, 1) <> '7') AS bad_version,
       count(*) FILTER (WHERE substr(u::text, 20, 1) NOT IN ('8', '9', 'a', 'b')) AS bad_variant,
       count(*) FILTER (WHERE get_byte(uuid_send(u), 6) >> 4 <> 7) AS bad_version_byte,
       count(*) FILTER (WHERE get_byte(uuid_send(u), 8) >> 6 <> 2) AS bad_variant_byte,
       count(DISTINCT substr(u::text, 20)) AS distinct_rand_b
  FROM bits;
-- Each of the 62 rand_b bits is set in 48-52% of the values (a fair bit
-- misses that band with probability about 1e-30).  get_bit() counts from
-- the least significant bit of each byte: bits 70 and 71 are the variant.
SELECT count(*) FILTER (WHERE b NOT IN (70, 71)) AS rand_b_bits,
       count(*) FILTER (WHERE b NOT IN (70, 71)
                          AND share NOT BETWEEN 0.48 AND 0.52) AS biased_bits,
       bool_and(share = 0) FILTER (WHERE b = 70) AS variant_bit_70_always_0,
       bool_and(share = 1) FILTER (WHERE b = 71) AS variant_bit_71_always_1
  FROM (SELECT b, avg(get_bit(uuid_send(u), b)) AS share
          FROM bits, generate_series(64, 127) b
         GROUP BY b) s;
-- Text order is byte order (RFC 9562 section 6.11) and text round-trips.
SELECT count(*) FILTER (WHERE by_value <> by_text) AS order_mismatches,
       count(*) FILTER (WHERE u::text::uuid <> u) AS text_round_trip_failures
  FROM (SELECT u, row_number() OVER (ORDER BY u) AS by_value,
               row_number() OVER (ORDER BY u::text COLLATE "C") AS by_text
          FROM bits) s;
DROP TABLE bits;

-- VOLATILE: one call per row.
SELECT count(DISTINCT u) AS distinct_of_3
  FROM (SELECT uuid_v7() AS u FROM generate_series(1, 3)) s;
SELECT count(DISTINCT u) AS distinct_of_3_at_one_instant
  FROM (SELECT uuid_v7('2024-01-01 00:00:00+00') AS u FROM generate_series(1, 3)) s;

---------------------------------------------------------------------------
-- Embedded time against the clock (fresh session: no earlier burst has put
-- the generator ahead of the clock).
---------------------------------------------------------------------------
\c
SET search_path = public, goodgo_events;
SET TimeZone = 'UTC';
DO $$
DECLARE
	t0 timestamptz;
	t1 timestamptz;
	u uuid;
	early int := 0;
	late int := 0;
BEGIN
	FOR i IN 1 .. 20000 LOOP
		t0 := clock_timestamp();
		u := goodgo_events.uuid_v7();
		t1 := clock_timestamp();
		IF goodgo_events.uuid_v7_time(u) < date_trunc('milliseconds', t0) THEN
			early := early + 1;
		END IF;
		IF goodgo_events.uuid_v7_time(u) > t1 THEN
			late := late + 1;
		END IF;
	END LOOP;
	RAISE NOTICE 'embedded time before the ms of the call: %, after the call: %', early, late;
END
$$;
SELECT abs(extract(epoch FROM uuid_v7_time(uuid_v7()) - clock_timestamp())) < 0.001
       AS within_a_ms;
-- The embedded time does not depend on the session's time zone.
CREATE TEMP TABLE one AS SELECT uuid_v7() AS u;
SELECT uuid_v7_time(u) AS t_utc FROM one \gset
SET TimeZone = 'Asia/Tokyo';
SELECT uuid_v7_time(u) = :'t_utc'::timestamptz AS same_instant_in_tokyo FROM one;
SET TimeZone = 'UTC';
DROP TABLE one;

---------------------------------------------------------------------------
-- Strictly increasing: 1,000,000 values from one statement.
---------------------------------------------------------------------------
SELECT count(*) AS n,
       count(*) FILTER (WHERE u <= prev) AS not_increasing,
       count(DISTINCT u) AS distinct_values
  FROM (SELECT u, lag(u) OVER (ORDER BY i) AS prev
          FROM (SELECT i, uuid_v7() AS u FROM generate_series(1, 1000000) i) g) s;

-- ... and across statements, transactions and rolled-back subtransactions.
CREATE TEMP TABLE seq (n bigserial PRIMARY KEY, id uuid NOT NULL DEFAULT uuid_v7());
DO $$
BEGIN
	FOR i IN 1 .. 2000 LOOP
		BEGIN
			INSERT INTO seq DEFAULT VALUES;
			IF i % 7 = 0 THEN
				RAISE EXCEPTION 'roll back';
			END IF;
		EXCEPTION WHEN raise_exception THEN
			NULL;
		END;
	END LOOP;
END
$$;
INSERT INTO seq DEFAULT VALUES;
INSERT INTO seq DEFAULT VALUES;
SELECT count(*) AS n,
       count(*) FILTER (WHERE by_n <> by_id) AS order_mismatches
  FROM (SELECT row_number() OVER (ORDER BY n) AS by_n,
               row_number() OVER (ORDER BY id) AS by_id FROM seq) s;
DROP TABLE seq;

-- A parallel plan keeps the order: PARALLEL RESTRICTED puts every call in
-- the leader, above the Gather.
-- Where a plan computes uuid_v7: the deepest node whose output mentions it
-- (the nodes above only pass the value on), whether that node runs in the
-- workers (under a Gather) or in the leader, and the workers planned.  Read
-- from EXPLAIN's JSON, so that the answer does not depend on how a major
-- labels windows or where it sorts an aggregate's input.
CREATE FUNCTION pg_temp.uuid_v7_node(q text, OUT node text, OUT in_workers boolean,
									 OUT workers_planned integer)
LANGUAGE plpgsql AS $$
DECLARE
	plan jsonb;
BEGIN
	EXECUTE 'EXPLAIN (COSTS OFF, VERBOSE, FORMAT JSON) ' || q INTO plan;
	WITH RECURSIVE n(depth, p, under_gather) AS (
		SELECT 0, plan->0->'Plan', false
		UNION ALL
		SELECT n.depth + 1, c, n.under_gather OR n.p->>'Node Type' IN ('Gather', 'Gather Merge')
		  FROM n, jsonb_array_elements(n.p->'Plans') c)
	SELECT CASE WHEN (n.p->>'Parallel Aware')::boolean THEN 'Parallel ' ELSE '' END
		   || (n.p->>'Node Type'),
		   n.under_gather,
		   (SELECT max((g.p->>'Workers Planned')::integer) FROM n g)
	  INTO node, in_workers, workers_planned
	  FROM n
	 WHERE EXISTS (SELECT FROM jsonb_array_elements_text(n.p->'Output') o
					WHERE o LIKE '%uuid_v7(%')
	 ORDER BY n.depth DESC LIMIT 1;
END $$;
CREATE TABLE par AS SELECT g AS n FROM generate_series(1, 100000) g;
ANALYZE par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT * FROM pg_temp.uuid_v7_node(
  'SELECT u, lag(u) OVER () FROM (SELECT n, uuid_v7() AS u FROM par WHERE n > 0) g');
SELECT count(*) AS n, count(*) FILTER (WHERE u <= prev) AS not_increasing
  FROM (SELECT u, lag(u) OVER () AS prev
          FROM (SELECT n, uuid_v7() AS u FROM par WHERE n > 0) g) s;
-- uuid_v7(ts) is PARALLEL SAFE and runs in the workers; each process draws
-- its own random bytes, so no rand_b repeats across them.
SELECT * FROM pg_temp.uuid_v7_node($q$SELECT count(DISTINCT substr(u::text, 20)) FROM
  (SELECT uuid_v7('2024-01-01 00:00:00+00') AS u FROM par WHERE n > 0) g$q$);
SELECT count(*) AS n, count(DISTINCT substr(u::text, 20)) AS distinct_rand_b
  FROM (SELECT uuid_v7('2024-01-01 00:00:00+00') AS u FROM par WHERE n > 0) g;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE par;

---------------------------------------------------------------------------
-- The clock steps back 10 s: values keep increasing, the embedded time
-- holds at the last value's and creeps 1/4096 ms per value.
---------------------------------------------------------------------------
CREATE TEMP TABLE back (n serial PRIMARY KEY, phase text NOT NULL, u uuid NOT NULL);
INSERT INTO back (phase, u) VALUES ('before', uuid_v7());
SET goodgo_events.uuid_v7_test_clock_offset = '-10s';
INSERT INTO back (phase, u) SELECT 'stepped back', uuid_v7() FROM generate_series(1, 1000);
RESET goodgo_events.uuid_v7_test_clock_offset;
INSERT INTO back (phase, u) SELECT 'clock restored', uuid_v7() FROM generate_series(1, 1000);
SELECT phase, count(*) AS n,
       count(*) FILTER (WHERE u <= prev) AS not_increasing,
       count(*) FILTER (WHERE uuid_v7_time(u) < (SELECT uuid_v7_time(u) FROM back WHERE n = 1))
         AS earlier_ms_than_first
  FROM (SELECT n, phase, u, lag(u) OVER (ORDER BY n) AS prev FROM back) s
 GROUP BY phase ORDER BY min(n);
-- 1000 values at 4096 per ms: the stepped-back ones stay within 1 ms of the
-- value made before the step, not 10 s in the past.
SELECT max(uuid_v7_time(u)) - (SELECT uuid_v7_time(u) FROM back WHERE n = 1)
         <= interval '1 millisecond' AS held_near_last_time
  FROM back WHERE phase = 'stepped back';
SELECT count(DISTINCT u) = count(*) AS all_distinct FROM back;
DROP TABLE back;

---------------------------------------------------------------------------
-- A stopped clock: 100,000 values in one millisecond's worth of clock.
-- The fraction carries into the millisecond: 100,000 / 4096 = 24.4, so the
-- embedded time runs 24 ms ahead, and never back.
---------------------------------------------------------------------------
\c
SET search_path = public, goodgo_events;
SET TimeZone = 'UTC';
SET goodgo_events.uuid_v7_test_clock_fixed = on;
SET goodgo_events.uuid_v7_test_clock_offset = 1700000000000;
CREATE TEMP TABLE frozen AS
  SELECT i, uuid_v7() AS u FROM generate_series(1, 100000) i;
SELECT count(*) AS n,
       count(*) FILTER (WHERE u <= prev) AS not_increasing,
       count(DISTINCT u) AS distinct_values,
       min(uuid_v7_time(u)) AS first_ms,
       max(uuid_v7_time(u)) AS last_ms,
       count(DISTINCT uuid_v7_time(u)) AS distinct_ms
  FROM (SELECT u, lag(u) OVER (ORDER BY i) AS prev FROM frozen) s;
-- 4096 values per millisecond exactly: the sub-ms fraction counts up.
SELECT uuid_v7_time(u), count(*) FROM frozen
 GROUP BY 1 ORDER BY 1 LIMIT 2;
-- The stopped clock jumps back three years: still after every earlier value.
SET goodgo_events.uuid_v7_test_clock_offset = 1600000000000;
SELECT u > (SELECT u FROM frozen ORDER BY u DESC LIMIT 1) AS after_all, uuid_v7_time(u)
  FROM (SELECT uuid_v7() AS u) s;
-- The real clock again: later than all of them, and back near the clock.
RESET goodgo_events.uuid_v7_test_clock_fixed;
RESET goodgo_events.uuid_v7_test_clock_offset;
CREATE TEMP TABLE thawed AS
  SELECT clock_timestamp() AS t0, uuid_v7() AS u, clock_timestamp() AS t1;
SELECT u > (SELECT u FROM frozen ORDER BY u DESC LIMIT 1) AS after_all,
       uuid_v7_time(u) BETWEEN date_trunc('milliseconds', t0) AND t1 AS at_the_clock
  FROM thawed;
DROP TABLE thawed;
DROP TABLE frozen;

---------------------------------------------------------------------------
-- uuid_v7(ts): round trip for many instants, and its place between floors.
---------------------------------------------------------------------------
CREATE TEMP TABLE instants AS
  SELECT DISTINCT ts FROM (
    SELECT '1970-01-01 00:00:00+00'::timestamptz + g * interval '3 days 7 hours 13 minutes 17.123457 seconds' AS ts
      FROM generate_series(0, 9999) g
    UNION ALL VALUES ('1970-01-01 00:00:00+00'::timestamptz), ('1970-01-01 00:00:00.000999+00'),
      ('2022-02-22 19:22:22+00'), ('2038-01-19 03:14:08+00'),
      ('10889-08-02 05:31:50.655+00'), ('10889-08-02 05:31:50.655999+00')) v;
SELECT count(*) AS instants,
       count(*) FILTER (WHERE uuid_v7_time(u) <> date_trunc('milliseconds', ts)) AS time_mismatches,
       count(*) FILTER (WHERE substr(u::text, 15, 1) <> '7'
                           OR substr(u::text, 20, 1) NOT IN ('8', '9', 'a', 'b')) AS bad_bits,
       count(*) FILTER (WHERE NOT (uuid_v7_floor(ts) <= u)) AS below_floor,
       count(*) FILTER (WHERE ts < '10889-08-02 05:31:50.655+00'
                          AND NOT (u < uuid_v7_floor(ts + interval '1 millisecond'))) AS above_next_floor,
       max(ts) AS latest
  FROM (SELECT ts, uuid_v7(ts) AS u FROM instants) s;
-- Distinct microseconds are distinct 1/4096 ms ticks: values sort by instant.
SELECT count(*) FILTER (WHERE u <= prev_u) AS not_increasing
  FROM (SELECT u, lag(u) OVER (ORDER BY ts) AS prev_u FROM
          (SELECT ts, uuid_v7(ts) AS u FROM instants) a) s;
DROP TABLE instants;

---------------------------------------------------------------------------
-- uuid_v7_floor: the smallest v7 of its millisecond.
---------------------------------------------------------------------------
SELECT uuid_v7_floor('1970-01-01 00:00:00+00') AS epoch,
       uuid_v7_floor('10889-08-02 05:31:50.655999+00') AS last_ms;
SELECT uuid_v7_floor(ts) = uuid_v7_floor(date_trunc('milliseconds', ts)) AS same_ms_same_floor,
       uuid_v7_time(uuid_v7_floor(ts)) = date_trunc('milliseconds', ts) AS decodes_to_its_ms,
       uuid_v7(ts - interval '1 millisecond') < uuid_v7_floor(ts) AS previous_ms_below,
       uuid_v7_floor(ts) < uuid_v7_floor(ts + interval '1 millisecond') AS next_floor_above,
       uuid_v7_floor(ts) <= uuid_v7(date_trunc('milliseconds', ts)) AS lowest_of_its_ms
  FROM (VALUES ('2026-11-27 04:55:00.123456+00'::timestamptz)) v(ts);
-- The largest possible v7 of the previous millisecond is still below.
SELECT top < uuid_v7_floor('2026-11-27 04:55:00.124+00') AS max_of_previous_ms_below,
       uuid_v7_time(top) = '2026-11-27 04:55:00.123+00' AS decodes_to_previous_ms
  FROM (SELECT (substr(uuid_v7_floor('2026-11-27 04:55:00.123+00')::text, 1, 14)
                || '7fff-bfff-ffffffffffff')::uuid AS top) s;

-- Range scans: [floor(t1), floor(t2)) holds exactly the ids of [t1, t2).
CREATE TABLE events (id uuid PRIMARY KEY, at timestamptz NOT NULL);
INSERT INTO events
  SELECT uuid_v7(at), at
    FROM (SELECT '2026-01-01 00:00:00+00'::timestamptz + g * interval '997 microseconds' AS at
            FROM generate_series(0, 20000) g) s;
ANALYZE events;
SELECT count(*) FILTER (WHERE by_id <> by_time) AS range_mismatches, count(*) AS ranges
  FROM (SELECT t1, t2,
               (SELECT count(*) FROM events
                 WHERE id >= uuid_v7_floor(t1) AND id < uuid_v7_floor(t2)) AS by_id,
               (SELECT count(*) FROM events
                 WHERE date_trunc('milliseconds', at) >= date_trunc('milliseconds', t1)
                   AND date_trunc('milliseconds', at) < date_trunc('milliseconds', t2)) AS by_time
          FROM (SELECT '2026-01-01 00:00:00+00'::timestamptz + g * interval '271.3 milliseconds' AS t1,
                       '2026-01-01 00:00:00+00'::timestamptz + g * interval '271.3 milliseconds'
                         + interval '1.4567 seconds' AS t2
                  FROM generate_series(0, 80) g) r) s;
-- IMMUTABLE: folded to a constant at plan time, so the primary key serves it.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM events
 WHERE id >= uuid_v7_floor('2026-01-01 00:00:01+00')
   AND id < uuid_v7_floor('2026-01-01 00:00:02+00');
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE events;

-- IMMUTABLE: usable in a generated column and an index expression.
CREATE TABLE gen (id uuid PRIMARY KEY DEFAULT uuid_v7(),
                  created timestamptz GENERATED ALWAYS AS (uuid_v7_time(id)) STORED);
CREATE INDEX gen_created ON gen (uuid_v7_time(id));
INSERT INTO gen DEFAULT VALUES;
INSERT INTO gen (id) VALUES ('017f22e2-79b0-7cc3-98c4-dc0c0c07398f'),
                            ('00000000-0000-4000-8000-000000000000');
SELECT id = '017f22e2-79b0-7cc3-98c4-dc0c0c07398f' AS rfc_vector, created
  FROM gen WHERE created < '2026-01-01' OR created IS NULL ORDER BY created;
SELECT count(*) AS near_now FROM gen
 WHERE created > clock_timestamp() - interval '1 minute';
DROP TABLE gen;

---------------------------------------------------------------------------
-- uuid_v7_time: NULL unless version 7, variant 10.
---------------------------------------------------------------------------
SELECT count(*) AS v4_values,
       count(uuid_v7_time(gen_random_uuid())) AS v4_with_time
  FROM generate_series(1, 1000);
SELECT v AS input, uuid_v7_time(v::uuid)
  FROM (VALUES ('00000000-0000-0000-0000-000000000000'),
               ('ffffffff-ffff-ffff-ffff-ffffffffffff'),
               ('017f22e2-79b0-7cc3-18c4-dc0c0c07398f'),
               ('017f22e2-79b0-7cc3-d8c4-dc0c0c07398f'),
               ('017f22e2-79b0-6cc3-98c4-dc0c0c07398f'),
               ('c232ab00-9414-11ec-b3c8-9f6bdeced846'),
               ('017f22e2-79b0-7000-8000-000000000000'),
               ('ffffffff-ffff-7fff-bfff-ffffffffffff')) t(v);
SELECT uuid_v7_time(NULL) IS NULL AS strict_null,
       uuid_v7(NULL::timestamptz) IS NULL AS strict_null_at,
       uuid_v7_floor(NULL) IS NULL AS strict_null_floor;

---------------------------------------------------------------------------
-- Errors: times a UUIDv7 cannot hold (22008), never a silent wrap.
---------------------------------------------------------------------------
\set VERBOSITY default
SELECT uuid_v7_floor('1969-12-31 23:59:59.999+00');
SELECT uuid_v7('1969-12-31 23:59:59.999999+00');
SELECT uuid_v7_floor('10889-08-02 05:31:50.656+00');
SELECT uuid_v7('20000-01-01 00:00:00+00');
SELECT uuid_v7_floor('infinity');
SELECT uuid_v7('-infinity');
-- The SQLSTATE, for programs that catch it.
DO $$
BEGIN
	PERFORM goodgo_events.uuid_v7('1900-01-01 00:00:00+00');
EXCEPTION WHEN datetime_field_overflow THEN
	RAISE NOTICE 'caught SQLSTATE %', SQLSTATE;
END
$$;

-- The generator, when the clock itself is outside the range.
\c
SET search_path = public, goodgo_events;
SET TimeZone = 'UTC';
SET goodgo_events.uuid_v7_test_clock_offset = '-30000d';
SELECT uuid_v7();
SET goodgo_events.uuid_v7_test_clock_offset = '3500000d';
SELECT uuid_v7();
RESET goodgo_events.uuid_v7_test_clock_offset;
SELECT uuid_v7_time(uuid_v7()) > '2020-01-01' AS works_again;
-- A stopped clock on the very last millisecond, 256 ticks before its end:
-- 256 values fit, the next one has nowhere to go.
\c
SET search_path = public, goodgo_events;
SET TimeZone = 'UTC';
SET goodgo_events.uuid_v7_test_clock_fixed = on;
SET goodgo_events.uuid_v7_test_clock_offset = '281474976710655.9375';
SELECT count(DISTINCT u) AS n, max(uuid_v7_time(u)) AS last_ms,
       max(substr(u::text, 15, 4)) AS last_ver_rand_a
  FROM (SELECT uuid_v7() AS u FROM generate_series(1, 256)) s;
SELECT uuid_v7();
SET goodgo_events.uuid_v7_test_clock_offset = '281474976710656';
SELECT uuid_v7();
SET goodgo_events.uuid_v7_test_clock_offset = '-1';
SELECT uuid_v7();

-- Ordinary users cannot move the clock.
\c
SELECT goodgo_events.uuid_v7_floor('2000-01-01+00') IS NOT NULL AS library_loaded;
CREATE ROLE uuid_v7_tester;
GRANT USAGE ON SCHEMA goodgo_events TO uuid_v7_tester;
SET ROLE uuid_v7_tester;
SET goodgo_events.uuid_v7_test_clock_offset = '-10s';
SET goodgo_events.uuid_v7_test_clock_fixed = on;
SELECT goodgo_events.uuid_v7_time(goodgo_events.uuid_v7()) > '2020-01-01' AS user_can_generate;
RESET ROLE;
REVOKE USAGE ON SCHEMA goodgo_events FROM uuid_v7_tester;
DROP ROLE uuid_v7_tester;
