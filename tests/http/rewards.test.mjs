// Rewards: tiers and progress, coupons (single use: desk PIN on the phone or
// desk lookup; double redemption under concurrency), first-come stock
// (100 concurrent claimers for 10 prizes). On PostgreSQL the requests are
// spread over three nodes behind HAProxy (startCluster).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PG, startCluster, startServer } from './helpers.mjs';

let srv;
let owner;
let tokens;
const tier = {};

before(async () => {
  // 100 claimers at once from one address: raise the per-address connection limit.
  const env = { STAMPRALLY_LIMITS_MAX_CONNECTIONS_PER_IP: '256' };
  srv = PG ? await startCluster({ nodes: 3, env }) : await startServer({ env });
  srv.import({ tenant: 'rw', slug: 'prize', title: 'Prize', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'S1' }, { name: 'S2' }, { name: 'S3' }] });
  owner = await srv.staff('rw-owner', srv.user('rw', 'rw-owner', 'owner'));
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const add = (f) => owner.postForm('/console/rallies/prize/tiers', { _csrf: t, ...f });
  assert.equal((await add({ name: '2個でコーヒー券', kind: 'coupon', condition: 'count', threshold: '2' })).status, 303);
  assert.equal((await add({ name: '先着10名 記念品', kind: 'first_come', condition: 'all', stock: '10' })).status, 303);
  assert.equal((await add({ name: 'bad', kind: 'first_come', condition: 'all' })).status, 422, 'a first-come prize needs a stock');
  assert.equal((await owner.postForm('/console/rallies/prize/desk-pin', { _csrf: t, desk_pin: '246802' })).status, 303);
  tier.coupon = srv.sql("SELECT t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = 'prize' AND t.kind = 'coupon'");
  tier.prize = srv.sql("SELECT t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = 'prize' AND t.kind = 'first_come'");
  tokens = srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'prize' ORDER BY s.position").split('\n');
});
after(async () => { await srv.stop(); });

async function participant(n) {
  const c = srv.client();
  await c.postJson('/api/v1/rallies/prize/join');
  for (const t of tokens.slice(0, n)) assert.equal((await c.postJson('/api/v1/stamps', { qr_token: t })).status, 201);
  c.csrf = await c.csrfFrom('/recover');
  return c;
}
const take = (c, id) => c.postForm(`/r/prize/rewards/${id}`, { _csrf: c.csrf });

describe('coupons', () => {
  test('the card shows each tier and how far away it is; an unearned coupon cannot be taken', async () => {
    const c = await participant(1);
    const card = await c.get('/r/prize/card');
    assert.match(card.text, /2個でコーヒー券/);
    assert.match(card.text, /あと 1 個/);
    assert.match(card.text, /あと 2 個/);
    assert.equal((await take(c, tier.coupon)).status, 409);
    const rally = (await c.get('/r/prize')).text;
    assert.match(rally, /2個でコーヒー券<\/strong> <span class="tag kind">クーポン<\/span>\s*<span class="hint">スタンプ 2 個で · あと 1 個/,
      'the rally page lists the tiers and how far away each is');
    assert.match((await srv.client().get('/r/prize')).text, /全スポット達成で<\/span>/, 'also before joining');
    const api = (await c.get('/api/v1/rallies/prize/card')).json;
    const coupon = api.rewards.find((x) => x.id === tier.coupon);
    assert.deepEqual([coupon.kind, coupon.condition, coupon.have, coupon.need, coupon.earned], ['coupon', 'count', 1, 2, false]);
    assert.equal(api.rewards.find((x) => x.id === tier.prize).stock, 10);
  });

  test('an earned coupon shows with a live clock; staff redeem it once with the desk PIN', async () => {
    const c = await participant(2);
    const r = await take(c, tier.coupon);
    assert.equal(r.status, 303);
    const coupon = await c.get(r.headers.location);
    assert.match(coupon.text, /data-clock/);
    assert.match(coupon.text, /コーヒー券/);
    assert.equal((await take(c, tier.coupon)).headers.location, r.headers.location, 'taking twice gives the same coupon');
    const t = coupon.text.match(/name="_csrf" value="([^"]+)"/)[1];
    const wrong = await c.postForm(`${r.headers.location}/redeem`, { _csrf: t, pin: '0000' });
    assert.equal(wrong.status, 422);
    assert.equal((await c.postForm(`${r.headers.location}/redeem`, { _csrf: t, pin: '246802' })).status, 303);
    const again = await c.postForm(`${r.headers.location}/redeem`, { _csrf: t, pin: '246802' });
    assert.equal(again.status, 409);
    assert.match(again.text, /使用済みです/);
    assert.equal((await srv.client().get(r.headers.location)).status, 404, "another browser cannot open someone's coupon");
  });

  test('desk lookup by code; 20 concurrent redemptions of one coupon succeed exactly once', async () => {
    const c = await participant(2);
    const code = (await take(c, tier.coupon)).headers.location.split('/').pop();
    const desk = await srv.staff('rw-desk', srv.user('rw', 'rw-desk', 'desk'));
    const page = await desk.get(`/console/desk/redeem?code=${code.toLowerCase()}`);
    assert.match(page.text, new RegExp(code));
    // However the desk types it: no hyphen, spaces, full-width, ー for the hyphen.
    const fullWidth = [...code].map((ch) => ch === '-' ? 'ー' : String.fromCharCode(ch.charCodeAt(0) + 0xFEE0)).join('');
    for (const typed of [code.replace('-', ''), code.replace('-', ' ').toLowerCase(), ` ${code} `, fullWidth]) {
      const found = await desk.get(`/console/desk/redeem?code=${encodeURIComponent(typed)}`);
      assert.match(found.text, new RegExp(`<code>${code}</code>`), typed);
      assert.doesNotMatch(found.text, /見つかりません/, typed);
    }
    assert.match((await desk.get(`/console/desk/redeem?code=${code.slice(0, 8)}`)).text, /見つかりません/, 'a code one symbol short');
    // The desk role's menu shows what it may open, not the rallies list (403 for it).
    const home = await desk.get('/console/desk');
    assert.doesNotMatch(home.text, /<a href="\/console">/);
    assert.equal((await desk.get('/console')).status, 403);
    assert.match((await owner.get('/console')).text, /<a href="\/console">/);
    const t = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
    const all = await Promise.all(Array.from({ length: 20 }, () => desk.postForm(`/console/desk/redeem/${code}`, { _csrf: t })));
    assert.equal(all.filter((x) => x.status === 303).length, 1, all.map((x) => x.status).join(','));
    assert.equal(all.filter((x) => x.status === 409).length, 19);
    assert.equal(srv.sql(`SELECT count(*) FROM rewards WHERE code = '${code}' AND redeemed_at IS NOT NULL`), '1');
    const csv = await owner.get('/console/rallies/prize/export/rewards.csv');
    assert.equal(csv.status, 200);
    const row = csv.text.split('\r\n').find((l) => l.startsWith(code));
    assert.match(row, /^[2-9A-Z]{4}-[2-9A-Z]{4},2個でコーヒー券,[^,]+,\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d,\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/);
    assert.equal((await desk.get('/console/rallies/prize/export/rewards.csv')).status, 403, 'desk staff do not export');
    const dash = (await owner.get('/console/rallies/prize/dashboard')).text;
    assert.match(dash, /<td>2個でコーヒー券<\/td><td>クーポン<\/td><td>2<\/td><td>2<\/td>/, 'two coupons issued, both redeemed');
  });
});

