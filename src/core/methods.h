/*
 * methods.h — how a stamp is earned at a spot, besides the printed QR code:
 * GPS (the browser's position and its accuracy), QR + GPS, a keyword shown
 * at the spot, a staff PIN, a rotating QR code (core/rotating.h). Guessing
 * is throttled (core/throttle.h); recovery codes are core/recovery.h.
 *
 * GPS rule: a reading whose accuracy is worse than GPS_MAX_ACCURACY_M is
 * refused ("poor accuracy"); otherwise the stamp is given when
 *     distance − min(accuracy, radius) ≤ radius
 * i.e. the reported uncertainty may bridge the gap, but never by more than
 * the spot's own radius (at most twice the radius in all).
 */
#ifndef SR_METHODS_H
#define SR_METHODS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

#define GPS_MAX_ACCURACY_M 200.0

enum method_result {
	METHOD_OK,
	METHOD_NOT_ALLOWED,   /* the spot does not take this method */
	METHOD_NEED_GPS,      /* QR + GPS: the position is missing */
	METHOD_POOR_ACCURACY,
	METHOD_TOO_FAR,       /* *distance_m says how far */
	METHOD_NO_POSITION,   /* the spot has no coordinates set */
	METHOD_WRONG_KEYWORD,
	METHOD_WRONG_PIN,
};

/* Great-circle distance in metres (haversine, mean Earth radius). */
double haversine_m(double lat1, double lon1, double lat2, double lon2);
/* Apply the GPS rule. */
enum method_result gps_check(double spot_lat, double spot_lon, double radius_m, double lat, double lon,
			     double accuracy_m, double *distance_m);
/* Normalise a keyword so that what a visitor may reasonably type for it
 * compares equal: NFKC (full-width and half-width forms, half-width
 * katakana), case folding, hiragana to katakana, every dash and long-vowel
 * mark to ー, white space removed. Into out (outsz bytes; cut at a
 * character boundary when longer). */
void keyword_normalise(const char *in, char *out, size_t outsz);
/* What is stored for a keyword: "2:" and the hex SHA-256 of its normal form
 * (KEYWORD_HASH_SIZE bytes with the NUL). Hashes of 64 hex digits without
 * the prefix are the first rule's (width and ASCII case only). */
#define KEYWORD_HASH_V2 "2:"
#define KEYWORD_HASH_SIZE 67
void keyword_hash(const char *keyword, char out[KEYWORD_HASH_SIZE]);
/* 1 if typed matches the stored hash under the rule it was stored with. */
int keyword_matches(const char *stored, const char *typed);
/* 1 if the stored hash is the first rule's: setting the keyword again
 * brings the kana, dash and space folding. */
int keyword_is_legacy(const char *stored);
/* The ways a stamp is earned, parsed once at the edge from their stored and
 * sent names ("qr", "gps", "qr_gps", "keyword", "pin", "rotating_qr"). */
enum stamp_method {
	SM_NONE = 0, /* unknown or missing: never accepted */
	SM_QR,
	SM_GPS,
	SM_QR_GPS,
	SM_KEYWORD,
	SM_PIN,
	SM_ROTATING_QR,
	SM_COUNT
};
/* The method named by s (length n, or -1 for NUL-terminated); SM_NONE when
 * s is NULL or names none. */
enum stamp_method stamp_method_parse(const char *s, long n);
/* The stored name of m ("" for SM_NONE); a static string. */
const char *stamp_method_name(enum stamp_method m);
/* A set of methods as bits (1u << method) from a comma list; 0 when the
 * list is empty, too long, or names an unknown method. */
unsigned methods_mask(const char *methods);
/* True when methods (a comma list) contains m. */
int methods_has(const char *methods, const char *m);
/* True when every item of a comma list is a known method and the list is non-empty. */
int methods_valid(const char *methods);


/* What a spot accepts (loaded per claim). */
struct spot_methods {
	unsigned mask;        /* accepted methods, 1u << enum stamp_method */
	const char *methods, *keyword_hash, *pin_hash, *desk_pin_hash;
	int has_position;
	double lat, lon, radius_m;
};
/* What the participant sent. */
struct method_input {
	enum stamp_method method;
	int token_proven;     /* the caller checked the spot's QR token or the current
	                       * rotating code: the proof of SM_QR, SM_QR_GPS, SM_ROTATING_QR */
	int has_position;
	double lat, lon, accuracy;
	const char *secret;   /* the keyword */
	const char *proven_pin_hash; /* the spot PIN hash the sent PIN was proven against (web/prove.c), or NULL */
};

int spot_methods_load(db *d, arena *a, int64_t spot_id, struct spot_methods *out);
/* Check one claim's proof against the spot (no throttling here). Every
 * method needs its own proof: QR and rotating QR a checked token
 * (in->token_proven), GPS a position inside the radius, QR + GPS both,
 * the keyword its word, a PIN the spot PIN hash it was proven against before
 * the claim began (in->proven_pin_hash); SM_NONE or a method the spot does not take
 * is METHOD_NOT_ALLOWED. */
enum method_result method_verify(const struct spot_methods *m, const struct method_input *in, double *distance_m);
/* A stable code for the API ("too_far", "wrong_keyword", ...). */
const char *method_result_code(enum method_result r);

#endif
