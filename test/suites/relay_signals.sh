# goodgo-relay signals: SIGTERM in the middle of a drain finishes the chunk
# in hand (published and acked: no open batch left, nothing in Redis beyond
# the acked position) and exits 0; SIGINT the same; SIGTERM while Redis is
# down (the relay in its backoff) exits 0 at once; SIGHUP reopens the log
# file (logrotate).
set -uo pipefail
RL_SUITE=relay_signals
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"

rl_database relay_signals || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start signals)
url=redis://127.0.0.1:$port
/usr/bin/python3 "$RL_PY" emit --events 20000 --clients 4 --aggregates 200 >/dev/null || { rl_fail emit; exit 0; }
open_batch() { psql -qXAt -c "SELECT coalesce(open_batch_id::text, 'none') FROM goodgo_events.relay_position('default', 0)"; }
acked() { psql -qXAt -c "SELECT last_batch_id FROM goodgo_events.relay_position('default', 0)"; }

# stop_mid_drain SIGNAL: small chunks, so the signal lands inside one.
stop_mid_drain() {
	local sig=$1 before after rc
	rl_relay_bg relay_signals --batch 5 --batch-max 5 --redis "$url"
	sleep 0.4
	before=$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0)
	kill "-$sig" "$RL_LAST_PID"
	wait "$RL_LAST_PID"; rc=$?
	after=$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0)
	rl_check "$sig:exit_0" [ $rc -eq 0 ]
	rl_check "$sig:was_mid_drain" test "$before" -gt 0 -a "$after" -lt 20000
	rl_check "$sig:no_open_batch_left" [ "$(open_batch)" = none ]
	rl_check "$sig:nothing_published_beyond_ack" [ "$(rl_top_batch "$port")" = "$(acked)" ]
}
stop_mid_drain TERM
stop_mid_drain INT

# SIGTERM while Redis is down: the relay is backing off; it must exit 0 at once.
rl_redis_down signals kill
psql -qXAt -c "SELECT goodgo_events.emit('payment.completed', '{\"n\": 0}'::jsonb, 'sig-1')" >/dev/null
rl_relay_bg relay_signals --redis "$url" --backoff-max 30000
sleep 3
t0=$(date +%s%N)
kill -TERM "$RL_LAST_PID"; wait "$RL_LAST_PID"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
rl_check term_in_backoff_exit_0 [ $rc -eq 0 ]
rl_check term_in_backoff_is_prompt [ "$ms" -lt 2000 ]
rl_redis_up signals

# SIGHUP: the log file is reopened (moved away by logrotate meanwhile).
log=$GG_TMP/relay_signals.file.log
"$RELAY" --redis "$url" --log-file "$log" &
pid=$!
RL_RELAY_PIDS="${RL_RELAY_PIDS:-} $pid"
sleep 0.5
mv "$log" "$log.1"
kill -HUP "$pid"
for i in $(seq 50); do [ -s "$log" ] && break; sleep 0.1; done
rl_check hup_reopens_log grep -q 'reopened the log file' "$log"
rl_check old_log_kept grep -q 'msg="starting"' "$log.1"
kill -TERM "$pid"; wait "$pid"
rl_check stop_logged_in_new_file grep -q 'msg="stopping"' "$log"
exit 0
