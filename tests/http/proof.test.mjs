// Every stamp method needs its own proof. For a spot of each method, every
// other way in is tried — the API by spot id and the spot page's form, with
// each method name, an unknown one and none, without proof — and a stale
// proof (a QR token after regeneration, another spot's rotating code, a
// forged code). Nothing may give a stamp; only the real proof does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
let owner;
let csrf;
const SPOT = { lat: 35.4437, lng: 139.638 };
const KINDS = ['qr', 'gps', 'qr_gps', 'keyword', 'pin', 'rotating_qr'];
const NAMES = [...KINDS, 'bogus', 'QR', '', undefined];
const ids = {};

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'pf', slug: 'proof', title: 'Proof', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [...KINDS, 'rot2'].map((name) => ({ name })) });
  owner = await srv.staff('pf-owner', srv.user('pf', 'pf-owner', 'owner'));
  csrf = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  for (const name of [...KINDS, 'rot2']) ids[name] = srv.sql(`SELECT public_id FROM spots WHERE name = '${name}'`);
  for (const name of ['gps', 'qr_gps']) {
    const r = await owner.postForm(`/console/rallies/proof/spots/${ids[name]}`,
      { _csrf: csrf, name, radius_m: '50', position: '1', latitude: String(SPOT.lat), longitude: String(SPOT.lng) });
    assert.equal(r.status, 303);
  }
  const set = { gps: { m_gps: '1' }, qr_gps: { m_qr_gps: '1' }, keyword: { m_keyword: '1', keyword: 'umi' },
    pin: { m_pin: '1', pin: '482913' }, rotating_qr: { m_rotating_qr: '1' }, rot2: { m_rotating_qr: '1' } };
  for (const [name, fields] of Object.entries(set)) {
    const r = await owner.postForm(`/console/rallies/proof/spots/${ids[name]}/methods`, { _csrf: csrf, ...fields });
    assert.equal(r.status, 303, `${name}: ${r.text.slice(0, 200)}`);
  }
});
after(async () => { await srv.stop(); });

const stamps = () => Number(srv.sql('SELECT count(*) FROM stamps'));

async function participant() {
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/proof/join')).status, 201);
  c.csrf = (await c.get(`/r/proof/spots/${ids.keyword}`)).text.match(/name="_csrf" value="([^"]+)"/)[1];
  return c;
}

/** A body field set for a method name (undefined leaves the field out). */
const methodField = (m) => (m === undefined ? {} : { method: m });

test('no method gives a stamp without its proof, by API or by form, whatever method is named', async () => {
  for (const kind of KINDS) {
    const c = await participant();
    for (const m of NAMES) {
      const api = await c.postJson('/api/v1/stamps', { spot_id: ids[kind], ...methodField(m) });
      assert.ok(api.status >= 400 && api.status < 500, `API ${kind} spot, method ${m}: ${api.status} ${api.text}`);
      const form = await c.postForm(`/r/proof/spots/${ids[kind]}`, { _csrf: c.csrf, ...methodField(m) });
      assert.ok(form.status >= 400 && form.status < 500, `form ${kind} spot, method ${m}: ${form.status}`);
    }
  }
  assert.equal(stamps(), 0);
});

test('rotating QR: the claim form and API refuse it outright; only the desk code works', async () => {
  const c = await participant();
  const api = await c.postJson('/api/v1/stamps', { spot_id: ids.rotating_qr, method: 'rotating_qr' });
  assert.equal(api.status, 400);
  assert.equal(api.json.error.code, 'invalid_request');
  const form = await c.postForm(`/r/proof/spots/${ids.rotating_qr}`, { _csrf: c.csrf, method: 'rotating_qr' });
  assert.equal(form.status, 400);
  // A stale or wrong code: another spot's current code, a forged one.
  const screen = await owner.get(`/console/desk/proof/${ids.rot2}`);
  const other = screen.text.match(/<p class="url">http[^<]+\/t\/[^/]+\/([A-Za-z0-9_-]{22})<\/p>/)[1];
  for (const code of [other, 'A'.repeat(22)]) {
    const land = await c.get(`/t/${ids.rotating_qr}/${code}`);
    assert.equal(land.status, 410, code);
    const post = await c.postForm(`/t/${ids.rotating_qr}/${code}`, { _csrf: c.csrf });
    assert.equal(post.status, 410, code);
  }
  assert.equal(stamps(), 0);
  const real = (await owner.get(`/console/desk/proof/${ids.rotating_qr}`)).text
    .match(/<p class="url">http[^<]+(\/t\/[^<]+)<\/p>/)[1];
  const ok = await c.postForm(real, { _csrf: c.csrf });
  assert.equal(ok.status, 303);
  assert.equal(stamps(), 1);
});

test('QR and QR + GPS need the token; an old token stops working when regenerated', async () => {
  const c = await participant();
  const before = stamps();
  const old = srv.sql(`SELECT qr_token FROM spots WHERE public_id = '${ids.qr}'`);
  const r = await owner.postForm(`/console/rallies/proof/spots/${ids.qr}/regenerate`, { _csrf: csrf });
  assert.equal(r.status, 303);
  const stale = await c.postJson('/api/v1/stamps', { qr_token: old });
  assert.equal(stale.status, 404);
  assert.equal((await c.postForm(`/q/${old}`, { _csrf: c.csrf })).status, 404);
  const qg = srv.sql(`SELECT qr_token FROM spots WHERE public_id = '${ids.qr_gps}'`);
  assert.equal((await c.postJson('/api/v1/stamps', { qr_token: qg })).json.error.code, 'gps_required');
  // The position alone, by spot id, is not the QR + GPS proof.
  const pos = await c.postJson('/api/v1/stamps', { spot_id: ids.qr_gps, method: 'gps', ...SPOT, accuracy: 5 });
  assert.equal(pos.status, 403);
  assert.equal(stamps(), before);
  const fresh = srv.sql(`SELECT qr_token FROM spots WHERE public_id = '${ids.qr}'`);
  assert.equal((await c.postJson('/api/v1/stamps', { qr_token: fresh })).status, 201);
  assert.equal((await c.postJson('/api/v1/stamps', { qr_token: qg, ...SPOT, accuracy: 5 })).status, 201);
  assert.equal(stamps(), before + 2);
});

test('GPS, keyword and PIN give a stamp with their proof, and only with it', async () => {
  const c = await participant();
  const before = stamps();
  assert.equal((await c.postJson('/api/v1/stamps', { spot_id: ids.keyword, method: 'keyword', keyword: 'yama' })).status, 422);
  assert.equal((await c.postJson('/api/v1/stamps', { spot_id: ids.pin, method: 'keyword', keyword: '482913' })).status, 403);
  assert.equal((await c.postJson('/api/v1/stamps', { spot_id: ids.gps, method: 'gps', ...SPOT, accuracy: 5 })).status, 201);
  assert.equal((await c.postJson('/api/v1/stamps', { spot_id: ids.keyword, method: 'keyword', keyword: 'UMI' })).status, 201);
  assert.equal((await c.postJson('/api/v1/stamps', { spot_id: ids.pin, method: 'pin', pin: '482913' })).status, 201);
  assert.equal(stamps(), before + 3);
});
