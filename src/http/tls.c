/*
 * tls.c — see tls.h.
 */
#include "http/tls.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 8

/* One loaded pair. Old ones are kept until exit: a handshake that started
 * with one may still be using it after a reload. */
struct pair {
	gnutls_pcert_st certs[MAX_CHAIN];
	unsigned ncerts;
	gnutls_privkey_t key;
	struct pair *older;
};

static _Atomic(struct pair *) current;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void pair_free(struct pair *p)
{
	for (unsigned i = 0; i < p->ncerts; i++)
		gnutls_pcert_deinit(&p->certs[i]);
	if (p->key)
		gnutls_privkey_deinit(p->key);
	free(p);
}

int tls_load(const char *cert_file, const char *key_file, char *err, size_t errsz)
{
	gnutls_datum_t cert = {0}, key = {0};
	struct pair *p = calloc(1, sizeof *p);
	int rc = p ? gnutls_load_file(cert_file, &cert) : GNUTLS_E_MEMORY_ERROR;
	if (rc < 0) {
		snprintf(err, errsz, "cannot read the certificate %s: %s", cert_file, gnutls_strerror(rc));
		goto fail;
	}
	if ((rc = gnutls_load_file(key_file, &key)) < 0) {
		snprintf(err, errsz, "cannot read the key %s: %s", key_file, gnutls_strerror(rc));
		goto fail;
	}
	p->ncerts = MAX_CHAIN;
	if ((rc = gnutls_pcert_list_import_x509_raw(p->certs, &p->ncerts, &cert, GNUTLS_X509_FMT_PEM, 0)) < 0) {
		p->ncerts = 0;
		snprintf(err, errsz, "%s is not a PEM certificate chain: %s", cert_file, gnutls_strerror(rc));
		goto fail;
	}
	if ((rc = gnutls_privkey_init(&p->key)) < 0 ||
	    (rc = gnutls_privkey_import_x509_raw(p->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		snprintf(err, errsz, "%s is not a PEM private key: %s", key_file, gnutls_strerror(rc));
		goto fail;
	}
	/* The key must belong to the first certificate: sign and verify a probe. */
	gnutls_pubkey_t pub = p->certs[0].pubkey;
	gnutls_sign_algorithm_t algo = gnutls_pk_to_sign(gnutls_pubkey_get_pk_algorithm(pub, NULL), GNUTLS_DIG_SHA256);
	unsigned char probe[] = "stamprally";
	gnutls_datum_t data = {probe, sizeof probe - 1}, sig = {0};
	if (algo != GNUTLS_SIGN_UNKNOWN && ((rc = gnutls_privkey_sign_data2(p->key, algo, 0, &data, &sig)) < 0 ||
					    (rc = gnutls_pubkey_verify_data2(pub, algo, 0, &data, &sig)) < 0)) {
		snprintf(err, errsz, "the key %s does not belong to the certificate %s", key_file, cert_file);
		gnutls_free(sig.data);
		goto fail;
	}
	gnutls_free(sig.data);
	gnutls_free(cert.data);
	gnutls_free(key.data);
	pthread_mutex_lock(&mu);
	p->older = atomic_load(&current);
	atomic_store(&current, p);
	pthread_mutex_unlock(&mu);
	return 0;
fail:
	gnutls_free(cert.data);
	gnutls_free(key.data);
	if (p)
		pair_free(p);
	return -1;
}

/* gnutls_certificate_retrieve_function2: the current pair for every handshake. */
static int retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
		    const gnutls_pk_algorithm_t *algos, int nalgos, gnutls_pcert_st **pcert, unsigned int *pcert_length,
		    gnutls_privkey_t *pkey)
{
	(void)session, (void)req_ca_dn, (void)nreqs, (void)algos, (void)nalgos;
	struct pair *p = atomic_load(&current);
	if (!p)
		return -1;
	*pcert = p->certs;
	*pcert_length = p->ncerts;
	*pkey = p->key;
	return 0;
}

void *tls_cert_callback(void)
{
	return (void *)retrieve;
}

void tls_free(void)
{
	pthread_mutex_lock(&mu);
	struct pair *p = atomic_exchange(&current, NULL);
	while (p) {
		struct pair *older = p->older;
		pair_free(p);
		p = older;
	}
	pthread_mutex_unlock(&mu);
}
