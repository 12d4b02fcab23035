/*
 * common.h — steps shared by the participant pages and the API: find a
 * visible rally, make sure the browser has a session, explain a refusal.
 * Each answers the request itself when it fails and returns 0.
 */
#ifndef SR_COMMON_H
#define SR_COMMON_H

#include "core/methods.h"
#include "core/rally.h"
#include "core/stamp.h"
#include "http/req.h"

/* Load the rally named by slug into *ra. A missing or draft rally answers
 * 404. Returns 1 when the rally may be shown. */
int web_rally(req *r, const char *slug, struct rally *ra);
/* Load the spot with this QR token and its rally; 404 when unknown or its
 * rally is a draft. Returns 1 on success. */
int web_spot(req *r, const char *token, struct spot *s, struct rally *ra);
/* Load the spot with this public id and its rally; 404 when unknown or
 * its rally is a draft. Returns 1 on success. */
int web_spot_by_id(req *r, const char *public_id, struct spot *s, struct rally *ra);
/* Give the browser a session when it has none (sets the cookie). 1 or 0. */
int web_session(req *r);
/* Answer 409 (or 404 for a draft) explaining why the rally refuses now. */
void web_refuse(req *r, enum rally_state st, const struct rally *ra);
/* Find or create the session's participant in the rally (creating the
 * session first when needed). 1 on success; otherwise answered. */
int web_join(req *r, const struct rally *ra, struct participant *p, int *created);

/* LINE-required rallies: 1 when participant p may collect stamps; else
 * answers 403 line_required (with the LINE login link) and returns 0. */
int web_line_ok(req *r, const struct rally *ra, const struct participant *p);
void web_line_required(req *r, const struct rally *ra);

struct method_input;
/* A body field of the request, from the form or the JSON body, or NULL. */
const char *web_field(req *r, const char *name);
/* The staff session limits of the configuration, in ms. */
struct staff_limits web_staff_limits(req *r);
/* Whether rally ra is a draft this request may not see (answer 404). A
 * request with the console session of the tenant's staff who may edit it
 * sees it as a preview: ra->preview is set (see rally_state). */
int web_hidden_draft(req *r, struct rally *ra);

/* Write fn(d, arg) and keep it: nested in the request's write transaction
 * (R_WRITE, R_WRITER), or from a read transaction (R_READ) on the
 * group-commit writer, committed before this returns. fn's result; on
 * DB_ERROR the request is marked failed (503 from the dispatcher). */
int web_write(req *r, int (*fn)(db *d, void *arg), void *arg);

/* True for the methods a claim by spot id may name (GPS, keyword, PIN): the
 * others are proven by a token in the URL (QR, QR + GPS, rotating QR). */
int web_method_by_id(enum stamp_method m);
/* A claim form's page, drawn again with what went wrong and what to do
 * next when a claim's proof fails (claim.c): its template and a new view of
 * it for spot s (participant.c). */
struct claim_form {
	const char *tpl;
	json_t *(*view)(req *r, const struct spot *s, const struct rally *ra);
};
/* Check the proof of a claim (method, position, keyword, PIN) for spot s:
 * throttles guesses per participant (p may be NULL before joining) and per
 * address, answers 403/422/429 with a reason code and returns 0 when
 * refused: on form's page with the problem and the typed keyword when form
 * is given, else as the API's JSON or the rally's themed error page. */
int web_method_ok(req *r, const struct rally *ra, const struct spot *s, const struct participant *p,
		  struct method_input *in, const struct claim_form *form);
/* {"tiles","attribution"} for a page's map (map.js), or NULL when no tile
 * server is configured (map.tile_url empty). A new object. */
json_t *web_map_tiles(req *r);
/* {"slug","title"} of ra for an error page in the rally's theme (a new object). */
json_t *web_rally_ref(req *r, const struct rally *ra);
/* Guessing (guess.c): the throttle keys one guess counts against, e.g. the
 * address, the participant, a coupon, a rally (core/throttle.h). */
#define GUESS_KEYS_MAX 4
struct throttle_rule;
struct guess_keys {
	const struct throttle_rule *rule[GUESS_KEYS_MAX];
	const char *who[GUESS_KEYS_MAX];
	int n;
};
/* Add a key (rule, who) to g (at most GUESS_KEYS_MAX; more are ignored). */
void guess_key(struct guess_keys *g, const struct throttle_rule *rule, const char *who);
/* 1 when no key of g is locked; else answers 429 with the longest wait. */
int web_guess_allowed(req *r, const struct guess_keys *g);
/* Count one failure against every key of g (kept although the answer is an error). */
void web_guess_failed(req *r, const struct guess_keys *g);
/* A participant as a throttle key's "who" (arena string). */
const char *web_who_participant(req *r, int64_t participant_id);

/* Answer 429 (and return 0) when participant p (may be NULL) or this
 * address is locked out after failed guesses. */
int web_not_locked(req *r, const struct participant *p);
/* Count a failed guess (keyword, PIN, unknown QR token) for the throttles. */
void web_failed_attempt(req *r, const struct participant *p);
/* Read lat/lng/accuracy from the JSON body or the form. */
void web_read_position(req *r, struct method_input *in);

/* stamp_claim for this request, now; a new stamp is counted in /metrics
 * only once the answer saying so is durable (routes.c: finish_on_writer). */
void web_stamp_claim(req *r, const struct rally *ra, const struct participant *p, const struct spot *s,
		     const char *method, struct claim *cl);
/* Answer a claim that did not give a stamp (rally state, opening hours,
 * store error); 0 when the claim succeeded (new or already collected). */
int web_claim_refused(req *r, const struct claim *cl, const struct rally *ra, const struct spot *s);
/* The HTML claim: join when needed, check the proof, claim, and redirect to
 * done (with ?new=1 for a new stamp) or answer the refusal (a failed proof
 * on form's page when given). */
void web_claim_page(req *r, const struct rally *ra, const struct spot *s, struct method_input *in, const char *done,
		    const struct claim_form *form);
/* Answer 409 spot_closed, saying the spot's opening hours (JST). */
void web_spot_closed(req *r, const struct rally *ra, const struct spot *s);

#endif
