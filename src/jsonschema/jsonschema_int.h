/*
 * jsonschema_int.h
 *		Internals shared by the phases of the JSON Schema library: the
 *		compiled tree (compile.c builds it, validate.c walks it), direct
 *		readers of jsonb containers and numerics, and URI helpers.
 *
 * Nothing outside src/jsonschema/ includes this file, except that
 * src/jsonb_text.c shares the direct jsonb readers (JsIter and js_*) rather
 * than keeping a second copy of them.
 */
#ifndef GOODGO_JSONSCHEMA_INT_H
#define GOODGO_JSONSCHEMA_INT_H

#include "postgres.h"

#include "fmgr.h"
#include "port/pg_bswap.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "jsonschema/format.h"
#include "jsonschema/jsonschema.h"
#include "jsonschema/regex.h"

/* Bits of SchemaNode.types */
#define JST_NULL		0x01
#define JST_BOOLEAN		0x02
#define JST_OBJECT		0x04
#define JST_ARRAY		0x08
#define JST_NUMBER		0x10
#define JST_STRING		0x20
#define JST_INTEGER		0x40
/* every type an instance can have (JST_NUMBER for all numbers) */
#define JST_ALL			(JST_NULL | JST_BOOLEAN | JST_OBJECT | JST_ARRAY | JST_NUMBER | JST_STRING)

typedef enum SchemaNodeKind
{
	SN_TRUE,					/* boolean schema true, or {} */
	SN_FALSE,					/* boolean schema false */
	SN_OBJECT					/* a schema object with keywords */
} SchemaNodeKind;

typedef struct SchemaNode SchemaNode;

/*
 * A schema resource: the subtree under a document root or an "$id".  It is
 * what enters the dynamic scope when evaluation crosses into it.
 */
typedef struct SchemaResource
{
	char	   *uri;			/* absolute URI without fragment, may be "" */
	int			ndyn;			/* its $dynamicAnchors */
	char	  **dyn_names;
	SchemaNode **dyn_nodes;
} SchemaResource;

/* A number from the schema, with a fast path for small integers. */
typedef struct SchemaNumber
{
	Numeric		num;
	bool		is_small;		/* integral and fits small */
	int64		small;
	char	   *text;			/* for messages */
} SchemaNumber;

/* A name from the schema, ready to compare with jsonb keys. */
typedef struct SchemaKey
{
	const char *str;
	int			len;
	char	   *cstr;			/* NUL-terminated copy, for messages */
} SchemaKey;

typedef struct SchemaProperty
{
	SchemaKey	key;
	SchemaNode *node;
	bool		required;		/* "properties": also in the node's "required" */
	uint8		type_only;		/* "properties": the JST_ types when node is
								 * {"type": ...} alone, else 0 */
	uint8		yn_pass;		/* node's yn_pass and yn_fail, kept here so */
	uint8		yn_fail;		/* that a member's walk need not load node */
} SchemaProperty;

typedef struct SchemaPatternProperty
{
	JsonSchemaRegex *re;
	char	   *source;			/* the pattern, for keyword locations */
	SchemaNode *node;
} SchemaPatternProperty;

typedef struct SchemaDependentRequired
{
	SchemaKey	key;
	int			nrequired;
	SchemaKey  *required;
} SchemaDependentRequired;

/* Which keywords a node has: bits of SchemaNode.has */
#define HAS_TYPE			(1U << 0)
#define HAS_ENUM			(1U << 1)
#define HAS_CONST			(1U << 2)
#define HAS_NUMERIC			(1U << 3)	/* any of the five number keywords */
#define HAS_STRING			(1U << 4)	/* min/maxLength, pattern, format */
#define HAS_ARRAY			(1U << 5)	/* any array keyword */
#define HAS_OBJECT			(1U << 6)	/* any object keyword */
#define HAS_APPLICATOR		(1U << 7)	/* allOf anyOf oneOf not if */
#define HAS_REF				(1U << 8)
#define HAS_DYNREF			(1U << 9)
#define HAS_UNEVAL_PROPS	(1U << 10)
#define HAS_UNEVAL_ITEMS	(1U << 11)

struct SchemaNode
{
	SchemaNodeKind kind;
	JsonSchemaDraft draft;
	uint32		has;
	SchemaResource *resource;
	char	   *location;		/* absolute URI of this node, with a pointer fragment */

	uint8		types;

	int			nenum;
	JsonbValue *enums;			/* sorted by hash when enum_hashes is set */
	uint32	   *enum_hashes;	/* JsonSchemaJsonHash of each, ascending */
	JsonbValue *enum_strings;	/* when all are strings: sorted as jsonb keys */
	JsonbValue	constval;

