// The organizer console: rally and spot editors, uploads, posters,
// dashboard, CSV exports.
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { after, before, describe, test } from 'node:test';
import { JPEG_200x100, multipart, PNG_1x1, pngClaiming } from './fixtures.mjs';
import { request, startServer } from './helpers.mjs';

let srv;
let ed; // an editor of tenant "city"
before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'city', slug: 'city-seed', title: 'Seed', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'A' }] });
  ed = await srv.staff('city-editor', srv.user('city', 'city-editor', 'editor'));
});
after(async () => { await srv.stop(); });

const csrfOf = (text) => text.match(/name="_csrf" value="([^"]+)"/)[1];
async function post(c, path, fields, from = '/console') {
  const t = csrfOf((await c.get(from)).text);
  return c.postForm(path, { _csrf: t, ...fields });
}
async function upload(c, path, field, filename, type, data, from) {
  const t = csrfOf((await c.get(from)).text);
  const mp = multipart({ _csrf: t }, { field, filename, type, data });
  return c.send('POST', path, { headers: { 'Content-Type': mp.type }, body: mp.body });
}
const rallyFields = (over = {}) => ({
  slug: 'tour', title: '港まち <めぐり>', description: 'ルール: "全部" 集めよう',
  starts_at: '2020-04-01T10:00', ends_at: '2099-05-31T17:00', primary: '#1565c0', accent: '#ffb300', background: '#ffffff', ...over,
});

describe('rally editor', () => {
  test('create: validation errors next to the fields, nothing saved', async () => {
    const bad = await post(ed, '/console/rallies', rallyFields({ slug: 'Bad Slug', title: '', ends_at: '2019-01-01T00:00', primary: 'red' }),
      '/console/rallies/new');
    assert.equal(bad.status, 422);
    for (const msg of ['半角英小文字・数字・ハイフンで', '入力してください', '終了日時は開始日時より後', '#rrggbb']) assert.match(bad.text, new RegExp(msg));
    assert.equal(srv.sql("SELECT count(*) FROM rallies WHERE slug = 'tour'"), '0');
  });

  test('create a draft, then edit it; times are JST', async () => {
    const r = await post(ed, '/console/rallies', rallyFields(), '/console/rallies/new');
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/console/rallies/tour');
    assert.equal(srv.sql("SELECT status, starts_at FROM rallies WHERE slug = 'tour'"), `draft|${Date.UTC(2020, 3, 1, 1, 0)}`);
    const page = await ed.get('/console/rallies/tour');
    assert.match(page.text, /value="2020-04-01T10:00"/);
    assert.match(page.text, /港まち &lt;めぐり&gt;/);
    const dup = await post(ed, '/console/rallies', rallyFields(), '/console/rallies/new');
    assert.equal(dup.status, 409);
  });

  test('theme colours: a low contrast draws a warning; the participant page loads the theme', async () => {
    const r = await post(ed, '/console/rallies/tour', rallyFields({ primary: '#ffee58', background: '#222222' }), '/console/rallies/tour');
    assert.equal(r.status, 303);
    const page = await ed.get('/console/rallies/tour');
    assert.match(page.text, /ボタンの白い文字が読みにくく/);
    assert.match(page.text, /本文が読みにくく/);
    await post(ed, '/console/rallies/tour', rallyFields(), '/console/rallies/tour');
    assert.equal((await request(srv.base, 'GET', '/r/tour/theme.css')).status, 404, 'a draft\'s theme is not public');
  });

  test('status transitions: a draft without spots is not published; nonsense refused', async () => {
    assert.equal((await request(srv.base, 'GET', '/r/tour')).status, 404, 'a draft is invisible');
    assert.equal((await post(ed, '/console/rallies/tour/status', { status: 'archived' }, '/console/rallies/tour')).status, 409);
    const empty = await post(ed, '/console/rallies/tour/status', { status: 'published' }, '/console/rallies/tour');
    assert.equal(empty.status, 409, 'the publish check (tests/http/publish.test.mjs)');
    assert.match(empty.text, /スポットがありません/);
    assert.equal((await request(srv.base, 'GET', '/r/tour')).status, 404);
  });
});

