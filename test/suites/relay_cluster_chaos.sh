# The whole Redis Cluster story in one run, as an operator would meet it: a
# fresh 3-master + 3-replica cluster, 8 outbox partitions; 4 producers
# commit 40,000 events while redis-cli reshards 1,000 slots between two
# masters and the third master is killed with SIGKILL (its replica takes
# over; the dead node stays dead).  A relay daemon publishes through all of
# it and is stopped; then `goodgo-relay --once`, seeded with a node that
# owns none of partition 0's slots, drains the rest and exits 0.  Every
# committed event is in the streams exactly once, in per-aggregate order,
# read across the masters alive at the end.  (The separate steps, and what
# the relay logs at each, are in relay_cluster and relay_cluster_failover.)
# GG_RELAY_CHAOS_EVENTS sets the number of events (default 40,000).
set -uo pipefail
RL_SUITE=relay_cluster_chaos
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
. "$GG_ROOT/relay/test/cluster.sh"
N=${GG_RELAY_CHAOS_EVENTS:-40000}

rl_database relay_cluster_chaos || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
psql -qXAt -c "SELECT goodgo_events.outbox_set_partitions(8)" >/dev/null || { rl_fail set_partitions; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
rl_cluster_start c4 || { rl_fail cluster_started "$(tail -5 "$GG_TMP/cluster-c4/create.log")"; exit 0; }
rl_pass cluster_started

slot0=$(rl_cluster_keyslot 'events:{goodgo:p0}')
masters=($(rl_cluster_masters))
# X gives 1,000 slots to Y; Z is killed.  Z is the owner of partition 0's
# slot when X and Y can be chosen around it, so the seed of the final
# --once (X or Y) owns none of partition 0's slots either way.
z=$(rl_cluster_owner "$slot0")
x= y=
for p in "${masters[@]}"; do
	[ "$p" = "$z" ] && continue
	if [ -z "$x" ]; then x=$p; else y=$p; fi
done
zi=$(rl_cluster_index c4 "$z")
zr=$(redis-cli -p "$z" info replication | sed -n 's/^slave0:.*port=\([0-9]*\).*/\1/p')
rl_log "masters ${masters[*]}: reshard 1,000 slots :$x -> :$y, kill :$z (partition 0's slot $slot0; replica :$zr)"
rl_check roles_chosen [ -n "$x" -a -n "$y" -a -n "$z" -a -n "$zr" ]

log=$GG_TMP/relay_cluster_chaos.log
rl_relay_bg relay_cluster_chaos --redis "redis://127.0.0.1:$x" --batch 50 --batch-max 200 \
	--redis-timeout 1000 --backoff-max 500
relay=$RL_LAST_PID
t0=$(date +%s)
# First half of the events while 1,000 slots move; the second half while the
# third master dies.  (redis-cli cannot finish a reshard when a master dies
# during it: it tells every master the slot's new owner, and fails on the
# dead one.  The relay copes with both at once; the tool does not.)
half=$((N / 2))
/usr/bin/python3 "$RL_PY" emit --events "$half" --clients 4 --aggregates 400 >"$GG_TMP/chaos_emit.out" 2>&1 &
emitter=$!
sleep 1
redis-cli --cluster reshard "127.0.0.1:$x" --cluster-from "$(rl_cluster_id "$x")" \
	--cluster-to "$(rl_cluster_id "$y")" --cluster-slots 1000 --cluster-yes >"$GG_TMP/chaos_reshard.log" 2>&1
rc=$?
[ $rc -eq 0 ] || rl_log "redis-cli reshard exited $rc: $(grep -m3 'ERR\|\*\*\*\|failed' "$GG_TMP/chaos_reshard.log" | tr '\n' ' ')"
rl_check reshard_done [ $rc -eq 0 ]
rl_log "1,000 slots moved $(( $(date +%s) - t0 )) s into the run"
wait "$emitter"
rl_check emitted_first_half [ $? -eq 0 ]
/usr/bin/python3 "$RL_PY" emit --events "$((N - half))" --clients 4 --aggregates 400 --agg-base 1000 >>"$GG_TMP/chaos_emit.out" 2>&1 &
emitter=$!
sleep 0.5
rl_cluster_node_kill c4 "$zi"
rl_log "killed :$z $(( $(date +%s) - t0 )) s into the run"
# The daemon stops half a second later, before the failover is over: the
# final --once finds the slot's new owner by itself.
sleep 0.5
kill -TERM "$relay"; wait "$relay"
rl_check daemon_sigterm_exit_0 [ $? -eq 0 ]
wait "$emitter"
rl_check emitted_second_half [ $? -eq 0 ]
rl_log "$N events committed in $(( $(date +%s) - t0 )) s"
before=$(psql -qXAt -c "SELECT coalesce(sum(pending_estimate), 0) FROM goodgo_events.outbox_stats WHERE relay = 'default'")
rl_log "daemon: $(grep -c 'msg="slot moved"' "$log") MOVED, $(grep -c 'ASKING the importing node' "$log") ASK, $(grep -c 'backing off partition' "$log") partition backoffs; $before events left to the --once"

# --once, seeded with a live master that owns none of partition 0's slots.
seed=$y
[ "$(rl_cluster_owner "$slot0")" = "$seed" ] && seed=$x
once=$GG_TMP/relay_cluster_chaos_once.log
timeout 300 "$RELAY" --once --redis "redis://127.0.0.1:$seed" --redis-timeout 1000 --backoff-max 500 >"$once" 2>&1
rl_check once_exit_0 [ $? -eq 0 ]
rl_check once_seed_not_owner [ "$(rl_cluster_owner "$slot0")" != "$seed" ]
rl_check drained [ "$(psql -qXAt -c "SELECT coalesce(sum(pending_estimate), 0) FROM goodgo_events.outbox_stats WHERE relay = 'default'")" = 0 ]
rl_check replica_promoted [ "$(rl_cluster_owner "$slot0")" = "$zr" ]
restored=$(cat "$log" "$once" | sed -n 's/.*msg="restored lost events" partition=[0-9]* events=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}')
rl_log "re-published from the retained generations after the kill: $restored events"
committed=$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.outbox")
rl_check every_committed_event_emitted [ "$committed" -eq "$N" ]
if /usr/bin/python3 "$RL_PY" verify --cluster-ports "$RL_CLUSTER_CSV" --events "$N"; then
	rl_pass every_event_once_in_order
else
	rl_fail every_event_once_in_order
fi
exit 0
