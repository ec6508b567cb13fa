# goodgo-relay end to end: concurrent producers emit GG_RELAY_EVENTS events
# (default 20000; the issue's full run is GG_RELAY_EVENTS=100000) while one
# relay publishes them; then the streams hold exactly the committed
# eventIds, once each, per-aggregate order kept, nothing rolled back; the
# outbox is drained; SIGTERM exits 0; a second --once run adds nothing.
set -uo pipefail
RL_SUITE=relay_e2e
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_EVENTS:-20000}

rl_database relay_e2e || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start e2e)
mport=$(gg_free_port $((GG_REDIS_PORT + 300)))

rl_relay_bg relay_e2e --redis "redis://127.0.0.1:$port" --poll-interval 20 --metrics-port "$mport"
relay=$RL_LAST_PID
t0=$(date +%s.%N)
got=$(rl_emit "$N" 4 300) || { rl_fail emit "producers failed"; exit 0; }
rl_check producers_committed_all [ "$got" -eq "$N" ]
if rl_wait_drained "$port" "$N" 180; then
	rl_pass published_all
	t1=$(date +%s.%N)
	rl_log "$N events emitted and published in $(echo "$t1 - $t0" | bc) s"
else
	rl_fail published_all "$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events "$N") of $N"
fi
sleep 0.5
if /usr/bin/python3 "$RL_PY" verify --redis-port "$port" --events "$N"; then rl_pass exact_set_order_no_duplicate; else rl_fail exact_set_order_no_duplicate; fi

# The newest entry's id is <last acked batch>-<ord>.
last=$(psql -qXAt -c "SELECT last_batch_id FROM goodgo_events.relay_position('default', 0)")
rl_check entry_ids_follow_batches [ "$(rl_top_batch "$port")" = "$last" ]
# Keys: the family from the outbox's stream name, the partition tag of --stream-prefix.
rl_check stream_key_has_partition_tag [ "$(redis-cli -p "$port" exists 'goodgo:payment:{goodgo:p0}')" = 1 ]
rl_check outbox_drained [ "$(rl_pending)" = 0 ]
pub=$(rl_metric "$mport" goodgo_relay_events_published_total)
rl_check metrics_endpoint [ "${pub:-0}" -eq "$N" ]
rl_check metrics_bound_to_loopback sh -c "! (exec 3<>/dev/tcp/$(hostname -I 2>/dev/null | awk '{print $1}')/$mport) 2>/dev/null"

kill -TERM "$relay"
wait "$relay"; rc=$?
rl_check sigterm_exits_0 [ $rc -eq 0 ]
rl_check stop_logged grep -q 'msg="stopping"' "$GG_TMP/relay_e2e.log"

# A second relay run (--once) finds nothing new and re-publishes nothing.
"$RELAY" --once --redis "redis://127.0.0.1:$port" >>"$GG_TMP/relay_e2e.log" 2>&1; rc=$?
rl_check once_exits_0 [ $rc -eq 0 ]
rl_check once_publishes_nothing_twice [ "$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0)" -eq "$N" ]

# --once drains what was committed meanwhile, then exits.
/usr/bin/python3 "$RL_PY" emit --events 500 --clients 2 --aggregates 100 --agg-base 100000 >/dev/null
"$RELAY" --once --batch 64 --redis "redis://127.0.0.1:$port" >>"$GG_TMP/relay_e2e.log" 2>&1; rc=$?
rl_check once_drains_then_exits test $rc -eq 0 -a "$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0)" -eq $((N + 500))
if /usr/bin/python3 "$RL_PY" verify --redis-port "$port" --events $((N + 500)); then rl_pass once_exact_set; else rl_fail once_exact_set; fi
exit 0
