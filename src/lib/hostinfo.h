/*
 * hostinfo.h — facts about this machine and process for /metrics, /readyz
 * and `stamprally disclosure`: clock synchronisation (adjtimex), free disk,
 * file sizes, resident memory, open file descriptors; and the address a
 * phone on the same network reaches this machine at.
 */
#ifndef SR_HOSTINFO_H
#define SR_HOSTINFO_H

#include <stddef.h>
#include <stdint.h>

struct clock_state {
	int synced;           /* the kernel says an NTP/PTP daemon keeps it in sync */
	double est_error_s;   /* estimated error, seconds */
	double max_error_s;   /* maximum error, seconds */
};

/* The kernel's view of the clock (read-only adjtimex). 0, or -1. */
int clock_state(struct clock_state *c);
/* Bytes free for an unprivileged user on the filesystem holding path; -1 on error. */
int64_t disk_free(const char *path);
/* The size of the file at path in bytes; 0 when missing. */
int64_t file_size(const char *path);
/* This process's resident memory in bytes; -1 on error. */
int64_t process_rss(void);
/* This process's open file descriptors; -1 on error. */
int process_fds(void);
/* This machine's IPv4 address on the local network, for a server listening
 * on every interface: up, not loopback, not a container bridge, private
 * ranges first (192.168/16, 10/8, 172.16/12). Written as text into out
 * (≥ 16 bytes); 0, or -1 when there is none. */
int lan_address(char *out, size_t outsz);

#endif
