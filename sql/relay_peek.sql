-- PL/pgSQL line numbers in CONTEXT lines would make this file fragile
\set SHOW_CONTEXT never
-- relay_peek and the confirming relay_ack_claim: a relay reads the rows of
-- the batch after the open one while Redis takes the open one, then acks and
-- claims with the peeked batch id and seqs; when the claim is exactly the
-- peek, one row (ord 0) confirms it instead of the rows coming again.
SET goodgo_events.unknown_event_types = allow;

-- Errors: no lock (55P03), a bad max_events, NULL arguments.
SELECT * FROM goodgo_events.relay_peek('pk', 0, 10);
SELECT * FROM goodgo_events.relay_ack_claim('pk', 0, 1, 10, 2, '{1}');
SELECT goodgo_events.relay_lock('pk', p) FROM generate_series(0, goodgo_events.outbox_partitions() - 1) p;
SELECT * FROM goodgo_events.relay_peek('pk', 0, 0);
SELECT * FROM goodgo_events.relay_peek('pk', 99, 10);
SELECT * FROM goodgo_events.relay_ack_claim('pk', 0, NULL, 10, 2, '{1}');
SELECT * FROM goodgo_events.relay_ack_claim('pk', 0, 1, NULL, 2, '{1}');
SELECT * FROM goodgo_events.relay_ack_claim('pk', 0, 1, 0, 2, '{1}');
SELECT * FROM goodgo_events.relay_ack_claim(NULL, 0, 1, 10, 2, '{1}');
SELECT * FROM goodgo_events.relay_ack_claim('pk', 0, 999, 10, 2, '{1}');

-- Ten new events in one partition; the relay starts after what is there.
SELECT goodgo_events.emit('peek.test', '{"n": 0}', 'peek-agg') AS e0 \gset
SELECT part AS pp FROM goodgo_events.outbox WHERE event_id = :'e0' \gset
SELECT goodgo_events.relay_reset('pk', :pp, 'now');
SELECT count(goodgo_events.emit('peek.test', jsonb_build_object('n', g, 's', 'tab\there "q" ü'), 'peek-agg'))
  FROM generate_series(1, 10) g;

-- Nothing open: nothing to predict.
SELECT count(*) AS peeked_before_claim FROM goodgo_events.relay_peek('pk', :pp, 2);

CREATE TEMP TABLE got (step text, batch_id bigint, ord int, seq bigint, event_id uuid, envelope text);
INSERT INTO got SELECT 'claim1', c.batch_id, c.ord, c.seq, c.event_id, c.envelope::text
  FROM goodgo_events.relay_claim('pk', :pp, 2) c;
SELECT batch_id AS b1 FROM got WHERE step = 'claim1' LIMIT 1 \gset
SELECT count(*) AS n, min(ord) AS first_ord, max(ord) AS last_ord FROM got WHERE step = 'claim1';

-- The peek: the next two events, as batch b1 + 1, envelopes as their text;
-- it changes nothing (position and batches as before).
SELECT row(p.*)::text AS pos_before FROM goodgo_events.relay_positions p
 WHERE relay = 'pk' AND part = :pp \gset
SELECT count(*) AS batches_before FROM goodgo_events.relay_batches WHERE relay = 'pk' \gset
INSERT INTO got SELECT 'peek2', k.batch_id, k.ord, k.seq, k.event_id, k.envelope
  FROM goodgo_events.relay_peek('pk', :pp, 2) k;
SELECT count(*) AS n, bool_and(batch_id = :b1 + 1) AS next_id, array_agg(ord ORDER BY ord) AS ords,
	   min(seq) > (SELECT max(seq) FROM got WHERE step = 'claim1') AS after_open,
	   bool_and(g.envelope = o.envelope::text) AS envelope_text,
	   bool_and(g.event_id = o.event_id) AS same_event
  FROM got g JOIN goodgo_events.outbox o USING (seq) WHERE step = 'peek2';
SELECT row(p.*)::text = :'pos_before' AS position_unchanged FROM goodgo_events.relay_positions p
 WHERE relay = 'pk' AND part = :pp;
SELECT count(*) = :batches_before AS no_batch_recorded FROM goodgo_events.relay_batches WHERE relay = 'pk';

-- Confirmed: the ack of b1 and the claim of b1 + 1, answered by one row.
SELECT batch_id = :b1 + 1 AS confirmed_id, ord, seq, event_id, event_type, aggregate_id, stream,
	   envelope, attempts
  FROM goodgo_events.relay_ack_claim('pk', :pp, :b1, 2, :b1 + 1,
		(SELECT array_agg(seq ORDER BY ord) FROM got WHERE step = 'peek2'));
