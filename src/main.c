/*
 * main.c — the stamprally binary: parse the subcommand and its flags, build
 * the configuration, and run one of serve, migrate, demo, rally import,
 * user create, key rotate, backup, audit, retention, tenant, announce,
 * maintenance, disclosure, config, routes, version.
 */
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <qrencode.h>
#include <sched.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <unistring/version.h>
#include <zstd.h>

#include "core/account.h"
#include "core/announce.h"
#include "core/audit.h"
#include "core/demo.h"
#include "core/image.h"
#include "core/import.h"
#include "core/maintenance.h"
#include "core/rally.h"
#include "core/rekey.h"
#include "core/tenant.h"
#include "core/certificate.h"
#include "core/mail.h"
#include "core/operator.h"
#include "ops/erasure.h"
#include "ops/mailer.h"
#include "http/server.h"
#include "lib/accesslog.h"
#include "lib/assets.h"
#include "lib/config.h"
#include "lib/jsonmem.h"
#include "lib/keyfile.h"
#include "lib/picture.h"
#include "lib/qr.h"
#include "lib/seal.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "lib/utf8.h"
#include "ops/backup.h"
#include "ops/copydb.h"
#include "ops/disclosure.h"
#include "ops/jobs.h"
#include "ops/retention.h"
#include "ops/watchdog.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/writer.h"
#include "web/line_client.h"
#include "web/web.h"

#ifndef STAMPRALLY_VERSION
#define STAMPRALLY_VERSION "0.1.0"
#endif
#ifndef LIBSYSTEMD_VERSION /* libsystemd has no call that says (the Makefile passes pkg-config's) */
#define LIBSYSTEMD_VERSION "unknown"
#endif

extern char **environ;

struct cmd {
	const char *name;
	int (*run)(struct server *srv, int argc, char **argv);
	const char *usage;
	const char *help;
};

static const char COMMON_FLAGS[] =
	"  --config FILE   read configuration from FILE (also STAMPRALLY_CONFIG)\n"
	"  --data DIR      data directory (default ./data; also STAMPRALLY_STORE_DATA_DIR)\n";

/* Create dir (one level) if missing. */
static int ensure_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "stamprally: cannot create %s: %s\n", dir, strerror(errno));
	return -1;
}

enum { OPEN_SERVING = 1, OPEN_NO_NEW_KEYS = 2 };

/* The audit signing key: loaded, or made on first use; but never made anew
 * for a log that has signed checkpoints (they would all look forged). */
static int open_audit(const config *c, db *d)
{
	if (!keyfile_exists(c->audit_key_file)) {
		int64_t n = db_int1(d, 0, "SELECT count(*) FROM audit_checkpoints", NULL);
		if (n > 0) {
			fprintf(stderr, "stamprally: the audit signing key %s is missing, but the audit log has %lld signed "
					"checkpoints: put the key back (it is in every backup) or set audit.signing_key_file\n",
				c->audit_key_file, (long long)n);
			return -1;
		}
	}
	return audit_init(c->audit_key_file, c->audit_file, 1);
}

/* The first line of the file at path into out (a password); 0, or -1 with
 * the reason on stderr. */
