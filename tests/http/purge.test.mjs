// Unrecoverable purge of a tenant and its signed erasure certificate: unique
// canaries in every kind of tenant data (rally title, spot name, image bytes,
// recovery code, lottery entry, staff login in the audit log), purge while
// the server runs, then no canary in the database file, its WAL, or any
// backup (decrypted and restored); the other tenant intact with the same
// counters; the audit chain still verifies; the certificate verifies and one
// changed byte does not. On PostgreSQL the online purge leaves dead rows in
// the table files (the certificate says so) and the search there is of every
// row; after the offline purge (VACUUM FULL) the table files hold none.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { multipart, noisyPng } from './fixtures.mjs';
import { cli, dumpOf, hexOf, PG, request, startServer, storeFiles } from './helpers.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-purge-'));
const keyFile = path.join(tmp, 'backup.key');
fs.writeFileSync(keyFile, crypto.randomBytes(32), { mode: 0o600 });
const ENV = { STAMPRALLY_BACKUP_KEY_FILE: keyFile, STAMPRALLY_BACKUP_TIME: 'off', STAMPRALLY_RETENTION_TIME: 'off' };
const tag = crypto.randomBytes(6).toString('hex');
const CANARY = {
  title: `CanaryTitle${tag}`,
  spot: `CanarySpot${tag}`,
  image: null, // the stored bytes of an image of random pixels, once uploaded (metadata is stripped on upload)
  login: `canary-login-${tag}`,
  entry: `CanaryEntry${tag}`,
};

let srv;
const run = (args) => cli([...args, '--data', srv.data], ENV);
const tenants = () => Object.fromEntries(run(['tenant', 'list']).stdout.trim().split('\n').map((l) => JSON.parse(l)).map((t) => [t.slug, t]));
/** The files of the data directory and a restored backup that could hold tenant data. */
const dbFiles = storeFiles;
/** The canaries (and extra strings) in a file's bytes, or in a Buffer. */
function canariesIn(file, extra = []) {
  let raw = file;
  try {
    if (!Buffer.isBuffer(file)) raw = fs.readFileSync(file);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    return []; // a PostgreSQL file deleted since the listing (VACUUM, a cache file renewed)
  }
  return [...Object.values(CANARY), ...extra].filter((c) => c && raw.includes(Buffer.isBuffer(c) ? c : Buffer.from(c)));
}
/** Where the live database must hold no canary after an online purge: its
 * files on SQLite (secure_delete, WAL truncated); every row on PostgreSQL
 * (pg_dump's text, the image as the hex of its bytes). */
const liveRows = (data) => (PG ? [Buffer.from(dumpOf(data).replace(/\\\\x([0-9a-f]+)/g, (m, h) => Buffer.from(h, 'hex').toString('latin1')), 'latin1')]
  : dbFiles(data));

