/*
 * compat.c
 *		Is every value one schema accepts also accepted by another?  The
 *		compatibility checker for contract evolution.
 *
 * Semantics.  For a writer schema W and a reader schema R the checker tries
 * to prove L(W) <= L(R): every value that W lets a producer write is one a
 * consumer holding R accepts.  BACKWARD is (W = old, R = new), FORWARD is
 * (W = new, R = old), FULL is both.  Under the LENIENT policy the reader
 * ignores undeclared properties: R is the reader schema with every
 * "additionalProperties": false and "unevaluatedProperties": false removed.
 *
 * Soundness comes first.  The checker answers "compatible" only when it has a
 * proof; everything it cannot decide (pattern edits, $dynamicRef, a work
 * budget exceeded, keywords it does not know, constructs it does not model)
 * becomes a finding with effect "unknown", and any finding makes the verdict
 * false.  A proof may over-approximate the writer (drop one of its
 * constraints: the writer then accepts more, so a proof still holds) and must
 * never over-approximate the reader.
 *
 * Shape.  Both schemas are compiled with the validator's compiler (formats
 * asserted), so the checker walks the same trees the validator runs, with
 * "$ref" already resolved through the caller's resolver.  A writer is a
 * conjunction of nodes; "$ref" and "allOf" add conjuncts, "anyOf", "oneOf"
 * and "if" split the conjunction into pieces (disjunctive normal form, at
 * most MAX_PIECES), "not" is dropped.  Each piece is compared with the reader
 * node keyword by keyword, by the kinds of value the piece admits.  A writer
 * whose values are finite (enum, const, null/boolean, small integer ranges)
 * is decided exactly by running the validator on every value.
 *
 * Recursion through "$ref" is coinductive: a (reader, writer) pair met again
 * below a property or an item is assumed to hold; met again without such a
 * guard it is "unknown".  Every step costs from a budget (exceeded:
 * "unknown"), and the walk calls check_stack_depth and CHECK_FOR_INTERRUPTS.
 *
 * Counterexamples.  When a check fails the checker looks for a value the
 * writer accepts and the reader rejects: candidates built from both schemas'
 * bounds, formats and required properties, nested into an object or array
 * around the failing property or item.  Every candidate is validated at each
 * level, and once more against the two whole schemas, before it is returned;
 * a finding with a witness is refuted, one without says "cannot prove".
 *
 * This file knows nothing of the registry; documents reach it through the
 * resolver in the options.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "jsonschema/jsonschema_int.h"

#define MAX_PIECES		64		/* pieces of one writer conjunction */
#define WORK_BUDGET		50000	/* steps of one direction */
#define GEN_DEPTH		8		/* nesting of generated values */
#define MAX_FINDINGS	50
#define MAX_FINITE		256		/* writer values run one by one at most */

/* Kinds of JSON value (integers and other numbers apart) */
#define K_NULL		0x01
#define K_BOOL		0x02
#define K_OBJ		0x04
#define K_ARR		0x08
#define K_STR		0x10
#define K_INT		0x20
#define K_FRAC		0x40
#define K_ALL		0x7F

typedef struct Finding
{
	const char *rule;
	bool		unknown;
	char	   *wpath;
	char	   *rpath;
	char	   *message;
	char	   *witness;		/* JSON text, or NULL */
	bool		backward;		/* found checking old against new */
} Finding;

typedef struct Frame
{
	SchemaNode *r;
	List	   *w;				/* sorted node pointers */
	int			guard;
} Frame;

typedef struct CCtx
{
	List	   *findings;
	List	   *stack;			/* of Frame * */
	int			guard;			/* properties/items entered */
	int			work;
	bool		budget_reported;
	bool		backward;
	const char *wroot;			/* URIs of the roots, for paths */
	const char *rroot;
	Jsonb	   *wdoc;			/* the two documents, for raw comparisons */
	Jsonb	   *rdoc;
	bool		lenient;		/* the reader was opened */
	int			swapped;		/* > 0: comparing with the roles exchanged */
	List	   *same_seen;		/* pairs being compared by same_node */
	List	   *not_nodes;		/* synthetic {"not": branch} nodes, pairs (branch, node) */
	SchemaNode *kind_nodes[7];	/* synthetic {"type": ...} per kind bit */
	SchemaNode *false_node;
} CCtx;

static bool incl_node(CCtx *cx, SchemaNode *r, List *w);
static bool kw_is(JsonbValue *k, const char *s);
static bool incl_piece(CCtx *cx, SchemaNode *r, List *p);
static bool disjoint(CCtx *cx, SchemaNode *n, List *w, int depth);
static char *gen_value(CCtx *cx, List *w, int depth);
static char *gen_object(CCtx *cx, List *p, const char *fkey, const char *fval, int depth);
static char *gen_array(CCtx *cx, List *p, int fidx, const char *fval, int depth);
static List *expand(CCtx *cx, List *w, bool *incomplete);
static List *piece_key_schemas(CCtx *cx, List *p, const char *name);

/* ---------- small helpers ---------- */

static bool
trivial(SchemaNode *n)
{
	return n == NULL || n->kind == SN_TRUE || (n->kind == SN_OBJECT && n->has == 0);
}

static int
kinds_of(uint8 types)
{
	int			k = 0;

	if (types & JST_NULL)
		k |= K_NULL;
	if (types & JST_BOOLEAN)
		k |= K_BOOL;
	if (types & JST_OBJECT)
		k |= K_OBJ;
	if (types & JST_ARRAY)
		k |= K_ARR;
	if (types & JST_STRING)
		k |= K_STR;
	if (types & JST_NUMBER)
		k |= K_INT | K_FRAC;
	if (types & JST_INTEGER)
		k |= K_INT;
	return k;
}

static int
kind_index(int k)
{
	int			i = 0;

	while (k > 1)
	{
		k >>= 1;
		i++;
	}
	return i;
}

static char *
jv_text(JsonbValue *v)
{
	if (v->type == jbvBinary)
		return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
	else
	{
		Jsonb	   *j = JsonbValueToJsonb(v);

		return JsonbToCString(NULL, &j->root, VARSIZE(j));
	}
}

static Jsonb *
parse_json(const char *txt)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(txt)));
}

static bool
accepts(SchemaNode *n, const char *txt)
{
	Jsonb	   *j;
	JsonbValue	v;

	if (n == NULL || n->kind == SN_TRUE)
		return true;
	if (n->kind == SN_FALSE)
		return false;
	j = parse_json(txt);
	js_root(j, &v);
	return JsonSchemaValidateNode(n, &v, NULL);
}

static bool
all_accept(List *p, const char *txt)
{
	ListCell   *lc;

	foreach(lc, p)
	{
		if (!accepts((SchemaNode *) lfirst(lc), txt))
			return false;
	}
	return true;
}

/* a counterexample at this level: the writer piece accepts, r rejects */
static bool
refutes(List *p, SchemaNode *r, const char *txt)
{
	return txt != NULL && all_accept(p, txt) && !accepts(r, txt);
}

static char *
json_string(const char *s)
{
	StringInfoData b;

	initStringInfo(&b);
	escape_json(&b, s);
	return b.data;
}

static char *
node_path(const char *root, SchemaNode *n, const char *kw)
{
	const char *loc;
	const char *hash;
	StringInfoData b;

	initStringInfo(&b);
	if (n == NULL || n->location == NULL)
		loc = "#";
	else
		loc = n->location;
	hash = strchr(loc, '#');
	if (hash && root && (size_t) (hash - loc) == strlen(root) &&
		strncmp(loc, root, hash - loc) == 0)
		appendStringInfoString(&b, hash + 1);
	else
		appendStringInfoString(&b, loc);
	if (kw)
	{
		appendStringInfoChar(&b, '/');
		appendStringInfoString(&b, kw);
	}
	return b.data;
}

static Finding *
add_finding(CCtx *cx, const char *rule, bool unknown, SchemaNode *wn, SchemaNode *rn,
			const char *kw, const char *fmt,...)
pg_attribute_printf(7, 8);

static Finding *
add_finding(CCtx *cx, const char *rule, bool unknown, SchemaNode *wn, SchemaNode *rn,
			const char *kw, const char *fmt,...)
{
	Finding    *f = palloc0(sizeof(Finding));
	StringInfoData b;

	initStringInfo(&b);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&b, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&b, needed);
	}
	f->rule = rule;
	f->unknown = unknown;
	f->wpath = node_path(cx->wroot, wn, kw);
	f->rpath = node_path(cx->rroot, rn, kw);
	f->message = b.data;
	f->backward = cx->backward;
	cx->findings = lappend(cx->findings, f);
	return f;
}

static void
truncate_findings(CCtx *cx, int n)
{
	cx->findings = list_truncate(cx->findings, n);
}

/* Count a step; false (and one "unknown" finding) once the budget is gone. */
static bool
spend(CCtx *cx, SchemaNode *wn, SchemaNode *rn)
{
	CHECK_FOR_INTERRUPTS();
	check_stack_depth();
	if (++cx->work <= WORK_BUDGET)
		return true;
	if (!cx->budget_reported)
	{
		cx->budget_reported = true;
		add_finding(cx, "R1", true, wn, rn, NULL,
					"cannot prove: the comparison exceeded its work budget of %d steps", WORK_BUDGET);
	}
	return false;
}

static SchemaNode *
first_node(List *p)
{
	return p != NIL ? (SchemaNode *) linitial(p) : NULL;
}

/* ---------- numbers ---------- */

static Numeric
num_text(const char *s)
{
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

static int
num_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
num_add(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
num_sub(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_sub, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
num_mul(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_mul, NumericGetDatum(a), NumericGetDatum(b)));
}

static bool
num_divides(Numeric divisor, Numeric n)
{
	Numeric		m = DatumGetNumeric(DirectFunctionCall2(numeric_mod, NumericGetDatum(n),
														NumericGetDatum(divisor)));

	return JsNumericIsZero(m);
}

static char *
num_out(Numeric n)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
}

typedef struct Bound
{
	Numeric		v;				/* NULL: none */
	bool		excl;
} Bound;

/* The writer piece's tightest bound; lower when "lower". */
static Bound
piece_bound(List *p, bool lower, bool int_only)
{
	Bound		b = {NULL, false};
	ListCell   *lc;

	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);
		SchemaNumber *inc = lower ? n->minimum : n->maximum;
		SchemaNumber *exc = lower ? n->exclusive_minimum : n->exclusive_maximum;

		if (inc)
		{
			int			c = b.v ? num_cmp(inc->num, b.v) : 0;

			if (b.v == NULL || (lower ? c > 0 : c < 0))
			{
				b.v = inc->num;
				b.excl = false;
			}
		}
		if (exc)
		{
			int			c = b.v ? num_cmp(exc->num, b.v) : 0;

			if (b.v == NULL || (lower ? c >= 0 : c <= 0))
			{
				b.v = exc->num;
				b.excl = true;
			}
		}
	}
	if (int_only && b.v)
	{
		/* integers only: make the bound an inclusive integer */
		Numeric		one = int64_to_numeric(1);

		if (lower)
		{
			if (b.excl)
				b.v = num_add(DatumGetNumeric(DirectFunctionCall1(numeric_floor, NumericGetDatum(b.v))), one);
			else
				b.v = DatumGetNumeric(DirectFunctionCall1(numeric_ceil, NumericGetDatum(b.v)));
		}
		else
		{
			if (b.excl)
				b.v = num_sub(DatumGetNumeric(DirectFunctionCall1(numeric_ceil, NumericGetDatum(b.v))), one);
			else
				b.v = DatumGetNumeric(DirectFunctionCall1(numeric_floor, NumericGetDatum(b.v)));
		}
		b.excl = false;
	}
	return b;
}

/* Does some node of the piece make every number a multiple of an integer? */
static bool
piece_integral(List *p)
{
	ListCell   *lc;

	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);

		if (n->multiple_of && JsNumericIsIntegral(n->multiple_of->num))
			return true;
	}
	return false;
}

/* The kinds of value a piece admits. */
static int
piece_kinds(List *p)
{
	int			k = K_ALL;
	ListCell   *lc;

	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);

		if (n->kind == SN_FALSE)
			return 0;
		if (n->has & HAS_TYPE)
			k &= kinds_of(n->types);
	}
	if ((k & K_FRAC) && piece_integral(p))
		k &= ~K_FRAC;
	return k;
}

/* ---------- candidates ---------- */

