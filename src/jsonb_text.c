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
 * and pallocs its text; the cast then copies the C string into a text datum.
 * Here:
 *
 *	- the binary containers are read in place with the JEntry walkers of
 *	  jsonschema/jsonschema_int.h (JsIter); the open container's iterator is
 *	  a local variable, the enclosing ones wait in frames;
 *	- the output is written through a pointer kept in a register (see
 *	  JtOut) into one buffer sized from VARSIZE (the text is rarely longer
 *	  than the binary form; escapes and long numbers grow it by doubling),
 *	  with the text datum's header reserved in front: no final copy;
 *	- strings are copied eight bytes at a time while a word test (no byte
 *	  below 0x20, no '"', no '\\') says none of the eight needs an escape,
 *	  short strings and tails included (see jt_string); only a word holding
 *	  an escape is handled byte by byte;
 *	- numbers are printed straight from their stored base-10000 digits, two
 *	  decimal digits per table lookup, following numeric_out's rules
 *	  (leading zeros of the first digit group dropped, the fraction cut at
 *	  the display scale), one-group integers inline in the walk; only NaN
 *	  and the infinities, which jsonb never stores, go through numeric_out.
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

/*
 * The output buffer.  The write position itself is not kept here but in a
 * local variable of each writer, passed in and returned, so that it stays in
 * a register: a store through a char pointer may alias any memory, and a
 * position kept in memory would be reloaded after every byte written.
 * "end" changes only when the buffer grows (jt_grow), and writers keep a
 * local copy of it for the same reason.
 */
typedef struct JtOut
{
	StringInfo	buf;
	char	   *end;			/* last usable byte + 1 (room for a NUL kept) */
} JtOut;

/* One open container of the walk, saved while a child is printed. */
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

/*
 * Make room for need more bytes after p; returns the (possibly moved) write
 * position and sets o->end.  Past MaxAllocSize enlargeStringInfo raises
 * core's "out of memory" error, as jsonb_out's own StringInfo would.
 */
static pg_noinline char *
jt_grow(JtOut *o, char *p, int need)
{
	StringInfo	buf = o->buf;

	buf->len = (int) (p - buf->data);
	enlargeStringInfo(buf, need);
	o->end = buf->data + buf->maxlen - 1;
	return buf->data + buf->len;
}

/* In a writer with locals o, p and end: room for need bytes at p. */
#define JT_RESERVE(need) \
	do { \
		if (unlikely(end - p < (need))) \
		{ \
			p = jt_grow(o, p, (need)); \
			end = o->end; \
		} \
	} while (0)

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

/*
 * The rest of a string, from s (at or before the first byte that needs an
 * escape) to e, and its closing quote.  Room for e - s + 1 bytes is already
 * reserved at p; each escape reserves the five bytes more it takes.
 */
static pg_noinline char *
jt_string_escaped(JtOut *o, char *p, const char *s, const char *e)
{
	char	   *end = o->end;

	for (;;)
	{
		/* byte by byte up to and including the next escape, or the end */
		while (s < e)
		{
			unsigned char c = (unsigned char) *s++;
			char		x = jt_escape[c];

			if (likely(x == 0))
			{
				*p++ = (char) c;
				continue;
			}
			if (unlikely(c == '\0'))
			{
				/* escape_json's NUL-terminated copy ends here */
				s = e;
				break;
			}
			JT_RESERVE(6 + (int) (e - s) + 1);
			*p++ = '\\';
			if (x == 'u')
			{
				*p++ = 'u';
				*p++ = '0';
				*p++ = '0';
				*p++ = jt_hex[c >> 4];
				*p++ = jt_hex[c & 0xF];
			}
			else
				*p++ = x;
			break;
		}
		if (s >= e)
			break;
		/* eight bytes at a time again, as in jt_string */
		while (e - s >= 8)
		{
			uint64		w;

			memcpy(&w, s, 8);
			memcpy(p, &w, 8);
			if (jt_word_needs_escape(w))
				break;
			s += 8;
			p += 8;
		}
	}
	*p++ = '"';
	return p;
}

/*
 * The lanes of w that need an escape, exactly: 0x80 in each byte that is
 * below 0x20, '"' or '\\', 0 elsewhere.  Unlike jt_word_needs_escape no
 * borrow crosses lanes, so lanes that are not part of the string can be
 * masked off.
 */
