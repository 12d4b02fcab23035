/*
 * audit.c — see audit.h.
 */
#include "core/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/keyfile.h"
#include "lib/timeutil.h"
#include "store/writer.h"

#define HASH_LEN 32
/* What an erased record keeps of its detail (its address is emptied). */
#define ERASED_DETAIL "{\"erased\":true}"

static unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
static int have_key;
static char cp_file[4200];

int audit_init(const char *key_file, const char *checkpoint_file, int create)
{
	unsigned char seed[32];
	if (keyfile_load(key_file, seed, create) != 0)
		return -1;
	crypto_sign_seed_keypair(sign_pk, sign_sk, seed);
	sodium_memzero(seed, sizeof seed);
	snprintf(cp_file, sizeof cp_file, "%s", checkpoint_file);
	have_key = 1;
	return 0;
}

void audit_set_file(const char *checkpoint_file)
{
	snprintf(cp_file, sizeof cp_file, "%s", checkpoint_file);
}

void audit_pubkey(char *out, size_t n)
{
	if (!have_key || n < sodium_base64_ENCODED_LEN(sizeof sign_pk, sodium_base64_VARIANT_ORIGINAL)) {
		if (n)
			out[0] = '\0';
		return;
	}
	sodium_bin2base64(out, n, sign_pk, sizeof sign_pk, sodium_base64_VARIANT_ORIGINAL);
}

int audit_sign(const void *msg, size_t n, unsigned char sig[64])
{
	if (!have_key)
		return -1;
	return crypto_sign_detached(sig, NULL, msg, n, sign_sk);
}

int audit_sign_check(const void *msg, size_t n, const unsigned char sig[64], const unsigned char *pubkey)
{
	if (!pubkey && !have_key)
		return -1;
	return crypto_sign_verify_detached(sig, msg, n, pubkey ? pubkey : sign_pk) == 0 ? 0 : -1;
}

/* ---- the chain ---- */

static void put_int(crypto_generichash_state *h, int null, int64_t v)
{
	unsigned char b[9] = {(unsigned char)!null};
	for (int i = 0; i < 8; i++)
		b[1 + i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
	crypto_generichash_update(h, b, sizeof b);
}

static void put_text(crypto_generichash_state *h, const char *s)
{
	size_t n = strlen(s);
	put_int(h, 0, (int64_t)n);
	crypto_generichash_update(h, (const unsigned char *)s, n);
}

/* The columns a record's hash covers, in this order. */
#define RECORD_COLUMNS "id, at, tenant_id, account_id, kind, ip, detail"

/* hash of the record in st's current row (RECORD_COLUMNS first) after prev. */
static void record_hash(db_stmt *st, const unsigned char prev[HASH_LEN], unsigned char out[HASH_LEN])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, HASH_LEN);
	crypto_generichash_update(&h, (const unsigned char *)"stamprally-audit-v1", 19);
	crypto_generichash_update(&h, prev, HASH_LEN);
	for (int c = 0; c < 4; c++)
		put_int(&h, db_is_null(st, c), db_int(st, c));
	for (int c = 4; c < 7; c++)
		put_text(&h, db_text(st, c));
	crypto_generichash_final(&h, out, HASH_LEN);
}

/* The chain's head: the last record's id and hash, or the last pruning
 * checkpoint's when every record was pruned, or 0 and zeros. 0 or -1. */
static int chain_head(db *d, int64_t *id, unsigned char hash[HASH_LEN])
{
	static const char *sql[] = {
		"SELECT id, hash FROM security_events ORDER BY id DESC LIMIT 1",
		"SELECT upto, hash FROM audit_checkpoints WHERE kind = 'pruned' ORDER BY upto DESC LIMIT 1",
	};
	*id = 0;
	memset(hash, 0, HASH_LEN);
	for (int i = 0; i < 2 && !*id; i++) {
		db_stmt *st = db_query(d, sql[i], NULL);
		int rc = st ? db_row(st) : DB_ERROR;
		size_t n = 0;
		const void *b = rc == DB_ROW ? db_blob(st, 1, &n) : NULL;
		if (rc == DB_ROW) {
			*id = db_int(st, 0);
			if (b && n == HASH_LEN)
				memcpy(hash, b, HASH_LEN);
		}
		db_done(st);
		if (rc == DB_ERROR)
			return -1;
		if (rc == DB_ROW && (!b || n != HASH_LEN))
			return -1; /* a record without a hash: audit_backfill has not run */
	}
	return 0;
}

