# goodgo-relay --overlap (relay_peek): the next batch is read while Redis
# takes the current one, and the ack only confirms it.
#  1. Against an extension still at 1.0 (no relay_peek) the relay says so
#     once, publishes everything without peeking, and exits 0.
#  2. After ALTER EXTENSION ... UPDATE it peeks: batches are confirmed, and
#     the streams hold exactly the events, in order.
#  3. With --overlap on and off, two relays write the very same entries
#     (same ids, same eventIds, same order) into their own streams.
set -uo pipefail
RL_SUITE=relay_overlap
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"

db=relay_overlap
PGOPTIONS="-c client_min_messages=warning" psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
export PGDATABASE=$db
psql -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION goodgo_events VERSION '1.0'" >/dev/null ||
	{ rl_fail install_1_0; exit 0; }
rl_register_types
port=$(rl_redis_start overlap)
url="redis://127.0.0.1:$port"
# emit N FROM: one transaction, so the whole lot is one claim window; 50
# aggregates, payload n counting 0, 1, ... per aggregate (what rl_verify
# checks), eventIds listed for rl_verify
export GG_RELAY_EMITTED=$GG_TMP/relay_overlap.emitted
emit() {
	psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT goodgo_events.emit('payment.completed',
		jsonb_build_object('n', (g - 1) / 50), 'agg-' || (g % 50)) FROM generate_series($2, $2 + $1 - 1) g" \
		>>"$GG_RELAY_EMITTED"
}

# 1. Extension 1.0: no relay_peek.
emit 5000 1
log1=$GG_TMP/relay_overlap.1.log
"$RELAY" --once --redis "$url" --batch 500 --log-level debug --log-file "$log1"; rc=$?
rl_check old_extension_exit_0 [ $rc -eq 0 ]
rl_check old_extension_warned_once [ "$(grep -c 'has no relay_peek (version 1.0)' "$log1")" -eq 1 ]
rl_check old_extension_no_peek [ "$(grep -c 'next_confirmed=1' "$log1")" -eq 0 ]
rl_check old_extension_all_published rl_verify "$port" 5000

# 2. Updated: the relay peeks and the ack confirms.
psql -qX -v ON_ERROR_STOP=1 -c "ALTER EXTENSION goodgo_events UPDATE" >/dev/null || rl_fail update
emit 5000 5001
log2=$GG_TMP/relay_overlap.2.log
"$RELAY" --once --redis "$url" --batch 500 --log-level debug --log-file "$log2"; rc=$?
rl_check updated_exit_0 [ $rc -eq 0 ]
rl_check updated_no_warning [ "$(grep -c 'has no relay_peek' "$log2")" -eq 0 ]
confirmed=$(grep -c 'next_confirmed=1' "$log2")
batches=$(grep -c 'msg="batch"' "$log2")
rl_log "$batches batches, $confirmed of them confirmed peeks"
# claims of 500, 1000, 2000, then 1500: the three after the first come from
# confirmed peeks (the window's last batch has nothing after it)
rl_check updated_peeks_confirmed [ "$confirmed" -eq 3 -a "$batches" -eq 4 ]
rl_check updated_all_published rl_verify "$port" 10000

# 3. On and off write the same entries: a fresh relay name starts from the
# beginning of the retained events, each with a prefix of its own.
for mode in on off; do
	"$RELAY" --once --redis "$url" --name "cmp_$mode" --stream-prefix "cmp_$mode" --batch 700 \
		--overlap "$mode" --log-level debug --log-file "$GG_TMP/relay_overlap.cmp_$mode.log" ||
		rl_fail "compare_run_$mode"
done
same=$(/usr/bin/python3 - "$port" <<'EOF'
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
def entries(prefix):
    out = []
    for k in sorted(r.scan_iter(match="*:{%s:p*}" % prefix)):
        tail = k.decode().split(":{", 1)[0]
        out += [(tail, i, f[b"eventId"], f[b"seq"]) for i, f in r.xrange(k)]
    return out
a, b = entries("cmp_on"), entries("cmp_off")
print("same" if a == b and len(a) == 10000 else "differ %d %d" % (len(a), len(b)))
EOF
)
rl_log "overlap on/off streams: $same"
rl_check on_off_same_entries [ "$same" = same ]
rl_check on_peeks [ "$(grep -c 'next_confirmed=1' "$GG_TMP/relay_overlap.cmp_on.log")" -gt 0 ]
rl_check off_does_not_peek [ "$(grep -c 'next_confirmed=1' "$GG_TMP/relay_overlap.cmp_off.log")" -eq 0 ]
exit 0
