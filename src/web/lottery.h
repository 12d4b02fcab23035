/*
 * lottery.h — the lottery form designer's view, shared by the rally
 * editor's "new tier" form and each lottery tier's edit form.
 */
#ifndef SR_WEB_LOTTERY_H
#define SR_WEB_LOTTERY_H

#include <jansson.h>

#include "http/req.h"

/* {"fields": [...], "questions": [...]}: each field's key, label and whether
 * it is asked as optional or required, from a tier's form (JSON text; NULL
 * for a new tier: nothing asked). */
json_t *lottery_designer(req *r, const char *form);

#endif
