// A participant mails the card's recovery code to themselves (issue 17),
// through a real SMTP server (Debian's python3-aiosmtpd on loopback): the
// form is on the card only where mail is configured; a bad address is
// refused on the card with what was typed; the message is in the page's
// language with the code and the /recover link; the address is not kept
// once the message is sent; three a day per participant, thirty an hour
// per address.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startServer } from './helpers.mjs';
import { smtpSink } from './smtp.mjs';

let sink;
let srv;
const SLUG = 'mailcode-walk';
const csrfOf = (html) => html.match(/name="_csrf" value="([^"]+)"/)[1];
const codeOf = (html) => html.match(/<p class="code"><code>([^<]+)<\/code>/)[1];
const outbox = () => srv.sql("SELECT count(*) FROM mail_outbox WHERE kind = 'recovery'");

/** A participant of SLUG on srv: {c, card (its page), code}. */
async function participant(server, opts) {
  const c = server.client(opts);
  assert.equal((await c.postForm(`/r/${SLUG}/join`, { _csrf: csrfOf((await c.get(`/r/${SLUG}`)).text) })).status, 303);
  const card = (await c.get(`/r/${SLUG}/card`)).text;
  return { c, card, code: codeOf(card) };
}
const send = (p, email) => p.c.postForm(`/r/${SLUG}/recovery-mail`, { _csrf: csrfOf(p.card), email });

