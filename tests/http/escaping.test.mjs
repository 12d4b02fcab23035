// A rally title full of markup appears escaped on every page; security
// headers are on every response.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request, startServer } from './helpers.mjs';

let srv;
let rally;
const EVIL = `<script>alert("x")</script>'"&<img src=x onerror=alert(1)>`;
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&quot;&amp;&lt;img src=x onerror=alert(1)&gt;';
const tokenOf = (url) => new URL(url).pathname.split('/').pop();

before(async () => {
  srv = await startServer();
  rally = srv.import({
    tenant: 'evil', slug: 'evil', title: EVIL, description: `desc ${EVIL}`,
    starts_at: '2020-01-01T00:00:00+09:00', ends_at: '2099-01-01T00:00:00+09:00', status: 'published',
    spots: [{ name: `spot ${EVIL}`, description: EVIL }, { name: '"><svg onload=alert(2)>', description: '' }],
  });
});
after(async () => { await srv.stop(); });

function assertEscaped(res, where) {
  assert.equal(res.status, 200, where);
  assert.ok(!res.text.includes('<script>alert'), `raw script in ${where}`);
  assert.ok(!res.text.includes('<img src=x'), `raw img in ${where}`);
  assert.ok(!res.text.includes('<svg onload'), `raw svg in ${where}`);
  assert.ok(res.text.includes(ESCAPED), `escaped title in ${where}`);
}

test('every page escapes the title', async () => {
  const c = srv.client();
  assertEscaped(await c.get('/'), 'home');
  assertEscaped(await c.get('/r/evil'), 'rally');
  const t = await c.csrfFrom('/r/evil');
  await c.postForm('/r/evil/join', { _csrf: t });
  assertEscaped(await c.get('/r/evil/card'), 'card');
  for (const s of rally.spots) {
    const tok = tokenOf(s.qr_url);
    assertEscaped(await c.get(`/q/${tok}`), 'qr');
    await c.postForm(`/q/${tok}`, { _csrf: t });
    assertEscaped(await c.get(`/q/${tok}/result?new=1`), 'result');
  }
  const card = await c.get('/r/evil/card');
  assert.ok(card.text.includes('&quot;&gt;&lt;svg onload=alert(2)&gt;'), 'spot name escaped inside the hanko');
  assertEscaped(await c.get('/r/evil/complete'), 'complete');
});

test('the API returns the title as data', async () => {
  const r = await srv.client().get('/api/v1/rallies/evil');
  assert.equal(r.json.rally.title, EVIL);
});

test('security headers on every response', async () => {
  const paths = ['/', '/r/evil', '/nope', '/healthz', '/static/app.css', '/api/v1/rallies/evil'];
  for (const p of paths) {
    const r = await request(srv.base, 'GET', p);
    const csp = r.headers['content-security-policy'];
    assert.ok(csp, `CSP on ${p}`);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.ok(r.headers['referrer-policy']);
  }
});

test('pages have no inline script and stay light', async () => {
  const c = srv.client();
  for (const p of ['/', '/r/evil']) {
    const r = await c.get(p);
    assert.doesNotMatch(r.text, /<script>(?!alert)/);
    assert.doesNotMatch(r.text, /\son[a-z]+="/, 'no inline event handlers');
    assert.ok(r.raw.length < 100 * 1024, `${p} is ${r.raw.length} bytes`);
  }
});

test('the generated stamp art is an escaped, cacheable SVG image', async () => {
  const c = srv.client();
  const card = await c.get('/r/evil');
  assert.equal(card.status, 200);
  const api = await c.get('/api/v1/rallies/evil');
  for (const s of api.json.spots) {
    const r = await request(srv.base, 'GET', `/stamps/${s.id}.svg`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'image/svg+xml');
    assert.match(r.text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.doesNotMatch(r.text, /<script|<svg onload|<img/);
    assert.match(r.headers['cache-control'], /max-age=/);
    const again = await request(srv.base, 'GET', `/stamps/${s.id}.svg`, { headers: { 'If-None-Match': r.headers.etag } });
    assert.equal(again.status, 304);
  }
  assert.equal((await request(srv.base, 'GET', '/stamps/nope.svg')).status, 404);
  assert.equal((await request(srv.base, 'GET', `/stamps/${api.json.spots[0].id}`)).status, 404);
});
