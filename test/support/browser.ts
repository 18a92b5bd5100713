import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, without the background connections this
 * machine's closed network would refuse (CHROMIUM_PATH overrides the path).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
