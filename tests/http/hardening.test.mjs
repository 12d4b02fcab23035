// Holes found by an outside attack run, each reproduced on a raw socket or
// with a request a browser would not send: request-smuggling shapes, a NUL
// in the path, a header name with a space, an off-site language link, a
// draft rally's theme.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv;

before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'hard', slug: 'hard-draft', title: 'Draft', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'draft', spots: [{ name: 'S' }] });
  srv.import({ tenant: 'hard', slug: 'hard-open', title: 'Open', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'S' }] });
});
after(async () => { await srv.stop(); });

/** Send raw bytes; resolve {text, closed} once the server closes the
 * connection, or after 1.5 s with closed = false. */
function raw(bytes) {
  return new Promise((resolve, reject) => {
    const s = net.connect(srv.port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ text, closed: false }); }, 1500);
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('end', () => { clearTimeout(timer); s.destroy(); resolve({ text, closed: true }); });
    s.on('error', (e) => { clearTimeout(timer); if (text) resolve({ text, closed: true }); else reject(e); });
    s.write(bytes);
  });
}

const status = (text) => Number((text.match(/^HTTP\/1\.1 (\d{3})/) || [])[1]);

describe('request smuggling shapes are refused with 400 and the connection closed', () => {
  const body = '{"a":1}';
  const shapes = {
    'two different Content-Lengths':
      `POST /api/v1/recover HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 2\r\n\r\n${body}`,
    'Transfer-Encoding with a space before the colon':
      `POST /api/v1/recover HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding : chunked\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    'Content-Length and Transfer-Encoding together':
      `POST /api/v1/recover HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n${body}\r\n0\r\n\r\n`,
    'a space inside a header name':
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX Forwarded: 1\r\n\r\n',
  };
  for (const [name, req] of Object.entries(shapes)) {
    test(name, async () => {
      // A second request follows on the same connection: it must never be answered.
      const r = await raw(`${req}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(status(r.text), 400, r.text.slice(0, 200));
      assert.match(r.text, /\r\nConnection: close\r\n/i);
      assert.equal((r.text.match(/^HTTP\/1\.1 /gm) || []).length, 1, 'one answer only');
      assert.ok(r.closed, 'the connection is closed');
    });
  }

  test('one Content-Length repeated with the same value, and plain chunked, still work', async () => {
    const same = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    assert.equal(status(same.text), 200);
    const chunked = await raw('POST /api/v1/recover HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
      + `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    assert.notEqual(status(chunked.text), 400, chunked.text.slice(0, 200));
  });
});

describe('paths', () => {
  test('%00 in a path does not cut it short', async () => {
    const r = await raw('GET /static/app.css%00.png HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(status(r.text), 404);
    const ok = await raw('GET /static/app.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(status(ok.text), 200);
  });

  test("the language switch never links off-site, whatever the raw path", async () => {
    for (const p of ['//evil.example/', '/%2fevil.example', '/%2F%2Fevil.example/', '/\\evil.example', '//evil.example/r/hard-open']) {
      const r = await raw(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const href = (r.text.match(/<a class="lang" href="([^"]*)"/) || [])[1];
      assert.ok(href, `${p}: a page with the switch (${status(r.text)})`);
      assert.match(href, /^\/[^/\\]/, `${p}: ${href}`);
      assert.doesNotMatch(href, /evil/, p);
    }
    const page = await raw('GET /r/hard-open HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(page.text, /<a class="lang" href="\/r\/hard-open\?lang=en"/, 'a real page links to itself');
    assert.match(page.text, /\r\nCache-Control: no-store\r\n/i, 'pages are not kept by the browser or a proxy');
  });

  test("a draft rally's theme is as hidden as the rally", async () => {
    assert.equal(status((await raw('GET /r/hard-draft/theme.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).text), 404);
    assert.equal(status((await raw('GET /r/hard-open/theme.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).text), 200);
  });
});

describe('connections', () => {
  test('a request head trickled a line at a time, or an idle keep-alive, is closed at the head deadline', async () => {
    const own = await startServer({ env: { STAMPRALLY_LIMITS_HEAD_TIMEOUT: '1' } });
    try {
      const closedAfter = (first, drip) => new Promise((resolve) => {
        const t0 = Date.now();
        const s = net.connect(own.port, '127.0.0.1', () => s.write(first));
        const timer = drip ? setInterval(() => { if (!s.destroyed) s.write('X-Drip: 1\r\n'); }, 200) : null;
        const giveUp = setTimeout(() => { s.destroy(); resolve(Infinity); }, 8000);
        let text = '';
        s.on('data', (d) => { text += d; });
        s.on('close', () => { clearInterval(timer); clearTimeout(giveUp); resolve({ ms: Date.now() - t0, text }); });
        s.on('error', () => {});
      });
      const trickle = await closedAfter('GET /healthz HTTP/1.1\r\nHost: x\r\n', true);
      assert.ok(trickle.ms < 4000, `trickling head closed after ${trickle.ms} ms`);
      assert.equal(trickle.text, '', 'never answered');
      const idle = await closedAfter('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', false);
      assert.ok(idle.ms < 4000, `idle keep-alive closed after ${idle.ms} ms`);
      assert.match(idle.text, /^HTTP\/1\.1 200/, 'its request was answered first');
      // a normal client is unaffected; the closings are counted
      assert.equal((await own.client().get('/healthz')).status, 200);
      const m = await own.metrics();
      assert.ok(Number(m.text.match(/^stamprally_head_deadline_total (\d+)$/m)[1]) >= 2, 'both counted');
    } finally {
      await own.stop();
    }
  });
});
