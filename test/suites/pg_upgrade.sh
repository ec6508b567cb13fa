# pg_upgrade delivers nothing twice: a real pg_upgrade of a database with
# acked batches, an open batch and pending events, then the relays go on
# where they were.  pg_upgrade gives the cluster a new system identifier; the
# relay positions must still be this database's (database_identity() is kept),
# the open batch must come back with its id and rows, and no acked event may
# be delivered again.  A dump of the upgraded database restored elsewhere must
# get a new identity (its positions start over there).
#
# The new cluster runs the harness's PostgreSQL; the old one each PostgreSQL
# that GG_PG_UPGRADE_FROM names (pg_config paths, space-separated; default the
# harness's own and Debian's 15 when older): 15 to 15 in CI's main pass, 18 to
# 18 and 15 to 18 in its PostgreSQL 18 leg.  The same major is the same path
# for what is tested here: a new cluster, a new system identifier, the same
# database OIDs and table files.
#
# Debian 12's postgresql-15 15.20 stores an attribute option pg_attver on
# every column, which 18 rejects: pg_upgrade stops at "Restoring database
# schemas" with 'unrecognized parameter "pg_attver"' (reproduced without the
# extension; README, Operations).  Before a 15 to 18 upgrade the scenario
# removes the option as README says, and checks that it was there.
set -uo pipefail
. "$GG_ROOT/test/lib.sh"
cd "$GG_ROOT"

