#!/usr/bin/env python3
"""Randomized differential test: goodgo_events.jsonschema_is_valid against
python jsonschema's Draft202012Validator on generated schemas and instances.

    differential.py [--seed N] [--cases N] [--psql PATH] [--results FILE]
                    [--max-report N] [--python-only-check]

Each case is a random draft 2020-12 schema (nested applicators, $ref into
$defs, unevaluated*, dependent*, if/then/else, numeric and string bounds,
patterns) and a random instance, half of them grown from the schema so
that both answers occur.  All cases go to the server in one psql call
(COPY in, one SELECT out).  A disagreement is shrunk: every one-step
simplification of the schema and of the instance (drop a keyword, replace
a subschema by true, drop an array element or a property, simplify a
value) is tried, in batches, and the first that still disagrees is kept,
until none does.  The minimal cases are printed as JSON.

Constructs left out, because python departs from ECMA-262 or from the spec
there, not because we would: \\p{..}, \\w, \\b and \\s in patterns
(python's re is Unicode-aware where ECMA-262 is not, and lacks \\p); the
"format" keyword (python's checkers depend on optional packages and assert
nothing by default); numbers that are not exact in binary floating point
(python divides floats for multipleOf, the spec and we compare decimals:
0.3 is a multiple of 0.1 for us and not for python); $dynamicRef (not
generated yet).  A schema whose $ref cycle never moves into the
instance has no answer (see undefined()): counted, not compared.

Exit status 0 when every case agrees, 1 otherwise.  With --results, one
PASS/FAIL line goes to that file (the test runner's format).
"""
import argparse
import copy
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

ALPHABET = ["a", "b", "c", "1", "é", "-"]
PATTERNS = ["^a", "b$", "^[a-c]+$", "\\d", "^.{2}$", "a|1", "^(ab)*$", "[^a]",
            "^$", "c{2,}", "^[^-]*$", "é", "^(?:a|b)?c"]
NUMBERS = [-3, -2, -1, -0.5, 0, 0.25, 0.5, 1, 1.0, 1.5, 2, 3, 4, 10, 100]
MULTIPLES = [1, 2, 3, 5, 0.5, 0.25]
NAMES = ["a", "b", "c", "ab", "x"]