-- ... and the open batch's rows are exactly the peeked ones.
SELECT open_batch_id = :b1 + 1 AS open_is_peeked FROM goodgo_events.relay_position('pk', :pp);
SELECT count(*) AS differing FROM (
	(SELECT c.batch_id, c.ord, c.seq, c.event_id, c.envelope::text FROM goodgo_events.relay_claim('pk', :pp, 2) c
	 EXCEPT SELECT batch_id, ord, seq, event_id, envelope FROM got WHERE step = 'peek2')
	UNION ALL
	(SELECT batch_id, ord, seq, event_id, envelope FROM got WHERE step = 'peek2'
	 EXCEPT SELECT c.batch_id, c.ord, c.seq, c.event_id, c.envelope::text FROM goodgo_events.relay_claim('pk', :pp, 2) c)) x;

-- Not confirmed: the claim differs from what the caller says it peeked
-- (other seqs, another batch id, another size, nothing peeked): the rows
-- come in full, exactly as relay_ack_claim without a peek gives them.
INSERT INTO got SELECT 'peek3', k.batch_id, k.ord, k.seq, k.event_id, k.envelope
  FROM goodgo_events.relay_peek('pk', :pp, 2) k;
SELECT count(*) AS rows, min(ord) AS first_ord, bool_and(envelope IS NOT NULL) AS full_rows,
	   array_agg(seq ORDER BY ord) = (SELECT array_agg(seq ORDER BY ord) FROM got WHERE step = 'peek3') AS as_peeked
  FROM goodgo_events.relay_ack_claim('pk', :pp, :b1 + 1, 2, :b1 + 2,
		(SELECT array_agg(seq ORDER BY ord) FROM got WHERE step = 'peek3') || 0::bigint);
-- (that acked b1 + 1 and claimed b1 + 2: the same call again is an ack of
-- an acked batch, a no-op, and returns the open batch, confirmed when
-- given its id and seqs; a wrong batch id is not confirmed)
SELECT count(*) AS rows, min(ord) AS first_ord
  FROM goodgo_events.relay_ack_claim('pk', :pp, :b1 + 1, 2, :b1 + 3,
		(SELECT array_agg(seq ORDER BY ord) FROM got WHERE step = 'peek3'));
SELECT count(*) AS rows, min(ord) AS first_ord, min(batch_id) = :b1 + 2 AS open_again
  FROM goodgo_events.relay_ack_claim('pk', :pp, :b1 + 1, 2, :b1 + 2,
		(SELECT array_agg(seq ORDER BY ord) FROM got WHERE step = 'peek3'));
SELECT count(*) AS rows, min(ord) AS first_ord
  FROM goodgo_events.relay_ack_claim('pk', :pp, :b1 + 1, 2, NULL, NULL);

-- Peeked with one size, claimed with another: not confirmed.
SELECT count(*) AS peeked_three FROM goodgo_events.relay_peek('pk', :pp, 3);
SELECT count(*) AS rows, min(ord) AS first_ord
  FROM goodgo_events.relay_ack_claim('pk', :pp, :b1 + 2, 2, :b1 + 3,
		(SELECT array_agg(k.seq ORDER BY k.ord) FROM goodgo_events.relay_peek('pk', :pp, 3) k));
-- b1 + 3 holds events 7 and 8; 9 and 10 are the rest of the window, for
-- any max_events (the largest too).
SELECT count(*) AS peek_rest FROM goodgo_events.relay_peek('pk', :pp, 1000000);
SELECT count(*) AS peek_huge_max FROM goodgo_events.relay_peek('pk', :pp, 2147483647);
SELECT count(*) AS rows, min(ord) AS first_ord
  FROM goodgo_events.relay_ack_claim('pk', :pp, :b1 + 3, 2, :b1 + 4,
		(SELECT array_agg(k.seq ORDER BY k.ord) FROM goodgo_events.relay_peek('pk', :pp, 2) k));
-- b1 + 4 ends its window: what comes next is not known yet.
SELECT count(*) AS peek_at_window_end FROM goodgo_events.relay_peek('pk', :pp, 2);
SELECT goodgo_events.relay_ack('pk', :pp, :b1 + 4) AS acked;
SELECT count(*) AS peek_nothing_open FROM goodgo_events.relay_peek('pk', :pp, 2);

-- A dead letter waiting for its redrive may join the next batch: no peek.
SELECT count(goodgo_events.emit('peek.test', jsonb_build_object('n', g), 'peek-agg'))
  FROM generate_series(8, 11) g;
SET goodgo_events.relay_max_attempts = 1;
SELECT batch_id AS b5, seq AS s5 FROM goodgo_events.relay_claim('pk', :pp, 2) ORDER BY ord LIMIT 1 \gset
SELECT goodgo_events.relay_nack('pk', :pp, :b5, :s5, 'WRONGTYPE test') AS dead;
RESET goodgo_events.relay_max_attempts;
SELECT count(*) AS peek_before_redrive, array_agg(seq ORDER BY ord) AS pk_seqs
  FROM goodgo_events.relay_peek('pk', :pp, 5) \gset
