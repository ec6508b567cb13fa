# schemas/: the copies embedded in the install script equal the files, row
# for row, and the files are sound contracts (test/schemas_check.py).
set -uo pipefail
cd "$GG_ROOT"

psql() { command psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

PGOPTIONS='-c client_min_messages=warning' psql -c 'DROP DATABASE IF EXISTS schemas_embedded' \
	-c 'CREATE DATABASE schemas_embedded' || exit 1
export PGDATABASE=schemas_embedded
psql -c 'CREATE EXTENSION goodgo_events' || exit 1

# Each file against its row: the file's text is handed to the server as is
# and compared as jsonb (same JSON value; whitespace and key order aside).
names=()
for f in schemas/*.schema.json; do
	n=$(basename "$f" .schema.json)
	names+=("$n")
	got=$(psql -v name="$n" -v content="$(cat "$f")" <<'SQL'
SELECT CASE
	WHEN NOT EXISTS (SELECT FROM goodgo_events.bundled_schemas WHERE name = :'name') THEN 'missing'
	WHEN (SELECT schema FROM goodgo_events.bundled_schemas WHERE name = :'name') = :'content'::jsonb
	 AND (SELECT uri FROM goodgo_events.bundled_schemas WHERE name = :'name') = :'content'::jsonb ->> '$id'
		THEN 'equal'
	ELSE 'different' END;
SQL
	)
	if [ "$got" = equal ]; then
		echo "PASS schemas:embedded/$n" >>"$GG_RESULTS"
	else
		echo "FAIL schemas:embedded/$n (installed copy is $got)" >>"$GG_RESULTS"
	fi
done

# ... and nothing installed that is not a file.
if extra=$(psql -v names="$(printf '%s\n' "${names[@]}")" <<'SQL'
SELECT coalesce(string_agg(name, ' ' ORDER BY name COLLATE "C"), '')
  FROM goodgo_events.bundled_schemas
 WHERE name <> ALL (string_to_array(:'names', E'\n'));
SQL
	); then
	if [ -z "$extra" ]; then
		echo "PASS schemas:embedded/no-other-rows" >>"$GG_RESULTS"
	else
		echo "FAIL schemas:embedded/no-other-rows (rows without a file: $extra)" >>"$GG_RESULTS"
	fi
else
	echo "FAIL schemas:embedded/no-other-rows (query failed)" >>"$GG_RESULTS"
fi

# The contracts themselves, with python jsonschema (the image's pyenv one:
# Debian's 4.10 has no "referencing" and never checks date-time).
py=
for c in /root/.pyenv/shims/python3 /usr/local/bin/python3 /usr/bin/python3 python3; do
	if "$c" -c 'import jsonschema, referencing, rfc3339_validator' 2>/dev/null; then
		py=$c
		break
	fi
done
if [ -z "$py" ]; then
	echo "SKIP schemas:contracts (need python3 with jsonschema >= 4.18 and rfc3339-validator)" >>"$GG_RESULTS"
	exit 0
fi
"$py" test/schemas_check.py schemas >"$GG_TMP/schemas_check.out"
rc=$?
cat "$GG_TMP/schemas_check.out" >>"$GG_RESULTS"
grep -v '^PASS ' "$GG_TMP/schemas_check.out"
[ $rc -eq 0 ] || echo "FAIL schemas:contracts (test/schemas_check.py exited with $rc)" >>"$GG_RESULTS"
exit 0
