/*
 * watchdog.h — systemd's watchdog (WatchdogSec= in the unit): a thread of
 * normal priority pings it only while the database answers and the
 * group-commit writer makes progress, so a wedged server is restarted. On
 * PostgreSQL an unreachable server does not stop the pings: restarting the
 * node would not bring it back.
 */
#ifndef SR_WATCHDOG_H
#define SR_WATCHDOG_H

/* Start pinging when systemd asked for it (WATCHDOG_USEC); otherwise do
 * nothing. 0 or -1. */
int watchdog_start(void);
/* Stop the thread. */
void watchdog_stop(void);

#endif
