/*
 * format.h
 *		Checkers for the "format" keyword.
 *
 * AGREED INTERFACE between the validator and format.c.  The checkers are plain
 * C with no PostgreSQL dependency (no palloc, no ereport), so they can be
 * fuzzed and unit-tested outside a server.
 */
#ifndef GOODGO_JSONSCHEMA_FORMAT_H
#define GOODGO_JSONSCHEMA_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

/* Is the UTF-8 string s (len bytes, not NUL-terminated) of this format? */
typedef bool (*JsonSchemaFormatCheck) (const char *s, size_t len);

/*
 * The checker for a format name (NUL-terminated), or NULL for a format we do
 * not know, which the spec says to ignore.
 */
extern JsonSchemaFormatCheck JsonSchemaFormatLookup(const char *name);

/*
 * The same for a given draft (4, 6, 7, 2019, 2020): the differences are
 * "hostname" before draft 7, which is RFC 1034/1123 without the IDNA2008
 * rules of later drafts (so "ab--cd" is valid there), and
 * "relative-json-pointer" in 2020-12, which follows
 * draft-bhutton-relative-json-pointer-00 (index manipulation, "0+1/foo").
 */
extern JsonSchemaFormatCheck JsonSchemaFormatLookupDraft(const char *name, int draft);

#endif							/* GOODGO_JSONSCHEMA_FORMAT_H */
