#!/usr/bin/env bash
# test/sanitize-server.sh: the regression suite against PostgreSQL 15 servers
# built from Debian's own source package with assertions, under valgrind and
# under AddressSanitizer + UBSan.  On demand only: it builds PostgreSQL (twice,
# for both modes) and is far too slow for every CI run.
#
# Debian's packaged server uses palloc'd memory that neither valgrind nor ASan
# can see into, so a read past the end of a palloc'd chunk or a use of freed
# memory context memory goes unnoticed there.  PostgreSQL built with
# USE_VALGRIND marks every chunk as it is handed out and freed (memcheck then
# sees them as real allocations), and --enable-cassert adds its own checks
# (CLOBBER_FREED_MEMORY, MEMORY_CONTEXT_CHECKING: freed memory is wiped,
# writes past a chunk's requested size are reported at reset).
#
#   bash test/sanitize-server.sh [valgrind|asan|all] [regress test names...]
#
# Default: all modes, every regression test.  Needs root or sudo to install
# the few build dependencies; the source is fetched with apt-get source through
# a private apt directory ($GG_SAN_DIR/apt: its own deb-src entry, lists and
# cache), so the system's apt sources are left as they are.
#
# Environment:
#   GG_SAN_DIR       work directory (default /var/tmp/goodgo-sanitize): source,
#                    builds, private prefixes, clusters and logs.  Builds are
#                    kept and reused by later runs.
#   GG_SAN_PORT      first port to try for the throwaway servers (default 62100)
#   GG_SAN_JOBS      make -j (default: number of CPUs)
#
# Result: one line per mode and test in $GG_SAN_DIR/<mode>/result.txt, and
# valgrind's or the sanitizers' reports under $GG_SAN_DIR/<mode>/log/.  Exits
# non-zero when a test failed or a report was written.
set -uo pipefail
GG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SAN_DIR=${GG_SAN_DIR:-/var/tmp/goodgo-sanitize}
JOBS=${GG_SAN_JOBS:-$(nproc)}
PORT_BASE=${GG_SAN_PORT:-62100}
modes=${1:-all}
shift || true
tests=("$@")
[ "$modes" = all ] && modes="valgrind asan"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$SAN_DIR"
[ "$(id -u)" -eq 0 ] && chown postgres: "$SAN_DIR"

# 1. Debian's source package of postgresql-15.
fetch_source() {
	if ls -d "$SAN_DIR"/src/postgresql-15-*/ >/dev/null 2>&1; then
		return 0
	fi
	# The source package comes through a private apt directory (its own
	# sources, lists and cache under $SAN_DIR/apt): the system's apt
	# configuration is neither edited nor extended.
	local aptdir=$SAN_DIR/apt
	mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	cat >"$aptdir/sources.list.d/deb-src.sources" <<'SRC'
# goodgo_events' test/sanitize-server.sh: source packages only, private to it.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	local aptsrc=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$aptdir/sources.list.d"
		-o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache")
	apt-get "${aptsrc[@]}" update -qq || die "apt-get update (private source list) failed"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
	# The subset of "apt-get build-dep postgresql-15" this configuration needs
	# (no PL languages, LLVM, LDAP, GSSAPI or docs): the release tarball
	# carries the generated parser, bison and flex are there for Debian's
	# patches.
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		dpkg-dev build-essential bison flex zlib1g-dev libreadline-dev libicu-dev \
		pkg-config valgrind >/dev/null || die "could not install build dependencies"
	mkdir -p "$SAN_DIR/src"
	chmod 755 "$SAN_DIR/src"
	(cd "$SAN_DIR/src" && apt-get "${aptsrc[@]}" source -qq postgresql-15) || die "apt-get source postgresql-15 failed"
	[ "$(id -u)" -eq 0 ] && chown -R postgres: "$SAN_DIR/src"
	ls -d "$SAN_DIR"/src/postgresql-15-*/ >/dev/null 2>&1 || die "no source tree after apt-get source"
}

