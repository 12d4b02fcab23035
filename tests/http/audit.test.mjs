// The tamper-evident audit log: each way of altering the security event log
// by hand — edit a field, delete a row, insert a row, swap two rows, truncate
// the tail, rewrite the whole chain consistently, forge a checkpoint with
// another key, lose the checkpoint file or the signing key — is detected by
// `stamprally audit verify`, which names the record and the check. Also the
// brute-force alert.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { blobOf, cli, copyData, hexOf, PG, pgDatabase, RANDOM32, request, sqlOn, startServer } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let srv;
let pristine;
let pubkey;

before(async () => {
  srv = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off' } });
  srv.import({ tenant: 'au', slug: 'audit', title: 'Audit', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
  const pw = srv.user('au', 'au-owner', 'owner');
  const c = srv.client();
  for (let i = 0; i < 3; i++) {
    const t = await c.csrfFrom('/console/login');
    await c.postForm('/console/login', { _csrf: t, login: 'au-owner', password: 'wrong-password' });
  }
  await srv.staff('au-owner', pw);
  await srv.stop(); // the stop signs the head
  pristine = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-audit-'));
  copyData(srv.data, pristine);
  pubkey = cli(['audit', 'pubkey', '--data', pristine]).stdout.trim();
});
after(async () => { await srv.stop(); });

/** A fresh copy of the data directory after the server stopped. */
function copy() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-tamper-'));
  copyData(pristine, d);
  return d;
}
const sql = (d, q) => sqlOn(d, q, { write: true });
const verify = (d, args = []) => cli(['audit', 'verify', '--data', d, ...args]);
/** verify must fail naming record id and matching re. */
function broken(d, id, re) {
  const r = verify(d);
  assert.equal(r.status, 3, `verify must fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^audit log BROKEN at record ${id} of \\d{4}-\\d\\d-\\d\\dT`));
  assert.match(r.stdout, re);
}
const last = (d) => Number(sql(d, 'SELECT max(id) FROM security_events'));

