-- PL/pgSQL line numbers in CONTEXT lines would make this file fragile
\set SHOW_CONTEXT never
-- The transactional outbox: producer side, append-only guard, relay claim/ack.
-- Event types here are not registered: the registry lets them through.
SET goodgo_events.unknown_event_types = allow;
SET application_name = 'outbox_test';

-- A valid envelope with a fresh eventId, for plain INSERTs.
CREATE FUNCTION pg_temp.env(etype text, payload jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('schemaVersion', 1, 'eventId', goodgo_events.uuid_v7(),
		'eventType', etype, 'occurredAt', '2026-01-02T03:04:05Z', 'producer', 'test',
		'traceId', repeat('ab', 16), 'payload', payload)
$$;

-- Every trigger of the outbox and its generations fires ALWAYS (also under
-- session_replication_role = replica).
SELECT c.relname, t.tgname, t.tgenabled
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'goodgo_events'::regnamespace AND c.relname LIKE 'outbox%'
   AND NOT t.tgisinternal
 ORDER BY c.relname::text COLLATE "C", t.tgname::text COLLATE "C";

-- N relay partitions: set while the outbox is empty.
SELECT goodgo_events.outbox_partitions();
SELECT goodgo_events.outbox_set_partitions(0);
SELECT goodgo_events.outbox_set_partitions(4);
SELECT goodgo_events.outbox_partitions();
SELECT t.tgenabled FROM pg_trigger t WHERE t.tgname = 'outbox_validate' GROUP BY 1;

-- emit(): returns the eventId (a UUIDv7) of the row it inserted.
SELECT goodgo_events.emit('invoice.paid', '{"amount": 10}', 'pay-1') AS id \gset
SELECT substr(:'id', 15, 1) AS version,
	   (SELECT count(*) FROM goodgo_events.outbox WHERE event_id = :'id') AS rows;
SELECT event_type, aggregate_id, stream ~ '^goodgo:invoice:\{outbox:0[0-3]\}$' AS stream_ok,
	   part BETWEEN 0 AND 3 AS part_ok, txid <> '0' AS txid_set, seq > 0 AS seq_set,
	   gen = goodgo_events.outbox_current_gen() AS current_gen,
	   envelope->>'eventId' = event_id::text AS id_in_envelope,
	   envelope->'schemaVersion' AS v, envelope->>'producer' AS producer,
	   envelope->>'traceId' AS trace_id, envelope->'payload' AS payload,
	   envelope->>'occurredAt' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS occurred_utc
  FROM goodgo_events.outbox WHERE event_id = :'id';

-- producer: argument, else goodgo_events.producer, else application_name,
-- else the role; traceId: argument, else goodgo_events.trace_id, else zeros.
SET goodgo_events.producer = 'billing';
SET goodgo_events.trace_id = '0123456789abcdef0123456789abcdef';
SELECT goodgo_events.emit('invoice.paid', '{}', 'pay-1') AS id \gset
SELECT o.envelope->>'producer' AS producer, o.envelope->>'traceId' AS trace_id
  FROM goodgo_events.outbox o WHERE o.event_id = :'id';
SELECT goodgo_events.emit('invoice.paid', '{}', 'pay-1', 'api',
		'fedcba9876543210fedcba9876543210', '2026-03-04 05:06:07.5+02') AS id \gset
SELECT o.envelope->>'producer' AS producer, o.envelope->>'traceId' AS trace_id,
	   o.envelope->>'occurredAt' AS occurred_at
  FROM goodgo_events.outbox o WHERE o.event_id = :'id';
RESET goodgo_events.producer;
RESET goodgo_events.trace_id;
SET application_name = '';
SELECT goodgo_events.emit('profile.updated', '{}', 'kyc-1') AS id \gset
SELECT o.envelope->>'producer' = current_user AS role_name
  FROM goodgo_events.outbox o WHERE o.event_id = :'id';
SET application_name = 'outbox_test';
SET goodgo_events.trace_id = 'ABC';
SELECT goodgo_events.emit(NULL, '{}');
SELECT goodgo_events.emit('profile.updated', NULL);

-- The same aggregate always lands in the same partition.
SELECT count(DISTINCT part) AS parts_of_pay_1 FROM goodgo_events.outbox WHERE aggregate_id = 'pay-1';
SELECT part AS pp FROM goodgo_events.outbox WHERE aggregate_id = 'pay-1' LIMIT 1 \gset

-- A plain INSERT works too; the producer cannot choose seq, txid, part,
-- event_id, event_type or stream, even with OVERRIDING SYSTEM VALUE.
INSERT INTO goodgo_events.outbox (seq, txid, part, event_id, event_type, stream, envelope, aggregate_id)
	OVERRIDING SYSTEM VALUE
	VALUES (-42, '5', 77, '00000000-0000-0000-0000-000000000000', 'x.y', 'mine',
			pg_temp.env('shipment.dispatched'), 'lst-0')
	RETURNING seq > 0 AS seq_drawn, txid = pg_current_xact_id() AS own_txid,
			  part BETWEEN 0 AND 3 AS part_ok, event_id::text = envelope->>'eventId' AS id_ok,
			  event_type, stream ~ '^goodgo:shipment:' AS stream_ok;

-- Rejections happen in the producer's transaction; nothing is written.
SELECT count(*) AS before FROM goodgo_events.outbox \gset
INSERT INTO goodgo_events.outbox (envelope) VALUES (NULL);
DO $$
BEGIN
	INSERT INTO goodgo_events.outbox (envelope) VALUES ('{"eventType": "shipment.dispatched"}');
EXCEPTION WHEN check_violation THEN
	RAISE NOTICE 'envelope rejected: %', SQLSTATE;
END $$;
DO $$
BEGIN
	INSERT INTO goodgo_events.outbox (envelope) VALUES ('[1, 2]');
EXCEPTION WHEN check_violation THEN
	RAISE NOTICE 'envelope rejected: %', SQLSTATE;
END $$;
-- The envelope check names the failing fields, never their values.
INSERT INTO goodgo_events.outbox (envelope)
	VALUES (pg_temp.env('shipment.dispatched') || '{"traceId": "secret-value", "producer": ""}');
-- The payload is validated against its event type's registered schema.
SELECT goodgo_events.register_event_type('refund.issued',
	'{"type": "object", "required": ["amount"],
	  "properties": {"amount": {"type": "integer", "minimum": 0}}}') > 0 AS registered;
SELECT goodgo_events.emit('refund.issued', '{"amount": -5}', 'ref-1');
SELECT goodgo_events.emit('refund.issued', '{"amount": 5}', 'ref-1') IS NOT NULL AS valid_one;
-- An unregistered type is refused unless unknown types are allowed.
SET goodgo_events.unknown_event_types = reject;
SELECT goodgo_events.emit('nobody.registered', '{}', 'x-1');
SET goodgo_events.unknown_event_types = allow;
BEGIN;
SELECT goodgo_events.emit('shipment.dispatched', '{}') IS NOT NULL AS emitted;
ROLLBACK;
SELECT count(*) - :before AS written FROM goodgo_events.outbox;  -- only the valid refund

-- Append-only, also under session_replication_role = replica.
UPDATE goodgo_events.outbox SET aggregate_id = 'x';
DELETE FROM goodgo_events.outbox;
TRUNCATE goodgo_events.outbox;
TRUNCATE goodgo_events.outbox_g1;
SET session_replication_role = replica;
DELETE FROM goodgo_events.outbox_g0;
INSERT INTO goodgo_events.outbox (envelope) VALUES (NULL);
RESET session_replication_role;
-- The maintenance escape is for superusers only.
CREATE ROLE outbox_test_producer;
SET ROLE outbox_test_producer;
SET goodgo_events.outbox_maintenance = on;
RESET ROLE;
BEGIN;
SET LOCAL goodgo_events.outbox_maintenance = on;
UPDATE goodgo_events.outbox SET aggregate_id = aggregate_id WHERE false;
ROLLBACK;
DROP ROLE outbox_test_producer;

-- The trigger on a user's own outbox table: arguments name the columns.
CREATE TABLE my_outbox (
	id bigint GENERATED ALWAYS AS IDENTITY,
	xid xid8,
	shard integer,
	doc jsonb NOT NULL,
	key text,
	kind text,
	eid uuid,
	topic text
);
CREATE TRIGGER v BEFORE INSERT ON my_outbox FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=doc', 'seq=id', 'txid=xid',
		'part=shard', 'aggregate_id=key', 'event_type=kind', 'event_id=eid',
		'stream=topic', 'partitions=16', 'name=orders');
