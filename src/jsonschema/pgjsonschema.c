/*
 * pgjsonschema.c
 *		IMMUTABLE JSON Schema functions: the four-argument forms of
 *		goodgo_events (draft and format assertion as arguments), and the
 *		pg_jsonschema-compatible API of the schema goodgo_events_compat (its
 *		function names, its json signatures, its "jsonschema" type).
 *
 * What makes them IMMUTABLE: they resolve no registered document (only the
 * bundled metaschemas, which are part of the library), and read no GUC: the
 * dialect comes from the schema's "$schema", else from an argument (the
 * goodgo_events forms) or draft 2020-12 (the compat forms); format is
 * asserted unless an argument says otherwise.  A "$schema" naming a custom
 * metaschema is then unknown (22023), since it would be a registered
 * document.
 *
 * The compat schema holds both json and jsonb signatures that pg_jsonschema
 * has (jsonschema_is_valid(json) beside goodgo_events.jsonschema_is_valid
 * (jsonb)); it lives apart so that no schema has json and jsonb overloads of
 * one name and arity, which would make an untyped literal ambiguous.
 *
 * The jsonschema type stores the schema's canonical text: object keys
 * sorted by their bytes, no white space, numbers without trailing
 * fractional zeros (1.0 is 1), strings as JSON escapes them.  Its input
 * compiles the schema (an invalid one is 22023), so a value of the type is
 * always a schema the compiled-schema functions can run; = and the hash
 * compare the canonical bytes.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "jsonschema/jsonschema_int.h"

#define COMPAT_DRAFT	JSON_SCHEMA_DRAFT2020_12
#define COMPAT_FORMAT	true

/* ---------- arguments ---------- */

static JsonSchemaDraft
draft_arg(text *t)
{
	char	   *name = text_to_cstring(t);
	static const struct
	{
		const char *name;
		JsonSchemaDraft draft;
	}			names[] = {
		{"draft2020-12", JSON_SCHEMA_DRAFT2020_12},
		{"draft2019-09", JSON_SCHEMA_DRAFT2019_09},
		{"draft7", JSON_SCHEMA_DRAFT7},
		{"draft6", JSON_SCHEMA_DRAFT6},
		{"draft4", JSON_SCHEMA_DRAFT4},
	};
	int			i;

	for (i = 0; i < (int) lengthof(names); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].draft;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid JSON Schema draft \"%s\"", name),
			 errhint("The draft is one of draft2020-12, draft2019-09, draft7, draft6 and draft4, as in goodgo_events.default_json_schema_draft.")));
	return JSON_SCHEMA_DRAFT2020_12;	/* not reached */
}

static Jsonb *
arg0_jsonb(FunctionCallInfo fcinfo)
{
	return PG_GETARG_JSONB_P(0);
}

static Jsonb *
arg0_json(FunctionCallInfo fcinfo)
{
	return JsonSchemaTextToJsonb(PG_GETARG_TEXT_PP(0));
}

/* a jsonschema value is the canonical JSON text */
static Jsonb *
arg0_jsonschema(FunctionCallInfo fcinfo)
{
	return JsonSchemaTextToJsonb(PG_GETARG_TEXT_PP(0));
}

/* ---------- errors as text[] ---------- */

/* "<instanceLocation>: <message>", the root as "(root)", as in error details */
static ArrayType *
errors_to_text_array(List *errors)
{
	int			n = list_length(errors);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, errors)
	{
		JsonSchemaError *e = lfirst(lc);

		elems[i++] = CStringGetTextDatum(psprintf("%s: %s",
												  e->instanceLocation[0] ? e->instanceLocation : "(root)",
												  e->message));
	}
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

