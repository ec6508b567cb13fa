/*
 * compile.c
 *		Compile a JSON Schema (jsonb) into a tree of SchemaNodes.
 *
 * Design.  A schema is compiled once, eagerly: every subschema reachable
 * through a known applicator keyword (and "$defs"/"definitions") becomes a
 * SchemaNode, its regexes are compiled, its numbers and names are decoded
 * and sorted the way the validator wants them.  While walking, the compiler
 * records every schema resource ("$id"), "$anchor" and "$dynamicAnchor" by
 * its absolute URI, and every "$ref"/"$dynamicRef" as pending.  After the
 * walk the pending references are resolved: by URI in that table, by JSON
 * Pointer from a resource's root (compiling the target on demand if it was
 * not reached by the walk, e.g. a pointer into an unknown keyword), and
 * across documents, which come from the bundled metaschemas or from the
 * caller's resolver.  A reference is a plain pointer to its target node, so
 * cycles in the schema are cycles in the tree; the validator bounds them.
 *
 * The schema document itself is copied into the compiled schema's memory
 * context, and enum/const values point into that copy.
 *
 * Before compiling, a document is validated against its draft's metaschema;
 * a schema that is not valid is an error 22023 naming the JSON Pointer of
 * the bad part, as are a bad regex and an unresolvable reference.
 *
 * A regex that is valid ECMA-262 but that our engine cannot run exactly
 * (\p{Script=..}, a bound above 65025, ...) is different: the schema is
 * valid, we only cannot evaluate it.  That is error 0A000, raised once the
 * whole schema has been compiled and every reference resolved, so that a
 * schema with both a real error and an unsupported pattern is reported as
 * invalid (22023), and so that a 0A000 means "valid, but not supported":
 * jsonschema_is_valid(schema) relies on that.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "jsonschema/jsonschema_int.h"

/* Keywords the compiler looks at; every other keyword is ignored. */
typedef enum Kw
{
	K_SCHEMA, K_ID, K_ID4, K_ANCHOR, K_DYNANCHOR, K_RECANCHOR,
	K_REF, K_DYNREF, K_RECREF, K_DEFS, K_DEFINITIONS,
	K_TYPE, K_ENUM, K_CONST,
	K_MINIMUM, K_MAXIMUM, K_EXMIN, K_EXMAX, K_MULTIPLEOF,
	K_MINLENGTH, K_MAXLENGTH, K_PATTERN, K_FORMAT,
	K_PREFIXITEMS, K_ITEMS, K_ADDITEMS, K_CONTAINS, K_MINCONTAINS,
	K_MAXCONTAINS, K_MINITEMS, K_MAXITEMS, K_UNIQUE, K_UNEVALITEMS,
	K_PROPERTIES, K_PATTERNPROPS, K_ADDPROPS, K_PROPNAMES, K_REQUIRED,
	K_DEPREQ, K_DEPSCHEMAS, K_DEPENDENCIES, K_MINPROPS, K_MAXPROPS,
	K_UNEVALPROPS,
	K_ALLOF, K_ANYOF, K_ONEOF, K_NOT, K_IF, K_THEN, K_ELSE,
	K_COUNT
} Kw;

/* Draft bits: which drafts know a keyword. */
#define D4		(1 << JSON_SCHEMA_DRAFT4)
#define D6		(1 << JSON_SCHEMA_DRAFT6)
#define D7		(1 << JSON_SCHEMA_DRAFT7)
#define D19		(1 << JSON_SCHEMA_DRAFT2019_09)
#define D20		(1 << JSON_SCHEMA_DRAFT2020_12)
#define DALL	(D4 | D6 | D7 | D19 | D20)

typedef struct KwDef
{
	const char *name;
	int			drafts;
} KwDef;

static const KwDef kwdefs[K_COUNT] = {
	[K_SCHEMA] = {"$schema", DALL},
	[K_ID] = {"$id", D6 | D7 | D19 | D20},
	[K_ID4] = {"id", D4},
	[K_ANCHOR] = {"$anchor", D19 | D20},
	[K_DYNANCHOR] = {"$dynamicAnchor", D20},
	[K_RECANCHOR] = {"$recursiveAnchor", D19},
	[K_REF] = {"$ref", DALL},
	[K_DYNREF] = {"$dynamicRef", D20},
	[K_RECREF] = {"$recursiveRef", D19},
	[K_DEFS] = {"$defs", D19 | D20},
	[K_DEFINITIONS] = {"definitions", DALL},
	[K_TYPE] = {"type", DALL},
	[K_ENUM] = {"enum", DALL},
	[K_CONST] = {"const", D6 | D7 | D19 | D20},
	[K_MINIMUM] = {"minimum", DALL},
	[K_MAXIMUM] = {"maximum", DALL},
	[K_EXMIN] = {"exclusiveMinimum", DALL},
	[K_EXMAX] = {"exclusiveMaximum", DALL},
	[K_MULTIPLEOF] = {"multipleOf", DALL},
	[K_MINLENGTH] = {"minLength", DALL},
	[K_MAXLENGTH] = {"maxLength", DALL},
	[K_PATTERN] = {"pattern", DALL},
	[K_FORMAT] = {"format", DALL},
	[K_PREFIXITEMS] = {"prefixItems", D20},
	[K_ITEMS] = {"items", DALL},
	[K_ADDITEMS] = {"additionalItems", D4 | D6 | D7 | D19},
	[K_CONTAINS] = {"contains", D6 | D7 | D19 | D20},
	[K_MINCONTAINS] = {"minContains", D19 | D20},
	[K_MAXCONTAINS] = {"maxContains", D19 | D20},
	[K_MINITEMS] = {"minItems", DALL},
	[K_MAXITEMS] = {"maxItems", DALL},
	[K_UNIQUE] = {"uniqueItems", DALL},
	[K_UNEVALITEMS] = {"unevaluatedItems", D19 | D20},
	[K_PROPERTIES] = {"properties", DALL},
	[K_PATTERNPROPS] = {"patternProperties", DALL},
	[K_ADDPROPS] = {"additionalProperties", DALL},
	[K_PROPNAMES] = {"propertyNames", D6 | D7 | D19 | D20},
	[K_REQUIRED] = {"required", DALL},
	[K_DEPREQ] = {"dependentRequired", D19 | D20},
	[K_DEPSCHEMAS] = {"dependentSchemas", D19 | D20},
	/* 2019-09 split it in two; later drafts still honour it, as most validators do */
	[K_DEPENDENCIES] = {"dependencies", DALL},
	[K_MINPROPS] = {"minProperties", DALL},
	[K_MAXPROPS] = {"maxProperties", DALL},
	[K_UNEVALPROPS] = {"unevaluatedProperties", D19 | D20},
	[K_ALLOF] = {"allOf", DALL},
	[K_ANYOF] = {"anyOf", DALL},
	[K_ONEOF] = {"oneOf", DALL},
	[K_NOT] = {"not", DALL},
	[K_IF] = {"if", D7 | D19 | D20},
	[K_THEN] = {"then", D7 | D19 | D20},
	[K_ELSE] = {"else", D7 | D19 | D20},
};

/* Where a subschema sits: its resource, base URI and pointers. */
typedef struct Scope
{
	SchemaResource *res;
	const char *base;			/* base URI (no fragment) */
	const char *rptr;			/* JSON Pointer from the resource root */
	const char *doc;			/* URI of the document, for messages */
	const char *dptr;			/* JSON Pointer from the document root */
	JsonSchemaDraft draft;
	bool		no_validation;	/* metaschema leaves out the validation vocabulary */
	bool		format_vocab;	/* metaschema asks for the format-assertion vocabulary */
} Scope;

/* An identifier: a resource URI or an anchor (uri#name). */
typedef struct Ident
{
	char	   *uri;
	JsonbValue	value;
	SchemaNode *node;
	Scope		scope;			/* the scope of the identified subschema */
	bool		dynamic;		/* a $dynamicAnchor */
} Ident;

/* A compiled container, to find nodes reached again by JSON Pointer. */
typedef struct NodeEntry
{
	JsonbContainer *container;
	SchemaNode *node;
} NodeEntry;

typedef enum RefKind
{
	REF_STATIC,
	REF_DYNAMIC,
	REF_RECURSIVE
} RefKind;

typedef struct PendingRef
{
	SchemaNode *node;
	char	   *uri;			/* absolute */
	RefKind		kind;
	Scope		scope;			/* of the node holding the reference */
	const char *keyword;
} PendingRef;

typedef struct CompileCtx
{
	const JsonSchemaOptions *options;
	bool		metavalidate;
	bool		lenient;		/* leave refs to unknown documents unresolved */
	HTAB	   *idents;			/* hash of the URI -> IdentBucket */
	HTAB	   *nodes;			/* container address -> NodeEntry */
	List	   *pending;
	List	   *docs;			/* URIs of documents loaded */
	int			depth;
	/* the first valid but unsupported regex, reported at the end */
	char	   *unsupported_where;	/* JSON Pointer of its keyword */
	const char *unsupported_doc;	/* URI of its document, "" for the root */
	char	   *unsupported_reason;
	bool		dynamic_scope;	/* some $dynamicRef/$recursiveRef is dynamic */
} CompileCtx;

