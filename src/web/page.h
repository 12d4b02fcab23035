/*
 * page.h — answering a request: HTML pages from templates, JSON bodies, and
 * errors in the client's language (an HTML page or the JSON error shape
 * {"error": {"code": ..., "message": ...}}, depending on the route).
 */
#ifndef SR_PAGE_H
#define SR_PAGE_H

#include <jansson.h>

#include "http/req.h"

/* Compile every template asset (templates/NAME.html). 0, or -1 with a message. */
int page_init(void);
/* Render template name (e.g. "card") with view as the HTML response. The
 * view gains the fields every page uses (lang, csrf, asset version, the
 * language switch). Takes ownership of view. */
void page_render(req *r, int status, const char *name, json_t *view);
/* The same for any text template (e.g. "stamp", an SVG) with its content type. */
void page_render_as(req *r, int status, const char *name, const char *content_type, json_t *view);
/* Send body as the JSON response. Takes ownership of body. */
void json_respond(req *r, int status, json_t *body);
/* Answer with an error. code is a stable machine-readable code; key is the
 * catalog key of the message, whose {placeholders} come from vars (may be
 * NULL; ownership taken). JSON for API routes, an HTML page otherwise; the
 * page also takes vars "back" (the button's link) and "no_button". */
void web_error(req *r, int status, const char *code, const char *key, json_t *vars);
/* The one 503 of a request whose database failed (the dispatcher's, see
 * routes.c: fail_centrally; handlers just return). */
void web_unavailable(req *r);
/* 503 with Retry-After for a bounded resource that is busy (argon2id slots). */
void web_busy(req *r);
/* j as compact JSON text in the arena (takes ownership of j). Never free()
 * jansson's own json_dumps() results: during a request they live in the arena. */
const char *web_json_text(req *r, json_t *j);
/* The catalog text for key in the request's language (the key when missing). */
const char *web_text(req *r, const char *key);
/* A version string for static asset URLs (changes when any asset changes). */
const char *page_asset_version(void);

/* The catalog text of key with its {placeholders} filled from vars (may be
 * NULL), unescaped (templates escape it). Arena string. */
const char *web_text_fill(req *r, const char *key, const json_t *vars);
/* Append s percent-encoded, all but RFC 3986's unreserved characters. */
void page_url_encode(buf *b, const char *s);

/* A participant page's view in the rally's own translations for the
 * request's language, Japanese marked "<field>_ja" where there is none
 * (translate.c; called by page_render). */
void web_translate_view(req *r, json_t *view);
struct rally;
/* One of rally ra's own texts (field as stored, e.g. "rally:title") in the
 * request's language, or original where the organizer gave none (arena
 * or original; translate.c). */
const char *web_rally_text(req *r, const struct rally *ra, const char *field, const char *original);

#endif
