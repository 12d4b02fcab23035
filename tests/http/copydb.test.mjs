// Moving an installation from SQLite to PostgreSQL (issue 14): the demo on
// SQLite with a participant's stamps and a staff account, `stamprally
// copy-db` into an empty PostgreSQL database, then the same data directory
// served on PostgreSQL: the participant's card, the staff login and new
// stamps carry on. Runs in make test's PostgreSQL pass.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { cli, PG, pgDatabase, sqlOn, startServer } from './helpers.mjs';

const SQLITE = { STAMPRALLY_DATABASE_URL: '', STAMPRALLY_DATABASE_OWNER_URL: '' };
const TABLES = ['tenants', 'rallies', 'spots', 'participants', 'stamps', 'sessions', 'accounts', 'reward_tiers', 'rewards',
  'rally_hourly', 'spot_totals', 'security_events'];
const counts = (query) => TABLES.map((t) => `${t} ${query(`SELECT count(*) FROM ${t}`)}`);

test('copy-db moves the demo with its participants to PostgreSQL, and the service carries on there',
  { skip: !PG && 'needs PostgreSQL: STAMPRALLY_TEST_PG (make test starts one)' }, async () => {
    // On SQLite: the demo, one participant with two stamps and the coupon, an owner who logged in.
    const lite = await startServer({ env: SQLITE });
    for (let i = 0; i < 100 && !/password: \S+/.test(lite.stdout); i++) await new Promise((r) => setTimeout(r, 50));
    const pw = lite.stdout.match(/password: (\S+)/)[1];
    const p = lite.client();
    assert.equal((await p.postJson('/api/v1/rallies/minato-walk/join')).status, 201);
    const db = path.join(lite.data, 'stamprally.db');
    const sqlite = (q) => spawnSync('sqlite3', ['-readonly', db, q], { encoding: 'utf8' }).stdout.trim();
    const tokens = sqlite("SELECT qr_token FROM spots ORDER BY position").split('\n');
    for (const t of tokens.slice(0, 3)) assert.equal((await p.postJson('/api/v1/stamps', { qr_token: t })).status, 201);
    await lite.staff('demo-owner', pw);
    await lite.stop();
    const before = counts(sqlite);

    // The same data directory (keys included) elsewhere, its database copied.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-copied-'));
    fs.cpSync(lite.data, path.join(dir, 'data'), { recursive: true });
    const target = `host=${PG} dbname=${pgDatabase(path.join(dir, 'data'))} user=stamprally_owner`;
    const copy = cli(['copy-db', '--to', target, '--data', path.join(dir, 'data')], SQLITE);
    assert.equal(copy.status, 0, copy.stderr);
    assert.match(copy.stdout, /^stamps\s+3 rows$/m);
    assert.deepEqual(counts((q) => sqlOn(path.join(dir, 'data'), q)), before, 'every table has its rows');
    const again = cli(['copy-db', '--to', target, '--data', path.join(dir, 'data')], SQLITE);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /the PostgreSQL database is not empty/);

    // Served on PostgreSQL: the card, the login and new rows (ids continue after the copied ones).
    const pg = await startServer({ dir });
    try {
      p.base = pg.base;
      const card = await p.get('/api/v1/rallies/minato-walk/card');
      assert.equal(card.status, 200);
      assert.equal(card.json.progress.collected, 3);
      assert.equal((await p.postJson('/api/v1/stamps', { qr_token: tokens[3] })).status, 201);
      const fresh = pg.client();
      assert.equal((await fresh.postJson('/api/v1/rallies/minato-walk/join')).status, 201);
      assert.equal((await fresh.postJson('/api/v1/stamps', { qr_token: tokens[0] })).status, 201);
      const owner = await pg.staff('demo-owner', pw);
      assert.match((await owner.get('/console/rallies/minato-walk/dashboard')).text, /minato-walk|みなと/);
      assert.equal(pg.sql('SELECT count(*) FROM stamps'), '5');
    } finally {
      await pg.stop();
    }
    assert.equal(cli(['audit', 'verify', '--data', path.join(dir, 'data')]).status, 0, 'the audit chain came across intact');
  });
