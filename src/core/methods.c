/*
 * methods.c — see methods.h.
 */
#include "core/methods.h"

#include <ctype.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "core/secret.h"
#include "lib/seal.h"
#include "lib/utf8.h"
#include "store/writer.h"

#define EARTH_RADIUS_M 6371008.8

double haversine_m(double lat1, double lon1, double lat2, double lon2)
{
	double r = M_PI / 180.0;
	double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
	double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * EARTH_RADIUS_M * asin(fmin(1.0, sqrt(a)));
}

enum method_result gps_check(double slat, double slon, double radius, double lat, double lon, double acc, double *dist)
{
	*dist = 0;
	if (!isfinite(lat) || !isfinite(lon) || !isfinite(acc) || lat < -90 || lat > 90 || lon < -180 || lon > 180 || acc < 0)
		return METHOD_NEED_GPS;
	if (acc > GPS_MAX_ACCURACY_M)
		return METHOD_POOR_ACCURACY;
	*dist = haversine_m(slat, slon, lat, lon);
	return *dist - fmin(acc, radius) <= radius ? METHOD_OK : METHOD_TOO_FAR;
}

/* The first rule (hashes of 64 hex digits without a prefix): full-width
 * ASCII and the ideographic space folded, ASCII lower-cased, trimmed. Kept so
 * keywords set before the second rule still match what they matched. */
