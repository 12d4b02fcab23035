-- 0019_preview.sql — organizers try a draft rally on its participant pages
-- (web/common.c: a staff session of the tenant with edit rights). Who joins
-- that way is test data: preview = 1 keeps them out of the dashboard
-- counters, exports and lottery draws, and the console can delete them.

ALTER TABLE participants ADD COLUMN preview BIGINT NOT NULL DEFAULT 0;
CREATE INDEX participants_preview ON participants(rally_id) WHERE preview = 1;
