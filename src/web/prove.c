/*
 * prove.c — slow checks that run before a request's unit of work begins
 * (the route table's `prove` column), so argon2id never runs while a write
 * lock is held: the spot PIN of a claim, the passcode of a join, the desk
 * PIN of a coupon redemption, and the hashes of new PINs and passcodes set
 * in the console. Each runs once, in a read transaction of its own, with an
 * argon2id slot (core/password.h); it records in r->proof the stored hash a
 * secret was proven against, which the handler compares with the hash it
 * reads inside its own transaction (core/secret.h: secret_same), so a secret
 * changed in between is not accepted.
 */
#include <string.h>

#include "core/account.h"
#include "core/editor.h"
#include "core/password.h"
#include "core/rally.h"
#include "core/rewards.h"
#include "core/secret.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "web/common.h"
#include "web/page.h"
#include "web/web.h"

/* A body field of the request (form or JSON), or NULL. */
static const char *field(req *r, const char *name)
{
	return r->json ? json_string_value(json_object_get(r->json, name)) : req_form(r, name);
}

/* stored (when the secret matches it) as an arena copy, else NULL. */
static const char *proven(req *r, const char *stored, const char *secret)
{
	return stored && secret && *secret && secret_matches(stored, secret) ? arena_strdup(&r->a, stored) : NULL;
}

/* The rally passcode sent with a join, proven against rally_id's. */
static void prove_passcode(req *r, int64_t rally_id)
{
	const char *sent = field(r, "passcode");
	if (sent && *sent)
		r->proof.passcode_hash = proven(r, rally_passcode_hash(r->db, &r->a, rally_id), sent);
}

/* Claims: the spot's PIN (by spot id in the API or the spot page's URL),
 * and the passcode of the join a claim may make. */
static void prove_claim(req *r)
{
	struct spot s;
	struct rally ra;
	/* the spot: by id (API, /r/{slug}/spots/{spot}, /t/{spot}/{code}) or QR token (API, /q/{token}) */
	const char *pattern = r->route->pattern, *spot = NULL, *token = NULL;
	if (r->json) {
		spot = json_string_value(json_object_get(r->json, "spot_id"));
		token = json_string_value(json_object_get(r->json, "qr_token"));
	} else if (strncmp(pattern, "/q/", 3) == 0) {
		token = r->params[0];
	} else if (strncmp(pattern, "/t/", 3) == 0) {
		spot = r->params[0];
	} else if (r->nparams == 2) {
		spot = r->params[1];
	}
	int found = spot && token_valid(spot) ? spot_by_public_id(r->db, &r->a, spot, &s, &ra)
		    : token && token_valid(token) ? spot_by_token(r->db, &r->a, token, &s, &ra)
						  : 0;
	if (found != 1)
		return;
	const char *pin = field(r, "pin");
	if (pin && *pin) {
		struct spot_methods m;
		if (spot_methods_load(r->db, &r->a, s.id, &m) == 0)
			r->proof.pin_hash = proven(r, m.pin_hash, pin);
	}
	prove_passcode(r, ra.id);
}

/* Joins: the passcode. */
static void prove_join(req *r)
{
	struct rally ra;
	if (rally_slug_valid(r->params[0]) && rally_by_slug(r->db, &r->a, r->params[0], &ra) == 1)
		prove_passcode(r, ra.id);
}

/* Coupon redemption on the phone: the desk PIN of the coupon's rally. */
static void prove_redeem(req *r)
{
	struct reward w;
	const char *pin = field(r, "pin");
	if (pin && *pin && strlen(r->params[0]) <= 16 && reward_by_code(r->db, &r->a, r->params[0], &w) == 1)
		r->proof.desk_pin_hash = proven(r, rally_desk_pin_hash(r->db, &r->a, w.rally_id), pin);
}

/* Console forms that set a secret: hash each one sent (pin, desk_pin,
 * passcode) that has a plausible length; the handler validates it and
 * stores the hash. */
static void prove_new_secrets(req *r)
{
	static const char *names[] = {"pin", "desk_pin", "passcode"};
	if (!staff_session_exists(r->db, req_cookie(r, "ssid"), time_now_ms()))
		return; /* no argon2id for someone not logged in: the handler answers 401 */
	for (int i = 0; i < 3; i++) {
		const char *v = req_form(r, names[i]);
		char h[SECRET_HASH_BYTES];
		if (v && *v && strlen(v) <= 256 && secret_hash(v, h) == 0)
			r->proof.new_hash[i] = arena_strdup(&r->a, h);
	}
}

int web_prove(req *r)
{
	void (*fn)(req *) = NULL;
	switch (r->route->prove) {
	case PROVE_NONE: return 1;
	case PROVE_CLAIM: fn = prove_claim; break;
	case PROVE_JOIN: fn = prove_join; break;
	case PROVE_REDEEM: fn = prove_redeem; break;
	case PROVE_NEW_SECRETS: fn = prove_new_secrets; break;
	}
	if (!password_slot_take()) {
		web_busy(r);
		return 0;
	}
	int ok = db_begin_read(r->db) == 0;
	if (ok) {
		fn(r);
		db_rollback(r->db);
		ok = !db_failed(r->db);
	}
	password_slot_give();
	if (!ok)
		web_unavailable(r);
	return ok;
}
