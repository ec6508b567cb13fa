#!/usr/bin/env bash
# test/fuzz/run.sh: build a libFuzzer target with ASan + UBSan and run it.
#
#   bash test/fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
#   bash test/fuzz/run.sh list
#
# Targets (test/fuzz/fuzz_<target>.c):
#   format     every "format" checker of src/jsonschema/format.c
#   regex      ECMA-262 parser, translator and fast matcher (ecma_regex.c)
#   relay_url  the relay's redis:// URL parser (relay/config.c); only when
#              relay/ is in the tree, otherwise exit status 77 (skipped)
#
# The seed corpus test/fuzz/corpus/<target>/ is copied to a scratch corpus
# (GG_FUZZ_DIR, default a temporary directory), so a run never changes the
# repository; new inputs worth keeping can be minimized into the seed corpus
# by hand with -merge=1.  A crash, a leak, a sanitizer report, an input
# taking over 10 s or a process over 2 GB stops the run with a non-zero exit
# and leaves the input as $GG_FUZZ_DIR/<target>/crash-* (or leak-*,
# timeout-*, oom-*); reproduce with: $GG_FUZZ_DIR/<target>/fuzz_<target> FILE
#
# Needs clang with libFuzzer (Debian: clang-14 + libclang-rt-14-dev).
set -uo pipefail
GG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=${1:?usage: run.sh TARGET [SECONDS] [libFuzzer flags]}
seconds=${2:-60}
shift; shift || true

if [ "$target" = list ]; then
	echo "format regex relay_url"
	exit 0
fi

CC=${GG_FUZZ_CC:-$(command -v clang-14 || command -v clang || true)}
[ -n "$CC" ] || { echo "no clang found" >&2; exit 77; }
san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cflags="-g -O1 -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror $san"
js=$GG_ROOT/src/jsonschema

case $target in
format) srcs=("$GG_ROOT/test/fuzz/fuzz_format.c" "$js/format.c" "$js/ecma_regex.c"); inc=(-I"$js") ;;
regex) srcs=("$GG_ROOT/test/fuzz/fuzz_regex.c" "$js/ecma_regex.c"); inc=(-I"$js") ;;
relay_url)
	if [ ! -f "$GG_ROOT/relay/config.c" ]; then
		echo "relay/config.c is not in this tree: nothing to fuzz" >&2
		exit 77
	fi
	srcs=("$GG_ROOT/test/fuzz/fuzz_relay_url.c" "$GG_ROOT/relay/config.c")
	inc=(-I"$GG_ROOT/relay" -I"$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)" -D_GNU_SOURCE)
	;;
*) echo "unknown target $target (run.sh list)" >&2; exit 2 ;;
esac

if [ -z "${GG_FUZZ_DIR:-}" ]; then
	GG_FUZZ_DIR=$(mktemp -d "${TMPDIR:-/tmp}/goodgo-fuzz.XXXXXX")
fi
dir=$GG_FUZZ_DIR/$target
mkdir -p "$dir/corpus"
bin=$dir/fuzz_$target
if ! $CC $cflags "${inc[@]}" "${srcs[@]}" -o "$bin" >"$dir/build.log" 2>&1; then
	cat "$dir/build.log" >&2
	if grep -q 'libclang_rt.fuzzer\|cannot find.*fuzzer' "$dir/build.log"; then
		echo "libFuzzer runtime missing (apt-get install libclang-rt-14-dev)" >&2
		exit 77
	fi
	exit 1
fi
[ -d "$GG_ROOT/test/fuzz/corpus/$target" ] && cp -r "$GG_ROOT/test/fuzz/corpus/$target/." "$dir/corpus/"
dict=()
[ -f "$GG_ROOT/test/fuzz/$target.dict" ] && dict=(-dict="$GG_ROOT/test/fuzz/$target.dict")

cd "$dir"
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	"$bin" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-max_len=4096 -print_final_stats=1 -artifact_prefix="$dir/" "$@" corpus
