/*
 * purge.h — deleting a tenant for good: every row of it in every table, in
 * small transactions (nothing long under the write lock), with SQLite's
 * secure_delete on (store/db_sqlite.c), so deleted content is overwritten
 * with zeros in the database file. ops/erasure.c adds the rest: the audit
 * records, the WAL, the backups and the signed certificate.
 */
#ifndef SR_PURGE_H
#define SR_PURGE_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"

/* The tenant with this slug: its id, name and creation time (name into an
 * arena string). 1, 0 when there is none, -1 on error. */
int purge_find(db *d, arena *a, const char *slug, int64_t *id, const char **name, int64_t *created_at);
/* Mark tenant_id for purging: suspended (participants see the neutral
 * notice, staff cannot change anything) and the request recorded (who,
 * why, when) with a security event. 0 or -1. */
int purge_mark(db *d, int64_t tenant_id, const char *reason, const char *by, int64_t now);
/* Delete every row of tenant_id except the tenants row itself, table by
 * table in writes of at most 1000 rows (100 images) each, through d (on the
 * group-commit writer when it runs; d not in a transaction). Each table's
 * count is added to rows (an object: table → rows deleted). Running it
 * again after a failure finishes the job. 0 or -1. */
int purge_rows(db *d, int64_t tenant_id, json_t *rows);
/* Delete the tenants row (after purge_rows) and record tenant_purged with
 * the certificate's id. 0 or -1. */
int purge_finish(db *d, int64_t tenant_id, const char *slug, const char *certificate_id, const char *by, int64_t now);

#endif