	/* numbers */
	SchemaNumber *minimum;
	SchemaNumber *maximum;
	SchemaNumber *exclusive_minimum;
	SchemaNumber *exclusive_maximum;
	SchemaNumber *multiple_of;

	/* strings */
	int64		min_length;		/* -1 when absent */
	int64		max_length;
	JsonSchemaRegex *pattern;
	char	   *pattern_source;
	JsonSchemaFormatCheck format;
	char	   *format_name;

	/* arrays */
	int			nprefix;
	SchemaNode **prefix_items;	/* prefixItems, or array-form items */
	SchemaNode *items;			/* for the items after the prefix */
	const char *items_keyword;	/* "items" or "additionalItems" */
	const char *prefix_keyword; /* "prefixItems" or "items" */
	SchemaNode *contains;
	int64		min_contains;	/* -1 when absent */
	int64		max_contains;
	int64		min_items;
	int64		max_items;
	bool		unique_items;
	SchemaNode *unevaluated_items;

	/* objects */
	int			nproperties;	/* sorted as jsonb sorts keys */
	SchemaProperty *properties;
	int			npattern_properties;
	SchemaPatternProperty *pattern_properties;
	SchemaNode *additional_properties;
	uint8		additional_type_only;	/* as SchemaProperty.type_only */
	SchemaNode *property_names;
	int			nrequired;		/* sorted as jsonb sorts keys, no duplicates */
	SchemaKey  *required;
	int			nrequired_props;	/* how many of them are in "properties" */
	int			nrequired_extra;	/* the others */
	SchemaKey  *required_extra;
	SchemaProperty *discriminator;	/* a property whose schema has "const"
									 * (and no $ref): see branch_quick() */
	int			ndependent_required;
	SchemaDependentRequired *dependent_required;
	const char *dependent_required_keyword; /* "dependentRequired" or "dependencies" */
	int			ndependent_schemas;
	SchemaProperty *dependent_schemas;
	const char *dependent_schemas_keyword;	/* "dependentSchemas" or "dependencies" */
	int64		min_properties;
	int64		max_properties;
	SchemaNode *unevaluated_properties;

	/* applicators */
	int			nall_of;
	SchemaNode **all_of;
	int			nany_of;
	SchemaNode **any_of;
	int			none_of;
	SchemaNode **one_of;
	SchemaNode *not;
	SchemaNode *if_;
	SchemaNode *then_;
	SchemaNode *else_;

	SchemaNode *yn_alias;		/* answers as this node in yes/no mode (an
								 * allOf of one schema and nothing else) */

	/*
	 * The instance types (JST_ bits, JST_NUMBER for any number) for which
	 * the yes/no answer is known from the type alone: yn_pass, the node
	 * passes every instance of the type; yn_fail, none.  0 is "not known",
	 * so a node made with palloc0 is safe.  Set by the compiler (see
	 * decide_types() there) only where nothing the node reaches without
	 * moving into the instance refers back or is dynamic.
	 */
	uint8		yn_pass;
	uint8		yn_fail;
	uint8		yn_state;		/* the compiler's: done, busy, undecidable */
	uint8		additional_yn_pass; /* additional_properties' yn_pass */
	uint8		additional_yn_fail;
	bool		yn_props_walk;	/* objects: see check_props_yn() */
	bool		yn_direct;		/* has only "type", "enum", "const" and keywords
								 * of one type: see validate_direct() */
	SchemaNode *ref;			/* $ref target, resolved after the walk */
	SchemaNode *dynref;			/* $dynamicRef static target */
	char	   *dynref_anchor;	/* name to look up in the dynamic scope, or NULL */

	bool		dynamic_scope;	/* root only: some node of the tree has a
								 * dynref_anchor, so validation keeps the
								 * dynamic scope */
};

struct JsonSchemaCompiled
{
	MemoryContext cxt;
	SchemaNode *root;
	JsonSchemaDraft draft;
	bool		format_assertion;
};

/* jsonschema.c: the caches, for the SQL functions of pgjsonschema.c */
extern JsonSchemaCompiled *JsonSchemaCallSiteCompiled(FunctionCallInfo fcinfo,
													  Jsonb *(*get_schema) (FunctionCallInfo),
													  int draft, bool format, bool registry,
													  bool lookup_only);
extern bool JsonSchemaCompilesCleanly(Jsonb *schema, const JsonSchemaOptions *options,
									  bool lenient, char **error_out);
extern Jsonb *JsonSchemaTextToJsonb(text *t);

