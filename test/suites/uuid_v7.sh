# uuid_v7 under concurrency: what one pg_regress session cannot show.
#
# pgbench runs 4 clients for a few seconds, each inserting rows with
# DEFAULT goodgo_events.uuid_v7() into a uuid primary key, plus a bigserial
# that orders each client's own inserts.  Checks: no insert failed (no
# duplicate key), every id distinct, within every client (one backend) the
# ids increase in insertion order, and no two backends share random bits.
set -uo pipefail
cd "$GG_ROOT"

db=uuid_v7_concurrency
fail() { echo "FAIL uuid_v7:$1" >>"$GG_RESULTS"; echo "uuid_v7: $1: $2" >&2; }
pass() { echo "PASS uuid_v7:$1" >>"$GG_RESULTS"; }
q() { "$GG_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

PGOPTIONS="-c client_min_messages=warning" "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" ||
	{ fail setup "could not create database $db"; exit 0; }
q <<'SQL' || { fail setup "could not create the test table"; exit 0; }
CREATE EXTENSION goodgo_events;
CREATE TABLE ids (n bigserial, client int NOT NULL,
                  id uuid PRIMARY KEY DEFAULT goodgo_events.uuid_v7());
SQL

script=$GG_TMP/uuid_v7_pgbench.sql
echo 'INSERT INTO ids (client) VALUES (:client_id);' >"$script"
out=$("$GG_PGBIN/pgbench" -n -c 4 -j 2 -T "${GG_UUID_V7_SECONDS:-5}" -f "$script" "$db" 2>&1)
rc=$?
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
if [ $rc -ne 0 ] || [ "${failed:-0}" != 0 ]; then
	fail pgbench_inserts "pgbench exited $rc, failed transactions: ${failed:-?}"
	echo "$out" >&2
else
	pass pgbench_inserts
fi

read -r rows distinct clients <<<"$(q -F ' ' -c 'SELECT count(*), count(DISTINCT id), count(DISTINCT client) FROM ids')"
if [ "${rows:-0}" -gt 1000 ] && [ "$rows" = "$distinct" ] && [ "$clients" = 4 ]; then
	pass distinct_across_sessions
else
	fail distinct_across_sessions "rows=$rows distinct=$distinct clients=$clients"
fi

# Within one client (one backend), insertion order (n) is id order.
bad=$(q -c 'SELECT count(*) FROM (SELECT id, lag(id) OVER (PARTITION BY client ORDER BY n) AS prev FROM ids) s WHERE id <= prev')
if [ "$bad" = 0 ]; then
	pass increasing_per_session
else
	fail increasing_per_session "$bad ids not above the previous one of their session"
fi

# The 62 random bits: no value shared, within or across backends.
dup=$(q -c "SELECT count(*) - count(DISTINCT substr(id::text, 20)) FROM ids")
if [ "$dup" = 0 ]; then
	pass random_bits_not_shared
else
	fail random_bits_not_shared "$dup repeated rand_b values"
fi

"$GG_PGBIN/psql" -X -q -c "DROP DATABASE $db"
exit 0
