/*
 * ops.h — helpers the operator console's pages share (web/ops_*.c).
 */
#ifndef SR_WEB_OPS_H
#define SR_WEB_OPS_H

#include <jansson.h>

#include "http/req.h"

/* The frame of every /ops page: the operator, the service's public key. */
json_t *ops_view(req *r);
/* "LOGIN (operator)": who did it, for security events and certificates (arena). */
const char *ops_actor(req *r);

#endif
