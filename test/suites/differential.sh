# Randomized differential test of jsonschema_is_valid against python
# jsonschema (test/differential.py): a short seeded run, one result per
# seed.  GG_DIFF_SEEDS (default "1 2") and GG_DIFF_CASES (default 2000)
# lengthen it; the long run is in doc/hardening.md.
set -uo pipefail
cd "$GG_ROOT"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS goodgo_events' >/dev/null || exit 1
# python jsonschema 4.26 (the version the research measured); the image's
# python3 has it, Debian's python3-jsonschema (4.10) does not follow the
# spec on $dynamicRef and unevaluated*, so it is not a reference here.
py=python3
if ! $py -c 'import jsonschema, sys; from importlib.metadata import version; sys.exit(0 if tuple(map(int, version("jsonschema").split(".")[:2])) >= (4, 18) else 1)' 2>/dev/null; then
	echo "SKIP differential (python jsonschema >= 4.18 is not installed)" >>"$GG_RESULTS"
	exit 0
fi
rc=0
for seed in ${GG_DIFF_SEEDS:-1 2}; do
	$py test/differential.py --seed "$seed" --cases "${GG_DIFF_CASES:-2000}" \
		--psql "$GG_PGBIN/psql" --results "$GG_RESULTS" || rc=1
done
exit $rc
