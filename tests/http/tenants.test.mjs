// The operator's tenants from the command line: create with a first owner,
// list with usage, suspend (participant pages show a neutral notice, the
// console is read-only with a banner, nothing is deleted) and resume; each
// a security event naming who did it; bad input refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { multipart, noisyPng, PNG_1x1 } from './fixtures.mjs';
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

  test('quotas: rallies, participants per rally, image storage, each with a clear message', async () => {
    const r = tenant('quota', 'city-a', '--rallies', '1', '--participants', '2', '--storage-mb', '1', '--by', 'ops-taro');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(list()['city-a'].quota, { rallies: 1, participants_per_rally: 2, storage_bytes: 1024 * 1024 });
    const owner = await srv.staff('a-owner', ownerPw);
    const create = await owner.submit('/console/rallies', { slug: 'a-second', title: 'Second', description: '',
      starts_at: '2020-04-01T10:00', ends_at: '2099-05-31T17:00', primary: '#1565c0', accent: '#ffb300', background: '#ffffff' }, '/console');
    assert.equal(create.status, 409);
    assert.match(create.text, /ラリー数の上限（1）に達しています/);
    assert.throws(() => srv.import({ tenant: 'city-a', slug: 'a-third', title: 'T', description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] }), /quota of 1 rallies is reached/);

    const second = srv.client();
    assert.equal((await second.postJson('/api/v1/rallies/a-walk/join')).status, 201, 'the second participant');
    const third = await srv.client().postJson('/api/v1/rallies/a-walk/join');
    assert.equal(third.status, 409);
    assert.equal(third.json.error.code, 'rally_full');
    assert.match(third.json.error.message, /参加者数の上限/);
    assert.equal((await second.postJson('/api/v1/rallies/a-walk/join')).status, 200, 'those in stay in');
    assert.equal((await srv.client().postJson('/api/v1/rallies/b-walk/join')).status, 201, 'another tenant has no quota');

    const spot = srv.sql("SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'a-walk' LIMIT 1");
    const from = `/console/rallies/a-walk/spots/${spot}`;
    const upload = async (data) => {
      const t = (await owner.get(from)).text.match(/name="_csrf" value="([^"]+)"/)[1];
      const mp = multipart({ _csrf: t }, { field: 'image', filename: 'a.png', type: 'image/png', data });
      return owner.send('POST', `${from}/image`, { headers: { 'Content-Type': mp.type }, body: mp.body });
    };
    const big = await upload(noisyPng(1000, 1000)); // stored as its variants for phones: about 2 MB
    assert.equal(big.status, 409);
    assert.match(big.text, /画像の保存容量の上限（1 MB）/);
    assert.equal((await upload(PNG_1x1)).status, 303, 'a small one still fits');
    assert.match(srv.sql("SELECT detail FROM security_events WHERE kind = 'tenant_quota'"), /"by":"ops-taro \(command line\)"/);
    assert.equal(tenant('quota', 'city-a', '--rallies', '0', '--participants', '0', '--storage-mb', '0').status, 0);
    assert.equal((await srv.client().postJson('/api/v1/rallies/a-walk/join')).status, 201, '0: no limit');
  });

  test('bad input is refused and changes nothing', () => {
    const before = list();
    for (const args of [['create', 'Bad Slug', '--name', 'x', '--owner', 'good-login'], ['create', 'ok-slug', '--name', '', '--owner', 'good-login'],
      ['create', 'ok-slug', '--name', 'x', '--owner', 'BAD LOGIN'], ['suspend', 'city-a'], ['suspend', 'city-a', '--reason', ''],
      ['suspend', 'city-a', '--reason', 'a\u0001b'], ['bogus'], ['quota', 'city-a', '--rallies', '-3'], ['quota', 'city-a', '--participants', 'many']]) {
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

/** A valid PNG of w x h random RGB pixels (does not compress: about 3 bytes a pixel). */