before(async () => {
  sink = await smtpSink();
  srv = await startServer({ env: { STAMPRALLY_MAIL_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, STAMPRALLY_MAIL_TLS: 'none',
    STAMPRALLY_MAIL_FROM: 'stamprally <noreply@example.jp>', STAMPRALLY_MAIL_RETRY_SECONDS: '1', STAMPRALLY_BACKUP_TIME: 'off' } });
  srv.import({ tenant: 'mc', slug: SLUG, title: '港町 メールラリー', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
});
after(async () => { await srv?.stop(); await sink?.stop(); });

describe('recovery code by e-mail', () => {
  test('the code reaches the address typed, in Japanese, and the address is not kept after sending', async () => {
    const p = await participant(srv);
    assert.match(p.card, new RegExp(`<form method="post" action="/r/${SLUG}/recovery-mail"`));
    const r = await send(p, 'visitor@example.jp');
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, `/r/${SLUG}/card?mailed=1#recovery`);
    assert.match((await p.c.get(r.headers.location)).text, /復元コードをメールで送りました。/);
    const m = await eventually(() => sink.to('visitor@example.jp')[0], 'the message', 200);
    assert.equal(m.subject, '【港町 メールラリー】スタンプ帳の復元コード');
    assert.ok(m.body.includes(`\n\n${p.code}\n\n`), m.body);
    assert.match(m.body, new RegExp(`${srv.base.replace(/[.]/g, '\\.')}/recover を開いて`));
    assert.equal(m.headers['auto-submitted'], 'auto-generated');
    // the mailer has marked it sent and wiped the address and the text
    await eventually(() => srv.sql("SELECT count(*) FROM mail_outbox WHERE kind = 'recovery' AND sent_at IS NOT NULL") === '1' || null,
      'marked sent', 100);
    assert.equal(srv.sql("SELECT rcpt_sealed || '|' || message_sealed FROM mail_outbox WHERE kind = 'recovery'"), '|');
    // the code it carries opens the card in another browser
    const other = srv.client();
    const back = await other.postForm('/recover', { _csrf: csrfOf((await other.get('/recover')).text), code: m.body.match(/\n\n(\S+)\n\n/)[1] });
    assert.equal(back.status, 303);
    assert.equal(back.headers.location, `/r/${SLUG}/card?restored=1`);
  });

  test('an English page gets an English message, with the rally\'s English title where the organizer gave one', async () => {
    const p = await participant(srv, { lang: 'en' });
    assert.match(p.card, /Get the recovery code by e-mail/);
    assert.equal((await send(p, 'guest@example.com')).status, 303);
    const m = await eventually(() => sink.to('guest@example.com')[0], 'the message', 200);
    assert.equal(m.subject, "Your stamp card's recovery code: 港町 メールラリー");
    srv.sqlWrite(`INSERT INTO translations(rally_id, lang, field, text) SELECT id, 'en', 'rally:title', 'Harbor Mail Rally' FROM rallies WHERE slug = '${SLUG}'`);
    assert.equal((await send(p, 'guest2@example.com')).status, 303);
    const m2 = await eventually(() => sink.to('guest2@example.com')[0], 'the second message', 200);
    assert.equal(m2.subject, "Your stamp card's recovery code: Harbor Mail Rally");
    assert.match(m2.body, /^This is the recovery code of your stamp card for "Harbor Mail Rally"/);
    assert.match(m.body, /^This is the recovery code of your stamp card/);
    assert.ok(m.body.includes(p.code));
  });

  test('a bad address is refused on the card, with what was typed; nothing is queued', async () => {
    const p = await participant(srv);
    const before = outbox();
    for (const bad of ['no-at-sign', 'a b@example.jp', 'x@example.jp\r\nBcc: evil@example.jp', '"><script>@x.jp', `${'a'.repeat(250)}@example.jp`]) {
      const r = await send(p, bad);
      assert.equal(r.status, 422, JSON.stringify(bad));
      assert.match(r.text, /<p class="notice error" role="alert" id="mail-error">メールアドレスの形式が正しくありません。/);
      assert.match(r.text, /aria-invalid="true"/);
      if (bad === 'no-at-sign') assert.match(r.text, /name="email" value="no-at-sign"/, 'what was typed is kept');
      assert.doesNotMatch(r.text, /<script>@/, 'escaped');
    }
    assert.equal(outbox(), before);
  });

  test('three messages a day per participant; the fourth is refused with a message', async () => {
    const p = await participant(srv);
    for (let i = 1; i <= 3; i++) assert.equal((await send(p, `limit${i}@example.jp`)).status, 303, `message ${i}`);
    const r = await send(p, 'limit4@example.jp');
    assert.equal(r.status, 429);
    assert.match(r.text, /送信できる回数の上限に達しました。/);
    assert.match(r.text, /value="limit4@example.jp"/);
    await eventually(() => sink.to('limit3@example.jp')[0], 'the third', 200);
    assert.equal(sink.to('limit4@example.jp').length, 0);
  });

  test('thirty messages an hour from one address, however many cards send them', async () => {
    let last;
    for (let i = 0; i < 20 && !last; i++) {
      const p = await participant(srv);
      for (let k = 0; k < 3; k++) {
        const r = await send(p, `crowd${i}.${k}@example.jp`);
        if (r.status === 429) { last = r; break; }
        assert.equal(r.status, 303);
      }
    }
    assert.ok(last, 'refused in the end');
    assert.match(last.text, /送信できる回数の上限に達しました。/);
    assert.equal(outbox(), '30', 'every message this address had sent, this one not among them');
  });

  test('the form needs the CSRF token and a card of this rally', async () => {
    const p = await participant(srv);
    const before = outbox();
    assert.equal((await p.c.postForm(`/r/${SLUG}/recovery-mail`, { email: 'x@example.jp' })).status, 403);
    const stranger = srv.client();
    const r = await stranger.postForm(`/r/${SLUG}/recovery-mail`, { _csrf: csrfOf((await stranger.get('/recover')).text), email: 'x@example.jp' });
    assert.equal(r.status, 303, 'not joined: back to the rally page');
    assert.equal(r.headers.location, `/r/${SLUG}`);
    assert.equal(outbox(), before);
  });
});

test('without mail.smtp_url there is no form and the route is 404', async () => {
  const plain = await startServer();
  try {
    plain.import({ tenant: 'mc', slug: SLUG, title: 't', description: 'x', starts_at: '2020-01-01T00:00:00Z',
      ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'A' }] });
    const p = await participant(plain);
    assert.ok(p.code, 'the code is shown');
    assert.doesNotMatch(p.card, /recovery-mail/);
    const r = await p.c.postForm(`/r/${SLUG}/recovery-mail`, { _csrf: csrfOf((await p.c.get('/recover')).text), email: 'x@example.jp' });
    assert.equal(r.status, 404);
  } finally {
    await plain.stop();
  }
});
