# Our UUIDv7 and PostgreSQL 18's core uuidv7() read each other the same way
# (doc/uuid_v7.md, "PostgreSQL 18's uuidv7()"): core's uuid_extract_version()
# and uuid_extract_timestamp() on 1,000,000 of ours (uuid_v7() and
# uuid_v7(ts)) give 7 and our uuid_v7_time(); our uuid_v7_time() on 1,000,000
# of core's (uuidv7() and uuidv7(interval)) gives core's timestamp.  Where the
# two differ by design (v1) is checked too.  Before 18 there is no core
# uuidv7(): one SKIP.
set -uo pipefail
cd "$GG_ROOT"
db=gg_uuid_core
result() { echo "$1 uuid_core:$2" >>"$GG_RESULTS"; echo "$1 $2"; }
q() { PGTZ=UTC "$GG_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

ver=$("$GG_PGBIN/psql" -X -At -d postgres -c "SHOW server_version_num")
if [ "${ver:-0}" -lt 180000 ]; then
	result SKIP "core-uuidv7 (PostgreSQL $ver has no core uuidv7(); run on 18)"
	exit 0
fi
PGOPTIONS="-c client_min_messages=warning" "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" || { result FAIL setup; exit 0; }
q -c "CREATE EXTENSION goodgo_events" || { result FAIL setup; exit 0; }

# check NAME SQL EXPECTED: one line of output compared with EXPECTED.
check() {
	local got
	got=$(q -c "$2" 2>&1)
	if [ "$got" = "$3" ]; then
		result PASS "$1"
	else
		echo "$1: expected $3, got $got"
		result FAIL "$1"
	fi
}

# Ours, read by core: version 7, the same millisecond as uuid_v7_time().
check ours-read-by-core "SELECT count(*),
	count(*) FILTER (WHERE uuid_extract_version(u) IS DISTINCT FROM 7),
	count(*) FILTER (WHERE uuid_extract_timestamp(u) IS DISTINCT FROM goodgo_events.uuid_v7_time(u)),
	count(*) FILTER (WHERE uuid_extract_timestamp(u) IS NULL)
  FROM (SELECT goodgo_events.uuid_v7() AS u FROM generate_series(1, 1000000)) s" "1000000|0|0|0"

# Ours for given instants over the whole range core and we share (1970 to
# 10889), read by core: the instant truncated to the millisecond.
check ours-at-instants-read-by-core "SELECT count(*),
	count(*) FILTER (WHERE uuid_extract_version(u) IS DISTINCT FROM 7),
	count(*) FILTER (WHERE uuid_extract_timestamp(u) IS DISTINCT FROM date_trunc('milliseconds', t)),
	count(*) FILTER (WHERE uuid_extract_timestamp(u) IS DISTINCT FROM goodgo_events.uuid_v7_time(u))
  FROM (SELECT t, goodgo_events.uuid_v7(t) AS u
		  FROM (SELECT to_timestamp(floor(random() * 281474976710655000) / 1e6) AS t
				  FROM generate_series(1, 1000000)) i) s" "1000000|0|0|0"

# Core's, read by ours: the same timestamp, including core's uuidv7(interval)
# shifted from 49 years back to 98 years ahead.
check core-read-by-ours "SELECT count(*),
	count(*) FILTER (WHERE goodgo_events.uuid_v7_time(u) IS NULL),
	count(*) FILTER (WHERE goodgo_events.uuid_v7_time(u) IS DISTINCT FROM uuid_extract_timestamp(u))
  FROM (SELECT uuidv7() AS u FROM generate_series(1, 500000)
		UNION ALL
		SELECT uuidv7(make_interval(secs => (random() - 0.33) * 4.7e9)) FROM generate_series(1, 500000)) s" \
	"1000000|0|0"

# Both sort the same way by time: an id of ours for the millisecond of one
# of core's (its floor) is never above it, ids of a later millisecond never
# below it.
check same-order "SELECT count(*) FILTER (WHERE goodgo_events.uuid_v7_floor(uuid_extract_timestamp(u)) > u),
	count(*) FILTER (WHERE goodgo_events.uuid_v7_floor(uuid_extract_timestamp(u) + interval '1 millisecond') <= u)
  FROM (SELECT uuidv7() AS u FROM generate_series(1, 100000)) s" "0|0"

# Where they differ by design: core reads a v1's Gregorian timestamp, ours
# reads only v7 (NULL); neither reads a time from a v4.
check v1-and-v4 "SELECT uuid_extract_version(v1) || ' ' || uuid_extract_timestamp(v1) || ' '
	|| (goodgo_events.uuid_v7_time(v1) IS NULL) || ' ' || uuid_extract_version(v4) || ' '
	|| (uuid_extract_timestamp(v4) IS NULL) || ' ' || (goodgo_events.uuid_v7_time(v4) IS NULL)
  FROM (VALUES ('c232ab00-9414-11ec-b3c8-9f6bdeced846'::uuid, gen_random_uuid())) v(v1, v4)" \
	"1 2022-02-22 19:22:22+00 true 4 true true"

"$GG_PGBIN/psql" -X -q -d postgres -c "DROP DATABASE $db"
exit 0
