/*
 * vault.c — see vault.h.
 */
#include "lib/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define MAGIC "SRVAULT1"
#define PREFIX_LEN (8 + VAULT_KEY_ID_LEN)
#define CHUNK (64 * 1024)

struct vault {
	int fd, writing, ended;
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char prefix[PREFIX_LEN];
	crypto_hash_sha256_state file_hash;
	long long size;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	unsigned char plain[CHUNK];     /* writer: compressed bytes waiting for a chunk; reader: a decrypted chunk */
	size_t plain_len, plain_pos;
	unsigned char cipher[CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES];
	int zstd_done;                  /* reader: the zstd frame ended */
	char err[200];
};

static int fail(vault *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(vault *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->err, sizeof v->err, fmt, ap);
	va_end(ap);
	return -1;
}

void vault_key_id(const unsigned char key[32], unsigned char id[VAULT_KEY_ID_LEN], char *hex_out)
{
	static const unsigned char label[] = "stamprally backup key id";
	crypto_generichash(id, VAULT_KEY_ID_LEN, label, sizeof label - 1, key, 32);
	if (hex_out)
		sodium_bin2hex(hex_out, 2 * VAULT_KEY_ID_LEN + 1, id, VAULT_KEY_ID_LEN);
}

static int write_all(vault *v, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n) {
		ssize_t w = write(v->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail(v, "cannot write: %s", strerror(w < 0 ? errno : ENOSPC));
		crypto_hash_sha256_update(&v->file_hash, b, (size_t)w);
		v->size += w;
		b += w, n -= (size_t)w;
	}
	return 0;
}

