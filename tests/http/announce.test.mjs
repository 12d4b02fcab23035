// Announcements: `stamprally announce` checks what it is given (7 days'
// notice for maintenance unless urgent, a window that ends after it starts,
// a text); a current one is a banner on the console of its tenants (and on
// participant pages when meant for them too) within a second; /status and
// /status.json list current and upcoming maintenance and incidents, also
// during maintenance mode; closing one takes its banner away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, request, startServer } from './helpers.mjs';

let srv;
let a;
let b;
const iso = (ms) => new Date(ms + 9 * 3600e3).toISOString().slice(0, 16) + '+09:00';
const DAY = 86400e3;
const announce = (...args) => srv.cli(['announce', ...args]);

before(async () => {
  srv = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off' } });
  for (const t of ['an-a', 'an-b']) {
    srv.import({ tenant: t, slug: `${t}-walk`, title: t, description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
  }
  a = await srv.staff('an-a-owner', srv.user('an-a', 'an-a-owner', 'owner'));
  b = await srv.staff('an-b-owner', srv.user('an-b', 'an-b-owner', 'owner'));
});
after(async () => { await srv.stop(); });

describe('announcements', () => {
  test('bad input is refused with a message and stores nothing', () => {
    const now = Date.now();
    const cases = [
      [['--kind', 'maintenance', '--from', iso(now + 3 * DAY), '--to', iso(now + 3 * DAY + 3600e3), '--ja', '点検'], /at least 7 days before/],
      [['--kind', 'incident', '--from', iso(now + DAY), '--to', iso(now), '--ja', '障害'], /must end after it starts/],
      [['--kind', 'incident', '--from', iso(now), '--to', iso(now + DAY), '--ja', ''], /Japanese text is required/],
      [['--kind', 'incident', '--from', iso(now), '--to', iso(now + DAY), '--ja', 'a\u0007b'], /printable/],
      [['--kind', 'party', '--from', iso(now), '--to', iso(now + DAY), '--ja', 'x'], /the kind must be/],
      [['--kind', 'change', '--from', iso(now), '--to', iso(now + DAY), '--ja', 'x', '--tenant', 'nowhere'], /no tenant 'nowhere'/],
    ];
    for (const [args, re] of cases) {
      const r = announce('create', ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    assert.equal(srv.sql('SELECT count(*) FROM announcements'), '0');
  });

  test('a current one is a banner for its audience; closing it takes it away', async () => {
    const now = Date.now();
    const id = announce('create', '--kind', 'incident', '--from', iso(now - 60e3), '--to', iso(now + DAY),
      '--ja', '一部の地域で表示が遅くなっています', '--en', 'Pages are slow in some regions', '--participants', '--by', 'ops-taro').stdout.trim();
    assert.match(id, /^[A-Za-z0-9_-]{16,}$/);
    const onlyA = announce('create', '--kind', 'change', '--from', iso(now - 60e3), '--to', iso(now + DAY),
      '--ja', 'A市向けのお知らせ', '--tenant', 'an-a').stdout.trim();
    // Both were stored before the wait; a refresh may fall between the two.
    await eventually(async () => /表示が遅くなっています[^]*A市向けのお知らせ|A市向けのお知らせ[^]*表示が遅くなっています/.test((await a.get('/console')).text),
      'both banners on the console');
    const ca = (await a.get('/console')).text;
    assert.match(ca, /<p class="banner announce incident" role="status"><strong>障害<\/strong> 一部の地域で表示が遅くなっています<\/p>/);
    assert.match(ca, /A市向けのお知らせ/);
    assert.doesNotMatch((await b.get('/console')).text, /A市向けのお知らせ/, 'not for another tenant');
    const page = await request(srv.base, 'GET', '/r/an-b-walk');
    assert.match(page.text, /表示が遅くなっています/, 'participants see the one meant for them');
    assert.doesNotMatch((await request(srv.base, 'GET', '/r/an-a-walk')).text, /A市向けのお知らせ/, 'but not the staff notice');
    const en = await request(srv.base, 'GET', '/r/an-b-walk', { headers: { 'Accept-Language': 'en' } });
    assert.match(en.text, /<strong>Incident<\/strong> Pages are slow in some regions<\/p>/);
    // a Korean page shows the English, marked as English; an English page marks Japanese without English
    const ko = await request(srv.base, 'GET', '/r/an-b-walk', { headers: { 'Accept-Language': 'ko' } });
    assert.match(ko.text, /<strong>장애<\/strong> <span lang="en">Pages are slow in some regions<\/span><\/p>/);
    const enA = await a.get('/console', { headers: { 'Accept-Language': 'en' } });
    assert.match(enA.text, /<span lang="ja">A市向けのお知らせ<\/span>/);
    assert.match(srv.sql("SELECT detail FROM security_events WHERE kind = 'announcement_created' ORDER BY id LIMIT 1"), /"by":"ops-taro \(command line\)"/);

    assert.equal(announce('close', id).status, 0);
    assert.equal(announce('close', id).status, 2, 'already closed');
    await eventually(async () => !/表示が遅くなっています/.test((await a.get('/console')).text), 'the banner gone');
    assert.match((await a.get('/console')).text, /A市向けのお知らせ/);
    assert.equal(announce('close', onlyA).status, 0);
  });

  test('/status lists current and upcoming maintenance and incidents, also during maintenance mode', async () => {
    const now = Date.now();
    const m = announce('create', '--kind', 'maintenance', '--from', iso(now + 8 * DAY), '--to', iso(now + 8 * DAY + 3 * 3600e3),
      '--ja', 'データベースの更新のため停止します');
    assert.equal(m.status, 0, m.stderr);
    const urgent = announce('create', '--kind', 'maintenance', '--from', iso(now + 3600e3), '--to', iso(now + 2 * 3600e3),
      '--ja', '緊急メンテナンス', '--urgent');
    assert.equal(urgent.status, 0, urgent.stderr);
    assert.match(srv.sql("SELECT detail FROM security_events WHERE kind = 'announcement_created' ORDER BY id DESC LIMIT 1"), /"urgent":true/);
    announce('create', '--kind', 'change', '--from', iso(now), '--to', iso(now + DAY), '--ja', '料金表の改定');
    await eventually(async () => (await request(srv.base, 'GET', '/status.json')).json.items.length === 2, 'two items on /status');
    const j = (await request(srv.base, 'GET', '/status.json')).json;
    assert.deepEqual(j.items.map((i) => [i.kind, i.text, i.current]),
      [['maintenance', '緊急メンテナンス', false], ['maintenance', 'データベースの更新のため停止します', false]], 'changes are not public status');
    const page = await request(srv.base, 'GET', '/status');
    assert.equal(page.status, 200);
    assert.match(page.text, /サービスの状況/);
    assert.match(page.text, /データベースの更新のため停止します/);
    assert.equal(srv.cli(['maintenance', 'on', '--message-ja', '作業中']).status, 0);
    try {
      await eventually(async () => (await request(srv.base, 'GET', '/r/an-a-walk')).status === 503, 'maintenance on');
      const during = await request(srv.base, 'GET', '/status');
      assert.equal(during.status, 200, '/status answers during maintenance');
      assert.match(during.text, /ただいまメンテナンス中です。/);
      assert.equal((await request(srv.base, 'GET', '/status.json')).json.maintenance, true);
    } finally {
      srv.cli(['maintenance', 'off']);
    }
  });
});
