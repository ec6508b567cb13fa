# goodgo-relay killed with SIGKILL: once deterministically between a
# publish and its ack (a test hook), then at random moments during a drain
# while producers keep emitting, restarted each time.  Afterwards no event
# is missing and no stream holds an eventId twice.  GG_RELAY_EVENTS
# (default 20000; the issue's run: 100000) sets the size.
set -uo pipefail
RL_SUITE=relay_kill
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_EVENTS:-20000}
KILLS=${GG_RELAY_KILLS:-12}

rl_database relay_kill || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start kill)
url=redis://127.0.0.1:$port
log=$GG_TMP/relay_kill.log

# 1. Die after Redis accepted a chunk, before the ack: the restarted relay
#    gets the same batch back, Redis refuses every entry as already there.
/usr/bin/python3 "$RL_PY" emit --events 1000 --clients 2 --aggregates 50 >/dev/null
GOODGO_RELAY_TEST_CRASH_AFTER_PUBLISH=1 "$RELAY" --once --batch 300 --batch-max 300 --redis "$url" >>"$log" 2>&1
rc=$?
rl_check hook_killed_relay [ $rc -eq 137 ]
last=$(psql -qXAt -c "SELECT coalesce((SELECT last_batch_id FROM goodgo_events.relay_position('default', 0)), 0)")
rl_check first_chunk_published_not_acked [ "$(rl_top_batch "$port")" -gt "$last" ]
"$RELAY" --once --batch 300 --batch-max 300 --redis "$url" >"$GG_TMP/relay_kill.once.log" 2>&1
rl_check restart_counts_duplicates grep -q 'msg="stopping" published=700 duplicates=300' "$GG_TMP/relay_kill.once.log"
cat "$GG_TMP/relay_kill.once.log" >>"$log"
if /usr/bin/python3 "$RL_PY" verify --redis-port "$port" --events 1000 >/dev/null; then
	rl_pass after_crash_exact_set_no_duplicate
else
	rl_fail after_crash_exact_set_no_duplicate
fi

# 2. Random kills while producers emit.
/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 300 --agg-base 1000 >"$GG_TMP/emit.out" 2>&1 &
producers=$!
# Kill at random moments until the producers are done and the streams hold
# every event (at least KILLS kills, at most 1000), so the kills spread over
# the whole drain.
kills=0
total=$((N + 1000))
while kill -0 "$producers" 2>/dev/null || [ "$kills" -lt "$KILLS" ] ||
	[ "$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0)" -lt "$total" ]; do
	[ "$kills" -ge 1000 ] && break
	rl_relay_bg relay_kill --batch 200 --batch-max 200 --redis "$url" --poll-interval 10
	sleep "0.$((RANDOM % 6 + 1))"
	kill -9 "$RL_LAST_PID" 2>/dev/null && kills=$((kills + 1))
	wait "$RL_LAST_PID" 2>/dev/null
done
wait $producers || { rl_fail emit "$(tail -3 "$GG_TMP/emit.out")"; exit 0; }
rl_log "relay killed $kills times during the drain; $(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0) entries before the final run"
"$RELAY" --once --batch 200 --batch-max 200 --redis "$url" >>"$log" 2>&1
rl_check final_run_exits_0 [ $? -eq 0 ]
if /usr/bin/python3 "$RL_PY" verify --redis-port "$port" --events "$total"; then
	rl_pass random_kills_no_loss_no_duplicate
else
	rl_fail random_kills_no_loss_no_duplicate
fi
rl_check outbox_drained [ "$(rl_pending)" = 0 ]
exit 0
