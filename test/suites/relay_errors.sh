# goodgo-relay's failure classification (relay/status.c): which Redis replies
# and PostgreSQL errors are permanent (--once exits 1 at once) and which are
# transient (retried; --once gives up after --once-timeout).  A unit test,
# built with plain cc against the relay's own status.c and util.c; it needs
# no server.
set -uo pipefail
cd "$GG_ROOT"
out=$GG_TMP/relay_errors
mkdir -p "$out"
if ! cc -std=gnu99 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE ${GG_CFLAGS:-} -I"$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)" \
	-Irelay test/unit/test_relay_errors.c relay/status.c relay/util.c -lpthread \
	-o "$out/test_relay_errors" >"$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "FAIL relay_errors:build" >>"$GG_RESULTS"
	exit 0
fi
"$out/test_relay_errors" | tee -a "$GG_RESULTS" | grep -v '^PASS' || true
exit 0
