/*
 * deadline.h — a deadline for every request head. libmicrohttpd's own
 * timeout counts only silence, so a client that sends a header line every
 * few seconds, or an idle keep-alive, holds a connection for ever; enough
 * of them and nobody else gets in. Here each connection has
 * limits.head_timeout seconds (limits.busy_head_timeout while more than
 * half the connection limit is in use) to complete a request head, counted
 * from its start or from the end of its previous answer; a reaper thread
 * shuts down the socket of one that has not (counted in /metrics as
 * stamprally_head_deadline_total), and libmicrohttpd then closes the
 * connection as it would any other the client dropped.
 */
#ifndef SR_DEADLINE_H
#define SR_DEADLINE_H

struct MHD_Connection;

/* Start the reaper (head and busy limits in ms; busy_at: open connections
 * beyond which the busy limit applies). 0 or -1. */
int deadline_start(long head_ms, long busy_ms, int busy_at);
/* Stop it (after libmicrohttpd stopped). */
void deadline_stop(void);
/* libmicrohttpd's connection notifications: a connection started (its
 * socket context becomes our record), or closed (the record goes, before
 * libmicrohttpd closes the socket). */
void deadline_started(struct MHD_Connection *conn, void **socket_context);
void deadline_closed(void **socket_context);
/* The connection's request head is complete (no deadline until its
 * answer is done), or its answer is done (the next head's deadline starts). */
void deadline_head_done(struct MHD_Connection *conn);
void deadline_answered(struct MHD_Connection *conn);

/* True when no connection is in a request and none has just opened or
 * just been answered (250 ms): what is left when stopping are idle
 * keep-alives, which may be closed. */
int deadline_all_idle(void);

#endif
