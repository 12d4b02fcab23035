/*
 * console_rallies.c — the rally editor: create, edit (texts, period in
 * JST, theme colours with a contrast warning, passcode), status changes,
 * cover image; the participant-side theme stylesheet and uploaded images.
 */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/editor.h"
#include "core/image.h"
#include "core/line.h"
#include "core/lottery.h"
#include "core/publish.h"
#include "core/rallycopy.h"
#include "core/rewards.h"
#include "core/stamp.h"
#include "core/tenant.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "lib/utf8.h"
#include "web/common.h"
#include "web/console.h"
#include "web/lottery.h"
#include "web/rewards.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

#define WCAG_AA 4.5

/* JST "YYYY-MM-DDTHH:MM" for a datetime-local input (arena string). */
static const char *local_input(req *r, int64_t ms)
{
	char out[32];
	time_format_jst(ms, "%Y-%m-%dT%H:%M", out, sizeof out);
	return arena_strdup(&r->a, out);
}

/* Read the rally form from the request. */
static void read_form(req *r, struct rally_form *f)
{
	memset(f, 0, sizeof *f);
	f->slug = req_form(r, "slug");
	f->title = req_form(r, "title");
	f->description = req_form(r, "description");
	if (parse_jst_local(req_form(r, "starts_at"), &f->starts_at) != 0)
		f->starts_at = 0;
	if (parse_jst_local(req_form(r, "ends_at"), &f->ends_at) != 0)
		f->ends_at = 0;
	f->primary = req_form(r, "primary");
	f->accent = req_form(r, "accent");
	f->background = req_form(r, "background");
	f->passcode = req_form(r, "passcode");
	f->passcode_hash = r->proof.new_hash[2]; /* made before the transaction (prove.c) */
	const char *clear = req_form(r, "clear_passcode");
	f->clear_passcode = clear && strcmp(clear, "1") == 0;
}

/* Contrast warnings for a theme: white text on primary buttons, body text
 * on the background. */
static void contrast_warnings(req *r, json_t *view, const char *primary, const char *bg)
{
	json_t *w = json_array();
	if (colour_valid(primary) && colour_contrast(primary, "#ffffff") < WCAG_AA)
		json_array_append_new(w, json_string(web_text(r, "theme.low_contrast_primary")));
	if (colour_valid(bg) && colour_contrast(bg, "#222222") < WCAG_AA)
		json_array_append_new(w, json_string(web_text(r, "theme.low_contrast_background")));
	json_object_set_new(view, "warnings", w);
}

/* The view of the editor: the form's values (as sent, after an error). */
static json_t *form_view(req *r, const struct rally_form *f, json_t *errors)
{
	json_t *view = console_view(r);
	json_object_set_new(view, "form", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "slug", f->slug ? f->slug : "",
						    "title", f->title ? f->title : "", "description",
						    f->description ? f->description : "", "starts_at",
						    f->starts_at ? local_input(r, f->starts_at) : (req_form(r, "starts_at") ? req_form(r, "starts_at") : ""),
						    "ends_at",
						    f->ends_at ? local_input(r, f->ends_at) : (req_form(r, "ends_at") ? req_form(r, "ends_at") : ""),
						    "primary", colour_valid(f->primary) ? f->primary : "#c62828", "accent",
						    colour_valid(f->accent) ? f->accent : "#f9a825", "background",
						    colour_valid(f->background) ? f->background : "#fffaf3"));
	if (errors)
		console_errors(r, view, errors);
	contrast_warnings(r, view, f->primary, f->background);
	return view;
}

void console_rally_new(req *r)
{
	int64_t now = time_now_ms();
	struct rally_form f = {.title = "", .starts_at = now - now % 3600000 + 3600000,
			       .ends_at = now - now % 3600000 + 31LL * 86400000, .primary = "#c62828",
			       .accent = "#f9a825", .background = "#fffaf3"};
	json_t *view = form_view(r, &f, NULL);
	json_object_set_new(view, "creating", json_true());
	page_render(r, 200, "rally_edit", view);
}