/* Bound on documents one schema may pull in, against runaway resolvers. */
#define MAX_DOCUMENTS	1000

static SchemaNode *compile_value(CompileCtx *cc, JsonbValue *v, Scope *scope);
static SchemaNode *compile_document(CompileCtx *cc, Jsonb *doc, const char *uri,
									JsonSchemaDraft draft, bool metavalidate);

/* ---------- errors ---------- */

static void
schema_error(const Scope *scope, const char *keyword, const char *fmt,...)
pg_attribute_printf(3, 4);

static void
schema_error(const Scope *scope, const char *keyword, const char *fmt,...)
{
	char		reason[1024];
	va_list		ap;
	StringInfoData where;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	initStringInfo(&where);
	appendStringInfoString(&where, scope->dptr);
	if (keyword)
	{
		appendStringInfoChar(&where, '/');
		appendStringInfoString(&where, keyword);
	}
	if (scope->doc && scope->doc[0])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Schema"),
				 errdetail("At \"%s\" in document \"%s\": %s.",
						   where.data, scope->doc, reason)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid JSON Schema"),
			 errdetail("At \"%s\": %s.", where.data, reason)));
}

/*
 * Remember the first regex that is valid ECMA-262 but cannot be compiled
 * here; JsonSchemaCompileTree reports it when nothing worse was found.
 */
static void
note_unsupported(CompileCtx *cc, const Scope *scope, const char *keyword,
				 const char *reason)
{
	StringInfoData where;

	if (cc->unsupported_reason != NULL)
		return;
	initStringInfo(&where);
	appendStringInfoString(&where, scope->dptr);
	appendStringInfoChar(&where, '/');
	appendStringInfoString(&where, keyword);
	cc->unsupported_where = where.data;
	cc->unsupported_doc = scope->doc ? pstrdup(scope->doc) : "";
	cc->unsupported_reason = pstrdup(reason);
}

static void
report_unsupported(CompileCtx *cc)
{
	if (cc->unsupported_doc[0])
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("JSON Schema pattern is valid but not supported by this validator"),
				 errdetail("At \"%s\" in document \"%s\": %s.",
						   cc->unsupported_where, cc->unsupported_doc,
						   cc->unsupported_reason),
				 errhint("The schema is valid: the pattern is ECMA-262, but PostgreSQL's regular expression engine cannot run this construct exactly. Rewrite the pattern without it.")));
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("JSON Schema pattern is valid but not supported by this validator"),
			 errdetail("At \"%s\": %s.", cc->unsupported_where, cc->unsupported_reason),
			 errhint("The schema is valid: the pattern is ECMA-262, but PostgreSQL's regular expression engine cannot run this construct exactly. Rewrite the pattern without it.")));
}

/* ---------- small helpers ---------- */

static char *
pointer_escape(const char *s, int len)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < len; i++)
	{
		if (s[i] == '~')
			appendStringInfoString(&buf, "~0");
		else if (s[i] == '/')
			appendStringInfoString(&buf, "~1");
		else
			appendStringInfoChar(&buf, s[i]);
	}
	return buf.data;
}

static char *
ptr_child(const char *ptr, const char *key, int keylen)
{
	return psprintf("%s/%s", ptr, pointer_escape(key, keylen));
}

static char *
ptr_index(const char *ptr, int i)
{
	return psprintf("%s/%d", ptr, i);
}

static void
scope_child(const Scope *parent, Scope *child, const char *key, int keylen)
{
	*child = *parent;
	child->rptr = ptr_child(parent->rptr, key, keylen);
	child->dptr = ptr_child(parent->dptr, key, keylen);
}

static void
scope_index(const Scope *parent, Scope *child, int i)
{
	*child = *parent;
	child->rptr = ptr_index(parent->rptr, i);
	child->dptr = ptr_index(parent->dptr, i);
}

static char *
str_of(JsonbValue *v)
{
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* Identifiers hashed by URI; a bucket lists those sharing a hash. */
typedef struct IdentBucket
{
	uint32		hash;
	List	   *idents;
} IdentBucket;

static Ident *
find_ident(CompileCtx *cc, const char *uri)
{
	uint32		h = hash_bytes((const unsigned char *) uri, strlen(uri));
	IdentBucket *b = hash_search(cc->idents, &h, HASH_FIND, NULL);
	ListCell   *lc;

	if (b == NULL)
		return NULL;
	foreach(lc, b->idents)
	{
		Ident	   *id = lfirst(lc);

		if (strcmp(id->uri, uri) == 0)
			return id;
	}
	return NULL;
}

static void
add_ident(CompileCtx *cc, const char *uri, JsonbValue *v, const Scope *scope,
		  bool dynamic)
{
	Ident	   *id;
	uint32		h;
	IdentBucket *b;
	bool		found;

	/* the first definition wins; duplicates are not worth failing over */
	if (find_ident(cc, uri))
		return;
	id = palloc0(sizeof(Ident));
	id->uri = pstrdup(uri);
	id->value = *v;
	id->scope = *scope;
	id->dynamic = dynamic;
	h = hash_bytes((const unsigned char *) uri, strlen(uri));
	b = hash_search(cc->idents, &h, HASH_ENTER, &found);
	if (!found)
		b->idents = NIL;
	b->idents = lappend(b->idents, id);
}

static SchemaNode *
find_node(CompileCtx *cc, JsonbContainer *c)
{
	NodeEntry  *e = hash_search(cc->nodes, &c, HASH_FIND, NULL);

	return e ? e->node : NULL;
}

static void
sort_keys(SchemaKey *keys, int n)
{
	int			i,
				j;

	/* insertion sort: these lists are short */
	for (i = 1; i < n; i++)
	{
		SchemaKey	k = keys[i];

		for (j = i; j > 0 && js_key_cmp(keys[j - 1].str, keys[j - 1].len, k.str, k.len) > 0; j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
	}
}

/*
 * The types of a schema that is {"type": ...} alone, the commonest member
 * schema (0 for any other): the validator answers a member that has one of
 * them from its JEntry, without looking at the schema node.
 */
static uint8
type_only(SchemaNode *sub)
{
	return sub->kind == SN_OBJECT && sub->has == HAS_TYPE ? sub->types : 0;
}

static void
sort_properties(SchemaProperty *props, int n)
{
	int			i,
				j;

	for (i = 1; i < n; i++)
	{
		SchemaProperty p = props[i];

		for (j = i; j > 0 && js_key_cmp(props[j - 1].key.str, props[j - 1].key.len,
										p.key.str, p.key.len) > 0; j--)
			props[j] = props[j - 1];
		props[j] = p;
	}
}

static void
make_key(SchemaKey *k, JsonbValue *v)
{
	k->str = v->val.string.val;
	k->len = v->val.string.len;
	k->cstr = str_of(v);
}

/* ---------- drafts ---------- */

/* The draft numbering format.h uses (4, 6, 7, 2019, 2020). */
static int
format_draft_number(JsonSchemaDraft draft)
{
	switch (draft)
	{
		case JSON_SCHEMA_DRAFT4:
			return 4;
		case JSON_SCHEMA_DRAFT6:
			return 6;
		case JSON_SCHEMA_DRAFT7:
			return 7;
		case JSON_SCHEMA_DRAFT2019_09:
			return 2019;
		case JSON_SCHEMA_DRAFT2020_12:
			break;
	}
	return 2020;
}

typedef struct DraftUri
{
	const char *uri;
	JsonSchemaDraft draft;
	const char *name;
} DraftUri;

static const DraftUri draft_uris[] = {
	{"https://json-schema.org/draft/2020-12/schema", JSON_SCHEMA_DRAFT2020_12, "draft2020-12"},
	{"https://json-schema.org/draft/2019-09/schema", JSON_SCHEMA_DRAFT2019_09, "draft2019-09"},
	{"http://json-schema.org/draft-07/schema", JSON_SCHEMA_DRAFT7, "draft7"},
	{"http://json-schema.org/draft-06/schema", JSON_SCHEMA_DRAFT6, "draft6"},
	{"http://json-schema.org/draft-04/schema", JSON_SCHEMA_DRAFT4, "draft4"},
};

bool
JsonSchemaDraftFromUri(const char *uri, int len, JsonSchemaDraft *draft)
{
	int			i;

	/* an empty fragment is the same document */
	if (len > 0 && uri[len - 1] == '#')
		len--;
	/* draft-07 and earlier were also published over https */
	for (i = 0; i < (int) lengthof(draft_uris); i++)
	{
		const char *known = draft_uris[i].uri;
		int			klen = strlen(known);

		if (len == klen && memcmp(uri, known, len) == 0)
		{
			*draft = draft_uris[i].draft;
			return true;
		}
	}
	return false;
}

const char *
JsonSchemaDraftName(JsonSchemaDraft draft)
{
	int			i;

	for (i = 0; i < (int) lengthof(draft_uris); i++)
		if (draft_uris[i].draft == draft)
			return draft_uris[i].name;
	return "unknown";
}

/* The value of key in an object container, or false. */
static bool
object_get(JsonbContainer *jc, const char *key, JsonbValue *out)
{
	JsIter		it;
	JsonbValue	k,
				v;
	int			klen = strlen(key);

	js_iter_init(&it, jc);
	while (js_iter_pair(&it, &k, &v))
	{
		int			c = js_key_cmp(k.val.string.val, k.val.string.len, key, klen);

		if (c == 0)
		{
			*out = v;
			return true;
		}
		if (c > 0)
			break;
	}
	return false;
}

/* A "$schema" that leads to no draft we implement. */
static void
unknown_metaschema(const char *doc, JsonbValue *sv)
{
	char	   *uri = pnstrdup(sv->val.string.val, Min(sv->val.string.len, 200));

	if (doc && doc[0])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Schema"),
				 errdetail("At \"/$schema\" in document \"%s\": unknown metaschema \"%s\": it is none of the drafts this validator implements, nor a registered document whose own \"$schema\" leads to one.",
						   doc, uri)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid JSON Schema"),
			 errdetail("At \"/$schema\": unknown metaschema \"%s\": it is none of the drafts this validator implements, nor a registered document whose own \"$schema\" leads to one.",
					   uri)));
}

