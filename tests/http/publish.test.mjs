// The publish check and the confirmations around a rally's status: a draft
// with something missing is not published (409, the rally page lists what to
// fix); closing, reverting to draft and archiving ask first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;
let owner;
let csrf;

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'pc', slug: 'other', title: 'Other', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'O1' }] });
  srv.import({ tenant: 'pd', slug: 'elsewhere', title: 'Elsewhere', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'E1' }] });
  owner = await srv.staff('pc-owner', srv.user('pc', 'pc-owner', 'owner'));
  csrf = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const made = await owner.postForm('/console/rallies', { _csrf: csrf, slug: 'pub', title: 'Pub', description: '',
    starts_at: '2024-04-01T10:00', ends_at: '2099-03-31T17:00', primary: '#1565c0', accent: '#ffb300', background: '#ffffff' });
  assert.equal(made.status, 303, made.text);
});
after(async () => { await srv.stop(); });

/** Change the database behind the server's back (a rally from an older version or an import). */
const write = (q) => srv.sqlWrite(q);
const status = () => srv.sql("SELECT status FROM rallies WHERE slug = 'pub'");
const publish = () => owner.postForm('/console/rallies/pub/status', { _csrf: csrf, status: 'published' });
const problems = (html) => [...html.matchAll(/<li data-key="([^"]+)">([^<]*)<\/li>/g)].map((m) => [m[1], m[2]]);

test('a rally without spots is not published, and the page says why', async () => {
  const page = await owner.get('/console/rallies/pub');
  assert.match(page.text, /id="publish-check"/);
  assert.deepEqual(problems(page.text), [['publish.no_spots', 'スポットがありません。スポットを1つ以上追加してください。']]);
  const refused = await publish();
  assert.equal(refused.status, 409);
  assert.match(refused.text, /まだ公開できません/);
  assert.deepEqual(problems(refused.text).map((p) => p[0]), ['publish.no_spots']);
  assert.equal(status(), 'draft');
});

test('spots whose method cannot work and rewards nobody can earn are named', async () => {
  for (const name of ['灯台', '倉庫', '市場']) {
    const r = await owner.postForm('/console/rallies/pub/spots', { _csrf: csrf, name, radius_m: '50', position: '1',
      latitude: '35.44', longitude: '139.63' });
    assert.equal(r.status, 303, r.text);
  }
  const id = (name) => srv.sql(`SELECT public_id FROM spots WHERE name = '${name}'`);
  assert.equal((await owner.postForm(`/console/rallies/pub/spots/${id('灯台')}/methods`, { _csrf: csrf, m_gps: '1' })).status, 303);
  // The position removed later: the spot keeps GPS but nobody could get its stamp.
  const cleared = await owner.postForm(`/console/rallies/pub/spots/${id('灯台')}`, { _csrf: csrf, name: '灯台', radius_m: '50', position: '1' });
  assert.equal(cleared.status, 303, cleared.text);
  write(`UPDATE spots SET methods = 'keyword', keyword_hash = '' WHERE name = '倉庫';
         UPDATE spots SET methods = 'qr,pin', pin_hash = '' WHERE name = '市場'`);
  assert.equal((await owner.postForm('/console/rallies/pub/tiers', { _csrf: csrf, name: '五つで景品', kind: 'coupon', condition: 'count', threshold: '5' })).status, 303);
  assert.equal((await owner.postForm('/console/rallies/pub/tiers', { _csrf: csrf, name: '寺社めぐり賞', kind: 'coupon', condition: 'category', category: '寺社' })).status, 303);

  const refused = await publish();
  assert.equal(refused.status, 409);
  assert.deepEqual(problems(refused.text), [
    ['publish.gps_no_position', 'GPSで受け付けるスポットに位置（緯度・経度）がありません：灯台'],
    ['publish.keyword_missing', 'キーワードで受け付けるスポットにキーワードがありません：倉庫'],
    ['publish.pin_missing', 'スタッフPINで受け付けるスポットにPINがなく、受付PINも設定されていません：市場'],
    ['publish.category_empty', '特典のカテゴリーに当てはまるスポットがありません：寺社めぐり賞'],
    ['publish.unreachable', '特典に必要なスタンプの数がスポットの数より多く、誰も達成できません：五つで景品'],
  ]);
  const en = await owner.get('/console/rallies/pub?lang=en');
  assert.match(en.text, /Spots that take GPS have no position \(latitude and longitude\): 灯台/);
  await owner.get('/console?lang=ja'); // the choice is remembered: back to Japanese
  assert.equal(status(), 'draft');
});

