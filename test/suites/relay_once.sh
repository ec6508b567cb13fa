# goodgo-relay --once against misconfigurations (issue 12, item 12): a cron
# job or a CI step must never hang.  Permanent errors (Redis NOAUTH,
# WRONGPASS, an ACL user without XADD or SCAN; a database without the
# extension, a missing database, a role that may not log in, a wrong
# PostgreSQL password, a malformed conninfo) end --once at once: exit 1 and the error in the log.  Transient
# ones (Redis or PostgreSQL refusing connections, Redis paused) are retried
# until --once-timeout seconds pass without progress: exit 1.  A drain that
# keeps publishing is never cut by --once-timeout.  A Redis ACL user with
# exactly the line documented in doc/relay.md relays everything; usage
# errors keep exit 2.  The daemon keeps retrying a permanent error.
set -uo pipefail
RL_SUITE=relay_once
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"

rl_database relay_once || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
export GG_RELAY_EMITTED=$GG_TMP/emitted.once
rm -f "$GG_RELAY_EMITTED"
db=$PGDATABASE
/usr/bin/python3 "$RL_PY" emit --events 200 --clients 2 --aggregates 20 >/dev/null || { rl_fail emit; exit 0; }

port=$(rl_redis_start once --requirepass s3cret)
# The ACL line of doc/relay.md, as the docs give it, and users lacking one command.
set -f	# the ACL line holds glob characters
acl=$(sed -n 's/^ACL SETUSER goodgo-relay \(.*\)$/\1/p' "$GG_ROOT/doc/relay.md" | head -1)
rl_check acl_line_documented [ -n "$acl" ]
redis-cli -p "$port" -a s3cret --no-auth-warning ACL SETUSER goodgo-relay ${acl/>CHANGE-ME/>relaypw} >/dev/null
redis-cli -p "$port" -a s3cret --no-auth-warning ACL SETUSER no-xadd ${acl/>CHANGE-ME/>pw} -xadd >/dev/null
redis-cli -p "$port" -a s3cret --no-auth-warning ACL SETUSER no-scan ${acl/>CHANGE-ME/>pw} -scan >/dev/null
set +f

# once_case NAME EXPECTED-RC MAX-SECONDS LOG-PATTERN [relay args...]
once_case() {
	local name=$1 want=$2 max=$3 pat=$4 t0 rc secs log=$GG_TMP/relay_once.$1.log
	shift 4
	t0=$(date +%s%N)
	timeout 90 "$RELAY" --once --backoff-max 500 "$@" >"$log" 2>&1
	rc=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000 ))
	rl_log "$name: exit $rc after $secs ms: $(grep -m1 'giving up\|invalid' "$log" | sed 's/.*msg=//' | cut -c1-160)"
	rl_check "$name:exit_$want" [ "$rc" -eq "$want" ]
	rl_check "$name:within_${max}s" [ "$secs" -lt $((max * 1000)) ]
	[ -n "$pat" ] && rl_check "$name:says_why" grep -q -- "$pat" "$log"
	return 0
}

# Permanent: --once ends at once (well within 10 s), whatever --once-timeout.
once_case redis_noauth 1 10 'NOAUTH' --redis "redis://127.0.0.1:$port"
once_case redis_wrongpass 1 10 'WRONGPASS' --redis "redis://default:wrong@127.0.0.1:$port"
once_case redis_acl_no_xadd 1 10 "NOPERM.*xadd" --redis "redis://no-xadd:pw@127.0.0.1:$port"
once_case redis_acl_no_scan 1 10 "NOPERM.*scan" --redis "redis://no-scan:pw@127.0.0.1:$port"
rl_check acl_failures_published_nothing [ "$(redis-cli -p "$port" -a s3cret --no-auth-warning dbsize)" = 0 ]
PGOPTIONS="-c client_min_messages=warning" psql -qX -d postgres -c "DROP DATABASE IF EXISTS relay_once_noext" -c "CREATE DATABASE relay_once_noext" >/dev/null
once_case pg_no_extension 1 10 'schema .goodgo_events. does not exist' \
	--db "dbname=relay_once_noext" --redis "redis://default:s3cret@127.0.0.1:$port"
once_case pg_missing_database 1 10 'database .relay_once_nosuchdb. does not exist' \
	--db "dbname=relay_once_nosuchdb" --redis "redis://default:s3cret@127.0.0.1:$port"
