// Excel downloads beside the CSV files: real date cells in Japan time, text
// kept as text (a phone number keeps its 0, nothing runs as a formula),
// methods and age bands as words in the page's language, the header frozen,
// columns sized. The workbook is read back with tests/tools/xlsx2json.py.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, startServer } from './helpers.mjs';

let srv;
let owner;
let csrf;
let tier;
let tmp;

before(async () => {
  srv = await startServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xlsx-'));
  srv.import({ tenant: 'xl', slug: 'xl', title: 'XL', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '=1+1' }, { name: '合言葉の碑' }] });
  owner = await srv.staff('xl-owner', srv.user('xl', 'xl-owner', 'owner'));
  csrf = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const kw = srv.sql("SELECT public_id FROM spots WHERE name = '合言葉の碑'");
  assert.equal((await owner.postForm(`/console/rallies/xl/spots/${kw}/methods`, { _csrf: csrf, m_keyword: '1', keyword: 'みなと' })).status, 303);
  assert.equal((await owner.postForm('/console/rallies/xl/tiers', { _csrf: csrf, name: '抽選', kind: 'lottery', condition: 'all',
    ask_name: 'required', ask_kana: 'no', ask_postal: 'required', ask_address: 'no', ask_phone: 'required', ask_email: 'no',
    ask_age: 'required', ask_q1: 'no', ask_q2: 'no', ask_q3: 'no' })).status, 303);
  tier = srv.sql("SELECT public_id FROM reward_tiers WHERE name = '抽選'");
  const c = srv.client();
  assert.equal((await c.postJson('/api/v1/rallies/xl/join')).status, 201);
  assert.equal((await c.postJson('/api/v1/stamps', { qr_token: srv.sql("SELECT qr_token FROM spots WHERE name = '=1+1'") })).status, 201);
  assert.equal((await c.postJson('/api/v1/stamps', { spot_id: kw, method: 'keyword', keyword: 'ミナト' })).status, 201);
  const t = await c.csrfFrom('/recover');
  const entry = await c.postForm(`/r/xl/lottery/${tier}`, { _csrf: t, name: '表計算 花子', postal: '1000001', phone: '03-1234-5678', age: '30s' });
  assert.equal(entry.status, 303, entry.text.slice(0, 300));
});
after(async () => { await srv.stop(); fs.rmSync(tmp, { recursive: true, force: true }); });

/** Download path as a workbook and read its first sheet. */
async function workbook(p) {
  const r = await owner.get(p);
  assert.equal(r.status, 200, p);
  assert.equal(r.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(r.headers['content-disposition'], /^attachment; filename="xl-[a-z]+\.xlsx"$/);
  assert.deepEqual([...r.raw.subarray(0, 2)], [0x50, 0x4b], 'a zip file');
  const file = path.join(tmp, `${path.basename(p)}`);
  fs.writeFileSync(file, r.raw);
  const out = spawnSync('/usr/bin/python3', [path.join(ROOT, 'tests/tools/xlsx2json.py'), file], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
}
const jst = (ms) => new Date(Number(ms) + 9 * 3600e3).toISOString().replace(/^(\d+)-(\d+)-(\d+)T([\d:]+)\..*$/, '$1/$2/$3 $4');

test('participants: dates are date cells in Japan time, counts are numbers, the header is frozen', async () => {
  const dash = (await owner.get('/console/rallies/xl/dashboard')).text;
  for (const what of ['participants', 'stamps', 'rewards']) assert.match(dash, new RegExp(`href="/console/rallies/xl/export/${what}.xlsx"`));
  const w = await workbook('/console/rallies/xl/export/participants.xlsx');
  assert.deepEqual(w.rows[0], [['s', '参加者ID'], ['s', '参加日時'], ['s', 'スタンプ数'], ['s', 'コンプリート日時']]);
  assert.equal(w.frozen, 1);
  assert.equal(w.widths.length, 4);
  assert.ok(w.widths[1] >= 19, 'a date column fits yyyy/mm/dd hh:mm:ss');
  const [id, joined, completed] = srv.sql("SELECT p.public_id, p.created_at, p.completed_at FROM participants p JOIN rallies r ON r.id = p.rally_id WHERE r.slug = 'xl'").split('|');
  assert.deepEqual(w.rows[1], [['s', id], ['d', jst(joined)], ['n', 2], ['d', jst(completed)]]);
});

test('stamps: the method in words, a spot name that looks like a formula stays text', async () => {
  const w = await workbook('/console/rallies/xl/export/stamps.xlsx');
  assert.deepEqual(w.rows.slice(1).map((r) => [r[0][0], r[2], r[3]]),
    [['d', ['s', '=1+1'], ['s', 'QRコード']], ['d', ['s', '合言葉の碑'], ['s', 'キーワード']]]);
  const en = await workbook('/console/rallies/xl/export/stamps.xlsx?lang=en');
  assert.deepEqual(en.rows[0].map((c) => c[1]), ['time', 'participant', 'spot', 'method']);
  assert.deepEqual(en.rows.slice(1).map((r) => r[3][1]), ['QR code', 'Keyword']);
  await owner.get('/console?lang=ja');
});

test('lottery entries: the phone number and postal code as text, the age band in words', async () => {
  const w = await workbook(`/console/rallies/xl/lottery/${tier}/entries.xlsx`);
  assert.deepEqual(w.rows[0].map((c) => c[1]), ['応募番号', '応募日時', '参加者ID', '当選順位', 'お名前', '郵便番号', '電話番号', '年代']);
  const row = w.rows[1];
  assert.deepEqual(row[0], ['n', 1]);
  assert.equal(row[1][0], 'd');
  assert.equal(row[3], null, 'not drawn: empty');
  assert.deepEqual(row.slice(4), [['s', '表計算 花子'], ['s', '100-0001'], ['s', '0312345678'], ['s', '30代']]);
  assert.match(srv.sql("SELECT detail FROM security_events WHERE kind = 'export' ORDER BY id DESC LIMIT 1"), /"what":"entries".*"format":"xlsx"|"format":"xlsx".*"what":"entries"/);
});

test('the CSV beside it: the same words and times', async () => {
  const csv = (await owner.get('/console/rallies/xl/export/stamps.csv')).text;
  assert.match(csv, /\r\n\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d,[^,]+,"'=1\+1",QRコード\r\n/);
  const audit = await workbook('/console/audit.xlsx');
  assert.deepEqual(audit.rows[0].map((c) => c[1]), ['番号', '日時', '種類', 'アカウント', 'アドレス', '内容']);
  assert.ok(audit.rows.slice(1).every((r) => r[0][0] === 'n' && r[1][0] === 'd'));
});
