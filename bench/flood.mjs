// flood.mjs — failed console logins from many addresses (through a trusted
// proxy's X-Forwarded-For), at most N at a time, for D seconds; prints how
// many were answered and how. Loopback only. Usage:
//   node bench/flood.mjs BASE CONCURRENCY SECONDS
import http from 'node:http';

const [base, concurrency, seconds] = process.argv.slice(2);
const u = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const until = Date.now() + Number(seconds) * 1000;
const counts = {};
let n = 0;

// A browser's CSRF cookie and the form token that goes with it.
const { cookie, token } = await new Promise((resolve, reject) => {
  http.get({ host: u.hostname, port: u.port, path: '/console/login' }, (res) => {
    let text = '';
    res.on('data', (d) => { text += d; });
    res.on('end', () => resolve({ cookie: (res.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; '),
      token: (text.match(/name="_csrf" value="([^"]+)"/) || [])[1] }));
  }).on('error', reject);
});

// Addresses from the documentation ranges (RFC 5737): only ever a header value here.
const address = (i) => `${i & 1 ? '198.51.100' : '203.0.113'}.${(i >> 1) & 255}`;

function once(i) {
  return new Promise((resolve) => {
    const body = `_csrf=${encodeURIComponent(token)}&login=flood-${i}&password=wrong-password-${i}`;
    const req = http.request({ host: u.hostname, port: u.port, path: '/console/login', method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length,
        'Cookie': cookie, 'X-Forwarded-For': address(i) } }, (res) => {
      res.resume();
      res.on('end', () => { counts[res.statusCode] = (counts[res.statusCode] || 0) + 1; resolve(); });
    });
    req.on('error', () => { counts.error = (counts.error || 0) + 1; resolve(); });
    req.end(body);
  });
}

async function worker() {
  while (Date.now() < until) await once(n++);
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
console.log(JSON.stringify(counts));
