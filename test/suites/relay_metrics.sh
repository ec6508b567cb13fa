# goodgo-relay's monitoring tells stuck from idle (issue 12, item 13).
#   - goodgo_relay_lag_seconds is the age of the oldest committed event not
#     yet published (relay_lag()): 0 when drained, and it GROWS while the
#     relay is stuck (Redis down, Redis paused, PostgreSQL refusing
#     connections) with events pending;
#   - goodgo_relay_redis_up / _postgres_up go to 0 when a server fails;
#     _consecutive_failures counts the retries; _last_publish_timestamp_seconds
#     stays at the last publish;
#   - the metrics port answers (within a second) while the relay backs off
#     and while it is blocked inside a Redis call (CLIENT PAUSE).
# And relay_lag() itself: 0 for an idle relay, the age of the oldest pending
# event otherwise, for a relay that never claimed too.
set -uo pipefail
RL_SUITE=relay_metrics
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"

rl_database relay_metrics || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
export GG_RELAY_EMITTED=$GG_TMP/emitted.metrics
rm -f "$GG_RELAY_EMITTED"
db=$PGDATABASE
port=$(rl_redis_start metrics)
url=redis://127.0.0.1:$port
mport=$(gg_free_port $((GG_REDIS_PORT + 400)))

# m NAME: the metric's value ("" when the port did not answer in 5 s).
m() { rl_metric "$mport" "$1"; }
# scrape_ms: how long one scrape takes (ms), 99999 when it did not answer in 5 s.
scrape_ms() {
	/usr/bin/python3 -c "
import sys, time, urllib.request
t = time.time()
try:
    urllib.request.urlopen('http://127.0.0.1:%s/metrics' % sys.argv[1], timeout=5).read()
    print(int((time.time() - t) * 1000))
except Exception:
    print(99999)" "$mport"
}
# gt A B: A > B as numbers.
gt() { /usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1] or 'nan') > float(sys.argv[2]) else 1)" "$1" "$2"; }

# relay_lag() alone: a relay that never claimed sees every committed event.
/usr/bin/python3 "$RL_PY" emit --events 20 --clients 1 --aggregates 5 >/dev/null
sleep 1.2
rl_check sql_lag_before_first_claim gt "$(psql -qXAt -c "SELECT extract(epoch FROM goodgo_events.relay_lag('default', 0))")" 1
rl_check sql_lag_unknown_relay_partition_is_zero [ "$(psql -qXAt -c "SELECT goodgo_events.relay_lag('default', 7) = interval '0'")" = t ]

rl_relay_bg relay_metrics --redis "$url" --metrics-port "$mport" --poll-interval 20 \
	--backoff-max 1000 --redis-timeout 1500
relay=$RL_LAST_PID
log=$GG_TMP/relay_metrics.log
rl_wait_drained "$port" 20 30 || rl_fail drained_first
sleep 1.5
rl_check idle:lag_zero [ "$(m goodgo_relay_lag_seconds)" = 0.000 ]
rl_check sql_lag_zero_when_drained [ "$(psql -qXAt -c "SELECT goodgo_events.relay_lag('default', 0) = interval '0'")" = t ]
rl_check idle:redis_up [ "$(m goodgo_relay_redis_up)" = 1 ]
rl_check idle:postgres_up [ "$(m goodgo_relay_postgres_up)" = 1 ]
rl_check idle:no_failures [ "$(m goodgo_relay_consecutive_failures)" = 0 ]
last_pub=$(m goodgo_relay_last_publish_timestamp_seconds)
rl_check idle:last_publish_recent /usr/bin/python3 -c "import sys, time; sys.exit(0 if 0 < time.time() - float(sys.argv[1]) < 30 else 1)" "${last_pub:-0}"

# 1. Redis down, events pending: lag grows, redis_up 0, failures counted,
#    every scrape answered at once.
rl_redis_down metrics kill
/usr/bin/python3 "$RL_PY" emit --events 30 --clients 1 --aggregates 5 --agg-base 100 >/dev/null
sleep 2
lag1=$(m goodgo_relay_lag_seconds)
slow=0
for i in 1 2 3 4 5 6; do
	t=$(scrape_ms)
	[ "$t" -lt 1000 ] || slow=$((slow + 1))
	sleep 0.5