int audit_append(db *d, int64_t tenant_id, int64_t account_id, const char *kind, const char *ip, const char *detail,
		 int64_t at)
{
	int64_t id;
	unsigned char prev[HASH_LEN], h[HASH_LEN];
	if (db_begin(d) != 0)
		return -1;
	/* One appender at a time across every node: the next id and hash
	 * follow the head, read after the lock (READ COMMITTED). */
	if (db_lock_xact(d, DB_LOCK_AUDIT) != 0 || chain_head(d, &id, prev) != 0)
		goto fail;
	id++;
	/* Hash exactly what SQLite will store and give back. */
	db_stmt *st = db_query(d, "SELECT $1, $2, $3, $4, $5, $6, $7", "iiiittt", id, at, tenant_id, account_id, kind,
			       ip ? ip : "", detail ? detail : "{}");
	if (!st || db_row(st) != DB_ROW) {
		db_done(st);
		goto fail;
	}
	record_hash(st, prev, h);
	db_done(st);
	if (db_exec(d, "INSERT INTO security_events(" RECORD_COLUMNS ", hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		    "iiiittt" "b", id, at, tenant_id, account_id, kind, ip ? ip : "", detail ? detail : "{}", h,
		    (size_t)HASH_LEN) != DB_DONE)
		goto fail;
	return db_commit(d) == 0 ? 0 : -1;
fail:
	db_rollback(d);
	return -1;
}

int64_t audit_backfill(db *d)
{
	/* Only records from before the chain: once a checkpoint is signed, a
	 * record without a hash was tampered with and stays for verify to name. */
	if (db_int1(d, 0, "SELECT count(*) FROM (SELECT 1 FROM security_events WHERE hash IS NULL LIMIT 1) AS unhashed", NULL) == 0 ||
	    db_int1(d, 0, "SELECT count(*) FROM audit_checkpoints", NULL) > 0)
		return 0;
	if (db_begin(d) != 0)
		return -1;
	unsigned char prev[HASH_LEN] = {0}, h[HASH_LEN];
	int64_t n = 0;
	db_stmt *st = db_query(d, "SELECT " RECORD_COLUMNS ", hash FROM security_events ORDER BY id", NULL);
	int rc;
	while (st && (rc = db_row(st)) == DB_ROW) {
		size_t len = 0;
		const void *stored = db_blob(st, 7, &len);
		if (stored && len == HASH_LEN) {
			memcpy(prev, stored, HASH_LEN);
			continue;
		}
		record_hash(st, prev, h);
		if (db_exec(d, "UPDATE security_events SET hash = $1 WHERE id = $2", "bi", h, (size_t)HASH_LEN,
			    db_int(st, 0)) != DB_DONE)
			break;
		memcpy(prev, h, HASH_LEN);
		n++;
	}
	db_done(st);
	if (db_failed(d)) {
		db_rollback(d);
		return -1;
	}
	return db_commit(d) == 0 ? n : -1;
}

/* ---- checkpoints ---- */

struct checkpoint {
	char kind[8];          /* head | pruned | erased */
	int64_t upto, at;
	unsigned char hash[HASH_LEN];
	unsigned char sig[crypto_sign_BYTES];
	int in_file, in_db;
};

/* The signed text of a checkpoint (docs/operations.md gives it). */
static void checkpoint_message(const struct checkpoint *c, char *out, size_t n)
{
	char hex[HASH_LEN * 2 + 1];
	sodium_bin2hex(hex, sizeof hex, c->hash, HASH_LEN);
	snprintf(out, n, "stamprally audit checkpoint v1\nkind %s\nupto %lld\nhash %s\nat %lld\n", c->kind,
		 (long long)c->upto, hex, (long long)c->at);
}

