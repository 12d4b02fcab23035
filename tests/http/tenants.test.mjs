// The operator's tenants from the command line: create with a first owner,
// list with usage, suspend (participant pages show a neutral notice, the
// console is read-only with a banner, nothing is deleted) and resume; each
// a security event naming who did it; bad input refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cli, request, startServer } from './helpers.mjs';

let srv;
let ownerPw;
let token;
const tenant = (...args) => cli(['tenant', ...args, '--data', srv.data]);
const list = () => Object.fromEntries(tenant('list').stdout.trim().split('\n').map((l) => JSON.parse(l)).map((t) => [t.slug, t]));

before(async () => {
  srv = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off' } });
  const r = tenant('create', 'city-a', '--name', 'A市観光協会', '--owner', 'a-owner', '--by', 'ops-taro');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual([out.tenant, out.owner], ['city-a', 'a-owner']);
  ownerPw = out.password;
  assert.match(ownerPw, /^\S{16,}$/);
  srv.import({ tenant: 'city-a', slug: 'a-walk', title: 'A Walk', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }, { name: 'B' }] });
  srv.import({ tenant: 'city-b', slug: 'b-walk', title: 'B Walk', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
  token = srv.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'a-walk' LIMIT 1");
  const c = srv.client();
  await c.postJson('/api/v1/rallies/a-walk/join');
  assert.equal((await c.postJson('/api/v1/stamps', { qr_token: token })).status, 201);
});
after(async () => { await srv.stop(); });

describe('tenants', () => {
  test('create with a first owner who can log in; list shows the usage', async () => {
    const owner = await srv.staff('a-owner', ownerPw);
    assert.equal((await owner.get('/console')).status, 200);
    const t = list()['city-a'];
    assert.equal(t.name, 'A市観光協会');
    assert.deepEqual([t.rallies, t.participants, t.stamps, t.suspended_at], [1, 1, 1, null]);
    assert.match(t.last_activity, /^\d{4}-\d\d-\d\dT/);
    const ev = JSON.parse(srv.sql("SELECT detail FROM security_events WHERE kind = 'tenant_created'"));
    assert.equal(ev.by, 'ops-taro (command line)');
  });

  test('suspend: a neutral notice for participants, a read-only console; resume: back', async () => {
    const owner = await srv.staff('a-owner', ownerPw);
    const r = tenant('suspend', 'city-a', '--reason', '契約の確認中', '--by', 'ops-hanako');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(list()['city-a'].suspended_reason, '契約の確認中');
    const page = await request(srv.base, 'GET', '/r/a-walk');
    assert.equal(page.status, 403);
    assert.match(page.text, /このラリーは現在ご利用いただけません/);
    assert.doesNotMatch(page.text, /契約|A Walk/, 'nothing about why, nothing of the rally');
    const c = srv.client();
    assert.equal((await c.postJson('/api/v1/rallies/a-walk/join')).status, 403);
    assert.equal((await request(srv.base, 'GET', `/q/${token}`)).status, 403);
    assert.equal((await request(srv.base, 'GET', '/r/b-walk')).status, 200, 'another tenant is not affected');

    const home = await owner.get('/console');
    assert.equal(home.status, 200, 'the console can still be read');
    assert.match(home.text, /このテナントは運用者により一時停止されています/);
    const edit = await owner.submit('/console/rallies/a-walk/status', { status: 'closed' }, '/console');
    assert.equal(edit.status, 403);
    assert.match(edit.text, /一時停止中のため、変更できません/);
    assert.equal(srv.sql("SELECT status FROM rallies WHERE slug = 'a-walk'"), 'published', 'nothing changed');
    assert.equal(srv.sql('SELECT count(*) FROM stamps'), '1', 'nothing deleted');

    assert.equal(tenant('resume', 'city-a').status, 0);
    assert.equal((await request(srv.base, 'GET', '/r/a-walk')).status, 200);
    assert.doesNotMatch((await owner.get('/console')).text, /一時停止/);
    const kinds = srv.sql("SELECT kind || ' ' || detail FROM security_events WHERE kind LIKE 'tenant_%' ORDER BY id").split('\n');
    assert.equal(kinds.length, 3);
    assert.match(kinds[1], /^tenant_suspended .*"by":"ops-hanako \(command line\)".*"reason":"契約の確認中"/);
    assert.match(kinds[2], /^tenant_resumed /);
  });

  test('bad input is refused and changes nothing', () => {
    const before = list();
    for (const args of [['create', 'Bad Slug', '--name', 'x', '--owner', 'good-login'], ['create', 'ok-slug', '--name', '', '--owner', 'good-login'],
      ['create', 'ok-slug', '--name', 'x', '--owner', 'BAD LOGIN'], ['suspend', 'city-a'], ['suspend', 'city-a', '--reason', ''],
      ['suspend', 'city-a', '--reason', 'a\u0001b'], ['bogus']]) {
      assert.equal(tenant(...args).status, 2, args.join(' '));
    }
    const taken = tenant('create', 'city-a', '--name', 'Again', '--owner', 'someone-new');
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /slug is taken/);
    const loginTaken = tenant('create', 'city-c', '--name', 'C', '--owner', 'a-owner');
    assert.match(loginTaken.stderr, /login ID is taken/);
    assert.equal(tenant('resume', 'city-a').status, 1, 'not suspended');
    assert.equal(tenant('suspend', 'nowhere', '--reason', 'x').status, 1);
    assert.deepEqual(list(), before, 'no tenant half-made (city-c has no owner, so it does not exist)');
  });
});
