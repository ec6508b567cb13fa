/*
 * test_regex.c
 *		Unit test of the ECMA-262 -> ARE translator and the fast matcher.
 *
 *	test_regex				table tests; PASS/FAIL lines on stdout
 *	test_regex --corpus [N [SEED]]	print the differential corpus (see below)
 *								with N random patterns
 *	test_regex --fuzz [N [SEED]]	N random patterns and our syntax verdicts
 *
 * The table tests check the ARE text printed for a set of patterns, the
 * rejection message for what is invalid or unsupported, and the syntax
 * check of the "regex" format.
 *
 * The corpus is the proof that the fast path and the translation are right,
 * which plain C cannot give alone: for every pattern of corpus_patterns and
 * a set of subjects generated from the pattern's own characters plus some
 * troublemakers (non-ASCII letters and digits, line terminators, Unicode
 * spaces, astral characters), it prints
 *
 *	id <TAB> pattern (hex) <TAB> ARE <TAB> subject (hex) <TAB> fast
 *
 * where fast is 1/0 (the fast matcher's answer) or "-" (no fast program).
 * test/unit/regex_diff.py then runs each ARE in PostgreSQL (the same engine
 * and collation regex.c uses) and, when node is installed, the ECMA pattern
 * in node's RegExp with the "u" flag, and requires fast == ARE == ECMA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecma_regex.h"

static int	failures;
static int	checks;

typedef struct Group
{
	const char *name;
	int			total;
	int			bad;
} Group;

static void
report(Group *g)
{
	printf("%s unit:regex:%s (%d/%d passed)\n", g->bad ? "FAIL" : "PASS",
		   g->name, g->total - g->bad, g->total);
	if (g->bad)
		failures++;
}

/* pattern -> exact ARE text */
static const struct
{
	const char *ecma;
	const char *are;
	bool		fast;
}			translations[] = {
	{"^[A-Z]{3}$", "^[A-Z]{3}$", true},
	{"^[A-Z]{2}$", "^[A-Z]{2}$", true},
	{"", "(?:)", true},
	{"abc", "abc", true},
	{"a.c", "a[\\u0000-\\u0009\\u000B\\u000C\\u000E-\\u2027\\u202A-\\U0010FFFF]c", true},
	{"\\d+", "[0-9]+", true},
	{"\\w", "[0-9A-Z\\u005Fa-z]", true},
	{"\\W", "[\\u0000-\\u002F\\u003A-\\u0040\\u005B-\\u005E\\u0060\\u007B-\\U0010FFFF]", true},
	{"\\s", "[\\u0009-\\u000D\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]", true},
	{"[^]", "[\\u0000-\\U0010FFFF]", true},
	{"[]", "(?:(?!))", true},
	{"[]*", "(?:(?!))*", true},
	{"a|", "(?:a|(?:))", true},
	{"(a)\\1", "(a)(?:\\1)", false},
	{"(?<year>\\d{4})-\\k<year>", "([0-9]{4})\\u002D(?:\\1)", false},
	{"(?=a)(?!b)(?<=c)(?<!d)", "(?=a)(?!b)(?<=c)(?<!d)", false},
	{"(?=(a))", "(?=(?:a))", false},
	{"a*?b+?c??d{2,3}?", "a*b+c?d{2,3}", true},
	{"a{2,}", "a{2,}", true},
	{"\\bx\\B", "\\yx\\Y", false},
	{"\\cJ\\ca", "\\u000A\\u0001", true},
	{"\\t\\n\\v\\f\\r\\0", "\\u0009\\u000A\\u000B\\u000C\\u000D\\u0000", true},
	{"\\x41\\u0042\\u{43}", "ABC", true},
	{"\\uD83D\\uDC32", "\\U0001F432", true},
	{"[\\b]", "\\u0008", true},
	{"[a-c\\d-]", "[\\u002D0-9a-c]", true},
	{"[\\^\\]\\\\]", "[\\u005C-\\u005E]", true},
	{"\\/\\.\\*", "\\u002F\\u002E\\u002A", true},
	{"(?:ab)+", "(?:ab)+", true},
	{"\\p{Nd}", NULL, true},	/* only checks that it translates */
	{"\\p{General_Category=Letter}\\P{gc=L}", NULL, true},
	{"\\p{ASCII}", "[\\u0000-\\u007F]", true},
	{"\\P{Any}", "(?:(?!))", true},
	/* bounds above ARE's 255, split into nested groups */
	{"^a{600}$", "^(?:(?:a{255}){2}a{90})$", true},
	{"a{0,600}", "(?:(?:a{0,255}){0,2}a{0,90})", false},
	{"a{300,}", "(?:(?:a{255}){1}a{45}a*)", false},
	{"^(ab){1,256}$", "^(?:(?:ab){1}(?:(?:ab){0,255}){0,1})$", false},
};

