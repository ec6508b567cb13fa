/*
 * regex.h
 *		ECMA-262 regular expressions for "pattern", "patternProperties" and
 *		the "regex" format.
 *
 * AGREED INTERFACE between the validator (compile.c/validate.c) and the
 * regex module (regex.c).
 */
#ifndef GOODGO_JSONSCHEMA_REGEX_H
#define GOODGO_JSONSCHEMA_REGEX_H

#include "postgres.h"

typedef struct JsonSchemaRegex JsonSchemaRegex;

/*
 * Compile an ECMA-262 pattern (UTF-8, not NUL-terminated) into memory owned
 * by "cxt"; the regex is released when that context is reset or deleted.
 * On a syntax error or an unsupported construct return NULL and set *errmsg
 * (palloc'd, a lower-case phrase such as "unbalanced parenthesis").
 */
extern JsonSchemaRegex *JsonSchemaRegexCompile(const char *pattern, int len,
											   MemoryContext cxt, char **errmsg);

/*
 * JsonSchemaRegexCompile, telling the two kinds of failure apart: on NULL,
 * *unsupported is true when the pattern is valid ECMA-262 (the "regex"
 * format accepts it) but uses a construct this engine cannot run exactly,
 * false when it is not valid ECMA-262 at all.
 */
extern JsonSchemaRegex *JsonSchemaRegexCompileChecked(const char *pattern, int len,
													  MemoryContext cxt, char **errmsg,
													  bool *unsupported);

/*
 * JsonSchemaRegexCompileChecked, and with annex_b (drafts before 2020-12,
 * which do not ask for the "u" flag) a pattern the Unicode grammar refuses
 * is tried with the grammar without "u" (ECMA-262 Annex B identity escapes
 * such as "\&").
 */
extern JsonSchemaRegex *JsonSchemaRegexCompileMode(const char *pattern, int len,
												   MemoryContext cxt, char **errmsg,
												   bool *unsupported, bool annex_b);

/*
 * Does the pattern match anywhere in the UTF-8 string (ECMA RegExp.test,
 * unanchored)?  Honours interrupts; never crashes on any input.
 */
extern bool JsonSchemaRegexMatch(JsonSchemaRegex *re, const char *str, int len);

#endif							/* GOODGO_JSONSCHEMA_REGEX_H */