# scenario OLD_PG_CONFIG: one pg_upgrade into the harness's PostgreSQL.
scenario() {
old_config=$1
if ! [ -x "$old_config" ]; then
	echo "FAIL pg_upgrade:from:$old_config (not an executable pg_config)" >>"$GG_RESULTS"
	exit 0
fi
old_version=$("$old_config" --version | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p')
label=${old_version}to$GG_PGVER
dir=$GG_TMP/pg_upgrade-$label
log=$dir/suite.log
rm -rf "$dir"
mkdir -p "$dir"
chown postgres: "$dir" 2>/dev/null
: >"$log"
result() { echo "$1 pg_upgrade:$label:$2" >>"$GG_RESULTS"; echo "$1 $label:$2"; }
fail() { tail -50 "$log"; result FAIL "$1"; stop_all; exit 0; }

new_bin=$GG_PGBIN

# The old side: the harness's own copy, or the extension built for the old
# PostgreSQL (same sources, so the same extension version) into a copy of its
# tree, as test/lib.sh does for the harness's.
if [ "$(readlink -f "$old_config")" = "$(readlink -f "$GG_PG_CONFIG")" ]; then
	old_bin=$GG_PGBIN
else
	src=$dir/src
	inst=$dir/inst-old
	mkdir -p "$src"
	tar -C "$GG_ROOT" --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		-cf - . | tar -C "$src" -xf -
	copy_tree() {
		local d
		for d in bindir sharedir pkglibdir; do
			d=$("$old_config" --$d)
			mkdir -p "$inst$d" && cp -a "$d/." "$inst$d/" || return 1
		done
	}
	{
		make -C "$src" -s clean &&
			make -C "$src" -s PG_CONFIG="$old_config" PG_CFLAGS="${GG_CFLAGS:-}" &&
			copy_tree &&
			make -C "$src" -s PG_CONFIG="$old_config" install DESTDIR="$inst"
	} >>"$log" 2>&1 || fail "build for PostgreSQL $old_version"
	old_bin=$inst$("$old_config" --bindir)
fi
echo "pg_upgrade from PostgreSQL $old_version ($old_bin) to $GG_PG_VERSION ($new_bin)"

as_owner() { gg_as_owner "$@"; }
stop_all() {
	[ -f "$dir/old/postmaster.pid" ] && as_owner "$old_bin/pg_ctl" -D "$dir/old" -m immediate stop >/dev/null 2>&1
	[ -f "$dir/new/postmaster.pid" ] && as_owner "$new_bin/pg_ctl" -D "$dir/new" -m immediate stop >/dev/null 2>&1
	return 0
}
port=$(gg_free_port "$((PGPORT + 1))")
start() { # bindir datadir
	as_owner "$1/pg_ctl" -D "$2" -l "$2.log" -w -o "-p $port -k $dir -c listen_addresses=''" start >>"$log" 2>&1
}
stop() { as_owner "$1/pg_ctl" -D "$2" -m fast -w stop >>"$log" 2>&1; }
q() { "$new_bin/psql" -X -q -v ON_ERROR_STOP=1 -At -h "$dir" -p "$port" -U postgres "$@"; }

# Old cluster, as gg_start_pg makes them (with 18's default, checksums on).
# The new one gets the old one's checksum setting: 18's initdb enables them
# by default, 15's does not, and pg_upgrade refuses clusters that differ.
as_owner "$old_bin/initdb" -D "$dir/old" -U postgres --auth=trust --encoding=UTF8 \
	--locale=C.UTF-8 >>"$log" 2>&1 || fail "initdb old"
start "$old_bin" "$dir/old" || fail "start old"

# 60 events over 2 partitions.  Relay r: partition 0 acks batch 1 (5 events)
# and holds batch 2 open (5 events); partition 1 acks everything committed
# so far (40 events in all).  Relay s holds its first batch of partition 0
# open.  Then 10 more events are committed, and goodgo-relay (name g)
# publishes the 50 to Redis.  Then 10 more, and g's first batch of them on
# partition 0 is claimed and left open (a relay stopped before its ack).
# Table pgu_acked records what r acked, pgu_open the open batches' rows.
q -d postgres -c "CREATE DATABASE pgu" >>"$log" 2>&1 || fail setup
q -d pgu >>"$log" 2>&1 <<'SQL' || fail setup
CREATE EXTENSION goodgo_events;
SELECT goodgo_events.outbox_set_partitions(2);
SELECT goodgo_events.register_event_type('invoice.issued',
	'{"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}');
SELECT goodgo_events.emit('invoice.issued', jsonb_build_object('n', i), 'inv-' || (i % 10))
  FROM generate_series(1, 40) i;
CREATE TABLE pgu_acked (relay text, part int, batch_id bigint, event_id uuid);
CREATE TABLE pgu_open (relay text, part int, batch_id bigint, ord int, event_id uuid);
CREATE TABLE pgu_before AS SELECT goodgo_events.database_identity() AS identity,
	(SELECT system_identifier FROM pg_control_system()) AS sysid;
SELECT goodgo_events.relay_lock('r', 0), goodgo_events.relay_lock('r', 1), goodgo_events.relay_lock('s', 0);
INSERT INTO pgu_acked SELECT 'r', 0, batch_id, event_id FROM goodgo_events.relay_claim('r', 0, 5);
SELECT goodgo_events.relay_ack('r', 0, 1);
INSERT INTO pgu_open SELECT 'r', 0, batch_id, ord, event_id FROM goodgo_events.relay_claim('r', 0, 5);
INSERT INTO pgu_acked SELECT 'r', 1, batch_id, event_id FROM goodgo_events.relay_claim('r', 1, 1000);
SELECT goodgo_events.relay_ack('r', 1, 1);
INSERT INTO pgu_open SELECT 's', 0, batch_id, ord, event_id FROM goodgo_events.relay_claim('s', 0, 3);
SELECT goodgo_events.emit('invoice.issued', jsonb_build_object('n', i), 'inv-' || (i % 10))
  FROM generate_series(41, 50) i;
SQL
redis_db=$(( ${redis_db:-0} + 1 ))
redis_url=$GG_REDIS_URL/$redis_db
redis-cli -p "$GG_REDIS_PORT" -n "$redis_db" flushdb >>"$log" 2>&1
relay_g() {
	"$new_bin/goodgo-relay" --once --name g --batch 4 --batch-max 4 --redis "$redis_url" \
		--db "host=$dir port=$port dbname=pgu user=postgres" >>"$log" 2>&1
}
relay_g || fail "goodgo-relay before the upgrade"
q -d pgu >>"$log" 2>&1 <<'SQL' || fail setup
SELECT goodgo_events.emit('invoice.issued', jsonb_build_object('n', i), 'inv-' || (i % 10))
  FROM generate_series(51, 60) i;
SELECT goodgo_events.relay_lock('g', 0);
INSERT INTO pgu_open SELECT 'g', 0, batch_id, ord, event_id FROM goodgo_events.relay_claim('g', 0, 2);
SQL
setup=$(q -d pgu -c "SELECT (SELECT count(*) FROM pgu_acked) || ' ' || (SELECT count(*) FROM pgu_open WHERE relay = 'r') || ' ' || (SELECT count(*) FROM pgu_open WHERE relay = 's')")
case $setup in
"5 5 3") fail "setup: partition 1 got no event" ;;
*" 5 3") ;;
*) fail "setup ($setup)" ;;
esac
q -d pgu -c "SELECT event_id FROM goodgo_events.outbox ORDER BY event_id" >"$dir/events.before" 2>>"$log"
attver=$(q -d postgres -c "SELECT count(*) FROM pg_attribute WHERE attoptions::text LIKE '%pg_attver=%'")
if [ "$old_version" -lt 18 ] && [ "$GG_PGVER" -ge 18 ] && [ "${attver:-0}" -gt 0 ]; then
	# README, Operations: remove the option in every database (superuser).
	for db in $(q -d postgres -c "SELECT datname FROM pg_database WHERE datallowconn"); do
		q -d "$db" -c "UPDATE pg_catalog.pg_attribute
			SET attoptions = NULLIF(ARRAY(SELECT o FROM unnest(attoptions) o WHERE o NOT LIKE 'pg_attver=%'), '{}')
			WHERE attoptions::text LIKE '%pg_attver=%'" >>"$log" 2>&1 || fail "remove pg_attver"
	done
	echo "removed the pg_attver option from $attver columns of the old cluster (Debian 15.20)"