# 2. Build PostgreSQL out of tree for a mode, into $SAN_DIR/<mode>/postgresql.
#    The prefix must contain "postgres": Debian's 50-per-version-dirs.patch
#    otherwise hard-codes pkglibdir to /usr/lib/postgresql/15/lib, and
#    "make install" would overwrite the system server's modules.  Checked
#    before installing.
build_server() {
	local mode=$1 src build prefix cflags ldflags
	src=$(ls -d "$SAN_DIR"/src/postgresql-15-*/ | head -1)
	build=$SAN_DIR/$mode/build
	prefix=$SAN_DIR/$mode/postgresql
	if [ -x "$prefix/bin/postgres" ]; then
		log "$mode: reusing $prefix"
		return 0
	fi
	case $mode in
	valgrind)
		cflags="-O1 -g -fno-omit-frame-pointer -DUSE_VALGRIND"
		ldflags=""
		;;
	asan)
		# Alignment checks off: PostgreSQL 15 itself reads some on-disk
		# structures unaligned on x86 by design (its own CI does the same).
		cflags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize=alignment -fno-sanitize-recover=all"
		ldflags="-fsanitize=address,undefined"
		;;
	*) die "unknown mode $mode" ;;
	esac
	rm -rf "$build"
	mkdir -p "$build"
	log "$mode: configuring PostgreSQL ($src)"
	(cd "$build" && "$src/configure" --prefix="$prefix" --enable-cassert --enable-debug \
		--without-readline --without-icu --with-zlib \
		CFLAGS="$cflags" LDFLAGS="$ldflags" >configure.log 2>&1) ||
		{ tail -30 "$build/configure.log"; die "$mode: configure failed"; }
	local d
	for d in pkglibdir bindir datadir includedir_server pgxsdir; do
		local v
		v=$(printf 'top_builddir = %s\ninclude %s/src/Makefile.global\nprint:\n\t@echo $(%s)\n' \
			"$build" "$build" "$d" | make -s -f - print 2>/dev/null)
		case $v in
		"$prefix"/*) ;;
		*) die "$mode: $d would be '$v', outside $prefix: refusing to install" ;;
		esac
	done
	log "$mode: building PostgreSQL (make -j$JOBS)"
	(cd "$build" && make -s -j"$JOBS" >make.log 2>&1 && make -s install >install.log 2>&1) ||
		{ tail -30 "$build/make.log"; die "$mode: build failed"; }
	[ "$(id -u)" -eq 0 ] && chown -R postgres: "$SAN_DIR/$mode"
	return 0
}

# 3. Our extension, built from a copy of the work tree against that server.
build_extension() {
	local mode=$1
	local copy=$SAN_DIR/$mode/ext cflags=""
	rm -rf "$copy"
	mkdir -p "$copy"
	(cd "$GG_ROOT" && tar --exclude=.git --exclude='*.o' --exclude='*.so' --exclude=results \
		--exclude=regression.diffs --exclude=regression.out -cf - .) | tar -xf - -C "$copy"
	[ "$mode" = asan ] && cflags="-fsanitize=address,undefined -fno-sanitize=alignment -fno-sanitize-recover=all"
	make -C "$copy" -s clean >/dev/null 2>&1
	make -C "$copy" -s PG_CONFIG="$SAN_DIR/$mode/postgresql/bin/pg_config" PG_CFLAGS="$cflags" \
		>"$copy/build.log" 2>&1 &&
		make -C "$copy" -s PG_CONFIG="$SAN_DIR/$mode/postgresql/bin/pg_config" install >>"$copy/build.log" 2>&1 ||
		{ cat "$copy/build.log"; die "$mode: extension build failed"; }
	[ "$(id -u)" -eq 0 ] && chown -R postgres: "$copy"
	return 0
}

# 4. A cluster run through valgrind (every backend is a child of the
#    postmaster, so --trace-children covers them) or ASan, and pg_regress.
run_mode() {
	local mode=$1 dir=$SAN_DIR/$1 prefix=$SAN_DIR/$1/postgresql port src data logdir
	src=$(ls -d "$SAN_DIR"/src/postgresql-15-*/ | head -1)
	data=$dir/data
	logdir=$dir/log
	rm -rf "$data"
	[ "$mode" = valgrind ] && rm -rf "$logdir"
	mkdir -p "$logdir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$logdir"
	port=$PORT_BASE
	while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
	as_owner "$prefix/bin/initdb" -D "$data" -U postgres \
		--auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log"; die "$mode: initdb failed"; }
	cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$dir'
