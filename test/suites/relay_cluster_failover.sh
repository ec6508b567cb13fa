# Redis Cluster failover: kill -9 of a master mid-drain, its replica takes
# over.  Replication is asynchronous, so to make the loss window certain the
# replica is frozen (SIGSTOP) and its link closed by the master (CLIENT KILL
# TYPE replica: what the kernel buffered before is still delivered, nothing
# after) for a while before its master dies: the chunks acked meanwhile exist
# on the master only.
#  1. without --wait-replicas: the promoted replica lacks acked entries; the
#     relay notices (the slot's new owner was its old owner's replica),
#     re-publishes them from the retained generations: every event once;
#  2. with --wait-replicas 1: nothing is acked that the replica does not
#     have, so after the failover there is nothing to restore, and every
#     event is there once.
set -uo pipefail
RL_SUITE=relay_cluster_failover
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
. "$GG_ROOT/relay/test/cluster.sh"
N=${GG_RELAY_CLUSTER_EVENTS:-4000}

rl_database relay_cluster_failover || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
psql -qXAt -c "SELECT goodgo_events.outbox_set_partitions(8)" >/dev/null || { rl_fail set_partitions; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
rl_cluster_start c2 || { rl_fail cluster_started "$(tail -5 "$GG_TMP/cluster-c2/create.log")"; exit 0; }
rl_pass cluster_started

cverify() { /usr/bin/python3 "$RL_PY" verify --cluster-ports "$RL_CLUSTER_CSV" --events "$1"; }
pending_all() {
	psql -qXAt -c "SELECT coalesce(sum(pending_estimate), 0) FROM goodgo_events.outbox_stats WHERE relay = 'default'"
}
total=0

# failover_case NAME PARTITION RELAY-ARGS...: freeze the replica of the
# master of PARTITION's slot, let the relay publish, kill -9 the master,
# thaw the replica, wait for the failover and the drain.
failover_case() {
	local name=$1 part=$2; shift 2
	local slot m r mi ri emitter i drained
	log=$GG_TMP/relay_cluster_failover_$name.log
	slot=$(rl_cluster_keyslot "events:{goodgo:p$part}")
	m=$(rl_cluster_owner "$slot")
	r=$(redis-cli -p "$m" info replication | sed -n 's/^slave0:.*port=\([0-9]*\).*/\1/p')
	mi=$(rl_cluster_index c2 "$m"); ri=$(rl_cluster_index c2 "$r")
	rl_log "$name: partition $part, slot $slot, master :$m, replica :$r"
	rl_relay_bg "relay_cluster_failover_$name" --redis "redis://127.0.0.1:$(rl_cluster_any)" \
		--batch 10 --batch-max 10 --redis-timeout 1000 --backoff-max 500 "$@"
	relay=$RL_LAST_PID
	/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 200 --agg-base "$total" >"$GG_TMP/emit.$name" 2>&1 &
	emitter=$!
	sleep 1
	kill -STOP "$(cat "$GG_TMP/cluster-c2/$ri/redis.pid")"
	redis-cli -p "$m" client kill type replica >/dev/null
	# Events committed while the replica is frozen, whatever the pace of the
	# background producers: on a quiet machine they may have finished before
	# the freeze, and then no chunk would fall into the loss window.
	/usr/bin/python3 "$RL_PY" emit --events 400 --clients 2 --aggregates 50 --agg-base "$((total + 1000000))" \
		>"$GG_TMP/emit_frozen.$name" 2>&1 || rl_fail "$name:emit_frozen" "$(tail -2 "$GG_TMP/emit_frozen.$name")"
	total=$((total + 400))
	sleep 1.5
	rl_cluster_node_kill c2 "$mi"
	kill -CONT "$(cat "$GG_TMP/cluster-c2/$ri/redis.pid")"
	for i in $(seq 200); do
		[ "$(rl_cluster_owner "$slot")" = "$r" ] && break
		sleep 0.1
	done
	rl_check "$name:replica_promoted" [ "$(rl_cluster_owner "$slot")" = "$r" ]
	# The dead master comes back as a replica of the new one (WAIT needs one).
	rl_cluster_node_up c2 "$mi"
	wait "$emitter" || rl_fail "$name:emit" "$(tail -2 "$GG_TMP/emit.$name")"
	total=$((total + N))
	drained=
	for i in $(seq 600); do
		[ "$(pending_all)" = 0 ] && { drained=1; break; }
		sleep 0.1
	done
	rl_check "$name:drained_after_failover" [ -n "$drained" ]
	# The relay may have acked everything before the kill: it must notice the
	# failover by itself (the slot map), then check the partition.
	for i in $(seq 300); do
		grep -q 'slots_failed_over=[1-9]' "$log" && break
		sleep 0.1
	done
	if [ "$name" = nowait ]; then
		for i in $(seq 300); do
			grep -q 'msg="restored lost events"' "$log" && break
			sleep 0.1
		done
	fi
	sleep 1
	kill -TERM "$relay"; wait "$relay"
	rl_check "$name:sigterm_exit_0" [ $? -eq 0 ]
	rl_check "$name:failover_seen" grep -q 'slots_failed_over=[1-9]' "$log"
	cverify "$total" && rl_pass "$name:every_event_once_in_order" || rl_fail "$name:every_event_once_in_order"
	rl_cluster_wait_ok 30 || rl_log "$name: cluster not ok after the old master's restart"
}

failover_case nowait 0
restored=$(sed -n 's/.*msg="restored lost events" partition=[0-9]* events=\([0-9]*\).*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
rl_log "nowait: $restored events re-published from the retained generations after the failover"
rl_check nowait:loss_noticed grep -q 'Redis lost published events' "$log"
rl_check nowait:restored [ "$restored" -gt 0 ]

failover_case wait 1 --wait-replicas 1 --wait-timeout 200
rl_log "wait: $(grep -c 'too few replicas acknowledged' "$log") chunks held back by WAIT"
rl_check wait:held_back_by_wait grep -q 'too few replicas acknowledged' "$log"
rl_check wait:nothing_lost sh -c "! grep -q 'Redis lost published events' '$log'"
exit 0