fi
stop "$old_bin" "$dir/old" || fail "stop old"

# The new cluster takes the old one's checksum setting.
if "$old_bin/pg_controldata" "$dir/old" | grep -qE '^Data page checksum version: +0$'; then
	as_owner "$new_bin/initdb" --help | grep -q -- --no-data-checksums && checksums=--no-data-checksums || checksums=
else
	checksums=--data-checksums
fi
as_owner "$new_bin/initdb" -D "$dir/new" -U postgres --auth=trust --encoding=UTF8 \
	--locale=C.UTF-8 $checksums >>"$log" 2>&1 || fail "initdb new"
if (cd "$dir" && as_owner "$new_bin/pg_upgrade" -b "$old_bin" -B "$new_bin" \
	-d "$dir/old" -D "$dir/new" -p "$port" -P "$port" -U postgres) >>"$log" 2>&1; then
	result PASS upgrade
else
	find "$dir/new" -path '*pg_upgrade_output.d*' -name '*.log' -exec tail -20 {} + >>"$log" 2>/dev/null
	fail upgrade
fi
start "$new_bin" "$dir/new" || fail "start new"

# The cluster is new, the database is the same one.
ids=$(q -d pgu -c "SELECT b.sysid <> c.system_identifier, b.identity = goodgo_events.database_identity()
	FROM pgu_before b, pg_control_system() c" 2>>"$log")
[ "$ids" = "t|t" ] && result PASS identity_kept || { echo "new sysid, same identity: $ids"; result FAIL identity_kept; }
same=$(q -d pgu -c "SELECT string_agg(same_database::text, ',') FROM (VALUES ('r', 0), ('r', 1), ('s', 0)) v(r, p),
	goodgo_events.relay_position(v.r, v.p)" 2>>"$log")
[ "$same" = "true,true,true" ] && result PASS positions_same_database || { echo "same_database: $same"; result FAIL positions_same_database; }

# goodgo-relay g goes on: its open batch is published under the same entry
# ids (<batch id>-<ord>), then the rest; in Redis every event once.
if relay_g; then
	redis_check=$(/usr/bin/python3 - "$GG_REDIS_PORT" "$redis_db" <<'PY'
import redis, sys
r = redis.Redis(port=int(sys.argv[1]), db=int(sys.argv[2]))
ids = []
for key in r.scan_iter():
    for entry, fields in r.xrange(key):
        ids.append((fields[b"eventId"].decode(), entry.decode()))
print(len(ids), len({e for e, _ in ids}))
for e, entry in sorted(ids):
    print(e, entry)
PY
)
	open_g=$(q -d pgu -c "SELECT event_id || ' ' || batch_id || '-' || ord FROM pgu_open WHERE relay = 'g' ORDER BY 1")
	missing=$(LC_ALL=C comm -23 <(echo "$open_g" | LC_ALL=C sort) <(echo "$redis_check" | tail -n +2 | LC_ALL=C sort))
	if [ "$(echo "$redis_check" | head -1)" = "60 60" ] && [ -n "$open_g" ] && [ -z "$missing" ]; then
		result PASS relay_resumes
	else
		echo "in Redis (entries, distinct eventIds): $(echo "$redis_check" | head -1); open batch of g not under its ids: $missing"
		result FAIL relay_resumes
	fi
else
	tail -5 "$log"
	result FAIL relay_resumes
fi

# Re-claims return the open batches: same ids, same rows, same order, and
# no warning about a position from another database.
q -d pgu >"$dir/reclaim.out" 2>"$dir/reclaim.err" <<'SQL'
SELECT goodgo_events.relay_lock('r', 0), goodgo_events.relay_lock('r', 1), goodgo_events.relay_lock('s', 0);
CREATE TABLE pgu_reclaim AS
	SELECT 'r' AS relay, 0 AS part, batch_id, ord, event_id FROM goodgo_events.relay_claim('r', 0, 5)
	UNION ALL
	SELECT 's', 0, batch_id, ord, event_id FROM goodgo_events.relay_claim('s', 0, 3);
CREATE TEMP VIEW open_rs AS SELECT * FROM pgu_open WHERE relay IN ('r', 's');
SELECT count(*) FROM open_rs;
SELECT count(*) FROM (SELECT * FROM open_rs EXCEPT SELECT * FROM pgu_reclaim
					  UNION ALL SELECT * FROM pgu_reclaim EXCEPT SELECT * FROM open_rs) d;
SQL
cat "$dir/reclaim.out" "$dir/reclaim.err" >>"$log"
if [ "$(sed -n 2p "$dir/reclaim.out")" = 8 ] && [ "$(sed -n 3p "$dir/reclaim.out")" = 0 ] && ! [ -s "$dir/reclaim.err" ]; then
	result PASS open_batch_same
else
	cat "$dir/reclaim.out" "$dir/reclaim.err"
	result FAIL open_batch_same
fi

# Drain every relay and partition: each event exactly once per relay over
# before and after the upgrade, nothing acked before comes again.
q -d pgu >"$dir/drain.out" 2>"$dir/drain.err" <<'SQL'
SELECT goodgo_events.relay_lock('r', 0), goodgo_events.relay_lock('r', 1),
	   goodgo_events.relay_lock('s', 0), goodgo_events.relay_lock('s', 1);
CREATE TABLE pgu_after (relay text, part int, batch_id bigint, event_id uuid);
DO $$
DECLARE
	b bigint;
	n int;
BEGIN
	FOR r IN 1..2 LOOP
		FOR p IN 0..1 LOOP
			LOOP
				INSERT INTO pgu_after SELECT x.relay, p, c.batch_id, c.event_id
				  FROM (SELECT CASE r WHEN 1 THEN 'r' ELSE 's' END AS relay) x,
					   goodgo_events.relay_claim(x.relay, p, 4) c(batch_id, ord, seq, event_id);
				GET DIAGNOSTICS n = ROW_COUNT;
				EXIT WHEN n = 0;
				SELECT max(a.batch_id) INTO b FROM pgu_after a
				 WHERE a.relay = CASE r WHEN 1 THEN 'r' ELSE 's' END AND a.part = p;
				PERFORM goodgo_events.relay_ack(CASE r WHEN 1 THEN 'r' ELSE 's' END, p, b);
			END LOOP;
		END LOOP;
	END LOOP;
END $$;
-- Acked before the upgrade and delivered again after it.
SELECT count(*) FROM pgu_acked k JOIN pgu_after a USING (relay, event_id);
-- Per relay: every event once over before (acked) and after.
SELECT string_agg(relay || ':' || n || '/' || d, ' ' ORDER BY relay)
  FROM (SELECT relay, count(*) AS n, count(DISTINCT event_id) AS d
		  FROM (SELECT relay, event_id FROM pgu_acked UNION ALL SELECT relay, event_id FROM pgu_after) u
		 GROUP BY relay) s;
SELECT count(*) FROM goodgo_events.outbox;
SQL
cat "$dir/drain.out" "$dir/drain.err" >>"$log"
again=$(sed -n 2p "$dir/drain.out")
per_relay=$(sed -n 3p "$dir/drain.out")
total=$(sed -n 4p "$dir/drain.out")
if [ "$again" = 0 ] && ! [ -s "$dir/drain.err" ]; then
	result PASS nothing_acked_again
else
	cat "$dir/drain.out" "$dir/drain.err"
	result FAIL nothing_acked_again
fi
if [ "$total" = 60 ] && [ "$per_relay" = "r:60/60 s:60/60" ]; then
	result PASS every_event_once
else
	echo "events $total, per relay (delivered/distinct) $per_relay"
	result FAIL every_event_once
fi
q -d pgu -c "SELECT event_id FROM goodgo_events.outbox ORDER BY event_id" >"$dir/events.after" 2>>"$log"
cmp -s "$dir/events.before" "$dir/events.after" && result PASS events_kept || result FAIL events_kept

# A dump of the upgraded database carries no token: restored into another
# database, the extension writes its own, and the positions start over there.
token=$(q -d pgu -c "SELECT token FROM goodgo_events.database_token")
"$new_bin/pg_dump" -h "$dir" -p "$port" -U postgres -d pgu -f "$dir/pgu.sql" >>"$log" 2>&1 || fail dump
q -d postgres -c "CREATE DATABASE pgu_restored" >>"$log" 2>&1 || fail dump
"$new_bin/psql" -X -q -h "$dir" -p "$port" -U postgres -d pgu_restored -f "$dir/pgu.sql" >>"$log" 2>&1
restored=$(q -d pgu_restored -c "SELECT t.token <> '$token' AND goodgo_events.database_identity() <> b.identity
	FROM goodgo_events.database_token t, pgu_before b" 2>>"$log")
if [ -n "$token" ] && ! grep -q "^COPY goodgo_events\.database_token" "$dir/pgu.sql" && [ "$restored" = t ]; then
	result PASS restore_new_identity
else
	echo "token table dumped: $(grep -c "^COPY goodgo_events\.database_token" "$dir/pgu.sql"); restored identity differs: $restored"
	result FAIL restore_new_identity
fi
stop "$new_bin" "$dir/new"
exit 0
}

# The update from 1.1 writes the token from the system identifier, so the
# positions a 1.1 relay made keep their identity: an open batch made under
# 1.1 comes back after ALTER EXTENSION UPDATE, with no warning.
upd=gg_pgu_update
PGOPTIONS="-c client_min_messages=warning" "$GG_PGBIN/psql" -X -q -d postgres \
	-c "DROP DATABASE IF EXISTS $upd" -c "CREATE DATABASE $upd" >/dev/null
out=$("$GG_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$upd" 2>"$GG_TMP/pgu_update.err" <<'SQL'
CREATE EXTENSION goodgo_events VERSION '1.1';
SELECT goodgo_events.register_event_type('invoice.issued',
	'{"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}') IS NOT NULL;
SELECT count(goodgo_events.emit('invoice.issued', jsonb_build_object('n', i), 'inv')) FROM generate_series(1, 5) i;
SELECT goodgo_events.relay_lock('u', 0);
CREATE TABLE b AS SELECT batch_id, ord, event_id FROM goodgo_events.relay_claim('u', 0, 3);
ALTER EXTENSION goodgo_events UPDATE TO '1.2';
SELECT same_database FROM goodgo_events.relay_position('u', 0);
SELECT count(*) FROM (SELECT batch_id, ord, event_id FROM goodgo_events.relay_claim('u', 0, 3)
					  EXCEPT SELECT * FROM b) d;
SELECT count(*) FROM b;
SQL
)
if [ "$(echo $out)" = "t 5 t t 0 3" ] && ! [ -s "$GG_TMP/pgu_update.err" ]; then
	echo "PASS pg_upgrade:update_from_1.1_keeps_positions" | tee -a "$GG_RESULTS"
else
	echo "update from 1.1: $(echo $out)"; cat "$GG_TMP/pgu_update.err"
	echo "FAIL pg_upgrade:update_from_1.1_keeps_positions" | tee -a "$GG_RESULTS"
fi
"$GG_PGBIN/psql" -X -q -d postgres -c "DROP DATABASE $upd"

froms=${GG_PG_UPGRADE_FROM:-}
if [ -z "$froms" ]; then
	froms=$GG_PG_CONFIG
	deb15=/usr/lib/postgresql/15/bin/pg_config
	if [ -x "$deb15" ] && [ "$GG_PGVER" -gt 15 ]; then
		froms="$froms $deb15"
	fi
fi
for f in $froms; do
	( scenario "$f" )
done
exit 0
