// A lottery's entries close at the deadline the organizer sets (by default
// the rally's end); a draw before it asks first; participants see when
// entries close, on the card, the entry page and in the API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jst, startServer } from './helpers.mjs';

let srv;
let owner;
const tiers = {};
const localInput = (ms) => new Date(ms + 9 * 3600e3).toISOString().slice(0, 16); // datetime-local, JST

before(async () => {
  srv = await startServer();
  for (const slug of ['dl', 'late']) {
    srv.import({ tenant: 'dl', slug, title: slug, description: 'x', starts_at: jst(-10 * 86400e3), ends_at: '2099-01-01T00:00:00Z',
      status: 'published', spots: [{ name: `${slug}-1` }] });
  }
  owner = await srv.staff('dl-owner', srv.user('dl', 'dl-owner', 'owner'));
  for (const slug of ['dl', 'late']) {
    const r = await owner.submit(`/console/rallies/${slug}/tiers`, { name: `${slug} 抽選`, kind: 'lottery', condition: 'all',
      ask_name: 'required', ask_kana: 'no', ask_postal: 'no', ask_address: 'no', ask_phone: 'no', ask_email: 'no', ask_age: 'no',
      ask_q1: 'no', ask_q2: 'no', ask_q3: 'no' }, '/console');
    assert.equal(r.status, 303, r.text);
    tiers[slug] = srv.sql(`SELECT t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = '${slug}'`);
  }
});
after(async () => { await srv.stop(); });

const write = (q) => srv.sqlWrite(q);
/** A participant of slug who collected its one spot. */
async function earned(slug) {
  const c = srv.client();
  assert.equal((await c.postJson(`/api/v1/rallies/${slug}/join`)).status, 201);
  const token = srv.sql(`SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = '${slug}'`);
  assert.equal((await c.postJson('/api/v1/stamps', { qr_token: token })).status, 201);
  c.csrf = await c.csrfFrom('/recover');
  return c;
}
const entry = (slug) => `/r/${slug}/lottery/${tiers[slug]}`;
const setDeadline = (slug, value) => owner.submit(`/console/rallies/${slug}/tiers/${tiers[slug]}`,
  { name: `${slug} 抽選`, entries_until: value }, `/console/rallies/${slug}`);

test('entries close at the rally\'s end unless told otherwise, and everyone is told when', async () => {
  const c = await earned('dl');
  const card = await c.get('/r/dl/card');
  assert.match(card.text, /<span class="hint closes">応募締切：2099年01月01日 09:00<\/span>/);
  const api = (await c.get('/api/v1/rallies/dl/card')).json;
  assert.equal(api.rewards[0].lottery.closes_at, '2099-01-01T09:00:00+09:00');
  assert.equal(api.rewards[0].lottery.closed, false);
  assert.match((await c.get(entry('dl'))).text, /<p class="when closes">応募締切：2099年01月01日 09:00<\/p>/);
  assert.equal((await c.postForm(entry('dl'), { _csrf: c.csrf, name: '先着 太郎' })).status, 303);
});

test('the deadline is checked: after the start, at most a year after the end', async () => {
  assert.equal((await setDeadline('dl', '2019-12-31T00:00')).status, 422);
  const far = await setDeadline('dl', '2100-02-01T00:00');
  assert.equal(far.status, 422);
  assert.match(far.text, /応募締切は、ラリーの開始より後、終了から1年以内の日時で入力してください/);
  assert.equal((await setDeadline('dl', 'yesterday')).status, 422);
  assert.equal(srv.sql(`SELECT entries_until IS NULL FROM reward_tiers WHERE public_id = '${tiers.dl}'`), '1', 'nothing changed');
});

test('a deadline that passed closes entries; the draw then needs no confirmation', async () => {
  const past = Date.now() - 3600e3;
  assert.equal((await setDeadline('dl', localInput(past))).status, 303);
  const edit = await owner.get('/console/rallies/dl');
  assert.match(edit.text, new RegExp(`name="entries_until" value="${localInput(past)}"`));
  const late = await earned('dl');
  const refused = await late.get(entry('dl'));
  assert.equal(refused.status, 409);
  assert.match(refused.text, /この抽選の応募受付は終了しました/);
  assert.equal((await late.postForm(entry('dl'), { _csrf: late.csrf, name: '遅刻 次郎' })).status, 409);
  assert.match((await late.get('/r/dl/card')).text, /<span class="tag">受付終了<\/span>/);
  assert.equal((await late.get('/api/v1/rallies/dl/card')).json.rewards[0].lottery.closed, true);

  const page = await owner.get(`/console/rallies/dl/lottery/${tiers.dl}`);
  assert.match(page.text, /<p id="entries-close">応募は \d{4}年\d\d月\d\d日 \d\d:\d\d に締め切りました。<\/p>/);
  assert.doesNotMatch(page.text, /id="draw-early"/);
  assert.equal((await owner.submit(`/console/rallies/dl/lottery/${tiers.dl}/draw`, { count: '1' },
    `/console/rallies/dl/lottery/${tiers.dl}`)).status, 303);
  assert.equal(srv.sql('SELECT count(*) FROM lottery_entries'), '1');
});

test('a deadline after the rally\'s end takes entries after the end, until then', async () => {
  const c = await earned('late');
  write(`UPDATE rallies SET ends_at = ${Date.now() - 60e3} WHERE slug = 'late'`);
  const ended = await c.get(entry('late'));
  assert.equal(ended.status, 409, 'by default entries close with the rally');
  const until = Date.now() + 7 * 86400e3;
  assert.equal((await setDeadline('late', localInput(until))).status, 303);
  const open = await c.get(entry('late'));
  assert.equal(open.status, 200, open.text);
  assert.match(open.text, /応募締切：/);
  assert.equal((await c.postForm(entry('late'), { _csrf: c.csrf, name: '後日 花子' })).status, 303);
  const en = await owner.get(`/console/rallies/late/lottery/${tiers.late}?lang=en`);
  assert.match(en.text, /<p id="entries-close">Entries close: /);
  assert.match(en.text, /Entries are open until .* Drawing now closes them at once/);
  const early = await owner.submit(`/console/rallies/late/lottery/${tiers.late}/draw`, { count: '1' }, `/console/rallies/late/lottery/${tiers.late}`);
  assert.equal(early.status, 409);
  assert.match(early.text, /Tick the confirmation and draw again/);
  await owner.get('/console?lang=ja');
  assert.equal((await setDeadline('late', '')).status, 303, 'emptied: back to the rally\'s end');
  assert.equal(srv.sql(`SELECT entries_until IS NULL FROM reward_tiers WHERE public_id = '${tiers.late}'`), '1');
  assert.equal((await c.get(entry('late'))).status, 200, 'who entered still sees their entry');
  assert.equal((await (await earned('dl')).get(entry('late'))).status, 403, 'a participant of another rally does not');
});
