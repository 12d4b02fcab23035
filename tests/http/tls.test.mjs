// Built-in HTTPS: a throwaway CA and certificates made with openssl; the
// participant journey over TLS; HSTS on every answer; TLS 1.2 and 1.3 only;
// the plain-HTTP redirect listener; a certificate reload on SIGHUP that keeps
// connections in flight; bad certificates and keys refused with a message.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { testCA } from './certs.mjs';
import { cli, freePort, request, startServer } from './helpers.mjs';

const certs = testCA();
const dir = certs.dir;
const f = (n) => path.join(dir, n);
certs.issue('one');
certs.issue('two');
fs.copyFileSync(f('one.pem'), f('live.pem'));
fs.copyFileSync(f('one.key'), f('live.key'));

/** The CN of the certificate a new TLS connection is shown, or the handshake's error. */
function handshake(port, opts = {}) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: fs.readFileSync(f('ca.pem')), ...opts }, () => {
      const cn = s.getPeerCertificate().subject.CN;
      const version = s.getProtocol();
      s.end();
      resolve({ cn, version });
    });
    s.on('error', (e) => resolve({ error: e.message }));
  });
}

let srv;
let redirectPort;
before(async () => {
  redirectPort = await freePort();
  srv = await startServer({
    tls: { cert: f('live.pem'), key: f('live.key'), ca: f('ca.pem') },
    env: { STAMPRALLY_SERVER_REDIRECT_LISTEN: `127.0.0.1:${redirectPort}`, STAMPRALLY_BACKUP_TIME: 'off' },
  });
  srv.import({ tenant: 'tl', slug: 'secure', title: 'Secure', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }, { name: 'B' }] });
});
after(async () => { await srv.stop(); });

describe('HTTPS', () => {
  test('the participant journey over TLS, with Secure __Host- cookies and HSTS on every answer', async () => {
    assert.match(srv.base, /^https:\/\/localhost:\d+$/);
    const c = srv.client();
    const page = await c.get('/r/secure');
    assert.equal(page.status, 200);
    assert.equal(page.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    const join = await c.postJson('/api/v1/rallies/secure/join');
    assert.equal(join.status, 201);
    assert.ok(join.headers['set-cookie'].some((x) => x.startsWith('__Host-sid=') && /; Secure/.test(x)), join.headers['set-cookie'].join());
    const tok = srv.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'secure' LIMIT 1");
    assert.equal((await c.postJson('/api/v1/stamps', { qr_token: tok })).status, 201);
    const card = await c.get('/api/v1/rallies/secure/card');
    assert.equal(card.json.progress.collected, 1);
    for (const p of ['/nope', '/healthz', '/console']) {
      const r = await request(srv.base, 'GET', p);
      assert.equal(r.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', p);
    }
  });

  test('TLS 1.3 and 1.2 are spoken; 1.1 and 1.0 are refused by the server', async () => {
    assert.equal((await handshake(srv.port)).version, 'TLSv1.3');
    assert.equal((await handshake(srv.port, { maxVersion: 'TLSv1.2' })).version, 'TLSv1.2');
    for (const v of ['TLSv1.1', 'TLSv1']) {
      const r = await handshake(srv.port, { minVersion: v, maxVersion: v, ciphers: 'DEFAULT@SECLEVEL=0' });
      assert.ok(r.error, `${v} must fail`);
      assert.match(r.error, /protocol version|unsupported protocol|handshake failure|socket disconnected|ECONNRESET/i, r.error);
    }
    // the same with openssl's client, which does offer TLS 1.1 when told to
    const s = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${srv.port}`, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'],
      { input: '', encoding: 'utf8' });
    assert.notEqual(s.status, 0);
    assert.match(s.stdout, /New, \(NONE\), Cipher is \(NONE\)/, 'no session was agreed');
  });

  test('plain HTTP on redirect_listen answers 308 to the same path on https', async () => {
    const r = await request(`http://127.0.0.1:${redirectPort}`, 'GET', '/q/abc?x=1&y=%E3%81%82');
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, `${srv.base}/q/abc?x=1&y=%E3%81%82`);
    // an absolute or scheme-relative target cannot choose where to go
    const raw = await new Promise((resolve) => {
      const s = net.connect(redirectPort, '127.0.0.1', () => s.write('GET //evil.example/x HTTP/1.1\r\nHost: a\r\n\r\n'));
      let out = '';
      s.on('data', (d) => { out += d; });
      s.on('end', () => resolve(out));
    });
    assert.match(raw, new RegExp(`\r\nLocation: ${srv.base}/\r\n`));
  });

  test('SIGHUP reloads the certificate: new connections get it, open ones carry on; a bad one is refused', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: fs.readFileSync(f('ca.pem')) });
    const get = (p) => new Promise((resolve, reject) => {
      const req = https.get(`${srv.base}${p}`, { agent }, (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket })); });
      req.on('error', reject);
    });
    assert.equal((await handshake(srv.port)).cn, 'localhost one');
    assert.equal((await get('/healthz')).status, 200);
    fs.copyFileSync(f('two.pem'), f('live.pem'));
    fs.copyFileSync(f('two.key'), f('live.key'));
    srv.proc.kill('SIGHUP');
    for (let i = 0; i < 50 && !/certificate reloaded/.test(srv.stderr); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(srv.stderr, /certificate reloaded/);
    const again = await get('/healthz');
    assert.deepEqual(again, { status: 200, reused: true }, 'the open connection still works');
    assert.equal((await handshake(srv.port)).cn, 'localhost two');
    agent.destroy();

    fs.writeFileSync(f('live.pem'), 'not a certificate');
    srv.proc.kill('SIGHUP');
    for (let i = 0; i < 50 && !/certificate not reloaded/.test(srv.stderr); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(srv.stderr, /certificate not reloaded \(the previous one stays\)/);
    assert.equal((await handshake(srv.port)).cn, 'localhost two', 'still serving the last good one');
  });

  test('a bad certificate or a key of another certificate stops the start with a message', () => {
    const data = path.join(dir, 'bad-data');
    const start = (cert, key) => cli(['serve', '--data', data, '--listen', '127.0.0.1:1'],
      { STAMPRALLY_SERVER_TLS_CERT: cert, STAMPRALLY_SERVER_TLS_KEY: key, STAMPRALLY_BACKUP_TIME: 'off' });
    let r = start(f('nope.pem'), f('one.key'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read the certificate .*nope\.pem/);
    r = start(f('ext'), f('one.key'));
    assert.match(r.stderr, /is not a PEM certificate chain/);
    r = start(f('one.pem'), f('two.key'));
    assert.match(r.stderr, /the key .*two\.key does not belong to the certificate .*one\.pem/);
  });
});
