-- UUIDv7 event ids: time-ordered, with the creation time inside
-- Three ids from one statement: the first 12 hex digits are the Unix time in
-- ms, then the version 7; they increase even within one millisecond.
SELECT n, goodgo_events.uuid_v7() AS id, clock_timestamp() AS generated_at
  FROM generate_series(1, 3) n;

-- The time inside an id (ms precision), and an id for a given instant.
SELECT goodgo_events.uuid_v7_time(goodgo_events.uuid_v7()) AS embedded_time,
       goodgo_events.uuid_v7('2022-02-22 19:22:22+00') AS id_for_an_instant;

-- The RFC 9562 example value, and a v4 (not time based: NULL).
SELECT goodgo_events.uuid_v7_time('017f22e2-79b0-7cc3-98c4-dc0c0c07398f') AS rfc_9562_example,
       goodgo_events.uuid_v7_time(gen_random_uuid()) AS v4_has_no_time;

-- A range predicate on the primary key alone: ids of the last 12 minutes.
CREATE TEMP TABLE demo_events (id uuid PRIMARY KEY DEFAULT goodgo_events.uuid_v7(), what text);
INSERT INTO demo_events (id, what)
  SELECT goodgo_events.uuid_v7(now() - m * interval '1 minute'), m || ' minutes ago'
    FROM generate_series(0, 30, 5) m;
SELECT goodgo_events.uuid_v7_floor(now() - interval '12 minutes') AS lower_bound;
SELECT what, goodgo_events.uuid_v7_time(id) AS at
  FROM demo_events
 WHERE id >= goodgo_events.uuid_v7_floor(now() - interval '12 minutes')
 ORDER BY id;
EXPLAIN (COSTS OFF)
SELECT id FROM demo_events
 WHERE id >= goodgo_events.uuid_v7_floor('2026-01-01 00:00:00+00');
DROP TABLE demo_events;
