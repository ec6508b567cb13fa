# examples/consumer.py against the streams goodgo-relay wrote: a consumer
# group takes over the entries a dead consumer left pending (XAUTOCLAIM),
# acks everything (XACK), and handles a duplicate eventId once.  Then the
# payload's version (issue 16): the relay publishes it (payloadVersion, the
# outbox row's schema_version: v1 and v2 of a type in one stream, none for a
# type whose mode is off, none from a 1.1 extension), and the consumer
# validates each payload with its version's reader view (--contracts, the
# files of export_contracts()): a bad entry added by hand is rejected with
# its reason, an entry of a version it does not know stays pending.
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

# eq NAME GOT WANT: PASS when equal; the values in the failure otherwise.
eq() { if [ "$2" = "$3" ]; then rl_pass "$1"; else rl_fail "$1" "got '$2', want '$3'"; fi; }

# ---- The payload's version.  invoice.issued v1 (closed: LENIENT, the
# default FULL_TRANSITIVE), 12 events; v2 adds an optional currency, 12
# events; a type whose mode is off validates nothing: no version.
inv_v1='{"type":"object","properties":{"amount":{"type":"integer"}},"required":["amount"],"additionalProperties":false}'
inv_v2='{"type":"object","properties":{"amount":{"type":"integer"},"currency":{"type":"string"}},"required":["amount"],"additionalProperties":false}'
psql -qXAt -v ON_ERROR_STOP=1 >/dev/null 2>"$GG_TMP/versions_setup.err" <<SQL
SELECT goodgo_events.register_event_type('invoice.issued', '$inv_v1');
SELECT goodgo_events.emit('invoice.issued', jsonb_build_object('amount', g), 'inv-' || g % 4) FROM generate_series(1, 12) g;
SELECT goodgo_events.register_event_type('invoice.issued', '$inv_v2');
SELECT goodgo_events.emit('invoice.issued', jsonb_build_object('amount', g, 'currency', 'EUR'), 'inv-' || g % 4) FROM generate_series(13, 24) g;
SELECT goodgo_events.register_event_type('invoice.voided', '{"type":"object"}');
SELECT goodgo_events.set_event_type_mode('invoice.voided', 'off');
SELECT goodgo_events.emit('invoice.voided', '{"amount": "any"}', 'inv-1');
SQL
rl_check versions:setup [ $? -eq 0 ] || cat "$GG_TMP/versions_setup.err" >&2
eq versions:outbox_rows "$(psql -qXAt -c "SELECT string_agg(coalesce(schema_version::text, 'none') || 'x' || n, ' ' ORDER BY schema_version)
	FROM (SELECT schema_version, count(*) AS n FROM goodgo_events.outbox WHERE event_type LIKE 'invoice.%' GROUP BY 1) c")" "1x12 2x12 nonex1"
"$RELAY" --once --redis "$url" >"$GG_TMP/relay_versions.log" 2>&1
rl_check versions:relay [ $? -eq 0 ]
ikey='goodgo:invoice:{goodgo:p0}'
eq versions:one_stream "$(redis-cli -p "$port" xlen "$ikey")" 25
psql -qXAt -F ' ' -c "SELECT event_id, coalesce(schema_version::text, '') FROM goodgo_events.outbox" >"$GG_TMP/versions.txt"
# Every entry (payment and invoice streams) carries its row's version, and
# none where the row has none.
eq versions:entries_carry_the_version "$(/usr/bin/python3 - "$port" "$GG_TMP/versions.txt" "$key" "$ikey" <<'PY'
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
want = dict((l.split(" ") + [""])[:2] for l in open(sys.argv[2]).read().split("\n") if l)
out = []
for key in sys.argv[3:]:
    seen, bad = {}, 0
    for _, f in r.xrange(key):
        if f[b"aggregateId"] == b"dup":
            continue        # the hand-made duplicate above
        v = f.get(b"payloadVersion", b"").decode()
        bad += v != want[f[b"eventId"].decode()]
        seen[v or "none"] = seen.get(v or "none", 0) + 1
    out.append("bad=%d %s" % (bad, " ".join("%s:%d" % (k, seen[k]) for k in sorted(seen))))
print(" | ".join(out))
PY
)" "bad=0 $(psql -qXAt -c "SELECT schema_version || ':' || count(*) FROM goodgo_events.outbox WHERE event_type = 'payment.completed' GROUP BY schema_version") | bad=0 1:12 2:12 none:1"

