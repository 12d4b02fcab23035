// Lottery: the organizer's entry form, validation, one entry per participant,
// personal data sealed at rest (grep the raw database files) and readable in
// the admins' export, the draw recomputed independently from its stored seed,
// winners CSV, and the data key rotation command.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { cli, startServer } from './helpers.mjs';

let srv;
let owner;
let tier;
let tokens;
const NAME = '抽選山田花子';
const EMAIL = 'hanako.lottery@example.jp';

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'lt', slug: 'lotto', title: 'Lotto', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'S1' }, { name: 'S2' }] });
  owner = await srv.staff('lt-owner', srv.user('lt', 'lt-owner', 'owner'));
  const form = {
    name: '抽選でペア宿泊券', kind: 'lottery', condition: 'all', ask_name: 'required', ask_kana: 'optional',
    ask_postal: 'required', ask_address: 'required', ask_phone: 'required', ask_email: 'required', ask_age: 'optional',
    label_q1: 'どこで<知りましたか>', ask_q1: 'optional', ask_q2: 'no', ask_q3: 'no',
  };
  const bad = await owner.submit('/console/rallies/lotto/tiers', { ...form, ask_q2: 'required' }, '/console');
  assert.equal(bad.status, 422, 'a free question needs its wording');
  assert.equal((await owner.submit('/console/rallies/lotto/tiers', form)).status, 303);
  tier = srv.sql("SELECT t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = 'lotto'");
  tokens = srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'lotto' ORDER BY s.position").split('\n');
});
after(async () => { await srv.stop(); });

/** A participant with n stamps and a CSRF token for forms. */
async function participant(n = 2) {
  const c = srv.client();
  await c.postJson('/api/v1/rallies/lotto/join');
  for (const t of tokens.slice(0, n)) assert.equal((await c.postJson('/api/v1/stamps', { qr_token: t })).status, 201);
  c.csrf = await c.csrfFrom('/recover');
  return c;
}
const url = () => `/r/lotto/lottery/${tier}`;
const good = (over = {}) => ({
  name: NAME, kana: 'やまだ はなこ', postal: '１００－０００１', address: '東京都千代田区千代田1-1', phone: '０３－１２３４－５６７８',
  email: EMAIL, age: '30s', q1: 'ポスター', ...over,
});
const enter = (c, fields) => c.postForm(url(), { _csrf: c.csrf, ...fields });

/** The raw bytes of the database and its WAL, as one string. */
function rawStore() {
  return ['stamprally.db', 'stamprally.db-wal'].map((f) => path.join(srv.data, f)).filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f).toString('latin1')).join('');
}
const latin1 = (s) => Buffer.from(s, 'utf8').toString('latin1');

/** The draw, recomputed here from the seed with node's own ChaCha20 (docs/lottery.md). */
function recompute(seedHex, candidates, k) {
  const c = [...candidates];
  const cipher = crypto.createCipheriv('chacha20', Buffer.from(seedHex, 'hex'), Buffer.alloc(16));
  let block = Buffer.alloc(0);
  let pos = 0;
  const word = () => {
    if (pos + 4 > block.length) { block = cipher.update(Buffer.alloc(64)); pos = 0; }
    const w = block.readUInt32LE(pos); pos += 4; return w;
  };
  const uniform = (m) => { const limit = 2 ** 32 - (2 ** 32 % m); for (;;) { const x = word(); if (x < limit) return x % m; } };
  for (let i = 0; i < k; i++) { const j = i + uniform(c.length - i); [c[i], c[j]] = [c[j], c[i]]; }
  return c.slice(0, k);
}

