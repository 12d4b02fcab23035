-- 0022_translations.sql — a rally's own texts in the participants' languages
-- (core/translate.c): English, Simplified and Traditional Chinese, Korean.
-- field names the text: "rally:title", "rally:description",
-- "spot:<public id>:name", "spot:<public id>:description",
-- "tier:<public id>:name", "tier:<public id>:q1".."q3" (lottery questions).
-- Japanese stays in the rows themselves; a missing translation falls back to
-- it. Going with the rally (ON DELETE CASCADE), so a purge takes them too.

CREATE TABLE translations (
  rally_id  BIGINT NOT NULL REFERENCES rallies(id) ON DELETE CASCADE,
  lang      TEXT NOT NULL CHECK (lang IN ('en', 'zh-Hans', 'zh-Hant', 'ko')),
  field     TEXT NOT NULL,
  text      TEXT NOT NULL,
  PRIMARY KEY (rally_id, lang, field)
);