static void
add_num_candidates(List **out, Numeric n)
{
	Numeric		one = int64_to_numeric(1);
	Numeric		half = num_text("0.5");

	*out = lappend(*out, num_out(n));
	*out = lappend(*out, num_out(num_sub(n, one)));
	*out = lappend(*out, num_out(num_add(n, one)));
	*out = lappend(*out, num_out(num_sub(n, half)));
	*out = lappend(*out, num_out(num_add(n, half)));
	*out = lappend(*out, num_out(num_mul(n, int64_to_numeric(2))));
	*out = lappend(*out, num_out(num_mul(n, int64_to_numeric(3))));
}

static void
node_num_candidates(List **out, SchemaNode *n)
{
	if (n == NULL || n->kind != SN_OBJECT)
		return;
	if (n->minimum)
		add_num_candidates(out, n->minimum->num);
	if (n->exclusive_minimum)
		add_num_candidates(out, n->exclusive_minimum->num);
	if (n->maximum)
		add_num_candidates(out, n->maximum->num);
	if (n->exclusive_maximum)
		add_num_candidates(out, n->exclusive_maximum->num);
	if (n->multiple_of)
		add_num_candidates(out, n->multiple_of->num);
}

static const char *const sample_formats[][2] = {
	{"date-time", "\"2024-01-02T03:04:05Z\""},
	{"date", "\"2024-01-02\""},
	{"time", "\"03:04:05Z\""},
	{"duration", "\"P1D\""},
	{"email", "\"a@example.com\""},
	{"idn-email", "\"a@example.com\""},
	{"hostname", "\"example.com\""},
	{"idn-hostname", "\"example.com\""},
	{"ipv4", "\"192.0.2.1\""},
	{"ipv6", "\"2001:db8::1\""},
	{"uri", "\"https://example.com/a\""},
	{"iri", "\"https://example.com/a\""},
	{"uri-reference", "\"/a\""},
	{"iri-reference", "\"/a\""},
	{"uri-template", "\"/a/{b}\""},
	{"uuid", "\"0190a0b0-c0d0-7e00-8f00-000000000001\""},
	{"json-pointer", "\"/a\""},
	{"relative-json-pointer", "\"0/a\""},
	{"regex", "\"^a$\""},
};

static char *
repeat_a(int64 n)
{
	StringInfoData b;
	int64		i;

	initStringInfo(&b);
	appendStringInfoChar(&b, '"');
	for (i = 0; i < n; i++)
		appendStringInfoChar(&b, 'a');
	appendStringInfoChar(&b, '"');
	return b.data;
}

static void
node_str_candidates(List **out, SchemaNode *n)
{
	int			i;

	if (n == NULL || n->kind != SN_OBJECT)
		return;
	if (n->min_length > 0 && n->min_length < 4096)
	{
		*out = lappend(*out, repeat_a(n->min_length));
		*out = lappend(*out, repeat_a(n->min_length - 1));
	}
	if (n->max_length >= 0 && n->max_length < 4096)
	{
		*out = lappend(*out, repeat_a(n->max_length));
		*out = lappend(*out, repeat_a(n->max_length + 1));
	}
	if (n->format_name)
		for (i = 0; i < (int) lengthof(sample_formats); i++)
			if (strcmp(sample_formats[i][0], n->format_name) == 0)
				*out = lappend(*out, (char *) sample_formats[i][1]);
}

/* Values of one kind worth trying against a writer piece and a reader. */
static List *
candidates(CCtx *cx, int kind, List *p, SchemaNode *r, int depth)
{
	List	   *out = NIL;
	ListCell   *lc;

	switch (kind)
	{
		case K_NULL:
			out = list_make1("null");
			break;
		case K_BOOL:
			out = list_make2("true", "false");
			break;
		case K_STR:
			foreach(lc, p)
				node_str_candidates(&out, lfirst(lc));
			node_str_candidates(&out, r);
			out = lappend(out, "\"\"");
			out = lappend(out, "\"a\"");
			out = lappend(out, "\"A\"");
			out = lappend(out, "\"0\"");
			out = lappend(out, "\"AA\"");
			out = lappend(out, "\"aa\"");
			out = lappend(out, "\"not a format\"");
			break;
		case K_INT:
		case K_FRAC:
			foreach(lc, p)
				node_num_candidates(&out, lfirst(lc));
			node_num_candidates(&out, r);
			if (kind == K_INT)
			{
				out = lappend(out, "0");
				out = lappend(out, "1");
				out = lappend(out, "-1");
				out = lappend(out, "2");
				out = lappend(out, "1000000000000");
			}
			else
			{
				out = lappend(out, "0.5");
				out = lappend(out, "1.5");
				out = lappend(out, "-0.5");
			}
			break;
		case K_OBJ:
			{
				char	   *o;

				if (depth < GEN_DEPTH && (o = gen_object(cx, p, NULL, NULL, depth + 1)) != NULL)
				{
					out = lappend(out, o);
					if ((o = gen_object(cx, p, "undeclaredProperty", "null", depth + 1)) != NULL)
						out = lappend(out, o);
				}
				if (r && r->kind == SN_OBJECT && depth < GEN_DEPTH)
				{
					int			i;

					/* one property more than the reader's maxProperties */
					if (r->max_properties >= 0 && r->max_properties < 64 &&
						(o = gen_object(cx, p, NULL, NULL, depth + 1)) != NULL)
					{
						StringInfoData b;
						int64		j;

						initStringInfo(&b);
						appendStringInfoString(&b, o);
						b.len--;	/* the closing brace */
						for (j = 0; j <= r->max_properties; j++)
							appendStringInfo(&b, "%s\"zz%d\": null", (b.len > 1 || j > 0) ? ", " : "", (int) j);
						appendStringInfoChar(&b, '}');
						out = lappend(out, b.data);
					}
					/* a property that makes the reader require others */
					for (i = 0; i < r->ndependent_required; i++)
					{
						const char *k = r->dependent_required[i].key.cstr;
						char	   *v = gen_value(cx, piece_key_schemas(cx, p, k), depth + 1);

						if (v && (o = gen_object(cx, p, k, v, depth + 1)) != NULL)
							out = lappend(out, o);
					}
					for (i = 0; i < r->ndependent_schemas; i++)
					{
						const char *k = r->dependent_schemas[i].key.cstr;
						char	   *v = gen_value(cx, piece_key_schemas(cx, p, k), depth + 1);

						if (v && (o = gen_object(cx, p, k, v, depth + 1)) != NULL)
							out = lappend(out, o);
					}
				}
				out = lappend(out, "{}");
				break;
			}
		case K_ARR:
			{
				char	   *a;

				if (depth < GEN_DEPTH && (a = gen_array(cx, p, -1, NULL, depth + 1)) != NULL)
					out = lappend(out, a);
				out = lappend(out, "[]");
				out = lappend(out, "[null]");
				out = lappend(out, "[0, 0]");
				if (r && r->max_items >= 0 && r->max_items < 64 && depth < GEN_DEPTH)
				{
					int			len = (int) r->max_items + 1;

					if ((a = gen_array(cx, p, len - 1, NULL, depth + 1)) != NULL)
						out = lappend(out, a);
				}
				break;
			}
	}
	return out;
}

/* A value of the given kinds that the piece accepts and r rejects, or NULL. */
static char *
find_witness(CCtx *cx, List *p, SchemaNode *r, int kinds)
{
	int			k;

	for (k = 1; k <= K_FRAC; k <<= 1)
	{
		List	   *c;
		ListCell   *lc;

		if (!(kinds & k))
			continue;
		c = candidates(cx, k, p, r, 0);
		foreach(lc, c)
		{
			char	   *t = lfirst(lc);

			if (cx->work++ > WORK_BUDGET)
				return NULL;
			if (refutes(p, r, t))
				return t;
		}
	}
	return NULL;
}

/* ---------- values a piece admits, when they are few ---------- */

/*
 * The values of a piece when it admits finitely many we can list: an
 * enum/const, null and booleans, a small integer range.  NIL with *finite
 * false otherwise.
 */
static List *
finite_values(CCtx *cx, List *p, int kinds, bool *finite)
{
	List	   *vals = NIL;
	List	   *out = NIL;
	SchemaNode *best = NULL;
	ListCell   *lc;

	*finite = false;
	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);
		int			cnt = (n->has & HAS_CONST) ? 1 : (n->has & HAS_ENUM) ? n->nenum : -1;

		if (cnt >= 0 && (best == NULL ||
						 cnt < ((best->has & HAS_CONST) ? 1 : best->nenum)))
			best = n;
	}
	if (best && (best->has & HAS_ENUM) && !(best->has & HAS_CONST) && best->nenum > MAX_FINITE)
		return NIL;				/* too many to run one by one: compared keyword by keyword */
	if (best)
	{
		if (best->has & HAS_CONST)
			vals = lappend(vals, jv_text(&best->constval));
		else
		{
			int			i;

			for (i = 0; i < best->nenum; i++)
				vals = lappend(vals, jv_text(&best->enums[i]));
		}
	}
	else
	{
		if (kinds & ~(K_NULL | K_BOOL | K_INT))
			return NIL;
		if (kinds & K_NULL)
			vals = lappend(vals, "null");
		if (kinds & K_BOOL)
		{
			vals = lappend(vals, "true");
			vals = lappend(vals, "false");
		}
		if (kinds & K_INT)
		{
			Bound		lo = piece_bound(p, true, true);
			Bound		hi = piece_bound(p, false, true);
			int64		a,
						z;

			if (lo.v == NULL || hi.v == NULL)
				return NIL;
			if (num_cmp(num_sub(hi.v, lo.v), int64_to_numeric(MAX_FINITE)) > 0)
				return NIL;
			a = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(lo.v)));
			z = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(hi.v)));
			for (; a <= z; a++)
				vals = lappend(vals, psprintf(INT64_FORMAT, a));
		}
	}
	foreach(lc, vals)
	{
		char	   *t = lfirst(lc);

		cx->work++;
		if (all_accept(p, t))
			out = lappend(out, t);
	}
	*finite = true;
	return out;
}

/* ---------- expanding a writer into pieces ---------- */

typedef struct Expander
{
	CCtx	   *cx;
	List	   *out;
	bool		incomplete;
} Expander;

/*
 * The canonical order of a piece's nodes: by location (so that the node a
 * finding names does not depend on where memory was allocated), synthetic
 * nodes last, ties by address.
 */
static int
ptr_cmp(const ListCell *a, const ListCell *b)
{
	SchemaNode *p = lfirst(a);
	SchemaNode *q = lfirst(b);
	uintptr_t	x = (uintptr_t) p;
	uintptr_t	y = (uintptr_t) q;

	if (p->location && q->location)
	{
		int			c = strcmp(p->location, q->location);

		if (c != 0)
			return c;
	}
	else if (p->location || q->location)
		return p->location ? -1 : 1;
	return x < y ? -1 : x > y ? 1 : 0;
}

static SchemaNode *synthetic(uint8 types);

/*
 * {"not": branch}, one node per branch for the whole check (so that pieces
 * built twice are the same pieces, which coinduction compares by pointer).
 */
static SchemaNode *
not_node(CCtx *cx, SchemaNode *branch)
{
	ListCell   *lc;
	SchemaNode *n;

	foreach(lc, cx->not_nodes)
	{
		List	   *pair = lfirst(lc);

		if (linitial(pair) == branch)
			return lsecond(pair);
	}
	n = synthetic(0);
	n->has = HAS_APPLICATOR;
	n->not = branch;
	cx->not_nodes = lappend(cx->not_nodes, list_make2(branch, n));
	return n;
}

