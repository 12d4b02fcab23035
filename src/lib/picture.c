/*
 * picture.c — see picture.h.
 */
#include "lib/picture.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include <webp/mux.h>

const int picture_widths[PICTURE_WIDTHS] = {480, 960};

static pthread_once_t started = PTHREAD_ONCE_INIT;
static _Atomic int start_rc = -1; /* read at shutdown by another thread */

/* Start libvips (pthread_once: the argon2id thread or serve's start-up). */
static void start(void)
{
	if (VIPS_INIT("stamprally") != 0)
		return;
	vips_concurrency_set(1); /* the caller's thread does the work; uploads are rare */
	vips_cache_set_max(0);
	vips_block_untrusted_set(TRUE);
	start_rc = 0;
}

void picture_shutdown(void)
{
	if (start_rc == 0)
		vips_shutdown();
}

/* Remove every piece of metadata from img (EXIF with its GPS position,
 * XMP, IPTC, ICC, PNG comments): the savers' own "strip" leaves EXIF in a
 * WebP on libvips 8.14. The pixels are sRGB already (thumbnail). */
static void strip(VipsImage *img)
{
	gchar **fields = vips_image_get_fields(img);
	for (int i = 0; fields && fields[i]; i++)
		if (vips_image_get_typeof(img, fields[i]) && strncmp(fields[i], "vips-", 5) != 0)
			vips_image_remove(img, fields[i]); /* the header's own fields are not metadata: kept */
	g_strfreev(fields);
}

/* Drop the EXIF, XMP and ICC chunks libvips 8.14 writes into a WebP even
 * when told to strip (it makes an EXIF block of its own), with libwebpmux.
 * A new malloc'd file into *out (the caller frees), or -1. */
static int webp_strip(const unsigned char *d, size_t n, unsigned char **out, size_t *outn)
{
	WebPData in = {d, n}, done = {NULL, 0};
	WebPMux *mux = WebPMuxCreate(&in, 0);
	if (!mux)
		return -1;
	static const char *const chunks[] = {"EXIF", "XMP ", "ICCP"};
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++)
		WebPMuxDeleteChunk(mux, chunks[i]); /* WEBP_MUX_NOT_FOUND when absent: fine */
	int rc = WebPMuxAssemble(mux, &done) == WEBP_MUX_OK ? 0 : -1;
	WebPMuxDelete(mux);
	if (rc == 0 && (*out = malloc(done.size ? done.size : 1)) != NULL) {
		memcpy(*out, done.bytes, done.size);
		*outn = done.size;
	} else {
		rc = -1;
	}
	WebPDataClear(&done);
	return rc;
}

/* Copy a libvips buffer into malloc'd memory the caller frees. */
static unsigned char *take(void *buf, size_t n)
{
	unsigned char *out = malloc(n ? n : 1);
	if (out)
		memcpy(out, buf, n);
	g_free(buf);
	return out;
}

/* Save img as the fallback (JPEG, or PNG with alpha) and as WebP into two
 * entries of out; 0, or -1. */
static int save_both(VipsImage *img, int width, struct picture *out)
{
	static const char *const names[][2] = {{"480", "480.webp"}, {"960", "960.webp"}};
	int w = width == picture_widths[0] ? 0 : 1, alpha = vips_image_hasalpha(img);
	void *buf = NULL;
	size_t n = 0;
	int rc = alpha ? vips_pngsave_buffer(img, &buf, &n, "strip", TRUE, "compression", 9, NULL)
		       : vips_jpegsave_buffer(img, &buf, &n, "Q", 82, "strip", TRUE, "optimize_coding", TRUE, "interlace", TRUE,
					      NULL);
	if (rc != 0)
		return -1;
	out[0] = (struct picture){alpha ? "image/png" : "image/jpeg", names[w][0], vips_image_get_width(img),
				  vips_image_get_height(img), take(buf, n), n};
	if (vips_webpsave_buffer(img, &buf, &n, "Q", 80, "strip", TRUE, NULL) != 0)
		return -1;
	unsigned char *clean = NULL;
	size_t cn = 0;
	int stripped = webp_strip(buf, n, &clean, &cn);
	g_free(buf);
	if (stripped != 0)
		return -1;
	out[1] = (struct picture){"image/webp", names[w][1], out[0].width, out[0].height, clean, cn};
	return out[0].data && out[1].data ? 0 : -1;
}

/* The upload decoded once at the widest width: shrink-on-load, upright by
 * its EXIF orientation, sRGB, never enlarged, in memory (the loader reads
 * in order, and the image is saved and scaled again), metadata removed. A
 * new image, or NULL. */
static VipsImage *decode(const unsigned char *data, size_t n)
{
	VipsImage *img = NULL;
	if (vips_thumbnail_buffer((void *)data, n, &img, picture_widths[PICTURE_WIDTHS - 1], "height", 100000, "size",
				  VIPS_SIZE_DOWN, "export_profile", "srgb", NULL) != 0)
		return NULL;
	VipsImage *mem = vips_image_copy_memory(img);
	g_object_unref(img);
	if (mem)
		strip(mem);
	return mem;
}

int picture_variants(const unsigned char *data, size_t n, struct picture *out)
{
	memset(out, 0, sizeof *out * PICTURE_MAX);
	pthread_once(&started, start);
	if (start_rc != 0)
		return -1;
	VipsImage *wide = decode(data, n);
	int rc = wide ? 0 : -1;
	/* the narrower widths from the decoded one (a second decode cost 40 %) */
	for (int i = 0; i < PICTURE_WIDTHS && rc == 0; i++) {
		VipsImage *img = wide;
		if (i < PICTURE_WIDTHS - 1 &&
		    vips_thumbnail_image(wide, &img, picture_widths[i], "height", 100000, "size", VIPS_SIZE_DOWN, NULL) != 0) {
			rc = -1;
			break;
		}
		rc = save_both(img, picture_widths[i], out + 2 * i);
		if (img != wide)
			g_object_unref(img);
	}
	if (wide)
		g_object_unref(wide);
	if (rc != 0) {
		picture_free(out, PICTURE_MAX);
		vips_error_clear();
		return -1;
	}
	return PICTURE_MAX;
}

void picture_free(struct picture *p, int n)
{
	for (int i = 0; i < n; i++) {
		free(p[i].data);
		p[i].data = NULL;
	}
}
