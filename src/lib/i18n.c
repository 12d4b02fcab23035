/*
 * i18n.c — see i18n.h.  Catalogs are parsed once at start and only read after.
 */
#include "i18n.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets.h"

static json_t *catalogs[LANG_COUNT];
static const char *codes[LANG_COUNT] = {"ja", "en", "zh-Hans", "zh-Hant", "ko"};

int i18n_init(void)
{
	for (int l = 0; l < LANG_COUNT; l++) {
		char name[32];
		snprintf(name, sizeof name, "i18n/%s.json", codes[l]);
		const struct asset *a = asset_find(name);
		json_error_t e;
		json_decref(catalogs[l]);
		catalogs[l] = a ? json_loadb((const char *)a->data, a->len, 0, &e) : NULL;
		if (!json_is_object(catalogs[l])) {
			fprintf(stderr, "stamprally: catalog %s: %s\n", name, a ? e.text : "missing");
			return -1;
		}
	}
	return 0;
}

const char *i18n_text(enum lang l, const char *key)
{
	if ((int)l < 0 || l >= LANG_COUNT || !catalogs[l])
		return NULL;
	const char *s = json_string_value(json_object_get(catalogs[l], key));
	if (!s && l > LANG_EN) /* Chinese and Korean cover the participant's pages; English for the rest */
		s = json_string_value(json_object_get(catalogs[LANG_EN], key));
	if (!s && l != LANG_JA)
		s = json_string_value(json_object_get(catalogs[LANG_JA], key));
	return s;
}

const char *i18n_code(enum lang l)
{
	return (int)l >= 0 && l < LANG_COUNT ? codes[l] : codes[0];
}

/* True when the subtags after "zh" name Traditional Chinese. */
static int traditional(const char *rest)
{
	static const char *const tags[] = {"hant", "tw", "hk", "mo"};
	while (*rest == '-' || *rest == '_') {
		rest++;
		size_t n = strcspn(rest, "-_");
		for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
			if (n == strlen(tags[i]) && strncasecmp(rest, tags[i], n) == 0)
				return 1;
		rest += n;
	}
	return 0;
}

int i18n_parse(const char *code)
{
	if (!code)
		return -1;
	if (strncasecmp(code, "zh", 2) == 0 && (code[2] == '\0' || code[2] == '-' || code[2] == '_'))
		return traditional(code + 2) ? LANG_ZH_HANT : LANG_ZH_HANS;
	for (int l = 0; l < LANG_COUNT; l++) {
		size_t n = strlen(codes[l]);
		if (strncasecmp(code, codes[l], n) == 0 && (code[n] == '\0' || code[n] == '-' || code[n] == '_'))
			return l;
	}
	return -1;
}

/* Parse one Accept-Language item "tag;q=0.8" at [s, e): its language and q. */
static void parse_item(const char *s, const char *e, int *lang, double *q)
{
	char tag[32];
	while (s < e && isspace((unsigned char)*s))
		s++;
	size_t n = 0;
	while (s + n < e && s[n] != ';' && !isspace((unsigned char)s[n]) && n < sizeof tag - 1) {
		tag[n] = s[n];
		n++;
	}
	tag[n] = '\0';
	*lang = i18n_parse(tag);
	*q = 1.0;
	const char *qp = strstr(s, ";q=");
	if (!qp)
		qp = strstr(s, "; q=");
	if (qp && qp < e) {
		qp = strchr(qp, '=') + 1;
		char *end;
		double v = strtod(qp, &end);
		if (end > qp && v >= 0 && v <= 1)
			*q = v;
	}
}

enum lang i18n_choose(const char *explicit_choice, const char *cookie, const char *accept)
{
	int l = i18n_parse(explicit_choice);
	if (l >= 0)
		return (enum lang)l;
	l = i18n_parse(cookie);
	if (l >= 0)
		return (enum lang)l;
	int best = LANG_JA;
	double bestq = 0;
	for (const char *s = accept; s && *s;) {
		const char *e = strchr(s, ',');
		if (!e)
			e = s + strlen(s);
		int il;
		double q;
		parse_item(s, e, &il, &q);
		if (il >= 0 && q > bestq) {
			best = il;
			bestq = q;
		}
		s = *e ? e + 1 : e;
	}
	return (enum lang)best;
}
