/*
 * page.c — see page.h.  Templates are compiled once at start and only read
 * afterwards, so rendering needs no lock.
 */
#include "web/page.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/announce.h"
#include "lib/assets.h"
#include "lib/timeutil.h"
#include "lib/tpl.h"
#include "web/web.h"

#define MAX_TEMPLATES 64

static struct {
	char name[48];
	tpl *t;
} templates[MAX_TEMPLATES];
static int ntemplates;
static char asset_version[20];

static const tpl *find_template(void *ud, const char *name)
{
	(void)ud;
	for (int i = 0; i < ntemplates; i++)
		if (strcmp(templates[i].name, name) == 0)
			return templates[i].t;
	return NULL;
}

static const char *translate(void *ud, const char *key)
{
	return i18n_text(((req *)ud)->lang, key);
}

int page_init(void)
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 8);
	for (size_t i = 0; asset_at(i); i++) {
		const struct asset *a = asset_at(i);
		if (strncmp(a->name, "static/", 7) == 0 || strncmp(a->name, "templates/", 10) == 0)
			crypto_generichash_update(&h, a->data, a->len);
		if (strncmp(a->name, "templates/", 10) != 0)
			continue;
		const char *base = a->name + 10, *dot = strrchr(base, '.');
		size_t n = dot ? (size_t)(dot - base) : strlen(base);
		if (ntemplates == MAX_TEMPLATES || n >= sizeof templates[0].name) {
			fprintf(stderr, "stamprally: too many templates or name too long: %s\n", a->name);
			return -1;
		}
		char err[200];
		if (tpl_compile((const char *)a->data, a->len, &templates[ntemplates].t, err, sizeof err) != 0) {
			fprintf(stderr, "stamprally: template %s: %s\n", a->name, err);
			return -1;
		}
		memcpy(templates[ntemplates].name, base, n);
		templates[ntemplates].name[n] = '\0';
		ntemplates++;
	}
	unsigned char v[8];
	crypto_generichash_final(&h, v, sizeof v);
	sodium_bin2hex(asset_version, sizeof asset_version, v, sizeof v);
	return 0;
}

const char *page_asset_version(void)
{
	return asset_version;
}

const char *web_text(req *r, const char *key)
{
	const char *s = i18n_text(r->lang, key);
	return s ? s : key;
}

const char *web_text_fill(req *r, const char *key, const json_t *vars)
{
	buf msg = BUF_INIT;
	tpl_fill(web_text(r, key), vars, 0, &msg);
	const char *out = arena_strdup(&r->a, buf_str(&msg));
	buf_free(&msg);
	return out;
}

void page_url_encode(buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
}

/* The path the language switch links to: the matched route's pattern with
 * its parameters encoded again, never the raw request path (which may be
 * "//evil.example/"); "/" when no route matched. An arena string. */
static const char *switch_path(req *r)
{
	if (!r->route || r->status == 404 || r->status == 405)
		return "/";
	buf b = BUF_INIT;
	int k = 0;
	for (const char *p = r->route->pattern; *p; p++) {
		if (*p != '{') {
			buf_putc(&b, *p);
			continue;
		}
		page_url_encode(&b, k < r->nparams && r->params[k] ? r->params[k] : "");
		k++;
		while (*p && *p != '}')
			p++;
		if (!*p)
			break;
	}
	const char *out = arena_strdup(&r->a, buf_str(&b));
	buf_free(&b);
	return out;
}

void page_render(req *r, int status, const char *name, json_t *view)
{
	page_render_as(r, status, name, "text/html; charset=utf-8", view);
}

struct banners {
	req *r;
	json_t *list;
};

/* One banner: the announcement's English on pages in any language but
 * Japanese where the operator wrote one, else its Japanese; "text_lang"
 * marks text that is not in the page's language (lang="ja" or "en"). */
static void add_banner(const struct announcement *a, void *ud)
{
	struct banners *b = ud;
	enum lang l = b->r->lang;
	int english = l != LANG_JA && a->en[0];
	const char *other = english ? (l == LANG_EN ? NULL : "en") : (l == LANG_JA ? NULL : "ja");
	if (!b->list)
		b->list = json_array();
	json_t *o = json_pack("{s:s, s:s, s:s}", "kind", a->kind, "label",
			      web_text(b->r, arena_printf(&b->r->a, "announce.kind.%s", a->kind)), "text",
			      arena_strdup(&b->r->a, english ? a->en : a->ja));
	if (other)
		json_object_set_new(o, "text_lang", json_string(other));
	json_array_append_new(b->list, o);
}