describe('tenant purge', () => {
  let recovery;
  let stays;
  let imageRows;
  before(async () => {
    srv = await startServer({ env: ENV });
    for (const [t, slug, title, spot] of [['gone', 'gone-walk', CANARY.title, CANARY.spot], ['stays', 'stays-walk', 'Stays', 'S1']]) {
      srv.import({ tenant: t, slug, title, description: 'x', starts_at: '2020-01-01T00:00:00Z', ends_at: '2099-01-01T00:00:00Z',
        status: 'published', spots: [{ name: spot }, { name: `${spot}-2` }] });
    }
    const pw = srv.user('gone', CANARY.login, 'owner');
    const owner = await srv.staff(CANARY.login, pw);
    const tier = await srv.nameLottery(owner, 'gone-walk');
    const spot = srv.sql("SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'gone-walk' LIMIT 1");
    const from = `/console/rallies/gone-walk/spots/${spot}`;
    const t = (await owner.get(from)).text.match(/name="_csrf" value="([^"]+)"/)[1];
    const mp = multipart({ _csrf: t }, { field: 'image', filename: 'c.png', type: 'image/png', data: noisyPng(24, 24) });
    assert.equal((await owner.send('POST', `${from}/image`, { headers: { 'Content-Type': mp.type }, body: mp.body })).status, 303);
    CANARY.image = Buffer.from(srv.sql(`SELECT ${hexOf('i.bytes')} FROM images i JOIN spots s ON s.image_id = i.id WHERE s.public_id = '${spot}'`), 'hex');
    assert.ok(CANARY.image.length > 500, 'random pixels: bytes found nowhere else');
    // a failed login puts the login ID into the tenant's audit records
    const bad = srv.client();
    const ct = await bad.csrfFrom('/console/login');
    assert.equal((await bad.postForm('/console/login', { _csrf: ct, login: CANARY.login, password: 'wrong wrong wrong' })).status, 401);
    for (const slug of ['gone-walk', 'stays-walk']) {
      const c = srv.client();
      const j = await c.postJson(`/api/v1/rallies/${slug}/join`);
      if (slug === 'gone-walk') recovery = j.json.recovery_code;
      const toks = srv.sql(`SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = '${slug}'`).split('\n');
      for (const tok of toks) assert.equal((await c.postJson('/api/v1/stamps', { qr_token: tok })).status, 201);
      if (slug === 'gone-walk') {
        c.csrf = await c.csrfFrom('/recover');
        assert.equal((await c.postForm(`/r/gone-walk/lottery/${tier}`, { _csrf: c.csrf, name: CANARY.entry })).status, 303);
      } else stays = c;
    }
    assert.ok(recovery);
    imageRows = srv.sql("SELECT count(*) FROM images i JOIN tenants t ON t.id = i.tenant_id WHERE t.slug = 'gone'");
    assert.ok(Number(imageRows) > 1, `the original and its sized variants: ${imageRows} rows`);
    assert.equal(run(['backup', 'now']).status, 0);
    assert.equal(run(['backup', 'now']).status, 0);
    // the canaries are really there before (or the searches below prove nothing)
    assert.ok(dbFiles(srv.data).some((f) => canariesIn(f).includes(CANARY.title)), 'the title is in the database before');
    assert.ok(dbFiles(srv.data).some((f) => canariesIn(f).includes(CANARY.image)), 'the image is in the database before');
    assert.ok(dbFiles(srv.data).some((f) => canariesIn(f).includes(CANARY.login)), 'the login is in the database before');
  });
  after(async () => { await srv.stop(); });

  test('purge while serving: no canary left in the database, the WAL or any backup; the other tenant intact', async () => {
    const before = tenants().stays;
    const out = path.join(tmp, 'cert.json');
    // PostgreSQL: a scratch database left by an interrupted scrub (it would hold a backup's rows) goes too
    const leftover = 'stamprally_scrub_00000000deadbeef';
    if (PG) srv.sql(`CREATE DATABASE ${leftover}`);
    const r = run(['tenant', 'purge', 'gone', '--reason', '契約終了', '--confirm', 'gone', '--by', 'ops-taro', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    if (PG) assert.equal(srv.sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'stamprally\\_scrub\\_%'"), '0', r.stderr);
    const cert = JSON.parse(fs.readFileSync(out, 'utf8'));
    const c = cert.certificate;
    assert.equal(c.tenant.slug, 'gone');
    assert.equal(c.operator, 'ops-taro (command line)');
    assert.equal(c.reason, '契約終了');
    assert.deepEqual([c.erased.rows.rallies, c.erased.rows.spots, c.erased.rows.participants, c.erased.rows.stamps,
      c.erased.rows.images, c.erased.rows.lottery_entries, c.erased.rows.accounts, c.erased.rows.tenants], [1, 2, 1, 2,
      Number(imageRows), 1, 1, 1]);
    assert.ok(c.erased.security_events_redacted >= 3, JSON.stringify(c.erased));
    assert.deepEqual(c.erased.database, PG ? { engine: 'postgresql', rows_deleted: true, vacuum_full: false }
      : { secure_delete: true, wal_truncated: true, vacuumed: false });
    if (PG) assert.match(c.limits.postgresql, /until their space is reused or VACUUM FULL rewrites them/);
    assert.equal(c.erased.backups.length, 2);
    assert.ok(c.erased.backups.every((b) => b.result === 'scrubbed'), JSON.stringify(c.erased.backups));

    for (const f of liveRows(srv.data)) assert.deepEqual(canariesIn(f, [recovery]), [], 'the database holds no canary');
    // each backup, decrypted and restored, holds none either, and its chain verifies
    for (const b of c.erased.backups) {
      const data = fs.mkdtempSync(path.join(tmp, 'restored-'));
      const file = path.join(srv.data, 'backups', b.file);
      const rs = cli(['backup', 'restore', file, '--data', path.join(data, 'd')], ENV);
      assert.equal(rs.status, 0, rs.stderr);
      for (const f of dbFiles(path.join(data, 'd'))) assert.deepEqual(canariesIn(f, [recovery]), [], `${b.file} holds no canary`);
      const v = cli(['audit', 'verify', '--data', path.join(data, 'd')], ENV);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      const man = JSON.parse(fs.readFileSync(file.replace(/\.srbk$/, '.json'), 'utf8'));
      assert.equal(man.sha256, b.sha256);
      assert.deepEqual(man.scrubbed, [{ tenant: 'gone', certificate: c.id }]);
    }
    assert.equal(run(['audit', 'verify']).status, 0, 'the live chain verifies with the erased records');

    const now = tenants();
    assert.equal(now.gone, undefined);
    assert.deepEqual(now.stays, before, 'the other tenant: the same counters');
    assert.equal((await stays.get('/api/v1/rallies/stays-walk/card')).json.progress.collected, 2);
    assert.equal((await request(srv.base, 'GET', '/r/gone-walk')).status, 404);
    const ev = JSON.parse(srv.sql("SELECT detail FROM security_events WHERE kind = 'tenant_purged'"));
    assert.deepEqual(ev, { tenant: 'gone', certificate: c.id, by: 'ops-taro (command line)' });

    // the certificate: verifies offline, listed, and one changed byte fails
    const ok = cli(['certificate', 'verify', out, '--pubkey', run(['certificate', 'pubkey']).stdout.trim()]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`good: erasure certificate ${c.id}`));
    assert.equal(JSON.parse(run(['certificate', 'list']).stdout).id, c.id);
    assert.equal(run(['certificate', 'show', c.id]).stdout, fs.readFileSync(out, 'utf8'));
    const text = fs.readFileSync(out);
    for (const at of [text.indexOf('契約終了'), text.indexOf('"rallies": 1') + 12, 0, text.length - 2]) {
      const bent = Buffer.from(text);
      bent[at] ^= 0x01;
      const f = path.join(tmp, `bent-${at}.json`);
      fs.writeFileSync(f, bent);
      const v = run(['certificate', 'verify', f]);
      assert.equal(v.status, 3, `byte ${at} changed: refused`);
    }
  });

  test('offline purge rebuilds the database too; bad input is refused', async () => {
    srv.import({ tenant: 'later', slug: 'later-walk', title: 'Later', description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'L' }] });
    assert.equal(run(['tenant', 'purge', 'later', '--reason', 'x', '--confirm', 'other']).status, 2, 'the slug typed twice');
    assert.equal(run(['tenant', 'purge', 'later', '--confirm', 'later']).status, 2, 'a reason is required');
    assert.equal(run(['tenant', 'purge', 'nobody', '--reason', 'x', '--confirm', 'nobody']).status, 1);
    await srv.stop();
    const r = run(['tenant', 'purge', 'later', '--reason', '解約', '--confirm', 'later']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).certificate.erased.database[PG ? 'vacuum_full' : 'vacuumed'], true);
    // the first tenant's dead rows are gone from the files too (on SQLite they were zeroed at once)
    for (const f of dbFiles(srv.data)) assert.deepEqual(canariesIn(f, [recovery]), [], `${path.basename(f)} holds no canary`);
    assert.equal(run(['audit', 'verify']).status, 0);
    await srv.start();
  });
});
