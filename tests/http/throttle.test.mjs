// One throttle for everything guessed (core/throttle.c): an address that
// sprays logins is locked after 20 failures in 15 minutes, and logging in to
// one's own account in between does not reset its count.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
let mine;

async function loginAs(c, t, login, password) {
  return c.postForm('/console/login', { _csrf: t, login, password });
}

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'thr', slug: 'thr', title: 'T', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'S' }] });
  mine = srv.user('thr', 'thr-mine', 'viewer');
});
after(async () => { await srv.stop(); });

test('a lockout looks the same for a login ID that exists and one that does not', async () => {
  const own = await startServer(); // its own address count
  own.import({ tenant: 'thr2', slug: 'thr2', title: 'T', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'S' }] });
  own.user('thr2', 'thr-real', 'viewer');
  const c = own.client();
  const t = await c.csrfFrom('/console/login');
  const seen = {};
  for (const login of ['thr-real', 'thr-ghost']) {
    seen[login] = [];
    for (let i = 0; i < 6; i++) {
      const r = await loginAs(c, t, login, `wrong-${i}-password`);
      seen[login].push(r.status);
    }
  }
  assert.deepEqual(seen['thr-real'], [401, 401, 401, 401, 401, 429]);
  assert.deepEqual(seen['thr-ghost'], seen['thr-real'], 'an unknown ID answers exactly as a real one');
  await own.stop();
});

test('a login to the sprayer\'s own account does not reset the address\'s failures', async () => {
  const c = srv.client();
  const t = await c.csrfFrom('/console/login');
  const fail = (i) => c.postForm('/console/login', { _csrf: t, login: `nobody-${i}`, password: 'guess guess guess' });
  const own = () => c.postForm('/console/login', { _csrf: t, login: 'thr-mine', password: mine });
  for (let i = 0; i < 15; i++) assert.equal((await fail(i)).status, 401, `failure ${i + 1}`);
  assert.equal((await own()).status, 303, 'the right password still works');
  for (let i = 15; i < 20; i++) assert.equal((await fail(i)).status, 401, `failure ${i + 1}`);
  const locked = await fail(20);
  assert.equal(locked.status, 429, 'the 21st attempt from the address waits');
  assert.ok(Number(locked.headers['retry-after']) > 0);
  assert.equal((await own()).status, 429, 'even with the right password, until the lock ends');
  assert.equal(srv.sql("SELECT failures FROM attempt_throttle WHERE key = 'login:127.0.0.1'"), '20');
});

test('the desk PIN cannot be guessed through a coupon from many addresses', async () => {
  // Behind a trusted proxy each guess may come from its own address.
  const own = await startServer({ env: { STAMPRALLY_SERVER_TRUSTED_PROXIES: '127.0.0.1' } });
  try {
    own.import({ tenant: 'dsk', slug: 'dsk', title: 'D', description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'S' }] });
    const owner = await own.staff('dsk-owner', own.user('dsk', 'dsk-owner', 'owner'));
    const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    assert.equal((await owner.postForm('/console/rallies/dsk/tiers', { _csrf: t, name: 'C', kind: 'coupon', condition: 'all' })).status, 303);
    assert.equal((await owner.postForm('/console/rallies/dsk/desk-pin', { _csrf: t, desk_pin: '1234' })).status, 422, 'four digits are too few');
    assert.equal((await owner.postForm('/console/rallies/dsk/desk-pin', { _csrf: t, desk_pin: '482915' })).status, 303);
    const c = own.client();
    await c.postJson('/api/v1/rallies/dsk/join');
    assert.equal((await c.postJson('/api/v1/stamps', { qr_token: own.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'dsk'") })).status, 201);
    const csrf = await c.csrfFrom('/recover');
    const took = await c.postForm(`/r/dsk/rewards/${own.sql("SELECT public_id FROM reward_tiers WHERE name = 'C'")}`, { _csrf: csrf });
    const redeem = `${took.headers.location}/redeem`;
    const from = (i) => ({ headers: { 'X-Forwarded-For': `198.51.100.${i}` } });
    for (let i = 0; i < 5; i++) {
      const r = await c.postForm(redeem, { _csrf: csrf, pin: `00000${i}` }, from(i));
      assert.equal(r.status, 422, `guess ${i + 1} from its own address`);
    }
    const right = await c.postForm(redeem, { _csrf: csrf, pin: '482915' }, from(99));
    assert.equal(right.status, 429, 'the coupon is locked, whatever the address');
    assert.equal(own.sql("SELECT count(*) FROM rewards WHERE redeemed_at IS NOT NULL"), '0');
  } finally {
    await own.stop();
  }
});

test('the current-password check of /console/password is throttled like a login; new passwords follow the rules', async () => {
  const own = await startServer();
  try {
    own.import({ tenant: 'pwc', slug: 'pwc', title: 'P', description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'S' }] });
    const pw = own.user('pwc', 'pwc-user', 'viewer');
    const c = await own.staff('pwc-user', pw);
    const t = await c.csrfFrom('/console/password');
    const change = (current, next) => c.postForm('/console/password', { _csrf: t, current, password: next, password_again: next });
    const rule = await change(pw, 'stamprally-2026');
    assert.equal(rule.status, 422);
    assert.match(rule.text, /サービス名・組織名・ログインIDを含む/);
    assert.equal((await change(pw, 'abcdefghij')).status, 422);
    for (let i = 0; i < 5; i++) assert.equal((await change(`wrong-${i}-password`, 'a fine new passphrase')).status, 422);
    const locked = await change(pw, 'a fine new passphrase');
    assert.equal(locked.status, 429, 'the right current password waits out the lock');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.equal(own.sql("SELECT count(*) FROM security_events WHERE kind = 'password_change_failed'"), '5');
  } finally {
    await own.stop();
  }
});

test('a flood of logins is bounded: past the argon2id queue they get 503 with Retry-After, and the rest of the service answers', async () => {
  const own = await startServer({ env: { STAMPRALLY_SERVER_TRUSTED_PROXIES: '127.0.0.1', STAMPRALLY_LIMITS_MAX_CONNECTIONS_PER_IP: '512' } });
  try {
    const c = own.client();
    const t = await c.csrfFrom('/console/login');
    // How many argon2id checks this machine does in the queue's 5 s (an ASan
    // build or a busy CI machine does fewer): the ones the flood can expect.
    const t0 = Date.now();
    await c.postForm('/console/login', { _csrf: t, login: 'timing', password: 'wrong password' });
    const perLogin = Math.max(Date.now() - t0, 1);
    const answerable = Math.min(64, Math.floor(5000 / perLogin));
    const flood = Array.from({ length: 150 }, (_, i) => c.postForm('/console/login',
      { _csrf: t, login: `flood-${i}`, password: `wrong password ${i}` },
      { headers: { 'X-Forwarded-For': `${i & 1 ? '198.51.100' : '203.0.113'}.${i >> 1}` } }));
    const health = await own.client().get('/healthz'); // answered while the flood is queued
    const answers = await Promise.all(flood);
    assert.equal(health.status, 200);
    const statuses = answers.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 401 || s === 503), [...new Set(statuses)].join(','));
    const busy = answers.filter((r) => r.status === 503);
    assert.ok(busy.length > 0, 'some wait in no queue');
    assert.ok(busy.every((r) => Number(r.headers['retry-after']) > 0));
    const answered = statuses.filter((s) => s === 401).length;
    assert.ok(answered >= Math.floor(answerable * 0.75), `the queued ones are answered: ${answered} of ${answerable} (${perLogin} ms each)`);
  } finally {
    await own.stop();
  }
});
