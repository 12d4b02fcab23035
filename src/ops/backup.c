/*
 * backup.c — see backup.h.
 *
 * The archive inside the vault is a sequence of members, each 'M', a
 * 2-byte name length, the name, an 8-byte size and the bytes (integers big
 * endian), ended by 'E'. Only the names in members[] are accepted, and
 * PG_DUMP in the database's place: on PostgreSQL the copy is pg_dump's
 * custom format (ops/pgtool.h) instead of a SQLite file.
 */
#include "ops/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/account.h"
#include "lib/keyfile.h"
#include "lib/jsonmem.h"
#include "lib/metrics.h"
#include "lib/timeutil.h"
#include "lib/vault.h"
#include "ops/pgtool.h"
#include "store/migrate.h"
#include "store/writer.h"

#ifndef STAMPRALLY_VERSION
#define STAMPRALLY_VERSION "0.1.0"
#endif

#define PATHSZ 4200
#define COPY_TIMEOUT_S (30 * 60)

enum member { M_DB, M_DATA_KEY, M_SECRET_KEY, M_AUDIT_KEY, M_AUDIT_FILE, M_NMEMBERS };
static const char *const members[M_NMEMBERS] = {"stamprally.db", "data.key", "secret.key", "audit-signing.key",
						"audit-checkpoints.log"};
#define PG_DUMP "stamprally.pgdump"

/* Whether this process runs on PostgreSQL (its backups are pg_dumps). */
static int on_pg(void)
{
	return strcmp(db_backend(), "postgres") == 0;
}

/* Where member m lives in the data directory (per the configuration). */
static const char *member_path(const config *c, enum member m)
{
	switch (m) {
	case M_DB: return c->database;
	case M_DATA_KEY: return c->data_key_file;
	case M_SECRET_KEY: return c->secret_key_file;
	case M_AUDIT_KEY: return c->audit_key_file;
	default: return c->audit_file;
	}
}

/* ---- small file helpers ---- */

static void say(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One JSON log line on stderr: {"level":..,"msg":..}. */
static void say(const char *level, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *o = json_pack("{s:s, s:s}", "level", level, "msg", msg);
	char *s = o ? json_heap_text(o, JSON_COMPACT) : NULL;
	fprintf(stderr, "%s\n", s ? s : msg);
	free(s);
	json_decref(o);
}

/* Write text to path atomically: a temp file, synced, renamed, directory
 * synced. 0 or -1. */
static int write_atomic(const char *path, const char *text)
{
	char tmp[PATHSZ];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t n = strlen(text);
	int ok = fd >= 0 && write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, path) == 0) {
		keyfile_sync_dir(path);
		return 0;
	}
	unlink(tmp);
	return -1;
}

/* The whole file at path into a new heap buffer (caller frees), at most max bytes. */
static unsigned char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return NULL;
	unsigned char *b = malloc(max + 1);
	*len = b ? fread(b, 1, max + 1, f) : 0;
	fclose(f);
	if (b && *len > max) {
		free(b);
		return NULL;
	}
	return b;
}

/* Delete a database file and the files SQLite keeps beside it. */
static void unlink_db(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		char p[PATHSZ + 16];
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
}

/* ---- the archive ---- */

static void be(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static int member_head(vault *v, const char *name, uint64_t size)
{
	unsigned char h[3];
	size_t n = strlen(name);
	h[0] = 'M';
	be(h + 1, n, 2);
	unsigned char sz[8];
	be(sz, size, 8);
	return vault_write(v, h, 3) == 0 && vault_write(v, name, n) == 0 && vault_write(v, sz, 8) == 0 ? 0 : -1;
}

static int member_bytes(vault *v, const char *name, const void *p, size_t n)
{
	return member_head(v, name, n) == 0 && vault_write(v, p, n) == 0 ? 0 : -1;
}

/* Stream the file at path into the archive, hashing it into sha (BLAKE2b). */
static int member_file(vault *v, const char *name, const char *path, unsigned char sha[32])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || member_head(v, name, (uint64_t)st.st_size) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	static _Thread_local unsigned char b[1 << 16];
	off_t left = st.st_size;
	int rc = 0;
	while (rc == 0 && left > 0) {
		ssize_t r = read(fd, b, left < (off_t)sizeof b ? (size_t)left : sizeof b);
		if (r <= 0)
			rc = -1;
		else {
			crypto_generichash_update(&h, b, (size_t)r);
			rc = vault_write(v, b, (size_t)r);
			left -= r;
		}
	}
	close(fd);
	crypto_generichash_final(&h, sha, 32);
	return rc;
}

/* ---- names, manifests ---- */

