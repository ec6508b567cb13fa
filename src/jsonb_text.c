/*
 * jsonb_text.c
 *		jsonb to JSON text, byte-identical to jsonb_out (the jsonb::text
 *		cast), for the relay's hot path: goodgo_events.jsonb_text(jsonb) and
 *		JsonbTextAppend / JsonbTextFromJsonb for C callers.
 *
 * What jsonb_out prints (PostgreSQL 15, JsonbToCStringWorker without
 * indentation, jsonb_put_escaped_value, escape_json, numeric_out):
 *
 *	- objects as {"k": v, "k": v} in the stored key order (by length, then
 *	  bytes), arrays as [v, v]; empty ones as {} and []; a top-level scalar
 *	  bare, without the one-element array that stores it;
 *	- null, true, false;
 *	- strings and keys quoted, with \" \\ \b \f \n \r \t for those bytes,
 *	  \u00xx (lower-case hex) for the other bytes below 0x20, and every other
 *	  byte, UTF-8 included, as it is.  escape_json works on a NUL-terminated
 *	  copy, so it would stop at a NUL byte; jsonb cannot hold one (its input
 *	  rejects \u0000 and raw control bytes), but we stop there too;
 *	- numbers as numeric_out prints them: the digits of the stored numeric
 *	  at its display scale, never an exponent ("1e3" is stored and printed as
 *	  1000).
 *
 * Why it is faster.  jsonb_out drives a JsonbIterator (a palloc'd state per
 * container, a token per key, value, begin and end), copies every string
 * with pnstrdup before escaping it a byte at a time through StringInfo
 * macros, and calls numeric_out, which unpacks each number into a NumericVar
 * and pallocs its text.  Here:
 *
 *	- the binary containers are read in place with the JEntry walkers of
 *	  jsonschema/jsonschema_int.h (JsIter), one small frame per open
 *	  container;
 *	- the output is written through a raw pointer into one buffer sized
 *	  from VARSIZE (the text is almost never longer than the binary form;
 *	  when escapes make it so, the buffer grows by doubling);
 *	- strings are copied eight bytes at a time while a word test (no byte
 *	  below 0x20, no '"', no '\\') says none of the eight needs an escape;
 *	  only the word holding an escape is handled byte by byte;
 *	- numbers are printed straight from their stored base-10000 digits, two
 *	  decimal digits per table lookup, following numeric_out's rules
 *	  (leading zeros of the first digit group dropped, the fraction cut at
 *	  the display scale); only NaN and the infinities, which jsonb never
 *	  stores, go through numeric_out itself.
 *
 * The walk is iterative: frames live on a small local array and move to a
 * palloc'd one past JT_LOCAL_FRAMES levels.  So no depth that jsonb can
 * hold makes this fail where jsonb_out (also iterative) succeeds, and no
 * check_stack_depth() is needed; CHECK_FOR_INTERRUPTS() runs at every value.
 *
 * test/suites/jsonb_text.sh compares the two functions over the JSON Schema
 * Test Suite and over random documents; sql/jsonb_text.sql names the edge
 * cases.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "jsonb_text.h"
#include "jsonschema/jsonschema_int.h"

/* Frames on the C stack before the walk moves them to the heap. */
#define JT_LOCAL_FRAMES 32

/* The output: a StringInfo written through a raw pointer. */
typedef struct JtOut
{
	StringInfo	buf;
	char	   *p;				/* next byte to write */
	char	   *end;			/* last usable byte + 1 (room for a NUL kept) */
} JtOut;

/* One open container of the walk. */
typedef struct JtFrame
{
	JsIter		it;
	bool		object;
} JtFrame;

/*
 * What follows the backslash for a byte that escape_json escapes; 0 for a
 * byte copied as it is, 'u' for \u00xx.
 */
static const char jt_escape[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	['"'] = '"',
	['\\'] = '\\',
};

static const char jt_hex[] = "0123456789abcdef";

