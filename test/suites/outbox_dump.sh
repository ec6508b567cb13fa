# pg_dump and restore keep unpublished events, dead letters, the registry and
# the relay positions' batch counters.  Every event comes back exactly as
# dumped (seq, partition, schema version, findings, ...), also the ones that
# would not validate today: accepted in warn mode before the type went to
# enforce, validated through a user document ($ref) that pg_restore may
# restore after the outbox, accepted by a version a stricter one replaced,
# let in with unknown_event_types = allow.  Only txid is the restoring
# transaction's (an xid of the dumped cluster means nothing here), so every
# retained event is delivered again (at least once), with batch ids that
# keep increasing.  Nothing is to be done after pg_restore.
set -uo pipefail
cd "$GG_ROOT"
src=outbox_dump_src
dst=outbox_dump_dst
dst2=outbox_dump_dst2
dst3=outbox_dump_dst3
src11=outbox_dump_src11
dst11=outbox_dump_dst11
dump=$GG_TMP/outbox_dump.pgdump
log=$GG_TMP/outbox_dump.log
: >"$log"
q() { "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
result() { echo "$1 outbox_dump:$2" >>"$GG_RESULTS"; echo "$1 $2"; }
fail() { cat "$log"; result FAIL "$1"; exit 0; }

q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
	-c "DROP DATABASE IF EXISTS $dst2" -c "DROP DATABASE IF EXISTS $dst3" \
	-c "DROP DATABASE IF EXISTS $src11" -c "DROP DATABASE IF EXISTS $dst11" \
	-c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" -c "CREATE DATABASE $dst2" \
	-c "CREATE DATABASE $dst3" -c "CREATE DATABASE $src11" -c "CREATE DATABASE $dst11" >>"$log" 2>&1 || fail setup

# 41 events over 2 partitions and 2 generations; relay r acks the first 10
# of partition 0 and everything of partition 1 up to a dead letter; the
# rest stays pending.
q -d "$src" >>"$log" 2>&1 <<'SQL' || fail setup
CREATE EXTENSION goodgo_events;
SELECT goodgo_events.outbox_set_partitions(2);
SELECT goodgo_events.register_event_type('invoice.issued',
	'{"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}');
SELECT goodgo_events.emit('invoice.issued', jsonb_build_object('n', i), 'inv-' || (i % 7))
  FROM generate_series(1, 20) i;
SELECT goodgo_events.relay_lock('r', 0), goodgo_events.relay_lock('r', 1);
SELECT count(*) FROM goodgo_events.relay_claim('r', 0, 10);
SELECT goodgo_events.relay_ack('r', 0, 1);
SET goodgo_events.relay_max_attempts = 1;
SELECT goodgo_events.relay_nack('r', 1, c.batch_id, c.seq, 'WRONGTYPE') FROM goodgo_events.relay_claim('r', 1, 1000) c WHERE c.ord = 1;
SELECT goodgo_events.relay_ack('r', 1, 1);
SELECT goodgo_events.outbox_rotate();
SELECT goodgo_events.emit('invoice.issued', jsonb_build_object('n', i), 'inv-' || (i % 7))
  FROM generate_series(21, 30) i;
-- (i) accepted in warn mode (findings kept), then the type goes to enforce
SELECT goodgo_events.register_event_type('lead.created',
	'{"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}', 'warn');
SELECT goodgo_events.emit('lead.created', p, 'lead-' || i)
  FROM (VALUES (1, '{"name": "no email"}'::jsonb), (2, '{"email": 7}'), (3, '{"email": "a@b.c"}'),
			   (4, '{}')) v(i, p);
SELECT goodgo_events.set_event_type_mode('lead.created', 'enforce');
-- (ii) a user type whose schema $refs a user document
SELECT goodgo_events.register_schema('urn:outbox-dump:money',
	'{"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer"}}}');
SELECT goodgo_events.register_event_type('refund.booked', '{"$ref": "urn:outbox-dump:money"}');
SELECT goodgo_events.emit('refund.booked', jsonb_build_object('amount', i), 'refund-' || i)
  FROM generate_series(1, 3) i;
-- (iii) accepted by version 1, which a stricter version 2 replaced
SELECT goodgo_events.register_event_type('order.noted', '{"type": "object"}');
SELECT goodgo_events.emit('order.noted', jsonb_build_object('note', i), 'order-' || i)
  FROM generate_series(1, 2) i;
SELECT goodgo_events.register_event_type('order.noted', '{"type": "object", "required": ["text"]}', 'enforce',
	'test: a stricter version on purpose');
-- (iv) let in with unknown_event_types = allow
SET goodgo_events.unknown_event_types = allow;
SELECT goodgo_events.emit(t, '{}', 'mystery-' || t) FROM unnest(ARRAY['mystery.seen', 'mystery.heard']) t;
SQL

listing() {
	q -d "$1" -c "SELECT event_id, event_type, aggregate_id, md5(envelope::text) FROM goodgo_events.outbox ORDER BY event_id"
}
listing "$src" >"$GG_TMP/outbox_dump.before" 2>>"$log" || fail setup
# Every column but txid, as text: the rows must come back byte for byte.
rows() {
	q -d "$1" -c "COPY (SELECT gen, seq, part, event_id, event_type, aggregate_id, stream, envelope,
			schema_version, findings, created_at FROM goodgo_events.outbox ORDER BY gen, seq) TO STDOUT"
	q -d "$1" -c "COPY (SELECT * FROM goodgo_events.dead_letters ORDER BY id) TO STDOUT"
}
rows "$src" >"$GG_TMP/outbox_dump.rows_before" 2>>"$log" || fail setup
cases=$(q -d "$src" -c "SELECT count(*) FILTER (WHERE findings IS NOT NULL) || ' ' || count(*) FILTER (WHERE schema_version IS NULL)
	|| ' ' || count(DISTINCT gen) || ' ' || count(*) FROM goodgo_events.outbox")
# 3 warn-mode findings, 2 unknown types without a version, 2 generations, 41 events
[ "$cases" = "3 2 2 41" ] || { echo "source: $cases"; fail setup; }
pending_src=$(q -d "$src" -c "SELECT sum(pending_estimate) FROM goodgo_events.outbox_stats WHERE relay = 'r'")
last_src=$(q -d "$src" -c "SELECT max(last_batch_id) FROM goodgo_events.relay_positions WHERE relay = 'r'")
txid_src=$(q -d "$src" -c "SELECT max(txid) FROM goodgo_events.outbox")
parts_src=$(q -d "$src" -c "SELECT string_agg(event_id || ':' || part, ',' ORDER BY event_id) FROM goodgo_events.outbox")

"$GG_PGBIN/pg_dump" -Fc -d "$src" -f "$dump" >>"$log" 2>&1 || fail dump
"$GG_PGBIN/pg_restore" --exit-on-error -d "$dst" "$dump" >>"$log" 2>&1 || fail restore
result PASS restore

listing "$dst" >"$GG_TMP/outbox_dump.after" 2>>"$log"
if [ "$(wc -l <"$GG_TMP/outbox_dump.before")" -eq 41 ] &&
	cmp -s "$GG_TMP/outbox_dump.before" "$GG_TMP/outbox_dump.after"; then
	result PASS events_kept
else
	diff "$GG_TMP/outbox_dump.before" "$GG_TMP/outbox_dump.after" | head
	result FAIL events_kept
fi

dl=$(q -d "$dst" -c "SELECT count(*) || ' ' || min(last_error) || ' ' || min(attempts) FROM goodgo_events.dead_letters")
[ "$dl" = "1 WRONGTYPE 1" ] && result PASS dead_letters_kept || { echo "dead letters: $dl"; result FAIL dead_letters_kept; }

# Every row exactly as dumped: generation, seq, partition, ids, stream,
# envelope, schema version, findings, created_at (and the dead letters).
kept() {
	rows "$1" >"$GG_TMP/outbox_dump.rows_$1" 2>>"$log"
	if [ "$(wc -l <"$GG_TMP/outbox_dump.rows_before")" -eq 42 ] &&
		cmp -s "$GG_TMP/outbox_dump.rows_before" "$GG_TMP/outbox_dump.rows_$1"; then
		result PASS "rows_as_dumped${2:-}"
	else
		diff "$GG_TMP/outbox_dump.rows_before" "$GG_TMP/outbox_dump.rows_$1" | head -20
		result FAIL "rows_as_dumped${2:-}"
	fi
}
kept "$dst"

# Only the txid is new: the restoring transactions' of this cluster.
check=$(q -d "$dst" -c "SELECT count(*) = 41 AND bool_and(txid > '$txid_src') FROM goodgo_events.outbox")
[ "$check" = t ] && result PASS txid_of_restore || { echo "txid: $check"; result FAIL txid_of_restore; }

# Nothing to do after pg_restore: the validating trigger computes with the
# restored N at once (outbox_config_sync), relays are not refused.
# outbox_after_restore(), kept for 1.1's instructions, moves nothing.
agree=$(q -d "$dst" -c "SELECT goodgo_events.outbox_trigger_partitions() || ' ' || goodgo_events.outbox_partitions()" 2>>"$log")
[ "$agree" = "2 2" ] && result PASS trigger_partitions_restored || { echo "partitions: $agree"; result FAIL trigger_partitions_restored; }
rerouted=$(q -d "$dst" -c "SELECT goodgo_events.outbox_after_restore()" 2>>"$log")
[ "$rerouted" = 0 ] && result PASS after_restore_not_needed || { echo "after_restore: $rerouted"; result FAIL after_restore_not_needed; }
parts_dst=$(q -d "$dst" -c "SELECT string_agg(event_id || ':' || part, ',' ORDER BY event_id) FROM goodgo_events.outbox")
[ "$parts_dst" = "$parts_src" ] && result PASS same_partitions || result FAIL same_partitions

# Whatever the order pg_restore uses: the outbox's generations first, in
# reverse order, before schema_documents and the registry, outbox_config
# last.  (The registry's own tables keep their order: event_type_versions
# has a foreign key to event_types.)
"$GG_PGBIN/pg_restore" -l "$dump" >"$GG_TMP/outbox_dump.list" 2>>"$log" || fail restore_reversed
data() { grep ' TABLE DATA ' "$GG_TMP/outbox_dump.list"; }
{ grep -v ' TABLE DATA ' "$GG_TMP/outbox_dump.list"; data | grep ' outbox_g[0-9] ' | tac
	data | grep -v ' outbox_g[0-9] \| outbox_config '; data | grep ' outbox_config '; } \
	>"$GG_TMP/outbox_dump.list_reversed"
[ "$(data | wc -l)" -eq "$(grep -c ' TABLE DATA ' "$GG_TMP/outbox_dump.list_reversed")" ] || fail restore_reversed
echo "table data restored in this order:"; grep ' TABLE DATA ' "$GG_TMP/outbox_dump.list_reversed" | sed 's/.* TABLE DATA /  /'
"$GG_PGBIN/pg_restore" --exit-on-error -L "$GG_TMP/outbox_dump.list_reversed" -d "$dst2" "$dump" >>"$log" 2>&1 ||
	fail restore_reversed
kept "$dst2" _reversed_order
agree=$(q -d "$dst2" -c "SELECT goodgo_events.outbox_trigger_partitions() || ' ' || goodgo_events.outbox_partitions()" 2>>"$log")
[ "$agree" = "2 2" ] && result PASS trigger_partitions_reversed_order || { echo "partitions: $agree"; result FAIL trigger_partitions_reversed_order; }

out=$(q -d "$dst" 2>>"$log" <<SQL
SELECT goodgo_events.relay_lock('r', 0), goodgo_events.relay_lock('r', 1);
CREATE TEMP TABLE got AS
	SELECT * FROM goodgo_events.relay_claim('r', 0, 1000) UNION ALL SELECT * FROM goodgo_events.relay_claim('r', 1, 1000);
SELECT count(*) = 41, count(DISTINCT event_id) = 41, min(batch_id) > $last_src FROM got;
SELECT goodgo_events.relay_ack('r', p, (SELECT open_batch_id FROM goodgo_events.relay_position('r', p))) FROM generate_series(0, 1) p;
SELECT goodgo_events.emit('invoice.issued', '{"n": 31}', 'inv-new') IS NOT NULL;
-- a new event draws a seq above every restored one
SELECT seq > (SELECT max(seq) FROM got) FROM goodgo_events.outbox WHERE aggregate_id = 'inv-new';
SELECT (SELECT count(*) FROM goodgo_events.relay_claim('r', 0, 1000)) + (SELECT count(*) FROM goodgo_events.relay_claim('r', 1, 1000));
SQL
)
echo "$out" | tr '\n' ' '; echo
if [ "$(echo "$out" | sed -n 2p)" = "t|t|t" ] && [ "$(echo "$out" | sed -n 6p)" = t ] &&
	[ "$(echo "$out" | tail -1)" = 1 ]; then
	result PASS redelivered_after_restore
else
	result FAIL redelivered_after_restore
fi
echo "pending in the source before the dump: $pending_src (all 41 retained events delivered again after the restore)"

# A plain dump with --inserts, restored by psql: the rows come back through
# INSERT statements instead of COPY, with the same result.
"$GG_PGBIN/pg_dump" --inserts -d "$src" -f "$GG_TMP/outbox_dump.sql" >>"$log" 2>&1 || fail dump_inserts
q -d "$dst3" -f "$GG_TMP/outbox_dump.sql" >>"$log" 2>&1 || fail restore_inserts
kept "$dst3" _inserts

# A dump of 1.1 (no value of outbox_seq in it) restored into 1.2: rows kept
# as dumped, and a new event still draws a seq above them.
q -d "$src11" >>"$log" 2>&1 <<'SQL' || fail setup_11
CREATE EXTENSION goodgo_events VERSION '1.1';
SELECT goodgo_events.outbox_set_partitions(2);
SELECT goodgo_events.register_event_type('lead.created',
	'{"type": "object", "required": ["email"]}', 'warn');
SELECT goodgo_events.emit('lead.created', jsonb_build_object('n', i), 'lead-' || i) FROM generate_series(1, 5) i;
SELECT goodgo_events.set_event_type_mode('lead.created', 'enforce');
SQL
"$GG_PGBIN/pg_dump" -Fc -d "$src11" -f "$GG_TMP/outbox_dump11.pgdump" >>"$log" 2>&1 || fail dump_11
"$GG_PGBIN/pg_restore" --exit-on-error -d "$dst11" "$GG_TMP/outbox_dump11.pgdump" >>"$log" 2>&1 || fail restore_11
rows11() {
	q -d "$1" -c "COPY (SELECT gen, seq, part, event_id, event_type, aggregate_id, stream, envelope,
			schema_version, findings, created_at FROM goodgo_events.outbox ORDER BY gen, seq) TO STDOUT"
}
out=$(q -d "$dst11" 2>>"$log" <<'SQL'
SELECT extversion FROM pg_extension WHERE extname = 'goodgo_events';
SELECT count(*) FILTER (WHERE findings IS NOT NULL) FROM goodgo_events.outbox;
SELECT goodgo_events.emit('lead.created', '{"email": "a@b.c"}', 'lead-new') IS NOT NULL;
SELECT seq > (SELECT max(seq) FROM goodgo_events.outbox WHERE aggregate_id <> 'lead-new')
  FROM goodgo_events.outbox WHERE aggregate_id = 'lead-new';
SELECT goodgo_events.outbox_trigger_partitions();
SQL
)
echo "restored 1.1 dump: $(echo "$out" | tr '\n' ' ')"
if [ "$(rows11 "$src11")" = "$(rows11 "$dst11" | head -5)" ] && [ "$(rows11 "$src11" | wc -l)" = 5 ] &&
	[ "$(echo "$out" | tr '\n' ' ')" = "1.2 5 t t 2 " ]; then
	result PASS dump_of_1_1
