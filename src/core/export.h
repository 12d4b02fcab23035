/*
 * export.h — the rows behind the console's CSV exports (web/console_export.c
 * writes them as CSV). Each export reads from a connection of its own, row
 * by row, so a million rows need no more memory than ten.
 */
#ifndef SR_EXPORT_H
#define SR_EXPORT_H

#include <stdint.h>

#include "store/db.h"

enum export_kind {
	EXPORT_PARTICIPANTS, /* public_id, created_at, stamps, completed_at (NULL when not) */
	EXPORT_STAMPS,       /* created_at, participant public_id, spot name, method */
	EXPORT_REWARDS,      /* code, tier name, participant public_id, earned_at, redeemed_at (NULL when not) */
	EXPORT_ENTRIES,      /* number, created_at, participant public_id, won rank (0: not won), sealed answers */
	EXPORT_WINNERS,      /* the same, the winners of one draw in rank order */
	EXPORT_AUDIT,        /* the tenant's security events: audit_rows() in core/audit.h, not export_rows */
};

/* The rows of an export, as an open statement on d (the caller steps it
 * with db_row and ends it with db_done). id: the rally for the first three
 * kinds, the lottery tier for entries and winners; draw_id: the draw for
 * winners. NULL on error. */
db_stmt *export_rows(db *d, enum export_kind kind, int64_t id, int64_t draw_id);

#endif
