/*
 * migrate.h — versioned schema migrations, one directory per backend
 * (src/store/migrations/<backend>/NNNN_name.sql, embedded as assets).
 */
#ifndef SR_MIGRATE_H
#define SR_MIGRATE_H

#include "db.h"

/* Apply every migration newer than the database's version, each in its own
 * transaction, in version order. Stores the count applied in *applied.
 * Returns 0, or -1 (logged) leaving the failed migration unapplied. */
int migrate_run(db *d, int *applied);
/* migrate_run on a connection as the tables' owner (db_open_owner), then,
 * when that is another role than d's, grant d's role what the service
 * needs (PostgreSQL). 0 or -1 (logged). */
int migrate_store(db *d, int *applied);
/* The newest schema version this binary knows. */
int migrate_latest(void);
/* The database's schema version (0 when empty). */
int migrate_version(db *d);

#endif
