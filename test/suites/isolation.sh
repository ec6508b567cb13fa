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
pgxs=$(dirname "$(pg_config --pgxs)")/..
out=$GG_TMP/isolation.out
"$pgxs/test/isolation/pg_isolation_regress" --inputdir=. --outputdir=output_iso \
	--bindir="$GG_PGBIN" --load-extension=goodgo_events \
	--host="$PGHOST" --port="$PGPORT" --user="$PGUSER" \
	--dbname=isolation_regression $specs >"$out" 2>&1
rc=$?
cat "$out"
sed -nE 's/^(test +)?([a-z0-9_]+) +\.\.\. ok.*/PASS isolation:\2/p;
	s/^(test +)?([a-z0-9_]+) +\.\.\. FAILED.*/FAIL isolation:\2/p' "$out" >>"$GG_RESULTS"
if [ $rc -ne 0 ] && [ -f output_iso/regression.diffs ]; then
	echo "---- output_iso/regression.diffs ----"
	cat output_iso/regression.diffs
fi
exit $rc
