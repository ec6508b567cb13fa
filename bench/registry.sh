#!/usr/bin/env bash
# bench/registry.sh: what the event-type registry adds per validated payload.
#
# Starts a throwaway cluster (test/lib.sh), then times, in one session and
# the same run, N calls of:
#   baseline   jsonschema_is_valid(schema, payload) with the schema a constant
#              (the validator alone, its compiled schema cached at the call site)
#   registry   validate_payload('payment.completed', payload): cache lookup
#              (hash probe, invalidation check) + the same validation
#   lookup     validate_payload on a type in mode off: the lookup alone
#   evolved    a small FULL_TRANSITIVE type: a payload of its latest version,
#              and one of its older version (the fallback of issue 16)
# and, per registry change, the cost of the cache miss that follows it
# (re-read of the registry + compile of payment.completed with its $refs).
#
#   GG_PGPORT_BASE=... bash bench/registry.sh [N]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib.sh"
cd "$GG_ROOT"
N=${1:-200000}
M=$((N / 100))
gg_build_install
gg_start_pg
q() { "$GG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
q -c "CREATE EXTENSION goodgo_events"
q -c "SELECT goodgo_events.register_event_type('bench.off', '{\"type\": \"object\"}', 'off')" >/dev/null
# a FULL_TRANSITIVE type whose v2 dropped v1's optional note: a payload with
# a note fails v2 and is matched by v1 (the trigger's fallback)
q -c "SELECT goodgo_events.register_event_type('bench.evolved', '{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"}, \"note\": {\"type\": \"string\"}}, \"required\": [\"id\"], \"additionalProperties\": false}')" \
  -c "SELECT goodgo_events.register_event_type('bench.evolved', '{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"}}, \"required\": [\"id\"], \"additionalProperties\": false}')" >/dev/null

# Each measurement is the best of three runs, in milliseconds.
echo '| what | per call |'
echo '|---|---|'
q -v n="$N" -v m="$M" <<'SQL'
\set payload '{"paymentId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8d", "orderId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8e", "payerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c8f", "sellerId": "0190f5a4-7c3e-7a1b-9c2d-3e4f5a6b7c90", "amount": {"amountMinor": 150000, "currency": "VND"}, "gateway": "vnpay", "gatewayTransactionRef": "VNP14250001", "method": "card", "completedAt": "2026-11-27T04:40:00.123Z"}'
CREATE TEMP TABLE t (name text, ms numeric);
CREATE FUNCTION pg_temp.best(sql text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best numeric := 'Infinity'; i int;
BEGIN
	FOR i IN 1..3 LOOP
		t0 := clock_timestamp();
		EXECUTE sql;
		best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
	END LOOP;
	RETURN best;
END $$;
SELECT set_config('bench.payload', :'payload', false) \g /dev/null
SELECT set_config('bench.schema', (SELECT schema::text FROM goodgo_events.event_type_versions WHERE event_type = 'payment.completed' AND version = 1), false) \g /dev/null
-- warm up: compile everything once
SELECT goodgo_events.validate_payload('payment.completed', current_setting('bench.payload')::jsonb) \g /dev/null
INSERT INTO t VALUES
 ('baseline', pg_temp.best(format($q$SELECT count(*) FILTER (WHERE goodgo_events.jsonschema_is_valid(%L::jsonb, %L::jsonb)) FROM generate_series(1, %s)$q$,
	current_setting('bench.schema'), current_setting('bench.payload'), :n))),
 ('registry', pg_temp.best(format($q$SELECT count(goodgo_events.validate_payload('payment.completed', %L::jsonb)) FROM generate_series(1, %s)$q$,
	current_setting('bench.payload'), :n))),
 ('lookup', pg_temp.best(format($q$SELECT count(goodgo_events.validate_payload('bench.off', %L::jsonb)) FROM generate_series(1, %s)$q$,
	current_setting('bench.payload'), :n))),
 ('empty', pg_temp.best(format($q$SELECT count(%L::jsonb) FROM generate_series(1, %s)$q$,
	current_setting('bench.payload'), :n))),
 ('evolved_latest', pg_temp.best(format($q$SELECT count(goodgo_events.validate_payload('bench.evolved', '{"id": "e-1"}')) FROM generate_series(1, %s)$q$, :n))),
 ('evolved_fallback', pg_temp.best(format($q$SELECT count(goodgo_events.validate_payload('bench.evolved', '{"id": "e-1", "note": "n"}')) FROM generate_series(1, %s)$q$, :n)));
-- a registry change per iteration (a no-op UPDATE still fires the statement
-- trigger), then one validation: every validation is a cache miss
CREATE FUNCTION pg_temp.churn(n int, validate bool) RETURNS void LANGUAGE plpgsql AS $$
DECLARE i int; p jsonb := current_setting('bench.payload')::jsonb;
BEGIN
	FOR i IN 1..n LOOP
		UPDATE goodgo_events.event_types SET mode = mode WHERE false;
		IF validate THEN
			PERFORM goodgo_events.validate_payload('payment.completed', p);
		END IF;
	END LOOP;
END $$;
INSERT INTO t VALUES
 ('churn', pg_temp.best(format('SELECT pg_temp.churn(%s, true)', :m))),
 ('churn_base', pg_temp.best(format('SELECT pg_temp.churn(%s, false)', :m)));
WITH e AS (SELECT ms AS e FROM t WHERE name = 'empty'),
     r(k, what, us) AS (
	SELECT 1, 'validator alone: jsonschema_is_valid, constant schema (baseline)',
	       round(((SELECT ms FROM t WHERE name = 'baseline') - e) * 1000 / :n, 2) FROM e
	UNION ALL
	SELECT 2, 'registry: lookup + the same validation (validate_payload, enforce)',
	       round(((SELECT ms FROM t WHERE name = 'registry') - e) * 1000 / :n, 2) FROM e
	UNION ALL
	SELECT 3, 'registry: lookup alone (validate_payload, mode off)',
	       round(((SELECT ms FROM t WHERE name = 'lookup') - e) * 1000 / :n, 2) FROM e
	UNION ALL
	SELECT 4, 'cache miss after a registry change (re-read + compile with $refs)',
	       round(((SELECT ms FROM t WHERE name = 'churn') - (SELECT ms FROM t WHERE name = 'churn_base')) * 1000 / :m, 1)
	UNION ALL
	SELECT 5, 'small FULL_TRANSITIVE type, payload valid under the latest version',
	       round(((SELECT ms FROM t WHERE name = 'evolved_latest') - e) * 1000 / :n, 2) FROM e
	UNION ALL
	SELECT 6, 'the same type, payload of the older version (fails v2, matched by v1)',
	       round(((SELECT ms FROM t WHERE name = 'evolved_fallback') - e) * 1000 / :n, 2) FROM e)
SELECT format('| %s | %s µs |', what, us) FROM r ORDER BY k;
SQL
echo "(N = $N calls, $M for the cache miss; net of an empty loop; best of 3 runs)"
