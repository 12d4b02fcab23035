// Backups and restore: the restore drill (seed, back up, destroy the data
// directory, restore into a new one, start, and the same participants,
// stamps, rallies, images and sealed entries answer; `sqlite3 .dump` or
// `pg_dump --data-only` equal), generations, the copy command, the schedule
// inside serve, /readyz and /metrics, and every bad input: another key, a
// flipped bit, a truncated file, a newer schema, a full disk, a missing key,
// a running server. On PostgreSQL the backup holds a pg_dump and a restore
// goes into a new, empty database.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { BIN, cli, copyData, dumpOf, hexOf, PG, request, sqlOn, startServer, storeEnv } from './helpers.mjs';
import { multipart, PNG_1x1 } from './fixtures.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-backup-'));
const keyFile = path.join(tmp, 'keys', 'backup.key');
fs.mkdirSync(path.dirname(keyFile));
fs.writeFileSync(keyFile, crypto.randomBytes(32), { mode: 0o600 });
const ENV = { STAMPRALLY_BACKUP_KEY_FILE: keyFile, STAMPRALLY_BACKUP_TIME: 'off' };
const NAME = '復元山田太郎';

const run = (args, env = {}) => cli(args, { ...ENV, ...env });
const dump = dumpOf;
const sha = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const listing = (dir) => fs.readdirSync(dir).sort();
/** Make a backup of data with the CLI; returns its path. */
function backupNow(data, env = {}) {
  const r = run(['backup', 'now', '--data', data], env);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('the restore drill', () => {
  let srv;
  let participant;
  let image;
  let imageBytes;
  let tier;
  let ownerPw;

  before(async () => {
    srv = await startServer({ env: ENV });
    srv.import({ tenant: 'bk', slug: 'drill', title: '復元ラリー', description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] });
    ownerPw = srv.user('bk', 'bk-owner', 'owner');
    const owner = await srv.staff('bk-owner', ownerPw);
    tier = await srv.nameLottery(owner, 'drill');
    const spot = srv.sql("SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'drill' ORDER BY position LIMIT 1");
    const from = `/console/rallies/drill/spots/${spot}`;
    const t = (await owner.get(from)).text.match(/name="_csrf" value="([^"]+)"/)[1];
    const mp = multipart({ _csrf: t }, { field: 'image', filename: 'a.png', type: 'image/png', data: PNG_1x1 });
    assert.equal((await owner.send('POST', `${from}/image`, { headers: { 'Content-Type': mp.type }, body: mp.body })).status, 303);
    image = srv.sql('SELECT public_id FROM images WHERE parent_id IS NULL LIMIT 1');
    imageBytes = Buffer.from(srv.sql(`SELECT ${hexOf('bytes')} FROM images WHERE public_id = '${image}'`), 'hex');
    participant = srv.client();
    await participant.postJson('/api/v1/rallies/drill/join');
    const tokens = srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'drill'").split('\n');
    for (const tok of tokens) assert.equal((await participant.postJson('/api/v1/stamps', { qr_token: tok })).status, 201);
    participant.csrf = await participant.csrfFrom('/recover');
    const entered = await participant.postForm(`/r/drill/lottery/${tier}`, { _csrf: participant.csrf, name: NAME });
    assert.equal(entered.status, 303, entered.text.slice(0, 300));
    await srv.stop();
  });
  after(async () => { await srv.stop(); });

  test('back up, destroy, restore into a new directory: the same data answers', async () => {
    const before = dump(srv.data);
    const file = backupNow(srv.data);
    assert.match(path.basename(file), /^stamprally-\d{8}T\d{6}\.\d{3}Z\.srbk$/);
    const manifest = JSON.parse(fs.readFileSync(file.replace(/\.srbk$/, '.json'), 'utf8'));
    assert.equal(manifest.sha256, sha(file));
    assert.equal(manifest.tables.stamps, 3);
    assert.equal(manifest.tables.lottery_entries, 1);
    assert.equal(manifest.schema_version, Number(srv.sql('SELECT max(version) FROM schema_migrations')));
    const raw = fs.readFileSync(file).toString('latin1');
    assert.equal(manifest.format, PG ? 'pg_dump' : 'sqlite');
    for (const secret of [NAME, '復元ラリー', 'bk-owner', 'SQLite format', 'PGDMP']) {
      assert.ok(!raw.includes(Buffer.from(secret).toString('latin1')), `the backup does not show ${secret}`);
    }
    const keep = path.join(tmp, 'offsite.srbk');
    fs.copyFileSync(file, keep);
    fs.copyFileSync(file.replace(/\.srbk$/, '.json'), keep.replace(/\.srbk$/, '.json'));
    fs.rmSync(srv.dir, { recursive: true, force: true });

    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-restored-'));
    const data = path.join(fresh, 'data');
    const r = run(['backup', 'restore', keep, '--data', data]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('}') + 1)).tables.stamps, 3);
    assert.equal(dump(data), before, 'the restored database is the original, row for row');
    const verify = run(['audit', 'verify', '--data', data]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);

    const again = await startServer({ env: ENV, dir: fresh });
    participant.base = again.base;
    try {
      const card = await participant.get('/api/v1/rallies/drill/card');
      assert.equal(card.status, 200, 'the participant cookie still works (the CSRF and data keys came back too)');
      assert.equal(card.json.progress.collected, 3, JSON.stringify(card.json));
      assert.ok(card.json.spots.every((s) => s.collected));
      const img = await request(again.base, 'GET', `/images/${image}`);
      assert.equal(img.status, 200);
      assert.deepEqual(img.raw, imageBytes);
      const owner = await again.staff('bk-owner', ownerPw);
      const csv = await owner.get(`/console/rallies/drill/lottery/${tier}/entries.csv`);
      const rows = parse(csv.raw.toString('utf8').replace(/^\uFEFF/, ''), { columns: true });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]['お名前'], NAME, 'the sealed entry opens with the restored data key');
      assert.match(again.sql("SELECT detail FROM security_events WHERE kind = 'backup_restored'"), /offsite\.srbk/);
      assert.ok(!fs.existsSync(path.join(data, 'restored.json')), 'the restore is recorded once');
    } finally {
      await again.stop();
    }
    assert.equal(run(['audit', 'verify', '--data', data]).status, 0, 'the chain goes on after the restore');
  });
});

