// Editing a rally that is already running: a spot added later changes what
// newcomers need, never what someone already completed; the editor says so
// before the spot is saved.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
let owner;
let csrf;

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'le', slug: 'live', title: 'Live', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'L1' }, { name: 'L2' }, { name: 'L3' }] });
  owner = await srv.staff('le-owner', srv.user('le', 'le-owner', 'owner'));
  csrf = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal((await owner.postForm('/console/rallies/live/tiers', { _csrf: csrf, name: '全部で記念品', kind: 'coupon', condition: 'all' })).status, 303);
});
after(async () => { await srv.stop(); });

const tokens = () => srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'live' ORDER BY s.position").split('\n');

async function participant(n) {
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/live/join')).status, 201);
  for (const t of tokens().slice(0, n)) assert.equal((await c.postJson('/api/v1/stamps', { qr_token: t })).status, 201);
  return c;
}

test('a participant who completed stays completed, with the reward, after a spot is added', async () => {
  const done = await participant(3);
  const halfway = await participant(2);
  const before = (await done.get('/api/v1/rallies/live/card')).json;
  assert.equal(before.completed, true);
  assert.equal(before.rewards[0].earned, true);

  const form = await owner.get('/console/rallies/live/spots/new');
  assert.match(form.text, /<p class="notice warn" id="live-notice">公開中のラリーです（参加者 2 人）。このスポットを追加すると、これから全スポットを集める人は 4 か所が必要になります。すでにコンプリートした 1 人はコンプリートのままで/);
  const add = await owner.postForm('/console/rallies/live/spots', { _csrf: csrf, name: 'L4', radius_m: '50', position: '4' });
  assert.equal(add.status, 303, add.text);

  const after = (await done.get('/api/v1/rallies/live/card')).json;
  assert.deepEqual([after.progress.collected, after.progress.total], [3, 4]);
  assert.equal(after.completed, true, 'still completed');
  assert.equal(after.rewards[0].earned, true, 'still earned');
  const card = (await done.get('/r/live/card')).text;
  assert.match(card, /complete-banner/);
  assert.doesNotMatch(card, /あと 1 個/);
  assert.equal((await done.get('/r/live/complete')).status, 200, 'the completion page stays');

  const other = (await halfway.get('/api/v1/rallies/live/card')).json;
  assert.equal(other.completed, false, 'who had not completed needs the new spot too');
  assert.deepEqual([other.rewards[0].have, other.rewards[0].need], [2, 4]);
  const newcomer = await participant(3);
  assert.equal((await newcomer.get('/api/v1/rallies/live/card')).json.completed, false, 'a newcomer needs all four');
  assert.equal((await newcomer.postJson('/api/v1/stamps', { qr_token: tokens()[3] })).status, 201);
  assert.equal((await newcomer.get('/api/v1/rallies/live/card')).json.completed, true);
});

test('a draft rally gets no notice', async () => {
  srv.import({ tenant: 'le', slug: 'drafty', title: 'Draft', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'D1' }] });
  assert.doesNotMatch((await owner.get('/console/rallies/drafty/spots/new')).text, /live-notice/);
});