PGOPTIONS="-c client_min_messages=warning" psql -qX -c "DROP ROLE IF EXISTS gg_once_nologin" -c "CREATE ROLE gg_once_nologin NOLOGIN" >/dev/null
once_case pg_role_cannot_login 1 10 'not permitted to log in' \
	--db "dbname=$db user=gg_once_nologin" --redis "redis://default:s3cret@127.0.0.1:$port"
# A wrong password (scram over TCP for one role; the rest of the cluster trusts).
hba=$GG_TMP/data/pg_hba.conf
cp -p "$hba" "$hba.orig"
{ echo "host all gg_once_pw 127.0.0.1/32 scram-sha-256"; cat "$hba.orig"; } >"$hba"
PGOPTIONS="-c client_min_messages=warning" psql -qX -c "DROP ROLE IF EXISTS gg_once_pw" \
	-c "CREATE ROLE gg_once_pw LOGIN PASSWORD 'right' IN ROLE goodgo_events_relay" -c "SELECT pg_reload_conf()" >/dev/null
once_case pg_wrong_password 1 10 'password authentication failed' \
	--db "host=127.0.0.1 port=$PGPORT dbname=$db user=gg_once_pw password=wrong" --redis "redis://default:s3cret@127.0.0.1:$port"
cp -p "$hba.orig" "$hba"
psql -qX -c "SELECT pg_reload_conf()" -c "DROP ROLE gg_once_pw" >/dev/null
once_case pg_bad_conninfo 1 10 'invalid PostgreSQL connection string' \
	--db "dbname=$db nosuchoption=1" --redis "redis://default:s3cret@127.0.0.1:$port"
psql -qX -c "DROP ROLE gg_once_nologin" >/dev/null

# Transient: retried until --once-timeout without progress.
free=$(gg_free_port $((GG_REDIS_PORT + 300)))
once_case redis_refused 1 15 'giving up after 3 s without progress.*could not connect to Redis' \
	--once-timeout 3 --redis "redis://127.0.0.1:$free"
once_case pg_refused 1 15 'giving up after 3 s without progress.*could not connect to PostgreSQL' \
	--once-timeout 3 --db "host=127.0.0.1 port=$free dbname=$db connect_timeout=2" \
	--redis "redis://default:s3cret@127.0.0.1:$port"
# Redis paused: every write times out (--redis-timeout), reconnects work.
redis-cli -p "$port" -a s3cret --no-auth-warning CLIENT PAUSE 20000 WRITE >/dev/null
once_case redis_paused 1 15 'giving up after 3 s without progress' \
	--once-timeout 3 --redis-timeout 500 --redis "redis://default:s3cret@127.0.0.1:$port"
redis-cli -p "$port" -a s3cret --no-auth-warning CLIENT UNPAUSE >/dev/null

# Usage errors keep exit 2.
once_case usage_once_timeout 2 5 'once-timeout' --once-timeout 0
rl_check print_config_shows_once_timeout sh -c "'$RELAY' --once-timeout 7 --print-config | grep -qx once-timeout=7"

# The documented ACL line is enough: everything published, exactly once.
once_case acl_documented_line 0 60 '' --redis "redis://goodgo-relay:relaypw@127.0.0.1:$port"
if GG_REDIS_PASSWORD=s3cret rl_verify "$port" 200; then
	rl_pass acl_documented_line:every_event_once_in_order
else
	rl_fail acl_documented_line:every_event_once_in_order
fi

# A drain that keeps publishing is never cut: one event per batch, several
# seconds of work, --once-timeout 1.
/usr/bin/python3 "$RL_PY" emit --events 2400 --clients 2 --aggregates 20 --agg-base 100 >/dev/null
once_case long_drain_not_cut 0 120 '' --once-timeout 1 --batch 1 --batch-max 1 --overlap off \
	--redis "redis://default:s3cret@127.0.0.1:$port"
first=$(head -1 "$GG_TMP/relay_once.long_drain_not_cut.log" | cut -c12-23)
last=$(tail -1 "$GG_TMP/relay_once.long_drain_not_cut.log" | cut -c12-23)
rl_log "long drain from $first to $last"
rl_check long_drain_lasted_over_1s /usr/bin/python3 -c "
import sys
def s(t): h, m, x = t.split(':'); return int(h) * 3600 + int(m) * 60 + float(x)
sys.exit(0 if s(sys.argv[2]) - s(sys.argv[1]) > 1.0 else 1)" "$first" "$last"
if GG_REDIS_PASSWORD=s3cret rl_verify "$port" 2600; then
	rl_pass long_drain:every_event_once_in_order
