/*
 * console.h — helpers shared by the console's pages.
 */
#ifndef SR_CONSOLE_H
#define SR_CONSOLE_H

#include <jansson.h>

#include "core/rally.h"
#include "http/req.h"

/* A new view with what every console page shows: the staff account, its
 * tenant, and what it may do ("can.edit", "can.users", ...). */
json_t *console_view(req *r);
/* Load the tenant's rally named by slug; answers 404 (other tenants'
 * rallies included) and returns 0 when there is none. */
int console_rally(req *r, const char *slug, struct rally *ra);
struct tier;
/* Load the lottery tier named by params[1] of the tenant's rally named by
 * params[0]; answers 404 and returns 0 when there is none. */
int console_lottery_tier(req *r, struct rally *ra, struct tier *t);
/* Add {"errors": {field: message}} for a form that failed validation. */
void console_field_error(req *r, json_t *view, const char *field, const char *key);
/* Set view.errors from a core validation result {field: catalog key}
 * (takes ownership of errors). */
void console_errors(req *r, json_t *view, json_t *errors);
/* The audit log page's filters, from the query string. */
struct audit_filter {
	const char *kind, *login, *from_text, *to_text; /* NULL when not given */
	int64_t from, to, before;                       /* UTC ms [from, to); before: an id; 0 when not given */
};
/* Read the filters; answers 400 and returns 0 for a bad date or id. */
int console_audit_filter(req *r, struct audit_filter *f);
/* Record a security event for the acting staff account (detail: JSON text or NULL). */
void console_event(req *r, const char *kind, const char *detail);

#endif
