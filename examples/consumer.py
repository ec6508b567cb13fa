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

  * --contracts DIR                   validate each payload with the reader
                                      view of its version: the relay tells
                                      the version (payloadVersion field);
                                      DIR holds the files of
                                      goodgo_events.export_contracts()
                                      (<type>/v<N>.schema.json, shared/...).
                                      A payload its reader view refuses is
                                      reported (JSON Pointer paths and the
                                      failing keywords, never values) and
                                      moved to <key>:dlq with the reason; an
                                      entry of a version DIR does not hold
                                      yet stays pending (not acked) until the
                                      contracts are updated, then moves to
                                      <key>:dlq after --max-deliveries.
                                      Entries without payloadVersion (no
                                      version validated them: the type's mode
                                      is off, or a 1.1 relay) are handled
                                      unchecked.

Keys look like goodgo:payment:{goodgo:p3}: one stream per event family and
outbox partition.  An aggregate always lands in the same partition, so one
active consumer per (group, partition) sees an aggregate's events in order.

  python3 examples/consumer.py --redis redis://127.0.0.1:6379/0 \\
      --group billing --consumer billing-1 --stream 'goodgo:payment:{goodgo:p0}'

--count-only N exits after N distinct events and prints "events=N
duplicates=D" (with --contracts also "validated=V rejected=R unknown=U");
--output FILE appends one JSON line per distinct event handled.

Why vendored files and not a query of the producers' database: the contract
files are part of the consumer's repository, reviewed and versioned with the
code that reads the payloads (a new version shows up as a diff in a pull
request); the consumer needs no credentials for, and no connection to, a
database it does not own, and starts and runs while that database is down.
Refresh them with

  psql -At -c "SELECT path, document FROM goodgo_events.export_contracts()"

(one file per row), e.g. in CI.  Validation uses python3-jsonschema (Debian).
"""
import argparse
import json
import os
import re
import signal
import sys
import time

import redis

try:
    import jsonschema
except ImportError:         # only --contracts needs it
    jsonschema = None


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
    ap.add_argument("--contracts", help="directory of export_contracts() files: validate each "
                    "payload with the reader view of its version")
    args = ap.parse_args()
    if args.contracts and jsonschema is None:
        ap.error("--contracts needs the jsonschema module (Debian: python3-jsonschema)")
    return args


class Rejected(Exception):
    """A payload its version's reader view refuses: retrying cannot help."""


class UnknownVersion(Exception):
    """A version the vendored contracts do not hold (yet): retry later."""


