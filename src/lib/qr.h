/*
 * qr.h — QR codes drawn as SVG path data, from libqrencode.
 */
#ifndef SR_QR_H
#define SR_QR_H

#include "lib/buf.h"

/* Encode text (error correction level M) and append an SVG path (one
 * subpath per run of dark modules, in module units) to path; *size gets
 * the symbol's width in modules. 0, or -1 when it cannot be encoded. */
int qr_svg_path(const char *text, buf *path, int *size);
/* Encode text (level M) and append it drawn for a terminal to out: two
 * module rows per line with half blocks (U+2580, U+2584, U+2588), a quiet
 * zone of 2 modules, light modules drawn and dark ones blank; with ansi,
 * each line is wrapped in white-on-black colours so the code reads right on
 * light terminals too. 0, or -1 when it cannot be encoded. */
int qr_text(const char *text, int ansi, buf *out);

#endif
