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
