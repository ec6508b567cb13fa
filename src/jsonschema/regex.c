/*
 * regex.c
 *		ECMA-262 "pattern" regexes on top of PostgreSQL's ARE engine.
 *
 * ecma_regex.c parses the ECMA text and prints an equivalent ARE in which
 * every class is spelled out as code point ranges; we compile that with the
 * C collation, so the engine's locale-dependent classes never come into
 * play and the answer is the same in every database.  Simple patterns (a
 * sequence of characters or classes with bounded quantifiers, optionally
 * anchored) also get a "fast" program that matches UTF-8 directly; their
 * ARE is then compiled only on demand (never, outside the unit tests).
 *
 * Memory: up to PostgreSQL 15 the regex library allocates with malloc, from
 * 16 on with palloc in CurrentMemoryContext.  We compile inside the owning
 * context and free with pg_regfree from a reset callback on that context,
 * which is right for both: callbacks run before the context's memory is
 * released.  The fast program is malloc'd and freed by the same callback.
 *
 * Strings are decoded from UTF-8 to code points by our own decoder (the
 * same one the fast path uses), so both paths see the same characters.  A
 * database in another encoding has its text converted to UTF-8 first.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "regex/regex.h"
#include "utils/memutils.h"

#include "compat.h"
#include "jsonschema/ecma_regex.h"
#include "jsonschema/regex.h"

struct JsonSchemaRegex
{
	regex_t		re;
	bool		compiled;		/* re holds a compiled regex to free */
	EcmaFast   *fast;			/* malloc'd, or NULL */
	char	   *are;			/* the ARE text (ASCII), in cxt */
	int			are_len;
	MemoryContext cxt;			/* the owning context */
	MemoryContextCallback cb;
};

/* Subjects up to this many characters are decoded on the stack. */
#define STACK_WCHARS 256

static void
regex_release(void *arg)
{
	JsonSchemaRegex *r = (JsonSchemaRegex *) arg;

	if (r->compiled)
	{
		pg_regfree(&r->re);
		r->compiled = false;
	}
	if (r->fast)
	{
		EcmaFastFree(r->fast);
		r->fast = NULL;
	}
}

/*
 * Text of the database encoding as UTF-8 (the input itself when the
 * database is UTF-8).
 */
static const char *
to_utf8(const char *s, int len, int *outlen)
{
	char	   *conv;

	if (GetDatabaseEncoding() == PG_UTF8)
	{
		*outlen = len;
		return s;
	}
	conv = (char *) pg_do_encoding_conversion((unsigned char *) unconstify(char *, s),
											  len, GetDatabaseEncoding(), PG_UTF8);
	*outlen = conv == s ? len : (int) strlen(conv);
	return conv;
}

/*
 * Compile r's ARE into r->re, in its context.  Returns REG_OKAY or an error
 * code, with the engine's message in errbuf.
 */
static int
compile_are(JsonSchemaRegex *r, char *errbuf, size_t errlen)
{
	pg_wchar   *wpat;
	int			i,
				rc;
	MemoryContext old;

	/* The ARE is pure ASCII: widen it byte by byte. */
	wpat = (pg_wchar *) palloc((r->are_len + 1) * sizeof(pg_wchar));
	for (i = 0; i < r->are_len; i++)
		wpat[i] = (unsigned char) r->are[i];
	old = MemoryContextSwitchTo(r->cxt);
	rc = pg_regcomp(&r->re, wpat, r->are_len, REG_ADVANCED | REG_NOSUB, C_COLLATION_OID);
	MemoryContextSwitchTo(old);
	pfree(wpat);
	if (rc == REG_OKAY)
		r->compiled = true;
	else
	{
		if (gg_regex_cancelled(rc))
			CHECK_FOR_INTERRUPTS();
		pg_regerror(rc, &r->re, errbuf, errlen);
	}
	return rc;
}

/*
 * A pattern with a fast program never needs the ARE engine, so its ARE is
 * kept as text and compiled only if something asks for the engine (the unit
 * tests do): schema compilation stays cheap (a \p{L} class costs a few
 * hundred microseconds in the engine) and no malloc'd memory, which a
 * context's accounting does not see, is held for it.
 */
JsonSchemaRegex *
JsonSchemaRegexCompile(const char *pattern, int len, MemoryContext cxt,
					   char **errmsg)
{
	bool		unsupported;

	return JsonSchemaRegexCompileChecked(pattern, len, cxt, errmsg, &unsupported);
}

/*
 * The translator fails alike on a syntax error and on a construct it cannot
 * express; the syntax check (the "regex" format's) tells them apart, and
 * runs only on failure, so a pattern that compiles pays nothing for it.  A
 * translator that ran out of memory proves nothing about the pattern: that
 * stays a plain failure.  Once the ARE text exists the pattern is valid, so
 * an engine that refuses it (too complex) makes it unsupported too, unless
 * the engine ran out of memory.
 */
JsonSchemaRegex *
JsonSchemaRegexCompileChecked(const char *pattern, int len, MemoryContext cxt,
							  char **errmsg, bool *unsupported)
{
	return JsonSchemaRegexCompileMode(pattern, len, cxt, errmsg, unsupported, false);
}