static ArrayType *
one_text_array(const char *s)
{
	Datum		d = CStringGetTextDatum(s);

	return construct_array(&d, 1, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * The call site's compiled schema under the compat settings, or NULL with
 * *error set when the schema is invalid (22023): compiled in a
 * subtransaction on a miss only.
 */
static JsonSchemaCompiled *
compiled_or_error(FunctionCallInfo fcinfo, Jsonb *(*get_schema) (FunctionCallInfo),
				  char **error)
{
	JsonSchemaCompiled *c;
	JsonSchemaOptions opts;

	*error = NULL;
	c = JsonSchemaCallSiteCompiled(fcinfo, get_schema, COMPAT_DRAFT, COMPAT_FORMAT, false, true);
	if (c != NULL)
		return c;
	opts.default_draft = COMPAT_DRAFT;
	opts.format_assertion = COMPAT_FORMAT;
	opts.resolver = NULL;
	opts.resolver_arg = NULL;

	/*
	 * A schema whose only fault is an unsupported pattern "compiles
	 * cleanly": the compile below raises its 0A000, since no answer could be
	 * trusted.
	 */
	if (!JsonSchemaCompilesCleanly(get_schema(fcinfo), &opts, false, error))
		return NULL;
	return JsonSchemaCallSiteCompiled(fcinfo, get_schema, COMPAT_DRAFT, COMPAT_FORMAT, false, false);
}

/* ---------- goodgo_events: the IMMUTABLE four-argument forms ---------- */

PG_FUNCTION_INFO_V1(goodgo_jsonschema_is_valid_fixed);
Datum
goodgo_jsonschema_is_valid_fixed(PG_FUNCTION_ARGS)
{
	JsonSchemaDraft draft = draft_arg(PG_GETARG_TEXT_PP(2));
	JsonSchemaCompiled *c = JsonSchemaCallSiteCompiled(fcinfo, arg0_jsonb, draft,
													   PG_GETARG_BOOL(3), false, false);

	PG_RETURN_BOOL(JsonSchemaValidate(c, PG_GETARG_JSONB_P(1), NULL));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_errors_fixed);
Datum
goodgo_jsonschema_errors_fixed(PG_FUNCTION_ARGS)
{
	JsonSchemaDraft draft = draft_arg(PG_GETARG_TEXT_PP(2));
	JsonSchemaCompiled *c = JsonSchemaCallSiteCompiled(fcinfo, arg0_jsonb, draft,
													   PG_GETARG_BOOL(3), false, false);
	List	   *errors = NIL;

	(void) JsonSchemaValidate(c, PG_GETARG_JSONB_P(1), &errors);
	PG_RETURN_JSONB_P(JsonSchemaErrorsToJsonb(errors));
}

/* ---------- goodgo_events_compat: pg_jsonschema's functions ---------- */

static JsonSchemaCompiled *
compat_compiled(FunctionCallInfo fcinfo, Jsonb *(*get_schema) (FunctionCallInfo))
{
	return JsonSchemaCallSiteCompiled(fcinfo, get_schema, COMPAT_DRAFT, COMPAT_FORMAT, false, false);
}

PG_FUNCTION_INFO_V1(goodgo_compat_json_matches_schema);
Datum
goodgo_compat_json_matches_schema(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compat_compiled(fcinfo, arg0_json);

	PG_RETURN_BOOL(JsonSchemaValidate(c, JsonSchemaTextToJsonb(PG_GETARG_TEXT_PP(1)), NULL));
}

PG_FUNCTION_INFO_V1(goodgo_compat_jsonb_matches_schema);
Datum
goodgo_compat_jsonb_matches_schema(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compat_compiled(fcinfo, arg0_json);

	PG_RETURN_BOOL(JsonSchemaValidate(c, PG_GETARG_JSONB_P(1), NULL));
}

/*
 * Is the schema valid: against its metaschema, with valid regexes and
 * references that resolve (within the document and the bundled
 * metaschemas).  An unknown "$schema" is false.
 */
PG_FUNCTION_INFO_V1(goodgo_compat_jsonschema_is_valid);
Datum
goodgo_compat_jsonschema_is_valid(PG_FUNCTION_ARGS)
{
	JsonSchemaOptions opts;

	opts.default_draft = COMPAT_DRAFT;
	opts.format_assertion = COMPAT_FORMAT;
	opts.resolver = NULL;
	opts.resolver_arg = NULL;
	PG_RETURN_BOOL(JsonSchemaCompilesCleanly(JsonSchemaTextToJsonb(PG_GETARG_TEXT_PP(0)),
											 &opts, false, NULL));
}

/*
 * Why the instance fails, one element per failure ("/path: message"), empty
 * when valid; for an invalid schema one element, the schema's error.
 */
PG_FUNCTION_INFO_V1(goodgo_compat_jsonschema_validation_errors);
Datum
goodgo_compat_jsonschema_validation_errors(PG_FUNCTION_ARGS)
{
	char	   *error;
	JsonSchemaCompiled *c = compiled_or_error(fcinfo, arg0_json, &error);
	List	   *errors = NIL;

	if (c == NULL)
		PG_RETURN_ARRAYTYPE_P(one_text_array(error));
	(void) JsonSchemaValidate(c, JsonSchemaTextToJsonb(PG_GETARG_TEXT_PP(1)), &errors);
	PG_RETURN_ARRAYTYPE_P(errors_to_text_array(errors));
}

/* ---------- the jsonschema type ---------- */

static void canonical_value(StringInfo out, JsonbValue *v, int depth);

typedef struct KeyVal
{
	JsonbValue	k;
	JsonbValue	v;
} KeyVal;

static int
keyval_cmp(const void *a, const void *b)
{
	const JsonbValue *ka = &((const KeyVal *) a)->k;
	const JsonbValue *kb = &((const KeyVal *) b)->k;
	int			n = Min(ka->val.string.len, kb->val.string.len);
	int			c = memcmp(ka->val.string.val, kb->val.string.val, n);

	if (c != 0)
		return c;
	return ka->val.string.len - kb->val.string.len;
}

static void
canonical_string(StringInfo out, JsonbValue *v)
{
	char	   *s = pnstrdup(v->val.string.val, v->val.string.len);

	escape_json(out, s);
	pfree(s);
}

static void
canonical_value(StringInfo out, JsonbValue *v, int depth)
{
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	switch (v->type)
	{
		case jbvNull:
			appendStringInfoString(out, "null");
			break;
		case jbvBool:
			appendStringInfoString(out, v->val.boolean ? "true" : "false");
			break;
		case jbvString:
			canonical_string(out, v);
			break;
		case jbvNumeric:
			appendStringInfoString(out, numeric_normalize(v->val.numeric));
			break;
		case jbvBinary:
			{
				JsIter		it;
				JsonbValue	k,
							e;
				bool		first = true;

				if (js_is_object(v))
				{
					int			n = JsonContainerSize(v->val.binary.data);
					KeyVal	   *kv = palloc(sizeof(KeyVal) * Max(n, 1));
					int			i = 0;

					js_iter_init(&it, v->val.binary.data);
					while (js_iter_pair(&it, &k, &e))
					{
						kv[i].k = k;
						kv[i].v = e;
						i++;
					}
					qsort(kv, i, sizeof(KeyVal), keyval_cmp);
					appendStringInfoChar(out, '{');
					for (n = 0; n < i; n++)
					{
						if (n > 0)
							appendStringInfoChar(out, ',');
						canonical_string(out, &kv[n].k);
						appendStringInfoChar(out, ':');
						canonical_value(out, &kv[n].v, depth + 1);
					}
					appendStringInfoChar(out, '}');
					pfree(kv);
				}
				else
				{
					appendStringInfoChar(out, '[');
					js_iter_init(&it, v->val.binary.data);
					while (js_iter_elem(&it, &e))
					{
						if (!first)
							appendStringInfoChar(out, ',');
						first = false;
						canonical_value(out, &e, depth + 1);
					}
					appendStringInfoChar(out, ']');
				}
			}
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

/*
 * A jsonschema value from jsonb: the canonical text, after checking that the
 * schema compiles under the compat settings (22023 otherwise; 0A000 for a
 * valid pattern we cannot run).  The compiled schema stays in the backend
 * cache, under the canonical text's jsonb, for the compiled-schema
 * functions.
 */
static text *
jsonschema_from(Jsonb *jb)
{
	StringInfoData buf;
	JsonbValue	root;
	text	   *t;
	JsonSchemaOptions opts;
	MemoryContext cxt;
	MemoryContext old;
	JsonSchemaDraft draft;

	initStringInfo(&buf);
	js_root(jb, &root);
	canonical_value(&buf, &root, 0);
	t = cstring_to_text_with_len(buf.data, buf.len);

	opts.default_draft = COMPAT_DRAFT;
	opts.format_assertion = COMPAT_FORMAT;
	opts.resolver = NULL;
	opts.resolver_arg = NULL;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "goodgo_events jsonschema check",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	(void) JsonSchemaCompileTree(JsonSchemaTextToJsonb(t), &opts, true, false, &draft);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return t;
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_in);
Datum
goodgo_jsonschema_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);

	PG_RETURN_TEXT_P(jsonschema_from(DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s)))));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_out);