/*
 * The draft of a document: from its "$schema" when that names a known
 * draft, or a metaschema whose own "$schema" does (a custom metaschema:
 * bundled, or registered when the resolver is the registry's), else the
 * default when there is no "$schema".  A "$schema" we cannot follow to a
 * known draft is an error (22023): the spec says an implementation must
 * refuse a schema whose metaschema it does not know, rather than guess.
 */
static JsonSchemaDraft
document_draft(CompileCtx *cc, JsonbValue *root, JsonSchemaDraft dflt, bool *known,
			   bool *no_validation, bool *format_vocab, const char *doc)
{
	JsonbValue	first;

	JsonbValue	sv;
	JsonSchemaDraft d;
	int			hops;

	*known = false;
	*no_validation = false;
	*format_vocab = false;
	if (!js_is_object(root) || !object_get(root->val.binary.data, "$schema", &sv) ||
		sv.type != jbvString)
		return dflt;
	first = sv;

	for (hops = 0; hops < 8; hops++)
	{
		char	   *uri;
		Jsonb	   *meta;
		JsonbValue	mroot;

		if (JsonSchemaDraftFromUri(sv.val.string.val, sv.val.string.len, &d))
		{
			*known = (hops == 0);
			return d;
		}
		/* a custom metaschema: look at its own $schema */
		uri = JsonSchemaUriStripFragment(str_of(&sv), NULL);
		meta = cc->options->resolver ? cc->options->resolver(uri, cc->options->resolver_arg) : NULL;
		if (meta == NULL)
			meta = JsonSchemaBundledDocument(uri);
		if (meta == NULL)
			unknown_metaschema(doc, &first);
		js_root(meta, &mroot);
		if (hops == 0 && js_is_object(&mroot))
		{
			JsonbValue	vocab,
						dummy;

			/* a $vocabulary without the validation vocabulary turns it off */
			if (object_get(mroot.val.binary.data, "$vocabulary", &vocab) && js_is_object(&vocab) &&
				!object_get(vocab.val.binary.data, "https://json-schema.org/draft/2020-12/vocab/validation", &dummy) &&
				!object_get(vocab.val.binary.data, "https://json-schema.org/draft/2019-09/vocab/validation", &dummy))
				*no_validation = true;
			if (object_get(mroot.val.binary.data, "$vocabulary", &vocab) && js_is_object(&vocab) &&
				object_get(vocab.val.binary.data, "https://json-schema.org/draft/2020-12/vocab/format-assertion", &dummy))
				*format_vocab = true;
		}
		if (!js_is_object(&mroot) || !object_get(mroot.val.binary.data, "$schema", &sv) ||
			sv.type != jbvString)
			unknown_metaschema(doc, &first);
	}
	unknown_metaschema(doc, &first);
	return dflt;				/* not reached */
}

/* ---------- keyword compilers ---------- */

static int64
get_count(const Scope *scope, const char *kw, JsonbValue *v)
{
	int64		n;

	if (v->type != jbvNumeric || !JsNumericIsIntegral(v->val.numeric))
		schema_error(scope, kw, "the value must be a non-negative integer");
	if (!JsNumericSmallInt(v->val.numeric, &n))
	{
		/* a huge count: no instance can reach it, clamp */
		if (DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(v->val.numeric),
											 DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))))
			schema_error(scope, kw, "the value must be a non-negative integer");
		return PG_INT64_MAX;
	}
	if (n < 0)
		schema_error(scope, kw, "the value must be a non-negative integer");
	return n;
}

typedef struct HashedEnum
{
	uint32		hash;
	JsonbValue	v;
} HashedEnum;

static int
hashed_enum_cmp(const void *a, const void *b)
{
	uint32		ha = ((const HashedEnum *) a)->hash;
	uint32		hb = ((const HashedEnum *) b)->hash;

	return ha < hb ? -1 : (ha > hb ? 1 : 0);
}

static int
string_enum_cmp(const void *a, const void *b)
{
	const JsonbValue *x = a;
	const JsonbValue *y = b;

	return js_key_cmp(x->val.string.val, x->val.string.len, y->val.string.val, y->val.string.len);
}

/*
 * An enum of strings only (the commonest) gets a copy sorted as jsonb sorts
 * keys, so that validation finds a string by binary search (enum_has()).
 */
static bool
sort_string_enum(SchemaNode *node)
{
	int			i;

	for (i = 0; i < node->nenum; i++)
		if (node->enums[i].type != jbvString)
			return false;
	node->enum_strings = palloc(sizeof(JsonbValue) * node->nenum);
	memcpy(node->enum_strings, node->enums, sizeof(JsonbValue) * node->nenum);
	qsort(node->enum_strings, node->nenum, sizeof(JsonbValue), string_enum_cmp);
	return true;
}

/*
 * Sort a big enum by JsonSchemaJsonHash, so that validation compares an
 * instance only with the values of its hash (validate.c, enum_has()).
 */
static void
hash_enum(SchemaNode *node)
{
	HashedEnum *h = palloc(sizeof(HashedEnum) * node->nenum);
	int			i;

	for (i = 0; i < node->nenum; i++)
	{
		h[i].v = node->enums[i];
		h[i].hash = JsonSchemaJsonHash(&h[i].v);
	}
	qsort(h, node->nenum, sizeof(HashedEnum), hashed_enum_cmp);
	node->enum_hashes = palloc(sizeof(uint32) * node->nenum);
	for (i = 0; i < node->nenum; i++)
	{
		node->enums[i] = h[i].v;
		node->enum_hashes[i] = h[i].hash;
	}
	pfree(h);
}

static SchemaNumber *
get_number(const Scope *scope, const char *kw, JsonbValue *v)
{
	SchemaNumber *n;

	if (v->type != jbvNumeric)
		schema_error(scope, kw, "the value must be a number");
	n = palloc0(sizeof(SchemaNumber));
	n->num = v->val.numeric;
	n->is_small = JsNumericSmallInt(n->num, &n->small);
	n->text = numeric_normalize(n->num);
	return n;
}

static SchemaNode **
compile_array_of_schemas(CompileCtx *cc, JsonbValue *v, Scope *scope,
						 const char *kw, int *n, bool allow_empty)
{
	SchemaNode **out;
	JsIter		it;
	JsonbValue	e;
	Scope		ks,
				es;
	int			i = 0;

	if (!js_is_array(v))
		schema_error(scope, kw, "the value must be an array of schemas");
	*n = JsonContainerSize(v->val.binary.data);
	if (*n == 0 && !allow_empty)
		schema_error(scope, kw, "the array must not be empty");
	out = palloc0(sizeof(SchemaNode *) * Max(*n, 1));
	scope_child(scope, &ks, kw, strlen(kw));
	js_iter_init(&it, v->val.binary.data);
	while (js_iter_elem(&it, &e))
	{
		scope_index(&ks, &es, i);
		out[i++] = compile_value(cc, &e, &es);
	}
	return out;
}

static SchemaNode *
compile_sub(CompileCtx *cc, JsonbValue *v, Scope *scope, const char *kw)
{
	Scope		ks;

	scope_child(scope, &ks, kw, strlen(kw));
	return compile_value(cc, v, &ks);
}

/* compile each member of an object of schemas (properties, $defs, ...) */
static SchemaProperty *
compile_schema_map(CompileCtx *cc, JsonbValue *v, Scope *scope, const char *kw, int *n)
{
	SchemaProperty *out;
	JsIter		it;
	JsonbValue	k,
				e;
	Scope		ks,
				es;
	int			i = 0;

	if (!js_is_object(v))
		schema_error(scope, kw, "the value must be an object of schemas");
	*n = JsonContainerSize(v->val.binary.data);
	out = palloc0(sizeof(SchemaProperty) * Max(*n, 1));
	scope_child(scope, &ks, kw, strlen(kw));
	js_iter_init(&it, v->val.binary.data);
	while (js_iter_pair(&it, &k, &e))
	{
		scope_child(&ks, &es, k.val.string.val, k.val.string.len);
		make_key(&out[i].key, &k);
		out[i].node = compile_value(cc, &e, &es);
		i++;
	}
	/* jsonb already keeps keys in its order, which is ours */
	return out;
}

