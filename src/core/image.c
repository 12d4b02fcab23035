/*
 * image.c — see image.h.  Only headers are read: PNG's IHDR, JPEG's SOFn
 * segment, WebP's VP8/VP8L/VP8X chunk. A file must also be complete: PNG
 * ends with IEND, JPEG with EOI, a WebP RIFF's size matches the file.
 */
#include "core/image.h"

#include <stdlib.h>
#include <string.h>

#include "lib/timeutil.h"
#include "lib/token.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static enum image_check png(const unsigned char *d, size_t n, struct image_info *o)
{
	if (n < 33 || memcmp(d + 12, "IHDR", 4) != 0)
		return IMAGE_TRUNCATED;
	o->content_type = "image/png";
	o->width = be32(d + 16);
	o->height = be32(d + 20);
	/* Walk the chunks to IEND. */
	size_t p = 8;
	while (p + 12 <= n) {
		uint32_t len = be32(d + p);
		if (len > n || p + 12 + len > n)
			return IMAGE_TRUNCATED;
		if (memcmp(d + p + 4, "IEND", 4) == 0)
			return IMAGE_OK;
		p += 12 + len;
	}
	return IMAGE_TRUNCATED;
}

static enum image_check jpeg(const unsigned char *d, size_t n, struct image_info *o)
{
	size_t p = 2;
	int have_size = 0;
	o->content_type = "image/jpeg";
	while (p + 4 <= n) {
		if (d[p] != 0xFF)
			return IMAGE_TRUNCATED;
		unsigned char m = d[p + 1];
		if (m == 0xFF) {
			p++;
			continue;
		}
		if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
			p += 2;
			continue;
		}
		if (m == 0xD9)
			break;
		size_t len = (size_t)d[p + 2] << 8 | d[p + 3];
		if (len < 2 || p + 2 + len > n)
			return IMAGE_TRUNCATED;
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (len < 7)
				return IMAGE_TRUNCATED;
			o->height = (uint32_t)d[p + 5] << 8 | d[p + 6];
			o->width = (uint32_t)d[p + 7] << 8 | d[p + 8];
			have_size = 1;
		}
		if (m == 0xDA) {
			/* Entropy-coded data follows: the file must end with EOI. */
			if (!have_size || n < 2 || d[n - 2] != 0xFF || d[n - 1] != 0xD9)
				return IMAGE_TRUNCATED;
			return IMAGE_OK;
		}
		p += 2 + len;
	}
	return have_size && p + 2 <= n && d[p] == 0xFF && d[p + 1] == 0xD9 ? IMAGE_OK : IMAGE_TRUNCATED;
}

static enum image_check webp(const unsigned char *d, size_t n, struct image_info *o)
{
	o->content_type = "image/webp";
	if (n < 30 || (size_t)le32(d + 4) + 8 != n)
		return IMAGE_TRUNCATED;
	const unsigned char *c = d + 12;
	if (memcmp(c, "VP8 ", 4) == 0) {
		if (c[11] != 0x9d || c[12] != 0x01 || c[13] != 0x2a)
			return IMAGE_TRUNCATED;
		o->width = (uint32_t)(c[14] | c[15] << 8) & 0x3fff;
		o->height = (uint32_t)(c[16] | c[17] << 8) & 0x3fff;
	} else if (memcmp(c, "VP8L", 4) == 0) {
		if (c[8] != 0x2f)
			return IMAGE_TRUNCATED;
		uint32_t b = le32(c + 9);
		o->width = (b & 0x3fff) + 1;
		o->height = ((b >> 14) & 0x3fff) + 1;
	} else if (memcmp(c, "VP8X", 4) == 0) {
		o->width = (uint32_t)(c[12] | c[13] << 8 | c[14] << 16) + 1;
		o->height = (uint32_t)(c[15] | c[16] << 8 | c[17] << 16) + 1;
	} else {
		return IMAGE_UNKNOWN_TYPE;
	}
	return IMAGE_OK;
}

enum image_check image_check(const unsigned char *d, size_t n, struct image_info *o)
{
	enum image_check rc;
	memset(o, 0, sizeof *o);
	if (n == 0)
		return IMAGE_EMPTY;
	if (n > IMAGE_MAX_BYTES)
		return IMAGE_TOO_LARGE;
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		rc = png(d, n, o);
	else if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		rc = jpeg(d, n, o);
	else if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		rc = webp(d, n, o);
	else
		return IMAGE_UNKNOWN_TYPE;
	if (rc == IMAGE_OK && (o->width == 0 || o->height == 0 || o->width > IMAGE_MAX_SIDE || o->height > IMAGE_MAX_SIDE))
		return IMAGE_TOO_MANY_PIXELS;
	return rc;
}

const char *image_check_key(enum image_check c)
{
	static const char *keys[] = {"", "image.empty", "image.too_large", "image.unknown_type", "image.truncated",
				     "image.too_many_pixels", "image.undecodable"};
	return keys[c];
}