/* Whether name is NAME.srbk as backup_run makes them. */
static int is_backup_name(const char *name)
{
	size_t n = strlen(name);
	return strncmp(name, "stamprally-", 11) == 0 && n > 16 && strcmp(name + n - 5, ".srbk") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The backup files in dir, sorted oldest first (names carry the time);
 * a heap array of heap strings, *n of them. */
static char **list_backups(const char *dir, size_t *n)
{
	DIR *dp = opendir(dir);
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	struct dirent *e;
	while (dp && (e = readdir(dp))) {
		if (!is_backup_name(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			char **nv = realloc(v, cap * sizeof *v);
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = strdup(e->d_name);
	}
	if (dp)
		closedir(dp);
	if (*n)
		qsort(v, *n, sizeof *v, by_name);
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The manifest's path for a backup file's path: .srbk → .json. */
static void manifest_path(const char *file, char *out, size_t n)
{
	size_t len = strlen(file);
	if (len > 5 && strcmp(file + len - 5, ".srbk") == 0)
		snprintf(out, n, "%.*s.json", (int)(len - 5), file);
	else
		snprintf(out, n, "%s.json", file);
}

static void count_into(const char *table, int64_t rows, void *ud)
{
	json_object_set_new(ud, table, json_integer(rows));
}

/* Check a pg_dump file: read completely, schema version as check_copy. */
static int check_dump(const char *path, int any_schema, json_t **tables, int *schema, char *err, size_t errsz)
{
	char why[400] = "";
	if (pgtool_count(path, tables, schema, why, sizeof why) != 0) {
		snprintf(err, errsz, "the database dump cannot be read: %.300s", why);
		return -1;
	}
	if (*schema > migrate_latest() && !any_schema) {
		snprintf(err, errsz, "the backup has schema version %d, newer than this stamprally's %d: restore it with "
				     "the version that made it", *schema, migrate_latest());
		return -1;
	}
	return 0;
}

/* Check a database copy (a SQLite file, or a pg_dump when pg): integrity,
 * schema version (not newer than this binary, unless any_schema: a backup
 * is taken whatever it holds), table counts into a new JSON object
 * *tables. 0, or -1 with a message in err. */
static int check_copy(const char *path, int pg, int any_schema, json_t **tables, int *schema, char *err, size_t errsz)
{
	if (pg)
		return check_dump(path, any_schema, tables, schema, err, errsz);
	db *d = db_open_file(path, 0);
	char msg[256];
	*tables = json_object();
	int rc = -1;
	if (!d)
		snprintf(err, errsz, "the database copy cannot be opened");
	else if (db_integrity(d, msg, sizeof msg) != 0)
		snprintf(err, errsz, "the database copy fails its integrity check: %s", msg);
	else if ((*schema = (int)db_int1(d, -1, "SELECT max(version) FROM schema_migrations", NULL)) < 0)
		snprintf(err, errsz, "the database copy has no schema version");
	else if (*schema > migrate_latest() && !any_schema)
		snprintf(err, errsz, "the backup has schema version %d, newer than this stamprally's %d: restore it with "
				     "the version that made it", *schema, migrate_latest());
	else if (db_table_counts(d, count_into, *tables) != 0)
		snprintf(err, errsz, "the database copy cannot be counted");
	else
		rc = 0;
	db_close(d);
	return rc;
}

/* The checkpoint file as it may go with a database copy whose chain ends
 * at record last: lines for later records (written after the copy) are
 * left out. A heap string (caller frees). */
static char *checkpoints_upto(const char *path, int64_t last)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *out = NULL;
	size_t cap = 0, outlen = 0;
	FILE *mem = open_memstream(&out, &outlen);
	while (f && mem && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		if (!o || json_integer_value(json_object_get(o, "upto")) <= last)
			fputs(line, mem);
		json_decref(o);
	}
	free(line);
	if (f)
		fclose(f);
	if (mem)
		fclose(mem);
	return out;
}

/* The last record id the chain in database d vouches for (0 for NULL). */
static int64_t chain_end_of(db *d)
{
	return d ? db_int1(d, 0, "SELECT max(m) FROM (SELECT max(id) AS m FROM security_events UNION ALL"
				 " SELECT max(upto) FROM audit_checkpoints WHERE kind = 'pruned') AS ids", NULL)
		 : 0;
}

/* The same for a SQLite copy at path. */
static int64_t chain_end(const char *path)
{
	db *d = db_open_file(path, 0);
	int64_t last = chain_end_of(d);
	db_close(d);
	return last;
}

/* ---- making a backup ---- */

struct made {
	char name[64], file[PATHSZ], snap[PATHSZ], tmp[PATHSZ];
	json_t *tables;
	int schema;
	int pg;		   /* snap is a pg_dump */
	int64_t chain_end; /* the last audit record in snap: checkpoints beyond it stay out */
	unsigned char db_hash[32], sha[32];
	long long size;
	char key_hex[2 * VAULT_KEY_ID_LEN + 1];
};

/* The archive: the database copy, then the keys and checkpoints. The keys
 * come from the data directory, or from keys_dir (a backup unpacked there)
 * when not NULL. */
static int write_archive(const config *c, struct made *m, const unsigned char bkey[32], const unsigned char dkey[32],
			 const char *keys_dir, char *err, size_t errsz)
{
	vault *v = vault_create(m->tmp, bkey, err, errsz);
	if (!v)
		return -1;
	int rc = member_file(v, m->pg ? PG_DUMP : members[M_DB], m->snap, m->db_hash);
	rc = rc ? rc : member_bytes(v, members[M_DATA_KEY], dkey, 32);
	for (enum member k = M_SECRET_KEY; rc == 0 && k <= M_AUDIT_KEY; k++) {
		size_t n = 0;
		char from[PATHSZ];
		snprintf(from, sizeof from, "%.4000s/%s", keys_dir ? keys_dir : "", members[k]);
		unsigned char *b = slurp(keys_dir ? from : member_path(c, k), 32, &n);
		rc = b && n == 32 ? member_bytes(v, members[k], b, 32) : -1;
		if (b)
			sodium_memzero(b, n);
		free(b);
		if (rc)
			snprintf(err, errsz, "cannot read %.300s", member_path(c, k));
	}
	char *cps = rc ? NULL : checkpoints_upto(c->audit_file, m->chain_end);
	rc = rc ? rc : member_bytes(v, members[M_AUDIT_FILE], cps ? cps : "", cps ? strlen(cps) : 0);
	free(cps);
	if (rc == 0 && vault_write(v, "E", 1) == 0)
		return vault_finish(v, m->sha, &m->size, err, errsz);
	if (!err[0])
		snprintf(err, errsz, "%s", vault_error(v));
	vault_close(v);
	return -1;
}

static int read_exact(vault *v, void *p, size_t n)
{
	unsigned char *b = p;
	while (n) {
		ssize_t r = vault_read(v, b, n);
		if (r <= 0)
			return -1;
		b += r, n -= (size_t)r;
	}
	return 0;
}

/* Read an archive: each member is written into dir (when not NULL) under
 * its name, and the database member hashed into db_hash. 0, or -1 with a
 * message in err. */
static int read_archive(const char *file, const unsigned char bkey[32], const char *dir, unsigned char db_hash[32],
			char *err, size_t errsz)
{
	vault *v = vault_open(file, bkey, err, errsz);
	if (!v)
		return -1;
	int seen = 0, rc = 0;
	static _Thread_local unsigned char b[1 << 16];
	for (;;) {
		unsigned char tag, h[10];
		char name[80];
		if (read_exact(v, &tag, 1) != 0 || (tag != 'M' && tag != 'E')) {
			rc = -1;
			break;
		}
		if (tag == 'E') {
			rc = vault_read(v, b, 1) == 0 ? 0 : -1; /* nothing after the end, and the stream intact */
			break;
		}
		if (read_exact(v, h, 2) != 0 || (size_t)(h[0] << 8 | h[1]) >= sizeof name ||
		    read_exact(v, name, (size_t)(h[0] << 8 | h[1])) != 0 || read_exact(v, h + 2, 8) != 0) {
			rc = -1;
			break;
		}
		name[h[0] << 8 | h[1]] = '\0';
		uint64_t size = 0;
		for (int i = 2; i < 10; i++)
			size = size << 8 | h[i];
		int k = -1;
		for (int i = 0; i < M_NMEMBERS; i++)
			if (strcmp(name, members[i]) == 0 || (i == M_DB && strcmp(name, PG_DUMP) == 0))
				k = i;
		if (k < 0 || (seen & 1 << k) || (k != M_DB && k != M_AUDIT_FILE && size != 32)) {
			snprintf(err, errsz, "%s: unexpected member '%.60s'", file, name);
			vault_close(v);
			return -1;
		}
		seen |= 1 << k;
		int fd = -1;
		char path[PATHSZ];
		if (dir) {
			snprintf(path, sizeof path, "%s/%s", dir, name);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			if (fd < 0) {
				snprintf(err, errsz, "cannot create %.200s: %s", path, strerror(errno));
				vault_close(v);
				return -1;
			}
		}
		crypto_generichash_state hs;
		crypto_generichash_init(&hs, NULL, 0, 32);
		while (rc == 0 && size > 0) {
			size_t want = size < sizeof b ? (size_t)size : sizeof b;
			rc = read_exact(v, b, want);
			if (rc == 0 && fd >= 0 && write(fd, b, want) != (ssize_t)want) {
				snprintf(err, errsz, "cannot write %.200s: %s", path, strerror(errno));
				rc = -2;
			}
			crypto_generichash_update(&hs, b, want);
			size -= want;
		}
		if (fd >= 0 && (fsync(fd) != 0 || close(fd) != 0) && rc == 0) {
			snprintf(err, errsz, "cannot write %.200s: %s", path, strerror(errno));
			rc = -2;
		}
		if (k == M_DB)
			crypto_generichash_final(&hs, db_hash, 32);
		if (rc)
			break;
	}
	if (rc == -1)
		snprintf(err, errsz, "%s: %s", file, vault_error(v)[0] ? vault_error(v) : "the archive is damaged");
	if (rc == 0 && (seen & 0x1f) != 0x1f) {
		snprintf(err, errsz, "%s: the archive lacks members", file);
		rc = -1;
	}
	vault_close(v);
	return rc ? -1 : 0;
}

/* The manifest as JSON text (heap; caller frees). now: when the backup
 * was made; scrubbed: what was erased from it since (NULL: nothing). */
static char *manifest_text(const struct made *m, int64_t now, json_t *scrubbed)
{
	char when[40], sha[65], dbh[65];
	time_format_iso_jst(now, when, sizeof when);
	sodium_bin2hex(sha, sizeof sha, m->sha, 32);
	sodium_bin2hex(dbh, sizeof dbh, m->db_hash, 32);
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:O, s:s, s:i, s:s}", "file", m->name, "created_at", when,
			      "created_ms", (json_int_t)now, "size", (json_int_t)m->size, "sha256", sha, "db_blake2b", dbh,
			      "tables", m->tables, "key_id", m->key_hex, "schema_version", m->schema, "stamprally",
			      STAMPRALLY_VERSION);
	if (o)
		json_object_set_new(o, "format", json_string(m->pg ? "pg_dump" : "sqlite"));
	if (o && scrubbed)
		json_object_set(o, "scrubbed", scrubbed);
	char *s = o ? json_heap_text(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	return s;
}

/* Delete the oldest backups beyond keep (the newest, just verified, stays). */
static void prune_generations(const config *c)
{
	size_t n;
	char **v = list_backups(c->backup_dir, &n);
	for (size_t i = 0; n > (size_t)c->backup_keep && i < n - (size_t)c->backup_keep; i++) {
		char path[PATHSZ], man[PATHSZ];
		snprintf(path, sizeof path, "%s/%s", c->backup_dir, v[i]);
		manifest_path(path, man, sizeof man);
		if (unlink(path) == 0)
			say("info", "backup generation deleted (backup.keep is %d): %s", c->backup_keep, v[i]);
		unlink(man);
	}
	free_list(v, n);
	char dot[PATHSZ];
	snprintf(dot, sizeof dot, "%.4000s/.", c->backup_dir);
	keyfile_sync_dir(dot); /* the deletions themselves */
}

/* Run backup.copy_command with the file as $1 (and its manifest as $2);
 * killed after COPY_TIMEOUT_S. 0 when it exits 0. */
static int run_copy(const config *c, const char *file, const char *man, char *err, size_t errsz)
{
	/* The command's environment is the server's without the data key (when
	 * it came from the environment): nothing else needs to see it. */
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 1, sizeof *env);
	if (!env) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (size_t i = 0, o = 0; i < n; i++)
		if (strncmp(environ[i], "STAMPRALLY_SECURITY_DATA_KEY=", 29) != 0)
			env[o++] = environ[i];
	char *const argv[] = {"sh", "-c", (char *)c->backup_copy, "stamprally-backup", (char *)file, (char *)man, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		execve("/bin/sh", argv, env);
		_exit(127);
	}
	free(env);
	if (pid < 0) {
		snprintf(err, errsz, "cannot start backup.copy_command: %s", strerror(errno));
		return -1;
	}
	int status = 0;
	for (int waited = 0;; waited++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 || waited >= COPY_TIMEOUT_S * 10) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(err, errsz, "backup.copy_command did not finish in %d s", COPY_TIMEOUT_S);
			return -1;
		}
		nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(err, errsz, "backup.copy_command failed (%s %d)", WIFEXITED(status) ? "exit status" : "signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -1;
}

/* The database as it is now into m->snap: SQLite's online backup, or
 * pg_dump (the chain's end read first: the dump holds at least that). 0
 * or -1 (err). */
static int copy_database(db *d, struct made *m, char *err, size_t errsz)
{
	if (!m->pg) {
		if (db_copy_to(d, m->snap) == 0) {
			m->chain_end = chain_end(m->snap);
			return 0;
		}
		snprintf(err, errsz, "cannot copy the database to %.200s (disk full?)", m->snap);
		return -1;
	}
	char why[400] = "";
	char *ci = pgtool_conninfo(NULL);
	m->chain_end = chain_end_of(d);
	int rc = ci && !db_failed(d) ? pgtool_dump(ci, m->snap, why, sizeof why) : -1;
	free(ci);
	if (rc != 0)
		snprintf(err, errsz, "cannot dump the database to %.200s (disk full?): %.150s", m->snap,
			 why[0] ? why : "the database cannot be reached");
	return rc;
}

/* The steps of backup_run up to a verified file in place. 0 or -1 (err). */
static int make_backup(const config *c, db *d, const unsigned char dkey[32], struct made *m, char *err, size_t errsz)
{
	unsigned char bkey[32], back[32];
	if (mkdir(c->backup_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errsz, "cannot create %.200s: %s", c->backup_dir, strerror(errno));
		return -1;
	}
	if (keyfile_load(c->backup_key_file, bkey, 0) != 0) {
		snprintf(err, errsz, "the backup key %.200s is missing or unreadable", c->backup_key_file);
		return -1;
	}
	vault_key_id(bkey, back, m->key_hex);
	int rc = -1;
	unlink_db(m->snap);
	if (copy_database(d, m, err, errsz) != 0)
		;
	else if (check_copy(m->snap, m->pg, 1, &m->tables, &m->schema, err, errsz) != 0)
		;
	else if (write_archive(c, m, bkey, dkey, NULL, err, errsz) != 0)
		;
	else if (read_archive(m->tmp, bkey, NULL, back, err, errsz) != 0 || memcmp(back, m->db_hash, 32) != 0) {
		if (!err[0])
			snprintf(err, errsz, "the written backup does not read back as the copy");
	} else if (rename(m->tmp, m->file) != 0)
		snprintf(err, errsz, "cannot rename %.200s: %s", m->tmp, strerror(errno));
	else
		rc = 0;
	sodium_memzero(bkey, sizeof bkey);
	unlink_db(m->snap);
	unlink(m->tmp);
	if (rc == 0)
		keyfile_sync_dir(m->file);
	return rc;
}

int backup_run(const config *c, db *d, const unsigned char data_key[32], int64_t now, char *path, size_t pathsz)
{
	struct made m = {.pg = on_pg()};
	char err[400] = "", stamp[32], man[PATHSZ];
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	snprintf(m.name, sizeof m.name, "stamprally-%s.%03dZ.srbk", stamp, (int)(now % 1000));
	snprintf(m.file, sizeof m.file, "%s/%s", c->backup_dir, m.name);
	snprintf(m.snap, sizeof m.snap, "%s/.%s.%s.tmp", c->backup_dir, m.name, m.pg ? "pgdump" : "db");
	snprintf(m.tmp, sizeof m.tmp, "%s/.%s.tmp", c->backup_dir, m.name);
	manifest_path(m.file, man, sizeof man);
	int64_t t0 = time_mono_us();
	int rc = make_backup(c, d, data_key, &m, err, sizeof err);
	char *mt = rc == 0 ? manifest_text(&m, now, NULL) : NULL;
	if (rc == 0 && (!mt || write_atomic(man, mt) != 0)) {
		snprintf(err, sizeof err, "cannot write the manifest %.200s: %s", man, strerror(errno));
		unlink(m.file);
		rc = -1;
	}
	free(mt);
	if (rc != 0) {
		metric_add(M_BACKUP_FAILURES, 1);
		say("error", "backup failed: %s; earlier backups are untouched", err);
		security_event_write(d, "backup_failed", json_pack("{s:s}", "error", err));
		json_decref(m.tables);
		return -1;
	}
	say("info", "backup done: %s (%lld bytes, %.1f s)", m.file, m.size, (double)(time_mono_us() - t0) / 1e6);
	security_event_write(d, "backup_done", json_pack("{s:s, s:I, s:s, s:i}", "file", m.name, "size", (json_int_t)m.size, "key_id",
					   m.key_hex, "schema_version", m.schema));
	json_decref(m.tables);
	prune_generations(c);
	if (c->backup_copy[0] && run_copy(c, m.file, man, err, sizeof err) != 0) {
		metric_add(M_COPY_FAILURES, 1);
		say("error", "%s (the backup itself is good: %s)", err, m.file);
		security_event_write(d, "backup_copy_failed", json_pack("{s:s, s:s}", "file", m.name, "error", err));
	}
	if (path)
		snprintf(path, pathsz, "%s", m.file);
	return 0;
}

/* ---- listing, verifying, restoring ---- */

/* The manifest next to file, parsed (new reference), or NULL. */
static json_t *load_manifest(const char *file)
{
	char man[PATHSZ];
	manifest_path(file, man, sizeof man);
	return json_load_file(man, 0, NULL);
}

int backup_list(const config *c, FILE *out)
{
	size_t n;
	char **v = list_backups(c->backup_dir, &n);
	for (size_t i = 0; i < n; i++) {
		char path[PATHSZ];
		snprintf(path, sizeof path, "%s/%s", c->backup_dir, v[i]);
		json_t *m = load_manifest(path);
		json_t *o = json_pack("{s:s, s:O?, s:O?, s:O?, s:O?}", "path", path, "created_at",
				      json_object_get(m, "created_at"), "size", json_object_get(m, "size"), "schema_version",
				      json_object_get(m, "schema_version"), "key_id", json_object_get(m, "key_id"));
		json_dumpf(o, out, JSON_COMPACT);
		fputc('\n', out);
		json_decref(o);
		json_decref(m);
	}
	free_list(v, n);
	return 0;
}

/* backup_last on PostgreSQL: the newest backup_done record. */
static int last_recorded(db *d, int64_t *at, long long *size)
{
	db_stmt *st = db_query(d, "SELECT at, detail FROM security_events WHERE kind = 'backup_done' ORDER BY at DESC LIMIT 1",
			       NULL);
	int found = st && db_row(st) == DB_ROW;
	if (found) {
		json_t *o = json_loads(db_text(st, 1), 0, NULL);
		*at = db_int(st, 0);
		*size = json_integer_value(json_object_get(o, "size"));
		json_decref(o);
	}
	db_done(st);
	return found;
}

int backup_last(const config *c, db *d, int64_t *at, long long *size)
{
	if (on_pg())
		return last_recorded(d, at, size);
	size_t n;
	char **v = list_backups(c->backup_dir, &n);
	int found = 0;
	for (size_t i = n; i-- > 0 && !found;) {
		char path[PATHSZ];
		snprintf(path, sizeof path, "%s/%s", c->backup_dir, v[i]);
		json_t *m = load_manifest(path);
		if (json_is_integer(json_object_get(m, "created_ms"))) {
			*at = json_integer_value(json_object_get(m, "created_ms"));
			*size = json_integer_value(json_object_get(m, "size"));
			found = 1;
		}
		json_decref(m);
	}
	free_list(v, n);
	return found;
}

/* The file's SHA-256 against its manifest (when there is one). 0 or -1. */
static int check_sha(const char *file, json_t *man, char *err, size_t errsz)
{
	const char *want = json_string_value(json_object_get(man, "sha256"));
	if (!want)
		return 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsz, "cannot open %s: %s", file, strerror(errno));
		return -1;
	}
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	static _Thread_local unsigned char b[1 << 16];
	ssize_t r;
	while ((r = read(fd, b, sizeof b)) > 0)
		crypto_hash_sha256_update(&h, b, (size_t)r);
	close(fd);
	unsigned char sha[32];
	char hex[65];
	crypto_hash_sha256_final(&h, sha);
	sodium_bin2hex(hex, sizeof hex, sha, 32);
	if (strcmp(hex, want) == 0)
		return 0;
	snprintf(err, errsz, "%s: its SHA-256 is not the one in its manifest (damaged or altered in storage)", file);
	return -1;
}

