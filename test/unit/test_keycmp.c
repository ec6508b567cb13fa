/*
 * test_keycmp.c
 *		Unit test of js_key_cmp() (jsonschema_int.h), the key order the
 *		validator's merge of instance keys with "properties" and "required"
 *		relies on: jsonb's order, by length and then bytes as unsigned.
 *
 * Keys of every length up to 40 from a small alphabet (so that most pairs
 * of equal length share long prefixes and differ in any one byte, including
 * bytes above 0x7f) are compared with the reference order.  Each key lives
 * in a buffer of exactly its length: under AddressSanitizer, a word load
 * that strays past either key fails the test.  Prints one PASS or FAIL line.
 */
#include "postgres.h"

#include "jsonschema/jsonschema_int.h"

/* plain stdio: the program links no libpgport */
#undef printf
#undef fprintf

static int
reference(const char *a, int alen, const char *b, int blen)
{
	int			c;

	if (alen != blen)
		return alen < blen ? -1 : 1;
	c = memcmp(a, b, alen);
	return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

static char *
key(int len, unsigned *seed)
{
	static const unsigned char alphabet[] = {'a', 'b', 0x7f, 0x80, 0xff};
	char	   *k = malloc(len > 0 ? len : 1);
	int			i;

	for (i = 0; i < len; i++)
	{
		*seed = *seed * 1103515245u + 12345u;
		/* mostly 'a': long common prefixes */
		k[i] = (*seed >> 16) % 4 ? 'a' : alphabet[(*seed >> 8) % sizeof(alphabet)];
	}
	return k;
}

int
main(void)
{
	unsigned	seed = 20261202;
	long		checks = 0;
	long		bad = 0;
	int			round;

	for (round = 0; round < 200000; round++)
	{
		int			alen;
		int			blen;
		char	   *a,
				   *b;
		int			got,
					want;

		seed = seed * 1103515245u + 12345u;
		alen = (seed >> 16) % 41;
		/* mostly equal lengths: those compare bytes */
		blen = (seed >> 8) % 8 ? alen : (int) ((seed >> 3) % 41);
		a = key(alen, &seed);
		if (round % 3 == 0)
		{
			/* b equal to a but for at most one byte */
			b = malloc(blen > 0 ? blen : 1);
			memcpy(b, a, Min(alen, blen));
			if (blen > alen)
				memset(b + alen, 'a', blen - alen);
			if (blen > 0 && round % 2)
				b[(seed >> 12) % blen] ^= (char) (1 + (seed >> 20) % 255);
		}
		else
			b = key(blen, &seed);
		got = js_key_cmp(a, alen, b, blen);
		want = reference(a, alen, b, blen);
		checks++;
		if (got != want)
		{
			if (bad++ < 10)
				fprintf(stderr, "js_key_cmp: lengths %d/%d: got %d, want %d\n", alen, blen, got, want);
		}
		free(a);
		free(b);
	}
	printf("%s unit:keycmp:order (%ld comparisons, %ld wrong)\n", bad ? "FAIL" : "PASS", checks, bad);
	return bad ? 1 : 0;
}
