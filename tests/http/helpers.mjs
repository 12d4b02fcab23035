// helpers.mjs — start the real stamprally binary on a free loopback port with
// a fresh data directory, and talk to it over HTTP with a small cookie jar.
// Traffic goes to 127.0.0.1 only.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
export const BIN = process.env.STAMPRALLY_BIN || path.join(ROOT, 'build/stamprally');

/** Ask the kernel for a free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// With STAMPRALLY_TEST_PG (the socket directory of a cluster started by
// scripts/pg-throwaway) every data directory gets a PostgreSQL database of
// its own, named after the directory's path, instead of its SQLite file: the
// whole suite runs against either backend.
export const PG = process.env.STAMPRALLY_TEST_PG || '';

/** The PostgreSQL database of data directory data, created on first use
 * (as a copy of template's database when given). */
const pgMade = new Set(); // databases this process made or found: no psql to ask again
export function pgDatabase(data, template) {
  const name = `t_${crypto.createHash('sha256').update(path.resolve(data)).digest('hex').slice(0, 24)}`;
  if (pgMade.has(name)) return name;
  const copy = template ? ` TEMPLATE ${pgDatabase(template)}` : '';
  const r = spawnSync('psql', ['-X', '-q', '-h', PG, '-U', 'postgres', '-d', 'postgres', '-c',
    `CREATE DATABASE ${name} OWNER stamprally_owner${copy}`], { encoding: 'utf8' });
  if (r.status !== 0 && !/already exists/.test(r.stderr)) throw new Error(`createdb: ${r.stderr}`);
  pgMade.add(name);
  return name;
}

/** SQL for a blob column's bytes as upper-case hex, a blob literal from hex,
 * and 32 random bytes, in the test backend's dialect. */
export const hexOf = (col) => (PG ? `upper(encode(${col}, 'hex'))` : `hex(${col})`);
export const blobOf = (hex) => (PG ? `'\\x${hex}'::bytea` : `x'${hex}'`);
export const RANDOM32 = PG ? "decode(md5(random()::text) || md5(random()::text), 'hex')" : 'randomblob(32)';

/** Copy data directory src (its service stopped) to dst, database included. */
export function copyData(src, dst) {
  fs.cpSync(src, dst, { recursive: true });
  if (PG) pgDatabase(dst, src);
}

/** The environment that points the binary at data's database (nothing for SQLite). */
export function storeEnv(data) {
  if (!PG || !data) return {};
  const db = pgDatabase(data);
  return { STAMPRALLY_DATABASE_URL: `host=${PG} dbname=${db} user=stamprally`,
    STAMPRALLY_DATABASE_OWNER_URL: `host=${PG} dbname=${db} user=stamprally_owner` };
}

/** Run one SQL text on data's database (sqlite3 or psql); its rows as
 * 'a|b' lines, PostgreSQL's booleans as 1 and 0 like SQLite's. */
export function sqlOn(data, query, { write = false } = {}) {
  // room for every stamp of a drill (Node's default is 1 MB; over it the output is cut off)
  const opts = { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 };
  if (!PG) {
    const r = spawnSync('sqlite3', [...(write ? ['-cmd', '.timeout 5000'] : ['-readonly']), path.join(data, 'stamprally.db'), query],
      opts);
    if (r.status !== 0) throw new Error(`sqlite3: ${r.error || ''} ${r.stderr}`);
    return r.stdout.trim();
  }
  const r = spawnSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', PG, '-U', 'stamprally_owner', '-d', pgDatabase(data),
    '-c', query], opts);
  if (r.status !== 0) throw new Error(`psql: ${r.error || ''} ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => l.split('|').map((f) => (f === 't' ? '1' : f === 'f' ? '0' : f)).join('|')).join('\n');
}

/** Every row of data's database as text, to compare two databases:
 * `sqlite3 .dump`, or `pg_dump --data-only` as the owner. */
export function dumpOf(data) {
  const r = PG
    ? spawnSync('pg_dump', ['--data-only', '--enable-row-security', '-h', PG, '-U', 'stamprally_owner', '-d', pgDatabase(data)],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
    : spawnSync('sqlite3', ['-readonly', path.join(data, 'stamprally.db'), '.dump'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`dump: ${r.stderr}`);
  return r.stdout.replace(/^\\(un)?restrict .*$/gm, ''); // pg_dump's random key for psql, new in every dump
}

/** The files on disk that hold data's database, for byte-level searches:
 * the SQLite file and its WAL, or every file of the PostgreSQL database
 * under the throwaway cluster's base/ directory (its WAL, shared by every
 * database of the cluster, is not among them). */
export function storeFiles(data) {
  if (!PG) return ['stamprally.db', 'stamprally.db-wal'].map((f) => path.join(data, f)).filter((f) => fs.existsSync(f));
  const oid = sqlOn(data, 'SELECT oid FROM pg_database WHERE datname = current_database()');
  // what is only in shared buffers reaches the files (CHECKPOINT is the superuser's)
  const cp = spawnSync('psql', ['-X', '-q', '-h', PG, '-U', 'postgres', '-d', 'postgres', '-c', 'CHECKPOINT'], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`checkpoint: ${cp.stderr}`);
  const dir = path.join(PG, 'data', 'base', oid);
  return fs.readdirSync(dir).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

/** Run a stamprally subcommand synchronously; returns {status, stdout, stderr}. */
export function cli(args, env = {}) {
  const at = args.indexOf('--data');
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ...(at >= 0 ? storeEnv(args[at + 1]) : {}), ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Write doc as JSON into dir and import it; returns the parsed output. */
export function importRally(dir, doc, env = {}) {
  const file = path.join(dir, `import-${doc.slug}-${Date.now()}-${Math.random()}.json`);
  fs.writeFileSync(file, JSON.stringify(doc));
  const r = cli(['rally', 'import', file, '--data', path.join(dir, 'data')], env);
  if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Wait until fn() gives something truthy (every 50 ms, up to tries times);
 * fails with what (a string, or a function giving one) otherwise. Returns
 * fn's truthy result. */
export async function eventually(fn, what, tries = 60) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${typeof what === 'function' ? what() : what}`);
}

