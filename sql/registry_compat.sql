-- Contract evolution in the registry (issue 16): per-type compatibility and
-- policy, refusal of an incompatible version, the audited override, the
-- transitive check, the dry run, and who may change what.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = goodgo_events, public;

-- Defaults: every type, the bundled ones too, is FULL_TRANSITIVE / LENIENT.
SELECT event_type, compatibility, policy FROM event_types
 WHERE bundled ORDER BY event_type COLLATE "C";

-- v1 of a closed schema
SELECT register_event_type('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"}},"required":["id","amount"],"additionalProperties":false}') AS v;

-- the default mode refuses a version that changes a property's type
SELECT register_event_type('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"string"}},"required":["id","amount"],"additionalProperties":false}') AS v;
-- a new required property: old events lack it
SELECT register_event_type('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"},"currency":{"type":"string","default":"VND"}},"required":["id","amount","currency"],"additionalProperties":false}') AS v;
-- LENIENT and closed: an optional property is compatible both ways
SELECT register_event_type('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"},"note":{"type":"string"}},"required":["id","amount"],"additionalProperties":false}') AS v;
-- the same schema again is the same version, no check
SELECT register_event_type('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"},"note":{"type":"string"}},"required":["id","amount"],"additionalProperties":false}') AS v;

-- transitive: v3 removes note (compatible with v2 under LENIENT), v4 brings
-- note back as an integer: fine against v3, not against v2.  (v3 is not
-- byte for byte v1: v1's very schema would return version 1, see
-- sql/registry_versions.sql.)
SELECT register_event_type('compat.paid',
	'{"type":"object","description":"v3: note removed","properties":{"id":{"type":"string"},"amount":{"type":"integer"}},"required":["id","amount"],"additionalProperties":false}') AS v;
SELECT against_version, rule, effect, old_path, new_path, witness
  FROM check_event_type_compatibility('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"},"note":{"type":"integer"}},"required":["id","amount"],"additionalProperties":false}')
 ORDER BY 1 DESC, 2, 3;

-- G1: note was removed in v3, so it is reserved: back as an integer it is
-- refused whatever the direction checks say (FULL against v3 alone passes)
SELECT against_version, rule, effect, old_path, message
  FROM check_event_type_compatibility('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"},"note":{"type":"integer"}},"required":["id","amount"],"additionalProperties":false}',
	'FULL', NULL);
-- back with the schema it had is allowed
SELECT count(*) AS findings FROM check_event_type_compatibility('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"},"note":{"type":"string"}},"required":["id","amount"],"additionalProperties":false}');

-- the override: registered, reason and findings kept with the version
SELECT register_event_type('compat.paid',
	'{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"},"note":{"type":"integer"}},"required":["id","amount"],"additionalProperties":false}',
	override_reason => 'PAY-42: every consumer of note was migrated') AS v;
SELECT version, compat_report->>'override_reason' AS reason, compat_report->>'compatibility' AS mode,
       (SELECT string_agg(format('v%s %s %s', f->>'against_version', f->>'rule', f->>'effect'), ', ')
          FROM jsonb_array_elements(compat_report->'findings') f) AS findings
  FROM event_type_versions WHERE event_type = 'compat.paid' ORDER BY version;

-- open schemas are never refused for being open: they are checked STRICT,
-- and registration says so
SELECT register_event_type('compat.opened', '{"type":"object","properties":{"id":{"type":"string"}}}') AS v;
SELECT register_event_type('compat.opened', '{"type":"object","properties":{"id":{"type":"string"}},"description":"same"}') AS v;
SELECT register_event_type('compat.opened', '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}}}') AS v;

-- a warn type is checked STRICT: the closed optional property is refused FORWARD
SELECT register_event_type('compat.warned', '{"type":"object","properties":{"id":{"type":"string"}},"additionalProperties":false}', 'warn') AS v;
SELECT register_event_type('compat.warned', '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"additionalProperties":false}', 'warn') AS v;

-- set_event_type_compatibility: tighter is quiet, looser warns; NONE lets anything through
SELECT set_event_type_compatibility('compat.warned', 'FULL_TRANSITIVE', 'STRICT');
SELECT set_event_type_compatibility('compat.warned', 'BACKWARD');
SELECT register_event_type('compat.warned', '{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"}},"additionalProperties":false}', 'warn') AS v;
SELECT set_event_type_compatibility('compat.warned', 'BACKWARD_TRANSITIVE');
SELECT set_event_type_compatibility('compat.warned', 'NONE');
SELECT register_event_type('compat.warned', '{"type":"integer"}', 'warn') AS v;
SELECT event_type, compatibility, policy FROM event_types WHERE event_type LIKE 'compat.%' ORDER BY event_type COLLATE "C";

