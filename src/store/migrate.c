/*
 * migrate.c — see migrate.h.  The applied versions are rows of
 * schema_migrations, so a half-applied migration never counts as done.
 */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/assets.h"
#include "lib/timeutil.h"

static int ensure_table(db *d)
{
	return db_exec(d, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
		       NULL) == DB_DONE ? 0 : -1;
}

int migrate_version(db *d)
{
	if (ensure_table(d) != 0)
		return -1;
	return (int)db_int1(d, 0, "SELECT max(version) FROM schema_migrations", NULL);
}

int migrate_latest(void)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "migrations/%s/", db_backend());
	size_t plen = strlen(prefix);
	int latest = 0;
	for (size_t i = 0; asset_at(i); i++)
		if (strncmp(asset_at(i)->name, prefix, plen) == 0 && atoi(asset_at(i)->name + plen) > latest)
			latest = atoi(asset_at(i)->name + plen);
	return latest;
}

/* Asset names in the backend's directory come out of the build in sorted
 * order (the Makefile sorts them); the version is the leading number. */
int migrate_run(db *d, int *applied)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "migrations/%s/", db_backend());
	size_t plen = strlen(prefix);
	int current = migrate_version(d);
	*applied = 0;
	if (current < 0)
		return -1;
	for (size_t i = 0; asset_at(i); i++) {
		const struct asset *a = asset_at(i);
		if (strncmp(a->name, prefix, plen) != 0)
			continue;
		int version = atoi(a->name + plen);
		if (version <= current)
			continue;
		if (db_begin(d) != 0)
			return -1;
		if (db_exec_script(d, (const char *)a->data) != 0 ||
		    db_exec(d, "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)",
			    "iti", (int64_t)version, a->name + plen, time_now_ms()) != DB_DONE) {
			db_rollback(d);
			fprintf(stderr, "stamprally: migration %s failed\n", a->name);
			return -1;
		}
		if (db_commit(d) != 0)
			return -1;
		current = version;
		(*applied)++;
	}
	return 0;
}
