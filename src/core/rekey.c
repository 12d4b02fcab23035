/*
 * rekey.c — see rekey.h.
 */
#include "core/rekey.h"

#include <stdio.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/seal.h"

/* Every sealed column: the rows to read (id, value) and how to write one
 * back. Add a line here when a migration adds a sealed column. */
static const struct {
	const char *what, *select, *update;
} columns[] = {
	{"tenants.line_channel_secret", "SELECT id, line_channel_secret FROM tenants WHERE line_channel_secret <> ''",
	 "UPDATE tenants SET line_channel_secret = $1 WHERE id = $2"},
	{"participants.line_name", "SELECT id, line_name FROM participants WHERE line_name <> ''",
	 "UPDATE participants SET line_name = $1 WHERE id = $2"},
	{"participants.line_picture", "SELECT id, line_picture FROM participants WHERE line_picture <> ''",
	 "UPDATE participants SET line_picture = $1 WHERE id = $2"},
	{"participants.recovery_sealed", "SELECT id, recovery_sealed FROM participants WHERE recovery_sealed <> ''",
	 "UPDATE participants SET recovery_sealed = $1 WHERE id = $2"},
	{"sessions.line_access_token", "SELECT id, line_access_token FROM sessions WHERE line_access_token <> ''",
	 "UPDATE sessions SET line_access_token = $1 WHERE id = $2"},
	{"spots.rotating_secret", "SELECT id, rotating_secret FROM spots WHERE rotating_secret <> ''",
	 "UPDATE spots SET rotating_secret = $1 WHERE id = $2"},
	{"lottery_entries.sealed", "SELECT id, sealed FROM lottery_entries WHERE sealed <> ''", "UPDATE lottery_entries SET sealed = $1 WHERE id = $2"},
};

/* Re-seal one column; the count, or -1 (err set). */
static int64_t column(db *d, int c, char *err, size_t errsz)
{
	int64_t n = 0, id = 0;
	int rc, failed = 0;
	db_stmt *st = db_query(d, columns[c].select, NULL);
	while ((rc = db_row(st)) == DB_ROW) {
		arena a = {0};
		id = db_int(st, 0);
		const char *opened = unseal(&a, db_text(st, 1));
		if (!opened || db_exec(d, columns[c].update, "ti", seal(&a, opened), id) != DB_DONE)
			failed = 1;
		arena_free(&a);
		if (failed)
			break;
		n++;
	}
	db_done(st);
	if (failed || rc == DB_ERROR) {
		snprintf(err, errsz, "%s of row %lld %s", columns[c].what, (long long)id,
			 failed ? "opens under neither key (wrong key?)" : "cannot be read");
		return -1;
	}
	return n;
}

int64_t rekey_all(db *d, char *err, size_t errsz)
{
	int64_t total = 0;
	/* The commit must be on disk before the new key file replaces the old
	 * one: with synchronous=NORMAL a crash could keep the rename and lose
	 * the commit, leaving values under a key that is gone. */
	if (db_sync_full(d) != 0 || db_begin(d) != 0) {
		snprintf(err, errsz, "cannot begin a transaction");
		return -1;
	}
	for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
		int64_t n = column(d, (int)c, err, errsz);
		if (n < 0) {
			db_rollback(d);
			return -1;
		}
		total += n;
	}
	if (db_commit(d) != 0) {
		snprintf(err, errsz, "cannot commit");
		return -1;
	}
	return total;
}
