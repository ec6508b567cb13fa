#!/usr/bin/env bash
# bench/syscalls.sh: system calls of the per-row paths, counted with strace.
#
# Builds the extension, starts a throwaway cluster (test/lib.sh), and for each
# workload below attaches "strace -c -f" to one backend while that backend
# runs the workload in a single statement (N rows, default 100,000), then
# prints strace's table and the calls per row.  The baseline arm inserts the
# same number of rows into a plain table (no extension code), so what is WAL
# and buffer I/O shows up there too.  A per-row system call of ours would show
# as a count of about N (or a multiple) in its arm and not in the baseline.
#
#   bash bench/syscalls.sh            N=100000
#   N=10000 bash bench/syscalls.sh
#   DETAIL=1 bash bench/syscalls.sh   also which file each kind of call goes to
#
# Needs strace (installed here when missing) and ptrace rights (root).  A
# measurement, not a test: it asserts nothing.  doc/uuid_v7.md ("System
# calls") has the figures of the last run.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"

N=${N:-100000}
GG_PACKAGES="$GG_PACKAGES strace"
gg_packages
gg_build_install
gg_start_pg

psqlq() { "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
psqlq <<'SQL'
CREATE EXTENSION goodgo_events;
CREATE TABLE plain_rows (id bigserial PRIMARY KEY, payload jsonb NOT NULL);
CREATE FUNCTION sc_payload() RETURNS jsonb LANGUAGE sql IMMUTABLE RETURN
	'{"paymentId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8d", "orderId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8e",
	  "payerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8f", "sellerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c90",
	  "amount": {"amountMinor": 150000, "currency": "VND"}, "gateway": "vnpay",
	  "gatewayTransactionRef": "VNP14250001", "method": "card", "completedAt": "2026-11-27T04:40:00.123Z"}'::jsonb;
SELECT goodgo_events.register_schema('urn:sc:money',
	'{"type": "object", "required": ["amountMinor"], "properties": {"amountMinor": {"type": "integer"}}}');
SQL

/usr/bin/python3 - "$N" "$GG_TMP" <<'PY'
import os, signal, subprocess, sys, time
import psycopg2

n = int(sys.argv[1])
tmp = sys.argv[2]
arms = [
    ("baseline: INSERT into a plain table",
     f"INSERT INTO plain_rows (payload) SELECT sc_payload() FROM generate_series(1, {n})"),
    ("uuid_v7()",
     f"SELECT count(goodgo_events.uuid_v7()) FROM generate_series(1, {n})"),
    ("emit()",
     f"SELECT count(goodgo_events.emit('payment.completed', sc_payload(), 'pay-' || g)) FROM generate_series(1, {n}) g"),
    ("INSERT into the outbox (trigger)",
     "INSERT INTO goodgo_events.outbox (envelope, aggregate_id) "
     "SELECT jsonb_build_object('schemaVersion', 1, 'eventId', goodgo_events.uuid_v7(), "
     "'eventType', 'payment.completed', 'occurredAt', '2026-11-27T04:40:00.123Z', 'producer', 'sc', "
     "'traceId', '4bf92f3577b34da6a3ce929d0e0e4736', 'payload', sc_payload()), 'pay-' || g "
     f"FROM generate_series(1, {n}) g"),
    ("validate_payload()",
     f"SELECT count(goodgo_events.validate_payload('payment.completed', sc_payload())) FROM generate_series(1, {n})"),
    ("jsonschema_is_valid() with $ref",
     "SELECT count(*) FILTER (WHERE goodgo_events.jsonschema_is_valid("
     "'{\"$ref\": \"urn:sc:money\"}', sc_payload() -> 'amount')) "
     f"FROM generate_series(1, {n})"),
    ("jsonb_text()",
     f"SELECT sum(length(goodgo_events.jsonb_text(sc_payload() || jsonb_build_object('n', g)))) FROM generate_series(1, {n}) g"),
]

conn = psycopg2.connect(host=os.environ["PGHOST"], port=os.environ["PGPORT"],
                        user="postgres", dbname="postgres")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SELECT pg_backend_pid()")
pid = cur.fetchone()[0]
for label, sql in arms:
    # warm: caches filled, plans made, first refill of the random buffer done
    cur.execute(sql.replace(str(n), "100"))
    out = os.path.join(tmp, "strace.txt")
    st = subprocess.Popen(["strace", "-c", "-f", "-o", out, "-p", str(pid)],
                          stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    t0 = time.time()
    cur.execute(sql)
    wall = time.time() - t0
    time.sleep(0.2)
    st.send_signal(signal.SIGINT)
    st.wait()
    lines = open(out).read().splitlines()
    total = 0
    rows = []
    for line in lines:
        f = line.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] not in ("total",):
            calls = int(f[3])
            rows.append((calls, f[-1]))
            total += calls
    print(f"== {label}: {n} rows, {wall:.2f} s (under strace)")
    for calls, name in sorted(rows, reverse=True):
        print(f"   {name:<16} {calls:>9}  {calls / n:8.4f}/row")
    print(f"   {'total':<16} {total:>9}  {total / n:8.4f}/row")
    if os.environ.get("DETAIL"):
        # which files the calls go to: strace -y names each descriptor
        st = subprocess.Popen(["strace", "-f", "-y", "-qq", "-e", "trace=!epoll_wait",
                               "-o", out, "-p", str(pid)], stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        cur.execute(sql)
        time.sleep(0.2)
        st.send_signal(signal.SIGINT)
        st.wait()
        import re, collections
        by = collections.Counter()
        for line in open(out):
            m = re.match(r"(?:\d+\s+)?(\w+)\((?:AT_FDCWD(?:<[^>]*>)?, \"([^\"]*)\"|\d+<([^>]*)>|\"([^\"]*)\"|[^,)]*)", line)
            if m:
                path = m.group(2) or m.group(3) or m.group(4) or ""
                path = re.sub(r"/[0-9A-F]{24}$", "/<wal segment>", path)
                path = re.sub(r"/\d+(\.\d+)?$", "/<relation file>", path)
                path = re.sub(r"pgsql_tmp\d+\.\d+$", "pgsql_tmp<temp file>", path)
                by[(m.group(1), path)] += 1
        for (name, path), c in by.most_common(12):
            print(f"      {name:<12} {c:>8}  {path}")
PY
