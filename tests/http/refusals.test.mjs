// Every refusal: a clear message, the right 4xx, and no change.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jst, rallyDoc, request, startServer } from './helpers.mjs';

let srv;
const R = {};
const tokenOf = (url) => new URL(url).pathname.split('/').pop();

before(async () => {
  srv = await startServer();
  R.open = srv.import(rallyDoc('open-rally'));
  R.draft = srv.import(rallyDoc('draft-rally', { status: 'draft' }));
  R.future = srv.import(rallyDoc('future-rally', { starts_at: '2099-04-01T10:00:00+09:00', ends_at: '2099-05-01T10:00:00+09:00' }));
  R.past = srv.import(rallyDoc('past-rally', { starts_at: '2020-04-01T10:00:00+09:00', ends_at: '2020-05-01T17:30:00+09:00' }));
  R.closed = srv.import(rallyDoc('closed-rally', { status: 'closed' }));
});
after(async () => { await srv.stop(); });

/** A client that has joined `slug` through the API. */
async function joined(slug) {
  const c = srv.client();
  const r = await c.postJson(`/api/v1/rallies/${slug}/join`);
  assert.ok(r.status === 201 || r.status === 200, `join ${slug}: ${r.status} ${r.text}`);
  return c;
}

async function collected(c, slug) {
  return (await c.get(`/api/v1/rallies/${slug}/card`)).json.progress.collected;
}

function isJsonError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(res.json.error.code, code);
  assert.ok(res.json.error.message.length > 5, 'a message for people');
}

