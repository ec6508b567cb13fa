"""Corpus of event envelopes for the envelope check, with the verdict of the
specification (JSON Schema 2020-12 with format assertion, RFC 3339, ECMA-262
regular expressions) for each case.

Every case is (name, json_text, valid, departure): json_text is what gets sent
to PostgreSQL and parsed by the reference, valid is what the specification
says, and departure is None or the name of a known place where python
jsonschema departs from the specification (then python is expected to give
the other answer).

    python3 test/envelope_corpus.py > corpus.jsonl   # one JSON object a line
"""

import json
import random
import re
import sys

BASE = {
    "schemaVersion": 1,
    "eventId": "01890a5d-ac96-774b-bcce-b302099a8057",
    "eventType": "payment.completed",
    "occurredAt": "2024-02-29T10:15:30.123Z",
    "producer": "api",
    "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
    "payload": {
        "paymentId": "0190c1d2-8a6e-7cc1-9d4b-2f1f4f0e9a11",
        "amount": {"amountMinor": 150000, "currency": "VND"},
    },
}

KEYS = list(BASE)

# One value of each JSON type, to put where the wrong type belongs.
TYPE_SAMPLES = {
    "null": None,
    "true": True,
    "false": False,
    "zero": 0,
    "int": 7,
    "float": 1.5,
    "string": "x",
    "empty-string": "",
    "array": [],
    "array-of-object": [{}],
    "object": {},
}

# Whether each sample has the type of each key (the rules beyond type are
# covered by RULES below).
TYPE_OF_KEY = {
    "schemaVersion": "integer",
    "eventId": "string",
    "eventType": "string",
    "occurredAt": "string",
    "producer": "string",
    "traceId": "string",
    "payload": "object",
}

# Departures of python jsonschema 4.26 (+ rfc3339-validator) from the spec.
LEAP_SECOND = "python rejects the leap second 23:59:60 that RFC 3339 allows"
YEAR_ZERO = "python rejects year 0000 that RFC 3339 allows"
TRAILING_NEWLINE = ("python's re.search lets $ match before a final newline; "
                    "ECMA-262 $ does not")
FLOAT_PRECISION = ("python reads JSON numbers as binary floats, so "
                   "1.0000000000000000001 becomes 1")

