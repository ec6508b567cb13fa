# Hostile input too big for a regression file: 100 MB strings in instances,
# envelopes and payloads, 100,000-deep JSON text, many large strings at once.
# Each case must end with the right answer or a clean error inside its
# statement timeout, the backend's peak memory (VmHWM, read by the backend
# from /proc/self/status) must stay under a bound proportional to the input,
# running the cases again must not grow the backend (nothing kept across
# calls), and the server must not restart.  One result line per case.
set -uo pipefail
cd "$GG_ROOT"
out=$GG_TMP/hostile
mkdir -p "$out"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS goodgo_events' >/dev/null || exit 1
start=$(psql -XAtc 'SELECT pg_postmaster_start_time()')

# name <TAB> SQL returning one text value <TAB> expected value, or
# "ERROR <sqlstate>"
cases=$(cat <<'EOF'
maxlength_100mb	SELECT goodgo_events.jsonschema_is_valid('{"maxLength": 5}', to_jsonb(repeat('a', 100000000)))::text	false
minlength_100mb	SELECT goodgo_events.jsonschema_is_valid('{"minLength": 100000000}', to_jsonb(repeat('é', 100000000)))::text	true
pattern_fast_100mb	SELECT goodgo_events.jsonschema_is_valid('{"pattern": "^a+$"}', to_jsonb(repeat('a', 100000000)))::text	true
pattern_are_100mb	SELECT goodgo_events.jsonschema_is_valid('{"pattern": "(a+)+$"}', to_jsonb(repeat('a', 100000000) || 'b'))::text	false
format_email_100mb	SELECT goodgo_events.jsonschema_is_valid('{"format": "email"}', to_jsonb(repeat('a', 100000000) || '@example.com'))::text	false
format_datetime_100mb	SELECT goodgo_events.jsonschema_is_valid('{"format": "date-time"}', to_jsonb('2026-11-27T05:00:00.' || repeat('1', 100000000) || 'Z'))::text	true
format_uri_100mb	SELECT goodgo_events.jsonschema_is_valid('{"format": "uri"}', to_jsonb('https://example.com/' || repeat('a', 100000000)))::text	true
format_regex_100mb	SELECT goodgo_events.jsonschema_is_valid('{"format": "regex"}', to_jsonb(repeat('(?:a', 1000000) || repeat(')', 1000000)))::text	false
enum_100mb	SELECT goodgo_events.jsonschema_is_valid('{"enum": ["a", 1, null]}', to_jsonb(repeat('a', 100000000)))::text	false
const_100mb_equal	SELECT goodgo_events.jsonschema_is_valid(jsonb_build_object('const', repeat('a', 50000000)), to_jsonb(repeat('a', 50000000)))::text	true
property_name_100mb	SELECT goodgo_events.jsonschema_is_valid('{"propertyNames": {"maxLength": 3}}', jsonb_build_object(repeat('k', 100000000), 1))::text	false
errors_100mb	SELECT jsonb_array_length(goodgo_events.jsonschema_errors('{"properties": {"a": {"maxLength": 1}, "b": {"pattern": "^x"}}}', jsonb_build_object('a', repeat('a', 50000000), 'b', repeat('b', 50000000))))::text	2
many_1mb_strings	SELECT goodgo_events.jsonschema_is_valid('{"items": {"pattern": "^a*$", "maxLength": 1000000}}', (SELECT jsonb_agg(repeat('a', 1000000)) FROM generate_series(1, 100)))::text	true
envelope_producer_100mb	SELECT jsonb_path_query_array(goodgo_events.envelope_errors(jsonb_build_object('schemaVersion', 1, 'eventId', '018f3b8e-7c1a-7def-8abc-0123456789ab', 'eventType', 'payment.completed', 'occurredAt', '2026-11-27T05:00:00Z', 'producer', repeat('p', 100000000), 'traceId', repeat('0', 32), 'payload', '{}'::jsonb)), '$[*].instanceLocation')::text	[]
envelope_eventtype_100mb	SELECT jsonb_path_query_array(goodgo_events.envelope_errors(jsonb_build_object('schemaVersion', 1, 'eventId', '018f3b8e-7c1a-7def-8abc-0123456789ab', 'eventType', repeat('A', 100000000) || '.completed', 'occurredAt', '2026-11-27T05:00:00Z', 'producer', 'api', 'traceId', repeat('0', 32), 'payload', '{}'::jsonb)), '$[*].instanceLocation')::text	["/eventType"]
envelope_payload_100mb	SELECT jsonb_array_length(goodgo_events.envelope_errors(jsonb_build_object('schemaVersion', 1, 'eventId', '018f3b8e-7c1a-7def-8abc-0123456789ab', 'eventType', 'payment.completed', 'occurredAt', '2026-11-27T05:00:00Z', 'producer', 'api', 'traceId', repeat('0', 32), 'payload', jsonb_build_object('note', repeat('n', 100000000)))))::text	0
payload_100mb_registry	SELECT goodgo_events.validate_payload('payment.completed', jsonb_build_object('orderId', repeat('o', 100000000)))::text	ERROR 23514
deep_envelope_100000	SELECT goodgo_events.envelope_errors((repeat('{"payload":', 100000) || '{}' || repeat('}', 100000))::jsonb)::text	ERROR 54001
deep_payload_100000	SELECT goodgo_events.validate_payload('payment.completed', (repeat('{"a":', 100000) || '1' || repeat('}', 100000))::jsonb)::text	ERROR 54001
deep_schema_100000	SELECT goodgo_events.jsonschema_is_valid((repeat('{"not":', 100000) || '{}' || repeat('}', 100000))::jsonb, '1')::text	ERROR 54001
deep_json_100000	SELECT goodgo_events.json_matches_schema('{}', (repeat('[', 100000) || repeat(']', 100000))::json)::text	ERROR 54001
EOF
)