# The files a consumer repository vendors.
rm -rf "$GG_TMP/contracts"
/usr/bin/python3 - "$GG_TMP/contracts" <<'PY'
import json, os, sys, psycopg2
root = sys.argv[1]
with psycopg2.connect("") as c, c.cursor() as cur:
    cur.execute("SELECT path, document::text FROM goodgo_events.export_contracts()")
    for path, doc in cur:
        assert ".." not in path.split("/"), path
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(doc)
PY
rl_check versions:contracts_exported test -f "$GG_TMP/contracts/invoice.issued/v1.schema.json" \
	-a -f "$GG_TMP/contracts/invoice.issued/v2.schema.json"

# By hand: v2 payloads its reader view refuses (amount a string; no
# amount: the report names what is missing, not what is there); a v1
# payload with a property v1 did not declare (the writer schema refuses it,
# the reader view of a LENIENT type ignores it: accepted); a version the
# contracts do not hold (stays pending); the bundled payment.completed
# contract, whose $refs go to the shared definitions: a valid payload, and
# one with a paymentId that is no UUID (refused through the $ref).
hand() {    # hand TYPE VERSION PAYLOAD: prints the eventId
	local id
	id=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid4())')
	redis-cli -p "$port" xadd "$ikey" '*' eventId "$id" eventType "$1" aggregateId hand \
		payloadVersion "$2" envelope "{\"eventType\":\"$1\",\"eventId\":\"$id\",\"payload\":$3}" >/dev/null
	echo "$id"
}
bad_id=$(hand invoice.issued 2 '{"amount":"12","currency":"EUR"}')
missing_id=$(hand invoice.issued 2 '{"currency":"EUR"}')
hand invoice.issued 1 '{"amount":3,"currency":"EUR"}' >/dev/null
unknown_id=$(hand invoice.issued 7 '{"amount":3}')
pv=$(psql -qXAt -c "SELECT min(version) FROM goodgo_events.event_type_versions WHERE event_type = 'payment.completed'")
payment='{"paymentId":"0190c1e0-1111-7aaa-8bbb-cccccccccccc","orderId":"0190c1df-2222-7aaa-9bbb-dddddddddddd",
"payerId":"0190c1d2-8a6e-7cc1-9d4b-2f1f4f0e9a11","sellerId":"0190c1d2-9b7f-7dd2-8e5c-3a2a5a1fab22",
"amount":{"amountMinor":1250000,"currency":"VND"},"platformFee":{"amountMinor":62500,"currency":"VND"},
"gateway":"vnpay","gatewayTransactionRef":"14226112","method":"qr",
"ipnReceivedAt":"2024-05-01T08:30:02.412Z","completedAt":"2024-05-01T08:30:01Z"}'
payment=$(printf '%s' "$payment" | tr -d '\n')
hand payment.completed "$pv" "$payment" >/dev/null
bad_payment_id=$(hand payment.completed "$pv" "${payment/0190c1e0-1111-7aaa-8bbb-cccccccccccc/NOT-A-UUID}")

timeout 60 /usr/bin/python3 "$C" --redis "$url" --group ledger --consumer l1 --stream "$ikey" \
	--contracts "$GG_TMP/contracts" --idle-exit 2 --output "$GG_TMP/ledger.jsonl" \
	>"$GG_TMP/ledger.out" 2>"$GG_TMP/ledger.err"
