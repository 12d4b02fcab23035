// The rally's own texts in the participants' languages (issue 17): the
// organizer translates the title, spots and rewards into English, Chinese
// and Korean; a participant sees their language where given and Japanese,
// marked lang="ja", where not; nothing of another rally can be set; the
// exports stay Japanese.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
let owner;
let ids;
before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'tr', slug: 'minato', title: '港めぐり', description: '港町を歩こう。', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '灯台', description: '白い灯台' }, { name: '市場', description: '朝市' }] });
  srv.import({ tenant: 'other', slug: 'elsewhere', title: 'よそ', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'よその場所' }] });
  owner = await srv.staff('tr-owner', srv.user('tr', 'tr-owner', 'owner'));
  const q = (name, slug) => srv.sql(`SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = '${slug}' AND s.name = '${name}'`);
  ids = { light: q('灯台', 'minato'), market: q('市場', 'minato'), foreign: q('よその場所', 'elsewhere') };
});
after(async () => { await srv.stop(); });

const save = (to, fields) => owner.submit('/console/rallies/minato/translations', { to, ...fields }, '/console');

test('the organizer translates; English visitors see English, and Japanese marked lang="ja" where none was given', async () => {
  const page = await owner.get('/console/rallies/minato/translations?to=en');
  assert.equal(page.status, 200);
  assert.match(page.text, /<span lang="ja">港めぐり<\/span>/, 'the original beside the field');
  assert.match(page.text, new RegExp(`name="f\\.spot:${ids.light}:name"`));
  const r = await save('en', { 'f.rally:title': 'Harbour Walk', [`f.spot:${ids.light}:name`]: 'Lighthouse', [`f.spot:${ids.light}:description`]: 'A white lighthouse' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/console/rallies/minato/translations?to=en&saved=1');

  const en = srv.client({ lang: 'en' });
  const rally = (await en.get('/r/minato')).text;
  assert.match(rally, /<html lang="en">/);
  assert.match(rally, /<h1>Harbour Walk<\/h1>/);
  assert.match(rally, /<p class="desc" lang="ja">港町を歩こう。<\/p>/, 'no English description: the Japanese, marked');
  assert.match(rally, /<strong>Lighthouse<\/strong><\/a>/);
  assert.match(rally, /<p>A white lighthouse<\/p>/);
  assert.match(rally, /<strong lang="ja">市場<\/strong><\/a>/);
  const spot = (await en.get(`/r/minato/spots/${ids.light}`)).text;
  assert.match(spot, /<h1>Lighthouse<\/h1>/);
  assert.match(spot, /<a href="\/r\/minato">Harbour Walk<\/a>/);

  const ja = (await srv.client().get('/r/minato')).text;
  assert.match(ja, /<h1>港めぐり<\/h1>/, 'Japanese visitors see the original');
  assert.doesNotMatch(ja, /<(h1|p|strong)[^>]* lang="ja"/, 'and nothing needs marking');
});

test('each language on its own; Chinese and Korean browsers get theirs', async () => {
  assert.equal((await save('zh-Hans', { 'f.rally:title': '港口漫步' })).status, 303);
  assert.equal((await save('zh-Hant', { 'f.rally:title': '港口漫步（繁）' })).status, 303);
  assert.equal((await save('ko', { 'f.rally:title': '항구 산책' })).status, 303);
  const title = async (al) => (await srv.client({ lang: al }).get('/r/minato')).text.match(/<h1[^>]*>([^<]+)<\/h1>/)[1];
  assert.equal(await title('zh-CN,zh;q=0.9'), '港口漫步');
  assert.equal(await title('zh-TW'), '港口漫步（繁）');
  assert.equal(await title('zh-HK,en;q=0.5'), '港口漫步（繁）');
  assert.equal(await title('ko-KR'), '항구 산책');
  assert.equal(await title('en-GB'), 'Harbour Walk');
  assert.equal(await title('fr-FR'), '港めぐり', 'an unknown language gets Japanese');
  // An empty field removes a translation.
  assert.equal((await save('ko', { 'f.rally:title': '' })).status, 303);
  assert.equal(await title('ko'), '港めぐり');
});

test('only this rally\'s texts can be set; limits are checked; exports stay Japanese', async () => {
  assert.equal((await save('en', { [`f.spot:${ids.foreign}:name`]: 'Hijacked' })).status, 303);
  assert.equal(srv.sql("SELECT count(*) FROM translations WHERE text = 'Hijacked'"), '0', 'a field of another rally is ignored');
  assert.equal((await owner.get('/console/rallies/elsewhere/translations')).status, 404, 'another tenant\'s rally');
  const long = await save('en', { 'f.rally:title': 'x'.repeat(101) });
  assert.equal(long.status, 422);
  assert.match(long.text, /100 文字以内/);
  assert.equal((await save('en', { 'f.rally:title': 'Two\nlines' })).status, 422, 'a title is one line');
  assert.equal((await save('en', { 'f.rally:description': 'bell\u0007' })).status, 422, 'no control characters');
  assert.equal((await save('en', { 'f.rally:description': 'Two\nlines' })).status, 303, 'a description may have lines');
  assert.equal((await save('fr', { 'f.rally:title': 'Promenade' })).status, 422);
  assert.equal((await owner.get('/console/rallies/minato/translations?to=de')).status, 404);
  const p = srv.client({ lang: 'en' });
  assert.equal((await p.postJson('/api/v1/rallies/minato/join')).status, 201);
  const token = srv.sql(`SELECT qr_token FROM spots WHERE public_id = '${ids.light}'`);
  assert.equal((await p.postJson('/api/v1/stamps', { qr_token: token })).status, 201);
  const csv = await owner.get('/console/rallies/minato/export/stamps.csv');
  assert.match(csv.text, /灯台/);
  assert.doesNotMatch(csv.text, /Lighthouse/);
});

test('a lottery\'s name and its own questions are translated on its entry page', async () => {
  const made = await owner.submit('/console/rallies/minato/tiers', {
    name: '港の抽選', kind: 'lottery', condition: 'all', ask_name: 'required', ask_kana: 'no', ask_postal: 'no', ask_address: 'no',
    ask_phone: 'no', ask_email: 'no', ask_age: 'no', label_q1: 'どこで知りましたか', ask_q1: 'optional', label_q2: '好きな景色は', ask_q2: 'optional', ask_q3: 'no',
  }, '/console');
  assert.equal(made.status, 303);
  const tier = srv.sql("SELECT public_id FROM reward_tiers WHERE name = '港の抽選'");
  const form = (await owner.get('/console/rallies/minato/translations?to=en')).text;
  assert.match(form, new RegExp(`name="f\\.tier:${tier}:q1"`), 'the questions are on the translation form');
  assert.equal((await save('en', { [`f.tier:${tier}:name`]: 'Harbour draw', [`f.tier:${tier}:q1`]: 'How did you hear about us?' })).status, 303);
  const p = srv.client({ lang: 'en' });
  assert.equal((await p.postJson('/api/v1/rallies/minato/join')).status, 201);
  for (const id of [ids.light, ids.market]) {
    const token = srv.sql(`SELECT qr_token FROM spots WHERE public_id = '${id}'`);
    assert.equal((await p.postJson('/api/v1/stamps', { qr_token: token })).status, 201);
  }
  const page = (await p.get(`/r/minato/lottery/${tier}`)).text;
  assert.match(page, /<h1>Harbour draw<\/h1>/);
  assert.match(page, /<label for="f-q1">How did you hear about us\? /);
  assert.match(page, /<label for="f-q2" lang="ja">好きな景色は /, 'not translated: the Japanese, marked');
  assert.match(page, /<label for="f-name">Name /, 'the standard fields from the catalog');
});
