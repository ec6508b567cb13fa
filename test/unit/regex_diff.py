#!/usr/bin/python3
"""Differential check of the ECMA-262 translation (see test_regex.c).

    regex_diff.py CORPUS.tsv PSQL [NODE]

Runs every corpus row's ARE in PostgreSQL (subject ~ (are COLLATE "C"): the
engine and collation regex.c compiles with) and, when NODE is given, the
original pattern in node's RegExp with the "u" flag.  Prints one PASS/FAIL
line per check for $GG_RESULTS, and the first mismatches on stderr:

    fast-equals-are   the fast matcher agrees with the ARE engine
    are-equals-ecma   the ARE engine agrees with ECMA-262 (node)
"""
import subprocess
import sys


def main():
    corpus, psql = sys.argv[1], sys.argv[2]
    node = sys.argv[3] if len(sys.argv) > 3 else None
    rows = []
    with open(corpus, encoding="ascii") as f:
        for line in f:
            rid, pat, are, subj, fast = line.rstrip("\n").split("\t")
            rows.append((int(rid), pat, are, subj, fast))

    # PostgreSQL: one COPY in, one query out.
    script = ["CREATE TEMP TABLE c (id int, are text, subj text);",
              "COPY c FROM STDIN;"]
    for rid, _, are, subj, _ in rows:
        script.append("%d\t%s\t%s" % (rid, are.replace("\\", "\\\\"), subj))
    script.append("\\.")
    script.append("SELECT id, (convert_from(decode(subj, 'hex'), 'UTF8') ~ (are COLLATE \"C\"))::int"
                  " FROM c ORDER BY id;")
    res = subprocess.run([psql, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"],
                         input="\n".join(script) + "\n", capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        print("FAIL unit:regex:fast-equals-are (psql failed)")
        return 1
    are_result = {}
    for line in res.stdout.splitlines():
        if line.strip():
            rid, v = line.split("\t")
            are_result[int(rid)] = v
    rc = 0

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
