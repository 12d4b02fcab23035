// Every console route against every role, and tenant B's staff against
// tenant A's objects (which must answer 404 and never show data). The
// routes and the permission each needs come from the real table
// (`stamprally routes --json`); this file only says, per route, what to
// send and whether it names one of tenant A's objects, and fails when a
// staff route has no such row.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cli, Client, operatorLogin, startServer } from './helpers.mjs';

let srv;
const A = {};
const clients = {};

before(async () => {
  srv = await startServer();
  for (const t of ['tenant-a', 'tenant-b']) {
    srv.import({ tenant: t, slug: `${t}-rally`, title: `Secret title of ${t}`, description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: `Secret spot of ${t}` }] });
  }
  for (const role of ['owner', 'admin', 'editor', 'desk', 'viewer']) {
    clients[role] = await srv.staff(`a-${role}`, srv.user('tenant-a', `a-${role}`, role));
  }
  clients.b = await srv.staff('b-owner', srv.user('tenant-b', 'b-owner', 'owner'));
  srv.user('tenant-a', 'a-victim', 'viewer');
  A.slug = 'tenant-a-rally';
  A.spot = srv.sql("SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'tenant-a-rally'");
  A.user = srv.sql("SELECT public_id FROM accounts WHERE login = 'a-victim'");
  const t = (await clients.owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const m = await clients.owner.postForm(`/console/rallies/${A.slug}/spots/${A.spot}/methods`, { _csrf: t, m_qr: '1', m_rotating_qr: '1' });
  assert.equal(m.status, 303);
  // a lottery with one entry, drawn once
  const l = await clients.owner.postForm(`/console/rallies/${A.slug}/tiers`, { _csrf: t, name: 'Lottery', kind: 'lottery', condition: 'all' });
  assert.equal(l.status, 303);
  A.tier = srv.sql("SELECT t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = 'tenant-a-rally'");
  const p = srv.client();
  await p.postJson(`/api/v1/rallies/${A.slug}/join`);
  const token = srv.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'tenant-a-rally'");
  assert.equal((await p.postJson('/api/v1/stamps', { qr_token: token })).status, 201);
  const entry = `/r/${A.slug}/lottery/${A.tier}`;
  assert.equal((await p.postForm(entry, { _csrf: await p.csrfFrom(entry) })).status, 303);
  const d = await clients.owner.postForm(`/console/rallies/${A.slug}/lottery/${A.tier}/draw`, { _csrf: t, count: '1', early: '1' });
  assert.equal(d.status, 303);
  A.draw = srv.sql('SELECT public_id FROM lottery_draws');
  // a coupon earned and taken, for the desk's redemption
  const c = await clients.owner.postForm(`/console/rallies/${A.slug}/tiers`, { _csrf: t, name: 'Coupon', kind: 'coupon', condition: 'all' });
  assert.equal(c.status, 303);
  const coupon = srv.sql("SELECT public_id FROM reward_tiers WHERE name = 'Coupon'");
  const take = await p.postForm(`/r/${A.slug}/rewards/${coupon}`, { _csrf: await p.csrfFrom(`/r/${A.slug}/card`) });
  assert.equal(take.status, 303, take.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300));
  A.code = srv.sql("SELECT code FROM rewards WHERE code IS NOT NULL");
});
after(async () => { await srv.stop(); });

