// A first visit to the home page weighs under 60 KB on the wire (HTML, the
// stylesheet, the scripts and what they load), within the page's
// Content-Security-Policy; its stylesheet and scripts come fingerprinted,
// compressed and cacheable for a year, so the next page loads none of them
// again (ADR 0037). Sizes, not timings: Chromium's own count of the bytes received.
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const BUDGET_BYTES = 60 * 1000;

let portal: TestApp;
let browser: Browser;

beforeAll(async () => {
  portal = await startTestApp();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

interface Loaded {
  url: string;
  bytes: number;
  headers: Record<string, string>;
}

it('weighs under 60 KB on a first visit to the home page, and its assets are kept for the next', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const responses = new Map<string, { url: string; headers: Record<string, string> }>();
  const loaded: Loaded[] = [];
  cdp.on('Network.responseReceived', (event) => {
    const headers = Object.fromEntries(
      Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    responses.set(event.requestId, { url: event.response.url, headers });
  });
  cdp.on('Network.loadingFinished', (event) => {
    const response = responses.get(event.requestId);
    if (response) loaded.push({ ...response, bytes: event.encodedDataLength });
  });
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') blocked.push(message.text());
  });

  const home = await page.goto(`${portal.url}/`, { waitUntil: 'networkidle' });
  expect(home?.status()).toBe(200);

  const paths = loaded.map((l) => new URL(l.url).pathname);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/',
      expect.stringMatching(/^\/assets\/v\/guichet\.[0-9a-f]{10}\.css$/),
      expect.stringMatching(/^\/assets\/v\/guichet\.[0-9a-f]{10}\.js$/),
      expect.stringMatching(/^\/assets\/v\/govuk-frontend\.min\.[0-9a-f]{10}\.js$/),
    ]),
  );
  for (const asset of loaded.filter((l) => new URL(l.url).pathname.startsWith('/assets/v/'))) {
    expect([asset.url, asset.headers['cache-control']]).toEqual([
      asset.url,
      'public, max-age=31536000, immutable',
    ]);
    if (/\.(css|js)$/.test(asset.url))
      expect([asset.url, asset.headers['content-encoding']]).toEqual([
        asset.url,
        expect.stringMatching(/^(br|gzip)$/),
      ]);
  }
  const total = loaded.reduce((sum, l) => sum + l.bytes, 0);
  const detail = loaded.map((l) => `${new URL(l.url).pathname} ${l.bytes}`).join(', ');
  expect([total < BUDGET_BYTES, `${total} bytes: ${detail}`]).toEqual([true, expect.any(String)]);
  expect(blocked).toEqual([]);
  // Every script ran (govuk-frontend's initAll sets this class).
  expect(
    await page.evaluate(() => document.body.classList.contains('govuk-frontend-supported')),
  ).toBe(true);

  // The next page: only its HTML comes over the wire (its assets from the cache, 0 bytes, not even a 304).
  loaded.length = 0;
  await page.goto(`${portal.url}/sign-in`, { waitUntil: 'networkidle' });
  const assets = loaded.filter((l) => new URL(l.url).pathname.startsWith('/assets/'));
  expect(assets.length).toBeGreaterThan(0);
  expect(assets.map((l) => [new URL(l.url).pathname, l.bytes])).toEqual(
    assets.map((l) => [new URL(l.url).pathname, 0]),
  );
  process.stdout.write(`home page, first visit: ${total} bytes on the wire (${detail})\n`);
  await context.close();
});
