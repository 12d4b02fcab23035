/* fuzz_router.c — the router against the real route table: the first line
 * of the input is the method, the rest the (decoded) path. */
#include "fuzz.h"
#include "web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fuzz_text(data, n);
	if (!s)
		return 0;
	char *nl = strchr(s, '\n');
	const char *method = nl ? s : "GET", *path = nl ? nl + 1 : s;
	if (nl)
		*nl = '\0';
	size_t nroutes;
	const struct route *routes = web_routes(&nroutes);
	char *scratch = malloc(strlen(path) + 1);
	const char *params[ROUTER_MAX_PARAMS];
	int nparams = 0;
	char allow[64];
	router_match(routes, nroutes, sizeof routes[0], method, path, scratch, params, &nparams, allow, sizeof allow);
	free(scratch);
	free(s);
	return 0;
}