/* One row of images: a new public id; parent_id 0 for the image itself. */
static int64_t insert_row(db *d, int64_t tenant_id, const struct picture *p, int64_t parent_id, int64_t now)
{
	char pid[48];
	token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
	return db_int1(d, -1,
		       "INSERT INTO images(public_id, tenant_id, content_type, width, height, bytes, created_at, parent_id, variant)"
		       " VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, 0), $9) RETURNING id",
		       "titiibiit", pid, tenant_id, p->content_type, (int64_t)p->width, (int64_t)p->height, p->data, p->n, now,
		       parent_id, parent_id ? p->variant : NULL);
}

int64_t image_store_pictures(db *d, int64_t tenant_id, const struct picture *p, int n, int64_t now)
{
	int main = n - 2; /* the widest fallback */
	if (main < 0)
		return -1;
	int64_t id = insert_row(d, tenant_id, &p[main], 0, now);
	for (int i = 0; i < n && id > 0; i++)
		if (i != main && insert_row(d, tenant_id, &p[i], id, now) <= 0)
			return -1;
	return id;
}

int image_variant_valid(const char *variant)
{
	static const char *const names[] = {"480", "480.webp", "960", "960.webp"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(variant, names[i]) == 0)
			return 1;
	return 0;
}

int image_load_variant(db *d, arena *a, const char *public_id, const char *variant, const char **content_type,
		       const void **bytes, size_t *n)
{
	if (!variant || strcmp(variant, "960") == 0)
		return image_load(d, a, public_id, content_type, bytes, n);
	db_stmt *st = db_query(d,
			       "SELECT coalesce(v.content_type, p.content_type), coalesce(v.bytes, p.bytes)"
			       " FROM images p LEFT JOIN images v ON v.parent_id = p.id AND v.variant = $2"
			       " WHERE p.public_id = $1 AND p.parent_id IS NULL",
			       "tt", public_id, variant);
	int rc = db_row(st);
	if (rc == DB_ROW) { /* an image stored before 0021 has no variants: itself for each */
		const void *b = db_blob(st, 1, n);
		void *copy = arena_alloc(a, *n ? *n : 1);
		memcpy(copy, b, *n);
		*bytes = copy;
		*content_type = arena_strdup(a, db_text(st, 0));
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

const char *image_public_id(db *d, arena *a, int64_t id)
{
	if (id <= 0)
		return NULL;
	return db_text1a(d, a, "SELECT public_id FROM images WHERE id = $1", "i", id);
}

int image_load(db *d, arena *a, const char *public_id, const char **content_type, const void **bytes, size_t *n)
{
	db_stmt *st = db_query(d, "SELECT content_type, bytes FROM images WHERE public_id = $1", "t", public_id);
	int rc = db_row(st);
	if (rc == DB_ROW) {
		const void *p = db_blob(st, 1, n);
		void *copy = arena_alloc(a, *n ? *n : 1);
		memcpy(copy, p, *n);
		*bytes = copy;
		*content_type = arena_strdup(a, db_text(st, 0));
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* Replace legacy image id's bytes by p's widest fallback and add the rest
 * as its variants, in one write transaction. 0, or -1. */
static int rebuild_one(db *d, int64_t id, int64_t tenant_id, const struct picture *p, int n, int64_t now)
{
	int main = n - 2;
	if (db_begin(d) != 0)
		return -1;
	int rc = db_exec(d, "UPDATE images SET content_type = $2, width = $3, height = $4, bytes = $5 WHERE id = $1", "itiib", id,
			 p[main].content_type, (int64_t)p[main].width, (int64_t)p[main].height, p[main].data, p[main].n) == DB_DONE
		 ? 0
		 : -1;
	for (int i = 0; i < n && rc == 0; i++)
		if (i != main && insert_row(d, tenant_id, &p[i], id, now) <= 0)
			rc = -1;
	if (rc == 0 && db_commit(d) == 0)
		return 0;
	db_rollback(d);
	return -1;
}

int image_rebuild_legacy(db *d)
{
	int done = 0;
	int64_t last = 0, now = time_now_ms();
	for (;;) {
		/* the next legacy image: one without variants */
		db_stmt *st = db_query(d,
				       "SELECT id, tenant_id, bytes FROM images p WHERE parent_id IS NULL AND id > $1"
				       " AND NOT EXISTS (SELECT 1 FROM images v WHERE v.parent_id = p.id) ORDER BY id LIMIT 1",
				       "i", last);
		int rc = st ? db_row(st) : DB_ERROR;
		if (rc != DB_ROW) {
			db_done(st);
			return rc == DB_DONE ? done : -1;
		}
		int64_t tenant_id = db_int(st, 1);
		size_t n;
		const void *b = db_blob(st, 2, &n);
		unsigned char *copy = malloc(n ? n : 1);
		if (copy)
			memcpy(copy, b, n);
		last = db_int(st, 0);
		db_done(st);
		struct picture p[PICTURE_MAX];
		int k = copy ? picture_variants(copy, n, p) : -1;
		free(copy);
		if (k > 0 && rebuild_one(d, last, tenant_id, p, k, now) != 0) {
			picture_free(p, k);
			return -1;
		}
		if (k > 0) {
			picture_free(p, k);
			done++;
		}
	}
}
