/*
 * keyfile.h — 32-byte secret keys in files (mode 0600), and the lock that
 * keeps a key rotation from running under a live server.
 */
#ifndef SR_KEYFILE_H
#define SR_KEYFILE_H

/* Read a 32-byte key file into key; with create, make it (random, 0600,
 * synced) when missing. 0, or -1 with a message on stderr. */
int keyfile_load(const char *path, unsigned char key[32], int create);
/* Whether path exists. */
int keyfile_exists(const char *path);
/* Take the data directory's lock: shared (a server) or exclusive and
 * without waiting (a key rotation). The descriptor, held until exit, or -1. */
int keyfile_lock(const char *data_dir, int exclusive);
/* fsync the directory holding path, so a new, renamed or deleted entry
 * survives a crash (path "DIR/." syncs DIR itself). */
void keyfile_sync_dir(const char *path);
/* Replace to with from atomically and sync the directory. 0 or -1. */
int keyfile_replace(const char *from, const char *to);

#endif