static int read_password(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f || !fgets(out, (int)n, f)) {
		fprintf(stderr, "stamprally: cannot read database.password_file %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

/* The store's settings from the configuration (db_configure), the
 * password read from its file. 0, or -1 with the reason on stderr. */
static int configure_store(const config *c, int flags)
{
	static char password[256]; /* kept for reconnections; never printed */
	if (c->database_password_file[0] && read_password(c->database_password_file, password, sizeof password) != 0)
		return -1;
	struct db_options o = {.path = c->database, .url = c->database_url, .owner_url = c->database_owner_url, .password = password,
			       .statement_timeout_ms = c->statement_timeout, .durability_full = strcmp(c->durability, "full") == 0,
			       .busy_timeout_ms = c->busy_timeout, .manual_checkpoint = flags & OPEN_SERVING};
	db_configure(&o);
	return 0;
}

/* Open the store, apply migrations, hash audit records older than the
 * chain; the connection (caller closes) or NULL. flags: OPEN_SERVING (the
 * server checkpoints the WAL itself), OPEN_NO_NEW_KEYS (the audit signing
 * key is not loaded or made: the caller does it). */
static db *open_store(const config *c, int *applied, int flags)
{
	if (ensure_dir(c->data_dir) != 0 || configure_store(c, flags) != 0)
		return NULL;
	db *d = db_open();
	int n = 0;
	if (!d || migrate_store(d, &n) != 0) {
		fprintf(stderr, "stamprally: cannot open the %s database %s\n", db_backend(),
			c->database_url[0] ? "(database.url)" : c->database);
		db_close(d);
		return NULL;
	}
	if (audit_backfill(d) < 0 || (!(flags & OPEN_NO_NEW_KEYS) && open_audit(c, d) != 0)) {
		db_close(d);
		return NULL;
	}
	if (applied)
		*applied = n;
	return d;
}

/* The data key: security.data_key (base64) or the key file. 0 or -1. */
static int data_key(const config *c, unsigned char dk[32])
{
	size_t n = 0;
	if (!c->data_key[0])
		return keyfile_load(c->data_key_file, dk, 1);
	if (sodium_base642bin(dk, 32, c->data_key, strlen(c->data_key), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != 32) {
		fprintf(stderr, "stamprally: security.data_key must be 32 bytes in base64\n");
		return -1;
	}
	return 0;
}

/* The data key, kept for backups (they carry it, under the backup key). */
static unsigned char service_data_key[32];

/* The CSRF key and the data key (sealing personal data and secrets). A new
 * key left by an unfinished rotation (DATA_KEY_FILE.new) also opens values. */
static int load_secret(struct server *srv)
{
	const config *c = &srv->cfg;
	unsigned char dk[32];
	char next[sizeof c->data_key_file + 8];
	if (keyfile_load(c->secret_key_file, srv->secret, 1) != 0 || data_key(c, dk) != 0)
		return -1;
	seal_set_key(dk);
	memcpy(service_data_key, dk, sizeof dk);
	snprintf(next, sizeof next, "%s.new", c->data_key_file);
	if (keyfile_exists(next)) {
		if (keyfile_load(next, dk, 0) != 0)
			return -1;
		seal_set_old_key(dk);
		fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"unfinished data key rotation: run stamprally key rotate\"}\n");
	}
	sodium_memzero(dk, sizeof dk);
	if (!line_base_allowed(c->line_auth_base) || !line_base_allowed(c->line_api_base)) {
		fprintf(stderr, "stamprally: line.auth_base and line.api_base must be https (http only to loopback)\n");
		return -1;
	}
	return 0;
}

/* True when serve listens on every interface (0.0.0.0 or [::]). */
static int listens_everywhere(const config *c)
{
	return strncmp(c->listen, "0.0.0.0:", 8) == 0 || strncmp(c->listen, "[::]:", 5) == 0;
}

/* Listening on every interface: say where a phone on the same network opens
 * url, with a QR code of it drawn in the terminal (coloured on a TTY). */
static void print_phone_qr(const config *c, const char *url)
{
	if (!listens_everywhere(c))
		return;
	buf qr = BUF_INIT;
	if (qr_text(url, isatty(STDOUT_FILENO), &qr) == 0)
		printf("  On a phone on the same Wi-Fi, scan this or open %s\n\n%s\n", url, buf_str(&qr));
	buf_free(&qr);
}

static void print_demo_urls(const config *c, json_t *demo, const char *owner_pw, const char *desk_pin)
{
	size_t i;
	json_t *s;
	char url[600];
	snprintf(url, sizeof url, "%s/r/%s", c->public_url, json_string_value(json_object_get(demo, "rally")));
	printf("\n  stamprally is running.\n\n  Open on your phone or browser:\n    %s\n\n", url);
	print_phone_qr(c, url);
	printf("  The demo spots' QR codes point at:\n");
	json_array_foreach(json_object_get(demo, "spots"), i, s)
		printf("    %s  %s\n", json_string_value(json_object_get(s, "qr_url")),
		       json_string_value(json_object_get(s, "name")));
	if (*owner_pw)
		printf("\n  Organizer console: %s/console/login\n    login ID: demo-owner\n    password: %s   (shown only now)\n",
		       c->public_url, owner_pw);
	if (*desk_pin)
		printf("    desk PIN of the demo rally: %s   (staff type it on a phone to redeem a coupon)\n", desk_pin);
	printf("\n  Stop with Ctrl-C.\n\n");
	fflush(stdout);
}

/* Record the service's own start or stop in the security event log (no
 * tenant, no account), so the log shows when the service was not running.
 * detail is a new JSON object (taken). A failure is reported, not fatal. */
static void service_event(const char *kind, json_t *detail)
{
	db *d = db_open();
	if (d)
		security_event_write(d, kind, detail);
	else
		json_decref(detail);
	db_close(d);
}

/* Whether path is the default place DATA_DIR/name (made when missing) or
 * one the operator chose (which must exist). */
static int is_default_path(const config *c, const char *path, const char *name)
{
	char def[1100];
	snprintf(def, sizeof def, "%.1000s/%s", c->data_dir, name);
	return strcmp(path, def) == 0;
}

/* The backup key: made on first start in the data directory (with a word
 * to copy it elsewhere); a configured one must exist. 0 or -1. */
static int open_backup_key(const config *c)
{
	unsigned char k[32];
	int fresh = !keyfile_exists(c->backup_key_file);
	if (fresh && !is_default_path(c, c->backup_key_file, "backup.key")) {
		fprintf(stderr, "stamprally: the backup key %s (backup.key_file) does not exist\n", c->backup_key_file);
		return -1;
	}
	if (keyfile_load(c->backup_key_file, k, 1) != 0)
		return -1;
	sodium_memzero(k, sizeof k);
	if (fresh)
		fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"a new backup key was made: keep a copy of %s away from this "
				"machine and its backups; a backup cannot be restored without it\"}\n", c->backup_key_file);
	return 0;
}

/* The /metrics bearer token: metrics.token, or the token file (made on
 * first start: 32 random bytes as hex, 0600). 0 or -1. */
static int load_metrics_token(struct server *srv)
{
	const config *c = &srv->cfg;
	if (c->metrics_token[0]) {
		snprintf(srv->metrics_token, sizeof srv->metrics_token, "%s", c->metrics_token);
		return 0;
	}
	FILE *f = fopen(c->metrics_token_file, "re");
	if (!f) {
		unsigned char k[32];
		char hex[65];
		randombytes_buf(k, sizeof k);
		sodium_bin2hex(hex, sizeof hex, k, sizeof k);
		int fd = open(c->metrics_token_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, hex, 64) != 64 || fsync(fd) != 0) {
			fprintf(stderr, "stamprally: cannot write %s: %s\n", c->metrics_token_file, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		f = fopen(c->metrics_token_file, "re");
	}
	char line[130] = "";
	if (!f || !fgets(line, sizeof line, f)) {
		fprintf(stderr, "stamprally: cannot read the metrics token %s\n", c->metrics_token_file);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (strlen(line) < 16) {
		fprintf(stderr, "stamprally: the metrics token in %s is shorter than 16 characters\n", c->metrics_token_file);
		return -1;
	}
	snprintf(srv->metrics_token, sizeof srv->metrics_token, "%.127s", line);
	return 0;
}

static int cmd_serve(struct server *srv, int argc, char **argv)
{
	(void)argc, (void)argv;
	config *c = &srv->cfg;
	db *d = open_store(c, NULL, OPEN_SERVING);
	if (!d || load_secret(srv) != 0 || web_init() != 0 || account_init() != 0)
		return 1;
	if (keyfile_lock(c->data_dir, 0) < 0) {
		fprintf(stderr, "stamprally: a key rotation is running on %s\n", c->data_dir);
		return 1;
	}
	if (c->password_blocklist[0] && password_blocklist_load(c->password_blocklist) < 0) {
		fprintf(stderr, "stamprally: cannot read the password blocklist %s (install john-data, or set "
				"security.password_blocklist)\n", c->password_blocklist);
		return 1;
	}
	char err[256];
	json_t *demo = NULL;
	char owner_pw[32] = "", desk_pin[8] = "";
	if (db_int1(d, 0, "SELECT count(*) FROM tenants", NULL) == 0) {
		if (demo_seed(d, c->public_url, time_now_ms(), &demo, err, sizeof err) != 0) {
			fprintf(stderr, "stamprally: demo: %s\n", err);
			return 1;
		}
		/* The demo tenant's owner, so the console can be tried at once. */
		password_random(owner_pw, sizeof owner_pw);
		int64_t tid = db_int1(d, 0, "SELECT id FROM tenants WHERE slug = 'demo'", NULL);
		if (account_create(d, tid, "demo-owner", "owner", owner_pw, time_now_ms()) <= 0)
			owner_pw[0] = '\0';
		demo_desk_pin(d, desk_pin);
	}
	/* Images from before variants for phones existed (migration 0021): made
	 * ready once, before serving (their EXIF goes with it). */
	int rebuilt = image_rebuild_legacy(d);
	if (rebuilt < 0)
		return 1;
	if (rebuilt > 0)
		fprintf(stderr, "{\"level\":\"info\",\"msg\":\"images made ready for phones\",\"count\":%d}\n", rebuilt);
	/* The demo rally's page, for the phone QR code of a later start. */
	char phone_url[600] = "";
	char *slug = db_text1(d, "SELECT r.slug FROM rallies r JOIN tenants t ON t.id = r.tenant_id WHERE t.slug = 'demo'"
				 " AND r.status = 'published' ORDER BY r.id LIMIT 1", "");
	if (slug)
		snprintf(phone_url, sizeof phone_url, "%s/r/%s", c->public_url, slug);
	free(slug);
	backup_record_restore(c, d);
	maintenance_refresh(d);
	announce_refresh(d, time_now_ms());
	db_close(d);
	if (open_backup_key(c) != 0 || accesslog_open(c->access_dir) != 0 || load_metrics_token(srv) != 0) {
		json_decref(demo);
		return 1;
	}
	srv->access_files = c->access_dir[0] && strcmp(c->access_dir, "off") != 0;
	srv->started_ms = time_now_ms();
	if (strcmp(c->group_commit, "on") && strcmp(c->group_commit, "off") && strcmp(c->group_commit, "auto")) {
		fprintf(stderr, "stamprally: store.group_commit must be on, off or auto, not '%s'\n", c->group_commit);
		json_decref(demo);
		return 1;
	}
	srv->group_commit = !strcmp(c->group_commit, "on") || (!strcmp(c->group_commit, "auto") && !strcmp(db_backend(), "sqlite"));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	srv->dispatch = web_dispatch;
	srv->body_limit = web_body_limit;
	srv->metrics_text = sys_metrics_text;
	if (db_writer_start() != 0 || server_start(srv) != 0 || jobs_start(c, service_data_key) != 0 || mailer_start(c) != 0 ||
	    watchdog_start() != 0) {
		json_decref(demo);
		return 1;
	}
	service_event("service_start", json_pack("{s:s, s:s, s:s}", "version", STAMPRALLY_VERSION, "listen", c->listen,
						 "public_url", c->public_url));
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"listening\",\"listen\":\"%s\",\"public_url\":\"%s\"}\n", c->listen,
		c->public_url);
	if (demo) {
		print_demo_urls(c, demo, owner_pw, desk_pin);
	} else {
		printf("stamprally is running at %s\n", c->public_url);
		print_phone_qr(c, phone_url[0] ? phone_url : c->public_url);
		fflush(stdout);
	}
	json_decref(demo);
	sd_notify(0, "READY=1");
	int sig;
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		server_reload_tls(srv); /* a renewed certificate */
	sd_notify(0, "STOPPING=1");
	watchdog_stop();
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"shutting down\",\"signal\":%d}\n", sig);
	server_stop(srv);
	service_event("service_stop", json_pack("{s:i}", "signal", sig));
	mailer_stop();
	jobs_stop(); /* signs the log's head, service_stop included */
	db_writer_stop();
	accesslog_close();
	picture_shutdown();
	return 0;
}

static int cmd_migrate(struct server *srv, int argc, char **argv)
{
	(void)argc, (void)argv;
	int n;
	db *d = open_store(&srv->cfg, &n, 0);
	if (!d)
		return 1;
	printf("schema version %d (%d migration%s applied)\n", migrate_version(d), n, n == 1 ? "" : "s");
	db_close(d);
	return 0;
}

static int cmd_demo(struct server *srv, int argc, char **argv)
{
	(void)argc, (void)argv;
	db *d = open_store(&srv->cfg, NULL, 0);
	json_t *out = NULL;
	char err[256];
	if (!d)
		return 1;
	int rc = demo_seed(d, srv->cfg.public_url, time_now_ms(), &out, err, sizeof err);
	db_close(d);
	if (rc != 0) {
		fprintf(stderr, "stamprally: demo: %s\n", err);
		return 1;
	}
	json_dumpf(out, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(out);
	return 0;
}

static int cmd_rally(struct server *srv, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "import") != 0) {
		fprintf(stderr, "usage: stamprally rally import FILE.json [--data DIR]\n");
		return 2;
	}
	json_error_t je;
	json_t *doc = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		fprintf(stderr, "stamprally: %s:%d: %s\n", argv[1], je.line, je.text);
		return 1;
	}
	db *d = open_store(&srv->cfg, NULL, 0);
	json_t *out = NULL;
	char err[256];
	int rc = d ? rally_import(d, doc, srv->cfg.public_url, time_now_ms(), &out, err, sizeof err) : -1;
	db_close(d);
	json_decref(doc);
	if (rc != 0) {
		if (d)
			fprintf(stderr, "stamprally: %s: %s\n", argv[1], err);
		return 1;
	}
	json_dumpf(out, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(out);
	return 0;
}