-- each version is read in the dialect it pinned: a draft-07 tuple and its
-- 2020-12 spelling are the same contract
SET goodgo_events.default_json_schema_draft = 'draft7';
SELECT register_event_type('compat.tuple', '{"type":"array","items":[{"type":"string"}],"additionalItems":false}') AS v;
RESET goodgo_events.default_json_schema_draft;
SELECT count(*) AS findings FROM check_event_type_compatibility('compat.tuple',
	'{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"}],"items":false}');
-- a version registered without format assertion never held producers to its formats
SET goodgo_events.json_schema_format_assertion = off;
SELECT register_event_type('compat.unasserted', '{"type":"string","format":"uuid"}') AS v;
RESET goodgo_events.json_schema_format_assertion;
SELECT against_version, rule, effect, message
  FROM check_event_type_compatibility('compat.unasserted', '{"type":"string","format":"uuid"}');

-- what consumers vendor: the writer schema, or the reader view of a LENIENT type
SELECT event_type_schema('compat.paid', 1) ? 'additionalProperties' AS writer_closed,
       event_type_schema('compat.paid', 1, reader => true) ? 'additionalProperties' AS reader_closed,
       event_type_schema('compat.opened', reader => true) = event_type_schema('compat.opened') AS open_type_unchanged,
       event_type_schema('compat.paid', 99) IS NULL AS no_such_version,
       jsonschema_is_valid(event_type_schema('compat.paid', 2, true), '{"id": "a", "amount": 1, "later": true}') AS reader_ignores_new_properties;
SELECT path, document ? '$id' AS has_id FROM export_contracts() WHERE path !~ '^compat\.(opened|warned|tuple|unasserted)/'
 ORDER BY path COLLATE "C";

-- R2: a shared document change is checked against every dependent type, in
-- its mode, in the same transaction; other types are not affected
SELECT register_schema('https://example.com/compat/money.json', '{"type":"integer","minimum":0}');
SELECT register_event_type('compat.priced',
	'{"type":"object","properties":{"price":{"$ref":"https://example.com/compat/money.json"}},"required":["price"],"additionalProperties":false}') AS v;
SELECT register_event_type('compat.counted',
	'{"type":"object","properties":{"count":{"$ref":"https://example.com/compat/money.json"}},"additionalProperties":false}') AS v;
SELECT set_event_type_compatibility('compat.counted', 'BACKWARD');
-- an annotation: fine for both
SELECT register_schema('https://example.com/compat/money.json', '{"type":"integer","minimum":0,"description":"minor units"}');
-- widening: breaks compat.priced (FULL_TRANSITIVE), not compat.counted (BACKWARD)
SELECT register_schema('https://example.com/compat/money.json', '{"type":"number","minimum":0}');
SELECT schema FROM schema_documents WHERE uri = 'https://example.com/compat/money.json';
SELECT set_event_type_compatibility('compat.priced', 'BACKWARD');
SELECT register_schema('https://example.com/compat/money.json', '{"type":"number","minimum":0}');
-- narrowing now breaks both (BACKWARD): refused, nothing changed
SELECT register_schema('https://example.com/compat/money.json', '{"type":"integer","minimum":1}');
SELECT schema FROM schema_documents WHERE uri = 'https://example.com/compat/money.json';

-- errors
SELECT set_event_type_compatibility('compat.paid', 'SIDEWAYS');
SELECT set_event_type_compatibility('compat.paid', 'FULL', 'LOOSE');
SELECT set_event_type_compatibility('compat.nosuch', 'FULL');
SELECT set_event_type_compatibility(NULL, 'FULL');
SELECT * FROM check_event_type_compatibility('compat.nosuch', '{}');
SELECT * FROM check_event_type_compatibility('compat.paid', '{}', 'SIDEWAYS');
SELECT * FROM check_event_type_compatibility('compat.paid', NULL);

-- privileges: only admins change the mode; anyone may run the dry run
CREATE ROLE compat_producer IN ROLE goodgo_events_producer;
SET ROLE compat_producer;
SELECT goodgo_events.set_event_type_compatibility('compat.paid', 'NONE');
SELECT count(*) > 0 AS dry_run_finds FROM goodgo_events.check_event_type_compatibility('compat.paid', '{"type":"object"}');
RESET ROLE;
DROP ROLE compat_producer;

-- the LENIENT lint
SELECT jsonschema_objects_closed('{"type":"object","additionalProperties":false}') AS closed,
       jsonschema_objects_closed('{"type":"object","properties":{"a":{"type":"object"}},"additionalProperties":false}') AS nested_open,
       jsonschema_objects_closed('{"type":"object","additionalProperties":{"type":"string"}}') AS map,
       jsonschema_objects_closed('{"type":"string"}') AS no_objects;
