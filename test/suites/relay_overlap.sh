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
# beginning of the retained events, each with a prefix of its own.  A third
# run spoils every peek (test hook: it confirms one seq fewer), so every ack
# answers with the full rows: the relay's fallback path writes them too.
for mode in on off; do
	"$RELAY" --once --redis "$url" --name "cmp_$mode" --stream-prefix "cmp_$mode" --batch 700 \
		--overlap "$mode" --log-level debug --log-file "$GG_TMP/relay_overlap.cmp_$mode.log" ||
		rl_fail "compare_run_$mode"
done
GOODGO_RELAY_TEST_SPOIL_PEEKS=1 "$RELAY" --once --redis "$url" --name cmp_spoil --stream-prefix cmp_spoil \
	--batch 700 --log-level debug --log-file "$GG_TMP/relay_overlap.cmp_spoil.log" || rl_fail compare_run_spoil
# same_entries PREFIX...: every stream entry of each prefix (family, id and
# every field, in stream order) equals those of cmp_off, 10,000 of them;
# with NOIDS=1 the ids are left out (other claim sizes give other ids)
same_entries() {
	/usr/bin/python3 - "$port" "$@" <<'EOF'
import os, sys, redis
r = redis.Redis(port=int(sys.argv[1]))
noids = os.environ.get("NOIDS") == "1"
def entries(prefix):
    out = []
    for k in sorted(r.scan_iter(match="*:{%s:p*}" % prefix)):
        tail = k.decode().split(":{", 1)[0]
        out += [(tail, None if noids else i, sorted(f.items())) for i, f in r.xrange(k)]
    return out
ref = entries("cmp_off")
bad = [p for p in sys.argv[2:] if entries(p) != ref]
print("same" if not bad and len(ref) == 10000 else "differ: %s (%d entries)" % (" ".join(bad), len(ref)))
EOF
}
same=$(same_entries cmp_on cmp_spoil)
rl_log "overlap on / off / spoiled peeks: $same"
rl_check on_off_spoiled_same_entries [ "$same" = same ]
rl_check on_peeks [ "$(grep -c 'next_confirmed=1' "$GG_TMP/relay_overlap.cmp_on.log")" -gt 0 ]
rl_check off_does_not_peek [ "$(grep -c 'next_confirmed=1' "$GG_TMP/relay_overlap.cmp_off.log")" -eq 0 ]
rl_check spoiled_peeks_sent_in_full [ "$(grep -c 'next_confirmed=1' "$GG_TMP/relay_overlap.cmp_spoil.log")" -eq 0 -a \
	"$(grep 'msg="batch"' "$GG_TMP/relay_overlap.cmp_spoil.log" | grep -vc ' peeked=0 ')" -gt 0 ]