describe('spot editor', () => {
  let spotId;
  test('create with validation, edit, and the spot appears for participants', async () => {
    const bad = await post(ed, '/console/rallies/tour/spots', { name: '', latitude: '95', longitude: 'abc', radius_m: '1', position: '1' },
      '/console/rallies/tour/spots/new');
    assert.equal(bad.status, 422);
    for (const m of ['入力してください', '緯度は', '経度は', '半径は']) assert.match(bad.text, new RegExp(m));
    for (const name of ['赤レンガ倉庫', '=HYPERLINK("http://x","y")', 'みなと公園']) {
      const r = await post(ed, '/console/rallies/tour/spots', { name, description: 'd', latitude: '35.4437', longitude: '139.6380', radius_m: '80', category: 'history' },
        '/console/rallies/tour/spots/new');
      assert.equal(r.status, 303, r.text.slice(0, 500));
      spotId = spotId || r.headers.location.match(/spots\/([^?]+)/)[1];
    }
    assert.equal((await post(ed, '/console/rallies/tour/status', { status: 'published' }, '/console/rallies/tour')).status, 303);
    assert.equal((await request(srv.base, 'GET', '/r/tour')).status, 200);
    const css = await request(srv.base, 'GET', '/r/tour/theme.css');
    assert.equal(css.text, ':root{--primary:#1565c0;--accent:#ffb300;--bg:#ffffff}\n', 'the theme once published');
    // read the list first, so the server's per-thread spot lists hold the old names
    for (let i = 0; i < 8; i++) assert.equal((await request(srv.base, 'GET', '/api/v1/rallies/tour')).status, 200);
    const edit = await post(ed, `/console/rallies/tour/spots/${spotId}`, { name: '赤レンガ倉庫 1号館', description: 'new', latitude: '', longitude: '', radius_m: '30', position: '1' },
      `/console/rallies/tour/spots/${spotId}`);
    assert.equal(edit.status, 303);
    assert.equal(srv.sql(`SELECT name, radius_m, latitude IS NULL FROM spots WHERE public_id = '${spotId}'`), '赤レンガ倉庫 1号館|30|1');
    for (let i = 0; i < 8; i++) {
      const pub = await request(srv.base, 'GET', '/api/v1/rallies/tour');
      assert.equal(pub.json.spots.length, 3);
      assert.equal(pub.json.spots.find((s) => s.id === spotId).name, '赤レンガ倉庫 1号館');
    }
  });

  test('regenerating the QR token voids the old poster at once', async () => {
    const old = srv.sql(`SELECT qr_token FROM spots WHERE public_id = '${spotId}'`);
    assert.equal((await request(srv.base, 'GET', `/q/${old}`)).status, 200);
    const r = await post(ed, `/console/rallies/tour/spots/${spotId}/regenerate`, {}, `/console/rallies/tour/spots/${spotId}`);
    assert.equal(r.status, 303);
    const fresh = srv.sql(`SELECT qr_token FROM spots WHERE public_id = '${spotId}'`);
    assert.notEqual(fresh, old);
    assert.equal((await request(srv.base, 'GET', `/q/${old}`)).status, 404);
    assert.equal((await request(srv.base, 'GET', `/q/${fresh}`)).status, 200);
  });

  test('posters: one per spot and all, with the QR as SVG and the full public URL', async () => {
    const all = await ed.get('/console/rallies/tour/posters');
    assert.equal(all.status, 200);
    assert.equal((all.text.match(/<section class="poster">/g) || []).length, 3);
    const token = srv.sql(`SELECT qr_token FROM spots WHERE public_id = '${spotId}'`);
    const one = await ed.get(`/console/rallies/tour/spots/${spotId}/poster`);
    assert.match(one.text, new RegExp(`${srv.base}/q/${token}`));
    assert.match(one.text, /<svg class="qr" viewBox="-4 -4 (\d+) \1"/);
    assert.match(one.text, /<path d="M\d+ \d+h\d+v1h-\d+z/);
    assert.match(one.text, /カメラでQRコードを読み取り/);
    assert.match(one.text, /Scan the QR code/);
  });

  test('uploads: images by content; wrong type, too large, too many pixels, truncated are refused', async () => {
    const from = `/console/rallies/tour/spots/${spotId}`;
    const ok = await upload(ed, `${from}/image`, 'image', 'a.png', 'image/png', PNG_1x1, from);
    assert.equal(ok.status, 303);
    const okJpeg = await upload(ed, `${from}/image`, 'stamp', 'a.jpg', 'image/jpeg', JPEG_200x100, from);
    assert.equal(okJpeg.status, 303);
    const cases = [
      ['not an image with a .png name', Buffer.from('<?php echo 1; ?> hello'), 422, /中身で判定/],
      ['too many pixels', pngClaiming(5000, 10), 422, /4096ピクセル以下/],
      ['zero pixels', pngClaiming(0, 10), 422, /4096ピクセル以下/],
      ['truncated', PNG_1x1.subarray(0, 40), 422, /途中で切れて/],
      ['too large', Buffer.concat([PNG_1x1, Buffer.alloc(5 * 1024 * 1024)]), 413, /5MB以下/],
    ];
    for (const [what, data, status, msg] of cases) {
      const r = await upload(ed, `${from}/image`, 'image', 'photo.png', 'image/png', data, from);
      assert.equal(r.status, status, what);
      assert.match(r.text, msg, what);
    }
    const huge = await upload(ed, `${from}/image`, 'image', 'big.png', 'image/png', Buffer.alloc(6 * 1024 * 1024), from);
    assert.equal(huge.status, 413, 'over the body limit');
    assert.equal(srv.sql('SELECT count(*) FROM images WHERE parent_id IS NULL'), '2');
    assert.equal(srv.sql('SELECT count(*) FROM images WHERE parent_id IS NOT NULL'), '6', 'each with three variants for phones');
    const id = srv.sql("SELECT public_id FROM images WHERE content_type = 'image/png' AND parent_id IS NULL");
    const img = await request(srv.base, 'GET', `/images/${id}`);
    assert.equal(img.status, 200);
    assert.equal(img.headers['content-type'], 'image/png');
    assert.equal(img.headers['x-content-type-options'], 'nosniff');
    assert.match(img.headers['cache-control'], /immutable/);
    assert.deepEqual([img.raw.subarray(1, 4).toString(), img.raw.readUInt32BE(16), img.raw.readUInt32BE(20)], ['PNG', 1, 1], 'a 1 x 1 PNG, encoded again');
    assert.equal((await request(srv.base, 'GET', `/images/${id}`, { headers: { 'If-None-Match': img.headers.etag } })).status, 304);
    const webp = await request(srv.base, 'GET', `/images/${id}/480.webp`);
    assert.equal(webp.headers['content-type'], 'image/webp');
    assert.equal(webp.raw.subarray(8, 12).toString(), 'WEBP');
    assert.notEqual(webp.headers.etag, img.headers.etag, 'each variant its own validator');
    assert.equal((await request(srv.base, 'GET', `/images/${id}/123.gif`)).status, 404, 'only the known variants');
    const card = await request(srv.base, 'GET', '/r/tour');
    assert.match(card.text, new RegExp(`<source type="image/webp" srcset="/images/${id}/480.webp 480w, /images/${id}/960.webp 960w"`), 'the spot image shows on the rally page');
    assert.match(card.text, new RegExp(`<img class="spot-img" src="/images/${id}" srcset="/images/${id}/480 480w, /images/${id} 960w"`));
  });
});

describe('passcode', () => {
  test('a passcode-protected rally asks for it on join, refuses a wrong one', async () => {
    assert.equal((await post(ed, '/console/rallies/tour', rallyFields({ passcode: 'minato2026' }), '/console/rallies/tour')).status, 303);
    const c = srv.client();
    const page = await c.get('/r/tour');
    assert.match(page.text, /name="passcode"/);
    const t = csrfOf(page.text);
    const none = await c.postForm('/r/tour/join', { _csrf: t });
    assert.equal(none.status, 403);
    const wrong = await c.postForm('/r/tour/join', { _csrf: t, passcode: 'guess' });
    assert.equal(wrong.status, 403);
    assert.match(wrong.text, /パスコードが違います/);
    assert.ok(!c.cookies.has('sid'));
    const api = await srv.client().postJson('/api/v1/rallies/tour/join', { passcode: 'minato2026' });
    assert.equal(api.status, 201);
    const right = await c.postForm('/r/tour/join', { _csrf: t, passcode: 'minato2026' });
    assert.equal(right.status, 303);
    await post(ed, '/console/rallies/tour', rallyFields({ clear_passcode: '1' }), '/console/rallies/tour');
    assert.equal((await srv.client().postJson('/api/v1/rallies/tour/join')).status, 201);
  });
});

describe('dashboard and exports', () => {
  test('the dashboard counts participants, stamps and completions', async () => {
    const tokens = srv.sql("SELECT qr_token FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE r.slug = 'tour' ORDER BY s.position").split('\n');
    for (let i = 0; i < 2; i++) {
      const c = srv.client();
      await c.postJson('/api/v1/rallies/tour/join');
      for (const t of (i === 0 ? tokens : tokens.slice(0, 1))) assert.equal((await c.postJson('/api/v1/stamps', { qr_token: t })).status, 201);
    }
    const d = await ed.get('/console/rallies/tour/dashboard');
    assert.equal(d.status, 200);
    const kpi = (label) => Number(d.text.match(new RegExp(`${label}<b>(\\d+)</b>`))[1]);
    const participants = Number(srv.sql("SELECT count(*) FROM participants p JOIN rallies r ON r.id = p.rally_id WHERE r.slug = 'tour'"));
    assert.equal(kpi('参加者'), participants);
    assert.equal(kpi('スタンプ'), 4);
    assert.equal(kpi('コンプリート'), 1);
    assert.match(d.text, /<svg class="chart"/);
    assert.match(d.text, /<title>\d\d:00: [1-9]/, 'the hourly chart has this hour\'s stamps');
  });

  test('CSV exports: BOM, CRLF, RFC 4180, JST, formulas neutralised, Japanese headers; logged', async () => {
    const r = await ed.get('/console/rallies/tour/export/stamps.csv');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/csv; charset=utf-8/);
    assert.match(r.headers['content-disposition'], /attachment; filename="tour-stamps.csv"/);
    assert.deepEqual([...r.raw.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.ok(r.text.includes('\r\n') && !/[^\r]\n/.test(r.text), 'CRLF only');
    const rows = parse(r.raw, { bom: true });
    assert.deepEqual(rows[0], ['日時', '参加者ID', 'スポット', '方法']);
    assert.equal(rows.length, 5);
    const names = rows.slice(1).map((x) => x[2]);
    assert.ok(names.includes('赤レンガ倉庫 1号館'));
    assert.ok(names.includes('\'=HYPERLINK("http://x","y")'), `formula neutralised: ${names}`);
    assert.ok(r.text.includes('"\'=HYPERLINK(""http://x"",""y"")"'), 'quoted as RFC 4180');
    assert.ok(rows.slice(1).every((x) => /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/.test(x[0])), 'times as Excel reads them, in JST');
    assert.ok(rows.slice(1).every((x) => x[3] === 'QRコード'), 'the method as words');
    const p = parse((await ed.get('/console/rallies/tour/export/participants.csv')).raw, { bom: true });
    assert.deepEqual(p[0], ['参加者ID', '参加日時', 'スタンプ数', 'コンプリート日時']);
    assert.ok(p.slice(1).some((x) => x[2] === '3' && /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/.test(x[3])));
    const en = parse((await ed.get('/console/rallies/tour/export/participants.csv?lang=en')).raw, { bom: true });
    assert.deepEqual(en[0], ['participant', 'joined_at', 'stamps', 'completed_at']);
    assert.equal(srv.sql("SELECT count(*) FROM security_events WHERE kind = 'export' AND detail LIKE '%tour%'"), '3');
  });
});

describe('upload limits before the body', () => {
  test('an upload route refuses a large body from someone not logged in, before reading it', async () => {
    const r = await request(srv.base, 'POST', '/console/rallies/tour/cover', {
      headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': String(5 * 1024 * 1024) },
      body: Buffer.alloc(1024),
    }).catch((e) => ({ status: 'closed', e }));
    assert.equal(r.status, 401);
  });
});
