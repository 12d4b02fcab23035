/* fuzz_tpl.c — the template compiler and renderer (lib/tpl.c), with a view
 * that has a value, a list and a nested object. */
#include <stdint.h>
#include "lib/buf.h"
#include "lib/tpl.h"

static const tpl *no_partial(void *ud, const char *name)
{
	(void)ud, (void)name;
	return NULL;
}

static const char *no_text(void *ud, const char *key)
{
	(void)ud, (void)key;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	tpl *t = NULL;
	char err[128];
	if (tpl_compile((const char *)data, n, &t, err, sizeof err) != 0)
		return 0;
	json_t *view = json_pack("{s:s, s:[{s:s}, {s:i}], s:{s:b}}", "name", "<b>&\"'", "list", "x", "1", "y", 2, "o", "z", 1);
	tpl_env env = {no_partial, no_text, NULL};
	buf out = BUF_INIT;
	tpl_render(t, view, &env, &out);
	buf_free(&out);
	json_decref(view);
	tpl_free(t);
	return 0;
}