/* stamprally user create --tenant T --login L --role R: prints a random
 * initial password (for the first owner of a tenant). */
static int cmd_user(struct server *srv, int argc, char **argv)
{
	const char *tenant = NULL, *login = NULL, *role = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--tenant") == 0)
			tenant = argv[i + 1];
		else if (strcmp(argv[i], "--login") == 0)
			login = argv[i + 1];
		else if (strcmp(argv[i], "--role") == 0)
			role = argv[i + 1];
	}
	if (argc < 1 || strcmp(argv[0], "create") != 0 || !tenant || !login || !role) {
		fprintf(stderr, "usage: stamprally user create --tenant T --login L --role R [--data DIR]\n");
		return 2;
	}
	if (!login_valid(login) || !role_valid(role)) {
		fprintf(stderr, "stamprally: login must be 3-64 of a-z 0-9 . _ @ -; role one of owner, admin, editor, desk, viewer\n");
		return 2;
	}
	db *d = open_store(&srv->cfg, NULL, 0);
	if (!d)
		return 1;
	int64_t tid = db_int1(d, 0, "SELECT id FROM tenants WHERE slug = $1", "t", tenant);
	char pw[32];
	password_random(pw, sizeof pw);
	int64_t id = tid ? account_create(d, tid, login, role, pw, time_now_ms()) : -1;
	if (id > 0)
		security_event(d, tid, id, "account_created", "", "{\"by\":\"command line\"}", time_now_ms());
	db_close(d);
	if (!tid) {
		fprintf(stderr, "stamprally: no tenant '%s'\n", tenant);
		return 1;
	}
	if (id <= 0) {
		fprintf(stderr, "stamprally: %s\n", id == 0 ? "that login ID is taken" : "cannot create the account");
		return 1;
	}
	printf("%s\n", pw);
	return 0;
}

/* stamprally key rotate: a new data key; every sealed value re-sealed under
 * it in one transaction; then the new key file replaces the old one. Safe
 * to run again after a crash: DATA_KEY_FILE.new is the key it resumes with. */
static int cmd_key(struct server *srv, int argc, char **argv)
{
	const config *c = &srv->cfg;
	if (argc != 1 || strcmp(argv[0], "rotate") != 0) {
		fprintf(stderr, "usage: stamprally key rotate [--config FILE] [--data DIR]\n");
		return 2;
	}
	unsigned char old[32], fresh[32];
	char next[sizeof c->data_key_file + 8], err[256];
	snprintf(next, sizeof next, "%s.new", c->data_key_file);
	db *d = open_store(c, NULL, 0);
	if (!d)
		return 1;
	if (keyfile_lock(c->data_dir, 1) < 0) {
		fprintf(stderr, "stamprally: the service is running on %s; stop it before rotating the key\n", c->data_dir);
		db_close(d);
		return 1;
	}
	if (data_key(c, old) != 0 || keyfile_load(next, fresh, 1) != 0) {
		db_close(d);
		return 1;
	}
	seal_set_key(fresh);
	seal_set_old_key(old);
	int64_t n = rekey_all(d, err, sizeof err);
	if (n >= 0) {
		char detail[64];
		snprintf(detail, sizeof detail, "{\"resealed\":%lld}", (long long)n);
		if (security_event(d, 0, 0, "data_key_rotated", "", detail, time_now_ms()) != 0)
			fprintf(stderr, "stamprally: the rotation is not in the security event log\n");
	}
	db_close(d);
	sodium_memzero(old, sizeof old);
	sodium_memzero(fresh, sizeof fresh);
	if (n < 0) {
		fprintf(stderr, "stamprally: key rotate: %s; nothing changed\n", err);
		return 1;
	}
	if (c->data_key[0]) {
		printf("{\"resealed\": %lld, \"new_key_file\": \"%s\"}\n", (long long)n, next);
		fprintf(stderr, "stamprally: set security.data_key (STAMPRALLY_SECURITY_DATA_KEY) to the output of\n"
				"  base64 -w0 %s\nthen delete that file.\n", next);
		return 0;
	}
	if (keyfile_replace(next, c->data_key_file) != 0) {
		fprintf(stderr, "stamprally: cannot rename %s to %s: %s\n", next, c->data_key_file, strerror(errno));
		return 1;
	}
	printf("{\"resealed\": %lld, \"key_file\": \"%s\"}\n", (long long)n, c->data_key_file);
	return 0;
}

/* The value after flag in argv (argv[i] == flag), or NULL. */
static const char *flag_value(int argc, char **argv, const char *flag)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return argv[i + 1];
	return NULL;
}

/* stamprally backup now | list | verify FILE | restore FILE */
/* copy-db --to URL: the data directory's SQLite database into an empty
 * PostgreSQL database (docs/scale-out.md), the service stopped. */
