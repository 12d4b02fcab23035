/*
 * lottery.c — see lottery.h.
 */
#include "core/lottery.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/token.h"
#include "lib/utf8.h"

static const char *const keys[LF_COUNT] = {"name", "kana", "postal", "address", "phone", "email", "age", "q1", "q2", "q3"};
/* Longest answer, in code points. */
static const size_t maxlen[LF_COUNT] = {50, 50, 16, 200, 24, 254, 8, 500, 500, 500};

const char *const lottery_age_bands[] = {"u20", "20s", "30s", "40s", "50s", "60s", "70p", NULL};

const char *lottery_field_key(enum lottery_field f)
{
	return keys[f];
}

static int is_question(int f)
{
	return f >= LF_Q1 && f <= LF_Q3;
}

int lottery_form_parse(arena *a, const char *text, struct lottery_form *f)
{
	memset(f, 0, sizeof *f);
	json_t *root = json_loads(text ? text : "{}", 0, NULL), *v;
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	for (int i = 0; i < LF_COUNT; i++) {
		if (!(v = json_object_get(root, keys[i])))
			continue;
		f->asked[i] = 1;
		f->required[i] = json_is_true(json_object_get(v, "required"));
		const char *label = json_string_value(json_object_get(v, "label"));
		f->label[i] = label ? arena_strdup(a, label) : NULL;
	}
	json_decref(root);
	return 0;
}

const char *lottery_form_json(arena *a, const struct lottery_form *f)
{
	json_t *root = json_object();
	for (int i = 0; i < LF_COUNT; i++) {
		if (!f->asked[i])
			continue;
		json_t *v = json_pack("{s:b}", "required", f->required[i]);
		if (is_question(i))
			json_object_set_new(v, "label", json_string(f->label[i] ? f->label[i] : ""));
		json_object_set_new(root, keys[i], v);
	}
	/* json_dumpb into the arena: whose allocator jansson uses depends on the
	 * caller (lib/jsonmem.h), so no json_dumps/free here */
	size_t n = json_dumpb(root, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
	char *out = arena_alloc(a, n + 1);
	json_dumpb(root, out, n, JSON_COMPACT | JSON_SORT_KEYS);
	out[n] = '\0';
	json_decref(root);
	return out;
}

/* Decode one UTF-8 character at p: its code point, *len bytes. A lead
 * byte without its continuation bytes (text that is not UTF-8: the HTTP
 * layer refuses it, but this never reads past the end) is one byte, U+FFFD. */
static unsigned decode(const unsigned char *p, size_t *len)
{
	if (*p < 0x80)
		return *len = 1, *p;
	size_t need = *p < 0xC0 ? 0 : *p < 0xE0 ? 1 : *p < 0xF0 ? 2 : *p < 0xF8 ? 3 : 0;
	for (size_t i = 1; i <= need; i++)
		if ((p[i] & 0xC0) != 0x80)
			need = 0; /* also stops at the NUL */
	if (need == 0)
		return *len = 1, 0xFFFD;
	if (*p < 0xE0)
		return *len = 2, (unsigned)(*p & 0x1F) << 6 | (p[1] & 0x3F);
	if (*p < 0xF0)
		return *len = 3, (unsigned)(*p & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	return *len = 4, (unsigned)(*p & 0x07) << 18 | (unsigned)(p[1] & 0x3F) << 12 | (unsigned)(p[2] & 0x3F) << 6 |
			 (p[3] & 0x3F);
}

/* Append code point cp to out as UTF-8 (room checked by the caller). */
static size_t encode(unsigned cp, char *out)
{
	if (cp < 0x80)
		return out[0] = (char)cp, 1;
	if (cp < 0x800)
		return out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), 2;
	if (cp < 0x10000)
		return out[0] = (char)(0xE0 | cp >> 12), out[1] = (char)(0x80 | (cp >> 6 & 0x3F)),
		       out[2] = (char)(0x80 | (cp & 0x3F)), 3;
	return out[0] = (char)(0xF0 | cp >> 18), out[1] = (char)(0x80 | (cp >> 12 & 0x3F)),
	       out[2] = (char)(0x80 | (cp >> 6 & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F)), 4;
}

/* Copy in to out with surrounding white space removed; with fold, full-width
 * ASCII becomes ASCII, every dash-like character '-', and hiragana becomes
 * katakana when kana is set. */
static void normalise(const char *in, int fold, int kana, char *out, size_t outsz)
{
	size_t o = 0, len;
	const unsigned char *p = (const unsigned char *)in;
	while (*p && o + 5 < outsz) {
		unsigned cp = decode(p, &len);
		if (fold && cp >= 0xFF01 && cp <= 0xFF5E)
			cp -= 0xFEE0;
		else if (fold && (cp == 0x2010 || cp == 0x2011 || cp == 0x2012 || cp == 0x2013 || cp == 0x2212 || cp == 0x30FC))
			cp = '-';
		else if (cp == 0x3000 && !kana)
			cp = ' ';
		else if (kana && cp >= 0x3041 && cp <= 0x3096)
			cp += 0x60;
		o += encode(cp, out + o);
		p += len;
	}
	out[o] = '\0';
	utf8_trim(out);
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* 1 when s (digits only) is a Japanese phone number: 0 and 9 or 10 more digits. */
static int phone_ok(const char *s)
{
	size_t n = strlen(s);
	return (n == 10 || n == 11) && s[0] == '0' && all_digits(s, n);
}

/* One DNS label of an e-mail domain: letters, digits, inner hyphens. */
static int label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			return 0;
	return 1;
}

int email_address_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s), local = at ? (size_t)(at - s) : 0;
	if (!at || strchr(at + 1, '@') || n > 254 || local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.' ||
	    strstr(s, ".."))
		return 0;
	for (size_t i = 0; i < local; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      strchr(".!#$%&'*+/=?^_`{|}~-", s[i])))
			return 0;
	int labels = 0;
	const char *p = at + 1, *last = p;
	for (;;) {
		size_t k = strcspn(p, ".");
		if (!label_ok(p, k))
			return 0;
		labels++;
		last = p;
		if (!p[k])
			break;
		p += k + 1;
	}
	/* a top-level domain of letters only, two or more */
	size_t tld = strlen(last);
	for (size_t i = 0; i < tld; i++)
		if (!((last[i] >= 'a' && last[i] <= 'z') || (last[i] >= 'A' && last[i] <= 'Z')))
			return 0;
	return labels >= 2 && tld >= 2;
}

