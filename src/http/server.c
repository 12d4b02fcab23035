/*
 * server.c — libmicrohttpd glue: the daemon and its limits, the request life
 * cycle (context, body, dispatch, send) and the access log.
 *
 * Life of a request:
 *   1. first callback: allocate struct req, let the web layer match the
 *      route (srv->body_limit) and check URL and header sizes; answer at
 *      once when that already failed or Content-Length exceeds the limit;
 *   2. body callbacks: append to r->body up to the limit (413 beyond);
 *   3. last callback: srv->dispatch(r) runs the gatekeeping and the handler,
 *      then the response is queued with the security headers; or, when the
 *      web layer deferred the answer to another thread (req_defer: stamp
 *      claims, run by the group-commit writer), the connection is suspended
 *      until req_ready resumes it and libmicrohttpd calls us once more;
 *   4. completion callback: one access-log line, then the arena is freed.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "http/deadline.h"
#include "http/tls.h"
#include "lib/accesslog.h"

#include "lib/metrics.h"
#include "lib/timeutil.h"

/* Content-Security-Policy for every response: no inline script or style, no
 * plugins, no framing, forms only to ourselves; images also from the map
 * tiles' origin (map.tile_url) when there is one. */
static void make_csp(struct server *srv)
{
	char origin[300] = "";
	const char *u = srv->cfg.map_tile_url, *p = strstr(u, "://");
	if (p && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0)) {
		size_t n = strcspn(p + 3, "/?#{");
		/* a host[:port] of plain characters only: nothing that could end the directive */
		size_t ok = strspn(p + 3, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]");
		if (n > 0 && ok >= n && (size_t)(p + 3 - u) + n < sizeof origin - 1)
			snprintf(origin, sizeof origin, " %.*s", (int)((size_t)(p + 3 - u) + n), u);
	}
	snprintf(srv->csp, sizeof srv->csp,
		 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:%s; "
		 "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		 origin);
}

struct stream {
	long (*fill)(void *cls, char *out, size_t max);
	void (*done)(void *cls);
	void *cls;
	size_t *bytes;
};

static ssize_t stream_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	long n = s->fill(s->cls, out, max);
	if (n <= 0)
		return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
	*s->bytes += (size_t)n;
	return n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	if (s->done)
		s->done(s->cls);
	free(s);
}

/* The MHD response for r: its buffer, or its stream. */
static struct MHD_Response *make_response(req *r)
{
	if (!r->stream_fill) {
		size_t len = r->out.len;
		r->bytes_sent = len;
		return MHD_create_response_from_buffer(len, buf_detach(&r->out), MHD_RESPMEM_MUST_FREE);
	}
	struct stream *s = malloc(sizeof *s);
	if (!s)
		return NULL;
	*s = (struct stream){r->stream_fill, r->stream_free, r->stream_cls, &r->bytes_sent};
	r->bytes_sent = 0;
	r->stream_free = NULL;
	return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_reader, s, stream_free);
}

/* Queue r's response with the security headers; the body buffer moves into
 * the MHD response. */
static void send_response(req *r)
{
	if (r->responded)
		return;
	r->responded = 1;
	if (!r->status)
		r->status = 500;
	metric_status(r->status);
	struct MHD_Response *resp = make_response(r);
	if (!resp)
		return;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->content_type ? r->content_type : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy", r->srv->csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	if (r->srv->hsts)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
	int has_cache = 0;
	for (struct header *h = r->headers; h; h = h->next) {
		MHD_add_response_header(resp, h->name, h->value);
		has_cache |= strcasecmp(h->name, "Cache-Control") == 0;
	}
	if (!has_cache)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->close || r->srv->draining)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
}

/* The value of hex digit c, or -1. */
static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One scan of the request headers: their size (names, values and
 * separators), and what makes a request's framing ambiguous (RFC 9112
 * §6.3) or its header block malformed (RFC 9110 §5.1). */
