// Images for phones (issue 17): a 4000 × 3000 JPEG straight off a camera
// (EXIF with GPS position and an orientation) is uploaded through the spot
// editor in Chromium; phones get it at most 960 px wide, upright, as WebP or
// JPEG, with no EXIF left anywhere — not in what is served, not in the
// database. The page weight before and after is printed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { EXIF_CANARY as CANARY, withExif } from '../http/fixtures.mjs';
import { request, startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
let srv;
let browser;
let spot;
let ownerPw;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  srv.import({ tenant: 'img', slug: 'photo-walk', title: '写真でめぐる港町', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '灯台', description: '海を照らす白い灯台' }] });
  spot = srv.sql("SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'photo-walk'");
  ownerPw = srv.user('img', 'img-owner', 'owner');
  browser = await launchChromium();
});
after(async () => { await browser?.close(); await srv?.stop(); });

/** The JPEG's markers: [{marker, data}] up to the start of scan. */
function segments(jpeg) {
  const out = [];
  for (let i = 2; i < jpeg.length && jpeg[i] === 0xff;) {
    const marker = jpeg[i + 1], len = jpeg.readUInt16BE(i + 2);
    out.push({ marker, data: jpeg.subarray(i + 4, i + 2 + len) });
    if (marker === 0xda) break;
    i += 2 + len;
  }
  return out;
}
/** Width and height of a JPEG (SOF0/SOF2). */
function jpegSize(jpeg) {
  const sof = segments(jpeg).find((s) => s.marker === 0xc0 || s.marker === 0xc2);
  return { w: sof.data.readUInt16BE(3), h: sof.data.readUInt16BE(1) };
}

test('a 4000 px camera JPEG with EXIF GPS reaches phones ≤ 960 px wide, upright, without EXIF', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  const page = await ctx.newPage();
  // The camera's picture: drawn by Chromium's own JPEG encoder, then given the EXIF a phone writes.
  await page.goto(`${srv.base}/console/login`);
  const drawn = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 4000; c.height = 3000;
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, 4000, 3000);
    grad.addColorStop(0, '#1565c0'); grad.addColorStop(1, '#f9a825');
    g.fillStyle = grad; g.fillRect(0, 0, 4000, 3000);
    g.fillStyle = '#fff'; g.fillRect(1800, 600, 400, 1800); // a lighthouse
    // grain, so it weighs what a phone photo weighs (a few MB)
    const px = g.getImageData(0, 0, 4000, 3000);
    for (let i = 0; i < px.data.length; i += 4) {
      const n = (Math.random() - 0.5) * 28;
      px.data[i] += n; px.data[i + 1] += n; px.data[i + 2] += n;
    }
    g.putImageData(px, 0, 0);
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.9));
    return [...new Uint8Array(await blob.arrayBuffer())];
  });
  const plain = Buffer.from(drawn);
  const original = withExif(plain);
  assert.deepEqual(jpegSize(original), { w: 4000, h: 3000 });
  assert.ok(original.includes(CANARY) && segments(original).some((s) => s.marker === 0xe1), 'the upload carries EXIF');

  await page.getByLabel('ログインID').fill('img-owner');
  await page.getByLabel('パスワード').fill(ownerPw);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL('**/console');
  await page.goto(`${srv.base}/console/rallies/photo-walk/spots/${spot}`);
  await page.locator('input[type=file][name=image]').setInputFiles({ name: 'IMG_0001.JPG', mimeType: 'image/jpeg', buffer: original });
  await page.locator('form:has(input[name=image]) button[type=submit]').click();
  await page.waitForURL(`**/console/rallies/photo-walk/spots/${spot}?**`);
  await ctx.close();

  const id = srv.sql(`SELECT i.public_id FROM images i JOIN spots s ON s.image_id = i.id WHERE s.public_id = '${spot}'`);
  const sizes = {};
  for (const v of ['', '/480', '/480.webp', '/960.webp']) {
    const r = await request(srv.base, 'GET', `/images/${id}${v}`);
    assert.equal(r.status, 200, v);
    sizes[v || '/960'] = r.raw.length;
    assert.ok(!r.raw.includes(CANARY), `${v}: no EXIF text`);
    assert.ok(!r.raw.includes(Buffer.from('Exif\0\0')), `${v}: no EXIF block`);
    if (v.endsWith('.webp')) {
      assert.equal(r.headers['content-type'], 'image/webp');
      assert.equal(r.raw.subarray(8, 12).toString(), 'WEBP');
      assert.ok(!r.raw.includes(Buffer.from('EXIF')), `${v}: no EXIF chunk`);
    } else {
      assert.equal(r.headers['content-type'], 'image/jpeg');
      assert.ok(!segments(r.raw).some((s) => s.marker === 0xe1), `${v}: no APP1`);
      const { w, h } = jpegSize(r.raw);
      assert.equal(w, v === '/480' ? 480 : 960, `${v} width`);
      assert.equal(h, w * 4 / 3, `${v}: upright (the orientation was applied, portrait now)`);
    }
  }
  const db = fs.readFileSync(path.join(srv.data, 'stamprally.db'));
  const wal = path.join(srv.data, 'stamprally.db-wal');
  for (const f of [db, fs.existsSync(wal) ? fs.readFileSync(wal) : Buffer.alloc(0)]) assert.ok(!f.includes(CANARY), 'the original is not kept');

  // What a phone downloads on the spot page.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, locale: 'ja-JP' });
  const p = await phone.newPage();
  const got = [];
  p.on('response', async (r) => { if (r.url().includes('/images/')) got.push({ url: r.url(), bytes: (await r.body()).length }); });
  await p.goto(`${srv.base}/r/photo-walk/spots/${spot}`);
  await p.waitForFunction(() => document.querySelector('img.spot-img').complete);
  const shown = await p.evaluate(() => { const i = document.querySelector('img.spot-img'); return { src: i.currentSrc, w: i.naturalWidth, h: i.naturalHeight }; });
  assert.match(shown.src, /\/960\.webp$/);
  assert.ok(shown.w > 300 && Math.abs(shown.h / shown.w - 4 / 3) < 0.01, `the WebP decodes, upright: ${JSON.stringify(shown)}`);
  await p.screenshot({ path: path.join(shots, 'images-spot-phone.png'), fullPage: true });
  await phone.close();
  assert.equal(got.length, 1, JSON.stringify(got));
  assert.match(got[0].url, /\/images\/[^/]+\/960\.webp$/, 'a 2x phone takes the 960 px WebP');
  console.log(`page weight of the spot photo: uploaded ${original.length} B; served ${JSON.stringify(sizes)}; a 390 px 2x phone downloads ${got[0].bytes} B`);
});
