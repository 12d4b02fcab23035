/*
 * copydb.c — see copydb.h.
 *
 * The statements here name tables and columns, which cannot be bound
 * parameters: every name comes from PostgreSQL's catalog of the target
 * (the same migrations made both databases), is checked to be a plain
 * identifier ([a-z0-9_]) and is quoted (SQL-IDENT). The values themselves
 * go as one bound parameter per batch: a JSON array of rows that
 * json_populate_recordset turns into the table's row type. The statement
 * texts live in an arena until the copy ends; the caller closes both
 * connections then (their statement caches are keyed by the texts'
 * addresses).
 */
#include "ops/copydb.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/jsonmem.h"

#define BATCH 500
#define MAX_TABLES 64
#define MAX_COLUMNS 64

struct column {
	const char *name;
	char type; /* 'i' bigint, 'd' double precision, 'b' bytea, 't' text */
	int identity;
};

struct table {
	const char *name;
	const char *parents[MAX_TABLES];
	int nparents, done;
};

struct copy {
	db *from, *to;
	arena a;
	FILE *out;
	char *err;
	size_t errsz;
	struct table t[MAX_TABLES];
	int n;
};

/* The target's tables (but schema_migrations, which migrate filled) and
 * each one's parents by foreign key. 0 or -1. */
static int load_tables(struct copy *c)
{
	db_stmt *st = db_query(c->to, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
				      " AND tablename <> 'schema_migrations' ORDER BY tablename", NULL);
	while (st && db_row(st) == DB_ROW && c->n < MAX_TABLES)
		c->t[c->n++].name = arena_strdup(&c->a, db_text(st, 0));
	db_done(st);
	for (int i = 0; i < c->n; i++)
		if (!db_plain_identifier(c->t[i].name)) {
			snprintf(c->err, c->errsz, "table name %.64s is not a plain identifier", c->t[i].name);
			return -1;
		}
	st = db_query(c->to, "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
			     " WHERE contype = 'f' AND conrelid <> confrelid", NULL);
	while (st && db_row(st) == DB_ROW)
		for (int i = 0; i < c->n; i++)
			if (!strcmp(c->t[i].name, db_text(st, 0)) && c->t[i].nparents < MAX_TABLES)
				c->t[i].parents[c->t[i].nparents++] = arena_strdup(&c->a, db_text(st, 1));
	db_done(st);
	if (db_failed(c->to) || c->n == 0 || c->n == MAX_TABLES) {
		snprintf(c->err, c->errsz, "cannot read the target's tables");
		return -1;
	}
	return 0;
}

/* Table t's columns in order, typed by the target; the count or -1. */
static int load_columns(struct copy *c, const char *table, struct column *col)
{
	int n = 0;
	db_stmt *st = db_query(c->to, "SELECT column_name, data_type, is_identity FROM information_schema.columns"
				      " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
			       "t", table);
	while (st && db_row(st) == DB_ROW && n < MAX_COLUMNS) {
		const char *type = db_text(st, 1);
		col[n] = (struct column){arena_strdup(&c->a, db_text(st, 0)),
					 !strcmp(type, "bigint") || !strcmp(type, "integer") ? 'i'
					 : !strcmp(type, "double precision")               ? 'd'
					 : !strcmp(type, "bytea")                          ? 'b'
											   : 't',
					 !strcmp(db_text(st, 2), "YES")};
		if (!db_plain_identifier(col[n].name)) {
			db_done(st);
			snprintf(c->err, c->errsz, "column name in %s is not a plain identifier", table);
			return -1;
		}
		n++;
	}
	db_done(st);
	return db_failed(c->to) || n == 0 || n == MAX_COLUMNS ? -1 : n;
}

/* One SQLite value of column k as JSON for json_populate_recordset (a new
 * reference, or NULL when text is not UTF-8). */
static json_t *value_of(db_stmt *st, int k, const struct column *col, arena *a)
{
	if (db_is_null(st, k))
		return json_null();
	switch (col->type) {
	case 'i': return json_integer(db_int(st, k));
	case 'd': return json_real(db_double(st, k));
	case 'b': {
		size_t n = 0;
		const unsigned char *p = db_blob(st, k, &n);
		char *hex = arena_alloc(a, 2 * n + 3);
		memcpy(hex, "\\x", 2);
		sodium_bin2hex(hex + 2, 2 * n + 1, p ? p : (const unsigned char *)"", n);
		return json_string(hex);
	}
	default: return json_string(db_text(st, k));
	}
}

/* Insert the rows gathered in rows into table; empties rows. 0 or -1. */
static int flush(struct copy *c, const char *insert, json_t *rows)
{
	if (json_array_size(rows) == 0)
		return 0;
	char *text = json_heap_text(rows, JSON_COMPACT);
	int rc = text && db_exec(c->to, insert, "t", text) == DB_DONE ? 0 : -1;
	free(text);
	json_array_clear(rows);
	return rc;
}

/* The SELECT of table's columns (from SQLite) and the batch INSERT (into
 * PostgreSQL), in the arena. */
