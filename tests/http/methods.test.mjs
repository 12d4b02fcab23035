// Stamp methods at their boundaries: GPS distance and accuracy, QR + GPS,
// keyword normalisation, staff PINs, guessing throttles and lockout.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
let owner;
const SPOT = { lat: 35.4437, lng: 139.638 };
const M_PER_DEG = 6371008.8 * Math.PI / 180;
const north = (m) => ({ lat: SPOT.lat + m / M_PER_DEG, lng: SPOT.lng });
const ids = {};

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'm', slug: 'meth', title: 'Methods', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published',
    spots: ['gps', 'qrgps', 'kw', 'pin', 'plain'].map((name) => ({ name })) });
  owner = await srv.staff('m-owner', srv.user('m', 'm-owner', 'owner'));
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  for (const name of ['gps', 'qrgps', 'kw', 'pin', 'plain']) ids[name] = srv.sql(`SELECT public_id FROM spots WHERE name = '${name}'`);
  const edit = (name, fields) => owner.postForm(`/console/rallies/meth/spots/${ids[name]}`, { _csrf: t, name, radius_m: '50', position: '1', ...fields });
  const methods = (name, fields) => owner.postForm(`/console/rallies/meth/spots/${ids[name]}/methods`, { _csrf: t, ...fields });
  for (const name of ['gps', 'qrgps']) assert.equal((await edit(name, { latitude: String(SPOT.lat), longitude: String(SPOT.lng) })).status, 303);
  assert.equal((await methods('gps', { m_gps: '1' })).status, 303);
  assert.equal((await methods('qrgps', { m_qr_gps: '1' })).status, 303);
  assert.equal((await methods('kw', { m_keyword: '1', keyword: 'ミナトＰＯＲＴ2026' })).status, 303);
  assert.equal((await methods('pin', { m_pin: '1', pin: '1234' })).status, 303);
  assert.match((await owner.get('/console/rallies/meth')).text, /id="desk-pin-state"><strong>未設定です。/);
  assert.equal((await owner.postForm('/console/rallies/meth/desk-pin', { _csrf: t, desk_pin: '9876' })).status, 422, 'a desk PIN has 6 digits or more');
  assert.equal((await owner.postForm('/console/rallies/meth/desk-pin', { _csrf: t, desk_pin: '987654' })).status, 303);
  assert.match((await owner.get('/console/rallies/meth')).text, /id="desk-pin-state">設定済みです/);
  const bad = await methods('plain', { m_gps: '1' });
  assert.equal(bad.status, 422, 'GPS needs a position first');
});
after(async () => { await srv.stop(); });

async function participant() {
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/meth/join')).status, 201);
  return c;
}
const claim = (c, body) => c.postJson('/api/v1/stamps', body);
const gps = (c, m, accuracy) => claim(c, { spot_id: ids.gps, method: 'gps', ...north(m), accuracy });

