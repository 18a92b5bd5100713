import type { Browser } from 'playwright-core';
import request from 'supertest';
import { PerformanceBoard } from '../src/modules/insights/performance.js';
import { releaseService } from './support/applications.js';
import { launchChromium, screenshot, wcagViolations } from './support/browser.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * `/performance` (issue 16): in public, without signing in, in French and
 * English, linked from every page's footer, axe-clean, with its link to the
 * accessibility statement (`/accessibility`, likewise); and the same figures
 * as open data in JSON and CSV.
 */
describe('the public performance page', () => {
  let portal: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startTestApp();
    browser = await launchChromium();
    await releaseService(portal, 'bulky-waste-pickup');
    const board = portal.app.get(PerformanceBoard);
    // Up the two minutes before this one (the current minute is not counted yet).
    for (const ago of [120_000, 60_000]) await board.recordUp(new Date(Date.now() - ago));
    await board.refresh(new Date());
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  for (const locale of ['fr', 'en'] as const) {
    it(`shows the services open to everyone from the footer, in ${locale}, with no WCAG 2.1 A/AA violation`, async () => {
      const context = await browser.newContext({ locale: locale === 'fr' ? 'fr-CA' : 'en-CA' });
      await context.addCookies([{ name: 'guichet_lang', value: locale, url: portal.url }]);
      const page = await context.newPage();
      try {
        await page.goto(`${portal.url}/`);
        await page.click('footer a[href="/performance"]');
        await page.waitForSelector('[data-service]');
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        expect(await page.textContent('h1')).toBe(
          locale === 'fr'
            ? 'La performance des services en ligne'
            : 'How the online services perform',
        );
        expect(await page.textContent('[data-service] caption')).toBe(
          locale === 'fr' ? 'Collecte des objets volumineux' : 'Bulky item pickup',
        );
        // Nobody has filed yet: no figure, and why.
        expect(await page.textContent('[data-service] tbody tr td')).toContain(
          locale === 'fr'
            ? 'trop peu pour l’afficher (moins de 10)'
            : 'too few to show (fewer than 10)',
        );
        // Digital take-up: no count taken by phone or at the counter recorded yet.
        expect(await page.textContent('[data-service] tbody tr:last-child td')).toContain(
          locale === 'fr'
            ? 'aucun nombre inscrit (téléphone, comptoir)'
            : 'no phone or counter count recorded yet',
        );
        expect((await page.textContent('[data-availability]'))!.replace(/\s+/g, ' ')).toMatch(
          locale === 'fr' ? /100 % Bon/ : /100% Good/,
        );
        await screenshot(page, `performance-${locale}`);
        expect(await wcagViolations(page)).toEqual([]);

        // The accessibility statement, from the page and from every page's footer.
        await page.click('[data-accessibility]');
        await page.waitForURL(`${portal.url}/accessibility`);
        expect(await page.textContent('h1')).toBe(
          locale === 'fr' ? 'Déclaration d’accessibilité' : 'Accessibility statement',
        );
        expect(await page.textContent('main')).toContain('SGQRI 008 3.0');
        expect(await page.textContent('[data-status]')).toContain(
          locale === 'fr'
            ? 'partiellement conforme aux WCAG 2.1'
            : 'partly meets WCAG 2.1 level AA',
        );
        expect(await page.getAttribute('footer a[href="/accessibility"]', 'href')).toBe(
          '/accessibility',
        );
        await screenshot(page, `accessibility-${locale}`);
        expect(await wcagViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('publishes the same figures as JSON and CSV', async () => {
    const json = await request(portal.url).get('/performance.json');
    expect(json.status).toBe(200);
    expect(json.headers['cache-control']).toBe('public, max-age=300');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body).toMatchObject({
      minGroup: 10,
      availability: { share: 1, status: 'good' },
      services: [
        {
          slug: 'bulky-waste-pickup',
          title: { fr: 'Collecte des objets volumineux', en: 'Bulky item pickup' },
          // Nobody yet: neither a figure nor its count.
          satisfaction: { value: null, count: null, status: null },
          completion: { value: null, count: null, status: null },
          filedOnline: null,
          // No count of applications taken by phone or at the counter recorded.
          digitalTakeUp: { value: null, count: null, status: null, recorded: false },
        },
      ],
    });
    const csv = await request(portal.url).get('/performance.csv').set('Cookie', 'guichet_lang=en');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('"service","figure","value","from","status"');
    expect(lines[1]).toBe('"bulky-waste-pickup","satisfaction","","",""');
    expect(lines[5]).toBe('"bulky-waste-pickup","digitalTakeUp","","",""');
    expect(lines[6]).toBe('"portal","availability","1","","good"');
  });
});