describe('audit verify', () => {
  test('an untouched log verifies; records are consecutive and checkpoints are in the table and the file', () => {
    const r = verify(pristine);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const n = last(pristine);
    assert.match(r.stdout, new RegExp(`^audit log intact: ${n} records, \\d+ checkpoints`));
    assert.ok(n >= 6, 'start, account, three failures, login, stop');
    assert.equal(sql(pristine, 'SELECT count(*) FROM security_events'), String(n), 'ids 1..n');
    const lines = fs.readFileSync(path.join(pristine, 'audit-checkpoints.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.at(-1).upto, n, 'the stop signed the last record');
    assert.equal(sql(pristine, 'SELECT count(*) FROM audit_checkpoints'), String(lines.length));
    assert.match(pubkey, /^[A-Za-z0-9+/]{43}=$/);
  });

  test('an edited field', () => {
    const d = copy();
    sql(d, "UPDATE security_events SET ip = '203.0.113.9' WHERE id = 3");
    broken(d, 3, /record 3: its hash does not match its content and the record before \(edited/);
  });

  test('a deleted row', () => {
    const d = copy();
    sql(d, 'DELETE FROM security_events WHERE id = 4');
    broken(d, 4, /record 4 is missing \(deleted\), before record 5/);
  });

  test('an inserted row', () => {
    const d = copy();
    const n = last(d);
    sql(d, `INSERT INTO security_events(id, at, tenant_id, account_id, kind, ip, detail, hash)
            VALUES (${n + 1}, 1, 0, 0, 'login_ok', '', '{}', ${RANDOM32})`);
    broken(d, n + 1, /record \d+: its hash does not match/);
  });

  test('two rows swapped', () => {
    const d = copy();
    sql(d, `UPDATE security_events SET id = -1 WHERE id = 3; UPDATE security_events SET id = 3 WHERE id = 4;
            UPDATE security_events SET id = 4 WHERE id = -1;`);
    broken(d, 3, /record 3: its hash does not match/);
  });

  test('the tail truncated', () => {
    const d = copy();
    const n = last(d);
    sql(d, `DELETE FROM security_events WHERE id >= ${n - 1}`);
    broken(d, n, new RegExp(`record ${n} is missing: a signed checkpoint vouches for it, but the log ends at record ${n - 2}`));
  });

  test('the whole chain rewritten consistently (an independent hash implementation)', () => {
    const rechain = (d) => spawnSync('/usr/bin/python3', [path.join(here, '../tools/rechain.py'),
      ...(PG ? ['--pg', PG, pgDatabase(d)] : [path.join(d, 'stamprally.db')])], { encoding: 'utf8' });
    const d = copy();
    sql(d, "UPDATE security_events SET detail = '{\"forged\":true}' WHERE id = 2");
    const r = rechain(d);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Number(r.stdout) > 2, `rechained ${r.stdout} records`);
    broken(d, /\d+/.source, /differs from the signed checkpoint of \d+ \(the chain was rewritten\)/);
    // The rewrite is otherwise perfect: the same tool over the untouched log changes nothing.
    const same = copy();
    const before = sql(same, `SELECT ${hexOf('hash')} FROM security_events ORDER BY id`);
    assert.equal(rechain(same).status, 0);
    assert.equal(sql(same, `SELECT ${hexOf('hash')} FROM security_events ORDER BY id`), before, 'rechain.py computes the same hashes');
  });

  test('a checkpoint forged with another key, in the table and in the file', () => {
    const d = copy();
    const n = last(d);
    const hash = sql(d, `SELECT lower(${hexOf('hash')}) FROM security_events WHERE id = ${n}`);
    const at = Date.now();
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const msg = `stamprally audit checkpoint v1\nkind head\nupto ${n}\nhash ${hash}\nat ${at}\n`;
    const sig = crypto.sign(null, Buffer.from(msg), privateKey).toString('hex');
    sql(d, `INSERT INTO audit_checkpoints(kind, upto, hash, at, signature) VALUES ('head', ${n}, ${blobOf(hash)}, ${at}, ${blobOf(sig)})`);
    fs.appendFileSync(path.join(d, 'audit-checkpoints.log'), `${JSON.stringify({ kind: 'head', upto: n, hash, at, sig })}\n`);
    broken(d, n, /the signature does not verify with the audit public key \(forged or altered\)/);
  });

  test('the checkpoint file truncated or lost', () => {
    const d = copy();
    fs.writeFileSync(path.join(d, 'audit-checkpoints.log'), '');
    broken(d, /\d+/.source, /is in the database but not in the checkpoint file/);
    fs.writeFileSync(path.join(d, 'audit-checkpoints.log'), 'garbage\n');
    const r = verify(d);
    assert.equal(r.status, 3);
    assert.match(r.stdout, /checkpoint file, line 1: not a checkpoint/);
  });

  test('a missing signing key: serve refuses, verify asks for the public key and works with it', () => {
    const d = copy();
    fs.rmSync(path.join(d, 'audit-signing.key'));
    const s = cli(['serve', '--data', d, '--listen', '127.0.0.1:1']);
    assert.equal(s.status, 1);
    assert.match(s.stderr, /the audit signing key .* is missing, but the audit log has \d+ signed checkpoints/);
    assert.ok(!fs.existsSync(path.join(d, 'audit-signing.key')), 'no new key was made');
    const v = verify(d);
    assert.equal(v.status, 1);
    assert.match(v.stderr, /verify with --pubkey KEY/);
    assert.equal(verify(d, ['--pubkey', pubkey]).status, 0);
    const other = crypto.randomBytes(32).toString('base64');
    assert.equal(verify(d, ['--pubkey', other]).status, 3, 'another key does not vouch for these checkpoints');
  });
});

describe('alerts and listing', () => {
  test('failures past the lock raise one security_alert and count in /metrics', async () => {
    const s = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off' } });
    try {
      const c = s.client();
      for (let i = 0; i < 7; i++) {
        const t = await c.csrfFrom('/console/login');
        await c.postForm('/console/login', { _csrf: t, login: 'target-login', password: `guess-${i}-xxxxxxxx` });
      }
      const alerts = s.sql("SELECT detail FROM security_events WHERE kind = 'security_alert'").split('\n');
      assert.equal(alerts.length, 1, 'one alert when the lock starts, not one per failure');
      assert.deepEqual(JSON.parse(alerts[0]), { rule: 'id:', key: 'target-login', failures: 5, window_s: 86400 });
      const m = (await s.metrics()).text;
      assert.match(m, /^stamprally_security_alerts_total 1$/m);
    } finally {
      await s.stop();
    }
    const list = cli(['audit', 'list', '--kind', 'security_alert', '--data', s.data]).stdout.trim().split('\n');
    assert.equal(list.length, 1);
    assert.equal(JSON.parse(list[0]).detail.key, 'target-login');
    assert.equal(cli(['audit', 'verify', '--data', s.data]).status, 0);
  });
});

describe('the console audit page', () => {
  let s;
  let owner;
  before(async () => {
    s = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off' } });
    for (const t of ['ta', 'tb']) {
      s.import({ tenant: t, slug: `${t}-rally`, title: t, description: 'x', starts_at: '2020-01-01T00:00:00Z',
        ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
    }
    owner = await s.staff('ta-owner', s.user('ta', 'ta-owner', 'owner'));
    await s.staff('tb-owner', s.user('tb', 'tb-owner', 'owner'));
    for (let i = 0; i < 101; i++) s.user('ta', `ta-user-${i}`, 'viewer');
  });
  after(async () => { await s.stop(); });

  test('owners see their own tenant only, newest first, 100 a page', async () => {
    const r = await owner.get('/console/audit');
    assert.equal(r.status, 200);
    assert.match(r.text, /ta-owner/);
    assert.doesNotMatch(r.text, /tb-owner/, "another tenant's events never show");
    assert.equal((r.text.match(/<tr><td><time>/g) || []).length, 100);
    const older = r.text.match(/href="\/console\/audit\?(before=\d+)"/);
    assert.ok(older, 'a link to older records');
    const next = await owner.get(`/console/audit?${older[1]}`);
    assert.ok((next.text.match(/<tr><td><time>/g) || []).length >= 3);
    assert.match(next.text, /ログイン/);
  });

  test('filters by kind, account and date; a bad date is a 400 with a message', async () => {
    const byKind = await owner.get('/console/audit?kind=login');
    assert.equal((byKind.text.match(/<tr><td><time>/g) || []).length, 1);
    const byLogin = await owner.get('/console/audit?login=ta-owner');
    assert.doesNotMatch(byLogin.text.replace(/<select[\s\S]*?<\/select>/, ''), /ta-user-1/);
    const today = new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);
    const inRange = await owner.get(`/console/audit?kind=login&from=${today}&to=${today}`);
    assert.equal((inRange.text.match(/<tr><td><time>/g) || []).length, 1);
    const past = await owner.get('/console/audit?from=2020-01-01&to=2020-01-02');
    assert.match(past.text, /該当する記録はありません/);
    const bad = await owner.get('/console/audit?from=2020-13-45');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /日付は YYYY-MM-DD/);
    assert.equal((await owner.get('/console/audit?before=-1')).status, 400);
  });

  test('the CSV carries the same slice, and the download is itself logged', async () => {
    const csv = await owner.get('/console/audit.csv?kind=account_created');
    assert.equal(csv.status, 200);
    assert.match(csv.headers['content-disposition'], /filename="ta-audit\.csv"/);
    const text = csv.raw.toString('utf8');
    assert.ok(text.startsWith('\uFEFF番号,日時,種類,アカウント,アドレス,内容'));
    const lines = text.trim().split('\r\n');
    assert.equal(lines.length, 1 + 102, 'the owner and 101 users');
    assert.doesNotMatch(text, /tb-owner/);
    assert.match(s.sql("SELECT detail FROM security_events WHERE kind = 'export' ORDER BY id DESC LIMIT 1"),
      /"kind":"account_created","what":"audit"/);
  });

  test('editors and viewers may not read it', async () => {
    const ed = await s.staff('ta-editor', s.user('ta', 'ta-editor', 'editor'));
    assert.equal((await ed.get('/console/audit')).status, 403);
    assert.equal((await ed.get('/console/audit.csv')).status, 403);
    assert.doesNotMatch((await ed.get('/console')).text, /href="\/console\/audit"/);
    assert.match((await owner.get('/console')).text, /href="\/console\/audit"/);
  });
});
