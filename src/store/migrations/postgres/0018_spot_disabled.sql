-- 0018_spot_disabled.sql — a spot can be taken out of a live rally without
-- losing anyone's stamps: disabled_at set (UTC ms) hides it from
-- participants, refuses new stamps and leaves it out of what completing the
-- rally needs; the stamps already taken stay. NULL: in use.

ALTER TABLE spots ADD COLUMN disabled_at BIGINT;
CREATE INDEX spots_disabled ON spots(rally_id) WHERE disabled_at IS NOT NULL;