// What to send to each staff route: {fields} for a POST (harmless: they
// fail validation or change nothing that matters when allowed), object:
// true when the URL names one of tenant A's objects, skip: why a route is
// not sent here (tested elsewhere).
const expectations = () => ({
  'GET /console': {},
  'POST /console/logout': { skip: 'ends the session; console_auth.test.mjs' },
  'GET /console/password': {},
  'POST /console/password': { fields: { current: 'wrong' } },
  'GET /console/users': {},
  'POST /console/users': { fields: { login: 'X X', role: 'viewer' } },
  'POST /console/users/{id}/role': { fields: { role: 'bogus' }, object: true },
  'POST /console/users/{id}/disable': { object: true },
  'POST /console/users/{id}/enable': { object: true },
  'POST /console/users/{id}/reset': { object: true },
  'GET /console/audit': { query: '?kind=login' },
  'GET /console/audit.csv': {},
  'GET /console/audit.xlsx': {},
  'GET /console/rallies/new': {},
  'POST /console/rallies': { fields: { slug: 'Bad Slug' } },
  'GET /console/rallies/{slug}': { object: true },
  'POST /console/rallies/{slug}': { fields: { title: '' }, object: true },
  'POST /console/rallies/{slug}/status': { fields: { status: 'bogus' }, object: true },
  'POST /console/rallies/{slug}/duplicate': { fields: { slug: 'Bad Slug' }, object: true },
  'POST /console/rallies/{slug}/delete': { object: true }, // 409: published
  'POST /console/rallies/{slug}/preview/clear': { object: true },
  'POST /console/rallies/{slug}/cover': { object: true },
  'GET /console/rallies/{slug}/translations': { object: true },
  'POST /console/rallies/{slug}/translations': { fields: { to: 'en', 'f.rally:title': 'x'.repeat(101) }, object: true },
  'GET /console/rallies/{slug}/spots/new': { object: true },
  'POST /console/rallies/{slug}/spots': { fields: { name: '' }, object: true },
  'GET /console/rallies/{slug}/spots/{spot}': { object: true },
  'POST /console/rallies/{slug}/spots/{spot}': { fields: { name: '' }, object: true },
  'POST /console/rallies/{slug}/spots/{spot}/methods': { object: true },
  'POST /console/rallies/{slug}/desk-pin': { fields: { desk_pin: 'x' }, object: true },
  'POST /console/rallies/{slug}/spots/{spot}/regenerate': { object: true },
  'POST /console/rallies/{slug}/spots/{spot}/disable': { object: true }, // enable follows at once in the table
  'POST /console/rallies/{slug}/spots/{spot}/enable': { object: true },
  'POST /console/rallies/{slug}/spots/{spot}/delete': { object: true }, // 409: the spot has a stamp
  'POST /console/rallies/{slug}/spots/{spot}/image': { object: true },
  'GET /console/rallies/{slug}/posters': { object: true },
  'GET /console/rallies/{slug}/spots/{spot}/poster': { object: true },
  'GET /console/rallies/{slug}/dashboard': { object: true },
  'GET /console/rallies/{slug}/export/participants.csv': { object: true },
  'GET /console/rallies/{slug}/export/participants.xlsx': { object: true },
  'GET /console/rallies/{slug}/export/stamps.csv': { object: true },
  'GET /console/rallies/{slug}/export/stamps.xlsx': { object: true },
  'GET /console/rallies/{slug}/export/rewards.csv': { object: true },
  'GET /console/rallies/{slug}/export/rewards.xlsx': { object: true },
  'POST /console/rallies/{slug}/join-policy': { fields: { join_policy: 'bogus' }, object: true },
  'GET /console/desk': {},
  'GET /console/desk/redeem': { query: '?code=NONE-NONE' },
  'POST /console/desk/redeem/{code}': { object: true },
  'GET /console/desk/{slug}/{spot}': { object: true },
  'POST /console/rallies/{slug}/tiers': { fields: { name: '' }, object: true },
  'POST /console/rallies/{slug}/tiers/{tier}': { fields: { name: '' }, object: true },
  'POST /console/rallies/{slug}/tiers/{tier}/delete': { object: true },
  'GET /console/rallies/{slug}/lottery/{tier}': { object: true },
  'POST /console/rallies/{slug}/lottery/{tier}/draw': { fields: { count: '0' }, object: true },
  'GET /console/rallies/{slug}/lottery/{tier}/draws/{draw}': { object: true },
  'GET /console/rallies/{slug}/lottery/{tier}/entries.csv': { object: true },
  'GET /console/rallies/{slug}/lottery/{tier}/entries.xlsx': { object: true },
  'GET /console/rallies/{slug}/lottery/{tier}/draws/{draw}/winners.csv': { object: true },
  'GET /console/rallies/{slug}/lottery/{tier}/draws/{draw}/winners.xlsx': { object: true },
  'GET /console/line': {},
  'POST /console/line': { fields: { channel_id: 'not-a-number' } },
  'GET /console/totp': {},
  'POST /console/totp': { fields: { code: 'x' } },
  'POST /console/totp/enrol': {},
  'POST /console/users/{id}/totp-reset': { object: true },
  'POST /console/require-totp': { skip: 'owners only, whatever the permission bits; operators.test.mjs' },
  'GET /console/email': {},
  'POST /console/email': { fields: { email: 'not an address' } },
});

// The operator's routes: what an operator sends (harmless), or why not here;
// every one answers 404 to every staff role and to anonymous visitors.
const opExpectations = () => ({
  'POST /ops/logout': { skip: 'ends the session; operators.test.mjs' },
  'GET /ops/totp': {},
  'POST /ops/totp': { skip: 'a wrong code is a 401 by design; operators.test.mjs' },
  'POST /ops/totp/enrol': { skip: 'replaces the secret; operators.test.mjs' },
  'GET /ops': {},
  'POST /ops/tenants': { fields: { slug: 'Bad Slug' } },
  'POST /ops/tenants/{slug}/suspend': { fields: { reason: '' } },
  'POST /ops/tenants/{slug}/resume': { skip: 'resumes a tenant; operators.test.mjs' },
  'POST /ops/tenants/{slug}/quota': { fields: { rallies: '-1' } },
  'POST /ops/tenants/{slug}/purge': { fields: { confirm: 'no' } },
  'GET /ops/operators': {},
  'POST /ops/operators': { fields: { login: 'X X' } },
  'POST /ops/operators/{id}/disable': {},
  'POST /ops/operators/{id}/enable': {},
  'POST /ops/operators/{id}/reset': {},
  'GET /ops/announcements': {},
  'POST /ops/announcements': { fields: { kind: 'bogus' } },
  'POST /ops/announcements/{id}/close': { skip: 'needs an announcement; operators.test.mjs' },
  'GET /ops/audit': {},
  'GET /ops/certificates': {},
  'GET /ops/certificates/{id}': { skip: 'needs a purge; operators.test.mjs, purge.test.mjs' },
  'GET /ops/certificates/{id}/certificate.json': { skip: 'needs a purge; operators.test.mjs' },
});

