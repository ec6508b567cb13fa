# Redis restarted from a snapshot taken in the middle of a batch (issue 12,
# item 11).  Claims of up to 1,000 events go out as MULTI/EXEC chunks of 5,
# so a snapshot (BGSAVE: the data set of one instant, between two chunks)
# almost always cuts a batch in two; the relay goes on, acks that batch and
# later ones, then Redis is killed and restarted from the snapshot: its
# stream top is inside an acknowledged batch.  The relay must notice the loss
# at the entry, not at the batch, and publish the rest of that batch and
# everything after it again, before anything newer, so that every event is
# in its stream exactly once and in order.
#   once:   the snapshot is taken during a --once drain; a second --once run
#           after the restart repairs the streams and exits 0.
#   daemon: a running relay meets the restarted Redis while producers keep
#           emitting: the repair comes before any newer batch.
set -uo pipefail
RL_SUITE=relay_midbatch
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_MIDBATCH_EVENTS:-10000}

# The snapshot's top (partition 0): "batch ord".  Was it inside an acked batch?
cut_inside_batch() {
	local top=$1 b o last
	b=${top% *}
	o=${top#* }
	last=$(psql -qXAt -c "SELECT coalesce(max(ord), 0) FROM goodgo_events.relay_replay('default', 0, $b::bigint) WHERE batch_id = $b")
	rl_log "snapshot top $b-$o; batch $b has $last entries"
	[ "$b" -gt 0 ] && [ "$last" -gt "$o" ]
}

# run_case NAME: database, Redis, events, a relay drain with a snapshot
# mid-way (up to 3 tries, until the snapshot cut a batch).
for attempt in 1 2 3; do
	rl_database relay_midbatch || { rl_fail setup "could not create the database"; exit 0; }
	rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
	rl_register_types
	export GG_RELAY_EMITTED=$GG_TMP/emitted.midbatch_once
	rm -f "$GG_RELAY_EMITTED"
	[ -n "${port:-}" ] && rl_redis_down mb_once kill
	rm -rf "$GG_TMP/redis-mb_once"
	port=$(rl_redis_start mb_once)
	url=redis://127.0.0.1:$port
	log=$GG_TMP/relay_midbatch.once.log
	/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 200 >/dev/null ||
		{ rl_fail once:emit; exit 0; }
	rm -f "$GG_TMP/snap.ready" "$GG_TMP/snap.out"
	/usr/bin/python3 "$RL_PY" snapshot --redis-port "$port" --events $((N / 3)) \
		--ready "$GG_TMP/snap.ready" >"$GG_TMP/snap.out" &
	watcher=$!
	for i in $(seq 100); do [ -f "$GG_TMP/snap.ready" ] && break; sleep 0.05; done
	"$RELAY" --once --batch 5 --batch-max 1000 --redis "$url" >"$log" 2>&1
	rc=$?
	wait "$watcher"
	snap=$(cat "$GG_TMP/snap.out")
	rl_redis_down mb_once kill
	rl_redis_up mb_once
	top=$(/usr/bin/python3 "$RL_PY" top --redis-port "$port")
	cut_inside_batch "$top" && break
done
rl_check once:first_run_exits_0 [ "$rc" -eq 0 ]
rl_check once:snapshot_taken_mid_drain test "${snap:-0}" -gt 0 -a "${snap:-0}" -lt "$N"
rl_check once:snapshot_cut_an_acked_batch cut_inside_batch "$top"
after=$(/usr/bin/python3 "$RL_PY" count --redis-port "$port")
rl_log "entries: $snap at the snapshot, $after after the restart, $N committed"
rl_check once:restart_lost_entries [ "$after" -lt "$N" ]
"$RELAY" --once --batch 5 --batch-max 1000 --redis "$url" >"$log.2" 2>&1
rc=$?
rl_check once:repair_run_exits_0 [ "$rc" -eq 0 ]
rl_check once:loss_noticed grep -q 'Redis lost published events' "$log.2"
rl_check once:restored grep -q 'msg="restored lost events"' "$log.2"
if rl_verify "$port" "$N"; then
	rl_pass once:every_event_once_in_order
else
	rl_fail once:every_event_once_in_order
fi

# Daemon: a backlog (so that claims are large), then the relay and more
# producers run; the snapshot is taken mid-drain; after the drain Redis
# restarts from it and more events are committed.
rl_database relay_midbatch_d || { rl_fail setup "could not create the database"; exit 0; }
rl_register_types
export GG_RELAY_EMITTED=$GG_TMP/emitted.midbatch_daemon
rm -f "$GG_RELAY_EMITTED"
port=$(rl_redis_start mb_daemon)
url=redis://127.0.0.1:$port
/usr/bin/python3 "$RL_PY" emit --events $((N / 2)) --clients 4 --aggregates 200 >/dev/null ||
	{ rl_fail daemon:emit; exit 0; }
rm -f "$GG_TMP/snap.ready" "$GG_TMP/snap.out"
/usr/bin/python3 "$RL_PY" snapshot --redis-port "$port" --events $((N / 4)) \
	--ready "$GG_TMP/snap.ready" >"$GG_TMP/snap.out" &
watcher=$!
for i in $(seq 100); do [ -f "$GG_TMP/snap.ready" ] && break; sleep 0.05; done
rl_relay_bg relay_midbatch.daemon --batch 5 --batch-max 1000 --redis "$url" --poll-interval 10 --backoff-max 300
relay=$RL_LAST_PID
log=$GG_TMP/relay_midbatch.daemon.log
/usr/bin/python3 "$RL_PY" emit --events $((N / 2)) --clients 4 --aggregates 200 --agg-base 1000 >/dev/null 2>&1 &
producers=$!
wait "$watcher"
wait "$producers" || { rl_fail daemon:emit; exit 0; }
rl_wait_drained "$port" "$N" 120 || rl_fail daemon:drained_before_restart
rl_redis_down mb_daemon kill
rl_redis_up mb_daemon
top=$(/usr/bin/python3 "$RL_PY" top --redis-port "$port")
rl_check daemon:snapshot_cut_an_acked_batch cut_inside_batch "$top"
/usr/bin/python3 "$RL_PY" emit --events 1000 --clients 2 --aggregates 50 --agg-base 5000 >/dev/null ||
	rl_fail daemon:emit_more
total=$((N + 1000))
rl_wait_drained "$port" "$total" 120 && rl_pass daemon:drained || rl_fail daemon:drained
sleep 0.3
kill -TERM "$relay"; wait "$relay"
rl_check daemon:loss_noticed grep -q 'Redis lost published events' "$log"
if rl_verify "$port" "$total"; then
	rl_pass daemon:every_event_once_in_order
else
	rl_fail daemon:every_event_once_in_order
fi
# Leave no snapshot behind for a later suite's Redis of the same name.
rm -f "$GG_TMP"/redis-mb_*/dump.rdb
exit 0
