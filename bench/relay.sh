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
# Cluster (GG_BENCH_CLUSTER=0 skips it): the same N events through an outbox
# of 8 partitions (its own database), drained per round by --once into the
# standalone Redis and into a 3-master Redis Cluster (no replicas, ports from
# GG_REDIS_CLUSTER_PORT_BASE, default 21000, each with its bus port + 10000
# free), interleaved; then once into the cluster while redis-cli --cluster
# reshard moves 1,200 slots (two of the partitions) to another master.
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

cluster_line=
if [ "${GG_BENCH_CLUSTER:-1}" != 0 ]; then
	RL_REDIS_PIDFILE=$GG_TMP/bench_cluster_pids
	: >"$RL_REDIS_PIDFILE"
	# shellcheck source=relay/test/cluster.sh
	RL_CLUSTER_NODES=3 RL_CLUSTER_REPLICAS=0
	. "$GG_ROOT/relay/test/cluster.sh"
	trap 'for p in $(cat "$RL_REDIS_PIDFILE"); do kill -9 "$p" 2>/dev/null; done; gg_cleanup' EXIT
	rl_cluster_start bench || gg_die "could not start the Redis Cluster"
	export PGDATABASE=bench_cluster
	psql -qX -d postgres -c "CREATE DATABASE bench_cluster" >/dev/null
	psql -qX -c "CREATE EXTENSION goodgo_events" -c "SELECT goodgo_events.outbox_set_partitions(8)" >/dev/null ||
		gg_die "CREATE EXTENSION failed"
	psql -qXAt -c "SELECT goodgo_events.register_event_type('payment.completed', '{\"type\":\"object\"}'::jsonb)" >/dev/null 2>&1 || true
	gg_log "emitting $N events into 8 partitions"
	$PY "$B" fill --events "$N" --per-txn 500 || gg_die "fill failed"
	psql -qX -c "VACUUM ANALYZE goodgo_events.outbox" -c CHECKPOINT >/dev/null
	cflush() { local p; for p in $RL_CLUSTER_PORTS; do redis-cli -p "$p" flushall >/dev/null; done; }
	ccount() { $PY "$GG_ROOT/relay/test/verify.py" count --events 0 --cluster-ports "$RL_CLUSTER_CSV"; }
	# cluster_run RESULT-FILE NAME REDIS-FLAGS...
	cluster_run() {
		local out=$1 name=$2 t0 t1 got; shift 2
		rc flushall >/dev/null; cflush
		t0=$(now)
		"$RELAY" --once --name "$name" --log-file "$GG_TMP/relay.cluster.log" "$@" || gg_die "relay failed"
		t1=$(now)
		got=$(( $($PY "$GG_ROOT/relay/test/verify.py" count --events 0 --redis-port "$GG_REDIS_PORT") + $(ccount) ))
		[ "$got" -eq "$N" ] || gg_die "relay published $got of $N ($name)"
		rate "$N" "$t0" "$t1" >>"$out"
	}
	: >"$GG_TMP/c_standalone.r"; : >"$GG_TMP/c_cluster.r"
	for round in $(seq "$ROUNDS"); do
		cluster_run "$GG_TMP/c_standalone.r" "cs$round" --redis "redis://127.0.0.1:$GG_REDIS_PORT"
		cluster_run "$GG_TMP/c_cluster.r" "cc$round" --redis "redis://127.0.0.1:${RL_CLUSTER_PORTS%% *}"
		gg_log "cluster round $round: standalone $(tail -1 "$GG_TMP/c_standalone.r"), cluster $(tail -1 "$GG_TMP/c_cluster.r") events/s (8 partitions)"
	done
	# During a reshard: slots 0-1199 (partitions 3 and 7 of prefix goodgo) move to another master.
	src=$(echo "$RL_CLUSTER_PORTS" | cut -d' ' -f1); dst=$(echo "$RL_CLUSTER_PORTS" | cut -d' ' -f2)
	[ "$(rl_cluster_owner 0)" = "$src" ] || { tmp=$src; src=$(rl_cluster_owner 0); dst=$tmp; }
	: >"$GG_TMP/c_reshard.r"
	rc flushall >/dev/null; cflush
	( sleep 0.2; redis-cli --cluster reshard "127.0.0.1:$src" --cluster-from "$(rl_cluster_id "$src")" \
		--cluster-to "$(rl_cluster_id "$dst")" --cluster-slots 1200 --cluster-yes >"$GG_TMP/reshard.log" 2>&1 ) &
	resharder=$!
	t0=$(now)
	"$RELAY" --once --name creshard --log-file "$GG_TMP/relay.reshard.log" --redis "redis://127.0.0.1:$src" ||
		gg_die "relay failed during the reshard"
	t1=$(now)
	wait "$resharder" || gg_die "reshard failed"
	[ "$(ccount)" -eq "$N" ] || gg_die "relay published $(ccount) of $N during the reshard"
	rate "$N" "$t0" "$t1" >"$GG_TMP/c_reshard.r"
	cs=$(median <"$GG_TMP/c_standalone.r"); cc=$(median <"$GG_TMP/c_cluster.r"); cr=$(cat "$GG_TMP/c_reshard.r")
	cluster_line=$(printf '  8 partitions: standalone %s, 3-master cluster %s events/s: cluster / standalone = %.2fx (runs: %s/ %s); during a 1,200-slot reshard %s events/s = %.2fx (%s MOVED followed)' \
		"$cs" "$cc" "$(echo "$cc / $cs" | bc -l)" "$(tr '\n' ' ' <"$GG_TMP/c_standalone.r")" \
		"$(tr '\n' ' ' <"$GG_TMP/c_cluster.r")" "$cr" "$(echo "$cr / $cs" | bc -l)" \
		"$(grep -c 'msg="slot moved"' "$GG_TMP/relay.reshard.log")")
	export PGDATABASE=bench_relay
fi

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
[ -n "$cluster_line" ] && echo "$cluster_line"
printf '  latency at %s events/s (achieved %s/s, %s s): p50 %s ms, p99 %s ms, max %s ms (poll interval 50 ms)\n' \
	"$rate_s" "$achieved" "$secs" "$p50" "$p99" "$pmax"