/* compile.c */
extern SchemaNode *JsonSchemaCompileTree(Jsonb *schema, const JsonSchemaOptions *options,
										 bool metavalidate, bool lenient,
										 JsonSchemaDraft *draft_out);
extern bool JsonSchemaDraftFromUri(const char *uri, int len, JsonSchemaDraft *draft);
extern const char *JsonSchemaDraftName(JsonSchemaDraft draft);

/* metaschemas.c (generated) */
typedef struct BundledMetaschema
{
	const char *uri;
	const char *text;
} BundledMetaschema;
extern const BundledMetaschema JsonSchemaBundled[];
extern const int JsonSchemaNumBundled;

/* meta.c */
extern Jsonb *JsonSchemaBundledDocument(const char *uri);
extern JsonSchemaCompiled *JsonSchemaMetaschemaFor(JsonSchemaDraft draft);

/* uri.c */
extern char *JsonSchemaUriResolve(const char *base, const char *ref);
extern char *JsonSchemaUriStripFragment(const char *uri, char **fragment);

/* validate.c */
extern bool JsonSchemaValidateNode(SchemaNode *root, JsonbValue *instance, List **errors);
extern bool JsonSchemaJsonEqual(JsonbValue *a, JsonbValue *b);
extern uint32 JsonSchemaJsonHash(JsonbValue *v);

/* enums with at least this many values are looked up by hash */
#define ENUM_HASH_MIN		8

/*
 * Direct access to jsonb containers.  JsonbValues of kind jbvBinary point
 * into the container; nothing is copied.
 */
typedef struct JsIter
{
	JsonbContainer *jc;
	char	   *base;
	int			i;
	int			n;				/* elements, or pairs for objects */
	uint32		koff;			/* running offset of keys (or elements) */
	uint32		voff;			/* running offset of values (objects) */
	uint32		vstart;			/* offset of the last key's value */
} JsIter;

static inline void
js_fill(JsonbContainer *jc, int index, char *base, uint32 offset, uint32 len,
		JsonbValue *v)
{
	JEntry		entry = jc->children[index];

	if (JBE_ISNULL(entry))
		v->type = jbvNull;
	else if (JBE_ISSTRING(entry))
	{
		v->type = jbvString;
		v->val.string.val = base + offset;
		v->val.string.len = len;
	}
	else if (JBE_ISNUMERIC(entry))
	{
		v->type = jbvNumeric;
		v->val.numeric = (Numeric) (base + INTALIGN(offset));
	}
	else if (JBE_ISBOOL_TRUE(entry))
	{
		v->type = jbvBool;
		v->val.boolean = true;
	}
	else if (JBE_ISBOOL_FALSE(entry))
	{
		v->type = jbvBool;
		v->val.boolean = false;
	}
	else
	{
		v->type = jbvBinary;
		v->val.binary.data = (JsonbContainer *) (base + INTALIGN(offset));
		v->val.binary.len = len - (INTALIGN(offset) - offset);
	}
}

/*
 * Where the data of child "index" starts, as jsonb_util.c's getJsonbOffset
 * computes it (lengths summed back to the nearest stored offset, at most
 * JB_OFFSET_STRIDE entries), but inlined: the walkers call it for every
 * object they open.
 */
static inline uint32
js_child_offset(const JsonbContainer *jc, int index)
{
	uint32		offset = 0;
	int			i;

	for (i = index - 1; i >= 0; i--)
	{
		offset += JBE_OFFLENFLD(jc->children[i]);
		if (JBE_HAS_OFF(jc->children[i]))
			break;
	}
	return offset;
}

static inline void
js_iter_init(JsIter *it, JsonbContainer *jc)
{
	int			n = JsonContainerSize(jc);

	it->jc = jc;
	it->i = 0;
	it->n = n;
	it->koff = 0;
	if (JsonContainerIsObject(jc))
	{
		it->base = (char *) &jc->children[n * 2];
		it->voff = js_child_offset(jc, n);
	}
	else
	{
		it->base = (char *) &jc->children[n];
		it->voff = 0;
	}
}

static inline uint32
js_entry_len(JEntry entry, uint32 offset)
{
	return JBE_HAS_OFF(entry) ? JBE_OFFLENFLD(entry) - offset : JBE_OFFLENFLD(entry);
}

/* Next array element; false at the end. */
static inline bool
js_iter_elem(JsIter *it, JsonbValue *v)
{
	JEntry		e;
	uint32		len;

	if (it->i >= it->n)
		return false;
	e = it->jc->children[it->i];
	len = js_entry_len(e, it->koff);
	js_fill(it->jc, it->i, it->base, it->koff, len, v);
	it->koff += len;
	it->i++;
	return true;
}

