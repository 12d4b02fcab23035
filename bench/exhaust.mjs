// exhaust.mjs — connection exhaustion, as the outside attack run tried it:
// (a) TRICKLE connections spread over ADDRS loopback source addresses, each
// sending one more header line every 5 s and never finishing its request
// head; (b) IDLE keep-alive connections that made one request and then wait.
// Meanwhile a normal client opens a new connection per request (as a new
// phone would) and fetches the home page; prints served/asked and p50/p99.
// Loopback only (127.0.0.0/8 source addresses). Usage:
//   node bench/exhaust.mjs BASE [TRICKLE 1100] [IDLE 5000] [ADDRS 22]
import http from 'node:http';
import net from 'node:net';

const [base, trickleN = '1100', idleN = '5000', addrN = '22'] = process.argv.slice(2);
const u = new URL(base);
const port = Number(u.port);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const src = (i) => `127.0.0.${2 + (i % Number(addrN))}`;
const open = [];

function connect(i, first) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: src(i) }, () => { s.write(first); resolve(s); });
    setTimeout(() => resolve(null), 1000).unref();
    s.on('error', () => resolve(null));
    s.on('data', () => {});
    open.push(s);
  });
}

/** n requests of GET / on fresh connections; {served, p50, p99} in ms. */
async function normal(n) {
  const times = [];
  let served = 0;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const ok = await new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('timeout', () => { req.destroy(); resolve(false); });
      req.on('error', () => resolve(false));
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ok) served++;
    times.push(ok ? ms : 2000);
  }
  times.sort((a, b) => a - b);
  return { served, asked: n, p50: times[Math.floor(n * 0.5)].toFixed(1), p99: times[Math.floor(n * 0.99)].toFixed(1) };
}

const report = (name, r) => console.log(`${name.padEnd(34)} served ${r.served}/${r.asked}  p50 ${r.p50} ms  p99 ${r.p99} ms`);

report('no attack', await normal(100));

// (a) trickling request heads
const trickle = [];
for (let i = 0; i < Number(trickleN); i++) trickle.push(await connect(i, 'GET / HTTP/1.1\r\nHost: x\r\n'));
const ticker = setInterval(() => { for (const s of trickle) if (s && !s.destroyed) s.write('X-Trickle: 1\r\n'); }, 5000);
await sleep(6000);
report(`${trickleN} trickling heads (${addrN} addresses)`, await normal(100));
clearInterval(ticker);
for (const s of trickle) s?.destroy();
await sleep(1000);

// (b) idle keep-alive connections
const idle = [];
for (let i = 0; i < Number(idleN); i++) idle.push(await connect(i * 7, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
await sleep(2000);
report(`${idleN} idle keep-alives`, await normal(100));
for (const s of open) s?.destroy();
await sleep(1000);

// (c) a carrier NAT: PHONES phones behind one address, each with its own
// keep-alive connection, each fetching the home page a few times.
const phones = Number(process.env.BENCH_PHONES || 400);
const agents = Array.from({ length: phones }, () => new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: '127.0.0.99' }));
let served = 0;
const one = (agent) => new Promise((resolve) => {
  const req = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout: 5000 }, (res) => {
    res.resume();
    res.on('end', () => { served += res.statusCode === 200; resolve(); });
  });
  req.on('timeout', () => { req.destroy(); resolve(); });
  req.on('error', () => resolve());
});
await Promise.all(agents.map(async (a) => { for (let k = 0; k < 3; k++) await one(a); }));
console.log(`${phones} phones behind one address         served ${served}/${phones * 3}`);
agents.forEach((a) => a.destroy());
process.exit(0);
