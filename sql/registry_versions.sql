-- Version life cycle (issue 16, item 3): active / deprecated / disabled per
-- version, set_event_type_version_state(), and the outbox trigger's fallback
-- to older versions for BACKWARD_TRANSITIVE and FULL_TRANSITIVE types.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = goodgo_events, public;

-- v1 is closed with an optional note; v2 drops it (compatible FULL_TRANSITIVE
-- under LENIENT: v2's readers ignore the note of v1's events)
SELECT register_event_type('life.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["id"],"additionalProperties":false}') AS v;
SELECT register_event_type('life.paid',
	'{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}') AS v;
SELECT current_version, compatibility, policy FROM event_types WHERE event_type = 'life.paid';

-- a new-shaped event matches the latest; an old-shaped one fails v2 and
-- matches v1; one that matches neither gets the latest's findings
SELECT validate_payload('life.paid', '{"id": "a"}') AS validated_by;
SELECT validate_payload('life.paid', '{"id": "a", "note": "old producer"}') AS validated_by;
SELECT validate_payload('life.paid', '{"id": "a", "note": 5}');
-- the outbox row records the version that matched
SELECT emit('life.paid', '{"id": "p-1", "note": "old producer"}', aggregate_id => 'old-shape') IS NOT NULL AS emitted;
SELECT emit('life.paid', '{"id": "p-2"}', aggregate_id => 'new-shape') IS NOT NULL AS emitted;
SELECT aggregate_id, schema_version, findings FROM outbox WHERE event_type = 'life.paid' ORDER BY seq;

-- deprecated: still matched, with a WARNING once per backend and version
SELECT set_event_type_version_state('life.paid', 1, 'deprecated');
SELECT version, state, changed_by = current_user AS by_me FROM event_type_version_states
 WHERE event_type = 'life.paid' ORDER BY version;
SELECT emit('life.paid', '{"id": "p-3", "note": "deprecated"}', aggregate_id => 'deprecated-1') IS NOT NULL AS emitted;
SELECT emit('life.paid', '{"id": "p-4", "note": "deprecated"}', aggregate_id => 'deprecated-2') IS NOT NULL AS emitted;
-- a registry change empties the cache, but does not make it warn again
SELECT register_event_type('life.other', '{"type":"object"}') AS v;
SELECT validate_payload('life.paid', '{"id": "a", "note": "again"}') AS validated_by;
SELECT aggregate_id, schema_version FROM outbox WHERE aggregate_id LIKE 'deprecated-%' ORDER BY seq;

-- disabled: never matched, the latest's findings as if there were no fallback
SELECT set_event_type_version_state('life.paid', 1, 'disabled');
SELECT validate_payload('life.paid', '{"id": "a", "note": "disabled"}');
SELECT emit('life.paid', '{"id": "p-5", "note": "disabled"}', aggregate_id => 'disabled');
SELECT count(*) FROM outbox WHERE aggregate_id = 'disabled';
SELECT validate_payload('life.paid', '{"id": "a"}') AS validated_by;

-- a state change rolled back is forgotten by this session's cache too
BEGIN;
SELECT set_event_type_version_state('life.paid', 1, 'active');
SELECT validate_payload('life.paid', '{"id": "a", "note": "in the transaction"}') AS validated_by;
ROLLBACK;
SELECT validate_payload('life.paid', '{"id": "a", "note": "after the rollback"}');

-- re-enabled: matched again, silently
SELECT set_event_type_version_state('life.paid', 1, 'active');
SELECT validate_payload('life.paid', '{"id": "a", "note": "re-enabled"}') AS validated_by;
SELECT version, state FROM event_type_version_states WHERE event_type = 'life.paid' ORDER BY version;

-- newest first: v3 drops a as v2 dropped b; {"a":1} matches v2 (and v1),
-- {"b":1} only v1
SELECT register_event_type('life.tiers',
	'{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"additionalProperties":false}') AS v;
SELECT register_event_type('life.tiers',
	'{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false}') AS v;
SELECT register_event_type('life.tiers', '{"type":"object","additionalProperties":false}') AS v;
SELECT validate_payload('life.tiers', '{}') AS latest,
	   validate_payload('life.tiers', '{"a": 1}') AS a_matches,
	   validate_payload('life.tiers', '{"b": 1}') AS b_matches;
SELECT set_event_type_version_state('life.tiers', 2, 'disabled');
SELECT validate_payload('life.tiers', '{"a": 1}') AS a_matches_without_v2;
SELECT set_event_type_version_state('life.tiers', 2, 'active');

-- only BACKWARD_TRANSITIVE and FULL_TRANSITIVE read older versions' events
SELECT set_event_type_compatibility('life.tiers', 'BACKWARD_TRANSITIVE');
SELECT validate_payload('life.tiers', '{"a": 1}') AS backward_transitive;
SELECT set_event_type_compatibility('life.tiers', 'FULL');
SELECT validate_payload('life.tiers', '{"a": 1}') AS full;
SELECT set_event_type_compatibility('life.tiers', 'BACKWARD');
SELECT validate_payload('life.tiers', '{"a": 1}') AS backward;
SELECT set_event_type_compatibility('life.tiers', 'FORWARD_TRANSITIVE');
SELECT validate_payload('life.tiers', '{"a": 1}') AS forward_transitive;
SELECT set_event_type_compatibility('life.tiers', 'NONE');
SELECT validate_payload('life.tiers', '{"a": 1}') AS none;
SELECT set_event_type_compatibility('life.tiers', 'FULL_TRANSITIVE');
SELECT validate_payload('life.tiers', '{"a": 1}') AS full_transitive;

