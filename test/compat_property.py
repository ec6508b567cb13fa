"""Property test of goodgo_events.jsonschema_compatibility (issue 16).

Random writer schemas, each paired with a random edit of itself (bounds,
types, enums, properties, required, closure, formats, patterns, combinators,
$ref, annotations, or no change at all).  For every pair, BACKWARD and
FORWARD under STRICT and LENIENT:

  * at least MIN_VALUES distinct values are generated from each writer schema
    and checked valid against it with our validator (pairs whose writer gives
    fewer are replaced by new ones);
  * when the checker says compatible, every one of those values must be valid
    under the reader (the reader view under LENIENT: every
    additionalProperties/unevaluatedProperties false dropped);
  * every witness it returns must be valid under the writer and invalid under
    the reader.

Usage: compat_property.py PAIRS SEED RESULTS.  Connects with the libpq
environment (PGHOST, PGPORT, ...).  Prints counts; records PASS/FAIL lines.
"""
import copy
import time
import json
import random
import sys

import psycopg2
import psycopg2.extras

MIN_VALUES = 20
ATTEMPTS = 90
NAMES = ["a", "b", "c", "id", "note", "kind"]
FORMATS = {
    "uuid": ["0190a0b0-c0d0-7e00-8f00-000000000001", "00000000-0000-0000-0000-000000000000",
             "not-a-uuid", ""],
    "date": ["2024-01-02", "1999-12-31", "2024-13-01", "x"],
    "email": ["a@example.com", "b.c@example.org", "no-at-sign", ""],
}
PATTERNS = {
    "^[a-z]+$": lambda r: "".join(r.choice("abcxyz") for _ in range(r.randint(1, 6))),
    "^[A-Z]{2}$": lambda r: r.choice(["VN", "US", "DE", "FR"]),
    "^[0-9]*$": lambda r: "".join(r.choice("0123456789") for _ in range(r.randint(0, 5))),
    "^x": lambda r: "x" + "".join(r.choice("abc") for _ in range(r.randint(0, 3))),
}


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    # ---------- schemas ----------

    def num(self, integral=True):
        if integral or self.r.random() < 0.6:
            return self.r.randint(-5, 20)
        return self.r.choice([0.5, 1.5, 2.25, -0.5, 10.5])

    def leaf(self):
        r = self.r
        k = r.choice(["string", "string", "integer", "integer", "number", "boolean", "null",
                      "enum", "const", "typearr"])
        if k == "string":
            s = {"type": "string"}
            if r.random() < 0.3:
                s["minLength"] = r.randint(0, 3)
            if r.random() < 0.3:
                s["maxLength"] = r.randint(3, 10)
            if r.random() < 0.15:
                s["format"] = r.choice(list(FORMATS))
            elif r.random() < 0.15:
                s["pattern"] = r.choice(list(PATTERNS))
            return s
        if k in ("integer", "number"):
            s = {"type": k}
            if r.random() < 0.4:
                s["minimum"] = self.num(k == "integer")
            if r.random() < 0.3:
                s["maximum"] = s.get("minimum", 0) + r.randint(0, 50)
            if r.random() < 0.15:
                s["exclusiveMinimum"] = self.num(k == "integer") - 10
            if r.random() < 0.15:
                s["multipleOf"] = r.choice([1, 2, 3, 0.5, 5])
            return s
        if k == "enum":
            pool = ["x", "y", "z", 1, 2, None, True, "w"]
            return {"enum": r.sample(pool, r.randint(1, 4))}
        if k == "const":
            return {"const": r.choice(["x", 1, None, False])}
        if k == "typearr":
            return {"type": r.sample(["string", "integer", "number", "null", "boolean"], r.randint(1, 3))}
        return {"type": k}

    def schema(self, d):
        r = self.r
        if d <= 0:
            return self.leaf()
        k = r.choice(["leaf", "leaf", "leaf", "object", "object", "array", "anyOf", "oneOf",
                      "allOf", "not", "ref", "bool", "ifthen"])
        if k == "leaf":
            return self.leaf()
        if k == "object":
            return self.obj(d)
        if k == "array":
            s = {"type": "array", "items": self.schema(d - 1)}
            if r.random() < 0.3:
                s["minItems"] = r.randint(0, 2)
            if r.random() < 0.3:
                s["maxItems"] = r.randint(2, 5)
            if r.random() < 0.1:
                s["uniqueItems"] = True
            if r.random() < 0.15:
                s["prefixItems"] = [self.leaf()]
            return s
        if k in ("anyOf", "oneOf"):
            return {k: [self.schema(d - 1) for _ in range(r.randint(1, 3))]}
        if k == "allOf":
            return {"allOf": [self.schema(d - 1), self.leaf()]}
        if k == "not":
            return {"not": self.leaf()}
        if k == "ref":
            return {"$ref": "#/$defs/" + r.choice(["D1", "D2", "Node"])}
        if k == "bool":
            return r.choice([True, {}])
        return {"if": self.leaf(), "then": self.leaf(), "else": self.leaf()}

    def obj(self, d):
        r = self.r
        names = r.sample(NAMES, r.randint(1, 4))
        s = {"type": "object", "properties": {n: self.schema(d - 1) for n in names}}
        req = [n for n in names if r.random() < 0.5]
        if req:
            s["required"] = req
        x = r.random()
        if x < 0.45:
            s["additionalProperties"] = False
        elif x < 0.55:
            s["additionalProperties"] = self.leaf()
        elif x < 0.6:
            s["additionalProperties"] = True
        if r.random() < 0.05:
            s["patternProperties"] = {"^p_": self.leaf()}
        return s

    def root(self):
        r = self.r
        s = self.obj(3)
        # a property with plenty of values, so every writer has MIN_VALUES of them
        s["properties"]["n"] = {"type": "integer"}
        s.setdefault("required", []).append("n")
        s["$defs"] = {
            "D1": self.leaf(),
            "D2": self.schema(1),
            "Node": {"type": "object", "properties": {"v": {"type": "integer"},
                                                      "next": {"$ref": "#/$defs/Node"}},
                     "additionalProperties": False},
        }
        return s

    # ---------- edits ----------

    def nodes(self, s, acc, path=()):
        if isinstance(s, dict):
            acc.append(s)
            for k, v in s.items():
                if k in ("properties", "$defs", "patternProperties"):
                    for vv in v.values():
                        self.nodes(vv, acc)
                elif k in ("anyOf", "oneOf", "allOf", "prefixItems"):
                    for vv in v:
                        self.nodes(vv, acc)
                elif k in ("items", "not", "if", "then", "else", "additionalProperties",
                           "contains", "propertyNames"):
                    self.nodes(v, acc)
        return acc

    def edit(self, s):
        r = self.r
        n = r.choice(self.nodes(s, []))
        ops = ["desc", "widen_type", "narrow_type", "min", "max", "replace", "wrap_anyof"]
        if n.get("type") == "object" or "properties" in n:
            ops += ["add_prop", "add_prop", "del_prop", "add_req", "del_req", "closure", "closure"]
        if "enum" in n:
            ops += ["enum_add", "enum_del", "enum_del"]
        if "const" in n:
            ops += ["const_enum"]
        if n.get("type") == "string":
            ops += ["format", "pattern", "minlen", "maxlen"]
        if "anyOf" in n or "oneOf" in n:
            ops += ["branch_add", "branch_del", "swap_comb"]
        if n.get("type") == "array":
            ops += ["items", "unique", "minitems"]
        op = r.choice(ops)
        if op == "desc":
            n["description"] = "changed %d" % r.randint(0, 9)
        elif op == "widen_type":
            t = n.get("type")
            if t == "integer":
                n["type"] = "number"
            elif isinstance(t, str):
                n["type"] = sorted({t, r.choice(["null", "string", "integer"])})
            elif isinstance(t, list):
                n["type"] = sorted(set(t) | {r.choice(["null", "boolean", "number"])})
        elif op == "narrow_type":
            t = n.get("type")
            if t == "number":
                n["type"] = "integer"
            elif isinstance(t, list) and len(t) > 1:
                n["type"] = t[1:]
            elif t is None:
                n["type"] = r.choice(["object", "string", "integer"])
        elif op == "min":
            key = r.choice(["minimum", "exclusiveMinimum", "minProperties", "minItems"])
            if key in n and r.random() < 0.4:
                del n[key]
            else:
                n[key] = max(0, n.get(key, 0) + r.choice([-1, 1, 2])) if key in ("minProperties", "minItems") \
                    else n.get(key, 0) + r.choice([-1, 1, 0.5])
        elif op == "max":
            key = r.choice(["maximum", "exclusiveMaximum", "maxProperties", "maxItems"])
            if key in n and r.random() < 0.4:
                del n[key]
            else:
                n[key] = max(0, n.get(key, 5) + r.choice([-1, 1, 3])) if key in ("maxProperties", "maxItems") \
                    else n.get(key, 5) + r.choice([-1, 1, -0.5])
        elif op == "replace":
            keep = dict(n)
            n.clear()
            n.update(self.leaf())
            if "$defs" in keep:
                n["$defs"] = keep["$defs"]
        elif op == "wrap_anyof":
            inner = dict(n)
            defs = inner.pop("$defs", None)
            n.clear()
            n["anyOf"] = [inner, self.leaf()]
            if defs is not None:
                n["$defs"] = defs
        elif op == "add_prop":
            p = n.setdefault("properties", {})
            name = r.choice(NAMES)
            p[name] = self.leaf()
            if r.random() < 0.3:
                n.setdefault("required", [])
                if name not in n["required"]:
                    n["required"].append(name)
        elif op == "del_prop":
            p = n.get("properties", {})
            if p:
                name = r.choice(list(p))
                if name != "n":
                    del p[name]
                    if name in n.get("required", []):
                        n["required"].remove(name)
        elif op == "add_req":
            p = list(n.get("properties", {})) + ["zz"]
            name = r.choice(p)
            n.setdefault("required", [])
            if name not in n["required"]:
                n["required"].append(name)
        elif op == "del_req":
            req = [x for x in n.get("required", []) if x != "n"]
            if req:
                n["required"].remove(r.choice(req))
        elif op == "closure":
            x = r.random()
            if x < 0.4:
                n["additionalProperties"] = False
            elif x < 0.7:
                n.pop("additionalProperties", None)
            else:
                n["additionalProperties"] = self.leaf()
        elif op == "enum_add":
            n["enum"] = n["enum"] + [r.choice(["new", 7, None, "x"])]
            n["enum"] = [json.loads(v) for v in dict.fromkeys(json.dumps(v) for v in n["enum"])]
        elif op == "enum_del":
            if len(n["enum"]) > 1:
                n["enum"].pop(r.randrange(len(n["enum"])))
        elif op == "const_enum":
            n["enum"] = [n.pop("const")] + ([r.choice(["q", 3])] if r.random() < 0.5 else [])
        elif op == "format":
            if "format" in n:
                del n["format"]
            else:
                n["format"] = r.choice(list(FORMATS))
        elif op == "pattern":
            if "pattern" in n and r.random() < 0.5:
                del n["pattern"]
            else:
                n["pattern"] = r.choice(list(PATTERNS))
        elif op == "minlen":
            n["minLength"] = r.randint(0, 4)
        elif op == "maxlen":
            n["maxLength"] = r.randint(2, 12)
        elif op == "branch_add":
            k = "anyOf" if "anyOf" in n else "oneOf"
            n[k].append(self.leaf())
        elif op == "branch_del":
            k = "anyOf" if "anyOf" in n else "oneOf"
            if len(n[k]) > 1:
                n[k].pop(r.randrange(len(n[k])))
        elif op == "swap_comb":
            if "anyOf" in n and "oneOf" not in n:
                n["oneOf"] = n.pop("anyOf")
            elif "oneOf" in n and "anyOf" not in n:
                n["anyOf"] = n.pop("oneOf")
        elif op == "items":
            n["items"] = self.leaf()
        elif op == "unique":
            n["uniqueItems"] = not n.get("uniqueItems", False)
        elif op == "minitems":
            n["minItems"] = r.randint(0, 3)

    def pair(self):
        old = self.root()
        new = copy.deepcopy(old)
        for _ in range(self.r.choice([0, 1, 1, 1, 2, 3])):
            self.edit(new)
        return old, new

    # ---------- values ----------

    def anyval(self, d):
        r = self.r
        c = [None, True, False, 0, 1, -3, 1.5, "x", "", "VN", [], {}, [1, "a"], {"a": 1}]
        if d > 0 and r.random() < 0.2:
            return {r.choice(NAMES): self.anyval(d - 1)}
        return r.choice(c)

    def value(self, s, root, d):
        r = self.r
        if s is True or s == {}:
            return self.anyval(2)
        if s is False or d > 6:
            return self.anyval(0)
        if r.random() < 0.03:
            return self.anyval(1)
        if "$ref" in s:
            name = s["$ref"].split("/")[-1]
            return self.value(root["$defs"][name], root, d + 1)
        if "const" in s:
            return s["const"]
        if "enum" in s:
            return r.choice(s["enum"])
        for k in ("anyOf", "oneOf"):
            if k in s:
                return self.value(r.choice(s[k]), root, d + 1)
        if "allOf" in s:
            return self.value(r.choice(s["allOf"]), root, d + 1)
        if "if" in s:
            return self.value(r.choice([s["then"], s["else"], s["if"]]), root, d + 1)
        if "not" in s:
            return self.anyval(1)
        t = s.get("type")
        if isinstance(t, list):
            t = r.choice(t)
        if t is None:
            t = "object" if "properties" in s else r.choice(["string", "integer", "null", "object"])
        if t in ("integer", "number"):
            lo = s.get("minimum", s.get("exclusiveMinimum", -20))
            hi = s.get("maximum", s.get("exclusiveMaximum", lo + 40))
            if hi < lo:
                hi = lo + 1
            c = [lo, hi, lo + 1, hi - 1, 0, r.randint(int(lo) - 1, int(hi) + 1)]
            if t == "number":
                c += [lo + 0.5, hi - 0.5, r.uniform(lo, hi)]
            v = r.choice(c)
            m = s.get("multipleOf")
            if m:
                v = round(v / m) * m
                if isinstance(m, int) and isinstance(v, float) and v.is_integer():
                    v = int(v)
            if t == "integer" and isinstance(v, float):
                v = int(v)
            return v
        if t == "string":
            if "format" in s:
                return r.choice(FORMATS[s["format"]])
            if "pattern" in s and r.random() < 0.8:
                return PATTERNS[s["pattern"]](r)
            lo = s.get("minLength", 0)
            hi = s.get("maxLength", lo + 8)
            n = r.choice([lo, hi, r.randint(lo, max(lo, hi))])
            return "".join(r.choice("abcXYZ019 -") for _ in range(max(0, n)))
        if t == "boolean":
            return r.random() < 0.5
        if t == "null":
            return None
        if t == "array":
            n = r.randint(s.get("minItems", 0), min(s.get("maxItems", 4), s.get("minItems", 0) + 3))
            out = []
            pre = s.get("prefixItems", [])
            for i in range(n):
                sub = pre[i] if i < len(pre) else s.get("items", True)
                out.append(self.value(sub, root, d + 1))
            return out
        # object
        props = s.get("properties", {})
        o = {}
        for k, sub in props.items():
            if k in s.get("required", []) or r.random() < 0.5:
                o[k] = self.value(sub, root, d + 1)
        for k in s.get("required", []):
            if k not in o:
                o[k] = self.anyval(1)
        ap = s.get("additionalProperties", True)
        if ap is not False and r.random() < 0.4:
            o[r.choice(["extra", "p_1", "zz"])] = self.value(ap, root, d + 1) if ap is not True else self.anyval(1)
        if "patternProperties" in s and r.random() < 0.4:
            o["p_x"] = self.value(s["patternProperties"]["^p_"], root, d + 1)
        return o


