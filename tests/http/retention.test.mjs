// Retention, a year in seconds (`retention run --now` moves the clock):
// security events past retention.security_events_days are pruned with a
// signed checkpoint and the chain still verifies; access-log files are
// compressed after their day and deleted past retention.access_log_days;
// a rally's personal data goes retention.participants_days_after_end days
// after it ends, its counts stay; e-mail sent or given up goes after
// retention.mail_days.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { cli, request, startServer } from './helpers.mjs';

const DAY = 86400e3;
const iso = (ms) => new Date(ms + 9 * 3600e3).toISOString().replace(/\.\d+Z$/, '+09:00');
let srv;
let tier;
let pw;
let ends;

before(async () => {
  srv = await startServer({ env: { STAMPRALLY_BACKUP_TIME: 'off', STAMPRALLY_RETENTION_TIME: 'off' } });
  ends = Date.now() + DAY;
  srv.import({ tenant: 'rt', slug: 'ret', title: 'Ret', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: new Date(ends).toISOString(), status: 'published', spots: [{ name: 'A' }] });
  pw = srv.user('rt', 'rt-owner', 'owner');
  const owner = await srv.staff('rt-owner', pw);
  tier = await srv.nameLottery(owner, 'ret');
  for (let i = 0; i < 3; i++) {
    const c = srv.client();
    const j = await c.postJson('/api/v1/rallies/ret/join');
    assert.ok(j.json.recovery_code);
    assert.equal((await c.postJson('/api/v1/stamps', { qr_token: srv.sql("SELECT s.qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'ret'") })).status, 201);
    c.csrf = await c.csrfFrom('/recover');
    assert.equal((await c.postForm(`/r/ret/lottery/${tier}`, { _csrf: c.csrf, name: `参加者${i}` })).status, 303);
  }
  await srv.stop();
});
after(async () => { await srv.stop(); });

const retention = (now, env = {}) => {
  const r = cli(['retention', 'run', '--now', iso(now), '--data', srv.data], env);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};

