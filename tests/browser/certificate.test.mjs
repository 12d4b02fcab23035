// The completion certificate on phones (issue 17): it fits 320–430 px wide
// without sideways scrolling, keeps A4 on paper, and can be saved as a PNG
// or handed to the share sheet (Web Share API, stubbed where Chromium has
// none). Screenshots: certificate-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
const NAME = 'ジョナサン・グレゴリー・ウィリアムズ＝山ノ内';
let srv;
let browser;
let token;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  srv.import({ tenant: 'c', slug: 'cert', title: '港町ぐるっと歴史散歩スタンプラリー2026', description: 'x',
    starts_at: '2020-01-01T00:00:00Z', ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '灯台' }] });
  token = srv.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'cert'");
  browser = await launchChromium();
});
after(async () => { await browser?.close(); await srv?.stop(); });

/** A phone-sized page that completed the rally and made its certificate. */
async function certificate(width, init) {
  const ctx = await browser.newContext({ viewport: { width, height: 800 }, isMobile: true, hasTouch: true, locale: 'ja-JP',
    acceptDownloads: true });
  if (init) await ctx.addInitScript(init);
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/q/${token}`);
  await p.getByRole('button', { name: 'スタンプをもらう' }).click();
  await p.goto(`${srv.base}/r/cert/complete`);
  await p.getByLabel('修了証に載せるお名前').fill(NAME);
  await p.getByRole('button', { name: '修了証を作る' }).click();
  await p.waitForSelector('[data-certificate]');
  return { ctx, p };
}

/** Width and height of a PNG from its IHDR chunk. */
const pngSize = (b) => ({ png: b.subarray(1, 4).toString() === 'PNG', w: b.readUInt32BE(16), h: b.readUInt32BE(20) });

for (const width of [320, 390, 430]) {
  test(`at ${width} px the certificate fits the screen and nothing scrolls sideways`, async () => {
    const { ctx, p } = await certificate(width);
    const m = await p.evaluate(() => {
      const box = document.querySelector('[data-certificate]').getBoundingClientRect();
      const name = document.querySelector('[data-certificate] .name').getBoundingClientRect();
      return { left: box.left, right: box.right, nameRight: name.right, scroll: document.documentElement.scrollWidth, inner: innerWidth };
    });
    assert.ok(m.left >= 0 && m.right <= m.inner, `certificate ${m.left}–${m.right} within ${m.inner}`);
    assert.ok(m.nameRight <= m.right, 'the long name wraps inside the frame');
    assert.ok(m.scroll <= m.inner, `no sideways scroll: ${m.scroll} > ${m.inner}`);
    await p.screenshot({ path: path.join(shots, `certificate-${width}.png`), fullPage: true });
    await ctx.close();
  });
}

test('saving gives a PNG of the certificate; printing keeps A4', async () => {
  const { ctx, p } = await certificate(390);
  const save = p.getByRole('button', { name: '画像で保存' });
  assert.ok(await save.isVisible());
  assert.equal(await p.getByRole('button', { name: '共有する' }).isVisible(), false, 'no share button without Web Share');
  const [download] = await Promise.all([p.waitForEvent('download'), save.click()]);
  assert.equal(download.suggestedFilename(), 'certificate.png');
  const file = fs.readFileSync(await download.path());
  assert.deepEqual(pngSize(file), { png: true, w: 1240, h: 1754 });
  fs.writeFileSync(path.join(shots, 'certificate-image.png'), file);
  await p.emulateMedia({ media: 'print' });
  const printed = await p.evaluate(() => document.querySelector('[data-certificate]').getBoundingClientRect().width);
  assert.ok(Math.abs(printed - 180 * 96 / 25.4) < 2, `180 mm wide on paper, was ${printed}px`);
  await ctx.close();
});

test('where the browser can share files, the share button hands the PNG to the share sheet', async () => {
  const stub = () => {
    window.__shared = [];
    navigator.canShare = (d) => Array.isArray(d.files);
    navigator.share = async (d) => {
      const f = d.files[0];
      const b = new Uint8Array(await f.arrayBuffer());
      window.__shared.push({ name: f.name, type: f.type, size: f.size, sig: String.fromCharCode(b[1], b[2], b[3]) });
    };
  };
  const { ctx, p } = await certificate(390, stub);
  await p.getByRole('button', { name: '共有する' }).click();
  await p.waitForFunction(() => window.__shared.length === 1);
  const [shared] = await p.evaluate(() => window.__shared);
  assert.equal(shared.name, 'certificate.png');
  assert.equal(shared.type, 'image/png');
  assert.equal(shared.sig, 'PNG');
  assert.ok(shared.size > 10000, `a drawn certificate, ${shared.size} bytes`);
  await ctx.close();
});
