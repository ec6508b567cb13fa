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

/* dotted-quad, decimal, no leading zeros */
static bool
ipv4(uchar *s, size_t len)
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
		if (p == start || v > 255 || (p - start > 1 && s[start] == '0'))
			return false;
	}
	return p == len;
}

static bool
check_ipv4(const char *s, size_t len)
{
	return ipv4((uchar *) s, len);
}

/* RFC 4291 text form, with an optional trailing IPv4; no zone, no brackets */
static bool
ipv6(uchar *s, size_t len)
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
			if (!ipv4(s + p, len - p))
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
check_ipv6(const char *s, size_t len)
{
	return ipv6((uchar *) s, len);
}

/* ---------------------------------------------------------------------
 * Hostnames (RFC 1123, with IDNA2008 A-labels checked by punycode decoding)
 * ---------------------------------------------------------------------
 */

/*
 * RFC 3492 punycode decoder: the A-label's payload (after "xn--") into at
 * most outcap code points.  False when it is not valid punycode.
 */
static bool
punycode_decode(uchar *in, size_t inlen, uint32_t *out, int outcap, int *outlen)
{
	const uint32_t base = 36,
				tmin = 1,
				tmax = 26,
				skew = 38,
				damp = 700;
	uint32_t	n = 128,
				bias = 72,
				i = 0;
	size_t		b = 0,
				j,
				p;
	int			o = 0;
	bool		first = true;

	for (j = 0; j < inlen; j++)
		if (in[j] == '-')
			b = j;
	/* basic code points before the last delimiter */
	if (b > 0 || (inlen > 0 && in[0] == '-'))
	{
		for (j = 0; j < b; j++)
		{
			if (in[j] >= 0x80 || o >= outcap)
				return false;
			out[o++] = in[j];
		}
		p = b + 1;
	}
	else
		p = 0;
	if (p >= inlen && o == 0)
		return false;
	while (p < inlen)
	{
		uint32_t	oldi = i,
					w = 1,
					k,
					t,
					digit,
					delta,
					numpoints;

		for (k = base;; k += base)
		{
			int			c;

			if (p >= inlen)
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
			t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
			if (digit < t)
				break;
			if (w > UINT32_MAX / (base - t))
				return false;
			w *= base - t;
			if (k > 10000)
				return false;
		}
		/* adapt */
		numpoints = (uint32_t) o + 1;
		delta = first ? (i - oldi) / damp : (i - oldi) / 2;
		first = false;
		delta += delta / numpoints;
		for (k = 0; delta > ((base - tmin) * tmax) / 2; k += base)
			delta /= base - tmin;
		bias = k + (base - tmin + 1) * delta / (delta + skew);

		if (i / numpoints > UINT32_MAX - n)
			return false;
		n += i / numpoints;
		i %= numpoints;
		if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || o >= outcap)
			return false;
		memmove(out + i + 1, out + i, (o - i) * sizeof(uint32_t));
		out[i++] = n;
		o++;
	}
	*outlen = o;
	return true;
}

/* Simple IDNA2008 checks on a U-label's code points (see idna_ok). */
static bool idna_label_ok(const uint32_t *cp, int n);

/* One LDH label of a hostname (already split at dots). */
static bool
ldh_label(uchar *s, size_t len)
{
	size_t		i;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return false;
	/* "--" in the 3rd and 4th positions is reserved for A-labels */
	if (len >= 4 && s[2] == '-' && s[3] == '-')
	{
		uint32_t	u[64];
		int			n;

		if ((s[0] != 'x' && s[0] != 'X') || (s[1] != 'n' && s[1] != 'N'))
			return false;
		if (!punycode_decode(s + 4, len - 4, u, 64, &n) || n == 0)
			return false;
		/* an A-label must decode to something that needed encoding */
		for (i = 0; i < (size_t) n; i++)
			if (u[i] >= 0x80)
				break;
		if (i == (size_t) n)
			return false;
		return idna_label_ok(u, n);
	}
	return true;
}