static SchemaKey *
string_array(const Scope *scope, const char *kw, JsonbValue *v, int *n)
{
	SchemaKey  *out;
	JsIter		it;
	JsonbValue	e;
	int			i = 0,
				j,
				m = 0;

	if (!js_is_array(v))
		schema_error(scope, kw, "the value must be an array of strings");
	*n = JsonContainerSize(v->val.binary.data);
	out = palloc0(sizeof(SchemaKey) * Max(*n, 1));
	js_iter_init(&it, v->val.binary.data);
	while (js_iter_elem(&it, &e))
	{
		if (e.type != jbvString)
			schema_error(scope, kw, "the value must be an array of strings");
		make_key(&out[i++], &e);
	}
	sort_keys(out, *n);
	/* drop duplicates */
	for (i = 0; i < *n; i++)
	{
		if (m > 0 && js_key_cmp(out[m - 1].str, out[m - 1].len, out[i].str, out[i].len) == 0)
			continue;
		out[m++] = out[i];
	}
	(void) j;
	*n = m;
	return out;
}

static uint8
type_bit(const Scope *scope, JsonbValue *v)
{
	static const struct
	{
		const char *name;
		uint8		bit;
	}			types[] = {
		{"null", JST_NULL}, {"boolean", JST_BOOLEAN}, {"object", JST_OBJECT},
		{"array", JST_ARRAY}, {"number", JST_NUMBER}, {"string", JST_STRING},
		{"integer", JST_INTEGER}
	};
	int			i;

	if (v->type == jbvString)
		for (i = 0; i < (int) lengthof(types); i++)
			if (v->val.string.len == (int) strlen(types[i].name) &&
				memcmp(v->val.string.val, types[i].name, v->val.string.len) == 0)
				return types[i].bit;
	schema_error(scope, "type", "the value must be a type name or an array of type names");
	return 0;
}

static void
add_pending(CompileCtx *cc, SchemaNode *node, const Scope *scope, JsonbValue *v,
			RefKind kind, const char *kw)
{
	PendingRef *p;

	if (v->type != jbvString)
		schema_error(scope, kw, "the value must be a URI reference");
	p = palloc0(sizeof(PendingRef));
	p->node = node;
	p->uri = JsonSchemaUriResolve(scope->base, str_of(v));
	p->kind = kind;
	p->scope = *scope;
	p->keyword = kw;
	cc->pending = lappend(cc->pending, p);
}

static void
add_dynamic_anchor(SchemaResource *res, const char *name, SchemaNode *node)
{
	if (res->ndyn == 0)
	{
		res->dyn_names = palloc(sizeof(char *) * 4);
		res->dyn_nodes = palloc(sizeof(SchemaNode *) * 4);
	}
	else if ((res->ndyn & (res->ndyn - 1)) == 0 && res->ndyn >= 4)
	{
		res->dyn_names = repalloc(res->dyn_names, sizeof(char *) * res->ndyn * 2);
		res->dyn_nodes = repalloc(res->dyn_nodes, sizeof(SchemaNode *) * res->ndyn * 2);
	}
	res->dyn_names[res->ndyn] = pstrdup(name);
	res->dyn_nodes[res->ndyn] = node;
	res->ndyn++;
}

