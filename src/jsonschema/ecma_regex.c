/*
 * ecma_regex.c
 *		ECMA-262 patterns: parser, translator to PostgreSQL ARE, fast matcher.
 *
 * JSON Schema says "pattern" is an ECMA-262 regular expression, and the
 * official test suite reads it in Unicode mode (the "u" flag): \p{..} is
 * allowed, \a and a lone "{" are errors.  PostgreSQL has its own engine
 * (Henry Spencer's ARE) whose syntax and classes differ, so we parse the
 * ECMA text into a small tree, then
 *
 *	- print the tree as an ARE that means the same thing when compiled with
 *	  the C collation: every character class is resolved here into explicit
 *	  code point ranges (\d = [0-9], \w = [A-Za-z0-9_], \s = ECMA WhiteSpace
 *	  and LineTerminator, "." = anything but a line terminator, \p{..} from
 *	  Unicode tables), so nothing depends on the engine's locale classes;
 *	- build a "fast" program when the pattern is a plain sequence of
 *	  characters or classes with bounded quantifiers (the common
 *	  ^[A-Z]{3}$), which matches UTF-8 directly without the ARE engine;
 *	  an alternation whose branches carry their own anchors, and ^ followed
 *	  by positive lookaheads, become an "any"/"all" of such programs.
 *
 * Only RegExp.test is needed (does the pattern match anywhere?), and for that
 * question greedy and lazy quantifiers are the same, so every quantifier is
 * printed greedy (ARE gives mixed greediness odd whole-match semantics).
 * Quantifier bounds above ARE's 255 are split into nested groups.  What
 * ARE cannot express faithfully is refused with a message, never translated
 * into something that answers differently: bounds above 255 * 255,
 * backreferences to a group that may not have matched, inline modifier
 * groups, and Unicode properties other than General_Category, Script,
 * Script_Extensions, Any, ASCII and Assigned.
 *
 * Everything here is plain C with malloc, bounded recursion (nesting depth
 * is limited while parsing) and no reads past the given length, so the unit
 * tests and fuzzers run it outside a server.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecma_regex.h"
#include "ecma_unicode.h"

#define MAX_CP			0x10FFFF
#define MAX_NESTING		128		/* groups and classes inside each other */
#define ARE_DUPMAX		255		/* PostgreSQL's RE_DUP_MAX */
#define FAST_MAX_STATES 256

/* ---------------------------------------------------------------------
 * Character sets: sorted, disjoint, non-adjacent closed ranges.
 * ---------------------------------------------------------------------
 */
typedef struct CpRange
{
	uint32_t	lo;
	uint32_t	hi;
} CpRange;

typedef struct CharSet
{
	CpRange    *r;
	int			n;
	int			cap;
} CharSet;

/* ---------------------------------------------------------------------
 * The pattern tree.
 * ---------------------------------------------------------------------
 */
typedef enum NodeKind
{
	N_EMPTY,
	N_CHAR,
	N_SET,
	N_BOL,
	N_EOL,
	N_WORDB,
	N_NWORDB,
	N_GROUP,					/* capturing or not: see capture */
	N_LOOK,
	N_BACKREF,
	N_REPEAT,
	N_SEQ,
	N_ALT,
	N_MODIFIER					/* (?ims-ims:...) */
} NodeKind;

typedef enum LookKind
{
	LOOK_AHEAD,
	LOOK_NEG_AHEAD,
	LOOK_BEHIND,
	LOOK_NEG_BEHIND
} LookKind;

typedef struct Node Node;
struct Node
{
	NodeKind	kind;
	uint32_t	cp;				/* N_CHAR */
	CharSet    *set;			/* N_SET */
	int			capture;		/* N_GROUP: ECMA group number, 0 if none;
								 * N_BACKREF: target group */
	LookKind	look;			/* N_LOOK */
	int			min;			/* N_REPEAT */
	int			max;			/* N_REPEAT, -1 = unbounded */
	Node	   *child;			/* GROUP, LOOK, REPEAT, MODIFIER */
	Node	  **kids;			/* SEQ, ALT */
	int			nkids;
	int			kidscap;
	char	   *name;			/* named group, or unresolved \k<name> */
	int			pos;			/* source offset, for ordering */
	int			fast_piece;		/* fast path: 1 + first piece made of it */
};

/* All allocations of one parse, freed together. */
typedef struct Arena
{
	void	  **ptrs;
	int			n;
	int			cap;
	bool		failed;
} Arena;

typedef struct Parser
{
	const unsigned char *s;
	size_t		len;
	size_t		pos;
	const char *err;
	Arena		arena;
	int			ngroups;		/* capturing groups so far */
	int			total_groups;	/* counted before parsing */
	bool		has_named;		/* pattern has (?<name>..) */
	Node	  **groups;			/* group number -> node, after parse */
	int			depth;
	bool		has_backrefs;
	bool		has_modifiers;
	bool		computing;		/* translating, not only checking syntax */
	bool		legacy;			/* Annex B identity escapes and lone braces */
} Parser;

static void *
arena_alloc(Arena *a, size_t size)
{
	void	   *p;

	if (a->failed)
		return NULL;
	if (a->n == a->cap)
	{
		int			ncap = a->cap ? a->cap * 2 : 32;
		void	  **np = realloc(a->ptrs, ncap * sizeof(void *));

		if (np == NULL)
		{
			a->failed = true;
			return NULL;
		}
		a->ptrs = np;
		a->cap = ncap;
	}
	p = calloc(1, size ? size : 1);
	if (p == NULL)
	{
		a->failed = true;
		return NULL;
	}
	a->ptrs[a->n++] = p;
	return p;
}

static void
arena_free(Arena *a)
{
	int			i;

	for (i = 0; i < a->n; i++)
		free(a->ptrs[i]);
	free(a->ptrs);
	a->ptrs = NULL;
	a->n = a->cap = 0;
}

/* Set functions keep their range arrays with malloc (freed via arena). */
static CharSet *
set_new(Parser *p)
{
	return arena_alloc(&p->arena, sizeof(CharSet));
}

static bool
set_add(Parser *p, CharSet *cs, uint32_t lo, uint32_t hi)
{
	if (cs == NULL)
		return false;
	if (cs->n == cs->cap)
	{
		int			ncap = cs->cap ? cs->cap * 2 : 8;
		CpRange    *nr = arena_alloc(&p->arena, ncap * sizeof(CpRange));

		if (nr == NULL)
			return false;
		if (cs->n)
			memcpy(nr, cs->r, cs->n * sizeof(CpRange));
		cs->r = nr;
		cs->cap = ncap;
	}
	cs->r[cs->n].lo = lo;
	cs->r[cs->n].hi = hi;
	cs->n++;
	return true;
}

