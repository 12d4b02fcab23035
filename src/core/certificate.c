/*
 * certificate.c — see certificate.h.
 */
#include "core/certificate.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "lib/jsonmem.h"

#define CANONICAL (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)
#define FILE_FORM (JSON_INDENT(2) | JSON_SORT_KEYS)

/* The signed message for body: CERT_CONTEXT ‖ canonical JSON (heap), or NULL. */
static char *signed_message(json_t *body)
{
	char *canon = json_heap_text(body, CANONICAL);
	if (!canon)
		return NULL;
	size_t n = strlen(CERT_CONTEXT) + strlen(canon) + 1;
	char *msg = malloc(n);
	if (msg)
		snprintf(msg, n, "%s%s", CERT_CONTEXT, canon);
	free(canon);
	return msg;
}

/* The document's text: the indented form and a newline (heap), or NULL. */
static char *file_text(json_t *doc)
{
	char *t = json_heap_text(doc, FILE_FORM);
	size_t n = t ? strlen(t) : 0;
	char *out = t ? realloc(t, n + 2) : NULL;
	if (!out) {
		free(t);
		return NULL;
	}
	out[n] = '\n', out[n + 1] = '\0';
	return out;
}

char *certificate_sign(json_t *body)
{
	unsigned char sig[crypto_sign_BYTES];
	char *msg = signed_message(body);
	if (!msg || audit_sign(msg, strlen(msg), sig) != 0) {
		free(msg);
		return NULL;
	}
	free(msg);
	char pk[64], sg[128];
	audit_pubkey(pk, sizeof pk);
	sodium_bin2base64(sg, sizeof sg, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	json_t *doc = json_pack("{s:O, s:{s:s, s:s, s:s}}", "certificate", body, "signature", "algorithm", "Ed25519",
				"public_key", pk, "value", sg);
	char *text = doc ? file_text(doc) : NULL;
	json_decref(doc);
	return text;
}

static int refuse(char *why, size_t n, const char *text)
{
	snprintf(why, n, "%s", text);
	return 1;
}

int certificate_verify(const char *text, size_t n, const unsigned char *pubkey, json_t **body, char *why, size_t whysz)
{
	json_error_t e;
	unsigned char sig[crypto_sign_BYTES];
	size_t len = 0;
	if (body)
		*body = NULL;
	json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &e);
	json_t *cert = json_object_get(doc, "certificate"), *s = json_object_get(doc, "signature");
	const char *alg = json_string_value(json_object_get(s, "algorithm")), *v = json_string_value(json_object_get(s, "value"));
	int rc = 0;
	char *again = NULL, *msg = NULL;
	if (!json_is_object(cert) || !alg || !v || json_object_size(doc) != 2 || json_object_size(s) != 3)
		rc = refuse(why, whysz, "not an erasure certificate");
	else if (strcmp(alg, "Ed25519") != 0 ||
		 sodium_base642bin(sig, sizeof sig, v, strlen(v), NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		 len != sizeof sig)
		rc = refuse(why, whysz, "the signature is not an Ed25519 signature");
	else if (!(again = file_text(doc)) || strlen(again) != n || memcmp(again, text, n) != 0)
		rc = refuse(why, whysz, "the file was changed after it was issued (it is not byte for byte as signed)");
	else if (!(msg = signed_message(cert)) || audit_sign_check(msg, strlen(msg), sig, pubkey) != 0)
		rc = refuse(why, whysz, "the signature does not verify with the service's public key (altered, or signed by "
					"another key)");
	if (rc == 0 && body)
		*body = json_incref(cert);
	free(again);
	free(msg);
	json_decref(doc);
	return rc;
}