void console_rally_create(req *r)
{
	struct rally_form f;
	json_t *errors = json_object();
	read_form(r, &f);
	if (rally_form_check(&f, 1, errors) != 0) {
		json_t *view = form_view(r, &f, errors);
		json_object_set_new(view, "creating", json_true());
		page_render(r, 422, "rally_edit", view);
		return;
	}
	int64_t limit;
	if (quota_exceeded(r->db, r->staff->tenant_id, QUOTA_RALLIES, 0, 1, &limit)) {
		json_decref(errors);
		web_error(r, 409, "quota_rallies", "quota.rallies",
			  json_pack("{s:I, s:s}", "limit", (json_int_t)limit, "back", "/console"));
		return;
	}
	int64_t id = rally_create(r->db, r->staff->tenant_id, &f, time_now_ms());
	if (id == 0) {
		json_object_set_new(errors, "slug", json_string("rally.slug_taken"));
		json_t *view = form_view(r, &f, errors);
		json_object_set_new(view, "creating", json_true());
		page_render(r, 409, "rally_edit", view);
		return;
	}
	json_decref(errors);
	if (id < 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "rally_created", web_json_text(r, json_pack("{s:s}", "rally", f.slug)));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s", f.slug));
}

/* The publish check's problems with their texts for the page (key and
 * names filled in). Takes problems (NULL: none shown); returns it. */
static json_t *publish_view(req *r, json_t *problems)
{
	size_t i;
	json_t *p;
	json_array_foreach(problems, i, p)
		json_object_set_new(p, "text", json_string(web_text_fill(r, json_string_value(json_object_get(p, "key")), p)));
	return problems ? problems : json_array();
}

/* Everything the edit page shows besides the form: status, spots, cover. */
static void edit_extras(req *r, json_t *view, const struct rally *ra)
{
	json_t *next = json_array();
	for (int to = 0; to < STATUS_N; to++)
		if (rally_transition_allowed(ra->status, (enum rally_status)to))
			json_array_append_new(next, json_pack("{s:s, s:s}", "status", rally_status_name((enum rally_status)to),
							      "label", web_text(r, arena_printf(&r->a, "status.to_%s",
											rally_status_name((enum rally_status)to)))));
	struct card c;
	card_load(r->db, &r->a, ra, NULL, &c);
	json_t *spots = json_array();
	for (size_t i = 0; i < c.n; i++)
		json_array_append_new(spots, json_pack("{s:s, s:s, s:i}", "id", c.spots[i].public_id, "name", c.spots[i].name,
						       "position", c.spots[i].position));
	db_stmt *st = db_query(r->db, "SELECT public_id, name, position FROM spots WHERE rally_id = $1 AND disabled_at IS NOT NULL"
				      " ORDER BY position, id", "i", ra->id);
	while (db_row(st) == DB_ROW) /* disabled spots last, marked */
		json_array_append_new(spots, json_pack("{s:s, s:s, s:I, s:b}", "id", db_text(st, 0), "name", db_text(st, 1),
						       "position", (json_int_t)db_int(st, 2), "disabled", 1));
	db_done(st);
	const char *desk = rally_desk_pin_hash(r->db, &r->a, ra->id);
	json_object_set_new(view, "rally", json_pack("{s:s, s:s, s:s, s:b, s:b}", "slug", ra->slug, "title", ra->title, "status_label",
						     web_text(r, arena_printf(&r->a, "status.%s", rally_status_name(ra->status))), "has_passcode",
						     rally_has_passcode(r->db, ra->id), "desk_pin_set", desk && *desk));
	json_object_set_new(view, "transitions", next);
	json_t *pv = json_array();
	for (int i = 0; i < JOIN_N; i++) {
		const char *name = join_policy_name((enum join_policy)i);
		json_array_append_new(pv, json_pack("{s:s, s:s, s:b}", "value", name, "label",
						    web_text(r, arena_printf(&r->a, "line.policy_%s", name)), "selected",
						    (int)ra->join_policy == i));
	}
	json_object_set_new(view, "policies", pv);
	json_object_set_new(view, "tiers", rewards_view(r, ra, 0));
	/* the lottery form designer: empty for a new tier; filled for each
	 * lottery tier whose form can still change (no entries yet) */
	json_object_set_new(view, "new_tier", json_pack("{s:o}", "designer", lottery_designer(r, NULL)));
	struct tier *t;
	int nt = tiers_load(r->db, &r->a, ra->id, 0, &t);
	json_t *tv = json_object_get(view, "tiers");
	for (int i = 0; i < nt && i < (int)json_array_size(tv); i++)
		if (t[i].kind == TIER_LOTTERY && lottery_entry_count(r->db, t[i].id, NULL) == 0)
			json_object_set_new(json_array_get(tv, i), "designer", lottery_designer(r, t[i].form));
	json_object_set_new(view, "spots", spots);
	int64_t test = rally_preview_count(r->db, ra->id);
	json_object_set_new(view, "preview", json_pack("{s:b, s:I, s:b}", "draft", ra->status == STATUS_DRAFT, "test",
						       (json_int_t)test, "has_test", test > 0));
	json_object_set_new(view, "deletable",
			    json_boolean(ra->status == STATUS_DRAFT && rally_participant_count(r->db, ra->id) == 0));
	if (ra->status == STATUS_DRAFT || ra->status == STATUS_CLOSED) {
		json_t *problems = publish_view(r, rally_publish_problems(r->db, ra, time_now_ms()));
		json_object_set_new(view, "has_problems", json_boolean(json_array_size(problems) > 0));
		json_object_set_new(view, "problems", problems);
	}
	const char *cover = image_public_id(r->db, &r->a, rally_cover_image(r->db, ra->id));
	if (cover)
		json_object_set_new(view, "cover", json_string(cover));
}