# (key, label, value, valid by the spec, departure)
RULES = [
    # schemaVersion: integer, const 1
    ("schemaVersion", "one", 1, True, None),
    ("schemaVersion", "one-point-zero", 1.0, True, None),
    ("schemaVersion", "two", 2, False, None),
    ("schemaVersion", "zero", 0, False, None),
    ("schemaVersion", "minus-one", -1, False, None),
    ("schemaVersion", "one-and-a-half", 1.5, False, None),
    ("schemaVersion", "huge", 10 ** 30, False, None),
    ("schemaVersion", "string-one", "1", False, None),
    ("schemaVersion", "true", True, False, None),
    # eventId: lowercase canonical UUIDv7
    ("eventId", "v7-variant-b", "01890a5d-ac96-774b-bcce-b302099a8057", True, None),
    ("eventId", "v7-variant-8", "01890a5d-ac96-774b-8cce-b302099a8057", True, None),
    ("eventId", "v7-variant-9", "01890a5d-ac96-774b-9cce-b302099a8057", True, None),
    ("eventId", "v7-variant-a", "01890a5d-ac96-774b-acce-b302099a8057", True, None),
    ("eventId", "v7-all-zero-random", "00000000-0000-7000-8000-000000000000", True, None),
    ("eventId", "v4", "9f1c2b6e-3d4a-4f5b-8c6d-7e8f9a0b1c2d", False, None),
    ("eventId", "v1", "c232ab00-9414-11ec-b3c8-9f6bdeced846", False, None),
    ("eventId", "v8", "01890a5d-ac96-874b-bcce-b302099a8057", False, None),
    ("eventId", "nil", "00000000-0000-0000-0000-000000000000", False, None),
    ("eventId", "variant-c", "01890a5d-ac96-774b-ccce-b302099a8057", False, None),
    ("eventId", "variant-7", "01890a5d-ac96-774b-7cce-b302099a8057", False, None),
    ("eventId", "upper-case", "01890A5D-AC96-774B-BCCE-B302099A8057", False, None),
    ("eventId", "mixed-case", "01890a5d-AC96-774b-bcce-b302099a8057", False, None),
    ("eventId", "no-dashes", "01890a5dac96774bbcceb302099a8057", False, None),
    ("eventId", "braces", "{01890a5d-ac96-774b-bcce-b302099a8057}", False, None),
    ("eventId", "urn", "urn:uuid:01890a5d-ac96-774b-bcce-b302099a8057", False, None),
    ("eventId", "short", "01890a5d-ac96-774b-bcce-b302099a805", False, None),
    ("eventId", "long", "01890a5d-ac96-774b-bcce-b302099a80571", False, None),
    ("eventId", "leading-space", " 01890a5d-ac96-774b-bcce-b302099a8057", False, None),
    ("eventId", "trailing-newline", "01890a5d-ac96-774b-bcce-b302099a8057\n", False, TRAILING_NEWLINE),
    ("eventId", "fullwidth-digit", "\uff10" + "1890a5d-ac96-774b-bcce-b302099a8057", False, None),
    ("eventId", "empty", "", False, None),
    ("eventId", "huge", "0" * 100000, False, None),
    # eventType: ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$
    ("eventType", "payment-completed", "payment.completed", True, None),
    ("eventType", "listing-approved", "listing.approved", True, None),
    ("eventType", "kyc-verified", "kyc.verified", True, None),
    ("eventType", "three-parts", "marketplace.listing.approved", True, None),
    ("eventType", "underscore-digits", "order_v2.price_changed2", True, None),
    ("eventType", "shortest", "a.b", True, None),
    ("eventType", "huge-valid", "a." + "b" * 100000, True, None),
    ("eventType", "one-part", "payment", False, None),
    ("eventType", "upper-case", "Payment.completed", False, None),
    ("eventType", "camel-case", "payment.Completed", False, None),
    ("eventType", "double-dot", "payment..completed", False, None),
    ("eventType", "leading-dot", ".payment.completed", False, None),
    ("eventType", "trailing-dot", "payment.completed.", False, None),
    ("eventType", "part-starts-with-digit", "payment.2fa_completed", False, None),
    ("eventType", "starts-with-underscore", "_payment.completed", False, None),
    ("eventType", "dash", "payment-completed", False, None),
    ("eventType", "slash", "payment/completed", False, None),
    ("eventType", "space", "payment.completed ", False, None),
    ("eventType", "trailing-newline", "payment.completed\n", False, TRAILING_NEWLINE),
    ("eventType", "unicode-letter", "paiement.effectu\u00e9", False, None),
    ("eventType", "dotless-i", "payment.\u0131ssued", False, None),
    ("eventType", "empty", "", False, None),
    # occurredAt: format date-time, pattern ...Z$
    ("occurredAt", "plain", "2024-02-29T10:15:30Z", True, None),
    ("occurredAt", "fraction-1", "2024-02-29T10:15:30.1Z", True, None),
    ("occurredAt", "fraction-9", "2024-02-29T10:15:30.123456789Z", True, None),
    ("occurredAt", "fraction-long", "2024-02-29T10:15:30." + "9" * 40 + "Z", True, None),
    ("occurredAt", "feb-29-leap-year", "2024-02-29T00:00:00Z", True, None),
    ("occurredAt", "feb-29-year-2000", "2000-02-29T00:00:00Z", True, None),
    ("occurredAt", "end-of-year", "2023-12-31T23:59:59.999Z", True, None),
    ("occurredAt", "year-9999", "9999-12-31T23:59:59Z", True, None),
    ("occurredAt", "epoch", "1970-01-01T00:00:00Z", True, None),
    ("occurredAt", "leap-second", "1998-12-31T23:59:60Z", True, LEAP_SECOND),
    ("occurredAt", "leap-second-fraction", "2016-12-31T23:59:60.5Z", True, LEAP_SECOND),
    ("occurredAt", "year-zero", "0000-01-01T00:00:00Z", True, YEAR_ZERO),
    ("occurredAt", "feb-29-common-year", "2023-02-29T10:15:30Z", False, None),
    ("occurredAt", "feb-29-year-1900", "1900-02-29T00:00:00Z", False, None),
    ("occurredAt", "feb-30", "2024-02-30T10:15:30Z", False, None),
    ("occurredAt", "apr-31", "2024-04-31T00:00:00Z", False, None),
    ("occurredAt", "month-13", "2024-13-01T00:00:00Z", False, None),
    ("occurredAt", "month-00", "2024-00-10T00:00:00Z", False, None),
    ("occurredAt", "day-00", "2024-01-00T00:00:00Z", False, None),
    ("occurredAt", "day-32", "2024-01-32T00:00:00Z", False, None),
    ("occurredAt", "hour-24", "2024-01-01T24:00:00Z", False, None),
    ("occurredAt", "minute-60", "2024-01-01T00:60:00Z", False, None),
    ("occurredAt", "second-61", "2024-01-01T00:00:61Z", False, None),
    ("occurredAt", "leap-second-wrong-minute", "1998-12-31T23:58:60Z", False, None),
    ("occurredAt", "leap-second-wrong-hour", "1998-12-31T22:59:60Z", False, None),
    ("occurredAt", "offset-zero", "2024-02-29T10:15:30+00:00", False, None),
    ("occurredAt", "offset-plus-7", "2024-02-29T17:15:30+07:00", False, None),
    ("occurredAt", "offset-minus", "2024-02-29T05:15:30-05:00", False, None),
    ("occurredAt", "offset-minus-zero", "2024-02-29T10:15:30-00:00", False, None),
    ("occurredAt", "lower-case-t-z", "2024-02-29t10:15:30z", False, None),
    ("occurredAt", "lower-case-z", "2024-02-29T10:15:30z", False, None),
    ("occurredAt", "space-separator", "2024-02-29 10:15:30Z", False, None),
    ("occurredAt", "empty-fraction", "2024-02-29T10:15:30.Z", False, None),
    ("occurredAt", "comma-fraction", "2024-02-29T10:15:30,5Z", False, None),
    ("occurredAt", "no-zone", "2024-02-29T10:15:30", False, None),
    ("occurredAt", "date-only", "2024-02-29", False, None),
    ("occurredAt", "basic-format", "20240229T101530Z", False, None),
    ("occurredAt", "no-seconds", "2024-02-29T10:15Z", False, None),
    ("occurredAt", "double-z", "2024-02-29T10:15:30ZZ", False, None),
    ("occurredAt", "five-digit-year", "12024-02-29T10:15:30Z", False, None),
    ("occurredAt", "one-digit-month", "2024-2-29T10:15:30Z", False, None),
    ("occurredAt", "trailing-newline", "2024-02-29T10:15:30Z\n", False, TRAILING_NEWLINE),
    ("occurredAt", "arabic-indic-digits", "\u0662\u0660\u0662\u0664-02-29T10:15:30Z", False, None),
    ("occurredAt", "words", "yesterday", False, None),
    ("occurredAt", "epoch-seconds-string", "1709201730", False, None),
    ("occurredAt", "empty", "", False, None),
    ("occurredAt", "huge", "2024-02-29T10:15:30." + "1" * 100000 + "Z", True, None),
    # producer: non-empty string
    ("producer", "api", "api", True, None),
    ("producer", "dashed", "kyc-worker", True, None),
    ("producer", "one-char", "a", True, None),
    ("producer", "space", " ", True, None),
    ("producer", "vietnamese", "d\u1ecbch-v\u1ee5-thanh-to\u00e1n", True, None),
    ("producer", "emoji", "\U0001F680", True, None),
    ("producer", "huge", "p" * 1000000, True, None),
    ("producer", "empty", "", False, None),
    # traceId: ^[0-9a-f]{32}$
    ("traceId", "hex", "4bf92f3577b34da6a3ce929d0e0e4736", True, None),
    ("traceId", "all-zeros", "0" * 32, True, None),
    ("traceId", "all-f", "f" * 32, True, None),
    ("traceId", "upper-case", "4BF92F3577B34DA6A3CE929D0E0E4736", False, None),
    ("traceId", "31-digits", "4bf92f3577b34da6a3ce929d0e0e473", False, None),
    ("traceId", "33-digits", "4bf92f3577b34da6a3ce929d0e0e47366", False, None),
    ("traceId", "non-hex", "4bf92f3577b34da6a3ce929d0e0e473g", False, None),
    ("traceId", "uuid-form", "4bf92f35-77b3-4da6-a3ce-929d0e0e4736", False, None),
    ("traceId", "w3c-traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", False, None),
    ("traceId", "trailing-newline", "4bf92f3577b34da6a3ce929d0e0e4736\n", False, TRAILING_NEWLINE),
    ("traceId", "empty", "", False, None),
    ("traceId", "huge", "a" * 100000, False, None),
    # payload: object
    ("payload", "empty-object", {}, True, None),
    ("payload", "nested", {"a": {"b": [1, {"c": None}]}}, True, None),
    ("payload", "unicode-keys", {"kh\u00e1ch h\u00e0ng": "\u00e9\u00e8", "\u043a\u043b\u044e\u0447": 1}, True, None),
]


