/*
 * registry.c
 *		The event-type registry: register_event_type(), the mode switch, and
 *		the per-backend cache of compiled payload schemas that the outbox
 *		trigger validates against (RegistryValidatePayload, see registry.h).
 *
 * Storage.  goodgo_events.event_types holds one row per type (its current
 * version and mode); goodgo_events.event_type_versions holds every schema a
 * type ever had, numbered 1, 2, ... and never updated.  Each version row pins
 * the JSON Schema dialect and the format-assertion setting that were in force
 * when it was registered, so the compiled validator does not depend on the
 * settings of whichever session later validates a payload.
 *
 * The cache.  Each backend keeps a hash table keyed by event type; an entry
 * holds the current (version, mode) of the type and, compiled lazily on first
 * use, the schema of that version.  Unknown types are cached too, as negative
 * entries, in bounded number.  A lookup per row is one hash probe.
 *
 * Older versions.  A payload that fails the latest version of a
 * BACKWARD_TRANSITIVE or FULL_TRANSITIVE type (the modes in which the latest
 * readers read every older version's events) is tried against the type's
 * older active and deprecated versions (event_type_version_states), newest
 * first; they are read and compiled on the first such failure and kept in
 * the entry.  A payload valid under the latest never gets there.
 *
 * Invalidation.  Every statement that writes a registry table fires
 * registry_invalidate(), a statement-level trigger that queues a relcache
 * invalidation for the table (the JSON Schema library's trigger does the same
 * for schema_documents, whose documents a schema may $ref; we listen to it).
 * PostgreSQL sends queued invalidations to every backend of the database when
 * the writing transaction commits, applies them locally at the end of each
 * command, and undoes them locally on abort; a rolled-back registration is
 * therefore never seen by anyone else.  Our relcache callback only marks the
 * cache stale: entries are dropped at the start of the next lookup, never
 * under the feet of a lookup in progress.
 *
 * Two details make "a committed registration governs the next validation in
 * every other backend" hold even inside a long transaction:
 *	- each lookup first calls AcceptInvalidationMessages(), because a backend
 *	  that already holds its locks would otherwise not read the queue until
 *	  its next transaction;
 *	- a cache miss reads the registry with the latest snapshot, not the
 *	  statement's: an invalidation is only sent after its commit is visible,
 *	  so a snapshot taken after the stale mark was cleared sees every change
 *	  whose invalidation had arrived by then.  (The registry is read the way
 *	  the system catalogs are: the newest committed state governs.)
 *
 * Search path.  The lookup runs with the caller's search_path (a producer's
 * INSERT, validate_payload()), so its statement resolves nothing through it:
 * tables are schema-qualified and every operator is written
 * OPERATOR(pg_catalog.=).  A producer's own "=" earlier in its search_path
 * would otherwise decide which type's schema validates its payload.  The
 * registration statements run under the pinned search_path of their
 * SECURITY DEFINER functions and are written the same way.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/sinval.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "goodgo_events.h"
#include "jsonschema/jsonschema.h"
#include "jsonschema/jsonschema_int.h"	/* JsonSchemaDraftFromUri, JsonSchemaDraftName */
#include "registry.h"

/* Longest event type name, in bytes; the hash key holds it and a NUL. */
#define REGISTRY_NAME_MAX		255

/* At most this many unknown event types are remembered per backend. */
#define REGISTRY_MAX_NEGATIVE	1024

/* Errors listed in one errdetail before "and N more". */
#define REGISTRY_DETAIL_ERRORS	10

typedef enum RegistryUnknownTypes
{
	REGISTRY_UNKNOWN_REJECT,
	REGISTRY_UNKNOWN_ALLOW
} RegistryUnknownTypes;

static const struct config_enum_entry unknown_event_types_options[] = {
	{"reject", REGISTRY_UNKNOWN_REJECT, false},
	{"allow", REGISTRY_UNKNOWN_ALLOW, false},
	{NULL, 0, false}
};

static int	registry_unknown_event_types = REGISTRY_UNKNOWN_REJECT;

/*
 * Internal, for tests: process a relcache invalidation of the relation being
 * inserted into in the middle of RegistryValidatePayload, as if another
 * session's GRANT or ANALYZE of it had arrived with the invalidations
 * registry_lookup() accepts.  The outbox trigger must survive that (its
 * cached configuration is only marked stale).  Superuser-only, hidden.
 */
static bool registry_test_invalidate = false;

typedef struct RegistryEntry
{
	char		event_type[REGISTRY_NAME_MAX + 1];	/* hash key */
	bool		known;			/* false: a negative entry */
	int32		version;		/* current version */
	RegistryMode mode;
	JsonSchemaDraft dialect;	/* pinned at registration */
	bool		format_assertion;	/* pinned at registration */
	MemoryContext cxt;			/* owns schema and compiled; NULL if unknown */
	Jsonb	   *schema;			/* the version's schema, copied */
	JsonSchemaCompiled *compiled;	/* NULL until first validation */

	/*
	 * Fallback to older versions, for a BACKWARD_TRANSITIVE or
	 * FULL_TRANSITIVE type only: its older active and deprecated versions,
	 * newest first, read the first time a payload fails the latest version
	 * (older_loaded), each compiled the first time it is tried.  All of it
	 * lives in cxt and goes with the entry.
	 */
	bool		fallback;
	bool		older_loaded;
	int			n_older;
	struct RegistryOlderVersion *older;
} RegistryEntry;

typedef struct RegistryOlderVersion
{
	int32		version;
	bool		deprecated;
	JsonSchemaDraft dialect;
	bool		format_assertion;
	Jsonb	   *schema;
	JsonSchemaCompiled *compiled;	/* NULL until first tried */
	bool		broken;			/* it no longer compiles: never matched */
} RegistryOlderVersion;

/*
 * The deprecated versions this backend has warned about, so that each
 * (event type, version) warns once per backend.  Kept apart from the cache:
 * a registry change empties the cache but must not warn again.
 */
typedef struct RegistryWarnedKey
{
	char		event_type[REGISTRY_NAME_MAX + 1];
	int32		version;
} RegistryWarnedKey;