static void
expand_rec(Expander *e, List *done, List *todo, int from)
{
	int			i;

	for (i = from; i < list_length(todo); i++)
	{
		SchemaNode *n = list_nth(todo, i);
		List	   *groups = NIL;

		if (trivial(n))
			continue;
		if (n->kind == SN_FALSE)
			return;				/* this piece admits nothing */
		if (list_member_ptr(done, n))
			continue;
		if (e->cx->work++ > WORK_BUDGET)
		{
			e->incomplete = true;
			return;
		}
		done = lappend(done, n);
		if (n->has & HAS_DYNREF)
			e->incomplete = true;
		if (n->has & HAS_REF)
			todo = lappend(todo, n->ref);
		if (n->has & HAS_APPLICATOR)
		{
			int			j;

			for (j = 0; j < n->nall_of; j++)
				todo = lappend(todo, n->all_of[j]);
			if (n->nany_of > 0)
			{
				List	   *g = NIL;

				for (j = 0; j < n->nany_of; j++)
					g = lappend(g, list_make1(n->any_of[j]));
				groups = lappend(groups, g);
			}
			/*
			 * oneOf: branch j, and none of the others (exactly one matches),
			 * which lets a reader's unchanged sibling branch be proven
			 * disjoint from the piece
			 */
			if (n->none_of > 0)
			{
				List	   *g = NIL;

				for (j = 0; j < n->none_of; j++)
				{
					List	   *alt = list_make1(n->one_of[j]);
					int			k;

					for (k = 0; k < n->none_of; k++)
						if (k != j && !trivial(n->one_of[k]) && n->one_of[k]->kind != SN_FALSE)
							alt = lappend(alt, not_node(e->cx, n->one_of[k]));
					g = lappend(g, alt);
				}
				groups = lappend(groups, g);
			}
			if (n->if_ && (n->then_ || n->else_))
			{
				/* "if" holds and "then"; or "else" (dropping "not if") */
				List	   *g = NIL;

				g = lappend(g, n->then_ ? list_make2(n->if_, n->then_) : list_make1(n->if_));
				g = lappend(g, n->else_ ? list_make1(n->else_) : NIL);
				groups = lappend(groups, g);
			}
			/* "not" is dropped: the writer admits more, still sound */
		}
		if (groups != NIL)
		{
			/* the cartesian product of the groups, each a new piece */
			int			ng = list_length(groups);
			int		   *idx = palloc0(sizeof(int) * ng);

			for (;;)
			{
				List	   *t = list_copy_tail(todo, i + 1);
				int			g;

				for (g = 0; g < ng; g++)
					t = list_concat(t, (List *) list_nth(list_nth(groups, g), idx[g]));
				if (list_length(e->out) >= MAX_PIECES)
				{
					e->incomplete = true;
					return;
				}
				expand_rec(e, list_copy(done), t, 0);
				if (e->incomplete)
					return;
				for (g = 0; g < ng; g++)
				{
					if (++idx[g] < list_length(list_nth(groups, g)))
						break;
					idx[g] = 0;
				}
				if (g == ng)
					return;
			}
		}
	}
	if (list_length(e->out) >= MAX_PIECES)
	{
		e->incomplete = true;
		return;
	}
	list_sort(done, ptr_cmp);
	e->out = lappend(e->out, done);
}

/*
 * The pieces of a writer conjunction: a list of node lists whose union
 * admits at least what the conjunction admits.  *incomplete when that could
 * not be done (too many pieces, $dynamicRef, budget).
 */
static List *
expand(CCtx *cx, List *w, bool *incomplete)
{
	Expander	e;

	e.cx = cx;
	e.out = NIL;
	e.incomplete = false;
	expand_rec(&e, NIL, list_copy(w), 0);
	*incomplete = e.incomplete;
	return e.out;
}

/* ---------- objects: what a node says about one property ---------- */

static SchemaNode *
uneval_props_simple(SchemaNode *n)
{
	if (n->unevaluated_properties && n->additional_properties == NULL &&
		!(n->has & (HAS_APPLICATOR | HAS_REF | HAS_DYNREF)) && n->ndependent_schemas == 0)
		return n->unevaluated_properties;
	return NULL;
}

static bool
uneval_props_complex(SchemaNode *n)
{
	return n->unevaluated_properties && !trivial(n->unevaluated_properties) &&
		uneval_props_simple(n) == NULL && n->additional_properties == NULL;
}

static SchemaNode *
uneval_items_simple(SchemaNode *n)
{
	if (n->unevaluated_items && n->items == NULL && n->contains == NULL &&
		!(n->has & (HAS_APPLICATOR | HAS_REF | HAS_DYNREF)))
		return n->unevaluated_items;
	return NULL;
}

static bool
uneval_items_complex(SchemaNode *n)
{
	return n->unevaluated_items && !trivial(n->unevaluated_items) &&
		uneval_items_simple(n) == NULL && n->items == NULL;
}

/* The node's "additionalProperties" for undeclared names, or NULL. */
static SchemaNode *
node_additional(SchemaNode *n)
{
	return n->additional_properties ? n->additional_properties : uneval_props_simple(n);
}

static bool
key_is(SchemaKey *k, const char *s)
{
	return (size_t) k->len == strlen(s) && memcmp(k->str, s, k->len) == 0;
}

/* The subschemas a node applies to property "name" (conjunction). */
static List *
key_schemas(CCtx *cx, SchemaNode *n, const char *name)
{
	List	   *out = NIL;
	bool		matched = false;
	int			i;

	if (n->kind != SN_OBJECT)
		return out;
	for (i = 0; i < n->nproperties; i++)
		if (key_is(&n->properties[i].key, name))
		{
			out = lappend(out, n->properties[i].node);
			matched = true;
		}
	for (i = 0; i < n->npattern_properties; i++)
		if (JsonSchemaRegexMatch(n->pattern_properties[i].re, name, strlen(name)))
		{
			out = lappend(out, n->pattern_properties[i].node);
			matched = true;
		}
	if (!matched && node_additional(n))
		out = lappend(out, node_additional(n));
	if (n->property_names && !accepts(n->property_names, json_string(name)))
		out = lappend(out, cx->false_node);
	return out;
}

static List *
piece_key_schemas(CCtx *cx, List *p, const char *name)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, p)
		out = list_concat(out, key_schemas(cx, lfirst(lc), name));
	return out;
}

static bool
node_requires(SchemaNode *n, const char *name)
{
	int			i;

	for (i = 0; i < n->nrequired; i++)
		if (key_is(&n->required[i], name))
			return true;
	return false;
}

static bool
piece_requires(List *p, const char *name)
{
	ListCell   *lc;

	foreach(lc, p)
		if (node_requires(lfirst(lc), name))
			return true;
	return false;
}

static bool
node_declares(SchemaNode *n, const char *name)
{
	int			i;

	for (i = 0; i < n->nproperties; i++)
		if (key_is(&n->properties[i].key, name))
			return true;
	return false;
}

/* Can an object of the piece have property "name"?  (False when provably not.) */
static bool
key_possible(CCtx *cx, List *p, const char *name)
{
	List	   *ks = piece_key_schemas(cx, p, name);
	List	   *pieces;
	bool		inc;

	if (ks == NIL)
		return true;
	pieces = expand(cx, ks, &inc);
	return inc || pieces != NIL;
}

static void
add_name(List **names, const char *s)
{
	ListCell   *lc;

	foreach(lc, *names)
		if (strcmp(lfirst(lc), s) == 0)
			return;
	*names = lappend(*names, pstrdup(s));
}

static void
node_names(SchemaNode *n, List **names)
{
	int			i,
				j;

	if (n == NULL || n->kind != SN_OBJECT)
		return;
	for (i = 0; i < n->nproperties; i++)
		add_name(names, n->properties[i].key.cstr);
	for (i = 0; i < n->nrequired; i++)
		add_name(names, n->required[i].cstr);
	for (i = 0; i < n->ndependent_required; i++)
	{
		add_name(names, n->dependent_required[i].key.cstr);
		for (j = 0; j < n->dependent_required[i].nrequired; j++)
			add_name(names, n->dependent_required[i].required[j].cstr);
	}
	for (i = 0; i < n->ndependent_schemas; i++)
		add_name(names, n->dependent_schemas[i].key.cstr);
	if (n->property_names && n->property_names->kind == SN_OBJECT)
	{
		SchemaNode *pn = n->property_names;

		if ((pn->has & HAS_CONST) && pn->constval.type == jbvString)
			add_name(names, pnstrdup(pn->constval.val.string.val, pn->constval.val.string.len));
		if (pn->has & HAS_ENUM)
			for (i = 0; i < pn->nenum; i++)
				if (pn->enums[i].type == jbvString)
					add_name(names, pnstrdup(pn->enums[i].val.string.val, pn->enums[i].val.string.len));
	}
}

/* Does the node allow no property names but those it lists? */
static bool
node_names_closed(SchemaNode *n)
{
	SchemaNode *add = node_additional(n);
	SchemaNode *pn = n->property_names;

	if (add && add->kind == SN_FALSE && n->npattern_properties == 0)
		return true;
	if (pn && pn->kind == SN_FALSE)
		return true;
	if (pn && pn->kind == SN_OBJECT && (pn->has & (HAS_CONST | HAS_ENUM)))
		return true;
	return false;
}

/* A property name that no schema of the piece or the reader mentions. */
static char *
fresh_name(List *names)
{
	static const char *const pool[] = {"undeclaredProperty", "x", "zz9", "_extra"};
	int			i;

	for (i = 0; i < (int) lengthof(pool); i++)
	{
		ListCell   *lc;
		bool		used = false;

		foreach(lc, names)
			if (strcmp(lfirst(lc), pool[i]) == 0)
				used = true;
		if (!used)
			return (char *) pool[i];
	}
	return psprintf("undeclared%d", list_length(names));
}

/* ---------- generating values ---------- */

static char *
gen_piece(CCtx *cx, List *p, int depth)
{
	int			kinds = piece_kinds(p);
	static const int order[] = {K_STR, K_INT, K_OBJ, K_ARR, K_BOOL, K_NULL, K_FRAC};
	bool		finite;
	List	   *vals;
	int			i;

	if (kinds == 0 || depth > GEN_DEPTH)
		return NULL;
	vals = finite_values(cx, p, kinds, &finite);
	if (finite)
		return vals != NIL ? (char *) linitial(vals) : NULL;
	for (i = 0; i < (int) lengthof(order); i++)
	{
		List	   *c;
		ListCell   *lc;

		if (!(kinds & order[i]))
			continue;
		c = candidates(cx, order[i], p, NULL, depth);
		foreach(lc, c)
		{
			if (cx->work++ > WORK_BUDGET)
				return NULL;
			if (all_accept(p, lfirst(lc)))
				return lfirst(lc);
		}
	}
	return NULL;
}

/* A value the conjunction w admits, or NULL. */
static char *
gen_value(CCtx *cx, List *w, int depth)
{
	bool		inc;
	List	   *pieces;
	ListCell   *lc;

	if (depth > GEN_DEPTH)
		return NULL;
	if (w == NIL)
		return "null";
	pieces = expand(cx, w, &inc);
	foreach(lc, pieces)
	{
		char	   *v = gen_piece(cx, lfirst(lc), depth);

		if (v)
			return v;
	}
	return NULL;
}

/*
 * An object for the piece: its required properties (and more for
 * minProperties), with fkey set to fval when fkey is given.  Not checked.
 */
static char *
gen_object(CCtx *cx, List *p, const char *fkey, const char *fval, int depth)
{
	List	   *names = NIL;
	List	   *all = NIL;
	StringInfoData b;
	ListCell   *lc;
	int64		minp = 0;
	int			count = 0;

	if (depth > GEN_DEPTH)
		return NULL;
	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);
		int			i;

		for (i = 0; i < n->nrequired; i++)
			add_name(&names, n->required[i].cstr);
		node_names(n, &all);
		if (n->min_properties > minp)
			minp = n->min_properties;
	}
	/* optional declared properties when minProperties asks for more */
	foreach(lc, all)
	{
		if (list_length(names) + (fkey ? 1 : 0) >= minp)
			break;
		add_name(&names, lfirst(lc));
	}
	initStringInfo(&b);
	appendStringInfoChar(&b, '{');
	foreach(lc, names)
	{
		const char *k = lfirst(lc);
		char	   *v;

		if (fkey && strcmp(k, fkey) == 0)
			continue;
		v = gen_value(cx, piece_key_schemas(cx, p, k), depth + 1);
		if (v == NULL)
			return NULL;
		if (count++ > 0)
			appendStringInfoString(&b, ", ");
		escape_json(&b, k);
		appendStringInfo(&b, ": %s", v);
	}
	if (fkey)
	{
		if (count++ > 0)
			appendStringInfoString(&b, ", ");
		escape_json(&b, fkey);
		appendStringInfo(&b, ": %s", fval);
	}
	appendStringInfoChar(&b, '}');
	return b.data;
}

static SchemaNode *
item_schema(SchemaNode *n, int i)
{
	if (n->kind != SN_OBJECT)
		return NULL;
	if (i < n->nprefix)
		return n->prefix_items[i];
	if (n->items)
		return n->items;
	return uneval_items_simple(n);
}

static List *
piece_item_schemas(List *p, int i)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, p)
	{
		SchemaNode *s = item_schema(lfirst(lc), i);

		if (s)
			out = lappend(out, s);
	}
	return out;
}

