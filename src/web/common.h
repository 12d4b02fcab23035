/*
 * common.h — steps shared by the participant pages and the API: find a
 * visible rally, make sure the browser has a session, explain a refusal.
 * Each answers the request itself when it fails and returns 0.
 */
#ifndef SR_COMMON_H
#define SR_COMMON_H

#include "core/rally.h"
#include "core/stamp.h"
#include "http/req.h"

/* Load the rally named by slug into *ra. A missing or draft rally answers
 * 404. Returns 1 when the rally may be shown. */
int web_rally(req *r, const char *slug, struct rally *ra);
/* Load the spot with this QR token and its rally; 404 when unknown or its
 * rally is a draft. Returns 1 on success. */
int web_spot(req *r, const char *token, struct spot *s, struct rally *ra);
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

#endif