/* The form values of an existing rally. */
static void rally_values(req *r, const struct rally *ra, struct rally_form *f, char theme[3][8])
{
	memset(f, 0, sizeof *f);
	rally_theme(r->db, ra->id, theme);
	f->slug = ra->slug;
	f->title = ra->title;
	f->description = ra->description;
	f->starts_at = ra->starts_at;
	f->ends_at = ra->ends_at;
	f->primary = theme[0];
	f->accent = theme[1];
	f->background = theme[2];
}

/* The rally's edit page as stored, answered with status; flag (NULL or
 * a view key such as "saved") is set true for the page's notice. */
static void console_rally_page(req *r, const struct rally *ra, int status, const char *flag)
{
	struct rally_form f;
	char theme[3][8];
	rally_values(r, ra, &f, theme);
	json_t *view = form_view(r, &f, NULL);
	edit_extras(r, view, ra);
	if (flag)
		json_object_set_new(view, flag, json_true());
	page_render(r, status, "rally_edit", view);
}

void console_rally_edit(req *r)
{
	struct rally ra;
	if (console_rally(r, r->params[0], &ra))
		console_rally_page(r, &ra, 200, req_query(r, "saved") ? "saved" : NULL);
}

void console_rally_update(req *r)
{
	struct rally ra;
	struct rally_form f;
	json_t *errors = json_object();
	if (!console_rally(r, r->params[0], &ra)) {
		json_decref(errors);
		return;
	}
	read_form(r, &f);
	f.slug = ra.slug;
	if (rally_form_check(&f, 0, errors) != 0) {
		json_t *view = form_view(r, &f, errors);
		edit_extras(r, view, &ra);
		page_render(r, 422, "rally_edit", view);
		return;
	}
	json_decref(errors);
	if (rally_update(r->db, ra.id, &f, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "rally_updated", web_json_text(r, json_pack("{s:s}", "rally", ra.slug)));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s?saved=1", ra.slug));
}

/* True when the form carries confirm=1 (sent by the confirmation page). */
static int confirmed(req *r)
{
	const char *c = req_form(r, "confirm");
	return c && !strcmp(c, "1");
}

/* A page that says what a change to the rally does (catalog key explain),
 * with the button (label) that sends the same POST to action with
 * confirm=1; status (or NULL) goes along as a hidden field. */
static void rally_confirm(req *r, const struct rally *ra, const char *action, const char *status, const char *label,
			  const char *explain)
{
	json_t *view = console_view(r);
	json_object_update_new(view, json_pack("{s:{s:s, s:s}, s:s, s:s, s:s}", "rally", "slug", ra->slug, "title", ra->title,
					       "action", action, "label", label, "explain", web_text(r, explain)));
	if (status)
		json_object_set_new(view, "status", json_string(status));
	page_render(r, 200, "rally_confirm", view);
}

/* A closing, reverting or archiving request without confirm=1. */
static void status_confirm(req *r, const struct rally *ra, enum rally_status to)
{
	const char *name = rally_status_name(to);
	rally_confirm(r, ra, arena_printf(&r->a, "/console/rallies/%s/status", ra->slug), name,
		      web_text(r, arena_printf(&r->a, "status.to_%s", name)), arena_printf(&r->a, "status.confirm_%s", name));
}

/* POST .../status: move the rally to another status. Publishing (and
 * reopening) runs the publish check first and answers 409 with the rally
 * page listing the problems; closing, reverting to draft and archiving
 * need confirm=1 (the confirmation page sends it). */
void console_rally_status(req *r)
{
	struct rally ra;
	int to = rally_status_parse(req_form(r, "status"));
	if (!console_rally(r, r->params[0], &ra))
		return;
	if (to < 0 || !rally_transition_allowed(ra.status, (enum rally_status)to) ||
	    (to == STATUS_DRAFT && rally_participant_count(r->db, ra.id) != 0)) {
		web_error(r, 409, "bad_transition", "rally.bad_transition",
			  json_pack("{s:s}", "back", arena_printf(&r->a, "/console/rallies/%s", ra.slug)));
		return;
	}
	if (to == STATUS_PUBLISHED) {
		json_t *problems = rally_publish_problems(r->db, &ra, time_now_ms());
		if (!problems) {
			r->failed = 1;
			return;
		}
		if (json_array_size(problems)) {
			json_decref(problems);
			console_rally_page(r, &ra, 409, "publish_refused");
			return;
		}
		json_decref(problems);
	} else {
		if (!confirmed(r)) {
			status_confirm(r, &ra, (enum rally_status)to);
			return;
		}
	}
	if (rally_set_status(r->db, ra.id, (enum rally_status)to, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "rally_status", web_json_text(r, json_pack("{s:s, s:s, s:s}", "rally", ra.slug, "from",
								     rally_status_name(ra.status), "to",
								     rally_status_name((enum rally_status)to))));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s?saved=1", ra.slug));
}

/* POST .../duplicate: a new draft from this rally (core/rallycopy.c) under
 * the slug and title given (the title defaults to the rally's). */
void console_rally_duplicate(req *r)
{
	struct rally ra;
	if (!console_rally(r, r->params[0], &ra))
		return;
	const char *slug = req_form(r, "slug"), *title = req_form(r, "title");
	const char *back = arena_printf(&r->a, "/console/rallies/%s", ra.slug);
	if (!title || !*title)
		title = ra.title;
	int64_t limit;
	if (!slug || !rally_slug_valid(slug) || utf8_chars(title) > 200 || !utf8_printable(title)) {
		web_error(r, 422, "invalid_request", !slug || !rally_slug_valid(slug) ? "rally.slug_invalid" : "form.too_long",
			  json_pack("{s:s}", "back", back));
		return;
	}
	if (quota_exceeded(r->db, r->staff->tenant_id, QUOTA_RALLIES, 0, 1, &limit)) {
		web_error(r, 409, "quota_rallies", "quota.rallies", json_pack("{s:I, s:s}", "limit", (json_int_t)limit, "back", back));
		return;
	}
	int64_t id = rally_duplicate(r->db, ra.id, slug, title, time_now_ms());
	if (id == 0)
		web_error(r, 409, "slug_taken", "rally.slug_taken", json_pack("{s:s}", "back", back));
	if (id <= 0) {
		if (id < 0)
			r->failed = 1;
		return;
	}
	console_event(r, "rally_duplicated", web_json_text(r, json_pack("{s:s, s:s}", "rally", slug, "from", ra.slug)));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s?saved=1", slug));
}

/* POST .../delete: a draft nobody joined, after a confirmation page. */
void console_rally_delete(req *r)
{
	struct rally ra;
	if (!console_rally(r, r->params[0], &ra))
		return;
	const char *back = arena_printf(&r->a, "/console/rallies/%s", ra.slug);
	if (ra.status != STATUS_DRAFT || rally_participant_count(r->db, ra.id) != 0) {
		web_error(r, 409, "not_a_draft", "rally.delete_refused", json_pack("{s:s}", "back", back));
		return;
	}
	if (!confirmed(r)) {
		rally_confirm(r, &ra, arena_printf(&r->a, "%s/delete", back), NULL, web_text(r, "rally.delete"),
			      "rally.delete_confirm");
		return;
	}
	int rc = rally_delete_draft(r->db, ra.id);
	if (rc == 0)
		web_error(r, 409, "not_a_draft", "rally.delete_refused", json_pack("{s:s}", "back", back));
	if (rc != 1) {
		if (rc < 0)
			r->failed = 1;
		return;
	}
	console_event(r, "rally_deleted", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "title", ra.title)));
	req_redirect(r, "/console?deleted=1");
}

