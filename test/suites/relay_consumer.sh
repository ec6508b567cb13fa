# examples/consumer.py against the streams goodgo-relay wrote: a consumer
# group takes over the entries a dead consumer left pending (XAUTOCLAIM),
# acks everything (XACK), and handles a duplicate eventId once.
set -uo pipefail
RL_SUITE=relay_consumer
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
C=$GG_ROOT/examples/consumer.py

rl_database relay_consumer || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start consumer)
url=redis://127.0.0.1:$port
/usr/bin/python3 "$RL_PY" emit --events 3000 --clients 3 --aggregates 300 >/dev/null || { rl_fail emit; exit 0; }
"$RELAY" --once --redis "$url" >"$GG_TMP/relay_consumer.log" 2>&1 || { rl_fail relay; exit 0; }
key='goodgo:payment:{goodgo:p0}'
n=$(redis-cli -p "$port" xlen "$key")

# A consumer that dies: reads 40 entries and never acks them.
redis-cli -p "$port" xgroup create "$key" billing 0 >/dev/null
redis-cli -p "$port" xreadgroup group billing dead count 40 streams "$key" '>' >/dev/null
rl_check dead_consumer_left_pending [ "$(redis-cli -p "$port" xpending "$key" billing | head -1)" = 40 ]
# A duplicate of the newest event (what a replay could produce).
last=$(redis-cli -p "$port" --raw xrevrange "$key" + - count 1 | sed -n 3p)
redis-cli -p "$port" xadd "$key" '*' eventId "$last" eventType payment.completed aggregateId dup envelope '{}' >/dev/null

sleep 0.2
timeout 60 /usr/bin/python3 "$C" --redis "$url" --group billing --consumer live --stream "$key" \
	--min-idle 100 --claim-every 0.5 --idle-exit 2 --output "$GG_TMP/consumed.jsonl" >"$GG_TMP/consumer.out" 2>&1
rl_check consumer_exits_0 [ $? -eq 0 ]
rl_check every_event_once [ "$(tail -1 "$GG_TMP/consumer.out")" = "events=$n duplicates=1" ]
rl_check nothing_pending [ "$(redis-cli -p "$port" xpending "$key" billing | head -1)" = 0 ]
rl_check distinct_in_output [ "$(/usr/bin/python3 -c "
import json, sys
ids = [json.loads(l)['eventId'] for l in open(sys.argv[1])]
print(len(set(ids)) == len(ids) == $n)" "$GG_TMP/consumed.jsonl")" = True ]
exit 0
