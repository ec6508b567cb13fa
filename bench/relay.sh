#!/usr/bin/env bash
# bench/relay.sh: goodgo-relay drain throughput and end-to-end latency, each
# next to its baseline measured in the same run.
#
#   bash bench/relay.sh                    200,000 events, 3 interleaved rounds
#   GG_BENCH_EVENTS=50000 GG_BENCH_ROUNDS=1 bash bench/relay.sh     quick look
#
# Throughput: GG_BENCH_EVENTS events are emitted (500 per transaction) into
# the outbox once; then, per round and interleaved, with Redis flushed before
# each run:
#   relay     goodgo-relay --once under a fresh relay name (a new name starts
#             at the beginning of the retained events, so every round drains
#             the same rows), default flags (claims of 1000 doubling up to
#             10000 under a backlog; or GG_BENCH_RELAY_FLAGS), then again
#             with claims fixed at 1000 (GG_BENCH_ALT_FLAGS);
#   ceiling   the same entries as plain pipelined XADD through redis-cli --pipe
#             (no database at all: what Redis alone takes);
#   baseline  the minimal Python SKIP LOCKED relay of research/outbox.md 5.2
#             (batches of 500, pipelined XADD, DELETE) over a plain table
#             holding the same envelopes.
# Latency: one relay with the default poll interval while events are
# emitted at GG_BENCH_RATE (1000)/s for GG_BENCH_SECONDS (20) s, one per
# transaction; a reader blocked on the stream timestamps each arrival:
# p50/p99 of COMMIT-returned to readable-in-Redis (an upper bound of
# commit-to-XADD).
#
# Uses test/lib.sh: a throwaway PostgreSQL and Redis (GG_PGPORT_BASE,
# GG_REDIS_PORT_BASE choose the ports), removed at exit.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"
N=${GG_BENCH_EVENTS:-200000}
ROUNDS=${GG_BENCH_ROUNDS:-3}
PY=/usr/bin/python3
B=$GG_ROOT/bench/relay_bench.py

