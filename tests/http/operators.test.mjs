// The operator's side: operator accounts (CLI and /ops), always behind TOTP
// (enrolment with a QR code, ten single-use recovery codes, ±1 step, no
// replay), /ops for tenants (create with a first owner, quotas, suspend,
// resume, purge with a certificate), operators (create, disable ends every
// session at once, reset), announcements and the operator log; TOTP for
// tenant staff (by choice, or required by the owner). Nobody but an
// operator reaches /ops: anonymous visitors and tenant staff get 404.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, Client, eventually, operatorLogin, PG, startServer, totp } from './helpers.mjs';

let srv;
let opPw;
let op; // the logged-in, verified operator client
const run = (args) => cli([...args, '--data', srv.data]);
const text = (r) => r.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

before(async () => {
  srv = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off' } });
  const r = run(['operator', 'create', '--login', 'ops-taro', '--by', 'founder']);
  assert.equal(r.status, 0, r.stderr);
  opPw = JSON.parse(r.stdout).password;
  assert.match(opPw, /^\S{16,}$/);
  srv.import({ tenant: 'city', slug: 'city-walk', title: 'City Walk', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
});
after(async () => { await srv.stop(); });

describe('operators and TOTP', () => {
  test('login: the password, then enrolment with a QR code and recovery codes; nothing before that', async () => {
    const c = new Client(srv.base);
    const t = await c.csrfFrom('/ops/login');
    const bad = await c.postForm('/ops/login', { _csrf: t, login: 'ops-taro', password: 'wrong password here' });
    assert.equal(bad.status, 401);
    const r = await c.postForm('/ops/login', { _csrf: t, login: 'ops-taro', password: opPw });
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/ops/totp');
    const home = await c.get('/ops');
    assert.equal(home.status, 303, 'the second factor first');
    assert.equal(home.headers.location, '/ops/totp');
    assert.equal((await c.postForm('/ops/tenants', { _csrf: t, slug: 'x', name: 'x', owner: 'xxx' })).status, 403);
    assert.match(text(await c.get('/ops/totp')), /認証アプリを設定する|Set up the authenticator app/);
    const e = await c.postForm('/ops/totp/enrol', { _csrf: t });
    assert.equal(e.status, 200);
    assert.match(e.text, /<svg class="qr totp"/);
    const secret = e.text.match(/<code class="secret">([A-Z2-7 ]+)<\/code>/)[1].replace(/ /g, '');
    assert.equal(secret.length, 32);
    assert.equal((await c.postForm('/ops/totp', { _csrf: t, code: '000000' === totp(secret) ? '111111' : '000000' })).status, 401);
    const ok = await c.postForm('/ops/totp', { _csrf: t, code: totp(secret) });
    assert.equal(ok.status, 200);
    const codes = [...ok.text.matchAll(/<li><code>([A-Z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    assert.equal((await c.get('/ops')).status, 200);
    assert.ok(!srv.sql("SELECT totp_sealed FROM operators WHERE login = 'ops-taro'").includes(secret), 'the secret is sealed at rest');
    assert.equal(srv.sql("SELECT count(*) FROM totp_recovery WHERE realm = 'operator' AND used_at IS NULL"), '10');
    op = c;
    op.secret = secret;
    op.codes = codes;
    op.csrf = t;
  });

  test('a code is never taken twice; ±1 step; recovery codes work once each', async () => {
    const again = async (code) => {
      const c = new Client(srv.base);
      const t = await c.csrfFrom('/ops/login');
      assert.equal((await c.postForm('/ops/login', { _csrf: t, login: 'ops-taro', password: opPw })).status, 303);
      const r = await c.postForm('/ops/totp', { _csrf: t, code });
      return r.status;
    };
    // far enough from a step's end that "now" stays one step for the whole test
    const left = 30000 - (Date.now() % 30000);
    if (left < 8000) await new Promise((ok) => setTimeout(ok, left + 200));
    const used = Number(srv.sql("SELECT totp_last_step FROM operators WHERE login = 'ops-taro'"));
    assert.equal(await again(totp(op.secret, 0, used * 30000)), 401, 'the code just used is refused (replay)');
    assert.equal(await again(totp(op.secret, 2)), 401, 'two steps ahead is too far');
    assert.equal(await again(totp(op.secret, 1)), 303, 'one step ahead (clock skew) is fine');
    assert.equal(await again(totp(op.secret, 1)), 401, 'and only once');
    assert.equal(await again(op.codes[0].toLowerCase()), 303, 'a recovery code, however typed');
    assert.equal(await again(op.codes[0]), 401, 'once');
    assert.equal(srv.sql("SELECT count(*) FROM totp_recovery WHERE realm = 'operator' AND used_at IS NULL"), '9');
    const kinds = srv.sql("SELECT kind FROM security_events WHERE kind LIKE 'totp%' ORDER BY id").split('\n');
    assert.ok(kinds.includes('totp_enrolled') && kinds.includes('totp_failed') && kinds.includes('totp_recovery_used'), kinds.join());
  });

  test('nobody else reaches /ops: anonymous and tenant staff get 404', async () => {
    const staff = await srv.staff('city-owner', srv.user('city', 'city-owner', 'owner'));
    const table = JSON.parse(run(['routes', '--json']).stdout).filter((x) => x.access === 'operator');
    assert.ok(table.length >= 20, `${table.length} operator routes`);
    for (const who of [new Client(srv.base), staff]) {
      for (const x of table) {
        const p = x.pattern.replace(/\{[a-z]+\}/g, 'city');
        const r = x.method === 'GET' ? await who.get(p) : await who.postForm(p, { _csrf: await who.csrfFrom('/ops/login') });
        assert.equal(r.status, 404, `${x.method} ${p}`);
      }
    }
  });
});

describe('/ops', () => {
  test('tenants: create with a first owner, quotas, suspend and resume', async () => {
    const bad = await op.postForm('/ops/tenants', { _csrf: op.csrf, slug: 'Bad Slug', name: 'x', owner: 'o-owner' });
    assert.equal(bad.status, 422);
    assert.match(text(bad), /テナントID/);
    const r = await op.postForm('/ops/tenants', { _csrf: op.csrf, slug: 'port', name: '港町観光協会', owner: 'port-owner' });
    assert.equal(r.status, 201, text(r).slice(0, 300));
    const pw = r.text.match(/<code class="secret">([^<]+)<\/code>/)[1];
    assert.equal((await (await srv.staff('port-owner', pw)).get('/console')).status, 200, 'the owner logs in');
    assert.equal((await op.postForm('/ops/tenants', { _csrf: op.csrf, slug: 'port', name: 'x', owner: 'port-2' })).status, 409);
    const q = await op.postForm('/ops/tenants/port/quota', { _csrf: op.csrf, rallies: '2', participants: '100', storage_mb: '5' });
    assert.equal(q.status, 303);
    assert.equal((await op.postForm('/ops/tenants/port/quota', { _csrf: op.csrf, rallies: '-1' })).status, 422);
    assert.equal((await op.postForm('/ops/tenants/nowhere/quota', { _csrf: op.csrf, rallies: '1' })).status, 404);
    const list = await op.get('/ops');
    assert.match(text(list), /港町観光協会/);
    assert.match(list.text, /name="storage_mb" type="number" min="0" value="5"/);
    assert.equal((await op.postForm('/ops/tenants/city/suspend', { _csrf: op.csrf, reason: '' })).status, 422);
    assert.equal((await op.postForm('/ops/tenants/city/suspend', { _csrf: op.csrf, reason: '契約確認' })).status, 303);
    assert.equal((await new Client(srv.base).get('/r/city-walk')).status, 403);
    assert.equal((await op.postForm('/ops/tenants/city/resume', { _csrf: op.csrf })).status, 303);
    assert.equal((await new Client(srv.base).get('/r/city-walk')).status, 200);
    const log = text(await op.get('/ops/audit'));
    for (const k of ['tenant_created', 'tenant_quota', 'tenant_suspended', 'tenant_resumed']) assert.match(log, new RegExp(k));
    assert.match(log, /ops-taro \(operator\)/);
  });

  test('operators: create on /ops, disable ends their session at once, reset', async () => {
    const r = await op.postForm('/ops/operators', { _csrf: op.csrf, login: 'ops-hanako' });
    assert.equal(r.status, 201);
    const pw = r.text.match(/<code class="secret">([^<]+)<\/code>/)[1];
    const hanako = await operatorLogin(srv.base, 'ops-hanako', pw);
    assert.equal(hanako.codes.length, 10);
    assert.equal((await hanako.get('/ops')).status, 200);
    const id = srv.sql("SELECT public_id FROM operators WHERE login = 'ops-hanako'");
    const me = srv.sql("SELECT public_id FROM operators WHERE login = 'ops-taro'");
    assert.equal((await op.postForm(`/ops/operators/${me}/disable`, { _csrf: op.csrf })).status, 422, 'not oneself');
    assert.equal((await op.postForm(`/ops/operators/${id}/disable`, { _csrf: op.csrf })).status, 303);
    assert.equal((await hanako.get('/ops')).status, 404, 'the session ended at once');
    const t = await new Client(srv.base).csrfFrom('/ops/login');
    const c = new Client(srv.base);
    await c.get('/ops/login');
    assert.equal((await op.postForm(`/ops/operators/${id}/enable`, { _csrf: op.csrf })).status, 303);
    const reset = await op.postForm(`/ops/operators/${id}/reset`, { _csrf: op.csrf });
    assert.equal(reset.status, 200);
    const pw2 = reset.text.match(/<code class="secret">([^<]+)<\/code>/)[1];
    assert.notEqual(pw2, pw);
    assert.equal(srv.sql("SELECT totp_enabled_at IS NULL FROM operators WHERE login = 'ops-hanako'"), '1', 'enrols again');
    assert.ok(t);
    const log = srv.sql("SELECT kind || ' ' || detail FROM security_events WHERE kind LIKE 'operator_%' ORDER BY id");
    for (const k of ['operator_created', 'operator_disabled', 'operator_enabled', 'operator_reset']) {
      assert.match(log, new RegExp(`${k} .*"operator":"ops-hanako".*"by":"ops-taro \\(operator\\)"`));
    }
    const listed = run(['operator', 'list']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(listed.map((o) => o.login), ['ops-hanako', 'ops-taro']);
  });

  test('announcements: 7 days ahead for maintenance, clear 422s, shown, closed', async () => {
    const local = (days) => new Date(Date.now() + 9 * 3600e3 + days * 86400e3).toISOString().slice(0, 16);
    const post = (f) => op.postForm('/ops/announcements', { _csrf: op.csrf, kind: 'maintenance', ja: '定期メンテナンス', ...f });
    let r = await post({ from: local(2), to: local(2.1) });
    assert.equal(r.status, 422);
    assert.match(text(r), /7日以上前/);
    r = await post({ from: local(9), to: local(8) });
    assert.equal(r.status, 422);
    assert.match(text(r), /終了は開始より後/);
    assert.equal((await post({ from: local(9), to: local(9.1), ja: '' })).status, 422);
    assert.equal((await post({ from: 'soon', to: local(9.1) })).status, 422);
    assert.equal((await post({ from: local(9), to: local(9.1), tenants: 'nowhere' })).status, 422);
    r = await post({ from: local(9), to: local(9.1), en: 'Planned maintenance' });
    assert.equal(r.status, 303);
    const page = await op.get('/ops/announcements');
    assert.match(page.text, /定期メンテナンス/);
    const id = page.text.match(/\/ops\/announcements\/([^/]+)\/close/)[1];
    assert.match((await new Client(srv.base).get('/status.json')).text, /定期メンテナンス/);
    assert.equal((await op.postForm(`/ops/announcements/${id}/close`, { _csrf: op.csrf })).status, 303);
    assert.doesNotMatch((await op.get('/ops/announcements')).text, /定期メンテナンス/);
  });

  test('purge from /ops: the slug typed again and a reason; the certificate appears and verifies', async () => {
    assert.equal((await op.postForm('/ops/tenants/port/purge', { _csrf: op.csrf, confirm: 'prt', reason: 'x' })).status, 422);
    assert.equal((await op.postForm('/ops/tenants/port/purge', { _csrf: op.csrf, confirm: 'port', reason: '' })).status, 422);
    const r = await op.postForm('/ops/tenants/port/purge', { _csrf: op.csrf, confirm: 'port', reason: '契約終了' });
    assert.equal(r.status, 303);
    const id = await eventually(() => srv.sql("SELECT public_id FROM erasure_certificates WHERE tenant_slug = 'port'") || null,
      'the jobs thread purges the tenant');
    const page = await op.get(`/ops/certificates/${id}`);
    assert.equal(page.status, 200, text(page).slice(0, 400));
    assert.match(text(page), /消去証明書.*港町観光協会.*ops-taro \(operator\).*契約終了/);
    // what happened to the rows is said for the backend that holds them
    if (PG) {
      assert.match(text(page), /行は PostgreSQL から削除しました。/);
      assert.match(text(page), /VACUUM FULL で書き直されるまでテーブルファイルに/);
      assert.doesNotMatch(text(page), /secure_delete/);
    } else assert.match(text(page), /行は SQLite の secure_delete で削除しました.*先行書き込みログ（WAL）を反映して切り詰めました/);
    const file = await op.get(`/ops/certificates/${id}/certificate.json`);
    assert.match(file.headers['content-disposition'], /attachment/);
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cert-')), 'c.json');
    fs.writeFileSync(f, file.raw);
    const v = run(['certificate', 'verify', f]);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(srv.sql("SELECT count(*) FROM tenants WHERE slug = 'port'"), '0');
    assert.equal((await op.get('/ops/certificates/nope')).status, 404);
  });

  test('the operator console answers during maintenance mode', async () => {
    assert.equal(run(['maintenance', 'on']).status, 0);
    try {
      await eventually(async () => (await new Client(srv.base).get('/r/city-walk')).status === 503 || null, 'maintenance on');
      assert.equal((await op.get('/ops')).status, 200);
    } finally {
      assert.equal(run(['maintenance', 'off']).status, 0);
      await eventually(async () => (await new Client(srv.base).get('/r/city-walk')).status === 200 || null, 'maintenance off');
    }
  });
});

describe('TOTP for tenant staff', () => {
  test('an account enrols by choice; then its login asks for the code', async () => {
    const pw = srv.user('city', 'city-editor', 'editor');
    const ed = await srv.staff('city-editor', pw);
    const t = await ed.csrfFrom('/console/totp');
    const e = await ed.postForm('/console/totp/enrol', { _csrf: t });
    const secret = e.text.match(/<code class="secret">([A-Z2-7 ]+)<\/code>/)[1].replace(/ /g, '');
    const ok = await ed.postForm('/console/totp', { _csrf: t, code: totp(secret) });
    assert.equal(ok.status, 200);
    const c = new Client(srv.base);
    const t2 = await c.csrfFrom('/console/login');
    const r = await c.postForm('/console/login', { _csrf: t2, login: 'city-editor', password: pw });
    assert.equal(r.headers.location, '/console/totp');
    assert.equal((await c.get('/console')).headers.location, '/console/totp');
    assert.equal((await c.postForm('/console/rallies', { _csrf: t2, slug: 'x' })).status, 403);
    const e2 = await c.postForm('/console/totp/enrol', { _csrf: t2 });
    assert.equal(e2.status, 403, 'the password alone cannot replace the second factor');
    assert.equal((await c.postForm('/console/totp', { _csrf: t2, code: totp(secret, 1) })).status, 303);
    assert.equal((await c.get('/console')).status, 200);
    // a renewal started and abandoned leaves the working second factor in place
    const codes = [...ok.text.matchAll(/<li><code>([A-Z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    assert.equal((await c.postForm('/console/totp/enrol', { _csrf: t2 })).status, 200);
    assert.equal(srv.sql("SELECT totp_enabled_at IS NOT NULL FROM accounts WHERE login = 'city-editor'"), '1');
    const d = new Client(srv.base);
    const t3 = await d.csrfFrom('/console/login');
    assert.equal((await d.postForm('/console/login', { _csrf: t3, login: 'city-editor', password: pw })).headers.location, '/console/totp');
    assert.match((await d.get('/console/totp')).text, /name="code"/, 'asks for the code, not a new enrolment');
    assert.equal((await d.postForm('/console/totp', { _csrf: t3, code: codes[3] })).status, 303, 'the old recovery codes still work');
  });

  test('the owner requires it: accounts without it enrol at their next page; an owner resets one', async () => {
    const owner = await srv.staff('city-boss', srv.user('city', 'city-boss', 'owner'));
    const viewer = await srv.staff('city-viewer', srv.user('city', 'city-viewer', 'viewer'));
    assert.equal((await viewer.get('/console')).status, 200);
    const t = await owner.csrfFrom('/console/users');
    const admin = await srv.staff('city-admin', srv.user('city', 'city-admin', 'admin'));
    assert.equal((await admin.postForm('/console/require-totp', { _csrf: await admin.csrfFrom('/console/users'), require: '1' })).status, 403,
      'owners only');
    assert.equal((await owner.postForm('/console/require-totp', { _csrf: t, require: '1' })).status, 303);
    assert.equal((await viewer.get('/console')).headers.location, '/console/totp');
    assert.equal((await owner.get('/console/users')).headers.location, '/console/totp', 'the owner too');
    const e = await owner.postForm('/console/totp/enrol', { _csrf: t });
    const secret = e.text.match(/<code class="secret">([A-Z2-7 ]+)<\/code>/)[1].replace(/ /g, '');
    assert.equal((await owner.postForm('/console/totp', { _csrf: t, code: totp(secret) })).status, 200);
    const users = await owner.get('/console/users');
    assert.equal(users.status, 200);
    const editor = srv.sql("SELECT public_id FROM accounts WHERE login = 'city-editor'");
    assert.equal((await owner.postForm(`/console/users/${editor}/totp-reset`, { _csrf: t })).status, 303);
    assert.equal(srv.sql("SELECT totp_enabled_at IS NULL FROM accounts WHERE login = 'city-editor'"), '1');
    assert.equal(srv.sql("SELECT count(*) FROM staff_sessions s JOIN accounts a ON a.id = s.account_id WHERE a.login = 'city-editor'"), '0');
    assert.equal((await owner.postForm('/console/require-totp', { _csrf: t })).status, 303);
    assert.equal((await viewer.get('/console')).status, 200, 'no longer required');
  });
});
