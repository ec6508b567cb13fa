/*
 * format.c
 *		Checkers for the JSON Schema "format" keyword.
 *
 * Each checker reads exactly len bytes (the string is not NUL-terminated),
 * allocates nothing (except "regex", whose syntax check mallocs a parse tree
 * and frees it before returning; out of memory answers "invalid") and loops
 * a bounded number of times per byte, so they are total on any input and
 * safe to fuzz.  No PostgreSQL headers: the unit tests link this file with
 * ecma_regex.c alone.
 *
 * The grammar followed is the one the specification names for each format
 * (RFC 3339 for dates and times and its appendix A for durations, RFC 5321
 * for email, RFC 1123 and IDNA2008 A-labels for hostname, RFC 3986/3987 for
 * URIs and IRIs, RFC 6570 for URI templates, RFC 6901 and the relative JSON
 * pointer draft for pointers, RFC 4122's text form for uuid), as the official
 * test suite reads it.  Digits are ASCII only everywhere.
 */
#include <stdint.h>
#include <string.h>

#include "ecma_regex.h"
#include "format.h"
#include "idna_tables.h"

typedef const unsigned char uchar;

static inline bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* n ASCII digits at s as a number, or -1. */
static int
digits(uchar *s, int n)
{
	int			v = 0,
				i;

	for (i = 0; i < n; i++)
	{
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* ---------------------------------------------------------------------
 * RFC 3339 date and time
 * ---------------------------------------------------------------------
 */
static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* full-date = date-fullyear "-" date-month "-" date-mday (10 bytes) */
static bool
full_date(uchar *s, size_t len)
{
	int			y,
				m,
				d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days_in_month(y, m);
}

/*
 * full-time = partial-time time-offset.  A leap second (:60) is valid only
 * when the time, moved to UTC by its offset, is 23:59:60.
 */
static bool
full_time(uchar *s, size_t len)
{
	int			h,
				mi,
				sec,
				oh = 0,
				om = 0,
				sign = 0;
	size_t		p;

	if (len < 9 || s[2] != ':' || s[5] != ':')
		return false;
	h = digits(s, 2);
	mi = digits(s + 3, 2);
	sec = digits(s + 6, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return false;
	p = 8;
	if (p < len && s[p] == '.')
	{
		size_t		start = ++p;

		while (p < len && is_digit(s[p]))
			p++;
		if (p == start)
			return false;
	}
	if (p >= len)
		return false;			/* the offset is required */
	if (s[p] == 'Z' || s[p] == 'z')
	{
		if (p + 1 != len)
			return false;
	}
	else if (s[p] == '+' || s[p] == '-')
	{
		if (len - p != 6 || s[p + 3] != ':')
			return false;
		sign = s[p] == '+' ? 1 : -1;
		oh = digits(s + p + 1, 2);
		om = digits(s + p + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
	}
	else
		return false;
	if (sec == 60)
	{
		int			utc = h * 60 + mi - sign * (oh * 60 + om);

		utc = ((utc % 1440) + 1440) % 1440;
		if (utc != 23 * 60 + 59)
			return false;
	}
	return true;
}

static bool
check_date(const char *s, size_t len)
{
	return full_date((uchar *) s, len);
}

static bool
check_time(const char *s, size_t len)
{
	return full_time((uchar *) s, len);
}

static bool
check_date_time(const char *str, size_t len)
{
	uchar	   *s = (uchar *) str;

	if (len < 11 || (s[10] != 'T' && s[10] != 't'))
		return false;
	return full_date(s, 10) && full_time(s + 11, len - 11);
}

/*
 * RFC 3339 appendix A:
 *	duration = "P" (dur-date / dur-time / dur-week)
 *	dur-date = (dur-day / dur-month / dur-year) [dur-time]
 *	dur-year = 1*DIGIT "Y" [dur-month]; dur-month = 1*DIGIT "M" [dur-day]
 *	dur-time = "T" (dur-hour / dur-minute / dur-second)
 *	dur-hour = 1*DIGIT "H" [dur-minute]; dur-minute = 1*DIGIT "M" [dur-second]
 * So the units present must be consecutive in Y M D and in H M S.
 */
static bool
dur_units(uchar *s, size_t len, size_t *p, const char *units)
{
	int			last = -1;
	int			n = 0;

	while (*p < len && s[*p] != 'T')
	{
		size_t		start = *p;
		const char *u;
		int			idx;

		while (*p < len && is_digit(s[*p]))
			(*p)++;
		if (*p == start || *p >= len)
			return false;
		u = strchr(units, s[*p]);
		if (u == NULL || s[*p] == '\0')
			return false;
		idx = (int) (u - units);
		if (last >= 0 && idx != last + 1)
			return false;
		last = idx;
		n++;
		(*p)++;
	}
	return n > 0;
}

static bool
check_duration(const char *str, size_t len)
{
	uchar	   *s = (uchar *) str;
	size_t		p = 1;

	if (len < 3 || s[0] != 'P')
		return false;
	/* dur-week: digits "W", alone */
	if (s[len - 1] == 'W')
	{
		for (p = 1; p < len - 1; p++)
			if (!is_digit(s[p]))
				return false;
		return true;
	}
	if (s[p] != 'T')
	{
		if (!dur_units(s, len, &p, "YMD"))
			return false;
		if (p == len)
			return true;
	}
	/* s[p] == 'T' */
	p++;
	if (p >= len)
		return false;
	if (!dur_units(s, len, &p, "HMS"))
		return false;
	return p == len;
}

/* ---------------------------------------------------------------------
 * IP addresses
 * ---------------------------------------------------------------------
 */

/*
 * dotted-quad, decimal; no leading zeros (RFC 2673 dotted-quad, the "ipv4"
 * format), or with them when lead0 (RFC 5321 Snum = 1*3DIGIT, value at most
 * 255: the IPv4 address literal of an email address)
 */
static bool
ipv4_generic(uchar *s, size_t len, bool lead0)
{
	size_t		p = 0;
	int			part;

	for (part = 0; part < 4; part++)
	{
		size_t		start = p;
		int			v = 0;

		if (part > 0)
		{
			if (p >= len || s[p] != '.')
				return false;
			start = ++p;
		}
		while (p < len && is_digit(s[p]) && p - start < 3)
			v = v * 10 + (s[p++] - '0');
		if (p == start || v > 255 || (!lead0 && p - start > 1 && s[start] == '0'))
			return false;
	}
	return p == len;
}

static bool
ipv4(uchar *s, size_t len)
{
	return ipv4_generic(s, len, false);
}

static bool
check_ipv4(const char *s, size_t len)
{
	return ipv4((uchar *) s, len);
}

/*
 * RFC 4291 text form, with an optional trailing IPv4; no zone, no brackets.
 * lead0: the IPv4 tail is an RFC 5321 IPv4-address-literal (leading zeros).
 */
static bool
ipv6_generic(uchar *s, size_t len, bool lead0)
{
	size_t		p = 0;
	int			groups = 0;
	bool		compressed = false;

	if (len < 2)
		return false;
	if (s[0] == ':')
	{
		if (s[1] != ':')
			return false;
		compressed = true;
		p = 2;
		if (p == len)
			return true;
	}
	for (;;)
	{
		size_t		start = p;
		size_t		q;

		/* an IPv4 tail? */
		for (q = p; q < len && s[q] != ':'; q++)
			;
		if (q == len && memchr(s + p, '.', len - p) != NULL)
		{
			if (!ipv4_generic(s + p, len - p, lead0))
				return false;
			groups += 2;
			break;
		}
		while (p < len && is_hex(s[p]) && p - start < 4)
			p++;
		if (p == start)
			return false;
		groups++;
		if (p == len)
			break;
		if (s[p] != ':')
			return false;
		p++;
		if (p < len && s[p] == ':')
		{
			if (compressed)
				return false;
			compressed = true;
			p++;
			if (p == len)
				break;
		}
		else if (p == len)
			return false;		/* trailing single colon */
		if (groups > 8)
			return false;
	}
	return compressed ? groups <= 7 : groups == 8;
}

static bool
ipv6(uchar *s, size_t len)
{
	return ipv6_generic(s, len, false);
}

static bool
check_ipv6(const char *s, size_t len)
{
	return ipv6((uchar *) s, len);
}

/* ---------------------------------------------------------------------
 * Hostnames: RFC 1123 labels; IDNA2008 (RFC 5890-5893) for A-labels and,
 * in idn-hostname, U-labels
 *
 * A label is checked as code points: an ASCII label as itself, an A-label
 * ("xn--") by decoding its Punycode, which must re-encode to the same text
 * and decode to something that needed encoding, and a U-label by decoding
 * its UTF-8 and encoding it, whose A-label form must fit in 63 octets.
 * Each U-label code point must be PVALID, or CONTEXTJ/CONTEXTO and pass
 * its rule of RFC 5892 appendix A; no label starts with a combining mark or
 * has "--" in positions 3 and 4.  When any label holds a right-to-left
 * character, every label must pass the Bidi rule of RFC 5893.  The data
 * are generated tables (idna_tables.h); the per-label work is bounded by
 * the 64 code points a label can have.
 * ---------------------------------------------------------------------
 */
#define LABEL_MAX_CP 64

#define TABLE(t) (t), (int) (sizeof(t) / sizeof((t)[0]))

static bool
in_table(uint32_t c, const uint32_t (*r)[2], int n)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (c < r[mid][0])
			hi = mid - 1;
		else if (c > r[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static int
bidi_of(uint32_t c)
{
	int			lo = 0,
				hi = (int) (sizeof(idna_bidi) / sizeof(idna_bidi[0])) - 1;

	/* the LDH characters of ASCII labels, without a search */
	if (is_alpha(c))
		return BIDI_L;
	if (is_digit(c))
		return BIDI_EN;
	if (c == '-')
		return BIDI_ES;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (c < idna_bidi[mid].lo)
			hi = mid - 1;
		else if (c > idna_bidi[mid].hi)
			lo = mid + 1;
		else
			return idna_bidi[mid].bidi;
	}
	return BIDI_L;
}

/* RFC 3492 parameters and bias adaptation */
#define PC_BASE 36
#define PC_TMIN 1
#define PC_TMAX 26
#define PC_SKEW 38
#define PC_DAMP 700

static uint32_t
pc_adapt(uint32_t delta, uint32_t numpoints, bool first)
{
	uint32_t	k = 0;

	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2)
	{
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

/* Punycode of an A-label's payload (after "xn--") into at most outcap code points. */
static bool
punycode_decode(uchar *in, size_t inlen, uint32_t *out, int outcap, int *outlen)
{
	uint32_t	n = 128,
				bias = 72,
				i = 0;
	size_t		b = 0,
				j,
				p = 0;
	int			o = 0;
	bool		has_delim = false;

	for (j = 0; j < inlen; j++)
		if (in[j] == '-')
		{
			b = j;
			has_delim = true;
		}
	if (has_delim)
	{
		for (j = 0; j < b; j++)
		{
			if (in[j] >= 0x80 || o >= outcap)
				return false;
			out[o++] = in[j];
		}
		p = b + 1;
	}
	while (p < inlen)
	{
		uint32_t	oldi = i,
					w = 1,
					k;

		for (k = PC_BASE;; k += PC_BASE)
		{
			int			c;
			uint32_t	digit,
						t;

			if (p >= inlen || k > 100 * PC_BASE)
				return false;
			c = in[p++];
			if (c >= 'a' && c <= 'z')
				digit = c - 'a';
			else if (c >= 'A' && c <= 'Z')
				digit = c - 'A';
			else if (c >= '0' && c <= '9')
				digit = c - '0' + 26;
			else
				return false;
			if (digit > (UINT32_MAX - i) / w)
				return false;
			i += digit * w;
			t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
			if (digit < t)
				break;
			if (w > UINT32_MAX / (PC_BASE - t))
				return false;
			w *= PC_BASE - t;
		}
		bias = pc_adapt(i - oldi, (uint32_t) o + 1, oldi == 0);
		if (i / ((uint32_t) o + 1) > UINT32_MAX - n)
			return false;
		n += i / ((uint32_t) o + 1);
		i %= (uint32_t) o + 1;
		if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || o >= outcap)
			return false;
		memmove(out + i + 1, out + i, (o - i) * sizeof(uint32_t));
		out[i++] = n;
		o++;
	}
	*outlen = o;
	return true;
}

/*
 * Punycode-encode n code points into out (without "xn--"); false when it
 * would exceed outcap characters.
 */
static bool
punycode_encode(const uint32_t *in, int n, char *out, size_t outcap, size_t *outlen)
{
	uint32_t	cur = 128,
				delta = 0,
				bias = 72,
				h,
				b = 0;
	size_t		o = 0;
	int			j;

	for (j = 0; j < n; j++)
		if (in[j] < 0x80)
		{
			if (o >= outcap)
				return false;
			out[o++] = (char) in[j];
			b++;
		}
	h = b;
	if (b > 0)
	{
		if (o >= outcap)
			return false;
		out[o++] = '-';
	}
	while (h < (uint32_t) n)
	{
		uint32_t	m = UINT32_MAX;

		for (j = 0; j < n; j++)
			if (in[j] >= cur && in[j] < m)
				m = in[j];
		if ((uint64_t) (m - cur) * (h + 1) > UINT32_MAX - delta)
			return false;
		delta += (m - cur) * (h + 1);
		cur = m;
		for (j = 0; j < n; j++)
		{
			if (in[j] < cur)
				delta++;
			if (in[j] == cur)
			{
				uint32_t	q = delta,
							k;

				for (k = PC_BASE;; k += PC_BASE)
				{
					uint32_t	t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias,
								d;

					if (q < t)
						break;
					d = t + (q - t) % (PC_BASE - t);
					if (o >= outcap)
						return false;
					out[o++] = (char) (d < 26 ? 'a' + d : '0' + d - 26);
					q = (q - t) / (PC_BASE - t);
				}
				if (o >= outcap)
					return false;
				out[o++] = (char) (q < 26 ? 'a' + q : '0' + q - 26);
				bias = pc_adapt(delta, h + 1, h == b);
				delta = 0;
				h++;
			}
		}
		delta++;
		cur++;
	}
	*outlen = o;
	return true;
}

/* RFC 5892 appendix A.1: ZERO WIDTH NON-JOINER at position i */
static bool
zwnj_ok(const uint32_t *cp, int n, int i)
{
	int			k;

	if (i > 0 && in_table(cp[i - 1], TABLE(idna_virama)))
		return true;
	/* (Joining_Type:{L,D})(Joining_Type:T)* ZWNJ (Joining_Type:T)*(Joining_Type:{R,D}) */
	for (k = i - 1; k >= 0 && in_table(cp[k], TABLE(idna_joining_T)); k--)
		;
	if (k < 0 || !(in_table(cp[k], TABLE(idna_joining_L)) || in_table(cp[k], TABLE(idna_joining_D))))
		return false;
	for (k = i + 1; k < n && in_table(cp[k], TABLE(idna_joining_T)); k++)
		;
	return k < n && (in_table(cp[k], TABLE(idna_joining_R)) || in_table(cp[k], TABLE(idna_joining_D)));
}

/* RFC 5892 appendix A.3-A.9 for a CONTEXTO code point at position i */
static bool
contexto_ok(const uint32_t *cp, int n, int i)
{
	uint32_t	c = cp[i];
	int			k;

	switch (c)
	{
		case 0x00B7:			/* MIDDLE DOT: between two 'l' */
			return i > 0 && i < n - 1 && cp[i - 1] == 'l' && cp[i + 1] == 'l';
		case 0x0375:			/* GREEK LOWER NUMERAL SIGN: Greek follows */
			return i < n - 1 && in_table(cp[i + 1], TABLE(idna_script_greek));
		case 0x05F3:			/* HEBREW GERESH, GERSHAYIM: Hebrew precedes */
		case 0x05F4:
			return i > 0 && in_table(cp[i - 1], TABLE(idna_script_hebrew));
		case 0x30FB:			/* KATAKANA MIDDLE DOT: some kana or Han */
			for (k = 0; k < n; k++)
				if (cp[k] != 0x30FB &&
					(in_table(cp[k], TABLE(idna_script_hiragana)) ||
					 in_table(cp[k], TABLE(idna_script_katakana)) ||
					 in_table(cp[k], TABLE(idna_script_han))))
					return true;
			return false;
		default:
			break;
	}
	if (c >= 0x0660 && c <= 0x0669)
	{
		for (k = 0; k < n; k++)
			if (cp[k] >= 0x06F0 && cp[k] <= 0x06F9)
				return false;
		return true;
	}
	if (c >= 0x06F0 && c <= 0x06F9)
	{
		for (k = 0; k < n; k++)
			if (cp[k] >= 0x0660 && cp[k] <= 0x0669)
				return false;
		return true;
	}
	return false;
}

/* RFC 5891 4.2.3 and RFC 5892: is this a valid U-label? */
static bool
ulabel_ok(const uint32_t *cp, int n)
{
	int			i;

	if (n == 0 || cp[0] == '-' || cp[n - 1] == '-')
		return false;
	if (n >= 4 && cp[2] == '-' && cp[3] == '-')
		return false;
	if (EcmaUnicodeIsMark(cp[0]))
		return false;
	for (i = 0; i < n; i++)
	{
		uint32_t	c = cp[i];

		if (in_table(c, TABLE(idna_pvalid)))
			continue;
		if (in_table(c, TABLE(idna_contextj)))
		{
			if (c == 0x200D ? !(i > 0 && in_table(cp[i - 1], TABLE(idna_virama))) :
				!zwnj_ok(cp, n, i))
				return false;
			continue;
		}
		if (in_table(c, TABLE(idna_contexto)) && contexto_ok(cp, n, i))
			continue;
		return false;
	}
	return true;
}

/* RFC 5893 section 2: the Bidi rule for one label of a Bidi domain name */
static bool
bidi_rule_ok(const uint32_t *cp, int n)
{
	int			first = bidi_of(cp[0]),
				last = -1,
				i;
	bool		rtl,
				en = false,
				an = false;

	if (first == BIDI_R || first == BIDI_AL)
		rtl = true;
	else if (first == BIDI_L)
		rtl = false;
	else
		return false;
	for (i = 0; i < n; i++)
	{
		int			b = bidi_of(cp[i]);

		if (rtl)
		{
			if (b != BIDI_R && b != BIDI_AL && b != BIDI_AN && b != BIDI_EN &&
				b != BIDI_ES && b != BIDI_CS && b != BIDI_ET && b != BIDI_ON &&
				b != BIDI_BN && b != BIDI_NSM)
				return false;
		}
		else if (b != BIDI_L && b != BIDI_EN && b != BIDI_ES && b != BIDI_CS &&
				 b != BIDI_ET && b != BIDI_ON && b != BIDI_BN && b != BIDI_NSM)
			return false;
		if (b == BIDI_EN)
			en = true;
		if (b == BIDI_AN)
			an = true;
		if (b != BIDI_NSM)
			last = b;
	}
	if (rtl)
		return (last == BIDI_R || last == BIDI_AL || last == BIDI_EN || last == BIDI_AN) &&
			!(en && an);
	return last == BIDI_L || last == BIDI_EN;
}

static bool
has_rtl(const uint32_t *cp, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		int			b;

		if (cp[i] < 0x80)
			continue;			/* no ASCII character is right-to-left */
		b = bidi_of(cp[i]);
		if (b == BIDI_R || b == BIDI_AL || b == BIDI_AN)
			return true;
	}
	return false;
}

/*
 * One label (bytes s[0..len)) into code points; returns its length in
 * A-label form, or -1 when the label is invalid.
 */
static int
label_decode(uchar *s, size_t len, bool allow_unicode, uint32_t *cp, int *n)
{
	size_t		k;
	bool		ascii = true;

	for (k = 0; k < len; k++)
		if (s[k] >= 0x80)
			ascii = false;
	if (ascii)
	{
		if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
			return -1;
		for (k = 0; k < len; k++)
			if (!is_alpha(s[k]) && !is_digit(s[k]) && s[k] != '-')
				return -1;
		if (len >= 4 && s[2] == '-' && s[3] == '-')
		{
			char		enc[64];
			size_t		enclen;

			/* an A-label: must be xn--, decode, re-encode to itself */
			if ((s[0] != 'x' && s[0] != 'X') || (s[1] != 'n' && s[1] != 'N'))
				return -1;
			if (!punycode_decode(s + 4, len - 4, cp, LABEL_MAX_CP, n) || *n == 0)
				return -1;
			for (k = 0; k < (size_t) *n; k++)
				if (cp[k] >= 0x80)
					break;
			if (k == (size_t) *n)
				return -1;		/* decodes to ASCII only */
			if (!punycode_encode(cp, *n, enc, sizeof(enc), &enclen) || enclen != len - 4)
				return -1;
			for (k = 0; k < enclen; k++)
			{
				int			a = enc[k],
							b = s[4 + k];

				if (b >= 'A' && b <= 'Z')
					b += 'a' - 'A';
				if (a >= 'A' && a <= 'Z')
					a += 'a' - 'A';
				if (a != b)
					return -1;
			}
			/* DNS names are case-insensitive: XN--BCHER-KVA is xn--bcher-kva */
			for (k = 0; k < (size_t) *n; k++)
				if (cp[k] >= 'A' && cp[k] <= 'Z')
					cp[k] += 'a' - 'A';
			if (!ulabel_ok(cp, *n))
				return -1;
			return (int) len;
		}
		for (k = 0; k < len; k++)
			cp[k] = s[k];
		*n = (int) len;
		return (int) len;
	}
	else
	{
		char		enc[64];
		size_t		enclen;

		if (!allow_unicode)
			return -1;
		*n = 0;
		k = 0;
		while (k < len)
		{
			uint32_t	c;
			int			b = EcmaUtf8Decode(s + k, len - k, &c);

			if ((c == 0xFFFD && b == 1) || *n >= LABEL_MAX_CP)
				return -1;
			cp[(*n)++] = c;
			k += b;
		}
		if (!ulabel_ok(cp, *n))
			return -1;
		/* its A-label "xn--" + Punycode must fit in 63 octets */
		if (!punycode_encode(cp, *n, enc, 63 - 4, &enclen))
			return -1;
		return (int) enclen + 4;
	}
}

/*
 * A hostname; with idn, U-labels and the IDNA2003 full stops (U+3002,
 * U+FF0E, U+FF61) are allowed too.  Two passes: labels first, then, for a
 * Bidi domain name, the Bidi rule on every label.
 */
static bool
hostname_generic(uchar *s, size_t len, bool idn)
{
	int			pass;

	if (len == 0)
		return false;
	for (pass = 0; pass < 2; pass++)
	{
		size_t		start = 0,
					i,
					total = 0;
		bool		bidi_domain = false;

		for (i = 0; i <= len; i++)
		{
			size_t		seplen = 0;

			if (i < len && s[i] == '.')
				seplen = 1;
			else if (idn && i + 2 < len &&
					 ((s[i] == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x82) ||
					  (s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0x8E) ||
					  (s[i] == 0xEF && s[i + 1] == 0xBD && s[i + 2] == 0xA1)))
				seplen = 3;
			if (i == len || seplen > 0)
			{
				uint32_t	cp[LABEL_MAX_CP];
				int			n = 0;
				int			alen = label_decode(s + start, i - start, idn, cp, &n);

				if (alen < 0)
					return false;
				total += alen + (i < len ? 1 : 0);
				if (pass == 0 && has_rtl(cp, n))
					bidi_domain = true;
				if (pass == 1 && !bidi_rule_ok(cp, n))
					return false;
				if (i == len)
					break;
				start = i + seplen;
				i += seplen - 1;
			}
		}
		if (total > 253)
			return false;
		if (pass == 0 && !bidi_domain)
			return true;
	}
	return true;
}

static bool
check_hostname(const char *s, size_t len)
{
	return hostname_generic((uchar *) s, len, false);
}

/*
 * Drafts 4 and 6 define "hostname" by RFC 1034/1123 alone: LDH labels of
 * 1 to 63 octets, not starting or ending with "-", 253 octets in all, and
 * "--" anywhere ("ab--cd" is valid there; IDNA2008 came with draft 7).
 */
static bool
check_hostname_rfc1123(const char *str, size_t len)
{
	uchar	   *s = (uchar *) str;
	size_t		start = 0,
				i;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++)
	{
		if (i == len || s[i] == '.')
		{
			size_t		l = i - start,
						k;

			if (l == 0 || l > 63 || s[start] == '-' || s[i - 1] == '-')
				return false;
			for (k = start; k < i; k++)
				if (!is_alpha(s[k]) && !is_digit(s[k]) && s[k] != '-')
					return false;
			start = i + 1;
		}
	}
	return true;
}

static bool
check_idn_hostname(const char *s, size_t len)
{
	return hostname_generic((uchar *) s, len, true);
}

/* ---------------------------------------------------------------------
 * Email (RFC 5321 Mailbox; RFC 6531 for idn-email)
 * ---------------------------------------------------------------------
 */
static bool
is_atext(int c)
{
	return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Local-part = Dot-string / Quoted-string; returns the length consumed
 * (stops before "@"), or 0 when invalid.  With utf8, non-ASCII bytes are
 * allowed as atext and qtext (RFC 6531).
 */
static size_t
local_part(uchar *s, size_t len, bool utf8)
{
	size_t		p = 0;

	if (len == 0)
		return 0;
	if (s[0] == '"')
	{
		p = 1;
		while (p < len && s[p] != '"')
		{
			if (s[p] == '\\')
			{
				if (p + 1 >= len || s[p + 1] < 32 || s[p + 1] > 126)
					return 0;
				p += 2;
			}
			else if ((s[p] >= 32 && s[p] <= 126) || (utf8 && s[p] >= 0x80))
				p++;
			else
				return 0;
		}
		if (p >= len)
			return 0;
		return p + 1;
	}
	for (;;)
	{
		size_t		start = p;

		while (p < len && (is_atext(s[p]) || (utf8 && s[p] >= 0x80)))
			p++;
		if (p == start)
			return 0;
		if (p < len && s[p] == '.')
			p++;
		else
			return p;
	}
}

static bool
email(const char *str, size_t len, bool utf8)
{
	uchar	   *s = (uchar *) str;
	size_t		lp = local_part(s, len, utf8);
	uchar	   *d;
	size_t		dl;

	if (lp == 0 || lp > 64 || lp >= len || s[lp] != '@')
		return false;
	d = s + lp + 1;
	dl = len - lp - 1;
	if (dl == 0)
		return false;
	if (d[0] == '[')
	{
		if (d[dl - 1] != ']' || dl < 3)
			return false;
		/*
		 * RFC 5321 4.1.3: the tag is an Ldh-str, and ABNF strings are
		 * case-insensitive, so "ipv6:" is the same tag; Snum allows leading
		 * zeros, in the IPv4 literal and in an IPv6 literal's IPv4 tail.
		 */
		if (dl > 7 && (d[1] == 'I' || d[1] == 'i') && (d[2] == 'P' || d[2] == 'p') &&
			(d[3] == 'V' || d[3] == 'v') && d[4] == '6' && d[5] == ':')
			return ipv6_generic(d + 6, dl - 7, true);
		return ipv4_generic(d + 1, dl - 2, true);
	}
	return utf8 ? check_idn_hostname((const char *) d, dl) :
		check_hostname((const char *) d, dl);
}

static bool
check_email(const char *s, size_t len)
{
	return email(s, len, false);
}

static bool
check_idn_email(const char *s, size_t len)
{
	return email(s, len, true);
}

/* ---------------------------------------------------------------------
 * URIs and IRIs (RFC 3986, RFC 3987)
 * ---------------------------------------------------------------------
 */
typedef struct UriCtx
{
	uchar	   *s;
	size_t		len;
	size_t		p;
	bool		iri;
} UriCtx;

static inline bool
is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static inline bool
is_sub_delim(int c)
{
	return c != 0 && strchr("!$&'()*+,;=", c) != NULL;
}

/* IRI ucschar (and iprivate when allowed). */
static bool
is_ucschar(uint32_t c, bool private_ok)
{
	if ((c >= 0xA0 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
		(c >= 0xFDF0 && c <= 0xFFEF))
		return true;
	if (c >= 0x10000 && c <= 0xEFFFD && (c & 0xFFFF) <= 0xFFFD)
		return true;
	if (private_ok && ((c >= 0xE000 && c <= 0xF8FF) ||
					   (c >= 0xF0000 && c <= 0xFFFFD) ||
					   (c >= 0x100000 && c <= 0x10FFFD)))
		return true;
	return false;
}

/*
 * Consume one character of the class "unreserved / pct-encoded /
 * sub-delims" plus the extra ASCII characters in "extra"; for IRIs also
 * ucschar (and iprivate if private_ok).  False (nothing consumed) if the
 * next character is not one.
 */
static bool
uri_char(UriCtx *u, const char *extra, bool private_ok)
{
	int			c;

	if (u->p >= u->len)
		return false;
	c = u->s[u->p];
	if (c == '%')
	{
		if (u->p + 2 < u->len && is_hex(u->s[u->p + 1]) && is_hex(u->s[u->p + 2]))
		{
			u->p += 3;
			return true;
		}
		return false;
	}
	if (c < 0x80)
	{
		if (is_unreserved(c) || is_sub_delim(c) || (c != 0 && strchr(extra, c) != NULL))
		{
			u->p++;
			return true;
		}
		return false;
	}
	if (u->iri)
	{
		uint32_t	cp;
		int			n = EcmaUtf8Decode(u->s + u->p, u->len - u->p, &cp);

		if (!(cp == 0xFFFD && n == 1) && is_ucschar(cp, private_ok))
		{
			u->p += n;
			return true;
		}
	}
	return false;
}

/* A stray "%" that is not a valid escape makes uri_char fail too. */
static void
uri_span(UriCtx *u, const char *extra, bool private_ok)
{
	while (uri_char(u, extra, private_ok))
		;
}

/* authority = [ userinfo "@" ] host [ ":" port ], up to / ? # or end */
static bool
authority(UriCtx *u)
{
	size_t		end = u->p,
				at = (size_t) -1,
				i;
	size_t		hs;

	while (end < u->len && u->s[end] != '/' && u->s[end] != '?' && u->s[end] != '#')
		end++;
	for (i = u->p; i < end; i++)
		if (u->s[i] == '@')
		{
			at = i;
			break;
		}
	if (at != (size_t) -1)
	{
		UriCtx		ui = *u;

		ui.len = at;
		uri_span(&ui, ":", false);
		if (ui.p != at)
			return false;
		u->p = at + 1;
	}
	hs = u->p;
	if (hs < end && u->s[hs] == '[')
	{
		size_t		close = hs;

		while (close < end && u->s[close] != ']')
			close++;
		if (close >= end)
			return false;
		if (close > hs + 1 && (u->s[hs + 1] == 'v' || u->s[hs + 1] == 'V'))
		{
			/* IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
			size_t		q = hs + 2;
			size_t		hstart = q;

			while (q < close && is_hex(u->s[q]))
				q++;
			if (q == hstart || q >= close || u->s[q] != '.')
				return false;
			q++;
			if (q >= close)
				return false;
			for (; q < close; q++)
				if (!is_unreserved(u->s[q]) && !is_sub_delim(u->s[q]) && u->s[q] != ':')
					return false;
		}
		else if (!ipv6(u->s + hs + 1, close - hs - 1))
			return false;
		u->p = close + 1;
	}
	else
	{
		UriCtx		h = *u;

		h.len = end;
		uri_span(&h, "", false);
		u->p = h.p;
	}
	if (u->p < end && u->s[u->p] == ':')
	{
		u->p++;
		while (u->p < end && is_digit(u->s[u->p]))
			u->p++;
	}
	return u->p == end;
}

/* *( "/" segment ) etc.: pchar and "/" up to ? # or end */
static bool
path_chars(UriCtx *u)
{
	uri_span(u, ":@/", false);
	return u->p == u->len || u->s[u->p] == '?' || u->s[u->p] == '#';
}

static bool
query_fragment(UriCtx *u)
{
	if (u->p < u->len && u->s[u->p] == '?')
	{
		u->p++;
		uri_span(u, ":@/?", true);
	}
	if (u->p < u->len && u->s[u->p] == '#')
	{
		u->p++;
		uri_span(u, ":@/?", false);
	}
	return u->p == u->len;
}

/* scheme ":" if present: returns its length incl. the colon, else 0 */
static size_t
scheme_len(uchar *s, size_t len)
{
	size_t		p;

	if (len == 0 || !is_alpha(s[0]))
		return 0;
	for (p = 1; p < len; p++)
	{
		if (s[p] == ':')
			return p + 1;
		if (!is_alpha(s[p]) && !is_digit(s[p]) && s[p] != '+' && s[p] != '-' && s[p] != '.')
			return 0;
	}
	return 0;
}

static bool
uri_generic(const char *str, size_t len, bool iri, bool reference)
{
	UriCtx		u;
	size_t		sl;

	u.s = (uchar *) str;
	u.len = len;
	u.p = 0;
	u.iri = iri;
	sl = scheme_len(u.s, len);
	if (sl == 0)
	{
		size_t		i;

		if (!reference)
			return false;
		/* relative-ref: path-noscheme has no ":" in its first segment */
		for (i = 0; i < len && u.s[i] != '/' && u.s[i] != '?' && u.s[i] != '#'; i++)
			if (u.s[i] == ':')
				return false;
	}
	u.p = sl;
	if (u.p + 1 < len && u.s[u.p] == '/' && u.s[u.p + 1] == '/')
	{
		u.p += 2;
		if (!authority(&u))
			return false;
	}
	if (!path_chars(&u))
		return false;
	return query_fragment(&u);
}

static bool
check_uri(const char *s, size_t len)
{
	return uri_generic(s, len, false, false);
}

static bool
check_uri_reference(const char *s, size_t len)
{
	return uri_generic(s, len, false, true);
}

static bool
check_iri(const char *s, size_t len)
{
	return uri_generic(s, len, true, false);
}

static bool
check_iri_reference(const char *s, size_t len)
{
	return uri_generic(s, len, true, true);
}

/* ---------------------------------------------------------------------
 * RFC 6570 URI Template (level 4 syntax)
 * ---------------------------------------------------------------------
 */
static bool
check_uri_template(const char *str, size_t len)
{
	uchar	   *s = (uchar *) str;
	size_t		p = 0;

	while (p < len)
	{
		int			c = s[p];

		if (c == '{')
		{
			p++;
			if (p < len && strchr("+#./;?&=,!@|", s[p]) != NULL && s[p] != 0)
				p++;
			for (;;)
			{
				/* varname = varchar *( ["."] varchar ) */
				bool		need = true;

				for (;;)
				{
					if (p < len && (is_alpha(s[p]) || is_digit(s[p]) || s[p] == '_'))
						p++;
					else if (p + 2 < len && s[p] == '%' && is_hex(s[p + 1]) && is_hex(s[p + 2]))
						p += 3;
					else if (!need && p + 1 < len && s[p] == '.' &&
							 (is_alpha(s[p + 1]) || is_digit(s[p + 1]) ||
							  s[p + 1] == '_' || s[p + 1] == '%'))
					{
						p++;
						need = true;
						continue;
					}
					else
						break;
					need = false;
				}
				if (need)
					return false;
				if (p < len && s[p] == ':')
				{
					size_t		st = ++p;

					if (p >= len || s[p] < '1' || s[p] > '9')
						return false;
					while (p < len && is_digit(s[p]) && p - st < 4)
						p++;
				}
				else if (p < len && s[p] == '*')
					p++;
				if (p < len && s[p] == ',')
				{
					p++;
					continue;
				}
				break;
			}
			if (p >= len || s[p] != '}')
				return false;
			p++;
			continue;
		}
		if (c == '%')
		{
			if (p + 2 < len && is_hex(s[p + 1]) && is_hex(s[p + 2]))
			{
				p += 3;
				continue;
			}
			return false;
		}
		if (c >= 0x80)
		{
			uint32_t	cp;
			int			n = EcmaUtf8Decode(s + p, len - p, &cp);

			if ((cp == 0xFFFD && n == 1) || !is_ucschar(cp, true))
				return false;
			p += n;
			continue;
		}
		/* literals: CTL, SP, DQUOTE, "%", "<", ">", "\", "^", "`", "{", "|", "}" excluded */
		if (c <= 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>' ||
			c == '\\' || c == '^' || c == '`' || c == '|' || c == '}')
			return false;
		p++;
	}
	return true;
}

/* ---------------------------------------------------------------------
 * JSON pointers (RFC 6901) and relative JSON pointers
 * ---------------------------------------------------------------------
 */
static bool
json_pointer(uchar *s, size_t len)
{
	size_t		p;

	if (len == 0)
		return true;
	if (s[0] != '/')
		return false;
	for (p = 0; p < len; p++)
		if (s[p] == '~' && (p + 1 >= len || (s[p + 1] != '0' && s[p + 1] != '1')))
			return false;
	return true;
}

static bool
check_json_pointer(const char *s, size_t len)
{
	return json_pointer((uchar *) s, len);
}

/* non-negative-integer = "0" / %x31-39 *DIGIT at s[*p]; false when none */
static bool
rjp_integer(uchar *s, size_t len, size_t *p)
{
	if (*p >= len || !is_digit(s[*p]))
		return false;
	if (s[*p] == '0')
		(*p)++;
	else
		while (*p < len && is_digit(s[*p]))
			(*p)++;
	return true;
}

/*
 * Relative JSON pointer.  draft-handrews-relative-json-pointer-01/-02 (drafts
 * 7 and 2019-09): non-negative-integer, then a JSON pointer or "#".
 * draft-bhutton-relative-json-pointer-00 (cited by 2020-12) adds an optional
 * index manipulation after the integer: ("+" / "-") non-negative-integer,
 * as in "0+1/foo" or "1-2#".
 */
static bool
relative_json_pointer(uchar *s, size_t len, bool index_manipulation)
{
	size_t		p = 0;

	if (!rjp_integer(s, len, &p))
		return false;
	if (index_manipulation && p < len && (s[p] == '+' || s[p] == '-'))
	{
		p++;
		if (!rjp_integer(s, len, &p))
			return false;
	}
	if (p == len)
		return true;
	if (s[p] == '#')
		return p + 1 == len;
	return json_pointer(s + p, len - p);
}

static bool
check_relative_json_pointer(const char *s, size_t len)
{
	return relative_json_pointer((uchar *) s, len, false);
}

static bool
check_relative_json_pointer_2020(const char *s, size_t len)
{
	return relative_json_pointer((uchar *) s, len, true);
}

/* ---------------------------------------------------------------------
 * uuid and regex
 * ---------------------------------------------------------------------
 */
/* 1 for the bytes of a hex digit; uuid runs on every event, so a table */
static const uint8_t hex_table[256] = {
	['0'] = 1,['1'] = 1,['2'] = 1,['3'] = 1,['4'] = 1,['5'] = 1,['6'] = 1,['7'] = 1,
	['8'] = 1,['9'] = 1,['a'] = 1,['b'] = 1,['c'] = 1,['d'] = 1,['e'] = 1,['f'] = 1,
	['A'] = 1,['B'] = 1,['C'] = 1,['D'] = 1,['E'] = 1,['F'] = 1
};

static bool
check_uuid(const char *str, size_t len)
{
	uchar	   *s = (uchar *) str;
	unsigned	ok = 1;
	size_t		i;

	if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return false;
	/* no early exit: the and of all 32 digits, group by group */
	for (i = 0; i < 8; i++)
		ok &= hex_table[s[i]];
	for (i = 9; i < 13; i++)
		ok &= hex_table[s[i]];
	for (i = 14; i < 18; i++)
		ok &= hex_table[s[i]];
	for (i = 19; i < 23; i++)
		ok &= hex_table[s[i]];
	for (i = 24; i < 36; i++)
		ok &= hex_table[s[i]];
	return ok != 0;
}

static bool
check_regex(const char *s, size_t len)
{
	return EcmaRegexCheckSyntax(s, len, NULL);
}

/* ---------------------------------------------------------------------
 * Lookup
 * ---------------------------------------------------------------------
 */
static const struct
{
	const char *name;
	JsonSchemaFormatCheck check;
}			formats[] = {
	{"date", check_date},
	{"date-time", check_date_time},
	{"duration", check_duration},
	{"email", check_email},
	{"hostname", check_hostname},
	{"idn-email", check_idn_email},
	{"idn-hostname", check_idn_hostname},
	{"ipv4", check_ipv4},
	{"ipv6", check_ipv6},
	{"iri", check_iri},
	{"iri-reference", check_iri_reference},
	{"json-pointer", check_json_pointer},
	{"regex", check_regex},
	{"relative-json-pointer", check_relative_json_pointer},
	{"time", check_time},
	{"uri", check_uri},
	{"uri-reference", check_uri_reference},
	{"uri-template", check_uri_template},
	{"uuid", check_uuid},
};

JsonSchemaFormatCheck
JsonSchemaFormatLookup(const char *name)
{
	size_t		i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].name, name) == 0)
			return formats[i].check;
	return NULL;
}

JsonSchemaFormatCheck
JsonSchemaFormatLookupDraft(const char *name, int draft)
{
	if (draft < 7 && name != NULL && strcmp(name, "hostname") == 0)
		return check_hostname_rfc1123;
	if (draft >= 2020 && name != NULL && strcmp(name, "relative-json-pointer") == 0)
		return check_relative_json_pointer_2020;
	return JsonSchemaFormatLookup(name);
}
