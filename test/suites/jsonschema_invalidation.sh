# Compiled JSON Schemas are invalidated in other backends when
# schema_documents changes (committed changes only).
set -uo pipefail
cd "$GG_ROOT"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS goodgo_events' >/dev/null || exit 1
/usr/bin/python3 test/jsonschema_invalidation.py "$GG_RESULTS"
