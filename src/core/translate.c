/*
 * translate.c — see translate.h.
 */
#include "core/translate.h"

#include <string.h>

const char *const translate_langs[TRANSLATE_LANGS] = {"en", "zh-Hans", "zh-Hant", "ko"};

int translate_lang_valid(const char *code)
{
	for (int i = 0; code && i < TRANSLATE_LANGS; i++)
		if (strcmp(code, translate_langs[i]) == 0)
			return 1;
	return 0;
}

int translations_load(db *d, arena *a, int64_t rally_id, const char *lang, struct translations *out)
{
	memset(out, 0, sizeof *out);
	int64_t n = db_int1(d, -1, "SELECT count(*) FROM translations WHERE rally_id = $1 AND lang = $2", "it", rally_id, lang);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	out->field = arena_alloc(a, sizeof *out->field * (size_t)n);
	out->text = arena_alloc(a, sizeof *out->text * (size_t)n);
	db_stmt *st = db_query(d, "SELECT field, text FROM translations WHERE rally_id = $1 AND lang = $2", "it", rally_id, lang);
	int rc;
	while ((rc = db_row(st)) == DB_ROW && out->n < (size_t)n) {
		out->field[out->n] = arena_strdup(a, db_text(st, 0));
		out->text[out->n] = arena_strdup(a, db_text(st, 1));
		out->n++;
	}
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

const char *translation_find(const struct translations *t, const char *field)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->field[i], field) == 0)
			return t->text[i];
	return NULL;
}

int translation_set(db *d, int64_t rally_id, const char *lang, const char *field, const char *text)
{
	if (!*text)
		return db_exec(d, "DELETE FROM translations WHERE rally_id = $1 AND lang = $2 AND field = $3", "itt", rally_id, lang,
			       field) == DB_DONE
			       ? 0
			       : -1;
	return db_exec(d,
		       "INSERT INTO translations(rally_id, lang, field, text) VALUES ($1, $2, $3, $4)"
		       " ON CONFLICT (rally_id, lang, field) DO UPDATE SET text = excluded.text",
		       "ittt", rally_id, lang, field, text) == DB_DONE
		       ? 0
		       : -1;
}