gg_build_install
GG_PG_EXTRA_CONF=${GG_PG_EXTRA_CONF:-} gg_start_pg
gg_start_redis
RELAY=$GG_PGBIN/goodgo-relay
export PGDATABASE=bench_relay
psql -qX -d postgres -c "CREATE DATABASE bench_relay" >/dev/null
psql -qX -c "CREATE EXTENSION goodgo_events" >/dev/null || gg_die "CREATE EXTENSION failed"
psql -qXAt -c "SELECT goodgo_events.set_event_type_compatibility('payment.completed', 'NONE')" >/dev/null 2>&1 || true
psql -qXAt -c "SELECT goodgo_events.register_event_type('payment.completed', '{\"type\":\"object\"}'::jsonb)" >/dev/null 2>&1 || true
rc() { redis-cli -p "$GG_REDIS_PORT" "$@"; }
now() { date +%s.%N; }
rate() { printf '%.0f\n' "$(echo "$1 / ($3 - $2)" | bc -l)"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

gg_log "emitting $N events (500 per transaction)"
t0=$(now); $PY "$B" fill --events "$N" --per-txn 500 || gg_die "fill failed"; t1=$(now)
gg_log "emit: $(rate "$N" "$t0" "$t1") events/s"
psql -qX -c "VACUUM ANALYZE goodgo_events.outbox" -c CHECKPOINT >/dev/null
$PY "$B" resp --out "$GG_TMP/xadd.resp" --stream 'bench:ceiling' || gg_die "resp failed"

: >"$GG_TMP/relay.r"; : >"$GG_TMP/ceiling.r"; : >"$GG_TMP/baseline.r"
ALT=${GG_BENCH_ALT_FLAGS:---batch-max 1000}
relay_run() {	# relay_run RESULT-FILE NAME FLAGS...
	local out=$1 name=$2 t0 t1 got; shift 2
	rc flushall >/dev/null
	t0=$(now)
	"$RELAY" --once --name "$name" --redis "redis://127.0.0.1:$GG_REDIS_PORT" \
		--log-file "$GG_TMP/relay.log" "$@" || gg_die "relay failed"
	t1=$(now)
	got=$(rc xlen 'goodgo:payment:{goodgo:p0}')
	[ "$got" -eq "$N" ] || gg_die "relay published $got of $N"
	rate "$N" "$t0" "$t1" >>"$out"
}
: >"$GG_TMP/relaybig.r"
for round in $(seq "$ROUNDS"); do
	relay_run "$GG_TMP/relay.r" "bench$round" ${GG_BENCH_RELAY_FLAGS:-}
	relay_run "$GG_TMP/relaybig.r" "benchalt$round" $ALT

	rc flushall >/dev/null
	t0=$(now); rc --pipe <"$GG_TMP/xadd.resp" >/dev/null; t1=$(now)
	[ "$(rc xlen bench:ceiling)" -eq "$N" ] || gg_die "ceiling run incomplete"
	rate "$N" "$t0" "$t1" >>"$GG_TMP/ceiling.r"

	rc flushall >/dev/null
	$PY "$B" plain || gg_die "plain copy failed"
	psql -qX -c CHECKPOINT >/dev/null
	$PY "$B" baseline --redis-port "$GG_REDIS_PORT" --batch 500 | awk '{print $3}' >>"$GG_TMP/baseline.r"
	[ "$(rc xlen bench:baseline)" -eq "$N" ] || gg_die "baseline run incomplete"
	gg_log "round $round: relay $(tail -1 "$GG_TMP/relay.r"), relay $ALT $(tail -1 "$GG_TMP/relaybig.r"), ceiling $(tail -1 "$GG_TMP/ceiling.r"), baseline $(tail -1 "$GG_TMP/baseline.r") events/s"
done
r=$(median <"$GG_TMP/relay.r"); rb=$(median <"$GG_TMP/relaybig.r")
c=$(median <"$GG_TMP/ceiling.r"); b=$(median <"$GG_TMP/baseline.r")

rc flushall >/dev/null
rate_s=${GG_BENCH_RATE:-1000}; secs=${GG_BENCH_SECONDS:-20}
"$RELAY" --name latency --redis "redis://127.0.0.1:$GG_REDIS_PORT" --log-file "$GG_TMP/relay.latency.log" &
relay=$!
# A new relay name starts at the beginning: let it drain the backlog first.
for i in $(seq 600); do
	[ "$(rc xlen 'goodgo:payment:{goodgo:p0}')" -ge "$N" ] && break
	sleep 0.1
done
rc flushall >/dev/null
read -r achieved p50 p99 pmax < <($PY "$B" latency --redis-port "$GG_REDIS_PORT" \
	--stream 'goodgo:payment:{goodgo:p0}' --rate "$rate_s" --seconds "$secs")
kill -TERM $relay; wait $relay

echo
echo "goodgo-relay bench: $N events of ~580 B, $ROUNDS round(s), $(nproc) CPUs"
printf '  %-44s %10s events/s   (runs: %s)\n' "goodgo-relay --once ${GG_BENCH_RELAY_FLAGS:-(defaults)}" "$r" "$(tr '\n' ' ' <"$GG_TMP/relay.r")"
printf '  %-44s %10s events/s   (runs: %s)\n' "goodgo-relay --once $ALT" "$rb" "$(tr '\n' ' ' <"$GG_TMP/relaybig.r")"
printf '  %-44s %10s events/s   (runs: %s)\n' "ceiling: redis-cli --pipe plain XADD" "$c" "$(tr '\n' ' ' <"$GG_TMP/ceiling.r")"
printf '  %-44s %10s events/s   (runs: %s)\n' "baseline: Python SKIP LOCKED relay (500)" "$b" "$(tr '\n' ' ' <"$GG_TMP/baseline.r")"
printf '  relay / baseline = %.2fx (%s: %.2fx), relay / ceiling = %.2fx\n' "$(echo "$r / $b" | bc -l)" \
	"$ALT" "$(echo "$rb / $b" | bc -l)" "$(echo "$r / $c" | bc -l)"
printf '  latency at %s events/s (achieved %s/s, %s s): p50 %s ms, p99 %s ms, max %s ms (poll interval 50 ms)\n' \
	"$rate_s" "$achieved" "$secs" "$p50" "$p99" "$pmax"
