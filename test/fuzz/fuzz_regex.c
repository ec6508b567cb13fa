/*
 * fuzz_regex.c
 *		libFuzzer target: the ECMA-262 pattern parser, translator and fast
 *		matcher of src/jsonschema/ecma_regex.c.
 *
 * Input: a pattern, then optionally a NUL byte and a subject string.  The
 * pattern is syntax-checked and translated; the two must agree (a pattern
 * that translates is syntactically valid), a translation must be a
 * NUL-terminated ARE of the length it claims, and when a fast program was
 * built it is run on the subject.  Pattern and subject are copied into
 * buffers of exactly their size so that ASan sees a read past either end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecma_regex.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
dup_exact(const uint8_t *p, size_t n)
{
	char	   *c = malloc(n ? n : 1);

	if (c != NULL)
		memcpy(c, p, n);
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t		plen = nul ? (size_t) (nul - data) : size;
	size_t		slen = nul ? size - plen - 1 : 0;
	char	   *pattern = dup_exact(data, plen);
	char	   *subject = dup_exact(nul ? nul + 1 : data, slen);
	const char *err = NULL;
	bool		syntax_ok;
	EcmaTranslation t;

	if (pattern == NULL || subject == NULL)
		goto done;

	syntax_ok = EcmaRegexCheckSyntax(pattern, plen, &err);
	if (!syntax_ok && err == NULL)
		abort();				/* a refusal always says why */

	memset(&t, 0, sizeof(t));
	err = NULL;
	if (EcmaRegexTranslate(pattern, plen, &t, &err))
	{
		if (!syntax_ok)
			abort();			/* translated what the checker rejects */
		if (t.are == NULL || strlen(t.are) != t.are_len || t.ncaptures < 0)
			abort();
		if (t.fast != NULL)
			(void) EcmaFastMatch(t.fast, subject, slen);
		EcmaTranslationFree(&t);
	}
	else if (err == NULL)
		abort();

	/*
	 * The grammar without the "u" flag (drafts before 2020-12): the same
	 * promises, and it accepts everything the Unicode grammar accepts.
	 */
	{
		bool		legacy_ok;

		err = NULL;
		legacy_ok = EcmaRegexCheckSyntaxMode(pattern, plen, true, &err);
		if (!legacy_ok && err == NULL)
			abort();
		if (syntax_ok && !legacy_ok)
			abort();
		memset(&t, 0, sizeof(t));
		err = NULL;
		if (EcmaRegexTranslateMode(pattern, plen, true, &t, &err))
		{
			if (!legacy_ok)
				abort();
			if (t.are == NULL || strlen(t.are) != t.are_len || t.ncaptures < 0)
				abort();
			if (t.fast != NULL)
				(void) EcmaFastMatch(t.fast, subject, slen);
			EcmaTranslationFree(&t);
		}
		else if (err == NULL)
			abort();
	}

done:
	free(pattern);
	free(subject);
	return 0;
}