INSERT INTO my_outbox (doc, key) VALUES (pg_temp.env('order.placed'), 'o-1'), (pg_temp.env('order.shipped'), 'o-1')
RETURNING id > 0 AS id_drawn, xid = pg_current_xact_id() AS own, shard BETWEEN 0 AND 15 AS shard_ok,
	   kind, eid::text = doc->>'eventId' AS eid_ok, topic ~ '^goodgo:order:\{orders:[0-9]{2}\}$' AS topic_ok;
SELECT count(DISTINCT shard) AS shards FROM my_outbox;
-- Only what it names is set: a table with just an envelope column works.
CREATE TABLE tiny_outbox (e jsonb);
CREATE TRIGGER v BEFORE INSERT ON tiny_outbox FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=e');
INSERT INTO tiny_outbox VALUES (pg_temp.env('order.placed'));
SELECT count(*) FROM tiny_outbox;
-- Misuse.
CREATE TRIGGER bad AFTER INSERT ON tiny_outbox FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=e');
INSERT INTO tiny_outbox VALUES (pg_temp.env('order.placed'));
DROP TRIGGER bad ON tiny_outbox;
CREATE TRIGGER bad BEFORE INSERT ON tiny_outbox FOR EACH STATEMENT
	EXECUTE FUNCTION goodgo_events.outbox_validate('envelope=e');
