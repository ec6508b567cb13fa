/*
 * envelope.c
 *		The event envelope (version 1) check: the check function of the
 *		domain goodgo_events.event_envelope, envelope_errors(), and
 *		EnvelopeFindings/EnvelopeCheck for the outbox trigger.
 *
 * The envelope is small and fixed, so it is checked by hand rather than by
 * running the generic JSON Schema validator over schemas/envelope.schema.json:
 * seven key lookups in the jsonb object (binary search, no copying, no
 * allocation when the envelope is valid) and a few byte loops.  To stay
 * provably equal to the schema, the checks are written as a table that
 * mirrors it keyword by keyword (envelope_keys below), and each finding
 * carries the keywordLocation the generic validator would report for the
 * same failure:
 *
 *	/type								the envelope is not an object
 *	/required							a key is missing (one finding per key)
 *	/properties/<key>/type				a value of the wrong JSON type
 *	/properties/<key>/<keyword>			const, pattern, format or minLength
 *	/additionalProperties				a key that is not one of the seven
 *
 * As in JSON Schema, a keyword that only constrains strings (pattern,
 * format, minLength) says nothing about a value of another type, so a number
 * where a string belongs gives one finding (type), while "const" applies to
 * every type.  test/suites/envelope_reference.sh runs a named corpus and a
 * random batch through this code, python jsonschema and the generic
 * validator (jsonschema_is_valid, jsonschema_errors) and shows that they
 * agree, verdict and findings.
 *
 * The date-time rule of occurredAt is the "format" checker of the JSON
 * Schema library (jsonschema/format.h), so RFC 3339 is parsed in one place
 * only; the "pattern" rule adds what the envelope asks beyond RFC 3339: UTC
 * written as "Z", an upper-case "T", no offset.
 *
 * Messages name what was expected and never echo the value.  The only part
 * of the input that can appear in a finding is the name of an unknown key,
 * inside its JSON Pointer, and errdetail shortens long pointers.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "compat.h"
#include "envelope.h"
#include "jsonschema/format.h"
#include "jsonschema/jsonschema.h"

/* errdetail lists this many findings, then says how many more there are */
#define ENVELOPE_DETAIL_MAX_FINDINGS	10

/* ... and shortens a JSON Pointer longer than this many bytes */
#define ENVELOPE_DETAIL_MAX_POINTER		64

/* JSON types an envelope key can require */
typedef enum EnvelopeType
{
	ENVELOPE_INTEGER,
	ENVELOPE_STRING,
	ENVELOPE_OBJECT
} EnvelopeType;

static const char *const envelope_type_names[] = {
	[ENVELOPE_INTEGER] = "integer",
	[ENVELOPE_STRING] = "string",
	[ENVELOPE_OBJECT] = "object"
};

/* Does the value pass one keyword of its key's subschema? */
typedef bool (*EnvelopeTest) (const JsonbValue *v);

typedef struct EnvelopeRule
{
	const char *keyword;		/* JSON Schema keyword it implements */
	bool		any_type;		/* applies to every JSON type (const), not
								 * only to the key's own type */
	EnvelopeTest test;
	const char *message;		/* what was expected, never the value */
} EnvelopeRule;

#define ENVELOPE_MAX_RULES 2

typedef struct EnvelopeKey
{
	const char *name;
	EnvelopeType type;
	int			nrules;
	EnvelopeRule rules[ENVELOPE_MAX_RULES];
} EnvelopeKey;

static bool is_one(const JsonbValue *v);
static bool is_uuid_v7(const JsonbValue *v);
static bool is_event_type(const JsonbValue *v);
static bool is_date_time(const JsonbValue *v);
static bool is_utc_form(const JsonbValue *v);
static bool is_non_empty(const JsonbValue *v);
static bool is_trace_id(const JsonbValue *v);

/*
 * The envelope v1, as schemas/envelope.schema.json states it: keys in the
 * order of its "required" list, rules in the order of each subschema.
 */