/* POST .../preview/clear: delete the test data of organizers' previews. */
void console_rally_preview_clear(req *r)
{
	struct rally ra;
	if (!console_rally(r, r->params[0], &ra))
		return;
	int64_t n = rally_preview_clear(r->db, ra.id);
	if (n < 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "preview_cleared", web_json_text(r, json_pack("{s:s, s:I}", "rally", ra.slug, "participants", (json_int_t)n)));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s?saved=1", ra.slug));
}

/* Check r->upload and store the variants its prove step made of it
 * (web/prove.c, lib/picture.h: resized, stripped of metadata); answers and
 * returns 0 on refusal. */
int64_t console_store_upload(req *r, const char *back)
{
	struct image_info info;
	enum image_check c = image_check((const unsigned char *)buf_str(&r->upload), r->upload.len, &info);
	if (c == IMAGE_OK && r->proof.npictures <= 0)
		c = IMAGE_UNDECODABLE;
	if (c != IMAGE_OK) {
		web_error(r, c == IMAGE_TOO_LARGE ? 413 : 422, "bad_image", image_check_key(c),
			  json_pack("{s:s}", "back", back));
		return 0;
	}
	int64_t limit, total = 0;
	for (int i = 0; i < r->proof.npictures; i++)
		total += (int64_t)r->proof.pictures[i].n;
	if (quota_exceeded(r->db, r->staff->tenant_id, QUOTA_STORAGE, 0, total, &limit)) {
		web_error(r, 409, "quota_storage", "quota.storage",
			  json_pack("{s:I, s:s}", "megabytes", (json_int_t)(limit / (1024 * 1024)), "back", back));
		return 0;
	}
	int64_t id = image_store_pictures(r->db, r->staff->tenant_id, r->proof.pictures, r->proof.npictures, time_now_ms());
	if (id <= 0)
		r->failed = 1;
	return id > 0 ? id : 0;
}