struct framing {
	size_t size;
	const char *length;  /* the first Content-Length */
	int lengths_differ;  /* a second Content-Length with another value */
	int chunked;         /* a Transfer-Encoding header */
	int bad_name;        /* a header name that is not a token (a space, a control) */
};

/* True when s is a non-empty RFC 9110 token. */
static int is_token(const char *s)
{
	if (!s || !*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", *p)))
			return 0;
	return 1;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	(void)kind;
	struct framing *f = cls;
	f->size += strlen(k) + (v ? strlen(v) : 0) + 4;
	f->bad_name |= !is_token(k);
	if (strcasecmp(k, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->lengths_differ |= f->length && strcmp(f->length, v ? v : "") != 0;
		if (!f->length)
			f->length = v ? v : "";
	}
	f->chunked |= strcasecmp(k, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0;
	return MHD_YES;
}

/* Checks that need no route: URL length (414), header size (431), and a
 * request whose body a proxy in front could read differently from us —
 * two different Content-Lengths, Content-Length with Transfer-Encoding, a
 * header name with a space ("Transfer-Encoding :") — answered 400 and the
 * connection closed, before any handler runs. */
static void check_sizes(req *r, const char *url)
{
	const config *c = &r->srv->cfg;
	struct framing f = {0};
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, scan_header, &f);
	if (f.bad_name || f.lengths_differ || (f.length && f.chunked)) {
		r->status = 400;
		r->close = 1;
	} else if (strlen(url) > (size_t)c->max_url) {
		r->status = 414;
	} else if (f.size > (size_t)c->max_header) {
		r->status = 431;
	}
}

/* libmicrohttpd's URL unescaping, except that %00 stays as it is: a NUL
 * would cut the path short ("/static/app.css%00.png" served app.css). */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls, (void)conn;
	char *w = s;
	for (const char *p = s; *p; p++) {
		int hi, lo;
		if (p[0] == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0 && (hi | lo)) {
			*w++ = (char)(hi << 4 | lo);
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Deferred answers (req_defer): how many are suspended or about to be, and
 * whether new ones are refused because the server is stopping.
 * libmicrohttpd must not be stopped with a connection still suspended. */
static pthread_mutex_t defer_mu = PTHREAD_MUTEX_INITIALIZER;
static int defer_pending, defer_closed;

int req_defer(req *r)
{
	pthread_mutex_lock(&defer_mu);
	int ok = !defer_closed;
	if (ok) {
		r->deferred = 1;
		defer_pending++;
	}
	pthread_mutex_unlock(&defer_mu);
	return ok;
}

void req_undefer(req *r)
{
	pthread_mutex_lock(&defer_mu);
	r->deferred = 0;
	defer_pending--;
	pthread_mutex_unlock(&defer_mu);
}

void req_ready(req *r)
{
	pthread_mutex_lock(&defer_mu);
	r->ready = 1;
	if (r->suspended) {
		/* the worker re-enters on_request and sends the answer */
		MHD_resume_connection(r->conn);
		defer_pending--;
	}
	pthread_mutex_unlock(&defer_mu);
}

/* After dispatch deferred r's answer: suspend the connection unless the
 * answer is already complete. 1 when it is (send it now). */
static int suspend_unless_ready(req *r)
{
	pthread_mutex_lock(&defer_mu);
	int ready = r->ready;
	if (ready)
		defer_pending--;
	else {
		MHD_suspend_connection(r->conn);
		r->suspended = 1;
	}
	pthread_mutex_unlock(&defer_mu);
	return ready;
}

/* A deferred request is ready and says what comes next (r->then): run it
 * here, on the connection's own worker thread (it may defer again). */
static void continue_request(req *r)
{
	void (*next)(req *) = r->then;
	r->then = NULL;
	r->deferred = r->ready = r->suspended = 0;
	next(r);
}

/* Send r's answer unless another thread is still finishing it; a request
 * whose first stage finished elsewhere goes on to its next (r->then). */
static void answer(req *r)
{
	while (r->deferred) {
		if (!suspend_unless_ready(r))
			return; /* resumed later: on_request comes back */
		if (!r->then)
			break;
		continue_request(r);
	}
	send_response(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct server *srv = cls;
	req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		r->conn = conn;
		r->srv = srv;
		r->start_us = time_mono_us();
		metrics_in_flight(1);
		deadline_head_done(conn); /* the head is complete: its deadline is met */
		r->method = arena_strdup(&r->a, method);
		r->path = arena_strndup(&r->a, url, strnlen(url, 65536));
		check_sizes(r, url);
		r->body_limit = r->status ? 0 : srv->body_limit(r);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (!r->status && cl && strtoll(cl, NULL, 10) > r->body_limit)
			r->status = 413;
		if (r->status) {
			srv->dispatch(r);
			send_response(r);
		}
		return MHD_YES;
	}
	if (r->deferred) {
		/* called again after req_ready resumed the connection */
		*upload_size = 0;
		if (r->ready && r->then) {
			continue_request(r);
			answer(r);
		} else if (r->ready) {
			send_response(r);
		}
		return MHD_YES;
	}
	if (r->responded) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->body.len + *upload_size > (size_t)r->body_limit)
			r->body_too_large = 1;
		else
			buf_append(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->body_too_large)
		r->status = 413;
	srv->dispatch(r);
	answer(r);
	return MHD_YES;
}

/* Append s to b as the inside of a JSON string. */
static void json_escape(buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
}

/* Completion: write the access-log line and free the request. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	req *r = *con_cls;
	deadline_answered(conn); /* the next request head's deadline starts */
	if (!r)
		return;
	metrics_in_flight(-1);
	if (r->responded)
		metrics_observe(r->metric_group, r->status, time_mono_us() - r->start_us);
	if (srv->cfg.access_log || srv->access_files) {
		char when[40];
		int64_t now = time_now_ms();
		time_format_iso_utc(now, when, sizeof when);
		buf line = BUF_INIT;
		buf_printf(&line, "{\"time\":\"%s\",\"method\":\"", when);
		json_escape(&line, r->method ? r->method : "");
		buf_puts(&line, "\",\"path\":\"");
		json_escape(&line, r->path ? r->path : "");
		buf_printf(&line, "\",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f%s}\n", r->status,
			   r->responded ? r->bytes_sent : 0, (double)(time_mono_us() - r->start_us) / 1000.0,
			   toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
		if (srv->cfg.access_log)
			fwrite(line.data, 1, line.len, stderr);
		if (srv->access_files)
			accesslog_write(line.data, line.len, now);
		buf_free(&line);
	}
	if (r->stream_free)
		r->stream_free(r->stream_cls); /* never handed to libmicrohttpd */
	json_decref(r->json);
	json_decref(r->form);
	buf_free(&r->body);
	buf_free(&r->upload);
	buf_free(&r->out);
	arena_free(&r->a);
	free(r);
	*con_cls = NULL;
}

/* Resolve "ADDR:PORT" (IPv6 as "[ADDR]:PORT") into storage. */
static int resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128], port[16];
	const char *colon = strrchr(listen, ':');
	if (!colon || strlen(colon + 1) >= sizeof port)
		return -1;
	size_t hl = (size_t)(colon - listen);
	if (hl >= sizeof host)
		return -1;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	char *h = host;
	if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
	if (getaddrinfo(h, port, &hints, &res) != 0)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Raise the open-file limit as far as allowed, and return how many
 * connections fit under it (the configured number, or fewer, logged). */
static int fit_connections(int wanted)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return wanted;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	long room = (long)rl.rlim_cur - 256; /* the database, logs, epoll, LINE, the writer */
	if (room < wanted) {
		fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"connections limited by the open-file limit\","
				"\"max_connections\":%ld,\"nofile\":%ld}\n", room > 16 ? room : 16, (long)rl.rlim_cur);
		return room > 16 ? (int)room : 16;
	}
	return wanted;
}