static bool
is_plain_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			  (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static SchemaNode *
new_node(SchemaNodeKind kind, const Scope *scope)
{
	SchemaNode *n = palloc0(sizeof(SchemaNode));

	n->kind = kind;
	n->draft = scope->draft;
	n->resource = scope->res;
	n->location = psprintf("%s#%s", scope->res->uri, scope->rptr);
	n->min_length = n->max_length = -1;
	n->min_items = n->max_items = -1;
	n->min_contains = n->max_contains = -1;
	n->min_properties = n->max_properties = -1;
	if (kind == SN_TRUE)
		n->yn_pass = JST_ALL;
	else if (kind == SN_FALSE)
		n->yn_fail = JST_ALL;
	return n;
}

/*
 * Compile one schema (an object or a boolean) found at scope.
 */
static SchemaNode *
compile_value(CompileCtx *cc, JsonbValue *v, Scope *scope_in)
{
	JsonbValue	kv[K_COUNT];
	bool		present[K_COUNT];
	JsIter		it;
	JsonbValue	k,
				e;
	SchemaNode *node;
	Scope		scopebuf = *scope_in;
	Scope	   *scope = &scopebuf;
	int			dbit = 1 << scope->draft;
	int			i;
	bool		ref_overrides;
	NodeEntry  *ne;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();

	if (v->type == jbvBool)
		return new_node(v->val.boolean ? SN_TRUE : SN_FALSE, scope);
	if (!js_is_object(v))
		schema_error(scope, NULL, "a schema must be an object or a boolean");

	node = find_node(cc, v->val.binary.data);
	if (node)
		return node;

collect:
	memset(present, 0, sizeof(present));
	js_iter_init(&it, v->val.binary.data);
	while (js_iter_pair(&it, &k, &e))
	{
		for (i = 0; i < K_COUNT; i++)
		{
			if ((kwdefs[i].drafts & dbit) &&
				k.val.string.len == (int) strlen(kwdefs[i].name) &&
				memcmp(k.val.string.val, kwdefs[i].name, k.val.string.len) == 0)
			{
				kv[i] = e;
				present[i] = true;
				break;
			}
		}
	}

	/* an embedded resource (one with an id) may name its own draft */
	if (present[K_SCHEMA] && kv[K_SCHEMA].type == jbvString)
	{
		JsonSchemaDraft d;
		JsonbValue	idv;

		if (JsonSchemaDraftFromUri(kv[K_SCHEMA].val.string.val, kv[K_SCHEMA].val.string.len, &d) &&
			d != scope->draft &&
			(object_get(v->val.binary.data, "$id", &idv) || object_get(v->val.binary.data, "id", &idv)))
		{
			scope->draft = d;
			dbit = 1 << d;
			goto collect;
		}
	}

	if (scope->no_validation)
	{
		static const Kw validation[] = {
			K_TYPE, K_ENUM, K_CONST, K_MINIMUM, K_MAXIMUM, K_EXMIN, K_EXMAX,
			K_MULTIPLEOF, K_MINLENGTH, K_MAXLENGTH, K_PATTERN, K_MINITEMS,
			K_MAXITEMS, K_UNIQUE, K_MINCONTAINS, K_MAXCONTAINS, K_MINPROPS,
			K_MAXPROPS, K_REQUIRED, K_DEPREQ
		};

		for (i = 0; i < (int) lengthof(validation); i++)
			present[validation[i]] = false;
	}

	/* up to draft 7, "$ref" makes every sibling keyword be ignored */
	ref_overrides = present[K_REF] && scope->draft <= JSON_SCHEMA_DRAFT7;

	/* identifiers: a new resource, anchors */
	if (!ref_overrides && (present[K_ID] || present[K_ID4]))
	{
		JsonbValue *idv = present[K_ID] ? &kv[K_ID] : &kv[K_ID4];
		const char *kwname = present[K_ID] ? "$id" : "id";
		char	   *idstr;

		if (idv->type != jbvString)
			schema_error(scope, kwname, "the value must be a URI reference");
		idstr = str_of(idv);
		if (idstr[0] == '#' && scope->draft <= JSON_SCHEMA_DRAFT7)
		{
			/* draft 7 and earlier: "$id": "#name" is a plain-name anchor */
			add_ident(cc, psprintf("%s%s", scope->base, idstr), v, scope, false);
		}
		else
		{
			char	   *abs = JsonSchemaUriResolve(scope->base, idstr);
			char	   *frag;
			char	   *uri = JsonSchemaUriStripFragment(abs, &frag);
			SchemaResource *res;

			if (frag && frag[0] && scope->draft >= JSON_SCHEMA_DRAFT2019_09)
				schema_error(scope, kwname, "the value must not have a non-empty fragment");
			res = palloc0(sizeof(SchemaResource));
			res->uri = uri;
			scope->res = res;
			scope->base = uri;
			scope->rptr = "";
			add_ident(cc, uri, v, scope, false);
			if (frag && frag[0])
				add_ident(cc, abs, v, scope, false);
		}
	}

	node = new_node(SN_OBJECT, scope);
	{
		JsonbContainer *key = v->val.binary.data;

		ne = hash_search(cc->nodes, &key, HASH_ENTER, NULL);
		ne->node = node;
	}

	/* the definitions are compiled even beside a draft-7 $ref (anchors) */
	if (present[K_DEFS])
	{
		int			n;

		(void) compile_schema_map(cc, &kv[K_DEFS], scope, "$defs", &n);
	}
	if (present[K_DEFINITIONS])
	{
		int			n;

		(void) compile_schema_map(cc, &kv[K_DEFINITIONS], scope, "definitions", &n);
	}

	if (ref_overrides)
	{
		node->has = HAS_REF;
		add_pending(cc, node, scope, &kv[K_REF], REF_STATIC, "$ref");
		return node;
	}

	if (present[K_ANCHOR])
	{
		if (kv[K_ANCHOR].type != jbvString || !is_plain_name(str_of(&kv[K_ANCHOR])))
			schema_error(scope, "$anchor", "the value must be a plain name");
		add_ident(cc, psprintf("%s#%s", scope->base, str_of(&kv[K_ANCHOR])), v, scope, false);
	}
	if (present[K_DYNANCHOR])
	{
		char	   *name;

		if (kv[K_DYNANCHOR].type != jbvString || !is_plain_name(str_of(&kv[K_DYNANCHOR])))
			schema_error(scope, "$dynamicAnchor", "the value must be a plain name");
		name = str_of(&kv[K_DYNANCHOR]);
		add_ident(cc, psprintf("%s#%s", scope->base, name), v, scope, true);
		add_dynamic_anchor(scope->res, name, node);
	}
	if (present[K_RECANCHOR] && kv[K_RECANCHOR].type == jbvBool && kv[K_RECANCHOR].val.boolean)
		add_dynamic_anchor(scope->res, "", node);

	if (present[K_REF])
	{
		node->has |= HAS_REF;
		add_pending(cc, node, scope, &kv[K_REF], REF_STATIC, "$ref");
	}
	if (present[K_DYNREF])
	{
		node->has |= HAS_DYNREF;
		add_pending(cc, node, scope, &kv[K_DYNREF], REF_DYNAMIC, "$dynamicRef");
	}
	if (present[K_RECREF])
	{
		node->has |= HAS_DYNREF;
		add_pending(cc, node, scope, &kv[K_RECREF], REF_RECURSIVE, "$recursiveRef");
	}

	/* type, enum, const */
	if (present[K_TYPE])
	{
		node->has |= HAS_TYPE;
		if (kv[K_TYPE].type == jbvString)
			node->types = type_bit(scope, &kv[K_TYPE]);
		else if (js_is_array(&kv[K_TYPE]))
		{
			js_iter_init(&it, kv[K_TYPE].val.binary.data);
			while (js_iter_elem(&it, &e))
				node->types |= type_bit(scope, &e);
		}
		else
			schema_error(scope, "type", "the value must be a type name or an array of type names");
		/* every integer is a number */
		if (node->types & JST_NUMBER)
			node->types |= JST_INTEGER;
	}
	if (present[K_ENUM])
	{
		if (!js_is_array(&kv[K_ENUM]))
			schema_error(scope, "enum", "the value must be an array");
		node->has |= HAS_ENUM;
		node->nenum = JsonContainerSize(kv[K_ENUM].val.binary.data);
		node->enums = palloc(sizeof(JsonbValue) * Max(node->nenum, 1));
		js_iter_init(&it, kv[K_ENUM].val.binary.data);
		i = 0;
		while (js_iter_elem(&it, &e))
			node->enums[i++] = e;
		if (!sort_string_enum(node) && node->nenum >= ENUM_HASH_MIN)
			hash_enum(node);
	}
	if (present[K_CONST])
	{
		node->has |= HAS_CONST;
		node->constval = kv[K_CONST];
	}

	/* numbers */
	if (present[K_MINIMUM])
		node->minimum = get_number(scope, "minimum", &kv[K_MINIMUM]);
	if (present[K_MAXIMUM])
		node->maximum = get_number(scope, "maximum", &kv[K_MAXIMUM]);
	if (present[K_EXMIN])
	{
		if (scope->draft == JSON_SCHEMA_DRAFT4)
		{
			/* draft 4: a boolean that makes "minimum" exclusive */
			if (kv[K_EXMIN].type != jbvBool)
				schema_error(scope, "exclusiveMinimum", "the value must be a boolean");
			if (kv[K_EXMIN].val.boolean && node->minimum)
			{
				node->exclusive_minimum = node->minimum;
				node->minimum = NULL;
			}
		}
		else
			node->exclusive_minimum = get_number(scope, "exclusiveMinimum", &kv[K_EXMIN]);
	}
	if (present[K_EXMAX])
	{
		if (scope->draft == JSON_SCHEMA_DRAFT4)
		{
			if (kv[K_EXMAX].type != jbvBool)
				schema_error(scope, "exclusiveMaximum", "the value must be a boolean");
			if (kv[K_EXMAX].val.boolean && node->maximum)
			{
				node->exclusive_maximum = node->maximum;
				node->maximum = NULL;
			}
		}
		else
			node->exclusive_maximum = get_number(scope, "exclusiveMaximum", &kv[K_EXMAX]);
	}
	if (present[K_MULTIPLEOF])
	{
		node->multiple_of = get_number(scope, "multipleOf", &kv[K_MULTIPLEOF]);
		if (JsNumericIsZero(node->multiple_of->num) ||
			JsNumericCmp(node->multiple_of->num,
						 DatumGetNumeric(DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))) < 0)
			schema_error(scope, "multipleOf", "the value must be greater than 0");
	}
	if (node->minimum || node->maximum || node->exclusive_minimum ||
		node->exclusive_maximum || node->multiple_of)
		node->has |= HAS_NUMERIC;

	/* strings */
	if (present[K_MINLENGTH])
		node->min_length = get_count(scope, "minLength", &kv[K_MINLENGTH]);
	if (present[K_MAXLENGTH])
		node->max_length = get_count(scope, "maxLength", &kv[K_MAXLENGTH]);
	if (present[K_PATTERN])
	{
		char	   *err = NULL;
		bool		unsupported;

		if (kv[K_PATTERN].type != jbvString)
			schema_error(scope, "pattern", "the value must be a string");
		node->pattern_source = str_of(&kv[K_PATTERN]);
		node->pattern = JsonSchemaRegexCompileMode(kv[K_PATTERN].val.string.val,
												   kv[K_PATTERN].val.string.len,
												   CurrentMemoryContext, &err,
												   &unsupported,
												   scope->draft < JSON_SCHEMA_DRAFT2020_12);
		if (node->pattern == NULL && unsupported)
			note_unsupported(cc, scope, "pattern", err);
		else if (node->pattern == NULL)
			schema_error(scope, "pattern", "the value is not a valid regular expression (%s)",
						 err ? err : "syntax error");
	}
	if (present[K_FORMAT])
	{
		if (kv[K_FORMAT].type != jbvString)
			schema_error(scope, "format", "the value must be a string");
		node->format_name = str_of(&kv[K_FORMAT]);
		if (cc->options->format_assertion || scope->format_vocab)
			node->format = JsonSchemaFormatLookupDraft(node->format_name,
													   format_draft_number(scope->draft));
	}
	if (node->min_length >= 0 || node->max_length >= 0 || node->pattern || node->format)
		node->has |= HAS_STRING;

	/* arrays */
	if (present[K_PREFIXITEMS])
	{
		node->prefix_items = compile_array_of_schemas(cc, &kv[K_PREFIXITEMS], scope,
													  "prefixItems", &node->nprefix, false);
		node->prefix_keyword = "prefixItems";
	}
	if (present[K_ITEMS])
	{
		if (scope->draft <= JSON_SCHEMA_DRAFT2019_09 && js_is_array(&kv[K_ITEMS]))
		{
			node->prefix_items = compile_array_of_schemas(cc, &kv[K_ITEMS], scope,
														  "items", &node->nprefix, true);
			node->prefix_keyword = "items";
			if (present[K_ADDITEMS])
			{
				node->items = compile_sub(cc, &kv[K_ADDITEMS], scope, "additionalItems");
				node->items_keyword = "additionalItems";
			}
		}
		else
		{
			node->items = compile_sub(cc, &kv[K_ITEMS], scope, "items");
			node->items_keyword = "items";
		}
	}
	else if (present[K_ADDITEMS])
	{
		/* without array-form items, additionalItems does nothing, but compile it */
		(void) compile_sub(cc, &kv[K_ADDITEMS], scope, "additionalItems");
	}
	if (present[K_CONTAINS])
	{
		node->contains = compile_sub(cc, &kv[K_CONTAINS], scope, "contains");
		if (present[K_MINCONTAINS])
			node->min_contains = get_count(scope, "minContains", &kv[K_MINCONTAINS]);
		if (present[K_MAXCONTAINS])
			node->max_contains = get_count(scope, "maxContains", &kv[K_MAXCONTAINS]);
	}
	if (present[K_MINITEMS])
		node->min_items = get_count(scope, "minItems", &kv[K_MINITEMS]);
	if (present[K_MAXITEMS])
		node->max_items = get_count(scope, "maxItems", &kv[K_MAXITEMS]);
	if (present[K_UNIQUE])
	{
		if (kv[K_UNIQUE].type != jbvBool)
			schema_error(scope, "uniqueItems", "the value must be a boolean");
		node->unique_items = kv[K_UNIQUE].val.boolean;
	}
	if (present[K_UNEVALITEMS])
	{
		node->unevaluated_items = compile_sub(cc, &kv[K_UNEVALITEMS], scope, "unevaluatedItems");
		node->has |= HAS_UNEVAL_ITEMS;
	}
	if (node->prefix_items || node->items || node->contains || node->min_items >= 0 ||
		node->max_items >= 0 || node->unique_items)
		node->has |= HAS_ARRAY;

	/* objects */
	if (present[K_PROPERTIES])
	{
		node->properties = compile_schema_map(cc, &kv[K_PROPERTIES], scope, "properties",
											  &node->nproperties);
		sort_properties(node->properties, node->nproperties);
		for (i = 0; i < node->nproperties; i++)
			node->properties[i].type_only = type_only(node->properties[i].node);
	}
	if (present[K_PATTERNPROPS])
	{
		SchemaProperty *pp;
		int			n;

		pp = compile_schema_map(cc, &kv[K_PATTERNPROPS], scope, "patternProperties", &n);
		node->npattern_properties = n;
		node->pattern_properties = palloc0(sizeof(SchemaPatternProperty) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			char	   *err = NULL;
			bool		unsupported;
			Scope		ks;

			node->pattern_properties[i].source = pp[i].key.cstr;
			node->pattern_properties[i].node = pp[i].node;
			node->pattern_properties[i].re =
				JsonSchemaRegexCompileMode(pp[i].key.str, pp[i].key.len,
										   CurrentMemoryContext, &err, &unsupported,
										   scope->draft < JSON_SCHEMA_DRAFT2020_12);
			if (node->pattern_properties[i].re == NULL)
			{
				scope_child(scope, &ks, "patternProperties", strlen("patternProperties"));
				if (unsupported)
					note_unsupported(cc, &ks, pointer_escape(pp[i].key.str, pp[i].key.len),
									 err);
				else
					schema_error(&ks, pointer_escape(pp[i].key.str, pp[i].key.len),
								 "the property name is not a valid regular expression (%s)",
								 err ? err : "syntax error");
			}
		}
	}
	if (present[K_ADDPROPS])
	{
		node->additional_properties = compile_sub(cc, &kv[K_ADDPROPS], scope, "additionalProperties");
		node->additional_type_only = type_only(node->additional_properties);
	}
	if (present[K_PROPNAMES])
		node->property_names = compile_sub(cc, &kv[K_PROPNAMES], scope, "propertyNames");
	if (present[K_REQUIRED])
	{
		if (scope->draft == JSON_SCHEMA_DRAFT4 && js_is_array(&kv[K_REQUIRED]) &&
			JsonContainerSize(kv[K_REQUIRED].val.binary.data) == 0)
			node->nrequired = 0;
		else
			node->required = string_array(scope, "required", &kv[K_REQUIRED], &node->nrequired);
	}
	if (node->nrequired)
	{
		int			pi = 0;

		/*
		 * Which required names are also properties: a yes/no walk counts
		 * them as it meets their properties and looks up the others
		 * afterwards, instead of comparing every key with both lists.  Both
		 * lists are sorted the same way.
		 */
		node->required_extra = palloc0(sizeof(SchemaKey) * node->nrequired);
		for (i = 0; i < node->nrequired; i++)
		{
			SchemaKey  *r = &node->required[i];
			int			c = 1;

			while (pi < node->nproperties &&
				   (c = js_key_cmp(node->properties[pi].key.str, node->properties[pi].key.len,
								   r->str, r->len)) < 0)
				pi++;
			if (pi < node->nproperties && c == 0)
			{
				node->properties[pi].required = true;
				node->nrequired_props++;
			}
			else
				node->required_extra[node->nrequired_extra++] = *r;
		}
	}
	if (present[K_DEPENDENCIES] && (present[K_DEPREQ] || present[K_DEPSCHEMAS]))
		present[K_DEPENDENCIES] = false;	/* the new keywords win */
	if (present[K_DEPREQ] || present[K_DEPENDENCIES])
	{
		Kw			kwi = present[K_DEPREQ] ? K_DEPREQ : K_DEPENDENCIES;
		const char *kwname = kwdefs[kwi].name;
		int			n,
					nr = 0,
					ns = 0;
		Scope		ks,
					es;

		if (!js_is_object(&kv[kwi]))
			schema_error(scope, kwname, "the value must be an object");
		n = JsonContainerSize(kv[kwi].val.binary.data);
		node->dependent_required_keyword = kwname;
		node->dependent_required = palloc0(sizeof(SchemaDependentRequired) * Max(n, 1));
		if (kwi == K_DEPENDENCIES)
		{
			node->dependent_schemas = palloc0(sizeof(SchemaProperty) * Max(n, 1));
			node->dependent_schemas_keyword = "dependencies";
		}
		scope_child(scope, &ks, kwname, strlen(kwname));
		js_iter_init(&it, kv[kwi].val.binary.data);
		while (js_iter_pair(&it, &k, &e))
		{
			if (js_is_array(&e))
			{
				SchemaDependentRequired *d = &node->dependent_required[nr++];

				make_key(&d->key, &k);
				scope_child(&ks, &es, k.val.string.val, k.val.string.len);
				d->required = string_array(&es, NULL, &e, &d->nrequired);
			}
			else if (kwi == K_DEPENDENCIES)
			{
				scope_child(&ks, &es, k.val.string.val, k.val.string.len);
				make_key(&node->dependent_schemas[ns].key, &k);
				node->dependent_schemas[ns].node = compile_value(cc, &e, &es);
				ns++;
			}
			else
				schema_error(&ks, pointer_escape(k.val.string.val, k.val.string.len),
							 "the value must be an array of strings");
		}
		node->ndependent_required = nr;
		if (kwi == K_DEPENDENCIES)
			node->ndependent_schemas = ns;
	}
	if (present[K_DEPSCHEMAS])
	{
		node->dependent_schemas = compile_schema_map(cc, &kv[K_DEPSCHEMAS], scope, "dependentSchemas",
													 &node->ndependent_schemas);
		node->dependent_schemas_keyword = "dependentSchemas";
	}
	if (present[K_MINPROPS])
		node->min_properties = get_count(scope, "minProperties", &kv[K_MINPROPS]);
	if (present[K_MAXPROPS])
		node->max_properties = get_count(scope, "maxProperties", &kv[K_MAXPROPS]);
	if (present[K_UNEVALPROPS])
	{
		node->unevaluated_properties = compile_sub(cc, &kv[K_UNEVALPROPS], scope,
												   "unevaluatedProperties");
		node->has |= HAS_UNEVAL_PROPS;
	}
	for (i = 0; i < node->nproperties; i++)
	{
		SchemaNode *sub = node->properties[i].node;

		if (sub->kind == SN_OBJECT && (sub->has & HAS_CONST) &&
			!(sub->has & (HAS_REF | HAS_DYNREF)))
		{
			node->discriminator = &node->properties[i];
			break;
		}
	}
	if (node->nproperties || node->npattern_properties || node->additional_properties ||
		node->property_names || node->nrequired || node->ndependent_required ||
		node->ndependent_schemas || node->min_properties >= 0 || node->max_properties >= 0)
		node->has |= HAS_OBJECT;

	/* applicators */
	if (present[K_ALLOF])
		node->all_of = compile_array_of_schemas(cc, &kv[K_ALLOF], scope, "allOf", &node->nall_of, false);
	if (present[K_ANYOF])
		node->any_of = compile_array_of_schemas(cc, &kv[K_ANYOF], scope, "anyOf", &node->nany_of, false);
	if (present[K_ONEOF])
		node->one_of = compile_array_of_schemas(cc, &kv[K_ONEOF], scope, "oneOf", &node->none_of, false);
	if (present[K_NOT])
		node->not = compile_sub(cc, &kv[K_NOT], scope, "not");
	if (present[K_IF])
	{
		node->if_ = compile_sub(cc, &kv[K_IF], scope, "if");
		if (present[K_THEN])
			node->then_ = compile_sub(cc, &kv[K_THEN], scope, "then");
		if (present[K_ELSE])
			node->else_ = compile_sub(cc, &kv[K_ELSE], scope, "else");
	}
	else
	{
		/* then/else without if do nothing, but may hold identifiers */
		if (present[K_THEN])
			(void) compile_sub(cc, &kv[K_THEN], scope, "then");
		if (present[K_ELSE])
			(void) compile_sub(cc, &kv[K_ELSE], scope, "else");
	}
	if (node->nall_of || node->nany_of || node->none_of || node->not || node->if_)
		node->has |= HAS_APPLICATOR;

	/*
	 * A schema that is only an allOf of one schema ({"allOf": [{"$ref":
	 * ...}]} is common) answers as that schema where nothing is collected:
	 * validate() goes straight to it.
	 */
	if (node->has == HAS_APPLICATOR && node->nall_of == 1 && !node->nany_of &&
		!node->none_of && !node->not && !node->if_)
		node->yn_alias = node->all_of[0];

	return node;
}

