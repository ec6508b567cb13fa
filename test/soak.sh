#!/usr/bin/env bash
# test/soak.sh [MINUTES]: producers + relay + consumer at a steady rate.
#
# For MINUTES (default 10): pgbench producers emit GG_SOAK_RATE events a
# second (--rate, GG_SOAK_CLIENTS connections), each eventId also recorded in
# a table in the same transaction (the committed set); goodgo-relay publishes
# them to a Redis of its own (streams trimmed with --maxlen, so Redis has a
# steady state); a consumer reads every stream and writes down each eventId;
# outbox_rotate() runs every GG_SOAK_ROTATE seconds (retention).  Every
# GG_SOAK_SAMPLE seconds (default 10) it samples: events committed and
# published, relay lag (committed minus published), outbox rows and pending
# estimate, and memory: the relay's private RSS (RssAnon), the sum of the
# private RSS of the soak database's backends (producers and relay), Redis's
# used_memory.  At the end, with the producers stopped and the relay drained:
#
#   memory_flat_*   median of the last third of the samples is within
#                   GG_SOAK_TOLERANCE percent (default 10) or a small absolute
#                   slack of the median of the middle third (the first third is
#                   warm-up: caches, buffers and the trimmed streams filling)
#   nothing_lost    the consumer saw exactly the committed eventIds, each once
#   lag_bounded     relay lag never exceeded GG_SOAK_LAG_MAX events
#                   (default: 5 seconds of production)
#   outbox_bounded  rotation keeps the outbox from growing
#
# and prints the samples table.  Standalone it sets up its own cluster
# (bash test/soak.sh 10); under test/run-all (test/suites/soak.sh) it uses the
# run's cluster and writes PASS/FAIL lines to $GG_RESULTS.  Exits non-zero
# when a check failed.
set -uo pipefail
MINUTES=${1:-10}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATE=${GG_SOAK_RATE:-200}
CLIENTS=${GG_SOAK_CLIENTS:-4}
SAMPLE=${GG_SOAK_SAMPLE:-10}
ROTATE=${GG_SOAK_ROTATE:-60}
TOL=${GG_SOAK_TOLERANCE:-10}
LAG_MAX=${GG_SOAK_LAG_MAX:-$((RATE * 5))}
MAXLEN=${GG_SOAK_MAXLEN:-$((RATE * 10))}
PARTS=${GG_SOAK_PARTITIONS:-2}
S=soak

standalone=
if [ -z "${GG_RESULTS:-}" ]; then
	standalone=1
	gg_setup
	gg_start_pg
	GG_RESULTS=$GG_TMP/results
	: >"$GG_RESULTS"
fi
RELAY=${GOODGO_RELAY_BIN:-$GG_PGBIN/goodgo-relay}
dir=$GG_TMP/soak
rm -rf "$dir"
mkdir -p "$dir/redis"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/redis"
failed=0
pass() { echo "PASS $S:$1" >>"$GG_RESULTS"; echo "PASS $S:$1"; }
fail() { echo "FAIL $S:$1" >>"$GG_RESULTS"; echo "FAIL $S:$1${2:+ ($2)}" >&2; failed=1; }

pids=()
soak_cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ -f "$dir/redis/redis.pid" ] && kill -9 "$(cat "$dir/redis/redis.pid")" 2>/dev/null
	return 0
}
# Standalone, the throwaway servers go too (gg_cleanup keeps the exit status).
if [ -n "$standalone" ]; then
	trap 'soak_rc=$?; soak_cleanup; (exit $soak_rc); gg_cleanup' EXIT
else
	trap soak_cleanup EXIT
fi

# A Redis of our own: its memory is the soak's alone.
rport=$(gg_free_port $((${GG_REDIS_PORT:-${GG_REDIS_PORT_BASE:-63790}} + 500)))
gg_as_owner redis-server --bind 127.0.0.1 --port "$rport" --dir "$dir/redis" --save '' --appendonly no \
	--daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
for i in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$rport" ping >/dev/null 2>&1 || { fail setup "could not start Redis"; exit 1; }

export PGDATABASE=soak
PGOPTIONS="-c client_min_messages=warning" psql -qX -d postgres -c "DROP DATABASE IF EXISTS soak" -c "CREATE DATABASE soak" >/dev/null &&
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL || { fail setup "could not prepare the database"; exit 1; }
CREATE EXTENSION goodgo_events;
SELECT goodgo_events.outbox_set_partitions($PARTS);
SELECT goodgo_events.register_event_type('soak.happened',
	'{"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 1}}}');
