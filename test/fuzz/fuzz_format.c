/*
 * fuzz_format.c
 *		libFuzzer target: every "format" checker of src/jsonschema/format.c.
 *
 * The input goes, as it is (not NUL-terminated, any bytes), to each checker
 * that JsonSchemaFormatLookup knows.  The checkers promise to read exactly
 * len bytes, allocate nothing that outlives the call and terminate on any
 * input; ASan, UBSan and libFuzzer's leak and timeout checks hold them to it.
 * The copy into a buffer of exactly len bytes makes a read past the end a
 * heap overflow that ASan reports.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

static const char *const formats[] = {
	"date", "date-time", "duration", "email", "hostname", "idn-email",
	"idn-hostname", "ipv4", "ipv6", "iri", "iri-reference", "json-pointer",
	"regex", "relative-json-pointer", "time", "uri", "uri-reference",
	"uri-template", "uuid"
};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *copy = malloc(size ? size : 1);
	size_t		i;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
	{
		JsonSchemaFormatCheck check = JsonSchemaFormatLookup(formats[i]);

		/* every name above must be known: a missing one is a bug here */
		if (check == NULL)
			abort();
		(void) check(copy, size);
	}
	free(copy);
	return 0;
}