describe('entries', () => {
  test('the organizer can change the form until the first entry', async () => {
    const edit = (await owner.get('/console/rallies/lotto')).text;
    assert.match(edit, /name="label_q1" value="どこで&lt;知りましたか&gt;"/, 'the edit form shows the current wording');
    const r = await owner.submit(`/console/rallies/lotto/tiers/${tier}`, {
      name: '抽選でペア宿泊券', ask_name: 'required', ask_kana: 'optional', ask_postal: 'required', ask_address: 'required',
      ask_phone: 'required', ask_email: 'required', ask_age: 'optional', ask_q1: 'optional', label_q1: 'どこで<知りましたか>',
      ask_q2: 'optional', label_q2: 'ご意見', ask_q3: 'no' });
    assert.equal(r.status, 303);
    assert.match(srv.sql(`SELECT form FROM reward_tiers WHERE public_id = '${tier}'`), /"q2":\{"label":"ご意見","required":false\}/);
  });

  test('the form opens only once the tier is earned; the card links to it', async () => {
    const c = await participant(1);
    assert.equal((await c.get(url())).status, 409);
    await c.postJson('/api/v1/stamps', { qr_token: tokens[1] });
    const card = await c.get('/r/lotto/card');
    assert.match(card.text, new RegExp(`href="/r/lotto/lottery/${tier}"`));
    const page = await c.get(url());
    assert.equal(page.status, 200);
    assert.match(page.text, /autocomplete="postal-code"/);
    assert.match(page.text, /どこで&lt;知りましたか&gt;/, "the organizer's question is escaped");
    assert.equal((await srv.client().get(url())).status, 403, 'not joined');
  });

  test('each field is validated; the page says what is wrong and nothing is stored', async () => {
    const c = await participant();
    const r = await enter(c, good({ name: '', kana: 'Yamada', postal: '12-345', phone: '12345', email: 'a@b', age: 'old',
      address: '<b>x</b>' }));
    assert.equal(r.status, 422);
    assert.match(r.text, /入力してください。/);
    assert.match(r.text, /カタカナかひらがなで/);
    assert.match(r.text, /郵便番号は 7 桁/);
    assert.match(r.text, /0 から始まる 10 桁か 11 桁/);
    assert.match(r.text, /メールアドレスの形式/);
    assert.match(r.text, /一覧から選んでください/);
    assert.match(r.text, /value="&lt;b&gt;x&lt;\/b&gt;"/, 'what was typed comes back, escaped');
    assert.equal(srv.sql('SELECT count(*) FROM lottery_entries'), '0');
    const en = await c.postForm(url(), { _csrf: c.csrf, ...good({ email: 'x' }) }, { headers: { 'Accept-Language': 'en' } });
    assert.match(en.text, /Please check the e-mail address/);
  });

  test('one entry per participant; answers normalised and sealed, never in the database file', async () => {
    const c = await participant();
    const r = await enter(c, good());
    assert.equal(r.status, 303);
    const page = await c.get(r.headers.location);
    assert.match(page.text, /応募を受け付けました/);
    const number = page.text.match(/応募番号 <strong>(\d+)<\/strong>/)[1];
    const again = await enter(c, good({ name: '別の名前' }));
    assert.equal(again.status, 303);
    assert.equal(srv.sql(`SELECT count(*) FROM lottery_entries e JOIN participants p ON p.id = e.participant_id
      WHERE e.number = ${number}`), '1');
    assert.equal(srv.sql('SELECT count(*) FROM lottery_entries'), '1', 'the second entry wrote nothing');
    assert.match((await c.get('/r/lotto/card')).text, /応募済み/);
    const raw = rawStore();
    for (const secret of [NAME, EMAIL, '0312345678', '東京都千代田区']) {
      assert.ok(!raw.includes(latin1(secret)), `${secret} must not be in the database files`);
    }
    assert.ok(!srv.stderr.includes(NAME) && !srv.stderr.includes(EMAIL), 'nor in the log');
  });
});

