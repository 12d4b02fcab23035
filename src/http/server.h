/*
 * server.h — the libmicrohttpd daemon: limits, the request life cycle, the
 * access log.  Route gatekeeping and handlers live in src/web/; the server
 * calls one dispatch function per complete request.
 */
#ifndef SR_SERVER_H
#define SR_SERVER_H

#include "http/req.h"
#include "lib/config.h"

struct server {
	config cfg;
	unsigned char secret[32];   /* CSRF HMAC key */
	/* Called once per request, when the body (if any) has arrived, on a
	 * worker thread.  Fills r->status/out/headers; the server sends it. */
	void (*dispatch)(req *r);
	/* Called for the first bytes of a request: returns the body limit for
	 * its route, or a status (404, 405, 414, 431...) to answer at once via
	 * dispatch with r->status preset.  */
	long (*body_limit)(req *r);
	int64_t started_ms;         /* when serve started (UTC ms) */
	int group_commit;           /* stamp claims through the writer thread (store.group_commit) */
	int access_files;           /* also write the access log to daily files (lib/accesslog.h) */
	int hsts;                   /* send Strict-Transport-Security (HTTPS, or public_url https) */
	char csp[640];              /* Content-Security-Policy (server_start: with the map tiles' origin) */
	volatile int draining;      /* stopping: no new connections, answers close theirs */
	char metrics_token[128];    /* the bearer token /metrics wants on listen */
	/* Writes the Prometheus text (web/sys.c), for metrics.listen's own daemon. */
	void (*metrics_text)(struct server *srv, buf *out);
	struct MHD_Daemon *metrics;  /* metrics.listen */
	struct MHD_Daemon *daemon;
	struct MHD_Daemon *redirect; /* server.redirect_listen: plain HTTP → 308 to public_url */
};

/* Start listening on srv->cfg.listen, or on the socket systemd passed
 * (LISTEN_FDS), with TLS when server.tls_cert is set, and the redirect
 * listener when server.redirect_listen is; 0 on success, -1 with a message. */
int server_start(struct server *srv);
/* Load the TLS certificate and key again (SIGHUP): new connections use the
 * new pair, connections in flight keep theirs. 0, or -1 (logged; the old
 * pair stays). */
int server_reload_tls(struct server *srv);
/* Stop accepting, finish the requests in flight, and release the daemon. */
void server_stop(struct server *srv);

#endif
