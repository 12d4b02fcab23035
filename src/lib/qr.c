/*
 * qr.c — see qr.h.
 */
#include "lib/qr.h"

#include <qrencode.h>

int qr_svg_path(const char *text, buf *path, int *size)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return -1;
	int w = q->width;
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			if (!(q->data[y * w + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (q->data[y * w + x + run] & 1))
				run++;
			buf_printf(path, "M%d %dh%dv1h-%dz", x, y, run, run);
			x += run;
		}
	}
	*size = w;
	QRcode_free(q);
	return 0;
}

/* Dark or light at (x, y) of a w-wide symbol with a quiet zone of q around. */
static int qr_dark(const QRcode *c, int q, int x, int y)
{
	x -= q, y -= q;
	return x >= 0 && y >= 0 && x < c->width && y < c->width && (c->data[y * c->width + x] & 1);
}

int qr_text(const char *text, int ansi, buf *out)
{
	static const char *const cell[4] = {"\u2588", "\u2580", "\u2584", " "}; /* by (top dark, bottom dark) */
	QRcode *c = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!c)
		return -1;
	const int q = 2, n = c->width + 2 * q;
	for (int y = 0; y < n; y += 2) {
		if (ansi)
			buf_puts(out, "\x1b[97;40m");
		for (int x = 0; x < n; x++)
			buf_puts(out, cell[qr_dark(c, q, x, y) << 1 | (y + 1 < n ? qr_dark(c, q, x, y + 1) : 1)]);
		buf_puts(out, ansi ? "\x1b[0m\n" : "\n");
	}
	QRcode_free(c);
	return 0;
}
