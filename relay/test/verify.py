#!/usr/bin/python3
"""Producers and checks for the goodgo-relay tests.

  emit    N events from C concurrent producers through goodgo_events.emit();
          every aggregate's events carry n = 0, 1, 2, ... in commit order; some
          transactions roll back (their aggregates start with "rb-" and must
          never reach Redis).  The committed eventIds go to $GG_TMP/emitted
          (or $GG_RELAY_EMITTED).
  verify  reads every stream of the partitions' hash tags and checks: exactly
          the committed eventIds, each once; per aggregate n is 0, 1, 2, ...
          with no hole and no reordering; nothing rolled back.
  count   exit 0 when the streams hold at least N entries.

With --cluster-ports P1,P2,... the streams are read from every node of a
Redis Cluster that answers and is a master now (each key from its owner).
  snapshot  waits until the streams hold at least N entries, then has Redis
          write a snapshot (BGSAVE: the data set as of one instant, between
          two MULTI/EXEC chunks) and waits for it; prints the entries then.
  top     prints "<batch> <ord>" of the highest entry id of partition
          --part's main streams ("0 0" when none).
"""
import argparse
import json
import os
import random
import sys
import threading
import time

import psycopg2
import redis

TYPES = ["payment.completed", "listing.approved", "kyc.verified"]


def emitted_path():
    return os.environ.get("GG_RELAY_EMITTED") or os.path.join(os.environ.get("GG_TMP", "/tmp"), "emitted")


def producer(idx, clients, events, aggregates, out, errors, per_txn, base):
    try:
        conn = psycopg2.connect("")
        conn.autocommit = False
        cur = conn.cursor()
        mine = [base + a for a in range(aggregates) if a % clients == idx]
        counters = {a: 0 for a in mine}
        quota = events // clients + (1 if idx < events % clients else 0)
        done = 0
        rnd = random.Random(idx)
        while done < quota:
            # One transaction in 20 rolls back: its events must never appear.
            if rnd.random() < 0.05:
                cur.execute("SELECT goodgo_events.emit(%s, %s::jsonb, %s)",
                            (TYPES[0], json.dumps({"n": -1}), "rb-%d" % idx))
                conn.rollback()
                continue
            k = min(per_txn, quota - done)
            batch = []
            for _ in range(k):
                a = rnd.choice(mine)
                batch.append((a, counters[a]))
                counters[a] += 1
            ids = []
            for a, n in batch:
                cur.execute("SELECT goodgo_events.emit(%s, %s::jsonb, %s)",
                            (TYPES[a % len(TYPES)], json.dumps({"agg": a, "n": n}), "agg-%d" % a))
                ids.append(cur.fetchone()[0])
            conn.commit()
            out.extend(ids)
            done += k
        conn.close()
    except Exception as e:  # reported by the main thread
        errors.append(repr(e))


def cmd_emit(args):
    out, errors, threads = [], [], []
    for i in range(args.clients):
        t = threading.Thread(target=producer, args=(i, args.clients, args.events, args.aggregates,
                                                    out, errors, args.per_txn, args.agg_base))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    if errors:
        print("producer failed: %s" % errors[0], file=sys.stderr)
        return 1
    with open(emitted_path(), "a") as f:
        for u in out:
            f.write(u + "\n")
    print(len(out))
    return 0


def sources(args):
    """The Redis servers holding the streams: one, or every live master."""
    if not args.cluster_ports:
        return [redis.Redis(port=args.redis_port, password=os.environ.get("GG_REDIS_PASSWORD"))]
    out = []
    for p in args.cluster_ports.split(","):
        r = redis.Redis(port=int(p), socket_timeout=5, password=os.environ.get("GG_REDIS_PASSWORD"))
        try:
            role = r.execute_command("ROLE")
        except redis.exceptions.RedisError:
            continue
        if role[0] in (b"master", "master"):
            out.append(r)
    return out


def stream_keys(r, prefix, replay):
    keys = []
    for k in r.scan_iter(match="*:{%s:p*}" % prefix, count=1000):
        k = k.decode()
        if ":replay:{" in k and not replay:
            continue
        if r.type(k) != b"stream":
            continue
        keys.append(k)
    return sorted(keys)


def read_stream(r, key):
    last = "-"
    while True:
        chunk = r.xrange(key, min=last, max="+", count=5000)
        if last != "-":
            chunk = chunk[1:]
        if not chunk:
            return
        for eid, fields in chunk:
            yield eid.decode(), {k.decode(): v.decode() for k, v in fields.items()}
        last = chunk[-1][0].decode()


def cmd_count(args):
    total = 0
    for r in sources(args):
        total += sum(r.xlen(k) for k in stream_keys(r, args.prefix, args.include_replay))
    print(total)
    return 0 if total >= args.events else 1


