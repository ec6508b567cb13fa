-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i16compat] contract evolution: the compatibility checker (issue 16)
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

ALTER TABLE goodgo_events.event_types
	ADD COLUMN compatibility text NOT NULL DEFAULT 'FULL_TRANSITIVE'
		CONSTRAINT event_types_compatibility_check
		CHECK (compatibility IN ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD',
								 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE')),
	ADD COLUMN policy text NOT NULL DEFAULT 'LENIENT'
		CONSTRAINT event_types_policy_check CHECK (policy IN ('STRICT', 'LENIENT'));
COMMENT ON COLUMN goodgo_events.event_types.compatibility IS
	'how a new version is checked against the earlier ones (jsonschema_compatibility): NONE, BACKWARD, FORWARD, FULL, against the latest or (_TRANSITIVE) every earlier version';
COMMENT ON COLUMN goodgo_events.event_types.policy IS
	'STRICT: consumers validate with the writer schema; LENIENT: they ignore undeclared properties (applied only to closed schemas of an enforce type, else STRICT)';
ALTER TABLE goodgo_events.event_type_versions ADD COLUMN compat_report jsonb;
COMMENT ON COLUMN goodgo_events.event_type_versions.compat_report IS
	'when an admin registered an incompatible version anyway: the override reason, the mode and the findings; NULL otherwise';

CREATE OR REPLACE FUNCTION goodgo_events.event_types_merge_bundled()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE goodgo_events.event_types t
	   SET current_version = NEW.current_version, mode = NEW.mode, bundled = NEW.bundled,
		   created_at = NEW.created_at, updated_at = NEW.updated_at,
		   compatibility = NEW.compatibility, policy = NEW.policy
	 WHERE t.event_type = NEW.event_type AND t.bundled;
	IF FOUND THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

DROP FUNCTION goodgo_events.register_event_type(text, jsonb, text);
CREATE FUNCTION goodgo_events.register_event_type(event_type text, schema jsonb, mode text DEFAULT 'enforce',
												  override_reason text DEFAULT NULL)
RETURNS integer
LANGUAGE C
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'goodgo_register_event_type';
COMMENT ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) IS
	'goodgo_events: register an event type, or a new version of its payload schema (the same schema again changes nothing but the mode), refused when incompatible with the type''s compatibility mode unless override_reason is given; returns the current version';
REVOKE ALL ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) TO goodgo_events_admin;

