# The UBSan pass (GG_UBSAN=1, see test/lib.sh): run after the suites it
# covers, e.g. GG_UBSAN=1 bash test/run-all regress conformance hostile ubsan.
# Checks that the installed module really is instrumented (so the pass is
# not silently a plain one) and that the server log has no UBSan report.
# Without GG_UBSAN it has nothing to check and says so.
set -uo pipefail
if [ -z "${GG_UBSAN:-}" ]; then
	echo "SKIP ubsan (not a GG_UBSAN=1 run)" >>"$GG_RESULTS"
	exit 0
fi
so=$(find "$GG_INST" -name goodgo_events.so | head -1)
# (grep -c, not -q: with pipefail, nm killed by SIGPIPE would fail the test)
if [ -n "$so" ] && [ "$(nm -D "$so" | grep -c '__ubsan_handle_')" -gt 0 ]; then
	echo "PASS ubsan:instrumented" >>"$GG_RESULTS"
else
	echo "FAIL ubsan:instrumented (no __ubsan_handle_ symbol in ${so:-goodgo_events.so})" >>"$GG_RESULTS"
fi
n=$(grep -c 'runtime error:' "$GG_TMP/postgres.log")
if [ "$n" -eq 0 ]; then
	echo "PASS ubsan:no-reports" >>"$GG_RESULTS"
else
	grep -B2 -A20 'runtime error:' "$GG_TMP/postgres.log" | head -100
	echo "FAIL ubsan:no-reports ($n in the server log)" >>"$GG_RESULTS"
fi
exit 0
