/*
 * demo.h — the demo tenant and its Japanese demo rally, seeded by
 * `stamprally demo` and by `serve` on an empty database.
 */
#ifndef SR_DEMO_H
#define SR_DEMO_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"

#define DEMO_RALLY_SLUG "minato-walk"

/* Seed the demo tenant and rally when absent (idempotent: an existing demo
 * rally is left as it is). On success returns 0 and stores the import result
 * (rally slug and spot QR URLs; caller decrefs) in *result. */
int demo_seed(db *d, const char *public_url, int64_t now, json_t **result, char *err, size_t errsz);

/* Give the demo rally a random 6-digit desk PIN (for redeeming coupons on a
 * phone) and put it in pin; "" and -1 on failure. */
int demo_desk_pin(db *d, char pin[8]);

#endif