static int checkpoint_sign(struct checkpoint *c)
{
	char msg[256];
	if (!have_key) {
		fprintf(stderr, "stamprally: the audit signing key is not loaded\n");
		return -1;
	}
	checkpoint_message(c, msg, sizeof msg);
	return crypto_sign_detached(c->sig, NULL, (const unsigned char *)msg, strlen(msg), sign_sk);
}

/* c as one JSON line (with its newline) into line; its length. */
static int checkpoint_line(const struct checkpoint *c, char *line, size_t n)
{
	char hash[HASH_LEN * 2 + 1], sig[crypto_sign_BYTES * 2 + 1];
	sodium_bin2hex(hash, sizeof hash, c->hash, HASH_LEN);
	sodium_bin2hex(sig, sizeof sig, c->sig, sizeof c->sig);
	return snprintf(line, n, "{\"kind\":\"%s\",\"upto\":%lld,\"hash\":\"%s\",\"at\":%lld,\"sig\":\"%s\"}\n",
			c->kind, (long long)c->upto, hash, (long long)c->at, sig);
}

/* Append the n checkpoints in v to the checkpoint file, one JSON line
 * each, and sync it once. 0 or -1. */
static int checkpoints_to_file(const struct checkpoint *v, size_t n)
{
	int fd = open(cp_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	int ok = fd >= 0;
	for (size_t i = 0; ok && i < n; i++) {
		char line[512];
		int len = checkpoint_line(&v[i], line, sizeof line);
		ok = write(fd, line, (size_t)len) == len;
	}
	ok = ok && fsync(fd) == 0;
	if (!ok)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot append to the audit checkpoint file\",\"file\":\"%s\","
				"\"error\":\"%s\"}\n", cp_file, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

struct cp_write {
	const struct checkpoint *c;
	int prune; /* also delete the records up to c->upto */
};

static int checkpoint_row(db *d, void *arg)
{
	const struct cp_write *w = arg;
	const struct checkpoint *c = w->c;
	if (db_exec(d, "INSERT INTO audit_checkpoints(kind, upto, hash, at, signature) VALUES ($1, $2, $3, $4, $5)", "tibib",
		    c->kind, c->upto, c->hash, (size_t)HASH_LEN, c->at, c->sig, sizeof c->sig) != DB_DONE)
		return DB_ERROR;
	if (w->prune && db_exec(d, "DELETE FROM security_events WHERE id <= $1", "i", c->upto) != DB_DONE)
		return DB_ERROR;
	return 0;
}

/* Sign c, append it to the file (outside any transaction), then store it
 * (and prune) in one write. 0 or -1. */
static int checkpoint_write(db *d, struct checkpoint *c, int prune)
{
	struct cp_write w = {c, prune};
	if (checkpoint_sign(c) != 0 || checkpoints_to_file(c, 1) != 0)
		return -1;
	return db_write(d, checkpoint_row, &w) == 0 ? 0 : -1;
}

int audit_checkpoint(db *d, int64_t now, int every, int minutes, int force)
{
	struct checkpoint c = {.kind = "head", .at = now};
	if (chain_head(d, &c.upto, c.hash) != 0)
		return -1;
	db_stmt *st = db_query(d, "SELECT upto, at FROM audit_checkpoints ORDER BY upto DESC, id DESC LIMIT 1", NULL);
	int64_t last = 0, last_at = 0;
	if (st && db_row(st) == DB_ROW)
		last = db_int(st, 0), last_at = db_int(st, 1);
	db_done(st);
	if (db_failed(d))
		return -1;
	int grown = c.upto > last;
	int due = grown && (force || c.upto - last >= every || now - last_at >= (int64_t)minutes * 60000);
	if (!due)
		return 0;
	return checkpoint_write(d, &c, 0) == 0 ? 1 : -1;
}

int64_t audit_prune(db *d, int64_t before, int64_t now)
{
	struct checkpoint c = {.kind = "pruned", .at = now};
	db_stmt *st = db_query(d, "SELECT id, hash FROM security_events WHERE at < $1 ORDER BY id DESC LIMIT 1", "i", before);
	size_t n = 0;
	if (st && db_row(st) == DB_ROW) {
		const void *b = db_blob(st, 1, &n);
		c.upto = db_int(st, 0);
		if (b && n == HASH_LEN)
			memcpy(c.hash, b, HASH_LEN);
	}
	db_done(st);
	if (db_failed(d) || (c.upto && n != HASH_LEN))
		return -1;
	if (!c.upto)
		return 0;
	int64_t count = db_int1(d, 0, "SELECT count(*) FROM security_events WHERE id <= $1", "i", c.upto);
	return checkpoint_write(d, &c, 1) == 0 ? count : -1;
}

/* ---- verification ---- */

struct cps {
	struct checkpoint *v;
	size_t n, cap;
};

/* Add c as found in the file or in the table (duplicates are merged by
 * cps_merge once all are in). */
static void cps_add(struct cps *s, const struct checkpoint *c, int from_file)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		if (!s->v)
			abort();
	}
	s->v[s->n] = *c;
	s->v[s->n].in_file = from_file, s->v[s->n].in_db = !from_file;
	s->n++;
}

