# Unit tests of the pure-C parts of the JSON Schema library (format checkers,
# ECMA-262 regex translator and fast matcher), built with plain cc and run
# without a server.  With a compiler that has them, built with AddressSanitizer
# and UBSan, so a read past the end of a string fails the test.  Each program
# prints PASS/FAIL lines that go to $GG_RESULTS; details go to the log.
set -uo pipefail
cd "$GG_ROOT"
src=src/jsonschema
out=$GG_TMP/unit
mkdir -p "$out"
suite=$GG_ROOT/../shared/conformance/JSON-Schema-Test-Suite/tests

cflags="-std=gnu99 -g -O1 -Wall -Wextra -Wno-missing-field-initializers ${GG_CFLAGS:-}"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if echo 'int main(void){return 0;}' | cc $san -x c - -o "$out/probe" 2>/dev/null; then
	cflags="$cflags $san"
fi

rc=0
build() {
	local name=$1; shift
	if ! cc $cflags -I"$src" "$@" -o "$out/$name" >"$out/$name.build.log" 2>&1; then
		cat "$out/$name.build.log"
		echo "FAIL unit:build:$name" >>"$GG_RESULTS"
		return 1
	fi
}

if build test_format test/unit/test_format.c $src/format.c $src/ecma_regex.c; then
	if [ -d "$suite" ]; then
		python3 test/unit/extract_format_tests.py "$suite" draft2020-12 draft2019-09 draft7 draft6 draft4 >"$out/formats.tsv"
	else
		echo "SKIP unit:format-suite (no $suite)" >>"$GG_RESULTS"
		: >"$out/formats.tsv"
	fi
	"$out/test_format" "$out/formats.tsv" test/unit/format_known_failures.txt \
		>"$out/format.results" 2>"$out/format.log" || rc=1
	cat "$out/format.results" >>"$GG_RESULTS"
	cat "$out/format.log" >&2
	grep -q . "$out/format.results" || { echo "FAIL unit:format (no output)" >>"$GG_RESULTS"; rc=1; }
else
	rc=1
fi

if [ -f test/unit/test_regex.c ]; then
	if build test_regex test/unit/test_regex.c $src/ecma_regex.c; then
		"$out/test_regex" >"$out/regex.results" 2>"$out/regex.log" || rc=1
		cat "$out/regex.results" >>"$GG_RESULTS"
		cat "$out/regex.log" >&2
		grep -q . "$out/regex.results" || { echo "FAIL unit:regex (no output)" >>"$GG_RESULTS"; rc=1; }
		# Differential proof: fast path == ARE engine (in the throwaway
		# server) == ECMA-262 (node's RegExp, when node is installed).
		# regex.c itself runs in the server through a throwaway module.
		rm -rf "$out/pg"
		cp -r test/unit/pg "$out/pg"
		if make -C "$out/pg" -s PG_CFLAGS="${GG_CFLAGS:-}" GG_SRC="$GG_ROOT/src" \
			>"$out/pg.build.log" 2>&1; then
			export GG_REGEX_MODULE=$out/pg/gg_regex_test.so
		else
			cat "$out/pg.build.log"
			echo "FAIL unit:build:gg_regex_test" >>"$GG_RESULTS"
			rc=1
		fi
		if "$out/test_regex" --corpus 120 >"$out/corpus.tsv" 2>"$out/corpus.log"; then
			node=$(command -v node || true)
			[ -n "$node" ] || echo "SKIP unit:regex:are-equals-ecma (node is not installed)" >>"$GG_RESULTS"
			python3 test/unit/regex_diff.py "$out/corpus.tsv" "$GG_PGBIN/psql" $node \
				>"$out/diff.results" 2>"$out/diff.log" || rc=1
			cat "$out/diff.results" >>"$GG_RESULTS"
			cat "$out/diff.log" >&2
			grep -q . "$out/diff.results" || { echo "FAIL unit:regex:differential (no output)" >>"$GG_RESULTS"; rc=1; }
		else
			cat "$out/corpus.log" >&2
			echo "FAIL unit:regex:corpus" >>"$GG_RESULTS"
			rc=1
		fi
	else
		rc=1
	fi
fi
# src/jsonschema/ecma_unicode.h is generated (one generator, one Unicode
# version for every \p{..} table): regenerating it from the Unicode
# Character Database of the unicode-data package must give the same file.
ucd=/usr/share/unicode
if [ -f "$ucd/Scripts.txt" ] && grep -q "^# Scripts-$(sed -n 's/^#define ECMA_UNICODE_VERSION "\(.*\)"/\1/p' $src/ecma_unicode.h)\.txt" "$ucd/Scripts.txt"; then
	if python3 test/unit/gen_ecma_unicode.py "$ucd" >"$out/ecma_unicode.h" 2>"$out/gen_unicode.log" &&
		cmp -s "$out/ecma_unicode.h" $src/ecma_unicode.h; then
		echo "PASS unit:ecma_unicode_generated" >>"$GG_RESULTS"
	else
		cat "$out/gen_unicode.log" >&2
		echo "FAIL unit:ecma_unicode_generated (src/jsonschema/ecma_unicode.h differs from gen_ecma_unicode.py's output)" >>"$GG_RESULTS"
		rc=1
	fi
