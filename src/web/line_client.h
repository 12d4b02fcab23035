/*
 * line_client.h — the HTTP side of LINE Login: the token endpoint and token
 * revocation over libcurl (timeouts, TLS verification on), and the checks
 * of the ID token (HS256 signature, iss, aud, exp/iat with 60 s leeway,
 * nonce) — done here, not by asking LINE.
 */
#ifndef SR_LINE_CLIENT_H
#define SR_LINE_CLIENT_H

#include <jansson.h>
#include <stdint.h>

#include "lib/arena.h"

#define LINE_ISSUER "https://access.line.me"
#define LINE_LEEWAY_S 60

struct line_endpoints {
	const char *auth_base, *api_base; /* e.g. https://access.line.me, https://api.line.me */
	long timeout_ms;
};

/* Exchange an authorization code. On success returns 0 and the token
 * response in *tokens (caller decrefs); otherwise a negative code and a
 * short reason for the server log (no secrets) in why. */
int line_token(const struct line_endpoints *e, const char *code, const char *redirect_uri, const char *channel_id,
	       const char *secret, const char *verifier, json_t **tokens, char *why, size_t whysz);
/* Revoke an access token (best effort). 0 or -1. */
int line_revoke(const struct line_endpoints *e, const char *channel_id, const char *secret, const char *access_token);
/* Verify an ID token; on success returns NULL and the claims in *claims
 * (caller decrefs); otherwise the reason code ("bad_signature", "bad_alg",
 * "bad_iss", "bad_aud", "expired", "issued_in_future", "bad_nonce",
 * "no_sub", "no_name", "malformed"). */
const char *line_check_id_token(const char *id_token, const char *channel_id, const char *secret, const char *nonce,
				int64_t now_s, json_t **claims);
/* True when url is https, or http to a loopback address (tests). */
int line_base_allowed(const char *url);

#endif
