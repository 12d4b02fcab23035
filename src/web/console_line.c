/*
 * console_line.c — a tenant's LINE Login channel (ID, secret, the callback
 * URL to register at LINE) and each rally's join policy. The secret is
 * sealed at rest and never shown again, in full or in part.
 */
#include <string.h>

#include "core/account.h"
#include "core/line.h"
#include "http/server.h"
#include "web/console.h"
#include "web/page.h"
#include "web/web.h"

static json_t *line_view(req *r)
{
	const char *cid, *secret;
	json_t *view = console_view(r);
	line_channel(r->db, &r->a, r->staff->tenant_id, &cid, &secret);
	json_object_set_new(view, "channel_id", json_string(cid));
	json_object_set_new(view, "secret_set", json_boolean(*secret != '\0'));
	json_object_set_new(view, "callback", json_string(arena_printf(&r->a, "%s/auth/line/callback", r->srv->cfg.public_url)));
	return view;
}

void console_line_form(req *r)
{
	json_t *view = line_view(r);
	if (req_query(r, "saved"))
		json_object_set_new(view, "saved", json_true());
	page_render(r, 200, "line_settings", view);
}

void console_line_save(req *r)
{
	const char *cid = req_form(r, "channel_id"), *secret = req_form(r, "channel_secret");
	json_t *view = NULL;
	if (!cid || strlen(cid) > 32 || strspn(cid, "0123456789") != strlen(cid)) {
		view = line_view(r);
		console_field_error(r, view, "channel_id", "line.channel_id_invalid");
	} else if (secret && *secret && (strlen(secret) < 16 || strlen(secret) > 128)) {
		view = line_view(r);
		console_field_error(r, view, "channel_secret", "line.channel_secret_invalid");
	}
	if (view) {
		page_render(r, 422, "line_settings", view);
		return;
	}
	if (line_set_channel(r->db, &r->a, r->staff->tenant_id, cid, secret) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "line_channel_changed",
		      web_json_text(r, json_pack("{s:s, s:b}", "channel_id", cid, "secret_changed", secret && *secret)));
	req_redirect(r, "/console/line?saved=1");
}

void console_rally_join_policy(req *r)
{
	struct rally ra;
	int policy = join_policy_parse(req_form(r, "join_policy"));
	if (!console_rally(r, r->params[0], &ra))
		return;
	if (policy < 0) {
		web_error(r, 422, "invalid_request", "line.policy_invalid",
			  json_pack("{s:s}", "back", arena_printf(&r->a, "/console/rallies/%s", ra.slug)));
		return;
	}
	if (rally_set_join_policy(r->db, ra.id, (enum join_policy)policy) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "rally_join_policy", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "policy",
									    join_policy_name((enum join_policy)policy))));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s?saved=1", ra.slug));
}
