/*
 * console_translations.c — the organizer's translations of a rally's own
 * texts (core/translate.h): GET/POST /console/rallies/{slug}/translations
 * ?lang=en|zh-Hans|zh-Hant|ko. One form per language lists every text with
 * its Japanese original beside the field; an empty field falls back to
 * Japanese. Only the texts of this rally can be set (the fields are made
 * from its own rows, never from the form).
 */
#include <string.h>

#include "core/lottery.h"
#include "core/rally.h"
#include "core/rewards.h"
#include "core/translate.h"
#include "lib/utf8.h"
#include "web/common.h"
#include "web/console.h"
#include "web/page.h"

/* One translatable text of the rally. */
struct text {
	const char *field, *label, *original;
	int max, multiline; /* characters; a textarea */
};

/* Every text of rally ra into a new arena array; its count, or -1. */
static int texts(req *r, const struct rally *ra, struct text **out)
{
	struct spot *spots;
	size_t ns;
	struct tier *tiers;
	if (rally_spots(r->db, &r->a, ra, &spots, &ns) != 0)
		return -1;
	int nt = tiers_load(r->db, &r->a, ra->id, 0, &tiers);
	if (nt < 0)
		return -1;
	struct text *t = arena_alloc(&r->a, sizeof *t * (2 + 2 * ns + 4 * (size_t)nt));
	int n = 0;
	t[n++] = (struct text){"rally:title", web_text(r, "rally.title_label"), ra->title, 100, 0};
	t[n++] = (struct text){"rally:description", web_text(r, "rally.description"), ra->description, 5000, 1};
	for (size_t i = 0; i < ns; i++) {
		t[n++] = (struct text){arena_printf(&r->a, "spot:%s:name", spots[i].public_id),
				       arena_printf(&r->a, "%s %zu", web_text(r, "tr.spot_name"), i + 1), spots[i].name, 100, 0};
		t[n++] = (struct text){arena_printf(&r->a, "spot:%s:description", spots[i].public_id),
				       arena_printf(&r->a, "%s %zu", web_text(r, "tr.spot_description"), i + 1), spots[i].description,
				       2000, 1};
	}
	for (int i = 0; i < nt; i++) {
		t[n++] = (struct text){arena_printf(&r->a, "tier:%s:name", tiers[i].public_id), web_text(r, "tr.tier_name"),
				       tiers[i].name, 100, 0};
		struct lottery_form f;
		if (tiers[i].kind != TIER_LOTTERY || lottery_form_parse(&r->a, tiers[i].form, &f) != 0)
			continue;
		for (int q = LF_Q1; q <= LF_Q3; q++) /* the organizer's own questions of the entry form */
			if (f.asked[q] && f.label[q])
				t[n++] = (struct text){arena_printf(&r->a, "tier:%s:%s", tiers[i].public_id, lottery_field_key(q)),
						       arena_printf(&r->a, "%s (%s)", web_text(r, "tr.question"), tiers[i].name), f.label[q],
						       200, 0};
	}
	*out = t;
	return n;
}

/* The language asked for (?lang= or the form's), or NULL when not one of ours. */
static const char *target(req *r)
{
	const char *l = req_form(r, "to");
	if (!l)
		l = req_query(r, "to");
	return translate_lang_valid(l) ? l : NULL;
}

/* The page: tabs per language, each text with its original and field. */
static void render(req *r, const struct rally *ra, const char *lang, const struct text *t, int n, int status,
		   json_t *errors)
{
	struct translations have;
	if (translations_load(r->db, &r->a, ra->id, lang, &have) != 0) {
		r->failed = 1;
		return;
	}
	json_t *list = json_array(), *tabs = json_array();
	for (int i = 0; i < n; i++) {
		const char *typed = status != 200 ? req_form(r, arena_printf(&r->a, "f.%s", t[i].field)) : NULL;
		const char *v = typed ? typed : translation_find(&have, t[i].field);
		json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b}", "field", t[i].field, "label", t[i].label, "original",
				      t[i].original, "value", v ? v : "", "max", t[i].max, "multiline", t[i].multiline);
		if (json_object_get(errors, t[i].field))
			json_object_set(e, "error", json_object_get(errors, t[i].field));
		json_array_append_new(list, e);
	}
	for (int l = 0; l < TRANSLATE_LANGS; l++)
		json_array_append_new(tabs, json_pack("{s:s, s:s, s:b}", "code", translate_langs[l], "label",
						      i18n_text((enum lang)(l + 1), "lang.self"), "current",
						      strcmp(lang, translate_langs[l]) == 0));
	json_t *view = json_pack("{s:{s:s, s:s}, s:s, s:o, s:o, s:b}", "rally", "slug", ra->slug, "title", ra->title, "to", lang,
				 "texts", list, "tabs", tabs, "saved", req_query(r, "saved") != NULL);
	json_decref(errors);
	page_render(r, status, "translations", view);
}

void console_translations(req *r)
{
	struct rally ra;
	struct text *t;
	if (!console_rally(r, r->params[0], &ra))
		return;
	const char *lang = req_query(r, "to") ? target(r) : "en";
	int n = lang ? texts(r, &ra, &t) : 0;
	if (!lang) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	if (n < 0) {
		r->failed = 1;
		return;
	}
	render(r, &ra, lang, t, n, 200, NULL);
}

void console_translations_save(req *r)
{
	struct rally ra;
	struct text *t;
	if (!console_rally(r, r->params[0], &ra))
		return;
	const char *lang = target(r);
	if (!lang) {
		web_error(r, 422, "invalid_request", "tr.bad_lang", NULL);
		return;
	}
	int n = texts(r, &ra, &t);
	if (n < 0) {
		r->failed = 1;
		return;
	}
	json_t *errors = json_object();
	for (int i = 0; i < n; i++) {
		const char *v = req_form(r, arena_printf(&r->a, "f.%s", t[i].field));
		/* valid UTF-8, no control characters, within the limit; one line unless a description */
		if (v && (!utf8_text(v, 0, (size_t)t[i].max) || (!t[i].multiline && strpbrk(v, "\r\n")))) {
			json_t *max = json_pack("{s:i}", "max", t[i].max);
			json_object_set_new(errors, t[i].field, json_string(web_text_fill(r, "tr.too_long", max)));
			json_decref(max);
		}
	}
	if (json_object_size(errors)) {
		render(r, &ra, lang, t, n, 422, errors);
		return;
	}
	json_decref(errors);
	for (int i = 0; i < n; i++) {
		const char *v = req_form(r, arena_printf(&r->a, "f.%s", t[i].field));
		if (v && translation_set(r->db, ra.id, lang, t[i].field, v) != 0) {
			r->failed = 1;
			return;
		}
	}
	console_event(r, "translations_saved", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "lang", lang)));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s/translations?to=%s&saved=1", ra.slug, lang));
}