describe('bad backups change nothing', () => {
  let data;
  let file;
  let state;
  before(async () => {
    const srv = await startServer({ env: ENV });
    srv.import({ tenant: 'bb', slug: 'bad', title: 'Bad', description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
    await srv.stop();
    data = srv.data;
    file = backupNow(data);
    state = () => ({ files: listing(data), db: PG ? dump(data) : sha(path.join(data, 'stamprally.db')) });
  });

  /** Restore f (with env) must fail with a message matching re and leave data as it was. */
  function refused(f, re, env = {}) {
    const was = state();
    const r = run(['backup', 'restore', f, '--data', data], env);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /nothing was changed/);
    assert.deepEqual(state(), was);
    assert.equal(run(['backup', 'verify', f, '--data', data], env).status, 1, 'verify says the same');
  }

  test('another backup key', () => {
    const other = path.join(tmp, 'other.key');
    fs.writeFileSync(other, crypto.randomBytes(32), { mode: 0o600 });
    refused(file, /made with backup key [0-9a-f]{16}; the configured key is [0-9a-f]{16}/, { STAMPRALLY_BACKUP_KEY_FILE: other });
  });

  test('a missing backup key', () => {
    refused(file, /backup key .* is missing/, { STAMPRALLY_BACKUP_KEY_FILE: path.join(tmp, 'nope.key') });
  });

  test('a flipped bit: caught by the manifest, and by the encryption without it', () => {
    const flipped = path.join(tmp, 'stamprally-flipped.srbk');
    const b = fs.readFileSync(file);
    b[Math.floor(b.length / 2)] ^= 1;
    fs.writeFileSync(flipped, b);
    fs.copyFileSync(file.replace(/\.srbk$/, '.json'), flipped.replace(/\.srbk$/, '.json'));
    refused(flipped, /SHA-256 is not the one in its manifest/);
    fs.rmSync(flipped.replace(/\.srbk$/, '.json'));
    refused(flipped, /damaged or altered \(authentication failed\)/);
  });

  test('a truncated file', () => {
    const cut = path.join(tmp, 'cut.srbk');
    const b = fs.readFileSync(file);
    fs.writeFileSync(cut, b.subarray(0, b.length - 40));
    refused(cut, /truncated|ends early/);
    fs.writeFileSync(cut, b.subarray(0, 20));
    refused(cut, /not a stamprally backup/);
    fs.writeFileSync(cut, 'hello');
    refused(cut, /not a stamprally backup/);
  });

  test('a backup of a newer schema', () => {
    const newer = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-newer-')), 'data');
    copyData(data, newer);
    sqlOn(newer, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, '0999_future.sql', 0)", { write: true });
    refused(backupNow(newer), /schema version 999, newer than this stamprally's \d+/);
  });

  test('PostgreSQL: a restore never overwrites a database; it goes into a new, empty one', { skip: !PG }, () => {
    const was = state();
    const over = run(['backup', 'restore', file, '--data', data]);
    assert.equal(over.status, 1, over.stdout);
    assert.match(over.stderr, /the database already holds \d+ tables: restore into a new, empty database.*; nothing was changed/);
    assert.deepEqual(state(), was);
    const data2 = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-into-')), 'data');
    const r = run(['backup', 'restore', file, '--data', data2]);
    assert.equal(r.status, 0, r.stderr);
    const man = JSON.parse(fs.readFileSync(file.replace(/\.srbk$/, '.json'), 'utf8'));
    assert.equal(Number(sqlOn(data2, 'SELECT count(*) FROM security_events')), man.tables.security_events);
    assert.equal(sqlOn(data2, 'SELECT slug FROM rallies ORDER BY id'), sqlOn(data, 'SELECT slug FROM rallies ORDER BY id'));
    assert.equal(run(['audit', 'verify', '--data', data2]).status, 0);
  });

  test('a good restore over existing data keeps what it replaced aside', { skip: PG && 'PostgreSQL: see the test above' }, () => {
    const was = sha(path.join(data, 'stamprally.db'));
    const r = run(['backup', 'restore', file, '--data', data]);
    assert.equal(r.status, 0, r.stderr);
    const aside = fs.readdirSync(data).filter((f) => f.startsWith('replaced-'));
    assert.equal(aside.length, 1);
    assert.equal(sha(path.join(data, aside[0], 'stamprally.db')), was);
    assert.ok(fs.existsSync(path.join(data, aside[0], 'data.key')));
    assert.equal(JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('}') + 1)).replaced, path.join(data, aside[0]));
    assert.equal(run(['audit', 'verify', '--data', data]).status, 0);
  });

  test('a running server holds the directory', async () => {
    const srv = await startServer({ env: ENV });
    try {
      const r = run(['backup', 'restore', file, '--data', srv.data]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /stop it before restoring/);
      assert.equal((await request(srv.base, 'GET', '/readyz')).status, 200);
    } finally {
      await srv.stop();
    }
  });

  test('a full disk: the backup fails loudly, earlier generations stay', () => {
    const before = listing(path.dirname(file));
    // RLIMIT_FSIZE below the database's size: every write past it fails
    // (EFBIG; pg_dump, which does not ignore SIGXFSZ, is killed by it).
    const kb = PG ? 4 : Math.floor(fs.statSync(path.join(data, 'stamprally.db')).size / 1024 / 2);
    const r = spawnSync('sh', ['-c', `ulimit -f ${kb}; exec "$0" backup now --data "$1"`, BIN, data],
      { encoding: 'utf8', env: { ...process.env, ...storeEnv(data), ...ENV } });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, PG ? /backup failed: cannot dump the database .* \(disk full\?\): pg_dump failed .*; earlier backups are untouched/
      : /backup failed: cannot copy the database .* \(disk full\?\); earlier backups are untouched/);
    assert.deepEqual(listing(path.dirname(file)), before, 'no new file, no temp file left, none deleted');
    assert.match(sqlOn(data, "SELECT detail FROM security_events WHERE kind = 'backup_failed'"), /disk full/);
  });
});

