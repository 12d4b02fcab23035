/*
 * migrate.c — see migrate.h.  The applied versions are rows of
 * schema_migrations, so a half-applied migration never counts as done.
 */
#include "migrate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/assets.h"
#include "lib/timeutil.h"

static int ensure_table(db *d)
{
	return db_exec(d, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
		       NULL) == DB_DONE ? 0 : -1;
}

int migrate_version(db *d)
{
	/* Asked without creating the table: the service's role may not. */
	const char *exists = strcmp(db_backend(), "postgres") == 0
		? "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations' AND schemaname = current_schema()"
		: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
	int64_t n = db_int1(d, -1, exists, NULL);
	if (n <= 0)
		return (int)n;
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

/* Several nodes may start at once on one PostgreSQL database: a session
 * advisory lock lets one migrate while the others wait, then find nothing
 * left to do. The key is arbitrary and fixed ("stamprally" in ASCII). */
#define MIGRATE_LOCK INT64_C(0x7374616d7072616c)

static int locked_run(db *d, int *applied);

/* Take (on 1) or give back (on 0) the migration lock; 0 or -1. */
static int migrate_lock(db *d, int on)
{
	const char *sql = on ? "SELECT pg_advisory_lock($1)" : "SELECT pg_advisory_unlock($1)";
	return db_exec(d, sql, "i", MIGRATE_LOCK) == DB_DONE ? 0 : -1;
}

int migrate_run(db *d, int *applied)
{
	*applied = 0;
	if (strcmp(db_backend(), "postgres") != 0)
		return locked_run(d, applied);
	if (migrate_lock(d, 1) != 0)
		return -1;
	int rc = locked_run(d, applied);
	return migrate_lock(d, 0) == 0 ? rc : -1;
}

/* Asset names in the backend's directory come out of the build in sorted
 * order (the Makefile sorts them); the version is the leading number. */
static int locked_run(db *d, int *applied)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "migrations/%s/", db_backend());
	size_t plen = strlen(prefix);
	*applied = 0;
	/* Created when missing only: a role without CREATE (the service's, on
	 * PostgreSQL) can still find everything applied. */
	int current = migrate_version(d);
	if (current == 0 && ensure_table(d) != 0)
		return -1;
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

/* Grant role the rows of every table and the use of every sequence, as the
 * tables' owner. The role's name is bound and quoted by format('%I'). */
static int grant_service(db *owner, const char *role)
{
	return db_exec(owner,
		       "SELECT stamprally_grant($1)", "t", role) == DB_DONE ? 0 : -1;
}

int migrate_store(db *d, int *applied)
{
	*applied = 0;
	if (strcmp(db_backend(), "postgres") != 0)
		return locked_run(d, applied);
	db *owner = db_open_owner();
	char *role = db_text1(d, "SELECT current_user", NULL);
	char *owner_role = owner ? db_text1(owner, "SELECT current_user", NULL) : NULL;
	int rc = -1;
	/* Grants too under the lock: two nodes granting at once collide. */
	if (role && owner_role && migrate_lock(owner, 1) == 0) {
		rc = locked_run(owner, applied);
		if (rc == 0 && strcmp(role, owner_role) != 0)
			rc = grant_service(owner, role);
		if (migrate_lock(owner, 0) != 0)
			rc = -1;
	}
	free(role);
	free(owner_role);
	db_close(owner);
	return rc;
}
