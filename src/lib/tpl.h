/*
 * tpl.h — a small mustache-style template engine whose output is escaped by
 * default.
 *
 * Tags:
 *   {{name}} {{a.b}} {{.}}   value, HTML-escaped (& < > " ' → entities), so it
 *                            is safe both in text and in quoted attributes
 *   {{raw! name}}            value written unescaped: the one raw marker; grep
 *                            for "raw!" finds every use, each with a reason
 *   {{#name}}..{{/name}}     section: once per array element, once for an
 *                            object (pushed as context), once for a truthy value
 *   {{^name}}..{{/name}}     inverted section: when the value is falsy
 *   {{>name}}                partial, looked up through tpl_env at render time
 *   {{t:key}}                message `key` from the request's catalog; {var}
 *                            placeholders in it are filled from the context
 *                            and escaped like any value
 *   {{! comment }}
 * Falsy: missing, null, false, "" and [].  The data is a jansson json_t, so
 * one view model can be answered as HTML or as JSON.
 */
#ifndef SR_TPL_H
#define SR_TPL_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

typedef struct tpl tpl;

typedef struct tpl_env {
	/* Return the compiled partial `name`, or NULL (renders nothing). */
	const tpl *(*partial)(void *ud, const char *name);
	/* Return the catalog text for `key`, or NULL (renders the key). */
	const char *(*translate)(void *ud, const char *key);
	void *ud;
} tpl_env;

/* Compile src[0..len). On success stores a new template in *out (caller frees
 * with tpl_free) and returns 0; on error returns -1 and writes a message with
 * the line number into err. */
int tpl_compile(const char *src, size_t len, tpl **out, char *err, size_t errsz);
/* Render t with data as the root context, appending to out.  env may be NULL.
 * Does not take ownership of data. */
void tpl_render(const tpl *t, const json_t *data, const tpl_env *env, buf *out);
/* Append msg with each {var} replaced by the value vars.var (escaped for
 * HTML when escape is set; placeholders without a value become empty). */
void tpl_fill(const char *msg, const json_t *vars, int escape, buf *out);
/* Free a compiled template (NULL is fine). */
void tpl_free(tpl *t);

#endif