/** An ISO 8601 time in JST, offset ms from now. */
export function jst(offsetMs) {
  const d = new Date(Date.now() + offsetMs + 9 * 3600e3);
  return d.toISOString().replace(/\.\d+Z$/, '+09:00');
}

/** A rally document with n spots, open now unless told otherwise. */
export function rallyDoc(slug, over = {}) {
  const n = over.nspots ?? 3;
  return {
    tenant: 'test-tenant', slug, title: `Rally ${slug}`, description: 'A test rally',
    starts_at: jst(-86400e3), ends_at: jst(86400e3), status: 'published',
    spots: Array.from({ length: n }, (_, i) => ({ name: `Spot ${i + 1}`, description: `Spot number ${i + 1}` })),
    ...over,
  };
}

/** Start a server; returns a handle with base URL, stop(), kill9(), restart().
 * With tls {cert, key, ca} (PEM file paths) it serves HTTPS at https://localhost:PORT.
 * listen: the address it listens on (tests still talk to it over 127.0.0.1). */
export async function startServer({ env = {}, dir, tls, listen = '127.0.0.1' } = {}) {
  const workdir = dir || fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-test-'));
  const port = await freePort();
  const base = tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
  if (tls) {
    trustedCA = fs.readFileSync(tls.ca);
    env = { STAMPRALLY_SERVER_TLS_CERT: tls.cert, STAMPRALLY_SERVER_TLS_KEY: tls.key, ...env };
  }
  const handle = { dir: workdir, data: path.join(workdir, 'data'), port, base, stderr: '', proc: null };
  // No map tiles unless a test serves its own (tests/browser/chromium.mjs: tileServer): traffic stays on loopback.
  const fullEnv = { ...process.env, STAMPRALLY_SERVER_PUBLIC_URL: base, STAMPRALLY_MAP_TILE_URL: '',
    ...storeEnv(handle.data), ...env };
  handle.start = async () => {
    handle.proc = spawn(BIN, ['serve', '--data', handle.data, '--listen', `${listen}:${port}`],
      { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    handle.proc.stderr.on('data', (d) => {
      handle.stderr += d.toString();
      if (process.env.STAMPRALLY_TEST_LOG) process.stderr.write(d); // the server's log, to debug a test
    });
    handle.stdout = ''; // what `serve` prints for a person (the demo's URLs and passwords), first 16 KiB
    handle.proc.stdout.on('data', (d) => { if (handle.stdout.length < 16384) handle.stdout += d.toString(); });
    handle.exited = new Promise((resolve) => handle.proc.on('exit', (code, sig) => resolve({ code, sig })));
    for (let i = 0; i < 200; i++) {
      try { const r = await request(base, 'GET', '/healthz'); if (r.status === 200) return; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server did not start:\n${handle.stderr}`);
  };
  handle.stop = async () => {
    if (!handle.proc || handle.proc.exitCode !== null) return handle.exited;
    handle.proc.kill('SIGTERM');
    const r = await handle.exited;
    handle.proc = null;
    // Under ASan/UBSan any report fails the suite, even one printed at exit.
    if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(handle.stderr)) {
      throw new Error(`sanitizer report from the server:\n${handle.stderr.slice(-4000)}`);
    }
    if (r.code !== 0) throw new Error(`server exited with ${r.code} ${r.sig}:\n${handle.stderr.slice(-2000)}`);
    return r;
  };
  handle.kill9 = async () => { handle.proc.kill('SIGKILL'); await handle.exited; handle.proc = null; };
  handle.import = (doc) => importRally(workdir, doc);
  /** Run one read-only SQL query on the data directory's database. */
  handle.sql = (query) => sqlOn(handle.data, query);
  /** Change the database behind the service's back (a test's setup). */
  handle.sqlWrite = (query) => sqlOn(handle.data, query, { write: true });
  /** Create a staff account with the CLI; returns its password. */
  handle.user = (tenant, login, role) => {
    const r = cli(['user', 'create', '--tenant', tenant, '--login', login, '--role', role, '--data', handle.data]);
    if (r.status !== 0) throw new Error(`user create: ${r.stderr}`);
    return r.stdout.trim();
  };
  /** A client logged in to the console as login/password. */
  handle.staff = (login, password) => staffLogin(base, login, password);
  handle.client = (opts) => new Client(base, opts);
  /** Run a stamprally subcommand on this server's data directory. */
  handle.cli = (args, env2 = {}) => cli([...args, '--data', handle.data], env2);
  /** GET /metrics with the bearer token the server made in its data directory. */
  handle.metrics = () => request(base, 'GET', '/metrics',
    { headers: { Authorization: `Bearer ${fs.readFileSync(path.join(handle.data, 'metrics.token'), 'utf8').trim()}` } });
  /** Add a lottery asking only for a name to rally slug (as owner); returns its public id. */
  handle.nameLottery = async (owner, slug) => {
    const r = await owner.submit(`/console/rallies/${slug}/tiers`, {
      name: '抽選', kind: 'lottery', condition: 'all', ask_name: 'required', ask_kana: 'no', ask_postal: 'no',
      ask_address: 'no', ask_phone: 'no', ask_email: 'no', ask_age: 'no', label_q1: '', ask_q1: 'no', ask_q2: 'no', ask_q3: 'no',
    }, '/console');
    if (r.status !== 303) throw new Error(`lottery for ${slug}: ${r.status}`);
    return handle.sql(`SELECT t.public_id FROM reward_tiers t JOIN rallies r ON r.id = t.rally_id WHERE r.slug = '${slug}' AND t.kind = 'lottery'`);
  };
  await handle.start();
  return handle;
}

/** A client logged in to the console at base as login/password. */
async function staffLogin(base, login, password) {
  const c = new Client(base);
  const t = await c.csrfFrom('/console/login');
  const r = await c.postForm('/console/login', { _csrf: t, login, password });
  if (r.status !== 303) throw new Error(`login ${login}: ${r.status} ${r.text.slice(0, 300)}`);
  c.home = r.headers.location;
  return c;
}

/** The CA that https:// test servers' certificates chain to (startServer's tls.ca). */
let trustedCA;
/** Trust the CA in the PEM file at file for https:// requests (a proxy's certificate). */
export function trustCA(file) { trustedCA = fs.readFileSync(file); }

/** One raw HTTP(S) request; resolves {status, headers, body, text, json}. */
export function request(base, method, p, { headers = {}, body, agent = false } = {}) {
  const u = new URL(p, base);
  const mod = u.protocol === 'https:' ? https : http;
  const tlsOpts = u.protocol === 'https:' ? { ca: trustedCA, servername: u.hostname } : {};
  return new Promise((resolve, reject) => {
    const req = mod.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers,
      agent, ...tlsOpts }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json, raw: buf });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A browser-like client: keeps cookies, follows nothing automatically. */
export class Client {
  constructor(base, { lang } = {}) { this.base = base; this.cookies = new Map(); this.lang = lang; }
  cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
  remember(res) {
    for (const sc of res.headers['set-cookie'] || []) {
      const [kv] = sc.split(';');
      const i = kv.indexOf('=');
      this.cookies.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
    }
  }
  async send(method, p, { headers = {}, body } = {}) {
    const h = { ...headers };
    if (this.cookies.size && !('Cookie' in h)) h.Cookie = this.cookieHeader();
    if (this.lang && !('Accept-Language' in h)) h['Accept-Language'] = this.lang;
    const res = await request(this.base, method, p, { headers: h, body });
    this.remember(res);
    return res;
  }
  get(p, opts) { return this.send('GET', p, opts); }
  /** POST a form with the CSRF token from the page at `from` (or given fields). */
  postForm(p, fields, { headers = {} } = {}) {
    const body = new URLSearchParams(fields).toString();
    return this.send('POST', p, { headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
  }
  postJson(p, obj, { headers = {} } = {}) {
    const body = obj === undefined ? undefined : JSON.stringify(obj);
    const h = { ...headers };
    if (body !== undefined || this.cookies.size) h['Content-Type'] = h['Content-Type'] || 'application/json';
    return this.send('POST', p, { headers: h, body });
  }
  /** POST a console form with the CSRF token this client's cookie yields. */
  async submit(p, fields = {}, from = '/console/login') {
    if (!this.csrf) this.csrf = await this.csrfFrom(from);
    return this.postForm(p, { _csrf: this.csrf, ...fields });
  }
  /** GET a page and return the CSRF token of its first form. */
  async csrfFrom(p) {
    const res = await this.get(p);
    const m = res.text.match(/name="_csrf" value="([^"]+)"/);
    if (!m) throw new Error(`no CSRF token on ${p} (status ${res.status})`);
    return m[1];
  }
}

/** The RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of a base32 secret, `steps` steps from now. */
export function totp(secret, steps = 0, now = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/\s+/g, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(now / 30000) + steps));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const off = mac[19] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

/** Log an operator in on /ops: password, then the TOTP step (enrolling when
 * the account has no secret yet). Returns the client with .secret and .codes. */
export async function operatorLogin(base, login, password, secret, steps = 0) {
  const c = new Client(base);
  const t = await c.csrfFrom('/ops/login');
  const r = await c.postForm('/ops/login', { _csrf: t, login, password });
  if (r.status !== 303) throw new Error(`operator login ${login}: ${r.status} ${r.text.slice(0, 300)}`);
  c.csrf = t;
  if (!secret) {
    const e = await c.postForm('/ops/totp/enrol', { _csrf: t });
    secret = e.text.match(/<code class="secret">([A-Z2-7 ]+)<\/code>/)[1].replace(/ /g, '');
  }
  c.secret = secret;
  const v = await c.postForm('/ops/totp', { _csrf: t, code: totp(secret, steps) });
  if (![200, 303].includes(v.status)) throw new Error(`operator TOTP ${login}: ${v.status} ${v.text.slice(0, 300)}`);
  c.codes = [...v.text.matchAll(/<li><code>([A-Z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1]);
  return c;
}

/** Several nodes on one PostgreSQL database behind Debian's HAProxy on
 * loopback (round robin, health checks on /healthz, a refused connection
 * retried on another node). Needs STAMPRALLY_TEST_PG. The handle is used
 * like startServer's: base is the balancer's; sql, user, import and cli go
 * to node 1's data directory, whose database every node shares; nodes[i]
 * is each node's own startServer handle (kill9, start, stop). */
export async function startCluster({ nodes = 3, env = {} } = {}) {
  if (!PG) throw new Error('startCluster needs STAMPRALLY_TEST_PG');
  const lbPort = await freePort();
  const base = `http://127.0.0.1:${lbPort}`;
  const first = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-node-'));
  const db = storeEnv(path.join(first, 'data'));
  const nodeEnv = { ...db, STAMPRALLY_SERVER_PUBLIC_URL: base, STAMPRALLY_BACKUP_TIME: 'off', ...env };
  const handle = await startServer({ dir: first, env: nodeEnv });
  const all = [handle];
  for (let i = 1; i < nodes; i++) {
    // Every node has the same keys (data, CSRF, audit signing, metrics).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-node-'));
    fs.cpSync(handle.data, path.join(dir, 'data'), { recursive: true });
    all.push(await startServer({ dir, env: nodeEnv }));
  }
  const cfg = path.join(first, 'haproxy.cfg');
  fs.writeFileSync(cfg, [
    'global', '  maxconn 4096',
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 60s', '  timeout server 60s', '  timeout check 2s',
    '  retries 3', '  option redispatch 1', '  retry-on conn-failure empty-response',
    'frontend lb', `  bind 127.0.0.1:${lbPort}`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin', '  option httpchk GET /healthz',
    ...all.map((n, i) => `  server n${i + 1} 127.0.0.1:${n.port} check inter 250 fall 2 rise 2`), ''].join('\n'));
  const proxy = spawn(fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy', ['-f', cfg, '-db'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let proxyLog = '';
  proxy.stderr.on('data', (d) => { proxyLog += d; });
  for (let i = 0; ; i++) {
    try { if ((await request(base, 'GET', '/healthz')).status === 200) break; } catch { /* not yet */ }
    if (i > 100) throw new Error(`haproxy did not start:\n${proxyLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const cluster = Object.create(handle);
  Object.assign(cluster, {
    base, nodes: all, proxy,
    client: (opts) => new Client(base, opts),
    staff: (login, password) => staffLogin(base, login, password),
    stop: async () => {
      proxy.kill('SIGTERM');
      for (const n of all) await n.stop();
    },
  });
  return cluster;
}
