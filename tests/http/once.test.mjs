// One unit of work per request: every handler runs once, so what it does
// outside the database happens once. Counted exactly through /metrics (one
// route of each kind: read, write, writer) and through the LINE double's
// own request log; and a slow LINE holds no lock that anyone else waits on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startLineDouble } from '../line-double/double.mjs';
import { request, startServer } from './helpers.mjs';

const CHANNEL = '1656000077';
const SECRET = 'b9f3c2d8e7b6a5f4c3d2e1f0a9b8c7d6';
let srv;
let line;
let owner;

before(async () => {
  line = await startLineDouble({ channelId: CHANNEL, secret: SECRET });
  // LINE may take 5 s before the server gives up: long enough to see who waits.
  srv = await startServer({ env: { STAMPRALLY_LINE_AUTH_BASE: line.base, STAMPRALLY_LINE_API_BASE: line.base,
    STAMPRALLY_LINE_TIMEOUT_MS: '5000' } });
  srv.import({ tenant: 'once', slug: 'once', title: 'Once', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: Array.from({ length: 40 }, (_, i) => ({ name: `S${i + 1}` })) });
  owner = await srv.staff('once-owner', srv.user('once', 'once-owner', 'owner'));
  const csrf = (await owner.get('/console/line')).text.match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal((await owner.postForm('/console/line', { _csrf: csrf, channel_id: CHANNEL, channel_secret: SECRET })).status, 303);
  assert.equal((await owner.postForm('/console/rallies/once/join-policy', { _csrf: csrf, join_policy: 'line_optional' })).status, 303);
});
after(async () => {
  await srv.stop();
  await line.stop();
});

/** Every counter of /metrics as {'name{labels}': value}. */
async function metrics() {
  const m = await srv.metrics();
  assert.equal(m.status, 200);
  return Object.fromEntries(m.text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const i = l.lastIndexOf(' ');
    return [l.slice(0, i), Number(l.slice(i + 1))];
  }));
}

/** Run fn and return how much each counter moved. */
async function delta(fn) {
  const a = await metrics();
  await fn();
  const b = await metrics();
  return Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)]));
}

const tokens = () => srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'once' ORDER BY s.position").split('\n');

describe('each handler runs once (counted in /metrics)', () => {
  test('R_READ: one failed login moves the failed counter by exactly 1, one success the ok counter by 1', async () => {
    const c = srv.client();
    const t = await c.csrfFrom('/console/login');
    let d = await delta(async () => {
      assert.equal((await c.postForm('/console/login', { _csrf: t, login: 'once-owner', password: 'wrong password 1' })).status, 401);
    });
    assert.equal(d['stamprally_logins_total{result="failed"}'], 1);
    assert.equal(d['stamprally_logins_total{result="ok"}'], 0);
    d = await delta(async () => {
      assert.equal((await c.postForm('/console/login', { _csrf: t, login: 'no-such-login', password: 'whatever 12' })).status, 401);
    });
    assert.equal(d['stamprally_logins_total{result="failed"}'], 1, 'an unknown login ID counts once too');
    const events = Number(srv.sql("SELECT count(*) FROM security_events WHERE kind = 'login_failed'"));
    assert.equal(events, 2, 'one security event per failed login');
    const fails = Number(srv.sql("SELECT failures FROM attempt_throttle WHERE key = 'id:once-owner'"));
    assert.equal(fails, 1, 'the login ID counts the one failure once');
    d = await delta(async () => { await srv.staff('once-owner2', srv.user('once', 'once-owner2', 'owner')); });
    assert.equal(d['stamprally_logins_total{result="ok"}'], 1);
    assert.equal(d['stamprally_logins_total{result="failed"}'], 0);
  });

  test('R_READ: one CSV export moves the export counter by exactly 1 and writes one audit event', async () => {
    const before = Number(srv.sql("SELECT count(*) FROM security_events WHERE kind = 'export'"));
    const d = await delta(async () => {
      const r = await owner.get('/console/rallies/once/export/stamps.csv');
      assert.equal(r.status, 200);
    });
    assert.equal(d.stamprally_exports_total, 1);
    assert.equal(Number(srv.sql("SELECT count(*) FROM security_events WHERE kind = 'export'")), before + 1);
  });

  test('R_WRITE: one join moves the join counter by 1; joining again or a refused join by 0', async () => {
    const c = srv.client();
    let d = await delta(async () => { assert.equal((await c.postJson('/api/v1/rallies/once/join')).status, 201); });
    assert.equal(d.stamprally_joins_total, 1);
    d = await delta(async () => { assert.equal((await c.postJson('/api/v1/rallies/once/join')).status, 200); });
    assert.equal(d.stamprally_joins_total, 0);
    d = await delta(async () => { assert.equal((await srv.client().postJson('/api/v1/rallies/nope/join')).status, 404); });
    assert.equal(d.stamprally_joins_total, 0);
  });

  test('R_WRITER: one stamp moves the stamp counter by 1; a repeat and a refused claim by 0', async () => {
    const c = srv.client();
    await c.postJson('/api/v1/rallies/once/join');
    const [t] = tokens();
    let d = await delta(async () => { assert.equal((await c.postJson('/api/v1/stamps', { qr_token: t })).status, 201); });
    assert.equal(d.stamprally_stamps_total, 1);
    d = await delta(async () => { assert.equal((await c.postJson('/api/v1/stamps', { qr_token: t })).status, 200); });
    assert.equal(d.stamprally_stamps_total, 0);
    const spot = srv.sql("SELECT public_id FROM spots WHERE name = 'S2'");
    d = await delta(async () => {
      assert.equal((await c.postJson('/api/v1/stamps', { spot_id: spot, method: 'gps', lat: 35, lng: 139, accuracy: 5 })).status, 403);
    });
    assert.equal(d.stamprally_stamps_total, 0);
  });
});