/* pattern -> rejection message (substring) */
static const struct
{
	const char *ecma;
	const char *err;
	bool		syntax_ok;		/* valid ECMA, only our engine refuses it */
}			rejections[] = {
	{"(", "unbalanced parenthesis", false},
	{"a)", "unbalanced parenthesis", false},
	{"[a", "unterminated character class", false},
	{"*a", "nothing to repeat", false},
	{"a**", "nothing to repeat", false},
	{"^*", "nothing to repeat", false},
	{"\\b+", "nothing to repeat", false},
	{"(?=a)?", "nothing to repeat", false},
	{"{1}", "nothing to repeat", false},
	{"a{", "lone quantifier bracket", false},
	{"}", "lone quantifier bracket", false},
	{"]", "lone closing bracket", false},
	{"a{3,2}", "numbers out of order in quantifier", false},
	{"[b-a]", "character class range out of order", false},
	{"[\\d-z]", "invalid character class range", false},
	{"\\a", "invalid escape", false},
	{"\\-", "invalid escape", false},
	{"\\c1", "invalid control escape", false},
	{"\\x4", "invalid hexadecimal escape", false},
	{"\\u12", "invalid unicode escape", false},
	{"\\u{}", "invalid unicode escape", false},
	{"\\u{110000}", "unicode escape is out of range", false},
	{"\\01", "invalid octal escape", false},
	{"[\\1]", "invalid escape in character class", false},
	{"\\", "pattern ends with a backslash", false},
	{"(a)\\2", "backreference to a group that does not exist", false},
	{"\\k<x>(?<y>a)", "named backreference to a group that does not exist", false},
	{"\\k", "invalid named backreference", false},
	{"(?<a>x)(?<a>y)", "duplicate group name", false},
	{"(?<1a>x)", "invalid group name", false},
	{"(?P<n>x)", "invalid group", false},
	{"(?#comment)", "invalid group", false},
	{"(?i)a", "invalid group", false},
	{"(?ii:a)", "repeated flag in modifier group", false},
	{"\\p{Foo}", "unknown unicode property name", false},
	{"\\p{gc=Foo}", "unknown unicode property value", false},
	{"\\p{L", "invalid property escape", false},
	{"\\pL", "invalid property escape", false},
	{"a\xff", "pattern is not valid UTF-8", false},
	/* valid ECMA-262 that ARE cannot express faithfully */
	{"\\p{Script=Klingon}", "unknown unicode property value", false},
	{"\\p{scx=greek}", "unknown unicode property value", false},
	{"\\p{Script_Extensions}", "unknown unicode property name", false},
	{"\\p{Alphabetic}", "this unicode binary property is not supported", true},
	{"(?i:a)", "inline modifier groups are not supported", true},
	{"a{65280}", "quantifier bounds above 65025 are not supported", true},
	{"a{0,70000}", "quantifier bounds above 65025 are not supported", true},
	{"\\1(a)", "backreferences to a group that may not have matched are not supported", true},
	{"(a\\1)", "backreferences to a group that may not have matched are not supported", true},
	{"(a)?\\1", "backreferences to a group that may not have matched are not supported", true},
	{"(a)|\\1", "backreferences to a group that may not have matched are not supported", true},
	{"(?:(a)b)*\\1", "backreferences to a group that may not have matched are not supported", true},
	{"(a)(?=\\1)", "backreferences inside lookaround assertions are not supported", true},
	{"(x)(ab){256}(y)\\2", "backreferences to a group that may not have matched are not supported", true},
};