/* ---------- what the instance's type alone decides ---------- */

#define YN_NEW		0
#define YN_BUSY		1
#define YN_DONE		2
#define YN_OPEN		3			/* undecidable: reaches a cycle or a dynamic ref */

/* The JST_ bits of the types of the values of a const or enum. */
static uint8
value_types(JsonbValue *vals, int n)
{
	uint8		t = 0;
	int			i;

	for (i = 0; i < n; i++)
		t |= js_value_jst(&vals[i]);
	return t;
}

/*
 * Set n->yn_pass and n->yn_fail (see SchemaNode), from its own keywords and
 * those of the nodes it applies in place (its $ref, allOf, anyOf, oneOf,
 * not, if/then/else).  Keywords of one type (minLength, properties...)
 * leave that type undecided; every other type of the node's "type" passes
 * them.  The answer is only ever a shortcut for what validate() would find,
 * so where validate() could do more than answer (follow an in-place cycle
 * of references to its error, or a $dynamicRef whose target depends on the
 * path), the node and every node that reaches it in place stay undecided:
 * false is returned for them.
 */
static bool
decide_types(SchemaNode *n)
{
	uint8		may = JST_ALL;	/* the types the node may pass */
	uint8		pass = JST_ALL;
	uint32		has;
	int			i;

	if (n->yn_state == YN_DONE)
		return true;
	if (n->yn_state != YN_NEW)
		return false;
	if (n->kind != SN_OBJECT)
	{
		/* true and false were decided when made */
		n->yn_state = YN_DONE;
		return true;
	}
	check_stack_depth();
	n->yn_state = YN_BUSY;
	has = n->has;
	if (has & HAS_DYNREF)
		goto open;
	if (has & HAS_TYPE)
	{
		uint8		t = n->types & JST_ALL;

		pass &= t;
		may &= t | ((n->types & JST_INTEGER) ? JST_NUMBER : 0);
	}
	if (has & HAS_NUMERIC)
		pass &= ~JST_NUMBER;
	if (has & HAS_STRING)
		pass &= ~JST_STRING;
	if (has & (HAS_ARRAY | HAS_UNEVAL_ITEMS))
		pass &= ~JST_ARRAY;
	if (has & (HAS_OBJECT | HAS_UNEVAL_PROPS))
		pass &= ~JST_OBJECT;
	if (has & HAS_CONST)
	{
		may &= value_types(&n->constval, 1);
		pass &= (n->constval.type == jbvNull) ? JST_NULL : 0;
	}
	if (has & HAS_ENUM)
	{
		may &= value_types(n->enums, n->nenum);
		/* null is the one value that is its type */
		pass &= (may & JST_NULL);
	}
	if (has & HAS_REF)
	{
		if (n->ref == NULL || !decide_types(n->ref))
			goto open;
		may &= ~n->ref->yn_fail;
		pass &= n->ref->yn_pass;
	}
	for (i = 0; i < n->nall_of; i++)
	{
		if (!decide_types(n->all_of[i]))
			goto open;
		may &= ~n->all_of[i]->yn_fail;
		pass &= n->all_of[i]->yn_pass;
	}
	if (n->nany_of)
	{
		uint8		m = 0,
					p = 0;

		for (i = 0; i < n->nany_of; i++)
		{
			if (!decide_types(n->any_of[i]))
				goto open;
			m |= ~n->any_of[i]->yn_fail;
			p |= n->any_of[i]->yn_pass;
		}
		may &= m;
		pass &= p;
	}
	if (n->none_of)
	{
		uint8		m1 = 0,		/* may pass in one branch at least */
					m2 = 0,		/* in two at least */
					p1 = 0,		/* pass in one at least */
					p2 = 0,
					p = 0;

		for (i = 0; i < n->none_of; i++)
		{
			SchemaNode *b = n->one_of[i];

			if (!decide_types(b))
				goto open;
			m2 |= m1 & ~b->yn_fail;
			m1 |= ~b->yn_fail;
			p2 |= p1 & b->yn_pass;
			p1 |= b->yn_pass;
			p |= b->yn_pass;
		}
		/* exactly one may pass and it does; two that pass fail oneOf */
		may &= m1 & ~p2;
		pass &= p & ~m2;
	}
	if (n->not)
	{
		if (!decide_types(n->not))
			goto open;
		may &= ~n->not->yn_pass;
		pass &= n->not->yn_fail;
	}
	if (n->if_)
	{
		SchemaNode *c = n->if_;
		uint8		tm = JST_ALL,
					tp = JST_ALL,
					em = JST_ALL,
					ep = JST_ALL;
		uint8		yes,
					no,
					either;

		if (!decide_types(c))
			goto open;
		if (n->then_)
		{
			if (!decide_types(n->then_))
				goto open;
			tm = ~n->then_->yn_fail;
			tp = n->then_->yn_pass;
		}
		if (n->else_)
		{
			if (!decide_types(n->else_))
				goto open;
			em = ~n->else_->yn_fail;
			ep = n->else_->yn_pass;
		}
		yes = c->yn_pass;		/* "then" applies */
		no = c->yn_fail;		/* "else" applies */
		either = ~(yes | no);
		may &= (yes & tm) | (no & em) | (either & (tm | em));
		pass &= (yes & tp) | (no & ep) | (either & tp & ep);
	}
	may &= JST_ALL;
	n->yn_pass = pass & may;
	n->yn_fail = JST_ALL & ~may;
	n->yn_state = YN_DONE;
	return true;

open:
	n->yn_pass = n->yn_fail = 0;
	n->yn_state = YN_OPEN;
	return false;
}