INSERT INTO tiny_outbox VALUES (pg_temp.env('order.placed'));
DROP TRIGGER bad ON tiny_outbox;
CREATE TRIGGER bad BEFORE INSERT ON tiny_outbox FOR EACH ROW
	EXECUTE FUNCTION goodgo_events.outbox_append_only();
INSERT INTO tiny_outbox VALUES (pg_temp.env('order.placed'));
DROP TRIGGER bad ON tiny_outbox;
DROP TRIGGER v ON tiny_outbox;
CREATE FUNCTION outbox_try_args(VARIADIC args text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TRIGGER v BEFORE INSERT ON tiny_outbox FOR EACH ROW '
				   'EXECUTE FUNCTION goodgo_events.outbox_validate(%s)',
				   (SELECT string_agg(quote_literal(a), ', ') FROM unnest(args) a));
	BEGIN
		INSERT INTO tiny_outbox VALUES (pg_temp.env('order.placed'));
	EXCEPTION WHEN OTHERS THEN
		DROP TRIGGER v ON tiny_outbox;
		RAISE;
	END;
	DROP TRIGGER v ON tiny_outbox;
END $$;
SELECT outbox_try_args('envelope');
SELECT outbox_try_args('colour=blue');
SELECT outbox_try_args('envelope=nope');
SELECT outbox_try_args('envelope=e', 'partitions=0');
SELECT outbox_try_args('envelope=e', 'partitions=4x');
SELECT outbox_try_args('envelope=e', 'seq=e');
ALTER TABLE tiny_outbox ADD COLUMN n bigint, ADD COLUMN g text GENERATED ALWAYS AS ('x') STORED;
SELECT outbox_try_args('envelope=e', 'seq=n');
SELECT outbox_try_args('envelope=e', 'seq=n', 'seq_sequence=tiny_outbox');
SELECT outbox_try_args('envelope=e', 'stream=g');
DROP TABLE my_outbox, tiny_outbox;
DROP FUNCTION outbox_try_args(text[]);

-- N is fixed once the outbox holds events.
SELECT goodgo_events.outbox_set_partitions(2);

