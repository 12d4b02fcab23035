/*
 * translate.c — a participant page in English, Chinese or Korean shows the
 * rally's own texts in that language where the organizer gave them
 * (core/translate.h) and in Japanese where not, marked so the template can
 * say lang="ja" ("<field>_ja": true). Applied to every participant page's
 * view just before it is rendered (page.c), by the paths those views share:
 * rally, card.spots[], spot, rewards[], ready[], and a lottery page's tier
 * with its own questions (fields[] marked "custom"). web_rally_text gives
 * one such text outside a page (the recovery code's e-mail).
 */
#include <string.h>

#include "core/rally.h"
#include "core/translate.h"
#include "web/page.h"
#include "web/web.h"

/* The stored content language of a request's interface language; NULL for Japanese. */
static const char *content_lang(enum lang l)
{
	return l == LANG_JA ? NULL : i18n_code(l);
}

/* o[key] from field "<prefix><key>" (prefix "rally:", "spot:<id>:", ...),
 * or o[key + "_ja"] = true when there is none. */
static void swap(req *r, const struct translations *t, json_t *o, const char *prefix, const char *key)
{
	if (!json_is_string(json_object_get(o, key)))
		return;
	const char *text = translation_find(t, arena_printf(&r->a, "%s%s", prefix, key));
	if (text)
		json_object_set_new(o, key, json_string(text));
	else
		json_object_set_new(o, arena_printf(&r->a, "%s_ja", key), json_true());
}

/* Each object of array arr: its name (and description) by kind ("spot", "tier") and id. */
static void swap_list(req *r, const struct translations *t, json_t *arr, const char *kind)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!id)
			continue;
		const char *prefix = arena_printf(&r->a, "%s:%s:", kind, id);
		swap(r, t, o, prefix, "name");
		swap(r, t, o, prefix, "description");
	}
}

/* A lottery page: the tier's name and the organizer's own questions
 * ("tier:<id>:q1".."q3"), each field's "label". */
static void swap_questions(req *r, const struct translations *t, json_t *tier, const char *tid, json_t *fields)
{
	const char *prefix = arena_printf(&r->a, "tier:%s:", tid);
	swap(r, t, tier, prefix, "name");
	size_t i;
	json_t *f;
	json_array_foreach(fields, i, f) {
		if (!json_is_true(json_object_get(f, "custom")))
			continue;
		const char *text = translation_find(t, arena_printf(&r->a, "%s%s", prefix, json_string_value(json_object_get(f, "key"))));
		if (text)
			json_object_set_new(f, "label", json_string(text));
		else
			json_object_set_new(f, "label_ja", json_true());
	}
}

const char *web_rally_text(req *r, const struct rally *ra, const char *field, const char *original)
{
	const char *lang = content_lang(r->lang), *text = NULL;
	struct translations t;
	if (lang && translations_load(r->db, &r->a, ra->id, lang, &t) == 0)
		text = translation_find(&t, field);
	return text ? text : original;
}

void web_translate_view(req *r, json_t *view)
{
	const char *lang = content_lang(r->lang);
	json_t *rally = json_object_get(view, "rally");
	const char *slug = json_string_value(json_object_get(rally, "slug"));
	if (!lang || !slug || !r->db || (r->route && (r->route->flags & (R_STAFF | R_OPERATOR))))
		return;
	struct rally ra;
	struct translations t;
	if (rally_by_slug(r->db, &r->a, slug, &ra) != 1 || translations_load(r->db, &r->a, ra.id, lang, &t) != 0)
		return; /* a page about a rally that is not there: nothing to translate */
	swap(r, &t, rally, "rally:", "title");
	swap(r, &t, rally, "rally:", "description");
	swap_list(r, &t, json_object_get(json_object_get(view, "card"), "spots"), "spot");
	json_t *spot = json_object_get(view, "spot");
	const char *sid = json_string_value(json_object_get(spot, "id"));
	if (sid) {
		swap(r, &t, spot, arena_printf(&r->a, "spot:%s:", sid), "name");
		swap(r, &t, spot, arena_printf(&r->a, "spot:%s:", sid), "description");
	}
	swap_list(r, &t, json_object_get(view, "rewards"), "tier");
	swap_list(r, &t, json_object_get(view, "ready"), "tier");
	json_t *tier = json_object_get(view, "tier");
	const char *tid = json_string_value(json_object_get(tier, "id"));
	if (tid)
		swap_questions(r, &t, tier, tid, json_object_get(view, "fields"));
}