def deep(levels):
    """A payload nested levels deep, alternating objects and arrays."""
    v = {"leaf": True}
    for i in range(levels):
        v = {"n": v} if i % 2 else [v]
    return {"root": v}


def envelope(**changes):
    e = dict(BASE)
    for k, v in changes.items():
        if v is _MISSING:
            e.pop(k, None)
        else:
            e[k] = v
    return e


class _Missing:
    pass


_MISSING = _Missing()


def cases():
    out = []

    def add(name, value, valid, departure=None, text=None):
        out.append((name, text if text is not None else json.dumps(value), valid, departure))

    add("valid/base", BASE, True)
    add("valid/deep-payload", envelope(payload=deep(400)), True)
    add("valid/key-order-shuffled", dict(reversed(list(BASE.items()))), True)

    # the envelope itself of the wrong type
    for label, sample in TYPE_SAMPLES.items():
        add("root-type/" + label, sample, False)
    add("root-type/array-of-envelope", [BASE], False)

    # every rule broken on its own
    for key, label, value, valid, departure in RULES:
        add("%s/%s" % (key, label), envelope(**{key: value}), valid, departure)

    # every key with a value of each JSON type
    for key in KEYS:
        for label, sample in TYPE_SAMPLES.items():
            want = TYPE_OF_KEY[key]
            if want == "string":
                ok = isinstance(sample, str)
                if ok and key == "producer":
                    ok = sample != ""
                elif ok:
                    ok = False     # "x" and "" fail the key's pattern or format
            elif want == "integer":
                ok = False         # 1 is the only valid value, covered by RULES
            else:
                ok = isinstance(sample, dict)
            add("type/%s/%s" % (key, label), envelope(**{key: sample}), ok)

    # each key missing, and all of them
    for key in KEYS:
        add("missing/" + key, envelope(**{key: _MISSING}), False)
    add("missing/all", {}, False)
    add("missing/all-but-payload", {"payload": {}}, False)

    # unknown keys
    add("unknown/one", envelope(aggregateId="a-1"), False)
    add("unknown/snake-case-duplicate", envelope(event_id=BASE["eventId"]), False)
    add("unknown/case-variant", envelope(EventId=BASE["eventId"]), False)
    add("unknown/empty-name", envelope(**{"": 1}), False)
    add("unknown/pointer-escapes", envelope(**{"a/b~c": 1}), False)
    add("unknown/unicode-name", envelope(**{"\u043a\u043b\u044e\u0447": 1}), False)
    add("unknown/many", dict(BASE, **{"extra%d" % i: i for i in range(1000)}), False)

    # combinations: two rules broken together
    bad = {
        "schemaVersion": 2,
        "eventId": "9f1c2b6e-3d4a-4f5b-8c6d-7e8f9a0b1c2d",
        "eventType": "Payment",
        "occurredAt": "2024-02-30T10:15:30+07:00",
        "producer": "",
        "traceId": "4BF92F3577B34DA6A3CE929D0E0E4736",
        "payload": [],
    }
    for i, a in enumerate(KEYS):
        for b in KEYS[i + 1:]:
            add("combo/%s+%s" % (a, b), envelope(**{a: bad[a], b: bad[b]}), False)
    add("combo/all-bad", envelope(**bad), False)
    add("combo/all-bad-plus-unknown", dict(envelope(**bad), extra=1), False)
    add("combo/missing-and-unknown", dict(envelope(traceId=_MISSING), trace_id=BASE["traceId"]), False)
    add("combo/missing-and-bad", envelope(producer=_MISSING, eventId="x"), False)

    # the JSON text itself
    base_text = json.dumps(BASE)
    add("text/duplicate-key-last-wins-valid", None, True,
        text=base_text[:-1] + ', "producer": "", "producer": "api"}')
    add("text/duplicate-key-last-wins-invalid", None, False,
        text=base_text[:-1] + ', "producer": "api", "producer": ""}')
    add("text/schema-version-1e0", None, True,
        text=base_text.replace('"schemaVersion": 1', '"schemaVersion": 1e0'))
    add("text/schema-version-10e-1", None, True,
        text=base_text.replace('"schemaVersion": 1', '"schemaVersion": 10e-1'))
    add("text/schema-version-1.0000000000000000001", None, False, FLOAT_PRECISION,
        text=base_text.replace('"schemaVersion": 1', '"schemaVersion": 1.0000000000000000001'))
    add("text/escaped-key-name", None, True,
        text=base_text.replace('"producer"', '"\\u0070roducer"'))
    add("text/escaped-value", None, True,
        text=base_text.replace('"payment.completed"', '"payment\\u002ecompleted"'))

    names = [c[0] for c in out]
    assert len(names) == len(set(names)), "duplicate case names"
    return out


