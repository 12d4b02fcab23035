// TLS at nginx: deploy/nginx/stamprally.conf run by Debian's nginx on
// loopback (ports, certificate and upstream filled in by the test) in front
// of stamprally: the participant journey over HTTPS and HTTP/2, the
// redirect from plain HTTP, the body limit, the login rate limit, /metrics
// not exposed, HSTS once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { testCA } from './certs.mjs';
import { Client, freePort, request, ROOT, startServer, trustCA } from './helpers.mjs';

const hasNginx = spawnSync('nginx', ['-v']).status === 0 || fs.existsSync('/usr/sbin/nginx');
const NGINX = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
let app;
let nginx;
let base;
let plain;
let certs;

before(async () => {
  if (!hasNginx) return;
  certs = testCA();
  const { cert, key } = certs.issue('nginx');
  trustCA(certs.ca);
  const [tlsPort, httpPort] = [await freePort(), await freePort()];
  base = `https://localhost:${tlsPort}`;
  plain = `http://127.0.0.1:${httpPort}`;
  app = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off', STAMPRALLY_SERVER_TRUSTED_PROXIES: '127.0.0.1',
    STAMPRALLY_SERVER_PUBLIC_URL: base } });
  app.import({ tenant: 'ng', slug: 'proxied', title: 'Proxied', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }, { name: 'B' }] });
  const dir = certs.dir;
  const site = fs.readFileSync(path.join(ROOT, 'deploy/nginx/stamprally.conf'), 'utf8')
    .replace(/^\s*#.*$/gm, '') // comments name the placeholders too
    .replace('listen 443 ssl http2;', `listen 127.0.0.1:${tlsPort} ssl http2;`)
    .replace('listen 80;', `listen 127.0.0.1:${httpPort};`)
    .replace(/\n\s*listen \[::\]:\d+[^;]*;/g, '')
    .replaceAll('server_name stamp.example.jp;', 'server_name localhost;')
    .replace(/ssl_certificate \S+;/, `ssl_certificate ${cert};`)
    .replace(/ssl_certificate_key \S+;/, `ssl_certificate_key ${key};`)
    .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${app.port};`)
    .replaceAll('include /etc/nginx/stamprally-proxy.conf;', `include ${path.join(ROOT, 'deploy/nginx/stamprally-proxy.conf')};`);
  assert.doesNotMatch(site, /example\.jp|letsencrypt|:8080|:443|listen 80/, 'every placeholder was filled in');
  fs.writeFileSync(path.join(dir, 'site.conf'), site);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `
${process.getuid && process.getuid() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`);
  const t = spawnSync(NGINX, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  nginx = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { if ((await request(base, 'GET', '/healthz')).status === 200) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`nginx did not start: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
});
after(async () => {
  if (nginx) { nginx.kill('SIGQUIT'); await new Promise((r) => nginx.on('exit', r)); }
  if (app) await app.stop();
});

describe('behind nginx', { skip: !hasNginx && 'nginx is not installed here' }, () => {
  test('the participant journey over HTTPS, HSTS once', async () => {
    const c = new Client(base);
    const page = await c.get('/r/proxied');
    assert.equal(page.status, 200);
    assert.equal(page.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', 'one header, from stamprally');
    assert.equal((await c.postJson('/api/v1/rallies/proxied/join')).status, 201);
    const tokens = app.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'proxied'").split('\n');
    for (const t of tokens) {
      const form = await c.get(`/q/${t}`);
      assert.equal(form.status, 200);
      const csrf = form.text.match(/name="_csrf" value="([^"]+)"/)[1];
      const claim = await c.postForm(`/q/${t}`, { _csrf: csrf }, { headers: { Origin: base } });
      assert.equal(claim.status, 303, claim.text.slice(0, 200));
    }
    assert.equal((await c.get('/api/v1/rallies/proxied/card')).json.progress.collected, 2);
    assert.match(app.stderr, /"path":"\/q\/[^"]+","status":303/, 'the requests reached stamprally');
  });

  test('HTTP/2, and plain HTTP redirected with 308', () => {
    const h2 = spawnSync('curl', ['-sS', '--http2', '--cacert', certs.ca, '-o', '/dev/null', '-w', '%{http_version} %{http_code}',
      `${base}/r/proxied`], { encoding: 'utf8' });
    assert.equal(h2.stdout, '2 200', h2.stderr);
    const r = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `${plain}/q/abc?x=1`], { encoding: 'utf8' });
    assert.match(r.stdout, /^308 https:\/\/127\.0\.0\.1\/q\/abc\?x=1$/);
  });

  test('the same limits as the server: bodies, login rate; /metrics is not exposed', async () => {
    const big = await request(base, 'POST', '/console/login',
      { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.alloc(7 * 1024 * 1024, 97) });
    assert.equal(big.status, 413);
    assert.equal((await request(base, 'GET', '/metrics')).status, 404);
    const codes = [];
    for (let i = 0; i < 30; i++) codes.push((await request(base, 'GET', '/console/login')).status);
    assert.ok(codes.includes(429), `login is rate limited: ${codes.join(',')}`);
    assert.equal(codes[0], 200);
  });
});