/* The operator's current announcements for this page (core/announce.h):
 * console pages those of the staff's tenant, participant pages those meant
 * for participants too. */
static void add_announcements(req *r, json_t *view)
{
	struct banners b = {r, NULL}; /* made on the first banner: most pages have none */
	announce_current(time_now_ms(), r->tenant_id, r->staff == NULL, add_banner, &b);
	if (b.list)
		json_object_set_new(view, "announcements", b.list);
}

void page_render_as(req *r, int status, const char *name, const char *content_type, json_t *view)
{
	const tpl *t = find_template(NULL, name);
	if (!view)
		view = json_object();
	web_translate_view(r, view);
	json_object_set_new(view, "lang", json_string(i18n_code(r->lang)));
	json_object_set_new(view, "lang_label", json_string(i18n_text(r->lang, "lang.self")));
	json_t *langs = json_array();
	for (int l = 0; l < LANG_COUNT; l++) { /* the language menu: each in its own name (no json_pack: every page) */
		json_t *o = json_object();
		json_object_set_new_nocheck(o, "code", json_string_nocheck(i18n_code((enum lang)l)));
		json_object_set_new_nocheck(o, "label", json_string_nocheck(i18n_text((enum lang)l, "lang.self")));
		json_object_set_new_nocheck(o, "current", json_boolean(l == (int)r->lang));
		json_array_append_new(langs, o);
	}
	json_object_set_new_nocheck(view, "langs", langs);
	json_object_set_new(view, "switch_path", json_string(switch_path(r)));
	json_object_set_new(view, "asset_v", json_string(asset_version));
	if (r->csrf_token)
		json_object_set_new(view, "csrf", json_string(r->csrf_token));
	add_announcements(r, view);
	r->status = status;
	r->content_type = content_type;
	buf_reset(&r->out);
	buf_grow(&r->out, 8192); /* most pages fit: no regrowing while rendering */
	if (t) {
		tpl_env env = {find_template, translate, r};
		tpl_render(t, view, &env, &r->out);
	} else {
		r->status = 500;
		buf_puts(&r->out, "template missing");
	}
	json_decref(view);
}

/* jansson's dump callback: append to the buf. */
static int dump_to_buf(const char *text, size_t n, void *out)
{
	buf_append(out, text, n);
	return 0;
}

void json_respond(req *r, int status, json_t *body)
{
	r->status = status;
	r->content_type = "application/json; charset=utf-8";
	buf_reset(&r->out);
	/* one pass: json_dumpb would serialise twice (once to measure) */
	json_dump_callback(body, dump_to_buf, &r->out, JSON_COMPACT);
	buf_putc(&r->out, '\n');
	json_decref(body);
}

void web_error(req *r, int status, const char *code, const char *key, json_t *vars)
{
	const char *msg = web_text_fill(r, key, vars);
	if ((r->route && (r->route->flags & R_API)) || strncmp(r->path, "/api/", 5) == 0) {
		json_respond(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
	} else {
		json_t *view = json_pack("{s:i, s:s, s:s}", "status", status, "code", code, "message", msg);
		static const char *const passed[] = {"back", "no_button", "rally"}; /* vars the page uses besides the text */
		for (size_t i = 0; vars && i < sizeof passed / sizeof passed[0]; i++)
			if (json_object_get(vars, passed[i]))
				json_object_set(view, passed[i], json_object_get(vars, passed[i]));
		page_render(r, status, "error", view);
	}
	json_decref(vars);
	}

void web_unavailable(req *r)
{
	req_add_header(r, "Retry-After", "5");
	web_error(r, 503, "unavailable", "error.unavailable", NULL);
}

void web_busy(req *r)
{
	req_add_header(r, "Retry-After", "2");
	web_error(r, 503, "busy", "error.unavailable", NULL);
}

const char *web_json_text(req *r, json_t *j)
{
	size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
	char *out = arena_alloc(&r->a, n + 1);
	json_dumpb(j, out, n, JSON_COMPACT | JSON_SORT_KEYS);
	out[n] = '\0';
	json_decref(j);
	return out;
}
