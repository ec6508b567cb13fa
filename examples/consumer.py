#!/usr/bin/python3
"""Example consumer of the streams goodgo-relay publishes (redis-py).

One consumer of a consumer group, reading one or more streams:

  * XREADGROUP ... STREAMS <key> >    new entries for this consumer
  * handle(entry), then XACK          at-least-once: ack after the work
  * XAUTOCLAIM every --claim-every s  take over entries a dead consumer left
                                      pending longer than --min-idle ms
  * entries delivered more than --max-deliveries times go to <key>:dlq
    instead of being retried for ever
  * dedupe by eventId                 the relay may publish an event twice
                                      (a replay after Redis lost data, a
                                      dead-letter redrive, --ids auto); the
                                      eventId (a UUIDv7) is the idempotency
                                      key.  Here: SET <group>:seen:{tag}:<id>
                                      NX EX --dedupe-ttl, with the stream's
                                      hash tag so it lands in the stream's
                                      Redis Cluster slot.  A real service
                                      records the eventId in the same database
                                      transaction as its side effect instead.

Keys look like goodgo:payment:{goodgo:p3}: one stream per event family and
outbox partition.  An aggregate always lands in the same partition, so one
active consumer per (group, partition) sees an aggregate's events in order.

  python3 examples/consumer.py --redis redis://127.0.0.1:6379/0 \\
      --group billing --consumer billing-1 --stream 'goodgo:payment:{goodgo:p0}'

--count-only N exits after N distinct events and prints "events=N
duplicates=D" (the tests use it); --output FILE appends one JSON line per
distinct event handled.
"""
import argparse
import json
import re
import signal
import sys
import time

import redis


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="redis:// URL (or unix:///path)")
    ap.add_argument("--group", required=True, help="consumer group (one per service)")
    ap.add_argument("--consumer", required=True, help="this consumer's name within the group")
    ap.add_argument("--stream", action="append", required=True,
                    help="stream key; repeat for several (e.g. every family of one partition)")
    ap.add_argument("--start", default="0", help="where a new group starts: 0 (everything) or $ (new only)")
    ap.add_argument("--count", type=int, default=100, help="entries per XREADGROUP")
    ap.add_argument("--block", type=int, default=2000, help="XREADGROUP BLOCK in ms")
    ap.add_argument("--min-idle", type=int, default=60000, help="XAUTOCLAIM min idle time in ms")
    ap.add_argument("--claim-every", type=float, default=30.0, help="seconds between XAUTOCLAIM sweeps")
    ap.add_argument("--max-deliveries", type=int, default=10, help="then the entry goes to <key>:dlq")
    ap.add_argument("--dedupe-ttl", type=int, default=7 * 86400, help="seconds an eventId is remembered")
    ap.add_argument("--count-only", type=int, default=0, help="exit after this many distinct events")
    ap.add_argument("--idle-exit", type=float, default=0, help="exit after this many idle seconds (0: never)")
    ap.add_argument("--output", help="append one JSON line per distinct event handled")
    return ap.parse_args()


def hash_tag(key):
    """The {...} part of a key, so helper keys share its cluster slot."""
    m = re.search(r"\{[^}]*\}", key)
    return m.group(0) if m else "{%s}" % key


class Consumer:
    def __init__(self, args):
        self.a = args
        self.r = redis.Redis.from_url(args.redis)
        self.handled = 0
        self.duplicates = 0
        self.stop = False
        self.out = open(args.output, "a") if args.output else None
        for key in args.stream:
            try:
                self.r.xgroup_create(key, args.group, id=args.start, mkstream=True)
            except redis.ResponseError as e:
                if "BUSYGROUP" not in str(e):
                    raise

    def handle(self, key, entry_id, fields):
        """The service's work.  Here: print or record the event."""
        event = {k.decode(): v.decode() for k, v in fields.items()}
        if self.out:
            self.out.write(json.dumps({"stream": key, "id": entry_id.decode(),
                                       "eventId": event.get("eventId"),
                                       "eventType": event.get("eventType"),
                                       "aggregateId": event.get("aggregateId")}) + "\n")
        elif not self.a.count_only:
            print("%s %s %s %s" % (key, entry_id.decode(), event.get("eventType"), event.get("eventId")))

    def process(self, key, entry_id, fields):
        event_id = fields.get(b"eventId", b"").decode()
        seen_key = "%s:seen:%s:%s" % (self.a.group, hash_tag(key), event_id)
        # Claim the eventId first; on failure of handle() release it so a
        # redelivery can try again.
        if event_id and not self.r.set(seen_key, 1, nx=True, ex=self.a.dedupe_ttl):
            self.duplicates += 1
        else:
            try:
                self.handle(key, entry_id, fields)
            except Exception:
                self.r.delete(seen_key)
                raise
            self.handled += 1
        self.r.xack(key, self.a.group, entry_id)

    def dead_letter(self, key, entry_id, fields):
        p = self.r.pipeline(transaction=True)
        p.xadd(key + ":dlq", dict(fields, **{b"sourceId": entry_id}))
        p.xack(key, self.a.group, entry_id)
        p.execute()

    def autoclaim(self):
        """Take over entries other consumers left pending for too long."""
        for key in self.a.stream:
            start = "0-0"
            while True:
                res = self.r.xautoclaim(key, self.a.group, self.a.consumer, self.a.min_idle,
                                        start_id=start, count=self.a.count)
                start, entries = res[0], res[1]
                if entries:
                    counts = {e["message_id"]: e["times_delivered"] for e in
                              self.r.xpending_range(key, self.a.group, min=entries[0][0],
                                                    max=entries[-1][0], count=len(entries))}
                    for entry_id, fields in entries:
                        if fields is None:      # trimmed away meanwhile
                            self.r.xack(key, self.a.group, entry_id)
                        elif counts.get(entry_id, 0) > self.a.max_deliveries:
                            self.dead_letter(key, entry_id, fields)
                        else:
                            self.process(key, entry_id, fields)
                if start in (b"0-0", "0-0"):
                    break

    def run(self):
        last_claim = 0.0
        last_work = time.monotonic()
        streams = {k: ">" for k in self.a.stream}
        while not self.stop:
            if time.monotonic() - last_claim >= self.a.claim_every:
                self.autoclaim()
                last_claim = time.monotonic()
            res = self.r.xreadgroup(self.a.group, self.a.consumer, streams,
                                    count=self.a.count, block=self.a.block)
            for key, entries in res or []:
                key = key.decode()
                for entry_id, fields in entries:
                    self.process(key, entry_id, fields)
                last_work = time.monotonic()
            if self.a.count_only and self.handled >= self.a.count_only:
                break
            if self.a.idle_exit and time.monotonic() - last_work > self.a.idle_exit:
                break
        if self.out:
            self.out.close()
        print("events=%d duplicates=%d" % (self.handled, self.duplicates))


def main():
    args = parse_args()
    c = Consumer(args)

    def on_signal(signo, frame):
        c.stop = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    c.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
