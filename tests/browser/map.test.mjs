// Maps (issue 17), at phone size in Chromium: the demo rally's page shows all
// its spots on a Leaflet map (served by stamprally) over tiles from a local
// tile server, the collected one filled; the list sorts by a mocked location;
// a spot offers its position to map apps; the organizer sets a position by
// clicking the editor's map or typing coordinates, with the GPS radius drawn.
// Screenshots: map-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, tileServer } from './chromium.mjs';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
const HILL = { latitude: 35.4381, longitude: 139.6499 }; // beside 海の見える丘
let srv;
let browser;
let tiles;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  tiles = await tileServer();
  srv = await startServer({ env: { STAMPRALLY_MAP_TILE_URL: tiles.url } });
  for (let i = 0; i < 100 && !/password: \S+/.test(srv.stdout); i++) await new Promise((r) => setTimeout(r, 50));
  browser = await launchChromium();
});
after(async () => { await browser?.close(); await srv?.stop(); tiles?.close(); });

const phone = (extra = {}) => browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP', ...extra });

test('the rally page maps every spot, marks the collected one, and sorts the list by distance', async () => {
  const ctx = await phone({ permissions: ['geolocation'], geolocation: { ...HILL, accuracy: 20 } });
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/r/minato-walk`);
  await p.getByRole('button', { name: '参加する' }).click();
  const token = srv.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'minato-walk' AND s.name = '赤レンガ倉庫'");
  await p.goto(`${srv.base}/q/${token}`);
  await p.getByRole('button', { name: 'スタンプをもらう' }).click();
  await p.waitForURL('**/result?new=1');

  await p.goto(`${srv.base}/r/minato-walk`);
  await p.waitForSelector('.leaflet-container');
  await p.waitForFunction(() => document.querySelectorAll('.leaflet-tile-loaded').length > 0);
  assert.equal(await p.locator('path.spot-marker').count(), 5, 'every spot on the map');
  assert.equal(await p.locator('path.spot-marker.got').count(), 1, 'the collected one filled');
  assert.ok(tiles.hits() > 0, 'tiles came from the configured server');
  assert.match(await p.locator('.leaflet-control-attribution').textContent(), /© OpenStreetMap contributors/);
  await p.locator('path.spot-marker.got').click();
  assert.equal(await p.locator('.leaflet-popup-content a').textContent(), '赤レンガ倉庫');
  await p.screenshot({ path: path.join(shots, 'map-1-rally.png'), fullPage: true });

  const names = () => p.locator('ol.spots > li strong').allTextContents();
  assert.equal((await names())[0], '駅前観光案内所', 'in the organizer\'s order first');
  await p.getByRole('button', { name: '現在地から近い順に並べる' }).click();
  await p.getByText('現在地から近い順に並べました。').waitFor();
  const sorted = await names();
  assert.equal(sorted[0], '海の見える丘');
  const km = (await p.locator('ol.spots .dist').allTextContents()).map((t) => {
    const m = t.match(/^約 ([\d.]+) (m|km)$/);
    assert.ok(m, t);
    return m[2] === 'km' ? +m[1] * 1000 : +m[1];
  });
  assert.equal(km.length, 5);
  assert.deepEqual([...km].sort((a, b) => a - b), km, `nearest first: ${km}`);
  assert.ok(km[0] < 50, `the hill is right here: ${km[0]} m`);
  await p.screenshot({ path: path.join(shots, 'map-2-sorted.png'), fullPage: true });

  // One spot: open its position in a map app.
  await p.locator('ol.spots > li', { hasText: '海の見える丘' }).locator('a').first().click();
  const links = await p.locator('.maplinks a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, [
    'https://maps.apple.com/?ll=35.438000,139.650000&q=%E6%B5%B7%E3%81%AE%E8%A6%8B%E3%81%88%E3%82%8B%E4%B8%98',
    'https://www.google.com/maps/search/?api=1&query=35.438000%2C139.650000',
    'geo:35.438000,139.650000?q=35.438000,139.650000(%E6%B5%B7%E3%81%AE%E8%A6%8B%E3%81%88%E3%82%8B%E4%B8%98)',
  ]);
  await ctx.close();
});

test('without JavaScript the list of spots is all there is, and it works', async () => {
  const ctx = await phone({ javaScriptEnabled: false });
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/r/minato-walk`);
  assert.equal(await p.locator('[data-map]').isVisible(), false);
  assert.equal(await p.locator('[data-sort-near]').isVisible(), false);
  assert.equal(await p.locator('ol.spots > li').count(), 5);
  await ctx.close();
});