/* libmicrohttpd's connection notifications, for the request-head deadlines. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		deadline_started(conn, socket_context);
	else
		deadline_closed(socket_context);
}

/* The redirect listener: every request gets 308 to public_url with the
 * same path and query (the raw request target, kept by uri_seen). */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls, (void)conn;
	return strdup(uri && uri[0] == '/' && uri[1] != '/' ? uri : "/");
}

static enum MHD_Result on_redirect(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				   const char *version, const char *data, size_t *size, void **con_cls)
{
	(void)url, (void)method, (void)version, (void)data;
	const struct server *srv = cls;
	if (*size) { /* a body: ignore it */
		*size = 0;
		return MHD_YES;
	}
	char *target = *con_cls, location[2600];
	snprintf(location, sizeof location, "%s%.2048s", srv->cfg.public_url, target ? target : "/");
	static const char body[] = "Moved to HTTPS\n";
	struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Location", location);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result rc = MHD_queue_response(conn, 308, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void redirect_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)conn, (void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

/* The daemon flags for listening on ss: IPv6 for an IPv6 address, and
 * both families on one socket for the IPv6 wildcard [::] (the LAN URL
 * printed for it may well be an IPv4 address). */
static unsigned family_flags(const struct sockaddr_storage *ss)
{
	if (ss->ss_family != AF_INET6)
		return 0;
	const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
	return IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
}

/* Start the plain-HTTP redirect listener when server.redirect_listen is set. */
static int start_redirect(struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (!srv->cfg.redirect_listen[0])
		return 0;
	if (resolve(srv->cfg.redirect_listen, &ss, &sl) != 0) {
		fprintf(stderr, "stamprally: cannot resolve server.redirect_listen '%s'\n", srv->cfg.redirect_listen);
		return -1;
	}
	srv->redirect = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | family_flags(&ss),
					 0, NULL, NULL, on_redirect, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
					 MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL, MHD_OPTION_NOTIFY_COMPLETED,
					 redirect_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT,
					 1024u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
					 MHD_OPTION_END);
	if (!srv->redirect) {
		fprintf(stderr, "stamprally: cannot listen on %s\n", srv->cfg.redirect_listen);
		return -1;
	}
	return 0;
}