describe('retention', () => {
  test('access logs: one file per day, compressed after the day, deleted after the limit', () => {
    const logs = path.join(srv.data, 'logs');
    const today = fs.readdirSync(logs).filter((f) => /^access-\d{4}-\d\d-\d\d\.jsonl$/.test(f));
    assert.equal(today.length, 1);
    const lines = fs.readFileSync(path.join(logs, today[0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.path === '/api/v1/stamps' && l.status === 201));
    assert.equal(retention(Date.now()).logs_compressed, 0, "today's file stays as it is");
    assert.equal(retention(Date.now() + DAY).logs_compressed, 1);
    const z = fs.readdirSync(logs);
    assert.deepEqual(z, [`${today[0]}.zst`]);
    assert.deepEqual([...fs.readFileSync(path.join(logs, z[0])).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'a zstd frame');
    const events = { STAMPRALLY_RETENTION_SECURITY_EVENTS_DAYS: '3650' }; // (the next test prunes those)
    assert.equal(retention(Date.now() + 300 * DAY, events).logs_deleted, 0, 'kept for 365 days');
    assert.equal(retention(Date.now() + 367 * DAY, events).logs_deleted, 1);
    assert.deepEqual(fs.readdirSync(logs), []);
  });

  test('security events: pruned after a year with a signed checkpoint; the chain still verifies', () => {
    const n = Number(srv.sql('SELECT count(*) FROM security_events'));
    assert.ok(n >= 4, 'start, account, login, stop');
    const r = retention(Date.now() + 366 * DAY);
    assert.ok(r.events_pruned >= n, JSON.stringify(r));
    const left = srv.sql('SELECT kind FROM security_events').split('\n');
    assert.deepEqual(left, ['retention_run'], 'only the record of the pruning itself');
    assert.match(srv.sql("SELECT kind || ' ' || upto FROM audit_checkpoints WHERE kind = 'pruned'"), /^pruned \d+$/);
    const v = cli(['audit', 'verify', '--data', srv.data]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    // and it goes on: a new event after pruning still chains on
    assert.equal(cli(['audit', 'checkpoint', '--data', srv.data]).status, 0);
    assert.equal(cli(['audit', 'verify', '--data', srv.data]).status, 0);
  });

  test('personal data: kept by default, deleted N days after the rally ends, counts kept', async () => {
    assert.equal(retention(ends + 400 * DAY).rallies_cleared, 0, 'participants_days_after_end = 0 keeps it');
    const env = { STAMPRALLY_RETENTION_PARTICIPANTS_DAYS_AFTER_END: '30' };
    const early = cli(['retention', 'run', '--now', iso(ends + 29 * DAY), '--data', srv.data], env);
    assert.equal(JSON.parse(early.stdout).rallies_cleared, 0, 'not yet: 29 days after the end');
    const r = JSON.parse(cli(['retention', 'run', '--now', iso(ends + 31 * DAY), '--data', srv.data], env).stdout);
    assert.deepEqual([r.rallies_cleared, r.participants_cleared], [1, 3]);
    assert.equal(srv.sql("SELECT count(*) FROM lottery_entries WHERE sealed <> ''"), '0');
    assert.equal(srv.sql('SELECT count(*) FROM participants WHERE recovery_sealed IS NOT NULL OR recovery_hash IS NOT NULL'), '0');
    assert.equal(srv.sql('SELECT count(*) FROM participants'), '3', 'participants stay as counts');
    assert.equal(srv.sql('SELECT count(*) FROM stamps'), '3');
    assert.equal(srv.sql('SELECT count(*) FROM lottery_entries'), '3');
    assert.equal(srv.sql("SELECT count(*) FROM rallies WHERE personal_data_purged_at IS NOT NULL"), '1', 'only the ended rally (not the demo)');
    const ev = JSON.parse(srv.sql("SELECT detail FROM security_events WHERE kind = 'personal_data_purged'"));
    assert.deepEqual(ev, { rally: 'ret', participants: 3, days_after_end: 30 });
    assert.equal(srv.sql("SELECT t.slug FROM security_events e JOIN tenants t ON t.id = e.tenant_id WHERE kind = 'personal_data_purged'"),
      'rt', "in the tenant's slice of the log");
    const again = JSON.parse(cli(['retention', 'run', '--now', iso(ends + 32 * DAY), '--data', srv.data], env).stdout);
    assert.equal(again.rallies_cleared, 0, 'once');
    // The organizer's export says what happened instead of failing.
    await srv.start();
    try {
      const owner = await srv.staff('rt-owner', pw);
      const csv = await owner.get(`/console/rallies/ret/lottery/${tier}/entries.csv`);
      assert.equal(csv.status, 200);
      const rows = parse(csv.raw.toString('utf8').replace(/^\uFEFF/, ''), { columns: true });
      assert.equal(rows.length, 3);
      assert.ok(rows.every((x) => x['お名前'] === '（保存期間の経過により削除済み）'), csv.text);
      assert.equal((await request(srv.base, 'GET', '/readyz')).status, 200);
    } finally {
      await srv.stop();
    }
    assert.equal(cli(['key', 'rotate', '--data', srv.data]).status, 0, 'a key rotation skips the deleted answers');
    assert.equal(cli(['audit', 'verify', '--data', srv.data]).status, 0);
  });

  test('e-mail: sent or given up more than retention.mail_days ago is deleted, the rest kept', () => {
    const now = Date.now();
    const row = (id, created, sent, failed) => `('${id}', 'announcement', NULL, 'sealed-to', 'sealed-text', ${created}, ${created}, ${sent}, ${failed})`;
    srv.sqlWrite('INSERT INTO mail_outbox(message_id, kind, tenant_id, rcpt_sealed, message_sealed, created_at, next_attempt_at, sent_at, failed_at)'
      + ` VALUES ${row('old-sent', now - 40 * DAY, now - 40 * DAY, 'NULL')}, ${row('old-failed', now - 40 * DAY, 'NULL', now - 37 * DAY)},`
      + ` ${row('recent-sent', now - 10 * DAY, now - 10 * DAY, 'NULL')}, ${row('old-unsent', now - 40 * DAY, 'NULL', 'NULL')}`);
    assert.equal(retention(now).mails_deleted, 2, 'the default keeps 30 days');
    assert.equal(srv.sql('SELECT message_id FROM mail_outbox ORDER BY message_id'), 'old-unsent\nrecent-sent', 'a message still being tried stays');
    assert.equal(retention(now, { STAMPRALLY_RETENTION_MAIL_DAYS: '5' }).mails_deleted, 1);
    assert.equal(srv.sql('SELECT message_id FROM mail_outbox'), 'old-unsent');
    assert.match(srv.sql("SELECT detail FROM security_events WHERE kind = 'retention_run' ORDER BY id DESC LIMIT 1"), /"mails_deleted":1/);
  });

  test('bad --now is refused', () => {
    const r = cli(['retention', 'run', '--now', 'tomorrow', '--data', srv.data]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: stamprally retention run/);
  });
});
