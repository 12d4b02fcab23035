/* fuzz_import.c — a rally import document (core/import.c): JSON parsing
 * and every check of the format, without the database. */
#include <stdint.h>
#include <jansson.h>

#include "core/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	json_t *doc = json_loadb((const char *)data, n, JSON_REJECT_DUPLICATES, NULL);
	char err[256];
	if (doc)
		rally_import_check(doc, err, sizeof err);
	json_decref(doc);
	return 0;
}