fsync = off
max_connections = 20
log_min_messages = warning
log_line_prefix = '%m [%p] '
# no LLVM in this build: do not dlopen a provider (ld.so reports under memcheck)
jit = off
CONF
	# ASan's frames are two to three times larger: give the stack check
	# the room the tests' depths need in a plain build (8 MB ulimit).
	[ "$mode" = asan ] && echo "max_stack_depth = '7MB'" >>"$data/postgresql.conf"
	log "$mode: starting the server on port $port"
	local pid
	if [ "$mode" = valgrind ]; then
		as_owner valgrind --quiet --trace-children=yes --track-origins=yes \
			--read-var-info=no --num-callers=30 --leak-check=no --gen-suppressions=all \
			--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \
			--suppressions="$src/src/tools/valgrind.supp" \
			--log-file="$logdir/valgrind.%p.log" \
			"$prefix/bin/postgres" -D "$data" >"$dir/postgres.log" 2>&1 &
		pid=$!
	else
		as_owner env ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
			"$prefix/bin/postgres" -D "$data" >"$dir/postgres.log" 2>&1 &
		pid=$!
	fi
	local i
	for i in $(seq 600); do
		"$prefix/bin/pg_isready" -q -h "$dir" -p "$port" && break
		sleep 1
	done
	"$prefix/bin/pg_isready" -q -h "$dir" -p "$port" || { cat "$dir/postgres.log"; kill "$pid"; die "$mode: server did not start"; }

	local schedule=() t
	if [ ${#tests[@]} -gt 0 ]; then
		schedule=("${tests[@]}")
	else
		for t in "$dir"/ext/sql/*.sql; do
			t=$(basename "$t" .sql)
			case $t in goodgo_events--*) continue ;; esac
			[ -f "$dir/ext/expected/$t.out" ] && schedule+=("$t")
		done
	fi
	log "$mode: pg_regress ${schedule[*]}"
	local start=$SECONDS rc
	local pg_regress
	pg_regress=$(dirname "$("$prefix/bin/pg_config" --pgxs)")/../test/regress/pg_regress
	(cd "$dir/ext" && as_owner "$pg_regress" \
		--inputdir=. --bindir="$prefix/bin" --host="$dir" --port="$port" --user=postgres \
		--load-extension=goodgo_events --dbname=contrib_regression "${schedule[@]}") \
		>"$dir/regress.out" 2>&1
	rc=$?
	local elapsed=$((SECONDS - start))
	cat "$dir/regress.out"
	as_owner "$prefix/bin/pg_ctl" -D "$data" -m fast -t 600 stop >/dev/null 2>&1
	wait "$pid" 2>/dev/null

	# Reports: valgrind error blocks, sanitizer logs, assertion failures or
	# crashed backends in the server log.
	local reports=0
	if [ "$mode" = valgrind ]; then
		reports=$(cat "$logdir"/valgrind.*.log 2>/dev/null | grep -c 'VALGRINDERROR-BEGIN')
	else
		reports=$(cat "$logdir"/asan.* "$logdir"/ubsan.* 2>/dev/null | grep -cE 'ERROR: AddressSanitizer|runtime error:')
	fi
	local crashes
	crashes=$(grep -cE 'TRAP:|terminated by signal|server process .* was terminated' "$dir/postgres.log")
	{
		echo "mode: $mode"
		echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
		echo "server: $("$prefix/bin/postgres" --version) from $(basename "$src") (--enable-cassert, $( [ "$mode" = valgrind ] && echo USE_VALGRIND || echo 'ASan+UBSan'))"
		echo "tests: ${schedule[*]}"
		grep -E '^test |^ok |^not ok |tests passed|failed' "$dir/regress.out"
		echo "pg_regress exit: $rc, elapsed ${elapsed}s"
		echo "reports: $reports ($mode), crashes/assertions in server log: $crashes"
	} >"$dir/result.txt"
	cat "$dir/result.txt"
	[ "$rc" -eq 0 ] && [ "$reports" -eq 0 ] && [ "$crashes" -eq 0 ]
}

fetch_source
status=0
for m in $modes; do
	build_server "$m"
	if [ "$m" = asan ]; then
		# Every program of that build is instrumented (pg_config, initdb,
		# psql, pg_regress too): no leak reports at exit (frontends and the
		# postmaster keep memory until exit by design), reports to files.
		mkdir -p "$SAN_DIR/asan/log"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$SAN_DIR/asan/log"
		export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0:log_path=$SAN_DIR/asan/log/asan"
		export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$SAN_DIR/asan/log/ubsan"
	else
		unset ASAN_OPTIONS UBSAN_OPTIONS
	fi
	build_extension "$m"
	run_mode "$m" || status=1
done
exit $status
