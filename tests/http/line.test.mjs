// LINE Login against the loopback test double: the happy path, every
// misbehaviour refused with nothing created, the anonymous-then-LINE merge,
// LINE-required rallies, logout with revocation, and no secret in logs,
// pages or the database file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MODES, startLineDouble } from '../line-double/double.mjs';
import { request, startServer } from './helpers.mjs';

const CHANNEL = '1656000001';
const SECRET = 'a9f3c2d8e7b6a5f4c3d2e1f0a9b8c7d6';
let srv;
let line;
let owner;
const pages = [];

before(async () => {
  line = await startLineDouble({ channelId: CHANNEL, secret: SECRET });
  srv = await startServer({ env: { STAMPRALLY_LINE_AUTH_BASE: line.base, STAMPRALLY_LINE_API_BASE: line.base, STAMPRALLY_LINE_TIMEOUT_MS: '1000' } });
  for (const [slug, n] of [['line-opt', 3], ['line-req', 2]]) {
    srv.import({ tenant: 'kanko', slug, title: `LINE ${slug}`, description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: Array.from({ length: n }, (_, i) => ({ name: `S${i + 1}` })) });
  }
  owner = await srv.staff('kanko-owner', srv.user('kanko', 'kanko-owner', 'owner'));
  const csrf = (await owner.get('/console/line')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal((await owner.postForm('/console/line', { _csrf: csrf, channel_id: CHANNEL, channel_secret: SECRET })).status, 303);
  for (const [slug, policy] of [['line-opt', 'line_optional'], ['line-req', 'line_required']]) {
    assert.equal((await owner.postForm(`/console/rallies/${slug}/join-policy`, { _csrf: csrf, join_policy: policy })).status, 303);
  }
});
after(async () => {
  await srv.stop();
  await line.stop();
});

const tokens = (slug) => srv.sql(`SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = '${slug}' ORDER BY s.position`).split('\n');
const count = (sql) => Number(srv.sql(sql));

/** The dashboard's counters for a rally next to what they count, from the
 * rows themselves: {joins: [counted, actual], ...}. */
function countersVsRows(slug) {
  const r = `(SELECT id FROM rallies WHERE slug = '${slug}')`;
  const mine = `SELECT id FROM participants WHERE rally_id = ${r}`;
  const pair = (counted, actual) => [count(`SELECT coalesce(sum(${counted}), 0) FROM rally_hourly WHERE rally_id = ${r}`), count(actual)];
  return {
    joins: pair('joins', `SELECT count(*) FROM participants WHERE rally_id = ${r}`),
    first_stamps: pair('first_stamps', `SELECT count(DISTINCT participant_id) FROM stamps WHERE participant_id IN (${mine})`),
    stamps: pair('stamps', `SELECT count(*) FROM stamps WHERE participant_id IN (${mine})`),
    completions: pair('completions', `SELECT count(*) FROM participants WHERE rally_id = ${r} AND completed_at IS NOT NULL`),
    spot_totals: [count(`SELECT coalesce(sum(stamps), 0) FROM spot_totals WHERE spot_id IN (SELECT id FROM spots WHERE rally_id = ${r})`),
      count(`SELECT count(*) FROM stamps WHERE participant_id IN (${mine})`)],
  };
}

function assertCountersMatchRows(slug, when) {
  for (const [name, [counted, actual]] of Object.entries(countersVsRows(slug))) {
    assert.equal(counted, actual, `${when}: dashboard ${name} ${counted}, rows ${actual}`);
  }
}

/** Walk the redirect flow: our start → the double's authorize → our callback. */
async function loginWithLine(c, slug, { retry = false } = {}) {
  const start = await c.get(`/auth/line/start?rally=${slug}${retry ? '&retry=1' : ''}`);
  assert.equal(start.status, 303, start.text.slice(0, 300));
  const authorize = new URL(start.headers.location);
  assert.equal(authorize.origin, line.base);
  const back = await request(line.base, 'GET', authorize.pathname + authorize.search);
  assert.equal(back.status, 302, back.text);
  const cb = new URL(back.headers.location);
  const res = await c.get(cb.pathname + cb.search);
  pages.push(res.text);
  return { start, authorize, res };
}

describe('LINE Login', () => {
  test('the authorization request carries code flow, openid profile, state, nonce and PKCE S256', async () => {
    line.mode = 'ok';
    const { authorize, res } = await loginWithLine(srv.client(), 'line-opt');
    const q = authorize.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), CHANNEL);
    assert.equal(q.get('scope'), 'openid profile');
    assert.equal(q.get('redirect_uri'), `${srv.base}/auth/line/callback`);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.ok(q.get('state').length >= 22 && q.get('nonce').length >= 22);
    assert.equal(q.get('disable_auto_login'), null);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/r/line-opt/card');
    const tr = line.tokenRequests.at(-1);
    assert.equal(tr.grant_type, 'authorization_code');
    assert.ok(tr.code_verifier.length >= 43);
  });

  test('the happy path creates the participant; the name is sealed at rest', async () => {
    line.mode = 'ok';
    line.user = { sub: 'U1111111111111111111111111111111a', name: '山田 花子', picture: '' };
    const before = count("SELECT count(*) FROM participants WHERE line_sub IS NOT NULL");
    const c = srv.client();
    await loginWithLine(c, 'line-opt');
    assert.equal(count("SELECT count(*) FROM participants WHERE line_sub IS NOT NULL"), before + 1);
    const card = await c.get('/api/v1/rallies/line-opt/card');
    assert.equal(card.status, 200);
    assert.equal(srv.sql(`SELECT count(*) FROM participants WHERE line_name LIKE '%山田%'`), '0');
    assert.match((await c.get('/r/line-opt')).text, /山田 花子 さんとしてLINEでログイン中/);
  });

  for (const mode of MODES) {
    test(`misbehaving LINE (${mode}) is refused and nothing is created`, async () => {
      line.mode = mode;
      line.user = { sub: `U${mode.padEnd(32, 'x')}`.slice(0, 33), name: 'X', picture: '' };
      const participants = count('SELECT count(*) FROM participants');
      const sessions = count('SELECT count(*) FROM sessions');
      const c = srv.client();
      const { res } = await loginWithLine(c, 'line-opt');
      assert.ok(res.status !== 303, `${mode}: ${res.status}`);
      assert.match(res.text, /もう一度LINEでログイン/);
      if (mode.startsWith('user_cancel')) assert.match(res.text, /キャンセルされました/);
      if (mode === 'state_mismatch') assert.match(res.text, /retry=1/);
      assert.equal(count('SELECT count(*) FROM participants'), participants, mode);
      assert.equal(count('SELECT count(*) FROM sessions'), sessions, mode);
      assert.ok(!c.cookies.has('sid'));
      line.mode = 'ok';
    });
  }

  test('a state mismatch retries with disable_auto_login=true', async () => {
    line.mode = 'ok';
    const { authorize } = await loginWithLine(srv.client(), 'line-opt', { retry: true });
    assert.equal(authorize.searchParams.get('disable_auto_login'), 'true');
  });

  test('a state from another browser is refused', async () => {
    line.mode = 'ok';
    const a = srv.client();
    const start = await a.get('/auth/line/start?rally=line-opt');
    const authorize = new URL(start.headers.location);
    const back = await request(line.base, 'GET', authorize.pathname + authorize.search);
    const cb = new URL(back.headers.location);
    const thief = srv.client();
    const res = await thief.get(cb.pathname + cb.search);
    assert.equal(res.status, 400);
    assert.ok(!thief.cookies.has('sid'));
    // LINE finishing in another browser (private browsing): the page still
    // offers the retry for this rally, without LINE's auto login.
    assert.match(res.text, /href="\/auth\/line\/start\?rally=line-opt&amp;retry=1"/);
  });

  test('an anonymous card merges into the LINE card: union, never a duplicate', async () => {
    line.mode = 'ok';
    line.user = { sub: 'U2222222222222222222222222222222b', name: 'Merge Me', picture: '' };
    const t = tokens('line-opt');
    const phone1 = srv.client();
    await loginWithLine(phone1, 'line-opt');
    assert.equal((await phone1.postJson('/api/v1/stamps', { qr_token: t[0] })).status, 201);
    const phone2 = srv.client();
    await phone2.postJson('/api/v1/rallies/line-opt/join');
    await phone2.postJson('/api/v1/stamps', { qr_token: t[0] });
    await phone2.postJson('/api/v1/stamps', { qr_token: t[1] });
    const anonymous = count('SELECT count(*) FROM participants WHERE line_sub IS NULL');
    const oldSid = phone2.cookies.get('sid');
    await loginWithLine(phone2, 'line-opt');
    assert.notEqual(phone2.cookies.get('sid'), oldSid, 'the session token is rotated at login');
    const stale = srv.client();
    stale.cookies.set('sid', oldSid);
    assert.equal((await stale.get('/api/v1/rallies/line-opt/card')).status, 401, 'the old token is dead');
    const card = await phone2.get('/api/v1/rallies/line-opt/card');
    assert.deepEqual(card.json.progress, { collected: 2, total: 3 });
    assert.equal(count("SELECT count(*) FROM stamps t JOIN participants p ON p.id = t.participant_id WHERE p.line_sub = 'U2222222222222222222222222222222b'"), 2);
    assert.equal(count('SELECT count(*) FROM participants WHERE line_sub IS NULL'), anonymous - 1, 'the anonymous card is gone');
    assertCountersMatchRows('line-opt', 'after the merge');
    await phone2.postJson('/api/v1/stamps', { qr_token: t[2] });
    const done = await phone2.get('/api/v1/rallies/line-opt/card');
    assert.equal(done.json.completed, true);
    assertCountersMatchRows('line-opt', 'after completing');
    const phone3 = srv.client();
    await loginWithLine(phone3, 'line-opt');
    assert.deepEqual((await phone3.get('/api/v1/rallies/line-opt/card')).json.progress, { collected: 3, total: 3 },
      'the same LINE user on another phone sees the same card');
  });

  test('a complete anonymous card merged into an empty LINE card: the dashboard still counts each person once', async () => {
    line.mode = 'ok';
    line.user = { sub: 'U5555555555555555555555555555555e', name: 'Later', picture: '' };
    const t = tokens('line-opt');
    const first = srv.client();
    await loginWithLine(first, 'line-opt'); // the LINE card exists, with no stamps
    const anon = srv.client();
    await anon.postJson('/api/v1/rallies/line-opt/join');
    for (const tok of t) assert.equal((await anon.postJson('/api/v1/stamps', { qr_token: tok })).status, 201);
    assert.equal((await anon.get('/api/v1/rallies/line-opt/card')).json.completed, true);
    assertCountersMatchRows('line-opt', 'before the merge');
    await loginWithLine(anon, 'line-opt');
    const card = await anon.get('/api/v1/rallies/line-opt/card');
    assert.equal(card.json.completed, true, 'the LINE card is complete after the merge');
    assertCountersMatchRows('line-opt', 'after the merge');
  });

  test('a LINE-required rally refuses anonymous joins and stamps; LINE users collect', async () => {
    line.mode = 'ok';
    line.user = { sub: 'U3333333333333333333333333333333c', name: 'Req', picture: '' };
    const anon = srv.client();
    const j = await anon.postJson('/api/v1/rallies/line-req/join');
    assert.equal(j.status, 403);
    assert.equal(j.json.error.code, 'line_required');
    const page = await anon.get('/r/line-req');
    assert.doesNotMatch(page.text, /action="\/r\/line-req\/join"/);
    assert.match(page.text, /LINEでログインして参加/);
    const t = await anon.csrfFrom(`/q/${tokens('line-req')[0]}`);
    assert.equal((await anon.postForm(`/q/${tokens('line-req')[0]}`, { _csrf: t })).status, 403);
    const u = srv.client();
    await loginWithLine(u, 'line-req');
    assert.equal((await u.postJson('/api/v1/stamps', { qr_token: tokens('line-req')[0] })).status, 201);
  });

  test('the participant quota of the tenant holds for LINE logins too; a known LINE user still gets in', async () => {
    line.mode = 'ok';
    const full = count("SELECT count(*) FROM participants p JOIN rallies r ON r.id = p.rally_id WHERE r.slug = 'line-req'");
    assert.equal(srv.cli(['tenant', 'quota', 'kanko', '--participants', String(full)]).status, 0);
    try {
      line.user = { sub: 'U4444444444444444444444444444444d', name: 'Late', picture: '' };
      const before = count('SELECT count(*) FROM participants');
      const { res } = await loginWithLine(srv.client(), 'line-req');
      assert.equal(res.status, 409, res.text.slice(0, 300));
      assert.match(res.text, /参加者数の上限/);
      assert.equal(count('SELECT count(*) FROM participants'), before, 'nobody was added');
      line.user = { sub: 'U3333333333333333333333333333333c', name: 'Req', picture: '' };
      const again = await loginWithLine(srv.client(), 'line-req');
      assert.equal(again.res.status, 303, 'an existing LINE participant logs in from a new phone');
    } finally {
      assert.equal(srv.cli(['tenant', 'quota', 'kanko', '--participants', '0']).status, 0);
    }
  });

  test('logout revokes the access token and ends the session', async () => {
    line.mode = 'ok';
    line.user = { sub: 'U4444444444444444444444444444444d', name: 'Bye', picture: '' };
    const c = srv.client();
    await loginWithLine(c, 'line-opt');
    const revoked = line.revoked.length;
    const t = await c.csrfFrom('/r/line-opt');
    const out = await c.postForm('/auth/line/logout', { _csrf: t, rally: 'line-opt' });
    assert.equal(out.status, 303);
    assert.equal(line.revoked.length, revoked + 1);
    assert.equal((await c.get('/api/v1/rallies/line-opt/card')).status, 401);
  });

  test('the channel secret never appears in logs, pages or the database file', async () => {
    const settings = await owner.get('/console/line');
    pages.push(settings.text);
    assert.match(settings.text, /設定済み/);
    for (const p of pages) assert.ok(!p.includes(SECRET), 'secret in a page');
    assert.ok(!srv.stderr.includes(SECRET), 'secret in the server log');
    assert.match(srv.stderr, /line login refused/);
    for (const f of fs.readdirSync(srv.data).filter((n) => n.startsWith('stamprally.db'))) {
      assert.ok(!fs.readFileSync(path.join(srv.data, f)).includes(SECRET), `secret in ${f}`);
    }
    assert.ok(srv.sql("SELECT line_channel_secret FROM tenants WHERE slug = 'kanko'").length > 60, 'sealed');
  });
});