describe('GPS', () => {
  test('inside and outside the radius, with and without accuracy (rule: distance − min(accuracy, radius) ≤ radius)', async () => {
    const cases = [[49, 0, 201], [51, 0, 422], [95, 50, 201], [101, 50, 422], [105, 500, 422], [150, 200, 422]];
    for (const [m, acc, status] of cases) {
      const c = await participant();
      const r = await gps(c, m, acc);
      assert.equal(r.status, status, `${m} m, accuracy ${acc}: ${r.text}`);
      if (status === 422 && acc <= 200) {
        assert.equal(r.json.error.code, 'too_far');
        assert.match(r.json.error.message, new RegExp(`約 ${m} m`));
      }
    }
  });

  test('accuracy limits: 200 m is accepted as a reading, above is refused as too imprecise', async () => {
    assert.equal((await gps(await participant(), 0, 200)).status, 201);
    const r = await gps(await participant(), 0, 200.5);
    assert.equal(r.status, 422);
    assert.equal(r.json.error.code, 'poor_accuracy');
  });

  test('no position → gps_required; a QR-only spot refuses GPS; nothing is written', async () => {
    const c = await participant();
    const r = await claim(c, { spot_id: ids.gps, method: 'gps' });
    assert.equal(r.json.error.code, 'gps_required');
    const q = await claim(c, { spot_id: ids.plain, method: 'gps', ...SPOT, accuracy: 5 });
    assert.equal(q.status, 403);
    assert.equal(q.json.error.code, 'method_not_accepted');
    assert.equal((await c.get('/api/v1/rallies/meth/card')).json.progress.collected, 0);
  });

  test('QR + GPS needs both', async () => {
    const token = srv.sql(`SELECT qr_token FROM spots WHERE name = 'qrgps'`);
    const c = await participant();
    assert.equal((await claim(c, { qr_token: token })).json.error.code, 'gps_required');
    assert.equal((await claim(c, { qr_token: token, ...north(500), accuracy: 10 })).json.error.code, 'too_far');
    const ok = await claim(c, { qr_token: token, ...north(10), accuracy: 10 });
    assert.equal(ok.status, 201);
    assert.equal(ok.json.stamp.method, 'qr_gps');
  });
});

describe('keyword and PIN', () => {
  test('keywords compare after folding width, case, kana, dashes and spaces', async () => {
    for (const typed of ['ミナトＰＯＲＴ2026', '\u3000ミナトport２０２６ ', 'ミナトPort2026', 'みなとport2026', 'ﾐﾅﾄ PORT 2026', 'みなと port 2026']) {
      const r = await claim(await participant(), { spot_id: ids.kw, method: 'keyword', keyword: typed });
      assert.equal(r.status, 201, typed);
    }
    const wrong = await claim(await participant(), { spot_id: ids.kw, method: 'keyword', keyword: 'みなとport2025' });
    assert.equal(wrong.status, 422, 'another number is another word');
    assert.equal(wrong.json.error.code, 'wrong_keyword');
    assert.match(srv.sql(`SELECT keyword_hash FROM spots WHERE public_id = '${ids.kw}'`), /^2:[0-9a-f]{64}$/);
  });

  test('a keyword stored under the first rule keeps its matches; the editor asks to set it again', async () => {
    const legacy = crypto.createHash('sha256').update('ミナトport2026').digest('hex');
    // As a database from before the second rule holds it (a write beside the server: WAL).
    srv.sqlWrite(`UPDATE spots SET keyword_hash = '${legacy}' WHERE public_id = '${ids.kw}'`);
    try {
      assert.equal((await claim(await participant(), { spot_id: ids.kw, method: 'keyword', keyword: 'ミナトＰＯＲＴ2026' })).status, 201);
      assert.equal((await claim(await participant(), { spot_id: ids.kw, method: 'keyword', keyword: 'みなとport2026' })).status, 422,
        'the first rule kept kana apart');
      assert.match((await owner.get(`/console/rallies/meth/spots/${ids.kw}`)).text, /以前の規則で設定されています/);
      const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
      const spaces = await owner.postForm(`/console/rallies/meth/spots/${ids.kw}/methods`, { _csrf: t, m_keyword: '1', keyword: '\u3000 ' });
      assert.equal(spaces.status, 303, 'only spaces: the keyword is kept as it was');
      assert.equal(srv.sql(`SELECT keyword_hash FROM spots WHERE public_id = '${ids.kw}'`), legacy);
    } finally {
      const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
      assert.equal((await owner.postForm(`/console/rallies/meth/spots/${ids.kw}/methods`, { _csrf: t, m_keyword: '1', keyword: 'ミナトＰＯＲＴ2026' })).status, 303);
    }
    assert.doesNotMatch((await owner.get(`/console/rallies/meth/spots/${ids.kw}`)).text, /以前の規則で設定されています/);
    assert.equal((await claim(await participant(), { spot_id: ids.kw, method: 'keyword', keyword: 'みなとport2026' })).status, 201);
  });

  test("staff PIN: the spot's works; the desk PIN (a different secret) and others do not", async () => {
    assert.equal((await claim(await participant(), { spot_id: ids.pin, method: 'pin', pin: '1234' })).status, 201);
    const desk = await claim(await participant(), { spot_id: ids.pin, method: 'pin', pin: '987654' });
    assert.equal(desk.status, 422);
    assert.equal(desk.json.error.code, 'wrong_pin');
    const r = await claim(await participant(), { spot_id: ids.pin, method: 'pin', pin: '0000' });
    assert.equal(r.json.error.code, 'wrong_pin');
  });

  test('five wrong guesses lock the participant out, even for the right answer; others are not locked', async () => {
    const c = await participant();
    for (let i = 0; i < 5; i++) {
      assert.equal((await claim(c, { spot_id: ids.kw, method: 'keyword', keyword: `guess${i}` })).status, 422);
    }
    const locked = await claim(c, { spot_id: ids.kw, method: 'keyword', keyword: 'ミナトPORT2026' });
    assert.equal(locked.status, 429);
    assert.equal(locked.json.error.code, 'too_many_attempts');
    assert.match(locked.json.error.message, /\d+ 秒後/);
    assert.equal((await c.get('/api/v1/rallies/meth/card')).json.progress.collected, 0);
    const other = await claim(await participant(), { spot_id: ids.kw, method: 'keyword', keyword: 'ミナトPORT2026' });
    assert.equal(other.status, 201);
  });

  test('the spot page offers the forms; a wrong keyword on the page says so in the page language', async () => {
    const c = srv.client();
    const page = await c.get(`/r/meth/spots/${ids.kw}`);
    assert.match(page.text, /name="keyword"/);
    const t = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
    const wrong = await c.postForm(`/r/meth/spots/${ids.kw}`, { _csrf: t, method: 'keyword', keyword: 'nope' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /キーワードが違います/);
    const ok = await c.postForm(`/r/meth/spots/${ids.kw}`, { _csrf: t, method: 'keyword', keyword: 'ミナトPORT2026' });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, `/r/meth/spots/${ids.kw}?new=1`);
    const res = await c.get(ok.headers.location);
    assert.match(res.text, /スタンプを獲得しました/);
    assert.match((await srv.client().get(`/r/meth/spots/${ids.gps}`)).text, /data-gps/);
  });
});

