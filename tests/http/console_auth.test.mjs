// Console login, throttling, sessions, staff account management, passwords.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request, startServer } from './helpers.mjs';

let srv;
let ownerPw;
before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'acme', slug: 'acme-rally', title: 'Acme', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'A' }] });
  ownerPw = srv.user('acme', 'acme-owner', 'owner');
});
after(async () => { await srv.stop(); });

const loginForm = async (c, login, password) => {
  const t = await c.csrfFrom('/console/login');
  return c.postForm('/console/login', { _csrf: t, login, password });
};

describe('login', () => {
  test('the CLI prints a strong random initial password', () => {
    assert.match(ownerPw, /^[A-Za-z0-9]{20}$/);
  });

  test('a console page without a session sends the browser to the login page', async () => {
    const r = await request(srv.base, 'GET', '/console');
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/console/login');
    const p = await request(srv.base, 'POST', '/console/users', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.ok(p.status === 403 || p.status === 401, `${p.status}`);
  });

  test('good credentials log in with a fresh HttpOnly session cookie; logout ends it server-side', async () => {
    const c = srv.client();
    const r = await loginForm(c, 'acme-owner', ownerPw);
    assert.equal(r.status, 303);
    const sc = r.headers['set-cookie'].find((s) => s.startsWith('ssid='));
    assert.match(sc, /HttpOnly; SameSite=Lax/);
    const token = c.cookies.get('ssid');
    const home = await c.get('/console');
    assert.equal(home.status, 200);
    assert.match(home.text, /acme-rally/);
    const again = await loginForm(srv.client(), 'acme-owner', ownerPw);
    assert.notEqual(again.headers['set-cookie'].find((s) => s.startsWith('ssid=')), sc, 'a new token per login');
    const t = home.text.match(/name="_csrf" value="([^"]+)"/)[1];
    const out = await c.postForm('/console/logout', { _csrf: t });
    assert.equal(out.status, 303);
    const stale = srv.client();
    stale.cookies.set('ssid', token);
    assert.equal((await stale.get('/console')).status, 303, 'the old token no longer works');
  });

  test('wrong password and unknown ID give the same 401 message', async () => {
    const a = await loginForm(srv.client(), 'acme-owner', 'wrong-password-here');
    const b = await loginForm(srv.client(), 'nobody-at-all', 'wrong-password-here');
    assert.equal(a.status, 401);
    assert.equal(b.status, 401);
    const msg = (t) => t.match(/role="alert">([^<]+)</)[1];
    assert.equal(msg(a.text), msg(b.text));
  });

  test('repeated failures lock the account with backoff, are logged, and counted in /metrics', async () => {
    const pw = srv.user('acme', 'victim', 'editor');
    let last;
    for (let i = 0; i < 6; i++) last = await loginForm(srv.client(), 'victim', `guess-${i}-xxxxxxx`);
    assert.equal(last.status, 429);
    assert.match(last.text, /秒後にもう一度/);
    assert.ok(Number(last.headers['retry-after']) > 0);
    const right = await loginForm(srv.client(), 'victim', pw);
    assert.equal(right.status, 429, 'even the right password waits out the lock');
    const kinds = srv.sql("SELECT kind, count(*) FROM security_events WHERE detail LIKE '%victim%' GROUP BY kind ORDER BY kind");
    assert.match(kinds, /login_failed\|5/);
    assert.match(kinds, /login_throttled\|[12]/);
    const m = await srv.metrics();
    assert.match(m.text, /stamprally_logins_total\{result="failed"\} [1-9]/);
    assert.match(m.text, /stamprally_logins_total\{result="throttled"\} [1-9]/);
  });
});