static int cmd_copy_db(struct server *srv, int argc, char **argv)
{
	const config *c = &srv->cfg;
	if (argc != 2 || strcmp(argv[0], "--to") != 0) {
		fprintf(stderr, "usage: stamprally copy-db --to POSTGRES-URL [--config FILE] [--data DIR]\n");
		return 2;
	}
	if (c->database_url[0]) {
		fprintf(stderr, "stamprally: copy-db reads the SQLite database: run it with the SQLite configuration "
				"(without database.url)\n");
		return 2;
	}
	if (keyfile_lock(c->data_dir, 1) < 0) {
		fprintf(stderr, "stamprally: the service is running on %s; stop it before copying its database\n", c->data_dir);
		return 1;
	}
	db *from = db_open_file(c->database, 0);
	struct db_options o = {.url = argv[1], .statement_timeout_ms = 3600000};
	db_configure(&o);
	db *to = from ? db_open() : NULL;
	int n = 0;
	char err[300] = "";
	int rc = from && to && migrate_store(to, &n) == 0 ? copydb_run(from, to, stdout, err, sizeof err) : -1;
	db_close(from);
	db_close(to);
	if (rc != 0) {
		fprintf(stderr, "stamprally: copy-db: %s; nothing was kept in PostgreSQL but its schema\n",
			*err ? err : "cannot open both databases");
		return 1;
	}
	printf("copied; start the nodes with database.url (the service's role) and database.owner_url\n");
	return 0;
}

static int cmd_backup(struct server *srv, int argc, char **argv)
{
	const config *c = &srv->cfg;
	const char *sub = argc > 0 ? argv[0] : "";
	int file_arg = strcmp(sub, "verify") == 0 || strcmp(sub, "restore") == 0;
	if ((file_arg && argc != 2) || (!file_arg && (argc != 1 || (strcmp(sub, "now") && strcmp(sub, "list"))))) {
		fprintf(stderr, "usage: stamprally backup now | list | verify FILE | restore FILE [--config FILE] [--data DIR]\n");
		return 2;
	}
	if (strcmp(sub, "list") == 0)
		return backup_list(c, stdout);
	if (strcmp(sub, "verify") == 0)
		return backup_verify(c, argv[1], stdout);
	if (strcmp(sub, "restore") == 0) {
		if (ensure_dir(c->data_dir) != 0 || configure_store(c, 0) != 0)
			return 1;
		if (keyfile_lock(c->data_dir, 1) < 0) {
			fprintf(stderr, "stamprally: a server (or a key rotation) is using %s: stop it before restoring\n",
				c->data_dir);
			return 1;
		}
		return backup_restore(c, argv[1], stdout);
	}
	db *d = open_store(c, NULL, 0);
	unsigned char dk[32];
	char path[4200];
	/* The keys a backup carries, made here as serve would for a data
	 * directory that never served. */
	if (!d || open_backup_key(c) != 0 || keyfile_load(c->secret_key_file, dk, 1) != 0 || data_key(c, dk) != 0) {
		db_close(d);
		return 1;
	}
	/* Like serve's own backups: only the CPU a running server leaves. */
	struct sched_param none = {0};
	if (sched_setscheduler(0, SCHED_IDLE, &none) != 0)
		setpriority(PRIO_PROCESS, 0, 19);
	int rc = backup_run(c, d, dk, time_now_ms(), path, sizeof path);
	sodium_memzero(dk, sizeof dk);
	db_close(d);
	if (rc == 0)
		printf("%s\n", path);
	return rc == 0 ? 0 : 1;
}

/* stamprally audit verify [--pubkey KEY] | pubkey | checkpoint | list [filters] */
static int cmd_audit(struct server *srv, int argc, char **argv)
{
	const config *c = &srv->cfg;
	const char *sub = argc > 0 ? argv[0] : "";
	if (strcmp(sub, "verify") && strcmp(sub, "pubkey") && strcmp(sub, "checkpoint") && strcmp(sub, "list")) {
		fprintf(stderr, "usage: stamprally audit verify [--pubkey BASE64] | pubkey | checkpoint\n"
				"       stamprally audit list [--tenant SLUG] [--kind KIND] [--since ISO-TIME] [--limit N]\n");
		return 2;
	}
	int verify = strcmp(sub, "verify") == 0;
	const char *pub = flag_value(argc, argv, "--pubkey");
	unsigned char pk[32];
	size_t pklen = 0;
	if (pub && (sodium_base642bin(pk, sizeof pk, pub, strlen(pub), NULL, &pklen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    pklen != sizeof pk)) {
		fprintf(stderr, "stamprally: --pubkey must be the 32-byte key in base64, as `stamprally audit pubkey` prints it\n");
		return 2;
	}
	db *d = open_store(c, NULL, OPEN_NO_NEW_KEYS);
	if (!d)
		return 1;
	int rc = 0;
	if (!(verify && pub) && strcmp(sub, "list") != 0 && audit_init(c->audit_key_file, c->audit_file, 0) != 0) {
		fprintf(stderr, "stamprally: the audit signing key %s is missing%s\n", c->audit_key_file,
			verify ? ": verify with --pubkey KEY (the key you noted), or put the key back from a backup" : "");
		db_close(d);
		return 1;
	}
	if (verify && pub)
		audit_set_file(c->audit_file);
	if (strcmp(sub, "pubkey") == 0) {
		char b64[64];
		audit_pubkey(b64, sizeof b64);
		printf("%s\n", b64);
	} else if (strcmp(sub, "checkpoint") == 0) {
		rc = audit_checkpoint(d, time_now_ms(), 1, 0, 1) < 0;
	} else if (verify) {
		struct audit_report rep;
		int v = audit_verify(d, pub ? pk : NULL, &rep);
		char when[40] = "";
		if (rep.bad_at)
			time_format_iso_jst(rep.bad_at, when, sizeof when);
		if (v == 0)
			printf("audit log intact: %lld records, %lld checkpoints\n", (long long)rep.records,
			       (long long)rep.checkpoints);
		else if (v > 0)
			printf("audit log BROKEN at record %lld%s%s: %s\n", (long long)rep.bad_id, *when ? " of " : "", when,
			       rep.what);
		else
			fprintf(stderr, "stamprally: audit verify: %s\n", rep.what[0] ? rep.what : "cannot read the log");
		rc = v == 0 ? 0 : v > 0 ? 3 : 1;
	} else {
		const char *tenant = flag_value(argc, argv, "--tenant"), *since = flag_value(argc, argv, "--since");
		const char *limit = flag_value(argc, argv, "--limit");
		int64_t tid = 0, from = 0;
		if (tenant && !(tid = db_int1(d, 0, "SELECT id FROM tenants WHERE slug = $1", "t", tenant))) {
			fprintf(stderr, "stamprally: no tenant '%s'\n", tenant);
			rc = 1;
		} else if (since && time_parse_iso(since, &from) != 0) {
			fprintf(stderr, "stamprally: --since must be like 2026-04-01T00:00+09:00\n");
			rc = 2;
		} else {
			int n = limit ? atoi(limit) : 100;
			rc = audit_list(d, stdout, tid, flag_value(argc, argv, "--kind"), from, n > 0 ? n : 100) != 0;
		}
	}
	db_close(d);
	return rc;
}

/* stamprally retention run [--now ISO-TIME] */
static int cmd_retention(struct server *srv, int argc, char **argv)
{
	const config *c = &srv->cfg;
	const char *at = flag_value(argc, argv, "--now");
	int64_t now = time_now_ms();
	if (argc < 1 || strcmp(argv[0], "run") != 0 || (argc != 1 && !at) || (at && time_parse_iso(at, &now) != 0)) {
		fprintf(stderr, "usage: stamprally retention run [--now 2027-04-01T04:00+09:00] [--config FILE] [--data DIR]\n");
		return 2;
	}
	db *d = open_store(c, NULL, 0);
	if (!d)
		return 1;
	struct retention_result r;
	int rc = retention_run(c, d, now, &r);
	db_close(d);
	printf("{\"events_pruned\": %lld, \"rallies_cleared\": %lld, \"participants_cleared\": %lld, "
	       "\"logs_compressed\": %lld, \"logs_deleted\": %lld, \"mails_deleted\": %lld}\n",
	       (long long)r.events_pruned, (long long)r.rallies_cleared, (long long)r.participants_cleared,
	       (long long)r.logs_compressed, (long long)r.logs_deleted, (long long)r.mails_deleted);
	return rc == 0 ? 0 : 1;
}

/* stamprally maintenance on [--until T] [--message-ja T] [--message-en T] | off | status */
static int cmd_maintenance(struct server *srv, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "";
	const char *until = flag_value(argc, argv, "--until"), *ja = flag_value(argc, argv, "--message-ja"),
		   *en = flag_value(argc, argv, "--message-en");
	struct maintenance m = {.active = strcmp(sub, "on") == 0};
	int64_t now = time_now_ms();
	int ok = m.active || ((strcmp(sub, "off") == 0 || strcmp(sub, "status") == 0) && argc == 1);
	if (ok && until && time_parse_iso(until, &m.until) != 0)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "usage: stamprally maintenance on [--until 2026-12-01T15:00+09:00] [--message-ja TEXT] "
				"[--message-en TEXT]\n       stamprally maintenance off | status\n");
		return 2;
	}
	if (m.active && m.until && m.until <= now) {
		fprintf(stderr, "stamprally: --until is in the past\n");
		return 2;
	}
	const char *texts[2] = {ja ? ja : "", en ? en : ""};
	for (int i = 0; i < 2; i++)
		if (!utf8_text(texts[i], 0, MAINTENANCE_MESSAGE_MAX)) {
			fprintf(stderr, "stamprally: a message must be printable UTF-8 text of at most %d characters\n",
				MAINTENANCE_MESSAGE_MAX);
			return 2;
		}
	snprintf(m.ja, sizeof m.ja, "%s", texts[0]);
	snprintf(m.en, sizeof m.en, "%s", texts[1]);
	db *d = open_store(&srv->cfg, NULL, 0);
	if (!d)
		return 1;
	int rc = 0;
	if (strcmp(sub, "status") == 0)
		rc = maintenance_load(d, &m);
	else
		rc = maintenance_set(d, &m, now);
	db_close(d);
	if (rc != 0) {
		fprintf(stderr, "stamprally: maintenance: the database failed\n");
		return 1;
	}
	char when[40] = "";
	if (m.until)
		time_format_iso_jst(m.until, when, sizeof when);
	json_t *o = json_pack("{s:b, s:s?, s:s, s:s}", "on", m.active && (!m.until || now < m.until), "until",
			      m.until ? when : NULL, "message_ja", m.ja, "message_en", m.en);
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
	return 0;
}