/*
 * Next object key (a jbvString); false at the end.  Its value is not read:
 * js_iter_value() reads it, js_iter_value_jst() only says its type.
 */
static inline bool
js_iter_key(JsIter *it, JsonbValue *k)
{
	JEntry		e;
	uint32		len;

	if (it->i >= it->n)
		return false;
	e = it->jc->children[it->i];
	len = js_entry_len(e, it->koff);
	k->type = jbvString;
	k->val.string.val = it->base + it->koff;
	k->val.string.len = len;
	it->koff += len;
	e = it->jc->children[it->i + it->n];
	it->vstart = it->voff;
	it->voff += js_entry_len(e, it->voff);
	it->i++;
	return true;
}

/* The value of the key js_iter_key() returned last. */
static inline void
js_iter_value(JsIter *it, JsonbValue *v)
{
	js_fill(it->jc, it->i - 1 + it->n, it->base, it->vstart, it->voff - it->vstart, v);
}

/*
 * The JST_ bit of a child's type from its JEntry, without reading the value
 * (JST_NUMBER for any number: whether it is an integer takes reading it).
 * A container's kind is read from its header at base + offset, or it is 0
 * without "containers".
 */
static inline uint8
js_entry_jst(JEntry entry, char *base, uint32 offset, bool containers)
{
	/* by JEntry type: string, numeric, false, true, null, container */
	static const uint8 jst[8] = {JST_STRING, JST_NUMBER, JST_BOOLEAN, JST_BOOLEAN,
	JST_NULL, 0, 0, 0};
	uint8		t = jst[(entry & JENTRY_TYPEMASK) >> 28];

	StaticAssertStmt(JENTRY_ISSTRING >> 28 == 0 && JENTRY_ISNUMERIC >> 28 == 1 &&
					 JENTRY_ISBOOL_FALSE >> 28 == 2 && JENTRY_ISBOOL_TRUE >> 28 == 3 &&
					 JENTRY_ISNULL >> 28 == 4 && JENTRY_ISCONTAINER >> 28 == 5,
					 "JEntry type codes changed");
	if (t == 0 && containers)
		t = JsonContainerIsObject((JsonbContainer *) (base + INTALIGN(offset)))
			? JST_OBJECT : JST_ARRAY;
	return t;
}

/* The JST_ bit of a value's type (JST_NUMBER for any number). */
static inline uint8
js_value_jst(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return JST_NULL;
		case jbvBool:
			return JST_BOOLEAN;
		case jbvNumeric:
			return JST_NUMBER;
		case jbvString:
			return JST_STRING;
		case jbvBinary:
			return JsonContainerIsObject(v->val.binary.data) ? JST_OBJECT : JST_ARRAY;
		case jbvObject:
			return JST_OBJECT;
		case jbvArray:
			return JST_ARRAY;
		default:
			return 0;
	}
}

/* The JST_ bit of the type of the value of the key js_iter_key() returned last. */
static inline uint8
js_iter_value_jst(JsIter *it)
{
	return js_entry_jst(it->jc->children[it->i - 1 + it->n], it->base, it->vstart, true);
}

/*
 * Are the values of an object (or the elements of an array) decided by their
 * types alone (see SchemaNode.yn_pass)?  Read from their JEntries only: 1
 * every one has a type in pass, 0 one has a type in fail, -1 one has a type
 * in neither (it takes the walk).
 */
static inline int
js_children_decided(JsonbContainer *jc, uint8 pass, uint8 fail)
{
	int			n = JsonContainerSize(jc);
	int			first = JsonContainerIsObject(jc) ? n : 0;
	char	   *base = (char *) &jc->children[first + n];
	uint32		off;
	int			i;

	if (!(pass & (JST_OBJECT | JST_ARRAY)) &&
		(fail & (JST_OBJECT | JST_ARRAY)) == (JST_OBJECT | JST_ARRAY))
	{
		/* every container fails: the type codes alone, no offsets */
		for (i = first; i < first + n; i++)
		{
			uint8		t = js_entry_jst(jc->children[i], NULL, 0, false);

			if (!(t & pass))
				return t == 0 || (t & fail) ? 0 : -1;
		}
		return 1;
	}
	off = first ? js_child_offset(jc, first) : 0;
	for (i = first; i < first + n; i++)
	{
		JEntry		entry = jc->children[i];
		uint8		t = js_entry_jst(entry, base, off, true);

		if (!(t & pass))
			return (t & fail) ? 0 : -1;
		off += js_entry_len(entry, off);
	}
	return 1;
}

/* Next object pair; false at the end.  The key is a jbvString. */
static inline bool
js_iter_pair(JsIter *it, JsonbValue *k, JsonbValue *v)
{
	if (!js_iter_key(it, k))
		return false;
	js_iter_value(it, v);
	return true;
}

