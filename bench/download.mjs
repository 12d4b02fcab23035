// bench/download.mjs BASE LOGIN PASSWORD PATH — log in to the console and
// download PATH; prints "SECONDS BYTES" (time to the last byte). Loopback only.
const [base, login, password, path] = process.argv.slice(2);
const jar = [];
const keep = (r) => { for (const c of r.headers.getSetCookie()) jar.push(c.split(';')[0]); };
const page = await fetch(`${base}/console/login`);
keep(page);
const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)[1];
const form = new URLSearchParams({ _csrf: csrf, login, password });
keep(await fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', body: form,
  headers: { cookie: jar.join('; '), 'content-type': 'application/x-www-form-urlencoded', origin: base } }));
const t0 = performance.now();
const r = await fetch(`${base}${path}`, { headers: { cookie: jar.join('; ') } });
const body = Buffer.from(await r.arrayBuffer());
if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
console.log(`${((performance.now() - t0) / 1000).toFixed(2)} ${body.length}`);
