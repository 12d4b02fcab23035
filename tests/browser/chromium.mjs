// Debian's Chromium for the browser tests, headless, quiet on the network;
// and map tiles served on loopback for the pages with a map.
import fs from 'node:fs';
import http from 'node:http';
import { chromium } from 'playwright-core';
import { noisyPng } from '../http/fixtures.mjs';

/** Launch /usr/bin/chromium (or $CHROMIUM) the way every browser test does. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/** A tile server on 127.0.0.1: {url (map.tile_url), base, hits(), close()}; it also serves
 * extra files by path ({'/axe.min.js': file}) with a long cache, so Chromium compiles them once. */
export async function tileServer(files = {}) {
  const png = noisyPng(256, 256);
  let hits = 0;
  const server = http.createServer((req, res) => {
    if (files[req.url]) {
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'public, max-age=3600' });
      res.end(fs.readFileSync(files[req.url]));
      return;
    }
    hits++;
    res.writeHead(/^\/\d+\/\d+\/\d+\.png$/.test(req.url) ? 200 : 404, { 'Content-Type': 'image/png' });
    res.end(png);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { url: `${base}/{z}/{x}/{y}.png`, base, hits: () => hits, close: () => server.close() };
}
