/*
 * recovery.c — see recovery.h.
 */
#include "core/recovery.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/seal.h"

static const char ALPHABET[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; /* 31 symbols */

/* Weighted sum mod 31 of the 10 data symbols. */
static char check_char(const char *data)
{
	unsigned sum = 0;
	for (int i = 0; i < 10; i++)
		sum += (unsigned)(i + 1) * (unsigned)(strchr(ALPHABET, data[i]) - ALPHABET);
	return ALPHABET[sum % 31];
}

void recovery_new(char *out, size_t outsz)
{
	char data[11];
	for (int i = 0; i < 10; i++)
		data[i] = ALPHABET[randombytes_uniform(31)];
	data[10] = '\0';
	snprintf(out, outsz, "%.4s-%.4s-%.2s%c", data, data + 4, data + 8, check_char(data));
}

int recovery_parse(const char *typed, char *out, size_t outsz)
{
	char c[12];
	size_t n = 0;
	if (!typed || outsz < 12)
		return -1;
	for (const char *p = typed; *p; p++) {
		char ch = (char)toupper((unsigned char)*p);
		if (ch == ' ' || ch == '-')
			continue;
		if (n == 11 || !strchr(ALPHABET, ch) || !ch)
			return -1;
		c[n++] = ch;
	}
	c[n] = '\0';
	if (n != 11 || check_char(c) != c[10])
		return -1;
	memcpy(out, c, 12);
	return 0;
}

/* SHA-256 of a canonical recovery code. */
static void recovery_digest(const char *canonical, unsigned char h[32])
{
	crypto_hash_sha256(h, (const unsigned char *)canonical, strlen(canonical));
}

int participant_set_recovery(db *d, arena *a, int64_t participant_id, char *code, size_t codesz)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		char canon[12];
		unsigned char h[32];
		recovery_new(code, codesz);
		recovery_parse(code, canon, sizeof canon);
		recovery_digest(canon, h);
		int rc = db_exec(d, "UPDATE participants SET recovery_sealed = $1, recovery_hash = $2 WHERE id = $3", "tbi",
				 seal(a, code), h, sizeof h, participant_id);
		if (rc == DB_DONE)
			return 0;
		if (rc != DB_CONSTRAINT)
			return -1;
	}
	return -1;
}

const char *participant_recovery(db *d, arena *a, int64_t participant_id)
{
	char *s = db_text1(d, "SELECT recovery_sealed FROM participants WHERE id = $1", "i", participant_id);
	const char *out = s ? unseal(a, s) : NULL;
	free(s);
	return out;
}

int participant_recover(db *d, const char *canonical, int64_t session_id, int64_t *rally_id)
{
	unsigned char h[32];
	recovery_digest(canonical, h);
	db_stmt *st = db_query(d, "SELECT id, rally_id FROM participants WHERE recovery_hash = $1", "b", h, sizeof h);
	int rc = db_row(st);
	int64_t pid = 0;
	if (rc == DB_ROW) {
		pid = db_int(st, 0);
		*rally_id = db_int(st, 1);
	}
	db_done(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	/* This browser's own card of that rally, if any, lets go of the session. */
	if (db_exec(d, "UPDATE participants SET session_id = NULL WHERE session_id = $1 AND rally_id = $2 AND id <> $3", "iii",
		    session_id, *rally_id, pid) != DB_DONE ||
	    db_exec(d,
		    "UPDATE participants SET moved_from = CASE WHEN session_id = $1 THEN moved_from ELSE session_id END,"
		    " session_id = $1 WHERE id = $2",
		    "ii", session_id, pid) != DB_DONE)
		return -1;
	return 1;
}

int participant_moved_away(db *d, int64_t session_id, int64_t rally_id)
{
	if (!session_id)
		return 0;
	db_stmt *st = db_query(d, "SELECT 1 FROM participants WHERE moved_from = $1 AND rally_id = $2 LIMIT 1", "ii",
			       session_id, rally_id);
	int rc = st ? db_row(st) : DB_ERROR;
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}
