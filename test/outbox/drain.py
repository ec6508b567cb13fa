"""Concurrent producers (pgbench) + SQL relays draining with claim/ack.

Checks: every committed event delivered exactly once across windows (a
batch re-delivered after a leader's crash carries the same batch id and
ord), nothing from rolled-back transactions, per-aggregate order kept,
with N partitions, two relays sharing them, a leader crash and takeover,
and generation rotation running throughout.
"""
import os
import subprocess
import sys
import threading
import time

import psycopg2

DB = os.environ["GG_CONC_DB"]
PARTS = int(os.environ.get("GG_CONC_PARTS", "4"))
SECONDS = int(os.environ.get("GG_CONC_SECONDS", "8"))
CLIENTS = int(os.environ.get("GG_CONC_CLIENTS", "6"))
HERE = os.path.dirname(os.path.abspath(__file__))

delivered = []          # (part, batch_id, ord, seq, event_id, agg, v, rb)
lock = threading.Lock()
producers_done = threading.Event()
stop = threading.Event()
errors = []


def connect():
    c = psycopg2.connect(dbname=DB)
    c.autocommit = True
    return c


def relay(name, crash_after=None):
    """Lead whatever partitions are free; claim, record, ack."""
    try:
        conn = connect()
        cur = conn.cursor()
        led = set()
        batches = 0
        idle_rounds = 0
        while True:
            got = 0
            for p in range(PARTS):
                if p not in led:
                    cur.execute("SELECT goodgo_events.relay_lock('main', %s)", (p,))
                    if cur.fetchone()[0]:
                        led.add(p)
                    else:
                        continue
                cur.execute("SELECT batch_id, ord, seq, event_id, aggregate_id, "
                            "(envelope->'payload'->>'v')::int, (envelope->'payload'->>'rb')::boolean "
                            "FROM goodgo_events.relay_claim('main', %s, 200)", (p,))
                rows = cur.fetchall()
                if not rows:
                    continue
                got += len(rows)
                with lock:
                    delivered.extend((p,) + tuple(r) for r in rows)
                batches += 1
                if crash_after is not None and batches >= crash_after:
                    conn.close()        # dies holding an unacked batch
                    return
                cur.execute("SELECT goodgo_events.relay_ack('main', %s, %s)", (p, rows[0][0]))
            if got == 0:
                idle_rounds = idle_rounds + 1 if producers_done.is_set() else 0
                if idle_rounds >= 3:
                    # Done when every partition has a position with nothing
                    # pending and no open batch (whoever leads it).
                    cur.execute("SELECT count(*) = %s AND coalesce(sum(pending_estimate), 0) = 0 "
                                "AND bool_and(open_batch_id IS NULL) "
                                "FROM goodgo_events.outbox_stats WHERE relay = 'main'", (PARTS,))
                    if cur.fetchone()[0]:
                        break
                if stop.is_set():
                    break
                time.sleep(0.02)
        conn.close()
    except Exception as e:      # noqa: BLE001 - reported as a failure below
        errors.append("%s: %r" % (name, e))


def rotator():
    try:
        conn = connect()
        cur = conn.cursor()
        cur.execute("SET client_min_messages = warning")
        n = 0
        while not stop.is_set():
            cur.execute("SELECT goodgo_events.outbox_rotate()")
            n += cur.fetchone()[0]
            time.sleep(0.3)
        print("rotations done: %d" % n)
    except Exception as e:      # noqa: BLE001
        errors.append("rotator: %r" % (e,))


def main():
    conn = connect()
    cur = conn.cursor()
    threads = [threading.Thread(target=relay, args=("crasher", 5)),
               threading.Thread(target=relay, args=("relay-a",)),
               threading.Thread(target=relay, args=("relay-b",))]
    rot = threading.Thread(target=rotator)
    for t in threads:
        t.start()
    rot.start()
    bench = subprocess.run(
        ["pgbench", "-n", "-c", str(CLIENTS), "-j", "2", "-T", str(SECONDS),
         "-f", os.path.join(HERE, "producer.pgbench"), DB],
        capture_output=True, text=True)
    print(bench.stdout.strip().splitlines()[-1] if bench.stdout else bench.stderr)
    producers_done.set()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    rot.join()

    fails = list(errors)
    if bench.returncode != 0:
        fails.append("pgbench failed: " + bench.stderr[-500:])
    cur.execute("SELECT event_id::text, agg, v FROM conc_emitted")
    committed = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
    cur.execute("SELECT count(*) FROM conc_aggs WHERE v > 0")
    by_key = {}
    by_event = {}
    for (p, b, o, seq, eid, agg, v, rb) in delivered:
        k = (p, b, o)
        if by_key.setdefault(k, eid) != eid:
            fails.append("batch %s ord %s of partition %s re-delivered with another event" % (b, o, p))
        by_event.setdefault(eid, set()).add(k)
        if rb:
            fails.append("event %s of a rolled-back transaction delivered" % eid)
    dup = [e for e, ks in by_event.items() if len(ks) > 1]
    if dup:
        fails.append("%d events delivered under two positions" % len(dup))
    missing = set(committed) - set(by_event)
    extra = set(by_event) - set(committed)
    if missing:
        fails.append("%d committed events never delivered" % len(missing))
    if extra:
        fails.append("%d delivered events were never committed" % len(extra))
    # Per aggregate: versions in delivery order are exactly 1, 2, 3, ...
    seen = set()
    order = {}
    for (p, b, o, seq, eid, agg, v, rb) in sorted(delivered, key=lambda d: (d[0], d[1], d[2])):
        if (p, b, o) in seen:
            continue
        seen.add((p, b, o))
        order.setdefault(agg, []).append(v)
    bad = [a for a, vs in order.items() if vs != list(range(1, len(vs) + 1))]
    if bad:
        fails.append("per-aggregate order broken for %s" % ", ".join(sorted(bad)[:5]))
    cur.execute("SELECT sum(v) FROM conc_aggs")
    if cur.fetchone()[0] != len(committed):
        fails.append("aggregate versions do not add up to the committed events")
    parts = {d[0] for d in delivered}
    print("committed %d, delivered %d rows (%d distinct), partitions used %d, aggregates %d"
          % (len(committed), len(delivered), len(by_event), len(parts), len(order)))
    if len(parts) != PARTS:
        fails.append("only %d of %d partitions received events" % (len(parts), PARTS))
    if len(committed) < 100:
        fails.append("too few events committed (%d) for the test to mean anything" % len(committed))
    for f in fails:
        print("FAIL: " + f)
    sys.exit(1 if fails else 0)


main()
