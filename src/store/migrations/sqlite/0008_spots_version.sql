-- 0008_spots_version.sql — a random version of each rally's list of spots,
-- changed in the same transaction as any change to one of its spots, so a
-- node may keep the list in memory and know from the rally row alone whether
-- it is still current (src/core/spotcache.c). Random rather than counted: a
-- rally id that SQLite hands out again after a delete never meets an old
-- cache entry with the same version.
ALTER TABLE rallies ADD COLUMN spots_version INTEGER NOT NULL DEFAULT 0;
UPDATE rallies SET spots_version = random();

CREATE TRIGGER rallies_spots_version AFTER INSERT ON rallies BEGIN
	UPDATE rallies SET spots_version = random() WHERE id = NEW.id;
END;
CREATE TRIGGER spots_version_insert AFTER INSERT ON spots BEGIN
	UPDATE rallies SET spots_version = random() WHERE id = NEW.rally_id;
END;
CREATE TRIGGER spots_version_update AFTER UPDATE ON spots BEGIN
	UPDATE rallies SET spots_version = random() WHERE id IN (OLD.rally_id, NEW.rally_id);
END;
CREATE TRIGGER spots_version_delete AFTER DELETE ON spots BEGIN
	UPDATE rallies SET spots_version = random() WHERE id = OLD.rally_id;
END;
