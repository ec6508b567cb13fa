#!/usr/bin/python3
"""Run the JSON Schema Test Suite against goodgo_events.

    conformance.py SUITE_ROOT RESULTS_FILE KNOWN_FAILURES [DRAFT ...]

Registers the suite's remotes with register_schema() as
http://localhost:1234/<path>, then for each draft runs the required tests
(format assertion off, as the suite prescribes) and optional/format (format
assertion on).  One line per test goes to RESULTS_FILE:

    PASS conformance:<draft>/<file>/<case>/<test>
    FAIL conformance:<draft>/<file>/<case>/<test> (<why>)
    SKIP conformance:<draft>/<file>/<case>/<test> (<reason>)

Tests holding U+0000 are not applicable (jsonb cannot store it).  Tests in
KNOWN_FAILURES are SKIPped with the reason given there, unless they now
pass, which is a FAIL: the list must stay honest.  Connection settings come
from the PG* environment variables.
"""
import json
import os
import sys
import time

import psycopg2

# The formats issue 3 requires; results for others are informational.
REQUIRED_FORMATS = {
    "date-time", "date", "time", "duration", "email", "hostname", "ipv4", "ipv6",
    "uri", "uri-reference", "uuid", "regex", "json-pointer", "relative-json-pointer",
}


def load_known(path):
    known = {}
    if not os.path.exists(path):
        return known
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            name, _, reason = line.partition(" | ")
            known[name.strip()] = reason.strip() or "known failure"
    return known


def has_nul(value):
    return "\\u0000" in json.dumps(value)


def register_remotes(cur, suite, draft):
    root = os.path.join(suite, "remotes")
    failed = []
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        top = rel_dir.split(os.sep)[0]
        # other drafts' remotes serve the cross-draft tests; v1 is unreleased
        if top == "v1":
            continue
        for fn in sorted(filenames):
            if not fn.endswith(".json"):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, fn)).replace(os.sep, "/")
            with open(os.path.join(dirpath, fn), encoding="utf-8") as f:
                doc = json.load(f)
            cur.execute("SAVEPOINT r")
            try:
                cur.execute("SELECT goodgo_events.register_schema(%s, %s::jsonb)",
                            ("http://localhost:1234/" + rel, json.dumps(doc)))
                cur.execute("RELEASE SAVEPOINT r")
                count += 1
            except psycopg2.Error as e:
                cur.execute("ROLLBACK TO SAVEPOINT r")
                failed.append((rel, e.pgerror.strip().splitlines()[0]))
    return count, failed


def run_file(cur, path, name_prefix, emit, known, record, counts):
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        schema = case["schema"]
        tests = case["tests"]
        names = ["%s/%s/%s" % (name_prefix, case["description"], t["description"]) for t in tests]
        runnable = []
        for t, name in zip(tests, names):
            if has_nul(schema) or has_nul(t["data"]):
                counts["na"] += 1
                emit("SKIP", name, "U+0000 not representable in jsonb", record)
            else:
                runnable.append((t, name))
        if not runnable:
            continue
        answers = None
        error = None
        cur.execute("SAVEPOINT c")
        try:
            # both modes: yes/no, and error collection, which must agree
            cur.execute(
                "SELECT goodgo_events.jsonschema_is_valid(s, d::jsonb),"
                "       goodgo_events.jsonschema_errors(s, d::jsonb) = '[]'"
                "  FROM (SELECT %s::jsonb AS s) c,"
                "       unnest(%s::text[]) WITH ORDINALITY AS u(d, n) ORDER BY n",
                (json.dumps(schema), [json.dumps(t["data"]) for t, _ in runnable]))
            rows = cur.fetchall()
            answers = [r[0] if r[0] == r[1] else None for r in rows]
            cur.execute("RELEASE SAVEPOINT c")
        except psycopg2.Error as e:
            cur.execute("ROLLBACK TO SAVEPOINT c")
            error = (e.pgerror or str(e)).strip().splitlines()[0]
        for i, (t, name) in enumerate(runnable):
            if error is not None:
                ok, why = False, error
            elif answers[i] is None:
                ok, why = False, "jsonschema_errors disagrees with jsonschema_is_valid"
            else:
                ok = answers[i] == t["valid"]
                why = "expected %s, got %s" % ("valid" if t["valid"] else "invalid",
                                               "valid" if answers[i] else "invalid")
            counts["total"] += 1
            if name in known:
                if ok:
                    counts["pass"] += 1
                    emit("FAIL", name, "listed as a known failure but passes: remove it from the list", record)
                else:
                    counts["known"] += 1
                    emit("SKIP", name, known[name], record)
            elif ok:
                counts["pass"] += 1
                emit("PASS", name, None, record)
            else:
                counts["fail"] += 1
                emit("FAIL", name, why, record)


