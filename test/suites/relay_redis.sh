# goodgo-relay against a Redis that fails: killed and restarted mid-drain
# with appendfsync always (nothing lost: the relay just reconnects) and with
# persistence off (Redis comes back empty: the relay notices its streams are
# behind the acknowledged position and publishes the retained events again
# under their original ids), then Redis at maxmemory refusing writes (OOM)
# part-way.  Each time: no hole, no reordering, no duplicate, no loss.
# Claims of up to 400 events go out as MULTI/EXEC chunks of 50, so a fault
# can also hit a batch between two of its chunks.
set -uo pipefail
RL_SUITE=relay_redis
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_EVENTS:-20000}

rl_database relay_redis || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }

# run_case NAME REDIS-ARGS...: a database, a Redis and a relay per case.
run_case() {
	local name=$1; shift
	local port url log relay
	rl_database "relay_redis_$name" || { rl_fail "$name:setup"; return 1; }
	rl_register_types
	export GG_RELAY_EMITTED=$GG_TMP/emitted.$name
	rm -f "$GG_RELAY_EMITTED"
	port=$(rl_redis_start "$name" "$@")
	url=redis://127.0.0.1:$port
	log=$GG_TMP/relay_redis.$name.log
	rl_relay_bg "relay_redis.$name" --batch 50 --batch-max 400 --redis "$url" \
		--poll-interval 10 --backoff-max 500
	relay=$RL_LAST_PID
	/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 200 \
		>"$GG_TMP/emit.$name" 2>&1 &
	CASE_PRODUCERS=$!
	CASE_PORT=$port CASE_URL=$url CASE_LOG=$log CASE_RELAY=$relay
	# Let part of the events through first.
	local i
	for i in $(seq 100); do
		[ "$(redis-cli -p "$port" --scan --pattern "*:{goodgo:p0}" | wc -l)" -gt 0 ] && break
		sleep 0.05
	done
	sleep 0.3
}

# finish_case NAME: producers done, drained, verify this case's stream set.
finish_case() {
	local name=$1 total=${2:-$N} i
	wait "$CASE_PRODUCERS" || { rl_fail "$name:emit" "$(tail -2 "$GG_TMP/emit.$name")"; return 1; }
	for i in $(seq 600); do
		[ "$(rl_pending)" = 0 ] && break
		sleep 0.1
	done
	sleep 0.3
	kill -TERM "$CASE_RELAY"; wait "$CASE_RELAY"
	if /usr/bin/python3 "$RL_PY" verify --redis-port "$CASE_PORT" --events "$total"; then
		rl_pass "$name:no_loss_no_hole_no_reorder_no_duplicate"
	else
		rl_fail "$name:no_loss_no_hole_no_reorder_no_duplicate"
	fi
}

# 1. appendfsync always: kill -9 and restart on the same AOF.
run_case aof_always --appendonly yes --appendfsync always
rl_redis_down aof_always kill
sleep 0.5
rl_redis_up aof_always --appendonly yes --appendfsync always
finish_case aof_always
rl_check aof_always:reconnected grep -q 'could not read a reply from Redis\|Redis stopped answering\|could not connect to Redis' "$CASE_LOG"
rl_check aof_always:nothing_to_restore sh -c "! grep -q 'Redis lost published events' '$CASE_LOG'"

# 2. No persistence: Redis comes back empty; the relay must restore.
run_case no_persistence --appendonly no
before=$(/usr/bin/python3 "$RL_PY" count --redis-port "$CASE_PORT" --events 0)
rl_redis_down no_persistence kill
rl_redis_up no_persistence --appendonly no
# The relay may have drained every event before the kill (a fast emitter,
# a slow count above): idle, it notices the restart at its next PING (one a
# second) and restores then, with nothing new to publish.  Give it that time
# before stopping it; the checks below still fail if it never does.
for i in $(seq 150); do
	grep -q 'msg="restored lost events"' "$CASE_LOG" && break
	sleep 0.1
done
finish_case no_persistence
rl_check no_persistence:lost_something [ "$before" -gt 0 ]
rl_check no_persistence:loss_noticed grep -q 'Redis lost published events' "$CASE_LOG"
rl_check no_persistence:restored grep -q 'msg="restored lost events"' "$CASE_LOG"

# 3. maxmemory: Redis refuses writes (OOM) for a while, then recovers.  The
# relay may already have published all of the first producers' events, so
# more are committed while Redis is full: the relay must meet the refusal.
run_case oom --appendonly no --maxmemory-policy noeviction
used=$(redis-cli -p "$CASE_PORT" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
redis-cli -p "$CASE_PORT" config set maxmemory $((used + 4096)) >/dev/null
/usr/bin/python3 "$RL_PY" emit --events 1000 --clients 2 --aggregates 50 --agg-base 1000 >"$GG_TMP/emit.oom.more" 2>&1 ||
	rl_fail "oom:emit_more" "$(tail -2 "$GG_TMP/emit.oom.more")"
for i in $(seq 100); do
	grep -q 'OOM command not allowed' "$CASE_LOG" && break
	sleep 0.1
done
refused=$(grep -c 'OOM command not allowed' "$CASE_LOG")
redis-cli -p "$CASE_PORT" config set maxmemory 0 >/dev/null
finish_case oom $((N + 1000))
rl_check oom:refusals_seen_and_retried [ "$refused" -gt 0 ]
exit 0
