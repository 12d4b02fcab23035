-- 0007_lottery.sql — lottery tiers: an application form the organizer
-- designs, the entries participants send (personal data sealed), and the
-- draws, each with the seed and the candidates it was drawn from so that
-- anyone can recompute it.

-- The tier's kind gains 'lottery' and the tier its form (JSON: which fields
-- are asked and which are required; no personal data). SQLite cannot change
-- a CHECK constraint: rebuild reward_tiers and its only child, rewards.
CREATE TABLE reward_tiers_new (
  id           INTEGER PRIMARY KEY,
  public_id    TEXT NOT NULL UNIQUE,
  rally_id     INTEGER NOT NULL REFERENCES rallies(id),
  position     INTEGER NOT NULL,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  kind         TEXT NOT NULL CHECK (kind IN ('coupon', 'first_come', 'lottery')),
  condition    TEXT NOT NULL CHECK (condition IN ('count', 'all', 'category')),
  threshold    INTEGER NOT NULL DEFAULT 0,
  category     TEXT NOT NULL DEFAULT '',
  stock        INTEGER CHECK (stock >= 0),          -- first_come: what is left
  form         TEXT NOT NULL DEFAULT '{}',          -- lottery: the application form
  created_at   INTEGER NOT NULL
);
CREATE TABLE rewards_new (
  id              INTEGER PRIMARY KEY,
  tier_id         INTEGER NOT NULL REFERENCES reward_tiers_new(id),
  participant_id  INTEGER NOT NULL REFERENCES participants(id),
  code            TEXT NOT NULL UNIQUE,
  earned_at       INTEGER NOT NULL,
  redeemed_at     INTEGER,
  UNIQUE (tier_id, participant_id)
);
INSERT INTO reward_tiers_new(id, public_id, rally_id, position, name, description, kind, condition, threshold,
                             category, stock, created_at)
  SELECT id, public_id, rally_id, position, name, description, kind, condition, threshold, category, stock,
         created_at FROM reward_tiers;
INSERT INTO rewards_new SELECT id, tier_id, participant_id, code, earned_at, redeemed_at FROM rewards;
DROP TABLE rewards;
DROP TABLE reward_tiers;
ALTER TABLE reward_tiers_new RENAME TO reward_tiers;
ALTER TABLE rewards_new RENAME TO rewards;
CREATE INDEX reward_tiers_rally ON reward_tiers(rally_id, position);

-- One entry per participant and lottery. number is the entry's number
-- within the lottery (1, 2, …), shown to the participant and in exports.
-- sealed holds the answers (JSON) under the data key: never in clear.
-- won_draw is the draw that picked it, and rank its place in that draw.
CREATE TABLE lottery_entries (
  id              INTEGER PRIMARY KEY,
  tier_id         INTEGER NOT NULL REFERENCES reward_tiers(id),
  participant_id  INTEGER NOT NULL REFERENCES participants(id),
  number          INTEGER NOT NULL,
  sealed          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  won_draw        INTEGER REFERENCES lottery_draws(id),
  won_rank        INTEGER,
  UNIQUE (tier_id, participant_id),
  UNIQUE (tier_id, number)
);

-- A draw: the seed (32 random bytes, hex), the candidates' entry numbers in
-- ascending order (comma-separated) and the winners' numbers in the order
-- drawn. docs/lottery.md gives the algorithm; the console recomputes it.
CREATE TABLE lottery_draws (
  id           INTEGER PRIMARY KEY,
  public_id    TEXT NOT NULL UNIQUE,
  tier_id      INTEGER NOT NULL REFERENCES reward_tiers(id),
  seed         TEXT NOT NULL,
  candidates   TEXT NOT NULL,
  winners      TEXT NOT NULL,
  account_id   INTEGER NOT NULL REFERENCES accounts(id),
  created_at   INTEGER NOT NULL
);
CREATE INDEX lottery_draws_tier ON lottery_draws(tier_id, id);
