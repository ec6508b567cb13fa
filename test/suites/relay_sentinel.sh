# goodgo-relay with Redis Sentinel (redis-sentinel://host:port,.../master):
# a master, its replica and three Sentinels (quorum 2) on 127.0.0.1.  The
# relay asks the Sentinels where the master is, publishes there, and after
# the master is killed (SIGKILL, while producers commit) and the Sentinels
# promote the replica, finds the new master by itself, compares every
# partition's streams with the acknowledged positions (replication is
# asynchronous: the replica may lack acknowledged chunks), re-publishes what
# is missing and goes on: every event once, in per-aggregate order, on the
# new master.  Then the old master comes back as a replica of the new one,
# and a relay still connected to it (as a standalone redis://) meets
# READONLY: it backs off and never makes a dead letter of it.  URL errors
# are usage errors.
set -uo pipefail
RL_SUITE=relay_sentinel
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_EVENTS:-4000}

# URL parsing and --print-config first (no server needed).
"$RELAY" --redis 'redis-sentinel://127.0.0.1:1' --print-config >"$GG_TMP/sentinel_usage.log" 2>&1
rl_check usage:master_name_required [ $? -eq 2 ]
rl_check usage:says_why grep -q 'names the master after the Sentinels' "$GG_TMP/sentinel_usage.log"
"$RELAY" --redis 'redis-sentinel://127.0.0.1:1/m' --redis redis://127.0.0.1:2 --print-config >"$GG_TMP/sentinel_usage2.log" 2>&1
rl_check usage:only_redis [ $? -eq 2 ]
rl_check usage:only_redis_says_why grep -q 'must be the only --redis' "$GG_TMP/sentinel_usage2.log"
"$RELAY" --redis 'redis-sentinel://u:pw@127.0.0.1:26001,localhost/gg/3' --print-config >"$GG_TMP/sentinel_cfg.log" 2>&1
rl_check print_config:parsed sh -c "grep -qx 'redis.sentinel-master=gg' '$GG_TMP/sentinel_cfg.log' &&
	grep -qx 'redis.sentinel=127.0.0.1:26001' '$GG_TMP/sentinel_cfg.log' &&
	grep -qx 'redis.sentinel=localhost:26379' '$GG_TMP/sentinel_cfg.log' &&
	grep -qx 'redis.user=u' '$GG_TMP/sentinel_cfg.log' && grep -qx 'redis.password=(set)' '$GG_TMP/sentinel_cfg.log' &&
	grep -qx 'redis.db=3' '$GG_TMP/sentinel_cfg.log'"

"$RELAY" --redis 'redis-sentinel://[::1]:26001,[fe80::1]/gg' --print-config >"$GG_TMP/sentinel_cfg6.log" 2>&1
rl_check print_config:ipv6 sh -c "grep -qx 'redis.sentinel=::1:26001' '$GG_TMP/sentinel_cfg6.log' &&
	grep -qx 'redis.sentinel=fe80::1:26379' '$GG_TMP/sentinel_cfg6.log'"
"$RELAY" --redis 'redis-sentinel://[::1:26001/gg' --print-config >"$GG_TMP/sentinel_usage3.log" 2>&1
rl_check usage:ipv6_unterminated [ $? -eq 2 ]
rl_check usage:ipv6_unterminated_says_why grep -q 'unterminated IPv6 address of a Sentinel' "$GG_TMP/sentinel_usage3.log"
"$RELAY" --redis 'redis-sentinel://127.0.0.1:99999/gg' --print-config >"$GG_TMP/sentinel_usage4.log" 2>&1
rl_check usage:bad_port [ $? -eq 2 ]
rl_check usage:bad_port_says_why grep -q 'invalid Sentinel port' "$GG_TMP/sentinel_usage4.log"

