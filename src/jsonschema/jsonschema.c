/*
 * jsonschema.c
 *		JSON Schema validation: the library entry points, the GUCs, the
 *		per-backend cache of compiled schemas, the resolver that reads
 *		goodgo_events.schema_documents, and the SQL functions.
 *
 * Caching.  A SQL call site keeps its compiled schema in fn_extra.  When the
 * schema argument is a constant it is reused with no check at all but two
 * integers: the cache epoch and the GUC values it was built under.
 * Otherwise (a column, an expression, a parameter) the argument's bytes are
 * compared with those it was built from.  A parameter is not a constant
 * here: PL/pgSQL evaluates a simple expression with one expression state,
 * hence one fn_extra, across calls of the function, each with a new value
 * of the parameter.  On a miss, a bounded backend-wide LRU cache, keyed by a hash
 * of the schema's bytes plus the draft and format settings, is consulted
 * before compiling.
 *
 * Invalidation.  A statement trigger on schema_documents sends a relcache
 * invalidation for that table on every change; our relcache callback then
 * bumps the epoch, which makes every cached schema (fn_extra and LRU) stale:
 * a compiled schema may have pulled in any registered document.  Evicting
 * an LRU entry bumps the epoch too, so no call site keeps a pointer to a
 * freed schema.  The callback never frees anything itself (it can run in
 * the middle of a compile); stale entries are freed on the next lookup.
 * An entry is stamped with the epoch read before its compile, and the
 * resolver reads documents with a snapshot taken after that (not the
 * caller's, which may be older): any change it did not see bumps the epoch.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "goodgo_events.h"
#include "jsonschema/jsonschema_int.h"

int			json_schema_default_draft = JSON_SCHEMA_DRAFT2020_12;
bool		json_schema_format_assertion = true;
static int	json_schema_cache_size = 128;
static int	json_schema_cache_memory = 65536;	/* kB */

static const struct config_enum_entry draft_options[] = {
	{"draft2020-12", JSON_SCHEMA_DRAFT2020_12, false},
	{"draft2019-09", JSON_SCHEMA_DRAFT2019_09, false},
	{"draft7", JSON_SCHEMA_DRAFT7, false},
	{"draft6", JSON_SCHEMA_DRAFT6, false},
	{"draft4", JSON_SCHEMA_DRAFT4, false},
	{NULL, 0, false}
};

/* ---------- library entry points ---------- */

