-- 0020_moved_cards.sql — a card restored on another phone (core/recovery.c)
-- remembers the browser session it left, so that browser can say where the
-- card went and how to bring it back instead of silently offering a new one.
-- The session's end clears it (ON DELETE SET NULL, through the index).

ALTER TABLE participants ADD COLUMN moved_from BIGINT REFERENCES sessions(id) ON DELETE SET NULL;
CREATE INDEX participants_moved_from ON participants(moved_from) WHERE moved_from IS NOT NULL;