static HTAB *RegistryWarned = NULL;

static MemoryContext RegistryCacheContext = NULL;
static HTAB *RegistryCache = NULL;
static int	registry_negative_entries = 0;

/*
 * Set by the relcache callback; the cache is emptied at the start of the
 * next lookup.  Starts true so that the first lookup builds the table.
 */
static bool registry_cache_stale = true;

/*
 * The registry tables whose invalidations concern us, looked up by name the
 * first time they are needed (InvalidOid: not looked up yet).
 */
static Oid	registry_event_types_oid = InvalidOid;
static Oid	registry_versions_oid = InvalidOid;
static Oid	registry_documents_oid = InvalidOid;
static Oid	registry_states_oid = InvalidOid;	/* InvalidOid too before 1.2 */

static void registry_relcache_callback(Datum arg, Oid relid);

/*
 * Module initialization: the GUC and the invalidation callback.
 */
void
RegistryInit(void)
{
	DefineCustomEnumVariable("goodgo_events.unknown_event_types",
							 "What to do with an event whose type is not registered.",
							 "\"reject\" raises an error; \"allow\" stores the event unvalidated. "
							 "Only superusers can change it, so producers cannot opt out.",
							 &registry_unknown_event_types,
							 REGISTRY_UNKNOWN_REJECT,
							 unknown_event_types_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("goodgo_events.test_invalidate_in_validation",
							 "Internal, for tests: invalidate the target table's relcache entry while validating a payload.",
							 "Processes a relcache invalidation of the table an outbox trigger fires for "
							 "in the middle of the payload validation, as one arriving from another session would be.",
							 &registry_test_invalidate,
							 false,
							 PGC_SUSET,
							 GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);

	CacheRegisterRelcacheCallback(registry_relcache_callback, (Datum) 0);
}

/*
 * Relcache invalidation: InvalidOid means "every relation" (e.g. after the
 * invalidation queue overflowed), and before the tables' OIDs are known (the
 * extension was not installed at the last lookup) any relation may be one of
 * them.  Only marks the cache stale: callbacks may run in the middle of a
 * lookup, which must not lose its entry.
 */
static void
registry_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid ||
		!OidIsValid(registry_event_types_oid) ||
		relid == registry_event_types_oid ||
		relid == registry_versions_oid ||
		relid == registry_documents_oid ||
		(relid == registry_states_oid && OidIsValid(relid)))
	{
		registry_cache_stale = true;
		/* the tables may have been dropped and created anew: look again */
		registry_event_types_oid = InvalidOid;
		registry_versions_oid = InvalidOid;
		registry_documents_oid = InvalidOid;
		registry_states_oid = InvalidOid;
	}
}

/* Remember the OIDs of the registry tables, for the callback. */
static void
registry_lookup_table_oids(void)
{
	Oid			nsp;

	nsp = get_namespace_oid("goodgo_events", true);
	if (!OidIsValid(nsp))
		return;
	registry_event_types_oid = get_relname_relid("event_types", nsp);
	registry_versions_oid = get_relname_relid("event_type_versions", nsp);
	registry_documents_oid = get_relname_relid("schema_documents", nsp);
	registry_states_oid = get_relname_relid("event_type_version_states", nsp);
}

/* Drop every entry if the cache was marked stale; create it if needed. */
static void
registry_cache_prepare(void)
{
	HASHCTL		ctl;

	if (!registry_cache_stale && RegistryCache != NULL)
		return;

	if (RegistryCacheContext == NULL)
		RegistryCacheContext = AllocSetContextCreate(CacheMemoryContext,
													 "goodgo_events registry cache",
													 ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(RegistryCacheContext);
	RegistryCache = NULL;
	registry_negative_entries = 0;

	/*
	 * Clear the mark before anything is read: an invalidation that arrives
	 * from here on marks the cache again, and the next lookup starts over.
	 */
	registry_cache_stale = false;
	registry_lookup_table_oids();

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = REGISTRY_NAME_MAX + 1;
	ctl.entrysize = sizeof(RegistryEntry);
	ctl.hcxt = RegistryCacheContext;
	RegistryCache = hash_create("goodgo_events registry cache", 64, &ctl,
								HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/*
 * Names and modes.
 */

/* Does the name have the form ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$ ? */
static bool
registry_name_is_valid(const char *name)
{
	const char *p = name;
	int			parts = 0;

	for (;;)
	{
		if (*p < 'a' || *p > 'z')
			return false;
		p++;
		while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		parts++;
		if (*p == '\0')
			return parts >= 2;
		if (*p != '.')
			return false;
		p++;
	}
}

static void
registry_check_name(const char *name)
{
	if (strlen(name) > REGISTRY_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event type name is too long"),
				 errdetail("An event type name has at most %d bytes.",
						   REGISTRY_NAME_MAX)));
	if (!registry_name_is_valid(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid event type name \"%s\"", name),
				 errdetail("An event type name is two or more parts separated by dots, "
						   "each a lower-case letter followed by lower-case letters, digits "
						   "or underscores, such as \"payment.completed\".")));
}

static RegistryMode
registry_parse_mode(const char *mode)
{
	if (strcmp(mode, "enforce") == 0)
		return REGISTRY_MODE_ENFORCE;
	if (strcmp(mode, "warn") == 0)
		return REGISTRY_MODE_WARN;
	if (strcmp(mode, "off") == 0)
		return REGISTRY_MODE_OFF;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid event type mode \"%s\"", mode),
			 errhint("The modes are \"enforce\", \"warn\" and \"off\".")));
	return REGISTRY_MODE_ENFORCE;	/* keep the compiler quiet */
}

/*
 * Dialect names as stored in event_type_versions.dialect are the library's
 * (JsonSchemaDraftName), which are also the values of the
 * default_json_schema_draft GUC.
 */
static JsonSchemaDraft
registry_dialect_from_name(const char *name)
{
	JsonSchemaDraft d;

	for (d = JSON_SCHEMA_DRAFT4; d <= JSON_SCHEMA_DRAFT2020_12; d++)
		if (strcmp(JsonSchemaDraftName(d), name) == 0)
			return d;
	elog(ERROR, "unrecognized JSON Schema dialect \"%s\" in the registry", name);
	return JSON_SCHEMA_DRAFT2020_12;	/* keep the compiler quiet */
}

