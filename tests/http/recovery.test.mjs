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
  assert.equal(form.headers.location, '/r/rec/card');
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
