# Property test of the compatibility checker (issue 16): random schema pairs
# (a writer and an edit of it), at least 20 values generated from each writer
# and checked valid against it; a "compatible" verdict must never meet a value
# the reader rejects, and every witness must be valid under the writer and
# invalid under the reader (test/compat_property.py says how).
#
#   GG_COMPAT_PAIRS  pairs to check (default 2000; more on demand)
#   GG_COMPAT_SEED   first random seed (default 1)
set -uo pipefail
cd "$GG_ROOT"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS goodgo_events' >/dev/null || exit 1
/usr/bin/python3 test/compat_property.py "${GG_COMPAT_PAIRS:-2000}" "${GG_COMPAT_SEED:-1}" "$GG_RESULTS"
