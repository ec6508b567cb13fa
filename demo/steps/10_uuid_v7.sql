-- UUIDv7 event ids: time-ordered, with the creation time inside
SELECT extname, extversion FROM pg_extension WHERE extname = 'goodgo_events';
