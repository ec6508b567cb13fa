# Isolation specs (specs/*.spec) through pg_isolation_regress, against the
# running throwaway cluster.  Records one result per spec.
set -uo pipefail
cd "$GG_ROOT"
specs=$(make -s --no-print-directory -f - print-specs <<'MK'
include Makefile
print-specs:
	@echo $(ISOLATION_SPECS)
MK
)
[ -n "$specs" ] || { echo "SKIP isolation (no specs)" >>"$GG_RESULTS"; exit 0; }
pgxs=$(dirname "$("${PG_CONFIG:-pg_config}" --pgxs)")/..
out=$GG_TMP/isolation.out
"$pgxs/test/isolation/pg_isolation_regress" --inputdir=. --outputdir=output_iso \
	--bindir="$GG_PGBIN" --load-extension=goodgo_events \
	--host="$PGHOST" --port="$PGPORT" --user="$PGUSER" \
	--dbname=isolation_regression $specs >"$out" 2>&1
rc=$?
cat "$out"
# PostgreSQL 15 prints "test name ... ok"; 16 and later print TAP lines
# ("ok 1 - name  12 ms", "not ok 2 - name  30 ms").
sed -nE 's/^(test +)?([a-z0-9_]+) +\.\.\. ok.*/PASS isolation:\2/p;
	s/^ok [0-9]+ +[-+] +([a-z0-9_]+) .*/PASS isolation:\1/p;
	s/^(test +)?([a-z0-9_]+) +\.\.\. FAILED.*/FAIL isolation:\2/p;
	s/^not ok [0-9]+ +[-+] +([a-z0-9_]+) .*/FAIL isolation:\1/p' "$out" >>"$GG_RESULTS"
# Every spec has its line: a spec missing from the output (a format this sed
# does not know, a crash of the driver) is a failure, not a silent pass.
for s in $specs; do
	grep -qE "^(PASS|FAIL) isolation:$s\$" "$GG_RESULTS" ||
		echo "FAIL isolation:$s (no result line in the pg_isolation_regress output)" >>"$GG_RESULTS"
done
if [ $rc -ne 0 ] && [ -f output_iso/regression.diffs ]; then
	echo "---- output_iso/regression.diffs ----"
	cat output_iso/regression.diffs
fi
exit $rc