static void
run_tables(void)
{
	Group		gt = {"translate", 0, 0};
	Group		gr = {"reject", 0, 0};
	Group		gs = {"syntax", 0, 0};
	size_t		i;

	for (i = 0; i < sizeof(translations) / sizeof(translations[0]); i++)
	{
		EcmaTranslation t;
		const char *err = NULL;
		const char *p = translations[i].ecma;

		gt.total++;
		if (!EcmaRegexTranslate(p, strlen(p), &t, &err))
		{
			gt.bad++;
			fprintf(stderr, "translate /%s/: unexpected error: %s\n", p, err);
			continue;
		}
		if (translations[i].are && strcmp(t.are, translations[i].are) != 0)
		{
			gt.bad++;
			fprintf(stderr, "translate /%s/: got %s, expected %s\n", p, t.are,
					translations[i].are);
		}
		else if ((t.fast != NULL) != translations[i].fast)
		{
			gt.bad++;
			fprintf(stderr, "translate /%s/: fast path %s\n", p,
					t.fast ? "unexpected" : "missing");
		}
		EcmaTranslationFree(&t);

		/* everything we translate is valid syntax */
		gs.total++;
		if (!EcmaRegexCheckSyntax(p, strlen(p), &err))
		{
			gs.bad++;
			fprintf(stderr, "syntax /%s/: rejected (%s)\n", p, err);
		}
	}
	for (i = 0; i < sizeof(rejections) / sizeof(rejections[0]); i++)
	{
		EcmaTranslation t;
		const char *err = NULL;
		const char *p = rejections[i].ecma;
		bool		syn;

		gr.total++;
		if (EcmaRegexTranslate(p, strlen(p), &t, &err))
		{
			gr.bad++;
			fprintf(stderr, "reject /%s/: translated to %s\n", p, t.are);
			EcmaTranslationFree(&t);
		}
		else if (err == NULL || strstr(err, rejections[i].err) == NULL)
		{
			gr.bad++;
			fprintf(stderr, "reject /%s/: message \"%s\", expected \"%s\"\n", p,
					err ? err : "(none)", rejections[i].err);
		}
		gs.total++;
		syn = EcmaRegexCheckSyntax(p, strlen(p), &err);
		if (syn != rejections[i].syntax_ok)
		{
			gs.bad++;
			fprintf(stderr, "syntax /%s/: %s\n", p, syn ? "accepted" : "rejected");
		}
	}
	report(&gt);
	report(&gr);
	report(&gs);
}

/* Deep nesting and long patterns: bounded, no crash. */
static void
run_limits(void)
{
	Group		g = {"limits", 0, 0};
	size_t		n = 100000,
				i;
	char	   *buf = malloc(2 * n + 1);
	EcmaTranslation t;
	const char *err;

	/* 100000 nested groups: refused, not a stack overflow */
	for (i = 0; i < n; i++)
	{
		buf[i] = '(';
		buf[n + i] = ')';
	}
	g.total++;
	err = NULL;
	if (EcmaRegexTranslate(buf, 2 * n, &t, &err) || err == NULL ||
		strcmp(err, "pattern nests too deeply") != 0)
	{
		g.bad++;
		fprintf(stderr, "limits: deep nesting not refused (%s)\n", err ? err : "translated");
	}
	g.total++;
	if (EcmaRegexCheckSyntax(buf, 2 * n, NULL))
	{
		g.bad++;
		fprintf(stderr, "limits: deep nesting accepted by the syntax check\n");
	}
	/* deep class nesting is not a thing, but many classes are fine */
	for (i = 0; i < n; i++)
		buf[i] = "[a]"[i % 3];
	g.total++;
	if (!EcmaRegexTranslate(buf, n - n % 3, &t, &err))
	{
		g.bad++;
		fprintf(stderr, "limits: long pattern refused: %s\n", err);
	}
	else
		EcmaTranslationFree(&t);
	/* 64 nested groups: fine */
	for (i = 0; i < 64; i++)
	{
		buf[i] = '(';
		buf[64 + i] = ')';
	}
	g.total++;
	if (!EcmaRegexTranslate(buf, 128, &t, &err))
	{
		g.bad++;
		fprintf(stderr, "limits: 64 nested groups refused: %s\n", err);
	}
	else
		EcmaTranslationFree(&t);
	free(buf);
	report(&g);
}

