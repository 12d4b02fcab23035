// The participant's journey end to end over HTTP: HTML pages and JSON API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rallyDoc, startServer } from './helpers.mjs';

let srv;
let rally;
before(async () => {
  srv = await startServer();
  rally = srv.import(rallyDoc('journey', { nspots: 3 }));
});
after(async () => { await srv.stop(); });

const tokenOf = (url) => new URL(url).pathname.split('/').pop();

describe('HTML journey', () => {
  test('rally page → join → card → QR → stamp → result → completion', async () => {
    const c = srv.client();
    const page = await c.get('/r/journey');
    assert.equal(page.status, 200);
    assert.match(page.text, /Rally journey/);
    assert.match(page.text, /action="\/r\/journey\/join"/);

    const csrf = await c.csrfFrom('/r/journey');
    const join = await c.postForm('/r/journey/join', { _csrf: csrf });
    assert.equal(join.status, 303);
    assert.equal(join.headers.location, '/r/journey/card');
    const sc = join.headers['set-cookie'].find((s) => s.startsWith('sid='));
    assert.ok(sc, 'session cookie set');
    assert.match(sc, /HttpOnly/);
    assert.match(sc, /SameSite=Lax/);
    assert.match(sc, /Path=\//);

    const card = await c.get('/r/journey/card');
    assert.equal(card.status, 200);
    assert.match(card.text, /0 \/ 3/);

    for (let i = 0; i < rally.spots.length; i++) {
      const tok = tokenOf(rally.spots[i].qr_url);
      const qr = await c.get(`/q/${tok}`);
      assert.equal(qr.status, 200);
      assert.match(qr.text, new RegExp(`Spot ${i + 1}`));
      const t = qr.text.match(/name="_csrf" value="([^"]+)"/)[1];
      const claim = await c.postForm(`/q/${tok}`, { _csrf: t });
      assert.equal(claim.status, 303);
      assert.equal(claim.headers.location, `/q/${tok}/result?new=1`);
      const res = await c.get(claim.headers.location);
      assert.equal(res.status, 200);
      assert.match(res.text, new RegExp(`${i + 1} / 3`));
      assert.match(res.text, /class="hanko"/);
      // a repeat claim says "already" and adds nothing
      const again = await c.postForm(`/q/${tok}`, { _csrf: t });
      assert.equal(again.headers.location, `/q/${tok}/result`);
    }
    const done = await c.get('/r/journey/card');
    assert.match(done.text, /3 \/ 3/);
    assert.match(done.text, /href="\/r\/journey\/complete"/);
    const complete = await c.get('/r/journey/complete');
    assert.equal(complete.status, 200);
    assert.match(complete.text, /コンプリート！/);
  });

  test('the QR page joins first when the browser has no card yet', async () => {
    const c = srv.client();
    const tok = tokenOf(rally.spots[1].qr_url);
    const csrf = await c.csrfFrom(`/q/${tok}`);
    const claim = await c.postForm(`/q/${tok}`, { _csrf: csrf });
    assert.equal(claim.status, 303);
    assert.ok(c.cookies.has('sid'));
    const card = await c.postJson('/api/v1/rallies/journey/join');
    assert.equal(card.status, 200, 'already joined through the QR page');
    const api = await c.get('/api/v1/rallies/journey/card');
    assert.equal(api.json.progress.collected, 1);
    assert.equal(api.json.spots[1].collected, true);
  });

  test('the card page without a card sends the visitor to the rally page', async () => {
    const c = srv.client();
    const r = await c.get('/r/journey/card');
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/r/journey');
  });

  test('home page lists the published rally', async () => {
    const r = await srv.client().get('/');
    assert.equal(r.status, 200);
    assert.match(r.text, /href="\/r\/journey"/);
  });
});

describe('JSON API journey', () => {
  test('rally, join, claim, repeat, card', async () => {
    const c = srv.client();
    const info = await c.get('/api/v1/rallies/journey');
    assert.equal(info.status, 200);
    assert.equal(info.json.rally.slug, 'journey');
    assert.equal(info.json.rally.state, 'open');
    assert.equal(info.json.spots.length, 3);
    assert.ok(!('qr_token' in info.json.spots[0]), 'QR tokens are not published by the API');

    const join = await c.postJson('/api/v1/rallies/journey/join');
    assert.equal(join.status, 201);
    assert.equal(join.json.created, true);
    const again = await c.postJson('/api/v1/rallies/journey/join');
    assert.equal(again.status, 200);
    assert.equal(again.json.participant.id, join.json.participant.id);

    const tok = tokenOf(rally.spots[0].qr_url);
    const s1 = await c.postJson('/api/v1/stamps', { qr_token: tok });
    assert.equal(s1.status, 201);
    assert.equal(s1.json.stamp.spot_name, 'Spot 1');
    assert.deepEqual(s1.json.progress, { collected: 1, total: 3 });
    assert.equal(s1.json.completed, false);
    assert.equal(s1.json.already_collected, false);

    const s2 = await c.postJson('/api/v1/stamps', { qr_token: tok });
    assert.equal(s2.status, 200);
    assert.equal(s2.json.already_collected, true);
    assert.equal(s2.json.stamp.collected_at, s1.json.stamp.collected_at);
    assert.deepEqual(s2.json.progress, { collected: 1, total: 3 });

    for (const s of rally.spots.slice(1)) await c.postJson('/api/v1/stamps', { qr_token: tokenOf(s.qr_url) });
    const card = await c.get('/api/v1/rallies/journey/card');
    assert.equal(card.status, 200);
    assert.deepEqual(card.json.progress, { collected: 3, total: 3 });
    assert.equal(card.json.completed, true);
    assert.match(card.json.completed_at, /\+09:00$/);
    assert.ok(card.json.spots.every((s) => s.collected && s.collected_at));
  });

  test('the last stamp reports completion once', async () => {
    const c = srv.client();
    await c.postJson('/api/v1/rallies/journey/join');
    let last;
    for (const s of rally.spots) last = await c.postJson('/api/v1/stamps', { qr_token: tokenOf(s.qr_url) });
    assert.equal(last.json.completed, true);
    assert.equal(last.json.just_completed, true);
    const repeat = await c.postJson('/api/v1/stamps', { qr_token: tokenOf(rally.spots[0].qr_url) });
    assert.equal(repeat.json.completed, true);
    assert.equal(repeat.json.just_completed, false);
  });
});

describe('completion certificate', () => {
  test('a participant who completed prints a certificate with the name typed; others cannot', async () => {
    const c = srv.client();
    await c.postJson('/api/v1/rallies/journey/join');
    const t = await c.csrfFrom('/recover');
    const early = await c.postForm('/r/journey/certificate', { _csrf: t, name: '港 太郎' });
    assert.equal(early.status, 409);
    for (const s of rally.spots) await c.postJson('/api/v1/stamps', { qr_token: tokenOf(s.qr_url) });
    const page = await c.get('/r/journey/complete');
    assert.match(page.text, /action="\/r\/journey\/certificate"/);
    const cert = await c.postForm('/r/journey/certificate', { _csrf: t, name: '港 <太郎>' });
    assert.equal(cert.status, 200);
    assert.match(cert.text, /修了証/);
    assert.match(cert.text, /港 &lt;太郎&gt; 様/);
    assert.match(cert.text, /\d{4}年\d\d月\d\d日/);
    assert.equal((await c.postForm('/r/journey/certificate', { _csrf: t, name: '' })).status, 422);
  });
});