/* "00" .. "99": two decimal digits per lookup */
static const char jt_pairs[] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* The stored numeric header (numeric.c keeps these private). */
#define JT_NUM_SIGN_MASK	0xC000
#define JT_NUM_NEG			0x4000
#define JT_NUM_SHORT		0x8000
#define JT_NUM_SPECIAL		0xC000
#define JT_NUM_DSCALE_MASK	0x3FFF
#define JT_NUM_SHORT_SIGN	0x2000
#define JT_NUM_SHORT_DSCALE_MASK	0x1F80
#define JT_NUM_SHORT_DSCALE_SHIFT	7
#define JT_NUM_SHORT_WSIGN	0x0040
#define JT_NUM_SHORT_WMASK	0x003F

static pg_noinline void
jt_grow(JtOut *o, int need)
{
	StringInfo	buf = o->buf;

	buf->len = (int) (o->p - buf->data);
	/* raises core's "out of memory" past MaxAllocSize, as jsonb_out would */
	enlargeStringInfo(buf, need);
	o->p = buf->data + buf->len;
	o->end = buf->data + buf->maxlen - 1;
}

static inline void
jt_reserve(JtOut *o, int need)
{
	if (unlikely(o->end - o->p < need))
		jt_grow(o, need);
}

static inline void
jt_literal(JtOut *o, const char *s, int len)
{
	jt_reserve(o, len);
	memcpy(o->p, s, len);
	o->p += len;
}

/* Does any of the eight bytes need an escape: < 0x20, '"' or '\\'? */
static inline bool
jt_word_needs_escape(uint64 w)
{
	const uint64 ones = UINT64CONST(0x0101010101010101);
	const uint64 highs = UINT64CONST(0x8080808080808080);
	uint64		low = (w - ones * 0x20) & ~w;
	uint64		q = w ^ (ones * '"');
	uint64		b = w ^ (ones * '\\');

	q = (q - ones) & ~q;
	b = (b - ones) & ~b;
	return ((low | q | b) & highs) != 0;
}

/* A string or key, quoted and escaped as escape_json does. */
static void
jt_string(JtOut *o, const char *s, int len)
{
	const char *end = s + len;
	char	   *p;

	jt_reserve(o, len + 2);
	p = o->p;
	*p++ = '"';
	for (;;)
	{
		/*
		 * Eight bytes at a time.  The word is stored before it is tested:
		 * the reservation covers every byte still to come, so the store is
		 * in bounds, and a word that needs an escape is simply overwritten
		 * below.
		 */
		while (end - s >= 8)
		{
			uint64		w;

			memcpy(&w, s, 8);
			memcpy(p, &w, 8);
			if (jt_word_needs_escape(w))
				break;
			s += 8;
			p += 8;
		}
		/* Byte by byte up to and including the next escape, or the end. */
		while (s < end)
		{
			unsigned char c = (unsigned char) *s++;
			char		e = jt_escape[c];

			if (likely(e == 0))
			{
				*p++ = (char) c;
				continue;
			}
			if (unlikely(c == '\0'))
			{
				/* escape_json's NUL-terminated copy ends here */
				s = end;
				break;
			}
			/* six bytes where one was reserved */
			o->p = p;
			jt_reserve(o, 6 + (int) (end - s) + 1);
			p = o->p;
			*p++ = '\\';
			if (e == 'u')
			{
				*p++ = 'u';
				*p++ = '0';
				*p++ = '0';
				*p++ = jt_hex[c >> 4];
				*p++ = jt_hex[c & 0xF];
			}
			else
				*p++ = e;
			break;
		}
		if (s >= end)
			break;
	}
	*p++ = '"';
	o->p = p;
}

static inline int
jt_digit(const char *digits, int i)
{
	int16		d;

	memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
	return d;
}

static inline char *
jt_put4(char *p, int dig)
{
	memcpy(p, jt_pairs + (dig / 100) * 2, 2);
	memcpy(p + 2, jt_pairs + (dig % 100) * 2, 2);
	return p + 4;
}

/*
 * A number, as numeric_out prints it: '-' if negative; the integer part
 * ("0" when the weight is below zero), the first base-10000 group without
 * its leading zeros, the others as four digits; then, for a display scale
 * above zero, '.' and exactly dscale fraction digits (groups past the
 * stored ones are zeros).
 */
