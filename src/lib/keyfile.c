/*
 * keyfile.c — see keyfile.h.
 */
#include "lib/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

void keyfile_sync_dir(const char *path)
{
	char dir[4200];
	snprintf(dir, sizeof dir, "%s", path);
	int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int keyfile_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int keyfile_load(const char *path, unsigned char key[32], int create)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		unsigned char k[32];
		randombytes_buf(k, sizeof k);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 && write(fd, k, sizeof k) == (ssize_t)sizeof k && fsync(fd) == 0) {
			close(fd);
			keyfile_sync_dir(path);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		sodium_memzero(k, sizeof k);
	}
	if (fd < 0 || read(fd, key, 32) != 32) {
		fprintf(stderr, "stamprally: cannot read the key file %s\n", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int keyfile_lock(const char *data_dir, int exclusive)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/.lock", data_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH | LOCK_NB) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int keyfile_replace(const char *from, const char *to)
{
	if (rename(from, to) != 0)
		return -1;
	keyfile_sync_dir(to);
	return 0;
}