JsonSchemaCompiled *
JsonSchemaCompile(Jsonb *schema, const JsonSchemaOptions *options, MemoryContext parent)
{
	MemoryContext cxt;
	MemoryContext old;
	JsonSchemaCompiled *c;

	cxt = AllocSetContextCreate(parent, "goodgo_events JSON Schema", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		Jsonb	   *copy = (Jsonb *) palloc(VARSIZE(schema));

		memcpy(copy, schema, VARSIZE(schema));
		c = palloc0(sizeof(JsonSchemaCompiled));
		c->cxt = cxt;
		c->format_assertion = options->format_assertion;
		c->root = JsonSchemaCompileTree(copy, options, true, false, &c->draft);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	return c;
}

void
JsonSchemaFree(JsonSchemaCompiled *compiled)
{
	if (compiled)
		MemoryContextDelete(compiled->cxt);
}

bool
JsonSchemaValidate(JsonSchemaCompiled *compiled, Jsonb *instance, List **errors)
{
	JsonbValue	root;

	js_root(instance, &root);
	if (errors)
		*errors = NIL;
	return JsonSchemaValidateNode(compiled->root, &root, errors);
}

/* ---------- the schema_documents resolver ---------- */

static uint64 cache_epoch = 1;
static Oid	documents_relid = InvalidOid;
static SPIPlanPtr resolver_plan = NULL;

static void learn_documents_relid(void);

/*
 * Resolver for documents registered with register_schema(): by the URI they
 * were registered under, or by their own $id.
 */
Jsonb *
JsonSchemaRegistryResolver(const char *uri, void *arg)
{
	MemoryContext caller = CurrentMemoryContext;
	Jsonb	   *result = NULL;
	Datum		values[1];
	int			rc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (resolver_plan == NULL)
	{
		Oid			argtypes[1] = {TEXTOID};
		SPIPlanPtr	plan;

		/*
		 * Runs with the caller's search_path: nothing in it may resolve
		 * through it (a producer's own "=" would choose the document).
		 */
		plan = SPI_prepare("SELECT schema FROM goodgo_events.schema_documents"
						   " WHERE uri OPERATOR(pg_catalog.=) $1"
						   "    OR schema_id OPERATOR(pg_catalog.=) $1"
						   " ORDER BY uri OPERATOR(pg_catalog.=) $1 DESC LIMIT 1", 1, argtypes);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		resolver_plan = plan;
	}
	learn_documents_relid();
	values[0] = CStringGetTextDatum(uri);

	/*
	 * Read with a fresh snapshot, not the caller's: documents are read the
	 * way the system catalogs are (the newest committed state governs), so
	 * that what is compiled agrees with the invalidation epoch it is stamped
	 * with.  The caller's snapshot may be older than invalidations this
	 * backend already processed (a REPEATABLE READ transaction begun before
	 * another session's register_schema, or a statement whose snapshot was
	 * taken before its locks accepted an invalidation): a schema compiled
	 * from it would be stamped current and kept, stale, for the life of the
	 * backend.  The callers read the epoch before compiling (cache_lookup),
	 * so any change not in this snapshot invalidates the result.  A catalog
	 * snapshot, not GetLatestSnapshot(): the functions are PARALLEL SAFE,
	 * and a parallel worker may take a catalog snapshot but not a latest
	 * one; for a table that is not a catalog GetCatalogSnapshot() takes a
	 * new one every time.
	 */
	rc = SPI_execute_snapshot(resolver_plan, values, NULL,
							  GetCatalogSnapshot(OidIsValid(documents_relid) ?
												 documents_relid : InvalidOid),
							  InvalidSnapshot, true, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(caller);

			result = DatumGetJsonbPCopy(d);
			MemoryContextSwitchTo(old);
		}
	}
	SPI_finish();
	return result;
}

/*
 * Learn schema_documents' OID, so that the relcache callback can let other
 * relations' invalidations pass by.  Until then every invalidation counts.
 * Needs catalog access: never from the callback itself.
 */
static void
learn_documents_relid(void)
{
	Oid			nsp;

	if (OidIsValid(documents_relid) || !IsTransactionState())
		return;
	nsp = get_namespace_oid("goodgo_events", true);
	if (OidIsValid(nsp))
		documents_relid = get_relname_relid("schema_documents", nsp);
}

/* A number that changes whenever cached schemas may have become stale. */
uint64
JsonSchemaCacheEpoch(void)
{
	learn_documents_relid();
	return cache_epoch;
}

static void
documents_inval_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || !OidIsValid(documents_relid) || relid == documents_relid)
		cache_epoch++;
}

PG_FUNCTION_INFO_V1(goodgo_schema_documents_changed);
Datum
goodgo_schema_documents_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	/* the executor refuses to call a trigger function any other way */
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "schema_documents_changed() was not called by the trigger manager");
	documents_relid = RelationGetRelid(td->tg_relation);
	CacheInvalidateRelcacheByRelid(documents_relid);
	return PointerGetDatum(NULL);
}

/* ---------- the backend cache ---------- */

typedef struct CacheEntry
{
	dlist_node	lru;
	uint32		hash;
	int			draft;
	bool		format;
	bool		registry;		/* compiled with the schema_documents resolver */
	uint64		epoch;
	Size		bytes;			/* memory of the compiled schema and its key */
	Jsonb	   *schema;			/* the bytes it was compiled from */
	JsonSchemaCompiled *compiled;
} CacheEntry;

static MemoryContext cache_cxt = NULL;
static dlist_head cache_lru = DLIST_STATIC_INIT(cache_lru);
static int	cache_count = 0;
static Size cache_bytes = 0;
static uint64 cache_evictions = 0;
static uint64 cache_hits = 0;
static uint64 cache_misses = 0;