else
	result FAIL dump_of_1_1
fi

# Every sequence of the extension is dumped with its value (the rows of the
# outbox, dead_letters and the generation counter depend on them); a new
# sequence that is not would show here.
undumped=$(q -d "$src" -c "SELECT coalesce(string_agg(c.oid::regclass::text, ' '), '-')
	FROM pg_class c, pg_extension e
	WHERE e.extname = 'goodgo_events' AND c.relkind = 'S'
	  AND c.relnamespace = 'goodgo_events'::regnamespace AND NOT c.oid = ANY (e.extconfig)" 2>>"$log")
[ "$undumped" = - ] && result PASS sequences_dumped || { echo "not dumped: $undumped"; result FAIL sequences_dumped; }

# A poison event after the restore becomes a dead letter: the identity
# sequence of dead_letters is dumped with its rows, so the new dead letter's
# id follows the restored ones instead of colliding with them (23505, and
# the partition stuck on that batch).
out=$(q -d "$dst" 2>&1 <<'SQL'
SELECT goodgo_events.relay_lock('r', 0), goodgo_events.relay_lock('r', 1);
SELECT goodgo_events.relay_ack('r', p, (SELECT open_batch_id FROM goodgo_events.relay_position('r', p)))
  FROM generate_series(0, 1) p;
SET goodgo_events.relay_max_attempts = 1;
SELECT goodgo_events.emit('invoice.issued', '{"n": 32}', 'inv-poison') IS NOT NULL;
CREATE TEMP TABLE c AS
	SELECT 0 AS p, * FROM goodgo_events.relay_claim('r', 0, 1000)
	UNION ALL SELECT 1, * FROM goodgo_events.relay_claim('r', 1, 1000);
SELECT goodgo_events.relay_nack('r', c.p, c.batch_id, c.seq, 'poison') FROM c WHERE c.aggregate_id = 'inv-poison';
SELECT DISTINCT goodgo_events.relay_ack('r', c.p, c.batch_id) FROM c;
SELECT string_agg(id || ':' || last_error, ',' ORDER BY id) FROM goodgo_events.dead_letters;
SQL
)
echo "$out" | tr '\n' ' '; echo
if [ "$(echo "$out" | tail -1)" = "1:WRONGTYPE,2:poison" ] && echo "$out" | grep -qx t; then
	result PASS nack_after_restore
else
	result FAIL nack_after_restore
fi
