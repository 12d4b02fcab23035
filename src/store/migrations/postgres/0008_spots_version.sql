-- 0008_spots_version.sql — a random version of each rally's list of spots,
-- changed in the same transaction as any change to one of its spots, so a
-- node may keep the list in memory and know from the rally row alone whether
-- it is still current (src/core/spotcache.c). Random rather than counted: a
-- rally id handed out again after a delete never meets an old
-- cache entry with the same version.
ALTER TABLE rallies ADD COLUMN spots_version BIGINT NOT NULL DEFAULT 0;

-- A random 62-bit version (SQLite's random() is a random 64-bit integer).
CREATE FUNCTION random_version() RETURNS bigint LANGUAGE sql VOLATILE
  AS $$ SELECT (random() * 4611686018427387903)::bigint $$;
UPDATE rallies SET spots_version = random_version();

CREATE FUNCTION rallies_spots_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.spots_version := random_version();
	RETURN NEW;
END $$;
CREATE TRIGGER rallies_spots_version BEFORE INSERT ON rallies
  FOR EACH ROW EXECUTE FUNCTION rallies_spots_version();

CREATE FUNCTION spots_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		UPDATE rallies SET spots_version = random_version() WHERE id = OLD.rally_id;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		UPDATE rallies SET spots_version = random_version() WHERE id = NEW.rally_id;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER spots_version AFTER INSERT OR UPDATE OR DELETE ON spots
  FOR EACH ROW EXECUTE FUNCTION spots_version();
