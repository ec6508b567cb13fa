-- Shared documents keep their history: every content a URI has had, numbered
-- from 1 (schema_document_versions); register_schema appends one only when
-- the content changes, and the history cannot be rewritten.
\set SHOW_CONTEXT never
-- The bundled documents are there from CREATE EXTENSION, as version 1.
SELECT uri, version, schema = (SELECT b.schema FROM goodgo_events.bundled_schemas b WHERE b.uri = v.uri) AS as_bundled
  FROM goodgo_events.schema_document_versions v
 WHERE uri IN (SELECT b.uri FROM goodgo_events.bundled_schemas b) ORDER BY uri COLLATE "C";

SELECT goodgo_events.register_schema('https://example.com/hist/money',
	'{"type": "object", "properties": {"units": {"type": "integer"}}}');
SELECT goodgo_events.register_schema('https://example.com/hist/money',
	'{"type": "object", "properties": {"units": {"type": "integer"}}}');
SELECT uri, version, schema FROM goodgo_events.schema_document_versions
 WHERE uri LIKE 'https://example.com/hist/%' ORDER BY uri, version;

-- A change is the next version; the current content is the new one.
SELECT goodgo_events.register_schema('https://example.com/hist/money',
	'{"type": "object", "properties": {"units": {"type": "integer"}, "currency": {"type": "string"}}}');
-- ... and its own $id is part of what it is.
SELECT goodgo_events.register_schema('https://example.com/hist/money',
	'{"$id": "https://example.com/hist/money-v3", "type": "object", "properties": {"units": {"type": "integer"}, "currency": {"type": "string"}}}');
SELECT uri, version, schema_id, schema->'properties' ? 'currency' AS has_currency FROM goodgo_events.schema_document_versions
 WHERE uri LIKE 'https://example.com/hist/%' ORDER BY uri, version;
SELECT schema_id FROM goodgo_events.schema_documents WHERE uri = 'https://example.com/hist/money';

-- A document with no history (restored from a 1.1 dump): its current
-- content becomes version 1 when it next changes.
INSERT INTO goodgo_events.schema_documents (uri, schema) VALUES ('https://example.com/hist/old', '{"type": "string"}');
SELECT goodgo_events.register_schema('https://example.com/hist/old', '{"type": "string", "maxLength": 10}');
SELECT version, schema FROM goodgo_events.schema_document_versions
 WHERE uri = 'https://example.com/hist/old' ORDER BY version;

-- The history is never rewritten.
UPDATE goodgo_events.schema_document_versions SET schema = '{}' WHERE uri = 'https://example.com/hist/money' AND version = 1;

-- Everyone may read it, nobody but the extension writes it.
CREATE ROLE gg_hist_reader;
GRANT USAGE ON SCHEMA goodgo_events TO gg_hist_reader;
SET ROLE gg_hist_reader;
SELECT count(*) > 0 AS readable FROM goodgo_events.schema_document_versions;
INSERT INTO goodgo_events.schema_document_versions (uri, version, schema) VALUES ('https://example.com/hist/x', 1, '{}');
RESET ROLE;
REVOKE USAGE ON SCHEMA goodgo_events FROM gg_hist_reader;
DROP ROLE gg_hist_reader;
DELETE FROM goodgo_events.schema_document_versions WHERE uri LIKE 'https://example.com/hist/%';
DELETE FROM goodgo_events.schema_documents WHERE uri LIKE 'https://example.com/hist/%';