else
	echo "SKIP unit:ecma_unicode_generated (no Unicode Character Database of the tables' version in $ucd)" >>"$GG_RESULTS"
fi

# Random patterns: a crash fuzz of parser, translator and fast path (ASan),
# and the syntax check against node's RegExp(p, "u") when node is there.
if [ -x "$out/test_regex" ]; then
	if "$out/test_regex" --fuzz 30000 1 >"$out/fuzz.tsv" 2>"$out/fuzz.log"; then
		echo "PASS unit:regex:fuzz-no-crash (30000 random patterns)" >>"$GG_RESULTS"
		node=$(command -v node || true)
		if [ -n "$node" ]; then
			python3 test/unit/regex_diff.py --syntax "$out/fuzz.tsv" "$node" \
				>>"$GG_RESULTS" 2>"$out/syntax.log" || rc=1
			cat "$out/syntax.log" >&2
		else
			echo "SKIP unit:regex:syntax-equals-ecma (node is not installed)" >>"$GG_RESULTS"
		fi
	else
		cat "$out/fuzz.log" >&2
		echo "FAIL unit:regex:fuzz-no-crash" >>"$GG_RESULTS"
		rc=1
	fi
fi

# The suite's own "pattern" cases, run by regex.c in the server.
if [ -n "${GG_REGEX_MODULE:-}" ] && [ -d "$suite" ]; then
	python3 test/unit/pattern_suite.py "$suite" "$GG_PGBIN/psql" "$GG_REGEX_MODULE" \
		draft2020-12 draft2019-09 draft7 draft6 draft4 >"$out/pattern.results" 2>"$out/pattern.log" || rc=1
	cat "$out/pattern.results" >>"$GG_RESULTS"
	cat "$out/pattern.log" >&2
	grep -q . "$out/pattern.results" || { echo "FAIL unit:pattern-suite (no output)" >>"$GG_RESULTS"; rc=1; }
fi

# The key order of the validator's merge (word loads, checked for reads
# past either key under AddressSanitizer).  Server headers, no server.
if build test_keycmp test/unit/test_keycmp.c -Isrc -I"$("$GG_PG_CONFIG" --includedir-server)"; then
	"$out/test_keycmp" >>"$GG_RESULTS" 2>"$out/keycmp.log" || rc=1
	cat "$out/keycmp.log" >&2
else
	rc=1
fi

# Memory: compile, match and drop a regex 20000 times; the malloc arena of
# the backend (where PostgreSQL 15's regex library allocates) must not grow
# by 64 KiB, which is 3 bytes a cycle (glibc's caches of freed chunks count
# as in use and move by a few KiB; a leak of one regex is far more).
if [ -n "${GG_REGEX_MODULE:-}" ]; then
	"$GG_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 >"$out/leak.out" 2>&1 <<SQL
CREATE FUNCTION pg_temp.gg_test_regex_leak(text, text, int) RETURNS bigint
	AS '$GG_REGEX_MODULE', 'gg_test_regex_leak' LANGUAGE C STRICT;
SELECT p, pg_temp.gg_test_regex_leak(p, 'USD', 20000) < 65536
  FROM unnest(ARRAY['^[A-Z]{3}\$', '^(a|b)+\$', '\\p{L}+\\d', '(a)\\1']) p;
SQL
	if [ $? -eq 0 ] && ! grep -q '|f$' "$out/leak.out" && [ "$(grep -c '|t$' "$out/leak.out")" -eq 4 ]; then
		echo "PASS unit:regex:no-leak (4 patterns x 20000 compile/match/free)" >>"$GG_RESULTS"
	else
		cat "$out/leak.out"
		echo "FAIL unit:regex:no-leak" >>"$GG_RESULTS"
		rc=1
	fi
fi
# A database that is not UTF-8: patterns and strings are converted to UTF-8
# before matching, so "é" in LATIN1 is U+00E9 (a letter, one character).
if [ -n "${GG_REGEX_MODULE:-}" ]; then
	"$GG_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -c \
		"CREATE DATABASE gg_unit_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" \
		>"$out/latin1.out" 2>&1
	PGCLIENTENCODING=UTF8 "$GG_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d gg_unit_latin1 \
		>>"$out/latin1.out" 2>&1 <<SQL
CREATE FUNCTION pg_temp.r(text, text) RETURNS int
	AS '$GG_REGEX_MODULE', 'gg_test_regex' LANGUAGE C STRICT;
SELECT pg_temp.r('^\\p{L}\$', 'é') & 3 = 3,
	   pg_temp.r('^.\$', 'é') & 3 = 3,
	   pg_temp.r('^\\w\$', 'é') & 3 = 0,
	   pg_temp.r('^é+\$', 'éé') & 3 = 3,
	   pg_temp.r('^[à-ÿ]{2}(?:x|y)\$', 'éüy') & 3 = 3;
SQL
	"$GG_PGBIN/psql" -X -q -c "DROP DATABASE IF EXISTS gg_unit_latin1" >/dev/null 2>&1
	if grep -qx 't|t|t|t|t' "$out/latin1.out"; then
		echo "PASS unit:regex:latin1-database" >>"$GG_RESULTS"
	else
		cat "$out/latin1.out"
		echo "FAIL unit:regex:latin1-database" >>"$GG_RESULTS"
		rc=1
	fi
fi
exit $rc