/* Order by upto, then everything else, so equal checkpoints are neighbours. */
static int by_upto(const void *a, const void *b)
{
	const struct checkpoint *x = a, *y = b;
	if (x->upto != y->upto)
		return x->upto < y->upto ? -1 : 1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	int c = strcmp(x->kind, y->kind);
	if (!c)
		c = memcmp(x->hash, y->hash, HASH_LEN);
	return c ? c : memcmp(x->sig, y->sig, sizeof x->sig);
}

/* Sort, and merge each checkpoint found in both the file and the table
 * into one (O(n log n): a year brings tens of thousands). */
static void cps_merge(struct cps *s)
{
	size_t out = 0;
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, by_upto);
	for (size_t i = 0; i < s->n; i++) {
		if (out && by_upto(&s->v[out - 1], &s->v[i]) == 0) {
			s->v[out - 1].in_file |= s->v[i].in_file;
			s->v[out - 1].in_db |= s->v[i].in_db;
		} else {
			s->v[out++] = s->v[i];
		}
	}
	s->n = out;
}

static int hex_field(json_t *o, const char *k, unsigned char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, k));
	size_t len = 0;
	return s && sodium_hex2bin(out, n, s, strlen(s), NULL, &len, NULL) == 0 && len == n ? 0 : -1;
}

/* Read the checkpoint file into s. A missing file is an empty one. 0, or 1
 * with rep filled for an unreadable line. */