test('fixed one by one, the rally publishes', async () => {
  const id = (name) => srv.sql(`SELECT public_id FROM spots WHERE name = '${name}'`);
  const edit = (name, extra) => owner.postForm(`/console/rallies/pub/spots/${id(name)}`, { _csrf: csrf, name, radius_m: '50', position: '1', ...extra });
  assert.equal((await edit('灯台', { latitude: '35.44', longitude: '139.63' })).status, 303);
  assert.equal((await owner.postForm(`/console/rallies/pub/spots/${id('倉庫')}/methods`, { _csrf: csrf, m_keyword: '1', keyword: 'ミナト' })).status, 303);
  assert.equal((await owner.postForm('/console/rallies/pub/desk-pin', { _csrf: csrf, desk_pin: '482915' })).status, 303, 'a desk PIN serves PIN spots');
  assert.equal((await edit('市場', { category: '寺社', latitude: '35.44', longitude: '139.63' })).status, 303);
  write(`UPDATE spots SET repeat_mode = 'daily' WHERE name = '市場'`); // a daily spot can give five stamps
  assert.deepEqual(problems((await owner.get('/console/rallies/pub')).text), []);
  assert.doesNotMatch((await owner.get('/console/rallies/pub')).text, /id="publish-check"/);
  const ok = await publish();
  assert.equal(ok.status, 303, ok.text);
  assert.equal(status(), 'published');
});

test('closing asks first; the confirmation closes; reverting and archiving ask too', async () => {
  const ask = await owner.postForm('/console/rallies/pub/status', { _csrf: csrf, status: 'closed' });
  assert.equal(ask.status, 200);
  assert.match(ask.text, /id="status-confirm"/);
  assert.match(ask.text, /受付を終了すると、参加者は新しいスタンプを集められなくなります/);
  assert.match(ask.text, /name="confirm" value="1"/);
  assert.equal(status(), 'published', 'nothing changed yet');
  const back = await owner.postForm('/console/rallies/pub/status', { _csrf: csrf, status: 'draft' });
  assert.match(back.text, /下書きに戻すと、ラリーのページは参加者から見えなくなり/);
  assert.equal(status(), 'published');

  const closed = await owner.postForm('/console/rallies/pub/status', { _csrf: csrf, status: 'closed', confirm: '1' });
  assert.equal(closed.status, 303);
  assert.equal(status(), 'closed');
  const archive = await owner.postForm('/console/rallies/pub/status', { _csrf: csrf, status: 'archived' });
  assert.match(archive.text, /再公開できなくなります/);
  assert.equal(status(), 'closed');
  const en = await owner.postForm('/console/rallies/pub/status?lang=en', { _csrf: csrf, status: 'archived' });
  assert.match(en.text, /Archiving keeps the rally as finished/);
  await owner.get('/console?lang=ja');
});

test('reopening a rally whose period is over runs the check too', async () => {
  write(`UPDATE rallies SET ends_at = 1000, starts_at = 0 WHERE slug = 'pub'`);
  const page = await owner.get('/console/rallies/pub');
  assert.deepEqual(problems(page.text).map((p) => p[0]), ['publish.ended']);
  assert.equal((await publish()).status, 409);
  assert.equal(status(), 'closed');
});

test('the other tenant\'s rally is not found, whatever is asked', async () => {
  const stranger = await srv.staff('pd-owner', srv.user('pd', 'pd-owner', 'owner'));
  const t = (await stranger.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal((await stranger.postForm('/console/rallies/pub/status', { _csrf: t, status: 'closed', confirm: '1' })).status, 404);
  assert.equal((await stranger.postForm('/console/rallies/pub/status', { _csrf: t, status: 'published' })).status, 404);
});
