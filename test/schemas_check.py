"""Checks of the contracts in schemas/ with python jsonschema (no database):
each file is a valid draft 2020-12 schema with $id, title and description,
its $id is where its name says, every $ref resolves among the files, and
realistic payloads of each event type are accepted while broken ones are
rejected at the expected place.  Prints one "PASS name" / "FAIL name (why)"
line per check.

Usage: python3 test/schemas_check.py SCHEMAS_DIR
"""

import copy
import glob
import json
import os
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

BASE_URI = "https://schemas.goodgo.example/events/"
PREFIX = "schemas:"

USER = "0190c1d2-8a6e-7cc1-9d4b-2f1f4f0e9a11"
SELLER = "0190c1d2-9b7f-7dd2-8e5c-3a2a5a1fab22"
STAFF = "0190c1d2-ac80-7ee3-9f6d-4b3b6b2abc33"

GOOD = {
    "payment.completed": {
        "paymentId": "0190c1e0-1111-7aaa-8bbb-cccccccccccc",
        "orderId": "0190c1df-2222-7aaa-9bbb-dddddddddddd",
        "payerId": USER,
        "sellerId": SELLER,
        "amount": {"amountMinor": 1250000, "currency": "VND"},
        "platformFee": {"amountMinor": 62500, "currency": "VND"},
        "gateway": "vnpay",
        "gatewayTransactionRef": "14226112",
        "method": "qr",
        "ipnReceivedAt": "2024-05-01T08:30:02.412Z",
        "completedAt": "2024-05-01T08:30:01Z",
    },
    "listing.approved": {
        "listingId": "0190c1e5-3333-7aaa-abbb-eeeeeeeeeeee",
        "sellerId": SELLER,
        "revision": 3,
        "categoryId": "electronics.phones",
        "price": {"amountMinor": 8990000, "currency": "VND"},
        "review": "manual",
        "approvedBy": {"type": "staff", "id": STAFF},
        "submittedAt": "2024-05-01T07:00:00Z",
        "approvedAt": "2024-05-01T09:12:44.5Z",
    },
    "kyc.verified": {
        "userId": USER,
        "kycCaseId": "0190c1e9-4444-7aaa-bbbb-ffffffffffff",
        "level": "identity",
        "documentType": "national_id",
        "issuingCountry": "VN",
        "provider": "ekyc-vendor",
        "verifiedBy": {"type": "system", "id": "kyc-auto-review"},
        "verifiedAt": "2024-05-02T03:04:05Z",
        "expiresAt": "2026-05-02T00:00:00Z",
    },
}

# Minimal payloads: only the required properties.
MINIMAL_DROP = {
    "payment.completed": ["platformFee", "ipnReceivedAt"],
    "listing.approved": ["review", "submittedAt"],
    "kyc.verified": ["provider", "expiresAt"],
}


def change(event_type, path, value):
    p = copy.deepcopy(GOOD[event_type])
    cur = p
    for k in path[:-1]:
        cur = cur[k]
    if value is DROP:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return p


DROP = object()