/* An array for the piece, with item fidx set to fval (or just long enough). */
static char *
gen_array(CCtx *cx, List *p, int fidx, const char *fval, int depth)
{
	int64		len = 0;
	ListCell   *lc;
	StringInfoData b;
	int			i;

	if (depth > GEN_DEPTH)
		return NULL;
	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);

		if (n->min_items > len)
			len = n->min_items;
		if (n->contains && n->min_contains != 0 && len < 1)
			len = 1;
	}
	if (fidx + 1 > len)
		len = fidx + 1;
	if (len > 64)
		return NULL;
	initStringInfo(&b);
	appendStringInfoChar(&b, '[');
	for (i = 0; i < len; i++)
	{
		char	   *v;

		if (i == fidx && fval)
			v = (char *) fval;
		else
		{
			List	   *w = piece_item_schemas(p, i);
			ListCell   *lc2;

			/* an item that also matches a "contains" when there is one */
			foreach(lc2, p)
			{
				SchemaNode *n = lfirst(lc2);

				if (n->contains && i == 0)
					w = lappend(w, n->contains);
			}
			v = gen_value(cx, w, depth + 1);
		}
		if (v == NULL)
			return NULL;
		if (i > 0)
			appendStringInfoString(&b, ", ");
		appendStringInfoString(&b, v);
	}
	appendStringInfoChar(&b, ']');
	return b.data;
}

/*
 * The findings from "start" on were found one level down (property "key" or
 * item "idx"): put their witnesses into a value of this level, kept only if
 * it still refutes here.
 */
static void
wrap_witnesses(CCtx *cx, int start, List *p, SchemaNode *r, const char *key, int idx)
{
	int			i;

	for (i = start; i < list_length(cx->findings); i++)
	{
		Finding    *f = list_nth(cx->findings, i);
		char	   *v;

		if (f->witness == NULL)
			continue;
		v = key ? gen_object(cx, p, key, f->witness, 0) : gen_array(cx, p, idx, f->witness, 0);
		f->witness = refutes(p, r, v) ? v : NULL;
		if (f->witness == NULL && !f->unknown)
		{
			f->unknown = true;
			f->message = psprintf("cannot prove: %s", f->message);
		}
	}
}

/* Witnesses of findings from "start" on, tried against r at this level. */
static char *
reuse_witness(CCtx *cx, int start, List *p, SchemaNode *r)
{
	int			i;

	for (i = start; i < list_length(cx->findings); i++)
	{
		Finding    *f = list_nth(cx->findings, i);

		if (f->witness && refutes(p, r, f->witness))
			return f->witness;
	}
	return NULL;
}

/* A finding for a failed check at this level, with a witness if one is found. */
static void
fail_here(CCtx *cx, const char *rule, List *p, SchemaNode *r, const char *kw, int kinds,
		  const char *what)
{
	char	   *w = find_witness(cx, p, r, kinds);
	Finding    *f;

	if (w)
		f = add_finding(cx, rule, false, first_node(p), r, kw,
						"the reader rejects values the writer accepts: %s", what);
	else
		f = add_finding(cx, rule, true, first_node(p), r, kw,
						"cannot prove that the reader accepts every value of the writer: %s", what);
	f->witness = w;
}

/* ---------- identical subschemas ---------- */

/* The value at a JSON Pointer (as compile.c writes them: ~0 ~1, no %-encoding). */
static bool
raw_at(Jsonb *doc, const char *ptr, JsonbValue *out)
{
	const char *p = ptr;

	js_root(doc, out);
	while (*p == '/')
	{
		StringInfoData tok;
		JsonbValue	key;
		JsonbValue *next;

		p++;
		initStringInfo(&tok);
		while (*p && *p != '/')
		{
			if (p[0] == '~' && p[1] == '1')
			{
				appendStringInfoChar(&tok, '/');
				p += 2;
			}
			else if (p[0] == '~' && p[1] == '0')
			{
				appendStringInfoChar(&tok, '~');
				p += 2;
			}
			else
				appendStringInfoChar(&tok, *p++);
		}
		if (js_is_object(out))
		{
			key.type = jbvString;
			key.val.string.val = tok.data;
			key.val.string.len = tok.len;
			next = findJsonbValueFromContainer(out->val.binary.data, JB_FOBJECT, &key);
		}
		else if (js_is_array(out))
		{
			char	   *end;
			long		i = strtol(tok.data, &end, 10);

			if (*end != '\0' || i < 0)
				return false;
			next = getIthJsonbValueFromContainer(out->val.binary.data, (uint32) i);
		}
		else
			return false;
		if (next == NULL)
			return false;
		*out = *next;
	}
	return *p == '\0';
}

/*
 * Does the raw subschema refer anywhere ($ref & co.), or, for an opened
 * (LENIENT) reader, close an object (which opening changed, and not always
 * by widening: below oneOf or not it narrows)?
 */
static bool
raw_has_ref(JsonbValue *v, bool lenient, int depth)
{
	JsIter		it;
	JsonbValue	k,
				x;

	if (depth > 100)
		return true;
	check_stack_depth();
	if (js_is_object(v))
	{
		js_iter_init(&it, v->val.binary.data);
		while (js_iter_pair(&it, &k, &x))
		{
			if (kw_is(&k, "$ref") || kw_is(&k, "$dynamicRef") || kw_is(&k, "$recursiveRef"))
				return true;
			if (lenient && (kw_is(&k, "additionalProperties") || kw_is(&k, "unevaluatedProperties")) &&
				x.type == jbvBool && !x.val.boolean)
				return true;
			if (raw_has_ref(&x, lenient, depth + 1))
				return true;
		}
	}
	else if (js_is_array(v))
	{
		js_iter_init(&it, v->val.binary.data);
		while (js_iter_elem(&it, &x))
			if (raw_has_ref(&x, lenient, depth + 1))
				return true;
	}
	return false;
}

static bool
raw_of(CCtx *cx, SchemaNode *n, bool writer, JsonbValue *out)
{
	const char *root = writer ? cx->wroot : cx->rroot;
	const char *hash;

	if (n == NULL || n->location == NULL || (hash = strchr(n->location, '#')) == NULL)
		return false;
	if ((size_t) (hash - n->location) != strlen(root) || strncmp(n->location, root, hash - n->location) != 0)
		return false;
	return raw_at(writer ? cx->wdoc : cx->rdoc, hash + 1, out);
}

/*
 * Is writer node w the very same schema as reader node r?  The same node of
 * a shared document, or equal JSON in the two documents with no reference
 * inside (a reference could land on different targets) and the same draft;
 * for a LENIENT reader, also nothing that opening the reader changed.
 */
static bool
same_schema(CCtx *cx, SchemaNode *w, SchemaNode *r)
{
	JsonbValue	a,
				b;
	const char *hash;

	if (w->location == NULL || r->location == NULL || w->draft != r->draft || cx->swapped > 0)
		return false;
	hash = strchr(w->location, '#');
	/* (an opened reader's copy of a shared document is not the writer's) */
	if (hash && !cx->lenient && strcmp(w->location, r->location) == 0)
	{
		size_t		ulen = hash - w->location;

		/* a shared document: neither of the two being compared */
		if (!(ulen == strlen(cx->wroot) && strncmp(w->location, cx->wroot, ulen) == 0) &&
			!(ulen == strlen(cx->rroot) && strncmp(w->location, cx->rroot, ulen) == 0))
			return true;
	}
	if (!raw_of(cx, w, true, &a) || !raw_of(cx, r, false, &b))
		return false;
	if (!JsonSchemaJsonEqual(&a, &b))
		return false;
	return !raw_has_ref(&a, cx->lenient, 0);
}

/*
 * Structural inclusion of compiled trees: is writer node a the same schema as
 * reader node b, keyword for keyword, children compared the same way and
 * cycles through $ref assumed equal (two isomorphic graphs validate alike)?
 * "mono" says the position is monotone (not below not, oneOf, an if
 * condition or contains): only there may the LENIENT reader lack an
 * additionalProperties/unevaluatedProperties false the writer has, since
 * dropping a constraint in a monotone position only widens the reader.
 */
typedef struct SamePair
{
	SchemaNode *a;
	SchemaNode *b;
	bool		mono;
} SamePair;

static bool same_node(CCtx *cx, SchemaNode *a, SchemaNode *b, bool mono, int depth);

static bool
same_num(SchemaNumber *a, SchemaNumber *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return num_cmp(a->num, b->num) == 0;
}

static bool
same_key(SchemaKey *a, SchemaKey *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

static bool
same_list(CCtx *cx, SchemaNode **a, SchemaNode **b, int n, bool mono, int depth)
{
	int			i;

	for (i = 0; i < n; i++)
		if (!same_node(cx, a[i], b[i], mono, depth))
			return false;
	return true;
}

/* a closing false of the writer against nothing in an opened reader */
static bool
same_closing(CCtx *cx, SchemaNode *a, SchemaNode *b, bool mono, int depth)
{
	if (b == NULL && a != NULL && a->kind == SN_FALSE)
		return cx->lenient && mono;
	if (a == NULL || b == NULL)
		return a == b;
	return same_node(cx, a, b, mono, depth);
}

static bool
same_node(CCtx *cx, SchemaNode *a, SchemaNode *b, bool mono, int depth)
{
	ListCell   *lc;
	SamePair   *sp;
	bool		ok = true;
	int			i,
				j;
	uint32		ahas,
				bhas;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind)
		return false;
	if (a->kind != SN_OBJECT)
		return true;
	if (depth > 200 || cx->work++ > WORK_BUDGET)
		return false;
	check_stack_depth();
	foreach(lc, cx->same_seen)
	{
		sp = lfirst(lc);
		if (sp->a == a && sp->b == b && (!sp->mono || mono))
			return true;
	}
	ahas = a->has & ~HAS_UNEVAL_PROPS;
	bhas = b->has & ~HAS_UNEVAL_PROPS;
	if (a->draft != b->draft || ahas != bhas || (a->has & HAS_DYNREF))
		return false;
	if (a->types != b->types || a->nenum != b->nenum)
		return false;
	for (i = 0; i < a->nenum; i++)
		if (!JsonSchemaJsonEqual(&a->enums[i], &b->enums[i]))
			return false;
	if ((a->has & HAS_CONST) && !JsonSchemaJsonEqual(&a->constval, &b->constval))
		return false;
	if (!same_num(a->minimum, b->minimum) || !same_num(a->maximum, b->maximum) ||
		!same_num(a->exclusive_minimum, b->exclusive_minimum) ||
		!same_num(a->exclusive_maximum, b->exclusive_maximum) ||
		!same_num(a->multiple_of, b->multiple_of))
		return false;
	if (a->min_length != b->min_length || a->max_length != b->max_length ||
		a->format != b->format ||
		(a->pattern_source == NULL) != (b->pattern_source == NULL) ||
		(a->pattern_source && strcmp(a->pattern_source, b->pattern_source) != 0))
		return false;
	if (a->nprefix != b->nprefix || a->min_contains != b->min_contains ||
		a->max_contains != b->max_contains || a->min_items != b->min_items ||
		a->max_items != b->max_items || a->unique_items != b->unique_items)
		return false;
	if (a->nproperties != b->nproperties || a->npattern_properties != b->npattern_properties ||
		a->nrequired != b->nrequired || a->ndependent_required != b->ndependent_required ||
		a->ndependent_schemas != b->ndependent_schemas || a->min_properties != b->min_properties ||
		a->max_properties != b->max_properties)
		return false;
	for (i = 0; i < a->nproperties; i++)
		if (!same_key(&a->properties[i].key, &b->properties[i].key))
			return false;
	for (i = 0; i < a->npattern_properties; i++)
		if (strcmp(a->pattern_properties[i].source, b->pattern_properties[i].source) != 0)
			return false;
	for (i = 0; i < a->nrequired; i++)
		if (!same_key(&a->required[i], &b->required[i]))
			return false;
	for (i = 0; i < a->ndependent_required; i++)
	{
		SchemaDependentRequired *x = &a->dependent_required[i];
		SchemaDependentRequired *y = &b->dependent_required[i];

		if (!same_key(&x->key, &y->key) || x->nrequired != y->nrequired)
			return false;
		for (j = 0; j < x->nrequired; j++)
			if (!same_key(&x->required[j], &y->required[j]))
				return false;
	}
	for (i = 0; i < a->ndependent_schemas; i++)
		if (!same_key(&a->dependent_schemas[i].key, &b->dependent_schemas[i].key))
			return false;
	if (a->nall_of != b->nall_of || a->nany_of != b->nany_of || a->none_of != b->none_of ||
		(a->not == NULL) != (b->not == NULL) || (a->if_ == NULL) != (b->if_ == NULL) ||
		(a->then_ == NULL) != (b->then_ == NULL) || (a->else_ == NULL) != (b->else_ == NULL) ||
		(a->ref == NULL) != (b->ref == NULL))
		return false;

	/*
	 * Below an unevaluatedProperties/Items schema, what children evaluate
	 * matters: no relaxation there.
	 */
	if (b->unevaluated_properties || b->unevaluated_items)
		mono = false;

	/* the children, with this pair assumed equal meanwhile */
	sp = palloc(sizeof(SamePair));
	sp->a = a;
	sp->b = b;
	sp->mono = mono;
	cx->same_seen = lappend(cx->same_seen, sp);
	ok = same_list(cx, a->prefix_items, b->prefix_items, a->nprefix, mono, depth + 1) &&
		same_node(cx, a->items, b->items, mono, depth + 1) &&
		same_node(cx, a->contains, b->contains, false, depth + 1) &&
		same_node(cx, a->unevaluated_items, b->unevaluated_items, false, depth + 1) &&
		same_closing(cx, a->additional_properties, b->additional_properties, mono, depth + 1) &&
		same_closing(cx, a->unevaluated_properties, b->unevaluated_properties, false, depth + 1) &&
		same_node(cx, a->property_names, b->property_names, mono, depth + 1) &&
		same_list(cx, a->all_of, b->all_of, a->nall_of, mono, depth + 1) &&
		same_list(cx, a->any_of, b->any_of, a->nany_of, mono, depth + 1) &&
		same_list(cx, a->one_of, b->one_of, a->none_of, false, depth + 1) &&
		same_node(cx, a->not, b->not, false, depth + 1) &&
		same_node(cx, a->if_, b->if_, false, depth + 1) &&
		same_node(cx, a->then_, b->then_, mono, depth + 1) &&
		same_node(cx, a->else_, b->else_, mono, depth + 1) &&
		same_node(cx, a->ref, b->ref, mono, depth + 1);
	for (i = 0; ok && i < a->nproperties; i++)
		ok = same_node(cx, a->properties[i].node, b->properties[i].node, mono, depth + 1);
	for (i = 0; ok && i < a->npattern_properties; i++)
		ok = same_node(cx, a->pattern_properties[i].node, b->pattern_properties[i].node, mono, depth + 1);
	for (i = 0; ok && i < a->ndependent_schemas; i++)
		ok = same_node(cx, a->dependent_schemas[i].node, b->dependent_schemas[i].node, mono, depth + 1);
	if (!ok)
		cx->same_seen = list_delete_ptr(cx->same_seen, sp);
	return ok;
}