/* Fast path on its own: known answers, incl. invalid UTF-8 subjects. */
static void
run_fast(void)
{
	static const struct
	{
		const char *pat;
		const char *subj;
		bool		match;
	}			cases[] = {
		{"^[A-Z]{3}$", "USD", true},
		/* Script and Script_Extensions (generated tables) */
		{"^\\p{Script=Greek}+$", "\xce\xb1\xce\xb2", true},
		{"^\\p{Script=Greek}+$", "ab", false},
		{"^\\p{sc=Latn}$", "\xe1\xba\xa1", true},	/* U+1EA1, Vietnamese */
		{"^\\P{sc=Latn}$", "a", false},
		{"^\\p{scx=Hira}$", "\xe3\x83\xbc", true},	/* U+30FC: Common, scx Hira Kana */
		{"^\\p{sc=Hira}$", "\xe3\x83\xbc", false},
		{"^[A-Z]{3}$", "usd", false},
		{"^[A-Z]{3}$", "USDX", false},
		{"^[A-Z]{3}$", "US", false},
		{"^[A-Z]{3}$", "USD\n", false},
		{"[A-Z]{3}", "xxUSDxx", true},
		{"^a*a$", "aaaa", true},
		{"^a*a$", "", false},
		{"^a{2,3}b?a$", "aaa", true},
		{"^a{2,3}b?a$", "aaaaa", false},
		{"x$", "ax", true},
		{"x$", "xa", false},
		{"^\\d+$", "\xe0\xa7\xaa", false},	/* BENGALI DIGIT FOUR */
		{"^.$", "\xe2\x80\xa8", false},	/* U+2028 */
		{"^.$", "\xf0\x9f\x90\xb2", true},	/* one astral character */
		{"^..$", "\xf0\x9f\x90\xb2", false},
		{"^.$", "\xff", true},	/* invalid byte: one U+FFFD */
		{"^\\S$", "\xc3", true},	/* truncated sequence: one U+FFFD */
		{"^$", "", true},
		{"", "anything", true},
	};
	Group		g = {"fast", 0, 0};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		EcmaTranslation t;
		const char *err;
		char	   *copy;
		size_t		len = strlen(cases[i].subj);

		g.total++;
		if (!EcmaRegexTranslate(cases[i].pat, strlen(cases[i].pat), &t, &err) || t.fast == NULL)
		{
			g.bad++;
			fprintf(stderr, "fast /%s/: no fast program\n", cases[i].pat);
			continue;
		}
		copy = malloc(len ? len : 1);
		memcpy(copy, cases[i].subj, len);
		if (EcmaFastMatch(t.fast, copy, len) != cases[i].match)
		{
			g.bad++;
			fprintf(stderr, "fast /%s/ on \"%s\": expected %s\n", cases[i].pat,
					cases[i].subj, cases[i].match ? "match" : "no match");
		}
		free(copy);
		EcmaTranslationFree(&t);
	}
	report(&g);
}

/*
 * The Glushkov automaton's DFA, built while it runs: patterns whose strings
 * visit more states than it keeps (a character 10 from the end: 1,024
 * states) continue on the sets mid-string, and a second run over the same
 * strings takes the cached transitions.  Strings over a, b and the 2-byte
 * "é" (stepped on the sets, not cached); the answers are computed here on
 * the code points.
 */
