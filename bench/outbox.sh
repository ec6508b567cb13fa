#!/usr/bin/env bash
# bench/outbox.sh: producer cost of the outbox, and drain throughput of the
# SQL claim/ack with and without an old snapshot held open.
#
# Producer side (pgbench -M prepared, several clients, synchronous_commit off, one run of
# each, interleaved round by round when ROUNDS > 1):
#   plain   INSERT of the same envelope into bench_plain: the outbox's columns,
#           partitions and indexes, no trigger (the baseline)
#   insert  INSERT INTO goodgo_events.outbox (envelope, aggregate_id): the
#           validating trigger (envelope check, payment.completed schema,
#           seq/txid/part/stream)
#   emit    SELECT goodgo_events.emit('payment.completed', payload, key)
# Drain side: EVENTS pre-inserted events drained by a procedure that claims
# and acks batches of BATCH, committing after each ack; then the same after
# the fill ran while another session held an old snapshot (and xid) open.
#
#   GG_PGPORT_BASE=... bash bench/outbox.sh [SECONDS] [CLIENTS] [ROUNDS]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"
SECS=${1:-10}
CLIENTS=${2:-4}
ROUNDS=${3:-1}
EVENTS=${GG_BENCH_EVENTS:-100000}
BATCH=${GG_BENCH_BATCH:-1000}
gg_build_install
gg_start_pg
export PATH="$GG_PGBIN:$PATH"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
q -c "CREATE EXTENSION goodgo_events"
q <<'SQL'
CREATE SEQUENCE bench_plain_seq;
CREATE TABLE bench_plain (
	gen smallint NOT NULL DEFAULT goodgo_events.outbox_current_gen(),
	seq bigint NOT NULL DEFAULT nextval('bench_plain_seq'),
	txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
	part integer NOT NULL DEFAULT 0,
	event_id uuid NOT NULL,
	event_type text NOT NULL,
	aggregate_id text,
	stream text NOT NULL,
	envelope jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (seq, gen),
	UNIQUE (event_id, gen)
) PARTITION BY LIST (gen);
CREATE INDEX ON bench_plain (part, txid);
CREATE TABLE bench_plain_g0 PARTITION OF bench_plain FOR VALUES IN (0);
CREATE TABLE bench_plain_g1 PARTITION OF bench_plain FOR VALUES IN (1);
CREATE TABLE bench_plain_g2 PARTITION OF bench_plain FOR VALUES IN (2);
CREATE FUNCTION bench_payload() RETURNS jsonb LANGUAGE sql IMMUTABLE RETURN
	'{"paymentId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8d", "orderId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8e",
	  "payerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8f", "sellerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c90",
	  "amount": {"amountMinor": 150000, "currency": "VND"}, "gateway": "vnpay",
	  "gatewayTransactionRef": "VNP14250001", "method": "card", "completedAt": "2026-11-27T04:40:00.123Z"}'::jsonb;
