// Maps (issue 17) without a browser: spot positions from a rally import, the
// map's data on the rally page (each positioned spot's coordinates, the
// configured tiles and attribution), the Content-Security-Policy opened to
// the tiles' origin only, and no map when no tiles are configured.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './helpers.mjs';

const doc = (slug, spots) => ({ tenant: 'map', slug, title: 'Map', description: 'x', starts_at: '2020-01-01T00:00:00Z',
  ends_at: '2099-01-01T00:00:00Z', status: 'published', spots });
let srv;
before(async () => {
  srv = await startServer({ env: { STAMPRALLY_MAP_TILE_URL: 'https://tiles.example.jp/osm/{z}/{x}/{y}.png', STAMPRALLY_MAP_ATTRIBUTION: '© OSM <b>"x"</b>' } });
  srv.import(doc('mapped', [{ name: 'Pier', latitude: 35.45, longitude: 139.64 }, { name: 'Nowhere' }]));
  srv.import(doc('unmapped', [{ name: 'A' }]));
});
after(async () => { await srv.stop(); });

test('the rally page carries the positions, the tiles and the attribution (escaped); the CSP allows that origin only', async () => {
  const r = await srv.client().get('/r/mapped');
  assert.match(r.text, /<div class="map-box" data-map data-tiles="https:\/\/tiles\.example\.jp\/osm\/\{z\}\/\{x\}\/\{y\}\.png" data-attribution="© OSM &lt;b&gt;&quot;x&quot;&lt;\/b&gt;" hidden>/);
  assert.match(r.text, /<li class="" data-lat="35\.450000" data-lng="139\.640000" data-name="Pier"/);
  assert.match(r.text, /<li class="" data-name="Nowhere"/, 'a spot without a position is in the list, not on the map');
  assert.match(r.text, /<script src="\/static\/leaflet\.js\?v=[0-9a-f]+" defer><\/script>/);
  assert.match(r.headers['content-security-policy'], /img-src 'self' data: https:\/\/tiles\.example\.jp;/);
  const leaflet = await srv.client().get('/static/leaflet.js');
  assert.equal(leaflet.status, 200);
  assert.match(leaflet.text, /Leaflet/, 'served by stamprally from Debian\'s libjs-leaflet');
  const none = await srv.client().get('/r/unmapped');
  assert.doesNotMatch(none.text, /data-map|data-sort-near|leaflet/, 'no positions, no map');
});

test('the import takes a position only as a pair within range', () => {
  for (const spot of [{ name: 'x', latitude: 91, longitude: 0 }, { name: 'x', latitude: 35 }, { name: 'x', latitude: '35', longitude: '139' }]) {
    assert.throws(() => srv.import(doc('bad-map', [spot])), /latitude \(-90\.\.90\) and longitude \(-180\.\.180\) go together/);
  }
});

test('with no tile server configured there is no map, but the list still sorts by distance', async () => {
  const plain = await startServer({ env: { STAMPRALLY_MAP_TILE_URL: '' } });
  try {
    plain.import(doc('mapped', [{ name: 'Pier', latitude: 35.45, longitude: 139.64 }]));
    const r = await plain.client().get('/r/mapped');
    assert.doesNotMatch(r.text, /data-map|leaflet/);
    assert.match(r.text, /data-sort-near/);
    assert.match(r.headers['content-security-policy'], /img-src 'self' data:;/);
  } finally {
    await plain.stop();
  }
});