describe('first-come prizes', () => {
  test('100 concurrent claimers for a stock of 10 produce exactly 10 winners', async () => {
    const people = [];
    for (let i = 0; i < 100; i++) people.push(await participant(3));
    const results = await Promise.all(people.map((c) => take(c, tier.prize)));
    const winners = results.filter((r) => r.status === 303).length;
    const soldOut = results.filter((r) => r.status === 409 && /なくなりました/.test(r.text)).length;
    assert.equal(winners, 10, results.map((r) => r.status).join(','));
    assert.equal(soldOut, 90);
    assert.equal(srv.sql(`SELECT stock FROM reward_tiers WHERE public_id = '${tier.prize}'`), '0');
    assert.equal(srv.sql(`SELECT count(*) FROM rewards w JOIN reward_tiers t ON t.id = w.tier_id WHERE t.public_id = '${tier.prize}'`), '10');
    assert.match((await owner.get('/console/rallies/prize/dashboard')).text,
      /<td>先着10名 記念品<\/td><td>先着（在庫あり）<\/td><td>10<\/td><td><\/td><td>0<\/td>/, 'the dashboard: 10 taken, none left');
    const loser = people[results.findIndex((r) => r.status === 409)];
    assert.match((await loser.get('/r/prize/card')).text, /終了しました/);
  });
});

describe('editing tiers', () => {
  test('rename, change the stamps needed and the stock; delete only what nobody has', async () => {
    const t = (await owner.get('/console/rallies/prize')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    const post = (p, f) => owner.postForm(p, { _csrf: t, ...f });
    assert.equal((await post('/console/rallies/prize/tiers', { name: '消す特典', kind: 'coupon', condition: 'all' })).status, 303);
    const spare = srv.sql("SELECT t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = 'prize' AND t.name = '消す特典'");
    assert.equal((await post(`/console/rallies/prize/tiers/${tier.coupon}`, { name: '3個でコーヒー券', threshold: '3' })).status, 303);
    assert.equal(srv.sql(`SELECT name || '|' || threshold FROM reward_tiers WHERE public_id = '${tier.coupon}'`), '3個でコーヒー券|3');
    assert.equal((await post(`/console/rallies/prize/tiers/${tier.coupon}`, { name: '', threshold: '3' })).status, 422);
    assert.equal((await post(`/console/rallies/prize/tiers/${tier.coupon}`, { name: 'x', threshold: '0' })).status, 422);
    assert.equal((await post(`/console/rallies/prize/tiers/${tier.prize}`, { name: '先着 記念品', stock: '25' })).status, 303);
    assert.equal(srv.sql(`SELECT stock FROM reward_tiers WHERE public_id = '${tier.prize}'`), '25', 'more prizes for the sold-out tier');
    const r = await post(`/console/rallies/prize/tiers/${tier.coupon}/delete`, {});
    assert.equal(r.status, 409, 'a coupon people hold stays');
    assert.match(r.text, /削除できません/);
    assert.equal((await post(`/console/rallies/prize/tiers/${spare}/delete`, {})).status, 303);
    assert.equal(srv.sql(`SELECT count(*) FROM reward_tiers WHERE public_id = '${spare}'`), '0');
    assert.equal((await post(`/console/rallies/prize/tiers/${spare}/delete`, {})).status, 404);
    const page = (await owner.get('/console/rallies/prize')).text;
    assert.match(page, /先着 記念品/);
    assert.match(page, /在庫の残り 25/);
  });
});
