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

cflags="-std=gnu99 -g -O1 -Wall -Wextra ${GG_CFLAGS:-}"
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
		python3 test/unit/extract_format_tests.py "$suite" draft2020-12 draft7 >"$out/formats.tsv"
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
	else
		rc=1
	fi
fi
exit $rc