def pointer(path):
    """JSON Pointer (RFC 6901) of a jsonschema error path."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


class Contracts:
    """The reader views of export_contracts(), one validator per (type, version).

    Every file of the directory is read once at start: the shared documents
    (shared/<uri without its scheme>) are what the views' $refs point to,
    found by their $id (by http(s)://<path> when they have none).
    """

    def __init__(self, root):
        self.root = root
        self.validators = {}
        self.docs = {}
        for d, _, files in os.walk(root):
            for f in files:
                if f.endswith(".json"):
                    with open(os.path.join(d, f)) as fh:
                        doc = json.load(fh)
                    if isinstance(doc, dict) and isinstance(doc.get("$id"), str):
                        self.docs[doc["$id"]] = doc
                    else:
                        rel = os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
                        if rel.startswith("shared/"):
                            for scheme in ("https://", "http://"):
                                self.docs.setdefault(scheme + rel[len("shared/"):], doc)

    def _compile(self, schema):
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        kw = {"format_checker": jsonschema.FormatChecker()}
        try:                    # jsonschema >= 4.18: the referencing library
            import referencing
            import referencing.jsonschema
            spec = referencing.jsonschema.specification_with(
                schema.get("$schema", "https://json-schema.org/draft/2020-12/schema"))
            kw["registry"] = referencing.Registry().with_resources(
                (uri, referencing.Resource.from_contents(doc, default_specification=spec))
                for uri, doc in self.docs.items())
        except ImportError:     # Debian 12's 4.10
            kw["resolver"] = jsonschema.RefResolver.from_schema(schema, store=dict(self.docs))
        return cls(schema, **kw)

    def validator(self, event_type, version):
        key = (event_type, version)
        if key not in self.validators:
            # Names come from the stream: keep them inside the directory.
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", event_type) or event_type.startswith(".") \
                    or not re.fullmatch(r"[1-9][0-9]*", version):
                raise Rejected("eventType or payloadVersion is not a contract name")
            path = os.path.join(self.root, event_type, "v%s.schema.json" % version)
            try:
                with open(path) as fh:
                    schema = json.load(fh)
            except FileNotFoundError:
                raise UnknownVersion("no contract %s/v%s.schema.json" % (event_type, version))
            self.validators[key] = self._compile(schema)
        return self.validators[key]

    def check(self, fields):
        """None when the entry carries no version; else raises or returns the version."""
        version = fields.get(b"payloadVersion")
        if version is None:
            return None
        version = version.decode()
        event_type = fields.get(b"eventType", b"").decode()
        v = self.validator(event_type, version)
        try:
            envelope = json.loads(fields.get(b"envelope", b""))
        except ValueError:
            raise Rejected("envelope is not JSON")
        if not isinstance(envelope, dict) or "payload" not in envelope:
            raise Rejected("envelope has no payload")
        errors = sorted(v.iter_errors(envelope["payload"]), key=lambda e: [str(p) for p in e.absolute_path])
        if errors:
            # Paths and the keywords that failed with the schema's values
            # (for required, the names missing), never the payload's values.
            found = []
            for e in errors:
                value = e.validator_value
                if e.validator == "required" and isinstance(e.instance, dict):
                    value = [p for p in value if p not in e.instance]
                found.append("%s: %s %s" % (pointer(e.absolute_path) or "/", e.validator, json.dumps(value)))
            found = list(dict.fromkeys(found))      # one line per finding
            raise Rejected("payload does not match %s v%s: %s" % (event_type, version, "; ".join(found[:10])))
        return version


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
        self.contracts = Contracts(args.contracts) if args.contracts else None
        self.validated = 0
        self.rejected = 0
        self.unknown = 0
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
                                       "aggregateId": event.get("aggregateId"),
                                       "payloadVersion": event.get("payloadVersion")}) + "\n")
        elif not self.a.count_only:
            print("%s %s %s %s" % (key, entry_id.decode(), event.get("eventType"), event.get("eventId")))

    def process(self, key, entry_id, fields):
        event_id = fields.get(b"eventId", b"").decode()
        # The contract first: a refused payload never claims its eventId.
        if self.contracts:
            try:
                if self.contracts.check(fields) is not None:
                    self.validated += 1
            except Rejected as e:
                self.rejected += 1
                print("rejected %s %s eventId=%s: %s" % (key, entry_id.decode(), event_id, e),
                      file=sys.stderr, flush=True)
                self.dead_letter(key, entry_id, fields, reason=str(e))
                return
            except UnknownVersion as e:
                # Left pending: once the contracts hold the version, a
                # restarted consumer's XAUTOCLAIM sweep handles it (or, after
                # --max-deliveries, moves it to <key>:dlq).
                self.unknown += 1
                print("not handled %s %s eventId=%s: %s" % (key, entry_id.decode(), event_id, e),
                      file=sys.stderr, flush=True)
                return
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

    def dead_letter(self, key, entry_id, fields, reason=None):
        moved = dict(fields)
        moved[b"sourceId"] = entry_id
        if reason:
            moved[b"rejectReason"] = reason
        p = self.r.pipeline(transaction=True)
        p.xadd(key + ":dlq", moved)
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
        summary = "events=%d duplicates=%d" % (self.handled, self.duplicates)
        if self.contracts:
            summary += " validated=%d rejected=%d unknown=%d" % (self.validated, self.rejected,
                                                                  self.unknown)
        print(summary)


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
