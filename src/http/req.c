/*
 * req.c — request accessors and small response helpers; see req.h.
 */
#include "http/req.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/server.h"

const char *req_header(req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_cookie_name(req *r, const char *name)
{
	return r->srv->cfg.secure_cookies ? arena_printf(&r->a, "__Host-%s", name) : name;
}

const char *req_cookie(req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, req_cookie_name(r, name));
}

const char *req_form(req *r, const char *name)
{
	return r->form ? json_string_value(json_object_get(r->form, name)) : NULL;
}

void req_add_header(req *r, const char *name, const char *value)
{
	struct header *h = arena_alloc(&r->a, sizeof *h);
	h->name = arena_strdup(&r->a, name);
	h->value = arena_strdup(&r->a, value);
	h->next = r->headers;
	r->headers = h;
}

void req_set_cookie(req *r, const char *name, const char *value, long max_age)
{
	int secure = r->srv->cfg.secure_cookies;
	char age[48] = "";
	if (max_age >= 0)
		snprintf(age, sizeof age, "; Max-Age=%ld", max_age);
	req_add_header(r, MHD_HTTP_HEADER_SET_COOKIE,
		       arena_printf(&r->a, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s",
				    req_cookie_name(r, name), value, age, secure ? "; Secure" : ""));
}

/* An IPv4 or IPv6 address in text, parsed. */
struct ip {
	int family;
	unsigned char bytes[16];
};

/* Parse s[0..n) (spaces around it allowed) into *out; 1, or 0 when it is
 * not an address. */
static int parse_ip(const char *s, size_t n, struct ip *out)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	char text[INET6_ADDRSTRLEN];
	if (n == 0 || n >= sizeof text)
		return 0;
	memcpy(text, s, n);
	text[n] = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, text, out->bytes) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, text, out->bytes) == 1)
		out->family = AF_INET6;
	return out->family != 0;
}

/* Whether ip is one of the comma-separated addresses in list. */
static int ip_listed(const struct ip *ip, const char *list)
{
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		struct ip other;
		if (parse_ip(p, n, &other) && other.family == ip->family && memcmp(other.bytes, ip->bytes, 16) == 0)
			return 1;
		p += n + (comma != NULL);
	}
	return 0;
}

/* The client behind trusted proxies: X-Forwarded-For read from the right
 * (the end the proxies append to), skipping trusted proxies; the first
 * other address is the client. An entry that is not an address ends the
 * walk: what lies left of it cannot be believed. */
static struct ip forwarded_client(const char *xff, const char *trusted, struct ip peer)
{
	struct ip client = peer;
	const char *end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		struct ip hop;
		if (!parse_ip(start, (size_t)(end - start), &hop))
			break;
		client = hop;
		if (!ip_listed(&hop, trusted))
			break;
		end = start > xff ? start - 1 : start;
	}
	return client;
}

void req_forwarded_for(const char *xff, const char *trusted, const char *peer, char *out, size_t outsz)
{
	struct ip ip;
	out[0] = '\0';
	if (!parse_ip(peer, strlen(peer), &ip))
		return;
	if (ip_listed(&ip, trusted))
		ip = forwarded_client(xff, trusted, ip);
	char host[INET6_ADDRSTRLEN] = "";
	inet_ntop(ip.family, ip.bytes, host, sizeof host);
	snprintf(out, outsz, "%s", host);
}

/* MHD_get_connection_values callback: append each X-Forwarded-For line to
 * the buf, comma-separated (a proxy may add a line instead of extending
 * the client's). */
static enum MHD_Result gather_xff(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	buf *all = cls;
	if (value && strcasecmp(key, "X-Forwarded-For") == 0) {
		if (all->len)
			buf_puts(all, ",");
		buf_puts(all, value);
	}
	return MHD_YES;
}

