# Leadership follows health: two relays of the same name, 4 partitions.
#  1. the leader cannot reach Redis (its --redis names a stopped node): it
#     releases its partitions after --unhealthy-after, and the standby,
#     which can, takes them over within --unhealthy-after + its retry;
#  2. mid-drain, the leader's Redis user is disabled (ACL SETUSER off and
#     its connection killed): its partitions fail one by one, each is
#     released after --unhealthy-after, the standby (another user) takes
#     them within --unhealthy-after + its retry;
#  3. the leader is frozen (SIGSTOP): PostgreSQL ends its idle session
#     (idle_session_timeout, set by the relay from --unhealthy-after), its
#     locks go, the standby takes over within the same bound; thawed, the
#     old leader becomes a standby and nothing is published twice.
# Standalone Redis: the point is the PostgreSQL side, the same in a cluster.
set -uo pipefail
RL_SUITE=relay_cluster_leader
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_EVENTS:-4000}
UNHEALTHY=3000
RETRY=300
BOUND=$((UNHEALTHY + RETRY + 2000))	# + scheduling slack on a shared 2-core machine

rl_database relay_cluster_leader || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
psql -qXAt -c "SELECT goodgo_events.outbox_set_partitions(4)" >/dev/null || { rl_fail set_partitions; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start leader)
dead=$(rl_redis_start leader_dead)
rl_redis_down leader_dead kill

led() { grep -c 'leading partition' "$GG_TMP/$1.log"; }
# Wait until relay log $1 has led $2 partitions in all; prints the ms it took since $3 (ns).
wait_led() {
	local i
	for i in $(seq 300); do
		if [ "$(led "$1")" -ge "$2" ]; then echo $(( ($(date +%s%N) - $3) / 1000000 )); return 0; fi
		sleep 0.05
	done
	echo 99999
}

# --- 1. The leader's Redis is unreachable ---
rl_emit "$N" 4 200 >/dev/null || rl_fail emit1
rl_relay_bg relay_leader_a1 --redis "redis://127.0.0.1:$dead" --unhealthy-after $UNHEALTHY \
	--standby-retry $RETRY --backoff-max 500 --redis-timeout 500
a=$RL_LAST_PID
for i in $(seq 100); do [ "$(led relay_leader_a1)" -ge 4 ] && break; sleep 0.05; done
rl_check blocked:a_leads_all [ "$(led relay_leader_a1)" -eq 4 ]
t0=$(date +%s%N)
rl_relay_bg relay_leader_b1 --redis "redis://127.0.0.1:$port" --unhealthy-after $UNHEALTHY \
	--standby-retry $RETRY
b=$RL_LAST_PID
took=$(wait_led relay_leader_b1 4 "$t0")
rl_log "blocked leader: standby took all 4 partitions after $took ms (bound $BOUND ms)"
rl_check blocked:a_released grep -q 'releasing partition: no progress for --unhealthy-after' "$GG_TMP/relay_leader_a1.log"
rl_check blocked:b_took_over_in_time [ "$took" -le "$BOUND" ]
rl_wait_drained "$port" "$N" 60 && rl_pass blocked:drained_by_b || rl_fail blocked:drained_by_b
kill -TERM "$a" "$b"; wait "$a" "$b"
rl_verify "$port" "$N" && rl_pass blocked:every_event_once || rl_fail blocked:every_event_once

# --- 2. Mid-drain, the leader loses its Redis (its ACL user disabled) ---
redis-cli -p "$port" ACL SETUSER relay_a on '>pa' '~*' '&*' +@all >/dev/null
redis-cli -p "$port" ACL SETUSER relay_b on '>pb' '~*' '&*' +@all >/dev/null
rl_relay_bg relay_leader_a3 --redis "redis://relay_a:pa@127.0.0.1:$port" --unhealthy-after $UNHEALTHY \
	--standby-retry $RETRY --backoff-max 500 --redis-timeout 500 --batch 20 --batch-max 20
a=$RL_LAST_PID
for i in $(seq 100); do [ "$(led relay_leader_a3)" -ge 4 ] && break; sleep 0.05; done
rl_relay_bg relay_leader_b3 --redis "redis://relay_b:pb@127.0.0.1:$port" --unhealthy-after $UNHEALTHY \
	--standby-retry $RETRY --batch 20 --batch-max 20
b=$RL_LAST_PID
sleep 0.5
rl_check lost_redis:a_leads_b_stands_by [ "$(led relay_leader_a3)" -eq 4 -a "$(led relay_leader_b3)" -eq 0 ]
/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 200 --agg-base 2000 >"$GG_TMP/emit3.out" 2>&1 &
emitter=$!
sleep 0.5
redis-cli -p "$port" ACL SETUSER relay_a off >/dev/null
redis-cli -p "$port" CLIENT KILL USER relay_a >/dev/null
t0=$(date +%s%N)
took=$(wait_led relay_leader_b3 4 "$t0")
rl_log "leader without Redis mid-drain: standby took all 4 partitions after $took ms (bound $BOUND ms)"
rl_check lost_redis:a_released grep -q 'releasing partition: no progress for --unhealthy-after' "$GG_TMP/relay_leader_a3.log"
rl_check lost_redis:b_took_over_in_time [ "$took" -le "$BOUND" ]
wait "$emitter" || rl_fail lost_redis:emit
rl_wait_drained "$port" $((2 * N)) 60 && rl_pass lost_redis:drained || rl_fail lost_redis:drained
kill -TERM "$a" "$b"; wait "$a"; wait "$b"
rl_verify "$port" $((2 * N)) && rl_pass lost_redis:every_event_once || rl_fail lost_redis:every_event_once

# --- 3. The leader is frozen ---
rl_relay_bg relay_leader_a2 --redis "redis://127.0.0.1:$port" --unhealthy-after $UNHEALTHY \
	--standby-retry $RETRY --batch 20 --batch-max 20
a=$RL_LAST_PID
for i in $(seq 100); do [ "$(led relay_leader_a2)" -ge 4 ] && break; sleep 0.05; done
rl_relay_bg relay_leader_b2 --redis "redis://127.0.0.1:$port" --unhealthy-after $UNHEALTHY \
	--standby-retry $RETRY --batch 20 --batch-max 20
b=$RL_LAST_PID
sleep 0.5
rl_check frozen:a_leads_b_stands_by [ "$(led relay_leader_a2)" -eq 4 -a "$(led relay_leader_b2)" -eq 0 ]
/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 200 --agg-base 1000 >"$GG_TMP/emit2.out" 2>&1 &
emitter=$!
sleep 1
kill -STOP "$a"
t0=$(date +%s%N)
took=$(wait_led relay_leader_b2 4 "$t0")
rl_log "frozen leader: standby took all 4 partitions after $took ms (bound $BOUND ms)"
rl_check frozen:b_took_over_in_time [ "$took" -le "$BOUND" ]
wait "$emitter" || rl_fail frozen:emit
kill -CONT "$a"
rl_wait_drained "$port" $((3 * N)) 60 && rl_pass frozen:drained || rl_fail frozen:drained
sleep 1
kill -TERM "$a" "$b"; wait "$a"; rca=$?; wait "$b"; rcb=$?
rl_check frozen:both_exit_0 [ "$rca" -eq 0 -a "$rcb" -eq 0 ]
rl_verify "$port" $((3 * N)) && rl_pass frozen:every_event_once || rl_fail frozen:every_event_once
exit 0
