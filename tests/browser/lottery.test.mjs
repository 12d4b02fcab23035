// A lottery in Chromium: the organizer designs the entry form in the rally
// editor; a participant at phone size earns it, is told what is wrong with
// the form, enters; the organizer draws and sees the draw recomputed; the
// winner's card says so. Screenshots: lottery-*.png.
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
let password;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer();
  srv.import({ tenant: 'lb', slug: 'onsen-walk', title: '温泉街スタンプラリー', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: '足湯' }, { name: '射的' }] });
  password = srv.user('lb', 'lb-owner', 'owner');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); await srv?.stop(); });

async function login(ctx) {
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/console/login`);
  await page.getByLabel('ログインID').fill('lb-owner');
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL('**/console');
  return page;
}

test('design the form, enter at phone size, draw, see the result', async () => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  const org = await login(desk);
  await org.goto(`${srv.base}/console/rallies/onsen-walk`);
  const tier = org.locator('form[action$="/tiers"]');
  await tier.locator('input[name=name]').fill('温泉宿ペア宿泊券');
  await tier.locator('select[name=kind]').selectOption('lottery');
  await tier.locator('select[name=condition]').selectOption('all');
  for (const [k, v] of [['name', 'required'], ['kana', 'optional'], ['postal', 'required'], ['address', 'required'],
    ['phone', 'required'], ['email', 'optional'], ['age', 'optional'], ['q1', 'optional']]) {
    await tier.locator(`select[name=ask_${k}]`).selectOption(v);
  }
  await tier.locator('input[name=label_q1]').fill('このラリーを何で知りましたか');
  await tier.screenshot({ path: path.join(shots, 'lottery-1-designer.png') });
  await tier.getByRole('button', { name: '特典を追加' }).click();
  await org.waitForURL('**?saved=1');
  assert.match(await org.content(), /温泉宿ペア宿泊券/);

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ja-JP' });
  const p = await phone.newPage();
  await p.goto(`${srv.base}/r/onsen-walk`);
  await p.getByRole('button', { name: '参加する' }).click();
  for (const t of srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'onsen-walk'").split('\n')) {
    await p.goto(`${srv.base}/q/${t}`);
    await p.getByRole('button', { name: 'スタンプをもらう' }).click();
    await p.waitForURL('**/result?new=1');
  }
  await p.goto(`${srv.base}/r/onsen-walk/card`);
  await p.getByRole('link', { name: '応募する' }).click();
  await p.getByLabel('お名前').fill('湯川 花子');
  await p.getByLabel('フリガナ').fill('ゆかわ はなこ');
  await p.getByLabel('郵便番号').fill('123-45');
  await p.getByLabel('住所').fill('静岡県熱海市1-2-3');
  await p.getByLabel('電話番号').fill('０５５７－１２－３４５６');
  await p.getByLabel('年代').selectOption('30s');
  await p.getByLabel('このラリーを何で知りましたか').fill('駅のポスター');
  await p.getByRole('button', { name: '応募する' }).click();
  await p.waitForLoadState('load');
  assert.match(await p.content(), /郵便番号は 7 桁の数字で/);
  assert.equal(await p.getByLabel('住所').inputValue(), '静岡県熱海市1-2-3', 'what was typed stays');
  await p.screenshot({ path: path.join(shots, 'lottery-2-error.png'), fullPage: true });
  await p.getByLabel('郵便番号').fill('4130001');
  await p.getByRole('button', { name: '応募する' }).click();
  await p.waitForURL('**?sent=1');
  assert.match(await p.content(), /応募番号 <strong>1<\/strong>/);
  await p.screenshot({ path: path.join(shots, 'lottery-3-entered.png'), fullPage: true });

  await org.goto(`${srv.base}/console/rallies/onsen-walk`);
  await org.getByRole('link', { name: '応募と抽選' }).click();
  assert.match(await org.content(), /1 件（抽選対象 1 件）/);
  await org.screenshot({ path: path.join(shots, 'lottery-4-console.png'), fullPage: true });
  assert.match(await org.locator('#draw-early').textContent(), /いま抽選すると応募はその時点で締め切られ/);
  await org.getByLabel('当選数').fill('1');
  await org.getByLabel('締切前に抽選し、応募を締め切る').check();
  await org.getByRole('button', { name: '抽選する' }).click();
  await org.waitForURL('**/draws/*');
  const page = await org.content();
  assert.match(page, /同じ当選者になることを確認しました/);
  assert.match(page, /<p class="numbers">1<\/p>/);
  await org.screenshot({ path: path.join(shots, 'lottery-5-draw.png'), fullPage: true });

  await p.goto(`${srv.base}/r/onsen-walk/card`);
  assert.match(await p.content(), /当選/);
  await p.screenshot({ path: path.join(shots, 'lottery-6-card.png'), fullPage: true });
  await p.goto(`${srv.base}/r/onsen-walk`);
  assert.match(await p.content(), /全スポット達成で · 条件達成/);
  await p.screenshot({ path: path.join(shots, 'lottery-7-rally.png'), fullPage: true });
  await phone.close();
  await desk.close();
});