describe('opening hours', () => {
  test('outside the hours (JST) a stamp is refused with the hours; inside it is given', async () => {
    const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    const now = new Date(Date.now() + 9 * 3600e3);
    const m = now.getUTCHours() * 60 + now.getUTCMinutes();
    const fmt = (x) => { const v = ((x % 1440) + 1440) % 1440; return `${String(Math.floor(v / 60)).padStart(2, '0')}:${String(v % 60).padStart(2, '0')}`; };
    const set = (from, until) => owner.postForm(`/console/rallies/meth/spots/${ids.plain}`,
      { _csrf: t, name: 'plain', radius_m: '50', position: '5', open_from: from, open_until: until });
    const bad = await set('25:00', '10:00');
    assert.equal(bad.status, 422);
    assert.match(bad.text, /HH:MM/);
    assert.equal((await set(fmt(m + 60), fmt(m + 120))).status, 303);
    const token = srv.sql("SELECT qr_token FROM spots WHERE name = 'plain'");
    const c = await participant();
    const r = await claim(c, { qr_token: token });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'spot_closed');
    assert.ok(r.json.error.message.includes(`${fmt(m + 60)}〜${fmt(m + 120)}`));
    assert.equal((await set(fmt(m - 30), fmt(m + 30))).status, 303);
    assert.equal((await claim(c, { qr_token: token })).status, 201);
    assert.equal((await set('', '')).status, 303);
    assert.equal(srv.sql("SELECT open_from IS NULL FROM spots WHERE name = 'plain'"), '1');
  });
});