describe('staff accounts', () => {
  let owner;
  before(async () => { owner = await srv.staff('acme-owner', ownerPw); });

  const createUser = async (c, login, role) => {
    const page = await c.get('/console/users');
    const t = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
    return c.postForm('/console/users', { _csrf: t, login, role });
  };
  const userId = async (c, login) => {
    const page = await c.get('/console/users');
    const row = page.text.split('<tr').find((r) => r.includes(`<strong>${login}</strong>`));
    return row.match(/\/console\/users\/([^/]+)\//)[1];
  };

  test('an owner creates an editor whose initial password is shown once and works', async () => {
    const r = await createUser(owner, 'ed1', 'editor');
    assert.equal(r.status, 200);
    const pw = r.text.match(/class="secret">([^<]+)</)[1];
    assert.match(pw, /^[A-Za-z0-9]{20}$/);
    const ed = await srv.staff('ed1', pw);
    assert.equal((await ed.get('/console')).status, 200);
    assert.equal((await ed.get('/console/users')).status, 403, 'editors do not manage accounts');
  });

  test('validation errors are shown next to the field and nothing is saved', async () => {
    const bad = await createUser(owner, 'No Spaces!', 'editor');
    assert.equal(bad.status, 422);
    assert.match(bad.text, /class="field-error">ログインIDは3〜64文字/);
    const dup = await createUser(owner, 'ed1', 'viewer');
    assert.equal(dup.status, 409);
    assert.match(dup.text, /このログインIDは使われています/);
    const role = await createUser(owner, 'ed9', 'superuser');
    assert.equal(role.status, 422);
  });

  test('an admin cannot create or manage an owner', async () => {
    const r = await createUser(owner, 'adm1', 'admin');
    const adm = await srv.staff('adm1', r.text.match(/class="secret">([^<]+)</)[1]);
    const up = await createUser(adm, 'boss2', 'owner');
    assert.equal(up.status, 422);
    const page = await adm.get('/console/users');
    assert.doesNotMatch(page.text.split('<tr').find((row) => row.includes('<strong>acme-owner</strong>')), /\/disable/);
    const id = srv.sql("SELECT public_id FROM accounts WHERE login = 'acme-owner'");
    const t = (await adm.get('/console/users')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    assert.equal((await adm.postForm(`/console/users/${id}/disable`, { _csrf: t })).status, 403);
  });

  test('disabling an account ends its sessions at once; enabling lets it log in again', async () => {
    const r = await createUser(owner, 'temp1', 'viewer');
    const pw = r.text.match(/class="secret">([^<]+)</)[1];
    const v = await srv.staff('temp1', pw);
    assert.equal((await v.get('/console')).status, 200);
    const id = await userId(owner, 'temp1');
    const t = (await owner.get('/console/users')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    assert.equal((await owner.postForm(`/console/users/${id}/disable`, { _csrf: t })).status, 303);
    assert.equal((await v.get('/console')).status, 303, 'session ended');
    assert.equal((await loginForm(srv.client(), 'temp1', pw)).status, 401);
    assert.equal((await owner.postForm(`/console/users/${id}/enable`, { _csrf: t })).status, 303);
    assert.equal((await loginForm(srv.client(), 'temp1', pw)).status, 303);
  });

  test('role change and password reset', async () => {
    const r = await createUser(owner, 'temp2', 'viewer');
    const pw = r.text.match(/class="secret">([^<]+)</)[1];
    const id = await userId(owner, 'temp2');
    const t = (await owner.get('/console/users')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    assert.equal((await owner.postForm(`/console/users/${id}/role`, { _csrf: t, role: 'editor' })).status, 303);
    const reset = await owner.postForm(`/console/users/${id}/reset`, { _csrf: t });
    const pw2 = reset.text.match(/class="secret">([^<]+)</)[1];
    assert.notEqual(pw, pw2);
    assert.equal((await loginForm(srv.client(), 'temp2', pw)).status, 401);
    const ed = await srv.staff('temp2', pw2);
    assert.match((await ed.get('/console')).text, /rallies\/new/, 'now an editor');
    const events = srv.sql("SELECT kind FROM security_events WHERE detail LIKE '%temp2%' ORDER BY id");
    assert.deepEqual(events.split('\n'), ['account_created', 'account_role_changed', 'account_password_reset', 'login_failed']);
    assert.equal(srv.sql("SELECT count(*) FROM security_events e JOIN accounts a ON a.id = e.account_id WHERE a.login = 'temp2' AND e.kind = 'login'"), '1');
  });

  test('nobody changes their own role or disables themselves', async () => {
    const page = await owner.get('/console/users');
    const own = page.text.split('<tr').find((row) => row.includes('<strong>acme-owner</strong>'));
    assert.doesNotMatch(own, /\/console\/users\//, 'no action buttons on your own row');
    const id = srv.sql("SELECT public_id FROM accounts WHERE login = 'acme-owner'");
    const t = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
    assert.equal((await owner.postForm(`/console/users/${id}/disable`, { _csrf: t })).status, 403);
    assert.equal((await owner.postForm(`/console/users/${id}/role`, { _csrf: t, role: 'viewer' })).status, 403);
  });

  test('changing your own password applies the rules and ends your sessions', async () => {
    const r = await createUser(owner, 'pwuser', 'viewer');
    const pw = r.text.match(/class="secret">([^<]+)</)[1];
    const c = await srv.staff('pwuser', pw);
    const t = (await c.get('/console/password')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    const post = (f) => c.postForm('/console/password', { _csrf: t, current: pw, ...f });
    let res = await post({ password: 'short', password_again: 'short' });
    assert.equal(res.status, 422);
    assert.match(res.text, /8文字以上/);
    res = await post({ password: 'password1', password_again: 'password1' });
    assert.equal(res.status, 422);
    assert.match(res.text, /よく使われていて/, 'blocklisted');
    res = await post({ password: 'pwuser', password_again: 'pwuser' });
    assert.equal(res.status, 422);
    res = await post({ password: 'a long and fine passphrase', password_again: 'a different one entirely' });
    assert.match(res.text, /一致しません/);
    res = await c.postForm('/console/password', { _csrf: t, current: 'wrong', password: 'x'.repeat(20), password_again: 'x'.repeat(20) });
    assert.match(res.text, /現在のパスワードが違います/);
    const good = ' 日本語の パスフレーズ も使える '; // exactly as typed: spaces kept
    res = await post({ password: good, password_again: good });
    assert.equal(res.status, 303);
    assert.equal((await c.get('/console')).status, 303, 'logged out');
    assert.equal((await loginForm(srv.client(), 'pwuser', good.trim())).status, 401, 'compared exactly as typed');
    assert.equal((await loginForm(srv.client(), 'pwuser', good)).status, 303);
  });
});