describe('API refusals', () => {
  test('no session → 401', async () => {
    const r = await srv.client().postJson('/api/v1/stamps', { qr_token: tokenOf(R.open.spots[0].qr_url) });
    isJsonError(r, 401, 'no_session');
    isJsonError(await srv.client().get('/api/v1/rallies/open-rally/card'), 401, 'no_session');
  });

  test('a forged or expired session cookie counts as none', async () => {
    const c = srv.client();
    c.cookies.set('sid', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    isJsonError(await c.postJson('/api/v1/stamps', { qr_token: tokenOf(R.open.spots[0].qr_url) }), 401, 'no_session');
  });

  test('unknown token → 404', async () => {
    const c = await joined('open-rally');
    isJsonError(await c.postJson('/api/v1/stamps', { qr_token: 'NoSuchTokenAtAllxxxxxxx' }), 404, 'unknown_qr_token');
    isJsonError(await c.postJson('/api/v1/stamps', { qr_token: '../../etc/passwd' }), 404, 'unknown_qr_token');
    assert.equal(await collected(c, 'open-rally'), 0);
  });

  test('missing qr_token → 400', async () => {
    const c = await joined('open-rally');
    isJsonError(await c.postJson('/api/v1/stamps', { token: 'x' }), 400, 'invalid_request');
    isJsonError(await c.postJson('/api/v1/stamps', { qr_token: 42 }), 400, 'invalid_request');
  });

  test('draft rally → 404 everywhere', async () => {
    const c = await joined('open-rally');
    isJsonError(await c.get('/api/v1/rallies/draft-rally'), 404, 'rally_not_found');
    isJsonError(await c.postJson('/api/v1/rallies/draft-rally/join'), 404, 'rally_not_found');
    isJsonError(await c.postJson('/api/v1/stamps', { qr_token: tokenOf(R.draft.spots[0].qr_url) }), 404, 'unknown_qr_token');
    assert.equal((await c.get('/r/draft-rally')).status, 404);
    assert.equal((await c.get(`/q/${tokenOf(R.draft.spots[0].qr_url)}`)).status, 404);
  });

  test('not started → 409 saying when it starts', async () => {
    const c = await joined('future-rally');
    const r = await c.postJson('/api/v1/stamps', { qr_token: tokenOf(R.future.spots[0].qr_url) });
    isJsonError(r, 409, 'not_started');
    assert.match(r.json.error.message, /2099年04月01日 10:00/);
    assert.equal(await collected(c, 'future-rally'), 0);
  });

  test('ended → 409 saying when it ended; joining is refused too', async () => {
    const c = srv.client({ lang: 'en' });
    const j = await c.postJson('/api/v1/rallies/past-rally/join');
    isJsonError(j, 409, 'ended');
    assert.match(j.json.error.message, /ended on May 01, 2020 17:30 JST/);
    assert.ok(!c.cookies.has('sid'), 'no session is created for a refused join');
    const c2 = await joined('open-rally');
    const r = await c2.postJson('/api/v1/stamps', { qr_token: tokenOf(R.past.spots[0].qr_url) });
    isJsonError(r, 403, 'not_joined');
  });

  test('closed → 409', async () => {
    const c = srv.client();
    isJsonError(await c.postJson('/api/v1/rallies/closed-rally/join'), 409, 'closed');
  });

  test('malformed JSON → 400, nothing written', async () => {
    const c = await joined('open-rally');
    for (const body of ['{', '[]', '"x"', '{"qr_token": "a", "qr_token": "b"}', '\u0000']) {
      const r = await c.send('POST', '/api/v1/stamps', { headers: { 'Content-Type': 'application/json' }, body });
      isJsonError(r, 400, 'malformed_json');
    }
    assert.equal(await collected(c, 'open-rally'), 0);
  });

  test('API POST with a session cookie needs Content-Type: application/json', async () => {
    const c = await joined('open-rally');
    const body = JSON.stringify({ qr_token: tokenOf(R.open.spots[0].qr_url) });
    const r = await c.send('POST', '/api/v1/stamps', { headers: { 'Content-Type': 'text/plain' }, body });
    isJsonError(r, 415, 'unsupported_media_type');
    assert.equal(await collected(c, 'open-rally'), 0);
  });

  test('API POST from another origin → 403', async () => {
    const c = await joined('open-rally');
    const r = await c.postJson('/api/v1/stamps', { qr_token: tokenOf(R.open.spots[0].qr_url) },
      { headers: { Origin: 'https://evil.example' } });
    isJsonError(r, 403, 'bad_origin');
    assert.equal(await collected(c, 'open-rally'), 0);
    const ok = await c.postJson('/api/v1/stamps', { qr_token: tokenOf(R.open.spots[0].qr_url) },
      { headers: { Origin: srv.base } });
    assert.equal(ok.status, 201);
  });

  test('body too large → 413', async () => {
    const c = await joined('open-rally');
    const r = await c.postJson('/api/v1/stamps', { qr_token: 'x'.repeat(10000) });
    isJsonError(r, 413, 'body_too_large');
  });

  test('errors speak the client language', async () => {
    const r = await srv.client({ lang: 'en-US,en;q=0.9' }).postJson('/api/v1/stamps', { qr_token: 'x' });
    assert.match(r.json.error.message, /Join the rally first/);
    const j = await srv.client({ lang: 'ja' }).postJson('/api/v1/stamps', { qr_token: 'x' });
    assert.match(j.json.error.message, /参加してください/);
  });
});

describe('HTML form refusals', () => {
  const qr = () => `/q/${tokenOf(R.open.spots[0].qr_url)}`;

  test('missing CSRF token → 403 page, nothing written', async () => {
    const c = srv.client();
    await c.get(qr());
    const r = await c.postForm(qr(), {});
    assert.equal(r.status, 403);
    assert.match(r.headers['content-type'], /text\/html/);
    assert.match(r.text, /ページを読み込み直して/);
    assert.ok(!c.cookies.has('sid'));
  });

  test('wrong CSRF token → 403', async () => {
    const c = srv.client();
    await c.get(qr());
    const r = await c.postForm(qr(), { _csrf: 'forged-token-value' });
    assert.equal(r.status, 403);
  });

  test('a token from another browser does not work (bound to the cookie)', async () => {
    const a = srv.client();
    const tokenA = await a.csrfFrom(qr());
    const b = srv.client();
    await b.get(qr());
    assert.equal((await b.postForm(qr(), { _csrf: tokenA })).status, 403);
  });

  test('form POST from another origin → 403', async () => {
    const c = srv.client();
    const t = await c.csrfFrom(qr());
    const r = await c.postForm(qr(), { _csrf: t }, { headers: { Origin: 'http://evil.example' } });
    assert.equal(r.status, 403);
  });

  test('malformed form → 400', async () => {
    const c = srv.client();
    await c.get(qr());
    const r = await c.send('POST', qr(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '_csrf=%zz' });
    assert.equal(r.status, 400);
    const r2 = await c.send('POST', qr(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=%ff%fe' });
    assert.equal(r2.status, 400, 'invalid UTF-8 is refused');
  });

  test('form body too large → 413', async () => {
    const c = srv.client();
    const t = await c.csrfFrom(qr());
    const r = await c.postForm(qr(), { _csrf: t, pad: 'x'.repeat(8000) });
    assert.equal(r.status, 413);
    assert.match(r.text, /大きすぎます/);
  });

  test('not started and ended rallies refuse the QR claim with 409 and when', async () => {
    const c = srv.client();
    const fut = `/q/${tokenOf(R.future.spots[0].qr_url)}`;
    const page = await c.get(fut);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /name="_csrf"/, 'no claim button before the start');
    const t = await c.csrfFrom('/r/open-rally');
    const r = await c.postForm(fut, { _csrf: t });
    assert.equal(r.status, 409);
    assert.match(r.text, /2099年04月01日 10:00 に開始します/);
    const past = await c.postForm(`/q/${tokenOf(R.past.spots[0].qr_url)}`, { _csrf: t });
    assert.equal(past.status, 409);
    assert.match(past.text, /2020年05月01日 17:30 に終了しました/);
    assert.ok(!c.cookies.has('sid'), 'nothing created');
  });
});

describe('protocol limits', () => {
  test('unknown path → 404 page; unknown API path → JSON 404', async () => {
    const r = await request(srv.base, 'GET', '/nope');
    assert.equal(r.status, 404);
    assert.match(r.text, /ページが見つかりません/);
    const a = await request(srv.base, 'GET', '/api/v1/nope');
    assert.equal(a.status, 404);
    assert.equal(a.json.error.code, 'not_found');
  });

  test('wrong method → 405 with Allow', async () => {
    const r = await request(srv.base, 'DELETE', '/r/open-rally');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET');
    const p = await request(srv.base, 'GET', '/api/v1/stamps');
    assert.equal(p.status, 405);
    assert.equal(p.json.error.code, 'method_not_allowed');
  });

  test('URL too long → 414', async () => {
    const r = await request(srv.base, 'GET', `/r/${'a'.repeat(3000)}`);
    assert.equal(r.status, 414);
  });

  test('headers too large → 431', async () => {
    const headers = {};
    for (let i = 0; i < 20; i++) headers[`X-Pad-${i}`] = 'y'.repeat(1000);
    const r = await request(srv.base, 'GET', '/r/open-rally', { headers });
    assert.equal(r.status, 431);
  });

  test('headers beyond the connection memory are refused, not crashed on', async () => {
    const r = await request(srv.base, 'GET', '/healthz', { headers: { 'X-Huge': 'z'.repeat(100000) } })
      .catch((e) => ({ status: 'closed', e }));
    assert.ok(r.status === 431 || r.status === 'closed', `got ${r.status}`);
    assert.equal((await request(srv.base, 'GET', '/healthz')).status, 200, 'still serving');
  });

  test('invalid slug characters → 404, not an error', async () => {
    const r = await request(srv.base, 'GET', "/r/%27%22%3Cscript%3E");
    assert.equal(r.status, 404);
  });
});
