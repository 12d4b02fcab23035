// Running under systemd: the unit files pass `systemd-analyze verify`
// (where systemd-analyze exists); with a stand-in for systemd
// (tests/tools/supervisor.py: socket activation, NOTIFY_SOCKET, a watchdog)
// the server says READY=1, pings the watchdog, says STOPPING=1, and a
// restart on the held socket under load fails no request.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { BIN, eventually, freePort, importRally, PG, request, ROOT, storeEnv } from './helpers.mjs';

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** A rally and a server under tests/tools/supervisor.py (socket activation,
 * NOTIFY_SOCKET, a watchdog): {sup, base, lines (what it notified),
 * log() (the server's stderr), seen(pred, what)}. */
async function supervised(slug) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-sup-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  importRally(dir, { tenant: `t${slug}`, slug, title: slug, description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
  const sup = spawn('python3', [path.join(ROOT, 'tests/tools/supervisor.py'), String(port), path.resolve(BIN), 'serve',
    '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:1'],
  { env: { ...process.env, ...storeEnv(path.join(dir, 'data')), STAMPRALLY_SERVER_PUBLIC_URL: base, STAMPRALLY_BACKUP_TIME: 'off' },
    stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = [];
  let stderr = '';
  sup.stdout.on('data', (d) => lines.push(...d.toString().split('\n').filter(Boolean)));
  sup.stderr.on('data', (d) => { stderr += d; });
  const log = () => stderr;
  const seen = (pred, what) => eventually(pred, () => `${what}: ${lines.join(' | ')}\n${stderr.slice(-2000)}`, 100);
  return { sup, base, lines, log, seen };
}

describe('systemd', () => {
  test('the unit files pass systemd-analyze verify', { skip: !hasAnalyze && 'systemd-analyze is not installed here' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-units-'));
    const unit = fs.readFileSync(path.join(ROOT, 'deploy/systemd/stamprally.service'), 'utf8');
    assert.match(unit, /^Type=notify$/m);
    assert.match(unit, /^WatchdogSec=\d+$/m);
    fs.writeFileSync(path.join(dir, 'stamprally.service'), unit.replaceAll('/usr/local/bin/stamprally', path.resolve(BIN)));
    fs.copyFileSync(path.join(ROOT, 'deploy/systemd/stamprally.socket'), path.join(dir, 'stamprally.socket'));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(dir, 'stamprally.socket'), path.join(dir, 'stamprally.service')],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings');
    const sec = spawnSync('systemd-analyze', ['security', '--offline=true', path.join(dir, 'stamprally.service')], { encoding: 'utf8' });
    const score = Number((sec.stdout.match(/Overall exposure level for stamprally\.service: ([\d.]+)/) || [])[1]);
    assert.ok(score <= 2.0, `exposure ${score} (docs/operations.md says 1.4)`);
  });

  test('socket activation, READY/WATCHDOG/STOPPING, and a restart under load fails no request', async () => {
    const { sup, base, lines, log, seen } = await supervised('sup');
    try {
      await seen(() => lines.includes('READY=1'), 'READY=1');
      await seen(() => lines.filter((l) => l === 'WATCHDOG=1').length >= 2, 'two watchdog pings');
      assert.match(log(), /"msg":"systemd watchdog","interval_ms":300/);

      let ok = 0;
      const failures = [];
      let running = true;
      const worker = async () => {
        while (running) {
          try {
            const r = await request(base, 'GET', '/api/v1/rallies/sup');
            if (r.status === 200) ok++;
            else failures.push(r.status);
          } catch (e) {
            failures.push(e.code || e.message);
          }
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      await new Promise((r) => setTimeout(r, 700));
      const before = ok;
      sup.stdin.write('restart\n');
      await seen(() => lines.filter((l) => l === 'READY=1').length === 2, 'READY=1 from the new process');
      await new Promise((r) => setTimeout(r, 700));
      running = false;
      await Promise.all(workers);
      assert.deepEqual(failures, [], 'no request failed across the restart');
      assert.ok(before > 50 && ok - before > 50, `requests before ${before}, after ${ok - before}`);
      assert.ok(lines.includes('STOPPING=1'));
      assert.ok(lines.includes('EXITED 0'), lines.join(' | '));
      const pids = lines.filter((l) => l.startsWith('STARTED ')).map((l) => l.slice(8));
      assert.equal(new Set(pids).size, 2, 'a new process took over the socket');
    } finally {
      sup.stdin.write('stop\n');
      await new Promise((r) => sup.on('exit', r));
    }
  });

  test('PostgreSQL unreachable: the node answers 503 and keeps pinging the watchdog (a restart would not help)',
    { skip: !PG && 'needs PostgreSQL: STAMPRALLY_TEST_PG (make test starts one)' }, async () => {
      const { sup, base, lines, seen } = await supervised('suppg');
      const pings = () => lines.filter((l) => l === 'WATCHDOG=1').length;
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      try {
        await seen(() => pings() >= 2, 'watchdog pings');
        // the server stopped for 3 s, then started again
        const restart = spawn(path.join(ROOT, 'scripts/pg-throwaway'), ['restart', PG, '3'], { stdio: 'ignore' });
        const restarted = new Promise((r) => restart.on('exit', r));
        await sleep(800);
        assert.notEqual(spawnSync('pg_isready', ['-q', '-h', PG]).status, 0, 'PostgreSQL is down now');
        const before = pings();
        const ready = await request(base, 'GET', '/readyz');
        assert.equal(ready.status, 503, 'the balancer is told');
        assert.equal((await request(base, 'GET', '/api/v1/rallies/suppg')).status, 503);
        await sleep(1200);
        assert.notEqual(spawnSync('pg_isready', ['-q', '-h', PG]).status, 0, 'PostgreSQL is still down');
        assert.ok(pings() >= before + 5, `pings while PostgreSQL was down: ${pings() - before}`);
        assert.equal(await restarted, 0);
        await eventually(async () => (await request(base, 'GET', '/api/v1/rallies/suppg')).status === 200,
          'the node answers again by itself', 100);
        assert.ok(!lines.some((l) => l.startsWith('EXITED')), `the node was never restarted: ${lines.join(' | ')}`);
      } finally {
        sup.stdin.write('stop\n');
        await new Promise((r) => sup.on('exit', r));
      }
    });
});
