#!/usr/bin/python3
"""Run the JSON Schema Test Suite's "pattern" cases through regex.c.

    pattern_suite.py SUITE_TESTS_DIR PSQL MODULE DRAFT...

For every case whose schema has a string "pattern" (required pattern.json
and the optional ecmascript-regex, non-bmp-regex and format tests), each
string instance must match exactly when the suite says it is valid.  The
regex is compiled and run by regex.c inside the server (test/unit/pg), as
the validator will.  Prints one PASS/FAIL line per draft and file.
"""
import json
import os
import subprocess
import sys


def cases(root, draft):
    base = os.path.join(root, draft)
    for dirpath, _, files in sorted(os.walk(base)):
        for fn in sorted(files):
            if not fn.endswith(".json"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, fn), base)[:-5]
            with open(os.path.join(dirpath, fn), encoding="utf-8") as f:
                doc = json.load(f)
            for ci, case in enumerate(doc):
                schema = case.get("schema")
                if not isinstance(schema, dict) or not isinstance(schema.get("pattern"), str):
                    continue
                for ti, test in enumerate(case["tests"]):
                    if isinstance(test["data"], str):
                        try:
                            yield ("%s/%s#%d.%d" % (draft, rel, ci, ti), rel,
                                   schema["pattern"].encode("utf-8").hex(),
                                   test["data"].encode("utf-8").hex(), test["valid"])
                        except UnicodeEncodeError:
                            pass


def main():
    root, psql, module = sys.argv[1:4]
    rows = []
    for draft in sys.argv[4:]:
        rows.extend(cases(root, draft))
    script = ["CREATE FUNCTION pg_temp.gg_test_regex(text, text) RETURNS int"
              " AS '%s', 'gg_test_regex' LANGUAGE C STRICT;" % module,
              "CREATE TEMP TABLE p (id int, pat text, subj text);", "COPY p FROM STDIN;"]
    for i, r in enumerate(rows):
        script.append("%d\t%s\t%s" % (i, r[2], r[3]))
    script += ["\\.", "SELECT id, pg_temp.gg_test_regex(convert_from(decode(pat, 'hex'), 'UTF8'),"
               " convert_from(decode(subj, 'hex'), 'UTF8')) & 1 FROM p ORDER BY id;"]
    res = subprocess.run([psql, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"],
                         input="\n".join(script) + "\n", capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        print("FAIL unit:pattern-suite (psql failed)")
        return 1
    got = {}
    for line in res.stdout.splitlines():
        if line.strip():
            i, v = line.split("\t")
            got[int(i)] = v == "1"
    groups = {}
    for i, (name, rel, pat, subj, valid) in enumerate(rows):
        key = name.split("/")[0] + ":" + rel
        g = groups.setdefault(key, [0, 0])
        g[0] += 1
        if got.get(i) != valid:
            g[1] += 1
            sys.stderr.write("%s: /%s/ on %r: expected %s\n" % (
                name, bytes.fromhex(pat).decode(), bytes.fromhex(subj).decode(),
                "match" if valid else "no match"))
    rc = 0
    for key, (total, bad) in sorted(groups.items()):
        print("%s unit:pattern-suite:%s (%d/%d passed)" % ("FAIL" if bad else "PASS", key,
                                                          total - bad, total))
        rc |= bad > 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
