// LINE Login in Chromium against the loopback LINE double: the organizer
// sets the channel and "LINE required" in the console; a participant joins
// through the redirects and collects a stamp. Screenshots: line-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startLineDouble } from '../line-double/double.mjs';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
const CHANNEL = '1656000002';
const SECRET = 'b8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3';
let srv;
let line;
let browser;
let ownerPw;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  line = await startLineDouble({ channelId: CHANNEL, secret: SECRET });
  srv = await startServer({ env: { STAMPRALLY_LINE_AUTH_BASE: line.base, STAMPRALLY_LINE_API_BASE: line.base } });
  srv.import({ tenant: 'kanko', slug: 'line-walk', title: 'LINEで参加するラリー', description: 'LINEログインが必要です。',
    starts_at: '2020-01-01T00:00:00Z', ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '港の見える丘' }] });
  ownerPw = srv.user('kanko', 'kanko-line-owner', 'owner');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); await srv?.stop(); await line?.stop(); });

test('a LINE-required rally works end to end in the browser', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 800 }, locale: 'ja-JP' });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/console/login`);
  await page.getByLabel('ログインID').fill('kanko-line-owner');
  await page.getByLabel('パスワード').fill(ownerPw);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByRole('link', { name: 'LINE設定' }).click();
  await page.getByLabel('チャネルID').fill(CHANNEL);
  await page.getByLabel('チャネルシークレット').fill(SECRET);
  await page.getByRole('button', { name: '保存する' }).click();
  await page.waitForURL('**/console/line?saved=1');
  assert.ok(!(await page.content()).includes(SECRET), 'the secret is not shown again');
  await page.screenshot({ path: path.join(shots, 'line-1-settings.png'), fullPage: true });
  await page.goto(`${srv.base}/console/rallies/line-walk`);
  await page.locator('select[name=join_policy]').selectOption('line_required');
  await page.locator('form[action$="/join-policy"] button').click();
  await page.waitForURL('**/console/rallies/line-walk?saved=1');
  await ctx.close();

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP' });
  const p = await phone.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`${srv.base}/r/line-walk`);
  assert.equal(await p.locator('form[action="/r/line-walk/join"]').count(), 0, 'no anonymous join');
  await p.screenshot({ path: path.join(shots, 'line-2-rally.png'), fullPage: true });
  await p.getByRole('link', { name: 'LINEでログインして参加' }).click();
  await p.waitForURL('**/r/line-walk/card');
  assert.equal(line.authorizeRequests.length, 1, 'went through LINE');
  assert.match(await p.locator('.progress').textContent(), /0 \/ 1/);
  const token = srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'line-walk'");
  await p.goto(`${srv.base}/q/${token}`);
  await p.getByRole('button', { name: 'スタンプをもらう' }).click();
  await p.waitForURL('**/result?new=1');
  await p.goto(`${srv.base}/r/line-walk`);
  assert.match(await p.content(), /LINE 太郎 さんとしてLINEでログイン中/);
  await p.screenshot({ path: path.join(shots, 'line-3-joined.png'), fullPage: true });
  assert.equal(srv.sql("SELECT count(*) FROM participants WHERE line_sub IS NOT NULL"), '1');
  assert.deepEqual(errors, []);
  await phone.close();
});