-- a warn type: an older version's event is accepted as that version, with
-- no findings; one that matches nothing warns with the latest's findings
SELECT register_event_type('life.noted',
	'{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}', 'warn') AS v;
SELECT register_event_type('life.noted',
	'{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":false}', 'warn',
	override_reason => 'test: id changes type on purpose') AS v;
SELECT emit('life.noted', '{"id": "s-1"}', aggregate_id => 'noted-old') IS NOT NULL AS emitted;
SELECT emit('life.noted', '{"id": 7}', aggregate_id => 'noted-new') IS NOT NULL AS emitted;
SELECT emit('life.noted', '{"id": true}', aggregate_id => 'noted-bad') IS NOT NULL AS emitted;
SELECT aggregate_id, schema_version, findings IS NOT NULL AS has_findings
  FROM outbox WHERE event_type = 'life.noted' ORDER BY seq;

-- errors
SELECT set_event_type_version_state('life.nosuch', 1, 'deprecated');
\echo :LAST_ERROR_SQLSTATE
SELECT set_event_type_version_state('life.paid', 9, 'deprecated');
\echo :LAST_ERROR_SQLSTATE
SELECT set_event_type_version_state('life.paid', 1, 'retired');
\echo :LAST_ERROR_SQLSTATE
-- the latest version stays active: producers are validated against it first
SELECT set_event_type_version_state('life.paid', 2, 'deprecated');
\echo :LAST_ERROR_SQLSTATE
SELECT set_event_type_version_state('life.paid', 2, 'disabled');
SELECT set_event_type_version_state('life.paid', 2, 'active');
SELECT set_event_type_version_state('life.paid', NULL, 'active');
\echo :LAST_ERROR_SQLSTATE
SELECT set_event_type_version_state('life.paid', 1, NULL);
SELECT set_event_type_version_state(NULL, 1, 'active');
-- the table itself refuses a state that does not exist
\set VERBOSITY terse
INSERT INTO event_type_version_states (event_type, version, state) VALUES ('life.paid', 2, 'sunset');
\set VERBOSITY default

-- privileges: admins only, like the other registry changes
CREATE ROLE life_producer IN ROLE goodgo_events_producer;
CREATE ROLE life_admin IN ROLE goodgo_events_admin;
SET ROLE life_producer;
SELECT goodgo_events.set_event_type_version_state('life.paid', 1, 'deprecated');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) >= 1 AS producers_read_states FROM goodgo_events.event_type_version_states;
RESET ROLE;
SET ROLE life_admin;
SELECT goodgo_events.set_event_type_version_state('life.paid', 1, 'deprecated');
RESET ROLE;
SELECT version, state, changed_by FROM event_type_version_states WHERE event_type = 'life.paid' ORDER BY version;
DROP ROLE life_producer;
DROP ROLE life_admin;
SELECT set_event_type_version_state('life.paid', 1, 'active');

-- re-registering the schema of an older version the trigger still accepts
-- returns that version and adds none
SELECT register_event_type('life.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["id"],"additionalProperties":false}') AS v;
SELECT register_event_type('life.paid',
	'{"additionalProperties":false,"required":["id"],"properties":{"note":{"type":"string"},"id":{"type":"string"}},"type":"object"}') AS v_reordered;
SELECT max(version) AS versions, (SELECT current_version FROM event_types WHERE event_type = 'life.paid') AS current
  FROM event_type_versions WHERE event_type = 'life.paid';
-- a deprecated one too (its events are still accepted, with the warning)
SELECT set_event_type_version_state('life.tiers', 1, 'deprecated');
-- (the warning is per type and version: life.paid's version 1 warned above)
SELECT validate_payload('life.tiers', '{"b": 1}') AS validated_by;
SELECT register_event_type('life.tiers',
	'{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"additionalProperties":false}') AS v;
-- a disabled one is not accepted any more: its schema is the next version
SELECT set_event_type_version_state('life.paid', 1, 'disabled');
SELECT register_event_type('life.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"required":["id"],"additionalProperties":false}') AS v;
SELECT validate_payload('life.paid', '{"id": "a", "note": "now the latest"}') AS validated_by;
-- in a mode that never falls back, the same: the next version
SELECT set_event_type_compatibility('life.tiers', 'FULL');
SELECT register_event_type('life.tiers',
	'{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false}') AS v;

-- An older version that no longer compiles (a shared document it refers to
-- deleted by hand) is skipped with a WARNING: the producer gets the latest
-- version's findings, not that version's compile error.
SELECT register_schema('https://example.com/life/code.json', '{"type": "string", "minLength": 2}');
SELECT register_event_type('life.coded',
	'{"type":"object","properties":{"code":{"$ref":"https://example.com/life/code.json"}},"required":["code"],"additionalProperties":false}') AS v;
SELECT set_event_type_compatibility('life.coded', 'NONE');
SELECT register_event_type('life.coded',
	'{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":false}') AS v;
SELECT set_event_type_compatibility('life.coded', 'FULL_TRANSITIVE');
DELETE FROM schema_document_versions WHERE uri = 'https://example.com/life/code.json';
DELETE FROM schema_documents WHERE uri = 'https://example.com/life/code.json';
SELECT validate_payload('life.coded', '{"code": "ab"}') AS validated_by;
-- (skipped from then on in this session, without a second warning)
SELECT validate_payload('life.coded', '{"code": "cd"}') AS validated_by;
SELECT validate_payload('life.coded', '{"id": 7}') AS validated_by;
-- (a broken version would also stop every change of a shared document, whose
-- check compiles the dependent versions: out of the way for the next tests)
SELECT set_event_type_version_state('life.coded', 1, 'disabled');
SELECT set_event_type_compatibility('life.coded', 'NONE');
