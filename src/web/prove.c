/*
 * prove.c — every argon2id a request needs, done before its unit of work
 * begins (the route table's `prove` column) on the low-priority argon2id
 * thread (core/password.h), never on a thread that serves connections and
 * never under the write lock: a console login's password, a password
 * change's current and new password, the random password of a new or reset
 * account, the spot PIN of a claim, the passcode of a join, the desk PIN of
 * a coupon redemption, and the hashes of new PINs and passcodes set in the
 * console. On the worker, web_prove_gather reads the stored hashes in a
 * short read transaction (skipping what a throttle would refuse anyway);
 * routes.c then suspends the request while web_prove_compute runs on the
 * argon2id thread (no database, no lock), and the worker runs the unit of
 * work when it is done. A secret is recorded in r->proof as the stored hash
 * it was proven against, which the handler compares with the hash it reads
 * inside its own transaction (core/secret.h: secret_same), so a secret
 * changed in between is not accepted. The same thread also makes an
 * uploaded image's variants for phones (PROVE_IMAGE, lib/picture.h): slow
 * CPU work that must not run under the write lock either.
 */
#include <sodium.h>
#include <string.h>

#include "core/account.h"
#include "core/editor.h"
#include "core/image.h"
#include "core/operator.h"
#include "core/password.h"
#include "core/rally.h"
#include "core/rewards.h"
#include "core/secret.h"
#include "core/throttle.h"
#include "http/server.h"
#include "lib/picture.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "web/common.h"
#include "web/page.h"
#include "web/web.h"

/* What a request asks of the argon2id thread: each item checks a secret
 * against a stored hash (the result: the stored hash, or NULL) or hashes a
 * new one (the result: the hash). Gathered on the worker, in a read
 * transaction (the stored hashes); computed on the argon2id thread with no
 * database and no lock at all. */
enum work_kind { CHECK_PASSWORD, CHECK_SECRET, HASH_PASSWORD, HASH_SECRET };
struct work_item {
	enum work_kind kind;
	const char *stored, *secret;
	const char **out;
	int after_check; /* only when the item before it matched */
};
struct prove_work {
	req *r;
	struct work_item item[4];
	int n;
	int resize; /* make the upload's variants (PROVE_IMAGE) */
};

static void want(struct prove_work *w, enum work_kind kind, const char *stored, const char *secret, const char **out,
		 int after_check)
{
	if (w->n < 4 && secret && *secret && strlen(secret) <= 1024)
		w->item[w->n++] = (struct work_item){kind, stored, secret, out, after_check};
}

/* True when the address may guess now under rule (else the handler answers
 * 429, and no argon2id is spent on it). */
static int may_guess(req *r, const struct throttle_rule *rule)
{
	int64_t wait;
	return throttle_allowed(r->db, rule, req_client_ip(r), time_now_ms(), &wait);
}

/* The rally passcode sent with a join, to check against rally_id's. */
static void gather_passcode(req *r, struct prove_work *w, int64_t rally_id)
{
	if (!may_guess(r, &THROTTLE_PASSCODE_IP))
		return;
	const char *stored = rally_passcode_hash(r->db, &r->a, rally_id);
	if (stored && *stored)
		want(w, CHECK_SECRET, stored, web_field(r, "passcode"), &r->proof.passcode_hash, 0);
}

/* Claims: the spot's PIN (by spot id in the API or the spot page's URL),
 * and the passcode of the join a claim may make. */
static void gather_claim(req *r, struct prove_work *w)
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
	struct spot_methods m;
	if (may_guess(r, &THROTTLE_GUESS_IP) && spot_methods_load(r->db, &r->a, s.id, &m) == 0 && *m.pin_hash)
		want(w, CHECK_SECRET, m.pin_hash, web_field(r, "pin"), &r->proof.pin_hash, 0);
	gather_passcode(r, w, ra.id);
}

/* Joins: the passcode. */
static void gather_join(req *r, struct prove_work *w)
{
	struct rally ra;
	if (rally_slug_valid(r->params[0]) && rally_by_slug(r->db, &r->a, r->params[0], &ra) == 1)
		gather_passcode(r, w, ra.id);
}