def main():
    suite, results_path, known_path = sys.argv[1:4]
    drafts = sys.argv[4:] or ["draft2020-12", "draft7"]
    known = load_known(known_path)
    conn = psycopg2.connect("")
    conn.autocommit = False
    cur = conn.cursor()
    out = open(results_path, "a", encoding="utf-8")
    listed_failures = []

    def emit(status, name, why, record=True):
        if not record:
            return
        line = "%s conformance:%s" % (status, name)
        if why:
            line += " (%s)" % why
        out.write(line + "\n")
        if status == "FAIL":
            listed_failures.append(line)

    started = time.time()
    summary = []
    for draft in drafts:
        cur.execute("SET goodgo_events.default_json_schema_draft = %s", (draft,))
        cur.execute("SET goodgo_events.json_schema_format_assertion = off")
        nreg, bad = register_remotes(cur, suite, draft)
        for rel, msg in bad:
            # other drafts' remotes without $schema need their own draft's pass
            if rel.startswith("draft") and not rel.startswith(draft + "/"):
                continue
            print("warning: %s remote %s not registered: %s" % (draft, rel, msg))
        conn.commit()
        tdir = os.path.join(suite, "tests", draft)

        counts = dict(total=0, na=0, pas=0, fail=0, known=0, **{"pass": 0})
        for fn in sorted(os.listdir(tdir)):
            if fn.endswith(".json"):
                run_file(cur, os.path.join(tdir, fn), "%s/%s" % (draft, fn[:-5]), emit, known,
                         True, counts)
        conn.commit()
        summary.append("%s required: %d/%d passed (%.2f%%), %d known failures, %d not applicable (U+0000)"
                       % (draft, counts["pass"], counts["total"],
                          100.0 * counts["pass"] / max(counts["total"], 1),
                          counts["known"], counts["na"]))

        cur.execute("SET goodgo_events.json_schema_format_assertion = on")
        fdir = os.path.join(tdir, "optional", "format")
        req = dict(total=0, na=0, fail=0, known=0, **{"pass": 0})
        other = dict(total=0, na=0, fail=0, known=0, **{"pass": 0})
        if os.path.isdir(fdir):
            for fn in sorted(os.listdir(fdir)):
                if not fn.endswith(".json"):
                    continue
                fmt = fn[:-5]
                c = req if fmt in REQUIRED_FORMATS else other
                run_file(cur, os.path.join(fdir, fn), "%s/optional/format/%s" % (draft, fmt), emit,
                         known, True, c)
            conn.commit()
            summary.append("%s optional/format (required formats): %d/%d passed (%.2f%%), %d known failures"
                           % (draft, req["pass"], req["total"], 100.0 * req["pass"] / max(req["total"], 1),
                              req["known"]))
            summary.append("%s optional/format (other formats): %d/%d passed, %d known failures"
                           % (draft, other["pass"], other["total"], other["known"]))

        # the other optional tests (bignum, ecmascript-regex, ...): counted and
        # printed, not recorded; format assertion off as for the required ones
        cur.execute("SET goodgo_events.json_schema_format_assertion = off")
        odir = os.path.join(tdir, "optional")
        opt = dict(total=0, na=0, fail=0, known=0, **{"pass": 0})
        failed_opt = []
        if os.path.isdir(odir):
            for fn in sorted(os.listdir(odir)):
                if not fn.endswith(".json"):
                    continue
                before = opt["fail"]
                run_file(cur, os.path.join(odir, fn), "%s/optional/%s" % (draft, fn[:-5]), emit,
                         {}, False, opt)
                if opt["fail"] > before:
                    failed_opt.append("%s (%d)" % (fn[:-5], opt["fail"] - before))
            conn.commit()
            summary.append("%s optional, not recorded: %d/%d passed%s"
                           % (draft, opt["pass"], opt["total"],
                              "; failing in " + ", ".join(failed_opt) if failed_opt else ""))
    out.close()
    for line in summary:
        print(line)
    print("conformance run took %.1f s" % (time.time() - started))
    if listed_failures:
        print("%d failures:" % len(listed_failures))
        for line in listed_failures[:200]:
            print("  " + line)


if __name__ == "__main__":
    main()
