/*
 * jsonschema.h
 *		The JSON Schema library's interface to the rest of the extension.
 *
 * src/jsonschema/ knows nothing of events, tables or the registry: it
 * compiles a schema (jsonb) into a tree of keyword nodes and validates jsonb
 * values against it.  Documents that a schema refers to by URI reach it
 * through a resolver callback given by the caller.
 *
 * THIS IS THE AGREED INTERFACE between the validator and its callers (SQL
 * functions, registry, outbox trigger).  Change it only together with them.
 */
#ifndef GOODGO_JSONSCHEMA_H
#define GOODGO_JSONSCHEMA_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

typedef enum JsonSchemaDraft
{
	JSON_SCHEMA_DRAFT4,
	JSON_SCHEMA_DRAFT6,
	JSON_SCHEMA_DRAFT7,
	JSON_SCHEMA_DRAFT2019_09,
	JSON_SCHEMA_DRAFT2020_12
} JsonSchemaDraft;

/*
 * A resolver returns the document registered under an absolute URI (no
 * fragment), or NULL when there is none.  The result must stay valid for the
 * duration of the compile call.
 */
typedef Jsonb *(*JsonSchemaResolver) (const char *uri, void *arg);

typedef struct JsonSchemaOptions
{
	JsonSchemaDraft default_draft;	/* when the schema has no $schema */
	bool		format_assertion;	/* assert "format", or annotate only */
	JsonSchemaResolver resolver;	/* may be NULL: only bundled metaschemas */
	void	   *resolver_arg;
} JsonSchemaOptions;

/* Opaque compiled schema; lives in (and is freed with) its memory context. */
typedef struct JsonSchemaCompiled JsonSchemaCompiled;

/*
 * One output unit of the spec's "basic" format.  absoluteKeywordLocation is
 * NULL unless a $ref was crossed.  The message names the keyword and what was
 * expected, and never echoes instance values.
 */
typedef struct JsonSchemaError
{
	char	   *keywordLocation;
	char	   *absoluteKeywordLocation;
	char	   *instanceLocation;
	char	   *message;
} JsonSchemaError;

/*
 * Compile a schema into a tree allocated in a new child context of "parent".
 * An invalid schema (against its metaschema, a bad regex, an unresolvable
 * $ref) is ereport(ERROR) with ERRCODE_INVALID_PARAMETER_VALUE (22023) and the
 * JSON Pointer of the bad part in the detail.
 */
extern JsonSchemaCompiled *JsonSchemaCompile(Jsonb *schema,
											 const JsonSchemaOptions *options,
											 MemoryContext parent);

/* Free a compiled schema (deletes its memory context). */
extern void JsonSchemaFree(JsonSchemaCompiled *compiled);

/*
 * Validate an instance.  With errors == NULL, stop at the first failure and
 * only answer yes or no.  Otherwise collect every failure as a List of
 * JsonSchemaError * (palloc'd in CurrentMemoryContext) into *errors.
 */
extern bool JsonSchemaValidate(JsonSchemaCompiled *compiled, Jsonb *instance,
							   List **errors);

/* The errors as a jsonb array of output units ([] for NIL). */
extern Jsonb *JsonSchemaErrorsToJsonb(List *errors);

/*
 * Append the errors to buf as errdetail text: "<instanceLocation>: <message>."
 * separated by two spaces, at most max_errors of them (then "and N more").
 */
extern void JsonSchemaErrorsToDetail(List *errors, StringInfo buf, int max_errors);

/*
 * Resolver over goodgo_events.schema_documents (register_schema()): by the
 * URI a document was registered under, or by its own $id.  Uses SPI.
 */
extern Jsonb *JsonSchemaRegistryResolver(const char *uri, void *arg);

/*
 * A number that changes whenever a schema compiled before may be stale
 * because schema_documents changed (in this or another backend, once
 * committed).  Callers that keep compiled schemas compare it.
 */
extern uint64 JsonSchemaCacheEpoch(void);

/*
 * Compatibility of two schemas (compat.c).  BACKWARD: every value the old
 * schema accepts, the new one accepts; FORWARD: the converse; FULL: both.
 * With "lenient", readers ignore undeclared properties (every
 * additionalProperties/unevaluatedProperties false of the reader is dropped).
 * Formats are asserted whatever the options say.  Returns
 * {"compatible": bool, "findings": [{"rule", "effect", "old_path",
 * "new_path", "message", "witness"?}]}; *compatible is true only when the
 * inclusion was proven.  Invalid schemas are errors as in JsonSchemaCompile.
 */
typedef enum JsonSchemaCompatMode
{
	JSC_NONE,
	JSC_BACKWARD,
	JSC_FORWARD,
	JSC_FULL
} JsonSchemaCompatMode;

extern Jsonb *JsonSchemaCompatibility(Jsonb *oldschema, Jsonb *newschema,
									  JsonSchemaCompatMode mode, bool lenient,
									  const JsonSchemaOptions *options, bool *compatible);

/* Is every object the schema describes closed (the LENIENT policy's lint)? */
extern bool JsonSchemaObjectsClosed(Jsonb *schema, const JsonSchemaOptions *options);

/* GUC values, for callers that pin them (the registry). */
extern int	json_schema_default_draft;
extern bool json_schema_format_assertion;

#endif							/* GOODGO_JSONSCHEMA_H */
