// A coupon in Chromium at phone size: earned, shown with a running clock
// (it changes while we look), redeemed by staff typing the desk PIN.
// Screenshots: coupon-*.png.
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

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  srv.import({ tenant: 'cp', slug: 'cafe-walk', title: 'カフェめぐり', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '喫茶 港' }, { name: '珈琲 丘' }] });
  const owner = await srv.staff('cp-owner', srv.user('cp', 'cp-owner', 'owner'));
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal((await owner.postForm('/console/rallies/cafe-walk/tiers', { _csrf: t, name: 'ドリンク1杯無料', kind: 'coupon', condition: 'all' })).status, 303);
  assert.equal((await owner.postForm('/console/rallies/cafe-walk/desk-pin', { _csrf: t, desk_pin: '135790' })).status, 303);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); await srv?.stop(); });

/** Join on page p, collect both stamps, take the coupon; p ends on the coupon's page. */
async function earnCoupon(p) {
  await p.goto(`${srv.base}/r/cafe-walk`);
  await p.getByRole('button', { name: '参加する' }).click();
  for (const t of srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'cafe-walk'").split('\n')) {
    await p.goto(`${srv.base}/q/${t}`);
    await p.getByRole('button', { name: 'スタンプをもらう' }).click();
    await p.waitForURL('**/result?new=1');
  }
  await p.goto(`${srv.base}/r/cafe-walk/card`);
  await p.getByRole('button', { name: '受け取る' }).click();
  await p.waitForURL('**/rewards/*');
}

test('earn, show with a live clock, redeem with the desk PIN', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP' });
  const p = await ctx.newPage();
  await earnCoupon(p);
  const first = await p.locator('[data-clock]').textContent();
  await p.waitForTimeout(1500);
  const second = await p.locator('[data-clock]').textContent();
  assert.match(second, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST/);
  assert.notEqual(first, second, 'the clock runs');
  await p.screenshot({ path: path.join(shots, 'coupon-1-live.png'), fullPage: true });
  await p.getByLabel('スタッフが受付暗証番号を入力').fill('135790');
  await p.getByRole('button', { name: '使用済みにする' }).click();
  await p.waitForLoadState('load');
  assert.match(await p.content(), /使用済み \d{4}年/);
  await p.screenshot({ path: path.join(shots, 'coupon-2-used.png'), fullPage: true });
  await ctx.close();
});

test('the desk scans a coupon\'s QR code with the camera (BarcodeDetector) and redeems it', async () => {
  // A participant earns a coupon; its page shows the QR code of the desk's lookup.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP' });
  const p = await phone.newPage();
  await earnCoupon(p);
  const label = await p.locator('.coupon-qr svg.qr').getAttribute('aria-label');
  const scanned = label.replace(/^QR: /, '');
  const code = await p.locator('.code code').textContent();
  assert.equal(scanned, `${srv.base}/console/desk/redeem?code=${code}`);
  await p.screenshot({ path: path.join(shots, 'coupon-3-qr.png'), fullPage: true });

  // The desk's browser: a camera (Chromium's fake device) and a BarcodeDetector
  // that "sees" that QR code, as Android Chrome's would.
  const desk = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP', permissions: ['camera'] });
  await desk.addInitScript((value) => {
    window.BarcodeDetector = class {
      static async getSupportedFormats() { return ['qr_code']; }
      async detect() { return [{ rawValue: value, format: 'qr_code' }]; }
    };
    navigator.mediaDevices.getUserMedia = async () => new MediaStream([document.createElement('canvas').captureStream().getVideoTracks()[0]].filter(Boolean));
  }, scanned);
  const d = await desk.newPage();
  const pw = srv.user('cp', 'cp-desk', 'desk');
  await d.goto(`${srv.base}/console/login`);
  await d.locator('input[name=login]').fill('cp-desk');
  await d.locator('input[name=password]').fill(pw);
  await d.getByRole('button', { name: 'ログイン' }).click();
  await d.goto(`${srv.base}/console/desk/redeem`);
  await d.getByRole('button', { name: 'カメラで読み取る' }).click();
  await d.waitForURL(`**/console/desk/redeem?code=${code}`);
  await d.getByRole('button', { name: '使用済みにする' }).click();
  await d.waitForLoadState('load');
  assert.match(await d.content(), /使用済み/);
  assert.equal(srv.sql(`SELECT redeemed_at IS NOT NULL FROM rewards WHERE code = '${code}'`), '1');
  await p.reload();
  assert.equal(await p.locator('.coupon-qr').count(), 0, 'a used coupon shows no code to scan');
  await phone.close();
  await desk.close();
});

test('where the browser cannot read QR codes (desktop Chromium) the scan button stays hidden', async () => {
  const desk = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
  const d = await desk.newPage();
  const pw = srv.user('cp', 'cp-desk2', 'desk');
  await d.goto(`${srv.base}/console/login`);
  await d.locator('input[name=login]').fill('cp-desk2');
  await d.locator('input[name=password]').fill(pw);
  await d.getByRole('button', { name: 'ログイン' }).click();
  await d.goto(`${srv.base}/console/desk/redeem`);
  await d.waitForTimeout(300); // getSupportedFormats() has answered
  assert.equal(await d.locator('[data-scan]').isVisible(), false);
  await d.locator('input[name=code]').fill('nope-nope');
  await d.getByRole('button', { name: '番号で検索' }).click();
  await d.waitForLoadState('load');
  assert.match(await d.content(), /class="notice err"/, 'the typed code is looked up');
  await desk.close();
});