static void
jt_numeric(JtOut *o, Numeric num)
{
	const char *data = VARDATA_ANY(num);
	int			size = VARSIZE_ANY_EXHDR(num);
	uint16		header;
	bool		negative;
	int			weight;
	int			dscale;
	int			ndigits;
	const char *digits;
	int			intlen;
	int			d;
	char	   *p;

	memcpy(&header, data, sizeof(uint16));
	if ((header & JT_NUM_SIGN_MASK) == JT_NUM_SPECIAL)
	{
		/* NaN or an infinity: jsonb never stores one, but stay exact */
		char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
															NumericGetDatum(num)));

		jt_literal(o, s, (int) strlen(s));
		pfree(s);
		return;
	}
	if (header & JT_NUM_SHORT)
	{
		negative = (header & JT_NUM_SHORT_SIGN) != 0;
		dscale = (header & JT_NUM_SHORT_DSCALE_MASK) >> JT_NUM_SHORT_DSCALE_SHIFT;
		weight = (header & JT_NUM_SHORT_WSIGN) ?
			(int) (~JT_NUM_SHORT_WMASK | (header & JT_NUM_SHORT_WMASK)) :
			(int) (header & JT_NUM_SHORT_WMASK);
		digits = data + sizeof(uint16);
		ndigits = (size - (int) sizeof(uint16)) / (int) sizeof(int16);
	}
	else
	{
		int16		w;

		memcpy(&w, data + sizeof(uint16), sizeof(int16));
		negative = (header & JT_NUM_SIGN_MASK) == JT_NUM_NEG;
		dscale = header & JT_NUM_DSCALE_MASK;
		weight = w;
		digits = data + 2 * sizeof(uint16);
		ndigits = (size - 2 * (int) sizeof(uint16)) / (int) sizeof(int16);
	}

	/* sign, integer digits, point, fraction and up to 3 digits cut off */
	intlen = (weight + 1) * 4;
	if (intlen <= 0)
		intlen = 1;
	jt_reserve(o, 1 + intlen + 1 + dscale + 4);
	p = o->p;

	if (negative)
		*p++ = '-';
	if (weight < 0)
	{
		*p++ = '0';
		d = weight + 1;
	}
	else
	{
		int			dig = ndigits > 0 ? jt_digit(digits, 0) : 0;

		/* the first group without leading zeros, but at least one digit */
		if (dig >= 1000)
			p = jt_put4(p, dig);
		else if (dig >= 100)
		{
			*p++ = (char) ('0' + dig / 100);
			memcpy(p, jt_pairs + (dig % 100) * 2, 2);
			p += 2;
		}
		else if (dig >= 10)
		{
			memcpy(p, jt_pairs + dig * 2, 2);
			p += 2;
		}
		else
			*p++ = (char) ('0' + dig);
		for (d = 1; d <= weight; d++)
			p = jt_put4(p, d < ndigits ? jt_digit(digits, d) : 0);
	}
	if (dscale > 0)
	{
		char	   *stop;
		int			i;

		*p++ = '.';
		stop = p + dscale;
		for (i = 0; i < dscale; d++, i += 4)
			p = jt_put4(p, (d >= 0 && d < ndigits) ? jt_digit(digits, d) : 0);
		p = stop;
	}
	o->p = p;
}

static void
jt_scalar(JtOut *o, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			jt_string(o, v->val.string.val, v->val.string.len);
			break;
		case jbvNumeric:
			jt_numeric(o, v->val.numeric);
			break;
		case jbvBool:
			if (v->val.boolean)
				jt_literal(o, "true", 4);
			else
				jt_literal(o, "false", 5);
			break;
		default:
			/* js_fill gives null, the scalars above, or a container */
			Assert(v->type == jbvNull);
			jt_literal(o, "null", 4);
			break;
	}
}

