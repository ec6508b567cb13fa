# Concurrent producers (pgbench, several clients, some rolling back) and SQL
# relays sharing N = 4 partitions, one crashing mid-batch, rotation running:
# every committed event delivered exactly once, per-aggregate order kept.
set -uo pipefail
cd "$GG_ROOT"
db=outbox_conc
export PATH="$GG_PGBIN:$PATH"
dropdb --if-exists "$db" && createdb "$db" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL' || exit 1
CREATE EXTENSION goodgo_events;
SELECT goodgo_events.outbox_set_partitions(4);
ALTER DATABASE outbox_conc SET goodgo_events.unknown_event_types = allow;
CREATE TABLE conc_aggs (id int PRIMARY KEY, v int NOT NULL DEFAULT 0);
INSERT INTO conc_aggs SELECT g FROM generate_series(1, 40) g;
CREATE TABLE conc_emitted (event_id uuid PRIMARY KEY, agg text, v int);
SQL
# Debian's python3 has python3-psycopg2 (test/lib.sh installs it).
if GG_CONC_DB=$db "${GG_PYTHON:-/usr/bin/python3}" test/outbox/drain.py; then
	echo "PASS outbox:concurrency" >>"$GG_RESULTS"
else
	echo "FAIL outbox:concurrency" >>"$GG_RESULTS"
fi