/*
 * The dialect a schema will be validated with: the one its top-level
 * "$schema" names, else the session's default draft.  Registration stores it
 * with the version and later compiles pass it as the default, so the session
 * that validates a payload cannot change it.
 */
static JsonSchemaDraft
registry_schema_dialect(Jsonb *schema)
{
	JsonbValue *v;
	JsonSchemaDraft draft;

	if (JB_ROOT_IS_OBJECT(schema))
	{
		v = getKeyJsonValueFromContainer(&schema->root, "$schema",
										 strlen("$schema"), NULL);
		if (v != NULL && v->type == jbvString &&
			JsonSchemaDraftFromUri(v->val.string.val, v->val.string.len, &draft))
			return draft;
	}
	return (JsonSchemaDraft) json_schema_default_draft;
}

/*
 * Compiling.
 */

typedef struct RegistryCompileContext
{
	const char *event_type;
	int32		version;		/* 0 while registering */
} RegistryCompileContext;

static void
registry_compile_error_context(void *arg)
{
	RegistryCompileContext *c = (RegistryCompileContext *) arg;

	if (c->version > 0)
		errcontext("compiling version %d of the schema of event type \"%s\"",
				   c->version, c->event_type);
	else
		errcontext("compiling the schema of event type \"%s\"", c->event_type);
}

/*
 * Compile a schema with pinned settings into a new child context of
 * "parent".  Errors from the compiler (22023, with the JSON Pointer of the bad
 * part) get a context line naming the event type.
 */
static JsonSchemaCompiled *
registry_compile(const char *event_type, int32 version, Jsonb *schema,
				 JsonSchemaDraft dialect, bool format_assertion,
				 MemoryContext parent)
{
	JsonSchemaOptions options;
	JsonSchemaCompiled *compiled;
	RegistryCompileContext cctx;
	ErrorContextCallback errcallback;

	memset(&options, 0, sizeof(options));
	options.default_draft = dialect;
	options.format_assertion = format_assertion;
	options.resolver = JsonSchemaRegistryResolver;
	options.resolver_arg = NULL;

	cctx.event_type = event_type;
	cctx.version = version;
	errcallback.callback = registry_compile_error_context;
	errcallback.arg = &cctx;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	/*
	 * The resolver reads schema_documents with the active snapshot: make that
	 * the latest, for the reason the registry itself is read with it (see the
	 * file header).  An error pops it with the rest of the transaction state.
	 */
	PushActiveSnapshot(GetLatestSnapshot());
	compiled = JsonSchemaCompile(schema, &options, parent);
	PopActiveSnapshot();

	error_context_stack = errcallback.previous;
	return compiled;
}

/*
 * Lookup.
 */

/*
 * The lookup query, prepared once per backend (the plan cache replans it).
 * Before the 1.2 schema (the 1.2 library loaded by a 1.1 database, between
 * "make install" and ALTER EXTENSION UPDATE) event_types has no
 * compatibility column: the second query reads none, and nothing falls back.
 */
static SPIPlanPtr registry_fetch_plan = NULL;
static SPIPlanPtr registry_fetch_plan_1_1 = NULL;

/* Keep a prepared plan for the rest of the backend. */
static SPIPlanPtr
registry_prepare_kept(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan;

	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}

/*
 * Read the current version of an event type from the registry with the
 * latest snapshot.  Returns false when the type is not registered.  The
 * schema is copied into "cxt".  *fallback: may a payload that fails the
 * latest version be matched against older ones (BACKWARD_TRANSITIVE or
 * FULL_TRANSITIVE)?
 */
static bool
registry_fetch(const char *event_type, MemoryContext cxt, int32 *version,
			   RegistryMode *mode, Jsonb **schema, JsonSchemaDraft *dialect,
			   bool *format_assertion, bool *fallback)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	SPIPlanPtr	plan;
	bool		found = false;
	bool		with_states = OidIsValid(registry_states_oid);

	values[0] = CStringGetTextDatum(event_type);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (with_states)
	{
		if (registry_fetch_plan == NULL)
			registry_fetch_plan =
				registry_prepare_kept("SELECT t.current_version, t.mode, v.schema, v.dialect, v.format_assertion,"
									  "       t.compatibility OPERATOR(pg_catalog.=) 'BACKWARD_TRANSITIVE'"
									  "    OR t.compatibility OPERATOR(pg_catalog.=) 'FULL_TRANSITIVE'"
									  "  FROM goodgo_events.event_types t"
									  "  JOIN goodgo_events.event_type_versions v"
									  "    ON v.event_type OPERATOR(pg_catalog.=) t.event_type"
									  "   AND v.version OPERATOR(pg_catalog.=) t.current_version"
									  " WHERE t.event_type OPERATOR(pg_catalog.=) $1",
									  1, argtypes);
		plan = registry_fetch_plan;
	}
	else
	{
		if (registry_fetch_plan_1_1 == NULL)
			registry_fetch_plan_1_1 =
				registry_prepare_kept("SELECT t.current_version, t.mode, v.schema, v.dialect, v.format_assertion,"
									  "       false"
									  "  FROM goodgo_events.event_types t"
									  "  JOIN goodgo_events.event_type_versions v"
									  "    ON v.event_type OPERATOR(pg_catalog.=) t.event_type"
									  "   AND v.version OPERATOR(pg_catalog.=) t.current_version"
									  " WHERE t.event_type OPERATOR(pg_catalog.=) $1",
									  1, argtypes);
		plan = registry_fetch_plan_1_1;
	}
	if (SPI_execute_snapshot(plan, values, NULL, GetLatestSnapshot(),
							 InvalidSnapshot, true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read goodgo_events.event_types");

	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *s;
		MemoryContext old;

		*version = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		s = SPI_getvalue(tup, desc, 2);
		*mode = registry_parse_mode(s);
		s = SPI_getvalue(tup, desc, 4);
		*dialect = registry_dialect_from_name(s);
		*format_assertion = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		*fallback = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull)) && !isnull;
		old = MemoryContextSwitchTo(cxt);
		*schema = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 3, &isnull));
		MemoryContextSwitchTo(old);
		found = true;
	}
	SPI_finish();
	return found;
}

