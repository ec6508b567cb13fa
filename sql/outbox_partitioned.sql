-- A partitioned outbox of one's own whose seq is an identity column of the
-- partitioned table.  From PostgreSQL 17 a partition has its root's identity;
-- before 17 it has none, and the trigger (which runs on the partition) looks
-- the column up in the root (src/compat.h): the same behaviour on every
-- major, through the root and straight into a partition.
SET goodgo_events.unknown_event_types = allow;
CREATE FUNCTION pg_temp.env(etype text) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('schemaVersion', 1, 'eventId', goodgo_events.uuid_v7(),
		'eventType', etype, 'occurredAt', '2026-01-02T03:04:05Z', 'producer', 'test',
		'traceId', repeat('ab', 16), 'payload', '{}'::jsonb)
$$;
CREATE TABLE part_outbox (
	id bigint GENERATED ALWAYS AS IDENTITY,
	region text NOT NULL,
	doc jsonb NOT NULL,
	shard int
) PARTITION BY LIST (region);
-- Column order differs between the root and this partition: the identity is
-- found by name, not by attribute number.
CREATE TABLE part_outbox_eu (shard int, doc jsonb NOT NULL, region text NOT NULL, id bigint NOT NULL);
ALTER TABLE part_outbox ATTACH PARTITION part_outbox_eu FOR VALUES IN ('eu');
CREATE TABLE part_outbox_us PARTITION OF part_outbox FOR VALUES IN ('us');
CREATE TRIGGER v BEFORE INSERT ON part_outbox FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=doc', 'seq=id', 'part=shard',
		'partitions=4', 'name=regional');
INSERT INTO part_outbox (region, doc) VALUES ('eu', pg_temp.env('order.placed')),
	('us', pg_temp.env('order.placed')), ('eu', pg_temp.env('order.shipped'));
INSERT INTO part_outbox_eu (region, doc) VALUES ('eu', pg_temp.env('order.paid'));
INSERT INTO part_outbox_us (region, doc) VALUES ('us', pg_temp.env('order.paid'));
-- Every id comes from the root's identity sequence: distinct, increasing in
-- insertion order, and the sequence has moved past all of them.
SELECT tableoid::regclass AS partition, doc->>'eventType' AS event_type, shard BETWEEN 0 AND 3 AS shard_ok,
	   id = max(id) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS increasing
  FROM part_outbox ORDER BY id;
SELECT count(DISTINCT id) AS ids,
	   max(id) <= (SELECT last_value FROM part_outbox_id_seq) AS from_root_sequence
  FROM part_outbox;
-- Without an identity (or seq_sequence) anywhere, the error names the column.
CREATE TABLE plain_part (n bigint, doc jsonb) PARTITION BY RANGE (n);
CREATE TABLE plain_part_1 PARTITION OF plain_part FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
CREATE TRIGGER v BEFORE INSERT ON plain_part FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=doc', 'seq=n');
INSERT INTO plain_part (n, doc) VALUES (1, pg_temp.env('order.placed'));
DROP TABLE part_outbox, plain_part;