/* Coupon redemption on the phone: the desk PIN of the coupon's rally. */
static void gather_redeem(req *r, struct prove_work *w)
{
	struct reward w_;
	if (!may_guess(r, &THROTTLE_GUESS_IP) || strlen(r->params[0]) > 16 ||
	    reward_by_code(r->db, &r->a, r->params[0], &w_) != 1)
		return;
	const char *stored = rally_desk_pin_hash(r->db, &r->a, w_.rally_id);
	if (stored && *stored)
		want(w, CHECK_SECRET, stored, web_field(r, "pin"), &r->proof.desk_pin_hash, 0);
}

/* Console login: the password of the account with this login ID (an
 * unknown ID is checked against a stand-in hash: the same argon2id work),
 * unless the address or the ID must wait (the handler answers 429). */
static void gather_login(req *r, struct prove_work *w)
{
	const char *login = req_form(r, "login"), *pw = req_form(r, "password");
	struct account a;
	int64_t wait;
	if (!login || !pw || strlen(login) > 200 || !login_allowed(r->db, req_client_ip(r), login, time_now_ms(), &wait))
		return;
	int found = account_by_login(r->db, &r->a, login, &a);
	const char *stored = found == 1 ? account_password_hash(r->db, &r->a, a.id) : NULL;
	if (found >= 0)
		want(w, CHECK_PASSWORD, stored && *stored ? stored : account_dummy_hash(), pw, &r->proof.password_match, 0);
}

/* An operator's login: its password against the operator's hash (the
 * stand-in hash for an unknown ID). */
static void gather_operator_login(req *r, struct prove_work *w)
{
	const char *login = req_form(r, "login"), *pw = req_form(r, "password");
	struct op o;
	int64_t wait;
	if (!login || !pw || strlen(login) > 200 ||
	    !login_allowed(r->db, req_client_ip(r), arena_printf(&r->a, "op:%s", login), time_now_ms(), &wait))
		return;
	int found = operator_by_login(r->db, &r->a, login, &o);
	const char *stored = found == 1 ? operator_password_hash(r->db, &r->a, o.id) : NULL;
	if (found >= 0)
		want(w, CHECK_PASSWORD, stored && *stored ? stored : account_dummy_hash(), pw, &r->proof.password_match, 0);
}

/* A new or reset account: a random password, to hash. */
static void gather_new_password(req *r, struct prove_work *w)
{
	char pw[32];
	int64_t now = time_now_ms();
	if (!staff_session_exists(r->db, req_cookie(r, "ssid"), now) && !operator_session_exists(r->db, req_cookie(r, "osid"), now))
		return;
	password_random(pw, sizeof pw);
	r->proof.new_password = arena_strdup(&r->a, pw);
	sodium_memzero(pw, sizeof pw);
	want(w, HASH_PASSWORD, NULL, r->proof.new_password, &r->proof.password_hash, 0);
}

/* A password change: the current password of the logged-in account, and
 * the new one hashed when the current one matched. */
static void gather_password_change(req *r, struct prove_work *w)
{
	struct staff_limits lim = web_staff_limits(r);
	struct account a;
	int64_t touch, wait;
	if (staff_session_find(r->db, &r->a, req_cookie(r, "ssid"), time_now_ms(), &lim, &a, &touch) != 1 ||
	    !login_allowed(r->db, req_client_ip(r), a.login, time_now_ms(), &wait))
		return;
	const char *stored = account_password_hash(r->db, &r->a, a.id);
	if (!stored || !*stored)
		return;
	want(w, CHECK_PASSWORD, stored, req_form(r, "current"), &r->proof.password_match, 0);
	if (w->n)
		want(w, HASH_PASSWORD, NULL, req_form(r, "password"), &r->proof.password_hash, 1);
}

/* Console forms that set a secret: hash each one sent (pin, desk_pin,
 * passcode); the handler validates it and stores the hash. */
static void gather_new_secrets(req *r, struct prove_work *w)
{
	static const char *names[] = {"pin", "desk_pin", "passcode"};
	int64_t now = time_now_ms();
	if (!staff_session_exists(r->db, req_cookie(r, "ssid"), now) && !operator_session_exists(r->db, req_cookie(r, "osid"), now))
		return; /* no argon2id for someone not logged in: the handler answers 401 */
	for (int i = 0; i < 3; i++) {
		const char *v = req_form(r, names[i]);
		if (v && strlen(v) <= 256)
			want(w, HASH_SECRET, NULL, v, &r->proof.new_hash[i], 0);
	}
}

