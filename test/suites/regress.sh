# pg_regress: sql/*.sql against expected/*.out (make installcheck).
# Records one result per test file; prints regression.diffs on failure.
set -uo pipefail
cd "$GG_ROOT"
out=$GG_TMP/regress.out
make -s installcheck PG_CFLAGS="${GG_CFLAGS:-}" >"$out" 2>&1
rc=$?
cat "$out"
# PostgreSQL 15 prints "test name ... ok"; 16 and later print TAP lines.
sed -nE 's/^(test +|ok [0-9]+ +[-+] +)?([a-z0-9_]+) +\.\.\. ok.*/PASS regress:\2/p;
	s/^ok [0-9]+ +[-+] +([a-z0-9_]+) .*/PASS regress:\1/p;
	s/^(test +)?([a-z0-9_]+) +\.\.\. FAILED.*/FAIL regress:\2/p;
	s/^not ok [0-9]+ +[-+] +([a-z0-9_]+) .*/FAIL regress:\1/p' "$out" >>"$GG_RESULTS"
if [ $rc -ne 0 ] && [ -f regression.diffs ]; then
	echo "---- regression.diffs ----"
	cat regression.diffs
fi
exit $rc
