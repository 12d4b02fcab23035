/*
 * hostinfo.c — see hostinfo.h.
 */
#include "lib/hostinfo.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
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

/* How good an IPv4 address is for a phone to reach: 0 never, 3 best. */
static int lan_rank(const struct ifaddrs *ifa)
{
	static const char *const bridges[] = {"docker", "br-", "veth", "virbr", "cni", "flannel"};
	if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET || !(ifa->ifa_flags & IFF_UP) ||
	    (ifa->ifa_flags & IFF_LOOPBACK))
		return 0;
	for (size_t i = 0; i < sizeof bridges / sizeof bridges[0]; i++)
		if (strncmp(ifa->ifa_name, bridges[i], strlen(bridges[i])) == 0)
			return 0;
	uint32_t a = ntohl(((const struct sockaddr_in *)(const void *)ifa->ifa_addr)->sin_addr.s_addr);
	if ((a >> 16) == 0xc0a8) /* 192.168/16: home and shop Wi-Fi */
		return 3;
	if ((a >> 24) == 10 || (a >> 20) == 0xac1)
		return 2;
	return (a >> 16) == 0xa9fe ? 0 : 1; /* 169.254/16 reaches no one */
}

int lan_address(char *out, size_t outsz)
{
	struct ifaddrs *list, *best = NULL;
	int best_rank = 0;
	if (getifaddrs(&list) != 0)
		return -1;
	for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
		int rank = lan_rank(ifa);
		if (rank > best_rank)
			best = ifa, best_rank = rank;
	}
	int rc = best && inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)best->ifa_addr)->sin_addr, out,
				   (socklen_t)outsz)
			 ? 0
			 : -1;
	freeifaddrs(list);
	return rc;
}
