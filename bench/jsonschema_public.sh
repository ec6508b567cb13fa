#!/usr/bin/env bash
# bench/jsonschema_public.sh: our validator against Blaze on the public
# jsonschema-benchmark data set (real schemas, each with a JSONL file of
# instances, every instance valid).
#
#   bash bench/jsonschema_public.sh DIR [ROUNDS [MINROWS [LOOP [RUNS [MAXMB [REPEAT]]]]]]
#
# DIR is a checkout of github.com/sourcemeta-research/jsonschema-benchmark
# (only schemas/*/schema.json and schemas/*/instances.jsonl are read; a
# schema without its instances file is skipped).  Blaze is the native CLI of
# the npm package @sourcemeta/jsonschema: $BLAZE, or `jsonschema` on PATH,
# or BLAZE_PREFIX/node_modules/... after `npm install --prefix BLAZE_PREFIX
# @sourcemeta/jsonschema`.
#
# As the benchmark's own harness does, every implementation gets the schema
# without its "format" keywords (schema-noformat.json: a "format" member is
# dropped unless it holds a non-empty object or array), and format assertion
# is off on both sides (our GUC; Blaze without --format-assertion).  The
# dialect is the schema's $schema, draft 7 when it has none (our
# default_json_schema_draft, Blaze's --default-dialect).
#
# Per schema:
#  - ours: the instances go into a jsonb table (repeated to MINROWS rows,
#    default 50,000, or to MAXMB MB of JSON, default 32, when that is less),
#    compressed with lz4 where the server has it (the storage
#    doc/jsonschema.md recommends for documents validated again).  ROUNDS
#    (default 15) scans that validate every row REPEAT times (default 3, as
#    Blaze times each instance LOOP times), each between two baseline scans
#    that read every document as often (jsonb_typeof, so detoasting is in
#    both) with the same schema literal; in RUNS batches, one backend each
#    after a warm-up that compiles the schema, each batch right after one of
#    Blaze's runs (the machine's speed drifts over the minute a schema
#    takes: both sides see the same drift).  Per round, the on-CPU time of
#    the backend (/proc/self/schedstat) of the validating scan minus the
#    mean of the two baseline scans around it; ours = the median of the
#    rounds, per row and validation.  (A baseline scan here moves by +-20 % from one scan to the
#    next, more than the validation of a tiny document adds: the medians of
#    7 unpaired scans of 10,000 rows, as this bench first took, gave
#    helm-chart-lock 0.07 to 0.31 us from run to run.  Decompressing the
#    large documents was most of importmap's baseline scan with pglz, and
#    its figure moved 0.04 to 0.37 us between runs; with lz4 and 3
#    validations a row, 6 runs of helm-chart-lock gave 0.126 to 0.134 us,
#    against 0.122 to 0.138 with one, the same medians.)
#  - Blaze: `jsonschema validate --benchmark --loop LOOP --fast`, which
#    compiles once and times every instance LOOP times, RUNS times; Blaze =
#    the mean over the instances of the median of the RUNS per-instance
#    means (a sub-microsecond instance's mean varies several-fold from one
#    run to the next on a shared machine).
#  - the verdict of every instance on both sides; every instance of the data
#    set is valid, so a FAIL on either side is printed and counted.
# Then the ratio ours/Blaze per schema, its geometric mean and the worst.
# A schema we refuse to compile is reported and left out of the mean.
#
# Uses its own throwaway cluster (test/lib.sh), with jit and parallel query
# off.  Not part of CI; 3 to 8 minutes on 2 shared cores.
set -euo pipefail
DIR=${1:?usage: bench/jsonschema_public.sh DIR [ROUNDS [MINROWS [LOOP [RUNS [MAXMB [REPEAT]]]]]]}
ROUNDS=${2:-15}
MINROWS=${3:-50000}
LOOP=${4:-100}
RUNS=${5:-5}
MAXMB=${6:-32}
REPEAT=${7:-3}
DIR=$(cd "$DIR" && pwd)
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"
[ -d "$DIR/schemas" ] || gg_die "no schemas/ under $DIR"

BLAZE=${BLAZE:-}
if [ -z "$BLAZE" ]; then
	for b in "${BLAZE_PREFIX:-/nonexistent}/node_modules/@sourcemeta/jsonschema/build/github-releases/jsonschema-linux-x86_64" \
		"$(command -v jsonschema || true)"; do
		[ -n "$b" ] && [ -x "$b" ] && { BLAZE=$b; break; }
	done
fi
[ -n "$BLAZE" ] || gg_die "no Blaze CLI: set BLAZE or BLAZE_PREFIX (npm install --prefix DIR @sourcemeta/jsonschema)"

