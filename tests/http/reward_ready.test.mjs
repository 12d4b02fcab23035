// Rewards announced when they are earned: the claim API answers
// rewards_ready and the result page says what can be taken or entered, with
// the words for each kind (coupon, first-come prize, lottery); a first-come
// prize's page is not called a coupon.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
let tokens;
const tier = {};

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'ry', slug: 'ready', title: 'Ready', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'R1' }, { name: 'R2' }] });
  const owner = await srv.staff('ry-owner', srv.user('ry', 'ry-owner', 'owner'));
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const add = async (f) => assert.equal((await owner.postForm('/console/rallies/ready/tiers', { _csrf: t, ...f })).status, 303);
  await add({ name: '1個でクーポン', kind: 'coupon', condition: 'count', threshold: '1' });
  await add({ name: '先着バッジ', kind: 'first_come', condition: 'all', stock: '1' });
  await add({ name: '宿泊券抽選', kind: 'lottery', condition: 'all', ask_name: 'required', ask_kana: 'no', ask_postal: 'no',
    ask_address: 'no', ask_phone: 'no', ask_email: 'no', ask_age: 'no', ask_q1: 'no', ask_q2: 'no', ask_q3: 'no' });
  for (const row of srv.sql("SELECT t.kind, t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = 'ready'").split('\n')) {
    const [kind, id] = row.split('|');
    tier[kind] = id;
  }
  tokens = srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'ready' ORDER BY s.position").split('\n');
});
after(async () => { await srv.stop(); });

const claim = (c, i) => c.postJson('/api/v1/stamps', { qr_token: tokens[i] });
const kinds = (r) => r.json.rewards_ready.map((x) => x.kind);

test('the claim answer and the result page name each reward as it is earned', async () => {
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/ready/join')).status, 201);
  const first = await claim(c, 0);
  assert.equal(first.status, 201);
  assert.deepEqual(first.json.rewards_ready, [{ id: tier.coupon, name: '1個でクーポン', kind: 'coupon', text: 'クーポンを受け取れます。',
    is_lottery: false, action: '受け取る' }]);
  const second = await claim(c, 1);
  assert.deepEqual(kinds(second), ['coupon', 'first_come', 'lottery']);

  const page = await c.get(`/q/${tokens[1]}/result?new=1`);
  assert.match(page.text, /<section class="ready" id="rewards-ready" role="status"><h2>特典を獲得しました<\/h2>/);
  assert.match(page.text, /<strong>先着バッジ<\/strong> <span class="hint">先着の景品を受け取れます（なくなり次第終了）。<\/span>/);
  assert.match(page.text, new RegExp(`<strong>宿泊券抽選</strong> <span class="hint">抽選に応募できます。</span>\\n<a class="button small primary" href="/r/ready/lottery/${tier.lottery}">応募する</a>`));

  c.csrf = await c.csrfFrom('/recover');
  const took = await c.postForm(`/r/ready/rewards/${tier.first_come}`, { _csrf: c.csrf });
  assert.equal(took.status, 303);
  assert.match((await c.get(took.headers.location)).text, /<p class="kind">先着の景品<\/p>/, 'not called a coupon');
  const after = await c.get(`/q/${tokens[1]}/result`);
  assert.doesNotMatch(after.text, /先着バッジ<\/strong>/, 'taken: no longer announced');
});

test('a sold-out prize is not announced, and the API says nothing when nothing is left to take', async () => {
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/ready/join')).status, 201);
  assert.deepEqual(kinds(await claim(c, 0)), ['coupon']);
  assert.deepEqual(kinds(await claim(c, 1)), ['coupon', 'lottery'], 'the one first-come prize went to the first participant');
  c.csrf = await c.csrfFrom('/recover');
  assert.equal((await c.postForm(`/r/ready/rewards/${tier.coupon}`, { _csrf: c.csrf })).status, 303);
  assert.equal((await c.postForm(`/r/ready/lottery/${tier.lottery}`, { _csrf: c.csrf, name: '応募 太郎' })).status, 303);
  const again = await claim(c, 0);
  assert.equal(again.status, 200, 'already collected');
  assert.deepEqual(again.json.rewards_ready, []);
  assert.doesNotMatch((await c.get(`/q/${tokens[0]}/result`)).text, /rewards-ready/);
});