/* Who runs this command, for the security events: --by NAME, or the
 * command line's user. */
static const char *command_actor(int argc, char **argv, char *out, size_t n)
{
	const char *by = flag_value(argc, argv, "--by");
	const char *user = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
	snprintf(out, n, "%.100s (command line)", by ? by : user ? user : "unknown");
	return out;
}

/* stamprally tenant purge SLUG --reason TEXT --confirm SLUG [--by WHO] [--out FILE]: erase the
 * tenant for good (ops/erasure.h) and print its signed certificate. */
static int cmd_purge(struct server *srv, int argc, char **argv)
{
	const config *c = &srv->cfg;
	const char *slug = argc > 1 ? argv[1] : NULL, *reason = flag_value(argc, argv, "--reason"),
		   *confirm = flag_value(argc, argv, "--confirm"), *outfile = flag_value(argc, argv, "--out");
	if (!slug || !reason || !confirm) {
		fprintf(stderr, "usage: stamprally tenant purge SLUG --reason TEXT --confirm SLUG [--by WHO] [--out FILE]\n"
				"  deletes every row of the tenant, scrubs every backup, and prints the signed erasure certificate\n");
		return 2;
	}
	if (strcmp(slug, confirm) != 0 || !utf8_text(reason, 1, 500)) {
		fprintf(stderr, "stamprally: %s\n", strcmp(slug, confirm) != 0 ? "--confirm must repeat the tenant's slug"
									   : "the reason must be 1-500 printable characters");
		return 2;
	}
	db *d = open_store(c, NULL, 0);
	if (!d)
		return 1;
	/* with the directory to itself, the database is rebuilt (VACUUM) too */
	int offline = keyfile_lock(c->data_dir, 1) >= 0;
	char by[160], err[300] = "", *text = NULL;
	command_actor(argc, argv, by, sizeof by);
	int rc = erasure_run(c, d, slug, reason, by, offline, &text, err, sizeof err);
	db_close(d);
	if (rc == 0)
		fprintf(stderr, "stamprally: no tenant '%s'\n", slug);
	else if (rc < 0)
		fprintf(stderr, "stamprally: %s\n", err);
	FILE *out = text && outfile ? fopen(outfile, "we") : NULL;
	if (text)
		fputs(text, out ? out : stdout);
	if (out && fclose(out) != 0)
		rc = -1;
	if (rc > 0 && err[0])
		fprintf(stderr, "stamprally: %s\n", err);
	free(text);
	return rc > 0 ? 0 : 1;
}

/* stamprally operator create --login L | list | disable L | enable L | reset L [--by WHO]: the
 * people who run the service; a new or reset password is printed once. */
static int cmd_operator(struct server *srv, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "", *login = flag_value(argc, argv, "--login");
	int create = strcmp(sub, "create") == 0, list = strcmp(sub, "list") == 0, reset = strcmp(sub, "reset") == 0,
	    dis = strcmp(sub, "disable") == 0, en = strcmp(sub, "enable") == 0;
	if (!create && (reset || dis || en))
		login = argc > 1 ? argv[1] : NULL;
	if (!(create && login) && !list && !((reset || dis || en) && login)) {
		fprintf(stderr, "usage: stamprally operator create --login LOGIN [--by WHO] | list | disable LOGIN | enable LOGIN"
				" | reset LOGIN\n");
		return 2;
	}
	if (!list && !login_valid(login)) {
		fprintf(stderr, "stamprally: the login ID must be 3-64 of a-z 0-9 . _ @ -\n");
		return 2;
	}
	char by[160], pw[32], hash[256];
	command_actor(argc, argv, by, sizeof by);
	if ((create || reset) && (password_random(pw, sizeof pw), password_hash(pw, hash, sizeof hash) != 0))
		return 1; /* hashed before any transaction */
	db *d = open_store(&srv->cfg, NULL, 0);
	if (!d)
		return 1;
	arena a = {0};
	struct op o = {0}, *all;
	int64_t now = time_now_ms();
	int rc = 0, found = list ? 1 : operator_by_login(d, &a, login, &o);
	if (list) {
		int n = operator_list(d, &a, &all);
		for (int i = 0; i < n; i++)
			printf("{\"login\": \"%s\", \"disabled\": %s, \"totp\": %s, \"created_by\": \"%s\"}\n", all[i].login,
			       all[i].disabled_at ? "true" : "false", all[i].totp_enabled_at ? "true" : "false", all[i].created_by);
		rc = n < 0;
	} else if (create && found) {
		fprintf(stderr, "stamprally: that operator login ID is taken\n");
		rc = 1;
	} else if (!create && found != 1) {
		fprintf(stderr, "stamprally: no operator '%s'\n", login);
		rc = 1;
	} else if (db_begin(d) == 0) {
		const char *kind = create ? "operator_created" : reset ? "operator_reset" : dis ? "operator_disabled" : "operator_enabled";
		int ok = create  ? operator_insert(d, login, hash, by, now) > 0
			 : reset ? operator_reset(d, o.id, hash, now) == 0
				 : operator_set_disabled(d, o.id, dis, now) == 0;
		ok = ok && security_event_json(d, 0, 0, kind, json_pack("{s:s, s:s}", "operator", login, "by", by), now) == 0;
		rc = ok && db_commit(d) == 0 ? 0 : 1;
		if (rc)
			db_rollback(d);
		if (rc == 0 && (create || reset))
			printf("{\"operator\": \"%s\", \"password\": \"%s\"}\n", login, pw);
	} else {
		rc = 1;
	}
	sodium_memzero(pw, sizeof pw);
	arena_free(&a);
	db_close(d);
	return rc;
}