/* Where the database copy of a backup unpacked in dir is (pg: a pg_dump). */
static void copy_path(const char *dir, int pg, char *out, size_t n)
{
	snprintf(out, n, "%.4000s/%s", dir, pg ? PG_DUMP : members[M_DB]);
}

/* Decrypt file into the new directory dir and check everything in it.
 * Fills *tables, *schema and *pg (the copy is a pg_dump). 0, or -1 with a
 * message in err. */
static int unpack_checked(const config *c, const char *file, const char *dir, json_t **tables, int *schema, int *pg,
			  char *err, size_t errsz)
{
	unsigned char bkey[32], h[32];
	json_t *man = load_manifest(file);
	int rc = -1;
	char dbpath[PATHSZ];
	*tables = NULL;
	*pg = 0;
	if (keyfile_load(c->backup_key_file, bkey, 0) != 0)
		snprintf(err, errsz, "the backup key %s is missing: restoring needs the key the backup was made with%s%s",
			 c->backup_key_file, json_object_get(man, "key_id") ? " (key id " : "",
			 json_object_get(man, "key_id") ? json_string_value(json_object_get(man, "key_id")) : "");
	else if (check_sha(file, man, err, errsz) == 0 && read_archive(file, bkey, dir, h, err, errsz) == 0) {
		copy_path(dir, 1, dbpath, sizeof dbpath);
		*pg = access(dbpath, F_OK) == 0;
		copy_path(dir, *pg, dbpath, sizeof dbpath);
		if (check_copy(dbpath, *pg, 0, tables, schema, err, errsz) != 0)
			;
		else if (json_object_get(man, "tables") && !json_equal(json_object_get(man, "tables"), *tables))
			snprintf(err, errsz, "%s: the row counts differ from its manifest", file);
		else
			rc = 0;
	}
	sodium_memzero(bkey, sizeof bkey);
	json_decref(man);
	return rc;
}

