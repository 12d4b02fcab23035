// The command line: help on every subcommand, version, migrate, demo, rally import.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cli, rallyDoc, ROOT, sqlOn } from './helpers.mjs';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-cli-'));

function importFile(dir, doc) {
  const f = path.join(dir, 'rally.json');
  fs.writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return cli(['rally', 'import', f, '--data', path.join(dir, 'data')]);
}

describe('help and version', () => {
  test('every subcommand has --help', () => {
    for (const c of ['serve', 'migrate', 'demo', 'rally', 'user', 'key', 'backup', 'audit', 'retention', 'tenant', 'announce', 'maintenance', 'disclosure', 'version', 'config', 'routes']) {
      const r = cli([c, '--help']);
      assert.equal(r.status, 0, c);
      assert.match(r.stdout, new RegExp(`usage: stamprally ${c}`));
    }
    assert.match(cli(['serve', '--help']).stdout, /--listen/);
    assert.match(cli(['rally', '--help']).stdout, /--data DIR/);
  });
  test('no command or an unknown one exits 2 with usage', () => {
    assert.equal(cli([]).status, 2);
    const r = cli(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command/);
  });
  test('version, and --deps lists the linked libraries', () => {
    assert.match(cli(['version']).stdout, /^stamprally \d+\.\d+\.\d+/);
    const d = cli(['version', '--deps']).stdout;
    for (const lib of ['libmicrohttpd', 'sqlite', 'libpq', 'libsodium', 'jansson', 'libcurl', 'libqrencode', 'libzstd', 'gnutls', 'libsystemd', 'libunistring']) {
      assert.match(d, new RegExp(`^${lib} \\d+(\\.\\d+)*`, 'm'), lib);
    }
  });
  test('routes prints the route table, every row with one unit of work', () => {
    const text = cli(['routes']).stdout;
    assert.match(text, /^POST\s+\/api\/v1\/stamps\s+writer\s+participant/m);
    const table = JSON.parse(cli(['routes', '--json']).stdout);
    assert.ok(table.length > 50);
    assert.ok(table.every((r) => ['read', 'write', 'writer', 'none'].includes(r.unit)), 'one unit each');
    assert.deepEqual(table.filter((r) => r.unit === 'none').map((r) => r.pattern).sort(),
      ['/healthz', '/metrics', '/static/{file}', '/status', '/status.json']);
    assert.ok(table.filter((r) => r.method === 'GET').every((r) => r.unit !== 'write' || r.pattern === '/auth/line/start'),
      'GET pages read (the LINE start writes its state)');
    assert.equal(cli(['routes', '--bogus']).status, 2);
  });
  test('config lists every key with its default, and docs/configuration.md has the same table', () => {
    const r = cli(['config']).stdout;
    for (const k of ['server.listen', 'store.data_dir', 'limits.max_body', 'store.durability', 'backup.time']) assert.match(r, new RegExp(k));
    // KEY DEFAULT MEANING; a default with spaces is in quotes
    const fromCode = r.trim().split('\n').slice(1).map((l) => l.match(/^(\S+)\s+("[^"]*"|\S+)/).slice(1, 3).join(' ').replace(/^(\S+) "(.+ .+)"$/, '$1 $2'));
    const doc = fs.readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8');
    const fromDoc = [...doc.matchAll(/^\| ([a-z_]+\.[a-z_]+) \| (.+?) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(fromDoc, fromCode, 'docs/configuration.md lists the keys of `stamprally config`');
  });
});

describe('migrate and demo', () => {
  test('migrate creates the schema once', () => {
    const dir = tmp();
    const a = cli(['migrate', '--data', path.join(dir, 'data')]);
    assert.equal(a.status, 0, a.stderr);
    const m = a.stdout.match(/schema version (\d+) \((\d+) migrations? applied\)/);
    assert.ok(m && m[1] === m[2] && Number(m[1]) >= 2, a.stdout);
    const b = cli(['migrate', '--data', path.join(dir, 'data')]);
    assert.match(b.stdout, /\(0 migrations applied\)/);
  });
  test('demo is idempotent and keeps the QR tokens', () => {
    const dir = tmp();
    const a = JSON.parse(cli(['demo', '--data', path.join(dir, 'data')]).stdout);
    const b = JSON.parse(cli(['demo', '--data', path.join(dir, 'data')]).stdout);
    assert.equal(a.rally, 'minato-walk');
    assert.equal(a.spots.length, 5);
    assert.deepEqual(a.spots, b.spots);
    const tiers = sqlOn(path.join(dir, 'data'), 'SELECT kind FROM reward_tiers ORDER BY position').split('\n');
    assert.deepEqual(tiers, ['coupon', 'first_come', 'lottery'], 'one reward of each kind, seeded once');
  });
  test('a bad configuration file is reported', () => {
    const dir = tmp();
    const f = path.join(dir, 'bad.ini');
    fs.writeFileSync(f, '[limits]\nmax_body = lots\n');
    const r = cli(['migrate', '--config', f, '--data', path.join(dir, 'data')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad.ini:2: limits.max_body/);
  });
});

describe('rally import', () => {
  test('prints the rally and each spot with its QR URL and token (≥128 bits)', () => {
    const dir = tmp();
    const r = importFile(dir, rallyDoc('imp', { nspots: 2 }));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.rally, 'imp');
    assert.equal(out.spots.length, 2);
    for (const s of out.spots) {
      assert.match(s.qr_token, /^[A-Za-z0-9_-]{22,}$/);
      assert.ok(Buffer.from(s.qr_token, 'base64url').length >= 16);
      assert.equal(s.qr_url, `http://localhost:8080/q/${s.qr_token}`);
    }
  });

  test('re-importing updates in place and keeps tokens; a removed spot without stamps goes', () => {
    const dir = tmp();
    const first = JSON.parse(importFile(dir, rallyDoc('upd', { nspots: 3 })).stdout);
    const doc = rallyDoc('upd', { nspots: 2, title: 'New title' });
    const second = JSON.parse(importFile(dir, doc).stdout);
    assert.equal(second.spots.length, 2);
    assert.deepEqual(second.spots.map((s) => s.qr_token), first.spots.slice(0, 2).map((s) => s.qr_token));
  });

  test('invalid documents are refused with a message and change nothing', () => {
    const dir = tmp();
    const cases = [
      ['{', /rally.json:1/],
      [{ ...rallyDoc('x'), status: 'open' }, /status/],
      [{ ...rallyDoc('x'), starts_at: '2026-01-01 10:00' }, /starts_at/],
      [{ ...rallyDoc('x'), ends_at: '2000-01-01T00:00:00Z' }, /ends_at must be after/],
      [{ ...rallyDoc('Bad Slug') }, /slug/],
      [{ ...rallyDoc('x'), spots: [] }, /spots/],
      [{ ...rallyDoc('x'), spots: [{ name: 'a' }, { name: 'a' }] }, /appears twice/],
      [{ ...rallyDoc('x'), title: '' }, /title/],
      [{ ...rallyDoc('x'), title: 'a\u0001b' }, /control characters/],
    ];
    for (const [doc, re] of cases) {
      const r = importFile(dir, doc);
      assert.equal(r.status, 1, JSON.stringify(doc));
      assert.match(r.stderr, re);
    }
    const ok = importFile(dir, rallyDoc('x', { nspots: 1 }));
    assert.equal(ok.status, 0);
  });

  test('a slug owned by another tenant is refused', () => {
    const dir = tmp();
    importFile(dir, rallyDoc('shared'));
    const r = importFile(dir, { ...rallyDoc('shared'), tenant: 'someone-else' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /taken by another tenant/);
  });
});
