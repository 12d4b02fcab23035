/*
 * maintenance.c — see maintenance.h.
 */
#include "core/maintenance.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct maintenance cached;
static _Atomic int cached_active; /* so that requests take no lock while it is off */

int maintenance_set(db *d, const struct maintenance *m, int64_t now)
{
	int rc = -1;
	if (db_begin(d) == 0) {
		rc = db_exec(d, "INSERT INTO maintenance(id, active, until, message_ja, message_en, set_at)"
				" VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET active = $1, until = $2,"
				" message_ja = $3, message_en = $4, set_at = $5",
			     "iitti", (int64_t)m->active, m->until, m->ja, m->en, now) == DB_DONE &&
				     security_event_json(d, 0, 0, m->active ? "maintenance_on" : "maintenance_off",
							 json_pack("{s:b, s:I, s:s, s:s}", "active", m->active, "until",
								   (json_int_t)m->until, "message_ja", m->ja, "message_en", m->en),
							 now) == 0
			     ? 0
			     : -1;
		if (rc == 0 && db_commit(d) != 0)
			rc = -1;
		else if (rc != 0)
			db_rollback(d);
	}
	return rc;
}

int maintenance_load(db *d, struct maintenance *m)
{
	memset(m, 0, sizeof *m);
	db_stmt *st = db_query(d, "SELECT active, until, message_ja, message_en FROM maintenance WHERE id = 1", NULL);
	int rc = st ? db_row(st) : DB_ERROR;
	if (rc == DB_ROW) {
		m->active = (int)db_int(st, 0);
		m->until = db_int(st, 1);
		snprintf(m->ja, sizeof m->ja, "%s", db_text(st, 2));
		snprintf(m->en, sizeof m->en, "%s", db_text(st, 3));
	}
	db_done(st);
	return rc == DB_ERROR ? -1 : 0;
}

void maintenance_refresh(db *d)
{
	struct maintenance m;
	if (maintenance_load(d, &m) != 0)
		return; /* keep what we had */
	pthread_mutex_lock(&mu);
	cached = m;
	cached_active = m.active;
	pthread_mutex_unlock(&mu);
}

int maintenance_on(int64_t now, struct maintenance *m)
{
	if (!cached_active)
		return 0;
	pthread_mutex_lock(&mu);
	int on = cached.active && (cached.until == 0 || now < cached.until);
	if (on && m)
		*m = cached;
	pthread_mutex_unlock(&mu);
	return on;
}