/* The whole document under root, walked without recursion. */
static void
jt_document(JtOut *o, JsonbContainer *root)
{
	JtFrame		local[JT_LOCAL_FRAMES];
	JtFrame    *frames = local;
	int			maxdepth = JT_LOCAL_FRAMES;
	int			depth;

	if (JsonContainerIsScalar(root))
	{
		JsIter		it;
		JsonbValue	v;

		js_iter_init(&it, root);
		if (js_iter_elem(&it, &v))
			jt_scalar(o, &v);
		return;
	}

	jt_reserve(o, 2);
	if (JsonContainerSize(root) == 0)
	{
		*o->p++ = JsonContainerIsObject(root) ? '{' : '[';
		*o->p++ = JsonContainerIsObject(root) ? '}' : ']';
		return;
	}
	frames[0].object = JsonContainerIsObject(root);
	js_iter_init(&frames[0].it, root);
	*o->p++ = frames[0].object ? '{' : '[';
	depth = 1;

	while (depth > 0)
	{
		JtFrame    *f = &frames[depth - 1];
		bool		in_object = f->object;
		bool		first = f->it.i == 0;
		bool		more;
		JsonbValue	k;
		JsonbValue	v;

		CHECK_FOR_INTERRUPTS();

		/* room for ", " and an empty container or a closing bracket */
		jt_reserve(o, 4);
		if (in_object)
			more = js_iter_pair(&f->it, &k, &v);
		else
			more = js_iter_elem(&f->it, &v);
		if (!more)
		{
			*o->p++ = in_object ? '}' : ']';
			depth--;
			continue;
		}
		if (!first)
		{
			*o->p++ = ',';
			*o->p++ = ' ';
		}
		if (in_object)
		{
			jt_string(o, k.val.string.val, k.val.string.len);
			jt_reserve(o, 4);
			*o->p++ = ':';
			*o->p++ = ' ';
		}

		if (v.type != jbvBinary)
			jt_scalar(o, &v);
		else
		{
			JsonbContainer *jc = v.val.binary.data;
			bool		object = JsonContainerIsObject(jc);

			if (JsonContainerSize(jc) == 0)
			{
				*o->p++ = object ? '{' : '[';
				*o->p++ = object ? '}' : ']';
				continue;
			}
			if (depth == maxdepth)
			{
				int			newmax = maxdepth * 2;

				if (frames == local)
				{
					frames = palloc(sizeof(JtFrame) * newmax);
					memcpy(frames, local, sizeof(JtFrame) * maxdepth);
				}
				else
					frames = repalloc(frames, sizeof(JtFrame) * newmax);
				maxdepth = newmax;
			}
			*o->p++ = object ? '{' : '[';
			frames[depth].object = object;
			js_iter_init(&frames[depth].it, jc);
			depth++;
		}
	}

	if (frames != local)
		pfree(frames);
}

/*
 * Append the JSON text of jb to buf.  The buffer is first grown by the
 * binary size, which the text rarely exceeds, so most documents are written
 * without a reallocation.
 */
void
JsonbTextAppend(StringInfo buf, Jsonb *jb)
{
	JtOut		o;

	o.buf = buf;
	o.p = buf->data + buf->len;
	o.end = buf->data + buf->maxlen - 1;
	jt_reserve(&o, (int) VARSIZE(jb));
	jt_document(&o, &jb->root);
	buf->len = (int) (o.p - buf->data);
	buf->data[buf->len] = '\0';
}

/* The JSON text of jb as a text datum, built in place (no final copy). */
text *
JsonbTextFromJsonb(Jsonb *jb)
{
	StringInfoData buf;

	buf.maxlen = VARHDRSZ + VARSIZE(jb) + 1;
	buf.data = palloc(buf.maxlen);
	buf.len = VARHDRSZ;
	buf.cursor = 0;
	JsonbTextAppend(&buf, jb);
	SET_VARSIZE(buf.data, buf.len);
	return (text *) buf.data;
}

PG_FUNCTION_INFO_V1(goodgo_jsonb_text);
Datum
goodgo_jsonb_text(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);

	PG_RETURN_TEXT_P(JsonbTextFromJsonb(jb));
}