def open_view(s):
    """The LENIENT reader view: every additionalProperties/unevaluatedProperties false dropped."""
    if isinstance(s, list):
        return [open_view(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k in ("additionalProperties", "unevaluatedProperties") and v is False:
            continue
        if k in ("enum", "const", "default", "examples"):
            out[k] = v
        elif k in ("properties", "$defs", "patternProperties", "dependentSchemas"):
            out[k] = {kk: open_view(vv) for kk, vv in v.items()}
        else:
            out[k] = open_view(v)
    return out


def main():
    npairs, seed, results = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    g = Gen(seed)
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    if "GG_COMPAT_PROFILE" in __import__("os").environ:
        class C:
            def __init__(self, c):
                self.c = c
            def execute(self, q, a=None):
                t = time.time()
                self.c.execute(q, a)
                print("%.2fs %s" % (time.time() - t, str(q)[:60].replace("\n", " ")))
            def __getattr__(self, n):
                return getattr(self.c, n)
        cur = C(cur)
    cur.execute("SET goodgo_events.json_schema_format_assertion = on")
    cur.execute("""CREATE TEMP TABLE cp_pairs (id int PRIMARY KEY, old jsonb, new jsonb, old_open jsonb, new_open jsonb);
                   CREATE TEMP TABLE cp_vals (id int, side text, v jsonb, ok_other boolean, ok_other_open boolean);
                   CREATE INDEX ON cp_vals (id, side)""")
    # a schema that refers to itself forever is an error at validation time: such pairs are dropped
    cur.execute("""CREATE FUNCTION pg_temp.valid(s jsonb, v jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
                   BEGIN RETURN goodgo_events.jsonschema_is_valid(s, v);
                   EXCEPTION WHEN invalid_parameter_value THEN RETURN NULL; END $$;
                   CREATE FUNCTION pg_temp.compat(o jsonb, n jsonb, d text, p text) RETURNS jsonb LANGUAGE plpgsql AS $$
                   BEGIN RETURN goodgo_events.jsonschema_compatibility(o, n, d, p);
                   EXCEPTION WHEN invalid_parameter_value THEN RETURN NULL; END $$""")
    kept = skipped = 0
    stats = {"checks": 0, "compatible": 0, "no_counterexample": 0, "witnesses": 0}
    failures = []
    next_id = 0
    while kept < npairs:
        batch = []
        vals = []
        for _ in range(min(200, npairs - kept + 20)):
            old, new = g.pair()
            next_id += 1
            batch.append((next_id, json.dumps(old), json.dumps(new), json.dumps(open_view(old)),
                          json.dumps(open_view(new))))
            for side, s in (("old", old), ("new", new)):
                seen = set()
                for _ in range(ATTEMPTS):
                    try:
                        v = json.dumps(g.value(s, s, 0), sort_keys=True)
                    except (KeyError, ValueError, TypeError):
                        continue
                    if v not in seen:
                        seen.add(v)
                        vals.append((next_id, side, v))
        cur.execute("TRUNCATE cp_pairs, cp_vals")
        psycopg2.extras.execute_values(cur, "INSERT INTO cp_pairs VALUES %s", batch,
                                       template="(%s, %s::jsonb, %s::jsonb, %s::jsonb, %s::jsonb)", page_size=1000)
        psycopg2.extras.execute_values(cur, "INSERT INTO cp_vals VALUES %s", vals,
                                       template="(%s, %s, %s::jsonb, NULL, NULL)", page_size=5000)
        cur.execute("ANALYZE cp_pairs; ANALYZE cp_vals")
        # an edit may leave an invalid schema (maxItems below minItems is fine, a bad type list is not)
        cur.execute("""DELETE FROM cp_pairs WHERE NOT goodgo_events.jsonschema_is_valid(old)
                         OR NOT goodgo_events.jsonschema_is_valid(new)""")
        # keep only values valid under their own schema; pairs with enough of them on both sides
        cur.execute("""CREATE TEMP TABLE cp_check AS SELECT v.id, v.side, v.v,
                         pg_temp.valid(CASE v.side WHEN 'old' THEN p.old ELSE p.new END, v.v) AS ok,
                         pg_temp.valid(CASE v.side WHEN 'old' THEN p.new ELSE p.old END, v.v) AS ok_other,
                         pg_temp.valid(CASE v.side WHEN 'old' THEN p.new_open ELSE p.old_open END, v.v) AS ok_other_open
                         FROM cp_vals v JOIN cp_pairs p USING (id)""")
        cur.execute("DELETE FROM cp_pairs WHERE id IN (SELECT id FROM cp_check WHERE ok IS NULL OR ok_other IS NULL OR ok_other_open IS NULL)")
        cur.execute("TRUNCATE cp_vals")
        cur.execute("INSERT INTO cp_vals SELECT id, side, v, ok_other, ok_other_open FROM cp_check WHERE ok")
        cur.execute("DROP TABLE cp_check")
        cur.execute("""DELETE FROM cp_pairs p WHERE (SELECT count(DISTINCT v) FROM cp_vals v WHERE v.id = p.id AND side = 'old') < %s
                         OR (SELECT count(DISTINCT v) FROM cp_vals v WHERE v.id = p.id AND side = 'new') < %s""",
                    (MIN_VALUES, MIN_VALUES))
        cur.execute("SELECT count(*) FROM cp_pairs")
        n = cur.fetchone()[0]
        skipped += len(batch) - n
        cur.execute("""
            WITH c AS (
              SELECT p.id, d.dir, pol.pol,
                     CASE d.dir WHEN 'BACKWARD' THEN 'old' ELSE 'new' END AS wside,
                     CASE d.dir WHEN 'BACKWARD' THEN p.old ELSE p.new END AS writer,
                     CASE WHEN d.dir = 'BACKWARD' AND pol.pol = 'STRICT' THEN p.new
                          WHEN d.dir = 'BACKWARD' THEN p.new_open
                          WHEN pol.pol = 'STRICT' THEN p.old ELSE p.old_open END AS reader,
                     pg_temp.compat(p.old, p.new, d.dir, pol.pol) AS r
                FROM cp_pairs p, (VALUES ('BACKWARD'), ('FORWARD')) d(dir), (VALUES ('STRICT'), ('LENIENT')) pol(pol)
            )
            SELECT c.id, c.dir, c.pol, (c.r->>'compatible')::boolean,
                   (SELECT count(*) FROM cp_vals v WHERE v.id = c.id AND v.side = c.wside
                      AND NOT CASE c.pol WHEN 'STRICT' THEN v.ok_other ELSE v.ok_other_open END) AS broken,
                   (SELECT count(*) FROM jsonb_array_elements(c.r->'findings') f WHERE f ? 'witness') AS nwit,
                   (SELECT count(*) FROM jsonb_array_elements(c.r->'findings') f WHERE f ? 'witness'
                      AND NOT (goodgo_events.jsonschema_is_valid(c.writer, f->'witness')
                               AND NOT goodgo_events.jsonschema_is_valid(c.reader, f->'witness'))) AS badwit,
                   (SELECT min(v.v::text) FROM cp_vals v WHERE v.id = c.id AND v.side = c.wside
                      AND NOT CASE c.pol WHEN 'STRICT' THEN v.ok_other ELSE v.ok_other_open END) AS example,
                   (SELECT old::text FROM cp_pairs WHERE id = c.id), (SELECT new::text FROM cp_pairs WHERE id = c.id),
                   c.r::text
              FROM c""")
        for (pid, dr, pol, compat, broken, nwit, badwit, example, old, new, res) in cur.fetchall():
            if compat is None:
                failures.append("ERROR %s %s: old=%s new=%s" % (dr, pol, old, new))
                continue
            stats["checks"] += 1
            stats["witnesses"] += nwit
            if compat:
                stats["compatible"] += 1
            if broken == 0:
                stats["no_counterexample"] += 1
            if compat and broken > 0:
                failures.append("UNSOUND %s %s: old=%s new=%s value=%s" % (dr, pol, old, new, example))
            if badwit > 0:
                failures.append("BAD WITNESS %s %s: old=%s new=%s result=%s" % (dr, pol, old, new, res))
        kept += n
    print("compat_property: %d pairs (%d more generated and replaced: fewer than %d valid values), "
          "%d checks, %d compatible, %d without a counterexample among the values (recognised %.1f%%), "
          "%d witnesses" % (kept, skipped, MIN_VALUES, stats["checks"], stats["compatible"],
                            stats["no_counterexample"],
                            100.0 * stats["compatible"] / max(1, stats["no_counterexample"]),
                            stats["witnesses"]))
    for f in failures[:20]:
        print(f)
    with open(results, "a") as f:
        unsound = [x for x in failures if x.startswith("UNSOUND")]
        bad = [x for x in failures if x.startswith("BAD")]
        f.write("%s compat_property:soundness (%d pairs x 4 checks, seed %d)\n"
                % ("FAIL" if unsound else "PASS", kept, seed))
        f.write("%s compat_property:witnesses (%d checked)\n" % ("FAIL" if bad else "PASS", stats["witnesses"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
