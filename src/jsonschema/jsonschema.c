/*
 * jsonschema.c
 *		JSON Schema validation: SQL entry points and GUCs.
 */
#include "postgres.h"

#include "compat.h"
#include "goodgo_events.h"

void
JsonSchemaInit(void)
{
}
