/*
 * numutil.c
 *		Fast readers of jsonb numbers for the validator.
 *
 * jsonb stores numbers as "numeric" datums.  Comparing two of them through
 * numeric_cmp is exact but costs a function call and a little arithmetic;
 * most numbers in event payloads are small integers, so these helpers read
 * the numeric's stored header (its on-disk format, stable across releases
 * because pg_upgrade keeps data files as they are) to answer the common
 * questions without arithmetic: is it integral, is it zero, what small
 * integer is it.  Anything else falls back to the numeric functions.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"

#include "jsonschema/jsonschema_int.h"

/* The stored layout of a numeric (see numeric.c). */
#define NUM_SIGN_MASK		0xC000
#define NUM_NEG				0x4000
#define NUM_SHORT			0x8000
#define NUM_SPECIAL			0xC000
#define NUM_SHORT_SIGN		0x2000
#define NUM_SHORT_WSIGN		0x0040
#define NUM_SHORT_WMASK		0x003F
#define NUM_BASE			10000

typedef struct NumParts
{
	bool		special;
	bool		negative;
	int			weight;
	int			ndigits;
	const char *digits;			/* int16 digits, possibly unaligned */
} NumParts;

static inline void
num_parts(Numeric num, NumParts *p)
{
	const char *data = VARDATA_ANY(num);
	int			size = VARSIZE_ANY_EXHDR(num);
	uint16		header;

	memcpy(&header, data, sizeof(uint16));
	p->special = (header & NUM_SIGN_MASK) == NUM_SPECIAL;
	if (p->special)
	{
		p->negative = false;
		p->weight = 0;
		p->ndigits = 0;
		p->digits = NULL;
		return;
	}
	if ((header & NUM_SIGN_MASK) == NUM_SHORT)
	{
		p->negative = (header & NUM_SHORT_SIGN) != 0;
		p->weight = (header & NUM_SHORT_WSIGN) ? (int) (~NUM_SHORT_WMASK | (header & NUM_SHORT_WMASK))
			: (int) (header & NUM_SHORT_WMASK);
		p->digits = data + sizeof(uint16);
		p->ndigits = (size - (int) sizeof(uint16)) / (int) sizeof(int16);
	}
	else
	{
		int16		weight;

		memcpy(&weight, data + sizeof(uint16), sizeof(int16));
		p->negative = (header & NUM_SIGN_MASK) == NUM_NEG;
		p->weight = weight;
		p->digits = data + 2 * sizeof(uint16);
		p->ndigits = (size - 2 * (int) sizeof(uint16)) / (int) sizeof(int16);
	}
}

static inline int16
num_digit(const NumParts *p, int i)
{
	int16		d;

	memcpy(&d, p->digits + i * sizeof(int16), sizeof(int16));
	return d;
}

/*
 * Is the number integral?  Stored numerics carry no trailing zero digits,
 * so it is integral when no digit lies after the decimal point.
 */
bool
JsNumericIsIntegral(Numeric num)
{
	NumParts	p;
	int			i;

	num_parts(num, &p);
	if (p.special)
		return false;
	if (p.ndigits == 0 || p.weight >= p.ndigits - 1)
		return true;
	/* be safe with unstripped values: check the fractional digits */
	for (i = Max(p.weight + 1, 0); i < p.ndigits; i++)
		if (num_digit(&p, i) != 0)
			return false;
	return true;
}

bool
JsNumericIsZero(Numeric num)
{
	NumParts	p;
	int			i;

	num_parts(num, &p);
	if (p.special)
		return false;
	for (i = 0; i < p.ndigits; i++)
		if (num_digit(&p, i) != 0)
			return false;
	return true;
}

/*
 * An integral number with absolute value below 10^16, as an int64.
 */
bool
JsNumericSmallInt(Numeric num, int64 *out)
{
	NumParts	p;
	int64		v = 0;
	int			i;

	num_parts(num, &p);
	if (p.special)
		return false;
	if (p.ndigits == 0)
	{
		*out = 0;
		return true;
	}
	if (p.weight > 3 || p.weight < p.ndigits - 1)
	{
		if (!JsNumericIsIntegral(num) || p.weight > 3)
			return false;
	}
	for (i = 0; i <= p.weight; i++)
	{
		v *= NUM_BASE;
		if (i < p.ndigits)
			v += num_digit(&p, i);
	}
	*out = p.negative ? -v : v;
	return true;
}

int
JsNumericCmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
											 NumericGetDatum(a),
											 NumericGetDatum(b)));
}
