/*
 * backup.h — encrypted, verified backups with generations, and restore.
 *
 * A backup is NAME.srbk (lib/vault.h: zstd, then XChaCha20-Poly1305 under
 * the backup key) holding an archive of the database copy and the keys a
 * new machine needs (data key, CSRF key, audit signing key, audit
 * checkpoints), and NAME.json, its manifest (time, size, SHA-256, table
 * counts, key id, schema version). docs/operations.md, "Backups and
 * restore", is the operator's side of this.
 */
#ifndef SR_BACKUP_H
#define SR_BACKUP_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "lib/config.h"
#include "store/db.h"

/* Make one backup through connection d (not in a transaction): copy,
 * verify, compress, encrypt, sync, verify the file, then delete the
 * generations beyond backup.keep and run backup.copy_command. Records
 * backup_done or backup_failed in the security event log and a line on
 * stderr; counts failures in /metrics. data_key: the service's data key.
 * The new file's path into path (may be NULL). 0 or -1. */
int backup_run(const config *c, db *d, const unsigned char data_key[32], int64_t now, char *path, size_t pathsz);

/* Print the backups in backup.dir, oldest first, one JSON line each. 0. */
int backup_list(const config *c, FILE *out);
/* Decrypt and check file completely (key, manifest hash, archive,
 * database integrity, table counts) without touching the data directory;
 * a summary on out. 0 when good, 1 (message on stderr) when not. */
int backup_verify(const config *c, const char *file, FILE *out);
/* Restore file into the data directory, which no server may hold (the
 * caller holds the exclusive lock): verify first, keep what it replaces in
 * DATA_DIR/replaced-TIME/, then put the database and keys in place. 0, or 1
 * with nothing changed. */
int backup_restore(const config *c, const char *file, FILE *out);

/* Erase something from a backup's database copy (d in a write
 * transaction of its own; no other connection uses it). 1 erased, 0
 * nothing of it there, -1 error. */
typedef int (*backup_erase_fn)(db *d, void *ud);
/* Scrub one backup: decrypt and check it, erase with fn (secure_delete
 * on), VACUUM, archive and encrypt it again under the same key with the
 * keys it held, read it back, replace the file atomically, and rewrite its
 * manifest (its time kept, erased appended to its "scrubbed" list).
 * *result (new): {file, result: scrubbed | absent | failed, error?,
 * sha256?}. 1 scrubbed, 0 nothing to erase (the file untouched), -1 failed
 * (the file untouched). */
int backup_scrub(const config *c, const char *file, backup_erase_fn fn, void *ud, json_t *erased, json_t **result);
/* backup_scrub every backup in backup.dir, appending each result to the
 * array results. 0, or -1 when any failed. */
int backup_scrub_all(const config *c, backup_erase_fn fn, void *ud, json_t *erased, json_t *results);

/* The newest backup: its time (ms) and size. 1, or 0 when there is none.
 * On SQLite the newest in backup.dir; on PostgreSQL the newest backup_done
 * record in the security event log read through d (may be NULL: none),
 * whichever node made it: every node reports the service's backups. */
int backup_last(const config *c, db *d, int64_t *at, long long *size);

/* Record a restore left by backup_restore (DATA_DIR/restored.json) in the
 * security event log, once, at the next start. */
void backup_record_restore(const config *c, db *d);

#endif