/* POST .../desk-pin: set or remove the rally's desk PIN (valid at every spot
 * that takes staff PINs). */
void console_rally_desk_pin(req *r)
{
	struct rally ra;
	const char *pin = req_form(r, "desk_pin");
	if (!console_rally(r, r->params[0], &ra))
		return;
	const char *back = arena_printf(&r->a, "/console/rallies/%s", ra.slug);
	if (pin && *pin && !desk_pin_valid(pin)) {
		web_error(r, 422, "invalid_request", "rally.desk_pin_invalid", json_pack("{s:s}", "back", back));
		return;
	}
	if (pin && *pin && !r->proof.new_hash[1]) { /* hashed before the transaction (prove.c) */
		r->failed = 1;
		return;
	}
	if (rally_set_desk_pin(r->db, ra.id, pin && *pin ? r->proof.new_hash[1] : "") != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "rally_desk_pin", web_json_text(r, json_pack("{s:s, s:b}", "rally", ra.slug, "set", pin && *pin)));
	req_redirect(r, arena_printf(&r->a, "%s?saved=1", back));
}

void console_rally_cover(req *r)
{
	struct rally ra;
	if (!console_rally(r, r->params[0], &ra))
		return;
	const char *back = arena_printf(&r->a, "/console/rallies/%s", ra.slug);
	int64_t id = console_store_upload(r, back);
	if (!id)
		return;
	if (rally_set_cover(r->db, ra.id, id, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	req_redirect(r, arena_printf(&r->a, "%s?saved=1", back));
}

/* GET /images/{id} and /images/{id}/{variant} (480, 480.webp, 960,
 * 960.webp): an uploaded image, with its stored content type, nosniff (on
 * every response), and long caching: an image's id never changes. */
void page_image(req *r)
{
	const char *variant = r->nparams > 1 ? r->params[1] : NULL;
	if (!token_valid(r->params[0]) || (variant && !image_variant_valid(variant))) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	const char *type;
	const void *bytes;
	size_t n;
	int found = image_load_variant(r->db, &r->a, r->params[0], variant, &type, &bytes, &n);
	if (found != 1) {
		if (found == 0)
			web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	req_add_header(r, "Content-Disposition", "inline");
	if (req_cached(r, arena_printf(&r->a, "\"%s%s%s\"", r->params[0], variant ? "/" : "", variant ? variant : ""),
		       "public, max-age=31536000, immutable"))
		return;
	r->content_type = type;
	buf_append(&r->out, bytes, n);
	r->status = 200;
}

/* GET /r/{slug}/theme.css: the rally's colours as CSS custom properties
 * (the Content-Security-Policy allows no inline style). */
void page_theme_css(req *r)
{
	struct rally ra;
	char theme[3][8];
	if (!rally_slug_valid(r->params[0]) || rally_by_slug(r->db, &r->a, r->params[0], &ra) != 1 ||
	    web_hidden_draft(r, &ra) || rally_theme(r->db, ra.id, theme) != 0) { /* a draft is not public */
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	r->status = 200;
	r->content_type = "text/css; charset=utf-8";
	req_add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, ra.preview ? "private, no-store" : "public, max-age=300");
	/* Colours were validated as #rrggbb when saved; checked again here. */
	buf_printf(&r->out, ":root{--primary:%s;--accent:%s;--bg:%s}\n", colour_valid(theme[0]) ? theme[0] : "#c62828",
		   colour_valid(theme[1]) ? theme[1] : "#f9a825", colour_valid(theme[2]) ? theme[2] : "#fffaf3");
}
