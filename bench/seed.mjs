// seed.mjs — create N participants of a rally through the real join API and
// write the cookies their browsers then hold (session and CSRF), one line
// each. Loopback only.
import fs from 'node:fs';
import http from 'node:http';

const [base, slug, n, out] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const u = new URL(base);

// request(method, path, cookie) -> the response's Set-Cookie headers (2xx only)
function request(method, path, cookie) {
  return new Promise((resolve, reject) => {
    const headers = cookie ? { Cookie: cookie } : {};
    const req = http.request({ host: u.hostname, port: u.port, path, method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode}`));
        else resolve(res.headers['set-cookie'] || []);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const pick = (set, name) => (set.find((c) => c.startsWith(`${name}=`)) || '').split(';')[0];

// Join, then open the rally page once, as a phone would after the QR code:
// the browser then holds both the session cookie and the CSRF cookie.
async function join() {
  const sid = pick(await request('POST', `/api/v1/rallies/${slug}/join`), 'sid');
  if (!sid) throw new Error('join: no session cookie');
  const csrf = pick(await request('GET', `/r/${slug}`, sid), 'csrf');
  return csrf ? `${sid}; ${csrf}` : sid;
}

const cookies = [];
const total = Number(n);
let next = 0;
async function worker() {
  while (next < total) { next++; cookies.push(await join()); }
}
await Promise.all(Array.from({ length: 32 }, worker));
fs.writeFileSync(out, cookies.join('\n') + '\n');
agent.destroy();