describe('generations, the copy command, the schedule, health', () => {
  test('only backup.keep generations stay, newest kept', () => {
    const srv = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-gen-'));
    const data = path.join(srv, 'data');
    assert.equal(run(['migrate', '--data', data]).status, 0);
    const made = [];
    for (let i = 0; i < 4; i++) made.push(backupNow(data, { STAMPRALLY_BACKUP_KEEP: '2' }));
    const left = listing(path.join(data, 'backups'));
    assert.deepEqual(left, made.slice(2).flatMap((f) => [path.basename(f).replace('.srbk', '.json'), path.basename(f)]).sort());
    const list = run(['backup', 'list', '--data', data]).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(list.map((b) => b.path), made.slice(2));
  });

  test('backup.copy_command gets the file; its failure is reported, the backup kept', () => {
    const data = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-copy-')), 'data');
    const offsite = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-offsite-'));
    const ok = backupNow(data, { STAMPRALLY_BACKUP_COPY_COMMAND: `cp "$1" "$2" '${offsite}/'` });
    assert.deepEqual(listing(offsite), [path.basename(ok).replace('.srbk', '.json'), path.basename(ok)].sort());
    assert.equal(sha(path.join(offsite, path.basename(ok))), sha(ok));
    const r = run(['backup', 'now', '--data', data], { STAMPRALLY_BACKUP_COPY_COMMAND: 'exit 3' });
    assert.equal(r.status, 0, 'the backup itself succeeded');
    assert.match(r.stderr, /backup\.copy_command failed \(exit status 3\)/);
    assert.ok(fs.existsSync(r.stdout.trim()));
    const ev = run(['audit', 'list', '--kind', 'backup_copy_failed', '--data', data]).stdout;
    assert.match(ev, /exit status 3/);
    // A data key given in the environment is not passed on to the command.
    const envData = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-envkey-')), 'data');
    const dataKey = crypto.randomBytes(32).toString('base64');
    backupNow(envData, { STAMPRALLY_SECURITY_DATA_KEY: dataKey, STAMPRALLY_BACKUP_COPY_COMMAND: `env > '${offsite}/env.txt'` });
    const seen = fs.readFileSync(path.join(offsite, 'env.txt'), 'utf8');
    assert.match(seen, /STAMPRALLY_BACKUP_COPY_COMMAND=/, 'the rest of the environment is there');
    assert.ok(!seen.includes(dataKey), 'the data key is not');
  });

  test('serve backs up at backup.time; /metrics and /readyz follow it', async () => {
    const at = new Date(Date.now() + 9 * 3600e3 + 3000).toISOString().slice(11, 19); // HH:MM:SS in Japan, 3 s ahead
    const srv = await startServer({ env: { ...ENV, STAMPRALLY_BACKUP_TIME: at } });
    try {
      const dir = path.join(srv.data, 'backups');
      for (let i = 0; i < 100 && !(fs.existsSync(dir) && listing(dir).some((f) => f.endsWith('.json'))); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const made = listing(dir).filter((f) => f.endsWith('.srbk'));
      assert.equal(made.length, 1, 'one backup at the configured time');
      const m = (await srv.metrics()).text;
      const ts = Number(m.match(/^stamprally_backup_last_success_timestamp_seconds (\d+)$/m)[1]);
      assert.ok(Math.abs(ts - Date.now() / 1000) < 60, m);
      assert.equal(Number(m.match(/^stamprally_backup_last_size_bytes (\d+)$/m)[1]), fs.statSync(path.join(dir, made[0])).size);
      assert.match(m, /^stamprally_backup_failures_total 0$/m);
      const ready = await request(srv.base, 'GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.equal(ready.json.components.backup.status, 'ok');
      assert.ok(ready.json.components.backup.age_minutes <= 1);
      assert.equal(run(['backup', 'verify', path.join(dir, made[0]), '--data', srv.data]).status, 0);
      if (PG) {
        // another node on the same database, its own backup.dir empty: it
        // reports the service's backup (the security event log), not its disk's
        const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-other-'));
        fs.cpSync(srv.data, path.join(otherDir, 'data'), { recursive: true }); // the same keys, as docs/scale-out.md says
        const other = await startServer({ dir: otherDir, env: { ...ENV, ...storeEnv(srv.data), STAMPRALLY_BACKUP_TIME: at,
          STAMPRALLY_BACKUP_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-otherbk-')) } });
        try {
          const om = (await other.metrics()).text;
          assert.equal(Number(om.match(/^stamprally_backup_last_success_timestamp_seconds (\d+)$/m)[1]), ts);
          assert.equal((await request(other.base, 'GET', '/readyz')).json.components.backup.status, 'ok');
        } finally {
          await other.stop();
        }
      }
    } finally {
      await srv.stop();
    }
  });

  test('/readyz says degraded when the last good backup is too old', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-old-'));
    const backups = path.join(dir, 'data', 'backups');
    fs.mkdirSync(backups, { recursive: true });
    const old = Date.now() - 30 * 3600e3;
    fs.writeFileSync(path.join(backups, 'stamprally-20200101T000000.000Z.srbk'), 'x');
    fs.writeFileSync(path.join(backups, 'stamprally-20200101T000000.000Z.json'), JSON.stringify({ created_ms: old, size: 1 }));
    const later = new Date(Date.now() + 21 * 3600e3).toISOString().slice(11, 16); // 12 h from now, in Japan
    const srv = await startServer({ env: { ...ENV, STAMPRALLY_BACKUP_TIME: later }, dir });
    try {
      // on PostgreSQL the last backup is the newest backup_done record, whichever node made it
      if (PG) {
        sqlOn(srv.data, `INSERT INTO security_events(id, at, kind, ip, detail) SELECT max(id) + 1, ${old}, 'backup_done', '',
          '{"file":"stamprally-20200101T000000.000Z.srbk","size":1}' FROM security_events`, { write: true });
      }
      const r = await request(srv.base, 'GET', '/readyz');
      assert.equal(r.status, 200, 'a late backup does not take the node out of the pool');
      assert.equal(r.json.status, 'degraded');
      assert.equal(r.json.components.backup.status, 'warn');
      assert.ok(r.json.components.backup.age_minutes >= 30 * 60 - 1, JSON.stringify(r.json));
      // an operator who wants a late backup to fail readiness says so
      await srv.stop();
      const strict = await startServer({ env: { ...ENV, STAMPRALLY_BACKUP_TIME: later,
        STAMPRALLY_MONITORING_READY_REQUIRES: 'database,writer,disk,backup' }, dir });
      try {
        const s = await request(strict.base, 'GET', '/readyz');
        assert.equal(s.status, 503);
        assert.equal(s.json.components.backup.status, 'fail');
      } finally {
        await strict.stop();
      }
    } finally {
      await srv.stop();
    }
  });
});
