# Isolation proof of the registry cache (specs/registry_cache.spec) with
# pg_isolation_regress against the running throwaway cluster, until the
# isolation suite of branch outbox (which runs every spec) is merged.
set -uo pipefail
cd "$GG_ROOT"
# Once the isolation suite (branch outbox) is merged it runs every spec,
# this one included: do not run it twice.
if [ -f test/suites/isolation.sh ]; then
	echo "SKIP registry_isolation:registry_cache (run by the isolation suite)" >>"$GG_RESULTS"
	exit 0
fi
iso=$("$GG_PGBIN/pg_config" --pgxs 2>/dev/null | sed 's|/src/makefiles/pgxs.mk$||')/src/test/isolation/pg_isolation_regress
[ -x "$iso" ] || iso=/usr/lib/postgresql/15/lib/pgxs/src/test/isolation/pg_isolation_regress
if [ ! -x "$iso" ]; then
	echo "SKIP registry_isolation:registry_cache (no pg_isolation_regress)" >>"$GG_RESULTS"
	exit 0
fi
out=$GG_ROOT/output_iso
mkdir -p "$out"
[ "$(id -u)" -eq 0 ] && chown postgres: "$out"
gg_run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
gg_run "$iso" --inputdir=. --outputdir="$out" --bindir="$GG_PGBIN" \
	--host="$PGHOST" --port="$PGPORT" --user="$PGUSER" \
	--dbname=registry_isolation --load-extension=goodgo_events registry_cache
rc=$?
if [ $rc -eq 0 ]; then
	echo "PASS registry_isolation:registry_cache" >>"$GG_RESULTS"
else
	echo "FAIL registry_isolation:registry_cache" >>"$GG_RESULTS"
	cat "$out/regression.diffs" 2>/dev/null
fi
exit 0