static int load_file(struct cps *s, struct audit_report *rep)
{
	FILE *f = fopen(cp_file, "re");
	if (!f)
		return 0;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, bad = 0;
	while (!bad && getline(&line, &cap, f) > 0) {
		lineno++;
		json_t *o = json_loads(line, 0, NULL);
		struct checkpoint c = {0};
		const char *kind = json_string_value(json_object_get(o, "kind"));
		bad = !o || !kind || strlen(kind) >= sizeof c.kind || !json_is_integer(json_object_get(o, "upto")) ||
		      hex_field(o, "hash", c.hash, HASH_LEN) || hex_field(o, "sig", c.sig, sizeof c.sig);
		if (!bad) {
			snprintf(c.kind, sizeof c.kind, "%s", kind);
			c.upto = json_integer_value(json_object_get(o, "upto"));
			c.at = json_integer_value(json_object_get(o, "at"));
			cps_add(s, &c, 1);
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	if (bad)
		snprintf(rep->what, sizeof rep->what, "checkpoint file, line %d: not a checkpoint", lineno);
	return bad;
}

/* Read the checkpoint table into s. 0 or -1. */
static int load_table(db *d, struct cps *s)
{
	db_stmt *st = db_query(d, "SELECT kind, upto, hash, at, signature FROM audit_checkpoints ORDER BY id", NULL);
	while (st && db_row(st) == DB_ROW) {
		struct checkpoint c = {0};
		size_t hn = 0, sn = 0;
		const void *h = db_blob(st, 2, &hn), *sig = db_blob(st, 4, &sn);
		snprintf(c.kind, sizeof c.kind, "%s", db_text(st, 0));
		c.upto = db_int(st, 1), c.at = db_int(st, 3);
		if (h && hn == HASH_LEN)
			memcpy(c.hash, h, HASH_LEN);
		if (sig && sn == sizeof c.sig)
			memcpy(c.sig, sig, sn);
		cps_add(s, &c, 0);
	}
	db_done(st);
	return db_failed(d) ? -1 : 0;
}

static int broken(struct audit_report *rep, int64_t id, int64_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int broken(struct audit_report *rep, int64_t id, int64_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->what, sizeof rep->what, fmt, ap);
	va_end(ap);
	rep->bad_id = id, rep->bad_at = at;
	return 1;
}

/* Signatures, and the file holding every checkpoint the table holds. */
static int check_checkpoints(const struct cps *s, const unsigned char *pk, struct audit_report *rep)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct checkpoint *c = &s->v[i];
		char msg[256];
		checkpoint_message(c, msg, sizeof msg);
		if ((strcmp(c->kind, "head") != 0 && strcmp(c->kind, "pruned") != 0 && strcmp(c->kind, "erased") != 0) ||
		    crypto_sign_verify_detached(c->sig, (const unsigned char *)msg, strlen(msg), pk) != 0)
			return broken(rep, c->upto, c->at,
				      "checkpoint for record %lld (%s): the signature does not verify with the audit public key "
				      "(forged or altered)", (long long)c->upto, c->in_db ? "in the database" : "in the file");
		if (c->in_db && !c->in_file)
			return broken(rep, c->upto, c->at,
				      "checkpoint for record %lld is in the database but not in the checkpoint file "
				      "(the file was truncated or replaced)", (long long)c->upto);
	}
	return 0;
}

/* The hash the record after a gap must follow: a pruning checkpoint's. */
static const struct checkpoint *pruned_at(const struct cps *s, int64_t upto)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].kind, "pruned") == 0 && s->v[i].upto == upto)
			return &s->v[i];
	return NULL;
}

/* The erasure checkpoint for record id, looking from s->v[from] (the
 * first checkpoint not yet passed), or NULL. */
static const struct checkpoint *erased_at(const struct cps *s, size_t from, int64_t id)
{
	for (size_t i = from; i < s->n && s->v[i].upto <= id; i++)
		if (s->v[i].upto == id && strcmp(s->v[i].kind, "erased") == 0)
			return &s->v[i];
	return NULL;
}

