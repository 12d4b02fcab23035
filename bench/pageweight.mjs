// bench/pageweight.mjs [BIN ...] — what a phone downloads for a rally whose
// organizer uploaded camera photos: a rally with a cover and BENCH_SPOTS (5)
// spots, each given a 4000 × 3000 JPEG (drawn by Chromium with a photo's
// grain, about 4 MB), then the rally page and a spot page opened in Debian's
// Chromium at phone size (390 × 844 at 2x and 3x) and at desktop size.
// Prints, per binary, the time from each upload to the next page and the
// bytes that came over the wire for each page: on opening, after scrolling to
// its end, and the images among those. Give it also the binary of a build
// from before images were resized, to compare (docs/performance.md).
// Loopback only; each binary gets its own data dir.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../tests/browser/chromium.mjs';

const bins = process.argv.slice(2);
if (!bins.length) bins.push('build/stamprally');
const SPOTS = +(process.env.BENCH_SPOTS || 5);
const VIEWS = [
  { name: 'phone 390 px 2x', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true },
  { name: 'phone 390 px 3x', viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true },
  { name: 'desktop 1280 px', viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, isMobile: false },
];

/** A free port on 127.0.0.1. */
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

/** Six photo-like JPEGs (4000 × 3000, quality 0.9, seeded grain), drawn in one page of browser. */
async function photos(browser) {
  const page = await browser.newPage();
  const out = [];
  for (let k = 0; k <= SPOTS; k++) {
    out.push(Buffer.from(await page.evaluate(async (k) => {
      let seed = 12345 + k;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
      const c = document.createElement('canvas');
      c.width = 4000; c.height = 3000;
      const g = c.getContext('2d');
      const grad = g.createLinearGradient(0, 0, 4000, 3000);
      grad.addColorStop(0, `hsl(${k * 60}, 60%, 40%)`); grad.addColorStop(1, `hsl(${k * 60 + 40}, 70%, 70%)`);
      g.fillStyle = grad; g.fillRect(0, 0, 4000, 3000);
      for (let i = 0; i < 400; i++) { // shapes, so there is something to see at every scale
        g.fillStyle = `hsla(${rnd() * 360}, 50%, ${30 + rnd() * 50}%, 0.6)`;
        g.beginPath(); g.arc(rnd() * 4000, rnd() * 3000, 20 + rnd() * 300, 0, 7); g.fill();
      }
      const px = g.getImageData(0, 0, 4000, 3000);
      for (let i = 0; i < px.data.length; i += 4) { // a camera's grain
        const n = (rnd() - 0.5) * 28;
        px.data[i] += n; px.data[i + 1] += n; px.data[i + 2] += n;
      }
      g.putImageData(px, 0, 0);
      const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.9));
      return [...new Uint8Array(await blob.arrayBuffer())];
    }, k)));
  }
  await page.close();
  return out;
}