static void
cache_drop(CacheEntry *e)
{
	dlist_delete(&e->lru);
	JsonSchemaFree(e->compiled);
	pfree(e->schema);
	cache_bytes -= e->bytes;
	pfree(e);
	cache_count--;
}

static JsonSchemaOptions
current_options(void)
{
	JsonSchemaOptions o;

	o.default_draft = (JsonSchemaDraft) json_schema_default_draft;
	o.format_assertion = json_schema_format_assertion;
	o.resolver = JsonSchemaRegistryResolver;
	o.resolver_arg = NULL;
	return o;
}

/*
 * The compiled schema for these bytes under these settings: the GUCs' and
 * the registry's (registry), or a fixed draft and format assertion with no
 * registered document (the IMMUTABLE functions).  *epoch is set to the epoch
 * it is valid for (which may already be past, if an invalidation arrived
 * while it was compiled: the caller then looks it up again at its next call).
 */
static JsonSchemaCompiled *
cache_lookup(Jsonb *schema, int draft, bool format, bool registry, uint64 *epoch)
{
	uint32		size = VARSIZE(schema);
	uint32		hash = hash_bytes((const unsigned char *) schema, size);
	dlist_mutable_iter it;
	CacheEntry *e;
	JsonSchemaOptions opts;

	opts.default_draft = (JsonSchemaDraft) draft;
	opts.format_assertion = format;
	opts.resolver = registry ? JsonSchemaRegistryResolver : NULL;
	opts.resolver_arg = NULL;

	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(CacheMemoryContext, "goodgo_events JSON Schema cache",
										  ALLOCSET_DEFAULT_SIZES);

	dlist_foreach_modify(it, &cache_lru)
	{
		e = dlist_container(CacheEntry, lru, it.cur);
		if (e->epoch != cache_epoch)
		{
			cache_drop(e);
			continue;
		}
		if (e->hash == hash && e->draft == draft && e->format == format &&
			e->registry == registry && VARSIZE(e->schema) == size &&
			memcmp(e->schema, schema, size) == 0)
		{
			dlist_move_head(&cache_lru, &e->lru);
			cache_hits++;
			*epoch = e->epoch;
			return e->compiled;
		}
	}

	cache_misses++;
	learn_documents_relid();
	e = MemoryContextAllocZero(cache_cxt, sizeof(CacheEntry));
	e->hash = hash;
	e->draft = draft;
	e->format = format;
	e->registry = registry;

	/*
	 * Stamped with the epoch before anything is read: the resolver reads
	 * documents with snapshots taken after this point, so a change they miss
	 * sends its invalidation after it and makes the entry stale.  (It used to
	 * be stamped after compiling, which kept a schema built from a document
	 * that an invalidation processed during the compile had replaced.)
	 */
	e->epoch = cache_epoch;
	PG_TRY();
	{
		e->compiled = JsonSchemaCompile(schema, &opts, cache_cxt);
	}
	PG_CATCH();
	{
		pfree(e);
		PG_RE_THROW();
	}
	PG_END_TRY();
	e->schema = MemoryContextAlloc(cache_cxt, size);
	memcpy(e->schema, schema, size);
	e->bytes = MemoryContextMemAllocated(e->compiled->cxt, true) + size;
	dlist_push_head(&cache_lru, &e->lru);
	cache_count++;
	cache_bytes += e->bytes;
	/* bounded in entries and in memory; the newest entry always stays */
	while ((cache_count > json_schema_cache_size ||
			cache_bytes > (Size) json_schema_cache_memory * 1024) && cache_count > 1)
	{
		cache_drop(dlist_container(CacheEntry, lru, dlist_tail_node(&cache_lru)));
		/* a call site may still point at what was just freed */
		cache_evictions++;
	}
	*epoch = e->epoch;
	return e->compiled;
}

/* ---------- call-site cache (fn_extra) ---------- */

typedef struct FnCache
{
	bool		valid;
	bool		stable;			/* the schema argument is a Const */
	uint64		epoch;
	uint64		evictions;
	int			draft;
	bool		format;
	bool		registry;
	Jsonb	   *schema;			/* copy of the bytes, when not stable */
	JsonSchemaCompiled *compiled;
} FnCache;