/* The query reading a type's older versions that may still match. */
static SPIPlanPtr registry_older_plan = NULL;

/*
 * Read the active and deprecated versions of an entry's type older than its
 * latest, newest first, into the entry (latest snapshot, as registry_fetch).
 * Built in a context of its own that joins the entry only when complete.
 */
static void
registry_load_older(RegistryEntry *entry)
{
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		values[2];
	MemoryContext cxt;
	RegistryOlderVersion *older = NULL;
	int			n = 0;
	uint64		i;

	if (!OidIsValid(registry_states_oid))
	{
		entry->older_loaded = true;
		return;
	}
	values[0] = CStringGetTextDatum(entry->event_type);
	values[1] = Int32GetDatum(entry->version);
	cxt = AllocSetContextCreate(CurrentMemoryContext,
								"goodgo_events registry older versions",
								ALLOCSET_SMALL_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (registry_older_plan == NULL)
		registry_older_plan =
			registry_prepare_kept("SELECT v.version, v.schema, v.dialect, v.format_assertion,"
								  "       s.state IS NOT NULL AND s.state OPERATOR(pg_catalog.=) 'deprecated'"
								  "  FROM goodgo_events.event_type_versions v"
								  "  LEFT JOIN goodgo_events.event_type_version_states s"
								  "    ON s.event_type OPERATOR(pg_catalog.=) v.event_type"
								  "   AND s.version OPERATOR(pg_catalog.=) v.version"
								  " WHERE v.event_type OPERATOR(pg_catalog.=) $1"
								  "   AND v.version OPERATOR(pg_catalog.<) $2"
								  "   AND (s.state IS NULL OR s.state OPERATOR(pg_catalog.<>) 'disabled')"
								  " ORDER BY v.version DESC",
								  2, argtypes);
	if (SPI_execute_snapshot(registry_older_plan, values, NULL, GetLatestSnapshot(),
							 InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read goodgo_events.event_type_versions");

	if (SPI_processed > 0)
		older = (RegistryOlderVersion *)
			MemoryContextAllocZero(cxt, sizeof(RegistryOlderVersion) * SPI_processed);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		RegistryOlderVersion *o = &older[n++];
		bool		isnull;
		MemoryContext old;

		o->version = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		o->dialect = registry_dialect_from_name(SPI_getvalue(tup, desc, 3));
		o->format_assertion = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		o->deprecated = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		o->compiled = NULL;
		old = MemoryContextSwitchTo(cxt);
		o->schema = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 2, &isnull));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	MemoryContextSetParent(cxt, entry->cxt);
	entry->older = older;
	entry->n_older = n;
	entry->older_loaded = true;
}

/*
 * The cache entry of an event type: a hash probe, and on a miss a read of the
 * registry.  Returns NULL for an unknown type that is not remembered (too many
 * negative entries, or a name too long to be a key).
 */
static RegistryEntry *
registry_lookup(const char *event_type)
{
	RegistryEntry *entry;
	MemoryContext cxt;
	int32		version;
	RegistryMode mode;
	Jsonb	   *schema;
	JsonSchemaDraft dialect;
	bool		format_assertion;
	bool		fallback;
	bool		found;

	AcceptInvalidationMessages();
	registry_cache_prepare();

	/* no registered name is longer, and a longer key would be truncated */
	if (strlen(event_type) > REGISTRY_NAME_MAX)
		return NULL;

	entry = (RegistryEntry *) hash_search(RegistryCache, event_type, HASH_FIND, NULL);
	if (entry != NULL)
		return entry;

	/*
	 * Build the entry in a context that only joins the cache once it is
	 * complete, so an error on the way leaks nothing.
	 */
	cxt = AllocSetContextCreate(CurrentMemoryContext,
								"goodgo_events registry entry",
								ALLOCSET_SMALL_SIZES);
	if (!registry_fetch(event_type, cxt, &version, &mode, &schema, &dialect,
						&format_assertion, &fallback))
	{
		MemoryContextDelete(cxt);
		if (registry_negative_entries >= REGISTRY_MAX_NEGATIVE)
			return NULL;
		entry = (RegistryEntry *) hash_search(RegistryCache, event_type, HASH_ENTER, &found);
		entry->known = false;
		entry->version = 0;
		entry->mode = REGISTRY_MODE_OFF;
		entry->dialect = JSON_SCHEMA_DRAFT2020_12;
		entry->format_assertion = true;
		entry->cxt = NULL;
		entry->schema = NULL;
		entry->compiled = NULL;
		entry->fallback = false;
		entry->older_loaded = false;
		entry->n_older = 0;
		entry->older = NULL;
		registry_negative_entries++;
		return entry;
	}

	MemoryContextSetParent(cxt, RegistryCacheContext);
	entry = (RegistryEntry *) hash_search(RegistryCache, event_type, HASH_ENTER, &found);
	entry->known = true;
	entry->version = version;
	entry->mode = mode;
	entry->dialect = dialect;
	entry->format_assertion = format_assertion;
	entry->cxt = cxt;
	entry->schema = schema;
	entry->compiled = NULL;
	entry->fallback = fallback;
	entry->older_loaded = false;
	entry->n_older = 0;
	entry->older = NULL;
	return entry;
}

/* The compiled schema of an entry, compiled on first use. */
static JsonSchemaCompiled *
registry_entry_compiled(RegistryEntry *entry)
{
	MemoryContext holder;

	if (entry->compiled == NULL)
	{
		/* joins the entry only once compiled: a failed compile leaks nothing */
		holder = AllocSetContextCreate(CurrentMemoryContext,
									   "goodgo_events registry compiled schema",
									   ALLOCSET_SMALL_SIZES);
		entry->compiled = registry_compile(entry->event_type, entry->version,
										   entry->schema, entry->dialect,
										   entry->format_assertion, holder);
		MemoryContextSetParent(holder, entry->cxt);
	}
	return entry->compiled;
}

/*
 * Has this backend warned about a deprecated (type, version) yet?  Records
 * it if not.  The table lives in TopMemoryContext, apart from the cache.
 */
static bool
registry_warned_before(const char *event_type, int32 version)
{
	RegistryWarnedKey key;
	bool		found;

	if (RegistryWarned == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(RegistryWarnedKey);
		ctl.entrysize = sizeof(RegistryWarnedKey);
		ctl.hcxt = TopMemoryContext;
		RegistryWarned = hash_create("goodgo_events deprecated versions warned about", 16,
									 &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(&key, 0, sizeof(key));
	strlcpy(key.event_type, event_type, sizeof(key.event_type));
	key.version = version;
	(void) hash_search(RegistryWarned, &key, HASH_ENTER, &found);
	return found;
}

/*
 * Compile an older version for the fallback, in a subtransaction: one that
 * no longer compiles (a shared document it refers to was deleted by hand, a
 * "$schema" this release refuses) must not turn the producer's validation
 * error into a compile error of a version it never asked for.  It is marked
 * broken and skipped, with a WARNING; NULL then.  Only on the failure path.
 */
static JsonSchemaCompiled *
registry_compile_older(RegistryEntry *entry, RegistryOlderVersion *o, Relation rel)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	MemoryContext holder;
	JsonSchemaCompiled *volatile compiled = NULL;

	holder = AllocSetContextCreate(CacheMemoryContext,
								   "goodgo_events registry compiled schema",
								   ALLOCSET_SMALL_SIZES);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		compiled = registry_compile(entry->event_type, o->version, o->schema,
									o->dialect, o->format_assertion, holder);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		compiled = NULL;
		o->broken = true;
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("version %d of the schema of event type \"%s\" no longer compiles: not tried",
						o->version, entry->event_type),
				 edata->detail ? errdetail_internal("%s: %s", edata->message, edata->detail) :
				 errdetail_internal("%s", edata->message),
				 errhint("Disable it with goodgo_events.set_event_type_version_state(), or register what it refers to again."),
				 rel ? errtable(rel) : 0));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	if (compiled == NULL)
	{
		MemoryContextDelete(holder);
		return NULL;
	}
	MemoryContextSetParent(holder, entry->cxt);
	return compiled;
}