/* stamprally certificate verify FILE [--pubkey KEY] | pubkey | list | show ID */
static int cmd_certificate(struct server *srv, int argc, char **argv)
{
	const config *c = &srv->cfg;
	const char *sub = argc > 0 ? argv[0] : "", *arg = argc > 1 ? argv[1] : NULL, *pub = flag_value(argc, argv, "--pubkey");
	unsigned char pk[32];
	size_t n = 0;
	if (!(strcmp(sub, "verify") == 0 && arg) && strcmp(sub, "pubkey") && strcmp(sub, "list") &&
	    !(strcmp(sub, "show") == 0 && arg)) {
		fprintf(stderr, "usage: stamprally certificate verify FILE [--pubkey BASE64] | pubkey | list | show ID\n");
		return 2;
	}
	if (pub && (sodium_base642bin(pk, sizeof pk, pub, strlen(pub), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    n != sizeof pk)) {
		fprintf(stderr, "stamprally: --pubkey must be the 32-byte key in base64, as `stamprally certificate pubkey` prints it\n");
		return 2;
	}
	if (!pub && (strcmp(sub, "verify") == 0 || strcmp(sub, "pubkey") == 0) &&
	    audit_init(c->audit_key_file, c->audit_file, 0) != 0) {
		fprintf(stderr, "stamprally: the service's signing key %s is missing: give --pubkey\n", c->audit_key_file);
		return 1;
	}
	if (strcmp(sub, "pubkey") == 0) {
		char b64[64];
		audit_pubkey(b64, sizeof b64);
		printf("%s\n", b64);
		return 0;
	}
	if (strcmp(sub, "verify") == 0) {
		FILE *f = fopen(arg, "re");
		char *text = NULL, why[300];
		size_t len = 0;
		FILE *mem = f ? open_memstream(&text, &len) : NULL;
		for (int ch; mem && len < 1 << 20 && (ch = fgetc(f)) != EOF;)
			fputc(ch, mem);
		if (mem)
			fclose(mem);
		if (f)
			fclose(f);
		json_t *body = NULL;
		int rc = text ? certificate_verify(text, len, pub ? pk : NULL, &body, why, sizeof why) : -1;
		if (rc == 0)
			printf("good: erasure certificate %s for tenant %s, issued %s\n",
			       json_string_value(json_object_get(body, "id")),
			       json_string_value(json_object_get(json_object_get(body, "tenant"), "slug")),
			       json_string_value(json_object_get(body, "issued_at")));
		else
			fprintf(stderr, "stamprally: %s: %s\n", arg, text ? why : "cannot read it");
		json_decref(body);
		free(text);
		return rc == 0 ? 0 : 3;
	}
	db *d = open_store(c, NULL, OPEN_NO_NEW_KEYS);
	if (!d)
		return 1;
	int rc = 0;
	if (strcmp(sub, "list") == 0) {
		rc = erasure_list(d, stdout) == 0 ? 0 : 1;
	} else {
		char *doc = erasure_document(d, arg);
		if (doc)
			fputs(doc, stdout);
		else
			fprintf(stderr, "stamprally: no certificate '%s'\n", arg);
		rc = doc ? 0 : 1;
		free(doc);
	}
	db_close(d);
	return rc;
}

/* stamprally tenant list | create SLUG --name NAME --owner LOGIN | suspend SLUG --reason TEXT | resume SLUG
 * | quota SLUG [--rallies N] [--participants N] [--storage-mb N] */
static int cmd_tenant(struct server *srv, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "", *slug = argc > 1 ? argv[1] : NULL;
	if (strcmp(sub, "purge") == 0)
		return cmd_purge(srv, argc, argv);
	const char *name = flag_value(argc, argv, "--name"), *owner = flag_value(argc, argv, "--owner"),
		   *reason = flag_value(argc, argv, "--reason");
	int list = strcmp(sub, "list") == 0, create = strcmp(sub, "create") == 0, suspend = strcmp(sub, "suspend") == 0,
	    resume = strcmp(sub, "resume") == 0, quota = strcmp(sub, "quota") == 0;
	int64_t q[3] = {-1, -1, -1};
	static const char *const qflags[3] = {"--rallies", "--participants", "--storage-mb"};
	for (int i = 0; quota && i < 3; i++) {
		const char *v = flag_value(argc, argv, qflags[i]);
		char *end = NULL;
		if (v && ((q[i] = strtoll(v, &end, 10)) < 0 || *end || end == v || q[i] > 100000000))
			quota = -1; /* bad */
	}
	if (quota > 0 && q[2] > 0)
		q[2] *= 1024 * 1024;
	if (!(list && argc == 1) && !(create && slug && name && owner) && !(suspend && slug && reason) && !(resume && slug) &&
	    !(quota > 0 && slug)) {
		fprintf(stderr, "usage: stamprally tenant list\n"
				"       stamprally tenant create SLUG --name NAME --owner LOGIN [--by WHO]\n"
				"       stamprally tenant suspend SLUG --reason TEXT [--by WHO]\n"
				"       stamprally tenant resume SLUG [--by WHO]\n"
				"       stamprally tenant quota SLUG [--rallies N] [--participants N] [--storage-mb N] [--by WHO]"
				"   (0: no limit)\n"
				"       stamprally tenant purge SLUG --reason TEXT --confirm SLUG [--by WHO] [--out FILE]\n");
		return 2;
	}
	if (create && (!rally_slug_valid(slug) || !login_valid(owner) || !utf8_text(name, 1, 200))) {
		fprintf(stderr, "stamprally: the slug must be 1-64 of a-z 0-9 -, the name 1-200 printable characters, the "
				"owner's login 3-64 of a-z 0-9 . _ @ -\n");
		return 2;
	}
	if (suspend && !utf8_text(reason, 1, 500)) {
		fprintf(stderr, "stamprally: the reason must be 1-500 printable characters\n");
		return 2;
	}
	db *d = open_store(&srv->cfg, NULL, 0);
	if (!d)
		return 1;
	char by[160], pw[32];
	command_actor(argc, argv, by, sizeof by);
	int64_t now = time_now_ms(), rc;
	if (list) {
		rc = tenant_list(d, stdout);
		db_close(d);
		return rc == 0 ? 0 : 1;
	}
	if (create) {
		/* the password is hashed before the write transaction (argon2id never under the write lock) */
		char hash[256];
		password_random(pw, sizeof pw);
		int hashed = password_hash(pw, hash, sizeof hash) == 0;
		/* the tenant and its owner together, or neither */
		int64_t tid = hashed && db_begin(d) == 0 ? tenant_create(d, slug, name, by, now) : -1;
		int64_t aid = tid > 0 ? account_insert(d, tid, owner, "owner", hash, now) : -1;
		if (aid > 0 && (security_event(d, tid, aid, "account_created", "", "{\"by\":\"command line\",\"role\":\"owner\"}",
					       now) != 0 || db_commit(d) != 0))
			aid = -1;
		if (aid <= 0 && db_in_write(d))
			db_rollback(d);
		db_close(d);
		if (tid == 0 || aid == 0) {
			fprintf(stderr, "stamprally: %s\n", tid == 0 ? "that tenant slug is taken" : "that login ID is taken");
			return 1;
		}
		if (tid < 0 || aid < 0) {
			fprintf(stderr, "stamprally: cannot create the tenant\n");
			return 1;
		}
		printf("{\"tenant\": \"%s\", \"owner\": \"%s\", \"password\": \"%s\"}\n", slug, owner, pw);
		sodium_memzero(pw, sizeof pw);
		return 0;
	}
	if (quota) {
		rc = tenant_set_quota(d, slug, q[0], q[1], q[2], by, now);
		if (rc == 1)
			tenant_list(d, stdout);
		db_close(d);
		if (rc != 1)
			fprintf(stderr, "stamprally: %s\n", rc == 0 ? "no such tenant" : "the database failed");
		return rc == 1 ? 0 : 1;
	}
	rc = suspend ? tenant_suspend(d, slug, reason, by, now) : tenant_resume(d, slug, by, now);
	db_close(d);
	if (rc == 0) {
		fprintf(stderr, "stamprally: no tenant '%s' that is %s\n", slug, suspend ? "active" : "suspended");
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "stamprally: the database failed\n");
		return 1;
	}
	printf("{\"tenant\": \"%s\", \"suspended\": %s}\n", slug, suspend ? "true" : "false");
	return 0;
}

