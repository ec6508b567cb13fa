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

-- Every content a shared document has had, numbered per URI from 1.  The
-- validator reads schema_documents (the current content); this keeps what
-- consumers and auditors need to read events validated against an earlier
-- content.  register_schema appends a row when the content changes; rows are
-- never updated.  pg_dump keeps the rows users made (a bundled document's
-- first content is registered again by CREATE EXTENSION on restore).
CREATE TABLE goodgo_events.schema_document_versions (
	uri				text NOT NULL,
	version			integer NOT NULL CONSTRAINT schema_document_versions_version_check CHECK (version >= 1),
	schema_id		text,
	schema			jsonb NOT NULL,
	registered_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (uri, version)
);
COMMENT ON TABLE goodgo_events.schema_document_versions IS
	'every content a shared schema document has had (register_schema appends one when it changes), numbered per URI from 1; never updated';
COMMENT ON COLUMN goodgo_events.schema_document_versions.uri IS 'the URI the document is registered under';
COMMENT ON COLUMN goodgo_events.schema_document_versions.version IS 'content version, 1, 2, ... per URI';
COMMENT ON COLUMN goodgo_events.schema_document_versions.schema_id IS 'the document''s own $id resolved against uri, when it differs from uri';
COMMENT ON COLUMN goodgo_events.schema_document_versions.schema IS 'the document as registered then';
COMMENT ON COLUMN goodgo_events.schema_document_versions.registered_at IS 'when this content was registered';
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.schema_document_versions',
	'WHERE NOT (version = 1 AND EXISTS (SELECT 1 FROM goodgo_events.bundled_schemas b'
	' WHERE b.uri = schema_document_versions.uri AND b.schema = schema_document_versions.schema))');

CREATE FUNCTION goodgo_events.schema_document_versions_immutable() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	RAISE EXCEPTION 'cannot change version % of schema document "%"', OLD.version, OLD.uri
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = 'The history of a shared document is never changed.',
			  HINT = 'Register the new content with goodgo_events.register_schema(); it becomes the next version.';
END
$$;
COMMENT ON FUNCTION goodgo_events.schema_document_versions_immutable() IS
	'goodgo_events: trigger keeping schema_document_versions append-only';
CREATE TRIGGER schema_document_versions_immutable
	BEFORE UPDATE ON goodgo_events.schema_document_versions
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.schema_document_versions_immutable();
REVOKE ALL ON goodgo_events.schema_document_versions FROM PUBLIC;
GRANT SELECT ON goodgo_events.schema_document_versions TO PUBLIC;

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
	-- Concurrent registrations of one URI take turns (the statements after
	-- the lock see what the other committed).
	PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('goodgo_events.register_schema'),
											 pg_catalog.hashtext(uri));
	-- a changed document must not break the event types that refer to it
	PERFORM goodgo_events.schema_document_change_check(uri, schema, id);
	-- A new content (or a first one) is the document's next version; the
	-- same content again is not.
	IF NOT EXISTS (SELECT 1 FROM goodgo_events.schema_documents d
					WHERE d.uri OPERATOR(pg_catalog.=) register_schema.uri
					  AND d.schema OPERATOR(pg_catalog.=) register_schema.schema
					  AND d.schema_id IS NOT DISTINCT FROM id) THEN
		-- (a document with no history, restored from a 1.1 dump: its
		-- current content becomes version 1 first)
		INSERT INTO goodgo_events.schema_document_versions (uri, version, schema_id, schema, registered_at)
		SELECT d.uri, 1, d.schema_id, d.schema, d.registered_at
		  FROM goodgo_events.schema_documents d
		 WHERE d.uri OPERATOR(pg_catalog.=) register_schema.uri
		   AND NOT EXISTS (SELECT 1 FROM goodgo_events.schema_document_versions v
							WHERE v.uri OPERATOR(pg_catalog.=) register_schema.uri);
		INSERT INTO goodgo_events.schema_document_versions (uri, version, schema_id, schema)
		SELECT register_schema.uri, coalesce(max(v.version), 0) OPERATOR(pg_catalog.+) 1, id, register_schema.schema
		  FROM goodgo_events.schema_document_versions v
		 WHERE v.uri OPERATOR(pg_catalog.=) register_schema.uri;
	END IF;
	INSERT INTO goodgo_events.schema_documents AS d (uri, schema_id, schema)
	VALUES (uri, id, schema)
	ON CONFLICT ON CONSTRAINT schema_documents_pkey
	DO UPDATE SET schema_id = EXCLUDED.schema_id, schema = EXCLUDED.schema, registered_at = now();
END
$$;
COMMENT ON FUNCTION goodgo_events.register_schema(text, jsonb) IS
	'store a schema document that any schema can $ref by this URI or by its $id (replaces one registered under the same URI; a changed content is kept as its next version in schema_document_versions)';

CREATE FUNCTION goodgo_events.jsonschema_cache_stats(OUT entries integer, OUT hits bigint, OUT misses bigint,
													OUT epoch bigint, OUT bytes bigint)
	LANGUAGE c VOLATILE STRICT PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_cache_stats';
COMMENT ON FUNCTION goodgo_events.jsonschema_cache_stats() IS
	'this backend''s cache of compiled JSON Schemas: entries, hits, misses, invalidation epoch, memory used';

-- Contract evolution: is a new schema compatible with an old one (src/jsonschema/compat.c)?
CREATE FUNCTION goodgo_events.jsonschema_compatibility(old jsonb, new jsonb, compatibility text,
		policy text DEFAULT 'STRICT') RETURNS jsonb
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_compatibility';
COMMENT ON FUNCTION goodgo_events.jsonschema_compatibility(jsonb, jsonb, text, text) IS
	'BACKWARD (new readers accept every old value), FORWARD (old readers accept every new value) or FULL, under STRICT or LENIENT (readers ignore undeclared properties): {"compatible", "findings"}; compatible only when proven, findings with a checked witness when refuted';
CREATE FUNCTION goodgo_events.jsonschema_objects_closed(schema jsonb) RETURNS boolean
	LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'goodgo_jsonschema_objects_closed';
COMMENT ON FUNCTION goodgo_events.jsonschema_objects_closed(jsonb) IS
	'is every object the schema describes closed (additionalProperties false or a schema, unevaluatedProperties false), also through $ref: what makes the LENIENT compatibility policy sound';