/*
 * With annex_b, a pattern that the Unicode grammar refuses as a syntax
 * error is parsed again with the grammar of a pattern without the "u" flag
 * (ECMA-262 Annex B: "\&" and "\%" are identity escapes there).  A pattern
 * valid in Unicode mode never takes that path, so its meaning is the same
 * either way.
 */
JsonSchemaRegex *
JsonSchemaRegexCompileMode(const char *pattern, int len, MemoryContext cxt,
						   char **errmsg, bool *unsupported, bool annex_b)
{
	EcmaTranslation tr;
	const char *err = NULL;
	const char *upat;
	int			ulen;
	JsonSchemaRegex *r;
	char		buf[256];

	*unsupported = false;
	upat = to_utf8(pattern, len, &ulen);
	if (!EcmaRegexTranslate(upat, (size_t) ulen, &tr, &err))
	{
		const char *err2 = NULL;
		bool		oom = err != NULL && strcmp(err, "out of memory") == 0;
		bool		u_syntax = !oom && EcmaRegexCheckSyntax(upat, (size_t) ulen, NULL);

		if (!oom && !u_syntax && annex_b &&
			EcmaRegexTranslateMode(upat, (size_t) ulen, true, &tr, &err2))
			goto translated;
		if (err == NULL)
			err = "invalid pattern";
		*unsupported = u_syntax ||
			(!oom && annex_b && EcmaRegexCheckSyntaxMode(upat, (size_t) ulen, true, NULL));
		*errmsg = pstrdup(u_syntax || !annex_b || err2 == NULL ? err : err2);
		return NULL;
	}

translated:

	/*
	 * Take ownership of the malloc'd parts before anything can throw: the
	 * callback frees them with the context.
	 */
	r = (JsonSchemaRegex *) MemoryContextAllocZero(cxt, sizeof(JsonSchemaRegex));
	r->fast = tr.fast;
	tr.fast = NULL;
	r->cxt = cxt;
	r->cb.func = regex_release;
	r->cb.arg = r;
	MemoryContextRegisterResetCallback(cxt, &r->cb);
	r->are = MemoryContextAlloc(cxt, tr.are_len + 1);
	memcpy(r->are, tr.are, tr.are_len + 1);
	r->are_len = (int) tr.are_len;
	EcmaTranslationFree(&tr);

	if (r->fast == NULL)
	{
		int			rc = compile_are(r, buf, sizeof(buf));

		if (rc != REG_OKAY)
		{
			*errmsg = psprintf("pattern cannot be compiled: %s", buf);
			*unsupported = rc != REG_ESPACE;
			return NULL;
		}
	}
	return r;
}

/* The ARE engine on a UTF-8 string. */
static bool
regex_match_are(JsonSchemaRegex *r, const char *str, int ulen)
{
	pg_wchar	stackbuf[STACK_WCHARS];
	pg_wchar   *w = stackbuf;
	const unsigned char *s;
	size_t		n = 0,
				pos = 0;
	int			rc;

	if (!r->compiled)
	{
		char		buf[256];

		if (compile_are(r, buf, sizeof(buf)) != REG_OKAY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
					 errmsg("could not compile a pattern: %s", buf),
					 errdetail("The pattern has a fast matcher; only its regular expression engine form failed.")));
	}
	stackbuf[0] = 0;			/* an empty subject is still an array */
	/* at most one character per byte */
	if (ulen > STACK_WCHARS)
		w = (pg_wchar *) palloc(ulen * sizeof(pg_wchar));
	s = (const unsigned char *) str;
	while (pos < (size_t) ulen)
	{
		uint32_t	cp;

		pos += EcmaUtf8Decode(s + pos, ulen - pos, &cp);
		w[n++] = cp;
	}

	rc = pg_regexec(&r->re, w, n, 0, NULL, 0, NULL, 0);
	if (w != stackbuf)
		pfree(w);
	if (rc == REG_OKAY)
		return true;
	if (rc == REG_NOMATCH)
		return false;
	if (gg_regex_cancelled(rc))
		CHECK_FOR_INTERRUPTS();
	{
		char		buf[256];

		pg_regerror(rc, &r->re, buf, sizeof(buf));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("could not match a pattern: %s", buf),
				 errdetail("The regular expression engine gave up on this string.")));
	}
	return false;				/* not reached */
}

bool
JsonSchemaRegexMatch(JsonSchemaRegex *r, const char *str, int len)
{
	int			ulen;

	str = to_utf8(str, len, &ulen);
	if (r->fast)
		return EcmaFastMatch(r->fast, str, (size_t) ulen);
	return regex_match_are(r, str, ulen);
}

#ifdef GG_REGEX_TESTING
/*
 * For test/unit/pg only: the ARE engine even when a fast program exists, so
 * the two can be compared inside a server; and whether there is one.
 */
extern bool JsonSchemaRegexMatchSlow(JsonSchemaRegex *r, const char *str, int len);
extern bool JsonSchemaRegexHasFast(JsonSchemaRegex *r);

bool
JsonSchemaRegexMatchSlow(JsonSchemaRegex *r, const char *str, int len)
{
	int			ulen;

	str = to_utf8(str, len, &ulen);
	return regex_match_are(r, str, ulen);
}

bool
JsonSchemaRegexHasFast(JsonSchemaRegex *r)
{
	return r->fast != NULL;
}
#endif