/* ---------- the inclusion check ---------- */

static bool
incl_node(CCtx *cx, SchemaNode *r, List *w)
{
	List	   *pieces;
	bool		inc;
	ListCell   *lc;

	if (trivial(r))
		return true;
	if (!spend(cx, first_node(w), r))
		return false;
	pieces = expand(cx, w, &inc);
	if (inc)
	{
		if (cx->work > WORK_BUDGET)
			return spend(cx, first_node(w), r);
		add_finding(cx, "R1", true, first_node(w), r, NULL,
					"cannot prove: the writer uses $dynamicRef/$recursiveRef or has more than %d alternatives",
					MAX_PIECES);
		return false;
	}
	foreach(lc, pieces)
	{
		if (!incl_piece(cx, r, lfirst(lc)))
			return false;
	}
	return true;
}

static bool
same_piece(List *a, List *b)
{
	int			i;

	if (list_length(a) != list_length(b))
		return false;
	for (i = 0; i < list_length(a); i++)
		if (list_nth(a, i) != list_nth(b, i))
			return false;
	return true;
}

static bool check_numbers(CCtx *cx, SchemaNode *r, List *p, int kinds);
static bool check_strings(CCtx *cx, SchemaNode *r, List *p);
static bool check_objects(CCtx *cx, SchemaNode *r, List *p);
static bool check_arrays(CCtx *cx, SchemaNode *r, List *p);
static bool check_applicators(CCtx *cx, SchemaNode *r, List *p, int kinds);

static bool
incl_piece(CCtx *cx, SchemaNode *r, List *p)
{
	int			kinds;
	bool		ok = true;
	bool		finite;
	List	   *vals;
	ListCell   *lc;
	Frame	   *fr;

	if (trivial(r))
		return true;
	if (!spend(cx, first_node(p), r))
		return false;
	kinds = piece_kinds(p);
	if (kinds == 0)
		return true;			/* the writer admits nothing here */
	foreach(lc, p)
	{
		int			nseen = list_length(cx->same_seen);

		if (same_schema(cx, lfirst(lc), r))
			return true;
		if (same_node(cx, lfirst(lc), r, true, 0))
			return true;
		cx->same_seen = list_truncate(cx->same_seen, nseen);
	}

	/* coinduction: the same pair again below a property or item holds */
	foreach(lc, cx->stack)
	{
		Frame	   *f = lfirst(lc);

		if (f->r == r && same_piece(f->w, p))
		{
			if (cx->guard > f->guard)
				return true;
			add_finding(cx, "R1", true, first_node(p), r, NULL,
						"cannot prove: unguarded recursion through $ref");
			return false;
		}
	}

	if (r->kind == SN_FALSE)
	{
		fail_here(cx, "V3", p, r, NULL, kinds, "the reader schema is false");
		return false;
	}

	/* few writer values: run the reader on each of them */
	vals = finite_values(cx, p, kinds, &finite);
	if (finite)
	{
		foreach(lc, vals)
		{
			char	   *t = lfirst(lc);

			if (!accepts(r, t))
			{
				Finding    *f = add_finding(cx, (kinds & ~(K_NULL | K_BOOL | K_INT)) ? "V5" : "V2",
											false, first_node(p), r, NULL,
											"the reader rejects a value the writer allows");

				f->witness = t;
				return false;
			}
			if (cx->work++ > WORK_BUDGET)
				return spend(cx, first_node(p), r);
		}
		return true;
	}

	fr = palloc(sizeof(Frame));
	fr->r = r;
	fr->w = p;
	fr->guard = cx->guard;
	cx->stack = lcons(fr, cx->stack);

	if (r->has & HAS_DYNREF)
	{
		add_finding(cx, "R1", true, first_node(p), r, "$dynamicRef",
					"cannot prove: the reader uses $dynamicRef/$recursiveRef");
		ok = false;
		goto out;
	}
	if ((r->has & HAS_REF) && !incl_piece(cx, r->ref, p))
	{
		ok = false;
		goto out;
	}
	if (r->has & HAS_TYPE)
	{
		int			missing = kinds & ~kinds_of(r->types);

		if (missing)
		{
			fail_here(cx, (kinds & kinds_of(r->types)) ? "V2" : "V3", p, r, "type", missing,
					  "the reader's \"type\" does not allow every type the writer allows");
			ok = false;
			goto out;
		}
	}
	if (r->has & (HAS_ENUM | HAS_CONST))
	{
		/* infinitely many writer values against a finite reader */
		fail_here(cx, "V5", p, r, (r->has & HAS_ENUM) ? "enum" : "const", kinds,
				  "the reader allows only listed values");
		ok = false;
		goto out;
	}
	if ((kinds & (K_INT | K_FRAC)) && (r->has & HAS_NUMERIC) && !check_numbers(cx, r, p, kinds))
		ok = false;
	if (ok && (kinds & K_STR) && (r->has & HAS_STRING) && !check_strings(cx, r, p))
		ok = false;
	if (ok && (kinds & K_OBJ) && ((r->has & HAS_OBJECT) || r->unevaluated_properties) &&
		!check_objects(cx, r, p))
		ok = false;
	if (ok && (kinds & K_ARR) && ((r->has & HAS_ARRAY) || r->unevaluated_items) &&
		!check_arrays(cx, r, p))
		ok = false;
	if (ok && (r->has & HAS_APPLICATOR) && !check_applicators(cx, r, p, kinds))
		ok = false;
out:
	cx->stack = list_delete_first(cx->stack);
	return ok;
}

static bool
check_numbers(CCtx *cx, SchemaNode *r, List *p, int kinds)
{
	bool		int_only = !(kinds & K_FRAC);
	int			nk = kinds & (K_INT | K_FRAC);

	if (r->minimum || r->exclusive_minimum)
	{
		Bound		lo = piece_bound(p, true, int_only);
		bool		good = lo.v != NULL;

		if (good && r->minimum && num_cmp(lo.v, r->minimum->num) < 0)
			good = false;
		if (good && r->exclusive_minimum)
		{
			int			c = num_cmp(lo.v, r->exclusive_minimum->num);

			if (c < 0 || (c == 0 && !lo.excl))
				good = false;
		}
		if (!good)
		{
			fail_here(cx, "N2", p, r, r->minimum ? "minimum" : "exclusiveMinimum", nk,
					  "the reader's lower bound is above the writer's");
			return false;
		}
	}
	if (r->maximum || r->exclusive_maximum)
	{
		Bound		hi = piece_bound(p, false, int_only);
		bool		good = hi.v != NULL;

		if (good && r->maximum && num_cmp(hi.v, r->maximum->num) > 0)
			good = false;
		if (good && r->exclusive_maximum)
		{
			int			c = num_cmp(hi.v, r->exclusive_maximum->num);

			if (c > 0 || (c == 0 && !hi.excl))
				good = false;
		}
		if (!good)
		{
			fail_here(cx, "N2", p, r, r->maximum ? "maximum" : "exclusiveMaximum", nk,
					  "the reader's upper bound is below the writer's");
			return false;
		}
	}
	if (r->multiple_of)
	{
		bool		good = false;
		ListCell   *lc;

		foreach(lc, p)
		{
			SchemaNode *n = lfirst(lc);

			if (n->multiple_of && num_divides(r->multiple_of->num, n->multiple_of->num))
				good = true;
		}
		if (!good && int_only && num_divides(r->multiple_of->num, int64_to_numeric(1)))
			good = true;
		if (!good)
		{
			fail_here(cx, "N3", p, r, "multipleOf", nk,
					  "the writer allows numbers that are not multiples of the reader's \"multipleOf\"");
			return false;
		}
	}
	return true;
}

static bool
check_strings(CCtx *cx, SchemaNode *r, List *p)
{
	int64		wmin = 0,
				wmax = -1;
	bool		pattern_ok = (r->pattern == NULL);
	bool		format_ok = (r->format == NULL);
	ListCell   *lc;

	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);

		if (n->min_length > wmin)
			wmin = n->min_length;
		if (n->max_length >= 0 && (wmax < 0 || n->max_length < wmax))
			wmax = n->max_length;
		if (r->pattern && n->pattern && strcmp(n->pattern_source, r->pattern_source) == 0)
			pattern_ok = true;
		if (r->format && n->format == r->format)
			format_ok = true;
	}
	if (r->min_length > wmin)
	{
		fail_here(cx, "S2", p, r, "minLength", K_STR, "the reader's \"minLength\" is above the writer's");
		return false;
	}
	if (r->max_length >= 0 && (wmax < 0 || wmax > r->max_length))
	{
		fail_here(cx, "S2", p, r, "maxLength", K_STR, "the reader's \"maxLength\" is below the writer's");
		return false;
	}
	if (!pattern_ok)
	{
		fail_here(cx, "S3", p, r, "pattern", K_STR,
				  "the reader's \"pattern\" is not one the writer has (patterns are not compared)");
		return false;
	}
	if (!format_ok)
	{
		fail_here(cx, "S4", p, r, "format", K_STR, "the reader asserts a \"format\" the writer does not");
		return false;
	}
	return true;
}

