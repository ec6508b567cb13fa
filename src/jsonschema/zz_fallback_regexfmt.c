/*
 * zz_fallback_regexfmt.c
 *		THROWAWAY stand-in for regex.c and format.c (branch regexfmt) so the
 *		validator can be built and tested before they land.  Removed when
 *		they are merged.  Uses PostgreSQL's ARE engine; knows no format.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "catalog/pg_collation.h"
#include "regex/regex.h"
#include "utils/memutils.h"

#include "jsonschema/format.h"
#include "jsonschema/regex.h"

struct JsonSchemaRegex
{
	regex_t		re;
};

static void
free_regex(void *arg)
{
	pg_regfree(&((JsonSchemaRegex *) arg)->re);
}

JsonSchemaRegex *
JsonSchemaRegexCompile(const char *pattern, int len, MemoryContext cxt, char **errmsg)
{
	JsonSchemaRegex *r = MemoryContextAllocZero(cxt, sizeof(JsonSchemaRegex));
	pg_wchar   *w = palloc((len + 1) * sizeof(pg_wchar));
	int			wl = pg_mb2wchar_with_len(pattern, w, len);
	int			rc = pg_regcomp(&r->re, w, wl, REG_ADVANCED, C_COLLATION_OID);
	MemoryContextCallback *cb;

	if (rc != REG_OKAY)
	{
		char		buf[256];

		pg_regerror(rc, &r->re, buf, sizeof(buf));
		*errmsg = pstrdup(buf);
		return NULL;
	}
	cb = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));
	cb->func = free_regex;
	cb->arg = r;
	MemoryContextRegisterResetCallback(cxt, cb);
	return r;
}

bool
JsonSchemaRegexMatch(JsonSchemaRegex *r, const char *str, int len)
{
	pg_wchar   *w = palloc((len + 1) * sizeof(pg_wchar));
	int			wl = pg_mb2wchar_with_len(str, w, len);
	int			rc = pg_regexec(&r->re, w, wl, 0, NULL, 0, NULL, 0);

	pfree(w);
	return rc == REG_OKAY;
}

JsonSchemaFormatCheck
JsonSchemaFormatLookup(const char *name)
{
	return NULL;
}
