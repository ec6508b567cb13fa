# JSON Schema Test Suite (../shared/conformance/) against the validator:
# required tests of drafts 2020-12 and 7 (and 2019-09, 6, 4) with format assertion off,
# optional/format with it on.  One result line per test; known failures, with
# their reasons, are in test/conformance-known-failures.txt.
set -uo pipefail
cd "$GG_ROOT"
suite=${GG_JSON_SCHEMA_SUITE:-$GG_ROOT/../shared/conformance/JSON-Schema-Test-Suite}
if [ ! -d "$suite/tests" ]; then
	echo "SKIP conformance (no test suite at $suite)" >>"$GG_RESULTS"
	exit 0
fi
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS goodgo_events' >/dev/null || exit 1
/usr/bin/python3 test/conformance.py "$suite" "$GG_RESULTS" test/conformance-known-failures.txt \
	${GG_CONFORMANCE_DRAFTS:-draft2020-12 draft7 draft2019-09 draft6 draft4}
