/*
 * validate.c
 *		Walk a compiled schema tree over a jsonb value.
 *
 * The instance is read in place: containers through js_iter_* (no iterator
 * allocations, no text), numbers through the numeric fast paths.  Two modes:
 *
 *	- yes/no (errors == NULL): stop at the first failure; no paths are built.
 *	- collect: keep going, and record one output unit per failing keyword
 *	  with its keywordLocation (the evaluation path), instanceLocation and,
 *	  after a $ref, absoluteKeywordLocation.  Branches that do not decide the
 *	  outcome (a passing anyOf's failed branches, "not", "if") leave no
 *	  errors behind.
 *
 * Annotations for unevaluatedProperties/unevaluatedItems are a mark per
 * object member or array element (by position in the container), collected
 * only under a node that has one of those keywords: every node with such a
 * keyword starts its own marks, so keywords of a parent or a cousin never
 * leak in, and passes them to in-place applicators ($ref, allOf, ...), whose
 * marks are kept only when they pass.
 *
 * A $ref cycle that consumes no instance (a schema referring to itself
 * forever) is cut off after MAX_INPLACE_REFS references without moving into
 * the instance; deep instances are bounded by check_stack_depth().
 *
 * Messages name the keyword and what the schema expects, never instance
 * values.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "jsonschema/jsonschema_int.h"

#define MAX_INPLACE_REFS	256

typedef struct Annot
{
	int			n;
	bool	   *m;
} Annot;

typedef struct VCtx
{
	bool		paths;			/* errors wanted: build paths */
	bool		collect;		/* record errors now (false inside not/if) */
	List	   *errors;
	StringInfoData kpath;
	StringInfoData ipath;
	int			depth;			/* validate() calls on the stack, leaves aside */
	int			ref_depth;		/* $refs crossed on the current path */
	int			inplace;		/* refs followed without consuming instance */
	bool		dynamic_scope;	/* keep the scope: the tree looks it up */
	int			nscope;
	int			maxscope;
	SchemaResource **scope;
} VCtx;

static bool validate_node(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann);
static bool validate_yn(VCtx *cx, SchemaNode *node, JsonbValue *v);
static bool check_object_yn(VCtx *cx, SchemaNode *node, JsonbValue *v);
static bool check_array_yn(VCtx *cx, SchemaNode *node, JsonbValue *v);

static pg_noinline void
ref_cycle_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid JSON Schema"),
			 errdetail("The schema follows more than %d references without moving into the instance, so it refers to itself forever.",
					   MAX_INPLACE_REFS)));
}

/*
 * Validate v against node.  In yes/no mode without a dynamic scope:
 *
 *	- a schema that is only a "$ref" (most are: before 2019-09 its siblings
 *	  are ignored) leaves nothing behind (no path, no error, no scope
 *	  entry), so the chain of such references is followed here to the
 *	  first schema with other keywords, without a frame for each, and so
 *	  is an allOf of one schema alone (yn_alias); the count of references
 *	  followed in place still stops a cycle, with the same error;
 *	- where the instance's type alone makes it pass (the compiler's
 *	  yn_pass), that is the answer (a failing type is the first thing
 *	  validate_yn() looks at; anyOf and oneOf look at yn_fail before the
 *	  call);
 *	- where no annotations are kept, the yes/no copy of the walker runs.
 */
static pg_attribute_always_inline bool
validate(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann)
{
	if (!cx->paths && !cx->dynamic_scope)
	{
		int			saved = cx->inplace;
		bool		ok;

		for (;;)
		{
			if (node->has == HAS_REF && node->kind == SN_OBJECT)
			{
				if (++cx->inplace > MAX_INPLACE_REFS)
					ref_cycle_error();
				node = node->ref;
			}
			else if (node->yn_alias)
				node = node->yn_alias;
			else
				break;
		}
		if (ann == NULL && node->yn_pass && (node->yn_pass & js_value_jst(v)))
			ok = true;
		else if (ann == NULL && !(node->has & (HAS_UNEVAL_PROPS | HAS_UNEVAL_ITEMS)))
			ok = validate_yn(cx, node, v);
		else
			ok = validate_node(cx, node, v, ann);
		cx->inplace = saved;
		return ok;
	}
	return validate_node(cx, node, v, ann);
}

/* ---------- paths and errors ---------- */

static void
append_escaped(StringInfo buf, const char *s, int len)
{
	int			i;

	appendStringInfoChar(buf, '/');
	for (i = 0; i < len; i++)
	{
		if (s[i] == '~')
			appendStringInfoString(buf, "~0");
		else if (s[i] == '/')
			appendStringInfoString(buf, "~1");
		else
			appendStringInfoChar(buf, s[i]);
	}
}

static inline int
kpush(VCtx *cx, const char *kw)
{
	int			old = cx->kpath.len;

	if (cx->paths)
	{
		appendStringInfoChar(&cx->kpath, '/');
		appendStringInfoString(&cx->kpath, kw);
	}
	return old;
}

static inline int
kpush2(VCtx *cx, const char *kw, const char *name, int len)
{
	int			old = cx->kpath.len;

	if (cx->paths)
	{
		appendStringInfoChar(&cx->kpath, '/');
		appendStringInfoString(&cx->kpath, kw);
		append_escaped(&cx->kpath, name, len);
	}
	return old;
}

static inline int
kpushi(VCtx *cx, const char *kw, int i)
{
	int			old = cx->kpath.len;

	if (cx->paths)
		appendStringInfo(&cx->kpath, "/%s/%d", kw, i);
	return old;
}

static inline void
kpop(VCtx *cx, int old)
{
	if (cx->paths)
	{
		cx->kpath.len = old;
		cx->kpath.data[old] = '\0';
	}
}

static inline int
ipush_key(VCtx *cx, const char *name, int len)
{
	int			old = cx->ipath.len;

	if (cx->paths)
		append_escaped(&cx->ipath, name, len);
	return old;
}

static inline int
ipush_index(VCtx *cx, int i)
{
	int			old = cx->ipath.len;

	if (cx->paths)
		appendStringInfo(&cx->ipath, "/%d", i);
	return old;
}

static inline void
ipop(VCtx *cx, int old)
{
	if (cx->paths)
	{
		cx->ipath.len = old;
		cx->ipath.data[old] = '\0';
	}
}

static void
add_error_unit(VCtx *cx, SchemaNode *node, const char *kw, const char *fmt,...)
pg_attribute_printf(4, 5);

/*
 * Record an error unit, only when errors are being collected.  A macro so
 * that in yes/no mode, and inside "not", "if" and the branches of
 * anyOf/oneOf/contains, the arguments of the message (type_names() formats
 * and allocates) are never evaluated: a failing branch costs no more than
 * the test that failed.
 */
/*
 * The walkers of nodes, objects and arrays are written once and compiled
 * twice, always inlined into a general copy and a yes/no copy (yn true).
 * validate() sends a node to the yes/no copy where nothing can be recorded
 * and nothing annotated (no paths, so no errors; no unevaluated* keyword
 * above or here), and everything that serves errors or annotations folds
 * away there.  COLLECTING() is cx->collect where it may be true.
 */
#define COLLECTING(cx) (!yn && (cx)->collect)

/* In the yes/no walkers no path is built: the calls compile away. */
#define PATH_PUSH(call) (yn ? 0 : (call))
#define PATH_POP(call) do { if (!yn) (call); } while (0)

