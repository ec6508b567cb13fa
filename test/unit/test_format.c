/*
 * test_format.c
 *		Unit test of the "format" checkers, outside a server.
 *
 *	test_format SUITE.tsv KNOWN_FAILURES
 *
 * SUITE.tsv comes from extract_format_tests.py (the official suite's
 * optional/format cases).  Every row is checked through
 * JsonSchemaFormatLookup; an unknown format must accept everything, as the
 * spec says.  A row named in KNOWN_FAILURES (one name per line, "#"
 * comments, the reason after the name) is expected to fail: if it passes
 * now, that is a FAIL too, so the list stays honest.  Then our own edge
 * cases run.  Prints "PASS name" / "FAIL name" lines, one per format and
 * draft and one per group of our own cases, for $GG_RESULTS; details of
 * every failure go to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define MAX_GROUPS 128

typedef struct Group
{
	char		name[128];
	int			total;
	int			passed;
	int			known;
	int			bad;
} Group;

static Group groups[MAX_GROUPS];
static int	ngroups;

static char **known;
static int	nknown;
static int *known_seen;

static Group *
group(const char *name)
{
	int			i;

	for (i = 0; i < ngroups; i++)
		if (strcmp(groups[i].name, name) == 0)
			return &groups[i];
	if (ngroups == MAX_GROUPS)
	{
		fprintf(stderr, "too many groups\n");
		exit(2);
	}
	snprintf(groups[ngroups].name, sizeof(groups[ngroups].name), "%s", name);
	return &groups[ngroups++];
}

static int
known_index(const char *name)
{
	int			i;

	for (i = 0; i < nknown; i++)
		if (strcmp(known[i], name) == 0)
			return i;
	return -1;
}

static void
load_known(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[1024];

	if (f == NULL)
	{
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f))
	{
		char	   *end;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		end = line + strcspn(line, " \t\n");
		*end = '\0';
		known = realloc(known, (nknown + 1) * sizeof(char *));
		known[nknown++] = strdup(line);
	}
	fclose(f);
	known_seen = calloc(nknown + 1, sizeof(int));
}

/* "draft2020-12/..." -> 2020, "draft7/..." -> 7; 2020 for our own cases */
static int
draft_of(const char *name)
{
	int			d;

	if (name == NULL || strncmp(name, "draft", 5) != 0)
		return 2020;
	d = atoi(name + 5);
	return d > 0 ? d : 2020;
}

static bool
run_check(const char *format, int draft, const char *s, size_t len)
{
	JsonSchemaFormatCheck check = JsonSchemaFormatLookupDraft(format, draft);
	char	   *copy;
	bool		r;

	if (check == NULL)
		return true;
	/* an exact-size heap copy, so a read past len is caught by ASan */
	copy = malloc(len ? len : 1);
	memcpy(copy, s, len);
	r = check(copy, len);
	free(copy);
	return r;
}

static int
unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c - 'a' + 10;
}

static void
run_suite(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char	   *line = NULL;
	size_t		cap = 0;

	if (f == NULL)
	{
		perror(path);
		exit(2);
	}
	while (getline(&line, &cap, f) > 0)
	{
		char	   *name = strtok(line, "\t");
		char	   *format = strtok(NULL, "\t");
		char	   *exp = strtok(NULL, "\t");
		char	   *hex = strtok(NULL, "\t\n");
		char		gname[160];
		char	   *data;
		size_t		n = 0,
					i;
		bool		expected,
					got;
		int			k;
		Group	   *g;

		if (name == NULL || format == NULL || exp == NULL)
			continue;
		if (hex == NULL)
			hex = "";
		data = malloc(strlen(hex) / 2 + 1);
		for (i = 0; hex[i] && hex[i + 1]; i += 2)
			data[n++] = (char) (unhex(hex[i]) * 16 + unhex(hex[i + 1]));
		expected = exp[0] == '1';
		got = run_check(format, draft_of(name), data, n);

		snprintf(gname, sizeof(gname), "format:%.*s:%s",
				 (int) strcspn(name, "/"), name, format);
		g = group(gname);
		g->total++;
		k = known_index(name);
		if (k >= 0)
		{
			known_seen[k] = 1;
			if (got == expected)
			{
				g->bad++;
				fprintf(stderr, "%s: listed as a known failure but passes now\n", name);
			}
			else
				g->known++;
		}
		else if (got == expected)
			g->passed++;
		else
		{
			g->bad++;
			fprintf(stderr, "%s (%s): expected %s, got %s: \"%.*s\"\n", name, format,
					expected ? "valid" : "invalid", got ? "valid" : "invalid",
					(int) (n > 100 ? 100 : n), data);
		}
		free(data);
	}
	free(line);
	fclose(f);
}