/* An image upload by someone logged in to the console, whose content is an
 * image within the limits: its variants are made before the unit of work. */
static void gather_image(req *r, struct prove_work *w)
{
	struct image_info info;
	if (staff_session_exists(r->db, req_cookie(r, "ssid"), time_now_ms()) &&
	    image_check((const unsigned char *)buf_str(&r->upload), r->upload.len, &info) == IMAGE_OK)
		w->resize = 1;
}

/* Make the upload's variants; copies in the arena, as r->proof.pictures. */
static void make_pictures(req *r)
{
	struct picture p[PICTURE_MAX];
	int n = picture_variants((const unsigned char *)buf_str(&r->upload), r->upload.len, p);
	if (n <= 0)
		return;
	r->proof.pictures = arena_alloc(&r->a, sizeof p[0] * (size_t)n);
	for (int i = 0; i < n; i++) {
		r->proof.pictures[i] = p[i];
		r->proof.pictures[i].data = arena_alloc(&r->a, p[i].n ? p[i].n : 1);
		memcpy(r->proof.pictures[i].data, p[i].data, p[i].n);
	}
	r->proof.npictures = n;
	picture_free(p, n);
}

/* True when the request carries something to prove: most claims and joins
 * send no secret and go straight to their unit of work. */
int web_prove_needed(req *r)
{
	static const char *names[] = {"pin", "passcode", "desk_pin"};
	switch (r->route->prove) {
	case PROVE_NONE:
		return 0;
	case PROVE_LOGIN:
	case PROVE_NEW_PASSWORD:
	case PROVE_PASSWORD_CHANGE:
	case PROVE_OPERATOR_LOGIN:
		return 1;
	case PROVE_IMAGE:
		return r->upload.len > 0;
	default:
		for (int i = 0; i < 3; i++) {
			const char *v = web_field(r, names[i]);
			if (v && *v)
				return 1;
		}
		return 0;
	}
}

struct prove_work *web_prove_gather(req *r)
{
	static void (*const fns[])(req *, struct prove_work *) = {
		[PROVE_CLAIM] = gather_claim,
		[PROVE_JOIN] = gather_join,
		[PROVE_REDEEM] = gather_redeem,
		[PROVE_NEW_SECRETS] = gather_new_secrets,
		[PROVE_LOGIN] = gather_login,
		[PROVE_NEW_PASSWORD] = gather_new_password,
		[PROVE_PASSWORD_CHANGE] = gather_password_change,
		[PROVE_OPERATOR_LOGIN] = gather_operator_login,
		[PROVE_IMAGE] = gather_image,
	};
	struct prove_work *w = arena_alloc(&r->a, sizeof *w);
	memset(w, 0, sizeof *w);
	w->r = r;
	if (db_begin_read(r->db) != 0) {
		r->failed = 1;
		return NULL;
	}
	fns[r->route->prove](r, w);
	if (db_failed(r->db))
		r->failed = 1;
	db_rollback(r->db);
	return r->failed ? NULL : w;
}

int web_prove_count(const struct prove_work *w)
{
	return w->n + w->resize;
}

req *web_prove_request(struct prove_work *w)
{
	return w->r;
}

void web_prove_compute(struct prove_work *w)
{
	req *r = w->r;
	if (w->resize)
		make_pictures(r);
	for (int i = 0; i < w->n; i++) {
		struct work_item *it = &w->item[i];
		char h[SECRET_HASH_BYTES];
		if (it->after_check && (i == 0 || !*w->item[i - 1].out))
			continue;
		switch (it->kind) {
		case CHECK_PASSWORD:
			*it->out = password_verify(it->stored, it->secret) ? it->stored : NULL;
			break;
		case CHECK_SECRET:
			*it->out = secret_matches(it->stored, it->secret) ? it->stored : NULL;
			break;
		case HASH_PASSWORD:
			*it->out = password_hash(it->secret, h, sizeof h) == 0 ? arena_strdup(&r->a, h) : NULL;
			break;
		case HASH_SECRET:
			*it->out = secret_hash(it->secret, h) == 0 ? arena_strdup(&r->a, h) : NULL;
			break;
		}
		sodium_memzero(h, sizeof h);
	}
}
