-- 0017_lottery_deadline.sql — a lottery's entries close at a time the
-- organizer sets (UTC ms); NULL: at the rally's end, as before. A draw
-- before that time closes them early, and asks first (web/lottery.c).

ALTER TABLE reward_tiers ADD COLUMN entries_until BIGINT;
