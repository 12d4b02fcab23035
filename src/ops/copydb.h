/*
 * copydb.h — moving an installation from SQLite to PostgreSQL: every row of
 * a SQLite database copied into an empty PostgreSQL database of the same
 * schema version (docs/scale-out.md).
 */
#ifndef SR_COPYDB_H
#define SR_COPYDB_H

#include <stdio.h>

#include "store/db.h"

/* Copy every table of the SQLite database in `from` (opened read-only,
 * migrated to the newest version) into `to` (PostgreSQL as the tables'
 * owner, migrated, without a tenant yet): parents before children, in
 * batches of 500 rows, all in one transaction; then each identity column
 * continues after the largest id, and every table's count is compared.
 * Prints one line per table on out. 0, or -1 with the reason in err
 * (nothing is kept). */
int copydb_run(db *from, db *to, FILE *out, char *err, size_t errsz);

#endif
