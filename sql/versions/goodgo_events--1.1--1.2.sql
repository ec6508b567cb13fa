-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i15compat] pg_jsonschema compatibility (goodgo_events_compat), IMMUTABLE
-- forms, and the refusal of an unknown $schema (issue 15).

-- From 1.2 on, a "$schema" that is none of the five drafts, and no bundled or
-- registered document (followed to a draft), is refused (22023) instead of
-- read as the default draft.  Say which registered types and documents that
-- now refuses, so they can be fixed (register the metaschema, or name a
-- draft) before their next event or compile.
DO $$
DECLARE
	r record;
	n integer := 0;
BEGIN
	FOR r IN
		WITH docs AS (
			SELECT 'event type ' || pg_catalog.quote_literal(v.event_type) || ' version ' || v.version AS what,
				   v.schema OPERATOR(pg_catalog.->>) '$schema' AS meta
			  FROM goodgo_events.event_type_versions v
			  JOIN goodgo_events.event_types t
				ON t.event_type OPERATOR(pg_catalog.=) v.event_type
			   AND t.current_version OPERATOR(pg_catalog.=) v.version
			 WHERE pg_catalog.jsonb_typeof(v.schema) OPERATOR(pg_catalog.=) 'object'
			UNION ALL
			SELECT 'schema document ' || pg_catalog.quote_literal(d.uri),
				   d.schema OPERATOR(pg_catalog.->>) '$schema'
			  FROM goodgo_events.schema_documents d
			 WHERE pg_catalog.jsonb_typeof(d.schema) OPERATOR(pg_catalog.=) 'object')
		SELECT what, meta FROM docs
		 WHERE meta IS NOT NULL
		   AND pg_catalog.rtrim(meta, '#') OPERATOR(pg_catalog.<>) ALL (ARRAY[
				'https://json-schema.org/draft/2020-12/schema',
				'https://json-schema.org/draft/2019-09/schema',
				'http://json-schema.org/draft-07/schema',
				'http://json-schema.org/draft-06/schema',
				'http://json-schema.org/draft-04/schema'])
		   AND meta OPERATOR(pg_catalog.!~) '^https://json-schema\.org/draft/20(19-09|20-12)/meta/[a-z-]+#?$'
		   AND NOT EXISTS (SELECT 1 FROM goodgo_events.schema_documents d
							WHERE d.uri OPERATOR(pg_catalog.=) pg_catalog.rtrim(meta, '#')
							   OR d.schema_id OPERATOR(pg_catalog.=) pg_catalog.rtrim(meta, '#'))
		 ORDER BY 1
	LOOP
		RAISE WARNING 'goodgo_events 1.2 refuses the JSON Schema of % (22023): unknown metaschema "%"',
			r.what, pg_catalog.left(r.meta, 200)
			USING HINT = 'Register that metaschema with goodgo_events.register_schema(), or set "$schema" to one of the drafts 2020-12, 2019-09, 7, 6 or 4.';
		n := n + 1;
	END LOOP;
	IF n > 0 THEN
		RAISE NOTICE 'goodgo_events 1.2: % registered schema(s) name an unknown "$schema" (see the warnings above)', n;
	END IF;
END
$$;