# Peak memory allowed to one backend for one case (1.25 GB): the inputs hold at
# most 100 MB of text, which exists as text, as jsonb and once detoasted,
# and PostgreSQL's regex engine works on 4-byte wide characters (measured
# peak: 784 MB for a 100 MB string matched by the ARE engine).
limit_kb=${GG_HOSTILE_MEM_LIMIT_KB:-1310720}

run_cases() {
	local round=$1 name sql want
	while IFS=$'\t' read -r name sql want; do
		[ -n "$name" ] || continue
		# One backend per case: VmHWM is its own peak.  The DO block turns
		# an error into "ERROR <sqlstate>" so the memory is still read.
		psql -X -q -A -t -v ON_ERROR_STOP=1 >"$out/$name.$round.out" 2>&1 <<SQL
SET statement_timeout = '120s';
SET client_min_messages = warning;
CREATE TEMP TABLE r (v text);
DO \$\$
DECLARE v text;
BEGIN
	EXECUTE \$q\$$sql\$q\$ INTO v;
	INSERT INTO r VALUES (v);
EXCEPTION WHEN OTHERS THEN
	INSERT INTO r VALUES ('ERROR ' || SQLSTATE);
END
\$\$;
SELECT 'result=' || coalesce(v, 'NULL') FROM r;
SELECT 'hwm=' || substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s*(\d+) kB');
SQL
		local rc=$? got hwm
		got=$(sed -n 's/^result=//p' "$out/$name.$round.out")
		hwm=$(sed -n 's/^hwm=//p' "$out/$name.$round.out")
		if [ $rc -ne 0 ] || [ -z "$hwm" ]; then
			cat "$out/$name.$round.out"
			echo "FAIL hostile:$name (psql failed)" >>"$GG_RESULTS"
		elif [ "$got" != "$want" ]; then
			echo "FAIL hostile:$name (got '$got', expected '$want')" >>"$GG_RESULTS"
		elif [ "$hwm" -gt "$limit_kb" ]; then
			echo "FAIL hostile:$name (backend peak ${hwm} kB > ${limit_kb} kB)" >>"$GG_RESULTS"
		elif [ "$round" = 1 ]; then
			echo "PASS hostile:$name ($want, peak $((hwm / 1024)) MB)" >>"$GG_RESULTS"
		fi
		echo "$name $round $hwm" >>"$out/peaks"
	done <<<"$cases"
}

: >"$out/peaks"
run_cases 1

# Nothing kept across calls: one backend runs every case three times; its
# resident size after the third round is within 64 MB of the first.
psql -X -q -A -t >"$out/repeat.out" 2>&1 <<SQL
SET statement_timeout = '600s';
CREATE TEMP TABLE cases (name text, sql text);
COPY cases FROM STDIN WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x01');
$(printf '%s\n' "$cases" | cut -f1,2)
\.
CREATE FUNCTION pg_temp.round() RETURNS bigint LANGUAGE plpgsql AS \$\$
DECLARE c record; v text;
BEGIN
	FOR c IN SELECT * FROM cases LOOP
		BEGIN
			EXECUTE c.sql INTO v;
		EXCEPTION WHEN OTHERS THEN
			NULL;
		END;
	END LOOP;
	RETURN substring(pg_read_file('/proc/self/status') FROM 'VmRSS:\s*(\d+) kB')::bigint;
END
\$\$;
SELECT 'rss1=' || pg_temp.round();
SELECT 'rss2=' || pg_temp.round();
SELECT 'rss3=' || pg_temp.round();
SQL
rss1=$(sed -n 's/^rss1=//p' "$out/repeat.out")
rss3=$(sed -n 's/^rss3=//p' "$out/repeat.out")
if [ -n "$rss1" ] && [ -n "$rss3" ] && [ "$rss3" -le $((rss1 + 65536)) ]; then
	echo "PASS hostile:no-growth (resident $((rss1 / 1024)) MB after round 1, $((rss3 / 1024)) MB after round 3)" >>"$GG_RESULTS"
else
	cat "$out/repeat.out"
	echo "FAIL hostile:no-growth (rss after round 1: ${rss1:-?} kB, round 3: ${rss3:-?} kB)" >>"$GG_RESULTS"
fi

# The server lived through all of it.
now=$(psql -XAtc 'SELECT pg_postmaster_start_time()')
if [ "$now" = "$start" ] && ! grep -qE 'terminated by signal|was terminated|TRAP:' "$GG_TMP/postgres.log"; then
	echo "PASS hostile:server-survives" >>"$GG_RESULTS"
else
	grep -E 'terminated|TRAP:' "$GG_TMP/postgres.log"
	echo "FAIL hostile:server-survives" >>"$GG_RESULTS"
fi
exit 0
