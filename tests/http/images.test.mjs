// Images for phones (issue 17), on the server side: an image stored before
// variants existed (migration 0021: as uploaded, EXIF and all) is made ready
// when the server starts — stripped, resized, its variants added — and the
// variant URLs of any image always answer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EXIF_CANARY, JPEG_200x100, withExif } from './fixtures.mjs';
import { blobOf, hexOf, request, startServer } from './helpers.mjs';

let srv;
before(async () => {
  srv = await startServer();
  srv.import({ tenant: 'legacy', slug: 'old-photos', title: 'Old photos', description: 'x', starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2099-01-01T00:00:00Z', status: 'published', spots: [{ name: 'Pier' }] });
});
after(async () => { await srv.stop(); });

test('an image stored as uploaded (before 0021) is stripped and gets its variants at the next start', async () => {
  await srv.stop();
  const original = withExif(JPEG_200x100);
  const bytes = blobOf(original.toString('hex'));
  srv.sqlWrite(`INSERT INTO images(public_id, tenant_id, content_type, width, height, bytes, created_at)
       SELECT 'legacyImage0000000000A', id, 'image/jpeg', 200, 100, ${bytes}, 0 FROM tenants WHERE slug = 'legacy'`);
  srv.sqlWrite("UPDATE spots SET image_id = (SELECT id FROM images WHERE public_id = 'legacyImage0000000000A') WHERE name = 'Pier'");
  assert.ok(srv.sql(`SELECT ${hexOf('bytes')} FROM images WHERE public_id = 'legacyImage0000000000A'`).includes(Buffer.from(EXIF_CANARY).toString('hex').toUpperCase()));
  await srv.start();
  assert.match(srv.stderr, /"msg":"images made ready for phones","count":1/);
  assert.equal(srv.sql("SELECT count(*) FROM images v JOIN images p ON p.id = v.parent_id WHERE p.public_id = 'legacyImage0000000000A'"), '3');
  for (const v of ['', '/480', '/480.webp', '/960', '/960.webp']) {
    const img = await request(srv.base, 'GET', `/images/legacyImage0000000000A${v}`);
    assert.equal(img.status, 200, v);
    assert.ok(!img.raw.includes(EXIF_CANARY) && !img.raw.includes(Buffer.from('Exif\0\0')), `${v}: no EXIF`);
  }
  assert.ok(!srv.sql(`SELECT ${hexOf('bytes')} FROM images`).includes(Buffer.from(EXIF_CANARY).toString('hex').toUpperCase()), 'no row keeps it');
  // The next start finds nothing left to do.
  await srv.stop();
  await srv.start();
  assert.equal(srv.stderr.match(/images made ready/g).length, 1, 'the first start did it, the second had nothing to do');
});