GG_PG_EXTRA_CONF="jit = off
max_parallel_workers_per_gather = 0"
gg_build_install
gg_start_pg
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -At)
"${PSQL[@]}" -c "CREATE EXTENSION goodgo_events"
gg_log "Blaze: $("$BLAZE" version 2>&1 | head -1)"
# lz4 where the server was built with it
COMPRESSION=
if "${PSQL[@]}" -c "CREATE TEMP TABLE lz4_probe (j jsonb COMPRESSION lz4)" >/dev/null 2>&1; then
	COMPRESSION="COMPRESSION lz4"
fi
gg_log "documents stored ${COMPRESSION:-with the default compression}; $REPEAT validations a row"

W=$GG_TMP/public
mkdir -p "$W"
chmod 755 "$W"

# schema-noformat.json, the dialect's GUC value and URI, and the rows to COPY
prepare() {
	python3 - "$1" "$2" "$MINROWS" "$MAXMB" <<'PY'
import json, sys, math
src, out, minrows, maxmb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items()
                if not (k == "format" and not (isinstance(x, (dict, list)) and x))}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v

schema = json.load(open(src + "/schema.json"))
if isinstance(schema, dict):
    schema = strip(schema)
json.dump(schema, open(out + "/schema.json", "w"))
dialects = {
    "http://json-schema.org/draft-04/schema": "draft4",
    "http://json-schema.org/draft-06/schema": "draft6",
    "http://json-schema.org/draft-07/schema": "draft7",
    "https://json-schema.org/draft/2019-09/schema": "draft2019-09",
    "https://json-schema.org/draft/2020-12/schema": "draft2020-12",
}
uri = schema.get("$schema", "http://json-schema.org/draft-07/schema#") if isinstance(schema, dict) else "http://json-schema.org/draft-07/schema#"
print(dialects.get(uri.rstrip("#"), "draft7"))
lines = [l for l in open(src + "/instances.jsonl") if l.strip()]
size = sum(len(l) for l in lines)
copies = max(1, min(math.ceil(minrows / len(lines)), (maxmb << 20) // size))
with open(out + "/rows.copy", "w") as f:
    for c in range(copies):
        for i, l in enumerate(lines):
            doc = json.dumps(json.loads(l)).replace("\\", "\\\\")
            f.write("%d\t%d\t%s\n" % (i, c, doc))
print(len(lines), len(lines) * copies)
PY
}

blaze_run() {
	"$BLAZE" validate "$w/schema.json" "$sd/instances.jsonl" --benchmark --loop "$LOOP" --fast \
		--default-dialect "http://json-schema.org/draft-07/schema#" >"$w/blaze.$1.out" 2>&1 || true
}

# Blaze's runs: the mean over the instances of the median per-instance
# time, and the verdicts (1 valid, 0 not) in instance order
blaze_summary() {
	python3 - "$ndocs" "$w"/blaze.*.out <<'PY'
import re, sys, statistics
n = int(sys.argv[1])
v = {}
t = {}
for f in sys.argv[2:]:
    for line in open(f):
        m = re.search(r"\[(\d+)\]: (PASS|FAIL)\s+([0-9.]+)?", line)
        if m:
            i = int(m.group(1))
            # one FAIL in any run makes the verdict FAIL
            v[i] = min(v.get(i, "1"), "1" if m.group(2) == "PASS" else "0")
            if m.group(3):
                t.setdefault(i, []).append(float(m.group(3)))
med = [statistics.median(x) for x in t.values()]
print("%.4f" % (sum(med) / len(med)) if med else "nan",
      "".join(v.get(i, "?") for i in range(1, n + 1)))
PY
}

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-24s %6s %7s %10s %10s %8s  %s\n' schema docs rows "ours µs" "Blaze µs" ratio verdicts
RESULTS=$W/results
: >"$RESULTS"
for sd in "$DIR"/schemas/*/; do
	name=$(basename "$sd")
	if [ ! -f "$sd/schema.json" ] || [ ! -f "$sd/instances.jsonl" ]; then
		printf '%-24s skipped: no schema.json or instances.jsonl\n' "$name"
		continue
	fi
	w=$W/$name
	mkdir -p "$w"
	{ read -r dialect; read -r ndocs nrows; } < <(prepare "$sd" "$w")
	chmod -R a+r "$w"

	# ours: load, then time in one backend
	"${PSQL[@]}" -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS docs; CREATE TABLE docs (i int, c int, doc jsonb $COMPRESSION)" \
		-c "\\copy docs FROM '$w/rows.copy'" -c "VACUUM ANALYZE docs"
	set +e
	out=$(PGOPTIONS="-c goodgo_events.json_schema_format_assertion=off -c goodgo_events.default_json_schema_draft=$dialect" \
		"${PSQL[@]}" 2>&1 <<SQL
\\set s \`cat '$w/schema.json'\`
SELECT string_agg(CASE WHEN goodgo_events.jsonschema_is_valid(:'s'::jsonb, doc) THEN '1' ELSE '0' END, '' ORDER BY i)
  FROM docs WHERE c = 0;
SQL
)
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		for r in $(seq "$RUNS"); do blaze_run "$r"; done
		read -r blaze_us blaze_verdicts < <(blaze_summary)
		printf '%-24s %6s %7s %10s %10s %8s  ours: %s\n' "$name" "$ndocs" "$nrows" error "$blaze_us" - \
			"$(echo "$out" | grep -m1 -E 'ERROR' | cut -c1-90)"
		echo "$name error $blaze_us" >>"$RESULTS"
		continue
	fi
	ours_verdicts=$(echo "$out" | head -1)
	# timing rounds, one backend a batch; the batches alternate with Blaze's
	# runs, so that the machine's drift over the minute this takes falls on
	# both sides
	script=$w/time.sql
	{
		printf '%s\n' "\\set s \`cat '$w/schema.json'\`"
		printf '%s\n' "SELECT count(*) FROM docs WHERE goodgo_events.jsonschema_is_valid(:'s'::jsonb, doc) \\g /dev/null"
		# baseline, validating, baseline, ..., baseline: each validating
		# scan between two baseline scans
		# each row read REPEAT times on both sides: a sum of REPEAT terms
		base=$(for k in $(seq "$REPEAT"); do printf ' + (jsonb_typeof(doc) IS NOT NULL AND :'"'"'s'"'"'::jsonb IS NOT NULL)::int'; done)
		val=$(for k in $(seq "$REPEAT"); do printf ' + goodgo_events.jsonschema_is_valid(:'"'"'s'"'"'::jsonb, doc)::int'; done)
		for r in $(seq $(((ROUNDS + RUNS - 1) / RUNS))) end; do
			for sum in "${base# + }" "${val# + }"; do
				[ "$r" = end ] && [ "$sum" = "${val# + }" ] && continue
				printf '%s\n' "SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS t0 \\gset"
				printf '%s\n' "SELECT sum($sum) FROM docs \\g /dev/null"
				printf '%s\n' "SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :t0;"
			done
		done
	} >"$script"
	diffs=
	for r in $(seq "$RUNS"); do
		blaze_run "$r"
		times=$(PGOPTIONS="-c goodgo_events.json_schema_format_assertion=off -c goodgo_events.default_json_schema_draft=$dialect" \
			"${PSQL[@]}" -f "$script")
		# per round: the validating scan minus the mean of the baseline
		# scans around it
		diffs="$diffs $(echo "$times" | awk '{ t[NR] = $1 } END { for (i = 2; i < NR; i += 2) print t[i] - (t[i - 1] + t[i + 1]) / 2 }' | tr '\n' ' ')"
	done
	read -r blaze_us blaze_verdicts < <(blaze_summary)

	# the median of all rounds
	diff=$(echo "$diffs" | median)
	ours_us=$(awk -v d="$diff" -v n="$nrows" -v k="$REPEAT" 'BEGIN { printf "%.4f", d / 1000 / n / k }')
	ratio=$(awk -v o="$ours_us" -v b="$blaze_us" 'BEGIN { if (b + 0 > 0) printf "%.2f", o / b; else print "nan" }')
	if [ "$ours_verdicts" = "$blaze_verdicts" ] && [[ "$ours_verdicts" =~ ^1+$ ]]; then
		verdicts="all $ndocs valid on both"
	else
		verdicts=$(python3 -c '
import sys
o, b = sys.argv[1], sys.argv[2]
bad = [str(i) for i in range(len(o)) if o[i] != "1" or i >= len(b) or b[i] != "1"]
print("DIFFER (0-based lines not valid on both: %s%s); ours %d valid, Blaze %d valid" % (
    " ".join(bad[:10]), " ..." if len(bad) > 10 else "", o.count("1"), b.count("1")))' \
			"$ours_verdicts" "$blaze_verdicts")
	fi
	printf '%-24s %6s %7s %10s %10s %8s  %s\n' "$name" "$ndocs" "$nrows" "$ours_us" "$blaze_us" "$ratio" "$verdicts"
	echo "$name $ours_us $blaze_us $ratio $([ "${verdicts#all}" != "$verdicts" ] && echo same || echo differ)" >>"$RESULTS"
done

awk '
$2 != "error" && $4 + 0 > 0 { n++; s += log($4); if ($4 > w) { w = $4; wn = $1 } if ($5 != "same") d++ }
$2 == "error" { e++; en = en " " $1 }
END {
	printf "\n%d schemas timed: geometric mean ours/Blaze %.2f, worst %.2f (%s); verdicts differ on %d\n",
		n, exp(s / n), w, wn, d + 0
	if (e) printf "%d schemas refused by us:%s\n", e, en
}' "$RESULTS"
