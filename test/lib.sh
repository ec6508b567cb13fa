# test/lib.sh: shared by test/run-all, .ci/run, demo/run and the benchmarks.
#
# Gives a throwaway PostgreSQL cluster and Redis server, each under a
# temporary directory with its own port, stopped at exit even on failure.
# The extension is installed into a private copy of the PostgreSQL tree
# (make install DESTDIR=...), as PostgreSQL's own "make check" does, so a run
# never touches the system installation and several runs can go side by side.
#
# The PostgreSQL is the one GG_PG_CONFIG names (any pg_config: Debian's, or a
# build from source such as test/build-postgres.sh makes); by default Debian
# 12's PostgreSQL 15.  Every path (bindir, sharedir, pkglibdir, PGXS) comes
# from that pg_config.
#
# Source it, then call gg_setup (packages + build + install), gg_start_pg,
# gg_start_redis.  Exports PGHOST PGPORT PGUSER PGDATABASE for psql/libpq,
# GG_REDIS_PORT for Redis, PG_CONFIG (the pg_config builds use) and a PATH
# that starts with the private copy's bindir.

GG_ROOT=${GG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Debian's PostgreSQL 15 is installed on every run: it is the default server,
# and the old cluster of test/suites/pg_upgrade.sh.
GG_PACKAGES="build-essential postgresql-15 postgresql-server-dev-15
	redis-server libhiredis-dev python3 python3-psycopg2 python3-redis python3-jsonschema unicode-data"

# Sets GG_PG_CONFIG (default: Debian's PostgreSQL $GG_PGVER, 15),
# GG_PG_VERSION ("18.6"), GG_PGVER (major: "18"), GG_SYS_BIN (its bindir) and
# PG_CONFIG (for make).
gg_pg_paths() {
	GG_PG_CONFIG=${GG_PG_CONFIG:-/usr/lib/postgresql/${GG_PGVER:-15}/bin/pg_config}
	[ -x "$GG_PG_CONFIG" ] || return 1
	GG_PG_VERSION=$("$GG_PG_CONFIG" --version | sed -nE 's/^PostgreSQL ([0-9]+(\.[0-9]+)?).*/\1/p')
	GG_PGVER=${GG_PG_VERSION%%.*}
	GG_SYS_BIN=$("$GG_PG_CONFIG" --bindir)
	PG_CONFIG=$GG_PG_CONFIG
	export GG_PG_CONFIG GG_PG_VERSION GG_PGVER GG_SYS_BIN PG_CONFIG
}
gg_pg_paths || true

gg_log() { printf '==> %s\n' "$*" >&2; }
gg_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Install the Debian packages that are missing (as root, or through sudo).
gg_packages() {
	local missing=() p
	for p in $GG_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	gg_log "installing ${missing[*]}"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# Debian starts a cluster and a Redis when these are installed; we run our
	# own, so keep the packaged services from starting.
	printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
	$sudo chmod 755 /usr/sbin/policy-rc.d
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	$sudo rm -f /usr/sbin/policy-rc.d
}

# Run a command as the unprivileged owner of the throwaway servers.
gg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

gg_tmp() {
	if [ -z "${GG_TMP:-}" ]; then
		GG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/goodgo.XXXXXX")
		chmod 755 "$GG_TMP"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$GG_TMP"
		trap gg_cleanup EXIT
		trap 'exit 130' INT TERM
	fi
}

gg_cleanup() {
	local rc=$?
	if [ -f "${GG_TMP:-/nonexistent}/redis/redis.pid" ]; then
		kill "$(cat "$GG_TMP/redis/redis.pid")" 2>/dev/null
	fi
	if [ -n "${GG_PGDATA:-}" ] && [ -f "$GG_PGDATA/postmaster.pid" ]; then
		gg_as_owner "$GG_PGBIN/pg_ctl" -D "$GG_PGDATA" -m immediate stop >/dev/null 2>&1
	fi
	[ -n "${GG_KEEP:-}" ] || rm -rf "$GG_TMP"
	exit $rc
}

# A TCP port nobody listens on and that can be bound on 127.0.0.1, starting
# from $1.  (A connect test alone misses a port held by a client socket or
# by a listener on another address: the server started on it then fails.)
gg_free_port() {
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null ||
		{ [ -x /usr/bin/python3 ] && ! /usr/bin/python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))' "$p" 2>/dev/null; }; do
		p=$((p + 1))
	done
	echo "$p"
}

# GG_UBSAN=1: build the extension with UndefinedBehaviorSanitizer (the
# server stays Debian's; the .so pulls in libubsan), every report fatal, so
# a report aborts the backend, fails the tests that ran into it, and is
# printed in $GG_TMP/postgres.log (test/suites/ubsan.sh looks for it).
# -fno-wrapv undoes PostgreSQL's -fwrapv for our files only: under -fwrapv
# signed overflow is defined, and UBSan would not look for it.
if [ -n "${GG_UBSAN:-}" ]; then
	case " ${GG_CFLAGS:-} " in
	*" -fsanitize=undefined "*) ;;
	*) GG_CFLAGS="${GG_CFLAGS:-} -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-wrapv" ;;
	esac
	export GG_CFLAGS GG_UBSAN
