// Stamp methods in Chromium at phone size: GPS with Chromium's geolocation
// override (far away, nearer, then close enough: each refusal on the spot's
// own page in the rally's theme, in km or m), and a full-width keyword.
// Screenshots: methods-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
const SPOT = { latitude: 35.4437, longitude: 139.638 };
let srv;
let browser;
const ids = {};

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  srv.import({ tenant: 'g', slug: 'gps-walk', title: 'GPSラリー', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '展望台' }, { name: '合言葉の碑' }] });
  const owner = await srv.staff('g-owner', srv.user('g', 'g-owner', 'owner'));
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  ids.gps = srv.sql("SELECT public_id FROM spots WHERE name = '展望台'");
  ids.kw = srv.sql("SELECT public_id FROM spots WHERE name = '合言葉の碑'");
  srv.sqlWrite("UPDATE rallies SET theme_primary = '#00695c' WHERE slug = 'gps-walk'");
  await owner.postForm(`/console/rallies/gps-walk/spots/${ids.gps}`, { _csrf: t, name: '展望台', radius_m: '50', position: '1',
    latitude: String(SPOT.latitude), longitude: String(SPOT.longitude) });
  assert.equal((await owner.postForm(`/console/rallies/gps-walk/spots/${ids.gps}/methods`, { _csrf: t, m_gps: '1' })).status, 303);
  assert.equal((await owner.postForm(`/console/rallies/gps-walk/spots/${ids.kw}/methods`, { _csrf: t, m_keyword: '1', keyword: 'ミナト2026' })).status, 303);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); await srv?.stop(); });

test('GPS: too far shows the distance on the spot page; at the spot the stamp is given', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP',
    permissions: ['geolocation'], geolocation: { latitude: SPOT.latitude + 27800 / 111195, longitude: SPOT.longitude, accuracy: 10 } });
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/r/gps-walk`);
  await p.getByRole('button', { name: '参加する' }).click();
  await p.goto(`${srv.base}/r/gps-walk/spots/${ids.gps}`);
  await p.screenshot({ path: path.join(shots, 'methods-1-gps-spot.png'), fullPage: true });
  const refused = async (distance) => {
    await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: '現在地でスタンプをもらう' }).click()]);
    assert.match(await p.locator('.problem .message').textContent(), new RegExp(`^スポットから約 ${distance} 離れています。スポットに近づいてから、もう一度押してください。`));
    // the spot's own page, in the rally's theme; the internal code folded away
    assert.equal(await p.locator('h1').textContent(), '展望台');
    assert.equal(await p.evaluate(() => getComputedStyle(document.querySelector('.top')).backgroundColor), 'rgb(0, 105, 92)');
    assert.equal(await p.locator('details.code').getAttribute('open'), null, 'the code stays folded away');
    assert.ok(!(await p.locator('.problem .message').textContent()).includes('too_far'));
  };
  await refused('27\\.8 km');
  await p.screenshot({ path: path.join(shots, 'methods-2-too-far-km.png'), fullPage: true });
  await ctx.setGeolocation({ latitude: SPOT.latitude + 300 / 111195, longitude: SPOT.longitude, accuracy: 10 });
  await refused('3\\d\\d m');
  await p.screenshot({ path: path.join(shots, 'methods-2-too-far.png'), fullPage: true });
  // Try again from the same page: the button is right there.
  await ctx.setGeolocation({ latitude: SPOT.latitude + 20 / 111195, longitude: SPOT.longitude, accuracy: 15 });
  await p.getByRole('button', { name: '現在地でスタンプをもらう' }).click();
  await p.waitForURL(`**/r/gps-walk/spots/${ids.gps}?new=1`);
  assert.match(await p.locator('h1').textContent(), /スタンプを獲得しました/);
  await p.waitForTimeout(700);
  await p.screenshot({ path: path.join(shots, 'methods-3-gps-ok.png'), fullPage: true });

  await p.goto(`${srv.base}/r/gps-walk/spots/${ids.kw}`);
  await p.getByLabel('スポットに掲示されたキーワード').fill('　ミナト２０２６ ');
  await p.getByRole('button', { name: 'キーワードでスタンプをもらう' }).click();
  await p.waitForURL(`**/r/gps-walk/spots/${ids.kw}?new=1`);
  await p.goto(`${srv.base}/r/gps-walk/card`);
  assert.match(await p.locator('.progress').textContent(), /2 \/ 2/);
  await p.screenshot({ path: path.join(shots, 'methods-4-card.png'), fullPage: true });
  await ctx.close();
});

test('GPS: a refused location permission is explained in Japanese with the steps to allow it', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP' });
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/r/gps-walk/spots/${ids.gps}`);
  assert.equal(await p.locator('details.gps-help').getAttribute('open'), null, 'closed before it is needed');
  await p.getByRole('button', { name: '現在地でスタンプをもらう' }).click();
  const status = p.getByRole('status').filter({ hasText: '位置情報' });
  await status.waitFor();
  assert.match(await status.textContent(), /^位置情報の利用が許可されていません。/);
  await p.waitForFunction(() => document.querySelector('details.gps-help').open);
  assert.ok(await p.getByText('「設定」→「プライバシーとセキュリティ」').isVisible());
  await p.screenshot({ path: path.join(shots, 'methods-5-gps-denied.png'), fullPage: true });
  await ctx.close();
});
