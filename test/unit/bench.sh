#!/usr/bin/env bash
# test/unit/bench.sh: CPU cost of the format checkers and of regex matching.
#
# Part 1 runs bench_format (plain C, -O2).  Part 2 starts a throwaway server
# (test/lib.sh; set GG_PGPORT_BASE) and times JsonSchemaRegexMatch per call
# inside the backend, fast path against the ARE engine on the same compiled
# regex, through test/unit/pg.  Numbers only: a benchmark is not a test.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$GG_ROOT"
gg_tmp
src=src/jsonschema
cc -std=gnu99 -O2 -I"$src" test/unit/bench_format.c $src/format.c $src/ecma_regex.c -o "$GG_TMP/bench_format"
"$GG_TMP/bench_format" "${1:-2000000}"

GG_PGBIN=$GG_SYS_BIN
cp -r test/unit/pg "$GG_TMP/pg"
make -C "$GG_TMP/pg" -s GG_SRC="$GG_ROOT/src" >/dev/null
gg_start_pg
echo
"$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE FUNCTION pg_temp.bench(text, text, int, bool) RETURNS float8
	AS '$GG_TMP/pg/gg_regex_test.so', 'gg_test_regex_bench' LANGUAGE C STRICT;
SELECT p AS pattern, s AS subject,
	   round(pg_temp.bench(p, s, 1000000, false)::numeric, 1) AS "JsonSchemaRegexMatch ns",
	   round(pg_temp.bench(p, s, 1000000, true)::numeric, 1) AS "ARE engine ns"
  FROM (VALUES ('^[A-Z]{3}\$', 'USD'), ('^[A-Z]{2}\$', 'VN'),
			   ('^\\d{4}-\\d{2}-\\d{2}\$', '2026-11-27'), ('^\\p{L}+\$', 'été'),
			   ('^[a-z]+(?:\\.[a-z]+)+\$', 'payment.completed')) v(p, s);
SQL