static bool
check_objects(CCtx *cx, SchemaNode *r, List *p)
{
	List	   *names = NIL;
	ListCell   *lc;
	bool		other_possible = true;
	int64		wminp = 0,
				wmaxp = -1;
	int			nrequired = 0;
	int			npossible = 0;

	if (uneval_props_complex(r))
	{
		fail_here(cx, "O8", p, r, "unevaluatedProperties", K_OBJ,
				  "cannot compare \"unevaluatedProperties\" next to applicators");
		return false;
	}
	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);

		node_names(n, &names);
		if (node_names_closed(n))
			other_possible = false;
		if (n->min_properties > wminp)
			wminp = n->min_properties;
		if (n->max_properties >= 0 && (wmaxp < 0 || n->max_properties < wmaxp))
			wmaxp = n->max_properties;
	}
	node_names(r, &names);

	/* a required property the writer can never have: no writer objects */
	foreach(lc, names)
	{
		const char *k = lfirst(lc);

		if (piece_requires(p, k) && !key_possible(cx, p, k))
			return true;
	}

	foreach(lc, names)
	{
		const char *k = lfirst(lc);
		bool		wreq = piece_requires(p, k);
		List	   *wk;
		List	   *rk;
		ListCell   *lc2;

		if (wreq)
			nrequired++;
		if (!key_possible(cx, p, k))
		{
			if (node_requires(r, k))
			{
				fail_here(cx, cx->backward ? "O5" : "O6", p, r, "required", K_OBJ,
						  "the reader requires a property the writer cannot have");
				return false;
			}
			continue;
		}
		npossible++;
		wk = piece_key_schemas(cx, p, k);
		rk = key_schemas(cx, r, k);
		foreach(lc2, rk)
		{
			SchemaNode *rs = lfirst(lc2);
			int			start = list_length(cx->findings);
			bool		good;

			cx->guard++;
			good = incl_node(cx, rs, wk);
			cx->guard--;
			if (!good)
			{
				if (rs->kind == SN_FALSE)
				{
					/* the reader does not allow the property at all */
					truncate_findings(cx, start);
					{
						char	   *sub = gen_value(cx, wk, 1);
						Finding    *f;
						char	   *v = sub ? gen_object(cx, p, k, sub, 0) : NULL;
						bool		real = refutes(p, r, v);

						f = add_finding(cx, cx->backward ? "O2" : "O1", !real, first_node(p), r, "additionalProperties",
										real ? "the writer allows property \"%s\", the reader does not" :
										"cannot prove that the reader allows property \"%s\"", k);
						f->witness = real ? v : NULL;
					}
				}
				else
				{
					bool		declared = false;
					ListCell   *lc3;
					int			i;

					wrap_witnesses(cx, start, p, r, k, -1);
					/* the writer does not declare it: a property added (or removed) */
					foreach(lc3, p)
						if (node_declares(lfirst(lc3), k))
							declared = true;
					if (!declared)
						for (i = start; i < list_length(cx->findings); i++)
							((Finding *) list_nth(cx->findings, i))->rule = cx->backward ? "O1" : "O2";
				}
				return false;
			}
		}
		if (node_requires(r, k) && !wreq)
		{
			bool		declared = false;
			ListCell   *lc3;

			foreach(lc3, p)
				if (node_declares(lfirst(lc3), k))
					declared = true;
			{
				char	   *v = gen_object(cx, p, NULL, NULL, 0);
				bool		real = refutes(p, r, v);
				Finding    *f;

				f = add_finding(cx, cx->backward ? (declared ? "O3" : "O5") : (declared ? "O4" : "O6"),
								!real, first_node(p), r, "required",
								real ? "the reader requires property \"%s\", the writer does not" :
								"cannot prove that the writer always has property \"%s\"", k);
				f->witness = real ? v : NULL;
			}
			return false;
		}
	}

	/* properties no schema names */
	if (other_possible)
	{
		SchemaNode *radd = node_additional(r);
		char	   *fresh = fresh_name(names);

		if (r->npattern_properties > 0)
		{
			/* only when a writer node has the very same patterns */
			bool		good = false;

			foreach(lc, p)
			{
				SchemaNode *q = lfirst(lc);
				int			i,
							j;
				bool		same = q->npattern_properties == r->npattern_properties;

				for (i = 0; same && i < r->npattern_properties; i++)
				{
					bool		found = false;

					for (j = 0; j < q->npattern_properties; j++)
						if (strcmp(q->pattern_properties[j].source, r->pattern_properties[i].source) == 0)
						{
							int			start = list_length(cx->findings);
							bool		sub;

							found = true;
							cx->guard++;
							sub = incl_node(cx, r->pattern_properties[i].node,
											list_make1(q->pattern_properties[j].node));
							cx->guard--;
							truncate_findings(cx, start);
							if (!sub)
								same = false;
						}
					if (!found)
						same = false;
				}
				if (same && radd)
				{
					int			start = list_length(cx->findings);
					SchemaNode *qadd = node_additional(q);

					cx->guard++;
					same = incl_node(cx, radd, qadd ? list_make1(qadd) : NIL);
					cx->guard--;
					truncate_findings(cx, start);
				}
				if (same)
				{
					good = true;
					break;
				}
			}
			if (!good)
			{
				add_finding(cx, "O9", true, first_node(p), r, "patternProperties",
							"cannot prove: the reader's \"patternProperties\" differ from the writer's (patterns are not compared)");
				return false;
			}
		}
		else if (!trivial(radd))
		{
			List	   *wadd = NIL;
			int			start = list_length(cx->findings);
			bool		good;

			foreach(lc, p)
			{
				SchemaNode *n = lfirst(lc);

				if (n->npattern_properties == 0 && node_additional(n))
					wadd = lappend(wadd, node_additional(n));
			}
			cx->guard++;
			good = incl_node(cx, radd, wadd);
			cx->guard--;
			if (!good)
			{
				/* a writer node with patterns may still cover it */
				foreach(lc, p)
				{
					SchemaNode *q = lfirst(lc);
					int			i;
					int			s2 = list_length(cx->findings);
					bool		all = q->npattern_properties > 0;

					cx->guard++;
					for (i = 0; all && i < q->npattern_properties; i++)
						all = incl_node(cx, radd, list_make1(q->pattern_properties[i].node));
					if (all)
						all = incl_node(cx, radd, node_additional(q) ? list_make1(node_additional(q)) : NIL);
					cx->guard--;
					truncate_findings(cx, s2);
					if (all)
					{
						good = true;
						break;
					}
				}
			}
			if (!good)
			{
				if (radd->kind == SN_FALSE)
				{
					char	   *v = gen_object(cx, p, fresh, "null", 0);
					bool		real;
					Finding    *f;

					truncate_findings(cx, start);
					real = refutes(p, r, v);
					f = add_finding(cx, "O8", !real, first_node(p), r, "additionalProperties",
									real ? "the writer allows undeclared properties, the reader does not" :
									"cannot prove that the reader allows every property the writer allows");
					f->witness = real ? v : NULL;
				}
				else
					wrap_witnesses(cx, start, p, r, fresh, -1);
				return false;
			}
			truncate_findings(cx, start);
		}
		if (r->property_names && !trivial(r->property_names))
		{
			List	   *wpn = list_make1(cx->kind_nodes[kind_index(K_STR)]);
			int			start = list_length(cx->findings);

			foreach(lc, p)
				if (((SchemaNode *) lfirst(lc))->property_names)
					wpn = lappend(wpn, ((SchemaNode *) lfirst(lc))->property_names);
			if (!incl_node(cx, r->property_names, wpn))
			{
				truncate_findings(cx, start);
				fail_here(cx, "O12", p, r, "propertyNames", K_OBJ,
						  "the writer allows property names the reader's \"propertyNames\" rejects");
				return false;
			}
		}
	}

	if (r->min_properties > 0 && r->min_properties > Max(wminp, nrequired))
	{
		fail_here(cx, "O10", p, r, "minProperties", K_OBJ, "the reader's \"minProperties\" is above the writer's");
		return false;
	}
	if (r->max_properties >= 0 &&
		!((wmaxp >= 0 && wmaxp <= r->max_properties) ||
		  (!other_possible && npossible <= r->max_properties)))
	{
		fail_here(cx, "O10", p, r, "maxProperties", K_OBJ, "the reader's \"maxProperties\" is below the writer's");
		return false;
	}
	/* dependentRequired / dependencies (arrays) */
	{
		int			i,
					j;

		for (i = 0; i < r->ndependent_required; i++)
		{
			SchemaDependentRequired *d = &r->dependent_required[i];

			if (!key_possible(cx, p, d->key.cstr))
				continue;
			for (j = 0; j < d->nrequired; j++)
			{
				bool		good = piece_requires(p, d->required[j].cstr);

				foreach(lc, p)
				{
					SchemaNode *n = lfirst(lc);
					int			a,
								b;

					for (a = 0; a < n->ndependent_required; a++)
						if (key_is(&n->dependent_required[a].key, d->key.cstr))
							for (b = 0; b < n->dependent_required[a].nrequired; b++)
								if (key_is(&n->dependent_required[a].required[b], d->required[j].cstr))
									good = true;
				}
				if (!good)
				{
					fail_here(cx, "O11", p, r, r->dependent_required_keyword, K_OBJ,
							  "the reader requires a property the writer does not require with it");
					return false;
				}
			}
		}
		for (i = 0; i < r->ndependent_schemas; i++)
		{
			SchemaProperty *d = &r->dependent_schemas[i];
			List	   *w2;
			int			start = list_length(cx->findings);

			if (!key_possible(cx, p, d->key.cstr))
				continue;
			w2 = list_copy(p);
			foreach(lc, p)
			{
				SchemaNode *n = lfirst(lc);

				for (j = 0; j < n->ndependent_schemas; j++)
					if (key_is(&n->dependent_schemas[j].key, d->key.cstr))
						w2 = lappend(w2, n->dependent_schemas[j].node);
			}
			if (!incl_node(cx, d->node, w2))
			{
				truncate_findings(cx, start);
				fail_here(cx, "O11", p, r, r->dependent_schemas_keyword, K_OBJ,
						  "the writer does not satisfy the reader's dependent schema");
				return false;
			}
		}
	}
	return true;
}

static bool
check_arrays(CCtx *cx, SchemaNode *r, List *p)
{
	int64		wmin = 0,
				wmax = -1;
	bool		wunique = false;
	int			k = r->nprefix;
	int			i;
	ListCell   *lc;

	if (uneval_items_complex(r))
	{
		fail_here(cx, "A1", p, r, "unevaluatedItems", K_ARR,
				  "cannot compare \"unevaluatedItems\" next to applicators");
		return false;
	}
	foreach(lc, p)
	{
		SchemaNode *n = lfirst(lc);

		if (n->min_items > wmin)
			wmin = n->min_items;
		if (n->max_items >= 0 && (wmax < 0 || n->max_items < wmax))
			wmax = n->max_items;
		if (n->items && n->items->kind == SN_FALSE && (wmax < 0 || n->nprefix < wmax))
			wmax = n->nprefix;
		if (n->unique_items)
			wunique = true;
		if (n->nprefix > k)
			k = n->nprefix;
	}
	/* positions 0..k-1, then the tail (k..) */
	for (i = 0; i <= k; i++)
	{
		List	   *wi;
		SchemaNode *ri;
		int			start;
		bool		good;

		if (wmax >= 0 && i >= wmax)
			break;
		wi = piece_item_schemas(p, i);
		ri = item_schema(r, i);
		if (trivial(ri))
			continue;
		start = list_length(cx->findings);
		cx->guard++;
		good = incl_node(cx, ri, wi);
		cx->guard--;
		if (!good)
		{
			wrap_witnesses(cx, start, p, r, NULL, i);
			return false;
		}
	}
	if (r->min_items > wmin)
	{
		fail_here(cx, "A3", p, r, "minItems", K_ARR, "the reader's \"minItems\" is above the writer's");
		return false;
	}
	if (r->max_items >= 0 && (wmax < 0 || wmax > r->max_items))
	{
		fail_here(cx, "A3", p, r, "maxItems", K_ARR, "the reader's \"maxItems\" is below the writer's");
		return false;
	}
	if (r->unique_items && !wunique && !(wmax >= 0 && wmax <= 1))
	{
		fail_here(cx, "A3", p, r, "uniqueItems", K_ARR, "the reader requires unique items, the writer does not");
		return false;
	}
	if (r->contains && r->min_contains != 0)
	{
		bool		good = false;

		foreach(lc, p)
		{
			SchemaNode *n = lfirst(lc);
			int			start = list_length(cx->findings);

			if (n->contains && n->min_contains != 0 &&
				Max(n->min_contains, 1) >= Max(r->min_contains, 1))
			{
				cx->guard++;
				good = incl_node(cx, r->contains, list_make1(n->contains));
				cx->guard--;
				truncate_findings(cx, start);
				if (good)
					break;
			}
		}
		if (!good)
		{
			fail_here(cx, "A4", p, r, "contains", K_ARR, "the reader's \"contains\" is not implied by the writer");
			return false;
		}
	}
	if (r->contains && r->max_contains >= 0 && !(wmax >= 0 && wmax <= r->max_contains))
	{
		fail_here(cx, "A4", p, r, "maxContains", K_ARR, "cannot prove the reader's \"maxContains\"");
		return false;
	}
	return true;
}

/*
 * Does r accept every value of the piece?  Tried kind by kind too, so that a
 * writer {"type": ["string", "integer"]} fits a reader's anyOf of the two.
 */
