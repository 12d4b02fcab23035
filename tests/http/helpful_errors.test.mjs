// Errors that help (issue 17): a failed stamp claim from a form is answered
// on the spot's own page, in the rally's theme, with what happened and what
// to do next, distances people read (m, km), the internal code only in a
// small details element, location help when the position is the problem, and
// the keyword as typed; other refusals get the rally's crumb and theme.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
const SPOT = { lat: 35.4437, lng: 139.638 };
const M_PER_DEG = 6371008.8 * Math.PI / 180;
const north = (m) => ({ lat: String(SPOT.lat + m / M_PER_DEG), lng: String(SPOT.lng) });
const ids = {};
let qrgps;

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'h', slug: 'help', title: 'ヘルプ港めぐり', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: ['gps', 'qrgps', 'kw'].map((name) => ({ name })) });
  srv.import({ tenant: 'h', slug: 'over', title: '終わった祭り', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2021-01-01T00:00:00Z', status: 'published', spots: [{ name: 'old' }] });
  const owner = await srv.staff('h-owner', srv.user('h', 'h-owner', 'owner'));
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  for (const name of ['gps', 'qrgps', 'kw']) {
    ids[name] = srv.sql(`SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'help' AND s.name = '${name}'`);
  }
  qrgps = srv.sql(`SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'help' AND s.name = 'qrgps'`);
  const edit = (name) => owner.postForm(`/console/rallies/help/spots/${ids[name]}`,
    { _csrf: t, name, radius_m: '50', position: '1', latitude: String(SPOT.lat), longitude: String(SPOT.lng) });
  const methods = (name, fields) => owner.postForm(`/console/rallies/help/spots/${ids[name]}/methods`, { _csrf: t, ...fields });
  for (const name of ['gps', 'qrgps']) assert.equal((await edit(name)).status, 303);
  assert.equal((await methods('gps', { m_gps: '1' })).status, 303);
  assert.equal((await methods('qrgps', { m_qr_gps: '1' })).status, 303);
  assert.equal((await methods('kw', { m_keyword: '1', keyword: 'みなと' })).status, 303);
});
after(async () => { await srv.stop(); });

/** POST the claim form of spot `name` as a fresh participant (language `lang`). */
async function claimForm(name, fields, lang) {
  const c = srv.client();
  if (lang) c.lang = lang;
  const page = await c.get(`/r/help/spots/${ids[name]}`);
  const t = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  return c.postForm(`/r/help/spots/${ids[name]}`, { _csrf: t, ...fields });
}

/** The problem block of a page: its message and its code line. */
function problem(html) {
  const m = html.match(/<div class="problem" role="alert" id="problem">\s*<p class="message">([^<]*)<\/p>\s*<details class="code"><summary>[^<]+<\/summary>([^<]*)<\/details>/);
  assert.ok(m, `no problem block in ${html.slice(0, 4000)}`);
  return { message: m[1], code: m[2] };
}

describe('a GPS claim that is too far', () => {
  test('is answered on the spot page in the rally theme, in km, with what to do next and the code in details', async () => {
    const r = await claimForm('gps', { method: 'gps', ...north(27800), accuracy: '10' });
    assert.equal(r.status, 422);
    assert.match(r.text, /<link rel="stylesheet" href="\/r\/help\/theme\.css">/, 'the rally theme');
    assert.match(r.text, /<p class="crumb"><a href="\/r\/help">ヘルプ港めぐり<\/a><\/p>/);
    const p = problem(r.text);
    assert.equal(p.message, 'スポットから約 27.8 km 離れています。スポットに近づいてから、もう一度押してください。');
    assert.equal(p.code, '422 · too_far');
    assert.doesNotMatch(r.text, /27\d\d\d m/, 'never a five-digit number of metres');
    assert.match(r.text, /<form method="post" action="\/r\/help\/spots\/[^"]+" class="claim" data-gps>/, 'the button is there to try again');
    assert.doesNotMatch(r.text, /class="gps-help" data-gps-help open/, 'the position was read: no location help forced open');
  });

  test('near distances stay in metres; the API says the same in its message', async () => {
    assert.equal(problem((await claimForm('gps', { method: 'gps', ...north(350), accuracy: '5' })).text).message,
      'スポットから約 350 m 離れています。スポットに近づいてから、もう一度押してください。');
    const c = srv.client();
    assert.equal((await c.postJson('/api/v1/rallies/help/join')).status, 201);
    const api = await c.postJson('/api/v1/stamps', { spot_id: ids.gps, method: 'gps', lat: SPOT.lat + 1500 / M_PER_DEG, lng: SPOT.lng, accuracy: 5 });
    assert.equal(api.status, 422);
    assert.equal(api.json.error.code, 'too_far');
    assert.match(api.json.error.message, /約 1\.5 km/);
  });

  test('in English', async () => {
    const r = await claimForm('gps', { method: 'gps', ...north(27800), accuracy: '10' }, 'en');
    assert.equal(problem(r.text).message, 'You are about 27.8 km from the spot. Go closer to it, then press the button again.');
  });
});