Datum
goodgo_jsonschema_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(text_to_cstring(PG_GETARG_TEXT_PP(0)));
}

/* binary form: the canonical text, as text's (checked again on receipt) */
PG_FUNCTION_INFO_V1(goodgo_jsonschema_recv);
Datum
goodgo_jsonschema_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *s = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_TEXT_P(jsonschema_from(DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s)))));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_send);
Datum
goodgo_jsonschema_send(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendtext(&buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_from_json);
Datum
goodgo_jsonschema_from_json(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(jsonschema_from(JsonSchemaTextToJsonb(PG_GETARG_TEXT_PP(0))));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_from_jsonb);
Datum
goodgo_jsonschema_from_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(jsonschema_from(PG_GETARG_JSONB_P(0)));
}

static bool
jsonschema_equal(FunctionCallInfo fcinfo)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);

	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_eq);
Datum
goodgo_jsonschema_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(jsonschema_equal(fcinfo));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_ne);
Datum
goodgo_jsonschema_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!jsonschema_equal(fcinfo));
}

PG_FUNCTION_INFO_V1(goodgo_jsonschema_hash);
Datum
goodgo_jsonschema_hash(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	return hash_any((const unsigned char *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* ---------- the compiled-schema functions ---------- */

PG_FUNCTION_INFO_V1(goodgo_compat_json_matches_compiled_schema);
Datum
goodgo_compat_json_matches_compiled_schema(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compat_compiled(fcinfo, arg0_jsonschema);

	PG_RETURN_BOOL(JsonSchemaValidate(c, JsonSchemaTextToJsonb(PG_GETARG_TEXT_PP(1)), NULL));
}

PG_FUNCTION_INFO_V1(goodgo_compat_jsonb_matches_compiled_schema);
Datum
goodgo_compat_jsonb_matches_compiled_schema(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compat_compiled(fcinfo, arg0_jsonschema);

	PG_RETURN_BOOL(JsonSchemaValidate(c, PG_GETARG_JSONB_P(1), NULL));
}

PG_FUNCTION_INFO_V1(goodgo_compat_json_validation_errors_compiled);
Datum
goodgo_compat_json_validation_errors_compiled(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compat_compiled(fcinfo, arg0_jsonschema);
	List	   *errors = NIL;

	(void) JsonSchemaValidate(c, JsonSchemaTextToJsonb(PG_GETARG_TEXT_PP(1)), &errors);
	PG_RETURN_ARRAYTYPE_P(errors_to_text_array(errors));
}

PG_FUNCTION_INFO_V1(goodgo_compat_jsonb_validation_errors_compiled);
Datum
goodgo_compat_jsonb_validation_errors_compiled(PG_FUNCTION_ARGS)
{
	JsonSchemaCompiled *c = compat_compiled(fcinfo, arg0_jsonschema);
	List	   *errors = NIL;

	(void) JsonSchemaValidate(c, PG_GETARG_JSONB_P(1), &errors);
	PG_RETURN_ARRAYTYPE_P(errors_to_text_array(errors));
}