/* stamprally announce create --kind K --from T --to T --ja TEXT [--en TEXT] [--participants]
 * [--urgent] [--tenant SLUG ...] | list | close ID */
static int cmd_announce(struct server *srv, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "";
	struct announcement a = {0};
	const char *slugs[ANNOUNCE_TENANTS_MAX + 1];
	int n = 0, bad = 0;
	const char *from = flag_value(argc, argv, "--from"), *to = flag_value(argc, argv, "--to");
	const char *kind = flag_value(argc, argv, "--kind"), *ja = flag_value(argc, argv, "--ja"), *en = flag_value(argc, argv, "--en");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--participants") == 0)
			a.participants = 1;
		else if (strcmp(argv[i], "--urgent") == 0)
			a.urgent = 1;
		else if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc && n <= ANNOUNCE_TENANTS_MAX)
			slugs[n++] = argv[++i];
	}
	int create = strcmp(sub, "create") == 0;
	if (create && (!kind || !from || !to || !ja || time_parse_iso(from, &a.starts_at) != 0 ||
		       time_parse_iso(to, &a.ends_at) != 0 || strlen(kind) >= sizeof a.kind || strlen(ja) >= sizeof a.ja ||
		       (en && strlen(en) >= sizeof a.en)))
		bad = 1;
	int remind = strcmp(sub, "remind") == 0;
	const char *at = flag_value(argc, argv, "--now");
	int64_t now = time_now_ms();
	if (remind && at && time_parse_iso(at, &now) != 0)
		bad = 1;
	if (bad || !(create || remind || (strcmp(sub, "list") == 0 && argc == 1) || (strcmp(sub, "close") == 0 && argc >= 2))) {
		fprintf(stderr, "usage: stamprally announce create --kind maintenance|incident|change|end_of_service\n"
				"         --from 2026-12-10T01:00+09:00 --to 2026-12-10T05:00+09:00 --ja TEXT [--en TEXT]\n"
				"         [--participants] [--urgent] [--tenant SLUG ...] [--by WHO]\n"
				"       stamprally announce list | close ID | remind [--now ISO-TIME]\n");
		return 2;
	}
	db *d = open_store(&srv->cfg, NULL, 0);
	if (!d || load_secret(srv) != 0) /* the data key opens the addresses its e-mail goes to */
		return 1;
	char by[160], err[300] = "";
	command_actor(argc, argv, by, sizeof by);
	int rc;
	if (create) {
		snprintf(a.kind, sizeof a.kind, "%s", kind);
		snprintf(a.ja, sizeof a.ja, "%s", ja);
		snprintf(a.en, sizeof a.en, "%s", en ? en : "");
		rc = announce_create(d, &a, slugs, n, by, time_now_ms(), err, sizeof err);
		if (rc == 1)
			printf("%s\n", a.public_id);
	} else if (strcmp(sub, "list") == 0) {
		rc = announce_list(d, stdout) == 0 ? 1 : -1;
	} else if (remind) {
		int k = mail_reminders_due(d, now); /* what the server's mailer does every two seconds */
		if (k >= 0)
			printf("{\"reminded\": %d}\n", k);
		rc = k >= 0 ? 1 : -1;
	} else {
		rc = announce_close(d, argv[1], by, time_now_ms());
		if (rc == 0)
			snprintf(err, sizeof err, "no open announcement '%.64s'", argv[1]);
	}
	db_close(d);
	if (rc == 0)
		fprintf(stderr, "stamprally: %s\n", err);
	else if (rc < 0)
		fprintf(stderr, "stamprally: the database failed\n");
	return rc == 1 ? 0 : rc == 0 ? 2 : 1;
}

/* stamprally disclosure [--lang ja|en] */
static int cmd_disclosure(struct server *srv, int argc, char **argv)
{
	const char *lang = flag_value(argc, argv, "--lang");
	if ((argc != 0 && argc != 2) || (argc == 2 && (!lang || (strcmp(lang, "ja") && strcmp(lang, "en"))))) {
		fprintf(stderr, "usage: stamprally disclosure [--lang ja|en] [--config FILE] [--data DIR]\n");
		return 2;
	}
	db *d = open_store(&srv->cfg, NULL, 0);
	if (!d)
		return 1;
	int rc = disclosure_print(&srv->cfg, d, stdout, lang && strcmp(lang, "en") == 0);
	db_close(d);
	return rc == 0 ? 0 : 1;
}

static void describe_key(const char *key, const char *def, const char *doc, void *ud)
{
	(void)ud;
	/* a default with spaces in quotes, so the columns stay readable */
	printf(strchr(def, ' ') ? "%-32s \"%s\" %s\n" : "%-32s %-16s %s\n", key, *def ? def : "\"\"", doc);
}

static int cmd_config(struct server *srv, int argc, char **argv)
{
	(void)srv, (void)argc, (void)argv;
	printf("%-32s %-16s %s\n", "KEY", "DEFAULT", "MEANING");
	config_describe(describe_key, NULL);
	return 0;
}