/* Our own cases: (format, string, expected). */
typedef struct OwnCase
{
	const char *group;
	const char *format;
	const char *s;
	int			len;			/* -1: strlen */
	bool		valid;
	int			draft;			/* 0: 2020 */
} OwnCase;

static const OwnCase own[] = {
	/* calendar */
	{"dates", "date", "2024-02-29", -1, true},
	{"dates", "date", "2023-02-29", -1, false},
	{"dates", "date", "2000-02-29", -1, true},
	{"dates", "date", "1900-02-29", -1, false},
	{"dates", "date", "2023-04-31", -1, false},
	{"dates", "date", "2023-04-30", -1, true},
	{"dates", "date", "2023-12-31", -1, true},
	{"dates", "date", "2023-13-01", -1, false},
	{"dates", "date", "2023-00-01", -1, false},
	{"dates", "date", "2023-01-00", -1, false},
	{"dates", "date", "0000-01-01", -1, true},
	{"dates", "date", "2023-01-01T", -1, false},
	{"dates", "date", "2023-01-0", -1, false},
	{"dates", "date-time", "2024-02-29T12:00:00Z", -1, true},
	{"dates", "date-time", "2023-02-29T12:00:00Z", -1, false},
	{"dates", "date-time", "2023-06-30T23:59:60Z", -1, true},
	{"dates", "date-time", "2023-06-30T23:59:60.5Z", -1, true},
	{"dates", "date-time", "2023-07-01T00:59:60+01:00", -1, true},
	{"dates", "date-time", "2023-06-30T23:59:60+00:01", -1, false},
	{"dates", "date-time", "2023-06-30 23:59:59Z", -1, false},
	{"dates", "date-time", "2023-06-30T23:59:59.Z", -1, false},
	{"dates", "date-time", "2023-06-30T23:59:59+0100", -1, false},
	{"dates", "date-time", "2023-06-30T23:59:59+01:00:00", -1, false},
	{"dates", "date-time", "2023-06-30T", -1, false},
	{"dates", "date-time", "2023-06-30T23:59:59", -1, false},
	{"dates", "time", "00:00:60+23:59", -1, false},
	{"dates", "time", "23:58:60-00:01", -1, true},
	{"dates", "time", "23:59:59.123456789012345678901234567890Z", -1, true},
	{"dates", "time", "23:59:59z", -1, true},
	{"dates", "time", "23:59:59", -1, false},
	/* durations */
	{"durations", "duration", "P1W", -1, true},
	{"durations", "duration", "PW", -1, false},
	{"durations", "duration", "P1Y1W", -1, false},
	{"durations", "duration", "P1DT", -1, false},
	{"durations", "duration", "PT1S1M", -1, false},
	{"durations", "duration", "P1YT1S", -1, true},
	{"durations", "duration", "P1YT1H", -1, true},
	{"durations", "duration", "P1Y1Y", -1, false},
	/* network */
	{"network", "ipv4", "0.0.0.0", -1, true},
	{"network", "ipv4", "255.255.255.255", -1, true},
	{"network", "ipv4", "256.0.0.0", -1, false},
	{"network", "ipv4", "1.2.3", -1, false},
	{"network", "ipv4", "1.2.3.4.", -1, false},
	{"network", "ipv4", "01.2.3.4", -1, false},
	{"network", "ipv4", "1.2.3.1000", -1, false},
	{"network", "ipv6", "::ffff:1.2.3.4", -1, true},
	{"network", "ipv6", "1:2:3:4:5:6:1.2.3.4", -1, true},
	{"network", "ipv6", "1:2:3:4:5:6:7:1.2.3.4", -1, false},
	{"network", "ipv6", "1:2:3:4:5:6:7::", -1, true},
	{"network", "ipv6", "1:2:3:4:5:6:7:8::", -1, false},
	{"network", "ipv6", "::1.2.3.4", -1, true},
	{"network", "ipv6", "1.2.3.4::", -1, false},
	{"network", "ipv6", ":", -1, false},
	{"network", "ipv6", ":::", -1, false},
	{"network", "hostname", "a", -1, true},
	{"network", "hostname", "a.b.c", -1, true},
	{"network", "hostname", "a..b", -1, false},
	{"network", "hostname", "xn--bcher-kva.example", -1, true},	/* buecher */
	{"network", "hostname", "XN--BCHER-KVA.example", -1, true},
	{"network", "hostname", "xn--ls8h", -1, false},	/* U+1F4A9: DISALLOWED */
	{"network", "idn-hostname", "b\xc3\xbc" "cher.example", -1, true},
	{"network", "idn-hostname", "B\xc3\xbc" "cher.example", -1, false},	/* upper case */
	{"network", "idn-hostname", "\xd7\x90\xd7\x91.example", -1, true},	/* Hebrew label */
	{"network", "idn-hostname", "\xd7\x90" "1.example", -1, true},	/* RTL, ends in EN */
	{"network", "idn-hostname", "1\xd7\x90.example", -1, false},	/* RTL, starts in EN */
	{"network", "hostname", "xn--", -1, false},
	{"network", "email", "a@b", -1, true},
	{"network", "email", "a@b.", -1, false},
	{"network", "email", "\"a\\\"b\"@example.com", -1, true},
	{"network", "email", "\"a\"b@example.com", -1, false},
	{"network", "email", "\"unterminated@example.com", -1, false},
	{"network", "email", "a@[IPv6:1::2:3]", -1, true},
	{"network", "email", "a@[IPv6:1::2::3]", -1, false},
	{"network", "email", "a@[]", -1, false},
	{"network", "uuid", "00000000-0000-0000-0000-000000000000", -1, true},
	{"network", "uuid", "0190C8E4-7B7A-7CCC-8C3F-1A2B3C4D5E6F", -1, true},
	{"network", "uuid", "0190c8e4-7b7a-7ccc-8c3f-1a2b3c4d5e6", -1, false},
	{"network", "uuid", "0190c8e47b7a7ccc8c3f1a2b3c4d5e6f", -1, false},
	{"network", "uuid", "{0190c8e4-7b7a-7ccc-8c3f-1a2b3c4d5e6f}", -1, false},
	/* uris and pointers */
	{"uris", "uri", "a:", -1, true},
	{"uris", "uri", "a:b#c#d", -1, false},
	{"uris", "uri", "http://[v7.x]/", -1, true},
	{"uris", "uri", "http://[v7.]/", -1, false},
	{"uris", "uri", "http://a:99999999999/", -1, true},
	{"uris", "uri", "http://[::1", -1, false},
	{"uris", "uri-reference", "%", -1, false},
	{"uris", "uri-reference", "a%2", -1, false},
	{"uris", "uri-template", "{", -1, false},
	{"uris", "uri-template", "}", -1, false},
	{"uris", "uri-template", "{a.}", -1, false},
	{"uris", "uri-template", "{.a}", -1, true},
	{"uris", "uri-template", "{a:9999}", -1, true},
	{"uris", "json-pointer", "/a~0b~1c", -1, true},
	{"uris", "json-pointer", "a", -1, false},
	{"uris", "json-pointer", "/~", -1, false},
	{"uris", "relative-json-pointer", "0", -1, true},
	{"uris", "relative-json-pointer", "0#/a", -1, false},
	/* index manipulation: draft-bhutton-relative-json-pointer-00 (2020-12 only) */
	{"uris", "relative-json-pointer", "0+1", -1, true},
	{"uris", "relative-json-pointer", "0+1/foo", -1, true},
	{"uris", "relative-json-pointer", "0-0", -1, true},
	{"uris", "relative-json-pointer", "1-2/bar", -1, true},
	{"uris", "relative-json-pointer", "1+10#", -1, true},
	{"uris", "relative-json-pointer", "0+01", -1, false},
	{"uris", "relative-json-pointer", "0+", -1, false},
	{"uris", "relative-json-pointer", "0+-1", -1, false},
	{"uris", "relative-json-pointer", "0+1+1", -1, false},
	{"draft2019-09", "relative-json-pointer", "0+1", -1, false, 2019},
	{"draft2019-09", "relative-json-pointer", "1-2/bar", -1, false, 2019},
	{"draft7", "relative-json-pointer", "0-0", -1, false, 7},
	/* RFC 5321 address literals: the tag is case-insensitive, Snum allows leading zeros */
	{"network", "email", "a@[ipv6:::1]", -1, true},
	{"network", "email", "a@[IpV6:1::2:3]", -1, true},
	{"network", "email", "user@[01.0.0.1]", -1, true},
	{"network", "email", "user@[001.002.003.004]", -1, true},
	{"network", "email", "user@[256.0.0.1]", -1, false},
	{"network", "email", "user@[0001.0.0.1]", -1, false},
	{"network", "email", "a@[IPv6:::ffff:01.2.3.4]", -1, true},
	{"network", "email", "a@[IPv7:::1]", -1, false},
	{"network", "idn-email", "\xc3\xa9@[ipv6:::1]", -1, true},
	{"network", "idn-email", "\xc3\xa9@[01.0.0.1]", -1, true},
	/* regex syntax */
	{"regex", "regex", "^[A-Z]{3}$", -1, true},
	{"regex", "regex", "(?<=a)b(?<!c)", -1, true},
	{"regex", "regex", "\\p{Script=Greek}", -1, true},
	{"regex", "regex", "\\p{Lu}\\P{Nd}", -1, true},
	{"regex", "regex", "\\p{NoSuchProperty}", -1, false},
	{"regex", "regex", "a{2,1}", -1, false},
	{"regex", "regex", "[z-a]", -1, false},
	{"regex", "regex", "\\1(a)", -1, true},
	{"regex", "regex", "(a)\\2", -1, false},
	{"regex", "regex", "\\u{10FFFF}", -1, true},
	{"regex", "regex", "\\u{110000}", -1, false},
	{"regex", "regex", "a{", -1, false},
	{"regex", "regex", "\\", -1, false},
	{"regex", "regex", "(", -1, false},
	{"regex", "regex", ")", -1, false},
	{"regex", "regex", "", -1, true},
	/* bytes that are not UTF-8, and embedded NULs: never valid, never a crash */
	{"bytes", "hostname", "ex\xffmple.com", -1, false},
	{"bytes", "idn-hostname", "ex\xffmple.com", -1, false},
	{"bytes", "idn-hostname", "\xc3", -1, false},
	{"bytes", "iri", "http://a/\xed\xa0\x80", -1, false},
	{"bytes", "regex", "a\xc3", -1, false},
	{"bytes", "regex", "\xe2\x82", -1, false},
	{"bytes", "uuid", "00000000-0000-0000-0000-00000000000\0", 36, false},
	{"bytes", "date", "2024-02-2\0", 10, false},
	{"bytes", "email", "a\0@b", 4, false},
	{"bytes", "json-pointer", "/a\0b", 4, true},
	/* hostname before draft 7: RFC 1123 without IDNA2008 */
	{"draft4", "hostname", "ab--cd.example", -1, true, 4},
	{"draft4", "hostname", "xn--ls8h", -1, true, 6},
	{"draft4", "hostname", "-ab.example", -1, false, 4},
	{"draft4", "hostname", "a_b.example", -1, false, 6},
	{"draft4", "hostname", "ab--cd.example", -1, false, 7},
	{"draft4", "ipv4", "1.2.3.4", -1, true, 4},
	/* unknown formats accept anything */
	{"unknown", "no-such-format", "anything", -1, true},
};

