// seed.mjs — create N participants of a rally through the real join API and
// write their session cookies, one per line. Loopback only.
import fs from 'node:fs';
import http from 'node:http';

const [base, slug, n, out] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const u = new URL(base);

function join() {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: `/api/v1/rallies/${slug}/join`, method: 'POST', agent },
      (res) => {
        res.resume();
        res.on('end', () => {
          const sc = (res.headers['set-cookie'] || []).find((c) => c.startsWith('sid='));
          if (res.statusCode !== 201 || !sc) reject(new Error(`join: ${res.statusCode}`));
          else resolve(sc.split(';')[0]);
        });
      });
    req.on('error', reject);
    req.end();
  });
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
