// `stamprally disclosure`: the checksheet answers follow this deployment's
// configuration and machine (backups, retention, TLS and its certificate,
// LINE, the clock), in Japanese and English; what only the operator knows
// is left for them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { testCA } from './certs.mjs';
import { cli, PG, storeEnv } from './helpers.mjs';

const data = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-disc-')), 'data');
const SQLITE = { STAMPRALLY_DATABASE_URL: '', STAMPRALLY_DATABASE_OWNER_URL: '' };
/** The sheet as {number: {item, answer, source}} (on SQLite unless env says otherwise). */
function sheet(env = {}, args = []) {
  const r = cli(['disclosure', '--data', data, ...args], { ...SQLITE, ...env });
  assert.equal(r.status, 0, r.stderr);
  const out = {};
  for (const l of r.stdout.trim().split('\n').slice(1)) {
    const [n, item, answer, source] = l.split('\t');
    out[n] = { item, answer, source };
  }
  return out;
}

describe('disclosure', () => {
  test('on PostgreSQL, backups, redundancy and deletion are answered for it',
    { skip: !PG && 'needs PostgreSQL: STAMPRALLY_TEST_PG (make test starts one)' }, () => {
      const s = sheet(storeEnv(data));
      assert.equal(s[25].answer, '日次（毎日 03:30）、暗号化（pg_dump。WAL アーカイブによる任意時点への復旧は運用者が記入）');
      assert.equal(s[26].answer, '7世代');
      assert.match(s[27].answer, /^複数台のアプリケーションサーバー/);
      assert.match(s[13].answer, /全バックアップ世代（pg_dump）からも消去/);
      assert.match(s[13].answer, /VACUUM FULL/);
      assert.doesNotMatch(s[13].answer, /secure_delete/);
      assert.match(sheet(storeEnv(data), ['--lang', 'en'])[27].answer, /several application nodes behind a load balancer/);
    });
  test('the defaults', () => {
    const s = sheet();
    assert.equal(s[25].answer, '日次（毎日 03:30）、暗号化');
    assert.equal(s[26].answer, '7世代');
    assert.match(s[36].answer, /365日間保存/);
    assert.match(s[37].answer, /365日間保存/);
    assert.match(s[38].answer, /ハッシュチェーン/);
    assert.match(s[51].answer, /^無し/);
    assert.match(s[28].answer, /^無し/);
    for (const n of [2, 6, 46, 60]) assert.deepEqual([s[n].answer, s[n].source], ['（運用者が記入）', 'operator']);
    assert.equal(s[1].answer, new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10));
    assert.match(s[13].answer, /^有り: stamprally tenant purge/);
    assert.match(s[14].answer, /Ed25519/);
    assert.match(s[10].answer, /メールは未設定/);
    assert.match(s[56].answer, /メールは未設定/);
    // Object keys of numbers always come out sorted, so read the raw lines.
    const raw = cli(['disclosure', '--data', data]).stdout.trim().split('\n').slice(1).map((l) => Number(l.split('\t')[0]));
    assert.deepEqual(raw, [...raw].sort((a, b) => a - b), 'items in order');
  });

  test('with a mail server the notices go by e-mail too', () => {
    const s = sheet({ STAMPRALLY_MAIL_SMTP_URL: 'smtp://127.0.0.1:2525', STAMPRALLY_MAIL_FROM: 'ops@example.jp' });
    assert.match(s[10].answer, /^メール（主催者のオーナー・管理者）/);
    assert.match(s[56].answer, /前日のリマインダー/);
  });

  test('answers change with the configuration', () => {
    const ca = testCA();
    const { cert, key } = ca.issue('disc');
    const s = sheet({ STAMPRALLY_BACKUP_TIME: '02:15', STAMPRALLY_BACKUP_KEEP: '14', STAMPRALLY_RETENTION_ACCESS_LOG_DAYS: '400',
      STAMPRALLY_RETENTION_SECURITY_EVENTS_DAYS: '730', STAMPRALLY_BACKUP_COPY_COMMAND: 'rsync "$1" offsite:',
      STAMPRALLY_SERVER_TLS_CERT: cert, STAMPRALLY_SERVER_TLS_KEY: key, STAMPRALLY_RETENTION_PARTICIPANTS_DAYS_AFTER_END: '90' });
    assert.equal(s[25].answer, '日次（毎日 02:15）、暗号化');
    assert.equal(s[26].answer, '14世代');
    assert.match(s[36].answer, /400日間保存/);
    assert.match(s[37].answer, /730日間保存/);
    assert.match(s[28].answer, /^有り/);
    assert.match(s[50].answer, /^有り: サーバ証明書（発行者 CN=stamprally test CA、有効期限 \d{4}-\d\d-\d\d）$/);
    assert.match(s[51].answer, /TLS 1\.2 と 1\.3 のみ/);
    assert.equal(s[13].source, 'auto');
    const off = sheet({ STAMPRALLY_BACKUP_TIME: 'off', STAMPRALLY_SERVER_PUBLIC_URL: 'https://stamp.example.jp' });
    assert.match(off[25].answer, /^無し/);
    assert.match(off[51].answer, /リバースプロキシで終端/);
  });

  test('the clock line says what the kernel says; English on request', () => {
    const s = sheet({}, ['--lang', 'en']);
    assert.equal(s[32].item, 'Time synchronisation');
    assert.match(s[32].answer, /^(Yes: the clock is synchronised|No: this machine's clock is not synchronised)/);
    assert.equal(s[26].answer, '7 generations');
    assert.equal(cli(['disclosure', '--lang', 'fr', '--data', data]).status, 2);
  });
});
