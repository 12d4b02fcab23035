/*
 * mail.c — see mail.h.
 */
#include "core/mail.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/lottery.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/seal.h"
#include "lib/timeutil.h"
#include "lib/token.h"

#define CONFIRM_MS (24LL * 3600 * 1000)
#define DAY_MS (24LL * 3600 * 1000)

static struct {
	int on;
	char from[256], contact[512], url[512], host[256];
} cfg;

/* True when s has no control character (CR, LF, …). */
static int no_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int mail_check(const config *c, char *err, size_t n)
{
	const char *u = c->mail_smtp_url;
	if (!u[0])
		return 0;
	const char *host = strncmp(u, "smtp://", 7) == 0 ? u + 7 : strncmp(u, "smtps://", 8) == 0 ? u + 8 : NULL;
	int loopback = host && (strncmp(host, "127.", 4) == 0 || strncmp(host, "[::1]", 5) == 0 || strncmp(host, "localhost", 9) == 0);
	if (!host)
		snprintf(err, n, "mail.smtp_url must be smtp://HOST:PORT or smtps://HOST:PORT");
	else if (strcmp(c->mail_tls, "required") != 0 && strcmp(c->mail_tls, "none") != 0)
		snprintf(err, n, "mail.tls must be required or none");
	else if (strcmp(c->mail_tls, "none") == 0 && !loopback)
		snprintf(err, n, "mail.tls = none (plain SMTP) only to a relay on loopback");
	else if (!c->mail_from[0] || !no_controls(c->mail_from) || !strchr(c->mail_from, '@'))
		snprintf(err, n, "mail.from must be an address (\"Name <addr>\" or addr) when mail.smtp_url is set");
	else if (!no_controls(c->mail_contact))
		snprintf(err, n, "mail.contact must be one line");
	else
		return 0;
	return -1;
}

void mail_configure(const config *c)
{
	cfg.on = c->mail_smtp_url[0] != '\0';
	snprintf(cfg.from, sizeof cfg.from, "%s", c->mail_from);
	snprintf(cfg.contact, sizeof cfg.contact, "%s", c->mail_contact);
	snprintf(cfg.url, sizeof cfg.url, "%s", c->public_url);
	const char *h = strstr(c->public_url, "://");
	h = h ? h + 3 : c->public_url;
	size_t n = strcspn(h, ":/");
	snprintf(cfg.host, sizeof cfg.host, "%.*s", (int)(n && n < 200 ? n : 9), n && n < 200 ? h : "localhost");
	if (!i18n_text(LANG_JA, "lang.self"))
		i18n_init();
}

int mail_enabled(void)
{
	return cfg.on;
}

/* ---- composing ---- */

/* Append p[0..n) as base64 lines of 76 characters. */
static void put_base64_lines(buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;
		char line[80];
		sodium_bin2base64(line, sizeof line, p + i, k, sodium_base64_VARIANT_ORIGINAL);
		buf_puts(b, line);
		buf_puts(b, "\r\n");
	}
}

/* The subject as RFC 2047 encoded words of at most 75 characters, never
 * splitting a UTF-8 character, folded onto continuation lines. */
