// Concurrency and durability of stamp claims.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rallyDoc, startServer } from './helpers.mjs';

let srv;
let rally;
const tokenOf = (url) => new URL(url).pathname.split('/').pop();

before(async () => {
  srv = await startServer();
  rally = srv.import(rallyDoc('durable', { nspots: 4 }));
});
after(async () => { await srv.stop(); });

test('50 concurrent claims of one spot by one participant leave exactly one stamp', async () => {
  const c = srv.client();
  await c.postJson('/api/v1/rallies/durable/join');
  const tok = tokenOf(rally.spots[0].qr_url);
  const results = await Promise.all(Array.from({ length: 50 }, () => c.postJson('/api/v1/stamps', { qr_token: tok })));
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses}`);
  assert.equal(statuses.filter((s) => s === 200).length, 49);
  assert.ok(results.every((r) => r.json.progress.collected === 1));
  const times = new Set(results.map((r) => r.json.stamp.collected_at));
  assert.equal(times.size, 1, 'every answer reports the same stamp');
  const card = await c.get('/api/v1/rallies/durable/card');
  assert.equal(card.json.progress.collected, 1);
});

// stamprally_stamps_total from /metrics
async function stampsTotal() {
  const m = await srv.metrics();
  return Number(m.text.match(/^stamprally_stamps_total (\d+)$/m)[1]);
}

test('concurrent claims by many participants are all kept', async () => {
  const counted = await stampsTotal();
  const clients = await Promise.all(Array.from({ length: 15 }, async () => {
    const c = srv.client();
    await c.postJson('/api/v1/rallies/durable/join');
    return c;
  }));
  const res = await Promise.all(clients.flatMap((c) => rally.spots.map((s) =>
    c.postJson('/api/v1/stamps', { qr_token: tokenOf(s.qr_url) }))));
  assert.ok(res.every((r) => r.status === 201), 'every first claim is new');
  assert.equal(await stampsTotal(), counted + 60, 'each new stamp counted once in /metrics');
  const again = await Promise.all(clients.map((c) => c.postJson('/api/v1/stamps', { qr_token: tokenOf(rally.spots[0].qr_url) })));
  assert.ok(again.every((r) => r.status === 200));
  assert.equal(await stampsTotal(), counted + 60, 'repeats are not counted');
  for (const c of clients) {
    const card = await c.get('/api/v1/rallies/durable/card');
    assert.equal(card.json.progress.collected, 4);
    assert.equal(card.json.completed, true);
  }
});

test('a claim acknowledged before kill -9 is there after restart', async () => {
  const c = srv.client();
  await c.postJson('/api/v1/rallies/durable/join');
  const ack = await c.postJson('/api/v1/stamps', { qr_token: tokenOf(rally.spots[2].qr_url) });
  assert.equal(ack.status, 201);
  await srv.kill9();
  await srv.start();
  const card = await c.get('/api/v1/rallies/durable/card');
  assert.equal(card.status, 200, 'the session survived too');
  assert.equal(card.json.progress.collected, 1);
  assert.equal(card.json.spots[2].collected, true);
  assert.equal(card.json.spots[2].collected_at, ack.json.stamp.collected_at);
});

// Claims are answered from the writer thread once their batch is committed;
// the worker thread suspends the connection meanwhile and serves others. One
// worker thread must carry a burst of claims from many connections, and a
// stop in the middle must neither crash (libmicrohttpd refuses to stop with a
// connection still suspended) nor lose a claim it acknowledged.
test('a stop during a burst of claims on one worker thread keeps every acknowledged claim', async () => {
  // (all clients share 127.0.0.1: lift the per-address connection limit)
  const one = await startServer({ env: { STAMPRALLY_SERVER_THREADS: '1', STAMPRALLY_LIMITS_MAX_CONNECTIONS_PER_IP: '1024' } });
  try {
    const doc = one.import(rallyDoc('burst', { nspots: 4 }));
    const clients = await Promise.all(Array.from({ length: 30 }, async () => {
      const c = one.client();
      assert.equal((await c.postJson('/api/v1/rallies/burst/join')).status, 201);
      return c;
    }));
    const warm = await Promise.all(clients.map((c) => c.postJson('/api/v1/stamps', { qr_token: tokenOf(doc.spots[0].qr_url) })));
    assert.ok(warm.every((r) => r.status === 201), 'thirty concurrent claims on one worker thread are all answered');
    const claims = clients.flatMap((c) => doc.spots.slice(1).map((s, i) =>
      c.postJson('/api/v1/stamps', { qr_token: tokenOf(s.qr_url) }).then((r) => ({ c, spot: i + 1, r }))));
    await Promise.race(claims.map((p) => p.catch(() => {}))); // the first answer is out: the rest are in flight
    const stopped = one.stop();
    const settled = await Promise.allSettled(claims);
    await stopped; // exit code 0, no sanitizer report (see helpers.mjs)
    const acked = settled.filter((s) => s.status === 'fulfilled' && s.value.r.status === 201).map((s) => s.value);
    await one.start();
    for (const { c, spot } of acked) {
      const card = await c.get('/api/v1/rallies/burst/card');
      assert.equal(card.json.spots[spot].collected, true, 'an acknowledged claim survives the stop');
    }
    const stored = Number(one.sql('SELECT count(*) FROM stamps'));
    assert.ok(stored >= 30 + acked.length, `${stored} stamps stored, ${30 + acked.length} acknowledged`);
  } finally {
    await one.stop();
  }
});