/* Remove dir and the archive members in it. */
static void remove_unpacked(const char *dir)
{
	for (int k = 0; k < M_NMEMBERS; k++) {
		char p[PATHSZ];
		snprintf(p, sizeof p, "%.4000s/%s", dir, members[k]);
		if (k == M_DB)
			unlink_db(p);
		else
			unlink(p);
	}
	char dump[PATHSZ];
	copy_path(dir, 1, dump, sizeof dump);
	unlink(dump);
	rmdir(dir);
}

int backup_verify(const config *c, const char *file, FILE *out)
{
	char dir[PATHSZ], err[600] = "";
	json_t *tables = NULL;
	int schema = 0, pg = 0;
	snprintf(dir, sizeof dir, "%s/.verify-XXXXXX", c->backup_dir);
	if (mkdir(c->backup_dir, 0700) != 0 && errno != EEXIST)
		snprintf(dir, sizeof dir, "/tmp/stamprally-verify-XXXXXX");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "stamprally: cannot make a directory to verify in: %s\n", strerror(errno));
		return 1;
	}
	int rc = unpack_checked(c, file, dir, &tables, &schema, &pg, err, sizeof err);
	remove_unpacked(dir);
	if (rc != 0) {
		fprintf(stderr, "stamprally: backup verify: %s\n", err);
		json_decref(tables);
		return 1;
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:o}", "file", file, "result", "good", "format", pg ? "pg_dump" : "sqlite",
			      "schema_version", schema, "tables", tables);
	json_dumpf(o, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(o);
	return 0;
}

