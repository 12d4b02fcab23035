/*
 * hostinfo.c — see hostinfo.h.
 */
#include "lib/hostinfo.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <unistd.h>

int clock_state(struct clock_state *c)
{
	struct timex t = {0}; /* modes 0: read only */
	int state = adjtimex(&t);
	if (state < 0)
		return -1;
	c->synced = state != TIME_ERROR && !(t.status & STA_UNSYNC);
	c->est_error_s = (double)t.esterror / 1e6;
	c->max_error_s = (double)t.maxerror / 1e6;
	return 0;
}

int64_t disk_free(const char *path)
{
	struct statvfs v;
	return statvfs(path, &v) == 0 ? (int64_t)v.f_bavail * (int64_t)v.f_frsize : -1;
}

int64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

int64_t process_rss(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	long pages = -1, rss = -1;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = -1;
		fclose(f);
	}
	return rss < 0 ? -1 : (int64_t)rss * sysconf(_SC_PAGESIZE);
}

int process_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}
