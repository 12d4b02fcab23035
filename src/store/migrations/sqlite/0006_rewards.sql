-- 0006_rewards.sql — reward tiers of a rally and the rewards participants
-- earn: coupons (single use, redeemed at the desk) and first-come prizes
-- (a stock decremented atomically).

CREATE TABLE reward_tiers (
  id           INTEGER PRIMARY KEY,
  public_id    TEXT NOT NULL UNIQUE,
  rally_id     INTEGER NOT NULL REFERENCES rallies(id),
  position     INTEGER NOT NULL,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  kind         TEXT NOT NULL CHECK (kind IN ('coupon', 'first_come')),
  condition    TEXT NOT NULL CHECK (condition IN ('count', 'all', 'category')),
  threshold    INTEGER NOT NULL DEFAULT 0,
  category     TEXT NOT NULL DEFAULT '',
  stock        INTEGER CHECK (stock >= 0),          -- first_come: what is left
  created_at   INTEGER NOT NULL
);
CREATE INDEX reward_tiers_rally ON reward_tiers(rally_id, position);

-- An earned reward. code is what the desk types to find it.
CREATE TABLE rewards (
  id              INTEGER PRIMARY KEY,
  tier_id         INTEGER NOT NULL REFERENCES reward_tiers(id),
  participant_id  INTEGER NOT NULL REFERENCES participants(id),
  code            TEXT NOT NULL UNIQUE,
  earned_at       INTEGER NOT NULL,
  redeemed_at     INTEGER,
  UNIQUE (tier_id, participant_id)
);
