/*
 * pgtool.c — see pgtool.h.
 *
 * Each program runs as a child with the service's environment minus the
 * data key and any PGPASSWORD, plus PGPASSWORD when a password is
 * configured; its standard error goes to an unnamed temporary file whose
 * first error line becomes the message.
 */
#include "ops/pgtool.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/db.h"

/* Append key='value' (quotes and backslashes escaped) to the stream. */
static void put_pair(FILE *m, const char *key, const char *val)
{
	fprintf(m, "%s%s='", ftell(m) ? " " : "", key);
	for (; *val; val++) {
		if (*val == '\'' || *val == '\\')
			fputc('\\', m);
		fputc(*val, m);
	}
	fputc('\'', m);
}

char *pgtool_conninfo(const char *dbname)
{
	const char *url, *pw;
	db_owner_target(&url, &pw);
	char *msg = NULL;
	PQconninfoOption *opt = url ? PQconninfoParse(url, &msg) : NULL;
	PQfreemem(msg);
	if (!opt)
		return NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	for (PQconninfoOption *o = opt; m && o->keyword; o++)
		if (o->val && *o->val && strcmp(o->keyword, "password") != 0 && !(dbname && strcmp(o->keyword, "dbname") == 0))
			put_pair(m, o->keyword, o->val);
	if (m && dbname)
		put_pair(m, "dbname", dbname);
	PQconninfoFree(opt);
	if (m)
		fclose(m);
	return out;
}

/* The child's environment: ours without the data key or a PGPASSWORD,
 * with PGPASSWORD=pw when pw is set. A heap array (free_env). */
static char **child_env(const char *pw)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof *env);
	if (!env)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "STAMPRALLY_SECURITY_DATA_KEY=", 29) != 0 && strncmp(environ[i], "PGPASSWORD=", 11) != 0)
			env[o++] = environ[i];
	if (pw) {
		size_t k = strlen(pw) + 12;
		env[o] = malloc(k);
		if (env[o])
			snprintf(env[o], k, "PGPASSWORD=%s", pw);
	}
	return env;
}

/* Free child_env's array, wiping the password. */
static void free_env(char **env, const char *pw)
{
	size_t n = 0;
	while (env && env[n])
		n++;
	if (pw && n && strncmp(env[n - 1], "PGPASSWORD=", 11) == 0) {
		sodium_memzero(env[n - 1], strlen(env[n - 1]));
		free(env[n - 1]);
	}
	free(env);
}

/* Start argv[0] (found on PATH) with its standard output on out_fd (-1:
 * /dev/null) and its standard error in errf. The child's pid, or -1. */
static pid_t spawn(char *const argv[], int out_fd, FILE *errf)
{
	const char *url, *pw;
	db_owner_target(&url, &pw);
	char **env = child_env(pw);
	if (!env)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : null, 1);
		dup2(fileno(errf), 2);
		execvpe(argv[0], argv, env);
		fprintf(stderr, "%s: error: cannot run it: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free_env(env, pw);
	return pid;
}

/* Wait for pid; 0 when it exited with 0, else -1 with its first error line
 * (from errf) in err. */
static int reap(pid_t pid, const char *prog, FILE *errf, char *err, size_t errsz)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char line[400], first[400] = "";
	rewind(errf);
	while (fgets(line, sizeof line, errf)) {
		line[strcspn(line, "\n")] = '\0';
		if (!first[0] || (strstr(line, "error") && !strstr(first, "error")))
			snprintf(first, sizeof first, "%s", line);
	}
	snprintf(err, errsz, "%s failed (%s %d)%s%.300s", prog, WIFEXITED(status) ? "exit status" : "signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), first[0] ? ": " : "", first);
	return -1;
}

/* Run argv to its end, its output discarded. 0, or -1 (err). */
static int run(char *const argv[], char *err, size_t errsz)
{
	FILE *errf = tmpfile();
	pid_t pid = errf ? spawn(argv, -1, errf) : -1;
	int rc = -1;
	if (pid < 0)
		snprintf(err, errsz, "cannot start %s: %s", argv[0], strerror(errno));
	else
		rc = reap(pid, argv[0], errf, err, errsz);
	if (errf)
		fclose(errf);
	return rc;
}

int pgtool_dump(const char *conninfo, const char *path, char *err, size_t errsz)
{
	char *const argv[] = {"pg_dump", "--format=custom", "--enable-row-security", "--no-password",
			      "--dbname", (char *)conninfo, "--file", (char *)path, NULL};
	return run(argv, err, errsz);
}

int pgtool_restore(const char *conninfo, const char *path, char *err, size_t errsz)
{
	char *const argv[] = {"pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
			      "--enable-row-security", "--no-password", "--dbname", (char *)conninfo, (char *)path, NULL};
	return run(argv, err, errsz);
}

/* "COPY public.name (cols) FROM stdin;" → name into out (quotes dropped);
 * *is_version when the first column is schema_migrations' version. 1 when
 * line is such a line. */
static int copy_line(const char *line, char *out, size_t n, int *is_version)
{
	if (strncmp(line, "COPY ", 5) != 0)
		return 0;
	const char *p = line + 5, *dot = strchr(p, '.'), *sp = strchr(p, ' ');
	if (dot && sp && dot < sp)
		p = dot + 1;
	size_t k = 0;
	for (; *p && *p != ' ' && k + 1 < n; p++)
		if (*p != '"')
			out[k++] = *p;
	out[k] = '\0';
	*is_version = strcmp(out, "schema_migrations") == 0 && strncmp(p, " (version", 9) == 0;
	return k > 0;
}

int pgtool_count(const char *path, json_t **tables, int *schema, char *err, size_t errsz)
{
	char *const argv[] = {"pg_restore", "--data-only", "--file=-", (char *)path, NULL};
	int fds[2];
	FILE *errf = tmpfile();
	*tables = json_object();
	*schema = -1;
	if (!errf || pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(err, errsz, "cannot start pg_restore: %s", strerror(errno));
		if (errf)
			fclose(errf);
		return -1;
	}
	pid_t pid = spawn(argv, fds[1], errf);
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	char *line = NULL, table[128] = "";
	size_t cap = 0;
	ssize_t len;
	int64_t rows = 0;
	int in_copy = 0, version = 0;
	while (in && pid > 0 && (len = getline(&line, &cap, in)) > 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!in_copy) {
			in_copy = copy_line(line, table, sizeof table, &version);
			rows = 0;
		} else if (strcmp(line, "\\.") == 0) {
			json_object_set_new(*tables, table, json_integer(rows));
			in_copy = 0;
		} else {
			rows++;
			if (version && atoi(line) > *schema)
				*schema = atoi(line);
		}
	}
	free(line);
	if (in)
		fclose(in);
	else
		close(fds[0]);
	int rc = -1;
	if (pid > 0)
		rc = reap(pid, "pg_restore", errf, err, errsz);
	else
		snprintf(err, errsz, "cannot start pg_restore: %s", strerror(errno));
	fclose(errf);
	if (rc == 0 && in_copy)
		snprintf(err, errsz, "the dump ends inside the rows of %.100s", table), rc = -1;
	else if (rc == 0 && *schema < 0)
		snprintf(err, errsz, "the dump has no schema version"), rc = -1;
	return rc;
}
