// Participants' languages (issue 17), at phone size in Chromium: an English
// browser sees the rally's English texts and the Japanese ones (marked
// lang="ja") where the organizer gave none; a Chinese-locale browser gets
// Simplified Chinese, a Taiwanese one Traditional; the header's menu
// switches to Korean and remembers it. Screenshots: lang-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { startServer } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
let srv;
let browser;
let spots;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  for (let i = 0; i < 100 && !/password: \S+/.test(srv.stdout); i++) await new Promise((r) => setTimeout(r, 50));
  const owner = await srv.staff('demo-owner', srv.stdout.match(/password: (\S+)/)[1]);
  spots = Object.fromEntries(srv.sql("SELECT s.name || '=' || s.public_id FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'minato-walk'")
    .split('\n').map((l) => l.split('=')));
  const save = async (to, fields) => {
    const r = await owner.submit('/console/rallies/minato-walk/translations', { to, ...fields }, '/console');
    assert.equal(r.status, 303);
  };
  await save('en', { 'f.rally:title': 'Minato Town Walk', [`f.spot:${spots['赤レンガ倉庫']}:name`]: 'Red Brick Warehouse',
    [`f.spot:${spots['赤レンガ倉庫']}:description`]: 'Shops and cafés in a Meiji-era warehouse.' });
  await save('zh-Hans', { 'f.rally:title': '港町漫步集章活动' });
  browser = await launchChromium();
});
after(async () => { await browser?.close(); await srv?.stop(); });

const phone = (locale) => browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale });
/** What a page shows of an element and the language it is marked in. */
const shown = (p, sel) => p.locator(sel).evaluate((e) => ({ text: e.textContent.trim(), lang: e.closest('[lang]').getAttribute('lang') }));

test('English: the English texts, and the Japanese marked as such where none was given', async () => {
  const ctx = await phone('en-US');
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/r/minato-walk`);
  assert.deepEqual(await shown(p, 'h1'), { text: 'Minato Town Walk', lang: 'en' });
  assert.deepEqual(await shown(p, '.desc'), { text: await p.locator('.desc').textContent(), lang: 'ja' });
  assert.match((await shown(p, '.desc')).text, /港町の名所5か所/);
  const li = (name) => p.locator('ol.spots > li', { hasText: name }).locator('strong');
  assert.deepEqual(await li('Red Brick Warehouse').evaluate((e) => e.closest('[lang]').getAttribute('lang')), 'en');
  assert.equal(await li('みなと公園').getAttribute('lang'), 'ja');
  assert.ok(await p.getByRole('button', { name: 'Join' }).isVisible(), 'the interface in English');
  await p.screenshot({ path: path.join(shots, 'lang-1-en.png'), fullPage: true });
  await p.goto(`${srv.base}/r/minato-walk/spots/${spots['赤レンガ倉庫']}`);
  assert.equal(await p.locator('h1').textContent(), 'Red Brick Warehouse');
  assert.equal(await p.locator('.desc').textContent(), 'Shops and cafés in a Meiji-era warehouse.');
  await ctx.close();
});

test('a Chinese-locale browser gets Simplified Chinese; a Taiwanese one Traditional', async () => {
  const ctx = await phone('zh-CN');
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/r/minato-walk`);
  assert.equal(await p.locator('html').getAttribute('lang'), 'zh-Hans');
  assert.equal(await p.locator('h1').textContent(), '港町漫步集章活动');
  assert.ok(await p.getByRole('button', { name: '参加' }).isVisible());
  assert.equal(await p.locator('ol.spots > li strong').first().getAttribute('lang'), 'ja', 'no Chinese spot names: Japanese, marked');
  await p.screenshot({ path: path.join(shots, 'lang-2-zh-Hans.png'), fullPage: true });
  await ctx.close();
  const tw = await phone('zh-TW');
  const q = await tw.newPage();
  await q.goto(`${srv.base}/r/minato-walk`);
  assert.equal(await q.locator('html').getAttribute('lang'), 'zh-Hant');
  assert.match(await q.locator('h2').first().textContent(), /玩法/);
  assert.equal(await q.locator('h1').getAttribute('lang'), 'ja', 'no Traditional title: the Japanese one');
  await tw.close();
});

test('the language menu switches to Korean and remembers it', async () => {
  const ctx = await phone('ja-JP');
  const p = await ctx.newPage();
  await p.goto(`${srv.base}/r/minato-walk`);
  assert.equal(await p.locator('html').getAttribute('lang'), 'ja');
  await p.locator('details.langs summary').click();
  await p.getByRole('link', { name: '한국어' }).click();
  await p.waitForURL('**?lang=ko');
  assert.equal(await p.locator('html').getAttribute('lang'), 'ko');
  assert.ok(await p.getByRole('button', { name: '참가하기' }).isVisible());
  await p.screenshot({ path: path.join(shots, 'lang-3-ko.png'), fullPage: true });
  await p.goto(`${srv.base}/recover`);
  assert.equal(await p.locator('h1').textContent(), '스탬프 카드 복원', 'remembered on the next page');
  await ctx.close();
});
