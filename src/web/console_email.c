/*
 * console_email.c — a staff member's e-mail address for the operator's
 * notices (/console/email): set it, and confirm it with the link mailed to
 * it (core/mail.h). Until confirmed, nothing but the confirmation goes to
 * it. The link's page asks for a click (a POST), so a mail scanner that
 * follows links confirms nothing.
 */
#include <string.h>

#include "core/account.h"
#include "core/mail.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/console.h"
#include "web/page.h"
#include "web/web.h"

static void email_page(req *r, int status, const char *error_key, const char *typed)
{
	int confirmed = 0;
	const char *addr = mail_address(r->db, &r->a, r->staff->id, &confirmed);
	json_t *v = console_view(r);
	json_object_set_new(v, "address", json_string(typed ? typed : addr));
	json_object_set_new(v, "has_address", json_boolean(addr[0] != '\0'));
	json_object_set_new(v, "confirmed", json_boolean(confirmed));
	json_object_set_new(v, "mail_on", json_boolean(mail_enabled()));
	json_object_set_new(v, "sent", json_boolean(req_query(r, "sent") != NULL));
	if (error_key)
		json_object_set_new(v, "error", json_string(web_text(r, error_key)));
	page_render(r, status, "email", v);
}

void console_email_form(req *r)
{
	email_page(r, 200, NULL, NULL);
}

/* R_WRITE: store the address and queue its confirmation link. */
void console_email(req *r)
{
	const char *addr = req_form(r, "email");
	if (!mail_enabled()) {
		email_page(r, 409, "email.off", addr);
		return;
	}
	int rc = addr && strlen(addr) <= 254 ? mail_set_address(r->db, &r->a, r->staff->id, addr, time_now_ms()) : 0;
	if (rc == 0) {
		email_page(r, 422, "email.invalid", addr && strlen(addr) <= 254 ? addr : "");
		return;
	}
	if (rc < 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "account_email_set", NULL);
	req_redirect(r, "/console/email?sent=1");
}

void email_confirm_form(req *r)
{
	json_t *v = json_pack("{s:s}", "token", r->params[0]);
	page_render(r, 200, "email_confirm", v);
}

/* R_WRITE: the link's token confirms the address it was sent to. */
void email_confirm(req *r)
{
	int rc = mail_confirm(r->db, r->params[0], time_now_ms());
	if (rc < 0) {
		r->failed = 1;
		return;
	}
	if (rc == 0) {
		web_error(r, 404, "link_invalid", "email.link_invalid", NULL);
		return;
	}
	page_render(r, 200, "email_confirm", json_pack("{s:b}", "done", 1));
}
