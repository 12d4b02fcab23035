/*
 * config.c — one table describes every configuration key: its type, where it
 * lives in struct config, its default and its documentation.
 */
#include "config.h"
#include "lib/hostinfo.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_STR, K_INT, K_LONG, K_BOOL };

struct key {
	const char *name;
	enum kind kind;
	size_t off, size;
	const char *def;
	long min, max;
	const char *doc;
};

#define S(n, f, d, doc) {n, K_STR, offsetof(config, f), sizeof(((config *)0)->f), d, 0, 0, doc}
#define I(n, f, d, lo, hi, doc) {n, K_INT, offsetof(config, f), 0, d, lo, hi, doc}
#define L(n, f, d, lo, hi, doc) {n, K_LONG, offsetof(config, f), 0, d, lo, hi, doc}
#define B(n, f, d, doc) {n, K_BOOL, offsetof(config, f), 0, d, 0, 1, doc}

static const struct key keys[] = {
	S("server.listen", listen, "127.0.0.1:8080", "address and port to listen on (IPv4, [IPv6] or a name)"),
	S("server.public_url", public_url, "", "URL participants reach the service at, used in QR codes; default http://LISTEN (localhost on loopback, the LAN address on 0.0.0.0 or [::])"),
	I("server.threads", threads, "0", 0, 256, "worker threads; 0 means four per CPU"),
	S("server.trusted_proxies", trusted_proxies, "", "comma-separated addresses of reverse proxies or load balancers in front of the service: "
	  "from these peers the client address is taken from X-Forwarded-For (empty: the TCP peer is the client)"),
	S("server.assets_dir", assets_dir, "", "development: read templates, CSS, JS and catalogs from this directory at start"),
	B("server.access_log", access_log, "1", "write one JSON access-log line per request to stderr"),
	S("server.tls_cert", tls_cert, "", "PEM certificate chain: listen speaks HTTPS when set (reloaded on SIGHUP)"),
	S("server.tls_key", tls_key, "", "the certificate's PEM private key"),
	S("server.tls_priorities", tls_priorities, "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE",
	  "GnuTLS priority string: TLS 1.2 and 1.3 with AEAD ciphers only"),
	S("server.redirect_listen", redirect_listen, "", "ADDR:PORT that answers plain HTTP with 308 to public_url (e.g. 0.0.0.0:80); empty: none"),
	I("limits.max_connections", max_connections, "16384", 1, 1000000, "open connections at most (the open-file limit is raised to fit, or this lowered to it)"),
	I("limits.max_connections_per_ip", max_connections_per_ip, "1024", 1, 1000000, "open connections per client address at most (a carrier NAT puts many phones behind one address)"),
	I("limits.connection_timeout", connection_timeout, "30", 1, 3600, "seconds of inactivity before a connection is closed"),
	I("limits.head_timeout", head_timeout, "10", 1, 3600, "seconds a connection has for a complete request head, from its start or its previous answer "
	  "(a request trickled a header line at a time, or an idle keep-alive, is closed then)"),
	I("limits.busy_head_timeout", busy_head_timeout, "3", 1, 3600, "the same while more than half of max_connections are open"),
	L("limits.connection_memory", connection_memory, "32768", 16384, 16777216, "bytes of buffer per connection (request line and headers must fit)"),
	L("limits.max_body", max_body, "65536", 1024, 104857600, "request body bytes at most (413 beyond)"),
	L("limits.max_url", max_url, "2048", 64, 16384, "request URL bytes at most (414 beyond)"),
	L("limits.max_header", max_header, "16384", 1024, 1048576, "request header bytes at most, all together (431 beyond)"),
	S("store.data_dir", data_dir, "./data", "directory for the database and keys"),
	S("store.database", database, "", "SQLite database file; default DATA_DIR/stamprally.db"),
	S("store.durability", durability, "normal", "normal: acknowledged writes survive a killed process; full: also power loss (fsync per commit)"),
	S("store.group_commit", group_commit, "auto", "stamp claims through the one writer thread, many per commit: on, off, or auto "
	  "(on for SQLite; off for PostgreSQL, which groups commits itself: docs/performance.md)"),
	I("store.busy_timeout", busy_timeout, "5000", 0, 600000, "milliseconds to wait for a database lock"),
	S("database.url", database_url, "", "PostgreSQL instead of the SQLite file: postgres://user@host/db or key=value (libpq); "
	  "several nodes may share it"),
	S("database.owner_url", database_owner_url, "", "the role that owns the tables and runs migrations; the service's role "
	  "(database.url) is then granted what it needs and row-level security holds it to one tenant; default: database.url"),
	S("database.password_file", database_password_file, "", "file holding the PostgreSQL password (else the url, PGPASSWORD or ~/.pgpass); never logged"),
	I("database.statement_timeout", statement_timeout, "30000", 100, 3600000, "milliseconds a PostgreSQL statement may run "
	  "(and twice that idle in a transaction)"),
	S("security.secret_key_file", secret_key_file, "", "32-byte key for CSRF tokens; default DATA_DIR/secret.key, created on first start"),
	I("security.session_days", session_days, "180", 1, 3650, "days a participant's session cookie lives"),
	I("security.staff_idle_minutes", staff_idle_minutes, "30", 1, 1440, "minutes of inactivity after which a console session ends"),
	I("security.staff_session_hours", staff_session_hours, "12", 1, 720, "hours after login after which a console session ends"),
	S("security.password_blocklist", password_blocklist, "/usr/share/john/password.lst", "list of common passwords refused for staff accounts (Debian package john-data)"),
	S("security.data_key_file", data_key_file, "", "32-byte key sealing personal data and secrets; default DATA_DIR/data.key, created on first start"),
	S("security.data_key", data_key, "", "the data key as base64 (32 bytes), e.g. from STAMPRALLY_SECURITY_DATA_KEY; wins over the file"),
	S("audit.signing_key_file", audit_key_file, "", "Ed25519 key (32-byte seed) signing audit checkpoints; default DATA_DIR/audit-signing.key, created on first start"),
	S("audit.checkpoint_file", audit_file, "", "append-only file of signed audit checkpoints, outside the database; default DATA_DIR/audit-checkpoints.log"),
	I("audit.checkpoint_every", audit_every, "100", 1, 1000000, "sign the audit chain's head after this many new security events ..."),
	I("audit.checkpoint_minutes", audit_minutes, "10", 1, 1440, "... or this many minutes after the last checkpoint, whichever comes first"),
	S("backup.dir", backup_dir, "", "directory of the encrypted backups; default DATA_DIR/backups (copy them off the machine with backup.copy_command)"),
	S("backup.key_file", backup_key_file, "", "32-byte key encrypting backups, separate from the data key; default DATA_DIR/backup.key, "
	  "created on first start: keep a copy away from the backups"),
	S("backup.time", backup_time, "03:30", "daily backup time (HH:MM, Japan time), or off"),
	I("backup.keep", backup_keep, "7", 1, 1000, "backup generations kept; older ones are deleted only after a newer one is verified"),
	S("backup.copy_command", backup_copy, "", "shell command run after each backup with the new file's path as $1 and its manifest's as $2 (rsync, rclone); a failure is reported, not fatal"),
	I("backup.max_age_hours", backup_max_age_hours, "26", 1, 8760, "/readyz reports degraded when the last good backup is older than this"),
	I("retention.security_events_days", keep_events_days, "365", 1, 36500, "days security events are kept (older ones pruned, with a signed checkpoint)"),
	I("retention.access_log_days", keep_access_days, "365", 1, 36500, "days access-log files are kept"),
	I("retention.mail_days", keep_mail_days, "30", 1, 36500, "days a sent or given-up e-mail stays in the outbox (sealed) before it is deleted"),
	I("retention.participants_days_after_end", keep_personal_days, "0", 0, 36500, "days after a rally ends when its participants' personal data "
	  "(lottery answers, LINE names, recovery codes) is deleted; 0 keeps it"),
	S("retention.time", retention_time, "04:00", "daily retention run (HH:MM, Japan time), or off"),
	S("metrics.token", metrics_token, "", "bearer token Prometheus sends for /metrics (e.g. from STAMPRALLY_METRICS_TOKEN); wins over the file"),
	S("metrics.token_file", metrics_token_file, "", "file holding the /metrics bearer token; default DATA_DIR/metrics.token, made on first start"),
	S("metrics.listen", metrics_listen, "", "ADDR:PORT serving /metrics without a token (keep it off the public network); then not on server.listen"),
	I("monitoring.min_free_disk_mb", min_free_disk_mb, "512", 0, 10000000, "/readyz: free megabytes the data directory's filesystem needs"),
	S("monitoring.ready_requires", ready_requires, "database,writer,disk", "/readyz components that fail readiness (503); the others "
	  "(clock, backup) only make it say degraded. Any of database, writer, disk, clock, backup"),
	S("log.access_dir", access_dir, "", "directory of daily access-log files (access-YYYY-MM-DD.jsonl, zstd-compressed after the day); default DATA_DIR/logs; off"),
	S("map.tile_url", map_tile_url, "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
	  "map tiles for the rally page's map and the spot editor's picker ({z}/{x}/{y}; its origin is added to the "
	  "Content-Security-Policy's img-src); empty: no map, the list of spots only"),
	S("map.attribution", map_attribution, "© OpenStreetMap contributors", "the tiles' attribution, shown on every map"),
	S("line.auth_base", line_auth_base, "https://access.line.me", "LINE Login authorization host (tests point it at a loopback double)"),
	S("line.api_base", line_api_base, "https://api.line.me", "LINE Login API host for the token and revoke endpoints"),
	L("line.timeout_ms", line_timeout_ms, "5000", 100, 60000, "timeout for each call to LINE, in milliseconds"),
	S("mail.smtp_url", mail_smtp_url, "", "SMTP relay for notices: smtp://HOST:PORT (with STARTTLS) or smtps://HOST:PORT; empty: no e-mail"),
	S("mail.tls", mail_tls, "required", "required: TLS to the relay (STARTTLS or smtps); none: plain SMTP (only to a relay on loopback)"),
	S("mail.username", mail_username, "", "SMTP AUTH user name (empty: no AUTH)"),
	S("mail.password", mail_password, "", "SMTP AUTH password (e.g. from STAMPRALLY_MAIL_PASSWORD)"),
	S("mail.from", mail_from, "", "From: of every message, e.g. \"stamprally <noreply@example.jp>\" (required with smtp_url)"),
	S("mail.contact", mail_contact, "", "how organizers reach the operator (address, phone, hours): the last lines of every message"),
	I("mail.retry_seconds", mail_retry_seconds, "30", 1, 3600, "a message the relay did not take is tried again after this, doubling up to an hour"),
	I("mail.give_up_hours", mail_give_up_hours, "72", 1, 720, "a message not taken by then is given up (a mail_failed security event)"),
	I("security.secure_cookies", secure_cookies, "-1", -1, 1, "1: Secure cookies with the __Host- prefix; 0: plain; -1: when public_url is https"),
};

