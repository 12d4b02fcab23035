// Every console route against every role, and tenant B's staff against
// tenant A's objects (which must answer 404 and never show data).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer } from './helpers.mjs';

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
  const d = await clients.owner.postForm(`/console/rallies/${A.slug}/lottery/${A.tier}/draw`, { _csrf: t, count: '1' });
  assert.equal(d.status, 303);
  A.draw = srv.sql('SELECT public_id FROM lottery_draws');
});
after(async () => { await srv.stop(); });

// [method, path, fields, permission needed]. POST bodies are harmless: they
// fail validation (or change nothing that matters) when allowed.
const routes = () => [
  ['GET', '/console', null, 'view'],
  ['GET', '/console/password', null, ''],
  ['POST', '/console/password', { current: 'wrong' }, ''],
  ['GET', '/console/users', null, 'users'],
  ['POST', '/console/users', { login: 'X X', role: 'viewer' }, 'users'],
  ['POST', `/console/users/${A.user}/role`, { role: 'bogus' }, 'users', 'object'],
  ['POST', `/console/users/${A.user}/disable`, {}, 'users', 'object'],
  ['POST', `/console/users/${A.user}/enable`, {}, 'users', 'object'],
  ['POST', `/console/users/${A.user}/reset`, {}, 'users', 'object'],
  ['GET', '/console/rallies/new', null, 'edit'],
  ['POST', '/console/rallies', { slug: 'Bad Slug' }, 'edit'],
  ['GET', `/console/rallies/${A.slug}`, null, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}`, { title: '' }, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/status`, { status: 'bogus' }, 'publish', 'object'],
  ['POST', `/console/rallies/${A.slug}/cover`, {}, 'edit', 'object'],
  ['GET', `/console/rallies/${A.slug}/spots/new`, null, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/spots`, { name: '' }, 'edit', 'object'],
  ['GET', `/console/rallies/${A.slug}/spots/${A.spot}`, null, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/spots/${A.spot}`, { name: '' }, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/spots/${A.spot}/regenerate`, {}, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/spots/${A.spot}/image`, {}, 'edit', 'object'],
  ['GET', `/console/rallies/${A.slug}/posters`, null, 'edit', 'object'],
  ['GET', `/console/rallies/${A.slug}/spots/${A.spot}/poster`, null, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/spots/${A.spot}/methods`, {}, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/desk-pin`, { desk_pin: 'x' }, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/join-policy`, { join_policy: 'bogus' }, 'publish', 'object'],
  ['GET', '/console/desk', null, 'desk'],
  ['GET', '/console/desk/redeem?code=NONE-NONE', null, 'desk'],
  ['POST', `/console/rallies/${A.slug}/tiers`, { name: '' }, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/tiers/${A.tier}`, { name: '' }, 'edit', 'object'],
  ['POST', `/console/rallies/${A.slug}/tiers/${A.tier}/delete`, {}, 'edit', 'object'],
  ['GET', `/console/desk/${A.slug}/${A.spot}`, null, 'desk', 'object'],
  ['GET', '/console/line', null, 'users'],
  ['POST', '/console/line', { channel_id: 'not-a-number' }, 'users'],
  ['GET', `/console/rallies/${A.slug}/dashboard`, null, 'view', 'object'],
  ['GET', `/console/rallies/${A.slug}/export/participants.csv`, null, 'export', 'object'],
  ['GET', `/console/rallies/${A.slug}/export/stamps.csv`, null, 'export', 'object'],
  ['GET', `/console/rallies/${A.slug}/export/rewards.csv`, null, 'export', 'object'],
  ['GET', `/console/rallies/${A.slug}/lottery/${A.tier}`, null, 'entries', 'object'],
  ['POST', `/console/rallies/${A.slug}/lottery/${A.tier}/draw`, { count: '0' }, 'entries', 'object'],
  ['GET', `/console/rallies/${A.slug}/lottery/${A.tier}/draws/${A.draw}`, null, 'entries', 'object'],
  ['GET', `/console/rallies/${A.slug}/lottery/${A.tier}/entries.csv`, null, 'entries', 'object'],
  ['GET', `/console/rallies/${A.slug}/lottery/${A.tier}/draws/${A.draw}/winners.csv`, null, 'entries', 'object'],
];

const perms = {
  owner: ['view', 'edit', 'publish', 'export', 'users', 'desk', 'entries'],
  admin: ['view', 'edit', 'publish', 'export', 'users', 'desk', 'entries'],
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
        const allowed = need === '' || perms[role].includes(need);
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