else
	rl_fail long_drain:every_event_once_in_order
fi

# A partition whose lock another session holds: the backend of a relay that
# just exited may still hold it for a moment, so --once keeps trying the
# lock instead of leaving the partition undrained.  Held for 3 s: every
# event is published, exit 0.  Held past --once-timeout: exit 1, naming it,
# the other partitions drained.  (Own database: 8 partitions.)
hold_lock() {	# PART SECONDS
	psql -qXAt -c "SELECT goodgo_events.relay_lock('default', $1)" -c "SELECT pg_sleep($2)" >/dev/null 2>&1 &
	for i in $(seq 100); do
		[ "$(psql -qXAt -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND objid = $1 AND granted")" -ge 1 ] && return 0
		sleep 0.05
	done
	return 1
}
rl_database relay_once_locks || rl_fail lock_held:setup
psql -qXAt -c "SELECT goodgo_events.outbox_set_partitions(8)" >/dev/null || rl_fail lock_held:set_partitions
rl_register_types
export GG_RELAY_EMITTED=$GG_TMP/emitted.once_locks
rm -f "$GG_RELAY_EMITTED"
lport=$(rl_redis_start once_locks)
lurl=redis://127.0.0.1:$lport
/usr/bin/python3 "$RL_PY" emit --events 400 --clients 2 --aggregates 80 >/dev/null
hold_lock 2 3; holder=$!
rl_check lock_held:holder_started kill -0 "$holder"
once_case lock_held_briefly 0 60 '' --redis "$lurl"
wait "$holder"
rl_check lock_held_briefly:waited_for_the_lock grep -q 'leading partition.*partition=2' "$GG_TMP/relay_once.lock_held_briefly.log"
rl_verify "$lport" 400 && rl_pass lock_held_briefly:every_event_once_in_order || rl_fail lock_held_briefly:every_event_once_in_order
/usr/bin/python3 "$RL_PY" emit --events 400 --clients 2 --aggregates 80 --agg-base 500 >/dev/null
hold_lock 5 30; holder=$!
once_case lock_held_long 1 25 'partitions are led by another relay for 2 s: not drained.* partitions=5$' \
	--once-timeout 2 --redis "$lurl"
left=$(psql -qXAt -c "SELECT string_agg(part::text || ':' || (pending_estimate > 0)::text, ',' ORDER BY part) FROM goodgo_events.outbox_stats WHERE relay = 'default'")
rl_log "pending after lock_held_long: $left"
rl_check lock_held_long:only_that_partition_left [ "$left" = "0:false,1:false,2:false,3:false,4:false,5:true,6:false,7:false" ]
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
psql -qXAt -c "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 5 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())" >/dev/null
once_case lock_released 0 60 '' --redis "$lurl"
rl_verify "$lport" 800 && rl_pass lock_released:every_event_once_in_order || rl_fail lock_released:every_event_once_in_order
export PGDATABASE=$db

# The daemon (no --once) keeps retrying a permanent error.
mport=$(gg_free_port $((GG_REDIS_PORT + 350)))
rl_relay_bg relay_once.daemon --redis "redis://no-xadd:pw@127.0.0.1:$port" --backoff-max 200 --metrics-port "$mport"
d=$RL_LAST_PID
/usr/bin/python3 "$RL_PY" emit --events 10 --clients 1 --aggregates 5 --agg-base 300 >/dev/null
sleep 3
rl_check daemon_keeps_retrying kill -0 "$d"
rl_check daemon_retries_logged [ "$(grep -c 'backing off' "$GG_TMP/relay_once.daemon.log")" -ge 3 ]
rl_check daemon_metrics_say_permanent [ "$(rl_metric "$mport" goodgo_relay_last_error_permanent)" = 1 ]
rl_check daemon_metrics_count_failures [ "$(rl_metric "$mport" goodgo_relay_consecutive_failures)" -ge 3 ]
kill -TERM "$d"; wait "$d"
psql -qX -d postgres -c "DROP DATABASE IF EXISTS relay_once_noext" >/dev/null
exit 0
