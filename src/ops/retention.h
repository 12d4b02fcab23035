/*
 * retention.h — the daily purge: security events past
 * retention.security_events_days (with a signed pruning checkpoint),
 * access-log files (compressed after their day, deleted past
 * retention.access_log_days), rallies' personal data
 * retention.participants_days_after_end days after they end, and e-mail
 * sent or given up more than retention.mail_days ago.
 */
#ifndef SR_RETENTION_H
#define SR_RETENTION_H

#include <stdint.h>

#include "lib/config.h"
#include "store/db.h"

struct retention_result {
	int64_t events_pruned;       /* security events deleted */
	int64_t rallies_cleared;     /* rallies whose personal data was deleted */
	int64_t participants_cleared;
	int64_t logs_compressed, logs_deleted;
	int64_t mails_deleted;       /* outbox rows sent or given up before the limit */
};

/* Run every purge as of now (a clock the tests may move) through d (not in a
 * transaction). Each purge is recorded as a security event. 0, or -1 when
 * one failed (logged; the others still ran). */
int retention_run(const config *c, db *d, int64_t now, struct retention_result *res);

#endif
