#!/usr/bin/python3
"""Differential check of the ECMA-262 translation (see test_regex.c).

    regex_diff.py CORPUS.tsv PSQL [NODE]

Runs every corpus row's ARE in PostgreSQL (subject ~ (are COLLATE "C"): the
engine and collation regex.c compiles with) and, when NODE is given, the
original pattern in node's RegExp with the "u" flag.  With GG_REGEX_MODULE set
to test/unit/pg's module, also runs regex.c itself in the server.  Prints one PASS/FAIL
line per check for $GG_RESULTS, and the first mismatches on stderr:

    fast-equals-are   the fast matcher agrees with the ARE engine
    are-equals-ecma   the ARE engine agrees with ECMA-262 (node)
    server-regex-c    JsonSchemaRegexMatch (fast or not) == ARE via regex.c == ARE via ~

    regex_diff.py --syntax FUZZ.tsv NODE

compares the "regex" format's syntax check on random patterns (test_regex
--fuzz) with node's RegExp constructor in Unicode mode.
"""
import os
import subprocess
import sys


SYNTAX_JS = r"""
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
const out = [];
for (const l of lines) {
  if (!l) continue;
  const [id, p] = l.split('\t');
  let ok = 1;
  try { new RegExp(Buffer.from(p, 'hex').toString('utf8'), 'u'); } catch (e) { ok = 0; }
  out.push(id + '\t' + ok);
}
process.stdout.write(out.join('\n') + '\n');
"""


def syntax(fuzz, node):
    """regex_diff.py --syntax FUZZ.tsv NODE: our syntax check == node's RegExp(p, 'u')."""
    rows = {}
    with open(fuzz, encoding="ascii") as f:
        for line in f:
            rid, pat, ours = line.rstrip("\n").split("\t")
            rows[rid] = (pat, ours)
    res = subprocess.run([node, "-e", SYNTAX_JS], capture_output=True, text=True,
                         input="".join("%s\t%s\n" % (rid, r[0]) for rid, r in rows.items()))
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        print("FAIL unit:regex:syntax-equals-ecma (node failed)")
        return 1
    bad = 0
    for line in res.stdout.splitlines():
        rid, ok = line.split("\t")
        if ok != rows[rid][1]:
            bad += 1
            if bad <= 20:
                sys.stderr.write("syntax: %r: ours %s, node %s\n" % (
                    bytes.fromhex(rows[rid][0]).decode("utf-8", "replace"), rows[rid][1], ok))
    print("%s unit:regex:syntax-equals-ecma (%d/%d random patterns)" % (
        "FAIL" if bad else "PASS", len(rows) - bad, len(rows)))
    return 1 if bad else 0