# 4. Redis stalls with a peek in flight: the backend must not wait inside
# relay_peek, holding its snapshot and its locks on the outbox, for as long
# as Redis is paused (the relay reads the peek as it arrives).  Then the
# same with the relay's backend terminated meanwhile: it reconnects and
# finishes.  Claims of 4,000: the first batch's peek is megabytes, more
# than a socket holds.
# busy_backends: relay sessions in a statement or holding an outbox lock
busy_backends() {
	psql -qXAt -c "SELECT count(*) FROM pg_stat_activity a
		WHERE a.application_name = 'goodgo-relay' AND a.datname = current_database()
		  AND (a.state <> 'idle' OR EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid
				AND l.locktype = 'relation' AND l.relation::regclass::text LIKE 'goodgo_events.outbox%'))"
}
relay_backends() {
	psql -qXAt -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'goodgo-relay' AND datname = current_database()"
}
for kind in stall term; do
	redis-cli -p "$port" client pause 3000 write >/dev/null
	"$RELAY" --once --redis "$url" --name "$kind" --stream-prefix "$kind" --batch 4000 --batch-max 4000 \
		--log-level debug --log-file "$GG_TMP/relay_overlap.$kind.log" &
	pid=$!
	sleep 1.5
	if [ "$kind" = stall ]; then
		n=$(relay_backends); busy=$(busy_backends)
		rl_log "Redis paused: $n relay session(s), $busy of them in a statement or holding outbox locks"
		rl_check stall_backend_connected [ "$n" -eq 1 ]
		rl_check stall_backend_not_held [ "$busy" -eq 0 ]
	else
		terminated=$(psql -qXAt -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'goodgo-relay' AND datname = current_database()")
		rl_check term_backend_terminated [ "$terminated" -eq 1 ]
	fi
	wait $pid; rc=$?
	rl_check "${kind}_exit_0" [ $rc -eq 0 ]
	same=$(NOIDS=1 same_entries "$kind")
	rl_log "$kind: $same"
	rl_check "${kind}_same_entries" [ "$same" = same ]
done
rl_check term_reconnected grep -q 'lost the PostgreSQL connection' "$GG_TMP/relay_overlap.term.log"

# 5. A relay started against 1.0 overlaps again once the extension is
# updated under it (it retries relay_peek; the test hook makes that every
# second instead of every minute), and says so.
db2=relay_overlap_upd
PGOPTIONS="-c client_min_messages=warning" psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db2" -c "CREATE DATABASE $db2" >/dev/null
PGDATABASE=$db2 psql -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION goodgo_events VERSION '1.0'" \
	-c "SELECT goodgo_events.register_event_type('payment.completed', '{\"type\":\"object\"}'::jsonb)" >/dev/null ||
	rl_fail upd_setup
port5=$(rl_redis_start overlap_upd)
log5=$GG_TMP/relay_overlap.upd.log
PGDATABASE=$db2 GOODGO_RELAY_TEST_PEEK_RETRY_S=1 "$RELAY" --redis "redis://127.0.0.1:$port5" --poll-interval 20 \
	--log-level debug --log-file "$log5" &
pid=$!
RL_RELAY_PIDS="${RL_RELAY_PIDS:-} $pid"
: >"$GG_RELAY_EMITTED"
PGDATABASE=$db2 emit 3000 1
PGDATABASE=$db2 rl_wait_drained "$port5" 3000 60 || rl_fail upd_drained_before
PGDATABASE=$db2 psql -qX -v ON_ERROR_STOP=1 -c "ALTER EXTENSION goodgo_events UPDATE" >/dev/null || rl_fail upd_update
sleep 1.5
PGDATABASE=$db2 emit 5000 3001
PGDATABASE=$db2 rl_wait_drained "$port5" 8000 60 || rl_fail upd_drained_after
kill -TERM "$pid"; wait "$pid"; rc=$?
rl_check upd_exit_0 [ $rc -eq 0 ]
rl_check upd_warned_once [ "$(grep -c 'has no relay_peek' "$log5")" -eq 1 ]
rl_check upd_said_found [ "$(grep -c 'relay_peek found' "$log5")" -eq 1 ]
rl_check upd_peeks_after_update [ "$(sed -n '/relay_peek found/,$p' "$log5" | grep -c 'next_confirmed=1')" -gt 0 ]
rl_check upd_all_published rl_verify "$port5" 8000

# 6. A peek that fails for another reason (here: the relay's role may not
# execute relay_peek) is a warning, not an error: the acks claim as usual.
psql -qX -v ON_ERROR_STOP=1 -d postgres >/dev/null <<'SQL' || rl_fail noperm_setup
SET client_min_messages = warning;
DROP ROLE IF EXISTS gg_overlap_relay;
CREATE ROLE gg_overlap_relay LOGIN NOSUPERUSER IN ROLE goodgo_events_relay;
SQL
psql -qX -c "REVOKE EXECUTE ON FUNCTION goodgo_events.relay_peek(text, integer, integer) FROM goodgo_events_relay" >/dev/null
PGUSER=gg_overlap_relay "$RELAY" --once --redis "$url" --name noperm --stream-prefix noperm --batch 700 \
	--log-file "$GG_TMP/relay_overlap.noperm.log"; rc=$?
psql -qX -c "GRANT EXECUTE ON FUNCTION goodgo_events.relay_peek(text, integer, integer) TO goodgo_events_relay" >/dev/null
psql -qX -d postgres -c "DROP ROLE gg_overlap_relay" >/dev/null 2>&1
rl_check noperm_exit_0 [ $rc -eq 0 ]
grep 'next batch ahead' "$GG_TMP/relay_overlap.noperm.log" | head -1 | cut -c1-300 >&2
rl_check noperm_warned [ "$(grep -c 'could not read the next batch ahead.*sqlstate=42501' "$GG_TMP/relay_overlap.noperm.log")" -eq 1 ]
same=$(same_entries noperm)
rl_check noperm_same_entries [ "$same" = same ]
psql -qX -d postgres -c "DROP DATABASE $db2" >/dev/null 2>&1
exit 0