static void
run_dfa(void)
{
	static const char *const pats[] = {
		"^[ab\u00e9]*a[ab\u00e9]{9}$",	/* a 10th from the end */
		"a[ab\u00e9]{3}b",		/* a, then b 4 later, anywhere */
		"^(?:a|b|\u00e9)*b(?:a|\u00e9)$"	/* ends in b then a or é */
	};
	Group		g = {"dfa", 0, 0};
	unsigned	seed = 12345;
	int			k;

	for (k = 0; k < (int) (sizeof(pats) / sizeof(pats[0])); k++)
	{
		EcmaTranslation t;
		const char *err;
		int			pass;

		if (!EcmaRegexTranslate(pats[k], strlen(pats[k]), &t, &err) || t.fast == NULL)
		{
			g.total++;
			g.bad++;
			fprintf(stderr, "dfa /%s/: no fast program\n", pats[k]);
			continue;
		}
		for (pass = 0; pass < 2; pass++)
		{
			int			r;

			seed = 12345 + k;
			for (r = 0; r < 3000; r++)
			{
				char		cps[64];
				char		buf[128];
				int			n,
							len = 0,
							i;
				bool		want = false;

				seed = seed * 1103515245u + 12345u;
				n = (seed >> 16) % 48;
				for (i = 0; i < n; i++)
				{
					seed = seed * 1103515245u + 12345u;
					cps[i] = "aabbe"[(seed >> 16) % 5];
					if (cps[i] == 'e')
					{
						buf[len++] = (char) 0xc3;
						buf[len++] = (char) 0xa9;
					}
					else
						buf[len++] = cps[i];
				}
				if (k == 0)
					want = n >= 10 && cps[n - 10] == 'a';
				else if (k == 1)
				{
					for (i = 0; i + 4 < n && !want; i++)
						want = cps[i] == 'a' && cps[i + 4] == 'b';
				}
				else
					want = n >= 2 && cps[n - 2] == 'b' && cps[n - 1] != 'b';
				g.total++;
				{
					char	   *copy = malloc(len ? len : 1);

					memcpy(copy, buf, len);
					if (EcmaFastMatch(t.fast, copy, len) != want)
					{
						g.bad++;
						if (g.bad < 10)
							fprintf(stderr, "dfa /%s/ pass %d on \"%.*s\": expected %s\n", pats[k],
									pass, len, buf, want ? "match" : "no match");
					}
					free(copy);
				}
			}
		}
		EcmaTranslationFree(&t);
	}
	report(&g);
}

/* ---------------------------------------------------------------------
 * Differential corpus
 * ---------------------------------------------------------------------
 */
static const char *const corpus_patterns[] = {
	/* fast-path shapes */
	"^[A-Z]{3}$", "^[A-Z]{2}$", "[A-Z]{2}", "^\\d{4}-\\d{2}-\\d{2}$",
	"^[a-z0-9-]{1,8}$", "^a*a$", "^a{2,3}b?a$", "a+b", "^x?y*z{0,2}$",
	"x$", "^x", "^$", "", "^.$", "^..?$", "^\\s$", "^\\S+$", "^\\w\\W$",
	"^\\D$", "[^a]b", "^[^]$", "[]", "^[]*$", "^\\p{L}+$", "^\\p{Lu}\\p{Ll}*$",
	"^\\P{Nd}$", "\\p{digit}", "^[\\p{L}\\d_]{2}$", "^\\u{1F432}*$",
	"^\\uD83D\\uDC32$", "^[\\u00e0-\\u00ff]$", "^[\\s\\S]$", "^\\cC$",
	"^\\t$", "^[\\b]$", "^\\x41\\u0042$", "^[^\\n]$", "^-?\\d+$",
	"^\\p{ASCII}{2}$", "^\\P{Assigned}$",
	"^\\p{sc=Grek}+$", "^\\P{Script=Latin}$", "^\\p{sc=Beng}$", "^[\\p{sc=Zyyy}a]$",
	"^a{2}b{1,3}$", "^ab*$", "^a{300}$", "^.{2,300}$", "^[ab]{0,600}$", "^\\d+$",
	/* slow-path shapes */
	"^(a|b)+$", "^(?:ab|c)*$", "(a)\\1", "^(\\w)\\w\\1$", "\\bab\\b", "\\Ba",
	"a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b", "^(?:\\d{3}|x)$", "a|b|",
	"(?<n>a)\\k<n>", "^(a|ab)(c|bcd)$", "^[a-c]+?c$", "^(?:a?){3}a{3}$",
	"(a)|b", "^\\p{Letter}cole", "\\wcole", "[a-z]cole", "^\\d+$",
	"^\\p{digit}+$", "^a{0}$", "^(?:)$", "^(?:a|)+$",
	"^[ab]{0,600}c$", "(?:ab){256,}", "^(a){300}(b)\\2$", "a{256}", "^(?:a|b){2,400}$",
};