static inline uint64
jt_escape_lanes(uint64 w)
{
	const uint64 ones = UINT64CONST(0x0101010101010101);
	const uint64 low7 = UINT64CONST(0x7F7F7F7F7F7F7F7F);
	uint64		ctl = w & (ones * 0xE0);
	uint64		q = w ^ (ones * '"');
	uint64		b = w ^ (ones * '\\');

#define JT_ZERO_LANES(x) (~((((x) & low7) + low7) | (x) | low7))
	return JT_ZERO_LANES(ctl) | JT_ZERO_LANES(q) | JT_ZERO_LANES(b);
#undef JT_ZERO_LANES
}

/*
 * A string or key, quoted and escaped as escape_json does.  The common case,
 * no byte to escape, is inlined into the walk and works on 8-byte words:
 *
 *	- whole words while a word test says none of the bytes needs an escape;
 *	  a word is stored before it is tested (the reservation covers every byte
 *	  still to come), and jt_string_escaped rewrites one that needs one;
 *	- a tail of 1 to 7 bytes as the last 8 bytes of the string, which
 *	  overlap bytes already copied, stored over them;
 *	- a string shorter than 8 bytes as the word that ends where the string
 *	  ends, its lanes before the string masked off.  That word starts at most
 *	  8 bytes before the string, and a string inside a jsonb container is
 *	  always preceded by at least 8 bytes of the same container (its header
 *	  and its own JEntry), so the load stays within the datum.  The word is
 *	  shifted down and stored whole: the bytes after the string are slack
 *	  (reserved) that the closing quote and what follows overwrite.
 */
static pg_attribute_always_inline char *
jt_string(JtOut *o, char *p, const char *s, int len)
{
	const char *e = s + len;
	char	   *end = o->end;
	uint64		w;

	JT_RESERVE(len + 2 + 8);
	*p++ = '"';
	if (len >= 8)
	{
		int			rest;

		while (e - s >= 8)
		{
			memcpy(&w, s, 8);
			memcpy(p, &w, 8);
			if (unlikely(jt_word_needs_escape(w)))
				return jt_string_escaped(o, p, s, e);
			s += 8;
			p += 8;
		}
		rest = (int) (e - s);
		if (rest > 0)
		{
			memcpy(&w, e - 8, 8);
			if (unlikely(jt_word_needs_escape(w)))
				return jt_string_escaped(o, p, s, e);
			memcpy(p + rest - 8, &w, 8);
			p += rest;
		}
	}
	else if (len > 0)
	{
		int			shift = (8 - len) * 8;

		memcpy(&w, e - 8, 8);
#ifdef WORDS_BIGENDIAN
		if (unlikely((jt_escape_lanes(w) & (UINT64CONST(0x8080808080808080) >> shift)) != 0))
			return jt_string_escaped(o, p, s, e);
		w <<= shift;
#else
		if (unlikely((jt_escape_lanes(w) & (UINT64CONST(0x8080808080808080) << shift)) != 0))
			return jt_string_escaped(o, p, s, e);
		w >>= shift;
#endif
		memcpy(p, &w, 8);
		p += len;
	}
	*p++ = '"';
	return p;
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
static pg_noinline char *
jt_numeric(JtOut *o, char *p, Numeric num)
{
	const char *data = VARDATA_ANY(num);
	int			size = VARSIZE_ANY_EXHDR(num);
	char	   *end = o->end;
	uint16		header;
	bool		negative;
	int			weight;
	int			dscale;
	int			ndigits;
	const char *digits;
	int			intlen;
	int			d;

	memcpy(&header, data, sizeof(uint16));
	if ((header & JT_NUM_SIGN_MASK) == JT_NUM_SPECIAL)
	{
		/* NaN or an infinity: jsonb never stores one, but stay exact */
		char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
															NumericGetDatum(num)));
		int			len = (int) strlen(s);

		JT_RESERVE(len);
		memcpy(p, s, len);
		pfree(s);
		return p + len;
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
	JT_RESERVE(1 + intlen + 1 + dscale + 4);

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
	return p;
}

