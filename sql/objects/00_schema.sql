-- The extension's schema is created by CREATE EXTENSION (control file:
-- schema = goodgo_events).  Nothing else may be created in it by users.
COMMENT ON SCHEMA goodgo_events IS 'goodgo_events: validated event outbox, JSON Schema contracts, UUIDv7';
