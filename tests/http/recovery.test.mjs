// Recovery codes: shown on join and on the card, restore the card in
// another browser, typos and guesses refused, guessing throttled.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'r', slug: 'rec', title: 'Recovery', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }, { name: 'B' }] });
});
after(async () => { await srv.stop(); });

test('a recovery code restores the card in another browser', async () => {
  const a = srv.client();
  const j = await a.postJson('/api/v1/rallies/rec/join');
  const code = j.json.recovery_code;
  assert.match(code, /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{3}$/);
  const token = srv.sql("SELECT qr_token FROM spots WHERE name = 'A'");
  assert.equal((await a.postJson('/api/v1/stamps', { qr_token: token })).status, 201);
  const card = await a.get('/r/rec/card');
  assert.ok(card.text.includes(code), 'shown on the card');
  assert.equal(srv.sql(`SELECT count(*) FROM participants WHERE recovery_sealed LIKE '%${code}%'`), '0', 'sealed at rest');

  const b = srv.client();
  const typed = ` ${code.toLowerCase().replaceAll('-', ' ')} `;
  const r = await b.postJson('/api/v1/recover', { code: typed });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rally, 'rec');
  assert.deepEqual((await b.get('/api/v1/rallies/rec/card')).json.progress, { collected: 1, total: 2 });
  const page = srv.client();
  const t = await page.csrfFrom('/recover');
  const form = await page.postForm('/recover', { _csrf: t, code });
  assert.equal(form.status, 303);
  assert.equal(form.headers.location, '/r/rec/card?restored=1');
  assert.match((await page.get(form.headers.location)).text, /<p class="notice ok" id="restored" role="status">スタンプ帳をこの端末に移しました。/);
});

test('the way to /recover is on the rally page and the card; the phone a card left says where it went', async () => {
  const a = srv.client();
  const code = (await a.postJson('/api/v1/rallies/rec/join')).json.recovery_code;
  const fresh = (await srv.client().get('/r/rec')).text;
  assert.match(fresh, /<p class="recover-link"><a href="\/recover">前に参加したスタンプ帳を復元する<\/a><\/p>/);
  assert.doesNotMatch(fresh, /id="moved"/);
  assert.match((await a.get('/r/rec/card')).text, /<a href="\/recover">別の端末のスタンプ帳をこの端末で開く<\/a>/);
  const form = (await srv.client().get('/recover')).text;
  assert.match(form, /復元すると、スタンプ帳はこの端末に移ります。前の端末やブラウザでは開けなくなり/);

  const b = srv.client();
  assert.equal((await b.postJson('/api/v1/recover', { code })).status, 200);
  const left = await a.get('/r/rec');
  assert.match(left.text, /<div class="notice" id="moved" role="status"><p>このスタンプ帳は別の端末で復元されたため、この端末では開けなくなりました。/);
  assert.match(left.text, /<a class="button" href="\/recover">復元コードを入力する<\/a>/);
  assert.equal((await a.get('/r/rec/card')).headers.location, '/r/rec', 'the card is not here any more');
  assert.doesNotMatch((await b.get('/r/rec')).text, /id="moved"/, 'the phone it went to has it');
  // Brought back: the first phone has its card again and the second is told instead.
  assert.equal((await a.postJson('/api/v1/recover', { code })).status, 200);
  assert.doesNotMatch((await a.get('/r/rec')).text, /id="moved"/);
  assert.match((await b.get('/r/rec')).text, /id="moved"/);
  a.lang = 'en';
  b.lang = 'en';
  assert.match((await b.get('/r/rec')).text, /This card was restored on another phone, so it no longer opens here\./);
  // Restoring in the browser that has it already changes nothing.
  assert.equal((await a.postJson('/api/v1/recover', { code })).status, 200);
  assert.match((await b.get('/r/rec')).text, /id="moved"/);
});

test('a typo (wrong check digit) and an unknown code are refused; guessing is throttled', async () => {
  const c = srv.client();
  const bad = await c.postJson('/api/v1/recover', { code: 'AAAA-AAAA-AAA' });
  assert.equal(bad.status, 422, 'check digit');
  assert.equal(bad.json.error.code, 'invalid_code');
  let last;
  for (let i = 0; i < 40 && (!last || last.status !== 429); i++) {
    last = await c.postJson('/api/v1/recover', { code: `ZZZZ-ZZZZ-Z${'23456789'[i % 8]}X` });
  }
  assert.equal(last.status, 429, 'locked out after repeated failures');
  assert.match(last.json.error.message, /秒後/);
});