/** Start bin on a fresh data dir with the rally and its owner: {base, spots, password, stop()}. */
async function start(bin) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-weight-'));
  const rally = { tenant: 'w', slug: 'photos', title: '写真でめぐる港町', description: '港町の写真スポットをめぐります。',
    starts_at: '2020-01-01T00:00:00Z', ends_at: '2099-01-01T00:00:00Z', status: 'published',
    spots: Array.from({ length: SPOTS }, (_, i) => ({ name: `スポット${i + 1}`, description: '海の見える場所です。' })) };
  fs.writeFileSync(path.join(data, 'rally.json'), JSON.stringify(rally));
  execFileSync(bin, ['rally', 'import', path.join(data, 'rally.json'), '--data', data]);
  const password = execFileSync(bin, ['user', 'create', '--tenant', 'w', '--login', 'w-owner', '--role', 'owner', '--data', data])
    .toString().trim();
  const spots = execFileSync('sqlite3', [path.join(data, 'stamprally.db'),
    "SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'photos' ORDER BY s.position"])
    .toString().trim().split('\n');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, STAMPRALLY_SERVER_PUBLIC_URL: base, STAMPRALLY_SERVER_ACCESS_LOG: '0', STAMPRALLY_BACKUP_TIME: 'off' };
  const proc = spawn(bin, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`], { env, stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    fs.rmSync(data, { recursive: true, force: true });
  };
  return { base, spots, password, stop };
}

/** Log in as the owner and upload the cover and one photo per spot through the console's forms;
 * the milliseconds from each upload's click to the next page, sorted. */
async function upload(browser, srv, pics) {
  const ctx = await browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/console/login`);
  await page.locator('input[name=login]').fill('w-owner');
  await page.locator('input[name=password]').fill(srv.password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL('**/console');
  const put = async (url, action, pic) => {
    await page.goto(`${srv.base}${url}`);
    const form = page.locator(`form[action="${action}"]:has(input[name=image])`);
    await form.locator('input[name=image]').setInputFiles({ name: 'IMG.JPG', mimeType: 'image/jpeg', buffer: pic });
    const t0 = performance.now();
    await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
    times.push(performance.now() - t0);
  };
  const times = [];
  await put('/console/rallies/photos', '/console/rallies/photos/cover', pics[0]);
  for (let i = 0; i < srv.spots.length; i++) {
    const s = srv.spots[i];
    await put(`/console/rallies/photos/spots/${s}`, `/console/rallies/photos/spots/${s}/image`, pics[i + 1]);
  }
  await ctx.close();
  return times.sort((a, b) => a - b);
}

/** Bytes over the wire (headers and bodies) for url in a fresh context of view: {first: on
 * opening, all: after scrolling to the end, images: the images of all}. */
async function weigh(browser, view, url) {
  const ctx = await browser.newContext({ ...view, name: undefined, locale: 'ja-JP' });
  const page = await ctx.newPage();
  const sizes = [];
  page.on('requestfinished', (req) => sizes.push(req.sizes().then((s) =>
    ({ image: req.resourceType() === 'image', bytes: s.responseBodySize + s.responseHeadersSize }))));
  const sum = (xs) => xs.reduce((a, x) => a + x.bytes, 0);
  await page.goto(url, { waitUntil: 'networkidle' });
  const first = await Promise.all(sizes);
  // then read to the end, as a participant looking for the next spot does
  for (let y = 0, h = 1; y < h; y += 400) {
    h = await page.evaluate((y) => { window.scrollTo(0, y); return document.documentElement.scrollHeight; }, y);
    await page.waitForTimeout(50);
  }
  await page.waitForLoadState('networkidle');
  const all = await Promise.all(sizes);
  await ctx.close();
  return { first: sum(first), all: sum(all), images: sum(all.filter((x) => x.image)) };
}

const kb = (n) => `${(n / 1024).toFixed(0)} KB`.padStart(10);
const browser = await launchChromium();
try {
  const pics = await photos(browser);
  console.log(`uploads: ${pics.length} JPEGs of 4000 × 3000, ${kb(pics.reduce((a, p) => a + p.length, 0)).trim()} in all`);
  for (const bin of bins) {
    const srv = await start(bin);
    try {
      const ms = await upload(browser, srv, pics);
      console.log(`\n${bin}`);
      console.log(`upload to the next page: median ${ms[ms.length >> 1].toFixed(0)} ms, slowest ${ms[ms.length - 1].toFixed(0)} ms`);
      console.log(`${'view'.padEnd(18)} ${'page'.padEnd(6)} ${'opened'.padStart(10)} ${'scrolled'.padStart(10)} ${'images'.padStart(10)}`);
      for (const view of VIEWS) {
        for (const [name, url] of [['rally', '/r/photos'], ['spot', `/r/photos/spots/${srv.spots[0]}`]]) {
          const w = await weigh(browser, view, `${srv.base}${url}`);
          console.log(`${view.name.padEnd(18)} ${name.padEnd(6)} ${kb(w.first)} ${kb(w.all)} ${kb(w.images)}`);
        }
      }
    } finally {
      await srv.stop();
    }
  }
} finally {
  await browser.close();
}
