# goodgo-relay under AddressSanitizer and UndefinedBehaviorSanitizer.
#
# Builds relay/ a second time, from a copy of its sources under $GG_TMP
# (the normal build's objects and binary are left alone), with
# -fsanitize=address,undefined -fno-omit-frame-pointer, then runs the
# end-to-end, kill, Redis-restart, overlap and Redis Cluster suites with that binary
# (GOODGO_RELAY_BIN).  Any sanitizer report aborts the relay
# (halt_on_error, -fno-sanitize-recover) and is written under
# $GG_TMP/asan/reports; the suite passes only when that directory is
# empty and every sub-suite passed.  Leaks are checked at every normal exit
# (SIGTERM, --once); a SIGKILLed relay is not checked, by nature.
# GG_ASAN_EVENTS (default 10000) sets the sub-suites' size (relay_redis needs
# enough events for its faults to land mid-drain).
set -uo pipefail
. "$GG_ROOT/test/lib.sh"
S=relay_asan
pass() { echo "PASS $S:$1" >>"$GG_RESULTS"; echo "PASS $S:$1"; }
fail() { echo "FAIL $S:$1" >>"$GG_RESULTS"; echo "FAIL $S:$1${2:+ ($2)}" >&2; }

dir=$GG_TMP/asan
rm -rf "$dir"
mkdir -p "$dir/src/relay" "$dir/reports"
chmod 777 "$dir/reports"
cp "$GG_ROOT"/relay/*.c "$GG_ROOT"/relay/*.h "$GG_ROOT"/relay/Makefile "$dir/src/relay/"
cp "$GG_ROOT/goodgo_events.control" "$dir/src/"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
if ! make -C "$dir/src/relay" -s PG_CFLAGS="$san ${GG_CFLAGS:-}" PG_LDFLAGS="$san" >"$dir/build.log" 2>&1; then
	cat "$dir/build.log" >&2
	fail build
	exit 0
fi
bin=$dir/src/relay/goodgo-relay
nm "$bin" >"$dir/symbols" 2>&1
if grep -q __asan_init "$dir/symbols" && grep -q __ubsan_handle "$dir/symbols"; then
	pass build_instrumented
else
	fail build_instrumented "no ASan/UBSan runtime in the binary"
	exit 0
fi

export GOODGO_RELAY_BIN=$bin
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=86:log_path=$dir/reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87:log_path=$dir/reports/ubsan"
export GG_RELAY_EVENTS=${GG_ASAN_EVENTS:-10000} GG_RELAY_KILLS=${GG_ASAN_KILLS:-6}

# The sanitizers must be live: --version exits through the normal path, and
# LeakSanitizer must be able to run in this environment (ptrace limits break it).
"$bin" --version >/dev/null 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -z "$(ls -A "$dir/reports")" ]; then pass version_clean; else fail version_clean "exit $rc"; fi

# Each sub-suite records into a results file of its own; its lines are
# copied here under this suite's name.  It works in a temporary directory of
# its own too: the same suites run again later in this run, and must not
# find this run's Redis directories (an append-only file would be loaded).
mkdir -p "$dir/tmp"
chmod 755 "$dir/tmp"
for s in relay_e2e relay_kill relay_redis relay_overlap relay_cluster; do
	r=$dir/results.$s
	: >"$r"
	chmod 666 "$r"
	GG_TMP=$dir/tmp GG_RESULTS=$r bash "$GG_ROOT/test/suites/$s.sh" >"$dir/$s.out" 2>&1 ||
		echo "FAIL $s:suite (exited non-zero)" >>"$r"
	[ -s "$r" ] || echo "FAIL $s:suite (ran no test)" >>"$r"
	sed -E "s/^(PASS|FAIL|SKIP) /\1 $S:/" "$r" >>"$GG_RESULTS"
	grep '^FAIL ' "$r" >&2
done

if [ -z "$(ls -A "$dir/reports")" ]; then
	pass no_sanitizer_reports
else
	fail no_sanitizer_reports "$(ls "$dir/reports" | wc -l) report(s)"
	head -40 "$dir"/reports/* >&2
fi
exit 0
