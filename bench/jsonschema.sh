#!/usr/bin/env bash
# bench/jsonschema.sh: cost of JSON Schema validation per row.
#
# Validates N pre-built ~600-byte payment.completed payloads (uuid and
# date-time formats, a pattern, an enum, a nested object,
# additionalProperties false) against the research schema, and runs the same
# scan without validation, interleaved, ROUNDS times, in one backend each.
# The figure is the backend's on-CPU time from /proc/self/schedstat (read
# with pg_read_file), not wall time, so other load on the machine matters
# less.  Prints medians: ms per scan, µs per row of validation (validated
# scan minus plain scan, divided by N), and the ratio of the two scans.
#
#   bash bench/jsonschema.sh [ROUNDS [N]]
#
# Needs the research files (../shared/research/jsonschema-bench/).  Uses its
# own throwaway cluster (test/lib.sh), with jit and parallel query off.
set -euo pipefail
ROUNDS=${1:-7}
N=${2:-100000}
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"
RES=${GG_BENCH_RESEARCH:-$GG_ROOT/../shared/research/jsonschema-bench}
[ -f "$RES/payload_expr.sql" ] || gg_die "no research files at $RES"

GG_PG_EXTRA_CONF="jit = off
max_parallel_workers_per_gather = 0"
gg_build_install
gg_start_pg

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -At)
"${PSQL[@]}" -c "CREATE EXTENSION goodgo_events"
"${PSQL[@]}" -c "CREATE TABLE bench AS SELECT $(cat "$RES/payload_expr.sql") AS p FROM generate_series(1, $N) i"
"${PSQL[@]}" -c "VACUUM ANALYZE bench"
SCHEMA=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))).replace("'"'"'", "'"''"'"))' \
	"$RES/payment.completed.2020-12.json")
SCHEMA7=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))).replace("'"'"'", "'"''"'"))' \
	"$RES/payment.completed.draft7.json")

# Sanity: every row is valid, and the schema rejects what it must.
valid=$("${PSQL[@]}" -c "SELECT count(*) FILTER (WHERE goodgo_events.jsonschema_is_valid('$SCHEMA'::jsonb, p)) FROM bench")
[ "$valid" = "$N" ] || gg_die "only $valid of $N rows are valid"
bad=$("${PSQL[@]}" -c "SELECT count(*) FILTER (WHERE NOT goodgo_events.jsonschema_is_valid('$SCHEMA'::jsonb, p))
	FROM (SELECT p || x AS p FROM (SELECT p FROM bench LIMIT 1) s,
	  unnest(ARRAY['{\"currency\":\"kes\"}', '{\"amount\":-1}', '{\"amount\":10.5}', '{\"extra\":1}',
	               '{\"gateway\":\"cash\"}', '{\"event_type\":\"x.y\"}', '{\"event_id\":\"not-a-uuid\"}',
	               '{\"occurred_at\":\"2026-13-01T00:00:00Z\"}']::jsonb[]) x) t")
[ "$bad" = "8" ] || gg_die "the schema rejected only $bad of 8 bad payloads"

# One measurement: on-CPU ns of this backend for one statement.
measure() {
	"${PSQL[@]}" <<SQL | tail -1
SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS t0, clock_timestamp() AS w0 \gset
SELECT count(*) FILTER (WHERE $1) FROM bench \g /dev/null
SELECT (split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :t0) || ' ' ||
       round(extract(epoch FROM clock_timestamp() - :'w0') * 1e9);
SQL
}

declare -A PRED=(
	[a_baseline]="p IS NOT NULL"
	[b_2020_12_formats_on]="goodgo_events.jsonschema_is_valid('$SCHEMA'::jsonb, p)"
	[d_draft7_formats_on]="goodgo_events.jsonschema_is_valid('$SCHEMA7'::jsonb, p)"
)
declare -A CPU WALL
names=(a_baseline b_2020_12_formats_on d_draft7_formats_on)
for r in $(seq "$ROUNDS"); do
	# rotate the order every round
	for k in $(seq 0 $((${#names[@]} - 1))); do
		n=${names[$(((k + r) % ${#names[@]}))]}
		read -r cpu wall < <(measure "${PRED[$n]}")
		CPU[$n]+="$cpu "
		WALL[$n]+="$wall "
	done
done
# formats off: the GUC must be set in the measuring session
for r in $(seq "$ROUNDS"); do
	read -r cpu wall < <(PGOPTIONS="-c goodgo_events.json_schema_format_assertion=off" \
		measure "goodgo_events.jsonschema_is_valid('$SCHEMA'::jsonb, p)")
	CPU[c_2020_12_formats_off]+="$cpu "
	WALL[c_2020_12_formats_off]+="$wall "
done
names+=(c_2020_12_formats_off)

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(echo "${CPU[a_baseline]}" | median)
printf '%d rows x %d rounds, medians (on-CPU time of the backend; wall time beside it)\n' "$N" "$ROUNDS"
printf '%-24s %12s %12s %14s %10s\n' variant "cpu ms" "wall ms" "µs/row valid." "x baseline"
for n in a_baseline b_2020_12_formats_on c_2020_12_formats_off d_draft7_formats_on; do
	cpu=$(echo "${CPU[$n]}" | median)
	wall=$(echo "${WALL[$n]}" | median)
	awk -v n="$n" -v c="$cpu" -v w="$wall" -v b="$base" -v rows="$N" 'BEGIN {
		us = (n == "a_baseline") ? "-" : sprintf("%.2f", (c - b) / 1000 / rows);
		printf "%-24s %12.1f %12.1f %14s %10.2f\n", n, c / 1e6, w / 1e6, us, c / b }'
done
