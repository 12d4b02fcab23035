// The operator's path in Chromium: log in on /ops, enrol the authenticator
// (the key read off the page), keep the recovery codes, create a tenant with
// its first owner, set a quota, announce maintenance, purge the tenant by
// typing its ID, and open the printable erasure certificate; then the same
// console on a phone. Screenshots: ops-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { cli, startServer, totp } from '../http/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
let srv;
let browser;
let pw;

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  srv = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off' } });
  const r = cli(['operator', 'create', '--login', 'ops-taro', '--data', srv.data]);
  assert.equal(r.status, 0, r.stderr);
  pw = JSON.parse(r.stdout).password;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => { await browser?.close(); await srv?.stop(); });

const shot = (page, name) => page.screenshot({ path: path.join(shots, `ops-${name}.png`), fullPage: true });

test('an operator enrols TOTP, creates a tenant, announces, purges it and opens the certificate', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'ja-JP' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(`${srv.base}/ops/login`);
  await page.getByLabel('ログインID').fill('ops-taro');
  await page.getByLabel('パスワード').fill(pw);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL('**/ops/totp');
  await page.getByRole('button', { name: '認証アプリを設定する' }).click();
  await page.locator('svg.qr.totp').waitFor();
  await shot(page, '1-enrol');
  const secret = (await page.locator('code.secret').textContent()).replace(/\s/g, '');
  await page.getByLabel('アプリに表示されているコード').fill(totp(secret));
  await page.getByRole('button', { name: '確認して有効にする' }).click();
  assert.equal(await page.locator('ol.codes li').count(), 10);
  await shot(page, '2-recovery-codes');
  await page.getByRole('link', { name: '続ける' }).click();
  await page.waitForURL('**/ops');

  await page.locator('form[action="/ops/tenants"] input[name=slug]').fill('minato');
  await page.locator('form[action="/ops/tenants"] input[name=name]').fill('港北商店街振興組合');
  await page.locator('form[action="/ops/tenants"] input[name=owner]').fill('minato-owner');
  await page.getByRole('button', { name: '作成', exact: true }).click();
  assert.match(await page.locator('h1').textContent(), /テナントを作成しました/);
  assert.ok((await page.locator('code.secret').textContent()).length >= 16);
  await page.getByRole('link', { name: '戻る' }).click();
  const row = page.locator('tr', { hasText: '港北商店街振興組合' });
  await row.locator('input[name=rallies]').fill('3');
  await row.getByRole('button', { name: '保存' }).click();
  await page.waitForURL('**/ops');
  assert.equal(await page.locator('tr', { hasText: '港北商店街振興組合' }).locator('input[name=rallies]').inputValue(), '3');
  await shot(page, '3-tenants');

  await page.getByRole('link', { name: 'お知らせ', exact: true }).click();
  const local = (days) => new Date(Date.now() + 9 * 3600e3 + days * 86400e3).toISOString().slice(0, 16);
  await page.locator('input[name=from]').fill(local(10));
  await page.locator('input[name=to]').fill(local(10.1));
  await page.locator('textarea[name=ja]').fill('12月の定期メンテナンスのお知らせ');
  await page.getByRole('button', { name: 'お知らせする' }).click();
  await page.waitForURL('**/ops/announcements');
  assert.match(await page.locator('table').textContent(), /定期メンテナンス/);
  await shot(page, '4-announcements');

  await page.getByRole('link', { name: 'テナント', exact: true }).click();
  const r2 = page.locator('tr', { hasText: '港北商店街振興組合' });
  await r2.locator('summary').click();
  await r2.getByLabel('確認のためテナントIDを入力').fill('minato');
  await r2.locator('details.purge input[name=reason]').fill('契約終了のため');
  await r2.getByRole('button', { name: 'このテナントを消去する' }).click();
  await page.waitForURL('**/ops/certificates');
  for (let i = 0; i < 60 && !(await page.getByRole('link', { name: '表示' }).count()); i++) {
    await page.waitForTimeout(200);
    await page.reload();
  }
  await page.getByRole('link', { name: '表示' }).first().click();
  assert.match(await page.locator('h1').textContent(), /消去証明書/);
  assert.match(await page.locator('article').textContent(), /港北商店街振興組合[\s\S]*契約終了のため/);
  await shot(page, '5-certificate');

  // the same console on a phone
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP', isMobile: true });
  await phone.addCookies(await ctx.cookies());
  const p2 = await phone.newPage();
  await p2.goto(`${srv.base}/ops`);
  await shot(p2, '6-phone');
  const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scrolling on a phone (${overflow} px)`);
  assert.deepEqual(errors, []);
  await ctx.close();
  await phone.close();
});
