/*
 * rekey.h — data key rotation: every sealed value in the store (personal
 * data and secrets) opened with the old key and sealed again with the new
 * one, in one transaction, so the store is never half under each key.
 */
#ifndef SR_REKEY_H
#define SR_REKEY_H

#include <stdint.h>

#include "store/db.h"

/* Re-seal every sealed column with the current key (lib/seal.h; the old
 * key set with seal_set_old_key opens what is not yet under it). Runs its
 * own transaction. The number of values re-sealed, or -1 with a reason in
 * err (nothing changed) when a value opens under neither key. */
int64_t rekey_all(db *d, char *err, size_t errsz);

#endif
