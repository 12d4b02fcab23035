/*
 * i18n.h — message catalogs (assets/i18n/LANG.json, flat key → text) and the
 * choice of a request's language.  Japanese is the default; English the
 * other.  No UI string lives outside the catalogs.
 */
#ifndef SR_I18N_H
#define SR_I18N_H

enum lang { LANG_JA = 0, LANG_EN = 1, LANG_ZH_HANS = 2, LANG_ZH_HANT = 3, LANG_KO = 4, LANG_COUNT };

/* Load every catalog from the assets. Returns 0, or -1 with a message on stderr. */
int i18n_init(void);
/* The text for key in lang, falling back to English (for Chinese and Korean,
 * whose catalogs cover the participant's pages) and then Japanese; NULL when unknown.
 * The string lives as long as the process. */
const char *i18n_text(enum lang l, const char *key);
/* "ja", "en", "zh-Hans", "zh-Hant" or "ko". */
const char *i18n_code(enum lang l);
/* Parse a language tag: "ja", "en" (also "en-US" etc.), "ko", and Chinese
 * as Traditional for zh-Hant/zh-TW/zh-HK/zh-MO, else Simplified; -1 for
 * anything else. */
int i18n_parse(const char *code);
/* The language for a request: an explicit choice (?lang=) wins, then the
 * remembered cookie, then the best match in Accept-Language by q-value, then
 * Japanese. Any argument may be NULL. */
enum lang i18n_choose(const char *explicit_choice, const char *cookie, const char *accept_language);

#endif