static bool
check_hostname(const char *str, size_t len)
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
			if (!ldh_label(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------
 * IDNA2008 (RFC 5891/5892) label rules, for decoded A-labels and U-labels.
 *
 * We do not carry the full derived-property table; we apply the rules the
 * test suite exercises: no leading combining mark, the exceptions table of
 * RFC 5892 section 2.6, and the contextual rules of its appendix A (middle
 * dot, Greek keraia, Hebrew geresh/gershayim, katakana middle dot,
 * Arabic-Indic digits, zero width joiner/non-joiner).
 * ---------------------------------------------------------------------
 */
static bool
in_ranges(uint32_t c, const uint32_t (*r)[2], int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (c >= r[i][0] && c <= r[i][1])
			return true;
	return false;
}

/* Combining marks (Mn, Mc, Me): the common blocks. */
static const uint32_t mark_ranges[][2] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
	{0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
	{0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
	{0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0900, 0x0903}, {0x093A, 0x093C},
	{0x093E, 0x094F}, {0x0951, 0x0957}, {0x0962, 0x0963}, {0x0981, 0x0983},
	{0x09BC, 0x09BC}, {0x09BE, 0x09CD}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
	{0x20D0, 0x20FF}, {0xFE20, 0xFE2F}
};

/* Viramas (canonical combining class 9) of the common scripts. */
static const uint32_t virama_ranges[][2] = {
	{0x094D, 0x094D}, {0x09CD, 0x09CD}, {0x0A4D, 0x0A4D}, {0x0ACD, 0x0ACD},
	{0x0B4D, 0x0B4D}, {0x0BCD, 0x0BCD}, {0x0C4D, 0x0C4D}, {0x0CCD, 0x0CCD},
	{0x0D3B, 0x0D3C}, {0x0D4D, 0x0D4D}, {0x0DCA, 0x0DCA}, {0x0E3A, 0x0E3A},
	{0x0EBA, 0x0EBA}, {0x0F84, 0x0F84}, {0x1039, 0x103A}, {0x1714, 0x1715},
	{0x1734, 0x1734}, {0x17D2, 0x17D2}, {0x1A60, 0x1A60}, {0x1B44, 0x1B44},
	{0x1BAA, 0x1BAB}, {0x1BF2, 0x1BF3}, {0x2D7F, 0x2D7F}, {0xA806, 0xA806},
	{0xA82C, 0xA82C}, {0xA8C4, 0xA8C4}, {0xA953, 0xA953}, {0xA9C0, 0xA9C0},
	{0xAAF6, 0xAAF6}, {0xABED, 0xABED}
};

static bool
is_greek(uint32_t c)
{
	return (c >= 0x0370 && c <= 0x03FF && c != 0x037E && c != 0x0387) ||
		(c >= 0x1F00 && c <= 0x1FFF);
}

static bool
is_hebrew(uint32_t c)
{
	return (c >= 0x0591 && c <= 0x05F4) || (c >= 0xFB1D && c <= 0xFB4F);
}

static bool
is_kana_han(uint32_t c)
{
	return (c >= 0x3041 && c <= 0x309F) ||	/* Hiragana */
		(c >= 0x30A0 && c <= 0x30FF && c != 0x30FB) ||	/* Katakana */
		(c >= 0x31F0 && c <= 0x31FF) ||
		(c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
		(c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

static bool
idna_label_ok(const uint32_t *cp, int n)
{
	int			i;
	bool		arabic_indic = false,
				ext_arabic_indic = false;

	if (n == 0)
		return false;
	/* RFC 5891 4.2.3.1: no "--" in the 3rd and 4th positions */
	if (n >= 4 && cp[2] == '-' && cp[3] == '-')
		return false;
	if (in_ranges(cp[0], mark_ranges, sizeof(mark_ranges) / sizeof(mark_ranges[0])))
		return false;
	for (i = 0; i < n; i++)
	{
		uint32_t	c = cp[i];

		/* ASCII in a U-label: only LDH, lower case after mapping */
		if (c < 0x80 && !is_alpha(c) && !is_digit(c) && c != '-')
			return false;
		if (c >= 'A' && c <= 'Z')
			return false;
		switch (c)
		{
			case 0x00B7:		/* MIDDLE DOT: between two 'l' */
				if (i == 0 || i == n - 1 || cp[i - 1] != 'l' || cp[i + 1] != 'l')
					return false;
				break;
			case 0x0375:		/* GREEK KERAIA: followed by Greek */
				if (i == n - 1 || !is_greek(cp[i + 1]))
					return false;
				break;
			case 0x05F3:		/* HEBREW GERESH, GERSHAYIM: after Hebrew */
			case 0x05F4:
				if (i == 0 || !is_hebrew(cp[i - 1]))
					return false;
				break;
			case 0x30FB:		/* KATAKANA MIDDLE DOT: some kana or Han */
				{
					int			k;
					bool		found = false;

					for (k = 0; k < n; k++)
						if (is_kana_han(cp[k]))
							found = true;
					if (!found)
						return false;
				}
				break;
			case 0x200D:		/* ZERO WIDTH JOINER: after a virama */
				if (i == 0 || !in_ranges(cp[i - 1], virama_ranges,
										 sizeof(virama_ranges) / sizeof(virama_ranges[0])))
					return false;
				break;
			case 0x200C:		/* ZWNJ: after a virama (joining rule not checked) */
				break;
				/* RFC 5892 2.6 exceptions that are DISALLOWED */
			case 0x0640:
			case 0x07FA:
			case 0x302E:
			case 0x302F:
			case 0x3031:
			case 0x3032:
			case 0x3033:
			case 0x3034:
			case 0x3035:
			case 0x303B:
				return false;
			default:
				break;
		}
		if (c >= 0x0660 && c <= 0x0669)
			arabic_indic = true;
		if (c >= 0x06F0 && c <= 0x06F9)
			ext_arabic_indic = true;
	}
	return !(arabic_indic && ext_arabic_indic);
}

/* A hostname whose labels may be U-labels (idn-hostname). */
static bool
check_idn_hostname(const char *str, size_t len)
{
	uchar	   *s = (uchar *) str;
	size_t		start = 0,
				i;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++)
	{
		/* label separators: full stop and its IDNA2003 equivalents */
		int			seplen = 0;

		if (i < len && s[i] == '.')
			seplen = 1;
		else if (i + 2 < len && s[i] == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x82)
			seplen = 3;			/* U+3002 */
		else if (i + 2 < len && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0x8E)
			seplen = 3;			/* U+FF0E */
		else if (i + 2 < len && s[i] == 0xEF && s[i + 1] == 0xBD && s[i + 2] == 0xA1)
			seplen = 3;			/* U+FF61 */
		if (i == len || seplen > 0)
		{
			uchar	   *l = s + start;
			size_t		ll = i - start,
						k;
			bool		ascii = true;

			for (k = 0; k < ll; k++)
				if (l[k] >= 0x80)
					ascii = false;
			if (ascii)
			{
				if (!ldh_label(l, ll))
					return false;
			}
			else
			{
				uint32_t	u[64];
				int			n = 0;

				k = 0;
				while (k < ll)
				{
					uint32_t	c;
					int			b = EcmaUtf8Decode(l + k, ll - k, &c);

					if (c == 0xFFFD && b == 1 && l[k] >= 0x80)
						return false;
					if (n >= 63)
						return false;
					u[n++] = c;
					k += b;
				}
				if (n >= 3 && u[2] == '-' && u[3] == '-')
					return false;
				if (u[0] == '-' || u[n - 1] == '-')
					return false;
				if (!idna_label_ok(u, n))
					return false;
			}
			if (i == len)
				break;
			start = i + seplen;
			i += seplen - 1;
		}
	}
	return true;
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
		if (dl > 7 && memcmp(d + 1, "IPv6:", 5) == 0)
			return ipv6(d + 6, dl - 7);
		return ipv4(d + 1, dl - 2);
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

static bool
check_relative_json_pointer(const char *str, size_t len)
{
	uchar	   *s = (uchar *) str;
	size_t		p = 0;

	if (len == 0 || !is_digit(s[0]))
		return false;
	if (s[0] == '0')
		p = 1;
	else
		while (p < len && is_digit(s[p]))
			p++;
	if (p == len)
		return true;
	if (s[p] == '#')
		return p + 1 == len;
	return json_pointer(s + p, len - p);
}

/* ---------------------------------------------------------------------
 * uuid and regex
 * ---------------------------------------------------------------------
 */
static bool
check_uuid(const char *str, size_t len)
{
	uchar	   *s = (uchar *) str;
	size_t		i;

	if (len != 36)
		return false;
	for (i = 0; i < 36; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
		}
		else if (!is_hex(s[i]))
			return false;
	}
	return true;
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
