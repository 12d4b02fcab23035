// E-mail with a real SMTP server (Debian's python3-aiosmtpd, started here on
// loopback): staff addresses confirmed by a link before anything else goes
// to them (an address with a line break refused); announcements mailed to
// the owners and admins of their tenants only, as proper MIME (UTF-8
// subject as encoded words, text/plain; charset=UTF-8 in base64, Date,
// Message-ID, Auto-Submitted) with the operator's contact; an SMTP outage
// loses nothing and a restart sends nothing twice; the reminder the day
// before a maintenance.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, eventually, startServer } from './helpers.mjs';
import { smtpSink } from './smtp.mjs';

let sink;
let srv;
let ENV; // the server's configuration; the command line needs the same
const announce = (args) => srv.cli(['announce', ...args], { ...ENV, STAMPRALLY_SERVER_PUBLIC_URL: srv.base });
const CONTACT = '運用窓口 ops@example.jp 03-0000-0000';
const mails = () => sink.mails();
const to = (addr) => sink.to(addr);

/** Set and confirm a staff member's address through the mailed link. */
async function confirmAddress(c, addr) {
  const t = await c.csrfFrom('/console/email');
  const r = await c.postForm('/console/email', { _csrf: t, email: addr });
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const m = await eventually(() => to(addr).find((x) => /confirm\//.test(x.body)), `the confirmation link to ${addr}`, 200);
  const link = m.body.match(/https?:\/\/\S+\/console\/email\/confirm\/(\S+)/);
  assert.ok(link, m.body);
  const anon = new Client(srv.base);
  const page = await anon.get(`/console/email/confirm/${link[1]}`);
  assert.equal(page.status, 200);
  const done = await anon.postForm(`/console/email/confirm/${link[1]}`, { _csrf: page.text.match(/name="_csrf" value="([^"]+)"/)[1] });
  assert.equal(done.status, 200);
  return link[1];
}

before(async () => {
  sink = await smtpSink();
  ENV = { STAMPRALLY_MAIL_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, STAMPRALLY_MAIL_TLS: 'none',
    STAMPRALLY_MAIL_FROM: 'stamprally <noreply@example.jp>', STAMPRALLY_MAIL_CONTACT: CONTACT,
    STAMPRALLY_MAIL_RETRY_SECONDS: '1', STAMPRALLY_BACKUP_TIME: 'off' };
  srv = await startServer({ env: ENV });
  for (const t of ['harbor', 'hill']) {
    srv.import({ tenant: t, slug: `${t}-walk`, title: t, description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
  }
});
after(async () => { await srv.stop(); await sink.stop(); });

describe('e-mail', () => {
  test('addresses: checked, confirmed by a link, and nothing else before', async () => {
    const owner = await srv.staff('h-owner', srv.user('harbor', 'h-owner', 'owner'));
    const t = await owner.csrfFrom('/console/email');
    const before = srv.sql('SELECT count(*) FROM mail_outbox');
    for (const bad of ['owner@harbor.example.jp\r\nBcc: evil@example.jp', 'owner@harbor.example.jp\nBcc: x@y.jp', 'no-at-sign', 'a b@example.jp']) {
      const r = await owner.postForm('/console/email', { _csrf: t, email: bad });
      assert.equal(r.status, 422, JSON.stringify(bad));
      assert.match(r.text, /メールアドレスを確認してください/);
    }
    assert.equal(srv.sql('SELECT count(*) FROM mail_outbox'), before, 'nothing queued');
    assert.equal(srv.sql("SELECT email_sealed LIKE '%harbor%' FROM accounts WHERE login = 'h-owner'"), '0');
    const token = await confirmAddress(owner, 'owner@harbor.example.jp');
    assert.match((await owner.get('/console/email')).text, /確認済み/);
    assert.doesNotMatch(srv.sql("SELECT email_sealed FROM accounts WHERE login = 'h-owner'"), /harbor/, 'sealed at rest');
    const again = await new Client(srv.base).get(`/console/email/confirm/${token}`);
    const used = await new Client(srv.base).postForm(`/console/email/confirm/${token}`, { _csrf: 'x' });
    assert.equal(again.status, 200);
    assert.ok([403, 404].includes(used.status));
    for (const [tenant, login, role, addr] of [['harbor', 'h-admin', 'admin', 'admin@harbor.example.jp'],
      ['harbor', 'h-editor', 'editor', 'editor@harbor.example.jp'], ['hill', 'hill-owner', 'owner', 'owner@hill.example.jp']]) {
      await confirmAddress(await srv.staff(login, srv.user(tenant, login, role)), addr);
    }
    // set but never confirmed: gets nothing
    const viewer = await srv.staff('h-admin2', srv.user('harbor', 'h-admin2', 'admin'));
    assert.equal((await viewer.postForm('/console/email', { _csrf: await viewer.csrfFrom('/console/email'), email: 'unconfirmed@harbor.example.jp' })).status, 303);
  });

  test('an announcement goes to its tenants\' owners and admins, as proper MIME', async () => {
    const from = new Date(Date.now() + 8 * 86400e3);
    const toT = new Date(from.getTime() + 3600e3);
    const r = announce(['create', '--kind', 'maintenance', '--from', from.toISOString(), '--to', toT.toISOString(),
      '--ja', 'システム更新のため停止します。', '--en', 'Down for an upgrade.', '--tenant', 'harbor']);
    assert.equal(r.status, 0, r.stderr);
    await eventually(() => to('admin@harbor.example.jp').some((m) => /メンテナンス/.test(m.subject)), 'the notice', 200);
    await eventually(() => to('owner@harbor.example.jp').some((m) => /メンテナンス/.test(m.subject)), 'the notice', 200);
    await new Promise((res) => setTimeout(res, 2500));
    const notices = mails().filter((m) => /メンテナンス/.test(m.subject));
    assert.deepEqual(notices.map((m) => m.to[0]).sort(), ['admin@harbor.example.jp', 'owner@harbor.example.jp'],
      'owners and admins of harbor with a confirmed address; not its editor, not the unconfirmed, not hill');
    const m = notices[0];
    assert.equal(m.headers.from, 'stamprally <noreply@example.jp>');
    assert.match(m.headers['content-type'], /^text\/plain; charset=UTF-8$/);
    assert.equal(m.headers['content-transfer-encoding'], 'base64');
    assert.equal(m.headers['auto-submitted'], 'auto-generated');
    assert.equal(m.headers['mime-version'], '1.0');
    assert.ok(!Number.isNaN(Date.parse(m.headers.date)));
    assert.match(m.headers['message-id'], /^<notice\.[\w-]+\.[\w-]+@127\.0\.0\.1>$/);
    assert.match(m.headers.subject, /^=\?UTF-8\?B\?/);
    assert.match(m.subject, /^【メンテナンスのお知らせ】\d{4}-\d\d-\d\d \d\d:\d\d \/ Planned maintenance/);
    assert.match(m.body, /システム更新のため停止します。/);
    assert.match(m.body, /Down for an upgrade\./);
    assert.match(m.body, new RegExp(`お問い合わせ：${CONTACT}`));
    assert.match(m.body, /\/status/);
    assert.match(m.body, /（日本時間）/);
  });

  test('an SMTP outage loses nothing; a restart sends nothing twice', async () => {
    await sink.stop();
    const n0 = mails().length;
    const from = new Date(Date.now() + 3600e3);
    const r = announce(['create', '--kind', 'incident', '--from', new Date().toISOString(), '--to', from.toISOString(),
      '--ja', '一部の画像が表示されません。']);
    assert.equal(r.status, 0, r.stderr);
    await eventually(() => Number(srv.sql("SELECT min(attempts) FROM mail_outbox WHERE kind = 'announcement' AND sent_at IS NULL")) >= 2 || null,
      'the sender tries and fails while the relay is down', 200);
    assert.match(srv.sql("SELECT last_error FROM mail_outbox WHERE kind = 'announcement' AND sent_at IS NULL LIMIT 1"), /\w/);
    await sink.start();
    await eventually(() => mails().filter((m) => /障害/.test(m.subject)).length === 3 || null, 'all three after the relay is back', 300);
    await srv.stop();
    await srv.start();
    await new Promise((res) => setTimeout(res, 4500));
    const incident = mails().filter((m) => /障害/.test(m.subject));
    assert.deepEqual(incident.map((m) => m.to[0]).sort(), ['admin@harbor.example.jp', 'owner@harbor.example.jp', 'owner@hill.example.jp']);
    assert.equal(new Set(incident.map((m) => m.headers['message-id'])).size, 3, 'one each, never twice');
    assert.equal(mails().length, n0 + 3);
    assert.equal(srv.sql('SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL'), '0');
  });

  test('the reminder the day before a maintenance, once', async () => {
    const start = Date.now() + 9 * 86400e3;
    const r = announce(['create', '--kind', 'maintenance', '--from', new Date(start).toISOString(), '--to',
      new Date(start + 3600e3).toISOString(), '--ja', '夜間メンテナンス', '--tenant', 'hill']);
    assert.equal(r.status, 0, r.stderr);
    const eve = new Date(start - 20 * 3600e3).toISOString();
    const early = announce(['remind', '--now', new Date(start - 3 * 86400e3).toISOString()]);
    assert.deepEqual(JSON.parse(early.stdout), { reminded: 0 }, 'not three days before');
    assert.deepEqual(JSON.parse(announce(['remind', '--now', eve]).stdout), { reminded: 1 },
      'within a day of its start (the other one has begun by then)');
    assert.deepEqual(JSON.parse(announce(['remind', '--now', eve]).stdout), { reminded: 0 }, 'once');
    await eventually(() => to('owner@hill.example.jp').some((m) => /明日/.test(m.subject)) || null, 'the reminder', 200);
    const rem = to('owner@hill.example.jp').find((m) => /明日/.test(m.subject));
    assert.match(rem.body, /明日のメンテナンスのお知らせです。[\s\S]*夜間メンテナンス/);
    assert.match(rem.headers['message-id'], /^<reminder\./);
  });
});
