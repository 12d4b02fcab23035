/*
 * jwt.h — verification of HS256-signed JSON Web Tokens (the ID tokens of
 * LINE Login v2.1). Only HS256 is accepted: "none", ES256 and everything
 * else are refused before any claim is read.
 */
#ifndef SR_JWT_H
#define SR_JWT_H

#include <jansson.h>
#include <stddef.h>

enum jwt_result {
	JWT_OK,
	JWT_MALFORMED,   /* not three base64url parts of JSON objects */
	JWT_BAD_ALG,     /* alg other than HS256 */
	JWT_BAD_SIGNATURE,
};

/* Check token's structure, algorithm and signature (HMAC-SHA256 with
 * secret, compared in constant time). On JWT_OK stores the claims in
 * *claims (caller decrefs). */
enum jwt_result jwt_verify_hs256(const char *token, const char *secret, json_t **claims);

#endif