CREATE TABLE soak_emitted (event_id uuid NOT NULL);
SQL
cat >"$dir/emit.sql" <<'SQL'
\set a random(1, 1000)
INSERT INTO soak_emitted SELECT goodgo_events.emit('soak.happened', jsonb_build_object('n', :a), 'agg-' || :a);
SQL

cat >"$dir/consumer.py" <<'PY'
# Reads every goodgo:* stream from its start with XREAD; one eventId a line.
import signal, sys, time
import redis
r = redis.Redis(port=int(sys.argv[1]))
out = open(sys.argv[2], "w")
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
last, scanned = {}, 0.0
while True:
    if time.time() - scanned > 1:
        for k in r.scan_iter(match="goodgo:*", _type="STREAM"):
            last.setdefault(k, b"0-0")
        scanned = time.time()
    n = 0
    if last:
        for key, entries in r.xread(last, count=2000, block=200) or []:
            for eid, f in entries:
                out.write(f[b"eventId"].decode() + "\n")
                last[key] = eid
                n += 1
        out.flush()
    else:
        time.sleep(0.2)
    if stop and n == 0:
        break
PY

mport=$(gg_free_port $((rport + 1)))
"$RELAY" --redis "redis://127.0.0.1:$rport" --maxlen "$MAXLEN" --metrics-port "$mport" \
	--poll-interval 50 >"$dir/relay.log" 2>&1 &
relay=$!
pids+=("$relay")
/usr/bin/python3 "$dir/consumer.py" "$rport" "$dir/consumed" 2>"$dir/consumer.err" &
consumer=$!
pids+=("$consumer")
secs=$(awk -v m="$MINUTES" 'BEGIN { printf "%d", m * 60 }')
"$GG_PGBIN/pgbench" -n -c "$CLIENTS" -j 2 -R "$RATE" -T "$secs" -f "$dir/emit.sql" >"$dir/pgbench.log" 2>&1 &
bench=$!
pids+=("$bench")
gg_log "soak: $MINUTES min at $RATE events/s, sampling every $SAMPLE s"