rl_check versions:consumer_exits_0 [ $? -eq 0 ]
# 25 published, 2 by hand accepted (invoice v1, payment); 3 rejected; the unknown one not handled.
want="events=27 duplicates=0 validated=26 rejected=3 unknown=1"
if [ "$(tail -1 "$GG_TMP/ledger.out")" = "$want" ]; then rl_pass versions:consumer_counts
else rl_fail versions:consumer_counts "want $want"; tail -n 5 "$GG_TMP/ledger.out" "$GG_TMP/ledger.err" >&2; fi
reason='payload does not match invoice.issued v2: /amount: type "integer"'
preason="payload does not match payment.completed v$pv: /paymentId: pattern"
rl_check versions:rejected_with_reason grep -qF "eventId=$bad_id: $reason" "$GG_TMP/ledger.err"
mreason='payload does not match invoice.issued v2: /: required ["amount"]'
rl_check versions:rejected_names_missing grep -qF "eventId=$missing_id: $mreason" "$GG_TMP/ledger.err"
rl_check versions:rejected_through_ref grep -qF "eventId=$bad_payment_id: $preason" "$GG_TMP/ledger.err"
eq versions:rejected_to_dlq "$(/usr/bin/python3 - "$port" "$ikey:dlq" <<'PY'
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
print("|".join("%s %s" % (f[b"eventId"].decode(), f[b"rejectReason"].decode()[:55]) for _, f in r.xrange(sys.argv[2])))
PY
)" "$bad_id ${reason:0:55}|$missing_id ${mreason:0:55}|$bad_payment_id ${preason:0:55}"
pending() {	# the eventIds of the entries group ledger has pending
	/usr/bin/python3 - "$port" "$ikey" <<'PY'
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
ids = [p["message_id"] for p in r.xpending_range(sys.argv[2], "ledger", "-", "+", 100)]
print(" ".join(r.xrange(sys.argv[2], i, i)[0][1][b"eventId"].decode() for i in ids))
PY
}
eq versions:unknown_version_pending "$(pending)" "$unknown_id"
rl_check versions:unknown_version_reported grep -qF "eventId=$unknown_id: no contract invoice.issued/v7.schema.json" "$GG_TMP/ledger.err"
eq versions:handled_versions "$(/usr/bin/python3 -c "
import json, sys
vs = [(json.loads(l)['eventType'], json.loads(l)['payloadVersion']) for l in open(sys.argv[1])]
print(vs.count(('invoice.issued', '1')), vs.count(('invoice.issued', '2')),
      vs.count(('invoice.voided', None)), vs.count(('payment.completed', '$pv')))" "$GG_TMP/ledger.jsonl")" "13 12 1 1"
# Delivered more than --max-deliveries times (XAUTOCLAIM sweeps), the
# entry of the unknown version moves to <key>:dlq.
timeout 60 /usr/bin/python3 "$C" --redis "$url" --group ledger --consumer l2 --stream "$ikey" \
	--contracts "$GG_TMP/contracts" --min-idle 100 --claim-every 0.3 --block 200 --max-deliveries 2 --idle-exit 2 \
	>"$GG_TMP/ledger2.out" 2>"$GG_TMP/ledger2.err"
rl_check versions:max_deliveries_exits_0 [ $? -eq 0 ]
eq versions:max_deliveries_to_dlq "$(redis-cli -p "$port" --raw xrevrange "$ikey:dlq" + - count 1 | sed -n 3p) pending: $(pending)" "$unknown_id pending: "

# A 1.1 extension's rows have no version: no field, and no error.
if [ "$(psql -qXAt -c "SELECT count(*) FROM pg_available_extension_versions WHERE name = 'goodgo_events' AND version = '1.1'")" = 1 ]; then
	PGOPTIONS="-c client_min_messages=warning" psql -qX -d postgres -c "DROP DATABASE IF EXISTS relay_consumer_11" -c "CREATE DATABASE relay_consumer_11" >/dev/null
	PGDATABASE=relay_consumer_11 psql -qXAt -v ON_ERROR_STOP=1 >/dev/null 2>"$GG_TMP/v11.err" <<'SQL'
CREATE EXTENSION goodgo_events VERSION '1.1';
SET goodgo_events.unknown_event_types = allow;
SELECT goodgo_events.emit('invoice.issued', jsonb_build_object('amount', g), 'old-' || g) FROM generate_series(1, 5) g;
SQL
	rl_check versions:v11_setup [ $? -eq 0 ] || cat "$GG_TMP/v11.err" >&2
	p11=$(rl_redis_start consumer11)
	"$RELAY" --once --db "dbname=relay_consumer_11" --redis "redis://127.0.0.1:$p11" >"$GG_TMP/relay_v11.log" 2>&1
	rl_check versions:v11_relay_exits_0 [ $? -eq 0 ]
	eq versions:v11_no_field "$(/usr/bin/python3 - "$p11" <<'PY'
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
keys = [k for k in r.scan_iter("goodgo:*")]
fields = [f for k in keys for _, f in r.xrange(k)]
print(len(fields), sum(b"payloadVersion" in f for f in fields))
PY
)" "5 0"
else
	rl_skip versions:v11 "the 1.1 install script is not installed"
fi
exit 0
