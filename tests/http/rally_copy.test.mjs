// Duplicating a rally as a new draft (new ids and QR codes, nobody's data)
// and deleting a draft nobody joined, after a confirmation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request, startServer } from './helpers.mjs';

let srv;
let owner;
let csrf;

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'rc', slug: 'orig', title: '港まつり 2026', description: '説明', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '灯台' }, { name: '倉庫' }, { name: '閉鎖中' }] });
  owner = await srv.staff('rc-owner', srv.user('rc', 'rc-owner', 'owner'));
  csrf = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const id = (n) => srv.sql(`SELECT public_id FROM spots WHERE name = '${n}'`);
  const ok = async (p, f) => assert.equal((await owner.postForm(p, { _csrf: csrf, ...f })).status, 303, p);
  await ok(`/console/rallies/orig/spots/${id('灯台')}`, { name: '灯台', radius_m: '80', position: '1', latitude: '35.44', longitude: '139.63', category: '海' });
  await ok(`/console/rallies/orig/spots/${id('灯台')}/methods`, { m_gps: '1', m_keyword: '1', keyword: 'ミナト' });
  await ok(`/console/rallies/orig/spots/${id('閉鎖中')}/disable`, {});
  await ok('/console/rallies/orig/tiers', { name: '全部で記念品', kind: 'coupon', condition: 'all' });
  await ok('/console/rallies/orig/desk-pin', { desk_pin: '556677' });
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/orig/join')).status, 201);
  const token = srv.sql("SELECT qr_token FROM spots WHERE name = '倉庫'");
  assert.equal((await c.postJson('/api/v1/stamps', { qr_token: token })).status, 201);
});
after(async () => { await srv.stop(); });

const rows = (slug, cols, table = 'spots') => srv.sql(`SELECT ${cols} FROM ${table} x JOIN rallies r ON r.id = x.rally_id WHERE r.slug = '${slug}' ORDER BY x.position, x.id`);

test('a duplicate is a draft with the spots in use and the rewards, new ids and QR codes, and nobody in it', async () => {
  const r = await owner.postForm('/console/rallies/orig/duplicate', { _csrf: csrf, slug: 'orig-2027' });
  assert.equal(r.status, 303, r.text);
  assert.equal(r.headers.location, '/console/rallies/orig-2027?saved=1');
  assert.equal(srv.sql("SELECT status, title, description, desk_pin_hash = '' FROM rallies WHERE slug = 'orig-2027'"), 'draft|港まつり 2026|説明|1');
  assert.equal(rows('orig-2027', 'x.name, x.methods, x.keyword_hash = (SELECT keyword_hash FROM spots WHERE name = x.name AND id <> x.id), x.latitude, x.radius_m, x.category'),
    '灯台|gps,keyword|1|35.44|80|海\n倉庫|qr|1||50|', 'the spots in use with their settings; the disabled one left behind');
  const before = rows('orig', 'x.public_id || x.qr_token').split('\n');
  for (const t of rows('orig-2027', 'x.public_id || x.qr_token').split('\n')) assert.ok(!before.includes(t), 'new ids and tokens');
  assert.equal(rows('orig-2027', 'x.name, x.kind', 'reward_tiers'), '全部で記念品|coupon');
  assert.notEqual(rows('orig-2027', 'x.public_id', 'reward_tiers'), rows('orig', 'x.public_id', 'reward_tiers'));
  assert.equal(srv.sql("SELECT count(*) FROM participants p JOIN rallies r ON r.id = p.rally_id WHERE r.slug = 'orig-2027'"), '0');
  assert.equal((await request(srv.base, 'GET', '/r/orig-2027')).status, 404, 'a draft');
  const oldToken = srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'orig' AND s.name = '倉庫'");
  assert.match((await request(srv.base, 'GET', `/q/${oldToken}`)).text, /港まつり 2026/, 'the original posters still work');

  const titled = await owner.postForm('/console/rallies/orig/duplicate', { _csrf: csrf, slug: 'orig-en', title: 'Port festival' });
  assert.equal(titled.status, 303);
  assert.equal(srv.sql("SELECT title FROM rallies WHERE slug = 'orig-en'"), 'Port festival');
  const taken = await owner.postForm('/console/rallies/orig/duplicate', { _csrf: csrf, slug: 'orig-2027' });
  assert.equal(taken.status, 409);
  assert.match(taken.text, /このURL名は使われています/);
  assert.equal((await owner.postForm('/console/rallies/orig/duplicate', { _csrf: csrf, slug: 'Not A Slug' })).status, 422);
  assert.equal((await owner.postForm('/console/rallies/orig/duplicate', { _csrf: csrf })).status, 422);
  assert.match(srv.sql("SELECT detail FROM security_events WHERE kind = 'rally_duplicated' ORDER BY id LIMIT 1"), /"from":"orig","rally":"orig-2027"/);
});

