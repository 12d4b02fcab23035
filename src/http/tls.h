/*
 * tls.h — the server's certificate and key for built-in HTTPS (GnuTLS
 * through libmicrohttpd). They are handed to each handshake by a callback,
 * so a reload (SIGHUP) takes effect for new connections while those in
 * flight keep theirs.
 */
#ifndef SR_TLS_H
#define SR_TLS_H

#include <stddef.h>

/* Read the PEM certificate chain and private key and make them the ones new
 * handshakes use. 0, or -1 with a message in err (the previous pair stays). */
int tls_load(const char *cert_file, const char *key_file, char *err, size_t errsz);
/* The callback for MHD_OPTION_HTTPS_CERT_CALLBACK (a
 * gnutls_certificate_retrieve_function2). */
void *tls_cert_callback(void);
/* Free every pair loaded (at exit, after the daemon stopped). */
void tls_free(void);

#endif
