# pg_dump keeps what users registered: a database with user event types
# (several versions, a changed mode, a bundled type changed by the user) and
# a user schema document is dumped, restored into a fresh database, and the
# registry there must list exactly the same rows and keep working.
set -uo pipefail
cd "$GG_ROOT"

src=registry_dump_src
dst=registry_dump_dst
dump=$GG_TMP/registry_dump.pgdump
log=$GG_TMP/registry_dump.log
: >"$log"

q() { "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
result() { echo "$1 registry_dump:$2" >>"$GG_RESULTS"; echo "$1 $2"; }

q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" -c "CREATE DATABASE $src" >>"$log" 2>&1 ||
	{ cat "$log"; result FAIL setup; exit 0; }

# The registry as data, in a stable order and without timestamps.
listing() {
	q -d "$1" <<'SQL'
SELECT 'type', event_type, current_version, mode, bundled
  FROM goodgo_events.event_types ORDER BY event_type COLLATE "C";
SELECT 'version', event_type, version, md5(schema::text), dialect, format_assertion, bundled, registered_by
  FROM goodgo_events.event_type_versions ORDER BY event_type COLLATE "C", version;
SELECT 'document', uri, md5(schema::text)
  FROM goodgo_events.schema_documents ORDER BY uri COLLATE "C";
SELECT 'document_version', uri, version, md5(schema::text)
  FROM goodgo_events.schema_document_versions ORDER BY uri COLLATE "C", version;
SELECT 'state', event_type, version, state, changed_by, changed_at
  FROM goodgo_events.event_type_version_states ORDER BY event_type COLLATE "C", version;
SQL
}

if ! q -d "$src" >>"$log" 2>&1 <<'SQL'
CREATE EXTENSION goodgo_events;
SELECT goodgo_events.register_schema('https://example.com/dump/money.schema.json',
	'{"$id": "https://example.com/dump/money.schema.json", "type": "integer", "minimum": 0}');
SELECT goodgo_events.register_event_type('invoice.issued',
	'{"type": "object", "required": ["invoice_id"], "properties": {"invoice_id": {"type": "string"}}}');
-- (breaking versions on purpose; the mode itself must survive the dump)
SELECT goodgo_events.set_event_type_compatibility('invoice.issued', 'NONE');
SELECT goodgo_events.register_event_type('invoice.issued',
	'{"type": "object", "required": ["invoice_id", "amount"],
	  "properties": {"invoice_id": {"type": "string"},
	                 "amount": {"$ref": "https://example.com/dump/money.schema.json"}}}');
-- the shared document changes: its history has two versions
SELECT goodgo_events.register_schema('https://example.com/dump/money.schema.json',
	'{"$id": "https://example.com/dump/money.schema.json", "type": "integer", "minimum": 0, "maximum": 1000000000000}');
SELECT goodgo_events.register_event_type('invoice.voided', '{"type": "object"}', 'warn');
SELECT goodgo_events.set_event_type_mode('invoice.voided', 'off');
-- a bundled type (if the build ships any) changed by the user: new version and mode
SELECT goodgo_events.register_event_type(event_type, '{"type": "object", "required": ["dump_marker"]}', 'warn',
	'test: a breaking version of a bundled type on purpose')
  FROM goodgo_events.event_types WHERE bundled ORDER BY event_type COLLATE "C" LIMIT 1;
-- version states: of a user version, and of a bundled version (its row in
-- event_type_versions is not dumped: CREATE EXTENSION makes it again, before
-- the states are restored)
SELECT goodgo_events.set_event_type_version_state('invoice.issued', 1, 'deprecated');
SELECT goodgo_events.set_event_type_version_state(event_type, 1, 'disabled')
  FROM goodgo_events.event_type_versions WHERE NOT bundled AND version = 2
   AND event_type IN (SELECT event_type FROM goodgo_events.event_type_versions WHERE bundled);
SQL
then
	cat "$log"
	result FAIL setup
	exit 0
fi

listing "$src" >"$GG_TMP/registry_dump.before" 2>>"$log"
bundled_changed=$(q -d "$src" -c "SELECT count(*) FROM goodgo_events.event_type_versions WHERE NOT bundled AND version > 1 AND event_type IN (SELECT event_type FROM goodgo_events.event_type_versions WHERE bundled)")

if "$GG_PGBIN/pg_dump" -Fc -d "$src" -f "$dump" >>"$log" 2>&1 &&
	q -d postgres -c "CREATE DATABASE $dst" >>"$log" 2>&1 &&
	"$GG_PGBIN/pg_restore" --exit-on-error -d "$dst" "$dump" >>"$log" 2>&1; then
	result PASS restore
else
	cat "$log"
	result FAIL restore
	exit 0
fi

listing "$dst" >"$GG_TMP/registry_dump.after" 2>>"$log"
if [ -s "$GG_TMP/registry_dump.before" ] &&
	grep -q '^type|invoice.issued|2|enforce|f$' "$GG_TMP/registry_dump.after" &&
	grep -q '^type|invoice.voided|1|off|f$' "$GG_TMP/registry_dump.after" &&
	grep -q '^document|https://example.com/dump/money.schema.json|' "$GG_TMP/registry_dump.after" &&
	grep -q '^document_version|https://example.com/dump/money.schema.json|2|' "$GG_TMP/registry_dump.after" &&
	grep -q '^document_version|https://schemas.goodgo.example/events/envelope.schema.json|1|' "$GG_TMP/registry_dump.after" &&
	grep -q '^state|invoice.issued|1|deprecated|' "$GG_TMP/registry_dump.after" &&
	{ [ "$bundled_changed" -eq 0 ] || grep -q '^state|[a-z_.]*|1|disabled|' "$GG_TMP/registry_dump.after"; } &&
	diff -u "$GG_TMP/registry_dump.before" "$GG_TMP/registry_dump.after"; then
	result PASS same_registry
else
	echo "---- registry before the dump, and after the restore:"
	diff -u "$GG_TMP/registry_dump.before" "$GG_TMP/registry_dump.after"
	result FAIL same_registry
fi

if [ "$bundled_changed" -ge 1 ]; then
	result PASS bundled_type_changed_by_user
else
	result SKIP bundled_type_changed_by_user
fi

# The restored registry governs validation, and numbering goes on from the
# restored history rather than starting over.
valid=$(q -d "$dst" -c "SELECT goodgo_events.validate_payload('invoice.issued', '{\"invoice_id\": \"i-1\", \"amount\": 5}')" 2>>"$log")
q -d "$dst" -c "SELECT goodgo_events.validate_payload('invoice.issued', '{\"amount\": 5}')" >>"$log" 2>&1
invalid_rc=$?
next=$(q -d "$dst" -c "SELECT goodgo_events.register_event_type('invoice.issued', '{\"type\": \"object\"}')" 2>>"$log")
if [ "$valid" = 2 ] && [ "$invalid_rc" -ne 0 ] && [ "$next" = 3 ]; then
	result PASS restored_registry_works
else
	echo "after restore: valid payload -> '$valid', invalid payload rc $invalid_rc, next version '$next'"
	cat "$log"
	result FAIL restored_registry_works
fi

# A parallel restore (directory format, pg_restore -j): the data of the
# registry tables is loaded by several sessions in no set order, which a
# foreign key between them broke (event_type_versions loaded before
# event_types: 23503, the user's versions lost).
pdump=$GG_TMP/registry_dump.dir
par=registry_dump_par
rm -rf "$pdump"
if "$GG_PGBIN/pg_dump" -Fd -j 2 -d "$src" -f "$pdump" >>"$log" 2>&1 &&
	q -d postgres -c "DROP DATABASE IF EXISTS $par" -c "CREATE DATABASE $par" >>"$log" 2>&1 &&
	"$GG_PGBIN/pg_restore" -j 4 --exit-on-error -d "$par" "$pdump" >"$GG_TMP/registry_dump.par.log" 2>&1; then
	result PASS parallel_restore
else
	cat "$GG_TMP/registry_dump.par.log"
	result FAIL parallel_restore
fi
listing "$par" >"$GG_TMP/registry_dump.par" 2>>"$log"
if diff -u "$GG_TMP/registry_dump.before" "$GG_TMP/registry_dump.par"; then
	result PASS parallel_restore_same_registry
else
	result FAIL parallel_restore_same_registry
fi

q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst" -c "DROP DATABASE IF EXISTS $par" >>"$log" 2>&1
exit 0
