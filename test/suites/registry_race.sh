# Registrations racing validations, with many clients (pgbench): what the
# isolation spec shows step by step, under load.
#
# One session registers new versions of race.tested, one after another, and
# after each COMMIT has returned it publishes the version number in a table.
# Between them it also registers a schema that rejects every payload, and
# rolls that back.  Eight pgbench clients validate {"a": 1} all the while,
# each time asserting that the version that validated it is at least the
# newest published one.  Any stale cache (a version older than one whose
# commit had returned before the statement started) or any leak of a
# rolled-back registration (23514) makes a client fail.
set -uo pipefail
cd "$GG_ROOT"

db=registry_race
versions=${GG_RACE_VERSIONS:-150}
log=$GG_TMP/registry_race.log
: >"$log"
q() { "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
result() { echo "$1 registry_race:$2" >>"$GG_RESULTS"; echo "$1 $2"; }

if ! q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >>"$log" 2>&1 ||
	! q -d "$db" >>"$log" 2>&1 <<'SQL'
CREATE EXTENSION goodgo_events;
CREATE TABLE race_published (v integer NOT NULL);
INSERT INTO race_published VALUES (1);
SELECT goodgo_events.register_event_type('race.tested',
	'{"type": "object", "required": ["a"], "properties": {"v": {"const": 1}}}');
-- every version below breaks the previous one on purpose
SELECT goodgo_events.set_event_type_compatibility('race.tested', 'NONE');
SQL
then
	cat "$log"
	result FAIL setup
	exit 0
fi

script=$GG_TMP/registry_race.pgbench
cat >"$script" <<'SQL'
SELECT 1 / (goodgo_events.validate_payload('race.tested', '{"a": 1}') >= (SELECT max(v) FROM race_published))::int;
SQL

registrar=$GG_TMP/registry_race.sql
{
	echo "SET client_min_messages = warning;"
	for k in $(seq 2 "$versions"); do
		echo "SELECT goodgo_events.register_event_type('race.tested', '{\"type\": \"object\", \"required\": [\"a\"], \"properties\": {\"v\": {\"const\": $k}}}') = $k AS ok \\gset"
		echo "\\if :ok \\else \\echo 'registration $k got another version' \\quit \\endif"
		echo "INSERT INTO race_published VALUES ($k);"
		echo "BEGIN;"
		echo "SELECT goodgo_events.register_event_type('race.tested', '{\"type\": \"object\", \"required\": [\"never_sent\"]}');"
		echo "ROLLBACK;"
	done
} >"$registrar"

out=$GG_TMP/registry_race.pgbench.out
: >"$out"
start=$(date +%s%N)
q -d "$db" -f "$registrar" >>"$log" 2>&1 &
registrar_pid=$!
# pgbench in 2-second rounds while the registrar runs, and one round after it
# finished (against the final version); each round prints its summary.
while kill -0 "$registrar_pid" 2>/dev/null; do
	"$GG_PGBIN/pgbench" -n -c 8 -j 2 -T 2 -f "$script" "$db" >>"$out" 2>&1
done
wait "$registrar_pid"
reg_rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
"$GG_PGBIN/pgbench" -n -c 8 -j 2 -T 1 -f "$script" "$db" >>"$out" 2>&1

tx=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
if [ $reg_rc -eq 0 ] && ! grep -q 'got another version' "$log"; then
	result PASS registrations
else
	cat "$log"
	result FAIL registrations
fi
if grep -qE 'aborted|ERROR' "$out" || [ -z "$tx" ] || [ "${tx:-0}" -eq 0 ]; then
	cat "$out"
	result FAIL clients_never_stale
else
	result PASS clients_never_stale
fi
final=$(q -d "$db" -c "SELECT current_version = $versions AND (SELECT count(*) FROM goodgo_events.event_type_versions WHERE event_type = 'race.tested') = $versions FROM goodgo_events.event_types WHERE event_type = 'race.tested'" 2>>"$log")
if [ "$final" = t ]; then
	result PASS history_complete
else
	result FAIL history_complete
fi
echo "registry_race: $((versions - 1)) registrations and as many rollbacks in ${elapsed_ms} ms while 8 clients validated ${tx:-0} payloads"
q -d postgres -c "DROP DATABASE $db" >>"$log" 2>&1
exit 0
