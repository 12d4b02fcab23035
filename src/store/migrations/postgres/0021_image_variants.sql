-- 0021_image_variants.sql — uploaded images made ready for phones
-- (lib/picture.c): the row a rally or spot points at is the 960 px fallback
-- (JPEG, or PNG with transparency), stripped of EXIF/GPS; its variants
-- ("480", "480.webp", "960.webp") are rows of the same table with parent_id
-- set, so the storage quota and a tenant's purge count them as they are.

ALTER TABLE images ADD COLUMN parent_id BIGINT REFERENCES images(id) ON DELETE CASCADE;
ALTER TABLE images ADD COLUMN variant TEXT;
CREATE UNIQUE INDEX images_variant ON images(parent_id, variant) WHERE parent_id IS NOT NULL;
