/*
 * accesslog.c — see accesslog.h.
 */
#include "lib/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/timeutil.h"

#define BUF_SIZE (256 * 1024)
#define FLUSH_AT (192 * 1024)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char dir_path[512];
static int fd = -1, complained;
static int64_t day_start, day_end; /* the open file's day, UTC ms */
/* Lines wait here and go out in one write() (a syscall per request cost a
 * sixth of the claims' throughput): when it fills, when the day changes,
 * every second (accesslog_flush from the jobs thread) and at close. */
static char pending[BUF_SIZE];
static size_t pending_len;

int accesslog_open(const char *dir)
{
	if (!dir[0] || strcmp(dir, "off") == 0)
		return 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "stamprally: cannot create the access-log directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	snprintf(dir_path, sizeof dir_path, "%s", dir);
	return 0;
}

void accesslog_name(int64_t ms, char *out, size_t n)
{
	char day[16];
	time_format_jst(ms, "%Y-%m-%d", day, sizeof day);
	snprintf(out, n, "access-%s.jsonl", day);
}

/* Write the waiting lines to the open file (under mu). */
static void flush_locked(void)
{
	size_t off = 0;
	while (fd >= 0 && off < pending_len) {
		ssize_t w = write(fd, pending + off, pending_len - off);
		if (w <= 0) {
			if (!complained++)
				fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot write the access log\",\"error\":\"%s\"}\n",
					strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	pending_len = 0;
}

/* Open the file of the day holding now (under mu), after flushing the
 * lines of the day before into its own file. */
static void open_day(int64_t now)
{
	char name[40], path[600];
	flush_locked();
	if (fd >= 0)
		close(fd);
	day_start = time_day_start_jst(now);
	day_end = day_start + 86400000;
	accesslog_name(now, name, sizeof name);
	snprintf(path, sizeof path, "%s/%s", dir_path, name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && !complained++)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot open the access log\",\"error\":\"%s\"}\n",
			strerror(errno));
}

void accesslog_write(const char *line, size_t n, int64_t now)
{
	if (!dir_path[0])
		return;
	pthread_mutex_lock(&mu);
	if (fd < 0 || now < day_start || now >= day_end)
		open_day(now);
	if (n > BUF_SIZE - pending_len)
		flush_locked();
	if (n <= BUF_SIZE - pending_len) {
		memcpy(pending + pending_len, line, n);
		pending_len += n;
	}
	if (pending_len >= FLUSH_AT)
		flush_locked();
	pthread_mutex_unlock(&mu);
}

void accesslog_flush(void)
{
	pthread_mutex_lock(&mu);
	flush_locked();
	pthread_mutex_unlock(&mu);
}

void accesslog_close(void)
{
	pthread_mutex_lock(&mu);
	flush_locked();
	if (fd >= 0)
		close(fd);
	fd = -1;
	pthread_mutex_unlock(&mu);
}
