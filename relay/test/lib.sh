# relay/test/lib.sh: helpers of the test/suites/relay_*.sh suites.
#
# Sourced by a suite that test/run-all started (GG_* and PG* are set).  Each
# suite works in a database of its own with the extension created, so the
# relay suites do not see each other's outbox rows; extra redis-servers are
# started on free ports under $GG_TMP and stopped at exit.

# GOODGO_RELAY_BIN runs the suites with another build (test/suites/relay_asan.sh).
RELAY=${GOODGO_RELAY_BIN:-${GG_PGBIN:-/usr/lib/postgresql/15/bin}/goodgo-relay}
RL_SUITE=${RL_SUITE:-relay}

rl_pass() { echo "PASS $RL_SUITE:$1" >>"$GG_RESULTS"; echo "PASS $RL_SUITE:$1"; }
rl_fail() { echo "FAIL $RL_SUITE:$1" >>"$GG_RESULTS"; echo "FAIL $RL_SUITE:$1${2:+ ($2)}" >&2; }
rl_skip() { echo "SKIP $RL_SUITE:$1" >>"$GG_RESULTS"; echo "SKIP $RL_SUITE:$1${2:+ ($2)}"; }
# rl_check NAME COMMAND...: PASS when the command succeeds.
rl_check() { local n=$1; shift; if "$@"; then rl_pass "$n"; else rl_fail "$n"; fi; }
rl_log() { printf '    %s\n' "$*" >&2; }

# Every redis-server a suite starts is listed in this file (rl_redis_start
# runs in a command substitution, a subshell: a shell array would be lost).
RL_REDIS_PIDFILE=$GG_TMP/rl_redis_pids.$$

rl_cleanup() {
	local p
	[ -f "$RL_REDIS_PIDFILE" ] && for p in $(cat "$RL_REDIS_PIDFILE"); do kill -9 "$p" 2>/dev/null; done
	[ -n "${RL_RELAY_PIDS:-}" ] && kill -9 $RL_RELAY_PIDS 2>/dev/null
	return 0
}
trap rl_cleanup EXIT

# A database of our own, with the extension; sets PGDATABASE.
rl_database() {
	local db=$1
	PGOPTIONS="-c client_min_messages=warning" psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null || return 1
	export PGDATABASE=$db
	psql -qX -c "CREATE EXTENSION goodgo_events" >/dev/null || return 1
	[ -n "${GG_RELAY_FAKE_API:-}" ] && psql -qX ${GG_RELAY_FAKE_PARTS:+-c "SET fake.partitions = $GG_RELAY_FAKE_PARTS"} -f "$GG_RELAY_FAKE_API" >/dev/null
	return 0
}

# Is the relay SQL API of the outbox installed?  The suites SKIP without it.
rl_api_ready() {
	[ "$(psql -qXAt -c "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'goodgo_events' AND p.proname IN ('relay_lock','relay_claim','relay_ack','relay_ack_claim',
		'relay_nack','relay_position','relay_replay','outbox_partitions','emit')")" -ge 9 ]
}

# Event types used by the tests: accept any object payload.  Replacing the
# bundled contracts with {"type": "object"} breaks their consumers on purpose,
# so the type's compatibility is set to NONE first (1.2; an older extension
# has no such check).  The registration itself must take: a test that emits
# against the bundled contract would fail far from the cause.
rl_register_types() {
	local t
	for t in payment.completed listing.approved kyc.verified; do
		psql -qXAt -c "SELECT goodgo_events.set_event_type_compatibility('$t', 'NONE')" >/dev/null 2>&1
		psql -qXAt -v ON_ERROR_STOP=1 \
			-c "SELECT goodgo_events.register_event_type('$t', '{\"type\":\"object\"}'::jsonb)" >/dev/null ||
			{ echo "rl_register_types: could not register $t" >&2; return 1; }
	done
}

