// Rally day from the organizer's side, in Chromium at desktop size: a draft
// with a spot of every method gets posters per method, is refused at
// publishing while its GPS spot has no position, is previewed by the owner
// and is 404 for everyone else; a live rally keeps who completed completed
// when a spot is added, and a disabled spot leaves the newcomer's card.
// (The early lottery draw's confirmation: lottery.test.mjs; the .xlsx read
// back: tests/http/xlsx.test.mjs.) Screenshots: rallyday-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
const METHODS = { 'QRの門': 'qr', '丘の展望台': 'qr_gps', '海辺の広場': 'gps', '合言葉の碑': 'keyword', '案内所': 'pin', '受付カウンター': 'rotating_qr' };
let srv;
let browser;
let org; // the owner's page
let pw;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  srv.import({ tenant: 'rd', slug: 'day', title: '港の一日ラリー', description: '6つの方法', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: Object.keys(METHODS).map((name) => ({ name, description: `${name}の入口` })) });
  srv.import({ tenant: 'rd', slug: 'live', title: '公開中ラリー', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '北口' }, { name: '南口' }] });
  pw = srv.user('rd', 'rd-owner', 'owner');
  const owner = await srv.staff('rd-owner', pw);
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const id = (n) => srv.sql(`SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'day' AND s.name = '${n}'`);
  for (const [name, m] of Object.entries(METHODS)) {
    if (m === 'qr') continue;
    if (m === 'gps' || m === 'qr_gps') {
      assert.equal((await owner.postForm(`/console/rallies/day/spots/${id(name)}`, { _csrf: t, name, description: `${name}の入口`,
        radius_m: '50', position: '1', latitude: '35.4437', longitude: '139.638' })).status, 303);
    }
    const extra = m === 'keyword' ? { keyword: 'みなと' } : m === 'pin' ? { pin: '2468' } : {};
    assert.equal((await owner.postForm(`/console/rallies/day/spots/${id(name)}/methods`, { _csrf: t, [`m_${m}`]: '1', ...extra })).status, 303, name);
  }
  assert.equal((await owner.postForm('/console/rallies/live/tiers', { _csrf: t, name: '全部で記念品', kind: 'coupon', condition: 'all' })).status, 303);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  org = await ctx.newPage();
  await org.goto(`${srv.base}/console/login`);
  await org.locator('input[name=login]').fill('rd-owner');
  await org.locator('input[name=password]').fill(pw);
  await org.getByRole('button', { name: 'ログイン' }).click();
  await org.waitForURL('**/console');
});
after(async () => { await browser?.close(); await srv?.stop(); });

