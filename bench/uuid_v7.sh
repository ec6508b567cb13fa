#!/usr/bin/env bash
# bench/uuid_v7.sh: uuid_v7() against core gen_random_uuid(), in one run.
#
# Builds the extension, starts a throwaway cluster (test/lib.sh), then runs
# REPS interleaved rounds (the order of the two arms alternates each round):
#
#   gen   SELECT count(*) over 1,000,000 calls of the generator
#   ins   INSERT of 1,000,000 rows into an UNLOGGED table whose uuid PRIMARY
#         KEY defaults to the generator (table truncated first)
#
# Each sample is one fresh session: a warm-up call of both generators, then
# the timed statement.  The main figure is the backend's on-CPU time over the
# statement (first field of /proc/self/schedstat, read by the backend itself
# through pg_read_file), which other load on the machine disturbs far less
# than wall time; wall time (psql \timing) is printed beside it.  It prints
# the medians, the v7/v4 ratios, and pgstatindex() of both primary keys after
# the last round.  A benchmark, not a test: it asserts nothing.
#
#   bash bench/uuid_v7.sh                 REPS=7 by default
#   REPS=11 bash bench/uuid_v7.sh
#   GG_PGPORT_BASE=55000 bash bench/uuid_v7.sh
#
# Raw samples go to $GG_TMP/bench/raw.csv (kept with GG_KEEP=1).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"

REPS=${REPS:-7}
N=${N:-1000000}

GG_PG_EXTRA_CONF="shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
checkpoint_timeout = 30min
autovacuum = off
jit = off"
export GG_PG_EXTRA_CONF
gg_build_install
gg_start_pg

OUT=$GG_TMP/bench
mkdir -p "$OUT"
: >"$OUT/raw.csv"

psqlq() { "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

psqlq <<'SQL'
CREATE EXTENSION goodgo_events;
CREATE EXTENSION pgstattuple;
CREATE UNLOGGED TABLE ins_v7 (id uuid PRIMARY KEY DEFAULT goodgo_events.uuid_v7(), n int NOT NULL);
CREATE UNLOGGED TABLE ins_v4 (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), n int NOT NULL);
SQL

# measure LABEL PREP SQL: one fresh session; PREP runs untimed.
measure() {
	local r wall cpu
	r=$(psqlq -At <<SQL
SELECT goodgo_events.uuid_v7(), gen_random_uuid() \g /dev/null
$2
SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1) AS c0 \gset
\timing on
$3
\timing off
SELECT round((split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :c0) / 1e6, 1);
SQL
)
	wall=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$r" | tail -1)
	cpu=$(tail -1 <<<"$r")
	echo "$1,$cpu,$wall" >>"$OUT/raw.csv"
	printf '  %-7s cpu %9.1f ms   wall %9.1f ms\n' "$1" "$cpu" "$wall"
}

gen_sql() { echo "SELECT count(*) FROM (SELECT $1 FROM generate_series(1, $N)) s;"; }
GEN_v7=$(gen_sql 'goodgo_events.uuid_v7()')
GEN_v4=$(gen_sql 'gen_random_uuid()')

gg_log "$REPS rounds of $N values / rows"
for r in $(seq 1 "$REPS"); do
	if ((r % 2)); then order="v7 v4"; else order="v4 v7"; fi
	echo "round $r"
	measure gen_base "" "SELECT count(*) FROM (SELECT g FROM generate_series(1, $N) g) s;"
	for v in $order; do
		sql=GEN_$v
		measure "gen_$v" "" "${!sql}"
	done
	for v in $order; do
		measure "ins_$v" "TRUNCATE ins_$v;" \
			"INSERT INTO ins_$v (n) SELECT g FROM generate_series(1, $N) g;"
	done
done

echo
echo "medians of $REPS rounds, $N values / rows each (ms):"
python3 - "$OUT/raw.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.reader(open(sys.argv[1])))
cpu, wall = {}, {}
for label, c, w in rows:
    cpu.setdefault(label, []).append(float(c))
    wall.setdefault(label, []).append(float(w))
med = lambda xs: statistics.median(xs)
print(f"  {'arm':<9} {'cpu':>9} {'wall':>9}")
for label in ("gen_base", "gen_v7", "gen_v4", "ins_v7", "ins_v4"):
    print(f"  {label:<9} {med(cpu[label]):9.1f} {med(wall[label]):9.1f}")
print()
for what, target in (("gen", 0.5), ("ins", 0.6)):
    rc = med(cpu[what + "_v7"]) / med(cpu[what + "_v4"])
    rw = med(wall[what + "_v7"]) / med(wall[what + "_v4"])
    print(f"  {what} v7/v4 ratio: cpu {rc:.3f}  wall {rw:.3f}  (target <= {target})")
PY

echo
echo "primary keys after the last round:"
psqlq <<'SQL'
SELECT i AS index, pg_size_pretty(pg_relation_size(i)) AS size, s.leaf_pages,
       s.avg_leaf_density, s.leaf_fragmentation
  FROM unnest(ARRAY['ins_v7_pkey', 'ins_v4_pkey']::regclass[]) i,
       LATERAL pgstatindex(i) s;
SQL

# PostgreSQL 18 and later: ours against core's uuidv7(), in the same run and
# the same way (REPS interleaved rounds of 1,000,000 values, fresh sessions,
# on-CPU time).  Target: ours <= 0.2 x core.  Run it against a PostgreSQL 18
# with GG_PG_CONFIG=/path/to/18/bin/pg_config (test/build-postgres.sh 18).
if [ "$(psqlq -At -c 'SHOW server_version_num')" -ge 180000 ]; then
	echo
	gg_log "PostgreSQL 18: $REPS rounds of $N values, uuid_v7() against core uuidv7()"
	: >"$OUT/core.csv"
	GEN_core=$(gen_sql 'uuidv7()')
	for r in $(seq 1 "$REPS"); do
		if ((r % 2)); then order="v7 core"; else order="core v7"; fi
		echo "round $r"
		measure gen_base "" "SELECT count(*) FROM (SELECT g FROM generate_series(1, $N) g) s;"
		for v in $order; do
			sql=GEN_$v
			measure "gen_$v" "" "${!sql}"
		done
	done 2>&1
	tail -n $((REPS * 3)) "$OUT/raw.csv" >"$OUT/core.csv"
	echo
	echo "medians of $REPS rounds, $N values each (ms), PostgreSQL $(psqlq -At -c 'SHOW server_version'):"
	python3 - "$OUT/core.csv" "$N" <<'PY'
import csv, statistics, sys
rows = list(csv.reader(open(sys.argv[1])))
n = int(sys.argv[2])
cpu, wall = {}, {}
for label, c, w in rows:
    cpu.setdefault(label, []).append(float(c))
    wall.setdefault(label, []).append(float(w))
med = {k: statistics.median(v) for k, v in cpu.items()}
medw = {k: statistics.median(v) for k, v in wall.items()}
print(f"  {'arm':<9} {'cpu':>9} {'wall':>9} {'us/value net':>13}")
for label in ("gen_base", "gen_v7", "gen_core"):
    net = (med[label] - med["gen_base"]) * 1000 / n
    print(f"  {label:<9} {med[label]:9.1f} {medw[label]:9.1f} {net:13.3f}")
r = med["gen_v7"] / med["gen_core"]
rn = (med["gen_v7"] - med["gen_base"]) / (med["gen_core"] - med["gen_base"])
print(f"  ours/core ratio: cpu {r:.3f}, net of generate_series {rn:.3f}  (target <= 0.2)")
PY
fi