static const EnvelopeKey envelope_keys[] = {
	{"schemaVersion", ENVELOPE_INTEGER, 1, {
			{"const", true, is_one,
			"must be equal to 1, the only envelope version this release knows"}}},
	{"eventId", ENVELOPE_STRING, 1, {
			{"pattern", false, is_uuid_v7,
			"must be a UUIDv7 in canonical lowercase form"}}},
	{"eventType", ENVELOPE_STRING, 1, {
			{"pattern", false, is_event_type,
			"must be a dotted lowercase name of at least two parts, such as payment.completed"}}},
	{"occurredAt", ENVELOPE_STRING, 2, {
			{"format", false, is_date_time,
			"must be an RFC 3339 date-time"},
			{"pattern", false, is_utc_form,
			"must be in UTC, written YYYY-MM-DDThh:mm:ss[.fraction]Z"}}},
	{"producer", ENVELOPE_STRING, 1, {
			{"minLength", false, is_non_empty,
			"must not be empty"}}},
	{"traceId", ENVELOPE_STRING, 1, {
			{"pattern", false, is_trace_id,
			"must be 32 lowercase hexadecimal digits"}}},
	{"payload", ENVELOPE_OBJECT, 0, {{0}}}
};

#define ENVELOPE_NKEYS lengthof(envelope_keys)

/* looked up once per backend */
static JsonSchemaFormatCheck date_time_check = NULL;
static Numeric numeric_one = NULL;

static inline bool
is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* "const": 1.  JSON Schema compares numbers by value, so 1.0 is 1 too. */
static bool
is_one(const JsonbValue *v)
{
	if (v->type != jbvNumeric)
		return false;
	if (numeric_one == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		numeric_one = int64_to_numeric(1);
		MemoryContextSwitchTo(old);
	}
	return DatumGetBool(DirectFunctionCall2(numeric_eq,
											NumericGetDatum(v->val.numeric),
											NumericGetDatum(numeric_one)));
}

/*
 * "type": "integer": any number without a fractional part (JSON Schema
 * 2020-12 counts 1.0 as an integer).  jsonb holds no NaN or infinity.
 */
static bool
is_integer(const JsonbValue *v)
{
	if (v->type != jbvNumeric)
		return false;
	return DatumGetInt32(DirectFunctionCall1(numeric_min_scale,
											 NumericGetDatum(v->val.numeric))) == 0;
}

/* ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ */
static bool
is_uuid_v7(const JsonbValue *v)
{
	const char *s = v->val.string.val;
	int			i;

	if (v->val.string.len != 36)
		return false;
	for (i = 0; i < 36; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
		}
		else if (!is_lower_hex(s[i]))
			return false;
	}
	/* version nibble 7, variant bits 10 */
	return s[14] == '7' && (s[19] == '8' || s[19] == '9' ||
							s[19] == 'a' || s[19] == 'b');
}

/* ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$ */
static bool
is_event_type(const JsonbValue *v)
{
	const char *s = v->val.string.val;
	int			len = v->val.string.len;
	int			parts = 0;
	int			i = 0;

	while (i < len)
	{
		/* a part starts with a letter */
		if (!is_lower(s[i]))
			return false;
		for (i++; i < len && s[i] != '.'; i++)
		{
			if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_')
				return false;
		}
		parts++;
		/* a dot must be followed by another part */
		if (i < len)
		{
			i++;
			if (i == len)
				return false;
		}
	}
	return parts >= 2;
}

/* "format": "date-time", by the JSON Schema library's checker */
static bool
is_date_time(const JsonbValue *v)
{
	if (date_time_check == NULL)
	{
		date_time_check = JsonSchemaFormatLookup("date-time");
		if (date_time_check == NULL)
			elog(ERROR, "no checker for the date-time format");
	}
	return date_time_check(v->val.string.val, (size_t) v->val.string.len);
}

/*
 * ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$
 *
 * Only the shape: whether the fields make a real date and time is the
 * date-time format's business.
 */
static bool
is_utc_form(const JsonbValue *v)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	const char *s = v->val.string.val;
	int			len = v->val.string.len;
	int			i;

	if (len < 20)
		return false;
	for (i = 0; i < 19; i++)
	{
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return false;
	}
	if (s[len - 1] != 'Z')
		return false;
	if (len == 20)
		return true;
	/* a fraction: a dot and at least one digit before the Z */
	if (s[19] != '.' || len < 22)
		return false;
	for (i = 20; i < len - 1; i++)
	{
		if (!is_digit(s[i]))
			return false;
	}
	return true;
}

