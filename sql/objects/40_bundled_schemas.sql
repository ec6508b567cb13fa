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