/* ---- scrubbing ---- */

/* Erase with fn in one write transaction of d, committed when something
 * was erased. 1 erased, 0 nothing to erase, -1 error (rolled back). */
static int erase_in(db *d, backup_erase_fn fn, void *ud)
{
	if (!d || db_begin(d) != 0)
		return -1;
	int r = fn(d, ud);
	if (r > 0 && !db_failed(d) && db_commit(d) == 0)
		return 1;
	if (db_in_write(d))
		db_rollback(d);
	return r > 0 ? -1 : r;
}

/* Erase with fn from the SQLite copy at dbpath (secure_delete on), then
 * VACUUM it. *chain: the chain's end in what is left. 1 erased, 0 nothing
 * to erase, -1 (err). */
static int erase_copy(const char *dbpath, backup_erase_fn fn, void *ud, int64_t *chain, char *err, size_t errsz)
{
	db *d = db_open_file(dbpath, 1);
	int r = d && db_exec_script(d, "PRAGMA secure_delete=ON") == 0 ? erase_in(d, fn, ud) : -1;
	if (r > 0 && db_vacuum(d) != 0)
		r = -1;
	if (r < 0)
		snprintf(err, errsz, "cannot erase from the backup's database copy");
	*chain = chain_end_of(d);
	db_close(d);
	return r;
}

