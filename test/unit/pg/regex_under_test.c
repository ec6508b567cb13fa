/* regex.c built with its testing entry points (see gg_regex_test.c). */
#include "jsonschema/regex.c"
