# Upgrade path: install the oldest released version (frozen in sql/versions/),
# ALTER EXTENSION ... UPDATE step by step to the current version, and compare
# a description of every extension member (test/extension_snapshot.sql) with
# a fresh install of the current version.  With no released version yet
# there is nothing to upgrade from: the suite says so as a SKIP rather than
# passing a comparison of a fresh install with itself.
set -uo pipefail
cd "$GG_ROOT"
current=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" goodgo_events.control)
# released versions, oldest first
mapfile -t versions < <(ls sql/versions/ 2>/dev/null |
	sed -n 's/^goodgo_events--\([0-9][0-9.]*\)\.sql$/\1/p' | sort -V)
if [ ${#versions[@]} -eq 0 ]; then
	echo "SKIP upgrade:path (no released version before $current yet: see sql/versions/README.md)" >>"$GG_RESULTS"
	exit 0
fi
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
for db in gg_upgraded gg_fresh; do
	q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
ok=1
q -d gg_upgraded -c "CREATE EXTENSION goodgo_events VERSION '${versions[0]}'" || ok=0
echo "installed ${versions[0]}"
# every update script reachable from the oldest version, in order
for v in "${versions[@]:1}" "$current"; do
	q -d gg_upgraded -c "ALTER EXTENSION goodgo_events UPDATE TO '$v'" || { ok=0; break; }
	echo "updated to $v"
	got=$(psql -X -At -d gg_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'goodgo_events'")
	[ "$got" = "$v" ] || { echo "extversion is $got, expected $v"; ok=0; break; }
done
q -d gg_fresh -c "CREATE EXTENSION goodgo_events" || ok=0
if [ $ok -eq 1 ]; then
	psql -X -At -v ON_ERROR_STOP=1 -d gg_upgraded -f test/extension_snapshot.sql >"$GG_TMP/upgraded.sql" || ok=0
	psql -X -At -v ON_ERROR_STOP=1 -d gg_fresh -f test/extension_snapshot.sql >"$GG_TMP/fresh.sql" || ok=0
	[ -s "$GG_TMP/fresh.sql" ] || ok=0
	echo "compared $(wc -l <"$GG_TMP/fresh.sql") object descriptions"
fi
if [ $ok -eq 1 ]; then
	if diff -u "$GG_TMP/fresh.sql" "$GG_TMP/upgraded.sql" >"$GG_TMP/upgrade.diff"; then
		echo "PASS upgrade:path ${versions[0]} -> $current" >>"$GG_RESULTS"
	else
		cat "$GG_TMP/upgrade.diff"
		echo "FAIL upgrade:path (schema after updates differs from a fresh install)" >>"$GG_RESULTS"
	fi
else
	echo "FAIL upgrade:path (install or update failed)" >>"$GG_RESULTS"
fi
for db in gg_upgraded gg_fresh; do q -d postgres -c "DROP DATABASE IF EXISTS $db"; done

# 1.1 -> 1.2 refuses an unknown "$schema" that 1.1 read as the default draft:
# the update names the registered types and documents it would now refuse.
# The rows are made the way a 1.1 database holds them (the 1.2 library
# already refuses to register them).
if printf '%s\n' "${versions[@]}" | grep -qx '1.1' && [ "$current" = "1.2" ]; then
	q -d postgres -c "DROP DATABASE IF EXISTS gg_upgrade_meta" -c "CREATE DATABASE gg_upgrade_meta"
	q -d gg_upgrade_meta >/dev/null <<'SQL'
CREATE EXTENSION goodgo_events VERSION '1.1';
SELECT goodgo_events.register_event_type('meta.unknown', '{"type": "object"}');
SELECT goodgo_events.register_event_type('meta.known', '{"$schema": "http://json-schema.org/draft-07/schema#"}');
SELECT goodgo_events.register_schema('https://example.com/meta-doc', '{"type": "object"}');
SELECT goodgo_events.register_schema('https://example.com/custom-meta', '{"$schema": "https://json-schema.org/draft/2020-12/schema"}');
SELECT goodgo_events.register_event_type('meta.custom', '{"$schema": "https://example.com/custom-meta"}');
ALTER TABLE goodgo_events.event_type_versions DISABLE TRIGGER USER;
UPDATE goodgo_events.event_type_versions SET schema = '{"$schema": "invalid-uri", "type": "object"}'
 WHERE event_type = 'meta.unknown';
ALTER TABLE goodgo_events.event_type_versions ENABLE TRIGGER USER;
UPDATE goodgo_events.schema_documents SET schema = '{"$schema": "https://example.com/unknown-meta"}'
 WHERE uri = 'https://example.com/meta-doc';
SQL
	# The 1.2 library still validates against a 1.1 schema (no compatibility
	# column, no version states yet): the latest version only, no fallback.
	v=$(q -At -d gg_upgrade_meta -c "SELECT goodgo_events.validate_payload('meta.known', '{}')" 2>&1)
	if [ "$v" = 1 ]; then
		echo "PASS upgrade:validate_before_update" >>"$GG_RESULTS"
	else
		echo "FAIL upgrade:validate_before_update (the 1.2 library on a 1.1 schema: '$v')" >>"$GG_RESULTS"
	fi
	out=$(psql -X -q -v ON_ERROR_STOP=1 -d gg_upgrade_meta -c "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" 2>&1)
	echo "$out"
	if echo "$out" | grep -q "WARNING:  goodgo_events 1.2 refuses the JSON Schema of event type 'meta.unknown' version 1 (22023): unknown metaschema \"invalid-uri\"" &&
		echo "$out" | grep -q "WARNING:  goodgo_events 1.2 refuses the JSON Schema of schema document 'https://example.com/meta-doc' (22023): unknown metaschema \"https://example.com/unknown-meta\"" &&
		echo "$out" | grep -q "WARNING:  goodgo_events 1.2: 2 registered schema(s) name an unknown" &&
		! echo "$out" | grep -q "meta.known\|meta.custom\|custom-meta'"; then
		echo "PASS upgrade:unknown_schema_warnings" >>"$GG_RESULTS"
	else
		echo "FAIL upgrade:unknown_schema_warnings (the update did not name exactly the two unknown \$schema)" >>"$GG_RESULTS"
	fi
	q -d postgres -c "DROP DATABASE IF EXISTS gg_upgrade_meta"
fi
exit 0
