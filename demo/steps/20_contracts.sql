-- The event contracts CREATE EXTENSION registered from schemas/*.schema.json
SELECT event_type, current_version AS version, mode
  FROM goodgo_events.event_types ORDER BY event_type COLLATE "C";
SELECT uri FROM goodgo_events.schema_documents ORDER BY uri COLLATE "C";
