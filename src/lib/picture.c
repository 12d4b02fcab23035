/*
 * picture.c — see picture.h.
 */
#include "lib/picture.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

const int picture_widths[PICTURE_WIDTHS] = {480, 960};

int picture_init(const char *argv0)
{
	if (VIPS_INIT(argv0) != 0)
		return -1;
	vips_concurrency_set(1); /* the caller's thread does the work; uploads are rare */
	vips_cache_set_max(0);
	vips_block_untrusted_set(TRUE);
	return 0;
}

void picture_shutdown(void)
{
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

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Drop the EXIF, XMP and ICC chunks libvips 8.14 writes into a WebP even
 * when told to strip (it makes an EXIF block of its own), and clear their
 * flags in VP8X; d[0..*n) shrinks in place. A malformed file is left as it is
 * (it came from libvips). */
static void webp_strip(unsigned char *d, size_t *n)
{
	if (*n < 12 || memcmp(d, "RIFF", 4) != 0 || memcmp(d + 8, "WEBP", 4) != 0)
		return;
	size_t in = 12, out = 12;
	while (in + 8 <= *n) {
		size_t len = le32(d + in + 4), whole = 8 + len + (len & 1);
		if (whole > *n - in)
			return;
		int drop = memcmp(d + in, "EXIF", 4) == 0 || memcmp(d + in, "XMP ", 4) == 0 || memcmp(d + in, "ICCP", 4) == 0;
		if (memcmp(d + in, "VP8X", 4) == 0 && len >= 1)
			d[in + 8] &= (unsigned char)~(0x20 | 0x08 | 0x04); /* ICC, EXIF, XMP */
		if (!drop) {
			memmove(d + out, d + in, whole);
			out += whole;
		}
		in += whole;
	}
	put_le32(d + 4, (uint32_t)(out - 8));
	*n = out;
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
	out[1] = (struct picture){"image/webp", names[w][1], out[0].width, out[0].height, take(buf, n), n};
	if (out[1].data)
		webp_strip(out[1].data, &out[1].n);
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