/*
 * decide_types() for every node compiled, then the copies in the parents,
 * and yn_direct
 */
static void
decide_all_types(CompileCtx *cc)
{
	HASH_SEQ_STATUS seq;
	NodeEntry  *ne;

	hash_seq_init(&seq, cc->nodes);
	while ((ne = hash_seq_search(&seq)) != NULL)
		(void) decide_types(ne->node);
	hash_seq_init(&seq, cc->nodes);
	while ((ne = hash_seq_search(&seq)) != NULL)
	{
		SchemaNode *n = ne->node;
		int			i;

		n->yn_props_walk = n->nproperties > 0 && n->npattern_properties == 0 &&
			n->property_names == NULL && n->ndependent_required == 0 &&
			n->ndependent_schemas == 0 && n->nrequired_extra == 0 &&
			(n->additional_properties == NULL || n->additional_properties->kind != SN_OBJECT);
		n->yn_direct = n->kind == SN_OBJECT && n->has != 0 &&
			!(n->has & ~(HAS_TYPE | HAS_ENUM | HAS_CONST | HAS_NUMERIC | HAS_STRING |
						 HAS_ARRAY | HAS_OBJECT));
		for (i = 0; i < n->nproperties; i++)
		{
			n->properties[i].yn_pass = n->properties[i].node->yn_pass;
			n->properties[i].yn_fail = n->properties[i].node->yn_fail;
		}
		if (n->additional_properties)
		{
			n->additional_yn_pass = n->additional_properties->yn_pass;
			n->additional_yn_fail = n->additional_properties->yn_fail;
		}
	}
}

/* ---------- references ---------- */

static char *
percent_decode(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	while (*s)
	{
		if (s[0] == '%' && isxdigit((unsigned char) s[1]) && isxdigit((unsigned char) s[2]))
		{
			char		hex[3] = {s[1], s[2], 0};

			appendStringInfoChar(&buf, (char) strtol(hex, NULL, 16));
			s += 3;
		}
		else
			appendStringInfoChar(&buf, *s++);
	}
	return buf.data;
}

/* Find (loading if need be) the resource with this URI (no fragment). */
static Ident *
load_resource(CompileCtx *cc, const char *uri, const PendingRef *p)
{
	Ident	   *id = find_ident(cc, uri);
	Jsonb	   *doc;
	bool		bundled = false;

	if (id)
		return id;
	if (list_length(cc->docs) >= MAX_DOCUMENTS)
		schema_error(&p->scope, p->keyword, "the schema refers to more than %d documents",
					 MAX_DOCUMENTS);
	doc = JsonSchemaBundledDocument(uri);
	if (doc)
		bundled = true;
	else if (cc->options->resolver)
		doc = cc->options->resolver(uri, cc->options->resolver_arg);
	if (doc == NULL)
		return NULL;
	/* keep our own copy: the compiled tree points into it */
	{
		Jsonb	   *copy = palloc(VARSIZE(doc));

		memcpy(copy, doc, VARSIZE(doc));
		doc = copy;
	}
	cc->docs = lappend(cc->docs, pstrdup(uri));
	(void) compile_document(cc, doc, uri, p->scope.draft, cc->metavalidate && !bundled);
	return find_ident(cc, uri);
}