done
lag2=$(m goodgo_relay_lag_seconds)
rl_log "Redis down: lag $lag1 then $lag2; scrapes over 1 s: $slow of 6"
rl_check redis_down:lag_positive gt "$lag1" 1
rl_check redis_down:lag_grows gt "$lag2" "$(/usr/bin/python3 -c "print(float('${lag1:-0}') + 2)")"
rl_check redis_down:redis_up_0 [ "$(m goodgo_relay_redis_up)" = 0 ]
rl_check redis_down:failures_counted gt "$(m goodgo_relay_consecutive_failures)" 1
rl_check redis_down:last_publish_unchanged [ "$(m goodgo_relay_last_publish_timestamp_seconds)" = "$last_pub" ]
rl_check redis_down:scrapes_answered [ "$slow" -eq 0 ]
rl_redis_up metrics
rl_wait_drained "$port" 50 30 && rl_pass redis_back:drained || rl_fail redis_back:drained
sleep 1.5
rl_check redis_back:lag_zero [ "$(m goodgo_relay_lag_seconds)" = 0.000 ]
rl_check redis_back:redis_up [ "$(m goodgo_relay_redis_up)" = 1 ]
rl_check redis_back:failures_reset [ "$(m goodgo_relay_consecutive_failures)" = 0 ]

# 2. Redis paused (every call blocks until --redis-timeout): the relay sits
#    inside Redis calls; the port still answers at once and the lag grows.
redis-cli -p "$port" CLIENT PAUSE 12000 ALL >/dev/null
/usr/bin/python3 "$RL_PY" emit --events 30 --clients 1 --aggregates 5 --agg-base 200 >/dev/null
sleep 2
lag1=$(m goodgo_relay_lag_seconds)
slow=0
for i in 1 2 3 4 5; do
	t=$(scrape_ms)
	[ "$t" -lt 1000 ] || slow=$((slow + 1))
	sleep 0.3
done
lag2=$(m goodgo_relay_lag_seconds)
rl_log "Redis paused: lag $lag1 then $lag2; scrapes over 1 s: $slow of 5"
rl_check redis_paused:scrapes_answered [ "$slow" -eq 0 ]
rl_check redis_paused:lag_positive gt "$lag1" 1
rl_check redis_paused:lag_grows gt "$lag2" "$(/usr/bin/python3 -c "print(float('${lag1:-0}') + 1)")"
rl_check redis_paused:relay_inside_redis_call grep -q 'Resource temporarily unavailable' "$log"
redis-cli -p "$port" CLIENT UNPAUSE >/dev/null	# (waits for the pause to end)
rl_wait_drained "$port" 80 30 && rl_pass redis_paused:drained_after || rl_fail redis_paused:drained_after

# 3. PostgreSQL refuses the relay (connections to its database closed and
#    not allowed): postgres_up 0, the lag keeps growing from its last value.
redis-cli -p "$port" CLIENT PAUSE 8000 WRITE >/dev/null	# keep the next event pending
/usr/bin/python3 "$RL_PY" emit --events 1 --clients 1 --aggregates 1 --agg-base 300 >/dev/null
sleep 1.5
psql -qX -d postgres -c "ALTER DATABASE $db ALLOW_CONNECTIONS false" \
	-c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND application_name = 'goodgo-relay'" >/dev/null
sleep 2.5
lag1=$(m goodgo_relay_lag_seconds)
pgup=$(m goodgo_relay_postgres_up)
sleep 2
lag2=$(m goodgo_relay_lag_seconds)
t=$(scrape_ms)
psql -qX -d postgres -c "ALTER DATABASE $db ALLOW_CONNECTIONS true" >/dev/null
rl_log "PostgreSQL refusing: postgres_up $pgup, lag $lag1 then $lag2, scrape $t ms"
rl_check pg_down:postgres_up_0 [ "$pgup" = 0 ]
rl_check pg_down:lag_grows gt "$lag2" "$(/usr/bin/python3 -c "print(float('${lag1:-0}') + 1)")"
rl_check pg_down:scrape_answered [ "$t" -lt 1000 ]
rl_wait_drained "$port" 81 60 && rl_pass pg_back:drained || rl_fail pg_back:drained
sleep 2
rl_check pg_back:postgres_up [ "$(m goodgo_relay_postgres_up)" = 1 ]
rl_check pg_back:lag_zero [ "$(m goodgo_relay_lag_seconds)" = 0.000 ]
kill -TERM "$relay"; wait "$relay"
rl_check sigterm_exits_0 [ $? -eq 0 ]
if rl_verify "$port" 81 >/dev/null; then rl_pass every_event_once_in_order; else rl_fail every_event_once_in_order; fi
exit 0
