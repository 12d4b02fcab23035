// Previewing a draft: staff who can edit the rally open its participant
// pages and collect stamps as test data — kept out of the dashboard, the
// exports and the lottery draw, and cleared from the console. Nobody else
// sees the draft.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request, startServer } from './helpers.mjs';

let srv;
let owner; // the tenant's owner, previewing in the same browser
let csrf;
const tiers = {};

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'pv', slug: 'draft', title: '下書きラリー', description: 'x', starts_at: '2098-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'P1' }, { name: 'P2' }] });
  owner = await srv.staff('pv-owner', srv.user('pv', 'pv-owner', 'owner'));
  csrf = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const tier = async (f) => assert.equal((await owner.postForm('/console/rallies/draft/tiers', { _csrf: csrf, ...f })).status, 303);
  await tier({ name: '先着記念品', kind: 'first_come', condition: 'all', stock: '5' });
  await tier({ name: '抽選', kind: 'lottery', condition: 'all', ask_name: 'required', ask_kana: 'no', ask_postal: 'no', ask_address: 'no',
    ask_phone: 'no', ask_email: 'no', ask_age: 'no', ask_q1: 'no', ask_q2: 'no', ask_q3: 'no' });
  for (const row of srv.sql("SELECT t.name, t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = 'draft'").split('\n')) {
    const [name, id] = row.split('|');
    tiers[name] = id;
  }
});
after(async () => { await srv.stop(); });

const tokens = () => srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'draft' ORDER BY s.position").split('\n');

test('nobody but the tenant\'s editors sees the draft', async () => {
  assert.equal((await request(srv.base, 'GET', '/r/draft')).status, 404);
  assert.equal((await request(srv.base, 'GET', `/q/${tokens()[0]}`)).status, 404);
  const viewer = await srv.staff('pv-viewer', srv.user('pv', 'pv-viewer', 'viewer'));
  assert.equal((await viewer.get('/r/draft')).status, 404, 'a viewer cannot edit, so no preview');
  assert.equal((await viewer.postJson('/api/v1/rallies/draft/join')).status, 404);
  srv.import({ tenant: 'pw', slug: 'other', title: 'O', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'O1' }] });
  const stranger = await srv.staff('pw-owner', srv.user('pw', 'pw-owner', 'owner'));
  assert.equal((await stranger.get('/r/draft')).status, 404, 'another tenant\'s owner');
});

test('the owner walks the draft (before its period) with a preview banner; the stamps are test data', async () => {
  const page = await owner.get('/r/draft');
  assert.equal(page.status, 200);
  assert.match(page.text, /id="preview-banner">プレビュー中の下書きです/);
  assert.equal((await owner.get('/r/draft/theme.css')).status, 200);
  assert.equal((await owner.postJson('/api/v1/rallies/draft/join')).status, 201);
  for (const t of tokens()) assert.equal((await owner.postJson('/api/v1/stamps', { qr_token: t })).status, 201);
  const card = (await owner.get('/api/v1/rallies/draft/card')).json;
  assert.equal(card.completed, true);
  assert.equal(card.rally.preview, true);
  assert.match((await owner.get('/r/draft/card')).text, /id="preview-banner"/);
  assert.equal(srv.sql("SELECT preview FROM participants p JOIN rallies r ON r.id = p.rally_id WHERE r.slug = 'draft'"), '1');

  owner.csrf = await owner.csrfFrom('/r/draft/card');
  assert.equal((await owner.postForm(`/r/draft/rewards/${tiers['先着記念品']}`, { _csrf: owner.csrf })).status, 303);
  assert.equal(srv.sql(`SELECT stock FROM reward_tiers WHERE public_id = '${tiers['先着記念品']}'`), '4');
  assert.equal((await owner.postForm(`/r/draft/lottery/${tiers['抽選']}`, { _csrf: owner.csrf, name: 'テスト' })).status, 303);

  const dash = (await owner.get('/console/rallies/draft/dashboard')).text;
  const kpi = (label) => Number(dash.match(new RegExp(`${label}<b>(\\d+)</b>`))[1]);
  assert.deepEqual([kpi('参加者'), kpi('スタンプ'), kpi('コンプリート')], [0, 0, 0], 'the dashboard counts no test data');
  assert.equal(srv.sql("SELECT count(*) FROM rally_hourly h JOIN rallies r ON r.id = h.rally_id WHERE r.slug = 'draft'"), '0');
  for (const what of ['participants', 'stamps', 'rewards']) {
    const csv = await owner.get(`/console/rallies/draft/export/${what}.csv`);
    assert.equal(csv.status, 200);
    assert.equal(csv.text.trim().split('\r\n').length, 1, `${what}.csv: the header only`);
  }
  const lottery = await owner.get(`/console/rallies/draft/lottery/${tiers['抽選']}`);
  assert.match(lottery.text, /抽選対象 0 件/);
  assert.equal((await owner.postForm(`/console/rallies/draft/lottery/${tiers['抽選']}/draw`, { _csrf: csrf, count: '1', early: '1' })).status, 409,
    'a test entry never wins');
});

test('the console shows the test data and clears it, giving back the first-come stock', async () => {
  const edit = await owner.get('/console/rallies/draft');
  assert.match(edit.text, /id="preview-hint"/);
  assert.match(edit.text, /プレビューのテストデータ：参加者 1 人/);
  const r = await owner.postForm('/console/rallies/draft/preview/clear', { _csrf: csrf });
  assert.equal(r.status, 303);
  assert.equal(srv.sql("SELECT count(*) FROM participants p JOIN rallies r ON r.id = p.rally_id WHERE r.slug = 'draft'"), '0');
  assert.equal(srv.sql('SELECT (SELECT count(*) FROM stamps) + (SELECT count(*) FROM rewards) + (SELECT count(*) FROM lottery_entries)'), '0');
  assert.equal(srv.sql(`SELECT stock FROM reward_tiers WHERE public_id = '${tiers['先着記念品']}'`), '5');
  assert.doesNotMatch((await owner.get('/console/rallies/draft')).text, /id="preview-clear"/);
  assert.match(srv.sql("SELECT detail FROM security_events WHERE kind = 'preview_cleared'"), /"participants":1/);
});

test('once published, joins are real again, the organizer\'s too', async () => {
  const fix = await owner.postForm('/console/rallies/draft', { _csrf: csrf, title: '下書きラリー', description: 'x',
    starts_at: '2020-01-01T00:00', ends_at: '2099-01-01T09:00', primary: '#c62828', accent: '#f9a825', background: '#fffaf3' });
  assert.equal(fix.status, 303, fix.text.slice(0, 300));
  assert.equal((await owner.postForm('/console/rallies/draft/status', { _csrf: csrf, status: 'published' })).status, 303);
  const page = await owner.get('/r/draft');
  assert.doesNotMatch(page.text, /preview-banner/);
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/draft/join')).status, 201);
  assert.equal((await c.postJson('/api/v1/stamps', { qr_token: tokens()[0] })).status, 201);
  assert.equal(srv.sql("SELECT sum(preview) FROM participants p JOIN rallies r ON r.id = p.rally_id WHERE r.slug = 'draft'"), '0');
  assert.equal(srv.sql("SELECT sum(stamps) FROM rally_hourly h JOIN rallies r ON r.id = h.rally_id WHERE r.slug = 'draft'"), '1');
});
