/*
 * mailer.h — the thread that sends the outbox (core/mail.h) through the
 * SMTP relay (libcurl: smtp:// with STARTTLS, or smtps://; AUTH when a
 * user name is set), and queues the day-before reminders.
 *
 * A message is leased to one sender for two minutes (several nodes may
 * run), sent, and marked sent; a relay that refuses or does not answer
 * is tried again after mail.retry_seconds, doubling up to an hour, until
 * mail.give_up_hours (then mail_failed is recorded). A crash between the
 * relay's yes and the mark sends it again with the same Message-ID. A stop
 * sends no further message (each send has a 30-second limit); the rest are
 * tried again at the next start.
 */
#ifndef SR_MAILER_H
#define SR_MAILER_H

#include <stdint.h>

#include "lib/config.h"
#include "store/db.h"

/* Start the sender (every two seconds) when mail.smtp_url is set. 0 or -1. */
int mailer_start(const config *c);
void mailer_stop(void);
/* Send what is due now through d, once (the thread's tick; tests of the
 * command line). The number sent, or -1. */
int mailer_run(const config *c, db *d, int64_t now);

#endif
