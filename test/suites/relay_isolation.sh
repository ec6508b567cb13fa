# Partitions fail alone, on one standalone Redis too: the relay's ACL user
# may write the keys of partitions 0, 2 and 3 but not 1's (NOPERM).  The
# daemon keeps retrying partition 1 on its own backoff while 0, 2 and 3
# drain; once the user is granted partition 1's keys it catches up, and
# every event is there once.  (Before, a refused chunk backed off the whole
# relay and ended the round, so the partitions after it waited too.)
set -uo pipefail
RL_SUITE=relay_isolation
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_EVENTS_ISOLATION:-2000}

rl_database relay_isolation || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
psql -qXAt -c "SELECT goodgo_events.outbox_set_partitions(4)" >/dev/null || { rl_fail set_partitions; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start isolation)
log=$GG_TMP/relay_isolation.log
pending_of() {
	psql -qXAt -c "SELECT coalesce(sum(pending_estimate), 0) FROM goodgo_events.outbox_stats
		WHERE relay = 'default' AND part = ANY ('{$1}'::int[])"
}
set -f
redis-cli -p "$port" ACL SETUSER part023 on '>pw' resetkeys '~*:{goodgo:p0}' '~*:{goodgo:p2}' '~*:{goodgo:p3}' \
	resetchannels -@all +ping +multi +exec +xadd +xrange +xrevrange +scan +info >/dev/null
set +f
rl_relay_bg relay_isolation --redis "redis://part023:pw@127.0.0.1:$port" --backoff-max 500 \
	--batch 20 --batch-max 20 --unhealthy-after 600000
relay=$RL_LAST_PID
rl_emit "$N" 4 200 >/dev/null || rl_fail emit
others=
for i in $(seq 300); do
	[ "$(pending_of 0,2,3)" = 0 ] && { others=1; break; }
	sleep 0.1
done
held=$(pending_of 1)
rl_log "partitions 0, 2, 3 drained: ${others:-no}; partition 1 pending: $held"
rl_check others_drained [ -n "$others" ]
rl_check partition1_held [ "$held" -gt 0 ]
rl_check only_partition1_backed_off sh -c "grep 'backing off partition' '$log' | grep -qv 'partition=1 ' && exit 1; grep -q 'backing off partition\" partition=1 ' '$log'"
rl_check no_global_backoff sh -c "! grep -q 'msg=\"backing off\"' '$log'"
set -f
redis-cli -p "$port" ACL SETUSER part023 '~*:{goodgo:p1}' >/dev/null
set +f
drained=
for i in $(seq 300); do
	[ "$(pending_of 0,1,2,3)" = 0 ] && { drained=1; break; }
	sleep 0.1
done
rl_check partition1_caught_up [ -n "$drained" ]
kill -TERM "$relay"; wait "$relay"
rl_check sigterm_exit_0 [ $? -eq 0 ]
rl_verify "$port" "$N" && rl_pass every_event_once || rl_fail every_event_once
exit 0
