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
	compatibility	text NOT NULL DEFAULT 'FULL_TRANSITIVE'
		CONSTRAINT event_types_compatibility_check
		CHECK (compatibility IN ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD',
								 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE')),
	policy			text NOT NULL DEFAULT 'LENIENT'
		CONSTRAINT event_types_policy_check CHECK (policy IN ('STRICT', 'LENIENT')),
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
COMMENT ON COLUMN goodgo_events.event_types.compatibility IS
	'how a new version is checked against the earlier ones (jsonschema_compatibility): NONE, BACKWARD, FORWARD, FULL, against the latest or (_TRANSITIVE) every earlier version';
COMMENT ON COLUMN goodgo_events.event_types.policy IS
	'STRICT: consumers validate with the writer schema; LENIENT: they ignore undeclared properties (applied only to closed schemas of an enforce type, else STRICT)';

-- No foreign key to event_types: pg_restore -j loads the data of extension
-- configuration tables in parallel sessions in no set order (pg_dump's
-- ordering of their data is only followed by a serial restore), and a key
-- between them failed the versions' COPY whenever it ran first, losing every
-- registered version.  Only the registry functions write these tables, and
-- they register the type before its versions; event_types_keep_versions
-- below keeps a type with versions from being deleted or renamed.
CREATE TABLE goodgo_events.event_type_versions (
	event_type		text NOT NULL,
	version			integer NOT NULL,
	schema			jsonb NOT NULL,
	dialect			text NOT NULL,
	format_assertion boolean NOT NULL,
	bundled			boolean NOT NULL DEFAULT false,
	registered_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	registered_by	name NOT NULL DEFAULT current_user,
	compat_report	jsonb,
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
COMMENT ON COLUMN goodgo_events.event_type_versions.compat_report IS
	'when an admin registered an incompatible version anyway: the override reason, the mode and the findings; NULL otherwise';

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

-- What the foreign key's ON DELETE/UPDATE RESTRICT did (see above).
CREATE FUNCTION goodgo_events.event_types_keep_versions()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.event_type OPERATOR(pg_catalog.=) OLD.event_type THEN
		RETURN NEW;
	END IF;
	IF EXISTS (SELECT 1 FROM goodgo_events.event_type_versions v
				WHERE v.event_type OPERATOR(pg_catalog.=) OLD.event_type) THEN
		RAISE EXCEPTION 'event type "%" has registered versions', OLD.event_type
			USING ERRCODE = 'foreign_key_violation',
				  DETAIL = 'Outbox rows and consumers refer to an event type''s versions by its name and number.',
				  HINT = 'Stop emitting the type instead; its versions stay in the registry.';
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

COMMENT ON FUNCTION goodgo_events.event_types_keep_versions() IS
	'goodgo_events: trigger keeping an event type that has versions from being deleted or renamed';

CREATE TRIGGER event_types_keep_versions
	BEFORE DELETE OR UPDATE OF event_type ON goodgo_events.event_types
	FOR EACH ROW EXECUTE FUNCTION goodgo_events.event_types_keep_versions();

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
		   created_at = NEW.created_at, updated_at = NEW.updated_at,
		   compatibility = NEW.compatibility, policy = NEW.policy
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

-- The life cycle of a version (issue 16): active (no row, or a row saying
-- so), deprecated (the trigger's fallback still matches it, with a WARNING)
-- or disabled (never matched).  Kept apart from event_type_versions, which is
-- never updated; set through set_event_type_version_state().
CREATE TABLE goodgo_events.event_type_version_states (
	event_type		text NOT NULL,
	version			integer NOT NULL,
	state			text NOT NULL
		CONSTRAINT event_type_version_states_state_check
		CHECK (state IN ('active', 'deprecated', 'disabled')),
	changed_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	changed_by		name NOT NULL DEFAULT current_user,
	PRIMARY KEY (event_type, version)
	-- (no foreign key to event_type_versions: pg_restore -j loads the data
	-- of configuration tables in parallel, in no set order; see
	-- event_type_versions.  set_event_type_version_state checks the version.)
);

COMMENT ON TABLE goodgo_events.event_type_version_states IS
	'goodgo_events: the state of a schema version other than the latest (a version without a row is active); write it through set_event_type_version_state()';
COMMENT ON COLUMN goodgo_events.event_type_version_states.state IS
	'active or deprecated: a payload that fails the latest version may still match it (BACKWARD_TRANSITIVE and FULL_TRANSITIVE types; deprecated with a WARNING); disabled: never matched';
COMMENT ON COLUMN goodgo_events.event_type_version_states.changed_at IS 'when the state was last changed';
COMMENT ON COLUMN goodgo_events.event_type_version_states.changed_by IS
	'the role that called set_event_type_version_state() (the SET ROLE role, not the function owner)';

-- every row is the user's: dumped in full (the bundled versions it may
-- refer to come from CREATE EXTENSION)
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.event_type_version_states', '');

CREATE TRIGGER event_type_version_states_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON goodgo_events.event_type_version_states
	FOR EACH STATEMENT EXECUTE FUNCTION goodgo_events.registry_invalidate();

CREATE FUNCTION goodgo_events.set_event_type_version_state(event_type text, version integer, state text)
RETURNS void
LANGUAGE C
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'goodgo_set_event_type_version_state';

COMMENT ON FUNCTION goodgo_events.set_event_type_version_state(text, integer, text) IS
	'goodgo_events: mark a version other than the latest active, deprecated or disabled (what the outbox trigger''s fallback to older versions may match)';

REVOKE ALL ON goodgo_events.event_type_version_states FROM PUBLIC;
GRANT SELECT ON goodgo_events.event_type_version_states TO PUBLIC;
REVOKE ALL ON FUNCTION goodgo_events.set_event_type_version_state(text, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.set_event_type_version_state(text, integer, text) TO goodgo_events_admin;

CREATE FUNCTION goodgo_events.register_event_type(event_type text, schema jsonb, mode text DEFAULT 'enforce',
												  override_reason text DEFAULT NULL)
RETURNS integer
LANGUAGE C
VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'goodgo_register_event_type';

COMMENT ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) IS
	'goodgo_events: register an event type, or a new version of its payload schema (the schema of the latest version, or of an older one the trigger still accepts, changes nothing but the mode and returns that version), refused when incompatible with the type''s compatibility mode unless override_reason is given; returns the version';

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

-- Privileges: everyone may read the registry and check payloads; only the
-- extension owner and members of goodgo_events_admin may change it, and only
-- through the functions, which check what they store.
REVOKE ALL ON goodgo_events.event_types, goodgo_events.event_type_versions FROM PUBLIC;
GRANT SELECT ON goodgo_events.event_types, goodgo_events.event_type_versions TO PUBLIC;
REVOKE ALL ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION goodgo_events.set_event_type_mode(text, text) FROM PUBLIC;
GRANT USAGE ON SCHEMA goodgo_events TO goodgo_events_admin;
GRANT EXECUTE ON FUNCTION goodgo_events.register_event_type(text, jsonb, text, text) TO goodgo_events_admin;
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