rl_database relay_sentinel || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
psql -qXAt -c "SELECT goodgo_events.outbox_set_partitions(4)" >/dev/null || { rl_fail set_partitions; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"

m=$(rl_redis_start sentinel_m --repl-diskless-sync-delay 0)
r=$(rl_redis_start sentinel_r --replicaof 127.0.0.1 "$m")
# Three Sentinels (redis-server --sentinel: the Debian redis-server binary).
sports=
for i in 1 2 3; do
	dir=$GG_TMP/sentinel-$i
	mkdir -p "$dir"
	sp=$(gg_free_port $((GG_REDIS_PORT + 600 + 10 * i)))
	cat >"$dir/sentinel.conf" <<CONF
port $sp
bind 127.0.0.1
daemonize yes
pidfile $dir/sentinel.pid
logfile $dir/sentinel.log
dir $dir
sentinel monitor gg 127.0.0.1 $m 2
sentinel down-after-milliseconds gg 1000
sentinel failover-timeout gg 4000
sentinel parallel-syncs gg 1
CONF
	[ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
	gg_as_owner redis-server "$dir/sentinel.conf" --sentinel
	for j in $(seq 100); do
		redis-cli -p "$sp" ping 2>/dev/null | grep -q PONG && break
		sleep 0.05
	done
	cat "$dir/sentinel.pid" >>"$RL_REDIS_PIDFILE"
	sports="$sports${sports:+,}127.0.0.1:$sp"
done
master_by_sentinel() { redis-cli -p "${sports##*:}" sentinel get-master-addr-by-name gg 2>/dev/null | sed -n 2p; }
rl_check sentinels_know_master [ "$(master_by_sentinel)" = "$m" ]
# Wait until the Sentinels have found the replica and each other.
for i in $(seq 100); do
	[ "$(redis-cli -p "${sports##*:}" sentinel master gg 2>/dev/null | sed -n '/^num-other-sentinels$/{n;p}')" = 2 ] &&
		[ "$(redis-cli -p "${sports##*:}" sentinel master gg 2>/dev/null | sed -n '/^num-slaves$/{n;p}')" = 1 ] && break
	sleep 0.1
done
rl_log "master :$m, replica :$r, sentinels $sports"

url="redis-sentinel://$sports/gg"
log=$GG_TMP/relay_sentinel.log
rl_relay_bg relay_sentinel --redis "$url" --batch 20 --batch-max 20 --redis-timeout 1000 --backoff-max 300
relay=$RL_LAST_PID
rl_emit "$N" 4 200 >/dev/null || rl_fail emit1
rl_wait_drained "$m" "$N" 60 && rl_pass drained_on_master || rl_fail drained_on_master
rl_check sentinel_mode_logged grep -q "msg=\"Redis Sentinel mode\" master=gg address=127.0.0.1:$m" "$log"

# The replica has everything so far ...
offset() { redis-cli -p "$1" info replication | sed -n "s/^$2:\([0-9]*\).*/\1/p" | tr -d '\r'; }
for i in $(seq 300); do
	redis-cli -p "$r" info replication | grep -q 'master_link_status:up' &&
		[ "$(offset "$r" slave_repl_offset)" = "$(offset "$m" master_repl_offset)" ] && break
	sleep 0.1
done
rl_check replica_in_sync [ "$(offset "$r" slave_repl_offset)" = "$(offset "$m" master_repl_offset)" ]
# ... then its link is frozen so that the chunks acknowledged next exist on
# the master only; the master is killed while producers commit, the
# Sentinels promote the replica.
/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 200 --agg-base 1000 >"$GG_TMP/sentinel_emit2.out" 2>&1 &
emitter=$!
sleep 0.5
kill -STOP "$(cat "$GG_TMP/redis-sentinel_r/redis.pid")"
redis-cli -p "$m" client kill type replica >/dev/null
sleep 1
rl_redis_down sentinel_m kill
kill -CONT "$(cat "$GG_TMP/redis-sentinel_r/redis.pid")"
for i in $(seq 300); do
	[ "$(master_by_sentinel)" = "$r" ] && break
	sleep 0.1
done
rl_check failover_done [ "$(master_by_sentinel)" = "$r" ]
wait "$emitter" || rl_fail emit2 "$(tail -2 "$GG_TMP/sentinel_emit2.out")"
rl_wait_drained "$r" $((2 * N)) 90 && rl_pass drained_on_new_master || rl_fail drained_on_new_master
rl_check new_master_found grep -q "msg=\"the Sentinels name a new master\" master=gg old=127.0.0.1:$m new=127.0.0.1:$r" "$log"
rl_check loss_checked_and_restored grep -q 'msg="restored lost events"\|Redis lost published events' "$log"
restored=$(sed -n 's/.*msg="restored lost events" partition=[0-9]* events=\([0-9]*\).*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
rl_log "after the failover: $restored events re-published from the retained generations"
if rl_verify "$r" $((2 * N)); then
	rl_pass every_event_once_in_order
else
	rl_fail every_event_once_in_order
fi
rl_check no_dead_letter [ "$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.dead_letters")" = 0 ]

# The old master comes back: the Sentinels make it a replica of the new one.
rl_redis_up sentinel_m
for i in $(seq 200); do
	redis-cli -p "$m" role 2>/dev/null | head -1 | grep -q slave && break
	sleep 0.1
done
rl_check old_master_is_replica sh -c "redis-cli -p '$m' role | head -1 | grep -q slave"
kill -TERM "$relay"; wait "$relay"
rl_check sigterm_exit_0 [ $? -eq 0 ]
# A relay pointed straight at it (redis://, no Sentinel) is refused with
# READONLY: a transient refusal of the node, never an event's dead letter.
/usr/bin/python3 "$RL_PY" emit --events 50 --clients 1 --aggregates 10 --agg-base 5000 >/dev/null
ro=$GG_TMP/relay_sentinel_readonly.log
timeout 60 "$RELAY" --once --once-timeout 3 --redis "redis://127.0.0.1:$m" --backoff-max 300 >"$ro" 2>&1
rl_check readonly:once_gives_up_exit_1 [ $? -eq 1 ]
rl_check readonly:logged grep -q 'Redis node is a replica now, reconnecting: READONLY' "$ro"
rl_check readonly:no_dead_letter [ "$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.dead_letters")" = 0 ]
# Through the Sentinels the same events go to the master.
timeout 60 "$RELAY" --once --redis "$url" >>"$log" 2>&1
rl_check once_through_sentinel_exit_0 [ $? -eq 0 ]
if rl_verify "$r" $((2 * N + 50)); then
	rl_pass once_every_event_once_in_order
else
	rl_fail once_every_event_once_in_order
fi
exit 0
