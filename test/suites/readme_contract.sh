# The README's "Evolving a contract" walk-through, run as written: its SQL
# blocks, in order, in a fresh database, and the outputs the text claims
# (versions 1 and 2, the refusal of the breaking change with its witness,
# the v2 type accepting a bad payload in warn mode with its finding, then
# rejecting it once enforced).  A README edit that breaks the example fails
# here.
set -uo pipefail
cd "$GG_ROOT"

db=readme_contract
fail() { echo "FAIL readme_contract:$1" >>"$GG_RESULTS"; echo "readme_contract: $1: ${2:-}" >&2; }
pass() { echo "PASS readme_contract:$1" >>"$GG_RESULTS"; }
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }
q() { "$GG_PGBIN/psql" -X -q -At -d "$db" "$@"; }

PGOPTIONS="-c client_min_messages=warning" "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" -d postgres ||
	{ fail setup "could not create database $db"; exit 0; }
q -c "CREATE EXTENSION goodgo_events" || { fail setup "CREATE EXTENSION"; exit 0; }

# The section, and its ```sql blocks one file each.
sect=$GG_TMP/readme_contract.md
awk '/^## Evolving a contract/ { on = 1; next } /^## / { on = 0 } on' README.md >"$sect"
check section_found [ -s "$sect" ]
rm -f "$GG_TMP"/readme_contract.block.*
awk -v dir="$GG_TMP" '/^```sql$/ { n++; on = 1; next } /^```$/ { on = 0 } on { print > (dir "/readme_contract.block." n) }' "$sect"
nblocks=$(ls "$GG_TMP"/readme_contract.block.* 2>/dev/null | wc -l)
check four_sql_blocks [ "$nblocks" -eq 4 ]
run() { q -v ON_ERROR_STOP=1 -f "$GG_TMP/readme_contract.block.$1" 2>&1; }

# 1: versions 1 and 2, as the comments under the calls say.
out=$(run 1)
check compatible_change:versions_1_and_2 [ "$(echo "$out" | tr '\n' ' ')" = "1 2 " ]
check compatible_change:comments_say_so grep -q -- '^-- 2$' "$GG_TMP/readme_contract.block.1"

# 2: the breaking change (the README shows the error, the schema is in the
# text): amount as a decimal string is refused with the messages shown.
out=$(q -c "SELECT goodgo_events.register_event_type('refund.issued', '{
  \"type\": \"object\", \"additionalProperties\": false, \"required\": [\"refundId\", \"amount\"],
  \"properties\": {\"refundId\": {\"type\": \"string\"}, \"amount\": {\"type\": \"string\", \"pattern\": \"^[0-9]+[.][0-9]{2}$\"},
                 \"reason\": {\"type\": \"string\", \"maxLength\": 200}}}')" 2>&1)
first=$(sed -n 's/^ERROR:  //p' "$sect" | head -1)
check breaking_change:refused_as_shown grep -qF "ERROR:  $first" <<<"$out"
check breaking_change:witness_as_shown grep -qF 'witness {"amount": 1, "refundId": ""}' <<<"$out"
check breaking_change:hint_as_shown grep -qF 'HINT:  publish a new event type for a breaking change' <<<"$out"
check breaking_change:still_version_2 [ "$(q -c "SELECT current_version FROM goodgo_events.event_types WHERE event_type = 'refund.issued'")" = 2 ]

# 3: the new type in warn mode, then both emitted in one transaction.
out=$(run 2)
check new_type:registered [ "$out" = 1 ]
out=$(run 3)
check dual_publish:both_committed [ "$(q -c "SELECT string_agg(event_type, ',' ORDER BY seq) FROM goodgo_events.outbox WHERE event_type LIKE 'refund.%'")" = "refund.issued,refund.issued.v2" ]
check dual_publish:same_stream [ "$(q -c "SELECT count(DISTINCT stream) FROM goodgo_events.outbox WHERE event_type LIKE 'refund.%'")" = 1 ]
check dual_publish:stream_named_as_shown [ -n "$(q -c "SELECT 1 FROM goodgo_events.outbox WHERE event_type = 'refund.issued' AND stream LIKE 'goodgo:refund:{%'")" ]
# A bad v2 payload in warn mode: accepted, WARNING and DETAIL as the text says.
bad='{"refundId": "r-2", "amount": {"value": "12.5", "currency": "VND"}}'
out=$(q -c "SELECT goodgo_events.emit('refund.issued.v2', '$bad', 'order-43') IS NOT NULL" 2>&1)
check warn_mode:accepted grep -qx 't' <<<"$out"
check warn_mode:warning_as_shown grep -qF 'WARNING:  payload of event type "refund.issued.v2" does not match its schema' <<<"$out"
check warn_mode:detail_as_shown grep -qF 'DETAIL:  /amount/value: must match pattern' <<<"$out"
check warn_mode:todo_list [ "$(q -c "SELECT event_type || ':' || count(*) FROM goodgo_events.outbox WHERE findings IS NOT NULL GROUP BY event_type")" = "refund.issued.v2:1" ]

# 4: enforce; the same payload now fails the producer's transaction.
out=$(run 4)
check enforce:same_version [ "$out" = 1 ]
check enforce:mode [ "$(q -c "SELECT mode FROM goodgo_events.event_types WHERE event_type = 'refund.issued.v2'")" = enforce ]
out=$(q -c "\\set VERBOSITY verbose" -c "SELECT goodgo_events.emit('refund.issued.v2', '$bad', 'order-44')" 2>&1)
check enforce:rejected_23514 grep -q 'ERROR:  23514: payload of event type "refund.issued.v2" does not match its schema' <<<"$out"
exit 0
