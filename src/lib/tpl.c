/*
 * tpl.c — compile a template into a flat node array once, render many times.
 *
 * A section node records the index just past its closing tag (`end`), so the
 * renderer walks children as the range [i+1, end) without a tree.
 */
#include "tpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL, N_TRANSLATE };

struct node {
	enum node_kind kind;
	const char *text; /* N_TEXT: pointer into src; otherwise the name */
	size_t len;
	size_t end;       /* sections: index of the first node after the section */
};

struct tpl {
	char *src;        /* private copy: N_TEXT nodes point into it */
	char *names;      /* NUL-separated tag names */
	struct node *nodes;
	size_t n;
};

#define TPL_MAX_DEPTH 32

static int line_of(const char *src, const char *p)
{
	int line = 1;
	for (; src < p; src++)
		line += *src == '\n';
	return line;
}

/* A tag name: letters, digits, '_', '-', '.', ':' ; or "." alone. */
static int valid_name(const char *s, size_t n)
{
	if (n == 0 || n > 100)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* Trim spaces at both ends of [*s, *s+*n). */
static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static void set_err(char *err, size_t errsz, const char *src, const char *at, const char *msg)
{
	if (err && errsz)
		snprintf(err, errsz, "line %d: %s", line_of(src, at), msg);
}

/* Classify the tag body [b, b+n) into *kind and the name span. */
static const char *parse_tag(const char *b, size_t n, enum node_kind *kind, const char **name,
			     size_t *nlen, int *closing, int *comment)
{
	*closing = *comment = 0;
	if (n && b[0] == '!') {
		*comment = 1;
		return NULL;
	}
	*kind = N_VAR;
	if (n >= 4 && memcmp(b, "raw!", 4) == 0) {
		*kind = N_RAW;
		b += 4, n -= 4;
	} else if (n >= 2 && memcmp(b, "t:", 2) == 0) {
		*kind = N_TRANSLATE;
		b += 2, n -= 2;
	} else if (n && (b[0] == '#' || b[0] == '^' || b[0] == '/' || b[0] == '>')) {
		*kind = b[0] == '#' ? N_SECTION : b[0] == '^' ? N_INVERTED : N_PARTIAL;
		*closing = b[0] == '/';
		b++, n--;
	}
	trim(&b, &n);
	if (!valid_name(b, n))
		return "bad tag name";
	*name = b;
	*nlen = n;
	return NULL;
}

int tpl_compile(const char *src, size_t len, tpl **out, char *err, size_t errsz)
{
	tpl *t = calloc(1, sizeof *t);
	size_t cap = 16, stack[TPL_MAX_DEPTH], depth = 0;
	if (!t)
		return -1;
	t->src = malloc(len + 1);
	t->names = malloc(len + 1);
	t->nodes = malloc(cap * sizeof *t->nodes);
	if (!t->src || !t->names || !t->nodes)
		goto fail_nomsg;
	memcpy(t->src, src, len);
	t->src[len] = '\0';
	const char *s = t->src, *p = s, *e = s + len;
	char *names = t->names;
	while (p < e) {
		const char *open = strstr(p, "{{");
		if (!open || open >= e)
			open = e;
		if (t->n + 2 > cap) {
			cap *= 2;
			struct node *nn = realloc(t->nodes, cap * sizeof *nn);
			if (!nn)
				goto fail_nomsg;
			t->nodes = nn;
		}
		if (open > p)
			t->nodes[t->n++] = (struct node){N_TEXT, p, (size_t)(open - p), 0};
		if (open == e)
			break;
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			set_err(err, errsz, s, open, "unclosed tag");
			goto fail;
		}
		enum node_kind kind;
		const char *name = NULL;
		size_t nlen = 0;
		int closing, comment;
		const char *msg = parse_tag(open + 2, (size_t)(close - open - 2), &kind, &name, &nlen,
					    &closing, &comment);
		p = close + 2;
		if (comment)
			continue;
		if (msg) {
			set_err(err, errsz, s, open, msg);
			goto fail;
		}
		memcpy(names, name, nlen);
		names[nlen] = '\0';
		if (closing) {
			if (depth == 0) {
				set_err(err, errsz, s, open, "closing tag without a section");
				goto fail;
			}
			struct node *sec = &t->nodes[stack[--depth]];
			if (sec->len != nlen || memcmp(sec->text, names, nlen) != 0) {
				set_err(err, errsz, s, open, "closing tag does not match the open section");
				goto fail;
			}
			sec->end = t->n;
			continue;
		}
		if (kind == N_SECTION || kind == N_INVERTED) {
			if (depth == TPL_MAX_DEPTH) {
				set_err(err, errsz, s, open, "sections nested too deeply");
				goto fail;
			}
			stack[depth++] = t->n;
		}
		t->nodes[t->n++] = (struct node){kind, names, nlen, 0};
		names += nlen + 1;
	}
	if (depth) {
		set_err(err, errsz, s, e, "section is never closed");
		goto fail;
	}
	*out = t;
	return 0;
fail_nomsg:
	set_err(err, errsz, src, src, "out of memory");
fail:
	tpl_free(t);
	return -1;
}

void tpl_free(tpl *t)
{
	if (!t)
		return;
	free(t->src);
	free(t->names);
	free(t->nodes);
	free(t);
}

/* ---- rendering ---- */

struct ctx {
	const json_t *stack[TPL_MAX_DEPTH * 2 + 2];
	int depth;
	const tpl_env *env;
	int partial_depth;
};

/* Resolve the dotted name[0..len) against the context stack; NULL when
 * missing.  Keys are looked up by length (json_object_getn), so no copy. */