/* Characters every pattern's subjects are built from, besides its own. */
static const char *const extra_chars[] = {
	"a", "b", "Z", "0", "_", " ", "\n", "\r", "\t", "-",
	"\xc3\xa9",					/* e acute */
	"\xcf\x80",					/* pi */
	"\xe0\xa7\xaa",				/* Bengali digit four */
	"\xe2\x80\xa8",				/* LINE SEPARATOR */
	"\xe2\x80\x83",				/* EM SPACE */
	"\xef\xbb\xbf",				/* ZWNBSP */
	"\xf0\x9f\x90\xb2",			/* U+1F432 */
	"\xf0\x9f\x90\x89",			/* U+1F409 */
};

#define MAX_ALPHA 24

static void
hex_out(const char *s, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		printf("%02x", (unsigned char) s[i]);
}

static void
corpus_row(long id, const char *pat, const EcmaTranslation *t, const char *subj, size_t n)
{
	printf("%ld\t", id);
	hex_out(pat, strlen(pat));
	printf("\t%s\t", t->are);
	hex_out(subj, n);
	if (t->fast)
		printf("\t%d\n", EcmaFastMatch(t->fast, subj, n) ? 1 : 0);
	else
		printf("\t-\n");
}

/*
 * Random well-formed patterns over a small alphabet (a, b, digits), built
 * from pieces that exercise how constructs combine: groups, alternation,
 * quantifiers, lookaround, anchors, classes.  Those that translate join the
 * corpus.
 */