/*
 * The order jsonb keeps object keys in: by length, then bytes.  Keys are
 * short and, when a key matches, equal to the end: rather than a call to
 * memcmp or a loop over bytes, compare whole words, loaded as big-endian
 * numbers where they differ so that the numeric order is the bytes' order.
 * A key that is not a multiple of the word size ends with a word that
 * overlaps the one before it (bytes already found equal compare equal
 * again), and keys under 8 bytes take one or two overlapping 4- or 2-byte
 * loads: nothing is read outside either key.
 */
static pg_attribute_always_inline int
js_key_cmp(const char *a, int alen, const char *b, int blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	if (alen >= 8)
	{
		uint64		x,
					y;
		int			i;

		for (i = 0; i + 8 < alen; i += 8)
		{
			memcpy(&x, a + i, sizeof(x));
			memcpy(&y, b + i, sizeof(y));
			if (x != y)
				goto differ64;
		}
		memcpy(&x, a + alen - 8, sizeof(x));
		memcpy(&y, b + alen - 8, sizeof(y));
		if (x == y)
			return 0;
differ64:
		return pg_hton64(x) < pg_hton64(y) ? -1 : 1;
	}
	if (alen >= 4)
	{
		uint32		x,
					y;

		memcpy(&x, a, sizeof(x));
		memcpy(&y, b, sizeof(y));
		if (x == y)
		{
			memcpy(&x, a + alen - 4, sizeof(x));
			memcpy(&y, b + alen - 4, sizeof(y));
			if (x == y)
				return 0;
		}
		return pg_hton32(x) < pg_hton32(y) ? -1 : 1;
	}
	if (alen >= 2)
	{
		uint16		x,
					y;

		memcpy(&x, a, sizeof(x));
		memcpy(&y, b, sizeof(y));
		if (x == y)
		{
			memcpy(&x, a + alen - 2, sizeof(x));
			memcpy(&y, b + alen - 2, sizeof(y));
			if (x == y)
				return 0;
		}
		return pg_hton16(x) < pg_hton16(y) ? -1 : 1;
	}
	if (alen == 1 && a[0] != b[0])
		return (unsigned char) a[0] < (unsigned char) b[0] ? -1 : 1;
	return 0;
}

/*
 * The value of key in object jc: true, with *v filled, when it is there.  A
 * binary search over the sorted keys, as getKeyJsonValueFromContainer()
 * does, with the offsets summed inline and nothing allocated.
 */
static inline bool
js_object_find(JsonbContainer *jc, const char *key, int len, JsonbValue *v)
{
	int			n = JsonContainerSize(jc);
	char	   *base = (char *) &jc->children[n * 2];
	int			found = -1;
	uint32		voff;

	if (n <= 8)
	{
		/* a few keys: in order, with a running offset */
		uint32		off = 0;
		int			i;

		for (i = 0; i < n; i++)
		{
			uint32		klen = js_entry_len(jc->children[i], off);
			int			c = js_key_cmp(base + off, klen, key, len);

			if (c >= 0)
			{
				if (c == 0)
					found = i;
				break;
			}
			off += klen;
		}
	}
	else
	{
		int			lo = 0,
					hi = n;

		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;
			uint32		off = js_child_offset(jc, mid);
			int			c = js_key_cmp(base + off, js_entry_len(jc->children[mid], off), key, len);

			if (c == 0)
			{
				found = mid;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (found < 0)
		return false;
	if (v)
	{
		voff = js_child_offset(jc, found + n);
		js_fill(jc, found + n, base, voff, js_entry_len(jc->children[found + n], voff), v);
	}
	return true;
}

/* The root value of a jsonb datum (scalars unwrapped). */
static inline void
js_root(Jsonb *jb, JsonbValue *v)
{
	if (JB_ROOT_IS_SCALAR(jb))
		JsonbExtractScalar(&jb->root, v);
	else
	{
		v->type = jbvBinary;
		v->val.binary.data = &jb->root;
		v->val.binary.len = VARSIZE(jb) - VARHDRSZ;
	}
}

static inline bool
js_is_object(JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

static inline bool
js_is_array(JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
}

/* numeric.c-free readers of the stored numeric format (numutil.c) */
extern bool JsNumericIsIntegral(Numeric num);
extern bool JsNumericSmallInt(Numeric num, int64 *out);
extern bool JsNumericIsZero(Numeric num);
extern int	JsNumericCmp(Numeric a, Numeric b);

#endif							/* GOODGO_JSONSCHEMA_INT_H */