/* metrics.listen: GET /metrics without a token (an address the public
 * cannot reach); anything else 404. */
static enum MHD_Result on_metrics(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *data, size_t *size, void **con_cls)
{
	(void)version, (void)data, (void)con_cls;
	struct server *srv = cls;
	*size = 0;
	int ok = strcmp(method, "GET") == 0 && strcmp(url, "/metrics") == 0;
	buf b = BUF_INIT;
	if (ok)
		srv->metrics_text(srv, &b);
	else
		buf_puts(&b, "not found\n");
	struct MHD_Response *resp = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
	buf_free(&b);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
	enum MHD_Result rc = MHD_queue_response(conn, ok ? 200 : 404, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* Start metrics.listen's daemon when it is set. */
static int start_metrics(struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (!srv->cfg.metrics_listen[0] || !srv->metrics_text)
		return 0;
	if (resolve(srv->cfg.metrics_listen, &ss, &sl) != 0) {
		fprintf(stderr, "stamprally: cannot resolve metrics.listen '%s'\n", srv->cfg.metrics_listen);
		return -1;
	}
	srv->metrics = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | family_flags(&ss), 0,
					NULL, NULL, on_metrics, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
					MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u,
					MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
	if (!srv->metrics) {
		fprintf(stderr, "stamprally: cannot listen on %s (metrics.listen)\n", srv->cfg.metrics_listen);
		return -1;
	}
	return 0;
}

/* A listening socket handed over by systemd (stamprally.socket) or by the
 * process being replaced: the fd, or -1 when there is none. */
static int inherited_socket(void)
{
	int n = sd_listen_fds(1);
	if (n > 1)
		fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"%d sockets passed; only the first is used\"}\n", n);
	return n >= 1 ? SD_LISTEN_FDS_START : -1;
}

int server_start(struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	const config *c = &srv->cfg;
	char err[600];
	make_csp(srv);
	int fd = inherited_socket();
	if (fd < 0 && resolve(c->listen, &ss, &sl) != 0) {
		fprintf(stderr, "stamprally: cannot resolve listen address '%s'\n", c->listen);
		return -1;
	}
	if (c->tls_cert[0] && tls_load(c->tls_cert, c->tls_key, err, sizeof err) != 0) {
		fprintf(stderr, "stamprally: %s\n", err);
		return -1;
	}
	srv->hsts = c->tls_cert[0] || strncmp(c->public_url, "https://", 8) == 0;
	/* Stamp claims do not hold a thread (they are suspended until their
	 * batch commits), but other writes (joins, console edits) still wait
	 * for the group-commit writer: more threads than CPUs keep them busy. */
	unsigned threads = c->threads > 0 ? (unsigned)c->threads : 4 * (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	int max_connections = fit_connections(c->max_connections);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem opts[24];
	int n = 0;
#define OPT(o, v, p) (opts[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (void *)(uintptr_t)(p)})
	if (fd >= 0) {
		OPT(MHD_OPTION_LISTEN_SOCKET, fd, NULL);
	} else {
		flags |= family_flags(&ss);
		OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
		OPT(MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL);
	}
	if (c->tls_cert[0]) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_CERT_CALLBACK, 0, tls_cert_callback());
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, c->tls_priorities);
	}
	OPT(MHD_OPTION_THREAD_POOL_SIZE, threads, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, max_connections, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->max_connections_per_ip, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, c->connection_timeout, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->connection_memory, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL);
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	/* The side listeners first: once the main one answers, all of them do. */
	if (start_redirect(srv) != 0 || start_metrics(srv) != 0)
		return -1;
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!srv->daemon) {
		fprintf(stderr, "stamprally: cannot listen on %s%s\n", fd >= 0 ? "the inherited socket" : c->listen,
			c->tls_cert[0] ? " with TLS (check server.tls_priorities)" : "");
		return -1;
	}
	if (deadline_start((long)c->head_timeout * 1000, (long)c->busy_head_timeout * 1000, max_connections / 2) != 0)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"no request-head deadlines: cannot start their thread\"}\n");
	return 0;
}

