-- generated from sql/objects/*.sql by the Makefile: edit those files
\echo Use "CREATE EXTENSION goodgo_events" to load this file. \quit

-- sql/objects/00_schema.sql
-- The extension's schema is created by CREATE EXTENSION (control file:
-- schema = goodgo_events).  Nothing else may be created in it by users.
COMMENT ON SCHEMA goodgo_events IS 'goodgo_events: validated event outbox, JSON Schema contracts, UUIDv7';

-- sql/objects/10_uuid_v7.sql
-- uuid_v7 family (src/uuid_v7.c): RFC 9562 version 7 UUIDs.

-- The generator keeps per-backend state (the last value's time) to be
-- strictly increasing.  A parallel worker is a separate process with its own
-- state, so values from several workers would interleave out of order:
-- PARALLEL RESTRICTED keeps every call of one statement in the leader, and so
-- in order.
CREATE FUNCTION goodgo_events.uuid_v7()
RETURNS uuid
AS 'MODULE_PATHNAME', 'goodgo_uuid_v7'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION goodgo_events.uuid_v7() IS
'a new UUIDv7 (RFC 9562): unix ms, 12-bit sub-ms fraction, 62 random bits; strictly increasing within a session';

-- Stateless apart from the random bytes, which each process draws for itself:
-- safe in a parallel worker.
CREATE FUNCTION goodgo_events.uuid_v7(timestamptz)
RETURNS uuid
AS 'MODULE_PATHNAME', 'goodgo_uuid_v7_at'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION goodgo_events.uuid_v7(timestamptz) IS
'a UUIDv7 for the given instant (its sub-ms part in rand_a), with fresh random bits';

CREATE FUNCTION goodgo_events.uuid_v7_time(uuid)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'goodgo_uuid_v7_time'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION goodgo_events.uuid_v7_time(uuid) IS
'the millisecond embedded in a UUIDv7; NULL unless the uuid is version 7 with variant 10';

CREATE FUNCTION goodgo_events.uuid_v7_floor(timestamptz)
RETURNS uuid
AS 'MODULE_PATHNAME', 'goodgo_uuid_v7_floor'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION goodgo_events.uuid_v7_floor(timestamptz) IS
'the smallest UUIDv7 of the given millisecond, for id >= ... range scans and partition bounds';

-- sql/objects/20_jsonschema.sql
-- JSON Schema validation (src/jsonschema/).

CREATE TABLE goodgo_events.schema_documents (
	uri text PRIMARY KEY,
	schema_id text,
	schema jsonb NOT NULL,
	registered_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schema_documents_schema_id_idx ON goodgo_events.schema_documents (schema_id);
COMMENT ON TABLE goodgo_events.schema_documents IS
	'JSON Schema documents that any schema can $ref by URI or $id (register_schema); never fetched from a network';
COMMENT ON COLUMN goodgo_events.schema_documents.uri IS 'absolute URI the document is registered under, without fragment';
COMMENT ON COLUMN goodgo_events.schema_documents.schema_id IS 'the document''s own $id resolved against uri, when it differs from uri';
COMMENT ON COLUMN goodgo_events.schema_documents.schema IS 'the schema document';
COMMENT ON COLUMN goodgo_events.schema_documents.registered_at IS 'when it was last registered';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.schema_documents', '');

CREATE FUNCTION goodgo_events.schema_documents_changed() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'goodgo_schema_documents_changed';
COMMENT ON FUNCTION goodgo_events.schema_documents_changed() IS
	'statement trigger: invalidates compiled JSON Schemas in every backend when schema_documents changes';
CREATE TRIGGER schema_documents_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON goodgo_events.schema_documents
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.schema_documents_changed();

-- Validation reads the GUCs and schema_documents: STABLE, not IMMUTABLE.
CREATE FUNCTION goodgo_events.jsonschema_is_valid(schema jsonb, instance jsonb) RETURNS boolean
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_is_valid';
COMMENT ON FUNCTION goodgo_events.jsonschema_is_valid(jsonb, jsonb) IS
	'does the instance match the JSON Schema (draft 2020-12 unless $schema or default_json_schema_draft says otherwise)';

-- Compiles in a subtransaction to turn an invalid schema into false: no
-- subtransactions in parallel mode, so PARALLEL UNSAFE.
CREATE FUNCTION goodgo_events.jsonschema_is_valid(schema jsonb) RETURNS boolean
	LANGUAGE c STABLE STRICT PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_schema_is_valid';
COMMENT ON FUNCTION goodgo_events.jsonschema_is_valid(jsonb) IS
	'is the schema itself valid: against its metaschema, with valid regexes and resolvable references';

CREATE FUNCTION goodgo_events.jsonschema_errors(schema jsonb, instance jsonb) RETURNS jsonb
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_errors';
COMMENT ON FUNCTION goodgo_events.jsonschema_errors(jsonb, jsonb) IS
	'why the instance does not match: the "basic" output units (keywordLocation, absoluteKeywordLocation, instanceLocation, error), [] when valid';

CREATE FUNCTION goodgo_events.jsonb_matches_schema(schema json, instance jsonb) RETURNS boolean
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonb_matches_schema';
COMMENT ON FUNCTION goodgo_events.jsonb_matches_schema(json, jsonb) IS
	'pg_jsonschema-compatible signature of jsonschema_is_valid (format is asserted here)';

CREATE FUNCTION goodgo_events.json_matches_schema(schema json, instance json) RETURNS boolean
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_json_matches_schema';
COMMENT ON FUNCTION goodgo_events.json_matches_schema(json, json) IS
	'pg_jsonschema-compatible signature of jsonschema_is_valid for json values (format is asserted here)';

CREATE FUNCTION goodgo_events.jsonschema_check_document(uri text, schema jsonb) RETURNS text
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_check_document';
COMMENT ON FUNCTION goodgo_events.jsonschema_check_document(text, jsonb) IS
	'raises 22023 unless the document is a valid schema for register_schema; returns its $id when that differs from uri';

CREATE FUNCTION goodgo_events.register_schema(uri text, schema jsonb) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	id text := goodgo_events.jsonschema_check_document(uri, schema);
BEGIN
	INSERT INTO goodgo_events.schema_documents AS d (uri, schema_id, schema)
	VALUES (uri, id, schema)
	ON CONFLICT ON CONSTRAINT schema_documents_pkey
	DO UPDATE SET schema_id = EXCLUDED.schema_id, schema = EXCLUDED.schema, registered_at = now();
END
$$;
COMMENT ON FUNCTION goodgo_events.register_schema(text, jsonb) IS
	'store a schema document that any schema can $ref by this URI or by its $id (replaces one registered under the same URI)';

CREATE FUNCTION goodgo_events.jsonschema_cache_stats(OUT entries integer, OUT hits bigint, OUT misses bigint,
													OUT epoch bigint, OUT bytes bigint)
	LANGUAGE c VOLATILE STRICT PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_cache_stats';
COMMENT ON FUNCTION goodgo_events.jsonschema_cache_stats() IS
	'this backend''s cache of compiled JSON Schemas: entries, hits, misses, invalidation epoch, memory used';

-- sql/objects/30_envelope.sql
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

-- sql/objects/40_bundled_schemas.sql
-- The JSON Schema files of schemas/, embedded by the build (rows in
-- 41_bundled_schemas_data.sql, generated from the files; never edit them here).
CREATE TABLE goodgo_events.bundled_schemas (
	name text PRIMARY KEY,
	uri text GENERATED ALWAYS AS (schema ->> '$id') STORED,
	schema jsonb NOT NULL,
	CONSTRAINT bundled_schemas_is_object CHECK (jsonb_typeof(schema) = 'object')
);

COMMENT ON TABLE goodgo_events.bundled_schemas IS
	'JSON Schema documents shipped with the extension, copied at build time from schemas/*.schema.json (name = file name without .schema.json)';
COMMENT ON COLUMN goodgo_events.bundled_schemas.name IS
	'file name without .schema.json: envelope, definitions, or an event type such as payment.completed';
COMMENT ON COLUMN goodgo_events.bundled_schemas.uri IS
	'the document''s $id, by which other schemas $ref it';
COMMENT ON COLUMN goodgo_events.bundled_schemas.schema IS
	'the schema document, equal to the file''s JSON';

-- sql/objects/41_bundled_schemas_data.sql
-- generated from schemas/*.schema.json by the Makefile: edit those files

INSERT INTO goodgo_events.bundled_schemas (name, schema) VALUES ('definitions', $gg_schema$
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.goodgo.example/events/definitions.schema.json",
  "title": "Shared definitions of GoodGo event payloads",
  "description": "Building blocks the event payload schemas refer to with $ref: identifiers, money in integer minor units, UTC timestamps, the actor who did something. Not an event type by itself.",
  "$defs": {
    "uuid": {
      "description": "A UUID in canonical lowercase text form (any version).",
      "type": "string",
      "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    },
    "utcTimestamp": {
      "description": "An RFC 3339 date-time in UTC (upper-case T and Z), fractional seconds optional.",
      "type": "string",
      "format": "date-time",
      "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$"
    },
    "currencyCode": {
      "description": "ISO 4217 alphabetic currency code, e.g. VND or USD.",
      "type": "string",
      "pattern": "^[A-Z]{3}$"
    },
    "countryCode": {
      "description": "ISO 3166-1 alpha-2 country code, e.g. VN.",
      "type": "string",
      "pattern": "^[A-Z]{2}$"
    },
    "money": {
      "description": "An amount in the currency's minor units (VND has none, so 150000 is 150,000 VND; USD 1999 is 19.99 USD). Never a float.",
      "type": "object",
      "required": ["amountMinor", "currency"],
      "additionalProperties": false,
      "properties": {
        "amountMinor": {
          "type": "integer",
          "minimum": 0,
          "maximum": 9007199254740991
        },
        "currency": { "$ref": "#/$defs/currencyCode" }
      }
    },
    "actor": {
      "description": "Who did it: a user, a staff member (moderator, KYC reviewer) or an automated system, by id only.",
      "type": "object",
      "required": ["type", "id"],
      "additionalProperties": false,
      "properties": {
        "type": { "enum": ["user", "staff", "system"] },
        "id": {
          "description": "A user or staff uuid, or the name of the system (e.g. kyc-auto-review).",
          "type": "string",
          "minLength": 1,
          "maxLength": 128
        }
      }
    },
    "gatewayReference": {
      "description": "The payment gateway's own reference for a transaction, as it sent it in the IPN.",
      "type": "string",
      "minLength": 1,
      "maxLength": 128,
      "pattern": "^[!-~]+$"
    }
  }
}
$gg_schema$);

INSERT INTO goodgo_events.bundled_schemas (name, schema) VALUES ('envelope', $gg_schema$
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.goodgo.example/events/envelope.schema.json",
  "title": "Event envelope, version 1",
  "description": "The wrapper every GoodGo event travels in, from the producer's transaction through the outbox to Redis Streams and its consumers. Exactly these seven keys; the payload is checked separately against the schema registered for eventType. The date-time format is an assertion here: validate with format checking on.",
  "type": "object",
  "required": [
    "schemaVersion",
    "eventId",
    "eventType",
    "occurredAt",
    "producer",
    "traceId",
    "payload"
  ],
  "additionalProperties": false,
  "properties": {
    "schemaVersion": {
      "description": "Version of the envelope itself (not of the payload). 1 is the only version this release knows.",
      "type": "integer",
      "const": 1
    },
    "eventId": {
      "description": "UUIDv7 (RFC 9562) in canonical lowercase text form: version nibble 7, variant bits 10. Time ordered; the idempotency key.",
      "type": "string",
      "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    },
    "eventType": {
      "description": "Dotted lowercase name, at least <aggregate>.<past-tense-verb>, e.g. payment.completed.",
      "type": "string",
      "pattern": "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$"
    },
    "occurredAt": {
      "description": "When the fact happened: an RFC 3339 date-time in UTC with an upper-case T and Z, fractional seconds optional.",
      "type": "string",
      "format": "date-time",
      "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$"
    },
    "producer": {
      "description": "Name of the service that produced the event, e.g. api.",
      "type": "string",
      "minLength": 1
    },
    "traceId": {
      "description": "OpenTelemetry trace id: 32 lowercase hexadecimal digits; all zeros when there is no trace.",
      "type": "string",
      "pattern": "^[0-9a-f]{32}$"
    },
    "payload": {
      "description": "The event's data, validated by the JSON Schema registered for eventType.",
      "type": "object"
    }
  }
}
$gg_schema$);

INSERT INTO goodgo_events.bundled_schemas (name, schema) VALUES ('kyc.verified', $gg_schema$
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.goodgo.example/events/kyc.verified.schema.json",
  "title": "kyc.verified payload",
  "description": "KYC review marked a user verified at some level. Carries no identity document data (no names, numbers or images): consumers that need them ask the KYC service.",
  "type": "object",
  "required": [
    "userId",
    "kycCaseId",
    "level",
    "documentType",
    "issuingCountry",
    "verifiedBy",
    "verifiedAt"
  ],
  "additionalProperties": false,
  "properties": {
    "userId": { "$ref": "definitions.schema.json#/$defs/uuid" },
    "kycCaseId": { "$ref": "definitions.schema.json#/$defs/uuid" },
    "level": {
      "description": "basic: phone and e-mail; identity: an identity document checked; enhanced: identity plus address and source of funds.",
      "enum": ["basic", "identity", "enhanced"]
    },
    "documentType": { "enum": ["national_id", "passport", "driver_license", "none"] },
    "issuingCountry": { "$ref": "definitions.schema.json#/$defs/countryCode" },
    "provider": {
      "description": "The identity verification provider, when one was used.",
      "type": "string",
      "minLength": 1,
      "maxLength": 64
    },
    "verifiedBy": { "$ref": "definitions.schema.json#/$defs/actor" },
    "verifiedAt": { "$ref": "definitions.schema.json#/$defs/utcTimestamp" },
    "expiresAt": {
      "description": "When the verification must be renewed, if ever.",
      "$ref": "definitions.schema.json#/$defs/utcTimestamp"
    }
  }
}
$gg_schema$);

INSERT INTO goodgo_events.bundled_schemas (name, schema) VALUES ('listing.approved', $gg_schema$
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.goodgo.example/events/listing.approved.schema.json",
  "title": "listing.approved payload",
  "description": "Moderation approved a listing, which becomes visible to buyers. Emitted for each approved revision of the listing.",
  "type": "object",
  "required": [
    "listingId",
    "sellerId",
    "revision",
    "categoryId",
    "price",
    "approvedBy",
    "approvedAt"
  ],
  "additionalProperties": false,
  "properties": {
    "listingId": { "$ref": "definitions.schema.json#/$defs/uuid" },
    "sellerId": { "$ref": "definitions.schema.json#/$defs/uuid" },
    "revision": {
      "description": "The listing revision that was reviewed; starts at 1 and grows with each edit.",
      "type": "integer",
      "minimum": 1
    },
    "categoryId": {
      "description": "Catalogue category slug, e.g. electronics.phones.",
      "type": "string",
      "pattern": "^[a-z0-9]+([._-][a-z0-9]+)*$",
      "maxLength": 100
    },
    "price": { "$ref": "definitions.schema.json#/$defs/money" },
    "review": {
      "description": "How the listing was reviewed: by a moderator, or by the automatic rules alone.",
      "enum": ["manual", "automatic"]
    },
    "approvedBy": { "$ref": "definitions.schema.json#/$defs/actor" },
    "submittedAt": {
      "description": "When the seller submitted this revision for review.",
      "$ref": "definitions.schema.json#/$defs/utcTimestamp"
    },
    "approvedAt": { "$ref": "definitions.schema.json#/$defs/utcTimestamp" }
  }
}
$gg_schema$);

INSERT INTO goodgo_events.bundled_schemas (name, schema) VALUES ('payment.completed', $gg_schema$
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.goodgo.example/events/payment.completed.schema.json",
  "title": "payment.completed payload",
  "description": "A payment moved to succeeded after the gateway's IPN (instant payment notification) confirmed it. Emitted once per payment, in the transaction that records the new status.",
  "type": "object",
  "required": [
    "paymentId",
    "orderId",
    "payerId",
    "sellerId",
    "amount",
    "gateway",
    "gatewayTransactionRef",
    "method",
    "completedAt"
  ],
  "additionalProperties": false,
  "properties": {
    "paymentId": { "$ref": "definitions.schema.json#/$defs/uuid" },
    "orderId": { "$ref": "definitions.schema.json#/$defs/uuid" },
    "payerId": {
      "description": "The buyer's user id.",
      "$ref": "definitions.schema.json#/$defs/uuid"
    },
    "sellerId": {
      "description": "The user id of the seller who is paid.",
      "$ref": "definitions.schema.json#/$defs/uuid"
    },
    "amount": {
      "description": "What the buyer paid, including fees.",
      "$ref": "definitions.schema.json#/$defs/money"
    },
    "platformFee": {
      "description": "The marketplace's commission, in the same currency as amount.",
      "$ref": "definitions.schema.json#/$defs/money"
    },
    "gateway": { "enum": ["vnpay", "momo", "zalopay", "stripe"] },
    "gatewayTransactionRef": { "$ref": "definitions.schema.json#/$defs/gatewayReference" },
    "method": { "enum": ["card", "bank_transfer", "ewallet", "qr"] },
    "ipnReceivedAt": {
      "description": "When the gateway's IPN reached us.",
      "$ref": "definitions.schema.json#/$defs/utcTimestamp"
    },
    "completedAt": {
      "description": "When the gateway says the payment succeeded.",
      "$ref": "definitions.schema.json#/$defs/utcTimestamp"
    }
  }
}
$gg_schema$);

-- sql/objects/45_jsonb_text.sql
-- jsonb as JSON text (src/jsonb_text.c): the same bytes as jsonb::text,
-- faster; the relay's way of reading envelopes.

-- A pure function of its argument's bytes: IMMUTABLE, STRICT (NULL in, NULL
-- out, as the cast), PARALLEL SAFE.  Harmless, so EXECUTE stays with PUBLIC.
CREATE FUNCTION goodgo_events.jsonb_text(jsonb)
RETURNS text
AS 'MODULE_PATHNAME', 'goodgo_jsonb_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION goodgo_events.jsonb_text(jsonb) IS
	'the JSON text of a jsonb value, byte for byte what jsonb::text prints (same separators, key order, escapes and numbers), several times faster';

-- sql/objects/50_outbox.sql
-- The transactional outbox: table, validating trigger, emit(), relay claim/ack.
--
-- Design (see doc/outbox.md):
--  * goodgo_events.outbox is append-only and LIST-partitioned by generation
--    (a ring of three: outbox_g0..outbox_g2).  Consuming never writes to a row.
--  * A relay position is one row per (relay, part): the snapshot that ended
--    the last completed window.  A window is the set of rows whose inserting
--    transaction is visible in a new pg_current_snapshot() and not in the
--    previous one (PgQ's rule), ordered by seq; committed-late rows with a
--    lower seq land in a later window, never get skipped.
--  * Batches are recorded (one row per batch, not per event), so a re-claim
--    before ack returns exactly the same rows, and replay can re-deliver them.
--  * Retention: outbox_rotate() switches the generation and TRUNCATEs the
--    oldest one only when every relay position passed all its rows and no
--    writer still holds it.

-- Generation counter: the current generation is last_value % 3.  A sequence,
-- not a table row, so a switch is seen at once by every inserter, whatever
-- its snapshot (a REPEATABLE READ producer would keep reading an old row).
CREATE SEQUENCE goodgo_events.outbox_gen MINVALUE 0 START 0;
SELECT nextval('goodgo_events.outbox_gen');
GRANT SELECT ON SEQUENCE goodgo_events.outbox_gen TO PUBLIC;
COMMENT ON SEQUENCE goodgo_events.outbox_gen IS
	'outbox generation counter; the current generation (partition) is last_value % 3';

-- VOLATILE like the sequence it reads (which also lets the default inline it).
CREATE FUNCTION goodgo_events.outbox_current_gen() RETURNS smallint
	LANGUAGE sql VOLATILE STRICT PARALLEL RESTRICTED
	RETURN (pg_sequence_last_value('goodgo_events.outbox_gen'::regclass) % 3)::smallint;
COMMENT ON FUNCTION goodgo_events.outbox_current_gen() IS
	'generation (outbox partition 0..2) that new outbox rows go to';

CREATE SEQUENCE goodgo_events.outbox_seq;
COMMENT ON SEQUENCE goodgo_events.outbox_seq IS
	'insertion sequence of outbox rows; drawn by the validating trigger, never by the producer';

CREATE TABLE goodgo_events.outbox (
	gen			smallint NOT NULL DEFAULT goodgo_events.outbox_current_gen(),
	seq			bigint NOT NULL DEFAULT 0,
	txid		xid8 NOT NULL DEFAULT '0',
	part		integer NOT NULL DEFAULT 0,
	event_id	uuid NOT NULL,
	event_type	text NOT NULL,
	aggregate_id text,
	stream		text NOT NULL,
	envelope	jsonb NOT NULL,
	schema_version integer,
	findings	jsonb,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (seq, gen),
	UNIQUE (event_id, gen)
) PARTITION BY LIST (gen);
COMMENT ON TABLE goodgo_events.outbox IS
	'append-only transactional outbox; rows are validated on insert and removed only by generation rotation';
COMMENT ON COLUMN goodgo_events.outbox.gen IS 'generation (partition of the ring of three), from outbox_current_gen()';
COMMENT ON COLUMN goodgo_events.outbox.seq IS 'insertion order, set by the trigger; orders rows inside a window';
COMMENT ON COLUMN goodgo_events.outbox.txid IS 'inserting transaction, set by the trigger; decides the window a row falls in';
COMMENT ON COLUMN goodgo_events.outbox.part IS 'relay partition: hash of aggregate_id (else of event_id) mod outbox_partitions()';
COMMENT ON COLUMN goodgo_events.outbox.event_id IS 'envelope eventId (UUIDv7), unique within a generation';
COMMENT ON COLUMN goodgo_events.outbox.event_type IS 'envelope eventType';
COMMENT ON COLUMN goodgo_events.outbox.aggregate_id IS 'optional ordering key: events of one aggregate keep their order';
COMMENT ON COLUMN goodgo_events.outbox.stream IS 'target stream, derived by the trigger from the event type and partition';
COMMENT ON COLUMN goodgo_events.outbox.envelope IS 'the validated event envelope';
COMMENT ON COLUMN goodgo_events.outbox.schema_version IS 'version of the event type''s schema that validated the payload, set by the trigger; NULL when none did (mode off, or an unknown type let through)';
COMMENT ON COLUMN goodgo_events.outbox.findings IS 'warn mode: why the payload would have been rejected (jsonschema_errors output units), set by the trigger; NULL otherwise';
COMMENT ON COLUMN goodgo_events.outbox.created_at IS 'start of the inserting transaction (not its commit time)';

CREATE INDEX outbox_part_txid ON goodgo_events.outbox (part, txid);
COMMENT ON INDEX goodgo_events.outbox_part_txid IS
	'opens claim windows: the txids of one partition from the previous snapshot''s xmax on';

CREATE TABLE goodgo_events.outbox_g0 PARTITION OF goodgo_events.outbox FOR VALUES IN (0);
CREATE TABLE goodgo_events.outbox_g1 PARTITION OF goodgo_events.outbox FOR VALUES IN (1);
CREATE TABLE goodgo_events.outbox_g2 PARTITION OF goodgo_events.outbox FOR VALUES IN (2);
COMMENT ON TABLE goodgo_events.outbox_g0 IS 'outbox generation 0 (ring of three; TRUNCATEd by outbox_rotate())';
COMMENT ON TABLE goodgo_events.outbox_g1 IS 'outbox generation 1 (ring of three; TRUNCATEd by outbox_rotate())';
COMMENT ON TABLE goodgo_events.outbox_g2 IS 'outbox generation 2 (ring of three; TRUNCATEd by outbox_rotate())';

-- The triggers.  Arguments are key=value: the column names (defaults shown in
-- doc/outbox.md), the sequence for seq, and the number of relay partitions.
CREATE FUNCTION goodgo_events.outbox_validate() RETURNS trigger
	AS 'MODULE_PATHNAME', 'goodgo_outbox_validate'
	LANGUAGE C;
COMMENT ON FUNCTION goodgo_events.outbox_validate() IS
	'BEFORE INSERT row trigger: checks the envelope and payload, sets seq, txid, part, event_id, event_type and stream';

CREATE FUNCTION goodgo_events.outbox_append_only() RETURNS trigger
	AS 'MODULE_PATHNAME', 'goodgo_outbox_append_only'
	LANGUAGE C;
COMMENT ON FUNCTION goodgo_events.outbox_append_only() IS
	'trigger refusing UPDATE, DELETE and TRUNCATE of an outbox unless goodgo_events.outbox_maintenance is on';

CREATE TRIGGER outbox_validate BEFORE INSERT ON goodgo_events.outbox
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.outbox_validate('partitions=1', 'seq_sequence=goodgo_events.outbox_seq');
CREATE TRIGGER outbox_append_only BEFORE UPDATE OR DELETE ON goodgo_events.outbox
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.outbox_append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON goodgo_events.outbox
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON goodgo_events.outbox_g0
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON goodgo_events.outbox_g1
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_append_only();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON goodgo_events.outbox_g2
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.outbox_append_only();
COMMENT ON TRIGGER outbox_validate ON goodgo_events.outbox IS
	'validates every event and sets its derived columns (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_append_only ON goodgo_events.outbox IS
	'refuses UPDATE and DELETE of events (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_no_truncate ON goodgo_events.outbox IS
	'refuses TRUNCATE outside outbox_rotate() (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_no_truncate ON goodgo_events.outbox_g0 IS
	'refuses TRUNCATE outside outbox_rotate() (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_no_truncate ON goodgo_events.outbox_g1 IS
	'refuses TRUNCATE outside outbox_rotate() (ENABLE ALWAYS)';
COMMENT ON TRIGGER outbox_no_truncate ON goodgo_events.outbox_g2 IS
	'refuses TRUNCATE outside outbox_rotate() (ENABLE ALWAYS)';
-- Fire even under session_replication_role = replica.
ALTER TABLE goodgo_events.outbox ENABLE ALWAYS TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox ENABLE ALWAYS TRIGGER outbox_append_only;
ALTER TABLE goodgo_events.outbox ENABLE ALWAYS TRIGGER outbox_no_truncate;
ALTER TABLE goodgo_events.outbox_g0 ENABLE ALWAYS TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox_g1 ENABLE ALWAYS TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox_g2 ENABLE ALWAYS TRIGGER outbox_validate;
ALTER TABLE goodgo_events.outbox_g0 ENABLE ALWAYS TRIGGER outbox_append_only;
ALTER TABLE goodgo_events.outbox_g1 ENABLE ALWAYS TRIGGER outbox_append_only;
ALTER TABLE goodgo_events.outbox_g2 ENABLE ALWAYS TRIGGER outbox_append_only;
ALTER TABLE goodgo_events.outbox_g0 ENABLE ALWAYS TRIGGER outbox_no_truncate;
ALTER TABLE goodgo_events.outbox_g1 ENABLE ALWAYS TRIGGER outbox_no_truncate;
ALTER TABLE goodgo_events.outbox_g2 ENABLE ALWAYS TRIGGER outbox_no_truncate;

-- pg_dump keeps the events (the partitions hold the rows: marking the parent
-- would dump none) and the generation counter.
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_g0', '');
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_g1', '');
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_g2', '');
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_gen', '');

-- The number N of relay partitions: its source of truth is outbox_config
-- (kept by pg_dump); the validating trigger gets it as an argument so that
-- no row pays a lookup.  A restore recreates the extension's trigger with
-- the default argument: outbox_after_restore() puts them in agreement again.
CREATE TABLE goodgo_events.outbox_config (
	singleton	boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	partitions	integer NOT NULL DEFAULT 1 CHECK (partitions BETWEEN 1 AND 1024)
);
COMMENT ON TABLE goodgo_events.outbox_config IS
	'outbox settings kept by pg_dump: the number of relay partitions (no row: the defaults)';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.outbox_config', '');

CREATE FUNCTION goodgo_events.outbox_partitions() RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN coalesce((SELECT c.partitions FROM goodgo_events.outbox_config c), 1);
COMMENT ON FUNCTION goodgo_events.outbox_partitions() IS
	'number N of relay partitions of goodgo_events.outbox (rows go to hash(aggregate_id) mod N)';

CREATE FUNCTION goodgo_events.outbox_trigger_partitions() RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN (SELECT substr(a, 12)::integer
			  FROM pg_catalog.pg_trigger t,
				   LATERAL unnest(string_to_array(encode(t.tgargs, 'escape'), '\000')) AS a
			 WHERE t.tgrelid = 'goodgo_events.outbox'::regclass
			   AND t.tgname = 'outbox_validate' AND a LIKE 'partitions=%');
COMMENT ON FUNCTION goodgo_events.outbox_trigger_partitions() IS
	'number of partitions the validating trigger of goodgo_events.outbox computes with';

CREATE FUNCTION goodgo_events.outbox_set_trigger(n integer) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DROP TRIGGER outbox_validate ON goodgo_events.outbox;
	EXECUTE format('CREATE TRIGGER outbox_validate BEFORE INSERT ON goodgo_events.outbox FOR EACH ROW '
				   'EXECUTE FUNCTION goodgo_events.outbox_validate(%L, %L)',
				   'partitions=' || n, 'seq_sequence=goodgo_events.outbox_seq');
	COMMENT ON TRIGGER outbox_validate ON goodgo_events.outbox IS
		'validates every event and sets its derived columns (ENABLE ALWAYS)';
	ALTER TABLE goodgo_events.outbox ENABLE ALWAYS TRIGGER outbox_validate;
	ALTER TABLE goodgo_events.outbox_g0 ENABLE ALWAYS TRIGGER outbox_validate;
	ALTER TABLE goodgo_events.outbox_g1 ENABLE ALWAYS TRIGGER outbox_validate;
	ALTER TABLE goodgo_events.outbox_g2 ENABLE ALWAYS TRIGGER outbox_validate;
END $$;
COMMENT ON FUNCTION goodgo_events.outbox_set_trigger(integer) IS
	'recreate the validating trigger of goodgo_events.outbox for n partitions (internal)';

-- Change N while the outbox is empty and no relay has a position yet
-- (changing it later would move aggregates between partitions: a migration).
CREATE FUNCTION goodgo_events.outbox_set_partitions(n integer) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF n < 1 OR n > 1024 THEN
		RAISE EXCEPTION 'invalid number of outbox partitions %', n
			USING ERRCODE = '22023', DETAIL = 'The number of partitions is an integer from 1 to 1024.';
	END IF;
	LOCK TABLE goodgo_events.outbox IN SHARE ROW EXCLUSIVE MODE;
	IF EXISTS (SELECT 1 FROM goodgo_events.outbox) OR EXISTS (SELECT 1 FROM goodgo_events.relay_positions) THEN
		RAISE EXCEPTION 'cannot change the number of outbox partitions'
			USING ERRCODE = '55000',
				  DETAIL = 'The outbox holds events or relays have positions: aggregates would change partition.',
				  HINT = 'Drain the outbox, rotate its generations away and reset the relays first.';
	END IF;
	INSERT INTO goodgo_events.outbox_config (partitions) VALUES (n)
	ON CONFLICT (singleton) DO UPDATE SET partitions = excluded.partitions;
	PERFORM goodgo_events.outbox_set_trigger(n);
END $$;
COMMENT ON FUNCTION goodgo_events.outbox_set_partitions(integer) IS
	'set the number N of relay partitions; only while the outbox is empty and no relay has a position';

-- After pg_restore: the restore re-inserted every event through a trigger
-- recreated by CREATE EXTENSION with the default number of partitions.  Put
-- the trigger back to outbox_config's N and route the events again (they
-- keep their generation, envelope, aggregate key and order).
CREATE FUNCTION goodgo_events.outbox_after_restore() RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n integer := goodgo_events.outbox_partitions();
	moved bigint := 0;
BEGIN
	LOCK TABLE goodgo_events.outbox IN SHARE ROW EXCLUSIVE MODE;
	IF goodgo_events.outbox_trigger_partitions() IS DISTINCT FROM n THEN
		PERFORM goodgo_events.outbox_set_trigger(n);
		PERFORM set_config('goodgo_events.outbox_maintenance', 'on', true);
		WITH d AS (
			DELETE FROM goodgo_events.outbox RETURNING gen, seq, aggregate_id, envelope, created_at)
		INSERT INTO goodgo_events.outbox (gen, aggregate_id, envelope, created_at)
		SELECT d.gen, d.aggregate_id, d.envelope, d.created_at FROM d ORDER BY d.seq;
		GET DIAGNOSTICS moved = ROW_COUNT;
		PERFORM set_config('goodgo_events.outbox_maintenance', 'off', true);
	END IF;
	RETURN moved;
END $$;
COMMENT ON FUNCTION goodgo_events.outbox_after_restore() IS
	'after pg_restore: give the validating trigger outbox_config''s number of partitions again and re-route the restored events; returns how many';

-- Producer: emit().
CREATE FUNCTION goodgo_events.emit(event_type text, payload jsonb,
								   aggregate_id text DEFAULT NULL,
								   producer text DEFAULT NULL,
								   trace_id text DEFAULT NULL,
								   occurred_at timestamptz DEFAULT NULL)
	RETURNS uuid
	AS 'MODULE_PATHNAME', 'goodgo_emit'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION goodgo_events.emit(text, jsonb, text, text, text, timestamptz) IS
	'build an envelope (eventId uuid_v7(), occurredAt now in UTC) and insert it into goodgo_events.outbox; returns the eventId';

-- Relay side.

CREATE TABLE goodgo_events.relay_positions (
	relay		text NOT NULL,
	part		integer NOT NULL,
	snap		pg_snapshot NOT NULL,
	win_snap	pg_snapshot,
	win_seqs	bigint[],
	win_pos		integer NOT NULL DEFAULT 0,
	batch_seq	bigint NOT NULL DEFAULT 0,
	open_batch_id bigint,
	last_batch_id bigint NOT NULL DEFAULT 0,
	last_acked_at timestamptz,
	origin		text NOT NULL,
	PRIMARY KEY (relay, part)
);
COMMENT ON TABLE goodgo_events.relay_positions IS
	'one row per (relay, partition): the snapshot ending the last completed window, the open window and batch';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.relay_positions', '');
-- Stored uncompressed: every claim and every peek reads the open window's
-- seqs, and decompressing a 200,000-event window (650 kB of pglz) took
-- about 1 ms each time, where reading it plain takes 0.3 ms.
ALTER TABLE goodgo_events.relay_positions ALTER COLUMN win_seqs SET STORAGE EXTERNAL;

CREATE TABLE goodgo_events.relay_batches (
	relay		text NOT NULL,
	part		integer NOT NULL,
	batch_id	bigint NOT NULL,
	prev_snap	pg_snapshot NOT NULL,
	cur_snap	pg_snapshot NOT NULL,
	seqs		bigint[] NOT NULL,
	n_window	integer NOT NULL,
	n_redrive	integer NOT NULL,
	window_done boolean NOT NULL,
	claimed_at	timestamptz NOT NULL,
	acked_at	timestamptz,
	PRIMARY KEY (relay, part, batch_id)
);
COMMENT ON TABLE goodgo_events.relay_batches IS
	'history of batches (one row per batch): makes re-claims and replays return the same rows';
-- Stored uncompressed: a batch's seqs are written once per claim, and pglz
-- over them cost more than the bytes it saves (8 bytes per event).
ALTER TABLE goodgo_events.relay_batches ALTER COLUMN seqs SET STORAGE EXTERNAL;

CREATE TABLE goodgo_events.relay_failures (
	relay		text NOT NULL,
	part		integer NOT NULL,
	seq			bigint NOT NULL,
	attempts	integer NOT NULL,
	first_failed_at timestamptz NOT NULL,
	last_failed_at timestamptz NOT NULL,
	last_error	text,
	PRIMARY KEY (relay, part, seq)
);
COMMENT ON TABLE goodgo_events.relay_failures IS
	'failed publish attempts of events not yet dead letters';

CREATE TABLE goodgo_events.dead_letters (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	relay		text NOT NULL,
	part		integer NOT NULL,
	seq			bigint NOT NULL,
	event_id	uuid NOT NULL,
	event_type	text NOT NULL,
	aggregate_id text,
	stream		text NOT NULL,
	envelope	jsonb NOT NULL,
	attempts	integer NOT NULL,
	last_error	text,
	first_failed_at timestamptz NOT NULL,
	dead_at		timestamptz NOT NULL DEFAULT now(),
	redrive_requested_at timestamptz,
	redrive_batch_id bigint,
	redriven_at timestamptz
);
CREATE INDEX dead_letters_redrive ON goodgo_events.dead_letters (relay, part, id)
	WHERE redrive_requested_at IS NOT NULL AND redriven_at IS NULL;
COMMENT ON INDEX goodgo_events.dead_letters_redrive IS
	'dead letters waiting to be redriven, per relay and partition';
COMMENT ON TABLE goodgo_events.dead_letters IS
	'events a relay could not publish after goodgo_events.relay_max_attempts attempts, with the error; redrive_dead_letter() re-queues them';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.dead_letters', '');

CREATE TABLE goodgo_events.relay_batch_redrives (
	relay		text NOT NULL,
	part		integer NOT NULL,
	batch_id	bigint NOT NULL,
	dead_letter_id bigint NOT NULL,
	PRIMARY KEY (relay, part, batch_id, dead_letter_id)
);
COMMENT ON TABLE goodgo_events.relay_batch_redrives IS
	'redriven dead letters delivered in a batch (so a re-claim or replay of that batch returns them again)';

-- Advisory lock key of (relay, part): classid = hash of the relay name.
CREATE FUNCTION goodgo_events.relay_lock_key(relay text) RETURNS integer
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN hashtext('goodgo_events.relay:' || relay);
COMMENT ON FUNCTION goodgo_events.relay_lock_key(text) IS
	'first key of the session advisory lock fencing a relay''s partitions (the second is the partition)';

CREATE FUNCTION goodgo_events.relay_lock(relay text, part integer) RETURNS boolean
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	RETURN pg_try_advisory_lock(goodgo_events.relay_lock_key(relay), part);
COMMENT ON FUNCTION goodgo_events.relay_lock(text, integer) IS
	'try to become the leader of (relay, part) for this session; false when another session leads it';

CREATE FUNCTION goodgo_events.relay_unlock(relay text, part integer) RETURNS boolean
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	RETURN pg_advisory_unlock(goodgo_events.relay_lock_key(relay), part);
COMMENT ON FUNCTION goodgo_events.relay_unlock(text, integer) IS
	'give up the leadership of (relay, part) (also released at disconnect)';

-- Raise 55P03 unless this session leads (relay, part); check the partition.
CREATE FUNCTION goodgo_events.relay_check_leader(relay text, part integer) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $$
DECLARE
	n integer := goodgo_events.outbox_partitions();
BEGIN
	IF relay IS NULL OR relay = '' THEN
		RAISE EXCEPTION 'relay name must not be empty'
			USING ERRCODE = '22023', DETAIL = 'A relay position is kept per relay name and partition.';
	END IF;
	IF goodgo_events.outbox_trigger_partitions() IS DISTINCT FROM n THEN
		RAISE EXCEPTION 'outbox partitions are not in agreement'
			USING ERRCODE = '55000',
				  DETAIL = format('outbox_config says %s partitions, the validating trigger computes with %s.',
								  n, goodgo_events.outbox_trigger_partitions()),
				  HINT = 'After a restore, call goodgo_events.outbox_after_restore().';
	END IF;
	IF part IS NULL OR part < 0 OR part >= n THEN
		RAISE EXCEPTION 'outbox partition % does not exist', part
			USING ERRCODE = '22023', DETAIL = format('The outbox has %s partitions, numbered from 0.', n);
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
				    WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted
					  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
					  AND l.classid = (goodgo_events.relay_lock_key(relay)::bigint & 4294967295)::oid
					  AND l.objid = part::oid AND l.objsubid = 2) THEN
		RAISE EXCEPTION 'relay "%" does not lead outbox partition %', relay, part
			USING ERRCODE = '55P03',
				  DETAIL = 'Claim, ack and nack need the partition''s advisory lock.',
				  HINT = 'Call goodgo_events.relay_lock() first.';
	END IF;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_check_leader(text, integer) IS
	'raise 55P03 unless this session holds the advisory lock of (relay, part)';

CREATE FUNCTION goodgo_events.database_identity() RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN (SELECT c.system_identifier || '/' || d.oid
			  FROM pg_catalog.pg_control_system() c, pg_catalog.pg_database d
			 WHERE d.datname = current_database());
COMMENT ON FUNCTION goodgo_events.database_identity() IS
	'this cluster''s system identifier and this database''s OID: a relay position restored from a dump (another database or cluster) is re-initialised';

-- (Re)initialise a position: 'beginning' delivers every retained event,
-- 'now' only events committed from now on.  Keeps the batch counter, so
-- batch ids (and stream entry ids built from them) keep increasing.
CREATE FUNCTION goodgo_events.relay_reset(relay text, part integer, start text DEFAULT 'beginning')
	RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	s pg_snapshot;
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	IF start = 'beginning' THEN
		s := '1:1:';
	ELSIF start = 'now' THEN
		s := pg_current_snapshot();
	ELSE
		RAISE EXCEPTION 'invalid relay start "%"', start
			USING ERRCODE = '22023', DETAIL = 'The start must be "beginning" or "now".';
	END IF;
	INSERT INTO goodgo_events.relay_positions AS p (relay, part, snap, origin)
		VALUES (relay, part, s, goodgo_events.database_identity())
	ON CONFLICT ON CONSTRAINT relay_positions_pkey DO UPDATE
		SET snap = s, win_snap = NULL, win_seqs = NULL, win_pos = 0, open_batch_id = NULL,
			batch_seq = greatest(p.batch_seq, p.last_batch_id),
			origin = goodgo_events.database_identity();
	DELETE FROM goodgo_events.relay_batches b WHERE b.relay = relay_reset.relay AND b.part = relay_reset.part;
	DELETE FROM goodgo_events.relay_batch_redrives x WHERE x.relay = relay_reset.relay AND x.part = relay_reset.part;
	-- Redriven dead letters of a batch never acked are queued again.
	UPDATE goodgo_events.dead_letters d SET redrive_batch_id = NULL
	 WHERE d.relay = relay_reset.relay AND d.part = relay_reset.part
	   AND d.redrive_batch_id IS NOT NULL AND d.redriven_at IS NULL;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_reset(text, integer, text) IS
	'(re)initialise the position of (relay, part) to ''beginning'' (every retained event) or ''now''; batch ids keep increasing';

-- A relay name that is gone for good would hold retention back forever.
CREATE FUNCTION goodgo_events.relay_forget(relay text) RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	n bigint;
BEGIN
	DELETE FROM goodgo_events.relay_batches b WHERE b.relay = relay_forget.relay;
	DELETE FROM goodgo_events.relay_batch_redrives x WHERE x.relay = relay_forget.relay;
	DELETE FROM goodgo_events.relay_failures f WHERE f.relay = relay_forget.relay;
	DELETE FROM goodgo_events.relay_positions p WHERE p.relay = relay_forget.relay;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_forget(text) IS
	'drop every position of a relay that will not come back (it no longer holds retention back); dead letters stay; returns the number of positions dropped';

-- The functions that return a batch's rows to their caller (relay_claim,
-- both relay_ack_claim, relay_peek, relay_batch_rows, relay_replay) run with
-- jit = off: the planner's estimate for the rows (an unnest, a lookup per
-- row) passes jit_above_cost, and compiling the plan took 13 ms of a
-- 4,000-event claim's 29 ms (measured with auto_explain), for a query that
-- runs in a few ms.  relay_rows itself has no SET clause, so that it is
-- inlined into them.
-- The rows of a batch (its window seqs, then its redriven dead letters), in
-- delivery order, numbered by ord from 1.  A plain SQL function, not STRICT,
-- so that the planner inlines it into its caller's query: the rows then go
-- straight into the caller's result, not through a second tuplestore.
-- Only the narrow (src, seq) keys are sorted; each row is then fetched by
-- primary key in that order, so neither the sort nor the numbering moves
-- the envelopes around.  A seq whose row is gone (a replay after its
-- generation was truncated) is left out, and the ords of the rest follow.
CREATE FUNCTION goodgo_events.relay_rows(relay text, part integer, batch bigint, seqs bigint[])
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer)
	LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
	SELECT $3, (row_number() OVER (ORDER BY k.src, k.seq, k.dl))::integer,
		   o.seq, o.event_id, o.event_type, o.aggregate_id, o.stream, o.envelope,
		   CASE WHEN EXISTS (SELECT 1 FROM goodgo_events.relay_failures f0
							  WHERE f0.relay = $1 AND f0.part = $2)
				THEN coalesce((SELECT f.attempts FROM goodgo_events.relay_failures f
								WHERE f.relay = $1 AND f.part = $2 AND f.seq = o.seq), 0)
				ELSE 0 END
	  FROM (SELECT 0 AS src, s.seq, 0::bigint AS dl FROM unnest($4) AS s(seq)
			UNION ALL
			SELECT 1, d.seq, d.id
			  FROM goodgo_events.relay_batch_redrives x
			  JOIN goodgo_events.dead_letters d ON d.id = x.dead_letter_id
			 WHERE x.relay = $1 AND x.part = $2 AND x.batch_id = $3
			 ORDER BY 1, 2, 3) k
	 CROSS JOIN LATERAL (
			(SELECT w.seq, w.event_id, w.event_type, w.aggregate_id, w.stream, w.envelope
			   FROM goodgo_events.outbox w WHERE k.src = 0 AND w.seq = k.seq LIMIT 1)
			UNION ALL
			SELECT r.seq, r.event_id, r.event_type, r.aggregate_id, r.stream, r.envelope
			  FROM goodgo_events.dead_letters r WHERE k.src = 1 AND r.id = k.dl) o
	 ORDER BY k.src, k.seq, k.dl
$$;
COMMENT ON FUNCTION goodgo_events.relay_rows(text, integer, bigint, bigint[]) IS
	'the rows of batch batch of (relay, part) with window seqs seqs, then its redriven dead letters, in delivery order (internal)';

-- The rows of one recorded batch, in delivery order.
CREATE FUNCTION goodgo_events.relay_batch_rows(relay text, part integer, batch bigint)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer)
	LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	s bigint[];
BEGIN
	SELECT rb.seqs INTO s FROM goodgo_events.relay_batches rb
	 WHERE rb.relay = relay_batch_rows.relay AND rb.part = relay_batch_rows.part
	   AND rb.batch_id = relay_batch_rows.batch;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT * FROM goodgo_events.relay_rows(relay, part, batch, s);
END $$;
COMMENT ON FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint) IS
	'the rows of a recorded batch of (relay, part), in delivery order (same rows every time)';

-- The claim without its leadership check and without its rows: the open
-- batch, else a new one recorded from the current or the next window.
-- Returns the batch id (NULL when nothing new is committed) and its window
-- seqs.  Shared by relay_claim and relay_ack_claim.
CREATE FUNCTION goodgo_events.relay_claim_batch(relay text, part integer, max_events integer,
												OUT batch bigint, OUT seqs bigint[])
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	p goodgo_events.relay_positions;
	ws bigint[];
	cur pg_snapshot;
	fresh boolean;
	n bigint;
	nred integer;
	bid bigint;
BEGIN
	IF max_events < 1 THEN
		RAISE EXCEPTION 'max_events must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('The value given was %s.', max_events);
	END IF;
	SELECT * INTO p FROM goodgo_events.relay_positions rp
	 WHERE rp.relay = relay_claim_batch.relay AND rp.part = relay_claim_batch.part FOR UPDATE;
	IF NOT FOUND OR p.origin <> goodgo_events.database_identity() THEN
		IF FOUND THEN
			RAISE WARNING 'relay position of "%" partition % comes from another database', relay, part
				USING DETAIL = 'Transaction ids and seqs of a restored dump mean nothing here: every retained event will be delivered again, with higher batch ids.';
		END IF;
		PERFORM goodgo_events.relay_reset(relay, part, 'beginning');
		SELECT * INTO p FROM goodgo_events.relay_positions rp
		 WHERE rp.relay = relay_claim_batch.relay AND rp.part = relay_claim_batch.part FOR UPDATE;
	END IF;

	-- Deterministic retry: an open batch is returned again, unchanged.
	IF p.open_batch_id IS NOT NULL THEN
		batch := p.open_batch_id;
		SELECT rb.seqs INTO seqs FROM goodgo_events.relay_batches rb
		 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = p.open_batch_id;
		RETURN;
	END IF;

	-- The window's seqs, read (and decompressed) once: an array variable
	-- holds them expanded, where each use of p.win_seqs would fetch and
	-- decompress the whole array again.
	ws := p.win_seqs;
	FOR attempt IN 1..2 LOOP
		fresh := p.win_snap IS NULL;
		IF fresh THEN
			-- Open the next window: the rows whose transaction is visible in a
			-- new snapshot and not in the previous one, in seq order.  The scan
			-- touches only txids from the previous snapshot's xmax on, plus
			-- those it listed as in progress, so an old open transaction
			-- elsewhere does not widen it.  The window's seqs are kept (one
			-- array per window, not a write per event), so each batch of a
			-- large window costs its own size, not the window's.
			cur := pg_current_snapshot();
			p.win_snap := cur;
			p.win_pos := 0;
			ws := ARRAY(
				SELECT o.seq
				  FROM (SELECT x.seq, x.txid FROM goodgo_events.outbox x
						 WHERE x.part = p.part AND x.txid >= pg_snapshot_xmax(p.snap)
						   AND x.txid < pg_snapshot_xmax(cur)
						UNION ALL
						SELECT x.seq, x.txid FROM goodgo_events.outbox x
						 WHERE x.part = p.part
						   AND x.txid = ANY (ARRAY(SELECT pg_snapshot_xip(p.snap)))) o
				 WHERE pg_visible_in_snapshot(o.txid, cur)
				   AND NOT pg_visible_in_snapshot(o.txid, p.snap)
				 ORDER BY o.seq);
		END IF;
		n := coalesce(cardinality(ws), 0) - p.win_pos;
		EXIT WHEN n > 0 OR fresh;
		-- The open window is used up: close it and open the next one.
		p.snap := p.win_snap;
		p.win_snap := NULL;
		ws := NULL;
	END LOOP;

	SELECT count(*) INTO nred FROM goodgo_events.dead_letters d
	 WHERE d.relay = p.relay AND d.part = p.part
	   AND d.redrive_requested_at IS NOT NULL AND d.redriven_at IS NULL AND d.redrive_batch_id IS NULL;

	IF n = 0 AND nred = 0 THEN
		-- Nothing committed in the window: move the position past it.
		UPDATE goodgo_events.relay_positions rp
		   SET snap = p.win_snap, win_snap = NULL, win_seqs = NULL, win_pos = 0
		 WHERE rp.relay = p.relay AND rp.part = p.part;
		RETURN;
	END IF;

	bid := greatest(p.batch_seq, p.last_batch_id) + 1;
	-- (least: win_pos + max_events may not fit in an integer)
	seqs := coalesce(ws[p.win_pos + 1 : p.win_pos + least(n, max_events)::integer], '{}');
	INSERT INTO goodgo_events.relay_batches
		(relay, part, batch_id, prev_snap, cur_snap, seqs, n_window, n_redrive, window_done, claimed_at)
	VALUES (p.relay, p.part, bid, p.snap, p.win_snap, seqs,
			least(n, max_events), 0, n <= max_events, clock_timestamp());
	IF nred > 0 AND n < max_events THEN
		WITH r AS (SELECT d.id FROM goodgo_events.dead_letters d
					WHERE d.relay = p.relay AND d.part = p.part AND d.redrive_requested_at IS NOT NULL
					  AND d.redriven_at IS NULL AND d.redrive_batch_id IS NULL
					ORDER BY d.id LIMIT max_events - n)
		UPDATE goodgo_events.dead_letters d SET redrive_batch_id = bid FROM r WHERE d.id = r.id;
		GET DIAGNOSTICS nred = ROW_COUNT;
		INSERT INTO goodgo_events.relay_batch_redrives (relay, part, batch_id, dead_letter_id)
		SELECT d.relay, d.part, bid, d.id FROM goodgo_events.dead_letters d
		 WHERE d.relay = p.relay AND d.part = p.part AND d.redrive_batch_id = bid;
		UPDATE goodgo_events.relay_batches rb SET n_redrive = nred
		 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = bid;
	END IF;
	IF fresh THEN
		UPDATE goodgo_events.relay_positions rp
		   SET snap = p.snap, win_snap = p.win_snap, win_seqs = ws, win_pos = p.win_pos,
			   batch_seq = bid, open_batch_id = bid
		 WHERE rp.relay = p.relay AND rp.part = p.part;
	ELSE
		UPDATE goodgo_events.relay_positions rp
		   SET batch_seq = bid, open_batch_id = bid
		 WHERE rp.relay = p.relay AND rp.part = p.part;
	END IF;
	batch := bid;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_claim_batch(text, integer, integer) IS
	'relay_claim without the leadership check and the rows: the id and window seqs of the open or a new batch (internal)';

CREATE FUNCTION goodgo_events.relay_claim(relay text, part integer, max_events integer DEFAULT 1000)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	c record;
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	c := goodgo_events.relay_claim_batch(relay, part, max_events);
	IF c.batch IS NOT NULL THEN
		RETURN QUERY SELECT * FROM goodgo_events.relay_rows(relay, part, c.batch, c.seqs);
	END IF;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_claim(text, integer, integer) IS
	'claim the next batch of committed events of (relay, part) in commit-visibility order, or the open batch again';

-- The ack without its leadership check (shared by relay_ack and relay_ack_claim).
CREATE FUNCTION goodgo_events.relay_ack_batch(relay text, part integer, batch_id bigint) RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	p record;
	b record;
BEGIN
	SELECT rp.relay, rp.part, rp.open_batch_id, rp.last_batch_id INTO p
	  FROM goodgo_events.relay_positions rp
	 WHERE rp.relay = relay_ack_batch.relay AND rp.part = relay_ack_batch.part FOR UPDATE;
	IF FOUND AND p.open_batch_id IS DISTINCT FROM batch_id AND batch_id <= p.last_batch_id THEN
		RETURN 0;				-- acked already
	END IF;
	IF NOT FOUND OR p.open_batch_id IS DISTINCT FROM batch_id THEN
		RAISE EXCEPTION 'batch % of relay "%" partition % is not open', batch_id, relay, part
			USING ERRCODE = '22023', DETAIL = 'Only the batch returned by the last claim can be acknowledged.';
	END IF;
	UPDATE goodgo_events.relay_batches rb SET acked_at = clock_timestamp()
	 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = p.open_batch_id
	RETURNING rb.batch_id, rb.acked_at, rb.window_done, rb.n_window, rb.n_redrive INTO b;
	IF b.n_redrive > 0 THEN
		UPDATE goodgo_events.dead_letters d SET redriven_at = clock_timestamp()
		 WHERE d.relay = p.relay AND d.part = p.part AND d.redrive_batch_id = b.batch_id
		   AND d.redriven_at IS NULL;
	END IF;
	-- Failed attempts of the batch's events are forgotten (checked first:
	-- usually there are none, and then the batch's seqs are not read).
	IF EXISTS (SELECT 1 FROM goodgo_events.relay_failures f WHERE f.relay = p.relay AND f.part = p.part) THEN
		DELETE FROM goodgo_events.relay_failures f
		 USING goodgo_events.relay_batches rb
		 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = b.batch_id
		   AND f.relay = p.relay AND f.part = p.part AND f.seq = ANY (rb.seqs);
	END IF;
	UPDATE goodgo_events.relay_positions rp
	   SET open_batch_id = NULL, last_batch_id = b.batch_id, last_acked_at = b.acked_at,
		   snap = CASE WHEN b.window_done THEN rp.win_snap ELSE rp.snap END,
		   win_snap = CASE WHEN b.window_done THEN NULL ELSE rp.win_snap END,
		   win_seqs = CASE WHEN b.window_done THEN NULL ELSE rp.win_seqs END,
		   win_pos = CASE WHEN b.window_done THEN 0 ELSE rp.win_pos + b.n_window END
	 WHERE rp.relay = p.relay AND rp.part = p.part;
	RETURN b.n_window + b.n_redrive;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_ack_batch(text, integer, bigint) IS
	'relay_ack without the leadership check (internal)';

CREATE FUNCTION goodgo_events.relay_ack(relay text, part integer, batch_id bigint) RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	RETURN goodgo_events.relay_ack_batch(relay, part, batch_id);
END $$;
COMMENT ON FUNCTION goodgo_events.relay_ack(text, integer, bigint) IS
	'mark the open batch of (relay, part) published; returns its number of events, 0 when acked already';

-- One round trip per batch instead of two: ack ack_batch_id, then claim the
-- next batch, in one transaction and under one leadership check.  Exactly
-- relay_ack followed by relay_claim (an ack of a batch acked already is a
-- no-op here too, and the claim then returns the open batch, if any).
CREATE FUNCTION goodgo_events.relay_ack_claim(relay text, part integer, ack_batch_id bigint,
											  max_events integer DEFAULT 1000)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer)
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	c record;
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	-- A bad max_events must not ack anything either.
	IF max_events < 1 THEN
		RAISE EXCEPTION 'max_events must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('The value given was %s.', max_events);
	END IF;
	PERFORM goodgo_events.relay_ack_batch(relay, part, ack_batch_id);
	c := goodgo_events.relay_claim_batch(relay, part, max_events);
	IF c.batch IS NOT NULL THEN
		RETURN QUERY SELECT * FROM goodgo_events.relay_rows(relay, part, c.batch, c.seqs);
	END IF;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer) IS
	'acknowledge batch ack_batch_id of (relay, part), then claim the next batch, in one call (relay_ack then relay_claim)';

-- Overlap for relays: while Redis takes the open batch, read the rows of the
-- batch that comes after it, then ack and claim with the 6-argument
-- relay_ack_claim, which only confirms them.  Within an open window the next
-- batch is known before the ack: the window's seqs are fixed, so it is the
-- slice after the open batch's, with the next batch id.  relay_peek gives
-- no rows when it cannot be known: no open batch, the open batch ends its
-- window (the next claim opens a new one), or dead letters wait for a
-- redrive (they may join the next batch).  Read-only and without locks: it
-- is a prediction, which relay_ack_claim checks after its claim.
CREATE FUNCTION goodgo_events.relay_peek(relay text, part integer, max_events integer)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope text, attempts integer)
	LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	p goodgo_events.relay_positions;
	b goodgo_events.relay_batches;
	start integer;
	s bigint[];
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	IF max_events < 1 THEN
		RAISE EXCEPTION 'max_events must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('The value given was %s.', max_events);
	END IF;
	SELECT * INTO p FROM goodgo_events.relay_positions rp
	 WHERE rp.relay = relay_peek.relay AND rp.part = relay_peek.part;
	IF NOT FOUND OR p.open_batch_id IS NULL OR p.win_snap IS NULL
	   OR p.origin <> goodgo_events.database_identity() THEN
		RETURN;
	END IF;
	SELECT * INTO b FROM goodgo_events.relay_batches rb
	 WHERE rb.relay = p.relay AND rb.part = p.part AND rb.batch_id = p.open_batch_id;
	IF NOT FOUND OR b.window_done THEN
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM goodgo_events.dead_letters d
				WHERE d.relay = p.relay AND d.part = p.part AND d.redrive_requested_at IS NOT NULL
				  AND d.redriven_at IS NULL AND d.redrive_batch_id IS NULL) THEN
		RETURN;
	END IF;
	-- What relay_ack_batch then relay_claim_batch will compute.
	start := p.win_pos + b.n_window;
	s := p.win_seqs[start + 1 : start + least(max_events, coalesce(cardinality(p.win_seqs), 0) - start)];
	IF coalesce(cardinality(s), 0) = 0 THEN
		RETURN;
	END IF;
	RETURN QUERY
		SELECT r.batch_id, r.ord, r.seq, r.event_id, r.event_type, r.aggregate_id, r.stream,
			   goodgo_events.jsonb_text(r.envelope), r.attempts
		  FROM goodgo_events.relay_rows(relay, part, greatest(p.batch_seq, b.batch_id) + 1, s) r;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_peek(text, integer, integer) IS
	'the rows the claim after the open batch of (relay, part) will return, when they can be known before its ack (else none); read-only, confirmed by relay_ack_claim(relay, part, ack_batch_id, max_events, peeked_batch_id, peeked_seqs)';

CREATE FUNCTION goodgo_events.relay_ack_claim(relay text, part integer, ack_batch_id bigint,
											  max_events integer, peeked_batch_id bigint,
											  peeked_seqs bigint[])
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer)
	LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
	SET enable_memoize = off SET max_parallel_workers_per_gather = 0 SET jit = off AS $$
DECLARE
	c record;
BEGIN
	IF relay IS NULL OR part IS NULL OR ack_batch_id IS NULL OR max_events IS NULL THEN
		RAISE EXCEPTION 'relay, part, ack_batch_id and max_events must not be null'
			USING ERRCODE = '22004';
	END IF;
	PERFORM goodgo_events.relay_check_leader(relay, part);
	IF max_events < 1 THEN
		RAISE EXCEPTION 'max_events must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('The value given was %s.', max_events);
	END IF;
	PERFORM goodgo_events.relay_ack_batch(relay, part, ack_batch_id);
	c := goodgo_events.relay_claim_batch(relay, part, max_events);
	IF c.batch IS NULL THEN
		RETURN;
	END IF;
	IF c.batch = peeked_batch_id AND c.seqs = peeked_seqs
	   AND NOT EXISTS (SELECT 1 FROM goodgo_events.relay_batch_redrives x
						WHERE x.relay = relay_ack_claim.relay AND x.part = relay_ack_claim.part
						  AND x.batch_id = c.batch) THEN
		-- The peeked rows are this batch's rows: confirm, do not send them again.
		batch_id := c.batch;
		ord := 0;
		RETURN NEXT;
		RETURN;
	END IF;
	RETURN QUERY SELECT * FROM goodgo_events.relay_rows(relay, part, c.batch, c.seqs);
END $$;
COMMENT ON FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]) IS
	'relay_ack_claim for a relay that peeked (relay_peek): when the batch claimed is peeked_batch_id with exactly peeked_seqs, returns one row (batch_id, ord 0, the rest NULL) meaning "publish the peeked rows"; otherwise the claimed rows';

CREATE FUNCTION goodgo_events.relay_nack(relay text, part integer, batch_id bigint, seq bigint, error text)
	RETURNS boolean
	LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$
DECLARE
	p goodgo_events.relay_positions;
	r record;
	a integer;
	-- A relay's session may never have loaded the library (it calls only SQL
	-- functions), and then the GUC is undefined unless set explicitly: fall
	-- back to its documented default rather than failing every nack.
	maxa integer := coalesce(nullif(current_setting('goodgo_events.relay_max_attempts', true), ''), '5')::integer;
BEGIN
	PERFORM goodgo_events.relay_check_leader(relay, part);
	SELECT * INTO p FROM goodgo_events.relay_positions rp
	 WHERE rp.relay = relay_nack.relay AND rp.part = relay_nack.part FOR UPDATE;
	IF NOT FOUND OR p.open_batch_id IS DISTINCT FROM batch_id THEN
		RAISE EXCEPTION 'batch % of relay "%" partition % is not open', batch_id, relay, part
			USING ERRCODE = '22023', DETAIL = 'Only events of the batch returned by the last claim can be reported as failed.';
	END IF;
	-- Only this event's row is read (relay_rows given just its seq when it
	-- is one of the window's), not the whole batch: a chunk with many failed
	-- entries makes one nack per entry.
	SELECT * INTO r
	  FROM goodgo_events.relay_rows(relay, part, batch_id,
			CASE WHEN EXISTS (SELECT 1 FROM goodgo_events.relay_batches rb
							   WHERE rb.relay = relay_nack.relay AND rb.part = relay_nack.part
								 AND rb.batch_id = relay_nack.batch_id AND relay_nack.seq = ANY (rb.seqs))
				 THEN ARRAY[relay_nack.seq] ELSE '{}'::bigint[] END) x
	 WHERE x.seq = relay_nack.seq LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'event with seq % is not in batch % of relay "%" partition %', seq, batch_id, relay, part
			USING ERRCODE = '22023', DETAIL = 'A failure can only be reported for an event of the open batch.';
	END IF;
	INSERT INTO goodgo_events.relay_failures AS f (relay, part, seq, attempts, first_failed_at, last_failed_at, last_error)
		VALUES (relay, part, seq, 1, clock_timestamp(), clock_timestamp(), error)
	ON CONFLICT ON CONSTRAINT relay_failures_pkey DO UPDATE
		SET attempts = f.attempts + 1, last_failed_at = clock_timestamp(), last_error = error
	RETURNING f.attempts INTO a;
	IF a < maxa THEN
		RETURN false;
	END IF;
	INSERT INTO goodgo_events.dead_letters
		(relay, part, seq, event_id, event_type, aggregate_id, stream, envelope, attempts, last_error, first_failed_at)
	SELECT relay_nack.relay, relay_nack.part, relay_nack.seq, r.event_id, r.event_type, r.aggregate_id,
		   r.stream, r.envelope, a, relay_nack.error, f.first_failed_at
	  FROM goodgo_events.relay_failures f
	 WHERE f.relay = relay_nack.relay AND f.part = relay_nack.part AND f.seq = relay_nack.seq;
	DELETE FROM goodgo_events.relay_failures f
	 WHERE f.relay = relay_nack.relay AND f.part = relay_nack.part AND f.seq = relay_nack.seq;
	RETURN true;
END $$;
COMMENT ON FUNCTION goodgo_events.relay_nack(text, integer, bigint, bigint, text) IS
	'record a failed publish of one event of the open batch; true when it became a dead letter (then ack the batch)';

CREATE FUNCTION goodgo_events.redrive_dead_letter(id bigint) RETURNS boolean
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	BEGIN ATOMIC
		WITH u AS (
			UPDATE goodgo_events.dead_letters d
			   SET redrive_requested_at = clock_timestamp(), redrive_batch_id = NULL, redriven_at = NULL
			 WHERE d.id = redrive_dead_letter.id
			   AND (d.redrive_requested_at IS NULL OR d.redriven_at IS NOT NULL)
			RETURNING 1)
		SELECT count(*) > 0 FROM u;
	END;
COMMENT ON FUNCTION goodgo_events.redrive_dead_letter(bigint) IS
	're-queue one dead letter: its relay delivers it again in its next batch; false if unknown or queued already';

CREATE FUNCTION goodgo_events.redrive_dead_letters(relay text DEFAULT NULL) RETURNS bigint
	LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
	BEGIN ATOMIC
		WITH u AS (
			UPDATE goodgo_events.dead_letters d
			   SET redrive_requested_at = clock_timestamp(), redrive_batch_id = NULL, redriven_at = NULL
			 WHERE (redrive_dead_letters.relay IS NULL OR d.relay = redrive_dead_letters.relay)
			   AND (d.redrive_requested_at IS NULL OR d.redriven_at IS NOT NULL)
			RETURNING 1)
		SELECT count(*) FROM u;
	END;
COMMENT ON FUNCTION goodgo_events.redrive_dead_letters(text) IS
	're-queue every dead letter (of one relay, or all); returns how many';

CREATE FUNCTION goodgo_events.relay_position(relay text, part integer)
	RETURNS TABLE(last_batch_id bigint, last_acked_at timestamptz, open_batch_id bigint,
				  window_open boolean, same_database boolean)
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	BEGIN ATOMIC
		SELECT p.last_batch_id, p.last_acked_at, p.open_batch_id, p.win_snap IS NOT NULL,
			   p.origin = goodgo_events.database_identity()
		  FROM goodgo_events.relay_positions p
		 WHERE p.relay = relay_position.relay AND p.part = relay_position.part;
	END;
COMMENT ON FUNCTION goodgo_events.relay_position(text, integer) IS
	'position of (relay, part): last acked batch id and time, open batch; no row before its first claim';

CREATE FUNCTION goodgo_events.relay_replay(relay text, part integer, from_batch bigint)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer, replay boolean)
	LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED SET jit = off
	BEGIN ATOMIC
		SELECT r.batch_id, r.ord, r.seq, r.event_id, r.event_type, r.aggregate_id, r.stream,
			   r.envelope, r.attempts, true
		  FROM goodgo_events.relay_batches b,
			   LATERAL goodgo_events.relay_batch_rows(b.relay, b.part, b.batch_id) r
		 WHERE b.relay = relay_replay.relay AND b.part = relay_replay.part
		   AND b.batch_id >= relay_replay.from_batch AND b.acked_at IS NOT NULL
		 ORDER BY r.batch_id, r.ord;
	END;
COMMENT ON FUNCTION goodgo_events.relay_replay(text, integer, bigint) IS
	're-deliver the retained events of acked batches from batch from_batch on (replay = true: publish with automatic ids)';

CREATE FUNCTION goodgo_events.relay_replay(relay text, part integer, from_time timestamptz)
	RETURNS TABLE(batch_id bigint, ord integer, seq bigint, event_id uuid, event_type text,
				  aggregate_id text, stream text, envelope jsonb, attempts integer, replay boolean)
	LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED SET jit = off
	BEGIN ATOMIC
		SELECT r.*
		  FROM goodgo_events.relay_replay(relay_replay.relay, relay_replay.part,
				coalesce((SELECT min(b.batch_id) FROM goodgo_events.relay_batches b
						   WHERE b.relay = relay_replay.relay AND b.part = relay_replay.part
							 AND b.acked_at >= relay_replay.from_time), 9223372036854775807)) r;
	END;
COMMENT ON FUNCTION goodgo_events.relay_replay(text, integer, timestamptz) IS
	're-deliver the retained events of the batches acked at or after from_time (replay = true)';

-- Retention.
CREATE FUNCTION goodgo_events.outbox_rotate(keep interval DEFAULT interval '0') RETURNS boolean
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	cur smallint := goodgo_events.outbox_current_gen();
	oldest smallint := ((goodgo_events.outbox_current_gen() + 1) % 3)::smallint;
	tbl regclass := format('goodgo_events.outbox_g%s', oldest)::regclass;
	behind boolean;
	min_seq bigint;
BEGIN
	IF EXISTS (SELECT 1 FROM goodgo_events.outbox o WHERE o.gen = oldest) THEN
		-- No writer may still hold the generation: wait for none, retry later.
		BEGIN
			EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE NOWAIT', tbl);
		EXCEPTION WHEN lock_not_available THEN
			RAISE NOTICE 'outbox generation % is still in use, not rotated', oldest;
			RETURN false;
		END;
		-- Retained for replay at least as long as asked.
		IF (SELECT max(o.created_at) FROM goodgo_events.outbox o WHERE o.gen = oldest) > now() - keep THEN
			RAISE NOTICE 'outbox generation % holds events younger than the retention asked for, not rotated', oldest;
			RETURN false;
		END IF;
		-- Every relay position must have passed every row of it.
		-- (A relay with no position for a row's partition has not passed it.)
		SELECT NOT EXISTS (SELECT 1 FROM goodgo_events.relay_positions)
			OR EXISTS (SELECT 1
						 FROM goodgo_events.outbox o,
							  (SELECT DISTINCT rp.relay FROM goodgo_events.relay_positions rp) r
						WHERE o.gen = oldest
						  AND NOT EXISTS (SELECT 1 FROM goodgo_events.relay_positions p
										   WHERE p.relay = r.relay AND p.part = o.part
											 AND p.origin = goodgo_events.database_identity()
											 AND pg_visible_in_snapshot(o.txid, p.snap)))
		  INTO behind;
		IF behind THEN
			RAISE NOTICE 'outbox generation % holds events a relay has not passed yet, not rotated', oldest;
			RETURN false;
		END IF;
		PERFORM set_config('goodgo_events.outbox_maintenance', 'on', true);
		EXECUTE format('TRUNCATE %s', tbl);
		PERFORM set_config('goodgo_events.outbox_maintenance', 'off', true);
		-- Forget batches whose events are gone (redriven dead letters stay
		-- in dead_letters, but their old batches cannot be replayed whole):
		-- an acked batch whose last seq is below every retained row's.  (A
		-- batch's seqs are in ascending order.  Looking each batch's seqs up
		-- in the outbox instead made the planner hash the outbox by part and
		-- test every row against every batch: minutes with 60,000 batches,
		-- holding the generation's ACCESS EXCLUSIVE lock.  A batch gone
		-- whose seqs straddle a retained one's is forgotten at a later
		-- rotation.)
		SELECT min(o.seq) INTO min_seq FROM goodgo_events.outbox o;
		WITH gone AS (
			DELETE FROM goodgo_events.relay_batches b
			 WHERE b.acked_at IS NOT NULL
			   AND (min_seq IS NULL OR cardinality(b.seqs) = 0
					OR b.seqs[cardinality(b.seqs)] < min_seq)
			RETURNING b.relay, b.part, b.batch_id)
		DELETE FROM goodgo_events.relay_batch_redrives x
		 USING gone g WHERE x.relay = g.relay AND x.part = g.part AND x.batch_id = g.batch_id;
	END IF;
	PERFORM nextval('goodgo_events.outbox_gen');
	RETURN true;
END $$;
COMMENT ON FUNCTION goodgo_events.outbox_rotate(interval) IS
	'switch new inserts to the next generation, TRUNCATEing it first when every relay passed its events, no writer holds it and its newest event is older than keep; false when not possible yet';

-- Stats.
CREATE VIEW goodgo_events.outbox_stats AS
SELECT p.relay, p.part, p.last_batch_id, p.last_acked_at, p.open_batch_id,
	   pend.n AS pending_estimate,
	   now() - pend.oldest AS oldest_pending_age,
	   jsonb_build_object('0', pg_total_relation_size('goodgo_events.outbox_g0'),
						  '1', pg_total_relation_size('goodgo_events.outbox_g1'),
						  '2', pg_total_relation_size('goodgo_events.outbox_g2')) AS generation_bytes,
	   goodgo_events.outbox_current_gen() AS current_gen,
	   (SELECT now() - min(a.xact_start) FROM pg_catalog.pg_stat_activity a
		 WHERE a.pid <> pg_backend_pid()
		   AND (a.backend_xid IS NOT NULL OR a.backend_xmin IS NOT NULL)) AS oldest_xact_age
  FROM goodgo_events.relay_positions p,
	   LATERAL (SELECT count(*) AS n, min(o.created_at) AS oldest
				  FROM goodgo_events.outbox o
				 WHERE o.part = p.part
				   AND (o.txid >= pg_snapshot_xmax(p.snap)
						OR o.txid = ANY (ARRAY(SELECT pg_snapshot_xip(p.snap))))
				   AND NOT pg_visible_in_snapshot(o.txid, p.snap)) pend;
COMMENT ON VIEW goodgo_events.outbox_stats IS
	'per relay and partition: position, pending events and the oldest one''s age, bytes per generation (with indexes), oldest open transaction age';

-- sql/objects/60_registry.sql
-- Event-type registry: the event types, the full history of their payload
-- schemas, the functions that register them, and who may call those.
-- src/registry.c holds the C side and its per-backend cache; doc/registry.md
-- is the reference.

-- The role that may register and change event types.  Roles belong to the
-- cluster, not to a database or an extension: a second database's CREATE
-- EXTENSION finds it there, and DROP EXTENSION leaves it.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'goodgo_events_admin') THEN
		CREATE ROLE goodgo_events_admin NOLOGIN;
		COMMENT ON ROLE goodgo_events_admin IS
			'goodgo_events: members may register event types and change their modes';
	END IF;
END
$$;

CREATE TABLE goodgo_events.event_types (
	event_type		text NOT NULL PRIMARY KEY,
	current_version integer NOT NULL,
	mode			text NOT NULL DEFAULT 'enforce',
	bundled			boolean NOT NULL DEFAULT false,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT event_types_name_check
		CHECK (event_type OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'
			   AND pg_catalog.octet_length(event_type) <= 255),
	CONSTRAINT event_types_version_check CHECK (current_version >= 1),
	CONSTRAINT event_types_mode_check CHECK (mode IN ('enforce', 'warn', 'off'))
);

COMMENT ON TABLE goodgo_events.event_types IS
	'goodgo_events: registered event types, their current schema version and validation mode; write it through register_event_type() and set_event_type_mode()';
COMMENT ON COLUMN goodgo_events.event_types.event_type IS
	'dotted lower-case name, at least <aggregate>.<past-tense-verb>, e.g. payment.completed';
COMMENT ON COLUMN goodgo_events.event_types.current_version IS
	'the version in event_type_versions that payloads are validated against';
COMMENT ON COLUMN goodgo_events.event_types.mode IS
	'enforce: reject a bad payload; warn: accept it with a WARNING and keep the findings; off: do not validate';
COMMENT ON COLUMN goodgo_events.event_types.bundled IS
	'true while the type is exactly as CREATE EXTENSION registered it from the bundled schemas';
COMMENT ON COLUMN goodgo_events.event_types.created_at IS 'when the type was first registered';
COMMENT ON COLUMN goodgo_events.event_types.updated_at IS 'when its version or mode last changed';

CREATE TABLE goodgo_events.event_type_versions (
	event_type		text NOT NULL
		REFERENCES goodgo_events.event_types (event_type) ON UPDATE RESTRICT ON DELETE RESTRICT,
	version			integer NOT NULL,
	schema			jsonb NOT NULL,
	dialect			text NOT NULL,
	format_assertion boolean NOT NULL,
	bundled			boolean NOT NULL DEFAULT false,
	registered_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	registered_by	name NOT NULL DEFAULT current_user,
	PRIMARY KEY (event_type, version),
	CONSTRAINT event_type_versions_version_check CHECK (version >= 1),
	CONSTRAINT event_type_versions_dialect_check
		CHECK (dialect IN ('draft4', 'draft6', 'draft7', 'draft2019-09', 'draft2020-12'))
);

COMMENT ON TABLE goodgo_events.event_type_versions IS
	'goodgo_events: every payload schema each event type has had, numbered from 1; rows are never updated and numbers never reused';
COMMENT ON COLUMN goodgo_events.event_type_versions.event_type IS 'the event type';
COMMENT ON COLUMN goodgo_events.event_type_versions.version IS 'schema version, 1, 2, ... per event type';
COMMENT ON COLUMN goodgo_events.event_type_versions.schema IS 'the JSON Schema of the payload';
COMMENT ON COLUMN goodgo_events.event_type_versions.dialect IS
	'JSON Schema dialect pinned at registration: the one $schema names, else goodgo_events.default_json_schema_draft then';
COMMENT ON COLUMN goodgo_events.event_type_versions.format_assertion IS
	'goodgo_events.json_schema_format_assertion pinned at registration: whether "format" is asserted';
COMMENT ON COLUMN goodgo_events.event_type_versions.bundled IS
	'true for a version an extension script registered, such as the bundled schemas (not dumped: the script registers it again on restore)';
COMMENT ON COLUMN goodgo_events.event_type_versions.registered_at IS 'when the version was registered';
COMMENT ON COLUMN goodgo_events.event_type_versions.registered_by IS 'the role that called register_event_type() (the SET ROLE role, not the function owner)';

-- pg_dump keeps what users registered.  The bundled rows are left out of the
-- versions dump because CREATE EXTENSION on restore registers them again; the
-- event_types rows are all dumped, and the restore merges a bundled type's
-- row into the one CREATE EXTENSION made (event_types_merge_bundled below).
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.event_types', '');
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.event_type_versions', 'WHERE NOT bundled');

-- History is append-only.
CREATE FUNCTION goodgo_events.event_type_versions_immutable()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'cannot change version % of the schema of event type "%"', OLD.version, OLD.event_type
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = 'Registered schema versions are never changed; outbox rows refer to them by number.',
			  HINT = 'Register the new schema with goodgo_events.register_event_type(); it becomes the next version.';
END
$$;

COMMENT ON FUNCTION goodgo_events.event_type_versions_immutable() IS
	'goodgo_events: trigger keeping event_type_versions append-only';

CREATE TRIGGER event_type_versions_immutable
	BEFORE UPDATE ON goodgo_events.event_type_versions
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.event_type_versions_immutable();

-- Restoring a dump: CREATE EXTENSION has already registered the bundled types,
-- so a dumped row for one of them updates that row instead of colliding with
-- it.  Only rows still marked bundled are merged into: a user type is never
-- overwritten, and inserting it twice still fails.
CREATE FUNCTION goodgo_events.event_types_merge_bundled()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE goodgo_events.event_types t
	   SET current_version = NEW.current_version, mode = NEW.mode, bundled = NEW.bundled,
		   created_at = NEW.created_at, updated_at = NEW.updated_at
	 WHERE t.event_type = NEW.event_type AND t.bundled;
	IF FOUND THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

COMMENT ON FUNCTION goodgo_events.event_types_merge_bundled() IS
	'goodgo_events: trigger merging a restored event_types row into the bundled row CREATE EXTENSION made';

CREATE TRIGGER event_types_merge_bundled
	BEFORE INSERT ON goodgo_events.event_types
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.event_types_merge_bundled();

-- Every change to the registry reaches the compiled-schema cache of every
-- backend at commit (and never, if it rolls back).
CREATE FUNCTION goodgo_events.registry_invalidate()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'goodgo_registry_invalidate';

COMMENT ON FUNCTION goodgo_events.registry_invalidate() IS
	'goodgo_events: statement trigger that invalidates every backend''s cache of compiled event-type schemas when the registry changes';

CREATE TRIGGER event_types_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON goodgo_events.event_types
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.registry_invalidate();
CREATE TRIGGER event_type_versions_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON goodgo_events.event_type_versions
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.registry_invalidate();

CREATE FUNCTION goodgo_events.register_event_type(event_type text, schema jsonb, mode text DEFAULT 'enforce')
RETURNS integer
LANGUAGE C
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'goodgo_register_event_type';

COMMENT ON FUNCTION goodgo_events.register_event_type(text, jsonb, text) IS
	'goodgo_events: register an event type, or a new version of its payload schema (the same schema again changes nothing but the mode); returns the current version';

CREATE FUNCTION goodgo_events.set_event_type_mode(event_type text, mode text)
RETURNS void
LANGUAGE C
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'goodgo_set_event_type_mode';

COMMENT ON FUNCTION goodgo_events.set_event_type_mode(text, text) IS
	'goodgo_events: switch a registered event type between enforce, warn and off without a new schema version';

CREATE FUNCTION goodgo_events.validate_payload(event_type text, payload jsonb)
RETURNS integer
LANGUAGE C
VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'goodgo_validate_payload';

COMMENT ON FUNCTION goodgo_events.validate_payload(text, jsonb) IS
	'goodgo_events: check a payload as the outbox trigger would, writing nothing; returns the schema version that validated it, NULL when none did';

-- Privileges: everyone may read the registry and check payloads; only the
-- extension owner and members of goodgo_events_admin may change it, and only
-- through the functions, which check what they store.
REVOKE ALL ON goodgo_events.event_types, goodgo_events.event_type_versions FROM PUBLIC;
GRANT SELECT ON goodgo_events.event_types, goodgo_events.event_type_versions TO PUBLIC;
REVOKE ALL ON FUNCTION goodgo_events.register_event_type(text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION goodgo_events.set_event_type_mode(text, text) FROM PUBLIC;
GRANT USAGE ON SCHEMA goodgo_events TO goodgo_events_admin;
GRANT EXECUTE ON FUNCTION goodgo_events.register_event_type(text, jsonb, text) TO goodgo_events_admin;
GRANT EXECUTE ON FUNCTION goodgo_events.set_event_type_mode(text, text) TO goodgo_events_admin;

-- Shared documents in dumps (schema_documents belongs to 20_jsonschema.sql;
-- this only adjusts how it is dumped, because the registration below puts the
-- bundled documents in it).  CREATE EXTENSION on restore registers them
-- again, so a row still equal to its bundled file is not dumped, and a
-- restored row for a bundled document that the user replaced updates the
-- bundled row instead of colliding with it.
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.schema_documents',
	'WHERE NOT EXISTS (SELECT 1 FROM goodgo_events.bundled_schemas b'
	' WHERE b.uri = schema_documents.uri AND b.schema = schema_documents.schema)');

CREATE FUNCTION goodgo_events.bundled_documents_merge()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE goodgo_events.schema_documents d
	   SET schema_id = NEW.schema_id, schema = NEW.schema, registered_at = NEW.registered_at
	 WHERE d.uri = NEW.uri
	   AND EXISTS (SELECT 1 FROM goodgo_events.bundled_schemas b
				   WHERE b.uri = d.uri AND b.schema = d.schema);
	IF FOUND THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

COMMENT ON FUNCTION goodgo_events.bundled_documents_merge() IS
	'goodgo_events: trigger merging a restored schema_documents row into the bundled document CREATE EXTENSION registered';

CREATE TRIGGER schema_documents_merge_bundled
	BEFORE INSERT ON goodgo_events.schema_documents
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.bundled_documents_merge();

-- The bundled contracts (schemas/*.schema.json, embedded as
-- goodgo_events.bundled_schemas by 40_bundled_schemas.sql).  A file named after
-- an event type (a dotted name) registers that type; every other file
-- (definitions, envelope) is a shared document, registered first so that the
-- event schemas' $refs resolve.  Format assertion is pinned on whatever the
-- installing session says: the contracts mean what the standard says.  SET
-- LOCAL here ends with the script.
SET LOCAL goodgo_events.json_schema_format_assertion = on;

SELECT goodgo_events.register_schema(b.uri, b.schema)
  FROM goodgo_events.bundled_schemas b
 WHERE b.name NOT LIKE '%.%'
 ORDER BY b.name COLLATE "C";

SELECT goodgo_events.register_event_type(b.name, b.schema, 'enforce')
  FROM goodgo_events.bundled_schemas b
 WHERE b.name LIKE '%.%'
 ORDER BY b.name COLLATE "C";

-- Shared schema documents are part of the registry: admins may register them,
-- producers may not (a changed document changes every type that $refs it).
ALTER FUNCTION goodgo_events.register_schema(text, jsonb) SECURITY DEFINER;
REVOKE ALL ON FUNCTION goodgo_events.register_schema(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.register_schema(text, jsonb) TO goodgo_events_admin;
GRANT SELECT ON goodgo_events.schema_documents TO PUBLIC;

-- sql/objects/70_roles.sql
-- Roles and privileges: who may produce events, who may relay them, who may
-- change the registry.  Runs last (after the outbox and the registry), so it
-- can name every object; doc/hardening-b.md is the reference.
--
--   goodgo_events_producer  emit() and INSERT of envelope/aggregate_id into
--                           the outbox; the trigger derives every other column.
--   goodgo_events_relay     the relay API (lock, claim, ack, nack, position,
--                           replay, reset, rotate) and outbox_stats; no event
--                           can be inserted and nothing of the registry changed.
--   goodgo_events_admin     the registry (60_registry.sql), plus dead-letter
--                           redrive, relay_forget and the relay tables' contents.
--
-- The relay functions write the relay's own tables (positions, batches,
-- failures, dead letters), which no role is granted directly: they run as
-- the extension owner (SECURITY DEFINER) with search_path pinned to
-- pg_catalog, pg_temp, and every name in their bodies is qualified.  The
-- ALTERs below rather than clauses in 50_outbox.sql keep one place that
-- says who runs what with which rights.
--
-- Roles belong to the cluster: created NOLOGIN when missing, kept by DROP
-- EXTENSION, found by a second database's CREATE EXTENSION.

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'goodgo_events_producer') THEN
		CREATE ROLE goodgo_events_producer NOLOGIN;
		COMMENT ON ROLE goodgo_events_producer IS
			'goodgo_events: members may emit events (insert envelopes into the outbox), nothing else';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'goodgo_events_relay') THEN
		CREATE ROLE goodgo_events_relay NOLOGIN;
		COMMENT ON ROLE goodgo_events_relay IS
			'goodgo_events: members may claim, publish and acknowledge outbox events through the relay API, nothing else';
	END IF;
END
$$;

-- Producers.  emit() is SECURITY INVOKER: it inserts with the caller's
-- rights, so EXECUTE (which PUBLIC keeps, as for the uuid functions) gives
-- nothing without the column privileges below.  Only the two columns a
-- producer chooses: seq, txid, part, event_id, event_type, stream,
-- schema_version and findings are the trigger's, gen and created_at the
-- defaults'.
GRANT USAGE ON SCHEMA goodgo_events TO goodgo_events_producer;
GRANT EXECUTE ON FUNCTION
	goodgo_events.emit(text, jsonb, text, text, text, timestamptz),
	goodgo_events.uuid_v7(),
	goodgo_events.uuid_v7(timestamptz),
	goodgo_events.uuid_v7_time(uuid),
	goodgo_events.uuid_v7_floor(timestamptz),
	goodgo_events.validate_payload(text, jsonb),
	goodgo_events.envelope_errors(jsonb)
	TO goodgo_events_producer;
GRANT INSERT (envelope, aggregate_id) ON goodgo_events.outbox TO goodgo_events_producer;

-- The relay API runs as the extension owner.
ALTER FUNCTION goodgo_events.relay_check_leader(text, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_reset(text, integer, text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_forget(text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_claim(text, integer, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[])
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_peek(text, integer, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_nack(text, integer, bigint, bigint, text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_position(text, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, timestamptz)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.redrive_dead_letter(bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.redrive_dead_letters(text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- A function is executable by PUBLIC until revoked: every owner-rights
-- function of the relay and of retention is taken back, then given to the
-- role that needs it.  relay_lock/relay_unlock only take an advisory lock
-- (which pg_try_advisory_lock gives anyone anyway), but they are part of
-- the relay API and go with it.  The internal setters need the table's
-- owner anyway; revoking says so.
REVOKE EXECUTE ON FUNCTION
	goodgo_events.relay_lock(text, integer),
	goodgo_events.relay_unlock(text, integer),
	goodgo_events.relay_check_leader(text, integer),
	goodgo_events.relay_reset(text, integer, text),
	goodgo_events.relay_forget(text),
	goodgo_events.relay_batch_rows(text, integer, bigint),
	goodgo_events.relay_claim(text, integer, integer),
	goodgo_events.relay_ack(text, integer, bigint),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]),
	goodgo_events.relay_peek(text, integer, integer),
	goodgo_events.relay_nack(text, integer, bigint, bigint, text),
	goodgo_events.relay_position(text, integer),
	goodgo_events.relay_replay(text, integer, bigint),
	goodgo_events.relay_replay(text, integer, timestamptz),
	-- internal steps of claim and ack: they skip the leadership check, so
	-- only the owner-rights API above calls them (relay_rows stays without
	-- SET clauses so the planner can inline it there)
	goodgo_events.relay_rows(text, integer, bigint, bigint[]),
	goodgo_events.relay_claim_batch(text, integer, integer),
	goodgo_events.relay_ack_batch(text, integer, bigint),
	goodgo_events.redrive_dead_letter(bigint),
	goodgo_events.redrive_dead_letters(text),
	goodgo_events.outbox_rotate(interval),
	goodgo_events.outbox_set_trigger(integer),
	goodgo_events.outbox_set_partitions(integer),
	goodgo_events.outbox_after_restore()
	FROM PUBLIC;

GRANT USAGE ON SCHEMA goodgo_events TO goodgo_events_relay;
GRANT EXECUTE ON FUNCTION
	goodgo_events.relay_lock(text, integer),
	goodgo_events.relay_unlock(text, integer),
	goodgo_events.relay_check_leader(text, integer),
	goodgo_events.relay_reset(text, integer, text),
	goodgo_events.relay_claim(text, integer, integer),
	goodgo_events.relay_ack(text, integer, bigint),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]),
	goodgo_events.relay_peek(text, integer, integer),
	goodgo_events.relay_nack(text, integer, bigint, bigint, text),
	goodgo_events.relay_position(text, integer),
	goodgo_events.relay_replay(text, integer, bigint),
	goodgo_events.relay_replay(text, integer, timestamptz),
	goodgo_events.outbox_rotate(interval)
	TO goodgo_events_relay;
-- outbox_partitions() (the relay asks it how many partitions to serve)
-- reads outbox_config with the caller's rights.
GRANT SELECT ON goodgo_events.outbox_stats, goodgo_events.outbox_config TO goodgo_events_relay;

-- Operators (the registry's admins) redrive dead letters, forget relays
-- that are gone, rotate, and read the relay state.
GRANT EXECUTE ON FUNCTION
	goodgo_events.redrive_dead_letter(bigint),
	goodgo_events.redrive_dead_letters(text),
	goodgo_events.relay_forget(text),
	goodgo_events.outbox_rotate(interval)
	TO goodgo_events_admin;
GRANT SELECT ON goodgo_events.outbox_stats, goodgo_events.outbox_config, goodgo_events.dead_letters,
	goodgo_events.relay_positions, goodgo_events.relay_batches, goodgo_events.relay_failures
	TO goodgo_events_admin;
