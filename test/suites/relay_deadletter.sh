# A permanent per-entry error: --route sends kyc.* events to a key that is
# not a stream (WRONGTYPE).  Each attempt is reported with relay_nack; after
# goodgo_events.relay_max_attempts the events are dead letters with their
# error, the batch is acked without them and every other event is
# published.  Once the key is fixed, redrive_dead_letters() re-queues them
# and the relay publishes them under fresh ids: nothing was dropped.
# With goodgo_events.relay_max_attempts = 0 (set for the relay's database)
# nothing becomes a dead letter: the relay retries the batch, no later event
# of the partition overtakes the failing ones, and once the key is fixed
# everything is published in order.
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
# ... and one more kyc event (aggregate 302), last: the last acked batch ends
# with a dead letter, which the next relay's loss check must not take for an
# event Redis lost (it did, and published the dead letters under their
# original ids; redriven, they came twice).
/usr/bin/python3 "$RL_PY" emit --events 1 --clients 1 --aggregates 1 --agg-base 302 >/dev/null || { rl_fail emit; exit 0; }
kyc=$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.outbox WHERE event_type = 'kyc.verified'")

timeout 60 "$RELAY" --once --route 'kyc.*=broken' --backoff-max 200 --redis "$url" >>"$log" 2>&1
rl_check once_exits_0 [ $? -eq 0 ]
rl_check others_published [ "$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0)" -eq $((3001 - kyc)) ]
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
rl_check no_false_loss_alarm sh -c "! grep -q 'Redis lost published events' '$log'"
rl_check redriven_published [ "$(redis-cli -p "$port" xlen 'broken:{goodgo:p0}')" -eq "$kyc" ]
rl_check redrive_acked [ "$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.dead_letters WHERE redriven_at IS NULL")" -eq 0 ]
if /usr/bin/python3 "$RL_PY" verify --redis-port "$port" --events 3001; then
	rl_pass every_event_published_once
else
	rl_fail every_event_published_once
fi

# relay_max_attempts = 0: never a dead letter, order kept.
rl_database relay_deadletter0 || { rl_fail zero:setup; exit 0; }
psql -qX -c "ALTER DATABASE relay_deadletter0 SET goodgo_events.relay_max_attempts = 0" >/dev/null
rl_register_types
export GG_RELAY_EMITTED=$GG_TMP/emitted.deadletter0
rm -f "$GG_RELAY_EMITTED"
port0=$(rl_redis_start deadletter0)
redis-cli -p "$port0" set 'broken:{goodgo:p0}' 'not a stream' >/dev/null
/usr/bin/python3 "$RL_PY" emit --events 300 --clients 3 --aggregates 30 >/dev/null || { rl_fail zero:emit; exit 0; }
rl_relay_bg relay_deadletter0 --route 'kyc.*=broken' --backoff-max 200 --redis "redis://127.0.0.1:$port0"
relay0=$RL_LAST_PID
# Wait (up to 20 s) until the failing events were tried more often than the default limit.
for i in $(seq 40); do
	attempts=$(psql -qXAt -c "SELECT coalesce(max(attempts), 0) FROM goodgo_events.relay_failures")
	[ "$attempts" -gt 7 ] && break
	sleep 0.5
done
rl_log "relay_max_attempts = 0: $attempts attempts of the failing events so far"
rl_check zero:retried_past_the_default [ "$attempts" -gt 5 ]
rl_check zero:no_dead_letter [ "$(psql -qXAt -c "SELECT count(*) FROM goodgo_events.dead_letters")" = 0 ]
rl_check zero:partition_waits [ "$(/usr/bin/python3 "$RL_PY" count --redis-port "$port0" --events 0)" -lt 300 ]
redis-cli -p "$port0" del 'broken:{goodgo:p0}' >/dev/null
rl_wait_drained "$port0" 300 60 && rl_pass zero:drained_once_fixed || rl_fail zero:drained_once_fixed
kill -TERM "$relay0"; wait "$relay0"
if rl_verify "$port0" 300; then
	rl_pass zero:every_event_once_in_order
else
	rl_fail zero:every_event_once_in_order
fi
exit 0
