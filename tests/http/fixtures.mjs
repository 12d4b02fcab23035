import zlib from 'node:zlib';

// fixtures.mjs — small images and multipart bodies for upload tests.
export const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** A PNG whose header claims width x height (the pixel data is tiny). */
export function pngClaiming(width, height) {
  const b = Buffer.from(PNG_1x1);
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

/** A multipart/form-data body: fields is {name: value}, file {field, filename, type, data}. */
export function multipart(fields, file) {
  const boundary = `----stamprally${Math.random().toString(16).slice(2)}`;
  const parts = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\n` +
      `Content-Type: ${file.type}\r\n\r\n`));
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

/** An RGB PNG of w x h random pixels (hardly compressible, unique). */
export function noisyPng(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 255] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let i = 0; i < raw.length; i++) raw[i] = i % (w * 3 + 1) === 0 ? 0 : (Math.random() * 256) | 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A real 200 x 100 JPEG (a gradient made with libvips), decodable by the server. */
export const JPEG_200x100 = Buffer.from(
  '/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/wAALCABkAMgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APP6KKKKKKKKKKKMUuKMUYoxRijFGKMUYoxRijFJRRRS0UUUUUuKMUYoxRijFLijFGKMUYpcUYoxRio6KWiiiloopaKMUuKMUYoxS4oxRilxRijFLijFGKgopaKWiloopaKXFGKXFGKMUuKMUuKMUuKMUYpcUYqrS0UtFLRS0UtLijFLijFLijFLijFLilxRilxRilxRiqVLRS0tFLS0tFLS4oxS4pcUYpcUuKMUuKXFGKXFLijFZ9LS0tFLS0tLRS0uKXFLijFLilxS4pcUYpcUuKXFLijFZlLS0tLS0tLS0tLijFLilxS4pcUuKXFLilxS4pcUuKXFLisilpaWlp1LS0tLS0uKXFLilxS4pcUuKXFLilxS4p2KXFLisWlFOFLSilpRTqUUtLilApQKcBSgUuKXFLinAUuKUClxS4pwFLisKnClFKKcKUUopwpRSilFOApQKUCnAUoFKBTgKUClApwFKBSgUoFOArnxThSinClFOFKKUU4UopwFKBTgKUClApwFKBTgKUCnAUoFOApQKUCnAVzgpwpRThThSinClFOFKKcKUU4UopwpwpRThSinClFOFKKcKUV//9k=', 'base64');

/** The text an EXIF block of exifApp1 carries, to look for after stripping. */
export const EXIF_CANARY = 'StamprallyExifCanary';
/** An EXIF APP1 segment: IFD0 with a description, Orientation 6 (turn 90° clockwise)
 * and a GPS IFD at 35.4437 N, 139.638 E (little-endian TIFF). */
export function exifApp1() {
  const entries0 = 3, gpsEntries = 4;
  const ifd0 = 8, gps = ifd0 + 2 + entries0 * 12 + 4, desc = gps + 2 + gpsEntries * 12 + 4;
  const text = Buffer.from(`${EXIF_CANARY}\0`);
  const lat = desc + text.length, lon = lat + 24;
  const t = Buffer.alloc(lon + 24);
  t.write('II', 0); t.writeUInt16LE(42, 2); t.writeUInt32LE(ifd0, 4);
  const entry = (at, tag, type, count, value) => { t.writeUInt16LE(tag, at); t.writeUInt16LE(type, at + 2); t.writeUInt32LE(count, at + 4); t.writeUInt32LE(value, at + 8); };
  t.writeUInt16LE(entries0, ifd0);
  entry(ifd0 + 2, 0x010e, 2, text.length, desc);                 // ImageDescription
  entry(ifd0 + 14, 0x0112, 3, 1, 6);                              // Orientation: 6
  entry(ifd0 + 26, 0x8825, 4, 1, gps);                            // GPS IFD
  t.writeUInt16LE(gpsEntries, gps);
  entry(gps + 2, 0x0001, 2, 2, 'N'.charCodeAt(0));                // GPSLatitudeRef
  entry(gps + 14, 0x0002, 5, 3, lat);                             // GPSLatitude
  entry(gps + 26, 0x0003, 2, 2, 'E'.charCodeAt(0));               // GPSLongitudeRef
  entry(gps + 38, 0x0004, 5, 3, lon);                             // GPSLongitude
  text.copy(t, desc);
  [[35, 1], [26, 1], [3732, 100], [139, 1], [38, 1], [1680, 100]].forEach(([n, d], i) => {
    t.writeUInt32LE(n, lat + i * 8); t.writeUInt32LE(d, lat + i * 8 + 4);
  });
  const body = Buffer.concat([Buffer.from('Exif\0\0'), t]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** A JPEG with exifApp1's block right after its SOI marker. */
export function withExif(jpeg) {
  return Buffer.concat([jpeg.subarray(0, 2), exifApp1(), jpeg.subarray(2)]);
}
