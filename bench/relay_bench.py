#!/usr/bin/python3
"""Helpers of bench/relay.sh (Debian's python3 with psycopg2 and redis-py).

  fill      N events through goodgo_events.emit(), T per transaction
  plain     copy the outbox's envelopes into bench_plain (the baseline's table)
  baseline  the minimal Python SKIP LOCKED relay of research/outbox.md 5.2:
            SELECT .. FOR UPDATE SKIP LOCKED LIMIT 500, pipelined XADD
            (no MULTI), DELETE, COMMIT; prints events/s
  resp      writes the same entries as raw RESP XADD commands (for
            redis-cli --pipe: the pipelined XADD ceiling, no database)
  latency   emits R events/s for S seconds, each in its own transaction,
            while a reader blocks on the stream; prints p50/p99 of the time
            from COMMIT returning to the entry being readable in Redis
"""
import argparse
import json
import sys
import threading
import time

import psycopg2
import redis

PAYLOAD = ("jsonb_build_object('paymentId','pay_'||g,'orderId','ord_'||(g*7),'customerId','cus_'||(g%%10007),"
           "'amount',jsonb_build_object('value',1999+g%%100,'currency','EUR'),'method','card',"
           "'card',jsonb_build_object('brand','visa','last4','4242','expMonth',12,'expYear',2030),"
           "'status','completed','items',jsonb_build_array(jsonb_build_object('sku','SKU-1001','qty',1,'price',999),"
           "jsonb_build_object('sku','SKU-2002','qty',2,'price',500)))")


def cmd_fill(a):
    conn = psycopg2.connect("")
    cur = conn.cursor()
    done = 0
    while done < a.events:
        k = min(a.per_txn, a.events - done)
        cur.execute("SELECT count(goodgo_events.emit('payment.completed', " + PAYLOAD +
                    ", 'agg-' || (g %% 1000))) FROM generate_series(%s, %s) g", (done + 1, done + k))
        conn.commit()
        done += k
    return 0


def cmd_plain(a):
    conn = psycopg2.connect("")
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS bench_plain")
    cur.execute("CREATE TABLE bench_plain (event_id uuid PRIMARY KEY, seq bigserial UNIQUE, "
                "event_type text NOT NULL, aggregate_id text, envelope jsonb NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())")
    cur.execute("INSERT INTO bench_plain (event_id, event_type, aggregate_id, envelope) "
                "SELECT event_id, event_type, aggregate_id, envelope FROM goodgo_events.outbox ORDER BY seq")
    conn.commit()
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE bench_plain")
    return 0


def cmd_baseline(a):
    conn = psycopg2.connect("")
    r = redis.Redis(port=a.redis_port)
    cur = conn.cursor()
    n = 0
    t0 = time.monotonic()
    while True:
        cur.execute("SELECT seq, event_id::text, event_type, aggregate_id, envelope::text FROM bench_plain "
                    "ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED", (a.batch,))
        rows = cur.fetchall()
        if not rows:
            conn.commit()
            break
        p = r.pipeline(transaction=False)
        for seq, eid, et, agg, env in rows:
            p.xadd(a.stream, {"eventId": eid, "eventType": et, "aggregateId": agg or "",
                              "seq": seq, "envelope": env})
        p.execute()
        cur.execute("DELETE FROM bench_plain WHERE seq = ANY(%s)", ([row[0] for row in rows],))
        conn.commit()
        n += len(rows)
    dt = time.monotonic() - t0
    print("%d %.3f %.0f" % (n, dt, n / dt))
    return 0


def resp(args):
    out = [b"*%d\r\n" % len(args)]
    for x in args:
        if not isinstance(x, bytes):
            x = str(x).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(x), x))
    return b"".join(out)


def cmd_resp(a):
    conn = psycopg2.connect("")
    cur = conn.cursor("c")
    cur.itersize = 10000
    cur.execute("SELECT seq, event_id::text, event_type, coalesce(aggregate_id, ''), envelope::text "
                "FROM goodgo_events.outbox ORDER BY seq")
    with open(a.out, "wb") as f:
        for seq, eid, et, agg, env in cur:
            f.write(resp([b"XADD", a.stream, b"*", b"eventId", eid, b"eventType", et,
                          b"aggregateId", agg, b"seq", seq, b"envelope", env]))
    return 0


def cmd_latency(a):
    r = redis.Redis(port=a.redis_port)
    committed = {}
    received = {}
    stop = threading.Event()

    def reader():
        last = "$"
        while not stop.is_set():
            res = r.xread({a.stream: last}, block=200, count=1000)
            now = time.time()
            for _, entries in res:
                for eid, fields in entries:
                    received[fields[b"eventId"].decode()] = now
                    last = eid

    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.3)
    conn = psycopg2.connect("")
    cur = conn.cursor()
    total = a.rate * a.seconds
    start = time.time()
    for i in range(total):
        due = start + i / a.rate
        d = due - time.time()
        if d > 0:
            time.sleep(d)
        cur.execute("SELECT goodgo_events.emit('payment.completed', %s::jsonb, %s)",
                    (json.dumps({"paymentId": "pay_%d" % i, "amount": {"value": 1999, "currency": "EUR"}}),
                     "agg-%d" % (i % 1000)))
        eid = cur.fetchone()[0]
        conn.commit()
        committed[eid] = time.time()
    achieved = total / (time.time() - start)
    deadline = time.time() + 10
    while len(received) < total and time.time() < deadline:
        time.sleep(0.1)
    stop.set()
    t.join()
    lat = sorted((received[e] - c) * 1000 for e, c in committed.items() if e in received)
    if len(lat) < total:
        print("only %d of %d events arrived" % (len(lat), total), file=sys.stderr)
        return 1
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print("%.0f %.1f %.1f %.1f" % (achieved, p(0.50), p(0.99), lat[-1]))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["fill", "plain", "baseline", "resp", "latency"])
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--per-txn", type=int, default=500)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--redis-port", type=int)
    ap.add_argument("--stream", default="bench:baseline")
    ap.add_argument("--out")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=20)
    a = ap.parse_args()
    return globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