# (event type, label, path, new value, instance location expected to fail)
BAD = [
    ("payment.completed", "amount-float", ["amount", "amountMinor"], 12500.5, "/amount/amountMinor"),
    ("payment.completed", "amount-negative", ["amount", "amountMinor"], -1, "/amount/amountMinor"),
    ("payment.completed", "amount-string", ["amount", "amountMinor"], "1250000", "/amount/amountMinor"),
    ("payment.completed", "currency-lower", ["amount", "currency"], "vnd", "/amount/currency"),
    ("payment.completed", "currency-missing", ["amount", "currency"], DROP, "/amount"),
    ("payment.completed", "money-extra-key", ["amount", "decimals"], 0, "/amount"),
    ("payment.completed", "unknown-gateway", ["gateway"], "cash", "/gateway"),
    ("payment.completed", "gateway-ref-empty", ["gatewayTransactionRef"], "", "/gatewayTransactionRef"),
    ("payment.completed", "gateway-ref-space", ["gatewayTransactionRef"], "14226 112", "/gatewayTransactionRef"),
    ("payment.completed", "payer-upper-case", ["payerId"], USER.upper(), "/payerId"),
    ("payment.completed", "completed-at-offset", ["completedAt"], "2024-05-01T15:30:01+07:00", "/completedAt"),
    ("payment.completed", "completed-at-feb-30", ["completedAt"], "2024-02-30T08:30:01Z", "/completedAt"),
    ("payment.completed", "missing-order", ["orderId"], DROP, ""),
    ("payment.completed", "card-number-smuggled", ["cardNumber"], "4111111111111111", ""),
    ("listing.approved", "revision-zero", ["revision"], 0, "/revision"),
    ("listing.approved", "category-upper", ["categoryId"], "Electronics", "/categoryId"),
    ("listing.approved", "category-double-dot", ["categoryId"], "electronics..phones", "/categoryId"),
    ("listing.approved", "actor-unknown-type", ["approvedBy", "type"], "robot", "/approvedBy/type"),
    ("listing.approved", "actor-empty-id", ["approvedBy", "id"], "", "/approvedBy/id"),
    ("listing.approved", "review-unknown", ["review"], "peer", "/review"),
    ("listing.approved", "missing-price", ["price"], DROP, ""),
    ("kyc.verified", "level-unknown", ["level"], "gold", "/level"),
    ("kyc.verified", "country-alpha3", ["issuingCountry"], "VNM", "/issuingCountry"),
    ("kyc.verified", "document-number-smuggled", ["documentNumber"], "079123456789", ""),
    ("kyc.verified", "verified-at-date-only", ["verifiedAt"], "2024-05-02", "/verifiedAt"),
    ("kyc.verified", "missing-verified-by", ["verifiedBy"], DROP, ""),
]


def main(schemas_dir):
    out = []

    def result(name, problems):
        if problems:
            out.append("FAIL %s%s (%s)" % (PREFIX, name, "; ".join(problems)))
        else:
            out.append("PASS %s%s" % (PREFIX, name))

    docs = {}
    for path in sorted(glob.glob(os.path.join(schemas_dir, "*.schema.json"))):
        fname = os.path.basename(path)
        name = fname[:-len(".schema.json")]
        problems = []
        try:
            with open(path) as f:
                doc = json.load(f)
            Draft202012Validator.check_schema(doc)
        except Exception as e:  # report, do not stop the other checks
            result("metaschema/" + name, ["%s: %s" % (type(e).__name__, str(e).splitlines()[0])])
            continue
        result("metaschema/" + name, [])
        if doc.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            problems.append("$schema is not draft 2020-12")
        if doc.get("$id") != BASE_URI + fname:
            problems.append("$id is not %s" % (BASE_URI + fname))
        for k in ("title", "description"):
            if not isinstance(doc.get(k), str) or not doc[k]:
                problems.append("no " + k)
        result("identity/" + name, problems)
        docs[name] = doc

    registry = Registry().with_resources(
        (d["$id"], Resource.from_contents(d)) for d in docs.values())

    for event_type, good in GOOD.items():
        if event_type not in docs:
            result("present/" + event_type, ["no schemas/%s.schema.json" % event_type])
            continue
        v = Draft202012Validator(docs[event_type], registry=registry,
                                 format_checker=Draft202012Validator.FORMAT_CHECKER)
        errs = [e.message for e in v.iter_errors(good)]
        result("accepts/%s/full" % event_type, errs[:3])
        minimal = {k: x for k, x in good.items() if k not in MINIMAL_DROP[event_type]}
        errs = [e.message for e in v.iter_errors(minimal)]
        result("accepts/%s/minimal" % event_type, errs[:3])
        required = docs[event_type].get("required", [])
        problems = [] if set(required) == set(good) - set(MINIMAL_DROP[event_type]) else \
            ["required %s does not match the minimal payload" % sorted(required)]
        problems += [] if docs[event_type].get("additionalProperties") is False else \
            ["additionalProperties is not false"]
        result("closed/%s" % event_type, problems)

    for event_type, label, path, value, where in BAD:
        if event_type not in docs:
            continue
        v = Draft202012Validator(docs[event_type], registry=registry,
                                 format_checker=Draft202012Validator.FORMAT_CHECKER)
        errs = list(v.iter_errors(change(event_type, path, value)))
        locs = sorted({"".join("/" + str(p) for p in e.absolute_path) for e in errs})
        problems = []
        if not errs:
            problems.append("accepted")
        elif locs != [where]:
            problems.append("failed at %s, expected %s" % (locs, where or "the root"))
        result("rejects/%s/%s" % (event_type, label), problems)

    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