static int
range_cmp(const void *a, const void *b)
{
	const CpRange *x = a;
	const CpRange *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or adjacent ranges. */
static void
set_normalize(CharSet *cs)
{
	int			i,
				o;

	if (cs == NULL || cs->n < 2)
		return;
	qsort(cs->r, cs->n, sizeof(CpRange), range_cmp);
	o = 0;
	for (i = 1; i < cs->n; i++)
	{
		if (cs->r[i].lo <= cs->r[o].hi + 1)
		{
			if (cs->r[i].hi > cs->r[o].hi)
				cs->r[o].hi = cs->r[i].hi;
		}
		else
			cs->r[++o] = cs->r[i];
	}
	cs->n = o + 1;
}

/* Add the complement of the normalized set src to dst. */
static bool
set_add_complement(Parser *p, CharSet *dst, CharSet *src)
{
	uint32_t	next = 0;
	int			i;

	set_normalize(src);
	for (i = 0; i < src->n; i++)
	{
		if (src->r[i].lo > next && !set_add(p, dst, next, src->r[i].lo - 1))
			return false;
		next = src->r[i].hi + 1;
	}
	if (next <= MAX_CP)
		return set_add(p, dst, next, MAX_CP);
	return true;
}

/* ---------------------------------------------------------------------
 * The built-in classes.
 * ---------------------------------------------------------------------
 */
static const CpRange digit_ranges[] = {{'0', '9'}};
static const CpRange word_ranges[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};

/* ECMA WhiteSpace (incl. every Zs) and LineTerminator. */
static const CpRange space_ranges[] = {
	{0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680},
	{0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F},
	{0x3000, 0x3000}, {0xFEFF, 0xFEFF}
};

/* What "." does not match: LineTerminator. */
static const CpRange lineterm_ranges[] = {
	{0x0A, 0x0A}, {0x0D, 0x0D}, {0x2028, 0x2029}
};

static bool
set_add_table(Parser *p, CharSet *cs, const CpRange *t, int n, bool negate)
{
	CharSet		tmp;
	CpRange		buf[16];
	int			i;

	if (!negate)
	{
		for (i = 0; i < n; i++)
			if (!set_add(p, cs, t[i].lo, t[i].hi))
				return false;
		return true;
	}
	memcpy(buf, t, n * sizeof(CpRange));
	tmp.r = buf;
	tmp.n = n;
	tmp.cap = n;
	return set_add_complement(p, cs, &tmp);
}

/* General_Category values and their ECMA aliases (ECMA-262 table 69). */
static const struct
{
	const char *name;
	const char *cats;			/* two-letter categories, concatenated */
}			gc_values[] = {
	{"C", "CcCfCnCoCs"}, {"Other", "CcCfCnCoCs"},
	{"Cc", "Cc"}, {"Control", "Cc"}, {"cntrl", "Cc"},
	{"Cf", "Cf"}, {"Format", "Cf"},
	{"Cn", "Cn"}, {"Unassigned", "Cn"},
	{"Co", "Co"}, {"Private_Use", "Co"},
	{"Cs", "Cs"}, {"Surrogate", "Cs"},
	{"L", "LlLmLoLtLu"}, {"Letter", "LlLmLoLtLu"},
	{"LC", "LlLtLu"}, {"Cased_Letter", "LlLtLu"},
	{"Ll", "Ll"}, {"Lowercase_Letter", "Ll"},
	{"Lm", "Lm"}, {"Modifier_Letter", "Lm"},
	{"Lo", "Lo"}, {"Other_Letter", "Lo"},
	{"Lt", "Lt"}, {"Titlecase_Letter", "Lt"},
	{"Lu", "Lu"}, {"Uppercase_Letter", "Lu"},
	{"M", "McMeMn"}, {"Mark", "McMeMn"}, {"Combining_Mark", "McMeMn"},
	{"Mc", "Mc"}, {"Spacing_Mark", "Mc"},
	{"Me", "Me"}, {"Enclosing_Mark", "Me"},
	{"Mn", "Mn"}, {"Nonspacing_Mark", "Mn"},
	{"N", "NdNlNo"}, {"Number", "NdNlNo"},
	{"Nd", "Nd"}, {"Decimal_Number", "Nd"}, {"digit", "Nd"},
	{"Nl", "Nl"}, {"Letter_Number", "Nl"},
	{"No", "No"}, {"Other_Number", "No"},
	{"P", "PcPdPePfPiPoPs"}, {"Punctuation", "PcPdPePfPiPoPs"},
	{"punct", "PcPdPePfPiPoPs"},
	{"Pc", "Pc"}, {"Connector_Punctuation", "Pc"},
	{"Pd", "Pd"}, {"Dash_Punctuation", "Pd"},
	{"Pe", "Pe"}, {"Close_Punctuation", "Pe"},
	{"Pf", "Pf"}, {"Final_Punctuation", "Pf"},
	{"Pi", "Pi"}, {"Initial_Punctuation", "Pi"},
	{"Po", "Po"}, {"Other_Punctuation", "Po"},
	{"Ps", "Ps"}, {"Open_Punctuation", "Ps"},
	{"S", "ScSkSmSo"}, {"Symbol", "ScSkSmSo"},
	{"Sc", "Sc"}, {"Currency_Symbol", "Sc"},
	{"Sk", "Sk"}, {"Modifier_Symbol", "Sk"},
	{"Sm", "Sm"}, {"Math_Symbol", "Sm"},
	{"So", "So"}, {"Other_Symbol", "So"},
	{"Z", "ZlZpZs"}, {"Separator", "ZlZpZs"},
	{"Zl", "Zl"}, {"Line_Separator", "Zl"},
	{"Zp", "Zp"}, {"Paragraph_Separator", "Zp"},
	{"Zs", "Zs"}, {"Space_Separator", "Zs"},
};

/*
 * Binary properties ECMA-262 accepts in \p{..} (table 68).  We can only
 * compute Any, ASCII and Assigned; the others are valid syntax (the "regex"
 * format accepts them) but refused when compiling.
 */
static const char *const binary_props[] = {
	"ASCII", "ASCII_Hex_Digit", "AHex", "Alphabetic", "Alpha", "Any",
	"Assigned", "Bidi_Control", "Bidi_C", "Bidi_Mirrored", "Bidi_M",
	"Case_Ignorable", "CI", "Cased", "Changes_When_Casefolded", "CWCF",
	"Changes_When_Casemapped", "CWCM", "Changes_When_Lowercased", "CWL",
	"Changes_When_NFKC_Casefolded", "CWKCF", "Changes_When_Titlecased",
	"CWT", "Changes_When_Uppercased", "CWU", "Dash", "Default_Ignorable_Code_Point",
	"DI", "Deprecated", "Dep", "Diacritic", "Dia", "Emoji", "Emoji_Component",
	"EComp", "Emoji_Modifier", "EMod", "Emoji_Modifier_Base", "EBase",
	"Emoji_Presentation", "EPres", "Extended_Pictographic", "ExtPict",
	"Extender", "Ext", "Grapheme_Base", "Gr_Base", "Grapheme_Extend",
	"Gr_Ext", "Hex_Digit", "Hex", "IDS_Binary_Operator", "IDSB",
	"IDS_Trinary_Operator", "IDST", "ID_Continue", "IDC", "ID_Start", "IDS",
	"Ideographic", "Ideo", "Join_Control", "Join_C", "Logical_Order_Exception",
	"LOE", "Lowercase", "Lower", "Math", "Noncharacter_Code_Point", "NChar",
	"Pattern_Syntax", "Pat_Syn", "Pattern_White_Space", "Pat_WS",
	"Quotation_Mark", "QMark", "Radical", "Regional_Indicator", "RI",
	"Sentence_Terminal", "STerm", "Soft_Dotted", "SD", "Terminal_Punctuation",
	"Term", "Unified_Ideograph", "UIdeo", "Uppercase", "Upper",
	"Variation_Selector", "VS", "White_Space", "space", "XID_Continue", "XIDC",
	"XID_Start", "XIDS"
};

static bool
name_eq(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && memcmp(a, b, alen) == 0;
}

static int
find_gc(const char *name, size_t len)
{
	int			i;

	for (i = 0; i < (int) (sizeof(gc_values) / sizeof(gc_values[0])); i++)
		if (name_eq(name, len, gc_values[i].name))
			return i;
	return -1;
}

static bool
add_gc(Parser *p, CharSet *cs, int gc)
{
	const char *c = gc_values[gc].cats;

	for (; c[0] != '\0'; c += 2)
	{
		int			k;

		for (k = 0; k < (int) (sizeof(ecma_gc_index) / sizeof(ecma_gc_index[0])); k++)
		{
			int			j;

			if (ecma_gc_index[k].name[0] != c[0] || ecma_gc_index[k].name[1] != c[1])
				continue;
			for (j = 0; j < ecma_gc_index[k].count; j++)
			{
				const uint32_t *r = ecma_gc_ranges[ecma_gc_index[k].first + j];

				if (!set_add(p, cs, r[0], r[1]))
					return false;
			}
		}
	}
	return true;
}

static bool
in_gc(uint32_t cp, const char *cat)
{
	int			k;

	for (k = 0; k < (int) (sizeof(ecma_gc_index) / sizeof(ecma_gc_index[0])); k++)
	{
		int			lo,
					hi;

		if (strcmp(ecma_gc_index[k].name, cat) != 0)
			continue;
		lo = ecma_gc_index[k].first;
		hi = lo + ecma_gc_index[k].count - 1;
		while (lo <= hi)
		{
			int			mid = (lo + hi) / 2;

			if (cp < ecma_gc_ranges[mid][0])
				hi = mid - 1;
			else if (cp > ecma_gc_ranges[mid][1])
				lo = mid + 1;
			else
				return true;
		}
	}
	return false;
}

/* A Script value by any of its names or aliases (exact, as ECMA-262 asks). */
static int
find_script(const char *name, size_t len)
{
	int			i;

	for (i = 0; i < (int) (sizeof(ecma_script_aliases) / sizeof(ecma_script_aliases[0])); i++)
		if (name_eq(name, len, ecma_script_aliases[i].alias))
			return ecma_script_aliases[i].script;
	return -1;
}

/* \p{Script=..} (ext: \p{Script_Extensions=..}), or its complement. */
static bool
add_script(Parser *p, CharSet *cs, int script, bool ext, bool negate)
{
	int			first = ext ? ecma_script_index[script].scx_first : ecma_script_index[script].sc_first;
	int			count = ext ? ecma_script_index[script].scx_count : ecma_script_index[script].sc_count;
	const uint32_t (*r)[2] = ext ? ecma_scx_ranges : ecma_sc_ranges;
	CharSet    *dst = negate ? set_new(p) : cs;
	int			i;

	if (dst == NULL)
		return false;
	for (i = first; i < first + count; i++)
		if (!set_add(p, dst, r[i][0], r[i][1]))
			return false;
	return negate ? set_add_complement(p, cs, dst) : true;
}

bool
EcmaUnicodeIsMark(uint32_t cp)
{
	return in_gc(cp, "Mn") || in_gc(cp, "Mc") || in_gc(cp, "Me");
}

/* ---------------------------------------------------------------------
 * UTF-8
 * ---------------------------------------------------------------------
 */
int
EcmaUtf8Decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	uint32_t	v;
	int			need,
				i;

	if (c < 0x80)
	{
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
	{
		need = 1;
		v = c & 0x1F;
	}
	else if (c >= 0xE0 && c <= 0xEF)
	{
		need = 2;
		v = c & 0x0F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		need = 3;
		v = c & 0x07;
	}
	else
	{
		*cp = 0xFFFD;
		return 1;
	}
	if ((size_t) need >= n)
	{
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i <= need; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
		{
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	/* overlong, surrogate or out of range */
	if ((need == 2 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
		(need == 3 && (v < 0x10000 || v > MAX_CP)))
	{
		*cp = 0xFFFD;
		return 1;
	}
	*cp = v;
	return need + 1;
}

/* ---------------------------------------------------------------------
 * Parser (ECMA-262 Pattern grammar with [+UnicodeMode, +NamedCaptureGroups])
 * ---------------------------------------------------------------------
 */
static Node *parse_disjunction(Parser *p);

static bool
at_end(Parser *p)
{
	return p->pos >= p->len || p->err != NULL;
}

static int
peek(Parser *p)
{
	return p->pos < p->len ? p->s[p->pos] : -1;
}

static int
peek_at(Parser *p, size_t off)
{
	return p->pos + off < p->len ? p->s[p->pos + off] : -1;
}

static bool
fail(Parser *p, const char *msg)
{
	if (p->err == NULL)
		p->err = msg;
	return false;
}

static Node *
new_node(Parser *p, NodeKind kind)
{
	Node	   *n = arena_alloc(&p->arena, sizeof(Node));

	if (n == NULL)
	{
		fail(p, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->pos = (int) p->pos;
	return n;
}

static bool
add_kid(Parser *p, Node *parent, Node *kid)
{
	if (parent->nkids == parent->kidscap)
	{
		int			ncap = parent->kidscap ? parent->kidscap * 2 : 4;
		Node	  **nk = arena_alloc(&p->arena, ncap * sizeof(Node *));

		if (nk == NULL)
			return fail(p, "out of memory");
		if (parent->nkids)
			memcpy(nk, parent->kids, parent->nkids * sizeof(Node *));
		parent->kids = nk;
		parent->kidscap = ncap;
	}
	parent->kids[parent->nkids++] = kid;
	return true;
}

/* Next code point of the pattern source. */
static uint32_t
next_cp(Parser *p)
{
	uint32_t	cp;
	int			n = EcmaUtf8Decode(p->s + p->pos, p->len - p->pos, &cp);

	if (cp == 0xFFFD && n == 1 && p->s[p->pos] >= 0x80)
		fail(p, "pattern is not valid UTF-8");
	p->pos += n;
	return cp;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly n hex digits, or -1 (nothing consumed). */
static long
hex_digits(Parser *p, int n)
{
	long		v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		int			h = hexval(peek_at(p, i));

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	p->pos += n;
	return v;
}

/* How many hex digits (at most n) follow; nothing consumed. */
static int
hex_digits_ahead(Parser *p, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (hexval(peek_at(p, i)) < 0)
			break;
	return i;
}

/*
 * After "\u": \uXXXX (with a following \uXXXX low surrogate joined to it)
 * or \u{X...}.  Returns the code point or -1 after setting an error.
 */
static long
unicode_escape(Parser *p)
{
	long		v;

	if (peek(p) == '{')
	{
		int			digits = 0;

		p->pos++;
		v = 0;
		while (hexval(peek(p)) >= 0)
		{
			v = v * 16 + hexval(peek(p));
			if (v > MAX_CP)
			{
				fail(p, "unicode escape is out of range");
				return -1;
			}
			p->pos++;
			digits++;
		}
		if (digits == 0 || peek(p) != '}')
		{
			fail(p, "invalid unicode escape");
			return -1;
		}
		p->pos++;
		return v;
	}
	v = hex_digits(p, 4);
	if (v < 0)
	{
		fail(p, "invalid unicode escape");
		return -1;
	}
	if (v >= 0xD800 && v <= 0xDBFF && peek(p) == '\\' && peek_at(p, 1) == 'u')
	{
		size_t		save = p->pos;
		long		lo;

		p->pos += 2;
		lo = hex_digits(p, 4);
		if (lo >= 0xDC00 && lo <= 0xDFFF)
			return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
		p->pos = save;
	}
	return v;
}

static bool
is_syntax_char(int c)
{
	return c >= 0 && c < 128 && strchr("^$\\.*+?()[]{}|", c) != NULL && c != 0;
}

/*
 * CharacterEscape after the backslash (already consumed), for both atoms and
 * classes.  Returns the code point, or -1 if the next character does not
 * start a CharacterEscape (nothing consumed, no error).
 */
static long
character_escape(Parser *p, bool in_class)
{
	int			c = peek(p);

	switch (c)
	{
		case 'f':
			p->pos++;
			return 0x0C;
		case 'n':
			p->pos++;
			return 0x0A;
		case 'r':
			p->pos++;
			return 0x0D;
		case 't':
			p->pos++;
			return 0x09;
		case 'v':
			p->pos++;
			return 0x0B;
		case 'c':
			{
				int			l = peek_at(p, 1);

				if ((l >= 'a' && l <= 'z') || (l >= 'A' && l <= 'Z'))
				{
					p->pos += 2;
					return l % 32;
				}
				/* Annex B: "\c" not before a letter is a backslash, then "c" */
				if (p->legacy && !in_class)
					return '\\';
				fail(p, "invalid control escape");
				return -1;
			}
		case '0':
			{
				int			d = peek_at(p, 1);

				if (d >= '0' && d <= '9')
				{
					fail(p, "invalid octal escape");
					return -1;
				}
				p->pos++;
				return 0;
			}
		case 'x':
			{
				long		v;

				p->pos++;
				v = hex_digits(p, 2);
				if (v < 0)
				{
					if (p->legacy)
						return 'x';
					fail(p, "invalid hexadecimal escape");
					return -1;
				}
				return v;
			}
		case 'u':
			p->pos++;
			if (p->legacy && peek(p) != '{' && hex_digits_ahead(p, 4) < 4)
				return 'u';
			return unicode_escape(p);
		case '/':
			p->pos++;
			return '/';
		case '-':
			if (in_class)
			{
				p->pos++;
				return '-';
			}
			break;
		default:
			if (is_syntax_char(c))
			{
				p->pos++;
				return c;
			}

			/*
			 * Annex B IdentityEscape: without the "u" flag any character but
			 * "c" (and "k" in a pattern with named groups) stands for itself
			 * after a backslash: "\&", "\%", "\a".
			 */
			if (p->legacy && c >= 0 && c != 'c' && !(c == 'k' && p->has_named))
			{
				uint32_t	cp = next_cp(p);

				return p->err ? -1 : (long) cp;
			}
			break;
	}
	return -1;
}

/*
 * \p{..} or \P{..} after the letter: parse the name and add the set (when
 * "cs" is not NULL).  Unknown names are syntax errors; valid ones we cannot
 * compute set p->err to an "unsupported" message only when translating,
 * which the caller signals with "compute".
 */
static bool
property_escape(Parser *p, CharSet *cs, bool negate)
{
	size_t		start,
				eq = 0;
	const char *name;
	size_t		nlen;
	int			gc;

	if (peek(p) != '{')
		return fail(p, "invalid property escape");
	p->pos++;
	start = p->pos;
	while (!at_end(p) && peek(p) != '}')
	{
		int			c = peek(p);

		if (c == '=' && eq == 0)
			eq = p->pos;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				   (c >= '0' && c <= '9') || c == '_'))
			return fail(p, "invalid property escape");
		p->pos++;
	}
	if (peek(p) != '}' || p->pos == start)
		return fail(p, "invalid property escape");
	name = (const char *) p->s + start;
	nlen = p->pos - start;
	p->pos++;

	if (eq != 0)
	{
		size_t		klen = eq - start;
		const char *val = (const char *) p->s + eq + 1;
		size_t		vlen = nlen - klen - 1;

		if (vlen == 0)
			return fail(p, "invalid property escape");
		if (name_eq(name, klen, "General_Category") || name_eq(name, klen, "gc"))
		{
			gc = find_gc(val, vlen);
			if (gc < 0)
				return fail(p, "unknown unicode property value");
			name = val;
			nlen = vlen;
		}
		else if (name_eq(name, klen, "Script") || name_eq(name, klen, "sc") ||
				 name_eq(name, klen, "Script_Extensions") ||
				 name_eq(name, klen, "scx"))
		{
			bool		ext = name_eq(name, klen, "Script_Extensions") ||
				name_eq(name, klen, "scx");
			int			sc = find_script(val, vlen);

			if (sc < 0)
				return fail(p, "unknown unicode property value");
			if (cs == NULL)
				return true;
			return add_script(p, cs, sc, ext, negate);
		}
		else
			return fail(p, "unknown unicode property name");
	}
	else
	{
		gc = find_gc(name, nlen);
		if (gc < 0)
		{
			int			i;
			bool		known = false;

			for (i = 0; i < (int) (sizeof(binary_props) / sizeof(binary_props[0])); i++)
				if (name_eq(name, nlen, binary_props[i]))
					known = true;
			if (!known)
				return fail(p, "unknown unicode property name");
			if (cs == NULL)
				return true;
			if (name_eq(name, nlen, "Any"))
				return negate ? true : set_add(p, cs, 0, MAX_CP);
			if (name_eq(name, nlen, "ASCII"))
				return negate ? set_add(p, cs, 0x80, MAX_CP) : set_add(p, cs, 0, 0x7F);
			if (name_eq(name, nlen, "Assigned"))
			{
				/* Assigned = not Cn */
				int			cn = find_gc("Cn", 2);

				if (negate)
					return add_gc(p, cs, cn);
				else
				{
					CharSet    *tmp = set_new(p);

					return tmp && add_gc(p, tmp, cn) && set_add_complement(p, cs, tmp);
				}
			}
			return fail(p, "this unicode binary property is not supported");
		}
	}
	if (cs == NULL)
		return true;
	if (!negate)
		return add_gc(p, cs, gc);
	else
	{
		CharSet    *tmp = set_new(p);

		return tmp && add_gc(p, tmp, gc) && set_add_complement(p, cs, tmp);
	}
}

/*
 * A class escape letter (d D s S w W p P) after the backslash: add its set
 * to cs and return true; false (nothing consumed) if it is not one.
 */
static bool
class_escape(Parser *p, CharSet *cs, bool *ok, bool computing)
{
	int			c = peek(p);

	*ok = true;
	switch (c)
	{
		case 'd':
		case 'D':
			p->pos++;
			*ok = set_add_table(p, cs, digit_ranges, 1, c == 'D');
			return true;
		case 'w':
		case 'W':
			p->pos++;
			*ok = set_add_table(p, cs, word_ranges, 4, c == 'W');
			return true;
		case 's':
		case 'S':
			p->pos++;
			*ok = set_add_table(p, cs, space_ranges,
								sizeof(space_ranges) / sizeof(space_ranges[0]),
								c == 'S');
			return true;
		case 'p':
		case 'P':
			/* Annex B: "\p" not before "{" is the letter itself */
			if (p->legacy && peek_at(p, 1) != '{')
				return false;
			p->pos++;
			*ok = property_escape(p, computing ? cs : NULL, c == 'P');
			return true;
		default:
			return false;
	}
}

/*
 * One ClassAtom.  Returns the code point, or -2 when it was a class escape
 * (its set already added to cs), or -1 on error.
 */
static long
class_atom(Parser *p, CharSet *cs)
{
	uint32_t	cp;

	if (peek(p) == '\\')
	{
		long		v;
		bool		ok;

		p->pos++;
		if (at_end(p))
		{
			fail(p, "pattern ends with a backslash");
			return -1;
		}
		if (peek(p) == 'b')
		{
			p->pos++;
			return 0x08;
		}
		if (class_escape(p, cs, &ok, p->computing))
		{
			if (!ok)
			{
				fail(p, p->err ? p->err : "out of memory");
				return -1;
			}
			return -2;
		}
		v = character_escape(p, true);
		if (v < 0)
		{
			fail(p, "invalid escape in character class");
			return -1;
		}
		return v;
	}
	cp = next_cp(p);
	if (p->err)
		return -1;
	return cp;
}

/* After "[": the whole class up to and including "]". */
static Node *
parse_class(Parser *p)
{
	Node	   *n = new_node(p, N_SET);
	CharSet    *cs = set_new(p);
	bool		negate = false;

	if (n == NULL || cs == NULL)
		return NULL;
	if (peek(p) == '^')
	{
		negate = true;
		p->pos++;
	}
	for (;;)
	{
		long		a,
					b;

		if (at_end(p))
		{
			fail(p, "unterminated character class");
			return NULL;
		}
		if (peek(p) == ']')
		{
			p->pos++;
			break;
		}
		a = class_atom(p, cs);
		if (a == -1)
			return NULL;
		if (peek(p) == '-' && peek_at(p, 1) != ']' && peek_at(p, 1) != -1)
		{
			p->pos++;
			b = class_atom(p, cs);
			if (b == -1)
				return NULL;
			if (a == -2 || b == -2)
			{
				fail(p, "invalid character class range");
				return NULL;
			}
			if (a > b)
			{
				fail(p, "character class range out of order");
				return NULL;
			}
			if (!set_add(p, cs, (uint32_t) a, (uint32_t) b))
				return NULL;
		}
		else if (a >= 0 && !set_add(p, cs, (uint32_t) a, (uint32_t) a))
			return NULL;
	}
	set_normalize(cs);
	if (negate)
	{
		CharSet    *neg = set_new(p);

		if (neg == NULL || !set_add_complement(p, neg, cs))
			return NULL;
		cs = neg;
	}
	n->set = cs;
	return n;
}

/* A group name after "<", up to and including ">"; malloc'd in the arena. */
static char *
group_name(Parser *p)
{
	size_t		start = p->pos;
	char	   *name;
	bool		first = true;

	while (!at_end(p) && peek(p) != '>')
	{
		int			c = peek(p);

		if (c == '\\')
		{
			/* \uXXXX in names is legal; keep it simple: accept the escape */
			long		v;

			p->pos++;
			if (peek(p) != 'u')
			{
				fail(p, "invalid group name");
				return NULL;
			}
			p->pos++;
			v = unicode_escape(p);
			if (v < 0)
				return NULL;
		}
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$' ||
				 c == '_' || (!first && c >= '0' && c <= '9'))
			p->pos++;
		else if (c >= 0x80)
		{
			/* non-ASCII identifier characters: accepted as a whole */
			next_cp(p);
			if (p->err)
				return NULL;
		}
		else
		{
			fail(p, "invalid group name");
			return NULL;
		}
		first = false;
	}
	if (peek(p) != '>' || p->pos == start)
	{
		fail(p, "invalid group name");
		return NULL;
	}
	name = arena_alloc(&p->arena, p->pos - start + 1);
	if (name == NULL)
	{
		fail(p, "out of memory");
		return NULL;
	}
	memcpy(name, p->s + start, p->pos - start);
	p->pos++;
	return name;
}

/* {n}, {n,} or {n,m} at "{"; false (nothing consumed) if not a quantifier. */
static bool
parse_braces(Parser *p, int *min, int *max)
{
	size_t		save = p->pos;
	long		a = 0,
				b;
	bool		digits = false;

	p->pos++;
	while (peek(p) >= '0' && peek(p) <= '9')
	{
		if (a < INT_MAX / 10)
			a = a * 10 + (peek(p) - '0');
		else
			a = INT_MAX;
		p->pos++;
		digits = true;
	}
	if (!digits)
	{
		p->pos = save;
		return false;
	}
	b = a;
	if (peek(p) == ',')
	{
		p->pos++;
		if (peek(p) == '}')
			b = -1;
		else
		{
			digits = false;
			b = 0;
			while (peek(p) >= '0' && peek(p) <= '9')
			{
				if (b < INT_MAX / 10)
					b = b * 10 + (peek(p) - '0');
				else
					b = INT_MAX;
				p->pos++;
				digits = true;
			}
			if (!digits)
			{
				p->pos = save;
				return false;
			}
		}
	}
	if (peek(p) != '}')
	{
		p->pos = save;
		return false;
	}
	p->pos++;
	*min = (int) a;
	*max = (int) b;
	return true;
}

/* One Term: an assertion, or an atom with an optional quantifier. */
static Node *
parse_term(Parser *p)
{
	int			c = peek(p);
	Node	   *atom = NULL;
	bool		quantifiable = true;

	switch (c)
	{
		case '^':
			p->pos++;
			return new_node(p, N_BOL);
		case '$':
			p->pos++;
			return new_node(p, N_EOL);
		case '.':
			p->pos++;
			atom = new_node(p, N_SET);
			if (atom)
			{
				atom->set = set_new(p);
				if (!set_add_table(p, atom->set, lineterm_ranges, 3, true))
					return NULL;
			}
			break;
		case '[':
			p->pos++;
			if (++p->depth > MAX_NESTING)
			{
				fail(p, "pattern nests too deeply");
				return NULL;
			}
			atom = parse_class(p);
			p->depth--;
			break;
		case '(':
			{
				Node	   *inner;
				int			capture = 0;
				char	   *name = NULL;
				NodeKind	kind = N_GROUP;
				LookKind	look = LOOK_AHEAD;

				p->pos++;
				if (peek(p) == '?')
				{
					int			d = peek_at(p, 1);

					if (d == ':')
						p->pos += 2;
					else if (d == '=' || d == '!')
					{
						kind = N_LOOK;
						look = d == '=' ? LOOK_AHEAD : LOOK_NEG_AHEAD;
						p->pos += 2;
					}
					else if (d == '<' && (peek_at(p, 2) == '=' || peek_at(p, 2) == '!'))
					{
						kind = N_LOOK;
						look = peek_at(p, 2) == '=' ? LOOK_BEHIND : LOOK_NEG_BEHIND;
						p->pos += 3;
					}
					else if (d == '<')
					{
						p->pos += 2;
						name = group_name(p);
						if (name == NULL)
							return NULL;
						capture = ++p->ngroups;
					}
					else
					{
						/* (?ims-ims:...) modifiers (ES2025) */
						bool		seen[128] = {false};
						bool		minus = false,
									any = false;

						p->pos++;
						while (peek(p) == 'i' || peek(p) == 'm' || peek(p) == 's' ||
							   (peek(p) == '-' && !minus))
						{
							int			f = peek(p);

							if (f == '-')
								minus = true;
							else
							{
								if (seen[f])
								{
									fail(p, "repeated flag in modifier group");
									return NULL;
								}
								seen[f] = true;
								any = true;
							}
							p->pos++;
						}
						if (peek(p) != ':' || !any)
						{
							fail(p, "invalid group");
							return NULL;
						}
						p->pos++;
						kind = N_MODIFIER;
						p->has_modifiers = true;
					}
				}
				else
					capture = ++p->ngroups;

				if (++p->depth > MAX_NESTING)
				{
					fail(p, "pattern nests too deeply");
					return NULL;
				}
				inner = parse_disjunction(p);
				p->depth--;
				if (inner == NULL)
					return NULL;
				if (peek(p) != ')')
				{
					fail(p, "unbalanced parenthesis");
					return NULL;
				}
				p->pos++;
				atom = new_node(p, kind);
				if (atom == NULL)
					return NULL;
				atom->child = inner;
				atom->capture = capture;
				atom->name = name;
				atom->look = look;
				/* u-mode: lookarounds take no quantifier */
				if (kind == N_LOOK)
					quantifiable = false;
				break;
			}
		case '\\':
			p->pos++;
			if (at_end(p))
			{
				fail(p, "pattern ends with a backslash");
				return NULL;
			}
			c = peek(p);
			if (c == 'b' || c == 'B')
			{
				p->pos++;
				atom = new_node(p, c == 'b' ? N_WORDB : N_NWORDB);
				quantifiable = false;
			}
			else if (c >= '1' && c <= '9')
			{
				long		v = 0;

				while (peek(p) >= '0' && peek(p) <= '9')
				{
					if (v < 100000)
						v = v * 10 + (peek(p) - '0');
					p->pos++;
				}
				if (v > p->total_groups)
				{
					fail(p, "backreference to a group that does not exist");
					return NULL;
				}
				atom = new_node(p, N_BACKREF);
				if (atom)
					atom->capture = (int) v;
				p->has_backrefs = true;
			}
			else if (c == 'k' && !(p->legacy && !p->has_named))
			{
				p->pos++;
				if (peek(p) != '<')
				{
					fail(p, "invalid named backreference");
					return NULL;
				}
				p->pos++;
				atom = new_node(p, N_BACKREF);
				if (atom == NULL)
					return NULL;
				atom->name = group_name(p);
				if (atom->name == NULL)
					return NULL;
				p->has_backrefs = true;
			}
			else
			{
				CharSet    *cs = set_new(p);
				bool		ok;

				if (class_escape(p, cs, &ok, p->computing))
				{
					if (!ok)
					{
						fail(p, "out of memory");
						return NULL;
					}
					set_normalize(cs);
					atom = new_node(p, N_SET);
					if (atom)
						atom->set = cs;
				}
				else
				{
					long		v = character_escape(p, false);

					if (v < 0)
					{
						fail(p, "invalid escape");
						return NULL;
					}
					atom = new_node(p, N_CHAR);
					if (atom)
						atom->cp = (uint32_t) v;
				}
			}
			break;
		case '*':
		case '+':
		case '?':
			fail(p, "nothing to repeat");
			return NULL;
		case '{':
			{
				int			mn,
							mx;

				if (parse_braces(p, &mn, &mx))
					fail(p, "nothing to repeat");
				else if (p->legacy)
				{
					/* Annex B ExtendedPatternCharacter: a literal "{" */
					p->pos++;
					atom = new_node(p, N_CHAR);
					if (atom)
						atom->cp = '{';
					break;
				}
				else
					fail(p, "lone quantifier bracket");
				return NULL;
			}
		case '}':
		case ']':
			if (p->legacy)
			{
				p->pos++;
				atom = new_node(p, N_CHAR);
				if (atom)
					atom->cp = (uint32_t) c;
				break;
			}
			fail(p, c == '}' ? "lone quantifier bracket" : "lone closing bracket");
			return NULL;
		default:
			{
				uint32_t	cp = next_cp(p);

				if (p->err)
					return NULL;
				atom = new_node(p, N_CHAR);
				if (atom)
					atom->cp = cp;
			}
			break;
	}
	if (atom == NULL || p->err)
		return NULL;

	/* Quantifier */
	c = peek(p);
	if (c == '*' || c == '+' || c == '?' || c == '{')
	{
		int			mn,
					mx;
		Node	   *r;

		if (c == '{')
		{
			if (!parse_braces(p, &mn, &mx))
			{
				/* Annex B: not a quantifier, the "{" is the next atom */
				if (p->legacy)
					return atom;
				fail(p, "lone quantifier bracket");
				return NULL;
			}
			if (mx >= 0 && mx < mn)
			{
				fail(p, "numbers out of order in quantifier");
				return NULL;
			}
		}
		else
		{
			p->pos++;
			mn = c == '+' ? 1 : 0;
			mx = c == '?' ? 1 : -1;
		}
		if (!quantifiable)
		{
			fail(p, "nothing to repeat");
			return NULL;
		}
		r = new_node(p, N_REPEAT);
		if (r == NULL)
			return NULL;
		r->min = mn;
		r->max = mx;
		r->child = atom;
		if (peek(p) == '?')
			p->pos++;			/* lazy: same answer for test() */
		if (peek(p) == '*' || peek(p) == '+' || peek(p) == '?' || peek(p) == '{')
		{
			int			a2,
						b2;

			if (peek(p) != '{' || parse_braces(p, &a2, &b2))
			{
				fail(p, "nothing to repeat");
				return NULL;
			}
		}
		return r;
	}
	return atom;
}

static Node *
parse_alternative(Parser *p)
{
	Node	   *seq = new_node(p, N_SEQ);

	if (seq == NULL)
		return NULL;
	while (!at_end(p) && peek(p) != '|' && peek(p) != ')')
	{
		Node	   *t = parse_term(p);

		if (t == NULL || !add_kid(p, seq, t))
			return NULL;
	}
	if (p->err)
		return NULL;
	return seq;
}

static Node *
parse_disjunction(Parser *p)
{
	Node	   *first = parse_alternative(p);
	Node	   *alt;

	if (first == NULL)
		return NULL;
	if (peek(p) != '|')
		return first;
	alt = new_node(p, N_ALT);
	if (alt == NULL || !add_kid(p, alt, first))
		return NULL;
	while (peek(p) == '|')
	{
		Node	   *b;

		p->pos++;
		b = parse_alternative(p);
		if (b == NULL || !add_kid(p, alt, b))
			return NULL;
	}
	return alt;
}

/*
 * Count capturing groups and note named ones before the real parse: a
 * DecimalEscape is only legal up to the number of groups in the whole
 * pattern, and forward references are allowed.
 */
static void
prescan(Parser *p)
{
	size_t		i;
	bool		in_class = false;

	for (i = 0; i < p->len; i++)
	{
		unsigned char c = p->s[i];

		if (c == '\\')
		{
			i++;
			continue;
		}
		if (in_class)
		{
			if (c == ']')
				in_class = false;
			continue;
		}
		if (c == '[')
			in_class = true;
		else if (c == '(')
		{
			if (i + 1 >= p->len || p->s[i + 1] != '?')
				p->total_groups++;
			else if (i + 2 < p->len && p->s[i + 2] == '<' &&
					 i + 3 < p->len && p->s[i + 3] != '=' && p->s[i + 3] != '!')
			{
				p->total_groups++;
				p->has_named = true;
			}
		}
	}
}

/* Collect group nodes by number, check names; recursion bounded by depth. */
static bool
resolve_groups(Parser *p, Node *n, int depth)
{
	int			i;

	if (n == NULL || depth > 3 * MAX_NESTING + 8)
		return true;
	if (n->kind == N_GROUP && n->capture > 0)
	{
		if (n->name)
		{
			for (i = 1; i < n->capture; i++)
				if (p->groups[i] && p->groups[i]->name &&
					strcmp(p->groups[i]->name, n->name) == 0)
					return fail(p, "duplicate group name");
		}
		p->groups[n->capture] = n;
	}
	if (n->child && !resolve_groups(p, n->child, depth + 1))
		return false;
	for (i = 0; i < n->nkids; i++)
		if (!resolve_groups(p, n->kids[i], depth + 1))
			return false;
	return true;
}

static bool
resolve_names(Parser *p, Node *n, int depth)
{
	int			i;

	if (n == NULL || depth > 3 * MAX_NESTING + 8)
		return true;
	if (n->kind == N_BACKREF && n->name)
	{
		for (i = 1; i <= p->ngroups; i++)
			if (p->groups[i] && p->groups[i]->name &&
				strcmp(p->groups[i]->name, n->name) == 0)
				n->capture = i;
		if (n->capture == 0)
			return fail(p, "named backreference to a group that does not exist");
	}
	if (n->child && !resolve_names(p, n->child, depth + 1))
		return false;
	for (i = 0; i < n->nkids; i++)
		if (!resolve_names(p, n->kids[i], depth + 1))
			return false;
	return true;
}

static Node *
parse_pattern(Parser *p)
{
	Node	   *root;

	prescan(p);
	root = parse_disjunction(p);
	if (root == NULL)
	{
		if (p->err == NULL)
			p->err = "invalid pattern";
		return NULL;
	}
	if (p->pos < p->len)
	{
		fail(p, peek(p) == ')' ? "unbalanced parenthesis" : "invalid pattern");
		return NULL;
	}
	p->groups = arena_alloc(&p->arena, (p->ngroups + 1) * sizeof(Node *));
	if (p->groups == NULL)
	{
		fail(p, "out of memory");
		return NULL;
	}
	if (!resolve_groups(p, root, 0) || !resolve_names(p, root, 0))
		return NULL;
	if (p->arena.failed)
	{
		fail(p, "out of memory");
		return NULL;
	}
	return root;
}

bool
EcmaRegexCheckSyntax(const char *pattern, size_t len, const char **errmsg)
{
	return EcmaRegexCheckSyntaxMode(pattern, len, false, errmsg);
}

bool
EcmaRegexCheckSyntaxMode(const char *pattern, size_t len, bool annex_b,
						 const char **errmsg)
{
	Parser		p;
	bool		ok;

	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *) pattern;
	p.len = len;
	p.computing = false;
	p.legacy = annex_b;
	ok = parse_pattern(&p) != NULL;
	if (!ok && errmsg)
		*errmsg = p.err;
	arena_free(&p.arena);
	return ok;
}

/* ---------------------------------------------------------------------
 * ARE output
 * ---------------------------------------------------------------------
 */
typedef struct Out
{
	char	   *buf;
	size_t		len;
	size_t		cap;
	bool		failed;
} Out;

static void
out_str(Out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap)
	{
		size_t		ncap = o->cap ? o->cap : 64;
		char	   *nb;

		while (o->len + n + 1 > ncap)
			ncap *= 2;
		nb = realloc(o->buf, ncap);
		if (nb == NULL)
		{
			o->failed = true;
			return;
		}
		o->buf = nb;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
out_cstr(Out *o, const char *s)
{
	out_str(o, s, strlen(s));
}

/* A code point as an ARE literal, valid inside and outside brackets. */
static void
out_cp(Out *o, uint32_t cp)
{
	char		b[16];

	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
	{
		b[0] = (char) cp;
		out_str(o, b, 1);
	}
	else
	{
		static const char hex[] = "0123456789ABCDEF";
		int			digits = cp <= 0xFFFF ? 4 : 8;
		int			i;

		b[0] = '\\';
		b[1] = digits == 4 ? 'u' : 'U';
		for (i = 0; i < digits; i++)
			b[2 + i] = hex[(cp >> (4 * (digits - 1 - i))) & 0xF];
		out_str(o, b, 2 + digits);
	}
}

static void
out_set(Out *o, const CharSet *cs)
{
	int			i;

	if (cs->n == 0)
	{
		/*
		 * The empty class never matches.  ARE has no empty bracket; a
		 * negative lookahead of the empty string always fails.
		 */
		out_cstr(o, "(?:(?!))");
		return;
	}
	if (cs->n == 1 && cs->r[0].lo == cs->r[0].hi)
	{
		out_cp(o, cs->r[0].lo);
		return;
	}
	out_cstr(o, "[");
	for (i = 0; i < cs->n; i++)
	{
		out_cp(o, cs->r[i].lo);
		if (cs->r[i].hi != cs->r[i].lo)
		{
			if (cs->r[i].hi > cs->r[i].lo + 1)
				out_cstr(o, "-");
			out_cp(o, cs->r[i].hi);
		}
	}
	out_cstr(o, "]");
}

typedef struct Emit
{
	Parser	   *p;
	Out			out;
	int		   *are_number;		/* ECMA group -> ARE group (0 = none) */
	int			are_groups;
	int			no_capture;		/* > 0: print groups as (?:...) */
} Emit;

static bool emit_node(Emit *e, Node *n, int in_look, int depth);

/* Does the node need (?:) around it before a quantifier? */
static bool
is_atomic(Node *n)
{
	return n->kind == N_CHAR || n->kind == N_SET || n->kind == N_GROUP ||
		n->kind == N_BACKREF;
}

/* The child of a repeat, wrapped so that a quantifier applies to all of it. */
static bool
emit_repeated(Emit *e, Node *child, int in_look, int depth, const char *quant)
{
	if (!is_atomic(child))
		out_cstr(&e->out, "(?:");
	if (!emit_node(e, child, in_look, depth + 1))
		return false;
	if (!is_atomic(child))
		out_cstr(&e->out, ")");
	out_cstr(&e->out, quant);
	return true;
}

/*
 * ARE bounds stop at 255 (RE_DUP_MAX).  X{min,max} beyond that is written as
 * X{min} X{0,max-min} with each part split into nested groups of 255:
 * X{600} = (?:X{255}){2}X{90} and X{0,600} = (?:X{0,255}){0,2}X{0,90}, which
 * accept exactly the same counts.  X is printed several times, so its groups
 * are printed non-capturing: a group under such a quantifier can never be
 * the target of a backreference (check_backrefs refuses it), so no number
 * is lost.  Beyond 255 * 255 the engine's limits are near anyway: refused.
 */
static bool
emit_big_repeat(Emit *e, Node *n, int in_look, int depth)
{
	long		min = n->min,
				max = n->max;
	char		b[64];
	bool		ok = true;

	if (min / ARE_DUPMAX > ARE_DUPMAX ||
		(max >= 0 && (max - min) / ARE_DUPMAX > ARE_DUPMAX))
		return fail(e->p, "quantifier bounds above 65025 are not supported");
	e->no_capture++;
	out_cstr(&e->out, "(?:");
	if (min / ARE_DUPMAX > 0)
	{
		out_cstr(&e->out, "(?:");
		ok = ok && emit_repeated(e, n->child, in_look, depth, "{255}");
		snprintf(b, sizeof(b), "){%ld}", min / ARE_DUPMAX);
		out_cstr(&e->out, b);
	}
	if (min % ARE_DUPMAX > 0)
	{
		snprintf(b, sizeof(b), "{%ld}", min % ARE_DUPMAX);
		ok = ok && emit_repeated(e, n->child, in_look, depth, b);
	}
	if (max < 0)
		ok = ok && emit_repeated(e, n->child, in_look, depth, "*");
	else
	{
		long		k = max - min;

		if (k / ARE_DUPMAX > 0)
		{
			out_cstr(&e->out, "(?:");
			ok = ok && emit_repeated(e, n->child, in_look, depth, "{0,255}");
			snprintf(b, sizeof(b), "){0,%ld}", k / ARE_DUPMAX);
			out_cstr(&e->out, b);
		}
		if (k % ARE_DUPMAX > 0)
		{
			snprintf(b, sizeof(b), "{0,%ld}", k % ARE_DUPMAX);
			ok = ok && emit_repeated(e, n->child, in_look, depth, b);
		}
	}
	out_cstr(&e->out, ")");
	e->no_capture--;
	return ok;
}

static bool
emit_node(Emit *e, Node *n, int in_look, int depth)
{
	Out		   *o = &e->out;
	int			i;
	char		b[64];

	if (depth > 3 * MAX_NESTING + 8)
		return fail(e->p, "pattern nests too deeply");
	switch (n->kind)
	{
		case N_EMPTY:
			out_cstr(o, "(?:)");
			break;
		case N_CHAR:
			out_cp(o, n->cp);
			break;
		case N_SET:
			out_set(o, n->set);
			break;
		case N_BOL:
			out_cstr(o, "^");
			break;
		case N_EOL:
			out_cstr(o, "$");
			break;
		case N_WORDB:
			out_cstr(o, "\\y");
			break;
		case N_NWORDB:
			out_cstr(o, "\\Y");
			break;
		case N_GROUP:
			if (n->capture > 0 && !in_look && e->no_capture == 0)
			{
				e->are_number[n->capture] = ++e->are_groups;
				out_cstr(o, "(");
			}
			else
				out_cstr(o, "(?:");
			if (!emit_node(e, n->child, in_look, depth + 1))
				return false;
			out_cstr(o, ")");
			break;
		case N_MODIFIER:
			return fail(e->p, "inline modifier groups are not supported");
		case N_LOOK:
			out_cstr(o, n->look == LOOK_AHEAD ? "(?=" :
					 n->look == LOOK_NEG_AHEAD ? "(?!" :
					 n->look == LOOK_BEHIND ? "(?<=" : "(?<!");
			if (!emit_node(e, n->child, in_look + 1, depth + 1))
				return false;
			out_cstr(o, ")");
			break;
		case N_BACKREF:
			if (in_look)
				return fail(e->p, "backreferences inside lookaround assertions are not supported");
			if (e->are_number[n->capture] == 0)
				return fail(e->p, "backreferences to a group that may not have matched are not supported");
			snprintf(b, sizeof(b), "(?:\\%d)", e->are_number[n->capture]);
			out_cstr(o, b);
			break;
		case N_REPEAT:
			if (n->min > ARE_DUPMAX || n->max > ARE_DUPMAX)
				return emit_big_repeat(e, n, in_look, depth);
			if (n->child->kind == N_BOL || n->child->kind == N_EOL)
			{
				/* cannot happen: assertions are not quantifiable */
				return fail(e->p, "nothing to repeat");
			}
			if (!is_atomic(n->child))
				out_cstr(o, "(?:");
			if (!emit_node(e, n->child, in_look, depth + 1))
				return false;
			if (!is_atomic(n->child))
				out_cstr(o, ")");
			if (n->min == 0 && n->max == -1)
				out_cstr(o, "*");
			else if (n->min == 1 && n->max == -1)
				out_cstr(o, "+");
			else if (n->min == 0 && n->max == 1)
				out_cstr(o, "?");
			else if (n->max == -1)
			{
				snprintf(b, sizeof(b), "{%d,}", n->min);
				out_cstr(o, b);
			}
			else if (n->max == n->min)
			{
				snprintf(b, sizeof(b), "{%d}", n->min);
				out_cstr(o, b);
			}
			else
			{
				snprintf(b, sizeof(b), "{%d,%d}", n->min, n->max);
				out_cstr(o, b);
			}
			break;
		case N_SEQ:
			if (n->nkids == 0)
				out_cstr(o, "(?:)");
			for (i = 0; i < n->nkids; i++)
				if (!emit_node(e, n->kids[i], in_look, depth + 1))
					return false;
			break;
		case N_ALT:
			out_cstr(o, "(?:");
			for (i = 0; i < n->nkids; i++)
			{
				if (i > 0)
					out_cstr(o, "|");
				if (!emit_node(e, n->kids[i], in_look, depth + 1))
					return false;
			}
			out_cstr(o, ")");
			break;
	}
	if (o->failed)
		return fail(e->p, "out of memory");
	return true;
}

/*
 * Backreferences: ECMA matches an undefined group as the empty string, ARE
 * fails the match.  We accept a backreference only when its group is
 * certain to have matched before it: the group closes before the reference
 * and lies on the path from the pattern's root through sequences and
 * groups only (no alternation, no quantifier that may skip or repeat it, no
 * lookaround).  Then both engines mean the same thing.
 */
static bool
group_is_certain(Node *n, Node *target, int depth)
{
	int			i;

	if (n == target)
		return true;
	if (depth > 3 * MAX_NESTING + 8)
		return false;
	switch (n->kind)
	{
		case N_GROUP:
			return group_is_certain(n->child, target, depth + 1);
		case N_SEQ:
			for (i = 0; i < n->nkids; i++)
				if (group_is_certain(n->kids[i], target, depth + 1))
					return true;
			return false;
		case N_REPEAT:
			if (n->min == 1 && n->max == 1)
				return group_is_certain(n->child, target, depth + 1);
			return false;
		default:
			return false;
	}
}

static bool
check_backrefs(Parser *p, Node *root, Node *n, int depth)
{
	int			i;

	if (depth > 3 * MAX_NESTING + 8)
		return true;
	if (n->kind == N_BACKREF)
	{
		Node	   *g = p->groups[n->capture];

		if (g == NULL || g->pos >= n->pos || !group_is_certain(root, g, 0))
			return fail(p, "backreferences to a group that may not have matched are not supported");
	}
	if (n->child && !check_backrefs(p, root, n->child, depth + 1))
		return false;
	for (i = 0; i < n->nkids; i++)
		if (!check_backrefs(p, root, n->kids[i], depth + 1))
			return false;
	return true;
}

/* ---------------------------------------------------------------------
 * Fast matcher
 *
 * Two shapes of pattern match UTF-8 directly, without the ARE engine:
 *
 *	- linear: ^ p1{n1} ... pk{min,max} $, each piece a character or a
 *	  class, every count fixed except perhaps the last.  There is one way
 *	  to match, so the pieces are walked in order and the last takes the
 *	  rest of the string (^[A-Z]{3}$, ^\d+$, ^.{1,1000}$).
 *	- Glushkov: characters, classes, groups, alternation and quantifiers,
 *	  with ^ and $ only at the very start and end (^[a-z]+(?:\.[a-z]+)*$,
 *	  ^(?:USD|EUR)$, \d{3}-\d{4}).  Without backreferences, lookaround or
 *	  \b, such a pattern is a plain regular expression, and its position
 *	  automaton (Glushkov) has one state per character or class occurrence
 *	  (bounded quantifiers are unrolled), at most FAST_MAX_STATES of them.
 *	  A step on a set of live positions is the union of their follow sets,
 *	  filtered by the positions' classes; a match runs those steps as a DFA
 *	  whose states are the sets met so far (see FastDfa).
 *
 * Groups capture nothing here, and lazy quantifiers are greedy: neither
 * changes whether a pattern matches.  The unit tests compare both shapes
 * with the ARE engine and with node on a large corpus.
 * ---------------------------------------------------------------------
 */
#define FAST_WORDS (FAST_MAX_STATES / 64)

typedef struct FastPiece
{
	uint8_t		ascii[16];		/* bitmap of code points < 128 */
	int			nranges;		/* sorted ranges >= 128 */
	CpRange    *ranges;
	size_t		range_off;		/* while building: offset in range_store */
	int			min;			/* linear only */
	int			max;			/* linear only; -1 = unbounded */
} FastPiece;

typedef struct Bits
{
	uint64_t	w[FAST_WORDS];
} Bits;

struct EcmaFast
{
	bool		bol;
	bool		eol;
	bool		linear;
	int			npieces;		/* linear: pieces; Glushkov: positions */
	FastPiece  *pieces;
	CpRange    *range_store;
	/* Glushkov automaton */
	int			nwords;			/* words of Bits in use */
	bool		nullable;		/* matches the empty string */
	Bits		first;			/* positions that can match first */
	Bits		last;			/* positions that can match last */
	Bits	   *follow;			/* position -> positions that can follow */
	uint64_t   *amask;			/* code point < 128 -> positions whose class
								 * holds it, nwords words each */
	struct FastDfa *dfa;		/* Glushkov: the states met so far */
	/* composite: all (or any) of nsub programs must match; nothing above */
	int			nsub;
	bool		sub_all;
	EcmaFast  **sub;
};

/*
 * The Glushkov automaton run as a DFA built while it runs: a DFA state is a
 * set of live positions and whether a match may start at the next
 * character; its transitions on ASCII characters are computed the first
 * time they are taken and kept, so a string costs one table lookup per
 * ASCII character once the states it visits are known.  A character from
 * 128 up is stepped on the sets (not cached).  At most DFA_MAX_STATES
 * states are kept per pattern (a pattern whose strings visit more, or an
 * allocation that fails, continues on the sets alone for that string).
 * The cache lives in the program, which the caller otherwise only reads.
 * The states of all the programs of a process take at most DFA_TOTAL_MAX
 * bytes (a schema of many patterns whose strings visit many states cannot
 * make a backend grow without bound); past that, strings run on the sets.
 */
#define DFA_MAX_STATES	256
#define DFA_STATE_BYTES	(sizeof(Bits) + 1 + 128 * sizeof(int16_t))
#define DFA_TOTAL_MAX	((size_t) 32 * 1024 * 1024)	/* all patterns of a process */
#define DFA_UNKNOWN		(-1)	/* transition not computed yet */
#define DFA_DEAD		(-2)	/* no position lives: no match from here */
#define DFA_FRESH		0x01	/* a match may start at the next character */
#define DFA_ACCEPT		0x02	/* a match ends here */

typedef struct FastDfa
{
	int			nstates;
	int			cap;
	Bits	   *sets;
	uint8_t    *flags;
	int16_t    *next;			/* 128 per state */
} FastDfa;

static size_t dfa_bytes_total = 0;	/* DFA_STATE_BYTES per state of every cap */

static inline void
bits_set(Bits *a, int i)
{
	a->w[i >> 6] |= (uint64_t) 1 << (i & 63);
}

static inline void
bits_or(Bits *a, const Bits *b)
{
	int			i;

	for (i = 0; i < FAST_WORDS; i++)
		a->w[i] |= b->w[i];
}

/* Index of the lowest set bit of a non-zero word. */
static inline int
lowest_bit(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
	return __builtin_ctzll(x);
#else
	int			i = 0;

	while (!(x & 1))
	{
		x >>= 1;
		i++;
	}
	return i;
#endif
}

void
EcmaFastFree(EcmaFast *f)
{
	if (f == NULL)
		return;
	if (f->sub)
	{
		int			i;

		for (i = 0; i < f->nsub; i++)
			EcmaFastFree(f->sub[i]);
		free(f->sub);
	}
	free(f->pieces);
	free(f->follow);
	free(f->amask);
	if (f->dfa)
	{
		dfa_bytes_total -= f->dfa->cap * DFA_STATE_BYTES;
		free(f->dfa->sets);
		free(f->dfa->flags);
		free(f->dfa->next);
		free(f->dfa);
	}
	free(f->range_store);
	free(f);
}

/* Builder state: pieces and ranges grow; follow sets are fixed-size. */
typedef struct FastBuild
{
	FastPiece  *pieces;
	int			npieces;
	int			cap;
	CpRange    *ranges;
	size_t		nranges;
	size_t		rcap;
	Bits	   *follow;			/* FAST_MAX_STATES entries */
	bool		failed;			/* too big, or out of memory */
} FastBuild;

/* A new piece (linear) or position (Glushkov) for a character or class. */
static int
fast_add_piece(FastBuild *b, Node *a)
{
	FastPiece  *fp;
	int			s;

	if (b->failed)
		return -1;
	if (b->npieces == b->cap)
	{
		int			ncap = b->cap ? b->cap * 2 : 16;
		FastPiece  *np = realloc(b->pieces, ncap * sizeof(FastPiece));

		if (np == NULL)
		{
			b->failed = true;
			return -1;
		}
		b->pieces = np;
		b->cap = ncap;
	}
	fp = &b->pieces[b->npieces];
	if (a->fast_piece > 0)
	{
		/* an unrolled copy: share the first copy's class */
		*fp = b->pieces[a->fast_piece - 1];
		fp->min = fp->max = 1;
		return b->npieces++;
	}
	a->fast_piece = b->npieces + 1;
	memset(fp, 0, sizeof(*fp));
	fp->min = fp->max = 1;
	fp->range_off = b->nranges;
	if (a->kind == N_CHAR && a->cp < 128)
		fp->ascii[a->cp >> 3] |= 1 << (a->cp & 7);
	else
	{
		int			n = a->kind == N_CHAR ? 1 : a->set->n;

		if (b->nranges + n > b->rcap)
		{
			size_t		ncap = b->rcap ? b->rcap : 64;
			CpRange    *nr;

			while (ncap < b->nranges + n)
				ncap *= 2;
			if (ncap > ((size_t) 1 << 16))
			{
				b->failed = true;	/* many huge classes: leave it to ARE */
				return -1;
			}
			nr = realloc(b->ranges, ncap * sizeof(CpRange));
			if (nr == NULL)
			{
				b->failed = true;
				return -1;
			}
			b->ranges = nr;
			b->rcap = ncap;
		}
		if (a->kind == N_CHAR)
		{
			b->ranges[b->nranges].lo = b->ranges[b->nranges].hi = a->cp;
			b->nranges++;
			fp->nranges = 1;
		}
		else
			for (s = 0; s < a->set->n; s++)
			{
				CpRange		r = a->set->r[s];
				uint32_t	c;

				for (c = r.lo; c <= r.hi && c < 128; c++)
					fp->ascii[c >> 3] |= 1 << (c & 7);
				if (r.hi >= 128)
				{
					if (r.lo < 128)
						r.lo = 128;
					b->ranges[b->nranges++] = r;
					fp->nranges++;
				}
			}
	}
	return b->npieces++;
}

/* What the Glushkov construction knows of a subexpression. */
typedef struct GInfo
{
	Bits		first;
	Bits		last;
	bool		nullable;
} GInfo;

static void
g_empty(GInfo *g)
{
	memset(g, 0, sizeof(*g));
	g->nullable = true;
}

/* a := a b */
static void
g_concat(FastBuild *b, GInfo *a, const GInfo *bb)
{
	int			w;

	for (w = 0; w < FAST_WORDS; w++)
	{
		uint64_t	bits = a->last.w[w];

		while (bits)
		{
			int			p = w * 64 + lowest_bit(bits);

			bits &= bits - 1;
			bits_or(&b->follow[p], &bb->first);
		}
	}
	if (a->nullable)
		bits_or(&a->first, &bb->first);
	if (bb->nullable)
		bits_or(&a->last, &bb->last);
	else
		a->last = bb->last;
	a->nullable = a->nullable && bb->nullable;
}

static bool g_build(FastBuild *b, Node *n, GInfo *out, int depth);

static bool
g_repeat(FastBuild *b, Node *n, GInfo *out, int depth)
{
	int			i;

	g_empty(out);
	for (i = 0; i < n->min; i++)
	{
		GInfo		x;

		if (!g_build(b, n->child, &x, depth + 1))
			return false;
		g_concat(b, out, &x);
	}
	if (n->max < 0)
	{
		GInfo		x;
		int			w;

		if (!g_build(b, n->child, &x, depth + 1))
			return false;
		/* star: the last positions loop back to the first ones */
		for (w = 0; w < FAST_WORDS; w++)
		{
			uint64_t	bits = x.last.w[w];

			while (bits)
			{
				int			p = w * 64 + lowest_bit(bits);

				bits &= bits - 1;
				bits_or(&b->follow[p], &x.first);
			}
		}
		x.nullable = true;
		g_concat(b, out, &x);
	}
	else
	{
		/* e{0,k} as k optional copies: the same strings as nested ones */
		for (i = n->min; i < n->max; i++)
		{
			GInfo		x;

			if (!g_build(b, n->child, &x, depth + 1))
				return false;
			x.nullable = true;
			g_concat(b, out, &x);
		}
	}
	return true;
}

static bool
g_build(FastBuild *b, Node *n, GInfo *out, int depth)
{
	int			i,
				p;

	if (depth > 3 * MAX_NESTING + 8 || b->failed)
		return false;
	switch (n->kind)
	{
		case N_EMPTY:
			g_empty(out);
			return true;
		case N_CHAR:
		case N_SET:
			if (b->npieces >= FAST_MAX_STATES)
			{
				b->failed = true;
				return false;
			}
			p = fast_add_piece(b, n);
			if (p < 0)
				return false;
			memset(out, 0, sizeof(*out));
			bits_set(&out->first, p);
			bits_set(&out->last, p);
			return true;
		case N_GROUP:
			return g_build(b, n->child, out, depth + 1);
		case N_SEQ:
			g_empty(out);
			for (i = 0; i < n->nkids; i++)
			{
				GInfo		x;

				if (!g_build(b, n->kids[i], &x, depth + 1))
					return false;
				g_concat(b, out, &x);
			}
			return true;
		case N_ALT:
			memset(out, 0, sizeof(*out));
			for (i = 0; i < n->nkids; i++)
			{
				GInfo		x;

				if (!g_build(b, n->kids[i], &x, depth + 1))
					return false;
				bits_or(&out->first, &x.first);
				bits_or(&out->last, &x.last);
				out->nullable = out->nullable || x.nullable;
			}
			return true;
		case N_REPEAT:
			/* unrolling more than the automaton can hold fails early */
			if (n->min >= FAST_MAX_STATES || n->max >= FAST_MAX_STATES)
				return false;
			return g_repeat(b, n, out, depth);
		default:
			/* anchors inside, \b, lookaround, backreferences: not regular here */
			return false;
	}
}

static EcmaFast *
fast_finish(FastBuild *b, bool bol, bool eol, bool linear)
{
	EcmaFast   *f = calloc(1, sizeof(EcmaFast));
	int			k;

	if (f == NULL)
	{
		free(b->pieces);
		free(b->ranges);
		free(b->follow);
		return NULL;
	}
	f->bol = bol;
	f->eol = eol;
	f->linear = linear;
	f->npieces = b->npieces;
	f->pieces = b->pieces;
	f->range_store = b->ranges;
	f->follow = b->follow;
	for (k = 0; k < f->npieces; k++)
		f->pieces[k].ranges = f->range_store ? f->range_store + f->pieces[k].range_off : NULL;
	f->nwords = (f->npieces + 63) / 64;
	if (f->nwords == 0)
		f->nwords = 1;
	return f;
}

static EcmaFast *
build_fast_simple(Node *root)
{
	Node	  **items;
	int			nitems,
				i,
				first,
				last;
	bool		linear;
	Node	   *single[1];
	FastBuild	b;
	GInfo		g;

	if (root->kind == N_SEQ)
	{
		items = root->kids;
		nitems = root->nkids;
	}
	else
	{
		single[0] = root;
		items = single;
		nitems = 1;
	}
	first = 0;
	last = nitems;
	if (nitems > 0 && items[0]->kind == N_BOL)
		first = 1;
	if (last > first && items[last - 1]->kind == N_EOL)
		last--;
	memset(&b, 0, sizeof(b));

	/* linear? */
	linear = first == 1 && last < nitems && last - first <= 1024;
	for (i = first; i < last && linear; i++)
	{
		Node	   *n = items[i];
		Node	   *a = n->kind == N_REPEAT ? n->child : n;

		if (a->kind != N_CHAR && a->kind != N_SET)
			linear = false;
		else if (n->kind == N_REPEAT && i < last - 1 && n->min != n->max)
			linear = false;
	}
	if (linear)
	{
		for (i = first; i < last; i++)
		{
			Node	   *n = items[i];
			int			p = fast_add_piece(&b, n->kind == N_REPEAT ? n->child : n);

			if (p < 0)
			{
				free(b.pieces);
				free(b.ranges);
				return NULL;
			}
			if (n->kind == N_REPEAT)
			{
				b.pieces[p].min = n->min;
				b.pieces[p].max = n->max;
			}
		}
		return fast_finish(&b, true, true, true);
	}

	/* Glushkov over items[first..last) */
	b.follow = calloc(FAST_MAX_STATES, sizeof(Bits));
	if (b.follow == NULL)
		return NULL;
	g_empty(&g);
	for (i = first; i < last; i++)
	{
		GInfo		x;

		if (!g_build(&b, items[i], &x, 0))
		{
			free(b.pieces);
			free(b.ranges);
			free(b.follow);
			return NULL;
		}
		g_concat(&b, &g, &x);
	}
	{
		EcmaFast   *f = fast_finish(&b, first == 1, last < nitems, false);

		if (f)
		{
			int			p;
			uint32_t	c;

			f->first = g.first;
			f->last = g.last;
			f->nullable = g.nullable;

			/*
			 * Per ASCII character, the positions it can take: a step on
			 * such a character is then an AND instead of a test per
			 * candidate position.
			 */
			f->amask = calloc(128 * f->nwords, sizeof(uint64_t));
			f->dfa = calloc(1, sizeof(FastDfa));
			if (f->amask == NULL || f->dfa == NULL)
			{
				EcmaFastFree(f);
				return NULL;
			}
			for (p = 0; p < f->npieces; p++)
				for (c = 0; c < 128; c++)
					if ((f->pieces[p].ascii[c >> 3] >> (c & 7)) & 1)
						f->amask[c * f->nwords + (p >> 6)] |= (uint64_t) 1 << (p & 63);
		}
		return f;
	}
}

/*
 * Composite fast programs, for two shapes the automaton cannot take whole
 * (its anchors are only a leading ^ and a trailing $):
 *
 *	- an alternation whose branches have their own anchors, (^a$)|(^b$) or
 *	  ^a|b$: the pattern matches somewhere when one branch does, so it is
 *	  the "any" of the branches' programs;
 *	- ^ followed by positive lookaheads, ^(?=A)(?=B)C: each lookahead looks
 *	  at position 0, where the rest must match too, so it is the "all" of
 *	  ^A, ^B and ^C.
 *
 * Groups around the whole are dropped (only "does it match" is asked).
 * Any part that has no fast program leaves the pattern to the ARE engine.
 */
#define FAST_MAX_SUBS 64

static void
fast_reset(Node *n)
{
	int			i;

	if (n == NULL)
		return;
	n->fast_piece = 0;
	fast_reset(n->child);
	for (i = 0; i < n->nkids; i++)
		fast_reset(n->kids[i]);
}

static EcmaFast *build_fast_composite(Node *n, int depth);

/* A fast program for n alone: plain, else composite. */
static EcmaFast *
build_fast_part(Node *n, int depth)
{
	EcmaFast   *f;

	fast_reset(n);
	f = build_fast_simple(n);
	if (f == NULL)
		f = build_fast_composite(n, depth + 1);
	return f;
}

/* ^ then the nodes of n (a sequence's items spliced in), as a sequence. */
static EcmaFast *
build_fast_anchored(Node *bol, Node **items, int nitems, int depth)
{
	Node		seq;
	Node	  **kids = malloc(sizeof(Node *) * (nitems + 1));
	EcmaFast   *f;

	if (kids == NULL)
		return NULL;
	kids[0] = bol;
	if (nitems > 0)				/* items may be NULL then */
		memcpy(kids + 1, items, sizeof(Node *) * nitems);
	memset(&seq, 0, sizeof(seq));
	seq.kind = N_SEQ;
	seq.kids = kids;
	seq.nkids = nitems + 1;
	seq.kidscap = nitems + 1;
	f = build_fast_part(&seq, depth);
	free(kids);
	return f;
}

static EcmaFast *
build_fast_composite(Node *n, int depth)
{
	EcmaFast  **subs;
	EcmaFast   *f;
	int			nsub = 0,
				i;
	bool		all;

	if (depth > 4)
		return NULL;
	if ((n->kind == N_GROUP && n->child != NULL) || (n->kind == N_SEQ && n->nkids == 1))
	{
		while ((n->kind == N_GROUP && n->child != NULL) || (n->kind == N_SEQ && n->nkids == 1))
			n = n->kind == N_GROUP ? n->child : n->kids[0];
		/* (^a$) is ^a$ */
		fast_reset(n);
		if ((f = build_fast_simple(n)) != NULL)
			return f;
	}
	subs = calloc(FAST_MAX_SUBS, sizeof(EcmaFast *));
	if (subs == NULL)
		return NULL;
	if (n->kind == N_ALT && n->nkids <= FAST_MAX_SUBS)
	{
		all = false;
		for (i = 0; i < n->nkids; i++)
			if ((subs[nsub++] = build_fast_part(n->kids[i], depth)) == NULL)
				goto fail;
	}
	else if (n->kind == N_SEQ && n->nkids >= 2 && n->kids[0]->kind == N_BOL &&
			 n->kids[1]->kind == N_LOOK && n->kids[1]->look == LOOK_AHEAD)
	{
		int			k;

		all = true;
		for (k = 1; k < n->nkids && n->kids[k]->kind == N_LOOK &&
			 n->kids[k]->look == LOOK_AHEAD && nsub < FAST_MAX_SUBS - 1; k++)
		{
			Node	   *c = n->kids[k]->child;

			if (c == NULL)
				goto fail;
			if (c->kind == N_SEQ)
				subs[nsub] = build_fast_anchored(n->kids[0], c->kids, c->nkids, depth);
			else
				subs[nsub] = build_fast_anchored(n->kids[0], &c, 1, depth);
			if (subs[nsub++] == NULL)
				goto fail;
		}
		if ((subs[nsub++] = build_fast_anchored(n->kids[0], n->kids + k, n->nkids - k, depth)) == NULL)
			goto fail;
	}
	else
		goto fail;

	f = calloc(1, sizeof(EcmaFast));
	if (f == NULL)
		goto fail;
	f->nsub = nsub;
	f->sub_all = all;
	f->sub = subs;
	return f;

fail:
	for (i = 0; i < nsub; i++)
		EcmaFastFree(subs[i]);
	free(subs);
	return NULL;
}

static EcmaFast *
build_fast(Node *root)
{
	EcmaFast   *f = build_fast_simple(root);

	if (f == NULL)
		f = build_fast_composite(root, 0);
	return f;
}

static inline bool
piece_has(const FastPiece *fp, uint32_t c)
{
	int			lo,
				hi;

	if (c < 128)
		return (fp->ascii[c >> 3] >> (c & 7)) & 1;
	lo = 0;
	hi = fp->nranges - 1;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (c < fp->ranges[mid].lo)
			hi = mid - 1;
		else if (c > fp->ranges[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static inline size_t
next_char(const unsigned char *s, size_t pos, size_t len, uint32_t *c)
{
	if (s[pos] < 0x80)
	{
		*c = s[pos];
		return 1;
	}
	return EcmaUtf8Decode(s + pos, len - pos, c);
}

/* The linear shape: walk the pieces, the last takes the rest. */
static bool
fast_linear(const EcmaFast *f, const unsigned char *s, size_t len)
{
	size_t		pos = 0;
	int			k,
				i;
	long		count = 0;
	const FastPiece *lastp;

	if (f->npieces == 0)
		return len == 0;
	for (k = 0; k < f->npieces - 1; k++)
	{
		const FastPiece *fp = &f->pieces[k];

		for (i = 0; i < fp->min; i++)
		{
			uint32_t	c;

			if (pos >= len)
				return false;
			pos += next_char(s, pos, len, &c);
			if (!piece_has(fp, c))
				return false;
		}
	}
	lastp = &f->pieces[f->npieces - 1];
	while (pos < len)
	{
		uint32_t	c;

		/* a run of ASCII: one bitmap test a byte */
		if (s[pos] < 0x80)
		{
			size_t		start = pos;

			do
			{
				if (!((lastp->ascii[s[pos] >> 3] >> (s[pos] & 7)) & 1))
					return false;
				pos++;
			} while (pos < len && s[pos] < 0x80);
			count += (long) (pos - start);
			if (lastp->max >= 0 && count > lastp->max)
				return false;
			continue;
		}
		pos += next_char(s, pos, len, &c);
		if (!piece_has(lastp, c))
			return false;
		if (++count > lastp->max && lastp->max >= 0)
			return false;
	}
	return count >= lastp->min;
}

/*
 * One step of the Glushkov automaton on the sets: the positions that may
 * come after the live ones (or first, when a match may start here) and
 * whose class holds c.
 */
static void
glushkov_step(const EcmaFast *f, const Bits *active, bool fresh, uint32_t c, Bits *out)
{
	Bits		cand;
	int			nw = f->nwords;
	int			w;

	if (fresh)
		cand = f->first;
	else
		memset(&cand, 0, sizeof(cand));
	for (w = 0; w < nw; w++)
	{
		uint64_t	bits = active->w[w];

		while (bits)
		{
			int			p = w * 64 + lowest_bit(bits);
			int			x;

			bits &= bits - 1;
			for (x = 0; x < nw; x++)
				cand.w[x] |= f->follow[p].w[x];
		}
	}
	memset(out, 0, sizeof(*out));
	if (c < 128)
	{
		const uint64_t *m = &f->amask[c * nw];

		for (w = 0; w < nw; w++)
			out->w[w] = cand.w[w] & m[w];
	}
	else
	{
		for (w = 0; w < nw; w++)
		{
			uint64_t	bits = cand.w[w];

			while (bits)
			{
				int			p = w * 64 + lowest_bit(bits);

				bits &= bits - 1;
				if (piece_has(&f->pieces[p], c))
					out->w[w] |= (uint64_t) 1 << (p & 63);
			}
		}
	}
}

static inline bool
bits_empty(const Bits *a, int nw)
{
	int			w;

	for (w = 0; w < nw; w++)
		if (a->w[w])
			return false;
	return true;
}

static inline bool
glushkov_accepts(const EcmaFast *f, const Bits *active, bool fresh)
{
	int			w;

	if (fresh && f->nullable)
		return true;
	for (w = 0; w < f->nwords; w++)
		if (active->w[w] & f->last.w[w])
			return true;
	return false;
}

/* The automaton on the sets, from position pos of s in the given state. */
static bool
glushkov_run(const EcmaFast *f, const unsigned char *s, size_t pos, size_t len,
			 Bits active, bool fresh)
{
	for (;;)
	{
		uint32_t	c;
		Bits		next;

		if (glushkov_accepts(f, &active, fresh) && (!f->eol || pos == len))
			return true;
		if (pos >= len)
			return false;
		pos += next_char(s, pos, len, &c);
		glushkov_step(f, &active, fresh, c, &next);
		active = next;
		fresh = !f->bol;
		if (f->bol && bits_empty(&active, f->nwords))
			return false;
	}
}

/* The DFA state for (set, fresh): found, or added; -1 when it is full. */
static int
dfa_state(const EcmaFast *f, FastDfa *d, const Bits *set, bool fresh)
{
	int			nw = f->nwords;
	int			i;
	uint8_t		flags = fresh ? DFA_FRESH : 0;

	for (i = 0; i < d->nstates; i++)
		if ((d->flags[i] & DFA_FRESH) == flags &&
			memcmp(d->sets[i].w, set->w, nw * sizeof(uint64_t)) == 0)
			return i;
	if (d->nstates == d->cap)
	{
		int			ncap = d->cap ? d->cap * 2 : 8;
		Bits	   *nsets;
		uint8_t    *nflags;
		int16_t    *nnext;

		if (ncap > DFA_MAX_STATES ||
			dfa_bytes_total + (ncap - d->cap) * DFA_STATE_BYTES > DFA_TOTAL_MAX)
			return -1;
		/* each array is kept when the next one cannot grow: all stay valid */
		nsets = realloc(d->sets, ncap * sizeof(Bits));
		if (nsets == NULL)
			return -1;
		d->sets = nsets;
		nflags = realloc(d->flags, ncap);
		if (nflags == NULL)
			return -1;
		d->flags = nflags;
		nnext = realloc(d->next, ncap * 128 * sizeof(int16_t));
		if (nnext == NULL)
			return -1;
		d->next = nnext;
		dfa_bytes_total += (ncap - d->cap) * DFA_STATE_BYTES;
		d->cap = ncap;
	}
	i = d->nstates;
	d->sets[i] = *set;
	if (glushkov_accepts(f, set, fresh))
		flags |= DFA_ACCEPT;
	d->flags[i] = flags;
	memset(&d->next[i * 128], 0xFF, 128 * sizeof(int16_t));	/* DFA_UNKNOWN */
	d->nstates++;
	return i;
}

static bool
glushkov_dfa(const EcmaFast *f, const unsigned char *s, size_t len)
{
	FastDfa    *d = f->dfa;
	size_t		pos = 0;
	int			st;

	if (d->nstates == 0)
	{
		Bits		none;

		memset(&none, 0, sizeof(none));
		if (dfa_state(f, d, &none, true) != 0)
			return glushkov_run(f, s, 0, len, none, true);
	}
	st = 0;
	for (;;)
	{
		uint32_t	c;
		int			nx;
		Bits		next;
		bool		fresh;

		if ((d->flags[st] & DFA_ACCEPT) && (!f->eol || pos == len))
			return true;
		if (pos >= len)
			return false;
		c = s[pos];
		if (c < 128)
		{
			nx = d->next[st * 128 + c];
			if (nx >= 0)
			{
				st = nx;
				pos++;
				continue;
			}
			if (nx == DFA_DEAD)
				return false;
			pos++;
		}
		else
			pos += EcmaUtf8Decode(s + pos, len - pos, &c);
		fresh = (d->flags[st] & DFA_FRESH) != 0;
		glushkov_step(f, &d->sets[st], fresh, c, &next);
		fresh = !f->bol;
		if (f->bol && bits_empty(&next, f->nwords))
		{
			if (c < 128)
				d->next[st * 128 + c] = DFA_DEAD;
			return false;
		}
		nx = dfa_state(f, d, &next, fresh);
		if (nx < 0)
			return glushkov_run(f, s, pos, len, next, fresh);
		if (c < 128)
			d->next[st * 128 + c] = (int16_t) nx;
		st = nx;
	}
}

bool
EcmaFastMatch(const EcmaFast *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *) str;

	if (f->nsub > 0)
	{
		int			i;

		for (i = 0; i < f->nsub; i++)
			if (EcmaFastMatch(f->sub[i], str, len) != f->sub_all)
				return !f->sub_all;
		return f->sub_all;
	}
	if (f->linear)
		return fast_linear(f, s, len);
	return glushkov_dfa(f, s, len);
}

/* ---------------------------------------------------------------------
 * Entry point
 * ---------------------------------------------------------------------
 */
bool
EcmaRegexTranslate(const char *pattern, size_t len, EcmaTranslation *out,
				   const char **errmsg)
{
	return EcmaRegexTranslateMode(pattern, len, false, out, errmsg);
}

bool
EcmaRegexTranslateMode(const char *pattern, size_t len, bool annex_b,
					   EcmaTranslation *out, const char **errmsg)
{
	Parser		p;
	Node	   *root;
	Emit		e;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	memset(&e, 0, sizeof(e));
	p.s = (const unsigned char *) pattern;
	p.len = len;
	p.computing = true;
	p.legacy = annex_b;
	root = parse_pattern(&p);
	if (root == NULL)
		goto done;
	if (p.has_backrefs && !check_backrefs(&p, root, root, 0))
		goto done;
	e.p = &p;
	e.are_number = arena_alloc(&p.arena, (p.ngroups + 1) * sizeof(int));
	if (e.are_number == NULL)
	{
		fail(&p, "out of memory");
		goto done;
	}
	if (!emit_node(&e, root, 0, 0))
		goto done;
	out->are = e.out.buf;
	out->are_len = e.out.len;
	e.out.buf = NULL;
	out->ncaptures = e.are_groups;
	out->has_backrefs = p.has_backrefs;
	out->fast = build_fast(root);
	ok = true;

done:
	if (!ok && errmsg)
		*errmsg = p.err ? p.err : "invalid pattern";
	free(e.out.buf);
	arena_free(&p.arena);
	return ok;
}

void
EcmaTranslationFree(EcmaTranslation *t)
{
	free(t->are);
	EcmaFastFree(t->fast);
	t->are = NULL;
	t->fast = NULL;
}