/* Drop scratch databases an interrupted scrub left behind (they hold a
 * backup's rows, maybe a purged tenant's); one still in use stays. */
static void drop_leftovers(db *own)
{
	db_stmt *st = db_query(own, "SELECT datname FROM pg_catalog.pg_database WHERE datname LIKE 'stamprally\\_scrub\\_%'", NULL);
	char names[8][64];
	int n = 0;
	while (st && n < 8 && db_row(st) == DB_ROW)
		snprintf(names[n++], sizeof names[0], "%.63s", db_text(st, 0));
	db_done(st);
	for (int i = 0; i < n; i++) {
		char drop[96];
		if (!db_plain_identifier(names[i]))
			continue;
		snprintf(drop, sizeof drop, "DROP DATABASE IF EXISTS %.63s", names[i]); /* a name from the catalog */
		if (db_exec_script(own, drop) == 0)
			say("warn", "dropped %s, left by an interrupted scrub", names[i]);
	}
	db_clear_failed(own);
}

/* Erase with fn from the pg_dump at path: loaded into a scratch database
 * on the same server (the owner role needs CREATEDB), erased in one
 * transaction, dumped again over path; the scratch database is dropped
 * whatever happens. *chain as erase_copy. 1 erased, 0 nothing to erase
 * (path untouched), -1 (err). */
static int erase_dump(const char *path, backup_erase_fn fn, void *ud, int64_t *chain, char *err, size_t errsz)
{
	unsigned char r[8];
	char hex[17], name[64], create[96], drop[96], why[400] = "";
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	snprintf(name, sizeof name, "stamprally_scrub_%s", hex);
	/* an identifier cannot be a parameter; this one is made here, not read */
	snprintf(create, sizeof create, "CREATE DATABASE %s", name);
	snprintf(drop, sizeof drop, "DROP DATABASE IF EXISTS %s", name);
	db *own = db_open_owner();
	char *ci = pgtool_conninfo(name);
	int rc = -1;
	if (own)
		drop_leftovers(own);
	if (!own || !ci || db_exec_script(own, create) != 0)
		snprintf(err, errsz, "cannot create a scratch database to scrub the backup in (the owner role needs CREATEDB)");
	else if (pgtool_restore(ci, path, why, sizeof why) != 0)
		snprintf(err, errsz, "cannot load the backup into a scratch database: %.300s", why);
	else {
		db *d = db_open_owner_at(ci);
		rc = erase_in(d, fn, ud);
		*chain = chain_end_of(d);
		db_close(d);
		if (rc < 0)
			snprintf(err, errsz, "cannot erase from the backup's database copy");
		else if (rc > 0 && pgtool_dump(ci, path, why, sizeof why) != 0) {
			snprintf(err, errsz, "cannot dump the scrubbed copy: %.300s", why);
			rc = -1;
		}
	}
	if (own && db_exec_script(own, drop) != 0)
		say("warn", "cannot drop the scratch database %s: drop it by hand", name);
	db_close(own);
	free(ci);
	return rc;
}

