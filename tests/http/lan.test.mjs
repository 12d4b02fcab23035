// Trying it with a phone on the same Wi-Fi (issue 17): `make run HOST=0.0.0.0`
// listens on every interface; without a configured public URL the QR codes
// and the printed URLs carry this machine's LAN address, and the terminal
// shows a QR code of the demo rally's page that a phone camera can read
// (decoded here with jsQR). All traffic of the test still goes to 127.0.0.1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import jsQR from 'jsqr';
import { startServer } from './helpers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let srv;

/** The address a phone would use, by the server's rule (lib/hostinfo.c): null when none. */
function lanAddress() {
  const rank = (a) => (a.startsWith('192.168.') ? 3 : /^(10\.|172\.(1[6-9]|2\d|3[01])\.)/.test(a) ? 2 : a.startsWith('169.254.') ? 0 : 1);
  let best = null;
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (/^(docker|br-|veth|virbr|cni|flannel)/.test(name)) continue;
    for (const a of addrs) {
      if (a.family !== 'IPv4' || a.internal || rank(a.address) === 0) continue;
      if (!best || rank(a.address) > rank(best)) best = a.address;
    }
  }
  return best;
}

/** Read the half-block QR drawing back into pixels and decode it. */
function decodeTerminalQr(lines) {
  const rows = [];
  for (const line of lines) {
    const top = [], bottom = [];
    for (const ch of line) {
      top.push(ch === '█' || ch === '▀');      // light modules are drawn
      bottom.push(ch === '█' || ch === '▄');
    }
    rows.push(top, bottom);
  }
  const scale = 4, border = 8, n = rows[0].length, w = (n + 2 * border) * scale, h = (rows.length + 2 * border) * scale;
  const px = new Uint8ClampedArray(w * h * 4).fill(255);
  rows.forEach((row, y) => row.forEach((light, x) => {
    if (light) return;
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const i = (((y + border) * scale + dy) * w + (x + border) * scale + dx) * 4;
        px[i] = px[i + 1] = px[i + 2] = 0;
      }
    }
  }));
  return jsQR(px, w, h)?.data;
}

before(async () => {
  srv = await startServer({ listen: '0.0.0.0', env: { STAMPRALLY_SERVER_PUBLIC_URL: '' } });
});
after(async () => { await srv?.stop(); });

test('listening on every interface, the printed URLs, the QR codes and the terminal QR carry the LAN address', async () => {
  const lan = lanAddress();
  const host = lan ? `${lan}:${srv.port}` : `localhost:${srv.port}`;
  for (let i = 0; i < 100 && !/Stop with Ctrl-C/.test(srv.stdout); i++) await new Promise((r) => setTimeout(r, 50));
  const out = srv.stdout;
  const rally = out.match(/Open on your phone or browser:\n {4}(\S+)/)[1];
  assert.equal(rally, `http://${host}/r/minato-walk`);
  assert.match(out, new RegExp(`On a phone on the same Wi-Fi, scan this or open http://${host.replaceAll('.', '\\.')}/r/minato-walk`));
  const qrLines = out.split('\n').filter((l) => /^[█▀▄ ]{21,}$/.test(l));
  assert.ok(qrLines.length >= 11, `a QR code drawn in the terminal:\n${out}`);
  assert.doesNotMatch(qrLines.join(''), /\x1b/, 'no colour codes when stdout is not a terminal');
  assert.equal(decodeTerminalQr(qrLines), rally, 'a phone camera reads the rally URL');
  const spots = [...out.matchAll(/^ {4}(http:\/\/\S+\/q\/\S+)/gm)].map((m) => m[1]);
  assert.equal(spots.length, 5);
  for (const u of spots) assert.ok(u.startsWith(`http://${host}/q/`), u);
  // The console's posters say the same: server.public_url is what their QR codes encode.
  const owner = await srv.staff('demo-owner', out.match(/password: (\S+)/)[1]);
  const posters = await owner.get('/console/rallies/minato-walk/posters');
  assert.equal(posters.status, 200);
  assert.ok(posters.text.includes(`http://${host}/q/`), 'the posters print the LAN URL');
});

test('make run takes HOST and PORT, or LISTEN', () => {
  const r = spawnSync('make', ['-n', '--no-print-directory', 'run', 'HOST=0.0.0.0', 'PORT=8181'], { cwd: root, encoding: 'utf8' });
  assert.match(r.stdout, /build\/stamprally serve --data \.\/data --listen 0\.0\.0\.0:8181/);
  const l = spawnSync('make', ['-n', '--no-print-directory', 'run', 'LISTEN=[::]:8282'], { cwd: root, encoding: 'utf8' });
  assert.match(l.stdout, /--listen \[::\]:8282/);
  const d = spawnSync('make', ['-n', '--no-print-directory', 'run'], { cwd: root, encoding: 'utf8' });
  assert.match(d.stdout, /--listen 127\.0\.0\.1:8080/, 'loopback unless asked');
});

const ipv6 = Object.values(os.networkInterfaces()).flat().some((a) => a.address === '::1');
test('listening on [::] takes IPv4 too: the LAN URL it prints may be an IPv4 address', { skip: !ipv6 && 'no IPv6 loopback here' }, async () => {
  const both = await startServer({ listen: '[::]', env: { STAMPRALLY_SERVER_PUBLIC_URL: '' } }); // waits on 127.0.0.1
  try {
    for (const host of ['127.0.0.1', '[::1]']) assert.equal((await fetch(`http://${host}:${both.port}/healthz`)).status, 200, host);
  } finally {
    await both.stop();
  }
});