/*
 * Is the schema argument of this call site a constant?  Not
 * get_fn_expr_arg_stable(), which says yes for a Param too: see the header.
 */
static bool
schema_arg_is_const(FmgrInfo *flinfo)
{
	Node	   *expr = flinfo->fn_expr;
	List	   *args;

	if (expr == NULL || !IsA(expr, FuncExpr))
		return false;
	args = ((FuncExpr *) expr)->args;
	return list_length(args) > 0 && IsA(linitial(args), Const);
}

/*
 * The compiled schema of this call site's schema argument, under the given
 * settings.  With lookup_only, NULL instead of compiling on a miss (callers
 * that catch a compile error do that in a subtransaction, only then).
 */
JsonSchemaCompiled *
JsonSchemaCallSiteCompiled(FunctionCallInfo fcinfo, Jsonb *(*get_schema) (FunctionCallInfo),
						   int draft, bool format, bool registry, bool lookup_only)
{
	FnCache    *fc = (FnCache *) fcinfo->flinfo->fn_extra;
	Jsonb	   *schema;
	uint64		epoch;

	if (fc == NULL)
	{
		fc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FnCache));
		fc->stable = schema_arg_is_const(fcinfo->flinfo);
		fcinfo->flinfo->fn_extra = fc;
	}
	if (fc->valid && fc->epoch == cache_epoch && fc->evictions == cache_evictions &&
		fc->draft == draft && fc->format == format && fc->registry == registry && fc->stable)
		return fc->compiled;

	schema = get_schema(fcinfo);
	if (fc->valid && fc->epoch == cache_epoch && fc->evictions == cache_evictions &&
		fc->draft == draft && fc->format == format && fc->registry == registry &&
		VARSIZE(fc->schema) == VARSIZE(schema) &&
		memcmp(fc->schema, schema, VARSIZE(schema)) == 0)
		return fc->compiled;
	if (lookup_only)
		return NULL;

	fc->valid = false;
	fc->compiled = cache_lookup(schema, draft, format, registry, &epoch);
	if (!fc->stable)
	{
		if (fc->schema)
			pfree(fc->schema);
		fc->schema = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE(schema));
		memcpy(fc->schema, schema, VARSIZE(schema));
	}
	else
		fc->schema = NULL;
	fc->epoch = epoch;
	fc->evictions = cache_evictions;
	fc->draft = draft;
	fc->format = format;
	fc->registry = registry;
	fc->valid = true;
	return fc->compiled;
}

/* A call site's schema under the GUCs, with registered documents. */
static JsonSchemaCompiled *
compiled_for_arg(FunctionCallInfo fcinfo, Jsonb *(*get_schema) (FunctionCallInfo))
{
	return JsonSchemaCallSiteCompiled(fcinfo, get_schema, json_schema_default_draft,
									  json_schema_format_assertion, true, false);
}

static Jsonb *
schema_arg_jsonb(FunctionCallInfo fcinfo)
{
	return PG_GETARG_JSONB_P(0);
}

static Jsonb *
json_text_to_jsonb(text *t)
{
	return JsonSchemaTextToJsonb(t);
}

/* json (or any JSON text) as jsonb */
Jsonb *
JsonSchemaTextToJsonb(text *t)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text_to_cstring(t))));
}

/*
 * A json schema argument: converted to jsonb on a miss only (the bytes
 * compared are those of the jsonb).
 */
static Jsonb *
schema_arg_json(FunctionCallInfo fcinfo)
{
	return json_text_to_jsonb(PG_GETARG_TEXT_PP(0));
}

/* ---------- SQL functions ---------- */

PG_FUNCTION_INFO_V1(goodgo_jsonschema_is_valid);
Datum
goodgo_jsonschema_is_valid(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compiled_for_arg(fcinfo, schema_arg_jsonb);
	Jsonb	   *instance = PG_GETARG_JSONB_P(1);

	PG_RETURN_BOOL(JsonSchemaValidate(c, instance, NULL));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_errors);
