-- 0005_opening_hours.sql — optional opening hours per spot, in Japan time:
-- minutes after midnight JST; NULL means always open. A window may cross
-- midnight (open_from > open_until, e.g. 22:00–02:00).
ALTER TABLE spots ADD COLUMN open_from BIGINT CHECK (open_from BETWEEN 0 AND 1439);
ALTER TABLE spots ADD COLUMN open_until BIGINT CHECK (open_until BETWEEN 0 AND 1440);
