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

#endif