class Gen:
    def __init__(self, rng):
        self.rng = rng

    # ---------- values ----------
    def string(self):
        r = self.rng
        return "".join(r.choice(ALPHABET) for _ in range(r.randint(0, 4)))

    def value(self, depth=0):
        r = self.rng
        k = r.randint(0, 9 if depth < 3 else 5)
        if k == 0:
            return None
        if k == 1:
            return r.choice([True, False])
        if k in (2, 3):
            return r.choice(NUMBERS)
        if k in (4, 5):
            return self.string()
        if k in (6, 7):
            return [self.value(depth + 1) for _ in range(r.randint(0, 4))]
        return {r.choice(NAMES): self.value(depth + 1) for _ in range(r.randint(0, 4))}

    # ---------- schemas ----------
    def schema(self, depth=0, defs=()):
        r = self.rng
        if depth > 3 or r.random() < 0.12:
            return r.choice([True, False, {}, {"type": r.choice(["string", "number", "integer", "object", "array", "null", "boolean"])}])
        s = {}
        for _ in range(r.randint(1, 4)):
            self.keyword(s, depth, defs)
        return s

    def sub(self, depth, defs):
        return self.schema(depth + 1, defs)

    def keyword(self, s, depth, defs):
        r = self.rng
        kw = r.choice([
            "type", "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern",
            "properties", "properties", "required", "additionalProperties",
            "patternProperties", "propertyNames", "minProperties", "maxProperties",
            "dependentRequired", "dependentSchemas", "items", "prefixItems", "contains",
            "minContains", "maxContains", "minItems", "maxItems", "uniqueItems",
            "allOf", "anyOf", "oneOf", "not", "if", "unevaluatedProperties",
            "unevaluatedItems", "ref"])
        if kw == "type":
            t = r.sample(["string", "number", "integer", "object", "array", "null", "boolean"], r.randint(1, 2))
            s["type"] = t[0] if len(t) == 1 and r.random() < 0.5 else t
        elif kw == "enum":
            s["enum"] = [self.value(2) for _ in range(r.randint(1, 3))]
        elif kw == "const":
            s["const"] = self.value(2)
        elif kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            s[kw] = r.choice(NUMBERS)
        elif kw == "multipleOf":
            s[kw] = r.choice(MULTIPLES)
        elif kw in ("minLength", "maxLength", "minProperties", "maxProperties",
                    "minItems", "maxItems", "minContains", "maxContains"):
            s[kw] = r.randint(0, 3)
        elif kw == "pattern":
            s[kw] = r.choice(PATTERNS)
        elif kw == "properties":
            s[kw] = {n: self.sub(depth, defs) for n in r.sample(NAMES, r.randint(1, 3))}
        elif kw == "required":
            s[kw] = r.sample(NAMES, r.randint(0, 2))
        elif kw in ("additionalProperties", "propertyNames", "contains", "not",
                    "unevaluatedProperties", "unevaluatedItems", "items"):
            s[kw] = self.sub(depth, defs)
        elif kw == "patternProperties":
            s[kw] = {p: self.sub(depth, defs) for p in r.sample(PATTERNS, r.randint(1, 2))}
        elif kw == "dependentRequired":
            s[kw] = {r.choice(NAMES): r.sample(NAMES, r.randint(0, 2))}
        elif kw == "dependentSchemas":
            s[kw] = {r.choice(NAMES): self.sub(depth, defs)}
        elif kw == "prefixItems":
            s[kw] = [self.sub(depth, defs) for _ in range(r.randint(1, 3))]
        elif kw == "uniqueItems":
            s[kw] = r.choice([True, False])
        elif kw in ("allOf", "anyOf", "oneOf"):
            s[kw] = [self.sub(depth, defs) for _ in range(r.randint(1, 3))]
        elif kw == "if":
            s["if"] = self.sub(depth, defs)
            if r.random() < 0.8:
                s["then"] = self.sub(depth, defs)
            if r.random() < 0.8:
                s["else"] = self.sub(depth, defs)
        elif kw == "ref":
            # into the root's $defs (added by root()), which may recurse
            # into itself through the instance
            name = r.choice(["d1", "d2"])
            s["$ref"] = "#/$defs/" + name
            if name not in self.defs:
                self.defs[name] = None      # placeholder: no endless growth
                self.defs[name] = ({"type": ["object", "array", "string", "number"],
                                    "items": {"$ref": "#/$defs/" + name}}
                                   if r.random() < 0.3 else self.sub(depth + 1, defs))

    def root(self):
        self.defs = {}
        s = self.schema()
        if self.defs:
            if not isinstance(s, dict):
                s = {"allOf": [s]}
            s["$defs"] = {k: (v if v is not None else True) for k, v in self.defs.items()}
        return s

    # ---------- instances grown from a schema ----------
    def instance_for(self, s, depth=0):
        r = self.rng
        if not isinstance(s, dict) or depth > 4 or r.random() < 0.15:
            return self.value(depth)
        if "const" in s and r.random() < 0.7:
            return copy.deepcopy(s["const"])
        if "enum" in s and r.random() < 0.7:
            return copy.deepcopy(r.choice(s["enum"]))
        t = s.get("type")
        if isinstance(t, list):
            t = r.choice(t)
        if t is None:
            if any(k in s for k in ("properties", "required", "patternProperties", "additionalProperties",
                                    "dependentRequired", "dependentSchemas", "unevaluatedProperties")):
                t = "object"
            elif any(k in s for k in ("items", "prefixItems", "contains", "unevaluatedItems")):
                t = "array"
            elif any(k in s for k in ("pattern", "minLength", "maxLength")):
                t = "string"
            elif any(k in s for k in ("minimum", "maximum", "multipleOf")):
                t = "number"
        if t == "object":
            o = {}
            for n, sub in (s.get("properties") or {}).items():
                if r.random() < 0.7:
                    o[n] = self.instance_for(sub, depth + 1)
            for n in s.get("required", []):
                if n not in o:
                    o[n] = self.value(depth + 1)
            if r.random() < 0.3:
                o[r.choice(NAMES)] = self.value(depth + 1)
            return o
        if t == "array":
            a = [self.instance_for(sub, depth + 1) for sub in s.get("prefixItems", []) if r.random() < 0.8]
            for _ in range(r.randint(0, 3)):
                a.append(self.instance_for(s.get("items", {}), depth + 1) if r.random() < 0.7 else self.value(depth + 1))
            return a
        if t == "string":
            return self.string()
        if t in ("number", "integer"):
            return r.choice(NUMBERS)
        if t == "null":
            return None
        if t == "boolean":
            return r.choice([True, False])
        return self.value(depth)


# ---------- the two validators ----------

def python_answer(schema, instance):
    try:
        Draft202012Validator.check_schema(schema)
        return "true" if Draft202012Validator(schema).is_valid(instance) else "false"
    except SchemaError:
        return "schema-error"
    except RecursionError:
        return "recursion"
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # pylint: disable=broad-except
        # referencing's Rust core turns a RecursionError into a panic
        # (a BaseException) when a $ref cycle never reaches the instance
        if "RecursionError" in repr(e) or "Recursion" in type(e).__name__:
            return "recursion"
        return "python-error " + type(e).__name__


def undefined(py, ours):
    """A schema whose $ref cycle never moves into the instance has no
    answer: python runs out of recursion, we stop with an error, and each
    may first meet a failing keyword that settles the answer before the
    cycle (python and we evaluate keywords in different orders).  Such
    cases are counted, not compared."""
    return py == "recursion" or ours == "cycle"


