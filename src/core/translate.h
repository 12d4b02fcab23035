/*
 * translate.h — a rally's own texts (title, description, spot names and
 * descriptions, reward names, lottery questions) in the languages of its
 * participants besides Japanese: English, 简体中文, 繁體中文, 한국어
 * (migration 0022). Japanese is the original; a text without a translation
 * is shown in Japanese (and marked lang="ja" by the pages).
 */
#ifndef SR_TRANSLATE_H
#define SR_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

#define TRANSLATE_LANGS 4
/* The content languages, as stored and as in a page's lang attribute. */
extern const char *const translate_langs[TRANSLATE_LANGS];
/* True for one of translate_langs. */
int translate_lang_valid(const char *code);

/* The translations of one rally into one language. */
struct translations {
	size_t n;
	const char **field, **text; /* arena arrays of n */
};

/* Load every translation of rally_id into lang (arena copies). 0, or -1. */
int translations_load(db *d, arena *a, int64_t rally_id, const char *lang, struct translations *out);
/* The text of field, or NULL when it has none. */
const char *translation_find(const struct translations *t, const char *field);
/* Set field's translation (inside the caller's write transaction); an empty
 * text removes it. 0, or -1. */
int translation_set(db *d, int64_t rally_id, const char *lang, const char *field, const char *text);

#endif
