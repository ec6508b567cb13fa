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
