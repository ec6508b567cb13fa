# goodgo-relay across PostgreSQL restarts: a fast and then an immediate
# (crash) restart in the middle of a drain.  The relay reconnects, takes its
# partition's lock again, gets the open batch back and finishes: every
# event once, in order.
set -uo pipefail
RL_SUITE=relay_pg
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_EVENTS:-20000}

rl_database relay_pg || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
port=$(rl_redis_start pg)
log=$GG_TMP/relay_pg.log
/usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 300 >/dev/null ||
	{ rl_fail emit; exit 0; }

pg_restart() {
	gg_as_owner "$GG_PGBIN/pg_ctl" -D "$GG_TMP/data" -l "$GG_TMP/postgres.log" -m "$1" -w restart >/dev/null
}
published() { /usr/bin/python3 "$RL_PY" count --redis-port "$port" --events 0; }

# Tiny batches make the drain long enough to restart twice inside it.
rl_relay_bg relay_pg --batch 5 --batch-max 5 --redis "redis://127.0.0.1:$port" --backoff-max 500
relay=$RL_LAST_PID
for i in $(seq 100); do [ "$(published)" -gt 0 ] && break; sleep 0.05; done
a=$(published)
pg_restart fast
sleep 0.3
pg_restart immediate
c=$(published)
rl_log "published before the fast restart: $a, before the immediate one: $c, of $N"
rl_check restarts_were_mid_drain test "$a" -gt 0 -a "$c" -lt "$N"
if rl_wait_drained "$port" "$N" 120; then rl_pass finished_after_restarts; else rl_fail finished_after_restarts "$(published) of $N"; fi
for i in $(seq 100); do [ "$(rl_pending 2>/dev/null)" = 0 ] && break; sleep 0.1; done
rl_check reconnected [ "$(grep -c 'lost the PostgreSQL connection' "$log")" -ge 2 ]
rl_check relay_survived kill -0 "$relay"
kill -TERM "$relay"; wait "$relay"
rl_check sigterm_exits_0 [ $? -eq 0 ]
if /usr/bin/python3 "$RL_PY" verify --redis-port "$port" --events "$N"; then
	rl_pass no_loss_no_duplicate_order_kept
else
	rl_fail no_loss_no_duplicate_order_kept
fi
rl_check outbox_drained [ "$(rl_pending)" = 0 ]
exit 0