# rl_redis_start NAME [redis-server args...]: start a redis-server on a free
# port; prints the port.  Its directory is $GG_TMP/redis-NAME.
rl_redis_start() {
	local name=$1; shift
	local dir=$GG_TMP/redis-$name port
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	local try
	port=$(gg_free_port $((GG_REDIS_PORT + 10 + RANDOM % 200)))
	# A port no listener shows can still be held by a client socket (the
	# ephemeral range): a server that did not start moves to the next port.
	for try in 1 2 3 4 5; do
		echo "$port" >"$dir/port"
		rl_redis_up "$name" "$@" 2>/dev/null
		[ -f "$dir/redis.pid" ] && break
		port=$(gg_free_port $((port + 1)))
	done
	cat "$dir/port"
}

# Start (again) the redis-server NAME on its port, same directory.
rl_redis_up() {
	local name=$1; shift
	local dir=$GG_TMP/redis-$name port i
	port=$(cat "$dir/port")
	gg_as_owner redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
		--pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' "$@"
	for i in $(seq 100); do
		redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
		sleep 0.05
	done
	cat "$dir/redis.pid" >>"$RL_REDIS_PIDFILE"
}

# Stop the redis-server NAME: "kill" (SIGKILL, no save) or "shutdown".
rl_redis_down() {
	local name=$1 how=${2:-kill}
	local dir=$GG_TMP/redis-$name pid
	pid=$(cat "$dir/redis.pid")
	if [ "$how" = kill ]; then
		kill -9 "$pid"
	else
		redis-cli -p "$(cat "$dir/port")" shutdown nosave >/dev/null 2>&1
	fi
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$dir/redis.pid"
}

# Python helpers (verify.py) live next to this file.
RL_PY=$GG_ROOT/relay/test/verify.py

# rl_emit N CLIENTS [AGGREGATES]: N events from CLIENTS concurrent producers,
# each event in its own transaction, payload {"n": i} per aggregate so order
# can be checked.
rl_emit() {
	/usr/bin/python3 "$RL_PY" emit --events "$1" --clients "$2" --aggregates "${3:-200}"
}

# rl_verify PORT N [extra]: checks the streams of every partition against
# the outbox: exactly N distinct eventIds, per-aggregate order, no duplicate.
rl_verify() {
	/usr/bin/python3 "$RL_PY" verify --redis-port "$1" --events "$2" "${@:3}"
}

# rl_relay_bg LOGNAME ARGS...: start the relay in the background; sets RL_LAST_PID.
rl_relay_bg() {
	local log=$GG_TMP/$1.log; shift
	"$RELAY" --log-level=debug "$@" >>"$log" 2>&1 &
	RL_LAST_PID=$!
	RL_RELAY_PIDS="${RL_RELAY_PIDS:-} $RL_LAST_PID"
}

# Wait until the outbox is drained for relay "default" (nothing pending), or timeout.
rl_wait_drained() {
	local port=$1 n=$2 secs=${3:-120} i
	for i in $(seq $((secs * 10))); do
		/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events "$n" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Sum of pending_estimate of relay "default" in outbox_stats (0 = drained).
rl_pending() {
	psql -qXAt -c "SELECT coalesce(sum(pending_estimate), -1) FROM goodgo_events.outbox_stats WHERE relay = 'default'"
}

# A metric's value from the relay's Prometheus endpoint on 127.0.0.1:PORT.
rl_metric() {
	/usr/bin/python3 -c "
import sys, urllib.request
body = urllib.request.urlopen('http://127.0.0.1:%s/metrics' % sys.argv[1], timeout=5).read().decode()
for line in body.splitlines():
    if line.startswith(sys.argv[2] + ' ') or line.startswith(sys.argv[2] + '{'):
        print(line.split()[-1]); break
" "$1" "$2"
}

# Top entry id's batch of every main stream of partition 0 (max), from Redis.
rl_top_batch() {
	local port=$1 k best=0 id
	for k in $(redis-cli -p "$port" --scan --pattern '*:{goodgo:p0}'); do
		case $k in *:replay:\{*) continue ;; esac
		id=$(redis-cli -p "$port" xrevrange "$k" + - count 1 | head -1)
		id=${id%%-*}
		[ -n "$id" ] && [ "$id" -gt "$best" ] && best=$id
	done
	echo "$best"
}
