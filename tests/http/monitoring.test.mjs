// Monitoring: /metrics behind a bearer token (not "the peer is loopback":
// behind a local proxy everyone is loopback) or on metrics.listen; the
// exposition passes `promtool check metrics`; latency histograms per route
// group and status class, writer, database, disk, clock, process and build
// gauges move with the traffic; /readyz reports each component as JSON and
// fails on the ones monitoring.ready_requires names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { freePort, PG, request, ROOT, startServer } from './helpers.mjs';
import path from 'node:path';

let srv;
let tokens;
before(async () => {
  srv = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off' } });
  srv.import({ tenant: 'mo', slug: 'mon', title: 'Mon', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }, { name: 'B' }] });
  tokens = srv.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'mon'").split('\n');
});
after(async () => { await srv.stop(); });

/** The value of one series in the exposition text (exact name{labels}). */
const value = (text, series) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `no ${series}`);
  return Number(line.slice(series.length + 1));
};

describe('/metrics', () => {
  test('needs the bearer token, even from loopback', async () => {
    const none = await request(srv.base, 'GET', '/metrics');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="metrics"');
    const wrong = await request(srv.base, 'GET', '/metrics', { headers: { Authorization: 'Bearer 0123456789abcdef0123456789abcdef' } });
    assert.equal(wrong.status, 401);
    assert.equal((await srv.metrics()).status, 200);
  });

  test('what it exposes follows the traffic, and promtool accepts it', async () => {
    const c = srv.client();
    await c.postJson('/api/v1/rallies/mon/join');
    for (const t of tokens) assert.equal((await c.postJson('/api/v1/stamps', { qr_token: t })).status, 201);
    await c.get('/r/mon/card');
    await c.get('/r/no-such-rally'); // a page route, 404
    await c.get('/no/such/route'); // no route at all: "other"
    const m = (await srv.metrics()).text;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.ok(value(m, 'stamprally_http_request_duration_seconds_count{group="claim",class="2xx"}') >= 2);
    assert.ok(value(m, 'stamprally_http_request_duration_seconds_bucket{group="claim",class="2xx",le="+Inf"}') >= 2);
    assert.ok(value(m, 'stamprally_http_request_duration_seconds_count{group="card",class="2xx"}') >= 1);
    assert.ok(value(m, 'stamprally_http_request_duration_seconds_count{group="page",class="4xx"}') >= 1);
    assert.ok(value(m, 'stamprally_http_request_duration_seconds_count{group="other",class="4xx"}') >= 1);
    if (!PG) { // on PostgreSQL a claim is one transaction of its own (store.group_commit = auto)
      assert.ok(value(m, 'stamprally_writer_batch_size_count') >= 2, 'the claims went through the writer');
      assert.ok(value(m, 'stamprally_writer_batch_size_sum') >= 2);
    }
    assert.equal(value(m, 'stamprally_writer_queue_depth'), 0);
    assert.ok(value(m, 'stamprally_http_requests_in_flight') >= 1, 'this very request');
    assert.ok(value(m, 'stamprally_http_connections_open') >= 1);
    assert.ok(value(m, 'stamprally_database_size_bytes') > 10000);
    assert.ok(value(m, 'stamprally_data_disk_free_bytes') > 0);
    assert.ok(value(m, 'stamprally_process_resident_memory_bytes') > 1e6);
    assert.ok(value(m, 'stamprally_process_open_fds') > 3);
    assert.ok(value(m, 'stamprally_uptime_seconds') >= 0);
    assert.ok([0, 1].includes(value(m, 'stamprally_clock_synced')));
    assert.match(m, /^stamprally_build_info\{version="\d+\.\d+\.\d+",backend="(sqlite|postgres)",sqlite="3\.[\d.]+",libpq="1\d\.\d+",libmicrohttpd="[\d.]+"\} 1$/m);
    assert.ok(value(m, 'stamprally_stamps_total') >= 2);
  });

  test('metrics.listen serves it without a token, and listen no longer does', async () => {
    const port = await freePort();
    const s = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off', STAMPRALLY_METRICS_LISTEN: `127.0.0.1:${port}` } });
    try {
      const m = await request(`http://127.0.0.1:${port}`, 'GET', '/metrics');
      assert.equal(m.status, 200);
      assert.match(m.text, /^stamprally_uptime_seconds /m);
      assert.equal((await request(`http://127.0.0.1:${port}`, 'GET', '/r/x')).status, 404, 'nothing else there');
      assert.equal((await s.metrics()).status, 404, 'not on the public listener');
    } finally {
      await s.stop();
    }
  });
});

describe('/readyz', () => {
  test('every component, as JSON', async () => {
    const r = await request(srv.base, 'GET', '/readyz');
    assert.equal(r.status, 200);
    const c = r.json.components;
    assert.deepEqual(Object.keys(c).sort(), ['clock', 'database', 'disk', 'writer']);
    for (const k of ['database', 'writer', 'disk']) assert.equal(c[k].status, 'ok', k);
    assert.ok(c.disk.free_bytes > c.disk.min_bytes);
    const synced = value((await srv.metrics()).text, 'stamprally_clock_synced') === 1;
    assert.equal(c.clock.status, synced ? 'ok' : 'warn', 'the clock only warns by default');
    assert.equal(r.json.status, synced ? 'ok' : 'degraded');
  });

  test('a component named in monitoring.ready_requires fails readiness', async () => {
    const s = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off', STAMPRALLY_MONITORING_MIN_FREE_DISK_MB: '9999999' } });
    try {
      const r = await request(s.base, 'GET', '/readyz');
      assert.equal(r.status, 503, 'less free disk than required');
      assert.equal(r.json.status, 'fail');
      assert.equal(r.json.components.disk.status, 'fail');
      assert.equal((await request(s.base, 'GET', '/healthz')).status, 200, 'alive all the same');
    } finally {
      await s.stop();
    }
    const strict = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off', STAMPRALLY_MONITORING_READY_REQUIRES: 'database,clock' } });
    try {
      const r = await request(strict.base, 'GET', '/readyz');
      assert.equal(r.status, r.json.components.clock.synced ? 200 : 503, JSON.stringify(r.json));
      assert.equal(r.json.components.clock.status, r.json.components.clock.synced ? 'ok' : 'fail');
    } finally {
      await strict.stop();
    }
  });
});

describe('deploy/prometheus', () => {
  const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
  test('the alert rules and the scrape config are valid, and the rule tests pass', { skip: !hasPromtool && 'promtool is not installed here' }, () => {
    const dir = path.join(ROOT, 'deploy/prometheus');
    for (const args of [['check', 'rules', 'alerts.yml'], ['test', 'rules', 'alerts.test.yml'], ['check', 'config', '--syntax-only', 'prometheus.yml']]) {
      const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
    }
  });
});