#define add_error(cx, ...) \
	do { \
		if ((cx)->collect) \
			add_error_unit((cx), __VA_ARGS__); \
	} while (0)

static void
add_error_unit(VCtx *cx, SchemaNode *node, const char *kw, const char *fmt,...)
{
	JsonSchemaError *e;
	StringInfoData msg;

	Assert(cx->collect);
	e = palloc0(sizeof(JsonSchemaError));
	initStringInfo(&msg);
	for (;;)
	{
		va_list		ap;
		int			needed;

		va_start(ap, fmt);
		needed = appendStringInfoVA(&msg, fmt, ap);
		va_end(ap);
		if (needed == 0)
			break;
		enlargeStringInfo(&msg, needed);
	}
	e->message = msg.data;
	e->keywordLocation = kw ? psprintf("%s/%s", cx->kpath.data, kw) : pstrdup(cx->kpath.data);
	e->instanceLocation = pstrdup(cx->ipath.data);
	if (cx->ref_depth > 0 && node->resource && node->resource->uri[0])
		e->absoluteKeywordLocation = kw ? psprintf("%s/%s", node->location, kw)
			: pstrdup(node->location);
	cx->errors = lappend(cx->errors, e);
}

/* Drop errors recorded after position n (a branch that did not decide). */
static void
truncate_errors(VCtx *cx, int n)
{
	if (list_length(cx->errors) > n)
		cx->errors = list_truncate(cx->errors, n);
}

/* ---------- annotations ---------- */

static inline void
annot_init(Annot *a, JsonbValue *v)
{
	a->n = (v->type == jbvBinary) ? JsonContainerSize(v->val.binary.data) : 0;
	a->m = a->n > 0 ? palloc0(a->n) : NULL;
}

static inline void
annot_merge(Annot *into, Annot *from)
{
	int			i;

	for (i = 0; i < into->n && i < from->n; i++)
		if (from->m[i])
			into->m[i] = true;
}

/* ---------- equality ---------- */

static bool
numeric_equal(Numeric a, Numeric b)
{
	int64		ai,
				bi;

	if (JsNumericSmallInt(a, &ai) && JsNumericSmallInt(b, &bi))
		return ai == bi;
	return JsNumericCmp(a, b) == 0;
}

/*
 * JSON equality: 1 equals 1.0, member order is irrelevant, true is not 1.
 * The last member or element of a container is compared by looping rather
 * than by recursion, so a deep chain of one-element containers (a hostile
 * [[[...]]]) costs no stack.
 */
bool
JsonSchemaJsonEqual(JsonbValue *a, JsonbValue *b)
{
	JsonbValue	lasta,
				lastb;

again:
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case jbvNull:
			return true;
		case jbvBool:
			return a->val.boolean == b->val.boolean;
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				memcmp(a->val.string.val, b->val.string.val, a->val.string.len) == 0;
		case jbvNumeric:
			return numeric_equal(a->val.numeric, b->val.numeric);
		case jbvBinary:
			{
				JsonbContainer *ca = a->val.binary.data;
				JsonbContainer *cb = b->val.binary.data;
				int			n = JsonContainerSize(ca);
				int			i;
				JsIter		ia,
							ib;
				JsonbValue	ka,
							kb,
							va,
							vb;

				if (JsonContainerIsObject(ca) != JsonContainerIsObject(cb) ||
					n != (int) JsonContainerSize(cb))
					return false;
				if (n == 0)
					return true;
				/* only containers recurse */
				check_stack_depth();
				js_iter_init(&ia, ca);
				js_iter_init(&ib, cb);
				for (i = 0; i < n; i++)
				{
					CHECK_FOR_INTERRUPTS();
					if (JsonContainerIsObject(ca))
					{
						/* jsonb sorts keys the same way in both */
						(void) js_iter_pair(&ia, &ka, &va);
						(void) js_iter_pair(&ib, &kb, &vb);
						if (ka.val.string.len != kb.val.string.len ||
							memcmp(ka.val.string.val, kb.val.string.val, ka.val.string.len) != 0)
							return false;
					}
					else
					{
						(void) js_iter_elem(&ia, &va);
						(void) js_iter_elem(&ib, &vb);
					}
					if (i == n - 1)
						break;
					if (!JsonSchemaJsonEqual(&va, &vb))
						return false;
				}
				lasta = va;
				lastb = vb;
				a = &lasta;
				b = &lastb;
				goto again;
			}
		default:
			return false;
	}
}

/*
 * A hash consistent with JsonSchemaJsonEqual: equal values hash equal.
 * Stored numerics carry no trailing zeros, so whether a number is a small
 * integer depends on its value only (1 and 1.0 both are): those hash their
 * int64, the rest through hash_numeric, which ignores the display scale.
 * Containers below the second level hash as their kind and size only: the
 * hash stays cheap and bounded in depth however deep the value is (equal
 * values still hash equal; equality sorts out the rest).
 */
static uint32
json_hash(JsonbValue *v, int depth)
{
	switch (v->type)
	{
		case jbvNull:
			return 0x9e3779b9;
		case jbvBool:
			return v->val.boolean ? 0x1234567 : 0x7654321;
		case jbvString:
			return hash_bytes((const unsigned char *) v->val.string.val, v->val.string.len);
		case jbvNumeric:
			{
				int64		i;

				if (JsNumericSmallInt(v->val.numeric, &i))
					return hash_bytes((const unsigned char *) &i, sizeof(i));
				return DatumGetUInt32(DirectFunctionCall1(hash_numeric,
														  NumericGetDatum(v->val.numeric)));
			}
		case jbvBinary:
			{
				JsIter		it;
				JsonbValue	k,
							e;
				uint32		h;

				h = JsonContainerIsObject(v->val.binary.data) ? 0xabcdef : 0xfedcba;
				h = hash_combine(h, JsonContainerSize(v->val.binary.data));
				if (depth >= 2)
					return h;
				js_iter_init(&it, v->val.binary.data);
				if (JsonContainerIsObject(v->val.binary.data))
				{
					/* keys are in jsonb order in both of two equal objects */
					while (js_iter_pair(&it, &k, &e))
					{
						h = hash_combine(h, json_hash(&k, depth + 1));
						h = hash_combine(h, json_hash(&e, depth + 1));
					}
				}
				else
				{
					while (js_iter_elem(&it, &e))
						h = hash_combine(h, json_hash(&e, depth + 1));
				}
				return h;
			}
		default:
			return 0;
	}
}

uint32
JsonSchemaJsonHash(JsonbValue *v)
{
	return json_hash(v, 0);
}

/*
 * Is v one of the node's enum values?  An enum of strings only is searched
 * in its sorted copy; other small enums are scanned; from ENUM_HASH_MIN
 * values on, compile.c sorted them by JsonSchemaJsonHash and only the
 * values with v's hash are compared.
 */
