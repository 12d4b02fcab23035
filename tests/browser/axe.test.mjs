// Accessibility of every participant, console and /ops page (issue 17): axe-core
// (npm) runs in Debian Chromium on each page at phone and desktop size, in
// Japanese and English. Any violation of impact serious or critical fails
// the test; moderate and minor ones are listed in the test's output.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { launchChromium, tileServer } from './chromium.mjs';
import { operatorLogin, startServer } from '../http/helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
let srv;
let browser;
let tiles;
const who = {};      // name → HTTP client whose cookies a browser context takes
const pages = [];    // [who, path]

const csrfOf = (html) => html.match(/name="_csrf" value="([^"]+)"/)[1];
const sql = (q) => srv.sql(q);

before(async () => {
  tiles = await tileServer({ '/axe.min.js': AXE }); // the maps' tiles, and axe-core with a cache
  // mail on (to a port nobody listens on: nothing is sent here), so the card has its e-mail form
  srv = await startServer({ env: { STAMPRALLY_MAP_TILE_URL: tiles.url, STAMPRALLY_MAIL_SMTP_URL: 'smtp://127.0.0.1:9',
    STAMPRALLY_MAIL_TLS: 'none', STAMPRALLY_MAIL_FROM: 'stamprally <noreply@example.jp>' } });
  for (let i = 0; i < 100 && !/password: \S+/.test(srv.stdout); i++) await new Promise((r) => setTimeout(r, 50));
  const owner = await srv.staff('demo-owner', srv.stdout.match(/password: (\S+)/)[1]);
  const desk = await srv.staff('demo-desk', srv.user('demo', 'demo-desk', 'desk'));
  const slug = 'minato-walk';
  const spots = sql(`SELECT s.public_id || ' ' || s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = '${slug}' ORDER BY s.position`)
    .split('\n').map((l) => l.split(' '));
  // A desk screen needs a spot taking rotating codes.
  const t = csrfOf((await owner.get('/console')).text);
  assert.equal((await owner.postForm(`/console/rallies/${slug}/spots/${spots[0][0]}/methods`, { _csrf: t, m_qr: '1', m_rotating_qr: '1' })).status, 303);

  // A participant who collected everything, took the coupon and can enter the draw.
  const p = srv.client();
  const join = await p.postForm(`/r/${slug}/join`, { _csrf: csrfOf((await p.get(`/r/${slug}`)).text) });
  assert.equal(join.status, 303);
  for (const [, token] of spots) {
    const r = await p.postForm(`/q/${token}`, { _csrf: csrfOf((await p.get(`/q/${token}`)).text) });
    assert.equal(r.status, 303, `claim ${token}`);
  }
  const card = (await p.get(`/r/${slug}/card`)).text;
  const coupon = card.match(/action="(\/r\/[^"]+\/rewards\/[^"]+)"/)[1];
  assert.equal((await p.postForm(coupon, { _csrf: csrfOf(card) })).status, 303);
  const code = (await p.get(`/r/${slug}/card`)).text.match(/href="\/rewards\/([^"]+)"/)[1];
  const lottery = card.match(/href="\/r\/[^"]+\/lottery\/([^"]+)"/)[1];
  const made = srv.cli(['operator', 'create', '--login', 'axe-op']);
  assert.equal(made.status, 0, made.stderr);
  const op = await operatorLogin(srv.base, 'axe-op', JSON.parse(made.stdout).password);
  Object.assign(who, { p, owner, desk, op, nobody: srv.client() });

  // A drawn lottery's page: a second lottery of the demo rally, entered by a second participant, drawn
  // before its deadline (confirmed); the first lottery stays open, so its entry form is checked too.
  assert.equal((await owner.postForm(`/console/rallies/${slug}/tiers`, { _csrf: t, name: '抽選で1名様に 船の旅', kind: 'lottery',
    condition: 'all', ask_name: 'required', ask_kana: 'no', ask_postal: 'no', ask_address: 'no', ask_phone: 'no', ask_email: 'no',
    ask_age: 'no', ask_q1: 'no', ask_q2: 'no', ask_q3: 'no' })).status, 303);
  const cruise = sql("SELECT public_id FROM reward_tiers WHERE name = '抽選で1名様に 船の旅'");
  const q = srv.client();
  assert.equal((await q.postForm(`/r/${slug}/join`, { _csrf: csrfOf((await q.get(`/r/${slug}`)).text) })).status, 303);
  for (const [, token] of spots) assert.equal((await q.postForm(`/q/${token}`, { _csrf: csrfOf((await q.get(`/q/${token}`)).text) })).status, 303);
  const entry = `/r/${slug}/lottery/${cruise}`;
  assert.equal((await q.postForm(entry, { _csrf: csrfOf((await q.get(entry)).text), name: '応募 花子' })).status, 303);
  const drawn = await owner.postForm(`/console/rallies/${slug}/lottery/${cruise}/draw`, { _csrf: t, count: '1', early: '1' });
  assert.equal(drawn.status, 303, drawn.text.slice(0, 300));
  // An erasure certificate's page: a tenant of its own, purged.
  srv.import({ tenant: 'axe-gone', slug: 'axe-gone-walk', title: '消える町', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
  const purged = srv.cli(['tenant', 'purge', 'axe-gone', '--reason', '契約終了', '--confirm', 'axe-gone']);
  assert.equal(purged.status, 0, purged.stderr);
  const certificate = sql("SELECT public_id FROM erasure_certificates WHERE tenant_slug = 'axe-gone'");
  assert.match(certificate, /^\S+$/);
  assert.match(drawn.headers.location, /\/draws\/[^/]+$/);

  // The rotating code's claim page, as the desk screen shows it (a refusal once its code has expired: a page too).
  const deskPage = (await desk.get(`/console/desk/${slug}/${spots[0][0]}`)).text;
  const rotating = deskPage.match(/https?:\/\/[^/<"]+(\/t\/[^/<"]+\/[A-Za-z0-9_-]{22})/)[1];
  pages.push(...[
    '/', `/r/${slug}`, `/r/${slug}/card`, `/r/${slug}/complete`, `/r/${slug}/spots/${spots[1][0]}`, `/q/${spots[1][1]}`,
    `/q/${spots[1][1]}/result?new=1`, `/rewards/${code}`, `/r/${slug}/lottery/${lottery}`, '/recover', '/status', '/r/no-such-rally',
    rotating,
  ].map((u) => ['p', u]));
  pages.push(...[`/r/${slug}`, `/q/${spots[2][1]}`, '/console/login', '/ops/login'].map((u) => ['nobody', u]));
  pages.push(...['/ops', '/ops/operators', '/ops/announcements', '/ops/certificates', `/ops/certificates/${certificate}`, '/ops/audit']
    .map((u) => ['op', u]));
  pages.push(...[
    '/console', '/console/rallies/new', `/console/rallies/${slug}`, `/console/rallies/${slug}/spots/new`,
    `/console/rallies/${slug}/spots/${spots[0][0]}`, `/console/rallies/${slug}/posters`, `/console/rallies/${slug}/spots/${spots[0][0]}/poster`,
    `/console/rallies/${slug}/translations?to=en`, `/console/rallies/${slug}/translations?to=ko`, `/console/rallies/${slug}/dashboard`, `/console/rallies/${slug}/lottery/${lottery}`,
    drawn.headers.location, '/console/users', '/console/audit',
    '/console/password', '/console/totp', '/console/email', '/console/line',
  ].map((u) => ['owner', u]));
  pages.push(...['/console/desk', `/console/desk/redeem?code=${code}`, `/console/desk/${slug}/${spots[0][0]}`].map((u) => ['desk', u]));
  browser = await launchChromium();
});
after(async () => { await browser?.close(); await srv?.stop(); tiles?.close(); });

/** A browser context with the cookies of client c, in lang at size. */
async function contextOf(c, lang, size) {
  const ctx = await browser.newContext({ viewport: SIZES[size], isMobile: size === 'phone', hasTouch: size === 'phone',
    locale: lang === 'ja' ? 'ja-JP' : 'en-US', bypassCSP: true }); // bypassCSP: only to inject axe
  const cookies = [...c.cookies].map(([name, value]) => ({ name, value, url: srv.base }));
  if (cookies.length) await ctx.addCookies(cookies);
  return ctx;
}

/** axe-core's violations on the page now: [{id, impact, help, nodes}]. */
async function axe(page) {
  await page.addScriptTag({ url: `${tiles.base}/axe.min.js` }); // cached: compiled once, not on every page
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

// The four runs at once: most of their time is Chromium's, spread over both CPUs.
describe('axe on every page', { concurrency: 4 }, () => {
for (const lang of ['ja', 'en']) {
  for (const size of Object.keys(SIZES)) {
    test(`axe: no serious or critical violation on any page (${lang}, ${size})`, async () => {
      const serious = [], moderate = [];
      const contexts = {}, tabs = {};
      for (const [w, url] of pages) {
        contexts[w] ||= await contextOf(who[w], lang, size);
        tabs[w] ||= await contexts[w].newPage(); // one tab per visitor, going from page to page
        const page = tabs[w];
        const res = await page.goto(`${srv.base}${url}`);
        assert.ok(res.status() < 500, `${url}: ${res.status()}`);
        for (const v of await axe(page)) {
          const line = `${url} [${w}] ${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(', ')}`;
          (v.impact === 'serious' || v.impact === 'critical' ? serious : moderate).push(line);
        }
      }
      // The certificate is the answer to a form.
      const page = await contexts.p.newPage();
      await page.goto(`${srv.base}/r/minato-walk/complete`);
      await page.locator('input[name=name]').fill('山田 花子');
      await page.locator('form[action$="/certificate"] button[type=submit]').click();
      await page.waitForSelector('[data-certificate]');
      for (const v of await axe(page)) {
        (v.impact === 'serious' || v.impact === 'critical' ? serious : moderate).push(`certificate ${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(', ')}`);
      }
      for (const ctx of Object.values(contexts)) await ctx.close();
      if (moderate.length) console.log(`moderate or minor (${lang}, ${size}):\n  ${moderate.join('\n  ')}`);
      assert.deepEqual(serious, [], `serious or critical (${lang}, ${size}):\n  ${serious.join('\n  ')}`);
    });
  }
}
});

test('the desk screen has no meta refresh: it swaps in the next code in place when the period ends', async () => {
  const ctx = await contextOf(who.desk, 'ja', 'desktop');
  const page = await ctx.newPage();
  await page.clock.install();
  const url = pages.find(([w, u]) => w === 'desk' && /^\/console\/desk\/[^/]+\/[^/]+$/.test(u))[1];
  let loads = 0;
  page.on('load', () => { loads++; });
  await page.goto(`${srv.base}${url}`);
  assert.equal(await page.locator('head meta[http-equiv="refresh"]').count(), 0, 'only inside <noscript>');
  const wait = Number(await page.locator('[data-rotate-in]').getAttribute('data-rotate-in'));
  assert.ok(wait >= 1 && wait <= 30, `the code's time left: ${wait}`);
  await page.evaluate(() => { document.querySelector('[data-rotate-in] svg').dataset.old = '1'; });
  const fetched = page.waitForResponse((r) => r.url().endsWith(url) && r.request().resourceType() === 'fetch');
  await page.clock.fastForward(wait * 1000 + 100);
  assert.equal((await fetched).status(), 200);
  await page.waitForFunction(() => !document.querySelector('[data-rotate-in] svg').dataset.old);
  assert.match(await page.locator('[data-rotate-in] .url').last().textContent(), /^http:\/\/.+\/t\/[^/]+\/[A-Za-z0-9_-]{22}$/);
  assert.equal(loads, 1, 'no reload');
  await ctx.close();
});

test('the first Tab reaches a skip link to the main content, on participant and console pages', async () => {
  for (const [w, url, text] of [['p', '/r/minato-walk', '本文へ移動'], ['owner', '/console', '本文へ移動'], ['p', '/r/minato-walk?lang=en', 'Skip to content']]) {
    const ctx = await contextOf(who[w], 'ja', 'phone');
    const page = await ctx.newPage();
    await page.goto(`${srv.base}${url}`);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({ text: document.activeElement.textContent, href: document.activeElement.getAttribute('href'),
      visible: document.activeElement.getBoundingClientRect().top >= 0 }));
    assert.deepEqual(focused, { text, href: '#main', visible: true }, url);
    assert.equal(await page.locator('main#main').count(), 1);
    await ctx.close();
  }
});