static int cmd_version(struct server *srv, int argc, char **argv)
{
	(void)srv;
	printf("stamprally %s\n", STAMPRALLY_VERSION);
	if (argc > 0 && strcmp(argv[0], "--deps") == 0)
		printf("libmicrohttpd %s\nsqlite %s\nlibpq %s\nlibsodium %s\njansson %s\nlibcurl %s\nlibqrencode %s\nlibzstd %s\n"
		       "gnutls %s\nlibsystemd %s\nlibunistring %d.%d.%d\n",
		       MHD_get_version(), db_version_of("sqlite"), db_version_of("postgres"), sodium_version_string(), jansson_version_str(),
		       curl_version_info(CURLVERSION_NOW)->version, QRcode_APIVersionString(), ZSTD_versionString(),
		       gnutls_check_version(NULL), LIBSYSTEMD_VERSION, _libunistring_version >> 16, (_libunistring_version >> 8) & 0xff,
		       _libunistring_version & 0xff);
	return 0;
}

/* `routes [--json]`: the route table, for people and for the role-matrix test. */
static int cmd_routes(struct server *srv, int argc, char **argv)
{
	(void)srv;
	int json = argc > 0 && strcmp(argv[0], "--json") == 0;
	if (argc > json) {
		fprintf(stderr, "usage: stamprally routes [--json]\n");
		return 2;
	}
	web_routes_print(stdout, json);
	return 0;
}

static const struct cmd cmds[] = {
	{"serve", cmd_serve, "serve [--config FILE] [--data DIR] [--listen ADDR:PORT]",
	 "Run the web service. Applies migrations and, on an empty database, seeds the demo rally."},
	{"migrate", cmd_migrate, "migrate [--config FILE] [--data DIR]", "Apply pending schema migrations."},
	{"demo", cmd_demo, "demo [--config FILE] [--data DIR]",
	 "Seed the demo tenant and its Japanese demo rally (idempotent); prints the spots' QR URLs as JSON."},
	{"rally", cmd_rally, "rally import FILE.json [--config FILE] [--data DIR]",
	 "Create or update a rally and its spots from FILE.json (docs/import-format.md); prints the QR URLs as JSON."},
	{"user", cmd_user, "user create --tenant T --login L --role R [--config FILE] [--data DIR]",
	 "Create a staff account and print its random initial password (e.g. a tenant's first owner)."},
	{"key", cmd_key, "key rotate [--config FILE] [--data DIR]",
	 "Rotate the data key: re-seal every encrypted value (personal data, secrets) under a new key. Stop the service first."},
	{"copy-db", cmd_copy_db, "copy-db --to POSTGRES-URL [--config FILE] [--data DIR]",
	 "Copy the SQLite database into an empty PostgreSQL database (as its owner), the service stopped."},
	{"backup", cmd_backup, "backup now | list | verify FILE | restore FILE [--config FILE] [--data DIR]",
	 "Make an encrypted backup now, list them, check one completely, or restore one (the server stopped)."},
	{"audit", cmd_audit, "audit verify [--pubkey KEY] | pubkey | checkpoint | list [--tenant SLUG] [--kind K] [--since T] [--limit N]",
	 "Check the security event log's hash chain and signed checkpoints; print the public key; sign the head now; list events."},
	{"retention", cmd_retention, "retention run [--now ISO-TIME] [--config FILE] [--data DIR]",
	 "Purge what is past its retention period now (or as of --now): security events, access logs, personal data."},
	{"tenant", cmd_tenant, "tenant list | create SLUG --name NAME --owner LOGIN | suspend SLUG --reason TEXT | resume SLUG | "
	 "quota SLUG [--rallies N] [--participants N] [--storage-mb N] | purge SLUG --reason TEXT --confirm SLUG [--by WHO]",
	 "The operator's tenants: list with usage, create with a first owner (password printed once), suspend (read-only, participants see a notice), resume, quotas, purge for good with a signed erasure certificate."},
	{"operator", cmd_operator, "operator create --login LOGIN [--by WHO] | list | disable LOGIN | enable LOGIN | reset LOGIN",
	 "The operators of the service (the /ops console, always with TOTP): create or reset (a random password printed once), list, disable (every session ends), enable."},
	{"certificate", cmd_certificate, "certificate verify FILE [--pubkey KEY] | pubkey | list | show ID",
	 "Erasure certificates: check one offline, print the service's public key, list those issued, print one."},
	{"announce", cmd_announce, "announce create --kind K --from T --to T --ja TEXT [--en TEXT] [--participants] [--urgent] [--tenant SLUG ...] | list | close ID | remind [--now T]",
	 "Announcements: a banner on the console (and participant pages) while current, on /status, and by e-mail to the tenants' owners and admins; maintenance at least 7 days ahead, reminded the day before."},
	{"maintenance", cmd_maintenance, "maintenance on [--until ISO-TIME] [--message-ja TEXT] [--message-en TEXT] | off | status",
	 "Planned maintenance: pages and the API answer 503 with the message (every node within a second); health and metrics stay up."},
	{"disclosure", cmd_disclosure, "disclosure [--lang ja|en] [--config FILE] [--data DIR]",
	 "Print the answers of the MIC disclosure checksheet this deployment determines (blanks for the operator)."},
	{"config", cmd_config, "config", "List every configuration key with its default."},
	{"routes", cmd_routes, "routes [--json]",
	 "Print the route table: method, pattern, unit of work (read/write/writer/none), access, permissions, body limit."},
	{"version", cmd_version, "version [--deps]", "Print the version (and the linked libraries' versions)."},
};

#define NCMDS (sizeof cmds / sizeof cmds[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: stamprally COMMAND [FLAGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nstamprally COMMAND --help shows a command's flags.\n");
}

/* Pull the common flags out of argv (compacting it); apply config sources in
 * order: defaults, file, environment, flags. */
static int build_config(config *c, int *argc, char **argv)
{
	const char *file = getenv("STAMPRALLY_CONFIG"), *data = NULL, *listen = NULL;
	int out = 0;
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--config") == 0 || strcmp(a, "--data") == 0 || strcmp(a, "--listen") == 0)) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "stamprally: %s needs a value\n", a);
				return -1;
			}
			const char *v = argv[++i];
			*(a[2] == 'c' ? &file : a[2] == 'd' ? &data : &listen) = v;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	char err[256];
	config_defaults(c);
	if ((file && config_load_file(c, file, err, sizeof err) != 0) || config_load_env(c, environ, err, sizeof err) != 0 ||
	    (data && config_set(c, "store.data_dir", data, err, sizeof err) != 0) ||
	    (listen && config_set(c, "server.listen", listen, err, sizeof err) != 0)) {
		fprintf(stderr, "stamprally: %s\n", err);
		return -1;
	}
	config_finish(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const struct cmd *cmd = NULL;
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			cmd = &cmds[i];
	if (!cmd) {
		fprintf(stderr, "stamprally: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: stamprally %s\n\n%s\n\n%s", cmd->usage, cmd->help,
			       strcmp(cmd->name, "version") && strcmp(cmd->name, "config") && strcmp(cmd->name, "routes") ? COMMON_FLAGS : "");
			if (strcmp(cmd->name, "serve") == 0)
				printf("  --listen ADDR:PORT  address to listen on (default 127.0.0.1:8080)\n");
			return 0;
		}
	static struct server srv;
	int n = argc - 2;
	/* A file grown past RLIMIT_FSIZE is a failed write (EFBIG, reported
	 * like a full disk), not a dead process. */
	signal(SIGXFSZ, SIG_IGN);
	jsonmem_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (token_init() != 0 || build_config(&srv.cfg, &n, argv + 2) != 0 || assets_init(srv.cfg.assets_dir) != 0)
		return 1;
	char err[300];
	if (mail_check(&srv.cfg, err, sizeof err) != 0) {
		fprintf(stderr, "stamprally: %s\n", err);
		return 1;
	}
	mail_configure(&srv.cfg);
	return cmd->run(&srv, n, argv + 2);
}