/** The staff routes of the real table, as [method, path, fields, permission, object]. */
function routes() {
  const r = cli(['routes', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const table = JSON.parse(r.stdout).filter((x) => x.access === 'staff');
  const want = expectations();
  const out = [];
  for (const x of table) {
    const key = `${x.method} ${x.pattern}`;
    const e = want[key];
    assert.ok(e, `staff route ${key} has no row of expected outcomes in matrix.test.mjs`);
    if (e.skip) continue;
    const path = x.pattern.replace('{slug}', A.slug).replace('{spot}', A.spot).replace('{id}', A.user)
      .replace('{tier}', A.tier).replace('{draw}', A.draw).replace('{code}', A.code) + (e.query || '');
    assert.doesNotMatch(path, /[{}]/, `${key}: a parameter the test does not fill`);
    out.push([x.method, path, e.fields || {}, x.permissions, e.object]);
  }
  for (const key of Object.keys(want)) {
    assert.ok(table.some((x) => `${x.method} ${x.pattern}` === key), `matrix row ${key} names no route`);
  }
  return out;
}

const perms = {
  owner: ['view', 'edit', 'publish', 'export', 'users', 'desk', 'entries', 'audit'],
  admin: ['view', 'edit', 'publish', 'export', 'users', 'desk', 'entries', 'audit'],
  editor: ['view', 'edit', 'publish', 'export', 'desk'],
  desk: ['desk'],
  viewer: ['view'],
};

async function send(c, method, path, fields) {
  if (method === 'GET') return c.get(path);
  const t = (await c.get('/console/password')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  return c.postForm(path, { _csrf: t, ...fields });
}

describe('role matrix', () => {
  for (const role of Object.keys(perms)) {
    test(`${role}: allowed routes answer, the others 403`, async () => {
      for (const [method, path, fields, need] of routes()) {
        const r = await send(clients[role], method, path, fields);
        const allowed = need.split(',').every((p) => p === '' || perms[role].includes(p));
        if (allowed) assert.ok(![401, 403, 404].includes(r.status), `${role} ${method} ${path}: ${r.status}`);
        else assert.equal(r.status, 403, `${role} ${method} ${path}`);
      }
    });
  }
});

describe('tenant isolation', () => {
  test("tenant B's owner gets 404 for every one of tenant A's objects, and never its data", async () => {
    for (const [method, path, fields, , object] of routes()) {
      if (!object) continue;
      const r = await send(clients.b, method, path, fields);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.doesNotMatch(r.text, /Secret (title|spot) of tenant-a/, `${method} ${path}`);
    }
    for (const path of ['/console', '/console/users']) {
      const r = await clients.b.get(path);
      assert.equal(r.status, 200);
      assert.doesNotMatch(r.text, /tenant-a|a-owner|a-victim/, path);
      assert.match(r.text, path === '/console' ? /tenant-b-rally/ : /b-owner/);
    }
    assert.equal(srv.sql("SELECT disabled_at IS NULL FROM accounts WHERE login = 'a-victim'"), '1');
  });
});

describe('the operator routes', () => {
  test('every /ops route needs an operator session: every staff role and anonymous visitors get 404', async () => {
    const r = cli(['operator', 'create', '--login', 'matrix-op', '--data', srv.data]);
    assert.equal(r.status, 0, r.stderr);
    const op = await operatorLogin(srv.base, 'matrix-op', JSON.parse(r.stdout).password);
    const self = srv.sql("SELECT public_id FROM operators WHERE login = 'matrix-op'");
    const want = opExpectations();
    const table = JSON.parse(cli(['routes', '--json']).stdout).filter((x) => x.access === 'operator');
    for (const key of Object.keys(want)) assert.ok(table.some((x) => `${x.method} ${x.pattern}` === key), `row ${key} names no route`);
    for (const x of table) {
      const key = `${x.method} ${x.pattern}`;
      const e = want[key];
      assert.ok(e, `operator route ${key} has no row in matrix.test.mjs`);
      const p = x.pattern.replace('{slug}', 'tenant-a').replace('{id}', self);
      for (const [who, c] of [...Object.entries(clients), ['anonymous', new Client(srv.base)]]) {
        const res = x.method === 'GET' ? await c.get(p) : await c.postForm(p, { _csrf: await c.csrfFrom('/ops/login'), ...(e.fields || {}) });
        assert.equal(res.status, 404, `${who} ${key}`);
      }
      if (e.skip) continue;
      const res = x.method === 'GET' ? await op.get(p) : await op.postForm(p, { _csrf: op.csrf, ...(e.fields || {}) });
      assert.ok(![401, 403, 404].includes(res.status), `operator ${key}: ${res.status}`);
    }
  });
});