/*
 * A payload failed the latest version of a BACKWARD_TRANSITIVE or
 * FULL_TRANSITIVE type: the newest older active or deprecated version that
 * validates it, or 0.  Older versions are read and compiled on the first
 * failure and kept with the entry.  A deprecated match warns once per
 * backend and (type, version).
 */
static int32
registry_fallback_match(RegistryEntry *entry, Jsonb *payload, Relation rel)
{
	int			i;

	if (!entry->older_loaded)
		registry_load_older(entry);

	for (i = 0; i < entry->n_older; i++)
	{
		RegistryOlderVersion *o = &entry->older[i];

		if (o->broken)
			continue;
		if (o->compiled == NULL)
			o->compiled = registry_compile_older(entry, o, rel);
		if (o->compiled == NULL || !JsonSchemaValidate(o->compiled, payload, NULL))
			continue;
		if (o->deprecated && !registry_warned_before(entry->event_type, o->version))
			ereport(WARNING,
					(errcode(ERRCODE_WARNING_DEPRECATED_FEATURE),
					 errmsg("payload of event type \"%s\" matches deprecated version %d of its schema",
							entry->event_type, o->version),
					 errdetail("It does not match the latest version, %d.  This warning is given once per session.",
							   entry->version),
					 errhint("Move the producer to the latest version: a disabled version no longer accepts events."),
					 rel ? errtable(rel) : 0));
		return o->version;
	}
	return 0;
}

/*
 * RegistryValidatePayload: see registry.h.
 */
void
RegistryValidatePayload(const char *event_type, Jsonb *payload,
						Relation rel, RegistryVerdict *verdict)
{
	RegistryEntry *entry;
	JsonSchemaCompiled *compiled;
	List	   *errors = NIL;
	StringInfoData detail;

	verdict->known = false;
	verdict->schema_version = 0;
	verdict->mode = REGISTRY_MODE_OFF;
	verdict->findings = NULL;

	entry = registry_lookup(event_type);

	if (unlikely(registry_test_invalidate) && rel != NULL)
	{
		SharedInvalidationMessage msg;

		/* what AcceptInvalidationMessages() runs for another session's GRANT */
		memset(&msg, 0, sizeof(msg));
		msg.rc.id = SHAREDINVALRELCACHE_ID;
		msg.rc.dbId = MyDatabaseId;
		msg.rc.relId = RelationGetRelid(rel);
		LocalExecuteInvalidationMessage(&msg);
	}

	if (entry == NULL || !entry->known)
	{
		if (registry_unknown_event_types == REGISTRY_UNKNOWN_ALLOW)
			return;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("event type \"%s\" is not registered", event_type),
				 errhint("Register it with goodgo_events.register_event_type().  "
						 "Only a superuser can set goodgo_events.unknown_event_types to \"allow\"."),
				 rel ? errtable(rel) : 0));
	}

	verdict->known = true;
	verdict->mode = entry->mode;
	if (entry->mode == REGISTRY_MODE_OFF)
		return;

	compiled = registry_entry_compiled(entry);

	/* the common case: valid, answered without collecting errors */
	if (JsonSchemaValidate(compiled, payload, NULL))
	{
		verdict->schema_version = entry->version;
		return;
	}

	/* an older version's event, if the type's mode makes it readable */
	if (entry->fallback)
	{
		int32		matched = registry_fallback_match(entry, payload, rel);

		if (matched > 0)
		{
			verdict->schema_version = matched;
			return;
		}
	}

	(void) JsonSchemaValidate(compiled, payload, &errors);
	initStringInfo(&detail);
	JsonSchemaErrorsToDetail(errors, &detail, REGISTRY_DETAIL_ERRORS);

	if (entry->mode == REGISTRY_MODE_ENFORCE)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("payload of event type \"%s\" does not match its schema",
						event_type),
				 errdetail_internal("%s", detail.data),
				 errhint("Fix the payload, or register a new schema for this event type."),
				 rel ? errtable(rel) : 0));

	ereport(WARNING,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("payload of event type \"%s\" does not match its schema",
					event_type),
			 errdetail_internal("%s", detail.data),
			 errhint("The event type is in warn mode: the event is accepted and the findings are kept with it."),
			 rel ? errtable(rel) : 0));
	verdict->schema_version = entry->version;
	verdict->findings = JsonSchemaErrorsToJsonb(errors);
	pfree(detail.data);
}

