/* ecma_regex.c, compiled here so the module is self-contained. */
#include "jsonschema/ecma_regex.c"