describe('the organizer', () => {
  test('once there are entries the form no longer changes', async () => {
    const r = await owner.submit(`/console/rallies/lotto/tiers/${tier}`, { name: '抽選でペア宿泊券', ask_name: 'optional' });
    assert.equal(r.status, 409);
    assert.match(r.text, /応募があるため/);
    assert.match((await owner.get('/console/rallies/lotto')).text, /応募があるため、応募フォームは変更できません/);
    assert.equal((await owner.submit(`/console/rallies/lotto/tiers/${tier}`, { name: '抽選でペア宿泊券（改）' })).status, 303,
      'the name still can');
    assert.equal(srv.sql(`SELECT name FROM reward_tiers WHERE public_id = '${tier}'`), '抽選でペア宿泊券（改）');
  });

  test('admins export the entries in clear; each download is logged; others are refused', async () => {
    const csv = await owner.get(`/console/rallies/lotto/lottery/${tier}/entries.csv`);
    assert.equal(csv.status, 200);
    const rows = parse(csv.raw.toString('utf8').replace(/^\uFEFF/, ''), { columns: true });
    const me = rows.find((x) => x['お名前'] === NAME);
    assert.ok(me, csv.text);
    assert.equal(me['郵便番号'], '100-0001');
    assert.equal(me['電話番号'], '0312345678');
    assert.equal(me['フリガナ'], 'ヤマダ　ハナコ'.replace('　', ' '));
    assert.equal(me['メールアドレス'], EMAIL);
    assert.equal(me['年代'], '30代', 'the age band as words');
    assert.equal(me['どこで<知りましたか>'], 'ポスター');
    assert.match(srv.sql("SELECT detail FROM security_events WHERE kind = 'export' ORDER BY id DESC LIMIT 1"), /"what":"entries"/);
    const editor = await srv.staff('lt-editor', srv.user('lt', 'lt-editor', 'editor'));
    assert.equal((await editor.get(`/console/rallies/lotto/lottery/${tier}/entries.csv`)).status, 403);
    assert.equal((await editor.get(`/console/rallies/lotto/lottery/${tier}`)).status, 403);
    srv.import({ tenant: 'other', slug: 'other-lotto', title: 'O', description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'S' }] });
    const stranger = await srv.staff('other-owner', srv.user('other', 'other-owner', 'owner'));
    assert.equal((await stranger.get(`/console/rallies/lotto/lottery/${tier}/entries.csv`)).status, 404);
  });

  test('the draw is recorded with its seed and recomputes to the same winners', async () => {
    const entrants = [];
    for (let i = 0; i < 11; i++) {
      const c = await participant();
      assert.equal((await enter(c, good({ name: `応募者${i}`, email: `p${i}@example.jp` }))).status, 303);
      entrants.push(c);
    }
    const dash = (await owner.get('/console/rallies/lotto/dashboard')).text;
    assert.match(dash, /抽選に応募<\/text><rect [^>]*\/><text [^>]*>12<\/text>/, 'the funnel ends with the 12 entrants');
    assert.match(dash, /<td>抽選でペア宿泊券（改）<\/td><td>抽選<\/td><td>12<\/td>/, 'the tier with its entries');
    const base = `/console/rallies/lotto/lottery/${tier}`;
    assert.equal((await owner.submit(`${base}/draw`, { count: '0' })).status, 422);
    const console = await owner.get(base);
    assert.match(console.text, /<p id="entries-close">応募締切：2099年01月01日 09:00 （ラリーの終了日時）<\/p>/);
    assert.match(console.text, /id="draw-early"/);
    const early = await owner.submit(`${base}/draw`, { count: '5' });
    assert.equal(early.status, 409, 'a draw before the deadline asks first');
    assert.match(early.text, /応募の締切（2099年01月01日 09:00）より前の抽選です/);
    assert.equal(srv.sql('SELECT count(*) FROM lottery_draws'), '0');
    const r = await owner.submit(`${base}/draw`, { count: '5', early: '1' });
    assert.equal(r.status, 303);
    const page = await owner.get(r.headers.location);
    assert.match(page.text, /同じ当選者になることを確認しました/);
    const [seed, cands, wins] = srv.sql('SELECT seed, candidates, winners FROM lottery_draws').split('|');
    const candidates = cands.split(',').map(Number);
    assert.equal(candidates.length, 12);
    assert.deepEqual(recompute(seed, candidates, 5), wins.split(',').map(Number));
    assert.match(page.text, new RegExp(seed));

    const winners = parse((await owner.get(`${r.headers.location}/winners.csv`)).raw.toString('utf8').replace(/^\uFEFF/, ''));
    assert.deepEqual(winners.slice(1).map((x) => Number(x[1])), wins.split(',').map(Number));
    assert.deepEqual(winners.slice(1).map((x) => x[0]), ['1', '2', '3', '4', '5']);
    assert.ok(winners.slice(1).every((x) => x[4].length > 0), 'winners come with their names');

    for (const c of entrants) { // each participant is told the result on the lottery page
      const mine = await c.get(url());
      const n = Number(mine.text.match(/応募番号 <strong>(\d+)<\/strong>/)[1]);
      assert.match(mine.text, wins.split(',').map(Number).includes(n) ? /当選しました/ : /今回は当選しませんでした/);
    }
    const late = await participant();
    assert.equal((await late.get(url())).status, 409, 'entries close with the first draw');
    assert.match((await owner.get(base)).text, /抽選を行ったため、応募は締め切られています/);
    assert.doesNotMatch((await owner.get(base)).text, /id="draw-early"/);

    const second = await owner.submit(`${base}/draw`, { count: '100' });
    assert.equal(second.status, 303);
    const rows = srv.sql('SELECT winners FROM lottery_draws ORDER BY id').split('\n');
    const all = rows.flatMap((x) => x.split(',').map(Number));
    assert.equal(all.length, 12, 'the second draw takes the 7 left');
    assert.equal(new Set(all).size, 12, 'nobody wins twice');
    assert.equal((await owner.submit(`${base}/draw`, { count: '1' })).status, 409, 'nobody left');
  });

  test('a changed record no longer recomputes', async () => {
    const id = srv.sql('SELECT min(id) FROM lottery_draws');
    const w = srv.sql(`SELECT winners FROM lottery_draws WHERE id = ${id}`).split(',');
    [w[0], w[1]] = [w[1], w[0]];
    srv.sqlWrite(`UPDATE lottery_draws SET winners = '${w.join(',')}' WHERE id = ${id}`);
    const pid = srv.sql(`SELECT public_id FROM lottery_draws WHERE id = ${id}`);
    const page = await owner.get(`/console/rallies/lotto/lottery/${tier}/draws/${pid}`);
    assert.match(page.text, /一致しません/);
  });
});

