/* fuzz_config.c — configuration files (lib/config.c), read through a
 * memory file. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	int fd = memfd_create("config", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, n) == (ssize_t)n) {
		char path[64], err[256];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		config c;
		config_defaults(&c);
		if (config_load_file(&c, path, err, sizeof err) == 0)
			config_finish(&c);
	}
	close(fd);
	return 0;
}