/* Write the scrubbed copy in dir back as file: a new archive under the
 * same backup key (the keys from dir), read back, renamed over file; then
 * its manifest, keeping its time and adding what was erased. 0 or -1. */
static int rewrite_backup(const config *c, const char *file, const char *dir, int pg, int64_t chain, json_t *erased,
			  char *err, size_t errsz)
{
	struct made m = {.pg = pg, .chain_end = chain};
	unsigned char bkey[32], dkey[32], back[32];
	size_t n = 0;
	const char *name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	snprintf(m.name, sizeof m.name, "%.60s", name);
	snprintf(m.file, sizeof m.file, "%s", file);
	copy_path(dir, pg, m.snap, sizeof m.snap);
	snprintf(m.tmp, sizeof m.tmp, "%.4000s/.%s.tmp", c->backup_dir, m.name);
	char dkpath[PATHSZ], man[PATHSZ];
	snprintf(dkpath, sizeof dkpath, "%.4000s/%s", dir, members[M_DATA_KEY]);
	unsigned char *dk = slurp(dkpath, 32, &n);
	int rc = -1;
	if (!dk || n != 32 || keyfile_load(c->backup_key_file, bkey, 0) != 0)
		snprintf(err, errsz, "cannot read the keys to re-encrypt the backup");
	else if (memcpy(dkey, dk, 32), check_copy(m.snap, pg, 1, &m.tables, &m.schema, err, errsz) != 0)
		;
	else if (vault_key_id(bkey, back, m.key_hex), write_archive(c, &m, bkey, dkey, dir, err, errsz) != 0)
		;
	else if (read_archive(m.tmp, bkey, NULL, back, err, errsz) != 0 || memcmp(back, m.db_hash, 32) != 0) {
		if (!err[0])
			snprintf(err, errsz, "the scrubbed backup does not read back as its copy");
	} else if (rename(m.tmp, m.file) != 0)
		snprintf(err, errsz, "cannot rename %.200s: %s", m.tmp, strerror(errno));
	else
		rc = 0;
	if (dk)
		sodium_memzero(dk, n);
	free(dk);
	sodium_memzero(bkey, sizeof bkey);
	sodium_memzero(dkey, sizeof dkey);
	unlink(m.tmp);
	json_t *old = rc == 0 ? load_manifest(file) : NULL;
	json_t *list = json_is_array(json_object_get(old, "scrubbed")) ? json_incref(json_object_get(old, "scrubbed")) : json_array();
	json_array_append(list, erased);
	json_int_t made = json_integer_value(json_object_get(old, "created_ms"));
	char *mt = rc == 0 ? manifest_text(&m, made ? made : time_now_ms(), list) : NULL;
	manifest_path(file, man, sizeof man);
	if (rc == 0 && (!mt || write_atomic(man, mt) != 0)) {
		snprintf(err, errsz, "cannot write the manifest %.200s", man);
		rc = -1;
	}
	if (rc == 0)
		keyfile_sync_dir(file);
	free(mt);
	json_decref(list);
	json_decref(old);
	json_decref(m.tables);
	return rc;
}

int backup_scrub(const config *c, const char *file, backup_erase_fn fn, void *ud, json_t *erased, json_t **result)
{
	char dir[PATHSZ], dbpath[PATHSZ], err[600] = "";
	json_t *tables = NULL;
	int schema = 0, pg = 0, rc = -1;
	int64_t chain = 0;
	const char *name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	snprintf(dir, sizeof dir, "%s/.scrub-XXXXXX", c->backup_dir);
	if (!mkdtemp(dir)) {
		snprintf(err, sizeof err, "cannot make a directory to scrub in: %s", strerror(errno));
		*result = json_pack("{s:s, s:s, s:s}", "file", name, "result", "failed", "error", err);
		return -1;
	}
	if (unpack_checked(c, file, dir, &tables, &schema, &pg, err, sizeof err) == 0) {
		copy_path(dir, pg, dbpath, sizeof dbpath);
		rc = pg ? erase_dump(dbpath, fn, ud, &chain, err, sizeof err) : erase_copy(dbpath, fn, ud, &chain, err, sizeof err);
	}
	if (rc > 0)
		rc = rewrite_backup(c, file, dir, pg, chain, erased, err, sizeof err) == 0 ? 1 : -1;
	remove_unpacked(dir);
	json_decref(tables);
	*result = json_pack("{s:s, s:s}", "file", name, "result", rc > 0 ? "scrubbed" : rc == 0 ? "absent" : "failed");
	if (rc < 0)
		json_object_set_new(*result, "error", json_string(err));
	if (rc > 0) {
		json_t *man = load_manifest(file);
		json_object_set(*result, "sha256", json_object_get(man, "sha256"));
		json_decref(man);
	}
	return rc;
}

int backup_scrub_all(const config *c, backup_erase_fn fn, void *ud, json_t *erased, json_t *results)
{
	size_t n;
	char **v = list_backups(c->backup_dir, &n);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char path[PATHSZ];
		json_t *r = NULL;
		snprintf(path, sizeof path, "%s/%s", c->backup_dir, v[i]);
		failed += backup_scrub(c, path, fn, ud, erased, &r) < 0;
		json_array_append_new(results, r);
	}
	free_list(v, n);
	return failed ? -1 : 0;
}

/* Move what lives at the members' paths into aside (made on first use);
 * the database too unless pg (a dump goes into PostgreSQL instead). */
