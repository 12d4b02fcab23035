/*
 * tenant.h — the operator's side of tenants: list with usage, create with
 * a first owner, suspend (participant pages show a neutral notice, the
 * console is read-only, nothing is deleted) and resume. Each change is a
 * security event naming who did it.
 */
#ifndef SR_TENANT_H
#define SR_TENANT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "store/db.h"

/* Print every tenant as a JSON line: slug, name, rallies, participants,
 * stamps, storage bytes (images), last activity, suspended (with reason). 0 or -1. */
int tenant_list(db *d, FILE *out);
/* The same as a new JSON array (each also with require_totp and purging),
 * or NULL on error. */
json_t *tenant_rows(db *d);
/* Create a tenant (slug as rally_slug_valid; name 1–200 characters). Its
 * id, 0 when the slug is taken, -1 on error. by: who (for the security
 * event). */
int64_t tenant_create(db *d, const char *slug, const char *name, const char *by, int64_t now);
/* Suspend (reason required) or resume a tenant. 1 done, 0 no such tenant
 * (or already so), -1 error. */
int tenant_suspend(db *d, const char *slug, const char *reason, const char *by, int64_t now);
int tenant_resume(db *d, const char *slug, const char *by, int64_t now);

/* Quotas (0: no limit). */
enum quota { QUOTA_RALLIES, QUOTA_PARTICIPANTS, QUOTA_STORAGE };
/* Set slug's quotas: rallies, participants per rally, image bytes (0: no
 * limit; -1: leave as it is). 1 done, 0 no such tenant, -1 error. */
int tenant_set_quota(db *d, const char *slug, int64_t rallies, int64_t participants, int64_t storage_bytes, const char *by,
		     int64_t now);
/* Whether adding (one rally; one participant to rally_id; adding bytes of
 * images) would pass tenant_id's quota. *limit receives the quota. 1 or 0
 * (also on a database error, which is sticky on d). */
int quota_exceeded(db *d, int64_t tenant_id, enum quota q, int64_t rally_id, int64_t adding, int64_t *limit);

#endif
