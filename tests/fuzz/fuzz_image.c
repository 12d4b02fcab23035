/* fuzz_image.c — upload checks by content (core/image.c: PNG, JPEG, WebP
 * headers, dimensions). */
#include <stdint.h>
#include "core/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct image_info info;
	image_check(data, n, &info);
	return 0;
}