def agree(py, ours):
    return py == ours or undefined(py, ours)


SQL = r"""
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET goodgo_events.json_schema_format_assertion = off;
CREATE TEMP TABLE c (id int, s jsonb, i jsonb);
\copy c FROM '%(file)s' WITH (FORMAT csv)
CREATE FUNCTION pg_temp.ans(s jsonb, i jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	d text;
BEGIN
	RETURN goodgo_events.jsonschema_is_valid(s, i)::text;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	IF d LIKE '%%refers to itself forever%%' THEN
		RETURN 'cycle';
	END IF;
	RETURN CASE SQLSTATE WHEN '22023' THEN 'schema-error' WHEN '54001' THEN 'recursion' ELSE 'error ' || SQLSTATE END;
END
$$;
\copy (SELECT id, pg_temp.ans(s, i) FROM c ORDER BY id) TO STDOUT
"""


def server_answers(psql, pairs):
    """Our answers for a list of (schema, instance), in one psql call."""
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        f = os.path.join(d, "cases.csv")
        with open(f, "w", newline="") as fh:
            w = csv.writer(fh)
            for n, (s, i) in enumerate(pairs):
                w.writerow([n, json.dumps(s), json.dumps(i)])
        os.chmod(f, 0o644)
        p = subprocess.run([psql, "-X", "-q", "-A", "-t"], input=SQL % {"file": f},
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("psql failed: " + p.stderr.strip())
    out = {}
    for line in p.stdout.splitlines():
        k, v = line.split("\t", 1)
        out[int(k)] = v
    return [out.get(n, "missing") for n in range(len(pairs))]


# ---------- shrinking ----------

def simpler_values(v):
    """One-step simplifications of a JSON value (schema or instance)."""
    if isinstance(v, dict):
        for k in list(v):
            w = dict(v)
            del w[k]
            yield w
        for k in list(v):
            for sub in simpler_values(v[k]):
                w = dict(v)
                w[k] = sub
                yield w
        if v:
            yield True
            yield {}
    elif isinstance(v, list):
        for n in range(len(v)):
            yield v[:n] + v[n + 1:]
        for n in range(len(v)):
            for sub in simpler_values(v[n]):
                yield v[:n] + [sub] + v[n + 1:]
    elif isinstance(v, str):
        if v:
            yield v[:-1]
            yield ""
    elif isinstance(v, bool):
        pass
    elif isinstance(v, (int, float)):
        if v != 0:
            yield 0


def size(v):
    return len(json.dumps(v))


def shrink(psql, schema, instance, budget=60):
    """Smallest (schema, instance) found that still disagrees."""
    for _ in range(budget):
        cands = [(s, instance) for s in simpler_values(schema)]
        cands += [(schema, i) for i in simpler_values(instance)]
        cands = [c for c in cands if size(c[0]) + size(c[1]) < size(schema) + size(instance)]
        if not cands:
            break
        ours = server_answers(psql, cands)
        for (s, i), o in zip(cands, ours):
            py = python_answer(s, i)
            # only an answer python really gives: not a schema it rejects
            # or a $ref the shrinking broke
            if not agree(py, o) and py in ("true", "false"):
                schema, instance = s, i
                break
        else:
            break
    return schema, instance


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--psql", default="psql")
    ap.add_argument("--results")
    ap.add_argument("--max-report", type=int, default=5)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    g = Gen(rng)
    pairs = []
    while len(pairs) < args.cases:
        s = g.root()
        try:
            Draft202012Validator.check_schema(s)
        except SchemaError:
            continue
        i = g.instance_for(s) if rng.random() < 0.6 else g.value()
        pairs.append((s, i))

    ours = server_answers(args.psql, pairs)
    counts = {}
    bad = []
    for (s, i), o in zip(pairs, ours):
        py = python_answer(s, i)
        k = "no answer (cycle)" if undefined(py, o) else py
        counts[k] = counts.get(k, 0) + 1
        if not agree(py, o):
            bad.append((s, i, py, o))
    print("seed %d: %d cases (%s), %d disagreements"
          % (args.seed, len(pairs), ", ".join("%s %d" % kv for kv in sorted(counts.items())), len(bad)))
    seen = set()
    for s, i, py, o in bad[:args.max_report]:
        ms, mi = shrink(args.psql, s, i)
        key = json.dumps([ms, mi], sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        print("DISAGREEMENT (minimal): schema %s instance %s: python %s, goodgo_events %s"
              % (json.dumps(ms), json.dumps(mi), python_answer(ms, mi), server_answers(args.psql, [(ms, mi)])[0]))
    if args.results:
        with open(args.results, "a") as fh:
            if bad:
                fh.write("FAIL differential:seed-%d (%d of %d cases disagree with python jsonschema)\n"
                         % (args.seed, len(bad), len(pairs)))
            else:
                fh.write("PASS differential:seed-%d (%d cases agree with python jsonschema)\n"
                         % (args.seed, len(pairs)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