/* "minLength": 1.  Any character is at least one byte, so bytes will do. */
static bool
is_non_empty(const JsonbValue *v)
{
	return v->val.string.len > 0;
}

/* ^[0-9a-f]{32}$ */
static bool
is_trace_id(const JsonbValue *v)
{
	int			i;

	if (v->val.string.len != 32)
		return false;
	for (i = 0; i < 32; i++)
	{
		if (!is_lower_hex(v->val.string.val[i]))
			return false;
	}
	return true;
}

static bool
has_type(const JsonbValue *v, EnvelopeType type)
{
	switch (type)
	{
		case ENVELOPE_INTEGER:
			return is_integer(v);
		case ENVELOPE_STRING:
			return v->type == jbvString;
		case ENVELOPE_OBJECT:
			return v->type == jbvBinary &&
				JsonContainerIsObject(v->val.binary.data);
	}
	return false;					/* keep compiler quiet */
}

static void
add_finding(List **findings, char *keyword_location,
			char *instance_location, char *message)
{
	JsonSchemaError *e = palloc(sizeof(JsonSchemaError));

	e->keywordLocation = keyword_location;
	e->absoluteKeywordLocation = NULL;
	e->instanceLocation = instance_location;
	e->message = message;
	*findings = lappend(*findings, e);
}

/* "/" followed by the key as a JSON Pointer token (RFC 6901: ~ and / escaped) */
static char *
pointer_to_key(const char *key, int len)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '/');
	for (i = 0; i < len; i++)
	{
		if (key[i] == '~')
			appendStringInfoString(&buf, "~0");
		else if (key[i] == '/')
			appendStringInfoString(&buf, "~1");
		else
			appendStringInfoChar(&buf, key[i]);
	}
	return buf.data;
}

static bool
is_envelope_key(const char *key, int len)
{
	int			i;

	for (i = 0; i < (int) ENVELOPE_NKEYS; i++)
	{
		if (strlen(envelope_keys[i].name) == (size_t) len &&
			memcmp(envelope_keys[i].name, key, len) == 0)
			return true;
	}
	return false;
}

/*
 * Check one envelope.  With findings == NULL, stop at the first failure and
 * allocate nothing (the domain's and the trigger's path for valid events);
 * otherwise append every finding to *findings.  Returns whether it is valid.
 */
static bool
envelope_evaluate(Jsonb *envelope, List **findings)
{
	JsonbContainer *root = &envelope->root;
	JsonbValue	values[ENVELOPE_NKEYS];
	bool		present[ENVELOPE_NKEYS];
	int			npresent = 0;
	bool		valid = true;
	int			i;

	/* "type": "object" (a scalar jsonb is stored as a one-element array) */
	if (!JB_ROOT_IS_OBJECT(envelope))
	{
		if (findings)
			add_finding(findings, pstrdup("/type"), pstrdup(""),
						pstrdup("must be of type object"));
		return false;
	}

	/* "required": every key, in the schema's order */
	for (i = 0; i < (int) ENVELOPE_NKEYS; i++)
	{
		const char *name = envelope_keys[i].name;

		present[i] = getKeyJsonValueFromContainer(root, name, strlen(name),
												  &values[i]) != NULL;
		if (present[i])
			npresent++;
		else
		{
			if (!findings)
				return false;
			add_finding(findings, pstrdup("/required"), pstrdup(""),
						psprintf("must have the required property \"%s\"", name));
			valid = false;
		}
	}

	/* "properties": each present key against its subschema */
	for (i = 0; i < (int) ENVELOPE_NKEYS; i++)
	{
		const EnvelopeKey *key = &envelope_keys[i];
		const JsonbValue *v = &values[i];
		bool		typed;
		int			r;

		if (!present[i])
			continue;
		typed = has_type(v, key->type);
		if (!typed)
		{
			if (!findings)
				return false;
			add_finding(findings,
						psprintf("/properties/%s/type", key->name),
						psprintf("/%s", key->name),
						psprintf("must be of type %s", envelope_type_names[key->type]));
			valid = false;
		}
		for (r = 0; r < key->nrules; r++)
		{
			const EnvelopeRule *rule = &key->rules[r];

			if (!typed && !rule->any_type)
				continue;
			if (rule->test(v))
				continue;
			if (!findings)
				return false;
			add_finding(findings,
						psprintf("/properties/%s/%s", key->name, rule->keyword),
						psprintf("/%s", key->name),
						pstrdup(rule->message));
			valid = false;
		}
	}

	/*
	 * "additionalProperties": false.  Only look when there are extra keys;
	 * reported last, so that errdetail shows the seven keys' findings first.
	 */
	if (JsonContainerSize(root) > (uint32) npresent)
	{
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;

		if (!findings)
			return false;
		valid = false;
		it = JsonbIteratorInit(root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			CHECK_FOR_INTERRUPTS();
			if (tok != WJB_KEY)
				continue;
			if (is_envelope_key(v.val.string.val, v.val.string.len))
				continue;
			add_finding(findings, pstrdup("/additionalProperties"),
						pointer_to_key(v.val.string.val, v.val.string.len),
						pstrdup("must not be present: it is not one of the envelope's keys"));
		}
	}

	return valid;
}

