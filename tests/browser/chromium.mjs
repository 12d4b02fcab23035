// Debian's Chromium for the browser tests, headless, quiet on the network.
import { chromium } from 'playwright-core';

/** Launch /usr/bin/chromium (or $CHROMIUM) the way every browser test does. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}
