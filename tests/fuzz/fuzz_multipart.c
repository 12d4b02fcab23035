/*
 * fuzz_multipart.c — what libmicrohttpd parses for us, as a request reaches
 * it: multipart bodies (http/req.c: req_parse_multipart over libmicrohttpd's
 * post processor) and cookies (req_cookie). Each input is one request fed
 * through a socket pair to a daemon without a listening socket: its first
 * line is the Cookie header, its second the multipart boundary, the rest
 * the body.
 */
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/req.h"
#include "http/server.h"
#include "lib/buf.h"

static struct MHD_Daemon *daemon_;
static struct server srv;

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls, (void)url, (void)method, (void)version;
	req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		r->conn = conn;
		r->srv = &srv;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->body.len < 256 * 1024)
			buf_append(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	req_parse_multipart(r);
	req_cookie(r, "sid");
	req_cookie(r, "csrf");
	req_form(r, "_csrf");
	struct MHD_Response *resp = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)conn, (void)toe;
	req *r = *con_cls;
	if (!r)
		return;
	json_decref(r->form);
	buf_free(&r->body);
	buf_free(&r->upload);
	arena_free(&r->a);
	free(r);
	*con_cls = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, handler, NULL, MHD_OPTION_NOTIFY_COMPLETED,
				   completed, NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
	return daemon_ ? 0 : 1;
}

/* The line of s[0..n) that starts at *pos, without CR/LF, and the position after it. */
static size_t line(const uint8_t *s, size_t n, size_t *pos, char *out, size_t outsz)
{
	size_t o = 0;
	while (*pos < n && s[*pos] != '\n') {
		if (s[*pos] != '\r' && s[*pos] != 0 && o + 1 < outsz)
			out[o++] = (char)s[*pos];
		(*pos)++;
	}
	if (*pos < n)
		(*pos)++;
	out[o] = '\0';
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char cookie[1024], boundary[256];
	size_t pos = 0;
	line(data, n, &pos, cookie, sizeof cookie);
	line(data, n, &pos, boundary, sizeof boundary);
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
		return 0;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (MHD_add_connection(daemon_, fds[0], (struct sockaddr *)&sin, sizeof sin) != MHD_YES) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	char head[2048];
	int h = snprintf(head, sizeof head,
			 "POST /x HTTP/1.1\r\nHost: x\r\nCookie: %s\r\nContent-Type: multipart/form-data; boundary=%s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 cookie, boundary, n - pos);
	if (write(fds[1], head, (size_t)h) == h && write(fds[1], data + pos, n - pos) >= 0)
		shutdown(fds[1], SHUT_WR);
	char sink[4096];
	for (int i = 0; i < 64; i++) {
		MHD_run(daemon_);
		ssize_t got = recv(fds[1], sink, sizeof sink, MSG_DONTWAIT);
		if (got == 0)
			break; /* the daemon closed its side: done */
	}
	close(fds[1]);
	for (int i = 0; i < 4; i++)
		MHD_run(daemon_);
	return 0;
}
