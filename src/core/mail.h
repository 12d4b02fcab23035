/*
 * mail.h — e-mail the service sends: notices of announcements (and the
 * reminder the day before a maintenance) to the owners and admins of the
 * tenants concerned, the link that confirms a staff member's address, and
 * a participant's recovery code to the address they typed.
 *
 * Every message is composed whole here (RFC 5322 headers, a UTF-8 subject
 * as encoded words, a base64 text/plain body in UTF-8, a Message-ID that
 * is the same for a recipient however often it is sent, Auto-Submitted)
 * and queued sealed in mail_outbox in the caller's transaction, so it
 * exists exactly when what it announces does; ops/mailer.c sends it.
 * Addresses are checked before they are stored (no space, CR or LF can
 * reach a header). Nothing is queued while mail.smtp_url is empty.
 */
#ifndef SR_MAIL_H
#define SR_MAIL_H

#include <stdint.h>

#include "core/announce.h"
#include "lib/arena.h"
#include "lib/config.h"
#include "lib/i18n.h"
#include "store/db.h"

/* Check the [mail] settings: a smtp:// or smtps:// URL, TLS required
 * unless the relay is on loopback, a From without control characters. 0,
 * or -1 with the reason in err. */
int mail_check(const config *c, char *err, size_t n);
/* Take the mail settings (From, contact, public URL) from c; load the
 * message catalogs when they are not yet. Call once at start. */
void mail_configure(const config *c);
/* True when mail.smtp_url is set (messages are queued and sent). */
int mail_enabled(void);

/* The whole message (CRLF lines) as a heap string (caller frees). */
char *mail_compose(const char *to, const char *subject, const char *body, const char *message_id, int64_t now);
/* Queue a message to one address (sealed) in d's transaction. 0 or -1. */
int mail_queue(db *d, arena *a, const char *kind, int64_t tenant_id, const char *to, const char *subject, const char *body,
	       const char *message_id, int64_t now);

/* Queue the notice of announcement id (or its day-before reminder) to
 * every enabled owner and admin with a confirmed address of its tenants
 * (all tenants when it names none). The number queued, or -1. */
int mail_announcement(db *d, arena *a, int64_t announcement_id, int reminder, int64_t now);
/* Queue the reminders of maintenance announcements that start within a
 * day of now and have none yet, each in one write. The number of
 * announcements reminded, or -1. */
int mail_reminders_due(db *d, int64_t now);

/* Queue a participant's recovery code of the rally titled title to
 * address to (checked by the caller with email_address_ok), written in
 * lang; kind "recovery": the mailer wipes its address and text once it is
 * sent or given up, and nothing else keeps the address. 0 or -1. */
int mail_recovery_code(db *d, arena *a, int64_t tenant_id, const char *to, enum lang lang, const char *title,
		       const char *code, int64_t now);

/* Set a staff account's address (checked with email_address_ok): stored
 * sealed, unconfirmed, with a new confirmation link (valid a day) mailed
 * to it. 1, 0 for a bad address, -1 on error. */
int mail_set_address(db *d, arena *a, int64_t account_id, const char *address, int64_t now);
/* Confirm the address the token was sent to. 1 confirmed, 0 no such
 * (or an expired) link, -1 on error. */
int mail_confirm(db *d, const char *token, int64_t now);
/* An account's address (arena string, "" when none) and whether it is
 * confirmed. */
const char *mail_address(db *d, arena *a, int64_t account_id, int *confirmed);

#endif
