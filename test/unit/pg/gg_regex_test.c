/*
 * gg_regex_test.c
 *		SQL access to regex.c for the unit suite (test/suites/unit.sh).
 *
 * gg_test_regex(pattern, subject) -> int: compiles the pattern in a fresh
 *	memory context (deleted afterwards, which runs regex.c's release
 *	callback), and returns bit 0 = JsonSchemaRegexMatch, bit 1 = the ARE
 *	engine's answer even when a fast program exists, bit 2 = has a fast
 *	program.  An invalid pattern is an error with regex.c's message.
 * gg_test_regex_leak(pattern, subject, n) -> bigint: bytes of malloc arena
 *	still in use after n compile/match/delete cycles (after 50 warm-up
 *	cycles), minus before.
 * gg_test_regex_bench(pattern, subject, n, slow) -> float8: nanoseconds of
 *	CPU per match, over n matches of one compiled regex.
 */
#include "postgres.h"

#include <malloc.h>
#include <time.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "compat.h"
#include "jsonschema/regex.h"

PG_MODULE_MAGIC;

extern bool JsonSchemaRegexMatchSlow(JsonSchemaRegex *r, const char *str, int len);
extern bool JsonSchemaRegexHasFast(JsonSchemaRegex *r);

static JsonSchemaRegex *
compile_or_error(text *pat, MemoryContext cxt)
{
	char	   *err = NULL;
	JsonSchemaRegex *r = JsonSchemaRegexCompile(VARDATA_ANY(pat),
												VARSIZE_ANY_EXHDR(pat), cxt, &err);

	if (r == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid pattern: %s", err)));
	return r;
}

PG_FUNCTION_INFO_V1(gg_test_regex);
Datum
gg_test_regex(PG_FUNCTION_ARGS)
{
	text	   *pat = PG_GETARG_TEXT_PP(0);
	text	   *subj = PG_GETARG_TEXT_PP(1);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "gg regex test",
											  ALLOCSET_SMALL_SIZES);
	JsonSchemaRegex *r = compile_or_error(pat, cxt);
	int			res = 0;

	if (JsonSchemaRegexMatch(r, VARDATA_ANY(subj), VARSIZE_ANY_EXHDR(subj)))
		res |= 1;
	if (JsonSchemaRegexMatchSlow(r, VARDATA_ANY(subj), VARSIZE_ANY_EXHDR(subj)))
		res |= 2;
	if (JsonSchemaRegexHasFast(r))
		res |= 4;
	MemoryContextDelete(cxt);
	PG_RETURN_INT32(res);
}

PG_FUNCTION_INFO_V1(gg_test_regex_leak);
Datum
gg_test_regex_leak(PG_FUNCTION_ARGS)
{
	text	   *pat = PG_GETARG_TEXT_PP(0);
	text	   *subj = PG_GETARG_TEXT_PP(1);
	int32		n = PG_GETARG_INT32(2);
	struct mallinfo2 before,
				after;
	int32		i;

	/*
	 * Warm-up rounds first: the first compiles fill lasting caches, and
	 * glibc's per-size caches (tcache) hold freed chunks that mallinfo2
	 * still counts as in use.  A real leak grows with n; these do not.
	 */
	for (i = 0; i <= n + 50; i++)
	{
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "gg regex leak",
												  ALLOCSET_SMALL_SIZES);
		JsonSchemaRegex *r = compile_or_error(pat, cxt);

		(void) JsonSchemaRegexMatch(r, VARDATA_ANY(subj), VARSIZE_ANY_EXHDR(subj));
		(void) JsonSchemaRegexMatchSlow(r, VARDATA_ANY(subj), VARSIZE_ANY_EXHDR(subj));
		MemoryContextDelete(cxt);
		if (i == 50)
			before = mallinfo2();
		CHECK_FOR_INTERRUPTS();
	}
	after = mallinfo2();
	PG_RETURN_INT64((int64) after.uordblks - (int64) before.uordblks);
}

PG_FUNCTION_INFO_V1(gg_test_regex_bench);
Datum
gg_test_regex_bench(PG_FUNCTION_ARGS)
{
	text	   *pat = PG_GETARG_TEXT_PP(0);
	text	   *subj = PG_GETARG_TEXT_PP(1);
	int32		n = PG_GETARG_INT32(2);
	bool		slow = PG_GETARG_BOOL(3);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "gg regex bench",
											  ALLOCSET_SMALL_SIZES);
	JsonSchemaRegex *r = compile_or_error(pat, cxt);
	const char *s = VARDATA_ANY(subj);
	int			len = VARSIZE_ANY_EXHDR(subj);
	struct timespec t0,
				t1;
	volatile int hits = 0;
	int32		i;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < n; i++)
		hits += slow ? JsonSchemaRegexMatchSlow(r, s, len) : JsonSchemaRegexMatch(r, s, len);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	MemoryContextDelete(cxt);
	PG_RETURN_FLOAT8(((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (n > 0 ? n : 1));
}