#define NKEYS (sizeof keys / sizeof keys[0])

static const struct key *find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int config_set(config *c, const char *name, const char *value, char *err, size_t errsz)
{
	const struct key *k = find(name);
	if (!k) {
		snprintf(err, errsz, "unknown configuration key '%s'", name);
		return -1;
	}
	char *field = (char *)c + k->off;
	if (k->kind == K_STR) {
		if (strlen(value) >= k->size) {
			snprintf(err, errsz, "%s: value too long", name);
			return -1;
		}
		strcpy(field, value);
		return 0;
	}
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (k->kind == K_BOOL && (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "on") == 0))
		v = 1, end = (char *)value + strlen(value);
	else if (k->kind == K_BOOL && (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "off") == 0))
		v = 0, end = (char *)value + strlen(value);
	if (errno || end == value || *end || v < k->min || v > k->max) {
		snprintf(err, errsz, "%s: '%s' is not a number from %ld to %ld", name, value, k->min, k->max);
		return -1;
	}
	if (k->kind == K_LONG)
		*(long *)field = v;
	else
		*(int *)field = (int)v;
	return 0;
}

void config_defaults(config *c)
{
	char err[128];
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NKEYS; i++)
		config_set(c, keys[i].name, keys[i].def, err, sizeof err);
}

