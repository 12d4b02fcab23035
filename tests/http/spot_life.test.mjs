// Taking a spot out of a live rally: disabled, it is hidden from
// participants and takes no stamps, while the stamps already taken stay and
// completing the rally no longer needs it; enabled again, it is back. A spot
// is deleted only while nobody has stamped it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request, startServer } from './helpers.mjs';

let srv;
let owner;
let csrf;
const ids = {};
const tokens = {};

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'sl', slug: 'life', title: 'Life', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '灯台' }, { name: '倉庫' }, { name: '工事中の橋' }] });
  owner = await srv.staff('sl-owner', srv.user('sl', 'sl-owner', 'owner'));
  csrf = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal((await owner.postForm('/console/rallies/life/tiers', { _csrf: csrf, name: '全部で記念品', kind: 'coupon', condition: 'all' })).status, 303);
  for (const row of srv.sql("SELECT s.name, s.public_id, s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'life'").split('\n')) {
    const [name, id, token] = row.split('|');
    ids[name] = id;
    tokens[name] = token;
  }
});
after(async () => { await srv.stop(); });

async function participant(...names) {
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/life/join')).status, 201);
  for (const n of names) assert.equal((await c.postJson('/api/v1/stamps', { qr_token: tokens[n] })).status, 201);
  return c;
}
const spotPost = (name, what) => owner.postForm(`/console/rallies/life/spots/${ids[name]}/${what}`, { _csrf: csrf });
const card = async (c) => (await c.get('/api/v1/rallies/life/card')).json;

test('a disabled spot is hidden, takes no stamps, keeps its stamps, and is not needed to complete', async () => {
  const two = await participant('灯台', '倉庫');
  const all = await participant('灯台', '倉庫', '工事中の橋');
  assert.equal((await card(two)).completed, false);

  const r = await spotPost('工事中の橋', 'disable');
  assert.equal(r.status, 303);
  assert.match(r.headers.location, /\?saved=1$/);
  const page = await owner.get(`/console/rallies/life/spots/${ids['工事中の橋']}`);
  assert.match(page.text, /このスポットは停止中です/);
  assert.match((await owner.get('/console/rallies/life')).text, /<strong>工事中の橋<\/strong><\/a> <span class="status">停止中<\/span>/);

  const rally = (await request(srv.base, 'GET', '/api/v1/rallies/life')).json;
  assert.deepEqual(rally.spots.map((s) => s.name), ['灯台', '倉庫']);
  assert.doesNotMatch((await request(srv.base, 'GET', '/r/life')).text, /工事中の橋/);
  assert.equal((await request(srv.base, 'GET', `/q/${tokens['工事中の橋']}`)).status, 404, 'its poster leads nowhere');
  const late = await participant('灯台');
  assert.equal((await late.postJson('/api/v1/stamps', { qr_token: tokens['工事中の橋'] })).status, 404);
  assert.equal((await late.postJson('/api/v1/stamps', { spot_id: ids['工事中の橋'], method: 'qr' })).status, 404);

  const t = await card(two);
  assert.deepEqual([t.progress.collected, t.progress.total], [2, 2]);
  assert.equal(t.completed, true, 'two of the two spots in use');
  assert.equal(t.rewards[0].earned, true);
  const a = await card(all);
  assert.equal(a.completed, true);
  assert.equal(srv.sql(`SELECT count(*) FROM stamps s JOIN spots p ON p.id = s.spot_id WHERE p.public_id = '${ids['工事中の橋']}'`), '1',
    'the stamp taken before stays');
  assert.equal((await late.postJson('/api/v1/stamps', { qr_token: tokens['倉庫'] })).status, 201);
  assert.equal((await card(late)).completed, true, 'a newcomer completes with the spots in use');
  assert.equal(srv.sql("SELECT count(*) FROM participants WHERE completed_at IS NOT NULL"), '2', 'the claim completed the card');

  assert.equal((await spotPost('工事中の橋', 'enable')).status, 303);
  assert.equal((await request(srv.base, 'GET', `/q/${tokens['工事中の橋']}`)).status, 200, 'back in use');
  assert.equal((await card(all)).progress.collected, 3);
});

test('a spot with stamps is not deleted; one nobody stamped is', async () => {
  const refused = await spotPost('工事中の橋', 'delete');
  assert.equal(refused.status, 409);
  assert.match(refused.text, /スタンプが押されているため削除できません/);
  assert.match((await owner.get(`/console/rallies/life/spots/${ids['工事中の橋']}`)).text, /スタンプが 1 件押されているため削除できません/);

  const made = await owner.postForm('/console/rallies/life/spots', { _csrf: csrf, name: '予定地', radius_m: '50', position: '4' });
  assert.equal(made.status, 303);
  const id = made.headers.location.match(/spots\/([^?]+)/)[1];
  assert.match((await owner.get(`/console/rallies/life/spots/${id}`)).text, /まだ誰もスタンプを押していないので削除できます/);
  const gone = await owner.postForm(`/console/rallies/life/spots/${id}/delete`, { _csrf: csrf });
  assert.equal(gone.status, 303);
  assert.equal(srv.sql(`SELECT count(*) FROM spots WHERE public_id = '${id}'`), '0');
  assert.equal((await owner.get(`/console/rallies/life/spots/${id}`)).status, 404);
  assert.match(srv.sql("SELECT kind FROM security_events WHERE kind LIKE 'spot_%' ORDER BY id"), /spot_disabled\nspot_enabled\nspot_created\nspot_deleted/);
});

test('another tenant cannot touch the spots', async () => {
  srv.import({ tenant: 'sm', slug: 'else', title: 'Else', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'E' }] });
  const stranger = await srv.staff('sm-owner', srv.user('sm', 'sm-owner', 'owner'));
  const t = (await stranger.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  for (const what of ['disable', 'enable', 'delete']) {
    assert.equal((await stranger.postForm(`/console/rallies/life/spots/${ids['灯台']}/${what}`, { _csrf: t })).status, 404, what);
  }
  assert.equal(srv.sql(`SELECT disabled_at IS NULL FROM spots WHERE public_id = '${ids['灯台']}'`), '1');
});