/*
 * SQL: validate_payload(event_type text, payload jsonb) → integer
 *
 * The check the outbox trigger makes, without writing anything: the version
 * that validated the payload, or NULL when nothing did (mode off, or an
 * unknown type that is allowed).
 */
PG_FUNCTION_INFO_V1(goodgo_validate_payload);
Datum
goodgo_validate_payload(PG_FUNCTION_ARGS)
{
	char	   *event_type = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *payload = PG_GETARG_JSONB_P(1);
	RegistryVerdict verdict;

	RegistryValidatePayload(event_type, payload, NULL, &verdict);
	if (verdict.schema_version == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(verdict.schema_version);
}

/*
 * Registration.
 */

static char *
registry_arg_cstring(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* Run a statement through SPI; elog on an unexpected result. */
static void
registry_spi_exec(const char *sql, int nargs, Oid *argtypes, Datum *values,
				  int expected)
{
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);
	if (rc != expected)
		elog(ERROR, "registry statement failed: %s", SPI_result_code_string(rc));
}

/*
 * Lock the event_types row of values[0] and compare it with the new
 * registration: leaves (current_version, same mode, same schema) in
 * SPI_tuptable.  False when the type has no row.
 */
static bool
registry_lock_current(Oid *argtypes, Datum *values)
{
	registry_spi_exec("SELECT t.current_version, t.mode OPERATOR(pg_catalog.=) $3,"
					  "       v.schema OPERATOR(pg_catalog.=) $2"
					  "   AND v.dialect OPERATOR(pg_catalog.=) $4"
					  "   AND v.format_assertion OPERATOR(pg_catalog.=) $5"
					  "  FROM goodgo_events.event_types t"
					  "  JOIN goodgo_events.event_type_versions v"
					  "    ON v.event_type OPERATOR(pg_catalog.=) t.event_type"
					  "   AND v.version OPERATOR(pg_catalog.=) t.current_version"
					  " WHERE t.event_type OPERATOR(pg_catalog.=) $1"
					  "   FOR UPDATE OF t",
					  7, argtypes, values, SPI_OK_SELECT);
	return SPI_processed == 1;
}

/*
 * SQL: register_event_type(event_type text, schema jsonb,
 *							mode text DEFAULT 'enforce') → integer
 *
 * Registers a type, or a new version of its schema when the schema (or the
 * dialect and format assertion pinned with it) differs from the current
 * version's; sets the mode either way.  Returns the current version.
 * Concurrent registrations of one type serialize on its event_types row.
 */
PG_FUNCTION_INFO_V1(goodgo_register_event_type);
Datum
goodgo_register_event_type(PG_FUNCTION_ARGS)
{
	char	   *event_type;
	char	   *mode_name;
	Jsonb	   *schema;
	JsonSchemaDraft dialect;
	bool		format_assertion;
	JsonSchemaCompiled *compiled;
	Oid			argtypes[7] = {TEXTOID, JSONBOID, TEXTOID, TEXTOID, BOOLOID, BOOLOID, NAMEOID};
	Datum		values[7];
	int32		version;
	bool		isnull;
	char	   *override_reason = NULL;

	/*
	 * Declared with three arguments, this is a 1.0 or 1.1 schema running on
	 * the 1.2 library (between "make install" and ALTER EXTENSION UPDATE):
	 * it has neither the compatibility gate nor event_type_versions'
	 * compat_report, so a new version is registered as those releases did.
	 */
	bool		before_1_2 = PG_NARGS() < 4;

	event_type = registry_arg_cstring(fcinfo, 0, "event type");
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
		override_reason = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", "schema")));
	schema = PG_GETARG_JSONB_P(1);
	mode_name = registry_arg_cstring(fcinfo, 2, "mode");

	registry_check_name(event_type);
	(void) registry_parse_mode(mode_name);

	/* pin the settings in force now, and prove the schema compiles with them */
	dialect = registry_schema_dialect(schema);
	format_assertion = json_schema_format_assertion;
	compiled = registry_compile(event_type, 0, schema, dialect, format_assertion,
								CurrentMemoryContext);
	JsonSchemaFree(compiled);

	values[0] = CStringGetTextDatum(event_type);
	values[1] = JsonbPGetDatum(schema);
	values[2] = CStringGetTextDatum(mode_name);
	values[3] = CStringGetTextDatum(JsonSchemaDraftName(dialect));
	values[4] = BoolGetDatum(format_assertion);
	/*
	 * Rows an extension script registers are "bundled": the script registers
	 * them again when a dump is restored, so they are left out of the dump.
	 */
	values[5] = BoolGetDatum(creating_extension);
	/* the role that called, not this SECURITY DEFINER function's owner */
	values[6] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetOuterUserId(), false)));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * Lock the type's row and compare with its current version.  A type seen
	 * for the first time gets its row and version 1; ON CONFLICT waits for a
	 * concurrent first registration of the same name, and then the row that
	 * one committed is locked and compared instead.
	 */
	if (!registry_lock_current(argtypes, values))
	{
		registry_spi_exec("INSERT INTO goodgo_events.event_types"
						  "  (event_type, current_version, mode, bundled)"
						  " VALUES ($1, 1, $3, $6)"
						  " ON CONFLICT (event_type) DO NOTHING",
						  7, argtypes, values, SPI_OK_INSERT);
		if (SPI_processed == 1)
		{
			registry_spi_exec("INSERT INTO goodgo_events.event_type_versions"
							  "  (event_type, version, schema, dialect, format_assertion,"
							  "   bundled, registered_by)"
							  " VALUES ($1, 1, $2, $4, $5, $6, $7)",
							  7, argtypes, values, SPI_OK_INSERT);
			SPI_finish();
			PG_RETURN_INT32(1);
		}
		if (!registry_lock_current(argtypes, values))
			elog(ERROR, "event type \"%s\" has no current schema version", event_type);
	}
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull)))
	{
		/* the same schema again: at most a mode change */
		if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)))
			registry_spi_exec("UPDATE goodgo_events.event_types"
							  "   SET mode = $3, bundled = false, updated_at = pg_catalog.now()"
							  " WHERE event_type OPERATOR(pg_catalog.=) $1",
							  7, argtypes, values, SPI_OK_UPDATE);
		SPI_finish();
		PG_RETURN_INT32(version);
	}

	/*
	 * The schema of an older version (same canonical jsonb, dialect and
	 * format assertion): that version, no new one, when the trigger still
	 * accepts events of it, i.e. the type falls back (BACKWARD_TRANSITIVE or
	 * FULL_TRANSITIVE) and the version is not disabled.  The number returned
	 * is then the one its events are recorded with.  Otherwise (a mode that
	 * never falls back, or a disabled version) the schema becomes the next
	 * version, checked like any other, as the only way to make it accepted.
	 */
	if (!before_1_2)
	{
		registry_spi_exec("SELECT v.version"
						  "  FROM goodgo_events.event_type_versions v"
						  "  JOIN goodgo_events.event_types t"
						  "    ON t.event_type OPERATOR(pg_catalog.=) v.event_type"
						  "  LEFT JOIN goodgo_events.event_type_version_states s"
						  "    ON s.event_type OPERATOR(pg_catalog.=) v.event_type"
						  "   AND s.version OPERATOR(pg_catalog.=) v.version"
						  " WHERE v.event_type OPERATOR(pg_catalog.=) $1"
						  "   AND v.schema OPERATOR(pg_catalog.=) $2"
						  "   AND v.dialect OPERATOR(pg_catalog.=) $4"
						  "   AND v.format_assertion OPERATOR(pg_catalog.=) $5"
						  "   AND (t.compatibility OPERATOR(pg_catalog.=) 'BACKWARD_TRANSITIVE'"
						  "        OR t.compatibility OPERATOR(pg_catalog.=) 'FULL_TRANSITIVE')"
						  "   AND (s.state IS NULL OR s.state OPERATOR(pg_catalog.<>) 'disabled')"
						  " ORDER BY v.version DESC LIMIT 1",
						  7, argtypes, values, SPI_OK_SELECT);
		if (SPI_processed == 1)
		{
			version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			registry_spi_exec("UPDATE goodgo_events.event_types"
							  "   SET mode = $3, bundled = false, updated_at = pg_catalog.now()"
							  " WHERE event_type OPERATOR(pg_catalog.=) $1"
							  "   AND NOT (mode OPERATOR(pg_catalog.=) $3)",
							  7, argtypes, values, SPI_OK_UPDATE);
			SPI_finish();
			PG_RETURN_INT32(version);
		}
	}

	/* a changed schema: version n + 1, never reusing a number */
	registry_spi_exec("SELECT pg_catalog.max(version) OPERATOR(pg_catalog.+) 1"
					  "  FROM goodgo_events.event_type_versions"
					  " WHERE event_type OPERATOR(pg_catalog.=) $1",
					  7, argtypes, values, SPI_OK_SELECT);
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		elog(ERROR, "event type \"%s\" has no schema versions", event_type);

	{
		Oid			vtypes[9] = {TEXTOID, JSONBOID, TEXTOID, TEXTOID, BOOLOID, BOOLOID, NAMEOID, INT4OID,
		JSONBOID};
		Datum		vvalues[9];
		char		vnulls[10] = "         ";
		Oid			gtypes[3] = {TEXTOID, JSONBOID, TEXTOID};
		Datum		gvalues[3];
		char		gnulls[4] = "   ";
		int			rc;

		/*
		 * The new version must be compatible with the earlier ones in the
		 * type's mode (compat.c through check_event_type_compatibility); the
		 * gate raises 22023, or with an override reason returns the report
		 * kept with the version.
		 */
		memcpy(vvalues, values, sizeof(values));
		vvalues[7] = Int32GetDatum(version);
		if (before_1_2)
		{
			/* a 1.0/1.1 schema: no compatibility gate, no compat_report */
			registry_spi_exec("INSERT INTO goodgo_events.event_type_versions"
							  "  (event_type, version, schema, dialect, format_assertion,"
							  "   bundled, registered_by)"
							  " VALUES ($1, $8, $2, $4, $5, $6, $7)",
							  8, vtypes, vvalues, SPI_OK_INSERT);
		}
		else
		{
			gvalues[0] = values[0];
			gvalues[1] = values[1];
			gvalues[2] = override_reason ? CStringGetTextDatum(override_reason) : (Datum) 0;
			if (override_reason == NULL)
				gnulls[2] = 'n';
			rc = SPI_execute_with_args("SELECT open_schema, compatibility, against_version, detail, report"
									   "  FROM goodgo_events.event_type_compatibility_gate($1, $2, $3)",
									   3, gtypes, gvalues, gnulls, false, 0);
			if (rc != SPI_OK_SELECT || SPI_processed != 1)
				elog(ERROR, "registry statement failed: %s", SPI_result_code_string(rc));
			if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
				ereport(NOTICE,
						(errmsg("event type \"%s\" is checked STRICT: its schema has open objects", event_type),
						 errhint("LENIENT applies only to schemas whose objects are all closed (additionalProperties: false).")));
			vvalues[8] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull);
			if (isnull)
				vnulls[8] = 'n';
			else
			{
				char	   *mode = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
				char	   *against = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
				char	   *detail = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);

				if (override_reason == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("schema for event type \"%s\" is not %s-compatible with version %s",
									event_type, mode, against),
							 errdetail_internal("%s", detail),
							 errhint("publish a new event type for a breaking change")));
				ereport(WARNING,
						(errmsg("schema for event type \"%s\" is not %s-compatible with version %s: registered anyway",
								event_type, mode, against),
						 errdetail_internal("%s", detail),
						 errhint("The override reason and the findings are kept in event_type_versions.compat_report.")));
			}

			rc = SPI_execute_with_args("INSERT INTO goodgo_events.event_type_versions"
									   "  (event_type, version, schema, dialect, format_assertion,"
									   "   bundled, registered_by, compat_report)"
									   " VALUES ($1, $8, $2, $4, $5, $6, $7, $9)",
									   9, vtypes, vvalues, vnulls, false, 0);
			if (rc != SPI_OK_INSERT)
				elog(ERROR, "registry statement failed: %s", SPI_result_code_string(rc));
		}
		registry_spi_exec("UPDATE goodgo_events.event_types"
						  "   SET current_version = $8, mode = $3, bundled = $6,"
						  "       updated_at = pg_catalog.now()"
						  " WHERE event_type OPERATOR(pg_catalog.=) $1",
						  8, vtypes, vvalues, SPI_OK_UPDATE);
	}
	SPI_finish();
	PG_RETURN_INT32(version);
}