/* A scalar (js_fill gives null, string, numeric or bool here). */
static pg_attribute_always_inline char *
jt_scalar(JtOut *o, char *p, JsonbValue *v)
{
	char	   *end = o->end;

	switch (v->type)
	{
		case jbvString:
			return jt_string(o, p, v->val.string.val, v->val.string.len);
		case jbvNumeric:
			{
				/*
				 * Inline the commonest number, an integer of one base-10000
				 * group (-9999..9999): short header, scale 0, weight 0.
				 */
				Numeric		num = v->val.numeric;
				uint16		header;
				int			dig;

				if (VARATT_IS_SHORT(num) ||
					VARSIZE(num) != VARHDRSZ + 2 * sizeof(uint16))
					return jt_numeric(o, p, num);
				memcpy(&header, VARDATA(num), sizeof(uint16));
				if ((header & ~JT_NUM_SHORT_SIGN) != JT_NUM_SHORT)
					return jt_numeric(o, p, num);
				dig = jt_digit(VARDATA(num) + sizeof(uint16), 0);
				JT_RESERVE(5);
				if (header & JT_NUM_SHORT_SIGN)
					*p++ = '-';
				if (dig >= 1000)
					return jt_put4(p, dig);
				if (dig >= 100)
				{
					*p++ = (char) ('0' + dig / 100);
					memcpy(p, jt_pairs + (dig % 100) * 2, 2);
					return p + 2;
				}
				if (dig >= 10)
				{
					memcpy(p, jt_pairs + dig * 2, 2);
					return p + 2;
				}
				*p++ = (char) ('0' + dig);
				return p;
			}
		case jbvBool:
			JT_RESERVE(5);
			if (v->val.boolean)
			{
				memcpy(p, "true", 4);
				return p + 4;
			}
			memcpy(p, "false", 5);
			return p + 5;
		default:
			Assert(v->type == jbvNull);
			JT_RESERVE(4);
			memcpy(p, "null", 4);
			return p + 4;
	}
}

/*
 * The whole document under root, walked without recursion.  The open
 * container's iterator is a local (registers); the ones around it wait in
 * frames.
 */
static char *
jt_document(JtOut *o, char *p, JsonbContainer *root)
{
	JtFrame		local[JT_LOCAL_FRAMES];
	JtFrame    *frames = local;
	int			maxframes = JT_LOCAL_FRAMES;
	int			nframes = 0;
	JsIter		it;
	bool		object;
	char	   *end = o->end;

	if (JsonContainerIsScalar(root))
	{
		JsonbValue	v;

		js_iter_init(&it, root);
		if (js_iter_elem(&it, &v))
			p = jt_scalar(o, p, &v);
		return p;
	}

	object = JsonContainerIsObject(root);
	js_iter_init(&it, root);
	JT_RESERVE(1);
	*p++ = object ? '{' : '[';

	for (;;)
	{
		bool		first = it.i == 0;
		bool		more;
		JsonbValue	k;
		JsonbValue	v;

		CHECK_FOR_INTERRUPTS();

		/* room for ", " and an empty container, or a closing bracket */
		JT_RESERVE(4);
		if (object)
			more = js_iter_pair(&it, &k, &v);
		else
			more = js_iter_elem(&it, &v);
		if (!more)
		{
			*p++ = object ? '}' : ']';
			if (nframes == 0)
				break;
			nframes--;
			it = frames[nframes].it;
			object = frames[nframes].object;
			continue;
		}
		if (!first)
		{
			*p++ = ',';
			*p++ = ' ';
		}
		if (object)
		{
			p = jt_string(o, p, k.val.string.val, k.val.string.len);
			end = o->end;
			JT_RESERVE(4);
			*p++ = ':';
			*p++ = ' ';
		}

		if (v.type != jbvBinary)
		{
			p = jt_scalar(o, p, &v);
			end = o->end;
		}
		else
		{
			JsonbContainer *jc = v.val.binary.data;
			bool		child_object = JsonContainerIsObject(jc);

			*p++ = child_object ? '{' : '[';
			if (JsonContainerSize(jc) == 0)
			{
				*p++ = child_object ? '}' : ']';
				continue;
			}
			if (nframes == maxframes)
			{
				int			newmax = maxframes * 2;

				if (frames == local)
				{
					frames = palloc(sizeof(JtFrame) * newmax);
					memcpy(frames, local, sizeof(JtFrame) * maxframes);
				}
				else
					frames = repalloc(frames, sizeof(JtFrame) * newmax);
				maxframes = newmax;
			}
			frames[nframes].it = it;
			frames[nframes].object = object;
			nframes++;
			js_iter_init(&it, jc);
			object = child_object;
		}
	}

	if (frames != local)
		pfree(frames);
	return p;
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
	char	   *p;

	o.buf = buf;
	p = jt_grow(&o, buf->data + buf->len, (int) VARSIZE(jb));
	p = jt_document(&o, p, &jb->root);
	buf->len = (int) (p - buf->data);
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