static SchemaNode *
resolve_pointer(CompileCtx *cc, Ident *res, const char *frag, const PendingRef *p)
{
	JsonbValue	cur = res->value;
	Scope		scope = res->scope;
	char	   *ptr = percent_decode(frag);
	char	   *seg;
	SchemaNode *node;

	if (*ptr == '/')
	{
		seg = ptr + 1;
		for (;;)
		{
			char	   *slash = strchr(seg, '/');
			StringInfoData key;
			char	   *s;

			if (slash)
				*slash = '\0';
			initStringInfo(&key);
			for (s = seg; *s; s++)
			{
				if (s[0] == '~' && s[1] == '0')
				{
					appendStringInfoChar(&key, '~');
					s++;
				}
				else if (s[0] == '~' && s[1] == '1')
				{
					appendStringInfoChar(&key, '/');
					s++;
				}
				else
					appendStringInfoChar(&key, *s);
			}
			if (js_is_object(&cur))
			{
				JsonbValue	kval;
				JsonbValue *found;

				kval.type = jbvString;
				kval.val.string.val = key.data;
				kval.val.string.len = key.len;
				found = findJsonbValueFromContainer(cur.val.binary.data, JB_FOBJECT, &kval);
				if (found == NULL)
					return NULL;
				cur = *found;
				scope_child(&scope, &scope, key.data, key.len);
			}
			else if (js_is_array(&cur))
			{
				char	   *end;
				long		idx = strtol(key.data, &end, 10);
				JsonbValue *found;

				if (*end || key.len == 0 || idx < 0)
					return NULL;
				found = getIthJsonbValueFromContainer(cur.val.binary.data, (uint32) idx);
				if (found == NULL)
					return NULL;
				cur = *found;
				scope_index(&scope, &scope, (int) idx);
			}
			else
				return NULL;
			if (slash == NULL)
				break;
			seg = slash + 1;
		}
	}
	else if (*ptr != '\0')
		return NULL;

	if (cur.type == jbvBinary)
	{
		node = find_node(cc, cur.val.binary.data);
		if (node)
			return node;
	}
	if (cur.type != jbvBool && !js_is_object(&cur))
		return NULL;
	return compile_value(cc, &cur, &scope);
}

static void
resolve_pending(CompileCtx *cc, PendingRef *p)
{
	char	   *frag;
	char	   *docuri = JsonSchemaUriStripFragment(p->uri, &frag);
	SchemaNode *target = NULL;
	Ident	   *res;
	bool		is_anchor = frag && frag[0] && frag[0] != '/';

	res = load_resource(cc, docuri, p);
	if (res == NULL && cc->lenient)
	{
		/* checking a document alone: its references may come later */
		target = palloc0(sizeof(SchemaNode));
		target->kind = SN_TRUE;
		target->yn_pass = JST_ALL;
		if (p->kind == REF_STATIC)
			p->node->ref = target;
		else
			p->node->dynref = target;
		return;
	}
	if (res == NULL && cc->options->resolver == NULL)
		schema_error(&p->scope, p->keyword, "cannot resolve reference \"%s\": the IMMUTABLE functions resolve no registered document",
					 p->uri);
	if (res == NULL)
		schema_error(&p->scope, p->keyword, "cannot resolve reference \"%s\": no such document is registered",
					 p->uri);
	if (is_anchor)
	{
		Ident	   *a = find_ident(cc, psprintf("%s#%s", docuri, percent_decode(frag)));

		if (a)
			target = resolve_pointer(cc, a, "", p);
	}
	else
		target = resolve_pointer(cc, res, frag ? frag : "", p);

	if (target == NULL)
		schema_error(&p->scope, p->keyword, "cannot resolve reference \"%s\"", p->uri);

	if (p->kind == REF_STATIC)
		p->node->ref = target;
	else if (p->kind == REF_DYNAMIC)
	{
		int			i;

		p->node->dynref = target;
		/* dynamic only when the static target carries the same $dynamicAnchor */
		if (is_anchor && target->kind == SN_OBJECT && target->resource)
		{
			char	   *name = percent_decode(frag);

			for (i = 0; i < target->resource->ndyn; i++)
				if (target->resource->dyn_nodes[i] == target &&
					strcmp(target->resource->dyn_names[i], name) == 0)
				{
					p->node->dynref_anchor = name;
					cc->dynamic_scope = true;
				}
		}
	}
	else
	{
		int			i;

		/* $recursiveRef: dynamic when the target has $recursiveAnchor: true */
		p->node->dynref = target;
		if (target->kind == SN_OBJECT && target->resource)
			for (i = 0; i < target->resource->ndyn; i++)
				if (target->resource->dyn_nodes[i] == target &&
					target->resource->dyn_names[i][0] == '\0')
				{
					p->node->dynref_anchor = "";
					cc->dynamic_scope = true;
				}
	}
}

/* ---------- documents ---------- */

static void
metavalidate_document(Jsonb *doc, JsonSchemaDraft draft, const char *uri)
{
	JsonSchemaCompiled *meta = JsonSchemaMetaschemaFor(draft);
	List	   *errors = NIL;
	JsonbValue	root;

	if (meta == NULL)
		return;
	js_root(doc, &root);
	if (!JsonSchemaValidateNode(meta->root, &root, &errors))
	{
		JsonSchemaError *first = NULL;
		ListCell   *lc;

		/* the deepest error is the most precise one */
		foreach(lc, errors)
		{
			JsonSchemaError *e = lfirst(lc);

			if (first == NULL || strlen(e->instanceLocation) > strlen(first->instanceLocation))
				first = e;
		}
		if (first == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid JSON Schema"),
					 errdetail("The schema is not valid against the %s metaschema.",
							   JsonSchemaDraftName(draft))));
		if (uri && uri[0])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid JSON Schema"),
					 errdetail("At \"%s\" in document \"%s\": not valid against the %s metaschema: %s (metaschema keyword %s).",
							   first->instanceLocation, uri, JsonSchemaDraftName(draft),
							   first->message, first->keywordLocation)));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Schema"),
				 errdetail("At \"%s\": not valid against the %s metaschema: %s (metaschema keyword %s).",
						   first->instanceLocation, JsonSchemaDraftName(draft),
						   first->message, first->keywordLocation)));
	}
}

static SchemaNode *
compile_document(CompileCtx *cc, Jsonb *doc, const char *uri, JsonSchemaDraft draft,
				 bool metavalidate)
{
	JsonbValue	root;
	Scope		scope;
	SchemaResource *res;
	bool		known;
	bool		no_validation;
	bool		format_vocab;

	js_root(doc, &root);
	draft = document_draft(cc, &root, draft, &known, &no_validation, &format_vocab, uri);
	if (metavalidate)
		metavalidate_document(doc, draft, uri);

	res = palloc0(sizeof(SchemaResource));
	res->uri = pstrdup(uri);
	scope.res = res;
	scope.base = res->uri;
	scope.rptr = "";
	scope.doc = uri;
	scope.dptr = "";
	scope.draft = draft;
	scope.no_validation = no_validation;
	scope.format_vocab = format_vocab;
	if (root.type != jbvBool && !js_is_object(&root))
		schema_error(&scope, NULL, "a schema must be an object or a boolean");
	add_ident(cc, res->uri, &root, &scope, false);
	return compile_value(cc, &root, &scope);
}

/*
 * Compile into CurrentMemoryContext.  *draft_out gets the root's draft.
 */
SchemaNode *
JsonSchemaCompileTree(Jsonb *schema, const JsonSchemaOptions *options,
					  bool metavalidate, bool lenient, JsonSchemaDraft *draft_out)
{
	CompileCtx	cc;
	SchemaNode *root;
	JsonbValue	rootv;
	bool		known;
	bool		no_validation;
	bool		format_vocab;
	int			i;

	memset(&cc, 0, sizeof(cc));
	{
		HASHCTL		hc;

		/* the tables live only as long as the compile's scratch memory */
		memset(&hc, 0, sizeof(hc));
		hc.keysize = sizeof(uint32);
		hc.entrysize = sizeof(IdentBucket);
		hc.hcxt = CurrentMemoryContext;
		cc.idents = hash_create("goodgo_events schema identifiers", 64, &hc,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		hc.keysize = sizeof(JsonbContainer *);
		hc.entrysize = sizeof(NodeEntry);
		cc.nodes = hash_create("goodgo_events schema nodes", 256, &hc,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	cc.options = options;
	cc.metavalidate = metavalidate;
	cc.lenient = lenient;

	js_root(schema, &rootv);
	*draft_out = document_draft(&cc, &rootv, options->default_draft, &known, &no_validation,
								&format_vocab, "");

	/* the root document has no retrieval URI: "" until an $id says more */
	root = compile_document(&cc, schema, "", options->default_draft, metavalidate);

	/* resolving can load documents, which add references: loop to the end */
	for (i = 0; i < list_length(cc.pending); i++)
	{
		CHECK_FOR_INTERRUPTS();
		resolve_pending(&cc, list_nth(cc.pending, i));
	}
	if (cc.unsupported_reason != NULL)
		report_unsupported(&cc);
	decide_all_types(&cc);
	root->dynamic_scope = cc.dynamic_scope;
	return root;
}