/** Start a LINE login for client c and return the callback URL LINE sends back. */
async function callbackUrl(c) {
  const start = await c.get('/auth/line/start?rally=once');
  assert.equal(start.status, 303);
  const authorize = new URL(start.headers.location);
  const back = await request(line.base, 'GET', authorize.pathname + authorize.search);
  const cb = new URL(back.headers.location);
  return cb.pathname + cb.search;
}

describe('LINE is asked once, and never under the write lock', () => {
  for (const mode of ['token_400', 'token_500']) {
    test(`a refused callback (${mode}) calls the token endpoint exactly once and uses its state up`, async () => {
      line.mode = 'ok';
      const c = srv.client();
      const cb = await callbackUrl(c);
      line.mode = mode;
      const n = line.tokenRequests.length;
      const res = await c.get(cb);
      assert.equal(res.status, 502);
      assert.equal(line.tokenRequests.length, n + 1, 'one token request');
      const state = new URL(cb, srv.base).searchParams.get('state');
      assert.equal(srv.sql(`SELECT count(*) FROM oauth_states WHERE state = '${state}'`), '0', 'state used up');
      line.mode = 'ok';
      const again = await c.get(cb);
      assert.equal(again.status, 400, 'the same callback again is a state mismatch');
      assert.equal(line.tokenRequests.length, n + 1, 'and does not reach LINE');
    });
  }

  test('a successful callback calls the token endpoint once', async () => {
    line.mode = 'ok';
    const c = srv.client();
    const cb = await callbackUrl(c);
    const n = line.tokenRequests.length;
    const res = await c.get(cb);
    assert.equal(res.status, 303);
    assert.equal(line.tokenRequests.length, n + 1);
  });

  test('while LINE holds a token request, joins and stamp claims elsewhere are answered', async () => {
    line.mode = 'ok';
    const slow = srv.client();
    const cb = await callbackUrl(slow);
    line.mode = 'held_500'; // the double holds each token request until released, then answers 500
    const n = line.tokenRequests.length;
    let done = false;
    const pending = slow.get(cb).then((r) => { done = true; return r; });
    const ts = tokens();
    let next = 20;
    // Each time LINE holds a request of this callback, the rest of the
    // service must go on: ten joins and claims must all be answered while
    // it is held (a write lock held across the call would stall them until
    // the release, which only comes after them).
    while (!done) {
      const held = line.held.length;
      if (!held) { await new Promise((r) => setTimeout(r, 5)); continue; }
      const work = (async () => {
        for (let i = 0; i < 5; i++) {
          const c = srv.client();
          assert.equal((await c.postJson('/api/v1/rallies/once/join')).status, 201);
          assert.equal((await c.postJson('/api/v1/stamps', { qr_token: ts[next++ % ts.length] })).status, 201);
        }
        return 'answered';
      })();
      const stalled = new Promise((r) => { setTimeout(() => r('stalled'), 4000).unref(); });
      assert.equal(await Promise.race([work, stalled]), 'answered', 'joins and claims wait for LINE');
      line.release();
    }
    assert.equal((await pending).status, 502);
    assert.equal(line.tokenRequests.length, n + 1, 'LINE was asked once');
    line.mode = 'ok';
  });
});