static void put_subject(buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;
	buf_puts(b, "Subject: ");
	while (i < n) {
		size_t k = n - i < 45 ? n - i : 45;
		while (k < n - i && k > 0 && ((unsigned char)s[i + k] & 0xC0) == 0x80)
			k--; /* back to a character's first byte */
		char enc[80];
		sodium_bin2base64(enc, sizeof enc, (const unsigned char *)s + i, k, sodium_base64_VARIANT_ORIGINAL);
		buf_printf(b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", enc);
		i += k;
	}
	buf_puts(b, "\r\n");
}

char *mail_compose(const char *to, const char *subject, const char *body, const char *message_id, int64_t now)
{
	char date[64];
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	snprintf(date, sizeof date, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	buf b = BUF_INIT;
	buf_printf(&b, "From: %s\r\nTo: %s\r\n", cfg.from, to);
	put_subject(&b, subject);
	buf_printf(&b, "Date: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
		       "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n"
		       "Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n\r\n",
		   date, message_id);
	put_base64_lines(&b, (const unsigned char *)body, strlen(body));
	char *out = strdup(buf_str(&b));
	buf_free(&b);
	return out;
}

int mail_queue(db *d, arena *a, const char *kind, int64_t tenant_id, const char *to, const char *subject, const char *body,
	       const char *message_id, int64_t now)
{
	char *msg = mail_compose(to, subject, body, message_id, now);
	const char *rcpt = seal(a, to), *sealed = msg ? seal(a, msg) : NULL;
	free(msg);
	if (!rcpt || !sealed)
		return -1;
	return db_exec(d, "INSERT INTO mail_outbox(message_id, kind, tenant_id, rcpt_sealed, message_sealed, created_at, next_attempt_at)"
			  " VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (message_id) DO NOTHING",
		       "ttitti", message_id, kind, tenant_id, rcpt, sealed, now) == DB_DONE ? 0 : -1;
}

/* ---- announcements ---- */

/* The catalog text of key in l, its {placeholders} filled from vars. */
static void put_text(buf *b, enum lang l, const char *key, json_t *vars)
{
	const char *t = i18n_text(l, key);
	for (const char *p = t ? t : key; *p; p++) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (!close) {
			buf_putc(b, *p);
			continue;
		}
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
		const char *v = json_string_value(json_object_get(vars, name));
		buf_puts(b, v ? v : "");
		p = close;
	}
}

int mail_recovery_code(db *d, arena *a, int64_t tenant_id, const char *to, enum lang lang, const char *title,
		       const char *code, int64_t now)
{
	if (!cfg.on)
		return 0;
	json_t *vars = json_pack("{s:s, s:s, s:s}", "rally", title, "code", code, "url", cfg.url);
	buf subject = BUF_INIT, body = BUF_INIT;
	put_text(&subject, lang, "mail.subject.recovery", vars);
	put_text(&body, lang, "mail.recovery", vars);
	buf_puts(&body, "\n\n");
	put_text(&body, lang, "mail.automatic", vars);
	buf_puts(&body, "\n");
	json_decref(vars);
	char id[48];
	token_new(id, sizeof id, 16); /* every request its own message */
	int rc = mail_queue(d, a, "recovery", tenant_id, to, buf_str(&subject), buf_str(&body),
			    arena_printf(a, "recovery.%s@%s", id, cfg.host), now);
	buf_free(&subject);
	buf_free(&body);
	return rc;
}

/* One announcement as read for its message. */
struct notice {
	char public_id[48], kind[16], ja[4096], en[4096], from[40], to[40];
};

static int load_notice(db *d, int64_t id, struct notice *n)
{
	db_stmt *st = db_query(d, "SELECT public_id, kind, text_ja, text_en, starts_at, ends_at FROM announcements WHERE id = $1",
			       "i", id);
	int rc = st ? db_row(st) : DB_ERROR;
	if (rc == DB_ROW) {
		snprintf(n->public_id, sizeof n->public_id, "%s", db_text(st, 0));
		snprintf(n->kind, sizeof n->kind, "%s", db_text(st, 1));
		snprintf(n->ja, sizeof n->ja, "%s", db_text(st, 2));
		snprintf(n->en, sizeof n->en, "%s", db_text(st, 3));
		time_format_jst(db_int(st, 4), "%Y-%m-%d %H:%M", n->from, sizeof n->from);
		time_format_jst(db_int(st, 5), "%Y-%m-%d %H:%M", n->to, sizeof n->to);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* The subject and body of n (Japanese first, then English), into s and b. */
static void compose_notice(const struct notice *n, int reminder, buf *s, buf *b)
{
	json_t *vars = json_pack("{s:s, s:s, s:s, s:s}", "from", n->from, "to", n->to, "url", cfg.url, "contact",
				 cfg.contact[0] ? cfg.contact : "-");
	char key[64];
	snprintf(key, sizeof key, "mail.subject.%s%s", reminder ? "reminder." : "", n->kind);
	put_text(s, LANG_JA, key, vars);
	buf_puts(s, " / ");
	put_text(s, LANG_EN, key, vars);
	for (int l = 0; l < 2; l++) {
		enum lang lang = l ? LANG_EN : LANG_JA;
		if (l)
			buf_puts(b, "\n---- English ----\n\n");
		if (reminder) {
			put_text(b, lang, "mail.reminder", vars);
			buf_puts(b, "\n\n");
		}
		buf_puts(b, l && n->en[0] ? n->en : n->ja);
		buf_puts(b, "\n\n");
		put_text(b, lang, "mail.window", vars);
		buf_puts(b, "\n");
		put_text(b, lang, "mail.status", vars);
		buf_puts(b, "\n");
		put_text(b, lang, "mail.contact", vars);
		buf_puts(b, "\n");
	}
	buf_puts(b, "\n");
	put_text(b, LANG_JA, "mail.automatic", vars);
	buf_puts(b, " / ");
	put_text(b, LANG_EN, "mail.automatic", vars);
	buf_puts(b, "\n");
	json_decref(vars);
}

int mail_announcement(db *d, arena *a, int64_t announcement_id, int reminder, int64_t now)
{
	struct notice *n = arena_alloc(a, sizeof *n);
	if (!cfg.on)
		return 0;
	int found = load_notice(d, announcement_id, n);
	if (found <= 0)
		return found;
	buf subject = BUF_INIT, body = BUF_INIT;
	compose_notice(n, reminder, &subject, &body);
	db_stmt *st = db_query(d, "SELECT a.public_id, a.tenant_id, a.email_sealed FROM accounts a JOIN tenants t ON t.id = a.tenant_id"
				  " WHERE a.role IN ('owner', 'admin') AND a.disabled_at IS NULL AND a.email_confirmed_at IS NOT NULL"
				  " AND t.purge_requested_at IS NULL AND (NOT EXISTS (SELECT 1 FROM announcement_tenants x WHERE"
				  " x.announcement_id = $1) OR a.tenant_id IN (SELECT tenant_id FROM announcement_tenants WHERE"
				  " announcement_id = $1)) ORDER BY a.id",
			       "i", announcement_id);
	int count = 0;
	while (count >= 0 && st && db_row(st) == DB_ROW) {
		const char *to = unseal(a, db_text(st, 2));
		const char *mid = arena_printf(a, "%s.%s.%s@%s", reminder ? "reminder" : "notice", n->public_id, db_text(st, 0),
					       cfg.host);
		if (to && mail_queue(d, a, reminder ? "reminder" : "announcement", db_int(st, 1), to, buf_str(&subject),
				     buf_str(&body), mid, now) != 0)
			count = -1;
		else if (to)
			count++;
	}
	db_done(st);
	buf_free(&subject);
	buf_free(&body);
	return db_failed(d) ? -1 : count;
}

int mail_reminders_due(db *d, int64_t now)
{
	if (!cfg.on)
		return 0;
	int done = 0;
	for (;;) {
		int64_t id = db_int1(d, 0, "SELECT id FROM announcements WHERE kind = 'maintenance' AND reminded_at IS NULL"
					   " AND closed_at IS NULL AND starts_at > $1 AND starts_at <= $2 ORDER BY starts_at LIMIT 1",
				     "ii", now, now + DAY_MS);
		if (id <= 0)
			return db_failed(d) ? -1 : done;
		arena a = {0};
		int rc = db_begin(d) == 0 ? 0 : -1;
		int64_t real = time_now_ms(); /* now may be a test's "as of"; the message goes out at once */
		/* Claimed first: another node's mailer that got here too finds it
		 * taken (PostgreSQL waits for the first commit, then re-checks). */
		if (rc == 0 && db_exec(d, "UPDATE announcements SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL", "ii",
				       real, id) != DB_DONE)
			rc = -1;
		if (rc == 0 && db_changes(d) == 1 && mail_announcement(d, &a, id, 1, real) < 0)
			rc = -1;
		rc = rc == 0 && db_commit(d) == 0 ? 0 : -1;
		if (rc != 0 && db_in_write(d))
			db_rollback(d);
		arena_free(&a);
		if (rc != 0)
			return -1;
		done++;
	}
}

/* ---- staff addresses ---- */

int mail_set_address(db *d, arena *a, int64_t account_id, const char *address, int64_t now)
{
	if (!address || !email_address_ok(address))
		return 0;
	char token[48];
	unsigned char h[32];
	token_new(token, sizeof token, 16);
	token_hash(token, h);
	const char *sealed = seal(a, address);
	if (!sealed || db_exec(d, "UPDATE accounts SET email_sealed = $1, email_confirmed_at = NULL, email_token_hash = $2,"
				  " email_token_expires = $3 WHERE id = $4",
			       "tbii", sealed, h, sizeof h, now + CONFIRM_MS, account_id) != DB_DONE)
		return -1;
	int64_t tenant = db_int1(d, 0, "SELECT tenant_id FROM accounts WHERE id = $1", "i", account_id);
	json_t *vars = json_pack("{s:s, s:s}", "link", arena_printf(a, "%s/console/email/confirm/%s", cfg.url, token), "contact",
				 cfg.contact[0] ? cfg.contact : "-");
	buf subject = BUF_INIT, body = BUF_INIT;
	for (int l = 0; l < 2; l++) {
		enum lang lang = l ? LANG_EN : LANG_JA;
		put_text(&subject, lang, "mail.subject.confirm", vars);
		if (!l)
			buf_puts(&subject, " / ");
		put_text(&body, lang, "mail.confirm", vars);
		buf_puts(&body, l ? "\n" : "\n\n---- English ----\n\n");
	}
	json_decref(vars);
	int rc = mail_queue(d, a, "email_confirm", tenant, address, buf_str(&subject), buf_str(&body),
			    arena_printf(a, "confirm.%.12s@%s", token, cfg.host), now);
	sodium_memzero(token, sizeof token);
	buf_free(&subject);
	buf_free(&body);
	return rc == 0 ? 1 : -1;
}

int mail_confirm(db *d, const char *token, int64_t now)
{
	unsigned char h[32];
	if (!token_valid(token))
		return 0;
	token_hash(token, h);
	if (db_exec(d, "UPDATE accounts SET email_confirmed_at = $1, email_token_hash = NULL WHERE email_token_hash = $2"
		       " AND email_token_expires > $1 AND disabled_at IS NULL", "ib", now, h, sizeof h) != DB_DONE)
		return -1;
	return db_changes(d) == 1;
}

const char *mail_address(db *d, arena *a, int64_t account_id, int *confirmed)
{
	db_stmt *st = db_query(d, "SELECT email_sealed, email_confirmed_at IS NOT NULL FROM accounts WHERE id = $1", "i", account_id);
	const char *addr = "";
	*confirmed = 0;
	if (st && db_row(st) == DB_ROW) {
		const char *s = db_text(st, 0);
		addr = *s ? unseal(a, s) : "";
		*confirmed = db_int(st, 1) != 0;
	}
	db_done(st);
	return addr ? addr : "";
}