test('the spot editor sets a position by clicking the map or typing coordinates, and draws the GPS radius', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/console/login`);
  await p.getByLabel('ログインID').fill('demo-owner');
  await p.getByLabel('パスワード').fill(srv.stdout.match(/password: (\S+)/)[1]);
  await p.getByRole('button', { name: 'ログイン' }).click();
  await p.waitForURL('**/console');
  const spot = srv.sql("SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'minato-walk' AND s.name = 'みなと公園'");
  await p.goto(`${srv.base}/console/rallies/minato-walk/spots/${spot}`);
  await p.waitForSelector('[data-map-picker] .leaflet-container');
  assert.equal(await p.locator('input[name=latitude]').inputValue(), '35.444800');
  assert.equal(await p.locator('[data-map-picker] .pin').count(), 1, 'the pin where the spot is');
  assert.equal(await p.locator('[data-map-picker] path.leaflet-interactive').count(), 1, 'the radius circle');

  // A click elsewhere on the map moves the position.
  const box = await p.locator('[data-map-picker] .map').boundingBox();
  await p.mouse.click(box.x + box.width * 0.75, box.y + box.height * 0.25);
  const lat = +(await p.locator('input[name=latitude]').inputValue()), lng = +(await p.locator('input[name=longitude]').inputValue());
  assert.ok(lat > 35.4448 && lng > 139.6425, `north-east of where it was: ${lat}, ${lng}`);
  assert.match(await p.locator('input[name=latitude]').inputValue(), /^\d+\.\d{6}$/);

  // Dragging the pin moves it too.
  const before = +(await p.locator('input[name=longitude]').inputValue());
  const pin = await p.locator('[data-map-picker] .pin').boundingBox();
  await p.mouse.move(pin.x + pin.width / 2, pin.y + pin.height / 2);
  await p.mouse.down();
  await p.mouse.move(pin.x + pin.width / 2 - 60, pin.y + pin.height / 2 + 10, { steps: 8 });
  await p.mouse.up();
  const dragged = +(await p.locator('input[name=longitude]').inputValue());
  assert.ok(dragged < before, `dragged west: ${before} → ${dragged}`);

  // Typed coordinates, a bigger radius, saved.
  await p.getByLabel('座標で探す（例：35.4437, 139.638）').fill('35.45, 139.64');
  await p.getByLabel('座標で探す（例：35.4437, 139.638）').press('Enter');
  assert.equal(await p.locator('input[name=latitude]').inputValue(), '35.450000');
  assert.equal(await p.locator('input[name=longitude]').inputValue(), '139.640000');
  assert.equal(p.url().endsWith(spot), true, 'Enter in the search does not save the spot');
  await p.locator('input[name=radius_m]').fill('120');
  const r = await p.locator('[data-map-picker] path.leaflet-interactive').evaluate((e) => e.getBBox().width);
  assert.ok(r > 20, `the circle grew with the radius (${r} px)`);
  await p.screenshot({ path: path.join(shots, 'map-3-editor.png'), fullPage: true });
  await p.locator('form:has(input[name=latitude]) button[type=submit]').first().click();
  await p.waitForLoadState('load');
  assert.equal(srv.sql(`SELECT latitude || ',' || longitude || ',' || radius_m FROM spots WHERE public_id = '${spot}'`), '35.45,139.64,120');
  await ctx.close();
});