SELECT :peek_before_redrive AS peek_before_redrive;
SELECT goodgo_events.redrive_dead_letter(id) FROM goodgo_events.dead_letters WHERE relay = 'pk';
SELECT count(*) AS peek_redrive_waiting FROM goodgo_events.relay_peek('pk', :pp, 5);
-- A redrive requested after the peek joins the next batch (its window part
-- is the peeked one): not confirmed, the rows come with the dead letter.
SELECT count(*) AS rows, min(ord) AS first_ord, count(*) FILTER (WHERE seq = :s5) AS redriven
  FROM goodgo_events.relay_ack_claim('pk', :pp, :b5, 5, :b5 + 1, :'pk_seqs');
-- The largest max_events claims the rest of a window begun by a smaller claim.
SELECT count(goodgo_events.emit('peek.test', jsonb_build_object('n', g), 'peek-agg'))
  FROM generate_series(1, 3) g;
SELECT count(*) AS rows FROM goodgo_events.relay_ack_claim('pk', :pp, :b5 + 1, 1, NULL, NULL);
SELECT count(*) AS rows FROM goodgo_events.relay_ack_claim('pk', :pp, :b5 + 2, 2147483647, NULL, NULL);
SELECT goodgo_events.relay_ack('pk', :pp, :b5 + 3) AS acked;

-- A whole drain by peek-and-confirm delivers what claim/ack would: every
-- event once, in seq order, with batch ids 1, 2, ... (fresh relay name).
SELECT count(goodgo_events.emit('peek.test', jsonb_build_object('n', g), 'peek-agg'))
  FROM generate_series(12, 40) g;
SELECT goodgo_events.relay_lock('pk2', :pp);
CREATE TEMP TABLE drained (batch_id bigint, ord int, seq bigint, envelope text);
CREATE TEMP TABLE peeked (batch_id bigint, ord int, seq bigint, envelope text);
CREATE FUNCTION pg_temp.drain_peeking(r text, p int, maxn int, OUT batches int, OUT confirmed int)
LANGUAGE plpgsql AS $$
DECLARE
	b bigint;
	pk_id bigint;
	pk_seqs bigint[];
	c record;
BEGIN
	batches := 0;
	confirmed := 0;
	INSERT INTO drained SELECT x.batch_id, x.ord, x.seq, x.envelope::text FROM goodgo_events.relay_claim(r, p, maxn) x;
	LOOP
		SELECT max(d.batch_id) INTO b FROM drained d;
		EXIT WHEN b IS NULL OR NOT EXISTS (SELECT 1 FROM goodgo_events.relay_position(r, p) x WHERE x.open_batch_id = b);
		batches := batches + 1;
		TRUNCATE peeked;
		INSERT INTO peeked SELECT k.batch_id, k.ord, k.seq, k.envelope FROM goodgo_events.relay_peek(r, p, maxn) k;
		SELECT min(k.batch_id), array_agg(k.seq ORDER BY k.ord) INTO pk_id, pk_seqs FROM peeked k;
		FOR c IN SELECT * FROM goodgo_events.relay_ack_claim(r, p, b, maxn, pk_id, pk_seqs) LOOP
			IF c.ord = 0 THEN
				INSERT INTO drained SELECT k.batch_id, k.ord, k.seq, k.envelope FROM peeked k;
				confirmed := confirmed + 1;
			ELSE
				INSERT INTO drained VALUES (c.batch_id, c.ord, c.seq, c.envelope::text);
			END IF;
		END LOOP;
	END LOOP;
END $$;
-- every batch but the first (a plain claim) comes from a confirmed peek,
-- except the one after the window's last batch (nothing to claim)
SELECT batches > 5 AS several, confirmed = batches - 1 AS all_peeks_confirmed
  FROM pg_temp.drain_peeking('pk2', :pp, 3);
SELECT (SELECT count(*) FROM drained) = (SELECT count(*) FROM goodgo_events.outbox WHERE part = :pp) AS all_once,
	   (SELECT count(DISTINCT seq) FROM drained) = (SELECT count(*) FROM drained) AS no_dup,
	   (SELECT bool_and(ok) FROM (SELECT seq > lag(seq, 1, 0::bigint) OVER w
										 AND batch_id IN (lag(batch_id, 1, 1::bigint) OVER w, lag(batch_id, 1, 1::bigint) OVER w + 1) AS ok
									FROM drained WINDOW w AS (ORDER BY batch_id, ord)) x) AS in_order,
	   (SELECT bool_and(d.envelope = o.envelope::text) FROM drained d JOIN goodgo_events.outbox o USING (seq)) AS same_text;

SELECT goodgo_events.relay_forget('pk') AS forgot, goodgo_events.relay_forget('pk2') AS forgot2;