describe('key rotation', () => {
  test('every sealed value moves to a new key; the old key no longer opens anything', async () => {
    const keyFile = path.join(srv.data, 'data.key');
    const before = fs.readFileSync(keyFile);
    const running = cli(['key', 'rotate', '--data', srv.data]);
    assert.equal(running.status, 1, 'refused while the service runs');
    assert.match(running.stderr, /stop it/);
    await srv.stop();

    fs.writeFileSync(keyFile, crypto.randomBytes(32));
    const wrong = cli(['key', 'rotate', '--data', srv.data]);
    assert.equal(wrong.status, 1, 'a wrong key changes nothing');
    assert.match(wrong.stderr, /neither key/);
    fs.writeFileSync(keyFile, before);
    fs.rmSync(`${keyFile}.new`, { force: true });

    const sealedBefore = srv.sql('SELECT sealed FROM lottery_entries ORDER BY id LIMIT 1');
    const r = cli(['key', 'rotate', '--data', srv.data]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out.resealed >= 12, r.stdout);
    assert.ok(!fs.readFileSync(keyFile).equals(before), 'a new key file');
    assert.ok(!fs.existsSync(`${keyFile}.new`));
    assert.notEqual(srv.sql('SELECT sealed FROM lottery_entries ORDER BY id LIMIT 1'), sealedBefore);
    assert.equal(srv.sql("SELECT detail FROM security_events WHERE kind = 'data_key_rotated'"), `{"resealed":${out.resealed}}`,
      'the rotation is in the audit log');

    await srv.start();
    owner = await srv.staff('lt-owner2', srv.user('lt', 'lt-owner2', 'owner'));
    const csv = await owner.get(`/console/rallies/lotto/lottery/${tier}/entries.csv`);
    assert.match(csv.text, new RegExp(NAME), 'readable under the new key');
    const c = await participant();
    assert.match((await c.get('/r/lotto/card')).text, /<code>[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}<\/code>/, 'recovery codes still open');
  });
});

describe('an interrupted key rotation', () => {
  test('after a crash between the commit and the rename, the server still opens everything and a rerun finishes', async () => {
    const keyFile = path.join(srv.data, 'data.key');
    await srv.stop();
    const k1 = fs.readFileSync(keyFile);
    assert.equal(cli(['key', 'rotate', '--data', srv.data]).status, 0);
    const k2 = fs.readFileSync(keyFile);
    // the state a crash after the commit leaves: values under k2, data.key still k1, k2 in data.key.new
    fs.writeFileSync(`${keyFile}.new`, k2);
    fs.writeFileSync(keyFile, k1);
    await srv.start();
    assert.match(srv.stderr, /unfinished data key rotation/);
    let csv = await owner.get(`/console/rallies/lotto/lottery/${tier}/entries.csv`);
    assert.match(csv.text, new RegExp(NAME));
    await srv.stop();
    const r = cli(['key', 'rotate', '--data', srv.data]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.readFileSync(keyFile).equals(k2), 'the rerun finishes with the key it had started');
    assert.ok(!fs.existsSync(`${keyFile}.new`));
    await srv.start();
    csv = await owner.get(`/console/rallies/lotto/lottery/${tier}/entries.csv`);
    assert.match(csv.text, new RegExp(NAME));
  });
});

describe('a wrong data key', () => {
  test('the export says which entries do not open instead of leaving them blank', async () => {
    const keyFile = path.join(srv.data, 'data.key');
    const good = fs.readFileSync(keyFile);
    await srv.stop();
    fs.writeFileSync(keyFile, crypto.randomBytes(32));
    await srv.start();
    const csv = await owner.get(`/console/rallies/lotto/lottery/${tier}/entries.csv`);
    assert.match(csv.text, /復号できません/);
    assert.doesNotMatch(csv.text, new RegExp(NAME));
    await srv.stop();
    fs.writeFileSync(keyFile, good);
    await srv.start();
    assert.match((await owner.get(`/console/rallies/lotto/lottery/${tier}/entries.csv`)).text, new RegExp(NAME));
  });
});
