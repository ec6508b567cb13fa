# goodgo-relay as a member of goodgo_events_relay: a LOGIN role that is not
# a superuser and holds nothing but that membership drains what producers
# (LOGIN members of goodgo_events_producer) emitted, exactly once each.  A
# role without the membership gets nowhere: the relay logs a permission
# error and publishes nothing.
set -uo pipefail
RL_SUITE=relay_privileges
. "$GG_ROOT/test/lib.sh"
. "$GG_ROOT/relay/test/lib.sh"
N=${GG_RELAY_PRIV_EVENTS:-3000}

rl_database relay_privileges || { rl_fail setup "could not create the database"; exit 0; }
rl_api_ready || { rl_skip all "the relay SQL API of the outbox is not installed"; exit 0; }
rl_register_types
rm -f "$GG_TMP/emitted"
db=$PGDATABASE

# Roles belong to the cluster: made here if an earlier run did not.
psql -qX -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || { rl_fail setup "could not create the roles"; exit 0; }
SET client_min_messages = warning;
DROP ROLE IF EXISTS gg_test_relay, gg_test_producer, gg_test_stranger;
CREATE ROLE gg_test_relay LOGIN NOSUPERUSER IN ROLE goodgo_events_relay;
CREATE ROLE gg_test_producer LOGIN NOSUPERUSER IN ROLE goodgo_events_producer;
CREATE ROLE gg_test_stranger LOGIN NOSUPERUSER;
SQL
rl_check relay_role_is_plain [ "$(psql -qXAt -c "SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = 'gg_test_relay'")" = f ]

port=$(rl_redis_start privileges)
url=redis://127.0.0.1:$port

# A stranger (no membership) cannot relay: nothing published, error logged.
/usr/bin/python3 "$RL_PY" emit --events 10 --clients 1 --aggregates 5 --agg-base 900000 >/dev/null 2>&1
PGUSER=gg_test_stranger timeout 20 "$RELAY" --once --redis "$url" --backoff-max 200 \
	>"$GG_TMP/relay_privileges.stranger.log" 2>&1
rl_check stranger_refused grep -q 'permission denied' "$GG_TMP/relay_privileges.stranger.log"
rl_check stranger_published_nothing [ "$(redis-cli -p "$port" dbsize)" = 0 ]
# (the ten events stay: the real relay publishes them below)

# Producers log in as the producer role; the relay as the relay role.
PGUSER=gg_test_relay "$RELAY" --log-level=debug --redis "$url" --poll-interval 20 \
	>>"$GG_TMP/relay_privileges.log" 2>&1 &
relay=$!
RL_RELAY_PIDS="${RL_RELAY_PIDS:-} $relay"
got=$(PGUSER=gg_test_producer /usr/bin/python3 "$RL_PY" emit --events "$N" --clients 4 --aggregates 100) ||
	{ rl_fail emit "producers failed"; exit 0; }
rl_check producer_role_committed_all [ "$got" -eq "$N" ]
total=$((N + 10))
if rl_wait_drained "$port" "$total" 120; then rl_pass drained; else rl_fail drained; fi
sleep 0.5
if rl_verify "$port" "$total" >/dev/null; then rl_pass exact_set_no_duplicate; else rl_fail exact_set_no_duplicate; fi
rl_check outbox_drained [ "$(rl_pending)" = 0 ]
rl_check connected_as_relay_role [ "$(psql -qXAt -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'gg_test_relay' AND datname = '$db'")" -ge 1 ]
kill -TERM "$relay"
wait "$relay"; rc=$?
rl_check sigterm_exits_0 [ $rc -eq 0 ]
rl_check no_permission_error sh -c "! grep -q 'permission denied' '$GG_TMP/relay_privileges.log'"

psql -qX -d postgres -c "DROP DATABASE $db" >/dev/null 2>&1
psql -qX -d postgres -c "DROP ROLE gg_test_relay, gg_test_producer, gg_test_stranger" >/dev/null 2>&1
exit 0
