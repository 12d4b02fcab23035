/* fuzz_csv.c — CSV cells (lib/csv.c: quoting and formula neutralising);
 * every cell must come out as one RFC 4180 field. */
#include <assert.h>

#include "fuzz.h"
#include "lib/buf.h"
#include "lib/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fuzz_text(data, n);
	if (!s)
		return 0;
	buf b = BUF_INIT;
	csv_cell(&b, s, 1);
	const char *out = buf_str(&b);
	/* quoted, or free of the characters that would need quotes */
	assert(out[0] == '"' || !strpbrk(out, ",\"\r\n"));
	/* a formula is never left active */
	char lead = out[out[0] == '"'];
	assert(!lead || !strchr("=+-@", lead));
	buf_free(&b);
	free(s);
	return 0;
}
