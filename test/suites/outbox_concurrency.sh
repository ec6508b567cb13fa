# Concurrent producers (pgbench, several clients, some rolling back) and SQL
# relays sharing N = 4 partitions, one crashing mid-batch, rotation running:
# every committed event delivered exactly once, per-aggregate order kept.
set -uo pipefail
cd "$GG_ROOT"
# Run with N = 4 partitions (three relays share them) and with the default
# N = 1 (the relays compete for the one partition).
for parts in 4 1; do
	db=outbox_conc_$parts
	dropdb --if-exists "$db" && createdb "$db" || exit 1
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v parts="$parts" -v db="$db" <<'SQL' || exit 1
CREATE EXTENSION goodgo_events;
SELECT goodgo_events.outbox_set_partitions(:parts);
ALTER DATABASE :"db" SET goodgo_events.unknown_event_types = allow;
CREATE TABLE conc_aggs (id int PRIMARY KEY, v int NOT NULL DEFAULT 0);
INSERT INTO conc_aggs SELECT g FROM generate_series(1, 40) g;
CREATE TABLE conc_emitted (event_id uuid PRIMARY KEY, agg text, v int);
SQL
	# Debian's python3 has python3-psycopg2 (test/lib.sh installs it).
	if GG_CONC_DB=$db GG_CONC_PARTS=$parts "${GG_PYTHON:-/usr/bin/python3}" test/outbox/drain.py; then
		echo "PASS outbox:concurrency_n$parts" >>"$GG_RESULTS"
	else
		echo "FAIL outbox:concurrency_n$parts" >>"$GG_RESULTS"
	fi
done