/* Walk the records in id order, checking links, gaps and checkpoints. */
static int check_chain(db *d, struct cps *s, struct audit_report *rep)
{
	unsigned char prev[HASH_LEN] = {0}, h[HASH_LEN];
	int64_t last = 0, last_at = 0;
	size_t ci = 0;
	int bad = 0;
	db_stmt *st = db_query(d, "SELECT " RECORD_COLUMNS ", hash FROM security_events ORDER BY id", NULL);
	while (!bad && st && db_row(st) == DB_ROW) {
		int64_t id = db_int(st, 0), at = db_int(st, 1);
		size_t len = 0;
		const void *stored = db_blob(st, 7, &len);
		if (id != last + 1) {
			const struct checkpoint *p = pruned_at(s, id - 1);
			if (last || !p) {
				bad = broken(rep, last + 1, last_at, "record %lld%s missing (deleted), before record %lld",
					     (long long)(last + 1), id - 1 > last + 1 ? " and the following ones are" : " is",
					     (long long)id);
				break;
			}
			memcpy(prev, p->hash, HASH_LEN); /* the records before were pruned, with a signed checkpoint */
		}
		const struct checkpoint *er = erased_at(s, ci, id);
		if (er)
			memcpy(h, er->hash, HASH_LEN); /* its content is gone; a signature vouches for its hash */
		else
			record_hash(st, prev, h);
		if (er && (!stored || len != HASH_LEN || memcmp(stored, h, HASH_LEN) != 0)) {
			bad = broken(rep, id, at, "record %lld: erased, but its hash differs from the signed erasure "
					  "checkpoint", (long long)id);
			break;
		}
		if (!stored || len != HASH_LEN || memcmp(stored, h, HASH_LEN) != 0) {
			bad = broken(rep, id, at, "record %lld: its hash does not match its content and the record before "
					  "(edited, inserted or reordered)", (long long)id);
			break;
		}
		while (ci < s->n && s->v[ci].upto <= id) {
			const struct checkpoint *c = &s->v[ci++];
			if (c->upto == id && memcmp(c->hash, h, HASH_LEN) != 0)
				bad = broken(rep, id, at, "record %lld: differs from the signed checkpoint of %lld "
						  "(the chain was rewritten)", (long long)id, (long long)c->at);
		}
		memcpy(prev, h, HASH_LEN);
		last = id, last_at = at;
		rep->records++;
	}
	db_done(st);
	if (db_failed(d))
		return -1;
	int empty = last == 0;
	for (size_t i = 0; !bad && empty && i < s->n; i++)
		if (strcmp(s->v[i].kind, "pruned") == 0 && s->v[i].upto > last)
			last = s->v[i].upto; /* every record was pruned */
	for (; !bad && ci < s->n; ci++) {
		const struct checkpoint *c = &s->v[ci];
		if (c->upto > last)
			bad = broken(rep, c->upto, c->at, "record %lld is missing: a signed checkpoint vouches for it, but the "
							  "log ends at record %lld (records removed from the end)",
				     (long long)c->upto, (long long)last);
	}
	return bad;
}

int audit_verify(db *d, const unsigned char *pubkey, struct audit_report *rep)
{
	memset(rep, 0, sizeof *rep);
	struct cps s = {0};
	if (!pubkey && !have_key) {
		snprintf(rep->what, sizeof rep->what, "no audit public key (the signing key is missing)");
		return -1;
	}
	int rc = load_file(&s, rep);
	if (rc == 0 && load_table(d, &s) != 0)
		rc = -1;
	cps_merge(&s);
	rep->checkpoints = (int64_t)s.n;
	if (rc == 0)
		rc = check_checkpoints(&s, pubkey ? pubkey : sign_pk, rep);
	if (rc == 0)
		rc = check_chain(d, &s, rep);
	free(s.v);
	return rc;
}

/* ---- erasure ---- */

/* A slice of the erasure checkpoints to store and apply in one write. */
struct erase_batch {
	const struct checkpoint *v;
	size_t n;
};

static int erase_rows(db *d, void *arg)
{
	const struct erase_batch *b = arg;
	for (size_t i = 0; i < b->n; i++) {
		const struct checkpoint *c = &b->v[i];
		if (db_exec(d, "INSERT INTO audit_checkpoints(kind, upto, hash, at, signature) VALUES ('erased', $1, $2, $3, $4)",
			    "ibib", c->upto, c->hash, (size_t)HASH_LEN, c->at, c->sig, sizeof c->sig) != DB_DONE ||
		    db_exec(d, "UPDATE security_events SET ip = '', detail = '" ERASED_DETAIL "' WHERE id = $1", "i",
			    c->upto) != DB_DONE)
			return DB_ERROR;
	}
	return 0;
}