test('a draft nobody joined is deleted after a confirmation; a published rally is not', async () => {
  const page = await owner.get('/console/rallies/orig-2027');
  assert.match(page.text, /action="\/console\/rallies\/orig-2027\/delete"/);
  assert.doesNotMatch((await owner.get('/console/rallies/orig')).text, /\/console\/rallies\/orig\/delete/, 'no button on a published rally');
  const ask = await owner.postForm('/console/rallies/orig-2027/delete', { _csrf: csrf });
  assert.equal(ask.status, 200);
  assert.match(ask.text, /スポットと特典ごと削除します/);
  assert.match(ask.text, /action="\/console\/rallies\/orig-2027\/delete"/);
  assert.equal(srv.sql("SELECT count(*) FROM rallies WHERE slug = 'orig-2027'"), '1', 'not yet');
  const gone = await owner.postForm('/console/rallies/orig-2027/delete', { _csrf: csrf, confirm: '1' });
  assert.equal(gone.status, 303);
  assert.equal(gone.headers.location, '/console?deleted=1');
  assert.match((await owner.get(gone.headers.location)).text, /ラリーを削除しました/);
  assert.equal(srv.sql("SELECT count(*) FROM rallies WHERE slug = 'orig-2027'"), '0');
  assert.equal(srv.sql("SELECT (SELECT count(*) FROM spots) || ' ' || (SELECT count(*) FROM reward_tiers)"),
    srv.sql("SELECT (SELECT count(*) FROM spots s JOIN rallies r ON r.id = s.rally_id) || ' ' || (SELECT count(*) FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id)"),
    'nothing left behind');
  assert.equal((await owner.get('/console/rallies/orig-2027')).status, 404);

  const refused = await owner.postForm('/console/rallies/orig/delete', { _csrf: csrf, confirm: '1' });
  assert.equal(refused.status, 409);
  assert.match(refused.text, /参加者のいない下書きのラリーだけです/);
  assert.equal(srv.sql("SELECT count(*) FROM rallies WHERE slug = 'orig'"), '1');
});

test('a draft with participants (from an older version) is not deleted', async () => {
  srv.sqlWrite("UPDATE rallies SET status = 'draft' WHERE slug = 'orig'");
  assert.equal((await owner.postForm('/console/rallies/orig/delete', { _csrf: csrf, confirm: '1' })).status, 409);
});

test('another tenant can neither copy nor delete', async () => {
  srv.import({ tenant: 'rd', slug: 'theirs', title: 'T', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'T1' }] });
  const stranger = await srv.staff('rd-owner', srv.user('rd', 'rd-owner', 'owner'));
  const t = (await stranger.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal((await stranger.postForm('/console/rallies/orig-en/duplicate', { _csrf: t, slug: 'stolen' })).status, 404);
  assert.equal((await stranger.postForm('/console/rallies/orig-en/delete', { _csrf: t, confirm: '1' })).status, 404);
  assert.equal(srv.sql("SELECT count(*) FROM rallies WHERE slug IN ('stolen')"), '0');
  assert.equal(srv.sql("SELECT count(*) FROM rallies WHERE slug = 'orig-en'"), '1');
});
