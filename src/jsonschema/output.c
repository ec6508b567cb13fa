/*
 * output.c
 *		Validation errors as the spec's "basic" output units (jsonb) and as
 *		errdetail text.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "jsonschema/jsonschema_int.h"

static void
push_string_pair(JsonbParseState **st, const char *key, const char *value)
{
	JsonbValue	k,
				v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v.type = jbvString;
	v.val.string.val = (char *) value;
	v.val.string.len = strlen(value);
	(void) pushJsonbValue(st, WJB_KEY, &k);
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

Jsonb *
JsonSchemaErrorsToJsonb(List *errors)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	ListCell   *lc;

	(void) pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	foreach(lc, errors)
	{
		JsonSchemaError *e = lfirst(lc);

		(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		push_string_pair(&st, "keywordLocation", e->keywordLocation);
		if (e->absoluteKeywordLocation)
			push_string_pair(&st, "absoluteKeywordLocation", e->absoluteKeywordLocation);
		push_string_pair(&st, "instanceLocation", e->instanceLocation);
		push_string_pair(&st, "error", e->message);
		(void) pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	res = pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	return JsonbValueToJsonb(res);
}

void
JsonSchemaErrorsToDetail(List *errors, StringInfo buf, int max_errors)
{
	ListCell   *lc;
	int			n = 0;
	int			total = list_length(errors);

	foreach(lc, errors)
	{
		JsonSchemaError *e = lfirst(lc);

		if (max_errors > 0 && n >= max_errors)
			break;
		if (n > 0)
			appendStringInfoString(buf, "  ");
		appendStringInfo(buf, "%s: %s.",
						 e->instanceLocation[0] ? e->instanceLocation : "(root)",
						 e->message);
		n++;
	}
	if (n < total)
		appendStringInfo(buf, "  And %d more.", total - n);
}
