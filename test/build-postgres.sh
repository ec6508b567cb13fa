#!/usr/bin/env bash
# Build a PostgreSQL major version from Debian's source package into a
# private prefix, for the CI legs that run on a major Debian 12 does not ship.
#
#   bash test/build-postgres.sh MAJOR [SUITE]
#
# MAJOR is 17 or 18 (any major Debian has a postgresql-MAJOR source package
# for); SUITE is the Debian suite to take it from (default: sid for 18,
# trixie for 17).  On success the last line of stdout is the path of the
# build's pg_config.  When the source cannot be fetched (no network, package
# gone) and no earlier build is cached, it prints "SKIP: <reason>" and exits 2;
# any other failure exits 1.
#
# The system's apt sources are left alone: a private apt directory under
# $GG_PG_CACHE (default /var/cache/goodgo-pg) holds the deb-src entry, the
# package lists and the downloads.  The build lives in
# $GG_PG_CACHE/<upstream version>/ (e.g. 18.6) outside the clone, and is reused
# when its stamp says it is complete, so a machine builds each version once.
# Build dependencies (bison, flex, readline, zlib, OpenSSL headers) are
# installed from the system's archive when missing.
set -uo pipefail

major=${1:?usage: build-postgres.sh MAJOR [SUITE]}
case "$major" in
	18) suite=${2:-sid} ;;
	17) suite=${2:-trixie} ;;
	*) suite=${2:-sid} ;;
esac
cache=${GG_PG_CACHE:-/var/cache/goodgo-pg}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${GG_DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { echo "build-postgres: $*" >&2; }

# The newest complete build of this major already in the cache, if any.
cached_build() {
	local d best=
	for d in "$cache/$major".*/; do
		[ -f "$d/complete" ] && [ -x "$d/install/bin/pg_config" ] || continue
		best=$d
	done
	[ -n "$best" ] && echo "${best%/}"
}

skip_or_cached() {
	local why=$1 c
	if c=$(cached_build); then
		log "$why; using the cached build $c"
		echo "$c/install/bin/pg_config"
		exit 0
	fi
	echo "SKIP: $why"
	exit 2
}

mkdir -p "$cache" || { echo "SKIP: cannot create $cache"; exit 2; }
exec 9>"$cache/.lock-$major"
flock 9

apt_dir=$cache/apt-$suite
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" \
	"$apt_dir/cache/archives/partial" "$apt_dir/src"
signed=
[ -f "$keyring" ] && signed="[signed-by=$keyring] "
echo "deb-src ${signed}$mirror $suite main" >"$apt_dir/sources.list.d/$suite.list"
: >"$apt_dir/sources.list"
apt_opts=(
	-o "Dir::Etc::SourceList=$apt_dir/sources.list"
	-o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
	-o "APT::Get::List-Cleanup=0"
)

log "fetching the $suite source index"
if ! apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1 ||
	grep -qE '^(W|E): .*(Failed to fetch|not signed|NO_PUBKEY|is not valid)' "$apt_dir/update.log"; then
	skip_or_cached "apt-get update for deb-src $suite failed: $(grep -E '^(W|E):' "$apt_dir/update.log" | head -1)"
fi
version=$(apt-cache "${apt_opts[@]}" showsrc "postgresql-$major" 2>/dev/null |
	awk '/^Package: /{p=$2} /^Version: /{ if (p=="postgresql-'"$major"'") print $2 }' |
	sort -V | tail -1)
[ -n "$version" ] || skip_or_cached "suite $suite has no source package postgresql-$major"
upstream=${version%-*}
upstream=${upstream#*:}
dest=$cache/$upstream
if [ -f "$dest/complete" ] && [ -x "$dest/install/bin/pg_config" ]; then
	log "reusing $dest (postgresql-$major $version)"
	echo "$dest/install/bin/pg_config"
	exit 0
fi

need=()
for p in bison flex libreadline-dev zlib1g-dev libssl-dev pkg-config make gcc; do
	dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing build dependencies: ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2 ||
		{ apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2; } ||
		{ log "cannot install ${need[*]}"; exit 1; }
fi

log "downloading postgresql-$major $version from $suite"
rm -rf "$apt_dir/src" && mkdir -p "$apt_dir/src"
if ! (cd "$apt_dir/src" && apt-get "${apt_opts[@]}" -q source --download-only \
	"postgresql-$major=$version") >"$apt_dir/source.log" 2>&1; then
	skip_or_cached "apt-get source postgresql-$major=$version failed: $(grep -E '^(W|E):' "$apt_dir/source.log" | head -1)"
fi
tarball=$(ls "$apt_dir/src"/postgresql-"$major"_"$upstream".orig.tar.* 2>/dev/null | head -1)
[ -n "$tarball" ] || skip_or_cached "no upstream tarball in the postgresql-$major $version source package"

rm -rf "$dest"
mkdir -p "$dest"
log "building $upstream in $dest (log: $dest/build.log)"
(
	set -e
	cd "$dest"
	tar -xf "$tarball"
	cd "postgresql-$upstream"
	./configure --prefix="$dest/install" --without-llvm --without-icu \
		--with-openssl --with-readline --with-zlib
	make -j"${GG_PG_BUILD_JOBS:-2}"
	make install
	# pg_isolation_regress and isolationtester, installed next to pg_regress
	# in the PGXS tree, for the isolation suites.
	make -C src/test/isolation install
	# The benchmark measures table size with pgstattuple.
	make -C contrib/pgstattuple install
) >"$dest/build.log" 2>&1 || {
	log "build failed; the end of $dest/build.log:"
	tail -30 "$dest/build.log" >&2
	exit 1
}
# The sources and objects are not needed to build extensions against it.
rm -rf "$dest/postgresql-$upstream"
echo "postgresql-$major $version from $suite, built $(date -u +%FT%TZ)" >"$dest/complete"
log "done: $dest/install"
echo "$dest/install/bin/pg_config"
