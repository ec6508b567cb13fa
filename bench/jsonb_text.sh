#!/usr/bin/env bash
# bench/jsonb_text.sh: goodgo_events.jsonb_text(envelope) against
# envelope::text (core's jsonb_out), on the envelopes the relay publishes.
#
#   GG_PGPORT_BASE=58000 GG_REDIS_PORT_BASE=63800 bash bench/jsonb_text.sh [ROUNDS [N]]
#
# Builds and installs into a throwaway cluster (test/lib.sh), fills a table
# with N (default 200000) distinct envelopes of about 580 bytes of text
# (the payment.completed payload of bench/relay_bench.py inside a full
# envelope), checks that both functions give the same text for every row,
# then runs these scans ROUNDS times (default 7), interleaved, the order
# rotated every round, each statement in a fresh backend:
#
#   floor          count(envelope): reading the rows, no text made
#   cast           sum(length(envelope::text))
#   jsonb_text     sum(length(goodgo_events.jsonb_text(envelope)))
#   cast_oct       sum(octet_length(envelope::text))
#   jsonb_text_oct sum(octet_length(goodgo_events.jsonb_text(envelope)))
#   copy_cast      COPY (SELECT envelope ...) TO '/dev/null': jsonb_out per row
#   copy_jsonb_text COPY (SELECT goodgo_events.jsonb_text(envelope) ...) TO
#                  '/dev/null': the way a relay query returns rows
#   text_len       sum(length(t)) over the same texts stored as text, and
#   text_oct       sum(octet_length(t)): their difference is what length()
#                  itself costs per envelope
#
# length() counts characters, a second pass over every byte that both
# sides pay; octet_length() reads the size from the header, so the _oct
# pair shows the serializers themselves.  The figure is the backend's
# on-CPU time from /proc/self/schedstat (read with pg_read_file), not wall
# time, so other load on the machine matters less; medians are printed, and
# the ratios cast / jsonb_text both whole and with the floor taken off.
set -euo pipefail
ROUNDS=${1:-7}
N=${2:-200000}
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"

GG_PG_EXTRA_CONF="jit = off
max_parallel_workers_per_gather = 0"
gg_build_install >/dev/null
gg_start_pg

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -At)
"${PSQL[@]}" -c "CREATE EXTENSION goodgo_events"
"${PSQL[@]}" -v n="$N" <<'SQL'
CREATE TABLE bench AS
SELECT jsonb_build_object(
		'schemaVersion', 1,
		'eventId', overlay(overlay(md5(g::text)::uuid::text placing '7' from 15) placing 'a' from 20),
		'eventType', 'payment.completed',
		'occurredAt', to_char(timestamp '2026-01-01' + g * interval '1.5 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
		'producer', 'api',
		'traceId', md5('t' || g),
		'payload', jsonb_build_object('paymentId', 'pay_' || g, 'orderId', 'ord_' || (g * 7),
			'customerId', 'cus_' || (g % 10007),
			'amount', jsonb_build_object('value', 1999 + g % 100, 'currency', 'EUR'), 'method', 'card',
			'card', jsonb_build_object('brand', 'visa', 'last4', '4242', 'expMonth', 12, 'expYear', 2030),
			'status', 'completed',
			'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-1001', 'qty', 1, 'price', 999),
				jsonb_build_object('sku', 'SKU-2002', 'qty', 2, 'price', 500)))) AS envelope
  FROM generate_series(1, :n) g;
CREATE TABLE bench_text AS SELECT envelope::text AS t FROM bench;
VACUUM ANALYZE bench, bench_text;
SQL

read -r rows same avg_text avg_stored <<<"$("${PSQL[@]}" -F ' ' -c "
SELECT count(*), count(*) FILTER (WHERE goodgo_events.jsonb_text(envelope) = envelope::text),
	   round(avg(octet_length(envelope::text))), round(avg(pg_column_size(envelope)))
  FROM bench")"