/* Strip leading and trailing white space in place. */
static char *strip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int config_load_file(config *c, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024], section[64] = "", key[160];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		char *s = strip(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e || e[1] || e - s - 1 >= (long)sizeof section) {
				snprintf(err, errsz, "%s:%d: bad section header", path, lineno);
				rc = -1;
				break;
			}
			*e = '\0';
			snprintf(section, sizeof section, "%s", strip(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errsz, "%s:%d: expected key = value", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		snprintf(key, sizeof key, "%s%s%s", section, *section ? "." : "", strip(s));
		char *value = strip(eq + 1);
		size_t vn = strlen(value);
		if (vn >= 2 && value[0] == '"' && value[vn - 1] == '"') {
			value[vn - 1] = '\0';
			value++;
		}
		char e2[256];
		if (config_set(c, key, value, e2, sizeof e2) != 0) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, e2);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

int config_load_env(config *c, char **envp, char *err, size_t errsz)
{
	for (size_t i = 0; i < NKEYS; i++) {
		char var[160] = "STAMPRALLY_";
		size_t n = strlen(var);
		for (const char *p = keys[i].name; *p && n + 1 < sizeof var; p++)
			var[n++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
		var[n] = '\0';
		for (char **e = envp; e && *e; e++) {
			if (strncmp(*e, var, n) == 0 && (*e)[n] == '=') {
				if (config_set(c, keys[i].name, *e + n + 1, err, errsz) != 0)
					return -1;
			}
		}
	}
	return 0;
}

void config_finish(config *c)
{
	if (!c->database[0])
		snprintf(c->database, sizeof c->database, "%.400s/stamprally.db", c->data_dir);
	if (!c->data_key_file[0])
		snprintf(c->data_key_file, sizeof c->data_key_file, "%.400s/data.key", c->data_dir);
	if (!c->secret_key_file[0])
		snprintf(c->secret_key_file, sizeof c->secret_key_file, "%.400s/secret.key", c->data_dir);
	static const struct {
		size_t off, size;
		const char *name;
	} under_data[] = {
#define D(f, n) {offsetof(config, f), sizeof(((config *)0)->f), n}
		D(audit_key_file, "audit-signing.key"), D(audit_file, "audit-checkpoints.log"), D(backup_dir, "backups"),
		D(backup_key_file, "backup.key"), D(access_dir, "logs"), D(metrics_token_file, "metrics.token"),
#undef D
	};
	for (size_t i = 0; i < sizeof under_data / sizeof under_data[0]; i++) {
		char *f = (char *)c + under_data[i].off;
		if (!f[0])
			snprintf(f, under_data[i].size, "%.400s/%s", c->data_dir, under_data[i].name);
	}
	if (!c->public_url[0]) {
		const char *l = c->listen;
		/* Wildcard and loopback addresses are shown as localhost. */
		static const char *local[] = {"0.0.0.0:", "127.0.0.1:", "[::]:", "[::1]:"};
		const char *port = NULL;
		for (size_t i = 0; i < sizeof local / sizeof local[0] && !port; i++)
			if (strncmp(l, local[i], strlen(local[i])) == 0)
				port = l + strlen(local[i]);
		char lan[64];
		/* Listening on every interface without a public URL is trying it
		 * with a phone on the same Wi-Fi: QR codes carry the LAN address. */
		int wildcard = port && (strncmp(l, "0.0.0.0:", 8) == 0 || strncmp(l, "[::]:", 5) == 0);
		if (wildcard && lan_address(lan, sizeof lan) == 0)
			snprintf(c->public_url, sizeof c->public_url, "http://%s:%s", lan, port);
		else if (port)
			snprintf(c->public_url, sizeof c->public_url, "http://localhost:%s", port);
		else
			snprintf(c->public_url, sizeof c->public_url, "http://%s", l);
	}
	size_t n = strlen(c->public_url);
	while (n && c->public_url[n - 1] == '/')
		c->public_url[--n] = '\0';
	if (c->secure_cookies < 0)
		c->secure_cookies = strncmp(c->public_url, "https://", 8) == 0;
}

void config_describe(void (*emit)(const char *, const char *, const char *, void *), void *ud)
{
	for (size_t i = 0; i < NKEYS; i++)
		emit(keys[i].name, keys[i].def, keys[i].doc, ud);
}