fi

# Build with the flags in GG_CFLAGS against GG_PG_CONFIG and install into a
# private copy of that PostgreSQL's tree under $GG_TMP/inst.  Sets GG_PGBIN.
# The objects are built in the source tree: when the flags, the pg_config or
# its version differ from the last build's (kept in .gg-build-flags), make
# clean first, so a sanitizer pass never links the objects of a plain one and
# objects built for one major never load into another.
gg_build_install() {
	gg_tmp
	gg_pg_paths || gg_die "no pg_config at ${GG_PG_CONFIG:-}"
	local inst=$GG_TMP/inst stamp d
	stamp="${GG_CFLAGS:-} | $GG_PG_CONFIG | PostgreSQL $GG_PG_VERSION"
	if [ "$(cat "$GG_ROOT/.gg-build-flags" 2>/dev/null)" != "$stamp" ]; then
		make -C "$GG_ROOT" -s clean >/dev/null 2>&1
		printf '%s\n' "$stamp" >"$GG_ROOT/.gg-build-flags"
	fi
	gg_log "building for PostgreSQL $GG_PG_VERSION ($GG_PG_CONFIG; PG_CFLAGS=${GG_CFLAGS:-})"
	make -C "$GG_ROOT" -s PG_CFLAGS="${GG_CFLAGS:-}" >"$GG_TMP/build.log" 2>&1 ||
		{ cat "$GG_TMP/build.log"; gg_die "build failed"; }
	grep -E 'warning:' "$GG_TMP/build.log" >&2 || true
	# The server finds its share and library directories relative to its
	# own binary, so a copy of the three under $inst, at the same paths,
	# is a PostgreSQL of its own.
	for d in bindir sharedir pkglibdir; do
		d=$("$GG_PG_CONFIG" --$d)
		mkdir -p "$inst$d"
		cp -a "$d/." "$inst$d/"
	done
	make -C "$GG_ROOT" -s install DESTDIR="$inst" >>"$GG_TMP/build.log" 2>&1 ||
		{ cat "$GG_TMP/build.log"; gg_die "install failed"; }
	GG_PGBIN=$inst$GG_SYS_BIN
	# pg_config of the copy would name include directories that are not
	# copied: the copy's pg_config is the original's.
	ln -sf "$GG_PG_CONFIG" "$GG_PGBIN/pg_config"
	PATH=$GG_PGBIN:$PATH
	export GG_PGBIN GG_INST=$inst PATH
}

gg_setup() {
	gg_packages
	gg_build_install
}

# Start a cluster on a free port; unix socket in $GG_TMP, no TCP.
gg_start_pg() {
	gg_tmp
	GG_PGBIN=${GG_PGBIN:-$GG_SYS_BIN}
	GG_PGDATA=$GG_TMP/data
	local port
	port=$(gg_free_port "${GG_PGPORT_BASE:-54320}")
	gg_as_owner "$GG_PGBIN/initdb" -D "$GG_PGDATA" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$GG_TMP/initdb.log" 2>&1 ||
		{ cat "$GG_TMP/initdb.log"; gg_die "initdb failed"; }
	cat >>"$GG_PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$GG_TMP'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 256MB
max_prepared_transactions = 10
log_min_messages = warning
${GG_PG_EXTRA_CONF:-}
CONF
	gg_as_owner "$GG_PGBIN/pg_ctl" -D "$GG_PGDATA" -l "$GG_TMP/postgres.log" -w start >/dev/null ||
		{ cat "$GG_TMP/postgres.log"; gg_die "could not start PostgreSQL"; }
	export GG_TMP PGHOST=$GG_TMP PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	gg_log "PostgreSQL $GG_PG_VERSION on port $port, socket in $GG_TMP"
}

gg_start_redis() {
	gg_tmp
	GG_REDIS_PORT=$(gg_free_port "${GG_REDIS_PORT_BASE:-63790}")
	mkdir -p "$GG_TMP/redis"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$GG_TMP/redis"
	gg_as_owner redis-server --bind 127.0.0.1 --port "$GG_REDIS_PORT" --dir "$GG_TMP/redis" \
		--save '' --appendonly no --daemonize yes --pidfile "$GG_TMP/redis/redis.pid" \
		--logfile "$GG_TMP/redis/redis.log" ${GG_REDIS_EXTRA:-}
	local i
	for i in $(seq 50); do
		redis-cli -p "$GG_REDIS_PORT" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-cli -p "$GG_REDIS_PORT" ping >/dev/null 2>&1 ||
		{ cat "$GG_TMP/redis/redis.log"; gg_die "could not start Redis"; }
	export GG_REDIS_PORT GG_REDIS_URL="redis://127.0.0.1:$GG_REDIS_PORT"
	gg_log "Redis on 127.0.0.1:$GG_REDIS_PORT"
}
