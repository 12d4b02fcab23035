// The organizer's path in Chromium: an owner logs in and creates an editor;
// the editor builds a rally with three spots and an image, sets colours,
// opens the poster page, publishes; a participant collects the stamps on a
// phone; the dashboard shows them; the CSV downloads. Screenshots land in
// tests/browser/screenshots/console-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { PNG_1x1 } from '../http/fixtures.mjs';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
let srv;
let browser;
let ownerPw;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  srv.import({ tenant: 'kanko', tenant_name: '港町観光協会', slug: 'kanko-old', title: 'Old', description: 'x',
    starts_at: '2020-01-01T00:00:00Z', ends_at: '2021-01-01T00:00:00Z', status: 'closed', spots: [{ name: 'A' }] });
  ownerPw = srv.user('kanko', 'kanko-owner', 'owner');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); await srv?.stop(); });

const shot = (page, name) => page.screenshot({ path: path.join(shots, `console-${name}.png`), fullPage: true });

async function login(page, login, password) {
  await page.goto(`${srv.base}/console/login`);
  await page.getByLabel('ログインID').fill(login);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL('**/console');
}

test('from login to a published rally, posters, stamps, dashboard and CSV', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'ja-JP', acceptDownloads: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('response', (res) => { if (res.status() >= 400) errors.push(`${res.status()} ${res.url()}`); });

  // The owner creates an editor.
  await login(page, 'kanko-owner', ownerPw);
  await page.getByRole('link', { name: 'スタッフアカウント' }).click();
  await page.locator('form[action="/console/users"] input[name=login]').fill('kanko-editor');
  await page.locator('form[action="/console/users"] select[name=role]').selectOption('editor');
  await page.getByRole('button', { name: '追加する' }).click();
  const pw = await page.locator('code.secret').textContent();
  await shot(page, '1-user-created');
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await page.waitForURL('**/console/login');

  // The editor builds the rally.
  await login(page, 'kanko-editor', pw);
  await page.getByRole('link', { name: '新しいラリーを作る' }).click();
  await page.locator('input[name=slug]').fill('port-walk');
  await page.locator('input[name=title]').fill('港町ぐるっとスタンプラリー');
  await page.locator('textarea[name=description]').fill('3つのスポットをめぐってスタンプを集めよう。');
  await page.locator('input[name=starts_at]').fill('2024-04-01T10:00');
  await page.locator('input[name=ends_at]').fill('2099-03-31T17:00');
  await page.locator('input[name=primary]').fill('#1565c0');
  await page.locator('input[name=accent]').fill('#ffb300');
  await page.getByRole('button', { name: '下書きとして作成' }).click();
  await page.waitForURL('**/console/rallies/port-walk');
  await page.locator('form[action$="/cover"] input[type=file]').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: PNG_1x1 });
  await page.locator('form[action$="/cover"] button').click();
  await page.waitForURL('**/console/rallies/port-walk?saved=1');
  for (const [name, lat] of [['灯台', '35.44'], ['赤レンガ倉庫', '35.45'], ['朝市広場', '35.46']]) {
    await page.getByRole('link', { name: 'スポットを追加' }).click();
    await page.locator('input[name=name]').fill(name);
    await page.locator('textarea[name=description]').fill(`${name}のQRコードは入口にあります。`);
    await page.locator('input[name=latitude]').fill(lat);
    await page.locator('input[name=longitude]').fill('139.63');
    await page.getByRole('button', { name: '追加する' }).click();
    await page.waitForURL('**/spots/*?saved=1');
    await page.getByRole('link', { name: '港町ぐるっとスタンプラリー' }).click();
  }
  await shot(page, '2-rally-editor');
  await page.goto(`${srv.base}/console/rallies/port-walk/posters`);
  assert.equal(await page.locator('section.poster').count(), 3);
  await page.emulateMedia({ media: 'print' });
  await shot(page, '3-posters');
  await page.emulateMedia({ media: 'screen' });
  await page.goto(`${srv.base}/console/rallies/port-walk`);
  await page.getByRole('button', { name: '公開する' }).click();
  await page.waitForURL('**/console/rallies/port-walk?saved=1');
  assert.match(await page.locator('.status').first().textContent(), /公開中/);

  // A participant collects every stamp on a phone.
  const urls = await page.evaluate(async () => {
    const html = await (await fetch('/console/rallies/port-walk/posters')).text();
    return [...html.matchAll(/<p class="url">([^<]+)<\/p>/g)].map((m) => m[1]);
  });
  assert.equal(urls.length, 3);
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP' });
  const p = await phone.newPage();
  await p.goto(`${srv.base}/r/port-walk`);
  await p.getByRole('button', { name: '参加する' }).click();
  for (const u of urls) {
    await p.goto(u);
    await p.getByRole('button', { name: 'スタンプをもらう' }).click();
    await p.waitForURL('**/result?new=1');
  }
  await p.goto(`${srv.base}/r/port-walk/card`);
  assert.match(await p.locator('.progress').textContent(), /3 \/ 3/);
  await p.screenshot({ path: path.join(shots, 'console-4-participant-card.png'), fullPage: true });
  const primary = await p.evaluate(() => getComputedStyle(document.querySelector('.top')).backgroundColor);
  assert.equal(primary, 'rgb(21, 101, 192)', 'the theme colour reaches the participant page');
  await phone.close();

  // The dashboard shows them; the CSV downloads.
  await page.goto(`${srv.base}/console/rallies/port-walk/dashboard`);
  assert.match(await page.locator('.kpi').nth(1).textContent(), /3/);
  assert.match(await page.locator('.kpi').nth(2).textContent(), /1/);
  await shot(page, '5-dashboard');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'スタンプ履歴CSV' }).click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  assert.equal(download.suggestedFilename(), 'port-walk-stamps.csv');
  assert.equal(csv.trim().split('\r\n').length, 4);
  assert.deepEqual(errors, []);
  await ctx.close();
});
