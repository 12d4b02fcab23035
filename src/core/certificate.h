/*
 * certificate.h — signed erasure certificates (消去証明書).
 *
 * A certificate is a JSON document: {"certificate": {...}, "signature":
 * {"algorithm": "Ed25519", "public_key": B64, "value": B64}}, written with
 * sorted keys and two-space indentation. The signature is over
 * CERT_CONTEXT followed by the "certificate" object in compact form with
 * sorted keys and ASCII escapes; the file must also be exactly the
 * indented form, so no byte of it can change unnoticed. The key is the
 * service's Ed25519 key (core/audit.h), printed by `stamprally certificate
 * pubkey`. docs/operations.md ("Tenants and purge") shows one.
 */
#ifndef SR_CERTIFICATE_H
#define SR_CERTIFICATE_H

#include <jansson.h>
#include <stddef.h>

#define CERT_CONTEXT "stamprally erasure certificate v1\n"

/* Sign body (a JSON object, borrowed) into the document's text (heap;
 * caller frees), or NULL (no signing key, no memory). */
char *certificate_sign(json_t *body);
/* Check the text of a certificate against pubkey (32 bytes; NULL: the
 * loaded signing key's). 0 when it is intact and signed by that key, with
 * *body (when not NULL) a new reference to its "certificate" object; 1
 * when not, with the reason in why. */
int certificate_verify(const char *text, size_t n, const unsigned char *pubkey, json_t **body, char *why, size_t whysz);

#endif
