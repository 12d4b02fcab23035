/* fuzz_form.c — urlencoded form bodies (http/req.c: req_parse_form). */
#include <stdint.h>
#include <jansson.h>

#include "http/req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	json_t *form = req_parse_form((const char *)data, n);
	json_decref(form);
	return 0;
}
