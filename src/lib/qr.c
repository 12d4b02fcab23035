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