static void statements(struct copy *c, const char *table, const struct column *col, int ncol, const char **select,
		       const char **insert)
{
	size_t len = 64 + strlen(table);
	for (int k = 0; k < ncol; k++)
		len += strlen(col[k].name) + 4;
	char *s = arena_alloc(&c->a, len);
	strcpy(s, "SELECT ");
	for (int k = 0; k < ncol; k++) { /* SQL-IDENT: catalog names, checked and quoted */
		strcat(s, k ? ", \"" : "\"");
		strcat(s, col[k].name);
		strcat(s, "\"");
	}
	*select = arena_printf(&c->a, "%s FROM \"%s\" ORDER BY 1", s, table);
	*insert = arena_printf(&c->a, "INSERT INTO \"%s\" SELECT * FROM json_populate_recordset(NULL::\"%s\", $1::json)", table,
			       table);
}

/* Copy one table in batches, set its identity to continue after the
 * largest id, compare the counts. 0 or -1. */
static int copy_table(struct copy *c, const char *table)
{
	struct column col[MAX_COLUMNS];
	int ncol = load_columns(c, table, col);
	if (ncol < 0) {
		snprintf(c->err, c->errsz, "cannot read the columns of %s", table);
		return -1;
	}
	const char *select, *insert;
	statements(c, table, col, ncol, &select, &insert);
	json_t *rows = json_array();
	int64_t copied = 0;
	int rc = 0;
	db_stmt *st = db_query(c->from, select, NULL);
	while (rc == 0 && st && db_row(st) == DB_ROW) {
		json_t *row = json_object();
		for (int k = 0; k < ncol && rc == 0; k++) {
			json_t *v = value_of(st, k, &col[k], &c->a);
			rc = v && json_object_set_new(row, col[k].name, v) == 0 ? 0 : -1;
		}
		json_array_append_new(rows, row);
		copied++;
		if (rc == 0 && json_array_size(rows) == BATCH)
			rc = flush(c, insert, rows);
	}
	db_done(st);
	if (rc == 0)
		rc = !st || db_failed(c->from) ? -1 : flush(c, insert, rows);
	json_decref(rows);
	for (int k = 0; k < ncol && rc == 0; k++)
		if (col[k].identity) {
			const char *sql = arena_printf(&c->a, "SELECT setval(pg_get_serial_sequence($1, $2),"
							      " (SELECT coalesce(max(\"%s\"), 0) + 1 FROM \"%s\"), false)",
						       col[k].name, table);
			rc = db_exec(c->to, sql, "tt", table, col[k].name) == DB_DONE ? 0 : -1;
		}
	const char *count = arena_printf(&c->a, "SELECT count(*) FROM \"%s\"", table);
	int64_t there = rc == 0 ? db_int1(c->to, -1, count, NULL) : -1;
	if (rc != 0 || there != copied) {
		snprintf(c->err, c->errsz, "%s: %lld rows read, %lld in PostgreSQL", table, (long long)copied,
			 (long long)there);
		return -1;
	}
	fprintf(c->out, "%-24s %10lld rows\n", table, (long long)copied);
	return 0;
}

/* Whether every parent of t is copied (or is t itself). */
static int ready(const struct copy *c, const struct table *t)
{
	for (int p = 0; p < t->nparents; p++)
		for (int i = 0; i < c->n; i++)
			if (!strcmp(c->t[i].name, t->parents[p]) && !c->t[i].done)
				return 0;
	return 1;
}

/* Both at the same schema version, the target without a tenant. 0 or -1. */
static int check_ends(struct copy *c)
{
	int64_t vf = db_int1(c->from, -1, "SELECT max(version) FROM schema_migrations", NULL);
	int64_t vt = db_int1(c->to, -1, "SELECT max(version) FROM schema_migrations", NULL);
	if (vf < 0 || vf != vt) {
		snprintf(c->err, c->errsz, "schema versions differ (SQLite %lld, PostgreSQL %lld): run stamprally migrate on the "
					   "SQLite data directory first", (long long)vf, (long long)vt);
		return -1;
	}
	if (db_int1(c->to, -1, "SELECT count(*) FROM tenants", NULL) != 0) {
		snprintf(c->err, c->errsz, "the PostgreSQL database is not empty");
		return -1;
	}
	return 0;
}

/* Every table, each after its parents. 0 or -1. */
static int copy_all(struct copy *c)
{
	for (int left = c->n; left > 0;) {
		int progress = 0;
		for (int i = 0; i < c->n; i++)
			if (!c->t[i].done && ready(c, &c->t[i])) {
				if (copy_table(c, c->t[i].name) != 0)
					return -1;
				c->t[i].done = 1, left--, progress = 1;
			}
		if (!progress) {
			snprintf(c->err, c->errsz, "the tables' foreign keys form a cycle");
			return -1;
		}
	}
	return 0;
}

int copydb_run(db *from, db *to, FILE *out, char *err, size_t errsz)
{
	struct copy c = {.from = from, .to = to, .out = out, .err = err, .errsz = errsz};
	*err = '\0';
	int rc = check_ends(&c) == 0 && load_tables(&c) == 0 ? 0 : -1;
	if (rc == 0 && db_begin_read(from) != 0)
		rc = -1;
	else if (rc == 0) {
		if (db_begin(to) == 0) {
			rc = copy_all(&c);
			rc = rc == 0 ? db_commit(to) : (db_rollback(to), -1);
		} else {
			rc = -1;
		}
		db_rollback(from); /* it only read */
	}
	if (rc != 0 && !*err)
		snprintf(err, errsz, "the copy failed (see the log above)");
	arena_free(&c.a);
	return rc == 0 ? 0 : -1;
}