static const char *const random_pieces[] = {
	"a", "b", "1", ".", "\\d", "\\w", "\\s", "\\D", "[ab]", "[^a]", "[a-c1]", "\\b", "\\B",
	"^", "$", "\\p{L}", "\\P{L}", "[]", "[^]",
};
static const char *const random_quants[] = {"", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?"};

/*
 * With regular set, no lookaround, no \b and no inner anchors: the
 * patterns the fast path's Glushkov automaton takes.
 */
static int
random_pattern(unsigned *st, char *out, size_t cap, int depth, bool regular)
{
	size_t		len = 0;
	int			parts,
				k;

	*st = *st * 1103515245u + 12345u;
	parts = 1 + (*st >> 16) % 4;
	for (k = 0; k < parts; k++)
	{
		char		sub[256];
		const char *piece;
		const char *q;
		int			kind;

		*st = *st * 1103515245u + 12345u;
		kind = (*st >> 16) % 10;
		if (depth < 2 && kind >= 7)
		{
			static const char *const opens[] = {"(", "(?:", "(?=", "(?!", "(?<=", "(?<!"};
			char		inner[96];
			char		alt[96];
			const char *open;

			*st = *st * 1103515245u + 12345u;
			open = opens[(*st >> 16) % (regular ? 2 : 6)];
			random_pattern(st, inner, sizeof(inner), depth + 1, regular);
			*st = *st * 1103515245u + 12345u;
			if ((*st >> 16) % 3 == 0)
			{
				random_pattern(st, alt, sizeof(alt), depth + 1, regular);
				snprintf(sub, sizeof(sub), "%s%s|%s)", open, inner, alt);
			}
			else
				snprintf(sub, sizeof(sub), "%s%s)", open, inner);
			piece = sub;
			/* lookarounds take no quantifier */
			q = open[1] == '?' && open[2] != ':' ? "" : NULL;
		}
		else
		{
			do
			{
				*st = *st * 1103515245u + 12345u;
				piece = random_pieces[(*st >> 16) % (sizeof(random_pieces) / sizeof(random_pieces[0]))];
			} while (regular && (piece[0] == '^' || piece[0] == '$' ||
								 strcmp(piece, "\\b") == 0 || strcmp(piece, "\\B") == 0));
			q = (piece[0] == '^' || piece[0] == '$' || strcmp(piece, "\\b") == 0 ||
				 strcmp(piece, "\\B") == 0) ? "" : NULL;
		}
		if (q == NULL)
		{
			*st = *st * 1103515245u + 12345u;
			q = random_quants[(*st >> 16) % (sizeof(random_quants) / sizeof(random_quants[0]))];
		}
		if (len + strlen(piece) + strlen(q) + 1 >= cap)
			break;
		memcpy(out + len, piece, strlen(piece));
		len += strlen(piece);
		memcpy(out + len, q, strlen(q));
		len += strlen(q);
	}
	out[len] = '\0';
	return (int) len;
}

static int
run_corpus(int nrandom, unsigned seed)
{
	size_t		pi;
	long		id = 0;
	unsigned	st = seed;
	char		randpat[256];
	size_t		npatterns = sizeof(corpus_patterns) / sizeof(corpus_patterns[0]) + nrandom;

	for (pi = 0; pi < npatterns; pi++)
	{
		const char *pat;

		if (pi < sizeof(corpus_patterns) / sizeof(corpus_patterns[0]))
			pat = corpus_patterns[pi];
		else
		{
			EcmaTranslation probe;
			const char *e;
			int			tries;

			/* a random pattern that translates (most do) */
			for (tries = 0; tries < 100; tries++)
			{
				/* every other one regular, for the fast path's automaton */
				random_pattern(&st, randpat, sizeof(randpat), 0, pi % 2 == 0);
				if (EcmaRegexTranslate(randpat, strlen(randpat), &probe, &e))
				{
					EcmaTranslationFree(&probe);
					break;
				}
			}
			pat = randpat;
		}
		EcmaTranslation t;
		const char *err;
		char		alpha[MAX_ALPHA][8];
		int			na = 0,
					i,
					j,
					k,
					l;
		char		subj[4096];
		size_t		p;

		if (!EcmaRegexTranslate(pat, strlen(pat), &t, &err))
		{
			fprintf(stderr, "corpus pattern /%s/ does not translate: %s\n", pat, err);
			return 1;
		}
		/* the pattern's literal ASCII letters and digits, then the extras */
		for (p = 0; pat[p] && na < 8; p++)
		{
			char		c = pat[p];

			if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) &&
				(p == 0 || pat[p - 1] != '\\'))
			{
				bool		dup = false;

				for (i = 0; i < na; i++)
					if (alpha[i][0] == c && alpha[i][1] == '\0')
						dup = true;
				if (!dup)
				{
					alpha[na][0] = c;
					alpha[na][1] = '\0';
					na++;
				}
			}
		}
		for (i = 0; i < (int) (sizeof(extra_chars) / sizeof(extra_chars[0])) && na < MAX_ALPHA; i++)
			strcpy(alpha[na++], extra_chars[i]);
		/* random patterns: fewer subjects each, there are many patterns */
		if (pi >= sizeof(corpus_patterns) / sizeof(corpus_patterns[0]) && na > 10)
			na = 10;

		/* every string of length 0..3 over the first 12 characters */
		corpus_row(id++, pat, &t, "", 0);
		for (i = 0; i < na; i++)
		{
			p = 0;
			strcpy(subj, alpha[i]);
			corpus_row(id++, pat, &t, subj, strlen(subj));
			for (j = 0; j < na && j < 12; j++)
			{
				snprintf(subj, sizeof(subj), "%s%s", alpha[i], alpha[j]);
				corpus_row(id++, pat, &t, subj, strlen(subj));
				if (i >= 12)
					continue;
				for (k = 0; k < 8; k++)
				{
					snprintf(subj, sizeof(subj), "%s%s%s", alpha[i], alpha[j], alpha[k]);
					corpus_row(id++, pat, &t, subj, strlen(subj));
				}
			}
		}
		/*
		 * runs around ARE's 255 limit and the split bounds beyond it (for
		 * the chosen patterns only: random nestings of quantifiers would
		 * send node's backtracking engine into exponential time on them)
		 */
		if (pi < sizeof(corpus_patterns) / sizeof(corpus_patterns[0]))
		{
			static const int runs[] = {254, 255, 256, 299, 300, 301, 400, 401, 600, 601};
			int			r;

			for (r = 0; r < (int) (sizeof(runs) / sizeof(runs[0])); r++)
				for (k = 0; k < 3 && k < na; k++)
				{
					size_t		cl = strlen(alpha[k]);

					p = 0;
					for (i = 0; i < runs[r] && p + cl + 8 < sizeof(subj); i++)
					{
						memcpy(subj + p, alpha[k], cl);
						p += cl;
					}
					corpus_row(id++, pat, &t, subj, p);
					/* and followed by two of the next character */
					memcpy(subj + p, alpha[(k + 1) % na], strlen(alpha[(k + 1) % na]));
					p += strlen(alpha[(k + 1) % na]);
					memcpy(subj + p, alpha[(k + 1) % na], strlen(alpha[(k + 1) % na]));
					p += strlen(alpha[(k + 1) % na]);
					corpus_row(id++, pat, &t, subj, p);
				}
		}
		/* some longer strings made of the pattern's characters */
		for (l = 4; l <= 9; l++)
			for (k = 0; k < 6; k++)
			{
				p = 0;
				for (i = 0; i < l; i++)
				{
					const char *c = alpha[(i * 7 + k * 3 + l) % (na < 6 ? na : 6)];

					strcpy(subj + p, c);
					p += strlen(c);
				}
				corpus_row(id++, pat, &t, subj, p);
			}
		EcmaTranslationFree(&t);
	}
	return 0;
}