static int move_aside(const config *c, const char *aside, int pg, int *moved)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	*moved = 0;
	for (int k = pg ? M_DATA_KEY : M_DB; k < M_NMEMBERS; k++)
		for (int s = 0; s < (k == M_DB ? 3 : 1); s++) {
			char from[PATHSZ], to[PATHSZ];
			snprintf(from, sizeof from, "%s%s", member_path(c, (enum member)k), suffix[s]);
			if (access(from, F_OK) != 0)
				continue;
			if (mkdir(aside, 0700) != 0 && errno != EEXIST)
				return -1;
			snprintf(to, sizeof to, "%.4000s/%s%s", aside, members[k], suffix[s]);
			if (rename(from, to) != 0)
				return -1;
			(*moved)++;
		}
	return 0;
}

/* Put the unpacked members in place (the database unless pg). With the
 * data key given in the configuration (not a file), data.key is left out
 * (and compared). */
static int put_in_place(const config *c, const char *dir, int pg, char *err, size_t errsz)
{
	for (int k = pg ? M_DATA_KEY : M_DB; k < M_NMEMBERS; k++) {
		char from[PATHSZ];
		snprintf(from, sizeof from, "%.4000s/%s", dir, members[k]);
		if (k == M_DATA_KEY && c->data_key[0]) {
			say("warn", "security.data_key is set: the backup's data key is in %s/%s if it differs", dir, members[k]);
			continue;
		}
		if (rename(from, member_path(c, (enum member)k)) != 0) {
			snprintf(err, errsz, "cannot move %.200s to %.200s: %s", from, member_path(c, (enum member)k), strerror(errno));
			return -1;
		}
		keyfile_sync_dir(member_path(c, (enum member)k));
	}
	return 0;
}

/* Load the dump unpacked in dir into the configured PostgreSQL database,
 * which must hold no tables yet: a restore never overwrites a database
 * (make a new one and point database.url at it). 0, or -1 (err) with the
 * database unchanged. */
static int restore_dump(const char *dir, char *err, size_t errsz)
{
	char dump[PATHSZ], why[400] = "";
	copy_path(dir, 1, dump, sizeof dump);
	db *own = db_open_owner();
	int64_t tables = own ? db_int1(own, -1, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'", NULL)
			     : -1;
	db_close(own);
	char *ci = tables == 0 ? pgtool_conninfo(NULL) : NULL;
	int rc = ci ? pgtool_restore(ci, dump, why, sizeof why) : -1;
	free(ci);
	if (tables < 0)
		snprintf(err, errsz, "cannot connect to the database (database.owner_url)");
	else if (tables > 0)
		snprintf(err, errsz, "the database already holds %lld tables: restore into a new, empty database "
				     "(createdb -O OWNER NAME) and point database.url and database.owner_url at it",
			 (long long)tables);
	else if (rc != 0)
		snprintf(err, errsz, "%s", why[0] ? why : "pg_restore failed");
	return rc;
}

/* Whether the backup's kind (pg: a pg_dump) fits this configuration; a
 * message in err when not. */
static int kind_fits(int pg, char *err, size_t errsz)
{
	if (pg == on_pg())
		return 1;
	snprintf(err, errsz, pg ? "this backup is a PostgreSQL dump: restore it with database.url set"
				: "this backup is a SQLite database: restore it without database.url, then move it with "
				  "`stamprally copy-db` (docs/scale-out.md)");
	return 0;
}

int backup_restore(const config *c, const char *file, FILE *out)
{
	char dir[PATHSZ], aside[PATHSZ], err[600] = "", stamp[32];
	json_t *tables = NULL;
	int schema = 0, moved = 0, pg = 0;
	int64_t now = time_now_ms();
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(dir, sizeof dir, "%s/.restore-XXXXXX", c->data_dir);
	snprintf(aside, sizeof aside, "%s/replaced-%s", c->data_dir, stamp);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "stamprally: cannot make a directory in %s: %s\n", c->data_dir, strerror(errno));
		return 1;
	}
	if (unpack_checked(c, file, dir, &tables, &schema, &pg, err, sizeof err) != 0 || !kind_fits(pg, err, sizeof err) ||
	    (pg && restore_dump(dir, err, sizeof err) != 0)) {
		remove_unpacked(dir);
		fprintf(stderr, "stamprally: restore: %s; nothing was changed\n", err);
		json_decref(tables);
		return 1;
	}
	if (move_aside(c, aside, pg, &moved) != 0 || put_in_place(c, dir, pg, err, sizeof err) != 0) {
		fprintf(stderr, "stamprally: restore: %s%s; what was replaced is in %s\n", err[0] ? err : "cannot move files: ",
			err[0] ? "" : strerror(errno), aside);
		json_decref(tables);
		return 1;
	}
	remove_unpacked(dir);
	json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:O, s:s?}", "restored", file, "at", stamp, "schema_version", schema,
			      "schema_version_now", migrate_latest(), "tables", tables, "replaced", moved ? aside : NULL);
	char *text = json_heap_text(o, JSON_INDENT(2));
	char pending[PATHSZ];
	snprintf(pending, sizeof pending, "%s/restored.json", c->data_dir);
	if (!text || write_atomic(pending, text) != 0)
		say("warn", "cannot write %s: the restore will not be in the security event log", pending);
	fprintf(out, "%s\n", text ? text : "{}");
	if (schema < migrate_latest())
		fprintf(out, "The backup has schema version %d; the next start migrates it to %d.\n", schema, migrate_latest());
	free(text);
	json_decref(o);
	json_decref(tables);
	return 0;
}

void backup_record_restore(const config *c, db *d)
{
	char pending[PATHSZ];
	snprintf(pending, sizeof pending, "%s/restored.json", c->data_dir);
	json_t *o = json_load_file(pending, 0, NULL);
	if (!o)
		return;
	json_object_del(o, "tables");
	security_event_write(d, "backup_restored", o);
	unlink(pending);
}
