/*
 * router.c — see router.h.  Linear scan: the table is small and a match costs
 * a few string compares; order in the table decides ties.
 */
#include "router.h"

#include <stdio.h>
#include <string.h>

/* Match pattern against path (both starting with '/'). Parameter values are
 * copied, NUL-terminated, one after another into scratch. */
static int match(const char *pattern, const char *path, char *scratch, const char **params, int *np)
{
	const char *p = pattern, *s = path;
	char *out = scratch;
	*np = 0;
	while (*p) {
		if (*p != '/' || *s != '/')
			return 0;
		p++, s++;
		size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
		if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || *np == ROUTER_MAX_PARAMS)
				return 0;
			memcpy(out, s, slen);
			out[slen] = '\0';
			params[(*np)++] = out;
			out += slen + 1;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return 0;
		}
		p += plen;
		s += slen;
	}
	return *s == '\0';
}

int router_match(const void *rows, size_t nrows, size_t stride, const char *method, const char *path,
		 char *scratch, const char *params[ROUTER_MAX_PARAMS], int *nparams, char *allow,
		 size_t allowsz)
{
	int path_matched = 0;
	size_t alen = 0;
	if (allow && allowsz)
		allow[0] = '\0';
	if (path[0] != '/')
		return ROUTER_NOT_FOUND;
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
	for (size_t i = 0; i < nrows; i++) {
		const struct route_key *r = (const void *)((const char *)rows + i * stride);
		const char *tmp[ROUTER_MAX_PARAMS];
		int np;
		if (!match(r->pattern, path, scratch, tmp, &np))
			continue;
		if (strcmp(r->method, m) == 0) {
			memcpy(params, tmp, sizeof tmp);
			*nparams = np;
			return (int)i;
		}
		path_matched = 1;
		if (allow && alen + strlen(r->method) + 3 < allowsz && !strstr(allow, r->method))
			alen += (size_t)snprintf(allow + alen, allowsz - alen, "%s%s", alen ? ", " : "", r->method);
	}
	return path_matched ? ROUTER_BAD_METHOD : ROUTER_NOT_FOUND;
}