/*
 * Random patterns from an alphabet of regex syntax: for the syntax check's
 * differential test against node (regex_diff.py --syntax) and as a crash
 * fuzz of the parser, translator and fast path under ASan.  Deterministic
 * for a given seed.
 */
static int
run_fuzz(long n, unsigned seed)
{
	static const char *const atoms[] = {
		"(", ")", "[", "]", "{", "}", "|", "*", "+", "?", "^", "$", ".", "-", ",",
		"\\", "0", "1", "2", "3", "9", "a", "b", "x", "k", "<", ">", "=", "!", ":",
		"\\d", "\\w", "\\s", "\\b", "\\B", "\\p{L}", "\\P{Nd}", "\\p{Foo}",
		"\\u0041", "\\u{1F600}", "\\x4", "\\cA", "\\c", "\\k<a>", "(?<a>", "(?:",
		"(?=", "(?!", "(?<=", "(?<!", "{2}", "{1,3}", "{2,}", "\\1", "\\0", "\\/",
		"\\-", "\\]", "\xc3\xa9", "\xf0\x9f\x98\x80", "[^", "\\u{", "\\p{",
	};
	long		i;
	unsigned	st = seed;

	for (i = 0; i < n; i++)
	{
		char		pat[256];
		size_t		len = 0;
		int			k,
					parts;
		EcmaTranslation t;
		const char *err;
		bool		ok;

		st = st * 1103515245u + 12345u;
		parts = 1 + (st >> 16) % 8;
		for (k = 0; k < parts; k++)
		{
			const char *a;

			st = st * 1103515245u + 12345u;
			a = atoms[(st >> 16) % (sizeof(atoms) / sizeof(atoms[0]))];
			if (len + strlen(a) >= sizeof(pat))
				break;
			memcpy(pat + len, a, strlen(a));
			len += strlen(a);
		}
		ok = EcmaRegexCheckSyntax(pat, len, &err);
		if (EcmaRegexTranslate(pat, len, &t, &err))
		{
			if (!ok)
			{
				fprintf(stderr, "fuzz: translated but syntax check failed\n");
				return 1;
			}
			if (t.fast)
			{
				(void) EcmaFastMatch(t.fast, pat, len);
				(void) EcmaFastMatch(t.fast, "", 0);
			}
			EcmaTranslationFree(&t);
		}
		printf("%ld\t", i);
		hex_out(pat, len);
		printf("\t%d\n", ok ? 1 : 0);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--corpus") == 0)
		return run_corpus(argc > 2 ? atoi(argv[2]) : 0,
						  argc > 3 ? (unsigned) atol(argv[3]) : 12345);
	if (argc > 1 && strcmp(argv[1], "--fuzz") == 0)
		return run_fuzz(argc > 2 ? atol(argv[2]) : 20000,
						argc > 3 ? (unsigned) atol(argv[3]) : 1);
	run_tables();
	run_limits();
	run_fast();
	run_dfa();
	(void) checks;
	return failures ? 1 : 0;
}