test('posters follow each spot\'s method: a QR code only where one is scanned', async () => {
  await org.goto(`${srv.base}/console/rallies/day/posters`);
  const posters = await org.locator('section.poster').evaluateAll((els) => els.map((e) => ({
    spot: e.querySelector('h1').textContent, qr: !!e.querySelector('svg.qr'),
    methods: [...e.querySelectorAll('[data-method]')].map((d) => d.getAttribute('data-method')),
    url: e.querySelector('.url')?.textContent || '' })));
  assert.equal(posters.length, 6);
  for (const p of posters) {
    const m = METHODS[p.spot];
    assert.deepEqual(p.methods, [m], p.spot);
    assert.equal(p.qr, ['qr', 'qr_gps', 'gps'].includes(m), `${p.spot}: a QR code only for QR and GPS spots`);
    if (m === 'gps') assert.match(p.url, /\/r\/day\/spots\//, 'a GPS poster links to the spot\'s page');
    if (m === 'qr' || m === 'qr_gps') assert.match(p.url, /\/q\//);
  }
  await org.screenshot({ path: path.join(shots, 'rallyday-1-posters.png'), fullPage: true });
});

test('publishing is refused while the GPS spot has no position, then goes through', async () => {
  const gps = srv.sql("SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'day' AND s.name = '海辺の広場'");
  await org.goto(`${srv.base}/console/rallies/day/spots/${gps}`);
  await org.locator('input[name=latitude]').fill('');
  await org.locator('input[name=longitude]').fill('');
  await org.getByRole('button', { name: '保存する' }).first().click();
  await org.waitForURL('**?saved=1');
  await org.goto(`${srv.base}/console/rallies/day`);
  await org.getByRole('button', { name: '公開する' }).click();
  await org.waitForLoadState('load');
  const check = org.locator('#publish-check');
  assert.match(await check.textContent(), /まだ公開できません/);
  assert.match(await check.textContent(), /GPSで受け付けるスポットに位置（緯度・経度）がありません：海辺の広場/);
  await check.scrollIntoViewIfNeeded();
  await org.screenshot({ path: path.join(shots, 'rallyday-2-publish-refused.png') });
  assert.equal(srv.sql("SELECT status FROM rallies WHERE slug = 'day'"), 'draft');

  // the draft, meanwhile: the owner previews it, nobody else sees it
  await org.goto(`${srv.base}/r/day`);
  assert.match(await org.locator('#preview-banner').textContent(), /プレビュー中の下書きです/);
  await org.screenshot({ path: path.join(shots, 'rallyday-3-preview.png') });
  const stranger = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  assert.equal((await stranger.goto(`${srv.base}/r/day`)).status(), 404);
  await stranger.close();

  await org.goto(`${srv.base}/console/rallies/day/spots/${gps}`);
  await org.locator('input[name=latitude]').fill('35.4437');
  await org.locator('input[name=longitude]').fill('139.638');
  await org.getByRole('button', { name: '保存する' }).first().click();
  await org.waitForURL('**?saved=1');
  await org.goto(`${srv.base}/console/rallies/day`);
  assert.equal(await org.locator('#publish-check').count(), 0);
  await org.getByRole('button', { name: '公開する' }).click();
  await org.waitForURL('**/console/rallies/day?saved=1');
  assert.equal(srv.sql("SELECT status FROM rallies WHERE slug = 'day'"), 'published');
});

test('a spot added to a live rally keeps who completed completed; a disabled spot leaves the newcomer\'s card', async () => {
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  const p = await visitor.newPage();
  await p.goto(`${srv.base}/r/live`);
  await p.getByRole('button', { name: '参加する' }).click();
  for (const t of srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'live'").split('\n')) {
    await p.goto(`${srv.base}/q/${t}`);
    await p.getByRole('button', { name: 'スタンプをもらう' }).click();
    await p.waitForURL('**/result?new=1');
  }
  await p.goto(`${srv.base}/r/live/card`);
  assert.equal(await p.locator('.complete-banner').count(), 1);

  await org.goto(`${srv.base}/console/rallies/live/spots/new`);
  assert.match(await org.locator('#live-notice').textContent(), /すでにコンプリートした 1 人はコンプリートのまま/);
  await org.locator('input[name=name]').fill('東口');
  await org.getByRole('button', { name: '追加する' }).click();
  await org.waitForURL('**/spots/*?saved=1');
  await p.reload();
  assert.equal(await p.locator('.complete-banner').count(), 1, 'still completed with 2 of 3');
  await p.screenshot({ path: path.join(shots, 'rallyday-4-still-complete.png'), fullPage: true });

  await org.goto(`${srv.base}/console/rallies/live`);
  await org.getByRole('link', { name: '南口' }).click();
  await org.getByRole('button', { name: 'このスポットを停止する' }).click();
  await org.waitForURL('**?saved=1');
  assert.match(await org.locator('#spot-life').textContent(), /このスポットは停止中です/);
  await org.locator('#spot-life').scrollIntoViewIfNeeded();
  await org.screenshot({ path: path.join(shots, 'rallyday-5-disabled.png') });

  const newcomer = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  const n = await newcomer.newPage();
  await n.goto(`${srv.base}/r/live`);
  await n.getByRole('button', { name: '参加する' }).click();
  await n.goto(`${srv.base}/r/live/card`);
  const card = await n.content();
  assert.doesNotMatch(card, /南口/, 'the disabled spot is not on the card');
  assert.match(card, /北口/);
  assert.match(card, /東口/);
  assert.match(await n.locator('.progress').first().textContent(), /0 \/ 2/);
  await visitor.close();
  await newcomer.close();
});