vault *vault_create(const char *path, const unsigned char key[32], char *err, size_t errsz)
{
	vault *v = calloc(1, sizeof *v);
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	if (!v || !(v->cctx = ZSTD_createCCtx())) {
		snprintf(err, errsz, "out of memory");
		free(v);
		return NULL;
	}
	v->writing = 1;
	v->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (v->fd < 0) {
		snprintf(err, errsz, "cannot create %s: %s", path, strerror(errno));
		vault_close(v);
		return NULL;
	}
	ZSTD_CCtx_setParameter(v->cctx, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(v->cctx, ZSTD_c_checksumFlag, 1);
	memcpy(v->prefix, MAGIC, 8);
	vault_key_id(key, v->prefix + 8, NULL);
	crypto_hash_sha256_init(&v->file_hash);
	crypto_secretstream_xchacha20poly1305_init_push(&v->st, header, key);
	if (write_all(v, v->prefix, PREFIX_LEN) != 0 || write_all(v, header, sizeof header) != 0) {
		snprintf(err, errsz, "%s", v->err);
		vault_close(v);
		return NULL;
	}
	return v;
}

/* Encrypt the waiting compressed bytes as one chunk (final: the last). */
static int push_chunk(vault *v, int final)
{
	unsigned long long clen;
	crypto_secretstream_xchacha20poly1305_push(&v->st, v->cipher, &clen, v->plain, v->plain_len, v->prefix, PREFIX_LEN,
						   final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
	unsigned char len[4] = {(unsigned char)(clen >> 24), (unsigned char)(clen >> 16), (unsigned char)(clen >> 8),
				(unsigned char)clen};
	v->plain_len = 0;
	return write_all(v, len, 4) == 0 && write_all(v, v->cipher, (size_t)clen) == 0 ? 0 : -1;
}

/* Feed in (possibly empty) to zstd with mode; full chunks go out. */
static int compress(vault *v, const void *p, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = {p, n, 0};
	for (;;) {
		ZSTD_outBuffer out = {v->plain, CHUNK, v->plain_len};
		size_t left = ZSTD_compressStream2(v->cctx, &out, &in, mode);
		if (ZSTD_isError(left))
			return fail(v, "zstd: %s", ZSTD_getErrorName(left));
		v->plain_len = out.pos;
		if (v->plain_len == CHUNK && push_chunk(v, 0) != 0)
			return -1;
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

int vault_write(vault *v, const void *p, size_t n)
{
	return compress(v, p, n, ZSTD_e_continue);
}

int vault_finish(vault *v, unsigned char sha256[32], long long *size, char *err, size_t errsz)
{
	int rc = compress(v, NULL, 0, ZSTD_e_end) == 0 && push_chunk(v, 1) == 0 ? 0 : -1;
	if (rc == 0 && fsync(v->fd) != 0)
		rc = fail(v, "cannot sync: %s", strerror(errno));
	if (rc == 0 && close(v->fd) != 0)
		rc = fail(v, "cannot close: %s", strerror(errno));
	else if (rc == 0)
		v->fd = -1;
	if (rc == 0) {
		crypto_hash_sha256_final(&v->file_hash, sha256);
		*size = v->size;
	} else {
		snprintf(err, errsz, "%s", v->err);
	}
	vault_close(v);
	return rc;
}

static int read_all(vault *v, void *p, size_t n)
{
	unsigned char *b = p;
	while (n) {
		ssize_t r = read(v->fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(v, "cannot read: %s", strerror(errno));
		if (r == 0)
			return 1;
		b += r, n -= (size_t)r;
	}
	return 0;
}

vault *vault_open(const char *path, const unsigned char key[32], char *err, size_t errsz)
{
	vault *v = calloc(1, sizeof *v);
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES], want[VAULT_KEY_ID_LEN];
	char have_hex[20], want_hex[20];
	if (!v || !(v->dctx = ZSTD_createDCtx())) {
		snprintf(err, errsz, "out of memory");
		free(v);
		return NULL;
	}
	v->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v->fd < 0) {
		snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
		vault_close(v);
		return NULL;
	}
	int rc = read_all(v, v->prefix, PREFIX_LEN);
	if (rc == 0)
		rc = read_all(v, header, sizeof header);
	vault_key_id(key, want, want_hex);
	sodium_bin2hex(have_hex, sizeof have_hex, v->prefix + 8, VAULT_KEY_ID_LEN);
	if (rc != 0 || memcmp(v->prefix, MAGIC, 8) != 0)
		snprintf(err, errsz, "%s is not a stamprally backup (or is truncated)", path);
	else if (memcmp(v->prefix + 8, want, VAULT_KEY_ID_LEN) != 0)
		snprintf(err, errsz, "%s was made with backup key %s; the configured key is %s", path, have_hex, want_hex);
	else if (crypto_secretstream_xchacha20poly1305_init_pull(&v->st, header, key) != 0)
		snprintf(err, errsz, "%s: damaged header", path);
	else
		return v;
	vault_close(v);
	return NULL;
}

/* Decrypt the next chunk into plain. 0, or -1. */
static int pull_chunk(vault *v)
{
	unsigned char len[4], tag;
	int rc = read_all(v, len, 4);
	if (rc != 0)
		return rc < 0 ? -1 : fail(v, "the file ends early (truncated)");
	size_t clen = (size_t)len[0] << 24 | (size_t)len[1] << 16 | (size_t)len[2] << 8 | len[3];
	if (clen < crypto_secretstream_xchacha20poly1305_ABYTES || clen > sizeof v->cipher)
		return fail(v, "damaged (a chunk length is impossible)");
	if ((rc = read_all(v, v->cipher, clen)) != 0)
		return rc < 0 ? -1 : fail(v, "the file ends early (truncated)");
	unsigned long long plen;
	if (crypto_secretstream_xchacha20poly1305_pull(&v->st, v->plain, &plen, &tag, v->cipher, clen, v->prefix,
						       PREFIX_LEN) != 0)
		return fail(v, "damaged or altered (authentication failed)");
	v->plain_len = (size_t)plen, v->plain_pos = 0;
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		unsigned char extra;
		if (read_all(v, &extra, 1) != 1)
			return fail(v, "data after the end of the backup");
		v->ended = 1;
	}
	return 0;
}

ssize_t vault_read(vault *v, void *p, size_t n)
{
	ZSTD_outBuffer out = {p, n, 0};
	while (out.pos == 0 && n) {
		if (v->plain_pos == v->plain_len) {
			if (v->ended) {
				if (!v->zstd_done)
					return fail(v, "the compressed data ends early");
				return 0;
			}
			if (pull_chunk(v) != 0)
				return -1;
		}
		ZSTD_inBuffer in = {v->plain, v->plain_len, v->plain_pos};
		size_t left = ZSTD_decompressStream(v->dctx, &out, &in);
		if (ZSTD_isError(left))
			return fail(v, "zstd: %s", ZSTD_getErrorName(left));
		v->plain_pos = in.pos;
		v->zstd_done = left == 0;
	}
	return (ssize_t)out.pos;
}

const char *vault_error(const vault *v)
{
	return v->err;
}

void vault_close(vault *v)
{
	if (!v)
		return;
	if (v->fd >= 0)
		close(v->fd);
	ZSTD_freeCCtx(v->cctx);
	ZSTD_freeDCtx(v->dctx);
	sodium_memzero(&v->st, sizeof v->st);
	free(v);
}