int server_reload_tls(struct server *srv)
{
	char err[600];
	if (!srv->cfg.tls_cert[0])
		return 0;
	if (tls_load(srv->cfg.tls_cert, srv->cfg.tls_key, err, sizeof err) != 0) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"certificate not reloaded (the previous one stays)\",\"error\":\"%s\"}\n",
			err);
		return -1;
	}
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"certificate reloaded\",\"cert\":\"%s\"}\n", srv->cfg.tls_cert);
	return 0;
}

void server_stop(struct server *srv)
{
	if (!srv->daemon)
		return;
	MHD_quiesce_daemon(srv->daemon); /* the socket stays open: systemd's, or the next process's */
	srv->draining = 1;               /* answers from now on close their connection */
	/* No new deferred answers; wait (up to 10 s) for those in flight. */
	pthread_mutex_lock(&defer_mu);
	defer_closed = 1;
	for (int i = 0; defer_pending > 0 && i < 10000; i++) {
		pthread_mutex_unlock(&defer_mu);
		usleep(1000);
		pthread_mutex_lock(&defer_mu);
	}
	pthread_mutex_unlock(&defer_mu);
	/* Let requests in flight finish and their connections close (up to 5 s;
	 * an idle keep-alive is closed by MHD_stop_daemon). */
	for (int i = 0; i < 500; i++) {
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!di || di->num_connections == 0 || deadline_all_idle())
			break;
		usleep(10000);
	}
	MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
	if (srv->redirect)
		MHD_stop_daemon(srv->redirect);
	srv->redirect = NULL;
	if (srv->metrics)
		MHD_stop_daemon(srv->metrics);
	srv->metrics = NULL;
	deadline_stop();
	tls_free();
}
