-- A text description of every object of the goodgo_events extension, one
-- line each, sorted: what test/suites/upgrade.sh compares between an
-- upgraded and a freshly installed database.  pg_dump cannot be used for
-- that: it dumps an extension as one CREATE EXTENSION, not its members.
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'goodgo_events'),
members AS (
	SELECT d.classid, d.objid, d.objsubid
	  FROM pg_depend d, ext
	 WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
),
rels AS (
	SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = 'goodgo_events'
)
SELECT line FROM (
	-- every member, with its comment
	SELECT pg_describe_object(classid, objid, objsubid)
		   || ' comment=' || coalesce(obj_description(objid, classid::regclass::name), '-') AS line
	  FROM members
	UNION ALL
	-- functions: full definition, owner-independent ACL
	SELECT 'fn ' || p.oid::regprocedure || ' ' || pg_get_functiondef(p.oid)
		   || ' acl=' || coalesce(array_to_string(p.proacl, ','), '-')
	  FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
	 WHERE p.prokind <> 'a'
	UNION ALL
	-- columns of every relation in the schema (partitions included)
	SELECT 'col ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
		   || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
		   || ' storage=' || a.attstorage::text
		   || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
		   || coalesce(' identity=' || nullif(a.attidentity::text, ''), '')
		   || ' comment=' || coalesce(col_description(a.attrelid, a.attnum), '-')
	  FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid
	  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
	 WHERE a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT 'rel ' || c.oid::regclass || ' kind=' || c.relkind::text || ' persistence=' || c.relpersistence::text
		   || ' acl=' || coalesce(array_to_string(c.relacl, ','), '-')
		   || coalesce(' partition ' || pg_get_expr(c.relpartbound, c.oid), '')
		   || coalesce(' view ' || pg_get_viewdef(c.oid), '')
	  FROM pg_class c JOIN rels r ON r.oid = c.oid
	UNION ALL
	SELECT 'index ' || pg_get_indexdef(i.indexrelid)
	  FROM pg_index i JOIN rels r ON r.oid = i.indrelid
	UNION ALL
	SELECT 'constraint ' || con.conrelid::regclass || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
	  FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
	 WHERE n.nspname = 'goodgo_events'
	UNION ALL
	SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
	  FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid
	 WHERE NOT t.tgisinternal
	UNION ALL
	SELECT 'schema acl=' || coalesce(array_to_string(nspacl, ','), '-')
	  FROM pg_namespace WHERE nspname = 'goodgo_events'
	UNION ALL
	-- one line per dumped table or sequence with its condition (the order
	-- of the array is the order of the pg_extension_config_dump calls,
	-- which an update script cannot reproduce and pg_dump does not use)
	SELECT 'extconfig ' || c.rel::regclass || ' condition=' || coalesce(c.cond, '-')
	  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(rel, cond)
	 WHERE e.extname = 'goodgo_events'
	UNION ALL
	SELECT 'extconfig count ' || coalesce(cardinality(extconfig), 0)
	  FROM pg_extension WHERE extname = 'goodgo_events'
	UNION ALL
	-- rows the install script puts into its own tables
	SELECT 'row event_types ' || event_type || ' v' || current_version || ' ' || mode
	  FROM goodgo_events.event_types
	UNION ALL
	SELECT 'row schema_documents ' || uri || ' ' || md5(schema::text)
	  FROM goodgo_events.schema_documents
	UNION ALL
	-- the contracts of schemas/ embedded by the build: a change to a file
	-- needs its UPDATE in the next version's update script
	SELECT 'row bundled_schemas ' || name || ' ' || md5(schema::text)
	  FROM goodgo_events.bundled_schemas
) s
ORDER BY line COLLATE "C";