CREATE FUNCTION bench_envelope(id uuid) RETURNS jsonb LANGUAGE sql STABLE RETURN
	jsonb_build_object('schemaVersion', 1, 'eventId', id, 'eventType', 'payment.completed',
		'occurredAt', to_char(timezone('UTC', clock_timestamp()), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
		'producer', 'bench', 'traceId', '4bf92f3577b34da6a3ce929d0e0e4736', 'payload', bench_payload());
-- (a function: pgbench would take the colons of a literal for variables)
CREATE FUNCTION bench_stream() RETURNS text LANGUAGE sql IMMUTABLE RETURN 'goodgo:payment:{outbox:00}';
CREATE PROCEDURE bench_drain(relay text, batch int, INOUT n bigint DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
	b bigint;
	k bigint;
BEGIN
	PERFORM goodgo_events.relay_lock(relay, 0);
	LOOP
		SELECT count(*), max(c.batch_id) INTO k, b
		  FROM goodgo_events.relay_claim(relay, 0, batch) c;
		EXIT WHEN k = 0;
		PERFORM goodgo_events.relay_ack(relay, 0, b);
		n := n + k;
		COMMIT;
	END LOOP;
END $$;
SQL
# The payload is valid: a rejected insert would make the benchmark meaningless.
q -c "SELECT goodgo_events.emit('payment.completed', bench_payload(), 'warm')" >/dev/null

d=$GG_TMP/bench
mkdir -p "$d"
cat >"$d/plain.sql" <<'S'
\set a random(1, 100000)
INSERT INTO bench_plain (event_id, event_type, aggregate_id, stream, envelope)
SELECT u, 'payment.completed', 'pay-' || :a, bench_stream(), bench_envelope(u) FROM goodgo_events.uuid_v7() u;
S
cat >"$d/insert.sql" <<'S'
\set a random(1, 100000)
INSERT INTO goodgo_events.outbox (envelope, aggregate_id)
SELECT bench_envelope(u), 'pay-' || :a FROM goodgo_events.uuid_v7() u;
S
cat >"$d/emit.sql" <<'S'
\set a random(1, 100000)
SELECT goodgo_events.emit('payment.completed', bench_payload(), 'pay-' || :a);
S

rows() { q -c "SELECT (SELECT count(*) FROM bench_plain) + (SELECT count(*) FROM goodgo_events.outbox)"; }
# tps as pgbench reports it, after checking that every transaction it
# counted inserted its row (a failing variant must not look fast).
tps() {
	local before after out n
	before=$(rows)
	out=$(pgbench -n -M prepared -c "$CLIENTS" -j 2 -T "$SECS" -f "$d/$1.sql" 2>&1)
	after=$(rows)
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	[ -n "$n" ] && [ "$((after - before))" -eq "$n" ] ||
		gg_die "$1: $n transactions but $((after - before)) rows: $out"
	sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out"
}
declare -A sum
for v in plain insert emit; do sum[$v]=0; done
for r in $(seq "$ROUNDS"); do
	for v in plain insert emit; do
		q -c "CHECKPOINT"
		t=$(tps "$v")
		[ -n "$t" ] || gg_die "pgbench $v failed"
		echo "round $r: $v $t tps" >&2
		sum[$v]=$(echo "${sum[$v]} + $t" | bc -l)
	done
done
plain=$(echo "${sum[plain]} / $ROUNDS" | bc -l)
insert=$(echo "${sum[insert]} / $ROUNDS" | bc -l)
emit=$(echo "${sum[emit]} / $ROUNDS" | bc -l)
rejected=$(q -c "SELECT count(*) FROM goodgo_events.outbox WHERE event_type <> 'payment.completed'")
[ "$rejected" = 0 ] || gg_die "unexpected event types in the outbox"

echo "producer: $CLIENTS clients, ${SECS} s each, $ROUNDS round(s), synchronous_commit off"
echo "| variant | tps | ratio to plain |"
echo "|---|---|---|"
printf '| plain INSERT, no trigger (baseline) | %.0f | 1.00 |\n' "$plain"
printf '| INSERT INTO goodgo_events.outbox | %.0f | %.2f |\n' "$insert" "$(echo "$insert / $plain" | bc -l)"
printf '| goodgo_events.emit() | %.0f | %.2f |\n' "$emit" "$(echo "$emit / $plain" | bc -l)"

# Drain: fill, then claim/ack everything; once plain, once with an old
# snapshot held open through the fill and the drain.
fill() {
	q -c "INSERT INTO goodgo_events.outbox (envelope, aggregate_id)
	      SELECT bench_envelope(goodgo_events.uuid_v7()), 'pay-' || (i % 1000)
	        FROM generate_series(1, $EVENTS) i" >/dev/null
}
drain() {
	local t0 t1 n
	t0=$(date +%s.%N)
	n=$(q -c "CALL bench_drain('$1', $BATCH)")
	t1=$(date +%s.%N)
	echo "$n $(echo "$n / ($t1 - $t0)" | bc -l)"
}
q -c "CALL bench_drain('bench', $BATCH)" >/dev/null
fill
read -r n1 r1 < <(drain bench)
# Hold an old snapshot (and an xid) open in another session.
mkfifo "$d/hold"
psql -X -q <"$d/hold" >/dev/null 2>&1 &
holder=$!
exec 7>"$d/hold"
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_current_xact_id(); SELECT count(*) FROM bench_plain;" >&7
sleep 1
held=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND state = 'idle in transaction'")
fill
read -r n2 r2 < <(drain bench)
echo "COMMIT;" >&7
exec 7>&-
wait "$holder" || true
echo
echo "drain: $EVENTS events, batches of $BATCH, claim + ack + commit per batch (no network transfer)"
echo "| drain | events | events/s |"
echo "|---|---|---|"
printf '| no old snapshot | %s | %.0f |\n' "$n1" "$r1"
printf '| old snapshot + xid held open (%s session) | %s | %.0f |\n' "$held" "$n2" "$r2"
printf 'with/without ratio: %.2f\n' "$(echo "$r2 / $r1" | bc -l)"