describe('rotating QR and desk mode', () => {
  test('desk staff show a QR that changes every 30 s; it gives a stamp; a wrong or old code is refused', async () => {
    const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    assert.equal((await owner.postForm(`/console/rallies/meth/spots/${ids.pin}/methods`, { _csrf: t, m_pin: '1', m_rotating_qr: '1' })).status, 303);
    const desk = await srv.staff('m-desk', srv.user('m', 'm-desk', 'desk'));
    assert.equal(desk.home, '/console/desk');
    assert.equal((await desk.get('/console')).status, 403);
    const list = await desk.get('/console/desk');
    assert.match(list.text, new RegExp(`/console/desk/meth/${ids.pin}`));
    // Screens opened at once, before the spot has a secret, all show the first one stored.
    const screens = await Promise.all(Array.from({ length: 8 }, () => desk.get(`/console/desk/meth/${ids.pin}`)));
    assert.deepEqual(screens.map((s) => s.status), Array(8).fill(200));
    const urls = new Set(screens.map((s) => s.text.match(/<p class="url">(http[^<]+)<\/p>/)[1]));
    assert.ok(urls.size <= 2, `one code per 30 s window: ${[...urls]}`); // 2 only across a window's end
    const screen = screens[0];
    assert.match(screen.text, /<meta http-equiv="refresh" content="([1-9]|[12]\d|30)">/);
    assert.match(screen.text, /<svg class="qr"/);
    const url = new URL(screen.text.match(/<p class="url">(http[^<]+)<\/p>/)[1]);
    assert.match(url.pathname, new RegExp(`^/t/${ids.pin}/[A-Za-z0-9_-]{22}$`));
    const c = srv.client();
    const landing = await c.get(url.pathname);
    assert.equal(landing.status, 200);
    const csrf = landing.text.match(/name="_csrf" value="([^"]+)"/)[1];
    const ok = await c.postForm(url.pathname, { _csrf: csrf });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, `/r/meth/spots/${ids.pin}?new=1`);
    assert.equal(srv.sql(`SELECT method FROM stamps t JOIN spots s ON s.id = t.spot_id WHERE s.public_id = '${ids.pin}' ORDER BY t.id DESC LIMIT 1`), 'rotating_qr');
    const forged = url.pathname.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    const r = await srv.client().get(forged);
    assert.equal(r.status, 410);
    assert.match(r.text, /期限切れ/);
  });
});

describe('repeat rules', () => {
  test('a spot repeatable every N hours answers the cool-down with the time it opens again', async () => {
    const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
    const r = await owner.postForm(`/console/rallies/meth/spots/${ids.plain}`, { _csrf: t, name: 'plain', radius_m: '50', position: '5', repeat_mode: 'hours', repeat_hours: '2' });
    assert.equal(r.status, 303);
    const bad = await owner.postForm(`/console/rallies/meth/spots/${ids.plain}`, { _csrf: t, name: 'plain', radius_m: '50', position: '5', repeat_mode: 'hours', repeat_hours: '0' });
    assert.equal(bad.status, 422);
    const token = srv.sql("SELECT qr_token FROM spots WHERE name = 'plain'");
    const c = await participant();
    assert.equal((await claim(c, { qr_token: token })).status, 201);
    const again = await claim(c, { qr_token: token });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'cooldown');
    assert.match(again.json.error.message, /\d{4}年\d\d月\d\d日 \d\d:\d\d から再びもらえます/);
    const daily = await owner.postForm(`/console/rallies/meth/spots/${ids.plain}`, { _csrf: t, name: 'plain', radius_m: '50', position: '5', repeat_mode: 'daily' });
    assert.equal(daily.status, 303);
    const d = await participant();
    assert.equal((await claim(d, { qr_token: token })).status, 201);
    const same = await claim(d, { qr_token: token });
    assert.equal(same.status, 200);
    assert.equal(same.json.already_collected, true);
    await owner.postForm(`/console/rallies/meth/spots/${ids.plain}`, { _csrf: t, name: 'plain', radius_m: '50', position: '5', repeat_mode: 'once' });
  });
});