describe('location help', () => {
  test('a claim without a position opens the steps to turn location on, for iPhone and Android', async () => {
    const r = await claimForm('gps', { method: 'gps' });
    assert.equal(r.status, 422);
    assert.equal(problem(r.text).code, '422 · gps_required');
    assert.match(r.text, /<details class="gps-help" data-gps-help open>/);
    assert.match(r.text, /<strong>iPhone<\/strong> 「設定」→「プライバシーとセキュリティ」→「位置情報サービス」/);
    assert.match(r.text, /<strong>Android<\/strong> /);
  });

  test('the GPS status is a live region with each browser answer in the page language', async () => {
    const page = (await srv.client().get(`/r/help/spots/${ids.gps}`)).text;
    assert.match(page, /<p class="hint" data-gps-status role="status" aria-live="polite"[^>]* data-denied="位置情報の利用が許可されていません。/);
    assert.match(page, /<details class="gps-help" data-gps-help>/, 'closed until needed');
  });

  test('a QR + GPS scan without a position is answered on the QR page with the help', async () => {
    const c = srv.client();
    const page = await c.get(`/q/${qrgps}`);
    const t = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
    const r = await c.postForm(`/q/${qrgps}`, { _csrf: t });
    assert.equal(r.status, 422);
    assert.equal(problem(r.text).code, '422 · gps_required');
    assert.match(r.text, /<form method="post" action="\/q\/[^"]+" class="claim" data-gps-qr>/);
    assert.match(r.text, /<details class="gps-help" data-gps-help open>/);
    const far = await c.postForm(`/q/${qrgps}`, { _csrf: t, ...north(2400), accuracy: '8' });
    assert.match(problem(far.text).message, /約 2\.4 km/);
  });
});

describe('a wrong keyword', () => {
  test('keeps what was typed (escaped) and says what to do', async () => {
    const typed = '"><script>alert(1)</script>';
    const r = await claimForm('kw', { method: 'keyword', keyword: typed });
    assert.equal(r.status, 422);
    assert.match(problem(r.text).message, /^キーワードが違います。スポットの案内に書かれたキーワードを確かめて/);
    assert.match(r.text, /<input name="keyword" autocomplete="off" required maxlength="100" value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;">/);
    assert.doesNotMatch(r.text, /<script>alert/);
    const ok = await claimForm('kw', { method: 'keyword', keyword: 'ミナト' });
    assert.equal(ok.status, 303, 'the right word still gives the stamp');
  });
});

describe('refusals outside the form', () => {
  test('an ended rally answers in its theme, with a way back to it and the code in details', async () => {
    const token = srv.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'over'");
    const c = srv.client();
    assert.doesNotMatch((await c.get(`/q/${token}`)).text, /<form/, 'an ended rally offers no claim form');
    const t = await c.csrfFrom(`/r/help/spots/${ids.kw}`); /* a stale tab or a replayed form still posts */
    const r = await c.postForm(`/q/${token}`, { _csrf: t });
    assert.equal(r.status, 409);
    assert.match(r.text, /<link rel="stylesheet" href="\/r\/over\/theme\.css">/);
    assert.match(r.text, /<p class="crumb"><a href="\/r\/over">終わった祭り<\/a><\/p>/);
    assert.match(r.text, /<details class="code"><summary>詳細<\/summary>409 · ended<\/details>/);
  });
});
