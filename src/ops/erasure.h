/*
 * erasure.h — purging a tenant for good and certifying it.
 *
 * The order: mark the tenant (suspended, purge requested); sign and erase
 * its audit records (core/audit.h: audit_erase); delete its rows in small
 * transactions with secure_delete (core/purge.h); delete the tenant; copy
 * the WAL into the database and truncate it; VACUUM when no server holds
 * the data directory; scrub every backup generation (ops/backup.h); then
 * issue the signed certificate (core/certificate.h) and keep it in
 * erasure_certificates. A run that stops half-way is finished by running
 * it again. docs/operations.md, "Tenants and purge".
 */
#ifndef SR_ERASURE_H
#define SR_ERASURE_H

#include <stdint.h>
#include <stdio.h>

#include "lib/config.h"
#include "store/db.h"

/* Purge the tenant with slug (reason and by: for the certificate and the
 * security events) through d (not in a transaction). offline: no server
 * holds the data directory (the caller holds its exclusive lock), so the
 * database is also rebuilt with VACUUM. The certificate's text (heap;
 * caller frees) into *text. 1 done, 0 no such tenant, -1 failed (err says
 * why; running it again finishes it). */
int erasure_run(const config *c, db *d, const char *slug, const char *reason, const char *by, int offline, char **text,
		char *err, size_t errsz);

/* Run the oldest purge queued from /ops (tenants.purge_queued), offline
 * 0: the jobs thread of a serving process. 1 one done, 0 none queued, -1
 * failed (logged; the next call tries again). */
int erasure_run_queued(const config *c, db *d);

/* The certificates issued, newest first, as JSON lines: id, tenant, issued
 * at, by. 0 or -1. */
int erasure_list(db *d, FILE *out);
/* One certificate's document (heap; caller frees), or NULL. */
char *erasure_document(db *d, const char *public_id);

#endif