-- Relay side.  Without the partition's advisory lock: 55P03.
SELECT * FROM goodgo_events.relay_claim('r1', 0);
SELECT goodgo_events.relay_ack('r1', 0, 1);
SELECT goodgo_events.relay_nack('r1', 0, 1, 1, 'x');
SELECT goodgo_events.relay_lock('r1', 4);
SELECT goodgo_events.relay_lock('', 0);
SELECT * FROM goodgo_events.relay_claim('r1', 4);
SELECT * FROM goodgo_events.relay_claim('', 0);
SELECT goodgo_events.relay_lock('r1', p) FROM generate_series(0, 3) p;
SELECT * FROM goodgo_events.relay_claim('r1', 0, 0);
SELECT goodgo_events.relay_reset('r1', 0, 'yesterday');

-- A first claim on each partition delivers every committed event once, in
-- seq order, in batches of at most max_events; same rows again before ack.
CREATE TEMP TABLE delivered (relay text, part int, batch_id bigint, ord int, seq bigint, event_id uuid);
CREATE FUNCTION pg_temp.drain(r text, p int, maxn int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	b bigint;
	n bigint := 0;
	again bigint;
BEGIN
	LOOP
		INSERT INTO delivered SELECT r, p, c.batch_id, c.ord, c.seq, c.event_id
		  FROM goodgo_events.relay_claim(r, p, maxn) c;
		SELECT max(d.batch_id) INTO b FROM delivered d WHERE d.relay = r AND d.part = p;
		EXIT WHEN b IS NULL OR NOT EXISTS (SELECT 1 FROM goodgo_events.relay_position(r, p) x WHERE x.open_batch_id = b);
		-- a re-claim returns the very same rows
		SELECT count(*) INTO again FROM (
			(SELECT c.batch_id, c.ord, c.seq, c.event_id FROM goodgo_events.relay_claim(r, p, maxn) c
			 EXCEPT SELECT d.batch_id, d.ord, d.seq, d.event_id FROM delivered d WHERE d.relay = r AND d.part = p)
			UNION ALL
			(SELECT d.batch_id, d.ord, d.seq, d.event_id FROM delivered d WHERE d.relay = r AND d.part = p AND d.batch_id = b
			 EXCEPT SELECT c.batch_id, c.ord, c.seq, c.event_id FROM goodgo_events.relay_claim(r, p, maxn) c)) x;
		IF again <> 0 THEN
			RAISE EXCEPTION 're-claim of batch % differs in % rows', b, again;
		END IF;
		n := n + goodgo_events.relay_ack(r, p, b);
	END LOOP;
	RETURN n;
END $$;
SELECT sum(pg_temp.drain('r1', p, 2)) AS acked FROM generate_series(0, 3) p;
SELECT (SELECT count(*) FROM delivered) = (SELECT count(*) FROM goodgo_events.outbox) AS all_once,
	   (SELECT count(DISTINCT event_id) FROM delivered) = (SELECT count(*) FROM delivered) AS no_dup,
	   (SELECT bool_and(d.part = o.part) FROM delivered d JOIN goodgo_events.outbox o USING (seq)) AS right_part,
	   (SELECT max(ord) FROM delivered) AS max_ord;
-- Within a partition, batch ids increase and (batch, ord) follows seq.
SELECT part, bool_and(ok) AS ordered FROM (
	SELECT part, seq > lag(seq, 1, 0::bigint) OVER w AND batch_id >= lag(batch_id, 1, 0::bigint) OVER w AS ok
	  FROM delivered WINDOW w AS (PARTITION BY part ORDER BY batch_id, ord)) x
 GROUP BY part ORDER BY part;
-- Acking again is a no-op; acking a batch never claimed is an error.
SELECT goodgo_events.relay_ack('r1', :pp, 1);
SELECT goodgo_events.relay_ack('r1', :pp, 999);
SELECT * FROM goodgo_events.relay_claim('r1', :pp);
SELECT last_batch_id > 0 AS acked, last_acked_at IS NOT NULL AS at, open_batch_id, window_open, same_database
  FROM goodgo_events.relay_position('r1', :pp);

-- relay_ack_claim: the ack of one batch and the claim of the next in one
-- call.  Without the lock 55P03; a batch never claimed 22023.
SELECT * FROM goodgo_events.relay_ack_claim('r3', :pp, 1, 2);
SELECT goodgo_events.relay_lock('r3', :pp);
SELECT * FROM goodgo_events.relay_ack_claim('r3', :pp, 7, 2);
SELECT * FROM goodgo_events.relay_ack_claim('r3', :pp, 1, 0);
-- Draining a partition with it delivers what relay_claim/relay_ack did for
-- r1: every event of the partition once, in seq order, batch ids 1, 2, ...
CREATE TEMP TABLE delivered3 (batch_id bigint, ord int, seq bigint, event_id uuid);
CREATE FUNCTION pg_temp.drain3(r text, p int, maxn int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	b bigint;
	prev bigint := 0;
	calls bigint := 0;
BEGIN
	INSERT INTO delivered3 SELECT c.batch_id, c.ord, c.seq, c.event_id
	  FROM goodgo_events.relay_claim(r, p, maxn) c;
	LOOP
		SELECT max(d.batch_id) INTO b FROM delivered3 d;
		EXIT WHEN b IS NULL OR b = prev;
		-- the batch it returned is the open one: a plain claim returns the same rows
		IF EXISTS ((SELECT c.batch_id, c.ord, c.seq FROM goodgo_events.relay_claim(r, p, maxn) c
					EXCEPT SELECT d.batch_id, d.ord, d.seq FROM delivered3 d WHERE d.batch_id = b)
				   UNION ALL
				   (SELECT d.batch_id, d.ord, d.seq FROM delivered3 d WHERE d.batch_id = b
					EXCEPT SELECT c.batch_id, c.ord, c.seq FROM goodgo_events.relay_claim(r, p, maxn) c)) THEN
			RAISE EXCEPTION 'batch % differs from its re-claim', b;
		END IF;
		prev := b;
		calls := calls + 1;
		INSERT INTO delivered3 SELECT c.batch_id, c.ord, c.seq, c.event_id
		  FROM goodgo_events.relay_ack_claim(r, p, b, maxn) c;
	END LOOP;
	RETURN calls;
END $$;
SELECT pg_temp.drain3('r3', :pp, 2) > 1 AS several_batches;
SELECT (SELECT count(*) FROM delivered3) = (SELECT count(*) FROM goodgo_events.outbox WHERE part = :pp) AS all_once,
	   (SELECT count(DISTINCT event_id) FROM delivered3) = (SELECT count(*) FROM delivered3) AS no_dup,
	   (SELECT bool_and(ok) FROM (SELECT seq > lag(seq, 1, 0::bigint) OVER w
										 AND batch_id IN (lag(batch_id, 1, 1::bigint) OVER w, lag(batch_id, 1, 1::bigint) OVER w + 1) AS ok
									FROM delivered3 WINDOW w AS (ORDER BY batch_id, ord)) x) AS in_order,
	   (SELECT array_agg(DISTINCT ord ORDER BY ord) FROM delivered3) AS ords,
	   (SELECT open_batch_id IS NULL FROM goodgo_events.relay_position('r3', :pp)) AS none_open;
-- Acking the last batch again returns nothing new, and leaves nothing open.
SELECT * FROM goodgo_events.relay_ack_claim('r3', :pp, (SELECT max(batch_id) FROM delivered3), 2);
SELECT open_batch_id FROM goodgo_events.relay_position('r3', :pp);
SELECT goodgo_events.relay_forget('r3');
SELECT goodgo_events.relay_unlock('r3', :pp);

-- A second relay has its own positions.
SELECT goodgo_events.relay_lock('r2', p) FROM generate_series(0, 3) p;
SELECT sum(pg_temp.drain('r2', p, 1000)) = (SELECT count(*) FROM goodgo_events.outbox) AS r2_all
  FROM generate_series(0, 3) p;

-- Dead letters: a relay reports failures; after relay_max_attempts the event
-- becomes a dead letter and the relay acks the batch without it.
SET goodgo_events.relay_max_attempts = 2;
SELECT goodgo_events.emit('invoice.paid', '{"n": 1}', 'pay-dead') AS dead_id \gset
SELECT part AS dp FROM goodgo_events.outbox WHERE event_id = :'dead_id' \gset
SELECT batch_id AS db, seq AS ds, attempts FROM goodgo_events.relay_claim('r1', :dp) WHERE event_id = :'dead_id' \gset
SELECT :attempts AS attempts;
SELECT goodgo_events.relay_nack('r1', :dp, :db, :ds, 'OOM command not allowed');
SELECT attempts FROM goodgo_events.relay_claim('r1', :dp) WHERE event_id = :'dead_id';
SELECT goodgo_events.relay_nack('r1', :dp, :db, -1, 'x');
SELECT goodgo_events.relay_nack('r1', :dp, :db + 1, :ds, 'x');
SELECT goodgo_events.relay_nack('r1', :dp, :db, :ds, 'WRONGTYPE Operation against a key');
SELECT goodgo_events.relay_ack('r1', :dp, :db) > 0 AS acked;
SELECT relay, part = :dp AS part_ok, event_id = :'dead_id' AS id_ok, attempts, last_error,
	   redrive_requested_at IS NULL AS waiting
  FROM goodgo_events.dead_letters;
SELECT count(*) AS pending_failures FROM goodgo_events.relay_failures;
-- Redrive: the dead letter comes again in the relay's next batch.
SELECT goodgo_events.redrive_dead_letter(id) FROM goodgo_events.dead_letters;
SELECT goodgo_events.redrive_dead_letter(id) FROM goodgo_events.dead_letters;
SELECT batch_id > :db AS later, ord, event_id = :'dead_id' AS id_ok
  FROM goodgo_events.relay_claim('r1', :dp);
SELECT goodgo_events.relay_ack('r1', :dp, :db + 1);
SELECT redriven_at IS NOT NULL AS redriven FROM goodgo_events.dead_letters;
SELECT goodgo_events.redrive_dead_letters('r1');
RESET goodgo_events.relay_max_attempts;

-- Replay: acked batches again, flagged, from a batch or a time; what they
-- published: every event of them but the dead letter in its first batch.
SELECT count(*) AS replayed, bool_and(replay) AS flagged,
	   count(*) = (SELECT sum(n_window + n_redrive) FROM goodgo_events.relay_batches
				    WHERE relay = 'r1' AND acked_at IS NOT NULL)
				- (SELECT count(*) FROM goodgo_events.dead_letters WHERE relay = 'r1') AS every_published_event
  FROM generate_series(0, 3) p, goodgo_events.relay_replay('r1', p, 1::bigint);
SELECT count(*) AS from_future
  FROM generate_series(0, 3) p, goodgo_events.relay_replay('r1', p, now() + interval '1 day');
SELECT count(*) AS from_past
  FROM generate_series(0, 3) p, goodgo_events.relay_replay('r1', p, '-infinity'::timestamptz);

-- Stats: one row per relay and partition.
SELECT relay, part, pending_estimate, oldest_pending_age IS NULL AS none_pending,
	   current_gen = goodgo_events.outbox_current_gen() AS gen_ok,
	   (SELECT count(*) FROM jsonb_each(generation_bytes)) AS gens
  FROM goodgo_events.outbox_stats ORDER BY relay, part;
SELECT goodgo_events.emit('shipment.dispatched', '{}', 'lst-1') IS NOT NULL AS emitted;
SELECT sum(pending_estimate) AS pending FROM goodgo_events.outbox_stats WHERE relay = 'r2';

-- A position restored from a dump (another database) is re-initialised on claim.
SET goodgo_events.outbox_maintenance = on;
UPDATE goodgo_events.relay_positions SET origin = '1/1' WHERE relay = 'r2' AND part = :pp;
RESET goodgo_events.outbox_maintenance;
SELECT count(*) AS delivered_again,
	   count(*) = (SELECT count(*) FROM goodgo_events.outbox WHERE part = :pp) AS all_retained
  FROM goodgo_events.relay_claim('r2', :pp, 100000);
SELECT goodgo_events.relay_ack('r2', :pp, open_batch_id) AS acked FROM goodgo_events.relay_position('r2', :pp);
-- 'now' skips what is retained; 'beginning' (above) delivered it all again.
SELECT goodgo_events.relay_reset('r2', :pp, 'now');
SELECT count(*) AS after_now FROM goodgo_events.relay_claim('r2', :pp);

-- Rotation: the oldest generation is truncated only when every relay passed it.
SELECT goodgo_events.outbox_current_gen() AS g0 \gset
SELECT goodgo_events.outbox_rotate();
SELECT goodgo_events.outbox_rotate();
SELECT goodgo_events.outbox_rotate();
SELECT (goodgo_events.outbox_current_gen() - :g0 + 3) % 3 AS moved;
SELECT sum(pg_temp.drain('r2', p, 1000)) AS r2_acked FROM generate_series(0, 3) p;
SELECT sum(pg_temp.drain('r1', p, 1000)) AS r1_acked FROM generate_series(0, 3) p;
SELECT goodgo_events.outbox_rotate(keep => interval '1 day');
SELECT goodgo_events.outbox_rotate();
SELECT goodgo_events.outbox_current_gen() = :g0 AS wrapped, count(*) AS retained FROM goodgo_events.outbox;

-- A validating trigger out of agreement with outbox_config (a restore with
-- --disable-triggers skips outbox_config_sync): relays are refused until
-- outbox_after_restore() puts it back.  Events keep their partitions
-- (restored rows are kept as dumped): it moves none.
SELECT goodgo_events.emit('shipment.dispatched', '{}', 'lst-' || i) IS NOT NULL AS emitted
  FROM generate_series(1, 3) i;
SELECT goodgo_events.outbox_set_trigger(1);
SELECT count(*) FROM goodgo_events.relay_claim('r1', 0);
SELECT count(*) AS retained FROM goodgo_events.outbox;
SELECT goodgo_events.outbox_after_restore() AS rerouted;
SELECT goodgo_events.outbox_trigger_partitions();
SELECT goodgo_events.outbox_after_restore() AS again;
SELECT count(DISTINCT part) AS parts_of_lst FROM goodgo_events.outbox WHERE aggregate_id LIKE 'lst-%';
-- A relay that is gone for good no longer holds retention back.
SELECT goodgo_events.relay_lock('gone', 0);
SELECT count(*) FROM goodgo_events.relay_claim('gone', 0);
SELECT goodgo_events.relay_forget('gone') AS positions_dropped;
SELECT count(*) AS left FROM goodgo_events.relay_positions WHERE relay = 'gone';
SELECT goodgo_events.relay_unlock('gone', 0);
SELECT goodgo_events.relay_unlock('r2', p) FROM generate_series(0, 3) p;
SELECT goodgo_events.relay_unlock('r1', p) FROM generate_series(0, 3) p;

-- Privileges back the triggers up: a producer role needs USAGE on the
-- schema, INSERT on the envelope and aggregate_id columns and EXECUTE on
-- emit() (PUBLIC by default); it can neither choose derived columns nor
-- read, change or delete events.
CREATE ROLE outbox_test_writer;
GRANT USAGE ON SCHEMA goodgo_events TO outbox_test_writer;
GRANT INSERT (envelope, aggregate_id) ON goodgo_events.outbox TO outbox_test_writer;
SET ROLE outbox_test_writer;
SELECT goodgo_events.emit('shipment.dispatched', '{}', 'w-1') IS NOT NULL AS emitted;
INSERT INTO goodgo_events.outbox (envelope, aggregate_id) VALUES (pg_temp.env('shipment.dispatched'), 'w-2');
INSERT INTO goodgo_events.outbox (envelope, seq) VALUES (pg_temp.env('shipment.dispatched'), 1);
SELECT count(*) FROM goodgo_events.outbox;
DELETE FROM goodgo_events.outbox;
RESET ROLE;
SELECT count(*) AS written_by_writer FROM goodgo_events.outbox WHERE aggregate_id IN ('w-1', 'w-2');
REVOKE ALL ON goodgo_events.outbox FROM outbox_test_writer;
REVOKE ALL ON SCHEMA goodgo_events FROM outbox_test_writer;
DROP ROLE outbox_test_writer;