static void keyword_normalise_v1(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)in;
	while (*p && o + 4 < outsz) {
		unsigned cp = *p, len = 1;
		if (*p >= 0xE0 && *p < 0xF0 && p[1] && p[2]) {
			cp = (unsigned)(*p & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
			len = 3;
		}
		if (cp >= 0xFF01 && cp <= 0xFF5E) {
			out[o++] = (char)(cp - 0xFEE0);
		} else if (cp == 0x3000) {
			out[o++] = ' ';
		} else {
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	out[o] = '\0';
	for (size_t i = 0; i < o; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	utf8_trim(out);
}

/* One code point of an NFKC, case-folded keyword, folded further: hiragana
 * to katakana, every dash and long-vowel mark to ー, white space dropped
 * (0). */
static ucs4_t keyword_fold(ucs4_t c)
{
	if ((c >= 0x3041 && c <= 0x3096) || c == 0x309D || c == 0x309E)
		return c + 0x60; /* ぁ..ゖ ゝゞ -> ァ..ヶ ヽヾ */
	if (c == '-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x2500 || c == 0x2501 || c == 0x30FC ||
	    c == 0x301C || c == 0x007E)
		return 0x30FC;
	if (uc_is_space(c) || c == 0x3000)
		return 0;
	return c;
}

void keyword_normalise(const char *in, char *out, size_t outsz)
{
	size_t n = 0, o = 0;
	*out = '\0';
	uint8_t *nf = u8_normalize(UNINORM_NFKC, (const uint8_t *)in, strnlen(in, 4096), NULL, &n);
	if (!nf)
		return;
	size_t m = 0;
	uint8_t *lower = u8_casefold(nf, n, NULL, UNINORM_NFKC, NULL, &m);
	free(nf);
	if (!lower)
		return;
	for (const uint8_t *p = lower, *end = lower + m; p < end;) {
		ucs4_t c;
		int len = u8_mbtouc(&c, p, (size_t)(end - p));
		p += len;
		if (!(c = keyword_fold(c)))
			continue;
		uint8_t buf[6];
		int k = u8_uctomb(buf, c, sizeof buf);
		if (k <= 0 || o + (size_t)k + 1 > outsz)
			break;
		memcpy(out + o, buf, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	free(lower);
}

void keyword_hash(const char *keyword, char out[KEYWORD_HASH_SIZE])
{
	char norm[512];
	unsigned char h[32];
	keyword_normalise(keyword, norm, sizeof norm);
	crypto_hash_sha256(h, (const unsigned char *)norm, strlen(norm));
	memcpy(out, KEYWORD_HASH_V2, 2);
	sodium_bin2hex(out + 2, 65, h, sizeof h);
}

int keyword_matches(const char *stored, const char *typed)
{
	char norm[512], h[KEYWORD_HASH_SIZE];
	unsigned char d[32];
	size_t len = strlen(stored);
	if (len == 66 && memcmp(stored, KEYWORD_HASH_V2, 2) == 0) {
		keyword_hash(typed, h);
		return sodium_memcmp(h, stored, 66) == 0;
	}
	if (len != 64)
		return 0;
	keyword_normalise_v1(typed, norm, sizeof norm);
	crypto_hash_sha256(d, (const unsigned char *)norm, strlen(norm));
	sodium_bin2hex(h, 65, d, sizeof d);
	return sodium_memcmp(h, stored, 64) == 0;
}

int keyword_is_legacy(const char *stored)
{
	return strlen(stored) == 64;
}

static const char *const METHOD_NAMES[SM_COUNT] = {"", "qr", "gps", "qr_gps", "keyword", "pin", "rotating_qr"};

enum stamp_method stamp_method_parse(const char *s, long n)
{
	if (!s)
		return SM_NONE;
	size_t len = n < 0 ? strlen(s) : (size_t)n;
	for (int m = 1; m < SM_COUNT; m++)
		if (strlen(METHOD_NAMES[m]) == len && memcmp(METHOD_NAMES[m], s, len) == 0)
			return (enum stamp_method)m;
	return SM_NONE;
}

const char *stamp_method_name(enum stamp_method m)
{
	return m > SM_NONE && m < SM_COUNT ? METHOD_NAMES[m] : "";
}

unsigned methods_mask(const char *methods)
{
	unsigned mask = 0;
	if (!methods || !*methods || strlen(methods) > 64)
		return 0;
	for (const char *p = methods; *p;) {
		size_t k = strcspn(p, ",");
		enum stamp_method m = stamp_method_parse(p, (long)k);
		if (m == SM_NONE || (p[k] == ',' && p[k + 1] == '\0'))
			return 0;
		mask |= 1u << m;
		p += k + (p[k] == ',');
	}
	return mask;
}

int methods_has(const char *methods, const char *m)
{
	size_t n = strlen(m);
	for (const char *p = methods; p && *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, m, n) == 0)
			return 1;
		p += k + (p[k] == ',');
	}
	return 0;
}

int methods_valid(const char *methods)
{
	return methods_mask(methods) != 0;
}

int spot_methods_load(db *d, arena *a, int64_t spot_id, struct spot_methods *out)
{
	db_stmt *st = db_query(d, "SELECT s.methods, s.keyword_hash, s.pin_hash, r.desk_pin_hash, s.latitude, s.longitude,"
				  " s.radius_m FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE s.id = $1", "i", spot_id);
	int rc = db_row(st);
	memset(out, 0, sizeof *out);
	if (rc == DB_ROW) {
		out->methods = arena_strdup(a, db_text(st, 0));
		out->mask = methods_mask(out->methods);
		out->keyword_hash = arena_strdup(a, db_text(st, 1));
		out->pin_hash = arena_strdup(a, db_text(st, 2));
		out->desk_pin_hash = arena_strdup(a, db_text(st, 3));
		out->has_position = !db_is_null(st, 4) && !db_is_null(st, 5);
		out->lat = db_double(st, 4);
		out->lon = db_double(st, 5);
		out->radius_m = (double)db_int(st, 6);
	}
	db_done(st);
	return rc == DB_ROW ? 0 : -1;
}

enum method_result method_verify(const struct spot_methods *m, const struct method_input *in, double *distance_m)
{
	*distance_m = 0;
	enum stamp_method method = in->method;
	if (method <= SM_NONE || method >= SM_COUNT || !(m->mask & (1u << method)))
		return METHOD_NOT_ALLOWED;
	switch (method) {
	case SM_QR:
	case SM_ROTATING_QR:
		return in->token_proven ? METHOD_OK : METHOD_NOT_ALLOWED;
	case SM_QR_GPS:
		if (!in->token_proven)
			return METHOD_NOT_ALLOWED;
		__attribute__((fallthrough)); /* and the position */
	case SM_GPS:
		if (!m->has_position)
			return METHOD_NO_POSITION;
		if (!in->has_position)
			return METHOD_NEED_GPS;
		return gps_check(m->lat, m->lon, m->radius_m, in->lat, in->lon, in->accuracy, distance_m);
	case SM_KEYWORD: {
		return in->secret && keyword_matches(m->keyword_hash, in->secret) ? METHOD_OK : METHOD_WRONG_KEYWORD;
	}
	case SM_PIN:
		/* The spot's own PIN only (the desk PIN redeems coupons: a different
		 * secret), proven before the claim reached the writer. */
		return secret_same(in->proven_pin_hash, m->pin_hash) ? METHOD_OK : METHOD_WRONG_PIN;
	default:
		return METHOD_NOT_ALLOWED;
	}
}

const char *method_result_code(enum method_result r)
{
	static const char *codes[] = {"ok", "method_not_accepted", "gps_required", "poor_accuracy", "too_far",
				      "spot_has_no_position", "wrong_keyword", "wrong_pin"};
	return codes[r];
}

