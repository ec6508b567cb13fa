# Isolation proof of the registry cache (specs/registry_cache.spec) with
# pg_isolation_regress against the running throwaway cluster.  The Makefile's
# ISOLATION target (branch outbox) runs every spec; this suite runs the
# registry's on its own so it is checked even before that lands.
set -uo pipefail
cd "$GG_ROOT"
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
