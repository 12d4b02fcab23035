/*
 * line_client.c — see line_client.h.
 */
#include "web/line_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/jwt.h"

#define LINE_MAX_RESPONSE (64 * 1024)

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	buf *b = ud;
	if (b->len + size * n > LINE_MAX_RESPONSE)
		return 0;
	buf_append(b, p, size * n);
	return size * n;
}

/* Append "&k=v" (v URL-encoded) to body. */
static void field(CURL *c, buf *body, const char *k, const char *v)
{
	char *e = curl_easy_escape(c, v, 0);
	buf_printf(body, "%s%s=%s", body->len ? "&" : "", k, e ? e : "");
	curl_free(e);
}

/* POST a form to url; the HTTP status into *status and the body into out. */
static int post_form(const struct line_endpoints *e, const char *url, buf *body, long *status, buf *out)
{
	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, buf_str(body));
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body->len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, e->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, e->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : rc == CURLE_OPERATION_TIMEDOUT ? -2 : -1;
}

int line_token(const struct line_endpoints *e, const char *code, const char *redirect_uri, const char *channel_id,
	       const char *secret, const char *verifier, json_t **tokens, char *why, size_t whysz)
{
	CURL *c = curl_easy_init();
	buf body = BUF_INIT, out = BUF_INIT;
	char url[600];
	long status = 0;
	*tokens = NULL;
	if (!c)
		return -1;
	field(c, &body, "grant_type", "authorization_code");
	field(c, &body, "code", code);
	field(c, &body, "redirect_uri", redirect_uri);
	field(c, &body, "client_id", channel_id);
	field(c, &body, "client_secret", secret);
	field(c, &body, "code_verifier", verifier);
	curl_easy_cleanup(c);
	snprintf(url, sizeof url, "%s/oauth2/v2.1/token", e->api_base);
	int rc = post_form(e, url, &body, &status, &out);
	buf_free(&body);
	if (rc != 0) {
		snprintf(why, whysz, "%s", rc == -2 ? "token endpoint timed out" : "token endpoint unreachable");
	} else if (status != 200) {
		json_t *j = json_loadb(buf_str(&out), out.len, 0, NULL);
		snprintf(why, whysz, "token endpoint answered %ld %.60s", status,
			 json_string_value(json_object_get(j, "error")) ? json_string_value(json_object_get(j, "error")) : "");
		json_decref(j);
		rc = -3;
	} else {
		*tokens = json_loadb(buf_str(&out), out.len, 0, NULL);
		if (!json_is_object(*tokens) || !json_is_string(json_object_get(*tokens, "id_token")) ||
		    !json_is_string(json_object_get(*tokens, "access_token"))) {
			snprintf(why, whysz, "token response without id_token/access_token");
			json_decref(*tokens);
			*tokens = NULL;
			rc = -4;
		}
	}
	buf_free(&out);
	return rc;
}

int line_revoke(const struct line_endpoints *e, const char *channel_id, const char *secret, const char *access_token)
{
	CURL *c = curl_easy_init();
	buf body = BUF_INIT, out = BUF_INIT;
	char url[600];
	long status = 0;
	if (!c)
		return -1;
	field(c, &body, "access_token", access_token);
	field(c, &body, "client_id", channel_id);
	field(c, &body, "client_secret", secret);
	curl_easy_cleanup(c);
	snprintf(url, sizeof url, "%s/oauth2/v2.1/revoke", e->api_base);
	int rc = post_form(e, url, &body, &status, &out);
	buf_free(&body);
	buf_free(&out);
	return rc == 0 && status == 200 ? 0 : -1;
}

const char *line_check_id_token(const char *id_token, const char *channel_id, const char *secret, const char *nonce,
				int64_t now, json_t **claims)
{
	enum jwt_result r = jwt_verify_hs256(id_token, secret, claims);
	if (r != JWT_OK)
		return r == JWT_BAD_ALG ? "bad_alg" : r == JWT_BAD_SIGNATURE ? "bad_signature" : "malformed";
	json_t *c = *claims;
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *aud = json_string_value(json_object_get(c, "aud"));
	const char *got_nonce = json_string_value(json_object_get(c, "nonce"));
	const char *sub = json_string_value(json_object_get(c, "sub"));
	const char *name = json_string_value(json_object_get(c, "name"));
	json_t *exp = json_object_get(c, "exp"), *iat = json_object_get(c, "iat");
	const char *why = NULL;
	if (!iss || strcmp(iss, LINE_ISSUER) != 0)
		why = "bad_iss";
	else if (!aud || strcmp(aud, channel_id) != 0)
		why = "bad_aud";
	else if (!json_is_integer(exp) || json_integer_value(exp) + LINE_LEEWAY_S < now)
		why = "expired";
	else if (!json_is_integer(iat) || json_integer_value(iat) > now + LINE_LEEWAY_S)
		why = "issued_in_future";
	else if (!got_nonce || strcmp(got_nonce, nonce) != 0)
		why = "bad_nonce";
	else if (!sub || !*sub || strlen(sub) > 64)
		why = "no_sub";
	else if (!name || !*name)
		why = "no_name";
	if (why) {
		json_decref(*claims);
		*claims = NULL;
	}
	return why;
}

int line_base_allowed(const char *url)
{
	if (strncmp(url, "https://", 8) == 0)
		return 1;
	static const char *loop[] = {"http://127.0.0.1:", "http://localhost:", "http://[::1]:"};
	for (size_t i = 0; i < sizeof loop / sizeof loop[0]; i++)
		if (strncmp(url, loop[i], strlen(loop[i])) == 0)
			return 1;
	return 0;
}