/* 1 when s is katakana (after folding hiragana), spaces, ー and ・ only. */
static int kana_ok(const char *s)
{
	size_t len;
	if (!*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p += len) {
		unsigned cp = decode(p, &len);
		if (!((cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FB || cp == 0x30FC || cp == ' ' || cp == 0x3000))
			return 0;
	}
	return 1;
}

/* Postal code: 〒 and the hyphen optional, full-width digits allowed. */
static int postal(const char *in, char *out)
{
	if (!strncmp(in, "\xE3\x80\x92", 3)) /* 〒 */
		in += 3;
	while (*in == ' ')
		in++;
	char d[8];
	size_t n = 0;
	for (const char *p = in; *p; p++) {
		if (*p >= '0' && *p <= '9' && n < 7)
			d[n++] = *p;
		else if (!(*p == '-' && n == 3))
			return 0;
	}
	if (n != 7)
		return 0;
	memcpy(out, d, 3);
	out[3] = '-';
	memcpy(out + 4, d + 3, 4);
	out[8] = '\0';
	return 1;
}

/* Phone: digits with hyphens, spaces or brackets; +81 becomes 0. */
static void phone(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	if (!strncmp(in, "+81", 3)) {
		out[o++] = '0';
		in += 3;
		while (*in == ' ' || *in == '-' || *in == '(')
			in++;
		if (*in == '0') /* +81 (0)3 … */
			in++;
	}
	for (; *in && o + 1 < outsz; in++)
		if (!strchr(" -()", *in))
			out[o++] = *in;
	out[o] = '\0';
}

enum lottery_error lottery_check(enum lottery_field f, const char *in, int required, char *out, size_t outsz)
{
	int fold = f == LF_POSTAL || f == LF_PHONE || f == LF_EMAIL;
	normalise(in ? in : "", fold, f == LF_KANA, out, outsz);
	if (!*out)
		return required ? LE_REQUIRED : LE_OK;
	if (utf8_chars(out) > maxlen[f])
		return LE_TOO_LONG;
	if (!utf8_printable(out) || (!is_question(f) && strpbrk(out, "\r\n\t")))
		return LE_FORMAT;
	char tmp[300];
	switch (f) {
	case LF_KANA:
		return kana_ok(out) ? LE_OK : LE_FORMAT;
	case LF_POSTAL:
		if (!postal(out, tmp))
			return LE_FORMAT;
		snprintf(out, outsz, "%s", tmp);
		return LE_OK;
	case LF_PHONE:
		phone(out, tmp, sizeof tmp);
		snprintf(out, outsz, "%s", tmp);
		return phone_ok(out) ? LE_OK : LE_FORMAT;
	case LF_EMAIL:
		return email_address_ok(out) ? LE_OK : LE_FORMAT;
	case LF_AGE:
		for (int i = 0; lottery_age_bands[i]; i++)
			if (!strcmp(out, lottery_age_bands[i]))
				return LE_OK;
		return LE_FORMAT;
	default:
		return LE_OK;
	}
}

/* The participant's entry: 1 (*number, *when), 0 none, -1 error. */
static int entry_of(db *d, int64_t tier_id, int64_t pid, int64_t *number, int64_t *when)
{
	db_stmt *st = db_query(d, "SELECT number, created_at FROM lottery_entries WHERE tier_id = $1 AND participant_id = $2",
			       "ii", tier_id, pid);
	int rc = db_row(st);
	if (rc == DB_ROW) {
		*number = db_int(st, 0);
		*when = db_int(st, 1);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int lottery_enter(db *d, int64_t tier_id, int64_t pid, const char *sealed, int64_t now, int64_t *number, int64_t *when)
{
	/* Numbers follow each other: one entry or draw of a tier at a time, on
	 * every node (the entry seen below is then also one committed since). */
	if (db_lock_xact(d, DB_LOCK_LOTTERY + tier_id) != 0)
		return -1;
	int have = entry_of(d, tier_id, pid, number, when);
	if (have != 0)
		return have < 0 ? -1 : 0;
	*number = db_int1(d, 0, "SELECT coalesce(max(number), 0) + 1 FROM lottery_entries WHERE tier_id = $1", "i", tier_id);
	*when = now;
	int rc = db_exec(d, "INSERT INTO lottery_entries(tier_id, participant_id, number, sealed, created_at)"
			    " VALUES ($1, $2, $3, $4, $5)", "iiiti", tier_id, pid, *number, sealed, now);
	return rc == DB_DONE ? 1 : -1;
}

/* The entries a draw picks from: not won yet, and not test data from an
 * organizer's preview (0019). */
#define CANDIDATES " FROM lottery_entries WHERE tier_id = $1 AND won_draw IS NULL" \
		   " AND participant_id NOT IN (SELECT id FROM participants WHERE preview = 1)"

int64_t lottery_entry_count(db *d, int64_t tier_id, int64_t *eligible)
{
	if (eligible)
		*eligible = db_int1(d, 0, "SELECT count(*)" CANDIDATES, "i",
				    tier_id);
	return db_int1(d, 0, "SELECT count(*) FROM lottery_entries WHERE tier_id = $1", "i", tier_id);
}

/* The keystream: ChaCha20 (IETF, zero nonce) keyed by the seed, read as
 * little-endian 32-bit words. */
struct stream {
	const unsigned char *key;
	unsigned char block[64];
	uint32_t counter;
	int pos;
};

static uint32_t next_word(struct stream *s)
{
	static const unsigned char nonce[crypto_stream_chacha20_ietf_NONCEBYTES];
	if (s->pos == 64) {
		memset(s->block, 0, sizeof s->block);
		crypto_stream_chacha20_ietf_xor_ic(s->block, s->block, sizeof s->block, nonce, s->counter++, s->key);
		s->pos = 0;
	}
	const unsigned char *b = s->block + s->pos;
	s->pos += 4;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Uniform in [0, m) by rejection: words at or above the largest multiple of
 * m below 2^32 are skipped. */
static size_t uniform(struct stream *s, size_t m)
{
	uint64_t limit = (UINT64_C(1) << 32) - ((UINT64_C(1) << 32) % m);
	for (;;) {
		uint64_t x = next_word(s);
		if (x < limit)
			return (size_t)(x % m);
	}
}

void lottery_shuffle(const unsigned char seed[32], int64_t *cand, size_t n, size_t k)
{
	struct stream s = {seed, {0}, 0, 64};
	for (size_t i = 0; i < k && i < n; i++) {
		size_t j = i + uniform(&s, n - i);
		int64_t t = cand[i];
		cand[i] = cand[j];
		cand[j] = t;
	}
}

/* Join n numbers with commas into b. */
static void join(buf *b, const int64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(b, i ? ",%lld" : "%lld", (long long)v[i]);
}

int64_t lottery_draw(db *d, arena *a, int64_t tier_id, int64_t account_id, int64_t k, int64_t now)
{
	/* Two draws at once would pick from the same candidates. */
	if (db_lock_xact(d, DB_LOCK_LOTTERY + tier_id) != 0)
		return -1;
	int64_t n = db_int1(d, -1, "SELECT count(*)" CANDIDATES, "i", tier_id);
	if (n <= 0 || k <= 0)
		return n < 0 ? -1 : 0;
	int64_t *cand = arena_alloc(a, (size_t)n * sizeof *cand), got = 0;
	db_stmt *st = db_query(d, "SELECT number" CANDIDATES " ORDER BY number",
			       "i", tier_id);
	while (got < n && db_row(st) == DB_ROW)
		cand[got++] = db_int(st, 0);
	db_done(st);
	if (got != n)
		return -1;
	if (k > n)
		k = n;
	unsigned char seed[32];
	char seed_hex[65], pid[48];
	randombytes_buf(seed, sizeof seed);
	sodium_bin2hex(seed_hex, sizeof seed_hex, seed, sizeof seed);
	buf cands = {0}, wins = {0};
	join(&cands, cand, (size_t)n);
	lottery_shuffle(seed, cand, (size_t)n, (size_t)k);
	join(&wins, cand, (size_t)k);
	token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
	int64_t id = db_int1(d, -1, "INSERT INTO lottery_draws(public_id, tier_id, seed, candidates, winners, account_id, created_at)"
				    " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", "titttii", pid, tier_id, seed_hex,
			     buf_str(&cands), buf_str(&wins), account_id, now);
	for (int64_t i = 0; id > 0 && i < k; i++)
		if (db_exec(d, "UPDATE lottery_entries SET won_draw = $1, won_rank = $2 WHERE tier_id = $3 AND number = $4",
			    "iiii", id, i + 1, tier_id, cand[i]) != DB_DONE)
			id = -1;
	buf_free(&cands);
	buf_free(&wins);
	sodium_memzero(seed, sizeof seed);
	return id;
}

/* Fill a draw from a row of DRAW_COLS. */
#define DRAW_COLS "d.id, d.tier_id, d.created_at, d.public_id, d.seed, d.candidates, d.winners, a.login"
static void draw_row(db_stmt *st, arena *a, struct draw *o)
{
	o->id = db_int(st, 0);
	o->tier_id = db_int(st, 1);
	o->created_at = db_int(st, 2);
	o->public_id = arena_strdup(a, db_text(st, 3));
	o->seed_hex = arena_strdup(a, db_text(st, 4));
	o->candidates = arena_strdup(a, db_text(st, 5));
	o->winners = arena_strdup(a, db_text(st, 6));
	o->by = arena_strdup(a, db_text(st, 7));
	o->ncandidates = *o->candidates ? 1 : 0;
	o->nwinners = *o->winners ? 1 : 0;
	for (const char *p = o->candidates; *p; p++)
		o->ncandidates += *p == ',';
	for (const char *p = o->winners; *p; p++)
		o->nwinners += *p == ',';
}

int lottery_draw_load(db *d, arena *a, int64_t tier_id, const char *public_id, int64_t id, struct draw *out)
{
	db_stmt *st = db_query(d, "SELECT " DRAW_COLS " FROM lottery_draws d JOIN accounts a ON a.id = d.account_id"
				  " WHERE d.tier_id = $1 AND (d.public_id = $2 OR d.id = $3)", "iti", tier_id,
			       public_id ? public_id : "", public_id ? (int64_t)-1 : id);
	int rc = db_row(st);
	if (rc == DB_ROW)
		draw_row(st, a, out);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int lottery_draws(db *d, arena *a, int64_t tier_id, struct draw **out)
{
	int n = (int)db_int1(d, 0, "SELECT count(*) FROM lottery_draws WHERE tier_id = $1", "i", tier_id), i = 0, rc;
	*out = arena_alloc(a, (size_t)(n + 1) * sizeof **out);
	db_stmt *st = db_query(d, "SELECT " DRAW_COLS " FROM lottery_draws d JOIN accounts a ON a.id = d.account_id"
				  " WHERE d.tier_id = $1 ORDER BY d.id DESC", "i", tier_id);
	while (i < n && (rc = db_row(st)) == DB_ROW)
		draw_row(st, a, &(*out)[i++]);
	db_done(st);
	return i;
}

int lottery_verify(arena *a, const struct draw *dr)
{
	unsigned char seed[32];
	size_t len = 0;
	if (sodium_hex2bin(seed, sizeof seed, dr->seed_hex, strlen(dr->seed_hex), NULL, &len, NULL) != 0 || len != 32 ||
	    dr->nwinners > dr->ncandidates)
		return 0;
	int64_t *cand = arena_alloc(a, (size_t)(dr->ncandidates + 1) * sizeof *cand);
	size_t n = 0;
	for (const char *p = dr->candidates; *p && n < (size_t)dr->ncandidates;) {
		char *end;
		cand[n++] = strtoll(p, &end, 10);
		p = *end == ',' ? end + 1 : end;
	}
	lottery_shuffle(seed, cand, n, (size_t)dr->nwinners);
	buf w = {0};
	join(&w, cand, (size_t)dr->nwinners);
	int same = strcmp(buf_str(&w), dr->winners) == 0;
	buf_free(&w);
	return same;
}