[ "$rows" = "$N" ] && [ "$same" = "$N" ] || gg_die "jsonb_text differs from ::text on $((rows - same)) of $rows rows"

# One measurement: on-CPU ns of a fresh backend for one statement.
measure() {
	"${PSQL[@]}" <<SQL | tail -1
SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS t0 \gset
$1 \g /dev/null
SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :t0;
SQL
}

declare -A STMT=(
	[floor]="SELECT count(envelope) FROM bench"
	[cast]="SELECT sum(length(envelope::text)) FROM bench"
	[jsonb_text]="SELECT sum(length(goodgo_events.jsonb_text(envelope))) FROM bench"
	[cast_oct]="SELECT sum(octet_length(envelope::text)) FROM bench"
	[jsonb_text_oct]="SELECT sum(octet_length(goodgo_events.jsonb_text(envelope))) FROM bench"
	[copy_cast]="COPY (SELECT envelope FROM bench) TO '/dev/null'"
	[copy_jsonb_text]="COPY (SELECT goodgo_events.jsonb_text(envelope) FROM bench) TO '/dev/null'"
	[text_len]="SELECT sum(length(t)) FROM bench_text"
	[text_oct]="SELECT sum(octet_length(t)) FROM bench_text"
)
names=(floor cast jsonb_text cast_oct jsonb_text_oct copy_cast copy_jsonb_text text_len text_oct)
declare -A CPU
for r in $(seq "$ROUNDS"); do
	for k in $(seq 0 $((${#names[@]} - 1))); do
		n=${names[$(((k + r) % ${#names[@]}))]}
		CPU[$n]+="$(measure "${STMT[$n]}") "
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A MED
for n in "${names[@]}"; do MED[$n]=$(echo "${CPU[$n]}" | median); done

printf '%d envelopes (%s bytes of text, %s bytes stored, on average), %d rounds, medians of the\n' \
	"$N" "$avg_text" "$avg_stored" "$ROUNDS"
printf 'on-CPU time of the backend (schedstat); %s\n\n' "$(uptime | sed 's/.*load/load/')"
printf '| %-80s | %8s | %7s | %14s |\n' "statement" "cpu ms" "ns/row" "ns/row - floor"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..82})" "$(printf -- '-%.0s' {1..10})" \
	"$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..16})"
for n in "${names[@]}"; do
	awk -v e="${STMT[$n]}" -v n="$n" -v c="${MED[$n]}" -v f="${MED[floor]}" -v rows="$N" 'BEGIN {
		printf "| %-80s | %8.1f | %7.0f | %14s |\n", e, c / 1e6, c / rows,
			(n == "floor" || n ~ /^text_/) ? "-" : sprintf("%.0f", (c - f) / rows) }'
done
echo
awk -v c="${MED[cast]}" -v j="${MED[jsonb_text]}" -v co="${MED[cast_oct]}" -v jo="${MED[jsonb_text_oct]}" \
	-v cc="${MED[copy_cast]}" -v cj="${MED[copy_jsonb_text]}" -v tl="${MED[text_len]}" -v to="${MED[text_oct]}" \
	-v f="${MED[floor]}" -v rows="$N" 'BEGIN {
	printf "serializer alone (octet_length, floor taken off): ::text %.0f ns, jsonb_text %.0f ns per envelope: %.2fx\n", (co - f) / rows, (jo - f) / rows, (co - f) / (jo - f)
	printf "sum(length(...)), whole statement:                 %.2fx (%.2fx with the floor taken off)\n", c / j, (c - f) / (j - f)
	printf "  length() itself counts characters: %.0f ns per envelope on both sides (text_len - text_oct)\n", (tl - to) / rows
	printf "sum(octet_length(...)), whole statement:           %.2fx\n", co / jo
	printf "COPY to /dev/null (rows through the output path):  %.2fx whole statement\n", cc / cj }'
