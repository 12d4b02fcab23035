/*
 * hanko.c — the generated stamp of a spot (a round seal with its name),
 * laid out for templates/stamp.svg.
 *
 * A name is cut into units that must not be split: a run of Latin letters
 * and digits (ASCII or full width, with ' - . & inside) is one unit, every
 * other character is one; an opening bracket sticks to the unit after it,
 * a closing bracket or 、。 to the unit before; spaces separate units.
 *  - Names without a Latin word (a run of two or more letters or digits)
 *    are set as a seal is read: vertical columns, right to left, brackets
 *    and ー in their vertical forms.
 *  - Others are set in horizontal lines (one to four), broken only between
 *    units, the line count chosen for the largest type.
 * Names too long for the seal end in "…".
 */
#include <math.h>
#include <string.h>

#include "lib/utf8.h"
#include "web/view.h"

#define UNITS_MAX 24  /* what fits a 100-unit seal at a legible size */
#define UNIT_BYTES 64

enum kind { K_SPACE, K_LATIN, K_OPEN, K_CLOSE, K_OTHER };

/* The code point at p (length l). */
static unsigned cp(const char *p, size_t l)
{
	const unsigned char *u = (const unsigned char *)p;
	if (l == 1)
		return u[0];
	if (l == 2)
		return (unsigned)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
	if (l == 3)
		return (unsigned)(u[0] & 0x0F) << 12 | (unsigned)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
	return (unsigned)(u[0] & 0x07) << 18 | (unsigned)(u[1] & 0x3F) << 12 | (unsigned)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
}

static enum kind classify(unsigned c)
{
	if (c == ' ' || c == '\t' || c == 0x3000)
		return K_SPACE;
	if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '\'' || c == '-' ||
	    c == '.' || c == '&' || (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A))
		return K_LATIN;
	if (strchr("([{<", (int)(c < 0x80 ? c : 1)) || c == 0xFF08 || c == 0x300C || c == 0x300E || c == 0x3010 ||
	    c == 0x3014 || c == 0xFF3B || c == 0x3008 || c == 0x300A || c == 0xFF1C)
		return K_OPEN;
	if (strchr(")]}>,", (int)(c < 0x80 ? c : 1)) || c == 0xFF09 || c == 0x300D || c == 0x300F || c == 0x3011 ||
	    c == 0x3015 || c == 0xFF3D || c == 0x3009 || c == 0x300B || c == 0xFF1E || c == 0x3001 || c == 0x3002)
		return K_CLOSE;
	return K_OTHER;
}