def cmd_snapshot(args):
    r = redis.Redis(port=args.redis_port, password=os.environ.get("GG_REDIS_PASSWORD"))
    r.ping()
    if args.ready:
        open(args.ready, "w").close()
    deadline = time.time() + 120
    while True:
        total = sum(r.xlen(k) for k in stream_keys(r, args.prefix, False))
        if total >= args.events:
            break
        if time.time() > deadline:
            print("the streams never reached %d entries (%d)" % (args.events, total), file=sys.stderr)
            return 1
        time.sleep(0.002)
    # Done when no save runs and the count of saves has grown (Redis 7's
    # rdb_saves).  LASTSAVE has a one-second resolution: a snapshot taken in
    # the second of the previous one left it unchanged, and this waited
    # forever.
    saves = r.info("persistence").get("rdb_saves")
    before = r.lastsave()
    r.bgsave()
    deadline = time.time() + 120
    while True:
        info = r.info("persistence")
        if not info["rdb_bgsave_in_progress"] and (
                info["rdb_saves"] > saves if saves is not None else r.lastsave() != before):
            break
        if time.time() > deadline:
            print("BGSAVE did not finish within 120 s", file=sys.stderr)
            return 1
        time.sleep(0.05)
    if r.info("persistence")["rdb_last_bgsave_status"] != "ok":
        print("BGSAVE failed", file=sys.stderr)
        return 1
    print(total)
    return 0


def cmd_top(args):
    r = redis.Redis(port=args.redis_port, password=os.environ.get("GG_REDIS_PASSWORD"))
    best = (0, 0)
    for key in stream_keys(r, args.prefix, False):
        if not key.endswith(":{%s:p%d}" % (args.prefix, args.part)):
            continue
        top = r.xrevrange(key, count=1)
        if top:
            b, o = top[0][0].decode().split("-")
            best = max(best, (int(b), int(o)))
    print("%d %d" % best)
    return 0


def cmd_verify(args):
    with open(emitted_path()) as f:
        expected = set(line.strip() for line in f if line.strip())
    problems = []
    seen = {}
    entries = 0
    last_n = {}
    keyed = [(r, k) for r in sources(args) for k in stream_keys(r, args.prefix, args.include_replay)]
    # Per-aggregate order is checked stream by stream in key order, as with one server.
    keyed.sort(key=lambda rk: rk[1])
    for r, key in keyed:
        for eid, f in read_stream(r, key):
            entries += 1
            ev = f.get("eventId")
            if ev in seen:
                if not args.allow_duplicates:
                    problems.append("duplicate eventId %s in %s (%s and %s)" % (ev, key, seen[ev], eid))
                continue
            seen[ev] = eid
            env = json.loads(f["envelope"])
            payload = env.get("payload", {})
            agg = f.get("aggregateId", "")
            if agg.startswith("rb-"):
                problems.append("rolled-back event %s published" % ev)
                continue
            if f.get("eventType") != env.get("eventType"):
                problems.append("eventType field differs from the envelope in %s" % eid)
            n = payload.get("n")
            prev = last_n.get(agg, -1)
            if n != prev + 1:
                problems.append("aggregate %s: n=%s after n=%s in %s (hole or reorder)" % (agg, n, prev, key))
            last_n[agg] = max(prev, n if isinstance(n, int) else prev)
    missing = expected - set(seen)
    extra = set(seen) - expected
    if missing:
        problems.append("%d committed events missing, e.g. %s" % (len(missing), next(iter(missing))))
    if extra:
        problems.append("%d unknown events in the streams, e.g. %s" % (len(extra), next(iter(extra))))
    if len(expected) != args.events:
        problems.append("the producers committed %d events, the test expected %d" % (len(expected), args.events))
    for p in problems[:10]:
        print(p, file=sys.stderr)
    print("entries=%d distinct=%d expected=%d problems=%d" % (entries, len(seen), len(expected), len(problems)))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["emit", "verify", "count", "snapshot", "top"])
    ap.add_argument("--events", type=int, default=0)
    ap.add_argument("--part", type=int, default=0)
    ap.add_argument("--ready", help="snapshot: file created once watching")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--aggregates", type=int, default=200)
    ap.add_argument("--per-txn", type=int, default=10)
    ap.add_argument("--agg-base", type=int, default=0)
    ap.add_argument("--redis-port", type=int)
    ap.add_argument("--cluster-ports", default="")
    ap.add_argument("--prefix", default="goodgo")
    ap.add_argument("--include-replay", action="store_true")
    ap.add_argument("--allow-duplicates", action="store_true")
    args = ap.parse_args()
    return {"emit": cmd_emit, "verify": cmd_verify, "count": cmd_count,
            "snapshot": cmd_snapshot, "top": cmd_top}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
