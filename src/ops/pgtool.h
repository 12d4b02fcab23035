/*
 * pgtool.h — PostgreSQL's own client programs, run for backups: pg_dump
 * (custom format), pg_restore, and a full read of a dump that counts its
 * rows. They connect as the tables' owner (db_owner_target); the password
 * reaches them in their environment only, never on a command line.
 */
#ifndef SR_PGTOOL_H
#define SR_PGTOOL_H

#include <stddef.h>

#include <jansson.h>

/* The owner's connection as a key=value string naming database dbname
 * (NULL: the configured one), without the password. Heap (caller frees),
 * or NULL when the configured URL cannot be parsed. */
char *pgtool_conninfo(const char *dbname);

/* pg_dump of conninfo's database in the custom format into path, with row
 * security on (the policies let a connection without a tenant see every
 * row). 0, or -1 with pg_dump's message in err. */
int pgtool_dump(const char *conninfo, const char *path, char *err, size_t errsz);

/* pg_restore of the dump at path into conninfo's database, which should be
 * empty: one transaction, stopping at the first error, objects owned by
 * the connecting role, no grants (migrate grants the service's role at the
 * next start). 0, or -1 with pg_restore's message in err. */
int pgtool_restore(const char *conninfo, const char *path, char *err, size_t errsz);

/* Read the dump at path completely (pg_restore to SQL text, nothing
 * connected): the row count of every table into a new JSON object *tables
 * (caller releases), the highest schema_migrations version into *schema.
 * 0, or -1 with a message in err. */
int pgtool_count(const char *path, json_t **tables, int *schema, char *err, size_t errsz);

#endif
