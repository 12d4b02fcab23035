/*
 * req.h — the per-request context passed explicitly to every handler.
 *
 * One struct req lives from the first byte of a request to the end of its
 * response; it owns an arena from which everything request-scoped is
 * allocated, and is freed as a whole when libmicrohttpd reports the request
 * complete.  Nothing about a request is kept in a global.
 */
#ifndef SR_REQ_H
#define SR_REQ_H

#include <jansson.h>
#include <stdint.h>

#include "http/router.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/i18n.h"

struct picture; /* lib/picture.h */

struct MHD_Connection;
struct db; /* the store's connection (store/db.h); the HTTP layer only carries it */
struct route;
struct server;

struct header {
	const char *name, *value;
	struct header *next;
};

typedef struct req {
	struct MHD_Connection *conn;
	const struct server *srv;   /* configuration and keys, read-only */
	arena a;
	int64_t start_us;
	int metric_group;           /* enum metric_group: where /metrics counts its latency */

	/* the request */
	const char *method;
	const char *path;           /* percent-decoded, no query string */
	const struct route *route;
	const char *params[ROUTER_MAX_PARAMS];
	int nparams;
	buf body;                   /* raw request body */
	long body_limit;            /* bytes, from the route */
	int body_too_large;
	json_t *json;               /* parsed JSON body (API routes), owned */
	json_t *form;               /* parsed form body (form routes), owned */
	buf upload;                 /* the file of a multipart form (one file field) */
	const char *upload_field;   /* its field name, arena string */
	enum lang lang;
	struct db *db;              /* this worker thread's connection */

	/* the participant's browser session, when the route loads it */
	int64_t session_id;         /* 0 when none */
	/* the staff account, on console routes */
	struct account *staff;      /* NULL when none; arena-allocated */
	/* the operator, on /ops routes */
	struct op *op;              /* NULL when none; arena-allocated */
	int64_t tenant_id;          /* the tenant the page belongs to, once known (banners); 0 if none */
	const char *client_ip;      /* text form of the peer address */
	int keep_changes;           /* commit even though the answer is an error (failed logins) */
	int failed;                 /* the database failed during the request: the dispatcher
	                             * answers 503 whatever the handler said (fail centrally) */
	int new_stamps;             /* stamps this request wrote (counted in /metrics once durable) */
	int new_joins;              /* participants this request created (likewise) */
	/* Run by the dispatcher once an R_WRITE request's transaction is
	 * committed (a per-process copy of what it changed, read again). */
	void (*after_commit)(struct req *r);
	/* What web_prove established before the unit of work: the stored hash
	 * each sent secret matched (NULL: not sent or wrong), and the hashes of
	 * new secrets a console form sets (pin, desk_pin, passcode). */
	struct {
		const char *pin_hash, *passcode_hash, *desk_pin_hash;
		const char *new_hash[3];
		const char *password_match; /* a login's or password change's password matched this hash */
		const char *new_password;   /* a new or reset account's random password */
		const char *password_hash;  /* ... or the new password's, hashed */
		int busy;                   /* no argon2id thread in time */
		struct picture *pictures;   /* an upload's variants for phones (lib/picture.h), arena copies */
		int npictures;              /* how many; 0 when the upload could not be decoded */
	} proof;

	/* the CSRF cookie and the form token derived from it */
	const char *csrf_cookie;
	const char *csrf_token;

	/* the response being built */
	int status;
	buf out;
	const char *content_type;
	struct header *headers;     /* extra response headers, arena-allocated */
	size_t bytes_sent;
	int responded;
	int close;                  /* close the connection after the answer (ambiguous framing) */
	/* A streamed response (large exports): the server pulls the body from
	 * stream_fill until it returns 0 bytes, then calls stream_free. */
	long (*stream_fill)(void *cls, char *out, size_t max);
	void (*stream_free)(void *cls);
	void *stream_cls;
	/* An answer that another thread finishes (req_defer, req_ready); when
	 * then is set, the worker runs it once the other thread is ready (a
	 * request in stages: argon2id elsewhere, then the unit of work). */
	int deferred, ready, suspended;
	void (*then)(struct req *r);
} req;

/* Say that r's answer will be finished by another thread, which calls
 * req_ready(r) when it is: the worker thread goes on serving other
 * connections meanwhile. 1, or 0 when the server is stopping (answer now). */
int req_defer(req *r);
/* Take back a req_defer that led nowhere (the work could not be queued). */
void req_undefer(req *r);
/* r's deferred answer is complete: send it (callable from any thread; r
 * must not be touched by the caller afterwards). */
void req_ready(req *r);

/* A request header's value, or NULL. */
const char *req_header(req *r, const char *name);
/* A query-string argument's value, or NULL. */
const char *req_query(req *r, const char *name);
/* A cookie's value, or NULL. */
const char *req_cookie(req *r, const char *name);
/* A form field (after the dispatcher parsed the body), or NULL. */
const char *req_form(req *r, const char *name);
/* Add a response header; name and value are copied into the arena. */
void req_add_header(req *r, const char *name, const char *value);
/* Add a Set-Cookie header: HttpOnly, SameSite=Lax, Path=/; Secure and the
 * __Host- prefix when the service runs behind https. max_age in seconds
 * (-1 for a browser-session cookie). */
void req_set_cookie(req *r, const char *name, const char *value, long max_age);
/* The cookie name as sent to the browser (with __Host- when secure). */
const char *req_cookie_name(req *r, const char *name);
/* Parse an application/x-www-form-urlencoded body into a JSON object of
 * strings (a repeated field keeps its first value). NULL when malformed
 * (bad percent escape, invalid UTF-8, too many fields). Caller owns it. */
json_t *req_parse_form(const char *body, size_t len);
/* The client an X-Forwarded-For value names when the peer (an address in
 * text) is behind the comma-separated trusted proxies: read right to left,
 * skipping trusted proxies, stopping at an entry that is not an address.
 * Into out (≥ 46 bytes); "" when the peer is not an address. */
void req_forwarded_for(const char *xff, const char *trusted, const char *peer, char *out, size_t outsz);
/* The client's address as text (arena string). */
const char *req_client_ip(req *r);
/* Parse a multipart/form-data body with libmicrohttpd's post processor:
 * text fields into r->form, the (one) file into r->upload. 0, or -1 when
 * malformed or a text field is not UTF-8. */
int req_parse_multipart(req *r);
/* A cacheable answer: add ETag and Cache-Control; when the client's
 * If-None-Match equals etag, answer 304 and return 1 (send nothing else). */
int req_cached(req *r, const char *etag, const char *cache_control);
/* Send a 303 redirect to a path of this service. */
void req_redirect(req *r, const char *location);

#endif