/* Long and pathological inputs: every checker must return, without reading past len. */
static void
run_stress(void)
{
	static const char *names[] = {
		"date", "date-time", "time", "duration", "email", "idn-email",
		"hostname", "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference",
		"iri", "iri-reference", "uri-template", "uuid", "regex",
		"json-pointer", "relative-json-pointer"
	};
	static const char *fill[] = {"a", "0", ":", ".", "(", "[", "{", "%", "\xc3\xa9", "\\", "xn--", "-", "~"};
	size_t		len = 1 << 20;
	char	   *buf = malloc(len);
	size_t		i,
				j,
				k;
	Group	   *g = group("stress:huge-inputs");

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		JsonSchemaFormatCheck check = JsonSchemaFormatLookup(names[i]);

		for (j = 0; j < sizeof(fill) / sizeof(fill[0]); j++)
		{
			size_t		fl = strlen(fill[j]);

			for (k = 0; k + fl <= len; k += fl)
				memcpy(buf + k, fill[j], fl);
			g->total++;
			if (check == NULL)
			{
				g->bad++;
				fprintf(stderr, "stress: format %s has no checker\n", names[i]);
				continue;
			}
			/* the answer does not matter here; returning does */
			(void) check(buf, k);
			/* and every prefix length near a boundary */
			(void) check(buf, 1);
			(void) check(buf, 63);
			(void) check(buf, 64);
			(void) check(buf, 254);
			g->passed++;
		}
	}
	free(buf);
}