const char *req_client_ip(req *r)
{
	if (r->client_ip)
		return r->client_ip;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct ip ip = {0};
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		ip.family = sa->sa_family;
		if (sa->sa_family == AF_INET)
			memcpy(ip.bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		else if (sa->sa_family == AF_INET6)
			memcpy(ip.bytes, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		else
			ip.family = 0;
	}
	const char *trusted = r->srv->cfg.trusted_proxies;
	if (ip.family && *trusted && ip_listed(&ip, trusted)) {
		buf xff = BUF_INIT;
		MHD_get_connection_values(r->conn, MHD_HEADER_KIND, gather_xff, &xff);
		if (xff.len)
			ip = forwarded_client(buf_str(&xff), trusted, ip);
		buf_free(&xff);
	}
	char host[INET6_ADDRSTRLEN] = "";
	if (ip.family)
		inet_ntop(ip.family, ip.bytes, host, sizeof host);
	r->client_ip = arena_strdup(&r->a, host);
	return r->client_ip;
}

int req_cached(req *r, const char *etag, const char *cache_control)
{
	req_add_header(r, MHD_HTTP_HEADER_ETAG, etag);
	req_add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
	const char *inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (!inm || strcmp(inm, etag) != 0)
		return 0;
	r->status = 304;
	buf_reset(&r->out);
	return 1;
}

void req_redirect(req *r, const char *location)
{
	r->status = 303;
	req_add_header(r, MHD_HTTP_HEADER_LOCATION, location);
	r->content_type = "text/plain; charset=utf-8";
	buf_reset(&r->out);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode a form component ('+' is a space) into out; -1 on a bad escape. */
static int form_decode(const char *s, size_t n, buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			buf_putc(out, ' ');
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			int a = hexval(s[i + 1]), b = hexval(s[i + 2]);
			if (a < 0 || b < 0)
				return -1;
			buf_putc(out, (char)(a * 16 + b));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
	return 0;
}

#define FORM_MAX_FIELDS 64

json_t *req_parse_form(const char *body, size_t len)
{
	json_t *o = json_object();
	buf k = BUF_INIT, v = BUF_INIT;
	size_t fields = 0;
	const char *p = body, *e = body + len;
	while (p < e) {
		const char *amp = memchr(p, '&', (size_t)(e - p));
		if (!amp)
			amp = e;
		const char *eq = memchr(p, '=', (size_t)(amp - p));
		if (amp > p) {
			const char *ke = eq ? eq : amp;
			if (++fields > FORM_MAX_FIELDS || form_decode(p, (size_t)(ke - p), &k) != 0 ||
			    form_decode(eq ? eq + 1 : amp, eq ? (size_t)(amp - eq - 1) : 0, &v) != 0)
				goto bad;
			/* json_stringn refuses invalid UTF-8; a NUL in a value is refused too. */
			json_t *s = memchr(buf_str(&v), '\0', v.len) ? NULL : json_stringn(buf_str(&v), v.len);
			if (!s || memchr(buf_str(&k), '\0', k.len)) {
				json_decref(s);
				goto bad;
			}
			if (json_object_get(o, buf_str(&k)))
				json_decref(s);
			else
				json_object_set_new(o, buf_str(&k), s);
		}
		p = amp + 1;
	}
	buf_free(&k);
	buf_free(&v);
	return o;
bad:
	buf_free(&k);
	buf_free(&v);
	json_decref(o);
	return NULL;
}

struct mp {
	req *r;
	char key[64];
	buf val;
	int file, bad;
};

/* Store the text field being collected into r->form. */
static void mp_flush(struct mp *m)
{
	if (!m->key[0] || m->file)
		return;
	json_t *v = memchr(buf_str(&m->val), '\0', m->val.len) ? NULL : json_stringn(buf_str(&m->val), m->val.len);
	if (!v)
		m->bad = 1;
	else if (json_object_get(m->r->form, m->key))
		json_decref(v);
	else
		json_object_set_new(m->r->form, m->key, v);
	m->key[0] = '\0';
	buf_reset(&m->val);
}

static enum MHD_Result mp_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
			       const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	(void)kind, (void)content_type, (void)transfer_encoding;
	struct mp *m = cls;
	if (!key || strlen(key) >= sizeof m->key) {
		m->bad = 1;
		return MHD_NO;
	}
	if (off == 0 || strcmp(key, m->key) != 0) {
		mp_flush(m);
		snprintf(m->key, sizeof m->key, "%s", key);
		m->file = filename != NULL;
		if (m->file) {
			if (m->r->upload_field) {
				m->bad = 1; /* one file per form */
				return MHD_NO;
			}
			m->r->upload_field = arena_strdup(&m->r->a, key);
		}
	}
	if (m->file)
		buf_append(&m->r->upload, data, size);
	else if (m->val.len + size > 64 * 1024)
		m->bad = 1;
	else
		buf_append(&m->val, data, size);
	return m->bad ? MHD_NO : MHD_YES;
}

int req_parse_multipart(req *r)
{
	struct mp m = {r, "", BUF_INIT, 0, 0};
	r->form = json_object();
	struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 16 * 1024, mp_iter, &m);
	if (!pp) {
		buf_free(&m.val);
		return -1;
	}
	enum MHD_Result ok = MHD_post_process(pp, buf_str(&r->body), r->body.len);
	mp_flush(&m);
	if (MHD_destroy_post_processor(pp) != MHD_YES)
		m.bad = 1;
	buf_free(&m.val);
	return ok == MHD_YES && !m.bad ? 0 : -1;
}