EDIT_ALPHABET = "0123456789abcdefABCDEF-:.TtZz +_/\n\u00e9"


def _edit(rng, s):
    """One to three random single-character edits of s."""
    s = list(s)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        pos = rng.randint(0, len(s))
        c = rng.choice(EDIT_ALPHABET)
        if op < 0.4 and pos < len(s):
            s[pos] = c
        elif op < 0.7:
            s.insert(pos, c)
        elif s:
            del s[min(pos, len(s) - 1)]
    return "".join(s)


def _date_time(rng):
    """A date-time from fields around and beyond their limits."""
    year = rng.choice(["0000", "0001", "1900", "1970", "1998", "2000", "2023", "2024", "2100", "9999"])
    month = "%02d" % rng.randint(0, 13)
    day = "%02d" % rng.choice([0, 1, 15, 28, 29, 30, 31, 32])
    hour = "%02d" % rng.choice([0, 1, 12, 22, 23, 24])
    minute = "%02d" % rng.choice([0, 30, 58, 59, 60])
    second = "%02d" % rng.choice([0, 30, 59, 60, 61])
    frac = rng.choice(["", "", ".0", ".5", ".123456", ".", ".1234567890123"])
    zone = rng.choice(["Z", "Z", "Z", "z", "+00:00", "-00:00", "+07:00", "-08:00", "+23:59", "+24:00", "+07:60", "+0700", ""])
    sep = rng.choice(["T", "T", "T", "t", " "])
    return "%s-%s-%s%s%s:%s:%s%s%s" % (year, month, day, sep, hour, minute, second, frac, zone)