/* The vertical presentation form of a bracket or ー, or NULL. */
static const char *vertical_form(unsigned c)
{
	static const struct { unsigned c; const char *v; } forms[] = {
		{0xFF08, "︵"}, {0xFF09, "︶"}, {'(', "︵"}, {')', "︶"}, {0x300C, "﹁"}, {0x300D, "﹂"},
		{0x300E, "﹃"}, {0x300F, "﹄"}, {0x3010, "︻"}, {0x3011, "︼"}, {0x3014, "︹"}, {0x3015, "︺"},
		{0x3008, "︿"}, {0x3009, "﹀"}, {0x300A, "︽"}, {0x300B, "︾"}, {0x30FC, "︱"}, {0x3001, "︑"},
		{0x3002, "︒"}, {0xFF5E, "︴"},
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		if (forms[i].c == c)
			return forms[i].v;
	return NULL;
}

struct unit {
	char t[UNIT_BYTES];
	double w;       /* width in em: CJK 1, Latin about 0.6 */
	int space;      /* a space came before it */
	int latin_word; /* two or more Latin letters or digits */
};

/* Append the character at p (length l) to u, with its width. */
static void unit_add(struct unit *u, const char *p, size_t l, unsigned c)
{
	size_t n = strlen(u->t);
	if (n + l >= UNIT_BYTES)
		return;
	memcpy(u->t + n, p, l);
	u->t[n + l] = '\0';
	u->w += c < 0x80 ? 0.62 : (c >= 0xFF61 && c <= 0xFF9F) ? 0.5 : 1.0;
}

/* Cut name into units[0..*n) (see the top of the file); whether it has a
 * Latin word. Truncated names end in "…". */
static int units_of(const char *name, struct unit *u, int *n)
{
	int latin = 0, space = 0, glue = 0; /* glue: an opening bracket waits for its unit */
	enum kind last = K_SPACE;           /* the previous character's */
	*n = 0;
	memset(u, 0, sizeof *u * UNITS_MAX);
	for (const char *p = name; *p; p += utf8_len(p)) {
		size_t l = utf8_len(p);
		unsigned c = cp(p, l);
		enum kind k = classify(c);
		if (k == K_SPACE) {
			space = 1;
			last = K_SPACE;
			continue;
		}
		struct unit *cur = *n ? &u[*n - 1] : NULL;
		if (!cur || !(k == K_CLOSE || glue || (k == K_LATIN && last == K_LATIN))) {
			if (*n == UNITS_MAX) {
				unit_add(&u[UNITS_MAX - 1], "…", 3, 0x2026);
				break;
			}
			cur = &u[(*n)++];
			cur->space = space;
		}
		unit_add(cur, p, l, c);
		cur->latin_word += k == K_LATIN;
		glue = k == K_OPEN;
		space = 0;
		last = k;
	}
	for (int i = 0; i < *n; i++) {
		u[i].latin_word = u[i].latin_word >= 2;
		latin |= u[i].latin_word;
	}
	return latin;
}

/* Horizontal lines: units broken into nl lines, greedily under the width
 * limit; the widest line, or INFINITY when they do not fit in nl lines. */
static double wrap(const struct unit *u, int n, int nl, double limit, int *line_of)
{
	int line = 0;
	double w = 0, widest = 0;
	for (int i = 0; i < n; i++) {
		double add = u[i].w + (w > 0 && u[i].space ? 0.3 : 0);
		if (w > 0 && w + add > limit) {
			if (++line == nl)
				return INFINITY;
			add = u[i].w;
			w = 0;
		}
		w += add;
		line_of[i] = line;
		widest = fmax(widest, w);
	}
	return widest;
}

#define RING 39.0 /* the inner ring's radius: type stays inside it */

/* Whether a box centred (dx, dy) from the seal's centre with half sizes
 * hw, hh lies inside the ring. */
static int inside(double dx, double dy, double hw, double hh)
{
	return hypot(fabs(dx) + hw, fabs(dy) + hh) <= RING;
}

/* The largest font size (at most 24) at which nl lines of widths w[] (em)
 * fit inside the ring, one above the other. */
static double fit_lines(const double *w, int nl)
{
	double lo = 3, hi = 24;
	for (int k = 0; k < 30; k++) {
		double fs = (lo + hi) / 2;
		int ok = 1;
		for (int l = 0; l < nl && ok; l++)
			ok = inside(0, (l - (nl - 1) / 2.0) * fs * 1.15, w[l] * fs / 2, fs * 0.6);
		*(ok ? &lo : &hi) = fs;
	}
	return lo;
}

/* Set the units in horizontal lines into glyphs; the font size. */
static double horizontal(const struct unit *u, int n, json_t *glyphs)
{
	int best[UNITS_MAX], cur[UNITS_MAX], lines = 1;
	double total = 0, fs = 0;
	for (int i = 0; i < n; i++)
		total += u[i].w + 0.3;
	for (int nl = 1; nl <= 4 && nl <= n; nl++) {
		/* each limit from the narrowest: the lines it makes, and their size */
		for (double limit = total / nl; limit <= total + 1; limit += 0.25) {
			if (!isfinite(wrap(u, n, nl, limit, cur)))
				continue;
			double w[4] = {0};
			for (int i = 0; i < n; i++)
				w[cur[i]] += u[i].w + (i && cur[i - 1] == cur[i] && u[i].space ? 0.3 : 0);
			int used = cur[n - 1] + 1;
			double f = fit_lines(w, used);
			if (f > fs + 0.01) {
				fs = f;
				lines = used;
				memcpy(best, cur, sizeof(int) * (size_t)n);
			}
		}
	}
	for (int l = 0; l < lines; l++) {
		char text[UNITS_MAX * UNIT_BYTES] = "";
		for (int i = 0; i < n; i++)
			if (best[i] == l) {
				if (text[0] && u[i].space)
					strcat(text, " ");
				strcat(text, u[i].t);
			}
		double y = 50 + ((double)l - (lines - 1) / 2.0) * fs * 1.15 + fs * 0.36;
		json_array_append_new(glyphs, json_pack("{s:i, s:f, s:s}", "x", 50, "y", round(y * 10) / 10, "t", text));
	}
	return fs;
}

/* Set the characters of name (spaces left out; at most 15) in vertical
 * columns, right to left, into glyphs; the font size. */
static double vertical(const char *name, json_t *glyphs)
{
	const char *chars[15];
	size_t lens[15];
	int n = 0;
	for (const char *p = name; *p && n < 15; p += utf8_len(p))
		if (classify(cp(p, utf8_len(p))) != K_SPACE) {
			chars[n] = p;
			lens[n++] = utf8_len(p);
		}
	int cols = n <= 4 ? 1 : n <= 8 ? 2 : 3;
	int rows = (n + cols - 1) / cols;
	/* the largest size at which the corner cells stay inside the ring */
	double lo = 3, hi = 26;
	for (int k = 0; k < 30; k++) {
		double f = (lo + hi) / 2;
		*(inside((cols - 1) / 2.0 * f * 1.05, (rows - 1) / 2.0 * f, f * 0.5, f * 0.55) ? &lo : &hi) = f;
	}
	double fs = lo;
	for (int i = 0; i < n; i++) {
		int c = i / rows, row = i % rows;
		char one[8];
		memcpy(one, chars[i], lens[i]);
		one[lens[i]] = '\0';
		const char *v = vertical_form(cp(chars[i], lens[i]));
		double x = 50 + ((cols - 1) / 2.0 - c) * fs * 1.05;
		double y = 50 + (row - (rows - 1) / 2.0) * fs + fs * 0.36;
		json_array_append_new(glyphs, json_pack("{s:f, s:f, s:s}", "x", round(x * 10) / 10, "y", round(y * 10) / 10,
							"t", v ? v : one));
	}
	return fs;
}

/* The number of characters of name that are not spaces. */
static int visible(const char *name)
{
	int n = 0;
	for (const char *p = name; *p; p += utf8_len(p))
		n += classify(cp(p, utf8_len(p))) != K_SPACE;
	return n;
}

json_t *view_hanko(const char *name)
{
	struct unit u[UNITS_MAX];
	int n;
	json_t *glyphs = json_array();
	int latin = units_of(name, u, &n);
	if (n == 0)
		return json_pack("{s:i, s:o}", "fs", 20, "glyphs", glyphs);
	double fs = !latin && visible(name) <= 15 ? vertical(name, glyphs) : horizontal(u, n, glyphs);
	return json_pack("{s:f, s:o}", "fs", round(fs * 10) / 10, "glyphs", glyphs);
}
