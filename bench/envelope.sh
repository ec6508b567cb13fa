#!/usr/bin/env bash
# bench/envelope.sh: cost of the envelope check per row, next to baselines
# measured in the same run on the same rows.
#
#   GG_PGPORT_BASE=58000 GG_REDIS_PORT_BASE=63800 bash bench/envelope.sh [ROWS]
#
# Builds and installs into a throwaway cluster (test/lib.sh), fills a table
# with ROWS distinct valid envelopes (default 200000), and times, best of 7:
#   - reading the rows (the floor every check pays),
#   - the cast to goodgo_events.event_envelope (our C check),
#   - envelope_errors() (the same check, collecting findings),
#   - the same rules written in SQL (regexes, jsonb_typeof; what one writes
#     without the extension; it checks dates only by shape),
#   - jsonschema_is_valid(envelope.schema.json, e), the generic validator,
#     when the database has it,
# and the same for rows that are all invalid (three findings each).
# The machine's load shows in the figures: compare lines of one run only.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"
rows=${1:-200000}
gg_build_install >/dev/null
gg_start_pg

psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
psql -c 'CREATE EXTENSION goodgo_events'
psql -v rows="$rows" -v schema="$(cat schemas/envelope.schema.json)" <<'SQL'
CREATE TABLE good AS
SELECT jsonb_build_object(
		'schemaVersion', 1,
		'eventId', overlay(overlay(md5(i::text)::uuid::text placing '7' from 15) placing 'a' from 20),
		'eventType', 'payment.completed',
		'occurredAt', to_char(timestamp '2024-01-01' + i * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
		'producer', 'api',
		'traceId', md5('t' || i),
		'payload', jsonb_build_object('paymentId', md5('p' || i)::uuid, 'amount', jsonb_build_object('amountMinor', i, 'currency', 'VND'))) AS e
  FROM generate_series(1, :rows) i;
CREATE TABLE bad AS
SELECT e || '{"traceId": "4BF92F3577B34DA6A3CE929D0E0E4736", "producer": "", "extra": 1}' AS e FROM good;
CREATE TABLE envelope_schema AS SELECT :'schema'::jsonb AS s;
VACUUM ANALYZE good, bad, envelope_schema;

CREATE FUNCTION sql_check(e jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT jsonb_typeof(e) = 'object'
   AND e ?& '{schemaVersion,eventId,eventType,occurredAt,producer,traceId,payload}'
   AND (SELECT count(*) FROM jsonb_object_keys(e)) = 7
   AND jsonb_typeof(e->'schemaVersion') = 'number' AND (e->>'schemaVersion')::numeric = 1
   AND jsonb_typeof(e->'eventId') = 'string'
   AND e->>'eventId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
   AND jsonb_typeof(e->'eventType') = 'string'
   AND e->>'eventType' ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'
   AND jsonb_typeof(e->'occurredAt') = 'string'
   AND e->>'occurredAt' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'
   AND jsonb_typeof(e->'producer') = 'string' AND e->>'producer' <> ''
   AND jsonb_typeof(e->'traceId') = 'string' AND e->>'traceId' ~ '^[0-9a-f]{32}$'
   AND jsonb_typeof(e->'payload') = 'object'
$$;
SQL

# Sanity: every good row passes and every bad row fails each check, so the
# timings compare the same work.
check=$(psql -At <<'SQL'
SELECT (SELECT count(*) FROM good WHERE goodgo_events.envelope_errors(e) = '[]') = (SELECT count(*) FROM good)
   AND (SELECT count(*) FROM good WHERE sql_check(e)) = (SELECT count(*) FROM good)
   AND (SELECT count(*) FROM bad WHERE jsonb_array_length(goodgo_events.envelope_errors(e)) = 3) = (SELECT count(*) FROM bad)
   AND (SELECT count(*) FROM bad WHERE sql_check(e)) = 0;
SQL
)
[ "$check" = t ] || gg_die "the checks do not agree on the benchmark rows"
generic=$(psql -At -c "SELECT to_regprocedure('goodgo_events.jsonschema_is_valid(jsonb,jsonb)') IS NOT NULL")
if [ "$generic" = t ]; then
	check=$(psql -At <<'SQL'
SELECT (SELECT count(*) FROM good, envelope_schema WHERE goodgo_events.jsonschema_is_valid(s, e)) = (SELECT count(*) FROM good)
   AND (SELECT count(*) FROM bad, envelope_schema WHERE goodgo_events.jsonschema_is_valid(s, e)) = 0;
SQL
	)
	[ "$check" = t ] || gg_die "the generic validator does not agree on the benchmark rows"
fi

# Best of 7 runs of a query in one session, in ms (psql's \timing), serial
# plans only so that every line measures one backend's work.
best() {
	{
		echo 'SET max_parallel_workers_per_gather = 0;'
		echo '\timing on'
		for i in 1 2 3 4 5 6 7; do echo "$1;"; done
	} | psql -At | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -g | head -1
}

floor_good=0
floor_bad=0
printf '\n%d rows per run, best of 7 runs; ns per row, the scan included; %s\n\n' "$rows" "$(uptime | sed 's/.*load/load/')"
printf '| %-56s | %12s | %12s |\n' "check" "valid rows" "invalid rows"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..58})" "$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..14})"
row() {
	local label=$1 qgood=$2 qbad=$3 g b
	g=$(best "$qgood")
	if [ -n "$qbad" ]; then b=$(best "$qbad"); else b=; fi
	python3 - "$label" "$g" "${b:-}" "$floor_good" "$floor_bad" "$rows" <<'PY'
import sys
label, g, b, fg, fb, rows = sys.argv[1:]
rows = int(rows)
ns = lambda t, f: "%.0f" % (float(t) * 1e6 / rows)
print("| %-56s | %12s | %12s |" % (label, ns(g, fg), ns(b, fb) if b else "n/a"))
PY
}
row "reading the rows, no check (floor)" "SELECT count(e) FROM good" "SELECT count(e) FROM bad"
row "domain cast e::goodgo_events.event_envelope (C)" \
	"SELECT count(e::goodgo_events.event_envelope) FROM good" ""
row "event_envelope_check(e), the domain's check (C)" \
	"SELECT count(*) FILTER (WHERE goodgo_events.event_envelope_check(e)) FROM good" ""
row "envelope_errors(e) = '[]' (C, collects findings)" \
	"SELECT count(*) FILTER (WHERE goodgo_events.envelope_errors(e) = '[]') FROM good" \
	"SELECT count(*) FILTER (WHERE goodgo_events.envelope_errors(e) = '[]') FROM bad"
row "same rules in SQL (regex, jsonb_typeof)" \
	"SELECT count(*) FILTER (WHERE sql_check(e)) FROM good" \
	"SELECT count(*) FILTER (WHERE sql_check(e)) FROM bad"
if [ "$generic" = t ]; then
	row "jsonschema_is_valid(envelope.schema.json, e) (generic)" \
		"SELECT count(*) FILTER (WHERE goodgo_events.jsonschema_is_valid(s, e)) FROM good, envelope_schema" \
		"SELECT count(*) FILTER (WHERE goodgo_events.jsonschema_is_valid(s, e)) FROM bad, envelope_schema"
else
	printf '| %-56s | %12s | %12s |\n' "jsonschema_is_valid (generic): not in this build" "n/a" "n/a"
fi
