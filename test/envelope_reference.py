"""Run the envelope corpus (test/envelope_corpus.py) through
  1. the domain goodgo_events.event_envelope and envelope_errors() (our C),
  2. python jsonschema (Draft202012Validator with its format checker) on
     schemas/envelope.schema.json, the outside reference,
  3. goodgo_events.jsonschema_is_valid(envelope schema, case), our generic
     validator, and jsonschema_errors() for its findings,
and record one line per case in $GG_RESULTS: PASS when every leg gives the
specification's verdict, and the findings of (1) name the same keyword and
instance locations as those of (2) and (3).  Where python departs from the
specification (a named departure in the corpus), python must give the other
answer, and the case says so.

Two pythons may be needed: the reference (jsonschema 4.26 with
rfc3339-validator; the image has it under pyenv) and one with psycopg2 for the
database (Debian's).  So the reference leg runs in a child process:

    GG_REFERENCE_PYTHON=/root/.pyenv/shims/python3 python3 test/envelope_reference.py
    python3 test/envelope_reference.py --reference   (child: verdicts as JSON lines)

PG* and GG_* come from test/run-all.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import envelope_corpus  # noqa: E402

ROOT = os.environ["GG_ROOT"]
RESULTS = os.environ.get("GG_RESULTS", "/dev/null")
PREFIX = "envelope_reference:"
# The random differential batch: GG_ENVELOPE_SEED, GG_ENVELOPE_RANDOM cases.
SEED = int(os.environ.get("GG_ENVELOPE_SEED", "1"))
NRANDOM = int(os.environ.get("GG_ENVELOPE_RANDOM", "5000"))


def all_cases():
    """The named corpus, then the random batch (whose verdict is unknown)."""
    for name, text, valid, departure in envelope_corpus.cases():
        yield name, text
    for name, text, _ in envelope_corpus.random_cases(SEED, NRANDOM):
        yield name, text


def pointer(parts):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def normalize(units):
    """(keywordLocation, instanceLocation) pairs of output units, with an
    additionalProperties failure placed at the object it belongs to (python
    reports one error there; we report one per unknown key)."""
    out = set()
    for kw, inst in units:
        if kw.endswith("/additionalProperties") and inst:
            inst = inst[:inst.rfind("/")]
        out.add((kw, inst))
    return out


def reference():
    """The child: python jsonschema's verdict and error locations per case."""
    from jsonschema import Draft202012Validator

    with open(os.path.join(ROOT, "schemas", "envelope.schema.json")) as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    # A reference that never checks date-time (Debian's jsonschema 4.10, or
    # no rfc3339-validator) would agree for the wrong reason: refuse it.
    if validator.is_valid(envelope_corpus.envelope(occurredAt="2024-02-30T10:15:30Z")):
        sys.stderr.write("this python jsonschema does not check date-time; it cannot be the reference\n")
        return 2
    for name, text in all_cases():
        errors = list(validator.iter_errors(json.loads(text)))
        sys.stdout.write(json.dumps({
            "name": name,
            "valid": not errors,
            "locations": [[pointer(e.absolute_schema_path), pointer(e.absolute_path)] for e in errors],
        }) + "\n")
    return 0


def random_batch(cur, schema_text, ref):
    """Random envelopes near the rules' edges: the C check and the generic
    validator must agree on every one (verdict and findings), and python too
    where none of its named departures is involved.  One result line."""
    cases = envelope_corpus.random_cases(SEED, NRANDOM)
    cur.execute("""
        SELECT goodgo_events.envelope_errors(t::jsonb),
               goodgo_events.jsonschema_is_valid(%s::jsonb, t::jsonb),
               goodgo_events.jsonschema_errors(%s::jsonb, t::jsonb)
          FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n""",
                (schema_text, schema_text, [c[1] for c in cases]))
    bad = []
    compared = 0
    nvalid = 0
    for (name, text, comparable), (ours, gen_valid, gen) in zip(cases, cur.fetchall()):
        ours_loc = normalize((u["keywordLocation"], u["instanceLocation"]) for u in ours)
        gen_loc = normalize((u["keywordLocation"], u["instanceLocation"]) for u in gen)
        why = []
        if gen_valid != (ours == []) or gen_loc != ours_loc:
            why.append("generic: ours only %s, generic only %s" % (sorted(ours_loc - gen_loc), sorted(gen_loc - ours_loc)))
        if comparable:
            compared += 1
            py_loc = normalize(tuple(l) for l in ref[name]["locations"])
            if ref[name]["valid"] != (ours == []) or py_loc != ours_loc:
                why.append("python: ours only %s, python only %s" % (sorted(ours_loc - py_loc), sorted(py_loc - ours_loc)))
        nvalid += ours == []
        if why:
            bad.append(name)
            print("disagreement on %s %s: %s" % (name, text, "; ".join(why)))
    label = "%srandom/seed-%d" % (PREFIX, SEED)
    summary = "%d cases, %d valid, %d also compared with python" % (len(cases), nvalid, compared)
    if bad:
        return "FAIL %s (%s; %d disagree: %s)" % (label, summary, len(bad), " ".join(bad[:5]))
    return "PASS %s (%s; all agree)" % (label, summary)