static bool
enum_has(SchemaNode *node, JsonbValue *v)
{
	int			i;

	if (node->enum_strings)
	{
		int			lo = 0,
					hi = node->nenum;

		if (v->type != jbvString)
			return false;
		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;
			JsonbValue *e = &node->enum_strings[mid];
			int			c = js_key_cmp(e->val.string.val, e->val.string.len,
									   v->val.string.val, v->val.string.len);

			if (c == 0)
				return true;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return false;
	}
	if (node->enum_hashes == NULL)
	{
		/* strings, the commonest enums, compared here */
		if (v->type == jbvString)
		{
			for (i = 0; i < node->nenum; i++)
			{
				JsonbValue *e = &node->enums[i];

				if (e->type == jbvString && e->val.string.len == v->val.string.len &&
					memcmp(e->val.string.val, v->val.string.val, v->val.string.len) == 0)
					return true;
			}
			return false;
		}
		for (i = 0; i < node->nenum; i++)
			if (JsonSchemaJsonEqual(v, &node->enums[i]))
				return true;
		return false;
	}
	else
	{
		uint32		h = JsonSchemaJsonHash(v);
		int			lo = 0,
					hi = node->nenum;

		/* the first value whose hash is >= h */
		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (node->enum_hashes[mid] < h)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (i = lo; i < node->nenum && node->enum_hashes[i] == h; i++)
			if (JsonSchemaJsonEqual(v, &node->enums[i]))
				return true;
		return false;
	}
}

/* Arrays up to this long are checked for duplicates pair by pair. */
#define UNIQUE_PAIRWISE_MAX 12

/*
 * Does the array hold two JSON-equal items?  Short arrays: every pair (no
 * hashing, no allocation).  Longer ones: each item's JsonSchemaJsonHash goes
 * into an open-addressing table, and only items of equal hash are compared:
 * O(n) expected.
 */
static bool
has_duplicates(JsonbContainer *jc, int n)
{
	JsIter		it;
	int			i,
				j;

	js_iter_init(&it, jc);
	if (n <= UNIQUE_PAIRWISE_MAX)
	{
		JsonbValue	vals[UNIQUE_PAIRWISE_MAX];

		for (i = 0; i < n && js_iter_elem(&it, &vals[i]); i++)
		{
			for (j = 0; j < i; j++)
				if (JsonSchemaJsonEqual(&vals[i], &vals[j]))
					return true;
		}
		return false;
	}
	else
	{
		JsonbValue *vals = palloc(sizeof(JsonbValue) * n);
		uint32	   *hashes = palloc(sizeof(uint32) * n);
		int			size = 32;
		int		   *slots;
		bool		dup = false;

		while (size < 2 * n)
			size *= 2;
		slots = palloc0(sizeof(int) * size);	/* item index + 1; 0: empty */
		for (i = 0; i < n && !dup && js_iter_elem(&it, &vals[i]); i++)
		{
			uint32		pos;

			CHECK_FOR_INTERRUPTS();
			hashes[i] = JsonSchemaJsonHash(&vals[i]);
			pos = hashes[i] & (size - 1);
			while (slots[pos] != 0)
			{
				j = slots[pos] - 1;
				if (hashes[j] == hashes[i] && JsonSchemaJsonEqual(&vals[i], &vals[j]))
				{
					dup = true;
					break;
				}
				pos = (pos + 1) & (size - 1);
			}
			slots[pos] = i + 1;
		}
		pfree(slots);
		pfree(hashes);
		pfree(vals);
		return dup;
	}
}

/* ---------- keyword groups ---------- */

static const char *
type_names(uint8 types)
{
	static const struct
	{
		uint8		bit;
		const char *name;
	}			names[] = {
		{JST_NULL, "null"}, {JST_BOOLEAN, "boolean"}, {JST_OBJECT, "object"},
		{JST_ARRAY, "array"}, {JST_NUMBER, "number"}, {JST_STRING, "string"},
		{JST_INTEGER, "integer"}
	};
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < (int) lengthof(names); i++)
	{
		if (!(types & names[i].bit))
			continue;
		if (names[i].bit == JST_INTEGER && (types & JST_NUMBER))
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, " or ");
		appendStringInfoString(&buf, names[i].name);
	}
	return buf.data;
}

static inline bool
type_ok(SchemaNode *node, JsonbValue *v)
{
	uint8		t = node->types;

	switch (v->type)
	{
		case jbvNull:
			return (t & JST_NULL) != 0;
		case jbvBool:
			return (t & JST_BOOLEAN) != 0;
		case jbvString:
			return (t & JST_STRING) != 0;
		case jbvNumeric:
			if (t & JST_NUMBER)
				return true;
			if (t & JST_INTEGER)
				return JsNumericIsIntegral(v->val.numeric);
			return false;
		case jbvBinary:
			if (JsonContainerIsObject(v->val.binary.data))
				return (t & JST_OBJECT) != 0;
			return (t & JST_ARRAY) != 0;
		default:
			return false;
	}
}

static inline int
number_cmp(Numeric a, SchemaNumber *b)
{
	int64		ai;

	if (b->is_small && JsNumericSmallInt(a, &ai))
		return ai < b->small ? -1 : (ai > b->small ? 1 : 0);
	return JsNumericCmp(a, b->num);
}

static bool
check_number(VCtx *cx, SchemaNode *node, Numeric num)
{
	bool		ok = true;

	if (node->minimum && number_cmp(num, node->minimum) < 0)
	{
		add_error(cx, node, "minimum", "must be greater than or equal to %s", node->minimum->text);
		ok = false;
		if (!cx->collect)
			return false;
	}
	if (node->maximum && number_cmp(num, node->maximum) > 0)
	{
		add_error(cx, node, "maximum", "must be less than or equal to %s", node->maximum->text);
		ok = false;
		if (!cx->collect)
			return false;
	}
	if (node->exclusive_minimum && number_cmp(num, node->exclusive_minimum) <= 0)
	{
		add_error(cx, node, node->draft == JSON_SCHEMA_DRAFT4 ? "minimum" : "exclusiveMinimum",
				  "must be greater than %s", node->exclusive_minimum->text);
		ok = false;
		if (!cx->collect)
			return false;
	}
	if (node->exclusive_maximum && number_cmp(num, node->exclusive_maximum) >= 0)
	{
		add_error(cx, node, node->draft == JSON_SCHEMA_DRAFT4 ? "maximum" : "exclusiveMaximum",
				  "must be less than %s", node->exclusive_maximum->text);
		ok = false;
		if (!cx->collect)
			return false;
	}
	if (node->multiple_of)
	{
		int64		ai;
		bool		multiple;

		if (node->multiple_of->is_small && JsNumericSmallInt(num, &ai))
			multiple = (ai % node->multiple_of->small) == 0;
		else
		{
			bool		err = false;
			Numeric		rem = numeric_mod_opt_error(num, node->multiple_of->num, &err);

			multiple = !err && rem != NULL && JsNumericIsZero(rem);
		}
		if (!multiple)
		{
			add_error(cx, node, "multipleOf", "must be a multiple of %s", node->multiple_of->text);
			ok = false;
		}
	}
	return ok;
}

