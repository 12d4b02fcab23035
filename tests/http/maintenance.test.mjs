// Maintenance mode: `stamprally maintenance on` reaches every server on the
// database within a second; pages, the console and the API answer 503 with
// Retry-After and the operator's message in the page's language; health,
// readiness, metrics and static files stay up; it ends when turned off or
// at its announced end; bad input is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cli, eventually, request, startServer } from './helpers.mjs';

let a;
let b;
const ENV = { STAMPRALLY_BACKUP_TIME: 'off' };
before(async () => {
  a = await startServer({ env: ENV });
  a.import({ tenant: 'mt', slug: 'maint', title: 'Maint', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
  b = await startServer({ env: ENV, dir: a.dir }); // a second node on the same database
});
after(async () => { await b.stop(); await a.stop(); });

const maint = (...args) => cli(['maintenance', ...args, '--data', a.data]);
/** Wait until GET path on srv answers status (the servers refresh every second). */
async function until(srv, path, status) {
  let r;
  await eventually(async () => (r = await request(srv.base, 'GET', path)).status === status,
    () => `${path} stayed ${r.status}, not ${status}`);
  return r;
}

describe('maintenance mode', () => {
  test('on: every node answers 503 with the message and Retry-After; health stays up; off: back', async () => {
    const end = new Date(Date.now() + 3600e3);
    const iso = new Date(end.getTime() + 9 * 3600e3).toISOString().slice(0, 16) + '+09:00';
    const r = maint('on', '--until', iso, '--message-ja', '21時から設備点検のため停止します', '--message-en', 'Scheduled upgrade');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).on, true);
    for (const srv of [a, b]) {
      const page = await until(srv, '/r/maint', 503);
      const wait = Number(page.headers['retry-after']);
      assert.ok(wait > 3500 && wait <= 3600, `Retry-After ${wait}`);
      assert.match(page.text, /ただいまメンテナンス中です。\d{4}-\d\d-\d\d \d\d:\d\dごろに再開する予定です。21時から設備点検のため停止します/);
      const en = await request(srv.base, 'GET', '/r/maint', { headers: { 'Accept-Language': 'en' } });
      assert.match(en.text, /down for maintenance until about .* Scheduled upgrade/);
      assert.doesNotMatch(page.text, /class="button"/, 'no button to another page that answers the same');
      const api = await request(srv.base, 'POST', '/api/v1/rallies/maint/join', { headers: { 'Content-Type': 'application/json' } });
      assert.equal(api.status, 503);
      assert.equal(api.json.error.code, 'maintenance');
      assert.equal((await request(srv.base, 'GET', '/console/login')).status, 503);
      for (const p of ['/healthz', '/readyz', '/static/app.css']) {
        assert.equal((await request(srv.base, 'GET', p)).status, 200, p);
      }
      const m = await srv.metrics();
      assert.equal(m.status, 200);
      assert.match(m.text, /^stamprally_maintenance 1$/m);
    }
    assert.match(a.sql("SELECT detail FROM security_events WHERE kind = 'maintenance_on'"), /"message_en":"Scheduled upgrade"/);
    assert.equal(JSON.parse(maint('status').stdout).on, true);
    assert.equal(maint('off').status, 0);
    for (const srv of [a, b]) await until(srv, '/r/maint', 200);
    assert.equal(a.sql("SELECT count(*) FROM security_events WHERE kind = 'maintenance_off'"), '1');
  });

  test('it ends by itself at --until', async () => {
    const soon = new Date(Date.now() + 9 * 3600e3 + 2500).toISOString().replace(/\.\d+Z$/, '+09:00');
    assert.equal(maint('on', '--until', soon).status, 0);
    const r = await until(a, '/r/maint', 503);
    assert.match(r.text, /ただいまメンテナンス中です/);
    await until(a, '/r/maint', 200);
    assert.equal(JSON.parse(maint('status').stdout).on, false);
  });

  test('bad input is refused and changes nothing', () => {
    const before = a.sql('SELECT count(*) FROM security_events');
    for (const args of [['on', '--until', '2020-01-01T00:00+09:00'], ['on', '--until', 'tomorrow'],
      ['on', '--message-ja', 'a\u0007b'], ['on', '--message-en', 'x'.repeat(501)], ['bogus'], ['off', 'extra']]) {
      const r = maint(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /usage|in the past|printable UTF-8 text/);
    }
    assert.equal(a.sql('SELECT count(*) FROM security_events'), before);
  });
});