/*
 * SQL: set_event_type_mode(event_type text, mode text) → void
 */
PG_FUNCTION_INFO_V1(goodgo_set_event_type_mode);
Datum
goodgo_set_event_type_mode(PG_FUNCTION_ARGS)
{
	char	   *event_type = registry_arg_cstring(fcinfo, 0, "event type");
	char	   *mode_name = registry_arg_cstring(fcinfo, 1, "mode");
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	(void) registry_parse_mode(mode_name);
	values[0] = CStringGetTextDatum(event_type);
	values[1] = CStringGetTextDatum(mode_name);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	registry_spi_exec("UPDATE goodgo_events.event_types"
					  "   SET mode = $2, bundled = false, updated_at = pg_catalog.now()"
					  " WHERE event_type OPERATOR(pg_catalog.=) $1"
					  "   AND NOT (mode OPERATOR(pg_catalog.=) $2)",
					  2, argtypes, values, SPI_OK_UPDATE);
	if (SPI_processed == 0)
	{
		registry_spi_exec("SELECT 1 FROM goodgo_events.event_types"
						  " WHERE event_type OPERATOR(pg_catalog.=) $1",
						  1, argtypes, values, SPI_OK_SELECT);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("event type \"%s\" is not registered", event_type),
					 errhint("Register it with goodgo_events.register_event_type().")));
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * SQL: set_event_type_version_state(event_type text, version integer,
 *									 state text) → void
 *
 * Marks an older version active, deprecated (still matched by the trigger's
 * fallback, with a WARNING) or disabled (never matched).  The latest version
 * is what producers are validated against first and what a type's readers
 * follow: it stays active, so "the current version" always accepts events;
 * retire it by registering a new version.  The state is kept in
 * event_type_version_states, because event_type_versions is never updated.
 * Serializes with registrations on the type's event_types row.
 */