/*
 * Random strings over an alphabet of every format's syntax characters, fed
 * to every checker in exact-size heap buffers: under ASan, any read past
 * the end or undefined behaviour fails the run.  Deterministic.
 */
static void
run_fuzz(long n)
{
	static const char *names[] = {
		"date", "date-time", "time", "duration", "email", "idn-email",
		"hostname", "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference",
		"iri", "iri-reference", "uri-template", "uuid", "regex",
		"json-pointer", "relative-json-pointer"
	};
	static const char *const atoms[] = {
		"0", "1", "9", "2024", "-", ":", ".", "T", "Z", "z", "+", "P", "Y", "M", "W", "D",
		"H", "S", "@", "\"", "\\", "[", "]", "(", ")", "{", "}", "%", "%4", "%41", "/",
		"?", "#", "~", "~0", "~1", "a", "x", "xn--", "IPv6:", "::", "ffff", "v1.",
		"http://", "*", ",", "\xc3\xa9", "\xd7\x90", "\xd9\xa0", "\xe2\x80\x8c",
		"\xe3\x80\x82", "\xf0\x9f\x98\x80", "\xff", "\xc3", "\0", " ",
	};
	unsigned	st = 42;
	long		i;
	Group	   *g = group("fuzz:random-inputs");

	for (i = 0; i < n; i++)
	{
		char		buf[512];
		size_t		len = 0;
		int			parts,
					k;
		size_t		f;

		st = st * 1103515245u + 12345u;
		parts = 1 + (st >> 16) % 24;
		for (k = 0; k < parts; k++)
		{
			const char *a;
			size_t		al;

			st = st * 1103515245u + 12345u;
			a = atoms[(st >> 16) % (sizeof(atoms) / sizeof(atoms[0]))];
			al = a[0] == '\0' ? 1 : strlen(a);
			if (len + al > sizeof(buf))
				break;
			memcpy(buf + len, a, al);
			len += al;
		}
		for (f = 0; f < sizeof(names) / sizeof(names[0]); f++)
			(void) run_check(names[f], (int) (st % 2 ? 2020 : 4), buf, len);
	}
	g->total++;
	g->passed++;
}

