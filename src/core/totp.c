/*
 * totp.c — see totp.h. HMAC-SHA1 comes from GnuTLS (libsodium has no
 * SHA-1, and every authenticator app speaks it).
 */
#include "core/totp.h"

#include <ctype.h>
#include <gnutls/crypto.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/seal.h"
#include "lib/token.h"

#define STEP_MS 30000
#define SECRET_BYTES 20

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* n bytes of p as base32 (no padding) into out. */
static void b32_encode(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0;
	unsigned buf = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		buf = (buf << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = B32[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = B32[(buf << (5 - bits)) & 31];
	out[o] = '\0';
}

/* Decode base32 s (case-insensitive, no padding) into out (max bytes). The
 * byte count, or -1. */
static int b32_decode(const char *s, unsigned char *out, size_t max)
{
	unsigned buf = 0;
	int bits = 0;
	size_t o = 0;
	for (; *s; s++) {
		const char *k = strchr(B32, toupper((unsigned char)*s));
		if (!k || !*s)
			return -1;
		buf = (buf << 5) | (unsigned)(k - B32);
		bits += 5;
		if (bits >= 8) {
			if (o == max)
				return -1;
			out[o++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	return (int)o;
}

void totp_secret_new(char *out)
{
	unsigned char k[SECRET_BYTES];
	randombytes_buf(k, sizeof k);
	b32_encode(k, sizeof k, out);
	sodium_memzero(k, sizeof k);
}

int totp_code(const char *secret, int64_t step, char *out)
{
	unsigned char key[64], msg[8], mac[20];
	int n = b32_decode(secret, key, sizeof key);
	if (n < 10)
		return -1;
	for (int i = 0; i < 8; i++)
		msg[i] = (unsigned char)((uint64_t)step >> (56 - 8 * i));
	int rc = gnutls_hmac_fast(GNUTLS_MAC_SHA1, key, (size_t)n, msg, sizeof msg, mac);
	sodium_memzero(key, sizeof key);
	if (rc != 0)
		return -1;
	int off = mac[19] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) | ((uint32_t)mac[off + 2] << 8) |
		       mac[off + 3];
	snprintf(out, 7, "%06u", (unsigned)(bin % 1000000));
	return 0;
}

int64_t totp_match(const char *secret, const char *code, int64_t now_ms, int64_t last_step)
{
	char want[7], digits[7];
	size_t n = 0;
	for (const char *c = code; c && *c; c++) {
		if (isdigit((unsigned char)*c) && n < 6)
			digits[n++] = *c;
		else if (*c != ' ' || n >= 6)
			return 0; /* only digits, spaces allowed as the app groups them */
	}
	digits[n] = '\0';
	if (!secret || n != 6)
		return 0;
	int64_t now = now_ms / STEP_MS;
	int64_t found = 0;
	for (int64_t s = now - 1; s <= now + 1; s++)
		if (s > last_step && totp_code(secret, s, want) == 0 && sodium_memcmp(want, digits, 6) == 0)
			found = s;
	return found;
}

/* Percent-encode s for a URI into b. */
static const char *uri_part(arena *a, const char *s)
{
	size_t n = strlen(s);
	char *out = arena_alloc(a, 3 * n + 1), *o = out;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~@", c))
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return out;
}

const char *totp_uri(arena *a, const char *issuer, const char *login, const char *secret)
{
	const char *i = uri_part(a, issuer);
	return arena_printf(a, "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30", i,
			    uri_part(a, login), secret, i);
}

/* ---- storage, per realm ---- */

static const char *const sql_load[] = {
	"SELECT totp_sealed, coalesce(totp_enabled_at, 0), totp_last_step, totp_pending_sealed FROM operators WHERE id = $1",
	"SELECT totp_sealed, coalesce(totp_enabled_at, 0), totp_last_step, totp_pending_sealed FROM accounts WHERE id = $1",
};
static const char *const sql_begin[] = {
	"UPDATE operators SET totp_pending_sealed = $1 WHERE id = $2",
	"UPDATE accounts SET totp_pending_sealed = $1 WHERE id = $2",
};
static const char *const sql_promote[] = {
	"UPDATE operators SET totp_sealed = totp_pending_sealed, totp_pending_sealed = '', totp_enabled_at = $2,"
	" totp_last_step = $1 WHERE id = $3 AND totp_pending_sealed <> ''",
	"UPDATE accounts SET totp_sealed = totp_pending_sealed, totp_pending_sealed = '', totp_enabled_at = $2,"
	" totp_last_step = $1 WHERE id = $3 AND totp_pending_sealed <> ''",
};
static const char *const sql_step[] = {
	"UPDATE operators SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1 AND totp_enabled_at IS NOT NULL",
	"UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1 AND totp_enabled_at IS NOT NULL",
};
static const char *const sql_clear[] = {
	"UPDATE operators SET totp_sealed = '', totp_pending_sealed = '', totp_enabled_at = NULL, totp_last_step = 0 WHERE id = $1",
	"UPDATE accounts SET totp_sealed = '', totp_pending_sealed = '', totp_enabled_at = NULL, totp_last_step = 0 WHERE id = $1",
};
static const char *const realm_name[] = {"operator", "staff"};

int totp_load(db *d, arena *a, enum totp_realm realm, int64_t id, struct totp_state *out)
{
	db_stmt *st = db_query(d, sql_load[realm], "i", id);
	int rc = st ? db_row(st) : DB_ERROR;
	memset(out, 0, sizeof *out);
	if (rc == DB_ROW) {
		const char *sealed = db_text(st, 0), *pending = db_text(st, 3);
		out->enabled_at = db_int(st, 1);
		out->secret = *sealed && out->enabled_at ? unseal(a, sealed) : NULL;
		out->last_step = db_int(st, 2);
		out->pending = *pending ? unseal(a, pending) : NULL;
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int totp_begin(db *d, arena *a, enum totp_realm realm, int64_t id, char *secret)
{
	totp_secret_new(secret);
	const char *sealed = seal(a, secret);
	return sealed && db_exec(d, sql_begin[realm], "ti", sealed, id) == DB_DONE ? 0 : -1;
}

int totp_take_step(db *d, enum totp_realm realm, int64_t id, int64_t step)
{
	if (db_exec(d, sql_step[realm], "ii", step, id) != DB_DONE)
		return -1;
	return db_changes(d) == 1;
}

int totp_confirm(db *d, enum totp_realm realm, int64_t id, int64_t step, int64_t now)
{
	if (db_exec(d, sql_promote[realm], "iii", step, now, id) != DB_DONE)
		return -1;
	return db_changes(d) == 1;
}

int totp_clear(db *d, enum totp_realm realm, int64_t id)
{
	return db_exec(d, sql_clear[realm], "i", id) == DB_DONE &&
			       db_exec(d, "DELETE FROM totp_recovery WHERE realm = $1 AND owner_id = $2", "ti", realm_name[realm],
				       id) == DB_DONE
		       ? 0
		       : -1;
}

/* A recovery code as typed → its 16 significant characters (upper case),
 * or NULL when it cannot be one. */
static const char *normal_code(const char *code, char out[17])
{
	size_t n = 0;
	for (; code && *code; code++) {
		if (*code == '-' || *code == ' ')
			continue;
		if (n == 16 || !strchr(B32, toupper((unsigned char)*code)))
			return NULL;
		out[n++] = (char)toupper((unsigned char)*code);
	}
	out[n] = '\0';
	return n == 16 ? out : NULL;
}

int totp_recovery_new(db *d, enum totp_realm realm, int64_t id, char codes[][TOTP_RECOVERY_CHARS + 1])
{
	if (db_exec(d, "DELETE FROM totp_recovery WHERE realm = $1 AND owner_id = $2", "ti", realm_name[realm], id) != DB_DONE)
		return -1;
	for (int i = 0; i < TOTP_RECOVERY_CODES; i++) {
		unsigned char r[10];
		char plain[17];
		unsigned char h[32];
		randombytes_buf(r, sizeof r);
		b32_encode(r, sizeof r, plain);
		snprintf(codes[i], TOTP_RECOVERY_CHARS + 1, "%.4s-%.4s-%.4s-%.4s", plain, plain + 4, plain + 8, plain + 12);
		token_hash(plain, h);
		if (db_exec(d, "INSERT INTO totp_recovery(realm, owner_id, code_hash) VALUES ($1, $2, $3)", "tib", realm_name[realm],
			    id, h, sizeof h) != DB_DONE)
			return -1;
	}
	return 0;
}

int totp_recovery_use(db *d, enum totp_realm realm, int64_t id, const char *code, int64_t now)
{
	char plain[17];
	unsigned char h[32];
	if (!normal_code(code, plain))
		return 0;
	token_hash(plain, h);
	if (db_exec(d, "UPDATE totp_recovery SET used_at = $1 WHERE realm = $2 AND owner_id = $3 AND code_hash = $4"
		       " AND used_at IS NULL", "itib", now, realm_name[realm], id, h, sizeof h) != DB_DONE)
		return -1;
	return db_changes(d) == 1;
}

int64_t totp_recovery_left(db *d, enum totp_realm realm, int64_t id)
{
	return db_int1(d, 0, "SELECT count(*) FROM totp_recovery WHERE realm = $1 AND owner_id = $2 AND used_at IS NULL", "ti",
		       realm_name[realm], id);
}