def _python_departs(env):
    """Would python's known departures (see the named cases) touch this case?"""
    if not isinstance(env, dict):
        return False
    for v in env.values():
        if isinstance(v, str) and v.endswith("\n"):
            return True
    t = env.get("occurredAt")
    if isinstance(t, str) and (re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:60", t)
                               or t.startswith("0000")):
        return True
    return False


def random_cases(seed, n):
    """n random envelopes near the rules' edges, reproducible from seed:
    [(name, json_text, python_comparable)].  Their verdict is not known in
    advance: the legs must agree with each other."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        e = dict(BASE)
        for key in rng.sample(KEYS, rng.randint(1, 3)):
            r = rng.random()
            if key == "schemaVersion":
                e[key] = rng.choice([1, 1.0, 0, 2, -1, 1.5, "1", True, None, [], {}])
            elif key == "payload":
                e[key] = rng.choice([{}, {"a": [1]}, [], "x", None, 0])
            elif key == "occurredAt" and r < 0.6:
                e[key] = _date_time(rng)
            elif r < 0.08:
                del e[key]
            elif r < 0.14:
                e[key] = rng.choice([None, 0, True, [], {}])
            else:
                e[key] = _edit(rng, BASE[key])
        if rng.random() < 0.05:
            e[rng.choice(["extra", "eventid", "payload ", "~/"])] = 1
        out.append(("random/%d/%d" % (seed, i), json.dumps(e), not _python_departs(e)))
    return out


if __name__ == "__main__":
    for name, text, valid, departure in cases():
        sys.stdout.write(json.dumps({"name": name, "valid": valid,
                                     "departure": departure,
                                     "envelope": json.loads(text)}) + "\n")
