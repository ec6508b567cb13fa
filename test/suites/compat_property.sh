# Soundness tests of the compatibility checker (issue 16).
#
#   1. test/compat_property.py: random schema pairs (a writer and an edit of
#      it), at least 20 values generated from each writer and checked valid
#      against it; a "compatible" verdict must never meet a value the reader
#      rejects, and every witness must be valid under the writer and invalid
#      under the reader.  GG_COMPAT_PAIRS pairs (default 2000; more on
#      demand), first seed GG_COMPAT_SEED (default 1).
#   2. test/compat_conformance.py: every pair of schemas within each file of
#      the JSON Schema Test Suite (drafts 4 to 2020-12), the file's test
#      instances as values, the same two properties (GG_JSON_SCHEMA_SUITE, as
#      for the conformance suite).
set -uo pipefail
cd "$GG_ROOT"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS goodgo_events' >/dev/null || exit 1
rc=0
/usr/bin/python3 test/compat_property.py "${GG_COMPAT_PAIRS:-2000}" "${GG_COMPAT_SEED:-1}" "$GG_RESULTS" || rc=1
suite=${GG_JSON_SCHEMA_SUITE:-$GG_ROOT/../shared/conformance/JSON-Schema-Test-Suite}
if [ -d "$suite/tests" ]; then
	/usr/bin/python3 test/compat_conformance.py "$suite/tests" "$GG_RESULTS" || rc=1
else
	echo "SKIP compat_property:conformance_schemas (no test suite at $suite)" >>"$GG_RESULTS"
fi
exit $rc
