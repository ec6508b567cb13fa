-- The payload's version travels with the event (issue 16, item 4): every
-- function returning a batch's rows ends with schema_version, the outbox
-- row's (NULL when no version validated the payload); a dead letter keeps
-- it, so a redriven event carries it again.
\set SHOW_CONTEXT never
-- (the position starts after what the other tests left in the outbox)
SELECT bool_and(goodgo_events.relay_lock('sv', p.part)) AS locked,
	   count(goodgo_events.relay_reset('sv', p.part, 'now')) > 0 AS reset
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) AS p(part);
SET client_min_messages = warning;
SELECT goodgo_events.register_event_type('sv.changed', '{"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}') AS v1;
SELECT goodgo_events.set_event_type_compatibility('sv.changed', 'NONE');
SELECT goodgo_events.emit('sv.changed', '{"n": 1}', 'sv-agg') AS e1 \gset
SELECT goodgo_events.register_event_type('sv.changed', '{"type": "object", "properties": {"n": {"type": "string"}}, "required": ["n"]}') AS v2;
SELECT goodgo_events.emit('sv.changed', '{"n": "two"}', 'sv-agg') AS e2 \gset
SET goodgo_events.unknown_event_types = allow;
SELECT goodgo_events.emit('sv.unregistered', '{"n": 3}', 'sv-agg') AS e3 \gset
SELECT goodgo_events.emit('sv.changed', '{"n": "four"}', 'sv-agg') AS e4 \gset
RESET goodgo_events.unknown_event_types;
RESET client_min_messages;
SELECT part AS np FROM goodgo_events.outbox WHERE event_id = :'e1' \gset
SELECT event_id = :'e1' AS e1, event_id = :'e2' AS e2, event_id = :'e3' AS e3, schema_version
  FROM goodgo_events.outbox WHERE event_id IN (:'e1', :'e2', :'e3', :'e4') ORDER BY seq;

-- relay_claim (batch 1: e1), relay_peek (the next batch: e2, e3), the
-- 4-argument relay_ack_claim (batch 2: e2, e3), the 6-argument one (batch 3: e4).
SELECT ord, event_type, schema_version FROM goodgo_events.relay_claim('sv', :np, 1);
SELECT open_batch_id AS b1 FROM goodgo_events.relay_position('sv', :np) \gset
SELECT ord, event_type, schema_version FROM goodgo_events.relay_peek('sv', :np, 2);
SELECT ord, event_type, schema_version FROM goodgo_events.relay_ack_claim('sv', :np, :b1, 2);
SELECT open_batch_id AS b2 FROM goodgo_events.relay_position('sv', :np) \gset
SELECT ord, event_type, schema_version FROM goodgo_events.relay_ack_claim('sv', :np, :b2, 5, NULL, NULL);
SELECT open_batch_id AS b3 FROM goodgo_events.relay_position('sv', :np) \gset
-- e4 becomes a dead letter, which keeps its version.
SET goodgo_events.relay_max_attempts = 1;
SELECT goodgo_events.relay_nack('sv', :np, :b3, (SELECT seq FROM goodgo_events.outbox WHERE event_id = :'e4'), 'WRONGTYPE x') AS dead;
SELECT goodgo_events.relay_ack('sv', :np, :b3) AS acked;
RESET goodgo_events.relay_max_attempts;
SELECT event_type, schema_version FROM goodgo_events.dead_letters WHERE relay = 'sv';
-- Redriven: its batch carries the version again, and so do the replays.
SELECT goodgo_events.redrive_dead_letters('sv') AS requeued;
SELECT ord, event_type, schema_version FROM goodgo_events.relay_claim('sv', :np, 10);
SELECT open_batch_id AS b4 FROM goodgo_events.relay_position('sv', :np) \gset
SELECT goodgo_events.relay_ack('sv', :np, :b4) AS acked;
SELECT batch_id - :b1 AS batch, ord, event_type, replay, schema_version
  FROM goodgo_events.relay_replay('sv', :np, :b1) ORDER BY batch_id, ord;
SELECT count(*) AS by_time, count(schema_version) AS versioned
  FROM goodgo_events.relay_replay('sv', :np, now() - interval '1 hour');
SELECT batch_id - :b1 AS batch, ord, schema_version
  FROM goodgo_events.relay_batch_rows('sv', :np, :b4);
SELECT goodgo_events.relay_forget('sv') >= 0 AS forgotten;
SELECT bool_and(goodgo_events.relay_unlock('sv', p.part)) AS unlocked
  FROM generate_series(0, goodgo_events.outbox_partitions() - 1) AS p(part);