static const json_t *lookupn(const struct ctx *c, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return c->stack[c->depth - 1];
	const char *end = name + len, *dot = memchr(name, '.', len);
	size_t first = dot ? (size_t)(dot - name) : len;
	const json_t *v = NULL;
	for (int i = c->depth - 1; i >= 0 && !v; i--)
		if (json_is_object(c->stack[i]))
			v = json_object_getn(c->stack[i], name, first);
	while (v && dot) {
		const char *seg = dot + 1, *next = memchr(seg, '.', (size_t)(end - seg));
		size_t n = next ? (size_t)(next - seg) : (size_t)(end - seg);
		v = json_is_object(v) ? json_object_getn(v, seg, n) : NULL;
		dot = next;
	}
	return v;
}

static const json_t *lookup(const struct ctx *c, const char *name)
{
	return lookupn(c, name, strlen(name));
}

static int truthy(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	return 1;
}

/* Append the text form of a scalar; objects and arrays render nothing. */
static void put_value(buf *out, const json_t *v, int escape)
{
	char tmp[64];
	const char *s = NULL;
	size_t n = 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
	} else if (json_is_integer(v)) {
		n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
		s = tmp;
	} else if (json_is_real(v)) {
		n = (size_t)snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
		s = tmp;
	} else if (json_is_true(v)) {
		s = "true";
		n = 4;
	}
	if (!s)
		return;
	if (escape)
		buf_html(out, s, n);
	else
		buf_append(out, s, n);
}

static void put_raw(buf *b, const char *s, size_t n)
{
	buf_append(b, s, n);
}

/* Write msg, replacing each {var} with lookup(ud, var) (escaped when escape).
 * Anything that is not a well-formed placeholder is copied as text. */
static void fill(const char *msg, const json_t *(*lookup_fn)(const void *, const char *), const void *ud,
		 int escape, buf *out)
{
	void (*put)(buf *, const char *, size_t) = escape ? buf_html : put_raw;
	const char *p = msg;
	while (*p) {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close || close - open - 1 > 100 || !valid_name(open + 1, (size_t)(close - open - 1))) {
			size_t n = open ? (size_t)(open - p) + 1 : strlen(p);
			put(out, p, n);
			p += n;
			continue;
		}
		put(out, p, (size_t)(open - p));
		char name[101];
		memcpy(name, open + 1, (size_t)(close - open - 1));
		name[close - open - 1] = '\0';
		const json_t *v = lookup_fn(ud, name);
		if (v)
			put_value(out, v, escape);
		p = close + 1;
	}
}

static const json_t *lookup_ctx(const void *c, const char *name)
{
	return lookup(c, name);
}

static const json_t *lookup_obj(const void *o, const char *name)
{
	return json_object_get(o, name);
}

void tpl_fill(const char *msg, const json_t *vars, int escape, buf *out)
{
	fill(msg, lookup_obj, vars, escape, out);
}

/* Write a catalog message, filling {var} placeholders from the context. */
static void put_translation(buf *out, const struct ctx *c, const char *key)
{
	const char *msg = c->env && c->env->translate ? c->env->translate(c->env->ud, key) : NULL;
	if (!msg)
		buf_html(out, key, strlen(key));
	else
		fill(msg, lookup_ctx, c, 1, out);
}

static void render_range(const tpl *t, size_t from, size_t to, struct ctx *c, buf *out);

/* Render section children with v pushed as context (when there is room). */
static void render_with(const tpl *t, size_t from, size_t to, struct ctx *c, const json_t *v, buf *out)
{
	if (c->depth >= (int)(sizeof c->stack / sizeof c->stack[0]))
		return;
	c->stack[c->depth++] = v;
	render_range(t, from, to, c, out);
	c->depth--;
}

static void render_node(const tpl *t, size_t i, struct ctx *c, buf *out)
{
	const struct node *nd = &t->nodes[i];
	const json_t *v;
	switch (nd->kind) {
	case N_TEXT:
		buf_append(out, nd->text, nd->len);
		break;
	case N_VAR:
	case N_RAW:
		v = lookupn(c, nd->text, nd->len);
		if (v)
			put_value(out, v, nd->kind == N_VAR);
		break;
	case N_TRANSLATE:
		put_translation(out, c, nd->text);
		break;
	case N_PARTIAL:
		if (c->env && c->env->partial && c->partial_depth < 8) {
			const tpl *p = c->env->partial(c->env->ud, nd->text);
			if (p) {
				c->partial_depth++;
				render_range(p, 0, p->n, c, out);
				c->partial_depth--;
			}
		}
		break;
	case N_SECTION:
		v = lookupn(c, nd->text, nd->len);
		if (!truthy(v))
			break;
		if (json_is_array(v)) {
			size_t k;
			const json_t *el;
			json_array_foreach(v, k, el)
				render_with(t, i + 1, nd->end, c, el, out);
		} else {
			render_with(t, i + 1, nd->end, c, v, out);
		}
		break;
	case N_INVERTED:
		if (!truthy(lookupn(c, nd->text, nd->len)))
			render_range(t, i + 1, nd->end, c, out);
		break;
	}
}

static void render_range(const tpl *t, size_t from, size_t to, struct ctx *c, buf *out)
{
	for (size_t i = from; i < to;) {
		render_node(t, i, c, out);
		const struct node *nd = &t->nodes[i];
		i = (nd->kind == N_SECTION || nd->kind == N_INVERTED) ? nd->end : i + 1;
	}
}

void tpl_render(const tpl *t, const json_t *data, const tpl_env *env, buf *out)
{
	struct ctx c = {.depth = 1, .env = env};
	c.stack[0] = data;
	render_range(t, 0, t->n, &c, out);
}
