/* fuzz_fields.c — what participants type: keyword folding, lottery entry
 * fields (postal code, phone, e-mail, kana, …), recovery codes, and the
 * password rules with their Unicode normalisation. */
#include "core/lottery.h"
#include "core/methods.h"
#include "core/password.h"
#include "core/recovery.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fuzz_text(data, n);
	if (!s)
		return 0;
	char out[1024];
	keyword_normalise(s, out, sizeof out);
	keyword_hash(s, out);
	for (int f = 0; f < LF_COUNT; f++)
		lottery_check((enum lottery_field)f, s, 1, out, sizeof out);
	recovery_parse(s, out, sizeof out);
	const char *context[] = {"stamprally", "login"};
	password_policy(s, context, 2);
	free(password_normalise(s));
	methods_mask(s);
	free(s);
	return 0;
}
