/*
 * import.h — create or update a tenant's rally and its spots from a JSON
 * document (format: docs/import-format.md).  Used by `stamprally rally
 * import` and by the demo seed.
 */
#ifndef SR_IMPORT_H
#define SR_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* Validate doc and apply it in one transaction: the tenant is created when
 * missing; the rally (by slug) is created or updated; spots are matched by
 * name, created, updated or, when absent from doc and without stamps,
 * deleted. Existing spots keep their QR token, so printed posters keep
 * working. On success returns 0 and a new object in *result
 * {"rally": slug, "spots": [{"name", "qr_url", "qr_token"}]} (caller
 * decrefs); on error returns -1 with a message in err and changes nothing. */
int rally_import(db *d, const json_t *doc, const char *public_url, int64_t now, json_t **result, char *err,
		 size_t errsz);
/* Only the validation of rally_import (no database): 0, or -1 with the
 * reason in err. */
int rally_import_check(const json_t *doc, char *err, size_t errsz);

#endif
