/*
 * router.h — match a method and path against a table of patterns.
 *
 * A pattern is a path whose segments are literal text or a parameter
 * "{name}" that matches one non-empty segment, e.g. "/r/{slug}/card".
 * The router knows nothing of handlers: the table's rows are any struct
 * whose first two members are the method and the pattern.
 */
#ifndef SR_ROUTER_H
#define SR_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_PARAMS 4

struct route_key {
	const char *method;
	const char *pattern;
};

enum { ROUTER_NOT_FOUND = -1, ROUTER_BAD_METHOD = -2 };

/* Find the row whose pattern matches path and whose method is method
 * (HEAD matches GET rows). Rows are `stride` bytes apart. On a match returns
 * its index and stores the parameter values (pointers into the copy in
 * scratch, which must hold strlen(path)+1 bytes) in params; otherwise
 * ROUTER_NOT_FOUND, or ROUTER_BAD_METHOD when the path matches with another
 * method (then *allow lists the methods, comma separated, into allow). */
int router_match(const void *rows, size_t nrows, size_t stride, const char *method, const char *path,
		 char *scratch, const char *params[ROUTER_MAX_PARAMS], int *nparams, char *allow,
		 size_t allowsz);

#endif
