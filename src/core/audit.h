/*
 * audit.h — the security event log as a tamper-evident hash chain.
 *
 * Every record's hash is BLAKE2b-256(previous hash ‖ canonical encoding of
 * the record) (the first record's "previous hash" is 32 zero bytes, or the
 * hash of the last record a signed pruning checkpoint removed). Record ids
 * are consecutive, so a deleted record leaves a gap.
 *
 * Checkpoints sign (kind, upto, hash, at) with Ed25519 under the audit
 * signing key; each is stored in audit_checkpoints and appended to a file
 * outside the database, so a chain rewritten consistently from end to end
 * still disagrees with a signature it cannot forge. docs/operations.md
 * ("Audit log") describes the format for anyone verifying it elsewhere.
 */
#ifndef SR_AUDIT_H
#define SR_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "store/db.h"

/* Load the signing key (a 32-byte seed; created when missing and create is
 * set) and remember where checkpoints are appended. 0, or -1 with a message. */
int audit_init(const char *key_file, const char *checkpoint_file, int create);
/* Only say where checkpoints are appended (verifying with a public key
 * given by the operator, without the signing key). */
void audit_set_file(const char *checkpoint_file);
/* The public key, base64 (at least 48 bytes); "" before audit_init. */
void audit_pubkey(char *out, size_t n);

/* Append one record (kind a stable code, detail a JSON object text or NULL,
 * ip may be NULL) in a write transaction of its own or nested in the
 * caller's. 0 or -1. */
int audit_append(db *d, int64_t tenant_id, int64_t account_id, const char *kind, const char *ip, const char *detail,
		 int64_t at);
/* Give records written before the chain existed (hash NULL) their hashes,
 * in id order, while no checkpoint has been signed (after that a record
 * without a hash is tampering, left for audit_verify). The number hashed,
 * or -1. */
int64_t audit_backfill(db *d);

/* Sign the chain's head when it has grown by every records, or by any
 * record at least minutes after the last checkpoint (force: whenever it has
 * grown). The file line is written and synced before the row, and no file
 * is written inside a write transaction. 1 written, 0 not due, -1 error. */
int audit_checkpoint(db *d, int64_t now, int every, int minutes, int force);
/* Delete the records older than before, after a signed "pruned up to N
 * with hash H" checkpoint that keeps the rest verifiable. The number of
 * records deleted, or -1. */
int64_t audit_prune(db *d, int64_t before, int64_t now);

/* Erase tenant_id's records: each gets a signed checkpoint of kind
 * "erased" vouching for its hash (file first, synced once, then the
 * table), then loses its address and detail, so the chain still verifies
 * and the content is gone. Records already erased are skipped (a purge run
 * again). The number erased, or -1. Not inside a transaction. */
int64_t audit_erase(db *d, int64_t tenant_id, int64_t now);

/* Sign n bytes of msg with the audit signing key (the service's Ed25519
 * key: also erasure certificates). 0, or -1 before audit_init. */
int audit_sign(const void *msg, size_t n, unsigned char sig[64]);
/* Check a signature made by audit_sign against pubkey (32 bytes; NULL:
 * the loaded key's). 0 when good, -1 when not. */
int audit_sign_check(const void *msg, size_t n, const unsigned char sig[64], const unsigned char *pubkey);

/* The outcome of audit_verify: ok, or the first problem found. */
struct audit_report {
	int64_t records, checkpoints; /* how many were checked */
	int64_t bad_id;               /* the record (or checkpoint's record) at fault; 0 if none */
	int64_t bad_at;               /* its time (ms), when known */
	char what[320];               /* which check failed, in words */
};
/* Walk the chain and every checkpoint (table and file). pubkey: 32 bytes to
 * check signatures against (NULL: the loaded signing key's). 0 when intact,
 * 1 when broken (rep says where), -1 when it could not be read. */
int audit_verify(db *d, const unsigned char *pubkey, struct audit_report *rep);

/* A slice of the log for the console: records of tenant_id (newest first,
 * ids below before when before > 0), filtered by kind (NULL: any), account
 * login (NULL: any) and time [from, to) (0: open). Columns: id, at, kind,
 * ip, detail, login ('' when none). An open statement on d (the caller
 * steps and ends it), or NULL. limit 0: no limit. */
db_stmt *audit_rows(db *d, int64_t tenant_id, const char *kind, const char *login, int64_t from, int64_t to,
		    int64_t before, int limit);
/* The operators' actions, newest first (at most limit): their own
 * accounts, tenants, announcements, maintenance. Columns: id, at, kind,
 * tenant slug ('' when none or purged), detail. An open statement. */
db_stmt *audit_operator_rows(db *d, int limit);
/* The kinds that occur in tenant_id's slice, as a NULL-terminated arena array. */
const char **audit_kinds(db *d, arena *a, int64_t tenant_id);

/* Print records (newest first) as JSON lines. tenant 0: every tenant. kind
 * NULL: every kind. 0 or -1. */
int audit_list(db *d, FILE *out, int64_t tenant_id, const char *kind, int64_t since, int limit);

#endif
