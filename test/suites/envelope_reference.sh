# The envelope check against the outside reference: a corpus of envelopes
# (test/envelope_corpus.py) through the domain, python jsonschema with a
# format checker, and jsonschema_is_valid()/jsonschema_errors().  One line per case.
set -uo pipefail
cd "$GG_ROOT"

# The reference: the image's python (pyenv: jsonschema 4.26 with
# rfc3339-validator), not Debian's jsonschema 4.10, which never checks
# date-time.  The database side needs psycopg2 (Debian's python3-psycopg2).
first_python() {
	local c
	for c in /root/.pyenv/shims/python3 /usr/local/bin/python3 /usr/bin/python3 python3; do
		if "$c" -c "$1" 2>/dev/null; then
			echo "$c"
			return 0
		fi
	done
	return 1
}
ref=$(first_python 'import jsonschema, rfc3339_validator; jsonschema.Draft202012Validator.FORMAT_CHECKER')
db=$(first_python 'import psycopg2')
if [ -z "$ref" ] || [ -z "$db" ]; then
	echo "SKIP envelope_reference:all (need a python3 with jsonschema >= 4.x and rfc3339-validator, and one with psycopg2)" >>"$GG_RESULTS"
	exit 0
fi

PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -c 'DROP DATABASE IF EXISTS envelope_reference' \
	-c 'CREATE DATABASE envelope_reference' >/dev/null || exit 1
PGDATABASE=envelope_reference psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION goodgo_events' || exit 1
GG_REFERENCE_PYTHON=$ref PGDATABASE=envelope_reference "$db" test/envelope_reference.py