int64_t audit_erase(db *d, int64_t tenant_id, int64_t now)
{
	struct cps s = {0};
	int bad = 0;
	db_stmt *st = db_query(d, "SELECT id, hash FROM security_events WHERE tenant_id = $1 AND detail <> '" ERASED_DETAIL
				  "' ORDER BY id", "i", tenant_id);
	while (!bad && st && db_row(st) == DB_ROW) {
		struct checkpoint c = {.kind = "erased", .at = now, .upto = db_int(st, 0)};
		size_t n = 0;
		const void *h = db_blob(st, 1, &n);
		bad = !h || n != HASH_LEN;
		if (!bad)
			memcpy(c.hash, h, HASH_LEN);
		bad = bad || checkpoint_sign(&c) != 0;
		if (!bad)
			cps_add(&s, &c, 0);
	}
	db_done(st);
	bad = bad || db_failed(d) || (s.n && checkpoints_to_file(s.v, s.n) != 0);
	for (size_t i = 0; !bad && i < s.n; i += 500) {
		struct erase_batch b = {s.v + i, s.n - i < 500 ? s.n - i : 500};
		bad = db_write(d, erase_rows, &b) != 0;
	}
	free(s.v);
	return bad ? -1 : (int64_t)s.n;
}

db_stmt *audit_rows(db *d, int64_t tenant_id, const char *kind, const char *login, int64_t from, int64_t to,
		    int64_t before, int limit)
{
	return db_query(d,
			"SELECT e.id, e.at, e.kind, e.ip, e.detail, coalesce(a.login, '') FROM security_events e"
			" LEFT JOIN accounts a ON a.id = e.account_id"
			" WHERE e.tenant_id = $1 AND ($2 IS NULL OR e.kind = $2) AND ($3 IS NULL OR a.login = $3)"
			" AND ($4 = 0 OR e.at >= $4) AND ($5 = 0 OR e.at < $5) AND ($6 = 0 OR e.id < $6)"
			" ORDER BY e.id DESC LIMIT $7",
			"ittiiii", tenant_id, kind, login, from, to, before, limit > 0 ? (int64_t)limit : INT64_MAX);
}

db_stmt *audit_operator_rows(db *d, int limit)
{
	return db_query(d, "SELECT e.id, e.at, e.kind, coalesce(t.slug, ''), e.detail FROM security_events e"
			   " LEFT JOIN tenants t ON t.id = e.tenant_id WHERE e.kind LIKE 'operator%' OR e.kind LIKE 'tenant%'"
			   " OR e.kind LIKE 'announcement%' OR e.kind LIKE 'maintenance%'"
			   " ORDER BY e.id DESC LIMIT $1", "i", (int64_t)limit);
}

const char **audit_kinds(db *d, arena *a, int64_t tenant_id)
{
	enum { MAX_KINDS = 64 };
	const char **v = arena_alloc(a, (MAX_KINDS + 1) * sizeof *v);
	int n = 0;
	db_stmt *st = db_query(d, "SELECT DISTINCT kind FROM security_events WHERE tenant_id = $1 ORDER BY kind LIMIT $2",
			       "ii", tenant_id, (int64_t)MAX_KINDS);
	while (st && db_row(st) == DB_ROW)
		v[n++] = arena_strdup(a, db_text(st, 0));
	db_done(st);
	v[n] = NULL;
	return v;
}

int audit_list(db *d, FILE *out, int64_t tenant_id, const char *kind, int64_t since, int limit)
{
	db_stmt *st = db_query(d,
			       "SELECT id, at, tenant_id, account_id, kind, ip, detail FROM security_events"
			       " WHERE ($1 = 0 OR tenant_id = $1) AND ($2 IS NULL OR kind = $2) AND at >= $3"
			       " ORDER BY id DESC LIMIT $4",
			       "itii", tenant_id, kind, since, (int64_t)limit);
	while (st && db_row(st) == DB_ROW) {
		char when[40];
		time_format_iso_jst(db_int(st, 1), when, sizeof when);
		json_t *detail = json_loads(db_text(st, 6), 0, NULL);
		json_t *o = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:o}", "id", (json_int_t)db_int(st, 0), "at", when,
				      "tenant_id", (json_int_t)db_int(st, 2), "account_id", (json_int_t)db_int(st, 3), "kind",
				      db_text(st, 4), "ip", db_text(st, 5), "detail", detail ? detail : json_object());
		if (o) {
			json_dumpf(o, out, JSON_COMPACT);
			fputc('\n', out);
		}
		json_decref(o);
	}
	db_done(st);
	return db_failed(d) ? -1 : 0;
}
