-- The event envelope (version 1): src/envelope.c, schemas/envelope.schema.json.

CREATE FUNCTION goodgo_events.event_envelope_check(jsonb)
RETURNS boolean
AS 'MODULE_PATHNAME', 'goodgo_event_envelope_check'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION goodgo_events.event_envelope_check(jsonb) IS
	'check of the domain event_envelope: true for a valid envelope, else raises 23514 "invalid event envelope" with each failing JSON Pointer in the detail';

CREATE FUNCTION goodgo_events.envelope_errors(jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'goodgo_envelope_errors'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION goodgo_events.envelope_errors(jsonb) IS
	'findings of the envelope check as a jsonb array of output units {keywordLocation, instanceLocation, error}, relative to envelope.schema.json; [] when valid';

-- The CHECK raises its own precise error, so core's generic "violates check
-- constraint" message is never what a producer sees.  NULL passes, as for
-- any domain: declare the column NOT NULL.
CREATE DOMAIN goodgo_events.event_envelope AS jsonb
	CONSTRAINT event_envelope_check CHECK (goodgo_events.event_envelope_check(VALUE));

COMMENT ON DOMAIN goodgo_events.event_envelope IS
	'an event envelope v1 (schemaVersion, eventId, eventType, occurredAt, producer, traceId, payload), as schemas/envelope.schema.json states it';
