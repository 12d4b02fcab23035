// Health, readiness, static files, the access log, language choice, cookies.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { eventually, request, startServer } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

describe('health', () => {
  test('/healthz answers ok; /readyz checks the database', async () => {
    const h = await request(srv.base, 'GET', '/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.text, 'ok\n');
    const r = await request(srv.base, 'GET', '/readyz');
    assert.equal(r.status, 200);
  });

  test('/healthz does not touch the database; /readyz notices it is gone', async () => {
    const other = await startServer();
    try {
      fs.rmSync(other.data, { recursive: true, force: true });
      const h = await request(other.base, 'GET', '/healthz');
      assert.equal(h.status, 200);
      const r = await request(other.base, 'GET', '/readyz');
      assert.equal(r.status, 503);
    } finally {
      await other.stop();
    }
  });
});

describe('security event log', () => {
  test('every start and stop of the service is recorded, with version, address and signal', async () => {
    const other = await startServer();
    try {
      await other.stop();
      await other.start();
      // /healthz answers as soon as the server listens; the start is recorded right after
      const events = () => other.sql("SELECT kind, tenant_id, detail FROM security_events WHERE kind LIKE 'service_%' ORDER BY id")
        .split('\n').map((l) => l.split('|'));
      await eventually(() => events().length === 3, 'the second start recorded');
      const rows = events();
      assert.deepEqual(rows.map((r) => r[0]), ['service_start', 'service_stop', 'service_start']);
      assert.ok(rows.every((r) => r[1] === '0'), 'no tenant');
      const start = JSON.parse(rows[0][2]);
      assert.match(start.version, /^\d+\.\d+/);
      assert.equal(start.listen, `127.0.0.1:${other.port}`);
      assert.equal(JSON.parse(rows[1][2]).signal, 15);
    } finally {
      await other.stop();
    }
  });
});

describe('the demo', () => {
  test('serve on an empty database prints the owner password and a desk PIN; the console says one is set', async () => {
    await eventually(() => /desk PIN of the demo rally/.test(srv.stdout), 'the demo banner');
    const pw = srv.stdout.match(/password: (\S+)/)[1];
    assert.match(srv.stdout, /desk PIN of the demo rally: \d{6} /);
    const owner = await srv.staff('demo-owner', pw);
    const page = (await owner.get('/console/rallies/minato-walk')).text;
    assert.match(page, /<p class="state" id="desk-pin-state">設定済みです（番号は表示しません）。<\/p>/);
    assert.doesNotMatch(page, /desk PIN of the demo rally: /, 'never the PIN itself');
  });
});

describe('static files', () => {
  test('CSS with caching and a content type; 304 on a matching ETag', async () => {
    const r = await request(srv.base, 'GET', '/static/app.css');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/css/);
    assert.ok(r.headers.etag);
    const again = await request(srv.base, 'GET', '/static/app.css', { headers: { 'If-None-Match': r.headers.etag } });
    assert.equal(again.status, 304);
    assert.equal((await request(srv.base, 'GET', '/static/nope.css')).status, 404);
    assert.equal((await request(srv.base, 'GET', '/static/..%2fi18n%2fja.json')).status, 404);
  });
});

describe('access log', () => {
  test('one JSON line per request with time, method, path, status, bytes, duration', async () => {
    await request(srv.base, 'GET', '/r/nothing-here?x=1');
    await new Promise((r) => setTimeout(r, 100));
    const line = srv.stderr.split('\n').filter((l) => l.includes('/r/nothing-here')).pop();
    const j = JSON.parse(line);
    assert.equal(j.method, 'GET');
    assert.equal(j.path, '/r/nothing-here');
    assert.equal(j.status, 404);
    assert.ok(j.bytes > 0);
    assert.equal(typeof j.ms, 'number');
    assert.match(j.time, /^\d{4}-\d\d-\d\dT/);
  });
});

describe('languages', () => {
  test('Japanese by default, English by Accept-Language, switch remembered in a cookie', async () => {
    const ja = await srv.client().get('/');
    assert.match(ja.text, /<html lang="ja">/);
    const en = await srv.client({ lang: 'en-GB,en;q=0.8,ja;q=0.5' }).get('/');
    assert.match(en.text, /<html lang="en">/);
    assert.match(en.text, /Stamp rallies/);
    const c = srv.client();
    const sw = await c.get('/?lang=en');
    assert.match(sw.text, /<html lang="en">/);
    assert.equal(c.cookies.get('lang'), 'en');
    const next = await c.get('/');
    assert.match(next.text, /<html lang="en">/);
    const back = await c.get('/?lang=ja');
    assert.match(back.text, /<html lang="ja">/);
  });
});

describe('secure cookies', () => {
  test('behind https the cookies get Secure and the __Host- prefix', async () => {
    const s = await startServer({ env: { STAMPRALLY_SECURITY_SECURE_COOKIES: '1' } });
    try {
      const c = s.client();
      const r = await c.get('/');
      const sc = r.headers['set-cookie'].join('\n');
      assert.match(sc, /__Host-csrf=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure/);
      const j = await c.postJson('/api/v1/rallies/minato-walk/join');
      assert.equal(j.status, 201);
      assert.match(j.headers['set-cookie'].join('\n'), /__Host-sid=.*Secure/);
    } finally { await s.stop(); }
  });
});

describe('client address behind a proxy', () => {
  // The address throttling and the security event log see, observed through
  // the event a failed console login writes.
  async function failedLoginIp(server, login, xff) {
    const c = server.client();
    const t = await c.csrfFrom('/console/login');
    const headers = xff === undefined ? {} : { 'X-Forwarded-For': xff };
    const r = await c.postForm('/console/login', { _csrf: t, login, password: 'wrong-password-1' }, { headers });
    assert.equal(r.status, 401);
    return server.sql(`SELECT ip FROM security_events WHERE kind = 'login_failed' AND detail LIKE '%${login}%' ORDER BY id DESC LIMIT 1`);
  }

  test('X-Forwarded-For is ignored unless the peer is a trusted proxy', async () => {
    assert.equal(await failedLoginIp(srv, 'nobody-1', '203.0.113.7'), '127.0.0.1', 'a client cannot claim another address');
  });

  test('from a trusted proxy the client is the rightmost address that is not a proxy', async () => {
    const behind = await startServer({ env: { STAMPRALLY_SERVER_TRUSTED_PROXIES: '10.0.0.9, 127.0.0.1' } });
    try {
      assert.equal(await failedLoginIp(behind, 'nobody-2', '203.0.113.7'), '203.0.113.7');
      assert.equal(await failedLoginIp(behind, 'nobody-3', '198.51.100.1, 203.0.113.9'), '203.0.113.9',
        'what the client wrote itself (left) is not believed');
      assert.equal(await failedLoginIp(behind, 'nobody-4', '203.0.113.10, 10.0.0.9'), '203.0.113.10', 'a second proxy is skipped');
      assert.equal(await failedLoginIp(behind, 'nobody-9', ['198.51.100.2', '203.0.113.12']), '203.0.113.12',
        'a proxy that adds its own header line instead of extending the client\'s');
      assert.equal(await failedLoginIp(behind, 'nobody-5', '2001:db8::1'), '2001:db8::1');
      assert.equal(await failedLoginIp(behind, 'nobody-6', 'not-an-address'), '127.0.0.1');
      assert.equal(await failedLoginIp(behind, 'nobody-7', '203.0.113.11, junk'), '127.0.0.1', 'nothing left of junk is believed');
      assert.equal(await failedLoginIp(behind, 'nobody-8'), '127.0.0.1');
    } finally {
      await behind.stop();
    }
  });
});
