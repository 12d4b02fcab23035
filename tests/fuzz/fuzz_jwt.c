/* fuzz_jwt.c — LINE's ID token (lib/jwt.c: HS256 verification and the
 * claims' parsing). */
#include <jansson.h>

#include "fuzz.h"
#include "lib/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fuzz_text(data, n);
	if (!s)
		return 0;
	json_t *claims = NULL;
	jwt_verify_hs256(s, "a9f3c2d8e7b6a5f4c3d2e1f0a9b8c7d6", &claims);
	json_decref(claims);
	free(s);
	return 0;
}