def main():
    if sys.argv[1] == "--syntax":
        return syntax(sys.argv[2], sys.argv[3])
    corpus, psql = sys.argv[1], sys.argv[2]
    node = sys.argv[3] if len(sys.argv) > 3 else None
    rows = []
    with open(corpus, encoding="ascii") as f:
        for line in f:
            rid, pat, are, subj, fast = line.rstrip("\n").split("\t")
            rows.append((int(rid), pat, are, subj, fast))

    # PostgreSQL: one COPY in, one query out.
    module = os.environ.get("GG_REGEX_MODULE")
    script = ["CREATE TEMP TABLE c (id int, pat text, are text, subj text);",
              "COPY c FROM STDIN;"]
    for rid, pat, are, subj, _ in rows:
        script.append("%d\t%s\t%s\t%s" % (rid, pat, are.replace("\\", "\\\\"), subj))
    script.append("\\.")
    if module:
        # regex.c itself, through test/unit/pg: main answer, ARE answer, has-fast
        script.append("CREATE FUNCTION pg_temp.gg_test_regex(text, text) RETURNS int"
                      " AS '%s', 'gg_test_regex' LANGUAGE C STRICT;" % module)
        mod = ("pg_temp.gg_test_regex(convert_from(decode(pat, 'hex'), 'UTF8'),"
               " convert_from(decode(subj, 'hex'), 'UTF8'))")
    else:
        mod = "-1"
    script.append("SELECT id, (convert_from(decode(subj, 'hex'), 'UTF8') ~ (are COLLATE \"C\"))::int,"
                  " %s FROM c ORDER BY id;" % mod)
    res = subprocess.run([psql, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"],
                         input="\n".join(script) + "\n", capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        print("FAIL unit:regex:fast-equals-are (psql failed)")
        return 1
    are_result = {}
    mod_result = {}
    for line in res.stdout.splitlines():
        if line.strip():
            rid, v, m = line.split("\t")
            are_result[int(rid)] = v
            mod_result[int(rid)] = int(m)
    rc = 0

    if module:
        # In the server, through regex.c: JsonSchemaRegexMatch == the ARE
        # engine run by regex.c == the corpus' ARE under "~", and the fast
        # program exists exactly when the pure-C translator built one.
        bad = 0
        for rid, pat, are, subj, fast in rows:
            m = mod_result[rid]
            main_ans, slow_ans, has_fast = m & 1, (m >> 1) & 1, (m >> 2) & 1
            ok = (main_ans == slow_ans and str(slow_ans) == are_result[rid]
                  and has_fast == (fast != "-"))
            if not ok:
                bad += 1
                if bad <= 20:
                    sys.stderr.write("regex.c: /%s/ on %r: match %d, ARE via regex.c %d, "
                                     "ARE via ~ %s, fast program %d\n" % (
                                         bytes.fromhex(pat).decode(), bytes.fromhex(subj).decode(),
                                         main_ans, slow_ans, are_result[rid], has_fast))
        print("%s unit:regex:server-regex-c (%d/%d rows)" % ("FAIL" if bad else "PASS",
                                                            len(rows) - bad, len(rows)))
        rc |= bad > 0

    bad = 0
    nfast = 0
    for rid, pat, are, subj, fast in rows:
        if fast == "-":
            continue
        nfast += 1
        if fast != are_result.get(rid):
            bad += 1
            if bad <= 20:
                sys.stderr.write("fast != ARE: /%s/ on %r: fast %s, ARE %s\n" % (
                    bytes.fromhex(pat).decode(), bytes.fromhex(subj).decode(), fast,
                    are_result.get(rid)))
    print("%s unit:regex:fast-equals-are (%d/%d rows)" % ("FAIL" if bad else "PASS",
                                                         nfast - bad, nfast))
    rc |= bad > 0

    if node:
        js = r"""
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
const out = [];
const cache = new Map();
for (const l of lines) {
  if (!l) continue;
  const [id, p, s] = l.split('\t');
  let re = cache.get(p);
  if (re === undefined) {
    try { re = new RegExp(Buffer.from(p, 'hex').toString('utf8'), 'u'); }
    catch (e) { re = null; }
    cache.set(p, re);
  }
  out.push(id + '\t' + (re === null ? 'E' : (re.test(Buffer.from(s, 'hex').toString('utf8')) ? '1' : '0')));
}
process.stdout.write(out.join('\n') + '\n');
"""
        inp = "".join("%d\t%s\t%s\n" % (rid, pat, subj) for rid, pat, _, subj, _ in rows)
        res = subprocess.run([node, "-e", js], input=inp, capture_output=True, text=True)
        if res.returncode != 0:
            sys.stderr.write(res.stderr)
            print("FAIL unit:regex:are-equals-ecma (node failed)")
            return 1
        bad = 0
        for line in res.stdout.splitlines():
            rid, v = line.split("\t")
            rid = int(rid)
            if v != are_result.get(rid):
                bad += 1
                if bad <= 20:
                    r = rows[rid]
                    sys.stderr.write("ARE != ECMA: /%s/ on %r: ARE %s, node %s\n" % (
                        bytes.fromhex(r[1]).decode(), bytes.fromhex(r[3]).decode(),
                        are_result.get(rid), v))
        print("%s unit:regex:are-equals-ecma (%d/%d rows)" % ("FAIL" if bad else "PASS",
                                                             len(rows) - bad, len(rows)))
        rc |= bad > 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