PG_FUNCTION_INFO_V1(goodgo_set_event_type_version_state);
Datum
goodgo_set_event_type_version_state(PG_FUNCTION_ARGS)
{
	char	   *event_type = registry_arg_cstring(fcinfo, 0, "event type");
	char	   *state;
	int32		version;
	int32		current;
	bool		isnull;
	Oid			argtypes[4] = {TEXTOID, INT4OID, TEXTOID, NAMEOID};
	Datum		values[4];

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", "version")));
	version = PG_GETARG_INT32(1);
	state = registry_arg_cstring(fcinfo, 2, "state");
	if (strcmp(state, "active") != 0 && strcmp(state, "deprecated") != 0 &&
		strcmp(state, "disabled") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid state \"%s\" for version %d of event type \"%s\"",
						state, version, event_type),
				 errhint("The states are \"active\", \"deprecated\" and \"disabled\".")));

	values[0] = CStringGetTextDatum(event_type);
	values[1] = Int32GetDatum(version);
	values[2] = CStringGetTextDatum(state);
	/* the role that called, not this SECURITY DEFINER function's owner */
	values[3] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetOuterUserId(), false)));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	registry_spi_exec("SELECT t.current_version FROM goodgo_events.event_types t"
					  " WHERE t.event_type OPERATOR(pg_catalog.=) $1"
					  "   FOR UPDATE OF t",
					  1, argtypes, values, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("event type \"%s\" is not registered", event_type),
				 errhint("Register it with goodgo_events.register_event_type().")));
	current = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	registry_spi_exec("SELECT 1 FROM goodgo_events.event_type_versions v"
					  " WHERE v.event_type OPERATOR(pg_catalog.=) $1"
					  "   AND v.version OPERATOR(pg_catalog.=) $2",
					  2, argtypes, values, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event type \"%s\" has no version %d", event_type, version),
				 errdetail("Its versions are 1 to %d.", current)));

	if (version == current && strcmp(state, "active") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot mark version %d of event type \"%s\" %s: it is the latest version",
						version, event_type, state),
				 errdetail("Payloads are validated against the latest version first; it always accepts events."),
				 errhint("Register the next version first, then deprecate or disable this one.")));

	registry_spi_exec("INSERT INTO goodgo_events.event_type_version_states AS s"
					  "  (event_type, version, state, changed_at, changed_by)"
					  " VALUES ($1, $2, $3, pg_catalog.now(), $4)"
					  " ON CONFLICT (event_type, version) DO UPDATE"
					  "   SET state = excluded.state, changed_at = excluded.changed_at,"
					  "       changed_by = excluded.changed_by"
					  " WHERE s.state OPERATOR(pg_catalog.<>) excluded.state",
					  4, argtypes, values, SPI_OK_INSERT);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * SQL: registry_invalidate() → trigger
 *
 * Statement-level trigger on the registry tables: queue a relcache
 * invalidation of the table, which reaches every backend's cache at commit
 * (and this backend's at the end of the command).
 */
PG_FUNCTION_INFO_V1(goodgo_registry_invalidate);
Datum
goodgo_registry_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired as an AFTER ... FOR EACH STATEMENT trigger",
						"registry_invalidate")));

	CacheInvalidateRelcache(trigdata->tg_relation);
	PG_RETURN_POINTER(NULL);
}