def main():
    import psycopg2

    with open(os.path.join(ROOT, "schemas", "envelope.schema.json")) as f:
        schema_text = f.read()
    ref_python = os.environ.get("GG_REFERENCE_PYTHON", sys.executable)
    child = subprocess.run([ref_python, os.path.abspath(__file__), "--reference"],
                           stdout=subprocess.PIPE, check=True, text=True)
    ref = {}
    for line in child.stdout.splitlines():
        r = json.loads(line)
        ref[r["name"]] = r

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT to_regprocedure('goodgo_events.jsonschema_is_valid(jsonb,jsonb)') IS NOT NULL,"
                "       to_regprocedure('goodgo_events.jsonschema_errors(jsonb,jsonb)') IS NOT NULL")
    has_is_valid, has_errors = cur.fetchone()
    if not (has_is_valid and has_errors):
        # The generic validator is part of the extension: without it the
        # third leg would be silently missing.
        with open(RESULTS, "a") as r:
            r.write("FAIL %sgeneric-validator (jsonschema_is_valid or jsonschema_errors missing)\n" % PREFIX)
        return 1

    lines = []
    counts = {"pass": 0, "fail": 0, "departure": 0}
    for name, text, spec_valid, departure in envelope_corpus.cases():
        problems = []

        # leg 1: the domain, and envelope_errors()
        try:
            cur.execute("SELECT %s::jsonb::goodgo_events.event_envelope IS NOT NULL", (text,))
            domain_valid = cur.fetchone()[0]
        except psycopg2.Error as e:
            domain_valid = False
            if e.pgcode != "23514" or e.diag.message_primary != "invalid event envelope":
                problems.append("domain raised %s %s" % (e.pgcode, e.diag.message_primary))
        cur.execute("SELECT goodgo_events.envelope_errors(%s::jsonb)", (text,))
        ours = cur.fetchone()[0]
        if domain_valid != (ours == []):
            problems.append("domain and envelope_errors disagree")
        if domain_valid != spec_valid:
            problems.append("domain says %s" % ("valid" if domain_valid else "invalid"))
        ours_loc = normalize((u["keywordLocation"], u["instanceLocation"]) for u in ours)

        # leg 2: python jsonschema
        py_valid = ref[name]["valid"]
        py_loc = normalize(tuple(l) for l in ref[name]["locations"])
        if departure:
            if py_valid == spec_valid:
                problems.append("python no longer departs (%s): update the corpus" % departure)
        else:
            if py_valid != spec_valid:
                problems.append("python says %s" % ("valid" if py_valid else "invalid"))
            elif ours_loc != py_loc:
                problems.append("findings differ from python: ours only %s, python only %s"
                                % (sorted(ours_loc - py_loc), sorted(py_loc - ours_loc)))

        # leg 3: our generic validator
        cur.execute("SELECT goodgo_events.jsonschema_is_valid(%s::jsonb, %s::jsonb)", (schema_text, text))
        generic_valid = cur.fetchone()[0]
        if generic_valid != spec_valid:
            problems.append("jsonschema_is_valid says %s" % ("valid" if generic_valid else "invalid"))
        cur.execute("SELECT goodgo_events.jsonschema_errors(%s::jsonb, %s::jsonb)", (schema_text, text))
        gen_loc = normalize((u["keywordLocation"], u["instanceLocation"]) for u in cur.fetchone()[0])
        if gen_loc != ours_loc:
            problems.append("findings differ from jsonschema_errors: ours only %s, generic only %s"
                            % (sorted(ours_loc - gen_loc), sorted(gen_loc - ours_loc)))

        verdict = "valid" if spec_valid else "invalid"
        if problems:
            counts["fail"] += 1
            lines.append("FAIL %s%s (spec: %s; %s)" % (PREFIX, name, verdict, "; ".join(problems)))
        else:
            counts["pass"] += 1
            note = ""
            if departure:
                counts["departure"] += 1
                note = "; python departs from the spec: %s" % departure
            lines.append("PASS %s%s (spec: %s%s)" % (PREFIX, name, verdict, note))

    lines.append(random_batch(cur, schema_text, ref))

    with open(RESULTS, "a") as r:
        r.write("".join(l + "\n" for l in lines))
    for l in lines:
        if l.startswith("FAIL") or "departs" in l or "random/" in l:
            print(l)
    print("%d cases: %d agree, %d disagree; %d named python departures"
          % (counts["pass"] + counts["fail"], counts["pass"], counts["fail"], counts["departure"]))
    return 0


if __name__ == "__main__":
    sys.exit(reference() if sys.argv[1:] == ["--reference"] else main())
