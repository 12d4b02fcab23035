/*
 * picture.h — uploaded images made ready for phones with libvips: turned
 * upright (EXIF orientation), scaled down to a few widths (never up), every
 * bit of metadata stripped (EXIF, GPS, XMP, ICC; from WebP with
 * libwebpmux), saved as WebP and as a fallback (JPEG, or PNG when the image
 * has transparency).
 */
#ifndef SR_PICTURE_H
#define SR_PICTURE_H

#include <stddef.h>

#define PICTURE_WIDTHS 2           /* 480 and 960 px */
#define PICTURE_MAX (2 * PICTURE_WIDTHS)

struct picture {
	const char *content_type; /* "image/webp", "image/jpeg" or "image/png" (static) */
	const char *variant;      /* "480", "480.webp", "960", "960.webp" (static) */
	int width, height;
	unsigned char *data;      /* owned: picture_free */
	size_t n;
};

/* Make every variant of the image data[0..n) (already checked by
 * core/image.c: PNG, JPEG or WebP within the size limits) into out
 * (PICTURE_MAX entries, in the order of picture_widths × {fallback, webp}).
 * The number made, or -1 when libvips cannot decode it. The first call
 * starts libvips (about 50 ms: not paid by a server that never sees an
 * upload): one worker thread per operation, no operation cache, untrusted
 * loaders blocked. */
int picture_variants(const unsigned char *data, size_t n, struct picture *out);
/* The widths made, ascending. */
extern const int picture_widths[PICTURE_WIDTHS];
/* At the end of the process: libvips's threads and caches let go (if it was started). */
void picture_shutdown(void);
/* Free what picture_variants made. */
void picture_free(struct picture *p, int n);

#endif