-- Contract evolution (issue 16): each new version of a type's schema is
-- checked against the earlier ones (jsonschema_compatibility) in the type's
-- compatibility mode; register_event_type refuses an incompatible version
-- unless an admin gives override_reason, which is kept with the version.
CREATE FUNCTION goodgo_events.dialect_uri(dialect text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE dialect
		WHEN 'draft4' THEN 'http://json-schema.org/draft-04/schema#'
		WHEN 'draft6' THEN 'http://json-schema.org/draft-06/schema#'
		WHEN 'draft7' THEN 'http://json-schema.org/draft-07/schema#'
		WHEN 'draft2019-09' THEN 'https://json-schema.org/draft/2019-09/schema'
		ELSE 'https://json-schema.org/draft/2020-12/schema' END
$$;

COMMENT ON FUNCTION goodgo_events.dialect_uri(text) IS
	'goodgo_events: the metaschema URI of a pinned dialect (draft4 ... draft2020-12)';

CREATE FUNCTION goodgo_events.schema_property_pointers(schema jsonb)
RETURNS TABLE (pointer text, subschema jsonb)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE walk(pointer, subschema) AS (
		SELECT '/properties/' || replace(replace(p.key, '~', '~0'), '/', '~1'), p.value
		  FROM jsonb_each(CASE WHEN jsonb_typeof(schema -> 'properties') = 'object' THEN schema -> 'properties' END) p
		UNION ALL
		SELECT w.pointer || '/properties/' || replace(replace(p.key, '~', '~0'), '/', '~1'), p.value
		  FROM walk w,
			   jsonb_each(CASE WHEN jsonb_typeof(w.subschema -> 'properties') = 'object' THEN w.subschema -> 'properties' END) p
	)
	SELECT walk.pointer, walk.subschema FROM walk
$$;

COMMENT ON FUNCTION goodgo_events.schema_property_pointers(jsonb) IS
	'goodgo_events: every property a schema declares through nested "properties", as a JSON Pointer into the schema, with its subschema';

CREATE FUNCTION goodgo_events.check_event_type_compatibility(event_type text, schema jsonb,
		compatibility text DEFAULT NULL, policy text DEFAULT NULL)
RETURNS TABLE (against_version integer, rule text, effect text, old_path text, new_path text,
			   message text, witness jsonb)
LANGUAGE plpgsql
STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t record;
	v record;
	comp text;
	pol text;
	dir text;
	r jsonb;
	new_schema jsonb;
BEGIN
	IF event_type IS NULL OR schema IS NULL THEN
		RAISE EXCEPTION 'event type and schema must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT et.compatibility, et.policy, et.mode INTO t
	  FROM goodgo_events.event_types et WHERE et.event_type OPERATOR(pg_catalog.=) check_event_type_compatibility.event_type;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'event type "%" is not registered', event_type USING ERRCODE = 'undefined_object';
	END IF;
	comp := coalesce(upper(compatibility), t.compatibility);
	IF comp NOT IN ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE') THEN
		RAISE EXCEPTION 'unknown compatibility "%" for event type "%"', compatibility, event_type
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE.';
	END IF;
	pol := coalesce(upper(policy), t.policy);
	IF pol NOT IN ('STRICT', 'LENIENT') THEN
		RAISE EXCEPTION 'unknown policy "%" for event type "%"', policy, event_type
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use STRICT or LENIENT.';
	END IF;
	IF comp OPERATOR(pg_catalog.=) 'NONE' THEN
		RETURN;
	END IF;
	dir := split_part(comp, '_', 1);
	-- G1: a property an earlier version had and a later one removed is
	-- reserved: it may come back only with the schema it had
	RETURN QUERY
	WITH hist AS (
		SELECT ev.version, pp.pointer, pp.subschema
		  FROM goodgo_events.event_type_versions ev,
			   goodgo_events.schema_property_pointers(ev.schema) pp
		 WHERE ev.event_type OPERATOR(pg_catalog.=) check_event_type_compatibility.event_type),
	latest AS (
		SELECT h.pointer FROM hist h
		 WHERE h.version OPERATOR(pg_catalog.=) (SELECT max(ev.version) FROM goodgo_events.event_type_versions ev
												  WHERE ev.event_type OPERATOR(pg_catalog.=) check_event_type_compatibility.event_type)),
	reserved AS (
		SELECT DISTINCT ON (h.pointer) h.pointer, h.version, h.subschema
		  FROM hist h
		 WHERE NOT EXISTS (SELECT 1 FROM latest l WHERE l.pointer OPERATOR(pg_catalog.=) h.pointer)
		 ORDER BY h.pointer, h.version DESC)
	SELECT r.version, 'G1'::text, 'incomparable'::text, r.pointer, c.pointer,
		   format('property %s was removed after version %s: it may come back only with the schema it had then',
				  r.pointer, r.version),
		   NULL::jsonb
	  FROM reserved r
	  JOIN goodgo_events.schema_property_pointers(schema) c ON c.pointer OPERATOR(pg_catalog.=) r.pointer
	 WHERE c.subschema OPERATOR(pg_catalog.<>) r.subschema;
	-- each schema read in the dialect its version pinned (the new one: what
	-- register_event_type would pin now)
	new_schema := CASE WHEN jsonb_typeof(schema) OPERATOR(pg_catalog.=) 'object' AND NOT schema ? '$schema'
					   THEN schema OPERATOR(pg_catalog.||) jsonb_build_object('$schema',
							goodgo_events.dialect_uri(current_setting('goodgo_events.default_json_schema_draft')))
					   ELSE schema END;
	FOR v IN SELECT ev.version, ev.format_assertion,
					CASE WHEN jsonb_typeof(ev.schema) OPERATOR(pg_catalog.=) 'object' AND NOT ev.schema ? '$schema'
						 THEN ev.schema OPERATOR(pg_catalog.||) jsonb_build_object('$schema', goodgo_events.dialect_uri(ev.dialect))
						 ELSE ev.schema END AS schema
			   FROM goodgo_events.event_type_versions ev
			  WHERE ev.event_type OPERATOR(pg_catalog.=) check_event_type_compatibility.event_type
			  ORDER BY ev.version DESC
	LOOP
		-- a version registered without format assertion let any string through its formats
		IF NOT v.format_assertion AND v.schema::text LIKE '%"format"%' THEN
			RETURN QUERY SELECT v.version, 'S4'::text, 'unknown'::text, ''::text, ''::text,
				'cannot prove: this version was registered without format assertion, its producers were not held to "format"'::text,
				NULL::jsonb;
		END IF;
		-- LENIENT is sound only when producers are held to closed schemas
		r := goodgo_events.jsonschema_compatibility(v.schema, new_schema, dir,
				CASE WHEN pol OPERATOR(pg_catalog.=) 'LENIENT' AND t.mode OPERATOR(pg_catalog.=) 'enforce'
						  AND goodgo_events.jsonschema_objects_closed(v.schema)
						  AND goodgo_events.jsonschema_objects_closed(new_schema)
					 THEN 'LENIENT' ELSE 'STRICT' END);
		RETURN QUERY SELECT v.version, f->>'rule', f->>'effect', f->>'old_path', f->>'new_path',
							f->>'message', f->'witness'
					   FROM jsonb_array_elements(r->'findings') f;
		EXIT WHEN comp NOT LIKE '%\_TRANSITIVE';
	END LOOP;
END
$$;

COMMENT ON FUNCTION goodgo_events.check_event_type_compatibility(text, jsonb, text, text) IS
	'goodgo_events: dry run of the compatibility check register_event_type makes (the type''s mode and policy unless given); no rows means compatible';

CREATE FUNCTION goodgo_events.event_type_compatibility_gate(event_type text, schema jsonb, override_reason text,
		OUT open_schema boolean, OUT compatibility text, OUT against_version integer, OUT detail text,
		OUT report jsonb)
LANGUAGE plpgsql
VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	pol text;
	findings jsonb;
BEGIN
	SELECT et.compatibility, et.policy INTO compatibility, pol
	  FROM goodgo_events.event_types et WHERE et.event_type OPERATOR(pg_catalog.=) event_type_compatibility_gate.event_type;
	open_schema := compatibility OPERATOR(pg_catalog.<>) 'NONE' AND pol OPERATOR(pg_catalog.=) 'LENIENT'
		AND NOT goodgo_events.jsonschema_objects_closed(schema);
	SELECT jsonb_agg(to_jsonb(c) ORDER BY c.against_version DESC), max(c.against_version),
		   string_agg(format('v%s %s %s at %s (new %s): %s%s', c.against_version, c.rule, c.effect,
							 CASE c.old_path WHEN '' THEN '/' ELSE c.old_path END,
							 CASE c.new_path WHEN '' THEN '/' ELSE c.new_path END, c.message,
							 CASE WHEN c.witness IS NULL THEN '' ELSE '; witness ' OPERATOR(pg_catalog.||) c.witness::text END),
					  E'\n' ORDER BY c.against_version DESC)
	  INTO findings, against_version, detail
	  FROM goodgo_events.check_event_type_compatibility(event_type, schema) c;
	IF findings IS NOT NULL THEN
		report := jsonb_build_object('override_reason', override_reason, 'compatibility', compatibility,
									 'findings', findings);
	END IF;
END
$$;

COMMENT ON FUNCTION goodgo_events.event_type_compatibility_gate(text, jsonb, text) IS
	'goodgo_events: internal to register_event_type: the compatibility findings of a new version (report NULL when compatible) and whether its schema has open objects';

CREATE FUNCTION goodgo_events.set_event_type_compatibility(event_type text, compatibility text, policy text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t record;
	comp text := upper(compatibility);
	pol text;
	rank_old integer;
	rank_new integer;
BEGIN
	IF event_type IS NULL OR compatibility IS NULL THEN
		RAISE EXCEPTION 'event type and compatibility must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF comp NOT IN ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE') THEN
		RAISE EXCEPTION 'unknown compatibility "%" for event type "%"', compatibility, event_type
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE.';
	END IF;
	SELECT et.compatibility, et.policy INTO t
	  FROM goodgo_events.event_types et WHERE et.event_type OPERATOR(pg_catalog.=) set_event_type_compatibility.event_type
	   FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'event type "%" is not registered', event_type USING ERRCODE = 'undefined_object';
	END IF;
	pol := coalesce(upper(policy), t.policy);
	IF pol NOT IN ('STRICT', 'LENIENT') THEN
		RAISE EXCEPTION 'unknown policy "%" for event type "%"', policy, event_type
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use STRICT or LENIENT.';
	END IF;
	-- looser: fewer directions, or no longer transitive, or STRICT to LENIENT
	IF NOT ((CASE WHEN comp LIKE 'FULL%' THEN ARRAY['BACKWARD', 'FORWARD'] WHEN comp = 'NONE' THEN '{}'::text[]
				  ELSE ARRAY[split_part(comp, '_', 1)] END) @>
			(CASE WHEN t.compatibility LIKE 'FULL%' THEN ARRAY['BACKWARD', 'FORWARD'] WHEN t.compatibility = 'NONE' THEN '{}'::text[]
				  ELSE ARRAY[split_part(t.compatibility, '_', 1)] END))
	   OR (t.compatibility LIKE '%\_TRANSITIVE' AND comp NOT LIKE '%\_TRANSITIVE')
	   OR (t.policy = 'STRICT' AND pol = 'LENIENT') THEN
		RAISE WARNING 'loosening the compatibility of event type "%" from % % to % %', event_type,
			t.compatibility, t.policy, comp, pol
			USING HINT = 'Versions registered under the looser mode may break consumers of earlier ones.';
	END IF;
	UPDATE goodgo_events.event_types et
	   SET compatibility = comp, policy = pol, bundled = false, updated_at = pg_catalog.now()
	 WHERE et.event_type OPERATOR(pg_catalog.=) set_event_type_compatibility.event_type;
END
$$;

COMMENT ON FUNCTION goodgo_events.set_event_type_compatibility(text, text, text) IS
	'goodgo_events: set the compatibility mode (NONE, BACKWARD[_TRANSITIVE], FORWARD[_TRANSITIVE], FULL[_TRANSITIVE]) and policy (STRICT, LENIENT) new versions of a type are checked in; warns when loosening';

REVOKE ALL ON FUNCTION goodgo_events.event_type_compatibility_gate(text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION goodgo_events.set_event_type_compatibility(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.set_event_type_compatibility(text, text, text) TO goodgo_events_admin;

-- What consumers vendor: the schema of a version, or its reader view (every
-- additionalProperties/unevaluatedProperties false dropped, for a LENIENT
-- type), and every contract as files.
CREATE FUNCTION goodgo_events.jsonschema_reader_view(schema jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE jsonb_typeof(schema)
		WHEN 'object' THEN (
			SELECT coalesce(jsonb_object_agg(k, CASE
				WHEN k IN ('enum', 'const', 'default', 'examples', 'required', '$comment', 'title', 'description') THEN v
				WHEN k IN ('properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas')
					 AND jsonb_typeof(v) = 'object'
					THEN (SELECT coalesce(jsonb_object_agg(k2, goodgo_events.jsonschema_reader_view(v2)), '{}')
							FROM jsonb_each(v) x(k2, v2))
				ELSE goodgo_events.jsonschema_reader_view(v) END), '{}')
			  FROM jsonb_each(schema) e(k, v)
			 WHERE NOT (k IN ('additionalProperties', 'unevaluatedProperties') AND v = 'false'))
		WHEN 'array' THEN (SELECT coalesce(jsonb_agg(goodgo_events.jsonschema_reader_view(e) ORDER BY i), '[]')
			FROM jsonb_array_elements(schema) WITH ORDINALITY a(e, i))
		ELSE schema END
$$;

COMMENT ON FUNCTION goodgo_events.jsonschema_reader_view(jsonb) IS
	'goodgo_events: the schema with every additionalProperties/unevaluatedProperties false dropped: what a LENIENT consumer validates with';

CREATE FUNCTION goodgo_events.event_type_schema(event_type text, version integer DEFAULT NULL,
												reader boolean DEFAULT false)
RETURNS jsonb
LANGUAGE sql
STABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN coalesce(reader, false) AND t.policy = 'LENIENT' AND t.mode = 'enforce'
					 AND goodgo_events.jsonschema_objects_closed(p.pinned)
				THEN goodgo_events.jsonschema_reader_view(p.pinned) ELSE v.schema END
	  FROM goodgo_events.event_types t
	  JOIN goodgo_events.event_type_versions v
		ON v.event_type = t.event_type AND v.version = coalesce($2, t.current_version)
	 CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(v.schema) = 'object' AND NOT v.schema ? '$schema'
									 THEN v.schema || jsonb_build_object('$schema', goodgo_events.dialect_uri(v.dialect))
									 ELSE v.schema END AS pinned) p
	 WHERE t.event_type = $1
$$;

COMMENT ON FUNCTION goodgo_events.event_type_schema(text, integer, boolean) IS
	'goodgo_events: the payload schema of a version (NULL = current); reader => true gives what consumers validate with (the reader view of a LENIENT type); NULL when there is no such version';

CREATE FUNCTION goodgo_events.export_contracts()
RETURNS TABLE (path text, document jsonb)
LANGUAGE sql
STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT f.p, f.d FROM (
		SELECT t.event_type || '/v' || v.version || '.schema.json' AS p,
			   goodgo_events.event_type_schema(t.event_type, v.version, true) AS d
		  FROM goodgo_events.event_types t
		  JOIN goodgo_events.event_type_versions v ON v.event_type = t.event_type
		UNION ALL
		SELECT 'shared/' || regexp_replace(s.uri, '^[a-z]+://', ''), goodgo_events.jsonschema_reader_view(s.schema)
		  FROM goodgo_events.schema_documents s) f
	 ORDER BY f.p COLLATE "C"
$$;

COMMENT ON FUNCTION goodgo_events.export_contracts() IS
	'goodgo_events: the files a consumer repository vendors: <type>/v<N>.schema.json (reader views) and shared/<uri> (reader views) for every registered document, the envelope among them';

CREATE FUNCTION goodgo_events.schema_document_change_check(uri text, schema jsonb, schema_id text)
RETURNS void
LANGUAGE plpgsql
VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	old_doc jsonb;
	v record;
	embedded jsonb;
	r jsonb;
	dir text;
BEGIN
	SELECT d.schema INTO old_doc FROM goodgo_events.schema_documents d
	 WHERE d.uri OPERATOR(pg_catalog.=) schema_document_change_check.uri;
	IF NOT FOUND OR old_doc OPERATOR(pg_catalog.=) schema THEN
		RETURN;
	END IF;
	-- The new document, embedded under the URIs it answers to: those win over
	-- the registered (old) one when the dependent schema is compiled.
	embedded := jsonb_build_object('goodgo_events_document_new', schema OPERATOR(pg_catalog.||) jsonb_build_object('$id', uri));
	IF schema_id IS NOT NULL AND schema_id OPERATOR(pg_catalog.<>) uri THEN
		embedded := embedded OPERATOR(pg_catalog.||)
			jsonb_build_object('goodgo_events_document_new_id', schema OPERATOR(pg_catalog.||) jsonb_build_object('$id', schema_id));
	END IF;
	FOR v IN SELECT ev.event_type, ev.version, et.compatibility, et.policy, et.mode,
					CASE WHEN ev.schema ? '$schema' THEN ev.schema
						 ELSE ev.schema OPERATOR(pg_catalog.||) jsonb_build_object('$schema', goodgo_events.dialect_uri(ev.dialect)) END AS schema
			   FROM goodgo_events.event_type_versions ev
			   JOIN goodgo_events.event_types et ON et.event_type OPERATOR(pg_catalog.=) ev.event_type
			  WHERE et.compatibility OPERATOR(pg_catalog.<>) 'NONE'
				AND jsonb_typeof(ev.schema) OPERATOR(pg_catalog.=) 'object'
				AND (et.compatibility LIKE '%\_TRANSITIVE' OR ev.version OPERATOR(pg_catalog.=) et.current_version)
			  ORDER BY ev.event_type COLLATE "C", ev.version DESC
	LOOP
		dir := split_part(v.compatibility, '_', 1);
		r := goodgo_events.jsonschema_compatibility(v.schema,
				v.schema OPERATOR(pg_catalog.||) jsonb_build_object('definitions',
					coalesce(v.schema -> 'definitions', '{}') OPERATOR(pg_catalog.||) embedded),
				dir,
				CASE WHEN v.policy OPERATOR(pg_catalog.=) 'LENIENT' AND v.mode OPERATOR(pg_catalog.=) 'enforce'
						  AND goodgo_events.jsonschema_objects_closed(v.schema)
					 THEN 'LENIENT' ELSE 'STRICT' END);
		IF NOT (r->>'compatible')::boolean THEN
			RAISE EXCEPTION 'changing schema document "%" breaks version % of event type "%" (%)', uri, v.version,
					v.event_type, v.compatibility
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = (SELECT string_agg(format('%s %s at %s: %s%s', f->>'rule', f->>'effect',
							CASE f->>'new_path' WHEN '' THEN '/' ELSE f->>'new_path' END, f->>'message',
							CASE WHEN f ? 'witness' THEN '; witness ' OPERATOR(pg_catalog.||) (f->'witness')::text ELSE '' END), E'\n')
								FROM jsonb_array_elements(r->'findings') f),
					  HINT = 'Register the changed document under a new URI and refer to it from a new event type, or set the type''s compatibility to NONE.';
		END IF;
	END LOOP;
END
$$;

COMMENT ON FUNCTION goodgo_events.schema_document_change_check(text, jsonb, text) IS
	'goodgo_events: internal to register_schema: a changed shared document must keep every dependent event-type version compatible in its mode (22023 otherwise)';

REVOKE ALL ON FUNCTION goodgo_events.schema_document_change_check(text, jsonb, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION goodgo_events.register_schema(uri text, schema jsonb) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	id text := goodgo_events.jsonschema_check_document(uri, schema);
BEGIN
	-- a changed document must not break the event types that refer to it
	PERFORM goodgo_events.schema_document_change_check(uri, schema, id);
	INSERT INTO goodgo_events.schema_documents AS d (uri, schema_id, schema)
	VALUES (uri, id, schema)
	ON CONFLICT ON CONSTRAINT schema_documents_pkey
	DO UPDATE SET schema_id = EXCLUDED.schema_id, schema = EXCLUDED.schema, registered_at = now();
END
$$;
ALTER FUNCTION goodgo_events.register_schema(text, jsonb) SECURITY DEFINER;

-- Existing types get FULL_TRANSITIVE / LENIENT.  Say which ones will be
-- checked STRICT because their current schema has open objects.
DO $$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT et.event_type, v.schema
			   FROM goodgo_events.event_types et
			   JOIN goodgo_events.event_type_versions v
				 ON v.event_type OPERATOR(pg_catalog.=) et.event_type
				AND v.version OPERATOR(pg_catalog.=) et.current_version
			  ORDER BY et.event_type COLLATE "C"
	LOOP
		BEGIN
			CONTINUE WHEN goodgo_events.jsonschema_objects_closed(t.schema);
		EXCEPTION WHEN OTHERS THEN
			NULL;	-- (a schema that needs its pinned dialect: checked at its next version)
		END;
		RAISE NOTICE 'event type "%": new versions will be checked STRICT (its schema has open objects), FULL_TRANSITIVE', t.event_type
			USING HINT = 'Close its objects (additionalProperties: false) for LENIENT, or choose a mode with set_event_type_compatibility().';
	END LOOP;
END
$$;
