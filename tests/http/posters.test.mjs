// Posters and participant pages follow each spot's stamp method: a QR code
// only where scanning it gives the stamp (or, for GPS, opens the spot's
// page), and the words of each way on the poster, the rally page and the card.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
let owner;
const NAMES = ['qr', 'qrgps', 'gps', 'kw', 'pin', 'rot', 'qrkw'];
const ids = {};

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'pm', slug: 'pmeth', title: 'Methods on paper', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: NAMES.map((name) => ({ name, description: `${name}の場所` })) });
  owner = await srv.staff('pm-owner', srv.user('pm', 'pm-owner', 'owner'));
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  for (const name of NAMES) ids[name] = srv.sql(`SELECT public_id FROM spots WHERE name = '${name}'`);
  const base = `/console/rallies/pmeth/spots`;
  for (const name of ['qrgps', 'gps']) {
    assert.equal((await owner.postForm(`${base}/${ids[name]}`, { _csrf: t, name, description: `${name}の場所`, radius_m: '50',
      position: '1', latitude: '35.44', longitude: '139.63' })).status, 303);
  }
  const set = { qrgps: { m_qr_gps: '1' }, gps: { m_gps: '1' }, kw: { m_keyword: '1', keyword: 'うみ' }, pin: { m_pin: '1', pin: '1234' },
    rot: { m_rotating_qr: '1' }, qrkw: { m_qr: '1', m_keyword: '1', keyword: 'やま' } };
  for (const [name, fields] of Object.entries(set)) {
    const r = await owner.postForm(`${base}/${ids[name]}/methods`, { _csrf: t, ...fields });
    assert.equal(r.status, 303, `${name}: ${r.text}`);
  }
});
after(async () => { await srv.stop(); });

/** The poster of one spot: its ways and what its QR code (if any) points at. */
async function poster(name) {
  const r = await owner.get(`/console/rallies/pmeth/spots/${ids[name]}/poster`);
  assert.equal(r.status, 200);
  const ways = [...r.text.matchAll(/<div class="how-one" data-method="([a-z_]+)">/g)].map((m) => m[1]);
  const qr = r.text.match(/<svg class="qr"[^>]*aria-label="QR: ([^"]+)"/);
  return { text: r.text, ways, qr: qr ? qr[1] : null };
}

test('a poster per method: the QR code only where it helps, and the words of that way', async () => {
  const token = (name) => srv.sql(`SELECT qr_token FROM spots WHERE name = '${name}'`);
  const qr = await poster('qr');
  assert.deepEqual(qr.ways, ['qr']);
  assert.equal(qr.qr, `${srv.base}/q/${token('qr')}`);
  assert.match(qr.text, /カメラでQRコードを読み取り、「スタンプをもらう」/);

  const qrgps = await poster('qrgps');
  assert.deepEqual(qrgps.ways, ['qr_gps']);
  assert.equal(qrgps.qr, `${srv.base}/q/${token('qrgps')}`);
  assert.match(qrgps.text, /位置情報の利用を許可して/);

  const gps = await poster('gps');
  assert.deepEqual(gps.ways, ['gps']);
  assert.equal(gps.qr, `${srv.base}/r/pmeth/spots/${ids.gps}`, 'a GPS spot: a code of its page, not of a token it does not take');
  assert.match(gps.text, /位置情報をオンにして「現在地でスタンプをもらう」/);
  assert.match(gps.text, /このスポットのページ/);
  assert.doesNotMatch(gps.text, /「スタンプをもらう」を押してください。アプリは不要です/);

  for (const [name, method, words] of [['kw', 'keyword', /キーワードがあります/], ['pin', 'pin', /スタッフに声をかけてください/],
    ['rot', 'rotating_qr', /受付の画面に表示されるQRコード/]]) {
    const p = await poster(name);
    assert.deepEqual(p.ways, [method], name);
    assert.equal(p.qr, null, `${name}: no QR code on the poster`);
    assert.match(p.text, words, name);
    assert.match(p.text, /<section class="poster noqr">/, name);
    assert.match(p.text, new RegExp(`<p class="place">${name}の場所</p>`), `${name}: says where`);
  }

  const both = await poster('qrkw');
  assert.deepEqual(both.ways, ['qr', 'keyword'], 'a spot of two ways explains both');
  assert.equal(both.qr, `${srv.base}/q/${token('qrkw')}`);

  const all = await owner.get('/console/rallies/pmeth/posters');
  assert.equal((all.text.match(/<section class="poster/g) || []).length, NAMES.length);
  assert.equal((all.text.match(/<svg class="qr"/g) || []).length, 4, 'qr, qr+gps, gps and qr+keyword have a code');
});

test('scanning each printed code leads somewhere that works for that spot', async () => {
  for (const name of ['qr', 'gps', 'qrkw']) {
    const { qr } = await poster(name);
    const c = srv.client();
    const r = await c.get(qr.slice(srv.base.length));
    assert.ok(r.status === 200 || r.status === 303, `${name}: ${r.status}`);
    assert.doesNotMatch(r.text, /method_not_accepted/, name);
  }
});

test('the rally page and the card say each way once a rally mixes them', async () => {
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/pmeth/join')).status, 201);
  const page = (await c.get('/r/pmeth')).text;
  assert.match(page, /スポットごとの方法/);
  assert.doesNotMatch(page, /各スポットに掲示されたQRコードをスマートフォンのカメラで読み取り/);
  assert.match(page, new RegExp(`<strong>gps</strong></a> <span class="tag how">現在地</span>`));
  assert.match(page, new RegExp(`<strong>qrkw</strong></a> <span class="tag how">QR / キーワード</span>`));
  assert.match(page, new RegExp(`<strong>rot</strong></a> <span class="tag how">受付のQR</span>`));
  const card = (await c.get('/r/pmeth/card')).text;
  assert.match(card, /<span class="name">pin<\/span>\s*<span class="when">未獲得 · スタッフ<\/span>/);
  assert.match(card, /スポットごとの方法（各マスに表示）/);
  const en = (await c.get('/r/pmeth', { headers: { 'Accept-Language': 'en' } })).text;
  assert.match(en, /<strong lang="ja">kw<\/strong><\/a> <span class="tag how">Keyword<\/span>/, 'the interface in English, the name as the organizer wrote it');
});
