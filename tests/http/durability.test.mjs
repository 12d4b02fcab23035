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

test('concurrent claims by many participants are all kept', async () => {
  const clients = await Promise.all(Array.from({ length: 15 }, async () => {
    const c = srv.client();
    await c.postJson('/api/v1/rallies/durable/join');
    return c;
  }));
  const res = await Promise.all(clients.flatMap((c) => rally.spots.map((s) =>
    c.postJson('/api/v1/stamps', { qr_token: tokenOf(s.qr_url) }))));
  assert.ok(res.every((r) => r.status === 201), 'every first claim is new');
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
