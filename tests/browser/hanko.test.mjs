// The generated hanko in Chromium: names of several lengths, CJK, Latin and
// mixed, set inside the seal (every line's box within the inner ring, a
// Latin word or a bracketed group never split), in the rally's theme colour.
// Screenshot: hanko-names.png (a sheet of all of them).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
const NAMES = ['灯台', '赤レンガ倉庫', '大さん橋（GPS）', 'ＪＲ桜木町駅', '「港の見える丘公園」展望台', 'みなとみらい21地区の大観覧車コスモクロック',
  'Minato Mirai Ferris Wheel', 'Osanbashi Pier (Yokohama Port Terminal)', 'スーパー・ロングネーム商店街アーケード北口ゲート前広場'];
let srv;
let browser;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  srv.import({ tenant: 'h', slug: 'hanko', title: 'はんこ', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: NAMES.map((name) => ({ name })) });
  const owner = await srv.staff('h-owner', srv.user('h', 'h-owner', 'owner'));
  const t = (await owner.get('/console')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  const r = await owner.postForm('/console/rallies/hanko', { _csrf: t, title: 'はんこ', description: 'x', starts_at: '2020-01-01T09:00',
    ends_at: '2099-01-01T09:00', primary: '#00695c', accent: '#ffb300', background: '#ffffff' });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); await srv?.stop(); });

test('every name fits the seal, keeps its words and brackets whole, in the theme colour', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  const ids = NAMES.map((n) => srv.sql(`SELECT s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'hanko' AND s.name = '${n}'`));
  for (const [i, id] of ids.entries()) {
    await page.goto(`${srv.base}/stamps/${id}.svg`);
    const m = await page.evaluate(() => {
      const svg = document.querySelector('svg');
      const ring = svg.querySelector('circle');
      const out = [];
      for (const t of svg.querySelectorAll('text')) {
        const b = t.getBBox(); // in the seal's own units, before its small rotation
        const far = Math.max(...[[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]]
          .map(([x, y]) => Math.hypot(x - 50, y - 50)));
        out.push({ text: t.textContent, far, width: b.width });
      }
      return { ink: ring.parentNode.getAttribute('stroke'), fill: svg.querySelector('g g:last-child').getAttribute('fill'), lines: out };
    });
    const name = NAMES[i];
    assert.equal(m.ink, '#00695c', `${name}: the theme's colour`);
    assert.equal(m.fill, '#00695c');
    assert.ok(m.lines.length > 0, name);
    for (const l of m.lines) assert.ok(l.far <= 44, `${name}: "${l.text}" reaches ${l.far.toFixed(1)} from the centre (ring at 45)`);
    const joined = m.lines.map((l) => l.text).join(' ');
    for (const word of name.match(/[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]{2,}/g) || []) {
      assert.ok(m.lines.some((l) => l.text.includes(word)), `${name}: "${word}" whole on one line (${joined})`);
    }
    if (name.includes('（GPS）')) assert.ok(m.lines.some((l) => l.text.includes('（GPS）')), `brackets stay with their word: ${joined}`);
  }
  // one sheet of them all, as a participant's card shows them
  await page.goto(`${srv.base}/r/hanko`); // same origin: the images may load
  await page.setContent(`<body style="margin:0;display:flex;flex-wrap:wrap;gap:12px;padding:12px;background:#fff">${
    ids.map((id, i) => `<figure style="margin:0;width:200px;text-align:center;font:12px sans-serif"><img src="${srv.base}/stamps/${id}.svg" width="200" height="200"><figcaption>${NAMES[i]}</figcaption></figure>`).join('')}</body>`);
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
  await page.screenshot({ path: path.join(shots, 'hanko-names.png'), fullPage: true });
});
