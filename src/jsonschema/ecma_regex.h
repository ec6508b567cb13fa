/*
 * ecma_regex.h
 *		ECMA-262 pattern parser, translator to PostgreSQL ARE syntax, and a
 *		fast matcher for simple patterns.
 *
 * Pure C (malloc, no PostgreSQL headers) so the unit tests and fuzzers can
 * link it without a server.  regex.c wraps it for the validator; format.c
 * uses the syntax check for the "regex" format.
 */
#ifndef GOODGO_ECMA_REGEX_H
#define GOODGO_ECMA_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fast matcher's program; opaque. */
typedef struct EcmaFast EcmaFast;

typedef struct EcmaTranslation
{
	char	   *are;			/* malloc'd ASCII ARE pattern, NUL-terminated */
	size_t		are_len;
	int			ncaptures;		/* capturing groups in the ARE */
	bool		has_backrefs;
	EcmaFast   *fast;			/* malloc'd, or NULL when not simple */
} EcmaTranslation;

/*
 * Is the UTF-8 text a valid ECMA-262 pattern (Unicode mode, no flags)?  On
 * failure *errmsg (may be NULL) gets a static lower-case phrase.
 */
extern bool EcmaRegexCheckSyntax(const char *pattern, size_t len,
								 const char **errmsg);

/*
 * Parse and translate.  Returns false with *errmsg set (static text) on a
 * syntax error or a construct the ARE engine cannot express faithfully; then
 * *out holds nothing to free.  On success free *out with
 * EcmaTranslationFree().
 */
extern bool EcmaRegexTranslate(const char *pattern, size_t len,
							   EcmaTranslation *out, const char **errmsg);
extern void EcmaTranslationFree(EcmaTranslation *t);

/*
 * The same with the grammar of a pattern without the "u" flag when annex_b
 * (ECMA-262 Annex B.1.2): identity escapes of any character but "c" ("\&",
 * "\%"), lone "{", "}" and "]" as literals, "\c" before a non-letter as a
 * backslash.  Matching keeps code point semantics, and "\p{..}" keeps its
 * Unicode property meaning.  For patterns of drafts before 2020-12 that the
 * Unicode grammar refuses.
 */
extern bool EcmaRegexCheckSyntaxMode(const char *pattern, size_t len, bool annex_b,
									 const char **errmsg);
extern bool EcmaRegexTranslateMode(const char *pattern, size_t len, bool annex_b,
								   EcmaTranslation *out, const char **errmsg);

/* Fast path: unanchored test of a UTF-8 string, as RegExp.test would. */
extern bool EcmaFastMatch(const EcmaFast *fast, const char *s, size_t len);
extern void EcmaFastFree(EcmaFast *fast);

/*
 * Decode one UTF-8 sequence at s (n > 0 bytes available) into *cp and
 * return its length.  An invalid or truncated sequence yields U+FFFD and
 * length 1, so callers always progress and never read past s + n.
 */
extern int	EcmaUtf8Decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Is the code point a combining mark (General_Category Mn, Mc or Me)? */
extern bool EcmaUnicodeIsMark(uint32_t cp);

#endif							/* GOODGO_ECMA_REGEX_H */