List *
EnvelopeFindings(Jsonb *envelope)
{
	List	   *findings = NIL;

	(void) envelope_evaluate(envelope, &findings);
	return findings;
}

/*
 * A JSON Pointer for errdetail: the root is "(root)", as in the payload errors
 * of JsonSchemaErrorsToDetail; a long one (an unknown key's name can be any
 * length) is shortened.
 */
static void
append_detail_pointer(StringInfo buf, const char *pointer)
{
	int			len = strlen(pointer);

	if (len == 0)
		appendStringInfoString(buf, "(root)");
	else if (len <= ENVELOPE_DETAIL_MAX_POINTER)
		appendStringInfoString(buf, pointer);
	else
	{
		appendBinaryStringInfo(buf, pointer,
							   pg_mbcliplen(pointer, len, ENVELOPE_DETAIL_MAX_POINTER));
		appendStringInfoString(buf, "...");
	}
}

void
EnvelopeCheck(Jsonb *envelope)
{
	List	   *findings;
	StringInfoData detail;
	ListCell   *lc;
	int			shown = 0;

	if (envelope_evaluate(envelope, NULL))
		return;

	findings = EnvelopeFindings(envelope);
	initStringInfo(&detail);
	foreach(lc, findings)
	{
		JsonSchemaError *e = (JsonSchemaError *) lfirst(lc);

		if (shown == ENVELOPE_DETAIL_MAX_FINDINGS)
		{
			appendStringInfo(&detail, "  And %d more.",
							 list_length(findings) - shown);
			break;
		}
		if (shown > 0)
			appendStringInfoString(&detail, "  ");
		append_detail_pointer(&detail, e->instanceLocation);
		appendStringInfo(&detail, ": %s.", e->message);
		shown++;
	}

	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("invalid event envelope"),
			 errdetail("%s", detail.data)));
}

/*
 * event_envelope_check(jsonb) returns boolean: the CHECK of the domain
 * event_envelope.  It raises the precise error itself (a CHECK can only say
 * yes or no, and core's message would not say why); true otherwise.
 */
PG_FUNCTION_INFO_V1(goodgo_event_envelope_check);
Datum
goodgo_event_envelope_check(PG_FUNCTION_ARGS)
{
	EnvelopeCheck(PG_GETARG_JSONB_P(0));
	PG_RETURN_BOOL(true);
}

/* envelope_errors(jsonb) returns jsonb: every finding, [] when valid */
PG_FUNCTION_INFO_V1(goodgo_envelope_errors);
Datum
goodgo_envelope_errors(PG_FUNCTION_ARGS)
{
	PG_RETURN_JSONB_P(JsonSchemaErrorsToJsonb(EnvelopeFindings(PG_GETARG_JSONB_P(0))));
}