metric() {
	/usr/bin/python3 -c "
import sys, urllib.request
try:
    body = urllib.request.urlopen('http://127.0.0.1:%s/metrics' % sys.argv[1], timeout=5).read().decode()
except Exception:
    print(-1); sys.exit()
for line in body.splitlines():
    if line.startswith(sys.argv[2] + ' '):
        print(int(float(line.split()[-1]))); break
else:
    print(-1)
" "$mport" "$1"
}
anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
sample() {
	local t=$1 pub com cons rows pend rk bk mk bp
	pub=$(metric goodgo_relay_events_published_total)
	read -r com rows pend < <(psql -qXAt -F ' ' -c "SELECT (SELECT count(*) FROM soak_emitted),
		(SELECT count(*) FROM goodgo_events.outbox),
		(SELECT coalesce(sum(pending_estimate), 0) FROM goodgo_events.outbox_stats WHERE relay = 'default')")
	cons=$(wc -l <"$dir/consumed")
	rk=$(anon_kb "$relay")
	bk=0
	for bp in $(psql -qXAt -c "SELECT pid FROM pg_stat_activity WHERE datname = 'soak' AND pid <> pg_backend_pid()
			AND backend_type = 'client backend' AND application_name <> 'psql'"); do
		bk=$((bk + $(anon_kb "$bp")))
	done
	mk=$(( $(redis-cli -p "$rport" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }') / 1024 ))
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$com" "$pub" "$((com - pub))" "$cons" \
		"$rows" "$pend" "$rk" "$bk" "$mk" >>"$dir/samples.tsv"
}

: >"$dir/samples.tsv"
t0=$(date +%s)
next=$SAMPLE
next_rotate=$ROTATE
while kill -0 "$bench" 2>/dev/null; do
	sleep 1
	now=$(( $(date +%s) - t0 ))
	if [ "$now" -ge "$next_rotate" ]; then
		psql -qXAt -c "SET client_min_messages = warning" -c "SELECT goodgo_events.outbox_rotate()" >/dev/null
		next_rotate=$((next_rotate + ROTATE))
	fi
	if [ "$now" -ge "$next" ] && kill -0 "$bench" 2>/dev/null; then
		sample "$now"
		next=$((next + SAMPLE))
	fi
done
wait "$bench"
brc=$?
[ $brc -eq 0 ] && pass producers_ran || fail producers_ran "pgbench exit $brc: $(tail -2 "$dir/pgbench.log")"

# Drain, then stop the relay (SIGTERM) and let the consumer finish reading.
committed=$(psql -qXAt -c "SELECT count(*) FROM soak_emitted")
for i in $(seq 600); do
	[ "$(metric goodgo_relay_events_published_total)" -ge "$committed" ] && break
	sleep 0.1
done
kill -TERM "$relay"
wait "$relay"
rrc=$?
[ $rrc -eq 0 ] && pass relay_sigterm_exit_0 || fail relay_sigterm_exit_0 "exit $rrc"
sleep 1
kill -TERM "$consumer"
wait "$consumer"

# Nothing lost, nothing twice.
psql -qXAt -c "SELECT event_id FROM soak_emitted" | sort >"$dir/committed.sorted"
sort "$dir/consumed" >"$dir/consumed.sorted"
ncom=$(wc -l <"$dir/committed.sorted")
ncons=$(wc -l <"$dir/consumed.sorted")
ndist=$(sort -u "$dir/consumed.sorted" | wc -l)
missing=$(comm -23 "$dir/committed.sorted" <(sort -u "$dir/consumed.sorted") | wc -l)
extra=$(comm -13 "$dir/committed.sorted" <(sort -u "$dir/consumed.sorted") | wc -l)
if [ "$ncom" -gt 0 ] && [ "$missing" -eq 0 ] && [ "$extra" -eq 0 ] && [ "$ncons" -eq "$ndist" ]; then
	pass nothing_lost_exactly_once
else
	fail nothing_lost_exactly_once "committed=$ncom consumed=$ncons distinct=$ndist missing=$missing unknown=$extra"
fi

# The samples: table and trend checks.
echo
printf '%6s %9s %9s %6s %9s %8s %7s %10s %12s %10s\n' t_s committed published lag consumed outbox pending relay_kB backends_kB redis_kB
awk -F'\t' '{ printf "%6s %9s %9s %6s %9s %8s %7s %10s %12s %10s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$dir/samples.tsv"
echo "events: committed=$ncom consumed=$ncons; rate asked $RATE/s, achieved $(awk -v n="$ncom" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')/s"
while read -r st name detail; do
	if [ "$st" = PASS ]; then pass "$name"; echo "    $detail"; else fail "$name" "$detail"; fi
done < <(/usr/bin/python3 - "$dir/samples.tsv" "$TOL" "$LAG_MAX" "$RATE" "$ROTATE" <<'PY'
import statistics, sys
rows = [list(map(int, l.split("\t"))) for l in open(sys.argv[1]) if l.strip()]
tol, lag_max, rate, rotate = (int(x) for x in sys.argv[2:6])
if len(rows) < 6:
    print("FAIL samples too_few_samples=%d" % len(rows))
    sys.exit()
print("PASS samples n=%d" % len(rows))
k = len(rows) // 3
mid, last = rows[k:2 * k], rows[2 * k:]
# column: name, absolute slack (kB)
for col, name, slack in ((7, "relay", 512), (8, "backends", 2048), (9, "redis", 1024)):
    a = statistics.median(r[col] for r in mid)
    b = statistics.median(r[col] for r in last)
    limit = max(a * tol / 100.0, slack)
    st = "PASS" if b - a <= limit else "FAIL"
    print("%s memory_flat_%s middle_third_median=%dkB last_third_median=%dkB growth=%dkB allowed=%dkB"
          % (st, name, a, b, b - a, limit))
lag = max(r[3] for r in rows)
print("%s lag_bounded max_lag=%d allowed=%d" % ("PASS" if 0 <= lag <= lag_max else "FAIL", lag, lag_max))
om = max(r[5] for r in mid)
ol = max(r[5] for r in last)
allowed = int(om * 1.5) + rate * rotate
print("%s outbox_bounded middle_third_max=%d last_third_max=%d allowed=%d"
      % ("PASS" if ol <= allowed else "FAIL", om, ol, allowed))
PY
)
exit $failed
