/*
 * view.h — view models: the JSON objects that API answers return as they
 * are and that HTML pages render through templates (with a few display
 * extras such as formatted times and the hanko drawing).
 */
#ifndef SR_VIEW_H
#define SR_VIEW_H

#include <jansson.h>
#include <stdint.h>

#include "core/rally.h"
#include "core/stamp.h"
#include "http/req.h"

/* {"slug","title","description","status","state","starts_at","ends_at"}
 * (times ISO 8601 in JST). */
json_t *view_rally(const struct rally *ra, int64_t now);
/* The card: {"progress": {"collected","total"}, "completed", "spots": [{"id",
 * "name","description","position","collected","collected_at"}]}. */
json_t *view_card(const struct card *c);
/* Add what HTML pages show but the API does not: formatted times
 * ("*_text"), the hanko drawing of each spot, the period. */
void view_decorate_rally(req *r, json_t *rally, const struct rally *ra);
void view_decorate_card(req *r, json_t *card, const struct card *c, const char *ink);
/* A short version for a spot's stamp image URL: changes with its name and
 * with the templates, so browsers may cache the image for long. Arena string. */
const char *view_stamp_version(req *r, const char *name, const char *ink);
/* Rallies as a list view (decorated, with "status_<status>": true). */
json_t *view_rally_list(req *r, const struct rally *list, int n);
/* A QR code of text for templates/qr_code.html: {"url", "view", "path"}
 * (a new object), or NULL when text does not fit a QR code. */
json_t *view_qr(const char *text);
/* The hanko drawing of a name: {"fs": font size, "glyphs": [{"x","y","t"}]}. */
json_t *view_hanko(const char *name);
/* A time formatted for people in the request's language (JST). Arena string. */
const char *view_time(req *r, int64_t ms);
/* A distance for people: "350 m", "27.8 km", "128 km". Arena string. */
const char *view_distance(req *r, double metres);

#endif
