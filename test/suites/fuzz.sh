# Short libFuzzer runs (ASan + UBSan) of the parsers that see untrusted text
# outside a server: one result per target.  GG_FUZZ_SECONDS per target
# (default 20).  A target whose code is not in the tree (relay_url before the
# relay is merged) is skipped.  The long run is in doc/hardening.md.
set -uo pipefail
cd "$GG_ROOT"
. test/lib.sh
# clang and its libFuzzer runtime are not in lib.sh's base list.
GG_PACKAGES="clang-14 libclang-rt-14-dev" gg_packages
secs=${GG_FUZZ_SECONDS:-20}
rc=0
for t in $(bash test/fuzz/run.sh list); do
	log=$GG_TMP/fuzz-$t.log
	GG_FUZZ_DIR=$GG_TMP/fuzz bash test/fuzz/run.sh "$t" "$secs" >"$log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ $st -eq 0 ] && [ -n "$runs" ]; then
		echo "PASS fuzz:$t ($runs inputs in ${secs}s)" >>"$GG_RESULTS"
	elif [ $st -eq 77 ]; then
		echo "SKIP fuzz:$t ($(tail -1 "$log"))" >>"$GG_RESULTS"
	else
		grep -E -A30 'ERROR:|runtime error|SUMMARY|deadly signal' "$log" | head -80
		tail -20 "$log"
		ls "$GG_TMP/fuzz/$t/" 2>/dev/null | grep -E '^(crash|leak|timeout|oom)-' | sed 's/^/  artifact: /'
		echo "FAIL fuzz:$t" >>"$GG_RESULTS"
		rc=1
	fi
done
exit $rc