static bool
try_branch_by_kind(CCtx *cx, SchemaNode **branches, int nb, List *p, int kinds, bool one)
{
	int			k;

	for (k = 1; k <= K_FRAC; k <<= 1)
	{
		List	   *pk;
		int			i;
		bool		found = false;

		if (!(kinds & k))
			continue;
		pk = lappend(list_copy(p), cx->kind_nodes[kind_index(k)]);
		for (i = 0; i < nb && !found; i++)
		{
			int			start = list_length(cx->findings);
			bool		good = incl_node(cx, branches[i], pk);
			int			j;

			if (good && one)
			{
				for (j = 0; j < nb && good; j++)
					if (j != i && !disjoint(cx, branches[j], pk, 0))
						good = false;
			}
			truncate_findings(cx, start);
			found = good;
		}
		if (!found)
			return false;
	}
	return true;
}

static bool
check_applicators(CCtx *cx, SchemaNode *r, List *p, int kinds)
{
	int			i;

	for (i = 0; i < r->nall_of; i++)
		if (!incl_piece(cx, r->all_of[i], p))
			return false;
	if (r->nany_of > 0)
	{
		int			start = list_length(cx->findings);
		bool		found = false;

		for (i = 0; i < r->nany_of && !found; i++)
		{
			if (incl_piece(cx, r->any_of[i], p))
				found = true;
		}
		if (!found)
			found = try_branch_by_kind(cx, r->any_of, r->nany_of, p, kinds, false);
		if (!found)
		{
			char	   *w = reuse_witness(cx, start, p, r);
			Finding    *f;

			truncate_findings(cx, start);
			if (w == NULL)
				w = find_witness(cx, p, r, kinds);
			f = add_finding(cx, "C2", w == NULL, first_node(p), r, "anyOf",
							w ? "no \"anyOf\" branch of the reader accepts every value of the writer" :
							"cannot prove that one \"anyOf\" branch of the reader accepts every value of the writer");
			f->witness = w;
			return false;
		}
		truncate_findings(cx, start);
	}
	if (r->none_of > 0)
	{
		int			start = list_length(cx->findings);
		bool		found = false;

		for (i = 0; i < r->none_of && !found; i++)
		{
			int			j;
			bool		good = incl_piece(cx, r->one_of[i], p);

			for (j = 0; j < r->none_of && good; j++)
				if (j != i && !disjoint(cx, r->one_of[j], p, 0))
					good = false;
			found = good;
		}
		if (!found)
			found = try_branch_by_kind(cx, r->one_of, r->none_of, p, kinds, true);
		if (!found)
		{
			char	   *w = reuse_witness(cx, start, p, r);
			Finding    *f;

			truncate_findings(cx, start);
			if (w == NULL)
				w = find_witness(cx, p, r, kinds);
			f = add_finding(cx, "C3", w == NULL, first_node(p), r, "oneOf",
							w ? "a value of the writer does not match exactly one \"oneOf\" branch of the reader" :
							"cannot prove that every value of the writer matches exactly one \"oneOf\" branch of the reader (branches not provably disjoint)");
			f->witness = w;
			return false;
		}
		truncate_findings(cx, start);
	}
	if (r->not)
	{
		if (!disjoint(cx, r->not, p, 0))
		{
			fail_here(cx, "C5", p, r, "not", kinds, "the writer may allow values the reader's \"not\" excludes");
			return false;
		}
	}
	if (r->if_ && (r->then_ || r->else_))
	{
		int			start = list_length(cx->findings);
		bool		holds = incl_piece(cx, r->if_, p);
		bool		good;

		truncate_findings(cx, start);
		if (holds)
			good = incl_piece(cx, r->then_, p);
		else if (disjoint(cx, r->if_, p, 0))
			good = incl_piece(cx, r->else_, p);
		else
			good = incl_piece(cx, r->then_, p) && incl_piece(cx, r->else_, p);
		if (!good)
		{
			char	   *w = reuse_witness(cx, start, p, r);
			Finding    *f;

			truncate_findings(cx, start);
			if (w == NULL)
				w = find_witness(cx, p, r, kinds);
			f = add_finding(cx, "C6", w == NULL, first_node(p), r, "if",
							w ? "the writer allows values the reader's \"if\"/\"then\"/\"else\" rejects" :
							"cannot prove the reader's \"if\"/\"then\"/\"else\" for every value of the writer");
			f->witness = w;
			return false;
		}
	}
	return true;
}

/* ---------- disjointness ---------- */

static bool disjoint_piece(CCtx *cx, SchemaNode *n, List *p, int depth);

/* Provably no value satisfies both n and the conjunction w? */
static bool
disjoint(CCtx *cx, SchemaNode *n, List *w, int depth)
{
	bool		inc;
	List	   *pieces;
	ListCell   *lc;

	if (n != NULL && n->kind == SN_FALSE)
		return true;
	if (depth > 16 || cx->work++ > WORK_BUDGET)
		return false;
	CHECK_FOR_INTERRUPTS();
	check_stack_depth();
	pieces = expand(cx, w, &inc);
	if (inc)
		return false;
	foreach(lc, pieces)
		if (!disjoint_piece(cx, n, lfirst(lc), depth))
			return false;
	return true;
}

static bool
disjoint_piece(CCtx *cx, SchemaNode *n, List *p, int depth)
{
	int			kinds = piece_kinds(p);
	bool		finite;
	List	   *vals;
	ListCell   *lc;
	int			i;

	if (kinds == 0)
		return true;
	if (trivial(n))
		return false;
	if (n->kind == SN_FALSE)
		return true;
	if ((n->has & HAS_TYPE) && (kinds & kinds_of(n->types)) == 0)
		return true;
	vals = finite_values(cx, p, kinds, &finite);
	if (finite)
	{
		foreach(lc, vals)
			if (accepts(n, lfirst(lc)))
				return false;
		return true;
	}
	if ((n->has & (HAS_ENUM | HAS_CONST)) && ((n->has & HAS_CONST) || n->nenum <= MAX_FINITE))
	{
		if (n->has & HAS_CONST)
			return !all_accept(p, jv_text(&n->constval));
		for (i = 0; i < n->nenum; i++)
			if (all_accept(p, jv_text(&n->enums[i])))
				return false;
		return true;
	}
	if ((n->has & HAS_REF) && disjoint(cx, n->ref, p, depth + 1))
		return true;
	/* both only strings (numbers) whose length (value) ranges do not meet */
	{
		int			common = (n->has & HAS_TYPE) ? (kinds & kinds_of(n->types)) : kinds;

		if (common != 0 && (common & ~K_STR) == 0)
		{
			int64		wmin = 0,
						wmax = -1;
			ListCell   *lc2;

			foreach(lc2, p)
			{
				SchemaNode *q = lfirst(lc2);

				if (q->min_length > wmin)
					wmin = q->min_length;
				if (q->max_length >= 0 && (wmax < 0 || q->max_length < wmax))
					wmax = q->max_length;
			}
			if ((n->max_length >= 0 && n->max_length < wmin) ||
				(wmax >= 0 && n->min_length > wmax))
				return true;
		}
		if (common != 0 && (common & ~(K_INT | K_FRAC)) == 0)
		{
			List	   *np = list_make1(n);
			Bound		wlo = piece_bound(p, true, false);
			Bound		whi = piece_bound(p, false, false);
			Bound		nlo = piece_bound(np, true, false);
			Bound		nhi = piece_bound(np, false, false);

			if (nhi.v && wlo.v)
			{
				int			c = num_cmp(nhi.v, wlo.v);

				if (c < 0 || (c == 0 && (nhi.excl || wlo.excl)))
					return true;
			}
			if (whi.v && nlo.v)
			{
				int			c = num_cmp(whi.v, nlo.v);

				if (c < 0 || (c == 0 && (whi.excl || nlo.excl)))
					return true;
			}
		}
	}
	/* a writer node says "not S" and n admits no more than S */
	foreach(lc, p)
	{
		SchemaNode *q = lfirst(lc);

		if (q->not && !trivial(q->not))
		{
			int			start = list_length(cx->findings);
			bool		inside;

			cx->swapped++;		/* q is the writer's, n the reader's */
			inside = incl_node(cx, q->not, list_make1(n));
			cx->swapped--;

			truncate_findings(cx, start);
			if (inside)
				return true;
		}
	}
	for (i = 0; i < n->nall_of; i++)
		if (disjoint(cx, n->all_of[i], p, depth + 1))
			return true;
	if (n->nany_of > 0)
	{
		bool		all = true;

		for (i = 0; i < n->nany_of && all; i++)
			all = disjoint(cx, n->any_of[i], p, depth + 1);
		if (all)
			return true;
	}
	if (n->none_of > 0)
	{
		bool		all = true;

		for (i = 0; i < n->none_of && all; i++)
			all = disjoint(cx, n->one_of[i], p, depth + 1);
		if (all)
			return true;
	}
	/* a discriminating property: both sides' objects have it, values disjoint */
	if ((kinds & ~K_OBJ) == 0 || ((n->has & HAS_TYPE) && kinds_of(n->types) == K_OBJ))
	{
		for (i = 0; i < n->nproperties; i++)
		{
			const char *k = n->properties[i].key.cstr;

			if (piece_requires(p, k) &&
				disjoint(cx, n->properties[i].node, piece_key_schemas(cx, p, k), depth + 1))
				return true;
		}
		for (i = 0; i < n->nrequired; i++)
		{
			const char *k = n->required[i].cstr;
			ListCell   *lc2;

			if (!key_possible(cx, p, k))
				return true;
			foreach(lc2, p)
			{
				SchemaNode *q = lfirst(lc2);
				int			j;

				if (!node_requires(q, k))
					continue;
				for (j = 0; j < q->nproperties; j++)
					if (key_is(&q->properties[j].key, k))
					{
						List	   *nk = key_schemas(cx, n, k);

						if (nk != NIL && list_length(nk) == 1 &&
							disjoint(cx, linitial(nk), list_make1(q->properties[j].node), depth + 1))
							return true;
					}
			}
		}
	}
	return false;
}

/* ---------- keywords the checker does not know ---------- */

static const char *const known_keywords[] = {
	"$schema", "$id", "id", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$ref",
	"$dynamicRef", "$recursiveRef", "$defs", "definitions", "$vocabulary", "$comment",
	"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"multipleOf", "minLength", "maxLength", "pattern", "format", "prefixItems", "items",
	"additionalItems", "contains", "minContains", "maxContains", "minItems", "maxItems",
	"uniqueItems", "unevaluatedItems", "properties", "patternProperties",
	"additionalProperties", "propertyNames", "required", "dependentRequired",
	"dependentSchemas", "dependencies", "minProperties", "maxProperties",
	"unevaluatedProperties", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
	"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
	"contentEncoding", "contentMediaType", "contentSchema",
};

static bool
is_known(const char *s, int len)
{
	int			i;

	for (i = 0; i < (int) lengthof(known_keywords); i++)
		if ((size_t) len == strlen(known_keywords[i]) && memcmp(s, known_keywords[i], len) == 0)
			return true;
	return false;
}

static bool
kw_is(JsonbValue *k, const char *s)
{
	return (size_t) k->val.string.len == strlen(s) && memcmp(k->val.string.val, s, k->val.string.len) == 0;
}

/* "name=value" for every unknown keyword of the schema, recursively */
static void
collect_unknown(JsonbValue *v, List **out, int depth)
{
	JsIter		it;
	JsonbValue	k,
				x;

	check_stack_depth();
	if (!js_is_object(v) || depth > 200)
		return;
	js_iter_init(&it, v->val.binary.data);
	while (js_iter_pair(&it, &k, &x))
	{
		if (kw_is(&k, "properties") || kw_is(&k, "patternProperties") || kw_is(&k, "$defs") ||
			kw_is(&k, "definitions") || kw_is(&k, "dependentSchemas") || kw_is(&k, "dependencies"))
		{
			JsIter		it2;
			JsonbValue	k2,
						x2;

			if (!js_is_object(&x))
				continue;
			js_iter_init(&it2, x.val.binary.data);
			while (js_iter_pair(&it2, &k2, &x2))
				collect_unknown(&x2, out, depth + 1);
		}
		else if (kw_is(&k, "items") || kw_is(&k, "prefixItems") || kw_is(&k, "allOf") ||
				 kw_is(&k, "anyOf") || kw_is(&k, "oneOf"))
		{
			if (js_is_array(&x))
			{
				JsIter		it2;
				JsonbValue	x2;

				js_iter_init(&it2, x.val.binary.data);
				while (js_iter_elem(&it2, &x2))
					collect_unknown(&x2, out, depth + 1);
			}
			else
				collect_unknown(&x, out, depth + 1);
		}
		else if (kw_is(&k, "additionalProperties") || kw_is(&k, "unevaluatedProperties") ||
				 kw_is(&k, "additionalItems") || kw_is(&k, "unevaluatedItems") ||
				 kw_is(&k, "contains") || kw_is(&k, "propertyNames") || kw_is(&k, "not") ||
				 kw_is(&k, "if") || kw_is(&k, "then") || kw_is(&k, "else") ||
				 kw_is(&k, "contentSchema"))
			collect_unknown(&x, out, depth + 1);
		else if (!is_known(k.val.string.val, k.val.string.len))
			*out = lappend(*out, psprintf("%.*s=%s", k.val.string.len, k.val.string.val, jv_text(&x)));
	}
}

