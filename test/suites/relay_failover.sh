# Leader failover: an outbox with 4 partitions and two relays of the same
# name.  Relay A leads partitions 0-1 (--partitions), relay B every
# partition it can get: 2-3 at once, 0-1 only after A dies.  A is killed
# with SIGKILL mid-drain; B must take its partitions over within seconds
# and finish with every event once, per-aggregate order kept.
set -uo pipefail
RL_SUITE=relay_failover
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_EVENTS:-20000}

rl_database relay_failover || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
psql -qXAt -c "SELECT goodgo_events.outbox_set_partitions(4)" >/dev/null ||
	{ rl_fail set_partitions; exit 0; }
rl_check four_partitions [ "$(psql -qXAt -c "SELECT goodgo_events.outbox_partitions()")" = 4 ]
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start failover)
url=redis://127.0.0.1:$port
/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 400 >/dev/null || { rl_fail emit; exit 0; }

rl_relay_bg relay_failover_a --partitions 0-1 --batch 5 --batch-max 5 --redis "$url" --standby-retry 300
a=$RL_LAST_PID
for i in $(seq 50); do [ "$(grep -c 'leading partition' "$GG_TMP/relay_failover_a.log")" -ge 2 ] && break; sleep 0.1; done
rl_relay_bg relay_failover_b --batch 5 --batch-max 5 --redis "$url" --standby-retry 300
b=$RL_LAST_PID
for i in $(seq 50); do [ "$(grep -c 'leading partition' "$GG_TMP/relay_failover_b.log")" -ge 2 ] && break; sleep 0.1; done
sleep 0.3
rl_check a_leads_0_1 [ "$(grep -c 'leading partition' "$GG_TMP/relay_failover_a.log")" -eq 2 ]
rl_check b_leads_only_2_3 [ "$(grep -o 'leading partition" relay=default partition=[0-9]' "$GG_TMP/relay_failover_b.log" | sed 's/.*=//' | sort | tr -d '\n')" = 23 ]
before=$(/usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0)
kill -9 "$a"; wait "$a" 2>/dev/null
t0=$(date +%s%N)
took=
for i in $(seq 200); do
	if [ "$(grep -c 'leading partition' "$GG_TMP/relay_failover_b.log")" -ge 4 ]; then
		took=$(( ($(date +%s%N) - t0) / 1000000 ))
		break
	fi
	sleep 0.05
done
rl_log "published before the kill: $before of $N; takeover after ${took:-never} ms"
rl_check killed_mid_drain [ "$before" -lt "$N" ]
rl_check b_took_over_within_5s test "${took:-99999}" -le 5000
rl_wait_drained "$port" "$N" 120 && rl_pass drained_by_b || rl_fail drained_by_b
kill -TERM "$b"; wait "$b"
if /usr/bin/python3 "$RL_PY" verify --redis-port "$port" --events "$N"; then
	rl_pass no_loss_no_duplicate_order_kept
else
	rl_fail no_loss_no_duplicate_order_kept
fi
# Every partition's entries sit in streams tagged with that partition.
bad=$(redis-cli -p "$port" --scan --pattern '*' | grep -vc ':{goodgo:p[0-3]}$')
rl_check keys_carry_partition_tags [ "$bad" -eq 0 ]
rl_check all_partitions_used [ "$(redis-cli -p "$port" --scan --pattern '*' | sed 's/.*{goodgo:p\([0-9]\)}$/\1/' | sort -u | tr -d '\n')" = 0123 ]
exit 0
