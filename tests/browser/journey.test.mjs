// The participant's journey in real Debian Chromium at a phone viewport:
// rally page → join → QR page → stamp → card → completion, with screenshots
// saved in tests/browser/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
let srv;
let browser;
let demo;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  // The demo rally was seeded on first start; `demo` reports its QR URLs.
  const { cli } = await import('../http/helpers.mjs');
  demo = JSON.parse(cli(['demo', '--data', srv.data], { STAMPRALLY_SERVER_PUBLIC_URL: srv.base }).stdout);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); await srv?.stop(); });

test('collect every demo stamp on a phone', async () => {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'ja-JP',
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(`${srv.base}/r/minato-walk`);
  assert.equal(await page.locator('h1').textContent(), 'みなと町 さんぽスタンプラリー');
  await page.screenshot({ path: path.join(shots, '1-rally.png'), fullPage: true });
  await page.getByRole('button', { name: '参加する' }).click();
  await page.waitForURL('**/r/minato-walk/card');
  assert.match(await page.locator('.progress').textContent(), /0 \/ 5/);
  await page.screenshot({ path: path.join(shots, '2-card-empty.png'), fullPage: true });

  for (let i = 0; i < demo.spots.length; i++) {
    const spot = demo.spots[i];
    await page.goto(spot.qr_url);
    assert.equal(await page.locator('h1').textContent(), spot.name);
    if (i === 0) await page.screenshot({ path: path.join(shots, '3-qr.png'), fullPage: true });
    await page.getByRole('button', { name: 'スタンプをもらう' }).click();
    await page.waitForURL('**/result?new=1');
    assert.equal(await page.locator('h1').textContent(), 'スタンプを獲得しました！');
    assert.match(await page.locator('.progress').textContent(), new RegExp(`${i + 1} / 5`));
    // the demo's coupon is for three stamps: announced on the third, not before
    const ready = page.locator('#rewards-ready');
    if (i < 2) assert.equal(await ready.count(), 0, `stamp ${i + 1}: nothing earned yet`);
    if (i === 2) {
      assert.equal(await ready.getByRole('heading').textContent(), '特典を獲得しました');
      assert.equal(await ready.locator('li strong').textContent(), 'みなと珈琲 ドリンク1杯無料');
      assert.equal(await ready.locator('li .hint').textContent(), 'クーポンを受け取れます。');
      assert.ok(await ready.getByRole('link', { name: '受け取る' }).isVisible());
      await page.screenshot({ path: path.join(shots, '4b-result-coupon.png'), fullPage: true });
    }
    if (i === 0) {
      await page.waitForTimeout(700); // let the stamp animation finish
      await page.screenshot({ path: path.join(shots, '4-result.png'), fullPage: true });
    }
  }
  await page.screenshot({ path: path.join(shots, '5-result-last.png'), fullPage: true });
  await page.getByRole('link', { name: 'コンプリートおめでとうございます！' }).click();
  await page.waitForURL('**/r/minato-walk/complete');
  assert.equal(await page.locator('h1').textContent(), 'コンプリート！');
  await page.screenshot({ path: path.join(shots, '6-complete.png'), fullPage: true });

  await page.goto(`${srv.base}/r/minato-walk/card`);
  assert.equal(await page.locator('.cell.got').count(), 5);
  await page.screenshot({ path: path.join(shots, '7-card-full.png'), fullPage: true });

  await page.locator('details.langs summary').click();
  await page.getByRole('link', { name: 'English' }).click();
  assert.match(await page.locator('.progress').textContent(), /5 of 5 collected/);
  await page.screenshot({ path: path.join(shots, '8-card-en.png'), fullPage: true });

  // No horizontal scrolling at phone width.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  assert.deepEqual(errors, [], 'no script or CSP errors in the console');
  await ctx.close();
});
