/*
 * meta.c
 *		The bundled metaschemas: parsed on first use, and compiled once per
 *		backend for checking schemas against their draft's metaschema.
 *
 * Both live under TopMemoryContext for the life of the backend: they are
 * constants, a few hundred kilobytes at most, and only built when asked.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#include "jsonschema/jsonschema_int.h"

static Jsonb **bundled_docs;
static MemoryContext meta_cxt;
static JsonSchemaCompiled *meta_compiled[JSON_SCHEMA_DRAFT2020_12 + 1];

static MemoryContext
get_meta_cxt(void)
{
	if (meta_cxt == NULL)
		meta_cxt = AllocSetContextCreate(TopMemoryContext, "goodgo_events metaschemas",
										 ALLOCSET_DEFAULT_SIZES);
	return meta_cxt;
}

/* The bundled document with this URI (no fragment), or NULL. */
Jsonb *
JsonSchemaBundledDocument(const char *uri)
{
	int			i;
	int			len = strlen(uri);

	if (len > 0 && uri[len - 1] == '#')
		len--;
	for (i = 0; i < JsonSchemaNumBundled; i++)
	{
		if ((int) strlen(JsonSchemaBundled[i].uri) == len &&
			memcmp(JsonSchemaBundled[i].uri, uri, len) == 0)
		{
			if (bundled_docs == NULL)
				bundled_docs = MemoryContextAllocZero(get_meta_cxt(),
													  sizeof(Jsonb *) * JsonSchemaNumBundled);
			if (bundled_docs[i] == NULL)
			{
				MemoryContext old = MemoryContextSwitchTo(get_meta_cxt());

				bundled_docs[i] = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
																	 CStringGetDatum(JsonSchemaBundled[i].text)));
				MemoryContextSwitchTo(old);
			}
			return bundled_docs[i];
		}
	}
	return NULL;
}

static const char *
metaschema_uri(JsonSchemaDraft draft)
{
	switch (draft)
	{
		case JSON_SCHEMA_DRAFT4:
			return "http://json-schema.org/draft-04/schema";
		case JSON_SCHEMA_DRAFT6:
			return "http://json-schema.org/draft-06/schema";
		case JSON_SCHEMA_DRAFT7:
			return "http://json-schema.org/draft-07/schema";
		case JSON_SCHEMA_DRAFT2019_09:
			return "https://json-schema.org/draft/2019-09/schema";
		case JSON_SCHEMA_DRAFT2020_12:
			return "https://json-schema.org/draft/2020-12/schema";
	}
	return NULL;
}

/* The compiled metaschema of a draft (format not asserted). */
JsonSchemaCompiled *
JsonSchemaMetaschemaFor(JsonSchemaDraft draft)
{
	if (meta_compiled[draft] == NULL)
	{
		Jsonb	   *doc = JsonSchemaBundledDocument(metaschema_uri(draft));
		JsonSchemaOptions opts;
		MemoryContext cxt;
		MemoryContext old;
		JsonSchemaCompiled *c;

		if (doc == NULL)
			return NULL;
		memset(&opts, 0, sizeof(opts));
		opts.default_draft = draft;
		opts.format_assertion = false;
		cxt = AllocSetContextCreate(get_meta_cxt(), "goodgo_events metaschema",
									ALLOCSET_DEFAULT_SIZES);
		old = MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			c = palloc0(sizeof(JsonSchemaCompiled));
			c->cxt = cxt;
			c->root = JsonSchemaCompileTree(doc, &opts, false, false, &c->draft);
			c->format_assertion = false;
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(old);
			MemoryContextDelete(cxt);
			PG_RE_THROW();
		}
		PG_END_TRY();
		MemoryContextSwitchTo(old);
		meta_compiled[draft] = c;
	}
	return meta_compiled[draft];
}