int
main(int argc, char **argv)
{
	size_t		i;
	int			k,
				failed = 0;

	if (argc != 3)
	{
		fprintf(stderr, "usage: %s SUITE.tsv KNOWN_FAILURES\n", argv[0]);
		return 2;
	}
	load_known(argv[2]);
	run_suite(argv[1]);
	for (k = 0; k < nknown; k++)
		if (!known_seen[k])
		{
			Group	   *g = group("format:known-failures-list");

			g->total++;
			g->bad++;
			fprintf(stderr, "%s: listed as a known failure but not in the suite\n", known[k]);
		}

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
	{
		char		gname[160];
		Group	   *g;
		size_t		len = own[i].len < 0 ? strlen(own[i].s) : (size_t) own[i].len;
		bool		got = run_check(own[i].format, own[i].draft ? own[i].draft : 2020, own[i].s, len);

		snprintf(gname, sizeof(gname), "format:own:%s", own[i].group);
		g = group(gname);
		g->total++;
		if (got == own[i].valid)
			g->passed++;
		else
		{
			g->bad++;
			fprintf(stderr, "own case %s \"%s\": expected %s\n", own[i].format, own[i].s,
					own[i].valid ? "valid" : "invalid");
		}
	}
	run_stress();
	run_fuzz(100000);

	for (k = 0; k < ngroups; k++)
	{
		Group	   *g = &groups[k];

		if (g->bad)
			failed++;
		printf("%s unit:%s (%d/%d passed%s%.0d%s)\n", g->bad ? "FAIL" : "PASS", g->name,
			   g->passed, g->total, g->known ? ", known failures: " : "",
			   g->known, "");
	}
	return failed ? 1 : 0;
}