Datum
goodgo_jsonschema_errors(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compiled_for_arg(fcinfo, schema_arg_jsonb);
	Jsonb	   *instance = PG_GETARG_JSONB_P(1);
	List	   *errors = NIL;

	(void) JsonSchemaValidate(c, instance, &errors);
	PG_RETURN_JSONB_P(JsonSchemaErrorsToJsonb(errors));
}

PG_FUNCTION_INFO_V1(goodgo_jsonb_matches_schema);
Datum
goodgo_jsonb_matches_schema(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compiled_for_arg(fcinfo, schema_arg_json);
	Jsonb	   *instance = PG_GETARG_JSONB_P(1);

	PG_RETURN_BOOL(JsonSchemaValidate(c, instance, NULL));
}

PG_FUNCTION_INFO_V1(goodgo_json_matches_schema);
Datum
goodgo_json_matches_schema(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compiled_for_arg(fcinfo, schema_arg_json);
	Jsonb	   *instance = json_text_to_jsonb(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BOOL(JsonSchemaValidate(c, instance, NULL));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_compatibility);
Datum
goodgo_jsonschema_compatibility(PG_FUNCTION_ARGS)
{
	Jsonb	   *oldschema = PG_GETARG_JSONB_P(0);
	Jsonb	   *newschema = PG_GETARG_JSONB_P(1);
	char	   *mode = text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *policy = text_to_cstring(PG_GETARG_TEXT_PP(3));
	JsonSchemaOptions opts = current_options();
	JsonSchemaCompatMode m;
	bool		lenient;
	bool		compatible;

	if (pg_strcasecmp(mode, "BACKWARD") == 0)
		m = JSC_BACKWARD;
	else if (pg_strcasecmp(mode, "FORWARD") == 0)
		m = JSC_FORWARD;
	else if (pg_strcasecmp(mode, "FULL") == 0)
		m = JSC_FULL;
	else if (pg_strcasecmp(mode, "NONE") == 0)
		m = JSC_NONE;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown compatibility \"%s\" for jsonschema_compatibility", mode),
				 errhint("Use BACKWARD, FORWARD, FULL or NONE.")));
	if (pg_strcasecmp(policy, "STRICT") == 0)
		lenient = false;
	else if (pg_strcasecmp(policy, "LENIENT") == 0)
		lenient = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown policy \"%s\" for jsonschema_compatibility", policy),
				 errhint("Use STRICT or LENIENT.")));
	learn_documents_relid();
	PG_RETURN_JSONB_P(JsonSchemaCompatibility(oldschema, newschema, m, lenient, &opts, &compatible));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_objects_closed);
Datum
goodgo_jsonschema_objects_closed(PG_FUNCTION_ARGS)
{
	JsonSchemaOptions opts = current_options();

	learn_documents_relid();
	PG_RETURN_BOOL(JsonSchemaObjectsClosed(PG_GETARG_JSONB_P(0), &opts));
}

/*
 * Compile in a subtransaction; false (instead of the error) when the schema
 * is invalid (22023).  A schema whose only fault is a pattern that is valid
 * ECMA-262 but that our engine cannot run (0A000, raised only after the
 * whole schema compiled without a 22023) is valid: true.  Any other error
 * is thrown again.
 */
static bool
compiles_cleanly(Jsonb *schema, bool lenient)
{
	JsonSchemaOptions opts = current_options();

	return JsonSchemaCompilesCleanly(schema, &opts, lenient, NULL);
}

/*
 * compiles_cleanly() under given options.  With error_out, an invalid
 * schema's message and detail go there ("invalid JSON Schema: At ...").
 */
bool
JsonSchemaCompilesCleanly(Jsonb *schema, const JsonSchemaOptions *options, bool lenient,
						  char **error_out)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = true;

	if (error_out)
		*error_out = NULL;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		JsonSchemaOptions opts = *options;
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "goodgo_events schema check",
												  ALLOCSET_SMALL_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		JsonSchemaDraft draft;

		(void) JsonSchemaCompileTree(schema, &opts, true, lenient, &draft);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
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
		if (edata->sqlerrcode != ERRCODE_INVALID_PARAMETER_VALUE &&
			edata->sqlerrcode != ERRCODE_FEATURE_NOT_SUPPORTED)
			ReThrowError(edata);
		ok = edata->sqlerrcode == ERRCODE_FEATURE_NOT_SUPPORTED;
		if (!ok && error_out)
			*error_out = edata->detail ? psprintf("%s: %s", edata->message, edata->detail) :
				pstrdup(edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return ok;
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_schema_is_valid);
Datum
goodgo_jsonschema_schema_is_valid(PG_FUNCTION_ARGS)
{
	Jsonb	   *schema = PG_GETARG_JSONB_P(0);

	PG_RETURN_BOOL(compiles_cleanly(schema, false));
}

