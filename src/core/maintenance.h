/*
 * maintenance.h — maintenance mode: while it is on, participant pages, the
 * console and the API answer 503 with Retry-After and the operator's
 * message; /healthz, /readyz, /metrics and static files stay up. Stored in
 * the database (every node sees it); each server keeps a copy refreshed
 * every second, so a request never reads it.
 */
#ifndef SR_MAINTENANCE_H
#define SR_MAINTENANCE_H

#include <stdint.h>

#include "store/db.h"

#define MAINTENANCE_MESSAGE_MAX 500 /* characters per language */

struct maintenance {
	int active;
	int64_t until;         /* UTC ms when it ends by itself; 0: when turned off */
	char ja[2048], en[2048];
};

/* Turn it on (m->active) or off, with a security event. 0, or -1. */
int maintenance_set(db *d, const struct maintenance *m, int64_t now);
/* Read the stored state into m (off when never set). 0, or -1. */
int maintenance_load(db *d, struct maintenance *m);
/* Refresh this process's copy from the database. */
void maintenance_refresh(db *d);
/* Whether maintenance is on at now in this process's copy; then m (may be
 * NULL) receives it. */
int maintenance_on(int64_t now, struct maintenance *m);

#endif
