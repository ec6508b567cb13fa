# A permanent per-entry error: --route sends kyc.* events to a key that is
# not a stream (WRONGTYPE).  Each attempt is reported with relay_nack; after
# goodgo_events.relay_max_attempts the events are dead letters with their
# error, the batch is acked without them and every other event is
# published.  Once the key is fixed, redrive_dead_letters() re-queues them
# and the relay publishes them under fresh ids: nothing was dropped.
set -uo pipefail
RL_SUITE=relay_deadletter
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"

rl_database relay_deadletter || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start deadletter)
url=redis://127.0.0.1:$port
log=$GG_TMP/relay_deadletter.log
redis-cli -p "$port" set 'broken:{goodgo:p0}' 'not a stream' >/dev/null
# 300 aggregates, type by aggregate number: a third are kyc.verified.
/usr/bin/python3 "$RL_PY" emit --events 3000 --clients 3 --aggregates 300 >/dev/null || { rl_fail emit; exit 0; }
kyc=$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.outbox WHERE event_type = 'kyc.verified'")

timeout 60 "$RELAY" --once --route 'kyc.*=broken' --backoff-max 200 --redis "$url" >>"$log" 2>&1
rl_check once_exits_0 [ $? -eq 0 ]
rl_check others_published [ "$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0)" -eq $((3000 - kyc)) ]
rl_check kyc_dead_lettered [ "$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.dead_letters WHERE event_type = 'kyc.verified' AND last_error LIKE 'WRONGTYPE%'")" -eq "$kyc" ]
rl_check attempts_recorded [ "$(psql -qXAt -c "SELECT min(attempts) = coalesce(current_setting('goodgo_events.relay_max_attempts', true), '5')::int FROM goodgo_events.dead_letters")" = t ]
rl_check error_logged grep -q 'could not publish event .* to stream \\"broken:{goodgo:p0}\\": WRONGTYPE' "$log"
rl_check dead_letter_logged grep -q 'event moved to the dead letters' "$log"
rl_check outbox_drained [ "$(rl_pending)" = 0 ]

# Fix the key, redrive, publish again.
redis-cli -p "$port" del 'broken:{goodgo:p0}' >/dev/null
psql -qXAt -c "SELECT goodgo_events.redrive_dead_letters()" >/dev/null
timeout 60 "$RELAY" --once --route 'kyc.*=broken' --redis "$url" >>"$log" 2>&1
rl_check redrive_once_exits_0 [ $? -eq 0 ]
rl_check redriven_published [ "$(redis-cli -p "$port" xlen 'broken:{goodgo:p0}')" -eq "$kyc" ]
rl_check redrive_acked [ "$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.dead_letters WHERE redriven_at IS NULL")" -eq 0 ]
if /usr/bin/python3 "$RL_PY" verify --redis-port "$port" --events 3000; then
	rl_pass every_event_published_once
else
	rl_fail every_event_published_once
fi
exit 0