/*
 * Check a document for register_schema(): valid against its metaschema,
 * regexes compile, references to documents not (yet) registered allowed.
 * Returns its "$id" resolved against the URI, or NULL when it has none or
 * it is the URI itself.
 */
PG_FUNCTION_INFO_V1(goodgo_jsonschema_check_document);
Datum
goodgo_jsonschema_check_document(PG_FUNCTION_ARGS)
{
	char	   *uri = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *schema = PG_GETARG_JSONB_P(1);
	JsonSchemaOptions opts = current_options();
	JsonSchemaDraft draft;
	JsonbValue	root;
	char	   *frag;
	char	   *base;
	const char *p;

	/* an absolute URI: scheme ":" ..., with no fragment */
	for (p = uri; *p && (isalnum((unsigned char) *p) || *p == '+' || *p == '-' || *p == '.'); p++)
		;
	if (p == uri || *p != ':' || !isalpha((unsigned char) uri[0]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid schema document URI"),
				 errdetail("A schema document is registered under an absolute URI, such as \"https://schemas.example.com/money.json\".")));
	base = JsonSchemaUriStripFragment(uri, &frag);
	if (frag && frag[0])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid schema document URI"),
				 errdetail("A schema document URI must not have a fragment.")));

	(void) JsonSchemaCompileTree(schema, &opts, true, true, &draft);

	js_root(schema, &root);
	if (js_is_object(&root))
	{
		JsonbValue	k;
		JsonbValue *idv;

		k.type = jbvString;
		k.val.string.val = draft == JSON_SCHEMA_DRAFT4 ? "id" : "$id";
		k.val.string.len = strlen(k.val.string.val);
		idv = findJsonbValueFromContainer(root.val.binary.data, JB_FOBJECT, &k);
		if (idv && idv->type == jbvString)
		{
			char	   *id = JsonSchemaUriStripFragment(
														JsonSchemaUriResolve(base, pnstrdup(idv->val.string.val, idv->val.string.len)), NULL);

			if (strcmp(id, base) != 0)
				PG_RETURN_TEXT_P(cstring_to_text(id));
		}
	}
	PG_RETURN_NULL();
}

/* Cache statistics, for tests: entries, hits, misses, epoch, bytes. */
PG_FUNCTION_INFO_V1(goodgo_jsonschema_cache_stats);
Datum
goodgo_jsonschema_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int32GetDatum(cache_count);
	values[1] = Int64GetDatum((int64) cache_hits);
	values[2] = Int64GetDatum((int64) cache_misses);
	values[3] = Int64GetDatum((int64) cache_epoch);
	values[4] = Int64GetDatum((int64) cache_bytes);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

void
JsonSchemaInit(void)
{
	DefineCustomEnumVariable("goodgo_events.default_json_schema_draft",
							 "JSON Schema draft of schemas that do not name one with $schema.",
							 NULL,
							 &json_schema_default_draft,
							 JSON_SCHEMA_DRAFT2020_12,
							 draft_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("goodgo_events.json_schema_format_assertion",
							 "Makes the JSON Schema \"format\" keyword an assertion, not only an annotation.",
							 NULL,
							 &json_schema_format_assertion,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("goodgo_events.json_schema_cache_size",
							"Compiled JSON Schemas kept per backend.",
							NULL,
							&json_schema_cache_size,
							128, 1, 100000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("goodgo_events.json_schema_cache_memory",
							"Memory the compiled JSON Schemas of one backend may use.",
							NULL,
							&json_schema_cache_memory,
							65536, 64, MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(documents_inval_callback, (Datum) 0);
}
