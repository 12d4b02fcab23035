/* fuzz_xff.c — X-Forwarded-For behind trusted proxies (http/req.c). The
 * input is the header's value; the peer and the proxy list are fixed. */
#include "fuzz.h"
#include "http/req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fuzz_text(data, n);
	if (!s)
		return 0;
	char out[64];
	req_forwarded_for(s, "127.0.0.1, ::1, 10.0.0.7", "127.0.0.1", out, sizeof out);
	req_forwarded_for(s, "::1", "::1", out, sizeof out);
	free(s);
	return 0;
}
