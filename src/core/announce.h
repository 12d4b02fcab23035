/*
 * announce.h — the operator's announcements: maintenance (announced at
 * least 7 days ahead unless urgent), incidents, changes, the end of the
 * service; for every tenant or some, and optionally for participants too.
 * While current they are a banner on the console (and participant) pages;
 * current and upcoming ones are on /status. Each server keeps the list in
 * memory, refreshed every second, so a page never queries for it.
 */
#ifndef SR_ANNOUNCE_H
#define SR_ANNOUNCE_H

#include <stdint.h>
#include <stdio.h>

#include "store/db.h"

#define ANNOUNCE_TEXT_MAX 1000   /* characters per language */
#define ANNOUNCE_NOTICE_DAYS 7   /* maintenance is announced this long ahead */
#define ANNOUNCE_TENANTS_MAX 16  /* tenants named in one announcement */

struct announcement {
	char public_id[48], kind[16];
	int64_t starts_at, ends_at;
	char ja[4096], en[4096];
	int participants, urgent;
	int64_t tenants[ANNOUNCE_TENANTS_MAX]; /* none: every tenant */
	int ntenants;
};

/* What is wrong with a at now, as a short code (kind, order, ended, text,
 * notice: maintenance less than ANNOUNCE_NOTICE_DAYS ahead and not
 * urgent), or NULL when nothing is. */
const char *announce_problem(const struct announcement *a, int64_t now);
/* Check and store a (public_id is made here; tenants given by slug in
 * slugs, n of them). The new public id into a->public_id and 1; 0 with a
 * message in err for bad input (nothing stored); -1 on error. */
int announce_create(db *d, struct announcement *a, const char *const *slugs, int n, const char *by, int64_t now,
		    char *err, size_t errsz);
/* End an announcement now. 1, 0 when there is no such open one, -1. */
int announce_close(db *d, const char *public_id, const char *by, int64_t now);
/* Print the open announcements that have not ended, as JSON lines. 0 or -1. */
int announce_list(db *d, FILE *out);

/* Reload this process's copy (the jobs thread every second, /ops after a
 * change); safe from any thread, one reload at a time. */
void announce_refresh(db *d, int64_t now);
/* Call fn for each announcement current at now for tenant_id (0: none
 * known) — participant pages only those for participants. Takes no lock
 * while there are none at all: every page asks. */
void announce_current(int64_t now, int64_t tenant_id, int participants,
		      void (*fn)(const struct announcement *a, void *ud), void *ud);
/* Call fn for each one that has not ended (current or upcoming), in start
 * order, whatever its audience (for /status). */
void announce_open(int64_t now, void (*fn)(const struct announcement *a, void *ud), void *ud);

#endif
