-- 0009_one_throttle.sql — one throttle for everything a client may guess (core/throttle.c).
-- Console logins per address now count in attempt_throttle under the key
-- "login:<address>", beside "passcode:", "p:" and "ip:". The counts are
-- short-lived (15 minutes), so the old table is dropped, not copied.
DROP TABLE login_throttle;