static int
str_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/* ---------- opening a reader (LENIENT) ---------- */

static void
open_node(SchemaNode *n, HTAB *seen)
{
	bool		found;
	int			i;

	if (n == NULL || n->kind != SN_OBJECT)
		return;
	check_stack_depth();
	hash_search(seen, &n, HASH_ENTER, &found);
	if (found)
		return;
	if (n->additional_properties && n->additional_properties->kind == SN_FALSE)
		n->additional_properties = NULL;
	if (n->unevaluated_properties && n->unevaluated_properties->kind == SN_FALSE)
	{
		n->unevaluated_properties = NULL;
		n->has &= ~HAS_UNEVAL_PROPS;
	}
	for (i = 0; i < n->nprefix; i++)
		open_node(n->prefix_items[i], seen);
	open_node(n->items, seen);
	open_node(n->contains, seen);
	open_node(n->unevaluated_items, seen);
	for (i = 0; i < n->nproperties; i++)
		open_node(n->properties[i].node, seen);
	for (i = 0; i < n->npattern_properties; i++)
		open_node(n->pattern_properties[i].node, seen);
	open_node(n->additional_properties, seen);
	open_node(n->property_names, seen);
	for (i = 0; i < n->ndependent_schemas; i++)
		open_node(n->dependent_schemas[i].node, seen);
	open_node(n->unevaluated_properties, seen);
	for (i = 0; i < n->nall_of; i++)
		open_node(n->all_of[i], seen);
	for (i = 0; i < n->nany_of; i++)
		open_node(n->any_of[i], seen);
	for (i = 0; i < n->none_of; i++)
		open_node(n->one_of[i], seen);
	open_node(n->not, seen);
	open_node(n->if_, seen);
	open_node(n->then_, seen);
	open_node(n->else_, seen);
	open_node(n->ref, seen);
	open_node(n->dynref, seen);
	if (n->resource)
		for (i = 0; i < n->resource->ndyn; i++)
			open_node(n->resource->dyn_nodes[i], seen);
}

static void
open_tree(SchemaNode *root)
{
	HASHCTL		ctl;
	HTAB	   *seen;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(SchemaNode *);
	ctl.entrysize = sizeof(SchemaNode *);
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("goodgo_events open schema", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	open_node(root, seen);
	hash_destroy(seen);
}

/* ---------- one direction ---------- */

static SchemaNode *
synthetic(uint8 types)
{
	SchemaNode *n = palloc0(sizeof(SchemaNode));

	n->kind = SN_OBJECT;
	n->draft = JSON_SCHEMA_DRAFT2020_12;
	n->has = HAS_TYPE;
	n->types = types;
	n->location = NULL;
	n->min_length = n->max_length = -1;
	n->min_items = n->max_items = -1;
	n->min_contains = n->max_contains = -1;
	n->min_properties = n->max_properties = -1;
	return n;
}

static bool
check_direction(List **findings, Jsonb *writer, Jsonb *reader, bool lenient, bool backward,
				const JsonSchemaOptions *opts)
{
	bool		ok;
	JsonSchemaCompiled *w = JsonSchemaCompile(writer, opts, CurrentMemoryContext);
	JsonSchemaCompiled *r = JsonSchemaCompile(reader, opts, CurrentMemoryContext);
	CCtx		cx;
	ListCell   *lc;
	int			start = list_length(*findings);
	char	   *hash;

	memset(&cx, 0, sizeof(cx));
	cx.backward = backward;
	cx.findings = *findings;
	cx.wdoc = writer;
	cx.rdoc = reader;
	cx.lenient = lenient;
	cx.wroot = pstrdup(w->root->location);
	if ((hash = strchr((char *) cx.wroot, '#')) != NULL)
		*hash = '\0';
	cx.rroot = pstrdup(r->root->location);
	if ((hash = strchr((char *) cx.rroot, '#')) != NULL)
		*hash = '\0';
	cx.kind_nodes[kind_index(K_NULL)] = synthetic(JST_NULL);
	cx.kind_nodes[kind_index(K_BOOL)] = synthetic(JST_BOOLEAN);
	cx.kind_nodes[kind_index(K_OBJ)] = synthetic(JST_OBJECT);
	cx.kind_nodes[kind_index(K_ARR)] = synthetic(JST_ARRAY);
	cx.kind_nodes[kind_index(K_STR)] = synthetic(JST_STRING);
	cx.kind_nodes[kind_index(K_INT)] = synthetic(JST_INTEGER);
	cx.kind_nodes[kind_index(K_FRAC)] = synthetic(JST_NUMBER);
	cx.false_node = palloc0(sizeof(SchemaNode));
	cx.false_node->kind = SN_FALSE;
	cx.false_node->location = NULL;
	if (lenient)
		open_tree(r->root);

	ok = incl_node(&cx, r->root, list_make1(w->root));

	/*
	 * The verdict is the proof's, never the absence of findings: a finding
	 * made inside an alternative that was then dropped must not turn a
	 * failed proof into "compatible".
	 */
	if (!ok && list_length(cx.findings) == start)
		add_finding(&cx, "R1", true, w->root, r->root, NULL, cx.work > WORK_BUDGET ?
					"cannot prove: the comparison exceeded its work budget of %d steps" :
					"cannot prove that the reader accepts every value of the writer (%d steps)",
					WORK_BUDGET);
	if (ok && list_length(cx.findings) > start)
		ok = false;

	/* every witness once more against the whole schemas */
	for_each_from(lc, cx.findings, start)
	{
		Finding    *f = lfirst(lc);

		if (f->witness && !(accepts(w->root, f->witness) && !accepts(r->root, f->witness)))
		{
			f->witness = NULL;
			if (!f->unknown)
			{
				f->unknown = true;
				f->message = psprintf("cannot prove: %s", f->message);
			}
		}
	}
	*findings = cx.findings;
	return ok;
}

/* ---------- the entry point ---------- */

static void
append_finding(StringInfo b, Finding *f, const char *effect, bool first)
{
	if (!first)
		appendStringInfoString(b, ", ");
	appendStringInfoString(b, "{\"rule\": ");
	escape_json(b, f->rule);
	appendStringInfoString(b, ", \"effect\": ");
	escape_json(b, effect);
	appendStringInfoString(b, ", \"old_path\": ");
	escape_json(b, f->backward ? f->wpath : f->rpath);
	appendStringInfoString(b, ", \"new_path\": ");
	escape_json(b, f->backward ? f->rpath : f->wpath);
	appendStringInfoString(b, ", \"message\": ");
	escape_json(b, f->message);
	if (f->witness)
		appendStringInfo(b, ", \"witness\": %s", f->witness);
	appendStringInfoChar(b, '}');
}

Jsonb *
JsonSchemaCompatibility(Jsonb *oldschema, Jsonb *newschema, JsonSchemaCompatMode mode,
						bool lenient, const JsonSchemaOptions *options, bool *compatible)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "goodgo_events compatibility",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	JsonSchemaOptions opts = *options;
	List	   *findings = NIL;
	List	   *uo = NIL,
			   *un = NIL;
	JsonbValue	v;
	StringInfoData b;
	ListCell   *lc;
	int			n = 0;
	Jsonb	   *result;
	bool		proven;

	opts.format_assertion = true;

	if (mode == JSC_NONE)
	{
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(cxt);
		*compatible = true;
		return parse_json("{\"compatible\": true, \"findings\": []}");
	}

	/* keywords we do not know: unchanged ones are annotations, changed ones unknown */
	js_root(oldschema, &v);
	collect_unknown(&v, &uo, 0);
	js_root(newschema, &v);
	collect_unknown(&v, &un, 0);
	list_sort(uo, str_cmp);
	list_sort(un, str_cmp);
	{
		bool		same = list_length(uo) == list_length(un);
		int			i;

		for (i = 0; same && i < list_length(uo); i++)
			same = strcmp(list_nth(uo, i), list_nth(un, i)) == 0;
		if (!same)
		{
			Finding    *f = palloc0(sizeof(Finding));

			f->rule = "G3";
			f->unknown = true;
			f->wpath = "";
			f->rpath = "";
			f->backward = true;
			f->message = "cannot prove: keywords this checker does not know were added, removed or changed";
			findings = lappend(findings, f);
		}
	}

	proven = (findings == NIL);
	if (mode == JSC_BACKWARD || mode == JSC_FULL)
		proven &= check_direction(&findings, oldschema, newschema, lenient, true, &opts);
	if (mode == JSC_FORWARD || mode == JSC_FULL)
		proven &= check_direction(&findings, newschema, oldschema, lenient, false, &opts);
	if (findings != NIL)
		proven = false;

	initStringInfo(&b);
	appendStringInfo(&b, "{\"compatible\": %s, \"findings\": [", proven ? "true" : "false");
	foreach(lc, findings)
	{
		Finding    *f = lfirst(lc);
		const char *effect;

		if (n >= MAX_FINDINGS)
			break;
		if (f->unknown)
			effect = "unknown";
		else
			effect = f->backward ? "narrows" : "widens";
		append_finding(&b, f, effect, n == 0);
		n++;
	}
	appendStringInfoString(&b, "]}");
	*compatible = proven;
	MemoryContextSwitchTo(oldcxt);
	result = parse_json(b.data);
	MemoryContextDelete(cxt);
	return result;
}

/* ---------- the LENIENT lint ---------- */

static bool
closed_node(SchemaNode *n, HTAB *seen)
{
	bool		found;
	int			i;

	if (n == NULL || n->kind != SN_OBJECT)
		return true;
	check_stack_depth();
	hash_search(seen, &n, HASH_ENTER, &found);
	if (found)
		return true;
	if ((n->has & HAS_OBJECT) || ((n->has & HAS_TYPE) && (n->types & JST_OBJECT)))
	{
		bool		closed = (n->additional_properties && n->additional_properties->kind != SN_TRUE) ||
			(n->unevaluated_properties && n->unevaluated_properties->kind == SN_FALSE);

		if (!closed)
			return false;
	}
	for (i = 0; i < n->nprefix; i++)
		if (!closed_node(n->prefix_items[i], seen))
			return false;
	for (i = 0; i < n->nproperties; i++)
		if (!closed_node(n->properties[i].node, seen))
			return false;
	for (i = 0; i < n->npattern_properties; i++)
		if (!closed_node(n->pattern_properties[i].node, seen))
			return false;
	for (i = 0; i < n->ndependent_schemas; i++)
		if (!closed_node(n->dependent_schemas[i].node, seen))
			return false;
	for (i = 0; i < n->nall_of; i++)
		if (!closed_node(n->all_of[i], seen))
			return false;
	for (i = 0; i < n->nany_of; i++)
		if (!closed_node(n->any_of[i], seen))
			return false;
	for (i = 0; i < n->none_of; i++)
		if (!closed_node(n->one_of[i], seen))
			return false;
	return closed_node(n->items, seen) && closed_node(n->contains, seen) &&
		closed_node(n->additional_properties, seen) && closed_node(n->then_, seen) &&
		closed_node(n->else_, seen) && closed_node(n->ref, seen) &&
		closed_node(n->dynref, seen) && closed_node(n->unevaluated_items, seen);
}

/*
 * Is every object the schema describes closed (additionalProperties false or
 * a schema, or unevaluatedProperties false), also through $ref?  Subschemas
 * that only test a value (not, if, propertyNames) are not looked at.
 */
bool
JsonSchemaObjectsClosed(Jsonb *schema, const JsonSchemaOptions *options)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "goodgo_events closed lint",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	JsonSchemaCompiled *c = JsonSchemaCompile(schema, options, cxt);
	HASHCTL		ctl;
	HTAB	   *seen;
	bool		closed;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(SchemaNode *);
	ctl.entrysize = sizeof(SchemaNode *);
	ctl.hcxt = cxt;
	seen = hash_create("goodgo_events closed lint", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	closed = closed_node(c->root, seen);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
	return closed;
}
