/*
 * jsonb_text.h
 *		jsonb to JSON text, byte for byte what jsonb_out prints, only faster
 *		(src/jsonb_text.c).
 */
#ifndef GOODGO_JSONB_TEXT_H
#define GOODGO_JSONB_TEXT_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/*
 * jb must be a whole, detoasted jsonb datum (DatumGetJsonbP /
 * PG_GETARG_JSONB_P): the writer reads strings as 8-byte words that may
 * start in the container bytes before them.
 */

/* Append the JSON text of jb to buf (which may already hold other bytes). */
extern void JsonbTextAppend(StringInfo buf, Jsonb *jb);

/* The JSON text of jb as a text datum, allocated in CurrentMemoryContext. */
extern text *JsonbTextFromJsonb(Jsonb *jb);

#endif							/* GOODGO_JSONB_TEXT_H */
