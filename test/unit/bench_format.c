/*
 * bench_format.c
 *		CPU time per call of the format checkers and of the regex fast path,
 *		outside a server.  A benchmark, not a test: prints numbers only.
 *
 *	bench_format [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecma_regex.h"
#include "format.h"

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int
main(int argc, char **argv)
{
	static const struct
	{
		const char *format;
		const char *s;
	}			cases[] = {
		{"uuid", "0190c8e4-7b7a-7ccc-8c3f-1a2b3c4d5e6f"},
		{"date-time", "2026-11-27T04:55:00.123Z"},
		{"date", "2026-11-27"},
		{"email", "joe.bloggs@example.com"},
		{"hostname", "api.payments.example.com"},
		{"ipv4", "192.168.100.200"},
		{"ipv6", "2001:db8:85a3::8a2e:370:7334"},
		{"uri", "https://example.com/a/b?c=d#e"},
		{"duration", "P1Y2M3DT4H5M6S"},
		{"regex", "^[A-Z]{3}$"},
	};
	static const struct
	{
		const char *pat;
		const char *s;
	}			rx[] = {
		{"^[A-Z]{3}$", "USD"},
		{"^[A-Z]{2}$", "VN"},
		{"^[a-z]+(?:\\.[a-z]+)+$", NULL},	/* no fast program: listed for the record */
		{"^\\d{4}-\\d{2}-\\d{2}$", "2026-11-27"},
		{"^\\p{L}+$", "\xc3\xa9t\xc3\xa9"},
	};
	long		n = argc > 1 ? atol(argv[1]) : 2000000;
	size_t		i;
	volatile int sink = 0;

	printf("%-12s %-40s %10s\n", "format", "input", "ns/call");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		JsonSchemaFormatCheck check = JsonSchemaFormatLookup(cases[i].format);
		size_t		len = strlen(cases[i].s);
		double		t0,
					t1;
		long		k;

		t0 = now_ns();
		for (k = 0; k < n; k++)
			sink += check(cases[i].s, len);
		t1 = now_ns();
		printf("%-12s %-40s %10.1f\n", cases[i].format, cases[i].s, (t1 - t0) / n);
	}
	printf("\n%-30s %-20s %10s\n", "fast-path pattern", "input", "ns/call");
	for (i = 0; i < sizeof(rx) / sizeof(rx[0]); i++)
	{
		EcmaTranslation t;
		const char *err;
		double		t0,
					t1;
		long		k;
		size_t		len;

		if (rx[i].s == NULL || !EcmaRegexTranslate(rx[i].pat, strlen(rx[i].pat), &t, &err) ||
			t.fast == NULL)
			continue;
		len = strlen(rx[i].s);
		t0 = now_ns();
		for (k = 0; k < n; k++)
			sink += EcmaFastMatch(t.fast, rx[i].s, len);
		t1 = now_ns();
		printf("%-30s %-20s %10.1f\n", rx[i].pat, rx[i].s, (t1 - t0) / n);
		EcmaTranslationFree(&t);
	}
	return sink == -1;
}
