-- 0011_maintenance.sql — planned maintenance, in the database so every node
-- sees it (core/maintenance.c): one row, id 1. until 0: until turned off.
CREATE TABLE maintenance (
  id          BIGINT PRIMARY KEY CHECK (id = 1),
  active      BIGINT NOT NULL,
  until       BIGINT NOT NULL,
  message_ja  TEXT NOT NULL DEFAULT '',
  message_en  TEXT NOT NULL DEFAULT '',
  set_at      BIGINT NOT NULL
);