/* Code points in a UTF-8 string. */
static int64
utf8_length(const char *s, int len)
{
	int64		n = 0;
	int			i;

	for (i = 0; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static bool
check_string(VCtx *cx, SchemaNode *node, const char *s, int len)
{
	bool		ok = true;

	if (node->min_length >= 0 || node->max_length >= 0)
	{
		int64		cps = -1;

		/*
		 * A string has at most as many code points as bytes, and at least a
		 * quarter as many (UTF-8 takes 1 to 4 bytes a code point): count
		 * only when the byte length does not decide.
		 */
		if (node->min_length >= 0 && len < node->min_length)
			cps = utf8_length(s, len);
		else if (node->max_length >= 0 && len > node->max_length)
			cps = utf8_length(s, len);
		else if (node->min_length > 0 && (len + 3) / 4 < node->min_length)
			cps = utf8_length(s, len);
		if (cps >= 0 && node->min_length >= 0 && cps < node->min_length)
		{
			add_error(cx, node, "minLength", "must be at least " INT64_FORMAT " characters long",
					  node->min_length);
			ok = false;
			if (!cx->collect)
				return false;
		}
		if (cps >= 0 && node->max_length >= 0 && cps > node->max_length)
		{
			add_error(cx, node, "maxLength", "must be at most " INT64_FORMAT " characters long",
					  node->max_length);
			ok = false;
			if (!cx->collect)
				return false;
		}
	}
	if (node->pattern && !JsonSchemaRegexMatch(node->pattern, s, len))
	{
		add_error(cx, node, "pattern", "must match pattern \"%s\"", node->pattern_source);
		ok = false;
		if (!cx->collect)
			return false;
	}
	if (node->format && !node->format(s, len))
	{
		add_error(cx, node, "format", "must be a valid \"%s\"", node->format_name);
		ok = false;
	}
	return ok;
}

/* "const" and "enum" of validate_direct(), out of line */
static pg_noinline bool
const_enum_ok(SchemaNode *node, JsonbValue *v)
{
	if ((node->has & HAS_CONST) && !JsonSchemaJsonEqual(v, &node->constval))
		return false;
	return !(node->has & HAS_ENUM) || enum_has(node, v);
}

/*
 * In yes/no mode, a schema with only "type", "enum", "const" and keywords
 * of one type (the commonest after {"type": ...} alone: an object with
 * "properties", a string with "enum") is checked without validate()'s
 * frame: there is no reference, applicator, scope or annotation to see to.
 * Such schemas nest only as deep as the schema's own text, and the stack
 * is still checked every fourth level.
 */
static pg_attribute_always_inline bool
validate_direct(VCtx *cx, SchemaNode *node, JsonbValue *v)
{
	uint32		has = node->has;
	bool		ok;

	if ((has & HAS_TYPE) && !type_ok(node, v))
		return false;
	if ((has & (HAS_CONST | HAS_ENUM)) && !const_enum_ok(node, v))
		return false;
	switch (v->type)
	{
		case jbvString:
			return !(has & HAS_STRING) ||
				check_string(cx, node, v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return !(has & HAS_NUMERIC) || check_number(cx, node, v->val.numeric);
		case jbvBinary:
			if ((++cx->depth & 3) == 0)
				check_stack_depth();
			if (JsonContainerIsObject(v->val.binary.data))
				ok = !(has & HAS_OBJECT) || check_object_yn(cx, node, v);
			else
				ok = !(has & HAS_ARRAY) || check_array_yn(cx, node, v);
			cx->depth--;
			return ok;
		default:
			return true;
	}
}

/*
 * Validate a child instance (consumes instance: resets the ref counter).
 * yn: the caller is the yes/no walker.
 */
static pg_attribute_always_inline bool
validate_child(VCtx *cx, SchemaNode *node, JsonbValue *v, const bool yn)
{
	int			saved = cx->inplace;
	bool		ok;

	/*
	 * The commonest child schema is {"type": ...} alone: when it passes
	 * there is nothing else to do, so answer without the call (a failing
	 * one goes through validate() for its error).
	 */
	if (node->kind == SN_OBJECT && node->has == HAS_TYPE && type_ok(node, v))
		return true;

	if (yn && node->yn_direct)
		return validate_direct(cx, node, v);
	cx->inplace = 0;
	ok = validate(cx, node, v, NULL);
	cx->inplace = saved;
	return ok;
}

/*
 * The answer of a branch of anyOf/oneOf without calling validate(), where
 * "type" alone decides it: 1 passes ({"type": ...} alone), 0 fails (yes/no
 * mode only: a failure in collect mode needs its error unit), -1 unknown.
 * A branch that is only a $ref is looked through to its target, whose
 * "type" would be the first thing validate() tests there.
 */
/* Does object v have the discriminator's key with another value? */
static pg_noinline bool
discriminator_fails(SchemaProperty *d, JsonbValue *v)
{
	JsonbValue	found;

	return js_object_find(v->val.binary.data, d->key.str, d->key.len, &found) &&
		!JsonSchemaJsonEqual(&found, &d->node->constval);
}

static pg_attribute_always_inline int
branch_quick(VCtx *cx, SchemaNode *node, JsonbValue *v, uint8 t, const bool yn)
{
	if (yn)
	{
		if (node->yn_pass & t)
			return 1;
		if (node->yn_fail & t)
			return 0;
	}
	if (node->kind == SN_OBJECT && node->has == HAS_REF && node->ref)
		node = node->ref;
	if (node->kind != SN_OBJECT || !(node->has & (HAS_TYPE | HAS_OBJECT)))
		return -1;
	if (node->has == HAS_TYPE)
		return type_ok(node, v) ? 1 : (cx->collect ? -1 : 0);
	if (!cx->collect && !(node->has & (HAS_REF | HAS_DYNREF)))
	{
		SchemaProperty *d = node->discriminator;

		if ((node->has & HAS_TYPE) && !type_ok(node, v))
			return 0;

		/*
		 * A tagged union (anyOf of objects told apart by a property with
		 * "const"): a member whose value is not the constant fails that
		 * property's schema, so the branch fails; one key lookup instead of
		 * walking the object.
		 */
		if (d && js_is_object(v) && discriminator_fails(d, v))
			return 0;
	}
	return -1;
}

static pg_attribute_always_inline bool
check_array_impl(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann, const bool yn)
{
	JsonbContainer *jc = v->val.binary.data;
	int			n = JsonContainerSize(jc);
	bool		ok = true;
	JsIter		it;
	JsonbValue	e;
	int			i;

	if (yn)
		ann = NULL;

	if (node->min_items >= 0 && n < node->min_items)
	{
		add_error(cx, node, "minItems", "must have at least " INT64_FORMAT " items", node->min_items);
		ok = false;
		if (!COLLECTING(cx))
			return false;
	}
	if (node->max_items >= 0 && n > node->max_items)
	{
		add_error(cx, node, "maxItems", "must have at most " INT64_FORMAT " items", node->max_items);
		ok = false;
		if (!COLLECTING(cx))
			return false;
	}

	/* in yes/no mode, items that their types decide: from the JEntries */
	if (yn && node->nprefix == 0 && node->items && node->items->yn_pass)
	{
		int			r = js_children_decided(jc, node->items->yn_pass, node->items->yn_fail);

		if (r == 0)
			return false;
		if (r == 1)
			goto items_done;
	}
	if (node->nprefix > 0 || node->items)
	{
		js_iter_init(&it, jc);
		i = 0;
		while (js_iter_elem(&it, &e))
		{
			SchemaNode *sub;
			const char *kw;
			int			ko,
						io;
			bool		sok;

			CHECK_FOR_INTERRUPTS();
			if (i < node->nprefix)
			{
				sub = node->prefix_items[i];
				kw = node->prefix_keyword;
				ko = PATH_PUSH(kpushi(cx, kw, i));
			}
			else if (node->items)
			{
				sub = node->items;
				kw = node->items_keyword;
				ko = PATH_PUSH(kpush(cx, kw));
			}
			else
				break;
			io = PATH_PUSH(ipush_index(cx, i));
			if (sub->kind == SN_FALSE)
			{
				add_error(cx, sub, NULL, "must not have an item at this position (%s is false)", kw);
				sok = false;
			}
			else
				sok = validate_child(cx, sub, &e, yn);
			PATH_POP(ipop(cx, io));
			PATH_POP(kpop(cx, ko));
			if (sok && ann && i < ann->n)
				ann->m[i] = true;
			if (!sok)
			{
				ok = false;
				if (!COLLECTING(cx))
					return false;
			}
			i++;
		}
	}

items_done:
	if (node->contains)
	{
		int64		matches = 0;
		int64		min = node->min_contains >= 0 ? node->min_contains : 1;
		bool		saved = cx->collect;
		int			ko = PATH_PUSH(kpush(cx, "contains"));

		cx->collect = false;
		js_iter_init(&it, jc);
		i = 0;
		while (js_iter_elem(&it, &e))
		{
			CHECK_FOR_INTERRUPTS();
			if (validate_child(cx, node->contains, &e, yn))
			{
				matches++;
				if (ann && i < ann->n)
					ann->m[i] = true;
				else if (!saved && node->max_contains < 0 && matches >= min)
					break;
			}
			i++;
		}
		cx->collect = saved;
		PATH_POP(kpop(cx, ko));
		if (matches < min)
		{
			if (node->min_contains >= 0)
				add_error(cx, node, "minContains",
						  "must contain at least " INT64_FORMAT " items matching the contains schema", min);
			else
				add_error(cx, node, "contains", "must contain at least one item matching the contains schema");
			ok = false;
			if (!COLLECTING(cx))
				return false;
		}
		if (node->max_contains >= 0 && matches > node->max_contains)
		{
			add_error(cx, node, "maxContains",
					  "must contain at most " INT64_FORMAT " items matching the contains schema",
					  node->max_contains);
			ok = false;
			if (!COLLECTING(cx))
				return false;
		}
	}

	if (node->unique_items && n > 1)
	{
		bool		dup = has_duplicates(jc, n);

		if (dup)
		{
			add_error(cx, node, "uniqueItems", "must not contain duplicate items");
			ok = false;
		}
	}
	return ok;
}

static pg_noinline bool
check_array_all(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann)
{
	return check_array_impl(cx, node, v, ann, false);
}

static pg_noinline bool
check_array_yn(VCtx *cx, SchemaNode *node, JsonbValue *v)
{
	return check_array_impl(cx, node, v, NULL, true);
}

/* The value of the member at the iterator, read the first time it is asked for. */
static inline JsonbValue *
member_value(JsIter *it, JsonbValue *e, bool *have)
{
	if (!*have)
	{
		js_iter_value(it, e);
		*have = true;
	}
	return e;
}

static inline bool
object_has(JsonbContainer *jc, const char *key, int len)
{
	return js_object_find(jc, key, len, NULL);
}

/* Has object jc the required names of node that are not its properties? */
static bool
has_required_extra(JsonbContainer *jc, SchemaNode *node)
{
	int			i;

	for (i = 0; i < node->nrequired_extra; i++)
		if (!object_has(jc, node->required_extra[i].str, node->required_extra[i].len))
			return false;
	return true;
}

/*
 * The yes/no walk of an object whose schema says only "properties",
 * "required" (names among the properties) and perhaps "additionalProperties"
 * true or false: the commonest object schema, closed or not (the compiler's
 * yn_props_walk).  The general walk below does the same with more to look
 * at for each member; this one reads the keys and the values' JEntries in
 * place, finds where a value starts only when the value is read, and goes
 * to the member's schema only when its type does not decide.
 */
static pg_noinline bool
check_props_yn(VCtx *cx, SchemaNode *node, JsonbContainer *jc, int n)
{
	const SchemaProperty *props = node->properties;
	const int	np = node->nproperties;
	const bool	closed = node->additional_properties &&
		node->additional_properties->kind == SN_FALSE;
	char	   *base = (char *) &jc->children[2 * n];
	uint32		koff = 0;
	int			vi = -1;		/* the value voff is the offset of */
	uint32		voff = 0;
	int			pi = 0;
	int			nreq = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		JEntry		ke = jc->children[i];
		uint32		klen = js_entry_len(ke, koff);
		const char *ks = base + koff;
		const SchemaProperty *prop;
		JEntry		ve;
		uint8		t;
		int			c = 1;
		JsonbValue	e;

		CHECK_FOR_INTERRUPTS();
		koff += klen;
		while (pi < np && (c = js_key_cmp(props[pi].key.str, props[pi].key.len, ks, klen)) < 0)
			pi++;
		if (c != 0)
		{
			if (closed)
				return false;
			continue;
		}
		prop = &props[pi];
		nreq += prop->required;
		ve = jc->children[n + i];
		t = js_entry_jst(ve, NULL, 0, false);	/* 0 for a container */
		if (t & prop->yn_pass)
			continue;
		if (t & prop->yn_fail)
			return false;
		if (prop->node->kind == SN_TRUE)
			continue;
		if (prop->node->kind == SN_FALSE)
			return false;
		/* the value: its offset, from the last one found or from scratch */
		if (vi < 0)
		{
			voff = js_child_offset(jc, n + i);
			vi = i;
		}
		for (; vi < i; vi++)
			voff += js_entry_len(jc->children[n + vi], voff);
		js_fill(jc, n + i, base, voff, js_entry_len(ve, voff), &e);
		if (!validate_child(cx, prop->node, &e, true))
			return false;
	}
	return nreq >= node->nrequired_props;
}

static pg_attribute_always_inline bool
check_object_impl(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann, const bool yn)
{
	JsonbContainer *jc = v->val.binary.data;
	int			n = JsonContainerSize(jc);
	bool		ok = true;
	JsIter		it;
	JsonbValue	k,
				e;
	int			i = 0;
	int			pi = 0;
	int			ri = 0;
	int			nreq = 0;
	int			pc;
	bool		walk;

	if (yn)
		ann = NULL;

	if (node->min_properties >= 0 && n < node->min_properties)
	{
		add_error(cx, node, "minProperties", "must have at least " INT64_FORMAT " properties",
				  node->min_properties);
		ok = false;
		if (!COLLECTING(cx))
			return false;
	}
	if (node->max_properties >= 0 && n > node->max_properties)
	{
		add_error(cx, node, "maxProperties", "must have at most " INT64_FORMAT " properties",
				  node->max_properties);
		ok = false;
		if (!COLLECTING(cx))
			return false;
	}

	walk = node->nproperties || node->npattern_properties || node->additional_properties ||
		node->property_names || node->nrequired;

	/*
	 * In yes/no mode, a schema that says only "additionalProperties" with a
	 * schema the values' types decide (a map of strings, say) is answered
	 * from the values' JEntries.
	 */
	if (walk && yn && !node->nproperties && !node->npattern_properties && !node->property_names &&
		node->additional_yn_pass)
	{
		int			r = js_children_decided(jc, node->additional_yn_pass, node->additional_yn_fail);

		if (r == 0)
			return false;
		if (r == 1)
		{
			walk = false;
			if (!has_required_extra(jc, node))
				return false;
		}
	}

	/*
	 * In yes/no mode, when the schema names only a few of many members and
	 * says nothing of the others (an "if" or an anyOf branch that looks at
	 * one property of a large object), look those few up instead of
	 * walking every member.
	 */
	if (walk && yn && !node->npattern_properties && !node->additional_properties &&
		!node->property_names && (node->nproperties + node->nrequired_extra) * 2 <= n)
	{
		for (pi = 0; pi < node->nproperties; pi++)
		{
			SchemaProperty *p = &node->properties[pi];

			if (!js_object_find(jc, p->key.str, p->key.len, &e))
				continue;
			nreq += p->required;
			if (p->node->kind == SN_FALSE ||
				(p->node->kind != SN_TRUE && !validate_child(cx, p->node, &e, yn)))
				return false;
		}
		walk = false;
		if (nreq < node->nrequired_props || !has_required_extra(jc, node))
			return false;
	}

	if (walk && yn && node->yn_props_walk)
		return check_props_yn(cx, node, jc, n);

	if (walk)
	{
		/*
		 * One pass over the members, merged with the sorted "properties" and
		 * "required" lists (jsonb keeps keys sorted the same way).
		 */
		js_iter_init(&it, jc);
		while (js_iter_key(&it, &k))
		{
			const char *ks = k.val.string.val;
			int			kl = k.val.string.len;
			bool		matched = false;
			bool		have_e = false;
			int			j;

			CHECK_FOR_INTERRUPTS();

			/*
			 * Each list entry is compared with each key at most once.  In
			 * yes/no mode "required" is counted on the properties instead
			 * (below); the merge is for the errors, in the order of the keys.
			 */
			while (COLLECTING(cx) && ri < node->nrequired)
			{
				int			c = js_key_cmp(node->required[ri].str, node->required[ri].len, ks, kl);

				if (c > 0)
					break;
				ri++;
				if (c == 0)
					break;
				add_error(cx, node, "required", "must have required property \"%s\"",
						  node->required[ri - 1].cstr);
				ok = false;
				if (!COLLECTING(cx))
					return false;
			}

			pc = 1;
			while (pi < node->nproperties &&
				   (pc = js_key_cmp(node->properties[pi].key.str, node->properties[pi].key.len, ks, kl)) < 0)
				pi++;
			if (pi < node->nproperties && pc == 0)
			{
				SchemaProperty *prop = &node->properties[pi];
				SchemaNode *sub = prop->node;
				uint8		t = js_iter_value_jst(&it);

				matched = true;
				nreq += prop->required;

				if ((yn ? prop->yn_pass : prop->type_only) & t)
				{
					/* nothing to read */
				}
				else if (yn && (prop->yn_fail & t))
					return false;
				else if (sub->kind != SN_TRUE)
				{
					int			ko = PATH_PUSH(kpush2(cx, "properties", ks, kl));
					int			io = PATH_PUSH(ipush_key(cx, ks, kl));
					bool		sok;

					if (sub->kind == SN_FALSE)
					{
						add_error(cx, sub, NULL, "must not be present (its schema is false)");
						sok = false;
					}
					else
						sok = validate_child(cx, sub, member_value(&it, &e, &have_e), yn);
					PATH_POP(ipop(cx, io));
					PATH_POP(kpop(cx, ko));
					if (!sok)
					{
						ok = false;
						if (!COLLECTING(cx))
							return false;
					}
				}
			}
			for (j = 0; j < node->npattern_properties; j++)
			{
				SchemaPatternProperty *pp = &node->pattern_properties[j];

				if (JsonSchemaRegexMatch(pp->re, ks, kl))
				{
					int			ko = PATH_PUSH(kpush2(cx, "patternProperties", pp->source, strlen(pp->source)));
					int			io = PATH_PUSH(ipush_key(cx, ks, kl));
					bool		sok;

					matched = true;
					if (pp->node->kind == SN_FALSE)
					{
						add_error(cx, pp->node, NULL, "must not be present (its schema is false)");
						sok = false;
					}
					else
						sok = validate_child(cx, pp->node, member_value(&it, &e, &have_e), yn);
					PATH_POP(ipop(cx, io));
					PATH_POP(kpop(cx, ko));
					if (!sok)
					{
						ok = false;
						if (!COLLECTING(cx))
							return false;
					}
				}
			}
			if (!matched && node->additional_properties)
			{
				SchemaNode *sub = node->additional_properties;
				uint8		t = js_iter_value_jst(&it);

				matched = true;

				if (yn && (node->additional_yn_fail & t))
					return false;
				if (sub->kind != SN_TRUE &&
					!((yn ? node->additional_yn_pass : node->additional_type_only) & t))
				{
					int			ko = PATH_PUSH(kpush(cx, "additionalProperties"));
					int			io = PATH_PUSH(ipush_key(cx, ks, kl));
					bool		sok;

					if (sub->kind == SN_FALSE)
					{
						add_error(cx, node, "additionalProperties", "must not have additional properties");
						/* the unit's keyword location is additionalProperties itself */
						if (COLLECTING(cx))
						{
							JsonSchemaError *last = llast(cx->errors);

							last->keywordLocation = pstrdup(cx->kpath.data);
						}
						sok = false;
					}
					else
						sok = validate_child(cx, sub, member_value(&it, &e, &have_e), yn);
					PATH_POP(ipop(cx, io));
					PATH_POP(kpop(cx, ko));
					if (!sok)
					{
						ok = false;
						if (!COLLECTING(cx))
							return false;
					}
				}
			}
			if (matched && ann && i < ann->n)
				ann->m[i] = true;
			if (node->property_names)
			{
				int			ko = PATH_PUSH(kpush(cx, "propertyNames"));
				int			io = PATH_PUSH(ipush_key(cx, ks, kl));
				bool		sok = validate_child(cx, node->property_names, &k, yn);

				PATH_POP(ipop(cx, io));
				PATH_POP(kpop(cx, ko));
				if (!sok)
				{
					ok = false;
					if (!COLLECTING(cx))
						return false;
				}
			}
			i++;
		}
		if (!COLLECTING(cx))
		{
			/* keys are unique: each required property was counted once */
			if (nreq < node->nrequired_props || !has_required_extra(jc, node))
				return false;
		}
		else
		{
			while (ri < node->nrequired)
			{
				add_error(cx, node, "required", "must have required property \"%s\"",
						  node->required[ri].cstr);
				ok = false;
				ri++;
			}
		}
	}

	for (i = 0; i < node->ndependent_required; i++)
	{
		SchemaDependentRequired *d = &node->dependent_required[i];
		int			j;

		if (!object_has(jc, d->key.str, d->key.len))
			continue;
		for (j = 0; j < d->nrequired; j++)
		{
			if (!object_has(jc, d->required[j].str, d->required[j].len))
			{
				int			ko = PATH_PUSH(kpush2(cx, node->dependent_required_keyword,
										d->key.str, d->key.len));

				add_error(cx, node, NULL, "must have property \"%s\" when property \"%s\" is present",
						  d->required[j].cstr, d->key.cstr);
				PATH_POP(kpop(cx, ko));
				ok = false;
				if (!COLLECTING(cx))
					return false;
			}
		}
	}
	for (i = 0; i < node->ndependent_schemas; i++)
	{
		SchemaProperty *d = &node->dependent_schemas[i];
		int			ko;
		bool		sok;

		if (!object_has(jc, d->key.str, d->key.len))
			continue;
		ko = PATH_PUSH(kpush2(cx, node->dependent_schemas_keyword, d->key.str, d->key.len));
		sok = validate(cx, d->node, v, ann);
		PATH_POP(kpop(cx, ko));
		if (!sok)
		{
			ok = false;
			if (!COLLECTING(cx))
				return false;
		}
	}
	return ok;
}

static pg_noinline bool
check_object_all(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann)
{
	return check_object_impl(cx, node, v, ann, false);
}

static pg_noinline bool
check_object_yn(VCtx *cx, SchemaNode *node, JsonbValue *v)
{
	return check_object_impl(cx, node, v, NULL, true);
}

/* Follow a reference in place (same instance). */
static bool
follow_ref(VCtx *cx, SchemaNode *target, JsonbValue *v, Annot *ann, const char *kw)
{
	int			ko = kpush(cx, kw);
	bool		ok;

	if (++cx->inplace > MAX_INPLACE_REFS)
		ref_cycle_error();
	cx->ref_depth++;
	ok = validate(cx, target, v, ann);
	cx->ref_depth--;
	cx->inplace--;
	kpop(cx, ko);
	return ok;
}

static SchemaNode *
dynamic_target(VCtx *cx, SchemaNode *node)
{
	int			i,
				j;

	if (node->dynref_anchor == NULL)
		return node->dynref;
	/* the outermost resource in the dynamic scope with that dynamic anchor */
	for (i = 0; i < cx->nscope; i++)
	{
		SchemaResource *r = cx->scope[i];

		for (j = 0; j < r->ndyn; j++)
			if (strcmp(r->dyn_names[j], node->dynref_anchor) == 0)
				return r->dyn_nodes[j];
	}
	return node->dynref;
}

static pg_attribute_always_inline bool
check_applicators_impl(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann,
					   const bool yn)
{
	bool		ok = true;
	int			i;
	uint8		t = yn ? js_value_jst(v) : 0;

	if (yn)
		ann = NULL;

	for (i = 0; i < node->nall_of; i++)
	{
		int			ko = PATH_PUSH(kpushi(cx, "allOf", i));
		bool		sok = validate(cx, node->all_of[i], v, ann);

		PATH_POP(kpop(cx, ko));
		if (!sok)
		{
			ok = false;
			if (!COLLECTING(cx))
				return false;
		}
	}

	if (node->nany_of)
	{
		int			before = yn ? 0 : list_length(cx->errors);
		bool		any = false;

		for (i = 0; i < node->nany_of; i++)
		{
			int			ko;
			Annot		tmp;
			bool		sok;
			int			q = branch_quick(cx, node->any_of[i], v, t, yn);

			if (q >= 0)
			{
				/* no annotations from a branch that only has "type" */
				if (q == 1)
				{
					any = true;
					if (!ann)
						break;
				}
				continue;
			}
			ko = PATH_PUSH(kpushi(cx, "anyOf", i));
			if (ann)
				annot_init(&tmp, v);
			sok = validate(cx, node->any_of[i], v, ann ? &tmp : NULL);
			PATH_POP(kpop(cx, ko));
			if (sok)
			{
				any = true;
				if (ann)
					annot_merge(ann, &tmp);
				else
					break;
			}
		}
		if (any)
			truncate_errors(cx, before);
		else
		{
			add_error(cx, node, "anyOf", "must match at least one schema in anyOf");
			ok = false;
			if (!COLLECTING(cx))
				return false;
		}
	}

	if (node->none_of)
	{
		int			before = yn ? 0 : list_length(cx->errors);
		int			nvalid = 0;
		Annot		keep = {0, NULL};
		bool		have_keep = false;

		for (i = 0; i < node->none_of; i++)
		{
			int			ko;
			Annot		tmp;
			bool		sok;
			int			q = branch_quick(cx, node->one_of[i], v, t, yn);

			if (q >= 0)
			{
				/* a branch that only has "type" leaves no annotations */
				if (q == 1 && ++nvalid > 1)
					break;
				continue;
			}
			ko = PATH_PUSH(kpushi(cx, "oneOf", i));
			if (ann)
				annot_init(&tmp, v);
			sok = validate(cx, node->one_of[i], v, ann ? &tmp : NULL);
			PATH_POP(kpop(cx, ko));
			if (sok)
			{
				nvalid++;
				if (ann && !have_keep)
				{
					keep = tmp;
					have_keep = true;
				}
				if (nvalid > 1)
					break;
			}
		}
		if (nvalid == 1)
		{
			truncate_errors(cx, before);
			if (ann && have_keep)
				annot_merge(ann, &keep);
		}
		else
		{
			if (nvalid > 1)
				truncate_errors(cx, before);
			add_error(cx, node, "oneOf", nvalid == 0 ? "must match exactly one schema in oneOf, but matches none"
					  : "must match exactly one schema in oneOf, but matches more than one");
			ok = false;
			if (!COLLECTING(cx))
				return false;
		}
	}

	if (node->not)
	{
		bool		saved = cx->collect;
		int			ko = PATH_PUSH(kpush(cx, "not"));
		bool		sok;

		cx->collect = false;
		sok = validate(cx, node->not, v, NULL);
		cx->collect = saved;
		PATH_POP(kpop(cx, ko));
		if (sok)
		{
			add_error(cx, node, "not", "must not match the schema in not");
			ok = false;
			if (!COLLECTING(cx))
				return false;
		}
	}

	if (node->if_)
	{
		bool		saved = cx->collect;
		int			ko = PATH_PUSH(kpush(cx, "if"));
		Annot		tmp;
		bool		cond;

		if (ann)
			annot_init(&tmp, v);
		cx->collect = false;
		cond = validate(cx, node->if_, v, ann ? &tmp : NULL);
		cx->collect = saved;
		PATH_POP(kpop(cx, ko));
		if (cond && ann)
			annot_merge(ann, &tmp);
		if (cond && node->then_)
		{
			ko = PATH_PUSH(kpush(cx, "then"));
			if (!validate(cx, node->then_, v, ann))
				ok = false;
			PATH_POP(kpop(cx, ko));
		}
		else if (!cond && node->else_)
		{
			ko = PATH_PUSH(kpush(cx, "else"));
			if (!validate(cx, node->else_, v, ann))
				ok = false;
			PATH_POP(kpop(cx, ko));
		}
	}
	return ok;
}

static pg_noinline bool
check_applicators_all(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann)
{
	return check_applicators_impl(cx, node, v, ann, false);
}

static pg_noinline bool
check_applicators_yn(VCtx *cx, SchemaNode *node, JsonbValue *v)
{
	return check_applicators_impl(cx, node, v, NULL, true);
}

static bool
check_unevaluated(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann)
{
	bool		ok = true;
	JsIter		it;
	JsonbValue	k,
				e;
	int			i = 0;

	if (node->unevaluated_properties && js_is_object(v))
	{
		SchemaNode *sub = node->unevaluated_properties;

		js_iter_init(&it, v->val.binary.data);
		while (js_iter_pair(&it, &k, &e))
		{
			if (!ann->m[i])
			{
				int			ko = kpush(cx, "unevaluatedProperties");
				int			io = ipush_key(cx, k.val.string.val, k.val.string.len);
				bool		sok;

				if (sub->kind == SN_FALSE)
				{
					add_error(cx, node, NULL, "must not have unevaluated properties");
					sok = false;
				}
				else
					sok = validate_child(cx, sub, &e, false);
				ipop(cx, io);
				kpop(cx, ko);
				if (sok)
					ann->m[i] = true;
				else
				{
					ok = false;
					if (!cx->collect)
						return false;
				}
			}
			i++;
		}
	}
	if (node->unevaluated_items && js_is_array(v))
	{
		SchemaNode *sub = node->unevaluated_items;

		js_iter_init(&it, v->val.binary.data);
		while (js_iter_elem(&it, &e))
		{
			if (!ann->m[i])
			{
				int			ko = kpush(cx, "unevaluatedItems");
				int			io = ipush_index(cx, i);
				bool		sok;

				if (sub->kind == SN_FALSE)
				{
					add_error(cx, node, NULL, "must not have unevaluated items");
					sok = false;
				}
				else
					sok = validate_child(cx, sub, &e, false);
				ipop(cx, io);
				kpop(cx, ko);
				if (sok)
					ann->m[i] = true;
				else
				{
					ok = false;
					if (!cx->collect)
						return false;
				}
			}
			i++;
		}
	}
	return ok;
}

static pg_attribute_always_inline bool
validate_impl(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann, const bool yn)
{
	bool		ok = true;
	bool		pushed = false;
	bool		deep = false;
	Annot		local;
	Annot	   *la = ann;
	uint32		has = node->has;
	bool		typed = false;

	if (yn)
		ann = NULL;

	if (node->kind == SN_TRUE)
		return true;
	if (node->kind == SN_FALSE)
	{
		add_error(cx, node, NULL, "no value is allowed here (the schema is false)");
		return false;
	}
	if (has == 0)
		return true;

	/*
	 * In yes/no mode a failing "type" is the answer: give it before the
	 * interrupt and stack checks and the scope push (the failing branches of
	 * anyOf and oneOf are mostly this).  Not under $ref or $dynamicRef,
	 * which are followed before "type" is looked at, so that a reference
	 * that never ends is reported the same whatever the instance.
	 */
	if (!COLLECTING(cx) && (has & HAS_TYPE) && !(has & (HAS_REF | HAS_DYNREF)))
	{
		if (!type_ok(node, v))
			return false;
		typed = true;
	}

	/*
	 * A scalar under a node with no $ref, $dynamicRef or applicator is a
	 * leaf: nothing below calls validate() again, so it needs neither the
	 * interrupt and stack checks nor its resource in the dynamic scope.
	 */
	if (v->type != jbvBinary && !(has & (HAS_REF | HAS_DYNREF | HAS_APPLICATOR)))
		goto checks;

	/* schemas can branch exponentially (nested oneOf through $refs): stay cancelable */
	CHECK_FOR_INTERRUPTS();

	/*
	 * The stack, every fourth level: a few levels of these frames are far
	 * less than the slop check_stack_depth() keeps below max_stack_depth.
	 */
	deep = true;
	if ((++cx->depth & 3) == 0)
		check_stack_depth();

	if (!yn && cx->dynamic_scope &&
		(cx->nscope == 0 || cx->scope[cx->nscope - 1] != node->resource))
	{
		if (cx->nscope == cx->maxscope)
		{
			SchemaResource **bigger = palloc(sizeof(SchemaResource *) * cx->maxscope * 2);

			/* the first array is on the caller's stack: copy, never repalloc */
			memcpy(bigger, cx->scope, sizeof(SchemaResource *) * cx->maxscope);
			cx->scope = bigger;
			cx->maxscope *= 2;
		}
		cx->scope[cx->nscope++] = node->resource;
		pushed = true;
	}

#define FAIL() do { ok = false; if (!COLLECTING(cx)) goto done; } while (0)

checks:
	if (!yn && (has & (HAS_UNEVAL_PROPS | HAS_UNEVAL_ITEMS)) && v->type == jbvBinary)
	{
		/* this node's own marks; merged into the caller's if it passes */
		annot_init(&local, v);
		la = &local;
	}

	if ((has & HAS_REF) && !follow_ref(cx, node->ref, v, la, "$ref"))
		FAIL();
	if ((has & HAS_TYPE) && !typed && !type_ok(node, v))
	{
		add_error(cx, node, "type", "must be of type %s", type_names(node->types));
		FAIL();
	}
	if (has & HAS_CONST)
	{
		if (!JsonSchemaJsonEqual(v, &node->constval))
		{
			add_error(cx, node, "const", "must be equal to the constant");
			FAIL();
		}
	}
	if (has & HAS_ENUM)
	{
		if (!enum_has(node, v))
		{
			add_error(cx, node, "enum", "must be equal to one of the allowed values");
			FAIL();
		}
	}
	switch (v->type)
	{
		case jbvNumeric:
			if ((has & HAS_NUMERIC) && !check_number(cx, node, v->val.numeric))
				FAIL();
			break;
		case jbvString:
			if ((has & HAS_STRING) && !check_string(cx, node, v->val.string.val, v->val.string.len))
				FAIL();
			break;
		case jbvBinary:
			if (JsonContainerIsObject(v->val.binary.data))
			{
				if ((has & HAS_OBJECT) &&
					!(yn ? check_object_yn(cx, node, v) : check_object_all(cx, node, v, la)))
					FAIL();
			}
			else if ((has & HAS_ARRAY) &&
					 !(yn ? check_array_yn(cx, node, v) : check_array_all(cx, node, v, la)))
				FAIL();
			break;
		default:
			break;
	}
	if ((has & HAS_APPLICATOR) &&
		!(yn ? check_applicators_yn(cx, node, v) : check_applicators_all(cx, node, v, la)))
		FAIL();
	if ((has & HAS_DYNREF) &&
		!follow_ref(cx, dynamic_target(cx, node), v, la,
					node->draft == JSON_SCHEMA_DRAFT2019_09 ? "$recursiveRef" : "$dynamicRef"))
		FAIL();
	if (!yn && (has & (HAS_UNEVAL_PROPS | HAS_UNEVAL_ITEMS)) && v->type == jbvBinary)
	{
		if (!check_unevaluated(cx, node, v, la))
			FAIL();
		if (ok && ann)
			annot_merge(ann, la);
	}

done:
	if (pushed)
		cx->nscope--;
	if (deep)
		cx->depth--;
	return ok;
}

static pg_noinline bool
validate_node(VCtx *cx, SchemaNode *node, JsonbValue *v, Annot *ann)
{
	return validate_impl(cx, node, v, ann, false);
}

static pg_noinline bool
validate_yn(VCtx *cx, SchemaNode *node, JsonbValue *v)
{
	return validate_impl(cx, node, v, NULL, true);
}

/*
 * Validate an instance against a compiled tree.  errors == NULL: yes/no.
 */
bool
JsonSchemaValidateNode(SchemaNode *root, JsonbValue *instance, List **errors)
{
	VCtx		cx;
	SchemaResource *scope[16];
	bool		ok;

	memset(&cx, 0, sizeof(cx));
	cx.paths = cx.collect = (errors != NULL);
	if (cx.paths)
	{
		initStringInfo(&cx.kpath);
		initStringInfo(&cx.ipath);
	}
	else
	{
		/* empty strings for locations that are never built */
		cx.kpath.data = "";
		cx.ipath.data = "";
	}
	cx.maxscope = lengthof(scope);
	cx.scope = scope;
	cx.dynamic_scope = root->dynamic_scope;
	if (!errors && !cx.dynamic_scope && root->yn_direct)
		ok = validate_direct(&cx, root, instance);
	else
		ok = validate(&cx, root, instance, NULL);
	if (errors)
		*errors = cx.errors;
	return ok;
}
